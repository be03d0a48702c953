// SPDX-License-Identifier: GPL-2.0
/* Tenant table, prefix ownership, token bucket and byte budget. */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/math64.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "datapath.h"
#include "tenant.h"

struct xmesh_tenant *xmesh_tenant_lookup(struct xmesh_dp *dp, u32 id)
{
	return xa_load(&dp->tenants, id);
}

struct xmesh_tenant *xmesh_tenant_create(struct xmesh_dp *dp, u32 id)
{
	struct xmesh_tenant *t;
	int err;

	lockdep_assert_held(&dp->lock);
	if (dp->ntenants >= XMESH_MAX_TENANTS)
		return ERR_PTR(-ENOSPC);
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->id = id;
	t->dp = dp;
	spin_lock_init(&t->lock);
	err = xmesh_stats_init(&t->stats);
	if (err)
		goto err_free;
	err = xa_insert(&dp->tenants, id, t, GFP_KERNEL);
	if (err)
		goto err_stats;
	dp->ntenants++;
	xmesh_dp_changed(dp);
	return t;

err_stats:
	xmesh_stats_free(&t->stats);
err_free:
	kfree(t);
	return ERR_PTR(err);
}

static void tenant_free_rcu(struct rcu_head *rcu)
{
	struct xmesh_tenant *t = container_of(rcu, struct xmesh_tenant, rcu);

	xmesh_stats_free(&t->stats);
	kfree(t);
}

void xmesh_tenant_remove(struct xmesh_tenant *t)
{
	struct xmesh_dp *dp = t->dp;

	lockdep_assert_held(&dp->lock);
	xmesh_lpm_del_value(&dp->tenant_prefixes, t->id);
	xa_erase(&dp->tenants, t->id);
	dp->ntenants--;
	xmesh_dp_changed(dp);
	call_rcu(&t->rcu, tenant_free_rcu);
}

void xmesh_tenant_remove_all(struct xmesh_dp *dp)
{
	struct xmesh_tenant *t;
	unsigned long id;

	xa_for_each(&dp->tenants, id, t)
		xmesh_tenant_remove(t);
}

/*
 * Tokens are kept in bit-nanoseconds (bytes * 8 * NSEC_PER_SEC), so refilling
 * is one multiplication and no fraction of a token is ever rounded away.
 */
#define XMESH_TOKEN_SCALE	(8ULL * NSEC_PER_SEC)
#define XMESH_MAX_BURST		BIT_ULL(30)

void xmesh_tenant_set_rate(struct xmesh_tenant *t, u64 rate_bps, u64 burst)
{
	spin_lock_bh(&t->lock);
	t->rate_bps = rate_bps;
	/* Without a burst, allow 10 ms at rate and at least two packets. */
	if (!burst)
		burst = max_t(u64, div_u64(rate_bps, 800), 2 * 65536);
	t->burst = min_t(u64, burst, XMESH_MAX_BURST) * XMESH_TOKEN_SCALE;
	t->tokens = t->burst;
	t->last_ns = ktime_get_ns();
	spin_unlock_bh(&t->lock);
	xmesh_dp_changed(t->dp);
}

void xmesh_tenant_get_rate(struct xmesh_tenant *t, u64 *rate_bps, u64 *burst)
{
	spin_lock_bh(&t->lock);
	*rate_bps = t->rate_bps;
	*burst = t->rate_bps ? div64_u64(t->burst, XMESH_TOKEN_SCALE) : 0;
	spin_unlock_bh(&t->lock);
}

void xmesh_tenant_set_budget(struct xmesh_tenant *t, u64 budget)
{
	WRITE_ONCE(t->budget, budget);
	atomic64_set(&t->used, 0);
	clear_bit(XMESH_TENANT_BUDGET_CROSSED, &t->flags);
	xmesh_dp_changed(t->dp);
}

int xmesh_tenant_set_prefixes(struct xmesh_tenant *t,
			      const struct xmesh_prefix *p, unsigned int n,
			      u32 *conflict)
{
	struct xmesh_lpm *lpm = &t->dp->tenant_prefixes;
	struct xmesh_lpm_entry *e;
	unsigned int i;
	bool created;
	int err;

	lockdep_assert_held(&t->dp->lock);
	for (i = 0; i < n; i++) {
		e = xmesh_lpm_find(lpm, &p[i]);
		if (e && e->value != t->id) {
			*conflict = i;
			return -EEXIST;
		}
	}
	if (lpm->count + n > lpm->max)
		return -ENOSPC;
	xmesh_lpm_del_value(lpm, t->id);
	for (i = 0; i < n; i++) {
		err = xmesh_lpm_set(lpm, &p[i], t->id, &created);
		if (err) {
			/* Out of memory midway: leave no half set behind. */
			xmesh_lpm_del_value(lpm, t->id);
			*conflict = i;
			return err;
		}
	}
	xmesh_dp_changed(t->dp);
	return 0;
}

u32 xmesh_tenant_of(struct xmesh_dp *dp, const struct sk_buff *skb, bool src)
{
	u64 id = 0;

	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *ip = ip_hdr(skb);

		xmesh_lpm_lookup4(&dp->tenant_prefixes,
				  src ? ip->saddr : ip->daddr, &id);
	} else {
		const struct ipv6hdr *ip6 = ipv6_hdr(skb);

		xmesh_lpm_lookup6(&dp->tenant_prefixes,
				  src ? &ip6->saddr : &ip6->daddr, &id);
	}
	return id;
}

static bool bucket_take(struct xmesh_tenant *t, unsigned int len)
{
	u64 now, elapsed, room, cost = len * XMESH_TOKEN_SCALE;
	bool ok = true;

	spin_lock(&t->lock);
	if (t->rate_bps) {
		now = ktime_get_ns();
		elapsed = now - t->last_ns;
		t->last_ns = now;
		room = t->burst - t->tokens;
		if (elapsed >= div64_u64(room, t->rate_bps))
			t->tokens = t->burst;
		else
			t->tokens += elapsed * t->rate_bps;
		ok = t->tokens >= cost;
		if (ok)
			t->tokens -= cost;
	}
	spin_unlock(&t->lock);
	return ok;
}

enum xmesh_meter_verdict xmesh_tenant_meter(struct xmesh_tenant *t,
					    unsigned int len, bool *crossed)
{
	u64 budget = READ_ONCE(t->budget), before;

	*crossed = false;
	if (budget && atomic64_read(&t->used) >= budget)
		return XMESH_METER_BUDGET;
	if (READ_ONCE(t->rate_bps) && !bucket_take(t, len))
		return XMESH_METER_RATE;
	if (!budget)
		return XMESH_METER_PASS;
	/* The packet that crosses the budget still goes: overshoot < 1 MTU. */
	before = atomic64_fetch_add(len, &t->used);
	if (before < budget && before + len >= budget &&
	    !test_and_set_bit(XMESH_TENANT_BUDGET_CROSSED, &t->flags))
		*crossed = true;
	return XMESH_METER_PASS;
}
