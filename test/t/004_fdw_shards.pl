# Copyright (c) 2026, OmenDB developers
#
# 004_fdw_shards.pl
#	k-NN across shards: a coordinator table hash-partitioned by id whose
#	partitions are postgres_fdw foreign tables on two shard clusters, each
#	with an omenhnsw index.  With the foreign servers' extensions option
#	naming omendb, postgres_fdw ships ORDER BY embedding <-> $1 to every
#	shard (the shards scan their indexes) and the coordinator merges the
#	ordered streams with a Merge Append.  Checks the answers against an exact
#	scan of a local copy of the same rows, the remote SQL, filters, inserts
#	routed through the coordinator, LIMIT pushdown through per-shard
#	subqueries, and a clear error when a shard is down.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dim = 32;
my $rows = 8000;

my @shards;
for my $i (1, 2)
{
	my $shard = PostgreSQL::Test::Cluster->new("shard$i");
	$shard->init;
	$shard->append_conf('postgresql.conf', "max_parallel_maintenance_workers = 0\n");
	$shard->start;
	$shard->safe_psql('postgres', qq{
		CREATE EXTENSION omendb;
		CREATE TABLE items (id bigint PRIMARY KEY, category int NOT NULL, embedding vector($dim));
	});
	push @shards, $shard;
}

my $coord = PostgreSQL::Test::Cluster->new('coordinator');
$coord->init;
$coord->start;
$coord->safe_psql('postgres', 'CREATE EXTENSION omendb; CREATE EXTENSION postgres_fdw;');
for my $i (1, 2)
{
	my $shard = $shards[ $i - 1 ];
	my ($host, $port) = ($shard->host, $shard->port);
	# extensions 'omendb' makes the vector type, its operators and functions shippable
	$coord->safe_psql('postgres', qq{
		CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw
			OPTIONS (host '$host', port '$port', dbname 'postgres',
					 extensions 'omendb', batch_size '500');
		CREATE USER MAPPING FOR CURRENT_USER SERVER shard$i;
	});
}
$coord->safe_psql('postgres', qq{
	CREATE TABLE items (id bigint NOT NULL, category int NOT NULL, embedding vector($dim))
		PARTITION BY HASH (id);
	CREATE FOREIGN TABLE items_s1 PARTITION OF items FOR VALUES WITH (MODULUS 2, REMAINDER 0)
		SERVER shard1 OPTIONS (table_name 'items');
	CREATE FOREIGN TABLE items_s2 PARTITION OF items FOR VALUES WITH (MODULUS 2, REMAINDER 1)
		SERVER shard2 OPTIONS (table_name 'items');
});

# Clustered rows (100 clusters of 80) in a local table, the ground truth, then routed to the shards
# through the coordinator.  The category does not follow the cluster.
$coord->safe_psql('postgres', qq{
	SELECT setseed(0.16);
	CREATE TABLE centers AS
		SELECT c, (SELECT array_agg(random() * 4) FROM generate_series(1, $dim) WHERE c >= 0) AS a
		FROM generate_series(0, 99) c;
	CREATE TABLE src AS
		SELECT i::bigint AS id, (i / 100) % 10 AS category,
			(SELECT array_agg(ce.a[d] + random() - 0.5 ORDER BY d)
			 FROM generate_series(1, $dim) d)::vector($dim) AS embedding
		FROM generate_series(1, $rows) i JOIN centers ce ON ce.c = i % 100;
	CREATE TABLE queries AS
		SELECT q AS qid, (SELECT embedding FROM src WHERE id = q * 157)
			+ (SELECT array_agg((random() - 0.5) * 0.4) FROM generate_series(1, $dim) WHERE q > 0)::vector AS v
		FROM generate_series(1, 50) q;
	INSERT INTO items SELECT * FROM src;
});
for my $shard (@shards)
{
	$shard->safe_psql('postgres', q{
		CREATE INDEX items_embedding ON items USING omenhnsw (embedding vector_l2_ops);
		ANALYZE items;
	});
}
$coord->safe_psql('postgres', 'ANALYZE items; ANALYZE src; ANALYZE queries');

my $n1 = $shards[0]->safe_psql('postgres', 'SELECT count(*) FROM items');
my $n2 = $shards[1]->safe_psql('postgres', 'SELECT count(*) FROM items');
is($n1 + $n2, $rows, "every row is on a shard ($n1 + $n2)");
cmp_ok($n1 * $n2, '>', 0, 'both shards hold rows');

