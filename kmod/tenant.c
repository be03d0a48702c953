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
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
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

	kfree(rcu_dereference_protected(t->prefixes, true));
	xmesh_stats_free(&t->stats);
	kfree(t);
}

const struct xmesh_tenant_prefixes *
xmesh_tenant_prefixes(const struct xmesh_tenant *t)
{
	return rcu_dereference_check(t->prefixes,
				     lockdep_is_held(&t->dp->lock));
}

void xmesh_tenant_remove(struct xmesh_tenant *t)
{
	const struct xmesh_tenant_prefixes *tp = xmesh_tenant_prefixes(t);
	struct xmesh_dp *dp = t->dp;
	unsigned int i;

	lockdep_assert_held(&dp->lock);
	for (i = 0; tp && i < tp->n; i++)
		xmesh_lpm_del(&dp->tenant_prefixes, &tp->p[i], NULL);
	for (i = 0; i < t->ningress; i++)
		xa_erase(&dp->ingress, t->ingress[i]);
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

static bool prefix_in(const struct xmesh_prefix *p,
		      const struct xmesh_tenant_prefixes *set)
{
	unsigned int i;

	for (i = 0; set && i < set->n; i++)
		if (!memcmp(p, &set->p[i], sizeof(*p)))
			return true;
	return false;
}

/*
 * The new set is built aside: the prefixes it adds enter the shared table
 * first (undone if one cannot), then those it drops leave, then it
 * replaces the old set under RCU. The data path sees the old prefixes,
 * then their union with the new ones, then the new ones; a failure leaves
 * the tenant as it was.
 */
int xmesh_tenant_set_prefixes(struct xmesh_tenant *t,
			      const struct xmesh_prefix *p, unsigned int n,
			      u32 *conflict)
{
	struct xmesh_lpm *lpm = &t->dp->tenant_prefixes;
	struct xmesh_tenant_prefixes *old, *new;
	struct xmesh_lpm_entry *e;
	unsigned int i, added = 0;
	bool created;
	int err;

	lockdep_assert_held(&t->dp->lock);
	old = rcu_dereference_protected(t->prefixes,
					lockdep_is_held(&t->dp->lock));
	new = kmalloc(struct_size(new, p, n), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->n = 0;
	for (i = 0; i < n; i++) {
		e = xmesh_lpm_find(lpm, &p[i]);
		if (e && e->value != t->id) {
			*conflict = i;
			kfree(new);
			return -EEXIST;
		}
		if (prefix_in(&p[i], new))
			continue;	/* given twice */
		new->p[new->n++] = p[i];
		added += !e;
	}
	if (lpm->count + added > lpm->max) {
		kfree(new);
		return -ENOSPC;
	}
	for (i = 0; i < new->n; i++) {
		if (prefix_in(&new->p[i], old))
			continue;
		err = xmesh_lpm_set(lpm, &new->p[i], t->id, &created);
		if (err) {
			/* Out of memory midway: take back what was added. */
			while (i--)
				if (!prefix_in(&new->p[i], old))
					xmesh_lpm_del(lpm, &new->p[i], NULL);
			kfree(new);
			*conflict = 0;
			return err;
		}
	}
	for (i = 0; old && i < old->n; i++)
		if (!prefix_in(&old->p[i], new))
			xmesh_lpm_del(lpm, &old->p[i], NULL);
	rcu_assign_pointer(t->prefixes, new);
	if (old)
		kfree_rcu(old, rcu);
	xmesh_dp_changed(t->dp);
	return 0;
}

static bool ifindex_in(u32 ifindex, const u32 *set, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i] == ifindex)
			return true;
	return false;
}

