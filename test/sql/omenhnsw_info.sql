-- omenhnsw_index_info: what an index was built with and holds.
SELECT setseed(0.3);
CREATE TABLE info_t (id int PRIMARY KEY, small vector(3), wide vector(64));
INSERT INTO info_t
  SELECT i, ARRAY[i, i % 7, 1]::vector(3),
         (SELECT array_agg(random()) FROM generate_series(1, 64) WHERE i > 0)::vector(64)
  FROM generate_series(1, 500) i;

-- 'auto' resolves by dimension: none below 32 dimensions, rabitq from 32 up
CREATE INDEX info_small ON info_t USING omenhnsw (small vector_l2_ops);
CREATE INDEX info_wide ON info_t USING omenhnsw (wide vector_cosine_ops);
CREATE INDEX info_bin ON info_t USING omenhnsw (wide vector_ip_ops)
  WITH (quantization = 'binary', m = 8, ef_construction = 32);
SELECT dimensions, metric, quantization, m, ef_construction, nodes, deleted_nodes,
       entry_level >= 0 AS has_entry, pages > 1 AS has_pages, format_version
  FROM omenhnsw_index_info('info_small');
SELECT dimensions, metric, quantization, m, ef_construction, nodes, deleted_nodes
  FROM omenhnsw_index_info('info_wide');
SELECT dimensions, metric, quantization, m, ef_construction, nodes, deleted_nodes
  FROM omenhnsw_index_info('info_bin');

-- VACUUM frees the slots of deleted rows' nodes for reuse: they are no longer counted
DELETE FROM info_t WHERE id <= 100;
VACUUM info_t;
SELECT nodes, deleted_nodes FROM omenhnsw_index_info('info_wide');
REINDEX INDEX info_wide;
SELECT nodes, deleted_nodes FROM omenhnsw_index_info('info_wide');

-- an index created USING hnsw (pgvector's name for the access method) is an omenhnsw index
CREATE INDEX info_hnsw ON info_t USING hnsw (small vector_l1_ops) WITH (m = 4, ef_construction = 8);
SELECT dimensions, metric, quantization, m, ef_construction, nodes
  FROM omenhnsw_index_info('info_hnsw');
SELECT partition_index, dimensions, metric, nodes FROM omenhnsw_partition_info('info_hnsw');

-- an empty index
CREATE TABLE info_empty (v vector(8));
CREATE INDEX info_empty_v ON info_empty USING omenhnsw (v vector_l2_ops);
SELECT dimensions, quantization, nodes, entry_level FROM omenhnsw_index_info('info_empty_v');

-- not an omenhnsw index
SELECT * FROM omenhnsw_index_info('info_t_pkey');
SELECT * FROM omenhnsw_index_info('info_t');

-- privileges are checked first: SELECT on the index's table (see also test/t/005_index_info.pl)
CREATE ROLE regress_info_reader;
SET ROLE regress_info_reader;
SELECT nodes FROM omenhnsw_index_info('info_small');
RESET ROLE;
GRANT SELECT ON info_t TO regress_info_reader;
SET ROLE regress_info_reader;
SELECT nodes FROM omenhnsw_index_info('info_small');
RESET ROLE;

-- a partitioned index points to its partitions' indexes, which answer one row each
CREATE TABLE info_part (tenant int, v vector(4)) PARTITION BY LIST (tenant);
CREATE TABLE info_part_1 PARTITION OF info_part FOR VALUES IN (1);
CREATE TABLE info_part_2 PARTITION OF info_part FOR VALUES IN (2);
INSERT INTO info_part SELECT 1 + i % 2, ARRAY[i, 1, 2, 3] FROM generate_series(1, 30) i;
CREATE INDEX info_part_v ON info_part USING omenhnsw (v vector_l2_ops);
CREATE INDEX info_part_tenant ON info_part (tenant);
SELECT * FROM omenhnsw_index_info('info_part_v');
SELECT p.relid, i.dimensions, i.nodes FROM pg_partition_tree('public.info_part_v') p,
  omenhnsw_index_info(p.relid) i WHERE p.isleaf ORDER BY p.relid::text;
SELECT * FROM omenhnsw_index_info('info_part_tenant');
SET ROLE regress_info_reader;
SELECT * FROM omenhnsw_index_info('info_part_v');
SELECT * FROM omenhnsw_partition_info('info_part_v');
RESET ROLE;

-- omenhnsw_partition_info: one row per leaf, also below a sub-partitioned partition,
-- in the order of the leaves' names; one row for an index that is not partitioned
CREATE TABLE info_part_3 PARTITION OF info_part FOR VALUES IN (3, 4) PARTITION BY LIST (tenant);
CREATE TABLE info_part_3a PARTITION OF info_part_3 FOR VALUES IN (3);
CREATE TABLE info_part_3b PARTITION OF info_part_3 FOR VALUES IN (4);
INSERT INTO info_part SELECT 3 + i % 2, ARRAY[i, 2, 2, 3] FROM generate_series(1, 11) i;
SELECT partition_index, dimensions, metric, quantization, m, ef_construction, nodes,
       deleted_nodes, entry_level >= 0 AS has_entry, pages > 1 AS has_pages, format_version
  FROM omenhnsw_partition_info('info_part_v');
SELECT partition_index, nodes FROM omenhnsw_partition_info('info_part_3_v_idx');
SELECT partition_index, nodes FROM omenhnsw_partition_info('info_part_1_v_idx');
SELECT partition_index, nodes FROM omenhnsw_partition_info('info_small');
SELECT * FROM omenhnsw_partition_info('info_part_tenant');
SELECT * FROM omenhnsw_partition_info('info_part');
-- SELECT on the partitioned table is enough for every partition, as for queries through it
GRANT SELECT ON info_part TO regress_info_reader;
SET ROLE regress_info_reader;
SELECT partition_index, nodes FROM omenhnsw_partition_info('info_part_v');
SELECT nodes FROM omenhnsw_index_info('info_part_1_v_idx');
RESET ROLE;

DROP TABLE info_t, info_empty, info_part;
DROP ROLE regress_info_reader;
