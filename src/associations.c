/*
 * associations.c
 *		Associations from SQL: hubspot_associate() sends one per-record PUT,
 *		the aggregate hubspot_associate_batch() streams its rows into
 *		associations batch/create requests, and hubspot_association_types()
 *		lists the association types valid between two object types.
 *
 * Each function names a foreign server of hubspot_fdw; the current user's
 * user mapping for it supplies the token, as for a foreign table. Requests
 * go through request.c (sending, retries, pacing, stats), errors.c (error
 * mapping) and json.c (bodies, answers).
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "catalog/pg_foreign_server.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

/*
 * Inputs per associations batch/create request. HubSpot documents no limit
 * for it, so it is 100, the limit of the object batch endpoints:
 * doc/hubspot-api.md, "Associations".
 */
#define HS_ASSOC_BATCH_MAX 100

/* Failed inputs named one by one in an error; the rest are counted. */
#define HS_ASSOC_MAX_NAMED_FAILURES 20

/* A server resolved for the current user: where requests go, as whom. */
typedef struct HsAssocTarget
{
	ForeignServer *server;
	UserMapping *user;
	HsTableOptions opts;
} HsAssocTarget;

/* The buffered inputs of one (server, from_type, to_type) of an aggregate. */
typedef struct HsAssocGroup
{
	char	   *server_name;	/* the key, as the arguments gave it */
	char	   *from_type;
	char	   *to_type;
	HsAssocTarget target;
	HsConnection *conn;
	char	   *path;			/* .../{from}/{to}/batch/create */
	MemoryContext buf_cxt;		/* the inputs' strings; reset by each flush */
	int			ninputs;
	HsAssocInput inputs[HS_ASSOC_BATCH_MAX];	/* UTF-8 */
} HsAssocGroup;

/* Transition state of hubspot_associate_batch(). */
typedef struct HsAssocBatchState
{
	MemoryContext cxt;			/* the aggregate's context */
	MemoryContext flush_cxt;	/* one request's work; reset after each */
	List	   *groups;			/* HsAssocGroup, in order of first row */
	HsAssocGroup *last;			/* group of the previous row */
	HsAssocGroup *sending;		/* group being flushed, for errcontext */
	int64		created;		/* associations HubSpot confirmed so far */
	int64		queued;			/* kept for COMMIT (send_at 'commit') */
	const char *what;			/* for messages */
	int			batches;
	bool		finished;		/* the final function has flushed */
} HsAssocBatchState;

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
				 errdetail("%lld association(s) were created by this call before this row and stay created: HubSpot has no transactions.",
						   (long long) created) : 0));
	value = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (*value == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" of %s must not be empty", name, fname),
				 created > 0 ?
				 errdetail("%lld association(s) were created by this call before this row and stay created: HubSpot has no transactions.",
						   (long long) created) : 0));
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

/* "s" in UTF-8, as HubSpot takes it, whatever the database encoding. */
static char *
hs_to_utf8(const char *s)
{
	return pg_server_to_any(s, strlen(s), PG_UTF8);
}

/* A HubSpot (UTF-8) string in the database encoding. */
static char *
hs_from_utf8(const char *s)
{
	return pg_any_to_server(s, strlen(s), PG_UTF8);
}

/* Is "fdw" handled by hubspot_fdw (whatever the wrapper is called)? */
static bool
hs_is_hubspot_wrapper(ForeignDataWrapper *fdw)
{
	FmgrInfo	finfo;

	if (!OidIsValid(fdw->fdwhandler))
		return false;
	fmgr_info(fdw->fdwhandler, &finfo);
	return finfo.fn_addr == hubspot_fdw_handler;
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
	ForeignServer *server = GetForeignServerByName(name, false);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	Oid			userid = GetUserId();
	AclResult	aclresult;

	if (!hs_is_hubspot_wrapper(fdw))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" is not a hubspot_fdw server", name),
				 errdetail("Its foreign-data wrapper \"%s\" is not handled by hubspot_fdw.",
						   fdw->fdwname)));
	aclresult = hs_foreign_server_aclcheck(server->serverid, userid, ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	t->server = server;
	t->user = hs_user_mapping(server, userid);
	hs_get_server_options(server, &t->opts);
}

