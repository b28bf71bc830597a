/*
 * convert.c
 *		Conversion between PostgreSQL Datums and HubSpot property values,
 *		which HubSpot always sends and takes as strings.
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "catalog/pg_type.h"
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
 * The HubSpot value for a Datum. NULL clears a property, which HubSpot
 * spells as an empty string; the caller sends NULL as "".
 */
char *
hs_datum_to_value(HsConverter *conv, Datum value, bool isnull)
{
	if (isnull)
		return NULL;
	if (conv->typid == BOOLOID)
		return pstrdup(DatumGetBool(value) ? "true" : "false");
	return OutputFunctionCall(&conv->outfunc, value);
}

/* The Datum for a HubSpot value (never NULL: callers map null themselves). */
Datum
hs_value_to_datum(HsConverter *conv, const char *value)
{
	return InputFunctionCall(&conv->infunc, (char *) value, conv->ioparam,
							 conv->typmod);
}
