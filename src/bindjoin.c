/*
 * bindjoin.c
 *		Bind joins: a join of a HubSpot table on its id (or on the column of
 *		its id_property) to any other plan, answered by fetching the other
 *		side's keys, up to 100 at a time, with batch/read.
 *
 * The planner offers a CustomScan "HubSpot Bind Join" through
 * set_join_pathlist_hook when the HubSpot table is the inner side of an
 * inner, left, semi or anti join, or of an inner join whose outer side
 * PostgreSQL would make unique (a semi join turned around: IN (SELECT ...)),
 * and a join clause says ft.id = <expression of the outer side> (or
 * ft.key_col = ...). It costs one request per 100 distinct outer keys where
 * the list scan it competes with costs one per 100 records of the table.
 *
 * Instead of making the outer side unique, that last kind joins each record
 * at most once (with the first outer row that finds it); so does the last
 * join of an UPDATE or DELETE of the HubSpot table, which changes a record
 * once however many rows join it. PostgreSQL 18's right semi join is not
 * offered: 15 has none, and the unique kind covers the same queries.
 *
 * At run time it reads the outer rows, keeps them in a tuplestore per batch
 * of up to 100 distinct non-NULL keys, sends that batch's batch/read (up to
 * max_concurrency of them in flight), and joins each buffered outer row
 * with the records its key names. The join clauses are always evaluated
 * again by PostgreSQL on the joined row: HubSpot's matching of key values
 * (email ignores case, for one) may differ from PostgreSQL's equality.
 *
 * An UPDATE ... FROM whose new values need nothing of the records does not
 * run the join at all: update.c takes its outer plan and key expression
 * (hs_bind_join_parts) for a direct UPDATE that sends batch/update only.
 * A link table (associations_to) joins on from_id the same way: its
 * batch/read is the associations one (links.c), each key may find many
 * links, and a link, not a record id, is what "joins at most once" counts.
 *
 * The scan tuple (custom_scan_tlist) is the outer plan's output followed by
 * the HubSpot table's columns the join uses, so setrefs.c turns the target
 * list and the quals into references to it. A whole-row Var of the HubSpot
 * table is built from the record, as a scan builds it: every UPDATE of a
 * foreign table carries one.
 *
 * The path is not offered when the join could not be run this way:
 *	- EvalPlanQual could re-run it (FOR UPDATE/SHARE anywhere in the
 *	  statement, or an UPDATE, DELETE or MERGE of a table that is not a
 *	  HubSpot table): a bind join cannot return one given row again;
 *	- the HubSpot table must keep its unmatched rows (right and full joins);
 *	- the HubSpot table's system columns are used, or the table depends
 *	  laterally on another relation, or a PlaceHolderVar would have to be
 *	  computed at or inside the HubSpot table;
 *	- the outer path is parameterized, or a join clause is pseudoconstant.
 */
#include "postgres.h"

#include <math.h>

#include "read.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/selfuncs.h"
#include "utils/tuplestore.h"

/* Indexes into CustomScan.custom_private of a bind join. */
enum HsBindJoinPrivate
{
	HS_BJ_PRIV_JOINTYPE,		/* Integer: JOIN_INNER, _LEFT, _SEMI or _ANTI */
	HS_BJ_PRIV_UNIQUE,			/* Boolean: each record joins at most once */
	HS_BJ_PRIV_SKIP_SENT,		/* Boolean: a key asked for once is not again */
	HS_BJ_PRIV_NOUTER,			/* Integer: outer columns leading the scan tuple */
	HS_BJ_PRIV_BY_KEY,			/* Boolean: keys are id_property values */
	HS_BJ_PRIV_EXACT,			/* Boolean: records answer keys spelled the same */
	HS_BJ_PRIV_ALL_COLUMNS,		/* Boolean: a whole row is needed: read all */
	HS_BJ_PRIV_PREFETCH,		/* Boolean: several batch/reads in flight */
	HS_BJ_PRIV_USERID			/* Integer: whose user mapping; 0 current user */
};

/* Indexes into CustomScan.custom_exprs of a bind join. */
enum HsBindJoinExprs
{
	HS_BJ_EXPR_KEY,				/* the outer side of the key clause */
	HS_BJ_EXPR_KEY_CLAUSE,		/* the key clause itself */
	HS_BJ_EXPR_JOIN_QUALS		/* List: the other quals deciding a match */
};

/* Indexes into CustomPath.custom_private of a bind join path. */
enum HsBindJoinPathPrivate
{
	HS_BJ_PATH_RESTRICT,		/* List of RestrictInfo: the join's clauses */
	HS_BJ_PATH_KEY,				/* RestrictInfo: the key clause */
	HS_BJ_PATH_OUTER_EXPR,		/* Expr: its outer side */
	HS_BJ_PATH_SETTINGS,		/* List: custom_private of the plan but NOUTER */
	HS_BJ_PATH_INNER_RELID		/* Integer: the HubSpot table's relid */
};

/* One record of a batch's answer, under the key that finds it. */
typedef struct HsBjMatch
{
	const char *key;			/* record id, or its id_property value */
	HsObject   *obj;
} HsBjMatch;

/* Outer rows with up to HS_MAX_BATCH_SIZE distinct keys, and their records. */
typedef struct HsBjBatch
{
	MemoryContext cxt;			/* everything of the batch */
	Tuplestorestate *tuples;	/* the outer rows, in arrival order */
	int			ntuples;
	HsIdSet    *keyset;			/* the keys, once each */
	char	  **keys;
	int			nkeys;
	HsHttpRequest *req;			/* its batch/read; NULL when no key */
	HsBjMatch  *matches;		/* the records, sorted by key when exact */
	int			nmatches;
} HsBjBatch;

/* Executor state of a bind join. */
typedef struct HsBindJoinState
{
	CustomScanState css;		/* first: what PostgreSQL sees */
	JoinType	jointype;
	bool		unique;			/* each record joins at most once */
	bool		skip_sent;		/* (unique) rows of a key asked for are dropped */
	bool		by_key;
	bool		exact;
	bool		links;			/* a link table: keys are from ids */
	int			nouter;			/* scan tuple: outer columns, then inner ones */
	int			ninner;
	AttrNumber *inner_attnos;	/* per inner column: attnum, 0 for a whole row */
	int			depth;			/* batch/reads in flight at most */

	/* the HubSpot table */
	HsConnection *conn;
	HsTableOptions opts;
	char	   *type_path;
	char	   *relname;		/* with its alias, for EXPLAIN */
	TupleDesc	reldesc;		/* its row type, for whole-row values */
	int			nretrieved;
	AttrNumber *retrieved;		/* attnums read from HubSpot */
	HsConverter *convs;
	char	  **props;			/* per retrieved column; NULL for the id */
	char	  **prop_names;		/* the non-NULL props, for requests */
	int			nprops;
	int			key_index;		/* by_key: the key column in retrieved */
	Datum	   *relvalues;		/* one record as a row of the table */
	bool	   *relnulls;

	/* the outer side */
	ExprState  *key_state;		/* the outer side of the key clause */
	HsBindKey	key;			/* how its values are sent */
	ExprState  *joinqual;		/* the key clause and the other join quals */
	TupleTableSlot *outer_slot; /* a buffered outer row */
	TupleTableSlot *pending;	/* the outer row that starts the next batch */
	bool		have_pending;

	/* batches: filled, sent, then joined one after another */
	MemoryContext cxt;
	bool		outer_done;
	int			nqueued;
	HsBjBatch  *queue[HS_MAX_PARALLEL];
	HsBjBatch  *cur;			/* the batch being joined */
	bool		have_outer;		/* an outer row of cur is being joined */
	bool		matched;		/* ... and has matched a record */
	int			next_match;		/* its candidates: cur->matches[next..end) */
	int			end_match;
	HsIdSet    *emitted;		/* unique: record ids joined so far */
	HsIdSet    *sent;			/* skip_sent: keys asked for so far */

	int			requests;		/* for EXPLAIN ANALYZE */
	int			retries;
} HsBindJoinState;

