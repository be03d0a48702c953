// SPDX-License-Identifier: GPL-2.0
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/xmesh.yaml */
/* by tools/ynl/ynl-gen.py */

#include "netlink_gen.h"

static struct netlink_range_validation xmesh_dev_mtu_range = {
	.min = 1280ULL,
	.max = 65000ULL,
};

const struct nla_policy xmesh_keyconf_nl_policy[XMESH_A_KEYCONF_MAX + 1] = {
	[XMESH_A_KEYCONF_SLOT] = NLA_POLICY_MAX(NLA_U32, 1),
	[XMESH_A_KEYCONF_LOCAL_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_KEYCONF_REMOTE_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_KEYCONF_ENCRYPT_KEY] = NLA_POLICY_EXACT_LEN(32),
	[XMESH_A_KEYCONF_DECRYPT_KEY] = NLA_POLICY_EXACT_LEN(32),
	[XMESH_A_KEYCONF_REKEY_AFTER] = NLA_POLICY_MIN(NLA_U64, 1),
	[XMESH_A_KEYCONF_PAD] = { .type = NLA_REJECT, },
};

const struct nla_policy xmesh_stats_nl_policy[XMESH_A_STATS_MAX + 1] = {
	[XMESH_A_STATS_RX_PACKETS] = { .type = NLA_U64, },
	[XMESH_A_STATS_RX_BYTES] = { .type = NLA_U64, },
	[XMESH_A_STATS_TX_PACKETS] = { .type = NLA_U64, },
	[XMESH_A_STATS_TX_BYTES] = { .type = NLA_U64, },
	[XMESH_A_STATS_RELAY_PACKETS] = { .type = NLA_U64, },
	[XMESH_A_STATS_RELAY_BYTES] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_NO_ROUTE] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_NO_PEER] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_NO_KEY] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_NO_TENANT] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_SRC_MISMATCH] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_CROSS_TENANT] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_RATE] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_BUDGET] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_REPLAY] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_AUTH] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_HOP_LIMIT] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_MALFORMED] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_TOO_BIG] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_OTHER] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_SPOOF] = { .type = NLA_U64, },
	[XMESH_A_STATS_DROP_ECN] = { .type = NLA_U64, },
	[XMESH_A_STATS_PAD] = { .type = NLA_REJECT, },
};

