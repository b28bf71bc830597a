/*
 * insert.c
 *		INSERT into HubSpot object types that can be created (the generic
 *		objects API: contacts, companies, deals, custom objects).
 *
 * Rows become inputs of POST /crm/v3/objects/{type}/batch/create, through
 * PostgreSQL's batch insert API: up to batch_size (at most 100) rows per
 * request. With the table option insert_mode 'upsert' they become inputs
 * of batch/upsert instead, named by the value of the table's id_property:
 * HubSpot updates the record with that value, or creates one.
 *
 * Each batch is sent at once and stays in flight while the next rows come
 * (batch.c): up to max_concurrency of them, answers checked oldest first.
 * With RETURNING (or row triggers, or WITH CHECK OPTION) PostgreSQL needs
 * each row back before the next, so every row is a request of one input,
 * answered before the next, and the returned row is what HubSpot answered:
 * its new id and values.
 *
 * Each input carries an objectWriteTraceId (the row's number in the
 * statement); HubSpot's answer is checked against every input.
 */
#include "postgres.h"

#include "write.h"

#include "access/table.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* Indexes into fdw_private of an INSERT (PlanForeignModify). */
enum HsInsertPrivate
{
	HS_INS_PRIV_TARGETS,		/* IntList: attnums sent as properties */
	HS_INS_PRIV_CHECKED,		/* IntList: attnums that must be NULL (id, read-only) */
	HS_INS_PRIV_RETURNING		/* IntList: attnums RETURNING needs */
};

/* Executor state of an INSERT (or COPY FROM). */
typedef struct HsInsertState
{
	HsModifyHeader hdr;			/* first: CMD_INSERT, see hs_modify_operation() */
	HsWriter	w;				/* targets: the properties sent; idconv: the key */
	Relation	rel;
	bool		upsert;			/* insert_mode 'upsert' */
	int			nchecked;
	AttrNumber *checked;		/* columns HubSpot sets: must be NULL */
	HsReturning returning;		/* the columns RETURNING shows */
	MemoryContext row_cxt;		/* the current row (and its answer) */
	int			seq;			/* rows so far: each input's objectWriteTraceId */
} HsInsertState;

StaticAssertDecl(offsetof(HsInsertState, hdr) == 0,
				 "hs_modify_operation() reads hdr first");

/*
 * The columns an INSERT sets: those it names, those with a default, and
 * all when a BEFORE ROW trigger may set any (NULL inserted: all).
 */
static bool
hs_insert_sets(Relation rel, Bitmapset *inserted, AttrNumber attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);

	if (inserted == NULL ||
		(rel->trigdesc && rel->trigdesc->trig_insert_before_row))
		return true;
	return bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, inserted) ||
		att->atthasdef || att->attgenerated;
}

/*
 * Split the columns an INSERT sets into the properties sent and the
 * columns that must be NULL (the id, read-only properties). With upsert,
 * the id_property's column is the input's id, not a property.
 */
static void
hs_insert_columns(Relation rel, List *columns, const HsTableOptions *opts,
				  Bitmapset *inserted, List **targets, List **checked)
{
	HsColumn   *keycol = NULL;
	ListCell   *lc;

	if (opts->insert_upsert)
	{
		keycol = hs_find_property_column(columns, opts->id_property);
		if (keycol == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("foreign table \"%s\" has no column for its id_property \"%s\"",
							RelationGetRelationName(rel), opts->id_property),
					 errdetail("With insert_mode 'upsert', each row names its record by its value of \"%s\".",
							   opts->id_property),
					 errhint("Add a column named \"%s\", or one with OPTIONS (property '%s').",
							 opts->id_property, opts->id_property)));
		if (!hs_insert_sets(rel, inserted, keycol->attnum))
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("INSERT into foreign table \"%s\" must set column \"%s\"",
							RelationGetRelationName(rel), keycol->attname),
					 errdetail("With insert_mode 'upsert', each row names its record by its value of \"%s\".",
							   opts->id_property)));
	}
	*targets = NIL;
	*checked = NIL;
	foreach(lc, columns)
	{
		HsColumn   *col = lfirst(lc);

		if (!hs_insert_sets(rel, inserted, col->attnum) || col == keycol)
			continue;
		if (col->is_id || col->read_only)
			*checked = lappend_int(*checked, col->attnum);
		else
			*targets = lappend_int(*targets, col->attnum);
	}
}

