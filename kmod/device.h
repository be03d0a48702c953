/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xmesh overlay device: one net_device per mesh membership, holding
 * the node's identity and the data-plane configuration.
 */

#ifndef _XMESH_DEVICE_H
#define _XMESH_DEVICE_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <net/rtnetlink.h>

#include <linux/xmesh_wire.h>

#include "datapath.h"

/*
 * Default MTU: an inner packet plus the xmesh header and tag, in UDP over
 * IPv6 (the larger outer header), fits a 1500-byte underlay. Rounded down
 * to the padding unit so that padding never pushes a full-size packet
 * over the underlay MTU: 1500 - 40 - 8 - 48 = 1404 -> 1392.
 */
#define XMESH_UNDERLAY_MTU	1500
#define XMESH_OUTER_OVERHEAD	(40 + 8 + XMESH_WIRE_OVERHEAD)
#define XMESH_DEFAULT_MTU \
	ALIGN_DOWN(XMESH_UNDERLAY_MTU - XMESH_OUTER_OVERHEAD, XMESH_WIRE_PAD)
#define XMESH_MIN_MTU		1280	/* IPv6 minimum link MTU */
#define XMESH_MAX_MTU		65000

struct xmesh_device {
	struct net_device *dev;

	/*
	 * Serialises configuration changes of this device (netlink
	 * handlers). Taken after rtnl_lock when both are needed. The data
	 * path reads the fields below locklessly (READ_ONCE); writers hold
	 * conf_lock and use WRITE_ONCE.
	 */
	struct mutex conf_lock;

	u64 node_id;		/* 0 until xmeshd sets it */
	u16 listen_port;	/* 0 = closed; unique among a netns' devices */
	u32 flags;		/* enum xmesh_dev_flags */

	/* Bumped on every configuration change; read without a lock. */
	atomic_t generation;

	/* Peers, keys, routes, tenants, sockets: kmod/datapath.h. */
	struct xmesh_dp dp;
};

extern struct rtnl_link_ops xmesh_link_ops;

int xmesh_device_init(void);
void xmesh_device_uninit(void);

static inline bool netif_is_xmesh(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &xmesh_link_ops;
}

void xmesh_device_changed(struct xmesh_device *xd);
u32 xmesh_net_seq(const struct net *net);
struct xmesh_device *xmesh_device_by_port(struct net *net, u16 port);

#endif /* _XMESH_DEVICE_H */
