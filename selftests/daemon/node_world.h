/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A world of whole xmeshd nodes in the io simulator, for the node_*.c
 * tests: every node on a host of its own, node 0 the seed of the others,
 * keys drawn from the simulation's seeded streams so a seed replays a run.
 * No control socket, no kernel, no state directory.
 */
#ifndef XMESH_SELFTESTS_NODE_WORLD_H
#define XMESH_SELFTESTS_NODE_WORLD_H

#include <errno.h>
#include <string.h>

#include "io_sim.h"
#include "node.h"

#define WORLD_MAX_NODES 24
#define PUZZLE_BITS 4
#define PORT 51831

struct world {
	struct xm_sim *sim;
	int n;
	struct xm_io *io[WORLD_MAX_NODES];
	struct node *node[WORLD_MAX_NODES];
	struct identity id[WORLD_MAX_NODES];
	struct xmd_config cfg[WORLD_MAX_NODES];
};

static inline void rnd(void *ctx, void *buf, size_t len)
{
	struct xm_io *io = ctx;

	io->ops->random(io, buf, len);
}

static inline void world_init(struct world *w, uint64_t seed, int n, uint32_t loss)
{
	struct xm_sim_config sc = {
		.seed = seed, .latency_min_ms = 1, .latency_max_ms = 20, .loss_permille = loss,
	};

	memset(w, 0, sizeof(*w));
	w->sim = xm_sim_new(&sc);
	w->n = n;
	for (int i = 0; i < n; i++) {
		struct xmd_config *c = &w->cfg[i];

		w->io[i] = xm_sim_host_new(w->sim);
		config_defaults(c);
		c->ctl_socket[0] = 0;
		c->state_dir[0] = 0; /* no counter mark on disk */
		c->kernel = XMD_KERNEL_OFF;
		c->puzzle_bits = PUZZLE_BITS;
		xm_sim_host_addr(w->io[i], &c->listen, PORT);
		if (i)
			xm_sim_host_addr(w->io[0], &c->seeds[c->n_seeds++], PORT);
		/* Keys from the simulation's seeded stream: the run replays. */
		identity_generate(&w->id[i], PUZZLE_BITS, rnd, w->io[i]);
	}
}

static inline int node_up(struct world *w, int i)
{
	w->node[i] = node_new(&w->cfg[i], w->io[i], &w->id[i]);
	return w->node[i] ? node_start(w->node[i]) : -ENOMEM;
}

static inline void world_free(struct world *w)
{
	for (int i = 0; i < w->n; i++)
		node_free(w->node[i]);
	xm_sim_free(w->sim);
}

#endif
