/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The map ABI of the xmesh eBPF fast path: keys, values and counter
 * indexes shared by the programs in bpf/ and their userspace writer
 * (userspace/lib/bpf_*.c). The build copies this file next to the
 * skeletons in build/bpf/.
 *
 * Addresses are held as IPv6; an IPv4 address is IPv4-mapped
 * (::ffff:a.b.c.d), the same convention as struct xm_addr. Node ids are the
 * 64-bit kernel ids (xm_node_kid()), tenant ids are u32, both in host byte
 * order in every map.
 */
#ifndef XMESH_BPF_H
#define XMESH_BPF_H

#include <linux/types.h>
#include <linux/bpf.h>	/* struct bpf_spin_lock */

/* Pinned maps live here, one file per map, named as the map. */
#define XM_BPF_PIN_DIR		"/sys/fs/bpf/xmesh"

#define XM_BPF_MAX_PEERS	16384
#define XM_BPF_MAX_ROUTES	16384
#define XM_BPF_MAX_TENANTS	4096
#define XM_BPF_MAX_IFACES	4096
#define XM_BPF_MAX_LOCAL_ADDRS	256

/*
 * The largest hop limit a packet may carry, the module's
 * XMESH_WIRE_HOP_LIMIT_MAX: senders start at most there, a packet arriving
 * with more is dropped (relayed or local), so a routing loop or a forged
 * header costs at most this many hops.
 */
#define XM_HOP_LIMIT_MAX	8

/* xm_config: the one entry of an array. */
struct xm_config {
	__u64 self_node;	/* this node's kid: packets for it pass */
	__u64 cache_gen;	/* bumped by every xm_peers or xm_routes update */
	__u16 data_port;	/* UDP port of the xmesh data plane */
	__u16 pad0;
	__u32 pad1;
};

/*
 * xm_peers: the senders this node accepts data packets from, by their
 * endpoint: outer source address and UDP source port (host byte order).
 * Two peers behind one NAT address are two entries.
 */
struct xm_peer_key {
	__u8 addr[16];
	__u16 port;
	__u16 pad;		/* zero */
};

struct xm_peer {
	__u64 node;		/* the peer's kid, for inspection */
};

/* xm_routes: final destination node -> the next hop to send it to. */
struct xm_route {
	__u8 addr[16] __attribute__((aligned(8)));	/* next hop's address */
	__u16 port;		/* next hop's data port */
	__u16 pad0;
	__u32 pad1;
};

/*
 * xm_local_addrs: this host's underlay addresses. XDP relays only packets
 * whose outer destination is one of them.
 */
struct xm_addr_key {
	__u8 addr[16];
};

struct xm_local_addr {
	__u32 ifindex;		/* where it was learnt, for inspection; 0: by hand */
};

/*
 * xm_xdp_ifaces: the NICs the XDP program is attached to -> their MAC.
 * XDP relays only frames whose destination MAC is the receiving NIC's.
 */
struct xm_xdp_iface {
	__u8 mac[6];
	__u16 pad;
};

/*
 * xm_relay_cache: the XDP program's own per-CPU cache of what it learnt
 * relaying from one sender to one destination node: that the sender is in
 * xm_peers, the route's next hop and the fib's egress NIC and MACs. Slot =
 * sender address and dst_node folded to XM_RELAY_CACHE_SLOTS. Inspection
 * only: userspace retires every entry at once through xm_config.cache_gen.
 */
#define XM_RELAY_CACHE_SLOTS	1024
/*
 * The fib part of an entry is redone after this many jiffies (a load, where
 * a clock is a helper call): 100 ms at HZ=250 (Debian's), 25 ms at 1000,
 * 250 ms at 100.
 */
#define XM_RELAY_CACHE_JIFFIES	25

struct xm_relay_cache {
	__u64 dst_node;		/* the destination resolved; 0: empty */
	__u64 gen;		/* xm_config.cache_gen it was made under */
	__u64 expires;		/* jiffies64 after which the fib is asked again */
	/* Aligned: the program reads and writes them as words. */
	__u8 src[16] __attribute__((aligned(8)));	/* the sender, in xm_peers */
	__u8 nh_addr[16] __attribute__((aligned(8)));	/* the route's next hop */
	__u8 local[16] __attribute__((aligned(8)));	/* outer dst, in xm_local_addrs */
	__u8 dmac[6] __attribute__((aligned(8)));	/* the frame's new MACs */
	__u8 smac[6];
	__u16 nh_port;
	__u16 len_ok;		/* the egress MTU passed an IP packet this long */
	__u8 local_mac[6] __attribute__((aligned(8)));	/* the ingress NIC's */
	__be16 src_port;	/* the sender's UDP port, as on the wire */
	__u32 ingress_ifindex;	/* forwarding and local_mac were checked on this NIC */
	__u32 egress_ifindex;
	/* The checksum change of the address rewrite: csum_addrs_diff() */
	__u64 csum_addrs;
	__u8 v6;		/* the packets' (and the next hop's) family */
	__u8 pad[7];
};

