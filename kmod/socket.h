/* SPDX-License-Identifier: GPL-2.0 */
/* The device's UDP tunnel sockets (IPv4 and IPv6) and sending on them. */
#ifndef _XMESH_SOCKET_H
#define _XMESH_SOCKET_H

#include <linux/types.h>

struct sk_buff;
struct xmesh_dp;
struct xmesh_peer;

struct xmesh_socks {
	struct socket *s4, *s6;
};

/* Bind both sockets to port (0 closes them). Under RTNL. */
int xmesh_socket_open(struct xmesh_dp *dp, u16 port);
void xmesh_socket_close(struct xmesh_dp *dp);
/*
 * The same in two steps, for a change that must be all or nothing: bind
 * new sockets aside (can fail, changes nothing), then either install them
 * in place of the old ones or release them. Under RTNL.
 */
int xmesh_socket_prepare(struct xmesh_dp *dp, u16 port,
			 struct xmesh_socks *socks);
void xmesh_socket_commit(struct xmesh_dp *dp, u16 port,
			 struct xmesh_socks *socks);
void xmesh_socket_abort(struct xmesh_socks *socks);

/*
 * Send skb (the xmesh header and what follows) in UDP to the peer's
 * endpoint, with ECN field ecn and the device's fwmark in the outer
 * header. Consumes skb. Under RCU with bottom halves off.
 */
int xmesh_socket_send(struct xmesh_dp *dp, struct xmesh_peer *peer,
		      struct sk_buff *skb, u8 ecn);

/* UDP encapsulation receive hook, in receive.c. */
int xmesh_udp_recv(struct sock *sk, struct sk_buff *skb);

#endif /* _XMESH_SOCKET_H */
