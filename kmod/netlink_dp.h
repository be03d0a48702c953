/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the genetlink handlers of the data path (peers, keys,
 * routes, next hops, tenants): finding and locking a device's data path,
 * prefixes in their netlink form, and dumps that resume from a key.
 */
#ifndef _XMESH_NETLINK_DP_H
#define _XMESH_NETLINK_DP_H

#include <net/genetlink.h>

#include "datapath.h"
#include "lpm.h"

struct xmesh_device;

/*
 * The data path of the device a request names, locked; NULL with an
 * extack message and *err set otherwise. Release with xmesh_nl_dp_unlock().
 */
struct xmesh_dp *xmesh_nl_dp_lock(struct net *net, struct nlattr **attrs,
				  struct netlink_ext_ack *extack, int *err);
void xmesh_nl_dp_unlock(struct xmesh_dp *dp);

/* The same for a dump, which also sets cb->seq for NLM_F_DUMP_INTR. */
struct xmesh_dp *xmesh_nl_dump_lock(struct sk_buff *skb,
				    struct netlink_callback *cb, int *err);

/* Parse a nest of the route set: dst-ipv4 or dst-ipv6 and prefix-len. */
int xmesh_nl_parse_prefix(const struct nlattr *nest, struct nlattr **tb,
			  struct xmesh_prefix *p,
			  struct netlink_ext_ack *extack);
int xmesh_nl_put_prefix(struct sk_buff *msg, const struct xmesh_prefix *p);

/*
 * Parse the nest at attrs[type] with policy into tb; the extack message
 * names it (what: a string literal) when it is missing.
 */
#define xmesh_nl_parse_nest(attrs, type, tb, maxtype, policy, extack, what) \
	__xmesh_nl_parse_nest(attrs, type, tb, maxtype, policy, extack,	    \
			      KBUILD_MODNAME ": missing " what)
int __xmesh_nl_parse_nest(struct nlattr **attrs, int type, struct nlattr **tb,
			  int maxtype, const struct nla_policy *policy,
			  struct netlink_ext_ack *extack, const char *msg);

/* Start a message of a dump part. */
void *xmesh_nl_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			u8 cmd);

/* End a dump part: the error only when nothing at all fit. */
static inline int xmesh_nl_dump_end(struct sk_buff *skb, int err)
{
	return err && !skb->len ? err : skb->len;
}

#endif /* _XMESH_NETLINK_DP_H */