static set_join_pathlist_hook_type hs_prev_join_pathlist_hook = NULL;

/* GUC hubspot_fdw.enable_bind_join: the planner may offer bind joins. */
bool		hs_enable_bind_join = true;

static Plan *hs_bj_plan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
						List *tlist, List *clauses, List *custom_plans);
static Node *hs_bj_create_state(CustomScan *cscan);
static void hs_bj_begin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *hs_bj_exec(CustomScanState *node);
static void hs_bj_end(CustomScanState *node);
static void hs_bj_rescan(CustomScanState *node);
static void hs_bj_explain(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomPathMethods hs_bj_path_methods = {
	.CustomName = "HubSpot Bind Join",
	.PlanCustomPath = hs_bj_plan,
};

static const CustomScanMethods hs_bj_scan_methods = {
	.CustomName = "HubSpot Bind Join",
	.CreateCustomScanState = hs_bj_create_state,
};

static const CustomExecMethods hs_bj_exec_methods = {
	.CustomName = "HubSpot Bind Join",
	.BeginCustomScan = hs_bj_begin,
	.ExecCustomScan = hs_bj_exec,
	.EndCustomScan = hs_bj_end,
	.ReScanCustomScan = hs_bj_rescan,
	.ExplainCustomScan = hs_bj_explain,
};

/* ---------- planning ---------- */

/* Is relation "relid" a foreign table of hubspot_fdw? */
static bool
hs_bj_is_hubspot_table(Oid relid)
{
	ForeignTable *ft;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return false;
	ft = GetForeignTable(relid);
	return hs_is_hubspot_wrapper(GetForeignDataWrapper(GetForeignServer(ft->serverid)->fdwid));
}

/*
 * Could EvalPlanQual run a join of this query level again for one row? It
 * does for rows locked by FOR UPDATE/SHARE, and for rows of a local table
 * that an UPDATE, DELETE or MERGE finds changed by another transaction, at
 * this level or any query this one is part of. An UPDATE or DELETE of a
 * HubSpot table never does: HubSpot has no row versions to recheck.
 */
static bool
hs_bj_epq_possible(PlannerInfo *root)
{
	for (; root != NULL; root = root->parent_root)
	{
		Query	   *parse = root->parse;

		if (parse->rowMarks != NIL)
			return true;
		if (parse->commandType == CMD_UPDATE || parse->commandType == CMD_DELETE ||
			parse->commandType == CMD_MERGE)
		{
			RangeTblEntry *rte = rt_fetch(parse->resultRelation, parse->rtable);

			if (rte->rtekind != RTE_RELATION || rte->inh ||
				!hs_bj_is_hubspot_table(rte->relid))
				return true;
		}
	}
	return false;
}

/*
 * Does "node" use a system column of relation "relid", or a PlaceHolderVar
 * that the outer side ("outer_relids") does not compute?
 */
static bool
hs_bj_uses_unsupported(Node *node, Index relid, Relids outer_relids)
{
	List	   *vars = pull_var_clause(node, PVC_INCLUDE_PLACEHOLDERS |
									   PVC_RECURSE_AGGREGATES |
									   PVC_RECURSE_WINDOWFUNCS);
	ListCell   *lc;

	foreach(lc, vars)
	{
		Node	   *v = lfirst(lc);

		if (IsA(v, PlaceHolderVar))
		{
			if (!bms_is_subset(((PlaceHolderVar *) v)->phrels, outer_relids))
				return true;
		}
		else if (IsA(v, Var) && ((Var *) v)->varno == relid &&
				 ((Var *) v)->varattno < 0)
			return true;
	}
	return false;
}

/*
 * The outer joins that null the Vars of relation "relid" in "exprs" (a
 * join's output, say), NULL if none. "found" is set to whether "exprs"
 * has such a Var, "same" to whether they all agree.
 */
static Bitmapset *
hs_bj_nullingrels_of(List *exprs, Index relid, bool *found, bool *same)
{
	List	   *vars = pull_var_clause((Node *) exprs, PVC_RECURSE_PLACEHOLDERS);
	Bitmapset  *first = NULL;
	ListCell   *lc;

	*found = false;
	*same = true;
	foreach(lc, vars)
	{
		Var		   *var = lfirst_node(Var, lc);

		if (var->varno != relid)
			continue;
		if (!*found)
			first = hs_var_nullingrels(var);
		else if (!bms_equal(first, hs_var_nullingrels(var)))
			*same = false;
		*found = true;
	}
	return first;
}

/* The key clause of a join, and which column of the HubSpot table it names. */
typedef struct HsBjKey
{
	RestrictInfo *rinfo;
	Expr	   *outer_expr;		/* the side of the outer relation */
	bool		by_key;			/* on the id_property's column */
} HsBjKey;

/*
 * Find a join clause "ft.id = <expr of the outer side>" (preferred) or
 * "ft.key_col = <expr>": a mergejoinable equality, so an equality of a
 * btree family, that decides the join (not a WHERE clause pushed down to
 * an outer join).
 */
static bool
hs_bj_find_key(RelOptInfo *joinrel, RelOptInfo *outerrel, RelOptInfo *innerrel,
			   JoinType jointype, List *restrictlist, AttrNumber id_attno,
			   AttrNumber key_attno, HsBjKey *out)
{
	bool		found = false;
	ListCell   *lc;

	foreach(lc, restrictlist)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		OpExpr	   *op;
		Node	   *inner_side;
		Node	   *outer_side;
		Var		   *var;

		if (IS_OUTER_JOIN(jointype) && RINFO_IS_PUSHED_DOWN(ri, joinrel->relids))
			continue;
		if (ri->mergeopfamilies == NIL || !is_opclause(ri->clause) ||
			list_length(((OpExpr *) ri->clause)->args) != 2)
			continue;
		op = (OpExpr *) ri->clause;
		if (bms_equal(ri->left_relids, innerrel->relids) &&
			!bms_is_empty(ri->right_relids) &&
			bms_is_subset(ri->right_relids, outerrel->relids))
		{
			inner_side = linitial(op->args);
			outer_side = lsecond(op->args);
		}
		else if (bms_equal(ri->right_relids, innerrel->relids) &&
				 !bms_is_empty(ri->left_relids) &&
				 bms_is_subset(ri->left_relids, outerrel->relids))
		{
			inner_side = lsecond(op->args);
			outer_side = linitial(op->args);
		}
		else
			continue;
		var = (Var *) hs_strip(inner_side);
		if (!IsA(var, Var) || var->varno != innerrel->relid || var->varlevelsup != 0)
			continue;
		if (var->varattno == id_attno && id_attno != InvalidAttrNumber)
		{
			out->rinfo = ri;
			out->outer_expr = (Expr *) outer_side;
			out->by_key = false;
			return true;
		}
		if (var->varattno == key_attno && key_attno != InvalidAttrNumber && !found)
		{
			out->rinfo = ri;
			out->outer_expr = (Expr *) outer_side;
			out->by_key = true;
			found = true;
		}
	}
	return found;
}

