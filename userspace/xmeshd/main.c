// SPDX-License-Identifier: GPL-2.0
/*
 * xmeshd: the xmesh node daemon. Reads its configuration, loads (or makes)
 * its identity, and runs one node on the io_uring event loop until SIGINT
 * or SIGTERM. Documentation/xmeshd.md is the operator's guide.
 */
#include <errno.h>
#include <libgen.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "config.h"
#include "identity.h"
#include "io.h"
#include "log.h"
#include "node.h"

#define RING_ENTRIES 256

/* Create the control socket's directory (0755, as /run/xmesh usually is). */
static int make_socket_dir(const char *sock)
{
	char dir[XMD_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", sock);
	if (mkdir(dirname(dir), 0755) < 0 && errno != EEXIST) {
		log_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct xmd_config cfg;
	struct identity id;
	struct xm_io *io;
	struct node *n;
	int ret;

	log_init(LOG_LVL_INFO, NULL);
	config_defaults(&cfg);
	ret = config_from_args(&cfg, argc, argv);
	if (ret)
		return ret > 0 ? 0 : 2;
	log_init((enum log_level)cfg.log_level, NULL);
	if (sodium_init() < 0) {
		log_err("libsodium failed to initialise");
		return 1;
	}
	for (unsigned int i = 0; i < cfg.n_links; i++) {
		cfg.link_ifindex[i] = (int)if_nametoindex(cfg.links[i]);
		if (!cfg.link_ifindex[i]) {
			log_err("link %s: %s", cfg.links[i], strerror(errno));
			return 1;
		}
	}
	if (identity_load_or_create(&id, cfg.state_dir, cfg.puzzle_bits))
		return 1;
	if (cfg.ctl_socket[0] && make_socket_dir(cfg.ctl_socket))
		return 1;

	io = xm_uring_new(RING_ENTRIES);
	if (!io)
		return 1;
	n = node_new(&cfg, io, &id);
	identity_wipe(&id);
	if (!n) {
		log_err("out of memory");
		xm_uring_free(io);
		return 1;
	}
	ret = node_start(n);
	if (!ret)
		ret = xm_uring_run(io);
	node_free(n);
	xm_uring_free(io);
	log_info("stopped");
	return ret ? 1 : 0;
}
