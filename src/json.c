/*
 * json.c
 *		Everything that touches json-c: building request bodies and parsing
 *		HubSpot's answers into plain palloc'd structs.
 *
 * Parsers never trust a shape: every field is optional unless the caller
 * cannot do without it, and a wrong type is reported through *why rather
 * than dereferenced. json-c objects are always released before returning,
 * including when a palloc fails (a reset callback on the current memory
 * context owns the parse tree while it exists).
 *
 * This file must not include utils/builtins.h: its json_object() clashes
 * with json-c's type of the same name.
 */
#include "postgres.h"

#include <ctype.h>
#include <json.h>

#include "transport.h"
#include "lib/stringinfo.h"

/* A parse tree owned by a memory context, so an error cannot leak it. */
typedef struct HsJsonTree
{
	struct json_object *root;
	MemoryContextCallback cb;
} HsJsonTree;

/* Memory-context reset callback: drop the parse tree. */
static void
hs_json_tree_free(void *arg)
{
	HsJsonTree *tree = (HsJsonTree *) arg;

	if (tree->root)
		json_object_put(tree->root);
	tree->root = NULL;
}

/*
 * Hand "root" to the current memory context: it is freed when the context
 * is reset or deleted, or earlier by hs_json_tree_release().
 */
static HsJsonTree *
hs_json_tree_own(struct json_object *root)
{
	HsJsonTree *tree = palloc0(sizeof(HsJsonTree));

	tree->root = root;
	tree->cb.func = hs_json_tree_free;
	tree->cb.arg = tree;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &tree->cb);
	return tree;
}

/*
 * What parsing an answer with json-c costs, per value, in bytes: measured on
 * json-c 0.16 (mallinfo2 around json_tokener_parse_ex) and rounded up, with
 * the peaks of growing hash tables and arrays included. bench/answer_memory.py
 * checks the bound they give against a backend's peak memory.
 */
#define HS_JSON_COST_OBJECT 1024	/* an object and its 16-entry hash table */
#define HS_JSON_COST_ARRAY 160		/* an array and its first 32 slots */
#define HS_JSON_COST_MEMBER 224		/* a member: its key's copy and hash entry */
#define HS_JSON_COST_STRING 96		/* a string value, besides its characters */
#define HS_JSON_COST_LITERAL 112	/* a number, true, false or null */
#define HS_JSON_COST_SLOT 24		/* any value's slot in its array */
#define HS_JSON_COST_PER_BYTE 4		/* characters, the tokener's buffer, copies */
#define HS_JSON_COST_RESULT 48		/* an HsObject, besides 8 bytes per property */

/*
 * The bound: parsing an answer of n bytes may take at most
 * HS_JSON_MEM_FACTOR * n + HS_JSON_MEM_BASE bytes; an answer whose values
 * would take more is refused before json-c sees it. README, "Limits on
 * HubSpot's answers", states it.
 */
#define HS_JSON_MEM_FACTOR 16
#define HS_JSON_MEM_BASE ((uint64) 32 * 1024 * 1024)

/* An integer literal of this many digits or more may not fit in 64 bits. */
#define HS_JSON_BIG_DIGITS 19

/* What hs_json_prescan() found in an answer. */
typedef struct HsJsonScan
{
	uint64		objects;
	uint64		arrays;
	uint64		members;
	uint64		strings;		/* keys included */
	uint64		literals;
	uint64		big_integers;	/* integer literals of HS_JSON_BIG_DIGITS+ digits */
	bool		nul;			/* a string holds \u0000 or a NUL byte */
} HsJsonScan;

/*
 * The reason and SQLSTATE of the last answer refused by the checks before
 * parsing (hs_json_refusal_sqlstate()).
 */
static const char *hs_refused_why = NULL;
static int	hs_refused_sqlstate = 0;

/* Is "c" part of a number or literal token (true, -1.5e3, ...)? */
static inline bool
hs_is_literal_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.';
}

/*
 * One pass over an answer's bytes, outside json-c: count what json-c would
 * allocate and find \u0000. When "out" is given, copy the answer into it
 * with every integer literal of HS_JSON_BIG_DIGITS digits or more put in
 * quotes, so that json-c keeps its exact text instead of clamping it to 64
 * bits.
 */
static void
hs_json_prescan(const char *body, size_t len, HsJsonScan *scan, StringInfo out)
{
	bool		in_string = false;
	size_t		i = 0;

	memset(scan, 0, sizeof(*scan));
	while (i < len)
	{
		char		c = body[i];

		if (in_string)
		{
			if (c == '\\' && i + 1 < len)
			{
				if (body[i + 1] == 'u' && i + 5 < len &&
					memcmp(body + i + 2, "0000", 4) == 0)
					scan->nul = true;
				if (out)
					appendBinaryStringInfo(out, body + i, 2);
				i += 2;
				continue;
			}
			if (c == '"')
				in_string = false;
			else if (c == '\0')
				scan->nul = true;
		}
		else if (c == '"')
		{
			in_string = true;
			scan->strings++;
		}
		else if (c == '{')
			scan->objects++;
		else if (c == '[')
			scan->arrays++;
		else if (c == ':')
			scan->members++;
		else if (c == '\0')
			scan->nul = true;
		else if (hs_is_literal_char(c))
		{
			size_t		end = i;
			size_t		digits = 0;
			bool		integer = true;

			while (end < len && hs_is_literal_char(body[end]))
			{
				if (body[end] >= '0' && body[end] <= '9')
					digits++;
				else if (!(body[end] == '-' && end == i))
					integer = false;
				end++;
			}
			scan->literals++;
			if (integer && digits >= HS_JSON_BIG_DIGITS)
			{
				scan->big_integers++;
				if (out)
				{
					appendStringInfoChar(out, '"');
					appendBinaryStringInfo(out, body + i, end - i);
					appendStringInfoChar(out, '"');
				}
			}
			else if (out)
				appendBinaryStringInfo(out, body + i, end - i);
			i = end;
			continue;
		}
		if (out)
			appendStringInfoChar(out, c);
		i++;
	}
}

/*
 * The bytes parsing an answer that "scan" describes would take, with
 * "nprops" properties kept of each record: an upper bound.
 */
