/*
 * import.c
 *		IMPORT FOREIGN SCHEMA crm: one foreign table per HubSpot object type,
 *		with a typed column per property, read from the properties API.
 *
 * Each property becomes a column of the same name, typed after HubSpot's
 * type: number -> numeric, bool (or a booleancheckbox field) -> boolean,
 * date -> date, datetime -> timestamptz, enumeration with checkboxes ->
 * text[], anything else -> text. Every column records its HubSpot type
 * (hubspot_type); read-only or calculated properties are marked read_only,
 * properties with unique values unique.
 *
 * LIMIT TO may also name link tables as "from_type>to_type": the table of
 * that name holds the links of from_type's records to to_type's (option
 * associations_to). Its columns are fixed, so it costs no request.
 * PostgreSQL keeps only the tables LIMIT TO names, hence the name.
 */
#include "postgres.h"

#include "read.h"

#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/* The only remote schema: HubSpot's CRM. */
#define HS_REMOTE_SCHEMA "crm"

/* What separates the two object types of a link table's name in LIMIT TO. */
#define HS_IMPORT_LINK_SEP '>'

/* The object types imported when no LIMIT TO is given. */
static const char *const hs_default_types[] = {"partner_clients", "partner_services", NULL};

/* What the IMPORT options ask for. */
typedef struct HsImportOptions
{
	bool		import_read_only;	/* also import read-only properties */
} HsImportOptions;

/* Read the options of IMPORT FOREIGN SCHEMA ... OPTIONS (...). */
static void
hs_import_options(List *options, HsImportOptions *out)
{
	ListCell   *lc;

	out->import_read_only = true;
	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "import_read_only") == 0)
			out->import_read_only = defGetBoolean(def);
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\" for IMPORT FOREIGN SCHEMA", def->defname),
					 errhint("The only valid option is import_read_only.")));
	}
}

/* Is "name" in the LIMIT TO / EXCEPT list "tables" (RangeVars)? */
static bool
hs_import_listed(List *tables, const char *name)
{
	ListCell   *lc;

	foreach(lc, tables)
		if (strcmp(((RangeVar *) lfirst(lc))->relname, name) == 0)
			return true;
	return false;
}

/* The object types to import: LIMIT TO's, or the defaults less EXCEPT's. */
static List *
hs_import_types(ImportForeignSchemaStmt *stmt)
{
	List	   *types = NIL;
	ListCell   *lc;
	int			i;

	if (stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO)
	{
		foreach(lc, stmt->table_list)
		{
			char	   *name = ((RangeVar *) lfirst(lc))->relname;
			char	   *sep = strchr(name, HS_IMPORT_LINK_SEP);

			if (sep && sep > name &&
				hs_object_type_is_valid(pnstrdup(name, sep - name)) &&
				hs_object_type_is_valid(sep + 1))
			{
				if (!list_member(types, makeString(name)))
					types = lappend(types, makeString(name));
				continue;
			}
			if (!hs_object_type_is_valid(name))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_NAME),
						 errmsg("invalid HubSpot object type \"%s\" in LIMIT TO", name),
						 errhint("Use object type names such as partner_clients, or object type ids such as 2-123456; name a link table as \"partner_clients>contacts\".")));
			if (!list_member(types, makeString(name)))
				types = lappend(types, makeString(name));
		}
		return types;
	}
	for (i = 0; hs_default_types[i]; i++)
		if (stmt->list_type != FDW_IMPORT_SCHEMA_EXCEPT ||
			!hs_import_listed(stmt->table_list, hs_default_types[i]))
			types = lappend(types, makeString(pstrdup(hs_default_types[i])));
	return types;
}

