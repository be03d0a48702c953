// SPDX-License-Identifier: GPL-2.0
/*
 * DEV_SET then DEV_GET of every device attribute: what is written is read
 * back, by ifindex and by name, the netdev agrees on the MTU, generation
 * counts real changes, and a rejected request changes nothing.
 */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "xm_dev.h"

/* The MTU as the netdev core sees it (sysfs). */
static int sysfs_mtu(const char *ifname)
{
	char path[64];
	FILE *f;
	int mtu = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifname);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &mtu) != 1)
		mtu = -1;
	fclose(f);
	return mtu;
}

FIXTURE(dev) {
	struct xm_nl rt, nl;
	uint32_t ifindex;
};

FIXTURE_SETUP(dev)
{
	ASSERT_EQ(0, xm_module_load());
	ASSERT_EQ(0, xm_nl_open(&self->rt, NETLINK_ROUTE));
	ASSERT_EQ(0, xm_genl_open(&self->nl, XMESH_FAMILY_NAME));
	ASSERT_EQ(0, xm_link_add(&self->rt, "xmc0"));
	self->ifindex = if_nametoindex("xmc0");
	ASSERT_NE(0, self->ifindex);
}

FIXTURE_TEARDOWN(dev)
{
	xm_link_del(&self->rt, "xmc0");
	xm_link_del(&self->rt, "xmc1");
	xm_nl_close(&self->nl);
	xm_nl_close(&self->rt);
}

TEST_F(dev, new_device_defaults)
{
	struct xm_dev d;

	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &d));
	ASSERT_TRUE(d.has_ifindex && d.has_ifname && d.has_listen_port && d.has_node_id &&
		    d.has_mtu && d.has_flags && d.has_generation);
	EXPECT_EQ(self->ifindex, d.ifindex);
	EXPECT_STREQ("xmc0", d.ifname);
	EXPECT_EQ(0, d.listen_port);
	EXPECT_EQ(0, d.node_id);
	EXPECT_EQ(0, d.flags);
	EXPECT_GE(d.mtu, 1280);
	EXPECT_LE(d.mtu, 65000);
	EXPECT_EQ(sysfs_mtu("xmc0"), (int)d.mtu);
}

TEST_F(dev, listen_port_round_trip)
{
	static const uint16_t ports[] = { 1, 51830, 65535, 0 };
	struct xm_dev d;
	unsigned int i;

	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
			.ifindex = self->ifindex, .set_listen_port = true,
			.listen_port = ports[i] }));
		ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &d));
		EXPECT_EQ(ports[i], d.listen_port);
	}
}

TEST_F(dev, node_id_round_trip)
{
	static const uint64_t ids[] = { 1, 0x0123456789abcdefULL, UINT64_MAX };
	struct xm_dev d;
	unsigned int i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
			.ifindex = self->ifindex, .set_node_id = true, .node_id = ids[i] }));
		ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &d));
		EXPECT_EQ(ids[i], d.node_id);
	}
}

TEST_F(dev, mtu_round_trip_reaches_netdev)
{
	static const uint32_t mtus[] = { 1280, 1420, 9000, 65000 };
	struct xm_dev d;
	unsigned int i;

	for (i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
			.ifindex = self->ifindex, .set_mtu = true, .mtu = mtus[i] }));
		ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &d));
		EXPECT_EQ(mtus[i], d.mtu);
		EXPECT_EQ((int)mtus[i], sysfs_mtu("xmc0"));
	}
}

TEST_F(dev, mtu_set_over_rtnetlink_is_reported)
{
	struct xm_dev d;

	ASSERT_EQ(0, system("ip link set dev xmc0 mtu 1400"));
	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &d));
	EXPECT_EQ(1400, d.mtu);
	/* The core enforces the device's MTU bounds too. */
	EXPECT_NE(0, system("ip link set dev xmc0 mtu 1279 2>/dev/null"));
	EXPECT_NE(0, system("ip link set dev xmc0 mtu 65001 2>/dev/null"));
	EXPECT_EQ(1400, sysfs_mtu("xmc0"));
}

TEST_F(dev, flags_round_trip)
{
	struct xm_dev d;

	ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifindex = self->ifindex, .set_flags = true, .flags = XMESH_DEV_FLAGS_RELAY }));
	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &d));
	EXPECT_EQ(XMESH_DEV_FLAGS_RELAY, d.flags);
	ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifindex = self->ifindex, .set_flags = true, .flags = 0 }));
	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &d));
	EXPECT_EQ(0, d.flags);
}

