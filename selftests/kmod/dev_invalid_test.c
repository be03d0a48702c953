// SPDX-License-Identifier: GPL-2.0
/*
 * Every malformed or impossible device request is refused with the right
 * errno and an extack message saying why, and leaves the device as it was.
 * One variant per kind of bad input.
 */

#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "xm_dev.h"

#define DEV_NAME "xminv0"

/* Append the bad part of the request; @ifindex is DEV_NAME's. */
typedef void (*build_fn)(struct nlmsghdr *nlh, uint32_t ifindex);

static void by_index(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_u32(nlh, XMESH_A_DEV_IFINDEX, ifindex);
}

static void bad_ifindex(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_u32(nlh, XMESH_A_DEV_IFINDEX, 0x7ffffff0);
}

static void zero_ifindex(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_u32(nlh, XMESH_A_DEV_IFINDEX, 0);
}

static void unknown_ifname(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, "xmnosuchdev");
}

static void long_ifname(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, "xmesh-name-too-long");
}

static void unterminated_ifname(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put(nlh, XMESH_A_DEV_IFNAME, 4, "xmin");
}

static void loopback_by_index(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_u32(nlh, XMESH_A_DEV_IFINDEX, 1);
	mnl_attr_put_u64(nlh, XMESH_A_DEV_NODE_ID, 1);
}

static void loopback_by_name(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, "lo");
	mnl_attr_put_u64(nlh, XMESH_A_DEV_NODE_ID, 1);
}

static void loopback_get(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, "lo");
}

static void no_selector(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_u64(nlh, XMESH_A_DEV_NODE_ID, 1);
}

static void mtu_too_small(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u32(nlh, XMESH_A_DEV_MTU, 1279);
}

static void mtu_too_big(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u32(nlh, XMESH_A_DEV_MTU, 65001);
}

static void unknown_flag(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u32(nlh, XMESH_A_DEV_FLAGS, XMESH_DEV_FLAGS_RELAY | 0x2);
}

static void high_flag(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u32(nlh, XMESH_A_DEV_FLAGS, 0x80000000u);
}

static void zero_node_id(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u64(nlh, XMESH_A_DEV_NODE_ID, 0);
}

static void port_as_u32(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u32(nlh, XMESH_A_DEV_LISTEN_PORT, 51830);
}

static void node_id_as_u32(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u32(nlh, XMESH_A_DEV_NODE_ID, 7);
}

static void mtu_as_u16(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u16(nlh, XMESH_A_DEV_MTU, 1400);
}

static void ifindex_as_u8(struct nlmsghdr *nlh, uint32_t ifindex)
{
	mnl_attr_put_u8(nlh, XMESH_A_DEV_IFINDEX, (uint8_t)ifindex);
}

static void read_only_generation(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u32(nlh, XMESH_A_DEV_GENERATION, 1);
}

static void unknown_attr_type(struct nlmsghdr *nlh, uint32_t ifindex)
{
	by_index(nlh, ifindex);
	mnl_attr_put_u32(nlh, 200, 1);
}

FIXTURE(invalid) {
	struct xm_nl rt, nl;
	uint32_t ifindex;
	struct xm_dev before;
};

FIXTURE_VARIANT(invalid) {
	uint8_t cmd;
	build_fn build;
	int err;		/* expected errno */
	bool points_at_attr;	/* extack names the offending attribute */
};

#define INVALID(name, command, fn, errno_, attr)			\
	FIXTURE_VARIANT_ADD(invalid, name) {				\
		.cmd = command, .build = fn, .err = errno_,		\
		.points_at_attr = attr,					\
	}

