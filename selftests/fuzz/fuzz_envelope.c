// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the control protocol's envelope (xmeshd/envelope.c),
 * the first parser every datagram from the network meets: size check,
 * protobuf decoding, field checks, freshness, puzzle, replay window and
 * signature. A datagram that decodes is also re-sealed with a test key and
 * must then open, exactly once (the second time it is a replay).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "envelope.h"
#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct replay_table replay;
static struct identity key;

static void zero_rand(void *ctx, void *buf, size_t len)
{
	static uint8_t n;

	(void)ctx;
	memset(buf, ++n, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct env_check chk = {
		.now_wall_ms = 1767225600000ULL, .freshness_ms = 30000, .puzzle_bits = 0,
		.replay = &replay,
	};
	uint8_t out[ENV_DATAGRAM_MAX];
	struct env_msg m;
	int n;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		identity_generate(&key, 0, zero_rand, NULL);
		ready = true;
	}
	/* Truncation is reported by the io layer; the fuzzer picks it too. */
	env_open(&m, data, size, size > 1 && data[0] == 0xff ? size + 1 : 0, &chk);

	if (env_decode(&m, data, size, 0))
		return 0;
	/* Sealed by us with the decoded fields, it must open once, then be a replay. */
	n = env_seal(out, sizeof(out), m.kind, key.pk, key.sk, m.counter, chk.now_wall_ms,
		     m.body, m.body_len);
	if (n < 0)
		abort();
	if (env_open(&m, out, (size_t)n, 0, &chk) != 0 &&
	    env_open(&m, out, (size_t)n, 0, &chk) != -(int)ENV_DROP_REPLAY - 1)
		abort();
	return 0;
}
