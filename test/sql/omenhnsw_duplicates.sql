-- Copies of one vector share a place in the search beam (Beam in src/core/hnsw.hpp): with one
-- graph node per row, a beam of ef_search rows over vectors stored eight times held an eighth of
-- ef_search distinct points, and LIMIT queries missed whole groups of copies (here 936 of 960
-- rows, 38 of 40 queries complete, before the change; 960 and 40 after).
SET enable_seqscan = off;
CREATE TABLE dup_items (id int PRIMARY KEY, v vector(8));
-- 1,000 distinct random 8-d vectors (seeded), each stored 8 times
SELECT setseed(0.25);
CREATE TABLE dup_distinct AS
SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) j WHERE i > 0)::vector AS v
FROM generate_series(1, 1000) i;
INSERT INTO dup_items SELECT c * 1000 + i, v FROM dup_distinct, generate_series(0, 7) c;
SELECT count(DISTINCT v) AS distinct_vectors, count(*) AS rows FROM dup_items;
CREATE INDEX dup_items_v ON dup_items USING omenhnsw (v vector_l2_ops);
CREATE TABLE dup_queries AS
SELECT q, (SELECT array_agg(random()) FROM generate_series(1, 8) j WHERE q > 0)::vector AS v
FROM generate_series(1, 40) q;
SET omenhnsw.ef_search = 20;
-- per query: rows among the 24 returned within the exact 24th distance (copies tie, all count;
-- "+ 0" keeps the exact ranking off the index)
CREATE TABLE dup_found AS
SELECT q.q,
       (SELECT count(*) FROM (SELECT d.v <-> q.v AS dist FROM dup_items d ORDER BY d.v <-> q.v LIMIT 24) got
        WHERE got.dist <= (SELECT max(dist) FROM (SELECT e.v <-> q.v AS dist FROM dup_items e
                                                 ORDER BY (e.v <-> q.v) + 0 LIMIT 24) ex)) AS found
FROM dup_queries q;
EXPLAIN (COSTS OFF) SELECT id FROM dup_items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 24;
-- 40 queries x 24 rows: at most one group of copies missed in all
SELECT sum(found) >= 952 AS at_most_one_group_missed, count(*) FILTER (WHERE found = 24) >= 39 AS queries_complete
FROM dup_found;
-- the copies of a returned vector come with it: no group is split (LIMIT 24 = 3 groups of 8)
SELECT count(*) AS split_groups FROM (
	SELECT q.q, x.v FROM dup_queries q,
	LATERAL (SELECT d.v FROM dup_items d ORDER BY d.v <-> q.v LIMIT 24) x
	GROUP BY q.q, x.v HAVING count(*) <> 8) s;
RESET omenhnsw.ef_search;
RESET enable_seqscan;
DROP TABLE dup_items, dup_distinct, dup_queries, dup_found;
