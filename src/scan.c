/*
 * scan.c
 *		Reading HubSpot objects: planning (which quals on "id" HubSpot can
 *		answer directly, which properties to ask for) and execution (paging
 *		the list endpoint, or fetching named ids with GET / batch/read).
 *
 * With the table option id_property, quals on that property's column are
 * answered the same way, the values sent with idProperty.
 */
#include "postgres.h"

#include <math.h>

#include "read.h"

#include "access/table.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplesort.h"
#include "utils/typcache.h"

/*
 * Room left in a GET's URL, beside the properties, for the paging cursor or
 * the record id: a scan whose properties leave less reads them with
 * batch/read instead (see HsScanState.wide).
 */
#define HS_URL_RESERVE 1024

/* Planner state of one foreign table (baserel->fdw_private). */
typedef struct HsRelInfo
{
	HsTableOptions opts;
	AttrNumber	id_attno;		/* InvalidAttrNumber: no id column */
	AttrNumber	key_attno;		/* the id_property's column, if any */
	bool		have_id_qual;
	bool		by_key;			/* the qual is on key_attno, not id_attno */
	HsIdQual	id_qual;
	Bitmapset  *attrs_used;		/* offset by FirstLowInvalidHeapAttributeNumber */
	HsSearchInfo *search;		/* what search can answer, or NULL */
} HsRelInfo;

/* The slots of ForeignScan.fdw_private of a scan (see HsScanPlan). */
enum HsScanPrivate
{
	HS_SCAN_PRIV_MODE,			/* Integer: HsScanMode */
	HS_SCAN_PRIV_ATTRS,			/* IntList: attnums to fill */
	HS_SCAN_PRIV_BY_KEY,		/* Boolean: ids are id_property values */
	HS_SCAN_PRIV_PREFETCH,		/* Boolean: fetch the next page ahead */
	HS_SCAN_PRIV_SEARCH,		/* List: the search plan (HS_SCAN_SEARCH) */
	HS_SCAN_PRIV_COUNT
};

/*
 * The page of objects whose rows a scan returns (every mode), and the
 * requests read ahead (HS_SCAN_LIST, HS_SCAN_IDS, and a search phase read
 * from the list).
 */
typedef struct HsScanPage
{
	MemoryContext cxt;			/* one page's Datums (and objects, unless
								 * read ahead) */
	HsObject   *objects;
	int			nobjects;
	int			next_object;
	bool		exhausted;		/* no page is left */
	bool		prefetch;		/* fetch ahead (LIST, SEARCH: a page; IDS: up
								 * to max_concurrency batch/reads) */
	int			nahead;			/* list pages or batch/reads in flight, */
	HsHttpRequest *ahead[HS_MAX_PARALLEL];	/* oldest first, each with */
	MemoryContext ahead_cxt[HS_MAX_PARALLEL];	/* a context of its own */
	MemoryContext ahead_page_cxt;	/* the one whose rows are returned */
} HsScanPage;

/* HS_SCAN_LIST (and a search phase read from the list): the paging. */
typedef struct HsListScan
{
	char	   *after;			/* cursor of the next page */
	HsIdSet    *cursors;		/* the cursors given out so far */
	MemoryContext cursor_cxt;	/* holds them; reset at each first page */
} HsListScan;

/* HS_SCAN_ID and HS_SCAN_IDS: the ids to fetch. */
typedef struct HsIdScan
{
	PlanState  *ps;				/* for evaluating the expressions */
	List	   *exprs;			/* expressions giving the ids */
	char	   *property;		/* the ids are values of this property */
	HsConverter conv;
	MemoryContext cxt;
	List	   *ids;			/* the ids to fetch */
	char	  **array;			/* the same, sorted, for lookups */
	bool	   *answered;		/* per array entry: a row was returned */
	bool		ready;			/* evaluated (lazily: initPlans run late) */
	int			next;			/* index of the next id to fetch */
} HsIdScan;

/* HS_SCAN_SEARCH: the search, and the local fallback of a phase. */
typedef struct HsSearchScan
{
	HsSearchExec *exec;
	bool		fallback;		/* this phase pages the list, filtering locally */
	HsSearchPhaseInfo phase;	/* what the fallback keeps and how it sorts */
	Tuplesortstate *sort;		/* the fallback's rows, when they must be sorted */
	TupleTableSlot *sort_slot;	/* a sorted row, before it is copied out */
	bool		sorted;			/* sort is done: returning its rows */
} HsSearchScan;

/* Executor state of one scan: what every mode uses, then each mode's part. */
typedef struct HsScanState
{
	HsConnection *conn;
	HsTableOptions opts;
	HsScanMode	mode;
	char	   *type_path;		/* hs_objects_path(): "/crm/v3/objects/{type}" */
	int			natts;
	TupleDesc	tupdesc;		/* of the scan's rows */
	int			nretrieved;
	AttrNumber *retrieved;		/* attnums to fill */
	HsConverter *convs;			/* per retrieved attr */
	char	  **props;			/* per retrieved attr: property, NULL for id */
	int			nprops;			/* number of non-NULL props */
	char	  **prop_names;		/* the non-NULL props, for requests */
	char	   *props_query;	/* "properties=a,b" */
	bool		wide;			/* props_query would make a GET's URL too
								 * long: the properties are read with
								 * batch/read, list pages give ids only */
	bool		links;			/* a link table (associations_to): list pages
								 * give from ids, batch/read their links */
	MemoryContext scan_cxt;		/* lives as long as the scan (cursor) */
	int			requests;		/* sent by this scan, for EXPLAIN ANALYZE */
	int			retries;

	HsScanPage	page;			/* every mode */
	HsListScan	list;			/* LIST, SEARCH */
	HsIdScan	id;				/* ID, IDS */
	HsSearchScan search;		/* SEARCH */
} HsScanState;

