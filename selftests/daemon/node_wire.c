// SPDX-License-Identifier: GPL-2.0
/*
 * The datagram layer of whole xmeshd nodes (node_wire.c, envelope.c) under
 * attack, in the deterministic io simulator: the envelopes, MACs, cookies,
 * limits and counters the daemon runs, against datagrams an attacker
 * builds and sends from simulated hosts, with spoofed sources. Prints TAP.
 *
 *	node_wire [SEED]
 *
 * Checks:
 * - every domain string of sig_domains.h is distinct and no prefix of another;
 * - an envelope A sent to M, replayed by M to C (as is, or with mac1
 *   recomputed for C), is refused and counted, and moves nothing at C;
 * - a PING from a fresh id with a spoofed source (the victim's address)
 *   draws at most one datagram to the victim, no larger than the PING;
 * - datagrams with a wrong mac1 are dropped without a signature verify;
 * - under a flood of forged datagrams (20,000 in 4 s, spoofed sources) a
 *   legitimate lookup through the flooded node completes within 3 s, the
 *   flooded node sends cookies and verifies at most its budget per second;
 * - after a restart the envelope counter continues above the mark stored
 *   in the state directory, and an envelope recorded before the restart
 *   is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "dht.pb-c.h"
#include "io_sim.h"
#include "log.h"
#include "node.h"
#include "sig_domains.h"
#include "node_world.h"
#include "tap.h"

#define RAW_PORT 40000
/* node_wire.c's budget: signature verifications per second before cookies. */
#define VERIFY_BUDGET 1024

static void node_down(struct world *w, int i)
{
	node_free(w->node[i]);
	w->node[i] = NULL;
}

static struct node_stats stats(struct world *w, int i)
{
	struct node_stats st;

	node_get_stats(w->node[i], &st);
	return st;
}

static uint64_t rx_all(const struct node_stats *s)
{
	return s->rx[XM_MSG_DHT] + s->rx[XM_MSG_HANDSHAKE] + s->rx[XM_MSG_ROUTE];
}

/*
 * Verifies between a and b beyond those of the envelopes the node accepted
 * or refused for their signature: the honest nodes' traffic goes on while
 * an attacker sends.
 */
static uint64_t extra_verifies(const struct node_stats *a, const struct node_stats *b)
{
	return (b->verifies - a->verifies) - (rx_all(b) - rx_all(a)) -
	       (b->drops[ENV_DROP_BAD_SIGNATURE] - a->drops[ENV_DROP_BAD_SIGNATURE]);
}

/* --- an attacker's (or a victim's) raw socket on a host of its own --------- */

struct raw {
	struct xm_io *io;
	int chan;
	struct xm_addr addr;
	uint64_t rx, rx_bytes;
	uint8_t last[ENV_DATAGRAM_MAX];
	size_t last_len;
};

static void raw_recv(void *arg, int chan, const struct xm_io_dgram *d)
{
	struct raw *r = arg;

	(void)chan;
	r->rx++;
	r->rx_bytes += d->len;
	r->last_len = d->len < sizeof(r->last) ? d->len : sizeof(r->last);
	memcpy(r->last, d->buf, r->last_len);
}

static void raw_open(struct world *w, struct raw *r)
{
	memset(r, 0, sizeof(*r));
	r->io = xm_sim_host_new(w->sim);
	xm_sim_host_addr(r->io, &r->addr, RAW_PORT);
	r->chan = r->io->ops->udp_open(r->io, &r->addr, raw_recv, r);
}

/* Sends buf to node i claiming source from (NULL: the raw host's own). */
static void raw_send(struct world *w, struct raw *r, int i, const struct xm_addr *from,
		     const uint8_t *buf, size_t len)
{
	xm_sim_host_spoof(r->io, from);
	r->io->ops->send(r->io, r->chan, &w->cfg[i].listen, buf, len);
	xm_sim_host_spoof(r->io, NULL);
}

