// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: a UDP datagram on the tunnel socket is either for this node
 * (authenticate and decrypt with the slot its receiver index names, check
 * the replay window, the inner source and the tenant, deliver on the xmesh
 * device) or, on a relay, for another node: forwarded to that node's next
 * hop undecrypted, its hop limit decremented.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <linux/xmesh.h>
#include <linux/xmesh_wire.h>
#include <net/inet_ecn.h>
#include <net/udp_tunnel.h>

#include "datapath.h"
#include "event.h"
#include "keys.h"
#include "peer.h"
#include "route.h"
#include "socket.h"
#include "tenant.h"

struct xmesh_rx {
	struct xmesh_peer *peer;
	struct xmesh_tenant *tenant;
};

static void rx_drop(struct xmesh_dp *dp, struct xmesh_rx *rx,
		    enum xmesh_stat why, struct sk_buff *skb)
{
	xmesh_stats_add(&dp->stats, why, 1);
	if (rx->peer)
		xmesh_stats_add(&rx->peer->stats, why, 1);
	if (rx->tenant)
		xmesh_stats_add(&rx->tenant->stats, why, 1);
	DEV_STATS_INC(dp->dev, rx_dropped);
	kfree_skb(skb);
}

static bool header_valid(const struct xmesh_wire_hdr *h)
{
	return xmesh_wire_version(h) == XMESH_WIRE_VERSION &&
	       (xmesh_wire_type(h) == XMESH_WIRE_TYPE_DATA ||
		xmesh_wire_type(h) == XMESH_WIRE_TYPE_KEEPALIVE) &&
	       !h->flags && !h->reserved0 && !h->reserved1;
}

/* skb->data is at the xmesh header. */
/* The ECN field of the outer header, whose offset the skb still holds. */
static u8 outer_ecn(const struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->tos & INET_ECN_MASK;
	return ipv6_get_dsfield(ipv6_hdr(skb)) & INET_ECN_MASK;
}

static void relay(struct xmesh_dp *dp, struct sk_buff *skb)
{
	struct xmesh_wire_hdr *h = (struct xmesh_wire_hdr *)skb->data;
	struct xmesh_rx rx = {};
	struct xmesh_peer *via;
	unsigned int len = skb->len;
	u32 tenant_id;
	u8 ecn;

	if (!xmesh_dp_relay_enabled(dp))
		return rx_drop(dp, &rx, XMESH_STAT_DROP_NO_ROUTE, skb);
	tenant_id = ntohl(h->tenant_id);
	if (tenant_id)
		rx.tenant = xmesh_tenant_lookup(dp, tenant_id);
	if (h->hop_limit <= 1)
		return rx_drop(dp, &rx, XMESH_STAT_DROP_HOP_LIMIT, skb);
	via = xmesh_next_hop(dp, be64_to_cpu(h->dst_node));
	if (!via)
		return rx_drop(dp, &rx, XMESH_STAT_DROP_NO_ROUTE, skb);
	if (skb_ensure_writable(skb, XMESH_WIRE_HDR_LEN) ||
	    skb_cow_head(skb, XMESH_HEADROOM - XMESH_WIRE_HDR_LEN))
		return rx_drop(dp, &rx, XMESH_STAT_DROP_OTHER, skb);
	h = (struct xmesh_wire_hdr *)skb->data;
	h->hop_limit--;
	ecn = outer_ecn(skb);

	/* Leave the underlay's state behind; the UDP checksum is redone. */
	skb_scrub_packet(skb, false);
	skb->ip_summed = CHECKSUM_NONE;
	skb->dev = dp->dev;
	if (xmesh_socket_send(dp, via, skb, ecn)) {
		xmesh_stats_add(&dp->stats, XMESH_STAT_DROP_NO_ROUTE, 1);
		return;
	}
	xmesh_stats_pkt(&dp->stats, XMESH_STAT_RELAY_PACKETS, len);
	xmesh_stats_pkt(&via->stats, XMESH_STAT_RELAY_PACKETS, len);
	if (rx.tenant)
		xmesh_stats_pkt(&rx.tenant->stats, XMESH_STAT_RELAY_PACKETS,
				len);
}

/* Trim the padding off the decrypted inner packet; false if malformed. */
static bool inner_parse(struct sk_buff *skb)
{
	unsigned int len;

	if (!pskb_may_pull(skb, 1))
		return false;
	switch (skb->data[0] >> 4) {
	case 4:
		if (!pskb_may_pull(skb, sizeof(struct iphdr)))
			return false;
		len = ntohs(ip_hdr(skb)->tot_len);
		if (ip_hdr(skb)->ihl < 5 || len < ip_hdr(skb)->ihl * 4)
			return false;
		skb->protocol = htons(ETH_P_IP);
		break;
	case 6:
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)))
			return false;
		len = sizeof(struct ipv6hdr) +
		      ntohs(ipv6_hdr(skb)->payload_len);
		skb->protocol = htons(ETH_P_IPV6);
		break;
	default:
		return false;
	}
	return len <= skb->len && !pskb_trim(skb, len);
}

/*
 * The inner source must be routed to the sending peer (WireGuard's allowed
 * IPs) and, with tenants, belong to the header's tenant, like the
 * destination.
 */
static enum xmesh_stat inner_check(struct xmesh_dp *dp, struct xmesh_rx *rx,
				   struct sk_buff *skb, u32 tenant_id)
{
	u64 src_node;

