#!/usr/bin/python3
"""Client compatibility: psycopg 3 talking to the vector type the way pgvector's clients do.

pgvector-python registers a text dumper/loader ('[1,2,3]') and a binary one (int16 dim, int16
unused, float4 values, big-endian).  This test implements both from that wire description and checks
that OmenDB's vector type reads and writes them, in text and binary formats, with COPY, and in a k-NN
query with a bound parameter.  Runs against the server named by the libpq environment; prints
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
    conn.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
