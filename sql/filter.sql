-- sql/filter.sql: operator classes for omenhnsw filter columns (the key columns after the vector),
-- and omenhnsw_last_scan(), what the last omenhnsw scan of this session did.  Added in 0.4.0.
--
--   CREATE INDEX ON items USING omenhnsw (embedding vector_l2_ops, category, price, tags);
--
-- Strategies: scalars 1 <, 2 <=, 3 =, 4 >=, 5 > (text: = only); arrays 1 &&, 2 @>, 3 <@.
-- See src/pg/omenhnsw_filter.c for how the values are stored and compared.

\echo Use "CREATE EXTENSION omendb" to load this file. \quit

CREATE OPERATOR FAMILY omen_integer_filter_ops USING omenhnsw;

CREATE OPERATOR CLASS int2_filter_ops
	DEFAULT FOR TYPE int2 USING omenhnsw FAMILY omen_integer_filter_ops AS
	OPERATOR 1 < (int2, int2),
	OPERATOR 2 <= (int2, int2),
	OPERATOR 3 = (int2, int2),
	OPERATOR 4 >= (int2, int2),
	OPERATOR 5 > (int2, int2);

CREATE OPERATOR CLASS int4_filter_ops
	DEFAULT FOR TYPE int4 USING omenhnsw FAMILY omen_integer_filter_ops AS
	OPERATOR 1 < (int4, int4),
	OPERATOR 2 <= (int4, int4),
	OPERATOR 3 = (int4, int4),
	OPERATOR 4 >= (int4, int4),
	OPERATOR 5 > (int4, int4);

CREATE OPERATOR CLASS int8_filter_ops
	DEFAULT FOR TYPE int8 USING omenhnsw FAMILY omen_integer_filter_ops AS
	OPERATOR 1 < (int8, int8),
	OPERATOR 2 <= (int8, int8),
	OPERATOR 3 = (int8, int8),
	OPERATOR 4 >= (int8, int8),
	OPERATOR 5 > (int8, int8);

ALTER OPERATOR FAMILY omen_integer_filter_ops USING omenhnsw ADD
	OPERATOR 1 < (int2, int4),
	OPERATOR 2 <= (int2, int4),
	OPERATOR 3 = (int2, int4),
	OPERATOR 4 >= (int2, int4),
	OPERATOR 5 > (int2, int4);

ALTER OPERATOR FAMILY omen_integer_filter_ops USING omenhnsw ADD
	OPERATOR 1 < (int2, int8),
	OPERATOR 2 <= (int2, int8),
	OPERATOR 3 = (int2, int8),
	OPERATOR 4 >= (int2, int8),
	OPERATOR 5 > (int2, int8);

ALTER OPERATOR FAMILY omen_integer_filter_ops USING omenhnsw ADD
	OPERATOR 1 < (int4, int2),
	OPERATOR 2 <= (int4, int2),
	OPERATOR 3 = (int4, int2),
	OPERATOR 4 >= (int4, int2),
	OPERATOR 5 > (int4, int2);

ALTER OPERATOR FAMILY omen_integer_filter_ops USING omenhnsw ADD
	OPERATOR 1 < (int4, int8),
	OPERATOR 2 <= (int4, int8),
	OPERATOR 3 = (int4, int8),
	OPERATOR 4 >= (int4, int8),
	OPERATOR 5 > (int4, int8);

ALTER OPERATOR FAMILY omen_integer_filter_ops USING omenhnsw ADD
	OPERATOR 1 < (int8, int2),
	OPERATOR 2 <= (int8, int2),
	OPERATOR 3 = (int8, int2),
	OPERATOR 4 >= (int8, int2),
	OPERATOR 5 > (int8, int2);

ALTER OPERATOR FAMILY omen_integer_filter_ops USING omenhnsw ADD
	OPERATOR 1 < (int8, int4),
	OPERATOR 2 <= (int8, int4),
	OPERATOR 3 = (int8, int4),
	OPERATOR 4 >= (int8, int4),
	OPERATOR 5 > (int8, int4);

CREATE OPERATOR FAMILY omen_float_filter_ops USING omenhnsw;

CREATE OPERATOR CLASS float4_filter_ops
	DEFAULT FOR TYPE float4 USING omenhnsw FAMILY omen_float_filter_ops AS
	OPERATOR 1 < (float4, float4),
	OPERATOR 2 <= (float4, float4),
	OPERATOR 3 = (float4, float4),
	OPERATOR 4 >= (float4, float4),
	OPERATOR 5 > (float4, float4);

CREATE OPERATOR CLASS float8_filter_ops
	DEFAULT FOR TYPE float8 USING omenhnsw FAMILY omen_float_filter_ops AS
	OPERATOR 1 < (float8, float8),
	OPERATOR 2 <= (float8, float8),
	OPERATOR 3 = (float8, float8),
	OPERATOR 4 >= (float8, float8),
	OPERATOR 5 > (float8, float8);

