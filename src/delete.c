/*
 * delete.c
 *		DELETE from HubSpot object types that can be archived (the generic
 *		objects API), which moves records to HubSpot's recycling bin.
 *
 * Three ways, chosen at plan time, as for UPDATE:
 *	- direct: DELETE ... WHERE id = <value known up front>, with nothing
 *	  else to check, is one DELETE /crm/v3/objects/{type}/{id} and no read.
 *	  HubSpot answers 204, or 404 when there is no such record (DELETE 0);
 *	- batched: rows from a scan are sent as POST .../batch/archive, at most
 *	  batch_size ids per request, each id once, in flight while the scan
 *	  goes on (batch.c);
 *	- per row: with RETURNING or AFTER ROW triggers, each row is one
 *	  DELETE .../{id}, so a record already gone is not counted.
 *
 * Records are named by record id: HubSpot's archive endpoints take no
 * idProperty, so a table with id_property needs its "id" column too.
 */
#include "postgres.h"

#include "write.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* Name of the whole-row junk column (PostgreSQL's own name for it). */
#define HS_WHOLEROW_NAME "wholerow"

/* Indexes into fdw_private of a DELETE (PlanForeignModify). */
enum HsDeletePrivate
{
	HS_DEL_PRIV_PER_ROW			/* Boolean: DELETE each row */
};

/* Executor state of a batched or per-row DELETE. */
typedef struct HsDeleteState
{
	HsModifyHeader hdr;			/* first: CMD_DELETE, see hs_modify_operation() */
	HsWriter	w;
	Relation	rel;
	bool		per_row;
	AttrNumber	rowid_attno;	/* junk column: the record id */
	AttrNumber	wholerow_attno; /* junk column: the old row, or 0 */
	HsIdSet    *seen;			/* ids deleted by this statement */
	MemoryContext row_cxt;		/* one row's work, reset for the next */
} HsDeleteState;

StaticAssertDecl(offsetof(HsDeleteState, hdr) == 0,
				 "hs_modify_operation() reads hdr first");

/* Executor state of a direct DELETE. */
typedef struct HsDirectDeleteState
{
	HsWriter	w;
	bool		done;
} HsDirectDeleteState;

/* The ids of batch/archive inputs, as its body. */
static char *
hs_archive_body(const HsWriteInput *inputs, int ninputs)
{
	char	  **ids = palloc(sizeof(char *) * Max(ninputs, 1));
	int			i;

	for (i = 0; i < ninputs; i++)
		ids[i] = inputs[i].id;
	return hs_json_ids_body(ids, ninputs);
}

/*
 * The inputs of batch/archive. HubSpot answers 204 without saying which
 * ids existed: the rows were just read, so all count as archived.
 */
const HsBatchKind hs_batch_archive = {
	.name = "archive", .body = hs_archive_body,
};

/*
 * Planner: the record id as the row identity of DELETE, and the old row
 * when RETURNING shows it.
 */
void
hsAddForeignDeleteTargets(PlannerInfo *root, Index rtindex,
						  RangeTblEntry *target_rte, Relation target_relation)
{
	HsColumn   *idcol = hs_identity_column(target_relation, hs_get_columns(target_relation),
										   NULL, CMD_DELETE, false);

	add_row_identity_var(root, makeVar(rtindex, idcol->attnum, idcol->typid, idcol->typmod,
									   get_typcollation(idcol->typid), 0),
						 rtindex, HS_ROWID_NAME);
	if (root->parse->returningList != NIL)
		add_row_identity_var(root, makeVar(rtindex, InvalidAttrNumber, RECORDOID, -1,
										   InvalidOid, 0),
							 rtindex, HS_WHOLEROW_NAME);
}

/* Does a DELETE of "rel" need each row confirmed before the next? */
static bool
hs_delete_per_row(ModifyTable *plan, Relation rel, int subplan_index)
{
	return hs_returning_list(plan, subplan_index) != NIL ||
		(rel->trigdesc && rel->trigdesc->trig_delete_after_row);
}

