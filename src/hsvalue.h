/*
 * hsvalue.h
 *		HubSpot value text: parsing and formatting of dates, date-times and
 *		decimal numbers.
 *
 * Plain C with no PostgreSQL headers and no allocation, so that it can be
 * compiled and fuzzed outside the server. Everything is in UTC and in the
 * proleptic Gregorian calendar; nothing depends on locale or time zone.
 */
#ifndef HSVALUE_H
#define HSVALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HSV_MS_PER_DAY INT64_C(86400000)
#define HSV_US_PER_DAY INT64_C(86400000000)

/* Room for "YYYY-MM-DDTHH:MM:SS.mmmZ" and its NUL. */
#define HSV_ISO_LEN 25

extern int64_t hsv_days_from_civil(int64_t year, int month, int day);
extern void hsv_civil_from_days(int64_t days, int64_t *year, int *month, int *day);
extern int64_t hsv_floor_div(int64_t a, int64_t b);

extern bool hsv_parse_epoch_ms(const char *s, int64_t *ms);
extern bool hsv_parse_iso8601(const char *s, int64_t *us, bool *has_time);
extern bool hsv_parse_timestamp(const char *s, int64_t *us);
extern bool hsv_parse_date(const char *s, int64_t *days);

extern bool hsv_format_iso8601(int64_t us, char *buf, size_t len);
extern bool hsv_plain_decimal(const char *in, char *out, size_t outlen);

#endif							/* HSVALUE_H */
