-- How test/data/omenhnsw-v1-index.bin was made: this script run by the 0.4.0 code of main at
-- 1dd8b9a (format 1), on a fresh cluster; the .bin is the index's relation file after the CHECKPOINT.
-- test/t/006_slot_reuse.pl rebuilds the same table (same heap TIDs) and swaps that file in.
CREATE EXTENSION omendb;
CREATE TABLE v1t (id int PRIMARY KEY, v vector(8));
INSERT INTO v1t SELECT i, ARRAY[sin(i), cos(i), sin(2*i), cos(2*i), sin(3*i), cos(3*i), sin(5*i), cos(7*i)]::vector FROM generate_series(1, 300) i;
CREATE INDEX v1t_v ON v1t USING omenhnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 16);
DELETE FROM v1t WHERE id % 5 = 0;
VACUUM v1t;
CHECKPOINT;
SELECT * FROM omenhnsw_index_info('v1t_v');
SELECT pg_relation_filepath('v1t_v');
