#!/usr/bin/python3
"""filters.py: filtered k-NN (WHERE ... ORDER BY embedding <-> $1 LIMIT 10), OmenDB beside pgvector.

Run by bench/filters.sh, which builds and installs OmenDB, starts a throwaway cluster and creates
the databases bench_omendb (CREATE EXTENSION omendb) and, when pgvector 0.8.6 is installed,
bench_pgvector (CREATE EXTENSION vector); both extensions define a type named vector, so each has
its own database.  Standalone: `python3 bench/filters.py --quick` against the server in the PG*
environment variables, with those two databases present (or --no-pgvector).

Data (seeded, generated here): --rows x --dim float32 vectors from 100 Gaussian clusters (the
recipe of omenbench.py's synthetic sets: centres N(0, I), per-dimension scale decaying as
(1+j)^-0.7, one random rotation), --queries held-out query vectors drawn from the same mixture,
and these columns (every selectivity below is exact by construction unless marked ~):

  cat            int      skewed on purpose: values 0-4 hold 10% of the rows each, 5-44 1% each,
                          45-144 0.1% each, so `cat = $2` is a 10%, 1% or 0.1% filter by the value
  cluster_label  int      the row's cluster (~1% of the rows each)
  price          float8   log-normal, cents
  tags           int4[]   1-4 distinct tags of 250 (each tag on ~1% of the rows)
  tenant10       int      uniform, 10 tenants (10% each)
  tenant500      int      uniform, 500 tenants (0.2% each)

Cases (k = 10; the parameters are drawn per query, seeded):

  none           no WHERE clause: the unfiltered baseline
  cat_10pct      cat = $2, $2 a 10% value
  cat_1pct       cat = $2, $2 a 1% value
  cat_0.1pct     cat = $2, $2 a 0.1% value (at 10,000 rows: 10 matching rows)
  cluster_own    cluster_label = $2, the query's own cluster: ~1%, correlated (the neighbours
                 of the query mostly match)
  cluster_far1   cluster_label = $2: the one cluster whose centre is farthest from the
                 query's own centre: ~1%, anti-correlated (no match lies near the query)
  cluster_far5   cluster_label = ANY($2), the five farthest clusters: ~5%, anti-correlated
  price_1pct     price >= $2 AND price < $3, a window holding ~1% of the rows (ties at its edges)
  price_20pct    the same, ~20%
  cat_and_price  cat = $2 AND price < $3: a 10% value and the 5% price quantile, ~0.5%
  tags_overlap   tags && $2, two random tags: ~2%
  tenant10       tenant10 = $2: 10%
  tenant500      tenant500 = $2: 0.2%

Configurations (each its own connection and plan cache; tables hold identical rows, every one
with B-tree indexes on cat, cluster_label, price, tenant10, tenant500 and GIN on tags):

  omen_free       items: omenhnsw (embedding vector_l2_ops), default options; planner free
  omen_forced     the same table, the vector index forced: enable_seqscan, enable_bitmapscan,
                  enable_sort, enable_incremental_sort and enable_indexonlyscan off, so every plan
                  but an ordered scan of the vector index carries disable_cost (a B-tree or GIN
                  plan needs a Sort or a bitmap scan); checked with EXPLAIN and flagged if not
  omen_fc_free    items_fc: omenhnsw (embedding vector_l2_ops, cat, cluster_label, price, tags,
                  tenant10, tenant500) (--fc-columns), the index with filter columns; planner free.
                  If CREATE INDEX fails (before the feature lands) the error is printed once and
                  both omen_fc configurations read n/a.  Same queries as every other configuration.
  omen_fc_forced  the same index, forced as above
  exact           items_exact: no vector index, B-tree/GIN free; also checks the ground truth
  pgv_relaxed     pgvector 0.8.6 hnsw (m 16, ef_construction 64), hnsw.iterative_scan =
                  relaxed_order, planner free (separate database; skipped when not installed)
  pgv_strict      the same, strict_order
  pgv_relaxed_forced, pgv_strict_forced   the same, the vector index forced

All configurations run with max_parallel_workers_per_gather = 0 (one core per query, one client)
and jit off; ef_search is 40 unless --ef says otherwise; OmenDB's other scan settings are its
defaults (omenhnsw.iterative_scan = strict_order), pgvector's are its own (hnsw.max_scan_tuples
20000).  Extra settings: --omen-set / --pgv-set GUC=VALUE.

Measured per case and configuration: recall@10 against the exact filtered top-10 (numpy, float64;
fewer than 10 when fewer rows match), mean rows returned, the share of short results (fewer than
10 rows although at least 10 match), QPS (one client, psycopg prepared statements; one warm-up
pass whose rows give the recall, then --passes timed passes that alternate between the
configurations case by case, in reverse order every other pass, each after a few untimed queries
to re-warm the caches; the median pass), p50/p99 latency over the timed passes, heap rows
(rows the plan's scan node read: returned plus filtered out, mean of EXPLAIN ANALYZE over the first
--analyze-queries queries; for an ordered vector index scan, the candidates it handed out), and
the plan: EXPLAIN EXECUTE of the very prepared statement after the passes, so a generic plan shows
as such, with its generic/custom plan counts; a vector index scan says [Index Cond] when the WHERE
clause went into the index, [Filter] when it is checked on the rows the index returns.  A query
that fails in one configuration (say an operator the filter-column index rejects) makes that
configuration n/a for that case only.

Prints the tables and ratios: OmenDB (filter columns, and the plain index) planner free against
pgvector relaxed_order planner free and against the exact plan; the filter-column index forced
against pgvector's iterative index scan forced (relaxed_order: where pgvector's planner picks a
B-tree plan, only the forced pair compares the two vector indexes) and against the exact plan; each planner-free configuration
against the fastest configuration on the same database's tables that reaches --recall-target
("same plan" when that one ran the same plan: the ratio is then noise).  Writes --json and --md
(bench/results/filters.{json,md}; filters-quick.* with --quick).
"""
import argparse
import json
import os
import platform
import re
import sys
import time

