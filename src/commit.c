/*
 * commit.c
 *		Writes deferred to commit (send_at 'commit').
 *
 * UPDATEs of tables with send_at 'commit', and associations made through
 * such servers, are not sent when the statement ends but kept for the
 * transaction, tagged with the subtransaction that made them. At
 * XACT_EVENT_PRE_COMMIT the writes of each object type are merged per
 * record (a later value of a property wins) and sent as batch/update, and
 * the associations of each pair of types, without repeats, as
 * associations batch/create; a failure there aborts the commit. ROLLBACK,
 * and rolling back to a savepoint, drop the writes made since. PREPARE
 * TRANSACTION is refused while writes are pending: HubSpot could not take
 * part in 2PC. The hooks hs_commit_* are called by xact.c, from the
 * module's one pair of transaction callbacks.
 */
#include "postgres.h"

#include "write.h"

#include "access/xact.h"
#include "utils/memutils.h"

/* One deferred write: a record's properties, or one association. */
typedef struct HsPendingWrite
{
	SubTransactionId subid;		/* the subtransaction that made it */
	HsWriteInput input;			/* UPDATE targets */
	HsAssocInput assoc;			/* association targets */
} HsPendingWrite;

/*
 * The deferred writes through one user mapping to one object type
 * (type_path set) or of one pair of object types (from_type/to_type set).
 */
typedef struct HsPendingTarget
{
	HsConnection *conn;
	HsTableOptions opts;
	char	   *type_path;
	char	   *from_type;
	char	   *to_type;
	List	   *writes;			/* HsPendingWrite *, in order */
} HsPendingTarget;

static List *hs_pending = NIL;	/* HsPendingTarget *, in TopTransactionContext */

/* Does "a" equal "b", both possibly NULL? */
static bool
hs_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

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
 * Merge a run of writes per record, in first-seen order. A record is its
 * id, or its id_property value when it was written by one (a run names
 * all its records one way).
 */
static HsWriteInput *
hs_merge_writes(List *writes, int *ninputs)
{
	HsIdSet    *byid = hs_idset_create(CurrentMemoryContext);
	HsWriteInput *inputs = palloc0(sizeof(HsWriteInput) * list_length(writes));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, writes)
	{
		HsPendingWrite *pw = lfirst(lc);
		HsWriteInput *in;
		int			i;

		/* a record's input is the one its id was first seen with */
		if (!hs_idset_add(byid, pw->input.id))
			in = &inputs[hs_idset_ordinal(byid, pw->input.id)];
		else
		{
			in = &inputs[n++];
			in->id = pw->input.id;
			in->id_property = pw->input.id_property;
			in->trace_id = psprintf("%d", n);
			in->names = palloc(sizeof(char *) * pw->input.nprops);
			in->values = palloc(sizeof(char *) * pw->input.nprops);
		}
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
	hs_idset_free(byid);
	*ninputs = n;
	return inputs;
}

/* One target's associations without repeats, in first-seen order. */
static int
hs_distinct_associations(HsPendingTarget *t, HsAssocInput **out)
{
	HsAssocInput *assocs = palloc(sizeof(HsAssocInput) * list_length(t->writes));
	HsIdSet    *seen = hs_idset_create(CurrentMemoryContext);
	ListCell   *lc;
	int			n = 0;

	foreach(lc, t->writes)
	{
		HsAssocInput *a = &((HsPendingWrite *) lfirst(lc))->assoc;

		if (hs_idset_add(seen, hs_idset_key(seen, 3, a->from_id, a->to_id, a->type)))
			assocs[n++] = *a;
	}
	hs_idset_free(seen);
	*out = assocs;
	return n;
}

/*
 * Send a run of writes that name their records the same way, merged per
 * record, and wait for every answer. Merged, no record appears twice, so
 * all the run's batches may be in flight at once.
 */
static void
hs_send_run(HsWriter *w, List *run)
{
	int			ninputs;
	HsWriteInput *inputs = hs_merge_writes(run, &ninputs);
	int			start;

	for (start = 0; start < ninputs; start += w->opts.batch_size)
		hs_batch_submit(w, AllocSetContextCreate(CurrentMemoryContext,
												 "hubspot_fdw batch",
												 ALLOCSET_SMALL_SIZES),
						inputs + start,
						Min(w->opts.batch_size, ninputs - start), false);
	hs_batch_drain(w);
}

/*
 * PRE_COMMIT (xact.c): send everything pending, merged, in batches; raise
 * on any failure, which aborts the commit. Writes by id and writes by an
 * id_property value (from two tables of one object type) may name the same
 * record without our knowing it: they are never merged with each other,
 * and each run of writes named one way is answered before the next run is
 * sent, so the transaction's order holds.
 */
