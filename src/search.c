/*
 * search.c
 *		Search pushdown: which conditions of a scan HubSpot's search endpoint
 *		(POST /crm/v3/objects/{type}/search) can answer, what that costs, the
 *		filterGroups they become, and the paging of the answers.
 *
 * Planning. A restriction is pushed when it is, on a column that has a
 * property and a hubspot_type option (so the property's type is known):
 *	- col <op> value, op one of = <> < <= > >=, value known before the scan
 *	  (constants, parameters, stable expressions of them);
 *	- col IN (...) / col = ANY(array), col NOT IN (...) / col <> ALL(array);
 *	- col IS NULL, col IS NOT NULL; a boolean column alone, or NOT col;
 *	- an OR of such conditions, or of ANDs of them.
 * Which operators are pushed, and which of them are checked again locally
 * because HubSpot's semantics differ, depends on the column (see
 * hs_search_kind and hs_search_operator; README "Search pushdown"). The
 * pushed restrictions, ANDed, become the filterGroups: an OR multiplies the
 * groups. A restriction is kept local when it would take the request past
 * HubSpot's limits on groups and filters. ORDER BY one number, date or
 * date-time column is pushed as the search's sort; records without a value
 * are fetched by a second search (NOT_HAS_PROPERTY) before or after the
 * others, as the ORDER BY's NULLS FIRST/LAST says.
 *
 * Search is used only by statements that read: a SELECT without
 * data-modifying WITH, planned on its own. Search is eventually consistent,
 * so UPDATE, DELETE and INSERT ... SELECT never read their rows from it.
 *
 * Execution. The first page of each search tells how many records match.
 * Past HubSpot's 10,000-result cap, before any row is returned, the scan
 * falls back to paging the list endpoint and filtering locally (scan.c).
 */
#include "postgres.h"

#include <math.h>

#include "read.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/string.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_locale.h"

/* HubSpot's search limits: doc/hubspot-api.md, "Search". */
#define HS_SEARCH_PAGE_SIZE 200			/* results per page */
#define HS_SEARCH_MAX_GROUPS 6			/* the spec's 6; the guide says 5 */
#define HS_SEARCH_MAX_GROUP_FILTERS 6	/* filters in one group */
#define HS_SEARCH_MAX_FILTERS 18		/* filters in all groups */
#define HS_SEARCH_MAX_VALUES 100		/* values of one IN: not documented */
#define HS_SEARCH_RESULT_CAP 10000		/* results one search can reach */

/*
 * A search request costs more than a list request: search has its own,
 * lower rate limit (about 5/s against 100 per 10 s).
 */
#define HS_SEARCH_COST_FACTOR 2.0

/* How a column's conditions can be pushed (from its type and hubspot_type). */
typedef enum HsSearchKind
{
	HS_SK_NONE,					/* no comparison is pushed */
	HS_SK_TEXT,					/* string-like: = and IN, checked again */
	HS_SK_NUMBER,				/* integers, numeric without typmod */
	HS_SK_BOOL,					/* = and <> */
	HS_SK_DATE,					/* epoch ms at midnight */
	HS_SK_DATETIME				/* epoch ms; checked again */
} HsSearchKind;

/*
 * The plans search leaves are Lists of slots, each named by an enum below
 * and read or written only by the pack and unpack functions next to it
 * (hs_search_template, hs_template_unpack and so on): a filter template,
 * the sort, the search plan and a search path's fdw_private.
 */

/* The slots of a filter template (see HsFilterTemplate). */
enum HsFilterTemplateSlot
{
	HS_FT_PROPERTY,				/* String */
	HS_FT_OPERATOR,				/* String */
	HS_FT_ATTNUM,				/* Integer */
	HS_FT_VALUE,				/* Integer */
	HS_FT_TYPE,					/* Integer */
	HS_FT_FOLD,					/* Boolean */
	HS_FT_COUNT
};

/* A filter template: one filter, its value known when the scan starts. */
typedef struct HsFilterTemplate
{
	char	   *property;
	char	   *operator;		/* EQ, NEQ, ..., HAS_PROPERTY */
	AttrNumber	attnum;			/* the column */
	int			value;			/* index into fdw_exprs, -1 for none */
	Oid			type;			/* the value's type (element type for IN) */
	bool		fold;			/* IN on text also sends lower-case values */
} HsFilterTemplate;

/* The slots of the sort of a search plan (see HsSearchSort). */
enum HsSortPrivate
{
	HS_SO_PROPERTY,				/* String */
	HS_SO_ATTNUM,				/* Integer */
	HS_SO_DESC,					/* Boolean */
	HS_SO_NULLS_FIRST,			/* Boolean */
	HS_SO_NULLS_POSSIBLE,		/* Boolean */
	HS_SO_SORTOP,				/* Integer */
	HS_SO_COLLATION,			/* Integer */
	HS_SO_COUNT
};

/* The ORDER BY a search does. */
typedef struct HsSearchSort
{
	char	   *property;
	AttrNumber	attnum;
	bool		desc;
	bool		nulls_first;
	bool		nulls_possible; /* a second search for records without a value */
	Oid			sortop;			/* the ordering operator (local fallback) */
	Oid			collation;
} HsSearchSort;

/* The slots of the search plan, in a scan's plan (see HsScanPlan.search). */
enum HsSearchPrivate
{
	HS_SP_CONJUNCTS,			/* List */
	HS_SP_SORT,					/* List (enum HsSortPrivate), or NIL */
	HS_SP_PAGE_SIZE,			/* Integer */
	HS_SP_MATCHES,				/* Integer */
	HS_SP_REQUESTS,				/* Integer */
	HS_SP_LIST_REQUESTS,		/* Integer */
	HS_SP_TABLE_ROWS,			/* Float */
	HS_SP_COUNT
};

/* The search plan of a scan. */
typedef struct HsSearchPlan
{
	List	   *conjuncts;		/* List of conjuncts: List of arms: List of templates */
	bool		sorted;			/* the search does the ORDER BY "sort" */
	HsSearchSort sort;
	int			page_size;
	int			est_matches;	/* estimated matches */
	int			est_requests;	/* estimated search requests */
	int			est_list_requests;	/* estimated list requests instead */
	double		est_table_rows;	/* estimated records of the table */
} HsSearchPlan;

/* The slots of a search path's fdw_private. */
enum HsSearchPathPrivate
{
	HS_SPATH_MODE,				/* Integer: HS_SCAN_SEARCH */
	HS_SPATH_SORTED,			/* Boolean: the path does the ORDER BY */
	HS_SPATH_COUNT
};

/* What the planner learned about a scan's restrictions (baserel's HsRelInfo). */
struct HsSearchInfo
{
	List	   *conjuncts;		/* per pushed restriction: arms of templates */
	List	   *pushed;			/* the pushed RestrictInfos */
	List	   *rechecked;		/* those of them also checked locally */
	List	   *values;			/* value expressions, indexed by templates */
	int			ngroups;		/* filterGroups the conjuncts make */
	int			group_max;		/* filters in the largest group */
	int			nfilters;		/* filters in all groups */
	Selectivity selectivity;	/* of the pushed restrictions */
	double		table_rows;		/* the table's estimated size */
	bool		all_pushed;		/* every restriction pushed, none rechecked */

