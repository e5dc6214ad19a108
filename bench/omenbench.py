#!/usr/bin/python3
"""omenbench: the OmenDB benchmark suite, side by side with pgvector and hnswlib.

Runs against the PostgreSQL server named by the libpq environment (PGHOST, PGPORT, ...); use
bench/run.sh, which installs pgvector 0.8.6 from ../shared/peers when it can, starts a throwaway
cluster with the settings of ../shared/ANCHORS.md and calls this script.  Three engines are measured
in one run, on the same data, the same queries and the same ground truth:

  omendb    CREATE INDEX ... USING omenhnsw (default options) in database bench_omendb;
  pgvector  CREATE INDEX ... USING hnsw (m = 16, ef_construction = 64) in database bench_pgvector
            (both extensions define a type named vector, so each has its own database); when
            pgvector is not installed its figures come from ../shared/ANCHORS.md and every table
            says "anchors, not live";
  hnswlib   in-process (python3-hnswlib), M = 16, ef_construction = 64.

Both PostgreSQL engines go through one code path, parameterised by the engine (database, index DDL,
ef_search GUC, settings for filtered queries).  For every data set:

  - data load (COPY, text format) rate, per engine;
  - the exact scan (no index) in the first engine's database: QPS, the ground truth's own check;
  - CREATE INDEX: time, backend peak memory, index size (hnswlib: 1 and 2 threads, saved size);
  - the search phase, recall@10, QPS, p50/p99 latency per ef_search (one psycopg client, prepared
    statement, a warm-up pass then --passes timed passes, median pass): run --rounds times (2),
    alternating engines (omendb, pgvector, hnswlib, omendb, ...); each engine keeps its better
    round per ef_search (the machine is shared and noisy; the better round is the less disturbed);
  - filtered queries (WHERE cat = $2) at 10% and 1% selectivity: recall@10 against the filtered
    ground truth, mean rows returned, QPS; pgvector with hnsw.iterative_scan = relaxed_order (without
    it, it returns fewer than 10 rows), OmenDB with its default omenhnsw.iterative_scan;
  - inserts into the indexed table: one connection, 100 rows per INSERT, and pgbench with 2 clients,
    one row per transaction (bench/pgbench_insert.sql), alternating engines for --rounds rounds,
    the better round kept (both reported); WAL bytes per inserted row.

It prints, per set, the figures side by side with the ratios OmenDB/pgvector and OmenDB/hnswlib
(build time, index size, QPS at recall 0.95 and 0.98 interpolated along the ef_search sweep, p50
and p99 at --ref-ef, inserts, pgbench), writes JSON (bench/results/latest.json), a markdown table
(bench/results/side-by-side.md) and a recall/QPS plot (PNG, when matplotlib is there).

synth-10m-128 (and every set with --build-only) measures load and CREATE INDEX alone: no ground
truth, no queries, no inserts; hnswlib is left out at 10M rows.
"""

import argparse
import json
import os
import platform
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))

