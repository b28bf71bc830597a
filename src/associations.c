/*
 * associations.c
 *		Associations from SQL: hubspot_associate() sends one per-record PUT,
 *		the aggregate hubspot_associate_batch() streams its rows into
 *		association batches (assoc_batch.c), and hubspot_association_types()
 *		lists the association types valid between two object types.
 *
 * Each function names a foreign server of hubspot_fdw; the current user's
 * user mapping for it supplies the token, as for a foreign table. Requests
 * go through request.c (sending, retries, pacing, stats), errors.c (error
 * mapping) and json.c (bodies, answers).
 */
#include "postgres.h"

#include "write.h"

#include "catalog/pg_foreign_server.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

/* A server resolved for the current user: where requests go, as whom. */
typedef struct HsAssocTarget
{
	ForeignServer *server;
	UserMapping *user;
	HsTableOptions opts;
} HsAssocTarget;

PG_FUNCTION_INFO_V1(hubspot_associate);
PG_FUNCTION_INFO_V1(hubspot_associate_batch_sfunc);
PG_FUNCTION_INFO_V1(hubspot_associate_batch_final);
PG_FUNCTION_INFO_V1(hubspot_association_types);

/*
 * Argument "argno" (named "name") of function "fname" as a C string;
 * a clear error when it is NULL or empty. "created" (when positive) is
 * what the call already created in HubSpot, which the error then says.
 */
static char *
hs_assoc_arg(FunctionCallInfo fcinfo, int argno, const char *name,
			 const char *fname, int64 created)
{
	char	   *value;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" of %s must not be null", name, fname),
				 created > 0 ?
				 errdetail_plural("%lld association was created by this call before this row and stays created: HubSpot has no transactions.",
								  "%lld associations were created by this call before this row and stay created: HubSpot has no transactions.",
								  (unsigned long) created, (long long) created) : 0));
	value = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (*value == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" of %s must not be empty", name, fname),
				 created > 0 ?
				 errdetail_plural("%lld association was created by this call before this row and stays created: HubSpot has no transactions.",
								  "%lld associations were created by this call before this row and stay created: HubSpot has no transactions.",
								  (unsigned long) created, (long long) created) : 0));
	return value;
}

/* Refuse an object type argument that could not be a HubSpot object type. */
static void
hs_assoc_check_type(const char *value, const char *name, const char *fname)
{
	if (!hs_object_type_is_valid(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid object type in argument \"%s\" of %s: \"%s\"",
						name, fname, value),
				 errhint(HS_OBJECT_TYPE_HINT)));
}

/*
 * Resolve server "name" for the current user, with the checks a foreign
 * table gets: the server must be a hubspot_fdw one, the user needs USAGE
 * on it and a user mapping (or a PUBLIC one). Allocates in the current
 * memory context.
 */
static void
hs_assoc_target(const char *name, HsAssocTarget *t)
{
	t->server = hs_function_server(name, &t->user);
	hs_get_server_options(t->server, &t->opts);
}

/* The labels of one pair of object types, for one token, URL and version. */
typedef struct HsAssocLabels
{
	char	   *key;			/* "credentials-hash version api_url from to" */
	List	   *types;			/* of HsAssocType */
} HsAssocLabels;

/* Labels read in this session (in TopMemoryContext), of HsAssocLabels. */
static List *hs_label_cache = NIL;

/* Do two lists of HsAssocType name the same types, in the same order? */
static bool
hs_assoc_types_equal(List *a, List *b)
{
	ListCell   *la;
	ListCell   *lb;

	if (list_length(a) != list_length(b))
		return false;
	forboth(la, a, lb, b)
	{
		HsAssocType *x = (HsAssocType *) lfirst(la);
		HsAssocType *y = (HsAssocType *) lfirst(lb);

		if (strcmp(x->id, y->id) != 0 || strcmp(x->category, y->category) != 0 ||
			(x->name == NULL) != (y->name == NULL) ||
			(x->name != NULL && strcmp(x->name, y->name) != 0))
			return false;
	}
	return true;
}

/*
 * The association labels from "from_type" to "to_type" for "conn" under
 * api_version "opts": fetched from the labels endpoint at the first use in
 * the session, then kept for the rest of it; with "refresh", fetched again
 * in any case. They are kept per credentials, not per mapping: labelled
 * types belong to a HubSpot account, and a mapping may change its token.
 */
