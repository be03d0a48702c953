// SPDX-License-Identifier: GPL-2.0
/*
 * The xmesh net_device and its rtnl link kind: `ip link add xmesh0 type
 * xmesh` creates one, `ip link del` or unloading the module removes it.
 *
 * Packets sent to it go to the data path (kmod/datapath.h, send.c).
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>

#include "device.h"
#include "tenant.h"

/* Per-netns state: a sequence number of xmesh configuration changes. */
struct xmesh_net {
	atomic_t seq;
};

static unsigned int xmesh_net_id __read_mostly;

static struct xmesh_net *xmesh_net(const struct net *net)
{
	return net_generic(net, xmesh_net_id);
}

/*
 * Sequence number for NLM_F_DUMP_INTR: changes whenever an xmesh device of
 * @net is added, removed or reconfigured (dev_base_seq covers the first two).
 */
u32 xmesh_net_seq(const struct net *net)
{
	return READ_ONCE(net->dev_base_seq) +
	       (u32)atomic_read(&xmesh_net(net)->seq);
}

/* Record a configuration change of @xd: bump its and its netns' counters. */
void xmesh_device_changed(struct xmesh_device *xd)
{
	atomic_inc(&xd->generation);
	atomic_inc(&xmesh_net(dev_net(xd->dev))->seq);
}

/*
 * The xmesh device of @net listening on @port, or NULL. Caller holds
 * rtnl_lock, which every writer of listen_port holds too.
 */
struct xmesh_device *xmesh_device_by_port(struct net *net, u16 port)
{
	struct net_device *dev;

	ASSERT_RTNL();
	if (!port)
		return NULL;
	for_each_netdev(net, dev) {
		struct xmesh_device *xd;

		if (!netif_is_xmesh(dev))
			continue;
		xd = netdev_priv(dev);
		if (READ_ONCE(xd->listen_port) == port)
			return xd;
	}
	return NULL;
}

static int xmesh_dev_init(struct net_device *dev)
{
	struct xmesh_device *xd = netdev_priv(dev);
	int err;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	err = xmesh_dp_init(&xd->dp, dev);
	if (err) {
		free_percpu(dev->tstats);
		return err;
	}
	return 0;
}

static void xmesh_dev_uninit(struct net_device *dev)
{
	struct xmesh_device *xd = netdev_priv(dev);

	xmesh_dp_uninit(&xd->dp);
}

/* The UDP sockets are open while the device is up (and a port is set). */
static int xmesh_dev_open(struct net_device *dev)
{
	struct xmesh_device *xd = netdev_priv(dev);

	return xmesh_dp_open(&xd->dp, xd->listen_port);
}

static int xmesh_dev_stop(struct net_device *dev)
{
	struct xmesh_device *xd = netdev_priv(dev);

	xmesh_dp_stop(&xd->dp);
	return 0;
}

/*
 * Runs once the last reference is gone (or register_netdevice failed after
 * ndo_init), so no stats reader can still see tstats.
 */
static void xmesh_dev_destruct(struct net_device *dev)
{
	struct xmesh_device *xd = netdev_priv(dev);

	xmesh_dp_destruct(&xd->dp);
	free_percpu(dev->tstats);
	mutex_destroy(&xd->conf_lock);
}

static int xmesh_dev_change_mtu(struct net_device *dev, int new_mtu)
{
	struct xmesh_device *xd = netdev_priv(dev);

	/* The core checked new_mtu against min_mtu and max_mtu. */
	WRITE_ONCE(dev->mtu, new_mtu);
	xmesh_device_changed(xd);
	return 0;
}

static const struct net_device_ops xmesh_netdev_ops = {
	.ndo_init		= xmesh_dev_init,
	.ndo_uninit		= xmesh_dev_uninit,
	.ndo_open		= xmesh_dev_open,
	.ndo_stop		= xmesh_dev_stop,
	.ndo_start_xmit		= xmesh_dp_xmit,
	.ndo_change_mtu		= xmesh_dev_change_mtu,
	.ndo_get_stats64	= dev_get_tstats64,
};

static void xmesh_setup(struct net_device *dev)
{
	struct xmesh_device *xd = netdev_priv(dev);

	dev->netdev_ops = &xmesh_netdev_ops;
	dev->header_ops = NULL;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needs_free_netdev = true;
	dev->priv_destructor = xmesh_dev_destruct;
	/*
	 * The UDP socket of a device lives in the device's netns: keep the
	 * device there rather than let it and its socket part ways.
	 */
	dev->features |= NETIF_F_LLTX | NETIF_F_NETNS_LOCAL;
	/*
	 * Keep the inner route on the skb down to ndo_start_xmit: the ICMP
	 * "fragmentation needed" answer to a forwarded packet too big for
	 * the device needs it (icmp_ndo_send() sends nothing without one).
	 * The transmit path drops it once the packet is accepted.
	 */
	netif_keep_dst(dev);
	dev->mtu = XMESH_DEFAULT_MTU;
	dev->min_mtu = XMESH_MIN_MTU;
	dev->max_mtu = XMESH_MAX_MTU;
	xmesh_dp_setup(dev);

	memset(xd, 0, sizeof(*xd));
	xd->dev = dev;
	mutex_init(&xd->conf_lock);
}

static int xmesh_newlink(struct net *src_net, struct net_device *dev,
			 struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	int err;

	err = register_netdevice(dev);
	if (err)
		return err;
	atomic_inc(&xmesh_net(dev_net(dev))->seq);
	return 0;
}

static void xmesh_dellink(struct net_device *dev, struct list_head *head)
{
	atomic_inc(&xmesh_net(dev_net(dev))->seq);
	unregister_netdevice_queue(dev, head);
}

struct rtnl_link_ops xmesh_link_ops __read_mostly = {
	.kind		= KBUILD_MODNAME,
	.priv_size	= sizeof(struct xmesh_device),
	.setup		= xmesh_setup,
	.newlink	= xmesh_newlink,
	.dellink	= xmesh_dellink,
};

static struct pernet_operations xmesh_net_ops = {
	.id	= &xmesh_net_id,
	.size	= sizeof(struct xmesh_net),
};

/* An interface a tenant is bound to leaves: see xmesh_tenant_ingress_gone(). */
static int xmesh_netdev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr), *d;

	if (event != NETDEV_UNREGISTER || netif_is_xmesh(dev))
		return NOTIFY_DONE;
	ASSERT_RTNL();
	for_each_netdev(dev_net(dev), d)
		if (netif_is_xmesh(d))
			xmesh_tenant_ingress_gone(&((struct xmesh_device *)
						    netdev_priv(d))->dp,
						  dev->ifindex);
	return NOTIFY_DONE;
}

static struct notifier_block xmesh_netdev_nb = {
	.notifier_call = xmesh_netdev_event,
};

int __init xmesh_device_init(void)
{
	int err;

	err = register_pernet_device(&xmesh_net_ops);
	if (err)
		return err;
	err = register_netdevice_notifier(&xmesh_netdev_nb);
	if (err)
		goto err_pernet;
	err = rtnl_link_register(&xmesh_link_ops);
	if (err)
		goto err_notifier;
	return 0;

err_notifier:
	unregister_netdevice_notifier(&xmesh_netdev_nb);
err_pernet:
	unregister_pernet_device(&xmesh_net_ops);
	return err;
}

void xmesh_device_uninit(void)
{
	/* Deletes every xmesh device of every netns. */
	rtnl_link_unregister(&xmesh_link_ops);
	unregister_netdevice_notifier(&xmesh_netdev_nb);
	unregister_pernet_device(&xmesh_net_ops);
}
