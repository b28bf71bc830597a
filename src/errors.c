/*
 * errors.c
 *		Turning the outcome of a HubSpot request into PostgreSQL errors.
 *
 * The transport (http.c) only reports outcomes; this is the layer that
 * decides what is an error and which SQLSTATE it gets. HubSpot's message,
 * category and correlation id go into the detail, the request into the
 * context. The access token is never part of any message: it lives only in
 * the request's Authorization header, which no message includes, and a
 * server that echoes it back finds it masked in every text of its answer
 * that a message or hubspot_fdw_stats() shows (hs_hide_token).
 */
#include "postgres.h"

#include "transport.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/timestamp.h"

/* What a message shows in place of the access token and the OAuth secrets. */
#define HS_TOKEN_MASK "[access token]"
/* What a message shows in place of req->hidden[0] and [1] (the OAuth secrets). */
static const char *const hs_hidden_masks[2] = {"[client secret]", "[refresh token]"};

/*
 * "text" from HubSpot's answer as a message can show it: a byte that does
 * not belong to a UTF-8 character becomes "?", and so does every
 * character that is not ASCII when the database encoding is neither UTF-8
 * nor SQL_ASCII (HubSpot writes UTF-8; a message is in the database
 * encoding). Returns "text" itself when it is ASCII.
 */
static const char *
hs_message_text(const char *text)
{
	StringInfoData buf;
	const unsigned char *p;
	int			encoding = GetDatabaseEncoding();
	bool		ascii_only = encoding != PG_UTF8 && encoding != PG_SQL_ASCII;

	for (p = (const unsigned char *) text; *p != '\0' && *p < 0x80; p++)
		;
	if (*p == '\0')
		return text;
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, text, (const char *) p - text);
	while (*p != '\0')
	{
		int			len = *p < 0x80 ? 1 : pg_utf_mblen(p);

		if (*p < 0x80)
			appendStringInfoChar(&buf, (char) *p);
		else if (strnlen((const char *) p, len) < len || !pg_utf8_islegal(p, len))
		{
			appendStringInfoChar(&buf, '?');
			len = 1;
		}
		else if (ascii_only)
			appendStringInfoChar(&buf, '?');
		else
			appendBinaryStringInfo(&buf, (const char *) p, len);
		p += len;
	}
	return buf.data;
}

/*
 * "text" with every occurrence of "token" replaced by "mask". Returns
 * "text" itself when it holds no token.
 */
static char *
hs_hide_secret(const char *token, const char *mask, const char *text)
{
	StringInfoData buf;
	const char *p;
	const char *hit;
	size_t		n;

	if (text == NULL || token == NULL || token[0] == '\0' ||
		strstr(text, token) == NULL)
		return (char *) text;
	n = strlen(token);
	initStringInfo(&buf);
	for (p = text; (hit = strstr(p, token)) != NULL; p = hit + n)
	{
		appendBinaryStringInfo(&buf, p, hit - p);
		appendStringInfoString(&buf, mask);
	}
	appendStringInfoString(&buf, p);
	return buf.data;
}

/*
 * "text" with every occurrence of "token" replaced by HS_TOKEN_MASK: text
 * from HubSpot's answer (a message, a header) before a message shows it,
 * made valid in the database encoding (hs_message_text). Returns "text"
 * itself when it is ASCII and holds no token.
 */
char *
hs_hide_token(const char *token, const char *text)
{
	return hs_hide_secret(token, HS_TOKEN_MASK,
						  text ? hs_message_text(text) : NULL);
}

/* "text" with the token and the other secrets of "req" (hidden[]) masked. */
static char *
hs_hide_secrets(HsHttpRequest *req, const char *text)
{
	char	   *out = hs_hide_token(req->token, text);
	int			i;

	for (i = 0; i < lengthof(req->hidden); i++)
		out = hs_hide_secret(req->hidden[i], hs_hidden_masks[i], out);
	return out;
}

/*
 * Mask secret "token" as "mask" in "buf", a buffer of "size" bytes filled
 * from a header of the answer. A value longer than the buffer was cut,
 * maybe inside the token: a cut end that begins the token is masked too.
 */
