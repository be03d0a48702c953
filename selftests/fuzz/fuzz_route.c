// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: mesh routing's handling of received bodies,
 * route_receive(), over a sequence of packets from a few neighbours.
 *
 * The input is a list of records, each [peer byte][time byte][kind byte]
 * then either raw bytes ([len, 2 bytes big-endian][body]: the parser's view) or the
 * fields of a packet that is encoded here (hellos, IHUs, updates for a
 * handful of origins, requests: the state machine's view, which raw bytes
 * would seldom reach). The peer byte picks one of four senders and whether
 * the body came on the link or unicast; the time byte advances the stub
 * clock (in 16 ms steps) before route_receive(), and route_tick() runs
 * after. The env is a stub: sends are checked to decode and dropped, and
 * origin signatures "verify" when their first byte is even.
 *
 * Links: userspace/xmeshd/route*.c, userspace/lib/xm_node.c, the generated
 * route.pb-c.c; -lsodium -lprotobuf-c.
 */
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "route.h"
#include "route_msg.h"

#define NPEERS 4
#define NORIGINS 6

/* Reads fuzz input; zeros once it runs out. */
struct rd {
	const uint8_t *p;
	size_t n;
};

static uint32_t get(struct rd *rd, int bytes)
{
	uint32_t v = 0;

	for (int i = 0; i < bytes; i++) {
		v = v << 8 | (rd->n ? *rd->p : 0);
		if (rd->n) {
			rd->p++;
			rd->n--;
		}
	}
	return v;
}

static uint64_t now = 1000;

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return now;
}

static void f_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x11, len);
}

/* Everything the module sends must be a body it could parse itself. */
static void check_body(const uint8_t *body, size_t len)
{
	static struct route_msg m;

	if (len > XM_MSG_BODY_MAX || route_msg_decode(&m, body, len))
		abort();
}

static int f_send(void *ctx, enum xm_msg_kind kind, const struct xm_addr *to,
		  const struct xm_node_id *to_id, const uint8_t *body, size_t len)
{
	(void)to_id;
	(void)ctx;
	(void)to;
	if (kind != XM_MSG_ROUTE)
		abort();
	check_body(body, len);
	return 0;
}

static int f_send_link(void *ctx, enum xm_msg_kind kind, int ifindex, const uint8_t *body,
		       size_t len)
{
	(void)ctx;
	if (kind != XM_MSG_ROUTE || ifindex <= 0)
		abort();
	check_body(body, len);
	return 0;
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
	.now_ms = f_now, .random = f_random, .send = f_send, .send_link = f_send_link,
	.sign = f_sign, .verify = f_verify,
};

static void on_change(void *arg, const struct route_change *c)
{
	(void)arg;
	/* A reachable route always has a next hop on a link. */
	if (c->reachable && c->nh_ifindex <= 0)
		abort();
}

/* A packet built from the input: origins are peers, self, or two others. */
static int build(struct rd *rd, const struct xm_peer_ref *peers, const uint8_t *self_pk,
		 uint8_t *buf)
{
	static struct route_msg m;
	uint32_t flags = get(rd, 1);

	memset(&m, 0, sizeof(m));
	m.has_hello = flags & 1;
	m.has_ihu = flags & 2;
	m.n_updates = (flags >> 2) & 3;
	m.n_requests = (flags >> 4) & 3;
	m.hello.seqno = get(rd, 1);
	m.hello.interval_ms = 100 + get(rd, 1) * 16;
	m.hello.timestamp = now - get(rd, 1);
	m.hello.instance = get(rd, 1) & 1;
	m.ihu.rxcost = (uint16_t)get(rd, 2);
	m.ihu.interval_ms = 100 + get(rd, 1) * 16;
	m.ihu.echo_timestamp = now - get(rd, 1) * 4;
	for (unsigned int i = 0; i < m.n_updates; i++) {
		struct route_msg_update *u = &m.updates[i];
		uint32_t o = get(rd, 1) % NORIGINS;

		if (o < NPEERS)
			memcpy(u->origin_pk, peers[o].pk, XM_PUBKEY_LEN);
		else if (o == NPEERS)
			memcpy(u->origin_pk, self_pk, XM_PUBKEY_LEN);
		else
			u->origin_pk[0] = 0x77;
		u->seqno = get(rd, 1);
		u->metric = (uint16_t)get(rd, 2);
		u->interval_ms = 100 + get(rd, 1) * 16;
		u->sig[0] = (uint8_t)get(rd, 1);
	}
	for (unsigned int i = 0; i < m.n_requests; i++) {
		struct route_msg_request *q = &m.requests[i];
		uint32_t o = get(rd, 1);

		q->wildcard = o == 0xff;
		if (!q->wildcard)
			q->origin = peers[o % NPEERS].id;
		q->seqno = q->wildcard ? 0 : get(rd, 1);
		q->hop_count = q->wildcard ? 0 : (uint8_t)get(rd, 1);
	}
	return route_msg_encode(&m, buf, XM_MSG_BODY_MAX);
}

/* A selected route is one of the routes the table holds. */
static int check_dest(void *arg, const struct route_info *ri)
{
	(void)arg;
	if (ri->sel.reachable && !ri->nroutes)
		abort();
	return 0;
}

static int check_neigh(void *arg, const struct route_neigh_info *ni)
{
	(void)arg;
	if (ni->ifindex <= 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t self_pk[XM_PUBKEY_LEN] = { 1 };
	struct route_config cfg = { .max_dests = 8, .max_routes = 16, .max_neighbours = 4,
				    .on_change = on_change };
	struct xm_peer_ref peers[NPEERS];
	struct xm_node_id self;
	struct rd rd = { .p = data, .n = size };
	struct route *r;

	xm_node_id_from_pubkey(&self, self_pk);
	for (int i = 0; i < NPEERS; i++) {
		memset(&peers[i], 0, sizeof(peers[i]));
		peers[i].pk[0] = (uint8_t)(2 + i);
		xm_node_id_from_pubkey(&peers[i].id, peers[i].pk);
		/* On the link: 169.254.0.x, TTL 255 (else all is dropped unread). */
		xm_addr_from_v4(&peers[i].addr, 0x0000fea9 + ((uint32_t)(i + 1) << 24), 7000);
		peers[i].ifindex = 1 + i % 2;
		peers[i].ttl = 255;
	}
	now = 1000;
	r = route_new(&cfg, &env, &self, self_pk);
	if (!r)
		return 0;
	route_add_link(r, 1);
	route_add_link(r, 2);
	route_tick(r);
	while (rd.n >= 3) {
		uint32_t who = get(&rd, 1);
		struct xm_peer_ref from = peers[who % NPEERS];
		uint8_t buf[XM_MSG_BODY_MAX];
		int len;

		if (who & 0x80)
			from.ifindex = 0; /* unicast: the module finds the link */
		now += (uint64_t)get(&rd, 1) * 16;
		if (get(&rd, 1) & 1) {
			size_t raw = get(&rd, 2);

			if (raw > rd.n)
				raw = rd.n;
			route_receive(r, &from, rd.p, raw);
			rd.p += raw;
			rd.n -= raw;
		} else {
			len = build(&rd, peers, self_pk, buf);
			if (len >= 0)
				route_receive(r, &from, buf, (size_t)len);
		}
		route_tick(r);
	}
	route_foreach(r, check_dest, NULL);
	route_neigh_foreach(r, check_neigh, NULL);
	route_del_link(r, 1);
	route_foreach(r, check_dest, NULL);
	route_free(r);
	return 0;
}
