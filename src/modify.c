/*
 * modify.c
 *		UPDATE of HubSpot objects.
 *
 * Three ways, chosen at plan time:
 *	- direct modify: UPDATE ... SET <values known before any read>
 *	  WHERE id = x (or id IN (...)) sends PATCH (or batch/update) with no
 *	  read at all;
 *	- batched: rows from a scan are buffered and sent as batch/update, at
 *	  most batch_size inputs per request, never the same id twice in one,
 *	  in flight while the scan goes on (batch.c);
 *	- per row: with RETURNING, AFTER ROW triggers or WITH CHECK OPTION the
 *	  new row must be exactly what HubSpot stored, so each row is a PATCH.
 *
 * With the table option id_property, rows are identified by that
 * property's value instead of the record id: requests carry idProperty,
 * and batch inputs are matched with HubSpot's results by their
 * objectWriteTraceId, or failing that by the id_property value.
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* Indexes into fdw_private of a ModifyTable (PlanForeignModify). */
enum HsModifyPrivate
{
	HS_MOD_PRIV_TARGETS,		/* IntList: attnums sent to HubSpot */
	HS_MOD_PRIV_RETURNING,		/* IntList: attnums RETURNING needs */
	HS_MOD_PRIV_PER_ROW			/* Boolean: PATCH each row */
};

/* Indexes into fdw_private of a direct-modify ForeignScan. */
enum HsDirectPrivate
{
	HS_DM_PRIV_MODE,			/* Integer: same slot as HS_SCAN_PRIV_MODE */
	HS_DM_PRIV_ATTRS,			/* unused */
	HS_DM_PRIV_TARGETS,			/* IntList: attnums set */
	HS_DM_PRIV_BY_KEY			/* Boolean: ids are id_property values */
};


/* Executor state of a (batched or per-row) UPDATE. */
typedef struct HsModifyState
{
	CmdType		operation;		/* CMD_UPDATE: see hs_modify_operation() */
	HsWriter	w;
	Relation	rel;
	AttrNumber	rowid_attno;	/* junk column in the subplan's output */
	bool		per_row;
	bool		deferred;		/* send_at 'commit' */
	int			batch_size;

	/* per_row: RETURNING */
	HsReturning returning;
	MemoryContext row_cxt;

	/* batched (the batch being filled is the writer's) */
	int			seq;			/* objectWriteTraceId counter */
} HsModifyState;

/* Executor state of a direct UPDATE. */
typedef struct HsDirectState
{
	HsWriter	w;
	List	   *ids;
	char	  **values;			/* per target, NULL clears */
	bool		done;
} HsDirectState;

/* The inputs of batch/update, and how HubSpot's answer names them. */
const HsBatchKind hs_batch_update = {
	.name = "update", .failed_label = "Failed ids", .done_verb = "applied",
	.body = hs_json_batch_update_body,
	.find_error = hs_find_input_error, .find_result = hs_input_result,
};

/* Refuse INSERT and DELETE, saying why for the partner object types. */
void
hs_refuse_operation(CmdType operation, Relation rel, const char *object_type)
{
	const char *what = operation == CMD_INSERT ? "INSERT into" : "DELETE from";

	if (hs_object_type_is_partner(object_type))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot %s foreign table \"%s\"", what,
						RelationGetRelationName(rel)),
				 errdetail("HubSpot's v3 API does not allow creating or deleting %s; it can only read and update them.",
						   object_type)));
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot %s foreign table \"%s\"", what,
					RelationGetRelationName(rel)),
			 errdetail("HubSpot's v3 API does not allow creating or deleting %s.",
					   object_type)));
}

/* "UPDATE", "INSERT" or "DELETE", for messages. */
static const char *
hs_operation_name(CmdType operation)
{
	return operation == CMD_INSERT ? "INSERT"
		: operation == CMD_DELETE ? "DELETE" : "UPDATE";
}

