/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A peer is another node: its id, the UDP endpoint packets to it are sent
 * to (set by userspace; a peer reached only through relays has none), its
 * two key slots and its counters.
 */
#ifndef _XMESH_PEER_H
#define _XMESH_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <net/dst_cache.h>

#include "keys.h"
#include "stats.h"

struct xmesh_dp;

struct xmesh_endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	};
	struct rcu_head rcu;
};

struct xmesh_peer {
	struct xmesh_dp *dp;
	u64 node_id;
	struct xmesh_endpoint __rcu *ep;
	struct xmesh_keyslot __rcu *slot[2];	/* enum xmesh_key_slot */
	struct dst_cache dst_cache;
	struct xmesh_stats stats;
	unsigned long flags;			/* XMESH_PEER_* bits */
	struct rcu_head rcu;
};

enum {
	XMESH_PEER_UP,		/* authenticated packets arrive: up event sent */
};

/* Writers: under dp->lock. */
struct xmesh_peer *xmesh_peer_create(struct xmesh_dp *dp, u64 node_id);
void xmesh_peer_remove(struct xmesh_peer *peer);
void xmesh_peer_remove_all(struct xmesh_dp *dp);
/* Replace the endpoint (NULL clears it): 1 if it changed, 0 or -ENOMEM. */
int xmesh_peer_set_endpoint(struct xmesh_peer *peer, const struct sockaddr *sa);
int xmesh_peer_key_install(struct xmesh_peer *peer, unsigned int slot,
			   struct xmesh_keyslot *ks);
void xmesh_peer_key_swap(struct xmesh_peer *peer);
int xmesh_peer_key_del(struct xmesh_peer *peer, unsigned int slot);

/* Readers: under RCU (or dp->lock). */
struct xmesh_peer *xmesh_peer_lookup(struct xmesh_dp *dp, u64 node_id);
struct xmesh_keyslot *xmesh_keyslot_by_index(struct xmesh_dp *dp, u32 index);

#endif /* _XMESH_PEER_H */
