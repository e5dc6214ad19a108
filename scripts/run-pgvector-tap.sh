#!/usr/bin/env bash
# run-pgvector-tap.sh: pgvector 0.8.6's own TAP tests for its hnsw index, run against OmenDB.
#
#   bash scripts/run-pgvector-tap.sh            every adapted test
#   bash scripts/run-pgvector-tap.sh 014 043    only those (by number)
#
# The tests come from the pgvector release tarball in ../shared/peers (a developer's or CI's copy
# of shared/; a user's clone has none, and then this prints why and exits 0).  They are used as
# pgvector wrote them, with these adaptations, each printed as it is applied:
#   - CREATE EXTENSION vector becomes CREATE EXTENSION omendb (USING hnsw is OmenDB's index there);
#   - checks of pgvector's own memory accounting ("hnsw graph no longer fits into
#     maintenance_work_mem") are dropped: OmenDB's graph is several times smaller, so the same
#     maintenance_work_mem holds it;
#   - tests of pgvector internals are left out, with the reason below.
# Run as root (the tests run as the postgres user) against the installed extension.
set -euo pipefail
cd "$(dirname "$0")/.."
tarball=$(ls ../shared/peers/pgvector-0.8.6.tar.gz 2>/dev/null || true)
if [ -z "$tarball" ]; then
	echo "pgvector-tap: ../shared/peers/pgvector-0.8.6.tar.gz not found; nothing to run"
	exit 0
fi
declare -A skip=(
	[015]="pgvector keeps up to 10 heap TIDs per graph element and expects ef_search = 1 to return exactly those 10 duplicates; OmenDB has one node per row and returns every row"
	[023]="as 015, for bit"
	[027]="as 015, for halfvec"
	[031]="as 015, for sparsevec"
	[045]="checks the tuple count at which pgvector's graph leaves maintenance_work_mem"
	[038]="indexes sparsevec(100000); OmenDB indexes sparsevec up to 16,000 dimensions (it densifies them) and says so at CREATE INDEX"
)
PGXS_DIR=$(pg_config --pkglibdir)/pgxs
work=$(mktemp -d /tmp/omendb-pgvtap.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
mkdir "$work/t"
for f in "$work"/pgvector-0.8.6/test/t/0*_hnsw_*.pl "$work"/pgvector-0.8.6/test/t/0{18,19,33,34,37}_*.pl; do
	name=$(basename "$f")
	num=${name%%_*}
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$num"; then continue; fi
	if [ -n "${skip[$num]:-}" ]; then
		echo "pgvector-tap: leaving out $name: ${skip[$num]}"
		continue
	fi
	sed -e 's/CREATE EXTENSION vector;/CREATE EXTENSION omendb;/' \
		-e 's/CREATE EXTENSION IF NOT EXISTS vector;/CREATE EXTENSION IF NOT EXISTS omendb;/' \
		-e '/hnsw graph no longer fits into maintenance_work_mem/d' "$f" >"$work/t/$name"
	if ! cmp -s "$f" "$work/t/$name"; then
		echo "pgvector-tap: adapted $name ($(diff "$f" "$work/t/$name" | grep -c '^[<>]') lines changed)"
	fi
done
chown -R postgres:postgres "$work"
cmd="cd '$work' && env PATH='$(pg_config --bindir)':\$PATH PG_REGRESS='$PGXS_DIR/src/test/regress/pg_regress' \
TESTDIR='$work' prove ${PROVE_FLAGS:-} -I '$PGXS_DIR/src/test/perl' t/*.pl"
if [ "$(id -un)" = postgres ]; then bash -c "$cmd"; else runuser -u postgres -- bash -c "$cmd"; fi
