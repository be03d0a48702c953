// SPDX-License-Identifier: GPL-2.0
/* Peers: their table, endpoints and key slots. */

#include <linux/hash.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <linux/xmesh.h>

#include "datapath.h"
#include "event.h"
#include "peer.h"

struct xmesh_peer *xmesh_peer_lookup(struct xmesh_dp *dp, u64 node_id)
{
	return xa_load(&dp->peers, node_id);
}

struct xmesh_keyslot *xmesh_keyslot_by_index(struct xmesh_dp *dp, u32 index)
{
	return xa_load(&dp->indexes, index);
}

/* What the endpoint hash covers: family, address and port. */
struct endpoint_key {
	struct in6_addr addr;	/* IPv4 in the first word, the rest zero */
	__be16 port;
	u16 family;
	u32 zero;
};

static struct hlist_head *endpoint_bucket(struct xmesh_dp *dp,
					  const struct endpoint_key *k)
{
	u64 h = siphash(k, sizeof(*k), &dp->endpoint_secret);

	return &dp->endpoints[hash_64(h, XMESH_ENDPOINT_HASH_BITS)];
}

static void endpoint_key_of(const struct xmesh_endpoint *ep,
			    struct endpoint_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = ep->sa.sa_family;
	if (ep->sa.sa_family == AF_INET) {
		k->addr.s6_addr32[0] = ep->sin.sin_addr.s_addr;
		k->port = ep->sin.sin_port;
	} else {
		k->addr = ep->sin6.sin6_addr;
		k->port = ep->sin6.sin6_port;
	}
}

static bool endpoint_is(const struct xmesh_endpoint *ep,
			const struct endpoint_key *k)
{
	if (ep->sa.sa_family != k->family)
		return false;
	if (k->family == AF_INET)
		return ep->sin.sin_addr.s_addr == k->addr.s6_addr32[0] &&
		       ep->sin.sin_port == k->port;
	return ipv6_addr_equal(&ep->sin6.sin6_addr, &k->addr) &&
	       ep->sin6.sin6_port == k->port;
}

int xmesh_endpoints_init(struct xmesh_dp *dp)
{
	get_random_bytes(&dp->endpoint_secret, sizeof(dp->endpoint_secret));
	dp->endpoints = kvcalloc(1 << XMESH_ENDPOINT_HASH_BITS,
				 sizeof(*dp->endpoints), GFP_KERNEL_ACCOUNT);
	return dp->endpoints ? 0 : -ENOMEM;
}

void xmesh_endpoints_free(struct xmesh_dp *dp)
{
	kvfree(dp->endpoints);
	dp->endpoints = NULL;
}

/* Under RCU; skb is a UDP datagram of the tunnel socket. */
struct xmesh_peer *xmesh_peer_by_source(struct xmesh_dp *dp,
					const struct sk_buff *skb)
{
	struct xmesh_endpoint *ep;
	struct endpoint_key k;

	memset(&k, 0, sizeof(k));
	if (ip_hdr(skb)->version == 4) {
		k.family = AF_INET;
		k.addr.s6_addr32[0] = ip_hdr(skb)->saddr;
	} else {
		k.family = AF_INET6;
		k.addr = ipv6_hdr(skb)->saddr;
	}
	k.port = udp_hdr(skb)->source;
	hlist_for_each_entry_rcu(ep, endpoint_bucket(dp, &k), node)
		if (endpoint_is(ep, &k))
			return ep->peer;
	return NULL;
}

bool xmesh_peer_relay_allow(struct xmesh_peer *peer)
{
	struct xmesh_relay_bucket *b = &peer->relay;
	unsigned int pps = READ_ONCE(xmesh_relay_pps);
	u64 now, cost, burst;
	bool ok = false;

	if (!pps)
		return true;
	cost = NSEC_PER_SEC / pps;
	/* A burst of 1/16 s at the rate, at least 16 packets. */
	burst = cost * max(pps / 16, 16U);
	now = ktime_get_ns();
	spin_lock(&b->lock);
	b->tokens = min(b->tokens + (now - b->last), burst);
	b->last = now;
	if (b->tokens >= cost) {
		b->tokens -= cost;
		ok = true;
	}
	spin_unlock(&b->lock);
	return ok;
}

static void keepalive_timer(struct timer_list *t);

struct xmesh_peer *xmesh_peer_create(struct xmesh_dp *dp, u64 node_id)
{
	struct xmesh_peer *peer;
	int err;

