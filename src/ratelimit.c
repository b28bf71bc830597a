/*
 * ratelimit.c
 *		Client-side pacing of HubSpot requests, so that a big UPDATE spends
 *		HubSpot's budget evenly instead of running into 429s.
 *
 * HubSpot limits each app to N requests in a rolling 10-second window.
 * The limiter keeps the send times of the last N requests per access token
 * and lets a request go only when fewer than N were sent in the window.
 * N is rate_limit_per_10s, or with 'auto' what HubSpot's answers state
 * (X-HubSpot-RateLimit-Max per X-HubSpot-RateLimit-Interval-Milliseconds,
 * doc/hubspot-api.md, "Rate limits"), learned per token and shared like
 * the rest of the slot; until an answer states it, HS_DEFAULT_RATE_LIMIT.
 * The daily figures HubSpot's answers state are kept beside it, for
 * hubspot_fdw_rate_limit() and the error of a DAILY 429.
 * After a 429 it also holds every request of that token for the wait the
 * retry logic chose; a wait longer than HS_MAX_RETRY_WAIT_S refuses the
 * token's requests instead of holding them.
 *
 * hubspot_fdw.rate_limit_tokens slots hold the tokens. A slot passes to
 * another token only when idle (see hs_slot_is_idle); when none is, a
 * token without a slot goes unpaced, with a WARNING.
 *
 * Search has a budget of its own, per HubSpot account (doc/hubspot-api.md,
 * "Search"): beside the slots, the account of each token is remembered
 * once learned (request.c asks HubSpot), and search requests are paced
 * under the account's key (hs_ratelimit_account_key), so that every token
 * of one account shares it.
 *
 * With hubspot_fdw in shared_preload_libraries the state lives in shared
 * memory, so all backends of the cluster share one budget per token;
 * otherwise each backend paces itself alone. Tokens are identified by a
 * 64-bit hash only; the token itself is never stored here.
 */
#include "postgres.h"

#include "transport.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* Slack for the latency between our clock and HubSpot's counting. */
#define HS_RL_MARGIN_MS 250
/* Slots of the per-backend limiter at first; it grows up to the setting. */
#define HS_RL_LOCAL_SLOTS 8
/* The window of a slot that only holds a wait (HubSpot's burst window). */
#define HS_RL_DEFAULT_WINDOW_MS 10000
/* Tokens whose HubSpot account is remembered at once. */
#define HS_RL_ACCOUNTS 256
/* The seed of the limiter keys of accounts (tokens use another). */
#define HS_RL_ACCOUNT_SEED 0x4143434f554eULL
/* The shortest and longest windows believed from HubSpot's headers. */
#define HS_RL_MIN_WINDOW_MS 100
#define HS_RL_MAX_WINDOW_MS 3600000

/* GUC hubspot_fdw.rate_limit_tokens: access tokens tracked at once. */
int			hs_rl_max_slots = HS_DEFAULT_RATE_LIMIT_TOKENS;

/*
 * One access token's budget. A slot is reused for another token only when
 * it is idle: nothing sent within its window and no wait HubSpot asked for
 * still running. A busy slot is never taken over, so neither the history
 * nor a 429's wait of a token is ever forgotten while it matters.
 */
typedef struct HsLimiterSlot
{
	uint64		key;			/* hash of the token; 0 = free */
	int			window_ms;		/* window of the requests counted */
	int			head;			/* oldest entry of the ring */
	int			count;
	TimestampTz blocked_until;	/* set after a 429 */
	char		block_endpoint[160];	/* stats label of the request that got it */
	char		block_correlation_id[64];
	int			learned_max;	/* X-HubSpot-RateLimit-Max; 0 = not stated yet */
	int			learned_window_ms;	/* X-HubSpot-RateLimit-Interval-Milliseconds */
	TimestampTz learned_at;
	int64		daily_limit;	/* X-HubSpot-RateLimit-Daily; -1 = not stated */
	int64		daily_remaining;	/* X-HubSpot-RateLimit-Daily-Remaining; -1 */
	TimestampTz daily_at;
	TimestampTz sent[HS_RATE_LIMIT_MAX];
} HsLimiterSlot;