/*
 * Does a record answer exactly the keys spelled as its id or key value?
 * Always for record ids. For an id_property, when the key clause is text
 * equality under a deterministic collation: then no other spelling is
 * equal for PostgreSQL. Otherwise every record of a batch is tried with
 * the key clause for every outer row of it.
 */
static bool
hs_bj_exact(HsBjKey *key, Var *inner_var)
{
	OpExpr	   *op = (OpExpr *) key->rinfo->clause;
	Oid			type = getBaseType(inner_var->vartype);

	if (!key->by_key)
		return true;
	if ((type != TEXTOID && type != VARCHAROID) ||
		getBaseType(exprType((Node *) key->outer_expr)) != type)
		return false;
	return !OidIsValid(op->inputcollid) || get_collation_isdeterministic(op->inputcollid);
}

/*
 * The estimated number of records of the HubSpot table of "rel": what
 * hsGetForeignRelSize() set (the estimated_rows option, ANALYZE's count, or
 * HS_ASSUMED_ROWS).
 */
static double
hs_bj_table_rows(RelOptInfo *rel)
{
	return rel->tuples >= 1 ? rel->tuples : 1;
}

/*
 * The cost of a bind join over "outer": the outer path, one request per
 * HS_MAX_BATCH_SIZE distinct keys (requests are what cost, as for scans,
 * which count them in full whatever max_concurrency is), the records, at
 * most "table_rows", the pairs the join quals are evaluated for, and the
 * rows. The first request is answered before the first row.
 */
static void
hs_bj_cost(PlannerInfo *root, Path *outer, Expr *key_expr, double table_rows,
		   double join_rows, List *quals, bool exact, Cost *startup, Cost *total)
{
	double		outer_rows = Max(outer->rows, 1);
	double		keys = estimate_num_groups(root, list_make1(key_expr), outer_rows,
										   NULL, NULL);
	double		requests = ceil(keys / HS_MAX_BATCH_SIZE);
	double		records = Min(keys, table_rows);
	double		pairs = exact ? Max(outer_rows, join_rows)
		: outer_rows * Min(records, HS_MAX_BATCH_SIZE);
	QualCost	qcost;

	cost_qual_eval(&qcost, quals, root);
	*startup = outer->startup_cost + qcost.startup + HS_REQUEST_COST;
	*total = outer->total_cost + qcost.startup + HS_REQUEST_COST * Max(requests, 1) +
		(outer_rows + records + join_rows) * cpu_tuple_cost +
		pairs * qcost.per_tuple;
}

/*
 * Is "rel" an inheritance parent with children (other tables whose rows a
 * scan of it returns)? A parent whose children were dropped is still
 * planned as one, with itself as the only member: that is not one.
 */
static bool
hs_bj_has_children(PlannerInfo *root, RelOptInfo *rel)
{
	RangeTblEntry *rte = planner_rt_fetch(rel->relid, root);
	ListCell   *lc;

	if (!rte->inh)
		return false;
	foreach(lc, root->append_rel_list)
	{
		AppendRelInfo *ai = lfirst_node(AppendRelInfo, lc);

		if (ai->parent_relid == rel->relid &&
			planner_rt_fetch(ai->child_relid, root)->relid != rte->relid)
			return true;
	}
	return false;
}

/*
 * set_join_pathlist_hook: offer a bind join when "innerrel" is a HubSpot
 * table joined on its id or id_property column to "outerrel".
 */
