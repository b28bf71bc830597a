/*
 * option.c
 *		Options of hubspot_fdw objects: validation at CREATE/ALTER time and
 *		resolution into HsTableOptions / HsColumn at plan and run time.
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog.h"

#include "access/reloptions.h"
#include "access/table.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/rel.h"

/* Where an option may be given: one bit per catalog (a wrapper takes none). */
#define HS_IN_SERVER	0x01
#define HS_IN_MAPPING	0x02
#define HS_IN_TABLE		0x04
#define HS_IN_COLUMN	0x08

/* What an option's value must be, and the C type of the field it fills. */
typedef enum HsOptionKind
{
	HS_OPT_TEXT,				/* a non-empty string (char *) */
	HS_OPT_INT,					/* an integer from min to max (int) */
	HS_OPT_INT_AUTO,			/* "auto" (HS_RATE_LIMIT_AUTO) or an integer from min to max (int) */
	HS_OPT_BOOL,				/* true or false, as parse_bool() reads (bool) */
	HS_OPT_CHOICE,				/* words[0] (false) or words[1] (true) (bool) */
	HS_OPT_API_VERSION,			/* one of HS_API_VERSION_NAMES (int: HsApiVersion) */
	HS_OPT_URL,					/* a URL of HubSpot's API (char *, without trailing slashes) */
	HS_OPT_OBJECT_TYPE,			/* a CRM object type (char *) */
	HS_OPT_PATH,				/* an absolute path (char *) */
	HS_OPT_TOKEN				/* a credential: no white space (not stored) */
} HsOptionKind;

/*
 * Where an option's value goes: offsetof() in HsTableOptions (options of
 * servers and tables) or in HsColumn (column options), plus one, so that
 * an entry without a field (0) stores nothing.
 */
#define HS_TABLE_FIELD(f)	(offsetof(HsTableOptions, f) + 1)
#define HS_COLUMN_FIELD(f)	(offsetof(HsColumn, f) + 1)

/* One option: the one place that says where it goes and what it takes. */
typedef struct HsOption
{
	const char *name;
	int			where;			/* HS_IN_* bits */
	HsOptionKind kind;
	int			min;			/* HS_OPT_INT: the bounds */
	int			max;
	const char *words[2];		/* HS_OPT_CHOICE: the words for false and true */
	const char *server_default; /* the value of a server that leaves it out */
	const char *superuser_why;	/* set: only superusers may set it, because */
	const char *sends;			/* HS_OPT_URL: what of the users' goes there */
	size_t		field;			/* HS_TABLE_FIELD() / HS_COLUMN_FIELD(), or 0 */
} HsOption;

/*
 * The options of every catalog, in the order the hint of an unknown option
 * lists them. A table's value of an option it shares with the server
 * overrides the server's.
 */
