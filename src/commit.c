/*
 * commit.c
 *		Writes deferred to commit (send_at 'commit').
 *
 * UPDATEs of tables with send_at 'commit' are not sent when the statement
 * ends but kept for the transaction, tagged with the subtransaction that
 * made them. At XACT_EVENT_PRE_COMMIT the writes of each object type are
 * merged per record (a later value of a property wins) and sent as
 * batch/update; a failure there aborts the commit. ROLLBACK, and rolling
 * back to a savepoint, drop the writes made since. PREPARE TRANSACTION is
 * refused while writes are pending: HubSpot could not take part in 2PC.
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "access/xact.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

/* One deferred write of one record. */
typedef struct HsPendingWrite
{
	int			level;			/* subtransaction nesting level */
	HsWriteInput input;
} HsPendingWrite;

/* The deferred writes to one object type through one user mapping. */
typedef struct HsPendingTarget
{
	HsConnection *conn;
	HsTableOptions opts;
	char	   *type_path;
	List	   *writes;			/* HsPendingWrite *, in order */
} HsPendingTarget;

static List *hs_pending = NIL;	/* HsPendingTarget *, in TopTransactionContext */
static bool hs_callbacks_registered = false;

/* Copy a string array into the current memory context. */
static char **
hs_copy_strings(char **src, int n)
{
	char	  **dst = palloc(sizeof(char *) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		dst[i] = src[i] ? pstrdup(src[i]) : NULL;
	return dst;
}

/* Does any target still hold a write? */
static bool
hs_have_pending(void)
{
	ListCell   *lc;

	foreach(lc, hs_pending)
		if (((HsPendingTarget *) lfirst(lc))->writes != NIL)
			return true;
	return false;
}

/*
 * Merge one target's writes per record, in first-seen order. A record is
 * its id, or its id_property value when it was written by one.
 */
static HsWriteInput *
hs_merge_writes(HsPendingTarget *t, int *ninputs)
{
	HTAB	   *byid;
	HASHCTL		ctl;
	HsWriteInput *inputs = palloc0(sizeof(HsWriteInput) * list_length(t->writes));
	ListCell   *lc;
	int			n = 0;
	typedef struct
	{
		char		id[NAMEDATALEN * 4];
		int			index;
	}			IdEntry;

	ctl.keysize = sizeof(((IdEntry *) 0)->id);
	ctl.entrysize = sizeof(IdEntry);
	ctl.hcxt = CurrentMemoryContext;
	byid = hash_create("hubspot_fdw pending ids", 256, &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	foreach(lc, t->writes)
	{
		HsPendingWrite *pw = lfirst(lc);
		char		key[NAMEDATALEN * 4] = {0};
		IdEntry    *e;
		bool		found;
		HsWriteInput *in;
		int			i;

		if (snprintf(key, sizeof(key), "%s/%s",
					 pw->input.id_property ? pw->input.id_property : "",
					 pw->input.id) >= (int) sizeof(key))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("HubSpot record id is too long: \"%.40s...\"", pw->input.id)));
		e = hash_search(byid, key, HASH_ENTER, &found);
		if (!found)
		{
			e->index = n++;
			inputs[e->index].id = pw->input.id;
			inputs[e->index].id_property = pw->input.id_property;
			inputs[e->index].trace_id = psprintf("%d", e->index + 1);
			inputs[e->index].names = palloc(sizeof(char *) * pw->input.nprops);
			inputs[e->index].values = palloc(sizeof(char *) * pw->input.nprops);
		}
		in = &inputs[e->index];
		for (i = 0; i < pw->input.nprops; i++)
		{
			int			j;

			for (j = 0; j < in->nprops; j++)
				if (strcmp(in->names[j], pw->input.names[i]) == 0)
					break;
			if (j == in->nprops)
			{
				in->names = repalloc(in->names, sizeof(char *) * (in->nprops + 1));
				in->values = repalloc(in->values, sizeof(char *) * (in->nprops + 1));
				in->names[j] = pw->input.names[i];
				in->nprops++;
			}
			in->values[j] = pw->input.values[i];
		}
	}
	hash_destroy(byid);
	*ninputs = n;
	return inputs;
}

