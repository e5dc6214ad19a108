
-- ---------------------------------------------------------------------------
-- omenhnsw maintenance tools (0.4.0): a structural verifier and a recall probe
-- ---------------------------------------------------------------------------

-- amcheck-style check of one index (src/pg/omenhnsw_verify.c): raises
-- index_corrupted (XX002) or data_corrupted (XX001) naming the block and
-- offset of the first problem; on a healthy index returns what it checked.
-- Needs SELECT on the table; locks it in SHARE mode (writers wait).
CREATE FUNCTION omenhnsw_verify(index regclass,
	OUT heap_rows bigint, OUT pages bigint, OUT nodes bigint,
	OUT live_nodes bigint, OUT deleted_nodes bigint, OUT free_slots bigint,
	OUT links bigint, OUT unreachable bigint, OUT format_version integer)
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT VOLATILE;

-- Estimated recall@k of an index on its own table at the current settings
-- (omenhnsw.ef_search, iterative scan, ...): `queries` rows drawn at random
-- serve as queries; each gets the index's k nearest rows and the exact k
-- nearest (a sequential scan and sort); a returned row counts as a hit when
-- it is no farther than the exact k-th (so ties count).  Returns hits over
-- exact rows.  Needs SELECT on the table, checked before any lock.
CREATE FUNCTION omenhnsw_recall(index regclass, k integer DEFAULT 10,
	queries integer DEFAULT 100)
	RETURNS double precision
	LANGUAGE plpgsql VOLATILE
	SET enable_seqscan = off
	SET enable_bitmapscan = off
	AS $omenhnsw_recall$
DECLARE
	am name;
	tbl regclass;
	keycol int2;
	col name;
	op text;
	q record;
	kth double precision;
	nexact bigint;
	got bigint;
	hits bigint := 0;
	total bigint := 0;
BEGIN
	IF k IS NULL OR k < 1 OR k > 10000 THEN
		RAISE EXCEPTION 'k must be between 1 and 10000' USING ERRCODE = '22023';
	END IF;
	IF queries IS NULL OR queries < 1 THEN
		RAISE EXCEPTION 'queries must be at least 1' USING ERRCODE = '22023';
	END IF;
	SELECT a.amname, i.indrelid::regclass, i.indkey[0]
		INTO am, tbl, keycol
		FROM pg_class c JOIN pg_am a ON a.oid = c.relam
		JOIN pg_index i ON i.indexrelid = c.oid
		WHERE c.oid = index;
	IF NOT FOUND OR am IS DISTINCT FROM 'omenhnsw' THEN
		RAISE EXCEPTION '"%" is not an omenhnsw index', index USING ERRCODE = '42809';
	END IF;
	-- privileges before any lock: nothing above locks the table
	IF NOT has_table_privilege(tbl, 'SELECT') THEN
		RAISE EXCEPTION 'permission denied for table %', tbl USING ERRCODE = '42501';
	END IF;
	IF keycol = 0 THEN
		RAISE EXCEPTION 'omenhnsw_recall does not support expression indexes'
			USING ERRCODE = '0A000',
			HINT = 'Compare ORDER BY results with and without the index yourself.';
	END IF;
	SELECT attname INTO col FROM pg_attribute WHERE attrelid = tbl AND attnum = keycol;
	SELECT format('OPERATOR(%I.%s)', n.nspname, o.oprname) INTO op
		FROM pg_index i JOIN pg_opclass oc ON oc.oid = i.indclass[0]
		JOIN pg_amop ao ON ao.amopfamily = oc.opcfamily AND ao.amopstrategy = 1
			AND ao.amoppurpose = 'o'
		JOIN pg_operator o ON o.oid = ao.amopopr
		JOIN pg_namespace n ON n.oid = o.oprnamespace
		WHERE i.indexrelid = index;

	FOR q IN EXECUTE format('SELECT %1$I AS v FROM %2$s WHERE %1$I IS NOT NULL ORDER BY random() LIMIT %3$s',
							col, tbl, queries) LOOP
		-- exact: "+ 0" keeps the ORDER BY off the index, so a sort computes it
		EXECUTE format('SELECT max(d), count(*) FROM (SELECT %1$I %2$s $1 AS d FROM %3$s WHERE %1$I IS NOT NULL ORDER BY (%1$I %2$s $1) + 0 LIMIT %4$s) s',
					   col, op, tbl, k)
			INTO kth, nexact USING q.v;
		EXECUTE format('SELECT count(*) FILTER (WHERE d <= $2) FROM (SELECT %1$I %2$s $1 AS d FROM %3$s ORDER BY %1$I %2$s $1 LIMIT %4$s) s',
					   col, op, tbl, k)
			INTO got USING q.v, kth;
		hits := hits + least(got, nexact);
		total := total + nexact;
	END LOOP;
	IF total = 0 THEN
		RETURN NULL;
	END IF;
	RETURN hits::double precision / total;
END
$omenhnsw_recall$;