TEST_F(dev, set_all_by_name_get_by_both)
{
	struct xm_dev by_index, by_name;

	ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifname = "xmc0", .set_listen_port = true, .listen_port = 4242,
		.set_node_id = true, .node_id = 0xfeedULL, .set_mtu = true, .mtu = 1300,
		.set_flags = true, .flags = XMESH_DEV_FLAGS_RELAY }));
	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &by_index));
	ASSERT_EQ(0, xm_dev_get(&self->nl, 0, "xmc0", &by_name));
	EXPECT_EQ(4242, by_index.listen_port);
	EXPECT_EQ(0xfeedULL, by_index.node_id);
	EXPECT_EQ(1300, by_index.mtu);
	EXPECT_EQ(XMESH_DEV_FLAGS_RELAY, by_index.flags);
	EXPECT_EQ(0, memcmp(&by_index, &by_name, sizeof(by_index)));
}

TEST_F(dev, devices_are_independent)
{
	struct xm_dev d0, d1;

	ASSERT_EQ(0, xm_link_add(&self->rt, "xmc1"));
	ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifname = "xmc1", .set_node_id = true, .node_id = 11,
		.set_listen_port = true, .listen_port = 1111 }));
	ASSERT_EQ(0, xm_dev_get(&self->nl, 0, "xmc0", &d0));
	ASSERT_EQ(0, xm_dev_get(&self->nl, 0, "xmc1", &d1));
	EXPECT_EQ(0, d0.node_id);
	EXPECT_EQ(0, d0.listen_port);
	EXPECT_EQ(11, d1.node_id);
	EXPECT_EQ(1111, d1.listen_port);
}

TEST_F(dev, generation_counts_changes_only)
{
	struct xm_dev a, b, c;
	struct xm_dev_set s = { .ifindex = self->ifindex, .set_node_id = true, .node_id = 5 };

	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &a));
	ASSERT_EQ(0, xm_dev_set(&self->nl, &s));
	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &b));
	EXPECT_NE(a.generation, b.generation);
	ASSERT_EQ(0, xm_dev_set(&self->nl, &s));	/* same value again */
	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &c));
	EXPECT_EQ(b.generation, c.generation);
}

TEST_F(dev, listen_port_conflict_is_eaddrinuse)
{
	struct xm_dev d;

	ASSERT_EQ(0, xm_link_add(&self->rt, "xmc1"));
	ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifname = "xmc0", .set_listen_port = true, .listen_port = 51830 }));
	/* The whole request fails: the valid node-id is not applied either. */
	EXPECT_EQ(-EADDRINUSE, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifname = "xmc1", .set_listen_port = true, .listen_port = 51830,
		.set_node_id = true, .node_id = 99 }));
	EXPECT_TRUE(self->nl.has_ext_msg && self->nl.ext_msg[0]);
	ASSERT_EQ(0, xm_dev_get(&self->nl, 0, "xmc1", &d));
	EXPECT_EQ(0, d.listen_port);
	EXPECT_EQ(0, d.node_id);
	/* Setting its own port again, and port 0 on both, are fine. */
	EXPECT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifname = "xmc0", .set_listen_port = true, .listen_port = 51830 }));
	EXPECT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifname = "xmc0", .set_listen_port = true, .listen_port = 0 }));
	EXPECT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifname = "xmc1", .set_listen_port = true, .listen_port = 0 }));
}

TEST_F(dev, other_netns_is_invisible)
{
	struct xm_nl nl_ns, rt_ns;
	struct xm_dev d;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, xm_nl_open(&rt_ns, NETLINK_ROUTE));
	ASSERT_EQ(0, xm_genl_open(&nl_ns, XMESH_FAMILY_NAME));
	/* xmc0 lives in the initial netns, not this one. */
	EXPECT_EQ(-ENODEV, xm_dev_get(&nl_ns, 0, "xmc0", &d));
	EXPECT_EQ(-ENODEV, xm_dev_get(&nl_ns, self->ifindex, NULL, &d));
	/* The family is netnsok: devices of this netns work here. */
	ASSERT_EQ(0, xm_link_add(&rt_ns, "xmc0"));
	ASSERT_EQ(0, xm_dev_set(&nl_ns, &(struct xm_dev_set){
		.ifname = "xmc0", .set_node_id = true, .node_id = 77 }));
	ASSERT_EQ(0, xm_dev_get(&nl_ns, 0, "xmc0", &d));
	EXPECT_EQ(77, d.node_id);
	/* ... and did not touch the device of the same name outside. */
	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &d));
	EXPECT_EQ(0, d.node_id);
	xm_nl_close(&nl_ns);
	xm_nl_close(&rt_ns);
}

TEST_HARNESS_MAIN
