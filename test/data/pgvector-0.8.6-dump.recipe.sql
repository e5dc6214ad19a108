-- How test/data/pgvector-0.8.6-dump.sql was made: in a database of a cluster with pgvector 0.8.6
-- installed (../shared/peers/install-pgvector.sh), run this file, then pg_dump --no-owner.
CREATE EXTENSION vector;
CREATE TABLE items (
	id bigint PRIMARY KEY,
	category int NOT NULL,
	embedding vector(3),
	half halfvec(3),
	sparse sparsevec(5),
	bits bit(3)
);
INSERT INTO items
SELECT i, i % 4,
	   ARRAY[i % 7, i % 5, (i % 3) - 1]::vector,
	   ARRAY[(i % 11) * 0.5, i % 3, -(i % 4)]::halfvec,
	   ARRAY[i % 3, 0, i % 5, 0, (i % 2) * 1.5]::real[]::sparsevec,
	   binary_quantize(ARRAY[(i % 7) - 3, (i % 5) - 2, (i % 3) - 1]::vector)::bit(3)
FROM generate_series(1, 300) i;
INSERT INTO items VALUES (301, 0, NULL, NULL, NULL, NULL);
CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX items_embedding_cos_idx ON items USING hnsw (embedding vector_cosine_ops);
CREATE INDEX items_half_idx ON items USING hnsw (half halfvec_l2_ops);
CREATE INDEX items_sparse_idx ON items USING hnsw (sparse sparsevec_l2_ops);
CREATE INDEX items_bits_idx ON items USING hnsw (bits bit_hamming_ops);
CREATE INDEX items_bq_idx ON items USING hnsw ((binary_quantize(embedding)::bit(3)) bit_hamming_ops);
CREATE INDEX items_category_idx ON items (category);
