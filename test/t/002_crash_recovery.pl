# Copyright (c) 2026, OmenDB developers
#
# 002_crash_recovery.pl
#	After an immediate shutdown, WAL replay restores an omenhnsw index that
#	answers exactly as before the crash, and close to the exact scan; an
#	unlogged table's index comes back empty and usable.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init(allows_streaming => 1);    # wal_level = replica: the index is WAL-logged
$node->append_conf('postgresql.conf', qq{
# VACUUM's outcome is asserted: no autoanalyze snapshot may keep dead rows alive
autovacuum = off
max_parallel_maintenance_workers = 0
checkpoint_timeout = '1h'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION omendb');
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int PRIMARY KEY, v vector(16));
	SELECT setseed(0.5);
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
	FROM generate_series(1, 3000) i;
	CHECKPOINT;
});
# everything from here on is replayed from WAL after the crash
$node->safe_psql('postgres', 'CREATE INDEX t_v ON t USING omenhnsw (v vector_l2_ops)');
$node->safe_psql('postgres', q{
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
	FROM generate_series(3001, 3500) i;
	DELETE FROM t WHERE id % 4 = 0;
});
$node->safe_psql('postgres', 'VACUUM t');
$node->safe_psql('postgres', q{
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
	FROM generate_series(4000, 4300) i;
});
$node->safe_psql('postgres', q{
	CREATE UNLOGGED TABLE u (id int, v vector(16));
	INSERT INTO u SELECT id, v FROM t WHERE id <= 200;
	CREATE INDEX u_v ON u USING omenhnsw (v vector_l2_ops);
});

my $index_query = q{
	SET enable_seqscan = off;
	SET enable_bitmapscan = off;
	SELECT q.id, (SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY v <-> q.v LIMIT 10) s)
	FROM t q WHERE q.id % 61 = 1 ORDER BY q.id;
};
my $recall_query = q{
	SET enable_indexscan = off;
	CREATE TEMP TABLE truth AS
	SELECT q.id AS qid, x.id FROM t q,
		LATERAL (SELECT id FROM t ORDER BY t.v <-> q.v LIMIT 10) x WHERE q.id % 61 = 1;
	RESET enable_indexscan;
	SET enable_seqscan = off;
	SET enable_bitmapscan = off;
	SET omenhnsw.ef_search = 100;
	SET omenhnsw.rerank_factor = 4;
	SELECT count(*)::float8 / (SELECT count(*) FROM truth) >= 0.9 FROM truth JOIN (
		SELECT q.id AS qid, x.id FROM t q,
			LATERAL (SELECT id FROM t ORDER BY t.v <-> q.v LIMIT 10) x WHERE q.id % 61 = 1
	) a USING (qid, id);
};

my $before = $node->safe_psql('postgres', $index_query);
isnt($before, '', 'index answers before the crash');
is($node->safe_psql('postgres', $recall_query), 't', 'recall before the crash');

$node->stop('immediate');
$node->start;

my $after = $node->safe_psql('postgres', $index_query);
is($after, $before, 'index answers the same after crash recovery');
# the inserts after the VACUUM reused freed slots (format 2): replayed from WAL too
is($node->safe_psql('postgres', q{
	SELECT heap_rows = live_nodes, nodes < 3500 + 301 FROM omenhnsw_verify('t_v')}),
	't|t', 'omenhnsw_verify passes after crash recovery, slots reused');
is($node->safe_psql('postgres', $recall_query), 't', 'recall after the crash');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM t WHERE id = 1) LIMIT 1000) s WHERE id % 4 = 0 AND id <= 3500
}), '0', 'no deleted row after crash recovery');

# more changes after recovery work
$node->safe_psql('postgres', q{
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
	FROM generate_series(5000, 5200) i;
});
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT id FROM t ORDER BY v <-> (SELECT v FROM t WHERE id = 5100) LIMIT 1
}), '5100', 'inserts after recovery are found');
is($node->safe_psql('postgres', $recall_query), 't', 'recall after more inserts');

# a crash between VACUUM freeing slots and inserts reusing them, then both again
$node->safe_psql('postgres', 'DELETE FROM t WHERE id % 3 = 0; VACUUM t');
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', q{SELECT heap_rows = live_nodes, free_slots > 0 FROM omenhnsw_verify('t_v')}),
	't|t', 'omenhnsw_verify passes after a crash following a VACUUM');
$node->safe_psql('postgres', q{
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
	FROM generate_series(6000, 6800) i;
});
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', q{SELECT heap_rows = live_nodes FROM omenhnsw_verify('t_v')}),
	't', 'omenhnsw_verify passes after a crash following inserts into freed slots');
is($node->safe_psql('postgres', $recall_query), 't', 'recall after reuse and crash');

# the unlogged table is empty after the crash; its index is usable again
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM u ORDER BY v <-> (SELECT v FROM t WHERE id = 1) LIMIT 5) s
}), '0', 'unlogged index empty after the crash');
$node->safe_psql('postgres', 'INSERT INTO u SELECT id, v FROM t WHERE id <= 100');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT id FROM u ORDER BY v <-> (SELECT v FROM t WHERE id = 7) LIMIT 1
}), '7', 'unlogged index usable after the crash');

$node->stop;
done_testing();
