/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TAP output for the daemon's host test programs: one "ok N desc" or
 * "not ok N desc" line per check, a plan line at the end, and an exit status
 * that is non-zero when any check failed. Each test program includes this
 * once.
 */
#ifndef XMESH_SELFTESTS_TAP_H
#define XMESH_SELFTESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	/* Flushed per line: a crash must not eat the lines before it. */
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

/* Print the plan; the test program's exit status. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