/*
 * hubspot_associate(server, from_type, from_id, to_type, to_id,
 * association_type): associate two records with one
 * PUT /crm/v3/objects/{from_type}/{from_id}/associations/{to_type}/{to_id}/{association_type}
 * and return HubSpot's answer (the "from" record) as jsonb.
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
	char	   *path;
	char	   *text;
	char	   *why;

	hs_assoc_check_type(from_type, "from_type", fname);
	hs_assoc_check_type(to_type, "to_type", fname);
	hs_assoc_target(server, &t);
	conn = hs_get_connection(t.server, t.user);
	if (t.opts.send_at_commit)
	{
		HsAssocInput in = {hs_to_utf8(from_id), hs_to_utf8(to_id), hs_to_utf8(assoc_type)};

		/* sent with the other deferred associations as batch/create */
		hs_defer_association(conn, &t.opts, from_type, to_type, &in);
		PG_RETURN_NULL();
	}

	path = psprintf("/crm/v3/objects/%s/%s/associations/%s/%s/%s",
					hs_url_escape(from_type), hs_url_escape(hs_to_utf8(from_id)),
					hs_url_escape(to_type), hs_url_escape(hs_to_utf8(to_id)),
					hs_url_escape(hs_to_utf8(assoc_type)));
	hs_request_init(&req, conn, &t.opts, "PUT", path, NULL, NULL);
	hs_send(&req);
	hs_check_response(&req, false);
	text = hs_json_object_text(req.response, req.response_len, &why);
	if (text == NULL)
		hs_report_bad_response(&req, why);
	hs_stats_rows_written(&req, 1);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(hs_from_utf8(text))));
}

/* Error context of a batch/create request: what the call already created. */
static void
hs_assoc_batch_error_context(void *arg)
{
	HsAssocBatchState *st = (HsAssocBatchState *) arg;

	errcontext("batch %d of %s, %s to %s; %lld association(s) were created in HubSpot before this batch and stay created (HubSpot has no transactions)",
			   st->batches, st->what ? st->what : "hubspot_associate_batch",
			   st->sending->from_type, st->sending->to_type,
			   (long long) st->created);
}

/* Is "id" in "ids" (a List of C strings)? */
static bool
hs_id_listed(List *ids, const char *id)
{
	ListCell   *lc;

	foreach(lc, ids)
		if (strcmp((char *) lfirst(lc), id) == 0)
			return true;
	return false;
}

/* Does error "e" name input "in" (its from id or its to id)? */
static bool
hs_assoc_error_names(const HsAssocError *e, const HsAssocInput *in)
{
	return hs_id_listed(e->from_ids, in->from_id) ||
		hs_id_listed(e->to_ids, in->to_id) ||
		hs_id_listed(e->ids, in->from_id) ||
		hs_id_listed(e->ids, in->to_id);
}

/*
 * Is input "in" among the results? A batch never holds two inputs with
 * the same from and to ids, so those identify it; the type is not compared,
 * because an input may give the type's id where HubSpot answers its name.
 */
static bool
hs_assoc_confirmed(const HsAssocBatchResult *res, const HsAssocInput *in)
{
	int			i;

	for (i = 0; i < res->nresults; i++)
		if (strcmp(res->results[i].from_id, in->from_id) == 0 &&
			strcmp(res->results[i].to_id, in->to_id) == 0)
			return true;
	return false;
}

/*
 * The error to blame for input "in", which HubSpot did not confirm: the
 * first that names it, else the first that names no input of the batch
 * (HubSpot said something went wrong without saying for which), else NULL.
 */
static const HsAssocError *
hs_assoc_input_error(const HsAssocBatchResult *res, const HsAssocInput *in,
					 const HsAssocInput *inputs, int ninputs)
{
	int			i;
	int			j;

	for (i = 0; i < res->nerrors; i++)
		if (hs_assoc_error_names(&res->errors[i], in))
			return &res->errors[i];
	for (i = 0; i < res->nerrors; i++)
	{
		for (j = 0; j < ninputs; j++)
			if (hs_assoc_error_names(&res->errors[i], &inputs[j]))
				break;
		if (j == ninputs)
			return &res->errors[i];
	}
	return NULL;
}

/* Append "from -> to (CATEGORY: message)" for failed input "in" to "buf". */
static void
hs_assoc_describe_failure(StringInfo buf, const HsAssocInput *in,
						  const HsAssocError *e)
{
	if (buf->len > 0)
		appendStringInfoString(buf, "; ");
	appendStringInfo(buf, "%s -> %s", hs_from_utf8(in->from_id),
					 hs_from_utf8(in->to_id));
	if (e)
		appendStringInfo(buf, " (%s: %s)", e->category ? e->category : "error",
						 e->message ? e->message : "no message");
	else
		appendStringInfoString(buf, " (not in HubSpot's answer)");
}