static const HsOption hs_options[] = {
	{
		.name = "object_type", .where = HS_IN_TABLE, .kind = HS_OPT_OBJECT_TYPE,
		.field = HS_TABLE_FIELD(object_type)
	},
	{
		.name = "api_url", .where = HS_IN_SERVER, .kind = HS_OPT_URL,
		.server_default = HS_DEFAULT_API_URL,
		.sends = "access tokens",
		.field = HS_TABLE_FIELD(api_url)
	},
	{
		.name = "oauth_token_url", .where = HS_IN_SERVER, .kind = HS_OPT_URL,
		.server_default = HS_DEFAULT_OAUTH_TOKEN_URL,
		.sends = "OAuth client secrets and refresh tokens",
		.field = HS_TABLE_FIELD(oauth_token_url)
	},
	{
		.name = "batch_size", .where = HS_IN_SERVER | HS_IN_TABLE, .kind = HS_OPT_INT,
		.min = 1, .max = HS_MAX_BATCH_SIZE,
		.server_default = CppAsString2(HS_MAX_BATCH_SIZE),
		.field = HS_TABLE_FIELD(batch_size)
	},
	{
		.name = "connect_timeout_ms", .where = HS_IN_SERVER, .kind = HS_OPT_INT,
		.min = 1, .max = 3600 * 1000,
		.server_default = CppAsString2(HS_DEFAULT_CONNECT_TIMEOUT_MS),
		.field = HS_TABLE_FIELD(connect_timeout_ms)
	},
	{
		.name = "request_timeout_ms", .where = HS_IN_SERVER, .kind = HS_OPT_INT,
		.min = 1, .max = 3600 * 1000,
		.server_default = CppAsString2(HS_DEFAULT_REQUEST_TIMEOUT_MS),
		.field = HS_TABLE_FIELD(request_timeout_ms)
	},
	{
		.name = "max_retries", .where = HS_IN_SERVER, .kind = HS_OPT_INT,
		.min = 0, .max = 10,
		.server_default = CppAsString2(HS_DEFAULT_MAX_RETRIES),
		.field = HS_TABLE_FIELD(max_retries)
	},
	{
		.name = "max_concurrency", .where = HS_IN_SERVER, .kind = HS_OPT_INT,
		.min = 1, .max = HS_MAX_PARALLEL,
		.server_default = CppAsString2(HS_DEFAULT_MAX_CONCURRENCY),
		.field = HS_TABLE_FIELD(max_concurrency)
	},
	{
		.name = "rate_limit_per_10s", .where = HS_IN_SERVER, .kind = HS_OPT_INT_AUTO,
		.min = 0, .max = HS_RATE_LIMIT_MAX,
		.server_default = "auto",
		.field = HS_TABLE_FIELD(rate_limit)
	},
	{
		.name = "send_at", .where = HS_IN_SERVER | HS_IN_TABLE, .kind = HS_OPT_CHOICE,
		.words = {"statement", "commit"},
		.server_default = "statement",
		.field = HS_TABLE_FIELD(send_at_commit)
	},
	{
		.name = "api_version", .where = HS_IN_SERVER, .kind = HS_OPT_API_VERSION,
		.server_default = "v3",
		.field = HS_TABLE_FIELD(api_version)
	},
	{
		.name = "id_property", .where = HS_IN_TABLE, .kind = HS_OPT_TEXT,
		.field = HS_TABLE_FIELD(id_property)
	},
	{
		.name = "use_search", .where = HS_IN_SERVER | HS_IN_TABLE, .kind = HS_OPT_BOOL,
		.server_default = "true",
		.field = HS_TABLE_FIELD(use_search)
	},
	{
		.name = "ca_file", .where = HS_IN_SERVER, .kind = HS_OPT_PATH,
		.superuser_why = "The CA bundle decides which servers the access token is sent to.",
		.field = HS_TABLE_FIELD(ca_file)
	},
	{
		.name = "ca_path", .where = HS_IN_SERVER, .kind = HS_OPT_PATH,
		.superuser_why = "The CA bundle decides which servers the access token is sent to.",
		.field = HS_TABLE_FIELD(ca_path)
	},
	{
		.name = "insert_mode", .where = HS_IN_TABLE, .kind = HS_OPT_CHOICE,
		.words = {"create", "upsert"},
		.field = HS_TABLE_FIELD(insert_upsert)
	},
	{
		.name = "estimated_rows", .where = HS_IN_TABLE, .kind = HS_OPT_INT,
		.min = 1, .max = PG_INT32_MAX,
		.field = HS_TABLE_FIELD(estimated_rows)
	},
	{
		.name = "associations_to", .where = HS_IN_TABLE, .kind = HS_OPT_OBJECT_TYPE,
		.field = HS_TABLE_FIELD(associations_to)
	},
	/* read by connection.c, never kept with the other options */
	{
		.name = "access_token", .where = HS_IN_MAPPING, .kind = HS_OPT_TOKEN
	},
	{
		.name = "client_id", .where = HS_IN_MAPPING, .kind = HS_OPT_TOKEN
	},
	{
		.name = "client_secret", .where = HS_IN_MAPPING, .kind = HS_OPT_TOKEN
	},
	{
		.name = "refresh_token", .where = HS_IN_MAPPING, .kind = HS_OPT_TOKEN
	},
	{
		.name = "property", .where = HS_IN_COLUMN, .kind = HS_OPT_TEXT,
		.field = HS_COLUMN_FIELD(property)
	},
	{
		.name = "hubspot_type", .where = HS_IN_COLUMN, .kind = HS_OPT_TEXT,
		.field = HS_COLUMN_FIELD(hubspot_type)
	},
	{
		.name = "read_only", .where = HS_IN_COLUMN, .kind = HS_OPT_BOOL,
		.field = HS_COLUMN_FIELD(read_only)
	},
	{
		.name = "unique", .where = HS_IN_COLUMN, .kind = HS_OPT_BOOL,
		.field = HS_COLUMN_FIELD(unique)
	},
	{.name = NULL}
};

static void hs_check_link_column(Relation rel, HsColumn *col);
static void hs_check_link_columns(Relation rel, List *columns);

/* Whether option "opt" fills a string (char *) field. */
static bool
hs_option_is_string(const HsOption *opt)
{
	return opt->kind == HS_OPT_TEXT || opt->kind == HS_OPT_URL ||
		opt->kind == HS_OPT_OBJECT_TYPE || opt->kind == HS_OPT_PATH;
}

/* The HS_IN_* bit of catalog "catalog"; 0 for a wrapper, which takes none. */
static int
hs_option_where(Oid catalog)
{
	switch (catalog)
	{
		case ForeignServerRelationId:
			return HS_IN_SERVER;
		case UserMappingRelationId:
			return HS_IN_MAPPING;
		case ForeignTableRelationId:
			return HS_IN_TABLE;
		case AttributeRelationId:
			return HS_IN_COLUMN;
		default:
			return 0;
	}
}

