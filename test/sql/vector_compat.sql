-- pgvector's SQL beyond the vector type proper (sql/compat.sql): distances between bit strings,
-- usually binary_quantize() results, and vector concatenation.

-- Hamming distance: differing bits
SELECT hamming_distance(B'1010', B'1001') AS two, B'1010' <~> B'1010' AS zero,
	B'111100001111' <~> B'000011110000' AS twelve;
-- across byte boundaries and a long string (the SIMD kernel path), against a bit-by-bit count
SELECT hamming_distance(a, b) = (SELECT count(*) FROM generate_series(0, length(a) - 1) i
	WHERE get_bit(a, i) <> get_bit(b, i)) AS matches_count
FROM (SELECT binary_quantize(v1) AS a, binary_quantize(v2) AS b
	FROM (SELECT (SELECT array_agg(sin(i * 1.7)) FROM generate_series(1, 1000) i)::vector AS v1,
		(SELECT array_agg(cos(i * 0.3)) FROM generate_series(1, 1000) i)::vector AS v2) s) q;

-- Jaccard distance: 1 - |a AND b| / |a OR b|; 1 when neither has a bit set, as in pgvector
SELECT jaccard_distance(B'1100', B'1010') AS two_thirds, B'1100' <%> B'1100' AS zero,
	B'1100' <%> B'0011' AS one, B'0000' <%> B'0000' AS both_empty;

-- the usual pattern: rank by Hamming distance of the quantized vectors, then re-rank exactly
CREATE TABLE bq (id int, v vector(4));
INSERT INTO bq VALUES (1, '[1,1,-1,-1]'), (2, '[1,-1,1,-1]'), (3, '[-1,-1,1,1]'), (4, '[1,1,1,-1]');
SELECT id, binary_quantize(v) <~> binary_quantize('[1,1,-1,-1]'::vector) AS hamming
FROM bq ORDER BY binary_quantize(v) <~> binary_quantize('[1,1,-1,-1]'::vector), id;
SELECT id FROM (SELECT * FROM bq ORDER BY binary_quantize(v) <~> binary_quantize('[1,1,-0.5,-1]'::vector) LIMIT 3) c
ORDER BY v <-> '[1,1,-0.5,-1]' LIMIT 1;
DROP TABLE bq;

-- strict: NULL in, NULL out
SELECT hamming_distance(NULL, B'1') IS NULL AS null_hamming, jaccard_distance(B'1', NULL) IS NULL AS null_jaccard;

-- bad input: lengths differ
SELECT hamming_distance(B'101', B'1010');
SELECT B'1' <%> B'10';

-- concatenation
SELECT '[1,2]'::vector || '[3]'::vector AS concat, vector_concat('[1.5]', '[-2,0]') AS fn;
SELECT vector_dims(v || v) FROM (SELECT array_fill(1.0::real, ARRAY[8000])::vector AS v) s;
-- over the dimension limit
SELECT v || '[1]' FROM (SELECT array_fill(1.0::real, ARRAY[16000])::vector AS v) s;
-- typmod applies to the result on assignment
CREATE TABLE vc (v vector(3));
INSERT INTO vc SELECT '[1]'::vector || '[2,3]';
INSERT INTO vc SELECT '[1]'::vector || '[2]';
SELECT * FROM vc;
DROP TABLE vc;
