--
-- bit_jaccard_ops on omenhnsw and hnsw: bit strings as 0/1 elements under the
-- core's Jaccard metric, rows returned by jaccard_distance (<%>).  Recall@10
-- against the exact answer at the default settings on seeded clustered bit
-- sets (each row flips bits of one of 30 random prototypes); Jaccard distances
-- tie, so the 10th exact distance of each query is the bar.
--
SELECT setseed(0.75);
CREATE TABLE bj_protos AS
SELECT p, (SELECT string_agg(CASE WHEN random() < 0.25 THEN '1' ELSE '0' END, '')
		   FROM generate_series(1, 128) WHERE p > 0) AS bits
FROM generate_series(1, 30) p;
CREATE TABLE bj_items AS
SELECT i AS id,
	   (SELECT string_agg(CASE WHEN random() < 0.07 THEN (1 - substr(bp.bits, k, 1)::int)::text
							   ELSE substr(bp.bits, k, 1) END, '' ORDER BY k)
		FROM generate_series(1, 128) k WHERE i > 0)::bit(128) AS b
FROM generate_series(1, 3000) i,
	 LATERAL (SELECT bits FROM bj_protos WHERE p = 1 + i % 30) bp;
ALTER TABLE bj_items ADD COLUMN short bit(12);
UPDATE bj_items SET short = substring(b FROM 1 FOR 12);
CREATE TABLE bj_queries AS SELECT id AS qid, b, short FROM bj_items WHERE id <= 25;

SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE TABLE bj_bar AS
SELECT 'long' AS col, q.qid, max(d) AS bar FROM bj_queries q,
	LATERAL (SELECT b <%> q.b AS d FROM bj_items ORDER BY 1 LIMIT 10) r GROUP BY q.qid
UNION ALL
SELECT 'short', q.qid, max(d) FROM bj_queries q,
	LATERAL (SELECT short <%> q.short AS d FROM bj_items ORDER BY 1 LIMIT 10) r GROUP BY q.qid;
RESET enable_indexscan;
RESET enable_bitmapscan;

-- 128 bits: 'auto' codes them (rabitq); 12 bits: kept as floats ('none')
CREATE INDEX bj_long ON bj_items USING hnsw (b bit_jaccard_ops);
CREATE INDEX bj_short ON bj_items USING omenhnsw (short bit_jaccard_ops);
SELECT c.relname, i.dimensions, i.metric, i.quantization, i.nodes
FROM pg_class c, LATERAL omenhnsw_index_info(c.oid) i
WHERE c.relname IN ('bj_long', 'bj_short') ORDER BY 1;
SELECT a.amname, amvalidate(c.oid) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE c.opcname = 'bit_jaccard_ops' ORDER BY 1;

SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM bj_items ORDER BY b <%> B'1010' LIMIT 10;
CREATE TABLE bj_found AS
SELECT 'long' AS col, q.qid, r.d FROM bj_queries q,
	LATERAL (SELECT b <%> q.b AS d FROM bj_items ORDER BY b <%> q.b LIMIT 10) r
UNION ALL
SELECT 'short', q.qid, r.d FROM bj_queries q,
	LATERAL (SELECT short <%> q.short AS d FROM bj_items ORDER BY short <%> q.short LIMIT 10) r;
SELECT col, count(*) = 250 AS all_rows,
	   count(*) FILTER (WHERE f.d <= b.bar) / 250.0 >= 0.95 AS recall_ok
FROM bj_found f JOIN bj_bar b USING (col, qid) GROUP BY col ORDER BY col;

-- ORDER BY values are jaccard_distance's, in order; an empty query is at distance 1 from all
SELECT bool_and(d >= prev) AS ordered, bool_and(d = jaccard_distance(b, q)) AS same_value FROM (
	SELECT b, q, d, lag(d, 1, 0::float8) OVER (ORDER BY ord) AS prev FROM (
		SELECT row_number() OVER () AS ord, b, q, d FROM (
			SELECT i.b, qq.qb AS q, i.b <%> qq.qb AS d
			FROM bj_items i, (SELECT b AS qb FROM bj_queries WHERE qid = 7) qq
			ORDER BY i.b <%> qq.qb LIMIT 40) x) y) z;
SELECT count(*), min(d), max(d) FROM (
	SELECT short <%> B'000000000000' AS d FROM bj_items
	ORDER BY short <%> B'000000000000' LIMIT 5) t;