static List *
hs_assoc_labels(HsConnection *conn, const HsTableOptions *opts,
				const char *from_type, const char *to_type, bool refresh)
{
	char	   *key = psprintf("%016llx %d %s %s %s",
							   (unsigned long long) hs_ratelimit_conn_key(conn),
							   opts->api_version, opts->api_url, from_type, to_type);
	HsAssocLabels *entry = NULL;
	HsHttpRequest req;
	MemoryContext old;
	List	   *types;
	ListCell   *lc;
	char	   *why;

	foreach(lc, hs_label_cache)
	{
		HsAssocLabels *e = (HsAssocLabels *) lfirst(lc);

		if (strcmp(e->key, key) == 0)
			entry = e;
	}
	if (entry != NULL && !refresh)
		return entry->types;
	hs_request_init(&req, conn, opts, "GET",
					hs_assoc_types_path(opts, true, from_type, to_type), NULL, NULL);
	hs_send(&req);
	hs_check_response(&req, false);
	if (!hs_json_parse_assoc_labels(req.response, req.response_len, &types, &why))
		hs_report_bad_response(&req, why);

	if (entry != NULL && hs_assoc_types_equal(entry->types, types))
		return entry->types;
	old = MemoryContextSwitchTo(TopMemoryContext);
	if (entry == NULL)
	{
		entry = palloc0(sizeof(HsAssocLabels));
		entry->key = pstrdup(key);
		hs_label_cache = lappend(hs_label_cache, entry);
	}
	/* the old list stays allocated: callers may hold its categories */
	entry->types = NIL;
	foreach(lc, types)
	{
		HsAssocType *t = (HsAssocType *) lfirst(lc);
		HsAssocType *copy = palloc0(sizeof(HsAssocType));

		copy->id = pstrdup(t->id);
		copy->name = t->name ? pstrdup(t->name) : NULL;
		copy->category = pstrdup(t->category);
		entry->types = lappend(entry->types, copy);
	}
	MemoryContextSwitchTo(old);
	return entry->types;
}

/* Is "s" a type id: digits only, at most nine of them? */
static bool
hs_assoc_is_type_id(const char *s)
{
	size_t		n = strspn(s, "0123456789");

	return n > 0 && n <= 9 && s[n] == '\0';
}

/*
 * Resolve association type "type" (UTF-8) from "from_type" to "to_type"
 * under a date version into "in"'s category and type id: a label's name
 * (exactly as HubSpot spells it), a numeric type id, or "default", which
 * is the unlabelled HUBSPOT_DEFINED type (the one HubSpot's default
 * association creates). The labels come from hs_assoc_labels(); a type
 * they do not list is an error naming the function "fname".
 */
void
hs_assoc_resolve(HsConnection *conn, const HsTableOptions *opts,
				 const char *from_type, const char *to_type, const char *type,
				 HsAssocInput *in, const char *fname)
{
	bool		by_id = hs_assoc_is_type_id(type);
	bool		by_default = strcmp(type, "default") == 0;
	int			attempt;

	/* a label made since the labels were read: read them once more */
	for (attempt = 0; attempt < 2; attempt++)
	{
		List	   *labels = hs_assoc_labels(conn, opts, from_type, to_type, attempt > 0);
		HsAssocType *named = NULL;
		ListCell   *lc;

		foreach(lc, labels)
		{
			HsAssocType *t = (HsAssocType *) lfirst(lc);

			if ((by_id && strcmp(t->id, type) == 0) ||
				(by_default && t->name == NULL && strcmp(t->category, "HUBSPOT_DEFINED") == 0))
			{
				named = t;
				break;
			}
			/* a label's name; one made of digits too, when no type has that id */
			if (!by_default && named == NULL && t->name != NULL && strcmp(t->name, type) == 0)
				named = t;
		}
		if (named != NULL)
		{
			in->category = named->category;
			in->type_id = atoi(named->id);
			return;
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("association type \"%s\" is not among HubSpot's association labels from %s to %s",
					hs_from_utf8(type), from_type, to_type),
			 errdetail("Under api_version %s, %s takes a label, a numeric type id or \"default\".",
					   hs_api_version_name(opts->api_version), fname),
			 errhint("hubspot_association_types() lists the labels and type ids.")));
}

/*
 * hubspot_associate(server, from_type, from_id, to_type, to_id,
 * association_type): associate two records with one per-record PUT and
 * return HubSpot's answer as jsonb. v3: PUT
 * /crm/v3/objects/{from_type}/{from_id}/associations/{to_type}/{to_id}/{association_type},
 * which answers the "from" record. A date version: the association spec
 * the label or type id resolves to in the body of PUT
 * .../associations/{to_type}/{to_id}, or PUT .../associations/default/...
 * for "default".
 */