static void
hs_bj_join_pathlist(PlannerInfo *root, RelOptInfo *joinrel, RelOptInfo *outerrel,
					RelOptInfo *innerrel, JoinType jointype,
					JoinPathExtraData *extra)
{
	RangeTblEntry *rte;
	Relation	rel;
	List	   *columns;
	HsColumn   *idcol;
	HsColumn   *keycol = NULL;
	HsTableOptions opts;
	HsBjKey		key;
	Var		   *inner_var;
	bool		unique;
	bool		skip_sent;
	bool		all_columns;
	bool		exact;
	bool		prefetch;
	bool		found;
	bool		same;
	JoinType	exec_type;
	List	   *quals = NIL;
	List	   *settings;
	Path	   *outer_paths[2];
	ListCell   *lc;
	int			i;

	if (hs_prev_join_pathlist_hook)
		hs_prev_join_pathlist_hook(root, joinrel, outerrel, innerrel, jointype, extra);

	/* the HubSpot table, alone, on the inner side */
	if (innerrel->reloptkind != RELOPT_BASEREL || innerrel->rtekind != RTE_RELATION ||
		innerrel->fdwroutine == NULL ||
		innerrel->fdwroutine->GetForeignRelSize != hsGetForeignRelSize ||
		joinrel->reloptkind != RELOPT_JOINREL)
		return;
	/* an inheritance parent is scanned with its children: not HubSpot alone */
	if (hs_bj_has_children(root, innerrel))
		return;
	if (!hs_enable_bind_join)
		return;
	switch (jointype)
	{
		case JOIN_INNER:
		case JOIN_LEFT:
		case JOIN_SEMI:
		case JOIN_ANTI:
		case JOIN_UNIQUE_OUTER:
			break;
		default:
			return;
	}
	if (!bms_is_empty(innerrel->lateral_relids) || !bms_is_empty(joinrel->lateral_relids))
		return;
	foreach(lc, extra->restrictlist)
	{
		if (lfirst_node(RestrictInfo, lc)->pseudoconstant)
			return;
	}
	if (hs_bj_uses_unsupported((Node *) innerrel->reltarget->exprs, innerrel->relid,
							   NULL) ||
		hs_bj_uses_unsupported((Node *) joinrel->reltarget->exprs, innerrel->relid,
							   outerrel->relids) ||
		hs_bj_uses_unsupported((Node *) extract_actual_clauses(extra->restrictlist, false),
							   innerrel->relid, outerrel->relids) ||
		hs_bj_uses_unsupported((Node *) extract_actual_clauses(innerrel->baserestrictinfo,
															   false),
							   innerrel->relid, NULL))
		return;
	if (hs_bj_epq_possible(root))
		return;
	(void) hs_bj_nullingrels_of(joinrel->reltarget->exprs, innerrel->relid, &found, &same);
	if (!same)
		return;

	rte = planner_rt_fetch(innerrel->relid, root);
	hs_get_table_options(rte->relid, &opts);
	rel = table_open(rte->relid, NoLock);
	columns = hs_get_columns(rel);
	idcol = hs_find_id_column(columns);
	if (opts.id_property)
		keycol = hs_find_property_column(columns, opts.id_property);
	if (!hs_bj_find_key(joinrel, outerrel, innerrel, jointype, extra->restrictlist,
						idcol ? idcol->attnum : InvalidAttrNumber,
						keycol ? keycol->attnum : InvalidAttrNumber, &key))
	{
		table_close(rel, NoLock);
		return;
	}

	/*
	 * An UPDATE's whole-row value of its HubSpot table only feeds columns
	 * that are never sent, unless the statement looks at the old row: then
	 * the columns it does not name can stay NULL, as in a scan.
	 */
	all_columns = !(root->parse->commandType == CMD_UPDATE &&
					innerrel->relid == (Index) root->parse->resultRelation &&
					!hs_update_needs_old_row(root, rel, innerrel->relid));
	table_close(rel, NoLock);

	/*
	 * Each record joins at most once when PostgreSQL wanted the outer side
	 * unique (it only shows keys equal to the record's), and in the top
	 * join of an UPDATE or DELETE of this table, which changes a row once
	 * whatever number of rows it joins (PostgreSQL's rule for UPDATE ...
	 * FROM: one of them is used). Then an outer row whose key was asked
	 * for already can only find records already joined, unless other
	 * quals than the key clause decide.
	 */
	unique = jointype == JOIN_UNIQUE_OUTER ||
		(jointype == JOIN_INNER &&
		 (root->parse->commandType == CMD_UPDATE ||
		  root->parse->commandType == CMD_DELETE) &&
		 innerrel->relid == (Index) root->parse->resultRelation &&
		 bms_is_subset(root->all_baserels, joinrel->relids));
	exec_type = jointype == JOIN_UNIQUE_OUTER ? JOIN_INNER : jointype;
	inner_var = (Var *) hs_strip(bms_equal(key.rinfo->left_relids, innerrel->relids)
								 ? linitial(((OpExpr *) key.rinfo->clause)->args)
								 : lsecond(((OpExpr *) key.rinfo->clause)->args));
	exact = hs_bj_exact(&key, inner_var);
	foreach(lc, extra->restrictlist)
		quals = lappend(quals, lfirst_node(RestrictInfo, lc)->clause);
	foreach(lc, innerrel->baserestrictinfo)
		quals = lappend(quals, lfirst_node(RestrictInfo, lc)->clause);
	skip_sent = unique && list_length(quals) == 1;

	/* read ahead as scans do: not when a LIMIT may stop the join early */
	prefetch = opts.max_concurrency > 1 &&
		(root->parse->commandType != CMD_SELECT ||
		 (root->parse->limitCount == NULL && root->parse->limitOffset == NULL &&
		  root->query_level == 1));

	settings = list_make5(makeInteger(exec_type), makeBoolean(unique),
						  makeBoolean(skip_sent), makeBoolean(key.by_key),
						  makeBoolean(exact));
	settings = lappend(settings, makeBoolean(all_columns));
	settings = lappend(settings, makeBoolean(prefetch));
	settings = lappend(settings, makeInteger((int) innerrel->userid));

	outer_paths[0] = outerrel->cheapest_total_path;
	outer_paths[1] = outerrel->cheapest_startup_path;
	for (i = 0; i < 2; i++)
	{
		Path	   *outer = outer_paths[i];
		CustomPath *cp;
		Cost		startup;
		Cost		total;

		if (outer == NULL || (i == 1 && outer == outer_paths[0]) ||
			!bms_is_empty(PATH_REQ_OUTER(outer)))
			continue;
		hs_bj_cost(root, outer, key.outer_expr, hs_bj_table_rows(innerrel),
				   joinrel->rows, quals, exact, &startup, &total);
		if (!hs_add_path_precheck(joinrel, outer, startup, total, NIL))
			continue;

		cp = makeNode(CustomPath);
		cp->path.pathtype = T_CustomScan;
		cp->path.parent = joinrel;
		cp->path.pathtarget = joinrel->reltarget;
		cp->path.param_info = NULL;
		cp->path.parallel_aware = false;
		cp->path.parallel_safe = false;
		cp->path.parallel_workers = 0;
		cp->path.rows = joinrel->rows;
		cp->path.startup_cost = startup;
		cp->path.total_cost = total;
		hs_path_inherit_disabled(&cp->path, outer);
		/* the outer rows keep their order */
		cp->path.pathkeys = build_join_pathkeys(root, joinrel, exec_type, outer->pathkeys);
		cp->flags = CUSTOMPATH_SUPPORT_PROJECTION;
		cp->custom_paths = list_make1(outer);
		cp->custom_private = list_make5(extra->restrictlist, key.rinfo,
										key.outer_expr, settings,
										makeInteger(innerrel->relid));
		cp->methods = &hs_bj_path_methods;
		add_path(joinrel, &cp->path);
	}
}

/*
 * Planner: the CustomScan. Its scan tuple is the outer plan's output, then
 * the HubSpot table's Vars that the target list and the quals use.
 */
static Plan *
hs_bj_plan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
		   List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	Plan	   *outer_plan = linitial(custom_plans);
	List	   *restrictlist = list_nth(best_path->custom_private, HS_BJ_PATH_RESTRICT);
	RestrictInfo *key_rinfo = list_nth(best_path->custom_private, HS_BJ_PATH_KEY);
	Expr	   *outer_expr = list_nth(best_path->custom_private, HS_BJ_PATH_OUTER_EXPR);
	List	   *settings = list_nth(best_path->custom_private, HS_BJ_PATH_SETTINGS);
	JoinType	jointype = (JoinType) intVal(linitial(settings));
	RelOptInfo *innerrel;
	Bitmapset  *nullingrels;
	bool		found;
	bool		same;
	Expr	   *key_clause;
	List	   *joinquals;
	List	   *otherquals = NIL;
	List	   *scan_tlist = NIL;
	List	   *vars;
	ListCell   *lc;
	int			nouter;

	(void) clauses;				/* a join relation has no restriction clauses */
	if (jointype == JOIN_LEFT || jointype == JOIN_ANTI)
		extract_actual_join_clauses(restrictlist, rel->relids, &joinquals, &otherquals);
	else
		joinquals = extract_actual_clauses(restrictlist, false);
	joinquals = list_delete_ptr(joinquals, key_rinfo->clause);

	/* the HubSpot table's own conditions decide which records match */
	innerrel = find_base_rel(root, intVal(list_nth(best_path->custom_private,
												   HS_BJ_PATH_INNER_RELID)));
	foreach(lc, innerrel->baserestrictinfo)
		joinquals = lappend(joinquals, lfirst_node(RestrictInfo, lc)->clause);

	/*
	 * The scan tuple holds each column of the HubSpot table once, as the
	 * join's output names it: nulled by the outer join (PostgreSQL 16 on).
	 * The quals that decide a match see it before that, in the same place,
	 * and so do the quals above an outer join.
	 */
	nullingrels = hs_bj_nullingrels_of(best_path->path.pathtarget->exprs,
									   innerrel->relid, &found, &same);
	if (!found)
		nullingrels = hs_bj_nullingrels_of(otherquals, innerrel->relid, &found, &same);
	joinquals = (List *) hs_set_nullingrels((Node *) joinquals, innerrel->relid,
											nullingrels);
	otherquals = (List *) hs_set_nullingrels((Node *) otherquals, innerrel->relid,
											 nullingrels);
	key_clause = (Expr *) hs_set_nullingrels((Node *) key_rinfo->clause,
											 innerrel->relid, nullingrels);

	foreach(lc, outer_plan->targetlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry((Expr *) copyObject(tle->expr),
											 list_length(scan_tlist) + 1, NULL, false));
	}
	nouter = list_length(scan_tlist);
	vars = pull_var_clause((Node *) list_make5(best_path->path.pathtarget->exprs, tlist,
											   joinquals, otherquals, key_clause),
						   PVC_RECURSE_PLACEHOLDERS | PVC_RECURSE_AGGREGATES |
						   PVC_RECURSE_WINDOWFUNCS);
	foreach(lc, vars)
	{
		Var		   *var = lfirst_node(Var, lc);

		if (var->varno == innerrel->relid && !tlist_member((Expr *) var, scan_tlist))
			scan_tlist = lappend(scan_tlist,
								 makeTargetEntry((Expr *) copyObject(var),
												 list_length(scan_tlist) + 1, NULL, false));
	}

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = otherquals;
	cscan->scan.scanrelid = 0;
	cscan->flags = best_path->flags;
	cscan->custom_plans = custom_plans;
	cscan->custom_exprs = list_make3(copyObject(outer_expr), key_clause, joinquals);
	cscan->custom_private = list_insert_nth(list_copy(settings), HS_BJ_PRIV_NOUTER,
											makeInteger(nouter));
	cscan->custom_scan_tlist = scan_tlist;
	cscan->methods = &hs_bj_scan_methods;
	return &cscan->scan.plan;
}

