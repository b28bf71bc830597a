/*
 * request.c
 *		The life of one HubSpot request above the transport: building it,
 *		pacing it through the rate limiter, retrying what may be retried,
 *		and counting it.
 *
 * When retrying is safe: a request HubSpot surely did not process (no
 * connection, or refused for load before anything was done: 429, 423, 477)
 * may always be sent again. A request whose answer was lost after it went
 * out (timeout, reset) or that failed inside HubSpot or a gateway (500,
 * 502, 503, 504) may have been applied: it is sent again only when it is
 * idempotent, that is, sending it twice leaves HubSpot as sending it once
 * would (see hs_request_is_idempotent). Creating records is not: a second
 * batch/create would create them twice. Other 4xx answers are final and
 * never retried. A 401 saying that an OAuth access token expired is sent
 * again once, with a new token (oauth.c): HubSpot applied nothing.
 */
#include "postgres.h"

#include "transport.h"

#include "common/pg_prng.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"

/* Back-off for 5xx and transport failures: base, doubled per attempt, cap. */
#define HS_BACKOFF_BASE_MS 500
#define HS_BACKOFF_MAX_MS 30000
/* Back-off for a 429 without Retry-After; capped by HubSpot's window. */
#define HS_RATE_BACKOFF_BASE_MS 1000
#define HS_RATE_WINDOW_MS 10000
/* At least 2 s after a 423: doc/hubspot-api.md, "Retries and waits". */
#define HS_LOCKED_MIN_MS 2000
/* HubSpot's burst window: doc/hubspot-api.md, "Rate limits". */
#define HS_BURST_WINDOW_MS 10000
/*
 * Search's own limit, per second: HubSpot's search guide gives 5 per
 * account (doc/hubspot-api.md, "Search"), apart from the ten-second one.
 */
#define HS_SEARCH_LIMIT_PER_S 5
/* The longest endpoint label quoted in a message. */
#define HS_MAX_LABEL_QUOTED 200

int			hs_max_response_kb = 64 * 1024;

/*
 * The stats label of a request: the path with record ids replaced, e.g.
 * "PATCH /crm/v3/objects/partner_clients/{id}".
 */
static char *
hs_endpoint_label(const char *method, const char *path)
{
	StringInfoData buf;
	char	   *copy = pstrdup(path);
	char	   *save = NULL;
	char	   *seg;
	int			i = 0;
	bool		objects = strncmp(path, "/crm/v3/objects/", 16) == 0;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s ", method);
	for (seg = strtok_r(copy, "/", &save); seg; seg = strtok_r(NULL, "/", &save), i++)
	{
		/* crm v3 objects {type} {id} associations {toType} {toId} {assocType} */
		bool		is_id = objects && ((i == 4 && strcmp(seg, "batch") != 0 &&
										 strcmp(seg, "search") != 0) || i == 7);

		appendStringInfo(&buf, "/%s", is_id ? "{id}" : seg);
	}
	return buf.data;
}

