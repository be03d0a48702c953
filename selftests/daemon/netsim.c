// SPDX-License-Identifier: GPL-2.0
/*
 * netsim: deterministic network and clock simulator (see netsim.h).
 *
 * Everything that happens is an event in one binary heap ordered by
 * (time, sequence number): message deliveries and node ticks. Ties break by
 * insertion order, so a run depends only on the seed and the test's calls.
 */
#include "netsim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define NETSIM_PORT 7000
#define NETSIM_MAX_LINKS_PER_NODE 8

enum ev_type { EV_MSG, EV_TICK };

struct event {
	uint64_t at;
	uint64_t seq;
	enum ev_type type;
	int node;         /* receiver, or the node to tick */
	uint64_t gen;     /* EV_TICK: valid only if equal to the node's tick_gen */
	int from;         /* EV_MSG */
	int ifindex;      /* EV_MSG: receiver's ifindex for link messages, else 0 */
	bool ll;          /* EV_MSG: sent from the sender's link-local address */
	enum xm_msg_kind kind;
	uint8_t *body;
	size_t len;
};

struct sim_link_port {
	int link;
	int ifindex;
};

struct sim_node {
	struct netsim *sim;
	int index;
	bool up;
	int group;
	struct xm_env env;
	struct xm_node_id id;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	struct xm_addr addr;
	struct xm_addr ll_addr; /* on its links */
	uint64_t rng;
	const struct netsim_handler *h;
	void *ctx;
	uint64_t tick_at; /* pending tick time, NETSIM_NO_DEADLINE if none */
	uint64_t tick_gen;
	struct sim_link_port ports[NETSIM_MAX_LINKS_PER_NODE];
	int nports;
};

struct netsim {
	struct netsim_config cfg;
	uint64_t now;
	uint64_t seq;
	uint64_t rng;
	struct sim_node *nodes;
	int nnodes;
	uint8_t *cut; /* NETSIM_MAX_NODES^2 bits */
	struct event *heap;
	size_t heap_len, heap_cap;
	struct netsim_stats st;
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool ev_before(const struct event *a, const struct event *b)
{
	return a->at != b->at ? a->at < b->at : a->seq < b->seq;
}

static void heap_push(struct netsim *sim, struct event ev)
{
	size_t i;

	if (sim->heap_len == sim->heap_cap) {
		size_t cap = sim->heap_cap ? 2 * sim->heap_cap : 1024;
		struct event *h = realloc(sim->heap, cap * sizeof(*h));

		if (!h) {
			fprintf(stderr, "netsim: out of memory\n");
			abort();
		}
		sim->heap = h;
		sim->heap_cap = cap;
	}
	ev.seq = sim->seq++;
	i = sim->heap_len++;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!ev_before(&ev, &sim->heap[p]))
			break;
		sim->heap[i] = sim->heap[p];
		i = p;
	}
	sim->heap[i] = ev;
}

static struct event heap_pop(struct netsim *sim)
{
	struct event top = sim->heap[0];
	struct event last = sim->heap[--sim->heap_len];
	size_t i = 0, n = sim->heap_len;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && ev_before(&sim->heap[c + 1], &sim->heap[c]))
			c++;
		if (!ev_before(&sim->heap[c], &last))
			break;
		sim->heap[i] = sim->heap[c];
		i = c;
	}
	if (n)
		sim->heap[i] = last;
	return top;
}

static void schedule_tick(struct netsim *sim, struct sim_node *n, uint64_t at)
{
	if (!n->h || !n->h->tick || at >= n->tick_at)
		return;
	n->tick_at = at;
	n->tick_gen++;
	heap_push(sim, (struct event){ .at = at, .type = EV_TICK, .node = n->index,
				       .gen = n->tick_gen });
}

static bool cut_get(const struct netsim *sim, int a, int b)
{
	size_t bit = (size_t)a * NETSIM_MAX_NODES + (size_t)b;

	return sim->cut[bit / 8] & (1u << (bit % 8));
}

static bool reachable(const struct netsim *sim, int a, int b)
{
	return sim->nodes[a].up && sim->nodes[b].up &&
	       sim->nodes[a].group == sim->nodes[b].group && !cut_get(sim, a, b);
}

