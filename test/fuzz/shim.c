/*
 * shim.c
 *		The few backend facilities src/json.c needs, for building it outside
 *		the server (fuzzing): an arena behind palloc, memory-context reset
 *		callbacks, lappend, and an ereport that aborts.
 *
 * hs_shim_reset() plays the part of resetting the memory context after each
 * input: it runs the registered reset callbacks (which free json-c trees)
 * and frees every allocation, so LeakSanitizer sees real leaks only.
 */
#include "postgres.h"

#include <stdlib.h>

#include "nodes/pg_list.h"
#include "utils/memutils.h"

#include "shim.h"

typedef struct ShimChunk
{
	struct ShimChunk *prev;
	struct ShimChunk *next;
	size_t		size;
	max_align_t align[];
} ShimChunk;

static ShimChunk *shim_chunks = NULL;
static MemoryContextCallback *shim_callbacks = NULL;

MemoryContext CurrentMemoryContext = NULL;

/* Allocate "size" bytes in the arena. */
static void *
shim_alloc(size_t size, bool zero)
{
	ShimChunk  *c = malloc(sizeof(ShimChunk) + size);

	if (c == NULL)
		abort();
	if (zero)
		memset(c->align, 0, size);
	c->size = size;
	c->prev = NULL;
	c->next = shim_chunks;
	if (shim_chunks)
		shim_chunks->prev = c;
	shim_chunks = c;
	return c->align;
}

/* Unlink and free one chunk. */
static void
shim_free(void *p)
{
	ShimChunk  *c = (ShimChunk *) ((char *) p - offsetof(ShimChunk, align));

	if (c->prev)
		c->prev->next = c->next;
	else
		shim_chunks = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

void *
palloc(Size size)
{
	return shim_alloc(size, false);
}

void *
palloc0(Size size)
{
	return shim_alloc(size, true);
}

void *
palloc_extended(Size size, int flags)
{
	return shim_alloc(size, (flags & MCXT_ALLOC_ZERO) != 0);
}

void
pfree(void *pointer)
{
	shim_free(pointer);
}

void *
repalloc(void *pointer, Size size)
{
	ShimChunk  *old = (ShimChunk *) ((char *) pointer - offsetof(ShimChunk, align));
	void	   *p = shim_alloc(size, false);

	memcpy(p, pointer, Min(old->size, size));
	shim_free(pointer);
	return p;
}

char *
pstrdup(const char *in)
{
	return pnstrdup(in, strlen(in));
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

void
MemoryContextRegisterResetCallback(MemoryContext context, MemoryContextCallback *cb)
{
	cb->next = shim_callbacks;
	shim_callbacks = cb;
}

/* End of one input: run the reset callbacks, then free the arena. */
void
hs_shim_reset(void)
{
	while (shim_callbacks)
	{
		MemoryContextCallback *cb = shim_callbacks;

		shim_callbacks = cb->next;
		cb->func(cb->arg);
	}
	while (shim_chunks)
		shim_free(shim_chunks->align);
}

List *
lappend(List *list, void *datum)
{
	if (list == NIL)
	{
		list = palloc(offsetof(List, initial_elements) + 4 * sizeof(ListCell));
		list->type = T_List;
		list->length = 0;
		list->max_length = 4;
		list->elements = list->initial_elements;
	}
	else if (list->length == list->max_length)
	{
		ListCell   *cells = palloc(sizeof(ListCell) * list->max_length * 2);

		memcpy(cells, list->elements, sizeof(ListCell) * list->length);
		list->elements = cells;
		list->max_length *= 2;
	}
	list->elements[list->length++].ptr_value = datum;
	return list;
}

/* ereport: json.c raises only when out of memory, which cannot be fuzzed. */
bool
errstart(int elevel, const char *domain)
{
	return elevel >= ERROR;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

int
errmsg_internal(const char *fmt,...)
{
	return 0;
}

int
errmsg(const char *fmt,...)
{
	return 0;
}

int
errcode(int sqlerrcode)
{
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	abort();
}
