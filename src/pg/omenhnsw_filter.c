/*-------------------------------------------------------------------------
 *
 * omenhnsw_filter.c
 *	  Filter columns: the values of an index's key columns after the vector,
 *	  stored with every node, and the scan keys a search evaluates on them.
 *
 *	  CREATE INDEX ON items USING omenhnsw (embedding vector_l2_ops,
 *											category, price, tags, tenant_id);
 *
 * The first key column is the vector; every further key column is a filter
 * column.  Its value is copied into the node's attribute area, a slot of
 * its element page's filter-value array (omenhnsw.h: "Filter values",
 * attrSize, attrVersion).
 * The planner hands WHERE clauses on those columns to the index as scan
 * keys (the operator classes in sql/filter.sql), and the search evaluates
 * them on the index's copy: a node that fails is traversed but never
 * returned, and its heap row is never read.
 *
 * Attribute area, attrVersion 1 (all fields native byte order, unaligned):
 *	0		uint32		NULL bits: bit i set when filter column i is NULL
 *	4		per filter column, in column order, 8 or 16 bytes by kind:
 *		INT		int64: int2, int4, int8, bool, date, timestamp, timestamptz,
 *				exact (<, <=, =, >=, >; int2/int4/int8 compare across types)
 *		FLOAT	float8: float4, float8, exact; NaN equals NaN and sorts after
 *				every number, as in PostgreSQL
 *		NUMERIC	float8: numeric rounded (numeric_float8_no_overflow, which is
 *				monotonic), lossy: a node passes when the rounded values
 *				could satisfy the comparison; the executor rechecks
 *		HASH	uint64: text, varchar, uuid: the type's extended hash under the
 *				column's collation (so nondeterministic collations hash
 *				equal strings alike); equality only, lossy
 *		ARRAY	2 x uint64: int2[], int4[], int8[], text[]: a 128-bit
 *				signature, one bit per non-NULL element (its hash modulo
 *				128); && (overlap), @> (contains), <@ (contained by),
 *				lossy
 * Lossy keys make the scan set xs_recheck, so the executor re-evaluates the
 * original clauses on the heap row; exact kinds are trusted as they are.
 *
 * A filter column's NULL fails every operator, as in SQL (the operators are
 * strict).  A scan key with a NULL argument matches nothing.  `col = ANY
 * (array)` and `col IN (...)` arrive as array scan keys (amsearcharray): a
 * node passes when any non-NULL element satisfies the operator.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omenhnsw_filter.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "pg/omenhnsw.h"

/* strategies of the filter operator classes (sql/filter.sql) */
#define OMENHNSW_FILTER_LT		1
#define OMENHNSW_FILTER_LE		2
#define OMENHNSW_FILTER_EQ		3
#define OMENHNSW_FILTER_GE		4
#define OMENHNSW_FILTER_GT		5
#define OMENHNSW_FILTER_OVERLAP	1	/* arrays */
#define OMENHNSW_FILTER_CONTAINS 2
#define OMENHNSW_FILTER_CONTAINED 3

#define OMENHNSW_ATTR_NULLBITS	4

/* The kind of values of type typid, or -1 when filter columns cannot hold it. */
static int
KindOfType(Oid typid, Oid *elemType)
{
	*elemType = InvalidOid;
	switch (typid)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case BOOLOID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return OMENHNSW_ATTR_INT;
		case FLOAT4OID:
		case FLOAT8OID:
			return OMENHNSW_ATTR_FLOAT;
		case NUMERICOID:
			return OMENHNSW_ATTR_NUMERIC;
		case TEXTOID:
		case VARCHAROID:
		case UUIDOID:
			return OMENHNSW_ATTR_HASH;
		case INT2ARRAYOID:
			*elemType = INT2OID;
			return OMENHNSW_ATTR_ARRAY;
		case INT4ARRAYOID:
			*elemType = INT4OID;
			return OMENHNSW_ATTR_ARRAY;
		case INT8ARRAYOID:
			*elemType = INT8OID;
			return OMENHNSW_ATTR_ARRAY;
		case TEXTARRAYOID:
			*elemType = TEXTOID;
			return OMENHNSW_ATTR_ARRAY;
		default:
			return -1;
	}
}