/* Queues one copy of a body from @from to @to, applying loss and latency. */
static void transmit(struct netsim *sim, int from, int to, int ifindex, bool ll,
		     enum xm_msg_kind kind, const uint8_t *body, size_t len)
{
	uint32_t span = sim->cfg.latency_max_ms - sim->cfg.latency_min_ms + 1;
	struct event ev = { .type = EV_MSG, .node = to, .from = from, .ifindex = ifindex,
			    .ll = ll, .kind = kind, .len = len };

	sim->st.sent++;
	if (!reachable(sim, from, to)) {
		sim->st.unreachable++;
		return;
	}
	if (sim->cfg.loss_permille && splitmix64(&sim->rng) % 1000 < sim->cfg.loss_permille) {
		sim->st.lost++;
		return;
	}
	ev.body = malloc(len ? len : 1);
	if (!ev.body) {
		fprintf(stderr, "netsim: out of memory\n");
		abort();
	}
	memcpy(ev.body, body, len);
	ev.at = sim->now + sim->cfg.latency_min_ms + splitmix64(&sim->rng) % span;
	heap_push(sim, ev);
}

static uint64_t env_now_ms(void *ctx)
{
	return ((struct sim_node *)ctx)->sim->now;
}

static void env_random(void *ctx, void *buf, size_t len)
{
	struct sim_node *n = ctx;
	uint8_t *p = buf;

	while (len) {
		uint64_t r = splitmix64(&n->rng);
		size_t c = len < sizeof(r) ? len : sizeof(r);

		memcpy(p, &r, c);
		p += c;
		len -= c;
	}
}

static int env_send(void *ctx, enum xm_msg_kind kind, const struct xm_addr *to,
		  const struct xm_node_id *to_id, const uint8_t *body, size_t len)
{
	(void)to_id;
	struct sim_node *n = ctx;
	int dst;

	if (len > XM_MSG_BODY_MAX)
		return -EMSGSIZE;
	if (!n->up)
		return -ENETDOWN;
	dst = netsim_node_by_addr(n->sim, to);
	if (dst < 0) {
		n->sim->st.sent++;
		n->sim->st.unreachable++;
		return 0; /* UDP: a send to nowhere succeeds and is lost */
	}
	/* To a link-local address, from ours (as the kernel picks the source). */
	transmit(n->sim, n->index, dst, 0, xm_addr_equal(to, &n->sim->nodes[dst].ll_addr), kind,
		 body, len);
	return 0;
}

static int env_send_link(void *ctx, enum xm_msg_kind kind, int ifindex, const uint8_t *body,
			 size_t len)
{
	struct sim_node *n = ctx;
	struct netsim *sim = n->sim;
	int link = -1;

	if (len > XM_MSG_BODY_MAX)
		return -EMSGSIZE;
	if (!n->up)
		return -ENETDOWN;
	for (int i = 0; i < n->nports; i++)
		if (n->ports[i].ifindex == ifindex)
			link = n->ports[i].link;
	if (link < 0)
		return -ENODEV;
	for (int j = 0; j < sim->nnodes; j++) {
		struct sim_node *m = &sim->nodes[j];

		if (j == n->index)
			continue;
		for (int i = 0; i < m->nports; i++)
			if (m->ports[i].link == link)
				transmit(sim, n->index, j, m->ports[i].ifindex, true, kind, body,
					 len);
	}
	return 0;
}

static void env_sign(void *ctx, uint8_t sig[XM_SIG_LEN], const uint8_t *msg, size_t len)
{
	struct sim_node *n = ctx;

	crypto_sign_detached(sig, NULL, msg, len, n->sk);
}