static void
hs_hide_token_in_buffer(const char *token, const char *mask, char *buf, size_t size)
{
	char	   *masked = hs_hide_secret(token, mask, buf);
	size_t		len;
	size_t		n = token ? strlen(token) : 0;
	size_t		k;

	if (masked != buf)
	{
		strlcpy(buf, masked, size);
		pfree(masked);
	}
	len = strlen(buf);
	if (n == 0 || len + 1 < size)
		return;
	for (k = Min(len, n - 1); k > 0; k--)
		if (memcmp(buf + len - k, token, k) == 0)
		{
			buf[len - k] = '\0';
			strlcat(buf, mask, size);
			break;
		}
}

/*
 * Mask the token (and the request's other secrets) in the texts the
 * transport copied from an answer's headers (correlation id, content type)
 * and in libcurl's error text, as soon as the answer is in: messages and
 * hubspot_fdw_stats() show them.
 */
void
hs_hide_token_in_answer(HsHttpRequest *req)
{
	int			i;

	hs_hide_token_in_buffer(req->token, HS_TOKEN_MASK, req->correlation_id,
							sizeof(req->correlation_id));
	hs_hide_token_in_buffer(req->token, HS_TOKEN_MASK, req->content_type,
							sizeof(req->content_type));
	hs_hide_token_in_buffer(req->token, HS_TOKEN_MASK, req->error, sizeof(req->error));
	for (i = 0; i < lengthof(req->hidden); i++)
	{
		hs_hide_token_in_buffer(req->hidden[i], hs_hidden_masks[i], req->correlation_id,
								sizeof(req->correlation_id));
		hs_hide_token_in_buffer(req->hidden[i], hs_hidden_masks[i], req->content_type,
								sizeof(req->content_type));
		hs_hide_token_in_buffer(req->hidden[i], hs_hidden_masks[i], req->error,
								sizeof(req->error));
	}
}

/* errcontext for every message about a request. */
static int
hs_request_context(HsHttpRequest *req)
{
	/* a path holds ids from answers: one may be the token, echoed */
	const char *path = hs_hide_token(req->token, req->path);

	if (req->retries > 0)
		return errcontext(ngettext("HubSpot request: %s %s (after %d retry)",
								   "HubSpot request: %s %s (after %d retries)",
								   req->retries),
						  req->method, path, req->retries);
	return errcontext("HubSpot request: %s %s", req->method, path);
}

/*
 * The detail of an error about "req": "base" (a sentence without its final
 * period), and, for a request that is not idempotent (creating records)
 * and may have been applied anyway, the warning that HubSpot may have
 * created its records.
 */
static char *
hs_fate_detail(HsHttpRequest *req, const char *base)
{
	if (req->idempotent || !hs_request_fate_unknown(req))
		return psprintf("%s.", base);
	return psprintf("%s. HubSpot may have created the records of this request: "
					"it was sent once and not retried, because sending it again "
					"could create them twice.", base);
}

/* The hint going with the warning of hs_fate_detail(), or NULL. */
static const char *
hs_fate_hint(HsHttpRequest *req)
{
	if (req->idempotent || !hs_request_fate_unknown(req))
		return NULL;
	return "Check which of these records exist in HubSpot before running the statement again. "
		"An INSERT that must be safe to re-run can use insert_mode 'upsert' with a unique id_property.";
}

