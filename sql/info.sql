-- sql/info.sql: inspection functions added in 0.4.0 (omenhnsw_index_info itself is in
-- sql/omenhnsw.sql since 0.2.0).

\echo Use "CREATE EXTENSION omendb" to load this file. \quit

-- One row per leaf of a partitioned omenhnsw index's partition tree (one row for an index that
-- is not partitioned): the partition's index and omenhnsw_index_info's columns for it.
CREATE FUNCTION omenhnsw_partition_info(index regclass,
	OUT partition_index regclass,
	OUT dimensions integer, OUT metric text, OUT quantization text,
	OUT m integer, OUT ef_construction integer, OUT nodes bigint,
	OUT deleted_nodes bigint, OUT entry_level integer, OUT pages bigint,
	OUT format_version integer)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