/*
 * What an attacker does to be heard: send dgram from its own address, take
 * the cookie reply of node i, and set mac2 with it. 0 or -1.
 */
static int raw_cookie(struct world *w, struct raw *r, int i, uint8_t *dgram, size_t len)
{
	uint8_t key[32], cookie[ENV_COOKIE_LEN];
	uint64_t rx = r->rx;

	raw_send(w, r, i, NULL, dgram, len);
	xm_sim_run_for(w->sim, 100);
	env_cookie_key(key, &w->id[i].id);
	if (r->rx != rx + 1 ||
	    env_cookie_open(cookie, r->last, r->last_len, key, env_mac1_of(dgram, len)))
		return -1;
	env_put_mac2(dgram, len, cookie);
	return 0;
}

static uint64_t wall(struct world *w)
{
	return w->io[0]->ops->wall_ms(w->io[0]);
}

/* A DHT PING body. */
static size_t ping_body(uint8_t *out, uint64_t txid)
{
	DhtMsg m = DHT_MSG__INIT;
	DhtPing p = DHT_PING__INIT;

	m.version = 1;
	m.txid = txid;
	m.body_case = DHT_MSG__BODY_PING;
	m.ping = &p;
	return dht_msg__pack(&m, out);
}

/* An envelope sealed with id's keys, as node id would send it to recipient. */
static int seal_from(struct world *w, const struct identity *id, const struct xm_node_id *to,
		     uint64_t counter, uint8_t *out)
{
	uint8_t body[64];
	size_t blen = ping_body(body, counter);

	return env_seal(out, ENV_DATAGRAM_MAX, XM_MSG_DHT, id->pk, id->sk, to, counter, wall(w),
			body, blen);
}

static void remac(uint8_t *dgram, size_t len, const struct xm_node_id *to)
{
	uint8_t key[32];

	env_mac1_key(key, to);
	crypto_generichash(dgram + len - ENV_TRAILER_LEN, ENV_MAC_LEN, dgram,
			   len - ENV_TRAILER_LEN, key, sizeof(key));
}

/* --- the checks ------------------------------------------------------------- */

static void domains_distinct(void)
{
	static const char *const d[] = {
		SIG_DOMAIN_ENV_HANDSHAKE, SIG_DOMAIN_ENV_DHT,	  SIG_DOMAIN_ENV_ROUTE,
		SIG_DOMAIN_DHT_RECORD,	  SIG_DOMAIN_ROUTE_UPDATE, SIG_DOMAIN_HANDSHAKE,
		SIG_DOMAIN_MAC1,	  SIG_DOMAIN_COOKIE,	  SIG_DOMAIN_SERVICE_KEY,
	};
	size_t n = sizeof(d) / sizeof(d[0]);
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (i != j && !strncmp(d[i], d[j], strlen(d[i])))
				ok = false;
	tap(ok, "the %zu domain strings of sig_domains.h are distinct, none a prefix of another",
	    n);
}

