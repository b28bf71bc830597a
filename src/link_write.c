/*
 * link_write.c
 *		INSERT and DELETE on link tables (option associations_to): INSERT
 *		creates links with associations batch/create through the batches of
 *		hubspot_associate_batch() (assoc_batch.c), or keeps them until COMMIT
 *		with send_at 'commit'; DELETE removes them with associations
 *		batch/archive (a date version's batch/labels/archive) through the
 *		same batches, HS_ASSOC_BATCH_MAX at a time.
 *
 * UPDATE is refused: a link has nothing to change but its ends and type,
 * which make it another link. Reading is links.c's.
 */
#include "postgres.h"

#include "write.h"

#include "access/table.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* Junk columns carrying a deleted link's from id, to id and type. */
#define HS_LINK_JUNK_FROM "hubspot_link_from"
#define HS_LINK_JUNK_TO "hubspot_link_to"
#define HS_LINK_JUNK_TYPE "hubspot_link_type"

/* One column of a link: its attnum (or junk column) and converter. */
typedef struct HsLinkCol
{
	AttrNumber	attno;			/* INSERT: the table's; DELETE: the junk's */
	HsConverter conv;
	const char *name;
} HsLinkCol;

/* Executor state of an INSERT or DELETE of a link table. */
typedef struct HsLinkModifyState
{
	HsModifyHeader hdr;			/* first: see hs_modify_operation() */
	HsTableOptions opts;
	HsConnection *conn;
	HsLinkCol	from;
	HsLinkCol	to;
	HsLinkCol	type;
	HsLinkCol	type_id;		/* INSERT: association_type_id, if a column */
	MemoryContext row_cxt;		/* one row's work, reset for the next */

	/* the batches of hubspot_associate_batch(), creating or removing */
	HsAssocBatchState batch;
	HsAssocGroup *group;
	int64		queued;			/* INSERT: kept for COMMIT */
	HsIdSet    *seen;			/* DELETE: links removed by this statement */
} HsLinkModifyState;

StaticAssertDecl(offsetof(HsLinkModifyState, hdr) == 0,
				 "hs_modify_operation() reads hdr first");

/*
 * Planner: the row identity of a DELETE of a link table: its from id, to
 * id and type, as three junk columns. UPDATE is refused here, before
 * PostgreSQL plans it.
 */
void
hs_link_add_targets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte,
					Relation rel)
{
	static const char *const names[][2] = {
		{HS_LINK_FROM_ID, HS_LINK_JUNK_FROM},
		{HS_LINK_TO_ID, HS_LINK_JUNK_TO},
		{HS_LINK_TYPE, HS_LINK_JUNK_TYPE}
	};
	List	   *columns = hs_get_columns(rel);
	int			i;

	if (root->parse->commandType != CMD_DELETE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot update links of foreign table \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail("A link is its two records and its type; changing any of them makes it another link."),
				 errhint("Delete the link and insert the new one.")));
	for (i = 0; i < lengthof(names); i++)
	{
		HsColumn   *col = hs_find_column(columns, names[i][0]);

		add_row_identity_var(root, makeVar(rtindex, col->attnum, col->typid, col->typmod,
										   get_typcollation(col->typid), 0),
							 rtindex, names[i][1]);
	}
}

/*
 * Planner: an INSERT or DELETE of a link table. RETURNING is refused (links
 * are created and removed in batches, with no answer per row), and so is a
 * DELETE that would wait for COMMIT.
 */
List *
hs_link_plan_modify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	HsTableOptions opts;

	hs_get_table_options(rte->relid, &opts);
	(void) hs_get_columns(rel);	/* checks the link columns */
	if (hs_returning_list(plan, subplan_index) != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("RETURNING is not supported on link table \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail("Links are created and removed in batches; HubSpot's answer does not say which row created or removed which link.")));
	if (plan->operation == CMD_DELETE && opts.send_at_commit)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot delete links of foreign table \"%s\" with send_at 'commit'",
						RelationGetRelationName(rel)),
				 errdetail("Only the creation of links is kept until COMMIT."),
				 errhint("Set the table option send_at to 'statement' for the statement's transaction.")));
	table_close(rel, NoLock);
	return NIL;
}

