# Copyright (c) 2026, OmenDB developers
#
# 001_wal_replica.pl
#	A streaming replica of an omenhnsw index answers exactly like the primary
#	after the build (log_newpage_range), inserts, deletes and VACUUM
#	(GenericXLog records).  wal_consistency_checking = generic makes the
#	replica compare every replayed generic record with the primary's image.
#	Last, a hot standby serves k-NN queries and omenhnsw_index_info while the
#	primary runs inserts, deletes and VACUUM: no errors, and the same answers
#	as the primary once it has caught up.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
# VACUUM's outcome is asserted: no autoanalyze snapshot may keep dead rows alive
autovacuum = off
wal_consistency_checking = 'generic'
max_parallel_maintenance_workers = 0
});
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION omendb');
$primary->safe_psql('postgres', 'CREATE TABLE t (id int PRIMARY KEY, v vector(16))');

my $backup = 'primary_backup';
$primary->backup($backup);
my $replica = PostgreSQL::Test::Cluster->new('replica');
$replica->init_from_backup($primary, $backup, has_streaming => 1);
$replica->start;

# Rows with ids in [lo, hi], vectors from a fixed seed.
sub insert_rows
{
	my ($lo, $hi) = @_;
	$primary->safe_psql('postgres', qq{
		SELECT setseed(0.$lo);
		INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
		FROM generate_series($lo, $hi) i;
	});
}

# The index's answers to a set of queries, one line per query.
sub answers
{
	my ($node, $op) = @_;
	return $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SET enable_bitmapscan = off;
		SELECT q.id, (SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY v $op q.v LIMIT 10) s)
		FROM t q WHERE q.id % 97 = 1 ORDER BY q.id;
	});
}

sub compare
{
	my ($what, $op) = @_;
	$primary->wait_for_catchup($replica, 'replay');
	my $p = answers($primary, $op);
	my $r = answers($replica, $op);
	isnt($p, '', "$what: primary answers");
	is($r, $p, "$what: replica answers like the primary");
}

insert_rows(1, 2000);
$primary->safe_psql('postgres', 'CREATE INDEX t_l2 ON t USING omenhnsw (v vector_l2_ops)');
compare('after build', '<->');

insert_rows(2001, 2600);
compare('after inserts', '<->');

$primary->safe_psql('postgres', 'DELETE FROM t WHERE id % 5 = 0');
$primary->safe_psql('postgres', 'VACUUM t');
compare('after delete and vacuum', '<->');
is($replica->safe_psql('postgres', qq{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM t WHERE id = 1) LIMIT 500) s WHERE id % 5 = 0
}), '0', 'replica returns no deleted row');

insert_rows(3000, 3300);
compare('after reusing space', '<->');

# a second index, unquantized, built while the first one exists
$primary->safe_psql('postgres', q{DROP INDEX t_l2});
$primary->safe_psql('postgres',
	q{CREATE INDEX t_ip ON t USING omenhnsw (v vector_ip_ops) WITH (quantization = none)});
insert_rows(4000, 4200);
$primary->safe_psql('postgres', 'DELETE FROM t WHERE id % 7 = 0');
$primary->safe_psql('postgres', 'VACUUM t');
compare('inner product index', '<#>');

# the index built empty: first insert trains the quantizer, through WAL
$primary->safe_psql('postgres', 'CREATE TABLE e (id int, v vector(16))');
$primary->safe_psql('postgres', 'CREATE INDEX e_v ON e USING omenhnsw (v vector_l2_ops)');
$primary->safe_psql('postgres', 'INSERT INTO e SELECT id, v FROM t WHERE id <= 300');
$primary->wait_for_catchup($replica, 'replay');
my $q = q{SET enable_seqscan = off; SELECT array_agg(id) FROM (SELECT id FROM e ORDER BY v <-> (SELECT v FROM t WHERE id = 3) LIMIT 5) s};
is($replica->safe_psql('postgres', $q), $primary->safe_psql('postgres', $q),
	'index built empty: replica answers like the primary');

