-- omenhnsw_verify and omenhnsw_recall; slot reuse after VACUUM (format 2)
SELECT setseed(0.25);
CREATE TABLE ver_t (id int PRIMARY KEY, v vector(8));
INSERT INTO ver_t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 2000) i;
CREATE INDEX ver_v ON ver_t USING omenhnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
SELECT heap_rows, nodes, live_nodes, deleted_nodes, free_slots, links > 0 AS links,
       unreachable, format_version FROM omenhnsw_verify('ver_v');
SELECT pg_relation_size('ver_v') AS built_size \gset

-- VACUUM frees the slots of deleted rows; inserts take them back
DELETE FROM ver_t WHERE id % 2 = 0;
VACUUM ver_t;
SELECT heap_rows, nodes, live_nodes, deleted_nodes, free_slots, unreachable
  FROM omenhnsw_verify('ver_v');
INSERT INTO ver_t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(2001, 3000) i;
SELECT heap_rows, nodes, live_nodes, deleted_nodes, free_slots
  FROM omenhnsw_verify('ver_v');
-- (a slot takes a node of its own level only: a few new nodes need new space)
SELECT pg_relation_size('ver_v') <= :built_size * 1.05 AS bounded;

-- a second cycle, and a VACUUM with nothing to do
DELETE FROM ver_t WHERE id % 3 = 0;
VACUUM ver_t;
VACUUM ver_t;
INSERT INTO ver_t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(3001, 3700) i;
SELECT heap_rows, live_nodes, free_slots FROM omenhnsw_verify('ver_v');
SELECT pg_relation_size('ver_v') <= :built_size * 1.05 AS bounded;

-- the index still finds every row (full index scan) and the nearest ones; relaxed_order,
-- since strict_order may skip a row the search finds after farther ones (README, Ordering)
SET enable_seqscan = off;
SET omenhnsw.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM ver_t ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5000) s;
RESET enable_seqscan;
RESET omenhnsw.iterative_scan;
SELECT omenhnsw_recall('ver_v', 10, 20) >= 0.9 AS recall_ok;

-- empty and untrained indexes
CREATE TABLE ver_empty (v vector(8));
CREATE INDEX ver_empty_v ON ver_empty USING omenhnsw (v vector_l2_ops);
SELECT heap_rows, pages, nodes, unreachable FROM omenhnsw_verify('ver_empty_v');
SELECT omenhnsw_recall('ver_empty_v');

-- bad input
SELECT omenhnsw_verify('ver_t_pkey');
SELECT omenhnsw_recall('ver_t_pkey');
SELECT omenhnsw_recall('ver_v', 0);
SELECT omenhnsw_verify(0);

-- privileges are checked before any lock is taken
CREATE ROLE ver_nobody;
SET ROLE ver_nobody;
SELECT omenhnsw_verify('ver_v');
SELECT omenhnsw_recall('ver_v');
RESET ROLE;
DROP ROLE ver_nobody;

DROP TABLE ver_t, ver_empty;
