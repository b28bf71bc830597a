/*
 * hubspot_fdw.h
 *		Declarations shared by the hubspot_fdw source files.
 *
 * This header must stay free of json-c and libcurl types: json-c's
 * json_object clashes with PostgreSQL's json_object(), and the transport's
 * status struct is all the rest of the code needs to know about libcurl.
 */
#ifndef HUBSPOT_FDW_H
#define HUBSPOT_FDW_H

#include "postgres.h"

#include "compat.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "nodes/pg_list.h"
#include "utils/guc.h"
#include "utils/relcache.h"

#define HUBSPOT_FDW_VERSION "1.0"

/* HubSpot's limit on inputs per object batch request (facts file). */
#define HS_MAX_BATCH_SIZE 100
/* HubSpot's own clients page the list endpoint at 100 records. */
#define HS_LIST_PAGE_SIZE 100
#define HS_DEFAULT_API_URL "https://api.hubapi.com"
#define HS_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define HS_DEFAULT_REQUEST_TIMEOUT_MS 60000
#define HS_DEFAULT_MAX_RETRIES 5
#define HS_DEFAULT_MAX_CONCURRENCY 4
/* HubSpot's lowest private-app burst limit: 100 requests per 10 s. */
#define HS_DEFAULT_RATE_LIMIT 100
/* The most requests per 10 s the limiter can track per token. */
#define HS_RATE_LIMIT_MAX 1000
/* Default of hubspot_fdw.rate_limit_tokens: access tokens paced at once. */
#define HS_DEFAULT_RATE_LIMIT_TOKENS 256
/*
 * Waits HubSpot asks for (Retry-After) up to this many seconds are waited
 * out; a longer one fails the statement instead of holding every session.
 */
#define HS_MAX_RETRY_WAIT_S 60

/* GUC hubspot_fdw.max_response_size (kB): larger answers are refused. */
extern int	hs_max_response_kb;
/* GUC hubspot_fdw.allowed_hosts: hosts non-superusers may send tokens to. */
extern char *hs_allowed_hosts;

/* ---------- hubspot_fdw.c ---------- */

extern PGDLLEXPORT Datum hubspot_fdw_handler(PG_FUNCTION_ARGS);

/* ---------- xact.c (the one pair of transaction callbacks) ---------- */

extern void hs_xact_register_callbacks(void);

/* ---------- option.c ---------- */

/* Everything the options of one foreign table resolve to. */
typedef struct HsTableOptions
{
	char	   *object_type;
	char	   *api_url;		/* without a trailing slash */
	int			batch_size;
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			max_retries;
	int			max_concurrency;	/* batch requests in flight at once */
	int			rate_limit;		/* requests per 10 s; 0 = no pacing */
	bool		send_at_commit; /* send_at 'commit' */
	char	   *ca_file;
	char	   *ca_path;
	char	   *id_property;	/* NULL: rows are identified by "id" */
	bool		use_search;		/* use_search: conditions may go to search */
	bool		insert_upsert;	/* insert_mode 'upsert': INSERT is batch/upsert */
} HsTableOptions;

/* One column of a foreign table and the HubSpot field it maps to. */
typedef struct HsColumn
{
	AttrNumber	attnum;
	char	   *attname;
	char	   *property;		/* NULL for the record id column */
	bool		is_id;
	Oid			typid;
	int32		typmod;
	bool		read_only;		/* option read_only: HubSpot refuses writes */
	bool		unique;			/* option unique: hasUniqueValue */
	char	   *hubspot_type;	/* option hubspot_type, or NULL */
} HsColumn;

extern void hs_get_table_options(Oid foreigntableid, HsTableOptions *opts);
extern void hs_get_server_options(ForeignServer *server, HsTableOptions *opts);
extern void hs_copy_table_options(HsTableOptions *dst, const HsTableOptions *src);
extern List *hs_get_columns(Relation rel);
extern HsColumn *hs_find_id_column(List *columns);
extern HsColumn *hs_find_property_column(List *columns, const char *property);
extern bool hs_allowed_hosts_check(char **newval, void **extra, GucSource source);
extern bool hs_object_type_is_valid(const char *value);
extern bool hs_object_type_is_partner(const char *object_type);
extern bool hs_object_type_can_create(const char *object_type);

