#!/usr/bin/env bash
# run-tap.sh: the Perl TAP tests in test/t/ (PostgreSQL::Test::Cluster from Debian's
# postgresql-server-dev-15), run as the postgres user in a scratch directory, since the server
# refuses to run as root.  prove is given the *.pl files explicitly (it only finds *.t on its own).
#
#   bash scripts/run-tap.sh                       every test in test/t
#   bash scripts/run-tap.sh 004_fdw_shards.pl     only the named ones
#   PROVE_FLAGS=-v bash scripts/run-tap.sh ...    every test result, not just the failures
set -euo pipefail
cd "$(dirname "$0")/.."
PGXS_DIR=$(pg_config --pkglibdir)/pgxs
work=$(mktemp -d /tmp/omendb-tap.XXXXXX)
trap '[ -n "${KEEP_TAP:-}" ] || rm -rf "$work"' EXIT
cp -r test/t "$work/t"
cp -r test/data "$work/data"	# fixtures (006_slot_reuse.pl, 010_filter_layout.pl: index images)
tests=()
for name in "$@"; do tests+=("t/$(basename "$name")"); done
[ ${#tests[@]} -gt 0 ] || tests=(t/*.pl)
chown -R postgres:postgres "$work" 2>/dev/null || true
cmd="cd '$work' && env PATH='$(pg_config --bindir)':\$PATH PG_REGRESS='$PGXS_DIR/src/test/regress/pg_regress' \
TESTDIR='$work' prove ${PROVE_FLAGS:-} -I '$PGXS_DIR/src/test/perl' ${tests[*]}"
if [ "$(id -un)" = postgres ]; then bash -c "$cmd"; else runuser -u postgres -- bash -c "$cmd"; fi