/* ForeignScan.fdw_private of a scan planned as "plan". */
static List *
hs_scan_plan_pack(const HsScanPlan *plan)
{
	Node	   *slots[HS_SCAN_PRIV_COUNT];

	slots[HS_SCAN_PRIV_MODE] = (Node *) makeInteger(plan->mode);
	slots[HS_SCAN_PRIV_ATTRS] = (Node *) plan->attrs;
	slots[HS_SCAN_PRIV_BY_KEY] = (Node *) makeBoolean(plan->by_key);
	slots[HS_SCAN_PRIV_PREFETCH] = (Node *) makeBoolean(plan->prefetch);
	slots[HS_SCAN_PRIV_SEARCH] = (Node *) plan->search;
	return hs_slot_list(slots, HS_SCAN_PRIV_COUNT);
}

/* The plan of a scan from its ForeignScan.fdw_private (scan.c, write.c). */
void
hs_scan_plan_unpack(List *fdw_private, HsScanPlan *out)
{
	Assert(list_length(fdw_private) == HS_SCAN_PRIV_COUNT);
	out->mode = (HsScanMode) intVal(list_nth(fdw_private, HS_SCAN_PRIV_MODE));
	out->attrs = (List *) list_nth(fdw_private, HS_SCAN_PRIV_ATTRS);
	out->by_key = boolVal(list_nth(fdw_private, HS_SCAN_PRIV_BY_KEY));
	out->prefetch = boolVal(list_nth(fdw_private, HS_SCAN_PRIV_PREFETCH));
	out->search = (List *) list_nth(fdw_private, HS_SCAN_PRIV_SEARCH);
}

/*
 * Does an UPDATE of "rel" need the complete old row? PostgreSQL asks every
 * foreign table UPDATE for a whole-row value, but it only feeds columns we
 * never send, unless triggers, WITH CHECK OPTION or the statement itself
 * (t.* in SET, WHERE or RETURNING) look at the old row.
 */
bool
hs_update_needs_old_row(PlannerInfo *root, Relation rel, Index relid)
{
	Query	   *parse = root->parse;
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	if (rel->trigdesc &&
		(rel->trigdesc->trig_update_before_row || rel->trigdesc->trig_update_after_row))
		return true;
	if (parse->withCheckOptions != NIL)
		return true;
	/* the planner's own junk entries (the whole-row Var) may be in this list */
	foreach(lc, parse->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk)
			pull_varattnos((Node *) tle->expr, relid, &attrs);
	}
	pull_varattnos((Node *) parse->returningList, relid, &attrs);
	pull_varattnos(parse->jointree->quals, relid, &attrs);
	return bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);
}

/* Planner: options, the id qual if any, and a row estimate. */
void
hsGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	HsRelInfo  *info = palloc0(sizeof(HsRelInfo));
	Relation	rel;
	List	   *columns;
	HsColumn   *idcol;
	HsColumn   *keycol = NULL;
	ListCell   *lc;
	bool		old_row_needed;

	hs_get_table_options(foreigntableid, &info->opts);
	rel = table_open(foreigntableid, NoLock);
	columns = hs_get_columns(rel);
	old_row_needed = root->parse->commandType == CMD_UPDATE &&
		baserel->relid == (Index) root->parse->resultRelation &&
		hs_update_needs_old_row(root, rel, baserel->relid);
	table_close(rel, NoLock);
	idcol = hs_find_id_column(columns);
	info->id_attno = idcol ? idcol->attnum : InvalidAttrNumber;
	if (info->opts.id_property)
		keycol = hs_find_property_column(columns, info->opts.id_property);
	info->key_attno = keycol ? keycol->attnum : InvalidAttrNumber;

	/* a qual on the id_property's column first, then one on "id" */
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (hs_match_id_qual(root, baserel, ri, info->key_attno, &info->id_qual))
		{
			info->have_id_qual = true;
			info->by_key = true;
			break;
		}
	}
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (info->have_id_qual)
			break;
		if (hs_match_id_qual(root, baserel, ri, info->id_attno, &info->id_qual))
			info->have_id_qual = true;
	}
	/*
	 * The table's size: the estimated_rows option, else ANALYZE's count
	 * (reltuples is -1 until the first ANALYZE), else an assumption.
	 */
	if (info->opts.estimated_rows > 0)
		baserel->tuples = info->opts.estimated_rows;
	else if (baserel->tuples < 0)
		baserel->tuples = HS_ASSUMED_ROWS;

	/* without an id qual, what search could answer; a link table has no search */
	if (!info->have_id_qual && info->opts.associations_to == NULL)
		info->search = hs_search_analyze(root, baserel, columns, &info->opts);

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &info->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (info->have_id_qual && ri == info->id_qual.rinfo)
			continue;
		pull_varattnos((Node *) ri->clause, baserel->relid, &info->attrs_used);
	}
	if (root->parse->commandType == CMD_UPDATE &&
		baserel->relid == (Index) root->parse->resultRelation && !old_row_needed)
		info->attrs_used = bms_del_member(info->attrs_used,
										  0 - FirstLowInvalidHeapAttributeNumber);

	if (info->have_id_qual)
	{
		Node	   *e = (Node *) info->id_qual.expr;

		baserel->rows = 1;
		if (info->id_qual.is_array)
			baserel->rows = (IsA(e, Const) && !((Const *) e)->constisnull)
				? ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(((Const *) e)->constvalue)),
								 ARR_DIMS(DatumGetArrayTypeP(((Const *) e)->constvalue)))
				: 10;
	}
	else
		baserel->rows = clamp_row_est(baserel->tuples *
									  clauselist_selectivity(root, baserel->baserestrictinfo,
															 0, JOIN_INNER, NULL));
	baserel->fdw_private = info;
}

/*
 * Planner: the id or list path, and the search paths if search can answer
 * some conditions; requests are what cost, rows are cheap.
 */
