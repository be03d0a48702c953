/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tenants: who owns which overlay prefixes, how fast each may send (a token
 * bucket in bytes) and how much in all (a byte budget). A packet belongs to
 * the tenant that owns its inner source address; when no tenant is
 * configured the device carries untenanted traffic (tenant id 0).
 */
#ifndef _XMESH_TENANT_H
#define _XMESH_TENANT_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "stats.h"

struct xmesh_dp;
struct xmesh_prefix;

struct xmesh_tenant {
	u32 id;
	struct xmesh_dp *dp;

	spinlock_t lock;	/* the token bucket */
	u64 rate_bps;		/* 0: unlimited */
	u64 burst;		/* bit-nanoseconds, see tenant.c */
	u64 tokens;		/* bit-nanoseconds */
	u64 last_ns;

	u64 budget;		/* bytes, 0: unlimited */
	atomic64_t used;	/* bytes sent so far */
	unsigned long flags;	/* XMESH_TENANT_* bits */

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

/* Readers: under RCU. */
struct xmesh_tenant *xmesh_tenant_lookup(struct xmesh_dp *dp, u32 id);
/* The tenant owning the address, 0 if none. */
u32 xmesh_tenant_of(struct xmesh_dp *dp, const struct sk_buff *skb, bool src);
/* Charge len bytes; *crossed is set once, when the budget is first used up. */
enum xmesh_meter_verdict xmesh_tenant_meter(struct xmesh_tenant *t,
					    unsigned int len, bool *crossed);

#endif /* _XMESH_TENANT_H */
