// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * XDP on the underlay NIC: relay transit xmesh packets without the stack,
 * drop packets from unknown senders early, pass local ones to the module.
 * Only a configured peer's endpoint (outer source address and UDP port) is
 * relayed for, only frames addressed to this host (its NIC's MAC, one of
 * its underlay addresses) are relayed, never back to their sender, and
 * only with a hop limit of at most XM_HOP_LIMIT_MAX.
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
#define XM_IP6_OFFSET		0xfff8	/* of the fragment header's frag_off */
#define XM_NEXTHDR_HOP		0
#define XM_NEXTHDR_ROUTING	43
#define XM_NEXTHDR_FRAGMENT	44
#define XM_NEXTHDR_AUTH		51
#define XM_NEXTHDR_DEST		60
/* IPv6 extension headers walked before giving the packet to the stack. */
#define XM_MAX_EXTHDRS		6
#define XM_AF_INET		2
#define XM_AF_INET6		10

/* One load the compiler may neither repeat nor fold (as the kernel's). */
#define READ_ONCE(x)		(*(volatile typeof(x) *)&(x))

/* What the parsers return when the packet is relayable; else a stat. */
#define XM_PARSED		XM_XDP_STAT_MAX

#ifdef XMESH_WIRE_HOP_LIMIT_MAX
_Static_assert(XM_HOP_LIMIT_MAX == XMESH_WIRE_HOP_LIMIT_MAX, "XDP caps hops as the module");
#endif

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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XM_BPF_MAX_LOCAL_ADDRS);
	__type(key, struct xm_addr_key);
	__type(value, struct xm_local_addr);
} xm_local_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XM_BPF_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct xm_xdp_iface);
} xm_xdp_ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XM_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xm_counter);
} xm_xdp_stats SEC(".maps");

/*
 * This CPU's memory of relaying from a sender to a destination: that the
 * sender is a peer, and the route and fib answers (the peer, route and fib
 * lookups cost more than the rest of the relay together). Per CPU, so
 * filling a slot never races a reader. Any xm_peers or xm_routes update
 * bumps xm_config.cache_gen, which retires every slot at once; the fib part
 * is trusted for XM_RELAY_CACHE_JIFFIES only, so neighbour and kernel route
 * changes are seen within that time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XM_RELAY_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct xm_relay_cache);
} xm_relay_cache SEC(".maps");

/*
 * What the parser learnt about an xmesh packet, as offsets from the start
 * of the frame: the program re-derives (and re-checks) pointers from them,
 * which keeps the verifier's view simple whatever the compiler merges.
 */
struct xm_pkt {
	__u32 udp;			/* offset of the UDP header */
	__u32 l3_len;			/* IP header(s) and payload, no padding */
	bool v6;
	bool frag;			/* the first fragment of a datagram */
};

/*
 * xm_config, read once per packet: a value that changes while a packet is
 * handled (above all cache_gen) must not be seen twice with two values.
 */
struct xm_cfg {
	__u64 self_node;
	__u64 gen;
	__u16 data_port;
};

/* The part of the packet the relay reads and rewrites, bounds-checked. */
struct xm_view {
	struct ethhdr *eth;
	void *l3;			/* struct iphdr or struct ipv6hdr */
	struct udphdr *udp;
	struct xmesh_wire_hdr *xh;
};