/*
 * The HubSpot account a token belongs to, learned once per token (search's
 * budget is the account's: request.c). Kept beside the slots, so that the
 * account outlives a slot given to another token; the entry used least
 * recently makes room for a new token.
 */
typedef struct HsAccountEntry
{
	uint64		token_key;		/* hs_ratelimit_conn_key(); 0 = free */
	int64		account_id;		/* or HS_ACCOUNT_UNKNOWN */
	TimestampTz used;
} HsAccountEntry;

typedef struct HsLimiterState
{
	LWLock	   *lock;			/* NULL when per-backend */
	int			nslots;
	HsAccountEntry accounts[HS_RL_ACCOUNTS];
	HsLimiterSlot slots[FLEXIBLE_ARRAY_MEMBER];
} HsLimiterState;

static HsLimiterState *hs_limiter = NULL;
static bool hs_limiter_shared = false;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/*
 * Per backend: the key this session last used in each slot, so that
 * hubspot_fdw_stats() shows, and hubspot_fdw_stats_reset() forgets, the
 * waits of this session's own tokens only.
 */
static uint64 *hs_rl_touched = NULL;
/* The statement that was last warned that the limiter is full. */
static TimestampTz hs_rl_warned_stmt = 0;

/* Bytes of a limiter with "nslots" slots. */
static Size
hs_limiter_size(int nslots)
{
	return add_size(offsetof(HsLimiterState, slots),
					mul_size(sizeof(HsLimiterSlot), nslots));
}

/* shmem_request_hook: reserve the shared limiter. */
static void
hs_ratelimit_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(hs_limiter_size(hs_rl_max_slots)));
	RequestNamedLWLockTranche("hubspot_fdw", 1);
}

/* shmem_startup_hook: attach to (or create) the shared limiter. */
static void
hs_ratelimit_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	hs_limiter = ShmemInitStruct("hubspot_fdw rate limiter",
								 hs_limiter_size(hs_rl_max_slots), &found);
	if (!found)
	{
		memset(hs_limiter, 0, hs_limiter_size(hs_rl_max_slots));
		hs_limiter->lock = &(GetNamedLWLockTranche("hubspot_fdw"))->lock;
		hs_limiter->nslots = hs_rl_max_slots;
	}
	LWLockRelease(AddinShmemInitLock);
	hs_limiter_shared = true;
}

/* Called from _PG_init while shared_preload_libraries are loaded. */
void
hs_ratelimit_install_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = hs_ratelimit_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = hs_ratelimit_shmem_startup;
}

/* The limiter key of a token. */
uint64
hs_ratelimit_key(const char *token)
{
	uint64		key = hash_bytes_extended((const unsigned char *) token,
										  strlen(token), 0x4855425350ULL);

	return key ? key : 1;
}

/*
 * The limiter key of the budget of "conn"'s requests: its access token's,
 * or for OAuth its refresh token's, which outlives the access tokens.
 */
uint64
hs_ratelimit_conn_key(const HsConnection *conn)
{
	return hs_ratelimit_key(conn->token ? conn->token : conn->refresh_token);
}

/*
 * The limiter key of the budget of HubSpot account "account_id", apart
 * from every token's key.
 */
uint64
hs_ratelimit_account_key(int64 account_id)
{
	uint64		key = hash_bytes_extended((const unsigned char *) &account_id,
										  sizeof(account_id), HS_RL_ACCOUNT_SEED);

	return key ? key : 1;
}

/*
 * The limiter, the per-backend one created on first use when not shared,
 * and this session's record of the slots it used.
 */
static HsLimiterState *
hs_limiter_state(void)
{
	if (hs_limiter == NULL)
	{
		int			n = Min(HS_RL_LOCAL_SLOTS, hs_rl_max_slots);

		hs_limiter = MemoryContextAllocZero(TopMemoryContext, hs_limiter_size(n));
		hs_limiter->nslots = n;
	}
	if (hs_rl_touched == NULL)
		hs_rl_touched = MemoryContextAllocZero(TopMemoryContext,
											   sizeof(uint64) * hs_rl_max_slots);
	return hs_limiter;
}

/*
 * May "slot" be given to another token? Only when it holds nothing that
 * still matters: no request within its window, no wait still running.
 */