void
hsGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	HsRelInfo  *info = (HsRelInfo *) baserel->fdw_private;
	Cost		per_request = HS_REQUEST_COST;
	double		requests;
	Cost		total;

	if (info->have_id_qual)
		requests = ceil(baserel->rows / (info->opts.associations_to
										 ? hs_links_read_max(&info->opts)
										 : HS_MAX_BATCH_SIZE));
	else if (info->opts.associations_to)
		requests = 2 * ceil(baserel->tuples / HS_LIST_PAGE_SIZE);	/* page, links */
	else
		requests = ceil(baserel->tuples / HS_LIST_PAGE_SIZE);	/* every page */
	total = per_request * Max(requests, 1) + baserel->rows * cpu_tuple_cost;

	add_path(baserel, (Path *)
			 hs_create_foreignscan_path(root, baserel, baserel->rows,
										per_request, total, NIL, NIL));
	if (info->search)
		hs_search_add_paths(root, baserel, info->search);
}

/* Planner: the plan node; the id qual is answered by HubSpot, the rest locally. */
ForeignScan *
hsGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				 ForeignPath *best_path, List *tlist, List *scan_clauses,
				 Plan *outer_plan)
{
	HsRelInfo  *info = (HsRelInfo *) baserel->fdw_private;
	List	   *local = NIL;
	List	   *fdw_exprs = NIL;
	List	   *attrs = NIL;
	List	   *search_plan = NIL;
	List	   *recheck_quals = NIL;
	HsScanMode	mode = HS_SCAN_LIST;
	HsScanPlan	plan;
	ListCell   *lc;
	int			i;
	bool		wholerow;
	bool		prefetch;
	bool		sorted;
	Relation	rel;
	TupleDesc	tupdesc;

	if (hs_is_search_path(best_path, &sorted))
	{
		mode = HS_SCAN_SEARCH;
		search_plan = hs_search_make_plan(root, info->search, sorted,
										  scan_clauses, &local, &fdw_exprs,
										  &recheck_quals);
		scan_clauses = NIL;
	}
	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (info->have_id_qual && ri == info->id_qual.rinfo)
			continue;
		local = lappend(local, ri->clause);
	}
	if (info->have_id_qual)
	{
		fdw_exprs = list_make1(info->id_qual.expr);
		mode = info->id_qual.is_array ? HS_SCAN_IDS : HS_SCAN_ID;
	}

	wholerow = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, info->attrs_used);
	rel = table_open(foreigntableid, NoLock);
	tupdesc = RelationGetDescr(rel);
	for (i = 1; i <= tupdesc->natts; i++)
	{
		if (TupleDescAttr(tupdesc, i - 1)->attisdropped)
			continue;
		if (wholerow ||
			bms_is_member(i - FirstLowInvalidHeapAttributeNumber, info->attrs_used))
			attrs = lappend_int(attrs, i);
	}
	table_close(rel, NoLock);

	/*
	 * Prefetch the next list page (or batch/read of ids) while the rows of
	 * one are used, unless a LIMIT may stop the scan early and waste the
	 * request.
	 */
	prefetch = (mode == HS_SCAN_LIST || mode == HS_SCAN_SEARCH ||
				mode == HS_SCAN_IDS) &&
		info->opts.max_concurrency > 1 &&
		(root->parse->commandType != CMD_SELECT ||
		 (root->parse->limitCount == NULL && root->parse->limitOffset == NULL &&
		  root->query_level == 1));

	plan.mode = mode;
	plan.attrs = attrs;
	plan.by_key = info->by_key;
	plan.prefetch = prefetch;
	plan.search = search_plan;
	return make_foreignscan(tlist, local, baserel->relid, fdw_exprs,
							hs_scan_plan_pack(&plan), NIL, recheck_quals, outer_plan);
}

/* "properties=a,b,c" for the properties a scan needs (at least one). */
char *
hs_properties_query(char **props, int nprops)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "properties=");
	if (nprops == 0)
		appendStringInfoString(&buf, "hs_object_id");
	for (i = 0; i < nprops; i++)
		appendStringInfo(&buf, "%s%s", i ? "," : "", hs_url_escape(props[i]));
	return buf.data;
}

/* (Re)compute the ids an id scan fetches: Params may change on rescan. */
static void
hs_scan_eval_ids(HsScanState *st)
{
	MemoryContext old;
	int			i;

	MemoryContextReset(st->id.cxt);
	old = MemoryContextSwitchTo(st->id.cxt);
	st->id.ids = hs_eval_id_exprs(st->id.exprs, st->mode == HS_SCAN_IDS,
								  st->id.ps, &st->id.conv);
	if (st->links)
	{
		/* from ids not written as record ids are none (HubSpot might read "0512" as 512) */
		List	   *ids = NIL;
		ListCell   *lc;

		foreach(lc, st->id.ids)
			if (hs_is_record_id((char *) lfirst(lc)))
				ids = lappend(ids, lfirst(lc));
		st->id.ids = ids;
	}
	st->id.array = palloc(sizeof(char *) * Max(list_length(st->id.ids), 1));
	st->id.answered = palloc0(sizeof(bool) * Max(list_length(st->id.ids), 1));
	for (i = 0; i < list_length(st->id.ids); i++)
		st->id.array[i] = list_nth(st->id.ids, i);
	st->id.ready = true;
	MemoryContextSwitchTo(old);
}

/*
 * The columns "attnums" (of "columns", a table's) that a read fills:
 * their attnums, converters and properties (NULL for the id column), one
 * per column, and the properties to ask HubSpot for. Scans and bind joins
 * read their records so.
 */
void
hs_read_columns(List *columns, List *attnums, AttrNumber **retrieved,
				HsConverter **convs, char ***props, char ***prop_names, int *nprops)
{
	int			n = Max(list_length(attnums), 1);
	ListCell   *lc;
	int			i = 0;

	*retrieved = palloc(sizeof(AttrNumber) * n);
	*convs = palloc0(sizeof(HsConverter) * n);
	*props = palloc0(sizeof(char *) * n);
	*prop_names = palloc0(sizeof(char *) * n);
	*nprops = 0;
	foreach(lc, attnums)
	{
		AttrNumber	attnum = lfirst_int(lc);
		ListCell   *lc2;

		(*retrieved)[i] = attnum;
		foreach(lc2, columns)
		{
			HsColumn   *col = lfirst(lc2);

			if (col->attnum != attnum)
				continue;
			hs_converter_init_column(&(*convs)[i], col);
			(*props)[i] = col->property;
			if (col->property)
				(*prop_names)[(*nprops)++] = col->property;
		}
		i++;
	}
}

