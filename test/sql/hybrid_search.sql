-- omen_hybrid_search: a vector k-NN ranking and a full-text ranking fused by reciprocal-rank fusion,
-- checked against the same fusion computed here in plain SQL from exact rankings.
SELECT setseed(0.5);
CREATE TABLE hybrid_docs (
	id bigint PRIMARY KEY,
	category int NOT NULL,
	embedding vector(3),
	body text,
	tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED);
-- 300 rows; every 37th has no vector, every 41st no text
INSERT INTO hybrid_docs (id, category, embedding, body)
SELECT i, i % 3,
	CASE WHEN i % 37 <> 0 THEN ARRAY[random(), random(), random()]::vector(3) END,
	CASE WHEN i % 41 <> 0 THEN (SELECT string_agg((ARRAY['fox', 'dog', 'cat', 'quick', 'lazy',
			'brown', 'river', 'stone', 'cloud', 'tree', 'the', 'a'])[1 + floor(random() * 12)::int], ' ')
		FROM generate_series(1, 3 + i % 8) j WHERE i > 0) END
FROM generate_series(1, 300) i;
CREATE INDEX hybrid_docs_embedding ON hybrid_docs USING omenhnsw (embedding vector_l2_ops);
CREATE INDEX hybrid_docs_tsv ON hybrid_docs USING gin (tsv);
ANALYZE hybrid_docs;
-- no two rows at the same distance from the query vectors used below (ties at the candidates
-- boundary of the vector half would make the reference ambiguous)
SELECT count(*) AS with_vector, count(DISTINCT embedding <-> '[0.5,0.5,0.5]') AS distinct_l2,
	count(DISTINCT embedding <-> '[0.9,0.1,0.3]') AS distinct_l2_2
FROM hybrid_docs WHERE embedding IS NOT NULL;

-- The reference: exact rankings of every row (no index; rows that tie share a rank, as rank()
-- gives), the first `depth` of each (ties: lower id first), fused.
CREATE FUNCTION hybrid_expected(q vector, tq tsquery, k int, flt int, wv float8, wt float8,
	rrf int, depth int)
	RETURNS TABLE (pos bigint, id bigint, score float8, vector_rank int, text_rank int,
		distance float8, text_score real)
	LANGUAGE sql
	SET enable_indexscan = off SET enable_bitmapscan = off
	AS $$
	WITH vr AS (
		SELECT d.id, d.embedding <-> q AS dist,
			row_number() OVER (ORDER BY d.embedding <-> q, d.id) AS n,
			rank() OVER (ORDER BY d.embedding <-> q) AS r
		FROM hybrid_docs d
		WHERE q IS NOT NULL AND wv > 0 AND d.embedding IS NOT NULL
			AND (flt IS NULL OR d.category = flt)),
	tr AS (
		SELECT d.id, ts_rank_cd(d.tsv, tq) AS s,
			row_number() OVER (ORDER BY ts_rank_cd(d.tsv, tq) DESC, d.id) AS n,
			rank() OVER (ORDER BY ts_rank_cd(d.tsv, tq) DESC) AS r
		FROM hybrid_docs d
		WHERE wt > 0 AND d.tsv @@ tq AND (flt IS NULL OR d.category = flt)),
	fused AS (
		SELECT coalesce(vr.id, tr.id) AS id,
			coalesce(wv / (rrf + vr.r)::float8, 0) + coalesce(wt / (rrf + tr.r)::float8, 0) AS score,
			vr.r::int AS vector_rank, tr.r::int AS text_rank, vr.dist, tr.s
		FROM (SELECT * FROM vr WHERE n <= depth) vr
			FULL JOIN (SELECT * FROM tr WHERE n <= depth) tr ON vr.id = tr.id)
	SELECT row_number() OVER (ORDER BY score DESC, id), * FROM fused ORDER BY score DESC, id LIMIT k
	$$;

