/*-------------------------------------------------------------------------
 *
 * omenhnsw_plan.c
 *	  `col = ANY (array)` and `col IN (...)` on a filter column as an index
 *	  condition of an ordered omenhnsw scan, on PostgreSQL 13-16.
 *
 * Before PostgreSQL 17 the planner never builds an ordered index path with a
 * ScalarArrayOpExpr on an index column other than the first: such a clause
 * would break a btree's sort order, so build_index_paths leaves it out of
 * the ordered path (it becomes a Filter) and puts it only into an unordered
 * path.  An omenhnsw scan's order comes from ORDER BY distance, not from its
 * key columns, and the scan evaluates array keys itself (amsearcharray, see
 * omenhnsw_filter.c).  Without this an anti-correlated `cluster = ANY (five
 * far clusters)` (~5% of 100,000 rows) ran as a post-filtered graph scan at
 * 4 QPS against 91 QPS for an exact plan (bench/results/filters.md).
 *
 * set_rel_pathlist_hook: for every ordered, unparameterised path on an
 * omenhnsw index, if the relation's restriction clauses include such array
 * clauses on the index's filter columns that the path lacks, add the same
 * path with them as index clauses.  create_index_path prices it with
 * omenhnswcostestimate and add_path keeps whichever is cheaper.  PostgreSQL
 * 17 builds these paths itself; there the hook is not installed.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "utils/lsyscache.h"

#include "pg/omenhnsw.h"

#if PG_VERSION_NUM < 170000

static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;

/*
 * ArrayClauseColumn
 *		The filter column (>= 1) that rinfo, `col op ANY (array)`, can be an
 *		index condition on, or -1.
 */
static int
ArrayClauseColumn(IndexOptInfo *index, RestrictInfo *rinfo)
{
	ScalarArrayOpExpr *saop;
	Node	   *left;
	Node	   *right;
	int			col;

	if (!IsA(rinfo->clause, ScalarArrayOpExpr) || rinfo->pseudoconstant)
		return -1;
	saop = (ScalarArrayOpExpr *) rinfo->clause;
	if (!saop->useOr || list_length(saop->args) != 2)
		return -1;
	left = (Node *) linitial(saop->args);
	right = (Node *) lsecond(saop->args);
	/* the array must be known when the scan starts: a constant or a parameter */
	if (contain_var_clause(right) || contain_volatile_functions(right))
		return -1;
	for (col = 1; col < index->nkeycolumns; col++)
	{
		int			strategy;

		/* array filter columns take &&, @> and <@, never ANY */
		if (type_is_array(index->opcintype[col]))
			continue;
		if (!match_index_to_operand(left, col, index))
			continue;
		if (OidIsValid(index->indexcollations[col]) &&
			index->indexcollations[col] != saop->inputcollid)
			continue;
		strategy = get_op_opfamily_strategy(saop->opno, index->opfamily[col]);
		if (strategy < BTLessStrategyNumber || strategy > BTGreaterStrategyNumber)
			continue;
		return col;
	}
	return -1;
}

/*
 * WithArrayClauses
 *		path's index clauses plus an IndexClause for each array clause in
 *		arrays (restriction clauses on filter columns, see ArrayClauseColumn)
 *		that path lacks, in index column order; NIL if none is missing.
 */
static List *
WithArrayClauses(IndexPath *path, List *arrays, List *arrayCols)
{
	List	   *added = NIL;
	List	   *result = NIL;
	ListCell   *lc;
	ListCell   *lcol;
	int			col;

	forboth(lc, arrays, lcol, arrayCols)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		ListCell   *lp;
		bool		present = false;

		foreach(lp, path->indexclauses)
		{
			if (lfirst_node(IndexClause, lp)->rinfo == rinfo)
				present = true;
		}
		if (!present)
		{
			IndexClause *ic = makeNode(IndexClause);

			ic->rinfo = rinfo;
			ic->indexquals = list_make1(rinfo);
			ic->lossy = false;
			ic->indexcol = (AttrNumber) lfirst_int(lcol);
			ic->indexcols = NIL;
			added = lappend(added, ic);
		}
	}
	if (added == NIL)
		return NIL;
	/* merge: indexclauses are ordered by index column */
	for (col = 0; col < path->indexinfo->nkeycolumns; col++)
	{
		foreach(lc, path->indexclauses)
		{
			IndexClause *ic = lfirst_node(IndexClause, lc);

			if (ic->indexcol == col)
				result = lappend(result, ic);
		}
		foreach(lc, added)
		{
			IndexClause *ic = lfirst_node(IndexClause, lc);

			if (ic->indexcol == col)
				result = lappend(result, ic);
		}
	}
	return result;
}

static void
OmenHnswSetRelPathlist(PlannerInfo *root, RelOptInfo *rel, Index rti,
					   RangeTblEntry *rte)
{
	List	   *candidates = NIL;
	ListCell   *lc;

	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);

	if (rel->reloptkind != RELOPT_BASEREL || rel->baserestrictinfo == NIL)
		return;

	/* the paths to extend; add_path below changes rel->pathlist */
	foreach(lc, rel->pathlist)
	{
		Path	   *p = (Path *) lfirst(lc);
		IndexPath  *ip;

		if (!IsA(p, IndexPath))
			continue;
		ip = (IndexPath *) p;
		if (ip->indexinfo->amcostestimate != omenhnswcostestimate ||
			ip->indexorderbys == NIL || PATH_REQ_OUTER(p) != NULL ||
			ip->indexinfo->nkeycolumns < 2)
			continue;
		candidates = lappend(candidates, ip);
	}

	foreach(lc, candidates)
	{
		IndexPath  *ip = (IndexPath *) lfirst(lc);
		IndexOptInfo *index = ip->indexinfo;
		List	   *arrays = NIL;
		List	   *arrayCols = NIL;
		List	   *clauses;
		ListCell   *lr;

		/* the restriction clauses less those a partial index's predicate implies */
		foreach(lr, index->indrestrictinfo)
		{
			RestrictInfo *rinfo = lfirst_node(RestrictInfo, lr);
			int			col = ArrayClauseColumn(index, rinfo);

			if (col < 1)
				continue;
			arrays = lappend(arrays, rinfo);
			arrayCols = lappend_int(arrayCols, col);
		}
		if (arrays == NIL)
			continue;
		clauses = WithArrayClauses(ip, arrays, arrayCols);
		if (clauses == NIL)
			continue;
		add_path(rel, (Path *)
				 create_index_path(root, index, clauses,
								   ip->indexorderbys, ip->indexorderbycols,
								   ip->path.pathkeys, ip->indexscandir,
								   ip->path.pathtype == T_IndexOnlyScan,
								   NULL, 1.0, false));
	}
}

void
OmenHnswPlanInit(void)
{
	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = OmenHnswSetRelPathlist;
}

#else							/* PostgreSQL 17 and later plan these paths */

void
OmenHnswPlanInit(void)
{
}

#endif
