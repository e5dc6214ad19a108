--
-- vector operators and functions: distances, arithmetic, norms, subvector,
-- binary_quantize, comparison, btree and hash operator classes.
--
-- Distances of small integer vectors are exact in float4, so they print the
-- same under every kernel set; other values are rounded before printing.
--

-- Distances.  [1,2,3] and [4,6,8]: differences 3,4,5; dot 40; norms
-- sqrt(14) and sqrt(116).
SELECT l2_distance('[1,2,3]'::vector, '[4,6,8]') AS l2,
	   '[1,2,3]'::vector <-> '[4,6,8]' AS l2_op,
	   vector_l2_squared_distance('[1,2,3]', '[4,6,8]') AS l2sq,
	   inner_product('[1,2,3]'::vector, '[4,6,8]') AS ip,
	   vector_negative_inner_product('[1,2,3]', '[4,6,8]') AS neg_ip,
	   '[1,2,3]'::vector <#> '[4,6,8]' AS neg_ip_op,
	   l1_distance('[1,2,3]'::vector, '[4,6,8]') AS l1,
	   '[1,2,3]'::vector <+> '[4,6,8]' AS l1_op;
SELECT round(cosine_distance('[1,2,3]'::vector, '[4,6,8]')::numeric, 9) AS cos,
	   round(('[1,2,3]'::vector <=> '[4,6,8]')::numeric, 9) AS cos_op,
	   round((1 - 40 / sqrt(14.0 * 116.0))::numeric, 9) AS cos_expected;
SELECT l2_distance('[3]'::vector, '[-1]'), inner_product('[-2,0.5]'::vector, '[3,4]'), l1_distance('[0,0]'::vector, '[-1.5,2.5]');
SELECT '[1,1]'::vector <-> '[1,1]' AS zero_l2, '[1,2]'::vector <+> '[1,2]' AS zero_l1;

-- Cosine: same direction 0, opposite 2, orthogonal 1, zero vector NaN.
SELECT cosine_distance('[1,2,3]'::vector, '[2,4,6]') < 1e-6 AS parallel,
	   abs(cosine_distance('[1,2,3]'::vector, '[-2,-4,-6]') - 2) < 1e-6 AS opposite,
	   cosine_distance('[1,0]'::vector, '[0,5]') AS orthogonal,
	   cosine_distance('[0,0]'::vector, '[1,2]') AS zero_a,
	   cosine_distance('[1,2]'::vector, '[0,0]') AS zero_b,
	   '[0,0]'::vector <=> '[0,0]' AS zero_both;
SELECT cosine_distance(v, v) BETWEEN 0 AND 1e-6 AS self_distance
FROM (VALUES ('[0.1,0.2,0.3]'::vector), ('[1e-10,3e-10]'), ('[3e18,-3e18]')) t(v);
SELECT obj_description('cosine_distance(vector,vector)'::regprocedure, 'pg_proc');
SELECT obj_description(oid, 'pg_operator') FROM pg_operator
WHERE oprname = '<=>' AND oprleft = 'vector'::regtype;

-- Commutators.
SELECT '[4,6,8]'::vector <-> '[1,2,3]' AS l2, '[4,6,8]'::vector <#> '[1,2,3]' AS neg_ip,
	   '[4,6,8]'::vector <+> '[1,2,3]' AS l1;

-- Dimension mismatch is an error for every two-vector function.
SELECT l2_distance('[1,2,3]'::vector, '[1,2]');
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2,3]'::vector <-> '[1,2]';
SELECT vector_l2_squared_distance('[1,2,3]', '[1,2]');
SELECT inner_product('[1,2]'::vector, '[1,2,3]');
SELECT '[1,2,3]'::vector <#> '[1,2]';
SELECT cosine_distance('[1,2,3]'::vector, '[1,2]');
SELECT '[1,2,3]'::vector <=> '[1,2]';
SELECT l1_distance('[1,2,3]'::vector, '[1,2]');
SELECT '[1,2,3]'::vector <+> '[1,2]';
SELECT '[1,2,3]'::vector + '[1,2]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2,3]'::vector - '[1,2]';
SELECT '[1,2,3]'::vector * '[1,2]';