/* Raise the error for a request the transport could not complete. */
void
hs_report_transport(HsHttpRequest *req)
{
	const char *hint = hs_fate_hint(req);

	switch (req->transport)
	{
		case HS_TRANSPORT_OK:
			return;
		case HS_TRANSPORT_CANCELED:
			/* the cancel wins, but a create that went out may have landed */
			if (hint)
				ereport(WARNING,
						(errcode(ERRCODE_WARNING),
						 errmsg("a HubSpot request that creates records was interrupted after it was sent"),
						 errdetail("HubSpot may have created its records."),
						 errhint("%s", hint),
						 hs_request_context(req)));
			CHECK_FOR_INTERRUPTS();
			/* interrupts were held off: still stop here */
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("canceling HubSpot request due to user request"),
					 hs_request_context(req)));
			break;
		case HS_TRANSPORT_TIMEOUT:
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("HubSpot request timed out"),
					 errdetail("%s", hs_fate_detail(req, req->error)),
					 errhint("%s", hint ? hint
							 : "The server options connect_timeout_ms and request_timeout_ms set the limits."),
					 hs_request_context(req)));
			break;
		case HS_TRANSPORT_CONNECT_FAILED:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not connect to HubSpot"),
					 errdetail("%s", req->error),
					 hs_request_context(req)));
			break;
		case HS_TRANSPORT_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("HubSpot answer exceeds %zu bytes", req->max_response_bytes),
					 hint ? errdetail("%s", hs_fate_detail(req, psprintf("HubSpot answered with HTTP status %ld",
																	   req->http_status))) : 0,
					 errhint("%s", hint ? hint
							 : "The setting hubspot_fdw.max_response_size sets the limit."),
					 hs_request_context(req)));
			break;
		case HS_TRANSPORT_NO_MEMORY:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory during HubSpot request"),
					 hint ? errdetail("%s", hs_fate_detail(req, "The answer did not fit in memory")) : 0,
					 hint ? errhint("%s", hint) : 0,
					 hs_request_context(req)));
			break;
		case HS_TRANSPORT_FAILED:
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("HubSpot request failed"),
					 errdetail("%s", hs_fate_detail(req, req->error[0] ? req->error
													: "The transfer failed")),
					 hint ? errhint("%s", hint) : 0,
					 hs_request_context(req)));
			break;
		case HS_TRANSPORT_NO_SLOT:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("too many HubSpot requests in flight in this session"),
					 errdetail("All %d transfer slots of this session are taken by requests not yet answered, so this one was not sent. Every open HubSpot scan, such as an open cursor, and every batch in flight holds a slot.",
							   HS_HTTP_SLOTS),
					 errhint("Close cursors, or lower max_concurrency."),
					 hs_request_context(req)));
			break;
	}
}

/* Does comma-separated "codes" contain "code"? */
static bool
hs_has_code(const char *codes, const char *code)
{
	return codes != NULL && strstr(codes, code) != NULL;
}

/* The SQLSTATE for a HubSpot error category, error codes and HTTP status. */
int
hs_category_sqlstate(const char *category, const char *codes, long http_status)
{
	if (hs_has_code(codes, "PROPERTY_DOESNT_EXIST"))
		return ERRCODE_UNDEFINED_COLUMN;
	if (category != NULL)
	{
		if (strcmp(category, "VALIDATION_ERROR") == 0)
			return ERRCODE_INVALID_PARAMETER_VALUE;
		if (strcmp(category, "OBJECT_NOT_FOUND") == 0)
			return ERRCODE_UNDEFINED_OBJECT;
		if (strcmp(category, "MISSING_SCOPES") == 0)
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		if (strcmp(category, "INVALID_AUTHENTICATION") == 0 ||
			strcmp(category, "EXPIRED_AUTHENTICATION") == 0)
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		if (strcmp(category, "CONFLICT") == 0)
			return ERRCODE_UNIQUE_VIOLATION;
		if (strncmp(category, "RATE_LIMIT", 10) == 0)
			return ERRCODE_CONFIGURATION_LIMIT_EXCEEDED;
	}
	switch (http_status)
	{
		case 400:
		case 422:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case 401:
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		case 403:
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		case 404:
			return ERRCODE_UNDEFINED_OBJECT;
		case 409:
			return ERRCODE_UNIQUE_VIOLATION;
		case 413:
		case 414:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case 429:
			return ERRCODE_CONFIGURATION_LIMIT_EXCEEDED;
	}
	if (http_status >= 500)
		return ERRCODE_SYSTEM_ERROR;
	return ERRCODE_FDW_ERROR;
}

/* The errmsg for an HTTP error status. */
static const char *
hs_status_summary(long status)
{
	switch (status)
	{
		case 400:
			return "HubSpot rejected the request as invalid";
		case 401:
			return "HubSpot did not accept the access token";
		case 403:
			return "the HubSpot access token is not allowed to do this";
		case 404:
			return "HubSpot found no such object";
		case 409:
			return "HubSpot reported a conflict";
		case 429:
			return "HubSpot rate limit reached";
	}
	if (status >= 500)
		return "HubSpot is unavailable or failed";
	if (status >= 300 && status < 400)
		return "HubSpot answered with a redirect, which is not followed";
	return "HubSpot refused the request";
}

/*
 * The hint of a 429 or 477 whose Retry-After is longer than hubspot_fdw
 * waits (HS_MAX_RETRY_WAIT_S): the time HubSpot asked for, and for a 429
 * that the token is held until then. NULL for any other answer.
 */
