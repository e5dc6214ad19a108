#!/usr/bin/env bash
# run-tap.sh: the Perl TAP tests in test/t/ (PostgreSQL::Test::Cluster from Debian's
# postgresql-server-dev-15), run as the postgres user in a scratch directory, since the server
# refuses to run as root.  prove is given the *.pl files explicitly (it only finds *.t on its own).
set -euo pipefail
cd "$(dirname "$0")/.."
PGXS_DIR=$(pg_config --pkglibdir)/pgxs
work=$(mktemp -d /tmp/omendb-tap.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r test/t "$work/t"
chown -R postgres:postgres "$work" 2>/dev/null || true
cmd="cd '$work' && env PATH='$(pg_config --bindir)':\$PATH PG_REGRESS='$PGXS_DIR/src/test/regress/pg_regress' \
TESTDIR='$work' prove -I '$PGXS_DIR/src/test/perl' t/*.pl"
if [ "$(id -un)" = postgres ]; then bash -c "$cmd"; else runuser -u postgres -- bash -c "$cmd"; fi