static bool
hs_slot_is_idle(HsLimiterSlot *slot, TimestampTz now)
{
	TimestampTz newest;

	if (slot->key == 0)
		return true;
	if (now < slot->blocked_until)
		return false;
	if (slot->count == 0)
		return true;
	newest = slot->sent[(slot->head + slot->count - 1) % HS_RATE_LIMIT_MAX];
	return newest <= TimestampTzPlusMilliseconds(now, -(slot->window_ms + HS_RL_MARGIN_MS));
}

/*
 * The slot of "key", claiming an idle one if needed (the per-backend
 * limiter grows first), or NULL when every slot is busy. The caller holds
 * the lock.
 */
static HsLimiterSlot *
hs_limiter_slot(uint64 key, TimestampTz now)
{
	HsLimiterState *st = hs_limiter;
	int			idle = -1;
	int			i;

	for (i = 0; i < st->nslots; i++)
	{
		if (st->slots[i].key == key)
		{
			hs_rl_touched[i] = key;
			return &st->slots[i];
		}
		if (idle < 0 && hs_slot_is_idle(&st->slots[i], now))
			idle = i;
	}
	if (idle < 0 && !hs_limiter_shared && st->nslots < hs_rl_max_slots)
	{
		int			n = Min(st->nslots * 2, hs_rl_max_slots);

		st = hs_limiter = repalloc(st, hs_limiter_size(n));
		memset(&st->slots[st->nslots], 0, sizeof(HsLimiterSlot) * (n - st->nslots));
		idle = st->nslots;
		st->nslots = n;
	}
	if (idle < 0)
		return NULL;
	memset(&st->slots[idle], 0, sizeof(HsLimiterSlot));
	st->slots[idle].key = key;
	st->slots[idle].window_ms = HS_RL_DEFAULT_WINDOW_MS;
	st->slots[idle].daily_limit = st->slots[idle].daily_remaining = -1;
	hs_rl_touched[idle] = key;
	return &st->slots[idle];
}

/*
 * Warn, once per statement, that a token found no slot: its requests go
 * out unpaced and a wait HubSpot asks of it holds only this session.
 */
static void
hs_ratelimit_warn_full(void)
{
	TimestampTz stmt = GetCurrentStatementStartTimestamp();
	int			n = hs_limiter->nslots;

	if (stmt == hs_rl_warned_stmt)
		return;
	hs_rl_warned_stmt = stmt;
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("the HubSpot rate limiter has no free slot for this access token"),
			 errdetail_plural("The limiter's %d slot holds an access token that sent requests in the last 10 seconds or that HubSpot asked to wait. "
							  "Requests with other tokens go out without pacing, and a wait HubSpot asks of them holds only the request that got it.",
							  "All %d slots of the limiter hold access tokens that sent requests in the last 10 seconds or that HubSpot asked to wait. "
							  "Requests with other tokens go out without pacing, and a wait HubSpot asks of them holds only the request that got it.",
							  n, n),
			 errhint("Raise hubspot_fdw.rate_limit_tokens; it takes effect when the server starts.")));
}

/*
 * Sleep "ms" milliseconds (a retry's back-off, the limiter's wait) while
 * the transfers in flight go on, so their answers do not pile up unread
 * and time out; an interrupt ends the wait with its error.
 */
void
hs_sleep_ms(long ms)
{
	CHECK_FOR_INTERRUPTS();
	if (hs_http_sleep(ms) == HS_TRANSPORT_CANCELED)
	{
		CHECK_FOR_INTERRUPTS();
		/* interrupts were held off: still stop here */
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling wait for HubSpot due to user request")));
	}
}

/*
 * The budget "slot" spends under "limit" (HS_RATE_LIMIT_AUTO: what HubSpot
 * stated, else HS_DEFAULT_RATE_LIMIT) requests per "window_ms", into
 * *eff_limit and *eff_window_ms.
 */
