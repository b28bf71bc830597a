/*
 * write.h
 *		The write side: the shared write helpers and the one single-record
 *		write (write.c), the batch pipeline (batch.c), UPDATE (update.c),
 *		INSERT (insert.c), DELETE (delete.c), the writes kept until COMMIT
 *		(commit.c), association batches (assoc_batch.c) and the association
 *		SQL functions (associations.c).
 *
 * Above the read side: UPDATE and DELETE find their rows with its scans.
 * See doc/ARCHITECTURE.md.
 */
#ifndef WRITE_H
#define WRITE_H

#include "read.h"

/* ---------- batch.c ---------- */

/*
 * One kind of batch write (POST {type}/batch/{name}): how its body is
 * written and how HubSpot's answer names its inputs. write.c (update),
 * insert.c and delete.c define them; batch.c sends them and checks every
 * input against the answer.
 */
typedef struct HsBatchKind
{
	const char *name;			/* "update", "create", "upsert", "archive" */
	char	   *(*body) (const HsWriteInput *inputs, int ninputs);
	/* the error naming an input; NULL: no answer body, all inputs applied */
	const HsBatchError *(*find_error) (const HsBatchResult *res,
									   const HsWriteInput *in);
	/* the result answering an input (results parsed for key_props first) */
	HsObject   *(*find_result) (const HsBatchResult *res, const HsWriteInput *in,
								int ninputs, char **key_props, int nkeys);
	/* a complete answer of results without trace ids answers every input */
	bool		count_unnamed;
	/* how an input is named in messages; NULL: its id */
	char	   *(*input_name) (const HsWriteInput *in);
} HsBatchKind;

/*
 * What is written to one object type, by an UPDATE, INSERT or DELETE or at
 * commit, and its batch requests in flight.
 */
typedef struct HsWriter
{
	HsConnection *conn;
	HsTableOptions opts;
	const HsBatchKind *kind;	/* its batch requests */
	char	   *type_path;		/* "/crm/v3/objects/{type}" */
	const char *what;			/* for messages; NULL: "this UPDATE" */
	int			ntargets;
	AttrNumber *targets;		/* attnums written */
	char	  **target_props;	/* their HubSpot property names */
	HsConverter *target_convs;
	AttrNumber	id_attnum;		/* the column naming rows, or 0 */
	HsConverter idconv;
	const char *id_property;	/* ids are this property's values, or NULL */
	int			applied;		/* rows HubSpot confirmed so far */
	int			requests;
	int			retries;
	int			batches;

	/* batch requests in flight, oldest first (see hs_batch_submit) */
	MemoryContext cxt;			/* lives as long as the writer */
	int			nsubmitted;
	int			nflights;
	struct HsBatchFlight *flights[HS_MAX_PARALLEL];
	HsIdSet    *busy;			/* ids in flight, counted (idset.h) */

	/* the batch being filled, sent when full (see hs_batch_buffer_init) */
	MemoryContext buf_cxt;		/* its inputs' strings; NULL: no buffer */
	HsWriteInput *buf;
	HsIdSet    *buf_keys;		/* the records it names */
	int			nbuf;
	int			buf_size;
} HsWriter;

/* What HubSpot's answer says of one input of a batch. */
typedef enum HsInputOutcome
{
	HS_INPUT_UNCONFIRMED = 0,	/* neither among the results nor the errors */
	HS_INPUT_APPLIED,			/* among the results */
	HS_INPUT_FAILED,			/* named by an error */
	HS_INPUT_SKIPPED			/* named by an error that does not count */
} HsInputOutcome;

/*
 * A batch answer to check input by input (hs_check_batch_answer): the
 * request, its subject for the message, and how to ask the answer about
 * each input.
 */
typedef struct HsBatchCheck
{
	HsHttpRequest *req;			/* the request, answered */
	int			ninputs;
	const char *operation;		/* objects: "update", ... as in batch/update */
	const char *object_type;	/* the objects', or the associations' "from" */
	const char *to_type;		/* the associations' "to"; NULL: objects */
	int64		before;			/* inputs applied before this batch */
	/* input i's outcome, and a failed one's category and message */
	HsInputOutcome (*outcome) (void *arg, int i, const char **category,
							   const char **message);
	char	   *(*name) (void *arg, int i);	/* how input i is named */
	void	   *arg;			/* the callbacks' */
} HsBatchCheck;

