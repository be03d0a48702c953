// SPDX-License-Identifier: GPL-2.0
/*
 * Genetlink handlers of routes and next hops. ROUTE_NEW and ROUTE_DEL take
 * one or more route attributes, so a large table goes in few messages; all
 * of them are checked before any is applied.
 */

#include <net/genetlink.h>

#include "event.h"
#include "netlink.h"
#include "netlink_dp.h"
#include "netlink_gen.h"
#include "peer.h"
#include "route.h"

/* Routes per message: bounds the parse buffer, not the table. */
#define XMESH_NL_ROUTE_BATCH	4096

struct route_req {
	struct xmesh_prefix p;
	u64 node_id;
};

/* Parse every route attribute of the request into a new array. */
static int parse_routes(struct genl_info *info, bool need_node,
			struct route_req **out, unsigned int *count)
{
	struct nlattr *tb[XMESH_A_ROUTE_MAX + 1];
	struct route_req *req;
	struct nlattr *a;
	unsigned int n = 0;
	int rem, err;

	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem)
		n += nla_type(a) == XMESH_A_DEV_ROUTE;
	if (!n) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing route");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, XMESH_A_DEV_ROUTE);
		return -EINVAL;
	}
	if (n > XMESH_NL_ROUTE_BATCH) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "too many routes in one message (max 4096)");
		return -E2BIG;
	}
	req = kvcalloc(n, sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	n = 0;
	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(a) != XMESH_A_DEV_ROUTE)
			continue;
		err = nla_parse_nested(tb, XMESH_A_ROUTE_MAX, a,
				       xmesh_route_nl_policy, info->extack) ?:
		      xmesh_nl_parse_prefix(a, tb, &req[n].p, info->extack);
		if (err)
			goto err_free;
		if (need_node && !tb[XMESH_A_ROUTE_NODE_ID]) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "missing route node-id");
			err = -EINVAL;
			goto err_free;
		}
		if (tb[XMESH_A_ROUTE_NODE_ID])
			req[n].node_id = nla_get_u64(tb[XMESH_A_ROUTE_NODE_ID]);
		n++;
	}
	*out = req;
	*count = n;
	return 0;

err_free:
	kvfree(req);
	return err;
}

int xmesh_nl_route_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct route_req *req;
	struct xmesh_dp *dp;
	unsigned int i, n;
	int err;

	err = parse_routes(info, true, &req, &n);
	if (err)
		return err;
	dp = xmesh_nl_dp_lock(genl_info_net(info), info->attrs, info->extack,
			      &err);
	if (!dp)
		goto out_free;
	if (dp->routes.count + n > dp->routes.max) {
		NL_SET_ERR_MSG_MOD(info->extack, "route table full");
		err = -ENOSPC;
		goto out_unlock;
	}
	for (i = 0; i < n; i++) {
		err = xmesh_route_set(dp, &req[i].p, req[i].node_id);
		if (err) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "out of memory: routes before this one were added");
			break;
		}
		if (n == 1)
			xmesh_event_route(dp, &req[i].p, req[i].node_id);
	}
	if (n > 1 && i)
		xmesh_event_route(dp, NULL, 0);	/* many: one event */
out_unlock:
	xmesh_nl_dp_unlock(dp);
out_free:
	kvfree(req);
	return err;
}

int xmesh_nl_route_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct route_req *req;
	struct xmesh_dp *dp;
	unsigned int i, n;
	int err;

	err = parse_routes(info, false, &req, &n);
	if (err)
		return err;
	dp = xmesh_nl_dp_lock(genl_info_net(info), info->attrs, info->extack,
			      &err);
	if (!dp)
		goto out_free;
	for (i = 0; i < n; i++) {
		if (!xmesh_lpm_find(&dp->routes, &req[i].p)) {
			NL_SET_ERR_MSG_MOD(info->extack, "no such route");
			err = -ENOENT;
			goto out_unlock;
		}
	}
	for (i = 0; i < n; i++)
		xmesh_route_del(dp, &req[i].p);
	xmesh_event_route(dp, n == 1 ? &req[0].p : NULL, 0);
out_unlock:
	xmesh_nl_dp_unlock(dp);
out_free:
	kvfree(req);
	return err;
}

static int fill_route(struct sk_buff *msg, struct xmesh_dp *dp,
		      const struct xmesh_lpm_entry *e)
{
	struct nlattr *nest;

	if (nla_put_u32(msg, XMESH_A_DEV_IFINDEX, dp->dev->ifindex))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, XMESH_A_DEV_ROUTE);
	if (!nest)
		return -EMSGSIZE;
	if (xmesh_nl_put_prefix(msg, &e->key) ||
	    nla_put_u64_64bit(msg, XMESH_A_ROUTE_NODE_ID, e->value,
			      XMESH_A_ROUTE_PAD)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* The resume key: the last prefix sent, kept in cb->ctx after args[0]. */
struct route_dump_ctx {
	long started;
	struct xmesh_prefix last;
};

int xmesh_nl_route_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct route_dump_ctx *ctx = (struct route_dump_ctx *)cb->ctx;
	struct xmesh_lpm_entry *e;
	struct xmesh_dp *dp;
	int err = 0;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	dp = xmesh_nl_dump_lock(skb, cb, &err);
	if (!dp)
		return err;
	/*
	 * One search for where the last part ended, then successor steps:
	 * dp->lock keeps the tree still for the whole part.
	 */
	for (e = xmesh_lpm_next(&dp->routes, ctx->started ? &ctx->last : NULL);
	     e; e = xmesh_lpm_succ(e)) {
		void *hdr = xmesh_nl_dump_put(skb, cb, XMESH_CMD_ROUTE_GET);

		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = fill_route(skb, dp, e);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->started = 1;
		ctx->last = e->key;
	}
	xmesh_nl_dp_unlock(dp);
	return xmesh_nl_dump_end(skb, err);
}