static void
hs_slot_budget(HsLimiterSlot *slot, int limit, int window_ms,
			   int *eff_limit, int *eff_window_ms)
{
	*eff_limit = limit;
	*eff_window_ms = window_ms;
	if (limit == HS_RATE_LIMIT_AUTO)
	{
		*eff_limit = HS_DEFAULT_RATE_LIMIT;
		if (slot != NULL && slot->learned_max > 0)
		{
			*eff_limit = slot->learned_max;
			*eff_window_ms = slot->learned_window_ms;
		}
	}
	*eff_limit = Min(*eff_limit, HS_RATE_LIMIT_MAX);
}

/*
 * Wait until a request for "key" may be sent under "limit" requests per
 * "window_ms" (HS_RATE_LIMIT_AUTO: what HubSpot stated for the token), and
 * count it as sent. Returns the milliseconds waited.
 * A wait HubSpot asked for that has more than HS_MAX_RETRY_WAIT_S seconds
 * to run is not waited out: *refused_ms gets what is left of it, and the
 * request must not be sent. When every slot is busy the request is not
 * paced, with a WARNING.
 */
double
hs_ratelimit_acquire(uint64 key, int limit, int window_ms, long *refused_ms)
{
	TimestampTz start = GetCurrentTimestamp();
	int			limit_used;

	*refused_ms = 0;
	if (limit == 0)
		return 0;
	(void) hs_limiter_state();
	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		TimestampTz window_start;
		HsLimiterSlot *slot;
		long		wait_ms = 0;
		int			eff_limit;
		int			eff_window_ms;

		if (hs_limiter->lock)
			LWLockAcquire(hs_limiter->lock, LW_EXCLUSIVE);
		slot = hs_limiter_slot(key, now);
		if (slot == NULL)
		{
			if (hs_limiter->lock)
				LWLockRelease(hs_limiter->lock);
			hs_ratelimit_warn_full();
			break;
		}
		hs_slot_budget(slot, limit, window_ms, &eff_limit, &eff_window_ms);
		limit_used = eff_limit;
		window_start = TimestampTzPlusMilliseconds(now, -(eff_window_ms + HS_RL_MARGIN_MS));
		slot->window_ms = eff_window_ms;
		while (slot->count > 0 && slot->sent[slot->head] <= window_start)
		{
			slot->head = (slot->head + 1) % HS_RATE_LIMIT_MAX;
			slot->count--;
		}
		if (now < slot->blocked_until)
		{
			wait_ms = TimestampDifferenceMilliseconds(now, slot->blocked_until);
			if (wait_ms > HS_MAX_RETRY_WAIT_S * 1000L)
				*refused_ms = wait_ms;
		}
		else if (slot->count >= limit_used)
		{
			/* the oldest of the last "limit" sends must leave the window */
			int			idx = (slot->head + slot->count - limit_used) % HS_RATE_LIMIT_MAX;

			wait_ms = TimestampDifferenceMilliseconds(window_start, slot->sent[idx]) + 1;
		}
		else
		{
			if (slot->count == HS_RATE_LIMIT_MAX)
			{
				slot->head = (slot->head + 1) % HS_RATE_LIMIT_MAX;
				slot->count--;
			}
			slot->sent[(slot->head + slot->count) % HS_RATE_LIMIT_MAX] = now;
			slot->count++;
		}
		if (hs_limiter->lock)
			LWLockRelease(hs_limiter->lock);
		if (wait_ms <= 0 || *refused_ms > 0)
			break;
		hs_sleep_ms(Min(wait_ms, 100L));
	}
	return (double) TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());
}

/*
 * Hold every request of "key" for "ms" milliseconds (after a 429), keeping
 * the stats label and correlation id of the request that got it. When no
 * slot is free, the wait holds only the request that got it, with a
 * WARNING.
 */
void
hs_ratelimit_block(uint64 key, long ms, const char *endpoint,
				   const char *correlation_id)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz until = TimestampTzPlusMilliseconds(now, ms);
	HsLimiterSlot *slot;

	if (ms <= 0)
		return;
	(void) hs_limiter_state();
	if (hs_limiter->lock)
		LWLockAcquire(hs_limiter->lock, LW_EXCLUSIVE);
	slot = hs_limiter_slot(key, now);
	if (slot != NULL && slot->blocked_until < until)
	{
		slot->blocked_until = until;
		strlcpy(slot->block_endpoint, endpoint ? endpoint : "(other)",
				sizeof(slot->block_endpoint));
		strlcpy(slot->block_correlation_id, correlation_id ? correlation_id : "",
				sizeof(slot->block_correlation_id));
	}
	if (hs_limiter->lock)
		LWLockRelease(hs_limiter->lock);
	if (slot == NULL)
		hs_ratelimit_warn_full();
}

