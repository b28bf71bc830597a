/*
 * convert.c
 *		Conversion between PostgreSQL Datums and HubSpot property values,
 *		which HubSpot always sends and takes as strings.
 *
 * The column's type decides the format (a domain counts as its base type):
 *	boolean		"true" / "false"
 *	date		epoch milliseconds at midnight UTC ("1709251200000")
 *	timestamptz	ISO 8601 in UTC with milliseconds ("2024-03-01T12:34:56.789Z");
 *				timestamp (without time zone) is taken to be UTC
 *	numeric		plain decimal; NaN and infinities are refused
 *	float4/8	shortest exact plain decimal; non-finite values are refused
 *	arrays		elements joined with ";" (multiple checkboxes)
 *	others		the type's own text output and input
 * Reading accepts epoch milliseconds or ISO 8601 for dates and date-times.
 * None of this depends on DateStyle, TimeZone, extra_float_digits or
 * lc_numeric. Text travels as UTF-8 whatever the database encoding.
 *
 * Every error names the column; errors while reading also name the record.
 */
#include "postgres.h"

#include <math.h>

#include "catalog.h"
#include "hsvalue.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "common/shortest_dec.h"
#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* Days and microseconds from 1970-01-01 to 2000-01-01 (PostgreSQL's epoch). */
#define HS_PG_EPOCH_DAYS ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE))
#define HS_PG_EPOCH_US (HS_PG_EPOCH_DAYS * USECS_PER_DAY)

/* Longest piece of a bad value quoted in a message. */
#define HS_QUOTE_MAX 100

/* What a read error's context names: the column and the record. */
typedef struct HsReadContext
{
	HsConverter *conv;
	const char *record_id;
} HsReadContext;

/* Set up "conv" for values of "typid"; messages call the column "attname". */
static void
hs_converter_setup(HsConverter *conv, Oid typid, int32 typmod,
				   const char *attname)
{
	int32		base_typmod = typmod;
	Oid			base = getBaseTypeAndTypmod(typid, &base_typmod);
	Oid			outfunc;
	Oid			infunc;
	bool		isvarlena;
	char		category;
	bool		preferred;

	memset(conv, 0, sizeof(*conv));
	conv->typid = base;
	conv->typmod = base_typmod;
	conv->domain = (base != typid) ? typid : InvalidOid;
	conv->mcxt = CurrentMemoryContext;
	conv->attname = attname;
	conv->empty_is_null = true;
	getTypeOutputInfo(base, &outfunc, &isvarlena);
	fmgr_info(outfunc, &conv->outfunc);
	getTypeInputInfo(base, &infunc, &conv->ioparam);
	fmgr_info(infunc, &conv->infunc);

	switch (base)
	{
		case BOOLOID:
			conv->kind = HS_VALUE_BOOL;
			break;
		case DATEOID:
			conv->kind = HS_VALUE_DATE;
			break;
		case TIMESTAMPTZOID:
			conv->kind = HS_VALUE_TIMESTAMPTZ;
			break;
		case TIMESTAMPOID:
			conv->kind = HS_VALUE_TIMESTAMP;
			break;
		case NUMERICOID:
			conv->kind = HS_VALUE_NUMERIC;
			break;
		case FLOAT4OID:
			conv->kind = HS_VALUE_FLOAT4;
			break;
		case FLOAT8OID:
			conv->kind = HS_VALUE_FLOAT8;
			break;
		default:
			conv->elemtype = get_element_type(base);
			if (OidIsValid(conv->elemtype))
			{
				conv->kind = HS_VALUE_ARRAY;
				get_typlenbyvalalign(conv->elemtype, &conv->elemlen,
									 &conv->elembyval, &conv->elemalign);
				conv->elem = palloc(sizeof(HsConverter));
				/* an array column's typmod applies to its elements */
				hs_converter_setup(conv->elem, conv->elemtype, base_typmod, attname);
			}
			else
			{
				conv->kind = HS_VALUE_GENERIC;
				get_type_category_preferred(base, &category, &preferred);
				conv->empty_is_null = (category != TYPCATEGORY_STRING);
			}
			break;
	}
}

