#!/usr/bin/env bash
# demo.sh: set everything up and run the main job, end to end, on a fresh Debian 12 machine.
#
#   bash scripts/demo.sh [--keep]
#
# Installs missing packages, builds and installs the extension, starts a throwaway PostgreSQL
# cluster (as the postgres user, private directory, free port), creates the extension, loads
# 20,000 sample 128-dimensional vectors with a category column, builds an omenhnsw index, runs a
# k-NN query (plain and with a WHERE filter) and prints the rows.  The cluster is stopped at the
# end unless --keep is given, in which case the psql connection settings are printed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
make -s -j2 >/dev/null
make -s install >/dev/null

# shellcheck source=scripts/pgcluster.sh
source scripts/pgcluster.sh
pgc_start
if [ "${1:-}" = "--keep" ]; then trap - EXIT; fi

pgc_psql -q <<'SQL'
CREATE EXTENSION omendb;
CREATE TABLE items (id bigint PRIMARY KEY, category int, embedding vector(128));

-- 20,000 sample vectors around 50 cluster centres, deterministic.
SELECT setseed(0.42) \g /dev/null
CREATE TEMP TABLE centres AS
  SELECT c, array_agg(random()::real ORDER BY d) AS v
  FROM generate_series(0, 49) c, generate_series(1, 128) d GROUP BY c;
INSERT INTO items
  SELECT i, i % 10,
         (SELECT array_agg(v[d] + (random()::real - 0.5) * 0.2 ORDER BY d)
            FROM centres, generate_series(1, 128) d WHERE c = i % 50)::vector(128)
  FROM generate_series(1, 20000) i;
ANALYZE items;
SQL
echo "loaded: $(pgc_psql -Atc 'SELECT count(*) FROM items') vectors"

echo "building the index: CREATE INDEX ON items USING omenhnsw (embedding vector_l2_ops)"
pgc_psql -q -c '\timing on' -c 'CREATE INDEX items_embedding_idx ON items USING omenhnsw (embedding vector_l2_ops)'
pgc_psql -Atc "SELECT 'index size: ' || pg_size_pretty(pg_relation_size('items_embedding_idx')) || ', table: ' || pg_size_pretty(pg_relation_size('items'))"

pgc_psql <<'SQL'
\echo 'The 5 nearest neighbours of item 42 (the query uses the index):'
EXPLAIN (COSTS OFF)
  SELECT id FROM items ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 42) LIMIT 5;
SELECT id, category, round((embedding <-> q)::numeric, 4) AS distance
  FROM items, (SELECT embedding AS q FROM items WHERE id = 42) query
  ORDER BY embedding <-> q LIMIT 5;
\echo 'The same query, only category 3 (a filter the index scan keeps feeding until 5 rows pass):'
SELECT id, category, round((embedding <-> q)::numeric, 4) AS distance
  FROM items, (SELECT embedding AS q FROM items WHERE id = 42) query
  WHERE category = 3
  ORDER BY embedding <-> q LIMIT 5;
SQL

if [ "${1:-}" = "--keep" ]; then
	echo "cluster left running: PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=postgres psql"
	echo "stop it with: runuser -u postgres -- $(pg_config --bindir)/pg_ctl -D $PGC_DIR/data stop"
fi