	/* the ORDER BY search can do, if any */
	PathKey    *pathkey;
	HsSearchSort sort;			/* set when pathkey is */
};

/* One phase of a scan: one search, possibly with an extra filter. */
typedef struct HsSearchPhase
{
	const char *extra_op;		/* HAS_PROPERTY, NOT_HAS_PROPERTY or NULL */
	bool		sorted;			/* sent with the sort */
	int			nulls;			/* its rows' sort column: 0 any, 1 NULL, -1 not NULL */
	bool		started;
	bool		done;
	char	   *after;
	HsIdSet    *cursors;		/* the cursors given out (hs_check_cursor) */
} HsSearchPhase;

/* Run-time state of a search scan. */
struct HsSearchExec
{
	ForeignScanState *node;
	HsConnection *conn;
	const HsTableOptions *opts;
	char	   *path;			/* ".../search" */
	char	  **props;			/* properties asked for */
	int			nprops;
	HsSearchPlan plan;
	List	   *value_exprs;	/* fdw_exprs */
	List	   *value_states;

	MemoryContext cxt;			/* lives as long as the scan */
	MemoryContext run_cxt;		/* values, groups and cursors: reset on rescan */
	bool		ready;
	bool		empty;			/* a condition can never hold: no request */
	bool		fallback_all;	/* a value search cannot take: list only */
	HsSearchGroup *groups;
	int			ngroups;
	HsSearchPhase phases[2];
	int			nphases;
	int			phase;

	int			requests;
	int			retries;
	int64		total;			/* matches HubSpot reported, all phases */
	bool		fell_back;
};

/* ---------------------------------------------------------------- planning */

/* How conditions on column "col" can be pushed. */
static HsSearchKind
hs_search_kind(const HsColumn *col)
{
	int32		typmod = col->typmod;
	Oid			base = getBaseTypeAndTypmod(col->typid, &typmod);
	const char *ht = col->hubspot_type;

	if (col->property == NULL || ht == NULL)
		return HS_SK_NONE;
	switch (base)
	{
		case TEXTOID:
		case VARCHAROID:
			if (strcmp(ht, "string") == 0 || strcmp(ht, "enumeration") == 0 ||
				strcmp(ht, "phone_number") == 0)
				return HS_SK_TEXT;
			break;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			if (strcmp(ht, "number") == 0)
				return HS_SK_NUMBER;
			break;
		case NUMERICOID:
			/* a typmod rounds what is read: HubSpot would compare unrounded values */
			if (strcmp(ht, "number") == 0 && typmod < 0)
				return HS_SK_NUMBER;
			break;
		case BOOLOID:
			if (strcmp(ht, "bool") == 0 || strcmp(ht, "enumeration") == 0)
				return HS_SK_BOOL;
			break;
		case DATEOID:
			if (strcmp(ht, "date") == 0)
				return HS_SK_DATE;
			break;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			/* HubSpot keeps milliseconds; a coarser typmod rounds them */
			if ((strcmp(ht, "datetime") == 0 || strcmp(ht, "date") == 0) &&
				(typmod < 0 || typmod >= 3))
				return HS_SK_DATETIME;
			break;
	}
	return HS_SK_NONE;
}

/* Does a column of this type read HubSpot's "" as '' rather than NULL? */
static bool
hs_search_reads_empty(const HsColumn *col)
{
	char		category;
	bool		preferred;

	get_type_category_preferred(getBaseType(col->typid), &category, &preferred);
	return category == TYPCATEGORY_STRING;
}

/* The column "node" is, if it is a column of baserel mapped to a property. */
static HsColumn *
hs_search_column(Node *node, RelOptInfo *baserel, List *columns)
{
	Var		   *var = (Var *) hs_strip(node);
	ListCell   *lc;

	if (var == NULL || !IsA(var, Var) || var->varno != baserel->relid ||
		var->varlevelsup != 0 || var->varattno <= 0)
		return NULL;
	foreach(lc, columns)
	{
		HsColumn   *col = lfirst(lc);

		if (col->attnum == var->varattno)
			return col->property && col->hubspot_type ? col : NULL;
	}
	return NULL;
}

/*
 * The HubSpot operator for SQL operator "opno" applied as (column op value)
 * to a column of "kind", or NULL if it cannot be pushed. *recheck says the
 * condition must also be checked locally, *valtype is the value's type.
 */
static const char *
hs_search_operator(Oid opno, const HsColumn *col, HsSearchKind kind,
				   Oid collid, bool *recheck, Oid *valtype)
{
	Oid			base = getBaseType(col->typid);
	Oid			opclass = GetDefaultOpClass(base, BTREE_AM_OID);
	Oid			opfamily;
	Oid			negator;
	int			strategy;
	Oid			lefttype;
	Oid			righttype;
	bool		negated = false;

	if (kind == HS_SK_NONE || !OidIsValid(opclass))
		return NULL;
	opfamily = get_opclass_family(opclass);
	if (!op_in_opfamily(opno, opfamily))
	{
		/* <> is no btree member: it is the negator of = */
		negator = get_negator(opno);
		if (!OidIsValid(negator) || !op_in_opfamily(negator, opfamily))
			return NULL;
		opno = negator;
		negated = true;
	}
	get_op_opfamily_properties(opno, opfamily, false, &strategy, &lefttype, &righttype);
	if (negated && strategy != BTEqualStrategyNumber)
		return NULL;
	if (lefttype != base && !(kind == HS_SK_TEXT && IsBinaryCoercible(base, lefttype)))
		return NULL;
	/* only integers compare across types exactly as HubSpot's decimals do */
	if (righttype != lefttype && !(kind == HS_SK_NUMBER && base != NUMERICOID &&
								   (righttype == INT2OID || righttype == INT4OID ||
									righttype == INT8OID)))
		return NULL;
	*valtype = righttype;
	*recheck = negated;

	switch (kind)
	{
		case HS_SK_TEXT:
			/* HubSpot ignores case: = finds a superset; ordering differs */
			if (negated || strategy != BTEqualStrategyNumber ||
				!OidIsValid(collid) || !get_collation_isdeterministic(collid))
				return NULL;
			*recheck = true;
			return "EQ";
		case HS_SK_BOOL:
			if (strategy != BTEqualStrategyNumber)
				return NULL;
			return negated ? "NEQ" : "EQ";
		case HS_SK_DATETIME:
			/* values are cut to milliseconds: widen, and check again */
			if (negated)
				return NULL;
			*recheck = true;
			switch (strategy)
			{
				case BTLessStrategyNumber:
				case BTLessEqualStrategyNumber:
					return "LTE";
				case BTEqualStrategyNumber:
					return "EQ";
				default:
					return "GTE";
			}
		case HS_SK_NUMBER:
		case HS_SK_DATE:
			if (negated)
				return "NEQ";
			switch (strategy)
			{
				case BTLessStrategyNumber:
					return "LT";
				case BTLessEqualStrategyNumber:
					return "LTE";
				case BTEqualStrategyNumber:
					return "EQ";
				case BTGreaterEqualStrategyNumber:
					return "GTE";
				default:
					return "GT";
			}
		case HS_SK_NONE:
			break;
	}
	return NULL;
}

