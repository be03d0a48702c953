// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * TC on tenant-facing interfaces (the host side of a tenant's veth):
 * per-tenant metering, rate limit and byte budget.
 *
 * xmesh_tc_tx runs on the interface's ingress (what the tenant sends),
 * xmesh_tc_rx on its egress (what the tenant receives). Userspace writes
 * xm_tc_ifaces and xm_tenant_policy; only these programs write
 * xm_tenant_state and xm_tenant_stats, so replacing a policy never resets
 * a counter or a bucket.
 *
 * What counts (the rule the module follows too): a tenant's meters count
 * the L3 length of the tenant's packet (IP header and payload; no
 * link-layer header, no encapsulation). The byte budget admits a packet
 * only if used + len <= budget, charged atomically (here under the entry's
 * spin lock), so concurrent senders can never overshoot; the refused packet
 * is dropped, counted as a budget drop and not charged.
 *
 * The rate limit is a GCRA (virtual scheduling) policer: one virtual clock
 * per tenant and direction, advanced with cmpxchg, so CPUs never take a
 * lock; a packet whose cmpxchg keeps losing passes (and is counted) rather
 * than being dropped for the contention. All time arithmetic saturates:
 * no rate, burst or length can wrap it. The host has no sch_fq to pace
 * EDT timestamps, so excess packets are dropped rather than delayed.
 *
 * The maps this program writes are not preallocated (BPF_F_NO_PREALLOC):
 * an entry deleted by userspace while a packet holds it is freed only after
 * an RCU grace period, never recycled for another tenant under the packet.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xmesh_bpf.h"

#define NSEC_PER_SEC		1000000000ULL
#define XM_U64_MAX		(~0ULL)
/* The largest x for which x * NSEC_PER_SEC fits in 64 bits. */
#define XM_NS_MUL_MAX		(XM_U64_MAX / NSEC_PER_SEC)
/* One load the compiler may neither repeat nor fold (as the kernel's). */
#define READ_ONCE(x)		(*(volatile typeof(x) *)&(x))
/* cmpxchg attempts on a bucket before the packet is dropped. */
#define XM_CAS_TRIES		8

enum xm_dir { XM_DIR_TX, XM_DIR_RX };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XM_BPF_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct xm_tc_iface);
} xm_tc_ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XM_BPF_MAX_TENANTS);
	__type(key, __u32);
	__type(value, struct xm_tenant_policy);
} xm_tenant_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XM_BPF_MAX_TENANTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct xm_tenant_state);
} xm_tenant_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XM_BPF_MAX_TENANTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct xm_tenant_counters);
} xm_tenant_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XM_TC_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xm_tc_stats SEC(".maps");

static __always_inline void count_event(__u32 stat)
{
	__u64 *c = bpf_map_lookup_elem(&xm_tc_stats, &stat);

	if (c)
		(*c)++;
}

/*
 * The entry of a per-tenant map, created zeroed on first use. Nothing is
 * evicted: a full map is counted.
 */
static __always_inline void *lookup_or_create(void *map, __u32 *tenant,
					      const void *zero, __u32 full_stat)
{
	void *v = bpf_map_lookup_elem(map, tenant);

	if (v)
		return v;
	/* -EEXIST when another CPU created it first: the lookup finds it. */
	bpf_map_update_elem(map, tenant, zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, tenant);
	if (!v)
		count_event(full_stat);
	return v;
}

/*
 * x bytes at rate bytes/s in ns, x * NSEC_PER_SEC / rate (rate > 0),
 * without overflow: the whole seconds and the remainder apart, the
 * remainder and the rate shifted down together until the product fits
 * (a relative error below 2^-33), and XM_U64_MAX for a result that does
 * not fit (584 years).
 */
static __always_inline __u64 ns_at_rate(__u64 x, __u64 rate)
{
	__u64 q = x / rate, r = x % rate, hi, lo;

	if (q > XM_NS_MUL_MAX)
		return XM_U64_MAX;
	hi = q * NSEC_PER_SEC;
	/* r < rate; the largest shift keeping rate above the limit, then 1. */
#pragma unroll
	for (int s = 16; s > 0; s >>= 1) {
		if ((rate >> s) > XM_NS_MUL_MAX) {
			rate >>= s;
			r >>= s;
		}
	}
	if (rate > XM_NS_MUL_MAX) {
		rate >>= 1;
		r >>= 1;
	}
	lo = r * NSEC_PER_SEC / rate;
	return hi > XM_U64_MAX - lo ? XM_U64_MAX : hi + lo;
}

static __always_inline __u64 add_sat(__u64 a, __u64 b)
{
	return a > XM_U64_MAX - b ? XM_U64_MAX : a + b;
}

/*
 * GCRA: a packet conforms when the virtual clock is at most tau ahead of
 * now; it then advances the clock by its cost at the configured rate. A
 * packet whose cmpxchg lost XM_CAS_TRIES times (other CPUs advanced the
 * clock meanwhile) passes uncharged and is counted.
 */