/* The option "name" valid in "where" (an HS_IN_* bit), or NULL. */
static const HsOption *
hs_option_find(const char *name, int where)
{
	const HsOption *opt;

	for (opt = hs_options; opt->name; opt++)
		if ((opt->where & where) != 0 && strcmp(opt->name, name) == 0)
			return opt;
	return NULL;
}

/* The option names valid in "where", for an error hint. */
static char *
hs_valid_option_list(int where)
{
	StringInfoData buf;
	const HsOption *opt;

	initStringInfo(&buf);
	for (opt = hs_options; opt->name; opt++)
	{
		if ((opt->where & where) == 0)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, opt->name);
	}
	return buf.data;
}

/*
 * Is "object_type" one of the partner objects, whose v3 API can only read
 * and update records? (In any case: the type name is not case-sensitive.)
 */
bool
hs_object_type_is_partner(const char *object_type)
{
	return pg_strcasecmp(object_type, "partner_clients") == 0 ||
		pg_strcasecmp(object_type, "partner_services") == 0;
}

/*
 * Whether HubSpot's v3 API can create and archive records of "object_type":
 * the generic objects API can, the partner objects' API cannot.
 */
bool
hs_object_type_can_create(const char *object_type)
{
	return !hs_object_type_is_partner(object_type);
}

/* The api_version option's values, indexed by HsApiVersion. */
static const char *const hs_api_version_names[] = HS_API_VERSION_NAMES;

/* The name of api_version "version" (an HsApiVersion), as the option spells it. */
const char *
hs_api_version_name(int version)
{
	if (version < 0 || version >= (int) lengthof(hs_api_version_names) - 1)
		return "v3";
	return hs_api_version_names[version];
}

/* GUC hubspot_fdw.allowed_hosts: where non-superusers may point a server. */
char	   *hs_allowed_hosts = NULL;

/* What hs_parse_api_url() finds in an api_url. */
typedef struct HsApiUrl
{
	bool		https;
	char		host[256];		/* lower case; an IPv6 address keeps its brackets */
	int			port;			/* the port, the scheme's default if none is given */
	bool		loopback;		/* 127.0.0.0/8 or [::1] written as numbers, or localhost */
	bool		has_path;
} HsApiUrl;

/*
 * Whether "host" (hostlen bytes) is an IPv4 address in plain dotted-decimal
 * form: four numbers from 0 to 255, without leading zeros (which some
 * resolvers read as octal). *first gets the first number.
 */
static bool
hs_is_dotted_quad(const char *host, size_t hostlen, int *first)
{
	int			parts = 0;
	size_t		i = 0;

	for (;;)
	{
		size_t		start = i;
		int			value = 0;

		while (i < hostlen && i - start < 4 && isdigit((unsigned char) host[i]))
			value = value * 10 + (host[i++] - '0');
		if (i == start || i - start > 3 || value > 255 ||
			(i - start > 1 && host[start] == '0'))
			return false;
		if (parts++ == 0)
			*first = value;
		if (i == hostlen)
			return parts == 4;
		if (host[i] != '.' || parts == 4)
			return false;
		i++;
	}
}

/*
 * Parse "url" as an api_url: https:// or http://, a host (a DNS name, a
 * dotted-decimal IPv4 address or an IPv6 address in brackets), an optional
 * port and an optional path; no user information, query or fragment.
 * Plain http:// only to a loopback address or localhost. These rules hold
 * for everyone; who may choose which hosts is hs_check_api_url()'s part.
 * On refusal *why says what is wrong, as a sentence.
 */
