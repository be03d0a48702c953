// SPDX-License-Identifier: GPL-2.0
/*
 * Many devices: created and deleted over rtnetlink, each configured apart,
 * and all of them in a DEV_GET dump that takes several messages, each
 * exactly once with its own attributes.
 */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "xm_dev.h"

#define N_DEVS 200
#define PREFIX "xmm"

struct dump_seen {
	unsigned int count[N_DEVS];	/* times each PREFIXi was listed */
	uint64_t node_id[N_DEVS];
	uint16_t port[N_DEVS];
	unsigned int total;
	unsigned int foreign;		/* xmesh devices not ours */
};

static void record(const struct xm_dev *d, void *data)
{
	struct dump_seen *seen = data;
	unsigned int i;
	char rest;

	seen->total++;
	if (sscanf(d->ifname, PREFIX "%u%c", &i, &rest) != 1 || i >= N_DEVS) {
		seen->foreign++;
		return;
	}
	seen->count[i]++;
	seen->node_id[i] = d->node_id;
	seen->port[i] = d->listen_port;
}

FIXTURE(many) {
	struct xm_nl rt, nl;
};

FIXTURE_SETUP(many)
{
	ASSERT_EQ(0, xm_module_load());
	ASSERT_EQ(0, xm_nl_open(&self->rt, NETLINK_ROUTE));
	ASSERT_EQ(0, xm_genl_open(&self->nl, XMESH_FAMILY_NAME));
}

FIXTURE_TEARDOWN(many)
{
	char name[IF_NAMESIZE];
	int i;

	for (i = 0; i < N_DEVS; i++) {
		snprintf(name, sizeof(name), PREFIX "%d", i);
		xm_link_del(&self->rt, name);
	}
	xm_nl_close(&self->nl);
	xm_nl_close(&self->rt);
}

TEST_F_TIMEOUT(many, create_and_delete_200, 300)
{
	char name[IF_NAMESIZE];
	int base, i;

	base = xm_links_count(&self->rt);
	ASSERT_LE(0, base);
	ASSERT_EQ(0, xm_links_add(&self->rt, PREFIX, N_DEVS));
	ASSERT_EQ(base + N_DEVS, xm_links_count(&self->rt));
	/* A second device of the same name is refused. */
	EXPECT_EQ(-EEXIST, xm_link_add(&self->rt, PREFIX "0"));

	for (i = 0; i < N_DEVS; i++) {
		snprintf(name, sizeof(name), PREFIX "%d", i);
		ASSERT_EQ(0, xm_link_del(&self->rt, name)) {
			TH_LOG("deleting %s", name);
		}
	}
	EXPECT_EQ(base, xm_links_count(&self->rt));
	EXPECT_EQ(0, if_nametoindex(PREFIX "0"));
}

/* Remember the device with the highest ifindex (the newest). */
static void newest(const struct xm_dev *d, void *data)
{
	struct xm_dev *n = data;

	if (d->ifindex > n->ifindex)
		*n = *d;
}

TEST_F(many, kernel_picks_names)
{
	struct xm_dev d = { 0 };
	unsigned int unit;
	char rest;

	/* No IFLA_IFNAME: the kernel names it after the kind, xmesh%d. */
	ASSERT_EQ(0, xm_link_add(&self->rt, NULL));
	ASSERT_EQ(0, xm_dev_dump(&self->nl, newest, &d));
	EXPECT_EQ(1, sscanf(d.ifname, "xmesh%u%c", &unit, &rest)) {
		TH_LOG("new device is called '%s'", d.ifname);
	}
	EXPECT_EQ(d.ifindex, if_nametoindex(d.ifname));
	EXPECT_EQ(0, xm_link_del(&self->rt, d.ifname));
}

TEST_F_TIMEOUT(many, dump_lists_all_200_once, 300)
{
	struct dump_seen *seen = calloc(1, sizeof(*seen));
	int i;

	ASSERT_NE(NULL, seen);
	ASSERT_EQ(0, xm_links_add(&self->rt, PREFIX, N_DEVS));
	for (i = 0; i < N_DEVS; i++) {
		char name[IF_NAMESIZE];

		snprintf(name, sizeof(name), PREFIX "%d", i);
		ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
			.ifname = name, .set_node_id = true, .node_id = 1000 + i,
			.set_listen_port = true, .listen_port = 20000 + i }));
	}

	ASSERT_EQ(0, xm_dev_dump(&self->nl, record, seen));
	/* 200 devices do not fit in one message: the dump resumed. */
	EXPECT_LT(1, self->nl.parts);
	EXPECT_EQ(N_DEVS, seen->total - seen->foreign);
	for (i = 0; i < N_DEVS; i++) {
		EXPECT_EQ(1, seen->count[i]) {
			TH_LOG(PREFIX "%d listed %u times", i, seen->count[i]);
		}
		EXPECT_EQ(1000 + i, seen->node_id[i]);
		EXPECT_EQ(20000 + i, seen->port[i]);
	}
	free(seen);
}

TEST_F(many, dump_without_devices_is_empty)
{
	struct dump_seen seen = { 0 };

	/* Another netns has no xmesh device at all. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	xm_nl_close(&self->nl);
	ASSERT_EQ(0, xm_genl_open(&self->nl, XMESH_FAMILY_NAME));
	ASSERT_EQ(0, xm_dev_dump(&self->nl, record, &seen));
	EXPECT_EQ(0, seen.total);
	EXPECT_EQ(0, self->nl.msgs);
}

TEST_HARNESS_MAIN
