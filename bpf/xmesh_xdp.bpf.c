// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * XDP on the underlay NIC: relay transit xmesh packets without the stack,
 * drop packets from unknown senders early, pass local ones to the module.
 *
 * Transit packets stay encrypted: the outer xmesh header names the final
 * destination node in clear, so a relay only swaps the outer addresses and
 * ports, decrements the hop limit and fixes the checksums. Every length
 * read from the packet is checked against the frame and against the other
 * lengths before use; every packet lands in exactly one xm_xdp_stats slot.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <linux/xmesh_wire.h>
#include "xmesh_bpf.h"

/* The same as the kernel's values; linux/in.h does not have them all. */
#define XM_IP_MF		0x2000
#define XM_IP_OFFSET		0x1fff
#define XM_NEXTHDR_HOP		0
#define XM_NEXTHDR_ROUTING	43
#define XM_NEXTHDR_FRAGMENT	44
#define XM_NEXTHDR_AUTH		51
#define XM_NEXTHDR_DEST		60
/* IPv6 extension headers walked before giving the packet to the stack. */
#define XM_MAX_EXTHDRS		6
#define XM_AF_INET		2
#define XM_AF_INET6		10

/* What the parsers return when the packet is relayable; else a stat. */
#define XM_PARSED		XM_XDP_STAT_MAX

/* The smallest xmesh payload: a header and the tag of an empty plaintext. */
#define XM_MIN_UDP_PAYLOAD	(XMESH_WIRE_HDR_LEN + XMESH_WIRE_TAG_LEN)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xm_config);
} xm_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XM_BPF_MAX_PEERS);
	__type(key, struct xm_peer_key);
	__type(value, struct xm_peer);
} xm_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XM_BPF_MAX_ROUTES);
	__type(key, __u64);
	__type(value, struct xm_route);
} xm_routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XM_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xm_counter);
} xm_xdp_stats SEC(".maps");

/*
 * This CPU's resolutions of destinations to next hops and MACs (the route
 * and fib lookups cost more than the rest of the relay): per CPU, so
 * filling a slot never races a reader. Any xm_routes update bumps
 * xm_config.routes_gen, which retires every slot at once; a slot is trusted
 * for XM_FIB_CACHE_NS only, so neighbour and kernel route changes are seen
 * within that time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XM_FIB_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct xm_fib_cache);
} xm_fib_cache SEC(".maps");

/*
 * What the parser learnt about an xmesh packet, as offsets from the start
 * of the frame: the program re-derives (and re-checks) pointers from them,
 * which keeps the verifier's view simple whatever the compiler merges.
 */
struct xm_pkt {
	__u32 udp;			/* offset of the UDP header */
	__u32 l3_len;			/* IP header(s) and payload, no padding */
	bool v6;
};

/* The part of the packet the relay reads and rewrites, bounds-checked. */
struct xm_view {
	struct ethhdr *eth;
	void *l3;			/* struct iphdr or struct ipv6hdr */
	struct udphdr *udp;
	struct xmesh_wire_hdr *xh;
};

