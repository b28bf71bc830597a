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

typedef struct HsOption
{
	const char *name;
	Oid			context;		/* catalog that may hold it */
} HsOption;

static const HsOption hs_options[] = {
	{"api_url", ForeignServerRelationId},
	{"batch_size", ForeignServerRelationId},
	{"connect_timeout_ms", ForeignServerRelationId},
	{"request_timeout_ms", ForeignServerRelationId},
	{"max_retries", ForeignServerRelationId},
	{"max_concurrency", ForeignServerRelationId},
	{"rate_limit_per_10s", ForeignServerRelationId},
	{"send_at", ForeignServerRelationId},
	{"use_search", ForeignServerRelationId},
	{"ca_file", ForeignServerRelationId},
	{"ca_path", ForeignServerRelationId},
	{"access_token", UserMappingRelationId},
	{"object_type", ForeignTableRelationId},
	{"batch_size", ForeignTableRelationId},
	{"send_at", ForeignTableRelationId},
	{"id_property", ForeignTableRelationId},
	{"use_search", ForeignTableRelationId},
	{"insert_mode", ForeignTableRelationId},
	{"property", AttributeRelationId},
	{"hubspot_type", AttributeRelationId},
	{"read_only", AttributeRelationId},
	{"unique", AttributeRelationId},
	{NULL, InvalidOid}
};

/* Is "name" valid in catalog "context"? */
static bool
hs_option_is_valid(const char *name, Oid context)
{
	const HsOption *opt;

	for (opt = hs_options; opt->name; opt++)
		if (opt->context == context && strcmp(opt->name, name) == 0)
			return true;
	return false;
}

/* The option names valid in "context", for an error hint. */
static char *
hs_valid_option_list(Oid context)
{
	StringInfoData buf;
	const HsOption *opt;

	initStringInfo(&buf);
	for (opt = hs_options; opt->name; opt++)
	{
		if (opt->context != context)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, opt->name);
	}
	return buf.data;
}

/* Parse an integer option within [min, max], or raise a clear error. */
static int
hs_int_option(DefElem *def, int min, int max)
{
	char	   *value = defGetString(def);
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || n < min || n > max)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->defname, value),
				 errhint("Valid values are integers from %d to %d.", min, max)));
	return (int) n;
}

/* Parse send_at: 'statement' (false) or 'commit' (true). */
static bool
hs_send_at_option(DefElem *def)
{
	char	   *value = defGetString(def);

	if (strcmp(value, "statement") == 0)
		return false;
	if (strcmp(value, "commit") == 0)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("invalid value for option \"send_at\": \"%s\"", value),
			 errhint("Valid values are \"statement\" and \"commit\".")));
	return false;				/* keep compiler quiet */
}

/* Parse insert_mode: 'create' (false) or 'upsert' (true). */
static bool
hs_insert_mode_option(DefElem *def)
{
	char	   *value = defGetString(def);

	if (strcmp(value, "create") == 0)
		return false;
	if (strcmp(value, "upsert") == 0)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("invalid value for option \"insert_mode\": \"%s\"", value),
			 errhint("Valid values are \"create\" and \"upsert\".")));
	return false;				/* keep compiler quiet */
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
 * Check the api_url a server is created or altered with: valid for
 * everyone (hs_parse_api_url), and for a role that is not a superuser
 * https to a host and port in hubspot_fdw.allowed_hosts. Whoever owns a
 * server decides where the tokens of its users go.
 */
static void
hs_check_api_url(const char *url)
{
	HsApiUrl	u;
	const char *why;

	if (!hs_parse_api_url(url, &u, &why))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"api_url\""),
				 errdetail("%s", why)));
	if (superuser())
		return;
	if (!u.https)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only superusers can create or alter a server whose api_url is plain http://"),
				 errdetail("Plain http:// sends the access tokens of the server's users unencrypted; it is meant for a local test server such as the bundled emulator.")));
	if (!hs_host_is_allowed(&u))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only superusers can create or alter a server whose api_url host is not in hubspot_fdw.allowed_hosts"),
				 errdetail("Host \"%s\" on port %d is not in hubspot_fdw.allowed_hosts, which is \"%s\". The owner of a server decides where the access tokens of its users are sent.",
						   u.host, u.port, hs_allowed_hosts ? hs_allowed_hosts : ""),
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

/* Validate object_type: it becomes a URL path segment. */
static void
hs_check_object_type(const char *value)
{
	if (*value == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"object_type\" must not be empty")));
	if (!hs_object_type_is_valid(value))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"object_type\": \"%s\"", value),
				 errhint(HS_OBJECT_TYPE_HINT)));
}

