--
-- halfvec: text and binary I/O, rounding to half precision, limits, type
-- modifier, casts, operators, functions, aggregates, ordering and hashing,
-- with every rejected input's SQLSTATE.  Values are checked against hand
-- computed ones (half precision keeps 11 significant bits).
--

-- Text input and output, as vector's; values are rounded to nearest-even half.
SELECT '[1,2,3]'::halfvec;
SELECT ' [ 1 , 2.5 ,-3 ] '::halfvec;
-- 0.1 -> 0.0999755859375 (0x2E66); 65504 is the largest half; 1e-8 underflows to 0;
-- 2049 is a tie between 2048 and 2050 and rounds to the even 2048; 2051 -> 2052.
SELECT '[0.1,65504,-65504,1e-8,2049,2051,6e-8]'::halfvec;
SELECT '[0.1]'::halfvec::real[] AS as_real, '[0.1]'::halfvec::vector AS as_vector;
-- the round trip through text keeps every bit
SELECT h::text::halfvec = h AS round_trip, halfvec_send(h::text::halfvec) = halfvec_send(h) AS same_bits
FROM (VALUES ('[0.1,0.33333334,-2.7182817,6e-8,-0]'::halfvec)) t(h);

-- Rejected input.
SELECT '[65520]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[-1e5]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1e39]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[NaN]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[Infinity]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '1,2]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,a]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1] x'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT vector_dims(('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::halfvec);

-- Type modifier.
CREATE TABLE halfvec_t (id int, h halfvec(3));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'halfvec_t'::regclass AND attname = 'h';
INSERT INTO halfvec_t VALUES (1, '[1,2,3]'), (2, '[4,5,6]'), (3, NULL), (4, '[1,1,1]');
INSERT INTO halfvec_t VALUES (5, '[1,2]');
\echo :LAST_ERROR_SQLSTATE
SELECT '[1]'::halfvec(0);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE halfvec_bad (h halfvec(16001));
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE halfvec_bad (h halfvec(3, 4));
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2,3]'::halfvec::halfvec(2);
\echo :LAST_ERROR_SQLSTATE

-- Binary format (pgvector's): int16 dim, int16 unused, big-endian binary16 values.
SELECT halfvec_send('[1,-2,0.5]') AS bytes;
-- 3c00 = 1, c000 = -2, 3800 = 0.5; binary COPY reads it back through halfvec_recv
COPY (SELECT h FROM halfvec_t WHERE id = 1) TO '/tmp/omendb_halfvec_regress.bin' WITH (FORMAT binary);
CREATE TABLE halfvec_copy (h halfvec(3));
COPY halfvec_copy FROM '/tmp/omendb_halfvec_regress.bin' WITH (FORMAT binary);
SELECT h FROM halfvec_copy;

-- Casts.
SELECT '[1.5,2,3]'::vector::halfvec AS from_vector, '[1.5,2,3]'::halfvec::vector AS to_vector;
SELECT '[0.1,1e-8]'::vector::halfvec AS rounded;
SELECT '[1e5]'::vector::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,2,3}'::int[]::halfvec, '{1.5,2.25}'::real[]::halfvec, '{0.1,-7}'::float8[]::halfvec,
	   '{1.25,3}'::numeric[]::halfvec;
