--
-- avg(vector) and sum(vector): results, NULL handling, errors, grouping,
-- window use, parallel aggregation, and the support functions called
-- directly.
--

CREATE TABLE vector_agg_t (id int, g int, v vector);
INSERT INTO vector_agg_t VALUES
	(1, 1, '[1,2,3]'), (2, 1, '[3,4,5]'), (3, 1, NULL), (4, 2, '[-1,0.5,1e-45]'),
	(5, 2, '[1,-0.5,1e-45]'), (6, 3, NULL);

SELECT avg(v), sum(v) FROM vector_agg_t WHERE g = 1;
SELECT g, avg(v), sum(v), count(v) FROM vector_agg_t GROUP BY g ORDER BY g;
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM vector_agg_t WHERE false;
SELECT avg(v) FILTER (WHERE id > 1) AS avg_filtered, sum(DISTINCT v) AS sum_distinct
FROM vector_agg_t WHERE g = 1;
SELECT pg_typeof(avg(v)), pg_typeof(sum(v)) FROM vector_agg_t;

-- Accumulation is in float8: 1e8 + 1 + 1 - 1e8 is 2, not 0.
SELECT sum(v) AS exact_sum FROM (VALUES (1, '[1e8]'::vector), (2, '[1]'), (3, '[1]'), (4, '[-1e8]')) t(i, v);
SELECT avg(v) AS avg_of_max FROM (VALUES ('[3.4028235e38]'::vector), ('[3.4028235e38]')) t(v);

-- Errors: mixed dimensions, sum beyond float4.
SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t(v);
\echo :LAST_ERROR_SQLSTATE
SELECT sum(v) FROM (VALUES ('[1,2]'::vector), ('[1]')) t(v);
\echo :LAST_ERROR_SQLSTATE
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v);
\echo :LAST_ERROR_SQLSTATE

-- As window functions (the running state must not leak between frames).
SELECT id, avg(v) OVER w AS running_avg, sum(v) OVER w AS running_sum
FROM vector_agg_t WHERE g = 1 AND v IS NOT NULL
WINDOW w AS (ORDER BY id);
SELECT i, sum(v) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS moving_sum
FROM (SELECT i, ARRAY[i, -i]::vector AS v FROM generate_series(1, 5) i) t ORDER BY i;

-- Parallel aggregation uses the combine function.
CREATE TABLE vector_agg_big AS
SELECT i, ARRAY[i, -i, i % 3, 1]::vector AS v FROM generate_series(1, 10000) i;
ANALYZE vector_agg_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM vector_agg_big;
SELECT avg(v), sum(v) FROM vector_agg_big;
SELECT i % 2 AS parity, avg(v), sum(v) FROM vector_agg_big GROUP BY 1 ORDER BY 1;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT avg(v), sum(v) FROM vector_agg_big;

-- The support functions, called directly: the input state is never changed.
SELECT vector_accum('{0}', '[1,2]') AS first, vector_accum('{1,1,2}', '[3,4]') AS second;
SELECT s, vector_accum(s, '[10]') AS accum FROM (SELECT '{2,5}'::float8[] AS s) t;
SELECT vector_combine('{1,1,2}', '{2,3,4}') AS both, vector_combine('{0}', '{1,1,2}') AS left_empty,
	   vector_combine('{1,1,2}', '{0}') AS right_empty, vector_combine('{0}', '{0}') AS none;
SELECT vector_avg('{4,2,4}') AS avg, vector_sum('{4,2,4}') AS sum,
	   vector_avg('{0}') IS NULL AS avg_empty, vector_sum('{0,7}') IS NULL AS sum_empty;

-- ... and refuse malformed states.
SELECT vector_accum('{1,1,2}', '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_combine('{1,1,2}', '{1,1}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_avg('{}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_avg('{{1,2}}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_avg('{1,NULL}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_avg('{-1,2}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_avg('{NaN,2}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_sum('{1}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_sum('{1,NaN}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_sum('{1,1e300}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_sum(array_fill(1::float8, ARRAY[16002]));
\echo :LAST_ERROR_SQLSTATE

-- The aggregates are parallel safe.
SELECT p.proname, a.aggcombinefn, a.aggtranstype::regtype, a.agginitval, p.proparallel
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.proargtypes[0] = 'vector'::regtype ORDER BY p.proname;

DROP TABLE vector_agg_big;
DROP TABLE vector_agg_t;
