// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the XDP relay (bpf/xmesh_xdp.bpf.c) with BPF_PROG_TEST_RUN:
 * crafted packets for every branch, the verdict, the counter slot it lands
 * in and, for relayed packets, every rewritten byte and both checksums.
 *
 * Runs inside the network namespace that `xdp_test_env.sh up` builds (run
 * through `xdp_test_env.sh run`): bpf_fib_lookup resolves next hops there.
 * The maps are the skeleton's own (not pinned), written through the same
 * library calls the daemon uses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/xmesh.h>
#include <linux/xmesh_wire.h>

#include "kselftest_harness.h"

#include "bpf_maps.h"
#include "xmesh_xdp.skel.h"
#include "xdp_test_env.h"
#include "pkt_build.h"

#define PORT XMESH_DEFAULT_PORT

static const struct spec base4 = {
	.src = PEER4, .dst = SELF4, .sport = PORT, .dport = PORT,
	.hop = XM_HOP_LIMIT_MAX, .dst_node = NODE_VIA_UT1, .payload = 80,
	.dmac = (const uint8_t *)MAC_UT0,
};

static const struct spec base6 = {
	.v6 = true, .src = PEER6, .dst = SELF6, .sport = PORT, .dport = PORT,
	.hop = XM_HOP_LIMIT_MAX, .dst_node = NODE_VIA_UT1_V6, .payload = 80,
	.dmac = (const uint8_t *)MAC_UT0,
};

FIXTURE(xdp) {
	struct xmesh_xdp *skel;
	struct xm_bpf_maps maps;
	int prog;
	int ut0, ut1;
	uint8_t ut1_mac[6], ut0_mac[6];
	struct xm_counter before[XM_XDP_STAT_MAX];
	uint8_t out[1024];
	uint32_t out_len;
};

static void get_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr))
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
}

static void addr_of(struct xm_addr *a, const char *ip, uint16_t port)
{
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, ip, &v4) == 1)
		xm_addr_from_v4(a, v4.s_addr, port);
	else
		inet_pton(AF_INET6, ip, &a->ip);
	a->port = port;
}

FIXTURE_SETUP(xdp)
{
	static const struct {
		uint64_t node;
		const char *ip;
	} routes[] = {
		{ NODE_VIA_UT1, NH_UT1 },
		{ NODE_VIA_UT0, NH_UT0 },
		{ NODE_NO_NEIGH, NH_NO_NEIGH },
		{ NODE_UNREACHABLE, NH_UNREACHABLE },
		{ NODE_SMALL_MTU, NH_SMALL_MTU },
		{ NODE_VIA_UT1_V6, NH_UT1_V6 },
		{ NODE_BACK_TO_PEER, PEER4 },
		{ NODE_BACK_TO_PEER6, PEER6 },
	};
	struct xm_addr a;
	size_t i;

	self->ut0 = if_nametoindex("ut0");
	self->ut1 = if_nametoindex("ut1");
	ASSERT_NE(0, self->ut0) TH_LOG("run me through xdp_test_env.sh");
	ASSERT_NE(0, self->ut1);
	get_mac("ut0", self->ut0_mac);
	get_mac("ut1", self->ut1_mac);

	self->skel = xmesh_xdp__open_and_load();
	ASSERT_NE(NULL, self->skel);
	self->prog = bpf_program__fd(self->skel->progs.xmesh_xdp_relay);
	memset(&self->maps, -1, sizeof(self->maps));
	self->maps.config = bpf_map__fd(self->skel->maps.xm_config);
	self->maps.peers = bpf_map__fd(self->skel->maps.xm_peers);
	self->maps.routes = bpf_map__fd(self->skel->maps.xm_routes);
	self->maps.local_addrs = bpf_map__fd(self->skel->maps.xm_local_addrs);
	self->maps.xdp_ifaces = bpf_map__fd(self->skel->maps.xm_xdp_ifaces);
	self->maps.xdp_stats = bpf_map__fd(self->skel->maps.xm_xdp_stats);

	ASSERT_EQ(0, xm_bpf_config_set(&self->maps, NODE_SELF, PORT));
	addr_of(&a, PEER4, PORT);
	ASSERT_EQ(0, xm_bpf_peer_set(&self->maps, &a, 0x9999));
	addr_of(&a, PEER6, PORT);
	ASSERT_EQ(0, xm_bpf_peer_set(&self->maps, &a, 0x9999));
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		/* The routes back to a peer lead to its own endpoint. */
		addr_of(&a, routes[i].ip, routes[i].node == NODE_BACK_TO_PEER ||
			routes[i].node == NODE_BACK_TO_PEER6 ? PORT : NH_PORT);
		ASSERT_EQ(0, xm_bpf_route_set(&self->maps, routes[i].node, &a));
	}
	/* The peer's address, but another port: another node behind its NAT. */
	addr_of(&a, PEER4, PORT + 1);
	ASSERT_EQ(0, xm_bpf_route_set(&self->maps, NODE_VIA_PEER_NAT, &a));
	/* This host: ut0's MAC (packets arrive there) and its addresses. */
	ASSERT_EQ(0, memcmp(self->ut0_mac, MAC_UT0, 6));
	ASSERT_EQ(0, xm_bpf_xdp_iface_set(&self->maps, self->ut0, self->ut0_mac));
	addr_of(&a, SELF4, 0);
	ASSERT_EQ(0, xm_bpf_local_addr_set(&self->maps, &a, 0));
	addr_of(&a, SELF6, 0);
	ASSERT_EQ(0, xm_bpf_local_addr_set(&self->maps, &a, 0));
	/* A route whose next hop is of the other family than its packets. */
	addr_of(&a, NH_UT1_V6, NH_PORT);
	ASSERT_EQ(0, xm_bpf_route_set(&self->maps, NODE_WRONG_FAMILY, &a));
}

