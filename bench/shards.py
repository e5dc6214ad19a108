#!/usr/bin/python3
"""shards.py: k-NN through postgres_fdw shards against one server holding every row.

Run by bench/shards.sh, which starts four clusters and exports their ports (SINGLE_PORT,
COORD_PORT, SHARD1_PORT, SHARD2_PORT; PGHOST names the shared socket directory).  Loads the same
clustered vectors into the single server and, through the coordinator (a table hash-partitioned
by id over two postgres_fdw foreign tables), into the two shards; builds an omenhnsw index on the
single server and on each shard; then, with one client and a prepared statement, measures recall
against an exact numpy scan and QPS for:

  - the single server, by LIMIT and ef_search;
  - the coordinator's Merge Append over the shards (ORDER BY pushed, LIMIT not), by LIMIT, by the
    servers' fetch_size and by ef_search (set on the shards through the servers' options);
  - per-shard subqueries in a UNION ALL, which ship ORDER BY and LIMIT to each shard, merged by a
    Merge Append, and the same in a materialized CTE, where a plain Append queries the shards
    concurrently (async_capable);
  - use_remote_estimate on (an EXPLAIN round trip to each shard while planning);
  - a filter (WHERE category = $2, 10% of the rows) on the single server with one index, on a
    table partitioned by that column with an index per partition, and through the coordinator.
"""

import argparse
import os
import time

