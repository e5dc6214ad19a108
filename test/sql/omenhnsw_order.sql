-- omenhnsw scans return what a sequential scan returns, in its order: rows in non-decreasing ORDER BY
-- value (the very value the operator shows), NaN distances last, a NULL query returns the rows,
-- and pgvector's scan settings (hnsw.iterative_scan, hnsw.max_scan_tuples, hnsw.scan_mem_multiplier)
-- are obeyed under both names.
SET max_parallel_maintenance_workers = 0;  -- one build thread: the same graph every run
SELECT setseed(0.25);
CREATE TABLE ord (id int PRIMARY KEY, cat int, v vector(48));
INSERT INTO ord SELECT i, i % 10, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 48) WHERE i > 0)::vector
FROM generate_series(1, 4000) i;
CREATE TABLE ordq AS SELECT i AS qid, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 48) WHERE i > 0)::vector(48) AS q
FROM generate_series(1, 30) i;
ANALYZE ord;

-- How many queries came back out of order, or short, under the current settings.
CREATE FUNCTION unordered(lim int, filtered bool) RETURNS int AS $$
	SELECT count(*)::int FROM (
		SELECT qid, bool_or(d < prev) AS bad, count(*) AS n FROM (
			SELECT q.qid, x.d, lag(x.d) OVER (PARTITION BY q.qid ORDER BY x.rn) AS prev
			FROM ordq q, LATERAL (
				SELECT row_number() OVER () AS rn, d FROM (
					SELECT v <-> q.q AS d FROM ord
					WHERE NOT filtered OR cat = q.qid % 10
					ORDER BY v <-> q.q LIMIT lim) s) x) y
		GROUP BY qid) z
	WHERE bad OR n < lim
$$ LANGUAGE sql;
-- How many queries' first row is not the exact nearest (filtered by category).
CREATE FUNCTION first_wrong() RETURNS int AS $$
	SELECT count(*)::int FROM ordq q
	WHERE (SELECT v <-> q.q FROM ord WHERE cat = q.qid % 10 ORDER BY v <-> q.q LIMIT 1) >
		(SELECT min(v <-> q.q) FROM ord WHERE cat = q.qid % 10)
$$ LANGUAGE sql;

CREATE INDEX ord_v ON ord USING omenhnsw (v vector_l2_ops);  -- rabitq codes
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ord WHERE cat = 3 ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 100;
SHOW omenhnsw.iterative_scan;
SHOW hnsw.iterative_scan;
-- strict_order (the default): never a row closer than one already returned, even with a narrow
-- first search, past it, and under a filter that rejects 90% of the rows
SET omenhnsw.ef_search = 10;
SELECT unordered(100, false) AS strict_unfiltered, unordered(100, true) AS strict_filtered;
RESET omenhnsw.ef_search;
SELECT unordered(10, true) AS strict_filtered_default_ef, first_wrong() AS first_not_nearest;

-- exact distances in the index (quantization none), and cosine, whose index stores normalised
-- vectors: the order value is the operator's, bit for bit
DROP INDEX ord_v;
CREATE INDEX ord_v ON ord USING omenhnsw (v vector_l2_ops) WITH (quantization = none);
SET omenhnsw.ef_search = 10;
SELECT unordered(100, false) AS none_unfiltered, unordered(100, true) AS none_filtered;
RESET omenhnsw.ef_search;
SELECT first_wrong() AS none_first_not_nearest;
DROP INDEX ord_v;
CREATE INDEX ord_c ON ord USING omenhnsw (v vector_cosine_ops) WITH (quantization = none);
SELECT count(*) AS cosine_unordered FROM ordq q
WHERE EXISTS (
	SELECT 1 FROM (
		SELECT d, lag(d) OVER (ORDER BY rn) AS prev FROM (
			SELECT row_number() OVER () AS rn, d FROM (
				SELECT v <=> q.q AS d FROM ord WHERE cat = q.qid % 10 ORDER BY v <=> q.q LIMIT 50) s) t) u
	WHERE d < prev);
DROP INDEX ord_c;

-- relaxed_order and off, under both names; a bad value is an error under both
CREATE INDEX ord_v ON ord USING omenhnsw (v vector_l2_ops);
SET omenhnsw.iterative_scan = relaxed_order;
SELECT count(*) AS relaxed_rows FROM (SELECT id FROM ord WHERE cat = 3 ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 150) s;
SET omenhnsw.iterative_scan = off;
SET omenhnsw.ef_search = 20;
-- off: at most ef_search rows, as pgvector; a filter keeps only those of them that match
SELECT count(*) AS off_rows FROM (SELECT id FROM ord ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 100) s;
SELECT count(*) <= 20 AS off_filtered_at_most_ef FROM (SELECT id FROM ord WHERE cat = 3 ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 100) s;
RESET omenhnsw.iterative_scan;
SET hnsw.iterative_scan = off;
SELECT count(*) AS hnsw_off_rows FROM (SELECT id FROM ord ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 100) s;
SET hnsw.iterative_scan = strict_order;
SELECT count(*) AS hnsw_strict_rows FROM (SELECT id FROM ord ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 100) s;
RESET hnsw.iterative_scan;
RESET omenhnsw.ef_search;
SET omenhnsw.iterative_scan = bogus;
SET hnsw.iterative_scan = bogus;
SET hnsw.iterative_scan = 'relaxed_order';
SHOW hnsw.iterative_scan;
RESET hnsw.iterative_scan;