/* The PostgreSQL type of a property's column. */
static const char *
hs_import_column_type(const HsPropertyDef *def)
{
	const char *type = def->type ? def->type : "";
	const char *field = def->field_type ? def->field_type : "";

	if (strcmp(type, "bool") == 0 || strcmp(field, "booleancheckbox") == 0)
		return "boolean";
	if (strcmp(type, "number") == 0)
		return "numeric";
	if (strcmp(type, "date") == 0)
		return "date";
	if (strcmp(type, "datetime") == 0)
		return "timestamp with time zone";
	if (strcmp(type, "enumeration") == 0 && strcmp(field, "checkbox") == 0)
		return "text[]";
	return "text";
}

/* qsort comparator: properties by name. */
static int
hs_cmp_property(const ListCell *a, const ListCell *b)
{
	return strcmp(((HsPropertyDef *) lfirst(a))->name,
				  ((HsPropertyDef *) lfirst(b))->name);
}

/*
 * Is the property's name (or, with check_type, its type) valid UTF-8? When
 * it is not, say with a NOTICE that the property is skipped, showing only
 * the valid beginning of its name: the catalog and messages must hold
 * valid text.
 */
static bool
hs_import_check_utf8(const char *object_type, const HsPropertyDef *def,
					 bool check_type)
{
	const char *s = check_type ? def->type : def->name;
	int			len = strlen(s);
	int			name_valid = pg_encoding_verifymbstr(PG_UTF8, def->name, strlen(def->name));

	if (pg_encoding_verifymbstr(PG_UTF8, s, len) == len)
		return true;
	if (check_type)
		ereport(NOTICE,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("a property of HubSpot object type \"%s\" is not imported: its type is not valid UTF-8",
						object_type),
				 errdetail("The property's name is \"%s\".",
						   pg_any_to_server(def->name, strlen(def->name), PG_UTF8))));
	else
		ereport(NOTICE,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("a property of HubSpot object type \"%s\" is not imported: its name is not valid UTF-8",
						object_type),
				 errdetail("The name begins with \"%s\".",
						   pg_any_to_server(pnstrdup(def->name, name_valid), name_valid,
											PG_UTF8))));
	return false;
}

/*
 * Append one column definition for "def" to "buf"; false if it is skipped.
 * The property's name and type are checked as UTF-8 and stored in the
 * database encoding.
 */
static bool
hs_import_column(StringInfo buf, const char *object_type, const HsPropertyDef *def,
				 List **used)
{
	char	   *name;
	char	   *type = NULL;
	char	   *colname;
	int			len;
	bool		truncated = false;
	StringInfoData opts;

	if (def->name[0] == '\0')
		return false;
	if (!hs_import_check_utf8(object_type, def, false) ||
		(def->type && !hs_import_check_utf8(object_type, def, true)))
		return false;
	name = pg_any_to_server(def->name, strlen(def->name), PG_UTF8);
	if (def->type)
		type = pg_any_to_server(def->type, strlen(def->type), PG_UTF8);
	colname = name;
	len = strlen(name);
	if (len >= NAMEDATALEN)
	{
		colname = pnstrdup(name, pg_mbcliplen(name, len, NAMEDATALEN - 1));
		truncated = true;
	}
	if (strcmp(colname, "id") == 0 || list_member(*used, makeString(colname)))
	{
		ereport(NOTICE,
				(errmsg("property \"%s\" of HubSpot object type \"%s\" is not imported: its column name \"%s\" is taken",
						name, object_type, colname),
				 strcmp(colname, "id") == 0
				 ? errdetail("Column \"id\" holds the record id.") : 0,
				 errhint("Add a column for it by hand with OPTIONS (property '%s').", name)));
		return false;
	}
	*used = lappend(*used, makeString(colname));

	initStringInfo(&opts);
	if (truncated)
		appendStringInfo(&opts, "property %s", quote_literal_cstr(name));
	if (type)
		appendStringInfo(&opts, "%shubspot_type %s", opts.len ? ", " : "",
						 quote_literal_cstr(type));
	if (def->read_only_value || def->calculated)
		appendStringInfo(&opts, "%sread_only 'true'", opts.len ? ", " : "");
	if (def->has_unique_value)
		appendStringInfo(&opts, "%sunique 'true'", opts.len ? ", " : "");

	appendStringInfo(buf, ",\n  %s %s", quote_identifier(colname),
					 hs_import_column_type(def));
	if (opts.len)
		appendStringInfo(buf, " OPTIONS (%s)", opts.data);
	return true;
}

