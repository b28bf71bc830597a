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
 * With RETURNING (or row triggers, or WITH CHECK OPTION) PostgreSQL needs
 * each row back before the next, so every row is a request of one input,
 * and the returned row is what HubSpot answered: its new id and values.
 *
 * Each input carries an objectWriteTraceId (the row's number in the
 * statement); HubSpot's answer is checked against every input.
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "access/htup_details.h"
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
	CmdType		operation;		/* CMD_INSERT: see hs_modify_operation() */
	HsWriter	w;				/* targets: the properties sent */
	Relation	rel;
	bool		upsert;			/* insert_mode 'upsert' */
	AttrNumber	key_attno;		/* upsert: the id_property's column */
	HsConverter keyconv;
	int			nchecked;
	AttrNumber *checked;		/* columns HubSpot sets: must be NULL */
	int			nreturning;
	AttrNumber *returning;
	char	  **returning_props;
	HsConverter *returning_convs;
	char	  **answer_props;	/* parsed from answers: id_property, then returning */
	int			nanswer_props;
	MemoryContext batch_cxt;
	int			seq;			/* rows so far: each input's objectWriteTraceId */
} HsInsertState;

/*
 * Refuse an INSERT or DELETE that HubSpot's API for the table cannot do:
 * partner objects, and tables whose writes wait for COMMIT.
 */
void
hs_check_create_delete(CmdType operation, Relation rel, const HsTableOptions *opts)
{
	if (!hs_object_type_can_create(opts->object_type))
		hs_refuse_operation(operation, rel, opts->object_type);
	if (opts->send_at_commit)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot %s foreign table \"%s\" with send_at 'commit'",
						operation == CMD_INSERT ? "INSERT into" : "DELETE from",
						RelationGetRelationName(rel)),
				 errdetail("Only UPDATE can wait for COMMIT; HubSpot would create or archive the records at once."),
				 errhint("Use a table or server with send_at 'statement'.")));
}

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
					 errdetail("insert_mode 'upsert' names records by their value of \"%s\".",
							   opts->id_property),
					 errhint("Add a column named \"%s\", or one with OPTIONS (property '%s').",
							 opts->id_property, opts->id_property)));
		if (!hs_insert_sets(rel, inserted, keycol->attnum))
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("INSERT into foreign table \"%s\" must set column \"%s\"",
							RelationGetRelationName(rel), keycol->attname),
					 errdetail("insert_mode 'upsert' names records by their value of \"%s\".",
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
	List	   *returning = NIL;
	List	   *returning_list = NIL;
	ListCell   *lc;

	hs_get_table_options(rte->relid, &opts);
	hs_check_create_delete(CMD_INSERT, rel, &opts);
	if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT ... ON CONFLICT is not supported on foreign table \"%s\"",
						RelationGetRelationName(rel)),
				 errhint("To update records that exist and create the others, set the table options insert_mode 'upsert' and id_property.")));
	hs_insert_columns(rel, columns, &opts, rte->insertedCols, &targets, &checked);

	if (plan->returningLists)
		returning_list = (List *) list_nth(plan->returningLists, subplan_index);
	if (returning_list != NIL)
	{
		Bitmapset  *attrs = NULL;

		pull_varattnos((Node *) returning_list, resultRelation, &attrs);
		foreach(lc, columns)
		{
			HsColumn   *col = lfirst(lc);

			if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs) ||
				bms_is_member(col->attnum - FirstLowInvalidHeapAttributeNumber, attrs))
				returning = lappend_int(returning, col->attnum);
		}
	}
	table_close(rel, NoLock);
	return list_make3(targets, checked, returning);
}

/*
 * The user whose mapping an INSERT uses. A row routed to a partition has no
 * range table entry of its own: its root's tells.
 */
static Oid
hs_insert_user(EState *estate, ResultRelInfo *rinfo)
{
	if (rinfo->ri_RangeTableIndex == 0 && rinfo->ri_RootResultRelInfo)
		rinfo = rinfo->ri_RootResultRelInfo;
	if (rinfo->ri_RangeTableIndex == 0)
		return GetUserId();
	return hs_modify_user(estate, rinfo->ri_RangeTableIndex);
}

