#!/usr/bin/env bash
# test.sh: every OmenDB test suite, on a fresh Debian 12 machine or a developer's.
#
#   bash scripts/test.sh
#
# Installs missing packages, builds and installs the extension, runs the core unit tests (plain,
# under AddressSanitizer+UBSan, and the parallel build under ThreadSanitizer), starts a throwaway
# PostgreSQL cluster as the postgres user, runs pg_regress twice (best kernel set, then the scalar
# kernels forced with omendb.simd=scalar), the TAP tests, the client compatibility tests
# (psycopg; node-postgres with pgvector-node, installed by npm into build/node), a seeded randomized
# comparison of filter-column scans with the exact plan (test/fuzz), the restore of a
# pgvector database dump with one line changed, and stops the cluster, also on failure.  Exits non-zero if any suite failed; the last line reads
# "N passed, N failed" (suites).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

bash scripts/install-deps.sh || { echo "test: dependency installation failed"; exit 1; }

passed=0
failed=0
failed_names=()
suite() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		echo "=== $name: ok"
		passed=$((passed + 1))
	else
		echo "=== $name: FAILED"
		failed=$((failed + 1))
		failed_names+=("$name")
	fi
}

finish() {
	echo
	[ ${#failed_names[@]} -eq 0 ] || echo "failed suites: ${failed_names[*]}"
	echo "suites: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

suite build bash -c 'make -j2 >build.log 2>&1 && make install >>build.log 2>&1 || { tail -50 build.log; exit 1; }'
if [ "$failed" -ne 0 ]; then finish; fi

suite unit make -s unit
suite unit-asan make -s unit SAN=address
suite unit-tsan-parallel-build make -s unit SAN=thread GTEST_ARGS='--gtest_filter=*Parallel*'

# shellcheck source=scripts/pgcluster.sh
source scripts/pgcluster.sh
# the suites assert what VACUUM removed: an autoanalyze snapshot must not keep dead rows alive
pgc_start "autovacuum = off" || { echo "test: could not start a PostgreSQL cluster"; failed=$((failed + 1)); finish; }

regress() {
	make -s installcheck "$@" || { cat regression.diffs 2>/dev/null | head -200; return 1; }
}
suite pg_regress regress
suite pg_regress-scalar-kernels env PGOPTIONS='-c omendb.simd=scalar' bash -c "$(declare -f regress); regress"

if ls test/t/*.pl >/dev/null 2>&1; then
	suite tap bash scripts/run-tap.sh
fi
if ls test/client/*.py >/dev/null 2>&1; then
	suite client bash -c 'for f in test/client/*.py; do /usr/bin/python3 "$f" || exit 1; done'
fi
# index scans on filter columns against the exact plan, on seeded random tables and conditions
suite filter-fuzz /usr/bin/python3 test/fuzz/filter_columns.py
if ls test/client/*.cjs >/dev/null 2>&1; then
	suite client-node bash scripts/run-node-test.sh
fi
if ls test/data/pgvector-*-dump.sql >/dev/null 2>&1; then
	suite pgvector-restore bash scripts/run-restore-test.sh
fi
# pgvector's own SQL suite against OmenDB (needs ../shared/peers; says so and passes without it)
suite pgvector-regress bash scripts/run-pgvector-regress.sh

pgc_stop
finish