/* Executor: resolve options, connection, converters and the ids to fetch. */
void
hsBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = node->ss.ss_currentRelation;
	Oid			relid = RelationGetRelid(rel);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	HsScanState *st = palloc0(sizeof(HsScanState));
	HsScanPlan	plan;
	List	   *columns;

	node->fdw_state = st;
	hs_scan_plan_unpack(fsplan->fdw_private, &plan);
	st->mode = plan.mode;
	st->page.prefetch = plan.prefetch;
	hs_get_table_options(relid, &st->opts);
	st->type_path = hs_objects_path(&st->opts, st->opts.object_type);
	st->natts = tupdesc->natts;
	st->tupdesc = tupdesc;

	columns = hs_get_columns(rel);
	st->nretrieved = list_length(plan.attrs);
	hs_read_columns(columns, plan.attrs, &st->retrieved, &st->convs, &st->props,
					&st->prop_names, &st->nprops);
	st->links = st->opts.associations_to != NULL;
	/* a link table's columns are no properties: list pages give ids only */
	st->props_query = st->links ? "properties=hs_object_id"
		: hs_properties_query(st->prop_names, st->nprops);
	st->wide = !st->links && hs_list_is_wide(&st->opts, st->type_path, st->props_query);
	if (plan.by_key)
		st->id.property = st->opts.id_property;

	if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY))
		st->conn = hs_connection_for_table(relid, hs_scan_user(fsplan, estate));
	if (st->mode == HS_SCAN_SEARCH)
		st->search.exec = hs_search_begin(node, plan.search, st->conn, &st->opts,
										  st->type_path, st->prop_names, st->nprops);

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	st->scan_cxt = estate->es_query_cxt;
	st->page.cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "hubspot_fdw scan page",
										 ALLOCSET_DEFAULT_SIZES);
	st->list.cursor_cxt = AllocSetContextCreate(estate->es_query_cxt,
												"hubspot_fdw paging cursors",
												ALLOCSET_SMALL_SIZES);
	if (st->mode == HS_SCAN_ID || st->mode == HS_SCAN_IDS)
	{
		HsColumn   *idcol = st->id.property
			? hs_find_property_column(columns, st->id.property)
			: hs_find_id_column(columns);

		hs_converter_init_column(&st->id.conv, idcol);
		st->id.ps = &node->ss.ps;
		st->id.exprs = fsplan->fdw_exprs;
		st->id.cxt = AllocSetContextCreate(estate->es_query_cxt,
										   "hubspot_fdw scan ids",
										   ALLOCSET_DEFAULT_SIZES);
	}
}

/*
 * Would list GETs of "type_path" asking for "props_query" ("properties=a,b")
 * be too long, with room for a paging cursor or a record id? Then the list
 * is read for ids only and the properties with batch/read
 * (hs_list_fill_wide): scans and ANALYZE decide it here.
 */
bool
hs_list_is_wide(const HsTableOptions *opts, const char *type_path,
				const char *props_query)
{
	return strlen(opts->api_url) + strlen(type_path) + strlen(props_query) +
		HS_URL_RESERVE > HS_MAX_URL_BYTES;
}

/*
 * The query of a list page asking for "props_query" ("properties=a,b"),
 * after paging cursor "after" (NULL: the first page); a wide list
 * (hs_list_is_wide) asks for no property but hs_object_id. Scans and
 * ANALYZE read the list through it.
 */
char *
hs_list_query(const char *props_query, bool wide, const char *after)
{
	return psprintf("limit=%d&archived=false&%s%s%s", HS_LIST_PAGE_SIZE,
					wide ? "properties=hs_object_id" : props_query,
					after ? "&after=" : "", after ? hs_url_escape(after) : "");
}

/* Build the list request for the page after st->list.after (NULL: first). */
static void
hs_scan_list_request(HsScanState *st, HsHttpRequest *req)
{
	char	   *query = hs_list_query(st->props_query, st->wide, st->list.after);

	/* st->props_query is "properties=hs_object_id" for a link table */

	hs_request_init(req, st->conn, &st->opts, "GET", st->type_path, query, NULL);
}

/* Stop the prefetches that will not be used (rescan, end of scan). */
static void
hs_scan_drop_prefetch(HsScanState *st)
{
	int			i;

	for (i = 0; i < st->page.nahead; i++)
	{
		hs_http_cancel(st->page.ahead[i]);
		MemoryContextDelete(st->page.ahead_cxt[i]);
	}
	st->page.nahead = 0;
}

/* Build the request of a read ahead (hs_scan_list_request, hs_scan_ids_request). */
typedef void (*HsScanBuild) (HsScanState *st, HsHttpRequest *req);