extern int	hs_check_batch_answer(const HsBatchCheck *c);
extern void hs_batch_submit(HsWriter *w, MemoryContext cxt, HsWriteInput *inputs,
							int ninputs, bool missing_ok);
extern void hs_batch_send(HsWriter *w, HsWriteInput *inputs, int ninputs,
						  char **props, int nprops, HsObject **answers);
extern void hs_batch_buffer_init(HsWriter *w, MemoryContext parent, int size);
extern HsWriteInput *hs_batch_next(HsWriter *w, const char *key);
extern void hs_batch_added(HsWriter *w);
extern void hs_batch_flush(HsWriter *w);
extern void hs_batch_finish(HsWriter *w);
extern void hs_batch_drain(HsWriter *w);
extern int	hs_batch_concurrency(const HsWriter *w);
extern int	hs_batch_abort_subxact(SubTransactionId subid);
extern bool hs_id_listed(List *ids, const char *id);
extern const HsBatchError *hs_find_input_error(const HsBatchResult *res,
											   const HsWriteInput *in);
extern HsObject *hs_input_result(const HsBatchResult *res, const HsWriteInput *in,
								 int ninputs, char **key_props, int nkeys);
extern void hs_batch_error_context(void *arg);
extern void hs_explain_writer(HsWriter *w, int concurrency, ExplainState *es);

/* ---------- write.c: shared by update.c, insert.c, delete.c and commit.c ---------- */

/* Name of the junk column carrying the record id from scan to modify. */
#define HS_ROWID_NAME "hubspot_id"

/*
 * The first member of every modify state (ResultRelInfo.ri_FdwState of an
 * UPDATE, INSERT or DELETE: update.c, insert.c, delete.c), so that the
 * callbacks PostgreSQL shares between them can dispatch (hubspot_fdw.c).
 */
typedef struct HsModifyHeader
{
	CmdType		operation;		/* CMD_UPDATE, CMD_INSERT or CMD_DELETE */
	bool		links;			/* a link table's (link_write.c) */
} HsModifyHeader;

/* Is the modify state of "rinfo" a link table's (link_write.c)? */
static inline bool
hs_modify_is_links(const ResultRelInfo *rinfo)
{
	const HsModifyHeader *hdr = (const HsModifyHeader *) rinfo->ri_FdwState;

	return hdr && hdr->links;
}

/* The operation the modify state of "rinfo" serves; CMD_UNKNOWN without one. */
static inline CmdType
hs_modify_operation(const ResultRelInfo *rinfo)
{
	const HsModifyHeader *hdr = (const HsModifyHeader *) rinfo->ri_FdwState;

	return hdr ? hdr->operation : CMD_UNKNOWN;
}

pg_noreturn extern void hs_refuse_operation(CmdType operation, Relation rel,
											 const char *object_type) pg_attribute_noreturn();
extern void hs_check_create_delete(CmdType operation, Relation rel,
								   const HsTableOptions *opts);
extern void hs_resolve_columns(List *columns, List *attnums, AttrNumber **out_attnums,
							   char ***out_props, HsConverter **out_convs);
extern void hs_explain_properties(char **props, int nprops, ExplainState *es);
extern HsColumn *hs_identity_column(Relation rel, List *columns,
									const HsTableOptions *opts, CmdType operation,
									bool use_key);
extern void hs_writer_init(HsWriter *w, Relation rel, CmdType operation, List *targets,
						   Oid userid, bool connect, bool by_key);
extern bool hs_write_one(HsWriter *w, const char *method, const char *id,
						 const char *id_property, const char *body, char **props,
						 int nprops, HsObject *answer);
extern List *hs_returning_list(ModifyTable *plan, int subplan_index);
extern List *hs_returning_attnums(List *returning_list, Index rti, List *columns);

/* The columns RETURNING shows, read back from HubSpot's answer. */
typedef struct HsReturning
{
	int			n;
	AttrNumber *attnums;
	char	  **props;			/* their properties; NULL for the id column */
	HsConverter *convs;
} HsReturning;

extern void hs_returning_init(HsReturning *r, List *columns, List *attnums);
extern void hs_store_answer(TupleTableSlot *slot, Relation rel, const HsReturning *r,
							const HsObject *answer, int first);
extern ForeignScan *hs_direct_modify_scan(ModifyTable *plan, Index rti, int subplan_index,
										  bool ids_ok, int *mode, bool *by_key);

