/*
 * hubspot_fdw.c
 *		Module entry point and the FDW handler of hubspot_fdw, a writable
 *		foreign data wrapper for HubSpot CRM objects.
 *
 * The work is done in src/: option.c (options), connection.c (per user
 * mapping state), http.c (libcurl), json.c (json-c), convert.c and
 * hsvalue.c (values), scan.c (reading), modify.c (UPDATE), import.c
 * (IMPORT FOREIGN SCHEMA), associations.c (the association functions) and
 * errors.c (error reporting).
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Report writes that were in flight when their (sub)transaction aborted. */
static void
hs_warn_abandoned(int writes)
{
	if (writes > 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%d HubSpot write request(s) were in flight when the statement failed", writes),
				 errdetail("HubSpot may have applied them; HubSpot has no transactions.")));
}

/* Transaction end: no transfer may outlive the memory of its request. */
static void
hs_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		hs_warn_abandoned(hs_http_abort_subxact(InvalidSubTransactionId));
	else if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
			 event == XACT_EVENT_PREPARE)
		(void) hs_http_abort_subxact(InvalidSubTransactionId);
}

/* Subtransaction abort: drop the transfers it started. */
static void
hs_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		hs_warn_abandoned(hs_http_abort_subxact(mySubid));
}

/* Module load: settings, and the shared rate limiter when preloaded. */
void
_PG_init(void)
{
	DefineCustomIntVariable("hubspot_fdw.max_response_size",
							"Largest HubSpot answer accepted.",
							"Larger answers are refused with an error instead of being buffered.",
							&hs_max_response_kb,
							64 * 1024, 64, 1024 * 1024,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("hubspot_fdw");

	if (process_shared_preload_libraries_in_progress)
		hs_ratelimit_install_hooks();

	RegisterXactCallback(hs_xact_callback, NULL);
	RegisterSubXactCallback(hs_subxact_callback, NULL);
}

PG_FUNCTION_INFO_V1(hubspot_fdw_handler);

/* The FDW routine table. */
Datum
hubspot_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = hsGetForeignRelSize;
	routine->GetForeignPaths = hsGetForeignPaths;
	routine->GetForeignPlan = hsGetForeignPlan;
	routine->BeginForeignScan = hsBeginForeignScan;
	routine->IterateForeignScan = hsIterateForeignScan;
	routine->ReScanForeignScan = hsReScanForeignScan;
	routine->EndForeignScan = hsEndForeignScan;
	routine->ExplainForeignScan = hsExplainForeignScan;

	routine->AddForeignUpdateTargets = hsAddForeignUpdateTargets;
	routine->PlanForeignModify = hsPlanForeignModify;
	routine->BeginForeignModify = hsBeginForeignModify;
	routine->ExecForeignUpdate = hsExecForeignUpdate;
	routine->EndForeignModify = hsEndForeignModify;
	routine->IsForeignRelUpdatable = hsIsForeignRelUpdatable;
	routine->ExplainForeignModify = hsExplainForeignModify;

	routine->PlanDirectModify = hsPlanDirectModify;
	routine->BeginDirectModify = hsBeginDirectModify;
	routine->IterateDirectModify = hsIterateDirectModify;
	routine->EndDirectModify = hsEndDirectModify;
	routine->ExplainDirectModify = hsExplainDirectModify;

	routine->ImportForeignSchema = hsImportForeignSchema;

	PG_RETURN_POINTER(routine);
}
