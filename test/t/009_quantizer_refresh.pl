# Copyright (c) 2026, OmenDB developers
#
# 009_quantizer_refresh.pl
#	An index created on an empty table trains its quantizer on its first row;
#	inserts refresh it as the index grows (src/pg/omenhnsw_refresh.c).
#	Checked: the refresh runs at 64 nodes and again at 8 times the count it
#	last ran at (its DEBUG1 line); it waits while another session has a scan
#	open on the index, whose rows stay complete and in ORDER BY order, and runs
#	at the first insert after that scan ends; a streaming standby answers
#	k-NN queries like the primary after refreshes (WAL); omenhnsw_verify
#	passes; the index finds what an exact scan finds.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION omendb;
	CREATE TABLE r (i int PRIMARY KEY, v vector(32));
	CREATE INDEX r_v ON r USING omenhnsw (v vector_l2_ops);
});
# 32 dimensions: quantized (RaBitQ) by default
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;

# Rows lo .. hi in one statement, on clusters far from the first row; returns psql's stderr.
sub insert_rows
{
	my ($lo, $hi) = @_;
	my ($ret, $out, $err) = $primary->psql('postgres', qq{
		SET client_min_messages = debug1;
		INSERT INTO r SELECT i, (SELECT array_agg(((i % 6) * 37 + d * 11) % 10 * 0.4 + 0.3 * sin(i * d * 1.7))
			FROM generate_series(1, 32) d)::vector
		FROM generate_series($lo, $hi) i;
	});
	is($ret, 0, "rows $lo .. $hi inserted");
	return $err;
}

unlike(insert_rows(1, 64), qr/quantizer refreshed/, 'no refresh before the index has 64 nodes');
like(insert_rows(65, 65), qr/quantizer refreshed from 64 rows, 64 codes rewritten/,
	'the insert that finds 64 nodes refreshes the quantizer from all of them');

# a scan in flight in another session holds the refresh off
my $q = '[' . join(',', map { ($_ * 3) % 10 * 0.4 } 1 .. 32) . ']';
my $reader = $primary->background_psql('postgres');
$reader->query_safe(qq{
	SET enable_seqscan = off;
	BEGIN ISOLATION LEVEL REPEATABLE READ;
	DECLARE c CURSOR FOR SELECT i, v <-> '$q' AS d FROM r ORDER BY v <-> '$q';
});
my $head = $reader->query_safe('FETCH 10 FROM c');
unlike(insert_rows(66, 600), qr/quantizer refreshed/,
	'no refresh while another session has a scan open on the index (512 nodes passed)');
my $tail = $reader->query_safe('FETCH ALL FROM c');
my @d = map { (split /\|/)[1] } grep { /\|/ } split /\n/, "$head\n$tail";
is(scalar(@d), 65, 'the open scan returns every row of its snapshot');
my $sorted = 1;
for my $k (1 .. $#d) { $sorted = 0 if $d[$k] < $d[$k - 1]; }
ok($sorted, 'in ORDER BY order');
$reader->query_safe('COMMIT');
$reader->quit;
like(insert_rows(601, 601), qr/quantizer refreshed from 600 rows, 600 codes rewritten/,
	'the first insert after the scan ended refreshes');
unlike(insert_rows(602, 2000), qr/quantizer refreshed/, 'none again before 8 x 600 nodes');

is($primary->safe_psql('postgres', q{SELECT heap_rows, live_nodes FROM omenhnsw_verify('r_v')}),
	'2000|2000', 'omenhnsw_verify passes after the refreshes');

# the index answers what an exact scan answers, on the primary and the standby alike
$primary->wait_for_catchup($standby);
my ($same, $exact_hits, $total) = (0, 0, 0);
for my $k (1 .. 20)
{
	my $qv = '[' . join(',', map { sprintf('%.3f', (($k % 6) * 37 + $_ * 11) % 10 * 0.4 + 0.3 * sin($k * $_)) } 1 .. 32) . ']';
	my $sql = "SELECT string_agg(i::text, ',' ORDER BY d, i) FROM (SELECT i, v <-> '$qv' AS d FROM r ORDER BY v <-> '$qv' LIMIT 10) s";
	my $p = $primary->safe_psql('postgres', "SET enable_seqscan = off; $sql");
	my $s = $standby->safe_psql('postgres', "SET enable_seqscan = off; $sql");
	my $e = $primary->safe_psql('postgres', "SET enable_indexscan = off; $sql");
	$same++ if $p eq $s;
	my %got = map { $_ => 1 } split /,/, $p;
	for (split /,/, $e) { $exact_hits++ if $got{$_}; $total++; }
}
is($same, 20, 'the standby answers 20 of 20 queries like the primary');
cmp_ok($exact_hits / $total, '>=', 0.99, "recall\@10 against an exact scan: $exact_hits of $total");

# an expression index (a halfvec of the column): the refresh computes each node's value from its row
$primary->safe_psql('postgres', q{
	CREATE TABLE e (i int PRIMARY KEY, v vector(32));
	CREATE INDEX e_h ON e USING omenhnsw ((v::halfvec(32)) halfvec_l2_ops);
});
my ($eret, $eout, $eerr) = $primary->psql('postgres', q{
	SET client_min_messages = debug1;
	INSERT INTO e SELECT i, (SELECT array_agg(((i % 6) * 37 + d * 11) % 10 * 0.4 + 0.3 * sin(i * d * 1.7))
		FROM generate_series(1, 32) d)::vector FROM generate_series(1, 65) i;
});
like($eerr, qr/quantizer refreshed from 64 rows, 64 codes rewritten/, 'an expression index refreshes from its rows');
is($primary->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM e g WHERE (SELECT i FROM e ORDER BY v::halfvec(32) <-> g.v::halfvec(32) LIMIT 1) <> g.i}),
	'0', 'after it every row of the expression index finds itself first');

done_testing();
