#!/usr/bin/env python3
"""order_bench.py: what ORDER BY order costs, and how the scan settings compare, on one data set.

Run by bench/order.sh (which builds, installs and alternates code versions); standalone:
    python3 bench/order_bench.py --label new --modes strict_order,relaxed_order [--set synth-100k-128]
against the server in PG* environment variables.  Loads the set into table `items` unless it is
there already, (re)builds the index, then for each mode and ef_search runs the queries (prepared
statements, one client, best of --passes after a warm-up) and prints recall@10, QPS and the QPS at
recall 0.95 and 0.98 (interpolated), plus how many queries came back out of order at LIMIT 100.
Appends one JSON line per (label, mode) to --out.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import omenbench as ob  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="synth-100k-128")
    ap.add_argument("--label", required=True)
    ap.add_argument("--modes", default="strict_order,relaxed_order")
    ap.add_argument("--ef", default="10,16,24,32,40,60,80,120")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--shared", default=ob.SHARED if os.path.isdir(ob.SHARED) else None)
    ap.add_argument("--out", default="/tmp/order_bench.jsonl")
    args = ap.parse_args()
    ds = ob.load_set(args.set, argparse.Namespace(shared=args.shared, queries=args.queries))
    conn = ob.connect()
    have = conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'items'").fetchone()[0]
    if not have:
        ob.log(f"loading {args.set}")
        ob.load_table(conn, ds)
    conn.execute("DROP INDEX IF EXISTS items_v")
    t = time.perf_counter()
    conn.execute("CREATE INDEX items_v ON items USING omenhnsw (embedding vector_l2_ops)")
    build = time.perf_counter() - t
    qs = ds["queries"][: args.queries]
    gt = ds["gt"][: args.queries]
    params = [(ob.vec_text(q),) for q in qs]
    conn.execute("SET enable_seqscan = off")
    for mode in args.modes.split(","):
        if mode != "default":
            conn.execute(f"SET omenhnsw.iterative_scan = {mode}")
        points = []
        for ef in [int(x) for x in args.ef.split(",")]:
            conn.execute(f"SET omenhnsw.ef_search = {ef}")
            res, qps, p50, p99 = ob.run_queries(conn, "SELECT id FROM items ORDER BY embedding <-> %s LIMIT 10",
                                                params, args.passes)
            r = ob.recall(res, gt)
            points.append({"recall": r, "qps": qps})
            print(f"{args.label:10s} {mode:14s} ef {ef:4d}  recall@10 {r:.4f}  QPS {qps:7.0f}  p50 {p50:.2f} ms  p99 {p99:.2f} ms",
                  flush=True)
        # out of order at LIMIT 100, ef 10 (the case of the issue)
        conn.execute("SET omenhnsw.ef_search = 10")
        cur = conn.cursor()
        bad = 0
        for (q,) in params[:100]:
            cur.execute("SELECT embedding <-> %s FROM items ORDER BY embedding <-> %s LIMIT 100", (q, q))
            d = [x[0] for x in cur.fetchall()]
            bad += any(d[i] > d[i + 1] for i in range(len(d) - 1))
        a95, a98 = ob.qps_at_recall(points, 0.95), ob.qps_at_recall(points, 0.98)
        print(f"{args.label:10s} {mode:14s} QPS@0.95 {ob.fmt(a95, '{:.0f}')}  QPS@0.98 {ob.fmt(a98, '{:.0f}')}  "
              f"unsorted at ef 10 LIMIT 100: {bad}/100  build {build:.1f} s", flush=True)
        with open(args.out, "a") as f:
            f.write(json.dumps(dict(label=args.label, mode=mode, points=points, qps95=a95, qps98=a98,
                                    unsorted=bad, build_s=build)) + "\n")
        if mode != "default":
            conn.execute("RESET omenhnsw.iterative_scan")


if __name__ == "__main__":
    main()