static void
UnsupportedType(Relation index, int attno, Oid typid)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("omenhnsw filter column %d of index \"%s\" has unsupported type %s",
					attno, RelationGetRelationName(index), format_type_be(typid)),
			 errhint("Filter columns (the key columns after the vector) may be smallint, integer, bigint, boolean, real, double precision, numeric, date, timestamp, timestamptz, text, varchar, uuid, smallint[], integer[], bigint[] or text[].")));
}

/*
 * OmenHnswAttrLayoutGet
 *		The attribute-area layout of an index's filter columns, in
 *		CurrentMemoryContext.  size 0 (and ncols 0) for a single-column index.
 */
OmenHnswAttrLayout *
OmenHnswAttrLayoutGet(Relation index)
{
	int			nkeys = IndexRelationGetNumberOfKeyAttributes(index);
	OmenHnswAttrLayout *lay;
	uint32		off = OMENHNSW_ATTR_NULLBITS;
	int			i;

	lay = palloc0(offsetof(OmenHnswAttrLayout, cols) +
				  sizeof(OmenHnswAttrColumn) * Max(nkeys - 1, 1));
	lay->ncols = nkeys - 1;
	if (lay->ncols <= 0)
	{
		lay->ncols = 0;
		lay->size = 0;
		return lay;
	}
	if (lay->ncols > OMENHNSW_MAX_FILTER_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("omenhnsw indexes have at most %d filter columns",
						OMENHNSW_MAX_FILTER_COLUMNS)));
	for (i = 0; i < lay->ncols; i++)
	{
		OmenHnswAttrColumn *c = &lay->cols[i];
		/* the column's own type: the array opclass is for anyarray */
		Oid			typid = TupleDescAttr(RelationGetDescr(index), i + 1)->atttypid;

		c->attno = i + 2;
		c->type = typid;
		c->collation = index->rd_indcollation[i + 1];
		c->kind = KindOfType(typid, &c->elemType);
		if (c->kind < 0)
			UnsupportedType(index, i + 2, typid);
		c->offset = off;
		off += c->kind == OMENHNSW_ATTR_ARRAY ? 16 : 8;
		if (c->kind == OMENHNSW_ATTR_HASH || c->kind == OMENHNSW_ATTR_ARRAY)
		{
			Oid			htype = c->kind == OMENHNSW_ATTR_ARRAY ? c->elemType : typid;
			TypeCacheEntry *tc = lookup_type_cache(htype, TYPECACHE_HASH_EXTENDED_PROC);

			if (!OidIsValid(tc->hash_extended_proc))
				UnsupportedType(index, i + 2, typid);
			c->hashProc = tc->hash_extended_proc;
			if (c->kind == OMENHNSW_ATTR_ARRAY)
				get_typlenbyvalalign(c->elemType, &c->elemLen, &c->elemByVal,
									 &c->elemAlign);
		}
	}
	lay->size = off;
	return lay;
}

/* A value of an INT-kind type as int64 (type: the value's own type). */
static int64
IntValue(Datum d, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		case INT8OID:
			return DatumGetInt64(d);
		case BOOLOID:
			return DatumGetBool(d) ? 1 : 0;
		case DATEOID:
			return DatumGetDateADT(d);
		case TIMESTAMPOID:
			return DatumGetTimestamp(d);
		case TIMESTAMPTZOID:
			return DatumGetTimestampTz(d);
		default:
			elog(ERROR, "omenhnsw: type %u is not an integer-like filter type", type);
	}
	return 0;
}

static float8
FloatValue(Datum d, Oid type)
{
	switch (type)
	{
		case FLOAT4OID:
			return (float8) DatumGetFloat4(d);
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return (float8) IntValue(d, type);
		default:
			elog(ERROR, "omenhnsw: type %u is not a float-like filter type", type);
	}
	return 0;
}

