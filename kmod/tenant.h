/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tenants: who owns which overlay prefixes, how fast each may send (a token
 * bucket in bytes) and how much in all (a byte budget). A packet forwarded
 * in from an interface bound to a tenant belongs to that tenant, and its
 * source must be one of the tenant's prefixes; any other packet belongs to
 * the tenant owning its source, unless that tenant is bound (then it came
 * from the wrong place and is dropped). When no tenant is configured the
 * device carries untenanted traffic (tenant id 0). See datapath.md.
 */
#ifndef _XMESH_TENANT_H
#define _XMESH_TENANT_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "stats.h"

struct xmesh_dp;
struct xmesh_prefix;

/* Ingress interfaces one tenant may be bound to. */
#define XMESH_TENANT_MAX_INGRESS	16

/* A tenant's prefixes as configured: replaced whole, freed after RCU. */
struct xmesh_tenant_prefixes {
	struct rcu_head rcu;
	unsigned int n;
	struct xmesh_prefix p[];
};

struct xmesh_tenant {
	u32 id;
	struct xmesh_dp *dp;

	spinlock_t lock;	/* the token bucket */
	u64 rate_bps;		/* 0: unlimited */
	u64 burst;		/* bit-nanoseconds, see tenant.c */
	u64 tokens;		/* bit-nanoseconds */
	u64 last_ns;

	u64 budget;		/* bytes, 0: unlimited */
	atomic64_t used;	/* bytes sent so far, never above budget */
	unsigned long flags;	/* XMESH_TENANT_* bits */

	struct xmesh_tenant_prefixes __rcu *prefixes;	/* NULL: none */
	bool bound;		/* given ingress interfaces; read locklessly */
	unsigned int ningress;
	u32 ingress[XMESH_TENANT_MAX_INGRESS];	/* ifindexes, under dp->lock */

	struct xmesh_stats stats;
	struct rcu_head rcu;
};

enum {
	XMESH_TENANT_BUDGET_CROSSED,	/* quota event sent */
};

enum xmesh_meter_verdict {
	XMESH_METER_PASS,
	XMESH_METER_RATE,
	XMESH_METER_BUDGET,
};

/* Writers: under dp->lock. */
struct xmesh_tenant *xmesh_tenant_create(struct xmesh_dp *dp, u32 id);
void xmesh_tenant_remove(struct xmesh_tenant *t);
void xmesh_tenant_remove_all(struct xmesh_dp *dp);
void xmesh_tenant_set_rate(struct xmesh_tenant *t, u64 rate_bps, u64 burst);
/* The rate limit as configured: bits/s and burst bytes (0, 0: none). */
void xmesh_tenant_get_rate(struct xmesh_tenant *t, u64 *rate_bps, u64 *burst);
void xmesh_tenant_set_budget(struct xmesh_tenant *t, u64 budget);
/* Replace the tenant's prefixes by the n given, all or nothing. */
int xmesh_tenant_set_prefixes(struct xmesh_tenant *t,
			      const struct xmesh_prefix *p, unsigned int n,
			      u32 *conflict);
/*
 * Replace the tenant's ingress interfaces by the n given (n = 0: unbound)
 * in steps: reserve the new ones (can fail: -EEXIST with *conflict the
 * index of one bound to another tenant, -ENOMEM; changes nothing then),
 * then commit (drops the old ones) or abort. Under dp->lock.
 */
int xmesh_tenant_reserve_ingress(struct xmesh_tenant *t, const u32 *ifindex,
				 unsigned int n, u32 *conflict);
void xmesh_tenant_commit_ingress(struct xmesh_tenant *t, const u32 *ifindex,
				 unsigned int n);
void xmesh_tenant_abort_ingress(struct xmesh_tenant *t, const u32 *ifindex,
				unsigned int n);
/* An interface of the device's netns is going away: unbind it. */
void xmesh_tenant_ingress_gone(struct xmesh_dp *dp, int ifindex);
/* The configured prefixes; under dp->lock or RCU. */
const struct xmesh_tenant_prefixes *
xmesh_tenant_prefixes(const struct xmesh_tenant *t);

/* Readers: under RCU. */
struct xmesh_tenant *xmesh_tenant_lookup(struct xmesh_dp *dp, u32 id);
/* The tenant owning the address, 0 if none. */
u32 xmesh_tenant_of(struct xmesh_dp *dp, const struct sk_buff *skb, bool src);
/* The tenant bound to an ingress interface, or NULL. */
struct xmesh_tenant *xmesh_tenant_by_ingress(struct xmesh_dp *dp, int ifindex);
/*
 * Charge len bytes, the packet's L3 length: admitted only if
 * used + len <= budget (compare-and-swap, no overshoot); a refused packet
 * is not charged. *crossed is set once, when the budget is first used up
 * or first refuses a packet.
 */
enum xmesh_meter_verdict xmesh_tenant_meter(struct xmesh_tenant *t,
					    unsigned int len, bool *crossed);

#endif /* _XMESH_TENANT_H */
