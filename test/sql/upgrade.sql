--
-- The upgrade path: install the previous release (0.1.0, the vector type alone), keep data in it,
-- ALTER EXTENSION ... UPDATE, use what the update added, and check that the updated extension has
-- exactly the objects of a fresh install of the current version.
--
DROP EXTENSION omendb;
CREATE EXTENSION omendb VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'omendb';
SELECT count(*) AS omenhnsw_before FROM pg_am WHERE amname = 'omenhnsw';

CREATE TABLE upgrade_items (id int, embedding vector(3));
INSERT INTO upgrade_items SELECT i, ARRAY[i, i % 5, 1]::vector(3) FROM generate_series(1, 100) i;

ALTER EXTENSION omendb UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'omendb';

-- what 0.2.0 added works on data stored under 0.1.0 (the update ran 0.1.0--0.2.0, 0.2.0--0.3.0
-- and 0.3.0--0.4.0)
CREATE INDEX upgrade_items_idx ON upgrade_items USING omenhnsw (embedding vector_l2_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM upgrade_items ORDER BY embedding <-> '[10,0,1]' LIMIT 3;
SELECT id FROM upgrade_items ORDER BY embedding <-> '[10,0,1]' LIMIT 3;
RESET enable_seqscan;
-- and what 0.3.0 added (sql/compat.sql)
SELECT id, binary_quantize(embedding) <~> binary_quantize('[1,-1,1]'::vector) AS hamming,
	embedding || '[0]'::vector AS concat
FROM upgrade_items WHERE id IN (5, 6) ORDER BY id;

-- and what 0.4.0 added (sql/halfvec.sql, sql/sparsevec.sql, sql/hnsw.sql)
SELECT id, embedding::halfvec AS half, embedding::sparsevec AS sparse,
	embedding::halfvec <-> '[1,1,1]' AS half_l2
FROM upgrade_items WHERE id IN (5, 6) ORDER BY id;
CREATE INDEX upgrade_items_hnsw ON upgrade_items USING hnsw ((embedding::halfvec(3)) halfvec_l2_ops);
SET enable_seqscan = off;
SELECT id FROM upgrade_items ORDER BY embedding::halfvec(3) <-> '[10,0,1]' LIMIT 3;
CREATE INDEX upgrade_items_sparse ON upgrade_items USING hnsw ((embedding::sparsevec(3)) sparsevec_l2_ops);
SELECT id FROM upgrade_items ORDER BY embedding::sparsevec(3) <-> '{1:10,3:1}/3' LIMIT 3;
RESET enable_seqscan;
SELECT partition_index, nodes FROM omenhnsw_partition_info('upgrade_items_sparse');

CREATE TEMP TABLE updated_objects AS
  SELECT pg_describe_object(classid, objid, objsubid) AS obj
  FROM pg_depend
  WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omendb');

DROP TABLE upgrade_items;
DROP EXTENSION omendb;
CREATE EXTENSION omendb;

CREATE TEMP TABLE fresh_objects AS
  SELECT pg_describe_object(classid, objid, objsubid) AS obj
  FROM pg_depend
  WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omendb');

SELECT count(*) AS objects FROM fresh_objects;
-- both differences must be empty
(SELECT obj FROM fresh_objects EXCEPT SELECT obj FROM updated_objects) ORDER BY 1;
(SELECT obj FROM updated_objects EXCEPT SELECT obj FROM fresh_objects) ORDER BY 1;

-- The last release's frozen install script (0.3.0), with an index built under it, updated to 0.4.0.
DROP EXTENSION omendb;
CREATE EXTENSION omendb VERSION '0.3.0';
SELECT count(*) AS halfvec_before FROM pg_type WHERE typname = 'halfvec';
CREATE TABLE upgrade_items (id int, embedding vector(3));
INSERT INTO upgrade_items SELECT i, ARRAY[i, i % 5, 1]::vector(3) FROM generate_series(1, 100) i;
CREATE INDEX upgrade_items_idx ON upgrade_items USING omenhnsw (embedding vector_l2_ops);
ALTER EXTENSION omendb UPDATE TO '0.4.0';
SELECT extversion FROM pg_extension WHERE extname = 'omendb';
SET enable_seqscan = off;
SELECT id FROM upgrade_items ORDER BY embedding <-> '[10,0,1]' LIMIT 3;
RESET enable_seqscan;
SELECT count(*) AS differences FROM (
  (SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omendb')
   EXCEPT SELECT obj FROM fresh_objects)
  UNION ALL
  (SELECT obj FROM fresh_objects
   EXCEPT SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omendb'))) d;
DROP TABLE upgrade_items;
DROP EXTENSION omendb;
CREATE EXTENSION omendb;