/* The plan of a direct UPDATE or DELETE, as its ForeignScan.fdw_private keeps it. */
typedef struct HsDirectPlan
{
	HsScanMode	mode;			/* HS_SCAN_ID or HS_SCAN_IDS */
	List	   *targets;		/* IntList: attnums set (UPDATE) */
	bool		by_key;			/* ids are id_property values */
	bool		join;			/* UPDATE ... FROM: one input per outer row */
} HsDirectPlan;

extern List *hs_direct_plan_pack(const HsDirectPlan *plan);
extern void hs_direct_plan_unpack(List *fdw_private, HsDirectPlan *out);

/* The kinds of batch write (see HsBatchKind). */
extern const HsBatchKind hs_batch_update;	/* write.c: UPDATE and COMMIT send it */
extern const HsBatchKind hs_batch_create;	/* insert.c */
extern const HsBatchKind hs_batch_upsert;	/* insert.c */
extern const HsBatchKind hs_batch_archive;	/* delete.c */

/* ---------- update.c ---------- */

extern void hsAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
									  RangeTblEntry *target_rte,
									  Relation target_relation);
extern List *hsPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
								 Index resultRelation, int subplan_index);
extern void hsBeginForeignModify(ModifyTableState *mtstate,
								 ResultRelInfo *rinfo, List *fdw_private,
								 int subplan_index, int eflags);
extern TupleTableSlot *hsExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
										   TupleTableSlot *slot,
										   TupleTableSlot *planSlot);
extern void hsEndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern int	hsIsForeignRelUpdatable(Relation rel);
extern void hsExplainForeignModify(ModifyTableState *mtstate,
								   ResultRelInfo *rinfo, List *fdw_private,
								   int subplan_index, ExplainState *es);
extern bool hsPlanDirectModify(PlannerInfo *root, ModifyTable *plan,
							   Index resultRelation, int subplan_index);
extern void hsBeginDirectModify(ForeignScanState *node, int eflags);
extern TupleTableSlot *hsIterateDirectModify(ForeignScanState *node);
extern void hsEndDirectModify(ForeignScanState *node);
extern void hsExplainDirectModify(ForeignScanState *node, ExplainState *es);

/* ---------- insert.c ---------- */

extern List *hsPlanForeignInsert(PlannerInfo *root, ModifyTable *plan,
								 Index resultRelation, int subplan_index);
extern void hsBeginForeignInsertModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
									   List *fdw_private, int subplan_index, int eflags);
extern void hsBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
extern int	hsGetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern TupleTableSlot *hsExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
										   TupleTableSlot *slot, TupleTableSlot *planSlot);
extern TupleTableSlot **hsExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
												 TupleTableSlot **slots,
												 TupleTableSlot **planSlots, int *numSlots);
extern void hsEndForeignInsert(EState *estate, ResultRelInfo *rinfo);
extern void hsExplainForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo,
								   List *fdw_private, int subplan_index, ExplainState *es);

/* ---------- delete.c ---------- */

extern void hsAddForeignDeleteTargets(PlannerInfo *root, Index rtindex,
									  RangeTblEntry *target_rte, Relation target_relation);
extern List *hsPlanForeignDelete(PlannerInfo *root, ModifyTable *plan,
								 Index resultRelation, int subplan_index);
extern void hsBeginForeignDelete(ModifyTableState *mtstate, ResultRelInfo *rinfo,
								 List *fdw_private, int subplan_index, int eflags);
extern TupleTableSlot *hsExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
										   TupleTableSlot *slot, TupleTableSlot *planSlot);
extern void hsEndForeignDelete(EState *estate, ResultRelInfo *rinfo);
extern void hsExplainForeignDelete(ModifyTableState *mtstate, ResultRelInfo *rinfo,
								   List *fdw_private, int subplan_index, ExplainState *es);
extern bool hsPlanDirectDelete(PlannerInfo *root, ModifyTable *plan,
							   Index resultRelation, int subplan_index);
extern void hsBeginDirectDelete(ForeignScanState *node, int eflags);
extern TupleTableSlot *hsIterateDirectDelete(ForeignScanState *node);
extern void hsEndDirectDelete(ForeignScanState *node);
extern void hsExplainDirectDelete(ForeignScanState *node, ExplainState *es);

/* ---------- commit.c ---------- */

