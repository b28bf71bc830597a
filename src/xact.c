/*
 * xact.c
 *		The module's one pair of transaction callbacks, registered at load,
 *		and the order in which they call each layer's hook.
 *
 * Subtransactions are identified by SubTransactionId everywhere (commit.c,
 * batch.c, http.c): ids grow within a transaction, so while subtransaction
 * S is open every id at least S's belongs to S or to a subtransaction
 * inside it, and "S or later" is what ends with S.
 *
 * The order, and why:
 *	PRE_COMMIT	commit.c sends the writes kept for COMMIT. Nothing is dropped
 *				at this point, so the sending has the whole transport; a
 *				failure raises and turns the commit into an abort.
 *	PRE_PREPARE	commit.c refuses to prepare while writes are pending.
 *	COMMIT,		commit.c forgets its (sent) writes; batch.c forgets the
 *	PREPARE		batches whose answers were not checked, and only then
 *				http.c drops the transfers, which point into the memory of
 *				requests about to be freed. No warning: the statements
 *				that sent them ended without error. Last, connection.c
 *				wipes the credentials replaced during the transaction.
 *	ABORT		commit.c forgets its writes, which were never sent, so
 *				they count for nothing in the warning; batch.c counts the
 *				batches whose answers were never checked before http.c
 *				drops their transfers; the warning comes last, when no
 *				transfer points into freed memory any more; then, as at
 *				COMMIT, connection.c wipes replaced credentials.
 *	COMMIT_SUB	commit.c gives the subtransaction's writes to its parent;
 *				batch.c and http.c keep the child's id, which a later
 *				abort of the parent still covers.
 *	ABORT_SUB	as at ABORT, for the subtransaction and those inside it:
 *				commit.c drops their writes (nothing of them is sent),
 *				batch.c counts, http.c drops, then the warning.
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "access/xact.h"

/*
 * Forget the batches and drop the transfers of subtransaction "subid" or
 * later ones (all for InvalidSubTransactionId), which is aborting, and
 * report the batch writes whose answers were never checked: in flight, or
 * answered but not yet read. Every write that outlives its call is such a
 * batch (batch.c).
 */
static void
hs_abort_writes(SubTransactionId subid)
{
	int			writes = hs_batch_abort_subxact(subid);

	hs_http_abort_subxact(subid);
	if (writes > 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg_plural("%d HubSpot write request was in flight when the statement failed",
							   "%d HubSpot write requests were in flight when the statement failed",
							   writes, writes),
				 errdetail_plural("HubSpot may have applied it; HubSpot has no transactions.",
								  "HubSpot may have applied them; HubSpot has no transactions.",
								  writes)));
}

/* Transaction callback: each layer's hook, in the order written above. */
static void
hs_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			hs_commit_pre_commit();
			break;
		case XACT_EVENT_PRE_PREPARE:
			hs_commit_pre_prepare();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			hs_commit_at_end();
			(void) hs_batch_abort_subxact(InvalidSubTransactionId);
			hs_http_abort_subxact(InvalidSubTransactionId);
			hs_connection_end_xact();
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			hs_commit_at_end();
			hs_abort_writes(InvalidSubTransactionId);
			hs_connection_end_xact();
			break;
	}
}

/* Subtransaction callback: each layer's hook, in the order written above. */
static void
hs_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_COMMIT_SUB)
		hs_commit_subxact_end(true, mySubid, parentSubid);
	else if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		hs_commit_subxact_end(false, mySubid, parentSubid);
		hs_abort_writes(mySubid);
	}
}

/* Register the transaction callbacks; called once, from _PG_init. */
void
hs_xact_register_callbacks(void)
{
	RegisterXactCallback(hs_xact_callback, NULL);
	RegisterSubXactCallback(hs_subxact_callback, NULL);
}
