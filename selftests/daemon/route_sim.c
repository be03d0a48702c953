// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh routing in netsim: lines and rings of nodes running route.c, with
 * links cut, forged updates, RTT changes and restarts. After EVERY simulated
 * event every node's table is sampled and the next hops (and the second,
 * failover next hops) towards every destination are followed: a cycle
 * anywhere fails the test. Prints TAP and the measured convergence times.
 *
 * TODO(netsim): netsim has one latency range for the whole network. Per-link
 * delay is added here by holding a node's outgoing messages for its own
 * egress delay (struct tnode's queue) before they enter netsim; a
 * netsim_set_link_latency() would make that unnecessary.
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "netsim.h"
#include "route.h"
#include "route_int.h"
#include "route_msg.h"
#include "tap.h"

#define MAXN 16
#define QMAX 512
#define HELLO_MS 1000
#define PUZZLE_BITS 4

struct qmsg {
	uint64_t at;
	enum xm_msg_kind kind;
	bool unicast;
	struct xm_addr to;
	int ifindex;
	size_t len;
	uint8_t body[XM_MSG_BODY_MAX];
};

/* One simulated node: its routing module behind a delaying env. */
struct tnode {
	struct world *w;
	int idx;
	struct route *r;
	const struct xm_env *base;
	struct xm_env env;
	uint32_t delay_ms; /* extra egress delay */
	struct qmsg *q;
	unsigned int qlen;
	int nh[MAXN]; /* next hop towards each node, from on_change */
	/* A stalled node neither receives nor ticks; what arrives waits here. */
	bool stalled;
	struct inmsg *in;
	unsigned int inlen;
};

struct inmsg {
	struct xm_peer_ref from;
	size_t len;
	uint8_t body[XM_MSG_BODY_MAX];
};

struct world {
	struct netsim *sim;
	int n;
	struct tnode t[MAXN];
	struct route_config cfg;
	/* Loop checks over the whole run of a scenario. */
	uint64_t samples;
	uint64_t loops_primary;
	uint64_t loops_alt;
	uint64_t first_loop_at;
	char loop_desc[160];
	/* When a cut was made, and the first route change after it. */
	uint64_t cut_at;
	uint64_t first_change_at;
};

/* ROUTE_SIM_SEED=N replays every scenario under other seeds. */
static uint64_t seed_base;
/* Hello interval of the nodes world_new() makes. */
static uint32_t hello_ms = HELLO_MS;

/* ---- env with per-node egress delay ---------------------------------- */

static uint64_t t_now(void *ctx)
{
	struct tnode *t = ctx;

	return t->base->now_ms(t->base->ctx);
}

static void t_random(void *ctx, void *buf, size_t len)
{
	struct tnode *t = ctx;

	t->base->random(t->base->ctx, buf, len);
}

static int t_enqueue(struct tnode *t, enum xm_msg_kind kind, const struct xm_addr *to, int ifindex,
		     const uint8_t *body, size_t len)
{
	struct qmsg *m;

	if (len > XM_MSG_BODY_MAX)
		return -EMSGSIZE;
	if (t->qlen == QMAX)
		return -ENOBUFS;
	m = &t->q[t->qlen++];
	m->at = t_now(t) + t->delay_ms;
	m->kind = kind;
	m->unicast = to != NULL;
	if (to)
		m->to = *to;
	m->ifindex = ifindex;
	m->len = len;
	memcpy(m->body, body, len);
	return 0;
}

static int t_send(void *ctx, enum xm_msg_kind kind, const struct xm_addr *to,
		  const struct xm_node_id *to_id, const uint8_t *body, size_t len)
{
	(void)to_id;
	struct tnode *t = ctx;

	if (!t->delay_ms)
		return t->base->send(t->base->ctx, kind, to, to_id, body, len);
	return t_enqueue(t, kind, to, 0, body, len);
}

static int t_send_link(void *ctx, enum xm_msg_kind kind, int ifindex, const uint8_t *body,
		       size_t len)
{
	struct tnode *t = ctx;

	if (!t->delay_ms)
		return t->base->send_link(t->base->ctx, kind, ifindex, body, len);
	return t_enqueue(t, kind, NULL, ifindex, body, len);
}

static void t_sign(void *ctx, uint8_t sig[XM_SIG_LEN], const uint8_t *msg, size_t len)
{
	struct tnode *t = ctx;

	t->base->sign(t->base->ctx, sig, msg, len);
}

static bool t_verify(void *ctx, const uint8_t pk[XM_PUBKEY_LEN], const uint8_t sig[XM_SIG_LEN],
		     const uint8_t *msg, size_t len)
{
	struct tnode *t = ctx;

	return t->base->verify(t->base->ctx, pk, sig, msg, len);
}

/* Hands due messages to netsim in queue order; returns ms to the next one. */
static uint64_t t_release(struct tnode *t)
{
	uint64_t now = t_now(t), next = NETSIM_NO_DEADLINE;
	unsigned int k = 0;

	for (unsigned int i = 0; i < t->qlen; i++) {
		struct qmsg *m = &t->q[i];

		if (m->at <= now) {
			if (m->unicast)
				t->base->send(t->base->ctx, m->kind, &m->to, NULL, m->body, m->len);
			else
				t->base->send_link(t->base->ctx, m->kind, m->ifindex, m->body,
						   m->len);
			continue;
		}
		if (m->at - now < next)
			next = m->at - now;
		if (k != i)
			t->q[k] = *m;
		k++;
	}
	t->qlen = k;
	return next;
}

static void h_deliver(void *ctx, const struct xm_peer_ref *from, enum xm_msg_kind kind,
		      const uint8_t *body, size_t len)
{
	struct tnode *t = ctx;

	if (kind != XM_MSG_ROUTE || !t->r)
		return;
	if (t->stalled) {
		/* The socket buffer of a paused process: kept, in order. */
		if (t->inlen < QMAX && len <= XM_MSG_BODY_MAX) {
			struct inmsg *m = &t->in[t->inlen++];

			m->from = *from;
			m->len = len;
			memcpy(m->body, body, len);
		}
		return;
	}
	route_receive(t->r, from, body, len);
}

static uint64_t h_tick(void *ctx)
{
	struct tnode *t = ctx;
	uint64_t a, b;

	if (t->stalled)
		return NETSIM_NO_DEADLINE;
	a = t->r ? route_tick(t->r) : NETSIM_NO_DEADLINE;
	b = t_release(t);

	return a < b ? a : b;
}

static const struct netsim_handler handler = { .deliver = h_deliver, .tick = h_tick };

static void on_change(void *arg, const struct route_change *c)
{
	struct tnode *t = arg;
	struct world *w = t->w;
	int nh = c->reachable ? netsim_node_by_addr(w->sim, &c->nh_addr) : -1;

	for (int d = 0; d < w->n; d++) {
		if (xm_node_id_cmp(&c->dst, netsim_node_id(w->sim, d)))
			continue;
		/* Only a lost route or a new next hop shows that a cut was seen. */
		if (w->cut_at && !w->first_change_at && nh != t->nh[d])
			w->first_change_at = netsim_now(w->sim);
		t->nh[d] = nh;
	}
}

/* ---- worlds ------------------------------------------------------------ */

static void node_start(struct world *w, int i)
{
	struct tnode *t = &w->t[i];
	struct route_config cfg = w->cfg;

	cfg.on_change = on_change;
	cfg.cb_arg = t;
	for (int d = 0; d < MAXN; d++)
		t->nh[d] = -1;
	t->r = route_new(&cfg, &t->env, netsim_node_id(w->sim, i), netsim_node_pk(w->sim, i));
	if (!t->r) {
		fprintf(stderr, "route_new failed\n");
		exit(2);
	}
	for (int ifindex = 1; ifindex <= 2; ifindex++)
		route_add_link(t->r, ifindex);
	netsim_set_handler(w->sim, i, &handler, t);
}

/*
 * @n nodes; node i's ifindex 2 and node i+1's ifindex 1 share link i. A ring
 * adds link n-1 between node n-1 and node 0.
 */
static struct world *world_new(int n, bool ring, uint32_t lat_min, uint32_t lat_max,
			       uint64_t seed)
{
	struct world *w = calloc(1, sizeof(*w));
	struct netsim_config nc = { .seed = seed + seed_base, .latency_min_ms = lat_min,
				    .latency_max_ms = lat_max, .puzzle_bits = PUZZLE_BITS };

	if (!w)
		exit(2);
	w->sim = netsim_new(&nc);
	if (!w->sim)
		exit(2);
	w->n = n;
	w->cfg.hello_interval_ms = hello_ms;
	w->cfg.id_puzzle_bits = PUZZLE_BITS;
	for (int i = 0; i < n; i++) {
		struct tnode *t = &w->t[i];

		netsim_add_node(w->sim);
		t->w = w;
		t->idx = i;
		t->base = netsim_env(w->sim, i);
		t->q = calloc(QMAX, sizeof(*t->q));
		t->in = calloc(QMAX, sizeof(*t->in));
		if (!t->q || !t->in)
			exit(2);
		t->env = (struct xm_env){ .ctx = t, .now_ms = t_now, .random = t_random,
					  .send = t_send, .send_link = t_send_link,
					  .sign = t_sign, .verify = t_verify };
	}
	for (int i = 0; i + 1 < n || (ring && i < n); i++) {
		netsim_link_join(w->sim, i, i, 2);
		netsim_link_join(w->sim, (i + 1) % n, i, 1);
	}
	for (int i = 0; i < n; i++)
		node_start(w, i);
	return w;
}

static void world_free(struct world *w)
{
	for (int i = 0; i < w->n; i++) {
		route_free(w->t[i].r);
		free(w->t[i].q);
		free(w->t[i].in);
	}
	netsim_free(w->sim);
	free(w);
}

static int node_of_addr(struct world *w, const struct xm_addr *a)
{
	return netsim_node_by_addr(w->sim, a);
}

/* Next hop (and failover next hop) of node @s towards @d, or -1. */
static int next_hop(struct world *w, int s, int d, int *alt)
{
	struct route_change c;

	*alt = -1;
	if (!w->t[s].r || !netsim_is_up(w->sim, s) ||
	    !route_lookup(w->t[s].r, netsim_node_id(w->sim, d), &c))
		return -1;
	if (c.has_alt)
		*alt = node_of_addr(w, &c.alt_addr);
	return node_of_addr(w, &c.nh_addr);
}

/* Depth-first search for a cycle in the next-hop graph towards @d. */
static bool has_cycle(int n, int edges[][2], int nedges_per, int v, int *color)
{
	color[v] = 1;
	for (int k = 0; k < nedges_per; k++) {
		int u = edges[v][k];

		if (u < 0 || u >= n)
			continue;
		if (color[u] == 1)
			return true;
		if (!color[u] && has_cycle(n, edges, nedges_per, u, color))
			return true;
	}
	color[v] = 2;
	return false;
}

/* Keeps the first loop seen: "node>next hop/second next hop" for each node. */
static void describe_loop(struct world *w, int d, int edges[][2])
{
	size_t len, cap = sizeof(w->loop_desc);

	w->first_loop_at = netsim_now(w->sim) ? netsim_now(w->sim) : 1;
	snprintf(w->loop_desc, cap, "t=%llu dst=%d nh:", (unsigned long long)w->first_loop_at, d);
	for (int s = 0; s < w->n; s++) {
		len = strlen(w->loop_desc);
		snprintf(w->loop_desc + len, cap - len, " %d>%d/%d", s, edges[s][0], edges[s][1]);
	}
}

/* Samples every table: follows next hops for every destination. */
static void check_loops(struct world *w)
{
	w->samples++;
	for (int d = 0; d < w->n; d++) {
		int edges[MAXN][2], color[MAXN];
		bool loop_p = false, loop_a = false;

		for (int s = 0; s < w->n; s++) {
			edges[s][0] = s == d ? -1 : next_hop(w, s, d, &edges[s][1]);
			if (s == d)
				edges[s][1] = -1;
		}
		memset(color, 0, sizeof(color));
		for (int s = 0; s < w->n && !loop_p; s++)
			if (!color[s])
				loop_p = has_cycle(w->n, edges, 1, s, color);
		memset(color, 0, sizeof(color));
		for (int s = 0; s < w->n && !loop_a; s++)
			if (!color[s])
				loop_a = has_cycle(w->n, edges, 2, s, color);
		if (!loop_p && !loop_a)
			continue;
		w->loops_primary += loop_p;
		w->loops_alt += loop_a;
		if (!w->first_loop_at)
			describe_loop(w, d, edges);
	}
}

/* Shortest-path next hops over the current (uncut, up) topology. */
static bool linked(struct world *w, int a, int b, bool ring, const bool cut[][MAXN])
{
	if (!netsim_is_up(w->sim, a) || !netsim_is_up(w->sim, b) || cut[a][b])
		return false;
	return abs(a - b) == 1 || (ring && abs(a - b) == w->n - 1);
}

struct expect {
	bool ring;
	bool cut[MAXN][MAXN];
};

/*
 * Converged when every up node has a route to exactly the nodes it can
 * reach, through a neighbour on a shortest path (hop counts; all links cost
 * the same here), and none to the others.
 */
static bool converged(struct world *w, const struct expect *ex)
{
	for (int d = 0; d < w->n; d++) {
		int dist[MAXN], queue[MAXN], qh = 0, qt = 0;

		for (int i = 0; i < w->n; i++)
			dist[i] = -1;
		if (netsim_is_up(w->sim, d)) {
			dist[d] = 0;
			queue[qt++] = d;
		}
		while (qh < qt) {
			int v = queue[qh++];

			for (int u = 0; u < w->n; u++)
				if (dist[u] < 0 && linked(w, v, u, ex->ring, ex->cut)) {
					dist[u] = dist[v] + 1;
					queue[qt++] = u;
				}
		}
		for (int s = 0; s < w->n; s++) {
			int alt, nh;

			if (s == d || !netsim_is_up(w->sim, s))
				continue;
			nh = next_hop(w, s, d, &alt);
			if (dist[s] < 0) {
				if (nh >= 0)
					return false;
				continue;
			}
			if (nh < 0 || dist[nh] != dist[s] - 1 ||
			    !linked(w, s, nh, ex->ring, ex->cut))
				return false;
		}
	}
	return true;
}

struct run_ctx {
	struct world *w;
	const struct expect *ex;
	bool (*extra)(struct world *w);
};

static bool step_converged(void *arg)
{
	struct run_ctx *c = arg;

	check_loops(c->w);
	return converged(c->w, c->ex);
}

static bool step_never(void *arg)
{
	struct run_ctx *c = arg;

	check_loops(c->w);
	if (c->extra)
		c->extra(c->w);
	return false;
}

/* Runs until converged (checking loops at every event); ms taken or -1. */
static int64_t run_converge(struct world *w, const struct expect *ex, uint64_t max_ms)
{
	struct run_ctx c = { .w = w, .ex = ex };
	uint64_t t0 = netsim_now(w->sim);

	if (!netsim_run_until(w->sim, step_converged, &c, max_ms))
		return -1;
	return (int64_t)(netsim_now(w->sim) - t0);
}

static void run_checked(struct world *w, uint64_t ms, bool (*extra)(struct world *w))
{
	struct run_ctx c = { .w = w, .extra = extra };

	netsim_run_until(w->sim, step_never, &c, ms);
}

static void cut(struct world *w, struct expect *ex, int a, int b, bool on)
{
	netsim_set_cut(w->sim, a, b, on);
	w->cut_at = netsim_now(w->sim);
	w->first_change_at = 0;
	ex->cut[a][b] = on;
	ex->cut[b][a] = on;
}

static void report_loops(struct world *w, const char *what)
{
	tap(w->loops_primary == 0, "%s: no routing loop in %llu samples of every table", what,
	    (unsigned long long)w->samples);
	tap(w->loops_alt == 0, "%s: no loop even through the failover next hops", what);
	if (w->loops_primary || w->loops_alt)
		printf("# first loop: %s\n", w->loop_desc);
}

static uint64_t sum_stat(struct world *w, size_t off)
{
	uint64_t s = 0;

	for (int i = 0; i < w->n; i++) {
		struct route_stats st;

		if (!w->t[i].r)
			continue;
		route_get_stats(w->t[i].r, &st);
		s += *(const uint64_t *)((const uint8_t *)&st + off);
	}
	return s;
}

/* ---- scenarios --------------------------------------------------------- */

static void test_line(void)
{
	struct world *w = world_new(6, false, 1, 5, 11);
	struct expect ex = { .ring = false };
	struct route_change c;
	int64_t ms;
	bool ok;

	ms = run_converge(w, &ex, 30000);
	tap(ms >= 0, "line6: all 30 routes converge from a cold start (%lld ms)", (long long)ms);
	printf("# line6 cold start convergence: %lld ms\n", (long long)ms);
	run_checked(w, 10000, NULL);
	memset(&c, 0, sizeof(c));
	ok = route_lookup(w->t[0].r, netsim_node_id(w->sim, 5), &c);
	tap(ok && node_of_addr(w, &c.nh_addr) == 1 && c.metric >= 5 * 16,
	    "line6: node 0 reaches node 5 over 5 hops via node 1 (metric %u)", c.metric);

	cut(w, &ex, 2, 3, true);
	ms = run_converge(w, &ex, 60000);
	tap(ms >= 0, "line6: cut 2-3: routes across the cut are retracted (%lld ms)",
	    (long long)ms);
	printf("# line6 cut convergence (retractions): %lld ms = %llu ms to detect + %llu ms\n",
	       (long long)ms, (unsigned long long)(w->first_change_at - w->cut_at),
	       (unsigned long long)(w->cut_at + (uint64_t)ms - w->first_change_at));
	run_checked(w, 20000, NULL);
	tap(converged(w, &ex), "line6: still converged 20 s after the cut");

	cut(w, &ex, 2, 3, false);
	ms = run_converge(w, &ex, 60000);
	tap(ms >= 0, "line6: link restored: routes across it come back (%lld ms)", (long long)ms);
	printf("# line6 heal convergence: %lld ms\n", (long long)ms);
	report_loops(w, "line6");
	world_free(w);
}

static void test_ring(void)
{
	struct world *w = world_new(8, true, 1, 5, 22);
	struct expect ex = { .ring = true };
	struct route_change c;
	int64_t ms;
	uint64_t req0;
	bool alt_ok = true;

	ms = run_converge(w, &ex, 30000);
	tap(ms >= 0, "ring8: all 56 routes converge from a cold start (%lld ms)", (long long)ms);
	printf("# ring8 cold start convergence: %lld ms\n", (long long)ms);
	run_checked(w, 10000, NULL);
	/* The opposite node is as far both ways: both routes are feasible. */
	for (int s = 0; s < w->n; s++) {
		int alt, nh = next_hop(w, s, (s + 4) % 8, &alt);

		if (nh < 0 || alt < 0 || alt == nh)
			alt_ok = false;
	}
	tap(alt_ok, "ring8: every node keeps a second next hop to the opposite node");

	req0 = sum_stat(w, offsetof(struct route_stats, seqno_requests_tx));
	cut(w, &ex, 0, 1, true);
	ms = run_converge(w, &ex, 60000);
	tap(ms >= 0, "ring8: cut 0-1: every route converges onto the other way round (%lld ms)",
	    (long long)ms);
	printf("# ring8 cut convergence: %lld ms = %llu ms to detect the loss"
	       " (hello interval %u ms) + %llu ms to converge\n",
	       (long long)ms, (unsigned long long)(w->first_change_at - w->cut_at), HELLO_MS,
	       (unsigned long long)(w->cut_at + (uint64_t)ms - w->first_change_at));
	tap(sum_stat(w, offsetof(struct route_stats, seqno_requests_tx)) > req0,
	    "ring8: starving nodes recovered through seqno requests");
	run_checked(w, 20000, NULL);
	tap(converged(w, &ex) && route_lookup(w->t[1].r, netsim_node_id(w->sim, 0), &c) &&
		    node_of_addr(w, &c.nh_addr) == 2,
	    "ring8: 20 s later node 1 still reaches node 0 the long way, via node 2");

	cut(w, &ex, 0, 1, false);
	cut(w, &ex, 4, 5, true);
	ms = run_converge(w, &ex, 60000);
	tap(ms >= 0, "ring8: heal 0-1 and cut 4-5 at once: converges (%lld ms)", (long long)ms);
	printf("# ring8 heal+cut convergence: %lld ms\n", (long long)ms);
	report_loops(w, "ring8");
	world_free(w);
}

/* The same cut with 200 ms hellos: convergence scales with the interval. */
static void test_ring_fast(void)
{
	struct world *w;
	struct expect ex = { .ring = true };
	int64_t ms;

	hello_ms = 200;
	w = world_new(8, true, 1, 5, 99);
	hello_ms = HELLO_MS;
	tap(run_converge(w, &ex, 30000) >= 0, "ring8 200 ms hellos: converges");
	run_checked(w, 5000, NULL);
	cut(w, &ex, 0, 1, true);
	ms = run_converge(w, &ex, 30000);
	tap(ms >= 0, "ring8 200 ms hellos: cut 0-1 converges (%lld ms)", (long long)ms);
	printf("# ring8 cut convergence with 200 ms hellos: %lld ms = %llu ms to detect + %llu ms\n",
	       (long long)ms, (unsigned long long)(w->first_change_at - w->cut_at),
	       (unsigned long long)(w->cut_at + (uint64_t)ms - w->first_change_at));
	report_loops(w, "ring8 200 ms hellos");
	world_free(w);
}

/*
 * A ring of 16 losing 5% of all messages, with 1..20 ms latency: links
 * are cut one after the other; no loop, and every time it converges.
 */
static void test_lossy_ring(void)
{
	struct world *w = world_new(16, true, 1, 20, 88);
	struct expect ex = { .ring = true };
	int64_t ms, worst = 0;
	bool all = true;

	netsim_set_loss(w->sim, 50);
	ms = run_converge(w, &ex, 60000);
	tap(ms >= 0, "lossy ring16: converges from a cold start (%lld ms)", (long long)ms);
	for (int k = 0; k < 4 && ms >= 0; k++) {
		int a = k * 4, b = (a + 1) % 16;

		cut(w, &ex, a, b, true);
		ms = run_converge(w, &ex, 60000);
		if (getenv("ROUTE_SIM_VERBOSE"))
			printf("# cut %d-%d: %lld ms\n", a, b, (long long)ms);
		all = all && ms >= 0;
		worst = ms > worst ? ms : worst;
		cut(w, &ex, a, b, false);
		ms = run_converge(w, &ex, 60000);
		all = all && ms >= 0;
		run_checked(w, 5000, NULL);
	}
	tap(all, "lossy ring16: 4 cuts and heals each converge (slowest cut %lld ms)",
	    (long long)worst);
	printf("# lossy ring16 (5%% loss): slowest of 4 cuts converged in %lld ms\n",
	       (long long)worst);
	report_loops(w, "lossy ring16");
	world_free(w);
}

static void peer_of(struct world *w, int i, int ifindex, struct xm_peer_ref *p)
{
	memset(p, 0, sizeof(*p));
	p->id = *netsim_node_id(w->sim, i);
	memcpy(p->pk, netsim_node_pk(w->sim, i), XM_PUBKEY_LEN);
	p->addr = *netsim_node_ll_addr(w->sim, i);
	p->ifindex = ifindex;
	p->ttl = 255;
}

static int encode_update(const uint8_t pk[XM_PUBKEY_LEN], uint32_t seqno, uint16_t metric,
			 const uint8_t sig[XM_SIG_LEN], uint8_t *buf)
{
	struct route_msg m;

	memset(&m, 0, sizeof(m));
	m.n_updates = 1;
	memcpy(m.updates[0].origin_pk, pk, XM_PUBKEY_LEN);
	m.updates[0].seqno = seqno;
	m.updates[0].metric = metric;
	m.updates[0].interval_ms = 4000;
	memcpy(m.updates[0].sig, sig, XM_SIG_LEN);
	return route_msg_encode(&m, buf, XM_MSG_BODY_MAX);
}

static void test_forged(void)
{
	struct world *w = world_new(5, false, 1, 5, 33);
	struct expect ex = { .ring = false };
	struct route_change before, after, relay;
	struct route_stats st0, st1, st2;
	struct xm_peer_ref from;
	uint8_t buf[XM_MSG_BODY_MAX], sig[XM_SIG_LEN], good_sig[XM_SIG_LEN];
	uint8_t msg[ROUTE_SIG_MSG_LEN];
	uint8_t pk[XM_PUBKEY_LEN], sk[crypto_sign_SECRETKEYBYTES], seed[crypto_sign_SEEDBYTES];
	struct xm_node_id fresh;
	const struct xm_node_id *victim = netsim_node_id(w->sim, 4);
	struct route *r0 = w->t[0].r;
	int len, rc;
	bool lied;

	tap(run_converge(w, &ex, 30000) >= 0, "forged: line5 converges");
	route_lookup(r0, victim, &before);
	route_get_stats(r0, &st0);
	/*
	 * Node 1 is node 0's neighbour (on node 0's ifindex 2): its envelope
	 * is authentic, the updates it relays are not.
	 */
	peer_of(w, 1, 2, &from);

	/* 1. A signature that is not one. */
	memset(sig, 0xa5, sizeof(sig));
	len = encode_update(netsim_node_pk(w->sim, 4), before.seqno + 1, 0, sig, buf);
	rc = route_receive(r0, &from, buf, (size_t)len);

	/*
	 * 2. Node 4's genuine signature of its current seqno, as every relay
	 * carries it, on a bumped seqno.
	 */
	route_sig_msg(msg, victim, before.seqno);
	netsim_env(w->sim, 4)->sign(netsim_env(w->sim, 4)->ctx, good_sig, msg, sizeof(msg));
	len = encode_update(netsim_node_pk(w->sim, 4), before.seqno + 100, 0, good_sig, buf);
	route_receive(r0, &from, buf, (size_t)len);

	/*
	 * 3. A route to a freshly minted origin, well signed by its own key:
	 * the id a key hashes to must carry the puzzle's work, and a fresh
	 * key's id does not (deterministic seeds: no retry is needed).
	 */
	memset(seed, 0x5a, sizeof(seed));
	for (int k = 0; k < 64; k++) {
		seed[0] = (uint8_t)k;
		crypto_sign_seed_keypair(pk, sk, seed);
		xm_node_id_from_pubkey(&fresh, pk);
		if (!xm_node_id_puzzle_ok(&fresh, PUZZLE_BITS))
			break;
	}
	route_sig_msg(msg, &fresh, 7);
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	len = encode_update(pk, 7, 0, sig, buf);
	route_receive(r0, &from, buf, (size_t)len);

	/* 4. A well-signed update from a node that is not a neighbour. */
	peer_of(w, 3, 1, &from);
	len = encode_update(netsim_node_pk(w->sim, 4), before.seqno, 0, good_sig, buf);
	route_receive(r0, &from, buf, (size_t)len);

	/* 5. Garbage and an unknown version. */
	peer_of(w, 1, 2, &from);
	memset(buf, 0xff, 64);
	route_receive(r0, &from, buf, 64);
	buf[0] = 0x08;
	buf[1] = 0x07; /* version = 7 */
	route_receive(r0, &from, buf, 2);

	route_get_stats(r0, &st1);
	tap(rc == 0 && st1.drops[ROUTE_DROP_BAD_SIG] == st0.drops[ROUTE_DROP_BAD_SIG] + 2,
	    "forged: a bad origin signature and a seqno bumped by a relay are refused (%llu counted)",
	    (unsigned long long)(st1.drops[ROUTE_DROP_BAD_SIG] - st0.drops[ROUTE_DROP_BAD_SIG]));
	tap(st1.drops[ROUTE_DROP_ID_KEY] == st0.drops[ROUTE_DROP_ID_KEY] + 1 &&
		    !route_lookup(r0, &fresh, &after),
	    "forged: an origin id without its puzzle work is refused");
	tap(st1.drops[ROUTE_DROP_NOT_NEIGH] == st0.drops[ROUTE_DROP_NOT_NEIGH] + 1,
	    "forged: an update from a non-neighbour is refused");
	tap(st1.drops[ROUTE_DROP_MALFORMED] == st0.drops[ROUTE_DROP_MALFORMED] + 1 &&
		    st1.drops[ROUTE_DROP_VERSION] == st0.drops[ROUTE_DROP_VERSION] + 1,
	    "forged: a malformed body and an unknown version are dropped and counted");
	lied = !route_lookup(r0, victim, &after) || after.seqno != before.seqno ||
	       node_of_addr(w, &after.nh_addr) != 1;
	tap(!lied, "forged: node 0's route to node 4 is unchanged (seqno %u)", after.seqno);
	/*
	 * Control: node 1's genuine update (its own metric, the origin's
	 * signature) is accepted. A metric node 1 did not advertise would be a
	 * lie no distance-vector protocol survives, so it is not tried here.
	 */
	route_lookup(w->t[1].r, victim, &relay);
	route_get_stats(r0, &st1);
	len = encode_update(netsim_node_pk(w->sim, 4), relay.seqno, relay.metric, good_sig, buf);
	route_receive(r0, &from, buf, (size_t)len);
	route_get_stats(r0, &st2);
	tap(st2.drops[ROUTE_DROP_BAD_SIG] == st1.drops[ROUTE_DROP_BAD_SIG] &&
		    st2.updates_rx == st1.updates_rx + 1,
	    "forged: control: the origin's genuine signature relayed by node 1 is accepted");

	run_checked(w, 10000, NULL);
	tap(converged(w, &ex), "forged: the network stays converged");
	report_loops(w, "forged");
	world_free(w);
}

/*
 * RTT: a 2-node link with 1..9 ms jitter each way (mean RTT 10 ms, so cost
 * 16 + 10 within the hysteresis band of 8), then 40 ms more one way.
 */
static int first_neigh(void *arg, const struct route_neigh_info *n)
{
	*(struct route_neigh_info *)arg = *n;
	return 1;
}

static uint16_t cost_of(struct world *w, int i)
{
	struct route_neigh_info ni = { .cost = ROUTE_METRIC_INF };

	route_neigh_foreach(w->t[i].r, first_neigh, &ni);
	return ni.cost;
}

static uint16_t last_cost;
static unsigned int cost_changes;
static uint16_t cost_min = 0xffff, cost_max;

static bool watch_cost(struct world *w)
{
	uint16_t c = cost_of(w, 0);

	if (c != last_cost) {
		cost_changes++;
		last_cost = c;
	}
	if (c < cost_min)
		cost_min = c;
	if (c > cost_max)
		cost_max = c;
	return false;
}

static void test_rtt(void)
{
	struct world *w = world_new(2, false, 1, 9, 44);
	struct expect ex = { .ring = false };
	struct route_neigh_info ni;
	int64_t ms;
	uint16_t c0, c1;
	uint64_t t0;

	tap(run_converge(w, &ex, 30000) >= 0, "rtt: two nodes find each other");
	run_checked(w, 30000, NULL);
	c0 = cost_of(w, 0);
	last_cost = c0;
	cost_changes = 0;
	run_checked(w, 120000, watch_cost);
	/* One correction towards the mean is not flapping; a second would be. */
	tap(cost_changes <= 1 && last_cost >= 16 + 10 - 8 && last_cost <= 16 + 10 + 8,
	    "rtt: 2 min of RTT jitter (2..18 ms) change the link cost %u times (<= 1; cost %u..%u)",
	    cost_changes, cost_min, cost_max);

	/* Node 1 now holds everything it sends for 40 ms more. */
	w->t[1].delay_ms = 40;
	t0 = netsim_now(w->sim);
	ms = -1;
	for (int k = 0; k < 600 && ms < 0; k++) {
		run_checked(w, 100, NULL);
		if (cost_of(w, 0) >= 16 + 50 - 8)
			ms = (int64_t)(netsim_now(w->sim) - t0);
	}
	run_checked(w, 20000, NULL);
	c1 = cost_of(w, 0);
	tap(ms >= 0 && c1 >= 16 + 50 - 8 && c1 <= 16 + 50 + 8,
	    "rtt: the cost follows a 40 ms RTT rise: %u -> %u (within the band) in %lld ms", c0, c1,
	    (long long)ms);
	printf("# rtt: link cost %u at ~10 ms RTT, %u at ~50 ms RTT (in its band after %lld ms)\n", c0,
	       c1, (long long)ms);
	route_neigh_foreach(w->t[0].r, first_neigh, &ni);
	tap(ni.rtt_ms >= 45 && ni.rtt_ms <= 60, "rtt: smoothed RTT %u ms", ni.rtt_ms);
	world_free(w);
}

/*
 * Route flapping: a ring of 4 where node 0 reaches node 2 over two paths of
 * equal length, every link jittering; the selected next hop must hold.
 */
static unsigned int nh_changes;
static int last_nh;

static bool watch_nh(struct world *w)
{
	int alt, nh = next_hop(w, 0, 2, &alt);

	if (nh != last_nh) {
		nh_changes++;
		last_nh = nh;
	}
	return false;
}

static void test_flap(void)
{
	struct world *w = world_new(4, true, 1, 9, 55);
	struct expect ex = { .ring = true };
	int alt;

	tap(run_converge(w, &ex, 30000) >= 0, "flap: ring4 converges");
	run_checked(w, 10000, NULL);
	last_nh = next_hop(w, 0, 2, &alt);
	nh_changes = 0;
	run_checked(w, 120000, watch_nh);
	next_hop(w, 0, 2, &alt);
	/*
	 * Costs sit anywhere within their hysteresis band, so one switch to
	 * the path that is now measurably better is a correction; a second
	 * one would be going back: flapping.
	 */
	tap(nh_changes <= 1 && alt >= 0 && alt != last_nh,
	    "flap: 2 min of jitter over two equal paths: %u next-hop changes (<= 1), failover via %d",
	    nh_changes, alt);
	report_loops(w, "flap");
	world_free(w);
}

static bool all_reach(struct world *w, int x)
{
	for (int s = 0; s < w->n; s++) {
		int alt;

		if (s != x && (next_hop(w, s, x, &alt) < 0 || next_hop(w, x, s, &alt) < 0))
			return false;
	}
	return true;
}

static void restart(struct world *w, int x, uint64_t down_ms, const char *what)
{
	struct expect ex = { .ring = true };
	uint32_t old_seqno = route_self_seqno(w->t[x].r);
	struct tnode *t = &w->t[x];
	int64_t ms;

	netsim_kill(w->sim, x);
	run_checked(w, down_ms, NULL);
	route_free(t->r);
	t->r = NULL;
	t->qlen = 0;
	netsim_revive(w->sim, x);
	node_start(w, x);
	ms = run_converge(w, &ex, 60000);
	tap(ms >= 0 && all_reach(w, x),
	    "restart (%s): node %d's routes recover in %lld ms, seqno %u -> %u", what, x,
	    (long long)ms, old_seqno, route_self_seqno(t->r));
	printf("# restart after %s down: routes to and from it back in %lld ms\n", what,
	       (long long)ms);
}

static void test_restart(void)
{
	struct world *w = world_new(8, true, 1, 5, 66);
	struct expect ex = { .ring = true };

	tap(run_converge(w, &ex, 30000) >= 0, "restart: ring8 converges");
	/* Make node 3 raise its seqno, so its next life starts below it. */
	cut(w, &ex, 3, 4, true);
	run_converge(w, &ex, 60000);
	cut(w, &ex, 3, 4, false);
	run_converge(w, &ex, 60000);
	run_checked(w, 5000, NULL);
	restart(w, 3, 500, "0.5 s");
	run_checked(w, 5000, NULL);
	restart(w, 3, 30000, "30 s");
	tap(route_self_seqno(w->t[3].r) > 0, "restart: node 3 continues above its old seqno");
	report_loops(w, "restart");
	world_free(w);
}

/*
 * A stall: node @x neither receives nor ticks for @ms (SIGSTOP, a stalled
 * VM), then resumes on a clock that jumped, with every message that arrived
 * meanwhile queued. @tick_first: whether its timers run before the burst.
 */
static void stall(struct world *w, int x, uint64_t ms, bool tick_first)
{
	struct tnode *t = &w->t[x];

	t->stalled = true;
	t->inlen = 0;
	run_checked(w, ms, NULL);
	t->stalled = false;
	if (tick_first)
		route_tick(t->r);
	for (unsigned int i = 0; i < t->inlen; i++) {
		route_receive(t->r, &t->in[i].from, t->in[i].body, t->in[i].len);
		check_loops(w);
	}
	t->inlen = 0;
	netsim_poke(w->sim, x);
}

static int dump_dest(void *arg, const struct route_info *ri)
{
	struct world *w = arg;
	int d = -1;

	for (int i = 0; i < w->n; i++)
		if (!xm_node_id_cmp(&ri->sel.dst, netsim_node_id(w->sim, i)))
			d = i;
	printf("#   dst %d reach %d metric %u seqno %u nroutes %u fd %d/%u/%u\n", d,
	       ri->sel.reachable, ri->sel.metric, ri->sel.seqno, ri->nroutes, ri->fd_valid,
	       ri->fd_seqno, ri->fd_metric);
	return 0;
}

static int dump_neigh(void *arg, const struct route_neigh_info *ni)
{
	struct world *w = arg;

	printf("#   neigh %d cost %u rx %u tx %u rtt %u\n", node_of_addr(w, &ni->addr), ni->cost,
	       ni->rxcost, ni->txcost, ni->rtt_ms);
	return 0;
}

/* ROUTE_SIM_VERBOSE: every node's tables, to see why a case failed. */
static void dump_world(struct world *w)
{
	if (!getenv("ROUTE_SIM_VERBOSE"))
		return;
	for (int i = 0; i < w->n; i++) {
		printf("# node %d seqno %u\n", i, route_self_seqno(w->t[i].r));
		route_neigh_foreach(w->t[i].r, dump_neigh, w);
		route_foreach(w->t[i].r, dump_dest, w);
	}
}

static void stall_case(int n, bool ring, unsigned int hellos, bool tick_first, uint64_t seed)
{
	struct world *w = world_new(n, ring, 1, 5, seed);
	struct expect ex = { .ring = ring };
	struct route_stats st;
	char what[64];
	int64_t ms;

	snprintf(what, sizeof(what), "stall %s%d %u hellos%s", ring ? "ring" : "line", n, hellos,
		 tick_first ? ", timers first" : "");
	tap(run_converge(w, &ex, 30000) >= 0, "%s: converges before the stall", what);
	run_checked(w, 10000, NULL);
	stall(w, 0, (uint64_t)hellos * HELLO_MS, tick_first);
	route_get_stats(w->t[0].r, &st);
	tap(st.stalls == 1, "%s: the stalled node noticed its stall (%llu)", what,
	    (unsigned long long)st.stalls);
	ms = run_converge(w, &ex, 8 * HELLO_MS);
	tap(ms >= 0, "%s: every route recovers within 8 hello intervals of the resume (%lld ms)",
	    what, (long long)ms);
	printf("# %s: routes back %lld ms after the resume\n", what, (long long)ms);
	if (ms < 0)
		dump_world(w);
	run_checked(w, 20000, NULL);
	tap(converged(w, &ex), "%s: still converged 20 s later", what);
	report_loops(w, what);
	world_free(w);
}

static void test_stall(void)
{
	stall_case(3, false, 3, false, 111);
	stall_case(3, false, 6, false, 112);
	stall_case(3, false, 6, true, 113);
	stall_case(6, true, 3, false, 114);
	stall_case(6, true, 6, false, 115);
	stall_case(6, true, 6, true, 116);
}

static int count_dest(void *arg, const struct route_info *ri)
{
	(void)ri;
	(*(unsigned int *)arg)++;
	return 0;
}

static void test_bounds(void)
{
	struct world *w;
	struct route_stats st;
	unsigned int n = 0;

	/* Node 0 may hold 3 destinations only, in a ring of 8. */
	w = world_new(8, true, 1, 5, 77);
	route_free(w->t[0].r);
	w->cfg.max_dests = 3;
	node_start(w, 0);
	w->cfg.max_dests = 0;
	run_checked(w, 30000, NULL);
	route_get_stats(w->t[0].r, &st);
	route_foreach(w->t[0].r, count_dest, &n);
	tap(n == 3 && st.drops[ROUTE_DROP_TABLE_FULL] > 0,
	    "bounds: a full table holds %u destinations and counts %llu refusals", n,
	    (unsigned long long)st.drops[ROUTE_DROP_TABLE_FULL]);
	report_loops(w, "bounds");
	world_free(w);
}


/* A packet of as many seqno requests for @origin as fit, each asking @seqno + i. */
static int encode_requests(const struct xm_node_id *origin, uint32_t seqno, uint8_t *buf)
{
	struct route_msg m;

	memset(&m, 0, sizeof(m));
	while (route_msg_fits(&m, 0, 1)) {
		struct route_msg_request *q = &m.requests[m.n_requests];

		q->origin = *origin;
		q->seqno = seqno + m.n_requests;
		q->hop_count = 32;
		m.n_requests++;
	}
	return route_msg_encode(&m, buf, XM_MSG_BODY_MAX);
}

/*
 * Seqno requests from a neighbour may raise a node's seqno by 1 per request
 * and once per ROUTE_SEQNO_BUMP_MS: a flood asking for a jump of 2^15 (or a
 * wrap of the seqno space) moves it by at most the bound over a window.
 */
static void test_seqno_requests(void)
{
	struct world *w = world_new(3, false, 1, 5, 44);
	struct expect ex = { .ring = false };
	const struct xm_node_id *self = netsim_node_id(w->sim, 0);
	struct route *r0 = w->t[0].r;
	struct route_stats st0, st1;
	struct route_change c;
	struct xm_peer_ref from;
	uint8_t buf[XM_MSG_BODY_MAX];
	uint32_t s0, s1, s2;
	uint64_t window = 10000, t0;
	int len;

	tap(run_converge(w, &ex, 30000) >= 0, "seqno requests: line3 converges");
	peer_of(w, 1, 2, &from);
	route_get_stats(r0, &st0);
	s0 = route_self_seqno(r0);
	len = encode_requests(self, s0 + 0x8000, buf);
	for (int k = 0; k < 100; k++)
		route_receive(r0, &from, buf, (size_t)len);
	s1 = route_self_seqno(r0);
	route_get_stats(r0, &st1);
	tap(s1 - s0 == 1 && st1.drops[ROUTE_DROP_SEQNO_RATE] > st0.drops[ROUTE_DROP_SEQNO_RATE],
	    "seqno requests: 100 packets of requests for +32768 at once raise the seqno by %u "
	    "(bound 1), the rest counted (%llu)", s1 - s0,
	    (unsigned long long)(st1.drops[ROUTE_DROP_SEQNO_RATE] -
				 st0.drops[ROUTE_DROP_SEQNO_RATE]));

	/* One such packet every 10 ms for 10 s, each asking for 2^31 - 1 more. */
	t0 = netsim_now(w->sim);
	while (netsim_now(w->sim) < t0 + window) {
		len = encode_requests(self, route_self_seqno(r0) + 0x7fffffe0u, buf);
		route_receive(r0, &from, buf, (size_t)len);
		run_checked(w, 10, NULL);
	}
	s2 = route_self_seqno(r0);
	tap(s2 - s1 >= 1 && s2 - s1 <= window / ROUTE_SEQNO_BUMP_MS + 1,
	    "seqno requests: a flood for 10 s from one neighbour moves the seqno by %u "
	    "(bound %llu)", s2 - s1, (unsigned long long)(window / ROUTE_SEQNO_BUMP_MS + 1));
	run_checked(w, 5000, NULL);
	tap(converged(w, &ex) && route_lookup(w->t[2].r, self, &c) && c.seqno == s2,
	    "seqno requests: the network stays converged on the raised seqno %u", s2);
	report_loops(w, "seqno requests");
	world_free(w);
}

/* The origin @i signs and sends (through its neighbour) its own route at @seqno. */
static void inject_own(struct world *w, int i, uint32_t seqno)
{
	struct xm_peer_ref from;
	uint8_t msg[ROUTE_SIG_MSG_LEN], sig[XM_SIG_LEN], buf[XM_MSG_BODY_MAX];
	int len;

	route_sig_msg(msg, netsim_node_id(w->sim, i), seqno);
	netsim_env(w->sim, i)->sign(netsim_env(w->sim, i)->ctx, sig, msg, sizeof(msg));
	len = encode_update(netsim_node_pk(w->sim, i), seqno, 16, sig, buf);
	peer_of(w, 1, 2, &from);
	route_receive(w->t[i].r, &from, buf, (size_t)len);
}

static int fd_of(void *arg, const struct route_info *ri)
{
	struct route_info *want = arg;

	if (!xm_node_id_cmp(&ri->sel.dst, &want->sel.dst))
		*want = *ri;
	return 0;
}

/*
 * Sequence numbers compare modulo 2^32 (RFC 8966 3.2.1): at the wrap, 0
 * is newer than 0xffffffff, and routes stay feasible across it.
 */
static void test_seqno_wrap(void)
{
	struct world *w;
	struct expect ex = { .ring = false };
	const struct xm_node_id *id0;
	struct route_info ri = { 0 };
	struct route_change c = { 0 };
	struct xm_peer_ref from;
	uint8_t buf[XM_MSG_BODY_MAX];
	bool ok;
	int len;

	tap(route_seq_newer(0, 0xffffffffu) && route_seq_newer(5, 0xfffffff0u) &&
		    !route_seq_newer(0xffffffffu, 0) && !route_seq_newer(7, 7) &&
		    route_seq_newer(0x7fffffffu, 0) && !route_seq_newer(0x80000000u, 0) &&
		    route_seq_newer(0x7ffffffeu, 0xffffffffu) && !route_seq_newer(0x7fffffffu, 0xffffffffu),
	    "seqno wrap: modular comparison at 0xffffffff/0 and at half the space");
	w = world_new(3, false, 1, 5, 45);
	id0 = netsim_node_id(w->sim, 0);
	tap(run_converge(w, &ex, 30000) >= 0, "seqno wrap: line3 converges");
	/* Node 0 continues above its own (signed) seqnos: up to the wrap point in halves. */
	inject_own(w, 0, 0x7fff0000u);
	run_checked(w, 2000, NULL);
	inject_own(w, 0, 0xfffe0000u);
	run_checked(w, 2000, NULL);
	inject_own(w, 0, 0xfffffffdu);
	run_checked(w, 3000, NULL);
	ok = route_lookup(w->t[2].r, id0, &c);
	ok = ok && route_self_seqno(w->t[0].r) == 0xfffffffeu && c.seqno == 0xfffffffeu;
	tap(ok, "seqno wrap: node 0 at seqno 0x%x, node 2 routes to it at 0x%x",
	    route_self_seqno(w->t[0].r), c.seqno);
	/* Four requests, a bump interval apart: 0xffffffff, 0, 1, 2. */
	peer_of(w, 1, 2, &from);
	for (int k = 0; k < 4; k++) {
		len = encode_requests(id0, route_self_seqno(w->t[0].r) + 1, buf);
		route_receive(w->t[0].r, &from, buf, (size_t)len);
		run_checked(w, ROUTE_SEQNO_BUMP_MS + 100, NULL);
	}
	run_checked(w, 3000, NULL);
	ri.sel.dst = *id0;
	route_foreach(w->t[2].r, fd_of, &ri);
	ok = route_lookup(w->t[2].r, id0, &c);
	tap(ok && route_self_seqno(w->t[0].r) == 2 && c.seqno == 2 && ri.fd_valid &&
		    ri.fd_seqno == 2 && converged(w, &ex),
	    "seqno wrap: across the wrap node 2 follows node 0 to seqno %u (feasibility distance "
	    "%u), still converged", c.seqno, ri.fd_seqno);
	report_loops(w, "seqno wrap");
	world_free(w);
}

/* Every interval received lies in [ROUTE_MSG_INTERVAL_MIN_MS, ROUTE_MSG_INTERVAL_MAX_MS]. */
static void test_intervals(void)
{
	static const uint32_t bad[] = { 0, 1, ROUTE_MSG_INTERVAL_MIN_MS - 1,
					ROUTE_MSG_INTERVAL_MAX_MS + 1, 0xffffffffu };
	static const uint32_t good[] = { ROUTE_MSG_INTERVAL_MIN_MS, ROUTE_MSG_INTERVAL_MAX_MS };
	struct world *w = world_new(2, false, 1, 5, 46);
	struct expect ex = { .ring = false };
	struct route_stats st0, st1;
	struct xm_peer_ref from;
	uint8_t buf[XM_MSG_BODY_MAX];
	struct route_msg m, out;
	unsigned int refused = 0, accepted = 0, sent = 0;

	tap(run_converge(w, &ex, 30000) >= 0, "intervals: line2 converges");
	peer_of(w, 1, 2, &from);
	route_get_stats(w->t[0].r, &st0);
	for (int kind = 0; kind < 3; kind++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + 2; i++) {
			bool is_bad = i < sizeof(bad) / sizeof(bad[0]);
			uint32_t v = is_bad ? bad[i] : good[i - sizeof(bad) / sizeof(bad[0])];
			int len;

			memset(&m, 0, sizeof(m));
			if (kind == 0) {
				m.has_hello = true;
				m.hello.interval_ms = v;
				m.hello.seqno = 1000 + (uint32_t)i;
				m.hello.instance = 1;
			} else if (kind == 1) {
				m.has_ihu = true;
				m.ihu.interval_ms = v;
			} else {
				m.n_updates = 1;
				memcpy(m.updates[0].origin_pk, netsim_node_pk(w->sim, 1),
				       XM_PUBKEY_LEN);
				m.updates[0].interval_ms = v;
			}
			len = route_msg_encode(&m, buf, sizeof(buf));
			if (is_bad) {
				refused += route_msg_decode(&out, buf, (size_t)len) == -EBADMSG;
				route_receive(w->t[0].r, &from, buf, (size_t)len);
				sent++;
			} else {
				accepted += route_msg_decode(&out, buf, (size_t)len) == 0;
			}
		}
	}
	route_get_stats(w->t[0].r, &st1);
	tap(refused == sent && accepted == 6 &&
		    st1.drops[ROUTE_DROP_MALFORMED] - st0.drops[ROUTE_DROP_MALFORMED] == sent,
	    "intervals: hello, IHU and update intervals outside [%u, %u] ms refused (%u of %u, "
	    "%llu counted), the bounds themselves accepted", ROUTE_MSG_INTERVAL_MIN_MS,
	    ROUTE_MSG_INTERVAL_MAX_MS, refused, sent,
	    (unsigned long long)(st1.drops[ROUTE_DROP_MALFORMED] - st0.drops[ROUTE_DROP_MALFORMED]));
	world_free(w);
}

int main(void)
{
	const char *env_seed = getenv("ROUTE_SIM_SEED");

	if (sodium_init() < 0)
		return 2;
	if (env_seed)
		seed_base = strtoull(env_seed, NULL, 0) * 1000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_line();
	test_ring();
	test_ring_fast();
	test_lossy_ring();
	test_forged();
	test_rtt();
	test_flap();
	test_restart();
	test_stall();
	test_bounds();
	test_seqno_requests();
	test_seqno_wrap();
	test_intervals();
	return tap_done();
}
