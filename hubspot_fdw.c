/*
 * hubspot_fdw.c
 *		Module entry point and the FDW handler of hubspot_fdw, a writable
 *		foreign data wrapper for HubSpot CRM objects.
 *
 * The work is done in src/, in layers whose dependencies run one way
 * (doc/ARCHITECTURE.md; test/depcheck.py checks it), each with one header:
 *	- catalog.h: option.c (options), connection.c (user mappings and
 *	  tokens), convert.c and hsvalue.c (values);
 *	- transport.h: http.c (libcurl), json.c (json-c), ratelimit.c
 *	  (HubSpot's rate limits), oauth.c (access tokens obtained by OAuth),
 *	  stats.c (request statistics), request.c (sending a request,
 *	  retries), errors.c (error reporting);
 *	- read.h: quals.c (what scans and writes share), scan.c (reading),
 *	  search.c (search pushdown), bindjoin.c (joins that fetch the other
 *	  side's keys), analyze.c (ANALYZE), import.c (IMPORT FOREIGN SCHEMA);
 *	- write.h: write.c (what the writes share: the writer, RETURNING, the
 *	  write of one record), batch.c (batch requests in flight), update.c,
 *	  insert.c, delete.c, commit.c (the writes kept until COMMIT),
 *	  assoc_batch.c (association batches), associations.c (the association
 *	  functions);
 *	- hubspot_fdw.h: this file and xact.c (the transaction callbacks).
 * compat.c holds the differences between PostgreSQL versions, idset.c the
 * set of strings (ids, cursors) that every layer uses. The callbacks
 * PostgreSQL shares between UPDATE, INSERT and DELETE are dispatched here.
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "parser/parsetree.h"
#include "tcop/tcopprot.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/rel.h"

/* From PostgreSQL 18 the module also tells its name and version. */
#ifdef PG_MODULE_MAGIC_EXT
PG_MODULE_MAGIC_EXT(.name = "hubspot_fdw", .version = HUBSPOT_FDW_VERSION);
#else
PG_MODULE_MAGIC;
#endif

void		_PG_init(void);

static emit_log_hook_type hs_prev_emit_log_hook = NULL;

/*
 * Does "text" name a user mapping option that holds a secret
 * (access_token, client_secret, refresh_token), in any case?
 */
static bool
hs_names_token_option(const char *text)
{
	static const char *const secrets[] = {"access_token", "client_secret", "refresh_token"};
	const char *p;
	int			i;

	if (text == NULL)
		return false;
	for (p = text; *p; p++)
		for (i = 0; i < lengthof(secrets); i++)
			if (pg_strncasecmp(p, secrets[i], strlen(secrets[i])) == 0)
				return true;
	return false;
}

/*
 * Every message on its way to the server log: the text of a statement
 * that sets a secret (CREATE or ALTER USER MAPPING ... access_token,
 * client_secret or refresh_token) is not logged with it, whether
 * hubspot_fdw or PostgreSQL raised the message, nor is a context line or
 * an inner query quoting such a statement.
 */
static void
hs_emit_log(ErrorData *edata)
{
	if (hs_names_token_option(debug_query_string))
		edata->hide_stmt = true;
	if (hs_names_token_option(edata->context))
		edata->hide_ctx = true;
	/* a statement run through SPI (EXECUTE in PL/pgSQL) is logged as QUERY */
	if (hs_names_token_option(edata->internalquery))
		edata->internalquery = NULL;
	if (hs_prev_emit_log_hook)
		hs_prev_emit_log_hook(edata);
}

/*
 * Module load: settings, the shared rate limiter and OAuth token store when
 * preloaded, the transaction callbacks and the bind join's planner hook.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("hubspot_fdw.max_response_size",
							"Largest HubSpot answer accepted.",
							"Larger answers are refused with an error instead of being buffered.",
							&hs_max_response_kb,
							64 * 1024, 64, 1024 * 1024,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomStringVariable("hubspot_fdw.allowed_hosts",
							   "Hosts that roles other than superusers may point a hubspot_fdw server at.",
							   "A comma-separated list of host names or addresses, each with an optional port (443 if none). "
							   "Only superusers may create or alter a server whose api_url is elsewhere.",
							   &hs_allowed_hosts,
							   "api.hubapi.com",
							   PGC_SUSET, GUC_LIST_INPUT,
							   hs_allowed_hosts_check, NULL, NULL);

	DefineCustomBoolVariable("hubspot_fdw.enable_bind_join",
							 "Lets the planner use bind joins with HubSpot tables.",
							 "Off, a join with a HubSpot table reads the table as a scan would.",
							 &hs_enable_bind_join,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	hs_prev_emit_log_hook = emit_log_hook;
	emit_log_hook = hs_emit_log;

	/* it sizes shared memory: only while preloading (fixed per session otherwise) */
	if (process_shared_preload_libraries_in_progress)
	{
		DefineCustomIntVariable("hubspot_fdw.rate_limit_tokens",
								"Access tokens the shared rate limiter paces at once.",
								"A token takes a slot while it has sent requests in the last 10 seconds "
								"or HubSpot asked it to wait; when every slot is taken, "
								"requests with other tokens go out unpaced, with a warning.",
								&hs_rl_max_slots,
								HS_DEFAULT_RATE_LIMIT_TOKENS, 16, 4096,
								PGC_POSTMASTER, 0,
								NULL, NULL, NULL);
		hs_ratelimit_install_hooks();
		hs_oauth_install_hooks();
	}
	MarkGUCPrefixReserved("hubspot_fdw");

	hs_xact_register_callbacks();
	hs_bind_join_init();
}