FIXTURE_TEARDOWN(xdp)
{
	xmesh_xdp__destroy(self->skel);
}

/* Runs the program once on len bytes of p; returns its verdict or -errno. */
static int run_len(FIXTURE_DATA(xdp) *self, const struct pkt *p, unsigned int len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = self->ut0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = len,
		    .data_out = self->out, .data_size_out = sizeof(self->out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	xm_bpf_xdp_stats(&self->maps, self->before);
	err = bpf_prog_test_run_opts(self->prog, &opts);
	if (err)
		return -errno;
	self->out_len = opts.data_size_out;
	return opts.retval;
}

static int run(FIXTURE_DATA(xdp) *self, const struct pkt *p)
{
	return run_len(self, p, p->len);
}

/* Did the last run land in stat, and only there? */
static bool counted(FIXTURE_DATA(xdp) *self, unsigned int stat, uint64_t bytes)
{
	struct xm_counter now[XM_XDP_STAT_MAX];
	unsigned int i;

	if (xm_bpf_xdp_stats(&self->maps, now))
		return false;
	for (i = 0; i < XM_XDP_STAT_MAX; i++) {
		uint64_t dp = now[i].packets - self->before[i].packets;
		uint64_t db = now[i].bytes - self->before[i].bytes;

		if (dp != (i == stat) || db != (i == stat ? bytes : 0)) {
			fprintf(stderr, "# stat %s: +%llu packets +%llu bytes\n",
				xm_bpf_xdp_stat_name(i), (unsigned long long)dp,
				(unsigned long long)db);
			return false;
		}
	}
	return true;
}

/*
 * The relayed packet out of the last run, against the packet in: new MACs,
 * source = the address it came to, destination = the next hop, ports, hop
 * limit - 1, valid checksums, every other byte unchanged.
 */
static void check_relayed(struct __test_metadata *_metadata, FIXTURE_DATA(xdp) *self,
			  const struct pkt *in, const uint8_t *dmac, const uint8_t *smac,
			  const char *nh)
{
	struct pkt out = *in;
	uint8_t want[16];
	unsigned int alen = in->v6 ? 16 : 4, saddr = in->v6 ? 8 : 12;
	unsigned int xh = in->l4 + 8, i;

	ASSERT_EQ(in->len, self->out_len);
	memcpy(out.b, self->out, self->out_len);
	ASSERT_EQ(0, memcmp(out.b, dmac, 6));
	ASSERT_EQ(0, memcmp(out.b + 6, smac, 6));
	ASSERT_EQ(0, memcmp(out.b + in->l3 + saddr, in->b + in->l3 + saddr + alen, alen));
	ASSERT_EQ(1, inet_pton(in->v6 ? AF_INET6 : AF_INET, nh, want));
	ASSERT_EQ(0, memcmp(out.b + in->l3 + saddr + alen, want, alen));
	ASSERT_EQ(PORT, out.b[in->l4] << 8 | out.b[in->l4 + 1]);
	ASSERT_EQ(NH_PORT, out.b[in->l4 + 2] << 8 | out.b[in->l4 + 3]);
	ASSERT_EQ(in->b[xh + 1] - 1, out.b[xh + 1]);

	if (!in->v6) {
		unsigned int ihl = (in->b[in->l3] & 0xf) * 4;

		ASSERT_EQ(0, fold(sum16(out.b + in->l3, ihl, 0)) & 0xffff);
	}
	if (in->b[in->l4 + 6] || in->b[in->l4 + 7]) {
		ASSERT_EQ(udp_csum(&out), out.b[in->l4 + 6] << 8 | out.b[in->l4 + 7]);
	} else {
		ASSERT_EQ(0, out.b[in->l4 + 6] | out.b[in->l4 + 7]);
	}

	/* Nothing else changed: L3 fields other than addresses, the rest. */
	for (i = 12; i < in->len; i++) {
		bool addr = i >= in->l3 + saddr && i < in->l3 + saddr + 2 * alen;
		bool csum4 = !in->v6 && (i == in->l3 + 10 || i == in->l3 + 11);
		bool udp = i >= in->l4 && i < in->l4 + 8 && !(i == in->l4 + 4 || i == in->l4 + 5);

		if (addr || csum4 || udp || i == xh + 1)
			continue;
		ASSERT_EQ(in->b[i], out.b[i]) TH_LOG("byte %u changed", i);
	}
}

TEST_F(xdp, relay_v4_redirect)
{
	struct pkt p;

	build(&p, &base4);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_REDIRECT, p.len));
	check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT1, self->ut1_mac, NH_UT1);
}

