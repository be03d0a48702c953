// SPDX-License-Identifier: GPL-2.0
/*
 * Reading device state is open to everyone; changing it needs
 * CAP_NET_ADMIN (GENL_ADMIN_PERM). Checked both as root without the
 * capability and as the unprivileged user nobody.
 */

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kselftest_harness.h"
#include "xm_dev.h"

#define DEV_NAME "xmperm0"
#define NOBODY 65534

static void find_dev(const struct xm_dev *d, void *data)
{
	struct xm_dev *found = data;

	if (strcmp(d->ifname, DEV_NAME) == 0)
		*found = *d;
}

/* Drop every capability of this process (it stays uid 0). */
static int drop_all_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

FIXTURE(perm) {
	struct xm_nl rt, admin;
	uint32_t ifindex;
};

FIXTURE_VARIANT(perm) {
	bool as_nobody;
};

FIXTURE_VARIANT_ADD(perm, root_without_cap_net_admin) {
	.as_nobody = false,
};

FIXTURE_VARIANT_ADD(perm, user_nobody) {
	.as_nobody = true,
};

FIXTURE_SETUP(perm)
{
	ASSERT_EQ(0, xm_module_load());
	ASSERT_EQ(0, xm_nl_open(&self->rt, NETLINK_ROUTE));
	ASSERT_EQ(0, xm_genl_open(&self->admin, XMESH_FAMILY_NAME));
	ASSERT_EQ(0, xm_link_add(&self->rt, DEV_NAME));
	self->ifindex = if_nametoindex(DEV_NAME);
	ASSERT_NE(0, self->ifindex);
	ASSERT_EQ(0, xm_dev_set(&self->admin, &(struct xm_dev_set){
		.ifindex = self->ifindex, .set_node_id = true, .node_id = 1234 }));
}

FIXTURE_TEARDOWN(perm)
{
	/* The sockets were opened with privileges; they keep working. */
	xm_link_del(&self->rt, DEV_NAME);
	xm_nl_close(&self->admin);
	xm_nl_close(&self->rt);
}

/*
 * The unprivileged side, in a child process so that the fixture keeps its
 * privileges for the teardown. Returns the number of the first check that
 * failed, or 0.
 */
static int unprivileged_checks(bool as_nobody, uint32_t ifindex)
{
	struct xm_dev_set set_node = { .ifindex = ifindex, .set_node_id = true, .node_id = 99 };
	struct xm_dev_set set_mtu = { .ifname = DEV_NAME, .set_mtu = true, .mtu = 1300 };
	struct xm_dev_set set_bad = { .ifindex = ifindex, .set_mtu = true, .mtu = 1 };
	struct xm_dev d, found = { 0 };
	struct xm_nl nl;

	if (as_nobody) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			return 1;
	} else if (drop_all_caps() || getuid() != 0) {
		return 2;
	}
	/* A socket opened now has no privileges behind it. */
	if (xm_genl_open(&nl, XMESH_FAMILY_NAME))
		return 3;
	if (xm_dev_get(&nl, ifindex, NULL, &d) || d.node_id != 1234)
		return 4;
	if (xm_dev_set(&nl, &set_node) != -EPERM)
		return 5;
	if (xm_dev_set(&nl, &set_mtu) != -EPERM)
		return 6;
	/* Even a malformed request is refused for the permission first. */
	if (xm_dev_set(&nl, &set_bad) != -EPERM)
		return 7;
	/* A dump is a read too. */
	if (xm_dev_dump(&nl, find_dev, &found) || found.ifindex != ifindex ||
	    found.node_id != 1234)
		return 8;
	xm_nl_close(&nl);
	return 0;
}

TEST_F(perm, get_allowed_set_refused)
{
	struct xm_dev d;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(unprivileged_checks(variant->as_nobody, self->ifindex));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("unprivileged check %d failed", WEXITSTATUS(status));
	}

	/* Nothing changed. */
	ASSERT_EQ(0, xm_dev_get(&self->admin, self->ifindex, NULL, &d));
	EXPECT_EQ(1234, d.node_id);
	EXPECT_NE(1300, d.mtu);
}

TEST_HARNESS_MAIN