static const char *
hs_long_wait_hint(HsHttpRequest *req)
{
	long		seconds = req->retry_after_ms / 1000;

	if (req->retry_after_ms <= HS_MAX_RETRY_WAIT_S * 1000L)
		return NULL;
	if (req->http_status == 429)
		return psprintf("HubSpot asked to wait %ld seconds, longer than the %d seconds hubspot_fdw waits before a retry. "
						"Until then, paced requests with this access token fail without being sent. "
						"hubspot_fdw_stats() shows the wait, and hubspot_fdw_stats_reset() forgets it.",
						seconds, HS_MAX_RETRY_WAIT_S);
	if (req->http_status == 477)
		return psprintf("HubSpot asked to wait %ld seconds, longer than the %d seconds hubspot_fdw waits before a retry.",
						seconds, HS_MAX_RETRY_WAIT_S);
	return NULL;
}

/*
 * What is known of when the daily limit a DAILY 429 ("req") reports comes
 * back, as sentences: HubSpot resets it at midnight in the account's time
 * zone (doc/hubspot-api.md, "Rate limits"), which nothing in the answer
 * states; the limit, when X-HubSpot-RateLimit-Daily states it; the time a
 * Retry-After gives, when there is one.
 */
static char *
hs_daily_reset(HsHttpRequest *req)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (req->rl_daily > 0)
		appendStringInfo(&buf, "HubSpot resets the daily limit of %ld requests at midnight in the time zone of the HubSpot account, which its answers do not state.",
						 req->rl_daily);
	else
		appendStringInfoString(&buf, "HubSpot resets the daily limit at midnight in the time zone of the HubSpot account, which its answers do not state.");
	if (req->retry_after_ms >= 0)
	{
		TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														req->retry_after_ms);

		until -= until % USECS_PER_SEC;
		appendStringInfo(&buf, " It asked to wait %ld seconds, until %s.",
						 req->retry_after_ms / 1000, timestamptz_to_str(until));
	}
	return buf.data;
}

/*
 * Raise an error for any answer that is not a success (2xx; 404 too when
 * allow_404), after raising for transport failures.
 */
void
hs_check_response(HsHttpRequest *req, bool allow_404)
{
	HsApiError err;
	const char *hint;
	const char *said;
	const char *category;
	const char *correlation_id;

	hs_report_transport(req);
	if (req->http_status >= 200 && req->http_status < 300)
	{
		if (req->response_len > 0 &&
			pg_strncasecmp(req->content_type, "application/json", 16) != 0)
			hs_report_bad_response(req, "the answer is not JSON");
		return;
	}
	if (allow_404 && req->http_status == 404)
		return;

	hs_json_parse_error(req->response, req->response_len, &err);
	if (err.correlation_id == NULL && req->correlation_id[0])
		err.correlation_id = req->correlation_id;
	/* a server may echo the Authorization header in any of these */
	err.message = hs_hide_token(req->token, err.message);
	err.error_details = hs_hide_token(req->token, err.error_details);
	err.category = hs_hide_token(req->token, err.category);
	err.correlation_id = hs_hide_token(req->token, err.correlation_id);
	correlation_id = err.correlation_id ? err.correlation_id : "none";

	if (req->http_status == 429 && err.policy_name && strcmp(err.policy_name, "DAILY") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("HubSpot daily API limit reached"),
				 err.message
				 ? errdetail("HubSpot says \"%s\" (policy: DAILY, correlationId: %s). %s",
							 err.message, correlation_id, hs_daily_reset(req))
				 : errdetail("HubSpot gives no message (policy: DAILY, correlationId: %s). %s",
							 correlation_id, hs_daily_reset(req)),
				 errhint("Retry after midnight in the HubSpot account's time zone, which the account's settings show. "
						 "hubspot_fdw_rate_limit() shows what HubSpot last said remained of the day's requests."),
				 hs_request_context(req)));

	/* HubSpot's message, and its error details unless the message has them */
	said = err.message;
	if (err.error_details && (!err.message || !strstr(err.message, err.error_details)))
		said = err.message ? psprintf("%s %s", err.message, err.error_details)
			: err.error_details;
	category = err.category ? err.category : "none";
	hint = hs_fate_hint(req);
	if (hint == NULL)
		hint = hs_long_wait_hint(req);
	ereport(ERROR,
			(errcode(hs_category_sqlstate(err.category, err.error_codes, req->http_status)),
			 errmsg("%s (HTTP %ld)", hs_status_summary(req->http_status), req->http_status),
			 errdetail("%s",
					   hs_fate_detail(req, said
									  ? psprintf("HubSpot says \"%s\" (category: %s, correlationId: %s)",
												 said, category, correlation_id)
									  : psprintf("HubSpot gives no message (category: %s, correlationId: %s)",
												 category, correlation_id))),
			 hint ? errhint("%s", hint) : 0,
			 hs_request_context(req)));
}