/*
 * The column identifying the rows of "rel" that "operation" sends: the
 * id_property's column when the table has that option (and use_key),
 * else "id" ("opts" may be NULL then). An error names what is missing.
 */
HsColumn *
hs_identity_column(Relation rel, List *columns, const HsTableOptions *opts,
				   CmdType operation, bool use_key)
{
	HsColumn   *col;

	if (!use_key || opts->id_property == NULL)
	{
		col = hs_find_id_column(columns);
		if (col == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("foreign table \"%s\" has no \"id\" column",
							RelationGetRelationName(rel)),
					 errhint("%s identifies HubSpot records by a column named \"id\" holding the record id.",
							 hs_operation_name(operation))));
		return col;
	}
	col = hs_find_property_column(columns, opts->id_property);
	if (col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no column for its id_property \"%s\"",
						RelationGetRelationName(rel), opts->id_property),
				 errhint("Add a column named \"%s\", or one with OPTIONS (property '%s').",
						 opts->id_property, opts->id_property)));
	return col;
}

/*
 * Refuse SET id = ... (the id names the record, it is not a property) and
 * SET of a read_only column (HubSpot would refuse the whole request).
 */
static void
hs_check_targets(Relation rel, List *columns, List *targets)
{
	ListCell   *lc;

	foreach(lc, columns)
	{
		HsColumn   *col = lfirst(lc);

		if (!list_member_int(targets, col->attnum))
			continue;
		if (col->is_id)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot update column \"id\" of foreign table \"%s\"",
							RelationGetRelationName(rel)),
					 errdetail("The id identifies the HubSpot record; HubSpot does not allow changing it.")));
		if (col->read_only)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot update read-only column \"%s\" of foreign table \"%s\"",
							col->attname, RelationGetRelationName(rel)),
					 errdetail("HubSpot property \"%s\" is read-only: HubSpot sets its value.",
							   col->property)));
	}
}

/* Planner: add the id (or id_property) column as the row identity of UPDATE. */
void
hsAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
						  RangeTblEntry *target_rte, Relation target_relation)
{
	HsColumn   *idcol;
	Var		   *var;
	HsTableOptions opts;

	if (root->parse->commandType != CMD_UPDATE)
		return;
	hs_get_table_options(RelationGetRelid(target_relation), &opts);
	idcol = hs_identity_column(target_relation, hs_get_columns(target_relation),
							   &opts, CMD_UPDATE, true);
	var = makeVar(rtindex, idcol->attnum, idcol->typid, idcol->typmod,
				  get_typcollation(idcol->typid), 0);
	add_row_identity_var(root, var, rtindex, HS_ROWID_NAME);
}

/* Planner: which columns are sent, and whether each row must be a PATCH. */
List *
hsPlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					int subplan_index)
{
	CmdType		operation = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	HsTableOptions opts;
	List	   *columns = hs_get_columns(rel);
	List	   *targets = NIL;
	List	   *returning;
	List	   *returning_list;
	bool		per_row;
	ListCell   *lc;

	hs_get_table_options(rte->relid, &opts);
	if (operation != CMD_UPDATE)
		hs_refuse_operation(operation, rel, opts.object_type);
	(void) hs_identity_column(rel, columns, &opts, CMD_UPDATE, true);

	if (rel->trigdesc && rel->trigdesc->trig_update_before_row)
	{
		/* a BEFORE ROW trigger may change any column: send all writable ones */
		foreach(lc, columns)
		{
			HsColumn   *col = lfirst(lc);

			if (!col->is_id && !col->read_only)
				targets = lappend_int(targets, col->attnum);
		}
	}
	else
	{
		RelOptInfo *baserel = find_base_rel(root, resultRelation);
		Bitmapset  *updated = get_rel_all_updated_cols(root, baserel);
		int			col = -1;

		while ((col = bms_next_member(updated, col)) >= 0)
		{
			AttrNumber	attno = col + FirstLowInvalidHeapAttributeNumber;

			if (attno <= InvalidAttrNumber)
				elog(ERROR, "system-column update is not supported");
			targets = lappend_int(targets, attno);
		}
	}
	hs_check_targets(rel, columns, targets);

	returning_list = hs_returning_list(plan, subplan_index);
	returning = hs_returning_attnums(returning_list, resultRelation, columns);
	if (returning_list != NIL && opts.send_at_commit)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("UPDATE ... RETURNING is not supported on foreign table \"%s\" with send_at 'commit'",
						RelationGetRelationName(rel)),
				 errdetail("Its writes are sent at COMMIT, so HubSpot's answer is not known when the statement returns.")));
	per_row = returning_list != NIL ||
		(rel->trigdesc && rel->trigdesc->trig_update_after_row) ||
		(plan->withCheckOptionLists &&
		 list_nth(plan->withCheckOptionLists, subplan_index) != NIL);

	table_close(rel, NoLock);
	return list_make3(targets, returning, makeBoolean(per_row));
}

