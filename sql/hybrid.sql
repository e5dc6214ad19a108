-- sql/hybrid.sql: hybrid search (0.4.0): a vector k-NN ranking and a full-text ranking of the same
-- table fused by reciprocal-rank fusion (RRF).

\echo Use "CREATE EXTENSION omendb" to load this file. \quit

-- omen_hybrid_search_typed(id_type, ...) does the work; id_type (a NULL of the wanted type, e.g.
-- NULL::uuid) only sets the type of the returned ids.  omen_hybrid_search(...) below is the same
-- search returning bigint ids.
--
-- One statement, so both halves see the same snapshot:
--   vector half  SELECT id, vcol <op> $1 FROM tbl WHERE vcol IS NOT NULL AND (filter)
--                ORDER BY vcol <op> $1 LIMIT candidates          (the omenhnsw index's ORDER BY)
--   text half    SELECT id, ts_rank_cd(tsv, $2) FROM tbl WHERE tsv @@ $2 AND (filter)
--                ORDER BY 2 DESC, id LIMIT candidates             (GIN answers the @@)
-- each ranked 1.. as rank() does (rows that tie share the best rank: ts_rank_cd ties are common),
-- fused on id: score = sum of weight / (rrf_k + rank) over the halves a row is in; the k best
-- scores are returned, ties by id.  Where a half's candidates cut through a tie, the text half
-- keeps the lower ids; the vector half keeps the rows its index scan returns first.
--
-- SECURITY INVOKER, and no SET search_path: the filter is SQL text run with the caller's
-- privileges and search_path.  OmenDB's own operators are named with their schema, which is looked
-- up at run time (the extension is relocatable).
CREATE FUNCTION omen_hybrid_search_typed(id_type anyelement,
	tbl regclass, id_column name, vector_column name, query_vector vector,
	tsv_column name, query tsquery,
	k integer DEFAULT 10, filter text DEFAULT NULL,
	vector_weight double precision DEFAULT 1, text_weight double precision DEFAULT 1,
	rrf_k integer DEFAULT 60, candidates integer DEFAULT NULL,
	distance_op text DEFAULT '<->')
	RETURNS TABLE (id anyelement, score double precision, vector_rank integer,
		text_rank integer, distance double precision, text_score real)
	LANGUAGE plpgsql VOLATILE SECURITY INVOKER
	AS $omen_hybrid_search$
DECLARE
	ext_nsp oid;
	want regtype := pg_typeof(id_type);
	kind "char";
	col_name name;
	col_type oid;
	col_base oid;
	id_type_of oid;
	vec_type oid;
	tsv_type oid;
	op_sql text;
	id_sql text;
	qvec_sql text;
	where_sql text;
	depth bigint;
	vector_sql text;
	text_sql text;
BEGIN
	-- arguments that have no meaning when NULL (query_vector, query, filter and candidates do)
	IF tbl IS NULL THEN
		RAISE EXCEPTION 'tbl must not be NULL' USING ERRCODE = '22004';
	END IF;
	IF id_column IS NULL OR vector_column IS NULL OR tsv_column IS NULL THEN
		RAISE EXCEPTION 'id_column, vector_column and tsv_column must not be NULL'
			USING ERRCODE = '22004';
	END IF;
	IF k IS NULL OR vector_weight IS NULL OR text_weight IS NULL OR rrf_k IS NULL
		OR distance_op IS NULL THEN
		RAISE EXCEPTION 'k, vector_weight, text_weight, rrf_k and distance_op must not be NULL'
			USING ERRCODE = '22004',
			HINT = 'Leave an argument out to get its default.';
	END IF;
	IF k < 1 THEN
		RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = '22023';
	END IF;
	IF NOT (vector_weight >= 0 AND vector_weight < 'infinity'
			AND text_weight >= 0 AND text_weight < 'infinity') THEN
		RAISE EXCEPTION 'weights must be finite and not negative (vector_weight %, text_weight %)',
			vector_weight, text_weight USING ERRCODE = '22023',
			HINT = 'A weight of 0 leaves its half out of the search.';
	END IF;
	IF vector_weight = 0 AND text_weight = 0 THEN
		RAISE EXCEPTION 'vector_weight and text_weight are both 0' USING ERRCODE = '22023',
			HINT = 'At least one weight must be positive; a weight of 0 leaves its half out.';
	END IF;
	IF rrf_k < 0 THEN
		RAISE EXCEPTION 'rrf_k must not be negative, not %', rrf_k USING ERRCODE = '22023',
			HINT = 'A row at rank r of a half adds weight / (rrf_k + r) to its score; 60 is usual.';
	END IF;
	IF candidates IS NULL THEN
		depth := greatest(k::bigint * 4, 40);
	ELSIF candidates < k THEN
		RAISE EXCEPTION 'candidates (%) must be at least k (%)', candidates, k
			USING ERRCODE = '22023',
			HINT = 'candidates is how many rows each half ranks before the fusion keeps k; leave it out for max(4 * k, 40).';
	ELSE
		depth := candidates;
	END IF;
	IF distance_op NOT IN ('<->', '<=>', '<#>', '<+>') THEN
		RAISE EXCEPTION 'unknown distance operator "%"', distance_op USING ERRCODE = '22023',
			HINT = 'Use <-> (L2), <=> (cosine), <#> (negative inner product) or <+> (L1): the operator of the omenhnsw index on the vector column.';
	END IF;

	SELECT e.extnamespace INTO ext_nsp FROM pg_catalog.pg_extension e WHERE e.extname = 'omendb';
	SELECT c.relkind INTO kind FROM pg_catalog.pg_class c WHERE c.oid = tbl;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'relation with OID % does not exist', tbl::oid USING ERRCODE = '42P01';
	END IF;
	IF kind NOT IN ('r', 'p', 'v', 'm', 'f') THEN
		RAISE EXCEPTION '"%" is not a table, view or materialized view', tbl
			USING ERRCODE = '42809';
	END IF;

	-- the three columns: each must exist (not a system column); a domain counts as its base type
	FOR i IN 1..3 LOOP
		col_name := (ARRAY[id_column, vector_column, tsv_column])[i];
		SELECT a.atttypid INTO col_type
			FROM pg_catalog.pg_attribute a
			WHERE a.attrelid = tbl AND a.attname = col_name AND a.attnum > 0
				AND NOT a.attisdropped;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', col_name, tbl
				USING ERRCODE = '42703';
		END IF;
		LOOP
			col_base := col_type;
			SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype END INTO col_type
				FROM pg_catalog.pg_type t WHERE t.oid = col_base;
			EXIT WHEN col_type IS NULL;
		END LOOP;
		CASE i
			WHEN 1 THEN id_type_of := col_base;
			WHEN 2 THEN vec_type := col_base;
			ELSE tsv_type := col_base;
		END CASE;
	END LOOP;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_type t
			WHERE t.oid = vec_type AND t.typnamespace = ext_nsp
				AND t.typname IN ('vector', 'halfvec', 'sparsevec')) THEN
		RAISE EXCEPTION 'column "%" of relation "%" has type %, not vector, halfvec or sparsevec',
			vector_column, tbl, vec_type::regtype USING ERRCODE = '42804';
	END IF;
	IF tsv_type IS DISTINCT FROM 'pg_catalog.tsvector'::pg_catalog.regtype THEN
		RAISE EXCEPTION 'column "%" of relation "%" has type %, not tsvector',
			tsv_column, tbl, tsv_type::regtype USING ERRCODE = '42804',
			HINT = 'Store the document''s tsvector in a column, e.g. GENERATED ALWAYS AS (to_tsvector(''english'', body)) STORED, and index it with GIN.';
	END IF;
	IF id_type_of = want THEN
		id_sql := format('%I', id_column);
	ELSIF EXISTS (SELECT FROM pg_catalog.pg_cast c WHERE c.castsource = id_type_of
			AND c.casttarget = want AND c.castcontext = 'i') THEN
		id_sql := format('CAST(%I AS %s)', id_column, want);
	ELSE
		RAISE EXCEPTION 'column "%" of relation "%" has type %, which does not convert to %',
			id_column, tbl, id_type_of::regtype, want USING ERRCODE = '42804',
			HINT = format('omen_hybrid_search_typed(NULL::%s, ...) returns ids of the column''s type.',
				id_type_of::regtype);
	END IF;

	SELECT format('OPERATOR(%I.%s)', n.nspname, o.oprname) INTO op_sql
		FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
		WHERE o.oprname = distance_op AND o.oprleft = vec_type AND o.oprright = vec_type
		ORDER BY o.oprnamespace = ext_nsp DESC, o.oid
		LIMIT 1;
	IF op_sql IS NULL THEN
		RAISE EXCEPTION 'operator % does not exist for type %', distance_op, vec_type::regtype
			USING ERRCODE = '42883';
	END IF;
	IF vec_type = pg_typeof(query_vector) THEN
		qvec_sql := '$1';
	ELSE
		qvec_sql := format('CAST($1 AS %s)', vec_type::regtype);
	END IF;
	-- the filter goes on lines of its own so that a trailing -- comment in it ends there
	where_sql := CASE WHEN filter IS NULL THEN '' ELSE E' AND (\n' || filter || E'\n)' END;

	IF query_vector IS NULL OR vector_weight = 0 THEN
		vector_sql := format('SELECT CAST(NULL AS %s) AS id, CAST(NULL AS float8) AS d LIMIT 0', want);
	ELSE
		vector_sql := format('SELECT %1$s AS id, %2$I %3$s %4$s AS d FROM %5$s'
				' WHERE %2$I IS NOT NULL%6$s ORDER BY %2$I %3$s %4$s LIMIT %7$s',
			id_sql, vector_column, op_sql, qvec_sql, tbl, where_sql, depth);
	END IF;
	IF query IS NULL OR text_weight = 0 THEN
		text_sql := format('SELECT CAST(NULL AS %s) AS id, CAST(NULL AS float4) AS s LIMIT 0', want);
	ELSE
		text_sql := format('SELECT %1$s AS id, pg_catalog.ts_rank_cd(%2$I, $2) AS s FROM %3$s'
				' WHERE %2$I OPERATOR(pg_catalog.@@) $2%4$s ORDER BY 2 DESC, 1 LIMIT %5$s',
			id_sql, tsv_column, tbl, where_sql, depth);
	END IF;

	RETURN QUERY EXECUTE format(
		E'WITH v AS (%1$s),\n t AS (%2$s),\n'
		' vr AS (SELECT v.id, v.d, rank() OVER (ORDER BY v.d) AS r FROM v),\n'
		' tr AS (SELECT t.id, t.s, rank() OVER (ORDER BY t.s DESC) AS r FROM t)\n'
		'SELECT coalesce(vr.id, tr.id),\n'
		'  coalesce($3 / ($5 + vr.r)::float8, 0) + coalesce($4 / ($5 + tr.r)::float8, 0),\n'
		'  vr.r::int4, tr.r::int4, vr.d, tr.s\n'
		'FROM vr FULL JOIN tr ON vr.id = tr.id\n'
		'ORDER BY 2 DESC, 1 LIMIT %3$s',
		vector_sql, text_sql, k)
		USING query_vector, query, vector_weight, text_weight, rrf_k;
