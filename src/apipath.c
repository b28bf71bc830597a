/*
 * apipath.c
 *		The one place that knows HubSpot's paths: every request path the
 *		extension sends is built here from the server's api_version
 *		(doc/hubspot-api.md, "API versions"), and request.c asks here what
 *		kind of endpoint a path is.
 *
 * v3 sends /crm/v3/objects/..., /crm/v3/properties/... and the v3
 * associations API; a date version (2026-03, 2026-09) sends
 * /crm/objects/{version}/..., /crm/properties/{version}/... and
 * /crm/associations/{version}/..., whose association endpoints take
 * association specs (category and type id) rather than type names.
 */
#include "postgres.h"

#include "transport.h"

/* The version segment of a date version's paths, e.g. "2026-03". */
static const char *
hs_api_date(const HsTableOptions *opts)
{
	return hs_api_version_name(opts->api_version);
}

/* Is the server's api_version a date version (not v3)? */
bool
hs_api_is_dated(const HsTableOptions *opts)
{
	return opts->api_version != HS_API_V3;
}

/*
 * The path of the objects API of "object_type", to which callers append
 * "/{id}", "/batch/{op}" or "/search": /crm/v3/objects/{type} or
 * /crm/objects/{version}/{type}.
 */
char *
hs_objects_path(const HsTableOptions *opts, const char *object_type)
{
	if (!hs_api_is_dated(opts))
		return psprintf("/crm/v3/objects/%s", hs_url_escape(object_type));
	return psprintf("/crm/objects/%s/%s", hs_api_date(opts), hs_url_escape(object_type));
}

/*
 * The path of the properties of "object_type": /crm/v3/properties/{type}
 * or /crm/properties/{version}/{type}.
 */
char *
hs_properties_path(const HsTableOptions *opts, const char *object_type)
{
	if (!hs_api_is_dated(opts))
		return psprintf("/crm/v3/properties/%s", hs_url_escape(object_type));
	return psprintf("/crm/properties/%s/%s", hs_api_date(opts), hs_url_escape(object_type));
}

/*
 * The path of an associations batch operation "op" ("create", "read",
 * "archive", "associate/default", "labels/archive") from "from_type" to
 * "to_type". "specs": the caller sends association specs
 * ({associationCategory, associationTypeId}); under v3 these go to the v4
 * associations API, type names to the v3 one. A date version takes specs
 * only: /crm/associations/{version}/{from}/{to}/batch/{op}.
 */
char *
hs_assoc_batch_path(const HsTableOptions *opts, bool specs, const char *from_type,
					const char *to_type, const char *op)
{
	if (hs_api_is_dated(opts))
		return psprintf("/crm/associations/%s/%s/%s/batch/%s", hs_api_date(opts),
						hs_url_escape(from_type), hs_url_escape(to_type), op);
	return psprintf("/crm/%s/associations/%s/%s/batch/%s", specs ? "v4" : "v3",
					hs_url_escape(from_type), hs_url_escape(to_type), op);
}

/*
 * The path of one association between two records. v3:
 * /crm/v3/objects/{from}/{fromId}/associations/{to}/{toId}/{type}. A date
 * version: /crm/objects/{version}/{from}/{fromId}/associations/{to}/{toId}
 * (the specs go in the body), or with "type" NULL the default association,
 * .../associations/default/{to}/{toId}. Ids and type in UTF-8.
 */
char *
hs_assoc_record_path(const HsTableOptions *opts, const char *from_type,
					 const char *from_id, const char *to_type, const char *to_id,
					 const char *type)
{
	if (!hs_api_is_dated(opts))
		return psprintf("/crm/v3/objects/%s/%s/associations/%s/%s/%s",
						hs_url_escape(from_type), hs_url_escape(from_id),
						hs_url_escape(to_type), hs_url_escape(to_id),
						hs_url_escape(type));
	return psprintf("/crm/objects/%s/%s/%s/associations/%s%s/%s",
					hs_api_date(opts), hs_url_escape(from_type), hs_url_escape(from_id),
					type == NULL ? "default/" : "", hs_url_escape(to_type),
					hs_url_escape(to_id));
}

/*
 * The path that lists the association types from "from_type" to
 * "to_type": v3's /crm/v3/associations/{from}/{to}/types (id and name), or
 * with "labels" (always under a date version) the labels endpoint
 * (category, type id, label): /crm/associations/v4/{from}/{to}/labels or
 * /crm/associations/{version}/{from}/{to}/labels.
 */
char *
hs_assoc_types_path(const HsTableOptions *opts, bool labels, const char *from_type,
					const char *to_type)
{
	if (!hs_api_is_dated(opts) && !labels)
		return psprintf("/crm/v3/associations/%s/%s/types",
						hs_url_escape(from_type), hs_url_escape(to_type));
	return psprintf("/crm/associations/%s/%s/%s/labels",
					hs_api_is_dated(opts) ? hs_api_date(opts) : "v4",
					hs_url_escape(from_type), hs_url_escape(to_type));
}

/*
 * Where batch/read of "object_type" comes from when the object's own spec
 * of the server's version lists none: NULL when it does. 2026-09's
 * partner_clients spec has no batch/read, and 2026-09's generic objects
 * spec offers it for any type, so the same path is sent under the generic
 * spec (doc/hubspot-api.md, "API versions"). EXPLAIN shows the text.
 */
const char *
hs_batch_read_source(const HsTableOptions *opts, const char *object_type)
{
	if (opts->api_version == HS_API_2026_09 &&
		pg_strcasecmp(object_type, "partner_clients") == 0)
		return "generic objects endpoint";
	return NULL;
}

/*
 * If "path" is on an objects API (/crm/v3/objects/ or
 * /crm/objects/{version}/), the part after that prefix ("{type}/..."),
 * else NULL.
 */
const char *
hs_path_objects_rest(const char *path)
{
	const char *p;

	if (strncmp(path, "/crm/v3/objects/", 16) == 0)
		return path + 16;
	if (strncmp(path, "/crm/objects/", 13) != 0)
		return NULL;
	p = strchr(path + 13, '/');
	return p ? p + 1 : NULL;
}

/*
 * Is "path" an associations batch endpoint (v3, v4 or a date version's
 * /crm/associations/{version}/{from}/{to}/batch/...)?
 */
bool
hs_path_is_assoc_batch(const char *path)
{
	if (strncmp(path, "/crm/v3/associations/", 21) != 0 &&
		strncmp(path, "/crm/v4/associations/", 21) != 0 &&
		strncmp(path, "/crm/associations/", 18) != 0)
		return false;
	return strstr(path, "/batch/") != NULL;
}
