#!/usr/bin/env bash
# pgcluster.sh: a throwaway PostgreSQL cluster for tests, benchmarks and the demo.
#
#   source scripts/pgcluster.sh     defines pgc_start, pgc_stop, pgc_psql
#   pgc_start [postgres.conf lines...]
#       initdb + start as the 'postgres' OS user (PostgreSQL refuses to run as root) in a private
#       data and socket directory on a free port; exports PGHOST, PGPORT, PGUSER, PGDATABASE and
#       PGC_DIR, and arranges (trap) for the cluster to be stopped when the calling shell exits.
#   pgc_stop                         stop it and remove its directory
#
# Works as root (uses runuser) or as the postgres user itself.
set -u

PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir)}

_pgc_as_postgres() {
	if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

_pgc_free_port() {
	python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

pgc_start() {
	PGC_DIR=$(mktemp -d /tmp/omendb-pg.XXXXXX)
	chmod 755 "$PGC_DIR"
	mkdir -p "$PGC_DIR/data" "$PGC_DIR/sock"
	chown -R postgres:postgres "$PGC_DIR" 2>/dev/null || true
	PGPORT=$(_pgc_free_port)
	_pgc_as_postgres "$PG_BINDIR/initdb" -D "$PGC_DIR/data" -U postgres -A trust --no-sync >"$PGC_DIR/initdb.log" 2>&1 || {
		cat "$PGC_DIR/initdb.log"; return 1; }
	{
		echo "port = $PGPORT"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$PGC_DIR/sock'"
		echo "fsync = off"
		echo "max_wal_senders = 0"
		echo "wal_level = minimal"
		echo "shared_buffers = 256MB"
		echo "max_parallel_maintenance_workers = 1"
		for line in "$@"; do echo "$line"; done
	} >>"$PGC_DIR/data/postgresql.conf"
	_pgc_as_postgres "$PG_BINDIR/pg_ctl" -D "$PGC_DIR/data" -l "$PGC_DIR/server.log" -w start >/dev/null || {
		cat "$PGC_DIR/server.log"; return 1; }
	export PGHOST="$PGC_DIR/sock" PGPORT PGUSER=postgres PGDATABASE=postgres PGC_DIR
	trap pgc_stop EXIT
}

pgc_stop() {
	if [ -n "${PGC_DIR:-}" ] && [ -d "$PGC_DIR/data" ]; then
		_pgc_as_postgres "$PG_BINDIR/pg_ctl" -D "$PGC_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
		rm -rf "$PGC_DIR"
	fi
	PGC_DIR=
}

pgc_psql() { psql -X -v ON_ERROR_STOP=1 "$@"; }
