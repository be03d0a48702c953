// SPDX-License-Identifier: GPL-2.0
/* Genetlink handlers of tenants: prefixes, rate limit, budget, counters. */

#include <net/genetlink.h>

#include "netlink.h"
#include "netlink_dp.h"
#include "netlink_gen.h"
#include "tenant.h"

/* Prefixes one tenant may own. */
#define XMESH_NL_TENANT_PREFIXES	256

struct tenant_req {
	u32 id;
	bool has_prefixes;
	bool has_ingress;
	unsigned int nprefixes;
	unsigned int ningress;
	struct xmesh_prefix prefixes[XMESH_NL_TENANT_PREFIXES];
	struct nlattr *prefix_attr[XMESH_NL_TENANT_PREFIXES];
	u32 ingress[XMESH_TENANT_MAX_INGRESS];
	struct nlattr *ingress_attr[XMESH_TENANT_MAX_INGRESS];
};

/* Ingress ifindexes (multi-attr): a single 0 means none. */
static int parse_ingress(struct genl_info *info, struct tenant_req *req)
{
	struct nlattr *a;
	int rem;

	req->ningress = 0;
	req->has_ingress = false;
	nla_for_each_nested(a, info->attrs[XMESH_A_DEV_TENANT], rem) {
		if (nla_type(a) != XMESH_A_TENANT_INGRESS_IFINDEX)
			continue;
		if (req->has_ingress && (!req->ningress || !nla_get_u32(a))) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "ingress-ifindex 0 (unbind) must come alone");
			return -EINVAL;
		}
		req->has_ingress = true;
		if (!nla_get_u32(a))
			continue;
		if (req->ningress == XMESH_TENANT_MAX_INGRESS) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "too many ingress interfaces (max 16)");
			return -E2BIG;
		}
		req->ingress_attr[req->ningress] = a;
		req->ingress[req->ningress++] = nla_get_u32(a);
	}
	return 0;
}

static int parse_tenant(struct genl_info *info, struct nlattr **tb,
			struct tenant_req *req)
{
	struct nlattr *rt[XMESH_A_ROUTE_MAX + 1];
	struct nlattr *a;
	int rem, err;

	err = xmesh_nl_parse_nest(info->attrs, XMESH_A_DEV_TENANT, tb,
				  XMESH_A_TENANT_MAX, xmesh_tenant_nl_policy,
				  info->extack, "tenant");
	if (err)
		return err;
	if (!tb[XMESH_A_TENANT_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[XMESH_A_DEV_TENANT],
				    "missing tenant id");
		return -EINVAL;
	}
	if (tb[XMESH_A_TENANT_STATS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_TENANT_STATS],
				    "stats are read-only");
		return -EINVAL;
	}
	req->id = nla_get_u32(tb[XMESH_A_TENANT_ID]);
	req->nprefixes = 0;
	req->has_prefixes = false;
	/* prefix is a multi-attr: nla_parse kept only the last one. */
	nla_for_each_nested(a, info->attrs[XMESH_A_DEV_TENANT], rem) {
		if (nla_type(a) != XMESH_A_TENANT_PREFIX)
			continue;
		req->has_prefixes = true;
		if (req->nprefixes == XMESH_NL_TENANT_PREFIXES) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "too many prefixes (max 256)");
			return -E2BIG;
		}
		err = nla_parse_nested(rt, XMESH_A_ROUTE_MAX, a,
				       xmesh_route_nl_policy, info->extack) ?:
		      xmesh_nl_parse_prefix(a, rt,
					    &req->prefixes[req->nprefixes],
					    info->extack);
		if (err)
			return err;
		if (rt[XMESH_A_ROUTE_NODE_ID]) {
			NL_SET_ERR_MSG_ATTR(info->extack, rt[XMESH_A_ROUTE_NODE_ID],
					    "a tenant prefix has no node-id");
			return -EINVAL;
		}
		req->prefix_attr[req->nprefixes++] = a;
	}
	return parse_ingress(info, req);
}

/* Every bound interface must exist in the device's netns. */
static int check_ingress(struct xmesh_dp *dp, struct tenant_req *req,
			 struct netlink_ext_ack *extack)
{
	struct net *net = dev_net(dp->dev);
	unsigned int i;
	bool found;