/* Start a request, queued after those in flight, in a context of its own. */
static void
hs_scan_ahead_start(HsScanState *st, HsScanBuild build)
{
	MemoryContext cxt = AllocSetContextCreate(st->scan_cxt, "hubspot_fdw scan page",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	HsHttpRequest *req = palloc(sizeof(HsHttpRequest));

	build(st, req);
	hs_send_begin(req);			/* its answer lands in cxt */
	MemoryContextSwitchTo(old);
	st->page.ahead[st->page.nahead] = req;
	st->page.ahead_cxt[st->page.nahead++] = cxt;
}

/*
 * Wait for the oldest queued request and check its HTTP answer. Its context
 * replaces the current page's, and becomes the current memory context (the
 * previous one goes to *old); st->page.objects is emptied for the new page.
 */
static HsHttpRequest *
hs_scan_ahead_finish(HsScanState *st, MemoryContext *old)
{
	HsHttpRequest *req = st->page.ahead[0];

	if (st->page.ahead_page_cxt)
		MemoryContextDelete(st->page.ahead_page_cxt);
	MemoryContextReset(st->page.cxt);	/* the Datums of its rows */
	st->page.ahead_page_cxt = st->page.ahead_cxt[0];
	st->page.nahead--;
	memmove(&st->page.ahead[0], &st->page.ahead[1],
			sizeof(HsHttpRequest *) * st->page.nahead);
	memmove(&st->page.ahead_cxt[0], &st->page.ahead_cxt[1],
			sizeof(MemoryContext) * st->page.nahead);

	*old = MemoryContextSwitchTo(st->page.ahead_page_cxt);
	st->page.objects = NULL;
	st->page.nobjects = 0;
	st->page.next_object = 0;
	hs_send_complete(req);
	st->requests++;
	st->retries += req->retries;
	hs_check_response(req, false);
	return req;
}

/*
 * A wide list page (hs_list_is_wide) gave the ids of "objects" only: read
 * their properties "prop_names" with one batch/read, the properties in its
 * body, project the answer on "props" (one per column, NULL for the id
 * column) and keep the page's order. A listed record batch/read does not
 * return (archived or merged since) is no row. Returns the request's
 * retries; runs in the page's memory context. Scans and ANALYZE use it.
 */
int
hs_list_fill_wide(HsConnection *conn, const HsTableOptions *opts,
				  const char *type_path, char **prop_names, int nprops,
				  char **props, int ncols, HsObject *objects, int *nobjects)
{
	HsHttpRequest req;
	HsObject   *read;
	int			nread;
	char	  **ids;
	int			kept = 0;
	int			i;
	int			j;

	StaticAssertStmt(HS_LIST_PAGE_SIZE <= HS_MAX_BATCH_SIZE,
					 "a list page must fit in one batch/read");
	if (*nobjects == 0)
		return 0;
	ids = palloc(sizeof(char *) * *nobjects);
	for (i = 0; i < *nobjects; i++)
		ids[i] = objects[i].id;
	hs_batch_read_request(&req, conn, opts, type_path, ids, *nobjects,
						  prop_names, nprops, NULL);
	hs_send(&req);
	hs_check_response(&req, false);
	hs_batch_read_answer(&req, props, ncols, &read, &nread);
	for (i = 0; i < *nobjects; i++)
	{
		for (j = 0; j < nread; j++)
		{
			if (read[j].id && strcmp(read[j].id, objects[i].id) == 0)
			{
				objects[kept++] = read[j];
				break;
			}
		}
	}
	*nobjects = kept;
	return req.retries;
}

/*
 * A link table's list page: "objects" gave the from type's ids; replace
 * them with their links, read with batch/read (HS_LIST_PAGE_SIZE ids fit
 * in one). Runs in the page's memory context.
 */
static void
hs_scan_fill_links(HsScanState *st, HsObject **objects, int *nobjects)
{
	HsHttpRequest req;
	char	  **ids;
	int			i;

	StaticAssertStmt(HS_LIST_PAGE_SIZE <= HS_LINK_READ_MAX,
					 "a list page must fit in one associations batch/read");
	if (*nobjects == 0)
		return;
	ids = palloc(sizeof(char *) * *nobjects);
	for (i = 0; i < *nobjects; i++)
		ids[i] = (*objects)[i].id;
	hs_links_read_request(&req, st->conn, &st->opts, ids, NULL, *nobjects);
	hs_send(&req);
	st->requests++;
	st->retries += req.retries;
	hs_check_response(&req, false);
	hs_links_read_answer(&req, st->conn, &st->opts, st->props, st->nretrieved,
						 objects, nobjects, &st->requests, &st->retries);
}

/*
 * HS_SCAN_LIST: the next page of the list endpoint into st->page.objects,
 * from the prefetched request when there is one; then start the page after
 * it.
 */
static bool
hs_scan_fetch_page(HsScanState *st)
{
	MemoryContext old;
	HsHttpRequest *req;
	HsPage		page;
	char	   *why = NULL;

	if (st->list.after == NULL)
	{
		/* the first page of a run: no cursor given out yet */
		MemoryContextReset(st->list.cursor_cxt);
		st->list.cursors = NULL;
	}
	if (st->page.nahead == 0)
		hs_scan_ahead_start(st, hs_scan_list_request);
	req = hs_scan_ahead_finish(st, &old);
	if (!hs_json_parse_page(req->response, req->response_len, st->props,
							st->nretrieved, &page, &why))
		hs_report_bad_response(req, why);
	if (page.next_after)
		hs_check_cursor(&st->list.cursors, st->list.cursor_cxt, page.next_after,
						req);
	if (st->links)
		hs_scan_fill_links(st, &page.objects, &page.nobjects);
	else if (st->wide && page.nobjects > 0)
	{
		st->retries += hs_list_fill_wide(st->conn, &st->opts, st->type_path,
										 st->prop_names, st->nprops, st->props,
										 st->nretrieved, page.objects, &page.nobjects);
		st->requests++;
	}
	st->page.objects = page.objects;
	st->page.nobjects = page.nobjects;

	/* Iterate runs in a per-tuple context: keep the cursor in ours */
	MemoryContextSwitchTo(old);
	if (st->list.after)
		pfree(st->list.after);
	st->list.after = page.next_after ?
		MemoryContextStrdup(st->scan_cxt, page.next_after) : NULL;
	st->page.exhausted = (st->list.after == NULL);

	if (st->list.after && st->page.prefetch)
		hs_scan_ahead_start(st, hs_scan_list_request);
	return true;
}

/*
 * HS_SCAN_SEARCH: the next page of the current phase into st->page.objects,
 * from search or, once the phase fell back, from the list endpoint. False
 * when the phase has no more rows.
 */
static bool
hs_scan_fetch_search(HsScanState *st)
{
	MemoryContext old;
	bool		fallback;
	bool		ok;

	if (st->search.fallback)
		return !st->page.exhausted && hs_scan_fetch_page(st);
	MemoryContextReset(st->page.cxt);
	old = MemoryContextSwitchTo(st->page.cxt);
	st->page.objects = NULL;
	st->page.nobjects = 0;
	st->page.next_object = 0;
	ok = hs_search_page(st->search.exec, st->props, st->nretrieved,
						&st->page.objects, &st->page.nobjects, &fallback);
	MemoryContextSwitchTo(old);
	if (!fallback)
		return ok;

	/* no row of the phase was returned: read the list instead, from its start */
	st->search.fallback = true;
	st->page.exhausted = false;
	if (st->list.after)
		pfree(st->list.after);
	st->list.after = NULL;
	hs_search_phase_info(st->search.exec, &st->search.phase);
	if (st->search.phase.sort)
	{
		old = MemoryContextSwitchTo(st->scan_cxt);
		if (st->search.sort_slot == NULL)
			st->search.sort_slot = MakeSingleTupleTableSlot(st->tupdesc,
															&TTSOpsMinimalTuple);
		st->search.sort = tuplesort_begin_heap(st->tupdesc, 1, &st->search.phase.attnum,
											   &st->search.phase.sortop,
											   &st->search.phase.collation,
											   &st->search.phase.nulls_first,
											   work_mem, NULL, TUPLESORT_NONE);
		MemoryContextSwitchTo(old);
	}
	return hs_scan_fetch_page(st);
}

/* HS_SCAN_SEARCH: go on with the next phase; false when there is none. */
static bool
hs_scan_next_phase(HsScanState *st)
{
	hs_scan_drop_prefetch(st);
	st->search.fallback = false;
	st->page.exhausted = false;
	if (st->list.after)
		pfree(st->list.after);
	st->list.after = NULL;
	st->page.objects = NULL;
	st->page.nobjects = 0;
	st->page.next_object = 0;
	return hs_search_next_phase(st->search.exec);
}

/*
 * HS_SCAN_IDS: a batch/read of the next ids (at most HS_MAX_BATCH_SIZE),
 * built in the current memory context.
 */
static void
hs_scan_ids_request(HsScanState *st, HsHttpRequest *req)
{
	int			n = Min(st->links ? hs_links_read_max(&st->opts) : HS_MAX_BATCH_SIZE,
						list_length(st->id.ids) - st->id.next);
	char	  **ids = palloc(sizeof(char *) * n);
	int			i;

	for (i = 0; i < n; i++)
		ids[i] = list_nth(st->id.ids, st->id.next++);
	if (st->links)
	{
		hs_links_read_request(req, st->conn, &st->opts, ids, NULL, n);
		return;
	}
	hs_batch_read_request(req, st->conn, &st->opts, st->type_path, ids, n,
						  st->prop_names, st->nprops, st->id.property);
}

/*
 * A batch/read of "ids" (at most HS_MAX_BATCH_SIZE) asking for "props",
 * with idProperty when the ids are values of "id_property" (else NULL).
 * Built in the current memory context; id scans and bind joins send it.
 */
void
hs_batch_read_request(HsHttpRequest *req, HsConnection *conn,
					  const HsTableOptions *opts, const char *type_path,
					  char **ids, int nids, char **props, int nprops,
					  const char *id_property)
{
	hs_request_init(req, conn, opts, "POST",
					psprintf("%s/batch/read", type_path), "archived=false",
					hs_json_batch_read_body(ids, nids, props, nprops, id_property));
}

/*
 * The records of a batch/read answer that hs_check_response accepted,
 * projected on "props" (one per column read, NULL for the id column).
 * Ids HubSpot does not have are simply no records; any other error the
 * answer names fails the statement.
 */
void
hs_batch_read_answer(HsHttpRequest *req, char **props, int nprops,
					 HsObject **objects, int *nobjects)
{
	HsBatchResult res;
	char	   *why = NULL;
	int			i;

	if (!hs_json_parse_batch(req->response, req->response_len, props, nprops,
							 &res, &why))
		hs_report_bad_response(req, why);
	for (i = 0; i < res.nerrors; i++)
		hs_check_read_error(req, res.errors[i].category, res.errors[i].message, false);
	*objects = res.results;
	*nobjects = res.nresults;
}

/*
 * HS_SCAN_IDS: keep, in place, the results of a batch/read that answer an
 * id asked for and not answered before, and return how many. A record
 * HubSpot returns under another id (a merged record answers for the ids
 * merged into it) does not satisfy "id = x": it is no row, as on the list;
 * nor are its links in a link table, where one id answers many rows (its
 * links), so an id is not marked answered there. Key values (id_property)
 * are matched by HubSpot's rules, and answers carry record ids: those
 * results are all kept.
 */
static int
hs_scan_keep_asked(HsScanState *st, HsObject *objects, int nobjects)
{
	int			kept = 0;
	int			i;

	if (st->id.property)
		return nobjects;
	for (i = 0; i < nobjects; i++)
	{
		char	  **hit = bsearch(&objects[i].id, st->id.array, list_length(st->id.ids),
								  sizeof(char *), hs_cmp_strings);

		if (hit == NULL)
			continue;
		if (!st->links)
		{
			if (st->id.answered[hit - st->id.array])
				continue;
			st->id.answered[hit - st->id.array] = true;
		}
		objects[kept++] = objects[i];
	}
	return kept;
}

/*
 * HS_SCAN_IDS: the next batch/read into st->page.objects, oldest first. The
 * chunks do not depend on each other, so up to max_concurrency of them are
 * kept in flight (one at a time when a LIMIT may stop the scan early).
 */
static bool
hs_scan_fetch_ids(HsScanState *st)
{
	int			depth = st->page.prefetch ?
		Max(1, Min(st->opts.max_concurrency, HS_MAX_PARALLEL)) : 1;
	MemoryContext old;
	HsHttpRequest *req;
	HsObject   *objects;
	int			nobjects;

	/* beyond the first, leave slots for a write pipeline and other scans */
	while (st->page.nahead < depth && st->id.next < list_length(st->id.ids) &&
		   (st->page.nahead == 0 || hs_http_in_flight() < HS_HTTP_SLOTS - HS_MAX_PARALLEL))
		hs_scan_ahead_start(st, hs_scan_ids_request);
	req = hs_scan_ahead_finish(st, &old);
	if (st->links)
		hs_links_read_answer(req, st->conn, &st->opts, st->props, st->nretrieved,
							 &objects, &nobjects, &st->requests, &st->retries);
	else
		hs_batch_read_answer(req, st->props, st->nretrieved, &objects, &nobjects);
	st->page.objects = objects;
	st->page.nobjects = hs_scan_keep_asked(st, objects, nobjects);
	MemoryContextSwitchTo(old);
	return true;
}

/* Fetch the next page of objects into st->page.objects; false when none is left. */
static bool
hs_scan_fetch(HsScanState *st)
{
	HsHttpRequest req;
	MemoryContext old;
	char	   *why = NULL;

	if (st->page.exhausted)
		return false;
	if (st->mode == HS_SCAN_LIST)
		return hs_scan_fetch_page(st);
	MemoryContextReset(st->page.cxt);
	old = MemoryContextSwitchTo(st->page.cxt);
	st->page.objects = NULL;
	st->page.nobjects = 0;
	st->page.next_object = 0;

	if (!st->id.ready)
	{
		/* evaluate in the scan's memory, not the per-tuple context */
		MemoryContextSwitchTo(old);
		hs_scan_eval_ids(st);
		MemoryContextSwitchTo(st->page.cxt);
	}
	if (st->id.next >= list_length(st->id.ids) && st->page.nahead == 0)
	{
		MemoryContextSwitchTo(old);
		st->page.exhausted = true;
		return false;
	}

	/* a wide scan's properties do not fit in a GET: batch/read them */
	if ((st->mode == HS_SCAN_ID || list_length(st->id.ids) == 1) && !st->wide &&
		!st->links)
	{
		char	   *id = list_nth(st->id.ids, st->id.next++);
		char	   *path = psprintf("%s/%s", st->type_path, hs_url_escape(id));
		HsObject   *obj = palloc0(sizeof(HsObject));

		hs_request_init(&req, st->conn, &st->opts, "GET", path,
						psprintf("archived=false&%s%s%s", st->props_query,
								 st->id.property ? "&idProperty=" : "",
								 st->id.property ? hs_url_escape(st->id.property) : ""),
						NULL);
		hs_send(&req);
		st->requests++;
		st->retries += req.retries;
		hs_check_response(&req, true);
		if (req.http_status != 404)
		{
			if (!hs_json_parse_object(req.response, req.response_len, st->props,
									  st->nretrieved, obj, &why))
				hs_report_bad_response(&req, why);
			st->page.objects = obj;
			st->page.nobjects = hs_scan_keep_asked(st, obj, 1);
		}
	}
	else
	{
		MemoryContextSwitchTo(old);
		return hs_scan_fetch_ids(st);
	}
	MemoryContextSwitchTo(old);
	return true;
}

/* Fill "slot" with one object; columns not retrieved are NULL. */
static void
hs_scan_store(HsScanState *st, HsObject *obj, TupleTableSlot *slot)
{
	MemoryContext old = MemoryContextSwitchTo(st->page.cxt);
	int			i;

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * st->natts);
	for (i = 0; i < st->nretrieved; i++)
	{
		int			att = st->retrieved[i] - 1;
		const char *value = st->props[i] ? obj->values[i] : obj->id;

		if (value == NULL)
			continue;
		slot->tts_values[att] = hs_value_to_datum(&st->convs[i], value, obj->id,
												  &slot->tts_isnull[att]);
	}
	ExecStoreVirtualTuple(slot);
	MemoryContextSwitchTo(old);
}

