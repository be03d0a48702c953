// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink handlers of the xmesh device: get, dump and set.
 *
 * Locking: a handler that changes the device takes rtnl_lock (the MTU and
 * the listen-port uniqueness check span devices), then the device's
 * conf_lock. Readers take the same locks so that a reply is one consistent
 * snapshot of the device.
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include <linux/xmesh.h>

#include "device.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "socket.h"

struct genl_family xmesh_nl_family __ro_after_init = {
	.name		= XMESH_FAMILY_NAME,
	.version	= XMESH_FAMILY_VERSION,
	.maxattr	= XMESH_A_DEV_MAX,
	.policy		= xmesh_dev_nl_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= xmesh_nl_ops,
	.n_ops		= ARRAY_SIZE(xmesh_nl_ops),
	.mcgrps		= xmesh_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(xmesh_nl_mcgrps),
};

/**
 * xmesh_nl_device_get - the xmesh device a request names
 * @net: the requester's netns
 * @attrs: the request's top-level attributes
 * @extack: where to say what is wrong
 *
 * The device is named by XMESH_A_DEV_IFINDEX or, when that is absent, by
 * XMESH_A_DEV_IFNAME, and must be an xmesh device of @net.
 *
 * Return: the device, with a reference the caller drops with
 * xmesh_nl_device_put(), or an ERR_PTR: -EINVAL when neither attribute is
 * given, -ENODEV when no xmesh device of that index or name exists.
 */
struct xmesh_device *xmesh_nl_device_get(struct net *net,
					 struct nlattr **attrs,
					 struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	struct nlattr *attr;

	if (attrs[XMESH_A_DEV_IFINDEX]) {
		attr = attrs[XMESH_A_DEV_IFINDEX];
		dev = dev_get_by_index(net, nla_get_u32(attr));
	} else if (attrs[XMESH_A_DEV_IFNAME]) {
		char name[IFNAMSIZ];

		attr = attrs[XMESH_A_DEV_IFNAME];
		nla_strscpy(name, attr, sizeof(name));
		dev = dev_get_by_name(net, name);
	} else {
		NL_SET_ERR_MSG_MOD(extack, "missing ifindex or ifname");
		NL_SET_ERR_ATTR_MISS(extack, NULL, XMESH_A_DEV_IFINDEX);
		return ERR_PTR(-EINVAL);
	}

	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (!netif_is_xmesh(dev)) {
		dev_put(dev);
		NL_SET_ERR_MSG_ATTR(extack, attr, "not an xmesh device");
		return ERR_PTR(-ENODEV);
	}
	return netdev_priv(dev);
}

void xmesh_nl_device_put(struct xmesh_device *xd)
{
	dev_put(xd->dev);
}

/* Device attributes of a DEV_GET reply. Caller holds rtnl and conf_lock. */
static int xmesh_nl_fill_dev(struct sk_buff *skb, struct xmesh_device *xd)
{
	struct net_device *dev = xd->dev;

	if (nla_put_u32(skb, XMESH_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, XMESH_A_DEV_IFNAME, dev->name) ||
	    nla_put_u16(skb, XMESH_A_DEV_LISTEN_PORT, xd->listen_port) ||
	    nla_put_u64_64bit(skb, XMESH_A_DEV_NODE_ID, xd->node_id,
			      XMESH_A_DEV_PAD) ||
	    nla_put_u32(skb, XMESH_A_DEV_MTU, dev->mtu) ||
	    nla_put_u32(skb, XMESH_A_DEV_FLAGS, xd->flags) ||
	    nla_put_u32(skb, XMESH_A_DEV_FWMARK, READ_ONCE(xd->dp.fwmark)) ||
	    nla_put_u32(skb, XMESH_A_DEV_GENERATION,
			(u32)atomic_read(&xd->generation)) ||
	    xmesh_stats_put(skb, XMESH_A_DEV_STATS, &xd->dp.stats))
		return -EMSGSIZE;
	return 0;
}

int xmesh_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct xmesh_device *xd;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	xd = xmesh_nl_device_get(genl_info_net(info), info->attrs,
				 info->extack);
	if (IS_ERR(xd)) {
		err = PTR_ERR(xd);
		goto err_unlock;
	}

	hdr = genlmsg_put_reply(msg, info, &xmesh_nl_family, 0,
				XMESH_CMD_DEV_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_put;
	}
	mutex_lock(&xd->conf_lock);
	err = xmesh_nl_fill_dev(msg, xd);
	mutex_unlock(&xd->conf_lock);
	if (err)
		goto err_put;
	genlmsg_end(msg, hdr);

	xmesh_nl_device_put(xd);
	rtnl_unlock();
	return genlmsg_reply(msg, info);

err_put:
	xmesh_nl_device_put(xd);
err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return err;
}

/*
 * The xmesh device of @net with the smallest ifindex above @after, or NULL.
 * A dump resumes from the last ifindex it sent rather than a position in
 * the device list, so devices added or removed between two parts of a
 * dump neither repeat nor hide the others. Caller holds rtnl.
 */