/* Set up a converter for values of "typid" that belong to no column. */
void
hs_converter_init(HsConverter *conv, Oid typid, int32 typmod)
{
	hs_converter_setup(conv, typid, typmod, NULL);
}

/* Set up the converter of a foreign table column. */
void
hs_converter_init_column(HsConverter *conv, const HsColumn *col)
{
	hs_converter_setup(conv, col->typid, col->typmod, col->attname);
	conv->property = col->property;
	conv->date_property = col->hubspot_type != NULL &&
		strcmp(col->hubspot_type, "date") == 0;
}

/* A value for a message: at most HS_QUOTE_MAX bytes, cut on a character. */
static char *
hs_quote(const char *value)
{
	int			len = strlen(value);

	if (len <= HS_QUOTE_MAX)
		return pstrdup(value);
	return psprintf("%s...", pnstrdup(value, pg_mbcliplen(value, len, HS_QUOTE_MAX)));
}

/* Refuse a date or timestamp HubSpot cannot hold. */
static void
hs_refuse_datetime(HsConverter *conv, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 conv->attname
			 ? errmsg("cannot send the value of column \"%s\" to HubSpot", conv->attname)
			 : errmsg("cannot send a value to HubSpot"),
			 errdetail("%s", why)));
}

/*
 * Is a day counted from 1970-01-01 in the years 1 to 9999, the only ones
 * HubSpot's dates and date-times have (ISO 8601 needs four digits)?
 */
static bool
hs_day_in_range(int64 days)
{
	return days >= hsv_days_from_civil(1, 1, 1) &&
		days < hsv_days_from_civil(10000, 1, 1);
}

/* A date as epoch milliseconds at midnight UTC. */
static char *
hs_date_to_value(HsConverter *conv, DateADT date)
{
	int64		days = (int64) date + HS_PG_EPOCH_DAYS;

	if (DATE_NOT_FINITE(date))
		hs_refuse_datetime(conv, "HubSpot has no infinite dates.");
	if (!hs_day_in_range(days))
		hs_refuse_datetime(conv, "HubSpot dates have years 1 to 9999.");
	return psprintf(INT64_FORMAT, days * HSV_MS_PER_DAY);
}

/*
 * A timestamp as ISO 8601 in UTC; as epoch milliseconds when the column's
 * property is a HubSpot date, which must then be at midnight UTC.
 */
static char *
hs_timestamp_to_value(HsConverter *conv, Timestamp ts)
{
	int64		us;
	char		buf[HSV_ISO_LEN];

	if (TIMESTAMP_NOT_FINITE(ts))
		hs_refuse_datetime(conv, "HubSpot has no infinite date-times.");
	if (pg_add_s64_overflow(ts, HS_PG_EPOCH_US, &us))
		hs_refuse_datetime(conv, "HubSpot date-times have years 1 to 9999.");
	if (conv->date_property)
	{
		if (!hs_day_in_range(hsv_floor_div(us, HSV_US_PER_DAY)))
			hs_refuse_datetime(conv, "HubSpot dates have years 1 to 9999.");
		if (us - hsv_floor_div(us, HSV_US_PER_DAY) * HSV_US_PER_DAY != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 conv->attname
					 ? errmsg("cannot send the value of column \"%s\" to HubSpot: it has a time of day",
							  conv->attname)
					 : errmsg("cannot send a value to HubSpot: it has a time of day"),
					 errdetail("HubSpot property \"%s\" is a date, which takes midnight UTC only.",
							   conv->property ? conv->property : conv->attname)));
		return psprintf(INT64_FORMAT, us / 1000);
	}
	if (!hsv_format_iso8601(us, buf, sizeof(buf)))
		hs_refuse_datetime(conv, "HubSpot date-times have years 1 to 9999.");
	return pstrdup(buf);
}