/*
 * Does a row read from the list in a search fallback belong to the phase,
 * and does it pass the conditions only HubSpot would have checked?
 */
static bool
hs_scan_fallback_keeps(ForeignScanState *node, HsScanState *st, TupleTableSlot *slot)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	if (st->search.phase.nulls != 0)
	{
		bool		isnull;

		(void) slot_getattr(slot, st->search.phase.attnum, &isnull);
		if (isnull != (st->search.phase.nulls > 0))
			return false;
	}
	if (node->fdw_recheck_quals == NULL)
		return true;
	ResetExprContext(econtext);
	econtext->ecxt_scantuple = slot;
	return ExecQual(node->fdw_recheck_quals, econtext);
}

/*
 * HS_SCAN_SEARCH: the next row of the current phase, going through the
 * phases; a phase that fell back filters (and if need be sorts) list rows.
 */
static TupleTableSlot *
hs_scan_iterate_search(ForeignScanState *node, HsScanState *st)
{
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	for (;;)
	{
		if (st->search.sorted)
		{
			if (tuplesort_gettupleslot(st->search.sort, true, false,
									   st->search.sort_slot, NULL))
				return ExecCopySlot(slot, st->search.sort_slot);
			tuplesort_end(st->search.sort);
			st->search.sort = NULL;
			st->search.sorted = false;
			if (!hs_scan_next_phase(st))
				return ExecClearTuple(slot);
			continue;
		}
		if (st->page.next_object >= st->page.nobjects)
		{
			if (hs_scan_fetch_search(st))
				continue;
			if (st->search.sort)
			{
				tuplesort_performsort(st->search.sort);
				st->search.sorted = true;
				continue;
			}
			if (!hs_scan_next_phase(st))
				return ExecClearTuple(slot);
			continue;
		}
		hs_scan_store(st, &st->page.objects[st->page.next_object++], slot);
		if (!st->search.fallback)
			return slot;
		if (!hs_scan_fallback_keeps(node, st, slot))
			continue;
		if (st->search.sort == NULL)
			return slot;
		tuplesort_puttupleslot(st->search.sort, slot);
	}
}

