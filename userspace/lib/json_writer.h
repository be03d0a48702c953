/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: values go straight to a FILE, commas and
 * nesting are tracked here, strings are escaped (control characters,
 * quotes, backslashes) and invalid UTF-8 is replaced by U+FFFD, so the
 * output is valid JSON whatever bytes a name holds.
 *
 * Misuse (a value where a key is due, unbalanced ends, nesting deeper than
 * JSON_MAX_DEPTH) is recorded, not written: json_end() reports it.
 */
#ifndef JSON_WRITER_H
#define JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	bool pretty;
	bool bad;      /* misuse seen */
	bool top_done; /* the document's one value was begun */
	bool key_done; /* a key was written, its value is due */
	unsigned int depth;
	bool in_obj[JSON_MAX_DEPTH];   /* object (keys) or array at each level */
	bool has_item[JSON_MAX_DEPTH]; /* a comma is due before the next item */
};

void json_init(struct json_writer *w, FILE *f, bool pretty);
/* Ends the document: 0, or -EINVAL if it was misused or left open, or -EIO. */
int json_end(struct json_writer *w);

void json_obj_start(struct json_writer *w);
void json_obj_end(struct json_writer *w);
void json_arr_start(struct json_writer *w);
void json_arr_end(struct json_writer *w);

void json_key(struct json_writer *w, const char *key);
void json_str(struct json_writer *w, const char *s);
/* A string of len bytes that need not be NUL-terminated. */
void json_strn(struct json_writer *w, const char *s, size_t len);
void json_u64(struct json_writer *w, uint64_t v);
void json_s64(struct json_writer *w, int64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* key + value in one call. */
void json_kv_str(struct json_writer *w, const char *key, const char *s);
void json_kv_u64(struct json_writer *w, const char *key, uint64_t v);
void json_kv_s64(struct json_writer *w, const char *key, int64_t v);
void json_kv_bool(struct json_writer *w, const char *key, bool v);
void json_kv_null(struct json_writer *w, const char *key);

#endif /* JSON_WRITER_H */
