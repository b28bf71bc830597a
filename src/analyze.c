/*
 * analyze.c
 *		ANALYZE of a HubSpot foreign table, in at most HS_ANALYZE_MAX_REQUESTS
 *		requests: one search for the number of records (its "total") and the
 *		first pages of the list as the sample the column statistics come from.
 *
 * HubSpot keeps no statistics an API returns, and its list can only be
 * read from the start (the paging cursor is opaque), so the sample is the
 * oldest records rather than a random draw: good enough for the planner's
 * widths, null fractions and common values, and said in the README. The
 * count is what the planner needs most (doc/ARCHITECTURE.md, "Costs").
 */
#include "postgres.h"

#include "read.h"

#include "access/htup_details.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* ANALYZE sends at most this many requests: one search and the list pages. */
#define HS_ANALYZE_MAX_REQUESTS 10

/*
 * The number of records of the table's object type, from an unfiltered
 * search asking for one record (search answers with the total).
 */
static double
hs_analyze_count(HsConnection *conn, const HsTableOptions *opts,
				 const char *type_path)
{
	HsSearchRequest sr;
	HsHttpRequest req;
	HsPage		page;
	int64		total;
	char	   *why;

	memset(&sr, 0, sizeof(sr));
	sr.limit = 1;
	hs_request_init(&req, conn, opts, "POST", psprintf("%s/search", type_path), NULL,
					hs_json_search_body(&sr));
	hs_send(&req);
	hs_check_response(&req, false);
	if (!hs_json_parse_search(req.response, req.response_len, NULL, 0,
							  &page, &total, &why))
		hs_report_bad_response(&req, why);
	return (double) Max(total, 0);
}

/*
 * AcquireSampleRowsFunc of a HubSpot table: up to "targrows" rows from the
 * first pages of the list, *totalrows from search's total (or the exact
 * count when the list ended within the pages read).
 */
static int
hs_acquire_sample_rows(Relation rel, int elevel, HeapTuple *rows, int targrows,
					   double *totalrows, double *totaldeadrows)
{
	Oid			relid = RelationGetRelid(rel);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	HsTableOptions opts;
	HsConnection *conn;
	List	   *columns = hs_get_columns(rel);
	int			ncols = list_length(columns);
	HsColumn  **cols = palloc(sizeof(HsColumn *) * Max(ncols, 1));
	HsConverter *convs = palloc0(sizeof(HsConverter) * Max(ncols, 1));
	char	  **props = palloc0(sizeof(char *) * Max(ncols, 1));
	char	  **prop_names = palloc0(sizeof(char *) * Max(ncols, 1));
	int			nprops = 0;
	Datum	   *values = palloc(sizeof(Datum) * tupdesc->natts);
	bool	   *nulls = palloc(sizeof(bool) * tupdesc->natts);
	char	   *type_path;
	char	   *props_query;
	char	   *after = NULL;
	HsIdSet    *cursors = NULL; /* the paging cursors given out */
	double		total;
	int			max_pages;
	int			pages = 0;
	int			nrows = 0;
	bool		ended = false;
	bool		wide;
	MemoryContext page_cxt;
	ListCell   *lc;
	int			i;

	hs_get_table_options(relid, &opts);
	conn = hs_connection_for_table(relid, GetUserId());
	type_path = hs_objects_path(&opts, opts.object_type);
	i = 0;
	foreach(lc, columns)
	{
		cols[i] = (HsColumn *) lfirst(lc);
		hs_converter_init_column(&convs[i], cols[i]);
		props[i] = cols[i]->property;
		if (cols[i]->property)
			prop_names[nprops++] = cols[i]->property;
		i++;
	}
	props_query = hs_properties_query(prop_names, nprops);
	wide = hs_list_is_wide(&opts, type_path, props_query);

	/* use_search 'false': no search, the count is what the list gives */
	total = opts.use_search ? hs_analyze_count(conn, &opts, type_path) : 0;

	max_pages = Min((HS_ANALYZE_MAX_REQUESTS - 1) / (wide ? 2 : 1),
					(targrows + HS_LIST_PAGE_SIZE - 1) / HS_LIST_PAGE_SIZE);
	page_cxt = AllocSetContextCreate(CurrentMemoryContext, "hubspot_fdw analyze page",
									 ALLOCSET_DEFAULT_SIZES);
	while (pages < max_pages && nrows < targrows)
	{
		HsHttpRequest req;
		HsPage		page;
		char	   *why;
		MemoryContext old = MemoryContextSwitchTo(page_cxt);
		char	   *query = hs_list_query(props_query, wide, after);

		hs_request_init(&req, conn, &opts, "GET", type_path, query, NULL);
		hs_send(&req);
		hs_check_response(&req, false);
		if (!hs_json_parse_page(req.response, req.response_len, props, ncols,
								&page, &why))
			hs_report_bad_response(&req, why);
		pages++;
		if (page.next_after)
			hs_check_cursor(&cursors, old, page.next_after, &req);
		if (wide)
			(void) hs_list_fill_wide(conn, &opts, type_path, prop_names, nprops,
									 props, ncols, page.objects, &page.nobjects);
		for (i = 0; i < page.nobjects && nrows < targrows; i++)
		{
			HsObject   *obj = &page.objects[i];
			int			c;

			memset(nulls, true, sizeof(bool) * tupdesc->natts);
			for (c = 0; c < ncols; c++)
			{
				const char *value = props[c] ? obj->values[c] : obj->id;
				int			att = cols[c]->attnum - 1;

				if (value != NULL)
					values[att] = hs_value_to_datum(&convs[c], value, obj->id,
													&nulls[att]);
			}
			MemoryContextSwitchTo(old);
			rows[nrows++] = heap_form_tuple(tupdesc, values, nulls);
			MemoryContextSwitchTo(page_cxt);
		}
		MemoryContextSwitchTo(old);
		if (page.next_after == NULL)
		{
			ended = i == page.nobjects;
			break;
		}
		after = pstrdup(page.next_after);
		MemoryContextReset(page_cxt);
	}
	MemoryContextDelete(page_cxt);

	/* a list read to its end counts exactly; search may lag behind writes */
	*totalrows = ended ? (double) nrows : Max(total, (double) nrows);
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": %d list pages read, %d rows in sample, %.0f estimated total records",
					RelationGetRelationName(rel), pages, nrows, *totalrows)));
	return nrows;
}

/*
 * AnalyzeForeignTable: HubSpot tables can be analyzed; the pages reported
 * are those of the list a full scan would read.
 */
bool
hsAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
					  BlockNumber *totalpages)
{
	*func = hs_acquire_sample_rows;
	*totalpages = 1;
	return true;
}