const struct nla_policy xmesh_peer_nl_policy[XMESH_A_PEER_MAX + 1] = {
	[XMESH_A_PEER_NODE_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[XMESH_A_PEER_REMOTE_IPV4] = { .type = NLA_BE32, },
	[XMESH_A_PEER_REMOTE_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[XMESH_A_PEER_REMOTE_PORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[XMESH_A_PEER_KEYCONF] = NLA_POLICY_NESTED(xmesh_keyconf_nl_policy),
	[XMESH_A_PEER_STATS] = NLA_POLICY_NESTED(xmesh_stats_nl_policy),
	[XMESH_A_PEER_PAD] = { .type = NLA_REJECT, },
};

const struct nla_policy xmesh_route_nl_policy[XMESH_A_ROUTE_MAX + 1] = {
	[XMESH_A_ROUTE_DST_IPV4] = { .type = NLA_BE32, },
	[XMESH_A_ROUTE_DST_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[XMESH_A_ROUTE_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[XMESH_A_ROUTE_NODE_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[XMESH_A_ROUTE_PAD] = { .type = NLA_REJECT, },
};

const struct nla_policy xmesh_nexthop_nl_policy[XMESH_A_NEXTHOP_MAX + 1] = {
	[XMESH_A_NEXTHOP_DST_NODE] = NLA_POLICY_MIN(NLA_U64, 1),
	[XMESH_A_NEXTHOP_VIA_NODE] = NLA_POLICY_MIN(NLA_U64, 1),
	[XMESH_A_NEXTHOP_METRIC] = { .type = NLA_U32, },
	[XMESH_A_NEXTHOP_ACTIVE] = { .type = NLA_FLAG, },
	[XMESH_A_NEXTHOP_PAD] = { .type = NLA_REJECT, },
};

const struct nla_policy xmesh_tenant_nl_policy[XMESH_A_TENANT_MAX + 1] = {
	[XMESH_A_TENANT_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_TENANT_PREFIX] = NLA_POLICY_NESTED(xmesh_route_nl_policy),
	[XMESH_A_TENANT_RATE_BPS] = { .type = NLA_U64, },
	[XMESH_A_TENANT_BURST_BYTES] = { .type = NLA_U64, },
	[XMESH_A_TENANT_BUDGET_BYTES] = { .type = NLA_U64, },
	[XMESH_A_TENANT_STATS] = NLA_POLICY_NESTED(xmesh_stats_nl_policy),
	[XMESH_A_TENANT_PAD] = { .type = NLA_REJECT, },
	[XMESH_A_TENANT_INGRESS_IFINDEX] = { .type = NLA_U32, },
};

const struct nla_policy xmesh_dev_nl_policy[XMESH_A_DEV_MAX + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_LISTEN_PORT] = { .type = NLA_U16, },
	[XMESH_A_DEV_NODE_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[XMESH_A_DEV_MTU] = NLA_POLICY_FULL_RANGE(NLA_U32, &xmesh_dev_mtu_range),
	[XMESH_A_DEV_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x1),
	[XMESH_A_DEV_GENERATION] = { .type = NLA_U32, },
	[XMESH_A_DEV_PAD] = { .type = NLA_REJECT, },
	[XMESH_A_DEV_PEER] = NLA_POLICY_NESTED(xmesh_peer_nl_policy),
	[XMESH_A_DEV_ROUTE] = NLA_POLICY_NESTED(xmesh_route_nl_policy),
	[XMESH_A_DEV_NEXTHOP] = NLA_POLICY_NESTED(xmesh_nexthop_nl_policy),
	[XMESH_A_DEV_TENANT] = NLA_POLICY_NESTED(xmesh_tenant_nl_policy),
	[XMESH_A_DEV_STATS] = NLA_POLICY_NESTED(xmesh_stats_nl_policy),
	[XMESH_A_DEV_EVENT] = NLA_POLICY_RANGE(NLA_U32, 1, 6),
	[XMESH_A_DEV_FWMARK] = { .type = NLA_U32, },
};

/* DEV_GET - do and dump */
const struct nla_policy xmesh_dev_get_nl_policy[XMESH_A_DEV_IFNAME + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* DEV_SET - do */
const struct nla_policy xmesh_dev_set_nl_policy[XMESH_A_DEV_FWMARK + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_LISTEN_PORT] = { .type = NLA_U16, },
	[XMESH_A_DEV_NODE_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[XMESH_A_DEV_MTU] = NLA_POLICY_FULL_RANGE(NLA_U32, &xmesh_dev_mtu_range),
	[XMESH_A_DEV_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x1),
	[XMESH_A_DEV_FWMARK] = { .type = NLA_U32, },
};

/* PEER_NEW - do */
const struct nla_policy xmesh_peer_new_nl_policy[XMESH_A_DEV_PEER + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_PEER] = NLA_POLICY_NESTED(xmesh_peer_nl_policy),
};

/* PEER_SET - do */
const struct nla_policy xmesh_peer_set_nl_policy[XMESH_A_DEV_PEER + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_PEER] = NLA_POLICY_NESTED(xmesh_peer_nl_policy),
};

/* PEER_DEL - do */
const struct nla_policy xmesh_peer_del_nl_policy[XMESH_A_DEV_PEER + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_PEER] = NLA_POLICY_NESTED(xmesh_peer_nl_policy),
};

/* PEER_GET - do and dump */
const struct nla_policy xmesh_peer_get_nl_policy[XMESH_A_DEV_PEER + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_PEER] = NLA_POLICY_NESTED(xmesh_peer_nl_policy),
};

/* KEY_NEW - do */
const struct nla_policy xmesh_key_new_nl_policy[XMESH_A_DEV_PEER + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_PEER] = NLA_POLICY_NESTED(xmesh_peer_nl_policy),
};

/* KEY_SWAP - do */
const struct nla_policy xmesh_key_swap_nl_policy[XMESH_A_DEV_PEER + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_PEER] = NLA_POLICY_NESTED(xmesh_peer_nl_policy),
};

/* KEY_DEL - do */
const struct nla_policy xmesh_key_del_nl_policy[XMESH_A_DEV_PEER + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_PEER] = NLA_POLICY_NESTED(xmesh_peer_nl_policy),
};

/* ROUTE_NEW - do */
const struct nla_policy xmesh_route_new_nl_policy[XMESH_A_DEV_ROUTE + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_ROUTE] = NLA_POLICY_NESTED(xmesh_route_nl_policy),
};

/* ROUTE_DEL - do */
const struct nla_policy xmesh_route_del_nl_policy[XMESH_A_DEV_ROUTE + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_ROUTE] = NLA_POLICY_NESTED(xmesh_route_nl_policy),
};

/* ROUTE_GET - dump */
const struct nla_policy xmesh_route_get_nl_policy[XMESH_A_DEV_IFNAME + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* NEXTHOP_NEW - do */
const struct nla_policy xmesh_nexthop_new_nl_policy[XMESH_A_DEV_NEXTHOP + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_NEXTHOP] = NLA_POLICY_NESTED(xmesh_nexthop_nl_policy),
};

/* NEXTHOP_DEL - do */
const struct nla_policy xmesh_nexthop_del_nl_policy[XMESH_A_DEV_NEXTHOP + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_NEXTHOP] = NLA_POLICY_NESTED(xmesh_nexthop_nl_policy),
};

/* NEXTHOP_GET - dump */
const struct nla_policy xmesh_nexthop_get_nl_policy[XMESH_A_DEV_IFNAME + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* TENANT_NEW - do */
const struct nla_policy xmesh_tenant_new_nl_policy[XMESH_A_DEV_TENANT + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_TENANT] = NLA_POLICY_NESTED(xmesh_tenant_nl_policy),
};

/* TENANT_SET - do */
const struct nla_policy xmesh_tenant_set_nl_policy[XMESH_A_DEV_TENANT + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_TENANT] = NLA_POLICY_NESTED(xmesh_tenant_nl_policy),
};