/* The hint of every error about an object type that is not valid. */
#define HS_OBJECT_TYPE_HINT \
	"Use a HubSpot object type name such as partner_clients, or an object type id such as 2-123456."

/* ---------- http.c (all libcurl; never raises errors) ---------- */

typedef enum HsTransportStatus
{
	HS_TRANSPORT_OK = 0,		/* an HTTP answer arrived (any status) */
	HS_TRANSPORT_CANCELED,		/* query cancel or backend termination */
	HS_TRANSPORT_TIMEOUT,
	HS_TRANSPORT_CONNECT_FAILED,
	HS_TRANSPORT_FAILED,		/* reset, protocol error, ... */
	HS_TRANSPORT_TOO_LARGE,		/* answer over max_response_bytes */
	HS_TRANSPORT_NO_MEMORY,
	HS_TRANSPORT_NO_SLOT		/* every transfer slot busy: never sent */
} HsTransportStatus;

/* One HTTP exchange: filled in by the caller, answered by the transport. */
typedef struct HsHttpRequest
{
	/* in */
	const char *method;
	const char *url;
	const char *path;			/* for messages: the URL's path, no query */
	const char *token;
	const char *body;			/* NULL: no body */
	int			connect_timeout_ms;
	int			timeout_ms;
	size_t		max_response_bytes;
	const char *ca_file;		/* NULL: the system's CA bundle */
	const char *ca_path;

	/* in, for the layers above the transport */
	struct HsConnection *conn;	/* whose rate limit and token */
	const char *endpoint;		/* stats label: "PATCH /crm/v3/objects/t/{id}" */
	int			max_retries;
	bool		idempotent;		/* sending it twice is as sending it once */
	int			rate_limit;		/* requests per window; 0 = no pacing */
	int			rate_window_ms;

	/* out */
	HsTransportStatus transport;
	long		http_status;
	char	   *response;		/* palloc'd, NUL-terminated */
	size_t		response_len;
	char		correlation_id[64];
	char		content_type[128];
	char		error[256];		/* libcurl's error text, if any */
	bool		sent;			/* some of the request went out on the wire */
	double		elapsed_ms;
	long		retry_after_ms;	/* Retry-After, -1 if absent */
	long		rl_remaining;	/* X-HubSpot-RateLimit-Remaining, -1 if absent */
	long		rl_interval_ms; /* X-HubSpot-RateLimit-Interval-Milliseconds */
	int			retries;		/* set by hs_send: retries it took */
	bool		in_flight;		/* started and not finished */
} HsHttpRequest;

/* At most this many requests are in flight at once (max_concurrency's cap). */
#define HS_MAX_PARALLEL 16

/*
 * Transfers one backend may have started at once: scans reading ahead and
 * a write pipeline share them. libcurl opens at most HS_MAX_PARALLEL
 * connections and queues the other transfers.
 */
#define HS_HTTP_SLOTS (4 * HS_MAX_PARALLEL)

extern bool hs_http_start(HsHttpRequest *req);
extern void hs_http_wait(HsHttpRequest **requests, int nrequests, bool any);
extern void hs_http_progress(void);
extern HsTransportStatus hs_http_sleep(long ms);
extern void hs_http_cancel(HsHttpRequest *req);
extern void hs_http_perform(HsHttpRequest **requests, int nrequests);
extern void hs_http_abort_subxact(SubTransactionId subid);
extern int	hs_http_in_flight(void);
extern char *hs_url_escape(const char *segment);

/* ---------- json.c (all json-c) ---------- */

/* A record as HubSpot returned it, projected on the properties asked for. */
typedef struct HsObject
{
	char	   *id;
	char	   *trace_id;		/* objectWriteTraceId echoed back, or NULL */
	char	  **values;			/* one per requested property; NULL = null */
} HsObject;

typedef struct HsPage
{
	int			nobjects;
	HsObject   *objects;
	char	   *next_after;		/* paging cursor, NULL on the last page */
} HsPage;

/* One entry of a batch answer's "errors" array. */
typedef struct HsBatchError
{
	char	   *category;
	char	   *message;
	List	   *ids;			/* context.ids (char *) */
	List	   *trace_ids;		/* context.objectWriteTraceId (char *) */
} HsBatchError;