/*
 * Send the inputs of "g" as one batch/create and check each against the
 * answer: an input is created only if HubSpot's results hold it. Returns
 * how many were created; raises, naming the failed inputs, if any failed.
 */
static int
hs_assoc_batch_create(HsAssocBatchState *st, HsAssocGroup *g)
{
	HsConnection *conn = g->conn;
	HsHttpRequest req;
	HsAssocBatchResult res;
	ErrorContextCallback errcb;
	StringInfoData failed;
	char	   *why;
	int			nrejected = 0;
	int			nunconfirmed = 0;
	int			ncreated = 0;
	int			sqlstate = ERRCODE_FDW_ERROR;
	int			i;

	st->batches++;
	st->sending = g;
	errcb.callback = hs_assoc_batch_error_context;
	errcb.arg = st;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	hs_request_init(&req, conn, &g->target.opts, "POST", g->path, NULL,
					hs_json_assoc_batch_body(g->inputs, g->ninputs));
	hs_send(&req);
	hs_check_response(&req, false);
	if (!hs_json_parse_assoc_batch(req.response, req.response_len, &res, &why))
		hs_report_bad_response(&req, why);
	error_context_stack = errcb.previous;

	initStringInfo(&failed);
	for (i = 0; i < g->ninputs; i++)
	{
		const HsAssocInput *in = &g->inputs[i];
		const HsAssocError *e;

		if (hs_assoc_confirmed(&res, in))
		{
			ncreated++;
			continue;
		}
		e = hs_assoc_input_error(&res, in, g->inputs, g->ninputs);
		if (e)
		{
			if (nrejected == 0)
				sqlstate = hs_category_sqlstate(e->category, NULL, 400);
			nrejected++;
		}
		else
			nunconfirmed++;
		if (nrejected + nunconfirmed <= HS_ASSOC_MAX_NAMED_FAILURES)
			hs_assoc_describe_failure(&failed, in, e);
	}
	if (nrejected + nunconfirmed > HS_ASSOC_MAX_NAMED_FAILURES)
		appendStringInfo(&failed, "; and %d more",
						 nrejected + nunconfirmed - HS_ASSOC_MAX_NAMED_FAILURES);
	hs_stats_rows_written(&req, ncreated);

	if (nrejected + nunconfirmed > 0)
		ereport(ERROR,
				(errcode(sqlstate),
				 nrejected > 0
				 ? errmsg("HubSpot rejected %d of %d associations of a batch create from %s to %s",
						  nrejected + nunconfirmed, g->ninputs, g->from_type, g->to_type)
				 : errmsg("HubSpot did not confirm %d of %d associations of a batch create from %s to %s",
						  nunconfirmed, g->ninputs, g->from_type, g->to_type),
				 errdetail("Failed (from id -> to id): %s. %d association(s) of this batch and %lld before it were created and stay created: HubSpot has no transactions. correlationId: %s.",
						   hs_hide_token(req.token, failed.data), ncreated, (long long) st->created,
						   req.correlation_id[0] ? req.correlation_id : "none"),
				 errcontext("HubSpot request: POST %s (HTTP %ld, correlationId: %s)",
							g->path, req.http_status,
							req.correlation_id[0] ? req.correlation_id : "none")));
	return ncreated;
}

/* Send what group "g" has buffered, then forget it. */
static void
hs_assoc_flush(HsAssocBatchState *st, HsAssocGroup *g)
{
	MemoryContext old;

	if (g->ninputs == 0)
		return;
	old = MemoryContextSwitchTo(st->flush_cxt);
	st->created += hs_assoc_batch_create(st, g);
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->flush_cxt);
	MemoryContextReset(g->buf_cxt);
	g->ninputs = 0;
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
	g->from_type = pstrdup(from_type);
	g->to_type = pstrdup(to_type);
	hs_assoc_target(server, &g->target);
	g->conn = hs_get_connection(g->target.server, g->target.user);
	g->path = psprintf("/crm/v3/associations/%s/%s/batch/create",
					   hs_url_escape(from_type), hs_url_escape(to_type));
	g->buf_cxt = AllocSetContextCreate(st->cxt, "hubspot_fdw association inputs",
									   ALLOCSET_DEFAULT_SIZES);
	st->groups = lappend(st->groups, g);
	MemoryContextSwitchTo(old);
	return st->last = g;
}

