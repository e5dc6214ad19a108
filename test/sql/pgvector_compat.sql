--
-- pgvector's access method names and DDL: USING hnsw with pgvector's operator
-- classes for vector and halfvec, bit_hamming_ops on a bit column and on
-- binary_quantize(...)::bit(n) expressions, USING ivfflat refused with a hint,
-- and behaviour that 0.4.0 aligned with pgvector.
--

CREATE TABLE pgv_items (id int PRIMARY KEY, embedding vector(3), half halfvec(3), bits bit(3));
INSERT INTO pgv_items
SELECT i, ARRAY[i % 7, i % 5, i % 3]::vector, ARRAY[i % 7, i % 5, i % 3]::halfvec,
	   binary_quantize(ARRAY[i % 7 - 3, i % 5 - 2, i % 3 - 1]::vector)::bit(3)
FROM generate_series(1, 200) i;

-- pgvector's README DDL, unchanged.
CREATE INDEX ON pgv_items USING hnsw (embedding vector_l2_ops);
CREATE INDEX ON pgv_items USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX ON pgv_items USING hnsw (embedding vector_cosine_ops);
CREATE INDEX ON pgv_items USING hnsw (embedding vector_l1_ops);
CREATE INDEX ON pgv_items USING hnsw (half halfvec_l2_ops);
CREATE INDEX ON pgv_items USING hnsw ((embedding::halfvec(3)) halfvec_cosine_ops);
CREATE INDEX ON pgv_items USING hnsw (bits bit_hamming_ops);
CREATE INDEX ON pgv_items USING hnsw ((binary_quantize(embedding)::bit(3)) bit_hamming_ops);
SET hnsw.ef_search = 100;
SELECT amname, count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = 'pgv_items'::regclass GROUP BY amname ORDER BY amname;

-- Every opclass validates.
SELECT a.amname, c.opcname, amvalidate(c.oid)
FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE a.amname IN ('hnsw', 'omenhnsw') ORDER BY 1, 2;

-- Index scans give the exact answer on this small set (ties broken by id).
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM pgv_items ORDER BY half <-> '[1,1,1]' LIMIT 5;
SELECT id, half <-> '[1,1,1]' AS d FROM pgv_items ORDER BY half <-> '[1,1,1]', id LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM pgv_items ORDER BY bits <~> B'101' LIMIT 5;
SELECT count(*) FROM (SELECT id FROM pgv_items ORDER BY bits <~> B'101' LIMIT 30) t
WHERE (SELECT bits <~> B'101' FROM pgv_items p WHERE p.id = t.id) = 0;
SELECT bits <~> B'101' AS d, count(*) FROM (SELECT bits FROM pgv_items ORDER BY bits <~> B'101' LIMIT 60) t
GROUP BY 1 ORDER BY 1;
EXPLAIN (COSTS OFF) SELECT id FROM pgv_items ORDER BY binary_quantize(embedding)::bit(3) <~> B'110' LIMIT 3;
-- rows inserted after the build go through the same conversion (halfvec, bit) into the graphs
INSERT INTO pgv_items VALUES (1001, '[100,100,100]', '[100,100,100]', B'111'),
	(1002, '[-50,-50,-50]', '[-50,-50,-50]', B'000');
SELECT id FROM pgv_items ORDER BY half <-> '[99,99,99]' LIMIT 1;
SELECT id FROM pgv_items ORDER BY (embedding::halfvec(3)) <=> '[-1,-1,-1]' LIMIT 1;
SELECT id FROM pgv_items ORDER BY embedding <-> '[-49,-50,-50]' LIMIT 1;
RESET enable_seqscan;

-- USING ivfflat: refused, with a hint, before its options or operator classes are looked at.
CREATE INDEX ON pgv_items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100);
\echo :LAST_ERROR_SQLSTATE

