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
	unsigned int nprefixes;
	struct xmesh_prefix prefixes[XMESH_NL_TENANT_PREFIXES];
	struct nlattr *prefix_attr[XMESH_NL_TENANT_PREFIXES];
};

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
	return 0;
}

/* Apply what the request sets; absent attributes stay as they are. */
static int apply_tenant(struct xmesh_tenant *t, struct nlattr **tb,
			struct tenant_req *req, struct netlink_ext_ack *extack)
{
	u32 conflict = 0;
	int err;

	if (req->has_prefixes) {
		err = xmesh_tenant_set_prefixes(t, req->prefixes,
						req->nprefixes, &conflict);
		if (err == -EEXIST) {
			NL_SET_ERR_MSG_ATTR(extack, req->prefix_attr[conflict],
					    "prefix belongs to another tenant");
			return err;
		}
		if (err) {
			NL_SET_ERR_MSG_MOD(extack, "cannot set prefixes");
			return err;
		}
	}
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

static int put_prefixes(struct sk_buff *msg, struct xmesh_dp *dp, u32 id)
{
	struct xmesh_lpm_entry *e;
	struct nlattr *nest;

	/* A scan of the prefix table: it is small (a few per tenant). */
	for (e = xmesh_lpm_next(&dp->tenant_prefixes, NULL); e;
	     e = xmesh_lpm_next(&dp->tenant_prefixes, &e->key)) {
		if (e->value != id)
			continue;
		nest = nla_nest_start(msg, XMESH_A_TENANT_PREFIX);
		if (!nest)
			return -EMSGSIZE;
		if (xmesh_nl_put_prefix(msg, &e->key)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(msg, nest);
	}
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
	    put_prefixes(msg, dp, t->id) ||
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

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	dp = lock_tenant(info, &t, &err);
	if (!dp)
		goto err_free;
	hdr = genlmsg_put_reply(msg, info, &xmesh_nl_family, 0,
				XMESH_CMD_TENANT_GET);
	err = hdr ? fill_tenant(msg, dp, t) : -EMSGSIZE;
	xmesh_nl_dp_unlock(dp);
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
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