/* The RETURNING list of result relation "subplan_index" of "plan", or NIL. */
List *
hs_returning_list(ModifyTable *plan, int subplan_index)
{
	if (plan->returningLists == NIL)
		return NIL;
	return (List *) list_nth(plan->returningLists, subplan_index);
}

/*
 * The attnums of the columns of range table entry "rti" that a RETURNING
 * list uses: all of them for a whole-row reference.
 */
List *
hs_returning_attnums(List *returning_list, Index rti, List *columns)
{
	Bitmapset  *attrs = NULL;
	List	   *attnums = NIL;
	ListCell   *lc;

	if (returning_list == NIL)
		return NIL;
	pull_varattnos((Node *) returning_list, rti, &attrs);
	foreach(lc, columns)
	{
		HsColumn   *col = lfirst(lc);

		if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs) ||
			bms_is_member(col->attnum - FirstLowInvalidHeapAttributeNumber, attrs))
			attnums = lappend_int(attnums, col->attnum);
	}
	return attnums;
}

/* Resolve converters and property names of the columns in "attnums". */
void
hs_resolve_columns(List *columns, List *attnums, AttrNumber **out_attnums,
				   char ***out_props, HsConverter **out_convs)
{
	int			n = list_length(attnums);
	int			i = 0;
	ListCell   *lc;

	*out_attnums = palloc0(sizeof(AttrNumber) * Max(n, 1));
	*out_props = palloc0(sizeof(char *) * Max(n, 1));
	*out_convs = palloc0(sizeof(HsConverter) * Max(n, 1));
	foreach(lc, attnums)
	{
		AttrNumber	attnum = lfirst_int(lc);
		ListCell   *lc2;

		foreach(lc2, columns)
		{
			HsColumn   *col = lfirst(lc2);

			if (col->attnum != attnum)
				continue;
			(*out_attnums)[i] = attnum;
			(*out_props)[i] = col->property;
			hs_converter_init_column(&(*out_convs)[i], col);
		}
		i++;
	}
}

/*
 * Set up the writer of "operation" on "rel", sending "targets", acting as
 * "userid" (when connect). UPDATE names rows by the id_property's values
 * if by_key, else by record ids; DELETE by record ids; INSERT by the
 * id_property's values with insert_mode 'upsert', else not at all.
 */
void
hs_writer_init(HsWriter *w, Relation rel, CmdType operation, List *targets,
			   Oid userid, bool connect, bool by_key)
{
	List	   *columns = hs_get_columns(rel);
	HsColumn   *idcol = NULL;

	memset(w, 0, sizeof(*w));
	w->cxt = CurrentMemoryContext;
	hs_get_table_options(RelationGetRelid(rel), &w->opts);
	w->type_path = psprintf("/crm/v3/objects/%s", hs_url_escape(w->opts.object_type));
	w->what = psprintf("this %s", hs_operation_name(operation));
	if (operation == CMD_INSERT)
		w->kind = w->opts.insert_upsert ? &hs_batch_upsert : &hs_batch_create;
	else
		w->kind = operation == CMD_DELETE ? &hs_batch_archive : &hs_batch_update;
	if (operation != CMD_INSERT || w->opts.insert_upsert)
		idcol = hs_identity_column(rel, columns, &w->opts, operation,
								   operation != CMD_DELETE && by_key);
	if (idcol)
	{
		w->id_attnum = idcol->attnum;
		w->id_property = idcol->is_id ? NULL : w->opts.id_property;
		hs_converter_init_column(&w->idconv, idcol);
	}
	w->ntargets = list_length(targets);
	hs_resolve_columns(columns, targets, &w->targets, &w->target_props,
					   &w->target_convs);
	if (connect)
		w->conn = hs_connection_for_table(RelationGetRelid(rel), userid);
}

