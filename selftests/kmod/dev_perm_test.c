// SPDX-License-Identifier: GPL-2.0
/*
 * Every operation, reads included, needs CAP_NET_ADMIN over the netns
 * (GENL_UNS_ADMIN_PERM): endpoints, key indexes, routes and tenant limits
 * are not for everyone to read. Checked both as root without the
 * capability and as the unprivileged user nobody, for every get and dump.
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

/*
 * A request of cmd on the device: a dump (NLM_F_DUMP) or a do naming peer
 * 7 or tenant 7. Returns 0 or the -errno the kernel answered.
 */
static int request(struct xm_nl *nl, uint8_t cmd, uint16_t flags, uint32_t ifindex)
{
	struct nlmsghdr *nlh = xm_genl_msg(nl, cmd, flags);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, XMESH_A_DEV_IFINDEX, ifindex);
	if (!(flags & NLM_F_DUMP)) {
		switch (cmd) {
		case XMESH_CMD_PEER_GET:
		case XMESH_CMD_PEER_NEW:
			nest = mnl_attr_nest_start(nlh, XMESH_A_DEV_PEER);
			mnl_attr_put_u64(nlh, XMESH_A_PEER_NODE_ID, 7);
			mnl_attr_nest_end(nlh, nest);
			break;
		case XMESH_CMD_TENANT_GET:
		case XMESH_CMD_TENANT_NEW:
			nest = mnl_attr_nest_start(nlh, XMESH_A_DEV_TENANT);
			mnl_attr_put_u32(nlh, XMESH_A_TENANT_ID, 7);
			mnl_attr_nest_end(nlh, nest);
			break;
		}
	}
	return xm_nl_talk(nl, nlh, NULL, NULL);
}

/* Every read: the do and dump of each get operation. */
static const struct {
	uint8_t cmd;
	uint16_t flags;
} reads[] = {
	{ XMESH_CMD_DEV_GET, 0 },
	{ XMESH_CMD_DEV_GET, NLM_F_DUMP },
	{ XMESH_CMD_PEER_GET, 0 },
	{ XMESH_CMD_PEER_GET, NLM_F_DUMP },
	{ XMESH_CMD_ROUTE_GET, NLM_F_DUMP },
	{ XMESH_CMD_NEXTHOP_GET, NLM_F_DUMP },
	{ XMESH_CMD_TENANT_GET, 0 },
	{ XMESH_CMD_TENANT_GET, NLM_F_DUMP },
};

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
	/* Something to read: a peer and a tenant. */
	ASSERT_EQ(0, request(&self->admin, XMESH_CMD_PEER_NEW, 0, self->ifindex));
	ASSERT_EQ(0, request(&self->admin, XMESH_CMD_TENANT_NEW, 0, self->ifindex));
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
	struct xm_nl nl;
	size_t i;

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
	/* Reads are refused: 10 + the index of the first one that was not. */
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		if (request(&nl, reads[i].cmd, reads[i].flags, ifindex) != -EPERM)
			return 10 + (int)i;
	if (xm_dev_set(&nl, &set_node) != -EPERM)
		return 5;
	if (xm_dev_set(&nl, &set_mtu) != -EPERM)
		return 6;
	/* Even a malformed request is refused for the permission first. */
	if (xm_dev_set(&nl, &set_bad) != -EPERM)
		return 7;
	xm_nl_close(&nl);
	return 0;
}

TEST_F(perm, get_and_set_refused)
{
	struct xm_dev d, found = { 0 };
	size_t i;
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

	/* Nothing changed, and every read works for the admin. */
	ASSERT_EQ(0, xm_dev_get(&self->admin, self->ifindex, NULL, &d));
	EXPECT_EQ(1234, d.node_id);
	EXPECT_NE(1300, d.mtu);
	ASSERT_EQ(0, xm_dev_dump(&self->admin, find_dev, &found));
	EXPECT_EQ(self->ifindex, found.ifindex);
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		EXPECT_EQ(0, request(&self->admin, reads[i].cmd, reads[i].flags, self->ifindex)) {
			TH_LOG("admin read %zu failed", i);
		}
}

TEST_HARNESS_MAIN
