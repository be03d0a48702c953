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
 * The rate limit is a GCRA (virtual scheduling) policer: one virtual clock
 * per tenant and direction, advanced with cmpxchg, so CPUs never take a
 * lock. The host has no sch_fq to pace EDT timestamps, so excess packets
 * are dropped rather than delayed.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "xmesh_bpf.h"

#define NSEC_PER_SEC		1000000000ULL
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
	__type(key, __u32);
	__type(value, struct xm_tenant_state);
} xm_tenant_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XM_BPF_MAX_TENANTS);
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
 * The entry of a per-tenant map, created zeroed on first use. The maps
 * are preallocated hashes: nothing is evicted, a full map is counted.
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
 * GCRA: a packet conforms when the virtual clock is at most tau ahead of
 * now; it then advances the clock by its cost at the configured rate.
 */
static __always_inline bool rate_conforms(__u64 *tat, __u64 len, __u64 rate,
					  __u64 burst)
{
	__u64 cost = len * NSEC_PER_SEC / rate;
	__u64 tau = burst * NSEC_PER_SEC / rate;
	__u64 now = bpf_ktime_get_ns();
	int i;

	for (i = 0; i < XM_CAS_TRIES; i++) {
		__u64 old = READ_ONCE(*tat);
		__u64 base = old > now ? old : now;

		if (base - now > tau)
			return false;
		if (__sync_val_compare_and_swap(tat, old, base + cost) == old)
			return true;
	}
	count_event(XM_TC_CAS_CONTENDED);
	return false;
}

/* Charges len to the budget unless that would exceed it. */
static __always_inline bool budget_allows(__u64 *used, __u64 len,
					  __u64 budget)
{
	int i;

	for (i = 0; i < XM_CAS_TRIES; i++) {
		__u64 old = READ_ONCE(*used);

		if (old + len > budget)
			return false;
		if (__sync_val_compare_and_swap(used, old, old + len) == old)
			return true;
	}
	count_event(XM_TC_CAS_CONTENDED);
	return false;
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
	__u64 len = skb->len, rate, burst, budget;
	__u32 tenant, segs;

	iface = bpf_map_lookup_elem(&xm_tc_ifaces, &ifindex);
	if (!iface) {
		count_event(XM_TC_NO_TENANT);
		return TC_ACT_OK;
	}
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
		if (budget && !budget_allows(&st->budget_used, len, budget)) {
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
