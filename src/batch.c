/*
 * batch.c
 *		Batch writes in flight: the batch/update, batch/create, batch/upsert
 *		and batch/archive requests of a statement, or of a COMMIT.
 *
 * A writer (HsWriter) submits each full batch and goes on with its rows
 * while HubSpot answers:
 *	- at most max_concurrency batches of a writer are in flight;
 *	- their answers are checked oldest first, every input against the
 *	  answer, by the writer's kind (HsBatchKind, defined by write.c,
 *	  insert.c and delete.c, which supply the body and the matching);
 *	- a record never has two writes in flight: a batch naming a record
 *	  that is in flight waits for that answer before it is sent;
 *	- each batch owns a memory context (inputs, request and answer), which
 *	  is deleted once the answer is checked.
 *
 * Errors carry HubSpot's message, category and correlationId in the detail
 * and the request in the context, and say how many rows were applied
 * before. When a statement fails with batches whose answers were not
 * checked, their fate is unknown: hs_batch_abort_subxact() counts them for
 * the warning xact.c gives at abort.
 */
#include "postgres.h"

#include "write.h"

#include "access/xact.h"
#include "utils/memutils.h"

/* Failed inputs named in a message, at the most. */
#define HS_MAX_FAILURES_SHOWN 20

/* One batch request, with everything it owns. */
typedef struct HsBatchFlight
{
	MemoryContext cxt;			/* inputs, request and answer; NULL: caller's */
	HsWriteInput *inputs;
	int			ninputs;
	bool		missing_ok;		/* OBJECT_NOT_FOUND is no error */
	int			batchno;
	SubTransactionId subid;		/* who sent it */
	char	  **props;			/* parsed from the answer: keys, then others */
	int			nkeys;			/* the id_properties naming inputs */
	int			nprops;
	HsObject  **answers;		/* if not NULL: each input's result */
	HsHttpRequest req;
} HsBatchFlight;

/*
 * One entry per batch sent and not yet checked, in this backend: the
 * subtransaction that sent it. It lives in TopMemoryContext, because the
 * batches' own memory may be gone when an abort is reported.
 */
static List *hs_unchecked = NIL;

/* Batches of one writer in flight at once: max_concurrency. */
int
hs_batch_concurrency(const HsWriter *w)
{
	return Max(1, Min(w->opts.max_concurrency, HS_MAX_PARALLEL));
}

/* Remember a batch sent by "subid" whose answer is not checked yet. */
static void
hs_unchecked_add(SubTransactionId subid)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	hs_unchecked = lappend_oid(hs_unchecked, (Oid) subid);
	MemoryContextSwitchTo(old);
}

/*
 * Forget the batches sent by subtransaction "subid" or a later one (all
 * for InvalidSubTransactionId), which is ending, and return how many there
 * were: HubSpot may or may not have applied them.
 */
int
hs_batch_abort_subxact(SubTransactionId subid)
{
	List	   *keep = NIL;
	int			n = 0;
	ListCell   *lc;
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	foreach(lc, hs_unchecked)
	{
		SubTransactionId s = (SubTransactionId) lfirst_oid(lc);

		if (subid == InvalidSubTransactionId || s >= subid)
			n++;
		else
			keep = lappend_oid(keep, (Oid) s);
	}
	list_free(hs_unchecked);
	hs_unchecked = keep;
	MemoryContextSwitchTo(old);
	return n;
}

/*
 * Count the ids of the inputs of "f" in or out of the writer's busy set.
 * Inputs without an id (new records) name no record that could be written
 * twice. The id alone is the key: a writer names all its inputs one way,
 * by record id or by the values of one id_property (commit.c sends each
 * run of writes named one way only when the previous run is answered).
 */
static void
hs_busy_update(HsWriter *w, HsBatchFlight *f, bool add)
{
	int			i;

	if (w->busy == NULL)
		w->busy = hs_idset_create(w->cxt ? w->cxt : CurrentMemoryContext);
	for (i = 0; i < f->ninputs; i++)
	{
		if (f->inputs[i].id == NULL)
			continue;
		if (add)
			(void) hs_idset_add(w->busy, f->inputs[i].id);
		else
			hs_idset_remove(w->busy, f->inputs[i].id);
	}
}

