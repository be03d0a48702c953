/* SPDX-License-Identifier: GPL-2.0 */
/* The device's UDP tunnel sockets (IPv4 and IPv6) and sending on them. */
#ifndef _XMESH_SOCKET_H
#define _XMESH_SOCKET_H

#include <linux/types.h>

struct sk_buff;
struct xmesh_dp;
struct xmesh_peer;

/* Bind both sockets to port (0 closes them). Under RTNL. */
int xmesh_socket_open(struct xmesh_dp *dp, u16 port);
void xmesh_socket_close(struct xmesh_dp *dp);

/*
 * Send skb (the xmesh header and what follows) in UDP to the peer's
 * endpoint. Consumes skb. Under RCU with bottom halves off.
 */
int xmesh_socket_send(struct xmesh_dp *dp, struct xmesh_peer *peer,
		      struct sk_buff *skb);

/* UDP encapsulation receive hook, in receive.c. */
int xmesh_udp_recv(struct sock *sk, struct sk_buff *skb);

#endif /* _XMESH_SOCKET_H */
