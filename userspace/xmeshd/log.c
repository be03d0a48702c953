// SPDX-License-Identifier: GPL-2.0
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum log_level log_max = LOG_LVL_INFO;
static bool log_journal;
static char log_prefix[32];

void log_init(enum log_level max, const char *prefix)
{
	log_max = max;
	/* systemd sets JOURNAL_STREAM when stderr is connected to the journal. */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	log_set_prefix(prefix);
}

void log_set_prefix(const char *prefix)
{
	snprintf(log_prefix, sizeof(log_prefix), "%s", prefix ? prefix : "");
}

int log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "error", LOG_LVL_ERR },
		{ "warning", LOG_LVL_WARN },
		{ "info", LOG_LVL_INFO },
		{ "debug", LOG_LVL_DEBUG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return (int)names[i].level;
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const tag[8] = { "", "", "", "error", "warning", "", "info", "debug" };
	char line[1024];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s%s\n", (int)level, log_prefix, line);
	else
		fprintf(stderr, "xmeshd: %s%s: %s\n", log_prefix, tag[level], line);
}
