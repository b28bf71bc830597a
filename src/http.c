/*
 * http.c
 *		The HTTP transport: everything that touches libcurl.
 *
 * One curl multi handle and a fixed set of transfer slots (each with its
 * own easy handle) live for the life of the backend, so connections are
 * kept alive and reused between requests and statements. A request is
 * started with hs_http_start() and runs while the caller does other work;
 * hs_http_wait() drives the transfers until the given requests are done,
 * and hs_http_sleep() drives them through a wait for time (back-off, pacing).
 * Outcomes are reported in each HsHttpRequest; nothing here raises an error
 * (callers turn outcomes into ereports, see errors.c). While waiting it
 * watches the interrupt flags only; the caller runs CHECK_FOR_INTERRUPTS().
 *
 * A transfer remembers the subtransaction that started it: when that one
 * aborts, hs_http_abort_subxact() drops its transfers before their
 * requests' memory goes away, so no callback can write into freed memory.
 */
#include "postgres.h"

#include <curl/curl.h>

#include "transport.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

/* How long one wait may block before the interrupt flags are read again. */
#define HS_POLL_INTERVAL_MS 100

/* One transfer slot; its buffers are plain malloc, freed when it finishes. */
typedef struct HsTransfer
{
	bool		in_use;
	SubTransactionId subid;		/* who started it */
	MemoryContext cxt;			/* where the answer is copied to */
	CURL	   *easy;
	HsHttpRequest *req;
	struct curl_slist *headers;
	char	   *buf;
	size_t		len;
	size_t		cap;
	bool		too_large;
	bool		no_memory;
	bool		done;
	CURLcode	result;
	char		errbuf[CURL_ERROR_SIZE];
} HsTransfer;

static CURLM *hs_multi = NULL;
static CURL *hs_easy_pool[HS_HTTP_SLOTS];
static HsTransfer hs_slots[HS_HTTP_SLOTS];
static bool hs_curl_initialized = false;

/* Initialise libcurl and the multi handle once per backend. */
static bool
hs_http_init(void)
{
	if (hs_multi != NULL)
		return true;
	if (!hs_curl_initialized)
	{
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return false;
		hs_curl_initialized = true;
	}
	hs_multi = curl_multi_init();
	if (hs_multi == NULL)
		return false;
	/* Several transfers to one host share connections when possible. */
	curl_multi_setopt(hs_multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) HS_MAX_PARALLEL);
	curl_multi_setopt(hs_multi, CURLMOPT_MAXCONNECTS, (long) HS_MAX_PARALLEL);
	return true;
}

/* Body callback: accumulate into a malloc'd buffer with a size cap. */
static size_t
hs_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	HsTransfer *t = (HsTransfer *) userdata;
	size_t		n = size * nmemb;

	if (t->len + n > t->req->max_response_bytes)
	{
		t->too_large = true;
		return 0;
	}
	if (t->len + n + 1 > t->cap)
	{
		size_t		cap = t->cap ? t->cap : 16384;
		char	   *p;

		while (cap < t->len + n + 1)
			cap *= 2;
		p = realloc(t->buf, cap);
		if (p == NULL)
		{
			t->no_memory = true;
			return 0;
		}
		t->buf = p;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, ptr, n);
	t->len += n;
	return n;
}

/*
 * Copy a header's value (trimmed) into dst if the line is "name: value".
 * Every byte that is not printable ASCII becomes '?': the value reaches
 * messages and hubspot_fdw_stats(), which must hold valid text in any
 * encoding, and HubSpot's correlation ids and content types are ASCII.
 */
static void
hs_header_value(const char *line, size_t len, const char *name,
				char *dst, size_t dstlen)
{
	size_t		nlen = strlen(name);
	const char *v;
	const char *end = line + len;
	size_t		i;

	if (len <= nlen || pg_strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return;
	v = line + nlen + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	if ((size_t) (end - v) >= dstlen)
		end = v + dstlen - 1;
	for (i = 0; i < (size_t) (end - v); i++)
		dst[i] = (v[i] >= 0x20 && v[i] <= 0x7e) ? v[i] : '?';
	dst[i] = '\0';
}

/* A non-negative integer header value into *dst (unchanged if absent or bad). */
static void
hs_header_long(const char *line, size_t len, const char *name, long *dst)
{
	char		buf[32] = "";
	char	   *end;
	long		v;

	hs_header_value(line, len, name, buf, sizeof(buf));
	if (buf[0] < '0' || buf[0] > '9')
		return;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno == 0 && *end == '\0')
		*dst = v;
}

