// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the TC meter (bpf/xmesh_tc.bpf.c) with BPF_PROG_TEST_RUN:
 * the bytes it counts (L3 lengths), the budget to the byte, and the rate
 * and budget arithmetic at sizes where a product or a sum would wrap.
 *
 * A test run's skb belongs to the loopback device (ifindex 1 in every
 * namespace), mapped to TENANT; like a real TC hook, the program sees the
 * Ethernet header in skb->len. The maps are the skeleton's own (not
 * pinned), written through the library calls the daemon uses.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/xmesh.h>
#include <linux/xmesh_wire.h>

#include "kselftest_harness.h"

#include "bpf_maps.h"
#include "xmesh_tc.skel.h"
#include "pkt_build.h"

#define TENANT		7
#define LO_IFINDEX	1
#define U64_MAX		(~0ULL)

static const struct spec base4 = {
	.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 1000, .dport = 2000,
	.payload = 100,
};

static const struct spec base6 = {
	.v6 = true, .src = "fd00::1", .dst = "fd00::2", .sport = 1000, .dport = 2000,
	.payload = 100,
};

FIXTURE(tc) {
	struct xmesh_tc *skel;
	struct xm_bpf_maps maps;
	int tx, rx;
};

FIXTURE_SETUP(tc)
{
	self->skel = xmesh_tc__open_and_load();
	ASSERT_NE(NULL, self->skel);
	self->tx = bpf_program__fd(self->skel->progs.xmesh_tc_tx);
	self->rx = bpf_program__fd(self->skel->progs.xmesh_tc_rx);
	memset(&self->maps, -1, sizeof(self->maps));
	self->maps.tc_ifaces = bpf_map__fd(self->skel->maps.xm_tc_ifaces);
	self->maps.tenant_policy = bpf_map__fd(self->skel->maps.xm_tenant_policy);
	self->maps.tenant_state = bpf_map__fd(self->skel->maps.xm_tenant_state);
	self->maps.tenant_stats = bpf_map__fd(self->skel->maps.xm_tenant_stats);
	self->maps.tc_stats = bpf_map__fd(self->skel->maps.xm_tc_stats);
	ASSERT_EQ(0, xm_bpf_iface_set(&self->maps, LO_IFINDEX, TENANT));
}

FIXTURE_TEARDOWN(tc)
{
	xmesh_tc__destroy(self->skel);
}

/* Runs prog once on len bytes of b; returns its verdict or -errno. */
static int run(int prog, const void *b, unsigned int len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = b, .data_size_in = len, .repeat = 1);

	if (bpf_prog_test_run_opts(prog, &opts))
		return -errno;
	return (int)opts.retval;
}

static struct xm_tenant_counters counters(FIXTURE_DATA(tc) *self)
{
	struct xm_tenant_counters c;

	memset(&c, 0, sizeof(c));
	xm_bpf_tenant_stats(&self->maps, TENANT, &c);
	return c;
}

static uint64_t tc_stat(FIXTURE_DATA(tc) *self, unsigned int stat)
{
	uint64_t v[XM_TC_STAT_MAX];

	if (xm_bpf_tc_stats(&self->maps, v))
		return ~0ULL;
	return v[stat];
}

static void policy(struct __test_metadata *_metadata, FIXTURE_DATA(tc) *self,
		   uint64_t rate, uint64_t burst, uint64_t budget)
{
	struct xm_tenant_policy pol = {
		.rate_bytes_per_sec = rate, .burst_bytes = burst, .budget_bytes = budget,
	};

	ASSERT_EQ(0, xm_bpf_policy_set(&self->maps, TENANT, &pol));
}

/*
 * Bytes are the L3 length: IP header and payload, not the Ethernet header
 * the hook sees, not Ethernet padding; non-IP frames are not metered.
 */