typedef struct HsBatchResult
{
	char	   *status;
	int			nresults;
	HsObject   *results;
	int			nerrors;
	HsBatchError *errors;
} HsBatchResult;

/* HubSpot's error envelope; every field is optional. */
typedef struct HsApiError
{
	char	   *message;
	char	   *category;
	char	   *sub_category;
	char	   *correlation_id;
	char	   *error_codes;	/* errors[].code, comma separated */
	char	   *error_details;	/* errors[].message, "; " separated */
	char	   *policy_name;	/* 429 bodies */
} HsApiError;

/* One input of a batch/update request. */
typedef struct HsWriteInput
{
	char	   *id;
	char	   *trace_id;
	int			nprops;
	char	  **names;
	char	  **values;			/* NULL clears (sent as "") */
	const char *id_property;	/* "id" is this property's value, or NULL */
} HsWriteInput;

/* One entry of GET /crm/v3/properties/{objectType}. */
typedef struct HsPropertyDef
{
	char	   *name;
	char	   *type;			/* string, number, date, datetime, bool, ... */
	char	   *field_type;		/* text, checkbox, booleancheckbox, ... */
	bool		has_unique_value;
	bool		read_only_value;	/* modificationMetadata.readOnlyValue */
	bool		calculated;
} HsPropertyDef;

extern bool hs_json_parse_page(const char *body, size_t len,
							   char **props, int nprops,
							   HsPage *page, char **why);
extern bool hs_json_parse_object(const char *body, size_t len,
								 char **props, int nprops,
								 HsObject *obj, char **why);
extern bool hs_json_parse_batch(const char *body, size_t len,
								char **props, int nprops,
								HsBatchResult *result, char **why);
extern void hs_json_parse_error(const char *body, size_t len,
								HsApiError *err);
extern int	hs_json_refusal_sqlstate(const char *why);

/* One association: an input or result of associations batch/create. */
typedef struct HsAssocInput
{
	char	   *from_id;
	char	   *to_id;
	char	   *type;			/* type name or id; may be NULL in a result */
} HsAssocInput;

/*
 * One entry of an associations batch answer's "errors" array, with the ids
 * its context names, sorted by the side of the association they are on.
 */
typedef struct HsAssocError
{
	char	   *category;
	char	   *message;
	List	   *from_ids;		/* (char *) ids of "from" objects */
	List	   *to_ids;			/* (char *) ids of "to" objects */
	List	   *ids;			/* (char *) ids whose side is not said */
} HsAssocError;

typedef struct HsAssocBatchResult
{
	int			nresults;
	HsAssocInput *results;
	int			nerrors;
	HsAssocError *errors;
} HsAssocBatchResult;

/* One association type between two object types. */
typedef struct HsAssocType
{
	char	   *id;
	char	   *name;
} HsAssocType;

extern char *hs_json_assoc_batch_body(const HsAssocInput *inputs, int ninputs);
extern bool hs_json_parse_assoc_batch(const char *body, size_t len,
									  HsAssocBatchResult *result, char **why);
extern bool hs_json_parse_assoc_types(const char *body, size_t len,
									  List **types, char **why);
extern char *hs_json_object_text(const char *body, size_t len, char **why);
extern char *hs_json_properties_body(const HsWriteInput *input);
extern char *hs_json_batch_update_body(const HsWriteInput *inputs, int ninputs);
extern char *hs_json_batch_read_body(char **ids, int nids,
									 char **props, int nprops,
									 const char *id_property);
extern bool hs_json_parse_properties(const char *body, size_t len,
									 List **defs, char **why);
extern char *hs_json_batch_create_body(const HsWriteInput *inputs, int ninputs);
extern char *hs_json_ids_body(char **ids, int nids);

/* One filter of a search request. */
typedef struct HsSearchFilter
{
	const char *property;
	const char *operator;		/* EQ, NEQ, LT, ..., HAS_PROPERTY */
	char	   *value;			/* NULL: none */
	char	  **values;			/* IN, NOT_IN */
	int			nvalues;
} HsSearchFilter;