static int parse_nexthop(struct genl_info *info, struct nlattr **tb)
{
	int err;

	err = xmesh_nl_parse_nest(info->attrs, XMESH_A_DEV_NEXTHOP, tb,
				  XMESH_A_NEXTHOP_MAX, xmesh_nexthop_nl_policy,
				  info->extack, "nexthop");
	if (err)
		return err;
	if (!tb[XMESH_A_NEXTHOP_DST_NODE] || !tb[XMESH_A_NEXTHOP_VIA_NODE]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[XMESH_A_DEV_NEXTHOP],
				    "nexthop needs dst-node and via-node");
		return -EINVAL;
	}
	if (tb[XMESH_A_NEXTHOP_ACTIVE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_NEXTHOP_ACTIVE],
				    "active is read-only");
		return -EINVAL;
	}
	return 0;
}

int xmesh_nl_nexthop_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[XMESH_A_NEXTHOP_MAX + 1];
	struct xmesh_dp *dp;
	u64 dst, via;
	u32 metric = 0;
	int err;

	err = parse_nexthop(info, tb);
	if (err)
		return err;
	dst = nla_get_u64(tb[XMESH_A_NEXTHOP_DST_NODE]);
	via = nla_get_u64(tb[XMESH_A_NEXTHOP_VIA_NODE]);
	if (tb[XMESH_A_NEXTHOP_METRIC])
		metric = nla_get_u32(tb[XMESH_A_NEXTHOP_METRIC]);
	dp = xmesh_nl_dp_lock(genl_info_net(info), info->attrs, info->extack,
			      &err);
	if (!dp)
		return err;
	err = xmesh_nexthop_set(dp, dst, via, metric);
	if (err == -ENOSPC)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "too many next hops for this destination (max 8)");
	else if (err)
		NL_SET_ERR_MSG_MOD(info->extack, "cannot add next hop");
	else
		xmesh_event_nexthop(dp, dst, via, metric);
	xmesh_nl_dp_unlock(dp);
	return err;
}

int xmesh_nl_nexthop_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[XMESH_A_NEXTHOP_MAX + 1];
	struct xmesh_dp *dp;
	u64 dst, via;
	int err;

	err = parse_nexthop(info, tb);
	if (err)
		return err;
	dst = nla_get_u64(tb[XMESH_A_NEXTHOP_DST_NODE]);
	via = nla_get_u64(tb[XMESH_A_NEXTHOP_VIA_NODE]);
	dp = xmesh_nl_dp_lock(genl_info_net(info), info->attrs, info->extack,
			      &err);
	if (!dp)
		return err;
	err = xmesh_nexthop_del(dp, dst, via);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[XMESH_A_DEV_NEXTHOP],
				    "no such next hop");
	else if (err)
		NL_SET_ERR_MSG_MOD(info->extack, "cannot remove next hop");
	else
		xmesh_event_nexthop(dp, dst, via, 0);
	xmesh_nl_dp_unlock(dp);
	return err;
}

static int fill_nexthop(struct sk_buff *msg, struct xmesh_dp *dp,
			const struct xmesh_nhgroup *g, unsigned int i,
			bool active)
{
	struct nlattr *nest;

	if (nla_put_u32(msg, XMESH_A_DEV_IFINDEX, dp->dev->ifindex))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, XMESH_A_DEV_NEXTHOP);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, XMESH_A_NEXTHOP_DST_NODE, g->dst,
			      XMESH_A_NEXTHOP_PAD) ||
	    nla_put_u64_64bit(msg, XMESH_A_NEXTHOP_VIA_NODE, g->nh[i].via,
			      XMESH_A_NEXTHOP_PAD) ||
	    nla_put_u32(msg, XMESH_A_NEXTHOP_METRIC, g->nh[i].metric) ||
	    (active && nla_put_flag(msg, XMESH_A_NEXTHOP_ACTIVE))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * cb->args: [0] something was sent, [1] the last destination, [2] the last
 * via node of it. Next hops of one destination go in metric order.
 */
int xmesh_nl_nexthop_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct xmesh_nhgroup *g;
	struct xmesh_peer *active;
	struct xmesh_dp *dp;
	unsigned long dst;
	unsigned int i;
	int err = 0;

	dp = xmesh_nl_dump_lock(skb, cb, &err);
	if (!dp)
		return err;
	rcu_read_lock();
	xa_for_each_start(&dp->nexthops, dst, g, cb->args[0] ? cb->args[1] : 0) {
		/* Resume inside the last group after the last via sent. */
		bool skip = cb->args[0] && dst == cb->args[1];

		active = xmesh_next_hop(dp, dst);
		for (i = 0; i < g->n; i++) {
			void *hdr;

			if (skip) {
				skip = g->nh[i].via != cb->args[2];
				continue;
			}
			hdr = xmesh_nl_dump_put(skb, cb, XMESH_CMD_NEXTHOP_GET);
			if (!hdr) {
				err = -EMSGSIZE;
				goto out;
			}
			err = fill_nexthop(skb, dp, g, i, active &&
					   active->node_id == g->nh[i].via);
			if (err) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[0] = 1;
			cb->args[1] = dst;
			cb->args[2] = g->nh[i].via;
		}
	}
out:
	rcu_read_unlock();
	xmesh_nl_dp_unlock(dp);
	return xmesh_nl_dump_end(skb, err);
}
