#!/usr/bin/env bash
# run.sh: the benchmark suite against a throwaway cluster configured as in ../shared/ANCHORS.md.
#
#   bash bench/run.sh [omenbench.py options]      e.g. --quick, --sets synth-100k-768, --ef 20,40,80
#
# Prints the table, writes bench/results/latest.json and bench/results/recall_qps.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
make -s -j2 >/dev/null
make -s install >/dev/null
# shellcheck source=scripts/pgcluster.sh
source scripts/pgcluster.sh
pgc_start "shared_buffers = 4GB" "maintenance_work_mem = 2GB" "work_mem = 64MB" \
	"max_parallel_maintenance_workers = 1" "jit = off" "fsync = on" "synchronous_commit = on" \
	"wal_level = replica" "max_wal_size = 4GB"
/usr/bin/python3 bench/omenbench.py "$@"
