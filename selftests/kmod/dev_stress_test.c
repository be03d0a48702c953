// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile and concurrent use of the family: random (seeded, so repeatable)
 * requests are all answered and leave a working module; requests racing
 * the deletion of their device fail cleanly. A kernel bug here shows as an
 * Oops in the VM's dmesg scan, or as an unload that hangs on a leaked
 * device reference.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xm_dev.h"

#define DEV_NAME "xmstress0"

/* xorshift64: the same sequence on every run. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

FIXTURE(stress) {
	struct xm_nl rt, nl;
	uint32_t ifindex;
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, xm_module_load());
	ASSERT_EQ(0, xm_nl_open(&self->rt, NETLINK_ROUTE));
	ASSERT_EQ(0, xm_genl_open(&self->nl, XMESH_FAMILY_NAME));
	ASSERT_EQ(0, xm_link_add(&self->rt, DEV_NAME));
	self->ifindex = if_nametoindex(DEV_NAME);
	ASSERT_NE(0, self->ifindex);
}

FIXTURE_TEARDOWN(stress)
{
	xm_link_del(&self->rt, DEV_NAME);
	xm_nl_close(&self->nl);
	xm_nl_close(&self->rt);
}

/*
 * A request of 0-5 attributes with random types (valid ones more often),
 * lengths and bytes; often naming our device so the handlers get past the
 * lookup.
 */
static void random_request(struct xm_nl *nl, uint64_t *seed, uint32_t ifindex,
			   struct nlmsghdr **out)
{
	static const uint8_t cmds[] = { XMESH_CMD_DEV_GET, XMESH_CMD_DEV_SET, 0, 3, 200 };
	uint64_t r = next_rand(seed);
	uint16_t flags = (r & 1) ? NLM_F_DUMP : 0;
	struct nlmsghdr *nlh = xm_genl_msg(nl, cmds[(r >> 1) % sizeof(cmds)], flags);
	unsigned int n = (r >> 8) % 6, i;
	uint8_t payload[40];

	if ((r >> 16) % 4)
		mnl_attr_put_u32(nlh, XMESH_A_DEV_IFINDEX, ifindex);
	for (i = 0; i < n; i++) {
		uint64_t a = next_rand(seed);
		uint16_t type = (a % 3) ? 1 + a % XMESH_A_DEV_MAX : a % 40;
		size_t len = (a >> 8) % sizeof(payload);
		size_t j;

		for (j = 0; j < len; j++)
			payload[j] = (uint8_t)next_rand(seed);
		/* Sometimes a nested flag on the type. */
		if ((a >> 20) % 8 == 0)
			type |= NLA_F_NESTED;
		mnl_attr_put(nlh, type, len, payload);
	}
	*out = nlh;
}

TEST_F_TIMEOUT(stress, random_requests_are_answered, 300)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int i, acks = 0, errors = 0;
	struct nlmsghdr *nlh;
	struct xm_dev d;
	int err;

	for (i = 0; i < 3000; i++) {
		random_request(&self->nl, &seed, self->ifindex, &nlh);
		err = xm_nl_talk(&self->nl, nlh, NULL, NULL);
		/* Any verdict will do, as long as the kernel gives one. */
		ASSERT_TRUE(err <= 0 && err > -4096) {
			TH_LOG("request %u: odd reply %d", i, err);
		}
		if (err)
			errors++;
		else
			acks++;
	}
	TH_LOG("3000 random requests: %u accepted, %u refused", acks, errors);
	EXPECT_LT(0, errors);

	/* The device and the family still work. */
	ASSERT_EQ(0, xm_dev_set(&self->nl, &(struct xm_dev_set){
		.ifindex = self->ifindex, .set_node_id = true, .node_id = 31337,
		.set_mtu = true, .mtu = 1400 }));
	ASSERT_EQ(0, xm_dev_get(&self->nl, self->ifindex, NULL, &d));
	EXPECT_EQ(31337, d.node_id);
	EXPECT_EQ(1400, d.mtu);
}

/* Child: configure DEV_NAME by name as fast as it can, until killed. */
static void hammer(void)
{
	struct xm_dev_set s = { .ifname = DEV_NAME, .set_node_id = true, .set_mtu = true };
	struct xm_nl nl;
	struct xm_dev d;
	uint64_t i;
	int err;

	if (xm_genl_open(&nl, XMESH_FAMILY_NAME))
		_exit(2);
	for (i = 1;; i++) {
		s.node_id = i;
		s.mtu = 1280 + i % 1000;
		err = xm_dev_set(&nl, &s);
		if (err && err != -ENODEV)
			_exit(3);
		err = xm_dev_get(&nl, 0, DEV_NAME, &d);
		if (err && err != -ENODEV)
			_exit(4);
	}
}

TEST_F_TIMEOUT(stress, requests_race_device_deletion, 300)
{
	int status, i;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		hammer();

	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, xm_link_del(&self->rt, DEV_NAME));
		ASSERT_EQ(0, xm_link_add(&self->rt, DEV_NAME));
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* Killed by us, not exited on an unexpected error. */
	EXPECT_TRUE(WIFSIGNALED(status)) {
		TH_LOG("hammer exited with %d", WEXITSTATUS(status));
	}
}

TEST_F_TIMEOUT(stress, unload_races_requests, 300)
{
	int status, i;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Reopen after each unload; errors are expected, crashes not. */
		for (;;) {
			struct xm_nl nl;
			struct xm_dev d;
			int j;

			if (xm_genl_open(&nl, XMESH_FAMILY_NAME) == 0) {
				for (j = 0; j < 50; j++)
					xm_dev_get(&nl, 0, DEV_NAME, &d);
			}
			xm_nl_close(&nl);
		}
	}
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, xm_module_unload());
		ASSERT_EQ(0, xm_module_load());
		ASSERT_EQ(0, xm_link_add(&self->rt, DEV_NAME));
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
}

TEST_HARNESS_MAIN
