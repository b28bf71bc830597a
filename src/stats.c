/*
 * stats.c
 *		Per-backend counters of what hubspot_fdw sent, shown by
 *		hubspot_fdw_stats(): requests by endpoint, failures, retries, 429s,
 *		time spent waiting, rows written and the last correlation id.
 *
 * Endpoints are labels such as "PATCH /crm/v3/objects/partner_clients/{id}":
 * record ids never appear, and nothing here ever holds a token.
 */
#include "postgres.h"

#include "transport.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

/* Distinct endpoints counted; later ones share the last entry. */
#define HS_STATS_MAX_ENDPOINTS 64

typedef struct HsEndpointStats
{
	char		endpoint[160];
	int64		requests;
	int64		failures;
	int64		retries;
	int64		rate_limited;
	double		wait_ms;
	double		http_ms;
	int64		rows_written;
	char		last_correlation_id[64];
} HsEndpointStats;

static HsEndpointStats *hs_stats = NULL;
static int	hs_nstats = 0;

/* The counters of "endpoint", created on first use. */
static HsEndpointStats *
hs_stats_entry(const char *endpoint)
{
	int			i;

	if (endpoint == NULL)
		endpoint = "(other)";
	if (hs_stats == NULL)
		hs_stats = MemoryContextAllocZero(TopMemoryContext,
										  sizeof(HsEndpointStats) * HS_STATS_MAX_ENDPOINTS);
	for (i = 0; i < hs_nstats; i++)
		if (strcmp(hs_stats[i].endpoint, endpoint) == 0)
			return &hs_stats[i];
	if (hs_nstats == HS_STATS_MAX_ENDPOINTS)
		return &hs_stats[HS_STATS_MAX_ENDPOINTS - 1];
	strlcpy(hs_stats[hs_nstats].endpoint, endpoint, sizeof(hs_stats[0].endpoint));
	return &hs_stats[hs_nstats++];
}

/* Count one request and its outcome. */
void
hs_stats_request(const HsHttpRequest *req)
{
	HsEndpointStats *e = hs_stats_entry(req->endpoint);

	e->requests++;
	e->http_ms += req->elapsed_ms;
	if (req->transport != HS_TRANSPORT_OK || req->http_status >= 400)
		e->failures++;
	if (req->http_status == 429)
		e->rate_limited++;
	if (req->correlation_id[0])
		strlcpy(e->last_correlation_id, req->correlation_id,
				sizeof(e->last_correlation_id));
}

/* Count a retry of a request, and the time waited before it or for the limiter. */
void
hs_stats_wait(const HsHttpRequest *req, bool retry, double wait_ms)
{
	HsEndpointStats *e = hs_stats_entry(req->endpoint);

	if (retry)
		e->retries++;
	e->wait_ms += wait_ms;
}

/* Count rows (or associations) HubSpot confirmed as written by a request. */
void
hs_stats_rows_written(const HsHttpRequest *req, int64 rows)
{
	hs_stats_entry(req->endpoint)->rows_written += rows;
}

PG_FUNCTION_INFO_V1(hubspot_fdw_stats);

/*
 * SQL: one row per endpoint this backend has sent requests to, then one per
 * wait HubSpot asked for (a 429) that still holds a token this backend
 * used: endpoint "(wait asked by HubSpot) <the request that got it>",
 * wait_ms the milliseconds left, last_correlation_id that of the 429.
 */
Datum
hubspot_fdw_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < hs_nstats; i++)
	{
		HsEndpointStats *e = &hs_stats[i];
		Datum		values[9];
		bool		nulls[9] = {false};

		values[0] = CStringGetTextDatum(e->endpoint);
		values[1] = Int64GetDatum(e->requests);
		values[2] = Int64GetDatum(e->failures);
		values[3] = Int64GetDatum(e->retries);
		values[4] = Int64GetDatum(e->rate_limited);
		values[5] = Float8GetDatum(e->wait_ms);
		values[6] = Float8GetDatum(e->http_ms);
		values[7] = Int64GetDatum(e->rows_written);
		if (e->last_correlation_id[0])
			values[8] = CStringGetTextDatum(e->last_correlation_id);
		else
			nulls[8] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	foreach(lc, hs_ratelimit_waits())
	{
		HsRateWait *w = (HsRateWait *) lfirst(lc);
		Datum		values[9];
		bool		nulls[9] = {false};

		values[0] = CStringGetTextDatum(psprintf("(wait asked by HubSpot) %s", w->endpoint));
		values[1] = values[2] = values[3] = values[4] = Int64GetDatum(0);
		values[5] = Float8GetDatum(w->remaining_ms);
		values[6] = Float8GetDatum(0);
		values[7] = Int64GetDatum(0);
		if (w->correlation_id[0])
			values[8] = CStringGetTextDatum(w->correlation_id);
		else
			nulls[8] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(hubspot_fdw_stats_reset);

/*
 * SQL: forget this backend's counters, and the waits HubSpot asked for of
 * the tokens it used (for every session using them).
 */
Datum
hubspot_fdw_stats_reset(PG_FUNCTION_ARGS)
{
	hs_nstats = 0;
	if (hs_stats)
		memset(hs_stats, 0, sizeof(HsEndpointStats) * HS_STATS_MAX_ENDPOINTS);
	hs_ratelimit_forget_waits();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(hubspot_fdw_rate_limit);

/*
 * SQL: hubspot_fdw_rate_limit(server): the rate budget of the current
 * user's mapping for hubspot_fdw server "server", as the limiter knows it
 * (shared by every session when hubspot_fdw is preloaded): the option
 * rate_limit_per_10s; the requests per window paced now, the window, and
 * the requests sent within it; the burst limit HubSpot's answers stated
 * last, and when; the daily limit and what remained of it, and when. What
 * HubSpot never stated is NULL. Sends nothing; shows no credential.
 */
Datum
hubspot_fdw_rate_limit(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	UserMapping *user;
	ForeignServer *server = hs_function_server(name, &user);
	HsConnection *conn = hs_get_connection(server, user);
	HsTableOptions opts;
	HsRateBudget b;
	TupleDesc	tupdesc;
	Datum		values[10];
	bool		nulls[10] = {false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	hs_get_server_options(server, &opts);
	(void) hs_ratelimit_budget(hs_ratelimit_conn_key(conn), opts.rate_limit, HS_BURST_WINDOW_MS, &b);

	values[0] = CStringGetTextDatum(opts.rate_limit == HS_RATE_LIMIT_AUTO ? "auto"
									: psprintf("%d", opts.rate_limit));
	values[1] = Int32GetDatum(b.limit);
	values[2] = Int32GetDatum(b.window_ms);
	values[3] = Int32GetDatum(b.in_window);
	values[4] = Int32GetDatum(b.stated_max);
	values[5] = Int32GetDatum(b.stated_window_ms);
	values[6] = TimestampTzGetDatum(b.stated_at);
	nulls[4] = nulls[5] = nulls[6] = b.stated_max == 0;
	if (opts.rate_limit == 0)
		nulls[2] = nulls[3] = true;
	values[7] = Int64GetDatum(b.daily_limit);
	nulls[7] = b.daily_limit < 0;
	values[8] = Int64GetDatum(b.daily_remaining);
	values[9] = TimestampTzGetDatum(b.daily_at);
	nulls[8] = nulls[9] = b.daily_remaining < 0;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
