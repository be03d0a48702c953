// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a service record as it arrives inside STORE and VALUE
 * messages: protobuf unpacking, then record_from_pb()'s checks. Signatures
 * "verify" when their first byte is even so the fuzzer gets past them; a
 * record accepted must then re-encode within the message bound.
 *
 * Links: userspace/xmeshd/dht_record.c dht.c, userspace/lib/xm_node.c, the
 * generated dht.pb-c.c; -lsodium -lprotobuf-c.
 */
#include <stdlib.h>
#include <string.h>

#include "dht_record.h"

static bool f_verify(void *ctx, const uint8_t pk[XM_PUBKEY_LEN], const uint8_t sig[XM_SIG_LEN],
		     const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)pk;
	(void)msg;
	(void)len;
	return !(sig[0] & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct xm_env env = { .verify = f_verify };
	const struct record_policy pol = { .env = &env, .puzzle_bits = 0,
					   .now_wall_ms = 1000000, .max_ttl_ms = 86400000,
					   .clock_skew_ms = 60000 };
	struct record_pb_buf rb;
	struct dht_service s;
	uint8_t sig[XM_SIG_LEN];
	DhtRecord *pb;

	if (size > XM_MSG_BODY_MAX)
		return 0;
	pb = dht_record__unpack(NULL, size, data);
	if (!pb)
		return 0;
	if (!record_from_pb(&s, sig, pb, &pol)) {
		record_to_pb(&rb, &s, sig);
		if (dht_record__get_packed_size(&rb.rec) > XM_MSG_BODY_MAX)
			abort();
	}
	dht_record__free_unpacked(pb, NULL);
	return 0;
}
