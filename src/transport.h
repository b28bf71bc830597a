/*
 * transport.h
 *		The transport layer: one HTTP exchange with HubSpot and everything
 *		about it. http.c holds all of libcurl and never raises; json.c holds
 *		all of json-c; ratelimit.c paces requests per token; oauth.c
 *		obtains and shares the access tokens of OAuth mappings; stats.c
 *		counts requests; request.c sends one request with its pacing,
 *		retries and waits; errors.c is the one place that turns outcomes
 *		into errors.
 *
 * This header stays free of json-c and libcurl types: json-c's json_object
 * clashes with PostgreSQL's json_object(), and the status struct is all the
 * rest of the code needs to know about libcurl. See doc/ARCHITECTURE.md.
 */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include "catalog.h"

#include "lib/stringinfo.h"

/* HubSpot's burst window: doc/hubspot-api.md, "Rate limits". */
#define HS_BURST_WINDOW_MS 10000
/* Default of hubspot_fdw.rate_limit_tokens: access tokens paced at once. */
#define HS_DEFAULT_RATE_LIMIT_TOKENS 256
/*
 * Waits HubSpot asks for (Retry-After) up to this many seconds are waited
 * out; a longer one fails the statement instead of holding every session.
 */
#define HS_MAX_RETRY_WAIT_S 60

/*
 * The longest URL sent, in bytes. HubSpot answers 414 to URLs from about
 * 8 KB on, a bound it does not document (doc/hubspot-api.md, "URL length"):
 * a longer one is refused before it is sent, and a scan whose properties
 * would not fit in its GETs' query strings asks for them in batch/read
 * bodies instead (scan.c).
 */
#define HS_MAX_URL_BYTES 8192

/* GUC hubspot_fdw.max_response_size (kB): larger answers are refused. */
extern int	hs_max_response_kb;

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
	const char *token;			/* NULL: no Authorization header */
	const char *body;			/* NULL: no body */
	const char *content_type_sent;	/* of the body; NULL: application/json */
	int			connect_timeout_ms;
	int			timeout_ms;
	size_t		max_response_bytes;
	const char *ca_file;		/* NULL: the system's CA bundle */
	const char *ca_path;

	/* in, for the layers above the transport */
	MemoryContext mcxt;			/* where the request's strings live */
	struct HsConnection *conn;	/* whose rate limit and token */
	const char *oauth_token_url;	/* set: conn obtains its tokens by OAuth */
	const char *hidden[2];		/* other secrets masked like the token (OAuth) */
	uint64		rate_key;		/* the limiter's key of conn's budget */
	uint64		pace_key;		/* the key paced when not rate_key's (search:
								 * its account's), or 0 */
	bool		account_paced;	/* pace_key is the HubSpot account's */
	bool		learn_budget;	/* its answers state the burst limit */
	bool		reauthorized;	/* sent again after a 401 for an expired token */
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
	long		rl_max;			/* X-HubSpot-RateLimit-Max */
	long		rl_daily;		/* X-HubSpot-RateLimit-Daily */
	long		rl_daily_remaining; /* X-HubSpot-RateLimit-Daily-Remaining */
	int			retries;		/* set by hs_send: retries it took */
	bool		in_flight;		/* started and not finished */
} HsHttpRequest;

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
extern void hs_http_abort_subxact(SubTransactionId subid);
extern int	hs_http_in_flight(void);
extern char *hs_url_escape(const char *segment);

/* ---------- apipath.c: the paths of each api_version ---------- */

extern bool hs_api_is_dated(const HsTableOptions *opts);
extern char *hs_objects_path(const HsTableOptions *opts, const char *object_type);
extern char *hs_properties_path(const HsTableOptions *opts, const char *object_type);
extern char *hs_assoc_batch_path(const HsTableOptions *opts, bool specs,
								 const char *from_type, const char *to_type,
								 const char *op);
extern char *hs_assoc_record_path(const HsTableOptions *opts, const char *from_type,
								  const char *from_id, const char *to_type,
								  const char *to_id, const char *type);
extern char *hs_assoc_types_path(const HsTableOptions *opts, bool labels,
								 const char *from_type, const char *to_type);
extern const char *hs_batch_read_source(const HsTableOptions *opts,
										const char *object_type);
extern const char *hs_path_objects_rest(const char *path);
extern bool hs_path_is_assoc_batch(const char *path);
/* ---------- json.c (all json-c) ---------- */

