# Copyright (c) 2026, OmenDB developers
#
# 003_concurrent.pl
#	Concurrent inserts, deletes, VACUUM and scans on one omenhnsw index
#	(pgbench): no error, no deadlock, no deleted row returned, and the index
#	still finds every row it should.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('concurrent');
$node->init;
$node->append_conf('postgresql.conf', "max_parallel_maintenance_workers = 0\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION omendb');
$node->safe_psql('postgres', q{
	CREATE TABLE t (id bigserial PRIMARY KEY, v vector(8), dead bool DEFAULT false);
	INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
	FROM generate_series(1, 1000) i;
	CREATE INDEX t_v ON t USING omenhnsw (v vector_l2_ops);
});

$node->pgbench(
	'--no-vacuum --client=6 --transactions=150',
	0,
	[qr{processed: 900/900}],
	[qr{^$}],
	'concurrent inserts, deletes and scans',
	{
		'003_insert' => q{
			INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE g > 0)::vector
			FROM generate_series(1, 5) g;
		},
		'003_delete' => q{
			\set k random(1, 3000)
			DELETE FROM t WHERE id = :k;
		},
		'003_scan' => q{
			SET enable_seqscan = off;
			SELECT id FROM t ORDER BY v <-> (SELECT v FROM t ORDER BY id DESC LIMIT 1) LIMIT 10;
		},
		'003_vacuum@1' => q{
			VACUUM t;
		},
	});

$node->safe_psql('postgres', 'VACUUM t');

my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
# every row is reachable; allow a few unreachable nodes (graph pruning)
my $found = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM t LIMIT 1)) s
});
cmp_ok($found, '>=', $rows * 0.99, "full index scan finds the rows ($found of $rows)");
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM t LIMIT 1)) s
	WHERE NOT EXISTS (SELECT 1 FROM t t2 WHERE t2.id = s.id)
}), '0', 'no deleted row returned');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) - count(DISTINCT id) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM t LIMIT 1)) s
}), '0', 'no row returned twice');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT bool_and(x.id = q.id) FROM (SELECT id, v FROM t WHERE id % 50 = 0) q,
		LATERAL (SELECT id FROM t ORDER BY t.v <-> q.v LIMIT 1) x
}), 't', 'every sampled row finds itself');

# Inserts alone, into an index that starts empty, from 4 clients: they run concurrently (ShareLock)
# and often link into the same nodes (clustered 4-d rows), so edits computed from a record another
# insert changed meanwhile must be planned again, not written over its links.
$node->safe_psql('postgres', q{
	CREATE TABLE c (id bigserial PRIMARY KEY, v vector(4));
	CREATE INDEX c_v ON c USING omenhnsw (v vector_l2_ops);
});
$node->pgbench(
	'--no-vacuum --client=4 --transactions=200',
	0,
	[qr{processed: 800/800}],
	[qr{^$}],
	'concurrent inserts',
	{
		'003_cluster_insert' => q{
			INSERT INTO c (v) SELECT ARRAY[k + random() * 0.01, k * 0.5, 1 - k, random() * 0.01]::real[]::vector
				FROM (SELECT floor(random() * 20)::real AS k, g FROM generate_series(1, 5) g) s;
		},
	});
my $n = $node->safe_psql('postgres', 'SELECT count(*) FROM c');
is($n, '4000', 'every concurrent insert is in the table');
my $reached = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM c ORDER BY v <-> '[0,0,0,0]') s
});
cmp_ok($reached, '>=', 0.995 * $n, "full index scan after concurrent inserts reaches the rows ($reached of $n)");
my $self = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FILTER (WHERE x.d = 0) FROM (SELECT id, v FROM c WHERE id % 20 = 0) q,
		LATERAL (SELECT c.v <-> q.v AS d FROM c ORDER BY c.v <-> q.v LIMIT 1) x
});
cmp_ok($self, '>=', 0.99 * ($n / 20), "sampled rows find their own vector ($self of " . ($n / 20) . ")");

# structure after concurrent inserts, deletes and VACUUMs, and after slot reuse under
# concurrent inserts
like($node->safe_psql('postgres', q{SELECT heap_rows = live_nodes FROM omenhnsw_verify('t_v')}),
	qr/^t$/, 'omenhnsw_verify passes on the concurrently changed index');
is($node->safe_psql('postgres', q{SELECT heap_rows, live_nodes FROM omenhnsw_verify('c_v')}),
	"$n|$n", 'omenhnsw_verify passes after concurrent inserts');
$node->safe_psql('postgres', 'DELETE FROM c WHERE id % 2 = 0; VACUUM c');
$node->pgbench(
	'--no-vacuum --client=4 --transactions=100',
	0,
	[qr{processed: 400/400}],
	[qr{^$}],
	'concurrent inserts into freed slots',
	{
		'003_cluster_reuse' => q{
			INSERT INTO c (v) SELECT ARRAY[k + random() * 0.01, k * 0.5, 1 - k, random() * 0.01]::real[]::vector
				FROM (SELECT floor(random() * 20)::real AS k, g FROM generate_series(1, 5) g) s;
		},
	});
is($node->safe_psql('postgres', q{
	SELECT heap_rows = live_nodes AND free_slots < 2000 AND heap_rows = (SELECT count(*) FROM c)
	FROM omenhnsw_verify('c_v')}),
	't', 'omenhnsw_verify passes after concurrent inserts reused freed slots');

$node->stop;
done_testing();
