# Copyright (c) 2026, OmenDB developers
#
# 006_slot_reuse.pl
#	Format 2: VACUUM frees deleted slots and inserts reuse them, so the
#	index stays bounded under churn with the recall of a rebuilt index;
#	inserts keep completing while VACUUM repairs; a format 1 index (an image
#	made by the 0.4.0 code before issue 12) keeps working and is upgraded in
#	place; omenhnsw_verify fails cleanly on pages corrupted on purpose;
#	omenhnsw_recall agrees with a recall computed here.
use strict;
use warnings;

use File::Copy;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('reuse');
$node->init;
$node->append_conf('postgresql.conf', qq{
# VACUUM's outcome is asserted: no autoanalyze snapshot may keep dead rows alive
autovacuum = off
max_parallel_maintenance_workers = 1
shared_buffers = 256MB
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION omendb');

sub index_file
{
	my ($index) = @_;
	return $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')");
}

# ---- a format 1 index keeps working, is upgraded by its first write ------------------------
# the same table as test/data/omenhnsw-v1-index.recipe.sql, so the same heap TIDs
$node->safe_psql('postgres', q{
	CREATE TABLE v1t (id int PRIMARY KEY, v vector(8));
	INSERT INTO v1t SELECT i, ARRAY[sin(i), cos(i), sin(2*i), cos(2*i), sin(3*i), cos(3*i), sin(5*i), cos(7*i)]::vector FROM generate_series(1, 300) i;
	CREATE INDEX v1t_v ON v1t USING omenhnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 16);
	DELETE FROM v1t WHERE id % 5 = 0;
	VACUUM v1t;
	CHECKPOINT;
});
my $v1file = index_file('v1t_v');
$node->stop;
# scripts/run-tap.sh copies test/data next to the tests
copy("$ENV{TESTDIR}/data/omenhnsw-v1-index.bin", $v1file)
  or die "cannot copy the format 1 image: $!";
$node->start;
is($node->safe_psql('postgres', q{SELECT format_version, nodes, deleted_nodes FROM omenhnsw_index_info('v1t_v')}),
	'1|300|60', 'the format 1 image is in place');
is($node->safe_psql('postgres', q{SELECT heap_rows, live_nodes, deleted_nodes, free_slots, format_version FROM omenhnsw_verify('v1t_v')}),
	'240|240|60|0|1', 'omenhnsw_verify passes on the format 1 index');
my $knn = q{
	SET enable_seqscan = off;
	SELECT string_agg(id::text, ',') FROM (SELECT id FROM v1t ORDER BY v <-> '[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]' LIMIT 5) s
};
my $exact = $node->safe_psql('postgres', q{
	SET enable_indexscan = off;
	SELECT string_agg(id::text, ',') FROM (SELECT id FROM v1t ORDER BY v <-> '[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]' LIMIT 5) s
});
is($node->safe_psql('postgres', $knn), $exact, 'the format 1 index answers k-NN');
my ($ret, $out, $err) = $node->psql('postgres', q{
	SET client_min_messages = debug1;
	INSERT INTO v1t SELECT i, ARRAY[sin(i), cos(i), sin(2*i), cos(2*i), sin(3*i), cos(3*i), sin(5*i), cos(7*i)]::vector FROM generate_series(301, 320) i;
});
is($ret, 0, 'inserts into the format 1 index');
is($node->safe_psql('postgres', q{SELECT format_version FROM omenhnsw_index_info('v1t_v')}), '2',
	'the first write makes it format 2');
# indexes made before the metapage recorded when their quantizer was trained keep it (no refresh)
unlike($err, qr/quantizer refreshed/, 'no quantizer refresh on an index from before trainedAt');
$node->safe_psql('postgres', 'VACUUM v1t');
is($node->safe_psql('postgres', q{SELECT heap_rows, live_nodes, deleted_nodes, free_slots FROM omenhnsw_verify('v1t_v')}),
	'260|260|0|60', 'VACUUM frees the slots format 1 left deleted');
$node->safe_psql('postgres', q{
	INSERT INTO v1t SELECT i, ARRAY[sin(i), cos(i), sin(2*i), cos(2*i), sin(3*i), cos(3*i), sin(5*i), cos(7*i)]::vector FROM generate_series(321, 400) i;
});
is($node->safe_psql('postgres', q{SELECT heap_rows = live_nodes, free_slots < 60, pages FROM omenhnsw_verify('v1t_v')}),
	't|t|5', 'inserts reuse them: still 5 pages');

# ---- space bounded under churn, recall of a rebuilt index -------------------------------------
$node->safe_psql('postgres', q{
	CREATE TABLE ch (id int PRIMARY KEY, v vector(64));
	SELECT setseed(0.3);
	INSERT INTO ch SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 64) WHERE i > 0)::vector
	FROM generate_series(1, 20000) i;
	CREATE INDEX ch_v ON ch USING omenhnsw (v vector_l2_ops);
	CREATE TABLE chq AS SELECT id AS qid, v FROM ch WHERE id % 20 = 7;
});
my $built = $node->safe_psql('postgres', q{SELECT pg_relation_size('ch_v')});
my $next = 20001;
my @stranded;
for my $cycle (1 .. 5)
{
	my $last = $next + 9999;
	$node->safe_psql('postgres', qq{
		DELETE FROM ch WHERE id IN (SELECT id FROM ch WHERE id NOT IN (SELECT qid FROM chq) ORDER BY random() LIMIT 10000);
		VACUUM ch;
	});
	# VACUUM links in whatever scans cannot reach; its repair once left no free slot to do it with
	push @stranded, $node->safe_psql('postgres', q{SELECT unreachable FROM omenhnsw_verify('ch_v')});
	$node->safe_psql('postgres', qq{
		INSERT INTO ch SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 64) WHERE i > 0)::vector
		FROM generate_series($next, $last) i;
	});
	$next = $last + 1;
}
is(join(',', @stranded), '0,0,0,0,0', 'no live node unreachable after each churn VACUUM');
my $recall_query = q{
	SET enable_indexscan = off;
	CREATE TEMP TABLE truth AS
	SELECT q.qid, x.id FROM chq q, LATERAL (SELECT id FROM ch ORDER BY ch.v <-> q.v LIMIT 10) x;
	RESET enable_indexscan;
	SET enable_seqscan = off;
	SELECT round(count(*)::numeric / (SELECT count(*) FROM truth), 4) FROM truth JOIN (
		SELECT q.qid, x.id FROM chq q, LATERAL (SELECT id FROM ch ORDER BY ch.v <-> q.v LIMIT 10) x
	) a USING (qid, id);
};
my $churned = $node->safe_psql('postgres', q{SELECT pg_relation_size('ch_v')});
my $recall_churned = $node->safe_psql('postgres', $recall_query);
like($node->safe_psql('postgres', q{SELECT heap_rows = live_nodes AND heap_rows = 20000 FROM omenhnsw_verify('ch_v')}),
	qr/^t$/, 'omenhnsw_verify passes after 5 churn cycles');