/* A (node 1) sends to M (node 2); M replays it to C (node 3). */
static void replay_to_other(uint64_t seed)
{
	struct world w;
	struct node_stats c0, c1;
	uint8_t dg[ENV_DATAGRAM_MAX];
	struct raw m;
	int len;

	world_init(&w, seed, 4, 0);
	for (int i = 0; i < 4; i++)
		node_up(&w, i);
	xm_sim_run_for(w.sim, 5000);
	raw_open(&w, &m);
	/* What A sent to M, bit for bit: M holds it and replays it to C from M's address. */
	len = seal_from(&w, &w.id[1], &w.id[2].id, node_counter(w.node[1]) + 100, dg);
	c0 = stats(&w, 3);
	raw_send(&w, &m, 3, &w.cfg[2].listen, dg, (size_t)len);
	xm_sim_run_for(w.sim, 100);
	c1 = stats(&w, 3);
	tap(len > 0 && c1.drops[ENV_DROP_BAD_MAC] == c0.drops[ENV_DROP_BAD_MAC] + 1 &&
		    !extra_verifies(&c0, &c1) && m.rx == 0,
	    "an envelope A sent to M, replayed by M to C, is refused (bad_mac %llu) before any "
	    "verify, and C answers nothing",
	    (unsigned long long)(c1.drops[ENV_DROP_BAD_MAC] - c0.drops[ENV_DROP_BAD_MAC]));
	/* mac1 is no secret: M recomputes it for C. The signed recipient still says M. */
	remac(dg, (size_t)len, &w.id[3].id);
	raw_send(&w, &m, 3, &w.cfg[2].listen, dg, (size_t)len);
	xm_sim_run_for(w.sim, 100);
	c0 = c1;
	c1 = stats(&w, 3);
	tap(c1.drops[ENV_DROP_RECIPIENT] == c0.drops[ENV_DROP_RECIPIENT] + 1 &&
		    !extra_verifies(&c0, &c1) && m.rx == 0,
	    "with mac1 recomputed for C, the same envelope is refused as addressed to another "
	    "node (wrong_recipient %llu)",
	    (unsigned long long)(c1.drops[ENV_DROP_RECIPIENT] - c0.drops[ENV_DROP_RECIPIENT]));
	/* A signed an envelope of kind DHT: as a handshake it fails its domain. */
	len = seal_from(&w, &w.id[1], &w.id[3].id, node_counter(w.node[1]) + 200, dg);
	dg[1 + 3] = XM_MSG_HANDSHAKE; /* Envelope field 2 (kind), after version: 08 02 10 02 */
	remac(dg, (size_t)len, &w.id[3].id);
	c0 = c1;
	raw_send(&w, &m, 3, &w.cfg[1].listen, dg, (size_t)len);
	xm_sim_run_for(w.sim, 100);
	c1 = stats(&w, 3);
	tap(dg[1] == 0x08 && dg[3] == 0x10 &&
		    c1.drops[ENV_DROP_BAD_SIGNATURE] + c1.drops[ENV_DROP_COOKIE] ==
			    c0.drops[ENV_DROP_BAD_SIGNATURE] + c0.drops[ENV_DROP_COOKIE] + 1,
	    "a DHT envelope relabelled as a handshake is refused by C");
	/* The same through env_open() alone: it fails its signature (the domain of its kind). */
	{
		struct replay_table *rt = calloc(1, sizeof(*rt));
		struct env_keys k;
		struct env_check chk = { .now_wall_ms = wall(&w), .freshness_ms = 30000,
					 .puzzle_bits = PUZZLE_BITS, .self_id = &w.id[3].id,
					 .replay = rt };
		struct env_msg *msg = malloc(sizeof(*msg));
		bool addressed = false;
		int t, r = 0;

		env_keys_init(&k, &w.id[3].id);
		t = env_precheck(dg, (size_t)len, 0, &k, &addressed);
		if (rt && msg)
			r = env_open(msg, dg, (size_t)len, 0, addressed, &chk);
		tap(t == ENV_DGRAM_ENVELOPE && addressed && r == -(int)ENV_DROP_BAD_SIGNATURE - 1,
		    "env_open() refuses it for its signature: each kind signs under its own domain");
		free(rt);
		free(msg);
	}
	world_free(&w);
}

