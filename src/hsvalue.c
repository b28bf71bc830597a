/*
 * hsvalue.c
 *		HubSpot value text: parsing and formatting of dates, date-times and
 *		decimal numbers (see hsvalue.h).
 *
 * HubSpot sends and takes every property value as a string:
 *	- date: epoch milliseconds at midnight UTC ("1709251200000");
 *	- datetime: ISO 8601 ("2024-03-01T12:34:56.789Z") or epoch milliseconds;
 *	- number: a decimal string.
 * Times are counted here in microseconds and days since 1970-01-01 UTC.
 */
#include "hsvalue.h"

#include <stdio.h>

/* Largest number of milliseconds whose microseconds fit in an int64. */
#define HSV_MAX_MS (INT64_MAX / 1000)

/* Integer division rounding towards minus infinity. */
int64_t
hsv_floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Days since 1970-01-01 of a Gregorian date (any year). */
int64_t
hsv_days_from_civil(int64_t year, int month, int day)
{
	int64_t		y = year - (month <= 2 ? 1 : 0);
	int64_t		era = hsv_floor_div(y, 400);
	int64_t		yoe = y - era * 400;
	int64_t		doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* The Gregorian date of a day counted from 1970-01-01. */
void
hsv_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t		z = days + 719468;
	int64_t		era = hsv_floor_div(z, 146097);
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;
	int			m = (int) (mp < 10 ? mp + 3 : mp - 9);

	*day = (int) (doy - (153 * mp + 2) / 5 + 1);
	*month = m;
	*year = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

/* Number of days in a month of a Gregorian year. */
static int
hsv_month_days(int64_t year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Read exactly n decimal digits at *p into *out and advance. */
static bool
hsv_digits(const char **p, int n, int *out)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		char		c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* Parse epoch milliseconds: an optional '-' and 1 to 18 digits, nothing else. */
bool
hsv_parse_epoch_ms(const char *s, int64_t *ms)
{
	const char *p = s;
	bool		neg = false;
	int64_t		v = 0;
	int			n = 0;

	if (*p == '-')
	{
		neg = true;
		p++;
	}
	for (; *p; p++, n++)
	{
		if (*p < '0' || *p > '9' || n >= 18)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (n == 0)
		return false;
	*ms = neg ? -v : v;
	return true;
}

/*
 * Parse ISO 8601 in its extended form: YYYY-MM-DD, optionally followed by
 * 'T' (or a space) and HH:MM[:SS[.fraction]] and a zone (Z, +HH, +HHMM or
 * +HH:MM; none means UTC). *us gets microseconds since 1970-01-01 UTC
 * (digits beyond microseconds are dropped); *has_time says whether a time
 * of day was given.
 */
bool
hsv_parse_iso8601(const char *s, int64_t *us, bool *has_time)
{
	const char *p = s;
	int			year;
	int			month;
	int			day;
	int			hour = 0;
	int			minute = 0;
	int			second = 0;
	int64_t		frac = 0;
	int			offset = 0;		/* minutes east of UTC */

	if (!hsv_digits(&p, 4, &year) || *p++ != '-' ||
		!hsv_digits(&p, 2, &month) || *p++ != '-' ||
		!hsv_digits(&p, 2, &day))
		return false;
	if (month < 1 || month > 12 || day < 1 || day > hsv_month_days(year, month))
		return false;
	*has_time = false;
	if (*p != '\0')
	{
		if (*p != 'T' && *p != 't' && *p != ' ')
			return false;
		p++;
		if (!hsv_digits(&p, 2, &hour) || *p++ != ':' || !hsv_digits(&p, 2, &minute))
			return false;
		if (*p == ':')
		{
			p++;
			if (!hsv_digits(&p, 2, &second))
				return false;
			if (*p == '.' || *p == ',')
			{
				int64_t		scale = 100000;

				p++;
				if (*p < '0' || *p > '9')
					return false;
				for (; *p >= '0' && *p <= '9'; p++)
				{
					frac += (*p - '0') * scale;
					scale /= 10;
				}
			}
		}
		if (hour > 23 || minute > 59 || second > 59)
			return false;
		if (*p == 'Z' || *p == 'z')
			p++;
		else if (*p == '+' || *p == '-')
		{
			int			sign = (*p == '-') ? -1 : 1;
			int			oh;
			int			om = 0;

			p++;
			if (!hsv_digits(&p, 2, &oh))
				return false;
			if (*p == ':')
			{
				p++;
				if (!hsv_digits(&p, 2, &om))
					return false;
			}
			else if (*p >= '0' && *p <= '9' && !hsv_digits(&p, 2, &om))
				return false;
			if (oh > 23 || om > 59)
				return false;
			offset = sign * (oh * 60 + om);
		}
		if (*p != '\0')
			return false;
		*has_time = true;
	}
	*us = hsv_days_from_civil(year, month, day) * HSV_US_PER_DAY +
		((int64_t) hour * 3600 + minute * 60 + second - (int64_t) offset * 60) * 1000000 +
		frac;
	return true;
}

/* A date-time as HubSpot sends it: epoch milliseconds or ISO 8601. */
bool
hsv_parse_timestamp(const char *s, int64_t *us)
{
	int64_t		ms;
	bool		has_time;

	if (hsv_parse_epoch_ms(s, &ms))
	{
		if (ms > HSV_MAX_MS || ms < -HSV_MAX_MS)
			return false;
		*us = ms * 1000;
		return true;
	}
	return hsv_parse_iso8601(s, us, &has_time);
}

/*
 * A date as HubSpot sends it: epoch milliseconds (normally at midnight UTC)
 * or ISO 8601. *days gets the UTC day it falls on.
 */
bool
hsv_parse_date(const char *s, int64_t *days)
{
	int64_t		ms;
	int64_t		us;
	bool		has_time;

	if (hsv_parse_epoch_ms(s, &ms))
	{
		*days = hsv_floor_div(ms, HSV_MS_PER_DAY);
		return true;
	}
	if (!hsv_parse_iso8601(s, &us, &has_time))
		return false;
	*days = hsv_floor_div(us, HSV_US_PER_DAY);
	return true;
}

/*
 * Format microseconds since 1970-01-01 UTC as "YYYY-MM-DDTHH:MM:SS.mmmZ"
 * (HubSpot keeps milliseconds: finer digits are dropped). False if the
 * year is outside 1..9999 or buf is shorter than HSV_ISO_LEN.
 */
bool
hsv_format_iso8601(int64_t us, char *buf, size_t len)
{
	int64_t		days = hsv_floor_div(us, HSV_US_PER_DAY);
	int64_t		ms = (us - days * HSV_US_PER_DAY) / 1000;
	int64_t		year;
	int			month;
	int			day;

	if (len < HSV_ISO_LEN)
		return false;
	hsv_civil_from_days(days, &year, &month, &day);
	if (year < 1 || year > 9999)
		return false;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 (int) year, month, day,
			 (int) (ms / 3600000), (int) (ms / 60000 % 60), (int) (ms / 1000 % 60),
			 (int) (ms % 1000));
	return true;
}

/*
 * Rewrite a decimal number in scientific or plain notation
 * ("-1.5e-07", "1e+20", "42.50") as a plain decimal string without exponent
 * ("-0.00000015", "100000000000000000000", "42.5"). Zero is "0". False if
 * "in" is not such a number or "out" is too small.
 */
bool
hsv_plain_decimal(const char *in, char *out, size_t outlen)
{
	char		digits[64];
	int			ndigits = 0;
	int			intdigits = 0;
	bool		neg = false;
	bool		seen_point = false;
	bool		any = false;
	long		exp = 0;
	long		point;
	const char *p = in;
	size_t		o = 0;
	long		i;

	if (*p == '-' || *p == '+')
		neg = (*p++ == '-');
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++)
	{
		if (*p == '.')
		{
			if (seen_point)
				return false;
			seen_point = true;
			continue;
		}
		any = true;
		if (ndigits == 0 && *p == '0')
		{
			/* a leading zero: before the point it counts for nothing */
			if (seen_point)
				intdigits--;
			continue;
		}
		if (ndigits >= (int) sizeof(digits))
			return false;
		digits[ndigits++] = *p;
		if (!seen_point)
			intdigits++;
	}
	if (!any)
		return false;
	if (*p == 'e' || *p == 'E')
	{
		bool		eneg = false;
		bool		edigits = false;

		p++;
		if (*p == '-' || *p == '+')
			eneg = (*p++ == '-');
		for (; *p >= '0' && *p <= '9'; p++)
		{
			edigits = true;
			exp = exp * 10 + (*p - '0');
			if (exp > 100000)
				return false;
		}
		if (!edigits)
			return false;
		if (eneg)
			exp = -exp;
	}
	if (*p != '\0')
		return false;
	while (ndigits > 0 && digits[ndigits - 1] == '0')
		ndigits--;

#define HSV_PUT(c) do { if (o + 1 >= outlen) return false; out[o++] = (c); } while (0)
	if (ndigits == 0)
	{
		HSV_PUT('0');
		out[o] = '\0';
		return true;
	}
	point = intdigits + exp;
	if (neg)
		HSV_PUT('-');
	if (point <= 0)
	{
		HSV_PUT('0');
		HSV_PUT('.');
		for (i = point; i < 0; i++)
			HSV_PUT('0');
		for (i = 0; i < ndigits; i++)
			HSV_PUT(digits[i]);
	}
	else
	{
		for (i = 0; i < ndigits || i < point; i++)
		{
			if (i == point)
				HSV_PUT('.');
			HSV_PUT(i < ndigits ? digits[i] : '0');
		}
	}
#undef HSV_PUT
	out[o] = '\0';
	return true;
}