static bool env_verify(void *ctx, const uint8_t pk[XM_PUBKEY_LEN], const uint8_t sig[XM_SIG_LEN],
		       const uint8_t *msg, size_t len)
{
	(void)ctx;
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

struct netsim *netsim_new(const struct netsim_config *cfg)
{
	struct netsim *sim;

	if (sodium_init() < 0 || cfg->latency_max_ms < cfg->latency_min_ms ||
	    cfg->loss_permille > 1000)
		return NULL;
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return NULL;
	sim->cfg = *cfg;
	sim->rng = cfg->seed;
	sim->nodes = calloc(NETSIM_MAX_NODES, sizeof(*sim->nodes));
	sim->cut = calloc((size_t)NETSIM_MAX_NODES * NETSIM_MAX_NODES / 8, 1);
	if (!sim->nodes || !sim->cut) {
		netsim_free(sim);
		return NULL;
	}
	return sim;
}

void netsim_free(struct netsim *sim)
{
	if (!sim)
		return;
	for (size_t i = 0; i < sim->heap_len; i++)
		free(sim->heap[i].body);
	free(sim->heap);
	free(sim->cut);
	if (sim->nodes)
		for (int i = 0; i < sim->nnodes; i++)
			sodium_memzero(sim->nodes[i].sk, sizeof(sim->nodes[i].sk));
	free(sim->nodes);
	free(sim);
}

/* A key pair derived from (seed, index, attempt) whose id meets the puzzle. */
static void make_identity(struct netsim *sim, struct sim_node *n)
{
	for (uint64_t attempt = 0;; attempt++) {
		uint64_t in[3] = { sim->cfg.seed, (uint64_t)n->index, attempt };
		uint8_t seed[crypto_sign_SEEDBYTES];

		crypto_generichash(seed, sizeof(seed), (const uint8_t *)in, sizeof(in), NULL, 0);
		crypto_sign_seed_keypair(n->pk, n->sk, seed);
		xm_node_id_from_pubkey(&n->id, n->pk);
		if (xm_node_id_puzzle_ok(&n->id, sim->cfg.puzzle_bits))
			return;
	}
}

int netsim_add_node(struct netsim *sim)
{
	struct sim_node *n;
	uint32_t ip;

	if (sim->nnodes >= NETSIM_MAX_NODES)
		return -ENOSPC;
	n = &sim->nodes[sim->nnodes];
	n->sim = sim;
	n->index = sim->nnodes++;
	n->up = true;
	n->tick_at = NETSIM_NO_DEADLINE;
	n->rng = sim->cfg.seed ^ (0x5851f42d4c957f2dULL * (uint64_t)(n->index + 1));
	make_identity(sim, n);
	ip = 0x0a000000u + (uint32_t)n->index + 1; /* 10.0.0.1, 10.0.0.2, ... */
	xm_addr_from_v4(&n->addr, __builtin_bswap32(ip), NETSIM_PORT);
	/* 169.254.0.1, ... on its links (mesh routing takes link-local sources only). */
	xm_addr_from_v4(&n->ll_addr, __builtin_bswap32(ip - 0x0a000000u + 0xa9fe0000u), NETSIM_PORT);
	n->env = (struct xm_env){
		.ctx = n,
		.now_ms = env_now_ms,
		.random = env_random,
		.send = env_send,
		.send_link = env_send_link,
		.sign = env_sign,
		.verify = env_verify,
	};
	return n->index;
}

int netsim_node_count(const struct netsim *sim)
{
	return sim->nnodes;
}

const struct xm_env *netsim_env(struct netsim *sim, int node)
{
	return &sim->nodes[node].env;
}

const struct xm_node_id *netsim_node_id(const struct netsim *sim, int node)
{
	return &sim->nodes[node].id;
}

const uint8_t *netsim_node_pk(const struct netsim *sim, int node)
{
	return sim->nodes[node].pk;
}

const struct xm_addr *netsim_node_addr(const struct netsim *sim, int node)
{
	return &sim->nodes[node].addr;
}

const struct xm_addr *netsim_node_ll_addr(const struct netsim *sim, int node)
{
	return &sim->nodes[node].ll_addr;
}

int netsim_node_by_addr(const struct netsim *sim, const struct xm_addr *addr)
{
	uint32_t ip;
	int64_t i;

	/* Addresses are allocated densely, so the index is the host part. */
	if (!xm_addr_is_v4(addr) || addr->port != NETSIM_PORT)
		return -1;
	memcpy(&ip, &addr->ip.s6_addr[12], 4);
	i = (int64_t)__builtin_bswap32(ip) - 0x0a000001;
	if (__builtin_bswap32(ip) >> 16 == 0xa9fe)
		i = (int64_t)__builtin_bswap32(ip) - 0xa9fe0001;
	return (i >= 0 && i < sim->nnodes) ? (int)i : -1;
}

void netsim_set_handler(struct netsim *sim, int node, const struct netsim_handler *h, void *ctx)
{
	struct sim_node *n = &sim->nodes[node];

	n->h = h;
	n->ctx = ctx;
	n->tick_at = NETSIM_NO_DEADLINE;
	n->tick_gen++; /* forget ticks of the previous handler */
	schedule_tick(sim, n, sim->now);
}

void netsim_poke(struct netsim *sim, int node)
{
	schedule_tick(sim, &sim->nodes[node], sim->now);
}

void netsim_kill(struct netsim *sim, int node)
{
	struct sim_node *n = &sim->nodes[node];

	n->up = false;
	n->tick_at = NETSIM_NO_DEADLINE;
	n->tick_gen++;
}

void netsim_revive(struct netsim *sim, int node)
{
	struct sim_node *n = &sim->nodes[node];

	if (n->up)
		return;
	n->up = true;
	schedule_tick(sim, n, sim->now);
}

bool netsim_is_up(const struct netsim *sim, int node)
{
	return sim->nodes[node].up;
}

void netsim_set_group(struct netsim *sim, int node, int group)
{
	sim->nodes[node].group = group;
}

void netsim_set_cut(struct netsim *sim, int a, int b, bool cut)
{
	size_t ab = (size_t)a * NETSIM_MAX_NODES + (size_t)b;
	size_t ba = (size_t)b * NETSIM_MAX_NODES + (size_t)a;

	if (cut) {
		sim->cut[ab / 8] |= (uint8_t)(1u << (ab % 8));
		sim->cut[ba / 8] |= (uint8_t)(1u << (ba % 8));
	} else {
		sim->cut[ab / 8] &= (uint8_t)~(1u << (ab % 8));
		sim->cut[ba / 8] &= (uint8_t)~(1u << (ba % 8));
	}
}

void netsim_set_loss(struct netsim *sim, uint32_t loss_permille)
{
	sim->cfg.loss_permille = loss_permille > 1000 ? 1000 : loss_permille;
}

int netsim_link_join(struct netsim *sim, int node, int link, int ifindex)
{
	struct sim_node *n = &sim->nodes[node];

	if (ifindex <= 0)
		return -EINVAL;
	if (n->nports >= NETSIM_MAX_LINKS_PER_NODE)
		return -ENOSPC;
	n->ports[n->nports++] = (struct sim_link_port){ .link = link, .ifindex = ifindex };
	return 0;
}

uint64_t netsim_now(const struct netsim *sim)
{
	return sim->now;
}

static void run_event(struct netsim *sim, struct event *ev)
{
	struct sim_node *n = &sim->nodes[ev->node];

	if (ev->type == EV_TICK) {
		uint64_t ms;

		if (ev->gen != n->tick_gen || !n->up || !n->h || !n->h->tick)
			return;
		n->tick_at = NETSIM_NO_DEADLINE;
		ms = n->h->tick(n->ctx);
		/* A deadline of 0 would spin the clock; time must advance. */
		if (ms != NETSIM_NO_DEADLINE)
			schedule_tick(sim, n, sim->now + (ms ? ms : 1));
		return;
	}
	if (!reachable(sim, ev->from, ev->node)) {
		sim->st.unreachable++;
	} else if (n->h && n->h->deliver) {
		const struct sim_node *f = &sim->nodes[ev->from];
		/*
		 * No envelope here: every sender is addressed and validated, and
		 * one hop from every other: TTL 255 (io.h's XM_IO_TTL).
		 */
		struct xm_peer_ref ref = { .id = f->id, .addr = ev->ll ? f->ll_addr : f->addr,
					   .ifindex = ev->ifindex, .ttl = 255,
					   .addressed = true, .validated = true };

		memcpy(ref.pk, f->pk, sizeof(ref.pk));
		sim->st.delivered++;
		n->h->deliver(n->ctx, &ref, ev->kind, ev->body, ev->len);
		schedule_tick(sim, n, sim->now);
	}
	free(ev->body);
}

static bool run_one(struct netsim *sim, uint64_t end)
{
	struct event ev;

	if (!sim->heap_len || sim->heap[0].at > end)
		return false;
	ev = heap_pop(sim);
	sim->now = ev.at;
	run_event(sim, &ev);
	return true;
}

void netsim_run_for(struct netsim *sim, uint64_t ms)
{
	uint64_t end = sim->now + ms;

	while (run_one(sim, end))
		;
	sim->now = end;
}

bool netsim_run_until(struct netsim *sim, bool (*done)(void *arg), void *arg, uint64_t max_ms)
{
	uint64_t end = sim->now + max_ms;

	if (done(arg))
		return true;
	while (run_one(sim, end))
		if (done(arg))
			return true;
	sim->now = end;
	return false;
}

void netsim_get_stats(const struct netsim *sim, struct netsim_stats *st)
{
	*st = sim->st;
}

uint64_t netsim_rand(struct netsim *sim)
{
	return splitmix64(&sim->rng);
}
