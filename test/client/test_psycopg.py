#!/usr/bin/python3
"""Client compatibility: psycopg 3 talking to the vector types the way pgvector's clients do.

pgvector-python registers a text dumper/loader ('[1,2,3]') and a binary one (int16 dim, int16
unused, float4 values, big-endian).  This test implements both from that wire description and checks
that OmenDB's vector type reads and writes them, in text and binary formats, with COPY, and in a k-NN
query with a bound parameter.  The same for pgvector's documented halfvec layout (int16 dim, int16
unused, binary16 values) and sparsevec layout (int32 dim, int32 nnz, int32 unused, nnz int32 0-based
indices, nnz float4 values; text '{1:1.5,3:2}/5'), including k-NN through a USING hnsw index.  Runs against the server named by the libpq environment; prints
'N passed, N failed' and exits non-zero on any failure.
"""
import struct
import sys
import traceback

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format


class Vec(list):
    pass


def to_text(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def from_text(s):
    return Vec(float(x) for x in s.strip("[]").split(","))


def to_binary(v):
    return struct.pack(">HH%df" % len(v), len(v), 0, *v)


def from_binary(b):
    dim, unused = struct.unpack_from(">HH", b)
    assert unused == 0
    return Vec(struct.unpack_from(">%df" % dim, b, 4))


class HalfVec(list):
    pass


class SparseVec:
    """pgvector-python's SparseVector in miniature: dimensions and {0-based index: value}."""

    def __init__(self, dim, elements):
        self.dim = dim
        # float4 elements, as the server keeps them
        self.elements = {i: struct.unpack(">f", struct.pack(">f", v))[0] for i, v in elements.items() if v != 0}

    def __eq__(self, other):
        return isinstance(other, SparseVec) and self.dim == other.dim and self.elements == other.elements

    def __repr__(self):
        return f"SparseVec({self.dim}, {self.elements})"


def half_to_binary(v):
    return struct.pack(">HH%de" % len(v), len(v), 0, *v)


def half_from_binary(b):
    dim, unused = struct.unpack_from(">HH", b)
    assert unused == 0
    return HalfVec(struct.unpack_from(">%de" % dim, b, 4))


def sparse_to_text(s):
    return "{" + ",".join(f"{i + 1}:{repr(v)}" for i, v in sorted(s.elements.items())) + "}/" + str(s.dim)


def sparse_from_text(t):
    body, dim = t.rsplit("/", 1)
    pairs = [p.split(":") for p in body.strip("{}").split(",") if p]
    return SparseVec(int(dim), {int(i) - 1: float(v) for i, v in pairs})


def sparse_to_binary(s):
    idx = sorted(s.elements)
    return struct.pack(">iii%di%df" % (len(idx), len(idx)), s.dim, len(idx), 0, *idx,
                       *[s.elements[i] for i in idx])


def sparse_from_binary(b):
    dim, nnz, unused = struct.unpack_from(">iii", b)
    assert unused == 0
    idx = struct.unpack_from(">%di" % nnz, b, 12)
    vals = struct.unpack_from(">%df" % nnz, b, 12 + 4 * nnz)
    return SparseVec(dim, dict(zip(idx, vals)))


def register_type(conn, typname, pytype, dump_text, dump_binary, load_text, load_binary):
    oid = conn.execute("SELECT %s::regtype::oid", (typname,)).fetchone()[0]

    class TextDumper(Dumper):
        format = Format.TEXT

        def dump(self, obj):
            return dump_text(obj).encode()

    class BinaryDumper(Dumper):
        format = Format.BINARY

        def dump(self, obj):
            return dump_binary(obj)

    class TextLoader(Loader):
        format = Format.TEXT

        def load(self, data):
            return load_text(bytes(data).decode())

    class BinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            return load_binary(bytes(data))

    TextDumper.oid = oid
    BinaryDumper.oid = oid
    conn.adapters.register_dumper(pytype, TextDumper)
    conn.adapters.register_loader(oid, TextLoader)
    conn.adapters.register_loader(oid, BinaryLoader)
    return TextDumper, BinaryDumper


def register(conn):
    oid = conn.execute("SELECT 'vector'::regtype::oid").fetchone()[0]

    class TextDumper(Dumper):
        format = Format.TEXT

        def dump(self, obj):
            return to_text(obj).encode()

    class BinaryDumper(Dumper):
        format = Format.BINARY

        def dump(self, obj):
            return to_binary(obj)

    class TextLoader(Loader):
        format = Format.TEXT

        def load(self, data):
            return from_text(bytes(data).decode())

    class BinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            return from_binary(bytes(data))

    TextDumper.oid = oid
    BinaryDumper.oid = oid
    conn.adapters.register_dumper(Vec, TextDumper)
    conn.adapters.register_loader(oid, TextLoader)
    conn.adapters.register_loader(oid, BinaryLoader)
    return TextDumper, BinaryDumper


ROWS = [Vec([1.0, 2.0, 3.0]), Vec([1.5, -2.25, 1e-7]), Vec([0.1, 0.2, 0.3]), Vec([-3.0, 4.0, 1e20])]


def f32(x):
    return struct.unpack(">f", struct.pack(">f", x))[0]


def same(a, b):
    return len(a) == len(b) and all(f32(x) == f32(y) for x, y in zip(a, b))


def main():
    tests = []

    def test(fn):
        tests.append(fn)
        return fn

    conn = psycopg.connect("", autocommit=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS omendb")
    text_dumper, binary_dumper = register(conn)
    vector_oid = conn.execute("SELECT 'vector'::regtype::oid").fetchone()[0]
    conn.execute("DROP TABLE IF EXISTS client_items")
    conn.execute("CREATE TABLE client_items (id int PRIMARY KEY, embedding vector(3))")

    @test
    def insert_text_read_text():
        conn.execute("TRUNCATE client_items")
        conn.adapters.register_dumper(Vec, text_dumper)
        for i, v in enumerate(ROWS):
            conn.execute("INSERT INTO client_items VALUES (%s, %s)", (i, v))
        got = [r[0] for r in conn.execute("SELECT embedding FROM client_items ORDER BY id")]
        assert all(same(a, b) for a, b in zip(got, ROWS)), got

    @test
    def insert_binary_read_binary():
        conn.execute("TRUNCATE client_items")
        conn.adapters.register_dumper(Vec, binary_dumper)
        with conn.cursor() as cur:
            for i, v in enumerate(ROWS):
                cur.execute("INSERT INTO client_items VALUES (%s, %b)", (i, v))
        with conn.cursor(binary=True) as cur:
            got = [r[0] for r in cur.execute("SELECT embedding FROM client_items ORDER BY id")]
        assert all(same(a, b) for a, b in zip(got, ROWS)), got
        # the server's text output of what the binary path wrote
        txt = [r[0] for r in conn.execute("SELECT embedding::text FROM client_items ORDER BY id")]
        assert txt[0] == "[1,2,3]", txt

    @test
    def binary_wire_layout_is_pgvectors():
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT vector_send('[1,2]'::vector)")
            raw = bytes(cur.fetchone()[0])
        assert raw == struct.pack(">HHff", 2, 0, 1.0, 2.0), raw

    @test
    def binary_copy_round_trip():
        conn.execute("TRUNCATE client_items")
        with conn.cursor() as cur:
            with cur.copy("COPY client_items (id, embedding) FROM STDIN WITH (FORMAT binary)") as cp:
                cp.set_types(["int4", vector_oid])
                for i, v in enumerate(ROWS):
                    cp.write_row((i, v))
            with cur.copy("COPY client_items (id, embedding) TO STDOUT WITH (FORMAT binary)") as cp:
                cp.set_types(["int4", vector_oid])
                got = sorted(cp.rows())
        assert [r[0] for r in got] == [0, 1, 2, 3]
        assert all(same(r[1], v) for r, v in zip(got, ROWS)), got

    @test
    def bad_binary_input_is_rejected():
        try:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO client_items VALUES (100, %b)", (Vec([float("nan"), 1.0, 2.0]),))
        except psycopg.errors.DataException:
            return
        raise AssertionError("NaN was accepted")

    half_text, half_binary = register_type(
        conn, "halfvec", HalfVec, to_text, half_to_binary,
        lambda t: HalfVec(from_text(t)), half_from_binary)
    sparse_text, sparse_binary = register_type(
        conn, "sparsevec", SparseVec, sparse_to_text, sparse_to_binary, sparse_from_text, sparse_from_binary)
    conn.execute("DROP TABLE IF EXISTS client_types")
    conn.execute("CREATE TABLE client_types (id int PRIMARY KEY, h halfvec(3), s sparsevec(5))")
    # halves: 0.1 rounds to 0.0999755859375, as struct's 'e' (round half to even) does
    HROWS = [HalfVec([1.0, 2.0, 3.0]), HalfVec([0.1, -2.5, 65504.0]), HalfVec([6e-8, 0.0, -1.0])]
    SROWS = [SparseVec(5, {0: 1.5, 2: 2.0}), SparseVec(5, {}), SparseVec(5, {4: -0.1, 1: 3.0})]

    def half_exp(v):
        return [struct.unpack(">e", struct.pack(">e", x))[0] for x in v]

    @test
    def halfvec_and_sparsevec_text_and_binary():
        for hd, sd, binary in ((half_text, sparse_text, False), (half_binary, sparse_binary, True)):
            conn.execute("TRUNCATE client_types")
            conn.adapters.register_dumper(HalfVec, hd)
            conn.adapters.register_dumper(SparseVec, sd)
            with conn.cursor() as cur:
                ph = "%b" if binary else "%s"
                for i, (h, sv) in enumerate(zip(HROWS, SROWS)):
                    cur.execute(f"INSERT INTO client_types VALUES (%s, {ph}, {ph})", (i, h, sv))
            for read_binary in (False, True):
                with conn.cursor(binary=read_binary) as cur:
                    got = cur.execute("SELECT h, s FROM client_types ORDER BY id").fetchall()
                # text output is the shortest float4 text: round it to half again
                assert [half_exp(r[0]) for r in got] == [half_exp(h) for h in HROWS], got
                assert [r[1] for r in got] == SROWS, got
        txt = conn.execute("SELECT h::text, s::text FROM client_types ORDER BY id").fetchall()
        assert txt[1] == ("[0.099975586,-2.5,65504]", "{}/5"), txt
        assert txt[2][1] == "{2:3,5:-0.1}/5", txt

    @test
    def halfvec_and_sparsevec_wire_layouts_are_pgvectors():
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT halfvec_send('[1,-2,0.5]'), sparsevec_send('{1:1.5,3:2}/5')")
            h, sv = (bytes(x) for x in cur.fetchone())
        assert h == struct.pack(">HHeee", 3, 0, 1.0, -2.0, 0.5), h
        assert sv == struct.pack(">iiiiiff", 5, 2, 0, 0, 2, 1.5, 2.0), sv

    @test
    def halfvec_and_sparsevec_binary_copy():
        conn.execute("TRUNCATE client_types")
        conn.adapters.register_dumper(HalfVec, half_binary)
        conn.adapters.register_dumper(SparseVec, sparse_binary)
        oids = [conn.execute("SELECT %s::regtype::oid", (t,)).fetchone()[0] for t in ("halfvec", "sparsevec")]
        with conn.cursor() as cur:
            with cur.copy("COPY client_types (id, h, s) FROM STDIN WITH (FORMAT binary)") as cp:
                cp.set_types(["int4"] + oids)
                for i, (h, sv) in enumerate(zip(HROWS, SROWS)):
                    cp.write_row((i, h, sv))
            with cur.copy("COPY client_types (id, h, s) TO STDOUT WITH (FORMAT binary)") as cp:
                cp.set_types(["int4"] + oids)
                got = sorted(cp.rows(), key=lambda r: r[0])
        assert [list(r[1]) for r in got] == [half_exp(h) for h in HROWS], got
        assert [r[2] for r in got] == SROWS, got

    class RawSparse(bytes):
        """Bytes sent as they are in sparsevec's binary format."""

    class RawSparseDumper(Dumper):
        format = Format.BINARY
        oid = sparse_binary.oid

        def dump(self, obj):
            return bytes(obj)

    conn.adapters.register_dumper(RawSparse, RawSparseDumper)

    @test
    def bad_sparsevec_and_halfvec_binary_rejected():
        bad = [
            struct.pack(">iiiiiff", 5, 2, 0, 2, 0, 1.0, 2.0),   # indices out of order
            struct.pack(">iiiiiff", 5, 2, 0, 0, 2, 1.0, 0.0),   # a stored zero
            struct.pack(">iiiif", 5, 1, 0, 5, 1.0),             # index out of range
            struct.pack(">iiiif", 5, 1, 7, 0, 1.0),             # unused not zero
            struct.pack(">iiiif", 0, 1, 0, 0, 1.0),             # no dimensions
        ]
        for raw in bad:
            try:
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO client_types (id, s) VALUES (99, %b)", (RawSparse(raw),))
            except psycopg.errors.DataException:
                continue
            raise AssertionError(f"accepted bad sparsevec {raw.hex()}")
        conn.adapters.register_dumper(HalfVec, half_binary)
        try:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO client_types (id, h) VALUES (99, %b)", (HalfVec([float("inf"), 1, 2]),))
        except psycopg.errors.DataException:
            return
        raise AssertionError("accepted an infinite half")

    @test
    def knn_halfvec_and_sparsevec_hnsw_with_bound_parameters():
        conn.execute("TRUNCATE client_types")
        conn.adapters.register_dumper(HalfVec, half_text)
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO client_types VALUES (%s, %s, %s)",
                            [(i, HalfVec([float(i), float(i % 7), 1.0]),
                              SparseVec(5, {0: float(i), 3: float(i % 7)})) for i in range(200)])
        conn.execute("CREATE INDEX client_types_h ON client_types USING hnsw (h halfvec_l2_ops)")
        conn.execute("CREATE INDEX client_types_s ON client_types USING hnsw (s sparsevec_l2_ops)")
        conn.execute("SET enable_seqscan = off")
        for hd, sd in ((half_text, sparse_text), (half_binary, sparse_binary)):
            conn.adapters.register_dumper(HalfVec, hd)
            conn.adapters.register_dumper(SparseVec, sd)
            with conn.cursor() as cur:
                plan = "\n".join(r[0] for r in cur.execute(
                    "EXPLAIN SELECT id FROM client_types ORDER BY h <-> %s LIMIT 3", (HalfVec([50.2, 1, 1]),)))
                assert "client_types_h" in plan, plan
                cur.execute("SELECT id FROM client_types ORDER BY h <-> %s LIMIT 3", (HalfVec([50.2, 1, 1]),),
                            prepare=True)
                assert [r[0] for r in cur.fetchall()] == [50, 51, 49]
                plan = "\n".join(r[0] for r in cur.execute(
                    "EXPLAIN SELECT id FROM client_types ORDER BY s <-> %s LIMIT 3", (SparseVec(5, {0: 50.2}),)))
                assert "client_types_s" in plan, plan
                cur.execute("SELECT id FROM client_types ORDER BY s <-> %s LIMIT 3",
                            (SparseVec(5, {0: 50.2, 3: 1.0}),), prepare=True)
                assert [r[0] for r in cur.fetchall()] == [50, 51, 49]
        conn.execute("RESET enable_seqscan")

    @test
    def knn_with_bound_parameter():
        conn.execute("TRUNCATE client_items")
        conn.adapters.register_dumper(Vec, text_dumper)
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO client_items VALUES (%s, %s)",
                            [(i, Vec([float(i), float(i % 7), 1.0])) for i in range(200)])
        conn.execute("CREATE INDEX client_items_idx ON client_items USING omenhnsw (embedding vector_l2_ops)")
        q = Vec([50.2, 1.0, 1.0])
        conn.execute("SET enable_seqscan = off")  # exercise the index path on this small table
        for dumper in (text_dumper, binary_dumper):
            conn.adapters.register_dumper(Vec, dumper)
            with conn.cursor() as cur:
                cur.execute("SELECT id FROM client_items ORDER BY embedding <-> %s LIMIT 3", (q,), prepare=True)
                ids = [r[0] for r in cur.fetchall()]
            assert ids == [50, 51, 49], ids
        conn.execute("RESET enable_seqscan")
        conn.execute("DROP INDEX client_items_idx")

    passed = failed = 0
    for fn in tests:
        try:
            fn()
            print(f"ok   {fn.__name__}")
            passed += 1
        except Exception:
            print(f"FAIL {fn.__name__}")
            traceback.print_exc()
            failed += 1
    conn.execute("DROP TABLE IF EXISTS client_items")
    conn.execute("DROP TABLE IF EXISTS client_types")
    conn.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
