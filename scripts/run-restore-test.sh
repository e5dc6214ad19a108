#!/usr/bin/env bash
# run-restore-test.sh: a pgvector 0.8.6 database restores into OmenDB with one line changed.
#
# test/data/pgvector-0.8.6-dump.sql is pg_dump's plain output of a pgvector database holding
# vector, halfvec, sparsevec and bit columns with USING hnsw indexes on each (recipe beside it).
# This script changes its "CREATE EXTENSION IF NOT EXISTS vector" line to omendb, restores it with
# psql into a new database of the cluster named by the libpq environment, and checks:
#   - the only statement that fails is the comment on extension "vector" (which no longer exists
#     under that name);
#   - every row is there, and every hnsw index of the dump exists and is used by a k-NN query;
#   - k-NN through each index returns the exact nearest distances (compared with a sequential scan).
# Prints 'N passed, N failed'; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
db=omendb_restore_test
dump=test/data/pgvector-0.8.6-dump.sql
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
check() {
	local name=$1 got=$2 want=$3
	if [ "$got" = "$want" ]; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		echo "  got:  $got"
		echo "  want: $want"
		failed=$((failed + 1))
	fi
}
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

# The one changed line.
sed 's/^CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;$/CREATE EXTENSION IF NOT EXISTS omendb WITH SCHEMA public;/' \
	"$dump" >"$work/dump.sql"
check "exactly one line changed" "$(diff "$dump" "$work/dump.sql" | grep -c '^>')" 1

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || exit 1
psql -X -q -d "$db" -f "$work/dump.sql" >"$work/restore.out" 2>"$work/restore.err"
errors=$(grep -o 'ERROR: .*' "$work/restore.err" | sed 's/ *$//' | sort | tr '\n' '|')
check "restore errors: only the extension comment" "$errors" \
	'ERROR:  extension "vector" does not exist|'

check "rows" "$(q 'SELECT count(*), count(embedding), count(half), count(sparse), count(bits) FROM items')" "301|300|300|300|300"
check "hnsw indexes" "$(q "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'hnsw'")" \
	"items_bits_idx,items_bq_idx,items_embedding_cos_idx,items_embedding_idx,items_half_idx,items_sparse_idx"

# k-NN per column: the index scan (shown by EXPLAIN) returns the exact 10 nearest distances.
knn() {
	local name=$1 index=$2 expr=$3 query=$4 op=$5
	local sql="SELECT string_agg(d::text, ',' ORDER BY d) FROM (SELECT $expr $op $query AS d FROM items ORDER BY $expr $op $query LIMIT 10) t"
	local plan via_index exact
	plan=$(psql -X -q -A -t -d "$db" -c "SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY $expr $op $query LIMIT 10")
	check "$name uses $index" "$(echo "$plan" | grep -c "Index Scan using $index ")" 1
	via_index=$(psql -X -q -A -t -d "$db" -c "SET enable_seqscan = off; $sql" | tail -1)
	exact=$(psql -X -q -A -t -d "$db" -c "SET enable_indexscan = off; SET enable_bitmapscan = off; $sql" | tail -1)
	check "$name k-NN equals exact" "$via_index" "$exact"
}
knn "vector l2" items_embedding_idx embedding "'[3,1,0]'" '<->'
knn "vector cosine" items_embedding_cos_idx embedding "'[3,1,0.5]'" '<=>'
knn "halfvec l2" items_half_idx half "'[2.5,1,-1]'::halfvec" '<->'
knn "bit hamming" items_bits_idx bits "B'101'" '<~>'
knn "binary_quantize expression" items_bq_idx "binary_quantize(embedding)::bit(3)" "binary_quantize('[1,-2,3]'::vector)" '<~>'
knn "sparsevec l2" items_sparse_idx sparse "'{1:2,3:4,5:1.5}/5'::sparsevec" '<->'

dropdb "$db"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
