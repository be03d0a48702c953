// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the session handshake's message handling
 * (xmeshd/handshake.c hs_receive()), as initiator and as responder. The
 * first input byte picks whether a handshake to the sender is pending
 * (so responses are examined past the index check), whether the sender
 * id is above or below ours (the crossing-initiations rule), and whether an
 * Init is addressed to us (its responder id replaced by ours, which the
 * fuzzer cannot guess) so the key agreement runs.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handshake.h"
#include "handshake.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return 1000000;
}

static void f_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 1, len); /* the pending index is 0x01010101 */
}

static int f_send(void *ctx, enum xm_msg_kind kind, const struct xm_addr *to,
		  const struct xm_node_id *to_id, const uint8_t *body, size_t len)
{
	(void)to_id;
	(void)ctx, (void)kind, (void)to, (void)body;
	return len > XM_MSG_BODY_MAX ? abort(), -1 : 0;
}

static void fill_rand(void *ctx, void *buf, size_t len)
{
	static uint8_t n;

	(void)ctx;
	memset(buf, ++n, len);
}

static void install(void *arg, const struct hs_peer *p, const struct hs_keys *k)
{
	(void)arg, (void)p;
	if (!k->local_index || !k->remote_index)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct identity self, peer[2];
	static bool ready;
	const struct xm_env env = { .now_ms = f_now, .random = f_random, .send = f_send };
	const struct hs_config cfg = { .rekey_seconds = 120, .max_peers = 4, .data_port = 51830 };
	struct xm_peer_ref from = { 0 };
	struct handshake *hs;
	unsigned int mode;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		identity_generate(&self, 0, fill_rand, NULL);
		identity_generate(&peer[0], 0, fill_rand, NULL);
		identity_generate(&peer[1], 0, fill_rand, NULL);
		ready = true;
	}
	if (!size)
		return 0;
	mode = data[0];
	hs = hs_new(&cfg, &self, &env, install, NULL);
	if (!hs)
		return 0;
	from.id = peer[mode & 1].id;
	memcpy(from.pk, peer[mode & 1].pk, XM_PUBKEY_LEN);
	xm_addr_from_v4(&from.addr, 0x0100007f, 51831);
	if (mode & 2)
		hs_contact(hs, &from); /* an Init to the peer is pending */
	if (mode & 4) {
		Xmesh__Handshake *m = xmesh__handshake__unpack(NULL, size - 1, data + 1);
		uint8_t buf[XM_MSG_BODY_MAX];

		if (m && m->msg_case == XMESH__HANDSHAKE__MSG_INIT && m->init &&
		    m->init->responder_id.len == XM_ID_LEN &&
		    xmesh__handshake__get_packed_size(m) <= sizeof(buf)) {
			memcpy(m->init->responder_id.data, self.id.b, XM_ID_LEN);
			hs_receive(hs, &from, buf, xmesh__handshake__pack(m, buf));
		}
		if (m)
			xmesh__handshake__free_unpacked(m, NULL);
	} else {
		hs_receive(hs, &from, data + 1, size - 1);
	}
	hs_tick(hs);
	hs_free(hs);
	return 0;
}
