#!/usr/bin/python3
"""omenbench: the OmenDB benchmark suite.

Runs against the PostgreSQL server named by the libpq environment (PGHOST, PGPORT, ...); use
bench/run.sh, which starts a throwaway cluster with the settings of ../shared/ANCHORS.md and calls
this script.  For every data set it measures, in one run and on the same data:

  - data load (COPY, text format) rate;
  - the exact scan (no index): QPS, the ground truth's own check;
  - CREATE INDEX ... USING omenhnsw with the default options: time, backend peak memory, index size;
  - recall@10, QPS, p50/p99 latency per omenhnsw.ef_search (one client, prepared statement);
  - filtered queries (WHERE cat = $2) at 10% and 1% selectivity: recall@10 against the filtered
    ground truth, mean rows returned, QPS;
  - inserts into the indexed table: one connection, 100 rows per INSERT; pgbench with 2 clients,
    one row per transaction (bench/pgbench_insert.sql); WAL bytes per inserted row;
  - hnswlib in-process (python3-hnswlib, same M and ef_construction): build time, recall and QPS.

It prints a table with ratios against the exact scan, hnswlib and the pgvector figures of
../shared/ANCHORS.md, writes JSON, and plots recall against QPS (PNG).
"""

import argparse
import json
import os
import platform
import struct
import subprocess
import sys
import time

import numpy as np
import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))

# pgvector 0.8.6 HNSW (m=16, ef_construction=64) figures from ../shared/ANCHORS.md, measured on a
# machine like this one with the same harness.  They are the reference the ratios are taken against;
# the midpoint of each reported range is used.
ANCHORS = {
    "synth-100k-128": {
        "build_s": 12.5, "index_mb": 79.4,
        "qps_at": {40: (0.944, 1640), 80: (0.979, 1370), 120: (0.992, 1170)},
        "insert_rows_s": 975, "pgbench_tps": 1400,
    },
    "siftsmall": {"build_s": 1.6, "index_mb": 7.9, "qps_at": {40: (0.99, 2150)}},
    "mnist-784-10k": {"build_s": 2.6, "index_mb": 35.2, "qps_at": {40: (0.998, 1590)}},
    "glove-50-10k": {"build_s": 1.8, "index_mb": 4.4, "qps_at": {40: (0.997, 2200)}},
    "synth-100k-768": {
        "build_s": 45.3, "index_mb": 390.6,
        "qps_at": {40: (0.926, 818), 80: (0.959, 558), 120: (0.988, 502)},
    },
    "synth-1m-128": {
        "build_s": 211.8, "index_mb": 793.8,
        "qps_at": {40: (0.945, 774), 80: (0.968, 533), 200: (0.990, 296)},
    },
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------------------------------------
# Data sets
# ------------------------------------------------------------------------------------------------
def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.uint8)
    dim = struct.unpack("<i", raw[:4].tobytes())[0]
    width = 4 + dim * np.dtype(dtype).itemsize
    rows = raw.reshape(-1, width)[:, 4:]
    return np.ascontiguousarray(rows).view(dtype).reshape(-1, dim)


def synthetic(n, dim, nq, seed, extra=0):
    """Gaussian clusters with decaying per-dimension scale and a random rotation, as the shared
    synth set was made (../shared/data/README.md), so figures are comparable."""
    rng = np.random.default_rng(seed)
    k = 100
    centres = rng.standard_normal((k, dim)).astype(np.float32)
    scale = (1.0 + np.arange(dim)) ** -0.7
    scale = scale / np.sqrt(np.mean(scale ** 2))
    q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))

    def draw(m):
        out = np.empty((m, dim), dtype=np.float32)
        for s in range(0, m, 50000):
            e = min(m, s + 50000)
            lab = rng.integers(0, k, e - s)
            pts = rng.standard_normal((e - s, dim)) * scale
            out[s:e] = ((pts @ q.T) + centres[lab]).astype(np.float32)
        return out

    return draw(n), draw(nq), (draw(extra) if extra else None)