-- pgvector's README form: an expression index on binary_quantize()
CREATE TABLE bj_vec AS
SELECT id, ARRAY[(id % 7) - 3, (id % 5) - 2, (id % 3) - 1, 1]::vector(4) AS v
FROM generate_series(1, 200) id;
CREATE INDEX ON bj_vec USING hnsw ((binary_quantize(v)::bit(4)) bit_jaccard_ops);
EXPLAIN (COSTS OFF)
SELECT id FROM bj_vec ORDER BY binary_quantize(v)::bit(4) <%> binary_quantize('[1,1,-1,1]'::vector) LIMIT 5;
SELECT binary_quantize(v)::bit(4) <%> binary_quantize('[1,1,-1,1]'::vector) AS d, count(*) FROM (
	SELECT v FROM bj_vec ORDER BY binary_quantize(v)::bit(4) <%> binary_quantize('[1,1,-1,1]'::vector) LIMIT 30) t
GROUP BY 1 ORDER BY 1;

-- an index built empty learns from inserted rows; the nearest row comes first
CREATE TABLE bj_empty (id int, b bit(40));
CREATE INDEX bj_empty_b ON bj_empty USING omenhnsw (b bit_jaccard_ops);
INSERT INTO bj_empty SELECT id, b::bit(40) FROM (
	SELECT id, lpad((id * 7919 % 1048576)::bit(20)::text, 40, '0') AS b FROM generate_series(1, 100) id) t;
SELECT id, b <%> (SELECT b FROM bj_empty WHERE id = 42) AS d FROM bj_empty
ORDER BY b <%> (SELECT b FROM bj_empty WHERE id = 42) LIMIT 1;
SELECT metric, quantization, nodes FROM omenhnsw_index_info('bj_empty_b');
RESET enable_seqscan;

-- a varbit column: the first value fixes the length; others are refused, with a hint that
-- names the function a partial index per length would test
CREATE TABLE bj_varbit (id int, b varbit);
INSERT INTO bj_varbit VALUES (1, '1011'), (2, '0011');
CREATE INDEX bj_varbit_b ON bj_varbit USING omenhnsw (b bit_hamming_ops);
INSERT INTO bj_varbit VALUES (3, '10110');
-- as the hint says: one partial index per length, the condition repeated in the query
DROP INDEX bj_varbit_b;
CREATE INDEX bj_varbit_4 ON bj_varbit USING omenhnsw (b bit_hamming_ops) WHERE bit_length(b) = 4;
CREATE INDEX bj_varbit_5 ON bj_varbit USING omenhnsw (b bit_hamming_ops) WHERE bit_length(b) = 5;
INSERT INTO bj_varbit VALUES (3, '10110'), (4, '00001');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM bj_varbit WHERE bit_length(b) = 5 ORDER BY b <~> '10100' LIMIT 2;
SELECT id FROM bj_varbit WHERE bit_length(b) = 5 ORDER BY b <~> '10100' LIMIT 2;
SELECT id FROM bj_varbit WHERE bit_length(b) = 4 ORDER BY b <~> '1010' LIMIT 2;
-- varbit(n) is a maximum length, not the dimension: a varbit(8) column of 3-bit strings is
-- indexed at 3 bits (the length of its rows), and a partial index per length works under it.
CREATE TABLE bj_varbit8 (id int, b varbit(8));
INSERT INTO bj_varbit8 VALUES (1, '101'), (2, '111'), (3, '011'), (4, NULL);
CREATE INDEX bj_varbit8_b ON bj_varbit8 USING omenhnsw (b bit_hamming_ops);
EXPLAIN (COSTS OFF) SELECT id FROM bj_varbit8 ORDER BY b <~> '100';
SELECT id, b <~> '100' AS d FROM bj_varbit8 ORDER BY b <~> '100';
INSERT INTO bj_varbit8 VALUES (5, '11111111');
\echo :LAST_ERROR_SQLSTATE
DROP INDEX bj_varbit8_b;
INSERT INTO bj_varbit8 VALUES (5, '11111111'), (6, '01111111');
CREATE INDEX bj_varbit8_3 ON bj_varbit8 USING omenhnsw (b bit_hamming_ops) WHERE bit_length(b) = 3;
CREATE INDEX bj_varbit8_8 ON bj_varbit8 USING omenhnsw (b bit_hamming_ops) WHERE bit_length(b) = 8;
SELECT id FROM bj_varbit8 WHERE bit_length(b) = 8 ORDER BY b <~> '11111110' LIMIT 2;
SELECT id FROM bj_varbit8 WHERE bit_length(b) = 3 ORDER BY b <~> '010' LIMIT 2;
RESET enable_seqscan;

DROP TABLE bj_protos, bj_items, bj_queries, bj_bar, bj_found, bj_vec, bj_empty, bj_varbit, bj_varbit8;