/* Filters that must all hold; a request's groups are ORed. */
typedef struct HsSearchGroup
{
	int			nfilters;
	HsSearchFilter *filters;
} HsSearchGroup;

/* The body of POST /crm/v3/objects/{type}/search. */
typedef struct HsSearchRequest
{
	int			ngroups;
	HsSearchGroup *groups;
	const char *sort_property;	/* NULL: HubSpot's order */
	bool		sort_descending;
	char	  **props;
	int			nprops;
	int			limit;
	const char *after;			/* NULL: the first page */
} HsSearchRequest;

extern char *hs_json_search_body(const HsSearchRequest *request);
extern bool hs_json_parse_search(const char *body, size_t len,
								 char **props, int nprops,
								 HsPage *page, int64 *total, char **why);

/* ---------- connection.c ---------- */

/* Per user mapping: where to send requests and with which token. */
typedef struct HsConnection
{
	Oid			umid;			/* hash key: user mapping OID */
	bool		invalidated;
	uint32		server_hashvalue;
	uint32		mapping_hashvalue;
	char	   *token;			/* in CacheMemoryContext; never printed */
} HsConnection;

extern HsConnection *hs_get_connection(ForeignServer *server, UserMapping *user);
extern HsConnection *hs_connection_for_table(Oid foreigntableid, Oid userid);
extern UserMapping *hs_user_mapping(ForeignServer *server, Oid userid);

/* ---------- request.c ---------- */

extern void hs_request_init(HsHttpRequest *req, HsConnection *conn,
							const HsTableOptions *opts, const char *method,
							const char *path, const char *query,
							const char *body);
extern void hs_send(HsHttpRequest *req);
extern void hs_send_begin(HsHttpRequest *req);
extern void hs_send_complete(HsHttpRequest *req);
extern bool hs_request_fate_unknown(const HsHttpRequest *req);

/* ---------- ratelimit.c ---------- */

extern void hs_ratelimit_install_hooks(void);
extern bool hs_ratelimit_is_shared(void);
extern uint64 hs_ratelimit_key(const char *token);
/* A wait HubSpot asked for that holds a token (hubspot_fdw_stats()). */
typedef struct HsRateWait
{
	double		remaining_ms;
	char		endpoint[160];	/* stats label of the request that got the 429 */
	char		correlation_id[64]; /* of that 429; "" if none */
} HsRateWait;

/* GUC hubspot_fdw.rate_limit_tokens (set at server start). */
extern int	hs_rl_max_slots;

extern double hs_ratelimit_acquire(uint64 key, int limit, int window_ms,
								   long *refused_ms);
extern void hs_ratelimit_block(uint64 key, long ms, const char *endpoint,
							   const char *correlation_id);
extern List *hs_ratelimit_waits(void);
extern void hs_ratelimit_forget_waits(void);
extern void hs_sleep_ms(long ms);

/* ---------- stats.c ---------- */

extern void hs_stats_request(const HsHttpRequest *req);
extern void hs_stats_wait(const HsHttpRequest *req, bool retry, double wait_ms);
extern void hs_stats_rows_written(const HsHttpRequest *req, int64 rows);

/* ---------- errors.c ---------- */

extern void hs_report_transport(HsHttpRequest *req);
extern void hs_check_response(HsHttpRequest *req, bool allow_404);
pg_noreturn extern void hs_report_bad_response(HsHttpRequest *req,
												const char *why) pg_attribute_noreturn();
pg_noreturn extern void hs_report_rate_wait(HsHttpRequest *req,
											long remaining_ms) pg_attribute_noreturn();
extern int	hs_category_sqlstate(const char *category, const char *codes,
								 long http_status);
extern char *hs_hide_token(const char *token, const char *text);
extern void hs_hide_token_in_answer(HsHttpRequest *req);

/* ---------- convert.c ---------- */