static uint64
hs_json_parse_cost(const HsJsonScan *scan, size_t len, int nprops)
{
	uint64		members = Min(scan->members, scan->strings);
	uint64		string_values = scan->strings - members;
	uint64		values = scan->objects + scan->arrays + string_values + scan->literals;

	return scan->objects * (HS_JSON_COST_OBJECT + HS_JSON_COST_RESULT + 8 * (uint64) nprops) +
		scan->arrays * HS_JSON_COST_ARRAY +
		members * HS_JSON_COST_MEMBER +
		string_values * HS_JSON_COST_STRING +
		scan->literals * HS_JSON_COST_LITERAL +
		values * HS_JSON_COST_SLOT +
		(uint64) len * HS_JSON_COST_PER_BYTE;
}

/* Remember why an answer was refused before parsing, and its SQLSTATE. */
static void
hs_json_refuse(char **why, char *reason, int sqlstate)
{
	*why = reason;
	hs_refused_why = reason;
	hs_refused_sqlstate = sqlstate;
}

/*
 * The SQLSTATE for "why" when the checks before parsing gave it (an answer
 * holding \u0000: 22P05; one too costly to parse: 54000), else 0.
 */
int
hs_json_refusal_sqlstate(const char *why)
{
	return (why != NULL && why == hs_refused_why) ? hs_refused_sqlstate : 0;
}

/*
 * Parse "body" into an owned tree; NULL (and *why) if it is not JSON, holds
 * \u0000 (which no PostgreSQL text can hold), or would take more memory to
 * parse than the bound allows, "nprops" being the properties kept of each
 * record.
 */
static HsJsonTree *
hs_json_tree_parse(const char *body, size_t len, int nprops, char **why)
{
	struct json_object *root;
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	HsJsonScan scan;
	uint64		cost;
	uint64		allowed;

	hs_refused_why = NULL;
	hs_refused_sqlstate = 0;
	if (body == NULL || len == 0)
	{
		*why = "empty response body";
		return NULL;
	}
	if (len > (size_t) INT_MAX)
	{
		*why = "response body too large";
		return NULL;
	}
	hs_json_prescan(body, len, &scan, NULL);
	if (scan.nul)
	{
		hs_json_refuse(why, pstrdup("a string holds the character \\u0000, which text cannot hold"),
					   ERRCODE_UNTRANSLATABLE_CHARACTER);
		return NULL;
	}
	cost = hs_json_parse_cost(&scan, len, nprops);
	allowed = (uint64) len * HS_JSON_MEM_FACTOR + HS_JSON_MEM_BASE;
	if (cost > allowed)
	{
		hs_json_refuse(why,
					   psprintf("its %zu bytes could take up to %llu MB to parse, more than the %llu MB allowed for an answer of that size",
								len, (unsigned long long) (cost >> 20),
								(unsigned long long) (allowed >> 20)),
					   ERRCODE_PROGRAM_LIMIT_EXCEEDED);
		return NULL;
	}
	if (scan.big_integers > 0)
	{
		StringInfoData quoted;

		initStringInfo(&quoted);
		hs_json_prescan(body, len, &scan, &quoted);
		body = quoted.data;
		len = quoted.len;
	}
	tok = json_tokener_new();
	if (tok == NULL)
	{
		*why = "out of memory parsing JSON";
		return NULL;
	}
	/*
	 * JSON as RFC 8259 has it, nothing more: json-c otherwise also takes
	 * single-quoted strings and comments, which the scan above does not
	 * know, so a \u0000 or a million objects could hide in them.
	 */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, body, (int) len);
	jerr = json_tokener_get_error(tok);
	if (root != NULL && jerr == json_tokener_success &&
		json_tokener_get_parse_end(tok) < len)
	{
		/* Only white space may follow the document. */
		size_t		i;

		for (i = json_tokener_get_parse_end(tok); i < len; i++)
			if (!isspace((unsigned char) body[i]))
			{
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
	}
	json_tokener_free(tok);
	if (root == NULL || jerr != json_tokener_success)
	{
		if (root)
			json_object_put(root);
		*why = psprintf("invalid JSON (%s)",
						jerr == json_tokener_continue ? "truncated document"
						: json_tokener_error_desc(jerr));
		return NULL;
	}
	return hs_json_tree_own(root);
}

/* Free a tree now (its callback then finds nothing to do). */
static void
hs_json_tree_release(HsJsonTree *tree)
{
	hs_json_tree_free(tree);
}

/* Member "key" of "obj" if obj is an object and the member has "type". */
static struct json_object *
hs_get(struct json_object *obj, const char *key, json_type type)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return NULL;
	if (!json_object_is_type(v, type))
		return NULL;
	return v;
}

/* A palloc'd copy of string member "key", or NULL. */
static char *
hs_get_string(struct json_object *obj, const char *key)
{
	struct json_object *v = hs_get(obj, key, json_type_string);

	if (v == NULL)
		return NULL;
	return pnstrdup(json_object_get_string(v), json_object_get_string_len(v));
}

/* A property value as text: strings as they are, other scalars printed. */
static char *
hs_value_text(struct json_object *v)
{
	if (v == NULL || json_object_is_type(v, json_type_null))
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return pnstrdup(json_object_get_string(v), json_object_get_string_len(v));
	if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
		return pstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	return pstrdup(json_object_get_string(v));
}

/*
 * Parse "body" and return its "results" array, with the owning tree in
 * *tree; NULL (tree released, *why set) if either is missing.
 */
static struct json_object *
hs_parse_results(const char *body, size_t len, int nprops,
				 HsJsonTree **tree, char **why)
{
	struct json_object *results;

	*tree = hs_json_tree_parse(body, len, nprops, why);
	if (*tree == NULL)
		return NULL;
	results = hs_get((*tree)->root, "results", json_type_array);
	if (results == NULL)
	{
		*why = "the answer has no \"results\" array";
		hs_json_tree_release(*tree);
		*tree = NULL;
	}
	return results;
}