/* Set up "c" as the column "name" of "columns" (NULL: no such column). */
static void
hs_link_col_init(HsLinkCol *c, List *columns, const char *name, AttrNumber attno)
{
	HsColumn   *col = hs_find_column(columns, name);

	c->name = name;
	c->attno = col ? (AttributeNumberIsValid(attno) ? attno : col->attnum) : InvalidAttrNumber;
	if (col)
		hs_converter_init_column(&c->conv, col);
}

/* The junk column "name" of the plan under "mtstate". */
static AttrNumber
hs_link_junk(ModifyTableState *mtstate, const char *name)
{
	AttrNumber	attno = ExecFindJunkAttributeInTlist(outerPlanState(mtstate)->plan->targetlist,
													 name);

	if (!AttributeNumberIsValid(attno))
		elog(ERROR, "could not find junk column \"%s\"", name);
	return attno;
}

/*
 * Executor: set up an INSERT (also COPY: "mtstate" NULL) or a DELETE of
 * link table "rinfo".
 */
void
hs_link_begin_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo, EState *estate,
					 CmdType operation, int eflags)
{
	HsLinkModifyState *st = palloc0(sizeof(HsLinkModifyState));
	Relation	rel = rinfo->ri_RelationDesc;
	List	   *columns = hs_get_columns(rel);
	bool		del = operation == CMD_DELETE;

	rinfo->ri_FdwState = st;
	st->hdr.operation = operation;
	st->hdr.links = true;
	hs_get_table_options(RelationGetRelid(rel), &st->opts);
	hs_link_col_init(&st->from, columns, HS_LINK_FROM_ID,
					 del ? hs_link_junk(mtstate, HS_LINK_JUNK_FROM) : InvalidAttrNumber);
	hs_link_col_init(&st->to, columns, HS_LINK_TO_ID,
					 del ? hs_link_junk(mtstate, HS_LINK_JUNK_TO) : InvalidAttrNumber);
	hs_link_col_init(&st->type, columns, HS_LINK_TYPE,
					 del ? hs_link_junk(mtstate, HS_LINK_JUNK_TYPE) : InvalidAttrNumber);
	if (!del)
		hs_link_col_init(&st->type_id, columns, HS_LINK_TYPE_ID, InvalidAttrNumber);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	st->conn = hs_connection_for_table(RelationGetRelid(rel),
									   hs_result_rel_user(rinfo, estate));
	st->row_cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw link row",
										ALLOCSET_SMALL_SIZES);
	if (del)
		st->seen = hs_idset_create(estate->es_query_cxt);
	st->batch.cxt = estate->es_query_cxt;
	st->batch.flush_cxt = AllocSetContextCreate(estate->es_query_cxt,
												"hubspot_fdw association batch",
												ALLOCSET_DEFAULT_SIZES);
	st->batch.what = del ? "this DELETE" : "this INSERT";
	st->group = MemoryContextAllocZero(estate->es_query_cxt, sizeof(HsAssocGroup));
	hs_assoc_group_init(st->group, estate->es_query_cxt, st->conn, &st->opts,
						st->opts.object_type, st->opts.associations_to, del);
}

/*
 * The value of link column "c" in "slot" (its junk column for a DELETE),
 * as HubSpot's UTF-8 string; NULL when the row has NULL there.
 */
static char *
hs_link_value(HsLinkCol *c, TupleTableSlot *slot, bool junk)
{
	bool		isnull = true;
	Datum		d;

	if (!AttributeNumberIsValid(c->attno))
		return NULL;
	d = junk ? ExecGetJunkAttribute(slot, c->attno, &isnull)
		: slot_getattr(slot, c->attno, &isnull);
	if (isnull)
		return NULL;
	return hs_to_utf8(hs_datum_to_value(&c->conv, d, false));
}

/* Refuse a link row without column "name". */
static void
hs_link_null(Relation rel, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("null value in column \"%s\" of link table \"%s\"", name,
					RelationGetRelationName(rel)),
			 errdetail("A link needs its from id, its to id and its type (association_type, or association_type_id).")));
}

/*
 * Executor: one link to create, buffered into batch/create (sent when 100
 * are buffered) or kept until COMMIT.
 */