/* Planner: refuse what HubSpot cannot archive; batched or per row. */
List *
hsPlanForeignDelete(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	HsTableOptions opts;
	bool		per_row;

	hs_get_table_options(rte->relid, &opts);
	hs_check_create_delete(CMD_DELETE, rel, &opts);
	(void) hs_identity_column(rel, hs_get_columns(rel), &opts, CMD_DELETE, false);
	per_row = hs_delete_per_row(plan, rel, subplan_index);
	table_close(rel, NoLock);
	return list_make1(makeBoolean(per_row));
}

/* Executor: set up batching or per-row DELETE. */
void
hsBeginForeignDelete(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					 List *fdw_private, int subplan_index, int eflags)
{
	HsDeleteState *st = palloc0(sizeof(HsDeleteState));
	EState	   *estate = mtstate->ps.state;
	Plan	   *subplan = outerPlanState(mtstate)->plan;
	bool		explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;

	rinfo->ri_FdwState = st;
	st->hdr.operation = CMD_DELETE;
	st->rel = rinfo->ri_RelationDesc;
	st->per_row = boolVal(list_nth(fdw_private, HS_DEL_PRIV_PER_ROW));
	hs_writer_init(&st->w, st->rel, CMD_DELETE, NIL,
				   explain_only ? InvalidOid
				   : hs_result_rel_user(rinfo, estate),
				   !explain_only, false);
	st->w.kind = &hs_batch_archive;
	if (explain_only)
		return;

	st->rowid_attno = ExecFindJunkAttributeInTlist(subplan->targetlist, HS_ROWID_NAME);
	if (!AttributeNumberIsValid(st->rowid_attno))
		elog(ERROR, "could not find junk column \"%s\"", HS_ROWID_NAME);
	st->wholerow_attno = ExecFindJunkAttributeInTlist(subplan->targetlist, HS_WHOLEROW_NAME);
	hs_batch_buffer_init(&st->w, estate->es_query_cxt, st->w.opts.batch_size);
	st->row_cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw delete row",
										ALLOCSET_SMALL_SIZES);
	st->seen = hs_idset_create(estate->es_query_cxt);
}

/* Executor: one row to delete, buffered or sent at once. */
TupleTableSlot *
hsExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					TupleTableSlot *planSlot)
{
	HsDeleteState *st = (HsDeleteState *) rinfo->ri_FdwState;
	bool		isnull;
	Datum		d = ExecGetJunkAttribute(planSlot, st->rowid_attno, &isnull);
	char	   *id;
	MemoryContext old;

	if (isnull)
		return NULL;			/* no record has a NULL id */
	/* per-row work lives in row_cxt, so a long DELETE does not grow */
	MemoryContextReset(st->row_cxt);
	old = MemoryContextSwitchTo(st->row_cxt);
	id = hs_datum_to_value(&st->w.idconv, d, false);

	if (st->per_row)
	{
		bool		deleted = hs_write_one(&st->w, "DELETE", id, NULL, NULL,
										   NULL, 0, NULL);

		if (!deleted)
		{
			MemoryContextSwitchTo(old);
			return NULL;		/* archived in HubSpot since it was read */
		}
		if (AttributeNumberIsValid(st->wholerow_attno))
		{
			/* RETURNING shows the row as it was read */
			Datum		row = ExecGetJunkAttribute(planSlot, st->wholerow_attno, &isnull);
			HeapTupleHeader th;
			HeapTupleData tuple;

			if (!isnull)
			{
				th = DatumGetHeapTupleHeader(row);
				tuple.t_len = HeapTupleHeaderGetDatumLength(th);
				ItemPointerSetInvalid(&tuple.t_self);
				tuple.t_tableOid = InvalidOid;
				tuple.t_data = th;
				/* in row_cxt, which keeps it until the next row */
				ExecForceStoreHeapTuple(heap_copytuple(&tuple), slot, false);
			}
		}
		MemoryContextSwitchTo(old);
		return slot;
	}
	MemoryContextSwitchTo(old);

	/* the same record twice (a join): archived once, counted once */
	if (!hs_idset_add(st->seen, id))
		return NULL;
	/* (no repeat to look for in the batch: the seen set rules it out) */
	hs_batch_next(&st->w, NULL)->id = MemoryContextStrdup(st->w.buf_cxt, id);
	hs_batch_added(&st->w);
	return slot;
}