/* Its transaction hooks, called by xact.c in the order written there. */
extern void hs_commit_pre_commit(void);
extern void hs_commit_pre_prepare(void);
extern void hs_commit_at_end(void);
extern void hs_commit_subxact_end(bool commit, SubTransactionId subid,
								  SubTransactionId parent);
extern void hs_defer_association(HsConnection *conn, const HsTableOptions *opts,
								 const char *from_type, const char *to_type,
								 const HsAssocInput *input);
extern void hs_defer_update(HsConnection *conn, const HsTableOptions *opts,
							const char *type_path, const HsWriteInput *input);
/* ---------- assoc_batch.c ---------- */

/*
 * Inputs per associations batch/create request. HubSpot documents no limit
 * for it, so it is 100, the limit of the object batch endpoints:
 * doc/hubspot-api.md, "Associations".
 */
#define HS_ASSOC_BATCH_MAX 100

/* The buffered inputs of one (server, from_type, to_type). */
typedef struct HsAssocGroup
{
	char	   *server_name;	/* the key, as the arguments gave it */
	char	   *from_type;
	char	   *to_type;
	HsTableOptions opts;		/* the server's */
	HsConnection *conn;
	bool		archive;		/* removes its inputs (a link table's DELETE) */
	char	   *path;			/* .../{from}/{to}/batch/create, or the removal */
	MemoryContext buf_cxt;		/* the inputs' strings; reset by each flush */
	HsIdSet    *pairs;			/* the inputs' (from id, to id) pairs */
	int			ninputs;
	HsAssocInput inputs[HS_ASSOC_BATCH_MAX];	/* UTF-8 */
} HsAssocGroup;

/* The association batches of one call (or of COMMIT). */
typedef struct HsAssocBatchState
{
	MemoryContext cxt;			/* the aggregate's context */
	MemoryContext flush_cxt;	/* one request's work; reset after each */
	List	   *groups;			/* HsAssocGroup, in order of first row */
	HsAssocGroup *last;			/* group of the previous row */
	HsAssocGroup *sending;		/* group being flushed, for errcontext */
	int64		created;		/* associations HubSpot confirmed so far */
	int64		removed;		/* associations removed so far (archive) */
	int64		queued;			/* kept for COMMIT (send_at 'commit') */
	const char *what;			/* for messages */
	int			batches;
	bool		finished;		/* the final function has flushed */
} HsAssocBatchState;

extern void hs_assoc_group_init(HsAssocGroup *g, MemoryContext cxt,
								HsConnection *conn, const HsTableOptions *opts,
								const char *from_type, const char *to_type,
								bool archive);
extern char *hs_assoc_remove_path(const HsTableOptions *opts, const char *from_type,
								  const char *to_type);
extern void hs_assoc_resolve(HsConnection *conn, const HsTableOptions *opts,
							 const char *from_type, const char *to_type, const char *type,
							 HsAssocInput *in, const char *fname);
extern void hs_assoc_add(HsAssocBatchState *st, HsAssocGroup *g, const char *from,
						 const char *to, const char *type, const char *category,
						 int type_id);
extern void hs_assoc_flush(HsAssocBatchState *st, HsAssocGroup *g);
extern void hs_assoc_send_deferred(HsConnection *conn, const HsTableOptions *opts,
								   const char *from_type, const char *to_type,
								   const HsAssocInput *inputs, int ninputs);

/* ---------- link_write.c: INSERT and DELETE of link tables ---------- */

extern void hs_link_add_targets(PlannerInfo *root, Index rtindex,
								RangeTblEntry *target_rte, Relation rel);
extern List *hs_link_plan_modify(PlannerInfo *root, ModifyTable *plan,
								 Index resultRelation, int subplan_index);
extern void hs_link_begin_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
								 EState *estate, CmdType operation, int eflags);
extern TupleTableSlot *hs_link_exec_insert(EState *estate, ResultRelInfo *rinfo,
										   TupleTableSlot *slot);
extern TupleTableSlot *hs_link_exec_delete(EState *estate, ResultRelInfo *rinfo,
										   TupleTableSlot *slot,
										   TupleTableSlot *planSlot);
extern void hs_link_end_modify(EState *estate, ResultRelInfo *rinfo);
extern void hs_link_explain_modify(ResultRelInfo *rinfo, ExplainState *es);

#endif							/* WRITE_H */