my $probe = $node->safe_psql('postgres', q{SELECT omenhnsw_recall('ch_v', 10, 50)});
$node->safe_psql('postgres', 'REINDEX INDEX ch_v');
my $rebuilt = $node->safe_psql('postgres', q{SELECT pg_relation_size('ch_v')});
my $recall_rebuilt = $node->safe_psql('postgres', $recall_query);
note("index bytes: built $built, after 5 cycles $churned, REINDEXed $rebuilt; recall@10 churned $recall_churned, rebuilt $recall_rebuilt, omenhnsw_recall $probe");
cmp_ok($churned, '<=', 1.3 * $rebuilt, "size after churn within 1.3x of REINDEX ($churned vs $rebuilt)");
# Issue 12 asks for 0.02.  Measured on this uniform 64-d data with 1,000 query rows (one miss =
# 0.0001): 0.005-0.009 below REINDEX while VACUUM's repair re-chose whole lists and padded them
# to full (37 nodes unreachable after the last cycle's inserts); -0.0009 to 0.0024 since the
# repair keeps live neighbours and VACUUM gives back-links to nodes that lost in-links.
cmp_ok($recall_churned, '>=', $recall_rebuilt - 0.02,
	"recall@10 after churn within 0.02 of REINDEX ($recall_churned vs $recall_rebuilt)");