/* Executor: the next row, fetching the next page when the current one is used up. */
TupleTableSlot *
hsIterateForeignScan(ForeignScanState *node)
{
	HsScanState *st = (HsScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (st->mode == HS_SCAN_SEARCH)
		return hs_scan_iterate_search(node, st);

	while (st->page.next_object >= st->page.nobjects)
	{
		if (!hs_scan_fetch(st))
			return ExecClearTuple(slot);
	}
	hs_scan_store(st, &st->page.objects[st->page.next_object++], slot);
	return slot;
}

/* Executor: start again from the first page or id. */
void
hsReScanForeignScan(ForeignScanState *node)
{
	HsScanState *st = (HsScanState *) node->fdw_state;

	hs_scan_drop_prefetch(st);
	if (st->search.exec)
	{
		hs_search_rescan(st->search.exec);
		if (st->search.sort)
			tuplesort_end(st->search.sort);
		st->search.sort = NULL;
		st->search.sorted = false;
		st->search.fallback = false;
	}
	if (st->list.after)
		pfree(st->list.after);
	st->list.after = NULL;
	st->id.ready = false;		/* Params may have changed */
	st->id.next = 0;
	st->page.exhausted = false;
	st->page.objects = NULL;
	st->page.nobjects = 0;
	st->page.next_object = 0;
}

/* Executor: stop a prefetch nobody will read; memory goes with the contexts. */
void
hsEndForeignScan(ForeignScanState *node)
{
	HsScanState *st = (HsScanState *) node->fdw_state;

	if (st)
		hs_scan_drop_prefetch(st);
	if (st && st->search.sort)
		tuplesort_end(st->search.sort);
	if (st && st->search.sort_slot)
		ExecDropSingleTupleTableSlot(st->search.sort_slot);
}

/*
 * Under an api_version whose spec of the table's object type lists no
 * batch/read, say in EXPLAIN which endpoint answers it instead
 * (hs_batch_read_source()); nothing otherwise.
 */
void
hs_explain_batch_read_source(const HsTableOptions *opts, ExplainState *es)
{
	const char *source = hs_batch_read_source(opts, opts->object_type);

	if (source != NULL)
		ExplainPropertyText("HubSpot Batch Read",
							psprintf("%s (the %s spec of %s lists no batch/read)", source,
									 opts->object_type,
									 hs_api_version_name(opts->api_version)), es);
}

/* EXPLAIN: the request a scan of a table of records sends. */
static void
hs_scan_explain_request(HsScanState *st, ExplainState *es)
{
	switch (st->mode)
	{
		case HS_SCAN_LIST:
			if (st->wide)
				ExplainPropertyText("HubSpot Request",
									psprintf("GET %s (pages of %d ids), POST %s/batch/read per page (the %d properties would make the URL too long)",
											 st->type_path, HS_LIST_PAGE_SIZE,
											 st->type_path, st->nprops), es);
			else
				ExplainPropertyText("HubSpot Request",
									psprintf("GET %s (pages of %d)", st->type_path,
											 HS_LIST_PAGE_SIZE), es);
			break;
		case HS_SCAN_ID:
			if (st->wide)
				ExplainPropertyText("HubSpot Request",
									psprintf("POST %s/batch/read (one %s%s%s, as the %d properties would make a GET's URL too long)",
											 st->type_path,
											 st->id.property ? st->id.property : "id",
											 st->id.property ? " value, idProperty=" : "",
											 st->id.property ? st->id.property : "",
											 st->nprops), es);
			else if (st->id.property)
				ExplainPropertyText("HubSpot Request",
									psprintf("GET %s/{%s}?idProperty=%s", st->type_path,
											 st->id.property, st->id.property), es);
			else
				ExplainPropertyText("HubSpot Request",
									psprintf("GET %s/{id}", st->type_path), es);
			break;
		case HS_SCAN_IDS:
			if (st->id.property)
				ExplainPropertyText("HubSpot Request",
									psprintf("POST %s/batch/read (up to %d %s values each, idProperty=%s)",
											 st->type_path, HS_MAX_BATCH_SIZE,
											 st->id.property, st->id.property), es);
			else
				ExplainPropertyText("HubSpot Request",
									psprintf("POST %s/batch/read (up to %d ids each)",
											 st->type_path, HS_MAX_BATCH_SIZE), es);
			break;
		case HS_SCAN_SEARCH:
			hs_search_explain(st->search.exec, es);
			break;
	}
	if (st->wide || st->mode == HS_SCAN_IDS)
		hs_explain_batch_read_source(&st->opts, es);
}

/* EXPLAIN: the requests a scan of a link table sends. */
static void
hs_scan_explain_links(HsScanState *st, ExplainState *es)
{
	char	   *read_path = hs_links_read_path(&st->opts);

	if (st->mode == HS_SCAN_LIST)
		ExplainPropertyText("HubSpot Request",
							psprintf("GET %s (pages of %d ids), POST %s per page (the links of its ids)",
									 st->type_path, HS_LIST_PAGE_SIZE, read_path), es);
	else
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s (the links of up to %d from ids each)",
									 read_path, hs_links_read_max(&st->opts)), es);
}