SELECT '{1,2,3}'::int[]::halfvec(3), '{1,2}'::real[]::halfvec(2);
SELECT '{1,2}'::int[]::halfvec(3);
\echo :LAST_ERROR_SQLSTATE
SELECT '{4e38,-4e38}'::float8[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{70000}'::float8[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{NaN}'::real[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,NULL}'::real[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{{1,2},{3,4}}'::real[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{}'::real[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2.5]'::halfvec::real[];
-- assignment casts into a halfvec column
INSERT INTO halfvec_t VALUES (6, '[7,8,9]'::vector), (7, ARRAY[1,2,4]);
SELECT * FROM halfvec_t ORDER BY id;

-- Distances: [1,2,3] vs [4,6,8]: l2 = sqrt(9+16+25) = 7.0710678..., ip = 4+12+24 = 40,
-- l1 = 3+4+5 = 12, cosine = 1 - 40/sqrt(14*116).
SELECT l2_distance('[1,2,3]'::halfvec, '[4,6,8]') AS l2, '[1,2,3]'::halfvec <-> '[4,6,8]' AS l2_op,
	   inner_product('[1,2,3]'::halfvec, '[4,6,8]') AS ip, '[1,2,3]'::halfvec <#> '[4,6,8]' AS neg_ip,
	   l1_distance('[1,2,3]'::halfvec, '[4,6,8]') AS l1, '[1,2,3]'::halfvec <+> '[4,6,8]' AS l1_op;
SELECT round(cosine_distance('[1,2,3]'::halfvec, '[4,6,8]')::numeric, 9) AS cos,
	   round((1 - 40 / sqrt(14.0 * 116))::numeric, 9) AS expected,
	   '[1,2,3]'::halfvec <=> '[2,4,6]' AS parallel, '[1,0]'::halfvec <=> '[0,0]' AS zero_nan;
SELECT halfvec_l2_squared_distance('[1,2,3]', '[4,6,8]') AS l2sq;
SELECT '[1,2]'::halfvec <-> '[1,2,3]';
\echo :LAST_ERROR_SQLSTATE
SELECT inner_product('[1]'::halfvec, '[1,2]');
\echo :LAST_ERROR_SQLSTATE

-- Functions of one halfvec: norm 5; normalize rounds 0.6 and 0.8 to half.
SELECT vector_dims('[1,2,3]'::halfvec), l2_norm('[3,4]'::halfvec), l2_normalize('[3,4]'::halfvec),
	   l2_normalize('[0,0]'::halfvec);
SELECT subvector('[1,2,3,4,5]'::halfvec, 2, 3), subvector('[1,2,3]'::halfvec, 0, 2),
	   subvector('[1,2,3]'::halfvec, 3, 10);
SELECT subvector('[1,2,3]'::halfvec, 4, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT subvector('[1,2,3]'::halfvec, 1, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT binary_quantize('[1,-2,0,0.001,-0]'::halfvec);

-- Arithmetic in half precision: overflow and underflow are errors.
SELECT '[1,2,3]'::halfvec + '[4,5,6]' AS sum, '[1,2,3]'::halfvec - '[4,5,6]' AS difference,
	   '[1,2,3]'::halfvec * '[4,5,6]' AS product, '[1,2]'::halfvec || '[3]' AS concat;
SELECT '[0.1]'::halfvec + '[0.2]' AS rounded_sum;
SELECT '[65504]'::halfvec + '[65504]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[300]'::halfvec * '[300]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1e-4]'::halfvec * '[1e-4]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::halfvec + '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT ('[' || array_to_string(array_fill(1, ARRAY[8000]), ',') || ']')::halfvec ||
	   ('[' || array_to_string(array_fill(1, ARRAY[8001]), ',') || ']')::halfvec;
\echo :LAST_ERROR_SQLSTATE

-- Ordering, equality, hashing: element by element, -0 = 0, prefix first.
SELECT '[1,2]'::halfvec < '[1,3]' AS lt, '[1,2]'::halfvec < '[1,2,0]' AS prefix,
	   '[0]'::halfvec = '[-0]' AS zeros, '[1,2]'::halfvec <> '[1,2]' AS ne,
	   '[-1]'::halfvec > '[-2]' AS gt, '[2]'::halfvec >= '[2]' AS ge, '[2]'::halfvec <= '[1]' AS le;
SELECT halfvec_cmp('[1,2]', '[1,1]'), halfvec_cmp('[1]', '[1,0]'), halfvec_cmp('[-0]', '[0]');
SELECT halfvec_hash('[0]') = halfvec_hash('[-0]') AS hash_zero,
	   halfvec_hash_extended('[1,2]', 7) = halfvec_hash_extended('[1,2]'::vector::halfvec, 7) AS hash_ext;
SELECT h, count(*) FROM (VALUES ('[1,2]'::halfvec), ('[1,2]'), ('[-0,1]'), ('[0,1]')) t(h)
GROUP BY h ORDER BY h;
SET enable_hashagg = off;
SELECT DISTINCT h FROM (VALUES ('[3]'::halfvec), ('[1]'), ('[3]')) t(h) ORDER BY h;
RESET enable_hashagg;
CREATE INDEX ON halfvec_t (h);
CREATE INDEX ON halfvec_t USING hash (h);
SET enable_seqscan = off;
SELECT id FROM halfvec_t WHERE h = '[4,5,6]';
RESET enable_seqscan;

-- Aggregates.
SELECT avg(h), sum(h) FROM halfvec_t;
SELECT avg(h) FROM (VALUES ('[1,2]'::halfvec), ('[2,3]')) t(h);
SELECT avg(h), sum(h) FROM halfvec_t WHERE false;
SELECT sum(h) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(h);
\echo :LAST_ERROR_SQLSTATE
SELECT avg(h) FROM (VALUES ('[1,2]'::halfvec), ('[1,2,3]')) t(h);
\echo :LAST_ERROR_SQLSTATE
SELECT halfvec_accum('{0}', '[1,2]') AS first, halfvec_accum('{1,1,2}', '[3,4]') AS second;
SELECT halfvec_accum('{0,0}', '[1,2,3]');
\echo :LAST_ERROR_SQLSTATE
SELECT halfvec_accum('{}', '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT halfvec_avg('{2,2,6}'), halfvec_avg('{0}') IS NULL AS empty;
SELECT halfvec_avg('{1,1e6}');
\echo :LAST_ERROR_SQLSTATE
-- A state with no elements, or more than a halfvec holds: the halfvec's own errors.
SELECT halfvec_avg('{1}');
\echo :LAST_ERROR_SQLSTATE
SELECT halfvec_avg(array_agg(n)) FROM generate_series(1, 16002) n;
\echo :LAST_ERROR_SQLSTATE
SELECT halfvec_combine('{1,1,2}', '{2,3,4}');

DROP TABLE halfvec_t, halfvec_copy;