/* Header callback: keep the correlation id, content type and rate-limit hints. */
static size_t
hs_header_cb(char *line, size_t size, size_t nitems, void *userdata)
{
	HsTransfer *t = (HsTransfer *) userdata;
	HsHttpRequest *req = t->req;
	size_t		n = size * nitems;
	long		seconds = -1;

	/* a new status line (e.g. after 100 Continue) starts a new header set */
	if (n > 5 && strncmp(line, "HTTP/", 5) == 0)
	{
		req->retry_after_ms = req->rl_remaining = req->rl_interval_ms = -1;
		req->rl_max = req->rl_daily = req->rl_daily_remaining = -1;
		req->correlation_id[0] = req->content_type[0] = '\0';
	}
	hs_header_value(line, n, "X-HubSpot-Correlation-Id",
					req->correlation_id, sizeof(req->correlation_id));
	hs_header_value(line, n, "Content-Type",
					req->content_type, sizeof(req->content_type));
	hs_header_long(line, n, "X-HubSpot-RateLimit-Remaining", &req->rl_remaining);
	hs_header_long(line, n, "X-HubSpot-RateLimit-Interval-Milliseconds", &req->rl_interval_ms);
	hs_header_long(line, n, "X-HubSpot-RateLimit-Max", &req->rl_max);
	hs_header_long(line, n, "X-HubSpot-RateLimit-Daily", &req->rl_daily);
	hs_header_long(line, n, "X-HubSpot-RateLimit-Daily-Remaining", &req->rl_daily_remaining);
	hs_header_long(line, n, "Retry-After", &seconds);
	if (seconds >= 0)
		req->retry_after_ms = Min(seconds, 7 * 86400L) * 1000;
	return n;
}

/* Progress callback: abort the transfer when the backend is interrupted. */
static int
hs_progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
			   curl_off_t ultotal, curl_off_t ulnow)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

/* Configure pooled easy handle "slot" for one request and add it to the multi handle. */
static bool
hs_transfer_setup(HsTransfer *t, int slot)
{
	HsHttpRequest *req = t->req;
	char		auth[8192];
	CURL	   *h;

	if (hs_easy_pool[slot] == NULL)
		hs_easy_pool[slot] = curl_easy_init();
	else
		curl_easy_reset(hs_easy_pool[slot]);
	h = hs_easy_pool[slot];
	if (h == NULL)
		return false;
	t->easy = h;

	/* no token: a request that carries its credentials in its body (OAuth) */
	if (req->token != NULL)
	{
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", req->token);
		t->headers = curl_slist_append(t->headers, auth);
		explicit_bzero(auth, sizeof(auth));
	}
	t->headers = curl_slist_append(t->headers, "Accept: application/json");
	t->headers = curl_slist_append(t->headers, "Expect:");
	if (req->body != NULL)
	{
		snprintf(auth, sizeof(auth), "Content-Type: %s",
				 req->content_type_sent ? req->content_type_sent : "application/json");
		t->headers = curl_slist_append(t->headers, auth);
	}
	if (t->headers == NULL)
		return false;

	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
	if (req->ca_path)
		curl_easy_setopt(h, CURLOPT_CAPATH, req->ca_path);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "hubspot_fdw/" HUBSPOT_FDW_VERSION);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long) req->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long) req->timeout_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, hs_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, hs_header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, hs_progress_cb);
	curl_easy_setopt(h, CURLOPT_PRIVATE, t);

	if (strcmp(req->method, "GET") == 0)
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	else
	{
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body != NULL)
		{
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(req->body));
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		}
		else if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0)
		{
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		}
	}
	return curl_multi_add_handle(hs_multi, h) == CURLM_OK;
}

/* Turn a finished transfer into the caller's outcome fields. */
static void
hs_transfer_finish(HsTransfer *t, bool canceled)
{
	HsHttpRequest *req = t->req;
	double		total = 0;

	if (t->easy)
	{
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &req->http_status);
		curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &total);
	}
	req->elapsed_ms = total * 1000.0;

	if (canceled || t->result == CURLE_ABORTED_BY_CALLBACK)
		req->transport = HS_TRANSPORT_CANCELED;
	else if (!t->done)
		req->transport = HS_TRANSPORT_FAILED;
	else if (t->too_large)
		req->transport = HS_TRANSPORT_TOO_LARGE;
	else if (t->no_memory)
		req->transport = HS_TRANSPORT_NO_MEMORY;
	else if (t->result == CURLE_OK)
		req->transport = HS_TRANSPORT_OK;
	else if (t->result == CURLE_OPERATION_TIMEDOUT)
		req->transport = HS_TRANSPORT_TIMEOUT;
	else if (t->result == CURLE_COULDNT_CONNECT ||
			 t->result == CURLE_COULDNT_RESOLVE_HOST ||
			 t->result == CURLE_COULDNT_RESOLVE_PROXY)
		req->transport = HS_TRANSPORT_CONNECT_FAILED;
	else
		req->transport = HS_TRANSPORT_FAILED;

	/* bytes of the request written out: a request that was not cannot have been applied */
	if (t->easy)
	{
		long		request_size = 0;

		curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &request_size);
		req->sent = request_size > 0;
	}

	if (req->transport != HS_TRANSPORT_OK && req->transport != HS_TRANSPORT_CANCELED)
		strlcpy(req->error,
				t->errbuf[0] ? t->errbuf : curl_easy_strerror(t->result),
				sizeof(req->error));
}