TEST_F(tc, counts_l3_bytes)
{
	struct xm_tenant_counters c;
	struct pkt p4, p6, arp;
	uint64_t want_tx, want_rx;

	build(&p4, &base4);
	build(&p6, &base6);
	ASSERT_EQ(20U + 8 + XMESH_WIRE_HDR_LEN + 100, p4.len - ETH_HLEN);
	ASSERT_EQ(TC_ACT_OK, run(self->tx, p4.b, p4.len));
	ASSERT_EQ(TC_ACT_OK, run(self->tx, p6.b, p6.len));
	/* Padded to a longer frame: the IP length counts. */
	ASSERT_EQ(TC_ACT_OK, run(self->tx, p4.b, p4.len + 10));
	ASSERT_EQ(TC_ACT_OK, run(self->rx, p6.b, p6.len));
	want_tx = 2 * (p4.len - ETH_HLEN) + p6.len - ETH_HLEN;
	want_rx = p6.len - ETH_HLEN;
	c = counters(self);
	ASSERT_EQ(3ULL, c.tx_packets);
	ASSERT_EQ(want_tx, c.tx_bytes);
	ASSERT_EQ(1ULL, c.rx_packets);
	ASSERT_EQ(want_rx, c.rx_bytes);

	/* An ARP frame passes unmetered, counted as not IP. */
	memset(&arp, 0, sizeof(arp));
	memcpy(arp.b, p4.b, 12);
	put16(arp.b + 12, ETH_P_ARP);
	arp.len = 60;
	ASSERT_EQ(TC_ACT_OK, run(self->tx, arp.b, arp.len));
	c = counters(self);
	ASSERT_EQ(3ULL, c.tx_packets);
	ASSERT_EQ(want_tx, c.tx_bytes);
	ASSERT_EQ(1ULL, tc_stat(self, XM_TC_NOT_IP));
}

/* used + len <= budget admits; the budget is reached exactly, not passed. */
TEST_F(tc, budget_to_the_byte)
{
	struct xm_tenant_counters c;
	uint64_t used = 0, len;
	struct pkt p;

	build(&p, &base4);
	len = p.len - ETH_HLEN;
	policy(_metadata, self, 0, 0, 2 * len + len - 1);
	ASSERT_EQ(TC_ACT_OK, run(self->tx, p.b, p.len));
	ASSERT_EQ(TC_ACT_OK, run(self->rx, p.b, p.len));
	ASSERT_EQ(TC_ACT_SHOT, run(self->tx, p.b, p.len));
	ASSERT_EQ(0, xm_bpf_tenant_budget_used(&self->maps, TENANT, &used));
	ASSERT_EQ(2 * len, used);
	/* One byte more room: the third fits exactly. */
	policy(_metadata, self, 0, 0, 3 * len);
	ASSERT_EQ(TC_ACT_OK, run(self->tx, p.b, p.len));
	ASSERT_EQ(TC_ACT_SHOT, run(self->rx, p.b, p.len));
	ASSERT_EQ(0, xm_bpf_tenant_budget_used(&self->maps, TENANT, &used));
	ASSERT_EQ(3 * len, used);
	c = counters(self);
	ASSERT_EQ(2ULL, c.budget_dropped);
	ASSERT_EQ(2ULL, c.tx_packets);
	ASSERT_EQ(1ULL, c.rx_packets);
}

/* used + len would wrap past 2^64: refused, not admitted as a small sum. */
TEST_F(tc, budget_sum_does_not_wrap)
{
	struct xm_tenant_state st;
	uint32_t tenant = TENANT;
	uint64_t used = 0;
	struct pkt p;

	build(&p, &base4);
	memset(&st, 0, sizeof(st));
	st.budget_used = U64_MAX - 10;
	ASSERT_EQ(0, bpf_map_update_elem(self->maps.tenant_state, &tenant, &st, BPF_ANY));
	policy(_metadata, self, 0, 0, U64_MAX);
	ASSERT_EQ(TC_ACT_SHOT, run(self->tx, p.b, p.len));
	ASSERT_EQ(0, xm_bpf_tenant_budget_used(&self->maps, TENANT, &used));
	ASSERT_EQ(U64_MAX - 10, used);
	ASSERT_EQ(1ULL, counters(self).budget_dropped);
	/* A budget lowered below what was used refuses everything. */
	st.budget_used = 1000;
	ASSERT_EQ(0, bpf_map_update_elem(self->maps.tenant_state, &tenant, &st, BPF_ANY));
	policy(_metadata, self, 0, 0, 500);
	ASSERT_EQ(TC_ACT_SHOT, run(self->tx, p.b, p.len));
}