# The plan: a Merge Append over one ordered remote scan per shard.
my $plan = $coord->safe_psql('postgres', q{
	EXPLAIN (VERBOSE, COSTS OFF)
	SELECT id FROM items ORDER BY embedding <-> (SELECT v FROM queries WHERE qid = 1) LIMIT 10
});
like($plan, qr/Merge Append/, 'coordinator merges the shards with a Merge Append');
my @ordered = ($plan =~ /Remote SQL: SELECT .* FROM public\.items ORDER BY \(embedding OPERATOR\(public\.<->\) \$1::public\.vector(?:\(\d+\))?\) ASC/g);
is(scalar(@ordered), 2, 'each remote query carries the ORDER BY')
  or diag($plan);
unlike($plan, qr/->\s+Sort\b/, 'no local sort on the coordinator');

# The other distance operators ship the same way (the shards have no index for them here).
for my $op ('<#>', '<=>', '<+>')
{
	my $p = $coord->safe_psql('postgres', qq{
		EXPLAIN (VERBOSE, COSTS OFF)
		SELECT id FROM items ORDER BY embedding $op (SELECT v FROM queries WHERE qid = 1) LIMIT 10
	});
	my @n = ($p =~ /Remote SQL: SELECT .* ORDER BY \(embedding OPERATOR\(public\.\Q$op\E\)/g);
	is(scalar(@n), 2, "ORDER BY embedding $op \$1 reaches each shard") or diag($p);
}

# Recall: how many of the exact top-10 the coordinator returns, over 50 queries, and how many
# queries come back exactly (same ids in the same order).  Exact answers from the local copy.
my $compare = q{
	WITH truth AS (
		SELECT q.qid, array_agg(x.id ORDER BY x.d, x.id) AS ids
		FROM queries q, LATERAL (SELECT id, src.embedding <-> q.v AS d FROM src
								 ORDER BY src.embedding <-> q.v LIMIT 10) x
		GROUP BY q.qid),
	got AS (
		SELECT q.qid, array_agg(x.id ORDER BY x.n) AS ids, count(*) AS n
		FROM queries q, LATERAL (SELECT id, row_number() OVER () AS n FROM (
				SELECT id FROM items ORDER BY items.embedding <-> q.v LIMIT 10) s) x
		GROUP BY q.qid)
	SELECT sum(g.n),
		sum((SELECT count(*) FROM unnest(t.ids) i WHERE i = ANY (g.ids))),
		count(*) FILTER (WHERE t.ids = g.ids)
	FROM truth t JOIN got g USING (qid);
};
my $index_scans = q{SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_indexes WHERE indexrelname = 'items_embedding'};
my @scans_before = map { $_->safe_psql('postgres', $index_scans) } @shards;
my ($nrows, $hits, $exact) = split /\|/, $coord->safe_psql('postgres', $compare);
is($nrows, 500, 'coordinator returns 10 rows for each of the 50 queries');
my $recall = $hits / 500;
cmp_ok($recall, '>=', 0.95, "recall\@10 at the shards' default ef_search ($recall)");
# the shards answered with their omenhnsw index, once per query (statistics arrive within a second)
for my $i (0, 1)
{
	ok($shards[$i]->poll_query_until('postgres', "SELECT ($index_scans) >= $scans_before[$i] + 50"),
		'shard' . ($i + 1) . ' scanned its omenhnsw index for every query');
}

# A wide search on the shards: set through the connection options postgres_fdw uses (changing
# the server's options drops the cached connections).
$coord->safe_psql('postgres', q{
	ALTER SERVER shard1 OPTIONS (ADD options '-c omenhnsw.ef_search=400');
	ALTER SERVER shard2 OPTIONS (ADD options '-c omenhnsw.ef_search=400');
});
($nrows, $hits, $exact) = split /\|/, $coord->safe_psql('postgres', $compare);
is($hits, 500, 'every exact neighbour found at ef_search 400');
is($exact, 50, 'the coordinator returns the exact top-10, in order, for all 50 queries');
$coord->safe_psql('postgres', q{
	ALTER SERVER shard1 OPTIONS (DROP options);
	ALTER SERVER shard2 OPTIONS (DROP options);
});

# A filter goes to the shards with the ordering; the answer still has 10 rows.
$plan = $coord->safe_psql('postgres', q{
	EXPLAIN (VERBOSE, COSTS OFF)
	SELECT id FROM items WHERE category = 3
	ORDER BY embedding <-> (SELECT v FROM queries WHERE qid = 2) LIMIT 10
});
my @filtered = ($plan =~ /Remote SQL: SELECT .* WHERE \(\(category = 3\)\) ORDER BY \(embedding OPERATOR\(public\.<->\)/g);
is(scalar(@filtered), 2, 'the filter and the ordering reach each shard') or diag($plan);
my $filtered_query = q{
	SELECT string_agg(id::text, ',') FROM (
		SELECT id FROM %s WHERE category = 3
		ORDER BY embedding <-> (SELECT v FROM queries WHERE qid = 2) LIMIT 10) s
};
my $got = $coord->safe_psql('postgres', sprintf($filtered_query, 'items'));
my $want = $coord->safe_psql('postgres', sprintf($filtered_query, 'src'));
my @got = split(/,/, $got);
is(scalar(@got), 10, 'a filtered query returns 10 rows');
my %want = map { $_ => 1 } split(/,/, $want);
my $common = grep { $want{$_} } @got;
cmp_ok($common, '>=', 9, "filtered query finds the exact neighbours ($common of 10)");
is($coord->safe_psql('postgres', sprintf(
	'SELECT bool_and(category = 3) FROM items WHERE id IN (%s)', $got)), 't',
	'every row of the filtered query matches the filter');

# LIMIT reaches the shards when each shard is queried in its own subquery (PostgreSQL 15 does not
# push a LIMIT below the Merge Append of a partitioned table); the answer is the same.
my $per_shard = q{
	SELECT id FROM (
		(SELECT id, embedding <-> (SELECT v FROM queries WHERE qid = 3) AS d FROM items_s1
		 ORDER BY embedding <-> (SELECT v FROM queries WHERE qid = 3) LIMIT 10)
		UNION ALL
		(SELECT id, embedding <-> (SELECT v FROM queries WHERE qid = 3) AS d FROM items_s2
		 ORDER BY embedding <-> (SELECT v FROM queries WHERE qid = 3) LIMIT 10)) s
	ORDER BY d LIMIT 10
};
$plan = $coord->safe_psql('postgres', "EXPLAIN (VERBOSE, COSTS OFF) $per_shard");
my @limited = ($plan =~ /Remote SQL: SELECT .* ORDER BY \(embedding OPERATOR\(public\.<->\) \$1::public\.vector(?:\(\d+\))?\) ASC NULLS LAST LIMIT 10/g);
is(scalar(@limited), 2, 'per-shard subqueries ship ORDER BY and LIMIT') or diag($plan);
is(join(',', split(/\n/, $coord->safe_psql('postgres', $per_shard))),
	$coord->safe_psql('postgres', q{
		SELECT string_agg(id::text, ',' ORDER BY n) FROM (
			SELECT id, row_number() OVER () AS n FROM (
				SELECT id FROM items ORDER BY embedding <-> (SELECT v FROM queries WHERE qid = 3) LIMIT 10) s) s
	}), 'per-shard LIMIT query answers like the partitioned query');

# Inserts through the coordinator land on the shard the hash of the id names, and are found.
my $far = '[' . join(',', (9) x $dim) . ']';
my $near = '[' . join(',', (9) x ($dim - 1), 9.5) . ']';
$coord->safe_psql('postgres', qq{
	INSERT INTO items VALUES (100001, 7, '$far'), (100002, 7, '$near');
});
for my $id (100001, 100002)
{
	my $part = $coord->safe_psql('postgres', "SELECT tableoid::regclass FROM items WHERE id = $id");
	like($part, qr/^items_s[12]$/, "row $id is in a partition ($part)");
	my ($on) = $part =~ /(\d)$/;
	my $other = 3 - $on;
	is($shards[ $on - 1 ]->safe_psql('postgres', "SELECT count(*) FROM items WHERE id = $id"),
		'1', "row $id is stored on shard$on");
	is($shards[ $other - 1 ]->safe_psql('postgres', "SELECT count(*) FROM items WHERE id = $id"),
		'0', "row $id is not stored on shard$other");
}
is($coord->safe_psql('postgres', qq{
	SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <-> '$far' LIMIT 2) s
}), '100001,100002', 'rows inserted through the coordinator are found by k-NN');

# A shard that is down: a clear error, not a partial answer.  A query whose WHERE clause prunes
# to the shard still up keeps working.
my $down = $coord->safe_psql('postgres', 'SELECT tableoid::regclass FROM items WHERE id = 100001') eq
  'items_s1' ? 1 : 2;
my $up = 3 - $down;
my $up_id = $coord->safe_psql('postgres', "SELECT id FROM items_s$up LIMIT 1");
$shards[ $down - 1 ]->stop;
my ($ret, $stdout, $stderr) = $coord->psql('postgres',
	"SELECT id FROM items ORDER BY embedding <-> '$far' LIMIT 10");
isnt($ret, 0, 'k-NN query fails while a shard is down');
is($stdout, '', 'no partial answer while a shard is down');
like($stderr, qr/ERROR:  could not connect to server "shard$down"/, 'error names the shard that is down');
is($coord->safe_psql('postgres', qq{
	SELECT count(*) FROM (SELECT id FROM items WHERE id = $up_id ORDER BY embedding <-> '$far' LIMIT 10) s
}), '1', 'a query pruned to the shard still up is answered');

$shards[ $up - 1 ]->stop;
$coord->stop;
done_testing();
