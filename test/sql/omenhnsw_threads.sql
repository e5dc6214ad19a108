-- omenhnsw builds on core threads (1 + max_parallel_maintenance_workers).
-- Threaded builds are not deterministic, so only robust properties are
-- checked: nearly every row is reachable from the entry point, and a row's
-- own vector finds it.
SET max_parallel_maintenance_workers = 1;
SET enable_seqscan = off;

-- scattered points
CREATE TABLE scattered (id int, v vector(3));
INSERT INTO scattered SELECT i, ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7) + 0.1]::vector
FROM generate_series(1, 3000) i;
CREATE INDEX scattered_v ON scattered USING omenhnsw (v vector_l2_ops);
SELECT count(*) >= 0.99 * 3000 AS most_rows_reachable
FROM (SELECT id FROM scattered ORDER BY v <-> '[0,0,0]') s;
-- (3 bits per code say little: re-rank widely so that the graph decides)
SET omenhnsw.rerank_factor = 10;
SELECT count(*) FILTER (WHERE x.id = q.id) >= 0.99 * count(*) AS finds_itself
FROM (SELECT id, v FROM scattered WHERE id % 10 = 0) q,
	LATERAL (SELECT id FROM scattered ORDER BY scattered.v <-> q.v LIMIT 1) x;
RESET omenhnsw.rerank_factor;

-- points on a line: many equal-distance ties between neighbours
CREATE TABLE line (id int, v vector(3));
INSERT INTO line SELECT i, ARRAY[i, i * 2, 1]::vector FROM generate_series(1, 5000) i;
CREATE INDEX line_v ON line USING omenhnsw (v vector_l2_ops);
SELECT count(*) >= 0.99 * 5000 AS most_rows_reachable
FROM (SELECT id FROM line ORDER BY v <-> '[601,1202,1]') s;
SELECT array_agg(id) FROM (SELECT id FROM line ORDER BY v <-> '[601,1202,1]' LIMIT 3) s;
-- the same data built serially, for comparison
SET max_parallel_maintenance_workers = 0;
REINDEX INDEX line_v;
SELECT count(*) >= 0.99 * 5000 AS most_rows_reachable
FROM (SELECT id FROM line ORDER BY v <-> '[601,1202,1]') s;
SELECT array_agg(id) FROM (SELECT id FROM line ORDER BY v <-> '[601,1202,1]' LIMIT 3) s;

DROP TABLE scattered, line;