/* Set up the state of an INSERT (or COPY) of "rinfo". */
static HsInsertState *
hs_insert_init(EState *estate, ResultRelInfo *rinfo, List *targets, List *checked,
			   List *returning, bool connect)
{
	HsInsertState *st = palloc0(sizeof(HsInsertState));
	Relation	rel = rinfo->ri_RelationDesc;
	List	   *columns = hs_get_columns(rel);
	ListCell   *lc;
	int			i;

	st->operation = CMD_INSERT;
	st->rel = rel;
	st->w.cxt = CurrentMemoryContext;
	hs_get_table_options(RelationGetRelid(rel), &st->w.opts);
	st->w.type_path = psprintf("/crm/v3/objects/%s", hs_url_escape(st->w.opts.object_type));
	st->w.what = "this INSERT";
	st->w.ntargets = list_length(targets);
	hs_resolve_columns(columns, targets, &st->w.targets, &st->w.target_props,
					   &st->w.target_convs);
	st->upsert = st->w.opts.insert_upsert;
	if (st->upsert)
	{
		HsColumn   *keycol = hs_find_property_column(columns, st->w.opts.id_property);

		st->key_attno = keycol->attnum;
		hs_converter_init_column(&st->keyconv, keycol);
		st->w.id_property = st->w.opts.id_property;
	}
	st->nchecked = list_length(checked);
	st->checked = palloc(sizeof(AttrNumber) * Max(st->nchecked, 1));
	i = 0;
	foreach(lc, checked)
		st->checked[i++] = lfirst_int(lc);

	st->nreturning = list_length(returning);
	hs_resolve_columns(columns, returning, &st->returning, &st->returning_props,
					   &st->returning_convs);
	/* answers are parsed for the key (to match inputs) and what RETURNING shows */
	st->answer_props = palloc(sizeof(char *) * (st->nreturning + 1));
	if (st->upsert)
		st->answer_props[st->nanswer_props++] = (char *) st->w.id_property;
	for (i = 0; i < st->nreturning; i++)
		st->answer_props[st->nanswer_props++] = st->returning_props[i];
	if (connect)
		st->w.conn = hs_connection_for_table(RelationGetRelid(rel), hs_insert_user(estate, rinfo));
	st->batch_cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw insert batch",
										  ALLOCSET_DEFAULT_SIZES);
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
 * Executor: set up COPY FROM (or a row routed to a partition), which has no
 * plan: every column is set, and nothing is returned.
 */
void
hsBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	Relation	rel = rinfo->ri_RelationDesc;
	HsTableOptions opts;
	List	   *targets;
	List	   *checked;

	hs_get_table_options(RelationGetRelid(rel), &opts);
	hs_check_create_delete(CMD_INSERT, rel, &opts);
	hs_insert_columns(rel, hs_get_columns(rel), &opts, NULL, &targets, &checked);
	(void) hs_insert_init(mtstate->ps.state, rinfo, targets, checked, NIL, true);
}

/*
 * Executor: rows per batch/create (or upsert) request. One when each row
 * must come back with HubSpot's answer before the next.
 */
int
hsGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	HsInsertState *st = (HsInsertState *) rinfo->ri_FdwState;

	if (st == NULL || rinfo->ri_projectReturning != NULL ||
		rinfo->ri_WithCheckOptions != NIL ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_before_row ||
		  rinfo->ri_TrigDesc->trig_insert_after_row)))
		return 1;
	return st->w.opts.batch_size;
}

/* Build the input for the row in "slot", in the current memory context. */
static void
hs_insert_input(HsInsertState *st, TupleTableSlot *slot, HsWriteInput *in)
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
	if (st->upsert)
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, st->key_attno, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("cannot upsert a row of \"%s\" whose %s is null",
							RelationGetRelationName(st->rel), st->keyconv.attname),
					 errdetail("insert_mode 'upsert' names records by their value of id_property \"%s\".",
							   st->w.id_property)));
		in->id = hs_datum_to_value(&st->keyconv, d, false);
		in->id_property = st->w.id_property;
	}
}

/* How an input is named in messages: "row 3", or its key with upsert. */
static char *
hs_insert_input_name(HsInsertState *st, const HsWriteInput *in)
{
	return st->upsert ? in->id : psprintf("row %s", in->trace_id);
}

/* The result answering create input "in", matched by objectWriteTraceId. */
static HsObject *
hs_created_result(const HsBatchResult *res, const HsWriteInput *in, int ninputs)
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