/* Send everything pending, merged, in batches; raise on any failure. */
static void
hs_flush_pending(void)
{
	ListCell   *lc;

	foreach(lc, hs_pending)
	{
		HsPendingTarget *t = lfirst(lc);
		HsWriter	w;
		HsWriteInput *inputs;
		int			ninputs;
		int			start;

		if (t->writes == NIL)
			continue;
		memset(&w, 0, sizeof(w));
		w.conn = t->conn;
		w.opts = t->opts;
		w.type_path = t->type_path;
		w.what = "the writes sent at COMMIT";
		inputs = hs_merge_writes(t, &ninputs);
		for (start = 0; start < ninputs; start += t->opts.batch_size)
			hs_batch_update(&w, inputs + start,
							Min(t->opts.batch_size, ninputs - start), false);
		t->writes = NIL;
	}
}

/* Transaction callback: send at pre-commit, refuse PREPARE, forget at end. */
static void
hs_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			hs_flush_pending();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (hs_have_pending())
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has HubSpot writes pending"),
						 errdetail("Tables with send_at 'commit' send their writes at COMMIT; HubSpot cannot take part in a two-phase commit.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			hs_pending = NIL;	/* its memory goes with TopTransactionContext */
			break;
	}
}

/* Subtransaction callback: drop the writes of a rolled-back savepoint. */
static void
hs_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	foreach(lc, hs_pending)
	{
		HsPendingTarget *t = lfirst(lc);
		ListCell   *wc;

		foreach(wc, t->writes)
		{
			HsPendingWrite *pw = lfirst(wc);

			if (pw->level < level)
				continue;
			if (event == SUBXACT_EVENT_ABORT_SUB)
				t->writes = foreach_delete_current(t->writes, wc);
			else
				pw->level = level - 1;	/* now the parent's */
		}
	}
}

/*
 * Keep one record's write until commit. "input" is copied; the target is
 * identified by user mapping, API URL and object type.
 */
void
hs_defer_update(HsConnection *conn, const HsTableOptions *opts,
				const char *type_path, const HsWriteInput *input)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	HsPendingTarget *target = NULL;
	HsPendingWrite *pw;
	ListCell   *lc;

	if (!hs_callbacks_registered)
	{
		RegisterXactCallback(hs_xact_callback, NULL);
		RegisterSubXactCallback(hs_subxact_callback, NULL);
		hs_callbacks_registered = true;
	}

	foreach(lc, hs_pending)
	{
		HsPendingTarget *t = lfirst(lc);

		if (t->conn == conn && strcmp(t->type_path, type_path) == 0 &&
			strcmp(t->opts.api_url, opts->api_url) == 0)
		{
			target = t;
			break;
		}
	}
	if (target == NULL)
	{
		target = palloc0(sizeof(HsPendingTarget));
		target->conn = conn;
		target->opts = *opts;
		target->opts.api_url = pstrdup(opts->api_url);
		target->opts.object_type = pstrdup(opts->object_type);
		target->opts.ca_file = opts->ca_file ? pstrdup(opts->ca_file) : NULL;
		target->opts.ca_path = opts->ca_path ? pstrdup(opts->ca_path) : NULL;
		target->type_path = pstrdup(type_path);
		hs_pending = lappend(hs_pending, target);
	}

	pw = palloc0(sizeof(HsPendingWrite));
	pw->level = GetCurrentTransactionNestLevel();
	pw->input.id = pstrdup(input->id);
	pw->input.id_property = input->id_property ? pstrdup(input->id_property) : NULL;
	pw->input.nprops = input->nprops;
	pw->input.names = hs_copy_strings(input->names, input->nprops);
	pw->input.values = hs_copy_strings(input->values, input->nprops);
	target->writes = lappend(target->writes, pw);
	MemoryContextSwitchTo(old);
}
