--
-- omenhnsw (and its pgvector name, hnsw) on sparsevec columns: the index keeps
-- sparse vectors densified (up to 16,000 dimensions) and re-ranks with the
-- sparsevec operators.  Recall@10 against the exact answer at the default
-- settings for each opclass, on seeded clustered sparse data (each row draws
-- most of its non-zero indices from one of 40 topics, like a learned sparse
-- text embedding); ties in distance count as found (the 10th exact distance
-- is the bar).
--
SELECT setseed(0.5);
CREATE TABLE sv_topics AS
SELECT t, array_agg((1 + floor(random() * 2000))::int) AS words
FROM generate_series(1, 40) t, generate_series(1, 60) w GROUP BY t;
CREATE TABLE sv_items AS
SELECT i AS id,
	   (SELECT ('{' || string_agg(k || ':' || v, ',') || '}/2000')
		FROM (SELECT k, max(v) AS v FROM (
				SELECT tp.words[1 + floor(random() * 60)::int] AS k, round((0.1 + random())::numeric, 3) AS v
				FROM generate_series(1, 16) WHERE i > 0
				UNION ALL
				SELECT (1 + floor(random() * 2000))::int, round((0.1 + random())::numeric, 3)
				FROM generate_series(1, 4) WHERE i > 0) e GROUP BY k) s)::sparsevec(2000) AS s
FROM generate_series(1, 2000) i,
	 LATERAL (SELECT words FROM sv_topics WHERE t = 1 + i % 40) tp;
CREATE TABLE sv_queries AS SELECT id AS qid, s FROM sv_items WHERE id <= 25;

-- The 10th exact distance of each query for each operator (sequential scans).
SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE TABLE sv_bar AS
SELECT 'l2' AS op, q.qid, max(d) AS bar FROM sv_queries q,
	LATERAL (SELECT s <-> q.s AS d FROM sv_items ORDER BY 1 LIMIT 10) r GROUP BY q.qid
UNION ALL
SELECT 'ip', q.qid, max(d) FROM sv_queries q,
	LATERAL (SELECT s <#> q.s AS d FROM sv_items ORDER BY 1 LIMIT 10) r GROUP BY q.qid
UNION ALL
SELECT 'cosine', q.qid, max(d) FROM sv_queries q,
	LATERAL (SELECT s <=> q.s AS d FROM sv_items ORDER BY 1 LIMIT 10) r GROUP BY q.qid
UNION ALL
SELECT 'l1', q.qid, max(d) FROM sv_queries q,
	LATERAL (SELECT s <+> q.s AS d FROM sv_items ORDER BY 1 LIMIT 10) r GROUP BY q.qid;
RESET enable_indexscan;
RESET enable_bitmapscan;

CREATE INDEX sv_l2 ON sv_items USING omenhnsw (s sparsevec_l2_ops);
CREATE INDEX sv_ip ON sv_items USING hnsw (s sparsevec_ip_ops);
CREATE INDEX sv_cos ON sv_items USING hnsw (s sparsevec_cosine_ops);
CREATE INDEX sv_l1 ON sv_items USING omenhnsw (s sparsevec_l1_ops);
SELECT c.relname, i.dimensions, i.metric, i.quantization, i.nodes
FROM pg_class c, LATERAL omenhnsw_index_info(c.oid) i
WHERE c.relname LIKE 'sv\_%' AND c.relkind = 'i' ORDER BY 1;
SELECT amvalidate(c.oid) AS valid, count(*) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE c.opcname LIKE 'sparsevec\_%\_ops' AND a.amname IN ('omenhnsw', 'hnsw') GROUP BY 1;

SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM sv_items ORDER BY s <#> '{1:1}/2000' LIMIT 10;
CREATE TABLE sv_found AS
SELECT 'l2' AS op, q.qid, r.d FROM sv_queries q,
	LATERAL (SELECT s <-> q.s AS d FROM sv_items ORDER BY s <-> q.s LIMIT 10) r
UNION ALL
SELECT 'ip', q.qid, r.d FROM sv_queries q,
	LATERAL (SELECT s <#> q.s AS d FROM sv_items ORDER BY s <#> q.s LIMIT 10) r
UNION ALL
SELECT 'cosine', q.qid, r.d FROM sv_queries q,
	LATERAL (SELECT s <=> q.s AS d FROM sv_items ORDER BY s <=> q.s LIMIT 10) r
UNION ALL
SELECT 'l1', q.qid, r.d FROM sv_queries q,
	LATERAL (SELECT s <+> q.s AS d FROM sv_items ORDER BY s <+> q.s LIMIT 10) r;

-- recall@10 >= 0.95 for every opclass, every query returned 10 rows
SELECT op, count(*) = 250 AS all_rows,
	   count(*) FILTER (WHERE f.d <= b.bar) / 250.0 >= 0.95 AS recall_ok
FROM sv_found f JOIN sv_bar b USING (op, qid) GROUP BY op ORDER BY op;

-- rows come out in the operator's order, with the operator's value
SELECT bool_and(ok) AS ordered FROM (
	SELECT d >= lag(d, 1, '-Infinity') OVER (ORDER BY ord) AS ok FROM (
		SELECT row_number() OVER () AS ord, d FROM (
			SELECT s <#> (SELECT s FROM sv_queries WHERE qid = 3) AS d FROM sv_items
			ORDER BY s <#> (SELECT s FROM sv_queries WHERE qid = 3) LIMIT 50) x) y) z;

-- inserts after the build are found
INSERT INTO sv_items VALUES (5001, '{7:3,1999:4}/2000'), (5002, NULL);
SELECT id FROM sv_items ORDER BY s <-> '{7:3,1999:4.1}/2000' LIMIT 1;
-- the query must have the index's dimensions
SELECT id FROM sv_items ORDER BY s <-> '{7:3}/10' LIMIT 1;
RESET enable_seqscan;

-- more than 16,000 dimensions: refused when the index is created (typmod) or
-- when such a value reaches an index on a column without typmod
CREATE TABLE sv_wide (s sparsevec(30000));
CREATE INDEX ON sv_wide USING hnsw (s sparsevec_l2_ops);
CREATE TABLE sv_free (s sparsevec);
INSERT INTO sv_free VALUES ('{1:1}/20'), ('{2:1}/20');
CREATE INDEX sv_free_idx ON sv_free USING omenhnsw (s sparsevec_cosine_ops);
INSERT INTO sv_free VALUES ('{1:1}/16001');
INSERT INTO sv_free VALUES ('{1:1}/21');
SET enable_seqscan = off;
SELECT s FROM sv_free ORDER BY s <=> '{1:1,2:1}/20' LIMIT 2;
RESET enable_seqscan;
CREATE TABLE sv_free2 (s sparsevec);
INSERT INTO sv_free2 VALUES ('{1:1}/100000');
CREATE INDEX ON sv_free2 USING omenhnsw (s sparsevec_l2_ops);

DROP TABLE sv_topics, sv_items, sv_queries, sv_bar, sv_found, sv_wide, sv_free, sv_free2;
