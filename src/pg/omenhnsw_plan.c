/*-------------------------------------------------------------------------
 *
 * omenhnsw_plan.c
 *	  Conditions on filter columns that the planner of PostgreSQL 13-16 leaves
 *	  out of an ordered omenhnsw scan: `col = ANY (array)` / `col IN (...)`
 *	  (before 17), `col = a OR col = b` (the same as `= ANY`) and boolean
 *	  conditions (before 16).
 *
 * Arrays.  Before PostgreSQL 17 the planner never builds an ordered index
 * path with a ScalarArrayOpExpr on an index column other than the first:
 * such a clause would break a btree's sort order, so build_index_paths
 * leaves it out of the ordered path (it becomes a Filter) and puts it only
 * into an unordered path.  An omenhnsw scan's order comes from ORDER BY
 * distance, not from its key columns, and the scan evaluates array keys
 * itself (amsearcharray, see omenhnsw_filter.c).  Without this an
 * anti-correlated `cluster = ANY (five far clusters)` (~5% of 100,000 rows)
 * ran as a post-filtered graph scan at 4 QPS against 91 QPS for an exact
 * plan (bench/results/filters.md).
 *
 * Booleans.  The planner folds `flag = true` into a bare `flag` (and `flag =
 * false` into `NOT flag`) before it looks for index conditions, and before
 * PostgreSQL 16 it turns a bare boolean back into `flag = true` only for the
 * built-in B-tree and hash operator families.  So `WHERE flag` on a boolean
 * filter column was checked by the executor on the rows the scan returned: a
 * plain scan gone deep where the matching rows lie far from the query, never
 * the filtered scan the README promised for `flag = true`.  Here `flag`,
 * `NOT flag`, `flag IS TRUE` and `flag IS FALSE` become the index condition
 * `flag = true` / `flag = false` (the same rows: each of the four excludes
 * NULL); the original clause is what the index condition implies, so the
 * executor does not check it again.  PostgreSQL 16 does the same itself for
 * any operator family holding boolean equality.
 *
 * set_rel_pathlist_hook: for every ordered, unparameterised path on an
 * omenhnsw index, if the relation's restriction clauses include such
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

#include "catalog/pg_operator_d.h"
#include "catalog/pg_type_d.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
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

#if PG_VERSION_NUM < 160000
/*
 * BoolClauseColumn
 *		The boolean filter column (>= 1) that rinfo, `col`, `NOT col`, `col IS
 *		TRUE` or `col IS FALSE`, is about, or -1; *value: the value it asks for,
 *		*operand: the column's expression in the clause.
 */
static int
BoolClauseColumn(IndexOptInfo *index, RestrictInfo *rinfo, bool *value, Expr **operand)
{
	Node	   *clause = (Node *) rinfo->clause;
	int			col;

	if (rinfo->pseudoconstant)
		return -1;
	*value = true;
	*operand = (Expr *) clause;
	if (is_notclause(clause))
	{
		*operand = get_notclausearg((Expr *) clause);
		*value = false;
	}
	else if (IsA(clause, BooleanTest))
	{
		BooleanTest *bt = (BooleanTest *) clause;

		if (bt->booltesttype != IS_TRUE && bt->booltesttype != IS_FALSE)
			return -1;			/* IS NOT TRUE / IS NOT FALSE / IS UNKNOWN take NULL */
		*operand = bt->arg;
		*value = bt->booltesttype == IS_TRUE;
	}
	if (exprType((Node *) *operand) != BOOLOID)
		return -1;
	for (col = 1; col < index->nkeycolumns; col++)
	{
		if (index->opcintype[col] != BOOLOID ||
			!match_index_to_operand((Node *) *operand, col, index))
			continue;
		if (get_op_opfamily_strategy(BooleanEqualOperator, index->opfamily[col]) !=
			BTEqualStrategyNumber)
			continue;
		return col;
	}
	return -1;
}

/*
 * BoolIndexQual
 *		`operand = value`, the index condition for a clause BoolClauseColumn
 *		matched: the index column's own expression (its operand) on the left.
 */
static RestrictInfo *
BoolIndexQual(PlannerInfo *root, Expr *operand, bool value)
{
	Expr	   *op;

	op = make_opclause(BooleanEqualOperator, BOOLOID, false, operand,
					   (Expr *) makeBoolConst(value, false), InvalidOid, InvalidOid);
#if PG_VERSION_NUM >= 140000
	return make_simple_restrictinfo(root, op);
#else
	return make_simple_restrictinfo(op);
#endif
}
#endif

