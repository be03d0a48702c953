// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the control protocol's datagram and envelope
 * (xmeshd/envelope.c), the first parser every datagram from the network
 * meets: size and type, mac1, protobuf decoding, field checks, recipient,
 * freshness, puzzle, replay window and signature. mac1 of the input is
 * fixed up (under the key of our id when the input's last byte is odd,
 * else of no id) so the fuzzer gets past it to the decoder. A datagram
 * that decodes is also re-sealed with a test key and must then open,
 * exactly once (the second time it is a replay).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "envelope.h"
#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct replay_table replay;
static struct identity key, self;
static struct env_keys keys;

static void zero_rand(void *ctx, void *buf, size_t len)
{
	static uint8_t n;

	(void)ctx;
	memset(buf, ++n, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static uint8_t buf[ENV_DATAGRAM_MAX];
	struct env_check chk = {
		.now_wall_ms = 1767225600000ULL, .freshness_ms = 30000, .puzzle_bits = 0,
		.replay = &replay,
	};
	uint8_t out[ENV_DATAGRAM_MAX], mkey[32];
	static struct env_msg m;
	bool addressed = false, to_self;
	int n;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		identity_generate(&key, 0, zero_rand, NULL);
		identity_generate(&self, 0, zero_rand, NULL);
		env_keys_init(&keys, &self.id);
		ready = true;
	}
	chk.self_id = &self.id;
	/* Truncation is reported by the io layer; the fuzzer picks it too. */
	env_precheck(data, size, size > 1 && data[1] == 0xff ? size + 1 : 0, &keys, &addressed);
	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	if (size >= ENV_DATAGRAM_MIN) {
		env_mac1_key(mkey, data[size - 1] & 1 ? &self.id : NULL);
		crypto_generichash(buf + size - ENV_TRAILER_LEN, ENV_MAC_LEN, buf,
				   size - ENV_TRAILER_LEN, mkey, sizeof(mkey));
	}
	if (env_precheck(buf, size, 0, &keys, &addressed) == ENV_DGRAM_ENVELOPE)
		env_open(&m, buf, size, 0, addressed, &chk);

	if (env_decode(&m, buf, size, 0))
		return 0;
	/* Sealed by us with the decoded fields, it must open once, then be a replay. */
	/* A handshake must name its recipient: it is sealed addressed to us. */
	to_self = m.addressed || m.kind == XM_MSG_HANDSHAKE;
	n = env_seal(out, sizeof(out), m.kind, key.pk, key.sk, to_self ? &self.id : NULL,
		     m.counter, chk.now_wall_ms, m.body, m.body_len);
	if (n < 0)
		abort();
	if (env_precheck(out, (size_t)n, 0, &keys, &addressed) != ENV_DGRAM_ENVELOPE ||
	    addressed != to_self)
		abort();
	if (env_open(&m, out, (size_t)n, 0, addressed, &chk) != 0 &&
	    env_open(&m, out, (size_t)n, 0, addressed, &chk) != -(int)ENV_DROP_REPLAY - 1)
		abort();
	return 0;
}