static __always_inline int count(int stat, __u64 bytes, int verdict)
{
	__u32 key = stat;
	struct xm_counter *c = bpf_map_lookup_elem(&xm_xdp_stats, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
	return verdict;
}

/* Finds the IPv4 payload at *l4; returns XM_PARSED or the stat. */
static __always_inline int parse_ip4(struct xm_pkt *p, void *data,
				     void *data_end, __u32 *l4)
{
	struct iphdr *ip4 = data + sizeof(struct ethhdr);
	__u32 ihl, tot;

	if ((void *)(ip4 + 1) > data_end)
		return XM_XDP_DROP_MALFORMED;
	ihl = ip4->ihl * 4;
	tot = bpf_ntohs(ip4->tot_len);
	if (ip4->version != 4 || ihl < sizeof(*ip4) || tot < ihl ||
	    (void *)ip4 + tot > data_end)
		return XM_XDP_DROP_MALFORMED;
	if (ip4->frag_off & bpf_htons(XM_IP_MF | XM_IP_OFFSET))
		return XM_XDP_PASS_FRAGMENT;
	if (ip4->protocol != IPPROTO_UDP)
		return XM_XDP_PASS_NOT_XMESH;
	p->l3_len = tot;
	*l4 = ihl;
	return XM_PARSED;
}

/*
 * Finds the upper-layer header after the IPv6 extension headers at *l4;
 * returns XM_PARSED or the stat. A routing header with segments left means this node
 * is not the packet's final address: the stack deals with it.
 */
static __always_inline int parse_ip6(struct xm_pkt *p, void *data,
				     void *data_end, __u32 *l4)
{
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);
	__u32 off = sizeof(*ip6), tot;
	__u8 nexthdr;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return XM_XDP_DROP_MALFORMED;
	tot = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (ip6->version != 6 || (void *)ip6 + tot > data_end)
		return XM_XDP_DROP_MALFORMED;
	nexthdr = ip6->nexthdr;

#pragma unroll
	for (i = 0; i < XM_MAX_EXTHDRS; i++) {
		__u8 *opt = (void *)ip6 + off;
		__u32 len;

		if (nexthdr != XM_NEXTHDR_HOP && nexthdr != XM_NEXTHDR_ROUTING &&
		    nexthdr != XM_NEXTHDR_DEST && nexthdr != XM_NEXTHDR_AUTH &&
		    nexthdr != XM_NEXTHDR_FRAGMENT)
			break;
		if (nexthdr == XM_NEXTHDR_FRAGMENT)
			return XM_XDP_PASS_FRAGMENT;
		/* Every one of these starts with nexthdr, length and 2 more. */
		if (off + 4 > tot || (void *)(opt + 4) > data_end)
			return XM_XDP_DROP_MALFORMED;
		if (nexthdr == XM_NEXTHDR_ROUTING && opt[3] != 0)
			return XM_XDP_PASS_NOT_XMESH;
		if (nexthdr == XM_NEXTHDR_AUTH)
			len = (opt[1] + 2) * 4;
		else
			len = (opt[1] + 1) * 8;
		nexthdr = opt[0];
		off += len;
		if (off > tot)
			return XM_XDP_DROP_MALFORMED;
		/* Bounded for the verifier: 40 + 6 * 2048 < 0x4000. */
		off &= 0x3fff;
	}
	if (nexthdr != IPPROTO_UDP)
		return XM_XDP_PASS_NOT_XMESH;
	p->v6 = true;
	p->l3_len = tot;
	*l4 = off;
	return XM_PARSED;
}

/* Finds the UDP header, checks every length; returns XM_PARSED or a stat. */
static __always_inline int parse(struct xm_pkt *p, struct xdp_md *ctx,
				 __u16 data_port)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u32 ulen, l4 = 0;
	int rc;

	if ((void *)(eth + 1) > data_end)
		return XM_XDP_PASS_NOT_XMESH;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		rc = parse_ip4(p, data, data_end, &l4);
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		rc = parse_ip6(p, data, data_end, &l4);
	else
		return XM_XDP_PASS_NOT_XMESH;
	if (rc != XM_PARSED)
		return rc;

	l4 &= 0x3fff;
	udp = data + sizeof(*eth) + l4;
	if (l4 + sizeof(*udp) > p->l3_len || (void *)(udp + 1) > data_end)
		return XM_XDP_DROP_MALFORMED;
	if (udp->dest != bpf_htons(data_port))
		return XM_XDP_PASS_NOT_XMESH;
	ulen = bpf_ntohs(udp->len);
	if (ulen != p->l3_len - l4 ||
	    ulen < sizeof(*udp) + XM_MIN_UDP_PAYLOAD)
		return XM_XDP_DROP_MALFORMED;
	p->udp = sizeof(*eth) + l4;
	return XM_PARSED;
}

