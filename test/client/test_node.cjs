// Client compatibility with node-postgres and pgvector-node, following pgvector-node's README
// (https://github.com/pgvector/pgvector-node#node-postgres) with CREATE EXTENSION omendb in place
// of CREATE EXTENSION vector: registerTypes, insert and read vector, halfvec and sparsevec values,
// k-NN with a bound parameter through USING hnsw indexes.  Run by scripts/run-node-test.sh
// (which installs pg and pgvector with npm into build/node) against the server named by the libpq
// environment; prints 'N passed, N failed' and exits non-zero on any failure.
'use strict';

const assert = require('node:assert/strict');
const pg = require('pg');
const pgvector = require('pgvector/pg');
const { SparseVector } = require('pgvector');

async function main() {
  const client = new pg.Client();
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS omendb');
  await pgvector.registerTypes(client);
  await client.query('DROP TABLE IF EXISTS node_items');
  await client.query('CREATE TABLE node_items (id bigserial PRIMARY KEY, embedding vector(3), ' +
                     'half halfvec(3), sparse sparsevec(5))');

  const tests = [];
  const test = (name, fn) => tests.push([name, fn]);

  test('insert and read vector, halfvec, sparsevec', async () => {
    await client.query('INSERT INTO node_items (embedding, half, sparse) VALUES ($1, $2, $3)',
      [pgvector.toSql([1, 2, 3]), pgvector.toSql([0.5, -2, 3]), pgvector.toSql(new SparseVector([1, 0, 2, 0, 3]))]);
    await client.query('INSERT INTO node_items (embedding, half, sparse) VALUES ($1, $2, $3)',
      [pgvector.toSql([1.5, 0.25, -4]), pgvector.toSql([0.1, 1, 65504]),
       pgvector.toSql(new SparseVector({1: 2.5, 4: -1}, 5))]);
    const { rows } = await client.query('SELECT embedding, half, sparse FROM node_items ORDER BY id');
    assert.deepEqual(rows[0].embedding, [1, 2, 3]);
    assert.deepEqual(rows[0].half, [0.5, -2, 3]);
    assert.deepEqual(rows[0].sparse.toArray(), [1, 0, 2, 0, 3]);
    assert.equal(rows[0].sparse.dimensions, 5);
    assert.deepEqual(rows[1].embedding, [1.5, 0.25, -4]);
    // 0.1 is stored as the nearest half, 0.0999755859375 (printed as float4: 0.099975586)
    assert.deepEqual(rows[1].half, [0.099975586, 1, 65504]);
    assert.deepEqual(rows[1].sparse.indices, [1, 4]);
    assert.deepEqual(rows[1].sparse.values, [2.5, -1]);
  });

  test('k-NN with a bound parameter through hnsw indexes', async () => {
    await client.query('TRUNCATE node_items');
    for (let i = 0; i < 200; i++) {
      const v = [i, i % 7, 1];
      await client.query('INSERT INTO node_items (id, embedding, half, sparse) VALUES ($1, $2, $3, $4)',
        [i, pgvector.toSql(v), pgvector.toSql(v), pgvector.toSql(new SparseVector([i, 0, i % 7, 0, 1]))]);
    }
    await client.query('CREATE INDEX ON node_items USING hnsw (embedding vector_l2_ops)');
    await client.query('CREATE INDEX ON node_items USING hnsw (half halfvec_l2_ops)');
    await client.query('SET enable_seqscan = off');
    const q = [50.2, 1, 1];
    for (const column of ['embedding', 'half']) {
      const plan = await client.query(`EXPLAIN SELECT id FROM node_items ORDER BY ${column} <-> $1 LIMIT 3`,
        [pgvector.toSql(q)]);
      assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using node_items_/);
      const { rows } = await client.query(`SELECT id FROM node_items ORDER BY ${column} <-> $1 LIMIT 3`,
        [pgvector.toSql(q)]);
      assert.deepEqual(rows.map((r) => Number(r.id)), [50, 51, 49]);
    }
    const { rows } = await client.query('SELECT id FROM node_items ORDER BY sparse <-> $1 LIMIT 3',
      [pgvector.toSql(new SparseVector([50.2, 0, 1, 0, 1]))]);
    assert.deepEqual(rows.map((r) => Number(r.id)), [50, 51, 49]);
    await client.query('RESET enable_seqscan');
  });

  test('bad input is an error with a SQLSTATE', async () => {
    await assert.rejects(client.query('SELECT $1::halfvec', ['[1e6]']), (e) => e.code === '22003');
    await assert.rejects(client.query('SELECT $1::sparsevec', ['{9:1}/5']), (e) => e.code === '22000');
  });

  let passed = 0;
  let failed = 0;
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`ok   ${name}`);
      passed++;
    } catch (e) {
      console.log(`FAIL ${name}`);
      console.log(e);
      failed++;
    }
  }
  await client.query('DROP TABLE IF EXISTS node_items');
  await client.end();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