/* A filter template, as a plan keeps it (see HsFilterTemplate). */
static List *
hs_search_template(const HsColumn *col, const char *op, int value, Oid valtype,
				   bool fold)
{
	Node	   *slots[HS_FT_COUNT];

	slots[HS_FT_PROPERTY] = (Node *) makeString(pstrdup(col->property));
	slots[HS_FT_OPERATOR] = (Node *) makeString(pstrdup(op));
	slots[HS_FT_ATTNUM] = (Node *) makeInteger(col->attnum);
	slots[HS_FT_VALUE] = (Node *) makeInteger(value);
	slots[HS_FT_TYPE] = (Node *) makeInteger((int) valtype);
	slots[HS_FT_FOLD] = (Node *) makeBoolean(fold);
	return hs_slot_list(slots, HS_FT_COUNT);
}

/* The filter template a plan keeps as "t". */
static void
hs_template_unpack(List *t, HsFilterTemplate *out)
{
	Assert(list_length(t) == HS_FT_COUNT);
	out->property = strVal(list_nth(t, HS_FT_PROPERTY));
	out->operator = strVal(list_nth(t, HS_FT_OPERATOR));
	out->attnum = (AttrNumber) intVal(list_nth(t, HS_FT_ATTNUM));
	out->value = intVal(list_nth(t, HS_FT_VALUE));
	out->type = (Oid) intVal(list_nth(t, HS_FT_TYPE));
	out->fold = boolVal(list_nth(t, HS_FT_FOLD));
}

/* Add "offset" to the value index of template "t", if it has a value. */
static void
hs_template_shift_value(List *t, int offset)
{
	Integer    *v = (Integer *) list_nth(t, HS_FT_VALUE);

	if (v->ival >= 0)
		v->ival += offset;
}

/* Add a value expression to *values; its index. */
static int
hs_search_add_value(List **values, Expr *expr)
{
	*values = lappend(*values, expr);
	return list_length(*values) - 1;
}

/*
 * The filter one simple condition becomes, appended to *arm; false if the
 * condition cannot be pushed. *recheck is set if it must also be checked
 * locally. Value expressions are appended to *values.
 */
static bool
hs_search_simple(Expr *clause, RelOptInfo *baserel, List *columns,
				 List **arm, bool *recheck, List **values)
{
	HsColumn   *col;
	const char *op;
	Oid			valtype;
	bool		rc = false;

	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *opexpr = (OpExpr *) clause;
		Oid			opno = opexpr->opno;
		Node	   *value = lsecond(opexpr->args);

		col = hs_search_column(linitial(opexpr->args), baserel, columns);
		if (col == NULL)
		{
			col = hs_search_column(lsecond(opexpr->args), baserel, columns);
			value = linitial(opexpr->args);
			opno = get_commutator(opno);
			if (col == NULL || !OidIsValid(opno))
				return false;
		}
		if (!hs_is_runtime_constant(value))
			return false;
		op = hs_search_operator(opno, col, hs_search_kind(col), opexpr->inputcollid,
								&rc, &valtype);
		if (op == NULL)
			return false;
		*arm = lappend(*arm, hs_search_template(col, op,
												hs_search_add_value(values, (Expr *) value),
												valtype, false));
		*recheck |= rc;
		return true;
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;
		Node	   *array = lsecond(saop->args);

		col = hs_search_column(linitial(saop->args), baserel, columns);
		if (col == NULL || !hs_is_runtime_constant(array))
			return false;
		op = hs_search_operator(saop->opno, col, hs_search_kind(col), saop->inputcollid,
								&rc, &valtype);
		/* = ANY is IN, <> ALL is NOT IN; nothing else */
		if (op == NULL || (saop->useOr && strcmp(op, "EQ") != 0) ||
			(!saop->useOr && strcmp(op, "NEQ") != 0))
			return false;
		*arm = lappend(*arm, hs_search_template(col, saop->useOr ? "IN" : "NOT_IN",
												hs_search_add_value(values, (Expr *) array),
												valtype, hs_search_kind(col) == HS_SK_TEXT));
		*recheck |= rc;
		return true;
	}
	if (IsA(clause, NullTest))
	{
		NullTest   *nt = (NullTest *) clause;
		bool		reads_empty;

		col = hs_search_column((Node *) nt->arg, baserel, columns);
		if (col == NULL || nt->argisrow)
			return false;
		/* HubSpot's "" is no value, which text columns read as '', not NULL */
		reads_empty = hs_search_reads_empty(col);
		if (nt->nulltesttype == IS_NOT_NULL && reads_empty)
			return false;
		*arm = lappend(*arm, hs_search_template(col, nt->nulltesttype == IS_NULL
												? "NOT_HAS_PROPERTY" : "HAS_PROPERTY",
												-1, InvalidOid, false));
		*recheck |= reads_empty;
		return true;
	}
	if (IsA(clause, Var) || (is_notclause(clause) && IsA(get_notclausearg(clause), Var)))
	{
		bool		positive = IsA(clause, Var);

		col = hs_search_column(positive ? (Node *) clause : (Node *) get_notclausearg(clause),
							   baserel, columns);
		if (col == NULL || hs_search_kind(col) != HS_SK_BOOL)
			return false;
		*arm = lappend(*arm, hs_search_template(col, "EQ",
												hs_search_add_value(values,
																	(Expr *) makeBoolConst(positive, false)),
												BOOLOID, false));
		return true;
	}
	return false;
}

/*
 * The arms one restriction becomes (an OR gives one arm per branch, each
 * an AND of simple conditions), or NIL if it cannot be pushed.
 */
static List *
hs_search_conjunct(Expr *clause, RelOptInfo *baserel, List *columns,
				   bool *recheck, List **values)
{
	List	   *branches = is_orclause(clause) ? ((BoolExpr *) clause)->args
		: list_make1(clause);
	List	   *arms = NIL;
	ListCell   *lc;

	foreach(lc, branches)
	{
		Expr	   *branch = (Expr *) lfirst(lc);
		List	   *parts = is_andclause(branch) ? ((BoolExpr *) branch)->args
			: list_make1(branch);
		List	   *arm = NIL;
		ListCell   *lc2;

		foreach(lc2, parts)
			if (!hs_search_simple((Expr *) lfirst(lc2), baserel, columns, &arm,
								  recheck, values))
				return NIL;
		arms = lappend(arms, arm);
	}
	return arms;
}

/*
 * The size of the filterGroups that "conjuncts" make (the product of their
 * arms), plus "extra" filters in every group: groups, the largest group,
 * and filters in all. False if that is past HubSpot's limits.
 */
static bool
hs_search_fits(List *conjuncts, int extra, int *ngroups, int *group_max, int *nfilters)
{
	double		groups = 1;
	double		biggest = extra;
	double		total;
	ListCell   *lc;

	foreach(lc, conjuncts)
		groups *= list_length((List *) lfirst(lc));
	total = groups * extra;
	foreach(lc, conjuncts)
	{
		List	   *arms = (List *) lfirst(lc);
		int			largest = 0;
		int			sum = 0;
		ListCell   *lc2;

		foreach(lc2, arms)
		{
			largest = Max(largest, list_length((List *) lfirst(lc2)));
			sum += list_length((List *) lfirst(lc2));
		}
		biggest += largest;
		/* each arm is in groups / (its conjunct's arms) groups */
		total += sum * (groups / list_length(arms));
	}
	if (groups > HS_SEARCH_MAX_GROUPS || biggest > HS_SEARCH_MAX_GROUP_FILTERS ||
		total > HS_SEARCH_MAX_FILTERS)
		return false;
	*ngroups = (int) groups;
	*group_max = (int) biggest;
	*nfilters = (int) total;
	return true;
}

