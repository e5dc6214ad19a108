/*-------------------------------------------------------------------------
 *
 * omendb.h
 *	  Declarations shared by the PostgreSQL shim's files.
 *
 * Copyright (c) 2026, OmenDB developers
 *
 * IDENTIFICATION
 *	  src/pg/omendb.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef OMENDB_H
#define OMENDB_H

/* Defines the omenhnsw.* GUCs and reloptions; called once from _PG_init (src/pg/omenhnsw.c). */
extern void OmenHnswInit(void);

#endif							/* OMENDB_H */