/* Fill "obj" from one SimplePublicObject; false if it has no usable id. */
static bool
hs_object_from_json(struct json_object *jobj, char **props, int nprops,
					HsObject *obj, char **why)
{
	struct json_object *id;
	struct json_object *jprops;
	int			i;

	if (!json_object_is_type(jobj, json_type_object))
	{
		*why = "a result is not a JSON object";
		return false;
	}
	id = hs_get(jobj, "id", json_type_string);
	if (id == NULL)
		id = hs_get(jobj, "id", json_type_int);
	if (id == NULL)
	{
		*why = "a result has no \"id\"";
		return false;
	}
	obj->id = pstrdup(json_object_get_string(id));
	if (obj->id[0] == '\0')
	{
		*why = "a result has an empty \"id\"";
		return false;
	}
	obj->trace_id = hs_get_string(jobj, "objectWriteTraceId");
	obj->values = nprops > 0 ? palloc0(sizeof(char *) * nprops) : NULL;
	jprops = hs_get(jobj, "properties", json_type_object);
	for (i = 0; i < nprops; i++)
	{
		struct json_object *v;

		if (props[i] == NULL || jprops == NULL)
			continue;
		if (json_object_object_get_ex(jprops, props[i], &v))
			obj->values[i] = hs_value_text(v);
	}
	return true;
}

/* Parse an array of objects into a palloc'd HsObject array. */
static bool
hs_objects_from_array(struct json_object *arr, char **props, int nprops,
					  HsObject **objects, int *nobjects, char **why)
{
	size_t		n = arr ? json_object_array_length(arr) : 0;
	size_t		i;

	*nobjects = 0;
	*objects = n > 0 ? palloc0(sizeof(HsObject) * n) : NULL;
	for (i = 0; i < n; i++)
	{
		if (!hs_object_from_json(json_object_array_get_idx(arr, i), props, nprops,
								 &(*objects)[i], why))
			return false;
	}
	*nobjects = (int) n;
	return true;
}

/* Fill "page" from a parsed page ("root"): its results and the next cursor. */
static bool
hs_page_from_results(struct json_object *root, struct json_object *results,
					 char **props, int nprops, HsPage *page, char **why)
{
	struct json_object *next;

	if (!hs_objects_from_array(results, props, nprops, &page->objects,
							   &page->nobjects, why))
		return false;
	next = hs_get(hs_get(root, "paging", json_type_object), "next", json_type_object);
	page->next_after = hs_get_string(next, "after");
	if (next != NULL && page->next_after == NULL)
	{
		*why = "the answer has \"paging.next\" without \"after\"";
		return false;
	}
	return true;
}

/*
 * Parse a list page (CollectionResponse...ForwardPaging): results and the
 * next cursor. The values are projected onto props[0..nprops).
 */
bool
hs_json_parse_page(const char *body, size_t len, char **props, int nprops,
				   HsPage *page, char **why)
{
	HsJsonTree *tree;
	struct json_object *results;
	bool		ok;

	memset(page, 0, sizeof(*page));
	results = hs_parse_results(body, len, nprops, &tree, why);
	if (results == NULL)
		return false;
	ok = hs_page_from_results(tree->root, results, props, nprops, page, why);
	hs_json_tree_release(tree);
	return ok;
}

/* Parse a single SimplePublicObject (GET by id, PATCH). */
bool
hs_json_parse_object(const char *body, size_t len, char **props, int nprops,
					 HsObject *obj, char **why)
{
	HsJsonTree *tree = hs_json_tree_parse(body, len, nprops, why);
	bool		ok;

	memset(obj, 0, sizeof(*obj));
	if (tree == NULL)
		return false;
	ok = hs_object_from_json(tree->root, props, nprops, obj, why);
	hs_json_tree_release(tree);
	return ok;
}

/* Append the string members of array "arr" to a list of palloc'd strings. */
static List *
hs_string_list(struct json_object *arr, List *list)
{
	size_t		n = arr ? json_object_array_length(arr) : 0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		char	   *s = hs_value_text(json_object_array_get_idx(arr, i));

		if (s)
			list = lappend(list, s);
	}
	return list;
}

/* Parse a batch answer (BatchResponseSimplePublicObject[WithErrors]). */
bool
hs_json_parse_batch(const char *body, size_t len, char **props, int nprops,
					HsBatchResult *result, char **why)
{
	HsJsonTree *tree = hs_json_tree_parse(body, len, nprops, why);
	struct json_object *results;
	struct json_object *errors;
	bool		ok = true;
	size_t		i;

	memset(result, 0, sizeof(*result));
	if (tree == NULL)
		return false;
	if (!json_object_is_type(tree->root, json_type_object))
	{
		*why = "the answer is not a JSON object";
		hs_json_tree_release(tree);
		return false;
	}
	result->status = hs_get_string(tree->root, "status");
	results = hs_get(tree->root, "results", json_type_array);
	if (results != NULL)
		ok = hs_objects_from_array(results, props, nprops, &result->results,
								   &result->nresults, why);
	errors = hs_get(tree->root, "errors", json_type_array);
	if (ok && errors != NULL)
	{
		size_t		n = json_object_array_length(errors);

		result->errors = n > 0 ? palloc0(sizeof(HsBatchError) * n) : NULL;
		for (i = 0; i < n; i++)
		{
			struct json_object *e = json_object_array_get_idx(errors, i);
			struct json_object *ctx = hs_get(e, "context", json_type_object);
			HsBatchError *be = &result->errors[i];

			be->category = hs_get_string(e, "category");
			be->message = hs_get_string(e, "message");
			be->ids = hs_string_list(hs_get(ctx, "ids", json_type_array), NIL);
			be->trace_ids = hs_string_list(hs_get(ctx, "objectWriteTraceId", json_type_array), NIL);
		}
		result->nerrors = (int) n;
	}
	hs_json_tree_release(tree);
	return ok;
}

/* Boolean member "key" of "obj"; false when missing or not a boolean. */
static bool
hs_get_bool(struct json_object *obj, const char *key)
{
	struct json_object *v = hs_get(obj, key, json_type_boolean);

	return v != NULL && json_object_get_boolean(v);
}

/*
 * One item of a "results" array, made by hs_parse_results_list: a palloc'd
 * struct, or NULL (and *why) when the item is unusable.
 */
typedef void *(*HsResultItemFn) (struct json_object *item, char **why);

/*
 * Parse an answer whose "results" array is all that matters into a List,
 * one entry per item, made by "item_fn", in HubSpot's order. False (and
 * *why) when the answer or any of its items is unusable.
 */
