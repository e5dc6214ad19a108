-- How test/data/omenhnsw-attr1-index.bin was made: this script run by the code of main at cc9eed9
-- (format 2, filter values in attrVersion 1: each node's values one row of the page's array), on a
-- fresh cluster; the .bin is the index's relation file after the CHECKPOINT.
-- test/t/010_filter_layout.pl rebuilds the same table (same heap TIDs) and swaps that file in.
CREATE EXTENSION omendb;
CREATE TABLE a1t (id int PRIMARY KEY, v vector(8), cat int, price float8, tags int4[], name text);
INSERT INTO a1t SELECT i, ARRAY[sin(i), cos(i), sin(2*i), cos(2*i), sin(3*i), cos(3*i), sin(5*i), cos(7*i)]::vector,
	CASE WHEN i % 17 = 0 THEN NULL ELSE i % 10 END,
	CASE WHEN i % 53 = 0 THEN 'NaN'::float8 ELSE (i * 37 % 101)::float8 END,
	ARRAY[i % 7, i % 11], 'n' || (i % 13)
FROM generate_series(1, 300) i;
CREATE INDEX a1t_v ON a1t USING omenhnsw (v vector_l2_ops, cat, price, tags, name) WITH (m = 4, ef_construction = 16);
DELETE FROM a1t WHERE id % 5 = 0;
VACUUM a1t;
CHECKPOINT;
SELECT * FROM omenhnsw_index_info('a1t_v');
SELECT pg_relation_filepath('a1t_v');
