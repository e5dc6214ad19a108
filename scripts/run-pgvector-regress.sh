#!/usr/bin/env bash
# run-pgvector-regress.sh: pgvector 0.8.6's own pg_regress suite (test/sql, test/expected), run
# against OmenDB and compared statement by statement with pgvector's expected output.
#
#   bash scripts/run-pgvector-regress.sh
#
# The tests come from the pgvector release tarball in ../shared/peers (a developer's or CI's copy
# of shared/; a user's clone has none, and then this prints why and exits 0).  They run as pgvector
# wrote them, with --load-extension=omendb instead of vector (USING hnsw is OmenDB's index there),
# in a throwaway cluster.  The ivfflat_* tests are left out: OmenDB has no ivfflat index (CREATE
# INDEX ... USING ivfflat is refused with a hint to use hnsw).  Where OmenDB's output differs on
# purpose, scripts/pgvector_regress_compare.py names the rule and its reason; any other
# difference fails.  Run as root (the server runs as the postgres user) against the installed
# extension.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tarball=$(ls ../shared/peers/pgvector-0.8.6.tar.gz 2>/dev/null || true)
if [ -z "$tarball" ]; then
	echo "pgvector-regress: ../shared/peers/pgvector-0.8.6.tar.gz not found; nothing to run"
	exit 0
fi
source scripts/pgcluster.sh
work=$(mktemp -d /tmp/omendb-pgvregress.XXXXXX)
trap 'pgc_stop; rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
src="$work/pgvector-0.8.6/test"
tests=()
for f in "$src"/sql/*.sql; do
	name=$(basename "$f" .sql)
	case "$name" in
	ivfflat_*) echo "pgvector-regress: leaving out $name: OmenDB has no ivfflat index" ;;
	*) tests+=("$name") ;;
	esac
done
mkdir -p "$src/results" "$work/out"
chown -R postgres:postgres "$work"
pgc_start
trap 'pgc_stop; rm -rf "$work"' EXIT	# pgc_start set its own trap: keep both cleanups
# copy.sql writes results/*.bin relative to the directory psql runs in: run from the test directory.
cd "$src"
_pgc_as_postgres "$(pg_config --pkglibdir)/pgxs/src/test/regress/pg_regress" \
	--bindir="$(pg_config --bindir)" --host="$PGHOST" --port="$PGPORT" --user=postgres \
	--inputdir=. --outputdir="$work/out" --load-extension=omendb "${tests[@]}" >"$work/regress.log" 2>&1 || true
# pg_regress's own verdicts compare whole files; the statement-by-statement comparison below
# replaces them.  A run that printed no results at all is shown whole.
ls "$work/out/results/"*.out >/dev/null 2>&1 || { cat "$work/regress.log"; exit 1; }
echo "pgvector-regress: ${#tests[@]} pgvector test files run; comparing with pgvector's expected output"
cd "$root"
python3 scripts/pgvector_regress_compare.py "$src/sql" "$src/expected" "$work/out/results" "${tests[@]}"