cmp_ok(abs($probe - $recall_churned), '<=', 0.05,
	"omenhnsw_recall agrees with the recall computed here ($probe vs $recall_churned)");

# ---- every row updated: the graph built on the old versions survives their removal ----------
# An UPDATE that is not HOT (here: an indexed column changes) inserts a new version of every row
# with the same vector; VACUUM then deletes all the old ones.  The new nodes were inserted into a
# grown graph, so on well separated clusters they linked within their own cluster only; the links
# between clusters were all on old nodes.  VACUUM's repair once replaced deleted neighbours with
# nodes found near them only: measured on this data, 803 nodes unreachable and recall@10 0.57
# after one round (1.0 after a REINDEX).
$node->safe_psql('postgres', q{
	SELECT setseed(0.42);
	CREATE TABLE cent AS SELECT c, (SELECT array_agg(random() * 4) FROM generate_series(1, 64) WHERE c >= 0) AS a
	FROM generate_series(0, 49) c;
	CREATE TABLE up (id int PRIMARY KEY, cat int, v vector(64)) WITH (autovacuum_enabled = off);
	INSERT INTO up SELECT i, i % 7, (SELECT array_agg(a[d] + random() - 0.5) FROM generate_series(1, 64) d)::vector
	FROM generate_series(1, 10000) i JOIN cent ON cent.c = (i * 7919) % 50;
	CREATE INDEX up_cat ON up (cat);
	CREATE INDEX up_v ON up USING omenhnsw (v vector_l2_ops);
	CREATE TABLE upq AS SELECT id AS qid, v FROM up WHERE id % 50 = 3;
	SET enable_indexscan = off;
	SET enable_bitmapscan = off;
	CREATE TABLE uptruth AS SELECT q.qid, x.id FROM upq q, LATERAL (SELECT id FROM up ORDER BY up.v <-> q.v LIMIT 10) x;
});
my $up_recall = q{
	SET enable_seqscan = off;
	SELECT round(count(*)::numeric / (SELECT count(*) FROM uptruth), 4) FROM uptruth JOIN (
		SELECT q.qid, x.id FROM upq q, LATERAL (SELECT id FROM up ORDER BY up.v <-> q.v LIMIT 10) x
	) a USING (qid, id);
};
my $up_fresh = $node->safe_psql('postgres', $up_recall);
my $up_pages;
for my $round (1 .. 2)
{
	$node->safe_psql('postgres', 'UPDATE up SET cat = cat + 1; VACUUM up;');
	is($node->safe_psql('postgres', q{SELECT heap_rows, live_nodes, unreachable FROM omenhnsw_verify('up_v')}),
		'10000|10000|0', "after updating every row and VACUUM ($round): every node live and reachable");
	my $r = $node->safe_psql('postgres', $up_recall);
	cmp_ok($r, '>=', $up_fresh - 0.02, "recall@10 after updating every row ($round) within 0.02 of the fresh index ($r vs $up_fresh)");
	# the first round needs room for both versions; the second reuses the slots it freed
	$up_pages //= $node->safe_psql('postgres', q{SELECT pages FROM omenhnsw_verify('up_v')});
}
cmp_ok($node->safe_psql('postgres', q{SELECT pages FROM omenhnsw_verify('up_v')}), '<=', 1.05 * $up_pages,
	'the second round of updates reuses the slots the first one freed');
$node->safe_psql('postgres', 'DROP TABLE up, upq, uptruth, cent');

# ---- inserts keep completing while VACUUM repairs ---------------------------------------------
$node->safe_psql('postgres', q{
	CREATE TABLE big (id int PRIMARY KEY, v vector(16));
	SELECT setseed(0.7);
	INSERT INTO big SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
	FROM generate_series(1, 100000) i;
	SET maintenance_work_mem = '256MB';
	CREATE INDEX big_v ON big USING omenhnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
	DELETE FROM big WHERE id % 10 < 3;
});
my ($vout, $verr) = ('', '');
my $t0 = time();
my $vacuum = IPC::Run::start(['psql', '-XAtq', '-d', $node->connstr('postgres'),
		'-c', 'SELECT extract(epoch FROM clock_timestamp())', '-c', 'VACUUM big',
		'-c', 'SELECT extract(epoch FROM clock_timestamp())'],
	'>', \$vout, '2>', \$verr);
