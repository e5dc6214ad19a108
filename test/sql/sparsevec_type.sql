--
-- sparsevec: text and binary I/O, limits, type modifier, casts, distances,
-- functions, ordering, with every rejected input's SQLSTATE.
--

-- Text form: 1-based indices in any order, zeros dropped, output sorted.
SELECT '{1:1.5,3:2}/5'::sparsevec;
SELECT ' { 3 : 2 , 1:1.5 } / 5 '::sparsevec;
SELECT '{}/3'::sparsevec, '{2:0,1:0}/2'::sparsevec;
SELECT '{1:0.1,1000000000:-3}/1000000000'::sparsevec;

-- Rejected input.
SELECT '{1:1}/0'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}/1000000001'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{0:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{4:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1,1:2}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:NaN}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:inf}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1e39}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1;1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}/3x'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{a:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT ('{' || (SELECT string_agg(i || ':1', ',') FROM generate_series(1, 16001) i) || '}/20000')::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT l2_norm(('{' || (SELECT string_agg(i || ':1', ',') FROM generate_series(1, 16000) i) || '}/20000')::sparsevec);

-- Type modifier.
CREATE TABLE sparsevec_t (id int, s sparsevec(5));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'sparsevec_t'::regclass AND attname = 's';
INSERT INTO sparsevec_t VALUES (1, '{1:1,3:2}/5'), (2, '{2:4,5:-1}/5'), (3, NULL), (4, '{}/5');
INSERT INTO sparsevec_t VALUES (5, '{1:1}/4');
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}/2'::sparsevec(0);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE sparsevec_bad (s sparsevec(1000000001));
\echo :LAST_ERROR_SQLSTATE

-- Binary format (pgvector's): int32 dim, int32 nnz, int32 unused, 0-based indices, float4 values.
SELECT sparsevec_send('{1:1.5,3:2}/5') AS bytes;
COPY (SELECT s FROM sparsevec_t WHERE id IN (1, 4) ORDER BY id) TO '/tmp/omendb_sparsevec_regress.bin' WITH (FORMAT binary);
CREATE TABLE sparsevec_copy (s sparsevec(5));
COPY sparsevec_copy FROM '/tmp/omendb_sparsevec_regress.bin' WITH (FORMAT binary);
SELECT s FROM sparsevec_copy;

-- Casts.
SELECT '[0,1.5,0,-2]'::vector::sparsevec AS from_vector, '{2:1.5,4:-2}/4'::sparsevec::vector AS to_vector;
SELECT '[0,0.1,0]'::halfvec::sparsevec AS from_halfvec, '{2:0.1}/3'::sparsevec::halfvec AS to_halfvec;
SELECT '{1:1e5}/2'::sparsevec::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}/16001'::sparsevec::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{0,2,0}'::int[]::sparsevec, '{1.5,0}'::real[]::sparsevec, '{0,-7}'::float8[]::sparsevec,
	   '{0,1.25}'::numeric[]::sparsevec;
SELECT '{0,2,0}'::int[]::sparsevec(3);
SELECT '{0,2}'::int[]::sparsevec(3);
\echo :LAST_ERROR_SQLSTATE
SELECT '{4e38}'::float8[]::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,NULL}'::real[]::sparsevec;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO sparsevec_t VALUES (6, '[0,0,0,0,9]'::vector);
SELECT * FROM sparsevec_t ORDER BY id;

-- Distances: a = {1:1,3:2}/5 = [1,0,2,0,0], b = {2:4,5:-1}/5 = [0,4,0,0,-1]:
-- l2 = sqrt(1+16+4+1) = sqrt(22), ip = 0, l1 = 1+4+2+1 = 8, cosine = 1.
-- c = {1:3,3:1}/5: ip(a,c) = 3+2 = 5, l2 = sqrt(4+1) = sqrt(5), l1 = 3.
SELECT l2_distance(a, b) AS l2, a <-> b AS l2_op, sqrt(22) AS expected,
	   inner_product(a, c) AS ip, a <#> c AS neg_ip, l1_distance(a, b) AS l1, a <+> c AS l1_ac,
	   a <-> c AS l2_ac, cosine_distance(a, b) AS cos_ab, sparsevec_l2_squared_distance(a, c) AS l2sq
FROM (SELECT '{1:1,3:2}/5'::sparsevec a, '{2:4,5:-1}/5'::sparsevec b, '{1:3,3:1}/5'::sparsevec c) t;
SELECT round(cosine_distance('{1:1,3:2}/5'::sparsevec, '{1:3,3:1}/5')::numeric, 9) AS cos,
	   round((1 - 5 / sqrt(5.0 * 10))::numeric, 9) AS expected,
	   '{1:1}/2'::sparsevec <=> '{}/2' AS zero_nan;
-- the same distances as the dense vectors
SELECT a::vector <-> b::vector = a <-> b AS l2, a::vector <#> b::vector = a <#> b AS ip,
	   a::vector <+> b::vector = a <+> b AS l1
FROM (SELECT '{1:1,3:2,7:-3}/8'::sparsevec a, '{2:4,3:1,8:0.5}/8'::sparsevec b) t;
SELECT '{1:1}/2'::sparsevec <-> '{1:1}/3';
\echo :LAST_ERROR_SQLSTATE

-- Functions.
SELECT l2_norm('{1:3,4:4}/5'::sparsevec), l2_normalize('{1:3,4:4}/5'::sparsevec),
	   l2_normalize('{}/3'::sparsevec), l2_normalize('{1:1e-30,2:1e30}/2'::sparsevec) AS drops_underflow;

-- Cosine with norms past float's range: as the vector type (NaN when both norms overflow).
SELECT cosine_distance('{1:3e38}/1'::sparsevec, '{1:3e38}/1') AS sparse_cos,
	   cosine_distance('[3e38]'::vector, '[3e38]') AS dense_cos,
	   cosine_distance('{1:3e18,2:1}/2'::sparsevec, '{1:3e18,2:-1}/2') AS sparse_big,
	   cosine_distance('[3e18,1]'::vector, '[3e18,-1]') AS dense_big;

-- Ordering as the dense vectors, then by dimension.
SELECT '{1:1}/3'::sparsevec < '{1:2}/3' AS lt, '{2:1}/3'::sparsevec < '{1:1}/3' AS later_index,
	   '{2:-1}/3'::sparsevec < '{}/3' AS negative, '{}/2'::sparsevec < '{}/3' AS shorter,
	   '{1:1}/2'::sparsevec = '{1:1}/2' AS eq, '{1:1}/2'::sparsevec <> '{1:1}/3' AS ne,
	   '{3:1}/3'::sparsevec > '{}/2' AS beyond_common;
SELECT s FROM sparsevec_t ORDER BY s, id;
CREATE INDEX ON sparsevec_t (s);
SET enable_seqscan = off;
SELECT id FROM sparsevec_t WHERE s = '{2:4,5:-1}/5';
RESET enable_seqscan;

DROP TABLE sparsevec_t, sparsevec_copy;
