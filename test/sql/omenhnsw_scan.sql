-- omenhnsw scans: planner choices, scans past ef_search, filters, recall.
-- serial builds are deterministic (the core's threaded build is not)
SET max_parallel_maintenance_workers = 0;
SELECT setseed(0.25);
CREATE TABLE items (id int PRIMARY KEY, cat int, v vector(16));
INSERT INTO items
SELECT i, i % 1000, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
FROM generate_series(1, 3000) i;
CREATE INDEX items_cat ON items (cat);
CREATE INDEX items_v ON items USING omenhnsw (v vector_l2_ops);
ANALYZE items;

-- the planner picks the index for ORDER BY distance LIMIT k
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10;
-- ... also with a WHERE clause that keeps many rows
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE cat < 500
ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10;
-- ... but not for a very selective WHERE clause: an exact plan is better
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE cat = 7
ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10;
-- ... nor without ORDER BY, nor for an ORDER BY the opclass does not cover
EXPLAIN (COSTS OFF) SELECT count(*) FROM items;
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <=> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10;
-- ... nor in descending order
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' DESC LIMIT 10;

SET enable_seqscan = off;
SET enable_bitmapscan = off;

-- LIMIT past ef_search: the scan continues
SET omenhnsw.ef_search = 10;
SELECT count(*), count(DISTINCT id)
FROM (SELECT id FROM items ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 100) s;
SET omenhnsw.rerank_factor = 1;
SELECT count(*), count(DISTINCT id)
FROM (SELECT id FROM items ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 500) s;
RESET omenhnsw.rerank_factor;
RESET omenhnsw.ef_search;

-- a selective filter never starves the query (forced onto the index)
DROP INDEX items_cat;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE cat = 7 ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 3;
SELECT count(*) FROM (SELECT id FROM items WHERE cat = 7 ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM items WHERE cat % 100 = 7 ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 10) s;

-- within a batch rows come out in exact distance order
SELECT bool_and(d >= prev) AS ordered FROM (
	SELECT d, lag(d, 1, 0::float8) OVER (ORDER BY rn) AS prev FROM (
		SELECT row_number() OVER () AS rn, v <-> (SELECT v FROM items WHERE id = 2) AS d
		FROM (SELECT v FROM items ORDER BY v <-> (SELECT v FROM items WHERE id = 2) LIMIT 40) s
	) t
) u;

-- the same scan in a nested loop: rescans
SELECT q.id, x.id AS nearest
FROM (SELECT id, v FROM items WHERE id IN (5, 6, 7)) q,
	LATERAL (SELECT id FROM items ORDER BY items.v <-> q.v LIMIT 1) x
ORDER BY q.id;

-- recall@10 against the exact answer, 50 queries
CREATE TABLE queries AS SELECT id AS qid, v FROM items WHERE id % 60 = 0;
SET enable_indexscan = off;
SET enable_seqscan = on;
CREATE TABLE truth AS
SELECT q.qid, x.id FROM queries q,
	LATERAL (SELECT id FROM items ORDER BY items.v <-> q.v LIMIT 10) x;
RESET enable_indexscan;
SET enable_seqscan = off;
CREATE FUNCTION recall() RETURNS float8 AS $$
	SELECT count(*)::float8 / (SELECT count(*) FROM truth)
	FROM truth JOIN (
		SELECT q.qid, x.id FROM queries q,
			LATERAL (SELECT id FROM items ORDER BY items.v <-> q.v LIMIT 10) x
	) a USING (qid, id)
$$ LANGUAGE sql;
-- default settings (rabitq, ef_search 40, rerank_factor 2): a loose floor,
-- the quantizer's tuning in the core sets the real figure
SELECT recall() >= 0.7 AS recall_default;
-- re-ranking whole batches (rerank_sigmas = 0) against the default bounded order, which
-- stops reading rows once no waiting candidate is likely closer: the same answers
SET omenhnsw.rerank_sigmas = 0;
CREATE TABLE recall_whole AS SELECT recall() AS r;
RESET omenhnsw.rerank_sigmas;
SELECT recall() >= (SELECT r FROM recall_whole) - 0.01 AS recall_bounded_as_whole;
DROP TABLE recall_whole;
-- a wider search and re-rank: the graph and the re-rank decide, not the codes
SET omenhnsw.ef_search = 100;
SET omenhnsw.rerank_factor = 4;
SELECT recall() >= 0.95 AS recall_ef100_rerank4;
RESET omenhnsw.rerank_factor;
SET omenhnsw.ef_search = 200;
SELECT recall() >= 0.97 AS recall_ef200;
CREATE TABLE recall_200 AS SELECT recall() AS r;
-- ef_search sets the width of the first search; with iterative_scan = off (pgvector's default)
-- nothing continues past it, so a narrow search finds less.  Under strict_order (the default) the
-- scan continues until its rows are settled, which makes up most of a narrow first search.
SET omenhnsw.iterative_scan = off;
SET omenhnsw.ef_search = 1;
CREATE TABLE recall_1 AS SELECT recall() AS r;
SELECT (SELECT r FROM recall_1) < 0.2 AS off_returns_ef_search_rows;
SET omenhnsw.ef_search = 200;
CREATE TABLE recall_off200 AS SELECT recall() AS r;
SELECT r >= 0.97 AS off_wide_search FROM recall_off200;
SET omenhnsw.ef_search = 1;
-- pgvector's hnsw.ef_search is honoured when it asks for more than omenhnsw.ef_search:
-- applications written for pgvector get the search width they set
SET hnsw.ef_search = 200;
SELECT recall() = (SELECT r FROM recall_off200) AS hnsw_ef_search_honoured;
-- it is a real setting once the library is loaded: a bad value is an error, as in pgvector
SET hnsw.ef_search = 'not a number';
SET hnsw.ef_search = 1001;
SELECT recall() = (SELECT r FROM recall_off200) AS bad_value_kept_old;
SET hnsw.ef_search = 1;
SET omenhnsw.ef_search = 200;
SELECT recall() = (SELECT r FROM recall_off200) AS larger_one_wins;
RESET hnsw.ef_search;
RESET omenhnsw.ef_search;
RESET omenhnsw.iterative_scan;
SET omenhnsw.ef_search = 1;
SELECT recall() > (SELECT r FROM recall_1) AS strict_order_continues_narrow_search;
RESET omenhnsw.ef_search;
DROP TABLE recall_1, recall_200, recall_off200;
DROP INDEX items_v;
CREATE INDEX items_v ON items USING omenhnsw (v vector_l2_ops) WITH (quantization = none);
SELECT recall() >= 0.95 AS recall_none;
DROP INDEX items_v;
CREATE INDEX items_v ON items USING omenhnsw (v vector_l2_ops) WITH (quantization = binary);
SET omenhnsw.rerank_factor = 4;
SELECT recall() >= 0.6 AS recall_binary;
RESET omenhnsw.rerank_factor;
-- construction on code distances (faster) builds a graph about as good
DROP INDEX items_v;
CREATE INDEX items_v ON items USING omenhnsw (v vector_l2_ops)
  WITH (quantization = rabitq, construction = quantized);
SET omenhnsw.ef_search = 100;
SET omenhnsw.rerank_factor = 4;
SELECT recall() >= 0.95 AS recall_quantized_construction;
RESET omenhnsw.rerank_factor;
RESET omenhnsw.ef_search;

DROP TABLE items, queries, truth;
DROP FUNCTION recall();

-- a temporary table's index lives in local buffers (scans pin no page cache there)
CREATE TEMP TABLE temp_items (id int, v vector(40));
INSERT INTO temp_items
  SELECT i, (SELECT array_agg(sin(i * d)) FROM generate_series(1, 40) d)::vector(40)
  FROM generate_series(1, 2000) i;
CREATE INDEX temp_items_v ON temp_items USING omenhnsw (v vector_l2_ops);
SET enable_seqscan = off;
SELECT count(*) AS rows_past_ef_search
  FROM (SELECT id FROM temp_items ORDER BY v <-> (SELECT v FROM temp_items WHERE id = 7) LIMIT 300) s;
SELECT id FROM temp_items ORDER BY v <-> (SELECT v FROM temp_items WHERE id = 7) LIMIT 1;
RESET enable_seqscan;
DROP TABLE temp_items;

-- Updated rows: the re-rank reads the heap itself (following HOT chains) and must see exactly the
-- snapshot's version of each row: HOT updates of another column, updates of the vector (a new
-- index entry; the old one still points at the dead version), and an update inside the open
-- transaction, visible to it alone.  The periodic vectors have near-duplicates, which leave plain
-- HNSW graphs with unreachable nodes; the build links them back, so a scan to exhaustion returns
-- every row.
CREATE TABLE upd (id int PRIMARY KEY, tag int, v vector(40)) WITH (fillfactor = 50);
INSERT INTO upd
  SELECT i, 0, (SELECT array_agg(sin(i * d)) FROM generate_series(1, 40) d)::vector(40)
  FROM generate_series(1, 1000) i;
CREATE INDEX upd_v ON upd USING omenhnsw (v vector_l2_ops);
UPDATE upd SET tag = 1 WHERE id % 3 = 0;
UPDATE upd SET v = (SELECT v FROM upd WHERE id = 500) WHERE id IN (17, 18);
SET enable_seqscan = off;
-- (the index returns rows in distance order; the outer sort only orders ties by id)
SELECT id, tag, d = 0 AS is_copy FROM (
  SELECT id, tag, v <-> (SELECT v FROM upd WHERE id = 500) AS d
  FROM upd ORDER BY v <-> (SELECT v FROM upd WHERE id = 500) LIMIT 3) s ORDER BY d, id;
-- relaxed_order returns every row (strict_order may skip one the search finds after a farther one)
SET omenhnsw.iterative_scan = relaxed_order;
SELECT count(*), count(DISTINCT id)
  FROM (SELECT id FROM upd ORDER BY v <-> (SELECT v FROM upd WHERE id = 17) LIMIT 1000) s;
RESET omenhnsw.iterative_scan;
BEGIN;
UPDATE upd SET v = (SELECT v FROM upd WHERE id = 500) WHERE id = 999;
SELECT id FROM (SELECT id, v <-> (SELECT v FROM upd WHERE id = 500) AS d
  FROM upd ORDER BY v <-> (SELECT v FROM upd WHERE id = 500) LIMIT 4) s ORDER BY d, id;
ROLLBACK;
SELECT id FROM (SELECT id, v <-> (SELECT v FROM upd WHERE id = 500) AS d
  FROM upd ORDER BY v <-> (SELECT v FROM upd WHERE id = 500) LIMIT 4) s ORDER BY d, id;
RESET enable_seqscan;
DROP TABLE upd;

-- Vectors above ~500 dimensions are stored out of line (TOAST); reading a candidate's row is then
-- dear, and the re-rank goes lazily, in estimate order, as the executor asks for rows.
SELECT setseed(0.5);
CREATE TABLE wide (id int, cat int, v vector(600));
INSERT INTO wide
SELECT i, i % 10, (SELECT array_agg(random()) FROM generate_series(1, 600) WHERE i > 0)::vector
FROM generate_series(1, 1500) i;
SELECT pg_relation_size(reltoastrelid) > 0 AS vectors_toasted FROM pg_class WHERE relname = 'wide';
CREATE INDEX wide_v ON wide USING omenhnsw (v vector_l2_ops);
CREATE TABLE wide_q AS SELECT id AS qid, v FROM wide WHERE id % 75 = 0;
SET enable_indexscan = off;
SET enable_seqscan = on;
CREATE TABLE wide_truth AS
SELECT q.qid, x.id FROM wide_q q,
	LATERAL (SELECT id FROM wide ORDER BY wide.v <-> q.v LIMIT 10) x;
RESET enable_indexscan;
SET enable_seqscan = off;
SELECT count(*)::float8 / (SELECT count(*) FROM wide_truth) >= 0.9 AS wide_recall
FROM wide_truth JOIN (
	SELECT q.qid, x.id FROM wide_q q,
		LATERAL (SELECT id FROM wide ORDER BY wide.v <-> q.v LIMIT 10) x
) a USING (qid, id);
-- past the first batch, and with a filter: every row comes, once
SELECT count(*), count(DISTINCT id)
FROM (SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 3) LIMIT 400) s;
SELECT count(*), count(DISTINCT id), bool_and(cat = 4) AS all_match
FROM (SELECT id, cat FROM wide WHERE cat = 4
	ORDER BY v <-> (SELECT v FROM wide WHERE id = 3) LIMIT 100) s;
-- the nearest row to a stored vector is that row
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 777) LIMIT 1;
RESET enable_seqscan;
DROP TABLE wide, wide_q, wide_truth;
