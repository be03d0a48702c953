// SPDX-License-Identifier: GPL-2.0
/* Streaming JSON writer; see json_writer.h. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json_writer.h"

void json_init(struct json_writer *w, FILE *f, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
}

int json_end(struct json_writer *w)
{
	if (w->bad || w->depth || w->key_done)
		return -EINVAL;
	fputc('\n', w->f);
	if (fflush(w->f) || ferror(w->f))
		return -EIO;
	return 0;
}

static void json_newline(struct json_writer *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (unsigned int i = 0; i < w->depth; i++)
		fputs("    ", w->f);
}

/* Before any value: check that one may come here, and write the comma. */
static bool json_value_begin(struct json_writer *w)
{
	if (w->bad)
		return false;
	if (w->depth == 0) {
		/* One top-level value per document. */
		if (w->top_done) {
			w->bad = true;
			return false;
		}
		w->top_done = true;
		return true;
	}
	if (w->in_obj[w->depth - 1]) {
		if (!w->key_done) {
			w->bad = true;
			return false;
		}
		w->key_done = false;
		return true;
	}
	if (w->has_item[w->depth - 1])
		fputc(',', w->f);
	w->has_item[w->depth - 1] = true;
	json_newline(w);
	return true;
}

static void json_open(struct json_writer *w, bool obj)
{
	if (!json_value_begin(w))
		return;
	if (w->depth + 1 >= JSON_MAX_DEPTH) {
		w->bad = true;
		return;
	}
	fputc(obj ? '{' : '[', w->f);
	w->depth++;
	w->in_obj[w->depth - 1] = obj;
	w->has_item[w->depth - 1] = false;
}

static void json_close(struct json_writer *w, bool obj)
{
	bool had_items;

	if (w->bad)
		return;
	if (!w->depth || w->in_obj[w->depth - 1] != obj || w->key_done) {
		w->bad = true;
		return;
	}
	had_items = w->has_item[w->depth - 1];
	w->depth--;
	if (had_items)
		json_newline(w);
	fputc(obj ? '}' : ']', w->f);
}

void json_obj_start(struct json_writer *w)
{
	json_open(w, true);
}

void json_obj_end(struct json_writer *w)
{
	json_close(w, true);
}

void json_arr_start(struct json_writer *w)
{
	json_open(w, false);
}

void json_arr_end(struct json_writer *w)
{
	json_close(w, false);
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void json_write_string(struct json_writer *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', w->f);
	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
			fputs("\\\"", w->f);
			break;
		case '\\':
			fputs("\\\\", w->f);
			break;
		case '\b':
			fputs("\\b", w->f);
			break;
		case '\f':
			fputs("\\f", w->f);
			break;
		case '\n':
			fputs("\\n", w->f);
			break;
		case '\r':
			fputs("\\r", w->f);
			break;
		case '\t':
			fputs("\\t", w->f);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(w->f, "\\u%04x", c);
				break;
			}
			n = utf8_seq_len(s + i, len - i);
			if (!n) {
				fputs("\\ufffd", w->f);
				break;
			}
			fwrite(s + i, 1, n, w->f);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', w->f);
}

void json_key(struct json_writer *w, const char *key)
{
	if (w->bad)
		return;
	if (!w->depth || !w->in_obj[w->depth - 1] || w->key_done) {
		w->bad = true;
		return;
	}
	if (w->has_item[w->depth - 1])
		fputc(',', w->f);
	w->has_item[w->depth - 1] = true;
	json_newline(w);
	json_write_string(w, key, strlen(key));
	fputs(w->pretty ? ": " : ":", w->f);
	w->key_done = true;
}

void json_strn(struct json_writer *w, const char *s, size_t len)
{
	if (json_value_begin(w))
		json_write_string(w, s, len);
}

void json_str(struct json_writer *w, const char *s)
{
	json_strn(w, s, strlen(s));
}

void json_u64(struct json_writer *w, uint64_t v)
{
	if (json_value_begin(w))
		fprintf(w->f, "%" PRIu64, v);
}

void json_s64(struct json_writer *w, int64_t v)
{
	if (json_value_begin(w))
		fprintf(w->f, "%" PRId64, v);
}

void json_bool(struct json_writer *w, bool v)
{
	if (json_value_begin(w))
		fputs(v ? "true" : "false", w->f);
}

void json_null(struct json_writer *w)
{
	if (json_value_begin(w))
		fputs("null", w->f);
}

void json_kv_str(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_str(w, s);
}

void json_kv_u64(struct json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_u64(w, v);
}

void json_kv_s64(struct json_writer *w, const char *key, int64_t v)
{
	json_key(w, key);
	json_s64(w, v);
}

void json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

void json_kv_null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	json_null(w);
}