# Hot standby under load: pgbench inserts, deletes and vacuums on the primary while another
# pgbench runs k-NN queries and omenhnsw_index_info on the standby, both for a few seconds.
$primary->safe_psql('postgres', q{
	CREATE SEQUENCE t_ids START 10000;
	CREATE INDEX t_l2_load ON t USING omenhnsw (v vector_l2_ops);
});
$primary->wait_for_catchup($replica, 'replay');

my $seconds = 8;
my %scripts = (
	'insert' => q{
		INSERT INTO t SELECT nextval('t_ids'), (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE g > 0)::vector
		FROM generate_series(1, 5) g;
	},
	'delete' => q{
		\set k random(1, 12000)
		DELETE FROM t WHERE id BETWEEN :k AND :k + 2;
	},
	'vacuum' => q{
		VACUUM t;
	},
	'scan' => q{
		\set k random(1, 12000)
		SET enable_seqscan = off;
		SET enable_bitmapscan = off;
		SELECT id FROM t ORDER BY v <-> (SELECT v FROM t WHERE id >= :k ORDER BY id LIMIT 1) LIMIT 10;
		SELECT id FROM t ORDER BY v <#> (SELECT v FROM t WHERE id >= :k ORDER BY id LIMIT 1) LIMIT 10;
	},
	'info' => q{
		SELECT nodes, deleted_nodes FROM omenhnsw_index_info('t_l2_load');
	});
my $dir = $PostgreSQL::Test::Utils::tmp_check;
for my $name (keys %scripts)
{
	open(my $fh, '>', "$dir/001_$name.sql") or die "could not write $dir/001_$name.sql: $!";
	print $fh $scripts{$name};
	close $fh;
}

# Starts pgbench against a node without waiting for it.
sub start_pgbench
{
	my ($node, $out, $err, @scripts) = @_;
	my @cmd = ('pgbench', '--no-vacuum', '--client=2', "--time=$seconds",
		'--host', $node->host, '--port', $node->port,
		map({ ('--file', "$dir/001_$_") } @scripts), 'postgres');
	return IPC::Run::start(\@cmd, '>', $out, '2>', $err);
}
my ($wout, $werr, $rout, $rerr) = ('', '', '', '');
my $writer = start_pgbench($primary, \$wout, \$werr, 'insert.sql@6', 'delete.sql@3', 'vacuum.sql@1');
my $reader = start_pgbench($replica, \$rout, \$rerr, 'scan.sql@10', 'info.sql@1');
$writer->finish;
$reader->finish;
is($writer->result(0), 0, 'primary: inserts, deletes and VACUUM ran') or diag($werr);
is($reader->result(0), 0, 'standby: k-NN queries and omenhnsw_index_info ran without error') or diag($rerr);
unlike($rerr, qr/ERROR|FATAL/, 'standby reported no error');
my ($done) = $rout =~ /number of transactions actually processed: (\d+)/;
cmp_ok($done // 0, '>', 20, 'standby answered queries during the load (' . ($done // 0) . ')');
my ($written) = $wout =~ /number of transactions actually processed: (\d+)/;
cmp_ok($written // 0, '>', 20, 'primary changed rows during the load (' . ($written // 0) . ')');

$primary->safe_psql('postgres', 'VACUUM t');
compare('after concurrent load', '<->');
compare('after concurrent load, inner product index', '<#>');
my $info = q{SELECT dimensions, quantization, nodes, deleted_nodes, entry_level, pages FROM omenhnsw_index_info('t_l2_load')};
is($replica->safe_psql('postgres', $info), $primary->safe_psql('postgres', $info),
	'omenhnsw_index_info on the standby matches the primary');

# structure on both sides after deletes, VACUUMs and inserts into freed slots; the standby
# (no heap pass there: heap_rows is NULL) sees the same pages
my $verify = q{SELECT pages, nodes, live_nodes, free_slots, links FROM omenhnsw_verify('t_l2_load')};
my $pv = $primary->safe_psql('postgres', $verify);
$primary->wait_for_catchup($replica, 'replay');
is($replica->safe_psql('postgres', $verify), $pv, 'omenhnsw_verify on the standby matches the primary');
is($primary->safe_psql('postgres', q{SELECT heap_rows = live_nodes FROM omenhnsw_verify('t_l2_load')}),
	't', 'omenhnsw_verify passes on the primary after the load');

$replica->stop;
$primary->stop;
done_testing();