-- STRICT: NULL in, NULL out.
SELECT l2_distance(NULL, '[1]'::vector) IS NULL AS a, ('[1]'::vector <=> NULL) IS NULL AS b,
	   vector_norm(NULL) IS NULL AS c, subvector(NULL::vector, 1, 1) IS NULL AS d;

-- Element-wise arithmetic.
SELECT '[1,2,3]'::vector + '[4,5,-6]' AS add, '[1,2,3]'::vector - '[4,5,-6]' AS sub,
	   '[1,2,3]'::vector * '[4,5,-6]' AS mul, '[0.5,-0]'::vector * '[4,0]' AS mul_zero;
SELECT '[3e38]'::vector + '[3e38]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,-3e38]'::vector - '[1,3e38]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1e20]'::vector * '[1e20]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1e-30]'::vector * '[1e-30]';
\echo :LAST_ERROR_SQLSTATE
-- Distances accumulate in float4, as in pgvector: no error, but infinity.
SELECT '[3e38]'::vector <-> '[-3e38]' AS l2_inf, inner_product('[3e38]'::vector, '[3e38]') AS ip_inf;
SELECT '[3e38]'::vector + '[-3e38]' AS no_overflow, '[3.4028235e38]'::vector - '[0]' AS max;

-- Norm, dims, normalisation.
SELECT vector_norm('[3,4]') AS norm, vector_norm('[0,0,0]') AS zero_norm,
	   vector_norm('[-2]') AS neg, vector_dims('[1,2,3,4]'::vector) AS dims;
SELECT vector_norm('[3e38,3e38]') > 4e38 AS norm_no_overflow;
SELECT l2_normalize('[3,4]'::vector) AS unit, l2_normalize('[0,0,0]'::vector) AS zero,
	   l2_normalize('[-5]'::vector) AS neg, l2_normalize('[0,-2]'::vector) AS axis;
SELECT abs(vector_norm(l2_normalize(v)) - 1) < 1e-6 AS unit_norm
FROM (VALUES ('[1,2,3]'::vector), ('[1e-30,1e-30]'), ('[3e38,3e38,-3e38]')) t(v);
SELECT obj_description('l2_normalize(vector)'::regprocedure, 'pg_proc');

-- subvector(v, start, count): 1-based, clipped to the vector.
SELECT subvector('[1,2,3,4,5]'::vector, 2, 3) AS middle, subvector('[1,2,3,4,5]'::vector, 1, 5) AS whole,
	   subvector('[1,2,3,4,5]'::vector, 4, 10) AS clipped_end, subvector('[1,2,3,4,5]'::vector, 0, 2) AS clipped_start,
	   subvector('[1,2,3,4,5]'::vector, -1, 3) AS before_start, subvector('[1,2,3,4,5]'::vector, 5, 1) AS last,
	   subvector('[1,2,3,4,5]'::vector, 1, 2147483647) AS huge_count,
	   subvector('[1,2,3,4,5]'::vector, -2147483645, 2147483647) AS huge_span;