/*
 * PATCH one object (by id, or by its id_property value with idProperty);
 * the answer parsed for "props" (may be none). Returns false if the object
 * does not exist (404).
 */
static bool
hs_patch(HsWriter *w, const HsWriteInput *input, char **props, int nprops,
		 HsObject *answer)
{
	HsHttpRequest req;
	char	   *why;
	char	   *path = psprintf("%s/%s", w->type_path, hs_url_escape(input->id));

	hs_request_init(&req, w->conn, &w->opts, "PATCH", path,
					input->id_property
					? psprintf("idProperty=%s", hs_url_escape(input->id_property))
					: NULL,
					hs_json_properties_body(input));
	hs_send(&req);
	w->requests++;
	w->retries += req.retries;
	hs_check_response(&req, true);
	if (req.http_status == 404)
		return false;
	if (!hs_json_parse_object(req.response, req.response_len, props, nprops,
							  answer, &why))
		hs_report_bad_response(&req, why);
	w->applied++;
	hs_stats_rows_written(&req, 1);
	return true;
}

/* Executor: set up batching or per-row PATCH. */
void
hsBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					 List *fdw_private, int subplan_index, int eflags)
{
	HsModifyState *st = palloc0(sizeof(HsModifyState));
	EState	   *estate = mtstate->ps.state;
	List	   *targets = (List *) list_nth(fdw_private, HS_MOD_PRIV_TARGETS);
	List	   *returning = (List *) list_nth(fdw_private, HS_MOD_PRIV_RETURNING);
	Plan	   *subplan = outerPlanState(mtstate)->plan;

	rinfo->ri_FdwState = st;
	st->operation = CMD_UPDATE;
	st->rel = rinfo->ri_RelationDesc;
	st->per_row = boolVal(list_nth(fdw_private, HS_MOD_PRIV_PER_ROW));
	hs_writer_init(&st->w, st->rel, CMD_UPDATE, targets,
				   (eflags & EXEC_FLAG_EXPLAIN_ONLY) ? InvalidOid
				   : hs_result_rel_user(rinfo, estate),
				   !(eflags & EXEC_FLAG_EXPLAIN_ONLY), true);
	st->deferred = st->w.opts.send_at_commit;
	if (st->deferred)
		st->per_row = false;	/* nothing is answered before COMMIT */
	st->batch_size = st->per_row ? 1 : st->w.opts.batch_size;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	st->rowid_attno = ExecFindJunkAttributeInTlist(subplan->targetlist, HS_ROWID_NAME);
	if (!AttributeNumberIsValid(st->rowid_attno))
		elog(ERROR, "could not find junk column \"%s\"", HS_ROWID_NAME);

	hs_returning_init(&st->returning, hs_get_columns(st->rel), returning);
	st->row_cxt = AllocSetContextCreate(estate->es_query_cxt,
										"hubspot_fdw modify row",
										ALLOCSET_SMALL_SIZES);
	hs_batch_buffer_init(&st->w, estate->es_query_cxt, st->batch_size);
}

