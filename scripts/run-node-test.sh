#!/usr/bin/env bash
# run-node-test.sh: pgvector-node + node-postgres against the cluster named by the libpq environment
# (PGHOST, PGPORT, ...).  Installs the two npm packages into build/node once (a cache kept between
# runs; delete build/node to refresh it), then runs test/client/test_node.cjs.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null && command -v npm >/dev/null || { echo "run-node-test: node and npm are required"; exit 1; }
mkdir -p build/node
if [ ! -d build/node/node_modules/pgvector ] || [ ! -d build/node/node_modules/pg ]; then
	[ -f build/node/package.json ] || echo '{"name": "omendb-node-test", "private": true}' >build/node/package.json
	npm install --prefix build/node --no-audit --no-fund --loglevel=error pg pgvector
fi
NODE_PATH="$PWD/build/node/node_modules" node test/client/test_node.cjs
