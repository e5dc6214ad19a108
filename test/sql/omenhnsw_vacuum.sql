-- omenhnsw after the build: inserts, deletes and VACUUM, REINDEX (also
-- CONCURRENTLY), CREATE INDEX CONCURRENTLY, DROP INDEX.
-- serial builds are deterministic (the core's threaded build is not)
SET max_parallel_maintenance_workers = 0;
SELECT setseed(0.75);
CREATE TABLE docs (id int PRIMARY KEY, v vector(8));
INSERT INTO docs
SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 1000) i;
CREATE INDEX docs_v ON docs USING omenhnsw (v vector_l2_ops);
SET enable_seqscan = off;
SET enable_bitmapscan = off;

-- top 10 of the index vs the exact answer, as a recall fraction
CREATE FUNCTION topk_recall(q vector) RETURNS float8 AS $$
DECLARE
	exact int[];
	got int[];
BEGIN
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	SELECT array_agg(id) INTO exact FROM (SELECT id FROM docs ORDER BY v <-> q LIMIT 10) s;
	SET LOCAL enable_indexscan = on;
	SET LOCAL enable_seqscan = off;
	-- wide enough that the graph, not the codes, decides
	SET LOCAL omenhnsw.ef_search = 100;
	SET LOCAL omenhnsw.rerank_factor = 4;
	SELECT array_agg(id) INTO got FROM (SELECT id FROM docs ORDER BY v <-> q LIMIT 10) s;
	RETURN (SELECT count(*) FROM unnest(got) g WHERE g = ANY (exact))::float8 / 10;
END
$$ LANGUAGE plpgsql;
CREATE FUNCTION mean_recall() RETURNS float8 AS $$
	SELECT avg(topk_recall(v)) FROM docs WHERE id % 50 = 0
$$ LANGUAGE sql;

-- inserts after the build
INSERT INTO docs
SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1001, 2000) i;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM docs ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 500) s;
SELECT id FROM docs ORDER BY v <-> (SELECT v FROM docs WHERE id = 1500) LIMIT 1;
SELECT mean_recall() >= 0.9 AS recall_after_inserts;

-- deletes and VACUUM: deleted rows never come back
DELETE FROM docs WHERE id % 3 = 0;
SELECT count(*) FILTER (WHERE id % 3 = 0) AS deleted_returned
FROM (SELECT id FROM docs ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 300) s;
VACUUM docs;
SELECT count(*) FILTER (WHERE id % 3 = 0) AS deleted_returned, count(*) AS total
FROM (SELECT id FROM docs ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 300) s;
SELECT mean_recall() >= 0.9 AS recall_after_vacuum;
-- the freed TIDs are reused by new rows; the index answers with the new rows only
INSERT INTO docs
SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(3000, 3600) i;
SELECT count(*) FILTER (WHERE id % 3 = 0 AND id < 3000) AS deleted_returned,
       count(*) FILTER (WHERE id >= 3000) > 0 AS new_rows_found
FROM (SELECT id FROM docs ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 500) s;
SELECT mean_recall() >= 0.9 AS recall_after_reuse;

-- delete everything: the index is empty, then usable again
DELETE FROM docs;
VACUUM docs;
SELECT count(*) FROM (SELECT id FROM docs ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5) s;
INSERT INTO docs VALUES (1, '[1,1,1,1,1,1,1,1]'), (2, '[0,0,0,0,0,0,0,0]');
SELECT id FROM docs ORDER BY v <-> '[0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9]' LIMIT 5;
INSERT INTO docs
SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(3, 1000) i;
SELECT mean_recall() >= 0.9 AS recall_after_refill;

-- VACUUM statistics
VACUUM ANALYZE docs;
SELECT relpages > 0 AS has_pages, reltuples FROM pg_class WHERE relname = 'docs_v';