def exact_knn(base, queries, k, metric, mask=None):
    """Brute-force top-k ids (float64 distances), in blocks to bound memory."""
    b = base.astype(np.float64)
    ids_all = np.arange(len(base))
    if mask is not None:
        b = b[mask]
        ids_all = ids_all[mask]
    if metric == "cosine":
        b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-30)
    bn = (b ** 2).sum(1)
    out = np.empty((len(queries), k), dtype=np.int64)
    for s in range(0, len(queries), 100):
        q = queries[s:s + 100].astype(np.float64)
        if metric == "cosine":
            q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-30)
            d = -(q @ b.T)
        elif metric == "ip":
            d = -(q @ b.T)
        else:
            d = bn[None, :] - 2 * (q @ b.T)
        kk = min(k, d.shape[1])
        part = np.argpartition(d, kk - 1, axis=1)[:, :kk]
        order = np.take_along_axis(d, part, 1).argsort(1, kind="stable")
        out[s:s + 100, :kk] = ids_all[np.take_along_axis(part, order, 1)]
    return out


def load_set(name, args):
    """Returns dict(name, metric, base, queries, gt (k=10 ids), extra)."""
    d = os.path.join(args.shared, name) if args.shared else None
    if name == "synth-100k-128" and d and os.path.isdir(d):
        base = read_vecs(os.path.join(d, "synth-100k-128_base.fvecs"), np.float32)
        queries = read_vecs(os.path.join(d, "synth-100k-128_query.fvecs"), np.float32)
        gt = read_vecs(os.path.join(d, "synth-100k-128_groundtruth.ivecs"), np.int32)[:, :10]
        extra = read_vecs(os.path.join(d, "synth-100k-128_extra.fvecs"), np.float32)
        return dict(name=name, metric="l2", base=base, queries=queries, gt=gt, extra=extra, source="shared")
    if name == "siftsmall" and d and os.path.isdir(d):
        base = read_vecs(os.path.join(d, "siftsmall_base.fvecs"), np.float32)
        queries = read_vecs(os.path.join(d, "siftsmall_query.fvecs"), np.float32)
        gt = read_vecs(os.path.join(d, "siftsmall_groundtruth.ivecs"), np.int32)[:, :10]
        return dict(name=name, metric="l2", base=base, queries=queries, gt=gt, extra=None, source="shared")
    if name == "mnist-784-10k" and d and os.path.isdir(d):
        base = read_vecs(os.path.join(d, "mnist-784-10k_base.bvecs"), np.uint8).astype(np.float32)
        queries = read_vecs(os.path.join(d, "mnist-784-10k_query.bvecs"), np.uint8).astype(np.float32)
        gt = read_vecs(os.path.join(d, "mnist-784-10k_groundtruth.ivecs"), np.int32)[:, :10]
        return dict(name=name, metric="l2", base=base, queries=queries, gt=gt, extra=None, source="shared")
    if name == "glove-50-10k" and d and os.path.isdir(d):
        base = read_vecs(os.path.join(d, "glove-50-10k_base.fvecs"), np.float32)
        queries = read_vecs(os.path.join(d, "glove-50-10k_query.fvecs"), np.float32)
        gt = read_vecs(os.path.join(d, "glove-50-10k_groundtruth.ivecs"), np.int32)[:, :10]
        return dict(name=name, metric="cosine", base=base, queries=queries, gt=gt, extra=None, source="shared")
    shapes = {"synth-100k-128": (100000, 128), "synth-100k-768": (100000, 768),
              "synth-1m-128": (1000000, 128), "synth-20k-128": (20000, 128)}
    if name not in shapes:
        return None
    n, dim = shapes[name]
    log(f"{name}: generating {n} x {dim} (seeded) and exact ground truth")
    base, queries, extra = synthetic(n, dim, args.queries, seed=42, extra=min(20000, n // 5))
    gt = exact_knn(base, queries, 10, "l2")
    return dict(name=name, metric="l2", base=base, queries=queries, gt=gt, extra=extra, source="generated")


# ------------------------------------------------------------------------------------------------
# PostgreSQL side
# ------------------------------------------------------------------------------------------------
OPS = {"l2": ("<->", "vector_l2_ops"), "cosine": ("<=>", "vector_cosine_ops"), "ip": ("<#>", "vector_ip_ops")}


def vec_text(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def connect():
    conn = psycopg.connect("", autocommit=True)
    conn.execute("SET jit = off")
    return conn


def backend_peak_kb(conn):
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def load_table(conn, ds, cat_seed=7):
    n, dim = ds["base"].shape
    rng = np.random.default_rng(cat_seed)
    # uniform random categories: cat10 gives 10% selectivity, cat100 gives 1%
    ds["cat10"] = rng.integers(0, 10, n)
    ds["cat100"] = rng.integers(0, 100, n)
    conn.execute("DROP TABLE IF EXISTS items")
    conn.execute(f"CREATE TABLE items (id int, cat10 int, cat100 int, embedding vector({dim}))")
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        with cur.copy("COPY items (id, cat10, cat100, embedding) FROM STDIN") as cp:
            for i in range(n):
                cp.write_row((i, int(ds["cat10"][i]), int(ds["cat100"][i]), vec_text(ds["base"][i])))
                if i and i % 50000 == 0:
                    log(f"  COPY {i}/{n}")
    dt = time.perf_counter() - t0
    conn.execute("CREATE INDEX ON items (cat10)")
    conn.execute("CREATE INDEX ON items (cat100)")
    conn.execute("VACUUM ANALYZE items")
    size = conn.execute("SELECT pg_relation_size('items')").fetchone()[0]
    return {"copy_s": dt, "copy_rows_s": n / dt, "table_mb": size / 1e6}


def run_queries(conn, sql, params_list, passes):
    """Runs the prepared statement over every parameter tuple; returns (results, qps, p50, p99)
    from the median pass (after one warm-up pass)."""
    cur = conn.cursor()
    results = None
    pass_stats = []
    for p in range(passes + 1):
        lat = np.empty(len(params_list))
        res = []
        t0 = time.perf_counter()
        for i, params in enumerate(params_list):
            s = time.perf_counter()
            cur.execute(sql, params, prepare=True)
            res.append([r[0] for r in cur.fetchall()])
            lat[i] = time.perf_counter() - s
        total = time.perf_counter() - t0
        if p == 0:
            results = res
            continue
        pass_stats.append((len(params_list) / total, np.percentile(lat, 50) * 1e3, np.percentile(lat, 99) * 1e3))
    pass_stats.sort()
    qps, p50, p99 = pass_stats[len(pass_stats) // 2]
    return results, qps, p50, p99


def recall(results, gt, k=10):
    hits = 0
    total = 0
    for r, g in zip(results, gt):
        g = [x for x in g[:k] if x >= 0]
        hits += len(set(r[:k]) & set(g))
        total += len(g)
    return hits / max(total, 1)


def bench_pg(ds, args, out):
    op, opclass = OPS[ds["metric"]]
    conn = connect()
    conn.execute("CREATE EXTENSION IF NOT EXISTS omendb")
    n = len(ds["base"])
    log(f"{ds['name']}: COPY {n} rows")
    out["load"] = load_table(conn, ds)
    log(f"  {out['load']['copy_rows_s']:.0f} rows/s, table {out['load']['table_mb']:.1f} MB")

    nq = min(args.queries, len(ds["queries"]))
    qtext = [vec_text(q) for q in ds["queries"][:nq]]
    gt = ds["gt"][:nq]
    knn_sql = f"SELECT id FROM items ORDER BY embedding {op} %s::vector LIMIT 10"

    # exact scan
    conn.execute("SET enable_indexscan = off")
    conn.execute("SET max_parallel_workers_per_gather = 0")
    ne = min(nq, args.exact_queries)
    log(f"  exact scan: {ne} queries")
    res, qps, p50, p99 = run_queries(conn, knn_sql, [(q,) for q in qtext[:ne]], passes=1)
    out["exact"] = {"recall": recall(res, gt[:ne]), "qps": qps, "p50_ms": p50, "p99_ms": p99}
    conn.execute("RESET enable_indexscan")
    conn.execute("RESET max_parallel_workers_per_gather")

    # index build with the default options
    log("  CREATE INDEX ... USING omenhnsw (default options)")
    conn.execute("SET maintenance_work_mem = '2GB'")
    t0 = time.perf_counter()
    conn.execute(f"CREATE INDEX items_embedding_idx ON items USING omenhnsw (embedding {opclass})")
    build_s = time.perf_counter() - t0
    peak_kb = backend_peak_kb(conn)
    isize = conn.execute("SELECT pg_relation_size('items_embedding_idx')").fetchone()[0]
    out["build"] = {"seconds": build_s, "backend_peak_mb": (peak_kb or 0) / 1024, "index_mb": isize / 1e6,
                    "options": conn.execute("SELECT reloptions FROM pg_class WHERE relname = 'items_embedding_idx'").fetchone()[0]}
    log(f"  build {build_s:.2f} s, index {isize / 1e6:.1f} MB")
    conn.execute("VACUUM ANALYZE items")

    # recall / QPS per ef_search
    out["ef"] = []
    for ef in args.ef:
        conn.execute(f"SET omenhnsw.ef_search = {ef}")
        res, qps, p50, p99 = run_queries(conn, knn_sql, [(q,) for q in qtext], passes=args.passes)
        r = recall(res, gt)
        out["ef"].append({"ef_search": ef, "recall": r, "qps": qps, "p50_ms": p50, "p99_ms": p99})
        log(f"  ef_search {ef}: recall@10 {r:.3f}, {qps:.0f} QPS, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    plan = conn.execute("EXPLAIN (COSTS OFF) " + knn_sql.replace("%s", "'" + qtext[0] + "'")).fetchall()
    out["plan"] = [r[0] for r in plan]
    conn.execute("RESET omenhnsw.ef_search")

    # filtered queries
    out["filtered"] = []
    nf = min(nq, args.filter_queries)
    for col, sel in (("cat10", "10%"), ("cat100", "1%")):
        cats = np.random.default_rng(11).integers(0, 10 if col == "cat10" else 100, nf)
        fgt = [exact_knn(ds["base"], ds["queries"][i:i + 1], 10, ds["metric"], ds[col] == cats[i])[0]
               for i in range(nf)]
        fsql = f"SELECT id FROM items WHERE {col} = %s ORDER BY embedding {op} %s::vector LIMIT 10"
        res, qps, p50, p99 = run_queries(conn, fsql, [(int(cats[i]), qtext[i]) for i in range(nf)], passes=args.passes)
        rows = float(np.mean([len(r) for r in res]))
        r = recall(res, fgt)
        fplan = conn.execute("EXPLAIN (COSTS OFF) " + fsql.replace("%s", str(int(cats[0])), 1).replace("%s", "'" + qtext[0] + "'")).fetchall()
        uses_index = any("items_embedding_idx" in p[0] for p in fplan)
        out["filtered"].append({"selectivity": sel, "recall": r, "mean_rows": rows, "qps": qps,
                                "p99_ms": p99, "plan_uses_omenhnsw": uses_index})
        log(f"  filtered {sel}: recall@10 {r:.3f}, rows {rows:.1f}, {qps:.0f} QPS "
            f"({'omenhnsw scan' if uses_index else 'planner chose another path'})")

    # inserts
    if ds["extra"] is not None and not args.skip_inserts:
        extra = ds["extra"]
        m = min(len(extra), args.insert_rows)
        wal0 = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        t0 = time.perf_counter()
        cur = conn.cursor()
        for s in range(0, m, 100):
            rows = [(n + i, 0, 0, vec_text(extra[i])) for i in range(s, min(m, s + 100))]
            args_sql = ",".join(["(%s,%s,%s,%s::vector)"] * len(rows))
            cur.execute("INSERT INTO items (id, cat10, cat100, embedding) VALUES " + args_sql,
                        [x for r in rows for x in r])
        dt = time.perf_counter() - t0
        wal1 = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        walbytes = conn.execute("SELECT pg_wal_lsn_diff(%s, %s)", (wal1, wal0)).fetchone()[0]
        out["insert"] = {"rows": m, "rows_s": m / dt, "wal_bytes_per_row": float(walbytes) / m}
        log(f"  inserts (1 connection, 100 rows per INSERT): {m / dt:.0f} rows/s, {float(walbytes) / m:.0f} WAL bytes/row")
        # pgbench, 2 clients, 1 row per transaction
        dim = ds["base"].shape[1]
        cmd = ["pgbench", "-n", "-c", "2", "-j", "2", "-T", str(args.pgbench_seconds),
               "-D", f"dim={dim}", "-f", os.path.join(HERE, "pgbench_insert.sql")]
        p = subprocess.run(cmd, capture_output=True, text=True)
        tps = None
        for line in p.stdout.splitlines():
            if line.startswith("tps = "):
                tps = float(line.split()[2])
        out["pgbench_insert"] = {"clients": 2, "tps": tps, "seconds": args.pgbench_seconds}
        if tps is None:
            log("  pgbench failed: " + p.stderr.strip()[-500:])
        else:
            log(f"  pgbench inserts, 2 clients: {tps:.0f} tps")
        conn.execute("VACUUM ANALYZE items")
    conn.close()


def bench_hnswlib(ds, args, out):
    try:
        import hnswlib
    except ImportError:
        out["hnswlib"] = None
        return
    space = {"l2": "l2", "cosine": "cosine", "ip": "ip"}[ds["metric"]]
    n, dim = ds["base"].shape
    out["hnswlib"] = {"build": {}, "ef": []}
    idx = None
    for threads in (1, 2):
        idx = hnswlib.Index(space=space, dim=dim)
        idx.init_index(max_elements=n, M=16, ef_construction=64, random_seed=100)
        idx.set_num_threads(threads)
        t0 = time.perf_counter()
        idx.add_items(ds["base"], np.arange(n))
        out["hnswlib"]["build"][f"{threads}_threads_s"] = time.perf_counter() - t0
        log(f"  hnswlib build, {threads} thread(s): {out['hnswlib']['build'][f'{threads}_threads_s']:.2f} s")
    idx.set_num_threads(1)
    nq = min(args.queries, len(ds["queries"]))
    qs = ds["queries"][:nq]
    for ef in args.ef:
        idx.set_ef(max(ef, 10))
        idx.knn_query(qs[:50], k=10)
        t0 = time.perf_counter()
        res = [idx.knn_query(q, k=10)[0][0].tolist() for q in qs]
        dt = time.perf_counter() - t0
        r = recall(res, ds["gt"][:nq])
        out["hnswlib"]["ef"].append({"ef_search": ef, "recall": r, "qps": nq / dt})
        log(f"  hnswlib ef {ef}: recall@10 {r:.3f}, {nq / dt:.0f} QPS")


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------
def qps_at_recall(points, target):
    """QPS at a recall target, interpolated between measured (recall, qps) points; None if never
    reached."""
    pts = sorted((p["recall"], p["qps"]) for p in points)
    best = None
    for (r0, q0), (r1, q1) in zip(pts, pts[1:]):
        if r0 <= target <= r1 and r1 > r0:
            q = q0 + (q1 - q0) * (target - r0) / (r1 - r0)
            best = q if best is None else max(best, q)
    for r, q in pts:
        if r >= target:
            best = q if best is None else max(best, q)
    return best


def fmt(x, spec="{:.2f}"):
    return "-" if x is None else spec.format(x)


def report(results):
    print()
    print("=" * 100)
    print("OmenDB benchmark: " + results["machine"])
    print("=" * 100)
    for r in results["sets"]:
        name = r["name"]
        a = ANCHORS.get(name, {})
        print(f"\n{name}  ({r['n']} x {r['dim']}, {r['metric']}, data {r['source']})")
        print(f"  COPY load                 {r['load']['copy_rows_s']:,.0f} rows/s; table {r['load']['table_mb']:.1f} MB")
        b = r["build"]
        h = r.get("hnswlib") or {}
        hb = (h.get("build") or {})
        line = f"  CREATE INDEX              {b['seconds']:.2f} s, backend peak {b['backend_peak_mb']:.0f} MB"
        if hb.get("2_threads_s"):
            line += f"; hnswlib 2 threads {hb['2_threads_s']:.2f} s (ratio omen/hnswlib {b['seconds'] / hb['2_threads_s']:.2f})"
        if a.get("build_s"):
            line += f"; pgvector {a['build_s']} s (omen is {a['build_s'] / b['seconds']:.2f}x faster)"
        print(line)
        line = f"  index size                {b['index_mb']:.1f} MB"
        if a.get("index_mb"):
            line += f"; pgvector {a['index_mb']} MB (ratio {b['index_mb'] / a['index_mb']:.3f})"
        print(line)
        ex = r["exact"]
        print(f"  exact scan                {ex['qps']:.1f} QPS, recall {ex['recall']:.3f} (check of the ground truth)")
        print(f"  {'ef_search':>9} {'recall@10':>9} {'QPS':>8} {'p50 ms':>7} {'p99 ms':>7} {'x exact':>8} {'hnswlib r/QPS':>16} {'pgvector r/QPS':>16}")
        hef = {p["ef_search"]: p for p in (h.get("ef") or [])}
        for p in r["ef"]:
            hp = hef.get(p["ef_search"])
            ap = (a.get("qps_at") or {}).get(p["ef_search"])
            hs = "%.3f/%.0f" % (hp["recall"], hp["qps"]) if hp else "-"
            ps = "%.3f/%d" % (ap[0], ap[1]) if ap else "-"
            print(f"  {p['ef_search']:>9} {p['recall']:>9.3f} {p['qps']:>8.0f} {p['p50_ms']:>7.2f} {p['p99_ms']:>7.2f} "
                  f"{p['qps'] / ex['qps']:>8.0f} {hs:>16} {ps:>16}")
        for target in (0.9, 0.95):
            oq = qps_at_recall(r["ef"], target)
            hq = qps_at_recall(h.get("ef") or [], target)
            aq = qps_at_recall([{"recall": v[0], "qps": v[1]} for v in (a.get("qps_at") or {}).values()], target)
            s = f"  QPS at recall {target:.2f}: omenhnsw {fmt(oq, '{:.0f}')}"
            if hq:
                s += f", hnswlib {hq:.0f}" + (f" (ratio {oq / hq:.2f})" if oq else "")
            if aq:
                s += f", pgvector {aq:.0f}" + (f" (ratio {oq / aq:.2f})" if oq else "")
            print(s)
        for f in r.get("filtered", []):
            print(f"  filtered {f['selectivity']:>4}: recall@10 {f['recall']:.3f}, mean rows {f['mean_rows']:.1f}, "
                  f"{f['qps']:.0f} QPS, p99 {f['p99_ms']:.2f} ms "
                  f"({'omenhnsw scan' if f['plan_uses_omenhnsw'] else 'planner chose an exact path'})")
        if r.get("insert"):
            s = f"  inserts                   {r['insert']['rows_s']:.0f} rows/s (1 connection, 100 rows/INSERT), {r['insert']['wal_bytes_per_row']:.0f} WAL bytes/row"
            if a.get("insert_rows_s"):
                s += f"; pgvector {a['insert_rows_s']} rows/s (ratio {r['insert']['rows_s'] / a['insert_rows_s']:.2f})"
            print(s)
        if r.get("pgbench_insert") and r["pgbench_insert"]["tps"]:
            s = f"  pgbench inserts           {r['pgbench_insert']['tps']:.0f} tps (2 clients, 1 row/transaction)"
            if a.get("pgbench_tps"):
                s += f"; pgvector {a['pgbench_tps']} tps (ratio {r['pgbench_insert']['tps'] / a['pgbench_tps']:.2f})"
            print(s)


def plot(results, path):
    try:
        import matplotlib
    except ImportError:
        log(f"matplotlib is not installed: no plot written to {path}")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sets = results["sets"]
    fig, axes = plt.subplots(1, len(sets), figsize=(6 * len(sets), 4.5), squeeze=False)
    for ax, r in zip(axes[0], sets):
        ax.plot([p["recall"] for p in r["ef"]], [p["qps"] for p in r["ef"]], "o-", label="omenhnsw (PostgreSQL)")
        for p in r["ef"]:
            ax.annotate(str(p["ef_search"]), (p["recall"], p["qps"]), fontsize=7, textcoords="offset points", xytext=(3, 3))
        h = r.get("hnswlib")
        if h and h.get("ef"):
            ax.plot([p["recall"] for p in h["ef"]], [p["qps"] for p in h["ef"]], "s--", label="hnswlib (in-process)")
        a = ANCHORS.get(r["name"], {}).get("qps_at")
        if a:
            pts = sorted(a.values())
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "^:", label="pgvector HNSW (ANCHORS.md)")
        ax.plot([r["exact"]["recall"]], [r["exact"]["qps"]], "kx", markersize=9, label="exact scan")
        ax.set_yscale("log")
        ax.set_xlabel("recall@10")
        ax.set_ylabel("queries per second (1 client)")
        ax.set_title(f"{r['name']} ({r['n']} x {r['dim']}, {r['metric']})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="synth-100k-128,siftsmall,glove-50-10k,mnist-784-10k",
                    help="comma-separated: synth-100k-128, synth-100k-768, synth-1m-128, synth-20k-128, "
                         "siftsmall, glove-50-10k, mnist-784-10k (shared sets are skipped when absent)")
    ap.add_argument("--shared", default=SHARED if os.path.isdir(SHARED) else None)
    ap.add_argument("--ef", default="10,20,40,80,120,200")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--exact-queries", type=int, default=100)
    ap.add_argument("--filter-queries", type=int, default=200)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--insert-rows", type=int, default=5000)
    ap.add_argument("--pgbench-seconds", type=int, default=15)
    ap.add_argument("--skip-inserts", action="store_true")
    ap.add_argument("--no-hnswlib", action="store_true")
    ap.add_argument("--quick", action="store_true", help="synth-20k-128 only, fewer queries and passes")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "latest.json"))
    ap.add_argument("--plot", default=os.path.join(HERE, "results", "recall_qps.png"))
    args = ap.parse_args()
    if args.quick:
        args.sets, args.queries, args.passes, args.filter_queries = "synth-20k-128", 200, 1, 50
        args.insert_rows, args.pgbench_seconds, args.exact_queries = 1000, 5, 20
    args.ef = [int(x) for x in args.ef.split(",")]

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    conn = connect()
    server = conn.execute("SHOW server_version").fetchone()[0]
    conn.execute("CREATE EXTENSION IF NOT EXISTS omendb")
    simd = conn.execute("SHOW omendb.simd").fetchone()[0]
    conn.close()
    results = {"machine": f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, PostgreSQL {server}, kernels {simd}, "
                          f"{time.strftime('%Y-%m-%d')}", "sets": []}
    for name in args.sets.split(","):
        ds = load_set(name, args)
        if ds is None:
            log(f"{name}: not available here, skipped")
            continue
        out = {"name": name, "n": int(ds["base"].shape[0]), "dim": int(ds["base"].shape[1]),
               "metric": ds["metric"], "source": ds["source"]}
        bench_pg(ds, args, out)
        if not args.no_hnswlib:
            bench_hnswlib(ds, args, out)
        results["sets"].append(out)
    report(results)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1, default=float)
    print(f"\nJSON: {args.json}")
    if args.plot and results["sets"]:
        plot(results, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    sys.exit(main())
