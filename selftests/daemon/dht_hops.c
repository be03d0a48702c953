// SPDX-License-Identifier: GPL-2.0
/*
 * Lookup hop counts of the DHT in netsim, for `make bench` (tools/bench/dht).
 *
 *	dht_hops N... 	prints, for each network size N:
 *	dht_lookup_hops_p50_N: V
 *	dht_lookup_hops_max_N: V
 *	dht_lookup_hops_ceil_log2_N: V
 *	dht_lookup_sim_ms_p50_N: V ms	(simulated time, see below)
 *
 * N nodes join one every 100 ms from one seed (k=20, alpha=3, 3 disjoint
 * paths, 5-40 ms simulated latency) and settle for a minute; then 300
 * lookups of a random node's id from random other nodes. A lookup's hop
 * count is the depth at which the target itself answered: a node from the
 * asker's own table is hop 1, a node learned from a hop-1 reply is hop 2,
 * and so on. The simulated duration of the lookups (one-way latency uniform
 * in 5..40 ms, no processing time) is printed too: it is a property of the
 * model, not a measurement. Deterministic (seed 1).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dht.h"
#include "netsim.h"

#define LOOKUPS 300

struct hop_run {
	bool done;
	bool found;
	unsigned int hops;
	uint64_t ms;
	struct xm_node_id want;
};

static void deliver(void *ctx, const struct xm_peer_ref *from, enum xm_msg_kind kind,
		    const uint8_t *body, size_t len)
{
	if (kind == XM_MSG_DHT)
		dht_receive(ctx, from, body, len);
}

static uint64_t tick(void *ctx)
{
	return dht_tick(ctx);
}

static const struct netsim_handler handler = { .deliver = deliver, .tick = tick };

static void on_done(void *arg, const struct dht_result *res)
{
	struct hop_run *r = arg;

	r->done = true;
	r->hops = res->hops;
	r->ms = res->elapsed_ms;
	for (unsigned int i = 0; i < res->n_closest; i++)
		if (!xm_node_id_cmp(&res->closest[i].id, &r->want))
			r->found = true;
}

static bool run_done(void *arg)
{
	return ((struct hop_run *)arg)->done;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static int measure(int n)
{
	struct netsim *sim = netsim_new(&(struct netsim_config){
		.seed = 1, .latency_min_ms = 5, .latency_max_ms = 40, .puzzle_bits = 4 });
	struct dht **d = calloc((size_t)n, sizeof(*d));
	unsigned int hops[LOOKUPS], ms[LOOKUPS];
	struct dht_config cfg;
	int ok = 0;

	if (!sim || !d)
		return -1;
	dht_config_default(&cfg);
	cfg.puzzle_bits = 4;
	for (int i = 0; i < n; i++) {
		netsim_add_node(sim);
		d[i] = dht_new(&cfg, netsim_env(sim, i), netsim_node_pk(sim, i),
			       netsim_node_addr(sim, i));
		if (!d[i])
			return -1;
		netsim_set_handler(sim, i, &handler, d[i]);
		if (i)
			dht_bootstrap(d[i], netsim_node_addr(sim, 0), 1);
		netsim_run_for(sim, 100);
	}
	netsim_run_for(sim, 60000);
	for (int l = 0; l < LOOKUPS; l++) {
		int from = (int)(netsim_rand(sim) % (uint64_t)n);
		int to = (int)(netsim_rand(sim) % (uint64_t)n);
		struct hop_run r = { 0 };

		if (to == from)
			to = (to + 1) % n;
		r.want = *netsim_node_id(sim, to);
		if (dht_lookup_node(d[from], &r.want, on_done, &r))
			return -1;
		netsim_poke(sim, from);
		netsim_run_until(sim, run_done, &r, 60000);
		hops[l] = r.hops;
		ms[l] = (unsigned int)r.ms;
		ok += r.found;
	}
	qsort(hops, LOOKUPS, sizeof(hops[0]), cmp_uint);
	qsort(ms, LOOKUPS, sizeof(ms[0]), cmp_uint);
	printf("dht_lookup_hops_p50_%d: %u\n", n, hops[LOOKUPS / 2]);
	printf("dht_lookup_hops_max_%d: %u\n", n, hops[LOOKUPS - 1]);
	printf("dht_lookup_hops_ceil_log2_%d: %d\n", n, (int)ceil(log2(n)));
	printf("dht_lookup_sim_ms_p50_%d: %u ms\n", n, ms[LOOKUPS / 2]);
	if (ok != LOOKUPS)
		fprintf(stderr, "dht_hops: %d of %d lookups of %d nodes missed their target\n",
			LOOKUPS - ok, LOOKUPS, n);
	for (int i = 0; i < n; i++)
		dht_free(d[i]);
	free(d);
	netsim_free(sim);
	return ok == LOOKUPS ? 0 : 1;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (sodium_init() < 0 || argc < 2) {
		fprintf(stderr, "usage: dht_hops N...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int n = atoi(argv[i]);

		if (n < 2 || n > NETSIM_MAX_NODES) {
			fprintf(stderr, "dht_hops: %s: between 2 and %d nodes\n", argv[i],
				NETSIM_MAX_NODES);
			return 2;
		}
		rc |= measure(n);
		fflush(stdout);
	}
	return rc;
}
