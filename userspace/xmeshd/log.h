/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leveled logging to stderr. Under systemd (JOURNAL_STREAM set) every line
 * starts with the journal's "<N>" priority prefix (sd-daemon(3)); on a
 * terminal it carries the level name instead.
 */
#ifndef XMESHD_LOG_H
#define XMESHD_LOG_H

/* syslog(3) priorities. */
enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

void log_init(enum log_level max, const char *prefix);
void log_set_prefix(const char *prefix);
/* "error", "warning", "info" or "debug"; -1 if none of them. */
int log_level_parse(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