	for (i = 0; i < req->ningress; i++) {
		rcu_read_lock();
		found = dev_get_by_index_rcu(net, req->ingress[i]);
		rcu_read_unlock();
		if (!found) {
			NL_SET_ERR_MSG_ATTR(extack, req->ingress_attr[i],
					    "no such ingress interface");
			return -ENODEV;
		}
		if (req->ingress[i] == dp->dev->ifindex) {
			NL_SET_ERR_MSG_ATTR(extack, req->ingress_attr[i],
					    "cannot bind the xmesh device itself");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Apply what the request sets; absent attributes stay as they are. The
 * steps that can fail (ingress, prefixes) go first, and the prefixes are
 * given back if the ingress cannot follow, so a refused request changes
 * nothing.
 */
static int apply_tenant(struct xmesh_tenant *t, struct nlattr **tb,
			struct tenant_req *req, struct netlink_ext_ack *extack)
{
	u32 conflict = 0;
	int err;

	if (req->has_ingress) {
		err = check_ingress(t->dp, req, extack);
		if (err)
			return err;
		err = xmesh_tenant_reserve_ingress(t, req->ingress,
						   req->ningress, &conflict);
		if (err == -EEXIST) {
			NL_SET_ERR_MSG_ATTR(extack, req->ingress_attr[conflict],
					    "interface bound to another tenant");
			return err;
		}
		if (err) {
			NL_SET_ERR_MSG_MOD(extack, "cannot bind interfaces");
			return err;
		}
	}
	if (req->has_prefixes) {
		err = xmesh_tenant_set_prefixes(t, req->prefixes,
						req->nprefixes, &conflict);
		if (err == -EEXIST)
			NL_SET_ERR_MSG_ATTR(extack, req->prefix_attr[conflict],
					    "prefix belongs to another tenant");
		else if (err == -ENOSPC)
			NL_SET_ERR_MSG_MOD(extack, "tenant prefix table full");
		else if (err)
			NL_SET_ERR_MSG_MOD(extack, "cannot set prefixes");
		if (err) {
			if (req->has_ingress)
				xmesh_tenant_abort_ingress(t, req->ingress,
							   req->ningress);
			return err;
		}
	}
	if (req->has_ingress)
		xmesh_tenant_commit_ingress(t, req->ingress, req->ningress);
	if (tb[XMESH_A_TENANT_RATE_BPS] || tb[XMESH_A_TENANT_BURST_BYTES]) {
		u64 rate = tb[XMESH_A_TENANT_RATE_BPS] ?
			   nla_get_u64(tb[XMESH_A_TENANT_RATE_BPS]) :
			   t->rate_bps;
		u64 burst = tb[XMESH_A_TENANT_BURST_BYTES] ?
			    nla_get_u64(tb[XMESH_A_TENANT_BURST_BYTES]) : 0;

		xmesh_tenant_set_rate(t, rate, burst);
	}
	if (tb[XMESH_A_TENANT_BUDGET_BYTES])
		xmesh_tenant_set_budget(t,
					nla_get_u64(tb[XMESH_A_TENANT_BUDGET_BYTES]));
	return 0;
}

static int tenant_change(struct genl_info *info, bool create)
{
	struct nlattr *tb[XMESH_A_TENANT_MAX + 1];
	struct tenant_req *req;
	struct xmesh_tenant *t;
	struct xmesh_dp *dp;
	int err;

	req = kmalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	err = parse_tenant(info, tb, req);
	if (err)
		goto out_free;
	dp = xmesh_nl_dp_lock(genl_info_net(info), info->attrs, info->extack,
			      &err);
	if (!dp)
		goto out_free;
	t = xmesh_tenant_lookup(dp, req->id);
	if (create) {
		if (t) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_TENANT_ID],
					    "tenant exists");
			err = -EEXIST;
			goto out_unlock;
		}
		t = xmesh_tenant_create(dp, req->id);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			NL_SET_ERR_MSG_MOD(info->extack, "cannot add tenant");
			goto out_unlock;
		}
	} else if (!t) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_TENANT_ID],
				    "no such tenant");
		err = -ENOENT;
		goto out_unlock;
	}
	err = apply_tenant(t, tb, req, info->extack);
	if (err && create)
		xmesh_tenant_remove(t);
out_unlock:
	xmesh_nl_dp_unlock(dp);
out_free:
	kfree(req);
	return err;
}

int xmesh_nl_tenant_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	return tenant_change(info, true);
}

int xmesh_nl_tenant_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return tenant_change(info, false);
}

/* Lock the data path and find the tenant a request names by id. */
static struct xmesh_dp *lock_tenant(struct genl_info *info,
				    struct xmesh_tenant **t, int *err)
{
	struct nlattr *tb[XMESH_A_TENANT_MAX + 1];
	struct xmesh_dp *dp;

	*err = xmesh_nl_parse_nest(info->attrs, XMESH_A_DEV_TENANT, tb,
				   XMESH_A_TENANT_MAX, xmesh_tenant_nl_policy,
				   info->extack, "tenant");
	if (*err)
		return NULL;
	if (!tb[XMESH_A_TENANT_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[XMESH_A_DEV_TENANT],
				    "missing tenant id");
		*err = -EINVAL;
		return NULL;
	}
	dp = xmesh_nl_dp_lock(genl_info_net(info), info->attrs, info->extack,
			      err);
	if (!dp)
		return NULL;
	*t = xmesh_tenant_lookup(dp, nla_get_u32(tb[XMESH_A_TENANT_ID]));
	if (!*t) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_TENANT_ID],
				    "no such tenant");
		*err = -ENOENT;
		xmesh_nl_dp_unlock(dp);
		return NULL;
	}
	return dp;
}