static struct xmesh_device *xmesh_nl_next_device(struct net *net, int after)
{
	struct net_device *dev, *best = NULL;

	for_each_netdev(net, dev) {
		if (!netif_is_xmesh(dev) || dev->ifindex <= after)
			continue;
		if (!best || dev->ifindex < best->ifindex)
			best = dev;
	}
	return best ? netdev_priv(best) : NULL;
}

int xmesh_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	int last = cb->args[0];
	struct xmesh_device *xd;
	int err = 0;

	rtnl_lock();
	/* Flags NLM_F_DUMP_INTR if devices changed since the previous part. */
	cb->seq = xmesh_net_seq(net);
	while ((xd = xmesh_nl_next_device(net, last))) {
		void *hdr;

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &xmesh_nl_family,
				  NLM_F_MULTI, XMESH_CMD_DEV_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		mutex_lock(&xd->conf_lock);
		err = xmesh_nl_fill_dev(skb, xd);
		mutex_unlock(&xd->conf_lock);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		last = xd->dev->ifindex;
	}
	rtnl_unlock();

	cb->args[0] = last;
	/* A full skb ends this part; the next one resumes after @last. */
	if (err && !skb->len)
		return err;
	return skb->len;
}

int xmesh_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct net *net = genl_info_net(info);
	struct xmesh_socks socks = {};
	struct xmesh_device *xd;
	bool changed = false, rebind = false;
	u16 port = 0;
	int err = 0;

	rtnl_lock();
	xd = xmesh_nl_device_get(net, attrs, extack);
	if (IS_ERR(xd)) {
		err = PTR_ERR(xd);
		goto out_unlock;
	}
	mutex_lock(&xd->conf_lock);

	/*
	 * Everything that can fail happens before anything changes, so that
	 * a rejected request leaves the device as it was: the new port is
	 * bound aside, then the MTU (the one step that can fail and change)
	 * goes, then the sockets are swapped and the rest is set. The policy
	 * has checked the ranges of node-id, mtu and flags already.
	 */
	if (attrs[XMESH_A_DEV_LISTEN_PORT]) {
		struct xmesh_device *other;

		port = nla_get_u16(attrs[XMESH_A_DEV_LISTEN_PORT]);
		other = xmesh_device_by_port(net, port);
		if (other && other != xd) {
			NL_SET_ERR_MSG_ATTR(extack,
					    attrs[XMESH_A_DEV_LISTEN_PORT],
					    "listen port used by another xmesh device");
			err = -EADDRINUSE;
			goto out_put;
		}
		err = xmesh_dp_port_prepare(&xd->dp, port, &socks, &rebind);
		if (err) {
			NL_SET_ERR_MSG_ATTR(extack,
					    attrs[XMESH_A_DEV_LISTEN_PORT],
					    "cannot bind the UDP port");
			goto out_put;
		}
	}
	if (attrs[XMESH_A_DEV_MTU]) {
		u32 mtu = nla_get_u32(attrs[XMESH_A_DEV_MTU]);

		if (mtu != xd->dev->mtu) {
			err = dev_set_mtu(xd->dev, mtu);
			if (err) {
				NL_SET_ERR_MSG_ATTR(extack, attrs[XMESH_A_DEV_MTU],
						    "MTU change refused");
				xmesh_socket_abort(&socks);
				goto out_put;
			}
		}
	}

	/* From here on nothing fails. */
	if (attrs[XMESH_A_DEV_LISTEN_PORT]) {
		if (rebind)
			xmesh_socket_commit(&xd->dp, port, &socks);
		changed |= port != xd->listen_port;
		WRITE_ONCE(xd->listen_port, port);
	}
	if (attrs[XMESH_A_DEV_NODE_ID]) {
		u64 node_id = nla_get_u64(attrs[XMESH_A_DEV_NODE_ID]);

		changed |= node_id != xd->node_id;
		WRITE_ONCE(xd->node_id, node_id);
	}
	if (attrs[XMESH_A_DEV_FLAGS]) {
		u32 flags = nla_get_u32(attrs[XMESH_A_DEV_FLAGS]);

		changed |= flags != xd->flags;
		WRITE_ONCE(xd->flags, flags);
	}
	if (attrs[XMESH_A_DEV_FWMARK]) {
		u32 mark = nla_get_u32(attrs[XMESH_A_DEV_FWMARK]);

		changed |= mark != xd->dp.fwmark;
		xmesh_dp_set_fwmark(&xd->dp, mark);
	}
	if (changed)
		xmesh_device_changed(xd);

out_put:
	mutex_unlock(&xd->conf_lock);
	xmesh_nl_device_put(xd);
out_unlock:
	rtnl_unlock();
	return err;
}

int __init xmesh_nl_init(void)
{
	return genl_register_family(&xmesh_nl_family);
}

void xmesh_nl_uninit(void)
{
	genl_unregister_family(&xmesh_nl_family);
}
