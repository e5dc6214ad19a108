#!/usr/bin/env bash
# filters.sh: filtered k-NN (WHERE ... ORDER BY embedding <-> $1 LIMIT 10), OmenDB beside pgvector.
#
#   bash bench/filters.sh [--rows N] [--quick] [filters.py options]
#
# Builds OmenDB, then, holding the lock $OMENDB_PG_LOCK (default /tmp/omendb-pg.lock; "none" for
# none) for the rest of the run because `make install` writes the system PostgreSQL's directories
# and a cluster must not see another version installed under it: installs OmenDB (and pgvector
# 0.8.6 from ../shared/peers when that is there and pgvector is not installed yet), starts a
# throwaway cluster (scripts/pgcluster.sh), creates bench_omendb and bench_pgvector and runs
# bench/filters.py.  Do not wrap it in flock on the same file yourself: it would wait for itself.
# Without ../shared and without an installed pgvector it runs OmenDB alone and says so.
#
# The cases, configurations and measures are in the header of bench/filters.py.  --quick (10,000
# rows, 50 queries) takes under two minutes.  The default (100,000 x 128, 200 queries) has not been
# timed: scaling --quick (about 80 s of queries) by 4x the queries and ~10x the rows each filtered
# query reads suggests 30-60 minutes on 2 shared cores, most of it in the forced vector-index
# configurations on the selective cases (--configs leaves some out).  Writes
# bench/results/filters.{json,md} (filters-quick.* with --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=${OMENDB_PG_LOCK:-/tmp/omendb-pg.lock}

if [ -z "${_FILTERS_LOCKED:-}" ]; then
	bash scripts/install-deps.sh >/dev/null
	make -s -j2 >/dev/null
	if [ "$LOCK" != none ]; then
		flock -n "$LOCK" true || echo "filters.sh: waiting for $LOCK (another install or cluster run)"
		# -o: the lock stays with flock itself, not with the servers started below
		exec env _FILTERS_LOCKED=1 flock -o "$LOCK" bash "$PWD/bench/filters.sh" "$@"
	fi
fi

make -s install >/dev/null
pgv=()
if [ -f "$(pg_config --sharedir)/extension/vector.control" ]; then
	:
elif [ -f ../shared/peers/install-pgvector.sh ]; then
	bash ../shared/peers/install-pgvector.sh
else
	echo "filters.sh: pgvector is not installed and ../shared/peers is absent: pgvector configurations skipped"
	pgv=(--no-pgvector)
fi

# shellcheck source=scripts/pgcluster.sh
source scripts/pgcluster.sh
pgc_start "shared_buffers = 2GB" "maintenance_work_mem = 1GB" "work_mem = 64MB" \
	"max_parallel_maintenance_workers = 1" "jit = off" "synchronous_commit = off"
createdb bench_omendb
psql -X -q -d bench_omendb -c "CREATE EXTENSION omendb"
if [ ${#pgv[@]} -eq 0 ]; then
	createdb bench_pgvector
	psql -X -q -d bench_pgvector -c "CREATE EXTENSION vector"
fi
/usr/bin/python3 bench/filters.py "${pgv[@]}" "$@"