/* Build the input for one row from the new values in "slot". */
static void
hs_build_input(HsWriter *w, HsWriteInput *in, char *id, TupleTableSlot *slot)
{
	int			i;

	in->id = id;
	in->id_property = w->id_property;
	in->nprops = w->ntargets;
	in->names = w->target_props;
	in->values = palloc(sizeof(char *) * Max(w->ntargets, 1));
	for (i = 0; i < w->ntargets; i++)
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, w->targets[i], &isnull);

		in->values[i] = hs_datum_to_value(&w->target_convs[i], d, isnull);
	}
}

/* Resolve the columns "attnums" that RETURNING shows. */
void
hs_returning_init(HsReturning *r, List *columns, List *attnums)
{
	r->n = list_length(attnums);
	hs_resolve_columns(columns, attnums, &r->attnums, &r->props, &r->convs);
}

/*
 * Store in "slot" its row as HubSpot answered: the columns "r" names take
 * the answer's values (answer->values[first + i], or its id), the others
 * stay. A property missing from the answer is NULL. The tuple is formed in
 * the current memory context, which must last until the slot's next row.
 */
void
hs_store_answer(TupleTableSlot *slot, Relation rel, const HsReturning *r,
				const HsObject *answer, int first)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Datum	   *values = palloc(sizeof(Datum) * tupdesc->natts);
	bool	   *nulls = palloc(sizeof(bool) * tupdesc->natts);
	int			i;

	slot_getallattrs(slot);
	memcpy(values, slot->tts_values, sizeof(Datum) * tupdesc->natts);
	memcpy(nulls, slot->tts_isnull, sizeof(bool) * tupdesc->natts);
	for (i = 0; i < r->n; i++)
	{
		int			att = r->attnums[i] - 1;
		const char *v = r->props[i] ? answer->values[first + i] : answer->id;
		bool		isnull = true;

		values[att] = v ? hs_value_to_datum(&r->convs[i], v, answer->id, &isnull)
			: (Datum) 0;
		nulls[att] = (v == NULL) || isnull;
	}
	ExecForceStoreHeapTuple(heap_form_tuple(tupdesc, values, nulls), slot, false);
}

/*
 * PATCH one row and store HubSpot's answer in the slot (RETURNING, triggers).
 * Runs in the row context, which holds "id" and the stored tuple until the
 * next row.
 */
static TupleTableSlot *
hs_update_row(HsModifyState *st, char *id, TupleTableSlot *slot)
{
	HsWriteInput in;
	HsObject	answer;

	hs_build_input(&st->w, &in, id, slot);
	if (!hs_patch(&st->w, &in, st->returning.props, st->returning.n, &answer))
		return NULL;			/* deleted in HubSpot since it was read */
	hs_store_answer(slot, st->rel, &st->returning, &answer, 0);
	return slot;
}

/* Executor: one row to update, buffered or PATCHed. */
TupleTableSlot *
hsExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					TupleTableSlot *planSlot)
{
	HsModifyState *st = (HsModifyState *) rinfo->ri_FdwState;
	MemoryContext old = CurrentMemoryContext;
	bool		isnull;
	Datum		d = ExecGetJunkAttribute(planSlot, st->rowid_attno, &isnull);
	char	   *id;
	HsWriteInput *in;
	TupleTableSlot *result;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cannot update a row of \"%s\" whose %s is null",
						RelationGetRelationName(st->rel), st->w.idconv.attname),
				 st->w.id_property
				 ? errdetail("Rows are identified by their value of id_property \"%s\".",
							 st->w.id_property) : 0));
	/* per-row work lives in row_cxt, so a long UPDATE does not grow */
	MemoryContextReset(st->row_cxt);
	MemoryContextSwitchTo(st->row_cxt);
	id = hs_datum_to_value(&st->w.idconv, d, false);

	if (st->per_row)
	{
		result = hs_update_row(st, id, slot);
		MemoryContextSwitchTo(old);
		return result;
	}
	if (st->deferred)
	{
		HsWriteInput din;

		hs_build_input(&st->w, &din, id, slot);
		hs_defer_update(st->w.conn, &st->w.opts, st->w.type_path, &din);
		MemoryContextSwitchTo(old);
		return slot;
	}
	MemoryContextSwitchTo(old);

	in = hs_batch_next(&st->w, id);
	MemoryContextSwitchTo(st->w.buf_cxt);
	hs_build_input(&st->w, in, pstrdup(id), slot);
	in->trace_id = psprintf("%d", ++st->seq);
	MemoryContextSwitchTo(old);
	hs_batch_added(&st->w);
	return slot;
}

