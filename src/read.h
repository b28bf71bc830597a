/*
 * read.h
 *		The read side: planning and running scans (scan.c), the helpers
 *		scans share with the writes that find rows the same way (quals.c),
 *		search pushdown (search.c), bind joins (bindjoin.c) and IMPORT
 *		FOREIGN SCHEMA (import.c).
 *
 * Above the transport; the write side builds on it. See doc/ARCHITECTURE.md.
 */
#ifndef READ_H
#define READ_H

#include "transport.h"

/* ---------- quals.c, and the plan a scan leaves (scan.c) ---------- */

/* How a scan fetches rows (stored in ForeignScan.fdw_private). */
typedef enum HsScanMode
{
	HS_SCAN_LIST,				/* page through GET /crm/v3/objects/{type} */
	HS_SCAN_ID,					/* id = value: GET .../{id} */
	HS_SCAN_IDS,				/* id = ANY(values): batch/read */
	HS_SCAN_SEARCH				/* conditions pushed: POST .../search */
} HsScanMode;

/* The cost model: requests are what cost, rows are cheap. */
#define HS_REQUEST_COST 1000.0
/* HubSpot keeps no statistics we could read: the size assumed of every table. */
#define HS_ASSUMED_ROWS 1000.0

/* GUC hubspot_fdw.enable_bind_join (bindjoin.c). */
extern bool hs_enable_bind_join;

/* The plan of a scan, as its ForeignScan.fdw_private keeps it (scan.c). */
typedef struct HsScanPlan
{
	HsScanMode	mode;
	List	   *attrs;			/* IntList: attnums to fill */
	bool		by_key;			/* ids are id_property values */
	bool		prefetch;		/* fetch the next page ahead */
	List	   *search;			/* the search plan (HS_SCAN_SEARCH), or NIL */
} HsScanPlan;

/* What the planner learned about a scan's quals on the id column. */
typedef struct HsIdQual
{
	Expr	   *expr;			/* value(s) to evaluate at run time */
	bool		is_array;		/* id = ANY(expr) */
	RestrictInfo *rinfo;		/* the qual it came from */
} HsIdQual;

extern bool hs_match_id_qual(PlannerInfo *root, RelOptInfo *baserel,
							 RestrictInfo *rinfo, AttrNumber id_attno,
							 HsIdQual *out);
extern Node *hs_strip(Node *node);
extern bool hs_is_runtime_constant(Node *node);
extern int	hs_cmp_strings(const void *a, const void *b);
extern List *hs_slot_list(Node **slots, int n);
/* The id values a plan's quals name (scan.c, update.c, delete.c). */
extern bool hs_is_record_id(const char *key);
extern void hs_trim_char_padding(const HsConverter *conv, char *key);
extern List *hs_eval_id_exprs(List *exprs, bool is_array, PlanState *ps,
							  HsConverter *conv);

/* ---------- scan.c ---------- */

extern void hsGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								Oid foreigntableid);
extern void hsGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
							  Oid foreigntableid);
extern ForeignScan *hsGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid, ForeignPath *best_path,
									 List *tlist, List *scan_clauses,
									 Plan *outer_plan);
extern void hsBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *hsIterateForeignScan(ForeignScanState *node);
extern void hsReScanForeignScan(ForeignScanState *node);
extern void hsEndForeignScan(ForeignScanState *node);
extern void hsExplainForeignScan(ForeignScanState *node, ExplainState *es);
extern void hs_explain_batch_read_source(const HsTableOptions *opts, ExplainState *es);
extern char *hs_properties_query(char **props, int nprops);
extern bool hs_list_is_wide(const HsTableOptions *opts, const char *type_path,
							const char *props_query);
extern char *hs_list_query(const char *props_query, bool wide, const char *after);
extern int	hs_list_fill_wide(HsConnection *conn, const HsTableOptions *opts,
							  const char *type_path, char **prop_names, int nprops,
							  char **props, int ncols, HsObject *objects,
							  int *nobjects);

/* analyze.c */
extern bool hsAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
								  BlockNumber *totalpages);
extern void hs_scan_plan_unpack(List *fdw_private, HsScanPlan *out);
extern bool hs_update_needs_old_row(PlannerInfo *root, Relation rel, Index relid);
extern void hs_read_columns(List *columns, List *attnums, AttrNumber **retrieved,
							HsConverter **convs, char ***props, char ***prop_names,
							int *nprops);
extern void hs_batch_read_request(HsHttpRequest *req, HsConnection *conn,
								  const HsTableOptions *opts, const char *type_path,
								  char **ids, int nids, char **props, int nprops,
								  const char *id_property);
