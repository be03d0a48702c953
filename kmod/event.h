/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event notifications on the family's "events" multicast group. Callable
 * from any context; nothing is built when nobody listens.
 */
#ifndef _XMESH_EVENT_H
#define _XMESH_EVENT_H

#include <linux/types.h>

struct xmesh_dp;
struct xmesh_peer;
struct xmesh_prefix;
struct xmesh_tenant;

void xmesh_event_peer(struct xmesh_dp *dp, u32 event, struct xmesh_peer *peer);
void xmesh_event_tenant(struct xmesh_dp *dp, u32 event,
			struct xmesh_tenant *tenant);
void xmesh_event_route(struct xmesh_dp *dp, const struct xmesh_prefix *p,
		       u64 node_id);
void xmesh_event_nexthop(struct xmesh_dp *dp, u64 dst, u64 via, u32 metric);

#endif /* _XMESH_EVENT_H */