/* Executor: send what is still buffered at the end of the statement. */
void
hsEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	HsModifyState *st = (HsModifyState *) rinfo->ri_FdwState;

	if (st != NULL)
		hs_batch_finish(&st->w);
}

/*
 * What HubSpot allows: partner objects can only be updated; other object
 * types can be created and archived too, unless writes wait for COMMIT.
 */
int
hsIsForeignRelUpdatable(Relation rel)
{
	HsTableOptions opts;

	hs_get_table_options(RelationGetRelid(rel), &opts);
	if (!hs_object_type_can_create(opts.object_type) || opts.send_at_commit)
		return (1 << CMD_UPDATE);
	return (1 << CMD_UPDATE) | (1 << CMD_INSERT) | (1 << CMD_DELETE);
}

/* EXPLAIN of a batched or per-row UPDATE. */
void
hsExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					   List *fdw_private, int subplan_index, ExplainState *es)
{
	HsModifyState *st = (HsModifyState *) rinfo->ri_FdwState;

	/* EXPLAIN ANALYZE prints before EndForeignModify: send what is left now */
	if (es->analyze)
		hs_batch_finish(&st->w);
	if (st->deferred && st->w.id_property)
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/update (idProperty=%s) at COMMIT (send_at 'commit')",
									 st->w.type_path, st->w.id_property), es);
	else if (st->deferred)
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/update at COMMIT (send_at 'commit')",
									 st->w.type_path), es);
	else if (st->per_row && st->w.id_property)
		ExplainPropertyText("HubSpot Request",
							psprintf("PATCH %s/{%s}?idProperty=%s per row", st->w.type_path,
									 st->w.id_property, st->w.id_property), es);
	else if (st->per_row)
		ExplainPropertyText("HubSpot Request",
							psprintf("PATCH %s/{id} per row", st->w.type_path), es);
	else if (st->w.id_property)
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/update (idProperty=%s)", st->w.type_path,
									 st->w.id_property), es);
	else
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/update", st->w.type_path), es);
	ExplainPropertyInteger("HubSpot Batch Size", NULL, st->batch_size, es);
	if (es->verbose)
		hs_explain_properties(st->w.target_props, st->w.ntargets, es);
	hs_explain_writer(&st->w, st->per_row || st->deferred ? 1
					  : hs_batch_concurrency(&st->w), es);
}

/*
 * The scan a direct UPDATE or DELETE of "rti" can do without: the
 * ForeignScan of "rti" directly under "plan" (or its Append) that fetches
 * by id (or by ids, if ids_ok) with nothing else to check, in a statement
 * without RETURNING. NULL if there is none; *mode and *by_key tell how it
 * fetches (HS_SCAN_ID or HS_SCAN_IDS; by id_property values or ids).
 */
ForeignScan *
hs_direct_modify_scan(ModifyTable *plan, Index rti, int subplan_index, bool ids_ok,
					  int *mode, bool *by_key)
{
	Plan	   *subplan = outerPlan(plan);
	ForeignScan *fscan;

	if (IsA(subplan, Append))
	{
		Append	   *append = (Append *) subplan;

		if (subplan_index >= list_length(append->appendplans))
			return NULL;
		subplan = (Plan *) list_nth(append->appendplans, subplan_index);
	}
	if (!IsA(subplan, ForeignScan) || ((ForeignScan *) subplan)->scan.scanrelid != rti)
		return NULL;
	fscan = (ForeignScan *) subplan;
	if (fscan->scan.plan.qual != NIL || fscan->fdw_exprs == NIL ||
		hs_returning_list(plan, subplan_index) != NIL)
		return NULL;
	*mode = intVal(list_nth(fscan->fdw_private, HS_SCAN_PRIV_MODE));
	*by_key = boolVal(list_nth(fscan->fdw_private, HS_SCAN_PRIV_BY_KEY));
	if (*mode != HS_SCAN_ID && !(ids_ok && *mode == HS_SCAN_IDS))
		return NULL;
	return fscan;
}