/* Fetch the properties of "object_type" and build its CREATE FOREIGN TABLE. */
static char *
hs_import_table(HsConnection *conn, const HsTableOptions *opts,
				ForeignServer *server, const char *object_type,
				const HsImportOptions *iopts)
{
	HsHttpRequest req;
	char	   *path = hs_properties_path(opts, object_type);
	char	   *why = NULL;
	List	   *defs;
	List	   *used = NIL;
	ListCell   *lc;
	StringInfoData buf;

	hs_request_init(&req, conn, opts, "GET", path, "archived=false", NULL);
	hs_send(&req);
	hs_check_response(&req, false);
	if (!hs_json_parse_properties(req.response, req.response_len, &defs, &why))
		hs_report_bad_response(&req, why);
	list_sort(defs, hs_cmp_property);

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (\n  id text",
					 quote_identifier(object_type));
	foreach(lc, defs)
	{
		HsPropertyDef *def = (HsPropertyDef *) lfirst(lc);

		if (!iopts->import_read_only && (def->read_only_value || def->calculated))
			continue;
		hs_import_column(&buf, object_type, def, &used);
	}
	appendStringInfo(&buf, "\n) SERVER %s OPTIONS (object_type %s)",
					 quote_identifier(server->servername),
					 quote_literal_cstr(object_type));
	return buf.data;
}

/*
 * The CREATE FOREIGN TABLE of link table "name" ("from_type>to_type"), in
 * the columns v3's answers fill.
 */
static char *
hs_import_link_table(ForeignServer *server, const char *name)
{
	const char *sep = strchr(name, HS_IMPORT_LINK_SEP);

	return psprintf("CREATE FOREIGN TABLE %s (\n  %s text,\n  %s text,\n  %s text\n) SERVER %s OPTIONS (object_type %s, associations_to %s)",
					quote_identifier(name), HS_LINK_FROM_ID, HS_LINK_TO_ID, HS_LINK_TYPE,
					quote_identifier(server->servername),
					quote_literal_cstr(pnstrdup(name, sep - name)),
					quote_literal_cstr(sep + 1));
}

/*
 * IMPORT FOREIGN SCHEMA crm [LIMIT TO | EXCEPT] FROM SERVER s INTO local:
 * the CREATE FOREIGN TABLE statements, one per object type. Requests are
 * sent with the current user's user mapping.
 */
List *
hsImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	HsImportOptions iopts;
	HsTableOptions opts;
	HsConnection *conn;
	List	   *commands = NIL;
	ListCell   *lc;

	if (strcmp(stmt->remote_schema, HS_REMOTE_SCHEMA) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("HubSpot has no schema \"%s\"", stmt->remote_schema),
				 errhint("Import from schema \"%s\": IMPORT FOREIGN SCHEMA %s FROM SERVER %s INTO %s.",
						 HS_REMOTE_SCHEMA, HS_REMOTE_SCHEMA,
						 quote_identifier(server->servername),
						 quote_identifier(stmt->local_schema))));
	hs_import_options(stmt->options, &iopts);
	hs_get_server_options(server, &opts);
	conn = hs_get_connection(server, hs_user_mapping(server, GetUserId()));

	foreach(lc, hs_import_types(stmt))
	{
		const char *name = strVal(lfirst(lc));

		if (strchr(name, HS_IMPORT_LINK_SEP))
			commands = lappend(commands, hs_import_link_table(server, name));
		else
			commands = lappend(commands,
							   hs_import_table(conn, &opts, server, name, &iopts));
	}
	return commands;
}