-- omen_hybrid_search against the reference: rows returned, and rows that differ in position, id,
-- score, either rank, distance or text score (0 when they agree)
CREATE FUNCTION hybrid_check(q vector, tq tsquery, k int DEFAULT 10, flt int DEFAULT NULL,
	wv float8 DEFAULT 1, wt float8 DEFAULT 1, rrf int DEFAULT 60, cand int DEFAULT NULL,
	OUT rows bigint, OUT mismatches bigint)
	LANGUAGE sql AS $$
	SELECT count(*), count(*) FILTER (WHERE g IS DISTINCT FROM e)
	FROM (SELECT h.ordinality AS pos, h.id, h.score, h.vector_rank, h.text_rank, h.distance,
			h.text_score
		FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', q, 'tsv', tq, k,
			CASE WHEN flt IS NOT NULL THEN format('category = %s', flt) END,
			wv, wt, rrf, cand) WITH ORDINALITY h) g
	FULL JOIN hybrid_expected(q, tq, k, flt, wv, wt, rrf, coalesce(cand, greatest(4 * k, 40))) e
		ON g.pos = e.pos
	$$;

-- the indexes answer both halves (counted in pg_stat_user_indexes)
SET enable_seqscan = off;
SELECT pg_stat_force_next_flush();
SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = 'hybrid_docs' ORDER BY 1;

-- the default call, shown in full
SELECT id, round(score::numeric, 6) AS score, vector_rank, text_rank,
	round(distance::numeric, 4) AS distance, text_score
FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]',
	'tsv', to_tsquery('english', 'fox & dog'));
-- the first row by hand: 1 / (60 + vector_rank) + 1 / (60 + text_rank)
SELECT score = 1::float8 / (60 + vector_rank) + 1::float8 / (60 + text_rank) AS rrf_by_hand
FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]',
	'tsv', to_tsquery('english', 'fox & dog'), k => 1);
SELECT pg_stat_force_next_flush();
SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = 'hybrid_docs' ORDER BY 1;

-- against the reference
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'fox & dog'));
SELECT * FROM hybrid_check('[0.9,0.1,0.3]', to_tsquery('english', 'quick & lazy'), k => 25);
-- weights, rrf_k and candidates
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'fox & dog'), k => 15,
	wv => 2, wt => 0.5, rrf => 10, cand => 30);
SELECT * FROM hybrid_check('[0.9,0.1,0.3]', to_tsquery('english', 'river & stone'), k => 20,
	wv => 0.25, wt => 3, rrf => 0, cand => 20);
-- a weight of 0 leaves that half out
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'fox & dog'), wt => 0);
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'fox & dog'), wv => 0);
SELECT count(*) FILTER (WHERE text_rank IS NOT NULL) AS with_text_rank
FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]',
	'tsv', to_tsquery('english', 'fox & dog'), text_weight => 0);
-- rows with the same text score share its rank (ts_rank_cd gives 'cloud' three values)
SELECT text_score, min(text_rank), max(text_rank), count(*)
FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', NULL, 'tsv',
	to_tsquery('english', 'cloud'), k => 200, candidates => 200)
GROUP BY 1 ORDER BY 1 DESC;
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'cloud'), k => 50, cand => 200);

-- the filter applies to both halves
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'fox & dog'), flt => 1);
SELECT * FROM hybrid_check('[0.9,0.1,0.3]', to_tsquery('english', 'cloud'), k => 30, flt => 2,
	wt => 2, cand => 35);
SELECT count(*) AS rows, count(*) FILTER (WHERE d.category = 1) AS in_category_1,
	count(h.vector_rank) AS from_vector_half, count(h.text_rank) AS from_text_half
FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]',
	'tsv', to_tsquery('english', 'fox & dog'), k => 100, filter => 'category = 1') h
JOIN hybrid_docs d USING (id);
-- (a filter is SQL text, on lines of its own: a trailing comment ends with its line)
SELECT count(*) FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]',
	'tsv', to_tsquery('english', 'fox & dog'), k => 100,
	filter => 'category = 1 AND body LIKE ''%cat%'' -- only cats');

-- k larger than what matches: every matching row once
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'stone & cloud & tree'), k => 100,
	wv => 0);
