// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the log store's on-disk framing (store/record.h) as
 * recovery reads it: records one after another, each checked (magic,
 * length, BLAKE2b checksum, a valid batch inside), then its batch walked.
 * A record accepted must encode back to the same bytes; every op handed to
 * the walker must lie inside the record and respect the store's bounds.
 * The input is also walked as a bare batch.
 *
 * Links: userspace/xmeshd/store/record.c; -lsodium.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/record.h"
#include "store/store.h"

struct span {
	const uint8_t *lo, *hi;
};

static int check_op(void *arg, int kind, const uint8_t *key, size_t klen, const uint8_t *val,
		    size_t vlen)
{
	const struct span *s = arg;

	if ((kind != XM_STORE_PUT && kind != XM_STORE_DEL) || !klen || klen > XM_STORE_KEY_MAX ||
	    vlen > XM_STORE_VAL_MAX || key < s->lo || key + klen > s->hi || val + vlen > s->hi ||
	    (kind == XM_STORE_DEL && vlen))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span whole = { data, data + size };
	size_t off = 0;

	if (sodium_init() < 0)
		abort();
	xm_batch_walk(data, size, check_op, &whole);
	while (off < size) {
		struct xm_rec r;
		long n = xm_rec_parse(data + off, size - off, &r);
		struct span s;
		uint8_t *re;

		if (n < 0)
			break;
		if ((size_t)n > size - off || (size_t)n != xm_rec_size(r.len))
			abort();
		s = (struct span){ r.payload, r.payload + r.len };
		if (xm_batch_walk(r.payload, r.len, check_op, &s))
			abort();
		re = malloc((size_t)n);
		if (!re)
			abort();
		xm_rec_encode(re, r.gen, r.seq, r.payload, r.len);
		if (memcmp(re, data + off, (size_t)n))
			abort();
		free(re);
		off += (size_t)n;
	}
	return 0;
}