TEST_F(xdp, relay_v4_tx_same_nic)
{
	struct spec s = base4;
	struct pkt p;

	s.dst_node = NODE_VIA_UT0;
	build(&p, &s);
	ASSERT_EQ(XDP_TX, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_TX, p.len));
	check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT0, self->ut0_mac, NH_UT0);
}

/*
 * The second packet of a route is resolved from the per-CPU cache the first
 * one filled; a route update is followed at once all the same.
 */
TEST_F(xdp, relay_cache_follows_route_update)
{
	struct xm_addr a;
	struct pkt p;

	build(&p, &base4);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT1, self->ut1_mac, NH_UT1);

	addr_of(&a, NH_UT0, NH_PORT);
	ASSERT_EQ(0, xm_bpf_route_set(&self->maps, NODE_VIA_UT1, &a));
	ASSERT_EQ(XDP_TX, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_TX, p.len));
	check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT0, self->ut0_mac, NH_UT0);
}

static bool same_addr(const char *a, const char *b)
{
	struct xm_addr x, y;

	addr_of(&x, a, 0);
	addr_of(&y, b, 0);
	return !memcmp(&x.ip, &y.ip, sizeof(x.ip));
}

/*
 * Sends a packet from each of 65535 other senders of the family, none a
 * peer: more than enough to hit every cache slot, so whatever slot the
 * peer's relaying filled is hit by strangers. Returns how many the program
 * let through.
 */
static unsigned int strangers_relayed(FIXTURE_DATA(xdp) *self, bool v6)
{
	char addr[64];
	struct spec s = v6 ? base6 : base4;
	unsigned int i, passed = 0;
	struct pkt p;

	for (i = 0; i < 65536; i++) {
		struct xdp_md ctx = { .ingress_ifindex = self->ut0 };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_out = self->out,
			    .data_size_out = sizeof(self->out), .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = 1);

		if (v6)
			snprintf(addr, sizeof(addr), "fd00:10::%x:%x", i >> 8, i & 0xff);
		else
			snprintf(addr, sizeof(addr), "10.10.%u.%u", i >> 8, i & 0xff);
		if (same_addr(addr, v6 ? PEER6 : PEER4))
			continue;
		s.src = addr;
		build(&p, &s);
		ctx.data_end = p.len;
		opts.data_in = p.b;
		opts.data_size_in = p.len;
		if (bpf_prog_test_run_opts(self->prog, &opts) || opts.retval != XDP_DROP)
			passed++;
	}
	return passed;
}

/*
 * The cache also remembers that the sender is a peer: it must never let
 * another sender through on that, and a peer's removal applies at once.
 */
