-- Every live row reachable, whatever the data: after the build, after inserts into the built
-- index, and after deleting a third of the rows and VACUUM, on data that strands nodes in plain
-- HNSW (copies of one vector, tight clusters of very different norms, a coarse integer grid full
-- of duplicates, rows of very different scales), for each metric and indexed type.  unreachable
-- counts the live nodes a walk of layer 0 from the entry point misses (omenhnsw_verify); such a
-- row is invisible to every index scan.  scanned counts the rows a full index scan ordered by
-- the distance to row 1's vector returns under relaxed_order (which returns a row found late where
-- it is found), in order those it returns under strict_order (which skips such a row): every live
-- row.  Before deep scans of small indexes went over to the exact pass without a 2 ms floor, and
-- before that pass held rows for the lower bounds of every node still listed, strict_order skipped
-- up to 586 rows here (bit Jaccard and half-precision inner product on clusters of copies, inner
-- product and cosine on clusters of different norms, L2 on rows of norms 1e4 and 1e-2).  L1 is
-- left out of that count: its estimates have no error bound, and on the clusters and scales data
-- strict_order still skips 3-42% of the rows (bench/results/order.md).  Found by a randomized
-- comparison of index and exact scans: inner product on five tight clusters left 315 of 1,500 rows
-- unreachable after the build, 1,000 copies of one vector with a third deleted 374 of 667 after
-- VACUUM, and a full scan of 975 rows (506 copies of one sparse vector) returned 974.
CREATE TABLE reach_src (i int, a float8[]);
CREATE TABLE reach_result (kind text, opclass text, phase text, live bigint, unreachable bigint, scanned bigint,
	in_order text);
CREATE PROCEDURE reach_data(kind text, dim int, n int) LANGUAGE plpgsql AS $$
BEGIN
	PERFORM setseed(0.5);
	TRUNCATE reach_src;
	INSERT INTO reach_src
	SELECT i, CASE kind
		WHEN 'copies' THEN array_fill(1.0::float8, ARRAY[dim])
		WHEN 'clusters' THEN (SELECT array_agg(b * 10 + (random() - 0.5) * 0.02 + 0 * g) FROM generate_series(1, dim) g)
		WHEN 'grid' THEN (SELECT array_agg(floor(random() * 2) + 0 * g + 0 * b) FROM generate_series(1, dim) g)
		ELSE (SELECT array_agg((random() - 0.5) * CASE WHEN b < 2 THEN 1e4 ELSE 1e-2 END + 0 * g) FROM generate_series(1, dim) g)
	END
	FROM (SELECT i, floor(random() * 5) b FROM generate_series(1, n) i) s;
END $$;
-- the value of reach_src.a as the indexed type
CREATE FUNCTION reach_value(a float8[], typ text) RETURNS text LANGUAGE sql AS $$
	SELECT CASE typ
		WHEN 'bit' THEN (SELECT string_agg(CASE WHEN x > 0.5 THEN '1' ELSE '0' END, '') FROM unnest(a) x)
		WHEN 'sparsevec' THEN a::real[]::vector::sparsevec::text
		ELSE a::real[]::vector::text END
$$;
-- the reach, and the rows of the full index scan (-1: the plan did not use the index)
CREATE PROCEDURE reach_note(kind text, opclass text, phase text) LANGUAGE plpgsql AS $$
DECLARE
	typ text := split_part(opclass, '_', 1);
	op text := CASE split_part(opclass, '_', 2) WHEN 'l2' THEN '<->' WHEN 'ip' THEN '<#>' WHEN 'cosine' THEN '<=>'
		WHEN 'l1' THEN '<+>' WHEN 'hamming' THEN '<~>' ELSE '<%>' END;
	q text;
	scan text;
	line text;
	uses_index bool := false;
	n bigint;
	m bigint;
	ordered text;
BEGIN
	SELECT reach_value(a, typ) INTO q FROM reach_src WHERE i = 1;
	scan := format('SELECT count(*) FROM (SELECT id FROM reach ORDER BY v %s %L::%s(64)) s', op, q, typ);
	SET LOCAL enable_seqscan = off;
	SET LOCAL omenhnsw.iterative_scan = relaxed_order;
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || scan LOOP
		uses_index := uses_index OR line LIKE '%Index Scan using reach_v%';
	END LOOP;
	EXECUTE scan INTO n;
	-- strict_order: the same scan skipping any row found after a farther one; not for L1, whose
	-- estimates carry no error bound (see the comment above)
	SET LOCAL omenhnsw.iterative_scan = strict_order;
	IF opclass = 'vector_l1_ops' THEN
		ordered := '-';
	ELSE
		EXECUTE scan INTO m;
		ordered := m::text;
	END IF;
	INSERT INTO reach_result
	SELECT kind, opclass, phase, live_nodes, unreachable, CASE WHEN uses_index THEN n ELSE -1 END, ordered
	FROM omenhnsw_verify('reach_v');
END $$;
SET client_min_messages = warning;
-- per case, in order: the data, the build on half of it, the other half inserted, a third
-- deleted and VACUUM, with the reach noted after each
WITH cases(kind, typ, opclass) AS (
	SELECT k, t, o
	FROM unnest(ARRAY['copies', 'clusters', 'grid', 'scales']) WITH ORDINALITY AS ks(k, kn),
		(VALUES (1, 'vector', 'vector_l2_ops'), (2, 'vector', 'vector_ip_ops'),
				(3, 'vector', 'vector_cosine_ops'), (4, 'vector', 'vector_l1_ops'),
				(5, 'halfvec', 'halfvec_ip_ops'), (6, 'sparsevec', 'sparsevec_ip_ops'),
				(7, 'bit', 'bit_hamming_ops'), (8, 'bit', 'bit_jaccard_ops')) AS os(on_, t, o)
	ORDER BY kn, on_
), sized AS (
	SELECT kind, typ, opclass, CASE kind WHEN 'clusters' THEN 1500 ELSE 1000 END AS n FROM cases
)
SELECT format('CALL reach_data(%L, 64, %s)', kind, n),
	format('CREATE TABLE reach (id int, v %s(64))', typ),
	format('INSERT INTO reach SELECT i, reach_value(a, %L)::%s(64) FROM reach_src WHERE i <= %s', typ, typ, n / 2),
	format('CREATE INDEX reach_v ON reach USING omenhnsw (v %s)', opclass),
	format('CALL reach_note(%L, %L, %L)', kind, opclass, '1 build'),
	format('INSERT INTO reach SELECT i, reach_value(a, %L)::%s(64) FROM reach_src WHERE i > %s', typ, typ, n / 2),
	format('CALL reach_note(%L, %L, %L)', kind, opclass, '2 inserts'),
	'DELETE FROM reach WHERE id % 3 = 0',
	'VACUUM reach',
	format('CALL reach_note(%L, %L, %L)', kind, opclass, '3 vacuum'),
	'DROP TABLE reach'
FROM sized \gexec
RESET client_min_messages;
SELECT kind, opclass, string_agg(phase || ': ' || live || ' live, ' || unreachable || ' unreachable, ' || scanned || ' scanned, ' || in_order || ' in order', '; ' ORDER BY phase) AS reach
FROM reach_result GROUP BY kind, opclass ORDER BY kind, opclass;
DROP TABLE reach_result, reach_src;
DROP PROCEDURE reach_data(text, int, int), reach_note(text, text, text);
DROP FUNCTION reach_value(float8[], text);