SELECT count(*) FROM hybrid_docs WHERE tsv @@ to_tsquery('english', 'stone & cloud & tree');
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'stone & cloud & tree'), k => 1000,
	cand => 1000);
SELECT count(*) FROM hybrid_docs
WHERE embedding IS NOT NULL OR tsv @@ to_tsquery('english', 'stone & cloud & tree');

-- a tsquery that matches nothing, and an empty one (stop words only): the vector ranking alone
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'zebra'));
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', to_tsquery('english', 'the & a'));
SELECT count(*) AS rows, count(text_rank) AS with_text_rank,
	bool_and(score = 1::float8 / (60 + vector_rank)) AS vector_only_scores
FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]',
	'tsv', to_tsquery('english', 'the'));

-- NULL queries leave their half out; NULL filter and candidates mean none and the default
SELECT * FROM hybrid_check(NULL, to_tsquery('english', 'fox & dog'));
SELECT * FROM hybrid_check('[0.5,0.5,0.5]', NULL);
SELECT count(*) FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', NULL, 'tsv', NULL);
SELECT count(*) FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]',
	'tsv', to_tsquery('english', 'fox & dog'), filter => NULL, candidates => NULL);
RESET enable_seqscan;

-- other types and operators: a halfvec column with a cosine index (the query vector is cast)
CREATE TABLE hybrid_half AS SELECT id, embedding::halfvec(3) AS half, tsv FROM hybrid_docs;
CREATE INDEX ON hybrid_half USING omenhnsw (half halfvec_cosine_ops);
SET enable_seqscan = off;
SELECT h.id, h.vector_rank, round(h.distance::numeric, 4) AS distance,
	h.distance = (x.half <=> '[0.9,0.1,0.3]'::halfvec) AS same_distance
FROM omen_hybrid_search('hybrid_half', 'id', 'half', '[0.9,0.1,0.3]', 'tsv', NULL, k => 5,
	distance_op => '<=>') h JOIN hybrid_half x USING (id)
ORDER BY h.vector_rank;
RESET enable_seqscan;
SELECT id FROM hybrid_half ORDER BY (half <=> '[0.9,0.1,0.3]') + 0, id LIMIT 5;