-- max_scan_tuples: a filter that matches nothing stops after the cap instead of walking the graph
SET omenhnsw.ef_search = 10;
SET omenhnsw.max_scan_tuples = 50;
SELECT count(*) AS capped_no_match FROM (SELECT id FROM ord WHERE cat = 99 ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 10) s;
SELECT count(*) BETWEEN 1 AND 60 AS capped_rows FROM (SELECT id FROM ord ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 1000) s;
RESET omenhnsw.max_scan_tuples;
SET hnsw.max_scan_tuples = 50;
SELECT count(*) BETWEEN 1 AND 60 AS hnsw_capped_rows FROM (SELECT id FROM ord ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 1000) s;
RESET hnsw.max_scan_tuples;
SET omenhnsw.max_scan_tuples = -1;
-- uncapped (the default): every row (relaxed order: strict order may skip a row found late)
SET omenhnsw.iterative_scan = relaxed_order;
SELECT count(*) AS uncapped_rows FROM (SELECT id FROM ord ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 5000) s;
RESET omenhnsw.iterative_scan;
-- scan_mem_multiplier: a cap on the scan's memory, as a multiple of work_mem
SET work_mem = '64kB';
SET omenhnsw.scan_mem_multiplier = 0.5;
SELECT count(*) < 4000 AS mem_capped FROM (SELECT id FROM ord ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 5000) s;
RESET omenhnsw.scan_mem_multiplier;
SET hnsw.scan_mem_multiplier = 0.5;
SELECT count(*) < 4000 AS hnsw_mem_capped FROM (SELECT id FROM ord ORDER BY v <-> (SELECT q FROM ordq WHERE qid = 1) LIMIT 5000) s;
RESET hnsw.scan_mem_multiplier;
RESET work_mem;
RESET omenhnsw.ef_search;

-- A NULL query: a sequential scan returns every row (all distances NULL); so does the index, for the
-- rows it holds.  Also through a prepared statement with a NULL parameter.
SELECT count(*) AS null_query_rows, count(DISTINCT id) AS distinct_rows
FROM (SELECT id FROM ord ORDER BY v <-> (SELECT NULL::vector) LIMIT 5000) s;
SELECT count(*) FILTER (WHERE d IS NULL) AS null_distances
FROM (SELECT v <-> (SELECT NULL::vector) AS d FROM ord ORDER BY v <-> (SELECT NULL::vector) LIMIT 10) s;
SET plan_cache_mode = force_generic_plan;  -- a custom plan folds ORDER BY NULL away
PREPARE knn(vector) AS SELECT id FROM ord ORDER BY v <-> $1 LIMIT 3000;
EXPLAIN (COSTS OFF) EXECUTE knn(NULL);
CREATE TEMP TABLE knn_param AS EXECUTE knn(NULL);
SELECT count(*) AS prepared_null_rows, count(DISTINCT id) AS distinct_rows FROM knn_param;
DEALLOCATE knn;
RESET plan_cache_mode;
CREATE TEMP TABLE knn_out AS SELECT id FROM ord ORDER BY v <-> (SELECT NULL::vector(48)) LIMIT 3000;
SELECT count(*) AS null_limit_rows FROM knn_out;
DROP TABLE ord, ordq;
DROP FUNCTION unordered(int, bool), first_wrong();

-- NaN: under cosine a zero vector's distance is NaN, which a sequential scan sorts after every
-- number; the index does the same, with exact (none) and quantized (rabitq) codes.
CREATE TABLE nan3 (id int, v vector(3));
INSERT INTO nan3 VALUES (1, '[0,0,0]'), (2, '[1,0,0]'), (3, '[0,1,0]'), (4, '[1,1,0]'), (5, '[-1,0,0]');
CREATE INDEX ON nan3 USING omenhnsw (v vector_cosine_ops);
SELECT id, v <=> '[1,0,0]' AS d FROM nan3 ORDER BY v <=> '[1,0,0]';
-- a zero query: every distance is NaN, every row comes back
SELECT count(*) AS zero_query_rows, bool_and(d = 'NaN') AS all_nan
FROM (SELECT v <=> '[0,0,0]' AS d FROM nan3 ORDER BY v <=> '[0,0,0]') s;
DROP TABLE nan3;
CREATE TABLE nan64 (id int, v vector(64));
INSERT INTO nan64 SELECT i, CASE WHEN i = 7 THEN array_fill(0, ARRAY[64])::vector
	ELSE (SELECT array_agg(sin(i * d + 1)) FROM generate_series(1, 64) d)::vector END