/*
 * The waits HubSpot asked for that still hold a token this session used,
 * as a list of HsRateWait.
 */
List *
hs_ratelimit_waits(void)
{
	List	   *waits = NIL;
	TimestampTz now = GetCurrentTimestamp();
	int			i;

	if (hs_limiter == NULL || hs_rl_touched == NULL)
		return NIL;
	if (hs_limiter->lock)
		LWLockAcquire(hs_limiter->lock, LW_SHARED);
	for (i = 0; i < hs_limiter->nslots; i++)
	{
		HsLimiterSlot *slot = &hs_limiter->slots[i];
		HsRateWait *w;

		if (hs_rl_touched[i] == 0 || slot->key != hs_rl_touched[i] ||
			slot->blocked_until <= now)
			continue;
		w = palloc0(sizeof(HsRateWait));
		w->remaining_ms = (double) TimestampDifferenceMilliseconds(now, slot->blocked_until);
		strlcpy(w->endpoint, slot->block_endpoint, sizeof(w->endpoint));
		strlcpy(w->correlation_id, slot->block_correlation_id, sizeof(w->correlation_id));
		waits = lappend(waits, w);
	}
	if (hs_limiter->lock)
		LWLockRelease(hs_limiter->lock);
	return waits;
}

/*
 * Forget the waits HubSpot asked for of the tokens this session used. The
 * history of their requests stays: pacing goes on.
 */
void
hs_ratelimit_forget_waits(void)
{
	int			i;

	if (hs_limiter == NULL || hs_rl_touched == NULL)
		return;
	if (hs_limiter->lock)
		LWLockAcquire(hs_limiter->lock, LW_EXCLUSIVE);
	for (i = 0; i < hs_limiter->nslots; i++)
	{
		HsLimiterSlot *slot = &hs_limiter->slots[i];

		if (hs_rl_touched[i] != 0 && slot->key == hs_rl_touched[i])
		{
			slot->blocked_until = 0;
			slot->block_endpoint[0] = '\0';
			slot->block_correlation_id[0] = '\0';
		}
	}
	if (hs_limiter->lock)
		LWLockRelease(hs_limiter->lock);
}

/*
 * Keep what the answer to "req" states of the budget of "key" (its burst
 * key): the burst limit and its window, when "req" spends the burst budget
 * (HubSpot's figures are clamped to what the limiter can track), and the
 * daily limit and what remains of it. An answer without the headers
 * changes nothing, so a token that never saw them keeps the safe default.
 */
void
hs_ratelimit_learn(uint64 key, const HsHttpRequest *req)
{
	TimestampTz now;
	HsLimiterSlot *slot;
	bool		burst = req->learn_budget && req->rl_max > 0;

	if (!burst && req->rl_daily < 0 && req->rl_daily_remaining < 0)
		return;
	(void) hs_limiter_state();
	now = GetCurrentTimestamp();
	if (hs_limiter->lock)
		LWLockAcquire(hs_limiter->lock, LW_EXCLUSIVE);
	slot = hs_limiter_slot(key, now);
	if (slot != NULL)
	{
		if (burst)
		{
			slot->learned_max = (int) Min(req->rl_max, (long) HS_RATE_LIMIT_MAX);
			slot->learned_window_ms = req->rl_interval_ms > 0
				? (int) Min(Max(req->rl_interval_ms, HS_RL_MIN_WINDOW_MS), HS_RL_MAX_WINDOW_MS)
				: HS_RL_DEFAULT_WINDOW_MS;
			slot->learned_at = now;
		}
		if (req->rl_daily >= 0)
			slot->daily_limit = req->rl_daily;
		if (req->rl_daily_remaining >= 0)
		{
			slot->daily_remaining = req->rl_daily_remaining;
			slot->daily_at = now;
		}
	}
	if (hs_limiter->lock)
		LWLockRelease(hs_limiter->lock);
}