static __always_inline bool rate_conforms(__u64 *tat, __u64 len, __u64 rate,
					  __u64 burst)
{
	__u64 cost = ns_at_rate(len, rate);
	__u64 tau = ns_at_rate(burst, rate);
	__u64 now = bpf_ktime_get_ns();
	int i;

	for (i = 0; i < XM_CAS_TRIES; i++) {
		__u64 old = READ_ONCE(*tat);
		__u64 base = old > now ? old : now;

		if (base - now > tau)
			return false;
		if (__sync_val_compare_and_swap(tat, old, add_sat(base, cost)) == old)
			return true;
	}
	count_event(XM_TC_CAS_CONTENDED);
	return true;
}

/*
 * Charges len to the budget unless used + len would exceed it. Under the
 * entry's lock, so the check and the charge are one step for all CPUs; no
 * sum is formed that could wrap, and a budget lowered below what was used
 * refuses everything.
 */
static __always_inline bool budget_allows(struct xm_tenant_state *st, __u64 len,
					  __u64 budget)
{
	bool ok;

	bpf_spin_lock(&st->lock);
	ok = st->budget_used <= budget && len <= budget - st->budget_used;
	if (ok)
		st->budget_used += len;
	bpf_spin_unlock(&st->lock);
	return ok;
}

/*
 * The L3 length of the packet: the frame without its Ethernet header (a
 * tag is in skb->vlan_tci, not in the frame, at both hooks), and without
 * Ethernet padding: a packet's own IP length when it is shorter. A GSO
 * packet counts its headers once (its IP length is its first segment's, or
 * 0 for BIG TCP).
 */
static __always_inline __u64 l3_len(struct __sk_buff *skb, bool v6)
{
	__u64 len = skb->len > ETH_HLEN ? skb->len - ETH_HLEN : 0;
	__be16 field;
	__u64 ip_len;

	if (skb->gso_segs > 1 ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + (v6 ? 4 : 2), &field, sizeof(field)))
		return len;
	ip_len = bpf_ntohs(field) + (v6 ? 40 : 0);
	return ip_len < len ? ip_len : len;
}

static __always_inline int meter(struct __sk_buff *skb, enum xm_dir dir)
{
	struct xm_tenant_counters zero_counters = {};
	struct xm_tenant_state zero_state = {};
	const struct xm_tenant_policy *pol;
	struct xm_tenant_counters *c;
	struct xm_tenant_state *st;
	struct xm_tc_iface *iface;
	__u32 ifindex = skb->ifindex;
	__u64 len, rate, burst, budget;
	__u32 tenant, segs;
	bool v6;

	iface = bpf_map_lookup_elem(&xm_tc_ifaces, &ifindex);
	if (!iface) {
		count_event(XM_TC_NO_TENANT);
		return TC_ACT_OK;
	}
	/* What the module carries: ARP and the like are the host's business. */
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		v6 = false;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		v6 = true;
	} else {
		count_event(XM_TC_NOT_IP);
		return TC_ACT_OK;
	}
	len = l3_len(skb, v6);
	tenant = iface->tenant;
	c = lookup_or_create(&xm_tenant_stats, &tenant, &zero_counters,
			     XM_TC_STATS_MAP_FULL);

	/*
	 * Each field is read once: a policy update may replace the entry
	 * while this runs, and the rate must not turn 0 between check and use.
	 */
	pol = bpf_map_lookup_elem(&xm_tenant_policy, &tenant);
	rate = pol ? READ_ONCE(pol->rate_bytes_per_sec) : 0;
	burst = pol ? READ_ONCE(pol->burst_bytes) : 0;
	budget = pol ? READ_ONCE(pol->budget_bytes) : 0;
	if (rate || budget) {
		st = lookup_or_create(&xm_tenant_state, &tenant, &zero_state,
				      XM_TC_NO_STATE);
		/* Without state the policy cannot be kept: fail closed. */
		if (!st)
			return TC_ACT_SHOT;
		if (rate &&
		    !rate_conforms(dir == XM_DIR_TX ? &st->tat_tx : &st->tat_rx,
				   len, rate, burst)) {
			if (c && dir == XM_DIR_TX)
				c->tx_rate_dropped++;
			else if (c)
				c->rx_rate_dropped++;
			return TC_ACT_SHOT;
		}
		if (budget && !budget_allows(st, len, budget)) {
			if (c)
				c->budget_dropped++;
			return TC_ACT_SHOT;
		}
	}

	/* A GSO packet counts as the wire packets it will become. */
	segs = skb->gso_segs ? skb->gso_segs : 1;
	if (c && dir == XM_DIR_TX) {
		c->tx_packets += segs;
		c->tx_bytes += len;
	} else if (c) {
		c->rx_packets += segs;
		c->rx_bytes += len;
	}
	return TC_ACT_OK;
}

SEC("tc")
int xmesh_tc_tx(struct __sk_buff *skb)
{
	return meter(skb, XM_DIR_TX);
}

SEC("tc")
int xmesh_tc_rx(struct __sk_buff *skb)
{
	return meter(skb, XM_DIR_RX);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