SELECT subvector('[1,2,3,4,5]'::vector, 6, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT subvector('[1,2,3,4,5]'::vector, 1, 0);
SELECT subvector('[1,2,3,4,5]'::vector, 2, -1);
SELECT subvector('[1,2,3,4,5]'::vector, -5, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 2147483647, 2147483647);
SELECT subvector('[1,2,3,4,5]'::vector, -2147483648, -2147483648);
SELECT subvector('[1,2,3,4,5]'::vector, -2147483648, 2147483647);

-- binary_quantize: bit i set when element i > 0.
SELECT binary_quantize('[1,-1,0,2.5,-0,1e-45,-1e-45]'::vector) AS bits,
	   pg_typeof(binary_quantize('[1]'::vector)) AS type,
	   binary_quantize('[1,1,1,1,1,1,1,1,1]'::vector) AS nine_ones,
	   binary_quantize('[-1,-1,-1,-1,-1,-1,-1,-1,1]'::vector) AS ninth,
	   length(binary_quantize('[1,2,3]'::vector)) AS len;
SELECT length(binary_quantize(array_fill(1, ARRAY[16000])::vector)) AS len,
	   bit_count(binary_quantize(array_fill(1, ARRAY[16000])::vector)) AS ones;

-- Comparison: element by element, then a prefix sorts first; -0 = 0.
SELECT '[1,2]'::vector < '[1,3]' AS lt, '[1,2]'::vector <= '[1,2]' AS le,
	   '[1,2]'::vector = '[1,2]' AS eq, '[1,2]'::vector <> '[1,2]' AS ne,
	   '[1,3]'::vector >= '[1,2]' AS ge, '[1,3]'::vector > '[1,2]' AS gt;
SELECT '[1,2]'::vector < '[1,2,0]' AS prefix_lt, '[2]'::vector > '[1,5]' AS first_elem,
	   '[1,2]'::vector = '[1,2,0]' AS diff_dims_eq, '[-0]'::vector = '[0]' AS neg_zero,
	   vector_cmp('[1,2]', '[1,3]') AS cmp_lt, vector_cmp('[1,2]', '[1,2]') AS cmp_eq,
	   vector_cmp('[2]', '[1,5]') AS cmp_gt, vector_cmp('[1,2,3]', '[1,2]') AS cmp_longer;

CREATE TABLE vector_ops_t (id int, v vector);
INSERT INTO vector_ops_t VALUES
	(1, '[1,2,3]'), (2, '[1,2]'), (3, '[0,5]'), (4, '[1,2,3]'), (5, '[-1]'),
	(6, '[0]'), (7, '[-0]'), (8, '[1,2,2.5]'), (9, NULL), (10, '[3e38]');

-- btree: ORDER BY, DISTINCT, min/max-like ordering, merge join, unique index.
SELECT id, v FROM vector_ops_t ORDER BY v, id;
SELECT id, v FROM vector_ops_t ORDER BY v DESC NULLS LAST, id;
SET enable_hashagg = off;
SELECT DISTINCT v FROM vector_ops_t WHERE id <> 7 ORDER BY v;
RESET enable_hashagg;
CREATE INDEX vector_ops_btree ON vector_ops_t USING btree (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM vector_ops_t WHERE v = '[1,2,3]';
SELECT id FROM vector_ops_t WHERE v = '[1,2,3]' ORDER BY id;
SELECT id FROM vector_ops_t WHERE v = '[0]' ORDER BY id;
SELECT id, v FROM vector_ops_t WHERE v > '[0,5]' AND v <= '[1,2,3]' ORDER BY v, id;
RESET enable_seqscan;
CREATE UNIQUE INDEX vector_ops_unique ON vector_ops_t (v);
\echo :LAST_ERROR_SQLSTATE
DELETE FROM vector_ops_t WHERE id IN (4, 7);
CREATE UNIQUE INDEX vector_ops_unique ON vector_ops_t (v);
INSERT INTO vector_ops_t VALUES (11, '[0,5]');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO vector_ops_t VALUES (11, '[-0]');
\echo :LAST_ERROR_SQLSTATE
DROP INDEX vector_ops_unique;
INSERT INTO vector_ops_t VALUES (4, '[1,2,3]'), (7, '[-0]');

-- hash: vectors that compare equal hash equally (-0 and 0 too).
SELECT vector_hash('[0,1]') = vector_hash('[-0,1]') AS neg_zero_hash,
	   vector_hash_extended('[0,1]', 42) = vector_hash_extended('[-0,1]', 42) AS neg_zero_hash_ext,
	   vector_hash('[1,2]') <> vector_hash('[2,1]') AS order_matters,
	   vector_hash('[1,2]') <> vector_hash('[1,2,0]') AS length_matters,
	   vector_hash_extended('[1,2]', 0) <> vector_hash_extended('[1,2]', 1) AS seed_matters,
	   vector_hash_extended('[1,2]', 0) = vector_hash_extended('[1,2]', 0) AS stable;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT v, count(*) FROM vector_ops_t GROUP BY v;
SELECT count(*), array_agg(id ORDER BY id) AS ids, array_agg(v::text ORDER BY id) AS vs
FROM vector_ops_t GROUP BY v ORDER BY ids;
RESET enable_sort;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM vector_ops_t a JOIN vector_ops_t b ON a.v = b.v;
SELECT a.id, b.id FROM vector_ops_t a JOIN vector_ops_t b ON a.v = b.v WHERE a.id < b.id ORDER BY 1, 2;
RESET enable_mergejoin;
RESET enable_nestloop;
CREATE INDEX vector_ops_hash ON vector_ops_t USING hash (v);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
DROP INDEX vector_ops_btree;
EXPLAIN (COSTS OFF) SELECT id FROM vector_ops_t WHERE v = '[-0]';
SELECT id FROM vector_ops_t WHERE v = '[-0]' ORDER BY id;
SELECT id FROM vector_ops_t WHERE v = '[1,2,3]' ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- Vectors stored out of line (TOAST) sort, group and join the same way.
CREATE TABLE vector_ops_toast (id int, v vector(1000));
INSERT INTO vector_ops_toast
SELECT i, array_fill((i % 7)::real, ARRAY[1000])::vector FROM generate_series(1, 70) i;
SELECT pg_relation_size(reltoastrelid) > 0 AS stored_out_of_line FROM pg_class WHERE relname = 'vector_ops_toast';
SELECT count(DISTINCT v) AS distinct_sorted FROM vector_ops_toast;
SET enable_sort = off;
SELECT count(*) AS groups, min(n), max(n) FROM (SELECT v, count(*) AS n FROM vector_ops_toast GROUP BY v) g;
RESET enable_sort;
SET enable_mergejoin = off;
SET enable_nestloop = off;
SELECT count(*) AS hash_join_rows FROM vector_ops_toast a JOIN vector_ops_toast b ON a.v = b.v;
RESET enable_mergejoin;
RESET enable_nestloop;
SELECT (array_agg(id ORDER BY v DESC, id))[1:3] AS largest FROM vector_ops_toast;
DROP TABLE vector_ops_toast;

-- The operator classes pass the server's own validation.
SELECT amname, opcname, amvalidate(c.oid)
FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE opcintype = 'vector'::regtype AND amname IN ('btree', 'hash')
ORDER BY amname;

-- Every function of the type is IMMUTABLE STRICT PARALLEL SAFE.
SELECT count(*) AS functions,
	   count(*) FILTER (WHERE provolatile <> 'i' OR NOT proisstrict OR proparallel <> 's') AS not_immutable_strict_safe
FROM pg_proc
WHERE proname IN ('vector_in', 'vector_out', 'vector_typmod_in', 'vector_typmod_out',
				  'vector_recv', 'vector_send', 'l2_distance', 'inner_product',
				  'cosine_distance', 'l1_distance', 'vector_dims', 'vector_norm',
				  'l2_normalize', 'subvector', 'binary_quantize',
				  'vector_l2_squared_distance', 'vector_negative_inner_product',
				  'vector_add', 'vector_sub', 'vector_mul', 'vector_lt', 'vector_le',
				  'vector_eq', 'vector_ne', 'vector_ge', 'vector_gt', 'vector_cmp',
				  'vector_hash', 'vector_hash_extended', 'vector_accum',
				  'vector_combine', 'vector_avg', 'vector_sum', 'vector',
				  'array_to_vector', 'vector_to_float4');

-- The reference (scalar) kernels give the same exact results.
SET omendb.simd = 'scalar';
SHOW omendb.simd;
SELECT l2_distance('[1,2,3]'::vector, '[4,6,8]') AS l2,
	   vector_l2_squared_distance('[1,2,3]', '[4,6,8]') AS l2sq,
	   inner_product('[1,2,3]'::vector, '[4,6,8]') AS ip,
	   '[1,2,3]'::vector <#> '[4,6,8]' AS neg_ip_op,
	   l1_distance('[1,2,3]'::vector, '[4,6,8]') AS l1,
	   round(cosine_distance('[1,2,3]'::vector, '[4,6,8]')::numeric, 9) AS cos,
	   cosine_distance('[0,0]'::vector, '[1,2]') AS zero_cos;
SELECT l2_distance('[3]'::vector, '[-1]'), inner_product('[-2,0.5]'::vector, '[3,4]'), l1_distance('[0,0]'::vector, '[-1.5,2.5]');
SELECT l2_distance('[1,2,3]'::vector, '[1,2]');
SET omendb.simd = 'no_such_kernels';
\echo :LAST_ERROR_SQLSTATE
RESET omendb.simd;

DROP TABLE vector_ops_t;