void
hs_commit_pre_commit(void)
{
	ListCell   *lc;

	foreach(lc, hs_pending)
	{
		HsPendingTarget *t = lfirst(lc);
		HsWriter	w;
		List	   *run = NIL;
		const char *run_key = NULL;
		ListCell   *wlc;

		if (t->writes == NIL)
			continue;
		if (t->type_path == NULL)
		{
			HsAssocInput *assocs;
			int			n = hs_distinct_associations(t, &assocs);

			hs_assoc_send_deferred(t->conn, &t->opts, t->from_type, t->to_type,
								   assocs, n);
			t->writes = NIL;
			continue;
		}
		memset(&w, 0, sizeof(w));
		w.conn = t->conn;
		w.opts = t->opts;
		w.type_path = t->type_path;
		w.what = "the writes sent at COMMIT";
		w.kind = &hs_batch_update;
		w.cxt = CurrentMemoryContext;
		foreach(wlc, t->writes)
		{
			HsPendingWrite *pw = lfirst(wlc);

			if (run != NIL && !hs_same(run_key, pw->input.id_property))
			{
				hs_send_run(&w, run);
				run = NIL;
			}
			run_key = pw->input.id_property;
			run = lappend(run, pw);
		}
		hs_send_run(&w, run);
		t->writes = NIL;
	}
}

/*
 * PRE_PREPARE (xact.c): refuse to prepare a transaction with writes
 * pending.
 */
void
hs_commit_pre_prepare(void)
{
	if (hs_have_pending())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot PREPARE a transaction that has HubSpot writes pending"),
				 errdetail("Tables with send_at 'commit' send their writes at COMMIT; HubSpot cannot take part in a two-phase commit.")));
}

/*
 * End of the transaction, committed, prepared or aborted (xact.c): forget
 * the pending writes. Their memory goes with TopTransactionContext.
 */
void
hs_commit_at_end(void)
{
	hs_pending = NIL;
}

/*
 * End of subtransaction "subid" (xact.c): its writes, and those of the
 * subtransactions it contains (later ids), are dropped if it aborts, or
 * become its parent's ("parent") if it commits.
 */
void
hs_commit_subxact_end(bool commit, SubTransactionId subid,
					  SubTransactionId parent)
{
	ListCell   *lc;

	foreach(lc, hs_pending)
	{
		HsPendingTarget *t = lfirst(lc);
		ListCell   *wc;

		foreach(wc, t->writes)
		{
			HsPendingWrite *pw = lfirst(wc);

			if (pw->subid < subid)
				continue;
			if (commit)
				pw->subid = parent;
			else
				t->writes = foreach_delete_current(t->writes, wc);
		}
	}
}

/*
 * The pending target for these keys, created if new (in the current
 * memory context, which is TopTransactionContext).
 */
static HsPendingTarget *
hs_pending_target(HsConnection *conn, const HsTableOptions *opts,
				  const char *type_path, const char *from_type, const char *to_type)
{
	HsPendingTarget *target;
	ListCell   *lc;

	foreach(lc, hs_pending)
	{
		HsPendingTarget *t = lfirst(lc);

		if (t->conn == conn && strcmp(t->opts.api_url, opts->api_url) == 0 &&
			hs_same(t->type_path, type_path) && hs_same(t->from_type, from_type) &&
			hs_same(t->to_type, to_type))
			return t;
	}
	target = palloc0(sizeof(HsPendingTarget));
	target->conn = conn;
	hs_copy_table_options(&target->opts, opts);
	target->type_path = type_path ? pstrdup(type_path) : NULL;
	target->from_type = from_type ? pstrdup(from_type) : NULL;
	target->to_type = to_type ? pstrdup(to_type) : NULL;
	hs_pending = lappend(hs_pending, target);
	return target;
}

/* A new pending write of the current subtransaction, appended to "t". */
static HsPendingWrite *
hs_pending_write(HsPendingTarget *t)
{
	HsPendingWrite *pw = palloc0(sizeof(HsPendingWrite));

	pw->subid = GetCurrentSubTransactionId();
	t->writes = lappend(t->writes, pw);
	return pw;
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
	HsPendingWrite *pw;

	pw = hs_pending_write(hs_pending_target(conn, opts, type_path, NULL, NULL));
	pw->input = *input;
	pw->input.id = pstrdup(input->id);
	pw->input.trace_id = NULL;
	pw->input.id_property = input->id_property ? pstrdup(input->id_property) : NULL;
	pw->input.names = hs_copy_strings(input->names, input->nprops);
	pw->input.values = hs_copy_strings(input->values, input->nprops);
	MemoryContextSwitchTo(old);
}

/* Keep one association (UTF-8 ids) until commit. "input" is copied. */
void
hs_defer_association(HsConnection *conn, const HsTableOptions *opts,
					 const char *from_type, const char *to_type,
					 const HsAssocInput *input)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	HsPendingWrite *pw;

	pw = hs_pending_write(hs_pending_target(conn, opts, NULL, from_type, to_type));
	pw->assoc.from_id = pstrdup(input->from_id);
	pw->assoc.to_id = pstrdup(input->to_id);
	pw->assoc.type = pstrdup(input->type);
	pw->assoc.category = input->category;	/* lives for the session */
	pw->assoc.type_id = input->type_id;
	MemoryContextSwitchTo(old);
}
