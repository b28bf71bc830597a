/*
 * fuzz_json.c
 *		libFuzzer target: every parser of HubSpot answers in src/json.c, fed
 *		the same bytes, must return normally (success or a reason) and free
 *		everything when its memory context is reset.
 */
#include "postgres.h"

#include "hubspot_fdw.h"
#include "shim.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fuzz one input against each parser. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *props[] = {"hs_name", "hs_tier", NULL, "hs_object_id"};
	int			nprops = lengthof(props);
	char	   *body = palloc(size + 1);
	char	   *why = NULL;
	HsPage		page;
	HsObject	obj;
	HsBatchResult batch;
	HsApiError	err;
	HsAssocBatchResult assoc;
	HsLinkRead	links;
	List	   *types;
	List	   *defs;
	int64		total;
	HsOAuthToken token;
	int64		portal_id;

	memcpy(body, data, size);
	body[size] = '\0';

	(void) hs_json_parse_page(body, size, props, nprops, &page, &why);
	(void) hs_json_parse_object(body, size, props, nprops, &obj, &why);
	(void) hs_json_parse_batch(body, size, props, nprops, &batch, &why);
	(void) hs_json_parse_batch(body, size, NULL, 0, &batch, &why);
	hs_json_parse_error(body, size, &err);
	(void) hs_json_parse_assoc_batch(body, size, &assoc, &why);
	(void) hs_json_parse_assoc_types(body, size, &types, &why);
	(void) hs_json_parse_assoc_labels(body, size, &types, &why);
	(void) hs_json_object_text(body, size, true, &why);
	(void) hs_json_object_text(body, size, false, &why);
	(void) hs_json_parse_link_read(body, size, &links, &why);
	(void) hs_json_parse_properties(body, size, &defs, &why);
	(void) hs_json_parse_search(body, size, props, nprops, &page, &total, &why);
	(void) hs_json_parse_search(body, size, NULL, 0, &page, &total, &why);
	(void) hs_json_parse_token(body, size, &token, &why);
	(void) hs_json_parse_account(body, size, &portal_id, &why);

	hs_shim_reset();
	return 0;
}