/* Does a batch in flight write a record that one of "inputs" names? */
static bool
hs_batch_busy(HsWriter *w, const HsWriteInput *inputs, int ninputs)
{
	int			i;

	if (w->busy == NULL || w->nflights == 0)
		return false;
	for (i = 0; i < ninputs; i++)
		if (inputs[i].id != NULL && hs_idset_contains(w->busy, inputs[i].id))
			return true;
	return false;
}

/*
 * The properties to parse from the answer to "inputs": the id_properties
 * naming inputs (*nkeys of them, so results can be matched by key value),
 * then "extra".
 */
static char **
hs_batch_props(const HsWriteInput *inputs, int ninputs, char **extra, int nextra,
			   int *nkeys)
{
	char	  **props = palloc(sizeof(char *) * (ninputs + nextra + 1));
	int			n = 0;
	int			i;

	for (i = 0; i < ninputs; i++)
	{
		int			k;

		if (inputs[i].id_property == NULL)
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(props[k], inputs[i].id_property) == 0)
				break;
		if (k == n)
			props[n++] = (char *) inputs[i].id_property;
	}
	*nkeys = n;
	for (i = 0; i < nextra; i++)
		props[n + i] = extra[i];
	return props;
}

/* Error context of a batch: what this statement has already written. */
void
hs_batch_error_context(void *arg)
{
	HsWriter   *w = (HsWriter *) arg;

	errcontext(ngettext("batch %d of %s of %s; %d row was applied in HubSpot before this batch and stays applied (HubSpot has no transactions)",
						"batch %d of %s of %s; %d rows were applied in HubSpot before this batch and stay applied (HubSpot has no transactions)",
						w->applied),
			   w->batches, w->what ? w->what : "this UPDATE", w->opts.object_type,
			   w->applied);
}

/* Is "id" in "ids" (a List of C strings)? */
bool
hs_id_listed(List *ids, const char *id)
{
	ListCell   *lc;

	foreach(lc, ids)
		if (strcmp((char *) lfirst(lc), id) == 0)
			return true;
	return false;
}

/*
 * Which error of "res" (if any) names input "in", by id or trace id? An
 * input creating a record has no id yet: only its trace id names it.
 */
const HsBatchError *
hs_find_input_error(const HsBatchResult *res, const HsWriteInput *in)
{
	int			i;

	for (i = 0; i < res->nerrors; i++)
		if ((in->id && hs_id_listed(res->errors[i].ids, in->id)) ||
			(in->trace_id && hs_id_listed(res->errors[i].trace_ids, in->trace_id)))
			return &res->errors[i];
	return NULL;
}

/*
 * The result of "res" answering input "in" (one of "ninputs"), or NULL. A
 * result answers an input with the same objectWriteTraceId. Otherwise,
 * results carry the record id: it must equal the input's id or, for an
 * input named by its id_property value, the result's value of that
 * property must equal that value or the new one the input sets. "res" was
 * parsed for key_props first.
 */
HsObject *
hs_input_result(const HsBatchResult *res, const HsWriteInput *in, int ninputs,
				char **key_props, int nkeys)
{
	const char *new_key = NULL;
	int			k = -1;
	int			i;

	if (in->id_property)
	{
		for (i = 0; i < nkeys; i++)
			if (strcmp(key_props[i], in->id_property) == 0)
				k = i;
		for (i = 0; i < in->nprops; i++)
			if (strcmp(in->names[i], in->id_property) == 0)
				new_key = in->values[i];
	}

	for (i = 0; i < res->nresults; i++)
	{
		HsObject   *r = &res->results[i];

		if (in->trace_id && r->trace_id && strcmp(r->trace_id, in->trace_id) == 0)
			return r;
		if (in->id_property == NULL)
		{
			if (strcmp(r->id, in->id) == 0)
				return r;
		}
		else if (k >= 0 && r->values && r->values[k] &&
				 (strcmp(r->values[k], in->id) == 0 ||
				  (new_key && strcmp(r->values[k], new_key) == 0)))
			return r;
	}
	return NULL;
}