/* A spoofed PING from a fresh id: what reaches the victim whose address it claims. */
static void spoofed_ping(uint64_t seed)
{
	struct world w;
	struct identity fresh;
	struct raw att, victim;
	uint8_t dg[ENV_DATAGRAM_MAX];
	struct dht_service svc = { .name = "spoof-target" };
	uint64_t sent = 0;
	int len;

	world_init(&w, seed, 4, 0);
	for (int i = 0; i < 4; i++)
		node_up(&w, i);
	xm_sim_run_for(w.sim, 5000);
	/* Records on node 0, so that a newcomer close to them would draw STOREs. */
	for (int i = 0; i < 8; i++) {
		snprintf(svc.name, sizeof(svc.name), "spoof-target-%d", i);
		dht_publish(node_dht(w.node[1]), &svc, NULL, NULL);
	}
	node_kick(w.node[1]);
	xm_sim_run_for(w.sim, 5000);
	raw_open(&w, &att);
	raw_open(&w, &victim);
	identity_generate(&fresh, PUZZLE_BITS, rnd, att.io);
	/* Unaddressed (a first contact) and addressed to node 0. */
	len = seal_from(&w, &fresh, NULL, 1, dg);
	raw_send(&w, &att, 0, &victim.addr, dg, (size_t)len);
	sent = (uint64_t)len;
	xm_sim_run_for(w.sim, 30000);
	tap(victim.rx <= 1 && victim.rx_bytes <= sent && att.rx == 0,
	    "an unaddressed PING from a fresh id with a spoofed source draws %llu datagram(s) "
	    "of %llu bytes to the victim in 30 s (PING: %llu bytes)",
	    (unsigned long long)victim.rx, (unsigned long long)victim.rx_bytes,
	    (unsigned long long)sent);
	victim.rx = victim.rx_bytes = 0;
	identity_generate(&fresh, PUZZLE_BITS, rnd, att.io);
	len = seal_from(&w, &fresh, &w.id[0].id, 1, dg);
	raw_send(&w, &att, 0, &victim.addr, dg, (size_t)len);
	sent = (uint64_t)len;
	xm_sim_run_for(w.sim, 30000);
	tap(victim.rx <= 1 && victim.rx_bytes <= sent,
	    "an addressed PING from a fresh id with a spoofed source draws %llu datagram(s) of "
	    "%llu bytes to the victim in 30 s (PING: %llu bytes): no STORE, no handshake",
	    (unsigned long long)victim.rx, (unsigned long long)victim.rx_bytes,
	    (unsigned long long)sent);
	world_free(&w);
}

static void bad_mac1(uint64_t seed)
{
	struct world w;
	struct identity fresh;
	struct raw att;
	struct node_stats s0, s1;
	uint8_t dg[ENV_DATAGRAM_MAX];
	int len;

	world_init(&w, seed, 2, 0);
	for (int i = 0; i < 2; i++)
		node_up(&w, i);
	xm_sim_run_for(w.sim, 3000);
	raw_open(&w, &att);
	identity_generate(&fresh, PUZZLE_BITS, rnd, att.io);
	s0 = stats(&w, 0);
	for (int i = 0; i < 100; i++) {
		len = seal_from(&w, &fresh, &w.id[0].id, 10 + (uint64_t)i, dg);
		dg[len - ENV_TRAILER_LEN + (i % ENV_MAC_LEN)] ^= 1; /* one bit of mac1 */
		raw_send(&w, &att, 0, NULL, dg, (size_t)len);
	}
	xm_sim_run_for(w.sim, 200);
	s1 = stats(&w, 0);
	/* Node 1's own traffic goes on: every verify is one of its envelopes. */
	tap(s1.drops[ENV_DROP_BAD_MAC] - s0.drops[ENV_DROP_BAD_MAC] == 100 &&
		    !extra_verifies(&s0, &s1) && att.rx == 0,
	    "100 datagrams with a wrong mac1 are dropped (bad_mac %llu) with %llu signature "
	    "verifies beyond those of node 1's own envelopes, unanswered",
	    (unsigned long long)(s1.drops[ENV_DROP_BAD_MAC] - s0.drops[ENV_DROP_BAD_MAC]),
	    (unsigned long long)extra_verifies(&s0, &s1));
	world_free(&w);
}

/* --- a flood of forged datagrams and a lookup through the flooded node ----- */

struct flood {
	struct world *w;
	struct raw att;
	struct raw own;		/* a forger at its own address, with a cookie */
	struct xm_io_timer t;
	uint8_t dg[ENV_DATAGRAM_MAX];
	size_t len;
	uint64_t sent, own_sent, until_ms;
	uint32_t src;
};