/*
 * If "plan" is a bind join (as hs_bj_plan made it, before setrefs.c), what
 * a direct UPDATE over it needs: its outer plan, its key expression, its
 * scan tuple, and which records it joins. False for any other plan.
 */
bool
hs_bind_join_parts(Plan *plan, HsBindJoinParts *out)
{
	CustomScan *cscan;
	List	   *priv;
	TargetEntry *first_inner;
	int			nouter;

	if (!IsA(plan, CustomScan) || ((CustomScan *) plan)->methods != &hs_bj_scan_methods)
		return false;
	cscan = (CustomScan *) plan;
	priv = cscan->custom_private;
	nouter = intVal(list_nth(priv, HS_BJ_PRIV_NOUTER));
	if (list_length(cscan->custom_scan_tlist) <= nouter)
		return false;
	first_inner = list_nth(cscan->custom_scan_tlist, nouter);
	if (!IsA(first_inner->expr, Var))
		return false;
	out->outer_plan = linitial(cscan->custom_plans);
	out->key_expr = list_nth(cscan->custom_exprs, HS_BJ_EXPR_KEY);
	out->scan_tlist = cscan->custom_scan_tlist;
	out->nouter = nouter;
	out->inner_relid = ((Var *) first_inner->expr)->varno;
	out->userid = (Oid) intVal(list_nth(priv, HS_BJ_PRIV_USERID));
	out->jointype = (JoinType) intVal(list_nth(priv, HS_BJ_PRIV_JOINTYPE));
	out->unique = boolVal(list_nth(priv, HS_BJ_PRIV_UNIQUE));
	out->by_key = boolVal(list_nth(priv, HS_BJ_PRIV_BY_KEY));
	out->only_key = cscan->scan.plan.qual == NIL &&
		list_nth(cscan->custom_exprs, HS_BJ_EXPR_JOIN_QUALS) == NIL;
	return true;
}

/* ---------- execution ---------- */

/* Executor: the state node, with the bind join's own fields after it. */
static Node *
hs_bj_create_state(CustomScan *cscan)
{
	HsBindJoinState *st = palloc0(sizeof(HsBindJoinState));

	NodeSetTag(st, T_CustomScanState);
	st->css.methods = &hs_bj_exec_methods;
	return (Node *) st;
}

/*
 * The columns of the HubSpot table to read: those the scan tuple holds, or
 * all of them when a whole row needs them. Sets the converters, the
 * properties to ask for and the key column's place.
 */
static void
hs_bj_init_columns(HsBindJoinState *st, Relation rel, bool all_columns)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	List	   *columns = hs_get_columns(rel);
	HsColumn   *keycol = st->by_key
		? hs_find_property_column(columns, st->opts.id_property) : NULL;
	Bitmapset  *attrs = NULL;
	List	   *attnums = NIL;
	int			attno;
	int			i;

	for (i = 0; i < st->ninner; i++)
	{
		if (st->inner_attnos[i] == 0 && all_columns)
		{
			for (attno = 1; attno <= tupdesc->natts; attno++)
				if (!TupleDescAttr(tupdesc, attno - 1)->attisdropped)
					attrs = bms_add_member(attrs, attno);
		}
		else if (st->inner_attnos[i] > 0)
			attrs = bms_add_member(attrs, st->inner_attnos[i]);
	}
	attno = -1;
	while ((attno = bms_next_member(attrs, attno)) >= 0)
		attnums = lappend_int(attnums, attno);
	st->nretrieved = list_length(attnums);
	hs_read_columns(columns, attnums, &st->retrieved, &st->convs, &st->props,
					&st->prop_names, &st->nprops);
	st->key_index = -1;
	for (i = 0; keycol && i < st->nretrieved; i++)
		if (st->retrieved[i] == keycol->attnum)
			st->key_index = i;
	if (st->by_key && st->key_index < 0)
		elog(ERROR, "hubspot_fdw: the key column of a bind join is not read");
	st->relvalues = palloc0(sizeof(Datum) * Max(tupdesc->natts, 1));
	st->relnulls = palloc(sizeof(bool) * Max(tupdesc->natts, 1));
	st->reldesc = CreateTupleDescCopy(tupdesc);
}

/*
 * Executor: the outer plan, the HubSpot table's columns and connection,
 * and the expressions: the outer key, and the quals that decide a match.
 */
