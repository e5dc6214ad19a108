\echo Use "ALTER EXTENSION omendb UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- omenhnsw: HNSW index access method over quantized codes (src/pg/omenhnsw*.c)
-- ---------------------------------------------------------------------------

CREATE FUNCTION omenhnswhandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD omenhnsw TYPE INDEX HANDLER omenhnswhandler;

COMMENT ON ACCESS METHOD omenhnsw IS
	'HNSW graph index for ORDER BY vector distance LIMIT k, with binary or RaBitQ codes and exact re-ranking';

-- Support function 1 is the distance function: the index learns its metric
-- from it.  Each opclass orders by one distance operator.
CREATE OPERATOR CLASS vector_l2_ops
	FOR TYPE vector USING omenhnsw AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 l2_distance(vector, vector);

CREATE OPERATOR CLASS vector_ip_ops
	FOR TYPE vector USING omenhnsw AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);

CREATE OPERATOR CLASS vector_cosine_ops
	FOR TYPE vector USING omenhnsw AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(vector, vector);

CREATE OPERATOR CLASS vector_l1_ops
	FOR TYPE vector USING omenhnsw AS
	OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(vector, vector);

-- Inspection: the parameters an index was built with (quantization as
-- resolved from 'auto'), its node count, nodes VACUUM marked deleted (space
-- that only REINDEX returns), entry point level, pages and format version.
CREATE FUNCTION omenhnsw_index_info(index regclass,
	OUT dimensions integer, OUT metric text, OUT quantization text,
	OUT m integer, OUT ef_construction integer, OUT nodes bigint,
	OUT deleted_nodes bigint, OUT entry_level integer, OUT pages bigint,
	OUT format_version integer)
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
