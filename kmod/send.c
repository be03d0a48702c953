// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: an inner IP packet leaving the xmesh device is classified to its
 * tenant, routed to a destination node and a next-hop peer, metered, sealed
 * with the destination's session key and sent in UDP to the next hop.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/xmesh.h>
#include <linux/xmesh_wire.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>

#include "datapath.h"
#include "event.h"
#include "keys.h"
#include "peer.h"
#include "route.h"
#include "socket.h"
#include "tenant.h"

/* What every segment of one packet shares. */
struct xmesh_tx {
	struct xmesh_peer *dst;		/* end peer: owner of the key */
	struct xmesh_peer *via;		/* next hop */
	struct xmesh_keyslot *ks;
	struct xmesh_tenant *tenant;	/* NULL: untenanted device */
	u64 dst_node;
};

/*
 * The inner packet's ECN field, copied into the outer header as RFC 6040's
 * normal mode says (CE stays CE); the DSCP is not copied, so the underlay
 * learns nothing of the inner traffic class.
 */
static u8 inner_ecn(const struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->tos & INET_ECN_MASK;
	return ipv6_get_dsfield(ipv6_hdr(skb)) & INET_ECN_MASK;
}

/*
 * The sealed packet leaves as a new packet of the underlay: nothing of the
 * inner one (conntrack, mark, dst, priority, tc and inner header offsets,
 * timestamps) may steer or describe it. Only the flow hash stays, so one
 * inner flow keeps one outer path. After the mold of wg_reset_packet().
 */
static void reset_outer(struct sk_buff *skb)
{
	u32 hash = skb->hash;
	u8 l4_hash = skb->l4_hash, sw_hash = skb->sw_hash;

	skb_scrub_packet(skb, true);
	memset(&skb->headers, 0, sizeof(skb->headers));
	skb->hash = hash;
	skb->l4_hash = l4_hash;
	skb->sw_hash = sw_hash;
	skb->queue_mapping = 0;
	skb->nohdr = 0;
	skb->peeked = 0;
	skb->mac_len = 0;
	skb->dev = NULL;
#ifdef CONFIG_NET_SCHED
	skb->tc_index = 0;
#endif
	skb_reset_redirect(skb);
	skb->hdr_len = skb_headroom(skb);
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	skb_reset_inner_headers(skb);
}

/* Pad to a multiple of XMESH_WIRE_PAD, never beyond the MTU. */
static unsigned int padding(unsigned int len, unsigned int mtu)
{
	unsigned int padded = ALIGN(len, XMESH_WIRE_PAD);

	if (len > mtu)
		return 0;
	return min(padded, mtu) - len;
}

static int seal(struct xmesh_tx *tx, struct sk_buff *skb, u64 counter,
		unsigned int mtu)
{
	unsigned int pad = padding(skb->len, mtu), plen = skb->len + pad;
	struct xmesh_wire_hdr *h;
	struct sk_buff *trailer;
	int nsg, err;

	if (unlikely(skb_cow_head(skb, XMESH_HEADROOM) < 0))
		return -ENOMEM;
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		return -EINVAL;
	nsg = skb_cow_data(skb, pad + XMESH_WIRE_TAG_LEN, &trailer);
	if (unlikely(nsg < 0))
		return nsg;
	memset(skb_tail_pointer(trailer), 0, pad);
	pskb_put(skb, trailer, pad + XMESH_WIRE_TAG_LEN);

	h = skb_push(skb, sizeof(*h));
	h->ver_type = xmesh_wire_ver_type(XMESH_WIRE_VERSION,
					  XMESH_WIRE_TYPE_DATA);
	h->hop_limit = 0;	/* authenticated as zero, see xmesh_wire.h */
	h->flags = 0;
	h->reserved0 = 0;
	h->tenant_id = htonl(tx->tenant ? tx->tenant->id : 0);
	h->dst_node = cpu_to_be64(tx->dst_node);
	h->rx_index = htonl(tx->ks->remote_index);
	h->reserved1 = 0;
	h->counter = cpu_to_be64(counter);

	err = xmesh_aead_crypt(tx->ks->enc, skb, nsg, counter,
			       XMESH_WIRE_HDR_LEN, plen, true);
	if (unlikely(err))
		return err;
	h->hop_limit = XMESH_WIRE_HOP_LIMIT_DEFAULT;
	skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

static void drop_count(struct xmesh_dp *dp, struct xmesh_tx *tx,
		       enum xmesh_stat why)
{
	xmesh_stats_add(&dp->stats, why, 1);
	if (tx->dst)
		xmesh_stats_add(&tx->dst->stats, why, 1);
	if (tx->tenant)
		xmesh_stats_add(&tx->tenant->stats, why, 1);
	DEV_STATS_INC(dp->dev, tx_dropped);
}

static void tx_one(struct xmesh_dp *dp, struct xmesh_tx *tx,
		   struct sk_buff *skb)
{
	unsigned int len = skb->len;
	u8 ecn = inner_ecn(skb);
	enum xmesh_stat why;
	bool notify = false;
	u64 counter;

	if (tx->tenant) {
		switch (xmesh_tenant_meter(tx->tenant, len, &notify)) {
		case XMESH_METER_RATE:
			why = XMESH_STAT_DROP_RATE;
			goto drop;
		case XMESH_METER_BUDGET:
			why = XMESH_STAT_DROP_BUDGET;
			goto drop;
		case XMESH_METER_PASS:
			break;
		}
		if (notify)
			xmesh_event_tenant(dp, XMESH_EVENT_QUOTA_CROSSED,
					   tx->tenant);
	}
	if (unlikely(!xmesh_keyslot_next_counter(tx->ks, &counter, &notify))) {
		why = XMESH_STAT_DROP_NO_KEY;
		goto drop;
	}
	if (unlikely(notify))
		xmesh_event_peer(dp, XMESH_EVENT_KEY_LIMIT, tx->dst);
	if (unlikely(seal(tx, skb, counter, dp->dev->mtu))) {
		why = XMESH_STAT_DROP_OTHER;
		goto drop;
	}
	reset_outer(skb);
	if (unlikely(xmesh_socket_send(dp, tx->via, skb, ecn))) {
		/* The skb is gone; count the route failure on the way out. */
		drop_count(dp, tx, XMESH_STAT_DROP_NO_ROUTE);
		return;
	}
	xmesh_stats_pkt(&dp->stats, XMESH_STAT_TX_PACKETS, len);
	xmesh_stats_pkt(&tx->dst->stats, XMESH_STAT_TX_PACKETS, len);
	if (tx->tenant)
		xmesh_stats_pkt(&tx->tenant->stats, XMESH_STAT_TX_PACKETS, len);
	return;
drop:
	drop_count(dp, tx, why);
	kfree_skb(skb);
}

/* Answer a packet too big for the device: ICMP fragmentation needed. */
static void too_big(struct sk_buff *skb, unsigned int mtu)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		if (ip_hdr(skb)->frag_off & htons(IP_DF))
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
				      htonl(mtu));
	} else {
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	}
}