static bool
hs_parse_api_url(const char *url, HsApiUrl *out, const char **why)
{
	const char *p;
	const char *auth;
	size_t		authlen;
	size_t		hostlen;
	size_t		i;
	int			first = -1;

	memset(out, 0, sizeof(*out));
	for (p = url; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c <= ' ' || c >= 0x7f || strchr("\"<>\\^`{|}", c) != NULL)
		{
			*why = "The URL contains a space, a control character, a character that is not ASCII, or one of \" < > \\ ^ ` { | }.";
			return false;
		}
	}
	if (pg_strncasecmp(url, "https://", 8) == 0)
	{
		out->https = true;
		auth = url + 8;
	}
	else if (pg_strncasecmp(url, "http://", 7) == 0)
		auth = url + 7;
	else
	{
		*why = "The URL must start with https://, or with http:// for a loopback address.";
		return false;
	}
	if (strpbrk(url, "?#") != NULL)
	{
		*why = "The URL must have no query (\"?\") and no fragment (\"#\"): the path of each request is appended to it.";
		return false;
	}
	authlen = strcspn(auth, "/");
	out->has_path = auth[authlen] == '/' && auth[authlen + 1] != '\0';
	if (memchr(auth, '@', authlen) != NULL)
	{
		*why = "The URL must have no user information (\"user@\").";
		return false;
	}

	/* the host */
	if (auth[0] == '[')
	{
		const char *close = memchr(auth, ']', authlen);

		hostlen = close ? close - auth + 1 : 0;
		if (hostlen < 4 || strspn(auth + 1, "0123456789abcdefABCDEF:.") != hostlen - 2)
			hostlen = 0;
	}
	else
	{
		hostlen = strcspn(auth, ":/");
		for (i = 0; i < hostlen; i++)
			if (!isalnum((unsigned char) auth[i]) && auth[i] != '-' &&
				!(auth[i] == '.' && i > 0 && i + 1 < hostlen && auth[i + 1] != '.'))
				hostlen = 0;
		/* all digits and dots: an IPv4 address, in its one plain form */
		if (hostlen > 0 && strspn(auth, "0123456789.") >= hostlen &&
			!hs_is_dotted_quad(auth, hostlen, &first))
			hostlen = 0;
	}
	if (hostlen == 0 || hostlen >= sizeof(out->host))
	{
		*why = "The URL must name a host: a DNS name, an IPv4 address in dotted-decimal form, or an IPv6 address in brackets.";
		return false;
	}
	for (i = 0; i < hostlen; i++)
		out->host[i] = pg_tolower((unsigned char) auth[i]);
	out->host[hostlen] = '\0';
	out->loopback = (hs_is_dotted_quad(out->host, hostlen, &first) && first == 127) ||
		strcmp(out->host, "[::1]") == 0 || strcmp(out->host, "localhost") == 0;

	/* the port */
	out->port = out->https ? 443 : 80;
	if (hostlen < authlen)
	{
		const char *port = auth + hostlen + 1;
		size_t		portlen = authlen - hostlen - 1;
		long		n = 0;

		if (auth[hostlen] != ':' || portlen == 0 || portlen > 5 ||
			strspn(port, "0123456789") < portlen)
			n = -1;
		for (i = 0; n >= 0 && i < portlen; i++)
			n = n * 10 + (port[i] - '0');
		if (n < 1 || n > 65535)
		{
			*why = "The port must be a number from 1 to 65535.";
			return false;
		}
		out->port = (int) n;
	}

	if (!out->https && !out->loopback)
	{
		*why = "Plain http:// is allowed only for localhost and for the loopback addresses 127.0.0.0/8 and [::1], written as numbers.";
		return false;
	}
	return true;
}

/* The longest entry of hubspot_fdw.allowed_hosts. */
#define HS_ALLOWED_HOST_MAX 280

/*
 * The next entry of the hubspot_fdw.allowed_hosts list at *p (entries are
 * separated by commas and spaces) as "https://" + entry in "url" (of
 * HS_ALLOWED_HOST_MAX + 9 bytes at least), its text in *entry and *len;
 * *p moves past it. False at the end of the list.
 */
static bool
hs_next_allowed_host(const char **p, char *url, size_t size,
					 const char **entry, size_t *len)
{
	*p += strspn(*p, " ,");
	*len = strcspn(*p, " ,");
	if (*len == 0)
		return false;
	*entry = *p;
	snprintf(url, size, "https://%.*s", (int) Min(*len, HS_ALLOWED_HOST_MAX), *p);
	*p += *len;
	return true;
}

/*
 * Whether the host and port of "u" are in hubspot_fdw.allowed_hosts: a
 * comma-separated list of "host" (port 443) or "host:port" entries.
 */
static bool
hs_host_is_allowed(const HsApiUrl *u)
{
	const char *p = hs_allowed_hosts ? hs_allowed_hosts : "";
	const char *entry;
	size_t		len;
	char		url[HS_ALLOWED_HOST_MAX + 16];
	HsApiUrl	e;
	const char *why;

	while (hs_next_allowed_host(&p, url, sizeof(url), &entry, &len))
		if (hs_parse_api_url(url, &e, &why) && !e.has_path &&
			strcmp(e.host, u->host) == 0 && e.port == u->port)
			return true;
	return false;
}

/*
 * GUC check hook of hubspot_fdw.allowed_hosts: each entry, separated by
 * commas and spaces, must be a host name or address with an optional port.
 */