#define FLOOD_PER_MS 5
#define FLOOD_MS 4000

static void flood_tick(void *arg)
{
	struct flood *f = arg;

	for (int i = 0; i < FLOOD_PER_MS; i++) {
		struct xm_addr from;

		/* A new spoofed source every time: 192.0.2.0/24, any port. */
		xm_addr_from_v4(&from, htonl(0xc0000200u | (f->src & 0xff)),
				(uint16_t)(1024 + (f->src >> 8) % 60000));
		f->src = f->src * 1103515245u + 12345u;
		raw_send(f->w, &f->att, 0, &from, f->dg, f->len);
		f->sent++;
	}
	for (int i = 0; i < 2; i++) { /* 2000 a second: past the verify budget */
		raw_send(f->w, &f->own, 0, NULL, f->dg, f->len);
		f->own_sent++;
	}
	if (f->att.io->ops->now_ms(f->att.io) < f->until_ms)
		f->att.io->ops->timer_set(f->att.io, &f->t, 1, flood_tick, f);
}

struct lookup {
	bool done;
	int error;
	bool found;
	struct xm_node_id want;
};

static void node_cb(void *arg, const struct dht_result *res)
{
	struct lookup *l = arg;

	l->done = true;
	l->error = res->error;
	for (unsigned int i = 0; i < res->n_closest; i++)
		if (!xm_node_id_cmp(&res->closest[i].id, &l->want))
			l->found = true;
}

static bool lookup_done(void *arg)
{
	return ((struct lookup *)arg)->done;
}

/* How long a lookup of node to by node from takes (ms), or UINT64_MAX. */
static uint64_t timed_lookup(struct world *w, int from, int to)
{
	struct lookup l = { .want = w->id[to].id };
	uint64_t t0 = xm_sim_now(w->sim);

	if (dht_lookup_node(node_dht(w->node[from]), &w->id[to].id, node_cb, &l))
		return UINT64_MAX;
	node_kick(w->node[from]);
	if (!xm_sim_run_until(w->sim, lookup_done, &l, 20000) || l.error || !l.found)
		return UINT64_MAX;
	return xm_sim_now(w->sim) - t0;
}

/*
 * Node from starts (first contact: an unaddressed PING to the seed, node 0)
 * and looks node to up, again every 100 ms until found: ms from its start.
 */
static uint64_t join_and_lookup(struct world *w, int from, int to)
{
	uint64_t t0 = xm_sim_now(w->sim);

	if (node_up(w, from))
		return UINT64_MAX;
	while (xm_sim_now(w->sim) - t0 < 10000) {
		struct lookup l = { .want = w->id[to].id };

		if (!dht_lookup_node(node_dht(w->node[from]), &w->id[to].id, node_cb, &l)) {
			node_kick(w->node[from]);
			if (xm_sim_run_until(w->sim, lookup_done, &l, 5000) && !l.error && l.found)
				return xm_sim_now(w->sim) - t0;
		}
		xm_sim_run_for(w->sim, 100);
	}
	return UINT64_MAX;
}