/* How values of a column's type are written for HubSpot and read back. */
typedef enum HsValueKind
{
	HS_VALUE_GENERIC,			/* the type's own text I/O */
	HS_VALUE_BOOL,				/* "true" / "false" */
	HS_VALUE_DATE,				/* epoch ms at midnight UTC */
	HS_VALUE_TIMESTAMPTZ,		/* ISO 8601 in UTC */
	HS_VALUE_TIMESTAMP,			/* the same, taken to be UTC */
	HS_VALUE_NUMERIC,			/* plain decimal */
	HS_VALUE_FLOAT4,			/* shortest exact plain decimal */
	HS_VALUE_FLOAT8,
	HS_VALUE_ARRAY				/* "a;b;c" */
} HsValueKind;

typedef struct HsConverter
{
	Oid			typid;			/* the base type, domains looked through */
	int32		typmod;
	HsValueKind kind;
	FmgrInfo	outfunc;
	FmgrInfo	infunc;
	Oid			ioparam;
	bool		empty_is_null;	/* "" reads as NULL: all but string types */
	Oid			domain;			/* the column's domain, or InvalidOid */
	void	   *domain_extra;
	MemoryContext mcxt;
	const char *attname;		/* the column, for messages */
	const char *property;
	bool		date_property;	/* hubspot_type 'date' */
	/* HS_VALUE_ARRAY */
	Oid			elemtype;
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	struct HsConverter *elem;
} HsConverter;

extern void hs_converter_init(HsConverter *conv, Oid typid, int32 typmod);
extern void hs_converter_init_column(HsConverter *conv, const HsColumn *col);
extern char *hs_datum_to_value(HsConverter *conv, Datum value, bool isnull);
extern bool hs_datum_to_filter_value(HsConverter *conv, Datum value, char **out);
extern Datum hs_value_to_datum(HsConverter *conv, const char *value,
							   const char *record_id, bool *isnull);

/* ---------- import.c ---------- */

extern List *hsImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

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
extern void hs_assoc_send_deferred(HsConnection *conn, const HsTableOptions *opts,
								   const char *from_type, const char *to_type,
								   const HsAssocInput *inputs, int ninputs);
extern void hs_defer_update(HsConnection *conn, const HsTableOptions *opts,
							const char *type_path, const HsWriteInput *input);

/* ---------- scan.c ---------- */

extern void hsGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								Oid foreigntableid);
extern void hsGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
							  Oid foreigntableid);
extern ForeignScan *hsGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid, ForeignPath *best_path,
									 List *tlist, List *scan_clauses,
									 Plan *outer_plan);
extern void hsBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *hsIterateForeignScan(ForeignScanState *node);
extern void hsReScanForeignScan(ForeignScanState *node);
extern void hsEndForeignScan(ForeignScanState *node);
extern void hsExplainForeignScan(ForeignScanState *node, ExplainState *es);

/* Shared by scan.c, update.c and delete.c: the id values a plan's quals name. */
extern List *hs_eval_id_exprs(List *exprs, bool is_array, PlanState *ps,
							  HsConverter *conv);

/* Shared by scan.c and search.c: refuse a paging cursor given out twice. */
extern void hs_check_cursor(struct HTAB **seen, MemoryContext cxt,
							const char *cursor, HsHttpRequest *req);

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
	const char *failed_label;	/* the detail's "Failed ids: ..." */
	const char *done_verb;		/* "applied": "... were applied and stay applied" */
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
	struct HTAB *busy;			/* ids in flight: uint64 hash -> count */

	/* the batch being filled, sent when full (see hs_batch_buffer_init) */
	MemoryContext buf_cxt;		/* its inputs' strings; NULL: no buffer */
	HsWriteInput *buf;
	int			nbuf;
	int			buf_size;
} HsWriter;

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
extern const HsBatchError *hs_find_input_error(const HsBatchResult *res,
											   const HsWriteInput *in);
extern HsObject *hs_input_result(const HsBatchResult *res, const HsWriteInput *in,
								 int ninputs, char **key_props, int nkeys);
extern void hs_batch_error_context(void *arg);
extern void hs_describe_failure(StringInfo buf, const char *id, const HsBatchError *e);
extern void hs_explain_writer(HsWriter *w, int concurrency, ExplainState *es);

/* ---------- write.c: shared by update.c, insert.c, delete.c and commit.c ---------- */

/* Name of the junk column carrying the record id from scan to modify. */
#define HS_ROWID_NAME "hubspot_id"