import numpy as np
import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from omenbench import log, recall, vec_text  # noqa: E402

K = 10
BTREE_COLUMNS = ("cat", "cluster_label", "price", "tenant10", "tenant500")
FC_COLUMNS = "cat, cluster_label, price, tags, tenant10, tenant500"
FORCE = ("enable_seqscan = off", "enable_bitmapscan = off", "enable_sort = off",
         "enable_incremental_sort = off", "enable_indexonlyscan = off")
COMMON = ("jit = off", "max_parallel_workers_per_gather = 0")

# cat tiers: (number of values, share of the rows each value holds)
CAT_TIERS = ((5, 0.10), (40, 0.01), (100, 0.001))
N_TAGS = 250


# ------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------
def clustered(n, dim, nq, seed, k=100):
    """Vectors and their cluster ids: Gaussian clusters with decaying per-dimension scale and one
    random rotation (omenbench.synthetic's recipe, which does not return the ids)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, dim)).astype(np.float32)
    scale = (1.0 + np.arange(dim)) ** -0.7
    scale = scale / np.sqrt(np.mean(scale ** 2))
    rot, _ = np.linalg.qr(rng.standard_normal((dim, dim)))

    def draw(m):
        out = np.empty((m, dim), dtype=np.float32)
        lab = rng.integers(0, k, m)
        for s in range(0, m, 50000):
            e = min(m, s + 50000)
            pts = rng.standard_normal((e - s, dim)) * scale
            out[s:e] = ((pts @ rot.T) + centres[lab[s:e]]).astype(np.float32)
        return out, lab

    base, lab = draw(n)
    queries, qlab = draw(nq)
    return base, lab, queries, qlab, centres


def exact_counts(rng, n, shares):
    """A shuffled label array with round(n * share) rows of label i for each share; the rows left
    over (rounding) take the last label."""
    counts = [int(round(n * s)) for s in shares]
    counts[-1] += n - sum(counts)
    labels = np.repeat(np.arange(len(shares)), counts)
    rng.shuffle(labels)
    return labels


def metadata(n, labels, seed):
    rng = np.random.default_rng(seed)
    shares = [s for cnt, s in CAT_TIERS for _ in range(cnt)]
    cat = exact_counts(rng, n, shares)
    price = np.round(np.exp(rng.normal(3.5, 1.0, n)), 2)
    ntags = rng.integers(1, 5, n)
    tags = [np.sort(rng.choice(N_TAGS, t, replace=False)) for t in ntags]
    tag_matrix = np.zeros((n, N_TAGS), dtype=bool)
    for i, t in enumerate(tags):
        tag_matrix[i, t] = True
    tenant10 = exact_counts(rng, n, [0.1] * 10)
    tenant500 = exact_counts(rng, n, [1 / 500] * 500)
    return {"cat": cat, "cluster_label": labels, "price": price, "tags": tags, "tag_matrix": tag_matrix,
            "tenant10": tenant10, "tenant500": tenant500}


def cat_values(tier):
    first = sum(cnt for cnt, _ in CAT_TIERS[:tier])
    return np.arange(first, first + CAT_TIERS[tier][0])


def make_cases(meta, qlab, centres, nq, seed):
    """Each case: name, SQL predicate (named placeholders), per-query parameters and the numpy
    mask of the matching rows per query."""
    rng = np.random.default_rng(seed)
    price = meta["price"]
    sorted_price = np.sort(price)
    n = len(price)
    cases = [{"name": "none", "where": None, "params": [{} for _ in range(nq)],
              "mask": lambda p: None, "desc": "no filter"}]

    for tier, name in ((0, "cat_10pct"), (1, "cat_1pct"), (2, "cat_0.1pct")):
        vals = rng.choice(cat_values(tier), nq)
        cases.append({"name": name, "where": "cat = %(c)s::int4", "params": [{"c": int(v)} for v in vals],
                      "mask": lambda p: meta["cat"] == p["c"],
                      "desc": f"cat = $2, a {CAT_TIERS[tier][1]:.1%} value"})

    cases.append({"name": "cluster_own", "where": "cluster_label = %(c)s::int4",
                  "params": [{"c": int(q)} for q in qlab],
                  "mask": lambda p: meta["cluster_label"] == p["c"],
                  "desc": "cluster_label = the query's own cluster (correlated)"})
    cd = ((centres[:, None, :].astype(np.float64) - centres[None, :, :]) ** 2).sum(-1)
    # one cluster: `= $2`; five: `= ANY($2)` (on PostgreSQL 13-16 the planner does not hand an array
    # condition on a filter column to an ordered scan, so far5 measures that limitation too)
    params = [{"c": int(np.argsort(-cd[q])[0])} for q in qlab]
    cases.append({"name": "cluster_far1", "where": "cluster_label = %(c)s::int4",
                  "params": params, "mask": lambda p: meta["cluster_label"] == p["c"],
                  "desc": "cluster_label = the cluster farthest from the query's (anti-correlated)"})
    params = [{"f": [int(x) for x in np.argsort(-cd[q])[:5]]} for q in qlab]
    cases.append({"name": "cluster_far5", "where": "cluster_label = ANY(%(f)s::int4[])",
                  "params": params, "mask": lambda p: np.isin(meta["cluster_label"], p["f"]),
                  "desc": "cluster_label = ANY(the 5 clusters farthest from the query's; anti-correlated)"})

    for share, name in ((0.01, "price_1pct"), (0.20, "price_20pct")):
        params = []
        for _ in range(nq):
            lo = int(rng.integers(0, n - int(n * share)))
            hi = lo + int(n * share)
            # a window [lo, hi) on the sorted prices; ties at the edges make it slightly off
            params.append({"lo": float(sorted_price[lo]),
                           "hi": float(sorted_price[hi]) if hi < n else float(sorted_price[-1]) + 1})
        cases.append({"name": name, "where": "price >= %(lo)s::float8 AND price < %(hi)s::float8",
                      "params": params, "mask": lambda p: (price >= p["lo"]) & (price < p["hi"]),
                      "desc": f"price >= $2 AND price < $3 ({share:.0%} window)"})

    p5 = float(sorted_price[int(n * 0.05)])
    vals = rng.choice(cat_values(0), nq)
    cases.append({"name": "cat_and_price", "where": "cat = %(c)s::int4 AND price < %(p)s::float8",
                  "params": [{"c": int(v), "p": p5} for v in vals],
                  "mask": lambda p: (meta["cat"] == p["c"]) & (price < p["p"]),
                  "desc": "cat = $2 (10% value) AND price < $3 (5% quantile)"})

    params = [{"t": [int(x) for x in rng.choice(N_TAGS, 2, replace=False)]} for _ in range(nq)]
    cases.append({"name": "tags_overlap", "where": "tags && %(t)s::int4[]", "params": params,
                  "mask": lambda p: meta["tag_matrix"][:, p["t"]].any(1), "desc": "tags && $2 (two tags)"})

    for col, cnt in (("tenant10", 10), ("tenant500", 500)):
        vals = rng.integers(0, cnt, nq)
        cases.append({"name": col, "where": f"{col} = %(c)s::int4", "params": [{"c": int(v)} for v in vals],
                      "mask": (lambda c: lambda p: meta[c] == p["c"])(col), "desc": f"{col} = $2 (1 of {cnt})"})
    return cases


def ground_truth(base, queries, cases):
    """Exact filtered top-k per case and query (float64), and the number of matching rows."""
    b = base.astype(np.float64)
    bn = (b ** 2).sum(1)
    for c in cases:
        c["gt"] = [None] * len(queries)
        c["matches"] = np.zeros(len(queries), dtype=np.int64)
    for s in range(0, len(queries), 25):
        d = bn[None, :] - 2.0 * (queries[s:s + 25].astype(np.float64) @ b.T)
        for j in range(d.shape[0]):
            qi = s + j
            for c in cases:
                mask = c["mask"](c["params"][qi])
                ids = np.arange(len(b)) if mask is None else np.flatnonzero(mask)
                c["matches"][qi] = len(ids)
                dd = d[j, ids]
                kk = min(K, len(ids))
                if kk == 0:
                    c["gt"][qi] = []
                    continue
                part = np.argpartition(dd, kk - 1)[:kk]
                c["gt"][qi] = ids[part[np.argsort(dd[part], kind="stable")]].tolist()


# ------------------------------------------------------------------------------------------------
# PostgreSQL side
# ------------------------------------------------------------------------------------------------
def connect(db, settings):
    conn = psycopg.connect(dbname=db, autocommit=True)
    for s in settings:
        conn.execute("SET " + s)
    return conn


def load(conn, table, base, meta):
    n, dim = base.shape
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} (id int, cat int, cluster_label int, price float8, tags int4[], "
                 f"tenant10 int, tenant500 int, embedding vector({dim}))")
    t0 = time.perf_counter()
    with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as cp:
        for i in range(n):
            cp.write_row((i, int(meta["cat"][i]), int(meta["cluster_label"][i]), float(meta["price"][i]),
                          [int(t) for t in meta["tags"][i]], int(meta["tenant10"][i]),
                          int(meta["tenant500"][i]), vec_text(base[i])))
    return time.perf_counter() - t0


def metadata_indexes(conn, table):
    for col in BTREE_COLUMNS:
        conn.execute(f"CREATE INDEX {table}_{col}_idx ON {table} ({col})")
    conn.execute(f"CREATE INDEX {table}_tags_idx ON {table} USING gin (tags)")


def build(conn, table, am, columns, options=""):
    """CREATE INDEX {table}_embedding_idx; returns (seconds, MB) or raises psycopg.Error."""
    conn.execute("SET maintenance_work_mem = '1GB'")
    t0 = time.perf_counter()
    conn.execute(f"CREATE INDEX {table}_embedding_idx ON {table} USING {am} ({columns}){options}")
    dt = time.perf_counter() - t0
    size = conn.execute("SELECT pg_relation_size(%s)", (f"{table}_embedding_idx",)).fetchone()[0]
    return dt, size / 1e6


def case_sql(case, table, tag):
    where = f" WHERE {case['where']}" if case["where"] else ""
    # the comment keeps each (case, configuration) its own prepared statement and finds it again
    return f"/* filters:{tag}:{case['name']} */ SELECT id FROM {table}{where} ORDER BY embedding <-> %(v)s::vector LIMIT {K}"


def run_pass(conn, sql, params):
    cur = conn.cursor()
    lat = np.empty(len(params))
    rows = []
    t0 = time.perf_counter()
    for i, p in enumerate(params):
        s = time.perf_counter()
        cur.execute(sql, p, prepare=True)
        rows.append([r[0] for r in cur.fetchall()])
        lat[i] = time.perf_counter() - s
    return rows, len(params) / (time.perf_counter() - t0), lat


def param_order(sql):
    """The named parameters in the order psycopg numbers them ($1, $2, ...): first appearance."""
    order = []
    for part in sql.split("%(")[1:]:
        key = part.split(")s", 1)[0]
        if key not in order:
            order.append(key)
    return order


def plan_of(conn, sql, tag, case, p):
    """The plan the prepared statement runs with now (EXPLAIN EXECUTE of psycopg's own statement,
    with p's values), its generic/custom plan counts so far, and the statement's name."""
    marker = f"/* filters:{tag}:{case['name']} */"
    name, gen, cus = conn.execute("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements "
                                  "WHERE starts_with(statement, %s)", (marker,)).fetchone()
    order = param_order(sql)
    cur = psycopg.ClientCursor(conn)
    args = ", ".join(["%s"] * len(order))
    lines = [r[0] for r in cur.execute(f"EXPLAIN (COSTS OFF) EXECUTE {name}({args})",
                                       [p[k] for k in order]).fetchall()]
    lines = [re.sub(r"'\[[^\]]*\]'", "'[...]'", ln) for ln in lines]  # the query vector
    return lines, gen, cus, name, order


def summarise(lines, table):
    """'Index Scan embedding_idx [Filter]' or 'Sort < Bitmap Heap Scan < Bitmap Index Scan cat_idx':
    the plan's nodes below the Limit, top down, index names without the table's; an index scan
    says whether the WHERE clause went into the index ([Index Cond]) or is checked on the rows it
    returns ([Filter])."""
    nodes = []
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("->"):
            s = s[2:].strip()
        elif i > 0:
            kind = s.split(":", 1)[0]
            if nodes and nodes[-1][0].startswith("Index") and kind in ("Index Cond", "Filter"):
                nodes[-1][1].append(kind)
            continue  # other detail lines: Order By:, Sort Key:, Recheck Cond: ...
        s = s.split("  (")[0]
        if s.startswith("Limit"):
            continue
        s = re.sub(r"^((?:Bitmap )?Index (?:Only )?Scan) (?:using|on) (\S+)(?: on \S+)?", r"\1 \2", s)
        s = re.sub(r" on \S+$", "", s)
        nodes.append((s.replace(f" {table}_", " "), []))
    return " < ".join(n + (f" [{', '.join(k)}]" if k else "") for n, k in nodes)


def scan_stats(conn, name, order, params):
    """EXPLAIN (ANALYZE, FORMAT JSON) of the prepared statement for each parameter set: the mean
    number of heap rows the plan's scan node read (rows it returned plus rows its Filter or recheck
    removed; for an ordered vector index scan: the candidates it handed out), and the mean planning
    and execution times in ms (planning: what EXECUTE spent getting its plan, custom or cached)."""
    cur = psycopg.ClientCursor(conn)
    args = ", ".join(["%s"] * len(order))
    rows, plan_ms, exec_ms = [], [], []
    for p in params:
        doc = cur.execute(f"EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, FORMAT JSON) EXECUTE {name}({args})",
                          [p[k] for k in order]).fetchone()[0]
        doc = doc[0] if isinstance(doc, list) else json.loads(doc)[0]
        stack = [doc["Plan"]]
        while stack:
            node = stack.pop(0)
            if node["Node Type"] in ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"):
                rows.append(node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                            + node.get("Rows Removed by Index Recheck", 0))
                break
            stack.extend(node.get("Plans", []))
        plan_ms.append(doc.get("Planning Time", 0.0))
        exec_ms.append(doc["Execution Time"])
    return (float(np.mean(rows)) if rows else None), float(np.mean(plan_ms)), float(np.mean(exec_ms))


def configurations(args, have_fc, have_pgv):
    omen = [f"omenhnsw.ef_search = {args.ef}"] + list(args.omen_set)
    pgv = [f"hnsw.ef_search = {args.ef}"] + list(args.pgv_set)
    cfgs = [
        ("omen_free", "bench_omendb", "items", list(COMMON) + omen, True),
        ("omen_forced", "bench_omendb", "items", list(COMMON) + omen + list(FORCE), True),
        ("omen_fc_free", "bench_omendb", "items_fc", list(COMMON) + omen, have_fc),
        ("omen_fc_forced", "bench_omendb", "items_fc", list(COMMON) + omen + list(FORCE), have_fc),
        ("exact", "bench_omendb", "items_exact", list(COMMON), True),
    ]
    for mode in ("relaxed", "strict"):
        s = list(COMMON) + pgv + [f"hnsw.iterative_scan = {mode}_order"]
        cfgs.append((f"pgv_{mode}", "bench_pgvector", "items", s, have_pgv))
        cfgs.append((f"pgv_{mode}_forced", "bench_pgvector", "items", s + list(FORCE), have_pgv))
    wanted = args.configs.split(",") if args.configs else [c[0] for c in cfgs]
    return [{"name": c[0], "db": c[1], "table": c[2], "settings": c[3], "available": c[4]}
            for c in cfgs if c[0] in wanted]


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------
def best_config(rc, names, target):
    best = None
    for n in names:
        r = rc.get(n)
        if r and r["recall"] >= target and (best is None or r["qps"] > rc[best]["qps"]):
            best = n
    return best


def plan_cell(name, r):
    gc = f" ({r['generic_plans']}/{r['custom_plans']})" if r.get("generic_plans") is not None else ""
    flag = " VECTOR INDEX NOT USED" if name.endswith("_forced") and not r["vector_index"] else ""
    return r["plan"] + gc + flag


def measurement_rows(results):
    """(case, selectivity, configuration, cells...) per measurement, cells None when n/a."""
    for case in results["cases"]:
        rc = results["results"][case["name"]]
        for i, c in enumerate(results["configs"]):
            head = (case["name"] if i == 0 else "", f"{case['selectivity']:.2%}" if i == 0 else "", c["name"])
            r = rc.get(c["name"])
            if r is None:
                yield head, None
                continue
            heap = "-" if r["heap_rows"] is None else f"{r['heap_rows']:,.0f}"
            yield head, (f"{r['recall']:.3f}", f"{r['mean_rows']:.1f}", f"{r['short']:.0%}", f"{r['qps']:,.0f}",
                         f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", heap, plan_cell(c["name"], r))


MEASURE_COLS = ("recall@10", "rows", "short", "QPS", "p50 ms", "p99 ms", "heap rows", "plan (generic/custom)")


def ratio_rows(results, target):
    """Per case: OmenDB (filter columns, then plain, planner free) against pgvector relaxed_order
    (planner free) and the exact plan, and each planner-free configuration against the fastest of
    its database's configurations that reaches the recall target."""
    avail = [c["name"] for c in results["configs"] if c["available"]]

    def ratio(a, b, rc):
        ra, rb = rc.get(a), rc.get(b)
        if not ra or not rb:
            return "n/a"
        return f"{ra['qps'] / rb['qps']:.2f}x ({ra['recall']:.3f} vs {rb['recall']:.3f})"

    for case in results["cases"]:
        rc = results["results"][case["name"]]
        cols = [ratio("omen_fc_free", "pgv_relaxed", rc), ratio("omen_fc_forced", "pgv_relaxed_forced", rc),
                ratio("omen_fc_free", "exact", rc), ratio("omen_fc_forced", "exact", rc),
                ratio("omen_free", "pgv_relaxed", rc), ratio("omen_free", "exact", rc)]
        for free, pool in (("omen_fc_free", ("omen_fc_free", "omen_fc_forced", "exact")),
                           ("omen_free", ("omen_free", "omen_forced", "exact"))):
            b = best_config(rc, [p for p in pool if p in avail], target)
            if not rc.get(free):
                cols.append("n/a")
            elif b is None:
                cols.append(f"none reaches {target}")
            else:
                same = " same plan" if b != free and rc[b]["plan"] == rc[free]["plan"] else ""
                cols.append(f"{rc[free]['qps'] / rc[b]['qps']:.2f}x ({b}{same})")
        yield case["name"], cols