ALTER OPERATOR FAMILY omen_float_filter_ops USING omenhnsw ADD
	OPERATOR 1 < (float4, float8),
	OPERATOR 2 <= (float4, float8),
	OPERATOR 3 = (float4, float8),
	OPERATOR 4 >= (float4, float8),
	OPERATOR 5 > (float4, float8);

ALTER OPERATOR FAMILY omen_float_filter_ops USING omenhnsw ADD
	OPERATOR 1 < (float8, float4),
	OPERATOR 2 <= (float8, float4),
	OPERATOR 3 = (float8, float4),
	OPERATOR 4 >= (float8, float4),
	OPERATOR 5 > (float8, float4);

CREATE OPERATOR FAMILY omen_bool_filter_ops USING omenhnsw;

CREATE OPERATOR CLASS bool_filter_ops
	DEFAULT FOR TYPE bool USING omenhnsw FAMILY omen_bool_filter_ops AS
	OPERATOR 1 < (bool, bool),
	OPERATOR 2 <= (bool, bool),
	OPERATOR 3 = (bool, bool),
	OPERATOR 4 >= (bool, bool),
	OPERATOR 5 > (bool, bool);

CREATE OPERATOR FAMILY omen_date_filter_ops USING omenhnsw;

CREATE OPERATOR CLASS date_filter_ops
	DEFAULT FOR TYPE date USING omenhnsw FAMILY omen_date_filter_ops AS
	OPERATOR 1 < (date, date),
	OPERATOR 2 <= (date, date),
	OPERATOR 3 = (date, date),
	OPERATOR 4 >= (date, date),
	OPERATOR 5 > (date, date);

CREATE OPERATOR FAMILY omen_timestamp_filter_ops USING omenhnsw;

CREATE OPERATOR CLASS timestamp_filter_ops
	DEFAULT FOR TYPE timestamp USING omenhnsw FAMILY omen_timestamp_filter_ops AS
	OPERATOR 1 < (timestamp, timestamp),
	OPERATOR 2 <= (timestamp, timestamp),
	OPERATOR 3 = (timestamp, timestamp),
	OPERATOR 4 >= (timestamp, timestamp),
	OPERATOR 5 > (timestamp, timestamp);

CREATE OPERATOR FAMILY omen_timestamptz_filter_ops USING omenhnsw;

CREATE OPERATOR CLASS timestamptz_filter_ops
	DEFAULT FOR TYPE timestamptz USING omenhnsw FAMILY omen_timestamptz_filter_ops AS
	OPERATOR 1 < (timestamptz, timestamptz),
	OPERATOR 2 <= (timestamptz, timestamptz),
	OPERATOR 3 = (timestamptz, timestamptz),
	OPERATOR 4 >= (timestamptz, timestamptz),
	OPERATOR 5 > (timestamptz, timestamptz);

CREATE OPERATOR FAMILY omen_numeric_filter_ops USING omenhnsw;

CREATE OPERATOR CLASS numeric_filter_ops
	DEFAULT FOR TYPE numeric USING omenhnsw FAMILY omen_numeric_filter_ops AS
	OPERATOR 1 < (numeric, numeric),
	OPERATOR 2 <= (numeric, numeric),
	OPERATOR 3 = (numeric, numeric),
	OPERATOR 4 >= (numeric, numeric),
	OPERATOR 5 > (numeric, numeric);

CREATE OPERATOR FAMILY omen_text_filter_ops USING omenhnsw;

CREATE OPERATOR CLASS text_filter_ops
	DEFAULT FOR TYPE text USING omenhnsw FAMILY omen_text_filter_ops AS
	OPERATOR 3 = (text, text);

CREATE OPERATOR FAMILY omen_uuid_filter_ops USING omenhnsw;

CREATE OPERATOR CLASS uuid_filter_ops
	DEFAULT FOR TYPE uuid USING omenhnsw FAMILY omen_uuid_filter_ops AS
	OPERATOR 3 = (uuid, uuid);

CREATE OPERATOR CLASS array_filter_ops
	DEFAULT FOR TYPE anyarray USING omenhnsw AS
	OPERATOR 1 && (anyarray, anyarray),
	OPERATOR 2 @> (anyarray, anyarray),
	OPERATOR 3 <@ (anyarray, anyarray);

CREATE FUNCTION omenhnsw_last_scan(
		OUT strategy text, OUT filtered boolean, OUT expansions bigint,
		OUT nodes_checked bigint, OUT nodes_passed bigint, OUT exact_pass_nodes bigint,
		OUT candidates bigint, OUT rows_returned bigint, OUT rows_skipped bigint)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION omenhnsw_last_scan() IS
	'what the last omenhnsw index scan of this session did: strategy (graph, graph+exact, exact, walk), filter counters, rows';
