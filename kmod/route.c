// SPDX-License-Identifier: GPL-2.0
/* Routes (prefix -> destination node) and next hops (node -> peer). */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/xmesh.h>

#include "datapath.h"
#include "event.h"
#include "peer.h"
#include "route.h"

int xmesh_route_set(struct xmesh_dp *dp, const struct xmesh_prefix *p,
		    u64 node_id)
{
	bool created;
	int err;

	lockdep_assert_held(&dp->lock);
	err = xmesh_lpm_set(&dp->routes, p, node_id, &created);
	if (err)
		return err;
	xmesh_dp_changed(dp);
	return 0;
}

int xmesh_route_del(struct xmesh_dp *dp, const struct xmesh_prefix *p)
{
	int err;

	lockdep_assert_held(&dp->lock);
	err = xmesh_lpm_del(&dp->routes, p, NULL);
	if (!err)
		xmesh_dp_changed(dp);
	return err;
}

bool xmesh_route_lookup(struct xmesh_dp *dp, const struct sk_buff *skb,
			bool src, u64 *node_id)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *ip = ip_hdr(skb);

		return xmesh_lpm_lookup4(&dp->routes, src ? ip->saddr : ip->daddr,
					 node_id);
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6 = ipv6_hdr(skb);

		return xmesh_lpm_lookup6(&dp->routes,
					 src ? &ip6->saddr : &ip6->daddr,
					 node_id);
	}
	return false;
}

static struct xmesh_nhgroup *group_get(struct xmesh_dp *dp, u64 dst)
{
	return xa_load(&dp->nexthops, dst);
}

/* Publish a group (NULL when empty) in place of old. */
static int group_replace(struct xmesh_dp *dp, u64 dst,
			 struct xmesh_nhgroup *old, struct xmesh_nhgroup *new)
{
	if (new) {
		void *ret = xa_store(&dp->nexthops, dst, new, GFP_KERNEL);

		if (xa_is_err(ret)) {
			kfree(new);
			return xa_err(ret);
		}
	} else {
		xa_erase(&dp->nexthops, dst);
	}
	if (old)
		kfree_rcu(old, rcu);
	xmesh_dp_changed(dp);
	return 0;
}

static struct xmesh_nhgroup *group_alloc(u64 dst, unsigned int n)
{
	struct xmesh_nhgroup *g;

	g = kzalloc(struct_size(g, nh, n), GFP_KERNEL_ACCOUNT);
	if (g) {
		g->dst = dst;
		g->n = n;
	}
	return g;
}

int xmesh_nexthop_set(struct xmesh_dp *dp, u64 dst, u64 via, u32 metric)
{
	struct xmesh_nhgroup *old = group_get(dp, dst), *g;
	unsigned int i, j, n = old ? old->n : 0;
	bool present = false;

	lockdep_assert_held(&dp->lock);
	for (i = 0; i < n; i++)
		present |= old->nh[i].via == via;
	if (!present && n >= XMESH_MAX_NEXTHOPS)
		return -ENOSPC;
	g = group_alloc(dst, present ? n : n + 1);
	if (!g)
		return -ENOMEM;
	/* Keep the set sorted by metric, then by peer, for the data path. */
	for (i = 0, j = 0; i < n; i++)
		if (old->nh[i].via != via)
			g->nh[j++] = old->nh[i];
	for (i = j; i > 0; i--) {
		struct xmesh_nh *prev = &g->nh[i - 1];

		if (prev->metric < metric ||
		    (prev->metric == metric && prev->via < via))
			break;
		g->nh[i] = *prev;
	}
	g->nh[i].via = via;
	g->nh[i].metric = metric;
	return group_replace(dp, dst, old, g);
}

/* A copy of old without via; NULL in *out when nothing remains. */
static int group_without(struct xmesh_nhgroup *old, u64 via,
			 struct xmesh_nhgroup **out)
{
	unsigned int i, j;

	*out = NULL;
	if (old->n == 1)
		return 0;
	*out = group_alloc(old->dst, old->n - 1);
	if (!*out)
		return -ENOMEM;
	for (i = 0, j = 0; i < old->n; i++)
		if (old->nh[i].via != via)
			(*out)->nh[j++] = old->nh[i];
	return 0;
}

static bool group_has(const struct xmesh_nhgroup *g, u64 via)
{
	unsigned int i;

	for (i = 0; i < g->n; i++)
		if (g->nh[i].via == via)
			return true;
	return false;
}

int xmesh_nexthop_del(struct xmesh_dp *dp, u64 dst, u64 via)
{
	struct xmesh_nhgroup *old = group_get(dp, dst), *g;
	int err;

	lockdep_assert_held(&dp->lock);
	if (!old || !group_has(old, via))
		return -ENOENT;
	err = group_without(old, via, &g);
	if (err)
		return err;
	return group_replace(dp, dst, old, g);
}

void xmesh_nexthop_remove_via(struct xmesh_dp *dp, u64 via)
{
	struct xmesh_nhgroup *g, *ng;
	unsigned long dst;

	lockdep_assert_held(&dp->lock);
	xa_for_each(&dp->nexthops, dst, g) {
		if (!group_has(g, via))
			continue;
		/* On -ENOMEM the stale hop stays but is skipped: no peer. */
		if (!group_without(g, via, &ng))
			group_replace(dp, dst, g, ng);
	}
}

void xmesh_nexthop_remove_all(struct xmesh_dp *dp)
{
	struct xmesh_nhgroup *g;
	unsigned long dst;

	xa_for_each(&dp->nexthops, dst, g) {
		xa_erase(&dp->nexthops, dst);
		kfree_rcu(g, rcu);
	}
}

static struct xmesh_peer *usable_peer(struct xmesh_dp *dp, u64 id)
{
	struct xmesh_peer *peer = xmesh_peer_lookup(dp, id);

	return peer && rcu_access_pointer(peer->ep) ? peer : NULL;
}

struct xmesh_peer *xmesh_next_hop(struct xmesh_dp *dp, u64 dst)
{
	struct xmesh_nhgroup *g = group_get(dp, dst);
	struct xmesh_peer *peer;
	unsigned int i;

	if (!g)
		return usable_peer(dp, dst);
	for (i = 0; i < g->n; i++) {
		peer = usable_peer(dp, g->nh[i].via);
		if (peer)
			return peer;
	}
	return NULL;
}
