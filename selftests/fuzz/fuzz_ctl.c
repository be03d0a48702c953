// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the local control protocol, both ends.
 *
 * Daemon side: a whole node (on the io simulator) handles the input as a
 * control request (xmeshd/node_ctl.c), lookups included, and the simulation
 * then runs for a while so that those complete. Client side: the input is
 * decoded as a response the way xmeshctl does.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl_sock.h"
#include "io_sim.h"
#include "log.h"
#include "node.h"
#include "node_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void io_rand(void *ctx, void *buf, size_t len)
{
	struct xm_io *io = ctx;

	io->ops->random(io, buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xm_sim *sim;
	static struct node *n;
	Xmesh__CtlResponse *r;

	if (!sim) {
		struct xm_sim_config sc = { .seed = 1, .latency_min_ms = 1, .latency_max_ms = 5 };
		struct xmd_config cfg;
		struct identity id;
		struct xm_io *io;

		if (sodium_init() < 0)
			abort();
		log_init(LOG_LVL_ERR - 1, NULL);
		sim = xm_sim_new(&sc);
		io = xm_sim_host_new(sim);
		config_defaults(&cfg);
		cfg.ctl_socket[0] = 0;
		cfg.kernel = XMD_KERNEL_OFF;
		cfg.puzzle_bits = 0;
		xm_sim_host_addr(io, &cfg.listen, 51831);
		xm_sim_host_addr(io, &cfg.seeds[cfg.n_seeds++], 51832); /* nobody there */
		identity_generate(&id, 0, io_rand, io);
		n = node_new(&cfg, io, &id);
		if (!n || node_start(n))
			abort();
	}
	/* The answer goes to a channel that does not exist: dropped. */
	node_ctl_request(n, 1000, data, size);
	xm_sim_run_for(sim, 3000);

	r = xmesh__ctl_response__unpack(NULL, size, data);
	if (r) {
		for (size_t i = 0; i < r->n_peers; i++)
			if (!r->peers[i])
				abort();
		xmesh__ctl_response__free_unpacked(r, NULL);
	}
	return 0;
}