TEST_F(xdp, relay_cache_follows_peer_removal)
{
	struct xm_counter before[XM_XDP_STAT_MAX], after[XM_XDP_STAT_MAX];
	struct xm_addr a;
	struct pkt p;

	build(&p, &base4);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_REDIRECT, p.len));
	build(&p, &base6);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));

	ASSERT_EQ(0, xm_bpf_xdp_stats(&self->maps, before));
	ASSERT_EQ(0U, strangers_relayed(self, false));
	ASSERT_EQ(0U, strangers_relayed(self, true));
	ASSERT_EQ(0, xm_bpf_xdp_stats(&self->maps, after));
	ASSERT_EQ(2 * 65535ULL, after[XM_XDP_DROP_UNKNOWN_PEER].packets -
		  before[XM_XDP_DROP_UNKNOWN_PEER].packets);

	/* The peers' own packets still hit their slots... */
	build(&p, &base4);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	/* ...until the peer goes. */
	addr_of(&a, PEER4, PORT);
	ASSERT_EQ(0, xm_bpf_peer_del(&self->maps, &a));
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_UNKNOWN_PEER, p.len));
	ASSERT_EQ(0, memcmp(self->out, p.b, p.len));
}

TEST_F(xdp, relay_v4_no_udp_checksum)
{
	struct spec s = base4;
	struct pkt p;

	s.no_udp_csum = true;
	build(&p, &s);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT1, self->ut1_mac, NH_UT1);
}

TEST_F(xdp, relay_v6_redirect)
{
	struct pkt p;

	build(&p, &base6);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_REDIRECT, p.len));
	check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT1, self->ut1_mac,
		      NH_UT1_V6);
}

TEST_F(xdp, relay_checksums_every_hop_limit)
{
	struct spec s = base4;
	struct pkt p;
	unsigned int hop;

	/* Every relayable hop limit, both families, odd payload sizes. */
	for (hop = 2; hop <= XM_HOP_LIMIT_MAX; hop++) {
		s = hop & 1 ? base6 : base4;
		s.hop = hop;
		s.payload = 48 + hop % 17;
		build(&p, &s);
		ASSERT_EQ(XDP_REDIRECT, run(self, &p));
		check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT1,
			      self->ut1_mac, s.v6 ? NH_UT1_V6 : NH_UT1);
	}
}

TEST_F(xdp, local_v4_and_v6)
{
	struct spec s = base4;
	struct pkt p;

	s.dst_node = NODE_SELF;
	build(&p, &s);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_LOCAL, p.len));
	ASSERT_EQ(0, memcmp(self->out, p.b, p.len));

	s = base6;
	s.dst_node = NODE_SELF;
	build(&p, &s);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_LOCAL, p.len));
	ASSERT_EQ(0, memcmp(self->out, p.b, p.len));
}

TEST_F(xdp, unknown_sender)
{
	struct spec s = base4;
	struct pkt p;

	s.src = UNKNOWN4;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_UNKNOWN_PEER, p.len));

	/* Also for packets to this node: nobody unknown reaches the module. */
	s.dst_node = NODE_SELF;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));

	s = base6;
	s.src = UNKNOWN6;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_UNKNOWN_PEER, p.len));
}

TEST_F(xdp, hop_limit_1)
{
	struct spec s = base4;
	struct pkt p;

	/* A relay would send it on with 0: dropped. */
	s.hop = 1;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_HOP_LIMIT, p.len));
	/* Its last hop: delivered. */
	s.dst_node = NODE_SELF;
	build(&p, &s);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_LOCAL, p.len));
	/* 2 is relayed with 1. */
	s = base6;
	s.hop = 2;
	build(&p, &s);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	ASSERT_EQ(1, self->out[p.l4 + 8 + 1]);
}

TEST_F(xdp, hop_limit_0)
{
	struct spec s = base4;
	struct pkt p;

	s.hop = 0;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_HOP_LIMIT, p.len));
	s.dst_node = NODE_SELF;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_HOP_LIMIT, p.len));
}

/*
 * Cut at every byte offset: shorter than an Ethernet header the kernel
 * refuses the frame (or the program passes it as not ours); any shorter IP
 * packet disagrees with its own lengths and is dropped as malformed.
 */