# pgvector 0.8.6 HNSW (m=16, ef_construction=64) figures from ../shared/ANCHORS.md, measured on a
# machine like this one with the same harness.  Used only when pgvector is not installed here (the
# output then says "anchors, not live"); the midpoint of each reported range is used.
ANCHORS = {
    "synth-100k-128": {
        "build_s": 12.5, "index_mb": 79.4,
        "qps_at": {40: (0.944, 1640), 80: (0.979, 1370), 120: (0.992, 1170)},
        "p99_ms_at": {40: 1.15},
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

SHARED_SETS = ("synth-100k-128", "siftsmall", "glove-50-10k", "mnist-784-10k")
GENERATED = {"synth-100k-128": (100000, 128), "synth-100k-768": (100000, 768),
             "synth-1m-128": (1000000, 128), "synth-20k-128": (20000, 128),
             "synth-10m-128": (10000000, 128)}
BUILD_ONLY = {"synth-10m-128"}
DEFAULT_SETS = "synth-100k-128,siftsmall,glove-50-10k,mnist-784-10k"
RECALL_TARGETS = (0.95, 0.98)


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
    ids_all = np.arange(len(base))
    if mask is not None:
        base = base[mask]
        ids_all = ids_all[mask]
    b = base.astype(np.float64)
    if metric == "cosine":
        b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-30)
    bn = (b ** 2).sum(1)
    out = np.full((len(queries), k), -1, dtype=np.int64)
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
    """Returns dict(name, metric, base, queries, gt (k=10 ids, None for build-only sets), extra,
    source, build_only), or None when the set is not available here."""
    d = os.path.join(args.shared, name) if args.shared else None
    if name == "synth-100k-128" and d and os.path.isdir(d):
        base = read_vecs(os.path.join(d, "synth-100k-128_base.fvecs"), np.float32)
        queries = read_vecs(os.path.join(d, "synth-100k-128_query.fvecs"), np.float32)
        gt = read_vecs(os.path.join(d, "synth-100k-128_groundtruth.ivecs"), np.int32)[:, :10]
        extra = read_vecs(os.path.join(d, "synth-100k-128_extra.fvecs"), np.float32)
        return dict(name=name, metric="l2", base=base, queries=queries, gt=gt, extra=extra, source="shared",
                    build_only=False)
    if name == "siftsmall" and d and os.path.isdir(d):
        base = read_vecs(os.path.join(d, "siftsmall_base.fvecs"), np.float32)
        queries = read_vecs(os.path.join(d, "siftsmall_query.fvecs"), np.float32)
        gt = read_vecs(os.path.join(d, "siftsmall_groundtruth.ivecs"), np.int32)[:, :10]
        return dict(name=name, metric="l2", base=base, queries=queries, gt=gt, extra=None, source="shared",
                    build_only=False)
    if name == "mnist-784-10k" and d and os.path.isdir(d):
        base = read_vecs(os.path.join(d, "mnist-784-10k_base.bvecs"), np.uint8).astype(np.float32)
        queries = read_vecs(os.path.join(d, "mnist-784-10k_query.bvecs"), np.uint8).astype(np.float32)
        gt = read_vecs(os.path.join(d, "mnist-784-10k_groundtruth.ivecs"), np.int32)[:, :10]
        return dict(name=name, metric="l2", base=base, queries=queries, gt=gt, extra=None, source="shared",
                    build_only=False)
    if name == "glove-50-10k" and d and os.path.isdir(d):
        base = read_vecs(os.path.join(d, "glove-50-10k_base.fvecs"), np.float32)
        queries = read_vecs(os.path.join(d, "glove-50-10k_query.fvecs"), np.float32)
        gt = read_vecs(os.path.join(d, "glove-50-10k_groundtruth.ivecs"), np.int32)[:, :10]
        return dict(name=name, metric="cosine", base=base, queries=queries, gt=gt, extra=None, source="shared",
                    build_only=False)
    if name not in GENERATED:
        if name in SHARED_SETS:
            log(f"{name}: the shared data ({args.shared or '../shared/data'}) is not here: skipped")
        return None
    n, dim = GENERATED[name]
    build_only = name in BUILD_ONLY or getattr(args, "build_only", False)
    log(f"{name}: generating {n} x {dim} (seed 42)" + ("" if build_only else " and exact ground truth"))
    base, queries, extra = synthetic(n, dim, args.queries, seed=42, extra=0 if build_only else min(20000, n // 5))
    gt = None if build_only else exact_knn(base, queries, 10, "l2")
    return dict(name=name, metric="l2", base=base, queries=queries, gt=gt, extra=extra, source="generated",
                build_only=build_only)


# ------------------------------------------------------------------------------------------------
# Engines.  The PostgreSQL engines differ only in these parameters; every measurement below is
# written once and takes the engine as an argument.
# ------------------------------------------------------------------------------------------------
OPS = {"l2": ("<->", "vector_l2_ops"), "cosine": ("<=>", "vector_cosine_ops"), "ip": ("<#>", "vector_ip_ops")}

PG_ENGINES = {
    "omendb": {
        "label": "OmenDB", "db": "bench_omendb", "extension": "omendb", "am": "omenhnsw",
        "with": "",  # the default options (m 16, ef_construction 64)
        "ef_guc": "omenhnsw.ef_search", "iterative_guc": "omenhnsw.iterative_scan",
        "filter_settings": [],  # its default iterative scan (strict_order) already returns k rows
    },
    "pgvector": {
        "label": "pgvector", "db": "bench_pgvector", "extension": "vector", "am": "hnsw",
        "with": " WITH (m = 16, ef_construction = 64)",
        "ef_guc": "hnsw.ef_search", "iterative_guc": "hnsw.iterative_scan",
        # without an iterative scan, 0.8.6 stops at ef_search candidates and returns < k rows
        "filter_settings": ["SET hnsw.iterative_scan = relaxed_order"],
    },
}
ENGINE_ORDER = ("omendb", "pgvector", "hnswlib")
LABELS = {"omendb": "OmenDB", "pgvector": "pgvector", "hnswlib": "hnswlib"}


def vec_text(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def connect(dbname=None):
    conn = psycopg.connect(dbname=dbname, autocommit=True) if dbname else psycopg.connect("", autocommit=True)
    conn.execute("SET jit = off")
    return conn


def ensure_database(admin, db, extension):
    """Creates database db with the extension, dropping an earlier one (a run starts clean)."""
    admin.execute(f"DROP DATABASE IF EXISTS {db}")
    admin.execute(f"CREATE DATABASE {db}")
    conn = connect(db)
    conn.execute(f"CREATE EXTENSION {extension}")
    version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = %s", (extension,)).fetchone()[0]
    conn.close()
    return version


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
    # uniform random categories: cat10 gives 10% selectivity, cat100 gives 1% (the same in every
    # engine's database: same seed)
    ds["cat10"] = rng.integers(0, 10, n)
    ds["cat100"] = rng.integers(0, 100, n)
    conn.execute("DROP TABLE IF EXISTS items")
    conn.execute(f"CREATE TABLE items (id int, cat10 int, cat100 int, embedding vector({dim}))")
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        with cur.copy("COPY items (id, cat10, cat100, embedding) FROM STDIN") as cp:
            for i in range(n):
                cp.write_row((i, int(ds["cat10"][i]), int(ds["cat100"][i]), vec_text(ds["base"][i])))
                if i and i % 500000 == 0:
                    log(f"  COPY {i}/{n}")
    dt = time.perf_counter() - t0
    conn.execute("CREATE INDEX ON items (cat10)")
    conn.execute("CREATE INDEX ON items (cat100)")
    conn.execute("VACUUM ANALYZE items")
    size = conn.execute("SELECT pg_relation_size('items')").fetchone()[0]
    return {"copy_s": dt, "copy_rows_s": n / dt, "table_mb": size / 1e6}


def timed_passes(query, n, passes):
    """Calls query(i) for i in 0..n-1 once as a warm-up, then `passes` timed times; returns the
    warm-up's results and (qps, p50 ms, p99 ms) of the median timed pass.  The one definition of a
    QPS / latency measurement, for every engine."""
    results = None
    pass_stats = []
    for p in range(passes + 1):
        lat = np.empty(n)
        res = []
        t0 = time.perf_counter()
        for i in range(n):
            s = time.perf_counter()
            res.append(query(i))
            lat[i] = time.perf_counter() - s
        total = time.perf_counter() - t0
        if p == 0:
            results = res
            continue
        pass_stats.append((n / total, np.percentile(lat, 50) * 1e3, np.percentile(lat, 99) * 1e3))
    pass_stats.sort()
    qps, p50, p99 = pass_stats[len(pass_stats) // 2]
    return results, qps, p50, p99


def run_queries(conn, sql, params_list, passes):
    """Runs the prepared statement over every parameter tuple; returns (results, qps, p50, p99)
    from the median pass (after one warm-up pass)."""
    cur = conn.cursor()

    def query(i):
        cur.execute(sql, params_list[i], prepare=True)
        return [r[0] for r in cur.fetchall()]

    return timed_passes(query, len(params_list), passes)


def recall(results, gt, k=10):
    hits = 0
    total = 0
    for r, g in zip(results, gt):
        g = [x for x in g[:k] if x >= 0]
        hits += len(set(r[:k]) & set(g))
        total += len(g)
    return hits / max(total, 1)


class PgEngine:
    """One PostgreSQL engine's session: its database, its table and index, its prepared query."""

    def __init__(self, key, ds, args):
        self.key, self.ds, self.args = key, ds, args
        self.p = PG_ENGINES[key]
        self.op, self.opclass = OPS[ds["metric"]]
        self.conn = connect(self.p["db"])
        self.knn_sql = f"SELECT id FROM items ORDER BY embedding {self.op} %s::vector LIMIT 10"
        self.cur = self.conn.cursor()

    def load(self):
        return load_table(self.conn, self.ds)

    def build(self):
        c = self.conn
        c.execute(f"SET maintenance_work_mem = '{self.args.maintenance_work_mem}'")
        t0 = time.perf_counter()
        c.execute(f"CREATE INDEX items_embedding_idx ON items USING {self.p['am']} (embedding {self.opclass}){self.p['with']}")
        build_s = time.perf_counter() - t0
        peak_kb = backend_peak_kb(c)
        isize = c.execute("SELECT pg_relation_size('items_embedding_idx')").fetchone()[0]
        out = {"seconds": build_s, "backend_peak_mb": (peak_kb or 0) / 1024, "index_mb": isize / 1e6,
               "ddl": f"USING {self.p['am']} (embedding {self.opclass}){self.p['with']}",
               "options": c.execute("SELECT reloptions FROM pg_class WHERE relname = 'items_embedding_idx'").fetchone()[0]}
        c.execute("VACUUM ANALYZE items")
        return out

    def plan_uses_index(self, sql, params):
        q = sql
        for p in params:
            q = q.replace("%s", f"'{p}'" if isinstance(p, str) else str(p), 1)
        plan = [r[0] for r in self.conn.execute("EXPLAIN (COSTS OFF) " + q).fetchall()]
        return any("items_embedding_idx" in line for line in plan), plan

    def prepare_search(self, qtext):
        """Checks the planner takes the index for the k-NN query; if it does not (small tables:
        a sort can look cheaper), turns seqscan off for this session and says so."""
        self.qtext = qtext
        used, plan = self.plan_uses_index(self.knn_sql, [qtext[0]])
        info = {"plan": plan, "seqscan_off": False,
                "iterative_scan": self.conn.execute(f"SHOW {self.p['iterative_guc']}").fetchone()[0]}
        if not used:
            self.conn.execute("SET enable_seqscan = off")
            used, plan = self.plan_uses_index(self.knn_sql, [qtext[0]])
            info.update(plan=plan, seqscan_off=True)
            log(f"  {self.p['label']}: the planner did not choose the index for the k-NN query: enable_seqscan = off")
        info["uses_index"] = used
        return info

    def set_ef(self, ef):
        self.conn.execute(f"SET {self.p['ef_guc']} = {ef}")

    def query(self, i):
        self.cur.execute(self.knn_sql, (self.qtext[i],), prepare=True)
        return [r[0] for r in self.cur.fetchall()]

    def reset_ef(self):
        self.conn.execute(f"RESET {self.p['ef_guc']}")

    def floor(self, nq, passes):
        """The client round trip with the same vector parameter and no search."""
        _, qps, p50, p99 = run_queries(self.conn, "SELECT %s::vector IS NOT NULL",
                                       [(q,) for q in self.qtext[:nq]], passes)
        return {"qps": qps, "p50_ms": p50, "p99_ms": p99}

    def exact(self, gt, nq, passes):
        c = self.conn
        c.execute("SET enable_indexscan = off")
        c.execute("SET max_parallel_workers_per_gather = 0")
        res, qps, p50, p99 = run_queries(c, self.knn_sql, [(q,) for q in self.qtext[:nq]], passes)
        c.execute("RESET enable_indexscan")
        c.execute("RESET max_parallel_workers_per_gather")
        return {"recall": recall(res, gt[:nq]), "qps": qps, "p50_ms": p50, "p99_ms": p99}

    def filtered(self, col, cats, fgt, passes):
        c = self.conn
        for s in self.p["filter_settings"]:
            c.execute(s)
        mode = c.execute(f"SHOW {self.p['iterative_guc']}").fetchone()[0]
        fsql = f"SELECT id FROM items WHERE {col} = %s ORDER BY embedding {self.op} %s::vector LIMIT 10"
        params = [(int(cats[i]), self.qtext[i]) for i in range(len(cats))]
        res, qps, p50, p99 = run_queries(c, fsql, params, passes)
        used, _ = self.plan_uses_index(fsql, params[0])
        c.execute(f"RESET {self.p['iterative_guc']}")
        return {"recall": recall(res, fgt), "mean_rows": float(np.mean([len(r) for r in res])), "qps": qps,
                "p50_ms": p50, "p99_ms": p99, "iterative_scan": mode, "plan_uses_index": used}

    def inserts(self, rows, first_id):
        """rows: vectors inserted 100 per INSERT on this connection; returns rows/s and WAL/row."""
        c = self.conn
        m = len(rows)
        wal0 = c.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        t0 = time.perf_counter()
        for s in range(0, m, 100):
            chunk = [(first_id + i, 0, 0, vec_text(rows[i])) for i in range(s, min(m, s + 100))]
            self.cur.execute("INSERT INTO items (id, cat10, cat100, embedding) VALUES "
                             + ",".join(["(%s,%s,%s,%s::vector)"] * len(chunk)), [x for r in chunk for x in r])
        dt = time.perf_counter() - t0
        wal1 = c.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        walbytes = c.execute("SELECT pg_wal_lsn_diff(%s, %s)", (wal1, wal0)).fetchone()[0]
        return {"rows": m, "rows_s": m / dt, "wal_bytes_per_row": float(walbytes) / m}

    def pgbench(self, seconds):
        dim = self.ds["base"].shape[1]
        cmd = ["pgbench", "-n", "-c", "2", "-j", "2", "-T", str(seconds), "-D", f"dim={dim}",
               "-f", os.path.join(HERE, "pgbench_insert.sql"), self.p["db"]]
        p = subprocess.run(cmd, capture_output=True, text=True)
        for line in p.stdout.splitlines():
            if line.startswith("tps = "):
                return float(line.split()[2]), None
        return None, p.stderr.strip()[-500:]

    def close(self):
        self.conn.close()


class HnswlibEngine:
    """hnswlib in the benchmark's own process: the in-memory HNSW with no database around it."""

    def __init__(self, ds, args):
        self.ds, self.args = ds, args
        self.idx = None

    def build(self):
        import hnswlib
        space = {"l2": "l2", "cosine": "cosine", "ip": "ip"}[self.ds["metric"]]
        n, dim = self.ds["base"].shape
        out = {}
        for threads in (1, 2):
            idx = hnswlib.Index(space=space, dim=dim)
            idx.init_index(max_elements=n, M=16, ef_construction=64, random_seed=100)
            idx.set_num_threads(threads)
            t0 = time.perf_counter()
            idx.add_items(self.ds["base"], np.arange(n))
            out[f"{threads}_threads_s"] = time.perf_counter() - t0
            log(f"  hnswlib build, {threads} thread(s): {out[f'{threads}_threads_s']:.2f} s")
            self.idx = idx
        out["seconds"] = out["2_threads_s"]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "hnswlib.bin")
            self.idx.save_index(path)
            out["index_mb"] = os.path.getsize(path) / 1e6
        self.idx.set_num_threads(1)
        return out

    def prepare_search(self, qs):
        self.qs = qs
        return {}

    def set_ef(self, ef):
        self.idx.set_ef(max(ef, 10))

    def query(self, i):
        return self.idx.knn_query(self.qs[i], k=10)[0][0].tolist()

    def reset_ef(self):
        pass

    def close(self):
        self.idx = None


def search_sweep(eng, efs, gt, nq, passes, label):
    """One engine's search phase: recall@10, QPS, p50/p99 per ef_search."""
    points = []
    for ef in efs:
        eng.set_ef(ef)
        res, qps, p50, p99 = timed_passes(eng.query, nq, passes)
        r = recall(res, gt)
        points.append({"ef_search": ef, "recall": r, "qps": qps, "p50_ms": p50, "p99_ms": p99})
        log(f"  {label:8s} ef_search {ef:>4}: recall@10 {r:.3f}, {qps:>7.0f} QPS, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    eng.reset_ef()
    return points


def keep_better(rounds):
    """rounds: one sweep per round; per ef_search, the round with the higher QPS (its latencies with
    it), and every round's QPS and recall for the record."""
    out = []
    for i, p in enumerate(rounds[0]):
        cand = [r[i] for r in rounds]
        best = dict(max(cand, key=lambda x: x["qps"]))
        best["round"] = cand.index(max(cand, key=lambda x: x["qps"])) + 1
        best["qps_rounds"] = [c["qps"] for c in cand]
        best["recall_rounds"] = [c["recall"] for c in cand]
        out.append(best)
    return out


def anchors_engine(name):
    """pgvector's figures from ../shared/ANCHORS.md, in the shape of a live engine's results."""
    a = ANCHORS.get(name)
    if not a:
        return None
    p99 = a.get("p99_ms_at", {})
    return {"live": False, "source": "anchors, not live (../shared/ANCHORS.md)",
            "build": {"seconds": a["build_s"], "index_mb": a["index_mb"]},
            "ef": [{"ef_search": ef, "recall": r, "qps": q, "p50_ms": None, "p99_ms": p99.get(ef)}
                   for ef, (r, q) in sorted(a["qps_at"].items())],
            "insert": {"rows_s": a["insert_rows_s"]} if a.get("insert_rows_s") else None,
            "pgbench_insert": {"tps": a["pgbench_tps"]} if a.get("pgbench_tps") else None}


def bench_set(ds, args, engines_wanted, pgv_live):
    name = ds["name"]
    n, dim = ds["base"].shape
    out = {"name": name, "n": int(n), "dim": int(dim), "metric": ds["metric"], "source": ds["source"],
           "build_only": ds["build_only"], "engines": {}}
    pg_keys = [k for k in ("omendb", "pgvector") if k in engines_wanted and (k != "pgvector" or pgv_live)]
    # hnswlib builds in build-only mode too, except at 10M rows (it would need ~7 GB beside the data)
    use_hnswlib = "hnswlib" in engines_wanted and name not in BUILD_ONLY
    if use_hnswlib:
        try:
            import hnswlib  # noqa: F401
        except ImportError:
            log("  hnswlib (python3-hnswlib) is not installed: skipped")
            use_hnswlib = False
    nq = min(args.queries, len(ds["queries"]))
    qtext = [vec_text(q) for q in ds["queries"][:nq]]
    gt = None if ds["gt"] is None else ds["gt"][:nq]

    # ---- load and build, engine by engine
    engs = {}
    for k in pg_keys:
        e = engs[k] = PgEngine(k, ds, args)
        r = out["engines"][k] = {"live": True, "source": "live, " + PG_ENGINES[k]["db"]}
        log(f"{name}: {LABELS[k]}: COPY {n} rows into {PG_ENGINES[k]['db']}")
        r["load"] = e.load()
        log(f"  {r['load']['copy_rows_s']:.0f} rows/s, table {r['load']['table_mb']:.1f} MB")
        if k == pg_keys[0] and not ds["build_only"]:
            e.qtext = qtext
            ne = min(nq, args.exact_queries)
            log(f"  exact scan (no index, {LABELS[k]}'s database): {ne} queries")
            out["exact"] = e.exact(gt, ne, passes=1)
            log(f"  exact scan: {out['exact']['qps']:.1f} QPS, recall {out['exact']['recall']:.3f}")
        log(f"  {LABELS[k]}: CREATE INDEX ... {PG_ENGINES[k]['am']}")
        r["build"] = e.build()
        log(f"  {LABELS[k]}: build {r['build']['seconds']:.2f} s, index {r['build']['index_mb']:.1f} MB, "
            f"backend peak {r['build']['backend_peak_mb']:.0f} MB")
    if use_hnswlib:
        engs["hnswlib"] = HnswlibEngine(ds, args)
        out["engines"]["hnswlib"] = {"live": True, "source": "live, in-process", "build": engs["hnswlib"].build()}
    if "pgvector" in engines_wanted and not pgv_live:
        out["engines"]["pgvector"] = anchors_engine(name)
    if ds["build_only"]:
        for e in engs.values():
            e.close()
        return out

    # ---- search: every engine's sweep, --rounds times, alternating engines
    for k, e in engs.items():
        info = e.prepare_search(qtext if k != "hnswlib" else ds["queries"][:nq])
        out["engines"][k]["search_setup"] = info
        if k != "hnswlib":
            out["engines"][k]["floor"] = e.floor(nq, passes=1)
            log(f"  {LABELS[k]}: client round trip (SELECT $1::vector IS NOT NULL) "
                f"{out['engines'][k]['floor']['qps']:.0f} QPS")
    rounds = {k: [] for k in engs}
    for rnd in range(args.rounds):
        for k in ENGINE_ORDER:
            if k in engs:
                log(f"  search round {rnd + 1}/{args.rounds}: {LABELS[k]}")
                rounds[k].append(search_sweep(engs[k], args.ef, gt, nq, args.passes, LABELS[k]))
    for k in engs:
        out["engines"][k]["ef"] = keep_better(rounds[k])

    # ---- filtered queries (PostgreSQL engines)
    nf = min(nq, args.filter_queries)
    if nf and pg_keys:
        for col, sel, ncat in (("cat10", "10%", 10), ("cat100", "1%", 100)):
            cats = np.random.default_rng(11).integers(0, ncat, nf)
            fgt = np.empty((nf, 10), dtype=np.int64)
            for c in np.unique(cats):
                rows = np.nonzero(cats == c)[0]
                fgt[rows] = exact_knn(ds["base"], ds["queries"][rows], 10, ds["metric"], ds[col] == c)
            for k in pg_keys:
                f = engs[k].filtered(col, cats, fgt, args.passes)
                f["selectivity"] = sel
                out["engines"][k].setdefault("filtered", []).append(f)
                log(f"  {LABELS[k]:8s} filtered {sel}: recall@10 {f['recall']:.3f}, rows {f['mean_rows']:.1f}, "
                    f"{f['qps']:.0f} QPS (iterative_scan {f['iterative_scan']}; "
                    f"{'index scan' if f['plan_uses_index'] else 'planner chose another path'})")

    # ---- inserts and pgbench, alternating engines
    if ds["extra"] is not None and not args.skip_inserts and pg_keys:
        extra = ds["extra"]
        m = min(len(extra), args.insert_rows)
        for rnd in range(args.rounds):
            # a fresh slice of the extra rows per round where there are enough of them
            s = (rnd * m) % max(len(extra) - m + 1, 1)
            for k in pg_keys:
                ins = engs[k].inserts(extra[s:s + m], n + rnd * m)
                out["engines"][k].setdefault("insert_rounds", []).append(ins)
                log(f"  {LABELS[k]:8s} inserts round {rnd + 1} (1 connection, 100 rows per INSERT): "
                    f"{ins['rows_s']:.0f} rows/s, {ins['wal_bytes_per_row']:.0f} WAL bytes/row")
        for rnd in range(args.rounds):
            for k in pg_keys:
                tps, err = engs[k].pgbench(args.pgbench_seconds)
                out["engines"][k].setdefault("pgbench_rounds", []).append(tps)
                log(f"  {LABELS[k]:8s} pgbench inserts round {rnd + 1}, 2 clients: "
                    + (f"{tps:.0f} tps" if tps else "failed: " + err))
        for k in pg_keys:
            r = out["engines"][k]
            best = max(r["insert_rounds"], key=lambda x: x["rows_s"])
            r["insert"] = dict(best, rows_s_rounds=[x["rows_s"] for x in r["insert_rounds"]])
            tpss = [t for t in r["pgbench_rounds"] if t]
            r["pgbench_insert"] = {"clients": 2, "seconds": args.pgbench_seconds,
                                   "tps": max(tpss) if tpss else None, "tps_rounds": r["pgbench_rounds"]}
            engs[k].conn.execute("VACUUM ANALYZE items")
    for e in engs.values():
        e.close()
    out["ratios"] = ratios(out, args.ref_ef)
    return out


# ------------------------------------------------------------------------------------------------
# Figures and ratios
# ------------------------------------------------------------------------------------------------
def qps_at_recall(points, target):
    """QPS at a recall target, interpolated linearly between measured (recall, qps) points; None if
    never reached."""
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


def at_ef(points, ef):
    return next((p for p in points or [] if p["ef_search"] == ef), None)


def sweep(r):
    """(ef_search, [each engine's point at it or None, in ENGINE_ORDER]) over every ef swept."""
    curves = [(r["engines"].get(k) or {}).get("ef") or [] for k in ENGINE_ORDER]
    for ef in sorted({p["ef_search"] for c in curves for p in c}):
        yield ef, [at_ef(c, ef) for c in curves]


def figures(e, ref_ef):
    """The compared figures of one engine's results (None where not measured)."""
    if not e:
        return {}
    b = e.get("build") or {}
    pts = e.get("ef") or []
    ref = at_ef(pts, ref_ef) or {}
    f = {"build_s": b.get("seconds"), "index_mb": b.get("index_mb")}
    for t in RECALL_TARGETS:
        f[f"qps_at_{t}"] = qps_at_recall(pts, t) if pts else None
    f["max_recall"] = max((p["recall"] for p in pts), default=None)
    f["recall_at_ref"] = ref.get("recall")
    f["p50_ms"], f["p99_ms"] = ref.get("p50_ms"), ref.get("p99_ms")
    f["insert_rows_s"] = (e.get("insert") or {}).get("rows_s")
    f["pgbench_tps"] = (e.get("pgbench_insert") or {}).get("tps")
    return f


FIGURES = [  # key, label, number format
    ("build_s", "CREATE INDEX s (2 processes / threads)", "{:.2f}"),
    ("index_mb", "index size MB", "{:.1f}"),
    ("qps_at_0.95", "QPS at recall@10 0.95", "{:,.0f}"),
    ("qps_at_0.98", "QPS at recall@10 0.98", "{:,.0f}"),
    ("recall_at_ref", "recall@10 at ef_search {ref}", "{:.3f}"),
    ("p50_ms", "p50 ms at ef_search {ref}", "{:.2f}"),
    ("p99_ms", "p99 ms at ef_search {ref}", "{:.2f}"),
    ("insert_rows_s", "inserts rows/s (100 rows per INSERT)", "{:,.0f}"),
    ("pgbench_tps", "pgbench inserts tps (2 clients, 1 row)", "{:,.0f}"),
]


def ratios(out, ref_ef):
    om = figures(out["engines"].get("omendb"), ref_ef)
    res = {}
    for peer in ("pgvector", "hnswlib"):
        pf = figures(out["engines"].get(peer), ref_ef)
        res[peer] = {k: (om[k] / pf[k] if om.get(k) and pf.get(k) else None)
                     for k, _, _ in FIGURES if k != "recall_at_ref"}
    return res


def cell(f, key, spec):
    v = f.get(key)
    if v is None and key.startswith("qps_at_") and f.get("max_recall") is not None:
        return f"not reached (max {f['max_recall']:.3f})"
    return "-" if v is None else spec.format(v)


def set_rows(r, ref_ef):
    """[(figure, OmenDB, pgvector, hnswlib, OmenDB/pgvector, OmenDB/hnswlib)] for one set."""
    f = {k: figures(r["engines"].get(k), ref_ef) for k in ENGINE_ORDER}
    rat = r.get("ratios") or ratios(r, ref_ef)
    rows = []
    for key, label, spec in FIGURES:
        if all(f[k].get(key) is None for k in ENGINE_ORDER):
            continue
        rr = [rat[p].get(key) for p in ("pgvector", "hnswlib")] if key in rat["pgvector"] else [None, None]
        rows.append((label.format(ref=ref_ef), *(cell(f[k], key, spec) for k in ENGINE_ORDER),
                     *("-" if x is None else f"{x:.2f}" for x in rr)))
    return rows


def pgvector_note(r):
    p = r["engines"].get("pgvector")
    if p is None:
        return "pgvector: not measured (not live here, and no anchor figures for this set)"
    return "pgvector: " + ("live, " + r.get("pgvector_version", "") if p["live"] else p["source"])


def pgv_label(r):
    p = r["engines"].get("pgvector")
    return "pgvector" if p is None or p["live"] else "pgvector (anchors, not live)"


def fmt(x, spec="{:.2f}"):
    return "-" if x is None else spec.format(x)


HEADER_NOTE = ("Ratios are OmenDB / peer: below 1 is better for build time, size and latency, above 1 "
               "for QPS and inserts. QPS at a recall is the highest QPS at which the ef_search sweep reaches it, "
               "interpolated linearly between neighbouring points. "
               "Each engine's search phase ran {rounds} times, alternating engines; the better round per "
               "ef_search is kept (inserts and pgbench: the better of {rounds} alternating rounds).")


def report(results, ref_ef, rounds):
    print()
    print("=" * 110)
    print("OmenDB side by side: " + results["machine"])
    print("=" * 110)
    print(HEADER_NOTE.format(rounds=rounds))
    for r in results["sets"]:
        print(f"\n{r['name']}  ({r['n']} x {r['dim']}, {r['metric']}, data {r['source']})"
              + ("  BUILD ONLY" if r.get("build_only") else ""))
        print("  " + pgvector_note(r))
        for line in engine_notes(r):
            print("  " + line)
        if r.get("exact"):
            ex = r["exact"]
            print(f"  exact scan: {ex['qps']:.1f} QPS, recall {ex['recall']:.3f} (the ground truth's check)")
        hdr = ("figure", "OmenDB", pgv_label(r), "hnswlib", "Omen/pgvector", "Omen/hnswlib")
        w = (40, 12, 28, 12, 14, 13)
        print("  " + " ".join(h.ljust(x) if i == 0 else h.rjust(x) for i, (h, x) in enumerate(zip(hdr, w))))
        for row in set_rows(r, ref_ef):
            print("  " + " ".join(c.ljust(x) if i == 0 else c.rjust(x) for i, (c, x) in enumerate(zip(row, w))))
        if r.get("build_only"):
            continue
        print(f"  {'ef':>5} | {'OmenDB recall/QPS/p50/p99':>30} | {'pgvector recall/QPS/p50/p99':>30} | {'hnswlib recall/QPS/p50/p99':>30}")
        for ef, points in sweep(r):
            cells = ["-" if not p else f"{p['recall']:.3f} {p['qps']:>6.0f} {fmt(p.get('p50_ms'))} {fmt(p.get('p99_ms'))}"
                     for p in points]
            print(f"  {ef:>5} | {cells[0]:>30} | {cells[1]:>30} | {cells[2]:>30}")
        for k in ("omendb", "pgvector"):
            for f in (r["engines"].get(k) or {}).get("filtered", []):
                print(f"  {LABELS[k]:8s} filtered {f['selectivity']:>4}: recall@10 {f['recall']:.3f}, mean rows {f['mean_rows']:.1f}, "
                      f"{f['qps']:.0f} QPS, p99 {f['p99_ms']:.2f} ms, iterative_scan {f['iterative_scan']} "
                      f"({'index scan' if f['plan_uses_index'] else 'planner chose another path'})")


def engine_notes(r):
    """One line per engine: what the comparison table leaves out."""
    out = []
    for k in ENGINE_ORDER:
        e = r["engines"].get(k)
        if not e or not e.get("live"):
            continue
        parts = []
        if e.get("load"):
            parts.append(f"COPY {e['load']['copy_rows_s']:,.0f} rows/s, table {e['load']['table_mb']:.1f} MB, "
                         f"backend peak during CREATE INDEX {e['build']['backend_peak_mb']:.0f} MB")
        if k == "hnswlib":
            parts.append(f"build 1 thread {e['build']['1_threads_s']:.2f} s, 2 threads {e['build']['2_threads_s']:.2f} s; "
                         f"index size is its saved file")
        if e.get("floor"):
            parts.append(f"client round trip (SELECT $1::vector IS NOT NULL) {e['floor']['qps']:,.0f} QPS")
        if (e.get("search_setup") or {}).get("seqscan_off"):
            parts.append("enable_seqscan = off (the planner did not choose the index)")
        if e.get("insert_rounds"):
            parts.append("inserts per round " + ", ".join(f"{x['rows_s']:,.0f}" for x in e["insert_rounds"])
                         + f" rows/s, {e['insert']['wal_bytes_per_row']:,.0f} WAL bytes/row; pgbench per round "
                         + ", ".join(fmt(t, "{:,.0f}") for t in e["pgbench_rounds"]) + " tps")
        if e.get("ef"):
            qr = [p["qps_rounds"] for p in e["ef"] if "qps_rounds" in p]
            if qr and len(qr[0]) > 1:
                spread = max(abs(a - b) / max(a, b) for q in qr for a, b in zip(q, q[1:]))
                parts.append(f"largest QPS difference between its search rounds {spread:.0%}")
        out.append(f"{LABELS[k]}: " + "; ".join(parts))
    return out


def markdown(results, ref_ef, rounds, cmd):
    L = ["# OmenDB side by side with pgvector and hnswlib", "",
         f"`{cmd}`, {results['machine']}.", "",
         HEADER_NOTE.format(rounds=rounds), ""]
    for r in results["sets"]:
        L.append(f"## {r['name']} ({r['n']:,} x {r['dim']}, {r['metric']}, data {r['source']})"
                 + (" -- build only" if r.get("build_only") else ""))
        L.append("")
        L.append(pgvector_note(r) + (f"; exact scan {r['exact']['qps']:.1f} QPS, recall {r['exact']['recall']:.3f}"
                                     if r.get("exact") else "") + ".")
        L.append("")
        L.append(f"| figure | OmenDB | {pgv_label(r)} | hnswlib | OmenDB / pgvector | OmenDB / hnswlib |")
        L.append("|---|---|---|---|---|---|")
        for row in set_rows(r, ref_ef):
            L.append("| " + " | ".join(row) + " |")
        L.append("")
        for line in engine_notes(r):
            L.append("- " + line)
        L.append("")
        if r.get("build_only"):
            continue
        L.append("| ef_search | OmenDB recall / QPS / p99 ms | pgvector recall / QPS / p99 ms | hnswlib recall / QPS / p99 ms |")
        L.append("|---|---|---|---|")
        for ef, points in sweep(r):
            cells = ["-" if not p else f"{p['recall']:.3f} / {p['qps']:,.0f} / {fmt(p.get('p99_ms'))}" for p in points]
            L.append(f"| {ef} | " + " | ".join(cells) + " |")
        L.append("")
        fl = [(k, f) for k in ("omendb", "pgvector") for f in (r["engines"].get(k) or {}).get("filtered", [])]
        if fl:
            L.append("| filtered (WHERE cat = $2) | iterative_scan | recall@10 | mean rows | QPS |")
            L.append("|---|---|---|---|---|")
            for k, f in fl:
                L.append(f"| {LABELS[k]} {f['selectivity']} | {f['iterative_scan']}"
                         f"{'' if f['plan_uses_index'] else ' (planner: no index scan)'} | {f['recall']:.3f} | "
                         f"{f['mean_rows']:.1f} | {f['qps']:,.0f} |")
            L.append("")
    return "\n".join(L) + "\n"


def plot(results, path):
    try:
        import matplotlib
    except ImportError:
        log(f"matplotlib is not installed: no plot written to {path}")
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sets = [r for r in results["sets"] if not r.get("build_only")]
    if not sets:
        return False
    fig, axes = plt.subplots(1, len(sets), figsize=(6 * len(sets), 4.5), squeeze=False)
    styles = {"omendb": ("o-", "omenhnsw (PostgreSQL)"), "pgvector": ("^:", "pgvector hnsw (PostgreSQL)"),
              "hnswlib": ("s--", "hnswlib (in-process)")}
    for ax, r in zip(axes[0], sets):
        for k in ENGINE_ORDER:
            e = r["engines"].get(k)
            if not e or not e.get("ef"):
                continue
            style, label = styles[k]
            if not e.get("live", True):
                label = "pgvector hnsw (ANCHORS.md, not live)"
            ax.plot([p["recall"] for p in e["ef"]], [p["qps"] for p in e["ef"]], style, label=label)
        if r.get("exact"):
            ax.plot([r["exact"]["recall"]], [r["exact"]["qps"]], "kx", markersize=9, label="exact scan")
        ax.set_yscale("log")
        ax.set_xlabel("recall@10")
        ax.set_ylabel("queries per second (1 client)")
        ax.set_title(f"{r['name']} ({r['n']} x {r['dim']}, {r['metric']})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=DEFAULT_SETS,
                    help="comma-separated; 'default' stands for " + DEFAULT_SETS + ". Also synth-100k-768 "
                         "(100,000 x 768 generated), synth-1m-128 (1,000,000 x 128 generated, long), "
                         "synth-20k-128, synth-10m-128 (10,000,000 x 128, load and build only, hours). "
                         "Shared sets are skipped when ../shared/data is absent (synth-100k-128 is then generated)")
    ap.add_argument("--with-768", action="store_true", help="add synth-100k-768 to the sets")
    ap.add_argument("--with-1m", action="store_true", help="add synth-1m-128 to the sets (long)")
    ap.add_argument("--with-10m-build", action="store_true",
                    help="add synth-10m-128, build figures only (hours; ~6 GB of data in memory)")
    ap.add_argument("--engines", default="omendb,pgvector,hnswlib")
    ap.add_argument("--no-pgvector", action="store_true", help="do not run pgvector live (anchors only)")
    ap.add_argument("--shared", default=SHARED if os.path.isdir(SHARED) else None)
    ap.add_argument("--ef", default="10,20,40,80,120,200")
    ap.add_argument("--ref-ef", type=int, default=40, help="ef_search of the p50/p99 comparison")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--exact-queries", type=int, default=100)
    ap.add_argument("--filter-queries", type=int, default=200)
    ap.add_argument("--passes", type=int, default=3, help="timed passes per search, after a warm-up (median)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds of each engine's search phase")
    ap.add_argument("--insert-rows", type=int, default=5000)
    ap.add_argument("--pgbench-seconds", type=int, default=15)
    ap.add_argument("--maintenance-work-mem", default="2GB")
    ap.add_argument("--build-only", action="store_true",
                    help="every set: load and CREATE INDEX only (no ground truth, queries or inserts)")
    ap.add_argument("--skip-inserts", action="store_true")
    ap.add_argument("--no-hnswlib", action="store_true")
    ap.add_argument("--quick", action="store_true",
                    help="synth-20k-128 and siftsmall, fewer queries and passes, every engine")
    ap.add_argument("--json", help="default bench/results/latest.json (--quick: latest-quick.json)")
    ap.add_argument("--markdown", help="default bench/results/side-by-side.md (--quick: side-by-side-quick.md)")
    ap.add_argument("--plot", help="default bench/results/recall_qps.png (--quick: recall_qps-quick.png)")
    args = ap.parse_args()
    cmd = "bash bench/run.sh " + " ".join(sys.argv[1:])
    if args.quick:
        args.sets, args.queries, args.passes, args.filter_queries = "synth-20k-128,siftsmall", 200, 1, 50
        args.insert_rows, args.pgbench_seconds, args.exact_queries = 1000, 5, 20
        args.ef = "10,20,40,80,120"
    # a --quick run is a smoke test: it does not replace the results of record
    sfx = "-quick" if args.quick else ""
    # an empty --markdown or --plot writes none
    if args.json is None:
        args.json = os.path.join(HERE, "results", f"latest{sfx}.json")
    if args.markdown is None:
        args.markdown = os.path.join(HERE, "results", f"side-by-side{sfx}.md")
    if args.plot is None:
        args.plot = os.path.join(HERE, "results", f"recall_qps{sfx}.png")
    sets = [s for s in args.sets.split(",") if s]
    sets = [x for s in sets for x in (DEFAULT_SETS.split(",") if s == "default" else [s])]
    for flag, s in ((args.with_768, "synth-100k-768"), (args.with_1m, "synth-1m-128"),
                    (args.with_10m_build, "synth-10m-128")):
        if flag and s not in sets:
            sets.append(s)
    args.ef = [int(x) for x in args.ef.split(",")]
    if args.ref_ef not in args.ef:
        args.ef = sorted(args.ef + [args.ref_ef])
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if args.no_hnswlib and "hnswlib" in engines:
        engines.remove("hnswlib")

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    admin = connect()
    server = admin.execute("SHOW server_version").fetchone()[0]
    avail = dict(admin.execute("SELECT name, default_version FROM pg_available_extensions "
                               "WHERE name IN ('omendb', 'vector')").fetchall())
    versions = {}
    if "omendb" in engines:
        versions["omendb"] = ensure_database(admin, PG_ENGINES["omendb"]["db"], "omendb")
    pgv_live = "pgvector" in engines and "vector" in avail and not args.no_pgvector
    if pgv_live:
        versions["pgvector"] = ensure_database(admin, PG_ENGINES["pgvector"]["db"], "vector")
        if versions["pgvector"] != "0.8.6":
            log(f"pgvector {versions['pgvector']} is installed, not 0.8.6: measured anyway, and labelled")
    elif "pgvector" in engines:
        log("pgvector: " + ("--no-pgvector" if args.no_pgvector else "not installed in this PostgreSQL")
            + ": its figures are the anchors of ../shared/ANCHORS.md, not live")
    simd = "?"
    if "omendb" in engines:
        c = connect(PG_ENGINES["omendb"]["db"])
        c.execute("LOAD 'omendb'")  # its GUCs exist once the library is loaded
        simd = c.execute("SHOW omendb.simd").fetchone()[0]
        c.close()
    admin.close()
    hnswlib_version = None
    try:
        import importlib.metadata
        hnswlib_version = importlib.metadata.version("hnswlib")
    except Exception:  # noqa: BLE001 (a version string is a nicety)
        pass
    results = {"machine": f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, PostgreSQL {server}, "
                          f"OmenDB {versions.get('omendb', '-')} (kernels {simd}), "
                          f"pgvector {versions['pgvector'] + ' live' if pgv_live else 'anchors, not live'}, "
                          f"hnswlib {hnswlib_version or '?'}, {time.strftime('%Y-%m-%d')}",
               "command": cmd, "rounds": args.rounds, "passes": args.passes, "ref_ef": args.ref_ef,
               "pgvector_live": pgv_live, "pgvector_version": versions.get("pgvector"),
               "pgvector_filter_mode": "hnsw.iterative_scan = relaxed_order" if pgv_live else None,
               "sets": []}
    for name in sets:
        ds = load_set(name, args)
        if ds is None:
            log(f"{name}: not available here, skipped")
            continue
        ds["build_only"] = ds["build_only"] or args.build_only
        r = bench_set(ds, args, engines, pgv_live)
        if pgv_live:
            r["pgvector_version"] = versions["pgvector"]
        if "ratios" not in r:
            r["ratios"] = ratios(r, args.ref_ef)
        results["sets"].append(r)
        del ds
    report(results, args.ref_ef, args.rounds)
    for path in (args.json, args.markdown):
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1, default=float)
    print(f"\nJSON: {args.json}")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(results, args.ref_ef, args.rounds, cmd))
        print(f"markdown: {args.markdown}")
    if args.plot and results["sets"] and plot(results, args.plot):
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    sys.exit(main())
