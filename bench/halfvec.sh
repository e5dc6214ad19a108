#!/usr/bin/env bash
# halfvec.sh: halfvec vs vector indexes and a sparsevec index, OmenDB beside pgvector 0.8.6.
#
#   bash bench/halfvec.sh [halfvec.py options]     e.g. --rows 30000 --skip-sparse
#
# Builds and installs OmenDB (run it under the same lock as other installs on a shared machine),
# starts a throwaway cluster, creates one database per extension (both define the type vector)
# and runs bench/halfvec.py, which prints build time, index size and QPS at recall@10 0.95 for
# each and writes bench/results/halfvec.json.  pgvector must be installed in the same PostgreSQL
# (../shared/peers/install-pgvector.sh); the defaults (100,000 x 768 and 20,000 x 4,096 sparse)
# take about 10 minutes on 2 vCPUs.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -j2 >/dev/null
make -s install >/dev/null
[ -f "$(pg_config --sharedir)/extension/vector.control" ] || {
	echo "halfvec.sh: pgvector is not installed in this PostgreSQL (see ../shared/peers)"; exit 1; }

# shellcheck source=scripts/pgcluster.sh
source scripts/pgcluster.sh
pgc_start "shared_buffers = 2GB" "maintenance_work_mem = 2GB" "jit = off" "synchronous_commit = off"
createdb bench_omendb
createdb bench_pgvector
psql -X -q -d bench_omendb -c "CREATE EXTENSION omendb"
psql -X -q -d bench_pgvector -c "CREATE EXTENSION vector"
echo "pgvector $(psql -X -A -t -d bench_pgvector -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'")," \
	"OmenDB $(psql -X -A -t -d bench_omendb -c "SELECT extversion FROM pg_extension WHERE extname = 'omendb'")"
/usr/bin/python3 bench/halfvec.py "$@"