END
$omen_hybrid_search$;

-- The same search returning bigint ids (an id column of smallint, integer or bigint).
CREATE FUNCTION omen_hybrid_search(
	tbl regclass, id_column name, vector_column name, query_vector vector,
	tsv_column name, query tsquery,
	k integer DEFAULT 10, filter text DEFAULT NULL,
	vector_weight double precision DEFAULT 1, text_weight double precision DEFAULT 1,
	rrf_k integer DEFAULT 60, candidates integer DEFAULT NULL,
	distance_op text DEFAULT '<->')
	RETURNS TABLE (id bigint, score double precision, vector_rank integer,
		text_rank integer, distance double precision, text_score real)
	LANGUAGE plpgsql VOLATILE SECURITY INVOKER
	AS $omen_hybrid_search$
DECLARE
	nsp name;
BEGIN
	SELECT n.nspname INTO nsp FROM pg_catalog.pg_extension e
		JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'omendb';
	RETURN QUERY EXECUTE format('SELECT * FROM %I.omen_hybrid_search_typed(NULL::pg_catalog.int8,'
			' $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)', nsp)
		USING tbl, id_column, vector_column, query_vector, tsv_column, query, k, filter,
			vector_weight, text_weight, rrf_k, candidates, distance_op;
END
$omen_hybrid_search$;