static void truncate_all(struct __test_metadata *_metadata, FIXTURE_DATA(xdp) *self,
			 const struct spec *s)
{
	unsigned int cut;
	struct pkt p;
	int ret;

	build(&p, s);
	for (cut = 0; cut < p.len; cut++) {
		ret = run_len(self, &p, cut);
		if (cut < ETH_HLEN) {
			if (ret == -EINVAL)
				continue;
			ASSERT_EQ(XDP_PASS, ret) TH_LOG("cut at %u", cut);
			ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_XMESH, cut));
			continue;
		}
		ASSERT_EQ(XDP_DROP, ret) TH_LOG("cut at %u", cut);
		ASSERT_TRUE(counted(self, XM_XDP_DROP_MALFORMED, cut)) TH_LOG("cut at %u", cut);
	}
	/* And whole, for contrast. */
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
}

TEST_F(xdp, truncated_at_every_offset_v4)
{
	truncate_all(_metadata, self, &base4);
}

TEST_F(xdp, truncated_at_every_offset_v6)
{
	truncate_all(_metadata, self, &base6);
}

TEST_F(xdp, truncated_at_every_offset_v4_options)
{
	struct spec s = base4;

	s.ip4_opt_words = 10;
	truncate_all(_metadata, self, &s);
}

/* Ethernet padding after the IP packet is not a length error. */
TEST_F(xdp, trailing_padding_relayed)
{
	struct spec s = base4;
	struct pkt p;

	s.payload = 48;
	build(&p, &s);
	p.len += 6;
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
}

TEST_F(xdp, wrong_udp_length)
{
	static const int delta[] = { -1, 1, -8, 100 };
	struct pkt p;
	unsigned int i, ulen;

	for (i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
		build(&p, i & 1 ? &base6 : &base4);
		ulen = (p.b[p.l4 + 4] << 8 | p.b[p.l4 + 5]) + delta[i];
		put16(p.b + p.l4 + 4, ulen);
		ASSERT_EQ(XDP_DROP, run(self, &p));
		ASSERT_TRUE(counted(self, XM_XDP_DROP_MALFORMED, p.len));
	}
	/* Consistent lengths, but too short to hold a header and a tag. */
	{
		struct spec s = base4;

		s.payload = XMESH_WIRE_TAG_LEN - 1;
		build(&p, &s);
		ASSERT_EQ(XDP_DROP, run(self, &p));
		ASSERT_TRUE(counted(self, XM_XDP_DROP_MALFORMED, p.len));
	}
}

TEST_F(xdp, ipv4_options)
{
	struct spec s = base4;
	struct pkt p;
	unsigned int words;

	for (words = 1; words <= 10; words++) {
		s.ip4_opt_words = words;
		build(&p, &s);
		ASSERT_EQ(XDP_REDIRECT, run(self, &p));
		check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT1, self->ut1_mac,
			      NH_UT1);
	}
	/* IHL below 5 is no IPv4 header. */
	s.ip4_opt_words = 0;
	build(&p, &s);
	p.b[p.l3] = 0x44;
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_MALFORMED, p.len));
}

TEST_F(xdp, ipv4_fragment_to_stack)
{
	struct pkt p;

	build(&p, &base4);
	p.b[p.l3 + 6] = 0x20;	/* more fragments */
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_FRAGMENT, p.len));
}

/* Extension headers: hop-by-hop 8 bytes, then destination options 16. */
static const uint8_t ext_hop_dst[] = {
	60, 0, 1, 4, 0, 0, 0, 0,
	IPPROTO_UDP, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

TEST_F(xdp, ipv6_extension_headers)
{
	struct spec s = base6;
	struct pkt p;

	s.ext = ext_hop_dst;
	s.ext_len = sizeof(ext_hop_dst);
	s.ext_first = 0;
	build(&p, &s);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT1, self->ut1_mac,
		      NH_UT1_V6);
}

TEST_F(xdp, ipv6_routing_header)
{
	/* Type 4 routing header, segments left as given in byte 3. */
	uint8_t rh[24] = { IPPROTO_UDP, 2, 4, 0 };
	struct spec s = base6;
	struct pkt p;

	s.ext = rh;
	s.ext_len = sizeof(rh);
	s.ext_first = 43;
	build(&p, &s);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	check_relayed(_metadata, self, &p, (const uint8_t *)MAC_NH_UT1, self->ut1_mac,
		      NH_UT1_V6);

	/* Segments left: this node is not the final address. */
	rh[3] = 1;
	build(&p, &s);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_XMESH, p.len));
}

