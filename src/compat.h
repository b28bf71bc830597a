/*
 * compat.h
 *		The PostgreSQL server API differences between the major versions
 *		hubspot_fdw supports (15 to 18), in one place.
 *
 * Each difference is written once, as a guard on PG_VERSION_NUM at the
 * release that changed it, so that the versions between the two tested
 * ones (15 and 18) take the branch of the release they follow. Include it
 * after postgres.h; every other file uses the names defined here.
 */
#ifndef HS_COMPAT_H
#define HS_COMPAT_H

#include "postgres.h"

#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "access/stratnum.h"
#include "catalog/pg_foreign_server.h"
#include "optimizer/pathnode.h"
#include "utils/acl.h"

#if PG_VERSION_NUM < 150000
#error "hubspot_fdw needs PostgreSQL 15 or later"
#endif

/*
 * EXPLAIN: PostgreSQL 18 moved ExplainState and the ExplainProperty*()
 * functions out of commands/explain.h.
 */
#if PG_VERSION_NUM >= 180000
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#else
#include "commands/explain.h"
#endif

/*
 * Functions that never return: PostgreSQL 18 replaced the attribute after
 * the declaration (pg_attribute_noreturn()) with C11's _Noreturn before it
 * (pg_noreturn). Declarations carry both; each version defines one of them
 * and the other is empty here.
 */
#ifndef pg_noreturn
#define pg_noreturn
#endif
#if PG_VERSION_NUM >= 180000 && !defined(pg_attribute_noreturn)
#define pg_attribute_noreturn()
#endif

/*
 * create_foreignscan_path(): PostgreSQL 17 added the restriction clauses
 * the path enforces (fdw_restrictinfo), PostgreSQL 18 a count of disabled
 * nodes. hubspot_fdw passes neither: no path of it is disabled, and its
 * base-relation paths take their clauses from baserestrictinfo. A path is
 * parameterized by the relations a LATERAL reference names, so that the
 * scan runs again for each of their rows.
 */
#if PG_VERSION_NUM >= 180000
#define hs_create_foreignscan_path(root, rel, rows, startup, total, pathkeys, private) \
	create_foreignscan_path((root), (rel), NULL, (rows), 0, (startup), (total), \
							(pathkeys), (rel)->lateral_relids, NULL, NIL, (private))
#elif PG_VERSION_NUM >= 170000
#define hs_create_foreignscan_path(root, rel, rows, startup, total, pathkeys, private) \
	create_foreignscan_path((root), (rel), NULL, (rows), (startup), (total), \
							(pathkeys), (rel)->lateral_relids, NULL, NIL, (private))
#else
#define hs_create_foreignscan_path(root, rel, rows, startup, total, pathkeys, private) \
	create_foreignscan_path((root), (rel), NULL, (rows), (startup), (total), \
							(pathkeys), (rel)->lateral_relids, NULL, (private))
#endif

/*
 * A path built on another takes over its count of disabled nodes, which
 * PostgreSQL 18 added to Path (earlier versions add disable_cost instead),
 * and add_path_precheck() compares them first.
 */
#if PG_VERSION_NUM >= 180000
#define hs_path_inherit_disabled(path, subpath) \
	((path)->disabled_nodes = (subpath)->disabled_nodes)
#define hs_add_path_precheck(rel, subpath, startup, total, pathkeys) \
	add_path_precheck((rel), (subpath)->disabled_nodes, (startup), (total), \
					  (pathkeys), NULL)
#else
#define hs_path_inherit_disabled(path, subpath) ((void) (subpath))
#define hs_add_path_precheck(rel, subpath, startup, total, pathkeys) \
	add_path_precheck((rel), (startup), (total), (pathkeys), NULL)
#endif

/*
 * The sort direction of a PathKey as a btree strategy: PostgreSQL 18 keeps
 * a CompareType (COMPARE_LT for ascending, COMPARE_GT for descending).
 */
#if PG_VERSION_NUM >= 180000
#define hs_pathkey_strategy(pk) \
	((pk)->pk_cmptype == COMPARE_LT ? BTLessStrategyNumber : \
	 (pk)->pk_cmptype == COMPARE_GT ? BTGreaterStrategyNumber : InvalidStrategy)
#else
#define hs_pathkey_strategy(pk) ((pk)->pk_strategy)
#endif

/*
 * Typmod rounding of a timestamp: PostgreSQL 16 added a soft-error context,
 * which hubspot_fdw leaves NULL (out of range is an error).
 */
#if PG_VERSION_NUM >= 160000
#define hs_adjust_timestamp_typmod(ts, typmod) \
	((void) AdjustTimestampForTypmod((ts), (typmod), NULL))
#else
#define hs_adjust_timestamp_typmod(ts, typmod) \
	AdjustTimestampForTypmod((ts), (typmod))
#endif

/*
 * USAGE on a foreign server: PostgreSQL 16 replaced the per-object-kind
 * pg_*_aclcheck() functions with object_aclcheck().
 */
#if PG_VERSION_NUM >= 160000
#define hs_foreign_server_aclcheck(serverid, userid, mode) \
	object_aclcheck(ForeignServerRelationId, (serverid), (userid), (mode))
#else
#define hs_foreign_server_aclcheck(serverid, userid, mode) \
	pg_foreign_server_aclcheck((serverid), (userid), (mode))
#endif

/*
 * Whether the database's LC_CTYPE is C, where lower() folds only A-Z:
 * PostgreSQL 18 dropped lc_ctype_is_c().
 */
extern bool hs_database_ctype_is_c(void);

/*
 * Permissions: PostgreSQL 16 moved checkAsUser and insertedCols from the
 * range table entry to an RTEPermissionInfo. These return what 15 read from
 * the entry itself.
 */
extern Oid	hs_scan_user(ForeignScan *fsplan, EState *estate);
extern Oid	hs_result_rel_user(ResultRelInfo *rinfo, EState *estate);
extern Bitmapset *hs_inserted_cols(PlannerInfo *root, RangeTblEntry *rte);
extern void hs_foreignscan_set_rel(ForeignScan *fscan, Index rti, Oid userid);

/*
 * The outer joins that can null a Var (varnullingrels), which PostgreSQL
 * 16 added; before, none is recorded. hs_set_nullingrels() gives every
 * Var of relation "varno" in a copy of "node" the set "nullingrels"
 * (nothing to do before 16).
 */
#if PG_VERSION_NUM >= 160000
#define hs_var_nullingrels(var) ((var)->varnullingrels)
#else
#define hs_var_nullingrels(var) ((Bitmapset *) NULL)
#endif
extern Node *hs_set_nullingrels(Node *node, Index varno, Bitmapset *nullingrels);

#endif							/* HS_COMPAT_H */
