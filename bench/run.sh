#!/usr/bin/env bash
# run.sh: the benchmark suite, OmenDB side by side with pgvector 0.8.6 and in-process hnswlib,
# against a throwaway cluster configured as in ../shared/ANCHORS.md.
#
#   bash bench/run.sh [omenbench.py options]      e.g. --quick, --with-768, --ef 20,40,80
#
# Builds and installs OmenDB; installs pgvector 0.8.6 from ../shared/peers when that is there and
# pgvector is not installed yet (needs root or sudo); starts the cluster; runs bench/omenbench.py,
# which measures each engine in its own database (both define a type named vector).  Without
# pgvector the pgvector columns are the ANCHORS.md figures, labelled "anchors, not live".
# `make install` writes the system PostgreSQL's directories: on a shared machine run it under the
# lock the other installs take, `flock /tmp/omendb-pg.lock bash bench/run.sh --quick`.
# Prints the table, writes bench/results/latest.json, bench/results/side-by-side.md and
# bench/results/recall_qps.png (with matplotlib).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
make -s -j2 >/dev/null
make -s install >/dev/null
if [ ! -f "$(pg_config --sharedir)/extension/vector.control" ]; then
	if [ -f ../shared/peers/install-pgvector.sh ]; then
		if [ "$(id -u)" -eq 0 ]; then
			bash ../shared/peers/install-pgvector.sh
		else
			sudo bash ../shared/peers/install-pgvector.sh
		fi
	else
		echo "run.sh: pgvector is not installed and ../shared/peers is absent: pgvector figures will be anchors, not live"
	fi
fi
# shellcheck source=scripts/pgcluster.sh
source scripts/pgcluster.sh
pgc_start "shared_buffers = 4GB" "maintenance_work_mem = 2GB" "work_mem = 64MB" \
	"max_parallel_maintenance_workers = 1" "jit = off" "fsync = on" "synchronous_commit = on" \
	"wal_level = replica" "max_wal_size = 4GB"
/usr/bin/python3 bench/omenbench.py "$@"