bool
hs_allowed_hosts_check(char **newval, void **extra, GucSource source)
{
	const char *p = *newval ? *newval : "";
	const char *entry;
	size_t		len;
	char		url[HS_ALLOWED_HOST_MAX + 16];
	HsApiUrl	e;
	const char *why;

	while (hs_next_allowed_host(&p, url, sizeof(url), &entry, &len))
	{
		if (len > HS_ALLOWED_HOST_MAX)
		{
			GUC_check_errdetail("An entry is longer than %d characters.", HS_ALLOWED_HOST_MAX);
			return false;
		}
		if (!hs_parse_api_url(url, &e, &why) || strchr(url + 8, '/') != NULL)
		{
			GUC_check_errdetail("\"%.*s\" is not a host name or address with an optional port, such as api.hubapi.com or proxy.example.com:8443.",
								(int) len, entry);
			return false;
		}
	}
	return true;
}

/*
 * Check the URL "url" of option "opt" (api_url or oauth_token_url) a server
 * is created or altered with: valid for everyone (hs_parse_api_url), and
 * for a role that is not a superuser https to a host and port in
 * hubspot_fdw.allowed_hosts. Whoever owns a server decides where the
 * credentials of its users go.
 */
static void
hs_check_api_url(const HsOption *opt, const char *url)
{
	HsApiUrl	u;
	const char *why;

	if (!hs_parse_api_url(url, &u, &why))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\"", opt->name),
				 errdetail("%s", why)));
	if (superuser())
		return;
	if (!u.https)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only superusers can create or alter a server whose %s is plain http://",
						opt->name),
				 errdetail("Plain http:// sends the %s of the server's users unencrypted; it is meant for a local test server such as the bundled emulator.",
						   opt->sends)));
	if (!hs_host_is_allowed(&u))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only superusers can create or alter a server whose %s host is not in hubspot_fdw.allowed_hosts",
						opt->name),
				 errdetail("Host \"%s\" on port %d is not in hubspot_fdw.allowed_hosts, which is \"%s\". The owner of a server decides where the %s of its users are sent.",
						   u.host, u.port, hs_allowed_hosts ? hs_allowed_hosts : "",
						   opt->sends),
				 errhint("A superuser can add the host to hubspot_fdw.allowed_hosts.")));
}

/*
 * Whether "value" may name a CRM object type: letters, digits, "_" and "-"
 * only, since it becomes a URL path segment. Shared by the object_type
 * option and the association functions; the empty string is not checked.
 */
bool
hs_object_type_is_valid(const char *value)
{
	const char *p;

	for (p = value; *p; p++)
		if (!isalnum((unsigned char) *p) && *p != '_' && *p != '-')
			return false;
	return true;
}

/* The error of option "opt" given "value", which is not one it takes. */
static void
hs_option_bad_value(const HsOption *opt, const char *value)
{
	if (opt->kind == HS_OPT_PATH)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"%s\" must be an absolute path", opt->name)));
	if (opt->kind == HS_OPT_TOKEN)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"%s\" must be a non-empty token without white space",
						opt->name)));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
			 opt->kind == HS_OPT_INT ?
			 errhint("Valid values are integers from %d to %d.", opt->min, opt->max) :
			 opt->kind == HS_OPT_INT_AUTO ?
			 errhint("Valid values are auto and integers from %d to %d.", opt->min, opt->max) :
			 opt->kind == HS_OPT_BOOL ?
			 errhint("Valid values are true and false.") :
			 opt->kind == HS_OPT_CHOICE ?
			 errhint("Valid values are \"%s\" and \"%s\".", opt->words[0], opt->words[1]) :
			 opt->kind == HS_OPT_API_VERSION ?
			 errhint("Valid values are \"%s\", \"%s\" and \"%s\".", hs_api_version_names[0],
					 hs_api_version_names[1], hs_api_version_names[2]) :
			 opt->kind == HS_OPT_OBJECT_TYPE ? errhint(HS_OBJECT_TYPE_HINT) : 0));
}

/*
 * Check "value" of option "opt" and store it in "dest" (an HsTableOptions,
 * or an HsColumn for a column option), strings copied into the current
 * memory context. "setting" is true while CREATE/ALTER sets it, which also
 * checks the role's privileges; false when a statement reads the catalog
 * of server "server" (named in messages), whose entries an older version
 * may have written under other rules.
 */
