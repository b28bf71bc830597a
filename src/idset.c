/*
 * idset.c
 *		A set of strings in a memory context of its own (see idset.h).
 *
 * An open-addressing hash table (PostgreSQL's simplehash.h) of string
 * keys, each a copy the set owns, with a count and an ordinal. Keys are
 * hashed by their bytes and compared with strcmp(), so a hash collision
 * never makes two strings one. Removing a key's last occurrence frees its
 * copy, so a set that keys come and go through (ids in flight) keeps its
 * size; resetting the set frees every key at once.
 */
#include "postgres.h"

#include "idset.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

/* One key of a set. */
typedef struct HsIdEntry
{
	const char *key;			/* the set's copy, in keys_cxt */
	uint32		hash;
	char		status;			/* simplehash's */
	int			count;			/* times added less times removed */
	int			ordinal;		/* distinct keys added before it */
} HsIdEntry;

#define SH_PREFIX		hs_idtab
#define SH_ELEMENT_TYPE HsIdEntry
#define SH_KEY_TYPE		const char *
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k), strlen(k))
#define SH_EQUAL(tb, a, b) (strcmp((a), (b)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, e) ((e)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct HsIdSet
{
	MemoryContext cxt;			/* the set, its table and keys_cxt */
	MemoryContext keys_cxt;		/* the keys' copies */
	hs_idtab_hash *tab;
	int			nadded;			/* distinct keys added since the last reset */
	StringInfoData scratch;		/* the key hs_idset_key() composed last */
};

/* A new, empty set in a context of its own under "parent". */
HsIdSet *
hs_idset_create(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "hubspot_fdw id set",
											  ALLOCSET_SMALL_SIZES);
	HsIdSet    *set = MemoryContextAllocZero(cxt, sizeof(HsIdSet));

	set->cxt = cxt;
	set->keys_cxt = AllocSetContextCreate(cxt, "hubspot_fdw id set keys",
										  ALLOCSET_SMALL_SIZES);
	set->tab = hs_idtab_create(cxt, 16, NULL);
	return set;
}

/*
 * Add one occurrence of "key" (copied). Returns true if the set did not
 * hold it.
 */
bool
hs_idset_add(HsIdSet *set, const char *key)
{
	bool		found;
	HsIdEntry  *e = hs_idtab_insert(set->tab, key, &found);

	if (found)
	{
		e->count++;
		return false;
	}
	e->key = MemoryContextStrdup(set->keys_cxt, key);
	e->count = 1;
	e->ordinal = set->nadded++;
	return true;
}

/* Does the set hold "key"? */
bool
hs_idset_contains(HsIdSet *set, const char *key)
{
	return hs_idtab_lookup(set->tab, key) != NULL;
}

/*
 * Remove one occurrence of "key"; the key leaves the set with its last
 * one. A key the set does not hold is ignored.
 */
void
hs_idset_remove(HsIdSet *set, const char *key)
{
	HsIdEntry  *e = hs_idtab_lookup(set->tab, key);
	char	   *copy;

	if (e == NULL || --e->count > 0)
		return;
	copy = (char *) e->key;
	hs_idtab_delete_item(set->tab, e);
	pfree(copy);
}

/*
 * The ordinal of "key": how many distinct keys had been added (since the
 * last reset) when it was first added, so keys never removed are numbered
 * 0, 1, 2... in the order they came. -1 if the set does not hold it.
 */
int
hs_idset_ordinal(HsIdSet *set, const char *key)
{
	HsIdEntry  *e = hs_idtab_lookup(set->tab, key);

	return e ? e->ordinal : -1;
}

/* Empty the set, freeing its keys; the table keeps its size. */
void
hs_idset_reset(HsIdSet *set)
{
	hs_idtab_reset(set->tab);
	MemoryContextReset(set->keys_cxt);
	set->nadded = 0;
}

/* Free the set and everything in it. */
void
hs_idset_free(HsIdSet *set)
{
	MemoryContextDelete(set->cxt);
}

/*
 * One key made of "nparts" strings (none NULL), for a set whose keys all
 * have that many parts: a pair of ids, say. Each part but the last is
 * written with its length first ("3:abc"), so no two lists of parts make
 * the same key, whatever characters they hold. The key lives in the set
 * and is valid until the next call for the same set.
 */
const char *
hs_idset_key(HsIdSet *set, int nparts,...)
{
	va_list		args;
	int			i;

	if (set->scratch.data == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(set->cxt);

		initStringInfo(&set->scratch);
		MemoryContextSwitchTo(old);
	}
	resetStringInfo(&set->scratch);
	va_start(args, nparts);
	for (i = 0; i < nparts; i++)
	{
		const char *part = va_arg(args, const char *);

		Assert(part != NULL);
		if (i < nparts - 1)
			appendStringInfo(&set->scratch, "%zu:", strlen(part));
		appendStringInfoString(&set->scratch, part);
	}
	va_end(args);
	return set->scratch.data;
}
