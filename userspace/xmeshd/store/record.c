// SPDX-License-Identifier: GPL-2.0
/* The store's encodings (record.h): batches and checksummed log records. */
#include "record.h"
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define OP_HDR_LEN 7 /* kind, klen, vlen */

/* Big-endian integers of n bytes. */
static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void rec_sum(uint8_t sum[XM_REC_SUM_LEN], const uint8_t *hdr, const uint8_t *payload,
		    uint32_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, XM_REC_SUM_LEN);
	crypto_generichash_update(&st, hdr, 24);
	crypto_generichash_update(&st, payload, len);
	crypto_generichash_final(&st, sum, XM_REC_SUM_LEN);
}

void xm_rec_encode(uint8_t *out, uint64_t gen, uint64_t seq, const uint8_t *payload, uint32_t len)
{
	put_be(out, XM_REC_MAGIC, 4);
	put_be(out + 4, len, 4);
	put_be(out + 8, gen, 8);
	put_be(out + 16, seq, 8);
	rec_sum(out + 24, out, payload, len);
	memmove(out + XM_REC_HDR_LEN, payload, len);
}

long xm_rec_parse(const uint8_t *buf, size_t avail, struct xm_rec *out)
{
	uint8_t sum[XM_REC_SUM_LEN];
	uint32_t len;

	/* Cheap checks first: magic and a length that fits, then the checksum. */
	if (avail < XM_REC_HDR_LEN || get_be(buf, 4) != XM_REC_MAGIC)
		return -EBADMSG;
	len = (uint32_t)get_be(buf + 4, 4);
	if (len > XM_STORE_BATCH_MAX || len > avail - XM_REC_HDR_LEN)
		return -EBADMSG;
	rec_sum(sum, buf, buf + XM_REC_HDR_LEN, len);
	if (sodium_memcmp(sum, buf + 24, XM_REC_SUM_LEN))
		return -EBADMSG;
	if (xm_batch_walk(buf + XM_REC_HDR_LEN, len, NULL, NULL))
		return -EBADMSG;
	out->gen = get_be(buf + 8, 8);
	out->seq = get_be(buf + 16, 8);
	out->payload = buf + XM_REC_HDR_LEN;
	out->len = len;
	return (long)(XM_REC_HDR_LEN + len);
}

int xm_batch_walk(const uint8_t *buf, size_t len, xm_batch_op_fn fn, void *arg)
{
	uint32_t n, i;
	size_t off = 4;

	if (len < 4 || len > XM_STORE_BATCH_MAX)
		return -EBADMSG;
	n = (uint32_t)get_be(buf, 4);
	/* Validate everything before the first call: a batch applies whole or not at all. */
	for (int pass = fn ? 0 : 1; pass < 2; pass++) {
		off = 4;
		for (i = 0; i < n; i++) {
			uint8_t kind;
			uint16_t klen;
			uint32_t vlen;
			int err;

			if (len - off < OP_HDR_LEN)
				return -EBADMSG;
			kind = buf[off];
			klen = (uint16_t)get_be(buf + off + 1, 2);
			vlen = (uint32_t)get_be(buf + off + 3, 4);
			off += OP_HDR_LEN;
			if ((kind != XM_STORE_PUT && kind != XM_STORE_DEL) || !klen ||
			    klen > XM_STORE_KEY_MAX || vlen > XM_STORE_VAL_MAX ||
			    (kind == XM_STORE_DEL && vlen) || len - off < (size_t)klen + vlen)
				return -EBADMSG;
			if (pass == 0) {
				off += klen + vlen;
				continue;
			}
			if (fn) {
				err = fn(arg, kind, buf + off, klen, buf + off + klen, vlen);
				if (err)
					return err;
			}
			off += klen + vlen;
		}
		if (off != len)
			return -EBADMSG;
	}
	return 0;
}

static int batch_add(struct xm_store_batch *b, int kind, const void *key, size_t klen,
		     const void *val, size_t vlen)
{
	size_t need;

	if (!klen || klen > XM_STORE_KEY_MAX || vlen > XM_STORE_VAL_MAX)
		return -EINVAL;
	if (!b->len)
		b->len = 4; /* the op count */
	need = b->len + OP_HDR_LEN + klen + vlen;
	if (need > XM_STORE_BATCH_MAX || b->n_ops == UINT32_MAX)
		return -E2BIG;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *n;

		while (cap < need)
			cap *= 2;
		n = realloc(b->buf, cap);
		if (!n)
			return -ENOMEM;
		b->buf = n;
		b->cap = cap;
	}
	b->buf[b->len] = (uint8_t)kind;
	put_be(b->buf + b->len + 1, klen, 2);
	put_be(b->buf + b->len + 3, vlen, 4);
	memcpy(b->buf + b->len + OP_HDR_LEN, key, klen);
	if (vlen)
		memcpy(b->buf + b->len + OP_HDR_LEN + klen, val, vlen);
	b->len = need;
	put_be(b->buf, ++b->n_ops, 4);
	return 0;
}

int xm_store_batch_put(struct xm_store_batch *b, const void *key, size_t klen, const void *val,
		       size_t vlen)
{
	return batch_add(b, XM_STORE_PUT, key, klen, val, vlen);
}

int xm_store_batch_del(struct xm_store_batch *b, const void *key, size_t klen)
{
	return batch_add(b, XM_STORE_DEL, key, klen, NULL, 0);
}

void xm_store_batch_release(struct xm_store_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}
