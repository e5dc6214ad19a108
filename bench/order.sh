#!/usr/bin/env bash
# order.sh: the cost of ORDER BY order (omenhnsw.iterative_scan) side by side with an earlier
# version of the code, in one run on one cluster.
#
#   bash bench/order.sh [--baseline GIT_REF] [--rounds N] [order_bench.py options]
#
# Builds this tree and (with --baseline) GIT_REF in a temporary worktree, then alternates them N
# times (default 2): install one, run bench/order_bench.py, install the other, ...  Each version
# rebuilds the index with its own code.  The baseline runs with its default settings ("default").
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=""
rounds=2
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
		--baseline) baseline=$2; shift 2 ;;
		--rounds) rounds=$2; shift 2 ;;
		*) extra+=("$1"); shift ;;
	esac
done
bash scripts/install-deps.sh >/dev/null
make -s -j2 >/dev/null
base_dir=""
if [ -n "$baseline" ]; then
	base_dir=$(mktemp -d /tmp/omendb-baseline.XXXXXX)
	git worktree add -q --detach "$base_dir" "$baseline"
	make -s -C "$base_dir" -j2 >/dev/null 2>&1
fi
cleanup() { [ -z "$base_dir" ] || { git worktree remove --force "$base_dir"; rm -rf "$base_dir"; }; }
trap cleanup EXIT
# shellcheck source=scripts/pgcluster.sh
source scripts/pgcluster.sh
pgc_start "shared_buffers = 2GB" "maintenance_work_mem = 1GB" "work_mem = 64MB" \
	"max_parallel_maintenance_workers = 1" "jit = off"
out=$(mktemp /tmp/order_bench.XXXXXX.jsonl)
psql -q -c "CREATE EXTENSION omendb"
for r in $(seq 1 "$rounds"); do
	make -s install >/dev/null
	/usr/bin/python3 bench/order_bench.py --label "new#$r" --out "$out" "${extra[@]}"
	if [ -n "$base_dir" ]; then
		make -s -C "$base_dir" install >/dev/null
		/usr/bin/python3 bench/order_bench.py --label "base#$r" --modes default --out "$out" "${extra[@]}"
	fi
done
make -s install >/dev/null
echo "results: $out"