/*
 * Is this statement allowed to read with search? Only statements that just
 * read: every enclosing query level a SELECT without data-modifying WITH.
 */
static bool
hs_search_allowed(PlannerInfo *root, const HsTableOptions *opts)
{
	PlannerInfo *r;

	if (!opts->use_search)
		return false;
	for (r = root; r != NULL; r = r->parent_root)
		if (r->parse->commandType != CMD_SELECT || r->parse->hasModifyingCTE)
			return false;
	return true;
}

/* Do the arms of conjunct "arms" all need a value of column "attnum"? */
static bool
hs_search_excludes_nulls(List *arms, AttrNumber attnum)
{
	ListCell   *lc;

	foreach(lc, arms)
	{
		bool		found = false;
		ListCell   *lc2;

		foreach(lc2, (List *) lfirst(lc))
		{
			HsFilterTemplate t;

			hs_template_unpack((List *) lfirst(lc2), &t);
			if (t.attnum == attnum &&
				strcmp(t.operator, "NEQ") != 0 && strcmp(t.operator, "NOT_IN") != 0 &&
				strcmp(t.operator, "NOT_HAS_PROPERTY") != 0)
				found = true;
		}
		if (!found)
			return false;
	}
	return arms != NIL;
}

/*
 * The ORDER BY search can do for "info": the query's only pathkey, on a
 * number, date or date-time column of the only relation of the query.
 */
static void
hs_search_sort(PlannerInfo *root, RelOptInfo *baserel, List *columns,
			   HsSearchInfo *info)
{
	PathKey    *pk;
	ListCell   *lc;
	HsColumn   *col = NULL;
	HsSearchKind kind;
	Oid			base;
	Oid			sortop;
	StrategyNumber strategy;
	bool		nulls_possible = true;
	int			ngroups;
	int			group_max;
	int			nfilters;

	if (list_length(root->query_pathkeys) != 1 ||
		bms_membership(root->all_baserels) != BMS_SINGLETON)
		return;
	pk = linitial_node(PathKey, root->query_pathkeys);
	if (pk->pk_eclass->ec_has_volatile)
		return;
	foreach(lc, pk->pk_eclass->ec_members)
	{
		EquivalenceMember *em = lfirst(lc);

		if (!em->em_is_child && bms_equal(em->em_relids, baserel->relids) &&
			(col = hs_search_column((Node *) em->em_expr, baserel, columns)) != NULL)
			break;
		col = NULL;
	}
	if (col == NULL)
		return;
	kind = hs_search_kind(col);
	if (kind != HS_SK_NUMBER && kind != HS_SK_DATE && kind != HS_SK_DATETIME)
		return;
	base = getBaseType(col->typid);
	strategy = hs_pathkey_strategy(pk);
	if (pk->pk_opfamily != get_opclass_family(GetDefaultOpClass(base, BTREE_AM_OID)) ||
		(strategy != BTLessStrategyNumber && strategy != BTGreaterStrategyNumber))
		return;
	sortop = get_opfamily_member(pk->pk_opfamily, base, base, strategy);
	if (!OidIsValid(sortop))
		return;

	foreach(lc, info->conjuncts)
		if (hs_search_excludes_nulls((List *) lfirst(lc), col->attnum))
			nulls_possible = false;
	/* the phase of records with or without a value adds a filter to each group */
	if (!hs_search_fits(info->conjuncts, nulls_possible ? 1 : 0, &ngroups, &group_max,
						&nfilters))
		return;

	info->pathkey = pk;
	info->sort.property = pstrdup(col->property);
	info->sort.attnum = col->attnum;
	info->sort.desc = (strategy == BTGreaterStrategyNumber);
	info->sort.nulls_first = pk->pk_nulls_first;
	info->sort.nulls_possible = nulls_possible;
	info->sort.sortop = sortop;
	info->sort.collation = pk->pk_eclass->ec_collation;
}

/*
 * Planner: which restrictions of "baserel" search can answer, and the
 * ORDER BY it can do. NULL when search is not to be used at all.
 */
HsSearchInfo *
hs_search_analyze(PlannerInfo *root, RelOptInfo *baserel, List *columns,
				  const HsTableOptions *opts)
{
	HsSearchInfo *info;
	ListCell   *lc;

	if (!hs_search_allowed(root, opts))
		return NULL;
	info = palloc0(sizeof(HsSearchInfo));
	info->table_rows = baserel->tuples;
	info->all_pushed = true;
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		List	   *values = NIL;
		bool		recheck = false;
		List	   *arms = NIL;
		int			ngroups;
		int			group_max;
		int			nfilters;

		if (!ri->pseudoconstant && !contain_volatile_functions((Node *) ri->clause))
			arms = hs_search_conjunct(ri->clause, baserel, columns, &recheck, &values);
		if (arms == NIL ||
			!hs_search_fits(lappend(list_copy(info->conjuncts), arms), 0,
							&ngroups, &group_max, &nfilters))
		{
			info->all_pushed = false;
			continue;
		}
		/* the templates index values: renumber them after the accepted ones */
		if (values != NIL)
		{
			int			offset = list_length(info->values);
			ListCell   *a;
			ListCell   *t;

			foreach(a, arms)
				foreach(t, (List *) lfirst(a))
					hs_template_shift_value((List *) lfirst(t), offset);
			info->values = list_concat(info->values, values);
		}
		info->conjuncts = lappend(info->conjuncts, arms);
		info->pushed = lappend(info->pushed, ri);
		if (recheck)
		{
			info->rechecked = lappend(info->rechecked, ri);
			info->all_pushed = false;
		}
		info->ngroups = ngroups;
		info->group_max = group_max;
		info->nfilters = nfilters;
	}
	info->selectivity = clauselist_selectivity(root, info->pushed, baserel->relid,
											   JOIN_INNER, NULL);
	hs_search_sort(root, baserel, columns, info);
	if (info->conjuncts == NIL && info->pathkey == NULL)
		return NULL;			/* nothing to gain over the list endpoint */
	return info;
}

/*
 * Does the query's LIMIT bound the rows a search path returns? When every
 * restriction is pushed and the scan is the query's only relation, in the
 * order the query asks for (or none).
 */
static bool
hs_search_limited(PlannerInfo *root, HsSearchInfo *info, bool sorted)
{
	return root->limit_tuples > 0 && info->all_pushed &&
		bms_membership(root->all_baserels) == BMS_SINGLETON &&
		(sorted || root->query_pathkeys == NIL);
}

/* The page size of a search path: smaller when a LIMIT is all it needs. */
static int
hs_search_page_size(PlannerInfo *root, HsSearchInfo *info, bool sorted)
{
	if (hs_search_limited(root, info, sorted))
		return (int) Min(HS_SEARCH_PAGE_SIZE, root->limit_tuples);
	return HS_SEARCH_PAGE_SIZE;
}

/*
 * Estimated search requests of a path: pages for the matches (as many as
 * the LIMIT takes), one more for a second search of records without a value.
 */