/* The error naming create input "in" by its objectWriteTraceId, if any. */
static const HsBatchError *
hs_created_error(const HsBatchResult *res, const HsWriteInput *in)
{
	int			i;
	ListCell   *lc;

	for (i = 0; i < res->nerrors; i++)
		foreach(lc, res->errors[i].trace_ids)
			if (strcmp((char *) lfirst(lc), in->trace_id) == 0)
				return &res->errors[i];
	return NULL;
}

/*
 * Send "inputs" as one batch/create (or batch/upsert) and check every
 * input against the answer; answers[i] (if answers) gets input i's result.
 */
static void
hs_insert_send(HsInsertState *st, HsWriteInput *inputs, int ninputs, HsObject **answers)
{
	HsWriter   *w = &st->w;
	HsHttpRequest req;
	HsBatchResult res;
	ErrorContextCallback errcb;
	char	   *path = psprintf("%s/batch/%s", w->type_path, st->upsert ? "upsert" : "create");
	char	   *why;
	StringInfoData failed;
	int			nfailed = 0;
	int			nunconfirmed = 0;
	int			napplied = 0;
	int			sqlstate = ERRCODE_FDW_ERROR;
	bool		all_unnamed;
	int			i;

	w->batches++;
	errcb.callback = hs_batch_error_context;
	errcb.arg = w;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	hs_request_init(&req, w->conn, &w->opts, "POST", path, NULL,
					st->upsert ? hs_json_batch_update_body(inputs, ninputs)
					: hs_json_batch_create_body(inputs, ninputs));
	hs_send(&req);
	w->requests++;
	w->retries += req.retries;
	hs_check_response(&req, false);
	if (!hs_json_parse_batch(req.response, req.response_len, st->answer_props,
							 st->nanswer_props, &res, &why))
		hs_report_bad_response(&req, why);

	/* results without trace ids can only be counted: all or nothing */
	all_unnamed = !st->upsert && res.nerrors == 0 && res.nresults == ninputs;
	for (i = 0; i < res.nresults && all_unnamed; i++)
		if (res.results[i].trace_id != NULL)
			all_unnamed = false;

	initStringInfo(&failed);
	for (i = 0; i < ninputs; i++)
	{
		const HsBatchError *e;
		HsObject   *r = NULL;

		if (st->upsert)
		{
			e = hs_find_input_error(&res, &inputs[i]);
			/* answer_props[0] is the id_property (the others may be NULL: id) */
			if (e == NULL && hs_input_confirmed(&res, &inputs[i], st->answer_props, 1))
			{
				int			k;

				/* the answering result: by trace id, else by key value */
				for (k = 0; k < res.nresults && r == NULL; k++)
					if ((res.results[k].trace_id &&
						 strcmp(res.results[k].trace_id, inputs[i].trace_id) == 0) ||
						(res.results[k].values && res.results[k].values[0] &&
						 strcmp(res.results[k].values[0], inputs[i].id) == 0))
						r = &res.results[k];
			}
		}
		else
		{
			e = hs_created_error(&res, &inputs[i]);
			r = e ? NULL : hs_created_result(&res, &inputs[i], ninputs);
			if (r == NULL && e == NULL && all_unnamed)
			{
				napplied++;
				continue;
			}
		}
		if (e == NULL && r != NULL)
		{
			if (answers)
				answers[i] = r;
			napplied++;
			continue;
		}
		if (e)
		{
			if (nfailed == 0)
				sqlstate = hs_category_sqlstate(e->category, NULL, 400);
			nfailed++;
		}
		else
			nunconfirmed++;
		if (nfailed + nunconfirmed <= 20)
			hs_describe_failure(&failed, hs_insert_input_name(st, &inputs[i]), e);
	}
	if (nfailed + nunconfirmed > 20)
		appendStringInfo(&failed, "; and %d more", nfailed + nunconfirmed - 20);
	hs_stats_rows_written(&req, napplied);
	w->applied += napplied;
	error_context_stack = errcb.previous;

	if (nfailed > 0 || nunconfirmed > 0)
		ereport(ERROR,
				(errcode(sqlstate),
				 nfailed > 0
				 ? errmsg("HubSpot rejected %d of %d inputs of a batch %s of %s",
						  nfailed + nunconfirmed, ninputs, st->upsert ? "upsert" : "create",
						  w->opts.object_type)
				 : errmsg("HubSpot did not confirm %d of %d inputs of a batch %s of %s",
						  nunconfirmed, ninputs, st->upsert ? "upsert" : "create",
						  w->opts.object_type),
				 errdetail("Failed inputs: %s. %d input(s) of this batch and %d row(s) before it were written and stay written: HubSpot has no transactions.",
						   failed.data, napplied, w->applied - napplied),
				 errcontext("HubSpot request: POST %s (HTTP %ld, correlationId: %s)",
							path, req.http_status,
							req.correlation_id[0] ? req.correlation_id : "none")));
}

