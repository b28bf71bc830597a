/*
 * driver.c
 *		Runs src/hsvalue.c outside the server: each input line is a command
 *		letter, a space and an argument; each output line is the result or
 *		ERR. Used by check.py, and a ready entry point for fuzzers.
 *
 *	T text	hsv_parse_timestamp -> microseconds since 1970-01-01 UTC
 *	D text	hsv_parse_date -> days since 1970-01-01
 *	F us	hsv_format_iso8601
 *	P text	hsv_plain_decimal
 */
#include "hsvalue.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int
main(void)
{
	char		line[1024];
	char		buf[512];

	while (fgets(line, sizeof(line), stdin))
	{
		char	   *arg = line + 2;
		int64_t		v;

		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) < 2)
			arg = line + strlen(line);
		switch (line[0])
		{
			case 'T':
				if (hsv_parse_timestamp(arg, &v))
					printf("%" PRId64 "\n", v);
				else
					printf("ERR\n");
				break;
			case 'D':
				if (hsv_parse_date(arg, &v))
					printf("%" PRId64 "\n", v);
				else
					printf("ERR\n");
				break;
			case 'F':
				if (sscanf(arg, "%" SCNd64, &v) == 1 && hsv_format_iso8601(v, buf, sizeof(buf)))
					printf("%s\n", buf);
				else
					printf("ERR\n");
				break;
			case 'P':
				if (hsv_plain_decimal(arg, buf, sizeof(buf)))
					printf("%s\n", buf);
				else
					printf("ERR\n");
				break;
			default:
				printf("ERR\n");
		}
	}
	return 0;
}