static bool
hs_parse_results_list(const char *body, size_t len, HsResultItemFn item_fn,
					  List **items, char **why)
{
	HsJsonTree *tree;
	struct json_object *results;
	size_t		n;
	size_t		i;

	*items = NIL;
	results = hs_parse_results(body, len, 0, &tree, why);
	if (results == NULL)
		return false;
	n = json_object_array_length(results);
	for (i = 0; i < n; i++)
	{
		void	   *item = item_fn(json_object_array_get_idx(results, i), why);

		if (item == NULL)
		{
			hs_json_tree_release(tree);
			*items = NIL;
			return false;
		}
		*items = lappend(*items, item);
	}
	hs_json_tree_release(tree);
	return true;
}

/* One Property of the properties API as an HsPropertyDef; it needs a "name". */
static void *
hs_property_def_item(struct json_object *p, char **why)
{
	HsPropertyDef *def;

	if (!json_object_is_type(p, json_type_object) ||
		hs_get(p, "name", json_type_string) == NULL)
	{
		*why = "a property has no \"name\"";
		return NULL;
	}
	def = palloc0(sizeof(HsPropertyDef));
	def->name = hs_get_string(p, "name");
	def->type = hs_get_string(p, "type");
	def->field_type = hs_get_string(p, "fieldType");
	def->has_unique_value = hs_get_bool(p, "hasUniqueValue");
	def->calculated = hs_get_bool(p, "calculated");
	def->read_only_value = hs_get_bool(hs_get(p, "modificationMetadata", json_type_object),
									   "readOnlyValue");
	return def;
}

/*
 * Parse the answer of GET /crm/v3/properties/{objectType}
 * (CollectionResponsePropertyNoPaging) into a list of HsPropertyDef, in
 * HubSpot's order. Every entry needs a "name"; the rest is optional.
 */
bool
hs_json_parse_properties(const char *body, size_t len, List **defs, char **why)
{
	return hs_parse_results_list(body, len, hs_property_def_item, defs, why);
}

/*
 * Parse HubSpot's error envelope. Never fails: whatever is missing stays
 * NULL, and a body that is not JSON leaves everything NULL.
 */
void
hs_json_parse_error(const char *body, size_t len, HsApiError *err)
{
	char	   *why;
	HsJsonTree *tree;
	struct json_object *errors;

	memset(err, 0, sizeof(*err));
	tree = hs_json_tree_parse(body, len, 0, &why);
	if (tree == NULL)
		return;
	err->message = hs_get_string(tree->root, "message");
	err->category = hs_get_string(tree->root, "category");
	if (err->category == NULL)
		err->category = hs_get_string(tree->root, "errorType");
	err->sub_category = hs_get_string(tree->root, "subCategory");
	err->correlation_id = hs_get_string(tree->root, "correlationId");
	err->policy_name = hs_get_string(tree->root, "policyName");
	/* the token endpoint's refusals: OAuth 2.0's fields beside HubSpot's */
	err->status = hs_get_string(tree->root, "status");
	err->oauth_error = hs_get_string(tree->root, "error");
	if (err->message == NULL)
		err->message = hs_get_string(tree->root, "error_description");
	errors = hs_get(tree->root, "errors", json_type_array);
	if (errors != NULL)
	{
		StringInfoData codes;
		StringInfoData details;
		size_t		n = json_object_array_length(errors);
		size_t		i;

		initStringInfo(&codes);
		initStringInfo(&details);
		for (i = 0; i < n; i++)
		{
			struct json_object *e = json_object_array_get_idx(errors, i);
			char	   *code = hs_get_string(e, "code");
			char	   *msg = hs_get_string(e, "message");
			List	   *scopes = hs_string_list(hs_get(hs_get(e, "context", json_type_object),
													   "requiredScopes", json_type_array), NIL);
			ListCell   *lc;

			if (code)
				appendStringInfo(&codes, "%s%s", codes.len ? "," : "", code);
			if (msg)
				appendStringInfo(&details, "%s%s", details.len ? "; " : "", msg);
			foreach(lc, scopes)
				appendStringInfo(&details, "%s%s", foreach_current_index(lc) ? ", " : " Required scopes: ",
								 (char *) lfirst(lc));
		}
		err->error_codes = codes.len ? codes.data : NULL;
		err->error_details = details.len ? details.data : NULL;
	}
	hs_json_tree_release(tree);
}

