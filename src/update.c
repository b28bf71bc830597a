/*
 * update.c
 *		UPDATE of HubSpot objects.
 *
 * Three ways, chosen at plan time:
 *	- direct modify: UPDATE ... SET <values known before any read>
 *	  WHERE id = x (or id IN (...)) sends PATCH (or batch/update) with no
 *	  read at all; so does UPDATE ... SET <values of the other relations>
 *	  FROM ... WHERE id = <their expression>, planned as a bind join: the
 *	  join's other side gives the ids and values of batch/update inputs;
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

#include "write.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "executor/executor.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

/* Indexes into fdw_private of a ModifyTable (PlanForeignModify). */
enum HsModifyPrivate
{
	HS_MOD_PRIV_TARGETS,		/* IntList: attnums sent to HubSpot */
	HS_MOD_PRIV_RETURNING,		/* IntList: attnums RETURNING needs */
	HS_MOD_PRIV_PER_ROW			/* Boolean: PATCH each row */
};


/* Executor state of a (batched or per-row) UPDATE. */
typedef struct HsModifyState
{
	HsModifyHeader hdr;			/* first: CMD_UPDATE, see hs_modify_operation() */
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

StaticAssertDecl(offsetof(HsModifyState, hdr) == 0,
				 "hs_modify_operation() reads hdr first");

/* Executor state of a direct UPDATE. */
typedef struct HsDirectState
{
	HsWriter	w;
	List	   *ids;
	char	  **values;			/* per target, NULL clears */
	bool		done;

	/* UPDATE ... FROM (HsDirectPlan.join): per outer row */
	bool		join;
	int			nouter;			/* outer columns leading the scan tuple */
	HsBindKey	key;			/* how the record ids are sent */
	ExprState  *key_state;		/* the record id */
	List	   *value_states;	/* the new values, one per target */
	HsIdSet    *seen;			/* ids sent so far: each once */
} HsDirectState;

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
	st->hdr.operation = CMD_UPDATE;
	st->rel = rinfo->ri_RelationDesc;
	st->per_row = boolVal(list_nth(fdw_private, HS_MOD_PRIV_PER_ROW));
	hs_writer_init(&st->w, st->rel, CMD_UPDATE, targets,
				   (eflags & EXEC_FLAG_EXPLAIN_ONLY) ? InvalidOid
				   : hs_result_rel_user(rinfo, estate),
				   !(eflags & EXEC_FLAG_EXPLAIN_ONLY), true);
	st->w.kind = &hs_batch_update;
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
	if (!hs_write_one(&st->w, "PATCH", in.id, in.id_property,
					  hs_json_properties_body(&in),
					  st->returning.props, st->returning.n, &answer))
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
				 errmsg("cannot update a row of foreign table \"%s\" whose column \"%s\" is null",
						RelationGetRelationName(st->rel), st->w.idconv.attname),
				 st->w.id_property
				 ? errdetail("Each row names its record by its value of id_property \"%s\".",
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
 * Does "expr" (a new value, or a record id) use nothing of relation "relid"
 * and nothing that must not run once per row of the other relations
 * (volatile functions, subqueries)?
 */
static bool
hs_direct_join_expr_ok(PlannerInfo *root, Node *expr, Index relid)
{
	return !bms_is_member(relid, pull_varnos(root, expr)) &&
		!contain_volatile_functions(expr) && !contain_subplans(expr);
}

/*
 * Planner: UPDATE t SET <values of the other relations> FROM ... WHERE
 * t.id = <expression of them>, planned as a bind join that is the
 * statement's last join (each record joined once) with no other condition
 * on t. Replaces the join with a direct UPDATE over its outer plan, which
 * sends each outer row's record id and values in batch/update inputs and
 * reads nothing: the records HubSpot lacks are the inputs it answers
 * OBJECT_NOT_FOUND. Keys by id_property stay joined: HubSpot matches some
 * of their values its own way (email in any case), and PostgreSQL's
 * equality must decide, as in the join.
 */
static bool
hs_plan_direct_join(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					int subplan_index, RangeTblEntry *rte)
{
	Plan	   *join = outerPlan(plan);
	HsBindJoinParts bj;
	List	   *processed_tlist = NIL;
	List	   *targets = NIL;
	List	   *exprs;
	ListCell   *lc;
	ListCell   *lc2;
	ForeignScan *fscan;
	HsDirectPlan direct;
	Relation	rel;

	if (join == NULL || !hs_bind_join_parts(join, &bj) ||
		bj.inner_relid != resultRelation || bj.jointype != JOIN_INNER ||
		!bj.unique || !bj.only_key || bj.by_key ||
		hs_returning_list(plan, subplan_index) != NIL ||
		!hs_direct_join_expr_ok(root, (Node *) bj.key_expr, resultRelation))
		return false;

	/* fdw_exprs: the record id, then the new values, one per target attnum */
	get_translated_update_targetlist(root, resultRelation, &processed_tlist, &targets);
	exprs = list_make1(copyObject(bj.key_expr));
	/* the new values are the first entries, one per target (junk follows) */
	forboth(lc, processed_tlist, lc2, targets)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!hs_direct_join_expr_ok(root, (Node *) tle->expr, resultRelation))
			return false;
		exprs = lappend(exprs, tle->expr);
	}
	rel = table_open(rte->relid, NoLock);
	hs_check_targets(rel, hs_get_columns(rel), targets);
	table_close(rel, NoLock);

	/*
	 * The scan tuple and target list stay the join's, so that setrefs.c
	 * finds every Var (the junk columns ModifyTable looks for by name among
	 * them); only the outer columns are filled at run time.
	 */
	fscan = make_foreignscan(join->targetlist, NIL, resultRelation, exprs, NIL,
							 list_copy(bj.scan_tlist), NIL, bj.outer_plan);
	fscan->operation = CMD_UPDATE;
	fscan->resultRelation = resultRelation;
	fscan->fs_server = GetForeignTable(rte->relid)->serverid;
	hs_foreignscan_set_rel(fscan, resultRelation, bj.userid);
	fscan->scan.plan.startup_cost = join->startup_cost;
	fscan->scan.plan.total_cost = join->total_cost;
	fscan->scan.plan.plan_rows = join->plan_rows;
	fscan->scan.plan.plan_width = join->plan_width;
	fscan->scan.plan.parallel_safe = false;
	direct.mode = HS_SCAN_IDS;
	direct.targets = targets;
	direct.by_key = false;
	direct.join = true;
	fscan->fdw_private = hs_direct_plan_pack(&direct);
	outerPlan(plan) = &fscan->scan.plan;
	return true;
}

