/*-------------------------------------------------------------------------
 *
 * omenhnsw_validate.c
 *	  amvalidate for omenhnsw operator classes.
 *
 * A vector opclass has exactly one ORDER BY operator (strategy 1,
 * (T, T) -> float8, sorted by a btree family that can sort float8) and one
 * support function 1: the distance function, (T, T) -> float8, which must be
 * one of the distance functions the core implements, since the AM learns
 * the metric from it.  A filter-column opclass (no support function) has
 * search operators only.  Problems are reported as INFO messages, as
 * PostgreSQL's own validators do, and make the result false.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_validate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "pg/omenhnsw.h"

/*
 * omenhnswvalidate
 *		amvalidate: check an omenhnsw opclass and its family.
 */
bool
omenhnswvalidate(Oid opclassoid)
{
	bool		result = true;
	HeapTuple	classtup;
	Form_pg_opclass classform;
	Oid			opfamilyoid;
	Oid			opcintype;
	char	   *opclassname;
	HeapTuple	familytup;
	char	   *opfamilyname;
	CatCList   *proclist;
	CatCList   *oprlist;
	bool		hasProc = false;
	bool		hasOrderBy = false;
	int			i;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opfamilyoid = classform->opcfamily;
	opcintype = classform->opcintype;
	opclassname = NameStr(classform->opcname);

	familytup = SearchSysCache1(OPFAMILYOID, ObjectIdGetDatum(opfamilyoid));
	if (!HeapTupleIsValid(familytup))
		elog(ERROR, "cache lookup failed for operator family %u", opfamilyoid);
	opfamilyname = NameStr(((Form_pg_opfamily) GETSTRUCT(familytup))->opfname);

	oprlist = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamilyoid));
	proclist = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamilyoid));

	/*
	 * A filter-column class (sql/filter.sql): no support function, only
	 * search operators returning boolean, strategies 1 .. 5 (<, <=, =, >=,
	 * >; arrays 1 .. 3: &&, @>, <@), and at least one for its own type.
	 */
	if (proclist->n_members == 0)
	{
		bool		hasOwn = false;
		bool		isArray = opcintype == ANYARRAYOID;

		for (i = 0; i < oprlist->n_members; i++)
		{
			Form_pg_amop oprform =
				(Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

			if (oprform->amoppurpose != AMOP_SEARCH ||
				oprform->amopstrategy < 1 || oprform->amopstrategy > (isArray ? 3 : 5) ||
				!check_amop_signature(oprform->amopopr, BOOLOID,
									  oprform->amoplefttype, oprform->amoprighttype))
			{
				ereport(INFO,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("omenhnsw filter operator family %s contains operator %s with invalid strategy %d, purpose or signature",
								opfamilyname, format_operator(oprform->amopopr),
								oprform->amopstrategy)));
				result = false;
				continue;
			}
			if (oprform->amoplefttype == opcintype)
				hasOwn = true;
		}
		if (!hasOwn)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("omenhnsw filter operator class %s has no operator for its type",
							opclassname)));
			result = false;
		}
		goto done;
	}

	/* support functions */
	for (i = 0; i < proclist->n_members; i++)
	{
		Form_pg_amproc procform =
			(Form_pg_amproc) GETSTRUCT(&proclist->members[i]->tuple);

		if (procform->amproclefttype != procform->amprocrighttype)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("omenhnsw operator family %s contains support function %s with cross-type registration",
							opfamilyname, format_procedure(procform->amproc))));
			result = false;
			continue;
		}
		if (procform->amprocnum != 1)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("omenhnsw operator family %s contains function %s with invalid support number %d",
							opfamilyname, format_procedure(procform->amproc),
							procform->amprocnum)));
			result = false;
			continue;
		}
		if (!check_amproc_signature(procform->amproc, FLOAT8OID, true, 2, 2,
									procform->amproclefttype,
									procform->amprocrighttype))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("omenhnsw operator family %s contains function %s with wrong signature for support number %d",
							opfamilyname, format_procedure(procform->amproc),
							procform->amprocnum)));
			result = false;
			continue;
		}
		if (OmenHnswMetricFromProc(procform->amproc) < 0)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("omenhnsw operator family %s contains distance function %s that omenhnsw does not implement",
							opfamilyname, format_procedure(procform->amproc))));
			result = false;
			continue;
		}
		if (procform->amproclefttype == opcintype)
			hasProc = true;
	}

	/* operators */
	for (i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform =
			(Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);
		Oid			rettype;

		if (oprform->amopstrategy != 1)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("omenhnsw operator family %s contains operator %s with invalid strategy number %d",
							opfamilyname, format_operator(oprform->amopopr),
							oprform->amopstrategy)));
			result = false;
			continue;
		}
		if (oprform->amoppurpose != AMOP_ORDER)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("omenhnsw operator family %s contains operator %s that is not an ORDER BY operator",
							opfamilyname, format_operator(oprform->amopopr))));
			result = false;
			continue;
		}
		rettype = get_op_rettype(oprform->amopopr);
		if (rettype != FLOAT8OID ||
			!check_amop_signature(oprform->amopopr, rettype,
								  oprform->amoplefttype, oprform->amoprighttype) ||
			oprform->amoplefttype != oprform->amoprighttype)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("omenhnsw operator family %s contains operator %s with wrong signature",
							opfamilyname, format_operator(oprform->amopopr))));
			result = false;
			continue;
		}
		if (!OidIsValid(oprform->amopsortfamily) ||
			!opfamily_can_sort_type(oprform->amopsortfamily, rettype))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("omenhnsw operator family %s contains invalid ORDER BY specification for operator %s",
							opfamilyname, format_operator(oprform->amopopr))));
			result = false;
			continue;
		}
		if (oprform->amoplefttype == opcintype)
			hasOrderBy = true;
	}

	if (!hasProc)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("omenhnsw operator class %s is missing support function 1",
						opclassname)));
		result = false;
	}
	if (!hasOrderBy)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("omenhnsw operator class %s is missing its ORDER BY operator (strategy 1)",
						opclassname)));
		result = false;
	}

done:
	ReleaseCatCacheList(proclist);
	ReleaseCatCacheList(oprlist);
	ReleaseSysCache(familytup);
	ReleaseSysCache(classtup);

	return result;
}
