# Copyright (c) 2026, OmenDB developers
#
# 008_filter_columns.pl
#	An omenhnsw index with filter columns under the filters that break
#	post-filtering (selective, correlated with the query's neighbourhood,
#	anti-correlated, conjunctions, arrays, tenants): recall@10 against an
#	exact scan computed here and no short results, for every strategy.
#	Then two clients insert rows with filter values concurrently, a
#	streaming replica answers filtered queries like the primary
#	(wal_consistency_checking = generic), and the index survives a crash.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('fprimary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
# VACUUM's outcome is asserted: no autoanalyze snapshot may keep dead rows alive
autovacuum = off
wal_consistency_checking = 'generic'
max_parallel_maintenance_workers = 1
});
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION omendb');

my $backup = 'fprimary_backup';
$primary->backup($backup);
my $replica = PostgreSQL::Test::Cluster->new('freplica');
$replica->init_from_backup($primary, $backup, has_streaming => 1);
$replica->start;

# 12,000 rows of 32 dimensions in 40 tight clusters; label = the cluster.
$primary->safe_psql('postgres', q{
	SELECT setseed(0.8);
	CREATE TABLE centres AS
		SELECT c, (SELECT array_agg(random() * 8 - 4) FROM generate_series(1, 32) WHERE c >= 0) AS x
		FROM generate_series(0, 39) c;
	CREATE TABLE items (id int PRIMARY KEY, v vector(32), cat int, label int, tenant int,
		price float8, tags int[], note text);
	CREATE FUNCTION near_centre(c int, seed int) RETURNS vector AS $$
		SELECT (SELECT array_agg(x[d] + (random() - 0.5) * 1.0) FROM generate_series(1, 32) d)::vector
		FROM centres WHERE centres.c = near_centre.c AND seed IS NOT NULL
	$$ LANGUAGE sql VOLATILE;
	INSERT INTO items
	SELECT i, near_centre(i % 40, i), (i * 7919) % 100, i % 40, (i * 31) % 10, (i * 13) % 1000,
		ARRAY[(i * 17) % 50, (i * 23) % 50], 'n' || (i % 3)
	FROM generate_series(1, 12000) i;
	CREATE INDEX items_v ON items USING omenhnsw (v vector_l2_ops, cat, label, tenant, price, tags, note);
	ANALYZE items;
});

# queries: near 25 data points, each with the label of the cluster farthest from its own
my @queries = split /\n/, $primary->safe_psql('postgres', q{
	SELECT q.id || '|' || q.label || '|' || far.c || '|' || (SELECT v FROM items WHERE id = q.id)::text
	FROM items q,
	LATERAL (SELECT c FROM centres ORDER BY
		(SELECT sum((a - b) ^ 2) FROM unnest(x, (SELECT x FROM centres WHERE c = q.label)) t(a, b)) DESC LIMIT 1) far
	WHERE q.id % 480 = 7 ORDER BY q.id;
});
is(scalar(@queries), 25, 'queries');

my %cases = (
	'uniform 1%'        => sub { "cat = $_[0] % 100" },
	'correlated'        => sub { "label = $_[1]" },
	'anti-correlated'   => sub { "label = $_[2]" },
	'conjunction'       => sub { "tenant = $_[0] % 10 AND price < 300" },
	'array overlap'     => sub { "tags && ARRAY[$_[0] % 50]" },
	'range 1%'          => sub { "price BETWEEN 100 AND 109" },
	'text and tenant'   => sub { "note = 'n1' AND tenant = 3" },
);

# recall@10 and short results of the index against the exact scan, under a strategy
sub measure
{
	my ($node, $cond, $strategy) = @_;
	my ($hit, $total, $short) = (0, 0, 0);
	for my $q (@queries)
	{
		my ($id, $label, $far, $vec) = split /\|/, $q;
		my $where = $cond->($id, $label, $far);
		my $exact = $node->safe_psql('postgres', qq{
			SET enable_indexscan = off;
			SELECT id FROM items WHERE $where ORDER BY v <-> '$vec' LIMIT 10});
		my $got = $node->safe_psql('postgres', qq{
			SET enable_seqscan = off; SET enable_bitmapscan = off;
			SET omenhnsw.filter_strategy = $strategy;
			SELECT id FROM items WHERE $where ORDER BY v <-> '$vec' LIMIT 10});
		my @e = split /\n/, $exact;
		my %g = map { $_ => 1 } split /\n/, $got;
		$short++ if scalar(keys %g) < scalar(@e);
		for (@e) { $hit++ if $g{$_}; $total++; }
	}
	return ($total ? $hit / $total : 1, $short);
}

