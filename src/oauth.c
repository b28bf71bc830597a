/*
 * oauth.c
 *		The store of access tokens obtained by OAuth: a user mapping with
 *		client_id, client_secret and refresh_token gets its access tokens
 *		from the token endpoint (the server's oauth_token_url), refreshes
 *		them before they expire, and once more when HubSpot answers that
 *		one expired.
 *
 * Every session of the same credentials shares one access token: with
 * hubspot_fdw in shared_preload_libraries it lives in shared memory, so
 * that many sessions refresh it once, not once each; otherwise each
 * backend keeps its own. While one session refreshes a token, the others
 * that need it wait for its answer, and a refusal they waited for is
 * theirs too, without a request of their own. Credentials are identified
 * by two 64-bit hashes; the access token itself is kept (it is what is
 * shared) and wiped when its slot is given to other credentials. It never
 * reaches a message: requests carry a copy, masked like any token
 * (errors.c).
 *
 * This file keeps the tokens and decides who refreshes; the refresh
 * itself is a request like any other, which request.c sends
 * (hs_oauth_refresh()).
 */
#include "postgres.h"

#include "transport.h"

#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* Credentials whose tokens are kept at once; more wait for a free slot. */
#define HS_OAUTH_SLOTS 64
/* Refresh this long before expiry (at most a quarter of the lifetime). */
#define HS_OAUTH_REFRESH_MARGIN_MS 60000
/* A new token is used this long before it is refreshed, whatever its lifetime. */
#define HS_OAUTH_MIN_USE_MS 1000
/* expires_in of an answer that gives none: HubSpot's 30 minutes. */
#define HS_OAUTH_DEFAULT_LIFETIME_S 1800
/* The longest lifetime believed: a week. */
#define HS_OAUTH_MAX_LIFETIME_S (7 * 86400)
/* How often a session waiting for another's refresh looks again. */
#define HS_OAUTH_POLL_MS 20
/* The seeds of the two hashes that identify credentials. */
#define HS_OAUTH_KEY_SEED 0x4f41555448ULL
#define HS_OAUTH_CHECK_SEED 0x434845434bULL

/* A refresh that failed, as its error said it, for those who waited for it. */
typedef struct HsOAuthFailure
{
	int			sqlstate;
	char		message[256];
	char		detail[640];
	char		hint[384];
} HsOAuthFailure;

/* One set of credentials and its current access token. */
typedef struct HsTokenSlot
{
	uint64		key;			/* hash of the credentials; 0 = free */
	uint64		check;			/* a second hash of them, with another seed */
	TimestampTz last_used;
	TimestampTz refresh_at;		/* from then on, get a new token first */
	TimestampTz expires_at;		/* when HubSpot stops taking the token */
	int			refresher;		/* pid of the session refreshing, or 0 */
	TimestampTz refresh_deadline;	/* after this, another may take over */
	TimestampTz failed_at;		/* the last refresh that failed, or 0 */
	HsOAuthFailure failure;
	char		token[HS_OAUTH_TOKEN_MAX];	/* "" = none */
} HsTokenSlot;

typedef struct HsTokenStore
{
	LWLock	   *lock;			/* NULL when per-backend */
	HsTokenSlot slots[HS_OAUTH_SLOTS];
} HsTokenStore;

static HsTokenStore *hs_tokens = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static bool hs_oauth_exit_registered = false;

/* shmem_request_hook: reserve the shared token store. */
static void
hs_oauth_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(HsTokenStore)));
	RequestNamedLWLockTranche("hubspot_fdw oauth", 1);
}

