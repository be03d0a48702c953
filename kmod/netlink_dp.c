// SPDX-License-Identifier: GPL-2.0
/* Helpers of the data-path genetlink handlers; see netlink_dp.h. */

#include <net/sock.h>

#include "device.h"
#include "netlink.h"
#include "netlink_dp.h"
#include "netlink_gen.h"

static struct xmesh_dp *dp_lock(struct xmesh_device *xd,
				struct netlink_ext_ack *extack, int *err)
{
	struct xmesh_dp *dp = &xd->dp;

	mutex_lock(&dp->lock);
	if (dp->dead) {
		mutex_unlock(&dp->lock);
		xmesh_nl_device_put(xd);
		NL_SET_ERR_MSG_MOD(extack, "device is being removed");
		*err = -ENODEV;
		return NULL;
	}
	return dp;
}

struct xmesh_dp *xmesh_nl_dp_lock(struct net *net, struct nlattr **attrs,
				  struct netlink_ext_ack *extack, int *err)
{
	struct xmesh_device *xd = xmesh_nl_device_get(net, attrs, extack);

	if (IS_ERR(xd)) {
		*err = PTR_ERR(xd);
		return NULL;
	}
	return dp_lock(xd, extack, err);
}

void xmesh_nl_dp_unlock(struct xmesh_dp *dp)
{
	struct xmesh_device *xd = container_of(dp, struct xmesh_device, dp);

	mutex_unlock(&dp->lock);
	xmesh_nl_device_put(xd);
}

struct xmesh_dp *xmesh_nl_dump_lock(struct sk_buff *skb,
				    struct netlink_callback *cb, int *err)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct xmesh_dp *dp;

	dp = xmesh_nl_dp_lock(sock_net(skb->sk), info->attrs, cb->extack, err);
	if (dp)
		cb->seq = xmesh_dp_generation(dp);
	return dp;
}

void *xmesh_nl_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			u8 cmd)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &xmesh_nl_family,
				NLM_F_MULTI, cmd);

	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

int __xmesh_nl_parse_nest(struct nlattr **attrs, int type, struct nlattr **tb,
			  int maxtype, const struct nla_policy *policy,
			  struct netlink_ext_ack *extack, const char *msg)
{
	if (!attrs[type]) {
		/* msg is a literal (see the macro): it outlives the request. */
		if (extack)
			extack->_msg = msg;
		NL_SET_ERR_ATTR_MISS(extack, NULL, type);
		return -EINVAL;
	}
	return nla_parse_nested(tb, maxtype, attrs[type], policy, extack);
}

int xmesh_nl_parse_prefix(const struct nlattr *nest, struct nlattr **tb,
			  struct xmesh_prefix *p,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *v4 = tb[XMESH_A_ROUTE_DST_IPV4];
	struct nlattr *v6 = tb[XMESH_A_ROUTE_DST_IPV6];
	struct nlattr *plen = tb[XMESH_A_ROUTE_PREFIX_LEN];
	__be32 addr4;

	if (!!v4 == !!v6) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "need exactly one of dst-ipv4 and dst-ipv6");
		return -EINVAL;
	}
	if (!plen) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing prefix-len");
		return -EINVAL;
	}
	if (v4) {
		addr4 = nla_get_in_addr(v4);
		if (xmesh_prefix_make(p, AF_INET, &addr4, nla_get_u8(plen)))
			goto bad;
	} else if (xmesh_prefix_make(p, AF_INET6, nla_data(v6),
				     nla_get_u8(plen))) {
		goto bad;
	}
	return 0;
bad:
	NL_SET_ERR_MSG_ATTR(extack, plen,
			    "prefix-len too long or host bits set");
	return -EINVAL;
}

int xmesh_nl_put_prefix(struct sk_buff *msg, const struct xmesh_prefix *p)
{
	int err;

	if (p->family == AF_INET)
		err = nla_put_in_addr(msg, XMESH_A_ROUTE_DST_IPV4, p->addr[0]);
	else
		err = nla_put(msg, XMESH_A_ROUTE_DST_IPV6, 16, p->addr);
	return err ?: nla_put_u8(msg, XMESH_A_ROUTE_PREFIX_LEN, p->plen);
}