static void flood(uint64_t seed)
{
	static struct flood f;
	struct world w;
	struct identity fresh;
	struct node_stats s0, s1, l0, l1, c0, c1;
	uint64_t base, during, t0, base_join, join;
	int len;

	/* Nodes 3 and 4 join later, through node 0 (the seed), the second under flood. */
	world_init(&w, seed, 5, 0);
	for (int i = 0; i < 3; i++)
		node_up(&w, i);
	xm_sim_run_for(w.sim, 5000);
	base = timed_lookup(&w, 1, 2);
	base_join = join_and_lookup(&w, 3, 1);
	/* Past every cookie's life. */
	xm_sim_run_for(w.sim, 125000);

	memset(&f, 0, sizeof(f));
	f.w = &w;
	raw_open(&w, &f.att);
	identity_generate(&fresh, PUZZLE_BITS, rnd, f.att.io);
	/* Valid mac1 for node 0, a signature over other bytes. */
	len = seal_from(&w, &fresh, &w.id[0].id, 77, f.dg);
	/* Inside the signature: the field before recipient_id (2 + 32 bytes) at the end. */
	f.dg[len - ENV_TRAILER_LEN - (2 + XM_ID_LEN) - 5] ^= 0xff;
	remac(f.dg, (size_t)len, &w.id[0].id);
	f.len = (size_t)len;
	f.src = (uint32_t)seed;
	/* The same forgery, proven: sent with the cookie of a real address. */
	raw_open(&w, &f.own);
	if (raw_cookie(&w, &f.own, 0, f.dg, f.len))
		printf("# the forger got no cookie\n");
	s0 = stats(&w, 0);
	t0 = xm_sim_now(w.sim);
	f.until_ms = f.att.io->ops->now_ms(f.att.io) + FLOOD_MS;
	flood_tick(&f);
	xm_sim_run_for(w.sim, 1000); /* the flood is on: node 0 is loaded */
	l0 = stats(&w, 0);
	c0 = stats(&w, 2);
	during = timed_lookup(&w, 2, 1);
	l1 = stats(&w, 0);
	c1 = stats(&w, 2);
	join = join_and_lookup(&w, 4, 1);
	xm_sim_run_for(w.sim, FLOOD_MS + 1000 - (xm_sim_now(w.sim) - t0));
	s1 = stats(&w, 0);
	printf("# flooded node: %llu bytes in\n", (unsigned long long)(s1.rx_bytes - s0.rx_bytes));
	for (int i = 0; i < ENV_DROP_MAX; i++)
		if (s1.drops[i] != s0.drops[i])
			printf("# flooded node: dropped %llu %s\n",
			       (unsigned long long)(s1.drops[i] - s0.drops[i]),
			       env_drop_name((enum env_drop)i));
	tap(during != UINT64_MAX && during <= 3000 && l1.rx[XM_MSG_DHT] > l0.rx[XM_MSG_DHT],
	    "under a flood of %llu forged datagrams in %u ms a lookup through the flooded node "
	    "takes %llu ms (without: %llu ms; bound 3000 ms): it took %llu cookie(s), the "
	    "flooded node handled %llu of its requests",
	    (unsigned long long)f.sent, FLOOD_MS, (unsigned long long)during,
	    (unsigned long long)base, (unsigned long long)(c1.cookies_taken - c0.cookies_taken),
	    (unsigned long long)(l1.rx[XM_MSG_DHT] - l0.rx[XM_MSG_DHT]));
	tap(join != UINT64_MAX && join <= 3000 && stats(&w, 4).cookies_taken > 0,
	    "a node joining through the flooded seed takes its cookie and finds a node in %llu ms "
	    "(without flood: %llu ms; bound 3000 ms)",
	    (unsigned long long)join, (unsigned long long)base_join);
	tap(s1.cookies_sent - s0.cookies_sent >= f.sent &&
		    s1.verifies - s0.verifies <= (FLOOD_MS / 1000 + 2) * VERIFY_BUDGET &&
		    s1.drops[ENV_DROP_RATE] > s0.drops[ENV_DROP_RATE],
	    "the flooded node answered the %llu spoofed ones with %llu cookie replies, made %llu "
	    "signature verifies for %llu from a forger with a cookie (budget %u a second), "
	    "then rate-limited it (%llu)",
	    (unsigned long long)f.sent, (unsigned long long)(s1.cookies_sent - s0.cookies_sent),
	    (unsigned long long)(s1.verifies - s0.verifies), (unsigned long long)f.own_sent,
	    VERIFY_BUDGET,
	    (unsigned long long)(s1.drops[ENV_DROP_RATE] - s0.drops[ENV_DROP_RATE]));
	world_free(&w);
}

/* --- restarts --------------------------------------------------------------- */

