// SPDX-License-Identifier: GPL-2.0
/*
 * The session handshake (userspace/xmeshd/handshake.c) between two
 * instances wired back to back: both ends derive the same two keys
 * crosswise with matching receiver indexes, a new exchange gives new keys,
 * crossing initiations end in one agreed session, and a response bound to
 * another Init or sent by another node is ignored. Prints TAP.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handshake.h"
#include "tap.h"


/* One end: its identity, the last keys installed and one queued message. */
struct end {
	struct identity id;
	struct handshake *hs;
	struct xm_env env;
	struct xm_peer_ref ref; /* how the other end sees this one */
	struct hs_keys keys;
	unsigned int installs;
	uint8_t out[XM_MSG_BODY_MAX];
	size_t out_len;
};

static uint64_t clock_ms = 1000000;

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return clock_ms;
}

static void f_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static int f_send(void *ctx, enum xm_msg_kind kind, const struct xm_addr *to,
		  const struct xm_node_id *to_id, const uint8_t *body, size_t len)
{
	(void)to_id;
	struct end *e = ctx;

	(void)kind, (void)to;
	memcpy(e->out, body, len);
	e->out_len = len;
	return 0;
}

static void on_install(void *arg, const struct hs_peer *p, const struct hs_keys *k)
{
	struct end *e = arg;

	(void)p;
	e->keys = *k;
	e->installs++;
}

static void sodium_rand(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static void end_init(struct end *e, uint16_t port)
{
	const struct hs_config cfg = { .rekey_seconds = 120, .max_peers = 8, .data_port = port };

	memset(e, 0, sizeof(*e));
	identity_generate(&e->id, 0, sodium_rand, NULL);
	e->env = (struct xm_env){ .ctx = e, .now_ms = f_now, .random = f_random, .send = f_send };
	e->hs = hs_new(&cfg, &e->id, &e->env, on_install, e);
	e->ref.id = e->id.id;
	memcpy(e->ref.pk, e->id.pk, XM_PUBKEY_LEN);
	xm_addr_from_v4(&e->ref.addr, 0x0100007f, port + 1);
}

/* Deliver what from queued to to; true when something was queued. */
static bool pass(struct end *from, struct end *to)
{
	size_t len = from->out_len;

	if (!len)
		return false;
	from->out_len = 0;
	hs_receive(to->hs, &from->ref, from->out, len);
	return true;
}

static bool keys_match(const struct end *a, const struct end *b)
{
	return !memcmp(a->keys.tx, b->keys.rx, HS_KEY_LEN) &&
	       !memcmp(a->keys.rx, b->keys.tx, HS_KEY_LEN) &&
	       memcmp(a->keys.tx, a->keys.rx, HS_KEY_LEN) &&
	       a->keys.local_index == b->keys.remote_index &&
	       a->keys.remote_index == b->keys.local_index;
}

int main(void)
{
	struct end a, b, c;
	uint8_t first_tx[HS_KEY_LEN];
	const struct hs_peer *p;

	if (sodium_init() < 0)
		return 1;
	end_init(&a, 1000);
	end_init(&b, 2000);
	end_init(&c, 3000);

	hs_contact(a.hs, &b.ref);
	pass(&a, &b); /* Init */
	pass(&b, &a); /* Response */
	tap(a.installs == 1 && b.installs == 1 && keys_match(&a, &b),
	    "initiator and responder derive the same keys crosswise, with matching indexes");
	p = hs_peer_at(a.hs, 0);
	tap(p && p->state == HS_ESTABLISHED && p->data_port == 2000 && p->initiator,
	    "the initiator learns the responder's data port");

	/* A rekey: fresh ephemerals, so fresh keys. */
	memcpy(first_tx, a.keys.tx, HS_KEY_LEN);
	hs_rekey_kid(a.hs, xm_node_kid(&b.id.id));
	pass(&a, &b);
	pass(&b, &a);
	tap(a.installs == 2 && b.installs == 2 && keys_match(&a, &b) &&
		    memcmp(first_tx, a.keys.tx, HS_KEY_LEN),
	    "a rekey gives new keys both ends agree on");

	/* Both start at once: the smaller id's exchange wins, one session results. */
	{
		struct end *lo, *hi;

		end_init(&a, 1000);
		end_init(&b, 2000);
		lo = xm_node_id_cmp(&a.id.id, &b.id.id) < 0 ? &a : &b;
		hi = lo == &a ? &b : &a;
		hs_contact(a.hs, &b.ref);
		hs_contact(b.hs, &a.ref);
		pass(&a, &b);
		pass(&b, &a); /* both Inits cross; hi answers lo's */
		pass(hi, lo);
		pass(lo, hi);
		tap(a.installs == 1 && b.installs == 1 && keys_match(&a, &b),
		    "crossing Inits end in one agreed session (%u, %u installs)", lo->installs,
		    hi->installs);
	}

	/* A response from another node, or bound to another Init, is ignored. */
	end_init(&a, 1000);
	end_init(&b, 2000);
	hs_contact(a.hs, &b.ref);
	pass(&a, &b);
	hs_receive(a.hs, &c.ref, b.out, b.out_len); /* c replays b's answer as its own */
	tap(a.installs == 0, "a response sent by a third node is ignored");
	b.out[4] ^= 1; /* inside the responder's ephemeral key or index */
	hs_receive(a.hs, &b.ref, b.out, b.out_len);
	b.out[4] ^= 1;
	tap(a.installs == 0 || !keys_match(&a, &b),
	    "a tampered response does not give the initiator the responder's keys");
	end_init(&a, 1000);
	hs_contact(a.hs, &b.ref);
	a.out_len = 0;
	hs_receive(a.hs, &b.ref, b.out, b.out_len); /* answer to an older Init */
	tap(a.installs == 0, "a response to an earlier Init is ignored");

	/* An unanswered Init is retried, then given up. */
	end_init(&a, 1000);
	end_init(&b, 2000);
	hs_contact(a.hs, &b.ref);
	{
		unsigned int sent = 1;

		for (int i = 0; i < 20; i++) {
			a.out_len = 0;
			clock_ms += 1000;
			hs_tick(a.hs);
			sent += a.out_len != 0;
		}
		p = hs_peer_at(a.hs, 0);
		tap(sent == 5 && p->state == HS_NONE,
		    "an unanswered Init is sent %u times, then given up", sent);
	}
	return tap_done();
}