/* Planner: the row identity of an UPDATE or a DELETE. */
static void
hs_add_targets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte,
			   Relation target_relation)
{
	if (hs_is_link_table(RelationGetRelid(target_relation)))
		hs_link_add_targets(root, rtindex, target_rte, target_relation);
	else if (root->parse->commandType == CMD_DELETE)
		hsAddForeignDeleteTargets(root, rtindex, target_rte, target_relation);
	else
		hsAddForeignUpdateTargets(root, rtindex, target_rte, target_relation);
}

/* Planner: an INSERT, UPDATE or DELETE that is not direct. */
static List *
hs_plan_modify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
			   int subplan_index)
{
	if (hs_is_link_table(planner_rt_fetch(resultRelation, root)->relid))
		return hs_link_plan_modify(root, plan, resultRelation, subplan_index);
	switch (plan->operation)
	{
		case CMD_INSERT:
			return hsPlanForeignInsert(root, plan, resultRelation, subplan_index);
		case CMD_DELETE:
			return hsPlanForeignDelete(root, plan, resultRelation, subplan_index);
		default:
			return hsPlanForeignModify(root, plan, resultRelation, subplan_index);
	}
}

/* Executor: set up an INSERT, UPDATE or DELETE. */
static void
hs_begin_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
				int subplan_index, int eflags)
{
	if (hs_is_link_table(RelationGetRelid(rinfo->ri_RelationDesc)))
	{
		hs_link_begin_modify(mtstate, rinfo, mtstate->ps.state, mtstate->operation, eflags);
		return;
	}
	switch (mtstate->operation)
	{
		case CMD_INSERT:
			hsBeginForeignInsertModify(mtstate, rinfo, fdw_private, subplan_index, eflags);
			break;
		case CMD_DELETE:
			hsBeginForeignDelete(mtstate, rinfo, fdw_private, subplan_index, eflags);
			break;
		default:
			hsBeginForeignModify(mtstate, rinfo, fdw_private, subplan_index, eflags);
			break;
	}
}

/* Executor: finish an INSERT, UPDATE or DELETE (by its state's operation). */
static void
hs_end_modify(EState *estate, ResultRelInfo *rinfo)
{
	if (hs_modify_is_links(rinfo))
	{
		hs_link_end_modify(estate, rinfo);
		return;
	}
	switch (hs_modify_operation(rinfo))
	{
		case CMD_INSERT:
			hsEndForeignInsert(estate, rinfo);
			break;
		case CMD_DELETE:
			hsEndForeignDelete(estate, rinfo);
			break;
		default:
			hsEndForeignModify(estate, rinfo);
			break;
	}
}

/* EXPLAIN of an INSERT, UPDATE or DELETE. */
static void
hs_explain_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
				  int subplan_index, ExplainState *es)
{
	if (hs_modify_is_links(rinfo))
	{
		hs_link_explain_modify(rinfo, es);
		return;
	}
	switch (mtstate->operation)
	{
		case CMD_INSERT:
			hsExplainForeignInsert(mtstate, rinfo, fdw_private, subplan_index, es);
			break;
		case CMD_DELETE:
			hsExplainForeignDelete(mtstate, rinfo, fdw_private, subplan_index, es);
			break;
		default:
			hsExplainForeignModify(mtstate, rinfo, fdw_private, subplan_index, es);
			break;
	}
}

/* Planner: a direct UPDATE or DELETE, if the statement allows one. */
static bool
hs_plan_direct(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
			   int subplan_index)
{
	if (hs_is_link_table(planner_rt_fetch(resultRelation, root)->relid))
		return false;			/* links are removed by their rows */
	if (plan->operation == CMD_DELETE)
		return hsPlanDirectDelete(root, plan, resultRelation, subplan_index);
	return hsPlanDirectModify(root, plan, resultRelation, subplan_index);
}

/* Is this direct modify a DELETE? */
#define hs_direct_is_delete(node) \
	(((ForeignScan *) (node)->ss.ps.plan)->operation == CMD_DELETE)

/* Executor: set up a direct UPDATE or DELETE. */
static void
hs_begin_direct(ForeignScanState *node, int eflags)
{
	if (hs_direct_is_delete(node))
		hsBeginDirectDelete(node, eflags);
	else
		hsBeginDirectModify(node, eflags);
}

/* Executor: run a direct UPDATE or DELETE. */
static TupleTableSlot *
hs_iterate_direct(ForeignScanState *node)
{
	return hs_direct_is_delete(node) ? hsIterateDirectDelete(node)
		: hsIterateDirectModify(node);
}