/* Pointers to what parse() validated; false only if the frame changed. */
static __always_inline bool view(struct xm_view *v, struct xdp_md *ctx,
				 const struct xm_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = p->udp & 0x3fff;

	v->eth = data;
	v->l3 = data + sizeof(struct ethhdr);
	v->udp = data + off;
	v->xh = data + off + sizeof(struct udphdr);
	/* Every xmesh packet reaches past both fixed IP headers. */
	if (v->l3 + sizeof(struct ipv6hdr) > data_end ||
	    (void *)(v->xh + 1) > data_end)
		return false;
	return true;
}

static __always_inline bool header_ok(const struct xmesh_wire_hdr *xh)
{
	__u8 type = xmesh_wire_type(xh);

	return xmesh_wire_version(xh) == XMESH_WIRE_VERSION &&
	       (type == XMESH_WIRE_TYPE_DATA ||
		type == XMESH_WIRE_TYPE_KEEPALIVE) &&
	       !xh->flags && !xh->reserved0 && !xh->reserved1;
}

static __always_inline bool is_v4_mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff);
}

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* RFC 1624: one's complement sum of a 16-bit word changing from old to new. */
static __always_inline __u32 csum_word_diff(__u16 old, __u16 new)
{
	return (__u16)~old + (__u32)new;
}

/* Where a relayed packet goes: next hop, egress NIC and the frame's MACs. */
struct xm_hop {
	__u8 addr[16];
	__u16 port;
	__u32 ifindex;
	__u8 smac[ETH_ALEN];
	__u8 dmac[ETH_ALEN];
};

static __always_inline struct xm_fib_cache *cache_slot(__u64 dst)
{
	__u32 slot = (__u32)(dst ^ dst >> 32) & (XM_FIB_CACHE_SLOTS - 1);

	return bpf_map_lookup_elem(&xm_fib_cache, &slot);
}

/*
 * Resolves the destination to a next hop, egress NIC and MACs. From this
 * CPU's cache while the entry is fresh and was made for this destination,
 * routes generation, ingress NIC and a packet at least this long; else
 * from xm_routes and bpf_fib_lookup, whose success refills the entry.
 * Returns XM_PARSED or the stat of a failure.
 */