/* TENANT_DEL - do */
const struct nla_policy xmesh_tenant_del_nl_policy[XMESH_A_DEV_TENANT + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_TENANT] = NLA_POLICY_NESTED(xmesh_tenant_nl_policy),
};

/* TENANT_GET - do and dump */
const struct nla_policy xmesh_tenant_get_nl_policy[XMESH_A_DEV_TENANT + 1] = {
	[XMESH_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[XMESH_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[XMESH_A_DEV_TENANT] = NLA_POLICY_NESTED(xmesh_tenant_nl_policy),
};

const struct genl_ops xmesh_nl_ops[19] = {
	{
		.cmd		= XMESH_CMD_DEV_GET,
		.doit		= xmesh_nl_dev_get_doit,
		.dumpit		= xmesh_nl_dev_get_dumpit,
		.policy		= xmesh_dev_get_nl_policy,
		.maxattr	= XMESH_A_DEV_IFNAME,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_DEV_SET,
		.doit		= xmesh_nl_dev_set_doit,
		.policy		= xmesh_dev_set_nl_policy,
		.maxattr	= XMESH_A_DEV_FWMARK,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_PEER_NEW,
		.doit		= xmesh_nl_peer_new_doit,
		.policy		= xmesh_peer_new_nl_policy,
		.maxattr	= XMESH_A_DEV_PEER,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_PEER_SET,
		.doit		= xmesh_nl_peer_set_doit,
		.policy		= xmesh_peer_set_nl_policy,
		.maxattr	= XMESH_A_DEV_PEER,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_PEER_DEL,
		.doit		= xmesh_nl_peer_del_doit,
		.policy		= xmesh_peer_del_nl_policy,
		.maxattr	= XMESH_A_DEV_PEER,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_PEER_GET,
		.doit		= xmesh_nl_peer_get_doit,
		.dumpit		= xmesh_nl_peer_get_dumpit,
		.policy		= xmesh_peer_get_nl_policy,
		.maxattr	= XMESH_A_DEV_PEER,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_KEY_NEW,
		.doit		= xmesh_nl_key_new_doit,
		.policy		= xmesh_key_new_nl_policy,
		.maxattr	= XMESH_A_DEV_PEER,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_KEY_SWAP,
		.doit		= xmesh_nl_key_swap_doit,
		.policy		= xmesh_key_swap_nl_policy,
		.maxattr	= XMESH_A_DEV_PEER,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_KEY_DEL,
		.doit		= xmesh_nl_key_del_doit,
		.policy		= xmesh_key_del_nl_policy,
		.maxattr	= XMESH_A_DEV_PEER,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_ROUTE_NEW,
		.doit		= xmesh_nl_route_new_doit,
		.policy		= xmesh_route_new_nl_policy,
		.maxattr	= XMESH_A_DEV_ROUTE,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_ROUTE_DEL,
		.doit		= xmesh_nl_route_del_doit,
		.policy		= xmesh_route_del_nl_policy,
		.maxattr	= XMESH_A_DEV_ROUTE,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_ROUTE_GET,
		.dumpit		= xmesh_nl_route_get_dumpit,
		.policy		= xmesh_route_get_nl_policy,
		.maxattr	= XMESH_A_DEV_IFNAME,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_NEXTHOP_NEW,
		.doit		= xmesh_nl_nexthop_new_doit,
		.policy		= xmesh_nexthop_new_nl_policy,
		.maxattr	= XMESH_A_DEV_NEXTHOP,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_NEXTHOP_DEL,
		.doit		= xmesh_nl_nexthop_del_doit,
		.policy		= xmesh_nexthop_del_nl_policy,
		.maxattr	= XMESH_A_DEV_NEXTHOP,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_NEXTHOP_GET,
		.dumpit		= xmesh_nl_nexthop_get_dumpit,
		.policy		= xmesh_nexthop_get_nl_policy,
		.maxattr	= XMESH_A_DEV_IFNAME,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_TENANT_NEW,
		.doit		= xmesh_nl_tenant_new_doit,
		.policy		= xmesh_tenant_new_nl_policy,
		.maxattr	= XMESH_A_DEV_TENANT,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_TENANT_SET,
		.doit		= xmesh_nl_tenant_set_doit,
		.policy		= xmesh_tenant_set_nl_policy,
		.maxattr	= XMESH_A_DEV_TENANT,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_TENANT_DEL,
		.doit		= xmesh_nl_tenant_del_doit,
		.policy		= xmesh_tenant_del_nl_policy,
		.maxattr	= XMESH_A_DEV_TENANT,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XMESH_CMD_TENANT_GET,
		.doit		= xmesh_nl_tenant_get_doit,
		.start		= xmesh_nl_tenant_get_dump_start,
		.dumpit		= xmesh_nl_tenant_get_dumpit,
		.policy		= xmesh_tenant_get_nl_policy,
		.maxattr	= XMESH_A_DEV_TENANT,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

const struct genl_multicast_group xmesh_nl_mcgrps[1] = {
	[XMESH_NLGRP_EVENTS] = { .name = XMESH_MCGRP_EVENTS, },
};