/* shmem_startup_hook: attach to (or create) the shared token store. */
static void
hs_oauth_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	hs_tokens = ShmemInitStruct("hubspot_fdw oauth tokens", sizeof(HsTokenStore), &found);
	if (!found)
	{
		memset(hs_tokens, 0, sizeof(HsTokenStore));
		hs_tokens->lock = &(GetNamedLWLockTranche("hubspot_fdw oauth"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Called from _PG_init while shared_preload_libraries are loaded. */
void
hs_oauth_install_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = hs_oauth_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = hs_oauth_shmem_startup;
}

/* The token store: the shared one, or this backend's, made on first use. */
static HsTokenStore *
hs_token_store(void)
{
	if (hs_tokens == NULL)
		hs_tokens = MemoryContextAllocZero(TopMemoryContext, sizeof(HsTokenStore));
	return hs_tokens;
}

/* Take the token store's lock (none for a per-backend store). */
static void
hs_token_lock(void)
{
	if (hs_tokens->lock)
		LWLockAcquire(hs_tokens->lock, LW_EXCLUSIVE);
}

/* Release the token store's lock. */
static void
hs_token_unlock(void)
{
	if (hs_tokens->lock)
		LWLockRelease(hs_tokens->lock);
}

/*
 * before_shmem_exit: a session that leaves while refreshing lets the
 * others take over at once instead of at the deadline.
 */
static void
hs_oauth_shmem_exit(int code, Datum arg)
{
	int			i;

	if (hs_tokens == NULL || hs_tokens->lock == NULL)
		return;
	LWLockAcquire(hs_tokens->lock, LW_EXCLUSIVE);
	for (i = 0; i < HS_OAUTH_SLOTS; i++)
		if (hs_tokens->slots[i].refresher == MyProcPid)
			hs_tokens->slots[i].refresher = 0;
	LWLockRelease(hs_tokens->lock);
}

/* Hash the credentials of "req"'s mapping and token URL with "seed". */
static uint64
hs_oauth_hash(HsHttpRequest *req, uint64 seed)
{
	const HsConnection *conn = req->conn;
	const char *parts[4] = {req->oauth_token_url, conn->client_id,
	conn->client_secret, conn->refresh_token};
	uint64		h = seed;
	int			i;

	for (i = 0; i < lengthof(parts); i++)
		h = hash_bytes_extended((const unsigned char *) parts[i], strlen(parts[i]) + 1, h);
	return h ? h : 1;
}

/*
 * The slot of credentials "key"/"check", claiming a free one or else the
 * one used least recently that nobody is refreshing; NULL when every slot
 * is being refreshed. The caller holds the lock.
 */
static HsTokenSlot *
hs_token_slot(uint64 key, uint64 check, TimestampTz now)
{
	HsTokenSlot *victim = NULL;
	int			i;

	for (i = 0; i < HS_OAUTH_SLOTS; i++)
	{
		HsTokenSlot *slot = &hs_tokens->slots[i];

		if (slot->key == key && slot->check == check)
			return slot;
		if (slot->refresher != 0 && now < slot->refresh_deadline)
			continue;
		if (victim == NULL || slot->key == 0 ||
			(victim->key != 0 && slot->last_used < victim->last_used))
			victim = slot;
	}
	if (victim == NULL)
		return NULL;
	explicit_bzero(victim, sizeof(HsTokenSlot));
	victim->key = key;
	victim->check = check;
	return victim;
}

/* Raise the error of a refresh another session made and this one waited for. */
static void
hs_oauth_report_failure(const HsOAuthFailure *f, HsHttpRequest *req)
{
	ereport(ERROR,
			(errcode(f->sqlstate),
			 errmsg_internal("%s", f->message),
			 f->detail[0] ? errdetail_internal("%s", f->detail) : 0,
			 f->hint[0] ? errhint("%s", f->hint) : 0,
			 errcontext("HubSpot request: %s %s (waiting for another session's OAuth token refresh)",
						req->method, hs_hide_token(req->token, req->path))));
}

/* How long a refresh may take before another session takes it over. */
static long
hs_oauth_refresh_budget_ms(HsHttpRequest *req)
{
	return (long) (req->connect_timeout_ms + req->timeout_ms) * (req->max_retries + 1) +
		HS_MAX_RETRY_WAIT_S * 1000L;
}

/*
 * The current access token of the OAuth credentials of "req" (its
 * mapping's, at req->oauth_token_url), copied to "out" (of
 * HS_OAUTH_TOKEN_MAX bytes): true. When there is none, or it is due for
 * refresh, and no other session is getting one, false: this session is
 * now the one to refresh it, and must call hs_oauth_refreshed() or
 * hs_oauth_refresh_failed(). While another session refreshes, this one
 * uses the token being replaced if it has not expired yet, or else waits
 * for the new one; a refusal it waited for is raised here.
 */
bool
hs_oauth_token(HsHttpRequest *req, char *out)
{
	uint64		key = hs_oauth_hash(req, HS_OAUTH_KEY_SEED);
	uint64		check = hs_oauth_hash(req, HS_OAUTH_CHECK_SEED);
	TimestampTz wait_start = GetCurrentTimestamp();
	bool		waited = false;

	(void) hs_token_store();
	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		HsTokenSlot *slot;

		hs_token_lock();
		slot = hs_token_slot(key, check, now);
		if (slot == NULL)
		{
			/* every slot is being refreshed: wait for one */
			hs_token_unlock();
			hs_sleep_ms(HS_OAUTH_POLL_MS);
			continue;
		}
		slot->last_used = now;
		if (slot->token[0] != '\0' && now < slot->refresh_at)
		{
			strlcpy(out, slot->token, HS_OAUTH_TOKEN_MAX);
			hs_token_unlock();
			return true;
		}
		if (slot->refresher != 0 && slot->refresher != MyProcPid &&
			now < slot->refresh_deadline)
		{
			/* the token due for refresh still works while another gets the next */
			if (slot->token[0] != '\0' && now < slot->expires_at)
			{
				strlcpy(out, slot->token, HS_OAUTH_TOKEN_MAX);
				hs_token_unlock();
				return true;
			}
			hs_token_unlock();
			waited = true;
			hs_sleep_ms(HS_OAUTH_POLL_MS);
			continue;
		}
		if (waited && slot->failed_at >= wait_start)
		{
			HsOAuthFailure failure = slot->failure;

			hs_token_unlock();
			hs_oauth_report_failure(&failure, req);
		}
		slot->refresher = MyProcPid;
		slot->refresh_deadline = TimestampTzPlusMilliseconds(now, hs_oauth_refresh_budget_ms(req));
		hs_token_unlock();
		if (hs_tokens->lock && !hs_oauth_exit_registered)
		{
			before_shmem_exit(hs_oauth_shmem_exit, (Datum) 0);
			hs_oauth_exit_registered = true;
		}
		return false;
	}
}

/*
 * The slot this session refreshes for the credentials of "req", or NULL
 * when it went to other credentials meanwhile. The caller holds the lock.
 */
static HsTokenSlot *
hs_oauth_my_slot(HsHttpRequest *req)
{
	uint64		key = hs_oauth_hash(req, HS_OAUTH_KEY_SEED);
	uint64		check = hs_oauth_hash(req, HS_OAUTH_CHECK_SEED);
	int			i;

	for (i = 0; i < HS_OAUTH_SLOTS; i++)
	{
		HsTokenSlot *slot = &hs_tokens->slots[i];

		if (slot->key == key && slot->check == check && slot->refresher == MyProcPid)
			return slot;
	}
	return NULL;
}

/*
 * Store "token", which the token endpoint issued for the credentials of
 * "req" to a request sent at "sent_at", valid "expires_in" seconds (-1:
 * not said), as the refresh hs_oauth_token() gave this session. It is
 * refreshed a minute before it expires, or a quarter of its lifetime
 * before when that is shorter.
 */
void
hs_oauth_refreshed(HsHttpRequest *req, const char *token, TimestampTz sent_at,
				   int64 expires_in)
{
	int64		lifetime_ms = 1000 * (expires_in < 0 ? HS_OAUTH_DEFAULT_LIFETIME_S
									  : Min(expires_in, HS_OAUTH_MAX_LIFETIME_S));
	int64		margin_ms = Min(HS_OAUTH_REFRESH_MARGIN_MS, lifetime_ms / 4);
	HsTokenSlot *slot;

	hs_token_lock();
	slot = hs_oauth_my_slot(req);
	if (slot != NULL)
	{
		strlcpy(slot->token, token, sizeof(slot->token));
		slot->expires_at = TimestampTzPlusMilliseconds(sent_at, lifetime_ms);
		slot->refresh_at = TimestampTzPlusMilliseconds(sent_at, lifetime_ms - margin_ms);
		/* a token due at once would make every request refresh first */
		slot->refresh_at = Max(slot->refresh_at,
							   TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														   HS_OAUTH_MIN_USE_MS));
		slot->failed_at = 0;
		slot->refresher = 0;
	}
	hs_token_unlock();
}

