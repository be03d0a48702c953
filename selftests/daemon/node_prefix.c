// SPDX-License-Identifier: GPL-2.0
/*
 * Overlay prefix hijacks against whole xmeshd nodes in the io simulator,
 * through the real envelope and handshake: peers announce in their signed
 * handshakes a default route, a /32 (and a /128) inside another node's
 * prefix, a /16 covering it, a prefix inside the observer's own and one off
 * its allow-list. The observer (node 0) must route none of them, count each
 * refusal by reason (once per completed handshake), keep the honest node's
 * prefixes, and release them when that node's session ends. Prints TAP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handshake.h"
#include "io_sim.h"
#include "log.h"
#include "node.h"
#include "prefix_auth.h"
#include "tap.h"

#define PUZZLE_BITS 4
#define PORT 51831
#define N 7

enum { V, B, M_DEFAULT, M_INSIDE, M_COVER, M_OWN, M_OFFLIST };

static struct xm_sim *sim;
static struct xm_io *io[N];
static struct node *node[N];
static struct identity id[N];
static struct xmd_config cfg[N];

static void rnd(void *ctx, void *buf, size_t len)
{
	struct xm_io *x = ctx;

	x->ops->random(x, buf, len);
}

/*
 * Set directly, not parsed: config_parse_prefix() refuses a /0 outright,
 * and an attacker runs whatever code it likes.
 */
static void announce(int i, const char *s)
{
	struct xmd_prefix *p = &cfg[i].prefixes[cfg[i].n_prefixes++];
	char ip[64];
	const char *slash = strchr(s, '/');

	memset(p, 0, sizeof(*p));
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - s), s);
	p->len = (uint8_t)atoi(slash + 1);
	p->family = strchr(ip, ':') ? 6 : 4;
	if (inet_pton(p->family == 4 ? AF_INET : AF_INET6, ip, p->addr) != 1) {
		fprintf(stderr, "bad test prefix %s\n", s);
		exit(2);
	}
}

static struct xmd_prefix pfx(const char *s)
{
	struct xmd_prefix p;

	if (config_parse_prefix(&p, s)) {
		fprintf(stderr, "bad test prefix %s\n", s);
		exit(2);
	}
	return p;
}

static const struct hs_peer *session_of(int at, int who)
{
	struct handshake *hs = node_handshake(node[at]);

	for (unsigned int i = 0; i < hs_peer_count(hs); i++) {
		const struct hs_peer *p = hs_peer_at(hs, i);

		if (!xm_node_id_cmp(&p->id, &id[who].id))
			return p;
	}
	return NULL;
}

static bool established(int at, int who)
{
	const struct hs_peer *p = session_of(at, who);

	return p && p->state == HS_ESTABLISHED;
}

static bool v_has_b(void *arg)
{
	(void)arg;
	return established(V, B);
}

static bool v_has_all(void *arg)
{
	(void)arg;
	for (int i = 1; i < N; i++)
		if (!established(V, i))
			return false;
	return true;
}

static unsigned int handshakes(int who)
{
	const struct hs_peer *p = session_of(V, who);

	return p ? p->handshakes : 0;
}

static void test_overlap(void)
{
	struct xmd_prefix a = pfx("10.77.2.0/24"), b = pfx("10.77.2.7/32"), c = pfx("10.77.0.0/16"),
			  d = pfx("10.77.3.0/24"), e = pfx("10.77.2.128/25"), f = pfx("fd77:2::/64"),
			  g = pfx("fd77:2::7/128"), h = pfx("fd77:3::/64"), i4 = pfx("10.0.0.0/8"),
			  k = pfx("11.0.0.0/8");

	tap(pa_overlap(&a, &b) && pa_overlap(&b, &a) && pa_overlap(&a, &c) && pa_overlap(&c, &a) &&
		    pa_overlap(&a, &e) && pa_overlap(&a, &a),
	    "overlap: containment either way, IPv4");
	tap(!pa_overlap(&a, &d) && !pa_overlap(&i4, &k) && !pa_overlap(&b, &d),
	    "overlap: disjoint IPv4 prefixes do not overlap (also at a byte boundary)");
	tap(pa_overlap(&f, &g) && pa_overlap(&g, &f) && !pa_overlap(&f, &h) && !pa_overlap(&a, &f),
	    "overlap: IPv6 containment, IPv6 disjoint, and never across families");
}

static void test_config(void)
{
	struct xmd_config c;
	struct xmd_prefix p;

	config_defaults(&c);
	tap(config_parse_prefix(&p, "0.0.0.0/0") && config_parse_prefix(&p, "::/0") &&
		    !config_parse_prefix(&p, "10.0.0.0/8"),
	    "config: a default route is no prefix (0.0.0.0/0 and ::/0 refused)");
	tap(config_load_string(&c, "[overlay]\nallow_prefixes = 10.77.0.0/16, fd77::/16\n", "t") == 0 &&
		    c.n_allow == 2 &&
		    config_load_string(&c, "[overlay]\nallow_prefixes = 0.0.0.0/0\n", "t") != 0 &&
		    config_load_string(&c, "[overlay]\nprefix = ::/0\n", "t") != 0,
	    "config: allow_prefixes takes a list, and refuses a default route as do prefixes");
}

