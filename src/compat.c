/*
 * compat.c
 *		The functions behind src/compat.h: what PostgreSQL 15 read from a
 *		range table entry and later versions keep elsewhere, and the outer
 *		joins that null a Var, which 16 records in it.
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_collation.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
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
 * What create_foreignscan_plan() fills in, for a ForeignScan built by hand
 * over relation "rti" alone: the relations it scans and, PostgreSQL 16 on,
 * where the ForeignScan carries them, its base relations and the user it
 * runs as (0: the current user).
 */
void
hs_foreignscan_set_rel(ForeignScan *fscan, Index rti, Oid userid)
{
	fscan->fs_relids = bms_make_singleton(rti);
#if PG_VERSION_NUM >= 160000
	fscan->fs_base_relids = bms_make_singleton(rti);
	fscan->checkAsUser = userid;
#else
	(void) userid;				/* 15 reads it from the range table entry */
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

#if PG_VERSION_NUM >= 160000
/* What hs_set_nullingrels_walker sets. */
typedef struct HsNullingrels
{
	Index		varno;
	Bitmapset  *nullingrels;
} HsNullingrels;

/* Set the varnullingrels of the Vars of one relation, in place. */
static bool
hs_set_nullingrels_walker(Node *node, void *context)
{
	HsNullingrels *ctx = (HsNullingrels *) context;

	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if (var->varno == (int) ctx->varno && var->varlevelsup == 0)
			var->varnullingrels = bms_copy(ctx->nullingrels);
		return false;
	}
	return expression_tree_walker(node, hs_set_nullingrels_walker, context);
}
#endif

/*
 * A copy of "node" whose Vars of relation "varno" are nulled by the outer
 * joins "nullingrels" (PostgreSQL 16 on; before, "node" itself).
 */
Node *
hs_set_nullingrels(Node *node, Index varno, Bitmapset *nullingrels)
{
#if PG_VERSION_NUM >= 160000
	HsNullingrels ctx;

	ctx.varno = varno;
	ctx.nullingrels = nullingrels;
	node = copyObject(node);
	(void) hs_set_nullingrels_walker(node, &ctx);
#else
	(void) varno;
	(void) nullingrels;
#endif
	return node;
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