int xmesh_nl_tenant_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct xmesh_tenant *t;
	struct xmesh_dp *dp;
	int err;

	dp = lock_tenant(info, &t, &err);
	if (!dp)
		return err;
	xmesh_tenant_remove(t);
	xmesh_nl_dp_unlock(dp);
	return 0;
}

/* A prefix nest: dst-ipv6 (the larger) and prefix-len. */
#define TENANT_PREFIX_SIZE \
	(nla_total_size(0) + nla_total_size(16) + nla_total_size(1))

/* The payload of a tenant's message with n prefixes and i interfaces. */
static size_t tenant_msg_size(unsigned int n, unsigned int i)
{
	return nla_total_size(sizeof(u32)) +	/* ifindex */
	       nla_total_size(0) +		/* tenant */
	       nla_total_size(sizeof(u32)) +	/* id */
	       n * TENANT_PREFIX_SIZE + i * nla_total_size(sizeof(u32)) +
	       3 * nla_total_size_64bit(sizeof(u64)) + xmesh_stats_size();
}

static int put_prefixes(struct sk_buff *msg, struct xmesh_tenant *t)
{
	const struct xmesh_tenant_prefixes *tp = xmesh_tenant_prefixes(t);
	struct nlattr *nest;
	unsigned int i;

	for (i = 0; tp && i < tp->n; i++) {
		nest = nla_nest_start(msg, XMESH_A_TENANT_PREFIX);
		if (!nest)
			return -EMSGSIZE;
		if (xmesh_nl_put_prefix(msg, &tp->p[i])) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(msg, nest);
	}
	for (i = 0; i < t->ningress; i++)
		if (nla_put_u32(msg, XMESH_A_TENANT_INGRESS_IFINDEX,
				t->ingress[i]))
			return -EMSGSIZE;
	return 0;
}

static int fill_tenant(struct sk_buff *msg, struct xmesh_dp *dp,
		       struct xmesh_tenant *t)
{
	struct nlattr *nest;
	u64 rate, burst;

	xmesh_tenant_get_rate(t, &rate, &burst);
	if (nla_put_u32(msg, XMESH_A_DEV_IFINDEX, dp->dev->ifindex))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, XMESH_A_DEV_TENANT);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(msg, XMESH_A_TENANT_ID, t->id) ||
	    put_prefixes(msg, t) ||
	    nla_put_u64_64bit(msg, XMESH_A_TENANT_RATE_BPS, rate,
			      XMESH_A_TENANT_PAD) ||
	    nla_put_u64_64bit(msg, XMESH_A_TENANT_BURST_BYTES,
			      burst, XMESH_A_TENANT_PAD) ||
	    nla_put_u64_64bit(msg, XMESH_A_TENANT_BUDGET_BYTES,
			      READ_ONCE(t->budget), XMESH_A_TENANT_PAD) ||
	    xmesh_stats_put(msg, XMESH_A_TENANT_STATS, &t->stats)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int xmesh_nl_tenant_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct xmesh_tenant *t;
	struct xmesh_dp *dp;
	struct sk_buff *msg;
	void *hdr;
	int err;

	dp = lock_tenant(info, &t, &err);
	if (!dp)
		return err;
	/* Sized to the content: a tenant with 256 prefixes reads back whole. */
	msg = genlmsg_new(tenant_msg_size(xmesh_tenant_prefixes(t) ?
					  xmesh_tenant_prefixes(t)->n : 0,
					  t->ningress), GFP_KERNEL);
	if (!msg) {
		xmesh_nl_dp_unlock(dp);
		return -ENOMEM;
	}
	hdr = genlmsg_put_reply(msg, info, &xmesh_nl_family, 0,
				XMESH_CMD_TENANT_GET);
	err = hdr ? fill_tenant(msg, dp, t) : -EMSGSIZE;
	xmesh_nl_dp_unlock(dp);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* Every part of a dump has room for the largest tenant there can be. */
int xmesh_nl_tenant_get_dump_start(struct netlink_callback *cb)
{
	size_t payload = tenant_msg_size(XMESH_NL_TENANT_PREFIXES,
					 XMESH_TENANT_MAX_INGRESS);

	cb->min_dump_alloc = nlmsg_total_size(genlmsg_total_size(payload));
	return 0;
}

/* cb->args: [0] a tenant was sent, [1] the id of the last one. */
int xmesh_nl_tenant_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct xmesh_tenant *t;
	struct xmesh_dp *dp;
	unsigned long id;
	int err = 0;

	dp = xmesh_nl_dump_lock(skb, cb, &err);
	if (!dp)
		return err;
	xa_for_each_start(&dp->tenants, id, t,
			  cb->args[0] ? cb->args[1] + 1 : 0) {
		void *hdr = xmesh_nl_dump_put(skb, cb, XMESH_CMD_TENANT_GET);

		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = fill_tenant(skb, dp, t);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = 1;
		cb->args[1] = id;
	}
	xmesh_nl_dp_unlock(dp);
	return xmesh_nl_dump_end(skb, err);
}