static bool inner_valid(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
		       ip_hdr(skb)->version == 4;
	if (skb->protocol == htons(ETH_P_IPV6))
		return pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
		       ipv6_hdr(skb)->version == 6;
	return false;
}

/*
 * The packet's tenant is bound to where it entered this node: a packet
 * forwarded in from an interface bound to a tenant is that tenant's, and
 * its source must be one of the tenant's prefixes. Any other packet (sent
 * by this host, or forwarded from an unbound interface) is the tenant's
 * that owns its source, unless that tenant is bound to interfaces: its
 * packets come only through them. Both refusals are spoofing.
 */
static enum xmesh_stat tx_tenant(struct xmesh_dp *dp, struct sk_buff *skb,
				 struct xmesh_tx *tx)
{
	u32 src = xmesh_tenant_of(dp, skb, true);
	struct xmesh_tenant *t;

	t = xmesh_tenant_by_ingress(dp, skb->skb_iif);
	if (t) {
		tx->tenant = t;
		if (src != t->id)
			return XMESH_STAT_DROP_SPOOF;
	} else {
		t = xmesh_tenant_lookup(dp, src);
		if (!t)
			return XMESH_STAT_DROP_NO_TENANT;
		/* Not charged to the tenant it claims to be. */
		if (READ_ONCE(t->bound))
			return XMESH_STAT_DROP_SPOOF;
		tx->tenant = t;
	}
	if (xmesh_tenant_of(dp, skb, false) != t->id)
		return XMESH_STAT_DROP_CROSS_TENANT;
	return XMESH_STAT_COUNT;
}

/* Classify and route; returns XMESH_STAT_COUNT when the packet may go. */
static enum xmesh_stat tx_prepare(struct xmesh_dp *dp, struct sk_buff *skb,
				  struct xmesh_tx *tx)
{
	enum xmesh_stat why;

	if (!inner_valid(skb))
		return XMESH_STAT_DROP_MALFORMED;
	if (READ_ONCE(dp->ntenants)) {
		why = tx_tenant(dp, skb, tx);
		if (why != XMESH_STAT_COUNT)
			return why;
	}
	if (!xmesh_route_lookup(dp, skb, false, &tx->dst_node) ||
	    tx->dst_node == xmesh_dp_node_id(dp))
		return XMESH_STAT_DROP_NO_ROUTE;
	tx->dst = xmesh_peer_lookup(dp, tx->dst_node);
	if (!tx->dst)
		return XMESH_STAT_DROP_NO_PEER;
	tx->ks = rcu_dereference_bh(tx->dst->slot[XMESH_KEY_SLOT_PRIMARY]);
	if (!tx->ks)
		return XMESH_STAT_DROP_NO_KEY;
	tx->via = xmesh_next_hop(dp, tx->dst_node);
	if (!tx->via)
		return XMESH_STAT_DROP_NO_ROUTE;
	if (skb_is_gso(skb) ? !skb_gso_validate_network_len(skb, dp->dev->mtu) :
			      skb->len > dp->dev->mtu) {
		too_big(skb, dp->dev->mtu);
		return XMESH_STAT_DROP_TOO_BIG;
	}
	return XMESH_STAT_COUNT;
}

netdev_tx_t xmesh_dp_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct xmesh_dp *dp = xmesh_dp_of(dev);
	struct xmesh_tx tx = {};
	enum xmesh_stat why;
	struct sk_buff *segs, *next;

	rcu_read_lock_bh();
	why = tx_prepare(dp, skb, &tx);
	if (why != XMESH_STAT_COUNT)
		goto drop;
	/* Kept for too_big() only (see xmesh_setup()); the outer one comes later. */
	skb_dst_drop(skb);
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			why = XMESH_STAT_DROP_OTHER;
			goto drop;
		}
		consume_skb(skb);
		skb = segs;
	}
	skb_list_walk_safe(skb, skb, next) {
		skb_mark_not_on_list(skb);
		tx_one(dp, &tx, skb);
	}
	rcu_read_unlock_bh();
	return NETDEV_TX_OK;
drop:
	drop_count(dp, &tx, why);
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return NETDEV_TX_OK;
}
