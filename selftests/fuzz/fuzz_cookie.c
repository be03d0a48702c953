// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the cookie reply (xmeshd/envelope.c), the one datagram
 * a node takes without a signature: type and size (env_precheck), then
 * XChaCha20-Poly1305 under the key of the node that sent it with the mac1
 * of our datagram as associated data (env_cookie_open). Any input must be
 * refused but one that a real cookie reply produced; the first 16 input
 * bytes (or zeros) are taken as the mac1 the reply must answer, the cookie
 * reply sealed over them must open to the same cookie, and with any bit
 * of it flipped must not.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static struct env_keys keys;
	static struct xm_node_id self = { .b = { 7 } };
	uint8_t mac1[ENV_MAC_LEN] = { 0 }, cookie[ENV_COOKIE_LEN], got[ENV_COOKIE_LEN];
	uint8_t nonce[ENV_COOKIE_NONCE_LEN] = { 1 }, reply[ENV_COOKIE_REPLY_LEN];
	bool addressed;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		env_keys_init(&keys, &self);
		ready = true;
	}
	if (env_precheck(data, size, 0, &keys, &addressed) == ENV_DGRAM_COOKIE)
		env_cookie_open(got, data, size, keys.cookie_self, mac1);
	env_cookie_open(got, data, size, keys.cookie_self, data);

	memcpy(mac1, data, size < sizeof(mac1) ? size : sizeof(mac1));
	memset(cookie, size ? data[size - 1] : 0, sizeof(cookie));
	if (env_cookie_seal(reply, keys.cookie_self, mac1, cookie, nonce) != sizeof(reply))
		abort();
	if (env_precheck(reply, sizeof(reply), 0, &keys, &addressed) != ENV_DGRAM_COOKIE ||
	    env_cookie_open(got, reply, sizeof(reply), keys.cookie_self, mac1) ||
	    memcmp(got, cookie, sizeof(got)))
		abort();
	if (size) {
		size_t bit = data[0] % (8 * (sizeof(reply) - 1));

		reply[1 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (!env_cookie_open(got, reply, sizeof(reply), keys.cookie_self, mac1))
			abort();
	}
	return 0;
}
