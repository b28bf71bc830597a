/*
 * option.c
 *		Options of hubspot_fdw objects: validation at CREATE/ALTER time and
 *		resolution into HsTableOptions / HsColumn at plan and run time.
 */
#include "postgres.h"

#include <ctype.h>

#include "hubspot_fdw.h"

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

/*
 * Whether "url" may be used as api_url: https, or plain http to a loopback
 * host only (the bundled emulator). On refusal *why says what is wrong.
 */
bool
hs_url_is_allowed(const char *url, const char **why)
{
	const char *host;
	size_t		hostlen;
	bool		plain = false;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
	{
		host = url + 7;
		plain = true;
	}
	else
	{
		*why = "api_url must start with https:// (or http:// for a loopback address)";
		return false;
	}
	hostlen = strcspn(host, ":/?#");
	if (hostlen == 0 || strchr(url, '@') != NULL || strpbrk(url, " \t\r\n") != NULL)
	{
		*why = "api_url must be a plain URL with a host name and no user information";
		return false;
	}
	if (plain)
	{
		if (host[0] == '[')
			hostlen = strcspn(host, "]") + 1;
		if (!((hostlen == 9 && strncmp(host, "localhost", 9) == 0) ||
			  (hostlen == 5 && strncmp(host, "[::1]", 5) == 0) ||
			  strncmp(host, "127.", 4) == 0))
		{
			*why = "plain http:// is allowed only for loopback hosts (127.0.0.0/8, localhost, [::1])";
			return false;
		}
	}
	return true;
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
					 errhint("Valid options in this context are: %s",
							 hs_valid_option_list(catalog))));
		}

		if (strcmp(def->defname, "api_url") == 0)
		{
			const char *why;

			if (!hs_url_is_allowed(defGetString(def), &why))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"api_url\""),
						 errdetail("%s", why)));
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

	/* batch/upsert names records by a unique property: the table must say which */
	if (upsert && !have_id_property)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"insert_mode\" 'upsert' requires option \"id_property\""),
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

/* Fill "opts" from a server's options, with defaults for the rest. */
void
hs_get_server_options(ForeignServer *server, HsTableOptions *opts)
{
	ListCell   *lc;
	char	   *url = HS_DEFAULT_API_URL;
	size_t		len;

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