/* Refuse NaN and infinities, which no HubSpot number property takes. */
static void
hs_refuse_number(HsConverter *conv, bool is_nan)
{
	if (conv->attname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 is_nan
				 ? errmsg("cannot send NaN to HubSpot")
				 : errmsg("cannot send an infinite number to HubSpot"),
				 errdetail("HubSpot number properties take finite decimal numbers only.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 is_nan
			 ? errmsg("cannot send NaN in column \"%s\" to HubSpot", conv->attname)
			 : errmsg("cannot send an infinite number in column \"%s\" to HubSpot",
					  conv->attname),
			 errdetail("HubSpot number properties take finite decimal numbers only.")));
}

/* A numeric as a plain decimal string (numeric_out never uses exponents). */
static char *
hs_numeric_to_value(HsConverter *conv, Datum value)
{
	Numeric		num = DatumGetNumeric(value);

	if (numeric_is_nan(num))
		hs_refuse_number(conv, true);
	if (numeric_is_inf(num))
		hs_refuse_number(conv, false);
	return OutputFunctionCall(&conv->outfunc, value);
}

/* A float as the shortest plain decimal that reads back exactly. */
static char *
hs_float_to_value(HsConverter *conv, double value, bool is_float4)
{
	char		shortest[DOUBLE_SHORTEST_DECIMAL_LEN];
	char		plain[400];

	if (isnan(value))
		hs_refuse_number(conv, true);
	if (isinf(value))
		hs_refuse_number(conv, false);
	if (is_float4)
		float_to_shortest_decimal_buf((float) value, shortest);
	else
		double_to_shortest_decimal_buf(value, shortest);
	if (!hsv_plain_decimal(shortest, plain, sizeof(plain)))
		elog(ERROR, "could not format \"%s\" as a plain decimal", shortest);
	return pstrdup(plain);
}

/* A one-dimensional array as its elements joined with ";". */
static char *
hs_array_to_value(HsConverter *conv, Datum value)
{
	ArrayType  *arr = DatumGetArrayTypeP(value);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	StringInfoData buf;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 conv->attname
				 ? errmsg("cannot send a multidimensional array in column \"%s\" to HubSpot",
						  conv->attname)
				 : errmsg("cannot send a multidimensional array to HubSpot")));
	deconstruct_array(arr, conv->elemtype, conv->elemlen, conv->elembyval,
					  conv->elemalign, &elems, &nulls, &n);
	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		char	   *s;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 conv->attname
					 ? errmsg("cannot send a null element in column \"%s\" to HubSpot",
							  conv->attname)
					 : errmsg("cannot send a null array element to HubSpot")));
		s = hs_datum_to_value(conv->elem, elems[i], false);
		if (*s == '\0' || strchr(s, ';') != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 conv->attname
					 ? errmsg("cannot send the element \"%s\" in column \"%s\" to HubSpot",
							  hs_quote(s), conv->attname)
					 : errmsg("cannot send the array element \"%s\" to HubSpot", hs_quote(s)),
					 errdetail("HubSpot separates the values of a multiple-checkbox property with \";\", so an element can be neither empty nor contain \";\".")));
		if (i > 0)
			appendStringInfoChar(&buf, ';');
		appendStringInfoString(&buf, s);
	}
	return buf.data;
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
	switch (conv->kind)
	{
		case HS_VALUE_BOOL:
			return pstrdup(DatumGetBool(value) ? "true" : "false");
		case HS_VALUE_DATE:
			return hs_date_to_value(conv, DatumGetDateADT(value));
		case HS_VALUE_TIMESTAMPTZ:
		case HS_VALUE_TIMESTAMP:
			return hs_timestamp_to_value(conv, DatumGetTimestamp(value));
		case HS_VALUE_NUMERIC:
			return hs_numeric_to_value(conv, value);
		case HS_VALUE_FLOAT4:
			return hs_float_to_value(conv, DatumGetFloat4(value), true);
		case HS_VALUE_FLOAT8:
			return hs_float_to_value(conv, DatumGetFloat8(value), false);
		case HS_VALUE_ARRAY:
			return hs_array_to_value(conv, value);
		case HS_VALUE_GENERIC:
			break;
	}
	text = OutputFunctionCall(&conv->outfunc, value);
	return pg_server_to_any(text, strlen(text), PG_UTF8);
}