TEST_F(xdp, ipv6_fragment_header)
{
	uint8_t fh[8] = { IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 1 };
	struct spec s = base6;
	struct pkt p;

	s.ext = fh;
	s.ext_len = sizeof(fh);
	s.ext_first = 44;
	build(&p, &s);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_FRAGMENT, p.len));
}

TEST_F(xdp, ipv6_extension_header_overruns)
{
	/* A destination options header claiming more than the packet holds. */
	uint8_t dh[8] = { IPPROTO_UDP, 200, 1, 4 };
	struct spec s = base6;
	struct pkt p;

	s.ext = dh;
	s.ext_len = sizeof(dh);
	s.ext_first = 60;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_MALFORMED, p.len));
}

TEST_F(xdp, ipv6_too_many_extension_headers)
{
	uint8_t chain[7 * 8];
	struct spec s = base6;
	struct pkt p;
	unsigned int i;

	memset(chain, 0, sizeof(chain));
	for (i = 0; i < 7; i++) {
		chain[i * 8] = i < 6 ? 60 : IPPROTO_UDP;
		chain[i * 8 + 2] = 1;	/* PadN of 4 */
		chain[i * 8 + 3] = 4;
	}
	s.ext = chain;
	s.ext_len = sizeof(chain);
	s.ext_first = 60;
	build(&p, &s);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_XMESH, p.len));
}

TEST_F(xdp, not_xmesh_passes)
{
	struct spec s = base4;
	struct pkt p;

	s.dport = 53;
	build(&p, &s);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_XMESH, p.len));

	build(&p, &base4);
	p.b[p.l3 + 9] = IPPROTO_TCP;
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_XMESH, p.len));

	build(&p, &base4);
	put16(p.b + 12, ETH_P_ARP);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_XMESH, p.len));
}

TEST_F(xdp, bad_header)
{
	static const struct {
		unsigned int off;
		uint8_t val;
	} bad[] = {
		{ 0, 0x21 },	/* version 2 */
		{ 0, 0x13 },	/* unknown type */
		{ 2, 0x01 },	/* flags */
		{ 3, 0x01 },	/* reserved0 */
		{ 23, 0x01 },	/* reserved1 */
	};
	struct pkt p;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build(&p, &base4);
		p.b[p.l4 + 8 + bad[i].off] = bad[i].val;
		ASSERT_EQ(XDP_DROP, run(self, &p));
		ASSERT_TRUE(counted(self, XM_XDP_DROP_BAD_HEADER, p.len));
	}
}

TEST_F(xdp, no_route_and_wrong_family)
{
	struct spec s = base4;
	struct pkt p;

	s.dst_node = 0xdead;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_NO_ROUTE, p.len));

	s.dst_node = NODE_WRONG_FAMILY;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_FAMILY, p.len));
}

TEST_F(xdp, fib_outcomes)
{
	struct spec s = base4;
	struct pkt p;

	/* Next hop without a neighbour entry: the stack gets it unchanged. */
	s.dst_node = NODE_NO_NEIGH;
	build(&p, &s);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_NO_NEIGH, p.len));
	ASSERT_EQ(0, memcmp(self->out, p.b, p.len));

	s.dst_node = NODE_UNREACHABLE;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_FIB, p.len));

	s.dst_node = NODE_SMALL_MTU;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_MTU, p.len));
}

TEST_F(xdp, forwarding_disabled_passes)
{
	FILE *f;

	f = fopen("/proc/sys/net/ipv4/conf/ut0/forwarding", "w");
	ASSERT_NE(NULL, f);
	fputs("0\n", f);
	fclose(f);
	{
		struct pkt p;
		int ret;

		build(&p, &base4);
		ret = run(self, &p);
		f = fopen("/proc/sys/net/ipv4/conf/ut0/forwarding", "w");
		ASSERT_NE(NULL, f);
		fputs("1\n", f);
		fclose(f);
		ASSERT_EQ(XDP_PASS, ret);
		ASSERT_TRUE(counted(self, XM_XDP_PASS_FWD_DISABLED, p.len));
	}
}

TEST_F(xdp, unconfigured_passes_everything)
{
	uint32_t zero = 0;
	struct xm_config cfg = {};
	struct pkt p;

	ASSERT_EQ(0, bpf_map_update_elem(self->maps.config, &zero, &cfg, BPF_ANY));
	build(&p, &base4);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_NO_CONFIG, p.len));
	/* The library refuses a config without a port. */
	ASSERT_EQ(-EINVAL, xm_bpf_config_set(&self->maps, NODE_SELF, 0));
}

