// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the JSON writer (userspace/lib/json_writer.c).
 *
 * `json_writer_test doc [--pretty]` writes a document full of awkward
 * strings; the suite parses it with Python's json module and compares every
 * value. `json_writer_test misuse` checks that wrong call sequences are
 * reported by json_end() and prints "PASS text" / "FAIL text" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

static int doc(bool pretty)
{
	char ctl[40];
	size_t n = 0;
	struct json_writer w;

	/* Every byte 0x01..0x1f, then quote, backslash, slash, DEL. */
	for (int c = 1; c < 0x20; c++)
		ctl[n++] = (char)c;
	ctl[n++] = '"';
	ctl[n++] = '\\';
	ctl[n++] = '/';
	ctl[n++] = 0x7f;
	json_init(&w, stdout, pretty);
	json_obj_start(&w);
	json_key(&w, "control");
	json_strn(&w, ctl, n);
	json_kv_str(&w, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Invalid: lone continuation, overlong '/', surrogate, truncated, 0xff. */
	json_kv_str(&w, "invalid",
		    "a\x80"
		    "b\xc0\xaf"
		    "c\xed\xa0\x80"
		    "d\xe2\x82"
		    "e\xff");
	json_kv_str(&w, "", "empty key");
	json_kv_u64(&w, "u64max", UINT64_MAX);
	json_kv_s64(&w, "s64min", INT64_MIN);
	json_kv_bool(&w, "t", true);
	json_kv_bool(&w, "f", false);
	json_kv_null(&w, "nothing");
	json_key(&w, "empty_array");
	json_arr_start(&w);
	json_arr_end(&w);
	json_key(&w, "empty_object");
	json_obj_start(&w);
	json_obj_end(&w);
	json_key(&w, "nested");
	json_arr_start(&w);
	for (int i = 0; i < 3; i++) {
		json_obj_start(&w);
		json_kv_u64(&w, "i", (uint64_t)i);
		json_key(&w, "list");
		json_arr_start(&w);
		json_u64(&w, 1);
		json_str(&w, "two");
		json_null(&w);
		json_arr_end(&w);
		json_obj_end(&w);
	}
	json_arr_end(&w);
	json_obj_end(&w);
	return json_end(&w) ? 1 : 0;
}

static int failures;

static void expect_bad(const char *what, void (*fn)(struct json_writer *w))
{
	struct json_writer w;
	FILE *f = fopen("/dev/null", "w");
	int err;

	if (!f) {
		printf("FAIL %s: cannot open /dev/null\n", what);
		failures++;
		return;
	}
	json_init(&w, f, false);
	fn(&w);
	err = json_end(&w);
	fclose(f);
	printf("%s misuse reported: %s\n", err ? "PASS" : "FAIL", what);
	if (!err)
		failures++;
}

static void value_without_key(struct json_writer *w)
{
	json_obj_start(w);
	json_u64(w, 1);
	json_obj_end(w);
}

static void key_in_array(struct json_writer *w)
{
	json_arr_start(w);
	json_key(w, "k");
	json_u64(w, 1);
	json_arr_end(w);
}

static void key_without_value(struct json_writer *w)
{
	json_obj_start(w);
	json_key(w, "k");
	json_obj_end(w);
}

static void unclosed(struct json_writer *w)
{
	json_arr_start(w);
	json_obj_start(w);
	json_obj_end(w);
}

static void mismatched(struct json_writer *w)
{
	json_arr_start(w);
	json_obj_end(w);
}

static void two_documents(struct json_writer *w)
{
	json_arr_start(w);
	json_arr_end(w);
	json_arr_start(w);
	json_arr_end(w);
}

static void too_deep(struct json_writer *w)
{
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_arr_start(w);
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_arr_end(w);
}

static int misuse(void)
{
	expect_bad("value without key in an object", value_without_key);
	expect_bad("key in an array", key_in_array);
	expect_bad("key without value", key_without_value);
	expect_bad("unclosed array", unclosed);
	expect_bad("array closed as object", mismatched);
	expect_bad("two top-level values", two_documents);
	expect_bad("nesting deeper than JSON_MAX_DEPTH", too_deep);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "doc"))
		return doc(argc >= 3 && !strcmp(argv[2], "--pretty"));
	if (argc >= 2 && !strcmp(argv[1], "misuse"))
		return misuse();
	fprintf(stderr, "usage: json_writer_test doc [--pretty] | misuse\n");
	return 2;
}
