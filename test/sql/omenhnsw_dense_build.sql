-- Graphs of 150,000 rows or more are built denser: each new node's own layer-0
-- list is padded to 2m with near candidates the pruning heuristic left out
-- (Builder::kPadOwnListsFrom; bench/results/graph.md).  A partial index over
-- 140,000 rows of a table is built the old way, an index over all 160,000 rows
-- the new way: its mean number of links per node is clearly higher, every node
-- stays reachable, and the k-NN answer matches an exact scan.
SET client_min_messages = warning;
SELECT setseed(0.25);
CREATE TABLE dense_t (id int, v vector(4));
INSERT INTO dense_t
	SELECT i, ARRAY[random(), random(), random() * 0.5, random() * 0.25]::float4[]::vector
	FROM generate_series(1, 160000) i;
SET maintenance_work_mem = '256MB';
CREATE INDEX dense_small ON dense_t USING omenhnsw (v vector_l2_ops)
	WITH (ef_construction = 32) WHERE id <= 140000;
CREATE INDEX dense_big ON dense_t USING omenhnsw (v vector_l2_ops)
	WITH (ef_construction = 32);
SELECT nodes, unreachable FROM omenhnsw_verify('dense_small');
SELECT nodes, unreachable FROM omenhnsw_verify('dense_big');
-- links per node (m = 16): padded own lists hold up to 2m = 32 on layer 0 (at the
-- default ef_construction, measured:
-- 11.5 per node unpadded, 16.9 padded)
SELECT (SELECT links::float8 / nodes FROM omenhnsw_verify('dense_big')) >
       (SELECT links::float8 / nodes FROM omenhnsw_verify('dense_small')) + 3.0 AS denser;
-- the index's 10 nearest rows are the exact 10 nearest at a generous ef_search
SET enable_seqscan = off;
SET omenhnsw.ef_search = 100;
CREATE TEMP TABLE dense_q AS SELECT id, v FROM dense_t WHERE id % 16000 = 7;
SELECT count(*) AS queries,
       sum((SELECT count(*) FROM
             (SELECT id FROM dense_t ORDER BY v <-> q.v LIMIT 10) got
             JOIN (SELECT id FROM dense_t ORDER BY (v <-> q.v) + 0, id LIMIT 10) want
             USING (id))) >= 98 AS recall_at_least_098
FROM dense_q q;
-- Above 100,000 nodes a continuing scan's smallest beam grows as
-- (nodes / 100,000)^0.7 (OMENHNSW_BEAM_SCALE_NODES): 55 here.  With
-- first_batch_final a LIMIT 1 query pulls exactly one batch, and with
-- quantization none (auto, 4 dimensions) a batch is the beam.
SET omenhnsw.first_batch_final = on;
SET omenhnsw.ef_search = 40;
SELECT count(*) FROM (SELECT id FROM dense_t ORDER BY v <-> '[0.5,0.5,0.25,0.1]' LIMIT 1) s;
SELECT candidates FROM omenhnsw_last_scan();
SET omenhnsw.ef_search = 100;
SELECT count(*) FROM (SELECT id FROM dense_t ORDER BY v <-> '[0.5,0.5,0.25,0.1]' LIMIT 1) s;
SELECT candidates FROM omenhnsw_last_scan();
-- iterative_scan = off keeps ef_search as given
SET omenhnsw.iterative_scan = off;
SET omenhnsw.ef_search = 40;
SELECT count(*) FROM (SELECT id FROM dense_t ORDER BY v <-> '[0.5,0.5,0.25,0.1]' LIMIT 1) s;
SELECT candidates FROM omenhnsw_last_scan();
RESET omenhnsw.iterative_scan;
RESET omenhnsw.first_batch_final;
RESET enable_seqscan;
RESET omenhnsw.ef_search;
DROP TABLE dense_t;
