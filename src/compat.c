/*
 * compat.c
 *		The functions behind src/compat.h: what PostgreSQL 15 read from a
 *		range table entry and later versions keep elsewhere.
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_collation.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "utils/pg_locale.h"
#if PG_VERSION_NUM >= 160000
#include "parser/parse_relation.h"
#endif

/*
 * The user whose user mapping a foreign scan (or a direct UPDATE or DELETE)
 * uses: the view owner when it reads through a view, else the current user.
 */
Oid
hs_scan_user(ForeignScan *fsplan, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	(void) estate;
	return OidIsValid(fsplan->checkAsUser) ? fsplan->checkAsUser : GetUserId();
#else
	Index		rti = fsplan->scan.scanrelid ? fsplan->scan.scanrelid : fsplan->resultRelation;
	RangeTblEntry *rte = exec_rt_fetch(rti, estate);

	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

/*
 * The user whose user mapping an INSERT, UPDATE or DELETE of "rinfo" uses.
 * A partition that rows are routed to, or a child of an inheritance tree,
 * takes its root's; a relation outside the range table (a COPY target with
 * no statement around it) takes the current user.
 */
Oid
hs_result_rel_user(ResultRelInfo *rinfo, EState *estate)
{
	if (rinfo->ri_RangeTableIndex == 0 && rinfo->ri_RootResultRelInfo == NULL)
		return GetUserId();
#if PG_VERSION_NUM >= 160000
	return ExecGetResultRelCheckAsUser(rinfo, estate);
#else
	{
		RangeTblEntry *rte;

		if (rinfo->ri_RangeTableIndex == 0)
			rinfo = rinfo->ri_RootResultRelInfo;
		rte = exec_rt_fetch(rinfo->ri_RangeTableIndex, estate);
		return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	}
#endif
}

/* Planner: the columns an INSERT into range table entry "rte" names. */
Bitmapset *
hs_inserted_cols(PlannerInfo *root, RangeTblEntry *rte)
{
#if PG_VERSION_NUM >= 160000
	return getRTEPermissionInfo(root->parse->rteperminfos, rte)->insertedCols;
#else
	(void) root;
	return rte->insertedCols;
#endif
}

/* Whether the database's LC_CTYPE is C (lower() then folds only A-Z). */
bool
hs_database_ctype_is_c(void)
{
#if PG_VERSION_NUM >= 180000
	return pg_newlocale_from_collation(DEFAULT_COLLATION_OID)->ctype_is_c;
#else
	return lc_ctype_is_c(DEFAULT_COLLATION_OID);
#endif
}
