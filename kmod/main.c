// SPDX-License-Identifier: GPL-2.0
/*
 * xmesh: the overlay device and generic netlink family of a decentralized
 * cloud node. See Documentation/uapi.md.
 */

#include <linux/module.h>

#include <linux/xmesh.h>

#include "device.h"
#include "netlink.h"

static int __init xmesh_init(void)
{
	int err;

	err = xmesh_device_init();
	if (err)
		return err;
	/* Last: userspace may configure devices as soon as the family shows. */
	err = xmesh_nl_init();
	if (err)
		goto err_device;

	pr_info("xmesh " XMESH_VERSION " loaded\n");
	return 0;

err_device:
	xmesh_device_uninit();
	return err;
}

static void __exit xmesh_exit(void)
{
	/* First: no request may find a device while they are removed. */
	xmesh_nl_uninit();
	xmesh_device_uninit();
	/* Peers, keys and routes are freed in RCU callbacks of this module. */
	rcu_barrier();
}

module_init(xmesh_init);
module_exit(xmesh_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xmesh overlay device and netlink family");
MODULE_AUTHOR("The xmesh authors");
MODULE_VERSION(XMESH_VERSION);
MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
MODULE_ALIAS_GENL_FAMILY(XMESH_FAMILY_NAME);