	if (!xmesh_route_lookup(dp, skb, true, &src_node) ||
	    src_node != rx->peer->node_id)
		return XMESH_STAT_DROP_SRC_MISMATCH;
	if (!READ_ONCE(dp->ntenants))
		return XMESH_STAT_COUNT;
	rx->tenant = xmesh_tenant_lookup(dp, tenant_id);
	if (!rx->tenant)
		return XMESH_STAT_DROP_NO_TENANT;
	if (xmesh_tenant_of(dp, skb, true) != tenant_id)
		return XMESH_STAT_DROP_SRC_MISMATCH;
	if (xmesh_tenant_of(dp, skb, false) != tenant_id)
		return XMESH_STAT_DROP_CROSS_TENANT;
	return XMESH_STAT_COUNT;
}

static void deliver(struct xmesh_dp *dp, struct xmesh_rx *rx,
		    struct sk_buff *skb)
{
	struct net_device *dev = dp->dev;
	unsigned int len = skb->len;

	skb_scrub_packet(skb, !net_eq(dev_net(dev), dev_net(skb->dev)));
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	/* Authenticated end to end: no need to verify inner checksums. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	skb_reset_mac_header(skb);
	skb_probe_transport_header(skb);

	xmesh_stats_pkt(&dp->stats, XMESH_STAT_RX_PACKETS, len);
	xmesh_stats_pkt(&rx->peer->stats, XMESH_STAT_RX_PACKETS, len);
	if (rx->tenant)
		xmesh_stats_pkt(&rx->tenant->stats, XMESH_STAT_RX_PACKETS, len);
	dev_sw_netstats_rx_add(dev, len);
	gro_cells_receive(&dp->gro, skb);
}

/* skb->data is at the xmesh header, which is valid and names this node. */
static void receive(struct xmesh_dp *dp, struct sk_buff *skb)
{
	struct xmesh_wire_hdr *h = (struct xmesh_wire_hdr *)skb->data;
	struct xmesh_rx rx = {};
	struct xmesh_keyslot *ks;
	u8 ecn = outer_ecn(skb);
	struct sk_buff *trailer;
	enum xmesh_stat why;
	u32 tenant_id;
	u64 counter;
	int nsg;

	if (skb->len < XMESH_WIRE_OVERHEAD)
		return rx_drop(dp, &rx, XMESH_STAT_DROP_MALFORMED, skb);
	/* No sender or relay lets it reach 0; the XDP program drops it too. */
	if (!h->hop_limit)
		return rx_drop(dp, &rx, XMESH_STAT_DROP_HOP_LIMIT, skb);
	ks = xmesh_keyslot_by_index(dp, ntohl(h->rx_index));
	if (!ks)
		return rx_drop(dp, &rx, XMESH_STAT_DROP_NO_KEY, skb);
	rx.peer = ks->peer;

	nsg = skb_cow_data(skb, 0, &trailer);
	if (nsg < 0)
		return rx_drop(dp, &rx, XMESH_STAT_DROP_OTHER, skb);
	h = (struct xmesh_wire_hdr *)skb->data;
	h->hop_limit = 0;	/* relays change it; it is authenticated as 0 */
	counter = be64_to_cpu(h->counter);
	tenant_id = ntohl(h->tenant_id);
	if (xmesh_aead_crypt(ks->dec, skb, nsg, counter, XMESH_WIRE_HDR_LEN,
			     skb->len - XMESH_WIRE_HDR_LEN, false))
		return rx_drop(dp, &rx, XMESH_STAT_DROP_AUTH, skb);
	/* Only after authentication: forged counters must not move it. */
	if (!xmesh_replay_check(&ks->replay, counter))
		return rx_drop(dp, &rx, XMESH_STAT_DROP_REPLAY, skb);
	if (!test_and_set_bit(XMESH_PEER_UP, &rx.peer->flags))
		xmesh_event_peer(dp, XMESH_EVENT_PEER_UP, rx.peer);

	__skb_pull(skb, XMESH_WIRE_HDR_LEN);
	if (pskb_trim(skb, skb->len - XMESH_WIRE_TAG_LEN))
		return rx_drop(dp, &rx, XMESH_STAT_DROP_OTHER, skb);
	if (!skb->len) {	/* keepalive */
		consume_skb(skb);
		return;
	}
	skb_reset_network_header(skb);
	if (!inner_parse(skb))
		return rx_drop(dp, &rx, XMESH_STAT_DROP_MALFORMED, skb);
	why = inner_check(dp, &rx, skb, tenant_id);
	if (why != XMESH_STAT_COUNT)
		return rx_drop(dp, &rx, why, skb);
	/* RFC 6040: CE outside marks ECT inside; a not-ECT packet is lost. */
	if (INET_ECN_decapsulate(skb, ecn, skb->protocol == htons(ETH_P_IP) ?
				 ip_hdr(skb)->tos :
				 ipv6_get_dsfield(ipv6_hdr(skb))) > 1)
		return rx_drop(dp, &rx, XMESH_STAT_DROP_ECN, skb);
	deliver(dp, &rx, skb);
}

int xmesh_udp_recv(struct sock *sk, struct sk_buff *skb)
{
	struct xmesh_dp *dp = rcu_dereference_sk_user_data(sk);
	struct xmesh_rx rx = {};
	struct xmesh_wire_hdr *h;

	if (unlikely(!dp)) {
		kfree_skb(skb);
		return 0;
	}
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + XMESH_WIRE_HDR_LEN)) {
		rx_drop(dp, &rx, XMESH_STAT_DROP_MALFORMED, skb);
		return 0;
	}
	__skb_pull(skb, sizeof(struct udphdr));
	h = (struct xmesh_wire_hdr *)skb->data;
	if (!header_valid(h))
		rx_drop(dp, &rx, XMESH_STAT_DROP_MALFORMED, skb);
	else if (be64_to_cpu(h->dst_node) != xmesh_dp_node_id(dp))
		relay(dp, skb);
	else
		receive(dp, skb);
	return 0;
}