static int
hs_search_requests(PlannerInfo *root, HsSearchInfo *info, bool sorted, double matches)
{
	double		rows = matches;

	if (hs_search_limited(root, info, sorted))
		rows = Min(rows, root->limit_tuples);
	return (int) Max(1, ceil(rows / hs_search_page_size(root, info, sorted))) +
		(sorted && info->sort.nulls_possible ? 1 : 0);
}

/* The fdw_private of a search path (enum HsSearchPathPrivate). */
static List *
hs_search_path_private(bool sorted)
{
	Node	   *slots[HS_SPATH_COUNT];

	slots[HS_SPATH_MODE] = (Node *) makeInteger(HS_SCAN_SEARCH);
	slots[HS_SPATH_SORTED] = (Node *) makeBoolean(sorted);
	return hs_slot_list(slots, HS_SPATH_COUNT);
}

/*
 * Planner: is "path" one of the search paths (hs_search_add_paths)? If so,
 * *sorted says whether it does the ORDER BY.
 */
bool
hs_is_search_path(ForeignPath *path, bool *sorted)
{
	List	   *fdw_private = path->fdw_private;

	*sorted = false;
	if (fdw_private == NIL ||
		intVal(list_nth(fdw_private, HS_SPATH_MODE)) != HS_SCAN_SEARCH)
		return false;
	*sorted = boolVal(list_nth(fdw_private, HS_SPATH_SORTED));
	return true;
}

/*
 * Planner: the search paths of "baserel", unsorted and (if search can do
 * the ORDER BY) sorted, with fdw_private hs_search_path_private(sorted).
 */
void
hs_search_add_paths(PlannerInfo *root, RelOptInfo *baserel, HsSearchInfo *info)
{
	double		matches = info->table_rows * info->selectivity;
	Cost		per_request = HS_REQUEST_COST * HS_SEARCH_COST_FACTOR;
	int			sorted;

	for (sorted = 0; sorted <= 1; sorted++)
	{
		int			requests;
		Cost		total;

		if (sorted && info->pathkey == NULL)
			break;
		if (!sorted && info->conjuncts == NIL)
			continue;			/* an unfiltered search only pays for its sort */
		requests = hs_search_requests(root, info, sorted, matches);
		total = per_request * requests + baserel->rows * cpu_tuple_cost;
		add_path(baserel, (Path *)
				 hs_create_foreignscan_path(root, baserel, baserel->rows,
											per_request, total,
											sorted ? list_make1(info->pathkey) : NIL,
											hs_search_path_private(sorted)));
	}
}

/* The sort as a plan keeps it (enum HsSortPrivate). */
static List *
hs_search_sort_pack(const HsSearchSort *sort)
{
	Node	   *slots[HS_SO_COUNT];

	slots[HS_SO_PROPERTY] = (Node *) makeString(sort->property);
	slots[HS_SO_ATTNUM] = (Node *) makeInteger(sort->attnum);
	slots[HS_SO_DESC] = (Node *) makeBoolean(sort->desc);
	slots[HS_SO_NULLS_FIRST] = (Node *) makeBoolean(sort->nulls_first);
	slots[HS_SO_NULLS_POSSIBLE] = (Node *) makeBoolean(sort->nulls_possible);
	slots[HS_SO_SORTOP] = (Node *) makeInteger((int) sort->sortop);
	slots[HS_SO_COLLATION] = (Node *) makeInteger((int) sort->collation);
	return hs_slot_list(slots, HS_SO_COUNT);
}

/* The sort a plan keeps as "list". */
static void
hs_search_sort_unpack(List *list, HsSearchSort *out)
{
	Assert(list_length(list) == HS_SO_COUNT);
	out->property = strVal(list_nth(list, HS_SO_PROPERTY));
	out->attnum = (AttrNumber) intVal(list_nth(list, HS_SO_ATTNUM));
	out->desc = boolVal(list_nth(list, HS_SO_DESC));
	out->nulls_first = boolVal(list_nth(list, HS_SO_NULLS_FIRST));
	out->nulls_possible = boolVal(list_nth(list, HS_SO_NULLS_POSSIBLE));
	out->sortop = (Oid) intVal(list_nth(list, HS_SO_SORTOP));
	out->collation = (Oid) intVal(list_nth(list, HS_SO_COLLATION));
}

/* The search plan as a scan's plan keeps it (enum HsSearchPrivate). */
static List *
hs_search_plan_pack(const HsSearchPlan *plan)
{
	Node	   *slots[HS_SP_COUNT];

	slots[HS_SP_CONJUNCTS] = (Node *) plan->conjuncts;
	slots[HS_SP_SORT] = (Node *) (plan->sorted ? hs_search_sort_pack(&plan->sort) : NIL);
	slots[HS_SP_PAGE_SIZE] = (Node *) makeInteger(plan->page_size);
	slots[HS_SP_MATCHES] = (Node *) makeInteger(plan->est_matches);
	slots[HS_SP_REQUESTS] = (Node *) makeInteger(plan->est_requests);
	slots[HS_SP_LIST_REQUESTS] = (Node *) makeInteger(plan->est_list_requests);
	slots[HS_SP_TABLE_ROWS] = (Node *) makeFloat(psprintf("%.0f", plan->est_table_rows));
	return hs_slot_list(slots, HS_SP_COUNT);
}

/* The search plan a scan's plan keeps as "list". */
static void
hs_search_plan_unpack(List *list, HsSearchPlan *out)
{
	List	   *sort;

	Assert(list_length(list) == HS_SP_COUNT);
	memset(out, 0, sizeof(*out));
	out->conjuncts = (List *) list_nth(list, HS_SP_CONJUNCTS);
	sort = (List *) list_nth(list, HS_SP_SORT);
	out->sorted = (sort != NIL);
	if (out->sorted)
		hs_search_sort_unpack(sort, &out->sort);
	out->page_size = intVal(list_nth(list, HS_SP_PAGE_SIZE));
	out->est_matches = intVal(list_nth(list, HS_SP_MATCHES));
	out->est_requests = intVal(list_nth(list, HS_SP_REQUESTS));
	out->est_list_requests = intVal(list_nth(list, HS_SP_LIST_REQUESTS));
	out->est_table_rows = floatVal(list_nth(list, HS_SP_TABLE_ROWS));
}

/*
 * Planner: the plan of a search path. Of "scan_clauses" (RestrictInfos),
 * *local gets those PostgreSQL evaluates (not pushed, or pushed and checked
 * again) and *recheck_quals those HubSpot alone evaluates, which a local
 * fallback must evaluate too. *fdw_exprs gets the filter values. Returns
 * the search plan for fdw_private.
 */
List *
hs_search_make_plan(PlannerInfo *root, HsSearchInfo *info, bool sorted,
					List *scan_clauses, List **local, List **fdw_exprs,
					List **recheck_quals)
{
	double		matches = info->table_rows * info->selectivity;
	HsSearchPlan plan;
	ListCell   *lc;

	*local = NIL;
	*recheck_quals = NIL;
	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (list_member_ptr(info->pushed, ri) && !list_member_ptr(info->rechecked, ri))
			*recheck_quals = lappend(*recheck_quals, ri->clause);
		else
			*local = lappend(*local, ri->clause);
	}
	*fdw_exprs = info->values;
	memset(&plan, 0, sizeof(plan));
	plan.conjuncts = info->conjuncts;
	plan.sorted = sorted;
	if (sorted)
		plan.sort = info->sort;
	plan.page_size = hs_search_page_size(root, info, sorted);
	plan.est_matches = (int) matches;
	plan.est_requests = hs_search_requests(root, info, sorted, matches);
	plan.est_list_requests = (int) ceil(info->table_rows / HS_LIST_PAGE_SIZE);
	plan.est_table_rows = info->table_rows;
	return hs_search_plan_pack(&plan);
}

