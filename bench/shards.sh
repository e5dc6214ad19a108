#!/usr/bin/env bash
# shards.sh: k-NN through postgres_fdw shards against one server holding every row.
#
#   bash bench/shards.sh [shards.py options]      e.g. --rows 50000 --dim 64 --queries 200
#
# Builds and installs the extension (run it under the same lock as other installs on a shared
# machine), starts four throwaway clusters on this machine (one server with all rows, a
# coordinator and two shards; private data and socket directories, free ports, stopped on exit)
# and runs bench/shards.py, which prints recall and QPS for the single server and for the
# coordinator by LIMIT, fetch_size, ef_search and query form.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null
make -s -j2 >/dev/null
make -s install >/dev/null

PG_BINDIR=$(pg_config --bindir)
BASE=$(mktemp -d /tmp/omendb-shards.XXXXXX)
chmod 755 "$BASE"
mkdir -p "$BASE/sock"
chown -R postgres:postgres "$BASE" 2>/dev/null || true
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

NODES=()
stop_all() {
	for n in "${NODES[@]}"; do
		as_postgres "$PG_BINDIR/pg_ctl" -D "$BASE/$n" -m immediate -w stop >/dev/null 2>&1 || true
	done
	rm -rf "$BASE"
}
trap stop_all EXIT

# start_node NAME: initdb and start; prints the port.
start_node() {
	local name=$1 port
	port=$(free_port)
	as_postgres "$PG_BINDIR/initdb" -D "$BASE/$name" -U postgres -A trust --no-sync >"$BASE/$name.initdb.log" 2>&1
	cat >>"$BASE/$name/postgresql.conf" <<-EOF
		port = $port
		listen_addresses = ''
		unix_socket_directories = '$BASE/sock'
		fsync = off
		synchronous_commit = off
		shared_buffers = 512MB
		maintenance_work_mem = 512MB
		max_parallel_maintenance_workers = 1
		jit = off
	EOF
	as_postgres "$PG_BINDIR/pg_ctl" -D "$BASE/$name" -l "$BASE/$name.log" -w start >/dev/null
	NODES+=("$name")
	echo "$port"
}

SINGLE_PORT=$(start_node single)
COORD_PORT=$(start_node coordinator)
SHARD1_PORT=$(start_node shard1)
SHARD2_PORT=$(start_node shard2)
export PGHOST="$BASE/sock" PGUSER=postgres PGDATABASE=postgres
export SINGLE_PORT COORD_PORT SHARD1_PORT SHARD2_PORT
/usr/bin/python3 bench/shards.py "$@"