int main(void)
{
	struct xm_sim_config sc = { .seed = 9, .latency_min_ms = 1, .latency_max_ms = 20 };
	struct prefix_auth *pa;
	struct xmd_prefix held[XMD_MAX_PREFIXES];
	unsigned int hsk[N], nb;
	bool ok;

	if (sodium_init() < 0)
		return 2;
	log_init(LOG_LVL_ERR, "node_prefix");
	test_overlap();
	test_config();

	sim = xm_sim_new(&sc);
	for (int i = 0; i < N; i++) {
		struct xmd_config *c = &cfg[i];

		io[i] = xm_sim_host_new(sim);
		config_defaults(c);
		c->ctl_socket[0] = 0;
		c->state_dir[0] = 0; /* no counter mark on disk */
		c->kernel = XMD_KERNEL_OFF;
		c->puzzle_bits = PUZZLE_BITS;
		xm_sim_host_addr(io[i], &c->listen, PORT);
		if (i)
			xm_sim_host_addr(io[V], &c->seeds[c->n_seeds++], PORT);
		identity_generate(&id[i], PUZZLE_BITS, rnd, io[i]);
	}
	/* The observer: its own prefixes, and an operator allow-list. */
	announce(V, "10.76.1.0/24");
	cfg[V].allow[cfg[V].n_allow++] = pfx("10.77.0.0/16");
	cfg[V].allow[cfg[V].n_allow++] = pfx("10.76.0.0/16");
	cfg[V].allow[cfg[V].n_allow++] = pfx("fd77::/16");
	announce(B, "10.77.2.0/24");
	announce(B, "fd77:2::/64");
	announce(M_DEFAULT, "0.0.0.0/0");
	announce(M_DEFAULT, "::/0");
	announce(M_INSIDE, "10.77.2.7/32");
	announce(M_INSIDE, "fd77:2::7/128");
	announce(M_COVER, "10.77.0.0/16");
	announce(M_OWN, "10.76.1.128/25");
	announce(M_OFFLIST, "10.99.0.0/24");

	/* The honest node first: the prefixes it holds are what the others aim at. */
	for (int i = V; i <= B; i++) {
		node[i] = node_new(&cfg[i], io[i], &id[i]);
		if (!node[i] || node_start(node[i]))
			return 2;
	}
	tap(xm_sim_run_until(sim, v_has_b, NULL, 30000), "a session between node 0 and the honest node");
	for (int i = M_DEFAULT; i < N; i++) {
		node[i] = node_new(&cfg[i], io[i], &id[i]);
		if (!node[i] || node_start(node[i]))
			return 2;
	}
	tap(xm_sim_run_until(sim, v_has_all, NULL, 60000), "sessions between node 0 and every attacker");
	xm_sim_run_for(sim, 2000);
	pa = node_prefix_auth(node[V]);
	for (int i = 0; i < N; i++)
		hsk[i] = handshakes(i);

	nb = pa_held(pa, &id[B].id, held, XMD_MAX_PREFIXES);
	tap(nb == 2 && pa_holds(pa, &id[B].id, &cfg[B].prefixes[0]) &&
		    pa_holds(pa, &id[B].id, &cfg[B].prefixes[1]) && pa_granted(pa) == 2,
	    "the honest node holds its two prefixes, and no one else holds any (%u granted)",
	    pa_granted(pa));
	ok = true;
	for (int i = M_DEFAULT; i < N; i++)
		ok &= pa_held(pa, &id[i].id, NULL, 0) == 0;
	tap(ok, "no attacker holds a prefix at node 0");
	tap(pa_refused(pa, PA_REFUSE_DEFAULT) == 2ull * hsk[M_DEFAULT],
	    "0.0.0.0/0 and ::/0 refused and counted: %llu (2 per handshake, %u handshakes)",
	    (unsigned long long)pa_refused(pa, PA_REFUSE_DEFAULT), hsk[M_DEFAULT]);
	tap(pa_refused(pa, PA_REFUSE_OVERLAP) == 2ull * hsk[M_INSIDE] + hsk[M_COVER],
	    "a /32 and a /128 inside the honest node's prefixes, and a /16 covering one, refused "
	    "and counted: %llu",
	    (unsigned long long)pa_refused(pa, PA_REFUSE_OVERLAP));
	tap(pa_refused(pa, PA_REFUSE_RESERVED) == hsk[M_OWN],
	    "a /25 inside node 0's own prefix refused and counted: %llu",
	    (unsigned long long)pa_refused(pa, PA_REFUSE_RESERVED));
	tap(pa_refused(pa, PA_REFUSE_NOT_ALLOWED) == hsk[M_OFFLIST],
	    "a prefix off the allow-list refused and counted: %llu",
	    (unsigned long long)pa_refused(pa, PA_REFUSE_NOT_ALLOWED));
	/* Node B has no allow-list: it routes no peer prefix at all. */
	tap(pa_granted(node_prefix_auth(node[B])) == 0,
	    "a node without an allow-list grants no peer prefix (default: its own only)");

	/* The honest node goes away: its session ends, and so do its prefixes. */
	xm_sim_host_set_up(io[B], false);
	xm_sim_run_for(sim, (uint64_t)cfg[V].rekey_seconds * 1000 + HS_SESSION_END_MS +
				    HS_SESSION_END_MS / 2);
	tap(!established(V, B) && pa_held(pa, &id[B].id, NULL, 0) == 0,
	    "the honest node's prefixes are released when its session ends");
	for (int i = 0; i < N; i++)
		node_free(node[i]);
	xm_sim_free(sim);
	return tap_done();
}