/* Planner: the properties an INSERT sends and what RETURNING needs. */
List *
hsPlanForeignInsert(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	HsTableOptions opts;
	List	   *columns = hs_get_columns(rel);
	List	   *targets;
	List	   *checked;
	List	   *returning;

	hs_get_table_options(rte->relid, &opts);
	hs_check_create_delete(CMD_INSERT, rel, &opts);
	if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT ... ON CONFLICT is not supported on foreign table \"%s\"",
						RelationGetRelationName(rel)),
				 errhint("To update records that exist and create the others, set the table options insert_mode 'upsert' and id_property.")));
	hs_insert_columns(rel, columns, &opts, hs_inserted_cols(root, rte), &targets, &checked);

	returning = hs_returning_attnums(hs_returning_list(plan, subplan_index),
									 resultRelation, columns);
	table_close(rel, NoLock);
	return list_make3(targets, checked, returning);
}

/* Set up the state of an INSERT (or COPY) of "rinfo". */
static HsInsertState *
hs_insert_init(EState *estate, ResultRelInfo *rinfo, List *targets, List *checked,
			   List *returning, bool connect)
{
	HsInsertState *st = palloc0(sizeof(HsInsertState));
	Relation	rel = rinfo->ri_RelationDesc;
	ListCell   *lc;
	int			i;

	st->hdr.operation = CMD_INSERT;
	st->rel = rel;
	hs_writer_init(&st->w, rel, CMD_INSERT, targets,
				   connect ? hs_result_rel_user(rinfo, estate) : InvalidOid, connect, true);
	st->upsert = st->w.opts.insert_upsert;
	st->w.kind = st->upsert ? &hs_batch_upsert : &hs_batch_create;
	st->nchecked = list_length(checked);
	st->checked = palloc(sizeof(AttrNumber) * Max(st->nchecked, 1));
	i = 0;
	foreach(lc, checked)
		st->checked[i++] = lfirst_int(lc);
	hs_returning_init(&st->returning, hs_get_columns(rel), returning);

	st->row_cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw insert row",
										ALLOCSET_SMALL_SIZES);
	hs_batch_buffer_init(&st->w, estate->es_query_cxt, st->w.opts.batch_size);
	rinfo->ri_FdwState = st;
	return st;
}

/* Executor: set up an INSERT. */
void
hsBeginForeignInsertModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						   List *fdw_private, int subplan_index, int eflags)
{
	(void) hs_insert_init(mtstate->ps.state, rinfo,
						  (List *) list_nth(fdw_private, HS_INS_PRIV_TARGETS),
						  (List *) list_nth(fdw_private, HS_INS_PRIV_CHECKED),
						  (List *) list_nth(fdw_private, HS_INS_PRIV_RETURNING),
						  !(eflags & EXEC_FLAG_EXPLAIN_ONLY));
}

/*
 * Executor: set up COPY FROM, or rows routed to this table as a partition,
 * which have no plan of ours: every column is set. When the statement has
 * RETURNING, every column comes back from HubSpot's answer (the new id
 * among them).
 */
void
hsBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	Relation	rel = rinfo->ri_RelationDesc;
	HsTableOptions opts;
	List	   *columns = hs_get_columns(rel);
	List	   *targets;
	List	   *checked;
	List	   *returning = NIL;
	ListCell   *lc;

	hs_get_table_options(RelationGetRelid(rel), &opts);
	hs_check_create_delete(CMD_INSERT, rel, &opts);
	hs_insert_columns(rel, columns, &opts, NULL, &targets, &checked);
	if (rinfo->ri_returningList != NIL)
		foreach(lc, columns)
			returning = lappend_int(returning, ((HsColumn *) lfirst(lc))->attnum);
	(void) hs_insert_init(mtstate->ps.state, rinfo, targets, checked, returning, true);
}

/*
 * Must each row of "rinfo" come back with HubSpot's answer before the next
 * is inserted? With RETURNING, WITH CHECK OPTION and row triggers (which
 * may read HubSpot and expect the earlier rows there), it must.
 */
