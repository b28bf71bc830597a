/*
 * assoc_batch.c
 *		Association batches: the inputs of one (server, from type, to type)
 *		collected into associations batch/create requests of at most
 *		HS_ASSOC_BATCH_MAX, each input checked against HubSpot's answer.
 *
 * The aggregate hubspot_associate_batch() (associations.c) fills them row
 * by row; commit.c sends the associations kept until COMMIT through
 * hs_assoc_send_deferred().
 */
#include "postgres.h"

#include "write.h"

#include "utils/memutils.h"

/*
 * The path that removes associations from "from_type" to "to_type": v3's
 * batch/archive, which takes each input's type name; under a date version,
 * batch/labels/archive, which takes each input's association spec and
 * removes that type only (batch/archive there would remove every type
 * between the two records).
 */
char *
hs_assoc_remove_path(const HsTableOptions *opts, const char *from_type,
					 const char *to_type)
{
	bool		dated = hs_api_is_dated(opts);

	return hs_assoc_batch_path(opts, dated, from_type, to_type,
							   dated ? "labels/archive" : "archive");
}

/*
 * Set up group "g" of associations from "from_type" to "to_type", to
 * create (or with "archive", to remove), sent through "conn" with "opts"
 * (copied into "cxt", whatever the caller's memory); its inputs' strings
 * live in a child of "cxt".
 */
void
hs_assoc_group_init(HsAssocGroup *g, MemoryContext cxt, HsConnection *conn,
					const HsTableOptions *opts, const char *from_type,
					const char *to_type, bool archive)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	g->from_type = pstrdup(from_type);
	g->to_type = pstrdup(to_type);
	hs_copy_table_options(&g->opts, opts);
	g->conn = conn;
	g->archive = archive;
	g->path = archive ? hs_assoc_remove_path(opts, from_type, to_type)
		: hs_assoc_batch_path(opts, false, from_type, to_type, "create");
	g->buf_cxt = AllocSetContextCreate(cxt, "hubspot_fdw association inputs",
									   ALLOCSET_DEFAULT_SIZES);
	g->pairs = hs_idset_create(cxt);
	g->ninputs = 0;
	MemoryContextSwitchTo(old);
}

/*
 * Error context of a batch request: what the call already created, or
 * for a removal (a link table's DELETE) what it removed.
 */