static __always_inline int resolve(struct xdp_md *ctx, const struct xm_pkt *p,
				   struct xm_view *v, const struct xm_config *cfg,
				   __u64 dst, struct xm_hop *hop)
{
	struct bpf_fib_lookup fib = {};
	struct xm_fib_cache *c = cache_slot(dst);
	__u64 now = bpf_ktime_get_coarse_ns();
	const struct xm_route *rt;
	int rc;

	if (c && c->dst_node == dst && c->routes_gen == cfg->routes_gen &&
	    now < c->expires_ns && c->ingress_ifindex == ctx->ingress_ifindex &&
	    p->l3_len <= c->len_ok) {
		if (p->v6 == is_v4_mapped(c->nh_addr))
			return XM_XDP_DROP_FAMILY;
		__builtin_memcpy(hop->addr, c->nh_addr, 16);
		hop->port = c->nh_port;
		hop->ifindex = c->egress_ifindex;
		__builtin_memcpy(hop->smac, c->smac, ETH_ALEN);
		__builtin_memcpy(hop->dmac, c->dmac, ETH_ALEN);
		return XM_PARSED;
	}

	rt = bpf_map_lookup_elem(&xm_routes, &dst);
	if (!rt)
		return XM_XDP_DROP_NO_ROUTE;
	/* Relaying keeps the outer header's size: same family only. */
	if (p->v6 == is_v4_mapped(rt->addr))
		return XM_XDP_DROP_FAMILY;

	fib.ifindex = ctx->ingress_ifindex;
	fib.l4_protocol = IPPROTO_UDP;
	fib.sport = bpf_htons(cfg->data_port);
	fib.dport = bpf_htons(rt->port);
	fib.tot_len = p->l3_len;
	if (!p->v6) {
		struct iphdr *ip4 = v->l3;

		fib.family = XM_AF_INET;
		fib.tos = ip4->tos;
		fib.ipv4_src = ip4->daddr;
		__builtin_memcpy(&fib.ipv4_dst, rt->addr + 12, 4);
	} else {
		struct ipv6hdr *ip6 = v->l3;

		fib.family = XM_AF_INET6;
		fib.flowinfo = *(__be32 *)ip6 & bpf_htonl(0x0fffffff);
		__builtin_memcpy(fib.ipv6_src, &ip6->daddr, 16);
		__builtin_memcpy(fib.ipv6_dst, rt->addr, 16);
	}

	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		break;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		return XM_XDP_PASS_NO_NEIGH;
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		return XM_XDP_PASS_FWD_DISABLED;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return XM_XDP_DROP_MTU;
	default:
		return XM_XDP_DROP_FIB;
	}

	__builtin_memcpy(hop->addr, rt->addr, 16);
	hop->port = rt->port;
	hop->ifindex = fib.ifindex;
	__builtin_memcpy(hop->smac, fib.smac, ETH_ALEN);
	__builtin_memcpy(hop->dmac, fib.dmac, ETH_ALEN);
	if (c) {
		c->dst_node = dst;
		c->routes_gen = cfg->routes_gen;
		c->expires_ns = now + XM_FIB_CACHE_NS;
		__builtin_memcpy(c->nh_addr, rt->addr, 16);
		c->nh_port = rt->port;
		c->ingress_ifindex = ctx->ingress_ifindex;
		c->egress_ifindex = fib.ifindex;
		c->len_ok = p->l3_len;
		__builtin_memcpy(c->smac, fib.smac, ETH_ALEN);
		__builtin_memcpy(c->dmac, fib.dmac, ETH_ALEN);
	}
	return XM_PARSED;
}

/* The one's complement sum of n 32-bit words changing from old to new. */
static __always_inline __u64 csum_words_diff(const __be32 *old, const __be32 *new, int n)
{
	__u64 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < n; i++)
		sum += (__u32)~old[i] + (__u64)new[i];
	return sum;
}