/*
 * Planner: turn UPDATE ... SET <values known up front> WHERE id = x (or
 * id IN (...), or the same on the id_property's column) with nothing else
 * to check into requests that need no read; and UPDATE ... FROM over a
 * bind join into batch/update of the other side's rows
 * (hs_plan_direct_join).
 */
bool
hsPlanDirectModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
				   int subplan_index)
{
	ForeignScan *fscan;
	int			mode;
	bool		by_key;
	HsDirectPlan direct;
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
	if (hs_enable_bind_join &&
		hs_plan_direct_join(root, plan, resultRelation, subplan_index, rte))
		return true;
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
	direct.mode = (HsScanMode) mode;
	direct.targets = targets;
	direct.by_key = by_key;
	direct.join = false;
	fscan->fdw_private = hs_direct_plan_pack(&direct);
	return true;
}

/* Executor: set up a direct UPDATE (ids and values come at the first Iterate). */
void
hsBeginDirectModify(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	HsDirectState *st = palloc0(sizeof(HsDirectState));
	HsDirectPlan direct;
	bool		explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;

	hs_direct_plan_unpack(fsplan->fdw_private, &direct);
	node->fdw_state = st;
	hs_writer_init(&st->w, node->ss.ss_currentRelation, CMD_UPDATE, direct.targets,
				   explain_only ? InvalidOid : hs_scan_user(fsplan, estate),
				   !explain_only, direct.by_key);
	st->w.kind = &hs_batch_update;
	st->join = direct.join;
	if (direct.join)
	{
		Expr	   *key_expr = linitial(fsplan->fdw_exprs);

		/* ExecInitForeignScan has set up the outer plan already */
		st->nouter = ExecGetResultType(outerPlanState(node))->natts;
		hs_bind_key_init(&st->key, key_expr,
						 hs_find_id_column(hs_get_columns(node->ss.ss_currentRelation)),
						 false);
		st->key_state = ExecInitExpr(key_expr, &node->ss.ps);
		st->value_states = ExecInitExprList(list_delete_first(list_copy(fsplan->fdw_exprs)),
											&node->ss.ps);
		st->seen = hs_idset_create(estate->es_query_cxt);
	}
}

/*
 * Evaluate the ids and new values of a direct UPDATE. Done at the first
 * Iterate call, not at Begin: initPlans feeding Params are set up later.
 */
static void
hs_direct_eval(ForeignScanState *node, HsDirectState *st)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	MemoryContext old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
	HsDirectPlan direct;
	List	   *value_states;
	ListCell   *lc;
	int			i = 0;

	hs_direct_plan_unpack(fsplan->fdw_private, &direct);
	/* fdw_exprs: the id expression, then one expression per target */
	st->ids = hs_eval_id_exprs(list_make1(linitial(fsplan->fdw_exprs)),
							   direct.mode == HS_SCAN_IDS, &node->ss.ps, &st->w.idconv);
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

