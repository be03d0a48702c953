// SPDX-License-Identifier: GPL-2.0
/*
 * The "xmesh" generic netlink family as the controller reports it: its
 * version, its operations with their capabilities and permissions, and
 * its multicast group.
 */

#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "xm_dev.h"

struct family_info {
	char name[GENL_NAMSIZ];
	uint32_t version;
	uint32_t maxattr;
	uint32_t op_flags[XMESH_CMD_MAX + 1];
	bool has_op[XMESH_CMD_MAX + 1];
	unsigned int n_ops;
	bool has_events_group;
};

static void parse_ops(const struct nlattr *ops, struct family_info *fi)
{
	const struct nlattr *op, *a;

	mnl_attr_for_each_nested(op, ops) {
		uint32_t id = 0, flags = 0;

		mnl_attr_for_each_nested(a, op) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_OP_ID)
				id = mnl_attr_get_u32(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_OP_FLAGS)
				flags = mnl_attr_get_u32(a);
		}
		fi->n_ops++;
		if (id && id <= XMESH_CMD_MAX) {
			fi->has_op[id] = true;
			fi->op_flags[id] = flags;
		}
	}
}

static void parse_groups(const struct nlattr *groups, struct family_info *fi)
{
	const struct nlattr *g, *a;

	mnl_attr_for_each_nested(g, groups) {
		mnl_attr_for_each_nested(a, g) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
			    strcmp(mnl_attr_get_str(a), XMESH_MCGRP_EVENTS) == 0)
				fi->has_events_group = true;
		}
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_info *fi = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_NAME:
			snprintf(fi->name, sizeof(fi->name), "%s", mnl_attr_get_str(a));
			break;
		case CTRL_ATTR_VERSION:
			fi->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MAXATTR:
			fi->maxattr = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_OPS:
			parse_ops(a, fi);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			parse_groups(a, fi);
			break;
		}
	}
	return MNL_CB_OK;
}

FIXTURE(family) {
	struct xm_nl ctrl;
	struct family_info fi;
};

FIXTURE_SETUP(family)
{
	struct nlmsghdr *nlh;

	ASSERT_EQ(0, xm_module_load());
	ASSERT_EQ(0, xm_genl_open(&self->ctrl, "nlctrl"));
	memset(&self->fi, 0, sizeof(self->fi));
	nlh = xm_genl_msg(&self->ctrl, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, XMESH_FAMILY_NAME);
	ASSERT_EQ(0, xm_nl_talk(&self->ctrl, nlh, family_cb, &self->fi));
}

FIXTURE_TEARDOWN(family)
{
	xm_nl_close(&self->ctrl);
}

TEST_F(family, name_version_maxattr)
{
	EXPECT_STREQ(XMESH_FAMILY_NAME, self->fi.name);
	EXPECT_EQ(XMESH_FAMILY_VERSION, self->fi.version);
	EXPECT_EQ(XMESH_A_DEV_MAX, self->fi.maxattr);
}

TEST_F(family, dev_get_needs_netns_admin_do_and_dump)
{
	uint32_t f = self->fi.op_flags[XMESH_CMD_DEV_GET];

	ASSERT_TRUE(self->fi.has_op[XMESH_CMD_DEV_GET]);
	EXPECT_TRUE(f & GENL_CMD_CAP_DO);
	EXPECT_TRUE(f & GENL_CMD_CAP_DUMP);
	EXPECT_TRUE(f & GENL_CMD_CAP_HASPOL);
	EXPECT_TRUE(f & GENL_UNS_ADMIN_PERM);
}

/* Reads included: no operation is open to every process. */
TEST_F(family, every_op_needs_netns_admin)
{
	unsigned int cmd, n = 0;

	for (cmd = 0; cmd < sizeof(self->fi.has_op) / sizeof(self->fi.has_op[0]); cmd++) {
		if (!self->fi.has_op[cmd])
			continue;
		n++;
		EXPECT_TRUE(self->fi.op_flags[cmd] & GENL_UNS_ADMIN_PERM) {
			TH_LOG("command %u lacks GENL_UNS_ADMIN_PERM", cmd);
		}
	}
	EXPECT_LT(10, n);
}

TEST_F(family, dev_set_needs_admin)
{
	uint32_t f = self->fi.op_flags[XMESH_CMD_DEV_SET];

	ASSERT_TRUE(self->fi.has_op[XMESH_CMD_DEV_SET]);
	EXPECT_TRUE(f & GENL_CMD_CAP_DO);
	EXPECT_FALSE(f & GENL_CMD_CAP_DUMP);
	EXPECT_TRUE(f & GENL_CMD_CAP_HASPOL);
	EXPECT_TRUE(f & GENL_UNS_ADMIN_PERM);
}

TEST_F(family, events_group)
{
	EXPECT_TRUE(self->fi.has_events_group);
}

TEST_HARNESS_MAIN