FROM generate_series(1, 300) i;
CREATE INDEX ON nan64 USING omenhnsw (v vector_cosine_ops);
SELECT (array_agg(id ORDER BY rn))[300] AS last_id, count(*) FILTER (WHERE d = 'NaN') AS nans,
	bool_and(d >= prev OR prev IS NULL OR d = 'NaN') AS ordered
FROM (SELECT id, rn, d, lag(d) OVER (ORDER BY rn) AS prev FROM (
	SELECT id, row_number() OVER () AS rn, v <=> (SELECT v FROM nan64 WHERE id = 1) AS d
	FROM nan64 ORDER BY v <=> (SELECT v FROM nan64 WHERE id = 1) LIMIT 300) s) t;
-- a scan that continues searches at least 40 wide: a narrower first batch cost more in the
-- continuation than it saved (synth-100k-128, LIMIT 10, ef_search 10: 881 QPS, recall 0.931;
-- 40: 1,673 QPS, 0.990); iterative_scan = off keeps ef_search (it bounds the rows returned)
SET omenhnsw.ef_search = 10;
SELECT count(*) FROM (SELECT id FROM nan64 ORDER BY v <=> (SELECT v FROM nan64 WHERE id = 1) LIMIT 1) s;
SELECT candidates >= 40 AS narrow_ef_searches_40_wide FROM omenhnsw_last_scan();
SET omenhnsw.iterative_scan = off;
SELECT count(*) FROM (SELECT id FROM nan64 ORDER BY v <=> (SELECT v FROM nan64 WHERE id = 1) LIMIT 1) s;
SELECT candidates BETWEEN 1 AND 20 AS off_searches_ef_search_wide FROM omenhnsw_last_scan();
RESET omenhnsw.iterative_scan;
RESET omenhnsw.ef_search;
DROP TABLE nan64;

-- omenhnsw.hold_batches bounds the batches a scan pulls while rows wait for them (0: no bound):
-- random 64-d rows, where the hold pulls up to 6 batches of 80 for a LIMIT 10
SELECT setseed(0.5);
CREATE TABLE hb AS SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 64) WHERE i > 0)::vector(64) AS v
FROM generate_series(1, 5000) i;
CREATE INDEX hb_v ON hb USING omenhnsw (v vector_l2_ops);
CREATE TABLE hb_counts (h int, n bigint);
DO $$ DECLARE k int; h int; BEGIN
	FOREACH h IN ARRAY ARRAY[0, 1] LOOP
		EXECUTE format('SET omenhnsw.hold_batches = %s', h);
		FOR k IN 1 .. 20 LOOP
			PERFORM count(*) FROM (SELECT i FROM hb ORDER BY v <-> (SELECT v FROM hb WHERE i = k * 37) LIMIT 10) s;
			INSERT INTO hb_counts SELECT h, candidates FROM omenhnsw_last_scan();
		END LOOP;
	END LOOP;
END $$;
RESET omenhnsw.hold_batches;
SELECT (SELECT max(n) FROM hb_counts WHERE h = 1) <= 240 AS hold_1_pulls_at_most_3_batches,
	(SELECT max(n) FROM hb_counts WHERE h = 0) > 240 AS unbounded_pulls_more,
	(SELECT sum(n) FROM hb_counts WHERE h = 1) < (SELECT sum(n) FROM hb_counts WHERE h = 0) AS fewer_in_all;
DROP TABLE hb, hb_counts;

-- A WHERE clause the index does not hold, matched only by rows far from the query: the executor
-- consumes the ~2,900 nearer rows first.  Once the graph has spent what an exact pass over every
-- node costs, the scan finishes as that pass (strategy graph+exact); omenhnsw.filter_strategy =
-- graph keeps the graph.  Either way the rows are the exact plan's, in its order.
SELECT setseed(0.75);
CREATE TABLE deep (id int, far bool, v vector(16));
INSERT INTO deep SELECT i, i > 2900, (SELECT array_agg(random() + 0 * x + CASE WHEN i > 2900 THEN 3 ELSE 0 END)
	FROM generate_series(1, 16) x)::vector FROM generate_series(1, 3000) i;