static uint64
HashValue(const OmenHnswAttrColumn *c, Datum d)
{
	return DatumGetUInt64(OidFunctionCall2Coll(c->hashProc, c->collation, d,
											   Int64GetDatum(0)));
}

/* The 128-bit signature of an array's non-NULL elements. */
static void
ArraySignature(const OmenHnswAttrColumn *c, Datum arr, uint64 sig[2])
{
	ArrayType  *a = DatumGetArrayTypeP(arr);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	FmgrInfo	flinfo;

	sig[0] = sig[1] = 0;
	if (ARR_ELEMTYPE(a) != c->elemType)
		elog(ERROR, "omenhnsw: array of type %u where %u was expected",
			 ARR_ELEMTYPE(a), c->elemType);
	deconstruct_array(a, c->elemType, c->elemLen, c->elemByVal, c->elemAlign,
					  &elems, &nulls, &n);
	fmgr_info(c->hashProc, &flinfo);
	for (i = 0; i < n; i++)
	{
		uint64		h;

		if (nulls[i])
			continue;
		h = DatumGetUInt64(FunctionCall2Coll(&flinfo, c->collation, elems[i],
											 Int64GetDatum(0)));
		h = (h ^ (h >> 29)) * UINT64CONST(0xBF58476D1CE4E5B9);
		h ^= h >> 32;
		sig[(h >> 6) & 1] |= UINT64CONST(1) << (h & 63);
	}
}

/*
 * OmenHnswAttrEncode
 *		Write the attribute area of a row (values/isnull: the index's key
 *		columns, the vector first) into out (lay->size bytes).
 */
void
OmenHnswAttrEncode(const OmenHnswAttrLayout *lay, Datum *values, bool *isnull,
				   uint8 *out)
{
	uint32		nullbits = 0;
	int			i;

	if (lay->size == 0)
		return;
	memset(out, 0, lay->size);
	for (i = 0; i < lay->ncols; i++)
	{
		const OmenHnswAttrColumn *c = &lay->cols[i];
		Datum		d = values[c->attno - 1];
		uint8	   *p = out + c->offset;

		if (isnull[c->attno - 1])
		{
			nullbits |= (uint32) 1 << i;
			continue;
		}
		switch (c->kind)
		{
			case OMENHNSW_ATTR_INT:
				{
					int64		v = IntValue(d, c->type);

					memcpy(p, &v, 8);
					break;
				}
			case OMENHNSW_ATTR_FLOAT:
			case OMENHNSW_ATTR_NUMERIC:
				{
					float8		v = FloatValue(d, c->type);

					memcpy(p, &v, 8);
					break;
				}
			case OMENHNSW_ATTR_HASH:
				{
					uint64		h = HashValue(c, d);

					memcpy(p, &h, 8);
					break;
				}
			case OMENHNSW_ATTR_ARRAY:
				{
					uint64		sig[2];

					ArraySignature(c, d, sig);
					memcpy(p, sig, 16);
					break;
				}
		}
	}
	memcpy(out, &nullbits, 4);
}

/* ------------------------------------------------------------------------
 * Scan keys
 * ------------------------------------------------------------------------
 */

/* float8 order as PostgreSQL's: NaN equals NaN and sorts after everything */
static int
CompareFloat(float8 a, float8 b)
{
	bool		na = isnan(a);
	bool		nb = isnan(b);

	if (na || nb)
		return na == nb ? 0 : (na ? 1 : -1);
	return a < b ? -1 : (a > b ? 1 : 0);
}

static bool
StrategyHolds(int strategy, int cmp)
{
	switch (strategy)
	{
		case OMENHNSW_FILTER_LT:
			return cmp < 0;
		case OMENHNSW_FILTER_LE:
			return cmp <= 0;
		case OMENHNSW_FILTER_EQ:
			return cmp == 0;
		case OMENHNSW_FILTER_GE:
			return cmp >= 0;
		case OMENHNSW_FILTER_GT:
			return cmp > 0;
	}
	return false;
}