-- REINDEX, REINDEX CONCURRENTLY, CREATE INDEX CONCURRENTLY, DROP INDEX
REINDEX INDEX docs_v;
SELECT mean_recall() >= 0.9 AS recall_after_reindex;
REINDEX INDEX CONCURRENTLY docs_v;
SELECT mean_recall() >= 0.9 AS recall_after_reindex_concurrently;
REINDEX TABLE docs;
DROP INDEX docs_v;
CREATE INDEX CONCURRENTLY docs_v ON docs USING omenhnsw (v vector_l2_ops);
SELECT indisvalid FROM pg_index WHERE indexrelid = 'docs_v'::regclass;
EXPLAIN (COSTS OFF) SELECT id FROM docs ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5;
SELECT mean_recall() >= 0.9 AS recall_after_cic;
DROP INDEX CONCURRENTLY docs_v;
CREATE INDEX docs_v_ip ON docs USING omenhnsw (v vector_ip_ops) WITH (quantization = none);
DELETE FROM docs WHERE id % 2 = 0;
VACUUM docs;
SELECT count(*) FILTER (WHERE id % 2 = 0) AS deleted_returned
FROM (SELECT id FROM docs ORDER BY v <#> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 200) s;

-- TRUNCATE empties the index
TRUNCATE docs;
SELECT count(*) FROM (SELECT id FROM docs ORDER BY v <#> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5) s;
INSERT INTO docs VALUES (1, '[1,1,1,1,1,1,1,1]');
SELECT id FROM docs ORDER BY v <#> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5;

DROP TABLE docs;

-- An index grown by inserts alone on periodic vectors (near-duplicates): pruning used to leave a
-- few rows (36-51 of 2,000) with no link into them, invisible to every scan.  Inserts now link what
-- they prune, so every row is reachable before any VACUUM (the walk of a NULL query reaches every
-- node linked from the entry); VACUUM's reconnect pass (the safety net, tested on nodes stranded on
-- purpose in the core's unit tests) finds nothing to do and leaves it so.
CREATE TABLE waves (id int, v vector(40));
CREATE INDEX waves_v ON waves USING omenhnsw (v vector_l2_ops);
INSERT INTO waves SELECT i, (SELECT array_agg(sin(i * d)) FROM generate_series(1, 40) d)::vector
FROM generate_series(1, 2000) i;
SELECT count(*) AS rows_reached_before_vacuum
FROM (SELECT id FROM waves ORDER BY v <-> (SELECT NULL::vector)) s;
SET omenhnsw.iterative_scan = relaxed_order;
SELECT count(*) AS rows_in_full_scan
FROM (SELECT id FROM waves ORDER BY v <-> (SELECT v FROM waves WHERE id = 1)) s;
RESET omenhnsw.iterative_scan;
VACUUM waves;
SELECT count(*) AS rows_reached
FROM (SELECT id FROM waves ORDER BY v <-> (SELECT v FROM waves WHERE id = 1)) s;
-- each row's own vector finds it
SELECT count(*) FILTER (WHERE x.id = q.id) AS finds_itself
FROM (SELECT id, v FROM waves WHERE id % 20 = 0) q,
	LATERAL (SELECT id FROM waves ORDER BY waves.v <-> q.v LIMIT 1) x;
DROP TABLE waves;

-- Many rows with one vector (placeholder embeddings, copies of a document), a third deleted: the
-- repair took the deleted copies for former versions of each row and gave their lists precedence
-- over the row's own, and every reachable node near the stranded ones had a full list, where the
-- reconnect pass could only append.  618 of 667 live rows were left out of every scan (a full
-- ordered scan returned 294).  Now the reconnect pass links a stranded node in place of a full
-- list's last entry, which the stranded node then links.
CREATE TABLE copies (id int, v vector(8));
INSERT INTO copies SELECT i, '[1,1,1,1,1,1,1,1]' FROM generate_series(0, 499) i;
CREATE INDEX copies_v ON copies USING omenhnsw (v vector_l2_ops);
INSERT INTO copies SELECT i, '[1,1,1,1,1,1,1,1]' FROM generate_series(500, 999) i;
DELETE FROM copies WHERE id % 3 = 1;
VACUUM copies;
SELECT live_nodes, unreachable FROM omenhnsw_verify('copies_v');
SELECT count(*) AS rows_in_full_scan
FROM (SELECT id FROM copies ORDER BY v <-> '[1,1,1,1,1,1,1,1]') s;
SELECT count(*) AS rows_in_walk FROM (SELECT id FROM copies ORDER BY v <-> (SELECT NULL::vector)) s;
DROP TABLE copies;

-- Inner product on five tight clusters of 130 dimensions: after a third was deleted, 6-19 of 200
-- live nodes had no way in, and all their reachable neighbours had full lists.
CREATE TABLE tight (id int, v vector(130));
SELECT setseed(0.2);
INSERT INTO tight SELECT i, (SELECT array_agg(b * 10 + (random() - 0.5) * 0.02 + 0 * g)
							 FROM generate_series(1, 130) g)::vector
FROM (SELECT i, floor(random() * 5) b FROM generate_series(0, 299) i) s;
CREATE INDEX tight_v ON tight USING omenhnsw (v vector_ip_ops);
DELETE FROM tight WHERE id % 3 = 0;
VACUUM tight;
SELECT live_nodes, unreachable FROM omenhnsw_verify('tight_v');
SELECT count(*) AS rows_in_walk FROM (SELECT id FROM tight ORDER BY v <#> (SELECT NULL::vector)) s;
DROP TABLE tight;
DROP FUNCTION mean_recall();
DROP FUNCTION topk_recall(vector);