extern void hs_batch_read_answer(HsHttpRequest *req, char **props, int nprops,
								 HsObject **objects, int *nobjects);

/* ---------- links.c: link tables (associations_to) ---------- */

/*
 * Records per associations batch/read. v3 states no limit; 100, as its
 * other batch endpoints. v4 and its successors, the date versions, take
 * 1,000 (hs_links_read_max()): doc/hubspot-api.md, "Associations".
 */
#define HS_LINK_READ_MAX 100
#define HS_LINK_READ_MAX_V4 1000

extern int	hs_links_read_max(const HsTableOptions *opts);
extern char *hs_links_read_path(const HsTableOptions *opts);

extern void hs_links_read_request(HsHttpRequest *req, HsConnection *conn,
								  const HsTableOptions *opts, char **ids,
								  char **afters, int n);
extern void hs_links_read_answer(HsHttpRequest *req, HsConnection *conn,
								 const HsTableOptions *opts, char **props, int nprops,
								 HsObject **objects, int *nobjects, int *requests,
								 int *retries);

/* ---------- search.c ---------- */

typedef struct HsSearchInfo HsSearchInfo;	/* what the planner can push */
typedef struct HsSearchExec HsSearchExec;	/* a search scan at run time */

/* What a local fallback of a search phase must do with its rows. */
typedef struct HsSearchPhaseInfo
{
	AttrNumber	attnum;			/* the sort column, or 0 */
	int			nulls;			/* its rows: 0 all, 1 NULL only, -1 non-NULL only */
	bool		sort;			/* sort them with sortop */
	Oid			sortop;
	Oid			collation;
	bool		nulls_first;
} HsSearchPhaseInfo;

extern HsSearchInfo *hs_search_analyze(PlannerInfo *root, RelOptInfo *baserel,
									   List *columns, const HsTableOptions *opts);
extern void hs_search_add_paths(PlannerInfo *root, RelOptInfo *baserel,
								HsSearchInfo *info);
extern bool hs_is_search_path(ForeignPath *path, bool *sorted);
extern List *hs_search_make_plan(PlannerInfo *root, HsSearchInfo *info, bool sorted,
								 List *scan_clauses, List **local, List **fdw_exprs,
								 List **recheck_quals);
extern HsSearchExec *hs_search_begin(ForeignScanState *node, List *search_private,
									 HsConnection *conn, const HsTableOptions *opts,
									 const char *type_path, char **props, int nprops);
extern bool hs_search_page(HsSearchExec *ex, char **props, int nprops,
						   HsObject **objects, int *nobjects, bool *fallback);
extern bool hs_search_next_phase(HsSearchExec *ex);
extern void hs_search_phase_info(HsSearchExec *ex, HsSearchPhaseInfo *out);
extern void hs_search_rescan(HsSearchExec *ex);
extern void hs_search_counts(HsSearchExec *ex, int *requests, int *retries);
extern void hs_search_explain(HsSearchExec *ex, ExplainState *es);
extern void hs_search_explain_analyze(HsSearchExec *ex, ExplainState *es);

/* ---------- bindjoin.c: joins that fetch the other side's keys ---------- */

extern void hs_bind_join_init(void);

/* How the values of a bind join's key expression are sent. */
typedef struct HsBindKey
{
	HsConverter conv;
	bool		is_number;		/* record ids from a number: integers only */
} HsBindKey;

extern void hs_bind_key_init(HsBindKey *k, Expr *key_expr, const HsColumn *keycol,
							 bool by_key);
extern char *hs_bind_key_value(HsBindKey *k, Datum value, bool isnull);
extern void hs_bind_store_outer(TupleTableSlot *scan, TupleTableSlot *outer,
								int nouter);

/*
 * A bind join's plan, as a direct UPDATE over it (update.c) takes it over:
 * the scan tuple is the outer plan's output ("nouter" columns), then the
 * HubSpot table's columns.
 */
typedef struct HsBindJoinParts
{
	Plan	   *outer_plan;
	Expr	   *key_expr;		/* the outer side of the key clause */
	List	   *scan_tlist;
	int			nouter;
	Index		inner_relid;	/* the HubSpot table */
	Oid			userid;			/* whose user mapping; 0: the current user */
	JoinType	jointype;
	bool		unique;			/* each record joins at most once */
	bool		by_key;			/* keys are id_property values */
	bool		only_key;		/* the key clause alone decides a match */
} HsBindJoinParts;

extern bool hs_bind_join_parts(Plan *plan, HsBindJoinParts *out);

/* ---------- import.c ---------- */

extern List *hsImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

#endif							/* READ_H */
