/*
 * write.c
 *		What UPDATE (update.c), INSERT (insert.c), DELETE (delete.c) and the
 *		writes kept until COMMIT (commit.c) share: the writer of one object
 *		type, the columns naming and sending rows, RETURNING from HubSpot's
 *		answer, the scan a direct write can do without, the refusals of what
 *		HubSpot cannot do, and the write of one record by its id.
 *
 * Each kind of batch write belongs to its operation (hs_batch_create and
 * hs_batch_upsert to insert.c, hs_batch_archive to delete.c), except
 * hs_batch_update: UPDATE and COMMIT both send it, so it is here. The
 * caller of hs_writer_init sets the writer's kind.
 */
#include "postgres.h"

#include "write.h"

#include "access/htup_details.h"
#include "executor/executor.h"
#include "optimizer/optimizer.h"
#include "utils/rel.h"

/* The inputs of batch/update, and how HubSpot's answer names them. */
const HsBatchKind hs_batch_update = {
	.name = "update", .body = hs_json_batch_update_body,
	.find_error = hs_find_input_error, .find_result = hs_input_result,
};

/* Refuse INSERT and DELETE, saying why for the partner object types. */
void
hs_refuse_operation(CmdType operation, Relation rel, const char *object_type)
{
	if (hs_object_type_is_partner(object_type))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 operation == CMD_INSERT
				 ? errmsg("cannot insert into foreign table \"%s\"",
						  RelationGetRelationName(rel))
				 : errmsg("cannot delete from foreign table \"%s\"",
						  RelationGetRelationName(rel)),
				 errdetail("HubSpot's v3 API does not allow creating or deleting %s; it can only read and update them.",
						   object_type)));
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 operation == CMD_INSERT
			 ? errmsg("cannot insert into foreign table \"%s\"",
					  RelationGetRelationName(rel))
			 : errmsg("cannot delete from foreign table \"%s\"",
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
					 errdetail("%s identifies HubSpot records by a column named \"id\" holding the record id.",
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
 * id_property's values with insert_mode 'upsert', else not at all. The
 * caller sets w->kind, the batch requests it sends.
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
	w->type_path = hs_objects_path(&w->opts, w->opts.object_type);
	w->what = psprintf("this %s", hs_operation_name(operation));
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
	HsScanPlan	scan;

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
	hs_scan_plan_unpack(fscan->fdw_private, &scan);
	*mode = scan.mode;
	*by_key = scan.by_key;
	if (*mode != HS_SCAN_ID && !(ids_ok && *mode == HS_SCAN_IDS))
		return NULL;
	return fscan;
}

/* The slots of ForeignScan.fdw_private of a direct UPDATE or DELETE. */
enum HsDirectPrivate
{
	HS_DM_PRIV_MODE,			/* Integer: HsScanMode */
	HS_DM_PRIV_TARGETS,			/* IntList: attnums set */
	HS_DM_PRIV_BY_KEY,			/* Boolean: ids are id_property values */
	HS_DM_PRIV_JOIN,			/* Boolean: ids and values come from the outer plan */
	HS_DM_PRIV_COUNT
};

/* ForeignScan.fdw_private of a direct UPDATE or DELETE planned as "plan". */
List *
hs_direct_plan_pack(const HsDirectPlan *plan)
{
	Node	   *slots[HS_DM_PRIV_COUNT];

	slots[HS_DM_PRIV_MODE] = (Node *) makeInteger(plan->mode);
	slots[HS_DM_PRIV_TARGETS] = (Node *) plan->targets;
	slots[HS_DM_PRIV_BY_KEY] = (Node *) makeBoolean(plan->by_key);
	slots[HS_DM_PRIV_JOIN] = (Node *) makeBoolean(plan->join);
	return hs_slot_list(slots, HS_DM_PRIV_COUNT);
}

/* The plan of a direct UPDATE or DELETE from its ForeignScan.fdw_private. */
void
hs_direct_plan_unpack(List *fdw_private, HsDirectPlan *out)
{
	Assert(list_length(fdw_private) == HS_DM_PRIV_COUNT);
	out->mode = (HsScanMode) intVal(list_nth(fdw_private, HS_DM_PRIV_MODE));
	out->targets = (List *) list_nth(fdw_private, HS_DM_PRIV_TARGETS);
	out->by_key = boolVal(list_nth(fdw_private, HS_DM_PRIV_BY_KEY));
	out->join = boolVal(list_nth(fdw_private, HS_DM_PRIV_JOIN));
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
				 operation == CMD_INSERT
				 ? errmsg("cannot insert into foreign table \"%s\" with send_at 'commit'",
						  RelationGetRelationName(rel))
				 : errmsg("cannot delete from foreign table \"%s\" with send_at 'commit'",
						  RelationGetRelationName(rel)),
				 errdetail("Only UPDATE can wait for COMMIT; HubSpot would create or archive the records at once."),
				 errhint("Use a table or server with send_at 'statement'.")));
}

/*
 * Send one request "method" (PATCH, DELETE) for the record "id", or for
 * the record whose "id_property" value "id" is (with idProperty), with
 * "body" (may be NULL). With "answer", HubSpot's answer is parsed for
 * "props" (may be none) into it. Counts the request, its retries and the
 * record written. Returns false if there is no such record (404).
 */
bool
hs_write_one(HsWriter *w, const char *method, const char *id,
			 const char *id_property, const char *body, char **props, int nprops,
			 HsObject *answer)
{
	HsHttpRequest req;
	char	   *why;
	char	   *path = psprintf("%s/%s", w->type_path, hs_url_escape(id));

	hs_request_init(&req, w->conn, &w->opts, method, path,
					id_property
					? psprintf("idProperty=%s", hs_url_escape(id_property))
					: NULL,
					body);
	hs_send(&req);
	w->requests++;
	w->retries += req.retries;
	hs_check_response(&req, true);
	if (req.http_status == 404)
		return false;
	if (answer != NULL &&
		!hs_json_parse_object(req.response, req.response_len, props, nprops,
							  answer, &why))
		hs_report_bad_response(&req, why);
	w->applied++;
	hs_stats_rows_written(&req, 1);
	return true;
}
