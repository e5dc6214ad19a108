--
-- Distance accuracy: l2_distance, vector_l2_squared_distance, inner_product,
-- cosine_distance and l1_distance against an independent float8 computation
-- in SQL (unnest ... WITH ORDINALITY, sums in double precision), for random
-- vectors of 1 to 16000 dimensions, under the default kernel set and under
-- the scalar reference kernels.
--
-- Tolerances:
--   l2, l2 squared, l1: relative error <= 1e-5 (sums of nonnegative terms).
--   inner product: absolute error <= 1e-5 * sum(|a_i * b_i|), since the dot
--	 product itself can cancel to about zero.
--   cosine distance: absolute error <= 1e-5; its error is the dot product's
--	 error divided by |a| |b| >= sum(|a_i * b_i|), so the same bound carries
--	 over, plus the norms' relative error.
-- Only booleans are printed, so the output does not depend on the kernels'
-- last bits.
--

SELECT setseed(0.25);

-- Pairs per dimension: k = 1 uniform in [-1, 1]; k = 2 uniform in [0, 1]
-- (no cancellation); k = 3 scales 1000 and 0.001; k = 4 identical vectors.
CREATE TABLE vector_acc_pairs AS
SELECT d, k,
	   (SELECT array_agg(x) FROM
		(SELECT CASE k WHEN 2 THEN random() ELSE (random() * 2 - 1) * CASE k WHEN 3 THEN 1000 ELSE 1 END END AS x
		 FROM generate_series(1, d)) s)::vector AS a,
	   (SELECT array_agg(x) FROM
		(SELECT CASE k WHEN 2 THEN random() ELSE (random() * 2 - 1) * CASE k WHEN 3 THEN 0.001 ELSE 1 END END AS x
		 FROM generate_series(1, d)) s)::vector AS b
FROM unnest(ARRAY[1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 384,
				  768, 1000, 1536, 3072, 4096, 8191, 16000]) d,
	 generate_series(1, 4) k;
UPDATE vector_acc_pairs SET b = a WHERE k = 4;
SELECT count(*) AS pairs, count(DISTINCT d) AS dims, min(d), max(d),
	   bool_and(vector_dims(a) = d AND vector_dims(b) = d) AS dims_ok
FROM vector_acc_pairs;

-- The reference: float4 elements widened exactly to float8, summed in float8.
CREATE TABLE vector_acc_ref AS
SELECT p.d, p.k,
	   sum((e.x - e.y) * (e.x - e.y)) AS l2sq,
	   sum(e.x * e.y) AS ip,
	   sum(abs(e.x * e.y)) AS ip_abs,
	   sum(abs(e.x - e.y)) AS l1,
	   sum(e.x * e.x) AS aa,
	   sum(e.y * e.y) AS bb
FROM vector_acc_pairs p,
	 LATERAL (SELECT ea.x::float8 AS x, eb.x::float8 AS y
			  FROM unnest(p.a::real[]) WITH ORDINALITY ea(x, i)
			  JOIN unnest(p.b::real[]) WITH ORDINALITY eb(x, i) USING (i)) e
GROUP BY p.d, p.k;

-- Evaluated when queried, so it uses the kernel set in force at that time.
CREATE VIEW vector_acc_check AS
SELECT d, count(*) AS pairs,
	   bool_and(abs(l2_distance(a, b) - sqrt(l2sq)) <= 1e-5 * sqrt(l2sq)) AS l2,
	   bool_and(abs(vector_l2_squared_distance(a, b) - l2sq) <= 1e-5 * l2sq) AS l2sq,
	   bool_and(abs(inner_product(a, b) - ip) <= 1e-5 * ip_abs) AS ip,
	   bool_and(vector_negative_inner_product(a, b) = -inner_product(a, b)) AS neg_ip,
	   bool_and(abs(cosine_distance(a, b) - greatest(0, least(2, 1 - ip / sqrt(aa * bb)))) <= 1e-5) AS cosine,
	   bool_and(abs(l1_distance(a, b) - l1) <= 1e-5 * l1) AS l1,
	   bool_and((a <-> b) = l2_distance(a, b) AND (a <#> b) = vector_negative_inner_product(a, b)
				AND (a <=> b) = cosine_distance(a, b) AND (a <+> b) = l1_distance(a, b)) AS ops
FROM vector_acc_pairs JOIN vector_acc_ref USING (d, k)
GROUP BY d;

-- Default kernels.
SELECT * FROM vector_acc_check ORDER BY d;
CREATE TEMP TABLE vector_acc_default AS
SELECT d, k, l2_distance(a, b) AS l2, inner_product(a, b) AS ip,
	   cosine_distance(a, b) AS cos, l1_distance(a, b) AS l1
FROM vector_acc_pairs;

-- The scalar reference kernels.
SET omendb.simd = 'scalar';
SHOW omendb.simd;
SELECT * FROM vector_acc_check ORDER BY d;

-- ... and the two kernel sets agree with each other.
SELECT count(*) AS pairs,
	   bool_and(abs(l2_distance(a, b) - s.l2) <= 2e-5 * s.l2) AS l2,
	   bool_and(abs(inner_product(a, b) - s.ip) <= 2e-5 * r.ip_abs) AS ip,
	   bool_and(abs(cosine_distance(a, b) - s.cos) <= 2e-5) AS cosine,
	   bool_and(abs(l1_distance(a, b) - s.l1) <= 2e-5 * s.l1) AS l1
FROM vector_acc_pairs p JOIN vector_acc_default s USING (d, k) JOIN vector_acc_ref r USING (d, k);
RESET omendb.simd;

-- The checks can fail: adding 10 to one element in 16000 is seen by every
-- distance.
SELECT abs(l2_distance(a, b) - sqrt(l2sq)) <= 1e-5 * sqrt(l2sq) AS l2_unchanged,
	   abs(l1_distance(a, b) - l1) <= 1e-5 * l1 AS l1_unchanged,
	   abs(inner_product(a, b) - ip) <= 1e-5 * ip_abs AS ip_unchanged
FROM (SELECT a, b + array_cat(array_fill(0, ARRAY[15999]), ARRAY[10])::vector AS b
	  FROM vector_acc_pairs WHERE d = 16000 AND k = 2) p
JOIN vector_acc_ref r ON r.d = 16000 AND r.k = 2;

DROP VIEW vector_acc_check;
DROP TABLE vector_acc_default;
DROP TABLE vector_acc_ref;
DROP TABLE vector_acc_pairs;
