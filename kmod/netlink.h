/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xmesh generic netlink family. Policies and the ops table are
 * generated from the YNL spec into netlink_gen.[ch]; the handlers and the
 * helpers they share live in netlink.c and, for peers, routes and tenants,
 * in the files of the data path.
 */

#ifndef _XMESH_NETLINK_H
#define _XMESH_NETLINK_H

#include <net/genetlink.h>

struct xmesh_device;

extern struct genl_family xmesh_nl_family;

int xmesh_nl_init(void);
void xmesh_nl_uninit(void);

struct xmesh_device *xmesh_nl_device_get(struct net *net,
					 struct nlattr **attrs,
					 struct netlink_ext_ack *extack);
void xmesh_nl_device_put(struct xmesh_device *xd);

#endif /* _XMESH_NETLINK_H */
