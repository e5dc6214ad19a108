-- omenhnsw builds: every opclass and quantization, NULLs, empty tables,
-- dimensions, expression and partial indexes, unlogged tables, builds that
-- outgrow maintenance_work_mem.
-- serial builds are deterministic (the core's threaded build is not)
SET max_parallel_maintenance_workers = 0;
CREATE TABLE pts (id int PRIMARY KEY, v vector(3));
INSERT INTO pts SELECT i, ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7) + 0.1]::vector
FROM generate_series(1, 300) i;
INSERT INTO pts VALUES (1000, NULL), (1001, NULL);

-- exact answers to compare with (sequential scan and sort)
CREATE TABLE answers AS
SELECT 'l2' AS op, array_agg(id) AS ids FROM (SELECT id FROM pts ORDER BY v <-> '[0.2,0.4,0.3]', id LIMIT 10) s
UNION ALL
SELECT 'ip', array_agg(id) FROM (SELECT id FROM pts ORDER BY v <#> '[0.2,0.4,0.3]', id LIMIT 10) s
UNION ALL
SELECT 'cosine', array_agg(id) FROM (SELECT id FROM pts ORDER BY v <=> '[0.2,0.4,0.3]', id LIMIT 10) s
UNION ALL
SELECT 'l1', array_agg(id) FROM (SELECT id FROM pts ORDER BY v <+> '[0.2,0.4,0.3]', id LIMIT 10) s;

SET enable_seqscan = off;

-- every opclass, every quantization: the index gives the exact top 10
CREATE FUNCTION check_all(quant text) RETURNS TABLE (op text, same boolean) AS $$
DECLARE
	got int[];
BEGIN
	EXECUTE format('CREATE INDEX pts_l2 ON pts USING omenhnsw (v vector_l2_ops) WITH (quantization = %L)', quant);
	SELECT array_agg(id) INTO got FROM (SELECT id FROM pts ORDER BY v <-> '[0.2,0.4,0.3]' LIMIT 10) s;
	op := 'l2'; same := got = (SELECT ids FROM answers a WHERE a.op = 'l2'); RETURN NEXT;
	DROP INDEX pts_l2;
	EXECUTE format('CREATE INDEX pts_ip ON pts USING omenhnsw (v vector_ip_ops) WITH (quantization = %L)', quant);
	SELECT array_agg(id) INTO got FROM (SELECT id FROM pts ORDER BY v <#> '[0.2,0.4,0.3]' LIMIT 10) s;
	op := 'ip'; same := got = (SELECT ids FROM answers a WHERE a.op = 'ip'); RETURN NEXT;
	DROP INDEX pts_ip;
	EXECUTE format('CREATE INDEX pts_cos ON pts USING omenhnsw (v vector_cosine_ops) WITH (quantization = %L)', quant);
	SELECT array_agg(id) INTO got FROM (SELECT id FROM pts ORDER BY v <=> '[0.2,0.4,0.3]' LIMIT 10) s;
	op := 'cosine'; same := got = (SELECT ids FROM answers a WHERE a.op = 'cosine'); RETURN NEXT;
	DROP INDEX pts_cos;
	EXECUTE format('CREATE INDEX pts_l1 ON pts USING omenhnsw (v vector_l1_ops) WITH (quantization = %L)', quant);
	SELECT array_agg(id) INTO got FROM (SELECT id FROM pts ORDER BY v <+> '[0.2,0.4,0.3]' LIMIT 10) s;
	op := 'l1'; same := got = (SELECT ids FROM answers a WHERE a.op = 'l1'); RETURN NEXT;
	DROP INDEX pts_l1;
END
$$ LANGUAGE plpgsql;
SELECT * FROM check_all('none');
SELECT * FROM check_all('binary');
SELECT * FROM check_all('rabitq');

-- the plan, and the rows with their distances
CREATE INDEX pts_v ON pts USING omenhnsw (v vector_l2_ops);
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY v <-> '[0.2,0.4,0.3]' LIMIT 5;
SELECT id, round((v <-> '[0.2,0.4,0.3]')::numeric, 5) AS dist FROM pts ORDER BY v <-> '[0.2,0.4,0.3]' LIMIT 5;

-- rows whose vector is NULL are not in the graph, but a scan that has returned every indexed row
-- returns them last, as a sequential scan sorts them: every row of the table
SELECT count(*) AS rows_from_index FROM (SELECT id FROM pts ORDER BY v <-> '[0,0,0]') s;
SELECT count(*) FILTER (WHERE v IS NULL) AS nulls_returned FROM (SELECT v FROM pts ORDER BY v <-> '[0,0,0]') s;
SELECT bool_and(v IS NULL) AS nulls_last FROM (
	SELECT v FROM (SELECT v, row_number() OVER () AS rn FROM (SELECT v FROM pts ORDER BY v <-> '[0,0,0]') a) b
	WHERE rn > (SELECT count(v) FROM pts)) c;
-- a NULL query: every distance is NULL, and the index returns rows as a sequential scan does
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY v <-> (SELECT NULL::vector) LIMIT 5;
SELECT count(*) FROM (SELECT id FROM pts ORDER BY v <-> (SELECT NULL::vector) LIMIT 5) s;
-- a query of the wrong dimension is an error
SELECT id FROM pts ORDER BY v <-> '[1,2]' LIMIT 5;
DROP INDEX pts_v;

-- the zero vector under cosine: indexed (NaN distance, sorted after the
-- other candidates of its batch), never among the nearest
INSERT INTO pts VALUES (2000, '[0,0,0]');
CREATE INDEX pts_cos ON pts USING omenhnsw (v vector_cosine_ops);
SELECT count(*), count(*) FILTER (WHERE id = 2000) AS zero_vector
FROM (SELECT id FROM pts ORDER BY v <=> '[1,1,1]') s;
SELECT count(*) FILTER (WHERE id = 2000) AS zero_in_top10
FROM (SELECT id FROM pts ORDER BY v <=> '[1,1,1]' LIMIT 10) s;
DROP INDEX pts_cos;
DELETE FROM pts WHERE id = 2000;

-- an empty table, then inserts (the first insert trains the quantizer)
CREATE TABLE empty_t (id int, v vector(3));
CREATE INDEX empty_v ON empty_t USING omenhnsw (v vector_l2_ops);
SELECT count(*) FROM (SELECT id FROM empty_t ORDER BY v <-> '[1,1,1]' LIMIT 3) s;
INSERT INTO empty_t VALUES (1, '[1,1,1]');
SELECT id FROM empty_t ORDER BY v <-> '[1,1,1]' LIMIT 3;
INSERT INTO empty_t SELECT i, ARRAY[i, -i, i % 5]::vector FROM generate_series(2, 100) i;
SELECT id FROM empty_t ORDER BY v <-> '[10,-10,0]' LIMIT 3;
SELECT count(*) FROM (SELECT id FROM empty_t ORDER BY v <-> '[10,-10,0]') s;

-- an untyped column: the first vector fixes the dimension
CREATE TABLE untyped (id int, v vector);
INSERT INTO untyped VALUES (1, '[1,2,3,4]'), (2, '[4,3,2,1]'), (3, NULL);
CREATE INDEX untyped_v ON untyped USING omenhnsw (v vector_l2_ops);
INSERT INTO untyped VALUES (4, '[1,2,3]');
INSERT INTO untyped VALUES (4, '[1,1,1,1]');
SELECT id FROM untyped ORDER BY v <-> '[1,1,1,1]' LIMIT 5;
INSERT INTO untyped VALUES (5, '[1,2]');
DROP INDEX untyped_v;
-- mixed dimensions cannot be indexed together (but a partial index can)
INSERT INTO untyped VALUES (6, '[7,7]');
CREATE INDEX untyped_bad ON untyped USING omenhnsw (v vector_l2_ops);
CREATE INDEX untyped_2 ON untyped USING omenhnsw (v vector_l2_ops) WHERE vector_dims(v) = 2;
SELECT id FROM untyped WHERE vector_dims(v) = 2 ORDER BY v <-> '[1,1]' LIMIT 5;
-- an untyped column, empty table: the first insert fixes the dimension
CREATE TABLE untyped_empty (id int, v vector);
CREATE INDEX ON untyped_empty USING omenhnsw (v vector_l2_ops);
INSERT INTO untyped_empty VALUES (1, '[1,2]');
INSERT INTO untyped_empty VALUES (2, '[1,2,3]');
SELECT id FROM untyped_empty ORDER BY v <-> '[1,1]' LIMIT 5;

-- expression indexes re-rank on the expression's value
CREATE TABLE expr_t (id int, v vector);
INSERT INTO expr_t SELECT i, ARRAY[i, 100 - i, 1]::vector FROM generate_series(1, 100) i;
CREATE INDEX expr_cast ON expr_t USING omenhnsw ((v::vector(3)) vector_l2_ops);
EXPLAIN (COSTS OFF) SELECT id FROM expr_t ORDER BY v::vector(3) <-> '[50,50,1]' LIMIT 3;
SELECT id FROM expr_t ORDER BY v::vector(3) <-> '[50,50,1]' LIMIT 3;
CREATE INDEX expr_norm ON expr_t USING omenhnsw (l2_normalize(v) vector_l2_ops);
EXPLAIN (COSTS OFF) SELECT id FROM expr_t ORDER BY l2_normalize(v) <-> '[1,0,0]' LIMIT 3;
SELECT id, round((l2_normalize(v) <-> '[1,0,0]')::numeric, 4) FROM expr_t ORDER BY l2_normalize(v) <-> '[1,0,0]' LIMIT 3;
-- the same rows as the exact order, and every row once over the whole index
SELECT array_agg(id) = (SELECT array_agg(id) FROM (SELECT id FROM expr_t ORDER BY id DESC LIMIT 10) e) AS same
FROM (SELECT id FROM expr_t ORDER BY l2_normalize(v) <-> '[1,0,0]' LIMIT 10) s;
SELECT count(DISTINCT id) FROM (SELECT id FROM expr_t ORDER BY l2_normalize(v) <-> '[1,0,0]') s;

-- partial indexes
CREATE INDEX pts_partial ON pts USING omenhnsw (v vector_l2_ops) WHERE id <= 100;
EXPLAIN (COSTS OFF) SELECT id FROM pts WHERE id <= 100 ORDER BY v <-> '[0.2,0.4,0.3]' LIMIT 3;
SELECT count(*), max(id) FROM (SELECT id FROM pts WHERE id <= 100 ORDER BY v <-> '[0.2,0.4,0.3]') s;
DROP INDEX pts_partial;

-- unlogged tables: the init fork holds an empty metapage
CREATE UNLOGGED TABLE unlogged_t (id int, v vector(3));
INSERT INTO unlogged_t SELECT i, ARRAY[i, i * 2, 1]::vector FROM generate_series(1, 50) i;
CREATE INDEX unlogged_v ON unlogged_t USING omenhnsw (v vector_l2_ops);
SELECT pg_relation_size('unlogged_v', 'init') > 0 AS has_init_fork;
SELECT id FROM unlogged_t ORDER BY v <-> '[3,6,1]' LIMIT 3;
INSERT INTO unlogged_t VALUES (51, '[3,6,1.01]');
SELECT id FROM unlogged_t ORDER BY v <-> '[3,6,1]' LIMIT 3;
-- inserts into an unlogged index link their neighbours without WAL: all reachable
INSERT INTO unlogged_t SELECT i, ARRAY[sin(i), cos(i * 3), i % 7]::vector FROM generate_series(52, 600) i;
SELECT heap_rows, live_nodes, unreachable, links > 0 AS linked FROM omenhnsw_verify('unlogged_v');

-- a build that outgrows maintenance_work_mem continues on disk
CREATE TABLE big (id int, v vector(64));
INSERT INTO big SELECT i, (SELECT array_agg(sin(i * j)) FROM generate_series(1, 64) j)::vector
FROM generate_series(1, 4000) i;
SET maintenance_work_mem = '1MB';
\set VERBOSITY terse
CREATE INDEX big_v ON big USING omenhnsw (v vector_l2_ops);
\set VERBOSITY default
RESET maintenance_work_mem;
SELECT count(*) FROM (SELECT id FROM big ORDER BY v <-> (SELECT v FROM big WHERE id = 7) LIMIT 50) s;
SELECT id FROM big ORDER BY v <-> (SELECT v FROM big WHERE id = 7) LIMIT 1;
DROP TABLE big;

-- many dimensions: quantized records fit, unquantized ones do not
CREATE TABLE wide (id int, v vector(16000));
INSERT INTO wide SELECT i, (SELECT array_agg(((i * j) % 17)::float4) FROM generate_series(1, 16000) j)::vector
FROM generate_series(1, 5) i;
CREATE INDEX wide_none ON wide USING omenhnsw (v vector_l2_ops) WITH (quantization = none);
CREATE INDEX wide_bin ON wide USING omenhnsw (v vector_l2_ops) WITH (quantization = binary);
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 3) LIMIT 2;
DROP INDEX wide_bin;
CREATE INDEX wide_rabitq ON wide USING omenhnsw (v vector_l2_ops) WITH (quantization = rabitq);
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 4) LIMIT 2;
DROP TABLE wide;

DROP TABLE pts, answers, empty_t, untyped, untyped_empty, expr_t, unlogged_t;
DROP FUNCTION check_all(text);
