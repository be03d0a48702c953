// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers of command-line values. They are strict on purpose: a value is
 * checked completely before anything is sent to the kernel, so that a typo
 * is reported with the token that caused it instead of half-applied.
 */
#include <errno.h>
#include <string.h>
#include <net/if.h>

#include "xmeshctl.h"

/* Digits of base 10 or 16 into a u64, refusing overflow. */
static int parse_digits(const char *s, unsigned int base, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (n > (UINT64_MAX - d) / base)
			return -ERANGE;
		n = n * base + d;
	}
	if (n > max)
		return -ERANGE;
	*v = n;
	return 0;
}

int ctl_parse_dec(const char *s, uint64_t max, uint64_t *v)
{
	/* Check the syntax of every digit before the range: "99999x" is a typo. */
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	return parse_digits(s, 10, max, v);
}

int ctl_parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (const char *p = s + 2; *p; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			      (*p >= 'A' && *p <= 'F')))
				return -EINVAL;
		return parse_digits(s + 2, 16, max, v);
	}
	return ctl_parse_dec(s, max, v);
}

int ctl_check_ifname(const char *s)
{
	size_t len = strlen(s);

	/* The kernel's dev_valid_name() rules. */
	if (len == 0 || len >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return -EINVAL;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || (*s >= '\t' && *s <= '\r'))
			return -EINVAL;
	return 0;
}

const char *ctl_parse_strerror(int err)
{
	return err == -ERANGE ? "out of range" : "not a number";
}