/* Start building a request body: an empty JSON object owned by the context. */
static HsJsonTree *
hs_build_start(void)
{
	struct json_object *root = json_object_new_object();

	if (root == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory building a JSON request body")));
	return hs_json_tree_own(root);
}

/* Serialise the body into palloc'd text and free the json-c tree. */
static char *
hs_build_finish(HsJsonTree *b)
{
	char	   *text = pstrdup(json_object_to_json_string_ext(b->root, JSON_C_TO_STRING_PLAIN));

	hs_json_tree_release(b);
	return text;
}

/* {"name": "value", ...}; NULL values are sent as "" (HubSpot clears). */
static struct json_object *
hs_properties_json(const HsWriteInput *input)
{
	struct json_object *props = json_object_new_object();
	int			i;

	for (i = 0; i < input->nprops; i++)
	{
		const char *v = input->values[i] ? input->values[i] : "";

		json_object_object_add(props, input->names[i], json_object_new_string(v));
	}
	return props;
}

/* The body of a PATCH: {"properties": {...}}. */
char *
hs_json_properties_body(const HsWriteInput *input)
{
	HsJsonTree *b = hs_build_start();

	json_object_object_add(b->root, "properties", hs_properties_json(input));
	return hs_build_finish(b);
}

/*
 * The body of a write batch, {"inputs": [...]}. For batch/update (and
 * batch/upsert) each input is {"id", "idProperty"?, "objectWriteTraceId"?,
 * "properties"}. For batch/create ("create") it is {"properties",
 * "objectWriteTraceId"?, "associations": []}: the spec requires
 * "associations", and records are created without any.
 */
static char *
hs_write_batch_body(const HsWriteInput *inputs, int ninputs, bool create)
{
	HsJsonTree *b = hs_build_start();
	struct json_object *arr = json_object_new_array_ext(ninputs);
	int			i;

	json_object_object_add(b->root, "inputs", arr);
	for (i = 0; i < ninputs; i++)
	{
		struct json_object *in = json_object_new_object();

		if (!create)
			json_object_object_add(in, "id", json_object_new_string(inputs[i].id));
		if (!create && inputs[i].id_property)
			json_object_object_add(in, "idProperty",
								   json_object_new_string(inputs[i].id_property));
		if (inputs[i].trace_id)
			json_object_object_add(in, "objectWriteTraceId",
								   json_object_new_string(inputs[i].trace_id));
		json_object_object_add(in, "properties", hs_properties_json(&inputs[i]));
		if (create)
			json_object_object_add(in, "associations", json_object_new_array());
		json_object_array_add(arr, in);
	}
	return hs_build_finish(b);
}

/*
 * The body of batch/update:
 * {"inputs": [{"id", "idProperty"?, "objectWriteTraceId", "properties"}]}.
 */
char *
hs_json_batch_update_body(const HsWriteInput *inputs, int ninputs)
{
	return hs_write_batch_body(inputs, ninputs, false);
}

/*
 * The body of batch/read:
 * {"inputs":[{"id"}],"properties":[...],"propertiesWithHistory":[],"idProperty"?}.
 */
char *
hs_json_batch_read_body(char **ids, int nids, char **props, int nprops,
						const char *id_property)
{
	HsJsonTree *b = hs_build_start();
	struct json_object *inputs = json_object_new_array_ext(nids);
	struct json_object *jprops = json_object_new_array_ext(nprops);
	int			i;

	json_object_object_add(b->root, "inputs", inputs);
	json_object_object_add(b->root, "properties", jprops);
	json_object_object_add(b->root, "propertiesWithHistory", json_object_new_array());
	if (id_property)
		json_object_object_add(b->root, "idProperty", json_object_new_string(id_property));
	for (i = 0; i < nids; i++)
	{
		struct json_object *in = json_object_new_object();

		json_object_object_add(in, "id", json_object_new_string(ids[i]));
		json_object_array_add(inputs, in);
	}
	for (i = 0; i < nprops; i++)
		if (props[i])
			json_object_array_add(jprops, json_object_new_string(props[i]));
	return hs_build_finish(b);
}

/*
 * The body of batch/create:
 * {"inputs": [{"properties", "objectWriteTraceId"?, "associations": []}]}.
 */
char *
hs_json_batch_create_body(const HsWriteInput *inputs, int ninputs)
{
	return hs_write_batch_body(inputs, ninputs, true);
}

/* The body of batch/archive: {"inputs": [{"id"}]}. */
char *
hs_json_ids_body(char **ids, int nids)
{
	HsJsonTree *b = hs_build_start();
	struct json_object *arr = json_object_new_array_ext(nids);
	int			i;

	json_object_object_add(b->root, "inputs", arr);
	for (i = 0; i < nids; i++)
	{
		struct json_object *in = json_object_new_object();

		json_object_object_add(in, "id", json_object_new_string(ids[i]));
		json_object_array_add(arr, in);
	}
	return hs_build_finish(b);
}

/*
 * The body of a search (PublicObjectSearchRequest): filterGroups, sorts,
 * properties, limit and, after the first page, the paging cursor.
 */
char *
hs_json_search_body(const HsSearchRequest *request)
{
	HsJsonTree *b = hs_build_start();
	struct json_object *groups = json_object_new_array_ext(request->ngroups);
	struct json_object *sorts = json_object_new_array();
	struct json_object *props = json_object_new_array_ext(request->nprops);
	int			g;
	int			i;

	json_object_object_add(b->root, "filterGroups", groups);
	for (g = 0; g < request->ngroups; g++)
	{
		const HsSearchGroup *grp = &request->groups[g];
		struct json_object *jgroup = json_object_new_object();
		struct json_object *filters = json_object_new_array_ext(grp->nfilters);

		json_object_object_add(jgroup, "filters", filters);
		for (i = 0; i < grp->nfilters; i++)
		{
			const HsSearchFilter *f = &grp->filters[i];
			struct json_object *jf = json_object_new_object();

			json_object_object_add(jf, "propertyName", json_object_new_string(f->property));
			json_object_object_add(jf, "operator", json_object_new_string(f->operator));
			if (f->value)
				json_object_object_add(jf, "value", json_object_new_string(f->value));
			if (f->values)
			{
				struct json_object *vals = json_object_new_array_ext(f->nvalues);
				int			v;

				for (v = 0; v < f->nvalues; v++)
					json_object_array_add(vals, json_object_new_string(f->values[v]));
				json_object_object_add(jf, "values", vals);
			}
			json_object_array_add(filters, jf);
		}
		json_object_array_add(groups, jgroup);
	}
	json_object_object_add(b->root, "sorts", sorts);
	if (request->sort_property)
	{
		struct json_object *sort = json_object_new_object();

		json_object_object_add(sort, "propertyName",
							   json_object_new_string(request->sort_property));
		json_object_object_add(sort, "direction",
							   json_object_new_string(request->sort_descending
													  ? "DESCENDING" : "ASCENDING"));
		json_object_array_add(sorts, sort);
	}
	json_object_object_add(b->root, "properties", props);
	for (i = 0; i < request->nprops; i++)
		json_object_array_add(props, json_object_new_string(request->props[i]));
	json_object_object_add(b->root, "limit", json_object_new_int(request->limit));
	if (request->after)
		json_object_object_add(b->root, "after", json_object_new_string(request->after));
	return hs_build_finish(b);
}

/*
 * Parse a search answer (CollectionResponseWithTotalSimplePublicObject):
 * the page as hs_json_parse_page does, and "total", which is required.
 */
bool
hs_json_parse_search(const char *body, size_t len, char **props, int nprops,
					 HsPage *page, int64 *total, char **why)
{
	HsJsonTree *tree;
	struct json_object *results;
	struct json_object *jtotal;
	bool		ok;

	memset(page, 0, sizeof(*page));
	*total = -1;
	results = hs_parse_results(body, len, nprops, &tree, why);
	if (results == NULL)
		return false;
	ok = hs_page_from_results(tree->root, results, props, nprops, page, why);
	jtotal = hs_get(tree->root, "total", json_type_int);
	if (ok && (jtotal == NULL || json_object_get_int64(jtotal) < 0))
	{
		*why = "the answer has no \"total\" count";
		ok = false;
	}
	if (ok)
		*total = json_object_get_int64(jtotal);
	hs_json_tree_release(tree);
	return ok;
}

/* One association spec: {"associationCategory", "associationTypeId"}. */
static struct json_object *
hs_assoc_spec(const char *category, int type_id)
{
	struct json_object *spec = json_object_new_object();

	json_object_object_add(spec, "associationCategory", json_object_new_string(category));
	json_object_object_add(spec, "associationTypeId", json_object_new_int(type_id));
	return spec;
}

/*
 * The body of a date version's per-record association PUT: an array of
 * one association spec.
 */
char *
hs_json_assoc_spec_body(const char *category, int type_id)
{
	struct json_object *arr = json_object_new_array_ext(1);

	json_object_array_add(arr, hs_assoc_spec(category, type_id));
	return hs_build_finish(hs_json_tree_own(arr));
}

/*
 * The body of associations batch/create:
 * {"inputs":[{"from":{"id"},"to":{"id"},"type"}]} (v3), or with "specs"
 * each input's "types":[{"associationCategory","associationTypeId"}]
 * (v4 and the date versions).
 */
char *
hs_json_assoc_batch_body(const HsAssocInput *inputs, int ninputs, bool specs)
{
	HsJsonTree *b = hs_build_start();
	struct json_object *arr = json_object_new_array_ext(ninputs);
	int			i;

	json_object_object_add(b->root, "inputs", arr);
	for (i = 0; i < ninputs; i++)
	{
		struct json_object *in = json_object_new_object();
		struct json_object *from = json_object_new_object();
		struct json_object *to = json_object_new_object();

		json_object_object_add(from, "id", json_object_new_string(inputs[i].from_id));
		json_object_object_add(to, "id", json_object_new_string(inputs[i].to_id));
		json_object_object_add(in, "from", from);
		json_object_object_add(in, "to", to);
		if (specs)
		{
			struct json_object *types = json_object_new_array_ext(1);

			json_object_array_add(types, hs_assoc_spec(inputs[i].category,
													   inputs[i].type_id));
			json_object_object_add(in, "types", types);
		}
		else
			json_object_object_add(in, "type", json_object_new_string(inputs[i].type));
		json_object_array_add(arr, in);
	}
	return hs_build_finish(b);
}

/*
 * Field "key" of "obj", an id HubSpot writes as a string or as an integer,
 * as text; NULL when it is neither.
 */
static char *
hs_id_field_text(struct json_object *obj, const char *key)
{
	struct json_object *v = hs_get(obj, key, json_type_string);

	if (v == NULL)
		v = hs_get(obj, key, json_type_int);
	return v ? hs_value_text(v) : NULL;
}

/* The id of a PublicObjectId ({"id": "..."}), or NULL. */
static char *
hs_object_id_text(struct json_object *obj)
{
	return hs_id_field_text(obj, "id");
}

/* Does context key "key" name object ids: id, ids, ...Id, ...Ids, ..._id, ..._ids? */
static bool
hs_is_id_key(const char *key)
{
	size_t		len = strlen(key);

	if (strcmp(key, "id") == 0 || strcmp(key, "ids") == 0)
		return true;
	if (strstr(key, "Type") != NULL || strstr(key, "type") != NULL ||
		strstr(key, "Trace") != NULL)
		return false;
	return (len > 2 && (strcmp(key + len - 2, "Id") == 0 || strcmp(key + len - 3, "_id") == 0)) ||
		(len > 3 && (strcmp(key + len - 3, "Ids") == 0 || strcmp(key + len - 4, "_ids") == 0));
}

/*
 * Sort the ids an association error's context names by side: "from..."
 * and "to..." keys say their side, and a plain "ids" takes the side of the
 * one object type the context names (fromObjectType or toObjectType), if
 * it names just one.
 */
static void
hs_assoc_error_ids(struct json_object *ctx, HsAssocError *ae)
{
	struct json_object_iter it;
	bool		has_from_type;
	bool		has_to_type;

	if (ctx == NULL)
		return;
	has_from_type = hs_get(ctx, "fromObjectType", json_type_array) != NULL;
	has_to_type = hs_get(ctx, "toObjectType", json_type_array) != NULL;
	json_object_object_foreachC(ctx, it)
	{
		bool		plain = strcmp(it.key, "ids") == 0 || strcmp(it.key, "id") == 0;

		if (!json_object_is_type(it.val, json_type_array) || !hs_is_id_key(it.key))
			continue;
		if (strncmp(it.key, "from", 4) == 0 || (plain && has_from_type && !has_to_type))
			ae->from_ids = hs_string_list(it.val, ae->from_ids);
		else if (strncmp(it.key, "to", 2) == 0 || (plain && has_to_type && !has_from_type))
			ae->to_ids = hs_string_list(it.val, ae->to_ids);
		else
			ae->ids = hs_string_list(it.val, ae->ids);
	}
}

/* The "errors" array of an association batch answer, and how many: *n. */
static HsAssocError *
hs_assoc_errors(struct json_object *errors, int *n)
{
	size_t		count = errors ? json_object_array_length(errors) : 0;
	HsAssocError *out = count > 0 ? palloc0(sizeof(HsAssocError) * count) : NULL;
	size_t		i;

	for (i = 0; i < count; i++)
	{
		struct json_object *e = json_object_array_get_idx(errors, i);

		out[i].category = hs_get_string(e, "category");
		out[i].message = hs_get_string(e, "message");
		hs_assoc_error_ids(hs_get(e, "context", json_type_object), &out[i]);
	}
	*n = (int) count;
	return out;
}

/*
 * The "results" and "errors" arrays of the batch answer parsed as "tree",
 * at least one of them present. False (tree released, *why set) when the
 * answer is not such an object or did not parse (tree NULL).
 */
static bool
hs_batch_arrays(HsJsonTree *tree, struct json_object **results,
				struct json_object **errors, char **why)
{
	if (tree == NULL)
		return false;
	if (!json_object_is_type(tree->root, json_type_object))
	{
		*why = "the answer is not a JSON object";
		hs_json_tree_release(tree);
		return false;
	}
	*results = hs_get(tree->root, "results", json_type_array);
	*errors = hs_get(tree->root, "errors", json_type_array);
	if (*results == NULL && *errors == NULL)
	{
		*why = "the answer has neither a \"results\" nor an \"errors\" array";
		hs_json_tree_release(tree);
		return false;
	}
	return true;
}

/*
 * Parse an associations batch/create answer
 * (BatchResponsePublicAssociation[WithErrors]): results as from/to/type,
 * errors with the ids they name.
 */
bool
hs_json_parse_assoc_batch(const char *body, size_t len,
						  HsAssocBatchResult *result, char **why)
{
	HsJsonTree *tree = hs_json_tree_parse(body, len, 0, why);
	struct json_object *results;
	struct json_object *errors;
	size_t		n;
	size_t		i;

	memset(result, 0, sizeof(*result));
	if (!hs_batch_arrays(tree, &results, &errors, why))
		return false;

	n = results ? json_object_array_length(results) : 0;
	result->results = n > 0 ? palloc0(sizeof(HsAssocInput) * n) : NULL;
	for (i = 0; i < n; i++)
	{
		struct json_object *r = json_object_array_get_idx(results, i);
		HsAssocInput *a = &result->results[i];

		a->from_id = hs_object_id_text(hs_get(r, "from", json_type_object));
		a->to_id = hs_object_id_text(hs_get(r, "to", json_type_object));
		/* v4 and the date versions answer LabelsBetweenObjectPair */
		if (a->from_id == NULL && a->to_id == NULL)
		{
			a->from_id = hs_id_field_text(r, "fromObjectId");
			a->to_id = hs_id_field_text(r, "toObjectId");
		}
		a->type = hs_get_string(r, "type");
		if (a->from_id == NULL || a->to_id == NULL)
		{
			*why = "a result has no \"from.id\" or \"to.id\"";
			hs_json_tree_release(tree);
			return false;
		}
	}
	result->nresults = (int) n;

	result->errors = hs_assoc_errors(errors, &result->nerrors);
	hs_json_tree_release(tree);
	return true;
}

/*
 * The body of associations batch/read: {"inputs":[{"id", "after"?}]}, with
 * "after" the paging cursor of a record whose links go on (NULL: none).
 */
char *
hs_json_link_read_body(char **ids, char **afters, int n)
{
	HsJsonTree *b = hs_build_start();
	struct json_object *arr = json_object_new_array_ext(n);
	int			i;

	json_object_object_add(b->root, "inputs", arr);
	for (i = 0; i < n; i++)
	{
		struct json_object *in = json_object_new_object();

		json_object_object_add(in, "id", json_object_new_string(ids[i]));
		if (afters && afters[i])
			json_object_object_add(in, "after", json_object_new_string(afters[i]));
		json_object_array_add(arr, in);
	}
	return hs_build_finish(b);
}

/*
 * Append the links of one "to" entry of record "from" to "out" (room for
 * them is the caller's): v3's {id, type} is one link, v4's {toObjectId,
 * associationTypes} one per type. Returns how many, or -1 (*why set).
 */
static int
hs_link_entry(struct json_object *t, char *from, HsLink *out, char **why)
{
	struct json_object *types = hs_get(t, "associationTypes", json_type_array);
	char	   *to = hs_id_field_text(t, "toObjectId");
	size_t		k;

	if (to == NULL)
	{
		/* v3: {id, type} */
		to = hs_object_id_text(t);
		if (to == NULL)
		{
			*why = "a link has no \"id\" or \"toObjectId\"";
			return -1;
		}
		out->from_id = from;
		out->to_id = to;
		out->type = hs_get_string(t, "type");
		return 1;
	}
	if (types == NULL || json_object_array_length(types) == 0)
	{
		*why = "a link has no \"associationTypes\"";
		return -1;
	}
	for (k = 0; k < json_object_array_length(types); k++)
	{
		struct json_object *at = json_object_array_get_idx(types, k);

		out[k].from_id = from;
		out[k].to_id = to;
		out[k].category = hs_get_string(at, "category");
		out[k].type_id = hs_id_field_text(at, "typeId");
		out[k].label = hs_get_string(at, "label");
		if (out[k].type_id == NULL)
		{
			*why = "an association type has no \"typeId\"";
			return -1;
		}
	}
	return (int) k;
}

/*
 * Parse an associations batch/read answer, v3 (BatchResponsePublicAssociationMulti)
 * or v4 (...MultiWithLabel), told apart entry by entry: the links, the
 * records whose links go on (paging.next.after) and the errors.
 */
bool
hs_json_parse_link_read(const char *body, size_t len, HsLinkRead *result, char **why)
{
	HsJsonTree *tree = hs_json_tree_parse(body, len, 0, why);
	struct json_object *results;
	struct json_object *errors;
	size_t		n;
	size_t		i;
	size_t		room = 0;
	int			nmore = 0;

	memset(result, 0, sizeof(*result));
	if (!hs_batch_arrays(tree, &results, &errors, why))
		return false;
	n = results ? json_object_array_length(results) : 0;
	/* room for every link: one per "to" entry, or one per type of it */
	for (i = 0; i < n; i++)
	{
		struct json_object *to = hs_get(json_object_array_get_idx(results, i), "to",
										json_type_array);
		size_t		j;

		for (j = 0; to && j < json_object_array_length(to); j++)
		{
			struct json_object *types = hs_get(json_object_array_get_idx(to, j),
											   "associationTypes", json_type_array);

			room += types ? Max(json_object_array_length(types), 1) : 1;
		}
	}
	result->links = room > 0 ? palloc0(sizeof(HsLink) * room) : NULL;
	result->more = n > 0 ? palloc0(sizeof(HsLinkMore) * n) : NULL;
	for (i = 0; i < n; i++)
	{
		struct json_object *r = json_object_array_get_idx(results, i);
		struct json_object *to = hs_get(r, "to", json_type_array);
		struct json_object *next = hs_get(hs_get(r, "paging", json_type_object),
										  "next", json_type_object);
		char	   *from = hs_object_id_text(hs_get(r, "from", json_type_object));
		size_t		j;

		if (from == NULL || to == NULL)
		{
			*why = "a result has no \"from.id\" or no \"to\" array";
			hs_json_tree_release(tree);
			return false;
		}
		for (j = 0; j < json_object_array_length(to); j++)
		{
			int			got = hs_link_entry(json_object_array_get_idx(to, j), from,
											&result->links[result->nlinks], why);

			if (got < 0)
			{
				hs_json_tree_release(tree);
				return false;
			}
			result->nlinks += got;
		}
		if (next && hs_get_string(next, "after"))
		{
			result->more[nmore].from_id = from;
			result->more[nmore].after = hs_get_string(next, "after");
			nmore++;
		}
	}
	result->nmore = nmore;

	result->errors = hs_assoc_errors(errors, &result->nerrors);
	hs_json_tree_release(tree);
	return true;
}

/*
 * The errors of a batch answer whose results the caller does not use (a
 * date version's association archive answers BatchResponse): *errors and
 * *nerrors. False (and *why) when the answer is not a JSON object.
 */
bool
hs_json_parse_batch_errors(const char *body, size_t len, HsAssocError **errors,
						   int *nerrors, char **why)
{
	HsJsonTree *tree = hs_json_tree_parse(body, len, 0, why);

	if (tree == NULL)
		return false;
	if (!json_object_is_type(tree->root, json_type_object))
	{
		*why = "the answer is not a JSON object";
		hs_json_tree_release(tree);
		return false;
	}
	*errors = hs_assoc_errors(hs_get(tree->root, "errors", json_type_array), nerrors);
	hs_json_tree_release(tree);
	return true;
}

/* One association type ({"id", "name"}) as an HsAssocType; it needs both. */
static void *
hs_assoc_type_item(struct json_object *r, char **why)
{
	HsAssocType *t = palloc0(sizeof(HsAssocType));

	t->id = hs_object_id_text(r);
	t->name = hs_get_string(r, "name");
	if (t->id == NULL || t->name == NULL)
	{
		*why = "an association type has no \"id\" or \"name\"";
		return NULL;
	}
	return t;
}

/*
 * Parse the association types between two object types
 * (CollectionResponsePublicAssociationDefinitionNoPaging) into a list of
 * HsAssocType. The spec makes "id" a string; a number is accepted too.
 */
bool
hs_json_parse_assoc_types(const char *body, size_t len, List **types, char **why)
{
	return hs_parse_results_list(body, len, hs_assoc_type_item, types, why);
}

/*
 * One label of the labels endpoint ({"category", "typeId", "label"}) as an
 * HsAssocType; it needs a category and an integer type id.
 */
static void *
hs_assoc_label_item(struct json_object *r, char **why)
{
	HsAssocType *t = palloc0(sizeof(HsAssocType));
	struct json_object *id = hs_get(r, "typeId", json_type_int);

	t->category = hs_get_string(r, "category");
	t->name = hs_get_string(r, "label");
	if (id == NULL || t->category == NULL)
	{
		*why = "an association label has no \"category\" or integer \"typeId\"";
		return NULL;
	}
	t->id = hs_value_text(id);
	return t;
}

/*
 * Parse the association labels between two object types
 * (CollectionResponseAssociationSpecWithLabelNoPaging) into a list of
 * HsAssocType.
 */
bool
hs_json_parse_assoc_labels(const char *body, size_t len, List **types, char **why)
{
	return hs_parse_results_list(body, len, hs_assoc_label_item, types, why);
}

/*
 * The text of an answer that must be a JSON object, as a palloc'd string;
 * NULL (and *why) otherwise. With "need_id" the object must have an "id"
 * (the SimplePublicObjectWithAssociations a v3 per-record association PUT
 * returns); without, it may hold anything (a date version's association
 * PUT answers LabelsBetweenObjectPair or a batch response).
 */
char *
hs_json_object_text(const char *body, size_t len, bool need_id, char **why)
{
	HsJsonTree *tree = hs_json_tree_parse(body, len, 0, why);
	const char *problem = NULL;

	if (tree == NULL)
		return NULL;
	if (!json_object_is_type(tree->root, json_type_object))
		problem = "the answer is not a JSON object";
	else if (need_id && hs_object_id_text(tree->root) == NULL)
		problem = "the answer has no \"id\"";
	hs_json_tree_release(tree);
	if (problem != NULL)
	{
		*why = (char *) problem;
		return NULL;
	}
	return pnstrdup(body, len);
}

/*
 * Parse the token endpoint's answer to a refresh (doc/hubspot-api.md,
 * "OAuth"): "access_token" is required, "expires_in" (seconds) is -1 when
 * absent or not a number. The snake_case names are HubSpot's; the
 * camelCase ones its generated clients show are accepted too. False (and
 * *why, which never quotes the answer) when there is no access token.
 */
bool
hs_json_parse_token(const char *body, size_t len, HsOAuthToken *token, char **why)
{
	HsJsonTree *tree = hs_json_tree_parse(body, len, 0, why);
	struct json_object *v;
	int			i;
	static const char *const expires_keys[] = {"expires_in", "expiresIn"};

	memset(token, 0, sizeof(*token));
	token->expires_in = -1;
	if (tree == NULL)
		return false;
	token->access_token = hs_get_string(tree->root, "access_token");
	if (token->access_token == NULL)
		token->access_token = hs_get_string(tree->root, "accessToken");
	for (i = 0; i < lengthof(expires_keys) && token->expires_in < 0; i++)
	{
		v = hs_get(tree->root, expires_keys[i], json_type_int);
		if (v == NULL)
			v = hs_get(tree->root, expires_keys[i], json_type_double);
		if (v != NULL && json_object_get_double(v) >= 0)
			token->expires_in = (int64) Min(json_object_get_double(v), (double) PG_INT32_MAX);
	}
	hs_json_tree_release(tree);
	if (token->access_token == NULL)
	{
		*why = "the answer has no \"access_token\"";
		return false;
	}
	return true;
}

/*
 * The account id ("portalId") of the answer of GET
 * /account-info/v3/details (doc/hubspot-api.md, "Search"): true with
 * *portal_id > 0; false with *why when the answer gives none.
 */
bool
hs_json_parse_account(const char *body, size_t len, int64 *portal_id, char **why)
{
	HsJsonTree *tree = hs_json_tree_parse(body, len, 0, why);
	struct json_object *v;

	*portal_id = 0;
	if (tree == NULL)
		return false;
	v = hs_get(tree->root, "portalId", json_type_int);
	if (v != NULL)
		*portal_id = json_object_get_int64(v);
	hs_json_tree_release(tree);
	if (*portal_id <= 0)
	{
		*why = "the answer has no positive integer \"portalId\"";
		return false;
	}
	return true;
}
