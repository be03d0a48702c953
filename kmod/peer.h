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
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <net/dst_cache.h>

#include "keys.h"
#include "stats.h"

struct sk_buff;
struct xmesh_dp;

struct xmesh_endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	};
	struct xmesh_peer *peer;
	struct hlist_node node;		/* in dp->endpoints */
	struct rcu_head rcu;
};

/* Buckets of the device's endpoint -> peer hash (sources of relayed packets). */
#define XMESH_ENDPOINT_HASH_BITS	10

/*
 * What a relay does for one source peer (packets/s, burst): a token bucket
 * per peer. 0 = no limit. Module parameter relay_pps (datapath.c).
 */
#define XMESH_RELAY_PPS_DEFAULT		BIT(18)

struct xmesh_relay_bucket {
	spinlock_t lock;	/* orders the CPUs relaying for one peer */
	u64 last;		/* ns of the last refill */
	u64 tokens;		/* ns of credit, at most burst packets' worth */
};

struct xmesh_peer {
	struct xmesh_dp *dp;
	u64 node_id;
	struct xmesh_endpoint __rcu *ep;
	struct xmesh_keyslot __rcu *slot[2];	/* enum xmesh_key_slot */
	struct dst_cache dst_cache;
	struct xmesh_stats stats;
	unsigned long flags;			/* XMESH_PEER_* bits */
	struct xmesh_relay_bucket relay;
	u16 keepalive_interval;			/* seconds, 0 = off */
	unsigned long last_tx;			/* jiffies of the last packet sent */
	struct timer_list keepalive_timer;
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
/* Keepalive every interval seconds when nothing else was sent; 0 = off. */
void xmesh_peer_set_keepalive(struct xmesh_peer *peer, u16 interval);

/* Readers: under RCU (or dp->lock). */
struct xmesh_peer *xmesh_peer_lookup(struct xmesh_dp *dp, u64 node_id);
struct xmesh_keyslot *xmesh_keyslot_by_index(struct xmesh_dp *dp, u32 index);
/* The peer whose endpoint is the outer source (address and port) of skb. */
struct xmesh_peer *xmesh_peer_by_source(struct xmesh_dp *dp,
					const struct sk_buff *skb);
/* Take one packet from the peer's relay bucket; false over the limit. */
bool xmesh_peer_relay_allow(struct xmesh_peer *peer);

/* Endpoint hash table of a device (datapath.c). */
int xmesh_endpoints_init(struct xmesh_dp *dp);
void xmesh_endpoints_free(struct xmesh_dp *dp);

/* Send an authenticated keepalive under the primary key (send.c). */
void xmesh_send_keepalive(struct xmesh_peer *peer);

#endif /* _XMESH_PEER_H */