/*
 * Numeric values were rounded monotonically: x < c implies round(x) <=
 * round(c), so a rounded comparison may only be relaxed, never trusted.
 */
static bool
StrategyMayHold(int strategy, int cmp)
{
	switch (strategy)
	{
		case OMENHNSW_FILTER_LT:
		case OMENHNSW_FILTER_LE:
			return cmp <= 0;
		case OMENHNSW_FILTER_EQ:
			return cmp == 0;
		case OMENHNSW_FILTER_GE:
		case OMENHNSW_FILTER_GT:
			return cmp >= 0;
	}
	return false;
}

/*
 * OmenHnswFilterCreate
 *		Compile a scan's keys on filter columns (in CurrentMemoryContext).
 *		NULL when there are none.
 */
OmenHnswFilter *
OmenHnswFilterCreate(Relation index, ScanKey keys, int nkeys,
					 uint32 attrSize)
{
	OmenHnswAttrLayout *lay;
	OmenHnswFilter *f;
	int			i;

	if (nkeys <= 0)
		return NULL;
	lay = OmenHnswAttrLayoutGet(index);
	if (lay->size != attrSize)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" stores %u bytes of filter values per node, its columns need %u",
						RelationGetRelationName(index), attrSize, lay->size),
				 errhint("REINDEX the index.")));
	f = palloc0(sizeof(OmenHnswFilter));
	f->keys = palloc0(sizeof(OmenHnswFilterKey) * nkeys);
	f->attrSize = attrSize;
	for (i = 0; i < nkeys; i++)
	{
		ScanKey		sk = &keys[i];
		OmenHnswFilterKey *k = &f->keys[f->nkeys];
		const OmenHnswAttrColumn *c;
		Oid			argType;
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			j;

		if (sk->sk_attno < 2 || sk->sk_attno - 2 >= lay->ncols)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("omenhnsw cannot search column %d of index \"%s\"",
							sk->sk_attno, RelationGetRelationName(index))));
		if (sk->sk_flags & (SK_SEARCHNULL | SK_SEARCHNOTNULL))
			elog(ERROR, "omenhnsw does not search for NULLs");
		c = &lay->cols[sk->sk_attno - 2];
		k->column = *c;
		k->strategy = sk->sk_strategy;
		if (sk->sk_flags & SK_ISNULL)
		{
			f->never = true;	/* strict operator, NULL argument */
			continue;
		}
		argType = OidIsValid(sk->sk_subtype) ? sk->sk_subtype : c->type;
		if (c->kind == OMENHNSW_ATTR_NUMERIC || c->kind == OMENHNSW_ATTR_HASH ||
			c->kind == OMENHNSW_ATTR_ARRAY)
			f->lossy = true;

		if (c->kind == OMENHNSW_ATTR_ARRAY)
		{
			if (sk->sk_flags & SK_SEARCHARRAY)
				elog(ERROR, "omenhnsw: ANY over array filter columns is not supported");
			if (k->strategy < OMENHNSW_FILTER_OVERLAP ||
				k->strategy > OMENHNSW_FILTER_CONTAINED)
				elog(ERROR, "omenhnsw: unknown array filter strategy %d", k->strategy);
			ArraySignature(c, sk->sk_argument, k->sig);
			k->nvals = 1;
			f->nkeys++;
			continue;
		}
		if (k->strategy < OMENHNSW_FILTER_LT || k->strategy > OMENHNSW_FILTER_GT ||
			(c->kind == OMENHNSW_ATTR_HASH && k->strategy != OMENHNSW_FILTER_EQ))
			elog(ERROR, "omenhnsw: unknown filter strategy %d for column %d",
				 k->strategy, sk->sk_attno);

		if (sk->sk_flags & SK_SEARCHARRAY)
		{
			ArrayType  *a = DatumGetArrayTypeP(sk->sk_argument);
			int16		elen;
			bool		ebyval;
			char		ealign;

			argType = ARR_ELEMTYPE(a);
			get_typlenbyvalalign(argType, &elen, &ebyval, &ealign);
			deconstruct_array(a, argType, elen, ebyval, ealign, &elems, &nulls, &n);
		}
		else
		{
			elems = &sk->sk_argument;
			nulls = NULL;
			n = 1;
		}
		k->vals = palloc(sizeof(uint64) * Max(n, 1));
		k->nvals = 0;
		for (j = 0; j < n; j++)
		{
			uint64		v;

			if (nulls && nulls[j])
				continue;		/* never satisfies a strict operator */
			switch (c->kind)
			{
				case OMENHNSW_ATTR_INT:
					{
						int64		x = IntValue(elems[j], argType);

						memcpy(&v, &x, 8);
						break;
					}
				case OMENHNSW_ATTR_FLOAT:
				case OMENHNSW_ATTR_NUMERIC:
					{
						float8		x = FloatValue(elems[j], argType);

						memcpy(&v, &x, 8);
						break;
					}
				default:
					v = HashValue(c, elems[j]);
					break;
			}
			k->vals[k->nvals++] = v;
		}
		if (k->nvals == 0)
		{
			f->never = true;	/* = ANY('{}') or only NULLs */
			continue;
		}
		f->nkeys++;
	}
	return f;
}