-- jaccard_distance: 1 when neither bit string has a bit set (pgvector).
SELECT jaccard_distance(B'', B'') AS empty, jaccard_distance(B'000', B'000') AS zeros,
	   B'000' <%> B'100' AS disjoint, B'110' <%> B'011' AS two_thirds;

-- A float8 beyond float4's range is an infinite value (22000), as in pgvector.
SELECT '{4e38,-4e38}'::float8[]::vector;
\echo :LAST_ERROR_SQLSTATE

-- Malformed aggregate states: pgvector's errors and SQLSTATEs.
SELECT vector_accum('{0,0}', '[1,2,3]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_accum('{0,0,0,0}', '[1,2,3]');
SELECT vector_accum('{}', '[1,2,3]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_accum('{{0}}', '[1,2,3]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_accum('{NULL}', '[1,2,3]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_accum('{-1}', '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_combine('{1,2}', '{3,4}');
SELECT vector_combine('{1,2}', '{1,2,3}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_combine('{1}', '{1}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_combine('{0}', (SELECT array_agg(n) FROM generate_series(1, 16002) n));
\echo :LAST_ERROR_SQLSTATE
SELECT vector_combine('{1,2}', '{{3,4}}');
\echo :LAST_ERROR_SQLSTATE
-- two empty states combine into an empty state (a parallel worker that saw no rows)
SELECT vector_combine('{0}', '{0}');
SELECT vector_avg('{1}');
\echo :LAST_ERROR_SQLSTATE

DROP TABLE pgv_items;

-- The planner as pgvector's own filtering test expects it (its t/017, 10,000 x 3): a filter
-- that removes few rows takes the index, one that removes most takes an exact plan, and a range
-- on the ordering distance itself is no filter the index must get past (its selectivity is a
-- default guess; with `<` the passing rows are the first ones the scan returns).
CREATE TABLE pgv_filter (i int4, v vector(3), c int4, t text);
INSERT INTO pgv_filter
SELECT i, ARRAY[(i::int8 * 7919 % 10007) / 10007.0, (i::int8 * 104729 % 10009) / 10009.0, (i::int8 * 1299709 % 10037) / 10037.0],
	   i % 50, 'test ' || i
FROM generate_series(1, 10000) i;
CREATE INDEX pgv_filter_idx ON pgv_filter USING hnsw (v vector_l2_ops);
ANALYZE pgv_filter;
EXPLAIN (COSTS OFF) SELECT i FROM pgv_filter WHERE c = 7 ORDER BY v <-> '[0.5,0.4,0.1]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM pgv_filter WHERE c != 7 ORDER BY v <-> '[0.5,0.4,0.1]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM pgv_filter WHERE t LIKE '%other%' ORDER BY v <-> '[0.5,0.4,0.1]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM pgv_filter WHERE v <-> '[0.5,0.4,0.1]' < 1 ORDER BY v <-> '[0.5,0.4,0.1]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM pgv_filter WHERE v <-> '[0.5,0.4,0.1]' > 1 ORDER BY v <-> '[0.5,0.4,0.1]' LIMIT 20;
-- no LIMIT, or no ORDER BY: every row in range is wanted, an exact plan
EXPLAIN (COSTS OFF) SELECT i FROM pgv_filter WHERE v <-> '[0.5,0.4,0.1]' < 1 ORDER BY v <-> '[0.5,0.4,0.1]';
-- and the index answers the range right: the rows within 0.3, nearest first, as a seq scan does
SET enable_seqscan = off;
SELECT count(*), min(d) >= 0, max(d) < 0.3 FROM (
	SELECT v <-> '[0.5,0.4,0.1]' AS d FROM pgv_filter WHERE v <-> '[0.5,0.4,0.1]' < 0.3
	ORDER BY v <-> '[0.5,0.4,0.1]' LIMIT 10000) s;
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT count(*) FROM pgv_filter WHERE v <-> '[0.5,0.4,0.1]' < 0.3;
RESET enable_indexscan;
DROP TABLE pgv_filter;