static void
hs_assoc_batch_error_context(void *arg)
{
	HsAssocBatchState *st = (HsAssocBatchState *) arg;

	if (st->sending->archive)
	{
		errcontext(ngettext("batch/archive %d of %s, %s to %s; %lld link was removed in HubSpot before this batch and stays removed (HubSpot has no transactions)",
							"batch/archive %d of %s, %s to %s; %lld links were removed in HubSpot before this batch and stay removed (HubSpot has no transactions)",
							(unsigned long) Min(st->removed, 1000000)),
				   st->batches, st->what, st->sending->from_type, st->sending->to_type,
				   (long long) st->removed);
		return;
	}
	errcontext(ngettext("batch %d of %s, %s to %s; %lld association was created in HubSpot before this batch and stays created (HubSpot has no transactions)",
						"batch %d of %s, %s to %s; %lld associations were created in HubSpot before this batch and stay created (HubSpot has no transactions)",
						(unsigned long) Min(st->created, 1000000)),
			   st->batches, st->what ? st->what : "hubspot_associate_batch",
			   st->sending->from_type, st->sending->to_type,
			   (long long) st->created);
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

/* An association batch's answer, as its callbacks see it. */
typedef struct HsAssocAnswer
{
	const HsAssocGroup *g;
	const HsAssocBatchResult *res;
} HsAssocAnswer;

/*
 * What HubSpot's answer says of input "i" of an association batch (arg:
 * an HsAssocAnswer): created if the results hold it, else failed if an
 * error is to blame, else unconfirmed.
 */
static HsInputOutcome
hs_assoc_outcome(void *arg, int i, const char **category, const char **message)
{
	HsAssocAnswer *a = (HsAssocAnswer *) arg;
	const HsAssocInput *in = &a->g->inputs[i];
	const HsAssocError *e;

	if (hs_assoc_confirmed(a->res, in))
		return HS_INPUT_APPLIED;
	e = hs_assoc_input_error(a->res, in, a->g->inputs, a->g->ninputs);
	if (e == NULL)
		return HS_INPUT_UNCONFIRMED;
	*category = e->category;
	*message = e->message;
	return HS_INPUT_FAILED;
}

/* How input "i" of an association batch is named: "from id -> to id". */
static char *
hs_assoc_input_name(void *arg, int i)
{
	HsAssocAnswer *a = (HsAssocAnswer *) arg;
	const HsAssocInput *in = &a->g->inputs[i];

	return psprintf("%s -> %s", hs_from_utf8(in->from_id), hs_from_utf8(in->to_id));
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
	HsAssocAnswer answer;
	HsBatchCheck check;
	ErrorContextCallback errcb;
	char	   *why;

	st->batches++;
	st->sending = g;
	errcb.callback = hs_assoc_batch_error_context;
	errcb.arg = st;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	hs_request_init(&req, conn, &g->opts, "POST", g->path, NULL,
					hs_json_assoc_batch_body(g->inputs, g->ninputs,
											 hs_api_is_dated(&g->opts)));
	hs_send(&req);
	hs_check_response(&req, false);
	if (!hs_json_parse_assoc_batch(req.response, req.response_len, &res, &why))
		hs_report_bad_response(&req, why);
	error_context_stack = errcb.previous;

	answer.g = g;
	answer.res = &res;
	memset(&check, 0, sizeof(check));
	check.req = &req;
	check.ninputs = g->ninputs;
	check.object_type = g->from_type;
	check.to_type = g->to_type;
	check.before = st->created;
	check.outcome = hs_assoc_outcome;
	check.name = hs_assoc_input_name;
	check.arg = &answer;
	return hs_check_batch_answer(&check);
}

/*
 * A date version answers a removal with a batch response (v3 and v4: 204,
 * no body): raise for the errors it names.
 */
static void
hs_assoc_archive_errors(HsAssocGroup *g, HsHttpRequest *req)
{
	HsAssocError *errors;
	int			nerrors;
	char	   *why = NULL;

	if (!hs_json_parse_batch_errors(req->response, req->response_len, &errors, &nerrors, &why))
		hs_report_bad_response(req, why);
	if (nerrors == 0)
		return;
	ereport(ERROR,
			(errcode(hs_category_sqlstate(errors[0].category, NULL, req->http_status)),
			 errmsg_plural("HubSpot refused to remove links of a batch of %d link",
						   "HubSpot refused to remove links of a batch of %d links",
						   g->ninputs, g->ninputs),
			 errors[0].message
			 ? errdetail("HubSpot says \"%s\" (category: %s).",
						 hs_hide_token(req->token, errors[0].message),
						 errors[0].category ? hs_hide_token(req->token, errors[0].category) : "none")
			 : errdetail("HubSpot gives no message (category: %s).",
						 errors[0].category ? hs_hide_token(req->token, errors[0].category) : "none")));
}

/*
 * Send the inputs of "g" as one removal. HubSpot's answer says nothing of
 * each input (204, or a batch response naming only errors): every input
 * counts as removed once the request succeeds. Returns how many.
 */
static int
hs_assoc_batch_archive(HsAssocBatchState *st, HsAssocGroup *g)
{
	HsHttpRequest req;
	ErrorContextCallback errcb;

	st->batches++;
	st->sending = g;
	errcb.callback = hs_assoc_batch_error_context;
	errcb.arg = st;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	hs_request_init(&req, g->conn, &g->opts, "POST", g->path, NULL,
					hs_json_assoc_batch_body(g->inputs, g->ninputs,
											 hs_api_is_dated(&g->opts)));
	hs_send(&req);
	hs_check_response(&req, false);
	if (req.response_len > 0)
		hs_assoc_archive_errors(g, &req);
	error_context_stack = errcb.previous;
	hs_stats_rows_written(&req, g->ninputs);
	return g->ninputs;
}

/* Send what group "g" has buffered, then forget it. */
void
hs_assoc_flush(HsAssocBatchState *st, HsAssocGroup *g)
{
	MemoryContext old;

	if (g->ninputs == 0)
		return;
	old = MemoryContextSwitchTo(st->flush_cxt);
	if (g->archive)
		st->removed += hs_assoc_batch_archive(st, g);
	else
		st->created += hs_assoc_batch_create(st, g);
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->flush_cxt);
	MemoryContextReset(g->buf_cxt);
	hs_idset_reset(g->pairs);
	g->ninputs = 0;
}

/*
 * Buffer one association (ids and type in UTF-8; under a date version the
 * spec "type" resolved to, hs_assoc_resolve()) in group "g", sending the
 * group's batch first if it already holds the same from and to ids
 * (HubSpot may refuse a batch naming a pair twice), and sending it when it
 * is full.
 */
void
hs_assoc_add(HsAssocBatchState *st, HsAssocGroup *g, const char *from,
			 const char *to, const char *type, const char *category, int type_id)
{
	const char *pair = hs_idset_key(g->pairs, 2, from, to);
	HsAssocInput *in;
	MemoryContext old;

	if (!hs_idset_add(g->pairs, pair))
	{
		hs_assoc_flush(st, g);
		(void) hs_idset_add(g->pairs, pair);
	}

	old = MemoryContextSwitchTo(g->buf_cxt);
	in = &g->inputs[g->ninputs++];
	in->from_id = pstrdup(from);
	in->to_id = pstrdup(to);
	in->type = pstrdup(type);
	in->category = category;
	in->type_id = type_id;
	MemoryContextSwitchTo(old);

	if (g->ninputs >= HS_ASSOC_BATCH_MAX)
		hs_assoc_flush(st, g);
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
	g->opts = *opts;
	g->conn = conn;
	g->path = hs_assoc_batch_path(opts, false, from_type, to_type, "create");
	g->pairs = hs_idset_create(CurrentMemoryContext);
	/*
	 * HubSpot's answer names pairs, not types: a pair queued with two types
	 * goes in separate batches, so each answer confirms one input.
	 */
	g->ninputs = 0;
	for (start = 0; start < ninputs; start++)
	{
		const HsAssocInput *in = &inputs[start];
		const char *pair = hs_idset_key(g->pairs, 2, in->from_id, in->to_id);

		if (g->ninputs >= HS_ASSOC_BATCH_MAX || hs_idset_contains(g->pairs, pair))
		{
			st.created += hs_assoc_batch_create(&st, g);
			g->ninputs = 0;
			hs_idset_reset(g->pairs);
		}
		(void) hs_idset_add(g->pairs, pair);
		g->inputs[g->ninputs++] = *in;
	}
	if (g->ninputs > 0)
		st.created += hs_assoc_batch_create(&st, g);
	hs_idset_free(g->pairs);
}
