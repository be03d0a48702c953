/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data-path state of one xmesh device: its peers, key indexes, routes,
 * next hops, tenants, UDP sockets and counters. The device embeds one
 * struct xmesh_dp and calls the hooks below from its netdev ops.
 *
 * Locking: writers (genetlink handlers) hold dp->lock; the data path reads
 * everything under RCU (ndo_start_xmit and the UDP receive hook run with
 * bottom halves off). Every change bumps the device's generation, which
 * dumps use to flag NLM_F_DUMP_INTR.
 */
#ifndef _XMESH_DATAPATH_H
#define _XMESH_DATAPATH_H

#include <linux/ipv6.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/udp.h>
#include <linux/xarray.h>
#include <linux/xmesh_wire.h>
#include <net/gro_cells.h>

#include "lpm.h"
#include "stats.h"

/* Room in front of an inner packet for the outer IPv6, UDP, xmesh headers. */
#define XMESH_HEADROOM	(XMESH_WIRE_HDR_LEN + sizeof(struct udphdr) + \
			 sizeof(struct ipv6hdr) + NET_SKB_PAD)
/* Everything the overlay adds: the MTU of xmesh0 is the underlay's minus it. */
#define XMESH_OVERHEAD6	(sizeof(struct ipv6hdr) + sizeof(struct udphdr) + \
			 XMESH_WIRE_OVERHEAD)

#define XMESH_MAX_PEERS		65536
#define XMESH_MAX_ROUTES	BIT(20)
#define XMESH_MAX_TENANTS	65536
#define XMESH_MAX_TENANT_PREFIXES BIT(16)

struct xmesh_dp {
	struct net_device *dev;
	struct mutex lock;		/* serializes all writers below */
	bool dead;			/* uninit ran: refuse changes */

	struct xarray peers;		/* node id -> struct xmesh_peer */
	unsigned int npeers;
	struct xarray indexes;		/* local index -> struct xmesh_keyslot */
	struct xmesh_lpm routes;	/* overlay prefix -> destination node */
	struct xarray nexthops;		/* dst node -> struct xmesh_nhgroup */
	struct xarray tenants;		/* tenant id -> struct xmesh_tenant */
	unsigned int ntenants;
	struct xmesh_lpm tenant_prefixes; /* overlay prefix -> tenant id */
	struct xarray ingress;		/* ifindex -> struct xmesh_tenant */

	struct socket __rcu *sock4;
	struct socket __rcu *sock6;
	u16 port;			/* port the sockets are bound to */
	u32 fwmark;			/* skb->mark of outer packets */

	struct xmesh_stats stats;	/* device-wide counters */
	struct gro_cells gro;
};

/* Hooks for the device (kmod/device.c). */
int xmesh_dp_init(struct xmesh_dp *dp, struct net_device *dev);
void xmesh_dp_uninit(struct xmesh_dp *dp);
void xmesh_dp_destruct(struct xmesh_dp *dp);
void xmesh_dp_setup(struct net_device *dev);
int xmesh_dp_open(struct xmesh_dp *dp, u16 port);
void xmesh_dp_stop(struct xmesh_dp *dp);
struct xmesh_socks;
int xmesh_dp_port_prepare(struct xmesh_dp *dp, u16 port,
			  struct xmesh_socks *socks, bool *rebind);
void xmesh_dp_set_fwmark(struct xmesh_dp *dp, u32 mark);
netdev_tx_t xmesh_dp_xmit(struct sk_buff *skb, struct net_device *dev);

/* What the device knows that the data path reads (datapath.c). */
struct xmesh_dp *xmesh_dp_of(struct net_device *dev);
u64 xmesh_dp_node_id(const struct xmesh_dp *dp);
bool xmesh_dp_relay_enabled(const struct xmesh_dp *dp);
u32 xmesh_dp_generation(const struct xmesh_dp *dp);
/* Record a change of peers, keys, routes or tenants. */
void xmesh_dp_changed(struct xmesh_dp *dp);

#endif /* _XMESH_DATAPATH_H */