/* Does "s" end with "suffix"? */
static bool
hs_ends_with(const char *s, const char *suffix)
{
	size_t		n = strlen(s);
	size_t		k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Does "path" start with "prefix"? */
static bool
hs_starts_with(const char *path, const char *prefix)
{
	return strncmp(path, prefix, strlen(prefix)) == 0;
}

/*
 * May "method" "path" be sent twice when the fate of the first is unknown?
 * An allow-list, checked against HubSpot's v3 OpenAPI specs (see
 * doc/hubspot-api.md); any other request counts as not idempotent.
 *	- GET (list, get by id, batch/read's GET kin, properties, association
 *	  types) and the reads sent as POST (batch/read, search) change nothing.
 *	- PATCH {type}/{id} and POST batch/update set given properties to given
 *	  values (an empty string clears one): the second leaves them as the
 *	  first did.
 *	- POST batch/upsert names each record by the value of a unique property
 *	  (idProperty; hubspot_fdw sends no upsert without one): the first
 *	  creates or updates the record with that value, the second finds it and
 *	  sets the same values again. HubSpot keeps the value unique, so it can
 *	  never make a second record.
 *	- POST batch/archive and DELETE {type}/{id} archive records; archiving
 *	  an archived record leaves it archived (a repeated DELETE answers 404).
 *	- PUT .../associations/{toType}/{toId}/{associationType} and POST
 *	  associations batch/create, read and archive: HubSpot keeps one
 *	  association per pair of records and type, so creating one that exists
 *	  is harmless, and archiving one that is gone leaves it gone.
 *	- Not idempotent: POST batch/create and POST {type} on objects. Each
 *	  creates new records with new ids whatever exists already: sent twice,
 *	  they create the records twice.
 */
static bool
hs_request_is_idempotent(const char *method, const char *path)
{
	if (strcmp(method, "GET") == 0 || strcmp(method, "PATCH") == 0 ||
		strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0)
		return true;
	if (strcmp(method, "POST") != 0)
		return false;
	if (hs_starts_with(path, "/crm/v3/associations/") ||
		hs_starts_with(path, "/crm/v4/associations/"))
		return strstr(path, "/batch/") != NULL;
	if (hs_starts_with(path, "/crm/v3/objects/"))
		return hs_ends_with(path, "/batch/read") || hs_ends_with(path, "/search") ||
			hs_ends_with(path, "/batch/update") || hs_ends_with(path, "/batch/upsert") ||
			hs_ends_with(path, "/batch/archive");
	return false;
}

/*
 * Refuse a request whose URL (of "len" bytes) is longer than HubSpot takes,
 * before it is sent: it names the endpoint, never the URL or its path,
 * which hold the long part.
 */
static void
hs_refuse_long_url(HsHttpRequest *req, size_t len)
{
	const char *label = req->endpoint;
	int			cut = strlen(label);

	if (cut > HS_MAX_LABEL_QUOTED)
		cut = pg_mbcliplen(label, cut, HS_MAX_LABEL_QUOTED);
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("HubSpot request URL would be too long"),
			 errdetail("The URL would be %zu bytes long; at most %d bytes are sent, as HubSpot refuses longer URLs. A record id or id_property value this long names no record.",
					   len, HS_MAX_URL_BYTES),
			 errcontext("HubSpot request: %.*s%s (not sent)", cut, label,
						label[cut] ? "..." : "")));
}

/*
 * Prepare a request to api_url + path (+ "?" query) for "conn". A URL
 * longer than HS_MAX_URL_BYTES is an error. An OAuth mapping's access
 * token is set when the request is sent (hs_attempt_start).
 */
void
hs_request_init(HsHttpRequest *req, HsConnection *conn,
				const HsTableOptions *opts, const char *method,
				const char *path, const char *query, const char *body)
{
	memset(req, 0, sizeof(*req));
	req->mcxt = CurrentMemoryContext;
	req->method = method;
	req->path = path;
	req->url = query ? psprintf("%s%s?%s", opts->api_url, path, query)
		: psprintf("%s%s", opts->api_url, path);
	req->endpoint = hs_endpoint_label(method, path);
	if (strlen(req->url) > HS_MAX_URL_BYTES)
		hs_refuse_long_url(req, strlen(req->url));
	/* a copy: the cached token is wiped and freed when the mapping changes */
	if (conn->token != NULL)
		req->token = pstrdup(conn->token);
	else
		req->oauth_token_url = opts->oauth_token_url;
	req->rate_key = hs_ratelimit_conn_key(conn);
	req->body = body;
	req->connect_timeout_ms = opts->connect_timeout_ms;
	req->timeout_ms = opts->request_timeout_ms;
	req->max_response_bytes = (size_t) hs_max_response_kb * 1024;
	req->ca_file = opts->ca_file;
	req->ca_path = opts->ca_path;
	req->conn = conn;
	req->max_retries = opts->max_retries;
	req->idempotent = hs_request_is_idempotent(method, path);

	/*
	 * Which budget a request spends: the spec exempts association batch
	 * endpoints from the ten-second limit, and gives search its own
	 * (doc/hubspot-api.md, "Rate limits").
	 */
	req->rate_limit = opts->rate_limit;
	req->rate_window_ms = HS_BURST_WINDOW_MS;
	req->learn_budget = true;
	if (strncmp(path, "/crm/v3/associations/", 21) == 0 && strstr(path, "/batch/") != NULL)
	{
		req->rate_limit = 0;
		req->learn_budget = false;
	}
	else if (strcmp(method, "POST") == 0 && hs_ends_with(path, "/search"))
	{
		req->rate_limit = opts->rate_limit != 0 ? HS_SEARCH_LIMIT_PER_S : 0;
		req->rate_window_ms = 1000;
		req->learn_budget = false;
	}
}