/* Parse a boolean option, or raise a clear error. */
static bool
hs_bool_option(DefElem *def)
{
	bool		result;

	if (!parse_bool(defGetString(def), &result))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->defname, defGetString(def)),
				 errhint("Valid values are true and false.")));
	return result;
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
	ListCell   *lc;
	bool		have_object_type = false;
	bool		have_id_property = false;
	bool		upsert = false;
	bool		have_api_url = false;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (!hs_option_is_valid(def->defname, catalog))
		{
			if (strcmp(def->defname, "access_token") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("option \"access_token\" is allowed only in a user mapping"),
						 errhint("Use CREATE USER MAPPING ... SERVER ... OPTIONS (access_token '...').")));
			if (catalog == ForeignDataWrapperRelationId)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("invalid option \"%s\"", def->defname),
						 errhint("The foreign data wrapper hubspot_fdw takes no options.")));
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 errhint("Valid options in this context are: %s.",
							 hs_valid_option_list(catalog))));
		}

		if (strcmp(def->defname, "api_url") == 0)
		{
			hs_check_api_url(defGetString(def));
			have_api_url = true;
		}
		else if (strcmp(def->defname, "batch_size") == 0)
			(void) hs_int_option(def, 1, HS_MAX_BATCH_SIZE);
		else if (strcmp(def->defname, "connect_timeout_ms") == 0 ||
				 strcmp(def->defname, "request_timeout_ms") == 0)
			(void) hs_int_option(def, 1, 3600 * 1000);
		else if (strcmp(def->defname, "max_retries") == 0)
			(void) hs_int_option(def, 0, 10);
		else if (strcmp(def->defname, "max_concurrency") == 0)
			(void) hs_int_option(def, 1, HS_MAX_PARALLEL);
		else if (strcmp(def->defname, "rate_limit_per_10s") == 0)
			(void) hs_int_option(def, 0, HS_RATE_LIMIT_MAX);
		else if (strcmp(def->defname, "send_at") == 0)
			(void) hs_send_at_option(def);
		else if (strcmp(def->defname, "ca_file") == 0 ||
				 strcmp(def->defname, "ca_path") == 0)
		{
			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only superusers can set option \"%s\"", def->defname),
						 errdetail("The CA bundle decides which servers the access token is sent to.")));
			if (defGetString(def)[0] != '/')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("option \"%s\" must be an absolute path", def->defname)));
		}
		else if (strcmp(def->defname, "access_token") == 0)
		{
			const char *t = defGetString(def);

			if (*t == '\0' || strpbrk(t, " \t\r\n") != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("option \"access_token\" must be a non-empty token without white space")));
		}
		else if (strcmp(def->defname, "object_type") == 0)
		{
			hs_check_object_type(defGetString(def));
			have_object_type = true;
		}
		else if (strcmp(def->defname, "property") == 0 ||
				 strcmp(def->defname, "id_property") == 0 ||
				 strcmp(def->defname, "hubspot_type") == 0)
		{
			if (*defGetString(def) == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("option \"%s\" must not be empty", def->defname)));
			if (strcmp(def->defname, "id_property") == 0)
				have_id_property = true;
		}
		else if (strcmp(def->defname, "read_only") == 0 ||
				 strcmp(def->defname, "unique") == 0 ||
				 strcmp(def->defname, "use_search") == 0)
			(void) hs_bool_option(def);
		else if (strcmp(def->defname, "insert_mode") == 0)
			upsert = hs_insert_mode_option(def);
	}

	/* a server without api_url sends its users' tokens to the default */
	if (catalog == ForeignServerRelationId && !have_api_url)
		hs_check_api_url(HS_DEFAULT_API_URL);

	/* batch/upsert names records by a unique property: the table must say which */
	if (upsert && !have_id_property)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"insert_mode\" with value \"upsert\" requires option \"id_property\""),
				 errdetail("HubSpot's batch/upsert finds the records to update by the value of a unique property."),
				 errhint("For example: OPTIONS (insert_mode 'upsert', id_property 'email').")));

	/*
	 * ALTER FOREIGN TABLE ... OPTIONS passes the resulting option list, so a
	 * table without object_type can be caught here in both cases.
	 */
	if (catalog == ForeignTableRelationId && !have_object_type)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"object_type\" is required for a hubspot_fdw foreign table"),
				 errhint("For example: OPTIONS (object_type 'partner_clients').")));

	PG_RETURN_VOID();
}

/*
 * Copy "src" into "dst" with every string in the current memory context,
 * for options that outlive the statement that resolved them.
 */
void
hs_copy_table_options(HsTableOptions *dst, const HsTableOptions *src)
{
	*dst = *src;
	dst->object_type = src->object_type ? pstrdup(src->object_type) : NULL;
	dst->api_url = src->api_url ? pstrdup(src->api_url) : NULL;
	dst->ca_file = src->ca_file ? pstrdup(src->ca_file) : NULL;
	dst->ca_path = src->ca_path ? pstrdup(src->ca_path) : NULL;
	dst->id_property = src->id_property ? pstrdup(src->id_property) : NULL;
}

