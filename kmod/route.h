/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mesh routing in two steps: an overlay prefix names its destination node
 * (longest prefix wins), and a destination node is reached through one of
 * its next-hop peers, the lowest metric among those that have an endpoint.
 * A destination without next hops is reached directly when it is a peer
 * with an endpoint.
 */
#ifndef _XMESH_ROUTE_H
#define _XMESH_ROUTE_H

#include <linux/types.h>

#include "lpm.h"

struct sk_buff;
struct xmesh_dp;
struct xmesh_peer;

#define XMESH_MAX_NEXTHOPS	8

struct xmesh_nh {
	u64 via;
	u32 metric;
};

/* Replaced whole on every change, so readers see a consistent set. */
struct xmesh_nhgroup {
	u64 dst;
	unsigned int n;
	struct rcu_head rcu;
	struct xmesh_nh nh[] __counted_by(n);
};

/* Writers: under dp->lock. */
int xmesh_route_set(struct xmesh_dp *dp, const struct xmesh_prefix *p,
		    u64 node_id);
int xmesh_route_del(struct xmesh_dp *dp, const struct xmesh_prefix *p);
int xmesh_nexthop_set(struct xmesh_dp *dp, u64 dst, u64 via, u32 metric);
int xmesh_nexthop_del(struct xmesh_dp *dp, u64 dst, u64 via);
/* Drop every next hop through via (its peer is going away). */
void xmesh_nexthop_remove_via(struct xmesh_dp *dp, u64 via);
void xmesh_nexthop_remove_all(struct xmesh_dp *dp);

/* Readers: under RCU. */
bool xmesh_route_lookup(struct xmesh_dp *dp, const struct sk_buff *skb,
			bool src, u64 *node_id);
struct xmesh_peer *xmesh_next_hop(struct xmesh_dp *dp, u64 dst);

#endif /* _XMESH_ROUTE_H */
