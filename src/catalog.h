/*
 * catalog.h
 *		The catalog layer: options of wrappers, servers, tables and columns
 *		(option.c), user mappings and their tokens (connection.c), and the
 *		conversion of SQL values to HubSpot's strings and back (convert.c).
 *
 * The lowest layer: it knows PostgreSQL's catalogs and nothing of HTTP or
 * JSON. Every other layer includes it. See doc/ARCHITECTURE.md.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include "postgres.h"

#include "compat.h"
#include "idset.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "nodes/pg_list.h"
#include "utils/guc.h"
#include "utils/relcache.h"

#define HUBSPOT_FDW_VERSION "1.2"

/* HubSpot's limit on inputs per object batch request: doc/hubspot-api.md, "Batches". */
#define HS_MAX_BATCH_SIZE 100
/* HubSpot's own clients page the list endpoint at 100: doc/hubspot-api.md, "Objects". */
#define HS_LIST_PAGE_SIZE 100
#define HS_DEFAULT_API_URL "https://api.hubapi.com"
/* HubSpot's OAuth token endpoint: doc/hubspot-api.md, "OAuth". */
#define HS_DEFAULT_OAUTH_TOKEN_URL "https://api.hubapi.com/oauth/2026-03/token"
#define HS_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define HS_DEFAULT_REQUEST_TIMEOUT_MS 60000
#define HS_DEFAULT_MAX_RETRIES 5
#define HS_DEFAULT_MAX_CONCURRENCY 4
/* At most this many requests are in flight at once (max_concurrency's cap). */
#define HS_MAX_PARALLEL 16
/*
 * HubSpot's lowest private-app burst limit, 100 per 10 s: doc/hubspot-api.md,
 * "Rate limits". rate_limit_per_10s 'auto' (HS_RATE_LIMIT_AUTO) starts there
 * and then follows the limit HubSpot's answers state.
 */
#define HS_DEFAULT_RATE_LIMIT 100
#define HS_RATE_LIMIT_AUTO (-1)
/* The most requests per 10 s the limiter can track per token. */
#define HS_RATE_LIMIT_MAX 1000

/* GUC hubspot_fdw.allowed_hosts: hosts non-superusers may send tokens to. */
extern char *hs_allowed_hosts;

/* ---------- option.c: options ---------- */

/*
 * The HubSpot API version a server sends to (option api_version): which
 * paths and association bodies its requests use (apipath.c;
 * doc/hubspot-api.md, "API versions"). In the order of HS_API_VERSION_NAMES.
 */
typedef enum HsApiVersion
{
	HS_API_V3 = 0,				/* /crm/v3/... */
	HS_API_2026_03,				/* /crm/objects/2026-03/... */
	HS_API_2026_09				/* /crm/objects/2026-09/... */
} HsApiVersion;

/* The api_version option's values, indexed by HsApiVersion. */
#define HS_API_VERSION_NAMES {"v3", "2026-03", "2026-09", NULL}

/*
 * Everything the options of one foreign table resolve to. Each field is
 * filled by one entry of option.c's option table, which is also how
 * hs_copy_table_options() finds every string to copy.
 */
typedef struct HsTableOptions
{
	char	   *object_type;
	char	   *api_url;		/* without a trailing slash */
	char	   *oauth_token_url;	/* where OAuth mappings get access tokens */
	int			batch_size;
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			max_retries;
	int			max_concurrency;	/* batch requests in flight at once */
	int			rate_limit;		/* requests per 10 s; 0 = no pacing;
								 * HS_RATE_LIMIT_AUTO = what HubSpot says */
	bool		send_at_commit; /* send_at 'commit' */
	char	   *ca_file;
	char	   *ca_path;
	char	   *id_property;	/* NULL: rows are identified by "id" */
	bool		use_search;		/* use_search: conditions may go to search */
	bool		insert_upsert;	/* insert_mode 'upsert': INSERT is batch/upsert */
	int			estimated_rows; /* estimated_rows: the table's size; 0: not given */
	int			api_version;	/* api_version: an HsApiVersion */
	char	   *associations_to;	/* a link table: links of object_type to this */
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
extern HsColumn *hs_find_column(List *columns, const char *attname);
extern HsColumn *hs_find_property_column(List *columns, const char *property);
extern bool hs_allowed_hosts_check(char **newval, void **extra, GucSource source);
extern bool hs_object_type_is_valid(const char *value);
extern bool hs_object_type_is_partner(const char *object_type);
extern bool hs_object_type_can_create(const char *object_type);
extern bool hs_is_hubspot_wrapper(ForeignDataWrapper *fdw);
extern const char *hs_api_version_name(int version);
extern bool hs_is_link_table(Oid relid);

/*
 * The columns of a link table (option associations_to), by name: from_id is
 * its "id" column; the others are link fields under their own names.
 */
#define HS_LINK_FROM_ID "from_id"
#define HS_LINK_TO_ID "to_id"
#define HS_LINK_TYPE "association_type"
#define HS_LINK_CATEGORY "association_category"
#define HS_LINK_TYPE_ID "association_type_id"
#define HS_LINK_LABEL "label"

/* The hint of every error about an object type that is not valid. */
#define HS_OBJECT_TYPE_HINT \
	"Use a HubSpot object type name such as partner_clients, or an object type id such as 2-123456."

/* ---------- connection.c: user mappings and tokens ---------- */

/*
 * Per user mapping: the credentials it names. Either an access token, or
 * the OAuth client and refresh token from which the transport obtains
 * access tokens (oauth.c). All in CacheMemoryContext; never printed.
 */
/*
 * The credentials of a user mapping. A built one never changes: when the
 * mapping or its server changes, the next use gets a new one, and the old
 * one is wiped at the end of the transaction, so scans and writes begun
 * with it finish with the credentials they began with.
 */
typedef struct HsConnection
{
	Oid			umid;			/* the user mapping */
	char	   *token;			/* access_token, or NULL for OAuth */
	char	   *client_id;		/* OAuth: all three set, or all NULL */
	char	   *client_secret;
	char	   *refresh_token;
} HsConnection;

extern HsConnection *hs_get_connection(ForeignServer *server, UserMapping *user);
extern HsConnection *hs_connection_for_table(Oid foreigntableid, Oid userid);
extern void hs_connection_end_xact(void);
extern UserMapping *hs_user_mapping(ForeignServer *server, Oid userid);
extern ForeignServer *hs_function_server(const char *name, UserMapping **user);

/* ---------- convert.c: SQL values <-> HubSpot strings ---------- */

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
extern char *hs_to_utf8(const char *s);
extern char *hs_from_utf8(const char *s);

#endif							/* CATALOG_H */