/* Executor: finish a direct UPDATE or DELETE. */
static void
hs_end_direct(ForeignScanState *node)
{
	if (hs_direct_is_delete(node))
		hsEndDirectDelete(node);
	else
		hsEndDirectModify(node);
}

/* EXPLAIN of a direct UPDATE or DELETE. */
static void
hs_explain_direct(ForeignScanState *node, ExplainState *es)
{
	if (hs_direct_is_delete(node))
		hsExplainDirectDelete(node, es);
	else
		hsExplainDirectModify(node, es);
}

/* Executor: one row to insert, into a link table or a table of records. */
static TupleTableSlot *
hs_exec_insert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
			   TupleTableSlot *planSlot)
{
	if (hs_modify_is_links(rinfo))
		return hs_link_exec_insert(estate, rinfo, slot);
	return hsExecForeignInsert(estate, rinfo, slot, planSlot);
}

/* Executor: one row to delete, from a link table or a table of records. */
static TupleTableSlot *
hs_exec_delete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
			   TupleTableSlot *planSlot)
{
	if (hs_modify_is_links(rinfo))
		return hs_link_exec_delete(estate, rinfo, slot, planSlot);
	return hsExecForeignDelete(estate, rinfo, slot, planSlot);
}

/* Executor: rows per ExecForeignBatchInsert; a link table buffers its own. */
static int
hs_modify_batch_size(ResultRelInfo *rinfo)
{
	if (hs_modify_is_links(rinfo))
		return 1;
	return hsGetForeignModifyBatchSize(rinfo);
}

/* Executor: set up a COPY (or a routed INSERT) into a HubSpot table. */
static void
hs_begin_insert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	if (hs_is_link_table(RelationGetRelid(rinfo->ri_RelationDesc)))
		hs_link_begin_modify(mtstate, rinfo, mtstate->ps.state, CMD_INSERT, 0);
	else
		hsBeginForeignInsert(mtstate, rinfo);
}

/* Executor: finish a COPY (or a routed INSERT). */
static void
hs_end_insert(EState *estate, ResultRelInfo *rinfo)
{
	if (hs_modify_is_links(rinfo))
		hs_link_end_modify(estate, rinfo);
	else
		hsEndForeignInsert(estate, rinfo);
}

/*
 * Which statements a table takes: a link table INSERT and DELETE (UPDATE
 * is let through to be refused with a message of its own).
 */
static int
hs_rel_updatable(Relation rel)
{
	if (hs_is_link_table(RelationGetRelid(rel)))
		return (1 << CMD_UPDATE) | (1 << CMD_INSERT) | (1 << CMD_DELETE);
	return hsIsForeignRelUpdatable(rel);
}

/* ANALYZE: a link table has no records to count or sample. */
static bool
hs_analyze(Relation rel, AcquireSampleRowsFunc *func, BlockNumber *totalpages)
{
	if (hs_is_link_table(RelationGetRelid(rel)))
		return false;
	return hsAnalyzeForeignTable(rel, func, totalpages);
}

PG_FUNCTION_INFO_V1(hubspot_fdw_handler);

/* The FDW routine table. */
Datum
hubspot_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = hsGetForeignRelSize;
	routine->GetForeignPaths = hsGetForeignPaths;
	routine->GetForeignPlan = hsGetForeignPlan;
	routine->BeginForeignScan = hsBeginForeignScan;
	routine->IterateForeignScan = hsIterateForeignScan;
	routine->ReScanForeignScan = hsReScanForeignScan;
	routine->EndForeignScan = hsEndForeignScan;
	routine->ExplainForeignScan = hsExplainForeignScan;
	routine->AnalyzeForeignTable = hs_analyze;

	routine->AddForeignUpdateTargets = hs_add_targets;
	routine->PlanForeignModify = hs_plan_modify;
	routine->BeginForeignModify = hs_begin_modify;
	routine->ExecForeignInsert = hs_exec_insert;
	routine->ExecForeignBatchInsert = hsExecForeignBatchInsert;
	routine->GetForeignModifyBatchSize = hs_modify_batch_size;
	routine->ExecForeignUpdate = hsExecForeignUpdate;
	routine->ExecForeignDelete = hs_exec_delete;
	routine->EndForeignModify = hs_end_modify;
	routine->BeginForeignInsert = hs_begin_insert;
	routine->EndForeignInsert = hs_end_insert;
	routine->IsForeignRelUpdatable = hs_rel_updatable;
	routine->ExplainForeignModify = hs_explain_modify;

	routine->PlanDirectModify = hs_plan_direct;
	routine->BeginDirectModify = hs_begin_direct;
	routine->IterateDirectModify = hs_iterate_direct;
	routine->EndDirectModify = hs_end_direct;
	routine->ExplainDirectModify = hs_explain_direct;

	routine->ImportForeignSchema = hsImportForeignSchema;

	PG_RETURN_POINTER(routine);
}
