/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xmesh-specific helpers of the kernel selftests: loading the module under
 * test, creating xmesh links over rtnetlink and speaking the "xmesh"
 * generic netlink family (include/uapi/linux/xmesh.h).
 */
#ifndef XM_DEV_H
#define XM_DEV_H

#include <net/if.h>

#include <linux/xmesh.h>

#include "xm_nl.h"

/* The module under test: $XMESH_KO (set by tools/vm/run). */
int xm_module_load(void);	/* 0 if loaded (now or before), else -errno */
int xm_module_unload(void);	/* 0 if unloaded (now or before), else -errno */
bool xm_module_loaded(void);

/* rtnetlink: add or delete an xmesh link in the socket's netns. */
int xm_link_add(struct xm_nl *rt, const char *name);
int xm_link_del(struct xm_nl *rt, const char *name);
/* Add @n links PREFIX0..PREFIX(n-1); 0 or the first -errno. */
int xm_links_add(struct xm_nl *rt, const char *prefix, unsigned int n);
/* Count the links of kind "xmesh" in the socket's netns (or -errno). */
int xm_links_count(struct xm_nl *rt);

/* A device as DEV_GET reports it; has_* tell which attributes came. */
struct xm_dev {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	uint16_t listen_port;
	uint64_t node_id;
	uint32_t mtu;
	uint32_t flags;
	uint32_t generation;
	bool has_ifindex, has_ifname, has_listen_port, has_node_id, has_mtu,
		has_flags, has_generation;
};

/* Parse one DEV_GET reply message into @d. */
void xm_dev_parse(const struct nlmsghdr *nlh, struct xm_dev *d);

/* DEV_GET by @ifindex (if non-zero) or else by @ifname. */
int xm_dev_get(struct xm_nl *nl, uint32_t ifindex, const char *ifname, struct xm_dev *d);

/* What a DEV_SET request carries; only the set_* attributes are sent. */
struct xm_dev_set {
	uint32_t ifindex;		/* 0: select by ifname */
	const char *ifname;		/* NULL: none */
	bool set_listen_port, set_node_id, set_mtu, set_flags;
	uint16_t listen_port;
	uint64_t node_id;
	uint32_t mtu;
	uint32_t flags;
};

int xm_dev_set(struct xm_nl *nl, const struct xm_dev_set *s);

/* DEV_GET dump; @cb gets each device. */
int xm_dev_dump(struct xm_nl *nl, void (*cb)(const struct xm_dev *d, void *data), void *data);

#endif /* XM_DEV_H */
