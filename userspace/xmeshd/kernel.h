/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's side of the xmesh module: session keys, peers and next hops
 * pushed over generic netlink (family "xmesh", include/uapi/linux/xmesh.h),
 * and the module's event notifications read back, all through the event
 * loop's netlink channel. The daemon is the only writer of these tables.
 *
 * When the family is not registered (module not loaded, or a host that
 * cannot load modules) kernel_open() returns NULL and the daemon runs as
 * control plane only.
 */
#ifndef XMESHD_KERNEL_H
#define XMESHD_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "handshake.h"
#include "io.h"
#include "route.h"

struct kernel;

/* The module reports that a peer's key reached its packet limit. */
typedef void (*kernel_key_limit_fn)(void *arg, uint64_t kid);

struct kernel_stats {
	uint64_t requests;
	uint64_t errors;
	uint64_t events;
};

/*
 * Resolve the family and start listening to its events. NULL when the
 * module is absent; status then says why (for the log and `xmeshctl node`).
 */
struct kernel *kernel_open(struct xm_io *io, const char *ifname, kernel_key_limit_fn fn,
			   void *arg, char *status, size_t status_len);
/* Give the device this node's kid and data port (DEV_SET). */
int kernel_set_device(struct kernel *k, uint64_t self_kid, uint16_t data_port);
void kernel_close(struct kernel *k);

/* Add (first time) or update a peer and install keys in a new primary slot. */
int kernel_install_keys(struct kernel *k, const struct hs_peer *p, const struct hs_keys *keys,
			uint64_t rekey_packets, bool first);
/* Route an overlay prefix to node kid (ROUTE_NEW), or remove it (ROUTE_DEL). */
int kernel_set_route(struct kernel *k, const struct xmd_prefix *p, uint64_t kid, bool add);
/* Make the module's next hop toward c->dst follow the selected route. */
int kernel_set_nexthop(struct kernel *k, const struct route_change *c);
void kernel_get_stats(const struct kernel *k, struct kernel_stats *st);

#endif
