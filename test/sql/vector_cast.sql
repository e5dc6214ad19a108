--
-- vector casts: integer[], real[], double precision[], numeric[] to vector,
-- vector to real[], and vector to vector(n).
--

-- From arrays, explicitly.
SELECT '{1,2,3}'::integer[]::vector AS from_int,
	   '{1.5,-2.25,3}'::real[]::vector AS from_real,
	   '{1.5,-2.25,0.1}'::double precision[]::vector AS from_float8,
	   '{1.5,-2.25,0.1}'::numeric[]::vector AS from_numeric;
SELECT ARRAY[1, 2]::vector(2) AS with_typmod, '[0:2]={7,8,9}'::integer[]::vector AS lower_bound_0;

-- Rounding to float4.
SELECT '{16777217,-2147483648,2147483647}'::integer[]::vector AS int_rounded,
	   '{0.1,3.141592653589793,1e-50}'::double precision[]::vector AS float8_rounded,
	   '{0.1,3.141592653589793238462643}'::numeric[]::vector AS numeric_rounded;

-- Assignment casts: arrays go into vector columns, vector into real[].
CREATE TABLE vector_cast_t (id int, v vector(3), r real[]);
INSERT INTO vector_cast_t (id, v) VALUES (1, ARRAY[1, 2, 3]), (2, ARRAY[1.5, 2, 3]::real[]),
	(3, ARRAY[0.5, 1, 2]::float8[]), (4, ARRAY[0.25, 1, 2]::numeric[]);
UPDATE vector_cast_t SET r = v;
SELECT id, v, r, pg_typeof(r) FROM vector_cast_t ORDER BY id;
INSERT INTO vector_cast_t (id, v) VALUES (5, ARRAY[1, 2]);
\echo :LAST_ERROR_SQLSTATE

-- To real[].
SELECT '[1,2.5,-3]'::vector::real[] AS arr, pg_typeof('[1]'::vector::real[]),
	   array_length('[1,2,3,4]'::vector::real[], 1) AS len,
	   ('[0.1,-0]'::vector::real[])[1] AS first, ('[0.1,-0]'::vector::real[])[2] AS neg_zero;
SELECT '[0.1,1e-45,3.4028235e38]'::vector::real[]::vector AS round_trip;

-- vector to vector(n): the length coercion.
SELECT '[1,2,3]'::vector::vector(3) AS ok;
SELECT '[1,2,3]'::vector::vector(4);
\echo :LAST_ERROR_SQLSTATE
SELECT CAST('[1,2]'::vector(2) AS vector(2)) AS same, CAST('[1,2]'::vector(2) AS vector) AS unconstrained;

-- Rejected arrays.
SELECT '{{1,2},{3,4}}'::integer[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,NULL,3}'::real[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{}'::integer[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,2}'::integer[]::vector(3);
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,NaN}'::real[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{NaN}'::double precision[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{NaN}'::numeric[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{Infinity}'::real[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,-Infinity}'::double precision[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{Infinity}'::numeric[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1e39}'::double precision[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{-1e300}'::double precision[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1e39}'::numeric[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT array_fill(1, ARRAY[16001])::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT vector_dims(array_fill(1, ARRAY[16000])::vector) AS max_dims;

-- No cast from other array types.
SELECT '{1,2}'::text[]::vector;
\echo :LAST_ERROR_SQLSTATE

DROP TABLE vector_cast_t;
