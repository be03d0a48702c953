/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/xmesh.yaml */
/* by tools/ynl/ynl-gen.py */

#ifndef _XMESH_NETLINK_GEN_H
#define _XMESH_NETLINK_GEN_H

#include <net/genetlink.h>
#include <net/netlink.h>

#include <linux/xmesh.h>

/* Policies of the attribute sets, for nested attributes. */
extern const struct nla_policy xmesh_keyconf_nl_policy[XMESH_A_KEYCONF_MAX + 1];
extern const struct nla_policy xmesh_stats_nl_policy[XMESH_A_STATS_MAX + 1];
extern const struct nla_policy xmesh_peer_nl_policy[XMESH_A_PEER_MAX + 1];
extern const struct nla_policy xmesh_route_nl_policy[XMESH_A_ROUTE_MAX + 1];
extern const struct nla_policy xmesh_nexthop_nl_policy[XMESH_A_NEXTHOP_MAX + 1];
extern const struct nla_policy xmesh_tenant_nl_policy[XMESH_A_TENANT_MAX + 1];
extern const struct nla_policy xmesh_dev_nl_policy[XMESH_A_DEV_MAX + 1];

/* Request policies of the operations. */
extern const struct nla_policy xmesh_dev_get_nl_policy[XMESH_A_DEV_IFNAME + 1];
extern const struct nla_policy xmesh_dev_set_nl_policy[XMESH_A_DEV_FWMARK + 1];
extern const struct nla_policy xmesh_peer_new_nl_policy[XMESH_A_DEV_PEER + 1];
extern const struct nla_policy xmesh_peer_set_nl_policy[XMESH_A_DEV_PEER + 1];
extern const struct nla_policy xmesh_peer_del_nl_policy[XMESH_A_DEV_PEER + 1];
extern const struct nla_policy xmesh_peer_get_nl_policy[XMESH_A_DEV_PEER + 1];
extern const struct nla_policy xmesh_key_new_nl_policy[XMESH_A_DEV_PEER + 1];
extern const struct nla_policy xmesh_key_swap_nl_policy[XMESH_A_DEV_PEER + 1];
extern const struct nla_policy xmesh_key_del_nl_policy[XMESH_A_DEV_PEER + 1];
extern const struct nla_policy xmesh_route_new_nl_policy[XMESH_A_DEV_ROUTE + 1];
extern const struct nla_policy xmesh_route_del_nl_policy[XMESH_A_DEV_ROUTE + 1];
extern const struct nla_policy xmesh_route_get_nl_policy[XMESH_A_DEV_IFNAME + 1];
extern const struct nla_policy xmesh_nexthop_new_nl_policy[XMESH_A_DEV_NEXTHOP + 1];
extern const struct nla_policy xmesh_nexthop_del_nl_policy[XMESH_A_DEV_NEXTHOP + 1];
extern const struct nla_policy xmesh_nexthop_get_nl_policy[XMESH_A_DEV_IFNAME + 1];
extern const struct nla_policy xmesh_tenant_new_nl_policy[XMESH_A_DEV_TENANT + 1];
extern const struct nla_policy xmesh_tenant_set_nl_policy[XMESH_A_DEV_TENANT + 1];
extern const struct nla_policy xmesh_tenant_del_nl_policy[XMESH_A_DEV_TENANT + 1];
extern const struct nla_policy xmesh_tenant_get_nl_policy[XMESH_A_DEV_TENANT + 1];

/* Handlers, implemented by the module. */
int xmesh_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int xmesh_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_peer_new_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_peer_set_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_peer_del_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_peer_get_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int xmesh_nl_key_new_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_key_swap_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_route_new_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_route_del_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_route_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int xmesh_nl_nexthop_new_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_nexthop_del_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_nexthop_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int xmesh_nl_tenant_new_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_tenant_set_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_tenant_del_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_tenant_get_doit(struct sk_buff *skb, struct genl_info *info);
int xmesh_nl_tenant_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int xmesh_nl_tenant_get_dump_start(struct netlink_callback *cb);

extern const struct genl_ops xmesh_nl_ops[19];

enum {
	XMESH_NLGRP_EVENTS,
};

extern const struct genl_multicast_group xmesh_nl_mcgrps[1];

#endif /* _XMESH_NETLINK_GEN_H */