/* One key against one node's attribute area. */
static bool
KeyMatches(const OmenHnswFilterKey *k, const uint8 *attrs)
{
	const uint8 *p = attrs + k->column.offset;
	int			j;

	switch (k->column.kind)
	{
		case OMENHNSW_ATTR_INT:
			{
				int64		x;

				memcpy(&x, p, 8);
				for (j = 0; j < k->nvals; j++)
				{
					int64		c = (int64) k->vals[j];

					if (StrategyHolds(k->strategy, x < c ? -1 : (x > c ? 1 : 0)))
						return true;
				}
				return false;
			}
		case OMENHNSW_ATTR_FLOAT:
		case OMENHNSW_ATTR_NUMERIC:
			{
				float8		x;

				memcpy(&x, p, 8);
				for (j = 0; j < k->nvals; j++)
				{
					float8		c;
					int			cmp;

					memcpy(&c, &k->vals[j], 8);
					cmp = CompareFloat(x, c);
					if (k->column.kind == OMENHNSW_ATTR_FLOAT ?
						StrategyHolds(k->strategy, cmp) :
						StrategyMayHold(k->strategy, cmp))
						return true;
				}
				return false;
			}
		case OMENHNSW_ATTR_HASH:
			{
				uint64		x;

				memcpy(&x, p, 8);
				for (j = 0; j < k->nvals; j++)
					if (x == k->vals[j])
						return true;
				return false;
			}
		case OMENHNSW_ATTR_ARRAY:
			{
				uint64		s[2];

				memcpy(s, p, 16);
				switch (k->strategy)
				{
					case OMENHNSW_FILTER_OVERLAP:
						return ((s[0] & k->sig[0]) | (s[1] & k->sig[1])) != 0;
					case OMENHNSW_FILTER_CONTAINS:
						return ((k->sig[0] & ~s[0]) | (k->sig[1] & ~s[1])) == 0;
					case OMENHNSW_FILTER_CONTAINED:
						return ((s[0] & ~k->sig[0]) | (s[1] & ~k->sig[1])) == 0;
				}
				return false;
			}
	}
	return false;
}

/*
 * OmenHnswFilterMatch
 *		Whether a node whose attribute area is attrs passes every key.
 */
bool
OmenHnswFilterMatch(const OmenHnswFilter *f, const uint8 *attrs)
{
	uint32		nullbits;
	int			i;

	if (f->never)
		return false;
	memcpy(&nullbits, attrs, 4);
	for (i = 0; i < f->nkeys; i++)
	{
		const OmenHnswFilterKey *k = &f->keys[i];

		if (nullbits & ((uint32) 1 << (k->column.attno - 2)))
			return false;
		if (!KeyMatches(k, attrs))
			return false;
	}
	return true;
}