static uint64_t file_mark(const char *dir)
{
	uint64_t m = 0;

	return identity_counter_load(dir, &m) ? UINT64_MAX : m;
}

static void restart(uint64_t seed)
{
	char dir[] = "/tmp/node_wire.XXXXXX";
	struct world w;
	struct raw rec;
	struct node_stats s0, s1;
	uint8_t dg[ENV_DATAGRAM_MAX];
	uint64_t mark, first_after, used_before;
	int len;

	if (!mkdtemp(dir)) {
		tap(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	world_init(&w, seed, 3, 0);
	snprintf(w.cfg[1].state_dir, sizeof(w.cfg[1].state_dir), "%s", dir);
	for (int i = 0; i < 3; i++)
		node_up(&w, i);
	xm_sim_run_for(w.sim, 5000);
	used_before = node_counter(w.node[1]);
	mark = file_mark(dir);
	tap(mark != UINT64_MAX && mark > used_before && mark == node_wire_counter_limit(w.node[1]),
	    "the envelope counter's mark is on disk before use (%llu > last used %llu)",
	    (unsigned long long)mark, (unsigned long long)used_before);
	/* Node 1 restarts with the same id and state dir; the clock went back. */
	node_down(&w, 1);
	node_up(&w, 1);
	xm_sim_run_for(w.sim, 3000);
	first_after = node_counter(w.node[1]);
	tap(first_after > mark && file_mark(dir) > first_after,
	    "after a restart the counter continues above the stored mark (%llu > %llu), its new "
	    "mark stored (%llu)",
	    (unsigned long long)first_after, (unsigned long long)mark,
	    (unsigned long long)file_mark(dir));

	/*
	 * An envelope node 1 sent to node 2, recorded; node 2 restarts; it is
	 * replayed. The recorder sends it from its own address, with the
	 * cookie node 2 gave that address.
	 */
	raw_open(&w, &rec);
	len = seal_from(&w, &w.id[1], &w.id[2].id, node_counter(w.node[1]) + 1000, dg);
	s0 = stats(&w, 2);
	if (raw_cookie(&w, &rec, 2, dg, (size_t)len))
		printf("# no cookie from node 2\n");
	raw_send(&w, &rec, 2, NULL, dg, (size_t)len);
	xm_sim_run_for(w.sim, 100);
	s1 = stats(&w, 2);
	/* Accepted: a second copy is a replay (the window moves only for authentic ones). */
	raw_send(&w, &rec, 2, NULL, dg, (size_t)len);
	xm_sim_run_for(w.sim, 100);
	s1 = stats(&w, 2);
	tap(s1.drops[ENV_DROP_REPLAY] == s0.drops[ENV_DROP_REPLAY] + 1,
	    "the recorded envelope is accepted once before the restart, a copy refused as replay");
	xm_sim_run_for(w.sim, 1000);
	node_down(&w, 2);
	node_up(&w, 2);
	s0 = stats(&w, 2);
	raw_send(&w, &rec, 2, NULL, dg, (size_t)len);
	xm_sim_run_for(w.sim, 100);
	s1 = stats(&w, 2);
	tap(s1.drops[ENV_DROP_BEFORE_START] == s0.drops[ENV_DROP_BEFORE_START] + 1,
	    "replayed after the receiver restarted, it is refused (before_start %llu)",
	    (unsigned long long)(s1.drops[ENV_DROP_BEFORE_START] -
				 s0.drops[ENV_DROP_BEFORE_START]));
	world_free(&w);
	char path[sizeof(dir) + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, IDENTITY_COUNTER_FILE);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;

	if (sodium_init() < 0)
		return 1;
	log_init(LOG_LVL_ERR, NULL);
	printf("# node_wire seed %llu\n", (unsigned long long)seed);
	domains_distinct();
	replay_to_other(seed);
	spoofed_ping(seed);
	bad_mac1(seed);
	flood(seed);
	restart(seed);
	return tap_done();
}