/*
 * burst * 10^9 wraps for a burst of 2^55 bytes (to exactly 0 in 64 bits):
 * a slow rate with a huge burst must still let a burst through.
 */
TEST_F(tc, rate_huge_burst)
{
	struct pkt p;
	int i;

	build(&p, &base4);
	policy(_metadata, self, 1500, 1ULL << 55, 0);
	for (i = 0; i < 20; i++)
		ASSERT_EQ(TC_ACT_OK, run(self->tx, p.b, p.len)) TH_LOG("packet %d", i);
	ASSERT_EQ(0ULL, counters(self).tx_rate_dropped);
}

/* The largest rates and bursts, and rates above 1.8e10 B/s (shifted path). */
TEST_F(tc, rate_huge_rate)
{
	static const uint64_t cases[][2] = {
		{ U64_MAX, U64_MAX }, { U64_MAX, 1500 }, { 1ULL << 40, 1ULL << 62 },
		{ 20000000000ULL, 1ULL << 50 },
	};
	struct pkt p;
	unsigned int k;
	int i;

	build(&p, &base4);
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		policy(_metadata, self, cases[k][0], cases[k][1], 0);
		for (i = 0; i < 20; i++)
			ASSERT_EQ(TC_ACT_OK, run(self->tx, p.b, p.len)) TH_LOG("case %u", k);
	}
	ASSERT_EQ(0ULL, counters(self).tx_rate_dropped);
}

/*
 * The policer itself: at 1500 B/s with a 1500-byte burst, a back-to-back
 * train passes 1500 / len packets after the first, then nothing (the test
 * takes microseconds, far less than one packet's 0.09 s).
 */
TEST_F(tc, rate_limits_a_train)
{
	struct xm_tenant_counters c;
	unsigned int len, passed = 0, want;
	struct pkt p;
	int i;

	build(&p, &base4);
	len = p.len - ETH_HLEN;
	want = 1500 / len + 1;
	policy(_metadata, self, 1500, 1500, 0);
	for (i = 0; i < 30; i++)
		passed += run(self->tx, p.b, p.len) == TC_ACT_OK;
	ASSERT_EQ(want, passed);
	c = counters(self);
	ASSERT_EQ(30ULL - want, c.tx_rate_dropped);
	ASSERT_EQ((uint64_t)want * len, c.tx_bytes);
}

/*
 * The maps the program writes are not preallocated: an entry userspace
 * deletes under a running program is freed after RCU, never handed to
 * another tenant while the program still writes it.
 */
TEST_F(tc, written_maps_not_preallocated)
{
	int fds[] = { self->maps.tenant_state, self->maps.tenant_stats };
	struct bpf_map_info info;
	uint32_t len;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		ASSERT_EQ(0, bpf_obj_get_info_by_fd(fds[i], &info, &len));
		ASSERT_NE(0U, info.map_flags & (uint32_t)BPF_F_NO_PREALLOC) TH_LOG("%s", info.name);
	}
}

/* A tenant deleted and seen again starts from zero, with no stale state. */
TEST_F(tc, tenant_deleted_between_packets)
{
	uint64_t used = 0;
	struct pkt p;

	build(&p, &base4);
	policy(_metadata, self, 0, 0, 1000000);
	ASSERT_EQ(TC_ACT_OK, run(self->tx, p.b, p.len));
	ASSERT_EQ(0, xm_bpf_tenant_del(&self->maps, TENANT));
	ASSERT_EQ(TC_ACT_OK, run(self->tx, p.b, p.len));
	ASSERT_EQ(1ULL, counters(self).tx_packets);
	ASSERT_EQ(-ENOENT, xm_bpf_tenant_budget_used(&self->maps, TENANT, &used));
}

TEST_HARNESS_MAIN
