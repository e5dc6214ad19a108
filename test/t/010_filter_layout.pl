# Copyright (c) 2026, OmenDB developers
#
# 010_filter_layout.pl
#	The two layouts of a page's filter values (src/pg/omenhnsw.h, "Filter
#	columns").  An index built before the columns layout (an image of it,
#	made by the code at cc9eed9: test/data/omenhnsw-attr1-index.recipe.sql)
#	keeps answering filtered k-NN queries exactly as a sequential scan does,
#	through inserts, deletes, VACUUM and slot reuse, and REINDEX gives it the
#	columns layout with the same answers.  Then pages holding more than 64
#	nodes (the exact pass evaluates 64 slots at a time) under every filter
#	kind, with NULLs and NaN.
use strict;
use warnings;

use File::Copy;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('layout');
$node->init;
$node->append_conf('postgresql.conf', qq{
# VACUUM's outcome is asserted: no autoanalyze snapshot may keep dead rows alive
autovacuum = off
max_parallel_maintenance_workers = 1
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION omendb');

my $rows = q{
	SELECT i, ARRAY[sin(i), cos(i), sin(2*i), cos(2*i), sin(3*i), cos(3*i), sin(5*i), cos(7*i)]::vector,
		CASE WHEN i % 17 = 0 THEN NULL ELSE i % 10 END,
		CASE WHEN i % 53 = 0 THEN 'NaN'::float8 ELSE (i * 37 % 101)::float8 END,
		ARRAY[i % 7, i % 11], 'n' || (i % 13)
};
# the recipe's table, so the same heap TIDs
$node->safe_psql('postgres', qq{
	CREATE TABLE a1t (id int PRIMARY KEY, v vector(8), cat int, price float8, tags int4[], name text);
	INSERT INTO a1t $rows FROM generate_series(1, 300) i;
	CREATE INDEX a1t_v ON a1t USING omenhnsw (v vector_l2_ops, cat, price, tags, name) WITH (m = 4, ef_construction = 16);
	DELETE FROM a1t WHERE id % 5 = 0;
	VACUUM a1t;
	CHECKPOINT;
});
my $file = $node->data_dir . '/' . $node->safe_psql('postgres', q{SELECT pg_relation_filepath('a1t_v')});
my $built = slurp_file($file);
$node->stop;
copy("$ENV{TESTDIR}/data/omenhnsw-attr1-index.bin", $file)
  or die "cannot copy the rows-layout image: $!";
$node->start;
isnt(slurp_file($file), $built, 'the rows-layout image differs from what this code builds');

# filters on every kind of filter column, NULLs (cat) and NaN (price) included
my @filters = (
	'cat = 3',
	'cat < 2',
	'cat IN (1, 4, 7)',
	'cat IS NULL',
	'price >= 20 AND price < 40',
	'price > 90',
	q{price = 'NaN'},
	'tags && ARRAY[3]',
	'tags @> ARRAY[2, 5]',
	q{name = 'n7'},
	q{cat = 3 AND price < 60 AND name <> 'n1'},
	'cat = 42',
);
my @queries = ('[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]', '[-0.9,0.1,0.5,-0.5,0.0,0.9,-0.2,0.3]',
	'[1,1,1,1,1,1,1,1]');

# every filter and query: the index's rows in order, and whether it took the filter as an index condition
sub check_all
{
	my ($table, $what) = @_;
	my ($bad, $conds) = (0, 0);
	for my $f (@filters)
	{
		for my $q (@queries)
		{
			my $sql = "SELECT string_agg(id::text, ',') FROM (SELECT id FROM $table WHERE $f ORDER BY v <-> '$q' LIMIT 10) s";
			my $exact = $node->safe_psql('postgres', "SET enable_indexscan = off; $sql");
			my $got = $node->safe_psql('postgres', qq{
				SET enable_seqscan = off; SET enable_bitmapscan = off; SET omenhnsw.ef_search = 200;
				$sql
			});
			if ($got ne $exact)
			{
				$bad++;
				diag("$what: $f, query $q: index [$got], exact [$exact]");
			}
		}
		my $plan = $node->safe_psql('postgres', qq{
			SET enable_seqscan = off; SET enable_bitmapscan = off;
			EXPLAIN (COSTS OFF) SELECT id FROM $table WHERE $f ORDER BY v <-> '$queries[0]' LIMIT 10
		});
		$conds++ if $plan =~ /Index Cond/;
	}
	is($bad, 0, "$what: every filtered k-NN query returns what a sequential scan returns");
	cmp_ok($conds, '>=', 8, "$what: the index evaluates the filters ($conds of " . scalar(@filters) . ' as index conditions)');
}

is($node->safe_psql('postgres', q{SELECT heap_rows, live_nodes FROM omenhnsw_verify('a1t_v')}),
	'240|240', 'omenhnsw_verify passes on the rows-layout index');
check_all('a1t', 'rows layout');

# writes keep the rows layout: new slots on its pages, a new page, then reused slots
$node->safe_psql('postgres', "INSERT INTO a1t $rows FROM generate_series(301, 420) i");
check_all('a1t', 'rows layout after inserts');
$node->safe_psql('postgres', q{DELETE FROM a1t WHERE id % 3 = 0; VACUUM a1t});
$node->safe_psql('postgres', "INSERT INTO a1t $rows FROM generate_series(421, 520) i");
is($node->safe_psql('postgres', q{SELECT heap_rows = live_nodes, free_slots < 100 FROM omenhnsw_verify('a1t_v')}),
	't|t', 'VACUUM and slot reuse on the rows-layout index: omenhnsw_verify passes');
check_all('a1t', 'rows layout after VACUUM and slot reuse');

$node->safe_psql('postgres', 'REINDEX INDEX a1t_v');
check_all('a1t', 'columns layout after REINDEX');

# ---- pages with more than 64 nodes: 2 dimensions, m = 4 ------------------------------------------
$node->safe_psql('postgres', q{
	CREATE TABLE small (id int PRIMARY KEY, v vector(2), cat int, price float8, tags int4[], name text);
	INSERT INTO small
	SELECT i, ARRAY[sin(i) * i, cos(i) * i]::vector,
		CASE WHEN i % 17 = 0 THEN NULL ELSE i % 10 END,
		CASE WHEN i % 53 = 0 THEN 'NaN'::float8 ELSE (i * 37 % 101)::float8 END,
		ARRAY[i % 7, i % 11], 'n' || (i % 13)
	FROM generate_series(1, 3000) i;
	CREATE INDEX small_v ON small USING omenhnsw (v vector_l2_ops, cat, price, tags, name) WITH (m = 4);
});
my $nodes_per_page = $node->safe_psql('postgres', q{
	SELECT floor(nodes::numeric / (pages - 1)) FROM omenhnsw_index_info('small_v')
});
cmp_ok($nodes_per_page, '>', 64, "index pages hold more than 64 nodes ($nodes_per_page a page on average)");
@queries = ('[10,10]', '[-1500,200]', '[2000,-2000]', '[0,0]');
check_all('small', 'columns layout, > 64 nodes a page');
$node->safe_psql('postgres', q{DELETE FROM small WHERE id % 4 = 1; VACUUM small});
check_all('small', 'columns layout, > 64 nodes a page, after VACUUM');

$node->stop;
done_testing();