/*
 * What the limiter knows of the budget of "key" spent under "limit"
 * requests per "window_ms" (rate_limit_per_10s, HS_RATE_LIMIT_AUTO or 0):
 * the budget it applies now, what HubSpot stated, the requests in the
 * current window. False when no slot holds the key (nothing sent lately).
 */
bool
hs_ratelimit_budget(uint64 key, int limit, int window_ms, HsRateBudget *out)
{
	int			i;
	bool		found = false;
	TimestampTz now = GetCurrentTimestamp();

	memset(out, 0, sizeof(*out));
	out->daily_limit = out->daily_remaining = -1;
	hs_slot_budget(NULL, limit, window_ms, &out->limit, &out->window_ms);
	if (hs_limiter == NULL)
		return false;
	if (hs_limiter->lock)
		LWLockAcquire(hs_limiter->lock, LW_SHARED);
	for (i = 0; i < hs_limiter->nslots; i++)
	{
		HsLimiterSlot *slot = &hs_limiter->slots[i];
		TimestampTz window_start;
		int			k;

		if (slot->key != key)
			continue;
		found = true;
		hs_slot_budget(slot, limit, window_ms, &out->limit, &out->window_ms);
		out->stated_max = slot->learned_max;
		out->stated_window_ms = slot->learned_window_ms;
		out->stated_at = slot->learned_at;
		out->daily_limit = slot->daily_limit;
		out->daily_remaining = slot->daily_remaining;
		out->daily_at = slot->daily_at;
		window_start = TimestampTzPlusMilliseconds(now, -(out->window_ms + HS_RL_MARGIN_MS));
		for (k = 0; k < slot->count; k++)
			if (slot->sent[(slot->head + k) % HS_RATE_LIMIT_MAX] > window_start)
				out->in_window++;
		break;
	}
	if (hs_limiter->lock)
		LWLockRelease(hs_limiter->lock);
	if (limit == 0)
		out->limit = 0;
	return found;
}

/*
 * The account entry of limiter key "token_key", or NULL; with "make", the
 * entry used least recently (or a free one) is given to it instead. The
 * caller holds the limiter's lock.
 */
static HsAccountEntry *
hs_account_entry(uint64 token_key, bool make)
{
	HsAccountEntry *victim = NULL;
	int			i;

	for (i = 0; i < HS_RL_ACCOUNTS; i++)
	{
		HsAccountEntry *e = &hs_limiter->accounts[i];

		if (e->token_key == token_key)
			return e;
		if (victim == NULL || e->token_key == 0 ||
			(victim->token_key != 0 && e->used < victim->used))
			victim = e;
	}
	if (!make)
		return NULL;
	victim->token_key = token_key;
	return victim;
}

/*
 * The HubSpot account of the token of limiter key "token_key", as
 * hs_ratelimit_set_account() stored it, into *account_id: false when it
 * was never learned (or was forgotten to make room).
 */
bool
hs_ratelimit_account(uint64 token_key, int64 *account_id)
{
	HsAccountEntry *e;

	(void) hs_limiter_state();
	if (hs_limiter->lock)
		LWLockAcquire(hs_limiter->lock, LW_EXCLUSIVE);
	e = hs_account_entry(token_key, false);
	if (e != NULL)
	{
		*account_id = e->account_id;
		e->used = GetCurrentTimestamp();
	}
	if (hs_limiter->lock)
		LWLockRelease(hs_limiter->lock);
	return e != NULL;
}

/*
 * Remember that the token of limiter key "token_key" belongs to HubSpot
 * account "account_id" (HS_ACCOUNT_UNKNOWN: HubSpot would not say), for
 * every session when the limiter is shared. The entry used least recently
 * makes room.
 */
void
hs_ratelimit_set_account(uint64 token_key, int64 account_id)
{
	HsAccountEntry *e;

	(void) hs_limiter_state();
	if (hs_limiter->lock)
		LWLockAcquire(hs_limiter->lock, LW_EXCLUSIVE);
	e = hs_account_entry(token_key, true);
	e->account_id = account_id;
	e->used = GetCurrentTimestamp();
	if (hs_limiter->lock)
		LWLockRelease(hs_limiter->lock);
}