/*
 * A peer is an endpoint: its address with another UDP source port is a
 * stranger (someone else behind its NAT, or a spoofer), also once the
 * peer's own packets filled the cache slot the stranger's packets hit.
 */
TEST_F(xdp, stranger_at_peer_address)
{
	struct spec s = base4;
	struct pkt p;

	build(&p, &base4);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	s.sport = PORT + 7;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_UNKNOWN_PEER, p.len));
	s.dst_node = NODE_SELF;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_UNKNOWN_PEER, p.len));

	s = base6;
	build(&p, &s);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	s.sport = 1;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_UNKNOWN_PEER, p.len));
}

/*
 * IPv4 peers are keyed as IPv4-mapped IPv6 addresses: an IPv6 datagram from
 * ::ffff:PEER4 at the peer's port must not pass for the IPv4 peer, nor one to
 * a mapped address for this host.
 */
TEST_F(xdp, v4_mapped_ipv6_is_no_peer)
{
	struct spec s = base6;
	struct pkt p;

	s.src = "::ffff:" PEER4;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_MALFORMED, p.len));
	s = base6;
	s.dst = "::ffff:" SELF4;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_MALFORMED, p.len));
	/* The peer's real IPv6 address still relays. */
	build(&p, &base6);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
}

/* A first fragment to the data port is checked like a whole packet. */
TEST_F(xdp, first_fragment_from_stranger_dropped)
{
	uint8_t fh[8] = { IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 1 };
	struct spec s = base4;
	struct pkt p;

	s.src = UNKNOWN4;
	build(&p, &s);
	p.b[p.l3 + 6] = 0x20;	/* more fragments, offset 0 */
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_UNKNOWN_PEER, p.len));

	/* The peer's address from another port: a stranger too. */
	s = base4;
	s.sport = PORT + 1;
	build(&p, &s);
	p.b[p.l3 + 6] = 0x20;
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_UNKNOWN_PEER, p.len));

	/* For this node as well: the module gets no stranger's datagram. */
	s.dst_node = NODE_SELF;
	build(&p, &s);
	p.b[p.l3 + 6] = 0x20;
	ASSERT_EQ(XDP_DROP, run(self, &p));

	s = base6;
	s.src = UNKNOWN6;
	s.ext = fh;
	s.ext_len = sizeof(fh);
	s.ext_first = 44;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_UNKNOWN_PEER, p.len));
}

/*
 * A peer's first fragment goes to the stack (which reassembles; the module
 * checks the whole datagram's sender again), even one whose UDP length is
 * the whole datagram's. A later fragment has no ports to check: the stack
 * gets it, and can complete it only with a first fragment that passed here.
 * A first fragment to another port is not xmesh.
 */
TEST_F(xdp, fragments_chosen_verdicts)
{
	struct spec s = base4;
	struct pkt p;
	unsigned int ulen;

	build(&p, &s);
	p.b[p.l3 + 6] = 0x20;
	ulen = p.b[p.l4 + 4] << 8 | p.b[p.l4 + 5];
	put16(p.b + p.l4 + 4, ulen + 1400);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_FRAGMENT, p.len));
	ASSERT_EQ(0, memcmp(self->out, p.b, p.len));

	/* A first fragment whose UDP length is below its own: malformed. */
	put16(p.b + p.l4 + 4, ulen - 1);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_MALFORMED, p.len));

	s.src = UNKNOWN4;
	build(&p, &s);
	p.b[p.l3 + 6] = 0x00;
	p.b[p.l3 + 7] = 0xb9;	/* offset 185 * 8, last fragment */
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_FRAGMENT, p.len));

	s.dport = 53;
	build(&p, &s);
	p.b[p.l3 + 6] = 0x20;
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_XMESH, p.len));
}

/*
 * Only frames to this host are relayed: to another MAC (or a broadcast or
 * multicast one) or to an outer address this host does not have, a
 * peer's well-formed packet goes to the stack unchanged, also when the
 * cache holds its sender and destination.
 */