/*
 * The value a search filter compares with, for a Datum of "conv"'s type.
 * The format is hs_datum_to_value's, except that dates and date-times are
 * epoch milliseconds (date-times cut to the millisecond at or below, which
 * the caller allows for). False when HubSpot has no such value: NaN,
 * infinities, dates out of range, arrays.
 */
bool
hs_datum_to_filter_value(HsConverter *conv, Datum value, char **out)
{
	switch (conv->kind)
	{
		case HS_VALUE_DATE:
			if (DATE_NOT_FINITE(DatumGetDateADT(value)) ||
				!hs_day_in_range((int64) DatumGetDateADT(value) + HS_PG_EPOCH_DAYS))
				return false;
			break;
		case HS_VALUE_TIMESTAMPTZ:
		case HS_VALUE_TIMESTAMP:
			{
				Timestamp	ts = DatumGetTimestamp(value);
				int64		us;

				if (TIMESTAMP_NOT_FINITE(ts) || pg_add_s64_overflow(ts, HS_PG_EPOCH_US, &us))
					return false;
				*out = psprintf(INT64_FORMAT, hsv_floor_div(us, 1000));
				return true;
			}
		case HS_VALUE_NUMERIC:
			if (numeric_is_nan(DatumGetNumeric(value)) ||
				numeric_is_inf(DatumGetNumeric(value)))
				return false;
			break;
		case HS_VALUE_FLOAT4:
			if (isnan(DatumGetFloat4(value)) || isinf(DatumGetFloat4(value)))
				return false;
			break;
		case HS_VALUE_FLOAT8:
			if (isnan(DatumGetFloat8(value)) || isinf(DatumGetFloat8(value)))
				return false;
			break;
		case HS_VALUE_ARRAY:
			return false;
		case HS_VALUE_BOOL:
		case HS_VALUE_GENERIC:
			break;
	}
	*out = hs_datum_to_value(conv, value, false);
	return true;
}

/* Error context of a read: the column and the record the value came from. */
static void
hs_read_error_context(void *arg)
{
	HsReadContext *rc = (HsReadContext *) arg;

	if (rc->conv->attname)
		errcontext("column \"%s\" of HubSpot record %s", rc->conv->attname,
				   rc->record_id ? rc->record_id : "(unknown)");
}

/* Raise the error for a value HubSpot sent that the column cannot take. */
static void
hs_bad_value(HsConverter *conv, const char *value, const char *record_id,
			 int sqlstate, const char *detail)
{
	if (conv->attname == NULL || record_id == NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid value from HubSpot: \"%s\"", hs_quote(value)),
				 errdetail("%s", detail)));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid value from HubSpot in column \"%s\" of record %s: \"%s\"",
					conv->attname, record_id, hs_quote(value)),
			 errdetail("%s", detail)));
}