/* Exponential back-off with jitter: between half and all of base * 2^attempt. */
static long
hs_backoff_ms(int base, int attempt, int cap)
{
	double		full = (double) base * (double) (1 << Min(attempt, 16));

	if (full > cap)
		full = cap;
	return (long) (full * (0.5 + 0.5 * pg_prng_double(&pg_global_prng_state)));
}

/*
 * How long to wait before retrying "req" (attempt 0 is the first retry),
 * or -1 when its outcome is final. *rate_limited tells a 429 apart. A wait
 * over HS_MAX_RETRY_WAIT_S seconds (a long Retry-After) is returned as is:
 * the caller does not retry then, but a 429's wait still holds the token. A
 * request that is not idempotent is retried only when HubSpot surely did
 * not apply it (see hs_request_fate_unknown).
 */
static long
hs_retry_delay(HsHttpRequest *req, int attempt, bool *rate_limited)
{
	*rate_limited = false;
	if (!req->idempotent && hs_request_fate_unknown(req))
		return -1;
	switch (req->transport)
	{
		case HS_TRANSPORT_OK:
			break;
		case HS_TRANSPORT_TIMEOUT:
		case HS_TRANSPORT_FAILED:
		case HS_TRANSPORT_CONNECT_FAILED:
			return hs_backoff_ms(HS_BACKOFF_BASE_MS, attempt, HS_BACKOFF_MAX_MS);
		default:
			return -1;
	}

	switch (req->http_status)
	{
		case 429:
			{
				HsApiError err;

				hs_json_parse_error(req->response, req->response_len, &err);
				if (err.policy_name && strcmp(err.policy_name, "DAILY") == 0)
					return -1;	/* retrying before midnight cannot succeed */
				*rate_limited = true;
				if (req->retry_after_ms >= 0)
					return req->retry_after_ms;
				if (err.policy_name && strcmp(err.policy_name, "SECONDLY") == 0)
					return 1000;
				return hs_backoff_ms(HS_RATE_BACKOFF_BASE_MS, attempt,
									 req->rl_interval_ms > 0 ? req->rl_interval_ms
									 : HS_RATE_WINDOW_MS);
			}
		case 423:
			return Max(HS_LOCKED_MIN_MS,
					   hs_backoff_ms(HS_BACKOFF_BASE_MS, attempt, HS_BACKOFF_MAX_MS));
		case 477:
			if (req->retry_after_ms >= 0)
				return req->retry_after_ms;
			/* FALLTHROUGH */
		case 502:
		case 503:
		case 504:
			return hs_backoff_ms(HS_BACKOFF_BASE_MS, attempt, HS_BACKOFF_MAX_MS);
	}
	return -1;
}

/* The path of "url" (http[s]://host[:port]/path), for messages: "/" if none. */
static const char *
hs_url_path(const char *url)
{
	const char *p = strstr(url, "://");
	const char *slash = p ? strchr(p + 3, '/') : NULL;

	return slash ? slash : "/";
}

/* Append "name=value" to form body "buf", value percent-encoded. */
static void
hs_form_field(StringInfo buf, const char *name, const char *value)
{
	char	   *escaped = hs_url_escape(value);

	appendStringInfo(buf, "%s%s=%s", buf->len ? "&" : "", name, escaped);
	explicit_bzero(escaped, strlen(escaped));
	pfree(escaped);
}

/*
 * Ask the token endpoint (req->oauth_token_url) for a new access token for
 * the OAuth credentials of "req"'s mapping (doc/hubspot-api.md, "OAuth"):
 * a form-encoded POST with the refresh token, sent, retried and counted
 * like any request, with the client secret and the refresh token masked in
 * whatever its answer shows. The token goes to the store (oauth.c) and to
 * "out" (of HS_OAUTH_TOKEN_MAX bytes). Raises for every failure.
 */