/*
 * UPDATE ... FROM: one batch/update input per outer row, with the record
 * id and new values its expressions give, batch_size inputs a request. The
 * first row naming a record is used (as the join would: each record once);
 * a NULL or impossible id sends nothing. Returns the records HubSpot
 * updated: inputs it answers OBJECT_NOT_FOUND are records it does not have.
 */
static int
hs_direct_join(ForeignScanState *node, HsDirectState *st)
{
	PlanState  *outer = outerPlanState(node);
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	TupleTableSlot *scan = node->ss.ss_ScanTupleSlot;
	int			bs = st->w.opts.batch_size;
	MemoryContext old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
	MemoryContext cxt = NULL;	/* the batch being filled, and its strings */
	HsWriteInput *inputs = NULL;
	int			n = 0;
	int			seq = 0;

	for (;;)
	{
		TupleTableSlot *slot;
		HsWriteInput *in;
		ListCell   *lc;
		bool		isnull;
		Datum		d;
		char	   *key;
		int			i = 0;

		CHECK_FOR_INTERRUPTS();
		slot = ExecProcNode(outer);
		if (TupIsNull(slot))
			break;
		ResetExprContext(econtext);
		slot_getallattrs(slot);
		hs_bind_store_outer(scan, slot, st->nouter);
		ExecStoreVirtualTuple(scan);
		econtext->ecxt_scantuple = scan;

		MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
		d = ExecEvalExpr(st->key_state, econtext, &isnull);
		key = hs_bind_key_value(&st->key, d, isnull);
		if (key == NULL || !hs_is_record_id(key) || !hs_idset_add(st->seen, key))
		{
			MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
			continue;
		}
		if (cxt == NULL)
		{
			cxt = AllocSetContextCreate(node->ss.ps.state->es_query_cxt,
										"hubspot_fdw batch", ALLOCSET_SMALL_SIZES);
			inputs = MemoryContextAllocZero(cxt, sizeof(HsWriteInput) * bs);
			n = 0;
		}
		in = &inputs[n++];
		in->id = MemoryContextStrdup(cxt, key);
		in->trace_id = MemoryContextStrdup(cxt, psprintf("%d", ++seq));
		in->nprops = st->w.ntargets;
		in->names = st->w.target_props;
		in->values = MemoryContextAllocZero(cxt, sizeof(char *) * Max(st->w.ntargets, 1));
		foreach(lc, st->value_states)
		{
			char	   *value;

			d = ExecEvalExpr((ExprState *) lfirst(lc), econtext, &isnull);
			value = hs_datum_to_value(&st->w.target_convs[i], d, isnull);
			in->values[i++] = value ? MemoryContextStrdup(cxt, value) : NULL;
		}
		MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
		if (n == bs)
		{
			/* the ids are distinct: batches need not wait for each other */
			hs_batch_submit(&st->w, cxt, inputs, n, true);
			cxt = NULL;
		}
	}
	if (cxt != NULL)
		hs_batch_submit(&st->w, cxt, inputs, n, true);
	hs_batch_drain(&st->w);
	MemoryContextSwitchTo(old);
	return st->w.applied;
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
	if (st->join)
	{
		estate->es_processed += hs_direct_join(node, st);
		return ExecClearTuple(slot);
	}
	hs_direct_eval(node, st);
	nids = list_length(st->ids);

	if (nids == 1)
	{
		HsWriteInput in = {linitial(st->ids), NULL, st->w.ntargets,
		st->w.target_props, st->values, st->w.id_property};
		HsObject	answer;

		updated = hs_write_one(&st->w, "PATCH", in.id, in.id_property,
							   hs_json_properties_body(&in), NULL, 0,
							   &answer) ? 1 : 0;
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
	HsDirectPlan direct;

	hs_direct_plan_unpack(fsplan->fdw_private, &direct);
	if (direct.join)
	{
		List	   *context = set_deparse_context_plan(es->deparse_cxt,
													   &fsplan->scan.plan, NIL);

		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/update (direct, no read, up to %d ids each, from the rows below)",
									 st->w.type_path, st->w.opts.batch_size), es);
		ExplainPropertyText("HubSpot Ids",
							deparse_expression(linitial(fsplan->fdw_exprs), context,
											   list_length(es->rtable) > 1 || es->verbose,
											   false), es);
	}
	else if (direct.mode == HS_SCAN_ID && st->w.id_property)
		ExplainPropertyText("HubSpot Request",
							psprintf("PATCH %s/{%s}?idProperty=%s (direct, no read)",
									 st->w.type_path, st->w.id_property,
									 st->w.id_property), es);
	else if (direct.mode == HS_SCAN_ID)
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
	hs_explain_writer(&st->w, direct.mode == HS_SCAN_ID ? 1
					  : hs_batch_concurrency(&st->w), es);
}
