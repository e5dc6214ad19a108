# Copyright (c) 2026, OmenDB developers
#
# 005_index_info.pl
#	omenhnsw_index_info checks the caller's privileges before it takes any
#	lock: while another session holds ACCESS EXCLUSIVE on the table and its
#	index (REINDEX in an open transaction), a role without SELECT on the
#	table fails at once with 42501, where a role with SELECT waits for the
#	lock (55P03 under lock_timeout).  pg_regress cannot hold a lock in a
#	second session, hence a TAP test.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('info');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION omendb;
	CREATE TABLE t (id int, v vector(4));
	INSERT INTO t SELECT i, ARRAY[i, 1, 2, 3] FROM generate_series(1, 200) i;
	CREATE INDEX t_v ON t USING omenhnsw (v vector_l2_ops);
	CREATE ROLE stranger LOGIN;
	CREATE ROLE reader LOGIN;
	GRANT SELECT ON t TO reader;
});

my $holder = $node->background_psql('postgres');
$holder->query_safe(q{
	BEGIN;
	LOCK TABLE t IN ACCESS EXCLUSIVE MODE;
	REINDEX INDEX t_v;
});
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	WHERE c.relname IN ('t', 't_v') AND l.mode = 'AccessExclusiveLock' AND l.granted
}), '2', 'another session holds ACCESS EXCLUSIVE on the table and the index');

# Each call runs with a 3 s lock_timeout; returns (sqlstate, seconds).
sub call_as
{
	my ($role) = @_;
	my $start = time();
	my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
		\set VERBOSITY verbose
		SET lock_timeout = '3s';
		SELECT nodes FROM omenhnsw_index_info('t_v');
	}, extra_params => [ '-U', $role ]);
	my $elapsed = time() - $start;
	my ($state) = $stderr =~ /ERROR:  ([0-9A-Z]{5}):/;
	return ($state // "none ($stderr)", $elapsed);
}

my ($state, $elapsed) = call_as('stranger');
is($state, '42501', 'a role without SELECT gets insufficient_privilege');
cmp_ok($elapsed, '<', 2.5, sprintf('... at once, without waiting for the lock (%.2f s)', $elapsed));

($state, $elapsed) = call_as('reader');
is($state, '55P03', 'a role with SELECT waits for the lock (lock_not_available after lock_timeout)');

$holder->query_safe('COMMIT');
$holder->quit;
is($node->safe_psql('postgres', q{SELECT nodes FROM omenhnsw_index_info('t_v')}, extra_params => [ '-U', 'reader' ]),
	'200', 'the role with SELECT reads the index once the lock is gone');

$node->stop;
done_testing();
