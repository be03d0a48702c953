/* SPDX-License-Identifier: GPL-2.0 */
/*
 * On-disk encodings of the store: a batch's operations, and the
 * checksummed record that frames one batch in the log store's file.
 *
 * Batch (all integers big-endian):
 *   u32 n_ops, then per op: u8 kind (1 put, 2 delete), u16 klen, u32 vlen
 *   (0 for a delete), key, value.
 * Record:
 *   u32 magic "XMR1" | u32 payload length | u64 generation | u64 sequence |
 *   16-byte BLAKE2b of the 24 bytes before it and the payload | payload.
 * The sequence numbers the batches of a log 1, 2, 3...; the generation
 * grows by one at every opening of the log (a marker record with an empty
 * batch starts it), so that a stale record beyond a torn tail, left by an
 * earlier life, can never be read as the successor of a newer one.
 */
#ifndef XMESHD_STORE_RECORD_H
#define XMESHD_STORE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define XM_REC_MAGIC 0x584d5231u /* "XMR1" */
#define XM_REC_SUM_LEN 16
#define XM_REC_HDR_LEN (24 + XM_REC_SUM_LEN)

struct xm_rec {
	uint64_t gen, seq;
	const uint8_t *payload;
	uint32_t len;
};

/* Bytes needed to frame a payload of len. */
static inline size_t xm_rec_size(size_t len)
{
	return XM_REC_HDR_LEN + len;
}

/* Frame payload into out (xm_rec_size(len) bytes). */
void xm_rec_encode(uint8_t *out, uint64_t gen, uint64_t seq, const uint8_t *payload, uint32_t len);
/*
 * The record at the start of buf: its full length, or -EBADMSG when avail
 * bytes do not hold a whole valid record (torn, cut short, corrupted, or a
 * payload that is not a valid batch).
 */
long xm_rec_parse(const uint8_t *buf, size_t avail, struct xm_rec *out);

typedef int (*xm_batch_op_fn)(void *arg, int kind, const uint8_t *key, size_t klen,
			      const uint8_t *val, size_t vlen);
/*
 * Check a batch encoding, then call fn for each op in order when fn is set.
 * 0, -EBADMSG when malformed (nothing called), or fn's non-zero return.
 */
int xm_batch_walk(const uint8_t *buf, size_t len, xm_batch_op_fn fn, void *arg);

#endif
