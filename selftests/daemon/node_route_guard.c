// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh routing takes neighbours from the link only (GTSM, as Babel
 * requires): whole xmeshd nodes in the io simulator, four on one link.
 * Node 1's datagrams arrive with TTL 254 (it is a router away), node 2 has
 * no link-local address (it sends from its global one), node 3 is a proper
 * neighbour. Node 0 must take node 3 as its neighbour and neither of the
 * others, and count why. Prints TAP.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "io_sim.h"
#include "log.h"
#include "node.h"
#include "route.h"
#include "tap.h"

#define PUZZLE_BITS 4
#define PORT 51831
#define N 4

static struct xm_io *io[N];
static struct identity id[N];

static void rnd(void *ctx, void *buf, size_t len)
{
	struct xm_io *x = ctx;

	x->ops->random(x, buf, len);
}

struct neigh_find {
	const struct xm_node_id *want;
	unsigned int count;
	bool found;
};

static int find_neigh(void *arg, const struct route_neigh_info *ni)
{
	struct neigh_find *f = arg;

	f->count++;
	if (!xm_node_id_cmp(&ni->id, f->want))
		f->found = true;
	return 0;
}

static bool has_neigh(struct node *n, int who, unsigned int *count)
{
	struct neigh_find f = { .want = &id[who].id };

	route_neigh_foreach(node_route(n), find_neigh, &f);
	if (count)
		*count = f.count;
	return f.found;
}

int main(void)
{
	struct xm_sim_config sc = { .seed = 5, .latency_min_ms = 1, .latency_max_ms = 5 };
	struct xm_sim *sim;
	struct node *node[N];
	struct xmd_config cfg[N];
	struct route_stats st;
	unsigned int count = 0;

	if (sodium_init() < 0)
		return 2;
	log_init(LOG_LVL_ERR, NULL);
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
		xm_sim_link_attach(io[i], 0, 1);
		c->link_ifindex[0] = 1;
		snprintf(c->links[0], sizeof(c->links[0]), "eth0");
		c->n_links = 1;
		identity_generate(&id[i], PUZZLE_BITS, rnd, io[i]);
	}
	xm_sim_host_set_ttl(io[1], 254);
	xm_sim_host_set_link_local(io[2], false);
	for (int i = 0; i < N; i++) {
		node[i] = node_new(&cfg[i], io[i], &id[i]);
		if (!node[i] || node_start(node[i]))
			return 2;
	}
	xm_sim_run_for(sim, 10000);
	route_get_stats(node_route(node[0]), &st);

	tap(has_neigh(node[0], 3, NULL), "control: a link-local neighbour with TTL 255 is taken");
	tap(!has_neigh(node[0], 1, &count) && st.drops[ROUTE_DROP_TTL] >= 5,
	    "a neighbour whose datagrams arrive with TTL 254 is ignored, and counted (%llu)",
	    (unsigned long long)st.drops[ROUTE_DROP_TTL]);
	tap(!has_neigh(node[0], 2, NULL) && st.drops[ROUTE_DROP_NOT_LINK_LOCAL] >= 5,
	    "a neighbour sending from a non-link-local source is ignored, and counted (%llu)",
	    (unsigned long long)st.drops[ROUTE_DROP_NOT_LINK_LOCAL]);
	tap(count == 1, "node 0 has exactly one neighbour (%u)", count);

	for (int i = 0; i < N; i++)
		node_free(node[i]);
	xm_sim_free(sim);
	return tap_done();
}