/*
 * The first member of every modify state (ResultRelInfo.ri_FdwState) is
 * the operation it serves, so the shared callbacks can dispatch.
 */
#define hs_modify_operation(rinfo) \
	((rinfo)->ri_FdwState ? *(CmdType *) (rinfo)->ri_FdwState : CMD_UNKNOWN)

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

/* ---------- scan.c: planning helpers shared with write.c and update.c ---------- */

/* How a scan fetches rows (stored in ForeignScan.fdw_private). */
typedef enum HsScanMode
{
	HS_SCAN_LIST,				/* page through GET /crm/v3/objects/{type} */
	HS_SCAN_ID,					/* id = value: GET .../{id} */
	HS_SCAN_IDS,				/* id = ANY(values): batch/read */
	HS_SCAN_SEARCH				/* conditions pushed: POST .../search */
} HsScanMode;

/* The cost model: requests are what cost, rows are cheap. */
#define HS_REQUEST_COST 1000.0
/* HubSpot keeps no statistics we could read: the size assumed of every table. */
#define HS_ASSUMED_ROWS 1000.0

/* Indexes into ForeignScan.fdw_private of a scan. */
enum HsScanPrivate
{
	HS_SCAN_PRIV_MODE,			/* Integer: HsScanMode */
	HS_SCAN_PRIV_ATTRS,			/* IntList: attnums to fill */
	HS_SCAN_PRIV_BY_KEY,		/* Boolean: ids are id_property values */
	HS_SCAN_PRIV_PREFETCH,		/* Boolean: fetch the next page ahead */
	HS_SCAN_PRIV_SEARCH			/* List: the search plan (HS_SCAN_SEARCH) */
};

/* What the planner learned about a scan's quals on the id column. */
typedef struct HsIdQual
{
	Expr	   *expr;			/* value(s) to evaluate at run time */
	bool		is_array;		/* id = ANY(expr) */
	RestrictInfo *rinfo;		/* the qual it came from */
} HsIdQual;

extern bool hs_match_id_qual(PlannerInfo *root, RelOptInfo *baserel,
							 RestrictInfo *rinfo, AttrNumber id_attno,
							 HsIdQual *out);
extern Node *hs_strip(Node *node);
extern bool hs_is_runtime_constant(Node *node);

/* ---------- search.c ---------- */

typedef struct HsSearchInfo HsSearchInfo;	/* what the planner can push */
typedef struct HsSearchExec HsSearchExec;	/* a search scan at run time */

/* What a local fallback of a search phase must do with its rows. */
typedef struct HsSearchPhaseInfo
{
	AttrNumber	attnum;			/* the sort column, or 0 */
	int			nulls;			/* its rows: 0 all, 1 NULL only, -1 non-NULL only */
	bool		sort;			/* sort them with sortop */
	Oid			sortop;
	Oid			collation;
	bool		nulls_first;
} HsSearchPhaseInfo;

extern HsSearchInfo *hs_search_analyze(PlannerInfo *root, RelOptInfo *baserel,
									   List *columns, const HsTableOptions *opts);
extern void hs_search_add_paths(PlannerInfo *root, RelOptInfo *baserel,
								HsSearchInfo *info);
extern List *hs_search_make_plan(PlannerInfo *root, HsSearchInfo *info, bool sorted,
								 List *scan_clauses, List **local, List **fdw_exprs,
								 List **recheck_quals);
extern HsSearchExec *hs_search_begin(ForeignScanState *node, List *search_private,
									 HsConnection *conn, const HsTableOptions *opts,
									 const char *type_path, char **props, int nprops);
extern bool hs_search_page(HsSearchExec *ex, char **props, int nprops,
						   HsObject **objects, int *nobjects, bool *fallback);
extern bool hs_search_next_phase(HsSearchExec *ex);
extern void hs_search_phase_info(HsSearchExec *ex, HsSearchPhaseInfo *out);
extern void hs_search_rescan(HsSearchExec *ex);
extern void hs_search_counts(HsSearchExec *ex, int *requests, int *retries);
extern void hs_search_explain(HsSearchExec *ex, ExplainState *es);
extern void hs_search_explain_analyze(HsSearchExec *ex, ExplainState *es);

#endif							/* HUBSPOT_FDW_H */