static void
hs_bj_begin(CustomScanState *node, EState *estate, int eflags)
{
	HsBindJoinState *st = (HsBindJoinState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *priv = cscan->custom_private;
	PlanState  *outer;
	TargetEntry *first_inner;
	RangeTblEntry *rte;
	Relation	rel;
	Oid			userid;
	Expr	   *key_expr;
	List	   *columns;
	HsColumn   *keycol;
	int			i;

	st->jointype = (JoinType) intVal(list_nth(priv, HS_BJ_PRIV_JOINTYPE));
	st->unique = boolVal(list_nth(priv, HS_BJ_PRIV_UNIQUE));
	st->skip_sent = boolVal(list_nth(priv, HS_BJ_PRIV_SKIP_SENT));
	st->nouter = intVal(list_nth(priv, HS_BJ_PRIV_NOUTER));
	st->by_key = boolVal(list_nth(priv, HS_BJ_PRIV_BY_KEY));
	st->exact = boolVal(list_nth(priv, HS_BJ_PRIV_EXACT));
	userid = (Oid) intVal(list_nth(priv, HS_BJ_PRIV_USERID));

	outer = ExecInitNode(linitial(cscan->custom_plans), estate, eflags);
	node->custom_ps = list_make1(outer);
	st->outer_slot = MakeSingleTupleTableSlot(ExecGetResultType(outer),
											  &TTSOpsMinimalTuple);
	st->pending = MakeSingleTupleTableSlot(ExecGetResultType(outer),
										   &TTSOpsMinimalTuple);

	/* the scan tuple's columns after the outer ones are the HubSpot table's */
	st->ninner = list_length(cscan->custom_scan_tlist) - st->nouter;
	st->inner_attnos = palloc(sizeof(AttrNumber) * Max(st->ninner, 1));
	for (i = 0; i < st->ninner; i++)
	{
		TargetEntry *tle = list_nth(cscan->custom_scan_tlist, st->nouter + i);

		st->inner_attnos[i] = castNode(Var, tle->expr)->varattno;
	}
	first_inner = list_nth(cscan->custom_scan_tlist, st->nouter);
	rte = exec_rt_fetch(castNode(Var, first_inner->expr)->varno, estate);
	hs_get_table_options(rte->relid, &st->opts);
	st->type_path = hs_objects_path(&st->opts, st->opts.object_type);
	st->links = st->opts.associations_to != NULL;
	st->relname = get_rel_name(rte->relid);
	if (rte->eref && strcmp(rte->eref->aliasname, st->relname) != 0)
		st->relname = psprintf("%s %s", st->relname, rte->eref->aliasname);

	rel = table_open(rte->relid, NoLock);
	hs_bj_init_columns(st, rel, boolVal(list_nth(priv, HS_BJ_PRIV_ALL_COLUMNS)));
	columns = hs_get_columns(rel);
	table_close(rel, NoLock);

	key_expr = list_nth(cscan->custom_exprs, HS_BJ_EXPR_KEY);
	keycol = st->by_key ? hs_find_property_column(columns, st->opts.id_property)
		: hs_find_id_column(columns);
	hs_bind_key_init(&st->key, key_expr, keycol, st->by_key);
	st->key_state = ExecInitExpr(key_expr, &node->ss.ps);
	st->joinqual = ExecInitQual(lcons(list_nth(cscan->custom_exprs, HS_BJ_EXPR_KEY_CLAUSE),
									  list_copy(list_nth(cscan->custom_exprs,
														 HS_BJ_EXPR_JOIN_QUALS))),
								&node->ss.ps);

	st->depth = boolVal(list_nth(priv, HS_BJ_PRIV_PREFETCH))
		? Max(1, Min(st->opts.max_concurrency, HS_MAX_PARALLEL)) : 1;
	st->cxt = estate->es_query_cxt;
	if (st->unique)
		st->emitted = hs_idset_create(estate->es_query_cxt);
	if (st->skip_sent)
		st->sent = hs_idset_create(estate->es_query_cxt);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	st->conn = hs_connection_for_table(rte->relid,
									   OidIsValid(userid) ? userid : GetUserId());
}

/*
 * How the values of "key_expr" (the other side of a key clause on "keycol",
 * the id column or the id_property's) are sent: as the key column's would
 * be, so a bigint or numeric value names the record id "512" as text does.
 */
void
hs_bind_key_init(HsBindKey *k, Expr *key_expr, const HsColumn *keycol, bool by_key)
{
	Oid			key_type = exprType((Node *) key_expr);

	if (keycol && keycol->typid == key_type)
		hs_converter_init_column(&k->conv, keycol);
	else
		hs_converter_init(&k->conv, key_type, exprTypmod((Node *) key_expr));
	k->is_number = !by_key &&
		(k->conv.kind == HS_VALUE_NUMERIC || k->conv.kind == HS_VALUE_FLOAT4 ||
		 k->conv.kind == HS_VALUE_FLOAT8);
}

/*
 * The key HubSpot is asked for, for a value of the key expression; NULL
 * when the value can name no record: NULL, "", a value HubSpot has no form
 * for (NaN, an infinity), and for record ids a number with a fraction.
 */
char *
hs_bind_key_value(HsBindKey *k, Datum value, bool isnull)
{
	char	   *key;

	if (isnull || !hs_datum_to_filter_value(&k->conv, value, &key))
		return NULL;
	if (k->conv.kind == HS_VALUE_TIMESTAMP || k->conv.kind == HS_VALUE_TIMESTAMPTZ)
		key = hs_datum_to_value(&k->conv, value, false);
	hs_trim_char_padding(&k->conv, key);
	if (k->is_number)
	{
		char	   *dot = strchr(key, '.');
		char	   *p;

		if (dot)
		{
			for (p = dot + 1; *p; p++)
				if (*p != '0')
					return NULL;
			*dot = '\0';
		}
		if (strcmp(key, "-0") == 0)
			key = "0";
	}
	return *key ? key : NULL;
}

/*
 * Begin scan tuple "scan" (a bind join's layout: the outer columns, then
 * the HubSpot table's) with the outer row "outer" (deformed), its first
 * "nouter" columns, and the rest NULL; the caller stores it. Bind joins
 * and the direct UPDATE over one (update.c) fill it so.
 */
void
hs_bind_store_outer(TupleTableSlot *scan, TupleTableSlot *outer, int nouter)
{
	int			natts = scan->tts_tupleDescriptor->natts;

	ExecClearTuple(scan);
	memcpy(scan->tts_values, outer->tts_values, sizeof(Datum) * nouter);
	memcpy(scan->tts_isnull, outer->tts_isnull, sizeof(bool) * nouter);
	memset(scan->tts_isnull + nouter, true, sizeof(bool) * (natts - nouter));
}

/*
 * Put the outer row "outer" (deformed) and the record "obj" (NULL: a
 * null-extended row) in the scan tuple. Runs in per-tuple memory.
 */
static void
hs_bj_store(HsBindJoinState *st, TupleTableSlot *outer, HsObject *obj)
{
	TupleTableSlot *scan = st->css.ss.ss_ScanTupleSlot;
	Datum	   *values = scan->tts_values;
	bool	   *isnull = scan->tts_isnull;
	Datum		wholerow = (Datum) 0;
	bool		have_wholerow = false;
	int			i;

	hs_bind_store_outer(scan, outer, st->nouter);
	if (obj == NULL)
	{
		ExecStoreVirtualTuple(scan);
		return;
	}
	memset(st->relnulls, true, sizeof(bool) * st->reldesc->natts);
	for (i = 0; i < st->nretrieved; i++)
	{
		int			att = st->retrieved[i] - 1;
		const char *value = st->props[i] ? obj->values[i] : obj->id;

		if (value != NULL)
			st->relvalues[att] = hs_value_to_datum(&st->convs[i], value, obj->id,
												   &st->relnulls[att]);
	}
	for (i = 0; i < st->ninner; i++)
	{
		AttrNumber	attno = st->inner_attnos[i];

		if (attno > 0)
		{
			values[st->nouter + i] = st->relvalues[attno - 1];
			isnull[st->nouter + i] = st->relnulls[attno - 1];
			continue;
		}
		if (!have_wholerow)
		{
			HeapTuple	tuple = heap_form_tuple(st->reldesc, st->relvalues, st->relnulls);

			wholerow = heap_copy_tuple_as_datum(tuple, st->reldesc);
			have_wholerow = true;
		}
		values[st->nouter + i] = wholerow;
		isnull[st->nouter + i] = false;
	}
	ExecStoreVirtualTuple(scan);
}

/* The key of the outer row in the scan tuple, or NULL (see hs_bind_key_value). */
static char *
hs_bj_outer_key(HsBindJoinState *st)
{
	ExprContext *econtext = st->css.ss.ps.ps_ExprContext;
	MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	bool		isnull;
	Datum		value;
	char	   *key;

	econtext->ecxt_scantuple = st->css.ss.ss_ScanTupleSlot;
	value = ExecEvalExpr(st->key_state, econtext, &isnull);
	key = hs_bind_key_value(&st->key, value, isnull);
	MemoryContextSwitchTo(old);
	return key;
}

/* Drop a batch: its request if still in flight, its rows and its memory. */
static void
hs_bj_batch_free(HsBjBatch *b)
{
	if (b->req && b->req->in_flight)
		hs_http_cancel(b->req);
	tuplestore_end(b->tuples);
	MemoryContextDelete(b->cxt);
}

/*
 * Read outer rows into a new batch until a row brings one key more than
 * HS_MAX_BATCH_SIZE (that row starts the next batch) or the outer side
 * ends, then send its batch/read and queue it. A row whose key can name no
 * record is kept only when it is returned without a match (left and anti
 * joins).
 */
static void
hs_bj_fill(HsBindJoinState *st)
{
	PlanState  *outer = linitial(st->css.custom_ps);
	ExprContext *econtext = st->css.ss.ps.ps_ExprContext;
	MemoryContext cxt = AllocSetContextCreate(st->cxt, "hubspot_fdw bind join batch",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	HsBjBatch  *b = palloc0(sizeof(HsBjBatch));
	bool		keep_unmatched = st->jointype == JOIN_LEFT || st->jointype == JOIN_ANTI;

	b->cxt = cxt;
	b->tuples = tuplestore_begin_heap(false, false, work_mem);
	b->keyset = hs_idset_create(cxt);
	b->keys = palloc(sizeof(char *) * HS_MAX_BATCH_SIZE);
	MemoryContextSwitchTo(old);

	for (;;)
	{
		TupleTableSlot *slot;
		char	   *key;

		if (st->have_pending)
		{
			slot = st->pending;
			st->have_pending = false;
		}
		else
			slot = ExecProcNode(outer);
		if (TupIsNull(slot))
		{
			st->outer_done = true;
			break;
		}
		ResetExprContext(econtext);
		slot_getallattrs(slot);
		hs_bj_store(st, slot, NULL);
		key = hs_bj_outer_key(st);
		if (key == NULL && !keep_unmatched)
			continue;
		if (key != NULL)
		{
			if (st->skip_sent && hs_idset_contains(st->sent, key))
				continue;
			if (b->nkeys == HS_MAX_BATCH_SIZE && !hs_idset_contains(b->keyset, key))
			{
				if (slot != st->pending)
					ExecCopySlot(st->pending, slot);
				st->have_pending = true;
				break;
			}
			if (hs_idset_add(b->keyset, key))
			{
				b->keys[b->nkeys++] = MemoryContextStrdup(cxt, key);
				if (st->skip_sent)
					(void) hs_idset_add(st->sent, key);
			}
		}
		tuplestore_puttupleslot(b->tuples, slot);
		b->ntuples++;
	}

	if (b->ntuples == 0)
	{
		hs_bj_batch_free(b);
		return;
	}
	if (b->nkeys > 0)
	{
		old = MemoryContextSwitchTo(cxt);
		b->req = palloc(sizeof(HsHttpRequest));
		StaticAssertStmt(HS_MAX_BATCH_SIZE <= HS_LINK_READ_MAX,
						 "a batch's keys must fit in one associations batch/read");
		if (st->links)
			hs_links_read_request(b->req, st->conn, &st->opts, b->keys, NULL, b->nkeys);
		else
			hs_batch_read_request(b->req, st->conn, &st->opts, st->type_path, b->keys,
								  b->nkeys, st->prop_names, st->nprops,
								  st->by_key ? st->opts.id_property : NULL);
		hs_send_begin(b->req);	/* its answer lands in cxt */
		MemoryContextSwitchTo(old);
	}
	st->queue[st->nqueued++] = b;
}

/* qsort comparator of matches, by key. */
static int
hs_bj_match_cmp(const void *a, const void *b)
{
	return strcmp(((const HsBjMatch *) a)->key, ((const HsBjMatch *) b)->key);
}

/*
 * Wait for a batch's answer and index its records: by key when records
 * answer exactly the keys spelled as theirs, sorted. A record HubSpot
 * returns twice counts once.
 */
static void
hs_bj_receive(HsBindJoinState *st, HsBjBatch *b)
{
	MemoryContext old = MemoryContextSwitchTo(b->cxt);
	HsObject   *objects;
	int			nobjects;
	HsIdSet    *ids;
	int			i;

	hs_send_complete(b->req);
	st->requests++;
	st->retries += b->req->retries;
	hs_check_response(b->req, false);
	if (st->links)
		hs_links_read_answer(b->req, st->conn, &st->opts, st->props, st->nretrieved,
							 &objects, &nobjects, &st->requests, &st->retries);
	else
		hs_batch_read_answer(b->req, st->props, st->nretrieved, &objects, &nobjects);
	b->matches = palloc(sizeof(HsBjMatch) * Max(nobjects, 1));
	ids = hs_idset_create(b->cxt);
	for (i = 0; i < nobjects; i++)
	{
		const char *key = st->by_key ? objects[i].values[st->key_index] : objects[i].id;

		/* a record (a link: its pair and type) counts once */
		if (!hs_idset_add(ids, objects[i].link ? objects[i].link : objects[i].id))
			continue;
		if (st->exact && key == NULL)
			continue;
		b->matches[b->nmatches].key = key;
		b->matches[b->nmatches++].obj = &objects[i];
	}
	if (st->exact)
		qsort(b->matches, b->nmatches, sizeof(HsBjMatch), hs_bj_match_cmp);
	MemoryContextSwitchTo(old);
}

/*
 * Make the next queued batch the one being joined, after topping the
 * queue up to st->depth batches in flight (beyond the first, leaving
 * transfer slots to writes and other scans). False at the end.
 */
static bool
hs_bj_advance(HsBindJoinState *st)
{
	if (st->cur)
		hs_bj_batch_free(st->cur);
	st->cur = NULL;
	while (!st->outer_done && st->nqueued < st->depth &&
		   (st->nqueued == 0 || hs_http_in_flight() < HS_HTTP_SLOTS - HS_MAX_PARALLEL))
		hs_bj_fill(st);
	if (st->nqueued == 0)
		return false;
	st->cur = st->queue[0];
	st->nqueued--;
	memmove(&st->queue[0], &st->queue[1], sizeof(HsBjBatch *) * st->nqueued);
	if (st->cur->req)
		hs_bj_receive(st, st->cur);
	return true;
}

/* The records of the current batch that the outer row's "key" may join. */
static void
hs_bj_candidates(HsBindJoinState *st, const char *key)
{
	HsBjBatch  *b = st->cur;
	int			lo = 0;
	int			hi = b->nmatches;

	st->next_match = st->end_match = 0;
	if (key == NULL)
		return;
	if (!st->exact)
	{
		st->end_match = b->nmatches;
		return;
	}
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (strcmp(b->matches[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	st->next_match = st->end_match = lo;
	while (st->end_match < b->nmatches && strcmp(b->matches[st->end_match].key, key) == 0)
		st->end_match++;
}

/*
 * The next joined row into the scan tuple: an outer row with a record
 * that passes the join quals, or (left and anti joins) an outer row that
 * found none, null-extended. False when there is no more.
 */
static bool
hs_bj_next_pair(HsBindJoinState *st)
{
	ExprContext *econtext = st->css.ss.ps.ps_ExprContext;

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		ResetExprContext(econtext);
		econtext->ecxt_scantuple = st->css.ss.ss_ScanTupleSlot;
		if (!st->have_outer)
		{
			if (st->cur == NULL ||
				!tuplestore_gettupleslot(st->cur->tuples, true, false, st->outer_slot))
			{
				if (!hs_bj_advance(st))
					return false;
				continue;
			}
			slot_getallattrs(st->outer_slot);
			hs_bj_store(st, st->outer_slot, NULL);
			hs_bj_candidates(st, hs_bj_outer_key(st));
			st->have_outer = true;
			st->matched = false;
		}
		while (st->next_match < st->end_match)
		{
			HsObject   *obj = st->cur->matches[st->next_match++].obj;
			MemoryContext old;

			if (st->unique && hs_idset_contains(st->emitted, obj->link ? obj->link : obj->id))
				continue;
			ResetExprContext(econtext);
			old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
			hs_bj_store(st, st->outer_slot, obj);
			MemoryContextSwitchTo(old);
			if (!ExecQual(st->joinqual, econtext))
				continue;
			st->matched = true;
			if (st->jointype == JOIN_ANTI)
				break;
			if (st->jointype == JOIN_SEMI)
				st->have_outer = false;
			if (st->unique)
				(void) hs_idset_add(st->emitted, obj->link ? obj->link : obj->id);
			return true;
		}
		st->have_outer = false;
		if (!st->matched && (st->jointype == JOIN_LEFT || st->jointype == JOIN_ANTI))
		{
			hs_bj_store(st, st->outer_slot, NULL);
			return true;
		}
	}
}

/* Executor: the next row of the join, after the quals above the join. */
static TupleTableSlot *
hs_bj_exec(CustomScanState *node)
{
	HsBindJoinState *st = (HsBindJoinState *) node;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (!hs_bj_next_pair(st))
			return ExecClearTuple(node->ss.ps.ps_ResultTupleSlot);
		econtext->ecxt_scantuple = node->ss.ss_ScanTupleSlot;
		if (node->ss.ps.qual && !ExecQual(node->ss.ps.qual, econtext))
		{
			InstrCountFiltered1(node, 1);
			continue;
		}
		if (node->ss.ps.ps_ProjInfo)
			return ExecProject(node->ss.ps.ps_ProjInfo);
		return node->ss.ss_ScanTupleSlot;
	}
}

/* Drop every batch, in flight or buffered, and the current one. */
static void
hs_bj_drop_batches(HsBindJoinState *st)
{
	int			i;

	for (i = 0; i < st->nqueued; i++)
		hs_bj_batch_free(st->queue[i]);
	st->nqueued = 0;
	if (st->cur)
		hs_bj_batch_free(st->cur);
	st->cur = NULL;
	st->have_outer = false;
	st->have_pending = false;
}

/* Executor: stop the requests nobody will read; end the outer plan. */
static void
hs_bj_end(CustomScanState *node)
{
	HsBindJoinState *st = (HsBindJoinState *) node;

	hs_bj_drop_batches(st);
	ExecDropSingleTupleTableSlot(st->outer_slot);
	ExecDropSingleTupleTableSlot(st->pending);
	ExecEndNode(linitial(node->custom_ps));
}

/* Executor: start again from the first outer row. */
static void
hs_bj_rescan(CustomScanState *node)
{
	HsBindJoinState *st = (HsBindJoinState *) node;
	PlanState  *outer = linitial(node->custom_ps);

	hs_bj_drop_batches(st);
	st->outer_done = false;
	if (st->emitted)
		hs_idset_reset(st->emitted);
	if (st->sent)
		hs_idset_reset(st->sent);
	if (node->ss.ps.chgParam != NULL)
		UpdateChangedParamSet(outer, node->ss.ps.chgParam);
	if (outer->chgParam == NULL)
		ExecReScan(outer);
}

/*
 * The key clause for EXPLAIN, the HubSpot table's column first, whichever
 * way round PostgreSQL wrote it.
 */
static char *
hs_bj_key_clause_text(HsBindJoinState *st, List *context, bool useprefix)
{
	CustomScan *cscan = (CustomScan *) st->css.ss.ps.plan;
	OpExpr	   *op = list_nth(cscan->custom_exprs, HS_BJ_EXPR_KEY_CLAUSE);
	Node	   *hubspot = linitial(op->args);
	Node	   *other = lsecond(op->args);
	Var		   *var = (Var *) hs_strip(other);

	/* the scan tuple's columns after the outer ones are the HubSpot table's */
	if (IsA(var, Var) && var->varno == INDEX_VAR && var->varattno > st->nouter)
	{
		hubspot = lsecond(op->args);
		other = linitial(op->args);
	}
	return psprintf("(%s %s %s)", deparse_expression(hubspot, context, useprefix, false),
					get_opname(op->opno), deparse_expression(other, context, useprefix, false));
}

/* EXPLAIN: the join, the HubSpot table and key, the requests. */
static void
hs_bj_explain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	HsBindJoinState *st = (HsBindJoinState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *context = set_deparse_context_plan(es->deparse_cxt, &cscan->scan.plan,
												   ancestors);
	bool		useprefix = list_length(es->rtable) > 1 || es->verbose;
	List	   *joinquals = list_nth(cscan->custom_exprs, HS_BJ_EXPR_JOIN_QUALS);
	const char *jointype;

	switch (st->jointype)
	{
		case JOIN_LEFT:
			jointype = "Left";
			break;
		case JOIN_SEMI:
			jointype = "Semi";
			break;
		case JOIN_ANTI:
			jointype = "Anti";
			break;
		default:
			jointype = st->unique ? "Inner, each record once" : "Inner";
			break;
	}
	ExplainPropertyText("Join Type", jointype, es);
	ExplainPropertyText("Join Cond", hs_bj_key_clause_text(st, context, useprefix), es);
	if (joinquals != NIL)
		ExplainPropertyText("Join Filter",
							deparse_expression((Node *) make_ands_explicit(joinquals),
											   context, useprefix, false), es);
	ExplainPropertyText("HubSpot Table", st->relname, es);
	if (st->links)
	{
		ExplainPropertyText("HubSpot Key", HS_LINK_FROM_ID, es);
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s (the links of up to %d from ids each)",
									 hs_links_read_path(&st->opts),
									 HS_MAX_BATCH_SIZE), es);
	}
	else if (st->by_key)
	{
		ExplainPropertyText("HubSpot Key", psprintf("%s (id_property)", st->opts.id_property), es);
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/read (up to %d %s values each, idProperty=%s)",
									 st->type_path, HS_MAX_BATCH_SIZE,
									 st->opts.id_property, st->opts.id_property), es);
	}
	else
	{
		ExplainPropertyText("HubSpot Key", "id", es);
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s/batch/read (up to %d ids each)",
									 st->type_path, HS_MAX_BATCH_SIZE), es);
	}
	hs_explain_batch_read_source(&st->opts, es);
	ExplainPropertyInteger("HubSpot Concurrency", NULL, st->depth, es);
	if (es->verbose)
	{
		StringInfoData props;
		int			i;

		initStringInfo(&props);
		for (i = 0; i < st->nprops; i++)
			appendStringInfo(&props, "%s%s", i ? ", " : "", st->prop_names[i]);
		ExplainPropertyText("HubSpot Properties", props.len ? props.data : "(none)", es);
	}
	if (es->analyze)
	{
		ExplainPropertyInteger("HubSpot Requests Sent", NULL, st->requests, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, st->retries, es);
	}
}

/* Module load: the custom scan's name, and the planner hook. */
void
hs_bind_join_init(void)
{
	RegisterCustomScanMethods(&hs_bj_scan_methods);
	hs_prev_join_pathlist_hook = set_join_pathlist_hook;
	set_join_pathlist_hook = hs_bj_join_pathlist;
}