/*
 * Does the batch of "g" hold the pair from -> to already? HubSpot's answer
 * names pairs, not types, so a batch must not hold one pair twice.
 */
static bool
hs_assoc_has_pair(const HsAssocGroup *g, const char *from, const char *to)
{
	int			i;

	for (i = 0; i < g->ninputs; i++)
		if (strcmp(g->inputs[i].from_id, from) == 0 &&
			strcmp(g->inputs[i].to_id, to) == 0)
			return true;
	return false;
}

/*
 * Buffer one association in group "g", sending the group's batch first if
 * it already holds the same from and to ids (HubSpot may refuse a batch
 * naming a pair twice), and sending it when it is full.
 */
static void
hs_assoc_add(HsAssocBatchState *st, HsAssocGroup *g, const char *from_id,
			 const char *to_id, const char *type)
{
	char	   *from = hs_to_utf8(from_id);
	char	   *to = hs_to_utf8(to_id);
	char	   *utype = hs_to_utf8(type);
	HsAssocInput *in;
	MemoryContext old;

	if (hs_assoc_has_pair(g, from, to))
		hs_assoc_flush(st, g);

	old = MemoryContextSwitchTo(g->buf_cxt);
	in = &g->inputs[g->ninputs++];
	in->from_id = pstrdup(from);
	in->to_id = pstrdup(to);
	in->type = pstrdup(utype);
	MemoryContextSwitchTo(old);

	if (g->ninputs >= HS_ASSOC_BATCH_MAX)
		hs_assoc_flush(st, g);
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

		if (g->target.opts.send_at_commit)
		{
			HsAssocInput in = {hs_to_utf8(from_id), hs_to_utf8(to_id), hs_to_utf8(assoc_type)};

			hs_defer_association(g->conn, &g->target.opts, g->from_type, g->to_type, &in);
			st->queued++;
		}
		else
			hs_assoc_add(st, g, from_id, to_id, assoc_type);
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
 * Send associations kept until COMMIT: batch/create of at most
 * HS_ASSOC_BATCH_MAX each, every input checked against HubSpot's answer.
 */
void
hs_assoc_send_deferred(HsConnection *conn, const HsTableOptions *opts,
					   const char *from_type, const char *to_type,
					   const HsAssocInput *inputs, int ninputs)
{
	HsAssocBatchState st;
	HsAssocGroup *g = palloc0(sizeof(HsAssocGroup));
	int			start;

	memset(&st, 0, sizeof(st));
	st.what = "the associations sent at COMMIT";
	g->from_type = pstrdup(from_type);
	g->to_type = pstrdup(to_type);
	g->target.opts = *opts;
	g->conn = conn;
	g->path = psprintf("/crm/v3/associations/%s/%s/batch/create",
					   hs_url_escape(from_type), hs_url_escape(to_type));
	/*
	 * HubSpot's answer names pairs, not types: a pair queued with two types
	 * goes in separate batches, so each answer confirms one input.
	 */
	g->ninputs = 0;
	for (start = 0; start < ninputs; start++)
	{
		const HsAssocInput *in = &inputs[start];

		if (g->ninputs >= HS_ASSOC_BATCH_MAX ||
			hs_assoc_has_pair(g, in->from_id, in->to_id))
		{
			st.created += hs_assoc_batch_create(&st, g);
			g->ninputs = 0;
		}
		g->inputs[g->ninputs++] = *in;
	}
	if (g->ninputs > 0)
		st.created += hs_assoc_batch_create(&st, g);
}

/*
 * hubspot_association_types(server, from_type, to_type): the association
 * types HubSpot allows from one object type to another
 * (GET /crm/v3/associations/{from}/{to}/types), as rows (id, name).
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

	hs_request_init(&req, conn, &t.opts, "GET",
					psprintf("/crm/v3/associations/%s/%s/types",
							 hs_url_escape(from_type), hs_url_escape(to_type)),
					NULL, NULL);
	hs_send(&req);
	hs_check_response(&req, false);
	if (!hs_json_parse_assoc_types(req.response, req.response_len, &types, &why))
		hs_report_bad_response(&req, why);

	foreach(lc, types)
	{
		HsAssocType *at = (HsAssocType *) lfirst(lc);
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(hs_from_utf8(at->id));
		values[1] = CStringGetTextDatum(hs_from_utf8(at->name));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