static void
hs_option_value(const HsOption *opt, const char *value, bool setting,
				const char *server, void *dest)
{
	void	   *field = opt->field ? (char *) dest + opt->field - 1 : NULL;
	long		n = 0;
	bool		b = false;
	char	   *text = NULL;

	if (setting && opt->superuser_why && !superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only superusers can set option \"%s\"", opt->name),
				 errdetail("%s", opt->superuser_why)));

	/* a property or an object type: the empty string names none */
	if (*value == '\0' && (opt->kind == HS_OPT_TEXT || opt->kind == HS_OPT_OBJECT_TYPE))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"%s\" must not be empty", opt->name)));

	switch (opt->kind)
	{
		case HS_OPT_TEXT:
			text = pstrdup(value);
			break;
		case HS_OPT_INT_AUTO:
			if (strcmp(value, "auto") == 0)
			{
				n = HS_RATE_LIMIT_AUTO;
				break;
			}
			/* FALLTHROUGH */
		case HS_OPT_INT:
			{
				char	   *end;

				errno = 0;
				n = strtol(value, &end, 10);
				if (errno != 0 || end == value || *end != '\0' ||
					n < opt->min || n > opt->max)
					hs_option_bad_value(opt, value);
				break;
			}
		case HS_OPT_BOOL:
			if (!parse_bool(value, &b))
				hs_option_bad_value(opt, value);
			break;
		case HS_OPT_CHOICE:
			if (strcmp(value, opt->words[1]) == 0)
				b = true;
			else if (strcmp(value, opt->words[0]) != 0)
				hs_option_bad_value(opt, value);
			break;
		case HS_OPT_API_VERSION:
			for (n = 0; hs_api_version_names[n] != NULL; n++)
				if (strcmp(value, hs_api_version_names[n]) == 0)
					break;
			if (hs_api_version_names[n] == NULL)
				hs_option_bad_value(opt, value);
			break;
		case HS_OPT_URL:
			{
				HsApiUrl	parsed;
				const char *why;
				size_t		len;

				if (setting)
					hs_check_api_url(opt, value);
				else if (!hs_parse_api_url(value, &parsed, &why))
					ereport(ERROR,
							(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
							 errmsg("server \"%s\" has an invalid %s", server, opt->name),
							 errdetail("%s", why),
							 errhint("A superuser can correct it with ALTER SERVER %s OPTIONS (SET %s '...').",
									 quote_identifier(server), opt->name)));
				text = pstrdup(value);
				len = strlen(text);
				while (len > 0 && text[len - 1] == '/')
					text[--len] = '\0';
				break;
			}
		case HS_OPT_OBJECT_TYPE:
			if (!hs_object_type_is_valid(value))
				hs_option_bad_value(opt, value);
			text = pstrdup(value);
			break;
		case HS_OPT_PATH:
			if (value[0] != '/')
				hs_option_bad_value(opt, value);
			text = pstrdup(value);
			break;
		case HS_OPT_TOKEN:
			if (*value == '\0' || strpbrk(value, " \t\r\n") != NULL)
				hs_option_bad_value(opt, value);
			break;
	}

	if (field == NULL)
		return;
	if (hs_option_is_string(opt))
		*(char **) field = text;
	else if (opt->kind == HS_OPT_INT || opt->kind == HS_OPT_INT_AUTO ||
			 opt->kind == HS_OPT_API_VERSION)
		*(int *) field = (int) n;
	else
		*(bool *) field = b;
}

/* The error of option "name", which catalog "where" does not take. */
static void
hs_option_unknown(const char *name, int where)
{
	if (strcmp(name, "access_token") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"access_token\" is allowed only in a user mapping"),
				 errhint("Use CREATE USER MAPPING ... SERVER ... OPTIONS (access_token '...').")));
	if (where != HS_IN_MAPPING && hs_option_find(name, HS_IN_MAPPING) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" is allowed only in a user mapping", name),
				 errhint("Use CREATE USER MAPPING ... SERVER ... OPTIONS (client_id '...', client_secret '...', refresh_token '...').")));
	if (where == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid option \"%s\"", name),
				 errhint("The foreign data wrapper hubspot_fdw takes no options.")));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\"", name),
			 errhint("Valid options in this context are: %s.",
					 hs_valid_option_list(where))));
}

/*
 * Check the options "options" of a catalog entry of kind "where" (an
 * HS_IN_* bit, 0 for a wrapper) and store their values in "dest", in the
 * order given; then, for a server, the default of each option it leaves
 * out, checked the same way (the default api_url is where the tokens of
 * its users go). "setting", "server": as hs_option_value(). While setting,
 * an option "where" does not take is an error; when reading, it is skipped.
 */
static void
hs_apply_options(List *options, int where, bool setting, const char *server,
				 void *dest)
{
	const HsOption *opt;
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		opt = hs_option_find(def->defname, where);
		if (opt != NULL)
			hs_option_value(opt, defGetString(def), setting, server, dest);
		else if (setting)
			hs_option_unknown(def->defname, where);
	}
	if (where != HS_IN_SERVER)
		return;
	for (opt = hs_options; opt->name; opt++)
	{
		bool		given = false;

		if ((opt->where & where) == 0 || opt->server_default == NULL)
			continue;
		foreach(lc, options)
			if (strcmp(((DefElem *) lfirst(lc))->defname, opt->name) == 0)
				given = true;
		if (!given)
			hs_option_value(opt, opt->server_default, setting, server, dest);
	}
}

/*
 * A user mapping names its credentials one of two ways: an access_token,
 * or the three OAuth options client_id, client_secret and refresh_token,
 * from which the extension obtains access tokens. Refuse a mix of both and
 * an incomplete set of the three. (ALTER USER MAPPING passes the resulting
 * list, so this holds after every change. A mapping with neither is
 * accepted; using it is an error.)
 */