/*
 * xm_xdp_stats: a per-CPU array indexed by enum xm_xdp_stat. Every packet
 * the XDP program sees lands in exactly one slot.
 */
enum xm_xdp_stat {
	XM_XDP_PASS_NOT_XMESH,	/* not UDP to the data port: the stack's */
	XM_XDP_PASS_FRAGMENT,	/* first fragment from a peer, or a later one */
	XM_XDP_PASS_LOCAL,	/* for this node: on to the module */
	XM_XDP_PASS_NO_NEIGH,	/* next hop's L2 unresolved: module relays */
	XM_XDP_PASS_FWD_DISABLED, /* forwarding off on the NIC: module relays */
	XM_XDP_PASS_NO_CONFIG,	/* xm_config not written yet */
	XM_XDP_PASS_NOT_FOR_HOST, /* transit to another MAC or outer address */
	XM_XDP_TX,		/* relayed out of the ingress NIC */
	XM_XDP_REDIRECT,	/* relayed out of another NIC */
	XM_XDP_DROP_MALFORMED,	/* truncated or inconsistent lengths */
	XM_XDP_DROP_BAD_HEADER,	/* xmesh version, flags or reserved */
	XM_XDP_DROP_UNKNOWN_PEER, /* source address and port not a peer's */
	XM_XDP_DROP_HOP_LIMIT,	/* hop limit 0, or 1 on a relay */
	XM_XDP_DROP_TO_SENDER,	/* the route leads back to the sender */
	XM_XDP_DROP_NO_ROUTE,	/* no xm_routes entry for the destination */
	XM_XDP_DROP_FAMILY,	/* next hop's family differs from the packet's */
	XM_XDP_DROP_FIB,	/* fib lookup: unreachable, blackhole, ... */
	XM_XDP_DROP_MTU,	/* fib lookup: the egress MTU is too small */
	XM_XDP_ABORTED,		/* the redirect helper failed */
	XM_XDP_STAT_MAX,
};

struct xm_counter {
	__u64 packets;
	__u64 bytes;
};

/* xm_tc_ifaces: a tenant-facing interface (host side) -> its tenant. */
struct xm_tc_iface {
	__u32 tenant;
};

/*
 * xm_tenant_policy: written by userspace only. Rate is enforced per
 * direction; the budget counts both directions together.
 */
struct xm_tenant_policy {
	__u64 rate_bytes_per_sec;	/* 0: unlimited */
	__u64 burst_bytes;		/* bucket depth when rate is set */
	__u64 budget_bytes;		/* 0: unlimited */
};

/*
 * xm_tenant_state: written by the TC program only, so policy updates can
 * never reset it. tat is the GCRA theoretical arrival time (a virtual
 * clock in ns) of each direction, advanced with cmpxchg. budget_used is
 * checked and charged under lock, so concurrent senders never overshoot.
 */
struct xm_tenant_state {
	__u64 tat_tx;
	__u64 tat_rx;
	__u64 budget_used;		/* L3 bytes let through, both directions */
	struct bpf_spin_lock lock;	/* guards budget_used */
	__u32 pad;
};

/*
 * xm_tenant_stats: per-CPU, per-tenant counters. Directions are the
 * tenant's: tx is what the tenant sent (ingress of the host-side veth), rx
 * what it received (egress). Bytes are L3 lengths (IP header and payload,
 * no link-layer header; a GSO packet's headers count once); packets count
 * GSO segments. Only IPv4 and IPv6 are metered.
 */
struct xm_tenant_counters {
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_rate_dropped;
	__u64 rx_rate_dropped;
	__u64 budget_dropped;
};

/* xm_tc_stats: per-CPU array of events not owned by one tenant. */
enum xm_tc_stat {
	XM_TC_NO_TENANT,	/* interface not in xm_tc_ifaces: passed */
	XM_TC_STATS_MAP_FULL,	/* tenant counters could not be created */
	XM_TC_NO_STATE,		/* tenant state could not be created */
	XM_TC_CAS_CONTENDED,	/* rate cmpxchg retries ran out: passed */
	XM_TC_NOT_IP,		/* neither IPv4 nor IPv6: passed, not metered */
	XM_TC_STAT_MAX,
};

#endif /* XMESH_BPF_H */