/* ---------------------------------------------------------------- execution */

/*
 * Executor: the state of a search scan. Value expressions are set up here
 * and evaluated at the first page (initPlans run late).
 */
HsSearchExec *
hs_search_begin(ForeignScanState *node, List *search_private, HsConnection *conn,
				const HsTableOptions *opts, const char *type_path,
				char **props, int nprops)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	HsSearchExec *ex = palloc0(sizeof(HsSearchExec));

	ex->node = node;
	ex->conn = conn;
	ex->opts = opts;
	ex->path = psprintf("%s/search", type_path);
	ex->props = props;
	ex->nprops = nprops;
	hs_search_plan_unpack(search_private, &ex->plan);
	ex->value_exprs = fsplan->fdw_exprs;
	ex->cxt = CurrentMemoryContext;
	ex->run_cxt = AllocSetContextCreate(CurrentMemoryContext, "hubspot_fdw search",
										ALLOCSET_SMALL_SIZES);
	ex->value_states = ExecInitExprList(ex->value_exprs, &node->ss.ps);
	return ex;
}

/* The value of one template for a value Datum; false if search cannot take it. */
static bool
hs_search_value(Oid valtype, Datum d, char **out)
{
	HsConverter conv;

	hs_converter_init(&conv, valtype, -1);
	return hs_datum_to_filter_value(&conv, d, out);
}

/* How one filter of an arm turns out at run time. */
typedef enum HsFilterOutcome
{
	HS_FILTER_OK,				/* *f is filled in */
	HS_FILTER_TRUE,				/* always holds: leave it out */
	HS_FILTER_FALSE,			/* never holds: the arm is false */
	HS_FILTER_UNSENDABLE		/* search cannot express it: read the list */
} HsFilterOutcome;

/*
 * The lower-case form of text value "d", into *folded. HubSpot's
 * documentation says the values of IN on a string property must be lower
 * case: it matches them against its lower-cased values, so a value with a
 * capital letter would find nothing. False when lower() cannot be trusted
 * to fold it: in a database whose LC_CTYPE is C it leaves every letter
 * but A-Z as it is.
 */
static bool
hs_search_fold(Datum d, Datum *folded)
{
	if (hs_database_ctype_is_c() && !pg_is_ascii(TextDatumGetCString(d)))
		return false;
	*folded = DirectFunctionCall1Coll(lower, DEFAULT_COLLATION_OID, d);
	return true;
}

/*
 * Append element "d" to the values of IN or NOT_IN filter *f, unless it is
 * there already; false if search cannot take it.
 */
static bool
hs_search_add_in_value(HsSearchFilter *f, Oid valtype, Datum d)
{
	char	   *v;
	int			i;

	if (!hs_search_value(valtype, d, &v) || v[0] == '\0')
		return false;
	for (i = 0; i < f->nvalues; i++)
		if (strcmp(f->values[i], v) == 0)
			return true;
	f->values[f->nvalues++] = v;
	return true;
}

/*
 * Fill *f from template "t" and its evaluated value (value, isnull), if
 * it has one.
 */
static HsFilterOutcome
hs_search_fill(const HsFilterTemplate *t, Datum value, bool isnull, HsSearchFilter *f)
{
	int			vidx = t->value;
	Oid			valtype = t->type;
	bool		fold = t->fold;
	bool		is_in;

	f->property = t->property;
	f->operator = t->operator;
	if (vidx < 0)
		return HS_FILTER_OK;
	is_in = strcmp(f->operator, "IN") == 0 || strcmp(f->operator, "NOT_IN") == 0;
	if (isnull)
		return HS_FILTER_FALSE;	/* x op NULL, x IN NULL: never true */
	if (!is_in)
	{
		if (!hs_search_value(valtype, value, &f->value))
			return HS_FILTER_UNSENDABLE;
		/* HubSpot has no '' value: it is a record without one (checked again) */
		if (f->value[0] == '\0' && strcmp(f->operator, "EQ") == 0)
		{
			f->operator = "NOT_HAS_PROPERTY";
			f->value = NULL;
		}
		else if (f->value[0] == '\0')
			return HS_FILTER_UNSENDABLE;
		return HS_FILTER_OK;
	}
	else
	{
		ArrayType  *arr = DatumGetArrayTypeP(value);
		int16		typlen;
		bool		typbyval;
		char		typalign;
		Datum	   *elems;
		bool	   *enulls;
		int			n;
		int			i;
		bool		negated = strcmp(f->operator, "NOT_IN") == 0;

		get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
		deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign,
						  &elems, &enulls, &n);
		/* each value, and with "fold" its lower-case form too */
		f->values = palloc(sizeof(char *) * Max(2 * n, 1));
		f->nvalues = 0;
		for (i = 0; i < n; i++)
		{
			Datum		folded;

			if (enulls[i])
			{
				if (negated)
					return HS_FILTER_FALSE; /* x NOT IN (..., NULL) is never true */
				continue;
			}
			if (!hs_search_add_in_value(f, valtype, elems[i]))
				return HS_FILTER_UNSENDABLE;
			if (fold && !(hs_search_fold(elems[i], &folded) &&
						  hs_search_add_in_value(f, valtype, folded)))
				return HS_FILTER_UNSENDABLE;
		}
		if (f->nvalues == 0)
			return negated ? HS_FILTER_TRUE : HS_FILTER_FALSE;
		if (f->nvalues > HS_SEARCH_MAX_VALUES)
			return HS_FILTER_UNSENDABLE;
		return HS_FILTER_OK;
	}
}

/*
 * Evaluate the filter values and build the filterGroups: each conjunct's
 * arms that can hold, multiplied out. Sets ex->empty when some conjunct
 * can never hold, ex->fallback_all when search cannot express a value.
 * Then the phases.
 */