static bool
hs_insert_needs_answer(ResultRelInfo *rinfo)
{
	return rinfo->ri_projectReturning != NULL ||
		rinfo->ri_WithCheckOptions != NIL ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_before_row ||
		  rinfo->ri_TrigDesc->trig_insert_after_row));
}

/*
 * Executor: rows per batch/create (or upsert) request. One when each row
 * must come back with HubSpot's answer before the next.
 */
int
hsGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	HsInsertState *st = (HsInsertState *) rinfo->ri_FdwState;

	if (st == NULL || hs_insert_needs_answer(rinfo))
		return 1;
	return st->w.opts.batch_size;
}

/*
 * The upsert key of the row in "slot": its id_property value, in the
 * current memory context. An error if it is NULL.
 */
static char *
hs_insert_key(HsInsertState *st, TupleTableSlot *slot)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, st->w.id_attnum, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("cannot upsert a row of foreign table \"%s\" whose column \"%s\" is null",
						RelationGetRelationName(st->rel), st->w.idconv.attname),
				 errdetail("With insert_mode 'upsert', each row names its record by its value of id_property \"%s\".",
						   st->w.id_property)));
	return hs_datum_to_value(&st->w.idconv, d, false);
}

/*
 * Build the input for the row in "slot", in the current memory context;
 * "key" is its upsert key (NULL when creating).
 */
static void
hs_insert_input(HsInsertState *st, TupleTableSlot *slot, HsWriteInput *in,
				const char *key)
{
	int			i;

	for (i = 0; i < st->nchecked; i++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(st->rel), st->checked[i] - 1);
		bool		isnull;

		(void) slot_getattr(slot, st->checked[i], &isnull);
		if (!isnull)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot insert a value into column \"%s\" of foreign table \"%s\"",
							NameStr(att->attname), RelationGetRelationName(st->rel)),
					 strcmp(NameStr(att->attname), "id") == 0
					 ? errdetail("HubSpot assigns record ids.")
					 : errdetail("The column's HubSpot property is read-only: HubSpot sets its value.")));
	}

	memset(in, 0, sizeof(*in));
	in->trace_id = psprintf("%d", ++st->seq);
	in->names = palloc(sizeof(char *) * Max(st->w.ntargets, 1));
	in->values = palloc(sizeof(char *) * Max(st->w.ntargets, 1));
	for (i = 0; i < st->w.ntargets; i++)
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, st->w.targets[i], &isnull);

		/* a new record has no value to clear; upsert clears as UPDATE does */
		if (isnull && !st->upsert)
			continue;
		in->names[in->nprops] = st->w.target_props[i];
		in->values[in->nprops++] = hs_datum_to_value(&st->w.target_convs[i], d, isnull);
	}
	if (key)
	{
		in->id = pstrdup(key);
		in->id_property = st->w.id_property;
	}
}

/* How a create input is named in messages: "row 3" (its trace id). */
static char *
hs_create_input_name(const HsWriteInput *in)
{
	return psprintf("row %s", in->trace_id);
}

/*
 * The result answering create input "in" (one of "ninputs"), matched by
 * objectWriteTraceId: new records have no id yet.
 */
static HsObject *
hs_created_result(const HsBatchResult *res, const HsWriteInput *in, int ninputs,
				  char **key_props, int nkeys)
{
	int			i;
	bool		any_trace = false;

	for (i = 0; i < res->nresults; i++)
	{
		if (res->results[i].trace_id == NULL)
			continue;
		any_trace = true;
		if (strcmp(res->results[i].trace_id, in->trace_id) == 0)
			return &res->results[i];
	}
	/* without trace ids, a complete answer to a single input is its result */
	if (!any_trace && ninputs == 1 && res->nresults == 1 && res->nerrors == 0)
		return &res->results[0];
	return NULL;
}

/*
 * The inputs of batch/create, named by objectWriteTraceId. Results without
 * trace ids can only be counted: all of them, or none.
 */
const HsBatchKind hs_batch_create = {
	.name = "create", .body = hs_json_batch_create_body,
	.find_error = hs_find_input_error, .find_result = hs_created_result,
	.count_unnamed = true, .input_name = hs_create_input_name,
};

