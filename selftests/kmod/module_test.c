// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading xmesh.ko: the link kind and the generic netlink
 * family appear with the module and go with it, also when devices (in
 * several network namespaces) still exist at unload time.
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xm_dev.h"

/* Is the "xmesh" family registered? 1, 0, or -errno on another failure. */
static int family_present(void)
{
	struct xm_nl nl;
	int err = xm_genl_open(&nl, XMESH_FAMILY_NAME);

	xm_nl_close(&nl);
	if (err == -ENOENT)
		return 0;
	return err ? err : 1;
}

FIXTURE(module) {
	struct xm_nl rt;
};

FIXTURE_SETUP(module)
{
	ASSERT_EQ(0, xm_nl_open(&self->rt, NETLINK_ROUTE));
}

FIXTURE_TEARDOWN(module)
{
	xm_nl_close(&self->rt);
	/* Leave the module loaded for the next test binary. */
	xm_module_load();
}

TEST_F(module, load_unload)
{
	struct xm_nl nl;
	struct xm_dev d;

	ASSERT_EQ(0, xm_module_unload());
	ASSERT_FALSE(xm_module_loaded());
	ASSERT_EQ(0, family_present());
	/* Without the module the link kind is unknown. */
	ASSERT_NE(0, xm_link_add(&self->rt, "xmload0"));

	ASSERT_EQ(0, xm_module_load());
	ASSERT_TRUE(xm_module_loaded());
	ASSERT_EQ(1, family_present());
	ASSERT_EQ(0, xm_link_add(&self->rt, "xmload0"));
	ASSERT_EQ(0, xm_genl_open(&nl, XMESH_FAMILY_NAME));
	ASSERT_EQ(0, xm_dev_get(&nl, 0, "xmload0", &d));
	EXPECT_STREQ("xmload0", d.ifname);
	xm_nl_close(&nl);
	ASSERT_EQ(0, xm_link_del(&self->rt, "xmload0"));

	ASSERT_EQ(0, xm_module_unload());
	ASSERT_FALSE(xm_module_loaded());
	ASSERT_EQ(0, family_present());
}

TEST_F(module, load_twice_is_eexist)
{
	int fd;

	ASSERT_EQ(0, xm_module_load());
	ASSERT_TRUE(xm_module_loaded());
	/* xm_module_load() returns early when loaded: ask the kernel itself. */
	fd = open(getenv("XMESH_KO"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, syscall(SYS_finit_module, fd, "", 0));
	EXPECT_EQ(EEXIST, errno);
	close(fd);
	EXPECT_TRUE(xm_module_loaded());
}

TEST_F_TIMEOUT(module, reload_cycles, 120)
{
	struct xm_nl nl;
	struct xm_dev d;
	int i;

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, xm_module_unload());
		ASSERT_EQ(0, xm_module_load());
		ASSERT_EQ(0, xm_link_add(&self->rt, "xmcycle0"));
		ASSERT_EQ(0, xm_genl_open(&nl, XMESH_FAMILY_NAME));
		/* A fresh module starts from defaults: nothing survives. */
		ASSERT_EQ(0, xm_dev_get(&nl, 0, "xmcycle0", &d));
		EXPECT_EQ(0, d.node_id);
		ASSERT_EQ(0, xm_dev_set(&nl, &(struct xm_dev_set){
			.ifname = "xmcycle0", .set_node_id = true, .node_id = 42 + i }));
		xm_nl_close(&nl);
		/* The device stays: unloading must remove it. */
	}
	ASSERT_EQ(0, xm_module_unload());
	ASSERT_EQ(0, xm_links_count(&self->rt));
}

TEST_F_TIMEOUT(module, unload_with_devices, 180)
{
	struct xm_nl nl, rt_ns;
	int ns_fd, self_ns;

	ASSERT_EQ(0, xm_module_load());
	ASSERT_EQ(0, xm_links_add(&self->rt, "xmu", 50));
	ASSERT_EQ(0, xm_genl_open(&nl, XMESH_FAMILY_NAME));
	ASSERT_EQ(0, xm_dev_set(&nl, &(struct xm_dev_set){
		.ifname = "xmu7", .set_listen_port = true, .listen_port = 51830,
		.set_node_id = true, .node_id = 7, .set_mtu = true, .mtu = 1400,
		.set_flags = true, .flags = XMESH_DEV_FLAGS_RELAY }));
	xm_nl_close(&nl);

	/* More devices in a second network namespace. */
	self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self_ns);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ns_fd);
	ASSERT_EQ(0, xm_nl_open(&rt_ns, NETLINK_ROUTE));
	ASSERT_EQ(0, xm_links_add(&rt_ns, "xmns", 10));
	ASSERT_EQ(10, xm_links_count(&rt_ns));
	ASSERT_EQ(0, setns(self_ns, CLONE_NEWNET));

	ASSERT_EQ(0, xm_module_unload());
	ASSERT_FALSE(xm_module_loaded());
	EXPECT_EQ(0, xm_links_count(&self->rt));
	EXPECT_EQ(0, xm_links_count(&rt_ns));
	xm_nl_close(&rt_ns);
	close(ns_fd);
	close(self_ns);
}

TEST_F(module, unload_while_socket_open)
{
	struct xm_nl nl;
	struct xm_dev d;

	ASSERT_EQ(0, xm_module_load());
	ASSERT_EQ(0, xm_genl_open(&nl, XMESH_FAMILY_NAME));
	ASSERT_EQ(0, xm_module_unload());
	/* The old family id is gone: a request must fail cleanly. */
	EXPECT_NE(0, xm_dev_get(&nl, 1, NULL, &d));
	xm_nl_close(&nl);
}

TEST_HARNESS_MAIN
