// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the DHT's message parser and handlers (dht_receive()).
 *
 * The first input byte picks what the body is taken for: a request from a
 * known peer, or the reply to a FIND_VALUE, FIND_NODE or STORE that is
 * pending (txid 0, which protobuf omits, so the fuzzer finds it at once),
 * or (4) the reply of a newcomer to the STORE that replicated a record we
 * hold to it.
 * The env is a stub: sends are dropped, the clock is fixed, and signatures
 * "verify" when their first byte is even, so record handling is reached.
 *
 * Links: userspace/xmeshd/dht.c dht_record.c, userspace/lib/xm_node.c, the
 * generated dht.pb-c.c; -lsodium -lprotobuf-c.
 */
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "dht.pb-c.h"
#include "dht_record.h"
#include "env.h"

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return 1000000;
}

static void f_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0, len); /* every txid is 0 */
}

static int f_send(void *ctx, enum xm_msg_kind kind, const struct xm_addr *to,
		  const struct xm_node_id *to_id, const uint8_t *body, size_t len)
{
	(void)to_id;
	(void)ctx;
	(void)kind;
	(void)to;
	(void)body;
	return len > XM_MSG_BODY_MAX ? -1 : 0;
}

static void f_sign(void *ctx, uint8_t sig[XM_SIG_LEN], const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)msg;
	(void)len;
	memset(sig, 0, XM_SIG_LEN);
}

static bool f_verify(void *ctx, const uint8_t pk[XM_PUBKEY_LEN], const uint8_t sig[XM_SIG_LEN],
		     const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)pk;
	(void)msg;
	(void)len;
	return !(sig[0] & 1);
}

static const struct xm_env env = {
	.now_ms = f_now, .random = f_random, .send = f_send, .sign = f_sign, .verify = f_verify,
};

/*
 * @peer stores a record it owns (our stub signature verifies), then a
 * newcomer close to everything says hello: we replicate the record to it,
 * and that STORE is the one request pending.
 */
static void hold_then_meet(struct dht *d, const struct xm_peer_ref *peer,
			   const struct xm_peer_ref *newcomer)
{
	static const uint8_t ping[] = { 0x08, 0x01, 0x1a, 0x00 };
	struct dht_service rec = { .name = "fuzz", .issued_ms = 1000000,
				   .expires_ms = 1000000 + 60000 };
	struct record_pb_buf rb;
	uint8_t sig[XM_SIG_LEN], buf[XM_MSG_BODY_MAX];
	DhtMsg m = DHT_MSG__INIT;
	DhtStore st = DHT_STORE__INIT;

	rec.owner = peer->id;
	memcpy(rec.owner_pk, peer->pk, XM_PUBKEY_LEN);
	record_sign(&env, &rec, sig);
	record_to_pb(&rb, &rec, sig);
	st.record = &rb.rec;
	m.version = 1;
	m.txid = 1; /* not 0: the fuzzed reply must match the replication */
	m.body_case = DHT_MSG__BODY_STORE;
	m.store = &st;
	if (dht_msg__get_packed_size(&m) > sizeof(buf))
		abort();
	dht_receive(d, peer, buf, dht_msg__pack(&m, buf));
	dht_receive(d, newcomer, ping, sizeof(ping));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ping[] = { 0x08, 0x01, 0x1a, 0x00 }; /* version 1, ping {} */
	uint8_t self_pk[XM_PUBKEY_LEN] = { 1 };
	struct xm_peer_ref peer = { .pk = { 2 }, .addressed = true, .validated = true },
			   newcomer = { .pk = { 3 }, .addressed = true, .validated = true };
	struct dht_config cfg;
	struct dht_service svc = { .name = "fuzz" };
	struct dht *d;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0] % 5;
	dht_config_default(&cfg);
	cfg.puzzle_bits = 0;
	xm_addr_from_v4(&peer.addr, 0x0100007f, 7000);
	xm_node_id_from_pubkey(&peer.id, peer.pk);
	xm_addr_from_v4(&newcomer.addr, 0x0200007f, 7000);
	xm_node_id_from_pubkey(&newcomer.id, newcomer.pk);
	d = dht_new(&cfg, &env, self_pk, &peer.addr);
	if (!d)
		abort();
	/* The peer says hello and enters the table; then we ask it something. */
	dht_receive(d, &peer, ping, sizeof(ping));
	if (mode == 1)
		dht_find_value(d, "fuzz", NULL, NULL);
	else if (mode == 2)
		dht_lookup_node(d, &peer.id, NULL, NULL);
	else if (mode == 3)
		dht_publish(d, &svc, NULL, NULL);
	else if (mode == 4)
		hold_then_meet(d, &peer, &newcomer);
	dht_tick(d);
	dht_receive(d, mode == 4 ? &newcomer : &peer, data + 1, size - 1);
	dht_tick(d);
	dht_free(d);
	return 0;
}
