// SPDX-License-Identifier: GPL-2.0
/* Event notifications on the "events" multicast group. */

#include <net/genetlink.h>

#include "datapath.h"
#include "event.h"
#include "netlink.h"
#include "netlink_dp.h"
#include "netlink_gen.h"
#include "peer.h"
#include "tenant.h"

/* Start an event message, or NULL when nobody listens or memory is short. */
static struct sk_buff *event_new(struct xmesh_dp *dp, u32 event, void **hdr)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&xmesh_nl_family, dev_net(dp->dev),
				XMESH_NLGRP_EVENTS))
		return NULL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &xmesh_nl_family, 0, XMESH_CMD_EVENT_NTF);
	if (!*hdr ||
	    nla_put_u32(msg, XMESH_A_DEV_IFINDEX, dp->dev->ifindex) ||
	    nla_put_u32(msg, XMESH_A_DEV_EVENT, event)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void event_send(struct xmesh_dp *dp, struct sk_buff *msg, void *hdr)
{
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&xmesh_nl_family, dev_net(dp->dev), msg, 0,
				XMESH_NLGRP_EVENTS, GFP_ATOMIC);
}

void xmesh_event_peer(struct xmesh_dp *dp, u32 event, struct xmesh_peer *peer)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = event_new(dp, event, &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, XMESH_A_DEV_PEER);
	if (!nest || nla_put_u64_64bit(msg, XMESH_A_PEER_NODE_ID,
				       peer->node_id, XMESH_A_PEER_PAD)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	event_send(dp, msg, hdr);
}

void xmesh_event_tenant(struct xmesh_dp *dp, u32 event,
			struct xmesh_tenant *tenant)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = event_new(dp, event, &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, XMESH_A_DEV_TENANT);
	if (!nest || nla_put_u32(msg, XMESH_A_TENANT_ID, tenant->id) ||
	    nla_put_u64_64bit(msg, XMESH_A_TENANT_BUDGET_BYTES,
			      READ_ONCE(tenant->budget), XMESH_A_TENANT_PAD)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	event_send(dp, msg, hdr);
}

/* p == NULL: many routes changed at once. */
void xmesh_event_route(struct xmesh_dp *dp, const struct xmesh_prefix *p,
		       u64 node_id)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = event_new(dp, XMESH_EVENT_ROUTE_CHANGED, &hdr);
	if (!msg)
		return;
	if (p) {
		nest = nla_nest_start(msg, XMESH_A_DEV_ROUTE);
		if (!nest || xmesh_nl_put_prefix(msg, p) ||
		    (node_id && nla_put_u64_64bit(msg, XMESH_A_ROUTE_NODE_ID,
						  node_id, XMESH_A_ROUTE_PAD))) {
			nlmsg_free(msg);
			return;
		}
		nla_nest_end(msg, nest);
	}
	event_send(dp, msg, hdr);
}

void xmesh_event_nexthop(struct xmesh_dp *dp, u64 dst, u64 via, u32 metric)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = event_new(dp, XMESH_EVENT_ROUTE_CHANGED, &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, XMESH_A_DEV_NEXTHOP);
	if (!nest ||
	    nla_put_u64_64bit(msg, XMESH_A_NEXTHOP_DST_NODE, dst,
			      XMESH_A_NEXTHOP_PAD) ||
	    nla_put_u64_64bit(msg, XMESH_A_NEXTHOP_VIA_NODE, via,
			      XMESH_A_NEXTHOP_PAD) ||
	    nla_put_u32(msg, XMESH_A_NEXTHOP_METRIC, metric)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	event_send(dp, msg, hdr);
}