-- ids of other types: omen_hybrid_search_typed; a view works like its table
-- (names that sort as the ids do: ties at the text half's candidates cut keep the lowest ids)
CREATE VIEW hybrid_docs_named AS SELECT 'doc-' || lpad(id::text, 4, '0') AS name, * FROM hybrid_docs;
SELECT id, round(score::numeric, 6) AS score, vector_rank, text_rank
FROM omen_hybrid_search_typed(NULL::text, 'hybrid_docs_named', 'name', 'embedding',
	'[0.5,0.5,0.5]', 'tsv', to_tsquery('english', 'fox & dog'), k => 3);
SELECT count(*) AS rows, count(*) FILTER (WHERE t.name = 'doc-' || lpad(b.id::text, 4, '0') AND t.score = b.score
		AND t.vector_rank IS NOT DISTINCT FROM b.vector_rank
		AND t.text_rank IS NOT DISTINCT FROM b.text_rank) AS same
FROM omen_hybrid_search_typed(NULL::text, 'hybrid_docs_named', 'name', 'embedding',
	'[0.5,0.5,0.5]', 'tsv', to_tsquery('english', 'fox & dog'), k => 20) WITH ORDINALITY t(name)
JOIN omen_hybrid_search('hybrid_docs', 'id', 'embedding',
	'[0.5,0.5,0.5]', 'tsv', to_tsquery('english', 'fox & dog'), k => 20) WITH ORDINALITY b
	USING (ordinality);
-- an integer column converts to a wider type (implicit casts only)
SELECT pg_typeof(id), id FROM omen_hybrid_search_typed(NULL::numeric, 'hybrid_docs', 'id',
	'embedding', '[0.5,0.5,0.5]', 'tsv', NULL, k => 1);

-- names that need quoting, in a schema off the search_path
CREATE SCHEMA "hybrid Odd";
CREATE TABLE "hybrid Odd"."Docs ""x""" ("The Id" int, "vec;" vector(3), "T S V" tsvector,
	"Cat" int);
INSERT INTO "hybrid Odd"."Docs ""x""" VALUES (1, '[1,0,0]', 'fox', 1), (2, '[0,1,0]', 'dog', 2),
	(3, '[0,0,1]', 'fox', 2);
SELECT id, vector_rank, text_rank
FROM omen_hybrid_search('"hybrid Odd"."Docs ""x"""', 'The Id', 'vec;', '[0,0.1,0]', 'T S V',
	'fox', filter => '"Cat" = 2');

-- the function finds OmenDB's operators wherever the extension is, whatever the search_path
CREATE TEMP TABLE hybrid_before AS SELECT * FROM omen_hybrid_search('hybrid_docs', 'id',
	'embedding', '[0.5,0.5,0.5]', 'tsv', to_tsquery('english', 'fox & dog'), filter => 'category = 0');
CREATE SCHEMA hybrid_ext;
ALTER EXTENSION omendb SET SCHEMA hybrid_ext;
SET search_path = pg_catalog;
SELECT count(*) AS rows, count(*) FILTER (WHERE (h.*) IS NOT DISTINCT FROM (b.*)) AS same
FROM hybrid_ext.omen_hybrid_search('public.hybrid_docs', 'id', 'embedding',
	'[0.5,0.5,0.5]', 'tsv', to_tsquery('english', 'fox & dog'), filter => 'category = 0')
	WITH ORDINALITY h(id, score, vector_rank, text_rank, distance, text_score, pos)
JOIN (SELECT *, row_number() OVER (ORDER BY score DESC, id) AS pos FROM hybrid_before) b
	USING (pos);
RESET search_path;
ALTER EXTENSION omendb SET SCHEMA public;
DROP SCHEMA hybrid_ext;

-- bad arguments
\set SHOW_CONTEXT never
SELECT * FROM omen_hybrid_search(NULL, 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox');
SELECT * FROM omen_hybrid_search('hybrid_docs', NULL, 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	k => NULL);
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	k => 0);
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	vector_weight => -1);
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	text_weight => 'NaN');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	text_weight => 'infinity');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	vector_weight => 0, text_weight => 0);
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	rrf_k => -1);
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	k => 10, candidates => 5);
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	distance_op => '<<->>');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	distance_op => '<~>');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'no_such_column', '[0.5,0.5,0.5]', 'tsv', 'fox');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'ctid', '[0.5,0.5,0.5]', 'tsv', 'fox');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'body', '[0.5,0.5,0.5]', 'tsv', 'fox');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'body', 'fox');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'body', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox');
SELECT * FROM omen_hybrid_search_typed(NULL::int, 'hybrid_docs', 'id', 'embedding',
	'[0.5,0.5,0.5]', 'tsv', 'fox');
SELECT * FROM omen_hybrid_search('hybrid_docs_pkey', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5]', 'tsv', 'fox');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	filter => 'category');
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox',
	filter => 'no_such_column = 1');
-- SECURITY INVOKER: the caller needs SELECT on the table
CREATE ROLE regress_hybrid_reader;
SET ROLE regress_hybrid_reader;
SELECT * FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox');
RESET ROLE;
GRANT SELECT ON hybrid_docs TO regress_hybrid_reader;
SET ROLE regress_hybrid_reader;
SELECT count(*) FROM omen_hybrid_search('hybrid_docs', 'id', 'embedding', '[0.5,0.5,0.5]', 'tsv', 'fox');
RESET ROLE;
REVOKE SELECT ON hybrid_docs FROM regress_hybrid_reader;
DROP ROLE regress_hybrid_reader;
\set SHOW_CONTEXT errors

DROP VIEW hybrid_docs_named;
DROP TABLE hybrid_docs, hybrid_half, "hybrid Odd"."Docs ""x""";
DROP SCHEMA "hybrid Odd";
DROP FUNCTION hybrid_check, hybrid_expected;