/* An object batch's answer, as its callbacks see it. */
typedef struct HsBatchAnswer
{
	const HsBatchKind *kind;
	HsBatchFlight *f;
	const HsBatchResult *res;	/* NULL: no answer body, all inputs applied */
	bool		unnamed;		/* results that can only be counted answer all */
} HsBatchAnswer;

/*
 * What HubSpot's answer says of input "i" of an object batch (arg: an
 * HsBatchAnswer). An applied input's result goes to f->answers[i], if
 * asked for; with missing_ok, OBJECT_NOT_FOUND only skips the input.
 */
static HsInputOutcome
hs_batch_outcome(void *arg, int i, const char **category, const char **message)
{
	HsBatchAnswer *a = (HsBatchAnswer *) arg;
	HsBatchFlight *f = a->f;
	const HsBatchError *e;
	HsObject   *r;

	if (a->res == NULL)
		return HS_INPUT_APPLIED;
	e = a->kind->find_error(a->res, &f->inputs[i]);
	if (e)
	{
		*category = e->category;
		*message = e->message;
		if (f->missing_ok && e->category && strcmp(e->category, "OBJECT_NOT_FOUND") == 0)
			return HS_INPUT_SKIPPED;
		return HS_INPUT_FAILED;
	}
	r = a->kind->find_result(a->res, &f->inputs[i], f->ninputs, f->props, f->nkeys);
	if (r == NULL && !a->unnamed)
		return HS_INPUT_UNCONFIRMED;
	if (f->answers)
		f->answers[i] = r;
	return HS_INPUT_APPLIED;
}

/* How input "i" of an object batch (arg: an HsBatchAnswer) is named. */
static char *
hs_batch_input_name(void *arg, int i)
{
	HsBatchAnswer *a = (HsBatchAnswer *) arg;
	const HsWriteInput *in = &a->f->inputs[i];

	return a->kind->input_name ? a->kind->input_name(in) : in->id;
}

/*
 * Check every input of a batch against HubSpot's answer, as "c" says, and
 * return how many were applied. If any failed or was not confirmed, raise
 * one error naming them (the first HS_MAX_FAILURES_SHOWN), with the
 * SQLSTATE of the first rejection, and saying what was applied and stays
 * applied. Object batches (batch.c) and association batches
 * (assoc_batch.c) both report through here.
 */