static void
hs_check_mapping_credentials(List *options)
{
	static const char *const oauth[] = {"client_id", "client_secret", "refresh_token"};
	bool		given[lengthof(oauth)] = {false};
	const char *missing[lengthof(oauth)];
	int			nmissing = 0;
	bool		access_token = false;
	ListCell   *lc;
	int			i;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "access_token") == 0)
			access_token = true;
		for (i = 0; i < lengthof(oauth); i++)
			if (strcmp(def->defname, oauth[i]) == 0)
				given[i] = true;
	}
	for (i = 0; i < lengthof(oauth); i++)
		if (!given[i])
			missing[nmissing++] = oauth[i];
	if (access_token && nmissing < lengthof(oauth))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("a user mapping takes either option \"access_token\" or the OAuth options, not both"),
				 errdetail("With client_id, client_secret and refresh_token, hubspot_fdw obtains access tokens from HubSpot itself."),
				 errhint("Drop access_token, or drop client_id, client_secret and refresh_token.")));
	if (nmissing == 0 || nmissing == lengthof(oauth))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
			 nmissing == 1
			 ? errmsg("OAuth option \"%s\" is missing", missing[0])
			 : errmsg("OAuth options \"%s\" and \"%s\" are missing", missing[0], missing[1]),
			 errdetail("A user mapping that obtains its access tokens by OAuth needs client_id, client_secret and refresh_token."),
			 errhint("For example: OPTIONS (client_id '...', client_secret '...', refresh_token '...').")));
}

PG_FUNCTION_INFO_V1(hubspot_fdw_validator);

/*
 * Validate the options given to CREATE/ALTER of a hubspot_fdw wrapper,
 * server, user mapping, foreign table or column.
 */
Datum
hubspot_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	int			where = hs_option_where(catalog);
	HsTableOptions opts;
	HsColumn	col;

	memset(&opts, 0, sizeof(opts));
	memset(&col, 0, sizeof(col));
	hs_apply_options(options, where, true, NULL,
					 where == HS_IN_COLUMN ? (void *) &col : (void *) &opts);

	/* batch/upsert names records by a unique property: the table must say which */
	if (opts.insert_upsert && opts.id_property == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"insert_mode\" with value \"upsert\" requires option \"id_property\""),
				 errdetail("HubSpot's batch/upsert finds the records to update by the value of a unique property."),
				 errhint("For example: OPTIONS (insert_mode 'upsert', id_property 'email').")));

	/* a link table's rows are links, never named by a property */
	if (opts.associations_to && (opts.id_property || opts.insert_upsert))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"associations_to\" cannot be combined with \"%s\"",
						opts.id_property ? "id_property" : "insert_mode"),
				 errdetail("A table with associations_to holds links between records, not records.")));

	if (where == HS_IN_MAPPING)
		hs_check_mapping_credentials(options);

	/*
	 * ALTER FOREIGN TABLE ... OPTIONS passes the resulting option list, so a
	 * table without object_type can be caught here in both cases.
	 */
	if (where == HS_IN_TABLE && opts.object_type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"object_type\" is required for a hubspot_fdw foreign table"),
				 errhint("For example: OPTIONS (object_type 'partner_clients').")));

	PG_RETURN_VOID();
}

/*
 * Copy "src" into "dst" with every string in the current memory context,
 * for options that outlive the statement that resolved them. Every pointer
 * of HsTableOptions is an option's string, so the option table lists them.
 */
void
hs_copy_table_options(HsTableOptions *dst, const HsTableOptions *src)
{
	const HsOption *opt;

	*dst = *src;
	for (opt = hs_options; opt->name; opt++)
	{
		char	  **s;

		if ((opt->where & (HS_IN_SERVER | HS_IN_TABLE)) == 0 || opt->field == 0 ||
			!hs_option_is_string(opt))
			continue;
		s = (char **) ((char *) dst + opt->field - 1);
		if (*s != NULL)
			*s = pstrdup(*s);
	}
}

/* Fill "opts" from a server's options, with defaults for the rest. */
void
hs_get_server_options(ForeignServer *server, HsTableOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	hs_apply_options(server->options, HS_IN_SERVER, false, server->servername,
					 opts);
}

/* Resolve a foreign table's options: table options override the server's. */
void
hs_get_table_options(Oid foreigntableid, HsTableOptions *opts)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ForeignServer *server = GetForeignServer(table->serverid);

	hs_get_server_options(server, opts);
	hs_apply_options(table->options, HS_IN_TABLE, false, server->servername,
					 opts);
	if (opts->object_type == NULL)	/* validator makes this unreachable */
		elog(ERROR, "foreign table %u has no object_type option", foreigntableid);
}

