/*
 * http.c
 *		The HTTP transport: everything that touches libcurl.
 *
 * One curl multi handle and a small pool of easy handles live for the life
 * of the backend, so connections are kept alive and reused between
 * requests and statements. hs_http_perform() runs one or more requests at
 * once and reports each outcome in its HsHttpRequest; it never raises an
 * error (callers turn outcomes into ereports, see errors.c). While waiting
 * it watches the interrupt flags only; the caller runs CHECK_FOR_INTERRUPTS().
 */
#include "postgres.h"

#include <curl/curl.h>

#include "hubspot_fdw.h"
#include "miscadmin.h"

/* At most this many requests are in flight at once. */
#define HS_MAX_PARALLEL 16
/* How long one wait may block before the interrupt flags are read again. */
#define HS_POLL_INTERVAL_MS 100

/* State of one transfer while it runs: plain malloc, freed before return. */
typedef struct HsTransfer
{
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
static CURL *hs_easy_pool[HS_MAX_PARALLEL];
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

/* Copy a header's value (trimmed) into dst if the line is "name: value". */
static void
hs_header_value(const char *line, size_t len, const char *name,
				char *dst, size_t dstlen)
{
	size_t		nlen = strlen(name);
	const char *v;
	const char *end = line + len;

	if (len <= nlen || pg_strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return;
	v = line + nlen + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	if ((size_t) (end - v) >= dstlen)
		end = v + dstlen - 1;
	memcpy(dst, v, end - v);
	dst[end - v] = '\0';
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
		req->correlation_id[0] = req->content_type[0] = '\0';
	}
	hs_header_value(line, n, "X-HubSpot-Correlation-Id",
					req->correlation_id, sizeof(req->correlation_id));
	hs_header_value(line, n, "Content-Type",
					req->content_type, sizeof(req->content_type));
	hs_header_long(line, n, "X-HubSpot-RateLimit-Remaining", &req->rl_remaining);
	hs_header_long(line, n, "X-HubSpot-RateLimit-Interval-Milliseconds", &req->rl_interval_ms);
	hs_header_long(line, n, "Retry-After", &seconds);
	if (seconds >= 0)
		req->retry_after_ms = Min(seconds, 3600L) * 1000;
	return n;
}

/* Progress callback: abort the transfer when the backend is interrupted. */
static int
hs_progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
			   curl_off_t ultotal, curl_off_t ulnow)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

/* Configure pooled easy handle "slot" for one request. */
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

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", req->token);
	t->headers = curl_slist_append(t->headers, auth);
	explicit_bzero(auth, sizeof(auth));
	t->headers = curl_slist_append(t->headers, "Accept: application/json");
	t->headers = curl_slist_append(t->headers, "Expect:");
	if (req->body != NULL)
		t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
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

	if (req->transport != HS_TRANSPORT_OK && req->transport != HS_TRANSPORT_CANCELED)
		strlcpy(req->error,
				t->errbuf[0] ? t->errbuf : curl_easy_strerror(t->result),
				sizeof(req->error));
}

/*
 * Run "nrequests" requests concurrently and wait for all of them (or for an
 * interrupt). Each request's out fields tell what happened.
 */
void
hs_http_perform(HsHttpRequest **requests, int nrequests)
{
	HsTransfer	transfers[HS_MAX_PARALLEL];
	int			n = Min(nrequests, HS_MAX_PARALLEL);
	int			running = 0;
	bool		canceled = false;
	bool		ready;
	int			i;

	Assert(nrequests <= HS_MAX_PARALLEL);
	memset(transfers, 0, sizeof(transfers));
	ready = hs_http_init();

	for (i = 0; i < n; i++)
	{
		HsHttpRequest *req = requests[i];

		req->transport = HS_TRANSPORT_FAILED;
		req->http_status = 0;
		req->response = NULL;
		req->response_len = 0;
		req->correlation_id[0] = '\0';
		req->content_type[0] = '\0';
		req->error[0] = '\0';
		req->retry_after_ms = req->rl_remaining = req->rl_interval_ms = -1;
		transfers[i].req = req;
		if (!ready || !hs_transfer_setup(&transfers[i], i))
		{
			transfers[i].no_memory = true;
			transfers[i].done = true;
			transfers[i].result = CURLE_OUT_OF_MEMORY;
			if (transfers[i].easy)
				curl_multi_remove_handle(hs_multi, transfers[i].easy);
			transfers[i].easy = NULL;
		}
		else
			running++;
	}

	while (running > 0)
	{
		CURLMsg    *msg;
		int			left;
		int			still = 0;

		if (QueryCancelPending || ProcDiePending)
		{
			canceled = true;
			break;
		}
		if (curl_multi_perform(hs_multi, &still) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(hs_multi, &left)) != NULL)
		{
			HsTransfer *t = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
			if (t == NULL || t->done)
				continue;
			t->done = true;
			t->result = msg->data.result;
			running--;
		}
		if (running > 0 && still > 0)
			curl_multi_poll(hs_multi, NULL, 0, HS_POLL_INTERVAL_MS, NULL);
	}

	for (i = 0; i < n; i++)
	{
		HsTransfer *t = &transfers[i];

		hs_transfer_finish(t, canceled && !t->done);
		if (t->easy)
			curl_multi_remove_handle(hs_multi, t->easy);
		curl_slist_free_all(t->headers);
		t->headers = NULL;
	}

	/* Hand the bodies over in palloc'd memory; never throw while copying. */
	for (i = 0; i < n; i++)
	{
		HsTransfer *t = &transfers[i];
		HsHttpRequest *req = t->req;

		if (req->transport == HS_TRANSPORT_OK)
		{
			req->response = palloc_extended(t->len + 1, MCXT_ALLOC_NO_OOM);
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
		free(t->buf);
	}
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