int
hs_check_batch_answer(const HsBatchCheck *c)
{
	HsHttpRequest *req = c->req;
	StringInfoData failed;
	int			nfailed = 0;
	int			nunconfirmed = 0;
	int			napplied = 0;
	int			sqlstate = ERRCODE_FDW_ERROR;
	int			i;

	initStringInfo(&failed);
	for (i = 0; i < c->ninputs; i++)
	{
		const char *category = NULL;
		const char *message = NULL;
		HsInputOutcome outcome = c->outcome(c->arg, i, &category, &message);

		switch (outcome)
		{
			case HS_INPUT_APPLIED:
				napplied++;
				continue;
			case HS_INPUT_SKIPPED:
				continue;
			case HS_INPUT_FAILED:
				if (nfailed == 0)
					sqlstate = hs_category_sqlstate(category, NULL, 400);
				nfailed++;
				break;
			case HS_INPUT_UNCONFIRMED:
				nunconfirmed++;
				break;
		}
		if (nfailed + nunconfirmed > HS_MAX_FAILURES_SHOWN)
			continue;
		if (failed.len > 0)
			appendStringInfoString(&failed, "; ");
		appendStringInfoString(&failed, c->name(c->arg, i));
		if (outcome == HS_INPUT_FAILED)
			appendStringInfo(&failed, " (%s: %s)", category ? category : "error",
							 message ? message : "no message");
		else
			appendStringInfoString(&failed, " (not in HubSpot's answer)");
	}
	if (nfailed + nunconfirmed > HS_MAX_FAILURES_SHOWN)
		appendStringInfo(&failed, "; and %d more",
						 nfailed + nunconfirmed - HS_MAX_FAILURES_SHOWN);
	hs_stats_rows_written(req, napplied);
	if (nfailed + nunconfirmed == 0)
		return napplied;

	ereport(ERROR,
			(errcode(sqlstate),
			 c->to_type == NULL
			 ? (nfailed > 0
				? errmsg_plural("HubSpot rejected %d of %d input of a batch %s of %s",
								"HubSpot rejected %d of %d inputs of a batch %s of %s",
								c->ninputs, nfailed + nunconfirmed, c->ninputs,
								c->operation, c->object_type)
				: errmsg_plural("HubSpot did not confirm %d of %d input of a batch %s of %s",
								"HubSpot did not confirm %d of %d inputs of a batch %s of %s",
								c->ninputs, nfailed + nunconfirmed, c->ninputs,
								c->operation, c->object_type))
			 : (nfailed > 0
				? errmsg_plural("HubSpot rejected %d of %d association of a batch create from %s to %s",
								"HubSpot rejected %d of %d associations of a batch create from %s to %s",
								c->ninputs, nfailed + nunconfirmed, c->ninputs,
								c->object_type, c->to_type)
				: errmsg_plural("HubSpot did not confirm %d of %d association of a batch create from %s to %s",
								"HubSpot did not confirm %d of %d associations of a batch create from %s to %s",
								c->ninputs, nfailed + nunconfirmed, c->ninputs,
								c->object_type, c->to_type)),
			 errdetail("Failed inputs: %s. HubSpot has no transactions, so the inputs it applied stay applied: %d of this batch and %lld before it. correlationId: %s.",
					   hs_hide_token(req->token, failed.data), napplied,
					   (long long) c->before,
					   req->correlation_id[0] ? req->correlation_id : "none"),
			 errcontext("HubSpot request: POST %s (HTTP %ld, correlationId: %s)",
						req->path, req->http_status,
						req->correlation_id[0] ? req->correlation_id : "none")));
	return napplied;			/* not reached */
}

/*
 * Wait for the answer to batch "f" (started with hs_send_begin), retrying
 * as hs_send_complete() does. A batch sent by hs_batch_submit() stays
 * among the unchecked ones until its answer is here, or until the wait
 * fails with an error about this request itself (a timeout, say), which
 * then tells its fate. A cancel or statement_timeout interrupting the wait
 * leaves it there: HubSpot may have applied it, and the abort warning
 * counts it.
 */
static void
hs_batch_wait(HsBatchFlight *f)
{
	MemoryContext cxt = CurrentMemoryContext;

	if (f->cxt == NULL)
	{
		hs_send_complete(&f->req);	/* hs_batch_send: never unchecked */
		return;
	}
	PG_TRY();
	{
		hs_send_complete(&f->req);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		bool		interrupted;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		interrupted = edata->sqlerrcode == ERRCODE_QUERY_CANCELED;
		FreeErrorData(edata);
		if (!interrupted || !hs_request_fate_unknown(&f->req))
			hs_unchecked = list_delete_oid(hs_unchecked, (Oid) f->subid);
		PG_RE_THROW();
	}
	PG_END_TRY();
	/* its answer is here: its fate will be known, or reported */
	hs_unchecked = list_delete_oid(hs_unchecked, (Oid) f->subid);
}

/*
 * Wait for the answer to batch "f" (started with hs_send_begin) and check
 * every input against it. Raises, naming the failed inputs and counting
 * the rows applied before, if any input failed or was not confirmed; with
 * missing_ok, inputs HubSpot reports as OBJECT_NOT_FOUND are no error
 * (direct UPDATE: no such row).
 */