/*
 * OrQual
 *		For rinfo `col = c1 OR col = c2 ...` (one operator, one collation,
 *		constants or parameters of one type), the index condition `col = ANY
 *		(ARRAY[c1, c2, ...])` and the filter column it is on (*col >= 1);
 *		NULL if rinfo is no such clause.  The planner does not make this
 *		rewrite before PostgreSQL 18, and an ORM's `Q(a) | Q(b)` writes OR.
 */
static RestrictInfo *
OrQual(PlannerInfo *root, IndexOptInfo *index, RestrictInfo *rinfo, int *col)
{
	BoolExpr   *or;
	ListCell   *lc;
	Node	   *left = NULL;
	Oid			opno = InvalidOid;
	Oid			collid = InvalidOid;
	Oid			elemType = InvalidOid;
	List	   *elems = NIL;
	ArrayExpr  *arr;
	ScalarArrayOpExpr *saop;
	RestrictInfo *qual;

	*col = -1;
	if (rinfo->pseudoconstant || !is_orclause(rinfo->clause))
		return NULL;
	or = (BoolExpr *) rinfo->clause;
	foreach(lc, or->args)
	{
		OpExpr	   *op = (OpExpr *) lfirst(lc);
		Node	   *l;
		Node	   *r;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2)
			return NULL;
		l = (Node *) linitial(op->args);
		r = (Node *) lsecond(op->args);
		if (contain_var_clause(r) || contain_volatile_functions(r))
			return NULL;
		if (left == NULL)
		{
			left = l;
			opno = op->opno;
			collid = op->inputcollid;
			elemType = exprType(r);
		}
		else if (op->opno != opno || op->inputcollid != collid ||
				 exprType(r) != elemType || !equal(l, left))
			return NULL;
		elems = lappend(elems, r);
	}
	if (left == NULL || !OidIsValid(get_array_type(elemType)))
		return NULL;
	arr = makeNode(ArrayExpr);
	arr->array_typeid = get_array_type(elemType);
	arr->array_collid = exprCollation((Node *) linitial(elems));
	arr->element_typeid = elemType;
	arr->elements = elems;
	arr->multidims = false;
	arr->location = -1;
	saop = makeNode(ScalarArrayOpExpr);
	saop->opno = opno;
	saop->opfuncid = get_opcode(opno);
	saop->useOr = true;
	saop->inputcollid = collid;
	saop->args = list_make2(left, arr);
	saop->location = -1;
#if PG_VERSION_NUM >= 140000
	qual = make_simple_restrictinfo(root, (Expr *) saop);
#else
	qual = make_simple_restrictinfo((Expr *) saop);
#endif
	*col = ArrayClauseColumn(index, qual);
	return *col >= 1 ? qual : NULL;
}

/*
 * WithClauses
 *		path's index clauses plus an IndexClause for each restriction clause
 *		in rinfos (on the filter column in cols, evaluated as the index
 *		condition in quals) that path lacks, in index column order; NIL if
 *		none is missing.
 */
static List *
WithClauses(IndexPath *path, List *rinfos, List *quals, List *cols)
{
	List	   *added = NIL;
	List	   *result = NIL;
	ListCell   *lc;
	ListCell   *lq;
	ListCell   *lcol;
	int			col;

	forthree(lc, rinfos, lq, quals, lcol, cols)
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
			ic->indexquals = list_make1(lfirst_node(RestrictInfo, lq));
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
		List	   *rinfos = NIL;
		List	   *quals = NIL;
		List	   *cols = NIL;
		List	   *clauses;
		ListCell   *lr;

		/* the restriction clauses less those a partial index's predicate implies */
		foreach(lr, index->indrestrictinfo)
		{
			RestrictInfo *rinfo = lfirst_node(RestrictInfo, lr);
			RestrictInfo *qual = rinfo;
			int			col = ArrayClauseColumn(index, rinfo);

#if PG_VERSION_NUM < 160000
			bool		value;
			Expr	   *operand;

			if (col < 1 && (col = BoolClauseColumn(index, rinfo, &value, &operand)) >= 1)
				qual = BoolIndexQual(root, operand, value);
#endif
			if (col < 1)
			{
				RestrictInfo *anyQual = OrQual(root, index, rinfo, &col);

				if (anyQual != NULL)
					qual = anyQual;
			}
			if (col < 1)
				continue;
			rinfos = lappend(rinfos, rinfo);
			quals = lappend(quals, qual);
			cols = lappend_int(cols, col);
		}
		if (rinfos == NIL)
			continue;
		clauses = WithClauses(ip, rinfos, quals, cols);
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