/* EXPLAIN: the request the scan sends and the properties it asks for. */
void
hsExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	HsScanState *st = (HsScanState *) node->fdw_state;
	StringInfoData props;
	int			i;

	if (st->links)
		hs_scan_explain_links(st, es);
	else
		hs_scan_explain_request(st, es);
	if (es->verbose)
	{
		initStringInfo(&props);
		for (i = 0; i < st->nprops; i++)
			appendStringInfo(&props, "%s%s", i ? ", " : "", st->prop_names[i]);
		ExplainPropertyText("HubSpot Properties", props.len ? props.data : "(none)", es);
		/* batch/reads of ids overlap; list and search fetch one page ahead */
		ExplainPropertyInteger("HubSpot Concurrency", NULL,
							   !st->page.prefetch ? 1 :
							   st->mode == HS_SCAN_IDS ?
							   Max(1, Min(st->opts.max_concurrency, HS_MAX_PARALLEL)) : 2,
							   es);
	}
	if (es->analyze)
	{
		int			requests = st->requests;
		int			retries = st->retries;

		if (st->search.exec)
		{
			int			sreq;
			int			sretries;

			hs_search_counts(st->search.exec, &sreq, &sretries);
			requests += sreq;
			retries += sretries;
		}
		ExplainPropertyInteger("HubSpot Requests Sent", NULL, requests, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, retries, es);
		if (st->search.exec)
			hs_search_explain_analyze(st->search.exec, es);
	}
}