/* Counts the packet in its stat's slot and returns the stat's verdict. */
static __always_inline int count(int stat, __u64 bytes)
{
	__u32 key = stat;
	struct xm_counter *c = bpf_map_lookup_elem(&xm_xdp_stats, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
	if (stat <= XM_XDP_PASS_NOT_FOR_HOST)
		return XDP_PASS;
	switch (stat) {
	case XM_XDP_TX:
		return XDP_TX;
	case XM_XDP_REDIRECT:
		return XDP_REDIRECT;
	case XM_XDP_ABORTED:
		return XDP_ABORTED;
	default:
		return XDP_DROP;
	}
}

/*
 * A 16-bit length field, bounded for the verifier: older ones (6.1) do not
 * bound the result of a byte swap, so the mask must stay in the program,
 * and the empty asm keeps the compiler from proving it useless.
 */
static __always_inline __u32 len16(__be16 field)
{
	__u32 len = bpf_ntohs(field);

	asm volatile("" : "+r"(len));
	return len & 0xffff;
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
	tot = len16(ip4->tot_len);
	if (ip4->version != 4 || ihl < sizeof(*ip4) || tot < ihl ||
	    (void *)ip4 + tot > data_end)
		return XM_XDP_DROP_MALFORMED;
	if (ip4->protocol != IPPROTO_UDP)
		return XM_XDP_PASS_NOT_XMESH;
	/*
	 * A later fragment has no UDP header to check: it is passed, and the
	 * stack can only complete it with a first fragment, which holds the
	 * UDP header and is checked like a whole packet (overlaps are dropped
	 * by the stack, so a datagram's ports are its first fragment's).
	 */
	if (ip4->frag_off & bpf_htons(XM_IP_OFFSET))
		return XM_XDP_PASS_FRAGMENT;
	if (ip4->frag_off & bpf_htons(XM_IP_MF))
		p->frag = true;
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
	tot = sizeof(*ip6) + len16(ip6->payload_len);
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
		/* Every one of these starts with nexthdr, length and 2 more. */
		if (off + 4 > tot || (void *)(opt + 4) > data_end)
			return XM_XDP_DROP_MALFORMED;
		if (nexthdr == XM_NEXTHDR_ROUTING && opt[3] != 0)
			return XM_XDP_PASS_NOT_XMESH;
		if (nexthdr == XM_NEXTHDR_FRAGMENT) {
			/* A later fragment: as for IPv4. */
			if ((opt[2] << 8 | opt[3]) & XM_IP6_OFFSET)
				return XM_XDP_PASS_FRAGMENT;
			/* The first carries the header chain (RFC 8200). */
			p->frag = true;
			len = 8;
		} else if (nexthdr == XM_NEXTHDR_AUTH) {
			len = (opt[1] + 2) * 4;
		} else {
			len = (opt[1] + 1) * 8;
		}
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

static __always_inline bool v4_mapped(const struct in6_addr *a)
{
	return !a->in6_u.u6_addr32[0] && !a->in6_u.u6_addr32[1] &&
	       a->in6_u.u6_addr32[2] == bpf_htonl(0xffff);
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
	if (p->v6) {
		struct ipv6hdr *ip6 = data + sizeof(*eth);

		/*
		 * IPv4 peers are keyed as ::ffff:a.b.c.d: an IPv6 datagram
		 * claiming such an address would pass for an IPv4 peer. No
		 * real IPv6 packet carries one (the stack drops it too).
		 */
		if ((void *)(ip6 + 1) > data_end)
			return XM_XDP_DROP_MALFORMED;
		if (v4_mapped(&ip6->saddr) || v4_mapped(&ip6->daddr))
			return XM_XDP_DROP_MALFORMED;
	}
	ulen = bpf_ntohs(udp->len);
	/* A first fragment holds the start of the datagram UDP counts. */
	if ((p->frag ? ulen < p->l3_len - l4 : ulen != p->l3_len - l4) ||
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
	/*
	 * Every xmesh packet, and every first fragment a router can make of
	 * one (RFC 791: 68 bytes at least), reaches past both fixed IP
	 * headers; only whole packets must hold the xmesh header.
	 */
	if (v->l3 + sizeof(struct ipv6hdr) > data_end ||
	    (void *)(v->udp + 1) > data_end)
		return false;
	return p->frag || (void *)(v->xh + 1) <= data_end;
}

static __always_inline bool header_ok(const struct xmesh_wire_hdr *xh)
{
	/* One load, where the packed field would take four. */
	__be32 reserved1 = ((const __be32 *)xh)[5];
	__u8 type = xmesh_wire_type(xh);

	return xmesh_wire_version(xh) == XMESH_WIRE_VERSION &&
	       (type == XMESH_WIRE_TYPE_DATA ||
		type == XMESH_WIRE_TYPE_KEEPALIVE) &&
	       !xh->flags && !xh->reserved0 && !reserved1;
}

static __always_inline bool is_v4_mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff);
}

/* A 16-byte address, built word by word. */
union xm_addr16 {
	__u8 b[16];
	__be32 w[4];
};

/* The outer source address, IPv4-mapped for IPv4: the xm_peers key. */
static __always_inline void sender_of(union xm_addr16 *a, const struct xm_view *v, bool v6)
{
	if (!v6) {
		const struct iphdr *ip4 = v->l3;

		a->w[0] = 0;
		a->w[1] = 0;
		a->w[2] = bpf_htonl(0xffff);
		a->w[3] = ip4->saddr;
	} else {
		const struct ipv6hdr *ip6 = v->l3;

		a->w[0] = ip6->saddr.in6_u.u6_addr32[0];
		a->w[1] = ip6->saddr.in6_u.u6_addr32[1];
		a->w[2] = ip6->saddr.in6_u.u6_addr32[2];
		a->w[3] = ip6->saddr.in6_u.u6_addr32[3];
	}
}

/* The destination node, as two word loads where the packed field takes 8. */
static __always_inline __u64 dst_node_of(const struct xmesh_wire_hdr *xh)
{
	const __be32 *w = (const void *)xh + __builtin_offsetof(struct xmesh_wire_hdr, dst_node);

	return (__u64)bpf_ntohl(w[0]) << 32 | bpf_ntohl(w[1]);
}

/* This CPU's cache slot for the packet's sender and destination node. */
static __always_inline struct xm_relay_cache *cache_slot(const struct xm_view *v, bool v6,
							 __u64 dst)
{
	__u32 h = (__u32)dst ^ (__u32)(dst >> 32), slot;

	if (!v6) {
		h ^= ((const struct iphdr *)v->l3)->saddr;
	} else {
		const __be32 *s = ((const struct ipv6hdr *)v->l3)->saddr.in6_u.u6_addr32;

		h ^= s[0] ^ s[1] ^ s[2] ^ s[3];
	}
	slot = (h ^ h >> 16) & (XM_RELAY_CACHE_SLOTS - 1);
	return bpf_map_lookup_elem(&xm_relay_cache, &slot);
}

/*
 * Was the entry made for this sender and destination, under this config?
 * An IPv4 entry's sender is IPv4-mapped: its last word is the address.
 */
static __always_inline bool cache_knows(const struct xm_relay_cache *c,
					const struct xm_view *v, bool v6, __u64 dst,
					const struct xm_cfg *cfg)
{
	const __be32 *known = (const __be32 *)c->src, *s;

	if (c->dst_node != dst || c->gen != cfg->gen || c->v6 != v6 ||
	    c->src_port != v->udp->source)
		return false;
	if (!v6)
		return known[3] == ((const struct iphdr *)v->l3)->saddr;
	s = ((const struct ipv6hdr *)v->l3)->saddr.in6_u.u6_addr32;
	return known[0] == s[0] && known[1] == s[1] && known[2] == s[2] && known[3] == s[3];
}

/* Is the packet's source (address and UDP port) a peer's endpoint? */
static __always_inline bool from_peer(const struct xm_view *v, bool v6)
{
	struct xm_peer_key k = {};
	union xm_addr16 src;

	sender_of(&src, v, v6);
	__builtin_memcpy(k.addr, src.b, 16);
	k.port = bpf_ntohs(v->udp->source);
	return bpf_map_lookup_elem(&xm_peers, &k);
}

/* The outer destination address, IPv4-mapped for IPv4. */
static __always_inline void local_of(union xm_addr16 *a, const struct xm_view *v, bool v6)
{
	if (!v6) {
		a->w[0] = 0;
		a->w[1] = 0;
		a->w[2] = bpf_htonl(0xffff);
		a->w[3] = ((const struct iphdr *)v->l3)->daddr;
	} else {
		const struct ipv6hdr *ip6 = v->l3;

		a->w[0] = ip6->daddr.in6_u.u6_addr32[0];
		a->w[1] = ip6->daddr.in6_u.u6_addr32[1];
		a->w[2] = ip6->daddr.in6_u.u6_addr32[2];
		a->w[3] = ip6->daddr.in6_u.u6_addr32[3];
	}
}

static __always_inline bool mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/*
 * Was the frame addressed to this host, as the cache entry e already
 * checked: the same NIC, its MAC and the same outer destination address?
 */
static __always_inline bool cache_for_host(const struct xm_relay_cache *e,
					   const struct xm_view *v, bool v6, __u32 ifindex)
{
	union xm_addr16 d;
	const __be32 *l = (const __be32 *)e->local;

	if (e->ingress_ifindex != ifindex || !mac_eq(v->eth->h_dest, e->local_mac))
		return false;
	local_of(&d, v, v6);
	return l[0] == d.w[0] && l[1] == d.w[1] && l[2] == d.w[2] && l[3] == d.w[3];
}

/*
 * Is the frame addressed to this host: to the receiving NIC's MAC (not a
 * broadcast or multicast one, not another host's) and to one of its
 * underlay addresses? Copies that MAC to mac; returns XM_PARSED or the stat.
 */
static __always_inline int for_host(const struct xm_view *v, bool v6, __u32 ifindex,
				    __u8 *mac)
{
	const struct xm_xdp_iface *nic;
	struct xm_addr_key k;
	union xm_addr16 d;

	nic = bpf_map_lookup_elem(&xm_xdp_ifaces, &ifindex);
	if (!nic || !mac_eq(v->eth->h_dest, nic->mac))
		return XM_XDP_PASS_NOT_FOR_HOST;
	local_of(&d, v, v6);
	__builtin_memcpy(k.addr, d.b, 16);
	if (!bpf_map_lookup_elem(&xm_local_addrs, &k))
		return XM_XDP_PASS_NOT_FOR_HOST;
	__builtin_memcpy(mac, nic->mac, ETH_ALEN);
	return XM_PARSED;
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

/* The same for a 32-bit word: its halves fold together later. */
static __always_inline __u64 csum_word32_diff(__be32 old, __be32 new)
{
	return (__u32)~old + (__u64)new;
}

/*
 * Relaying moves the outer destination address to the source and puts the
 * next hop in the destination: (src, dst) -> (dst, nh). The checksum change
 * of that is (~src + dst) + (~dst + nh) word by word, where dst + ~dst is
 * always 0xffffffff: it depends on the sender and the next hop only, so the
 * cache keeps it.
 */
static __always_inline __u64 csum_addrs_diff(const union xm_addr16 *src, const __u8 *nh_addr,
					     bool v6)
{
	const __be32 *nh = (const __be32 *)nh_addr;
	__u64 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		if (!v6 && i < 3)
			continue;
		sum += csum_word32_diff(src->w[i], nh[i]) + 0xffffffff;
	}
	return sum;
}

/*
 * Resolves the destination to a next hop with xm_routes and bpf_fib_lookup
 * and, on success only, writes all of e for this sender, destination,
 * ingress NIC (whose MAC is local_mac) and packet length. Returns XM_PARSED
 * or the stat of a failure.
 */
static __always_inline int resolve(struct xdp_md *ctx, const struct xm_pkt *p,
				   const struct xm_view *v, const struct xm_cfg *cfg,
				   __u64 dst, __u32 ifindex, __u64 now,
				   const __u8 *local_mac, struct xm_relay_cache *e)
{
	struct bpf_fib_lookup fib = {};
	const struct xm_route *rt;
	union xm_addr16 src, local;
	const __be32 *nh;
	int rc;

	rt = bpf_map_lookup_elem(&xm_routes, &dst);
	if (!rt)
		return XM_XDP_DROP_NO_ROUTE;
	/* Relaying keeps the outer header's size: same family only. */
	if (p->v6 == is_v4_mapped(rt->addr))
		return XM_XDP_DROP_FAMILY;
	/* Never back to the endpoint the packet came from. */
	sender_of(&src, v, p->v6);
	nh = (const __be32 *)rt->addr;
	if (nh[0] == src.w[0] && nh[1] == src.w[1] && nh[2] == src.w[2] &&
	    nh[3] == src.w[3] && bpf_htons(rt->port) == v->udp->source)
		return XM_XDP_DROP_TO_SENDER;

	fib.ifindex = ifindex;
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

	local_of(&local, v, p->v6);
	e->dst_node = dst;
	e->gen = cfg->gen;
	e->expires = now + XM_RELAY_CACHE_JIFFIES;
	__builtin_memcpy(e->src, src.b, 16);
	__builtin_memcpy(e->nh_addr, rt->addr, 16);
	__builtin_memcpy(e->local, local.b, 16);
	__builtin_memcpy(e->dmac, fib.dmac, ETH_ALEN);
	__builtin_memcpy(e->smac, fib.smac, ETH_ALEN);
	__builtin_memcpy(e->local_mac, local_mac, ETH_ALEN);
	e->src_port = v->udp->source;
	e->nh_port = rt->port;
	e->len_ok = p->l3_len;
	e->ingress_ifindex = ifindex;
	e->egress_ifindex = fib.ifindex;
	e->csum_addrs = csum_addrs_diff(&src, rt->addr, p->v6);
	e->v6 = p->v6;
	return XM_PARSED;
}

/*
 * Rewrites the outer headers toward the next hop; returns the stat.
 * e is this sender's and destination's cache slot, known says whether it
 * holds them; the frame's addressing and the route and the fib are checked
 * again when it does not, or when it was made for another NIC, MAC or
 * outer destination, when its fib part is stale or was made for shorter
 * packets.
 */
static __always_inline int relay(struct xdp_md *ctx, const struct xm_pkt *p,
				 const struct xm_view *v, const struct xm_cfg *cfg,
				 __u64 dst, struct xm_relay_cache *e, bool known)
{
	struct xmesh_wire_hdr *xh = v->xh;
	struct udphdr *udp = v->udp;
	__u32 ifindex = ctx->ingress_ifindex;
	__u64 now = bpf_jiffies64();
	__u8 mac[ETH_ALEN];
	__u16 port, word;
	__u64 sum;
	int rc;

	if (!known || now >= e->expires || p->l3_len > e->len_ok ||
	    !cache_for_host(e, v, p->v6, ifindex)) {
		rc = for_host(v, p->v6, ifindex, mac);
		if (rc != XM_PARSED)
			return rc;
		rc = resolve(ctx, p, v, cfg, dst, ifindex, now, mac, e);
		if (rc != XM_PARSED)
			return rc;
	}

	/*
	 * Source: the address the packet came to; destination: the next hop.
	 * sum collects the change of the UDP pseudo-header and header: the
	 * addresses' from the cache, the ports', and the hop limit's (it
	 * shares a 16-bit word with ver_type; it is at least 2 here).
	 */
	sum = (__u16)~udp->check + e->csum_addrs;
	if (!p->v6) {
		struct iphdr *ip4 = v->l3;

		ip4->check = csum_fold((__u16)~ip4->check + e->csum_addrs);
		ip4->saddr = ip4->daddr;
		ip4->daddr = ((const __be32 *)e->nh_addr)[3];
	} else {
		struct ipv6hdr *ip6 = v->l3;

		ip6->saddr = ip6->daddr;
		__builtin_memcpy(&ip6->daddr, e->nh_addr, 16);
	}
	port = bpf_htons(cfg->data_port);
	sum += csum_word_diff(udp->source, port);
	udp->source = port;
	port = bpf_htons(e->nh_port);
	sum += csum_word_diff(udp->dest, port);
	udp->dest = port;
	word = *(__u16 *)xh;
	xh->hop_limit--;
	sum += csum_word_diff(word, *(__u16 *)xh);

	/* A zero UDP checksum over IPv4 means "none" and stays so. */
	if (p->v6 || udp->check) {
		udp->check = csum_fold(sum);
		if (!udp->check)
			udp->check = 0xffff;
	}

	/* dmac and smac lie in the cache as in the Ethernet header. */
	__builtin_memcpy(v->eth, e->dmac, 2 * ETH_ALEN);
	if (e->egress_ifindex == ifindex)
		return XM_XDP_TX;
	if (bpf_redirect(e->egress_ifindex, 0) != XDP_REDIRECT)
		return XM_XDP_ABORTED;
	return XM_XDP_REDIRECT;
}

/* Everything but the counting: returns the packet's stat. */
static __always_inline int classify(struct xdp_md *ctx)
{
	const struct xm_config *cfgp;
	struct xm_relay_cache *c;
	struct xm_pkt p = {};
	struct xm_cfg cfg;
	struct xm_view v;
	__u32 zero = 0;
	bool known;
	__u64 dst;
	int rc;

	cfgp = bpf_map_lookup_elem(&xm_config, &zero);
	if (!cfgp)
		return XM_XDP_PASS_NO_CONFIG;
	/*
	 * The generation first, once: userspace removes a peer or route and
	 * then bumps it, so a cache entry made from a lookup after this read
	 * carries a generation that is retired if the lookup saw the old map.
	 */
	cfg.gen = READ_ONCE(cfgp->cache_gen);
	cfg.self_node = READ_ONCE(cfgp->self_node);
	cfg.data_port = READ_ONCE(cfgp->data_port);
	if (!cfg.data_port)
		return XM_XDP_PASS_NO_CONFIG;

	rc = parse(&p, ctx, cfg.data_port);
	if (rc != XM_PARSED)
		return rc;
	if (!view(&v, ctx, &p))
		return XM_XDP_DROP_MALFORMED;

	/*
	 * A first fragment to the data port: the module gets the datagram
	 * from the stack once it is whole, and only from a peer.
	 */
	if (p.frag)
		return from_peer(&v, p.v6) ? XM_XDP_PASS_FRAGMENT : XM_XDP_DROP_UNKNOWN_PEER;
	if (!header_ok(v.xh))
		return XM_XDP_DROP_BAD_HEADER;

	/* A sender this CPU relayed for under this config is a known peer. */
	dst = dst_node_of(v.xh);
	c = cache_slot(&v, p.v6, dst);
	/* Cannot fail (the slot is in range): for the verifier. */
	if (!c)
		return XM_XDP_ABORTED;
	known = cache_knows(c, &v, p.v6, dst, &cfg);
	if (!known && !from_peer(&v, p.v6))
		return XM_XDP_DROP_UNKNOWN_PEER;

	/* No conforming sender starts above the cap (as the module checks). */
	if (v.xh->hop_limit == 0 || v.xh->hop_limit > XM_HOP_LIMIT_MAX)
		return XM_XDP_DROP_HOP_LIMIT;
	if (dst == cfg.self_node)
		return XM_XDP_PASS_LOCAL;
	/* Relaying would send it on with a hop limit of 0. */
	if (v.xh->hop_limit == 1)
		return XM_XDP_DROP_HOP_LIMIT;

	return relay(ctx, &p, &v, &cfg, dst, c, known);
}

SEC("xdp")
int xmesh_xdp_relay(struct xdp_md *ctx)
{
	/* One counting site, after the program changed nothing of the size. */
	return count(classify(ctx), ctx->data_end - ctx->data);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