/* The inputs of batch/upsert: named by id_property value, like updates. */
const HsBatchKind hs_batch_upsert = {
	.name = "upsert", .body = hs_json_batch_update_body,
	.find_error = hs_find_input_error, .find_result = hs_input_result,
};

/*
 * Add the row in "slot" to the next batch, sent when full. An upsert batch
 * must not name one key twice: a repeated key sends the earlier rows first.
 */
static void
hs_insert_buffer(HsInsertState *st, TupleTableSlot *slot)
{
	MemoryContext old;
	char	   *key = NULL;
	HsWriteInput *in;

	MemoryContextReset(st->row_cxt);
	if (st->upsert)
	{
		old = MemoryContextSwitchTo(st->row_cxt);
		key = hs_insert_key(st, slot);
		MemoryContextSwitchTo(old);
	}
	in = hs_batch_next(&st->w, key);
	old = MemoryContextSwitchTo(st->w.buf_cxt);
	hs_insert_input(st, slot, in, key);
	MemoryContextSwitchTo(old);
	hs_batch_added(&st->w);
}

/*
 * Executor: one row (COPY, or a row that needs HubSpot's answer). Unless it
 * must come back with the answer, it joins the next batch, sent when full
 * and in flight while the next rows come; hsEndForeignInsert sends the
 * rest. Otherwise the request is answered first, and the row returned is
 * the one HubSpot answered with (the columns RETURNING needs).
 */
TupleTableSlot *
hsExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					TupleTableSlot *planSlot)
{
	HsInsertState *st = (HsInsertState *) rinfo->ri_FdwState;
	MemoryContext old;
	HsWriteInput in;
	HsObject   *answer = NULL;

	if (!hs_insert_needs_answer(rinfo))
	{
		hs_insert_buffer(st, slot);
		return slot;
	}

	/* the row, its answer and the tuple returned live until the next row */
	MemoryContextReset(st->row_cxt);
	old = MemoryContextSwitchTo(st->row_cxt);
	hs_insert_input(st, slot, &in, st->upsert ? hs_insert_key(st, slot) : NULL);
	hs_batch_send(&st->w, &in, 1, st->returning.props, st->returning.n, &answer);
	/* the answer's values: the upsert key's first, then RETURNING's */
	if (st->returning.n > 0 && answer != NULL)
		hs_store_answer(slot, st->rel, &st->returning, answer, st->upsert ? 1 : 0);
	MemoryContextSwitchTo(old);
	return slot;
}

/*
 * Executor: a batch of rows, one request (two if an upsert key repeats),
 * in flight while the next rows come.
 */
TupleTableSlot **
hsExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
						 TupleTableSlot **planSlots, int *numSlots)
{
	HsInsertState *st = (HsInsertState *) rinfo->ri_FdwState;
	int			i;

	for (i = 0; i < *numSlots; i++)
		hs_insert_buffer(st, slots[i]);
	hs_batch_flush(&st->w);
	return slots;
}

/* Executor: wait for the batches in flight and check their answers. */
void
hsEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	HsInsertState *st = (HsInsertState *) rinfo->ri_FdwState;

	if (st != NULL)
		hs_batch_finish(&st->w);
}

/* EXPLAIN of an INSERT: the endpoint, batch size and what is sent. */
void
hsExplainForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					   List *fdw_private, int subplan_index, ExplainState *es)
{
	HsInsertState *st = (HsInsertState *) rinfo->ri_FdwState;
	int			batch_size = Max(rinfo->ri_BatchSize, 1);

	/* EXPLAIN ANALYZE prints before EndForeignInsert: wait for the answers now */
	if (es->analyze)
		hs_batch_finish(&st->w);
	if (st->upsert)
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/upsert (idProperty=%s)%s", st->w.type_path,
									 st->w.id_property, batch_size == 1 ? ", one row per request" : ""),
							es);
	else
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/create%s", st->w.type_path,
									 batch_size == 1 ? ", one row per request" : ""), es);
	ExplainPropertyInteger("HubSpot Batch Size", NULL, batch_size, es);
	if (es->verbose)
		hs_explain_properties(st->w.target_props, st->w.ntargets, es);
	hs_explain_writer(&st->w, hs_insert_needs_answer(rinfo) ? 1
					  : hs_batch_concurrency(&st->w), es);
}
