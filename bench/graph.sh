#!/usr/bin/env bash
# graph.sh: graph quality of the HNSW builder with own-list padding off and on, in one run (the
# graph alone, exact distances; see bench/bench_graph.cpp and bench/results/graph.md).
#
#   bash bench/graph.sh [N [BENCH_GRAPH_OPTIONS...]]
#       N generated rows of 128 dimensions (default 1000000), 1,000 queries, the synthetic
#       clustered set of bench/omenbench.py (seed 42); further arguments go to bench_graph, e.g.
#       bash bench/graph.sh 1000000 --modes padded --efc 64,96 --ef 40,100,200,400,800
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
shift $(( $# > 0 ? 1 : 0 ))
make -s build/bench/bench_graph
DIR=$(mktemp -d /tmp/omendb-graph.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
/usr/bin/python3 - "$N" "$DIR" <<'PY'
import sys
import numpy as np
sys.path.insert(0, "bench")
import omenbench as ob
n, d = int(sys.argv[1]), sys.argv[2]
base, queries, _ = ob.synthetic(n, 128, 1000, 42)
base.astype("<f4").tofile(f"{d}/base.f32")
queries.astype("<f4").tofile(f"{d}/query.f32")
ob.exact_knn(base, queries, 10, "l2").astype("<u4").tofile(f"{d}/gt.u32")
open(f"{d}/dim", "w").write("128\n")
PY
build/bench/bench_graph --dir "$DIR" --threads 2 "$@"