def ratio_header(target):
    return ("case", "fc / pgv_relaxed: QPS (recall)", "fc forced / pgv_relaxed_forced", "fc / exact",
            "fc forced / exact", "plain / pgv_relaxed", "plain / exact",
            f"fc_free / best at recall >= {target}", f"omen_free / best at recall >= {target}")


def report_text(results, args):
    lines = ["Filtered k-NN: " + results["machine"],
             f"{results['n']:,} x {results['dim']} rows, {results['nq']} queries, k = {K}, ef_search {args.ef}, "
             f"median of {args.passes} alternating timed passes, one client"]
    for c in results["configs"]:
        if c.get("error"):
            lines.append(f"{c['name']}: n/a: {c['error']}")
    for b in results["builds"]:
        lines.append(f"build {b['config']}: {b['seconds']:.1f} s, {b['mb']:.1f} MB")
    lines.append("")
    lines.append(f"{'case':14s} {'sel.':>7s} {'configuration':18s} {'recall':>6s} {'rows':>5s} {'short':>5s} "
                 f"{'QPS':>7s} {'p50 ms':>7s} {'p99 ms':>7s} {'heap rows':>9s}  plan (generic/custom)")
    for (case, sel, cfg), cells in measurement_rows(results):
        if cells is None:
            lines.append(f"{case:14s} {sel:>7s} {cfg:18s} {'n/a':>6s}")
        else:
            lines.append(f"{case:14s} {sel:>7s} {cfg:18s} {cells[0]:>6s} {cells[1]:>5s} {cells[2]:>5s} {cells[3]:>7s} "
                         f"{cells[4]:>7s} {cells[5]:>7s} {cells[6]:>9s}  {cells[7]}")
    lines.append("")
    lines.append("Ratios: QPS of the first over the second (recall@10 of each); best = fastest of the")
    lines.append("configurations on the same table(s) reaching the recall target.")
    hdr = ratio_header(args.recall_target)
    lines.append(f"{hdr[0]:14s} | " + " | ".join(hdr[1:]))
    for case, cols in ratio_rows(results, args.recall_target):
        lines.append(f"{case:14s} | " + " | ".join(cols))
    return lines


