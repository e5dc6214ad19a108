#!/usr/bin/env python3
"""Compare pgvector's own pg_regress expected output with what OmenDB printed for the same SQL.

    pgvector_regress_compare.py SQL_DIR EXPECTED_DIR RESULTS_DIR TEST...

Each test's output is cut into one block per SQL statement (psql echoes the statements, so the
statements of the .sql file mark where blocks start).  Message lines that only add detail
(DETAIL, HINT, CONTEXT, the LINE/caret pointer) are left out of the comparison: OmenDB's messages
carry hints that pgvector's do not.  A statement whose output still differs is either one of the
differences below, each a deliberate behaviour of OmenDB, or a failure.  Prints every difference
with the rule that explains it and exits 1 when any is unexplained.
"""
import os
import re
import sys

NOISE = re.compile(r"^(DETAIL|HINT|CONTEXT):|^LINE \d+:|^\s*\^\s*$")


def blocks(sql_path, out_path):
    """[(statement, [output lines])] in order, the statement being its first SQL line."""
    starts = []
    for line in open(sql_path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.strip() and not line.startswith("--") and not line.startswith(" ") and not line.startswith("\t"):
            starts.append(line)
    result, current, want = [], None, 0
    for line in open(out_path, encoding="utf-8"):
        line = line.rstrip("\n")
        if want < len(starts) and line == starts[want]:
            current = (line, [])
            result.append(current)
            want += 1
        elif current is not None and not NOISE.match(line):
            current[1].append(line)
    return result


def rows(output):
    """Data rows of a psql table (lines between the header rule and the '(n rows)' footer)."""
    out, inside = [], False
    for line in output:
        if re.match(r"^-+(\+-+)*$", line.strip()):
            inside = True
        elif re.match(r"^\(\d+ rows?\)$", line):
            inside = False
        elif inside:
            out.append(line)
    return out


def is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def first_error(output):
    return next((l for l in output if l.startswith("ERROR:")), None)


# (name, reason, test(test_name, statement, expected lines, result lines) -> bool)
RULES = [
    ("seqscan-rows",
     "an index scan returns every row a sequential scan returns: rows whose vector is NULL (last) and, "
     "under cosine, zero vectors (NaN distance, after every number); pgvector's hnsw leaves both out",
     lambda t, s, e, r: "ORDER BY" in s.upper() and first_error(e) is None and first_error(r) is None
     and (is_subsequence(rows(e), rows(r)) and len(rows(r)) > len(rows(e))
          or "COUNT(*)" in s.upper() and len(rows(e)) == len(rows(r)) == 1
          and int(rows(r)[0]) > int(rows(e)[0]))),
    ("dimension-limits",
     "omenhnsw indexes vector, halfvec and sparsevec up to 16,000 dimensions (pgvector's hnsw: 2,000 "
     "vector, 4,000 halfvec, 1,000 sparsevec non-zeros) and bit up to 16,000 (pgvector: 64,000)",
     lambda t, s, e, r: (first_error(e) or "").endswith("for hnsw index")
     and "type not supported" not in first_error(e)
     and (first_error(r) is None or "omenhnsw indexes support at most 16000 dimensions" in first_error(r))
     or t == "hnsw_bit" and first_error(e) is None
     and first_error(r) == "ERROR:  omenhnsw indexes support at most 16000 dimensions"),
    ("varbit",
     "omenhnsw indexes a varbit column (its rows give the dimension); pgvector's hnsw refuses the type",
     lambda t, s, e, r: first_error(e) == "ERROR:  type not supported for hnsw index"
     and s.upper().startswith("CREATE INDEX") and first_error(r) is None),
    ("scan-settings",
     "hnsw.* settings default to OmenDB's (iterative_scan strict_order, max_scan_tuples 0 = no cap, "
     "scan_mem_multiplier 0 = no cap); 0 is therefore a valid value",
     lambda t, s, e, r: re.match(r"^(SHOW|SET) hnsw\.(iterative_scan|max_scan_tuples|scan_mem_multiplier)", s)
     is not None),
    ("empty-combine",
     "combining two empty aggregate states (parallel workers that saw no rows) gives an empty state, "
     "not an error",
     lambda t, s, e, r: s.startswith("SELECT vector_combine('{0}', '{0}')") and first_error(r) is None),
    ("sum-dims-message",
     "sum() over vectors of different dimensions is an error with OmenDB's message for it",
     lambda t, s, e, r: (first_error(e) or "").startswith("ERROR:  different vector dimensions")
     and (first_error(r) or "").startswith("ERROR:  expected ") and s.upper().startswith("SELECT SUM(")),
]


def main():
    sql_dir, exp_dir, res_dir = sys.argv[1:4]
    unexplained = 0
    used = {}
    for test in sys.argv[4:]:
        exp = blocks(os.path.join(sql_dir, test + ".sql"), os.path.join(exp_dir, test + ".out"))
        res = blocks(os.path.join(sql_dir, test + ".sql"), os.path.join(res_dir, test + ".out"))
        if [s for s, _ in exp] != [s for s, _ in res]:
            print(f"{test}: the statements echoed differ (a statement missing or an early stop)")
            unexplained += 1
            continue
        diffs = 0
        for (stmt, e), (_, r) in zip(exp, res):
            if e == r:
                continue
            diffs += 1
            rule = next((name for name, _, f in RULES if f(test, stmt, e, r)), None)
            if rule:
                used[rule] = used.get(rule, 0) + 1
                print(f"{test}: [{rule}] {stmt}")
            else:
                unexplained += 1
                print(f"{test}: UNEXPLAINED {stmt}")
                print("  pgvector: " + " | ".join(e[:12]))
                print("  omendb:   " + " | ".join(r[:12]))
        print(f"{test}: {len(exp)} statements, {diffs} differ")
    for name, reason, _ in RULES:
        if name in used:
            print(f"rule {name} ({used[name]}): {reason}")
    print(f"pgvector-regress: {unexplained} unexplained differences")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