/* A record as HubSpot returned it, projected on the properties asked for. */
typedef struct HsObject
{
	char	   *id;
	char	   *trace_id;		/* objectWriteTraceId echoed back, or NULL */
	char	   *link;			/* a link's identity (links.c), else NULL */
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

/* HubSpot's error envelope (doc/hubspot-api.md, "Errors"); every field is optional. */
typedef struct HsApiError
{
	char	   *message;
	char	   *category;
	char	   *sub_category;
	char	   *correlation_id;
	char	   *error_codes;	/* errors[].code, comma separated */
	char	   *error_details;	/* errors[].message, "; " separated */
	char	   *policy_name;	/* 429 bodies */
	char	   *status;			/* "error"; the token endpoint's code, such as BAD_REFRESH_TOKEN */
	char	   *oauth_error;	/* the token endpoint's OAuth 2.0 code, such as invalid_grant */
} HsApiError;

/* The token endpoint's answer to a refresh (doc/hubspot-api.md, "OAuth"). */
typedef struct HsOAuthToken
{
	char	   *access_token;
	int64		expires_in;		/* seconds; -1 when not given */
} HsOAuthToken;

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
extern bool hs_json_parse_token(const char *body, size_t len,
								HsOAuthToken *token, char **why);
extern bool hs_json_parse_account(const char *body, size_t len, int64 *portal_id,
								  char **why);

/* One association: an input or result of associations batch/create. */
typedef struct HsAssocInput
{
	char	   *from_id;
	char	   *to_id;
	char	   *type;			/* type name or id; may be NULL in a result */
	/* under a date version, the association spec "type" resolved to */
	const char *category;		/* e.g. "HUBSPOT_DEFINED"; lives for the session */
	int			type_id;
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

/*
 * One association type between two object types: v3's id and name, or a
 * label of the labels endpoint (id: its type id; name: its label, NULL
 * for an unlabelled type; category).
 */
typedef struct HsAssocType
{
	char	   *id;
	char	   *name;
	char	   *category;		/* NULL from v3's types endpoint */
} HsAssocType;

extern char *hs_json_assoc_batch_body(const HsAssocInput *inputs, int ninputs,
									  bool specs);
extern char *hs_json_assoc_spec_body(const char *category, int type_id);
extern bool hs_json_parse_assoc_labels(const char *body, size_t len,
									   List **types, char **why);
/*
 * One link of an associations batch/read answer, in either shape: v3's
 * to: [{id, type}] fills "type"; v4's (and the date versions')
 * to: [{toObjectId, associationTypes: [{category, typeId, label}]}] fills
 * "category", "type_id" and "label", one link per association type.
 */
typedef struct HsLink
{
	char	   *from_id;
	char	   *to_id;
	char	   *type;			/* v3: the type's name */
	char	   *category;		/* v4: HUBSPOT_DEFINED, USER_DEFINED, ... */
	char	   *type_id;		/* v4: the type's id, as text */
	char	   *label;			/* v4: the label, or NULL */
} HsLink;

/* A record whose links go on on another page of batch/read. */
typedef struct HsLinkMore
{
	char	   *from_id;
	char	   *after;			/* the paging cursor to send with its id */
} HsLinkMore;

/* An associations batch/read answer. */
typedef struct HsLinkRead
{
	int			nlinks;
	HsLink	   *links;
	int			nmore;
	HsLinkMore *more;
	int			nerrors;
	HsAssocError *errors;
} HsLinkRead;

extern char *hs_json_link_read_body(char **ids, char **afters, int n);
extern bool hs_json_parse_link_read(const char *body, size_t len, HsLinkRead *result,
									char **why);
extern bool hs_json_parse_batch_errors(const char *body, size_t len,
									   HsAssocError **errors, int *nerrors, char **why);
extern bool hs_json_parse_assoc_batch(const char *body, size_t len,
									  HsAssocBatchResult *result, char **why);
extern bool hs_json_parse_assoc_types(const char *body, size_t len,
									  List **types, char **why);
extern char *hs_json_object_text(const char *body, size_t len, bool need_id,
								 char **why);
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

/* ---------- ratelimit.c ---------- */

extern void hs_ratelimit_install_hooks(void);
extern uint64 hs_ratelimit_key(const char *token);
extern uint64 hs_ratelimit_conn_key(const HsConnection *conn);

/*
 * The HubSpot account of a token (the limiter key of its budget), as
 * learned once from the account-info API (request.c): an account id, or
 * HS_ACCOUNT_UNKNOWN when HubSpot would not say (the token's own budget is
 * used then).
 */
#define HS_ACCOUNT_UNKNOWN ((int64) -1)
extern bool hs_ratelimit_account(uint64 token_key, int64 *account_id);
extern void hs_ratelimit_set_account(uint64 token_key, int64 account_id);
extern uint64 hs_ratelimit_account_key(int64 account_id);
/* A wait HubSpot asked for that holds a token (hubspot_fdw_stats()). */
typedef struct HsRateWait
{
	double		remaining_ms;
	char		endpoint[160];	/* stats label of the request that got the 429 */
	char		correlation_id[64]; /* of that 429; "" if none */
} HsRateWait;

/* GUC hubspot_fdw.rate_limit_tokens (set at server start). */
extern int	hs_rl_max_slots;

/* What the limiter knows of one token's budget (hubspot_fdw_rate_limit()). */
typedef struct HsRateBudget
{
	int			limit;			/* requests per window it applies now; 0 = no pacing */
	int			window_ms;
	int			in_window;		/* requests sent within the current window */
	int			stated_max;		/* X-HubSpot-RateLimit-Max last stated; 0 = never */
	int			stated_window_ms;
	TimestampTz stated_at;
	int64		daily_limit;	/* X-HubSpot-RateLimit-Daily; -1 = never stated */
	int64		daily_remaining;	/* -Daily-Remaining; -1 = never stated */
	TimestampTz daily_at;
} HsRateBudget;

extern double hs_ratelimit_acquire(uint64 key, int limit, int window_ms,
								   long *refused_ms);
extern void hs_ratelimit_learn(uint64 key, const HsHttpRequest *req);
extern bool hs_ratelimit_budget(uint64 key, int limit, int window_ms, HsRateBudget *out);
extern void hs_ratelimit_block(uint64 key, long ms, const char *endpoint,
							   const char *correlation_id);
extern List *hs_ratelimit_waits(void);
extern void hs_ratelimit_forget_waits(void);
extern void hs_sleep_ms(long ms);
/* ---------- oauth.c ---------- */

/* The longest access token kept; HubSpot advises room for 300 characters. */
#define HS_OAUTH_TOKEN_MAX 2048

extern void hs_oauth_install_hooks(void);
extern bool hs_oauth_token(HsHttpRequest *req, char *out);
extern void hs_oauth_refreshed(HsHttpRequest *req, const char *token,
							   TimestampTz sent_at, int64 expires_in);
extern void hs_oauth_refresh_failed(HsHttpRequest *req, const ErrorData *edata);
extern bool hs_oauth_token_expired(HsHttpRequest *req);
/* ---------- stats.c ---------- */

extern void hs_stats_request(const HsHttpRequest *req);
extern void hs_stats_wait(const HsHttpRequest *req, bool retry, double wait_ms);
extern void hs_stats_rows_written(const HsHttpRequest *req, int64 rows);
/* ---------- request.c ---------- */

extern void hs_request_init(HsHttpRequest *req, HsConnection *conn,
							const HsTableOptions *opts, const char *method,
							const char *path, const char *query,
							const char *body);
extern void hs_send(HsHttpRequest *req);
extern void hs_send_begin(HsHttpRequest *req);
extern void hs_send_complete(HsHttpRequest *req);

/* ---------- errors.c ---------- */

extern void hs_report_transport(HsHttpRequest *req);
extern void hs_check_response(HsHttpRequest *req, bool allow_404);
pg_noreturn extern void hs_report_token_refusal(HsHttpRequest *req) pg_attribute_noreturn();
extern void hs_check_read_error(HsHttpRequest *req, const char *category,
								const char *message, bool links);
pg_noreturn extern void hs_report_bad_response(HsHttpRequest *req,
												const char *why) pg_attribute_noreturn();
pg_noreturn extern void hs_report_rate_wait(HsHttpRequest *req,
											long remaining_ms) pg_attribute_noreturn();
extern int	hs_category_sqlstate(const char *category, const char *codes,
								 long http_status);
extern char *hs_hide_token(const char *token, const char *text);
extern void hs_hide_token_in_answer(HsHttpRequest *req);
extern bool hs_request_fate_unknown(const HsHttpRequest *req);
extern void hs_check_cursor(HsIdSet **seen, MemoryContext cxt,
							const char *cursor, HsHttpRequest *req);

#endif							/* TRANSPORT_H */