def report_md(results, args):
    cmd = ("bash bench/filters.sh " + " ".join(a for a in sys.argv[1:] if a != "--no-pgvector")).strip()
    md = [f"# Filtered k-NN: `{cmd}`", "", results["machine"], "",
          f"{results['n']:,} x {results['dim']} rows in 100 clusters, {results['nq']} queries, k = {K}, ef_search "
          f"{args.ef}, one client, prepared statements, median of {args.passes} alternating passes.  Cases and "
          "configurations: the header of bench/filters.py.  *short*: share of the queries with at least 10 "
          "matching rows that returned fewer than 10.  *heap rows*: rows the plan's scan node read (returned "
          "plus filtered out), mean of EXPLAIN ANALYZE over the first queries.  *plan*: EXPLAIN EXECUTE of the "
          "prepared statement after the passes (generic/custom plans it ran with).", ""]
    for c in results["configs"]:
        if c.get("error"):
            md.append(f"- {c['name']}: n/a ({c['error']})")
    for b in results["builds"]:
        md.append(f"- build {b['config']}: {b['seconds']:.1f} s, {b['mb']:.1f} MB")
    md += ["", "| case | sel. | configuration | " + " | ".join(MEASURE_COLS) + " |",
           "|" + "---|" * (3 + len(MEASURE_COLS))]
    for head, cells in measurement_rows(results):
        md.append("| " + " | ".join(head) + " | " + " | ".join(cells or ("n/a",) + ("",) * (len(MEASURE_COLS) - 1))
                  + " |")
    hdr = ratio_header(args.recall_target)
    md += ["", "## Ratios", "", "QPS of the first over the second (recall@10 of each side); *best*: the fastest "
           "configuration on the same table(s) (planner free, vector index forced, exact plan) that reaches the "
           "recall target; *same plan*: that one ran the same plan, so the ratio is noise.", "",
           "| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
    for case, cols in ratio_rows(results, args.recall_target):
        md.append(f"| {case} | " + " | ".join(cols) + " |")
    return md


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--ef", type=int, default=40, help="omenhnsw.ef_search and hnsw.ef_search")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--configs", help="comma-separated subset of the configurations")
    ap.add_argument("--cases", help="comma-separated subset of the cases")
    ap.add_argument("--fc-columns", default=FC_COLUMNS,
                    help="filter columns of the omen_fc index ('' for none: a plain index, to check the harness)")
    ap.add_argument("--omen-set", action="append", default=[], metavar="GUC=VALUE")
    ap.add_argument("--pgv-set", action="append", default=[], metavar="GUC=VALUE")
    ap.add_argument("--recall-target", type=float, default=0.95)
    ap.add_argument("--analyze-queries", type=int, default=5,
                    help="queries run under EXPLAIN ANALYZE per case and configuration for heap rows read")
    ap.add_argument("--no-pgvector", action="store_true", help="pgvector is not installed: skip it")
    ap.add_argument("--quick", action="store_true", help="10,000 rows, 50 queries")
    ap.add_argument("--json")
    ap.add_argument("--md")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.queries = 10000, 50
    suffix = "-quick" if args.quick else ""
    args.json = args.json or os.path.join(HERE, "results", f"filters{suffix}.json")
    args.md = args.md or os.path.join(HERE, "results", f"filters{suffix}.md")
    args.omen_set = [s.replace("=", " = ", 1) for s in args.omen_set]
    args.pgv_set = [s.replace("=", " = ", 1) for s in args.pgv_set]

    log(f"generating {args.rows} x {args.dim} (100 clusters, seed {args.seed}), {args.queries} queries")
    base, labels, queries, qlab, centres = clustered(args.rows, args.dim, args.queries, args.seed)
    meta = metadata(args.rows, labels, args.seed + 1)
    cases = make_cases(meta, qlab, centres, args.queries, args.seed + 2)
    if args.cases:
        cases = [c for c in cases if c["name"] in args.cases.split(",")]
    log("exact filtered ground truth (numpy, float64)")
    ground_truth(base, queries, cases)
    qtext = [vec_text(q) for q in queries]
    for c in cases:
        c["params"] = [dict(p, v=qtext[i]) for i, p in enumerate(c["params"])]

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass

    # ---- OmenDB database: items (plain index), items_fc (filter columns), items_exact (no vector index)
    builds = []
    conn = connect("bench_omendb", COMMON)
    server = conn.execute("SHOW server_version").fetchone()[0]
    omen_version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'omendb'").fetchone()[0]
    dt = load(conn, "items", base, meta)
    log(f"bench_omendb: COPY {args.rows} rows in {dt:.1f} s")
    for t in ("items_fc", "items_exact"):
        conn.execute(f"DROP TABLE IF EXISTS {t}")
        conn.execute(f"CREATE TABLE {t} AS TABLE items")
    for t in ("items", "items_fc", "items_exact"):
        metadata_indexes(conn, t)
    s, mb = build(conn, "items", "omenhnsw", "embedding vector_l2_ops")
    builds.append({"config": "omen (plain)", "seconds": s, "mb": mb})
    log(f"omenhnsw plain: {s:.1f} s, {mb:.1f} MB")
    fc_error = None
    try:
        cols = ", ".join(["embedding vector_l2_ops"] + ([args.fc_columns] if args.fc_columns.strip() else []))
        s, mb = build(conn, "items_fc", "omenhnsw", cols)
        builds.append({"config": "omen (filter columns)", "seconds": s, "mb": mb})
        log(f"omenhnsw with filter columns ({args.fc_columns}): {s:.1f} s, {mb:.1f} MB")
    except psycopg.Error as e:
        fc_error = str(e).strip().splitlines()[0]
        log(f"omenhnsw with filter columns: CREATE INDEX failed: {fc_error}")
        log("  omen_fc_free and omen_fc_forced are reported as n/a")
        conn.execute("DROP TABLE items_fc")
    for t in ("items", "items_exact") + (() if fc_error else ("items_fc",)):
        conn.execute(f"VACUUM ANALYZE {t}")
    conn.close()

    # ---- pgvector database
    have_pgv = not args.no_pgvector
    pgv_version = None
    if have_pgv:
        conn = connect("bench_pgvector", COMMON)
        pgv_version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
        dt = load(conn, "items", base, meta)
        log(f"bench_pgvector: COPY {args.rows} rows in {dt:.1f} s")
        metadata_indexes(conn, "items")
        s, mb = build(conn, "items", "hnsw", "embedding vector_l2_ops", " WITH (m = 16, ef_construction = 64)")
        builds.append({"config": f"pgvector {pgv_version} hnsw", "seconds": s, "mb": mb})
        log(f"pgvector hnsw: {s:.1f} s, {mb:.1f} MB")
        conn.execute("VACUUM ANALYZE items")
        conn.close()
    else:
        log("pgvector: not installed, its configurations are skipped")

    cfgs = configurations(args, fc_error is None, have_pgv)
    for c in cfgs:
        if c["name"].startswith("omen_fc") and fc_error:
            c["error"] = "CREATE INDEX failed: " + fc_error
        elif c["name"].startswith("pgv") and not have_pgv:
            c["error"] = "pgvector not installed"
    live = [c for c in cfgs if c["available"]]
    conns = {c["name"]: connect(c["db"], c["settings"]) for c in live}

    results = {}
    errors = {}  # configuration -> case -> error of a query
    for case in cases:
        log(f"case {case['name']}: {case['desc']}, mean {case['matches'].mean():.0f} matching rows")
        rc = {}
        sqls = {c["name"]: case_sql(case, c["table"], c["name"]) for c in live}
        warm = {}
        for c in list(live):
            try:
                warm[c["name"]] = run_pass(conns[c["name"]], sqls[c["name"]], case["params"])[0]
            except psycopg.Error as e:  # e.g. an index with filter columns that rejects a query
                msg = str(e).strip().splitlines()[0]
                log(f"  {c['name']:18s} n/a: {msg}")
                rc[c["name"]] = None
                errors.setdefault(c["name"], {})[case["name"]] = msg
        run = [c for c in live if c["name"] in warm]
        timed = {c["name"]: [] for c in run}
        # Alternate: one pass of every configuration, then the next pass in the reverse order, so
        # drift on the machine falls on all alike.  A configuration timed right after a heavy one
        # may find the CPU caches cold, so a few untimed queries go first (with 50 queries of
        # 0.2 ms a pass lasts 10 ms: --quick's QPS of sub-millisecond plans stays noisy).
        rewarm = case["params"][:max(5, len(case["params"]) // 10)]
        for p in range(args.passes):
            for c in (run if p % 2 == 0 else run[::-1]):
                run_pass(conns[c["name"]], sqls[c["name"]], rewarm)
                _, qps, lat = run_pass(conns[c["name"]], sqls[c["name"]], case["params"])
                timed[c["name"]].append((qps, lat))
        for c in run:
            name = c["name"]
            rows = warm[name]
            qps = float(np.median([q for q, _ in timed[name]]))
            lat = np.concatenate([lt for _, lt in timed[name]]) * 1e3
            full = case["matches"] >= K
            short = float(np.mean([len(r) < K for r, f in zip(rows, full) if f])) if full.any() else 0.0
            lines, gen, cus, stmt, order = plan_of(conns[name], sqls[name], name, case, case["params"][0])
            summary = summarise(lines, c["table"])
            examined, plan_ms, exec_ms = scan_stats(conns[name], stmt, order, case["params"][:args.analyze_queries])
            vec = any(f"{c['table']}_embedding_idx" in ln for ln in lines)
            rc[name] = {"recall": recall(rows, case["gt"]), "mean_rows": float(np.mean([len(r) for r in rows])),
                        "short": short, "qps": qps, "passes_qps": [q for q, _ in timed[name]],
                        "p50_ms": float(np.percentile(lat, 50)), "p99_ms": float(np.percentile(lat, 99)),
                        "plan": summary, "plan_full": lines, "vector_index": vec, "heap_rows": examined,
                        "analyze_planning_ms": plan_ms, "analyze_execution_ms": exec_ms,
                        "generic_plans": gen, "custom_plans": cus}
            r = rc[name]
            log(f"  {name:18s} recall {r['recall']:.3f}  rows {r['mean_rows']:4.1f}  short {r['short']:4.0%}  "
                f"{r['qps']:7.0f} QPS  p50 {r['p50_ms']:.2f}  p99 {r['p99_ms']:.2f} ms  "
                f"heap rows {examined if examined is None else round(examined)}  {summary}"
                + ("" if vec or not name.endswith("_forced") else "  (VECTOR INDEX NOT USED)"))
        results[case["name"]] = rc
    for c in conns.values():
        c.close()

    out = {
        "machine": f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, PostgreSQL {server}, OmenDB {omen_version}, "
                   f"pgvector {pgv_version or 'not installed'}, {time.strftime('%Y-%m-%d')}",
        "args": vars(args), "n": args.rows, "dim": args.dim, "nq": args.queries, "builds": builds,
        "configs": [{k: v for k, v in c.items()} for c in cfgs],
        "cases": [{"name": c["name"], "desc": c["desc"], "where": c["where"],
                   "selectivity": float(c["matches"].mean() / args.rows),
                   "mean_matches": float(c["matches"].mean()), "min_matches": int(c["matches"].min())}
                  for c in cases],
        "results": results, "query_errors": errors,
    }
    print()
    print("\n".join(report_text(out, args)))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
    with open(args.md, "w") as f:
        f.write("\n".join(report_md(out, args)) + "\n")
    print(f"\nJSON: {args.json}\nmarkdown: {args.md}")


if __name__ == "__main__":
    sys.exit(main())