/* Rewrites the outer headers toward the next hop and picks the verdict. */
static __always_inline int relay(struct xdp_md *ctx, const struct xm_pkt *p,
				 struct xm_view *v, const struct xm_config *cfg,
				 __u64 dst, __u64 bytes)
{
	struct xmesh_wire_hdr *xh = v->xh;
	struct udphdr *udp = v->udp;
	struct xm_hop hop;
	__u16 port, word;
	__u64 sum;
	int rc;

	rc = resolve(ctx, p, v, cfg, dst, &hop);
	if (rc != XM_PARSED)
		return count(rc, bytes, rc <= XM_XDP_PASS_NO_CONFIG ? XDP_PASS : XDP_DROP);

	/*
	 * Source: the address the packet came to; destination: the next hop.
	 * sum collects the change of the UDP pseudo-header and header.
	 */
	sum = (__u16)~udp->check;
	if (!p->v6) {
		struct iphdr *ip4 = v->l3;
		__be32 old[2] = { ip4->saddr, ip4->daddr };
		__be32 new[2] = { ip4->daddr };
		__u64 diff;

		__builtin_memcpy(&new[1], hop.addr + 12, 4);
		diff = csum_words_diff(old, new, 2);
		ip4->check = csum_fold((__u16)~ip4->check + diff);
		ip4->saddr = new[0];
		ip4->daddr = new[1];
		sum += diff;
	} else {
		struct ipv6hdr *ip6 = v->l3;
		__be32 old[8], new[8];

		__builtin_memcpy(old, &ip6->saddr, 16);
		__builtin_memcpy(old + 4, &ip6->daddr, 16);
		__builtin_memcpy(new, &ip6->daddr, 16);
		__builtin_memcpy(new + 4, hop.addr, 16);
		__builtin_memcpy(&ip6->saddr, new, 16);
		__builtin_memcpy(&ip6->daddr, new + 4, 16);
		sum += csum_words_diff(old, new, 8);
	}
	port = bpf_htons(cfg->data_port);
	sum += csum_word_diff(udp->source, port);
	udp->source = port;
	port = bpf_htons(hop.port);
	sum += csum_word_diff(udp->dest, port);
	udp->dest = port;

	/* The hop limit shares a 16-bit word with ver_type. */
	word = *(__u16 *)xh;
	xh->hop_limit--;
	sum += csum_word_diff(word, *(__u16 *)xh);

	/* A zero UDP checksum over IPv4 means "none" and stays so. */
	if (p->v6 || udp->check) {
		udp->check = csum_fold(sum);
		if (!udp->check)
			udp->check = 0xffff;
	}

	__builtin_memcpy(v->eth->h_dest, hop.dmac, ETH_ALEN);
	__builtin_memcpy(v->eth->h_source, hop.smac, ETH_ALEN);
	if (hop.ifindex == ctx->ingress_ifindex)
		return count(XM_XDP_TX, bytes, XDP_TX);
	rc = bpf_redirect(hop.ifindex, 0);
	if (rc != XDP_REDIRECT)
		return count(XM_XDP_ABORTED, bytes, XDP_ABORTED);
	return count(XM_XDP_REDIRECT, bytes, XDP_REDIRECT);
}

SEC("xdp")
int xmesh_xdp_relay(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	const struct xm_config *cfg;
	struct xm_peer_key peer;
	struct xm_pkt p = {};
	struct xm_view v;
	__u32 zero = 0;
	__u64 dst;
	int rc;

	cfg = bpf_map_lookup_elem(&xm_config, &zero);
	if (!cfg || !cfg->data_port)
		return count(XM_XDP_PASS_NO_CONFIG, bytes, XDP_PASS);

	rc = parse(&p, ctx, cfg->data_port);
	if (rc != XM_PARSED)
		return count(rc, bytes, rc <= XM_XDP_PASS_NO_CONFIG ?
				 XDP_PASS : XDP_DROP);
	if (!view(&v, ctx, &p))
		return count(XM_XDP_DROP_MALFORMED, bytes, XDP_DROP);
	if (!header_ok(v.xh))
		return count(XM_XDP_DROP_BAD_HEADER, bytes, XDP_DROP);

	__builtin_memset(&peer, 0, sizeof(peer));
	if (!p.v6) {
		struct iphdr *ip4 = v.l3;

		peer.addr[10] = 0xff;
		peer.addr[11] = 0xff;
		__builtin_memcpy(peer.addr + 12, &ip4->saddr, 4);
	} else {
		struct ipv6hdr *ip6 = v.l3;

		__builtin_memcpy(peer.addr, &ip6->saddr, 16);
	}
	if (!bpf_map_lookup_elem(&xm_peers, &peer))
		return count(XM_XDP_DROP_UNKNOWN_PEER, bytes, XDP_DROP);

	if (v.xh->hop_limit == 0)
		return count(XM_XDP_DROP_HOP_LIMIT, bytes, XDP_DROP);
	dst = bpf_be64_to_cpu(v.xh->dst_node);
	if (dst == cfg->self_node)
		return count(XM_XDP_PASS_LOCAL, bytes, XDP_PASS);
	/* Relaying would send it on with a hop limit of 0. */
	if (v.xh->hop_limit == 1)
		return count(XM_XDP_DROP_HOP_LIMIT, bytes, XDP_DROP);

	return relay(ctx, &p, &v, cfg, dst, bytes);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
