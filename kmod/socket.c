// SPDX-License-Identifier: GPL-2.0
/* UDP tunnel sockets: open, close and the encapsulating send. */

#include <linux/net.h>
#include <linux/udp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "datapath.h"
#include "peer.h"
#include "socket.h"

static struct socket *sock_open(struct xmesh_dp *dp, int family, u16 port)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = dp,
		.encap_type = 1,
		.encap_rcv = xmesh_udp_recv,
	};
	struct udp_port_cfg conf = {
		.family = family,
		.local_udp_port = htons(port),
	};
	struct net *net = dev_net(dp->dev);
	struct socket *sock;
	int err;

	if (family == AF_INET6) {
		conf.ipv6_v6only = 1;
		conf.local_ip6 = in6addr_any;
	} else {
		conf.local_ip.s_addr = htonl(INADDR_ANY);
	}
	err = udp_sock_create(net, &conf, &sock);
	if (err)
		return ERR_PTR(err);
	setup_udp_tunnel_sock(net, sock, &cfg);
	return sock;
}

int xmesh_socket_prepare(struct xmesh_dp *dp, u16 port,
			 struct xmesh_socks *socks)
{
	ASSERT_RTNL();
	socks->s4 = NULL;
	socks->s6 = NULL;
	if (!port)
		return 0;
	socks->s4 = sock_open(dp, AF_INET, port);
	if (IS_ERR(socks->s4))
		return PTR_ERR(socks->s4);
	if (ipv6_mod_enabled()) {
		socks->s6 = sock_open(dp, AF_INET6, port);
		if (IS_ERR(socks->s6)) {
			udp_tunnel_sock_release(socks->s4);
			return PTR_ERR(socks->s6);
		}
	}
	return 0;
}

void xmesh_socket_abort(struct xmesh_socks *socks)
{
	if (socks->s4)
		udp_tunnel_sock_release(socks->s4);
	if (socks->s6)
		udp_tunnel_sock_release(socks->s6);
}

void xmesh_socket_commit(struct xmesh_dp *dp, u16 port,
			 struct xmesh_socks *socks)
{
	xmesh_socket_close(dp);
	dp->port = port;
	rcu_assign_pointer(dp->sock4, socks->s4);
	rcu_assign_pointer(dp->sock6, socks->s6);
}

/*
 * The new sockets are bound before the old ones go, so a port that cannot
 * be bound leaves the device as it was. Rebinding the same port is not
 * done here (xmesh_dp_set_port() skips it).
 */
int xmesh_socket_open(struct xmesh_dp *dp, u16 port)
{
	struct xmesh_socks socks;
	int err;

	err = xmesh_socket_prepare(dp, port, &socks);
	if (!err)
		xmesh_socket_commit(dp, port, &socks);
	return err;
}

void xmesh_socket_close(struct xmesh_dp *dp)
{
	struct socket *s4 = rtnl_dereference(dp->sock4);
	struct socket *s6 = rtnl_dereference(dp->sock6);

	ASSERT_RTNL();
	RCU_INIT_POINTER(dp->sock4, NULL);
	RCU_INIT_POINTER(dp->sock6, NULL);
	dp->port = 0;
	if (!s4 && !s6)
		return;
	synchronize_net();
	if (s4)
		udp_tunnel_sock_release(s4);
	if (s6)
		udp_tunnel_sock_release(s6);
}

static int send4(struct xmesh_dp *dp, struct xmesh_peer *peer,
		 const struct sockaddr_in *sin, struct sk_buff *skb, u8 ecn)
{
	struct socket *sock = rcu_dereference_bh(dp->sock4);
	struct flowi4 fl = {
		.daddr = sin->sin_addr.s_addr,
		.fl4_dport = sin->sin_port,
		.fl4_sport = htons(dp->port),
		.flowi4_proto = IPPROTO_UDP,
		.flowi4_mark = skb->mark,
	};
	struct rtable *rt;

	if (unlikely(!sock)) {
		kfree_skb(skb);
		return -ENONET;
	}
	rt = dst_cache_get_ip4(&peer->dst_cache, &fl.saddr);
	if (!rt) {
		rt = ip_route_output_flow(sock_net(sock->sk), &fl, sock->sk);
		if (IS_ERR(rt)) {
			kfree_skb(skb);
			return PTR_ERR(rt);
		}
		if (unlikely(rt->dst.dev == dp->dev)) {
			/* The endpoint is routed into the mesh itself: a loop. */
			ip_rt_put(rt);
			kfree_skb(skb);
			return -ELOOP;
		}
		dst_cache_set_ip4(&peer->dst_cache, &rt->dst, fl.saddr);
	}
	skb->ignore_df = 1;
	udp_tunnel_xmit_skb(rt, sock->sk, skb, fl.saddr, fl.daddr, ecn,
			    ip4_dst_hoplimit(&rt->dst), 0, fl.fl4_sport,
			    fl.fl4_dport, false, false);
	return 0;
}

static int send6(struct xmesh_dp *dp, struct xmesh_peer *peer,
		 const struct sockaddr_in6 *sin6, struct sk_buff *skb, u8 ecn)
{
	struct socket *sock = rcu_dereference_bh(dp->sock6);
	struct flowi6 fl = {
		.daddr = sin6->sin6_addr,
		.fl6_dport = sin6->sin6_port,
		.fl6_sport = htons(dp->port),
		.flowi6_proto = IPPROTO_UDP,
		.flowi6_oif = sin6->sin6_scope_id,
		.flowi6_mark = skb->mark,
	};
	struct dst_entry *dst;

	if (unlikely(!sock)) {
		kfree_skb(skb);
		return -ENONET;
	}
	dst = dst_cache_get_ip6(&peer->dst_cache, &fl.saddr);
	if (!dst) {
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sock->sk),
						      sock->sk, &fl, NULL);
		if (IS_ERR(dst)) {
			kfree_skb(skb);
			return PTR_ERR(dst);
		}
		if (unlikely(dst->dev == dp->dev)) {
			dst_release(dst);
			kfree_skb(skb);
			return -ELOOP;
		}
		dst_cache_set_ip6(&peer->dst_cache, dst, &fl.saddr);
	}
	skb->ignore_df = 1;
	udp_tunnel6_xmit_skb(dst, sock->sk, skb, skb->dev, &fl.saddr,
			     &fl.daddr, ecn, ip6_dst_hoplimit(dst), 0,
			     fl.fl6_sport, fl.fl6_dport, false);
	return 0;
}

int xmesh_socket_send(struct xmesh_dp *dp, struct xmesh_peer *peer,
		      struct sk_buff *skb, u8 ecn)
{
	struct xmesh_endpoint *ep = rcu_dereference_bh(peer->ep);

	if (unlikely(!ep)) {
		kfree_skb(skb);
		return -EHOSTUNREACH;
	}
	/* Routes and filters of the underlay see the device's mark only. */
	skb->mark = READ_ONCE(dp->fwmark);
	skb->dev = dp->dev;	/* the tunnel's tx counters */
	ecn &= INET_ECN_MASK;
	if (ep->sa.sa_family == AF_INET)
		return send4(dp, peer, &ep->sin, skb, ecn);
	return send6(dp, peer, &ep->sin6, skb, ecn);
}