# one INSERT per statement, each timed; they run while VACUUM marks, repairs and frees
my $timed = $node->safe_psql('postgres', q{
	CREATE TABLE took (started float8, ms float8);
	DO $$
	DECLARE t timestamptz;
	BEGIN
		FOR i IN 200001 .. 200300 LOOP
			t := clock_timestamp();
			INSERT INTO big SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector;
			INSERT INTO took VALUES (extract(epoch FROM t), extract(epoch FROM clock_timestamp() - t) * 1000);
			PERFORM pg_sleep(0.01);
		END LOOP;
	END $$;
	SELECT count(*), round(max(ms)::numeric, 1) FROM took;
});
my $inserts_done = time() - $t0;
$vacuum->finish;
my $vacuum_done = time() - $t0;
is($vacuum->result(0), 0, 'VACUUM of the 100,000-row index succeeded') or diag($verr);
my ($count, $max_ms) = split /\|/, $timed;
note("300 inserts done after ${inserts_done}s, VACUUM after ${vacuum_done}s; slowest insert $max_ms ms");
is($count, '300', 'every insert during VACUUM completed');
my ($vstart, $vend) = split /\n/, $vout;
my $during = $node->safe_psql('postgres', "SELECT count(*) FROM took WHERE started BETWEEN $vstart AND $vend");
note('VACUUM took ' . sprintf('%.2f', $vend - $vstart) . " s; $during inserts started during it");
cmp_ok($during, '>=', 20, "inserts ran during the VACUUM ($during)");
cmp_ok($max_ms, '<', 2000, "no insert waited 2 s during VACUUM (slowest $max_ms ms)");
like($node->safe_psql('postgres', q{SELECT heap_rows = live_nodes FROM omenhnsw_verify('big_v')}),
	qr/^t$/, 'omenhnsw_verify passes after VACUUM with concurrent inserts');

# ---- corruption: omenhnsw_verify fails cleanly, naming block and offset ------------------------
$node->safe_psql('postgres', q{
	CREATE TABLE bad (id int PRIMARY KEY, v vector(8));
	INSERT INTO bad SELECT i, ARRAY[i, i % 7, i % 11, 1, 2, 3, 4, 5]::vector FROM generate_series(1, 500) i;
	CREATE INDEX bad_v ON bad USING omenhnsw (v vector_l2_ops) WITH (m = 4);
	CREATE INDEX bad_v2 ON bad USING omenhnsw (v vector_l2_ops) WITH (m = 4);
	CHECKPOINT;
});
my $bad1 = index_file('bad_v');
my $bad2 = index_file('bad_v2');
$node->stop;
# bad_v: the last 16 bytes of block 1's first record (its layer-0 list) become 0x41
my $page;
open(my $fh, '+<:raw', $bad1) or die "open $bad1: $!";
seek($fh, 8192, 0);
read($fh, $page, 8192);
my ($lp) = unpack('V', substr($page, 24, 4));
my ($lp_off, $lp_len) = ($lp & 0x7FFF, ($lp >> 17) & 0x7FFF);
seek($fh, 8192 + $lp_off + $lp_len - 16, 0);
print $fh ("\x41" x 16);
close($fh);
# bad_v2: garbage over block 1's page header
open($fh, '+<:raw', $bad2) or die "open $bad2: $!";
seek($fh, 8192 + 12, 0);
print $fh ("\xFF" x 8);
close($fh);
$node->start;
($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nSELECT * FROM omenhnsw_verify('bad_v')");
isnt($ret, 0, 'omenhnsw_verify fails on a corrupted record');
like($err, qr/XX002/, 'index_corrupted (XX002)');
like($err, qr/block 1, offset 1/, 'names the block and offset') or diag($err);
($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nSELECT * FROM omenhnsw_verify('bad_v2')");
isnt($ret, 0, 'omenhnsw_verify fails on a corrupted page header');
like($err, qr/XX001/, 'data_corrupted (XX001)') or diag($err);
like($err, qr/block 1\b/, 'names the block');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is still up');

$node->stop;
done_testing();