/*
 * Raise the error for the token endpoint's refusal to issue an access token
 * (an answer other than 200 to the OAuth refresh "req"): 28000 for a
 * refusal of the credentials, with the endpoint's message and codes
 * (doc/hubspot-api.md, "OAuth"), every secret of the request masked.
 */
void
hs_report_token_refusal(HsHttpRequest *req)
{
	HsApiError err;
	const char *message;
	const char *correlation_id;
	int			sqlstate;
	long		status = req->http_status;

	hs_report_transport(req);
	hs_json_parse_error(req->response, req->response_len, &err);
	message = err.message ? hs_hide_secrets(req, err.message) : NULL;
	correlation_id = err.correlation_id ? hs_hide_secrets(req, err.correlation_id)
		: req->correlation_id[0] ? req->correlation_id : "none";
	if (status == 400 || status == 401 || status == 403)
		sqlstate = ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	else
		sqlstate = hs_category_sqlstate(NULL, NULL, status);
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("HubSpot refused to issue an OAuth access token (HTTP %ld)", status),
			 message
			 ? errdetail("HubSpot says \"%s\" (status: %s, error: %s, correlationId: %s).",
						 message,
						 err.status ? hs_hide_secrets(req, err.status) : "none",
						 err.oauth_error ? hs_hide_secrets(req, err.oauth_error) : "none",
						 correlation_id)
			 : errdetail("HubSpot gives no message (correlationId: %s).", correlation_id),
			 sqlstate == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION
			 ? errhint("Check client_id, client_secret and refresh_token in the user mapping. "
					   "A refresh token stops working when it is revoked or the app is uninstalled from the HubSpot account; installing the app again gives a new one.")
			 : 0,
			 hs_request_context(req)));
}

/*
 * Raise for error "category"/"message" of a batch/read answer "req", of
 * records or ("links") of their links, unless it says a record does not
 * exist (OBJECT_NOT_FOUND): such a record is no row and has no links.
 */
void
hs_check_read_error(HsHttpRequest *req, const char *category, const char *message,
					bool links)
{
	const char *correlation_id = req->correlation_id[0] ? req->correlation_id : "none";

	if (category && strcmp(category, "OBJECT_NOT_FOUND") == 0)
		return;
	ereport(ERROR,
			(errcode(hs_category_sqlstate(category, NULL, req->http_status)),
			 links ? errmsg("HubSpot could not read some links")
			 : errmsg("HubSpot could not read some objects"),
			 message
			 ? errdetail("HubSpot says \"%s\" (category: %s, correlationId: %s).",
						 hs_hide_token(req->token, message),
						 category ? hs_hide_token(req->token, category) : "none",
						 correlation_id)
			 : errdetail("HubSpot gives no message (category: %s, correlationId: %s).",
						 category ? hs_hide_token(req->token, category) : "none",
						 correlation_id),
			 errcontext("HubSpot request: POST %s (HTTP %ld)",
						req->path, req->http_status)));
}

/*
 * Raise an error for a 2xx answer whose body is not what the API promises:
 * fdw_error, or the SQLSTATE of the check that refused it before parsing
 * (\u0000 in a string, or too costly to parse).
 */