static void
hs_search_prepare(HsSearchExec *ex)
{
	ExprContext *econtext = ex->node->ss.ps.ps_ExprContext;
	MemoryContext old = MemoryContextSwitchTo(ex->run_cxt);
	int			nvals = list_length(ex->value_states);
	Datum	   *vals = palloc0(sizeof(Datum) * Max(nvals, 1));
	bool	   *nulls = palloc0(sizeof(bool) * Max(nvals, 1));
	HsSearchGroup *groups = palloc0(sizeof(HsSearchGroup));
	int			ngroups = 1;
	ListCell   *lc;
	int			i = 0;

	foreach(lc, ex->value_states)
	{
		vals[i] = ExecEvalExpr((ExprState *) lfirst(lc), econtext, &nulls[i]);
		i++;
	}

	foreach(lc, ex->plan.conjuncts)
	{
		List	   *arms = (List *) lfirst(lc);
		HsSearchGroup *live = palloc0(sizeof(HsSearchGroup) * list_length(arms));
		int			nlive = 0;
		bool		always = false;
		HsSearchGroup *product;
		int			g;
		ListCell   *a;

		foreach(a, arms)
		{
			List	   *templates = (List *) lfirst(a);
			HsSearchGroup *arm = &live[nlive];
			bool		arm_false = false;
			ListCell   *t;

			arm->filters = palloc0(sizeof(HsSearchFilter) * Max(list_length(templates), 1));
			foreach(t, templates)
			{
				HsFilterTemplate tmpl;
				int			vidx;

				hs_template_unpack((List *) lfirst(t), &tmpl);
				vidx = tmpl.value;
				switch (hs_search_fill(&tmpl, vidx >= 0 ? vals[vidx] : (Datum) 0,
									   vidx >= 0 && nulls[vidx],
									   &arm->filters[arm->nfilters]))
				{
					case HS_FILTER_OK:
						arm->nfilters++;
						break;
					case HS_FILTER_TRUE:
						break;
					case HS_FILTER_FALSE:
						arm_false = true;
						break;
					case HS_FILTER_UNSENDABLE:
						ex->fallback_all = true;
						break;
				}
			}
			if (arm_false)
				continue;
			if (arm->nfilters == 0)
				always = true;
			nlive++;
		}
		if (always)
			continue;			/* this conjunct holds for every record */
		if (nlive == 0)
		{
			ex->empty = true;
			break;
		}
		product = palloc0(sizeof(HsSearchGroup) * ngroups * nlive);
		for (g = 0; g < ngroups * nlive; g++)
		{
			HsSearchGroup *base = &groups[g / nlive];
			HsSearchGroup *arm = &live[g % nlive];

			product[g].filters = palloc(sizeof(HsSearchFilter) *
										Max(base->nfilters + arm->nfilters + 1, 1));
			memcpy(product[g].filters, base->filters, sizeof(HsSearchFilter) * base->nfilters);
			memcpy(product[g].filters + base->nfilters, arm->filters,
				   sizeof(HsSearchFilter) * arm->nfilters);
			product[g].nfilters = base->nfilters + arm->nfilters;
		}
		groups = product;
		ngroups *= nlive;
	}
	ex->groups = groups;
	ex->ngroups = (ngroups == 1 && groups[0].nfilters == 0) ? 0 : ngroups;

	/* the phases: one search, or two when a sort must place records without a value */
	memset(ex->phases, 0, sizeof(ex->phases));
	ex->phase = 0;
	ex->nphases = 1;
	ex->phases[0].sorted = ex->plan.sorted;
	if (ex->plan.sorted && ex->plan.sort.nulls_possible && !ex->fallback_all)
	{
		bool		nulls_first = ex->plan.sort.nulls_first;
		HsSearchPhase *with = &ex->phases[nulls_first ? 1 : 0];
		HsSearchPhase *without = &ex->phases[nulls_first ? 0 : 1];

		ex->nphases = 2;
		with->extra_op = "HAS_PROPERTY";
		with->sorted = true;
		with->nulls = -1;
		without->extra_op = "NOT_HAS_PROPERTY";
		without->sorted = false;	/* all equal for the ORDER BY */
		without->nulls = 1;
	}
	ex->ready = true;
	MemoryContextSwitchTo(old);
}

/*
 * Executor: the next page of the current phase, into the current memory
 * context, projected on "props". False when the phase has no more rows;
 * then *fallback says the phase must be read from the list endpoint and
 * filtered locally instead (decided before any of its rows is returned).
 */
bool
hs_search_page(HsSearchExec *ex, char **props, int nprops,
			   HsObject **objects, int *nobjects, bool *fallback)
{
	HsSearchPhase *ph;
	HsSearchRequest sr;
	HsHttpRequest req;
	HsPage		page;
	int64		total;
	char	   *why = NULL;
	int			g;

	*fallback = false;
	*objects = NULL;
	*nobjects = 0;
	if (!ex->ready)
		hs_search_prepare(ex);
	if (ex->empty || ex->phase >= ex->nphases)
		return false;
	ph = &ex->phases[ex->phase];
	if (ph->done)
		return false;
	if (ex->fallback_all)
	{
		ph->done = true;
		ex->fell_back = true;
		*fallback = true;
		return false;
	}

	memset(&sr, 0, sizeof(sr));
	sr.ngroups = ex->ngroups;
	sr.groups = ex->groups;
	if (ph->extra_op)
	{
		/* the phase's filter joins every group (or makes the only one) */
		HsSearchFilter extra = {ex->plan.sort.property, ph->extra_op};

		sr.ngroups = Max(ex->ngroups, 1);
		sr.groups = palloc0(sizeof(HsSearchGroup) * sr.ngroups);
		for (g = 0; g < sr.ngroups; g++)
		{
			int			n = ex->ngroups ? ex->groups[g].nfilters : 0;

			sr.groups[g].filters = palloc(sizeof(HsSearchFilter) * (n + 1));
			if (n)
				memcpy(sr.groups[g].filters, ex->groups[g].filters, sizeof(HsSearchFilter) * n);
			sr.groups[g].filters[n] = extra;
			sr.groups[g].nfilters = n + 1;
		}
	}
	if (ph->sorted)
	{
		sr.sort_property = ex->plan.sort.property;
		sr.sort_descending = ex->plan.sort.desc;
	}
	sr.props = ex->props;
	sr.nprops = ex->nprops;
	if (sr.nprops == 0)
	{
		static char *object_id[] = {"hs_object_id"};

		sr.props = object_id;
		sr.nprops = 1;
	}
	sr.limit = ex->plan.page_size;
	sr.after = ph->after;

	hs_request_init(&req, ex->conn, ex->opts, "POST", ex->path, NULL,
					hs_json_search_body(&sr));
	hs_send(&req);
	ex->requests++;
	ex->retries += req.retries;
	hs_check_response(&req, false);
	if (!hs_json_parse_search(req.response, req.response_len, props, nprops,
							  &page, &total, &why))
		hs_report_bad_response(&req, why);

	if (!ph->started)
	{
		ph->started = true;
		ex->total += total;
		if (total > HS_SEARCH_RESULT_CAP)
		{
			ph->done = true;
			ex->fell_back = true;
			*fallback = true;
			return false;
		}
	}
	if (page.next_after)
		hs_check_cursor(&ph->cursors, ex->run_cxt, page.next_after, &req);
	ph->after = page.next_after ? MemoryContextStrdup(ex->run_cxt, page.next_after) : NULL;
	ph->done = (ph->after == NULL);
	*objects = page.objects;
	*nobjects = page.nobjects;
	return true;
}

/* Executor: move to the next phase; false when there is none. */
bool
hs_search_next_phase(HsSearchExec *ex)
{
	if (!ex->ready || ex->empty)
		return false;
	ex->phase++;
	return ex->phase < ex->nphases;
}

/*
 * Executor: what a local fallback of the current phase must do: which rows
 * of the sort column it keeps (0 all, 1 NULL only, -1 non-NULL only), and
 * whether it must sort them, by which operator.
 */
void
hs_search_phase_info(HsSearchExec *ex, HsSearchPhaseInfo *out)
{
	HsSearchPhase *ph = &ex->phases[Min(ex->phase, ex->nphases - 1)];

	memset(out, 0, sizeof(*out));
	if (!ex->plan.sorted)
		return;
	out->attnum = ex->plan.sort.attnum;
	out->nulls = ph->nulls;
	out->sort = ph->sorted;
	out->sortop = ex->plan.sort.sortop;
	out->collation = ex->plan.sort.collation;
	out->nulls_first = ex->plan.sort.nulls_first;
}