static void
hs_oauth_refresh(HsHttpRequest *req, char *out)
{
	const HsConnection *conn = req->conn;
	HsHttpRequest treq;
	StringInfoData body;
	HsOAuthToken token;
	char	   *why = NULL;
	TimestampTz sent_at;
	const char *p;

	initStringInfo(&body);
	hs_form_field(&body, "grant_type", "refresh_token");
	hs_form_field(&body, "client_id", conn->client_id);
	hs_form_field(&body, "client_secret", conn->client_secret);
	hs_form_field(&body, "refresh_token", conn->refresh_token);

	memset(&treq, 0, sizeof(treq));
	treq.mcxt = CurrentMemoryContext;
	treq.method = "POST";
	treq.url = req->oauth_token_url;
	treq.path = hs_url_path(req->oauth_token_url);
	treq.endpoint = hs_endpoint_label("POST", treq.path);
	treq.token = NULL;			/* the credentials are in the body */
	treq.body = body.data;
	treq.content_type_sent = "application/x-www-form-urlencoded";
	treq.connect_timeout_ms = req->connect_timeout_ms;
	treq.timeout_ms = req->timeout_ms;
	treq.max_response_bytes = req->max_response_bytes;
	treq.ca_file = req->ca_file;
	treq.ca_path = req->ca_path;
	treq.max_retries = req->max_retries;
	treq.idempotent = true;		/* a second refresh only issues another token */
	treq.hidden[0] = conn->client_secret;
	treq.hidden[1] = conn->refresh_token;

	sent_at = GetCurrentTimestamp();
	hs_send(&treq);
	explicit_bzero(body.data, body.len);
	if (treq.http_status != 200)
		hs_report_token_refusal(&treq);
	if (!hs_json_parse_token(treq.response, treq.response_len, &token, &why))
		hs_report_bad_response(&treq, why);
	explicit_bzero(treq.response, treq.response_len);

	/* it goes into a header: printable ASCII without spaces, and not too long */
	for (p = token.access_token; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			hs_report_bad_response(&treq, "the access token holds a character that is not printable ASCII");
	if (p == token.access_token || p - token.access_token >= HS_OAUTH_TOKEN_MAX)
		hs_report_bad_response(&treq, psprintf("the access token is empty or longer than %d bytes",
											   HS_OAUTH_TOKEN_MAX - 1));
	strlcpy(out, token.access_token, HS_OAUTH_TOKEN_MAX);
	explicit_bzero(token.access_token, strlen(token.access_token));
	hs_oauth_refreshed(req, out, sent_at, token.expires_in);
}

/*
 * Set req->token to the current access token of its mapping's OAuth
 * credentials, refreshing it first when it is due (hs_oauth_token() says
 * who refreshes; a refusal is recorded for the sessions that waited for
 * it, then raised).
 */
static void
hs_use_oauth_token(HsHttpRequest *req)
{
	char		token[HS_OAUTH_TOKEN_MAX];

	if (!hs_oauth_token(req, token))
	{
		MemoryContext cxt = CurrentMemoryContext;

		PG_TRY();
		{
			hs_oauth_refresh(req, token);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			hs_oauth_refresh_failed(req, edata);
			FreeErrorData(edata);
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	if (req->token == NULL || strcmp(req->token, token) != 0)
	{
		char	   *old = (char *) req->token;

		req->token = MemoryContextStrdup(req->mcxt, token);
		if (old)
		{
			explicit_bzero(old, strlen(old));
			pfree(old);
		}
	}
	explicit_bzero(token, sizeof(token));
}

/* The rate-limiter key of a request: search has a budget of its own. */
static uint64
hs_request_key(HsHttpRequest *req)
{
	uint64		key = req->rate_key;

	return req->rate_window_ms == HS_BURST_WINDOW_MS ? key : key ^ 0x5345415243480000ULL;
}

/*
 * Wait for the rate limiter, then start the request's transfer. A wait
 * HubSpot asked for that is longer than HS_MAX_RETRY_WAIT_S fails the
 * request before it is sent; for a retry ("retry") it returns false
 * instead, with nothing started, so that the attempt already made, which
 * may have been applied, is what gets reported.
 */
static bool
hs_attempt_start(HsHttpRequest *req, bool retry)
{
	double		waited = 0;
	long		refused_ms = 0;

	if (req->rate_limit != 0)
		waited = hs_ratelimit_acquire(hs_request_key(req), req->rate_limit,
									  req->rate_window_ms, &refused_ms);
	if (refused_ms > 0)
	{
		if (retry)
			return false;
		hs_report_rate_wait(req, refused_ms);
	}
	if (waited > 0)
		hs_stats_wait(req, false, waited);
	/* after the wait: a token due for refresh is refreshed first */
	if (req->oauth_token_url != NULL)
		hs_use_oauth_token(req);
	(void) hs_http_start(req);
	return true;
}

/*
 * Start sending "req" and return while it is in flight: hs_http_wait()
 * drives it, and hs_send_complete() must follow.
 */
void
hs_send_begin(HsHttpRequest *req)
{
	req->retries = 0;
	(void) hs_attempt_start(req, false);
}

/*
 * Finish a request started by hs_send_begin() whose transfer is done:
 * count it, retry while the outcome is retryable and max_retries allows
 * (each retry waits synchronously), and raise for transport failures and
 * cancellation. The caller checks the HTTP answer.
 */
void
hs_send_complete(HsHttpRequest *req)
{
	uint64		key = hs_request_key(req);

	for (;;)
	{
		long		delay;
		bool		rate_limited;
		char	   *response;

		hs_http_wait(&req, 1, false);
		hs_hide_token_in_answer(req);
		hs_stats_request(req);
		if (req->transport == HS_TRANSPORT_CANCELED)
			break;
		if (req->transport == HS_TRANSPORT_OK && req->rate_key != 0)
			hs_ratelimit_learn(req->rate_key, req);
		/* an OAuth access token that expired: once more, with a new one */
		if (hs_oauth_token_expired(req))
		{
			hs_stats_wait(req, true, 0);
			response = req->response;
			if (!hs_attempt_start(req, true))
				break;
			if (response)
				pfree(response);
			continue;
		}
		delay = hs_retry_delay(req, req->retries, &rate_limited);
		/* the wait holds every request of the token, retried or not */
		if (rate_limited && req->rate_key != 0)
			hs_ratelimit_block(key, delay, req->endpoint, req->correlation_id);
		/* a wait over the bound fails the statement (hs_check_response) */
		if (delay < 0 || delay > HS_MAX_RETRY_WAIT_S * 1000L ||
			req->retries >= req->max_retries)
			break;

		ereport(DEBUG1,
				(errmsg_internal("hubspot_fdw: retrying %s %s in %ld ms (attempt %d of %d): %s",
								 req->method, req->path, delay, req->retries + 1, req->max_retries,
								 req->transport == HS_TRANSPORT_OK
								 ? psprintf("HTTP %ld", req->http_status) : req->error)));
		hs_stats_wait(req, true, (double) delay);
		hs_sleep_ms(delay);
		response = req->response;
		req->retries++;
		if (!hs_attempt_start(req, true))
		{
			/* HubSpot asked this token to wait: report the attempt made */
			req->retries--;
			break;
		}
		if (response)
			pfree(response);
	}
	hs_report_transport(req);
}

/*
 * Send one request and wait for it: pacing, retries and the raising of
 * transport failures as in hs_send_begin() + hs_send_complete().
 */
void
hs_send(HsHttpRequest *req)
{
	hs_send_begin(req);
	hs_send_complete(req);
}

/* The path of associations batch/{op} from "from_type" to "to_type" (v3). */
static char *
hs_path_assoc_batch(const char *from_type, const char *to_type, const char *op)
{
	return psprintf("/crm/v3/associations/%s/%s/batch/%s",
					hs_url_escape(from_type), hs_url_escape(to_type), op);
}

/* POST .../batch/create: create associations (links). */
char *
hs_path_assoc_batch_create(const char *from_type, const char *to_type)
{
	return hs_path_assoc_batch(from_type, to_type, "create");
}

/* POST .../batch/read: read the links of records. */
char *
hs_path_assoc_batch_read(const char *from_type, const char *to_type)
{
	return hs_path_assoc_batch(from_type, to_type, "read");
}

/* POST .../batch/archive: remove links. */
char *
hs_path_assoc_batch_archive(const char *from_type, const char *to_type)
{
	return hs_path_assoc_batch(from_type, to_type, "archive");
}