/* Fill "opts" from a server's options, with defaults for the rest. */
void
hs_get_server_options(ForeignServer *server, HsTableOptions *opts)
{
	ListCell   *lc;
	char	   *url = HS_DEFAULT_API_URL;
	size_t		len;
	HsApiUrl	parsed;
	const char *why;

	memset(opts, 0, sizeof(*opts));
	opts->batch_size = HS_MAX_BATCH_SIZE;
	opts->connect_timeout_ms = HS_DEFAULT_CONNECT_TIMEOUT_MS;
	opts->request_timeout_ms = HS_DEFAULT_REQUEST_TIMEOUT_MS;
	opts->max_retries = HS_DEFAULT_MAX_RETRIES;
	opts->max_concurrency = HS_DEFAULT_MAX_CONCURRENCY;
	opts->rate_limit = HS_DEFAULT_RATE_LIMIT;
	opts->use_search = true;

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "api_url") == 0)
			url = defGetString(def);
		else if (strcmp(def->defname, "batch_size") == 0)
			opts->batch_size = hs_int_option(def, 1, HS_MAX_BATCH_SIZE);
		else if (strcmp(def->defname, "connect_timeout_ms") == 0)
			opts->connect_timeout_ms = hs_int_option(def, 1, 3600 * 1000);
		else if (strcmp(def->defname, "request_timeout_ms") == 0)
			opts->request_timeout_ms = hs_int_option(def, 1, 3600 * 1000);
		else if (strcmp(def->defname, "max_retries") == 0)
			opts->max_retries = hs_int_option(def, 0, 10);
		else if (strcmp(def->defname, "max_concurrency") == 0)
			opts->max_concurrency = hs_int_option(def, 1, HS_MAX_PARALLEL);
		else if (strcmp(def->defname, "rate_limit_per_10s") == 0)
			opts->rate_limit = hs_int_option(def, 0, HS_RATE_LIMIT_MAX);
		else if (strcmp(def->defname, "send_at") == 0)
			opts->send_at_commit = hs_send_at_option(def);
		else if (strcmp(def->defname, "use_search") == 0)
			opts->use_search = hs_bool_option(def);
		else if (strcmp(def->defname, "ca_file") == 0)
			opts->ca_file = defGetString(def);
		else if (strcmp(def->defname, "ca_path") == 0)
			opts->ca_path = defGetString(def);
	}

	/* a catalog from an older version may hold what CREATE/ALTER now refuse */
	if (!hs_parse_api_url(url, &parsed, &why))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("server \"%s\" has an invalid api_url", server->servername),
				 errdetail("%s", why),
				 errhint("A superuser can correct it with ALTER SERVER %s OPTIONS (SET api_url '...').",
						 quote_identifier(server->servername))));

	opts->api_url = pstrdup(url);
	len = strlen(opts->api_url);
	while (len > 0 && opts->api_url[len - 1] == '/')
		opts->api_url[--len] = '\0';
}

/* Resolve a foreign table's options: table options override the server's. */
void
hs_get_table_options(Oid foreigntableid, HsTableOptions *opts)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ListCell   *lc;

	hs_get_server_options(GetForeignServer(table->serverid), opts);

	foreach(lc, table->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "object_type") == 0)
			opts->object_type = defGetString(def);
		else if (strcmp(def->defname, "batch_size") == 0)
			opts->batch_size = hs_int_option(def, 1, HS_MAX_BATCH_SIZE);
		else if (strcmp(def->defname, "send_at") == 0)
			opts->send_at_commit = hs_send_at_option(def);
		else if (strcmp(def->defname, "id_property") == 0)
			opts->id_property = defGetString(def);
		else if (strcmp(def->defname, "use_search") == 0)
			opts->use_search = hs_bool_option(def);
		else if (strcmp(def->defname, "insert_mode") == 0)
			opts->insert_upsert = hs_insert_mode_option(def);
	}
	if (opts->object_type == NULL)	/* validator makes this unreachable */
		elog(ERROR, "foreign table %u has no object_type option", foreigntableid);
}

/*
 * The columns of a hubspot_fdw foreign table: "id" is the record id, every
 * other column the property named by its "property" option or its own name,
 * with what its other options say about that property.
 */
List *
hs_get_columns(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	List	   *columns = NIL;
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		HsColumn   *col;
		List	   *options;
		ListCell   *lc;

		if (att->attisdropped)
			continue;
		col = palloc0(sizeof(HsColumn));
		col->attnum = att->attnum;
		col->attname = pstrdup(NameStr(att->attname));
		col->typid = att->atttypid;
		col->typmod = att->atttypmod;
		col->property = col->attname;

		options = GetForeignColumnOptions(RelationGetRelid(rel), att->attnum);
		foreach(lc, options)
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (strcmp(def->defname, "property") == 0)
				col->property = defGetString(def);
			else if (strcmp(def->defname, "read_only") == 0)
				col->read_only = hs_bool_option(def);
			else if (strcmp(def->defname, "unique") == 0)
				col->unique = hs_bool_option(def);
			else if (strcmp(def->defname, "hubspot_type") == 0)
				col->hubspot_type = defGetString(def);
		}
		if (strcmp(col->attname, "id") == 0)
		{
			col->is_id = true;
			col->property = NULL;
		}
		columns = lappend(columns, col);
	}
	return columns;
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
