-- Full ordered scans return every row, in order (pgvector's 016_hnsw_inserts shape: 1,000 rows
-- of 1,900 uniform dimensions, inserted in batches into an existing index, ef_search 1000).
-- Uniform high-dimensional rows sit at nearly equal distances, so every candidate of the one
-- batch competes with every row returned: strict_order skipped 45 rows in the 20 scans below
-- before the scan re-ranked whole batches past its first rows and widened the bounds of wide
-- beams.
SELECT setseed(0.16);
CREATE TABLE deep (id int, v vector(1900));
CREATE INDEX deep_v ON deep USING omenhnsw (v vector_l2_ops);
DO $$
BEGIN
	FOR b IN 0 .. 99 LOOP
		INSERT INTO deep
		SELECT b * 10 + i, (SELECT array_agg(random()) FROM generate_series(1, 1900) WHERE i > 0)::vector
		FROM generate_series(1, 10) i;
	END LOOP;
END $$;
SELECT count(*) FROM deep;
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
EXPLAIN (COSTS OFF) SELECT id FROM deep ORDER BY v <-> (SELECT v FROM deep WHERE id = 1);
-- For 20 queries (table rows): rows returned, and rows out of order (none can be: the check is
-- that strict order did not pay for it with missing rows).
CREATE TEMP TABLE deep_found AS
SELECT q.id AS qid, s.n, s.d, lag(s.d) OVER (PARTITION BY q.id ORDER BY s.n) AS prev
FROM deep q,
	 LATERAL (SELECT row_number() OVER () AS n, d
			  FROM (SELECT v <-> q.v AS d FROM deep ORDER BY v <-> q.v) o) s
WHERE q.id % 50 = 1;
SELECT count(DISTINCT qid) AS queries, count(*) AS rows, count(*) FILTER (WHERE d < prev) AS out_of_order
FROM deep_found;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM deep ORDER BY v <-> (SELECT v FROM deep WHERE id = 1)) s;
RESET hnsw.iterative_scan;
RESET hnsw.ef_search;
RESET enable_seqscan;
DROP TABLE deep;
