/*
 * idset.h
 *		A set of strings (record ids, paging cursors, pairs of ids) with a
 *		memory context of its own. Each string is counted, so the set also
 *		serves as a multiset: the ids of the batches in flight, where one id
 *		may be in two batches at once.
 *
 * A base file: it knows PostgreSQL's memory contexts and hashing and none
 * of the layers, so every layer can use it. Strings are compared in full:
 * two that hash alike stay two.
 */
#ifndef IDSET_H
#define IDSET_H

#include "postgres.h"

typedef struct HsIdSet HsIdSet;

extern HsIdSet *hs_idset_create(MemoryContext parent);
extern bool hs_idset_add(HsIdSet *set, const char *key);
extern bool hs_idset_contains(HsIdSet *set, const char *key);
extern void hs_idset_remove(HsIdSet *set, const char *key);
extern int	hs_idset_ordinal(HsIdSet *set, const char *key);
extern void hs_idset_reset(HsIdSet *set);
extern void hs_idset_free(HsIdSet *set);
extern const char *hs_idset_key(HsIdSet *set, int nparts,...);

#endif							/* IDSET_H */