int xmesh_tenant_reserve_ingress(struct xmesh_tenant *t, const u32 *ifindex,
				 unsigned int n, u32 *conflict)
{
	struct xmesh_dp *dp = t->dp;
	struct xmesh_tenant *o;
	unsigned int i;
	int err;

	lockdep_assert_held(&dp->lock);
	if (n > XMESH_TENANT_MAX_INGRESS)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		o = xa_load(&dp->ingress, ifindex[i]);
		if (o && o != t) {
			*conflict = i;
			return -EEXIST;
		}
	}
	for (i = 0; i < n; i++) {
		err = xa_insert(&dp->ingress, ifindex[i], t, GFP_KERNEL);
		if (err && err != -EBUSY) {	/* -EBUSY: already t's */
			xmesh_tenant_abort_ingress(t, ifindex, n);
			*conflict = i;
			return err;
		}
	}
	return 0;
}

void xmesh_tenant_abort_ingress(struct xmesh_tenant *t, const u32 *ifindex,
				unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!ifindex_in(ifindex[i], t->ingress, t->ningress))
			xa_cmpxchg(&t->dp->ingress, ifindex[i], t, NULL,
				   GFP_KERNEL);
}

void xmesh_tenant_commit_ingress(struct xmesh_tenant *t, const u32 *ifindex,
				 unsigned int n)
{
	unsigned int i, j = 0;

	lockdep_assert_held(&t->dp->lock);
	for (i = 0; i < t->ningress; i++)
		if (!ifindex_in(t->ingress[i], ifindex, n))
			xa_erase(&t->dp->ingress, t->ingress[i]);
	for (i = 0; i < n; i++)
		if (!ifindex_in(ifindex[i], t->ingress, j))
			t->ingress[j++] = ifindex[i];
	t->ningress = j;
	WRITE_ONCE(t->bound, j > 0);
	xmesh_dp_changed(t->dp);
}

/*
 * A bound interface is unregistered (or leaves the netns): its index may
 * come back on another interface, so the binding goes. The tenant stays
 * bound, with fewer (maybe no) interfaces, until it is set again: losing
 * its interface must not open its prefixes to other senders.
 */
void xmesh_tenant_ingress_gone(struct xmesh_dp *dp, int ifindex)
{
	struct xmesh_tenant *t;
	unsigned int i;

	mutex_lock(&dp->lock);
	t = dp->dead ? NULL : xa_load(&dp->ingress, ifindex);
	if (t) {
		xa_erase(&dp->ingress, ifindex);
		for (i = 0; i < t->ningress && t->ingress[i] != ifindex; i++)
			;
		if (i < t->ningress)
			t->ingress[i] = t->ingress[--t->ningress];
		xmesh_dp_changed(dp);
	}
	mutex_unlock(&dp->lock);
}

struct xmesh_tenant *xmesh_tenant_by_ingress(struct xmesh_dp *dp, int ifindex)
{
	return ifindex > 0 ? xa_load(&dp->ingress, ifindex) : NULL;
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

/* The quota-crossed event goes once, until the budget is set again. */
static void budget_crossed(struct xmesh_tenant *t, bool *crossed)
{
	if (!test_and_set_bit(XMESH_TENANT_BUDGET_CROSSED, &t->flags))
		*crossed = true;
}

/* The budget boundary: see the rule in Documentation/datapath.md. */
static bool budget_take(struct xmesh_tenant *t, u64 budget, unsigned int len,
			bool *crossed)
{
	s64 used = atomic64_read(&t->used);

	do {
		if ((u64)used + len > budget) {
			budget_crossed(t, crossed);
			return false;
		}
	} while (!atomic64_try_cmpxchg(&t->used, &used, used + len));
	if ((u64)used + len == budget)
		budget_crossed(t, crossed);
	return true;
}

enum xmesh_meter_verdict xmesh_tenant_meter(struct xmesh_tenant *t,
					    unsigned int len, bool *crossed)
{
	u64 budget = READ_ONCE(t->budget);

	*crossed = false;
	/* Cheap refusal first: a packet the budget refuses spends no tokens. */
	if (budget && (u64)atomic64_read(&t->used) + len > budget) {
		budget_crossed(t, crossed);
		return XMESH_METER_BUDGET;
	}
	if (READ_ONCE(t->rate_bps) && !bucket_take(t, len))
		return XMESH_METER_RATE;
	if (budget && !budget_take(t, budget, len, crossed))
		return XMESH_METER_BUDGET;
	return XMESH_METER_PASS;
}