static void
hs_batch_complete(HsWriter *w, HsBatchFlight *f)
{
	const HsBatchKind *kind = w->kind;
	HsHttpRequest *req = &f->req;
	HsBatchResult res;
	HsBatchAnswer answer;
	HsBatchCheck check;
	ErrorContextCallback errcb;
	int			i;

	w->batches = f->batchno;
	errcb.callback = hs_batch_error_context;
	errcb.arg = w;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	hs_batch_wait(f);
	w->requests++;
	w->retries += req->retries;
	hs_check_response(req, false);

	memset(&answer, 0, sizeof(answer));
	answer.kind = kind;
	answer.f = f;
	/* archive answers 204 and says nothing per input: all applied */
	if (kind->find_error != NULL)
	{
		char	   *why;

		if (!hs_json_parse_batch(req->response, req->response_len,
								 f->props, f->nprops, &res, &why))
			hs_report_bad_response(req, why);
		answer.res = &res;
		/* results without trace ids can only be counted: all or nothing */
		answer.unnamed = kind->count_unnamed && res.nerrors == 0 &&
			res.nresults == f->ninputs;
		for (i = 0; i < res.nresults && answer.unnamed; i++)
			if (res.results[i].trace_id != NULL)
				answer.unnamed = false;
	}
	error_context_stack = errcb.previous;

	memset(&check, 0, sizeof(check));
	check.req = req;
	check.ninputs = f->ninputs;
	check.operation = kind->name;
	check.object_type = w->opts.object_type;
	check.before = w->applied;
	check.outcome = hs_batch_outcome;
	check.name = hs_batch_input_name;
	check.arg = &answer;
	w->applied += hs_check_batch_answer(&check);
}

/*
 * Wait for the oldest batch in flight, check its answer, and free it. If
 * it failed, the error leaves the younger ones to the abort warning.
 */
static void
hs_batch_retire(HsWriter *w)
{
	HsBatchFlight *f = w->flights[0];
	MemoryContext old = MemoryContextSwitchTo(f->cxt);

	hs_batch_complete(w, f);
	MemoryContextSwitchTo(old);

	hs_busy_update(w, f, false);
	w->nflights--;
	memmove(&w->flights[0], &w->flights[1], sizeof(HsBatchFlight *) * w->nflights);
	MemoryContextDelete(f->cxt);
}

/*
 * Start "inputs" as one batch request of the writer's kind and return
 * while it is in flight. First, batches in flight are retired, oldest
 * first, while max_concurrency are out or one of them writes a record
 * that "inputs" names. "cxt" holds the inputs' strings and becomes the
 * batch's: it is deleted once the answer is checked. With missing_ok,
 * inputs HubSpot does not find are no error.
 */
void
hs_batch_submit(HsWriter *w, MemoryContext cxt, HsWriteInput *inputs,
				int ninputs, bool missing_ok)
{
	HsBatchFlight *f;
	MemoryContext old;

	while (w->nflights > 0 &&
		   (w->nflights >= hs_batch_concurrency(w) ||
			hs_http_in_flight() >= HS_MAX_PARALLEL ||
			hs_batch_busy(w, inputs, ninputs)))
		hs_batch_retire(w);

	old = MemoryContextSwitchTo(cxt);
	f = palloc0(sizeof(HsBatchFlight));
	f->cxt = cxt;
	f->ninputs = ninputs;
	f->missing_ok = missing_ok;
	f->batchno = ++w->nsubmitted;
	f->subid = GetCurrentSubTransactionId();
	f->inputs = palloc(sizeof(HsWriteInput) * Max(ninputs, 1));
	memcpy(f->inputs, inputs, sizeof(HsWriteInput) * ninputs);
	f->props = hs_batch_props(inputs, ninputs, NULL, 0, &f->nkeys);
	f->nprops = f->nkeys;
	hs_request_init(&f->req, w->conn, &w->opts, "POST",
					psprintf("%s/batch/%s", w->type_path, w->kind->name), NULL,
					w->kind->body(inputs, ninputs));
	w->flights[w->nflights++] = f;
	hs_busy_update(w, f, true);
	hs_unchecked_add(f->subid);
	hs_send_begin(&f->req);		/* its answer will land in cxt */
	hs_http_progress();			/* and it goes out now */
	MemoryContextSwitchTo(old);
}

/*
 * Let "w" buffer rows into batches of "size" inputs, in memory under
 * "parent": hs_batch_next() and hs_batch_added() fill the batch, which is
 * submitted when full; hs_batch_finish() sends the rest and waits.
 */
