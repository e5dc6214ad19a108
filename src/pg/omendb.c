/*-------------------------------------------------------------------------
 *
 * omendb.c
 *	  Module entry point: PG_MODULE_MAGIC, kernel selection and GUCs.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omendb.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "omendb/omen_core.h"
#include "pg/omendb.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * omendb.simd: which kernel set the distance functions use.  Setting it to a set the CPU lacks is
 * refused; "scalar" is always available and lets the test suite exercise the reference path.
 */
static char *omendb_simd = NULL;

static bool
check_simd(char **newval, void **extra, GucSource source)
{
	if (!omen_simd_available(*newval))
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errdetail("Kernel set \"%s\" is unknown or not supported by this CPU.", *newval);
		GUC_check_errhint("Valid values are \"scalar\", \"avx2\" and \"avx512\", as far as the CPU supports them.");
		return false;
	}
	return true;
}

static void
assign_simd(const char *newval, void *extra)
{
	omen_set_simd_level(newval);
}

void
_PG_init(void)
{
	omen_init();

	DefineCustomStringVariable("omendb.simd",
							   "Distance kernel set: avx512, avx2 or scalar.",
							   "Defaults to the fastest set the CPU supports.",
							   &omendb_simd,
							   omen_simd_level(),
							   PGC_USERSET,
							   0,
							   check_simd, assign_simd, NULL);

	OmenHnswInit();

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("omendb");
#else
	EmitWarningsOnPlaceholders("omendb");
#endif
}
