// SPDX-License-Identifier: GPL-2.0
/* Peers: their table, endpoints and key slots. */

#include <linux/slab.h>
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

struct xmesh_peer *xmesh_peer_create(struct xmesh_dp *dp, u64 node_id)
{
	struct xmesh_peer *peer;
	int err;

	lockdep_assert_held(&dp->lock);
	if (dp->npeers >= XMESH_MAX_PEERS)
		return ERR_PTR(-ENOSPC);
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	peer->dp = dp;
	peer->node_id = node_id;
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
	unsigned int i;

	lockdep_assert_held(&dp->lock);
	for (i = 0; i < ARRAY_SIZE(peer->slot); i++)
		xmesh_peer_key_del(peer, i);
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
		ep = kzalloc(sizeof(*ep), GFP_KERNEL);
		if (!ep)
			return -ENOMEM;
		if (sa->sa_family == AF_INET)
			memcpy(&ep->sin, sa, sizeof(ep->sin));
		else
			memcpy(&ep->sin6, sa, sizeof(ep->sin6));
	}
	rcu_assign_pointer(peer->ep, ep);
	dst_cache_reset(&peer->dst_cache);
	if (old)
		kfree_rcu(old, rcu);
	xmesh_dp_changed(peer->dp);
	return 1;
}

static struct xmesh_keyslot *slot_get(struct xmesh_peer *peer,
				      unsigned int slot)
{
	return rcu_dereference_protected(peer->slot[slot],
					 lockdep_is_held(&peer->dp->lock));
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