Datum
hubspot_associate(PG_FUNCTION_ARGS)
{
	const char *fname = "hubspot_associate";
	char	   *server = hs_assoc_arg(fcinfo, 0, "server", fname, 0);
	char	   *from_type = hs_assoc_arg(fcinfo, 1, "from_type", fname, 0);
	char	   *from_id = hs_assoc_arg(fcinfo, 2, "from_id", fname, 0);
	char	   *to_type = hs_assoc_arg(fcinfo, 3, "to_type", fname, 0);
	char	   *to_id = hs_assoc_arg(fcinfo, 4, "to_id", fname, 0);
	char	   *assoc_type = hs_assoc_arg(fcinfo, 5, "association_type", fname, 0);
	HsAssocTarget t;
	HsConnection *conn;
	HsHttpRequest req;
	HsAssocInput in;
	bool		dated;
	bool		by_default;
	char	   *path;
	char	   *text;
	char	   *why;

	hs_assoc_check_type(from_type, "from_type", fname);
	hs_assoc_check_type(to_type, "to_type", fname);
	hs_assoc_target(server, &t);
	conn = hs_get_connection(t.server, t.user);
	dated = hs_api_is_dated(&t.opts);
	memset(&in, 0, sizeof(in));
	in.from_id = hs_to_utf8(from_id);
	in.to_id = hs_to_utf8(to_id);
	in.type = hs_to_utf8(assoc_type);
	by_default = dated && strcmp(in.type, "default") == 0;
	if (t.opts.send_at_commit)
	{
		if (dated)
			hs_assoc_resolve(conn, &t.opts, from_type, to_type, in.type, &in, fname);
		/* sent with the other deferred associations as batch/create */
		hs_defer_association(conn, &t.opts, from_type, to_type, &in);
		PG_RETURN_NULL();
	}

	/* the URL first: one too long is refused before the labels are read */
	path = hs_assoc_record_path(&t.opts, from_type, in.from_id, to_type, in.to_id,
								by_default ? NULL : in.type);
	hs_request_init(&req, conn, &t.opts, "PUT", path, NULL, NULL);
	if (dated && !by_default)
	{
		hs_assoc_resolve(conn, &t.opts, from_type, to_type, in.type, &in, fname);
		req.body = hs_json_assoc_spec_body(in.category, in.type_id);
	}
	hs_send(&req);
	hs_check_response(&req, false);
	text = hs_json_object_text(req.response, req.response_len, !dated, &why);
	if (text == NULL)
		hs_report_bad_response(&req, why);
	hs_stats_rows_written(&req, 1);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(hs_from_utf8(text))));
}

/*
 * The group of (server, from_type, to_type), created (with the server
 * resolved and the types checked) at its first row.
 */
static HsAssocGroup *
hs_assoc_group(HsAssocBatchState *st, const char *server,
			   const char *from_type, const char *to_type)
{
	const char *fname = "hubspot_associate_batch";
	HsAssocGroup *g;
	HsAssocTarget target;
	MemoryContext old;
	ListCell   *lc;

	if (st->last && strcmp(st->last->from_type, from_type) == 0 &&
		strcmp(st->last->to_type, to_type) == 0 &&
		strcmp(st->last->server_name, server) == 0)
		return st->last;
	foreach(lc, st->groups)
	{
		g = (HsAssocGroup *) lfirst(lc);
		if (strcmp(g->from_type, from_type) == 0 &&
			strcmp(g->to_type, to_type) == 0 &&
			strcmp(g->server_name, server) == 0)
			return st->last = g;
	}

	hs_assoc_check_type(from_type, "from_type", fname);
	hs_assoc_check_type(to_type, "to_type", fname);
	old = MemoryContextSwitchTo(st->cxt);
	g = palloc0(sizeof(HsAssocGroup));
	g->server_name = pstrdup(server);
	hs_assoc_target(server, &target);
	hs_assoc_group_init(g, st->cxt, hs_get_connection(target.server, target.user),
						&target.opts, from_type, to_type, false);
	st->groups = lappend(st->groups, g);
	MemoryContextSwitchTo(old);
	return st->last = g;
}

/*
 * Transition function of hubspot_associate_batch(server, from_type,
 * from_id, to_type, to_id, association_type): buffer the row's
 * association, sending a batch/create whenever a group fills up.
 */
