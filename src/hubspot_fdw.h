/*
 * hubspot_fdw.h
 *		The module entry: _PG_init, the GUCs and the FdwRoutine
 *		(hubspot_fdw.c), and the one pair of transaction callbacks (xact.c).
 *
 * The top layer: it includes every other. See doc/ARCHITECTURE.md.
 */
#ifndef HUBSPOT_FDW_H
#define HUBSPOT_FDW_H

#include "write.h"

/* ---------- hubspot_fdw.c ---------- */

extern PGDLLEXPORT Datum hubspot_fdw_handler(PG_FUNCTION_ARGS);

/* ---------- xact.c (the one pair of transaction callbacks) ---------- */

extern void hs_xact_register_callbacks(void);

#endif							/* HUBSPOT_FDW_H */
