--
-- vector binary I/O: the send format (same as pgvector), a binary COPY round
-- trip, and vector_recv's validation of hand-made binary values.
--
-- The server writes and reads the COPY files, so they live in /tmp.
--

-- Format: int16 dim, int16 unused (0), float4 values, all big-endian.
SELECT vector_send('[1,2,3]') AS three, vector_send('[-0,0.1]') AS neg_zero_tenth,
	   vector_send('[3.4028235e38]') AS max, vector_send('[1e-45]') AS denormal;
SELECT length(vector_send(array_fill(1, ARRAY[16000])::vector)) AS bytes_16000;

-- Round trip through binary COPY, including -0, denormals, extremes and
-- 16000 dimensions, then compared value by value and bit by bit.
SELECT setseed(0.5);
CREATE TABLE vector_binary_src (id int, v vector);
INSERT INTO vector_binary_src VALUES
	(1, '[1,2,3]'), (2, '[-0,0,1e-45,-1e-45]'), (3, '[3.4028235e38,-3.4028235e38,1.1754944e-38]'),
	(4, '[0.1,0.2,0.3,0.33333334]'), (5, NULL);
INSERT INTO vector_binary_src
SELECT 100 + d, (SELECT array_agg(random() * 2 - 1) FROM generate_series(1, d))::vector
FROM (VALUES (1), (7), (768), (16000)) t(d);
COPY vector_binary_src TO '/tmp/omendb_vector_bin.copy' WITH (FORMAT binary);
CREATE TABLE vector_binary_dst (id int, v vector);
COPY vector_binary_dst FROM '/tmp/omendb_vector_bin.copy' WITH (FORMAT binary);
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE s.v = d.v) AS equal,
	   count(*) FILTER (WHERE vector_send(s.v) = vector_send(d.v)) AS same_bits,
	   count(*) FILTER (WHERE s.v IS NULL AND d.v IS NULL) AS both_null,
	   sum(vector_dims(d.v)) AS total_dims
FROM vector_binary_src s JOIN vector_binary_dst d USING (id);

-- The binary form of a typmod column is the same; recv enforces the typmod.
CREATE TABLE vector_binary_typed (v vector(3));
COPY (SELECT v FROM vector_binary_src WHERE id = 1) TO '/tmp/omendb_vector_bin.copy' WITH (FORMAT binary);
COPY vector_binary_typed FROM '/tmp/omendb_vector_bin.copy' WITH (FORMAT binary);
SELECT * FROM vector_binary_typed;
CREATE TABLE vector_binary_typed4 (v vector(4));
COPY vector_binary_typed4 FROM '/tmp/omendb_vector_bin.copy' WITH (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE

-- Hand-made binary values: a bytea column's COPY BINARY payload is its bytes,
-- so copying such a file into a vector column feeds the bytes to vector_recv.
CREATE TABLE vector_binary_raw (b bytea);
CREATE TABLE vector_binary_in (v vector);
CREATE FUNCTION vector_binary_try(hex text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	state text;
	msg text;
	result text;
BEGIN
	TRUNCATE vector_binary_raw, vector_binary_in;
	INSERT INTO vector_binary_raw VALUES (decode(hex, 'hex'));
	COPY vector_binary_raw TO '/tmp/omendb_vector_bin.copy' WITH (FORMAT binary);
	COPY vector_binary_in FROM '/tmp/omendb_vector_bin.copy' WITH (FORMAT binary);
	SELECT v::text INTO result FROM vector_binary_in;
	RETURN result;
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN state || ': ' || msg;
END
$$;

SELECT what, hex, vector_binary_try(hex) AS result
FROM (VALUES ('valid [1,2]', '000200003f80000040000000'),
			 ('valid [-2.5]', '00010000c0200000'),
			 ('dim 0', '00000000'),
			 ('dim -1', 'ffff0000'),
			 ('dim 16001', '3e810000'),
			 ('unused 1', '000200013f80000040000000'),
			 ('unused -1', '0001ffff3f800000'),
			 ('NaN', '000100007fc00000'),
			 ('+Inf', '000100007f800000'),
			 ('-Inf', '00020000ff8000003f800000'),
			 ('too short', '000200003f800000'),
			 ('no header', '0001'),
			 ('trailing byte', '000100003f80000000')) t(what, hex);

-- One of them shown in full.
TRUNCATE vector_binary_raw;
INSERT INTO vector_binary_raw VALUES (decode('000200013f80000040000000', 'hex'));
COPY vector_binary_raw TO '/tmp/omendb_vector_bin.copy' WITH (FORMAT binary);
COPY vector_binary_in FROM '/tmp/omendb_vector_bin.copy' WITH (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE

-- Text COPY round trip too.
COPY vector_binary_src TO '/tmp/omendb_vector_text.copy';
TRUNCATE vector_binary_dst;
COPY vector_binary_dst FROM '/tmp/omendb_vector_text.copy';
SELECT count(*) AS rows, count(*) FILTER (WHERE vector_send(s.v) = vector_send(d.v)) AS same_bits
FROM vector_binary_src s JOIN vector_binary_dst d USING (id);

DROP FUNCTION vector_binary_try(text);
DROP TABLE vector_binary_src, vector_binary_dst, vector_binary_typed, vector_binary_typed4,
	vector_binary_raw, vector_binary_in;
