/*
 * modify.c
 *		UPDATE of HubSpot objects.
 *
 * Three ways, chosen at plan time:
 *	- direct modify: UPDATE ... SET <values known before any read>
 *	  WHERE id = x (or id IN (...)) sends PATCH (or batch/update) with no
 *	  read at all;
 *	- batched: rows from a scan are buffered and sent as batch/update, at
 *	  most batch_size inputs per request, never the same id twice in one;
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
#include "common/hashfn.h"
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
#include "utils/hsearch.h"
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
	int			nreturning;
	AttrNumber *returning;
	char	  **returning_props;
	HsConverter *returning_convs;
	MemoryContext row_cxt;

	/* batched */
	MemoryContext batch_cxt;
	HsWriteInput *inputs;
	int			ninputs;
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

/* Refuse INSERT and DELETE, saying why for the partner object types. */
void
hs_refuse_operation(CmdType operation, Relation rel, const char *object_type)
{
	const char *what = operation == CMD_INSERT ? "INSERT into" : "DELETE from";

	if (strcmp(object_type, "partner_clients") == 0 ||
		strcmp(object_type, "partner_services") == 0)
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

/* The record id column of "rel", or an error naming the table. */
static HsColumn *
hs_require_id_column(Relation rel, List *columns)
{
	HsColumn   *idcol = hs_find_id_column(columns);

	if (idcol == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no \"id\" column",
						RelationGetRelationName(rel)),
				 errhint("UPDATE identifies HubSpot records by a column named \"id\" holding the record id.")));
	return idcol;
}

/*
 * The column identifying the rows of "rel" that UPDATE sends: the
 * id_property's column when the table has that option (and use_key),
 * else "id". An error names what is missing.
 */
static HsColumn *
hs_identity_column(Relation rel, List *columns, const HsTableOptions *opts,
				   bool use_key)
{
	HsColumn   *col;

	if (opts->id_property == NULL || !use_key)
		return hs_require_id_column(rel, columns);
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
							   &opts, true);
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
	List	   *returning = NIL;
	List	   *returning_list = NIL;
	bool		per_row;
	ListCell   *lc;

	hs_get_table_options(rte->relid, &opts);
	if (operation != CMD_UPDATE)
		hs_refuse_operation(operation, rel, opts.object_type);
	(void) hs_identity_column(rel, columns, &opts, true);

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
 * Set up the writer of "rel" for "targets", acting as "userid"; rows are
 * named by the id_property's values if by_key, else by record ids.
 */
static void
hs_writer_init(HsWriter *w, Relation rel, List *targets, Oid userid, bool connect,
			   bool by_key)
{
	List	   *columns = hs_get_columns(rel);
	HsColumn   *idcol;

	w->cxt = CurrentMemoryContext;
	hs_get_table_options(RelationGetRelid(rel), &w->opts);
	idcol = hs_identity_column(rel, columns, &w->opts, by_key);
	w->id_property = idcol->is_id ? NULL : w->opts.id_property;
	w->type_path = psprintf("/crm/v3/objects/%s", hs_url_escape(w->opts.object_type));
	w->ntargets = list_length(targets);
	hs_resolve_columns(columns, targets, &w->targets, &w->target_props,
					   &w->target_convs);
	hs_converter_init_column(&w->idconv, idcol);
	if (connect)
		w->conn = hs_connection_for_table(RelationGetRelid(rel), userid);
}

