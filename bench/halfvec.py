#!/usr/bin/python3
"""halfvec.py: halfvec against vector indexes, and a sparsevec index, OmenDB beside pgvector.

Run by bench/halfvec.sh, which starts a throwaway cluster and creates two databases: one with
CREATE EXTENSION omendb, one with pgvector's CREATE EXTENSION vector (both define a type named
vector, so they cannot share a database).  For each extension and each set it loads the same rows,
builds the index with the default options (m 16, ef_construction 64; maintenance_work_mem 2GB,
max_parallel_maintenance_workers 1) and measures build time, index size, and recall@10 / QPS per
ef_search (one client, prepared statement, median of the passes after a warm-up), from which it
interpolates the QPS at recall 0.95.

  dense:  generated clustered vectors (bench/omenbench.py's synth generator, seed 42), L2, the same
          rows stored as vector(768) and as halfvec(768); ground truth exact in float64 on the
          float32 rows for vector and on the half-rounded rows for halfvec.
  sparse: seeded clustered sparse vectors (a topic model: each row takes most of its non-zero
          indices from one of 200 topics, values in [0.1, 1.1)), sparsevec(4096), inner product,
          ground truth exact in float64.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from omenbench import exact_knn, log, qps_at_recall, recall, run_queries, synthetic  # noqa: E402


def vtext(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def stext(idx, val, dim):
    return "{" + ",".join(f"{i + 1}:{float(v)!r}" for i, v in zip(idx, val)) + "}/" + str(dim)


def sparse_set(n, nq, dim, nnz, seed):
    rng = np.random.default_rng(seed)
    topics = [rng.choice(dim, 120, replace=False) for _ in range(200)]

    def draw(m):
        rows = []
        for _ in range(m):
            t = topics[rng.integers(len(topics))]
            idx = np.unique(np.concatenate([rng.choice(t, int(nnz * 0.8), replace=False),
                                            rng.choice(dim, nnz - int(nnz * 0.8), replace=False)]))
            rows.append((idx, (0.1 + rng.random(len(idx))).astype(np.float32)))
        return rows

    return draw(n), draw(nq)


def densify(rows, dim):
    out = np.zeros((len(rows), dim), dtype=np.float32)
    for r, (idx, val) in enumerate(rows):
        out[r, idx] = val
    return out


SESSION_SETTINGS = {"omendb": [], "pgvector": []}


def connect(db, ext):
    conn = psycopg.connect(dbname=db, autocommit=True)
    conn.execute("SET jit = off")
    for kv in SESSION_SETTINGS[ext]:
        name, value = kv.split("=", 1)
        conn.execute(f"SET {name} = '{value}'")
    return conn


def measure(conn, ext, table, column, opclass, op, cast, qtexts, gt, efs, passes):
    am = "omenhnsw" if ext == "omendb" else "hnsw"
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute("SET max_parallel_maintenance_workers = 1")
    idx = f"{table}_{column}_idx"
    t0 = time.perf_counter()
    conn.execute(f"CREATE INDEX {idx} ON {table} USING {am} ({column} {opclass})")
    build = time.perf_counter() - t0
    size = conn.execute("SELECT pg_relation_size(%s)", (idx,)).fetchone()[0] / 1e6
    conn.execute(f"VACUUM ANALYZE {table}")
    conn.execute("SET enable_seqscan = off")  # small runs: pgvector's estimate prefers a sort
    sql = f"SELECT id FROM {table} ORDER BY {column} {op} %s::{cast} LIMIT 10"
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (COSTS OFF) " + sql.replace("%s", "'" + qtexts[0] + "'")))
    assert idx in plan, plan
    guc = "omenhnsw.ef_search" if ext == "omendb" else "hnsw.ef_search"
    points = []
    for ef in efs:
        conn.execute(f"SET {guc} = {ef}")
        res, qps, p50, p99 = run_queries(conn, sql, [(q,) for q in qtexts], passes)
        r = recall(res, gt)
        points.append({"ef_search": ef, "recall": r, "qps": qps, "p50_ms": p50, "p99_ms": p99})
        log(f"    {ext} {column}: ef_search {ef}: recall@10 {r:.3f}, {qps:.0f} QPS, p50 {p50:.2f} ms")
    conn.execute(f"RESET {guc}")
    conn.execute("RESET enable_seqscan")
    conn.execute(f"DROP INDEX {idx}")
    out = {"build_s": build, "index_mb": size, "points": points, "qps_at_095": qps_at_recall(points, 0.95)}
    log(f"  {ext} {column} ({opclass}): build {build:.1f} s, index {size:.1f} MB, "
        f"QPS at recall 0.95: {out['qps_at_095'] or 0:.0f}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--dim", type=int, default=768)
    ap.add_argument("--sparse-rows", type=int, default=20000)
    ap.add_argument("--sparse-dim", type=int, default=4096)
    ap.add_argument("--sparse-nnz", type=int, default=50)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--ef", default="10,20,40,80,160")
    ap.add_argument("--skip-dense", action="store_true")
    ap.add_argument("--skip-sparse", action="store_true")
    ap.add_argument("--only", choices=["omendb", "pgvector"], help="measure one extension only")
    ap.add_argument("--omendb-set", action="append", default=[], metavar="GUC=VALUE",
                    help="a setting for OmenDB's query sessions (repeatable)")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "halfvec.json"))
    args = ap.parse_args()
    efs = [int(x) for x in args.ef.split(",")]
    SESSION_SETTINGS["omendb"] = args.omendb_set
    exts = [e for e in (("omendb", "bench_omendb"), ("pgvector", "bench_pgvector")) if args.only in (None, e[0])]
    results = {"args": vars(args), "dense": {}, "sparse": {}}

    if not args.skip_dense:
        log(f"dense: generating {args.rows} x {args.dim}")
        base, queries, _ = synthetic(args.rows, args.dim, args.queries, seed=42)
        half = base.astype(np.float16).astype(np.float32)
        qhalf = queries.astype(np.float16).astype(np.float32)
        gt_v = exact_knn(base, queries, 10, "l2")
        gt_h = exact_knn(half, qhalf, 10, "l2")
        qt = [vtext(q) for q in queries]
        for ext, db in exts:
            conn = connect(db, ext)
            conn.execute("DROP TABLE IF EXISTS dense")
            conn.execute(f"CREATE TABLE dense (id int, v vector({args.dim}), h halfvec({args.dim}))")
            t0 = time.perf_counter()
            with conn.cursor() as cur, cur.copy("COPY dense (id, v, h) FROM STDIN") as cp:
                for i in range(args.rows):
                    t = vtext(base[i])
                    cp.write_row((i, t, t))
            log(f"  {ext}: COPY {args.rows} rows in {time.perf_counter() - t0:.1f} s")
            conn.execute("VACUUM ANALYZE dense")
            results["dense"][ext] = {
                "vector": measure(conn, ext, "dense", "v", "vector_l2_ops", "<->", "vector", qt, gt_v, efs, args.passes),
                "halfvec": measure(conn, ext, "dense", "h", "halfvec_l2_ops", "<->", f"halfvec({args.dim})", qt, gt_h,
                                   efs, args.passes),
            }
            conn.execute("DROP TABLE dense")
            conn.close()

    if not args.skip_sparse:
        log(f"sparse: generating {args.sparse_rows} x {args.sparse_dim}, ~{args.sparse_nnz} non-zeros")
        rows, qrows = sparse_set(args.sparse_rows, args.queries, args.sparse_dim, args.sparse_nnz, seed=7)
        gt = exact_knn(densify(rows, args.sparse_dim), densify(qrows, args.sparse_dim), 10, "ip")
        qt = [stext(i, v, args.sparse_dim) for i, v in qrows]
        for ext, db in exts:
            conn = connect(db, ext)
            conn.execute("DROP TABLE IF EXISTS sparse")
            conn.execute(f"CREATE TABLE sparse (id int, s sparsevec({args.sparse_dim}))")
            with conn.cursor() as cur, cur.copy("COPY sparse (id, s) FROM STDIN") as cp:
                for i, (idx, val) in enumerate(rows):
                    cp.write_row((i, stext(idx, val, args.sparse_dim)))
            conn.execute("VACUUM ANALYZE sparse")
            results["sparse"][ext] = measure(conn, ext, "sparse", "s", "sparsevec_ip_ops", "<#>", "sparsevec", qt, gt,
                                             efs, args.passes)
            conn.execute("DROP TABLE sparse")
            conn.close()

    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)

    def row(name, o, p):
        ratio = lambda a, b: f"{a / b:.2f}x" if a and b else "-"  # noqa: E731
        print(f"| {name} | {o['build_s']:.1f} s / {p['build_s']:.1f} s ({ratio(o['build_s'], p['build_s'])}) | "
              f"{o['index_mb']:.1f} MB / {p['index_mb']:.1f} MB ({ratio(o['index_mb'], p['index_mb'])}) | "
              f"{o['qps_at_095'] or 0:.0f} / {p['qps_at_095'] or 0:.0f} ({ratio(o['qps_at_095'], p['qps_at_095'])}) |")

    print()
    print("| set | build: OmenDB / pgvector | index size | QPS at recall@10 0.95 |")
    print("|---|---|---|---|")
    for kind in ("vector", "halfvec"):
        if results["dense"] and len(exts) == 2:
            row(f"{args.rows} x {args.dim} {kind} (L2)", results["dense"]["omendb"][kind],
                results["dense"]["pgvector"][kind])
    if results["sparse"] and len(exts) == 2:
        row(f"{args.sparse_rows} x {args.sparse_dim} sparsevec (ip, ~{args.sparse_nnz} nnz)",
            results["sparse"]["omendb"], results["sparse"]["pgvector"])
    print()
    for sec in ("dense", "sparse"):
        for ext, v in results[sec].items():
            for kind, o in (v.items() if sec == "dense" else [("sparsevec", v)]):
                pts = ", ".join(f"ef {p['ef_search']}: {p['recall']:.3f}/{p['qps']:.0f}" for p in o["points"])
                print(f"{ext} {kind}: recall/QPS {pts}")


if __name__ == "__main__":
    main()