/*
 * "src" (NULL: "") copied into "dst" of "size" bytes, cut at a character
 * boundary of the database encoding when it does not fit.
 */
static void
hs_copy_clipped(char *dst, const char *src, size_t size)
{
	int			len;

	if (src == NULL)
		src = "";
	len = pg_mbcliplen(src, strlen(src), size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * Is an error of the refresh one that the sessions waiting for it share:
 * the token endpoint's refusal (28000), an answer the FDW cannot use
 * (class HV) or a failure to reach the endpoint (class 08)? Anything else
 * (a cancel, this session's own limits, out of memory) belongs to the
 * refreshing session, and the others then try for themselves.
 */
static bool
hs_oauth_shared_failure(int sqlerrcode)
{
	return sqlerrcode == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION ||
		ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_FDW_ERROR ||
		ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_CONNECTION_EXCEPTION;
}

/*
 * The refresh hs_oauth_token() gave this session failed with "edata": the
 * sessions waiting for it get the same error when it is the endpoint's
 * (hs_oauth_shared_failure); otherwise they try for themselves.
 */
void
hs_oauth_refresh_failed(HsHttpRequest *req, const ErrorData *edata)
{
	HsTokenSlot *slot;

	hs_token_lock();
	slot = hs_oauth_my_slot(req);
	if (slot != NULL)
	{
		slot->refresher = 0;
		if (hs_oauth_shared_failure(edata->sqlerrcode))
		{
			slot->failed_at = GetCurrentTimestamp();
			slot->failure.sqlstate = edata->sqlerrcode;
			hs_copy_clipped(slot->failure.message, edata->message,
							sizeof(slot->failure.message));
			hs_copy_clipped(slot->failure.detail, edata->detail,
							sizeof(slot->failure.detail));
			hs_copy_clipped(slot->failure.hint, edata->hint,
							sizeof(slot->failure.hint));
		}
	}
	hs_token_unlock();
}

/*
 * After an answer to "req": was it a 401 saying that its OAuth access
 * token expired (category EXPIRED_AUTHENTICATION), for a request not yet
 * sent again for that? Then the token is forgotten, unless another
 * session has replaced it already, and the caller sends the request again
 * (once), with the token hs_oauth_token() then gives. HubSpot refused the
 * request without applying it, so sending it again is always safe.
 */
bool
hs_oauth_token_expired(HsHttpRequest *req)
{
	HsApiError err;
	int			i;

	if (req->oauth_token_url == NULL || req->reauthorized || req->token == NULL ||
		req->transport != HS_TRANSPORT_OK || req->http_status != 401)
		return false;
	hs_json_parse_error(req->response, req->response_len, &err);
	if (err.category == NULL || strcmp(err.category, "EXPIRED_AUTHENTICATION") != 0)
		return false;

	(void) hs_token_store();
	hs_token_lock();
	for (i = 0; i < HS_OAUTH_SLOTS; i++)
	{
		HsTokenSlot *slot = &hs_tokens->slots[i];

		if (slot->key != 0 && strcmp(slot->token, req->token) == 0)
			slot->refresh_at = slot->expires_at = 0;
	}
	hs_token_unlock();
	req->reauthorized = true;
	return true;
}