TEST_F(xdp, not_for_host_not_relayed)
{
	static const uint8_t other[6] = { 0x02, 0, 0, 0, 0x10, 0x99 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	const uint8_t *macs[] = { other, bcast, mcast };
	struct spec s;
	struct pkt p;
	unsigned int i, v6;

	for (v6 = 0; v6 < 2; v6++) {
		s = v6 ? base6 : base4;
		build(&p, &s);
		ASSERT_EQ(XDP_REDIRECT, run(self, &p));
		for (i = 0; i < 3; i++) {
			s.dmac = macs[i];
			build(&p, &s);
			ASSERT_EQ(XDP_PASS, run(self, &p));
			ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_FOR_HOST, p.len));
			ASSERT_EQ(0, memcmp(self->out, p.b, p.len));
		}
		s = v6 ? base6 : base4;
		s.dst = v6 ? "fd00:10::7" : "10.10.0.7";
		build(&p, &s);
		ASSERT_EQ(XDP_PASS, run(self, &p));
		ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_FOR_HOST, p.len));
		ASSERT_EQ(0, memcmp(self->out, p.b, p.len));
	}
	/* The right MAC arriving on another NIC is not that NIC's. */
	build(&p, &base4);
	{
		struct xdp_md ctx = { .data_end = p.len, .ingress_ifindex = self->ut1 };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p.b, .data_size_in = p.len,
			    .data_out = self->out, .data_size_out = sizeof(self->out),
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

		ASSERT_EQ(0, bpf_prog_test_run_opts(self->prog, &opts));
		ASSERT_EQ((__u32)XDP_PASS, opts.retval);
	}
	/* An address that goes away stops relaying at once. */
	{
		struct xm_addr a;

		ASSERT_EQ(XDP_REDIRECT, run(self, &p));
		addr_of(&a, SELF4, 0);
		ASSERT_EQ(0, xm_bpf_local_addr_del(&self->maps, &a));
		ASSERT_EQ(XDP_PASS, run(self, &p));
		ASSERT_TRUE(counted(self, XM_XDP_PASS_NOT_FOR_HOST, p.len));
	}
}

/*
 * No conforming sender starts above XM_HOP_LIMIT_MAX (8, the module's cap):
 * such a packet is dropped, relayed or local, also from a warm cache.
 */
TEST_F(xdp, hop_limit_above_cap)
{
	static const uint8_t hops[] = { 9, 16, 64, 255 };
	struct spec s;
	struct pkt p;
	unsigned int i;

	ASSERT_EQ(8, XM_HOP_LIMIT_MAX);
	build(&p, &base4);
	ASSERT_EQ(XDP_REDIRECT, run(self, &p));
	ASSERT_EQ(XM_HOP_LIMIT_MAX - 1, self->out[p.l4 + 8 + 1]);
	for (i = 0; i < sizeof(hops); i++) {
		s = i & 1 ? base6 : base4;
		s.hop = hops[i];
		build(&p, &s);
		ASSERT_EQ(XDP_DROP, run(self, &p));
		ASSERT_TRUE(counted(self, XM_XDP_DROP_HOP_LIMIT, p.len));
		s.dst_node = NODE_SELF;
		build(&p, &s);
		ASSERT_EQ(XDP_DROP, run(self, &p));
		ASSERT_TRUE(counted(self, XM_XDP_DROP_HOP_LIMIT, p.len));
	}
}

/*
 * A route leading back to the endpoint the packet came from is refused;
 * another node at the same address (another port) is a fair next hop.
 */
TEST_F(xdp, never_back_to_sender)
{
	struct spec s = base4;
	struct pkt p;

	s.dst_node = NODE_BACK_TO_PEER;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_TO_SENDER, p.len));
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_TO_SENDER, p.len));

	s = base6;
	s.dst_node = NODE_BACK_TO_PEER6;
	build(&p, &s);
	ASSERT_EQ(XDP_DROP, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_DROP_TO_SENDER, p.len));

	/* PEER4 has no neighbour entry in the namespace: the module relays. */
	s = base4;
	s.dst_node = NODE_VIA_PEER_NAT;
	build(&p, &s);
	ASSERT_EQ(XDP_PASS, run(self, &p));
	ASSERT_TRUE(counted(self, XM_XDP_PASS_NO_NEIGH, p.len));
}

/* A peer set without a port would match nothing: the library refuses it. */
TEST_F(xdp, peer_needs_port)
{
	struct xm_addr a;

	addr_of(&a, PEER4, 0);
	ASSERT_EQ(-EINVAL, xm_bpf_peer_set(&self->maps, &a, 1));
}

TEST_HARNESS_MAIN
