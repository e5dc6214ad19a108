--
-- vector type: text input and output, dimension limits, type modifier, and
-- every rejected input with its SQLSTATE.
--

-- Text input: white space around numbers and brackets, signs, exponents.
SELECT '[1,2,3]'::vector;
SELECT ' [ 1 , 2.5 ,-3 ] '::vector;
SELECT E'\t[\n1,\r\n2\t]\n'::vector;
SELECT '[+1,-0,0,1e3,-1.5E-3,.5,5.]'::vector;

-- Output is the shortest text that reads back to the same float4.
SELECT '[0.1,0.2,0.3]'::vector;
SELECT '[0.333333333333,3.14159265358979,16777217,1e-7]'::vector;
SELECT '[3.4028235e38,-3.4028235e38,1.17549435e-38,1e-45]'::vector;
SELECT v::text::vector = v AS round_trip, vector_send(v::text::vector) = vector_send(v) AS same_bits
FROM (VALUES ('[0.1,0.33333334,-2.7182817,1e-45,-0]'::vector),
			 ('[1.0000001,123456.79,7e-39]'::vector)) t(v);

-- Values that underflow float4 become zero or denormal, as in pgvector.
SELECT '[1e-50,-1e-50]'::vector;

-- Dimension limits: 1 to 16000.
SELECT vector_dims('[5]'::vector);
SELECT vector_dims(('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::vector);

-- Type modifier.
CREATE TABLE vector_type_t (id int, v vector(3));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'vector_type_t'::regclass AND attname = 'v';
INSERT INTO vector_type_t VALUES (1, '[1,2,3]'), (2, '[4, 5, 6]'), (3, NULL);
SELECT * FROM vector_type_t ORDER BY id;
SELECT '[1,2,3]'::vector(3), '[1]'::vector(1);
SELECT format_type('vector'::regtype, 16000);
CREATE TABLE vector_type_max (v vector(16000));
DROP TABLE vector_type_max;

-- Rejected: wrong number of dimensions for the type modifier.
INSERT INTO vector_type_t VALUES (4, '[1,2]');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO vector_type_t VALUES (4, '[1,2,3,4]'::vector);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::vector(3);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2,3]'::vector::vector(2);
\echo :LAST_ERROR_SQLSTATE
UPDATE vector_type_t SET v = '[1,2]' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE vector_type_t ALTER COLUMN v TYPE vector(2);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM vector_type_t ORDER BY id;

-- Rejected: bad type modifiers.
SELECT '[1]'::vector(0);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1]'::vector(-1);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE vector_type_bad (v vector(16001));
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE vector_type_bad (v vector(3, 4));
\echo :LAST_ERROR_SQLSTATE

-- Rejected: malformed text.  Each error says where the input went wrong.
SELECT '[1,a]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '1,2,3'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1 2]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2] x'::vector;
\echo :LAST_ERROR_SQLSTATE

-- The same and more, compactly: input, SQLSTATE, message and detail.
CREATE FUNCTION vector_type_try(input text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	state text;
	msg text;
	detail text;
BEGIN
	PERFORM input::vector;
	RETURN 'accepted';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL;
	RETURN state || ': ' || msg || coalesce(' / ' || nullif(detail, ''), '');
END
$$;

SELECT quote_literal(input) AS input, vector_type_try(input) AS result
FROM (VALUES (''), ('   '), ('['), ('[ '), (']'), ('[1'), ('[1,'), ('[1,]'),
			 ('[,1]'), ('[1,,2]'), ('[1;2]'), ('[1]]'), ('[1],'), ('[[1]]'),
			 ('(1,2)'), ('{1,2}'), ('[a]'), ('[1,2,b]'), ('[1e]'), ('[--1]'),
			 ('[1.2.3]'), ('[ 1 , 2 ]x'), ('x[1]'), ('[]'), ('[ ]'),
			 ('[NaN]'), ('[1,nan]'), ('[Infinity]'), ('[-inf]'), ('[1,INF]'),
			 ('[1e39]'), ('[-3.5e38]'), ('[1e-50]')) t(input);

-- Rejected: empty, NaN, infinity, out of range, shown in full.
SELECT '[]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,NaN]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[-Infinity]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1e39]'::vector;
\echo :LAST_ERROR_SQLSTATE

-- Rejected: more than 16000 dimensions.
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::vector;
\echo :LAST_ERROR_SQLSTATE

-- NULL in, NULL out.
SELECT NULL::vector IS NULL AS is_null;

-- The type's storage and I/O functions are what pgvector's are.
SELECT typname, typlen, typstorage, typinput, typoutput, typreceive, typsend,
	   typmodin, typmodout
FROM pg_type WHERE typname = 'vector';

DROP FUNCTION vector_type_try(text);
DROP TABLE vector_type_t;
