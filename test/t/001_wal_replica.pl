# Copyright (c) 2026, OmenDB developers
#
# 001_wal_replica.pl
#	A streaming replica of an omenhnsw index answers exactly like the primary
#	after the build (log_newpage_range), inserts, deletes and VACUUM
#	(GenericXLog records).  wal_consistency_checking = generic makes the
#	replica compare every replayed generic record with the primary's image.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
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

$replica->stop;
$primary->stop;
done_testing();