/* The Datum of a non-empty HubSpot value, without the domain check. */
static Datum
hs_parse_value(HsConverter *conv, const char *value, const char *record_id,
			   HsReadContext *rc)
{
	int64		days;
	int64		us;
	Timestamp	ts;
	ErrorContextCallback errcb;
	Datum		result;
	char	   *text;

	switch (conv->kind)
	{
		case HS_VALUE_BOOL:
			if (pg_strcasecmp(value, "true") == 0)
				return BoolGetDatum(true);
			if (pg_strcasecmp(value, "false") == 0)
				return BoolGetDatum(false);
			hs_bad_value(conv, value, record_id, ERRCODE_INVALID_TEXT_REPRESENTATION,
						 "HubSpot booleans are \"true\" or \"false\".");
			break;
		case HS_VALUE_DATE:
			if (!hsv_parse_date(value, &days))
				hs_bad_value(conv, value, record_id, ERRCODE_INVALID_DATETIME_FORMAT,
							 "HubSpot dates are epoch milliseconds or ISO 8601 dates.");
			days -= HS_PG_EPOCH_DAYS;
			if (days < PG_INT32_MIN || days > PG_INT32_MAX || !IS_VALID_DATE(days))
				hs_bad_value(conv, value, record_id, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
							 "The date is out of PostgreSQL's range.");
			return DateADTGetDatum((DateADT) days);
		case HS_VALUE_TIMESTAMPTZ:
		case HS_VALUE_TIMESTAMP:
			if (!hsv_parse_timestamp(value, &us))
				hs_bad_value(conv, value, record_id, ERRCODE_INVALID_DATETIME_FORMAT,
							 "HubSpot date-times are ISO 8601 date-times or epoch milliseconds.");
			if (pg_sub_s64_overflow(us, HS_PG_EPOCH_US, &ts) || !IS_VALID_TIMESTAMP(ts))
				hs_bad_value(conv, value, record_id, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
							 "The date-time is out of PostgreSQL's range.");
			if (conv->typmod >= 0)
				hs_adjust_timestamp_typmod(&ts, conv->typmod);
			return TimestampGetDatum(ts);
		case HS_VALUE_ARRAY:
			{
				char	   *copy = pstrdup(value);
				char	   *part = copy;
				Datum	   *elems = palloc(sizeof(Datum) * (strlen(value) / 2 + 1));
				int			n = 0;
				bool		isnull;

				while (part != NULL)
				{
					char	   *next = strchr(part, ';');

					if (next)
						*next++ = '\0';
					if (*part != '\0')
						elems[n++] = hs_value_to_datum(conv->elem, part, record_id, &isnull);
					part = next;
				}
				return PointerGetDatum(construct_array(elems, n, conv->elemtype,
													   conv->elemlen, conv->elembyval,
													   conv->elemalign));
			}
		case HS_VALUE_NUMERIC:
		case HS_VALUE_FLOAT4:
		case HS_VALUE_FLOAT8:
		case HS_VALUE_GENERIC:
			break;
	}

	/* the type's own input function: its errors get the column as context */
	errcb.callback = hs_read_error_context;
	errcb.arg = rc;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	text = pg_any_to_server(value, strlen(value), PG_UTF8);
	result = InputFunctionCall(&conv->infunc, text, conv->ioparam, conv->typmod);
	error_context_stack = errcb.previous;
	return result;
}

/*
 * The Datum for a HubSpot value of record "record_id" (callers map JSON
 * null to SQL NULL themselves). An empty string is NULL too, except for
 * string types, where it stays an empty string.
 */
Datum
hs_value_to_datum(HsConverter *conv, const char *value, const char *record_id,
				  bool *isnull)
{
	HsReadContext rc = {conv, record_id};
	ErrorContextCallback errcb;
	Datum		result;

	*isnull = false;
	if (*value == '\0' && conv->empty_is_null)
	{
		*isnull = true;
		return (Datum) 0;
	}
	result = hs_parse_value(conv, value, record_id, &rc);
	if (OidIsValid(conv->domain))
	{
		errcb.callback = hs_read_error_context;
		errcb.arg = &rc;
		errcb.previous = error_context_stack;
		error_context_stack = &errcb;
		domain_check(result, false, conv->domain, &conv->domain_extra, conv->mcxt);
		error_context_stack = errcb.previous;
	}
	return result;
}

/* "s" in UTF-8, as HubSpot takes it, whatever the database encoding. */
char *
hs_to_utf8(const char *s)
{
	return pg_server_to_any(s, strlen(s), PG_UTF8);
}

/* A HubSpot (UTF-8) string in the database encoding. */
char *
hs_from_utf8(const char *s)
{
	return pg_any_to_server(s, strlen(s), PG_UTF8);
}