INVALID(set_bad_ifindex, XMESH_CMD_DEV_SET, bad_ifindex, ENODEV, true);
INVALID(get_bad_ifindex, XMESH_CMD_DEV_GET, bad_ifindex, ENODEV, true);
INVALID(set_zero_ifindex, XMESH_CMD_DEV_SET, zero_ifindex, ERANGE, true);
INVALID(set_unknown_ifname, XMESH_CMD_DEV_SET, unknown_ifname, ENODEV, true);
INVALID(get_unknown_ifname, XMESH_CMD_DEV_GET, unknown_ifname, ENODEV, true);
INVALID(set_ifname_too_long, XMESH_CMD_DEV_SET, long_ifname, EINVAL, true);
INVALID(set_ifname_unterminated, XMESH_CMD_DEV_SET, unterminated_ifname, EINVAL, true);
INVALID(set_non_xmesh_by_index, XMESH_CMD_DEV_SET, loopback_by_index, ENODEV, true);
INVALID(set_non_xmesh_by_name, XMESH_CMD_DEV_SET, loopback_by_name, ENODEV, true);
INVALID(get_non_xmesh, XMESH_CMD_DEV_GET, loopback_get, ENODEV, true);
INVALID(set_no_device_selector, XMESH_CMD_DEV_SET, no_selector, EINVAL, false);
INVALID(get_no_device_selector, XMESH_CMD_DEV_GET, NULL, EINVAL, false);
INVALID(set_mtu_too_small, XMESH_CMD_DEV_SET, mtu_too_small, ERANGE, true);
INVALID(set_mtu_too_big, XMESH_CMD_DEV_SET, mtu_too_big, ERANGE, true);
INVALID(set_unknown_flag, XMESH_CMD_DEV_SET, unknown_flag, EINVAL, true);
INVALID(set_high_flag, XMESH_CMD_DEV_SET, high_flag, EINVAL, true);
INVALID(set_node_id_zero, XMESH_CMD_DEV_SET, zero_node_id, ERANGE, true);
INVALID(set_port_wrong_length, XMESH_CMD_DEV_SET, port_as_u32, EINVAL, true);
INVALID(set_node_id_wrong_length, XMESH_CMD_DEV_SET, node_id_as_u32, EINVAL, true);
INVALID(set_mtu_wrong_length, XMESH_CMD_DEV_SET, mtu_as_u16, EINVAL, true);
INVALID(get_ifindex_wrong_length, XMESH_CMD_DEV_GET, ifindex_as_u8, EINVAL, true);
INVALID(set_read_only_generation, XMESH_CMD_DEV_SET, read_only_generation, EINVAL, true);
INVALID(set_unknown_attr_type, XMESH_CMD_DEV_SET, unknown_attr_type, EINVAL, true);

FIXTURE_SETUP(invalid)
{
	ASSERT_EQ(0, xm_module_load());
	ASSERT_EQ(0, xm_nl_open(&self->rt, NETLINK_ROUTE));
	ASSERT_EQ(0, xm_genl_open(&self->nl, XMESH_FAMILY_NAME));
	ASSERT_EQ(0, xm_link_add(&self->rt, DEV_NAME));
	self->ifindex = if_nametoindex(DEV_NAME);
	ASSERT_NE(0, self->ifindex);
	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &self->before));
}

FIXTURE_TEARDOWN(invalid)
{
	xm_link_del(&self->rt, DEV_NAME);
	xm_nl_close(&self->nl);
	xm_nl_close(&self->rt);
}

TEST_F(invalid, rejected_with_errno_and_extack)
{
	struct nlmsghdr *nlh = xm_genl_msg(&self->nl, variant->cmd, 0);
	uint32_t len_before;
	struct xm_dev after;
	int err;

	if (variant->build)
		variant->build(nlh, self->ifindex);
	len_before = nlh->nlmsg_len;
	err = xm_nl_talk(&self->nl, nlh, NULL, NULL);
	EXPECT_EQ(-variant->err, err) {
		TH_LOG("got %s, want %s", strerror(-err), strerror(variant->err));
	}
	EXPECT_TRUE(self->nl.has_ext_msg);
	EXPECT_NE(0, strlen(self->nl.ext_msg));
	TH_LOG("extack: \"%s\"", self->nl.ext_msg);
	if (variant->points_at_attr) {
		/* The offset points at an attribute inside our request. */
		EXPECT_TRUE(self->nl.has_ext_offs);
		EXPECT_GE(self->nl.ext_offs, NLMSG_HDRLEN + GENL_HDRLEN);
		EXPECT_LT(self->nl.ext_offs, len_before);
	} else {
		/* A missing selector is reported as such. */
		EXPECT_TRUE(self->nl.has_ext_miss);
		EXPECT_EQ(XMESH_A_DEV_IFINDEX, self->nl.ext_miss_type);
	}

	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &after));
	EXPECT_EQ(0, memcmp(&self->before, &after, sizeof(after)));
}

TEST_HARNESS_MAIN
