#!/usr/bin/env bash
# vacuum.sh: VACUUM cost and space under churn for the installed omendb (issue 12 figures).
#
#   bash bench/vacuum.sh [rows] [dim]      default 100000 x 128, generated data
#
# Against a throwaway cluster (scripts/pgcluster.sh), configured like bench/run.sh for WAL.
# Prints, for 10% and 50% of the rows deleted: VACUUM time, the slowest of the inserts run
# during it (one per 10 ms) and how many started while it ran; then the index size over three
# delete-half / VACUUM / reinsert cycles against a REINDEX, and k-NN QPS (ef_search 40, 10 s,
# one client) before and after the cycles.  Runs what is installed: build and install first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-100000}
DIM=${2:-128}
# shellcheck source=scripts/pgcluster.sh
source scripts/pgcluster.sh
pgc_start "shared_buffers = 2GB" "maintenance_work_mem = 1GB" "max_parallel_maintenance_workers = 1" \
	"jit = off" "wal_level = replica" "max_wal_size = 4GB" "autovacuum = off"
q() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }
q -c "CREATE EXTENSION omendb"
q -c "SELECT 'omendb ' || extversion FROM pg_extension WHERE extname = 'omendb'"
q <<SQL
SELECT setseed(0.42);
CREATE TABLE src AS SELECT i AS id, (SELECT array_agg(random()::real) FROM generate_series(1, $DIM) WHERE i > 0)::vector($DIM) AS v
FROM generate_series(1, $ROWS) i;
CREATE TABLE q AS SELECT v FROM src WHERE id % ($ROWS / 200) = 1;
SQL
cat > "$PGC_DIR/knn.sql" <<'SQL'
\set k random(1, 200)
SET enable_seqscan = off;
SELECT id FROM t ORDER BY v <-> (SELECT v FROM q OFFSET :k - 1 LIMIT 1) LIMIT 10;
SQL
chmod 644 "$PGC_DIR/knn.sql"
qps() { pgbench -n -T 10 -c 1 -f "$PGC_DIR/knn.sql" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }

vacuum_under_inserts() {	# prints: vacuum seconds, slowest insert ms, inserts during vacuum
	q -c "SET client_min_messages = warning; DROP TABLE IF EXISTS took; CREATE TABLE took (started float8, ms float8)"
	(q -c "SELECT extract(epoch FROM clock_timestamp())" -c "VACUUM t" \
		-c "SELECT extract(epoch FROM clock_timestamp())" > "$PGC_DIR/vac.out") &
	local vpid=$!
	q <<'SQL'
DO $$
DECLARE t timestamptz;
BEGIN
	FOR i IN 1 .. 100000 LOOP
		t := clock_timestamp();
		INSERT INTO t SELECT 10000000 + i, v FROM src WHERE id = 1 + (i * 7919) % 1000;
		INSERT INTO took VALUES (extract(epoch FROM t), extract(epoch FROM clock_timestamp() - t) * 1000);
		COMMIT;
		EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query = 'VACUUM t' AND state = 'active')
			AND i > 20;
		PERFORM pg_sleep(0.01);
	END LOOP;
END $$;
SQL
	wait $vpid
	local vs ve
	vs=$(sed -n 1p "$PGC_DIR/vac.out"); ve=$(sed -n 2p "$PGC_DIR/vac.out")
	q -c "SELECT round(($ve - $vs)::numeric, 2), round(max(ms)::numeric, 1), count(*) FILTER (WHERE started BETWEEN $vs AND $ve) FROM took"
}

echo "rows=$ROWS dim=$DIM"
for pct in 10 50; do
	q -c "SET client_min_messages = warning; DROP TABLE IF EXISTS t; CREATE TABLE t AS SELECT * FROM src; ALTER TABLE t ADD PRIMARY KEY (id)"
	start=$(date +%s.%N)
	q -c "CREATE INDEX t_v ON t USING omenhnsw (v vector_l2_ops)"
	echo "build: $(echo "$(date +%s.%N) - $start" | bc) s, $(q -c "SELECT pg_size_pretty(pg_relation_size('t_v'))")"
	q -c "ANALYZE t"
	[ "$pct" = 10 ] && echo "QPS fresh build: $(qps)"
	q -c "DELETE FROM t WHERE id % 100 < $pct"
	echo "deleted ${pct}%: vacuum s | slowest insert ms | inserts during vacuum: $(vacuum_under_inserts)"
done

echo "churn: delete half, VACUUM, reinsert, 3 cycles (index size)"
q -c "SET client_min_messages = warning; DROP TABLE IF EXISTS t; CREATE TABLE t AS SELECT * FROM src; ALTER TABLE t ADD PRIMARY KEY (id)"
q -c "CREATE INDEX t_v ON t USING omenhnsw (v vector_l2_ops)"
echo "cycle 0: $(q -c "SELECT pg_size_pretty(pg_relation_size('t_v'))")"
for c in 1 2 3; do
	q -c "CREATE TEMP TABLE gone AS SELECT * FROM t WHERE (id + $c) % 2 = 0" -c "DELETE FROM t WHERE (id + $c) % 2 = 0" \
		-c "VACUUM t" -c "INSERT INTO t SELECT * FROM gone"
	echo "cycle $c: $(q -c "SELECT pg_size_pretty(pg_relation_size('t_v'))")"
done
echo "QPS after churn: $(qps)"
echo "recall@10 after churn (omenhnsw_recall or n/a): $(q -c "SELECT omenhnsw_recall('t_v', 10, 100)" 2>/dev/null || echo n/a)"
q -c "REINDEX INDEX t_v"
echo "REINDEX: $(q -c "SELECT pg_size_pretty(pg_relation_size('t_v'))")"
echo "recall@10 after REINDEX: $(q -c "SELECT omenhnsw_recall('t_v', 10, 100)" 2>/dev/null || echo n/a)"
pgc_stop