void
hs_batch_buffer_init(HsWriter *w, MemoryContext parent, int size)
{
	w->buf_cxt = AllocSetContextCreate(parent, "hubspot_fdw batch", ALLOCSET_DEFAULT_SIZES);
	w->buf = MemoryContextAllocZero(parent, sizeof(HsWriteInput) * Max(size, 1));
	w->buf_keys = hs_idset_create(parent);
	w->nbuf = 0;
	w->buf_size = Max(size, 1);
}

/*
 * The next input of the batch being filled, for a row naming record "key"
 * (NULL: no check). HubSpot rejects a batch naming one record twice, so a
 * key already buffered sends the earlier rows first (hs_batch_submit keeps
 * the two writes from racing). The caller fills the input, its strings in
 * w->buf_cxt, then calls hs_batch_added().
 */
HsWriteInput *
hs_batch_next(HsWriter *w, const char *key)
{
	if (key != NULL && !hs_idset_add(w->buf_keys, key))
	{
		hs_batch_flush(w);
		(void) hs_idset_add(w->buf_keys, key);
	}
	return &w->buf[w->nbuf];
}

/* The input hs_batch_next() gave is filled: submit the batch when full. */
void
hs_batch_added(HsWriter *w)
{
	if (++w->nbuf >= w->buf_size)
		hs_batch_flush(w);
}

/*
 * Submit the buffered inputs, if any, as one batch, which takes buf_cxt
 * along; the next batch gets a fresh context.
 */
void
hs_batch_flush(HsWriter *w)
{
	MemoryContext parent;

	if (w->nbuf == 0)
		return;
	parent = MemoryContextGetParent(w->buf_cxt);
	hs_batch_submit(w, w->buf_cxt, w->buf, w->nbuf, false);
	w->buf_cxt = AllocSetContextCreate(parent, "hubspot_fdw batch", ALLOCSET_DEFAULT_SIZES);
	w->nbuf = 0;
	hs_idset_reset(w->buf_keys);
}

/*
 * Send what is buffered and wait for every batch in flight (the end of a
 * statement, or EXPLAIN ANALYZE before it counts). Nothing for a writer
 * that never buffered (EXPLAIN without ANALYZE).
 */
void
hs_batch_finish(HsWriter *w)
{
	if (w->buf_cxt == NULL)
		return;
	hs_batch_flush(w);
	hs_batch_drain(w);
}

/*
 * Send "inputs" as one batch request and wait for its answer, after the
 * batches in flight: for rows that must come back before the next one.
 * The answer is parsed for "props" too, and answers[i] (if answers) gets
 * input i's result, its values the inputs' id_properties first, then
 * "props". It all lives in the current memory context.
 */
void
hs_batch_send(HsWriter *w, HsWriteInput *inputs, int ninputs, char **props,
			  int nprops, HsObject **answers)
{
	HsBatchFlight f;

	hs_batch_drain(w);
	memset(&f, 0, sizeof(f));
	f.inputs = inputs;
	f.ninputs = ninputs;
	f.batchno = ++w->nsubmitted;
	f.answers = answers;
	f.props = hs_batch_props(inputs, ninputs, props, nprops, &f.nkeys);
	f.nprops = f.nkeys + nprops;
	hs_request_init(&f.req, w->conn, &w->opts, "POST",
					psprintf("%s/batch/%s", w->type_path, w->kind->name), NULL,
					w->kind->body(inputs, ninputs));
	hs_send_begin(&f.req);
	hs_batch_complete(w, &f);
}

/* Wait for and check every batch in flight, oldest first. */
void
hs_batch_drain(HsWriter *w)
{
	while (w->nflights > 0)
		hs_batch_retire(w);
}

/*
 * EXPLAIN of a writer: (VERBOSE) its requests in flight at once, and
 * (ANALYZE) the requests it sent and their retries.
 */
void
hs_explain_writer(HsWriter *w, int concurrency, ExplainState *es)
{
	if (es->verbose)
		ExplainPropertyInteger("HubSpot Concurrency", NULL, concurrency, es);
	if (es->analyze)
	{
		ExplainPropertyInteger("HubSpot Requests Sent", NULL, w->requests, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, w->retries, es);
	}
}