	lockdep_assert_held(&dp->lock);
	if (dp->npeers >= XMESH_MAX_PEERS)
		return ERR_PTR(-ENOSPC);
	peer = kzalloc(sizeof(*peer), GFP_KERNEL_ACCOUNT);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	peer->dp = dp;
	peer->node_id = node_id;
	spin_lock_init(&peer->relay.lock);
	/* last = 0: the first packet finds a full bucket. */
	peer->last_tx = jiffies;
	timer_setup(&peer->keepalive_timer, keepalive_timer, 0);
	err = dst_cache_init(&peer->dst_cache, GFP_KERNEL);
	if (err)
		goto err_free;
	err = xmesh_stats_init(&peer->stats);
	if (err)
		goto err_dst;
	err = xa_insert(&dp->peers, node_id, peer, GFP_KERNEL);
	if (err)
		goto err_stats;
	dp->npeers++;
	xmesh_dp_changed(dp);
	return peer;

err_stats:
	xmesh_stats_free(&peer->stats);
err_dst:
	dst_cache_destroy(&peer->dst_cache);
err_free:
	kfree(peer);
	return ERR_PTR(err);
}

static void peer_free_rcu(struct rcu_head *rcu)
{
	struct xmesh_peer *peer = container_of(rcu, struct xmesh_peer, rcu);

	kfree(rcu_access_pointer(peer->ep));
	dst_cache_destroy(&peer->dst_cache);
	xmesh_stats_free(&peer->stats);
	kfree(peer);
}

void xmesh_peer_remove(struct xmesh_peer *peer)
{
	struct xmesh_dp *dp = peer->dp;
	struct xmesh_endpoint *ep;
	unsigned int i;

	lockdep_assert_held(&dp->lock);
	xmesh_peer_set_keepalive(peer, 0);
	for (i = 0; i < ARRAY_SIZE(peer->slot); i++)
		xmesh_peer_key_del(peer, i);
	ep = rcu_dereference_protected(peer->ep, lockdep_is_held(&dp->lock));
	if (ep)		/* freed with the peer, after a grace period */
		hlist_del_rcu(&ep->node);
	xa_erase(&dp->peers, peer->node_id);
	dp->npeers--;
	xmesh_dp_changed(dp);
	xmesh_event_peer(dp, XMESH_EVENT_PEER_DOWN, peer);
	call_rcu(&peer->rcu, peer_free_rcu);
}

void xmesh_peer_remove_all(struct xmesh_dp *dp)
{
	struct xmesh_peer *peer;
	unsigned long id;

	lockdep_assert_held(&dp->lock);
	xa_for_each(&dp->peers, id, peer)
		xmesh_peer_remove(peer);
}

static bool endpoint_equal(const struct xmesh_endpoint *ep,
			   const struct sockaddr *sa)
{
	if (!ep || !sa)
		return !ep && !sa;
	if (ep->sa.sa_family != sa->sa_family)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		return ep->sin.sin_addr.s_addr == sin->sin_addr.s_addr &&
		       ep->sin.sin_port == sin->sin_port;
	}
	return ipv6_addr_equal(&ep->sin6.sin6_addr,
			       &((const struct sockaddr_in6 *)sa)->sin6_addr) &&
	       ep->sin6.sin6_port == ((const struct sockaddr_in6 *)sa)->sin6_port;
}

int xmesh_peer_set_endpoint(struct xmesh_peer *peer, const struct sockaddr *sa)
{
	struct xmesh_endpoint *old, *ep = NULL;

	lockdep_assert_held(&peer->dp->lock);
	old = rcu_dereference_protected(peer->ep,
					lockdep_is_held(&peer->dp->lock));
	if (endpoint_equal(old, sa))
		return 0;
	if (sa) {
		ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
		if (!ep)
			return -ENOMEM;
		struct endpoint_key k;

		if (sa->sa_family == AF_INET)
			memcpy(&ep->sin, sa, sizeof(ep->sin));
		else
			memcpy(&ep->sin6, sa, sizeof(ep->sin6));
		ep->peer = peer;
		endpoint_key_of(ep, &k);
		hlist_add_head_rcu(&ep->node, endpoint_bucket(peer->dp, &k));
	}
	rcu_assign_pointer(peer->ep, ep);
	dst_cache_reset(&peer->dst_cache);
	if (old) {
		hlist_del_rcu(&old->node);
		kfree_rcu(old, rcu);
	}
	xmesh_dp_changed(peer->dp);
	return 1;
}