CREATE INDEX deep_v ON deep USING omenhnsw (v vector_l2_ops);
ANALYZE deep;
CREATE TABLE deep_rows (how text, rn int, id int);
SET enable_indexscan = off;
INSERT INTO deep_rows SELECT 'exact', row_number() OVER (), id FROM (SELECT id FROM deep WHERE far
	ORDER BY v <-> array_fill(0.5, ARRAY[16])::vector LIMIT 10) s;
RESET enable_indexscan;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM deep WHERE far ORDER BY v <-> array_fill(0.5, ARRAY[16])::vector LIMIT 10;
INSERT INTO deep_rows SELECT 'auto', row_number() OVER (), id FROM (SELECT id FROM deep WHERE far
	ORDER BY v <-> array_fill(0.5, ARRAY[16])::vector LIMIT 10) s;
SELECT strategy, filtered, exact_pass_nodes, rows_returned > 2900 AS past_the_near_rows,
	expansions < 3000 AS switched_early FROM omenhnsw_last_scan();
SET omenhnsw.filter_strategy = graph;
INSERT INTO deep_rows SELECT 'graph', row_number() OVER (), id FROM (SELECT id FROM deep WHERE far
	ORDER BY v <-> array_fill(0.5, ARRAY[16])::vector LIMIT 10) s;
SELECT strategy, filtered, exact_pass_nodes FROM omenhnsw_last_scan();
RESET omenhnsw.filter_strategy;
-- an unfiltered LIMIT 10 on the same index stays on the graph
SELECT count(*) FROM (SELECT id FROM deep ORDER BY v <-> array_fill(0.5, ARRAY[16])::vector LIMIT 10) s;
SELECT strategy FROM omenhnsw_last_scan();
RESET enable_bitmapscan;
SELECT d.how, count(*) AS rows, count(*) FILTER (WHERE e.id IS DISTINCT FROM d.id) AS differ_from_exact
FROM deep_rows d LEFT JOIN deep_rows e ON e.how = 'exact' AND e.rn = d.rn
WHERE d.how <> 'exact' GROUP BY d.how ORDER BY d.how;
DROP TABLE deep, deep_rows;

-- rows whose vector is NULL: after every indexed row, as a sequential scan sorts them (NULLS LAST);
-- also after a HOT update of such a row, under a partial index's predicate, with a filter column
-- (checked by the executor on them), on an index whose graph is empty, and never with
-- iterative_scan = off (at most ef_search rows, from the graph)
CREATE TABLE nulls (id int, cat int, note text, v vector(3));
INSERT INTO nulls VALUES (1, 1, 'a', '[1,0,0]'), (2, 2, 'b', '[0,1,0]'), (3, 1, 'c', NULL), (4, 2, 'd', NULL),
	(5, 1, 'e', '[0,0,1]');
CREATE INDEX nulls_v ON nulls USING omenhnsw (v vector_l2_ops, cat);
SELECT id, v <-> '[1,0,0]' AS d FROM nulls ORDER BY v <-> '[1,0,0]';
SELECT id FROM nulls ORDER BY v <-> '[1,0,0]' LIMIT 2;
SELECT count(*) AS null_query_rows FROM (SELECT id FROM nulls ORDER BY v <-> (SELECT NULL::vector)) s;
UPDATE nulls SET note = 'cc' WHERE id = 3;
SELECT id FROM nulls WHERE cat = 1 ORDER BY v <-> '[1,0,0]' LIMIT 10;
SET omenhnsw.iterative_scan = off;
SELECT id FROM nulls ORDER BY v <-> '[1,0,0]';
RESET omenhnsw.iterative_scan;
DROP INDEX nulls_v;
CREATE INDEX nulls_p ON nulls USING omenhnsw (v vector_l2_ops) WHERE id < 4;
EXPLAIN (COSTS OFF) SELECT id FROM nulls WHERE id < 4 ORDER BY v <-> '[1,0,0]';
SELECT id FROM nulls WHERE id < 4 ORDER BY v <-> '[1,0,0]';
-- an index created empty, then only rows with NULL vectors (its graph stays empty); REINDEX
DROP INDEX nulls_p;
TRUNCATE nulls;
CREATE INDEX nulls_v ON nulls USING omenhnsw (v vector_l2_ops, cat);
INSERT INTO nulls VALUES (6, 1, 'f', NULL), (7, 2, 'g', NULL);
EXPLAIN (COSTS OFF) SELECT id FROM nulls WHERE cat = 2 ORDER BY v <-> '[1,0,0]' LIMIT 5;
SELECT id FROM nulls WHERE cat = 2 ORDER BY v <-> '[1,0,0]' LIMIT 5;
REINDEX INDEX nulls_v;
SELECT id FROM nulls ORDER BY v <-> '[1,0,0]' LIMIT 5;
DROP TABLE nulls;
RESET enable_seqscan;
RESET enable_bitmapscan;