Datum
hubspot_associate_batch_sfunc(PG_FUNCTION_ARGS)
{
	const char *fname = "hubspot_associate_batch";
	MemoryContext aggcxt;
	HsAssocBatchState *st;
	int64		created;
	char	   *server;
	char	   *from_type;
	char	   *from_id;
	char	   *to_type;
	char	   *to_id;
	char	   *assoc_type;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "hubspot_associate_batch_sfunc called in non-aggregate context");
	st = PG_ARGISNULL(0) ? NULL : (HsAssocBatchState *) PG_GETARG_POINTER(0);
	created = st ? st->created : 0;

	server = hs_assoc_arg(fcinfo, 1, "server", fname, created);
	from_type = hs_assoc_arg(fcinfo, 2, "from_type", fname, created);
	from_id = hs_assoc_arg(fcinfo, 3, "from_id", fname, created);
	to_type = hs_assoc_arg(fcinfo, 4, "to_type", fname, created);
	to_id = hs_assoc_arg(fcinfo, 5, "to_id", fname, created);
	assoc_type = hs_assoc_arg(fcinfo, 6, "association_type", fname, created);

	if (st == NULL)
	{
		st = MemoryContextAllocZero(aggcxt, sizeof(HsAssocBatchState));
		st->cxt = aggcxt;
		st->flush_cxt = AllocSetContextCreate(aggcxt, "hubspot_fdw association batch",
											  ALLOCSET_DEFAULT_SIZES);
	}
	st->finished = false;
	{
		HsAssocGroup *g = hs_assoc_group(st, server, from_type, to_type);
		HsAssocInput in;

		memset(&in, 0, sizeof(in));
		in.from_id = hs_to_utf8(from_id);
		in.to_id = hs_to_utf8(to_id);
		in.type = hs_to_utf8(assoc_type);
		if (hs_api_is_dated(&g->opts))
			hs_assoc_resolve(g->conn, &g->opts, g->from_type, g->to_type, in.type,
							 &in, fname);
		if (g->opts.send_at_commit)
		{
			hs_defer_association(g->conn, &g->opts, g->from_type, g->to_type, &in);
			st->queued++;
		}
		else
			hs_assoc_add(st, g, in.from_id, in.to_id, in.type, in.category,
						 in.type_id);
	}
	PG_RETURN_POINTER(st);
}

/*
 * Final function of hubspot_associate_batch(): send what every group still
 * buffers and return how many associations HubSpot created. A second call
 * on the same state sends nothing more.
 */
Datum
hubspot_associate_batch_final(PG_FUNCTION_ARGS)
{
	HsAssocBatchState *st;
	ListCell   *lc;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "hubspot_associate_batch_final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_INT64(0);
	st = (HsAssocBatchState *) PG_GETARG_POINTER(0);
	if (!st->finished)
	{
		foreach(lc, st->groups)
			hs_assoc_flush(st, (HsAssocGroup *) lfirst(lc));
		st->finished = true;
	}
	PG_RETURN_INT64(st->created + st->queued);
}

/*
 * hubspot_association_types(server, from_type, to_type): the association
 * types HubSpot allows from one object type to another, as rows (id, name,
 * category, type_id, label). v3: GET /crm/v3/associations/{from}/{to}/types
 * gives id and name. A date version: the labels endpoint gives category,
 * type id and label; name is then what hubspot_associate() takes for the
 * type: its label, or its type id when it has none.
 */
Datum
hubspot_association_types(PG_FUNCTION_ARGS)
{
	const char *fname = "hubspot_association_types";
	char	   *server = hs_assoc_arg(fcinfo, 0, "server", fname, 0);
	char	   *from_type = hs_assoc_arg(fcinfo, 1, "from_type", fname, 0);
	char	   *to_type = hs_assoc_arg(fcinfo, 2, "to_type", fname, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HsAssocTarget t;
	HsConnection *conn;
	HsHttpRequest req;
	List	   *types;
	ListCell   *lc;
	char	   *why;

	hs_assoc_check_type(from_type, "from_type", fname);
	hs_assoc_check_type(to_type, "to_type", fname);
	InitMaterializedSRF(fcinfo, 0);
	hs_assoc_target(server, &t);
	conn = hs_get_connection(t.server, t.user);

	if (hs_api_is_dated(&t.opts))
		types = hs_assoc_labels(conn, &t.opts, from_type, to_type, true);
	else
	{
		hs_request_init(&req, conn, &t.opts, "GET",
						hs_assoc_types_path(&t.opts, false, from_type, to_type),
						NULL, NULL);
		hs_send(&req);
		hs_check_response(&req, false);
		if (!hs_json_parse_assoc_types(req.response, req.response_len, &types, &why))
			hs_report_bad_response(&req, why);
	}

	foreach(lc, types)
	{
		HsAssocType *at = (HsAssocType *) lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(hs_from_utf8(at->id));
		values[1] = CStringGetTextDatum(hs_from_utf8(at->name ? at->name : at->id));
		if (at->category == NULL)
		{
			/* v3's types endpoint says neither category nor label */
			nulls[2] = nulls[4] = true;
			nulls[3] = !hs_assoc_is_type_id(at->id);
			values[3] = nulls[3] ? (Datum) 0 : Int32GetDatum(atoi(at->id));
		}
		else
		{
			values[2] = CStringGetTextDatum(hs_from_utf8(at->category));
			values[3] = Int32GetDatum(atoi(at->id));
			nulls[4] = at->name == NULL;
			values[4] = nulls[4] ? (Datum) 0 : CStringGetTextDatum(hs_from_utf8(at->name));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