/* Release a slot: detach its handle and free its buffers. */
static void
hs_slot_release(HsTransfer *t)
{
	if (t->easy)
		curl_multi_remove_handle(hs_multi, t->easy);
	curl_slist_free_all(t->headers);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

/* Finish transfer "t": fill its request's outcome and hand over the body. */
static void
hs_slot_complete(HsTransfer *t, bool canceled)
{
	HsHttpRequest *req = t->req;

	hs_transfer_finish(t, canceled);
	if (req->transport == HS_TRANSPORT_OK)
	{
		/* never throw here: the slot must be released first */
		req->response = MemoryContextAllocExtended(t->cxt, t->len + 1, MCXT_ALLOC_NO_OOM);
		if (req->response == NULL)
			req->transport = HS_TRANSPORT_NO_MEMORY;
		else
		{
			if (t->len > 0)
				memcpy(req->response, t->buf, t->len);
			req->response[t->len] = '\0';
			req->response_len = t->len;
		}
	}
	req->in_flight = false;
	hs_slot_release(t);
}

/*
 * Start "req" and return at once; it proceeds during later hs_http_wait()
 * calls. When no slot is free or set-up fails, the request is finished
 * already, unsent (transport NO_SLOT or NO_MEMORY), and false is returned.
 */
bool
hs_http_start(HsHttpRequest *req)
{
	HsTransfer *t = NULL;
	int			i;

	req->transport = HS_TRANSPORT_FAILED;
	req->http_status = 0;
	req->response = NULL;
	req->response_len = 0;
	req->correlation_id[0] = '\0';
	req->content_type[0] = '\0';
	req->error[0] = '\0';
	req->retry_after_ms = req->rl_remaining = req->rl_interval_ms = -1;
	req->rl_max = req->rl_daily = req->rl_daily_remaining = -1;
	req->in_flight = false;
	req->sent = false;

	if (!hs_http_init())
	{
		req->transport = HS_TRANSPORT_NO_MEMORY;
		return false;
	}
	for (i = 0; i < HS_HTTP_SLOTS; i++)
		if (!hs_slots[i].in_use)
		{
			t = &hs_slots[i];
			break;
		}
	if (t == NULL)
	{
		req->transport = HS_TRANSPORT_NO_SLOT;
		return false;
	}
	memset(t, 0, sizeof(*t));
	t->in_use = true;
	t->req = req;
	t->subid = GetCurrentSubTransactionId();
	t->cxt = CurrentMemoryContext;
	if (!hs_transfer_setup(t, i))
	{
		hs_slot_release(t);
		req->transport = HS_TRANSPORT_NO_MEMORY;
		return false;
	}
	req->in_flight = true;
	return true;
}

/* The slot running "req", or NULL. */
static HsTransfer *
hs_slot_of(HsHttpRequest *req)
{
	int			i;

	for (i = 0; i < HS_HTTP_SLOTS; i++)
		if (hs_slots[i].in_use && hs_slots[i].req == req)
			return &hs_slots[i];
	return NULL;
}

/*
 * Let every transfer do what it can without blocking, and finish those that
 * are done. False if libcurl failed; *still gets the transfers running.
 */
static bool
hs_http_step(int *still)
{
	CURLMsg    *msg;
	int			left;

	if (curl_multi_perform(hs_multi, still) != CURLM_OK)
		return false;
	while ((msg = curl_multi_info_read(hs_multi, &left)) != NULL)
	{
		HsTransfer *t = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
		if (t == NULL || !t->in_use)
			continue;
		t->done = true;
		t->result = msg->data.result;
		hs_slot_complete(t, false);
	}
	return true;
}

/*
 * A request still marked in flight whose transfer was dropped when the
 * subtransaction that started it rolled back (its owner, such as a cursor
 * opened before the savepoint, outlived it): it ends as a failed transfer,
 * which the layer above may send again.
 */
static void
hs_http_orphaned(HsHttpRequest *req)
{
	req->in_flight = false;
	req->transport = HS_TRANSPORT_FAILED;
	req->http_status = 0;
	strlcpy(req->error, "the transfer was dropped when a subtransaction rolled back",
			sizeof(req->error));
}

/*
 * Drive all transfers until none of "requests" is in flight (or, with
 * "any", until at least one of them is done), or until an interrupt,
 * which finishes the waited-for requests as CANCELED.
 */
void
hs_http_wait(HsHttpRequest **requests, int nrequests, bool any)
{
	for (;;)
	{
		int			still = 0;
		int			waiting = 0;
		int			i;

		for (i = 0; i < nrequests; i++)
			if (requests[i]->in_flight && hs_slot_of(requests[i]) == NULL)
				hs_http_orphaned(requests[i]);
		for (i = 0; i < nrequests; i++)
			if (requests[i]->in_flight)
				waiting++;
		if (waiting == 0 || (any && waiting < nrequests))
			return;
		if (QueryCancelPending || ProcDiePending)
		{
			for (i = 0; i < nrequests; i++)
			{
				HsTransfer *t = requests[i]->in_flight ? hs_slot_of(requests[i]) : NULL;

				if (t)
					hs_slot_complete(t, true);
			}
			return;
		}
		if (!hs_http_step(&still))
		{
			for (i = 0; i < nrequests; i++)
			{
				HsTransfer *t = requests[i]->in_flight ? hs_slot_of(requests[i]) : NULL;

				if (t)
					hs_slot_complete(t, false);
			}
			return;
		}
		if (still > 0)
			curl_multi_poll(hs_multi, NULL, 0, HS_POLL_INTERVAL_MS, NULL);
	}
}

/*
 * Move the transfers in flight along without waiting: a request just
 * started goes out now, even if nothing waits for an answer for a while.
 */
void
hs_http_progress(void)
{
	int			still = 0;

	if (hs_multi != NULL)
		(void) hs_http_step(&still);
}

/*
 * Wait "ms" milliseconds while driving the transfers in flight, so that
 * their answers are read as they come and their timeouts do not run out
 * unattended: for a retry's back-off or the rate limiter's wait, while
 * other requests (batches of the same statement, a scan's prefetch) are
 * out. Transfers that finish meanwhile are completed as in hs_http_wait(),
 * for whoever waits for them next. Blocks at most HS_POLL_INTERVAL_MS
 * between reads of the interrupt flags. Returns HS_TRANSPORT_OK after the
 * full wait, or HS_TRANSPORT_CANCELED at once on an interrupt: the caller
 * runs CHECK_FOR_INTERRUPTS().
 */
HsTransportStatus
hs_http_sleep(long ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		int			still = 0;
		long		left;

		if (QueryCancelPending || ProcDiePending)
			return HS_TRANSPORT_CANCELED;
		if (hs_multi != NULL && hs_http_in_flight() > 0 && !hs_http_step(&still))
			still = 0;			/* libcurl failed: the waiters will see it */
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (left <= 0)
			return HS_TRANSPORT_OK;
		left = Min(left, HS_POLL_INTERVAL_MS);
		if (still > 0)
			curl_multi_poll(hs_multi, NULL, 0, (int) left, NULL);
		else
		{
			/* nothing to drive: the latch wakes us for interrupts at once */
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 left, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
	}
}

/* Stop "req" if it is still running; its outcome becomes CANCELED. */
void
hs_http_cancel(HsHttpRequest *req)
{
	HsTransfer *t = req->in_flight ? hs_slot_of(req) : NULL;

	if (t)
		hs_slot_complete(t, true);
	req->in_flight = false;
}

/*
 * Drop, without touching their requests, the transfers started by
 * subtransaction "subid" or a later one: it is aborting, and the memory of
 * those requests goes with it. InvalidSubTransactionId drops all. (Which
 * writes HubSpot may have applied is batch.c's to say.)
 */
void
hs_http_abort_subxact(SubTransactionId subid)
{
	int			i;

	for (i = 0; i < HS_HTTP_SLOTS; i++)
		if (hs_slots[i].in_use &&
			(subid == InvalidSubTransactionId || hs_slots[i].subid >= subid))
			hs_slot_release(&hs_slots[i]);
}

/* Number of transfers in flight (for messages after an abort). */
int
hs_http_in_flight(void)
{
	int			i;
	int			n = 0;

	for (i = 0; i < HS_HTTP_SLOTS; i++)
		if (hs_slots[i].in_use)
			n++;
	return n;
}

/* Percent-encode one URL path segment or query value (RFC 3986). */
char *
hs_url_escape(const char *segment)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		len = strlen(segment);
	char	   *out = palloc(len * 3 + 1);
	char	   *o = out;
	const unsigned char *p;

	/* "." and ".." would be resolved away as path steps: encode their dots */
	bool		dots = strspn(segment, ".") == len;

	for (p = (const unsigned char *) segment; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || (*p == '.' && !dots) ||
			*p == '_' || *p == '~')
			*o++ = (char) *p;
		else
		{
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}