/*
 * Planner: turn UPDATE ... SET <values known up front> WHERE id = x (or
 * id IN (...), or the same on the id_property's column) with nothing else
 * to check into requests that need no read.
 */
bool
hsPlanDirectModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
				   int subplan_index)
{
	ForeignScan *fscan;
	int			mode;
	bool		by_key;
	List	   *processed_tlist = NIL;
	List	   *targets = NIL;
	List	   *exprs;
	ListCell   *lc;
	ListCell   *lc2;
	RangeTblEntry *rte;
	Relation	rel;
	List	   *columns;
	HsTableOptions opts;

	if (plan->operation != CMD_UPDATE)
		return false;
	rte = planner_rt_fetch(resultRelation, root);
	hs_get_table_options(rte->relid, &opts);
	if (opts.send_at_commit)
		return false;			/* rows are read first, so UPDATE counts stay true */
	fscan = hs_direct_modify_scan(plan, resultRelation, subplan_index, true,
								  &mode, &by_key);
	if (fscan == NULL)
		return false;

	get_translated_update_targetlist(root, resultRelation, &processed_tlist, &targets);
	exprs = list_copy(fscan->fdw_exprs);
	/* the new values are the first entries, one per target attnum */
	forboth(lc, processed_tlist, lc2, targets)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (contain_var_clause((Node *) tle->expr) ||
			contain_volatile_functions((Node *) tle->expr) ||
			contain_subplans((Node *) tle->expr))
			return false;
		exprs = lappend(exprs, tle->expr);
	}

	rel = table_open(rte->relid, NoLock);
	columns = hs_get_columns(rel);
	hs_check_targets(rel, columns, targets);
	table_close(rel, NoLock);

	fscan->operation = CMD_UPDATE;
	fscan->resultRelation = resultRelation;
	fscan->fdw_exprs = exprs;
	fscan->fdw_private = list_make4(makeInteger(mode), NIL, targets,
									makeBoolean(by_key));
	return true;
}

/* Executor: set up a direct UPDATE (ids and values come at the first Iterate). */
void
hsBeginDirectModify(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	HsDirectState *st = palloc0(sizeof(HsDirectState));
	List	   *targets = (List *) list_nth(fsplan->fdw_private, HS_DM_PRIV_TARGETS);
	bool		explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;

	node->fdw_state = st;
	hs_writer_init(&st->w, node->ss.ss_currentRelation, CMD_UPDATE, targets,
				   explain_only ? InvalidOid : hs_scan_user(fsplan, estate),
				   !explain_only,
				   boolVal(list_nth(fsplan->fdw_private, HS_DM_PRIV_BY_KEY)));
}

/*
 * Evaluate the ids and new values of a direct UPDATE. Done at the first
 * Iterate call, not at Begin: initPlans feeding Params are set up later.
 */
static void
hs_direct_eval(ForeignScanState *node, HsDirectState *st)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	int			mode = intVal(list_nth(fsplan->fdw_private, HS_DM_PRIV_MODE));
	MemoryContext old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
	List	   *value_states;
	ListCell   *lc;
	int			i = 0;

	/* fdw_exprs: the id expression, then one expression per target */
	st->ids = hs_eval_id_exprs(list_make1(linitial(fsplan->fdw_exprs)),
							   mode == HS_SCAN_IDS, &node->ss.ps, &st->w.idconv);
	value_states = ExecInitExprList(list_delete_first(list_copy(fsplan->fdw_exprs)),
									&node->ss.ps);
	st->values = palloc0(sizeof(char *) * Max(st->w.ntargets, 1));
	foreach(lc, value_states)
	{
		bool		isnull;
		Datum		d = ExecEvalExpr((ExprState *) lfirst(lc),
									 node->ss.ps.ps_ExprContext, &isnull);

		st->values[i] = hs_datum_to_value(&st->w.target_convs[i], d, isnull);
		i++;
	}
	MemoryContextSwitchTo(old);
}