/*
 * Send rows as inputs, batch by batch: an upsert batch must not name one
 * key twice, so a repeated key starts a new request.
 */
static void
hs_insert_rows(HsInsertState *st, TupleTableSlot **slots, int nslots, HsObject **answers)
{
	HsWriteInput *inputs = palloc0(sizeof(HsWriteInput) * Max(nslots, 1));
	int			start = 0;
	int			i;

	for (i = 0; i < nslots; i++)
	{
		int			j;

		hs_insert_input(st, slots[i], &inputs[i]);
		for (j = start; st->upsert && j < i; j++)
			if (strcmp(inputs[j].id, inputs[i].id) == 0)
			{
				hs_insert_send(st, inputs + start, i - start, answers ? answers + start : NULL);
				start = i;
				break;
			}
	}
	if (nslots > start)
		hs_insert_send(st, inputs + start, nslots - start, answers ? answers + start : NULL);
}

/*
 * Executor: one row, one request. The row returned is the one HubSpot
 * answered with (the columns RETURNING needs): a column whose property is
 * missing from the answer is NULL.
 */
TupleTableSlot *
hsExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					TupleTableSlot *planSlot)
{
	HsInsertState *st = (HsInsertState *) rinfo->ri_FdwState;
	TupleDesc	tupdesc = RelationGetDescr(st->rel);
	MemoryContext old = MemoryContextSwitchTo(st->batch_cxt);
	HsObject   *answer = NULL;
	Datum	   *values;
	bool	   *nulls;
	HeapTuple	tuple;
	int			i;

	hs_insert_rows(st, &slot, 1, &answer);
	if (st->nreturning > 0 && answer != NULL)
	{
		slot_getallattrs(slot);
		values = palloc(sizeof(Datum) * tupdesc->natts);
		nulls = palloc(sizeof(bool) * tupdesc->natts);
		memcpy(values, slot->tts_values, sizeof(Datum) * tupdesc->natts);
		memcpy(nulls, slot->tts_isnull, sizeof(bool) * tupdesc->natts);
		for (i = 0; i < st->nreturning; i++)
		{
			int			att = st->returning[i] - 1;
			const char *v = st->returning_props[i]
				? answer->values[i + (st->upsert ? 1 : 0)] : answer->id;
			bool		isnull = true;

			values[att] = v ? hs_value_to_datum(&st->returning_convs[i], v, answer->id, &isnull)
				: (Datum) 0;
			nulls[att] = (v == NULL) || isnull;
		}
		MemoryContextSwitchTo(old);
		tuple = heap_form_tuple(tupdesc, values, nulls);
		ExecForceStoreHeapTuple(tuple, slot, true);
	}
	else
		MemoryContextSwitchTo(old);
	MemoryContextReset(st->batch_cxt);
	return slot;
}

/* Executor: a batch of rows, one request (two if an upsert key repeats). */
TupleTableSlot **
hsExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
						 TupleTableSlot **planSlots, int *numSlots)
{
	HsInsertState *st = (HsInsertState *) rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(st->batch_cxt);

	hs_insert_rows(st, slots, *numSlots, NULL);
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->batch_cxt);
	return slots;
}

/* Executor: nothing is buffered here (PostgreSQL sends the last batch). */
void
hsEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
}

/* EXPLAIN of an INSERT: the endpoint, batch size and what is sent. */
void
hsExplainForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					   List *fdw_private, int subplan_index, ExplainState *es)
{
	HsInsertState *st = (HsInsertState *) rinfo->ri_FdwState;
	int			batch_size = Max(rinfo->ri_BatchSize, 1);

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
	{
		hs_explain_properties(st->w.target_props, st->w.ntargets, es);
		ExplainPropertyInteger("HubSpot Concurrency", NULL, 1, es);
	}
	if (es->analyze)
	{
		ExplainPropertyInteger("HubSpot Requests Sent", NULL, st->w.requests, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, st->w.retries, es);
	}
}