/*
 * Executor: send what is still buffered at the end of the statement, and
 * wait for the batches in flight.
 */
void
hsEndForeignDelete(EState *estate, ResultRelInfo *rinfo)
{
	HsDeleteState *st = (HsDeleteState *) rinfo->ri_FdwState;

	if (st != NULL)
		hs_batch_finish(&st->w);
}

/* EXPLAIN of a batched or per-row DELETE. */
void
hsExplainForeignDelete(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					   List *fdw_private, int subplan_index, ExplainState *es)
{
	HsDeleteState *st = (HsDeleteState *) rinfo->ri_FdwState;

	/* EXPLAIN ANALYZE prints before EndForeignModify: send what is left now */
	if (es->analyze)
		hs_batch_finish(&st->w);
	if (st->per_row)
		ExplainPropertyText("HubSpot Request",
							psprintf("DELETE %s/{id} per row", st->w.type_path), es);
	else
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/archive", st->w.type_path), es);
	ExplainPropertyInteger("HubSpot Batch Size", NULL,
						   st->per_row ? 1 : st->w.opts.batch_size, es);
	hs_explain_writer(&st->w, st->per_row ? 1 : hs_batch_concurrency(&st->w), es);
}

/*
 * Planner: DELETE ... WHERE id = <value known up front>, with nothing else
 * to check and no RETURNING, is one DELETE request and no read.
 */
bool
hsPlanDirectDelete(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
				   int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	ForeignScan *fscan;
	Relation	rel;
	HsTableOptions opts;
	int			mode;
	bool		by_key;
	HsDirectPlan direct = {.mode = HS_SCAN_ID};

	rel = table_open(rte->relid, NoLock);
	hs_get_table_options(rte->relid, &opts);
	hs_check_create_delete(CMD_DELETE, rel, &opts);
	table_close(rel, NoLock);

	fscan = hs_direct_modify_scan(plan, resultRelation, subplan_index, false,
								  &mode, &by_key);
	if (fscan == NULL || by_key)
		return false;			/* by id_property: HubSpot's DELETE takes no idProperty */

	fscan->operation = CMD_DELETE;
	fscan->resultRelation = resultRelation;
	fscan->fdw_private = hs_direct_plan_pack(&direct);
	return true;
}

/* Executor: set up a direct DELETE (the id is evaluated at the first Iterate). */
void
hsBeginDirectDelete(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	HsDirectDeleteState *st = palloc0(sizeof(HsDirectDeleteState));
	bool		explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;

	node->fdw_state = st;
	hs_writer_init(&st->w, node->ss.ss_currentRelation, CMD_DELETE, NIL,
				   explain_only ? InvalidOid
				   : hs_scan_user(fsplan, node->ss.ps.state),
				   !explain_only, false);
	st->w.kind = &hs_batch_archive;
}

/* Executor: send the DELETE (first call) and count the record if it existed. */
TupleTableSlot *
hsIterateDirectDelete(ForeignScanState *node)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	HsDirectDeleteState *st = (HsDirectDeleteState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	MemoryContext old;
	List	   *ids;

	if (st->done)
		return ExecClearTuple(slot);
	st->done = true;
	old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
	ids = hs_eval_id_exprs(fsplan->fdw_exprs, false, &node->ss.ps, &st->w.idconv);
	if (ids != NIL &&
		hs_write_one(&st->w, "DELETE", linitial(ids), NULL, NULL, NULL, 0, NULL))
		node->ss.ps.state->es_processed++;
	MemoryContextSwitchTo(old);
	return ExecClearTuple(slot);
}

/* Executor: nothing to release beyond memory contexts. */
void
hsEndDirectDelete(ForeignScanState *node)
{
}

/* EXPLAIN of a direct DELETE: the request, and that nothing is read. */
void
hsExplainDirectDelete(ForeignScanState *node, ExplainState *es)
{
	HsDirectDeleteState *st = (HsDirectDeleteState *) node->fdw_state;

	ExplainPropertyText("HubSpot Request",
						psprintf("DELETE %s/{id} (direct, no read)", st->w.type_path), es);
	hs_explain_writer(&st->w, 1, es);
}
