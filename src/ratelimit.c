/*
 * ratelimit.c
 *		Client-side pacing of HubSpot requests, so that a big UPDATE spends
 *		HubSpot's budget evenly instead of running into 429s.
 *
 * HubSpot limits each app to N requests in a rolling 10-second window.
 * The limiter keeps the send times of the last N requests per access token
 * and lets a request go only when fewer than N were sent in the window.
 * After a 429 it also holds every request of that token for the wait the
 * retry logic chose.
 *
 * With hubspot_fdw in shared_preload_libraries the state lives in shared
 * memory, so all backends of the cluster share one budget per token;
 * otherwise each backend paces itself alone. Tokens are identified by a
 * 64-bit hash only; the token itself is never stored here.
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* Slack for the latency between our clock and HubSpot's counting. */
#define HS_RL_MARGIN_MS 250
/* Tokens tracked at once; the least recently used slot is reused. */
#define HS_RL_SLOTS 32

typedef struct HsLimiterSlot
{
	uint64		key;			/* hash of the token; 0 = free */
	TimestampTz last_used;
	TimestampTz blocked_until;	/* set after a 429 */
	int			head;			/* oldest entry of the ring */
	int			count;
	TimestampTz sent[HS_RATE_LIMIT_MAX];
} HsLimiterSlot;

typedef struct HsLimiterState
{
	LWLock	   *lock;			/* NULL when per-backend */
	HsLimiterSlot slots[HS_RL_SLOTS];
} HsLimiterState;

static HsLimiterState *hs_limiter = NULL;
static bool hs_limiter_shared = false;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* shmem_request_hook: reserve the shared limiter. */
static void
hs_ratelimit_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(HsLimiterState)));
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
								 sizeof(HsLimiterState), &found);
	if (!found)
	{
		memset(hs_limiter, 0, sizeof(HsLimiterState));
		hs_limiter->lock = &(GetNamedLWLockTranche("hubspot_fdw"))->lock;
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

/* Is the budget shared by the whole cluster? (for EXPLAIN and docs) */
bool
hs_ratelimit_is_shared(void)
{
	return hs_limiter_shared;
}

/* The limiter key of a token. */
uint64
hs_ratelimit_key(const char *token)
{
	uint64		key = hash_bytes_extended((const unsigned char *) token,
										  strlen(token), 0x4855425350ULL);

	return key ? key : 1;
}

/* The per-backend limiter, created on first use when not shared. */
static HsLimiterState *
hs_limiter_state(void)
{
	if (hs_limiter == NULL)
		hs_limiter = MemoryContextAllocZero(TopMemoryContext, sizeof(HsLimiterState));
	return hs_limiter;
}

/* The slot of "key", claiming the least recently used one if needed. */
static HsLimiterSlot *
hs_limiter_slot(HsLimiterState *st, uint64 key, TimestampTz now)
{
	HsLimiterSlot *victim = &st->slots[0];
	int			i;

	for (i = 0; i < HS_RL_SLOTS; i++)
	{
		if (st->slots[i].key == key)
		{
			st->slots[i].last_used = now;
			return &st->slots[i];
		}
		if (st->slots[i].last_used < victim->last_used)
			victim = &st->slots[i];
	}
	memset(victim, 0, sizeof(HsLimiterSlot));
	victim->key = key;
	victim->last_used = now;
	return victim;
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
 * Wait until a request for "key" may be sent under "limit" requests per
 * "window_ms", and count it as sent. Returns the milliseconds waited.
 */
double
hs_ratelimit_acquire(uint64 key, int limit, int window_ms)
{
	HsLimiterState *st = hs_limiter_state();
	TimestampTz start = GetCurrentTimestamp();

	if (limit <= 0)
		return 0;
	limit = Min(limit, HS_RATE_LIMIT_MAX);
	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		TimestampTz window_start = TimestampTzPlusMilliseconds(now, -(window_ms + HS_RL_MARGIN_MS));
		HsLimiterSlot *slot;
		long		wait_ms = 0;

		if (st->lock)
			LWLockAcquire(st->lock, LW_EXCLUSIVE);
		slot = hs_limiter_slot(st, key, now);
		while (slot->count > 0 && slot->sent[slot->head] <= window_start)
		{
			slot->head = (slot->head + 1) % HS_RATE_LIMIT_MAX;
			slot->count--;
		}
		if (now < slot->blocked_until)
			wait_ms = TimestampDifferenceMilliseconds(now, slot->blocked_until);
		else if (slot->count >= limit)
		{
			/* the oldest of the last "limit" sends must leave the window */
			int			idx = (slot->head + slot->count - limit) % HS_RATE_LIMIT_MAX;

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
		if (st->lock)
			LWLockRelease(st->lock);
		if (wait_ms <= 0)
			break;
		hs_sleep_ms(Min(wait_ms, 100L));
	}
	return (double) TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());
}

/* Hold every request of "key" for "ms" milliseconds (after a 429). */
void
hs_ratelimit_block(uint64 key, long ms)
{
	HsLimiterState *st = hs_limiter_state();
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz until = TimestampTzPlusMilliseconds(now, ms);
	HsLimiterSlot *slot;

	if (st->lock)
		LWLockAcquire(st->lock, LW_EXCLUSIVE);
	slot = hs_limiter_slot(st, key, now);
	if (slot->blocked_until < until)
		slot->blocked_until = until;
	if (st->lock)
		LWLockRelease(st->lock);
}