/* The user whose mapping an UPDATE of range table entry "rti" uses. */
Oid
hs_modify_user(EState *estate, Index rti)
{
	RangeTblEntry *rte = exec_rt_fetch(rti, estate);

	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
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

/* Error context of a batch: what this statement has already written. */
void
hs_batch_error_context(void *arg)
{
	HsWriter   *w = (HsWriter *) arg;

	errcontext("batch %d of %s of %s; %d row(s) were applied in HubSpot before this batch and stay applied (HubSpot has no transactions)",
			   w->batches, w->what ? w->what : "this UPDATE", w->opts.object_type,
			   w->applied);
}

/* Append "id (CATEGORY: message)" for failed input "id" to "buf". */
void
hs_describe_failure(StringInfo buf, const char *id, const HsBatchError *e)
{
	if (buf->len > 0)
		appendStringInfoString(buf, "; ");
	appendStringInfo(buf, "%s", id);
	if (e)
		appendStringInfo(buf, " (%s: %s)", e->category ? e->category : "error",
						 e->message ? e->message : "no message");
	else
		appendStringInfoString(buf, " (not in HubSpot's answer)");
}

/* Which error of "res" (if any) names input "in"? */
const HsBatchError *
hs_find_input_error(const HsBatchResult *res, const HsWriteInput *in)
{
	int			i;
	ListCell   *lc;

	for (i = 0; i < res->nerrors; i++)
	{
		foreach(lc, res->errors[i].ids)
			if (strcmp((char *) lfirst(lc), in->id) == 0)
				return &res->errors[i];
		if (in->trace_id)
			foreach(lc, res->errors[i].trace_ids)
				if (strcmp((char *) lfirst(lc), in->trace_id) == 0)
					return &res->errors[i];
	}
	return NULL;
}

/*
 * Is input "in" among the results of "res"? A result answers an input with
 * the same objectWriteTraceId. Otherwise, results carry the record id: it
 * must equal the input's id or, for an input named by its id_property
 * value, the result's value of that property must equal that value or the
 * new one the input sets. "res" was parsed for the properties key_props.
 */
bool
hs_input_confirmed(const HsBatchResult *res, const HsWriteInput *in,
				   char **key_props, int nkeys)
{
	const char *new_key = NULL;
	int			k = -1;
	int			i;

	if (in->id_property)
	{
		for (i = 0; i < nkeys; i++)
			if (strcmp(key_props[i], in->id_property) == 0)
				k = i;
		for (i = 0; i < in->nprops; i++)
			if (strcmp(in->names[i], in->id_property) == 0)
				new_key = in->values[i];
	}

	for (i = 0; i < res->nresults; i++)
	{
		const HsObject *r = &res->results[i];

		if (in->trace_id && r->trace_id && strcmp(r->trace_id, in->trace_id) == 0)
			return true;
		if (in->id_property == NULL)
		{
			if (strcmp(r->id, in->id) == 0)
				return true;
		}
		else if (k >= 0 && r->values && r->values[k] &&
				 (strcmp(r->values[k], in->id) == 0 ||
				  (new_key && strcmp(r->values[k], new_key) == 0)))
			return true;
	}
	return false;
}

/* One batch/update request in flight, with everything it owns. */
typedef struct HsBatchFlight
{
	MemoryContext cxt;			/* inputs, request and answer */
	HsWriteInput *inputs;
	int			ninputs;
	bool		missing_ok;
	int			batchno;
	char	  **key_props;		/* id_properties naming inputs */
	int			nkeys;
	HsHttpRequest req;
} HsBatchFlight;

/* The busy-set key of an input: a hash of its id (and id_property). */
static uint64
hs_input_key(const HsWriteInput *in)
{
	uint64		h = hash_bytes_extended((const unsigned char *) in->id, strlen(in->id), 0);

	if (in->id_property)
		h ^= hash_bytes_extended((const unsigned char *) in->id_property,
								 strlen(in->id_property), 1);
	return h;
}

/* Count the inputs of "f" in or out of the writer's busy set. */
static void
hs_busy_update(HsWriter *w, HsBatchFlight *f, bool add)
{
	typedef struct
	{
		uint64		key;
		int			count;
	}			BusyEntry;
	int			i;

	if (w->busy == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(BusyEntry);
		ctl.hcxt = w->cxt ? w->cxt : CurrentMemoryContext;
		w->busy = hash_create("hubspot_fdw ids in flight", 1024, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	for (i = 0; i < f->ninputs; i++)
	{
		uint64		key = hs_input_key(&f->inputs[i]);
		bool		found;
		BusyEntry  *e = hash_search(w->busy, &key, add ? HASH_ENTER : HASH_FIND, &found);

		if (add)
			e->count = found ? e->count + 1 : 1;
		else if (e && --e->count == 0)
			(void) hash_search(w->busy, &key, HASH_REMOVE, NULL);
	}
}

/* Is a write of this input's record in flight? */
bool
hs_batch_id_busy(HsWriter *w, const HsWriteInput *input)
{
	uint64		key;

	if (w->busy == NULL || w->nflights == 0)
		return false;
	key = hs_input_key(input);
	return hash_search(w->busy, &key, HASH_FIND, NULL) != NULL;
}

/*
 * Wait for the oldest batch in flight and check every input against the
 * answer. With missing_ok, inputs HubSpot reports as OBJECT_NOT_FOUND are
 * not an error (direct modify: no such row). Raises, naming the failed
 * inputs, if any failed; batches still in flight are then reported by the
 * abort warning.
 */
static void
hs_batch_retire(HsWriter *w)
{
	HsBatchFlight *f = w->flights[0];
	HsHttpRequest *req = &f->req;
	HsBatchResult res;
	ErrorContextCallback errcb;
	MemoryContext old = MemoryContextSwitchTo(f->cxt);
	char	   *why;
	StringInfoData failed;
	int			nfailed = 0;
	int			nunconfirmed = 0;
	int			napplied = 0;
	int			sqlstate = ERRCODE_FDW_ERROR;
	int			i;

	w->batches = f->batchno;
	errcb.callback = hs_batch_error_context;
	errcb.arg = w;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	hs_send_complete(req);
	w->requests++;
	w->retries += req->retries;
	hs_check_response(req, false);
	if (!hs_json_parse_batch(req->response, req->response_len,
							 f->key_props, f->nkeys, &res, &why))
		hs_report_bad_response(req, why);

	initStringInfo(&failed);
	for (i = 0; i < f->ninputs; i++)
	{
		const HsBatchError *e = hs_find_input_error(&res, &f->inputs[i]);

		if (e == NULL && hs_input_confirmed(&res, &f->inputs[i], f->key_props, f->nkeys))
		{
			napplied++;
			continue;
		}
		if (e && f->missing_ok && e->category &&
			strcmp(e->category, "OBJECT_NOT_FOUND") == 0)
			continue;
		if (e)
		{
			if (nfailed == 0)
				sqlstate = hs_category_sqlstate(e->category, NULL, 400);
			nfailed++;
		}
		else
			nunconfirmed++;
		if (nfailed + nunconfirmed <= 20)
			hs_describe_failure(&failed, f->inputs[i].id, e);
	}
	if (nfailed + nunconfirmed > 20)
		appendStringInfo(&failed, "; and %d more", nfailed + nunconfirmed - 20);
	hs_stats_rows_written(req, napplied);

	if (nfailed > 0 || nunconfirmed > 0)
	{
		w->applied += napplied;
		error_context_stack = errcb.previous;
		ereport(ERROR,
				(errcode(sqlstate),
				 nfailed > 0
				 ? errmsg("HubSpot rejected %d of %d inputs of a batch update of %s",
						  nfailed + nunconfirmed, f->ninputs, w->opts.object_type)
				 : errmsg("HubSpot did not confirm %d of %d inputs of a batch update of %s",
						  nunconfirmed, f->ninputs, w->opts.object_type),
				 errdetail("Failed ids: %s. %d input(s) of this batch and %d row(s) before it were applied and stay applied: HubSpot has no transactions.",
						   failed.data, napplied, w->applied - napplied),
				 errcontext("HubSpot request: POST %s (HTTP %ld, correlationId: %s)",
							req->path, req->http_status,
							req->correlation_id[0] ? req->correlation_id : "none")));
	}
	error_context_stack = errcb.previous;
	w->applied += napplied;
	MemoryContextSwitchTo(old);

	hs_busy_update(w, f, false);
	w->nflights--;
	memmove(&w->flights[0], &w->flights[1], sizeof(HsBatchFlight *) * w->nflights);
	MemoryContextDelete(f->cxt);
}

/*
 * Start "inputs" as one batch/update and return while it is in flight,
 * after retiring the oldest batch if max_concurrency are already out.
 * "cxt" holds the inputs' strings and becomes the batch's: it is deleted
 * once the answer is checked. The caller must not put an id in flight
 * twice (hs_batch_id_busy).
 */
void
hs_batch_submit(HsWriter *w, MemoryContext cxt, HsWriteInput *inputs,
				int ninputs, bool missing_ok)
{
	HsBatchFlight *f;
	MemoryContext old;
	int			i;

	while (w->nflights >= Max(1, Min(w->opts.max_concurrency, HS_MAX_PARALLEL)))
		hs_batch_retire(w);

	old = MemoryContextSwitchTo(cxt);
	f = palloc0(sizeof(HsBatchFlight));
	f->cxt = cxt;
	f->ninputs = ninputs;
	f->missing_ok = missing_ok;
	f->batchno = ++w->nsubmitted;
	f->inputs = palloc(sizeof(HsWriteInput) * Max(ninputs, 1));
	memcpy(f->inputs, inputs, sizeof(HsWriteInput) * ninputs);
	/* the id_properties naming inputs: results are parsed for their values */
	f->key_props = palloc(sizeof(char *) * Max(ninputs, 1));
	for (i = 0; i < ninputs; i++)
	{
		int			k;

		if (inputs[i].id_property == NULL)
			continue;
		for (k = 0; k < f->nkeys; k++)
			if (strcmp(f->key_props[k], inputs[i].id_property) == 0)
				break;
		if (k == f->nkeys)
			f->key_props[f->nkeys++] = (char *) inputs[i].id_property;
	}
	hs_request_init(&f->req, w->conn, &w->opts, "POST",
					psprintf("%s/batch/update", w->type_path), NULL,
					hs_json_batch_update_body(inputs, ninputs));
	w->flights[w->nflights++] = f;
	hs_busy_update(w, f, true);
	hs_send_begin(&f->req);		/* its answer will land in cxt */
	MemoryContextSwitchTo(old);
}

/* Wait for and check every batch in flight, oldest first. */
void
hs_batch_drain(HsWriter *w)
{
	while (w->nflights > 0)
		hs_batch_retire(w);
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
	hs_writer_init(&st->w, st->rel, targets,
				   (eflags & EXEC_FLAG_EXPLAIN_ONLY) ? InvalidOid
				   : hs_modify_user(estate, rinfo->ri_RangeTableIndex),
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

	st->nreturning = list_length(returning);
	hs_resolve_columns(hs_get_columns(st->rel), returning, &st->returning,
					   &st->returning_props, &st->returning_convs);
	st->row_cxt = AllocSetContextCreate(estate->es_query_cxt,
										"hubspot_fdw modify row",
										ALLOCSET_SMALL_SIZES);
	st->batch_cxt = AllocSetContextCreate(estate->es_query_cxt,
										  "hubspot_fdw modify batch",
										  ALLOCSET_DEFAULT_SIZES);
	st->inputs = MemoryContextAllocZero(estate->es_query_cxt,
										sizeof(HsWriteInput) * st->batch_size);
}

/* Send the buffered rows, then forget them. */
static void
hs_flush(HsModifyState *st)
{
	MemoryContext parent;

	if (st->ninputs == 0)
		return;
	/* the batch takes its memory along; the next one gets a fresh context */
	parent = MemoryContextGetParent(st->batch_cxt);
	hs_batch_submit(&st->w, st->batch_cxt, st->inputs, st->ninputs, false);
	st->batch_cxt = AllocSetContextCreate(parent, "hubspot_fdw modify batch",
										  ALLOCSET_DEFAULT_SIZES);
	st->ninputs = 0;
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

/*
 * PATCH one row and store HubSpot's answer in the slot (RETURNING, triggers).
 * Runs in the row context, which holds "id" and the stored tuple until the
 * next row.
 */
static TupleTableSlot *
hs_update_row(HsModifyState *st, char *id, TupleTableSlot *slot)
{
	TupleDesc	tupdesc = RelationGetDescr(st->rel);
	HsWriteInput in;
	HsObject	answer;
	Datum	   *values;
	bool	   *nulls;
	HeapTuple	tuple;
	int			i;
	bool		isnull;

	hs_build_input(&st->w, &in, id, slot);
	if (!hs_patch(&st->w, &in, st->returning_props, st->nreturning, &answer))
		return NULL;			/* deleted in HubSpot since it was read */

	slot_getallattrs(slot);
	values = palloc(sizeof(Datum) * tupdesc->natts);
	nulls = palloc(sizeof(bool) * tupdesc->natts);
	memcpy(values, slot->tts_values, sizeof(Datum) * tupdesc->natts);
	memcpy(nulls, slot->tts_isnull, sizeof(bool) * tupdesc->natts);
	for (i = 0; i < st->nreturning; i++)
	{
		int			att = st->returning[i] - 1;
		const char *v = st->returning_props[i] ? answer.values[i] : answer.id;

		values[att] = v ? hs_value_to_datum(&st->returning_convs[i], v, answer.id, &isnull)
			: (Datum) 0;
		nulls[att] = (v == NULL) || isnull;
	}
	tuple = heap_form_tuple(tupdesc, values, nulls);
	ExecForceStoreHeapTuple(tuple, slot, false);
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
	int			i;

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

	/* HubSpot rejects a batch naming one id twice: send the earlier first. */
	for (i = 0; i < st->ninputs; i++)
		if (strcmp(st->inputs[i].id, id) == 0)
		{
			hs_flush(st);
			break;
		}
	/* and two writes of one record must not race: let the earlier land */
	{
		HsWriteInput probe = {.id = id,.id_property = st->w.id_property};

		if (hs_batch_id_busy(&st->w, &probe))
			hs_batch_drain(&st->w);
	}

	MemoryContextSwitchTo(st->batch_cxt);
	in = &st->inputs[st->ninputs++];
	hs_build_input(&st->w, in, pstrdup(id), slot);
	in->trace_id = psprintf("%d", ++st->seq);
	MemoryContextSwitchTo(old);

	if (st->ninputs >= st->batch_size)
		hs_flush(st);
	return slot;
}

/* Executor: send what is still buffered at the end of the statement. */
void
hsEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	HsModifyState *st = (HsModifyState *) rinfo->ri_FdwState;

	if (st == NULL || st->batch_cxt == NULL)
		return;
	hs_flush(st);
	hs_batch_drain(&st->w);
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
	if (es->analyze && st->batch_cxt != NULL)
	{
		hs_flush(st);
		hs_batch_drain(&st->w);
	}
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
	{
		hs_explain_properties(st->w.target_props, st->w.ntargets, es);
		ExplainPropertyInteger("HubSpot Concurrency", NULL,
							   st->per_row || st->deferred ? 1
							   : Max(1, Min(st->w.opts.max_concurrency, HS_MAX_PARALLEL)), es);
	}
	if (es->analyze)
	{
		ExplainPropertyInteger("HubSpot Requests Sent", NULL, st->w.requests, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, st->w.retries, es);
	}
}

/* The ForeignScan scanning "rti" directly under "plan", if any. */
static ForeignScan *
hs_find_modify_scan(ModifyTable *plan, Index rti, int subplan_index)
{
	Plan	   *subplan = outerPlan(plan);

	if (IsA(subplan, Append))
	{
		Append	   *append = (Append *) subplan;

		if (subplan_index >= list_length(append->appendplans))
			return NULL;
		subplan = (Plan *) list_nth(append->appendplans, subplan_index);
	}
	if (IsA(subplan, ForeignScan) && ((ForeignScan *) subplan)->scan.scanrelid == rti)
		return (ForeignScan *) subplan;
	return NULL;
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
	fscan = hs_find_modify_scan(plan, resultRelation, subplan_index);
	if (fscan == NULL || fscan->scan.plan.qual != NIL)
		return false;
	mode = intVal(list_nth(fscan->fdw_private, HS_DM_PRIV_MODE));
	by_key = boolVal(list_nth(fscan->fdw_private, HS_SCAN_PRIV_BY_KEY));
	if (fscan->fdw_exprs == NIL || (mode != HS_SCAN_ID && mode != HS_SCAN_IDS))
		return false;
	if (plan->returningLists &&
		list_nth(plan->returningLists, subplan_index) != NIL)
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
	hs_writer_init(&st->w, node->ss.ss_currentRelation, targets,
				   explain_only ? InvalidOid : hs_modify_user(estate, fsplan->resultRelation),
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
	{
		hs_explain_properties(st->w.target_props, st->w.ntargets, es);
		ExplainPropertyInteger("HubSpot Concurrency", NULL,
							   mode == HS_SCAN_ID ? 1
							   : Max(1, Min(st->w.opts.max_concurrency, HS_MAX_PARALLEL)), es);
	}
	if (es->analyze)
	{
		ExplainPropertyInteger("HubSpot Requests Sent", NULL, st->w.requests, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, st->w.retries, es);
	}
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
