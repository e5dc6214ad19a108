-- omenhnsw reloptions and GUCs: defaults, every option, every bad value.
-- serial builds are deterministic (the core's threaded build is not)
SET max_parallel_maintenance_workers = 0;
SET client_min_messages = warning;
CREATE TABLE opt (id int, v vector(3));
INSERT INTO opt SELECT i, ARRAY[i, i % 7, i % 3]::vector FROM generate_series(1, 50) i;

-- defaults and each valid option
CREATE INDEX opt_default ON opt USING omenhnsw (v vector_l2_ops);
CREATE INDEX opt_m ON opt USING omenhnsw (v vector_l2_ops) WITH (m = 2, ef_construction = 4);
CREATE INDEX opt_m_max ON opt USING omenhnsw (v vector_l2_ops) WITH (m = 100, ef_construction = 200);
CREATE INDEX opt_ef_max ON opt USING omenhnsw (v vector_l2_ops) WITH (ef_construction = 1000);
CREATE INDEX opt_none ON opt USING omenhnsw (v vector_l2_ops) WITH (quantization = 'none');
CREATE INDEX opt_binary ON opt USING omenhnsw (v vector_l2_ops) WITH (quantization = binary);
CREATE INDEX opt_rabitq ON opt USING omenhnsw (v vector_l2_ops) WITH (quantization = 'rabitq');
CREATE INDEX opt_qcons ON opt USING omenhnsw (v vector_l2_ops) WITH (quantization = 'binary', construction = quantized);
CREATE INDEX opt_xcons ON opt USING omenhnsw (v vector_l2_ops) WITH (construction = 'exact');
-- with quantization none there are no codes: the build is exact
CREATE INDEX opt_qcons_none ON opt USING omenhnsw (v vector_l2_ops) WITH (quantization = none, construction = quantized);
SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'opt\_%' ORDER BY relname;
RESET client_min_messages;

-- bad options
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (m = 1);
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (m = 101);
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (ef_construction = 3);
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (ef_construction = 1001);
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 31);
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (m = 50);
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (quantization = 'pq');
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (quantization = '');
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (construction = 'fast');
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (m = 'x');
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) WITH (lists = 10);
-- the check is made when the options take effect, even on an empty table
CREATE TABLE opt_empty (v vector(3));
CREATE INDEX ON opt_empty USING omenhnsw (v vector_l2_ops) WITH (ef_construction = 10, m = 8);

-- options can be changed; they take effect at the next REINDEX
ALTER INDEX opt_default SET (m = 8);
ALTER INDEX opt_default SET (quantization = 'bogus');
SELECT reloptions FROM pg_class WHERE relname = 'opt_default';
REINDEX INDEX opt_default;
ALTER INDEX opt_default SET (ef_construction = 4);
REINDEX INDEX opt_default;
ALTER INDEX opt_default RESET (m, ef_construction);
REINDEX INDEX opt_default;

-- unsupported index shapes
CREATE INDEX ON opt USING omenhnsw (v vector_l2_ops) INCLUDE (id);
-- (a second key column is a filter column: see omenhnsw_filter)
CREATE INDEX opt_multi ON opt USING omenhnsw (v vector_l2_ops, id);
DROP INDEX opt_multi;
CREATE UNIQUE INDEX ON opt USING omenhnsw (v vector_l2_ops);
CREATE INDEX ON opt USING omenhnsw (v);
CREATE INDEX ON opt USING omenhnsw (id);

-- GUCs
SHOW omenhnsw.ef_search;
SHOW omenhnsw.rerank_factor;
SET omenhnsw.ef_search = 1;
SET omenhnsw.ef_search = 1000;
SET omenhnsw.ef_search = 0;
SET omenhnsw.ef_search = 1001;
SET omenhnsw.rerank_factor = 1;
SET omenhnsw.rerank_factor = 100;
SET omenhnsw.rerank_factor = 0;
SET omenhnsw.rerank_factor = 101;
SHOW omenhnsw.rerank_sigmas;
SET omenhnsw.rerank_sigmas = 0;
SET omenhnsw.rerank_sigmas = 3.5;
SET omenhnsw.rerank_sigmas = -1;
SET omenhnsw.rerank_sigmas = 101;
RESET omenhnsw.rerank_sigmas;
SET omenhnsw.no_such_setting = 1;
RESET omenhnsw.ef_search;
BEGIN;
SET LOCAL omenhnsw.ef_search = 77;
SHOW omenhnsw.ef_search;
COMMIT;
SHOW omenhnsw.ef_search;
RESET omenhnsw.ef_search;
RESET omenhnsw.rerank_factor;

-- the AM, its opclasses and amvalidate
SELECT amname, amtype FROM pg_am WHERE amname = 'omenhnsw';
SELECT opc.opcname, amvalidate(opc.oid)
FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
WHERE am.amname = 'omenhnsw' ORDER BY 1;
SELECT pg_indexam_has_property(oid, 'can_order'), pg_indexam_has_property(oid, 'can_unique'),
       pg_indexam_has_property(oid, 'can_multi_col'), pg_indexam_has_property(oid, 'can_exclude')
FROM pg_am WHERE amname = 'omenhnsw';
SELECT pg_index_column_has_property('opt_none'::regclass, 1, 'distance_orderable'),
       pg_index_column_has_property('opt_none'::regclass, 1, 'orderable'),
       pg_index_column_has_property('opt_none'::regclass, 1, 'returnable');

-- an opclass with a distance function omenhnsw does not implement fails amvalidate
CREATE FUNCTION my_dist(vector, vector) RETURNS float8 AS 'SELECT 0::float8' LANGUAGE sql IMMUTABLE;
CREATE OPERATOR <~> (LEFTARG = vector, RIGHTARG = vector, PROCEDURE = my_dist);
CREATE OPERATOR CLASS my_ops FOR TYPE vector USING omenhnsw AS
	OPERATOR 1 <~> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 my_dist(vector, vector);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'my_ops';
CREATE INDEX ON opt USING omenhnsw (v my_ops);
DROP OPERATOR CLASS my_ops USING omenhnsw;
DROP OPERATOR <~> (vector, vector);
DROP FUNCTION my_dist(vector, vector);

DROP TABLE opt, opt_empty;