/*
 * The columns of a hubspot_fdw foreign table: "id" is the record id, every
 * other column the property named by its "property" option or its own name,
 * with what its other options say about that property. In a link table
 * (associations_to), "from_id" is the id column and the others are link
 * fields under their own names; any other name, or a missing required
 * column, is an error.
 */
List *
hs_get_columns(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	List	   *columns = NIL;
	bool		links = hs_is_link_table(RelationGetRelid(rel));
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		HsColumn   *col;
		List	   *options;

		if (att->attisdropped)
			continue;
		col = palloc0(sizeof(HsColumn));
		col->attnum = att->attnum;
		col->attname = pstrdup(NameStr(att->attname));
		col->typid = att->atttypid;
		col->typmod = att->atttypmod;
		col->property = col->attname;

		options = GetForeignColumnOptions(RelationGetRelid(rel), att->attnum);
		hs_apply_options(options, HS_IN_COLUMN, false, NULL, col);
		if (strcmp(col->attname, links ? HS_LINK_FROM_ID : "id") == 0)
		{
			col->is_id = true;
			col->property = NULL;
		}
		else if (links)
			hs_check_link_column(rel, col);
		columns = lappend(columns, col);
	}
	if (links)
		hs_check_link_columns(rel, columns);
	return columns;
}

/* Is foreign table "relid" a link table (option associations_to)? */
bool
hs_is_link_table(Oid relid)
{
	ListCell   *lc;

	foreach(lc, GetForeignTable(relid)->options)
	{
		DefElem    *d = lfirst_node(DefElem, lc);

		if (strcmp(d->defname, "associations_to") == 0)
			return true;
	}
	return false;
}

/* The hint of every error about the columns of a link table. */
#define HS_LINK_COLUMNS_HINT \
	"A table with associations_to has the columns from_id, to_id and association_type, and may have association_category, association_type_id and label."

/* Refuse column "col" of link table "rel" unless it names a link field. */
static void
hs_check_link_column(Relation rel, HsColumn *col)
{
	static const char *const fields[] = {
		HS_LINK_TO_ID, HS_LINK_TYPE, HS_LINK_CATEGORY, HS_LINK_TYPE_ID, HS_LINK_LABEL
	};
	int			i;

	for (i = 0; i < lengthof(fields); i++)
		if (strcmp(col->attname, fields[i]) == 0)
		{
			col->property = col->attname;
			return;
		}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
			 errmsg("column \"%s\" of foreign table \"%s\" is not a link column",
					col->attname, RelationGetRelationName(rel)),
			 errhint(HS_LINK_COLUMNS_HINT)));
}

/* Refuse link table "rel" if it lacks from_id, to_id or association_type. */
static void
hs_check_link_columns(Relation rel, List *columns)
{
	static const char *const required[] = {HS_LINK_FROM_ID, HS_LINK_TO_ID, HS_LINK_TYPE};
	int			i;

	for (i = 0; i < lengthof(required); i++)
	{
		if (hs_find_column(columns, required[i]) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("foreign table \"%s\" has no column \"%s\"",
							RelationGetRelationName(rel), required[i]),
					 errhint(HS_LINK_COLUMNS_HINT)));
	}
}

/* The record id column, or NULL when the table has none. */
HsColumn *
hs_find_id_column(List *columns)
{
	ListCell   *lc;

	foreach(lc, columns)
	{
		HsColumn   *col = (HsColumn *) lfirst(lc);

		if (col->is_id)
			return col;
	}
	return NULL;
}

/* The column named "attname", or NULL. */
HsColumn *
hs_find_column(List *columns, const char *attname)
{
	ListCell   *lc;

	foreach(lc, columns)
	{
		HsColumn   *col = (HsColumn *) lfirst(lc);

		if (strcmp(col->attname, attname) == 0)
			return col;
	}
	return NULL;
}

/* The first column mapped to HubSpot property "property", or NULL. */
HsColumn *
hs_find_property_column(List *columns, const char *property)
{
	ListCell   *lc;

	foreach(lc, columns)
	{
		HsColumn   *col = (HsColumn *) lfirst(lc);

		if (!col->is_id && strcmp(col->property, property) == 0)
			return col;
	}
	return NULL;
}

/*
 * Is "fdw" a wrapper of hubspot_fdw, whatever it is called? Its options
 * must be checked by our validator: a wrapper with our handler and no
 * validator would let options such as api_url through unchecked.
 */
bool
hs_is_hubspot_wrapper(ForeignDataWrapper *fdw)
{
	FmgrInfo	finfo;

	if (!OidIsValid(fdw->fdwvalidator))
		return false;
	fmgr_info(fdw->fdwvalidator, &finfo);
	return finfo.fn_addr == hubspot_fdw_validator;
}
