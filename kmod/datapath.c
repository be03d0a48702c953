// SPDX-License-Identifier: GPL-2.0
/* Life cycle of a device's data-path state and its netdev hooks. */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "datapath.h"
#include "device.h"
#include "peer.h"
#include "route.h"
#include "socket.h"
#include "tenant.h"

static struct xmesh_device *dp_device(const struct xmesh_dp *dp)
{
	return container_of(dp, struct xmesh_device, dp);
}

struct xmesh_dp *xmesh_dp_of(struct net_device *dev)
{
	return &((struct xmesh_device *)netdev_priv(dev))->dp;
}

u64 xmesh_dp_node_id(const struct xmesh_dp *dp)
{
	return READ_ONCE(dp_device(dp)->node_id);
}

bool xmesh_dp_relay_enabled(const struct xmesh_dp *dp)
{
	return READ_ONCE(dp_device(dp)->flags) & XMESH_DEV_FLAGS_RELAY;
}

u32 xmesh_dp_generation(const struct xmesh_dp *dp)
{
	return (u32)atomic_read(&dp_device(dp)->generation);
}

void xmesh_dp_changed(struct xmesh_dp *dp)
{
	lockdep_assert_held(&dp->lock);
	xmesh_device_changed(dp_device(dp));
}

/* Offloads the stack may use: xmit segments and checksums in software. */
#define XMESH_FEATURES	(NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
			 NETIF_F_GSO | NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

void xmesh_dp_setup(struct net_device *dev)
{
	dev->features |= XMESH_FEATURES;
	dev->hw_features |= XMESH_FEATURES;
	dev->hw_enc_features |= XMESH_FEATURES;
	dev->needed_headroom = XMESH_HEADROOM;
	dev->needed_tailroom = XMESH_WIRE_PAD + XMESH_WIRE_TAG_LEN;
}

int xmesh_dp_init(struct xmesh_dp *dp, struct net_device *dev)
{
	int err;

	dp->dev = dev;
	mutex_init(&dp->lock);
	xa_init(&dp->peers);
	xa_init(&dp->indexes);
	xa_init(&dp->nexthops);
	xa_init(&dp->tenants);
	xa_init(&dp->ingress);
	err = xmesh_lpm_init(&dp->routes, XMESH_MAX_ROUTES);
	if (err)
		return err;
	err = xmesh_lpm_init(&dp->tenant_prefixes, XMESH_MAX_TENANT_PREFIXES);
	if (err)
		goto err_routes;
	err = xmesh_stats_init(&dp->stats);
	if (err)
		goto err_tenants;
	err = gro_cells_init(&dp->gro, dev);
	if (err)
		goto err_stats;
	return 0;

err_stats:
	xmesh_stats_free(&dp->stats);
err_tenants:
	xmesh_lpm_destroy(&dp->tenant_prefixes);
err_routes:
	xmesh_lpm_destroy(&dp->routes);
	return err;
}

/* From ndo_uninit, under RTNL: the device is down and unlisted. */
void xmesh_dp_uninit(struct xmesh_dp *dp)
{
	xmesh_socket_close(dp);
	mutex_lock(&dp->lock);
	dp->dead = true;
	xmesh_peer_remove_all(dp);
	xmesh_tenant_remove_all(dp);
	xmesh_nexthop_remove_all(dp);
	mutex_unlock(&dp->lock);
	/* No reader is left in the tables after this: free them directly. */
	synchronize_net();
	xmesh_lpm_destroy(&dp->routes);
	xmesh_lpm_destroy(&dp->tenant_prefixes);
	gro_cells_destroy(&dp->gro);
	xa_destroy(&dp->peers);
	xa_destroy(&dp->indexes);
	xa_destroy(&dp->nexthops);
	xa_destroy(&dp->tenants);
	xa_destroy(&dp->ingress);
}

/* From the device destructor: netlink readers may hold the device until. */
void xmesh_dp_destruct(struct xmesh_dp *dp)
{
	xmesh_stats_free(&dp->stats);
	mutex_destroy(&dp->lock);
}

int xmesh_dp_open(struct xmesh_dp *dp, u16 port)
{
	return xmesh_socket_open(dp, port);
}

void xmesh_dp_stop(struct xmesh_dp *dp)
{
	xmesh_socket_close(dp);
}

/*
 * The listen port changes: bind the new one aside if the device is up
 * (nothing to do otherwise: socks stay empty). Under RTNL.
 */
int xmesh_dp_port_prepare(struct xmesh_dp *dp, u16 port,
			  struct xmesh_socks *socks, bool *rebind)
{
	*rebind = netif_running(dp->dev) && port != dp->port;
	socks->s4 = NULL;
	socks->s6 = NULL;
	return *rebind ? xmesh_socket_prepare(dp, port, socks) : 0;
}

/* Mark the outer packets; routes cached under the old mark are dropped. */
void xmesh_dp_set_fwmark(struct xmesh_dp *dp, u32 mark)
{
	struct xmesh_peer *peer;
	unsigned long id;

	mutex_lock(&dp->lock);
	WRITE_ONCE(dp->fwmark, mark);
	xa_for_each(&dp->peers, id, peer)
		dst_cache_reset(&peer->dst_cache);
	mutex_unlock(&dp->lock);
}