static struct xmesh_keyslot *slot_get(struct xmesh_peer *peer,
				      unsigned int slot)
{
	return rcu_dereference_protected(peer->slot[slot],
					 lockdep_is_held(&peer->dp->lock));
}

/*
 * At a key's rekey-after-time: ask the daemon for a new one, if the key
 * still sends (a secondary key is on its way out or about to be swapped in).
 */
static void key_expiring(struct timer_list *t)
{
	struct xmesh_keyslot *ks = from_timer(ks, t, rekey_timer);
	struct xmesh_peer *peer = ks->peer;

	if (rcu_access_pointer(peer->slot[XMESH_KEY_SLOT_PRIMARY]) == ks)
		xmesh_event_peer(peer->dp, XMESH_EVENT_KEY_EXPIRING, peer);
}

int xmesh_peer_key_install(struct xmesh_peer *peer, unsigned int slot,
			   struct xmesh_keyslot *ks)
{
	struct xmesh_dp *dp = peer->dp;
	struct xmesh_keyslot *old = slot_get(peer, slot);
	int err;

	lockdep_assert_held(&dp->lock);
	ks->peer = peer;
	if (old && old->local_index == ks->local_index) {
		/* Same index: the new slot takes the old one's place. */
		xa_store(&dp->indexes, ks->local_index, ks, GFP_KERNEL);
	} else {
		err = xa_insert(&dp->indexes, ks->local_index, ks, GFP_KERNEL);
		if (err)
			return err;	/* -EBUSY: index taken by another slot */
		if (old)
			xa_erase(&dp->indexes, old->local_index);
	}
	rcu_assign_pointer(peer->slot[slot], ks);
	xmesh_keyslot_start(ks, key_expiring);
	xmesh_keyslot_free(old);
	xmesh_dp_changed(dp);
	return 0;
}

void xmesh_peer_key_swap(struct xmesh_peer *peer)
{
	struct xmesh_keyslot *p = slot_get(peer, XMESH_KEY_SLOT_PRIMARY);
	struct xmesh_keyslot *s = slot_get(peer, XMESH_KEY_SLOT_SECONDARY);

	/* Each slot changes in one store; both keys keep decrypting. */
	rcu_assign_pointer(peer->slot[XMESH_KEY_SLOT_PRIMARY], s);
	rcu_assign_pointer(peer->slot[XMESH_KEY_SLOT_SECONDARY], p);
	/*
	 * A key whose rekey time passed while it waited in the secondary slot
	 * had its key-expiring event suppressed: send it now that it sends.
	 */
	if (s && !timer_pending(&s->rekey_timer))
		xmesh_event_peer(peer->dp, XMESH_EVENT_KEY_EXPIRING, peer);
	xmesh_dp_changed(peer->dp);
}

int xmesh_peer_key_del(struct xmesh_peer *peer, unsigned int slot)
{
	struct xmesh_keyslot *ks = slot_get(peer, slot);

	if (!ks)
		return -ENOENT;
	RCU_INIT_POINTER(peer->slot[slot], NULL);
	xa_erase(&peer->dp->indexes, ks->local_index);
	xmesh_keyslot_free(ks);
	/* Keyless, the peer is down; its next packet under a new key is "up". */
	if (!slot_get(peer, 0) && !slot_get(peer, 1))
		clear_bit(XMESH_PEER_UP, &peer->flags);
	xmesh_dp_changed(peer->dp);
	return 0;
}

/*
 * Persistent keepalive: every interval, if nothing was sent to the peer in
 * that time, an authenticated empty packet keeps the path (NAT mappings,
 * the peer's view of the session) open.
 */
static void keepalive_timer(struct timer_list *t)
{
	struct xmesh_peer *peer = from_timer(peer, t, keepalive_timer);
	unsigned long iv = READ_ONCE(peer->keepalive_interval) * HZ;
	unsigned long next;

	if (!iv)
		return;
	next = READ_ONCE(peer->last_tx) + iv;
	if (!time_before(jiffies, next)) {
		xmesh_send_keepalive(peer);
		next = jiffies + iv;
	}
	mod_timer(&peer->keepalive_timer, next);
}

void xmesh_peer_set_keepalive(struct xmesh_peer *peer, u16 interval)
{
	lockdep_assert_held(&peer->dp->lock);
	WRITE_ONCE(peer->keepalive_interval, interval);
	if (!interval) {
		del_timer_sync(&peer->keepalive_timer);
		return;
	}
	mod_timer(&peer->keepalive_timer, jiffies + interval * HZ);
}