for my $case (sort keys %cases)
{
	for my $strategy ('auto', 'graph', 'exact')
	{
		my ($r, $short) = measure($primary, $cases{$case}, $strategy);
		cmp_ok($r, '>=', 0.95, "$case, $strategy: recall\@10 $r >= 0.95");
		is($short, 0, "$case, $strategy: no short results");
	}
}

# the planner uses the index's conditions (Index Cond) for a filtered k-NN query
my $plan = $primary->safe_psql('postgres', qq{
	EXPLAIN (costs off) SELECT id FROM items WHERE cat = 3 AND tenant = 1
	ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 10});
like($plan, qr/Index Cond: \(\(cat = 3\) AND \(tenant = 1\)\)/, 'filter columns become index conditions');

# two clients insert rows with filter values concurrently; cat 1000 exists only in their rows
my $script = $primary->basedir . '/insert.sql';
open(my $fh, '>', $script) or die;
print $fh q{\set c random(0, 39)
INSERT INTO items (id, v, cat, label, tenant, price, tags, note)
SELECT nextval('ins') + 100000, near_centre(:c, 1), CASE WHEN random() < 0.02 THEN 1000 ELSE (random() * 99)::int END,
	:c, (random() * 9)::int, random() * 1000, ARRAY[(random() * 49)::int], 'n2';
};
close $fh;
$primary->safe_psql('postgres', 'CREATE SEQUENCE ins');
$primary->command_ok([ 'pgbench', '-n', '-c', '2', '-j', '2', '-t', '1000', '-f', $script,
	'-d', $primary->connstr('postgres') ], 'concurrent inserts with filter values');

# A re-planned back-link (its list changed by the other client) that made room in a full list
# dropped a node without linking it from anywhere (m = 4, four clients: 1 node in 2 of 6 runs).
is($primary->safe_psql('postgres', q{SELECT heap_rows = live_nodes, unreachable FROM omenhnsw_verify('items_v')}),
	't|0', 'after concurrent inserts every node is reachable');
my $late = $primary->safe_psql('postgres', 'SELECT count(*) FROM items WHERE cat = 1000');
cmp_ok($late, '>', 10, "rows with a filter value only concurrent inserts have: $late");
for my $run (['graph', 'relaxed_order'], ['exact', 'strict_order'], ['graph', 'strict_order'])
{
	my ($strategy, $order) = @$run;
	my $found = $primary->safe_psql('postgres', qq{
		SET enable_seqscan = off; SET enable_bitmapscan = off;
		SET omenhnsw.filter_strategy = $strategy; SET omenhnsw.iterative_scan = $order;
		SELECT count(*) FROM (SELECT id FROM items WHERE cat = 1000
			ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 1000) s});
	# A graph walk in strict order let a row out on a lower bound that a matching row found later
	# undercut (an estimation error beyond 2.5 standard deviations), and strict order skipped that
	# row: 47 of 48 in about 1 run in 4.  Filtered scans now hold rows 1.5 deviations longer.
	is($found, $late, "$strategy, $order: a filter matching only concurrently inserted rows finds all $late");
}
for my $case ('uniform 1%', 'anti-correlated')
{
	my ($r, $short) = measure($primary, $cases{$case}, 'auto');
	cmp_ok($r, '>=', 0.95, "after concurrent inserts, $case: recall\@10 $r >= 0.95");
	is($short, 0, "after concurrent inserts, $case: no short results");
}

# VACUUM after deletes, then the replica answers like the primary
$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 5 = 0; VACUUM items;');
$primary->wait_for_catchup($replica);
my $answers_sql = q{
	SET enable_seqscan = off; SET enable_bitmapscan = off; SET omenhnsw.ef_search = 200;
	SELECT q.id, (SELECT array_agg(id) FROM (SELECT id FROM items WHERE cat = q.id % 100 AND tenant < 5
		ORDER BY v <-> q.v LIMIT 10) s)
	FROM items q WHERE q.id % 997 = 3 ORDER BY q.id};
my $on_primary = $primary->safe_psql('postgres', $answers_sql);
is($replica->safe_psql('postgres', $answers_sql), $on_primary, 'replica answers filtered queries like the primary');
like($replica->safe_psql('postgres', "SELECT unreachable FROM omenhnsw_verify('items_v')"), qr/^0$/,
	'replica: verify passes');

# crash, recover: same answers, verifier passes
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('postgres', $answers_sql), $on_primary, 'after crash recovery: same filtered answers');
like($primary->safe_psql('postgres', "SELECT unreachable FROM omenhnsw_verify('items_v')"), qr/^0$/,
	'after crash recovery: verify passes');

done_testing();