TupleTableSlot *
hs_link_exec_insert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot)
{
	HsLinkModifyState *st = (HsLinkModifyState *) rinfo->ri_FdwState;
	Relation	rel = rinfo->ri_RelationDesc;
	MemoryContext old;
	HsAssocInput in = {0};

	MemoryContextReset(st->row_cxt);
	old = MemoryContextSwitchTo(st->row_cxt);
	in.from_id = hs_link_value(&st->from, slot, false);
	in.to_id = hs_link_value(&st->to, slot, false);
	in.type = hs_link_value(&st->type, slot, false);
	if (in.type == NULL)
		in.type = hs_link_value(&st->type_id, slot, false);
	if (in.from_id == NULL || in.to_id == NULL)
		hs_link_null(rel, in.from_id == NULL ? HS_LINK_FROM_ID : HS_LINK_TO_ID);
	if (in.type == NULL)
		hs_link_null(rel, HS_LINK_TYPE);
	if (hs_api_is_dated(&st->opts))
		hs_assoc_resolve(st->conn, &st->opts, st->opts.object_type,
						 st->opts.associations_to, in.type, &in, "the association_type column");
	if (st->opts.send_at_commit)
	{
		hs_defer_association(st->conn, &st->opts, st->opts.object_type,
							 st->opts.associations_to, &in);
		st->queued++;
	}
	else
		hs_assoc_add(&st->batch, st->group, in.from_id, in.to_id, in.type, in.category,
					 in.type_id);
	MemoryContextSwitchTo(old);
	return slot;
}

/*
 * Executor: one link to remove, buffered into a removal of the group's
 * (sent when HS_ASSOC_BATCH_MAX are buffered). A link the statement already
 * removed is not sent again.
 */
TupleTableSlot *
hs_link_exec_delete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					TupleTableSlot *planSlot)
{
	HsLinkModifyState *st = (HsLinkModifyState *) rinfo->ri_FdwState;
	MemoryContext old;
	HsAssocInput in = {0};
	char	   *from;
	char	   *to;
	char	   *type;

	MemoryContextReset(st->row_cxt);
	old = MemoryContextSwitchTo(st->row_cxt);
	from = hs_link_value(&st->from, planSlot, true);
	to = hs_link_value(&st->to, planSlot, true);
	type = hs_link_value(&st->type, planSlot, true);
	MemoryContextSwitchTo(old);
	if (from == NULL || to == NULL || type == NULL)
		return NULL;			/* no link has a NULL end or type */
	if (!hs_idset_add(st->seen, hs_idset_key(st->seen, 3, from, to, type)))
		return NULL;			/* removed by this statement already */
	if (hs_api_is_dated(&st->opts))
		hs_assoc_resolve(st->conn, &st->opts, st->opts.object_type,
						 st->opts.associations_to, type, &in, "the association_type column");
	/* one input per pair in a batch, as for batch/create: the order holds */
	hs_assoc_add(&st->batch, st->group, from, to, type, in.category, in.type_id);
	return slot;
}

/* Executor: send what is still buffered (batch/create or batch/archive). */
void
hs_link_end_modify(EState *estate, ResultRelInfo *rinfo)
{
	HsLinkModifyState *st = (HsLinkModifyState *) rinfo->ri_FdwState;

	if (st == NULL || st->conn == NULL)
		return;
	hs_assoc_flush(&st->batch, st->group);
}

/* EXPLAIN of an INSERT or DELETE of a link table: the requests it sends. */
void
hs_link_explain_modify(ResultRelInfo *rinfo, ExplainState *es)
{
	HsLinkModifyState *st = (HsLinkModifyState *) rinfo->ri_FdwState;
	bool		del = st->hdr.operation == CMD_DELETE;

	if (!del && st->opts.send_at_commit)
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s at COMMIT (up to %d links each)",
									 hs_assoc_batch_path(&st->opts, false, st->opts.object_type,
								st->opts.associations_to, "create"),
									 HS_ASSOC_BATCH_MAX), es);
	else
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s (up to %d links each)",
									 del ? hs_assoc_remove_path(&st->opts, st->opts.object_type,
															   st->opts.associations_to)
									 : hs_assoc_batch_path(&st->opts, false, st->opts.object_type,
								st->opts.associations_to, "create"),
									 HS_ASSOC_BATCH_MAX), es);
	if (es->analyze)
	{
		/* the last batch is sent at the end of the statement, after this */
		hs_link_end_modify(NULL, rinfo);
		if (st->conn)
		{
			ExplainPropertyInteger("HubSpot Requests Sent", NULL, st->batch.batches, es);
			ExplainPropertyInteger(del ? "HubSpot Links Removed" : "HubSpot Links Created",
								   NULL, del ? st->batch.removed : st->batch.created, es);
		}
	}
}