void
hs_report_bad_response(HsHttpRequest *req, const char *why)
{
	int			sqlstate = hs_json_refusal_sqlstate(why);
	bool		created = !req->idempotent && req->http_status >= 200 && req->http_status < 300;

	ereport(ERROR,
			(errcode(sqlstate ? sqlstate : ERRCODE_FDW_ERROR),
			 errmsg("unexpected answer from HubSpot: %s", hs_hide_token(req->token, why)),
			 created
			 ? errdetail_plural("The answer has HTTP status %ld, content type \"%s\" and %zu byte (correlationId: %s). HubSpot accepted the request, so it has probably created its records.",
								"The answer has HTTP status %ld, content type \"%s\" and %zu bytes (correlationId: %s). HubSpot accepted the request, so it has probably created its records.",
								req->response_len,
								req->http_status, req->content_type, req->response_len,
								req->correlation_id[0] ? req->correlation_id : "none")
			 : errdetail_plural("The answer has HTTP status %ld, content type \"%s\" and %zu byte (correlationId: %s).",
								"The answer has HTTP status %ld, content type \"%s\" and %zu bytes (correlationId: %s).",
								req->response_len,
								req->http_status, req->content_type, req->response_len,
								req->correlation_id[0] ? req->correlation_id : "none"),
			 created
			 ? errhint("Check which of the records exist before running the statement again.")
			 : 0,
			 hs_request_context(req)));
}

/*
 * Raise the error for "req", not sent because HubSpot asked, in a 429 to
 * this or another session, for a wait with "remaining_ms" still to run:
 * longer than hubspot_fdw waits.
 */
void
hs_report_rate_wait(HsHttpRequest *req, long remaining_ms)
{
	long		seconds = (remaining_ms + 999) / 1000;

	if (req->account_paced)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg_plural("HubSpot asked to wait %ld more second before the next search of this HubSpot account",
							   "HubSpot asked to wait %ld more seconds before the next search of this HubSpot account",
							   seconds, seconds),
				 errdetail("The wait, asked for in a 429 answer to a search with one of the account's access tokens, is longer than the %d seconds hubspot_fdw waits, so this request was not sent.",
						   HS_MAX_RETRY_WAIT_S),
				 errhint("hubspot_fdw_stats() shows the wait, and hubspot_fdw_stats_reset() forgets it."),
				 hs_request_context(req)));
	ereport(ERROR,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg_plural("HubSpot asked to wait %ld more second before the next request with this access token",
						   "HubSpot asked to wait %ld more seconds before the next request with this access token",
						   seconds, seconds),
			 errdetail("The wait, asked for in a 429 answer, is longer than the %d seconds hubspot_fdw waits, so this request was not sent.",
					   HS_MAX_RETRY_WAIT_S),
			 errhint("hubspot_fdw_stats() shows the wait, and hubspot_fdw_stats_reset() forgets it."),
			 hs_request_context(req)));
}

/*
 * May HubSpot have applied "req" although no answer says it succeeded?
 *	- No, when the request never went out (no connection, no free slot, or
 *	  not one byte of it written before a timeout or failure).
 *	- No, for a 4xx answer: HubSpot checks limits, locks and inputs before
 *	  it writes (429, 423, 477, 400, 409, ...).
 *	- Yes, when it went out and its answer was lost (timeout, reset,
 *	  cancel), or could not be read (too large: it may be a 2xx).
 *	- Yes, for any 5xx: 502 and 504 come from a gateway that gave up on a
 *	  HubSpot backend that may still be writing, and 500 from a failure at
 *	  an unknown point. 503 too: HubSpot does not document that a 503 is
 *	  only ever sent before any work, and a gateway sends it when a backend
 *	  fails part-way as well.
 */
bool
hs_request_fate_unknown(const HsHttpRequest *req)
{
	switch (req->transport)
	{
		case HS_TRANSPORT_OK:
			return req->http_status >= 500;
		case HS_TRANSPORT_CONNECT_FAILED:
		case HS_TRANSPORT_NO_SLOT:
			return false;
		case HS_TRANSPORT_TOO_LARGE:
			return req->http_status < 400 || req->http_status >= 500;
		case HS_TRANSPORT_CANCELED:
		case HS_TRANSPORT_TIMEOUT:
		case HS_TRANSPORT_FAILED:
		case HS_TRANSPORT_NO_MEMORY:
			return req->sent;
	}
	return true;
}

/*
 * Remember paging cursor "cursor", which the answer to "req" gave out, in
 * the set *seen (created in "cxt" when NULL), or raise if this run of
 * pages gave it out before: following it again would read the same pages
 * over and over, for ever.
 */
void
hs_check_cursor(HsIdSet **seen, MemoryContext cxt, const char *cursor, HsHttpRequest *req)
{
	if (*seen == NULL)
		*seen = hs_idset_create(cxt);
	if (!hs_idset_add(*seen, cursor))
		hs_report_bad_response(req, "its paging cursor repeats one already followed, so the pages would never end");
}