/* Executor: start again (Params may have changed). */
void
hs_search_rescan(HsSearchExec *ex)
{
	MemoryContextReset(ex->run_cxt);
	ex->ready = false;
	ex->empty = false;
	ex->fallback_all = false;
	ex->groups = NULL;
	ex->ngroups = 0;
	ex->nphases = 0;
	ex->phase = 0;
}

/* Requests and retries sent by the search so far. */
void
hs_search_counts(HsSearchExec *ex, int *requests, int *retries)
{
	*requests = ex->requests;
	*retries = ex->retries;
}

/* ---------------------------------------------------------------- EXPLAIN */

/*
 * Append filter template "t" to "buf" as EXPLAIN shows it: property,
 * operator and the values sent, worked out as the scan will; or where a
 * value comes from when it is not known before the scan starts.
 */
static void
hs_search_show_filter(StringInfo buf, List *t, List *value_exprs)
{
	HsFilterTemplate tmpl;
	const char *op;
	Expr	   *expr;
	HsSearchFilter f;
	int			i;

	hs_template_unpack(t, &tmpl);
	op = tmpl.operator;
	expr = tmpl.value >= 0 ? (Expr *) list_nth(value_exprs, tmpl.value) : NULL;
	appendStringInfo(buf, "%s ", tmpl.property);
	if (expr == NULL)
	{
		appendStringInfoString(buf, op);
		return;
	}
	if (IsA(expr, Param) && ((Param *) expr)->paramkind == PARAM_EXTERN)
	{
		appendStringInfo(buf, "%s $%d", op, ((Param *) expr)->paramid);
		return;
	}
	if (!IsA(expr, Const))
	{
		appendStringInfo(buf, "%s (computed when the scan starts)", op);
		return;
	}
	memset(&f, 0, sizeof(f));
	switch (hs_search_fill(&tmpl, ((Const *) expr)->constvalue,
						   ((Const *) expr)->constisnull, &f))
	{
		case HS_FILTER_OK:
			appendStringInfoString(buf, f.operator);
			if (f.value)
				appendStringInfo(buf, " '%s'", f.value);
			if (f.values)
			{
				appendStringInfoString(buf, " (");
				for (i = 0; i < f.nvalues; i++)
					appendStringInfo(buf, "%s'%s'", i ? ", " : "", f.values[i]);
				appendStringInfoChar(buf, ')');
			}
			break;
		case HS_FILTER_TRUE:
			appendStringInfo(buf, "%s (always true: not sent)", op);
			break;
		case HS_FILTER_FALSE:
			appendStringInfo(buf, "%s (never true: nothing is sent)", op);
			break;
		case HS_FILTER_UNSENDABLE:
			appendStringInfo(buf, "%s (not sendable: read from the list)", op);
			break;
	}
}

/* Append arm "arm" (a List of templates) to "buf", ANDed. */
static void
hs_search_show_arm(StringInfo buf, List *arm, List *value_exprs)
{
	ListCell   *lc;

	foreach(lc, arm)
	{
		if (foreach_current_index(lc) > 0)
			appendStringInfoString(buf, " AND ");
		hs_search_show_filter(buf, (List *) lfirst(lc), value_exprs);
	}
}

/*
 * The filterGroups as text: the groups ORed, each in parentheses when
 * there are several, their filters ANDed.
 */
static char *
hs_search_show_filters(HsSearchExec *ex)
{
	StringInfoData buf;
	int			ngroups = 1;
	int			g;
	ListCell   *lc;

	foreach(lc, ex->plan.conjuncts)
		ngroups *= list_length((List *) lfirst(lc));
	initStringInfo(&buf);
	if (ex->plan.conjuncts == NIL)
		return "(none)";
	for (g = 0; g < ngroups; g++)
	{
		int			rest = g;
		bool		first = true;

		if (g > 0)
			appendStringInfoString(&buf, " OR ");
		if (ngroups > 1)
			appendStringInfoChar(&buf, '(');
		/* as hs_search_prepare multiplies them out: the last conjunct varies fastest */
		foreach(lc, ex->plan.conjuncts)
		{
			List	   *arms = (List *) lfirst(lc);
			int			stride = 1;
			ListCell   *lc2;

			for_each_cell(lc2, ex->plan.conjuncts, lnext(ex->plan.conjuncts, lc))
				stride *= list_length((List *) lfirst(lc2));
			rest = (g / stride) % list_length(arms);
			if (!first)
				appendStringInfoString(&buf, " AND ");
			first = false;
			hs_search_show_arm(&buf, (List *) list_nth(arms, rest), ex->value_exprs);
		}
		if (ngroups > 1)
			appendStringInfoChar(&buf, ')');
	}
	return buf.data;
}

/* EXPLAIN of a search scan: the request, its filters, sort, fallback and estimate. */
void
hs_search_explain(HsSearchExec *ex, ExplainState *es)
{
	const char *prop = ex->plan.sorted ? ex->plan.sort.property : NULL;
	bool		desc = ex->plan.sorted && ex->plan.sort.desc;

	if (prop)
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s (pages of %d, sorted by %s %s)", ex->path,
									 ex->plan.page_size, prop,
									 desc ? "DESCENDING" : "ASCENDING"),
							es);
	else
		ExplainPropertyText("HubSpot Request",
							psprintf("POST %s (pages of %d)", ex->path, ex->plan.page_size),
							es);
	if (!es->verbose)
		return;
	ExplainPropertyText("HubSpot Filters", hs_search_show_filters(ex), es);
	if (prop && ex->plan.sort.nulls_possible)
		ExplainPropertyText("HubSpot Sort",
							psprintf("%s %s, records without %s %s in a second search (NOT_HAS_PROPERTY)",
									 prop, desc ? "DESCENDING" : "ASCENDING", prop,
									 ex->plan.sort.nulls_first ? "first" : "last"), es);
	else if (prop)
		ExplainPropertyText("HubSpot Sort",
							psprintf("%s %s", prop, desc ? "DESCENDING" : "ASCENDING"), es);
	ExplainPropertyText("HubSpot Fallback",
						psprintf("GET %.*s (pages of %d), filtered%s locally, when more than %d records match",
								 (int) (strlen(ex->path) - strlen("/search")), ex->path,
								 HS_LIST_PAGE_SIZE, prop ? " and sorted" : "",
								 HS_SEARCH_RESULT_CAP), es);
	ExplainPropertyText("HubSpot Estimate",
						psprintf("~%d of ~%d records: %d search request%s (list: %d requests)",
								 ex->plan.est_matches, (int) ex->plan.est_table_rows,
								 ex->plan.est_requests, ex->plan.est_requests == 1 ? "" : "s",
								 ex->plan.est_list_requests),
						es);
}

/* EXPLAIN ANALYZE of a search scan: what HubSpot reported and whether the list was read. */
void
hs_search_explain_analyze(HsSearchExec *ex, ExplainState *es)
{
	ExplainPropertyInteger("HubSpot Search Total", NULL, ex->total, es);
	ExplainPropertyBool("HubSpot Fallback Used", ex->fell_back, es);
}