import numpy as np
import psycopg


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def clustered(n, dim, nq, seed):
    """Gaussian clusters with a decaying per-dimension scale under a random rotation, so the
    data has a lower intrinsic dimension than its width, as embeddings do."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((100, dim)).astype(np.float32)
    scale = (1.0 + np.arange(dim)) ** -0.7
    scale = scale / np.sqrt(np.mean(scale ** 2))
    rot, _ = np.linalg.qr(rng.standard_normal((dim, dim)))

    def draw(m):
        lab = rng.integers(0, len(centres), m)
        return (((rng.standard_normal((m, dim)) * scale) @ rot.T) + centres[lab]).astype(np.float32)

    return draw(n), draw(nq)


def exact_knn(base, queries, k):
    b = base.astype(np.float64)
    bn = (b ** 2).sum(1)
    out = np.empty((len(queries), k), dtype=np.int64)
    for s in range(0, len(queries), 100):
        d = bn[None, :] - 2 * (queries[s:s + 100].astype(np.float64) @ b.T)
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(d, part, 1).argsort(1, kind="stable")
        out[s:s + 100] = np.take_along_axis(part, order, 1)
    return out


def vec_text(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def connect(port):
    conn = psycopg.connect(port=port, autocommit=True)
    conn.execute("SET jit = off")
    return conn


def run(conn, sql, params, passes):
    """Runs the prepared statement once per parameter set; returns (ids per query, QPS, p50 ms)
    of the median timed pass, after a warm-up pass."""
    cur = conn.cursor()
    stats = []
    results = None
    for p in range(passes + 1):
        lat = np.empty(len(params))
        res = []
        t0 = time.perf_counter()
        for i, q in enumerate(params):
            s = time.perf_counter()
            cur.execute(sql, q, prepare=True)
            res.append([r[0] for r in cur.fetchall()])
            lat[i] = time.perf_counter() - s
        total = time.perf_counter() - t0
        if p == 0:
            results = res
        else:
            stats.append((len(params) / total, np.percentile(lat, 50) * 1e3))
    stats.sort()
    qps, p50 = stats[len(stats) // 2]
    return results, qps, p50


def recall(results, gt, k):
    hits = sum(len(set(r[:k]) & set(g[:k].tolist())) for r, g in zip(results, gt))
    return hits / (k * len(gt))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50000)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    host = os.environ["PGHOST"]
    ports = {n: int(os.environ[f"{n.upper()}_PORT"]) for n in ("single", "coord", "shard1", "shard2")}

    base, qs = clustered(args.rows, args.dim, args.queries, args.seed)
    kmax = 100
    gt = exact_knn(base, qs, kmax)
    qtext = [vec_text(q) for q in qs]
    cat = np.random.default_rng(args.seed + 1).integers(0, 10, args.rows)
    log(f"{args.rows} x {args.dim} clustered vectors, {args.queries} queries, exact top-{kmax} computed")

    ddl = f"CREATE TABLE items (id bigint NOT NULL, category int NOT NULL, embedding vector({args.dim}))"
    single = connect(ports["single"])
    coord = connect(ports["coord"])
    shards = [connect(ports["shard1"]), connect(ports["shard2"])]
    for c in [single] + shards:
        c.execute("CREATE EXTENSION omendb")
        c.execute(ddl)
    coord.execute("CREATE EXTENSION omendb")
    coord.execute("CREATE EXTENSION postgres_fdw")
    for i, name in enumerate(("shard1", "shard2")):
        coord.execute(f"CREATE SERVER {name} FOREIGN DATA WRAPPER postgres_fdw OPTIONS "
                      f"(host '{host}', port '{ports[name]}', dbname 'postgres', extensions 'omendb', "
                      f"batch_size '1000')")
        coord.execute(f"CREATE USER MAPPING FOR CURRENT_USER SERVER {name}")
    coord.execute(ddl + " PARTITION BY HASH (id)")
    for r, name in enumerate(("shard1", "shard2")):
        coord.execute(f"CREATE FOREIGN TABLE items_{name} PARTITION OF items "
                      f"FOR VALUES WITH (MODULUS 2, REMAINDER {r}) SERVER {name} OPTIONS (table_name 'items')")
    coord.execute(ddl.replace("TABLE items", "TABLE staging"))

    t0 = time.perf_counter()
    for c, table in ((single, "items"), (coord, "staging")):
        with c.cursor() as cur:
            with cur.copy(f"COPY {table} (id, category, embedding) FROM STDIN") as cp:
                for i in range(args.rows):
                    cp.write_row((i, int(cat[i]), vec_text(base[i])))
    coord.execute("INSERT INTO items SELECT * FROM staging")
    log(f"loaded in {time.perf_counter() - t0:.1f} s "
        f"(shards: {[s.execute('SELECT count(*) FROM items').fetchone()[0] for s in shards]})")
    for c in [single] + shards:
        t0 = time.perf_counter()
        c.execute("CREATE INDEX items_embedding ON items USING omenhnsw (embedding vector_l2_ops)")
        c.execute("CREATE INDEX ON items (category)")
        c.execute("VACUUM ANALYZE items")
        log(f"  index built in {time.perf_counter() - t0:.1f} s")
    coord.execute("ANALYZE items")

    rows = []

    positional = [(q,) for q in qtext]
    named = [{"q": q} for q in qtext]

    def measure(label, conn, sql, k, fetch="", ef=40, params=positional, truth=gt, passes=args.passes):
        res, qps, p50 = run(conn, sql, params, passes)
        short = sum(1 for r in res if len(r) < k)
        rows.append((label, k, fetch, ef, recall(res, truth, k), qps, p50, short))
        log(f"  {label:<40} LIMIT {k:<4} fetch {fetch or '-':<5} ef {ef:<4} recall {rows[-1][4]:.3f}  "
            f"QPS {qps:7.1f}  p50 {p50:6.2f} ms")

    def set_servers(**opts):
        for name in ("shard1", "shard2"):
            for key, val in opts.items():
                have = coord.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_foreign_server, unnest(srvoptions) o "
                    "WHERE srvname = %s AND o LIKE %s)", (name, key + "=%")).fetchone()[0]
                if val is None:
                    if have:
                        coord.execute(f"ALTER SERVER {name} OPTIONS (DROP {key})")
                else:
                    coord.execute(f"ALTER SERVER {name} OPTIONS ({'SET' if have else 'ADD'} {key} '{val}')")

    knn = "SELECT id FROM items ORDER BY embedding <-> %s::vector LIMIT {k}"
    per_shard = ("SELECT id FROM ("
                 "(SELECT id, embedding <-> %(q)s::vector AS d FROM items_shard1 "
                 "ORDER BY embedding <-> %(q)s::vector LIMIT {k}) UNION ALL "
                 "(SELECT id, embedding <-> %(q)s::vector AS d FROM items_shard2 "
                 "ORDER BY embedding <-> %(q)s::vector LIMIT {k})) s ORDER BY d LIMIT {k}")
    filtered = "SELECT id FROM {table} WHERE category = %s ORDER BY embedding <-> %s::vector LIMIT 10"
    qtenant = np.random.default_rng(args.seed + 2).integers(0, 10, len(qs))
    tenant_params = [(int(t), q) for t, q in zip(qtenant, qtext)]
    gt_tenant = np.empty((len(qs), 10), dtype=np.int64)
    for t in range(10):
        ids = np.flatnonzero(cat == t)
        sel = np.flatnonzero(qtenant == t)
        if len(sel):
            gt_tenant[sel] = ids[exact_knn(base[ids], qs[sel], 10)]
    per_shard_async = ("WITH c AS MATERIALIZED ("
                       "(SELECT id, embedding <-> %(q)s::vector AS d FROM items_shard1 "
                       "ORDER BY embedding <-> %(q)s::vector LIMIT {k}) UNION ALL "
                       "(SELECT id, embedding <-> %(q)s::vector AS d FROM items_shard2 "
                       "ORDER BY embedding <-> %(q)s::vector LIMIT {k})) "
                       "SELECT id FROM c ORDER BY d LIMIT {k}")

    log("single server")
    for k in (1, 10, 100):
        measure("single server", single, knn.format(k=k), k)
    single.execute("SET omenhnsw.ef_search = 100")
    measure("single server", single, knn.format(k=10), 10, ef=100)
    single.execute("RESET omenhnsw.ef_search")

    # Ten tenants (the category, 10% of the rows each): one index and a filter, against a table
    # partitioned by tenant with an index per partition (the query prunes to one partition).
    single.execute("CREATE TABLE items_by_tenant (LIKE items) PARTITION BY LIST (category)")
    for t in range(10):
        single.execute(f"CREATE TABLE items_tenant_{t} PARTITION OF items_by_tenant FOR VALUES IN ({t})")
    single.execute("INSERT INTO items_by_tenant SELECT * FROM items")
    single.execute("CREATE INDEX ON items_by_tenant USING omenhnsw (embedding vector_l2_ops)")
    single.execute("VACUUM ANALYZE items_by_tenant")
    measure("single server, WHERE category = $2", single, filtered.format(table="items"), 10,
            params=tenant_params, truth=gt_tenant)
    measure("single server, partition per tenant", single, filtered.format(table="items_by_tenant"), 10,
            params=tenant_params, truth=gt_tenant)

    log("coordinator, Merge Append (ORDER BY shipped, LIMIT not)")
    for k in (1, 10, 100):
        measure("coordinator", coord, knn.format(k=k), k, fetch="100")
    for fetch in (10, 50, 1000):
        set_servers(fetch_size=str(fetch))
        measure("coordinator", coord, knn.format(k=10), 10, fetch=str(fetch))
    set_servers(fetch_size="10")
    measure("coordinator", coord, knn.format(k=100), 100, fetch="10")
    set_servers(fetch_size=None, options="-c omenhnsw.ef_search=100")
    measure("coordinator", coord, knn.format(k=10), 10, fetch="100", ef=100)
    # with remote estimates the coordinator asks each shard to EXPLAIN the ordered query without
    # a LIMIT, gets a sort over a sequential scan, and pulls every row instead: 20 queries, 1 pass
    set_servers(options=None, use_remote_estimate="true")
    measure("coordinator, use_remote_estimate", coord, knn.format(k=10), 10, fetch="100",
            params=positional[:20], truth=gt[:20], passes=1)
    set_servers(use_remote_estimate=None)
    measure("coordinator, WHERE category = $2", coord, filtered.format(table="items"), 10, fetch="100",
            params=tenant_params, truth=gt_tenant)
    set_servers(fetch_size="10")
    measure("coordinator, WHERE category = $2", coord, filtered.format(table="items"), 10, fetch="10",
            params=tenant_params, truth=gt_tenant)
    set_servers(fetch_size=None)

    log("coordinator, per-shard subqueries (ORDER BY and LIMIT shipped)")
    # the per-shard form names the query vector four times: a named parameter
    for k in (10, 100):
        measure("coordinator, per-shard LIMIT", coord, per_shard.format(k=k), k, fetch="100", params=named)
    # the same inside a materialized CTE: a plain Append, which runs the shards concurrently when
    # the servers are async_capable (a Merge Append reads them one after the other)
    set_servers(async_capable="true")
    for k in (10, 100):
        measure("coordinator, per-shard LIMIT, async", coord, per_shard_async.format(k=k), k, fetch="100",
                params=named)
    set_servers(async_capable=None)

    print()
    print(f"{args.rows} x {args.dim}, {args.queries} queries, one client; ef = omenhnsw.ef_search "
          f"(on the shards for the coordinator); fetch = postgres_fdw fetch_size")
    print()
    print("| setup | LIMIT | fetch_size | ef_search | recall | QPS | p50 ms |")
    print("|---|---|---|---|---|---|---|")
    for label, k, fetch, ef, rec, qps, p50, short in rows:
        note = f" ({short} short)" if short else ""
        print(f"| {label} | {k} | {fetch or '-'} | {ef} | {rec:.3f}{note} | {qps:,.0f} | {p50:.2f} |")


if __name__ == "__main__":
    main()
