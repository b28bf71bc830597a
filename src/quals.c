/*
 * quals.c
 *		Planning and execution helpers shared by the read side (scan.c,
 *		search.c) and the writes that find their rows the same way
 *		(update.c, delete.c): which quals name the id column, which
 *		expressions can be evaluated before the first request, the id
 *		values a plan's quals name, and the Lists of named slots plans keep.
 */
#include "postgres.h"

#include "read.h"

#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

/* Strip binary-compatible relabelling from an expression. */
Node *
hs_strip(Node *node)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	return node;
}

/* Is "node" the id column of "baserel"? */
static bool
hs_is_id_var(Node *node, RelOptInfo *baserel, AttrNumber id_attno)
{
	Var		   *var = (Var *) hs_strip(node);

	return var != NULL && IsA(var, Var) && var->varno == baserel->relid &&
		var->varattno == id_attno && var->varlevelsup == 0;
}

/* Can "node" be evaluated once, before any request, at execution time? */
bool
hs_is_runtime_constant(Node *node)
{
	return !contain_var_clause(node) &&
		!contain_volatile_functions(node) &&
		!contain_subplans(node);
}

/*
 * Does "rinfo" restrict the id column to values known at execution start
 * (id = expr, expr = id, id = ANY(expr))? If so describe it in *out.
 */
bool
hs_match_id_qual(PlannerInfo *root, RelOptInfo *baserel, RestrictInfo *rinfo,
				 AttrNumber id_attno, HsIdQual *out)
{
	Node	   *clause = (Node *) rinfo->clause;
	Oid			eq_opr;
	Oid			idtype;
	Var		   *var;

	if (id_attno == InvalidAttrNumber || rinfo->pseudoconstant)
		return false;

	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *l = linitial(op->args);
		Node	   *r = lsecond(op->args);
		Node	   *other;

		if (hs_is_id_var(l, baserel, id_attno))
		{
			var = (Var *) hs_strip(l);
			other = r;
		}
		else if (hs_is_id_var(r, baserel, id_attno))
		{
			var = (Var *) hs_strip(r);
			other = l;
		}
		else
			return false;
		idtype = var->vartype;
		eq_opr = lookup_type_cache(idtype, TYPECACHE_EQ_OPR)->eq_opr;
		if (!OidIsValid(eq_opr) || op->opno != eq_opr ||
			!hs_is_runtime_constant(other))
			return false;
		out->expr = (Expr *) other;
		out->is_array = false;
		out->rinfo = rinfo;
		return true;
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;
		Node	   *arr = lsecond(saop->args);

		if (!saop->useOr || !hs_is_id_var(linitial(saop->args), baserel, id_attno))
			return false;
		var = (Var *) hs_strip(linitial(saop->args));
		idtype = var->vartype;
		eq_opr = lookup_type_cache(idtype, TYPECACHE_EQ_OPR)->eq_opr;
		if (!OidIsValid(eq_opr) || saop->opno != eq_opr ||
			!hs_is_runtime_constant(arr))
			return false;
		out->expr = (Expr *) arr;
		out->is_array = true;
		out->rinfo = rinfo;
		return true;
	}
	return false;
}

/* qsort comparator for C strings. */
int
hs_cmp_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Strip, in place, the padding of "key", the text of a char(n) value of
 * converter "conv": char(n) compares without it, and HubSpot's values
 * have none. Other types are left as they are.
 */
void
hs_trim_char_padding(const HsConverter *conv, char *key)
{
	size_t		n;

	if (conv->typid != BPCHAROID)
		return;
	n = strlen(key);
	while (n > 0 && key[n - 1] == ' ')
		key[--n] = '\0';
}

/*
 * Evaluate the id expressions of a plan (id = expr, or id = ANY(expr))
 * into a sorted list of distinct id strings. NULLs match nothing and are
 * dropped, and so are empty strings: no record has an empty id or key
 * value, and ".../{type}/" would be another endpoint (the list).
 */
List *
hs_eval_id_exprs(List *exprs, bool is_array, PlanState *ps, HsConverter *conv)
{
	ExprContext *econtext = ps->ps_ExprContext;
	List	   *states = ExecInitExprList(exprs, ps);
	List	   *ids = NIL;
	ListCell   *lc;
	char	  **sorted;
	List	   *distinct = NIL;
	int			n;
	int			i;

	foreach(lc, states)
	{
		ExprState  *state = (ExprState *) lfirst(lc);
		bool		isnull;
		Datum		value = ExecEvalExpr(state, econtext, &isnull);

		if (isnull)
			continue;
		if (!is_array)
		{
			char	   *id = hs_datum_to_value(conv, value, false);

			hs_trim_char_padding(conv, id);
			if (*id != '\0')
				ids = lappend(ids, id);
		}
		else
		{
			ArrayType  *arr = DatumGetArrayTypeP(value);
			int16		typlen;
			bool		typbyval;
			char		typalign;
			Datum	   *elems;
			bool	   *nulls;
			int			nelems;

			get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
			deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign,
							  &elems, &nulls, &nelems);
			for (i = 0; i < nelems; i++)
			{
				char	   *id;

				if (nulls[i])
					continue;
				id = hs_datum_to_value(conv, elems[i], false);
				hs_trim_char_padding(conv, id);
				if (*id != '\0')
					ids = lappend(ids, id);
			}
		}
	}

	n = list_length(ids);
	if (n <= 1)
		return ids;
	sorted = palloc(sizeof(char *) * n);
	i = 0;
	foreach(lc, ids)
		sorted[i++] = lfirst(lc);
	qsort(sorted, n, sizeof(char *), hs_cmp_strings);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
			distinct = lappend(distinct, sorted[i]);
	return distinct;
}

/*
 * The List of a plan's "n" slots (a plan's fdw_private, or a part of one):
 * "slots" is indexed by the enum that names them, so each slot is written
 * by its name and read back with list_nth(list, name).
 */
List *
hs_slot_list(Node **slots, int n)
{
	List	   *list = NIL;
	int			i;

	for (i = 0; i < n; i++)
		list = lappend(list, slots[i]);
	return list;
}

/*
 * Is "key" written as HubSpot writes record ids: decimal digits, without a
 * leading zero, at most 2^63 - 1 (the ids are 64-bit)? A key written otherwise is equal to no record's id, so it
 * is not sent (HubSpot might read "0512" as record 512).
 */
bool
hs_is_record_id(const char *key)
{
	const char *p;

	if (key[0] < '1' || key[0] > '9')
		return false;
	for (p = key + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	/* record ids are 64-bit integers: longer digit strings name none */
	return p - key < 19 || (p - key == 19 && strcmp(key, "9223372036854775807") <= 0);
}
