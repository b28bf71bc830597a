/*
 * links.c
 *		Reading link tables (option associations_to): the links of records
 *		of object_type to records of associations_to, read with associations
 *		batch/read and returned as rows (from_id, to_id, association_type,
 *		...).
 *
 * A link is handed to scans and bind joins as an HsObject whose id is its
 * from id and whose values are its fields, one per column read (the
 * column's name is its "property": to_id, association_type, ...). So
 * scan.c and bindjoin.c store link rows as they store records, and only
 * the request and the answer differ. The write side (link_write.c) creates
 * and removes links.
 */
#include "postgres.h"

#include "read.h"

/* Records per associations batch/read under the table's api_version. */
int
hs_links_read_max(const HsTableOptions *opts)
{
	return hs_api_is_dated(opts) ? HS_LINK_READ_MAX_V4 : HS_LINK_READ_MAX;
}

/* The path of the associations batch/read of link table "opts". */
char *
hs_links_read_path(const HsTableOptions *opts)
{
	return hs_assoc_batch_path(opts, false, opts->object_type, opts->associations_to, "read");
}

/*
 * A batch/read of the links of "ids" (at most hs_links_read_max()), each with
 * its paging cursor in "afters" (NULL: all first pages). Built in the
 * current memory context; link scans and bind joins send it.
 */
void
hs_links_read_request(HsHttpRequest *req, HsConnection *conn,
					  const HsTableOptions *opts, char **ids, char **afters, int n)
{
	hs_request_init(req, conn, opts, "POST", hs_links_read_path(opts), NULL,
					hs_json_link_read_body(ids, afters, n));
}

/*
 * The value of link field "field" (a link table's column name) of link
 * "l"; association_type is the type's name (v3), else its label, else its
 * type id (v4 and the date versions).
 */
static char *
hs_link_field(const HsLink *l, const char *field)
{
	if (strcmp(field, HS_LINK_TO_ID) == 0)
		return l->to_id;
	if (strcmp(field, HS_LINK_TYPE) == 0)
		return l->type ? l->type : l->label ? l->label : l->type_id;
	if (strcmp(field, HS_LINK_CATEGORY) == 0)
		return l->category;
	if (strcmp(field, HS_LINK_TYPE_ID) == 0)
		return l->type_id;
	if (strcmp(field, HS_LINK_LABEL) == 0)
		return l->label;
	return NULL;
}

/*
 * The links of a batch/read answer that hs_check_response accepted, as
 * objects projected on "props" (per column read: its link field, NULL for
 * from_id), appended to *objects (*nobjects of them, room for *room).
 * Returns the records whose links go on, with their cursors.
 */
static HsLinkRead *
hs_links_collect(HsHttpRequest *req, char **props, int nprops,
				 HsObject **objects, int *nobjects, int *room)
{
	HsLinkRead *res = palloc(sizeof(HsLinkRead));
	char	   *why = NULL;
	int			i;
	int			j;

	if (!hs_json_parse_link_read(req->response, req->response_len, res, &why))
		hs_report_bad_response(req, why);
	for (i = 0; i < res->nerrors; i++)
		hs_check_read_error(req, res->errors[i].category, res->errors[i].message, true);
	if (*nobjects + res->nlinks > *room)
	{
		*room = Max(*room * 2, *nobjects + res->nlinks);
		*objects = *objects ? repalloc(*objects, sizeof(HsObject) * *room)
			: palloc(sizeof(HsObject) * *room);
	}
	for (i = 0; i < res->nlinks; i++)
	{
		HsObject   *o = &(*objects)[(*nobjects)++];

		memset(o, 0, sizeof(*o));
		o->id = res->links[i].from_id;
		/* a link is one pair of records and one type */
		o->link = psprintf("%s %s %s %s %s", o->id, res->links[i].to_id,
						   res->links[i].type ? res->links[i].type : "",
						   res->links[i].category ? res->links[i].category : "",
						   res->links[i].type_id ? res->links[i].type_id : "");
		o->values = palloc0(sizeof(char *) * Max(nprops, 1));
		for (j = 0; j < nprops; j++)
			if (props[j])
				o->values[j] = hs_link_field(&res->links[i], props[j]);
	}
	return res;
}

/*
 * The links a sent batch/read answers, as objects (see hs_links_collect),
 * with the further pages of records whose links HubSpot pages read here,
 * one batch/read of up to hs_links_read_max() cursors at a time, until no
 * record has more. *requests and *retries count the requests this sends.
 */
void
hs_links_read_answer(HsHttpRequest *req, HsConnection *conn,
					 const HsTableOptions *opts, char **props, int nprops,
					 HsObject **objects, int *nobjects, int *requests, int *retries)
{
	HsLinkRead *res;
	HsLinkMore *pending = NULL;	/* records with more links, oldest first */
	int			npending = 0;
	int			first = 0;
	HsIdSet    *cursors = NULL;
	int			room = 0;

	*objects = NULL;
	*nobjects = 0;
	res = hs_links_collect(req, props, nprops, objects, nobjects, &room);
	for (;;)
	{
		HsHttpRequest next;
		char	  **ids;
		char	  **afters;
		int			n;
		int			i;

		/* queue the records this answer says go on, after those waiting */
		if (res->nmore > 0)
		{
			pending = pending
				? repalloc(pending, sizeof(HsLinkMore) * (npending + res->nmore))
				: palloc(sizeof(HsLinkMore) * res->nmore);
			memcpy(pending + npending, res->more, sizeof(HsLinkMore) * res->nmore);
			npending += res->nmore;
		}
		if (first == npending)
			break;
		n = Min(npending - first, hs_links_read_max(opts));
		ids = palloc(sizeof(char *) * n);
		afters = palloc(sizeof(char *) * n);
		for (i = 0; i < n; i++)
		{
			ids[i] = pending[first + i].from_id;
			afters[i] = pending[first + i].after;
			/* a record's cursor given twice would page forever */
			hs_check_cursor(&cursors, CurrentMemoryContext,
							psprintf("%s %s", ids[i], afters[i]), req);
		}
		first += n;
		hs_links_read_request(&next, conn, opts, ids, afters, n);
		hs_send(&next);
		(*requests)++;
		*retries += next.retries;
		hs_check_response(&next, false);
		res = hs_links_collect(&next, props, nprops, objects, nobjects, &room);
	}
}
