\echo Use "ALTER EXTENSION omendb UPDATE TO '0.3.0'" to load this file. \quit
-- sql/compat.sql: pgvector's SQL beyond the vector type proper: distances between bit strings
-- (what binary_quantize returns) and vector concatenation.  Added in 0.3.0.


CREATE FUNCTION hamming_distance(bit, bit) RETURNS double precision
	AS 'MODULE_PATHNAME', 'omendb_hamming_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION hamming_distance(bit, bit) IS
	'number of positions where two bit strings of the same length differ';

CREATE FUNCTION jaccard_distance(bit, bit) RETURNS double precision
	AS 'MODULE_PATHNAME', 'omendb_jaccard_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION jaccard_distance(bit, bit) IS
	'1 - |a AND b| / |a OR b| over the set bits of two bit strings of the same length; 0 when neither has a bit set';

CREATE OPERATOR <~> (
	LEFTARG = bit, RIGHTARG = bit, PROCEDURE = hamming_distance, COMMUTATOR = '<~>'
);

CREATE OPERATOR <%> (
	LEFTARG = bit, RIGHTARG = bit, PROCEDURE = jaccard_distance, COMMUTATOR = '<%>'
);

CREATE FUNCTION vector_concat(vector, vector) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION vector_concat(vector, vector) IS
	'the elements of the first vector followed by those of the second';

CREATE OPERATOR || (
	LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_concat
);
