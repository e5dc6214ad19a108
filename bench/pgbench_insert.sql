-- pgbench script: one row per transaction into the indexed table (run by bench/omenbench.py with
-- -D dim=N).  Ids are negative so they never collide with the loaded rows.
\set id random(1, 1000000000)
INSERT INTO items (id, cat10, cat100, embedding)
  SELECT -:id, 0, 0, array_agg(random()::real ORDER BY g)::vector
  FROM generate_series(1, :dim) g;