/*
 * OmenHnswFilterCollect
 *		Every live node of the index that passes the filter, in page order:
 *		the exact pass of a filtered scan (omenhnsw_scan.c).  Reads each
 *		element page once under a share lock, its filter-value array first
 *		and a record only for a node that passes; skips free slots, deleted
 *		nodes and nodes written into slots reused after the reader opened
 *		the index (their rows are newer than its snapshot).  With
 *		prefixLen > 0, also copies each listed record's first prefixLen
 *		bytes into *prefixes, for omen_scan_restrict_prefixes (the pages
 *		are read once: re-reading 1,000 matching records by id took 0.35 ms
 *		of a 1.3 ms exact pass over 100,000 nodes).  Results in
 *		CurrentMemoryContext.
 */
uint32 *
OmenHnswFilterCollect(Relation index, const OmenHnswFilter *f, uint32 freeGen,
					  Size prefixLen, uint8 **prefixes, uint32 *count)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber blkno;
	uint32		n = 0;
	uint32		cap = 1024;
	uint32	   *ids = palloc(sizeof(uint32) * cap);
	uint8	   *pre = prefixLen > 0 ? palloc_extended(prefixLen * cap, MCXT_ALLOC_HUGE) : NULL;

	for (blkno = OMENHNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber off;
		OffsetNumber maxoff;
		const uint8 *attrs;

		CHECK_FOR_INTERRUPTS();
		if (cap - n < OMENHNSW_MAX_ITEMS_PER_PAGE)
		{
			cap *= 2;
			ids = repalloc_huge(ids, sizeof(uint32) * cap);
			if (pre != NULL)
				pre = repalloc_huge(pre, prefixLen * cap);
		}
		buf = OmenHnswReadHinted(index, index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (PageIsNew(page) ||
			OmenHnswPageGetOpaque(page)->pageType != OMENHNSW_PAGE_ELEMENT)
		{
			UnlockReleaseBuffer(buf);
			continue;
		}
		maxoff = Min(PageGetMaxOffsetNumber(page), OmenHnswPageGetOpaque(page)->attrCap);
		attrs = OmenHnswPageAttrs(page, f->attrSize, FirstOffsetNumber);
		for (off = FirstOffsetNumber; off <= maxoff; off++, attrs += f->attrSize)
		{
			ItemId		itemid;
			const uint8 *item;
			uint64		payload;

			/* the page's values are one array: most nodes fail on it alone */
			if (!OmenHnswFilterMatch(f, attrs))
				continue;
			itemid = PageGetItemId(page, off);
			if (!ItemIdIsNormal(itemid) || ItemIdGetLength(itemid) < 10)
				continue;
			item = (const uint8 *) PageGetItem(page, itemid);
			memcpy(&payload, item, sizeof(uint64));
			if (OmenHnswPayloadIsFree(payload) || omen_record_is_deleted(item) ||
				OmenHnswGenAfter(OmenHnswPayloadGen(payload), freeGen))
				continue;
			if (pre != NULL)
			{
				if (ItemIdGetLength(itemid) < prefixLen)
				{
					UnlockReleaseBuffer(buf);
					ereport(ERROR,
							(errcode(ERRCODE_INDEX_CORRUPTED),
							 errmsg("index \"%s\" has a record of %u bytes at block %u, offset %u; its nodes need at least %zu",
									RelationGetRelationName(index), ItemIdGetLength(itemid),
									blkno, off, prefixLen),
							 errhint("REINDEX the index.")));
				}
				memcpy(pre + (Size) n * prefixLen, item, prefixLen);
			}
			ids[n++] = OmenHnswMakeId(blkno, off);
		}
		UnlockReleaseBuffer(buf);
	}
	*count = n;
	if (prefixes != NULL)
		*prefixes = pre;
	return ids;
}