/* Executor: send the requests (first call) and count the rows HubSpot changed. */
TupleTableSlot *
hsIterateDirectModify(ForeignScanState *node)
{
	HsDirectState *st = (HsDirectState *) node->fdw_state;
	EState	   *estate = node->ss.ps.state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	int			nids;
	int			updated = 0;

	if (st->done)
		return ExecClearTuple(slot);
	st->done = true;
	hs_direct_eval(node, st);
	nids = list_length(st->ids);

	if (nids == 1)
	{
		HsWriteInput in = {linitial(st->ids), NULL, st->w.ntargets,
		st->w.target_props, st->values, st->w.id_property};
		HsObject	answer;

		updated = hs_patch(&st->w, &in, NULL, 0, &answer) ? 1 : 0;
	}
	else if (nids > 1)
	{
		int			bs = st->w.opts.batch_size;
		HsWriteInput *inputs = palloc0(sizeof(HsWriteInput) * bs);
		int			start;
		int			i;

		/* the ids are distinct: all batches may be in flight at once */
		for (start = 0; start < nids; start += bs)
		{
			int			n = Min(bs, nids - start);
			MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
													  "hubspot_fdw batch",
													  ALLOCSET_SMALL_SIZES);

			for (i = 0; i < n; i++)
			{
				inputs[i].id = list_nth(st->ids, start + i);
				inputs[i].id_property = st->w.id_property;
				inputs[i].trace_id = psprintf("%d", start + i + 1);
				inputs[i].nprops = st->w.ntargets;
				inputs[i].names = st->w.target_props;
				inputs[i].values = st->values;
			}
			hs_batch_submit(&st->w, cxt, inputs, n, true);
		}
		hs_batch_drain(&st->w);
		updated = st->w.applied;
	}
	estate->es_processed += updated;
	return ExecClearTuple(slot);
}

/* Executor: nothing to release beyond memory contexts. */
void
hsEndDirectModify(ForeignScanState *node)
{
}

/* EXPLAIN of a direct UPDATE: the requests, and that nothing is read. */
void
hsExplainDirectModify(ForeignScanState *node, ExplainState *es)
{
	HsDirectState *st = (HsDirectState *) node->fdw_state;
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	int			mode = intVal(list_nth(fsplan->fdw_private, HS_DM_PRIV_MODE));

	if (mode == HS_SCAN_ID && st->w.id_property)
		ExplainPropertyText("HubSpot Request",
							psprintf("PATCH %s/{%s}?idProperty=%s (direct, no read)",
									 st->w.type_path, st->w.id_property,
									 st->w.id_property), es);
	else if (mode == HS_SCAN_ID)
		ExplainPropertyText("HubSpot Request",
							psprintf("PATCH %s/{id} (direct, no read)", st->w.type_path), es);
	else if (st->w.id_property)
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/update (direct, no read, up to %d %s values each, idProperty=%s)",
									 st->w.type_path, st->w.opts.batch_size,
									 st->w.id_property, st->w.id_property), es);
	else
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/update (direct, no read, up to %d ids each)",
									 st->w.type_path, st->w.opts.batch_size), es);
	if (es->verbose)
		hs_explain_properties(st->w.target_props, st->w.ntargets, es);
	hs_explain_writer(&st->w, mode == HS_SCAN_ID ? 1 : hs_batch_concurrency(&st->w), es);
}

/* EXPLAIN VERBOSE: the properties a write sends. */
void
hs_explain_properties(char **props, int nprops, ExplainState *es)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < nprops; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", props[i]);
	ExplainPropertyText("HubSpot Properties", buf.len ? buf.data : "(none)", es);
}
