/*
 * convert.c
 *		Conversion between PostgreSQL Datums and HubSpot property values,
 *		which HubSpot always sends and takes as strings.
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/lsyscache.h"

/* Look up the I/O functions a column's type needs. */
void
hs_converter_init(HsConverter *conv, Oid typid, int32 typmod)
{
	Oid			outfunc;
	Oid			infunc;
	bool		isvarlena;

	conv->typid = typid;
	conv->typmod = typmod;
	getTypeOutputInfo(typid, &outfunc, &isvarlena);
	fmgr_info(outfunc, &conv->outfunc);
	getTypeInputInfo(typid, &infunc, &conv->ioparam);
	fmgr_info(infunc, &conv->infunc);
}

/*
 * The HubSpot value (UTF-8, as JSON needs) for a Datum. NULL clears a
 * property, which HubSpot spells as an empty string; the caller sends NULL
 * as "".
 */
char *
hs_datum_to_value(HsConverter *conv, Datum value, bool isnull)
{
	char	   *text;

	if (isnull)
		return NULL;
	if (conv->typid == BOOLOID)
		return pstrdup(DatumGetBool(value) ? "true" : "false");
	text = OutputFunctionCall(&conv->outfunc, value);
	return pg_server_to_any(text, strlen(text), PG_UTF8);
}

/* The Datum for a HubSpot value (never NULL: callers map null themselves). */
Datum
hs_value_to_datum(HsConverter *conv, const char *value)
{
	char	   *text = pg_any_to_server(value, strlen(value), PG_UTF8);

	return InputFunctionCall(&conv->infunc, text, conv->ioparam, conv->typmod);
}
