/* SPDX-License-Identifier: GPL-2.0 */
/* struct node, shared by node.c and node_ctl.c only. */
#ifndef XMESHD_NODE_PRIV_H
#define XMESHD_NODE_PRIV_H

#include "kernel.h"
#include "maps.h"
#include "node.h"
#include "prefix_auth.h"

struct ctl_pending;
struct node_wire;

/* A service of the configuration, published in the DHT. */
struct node_publish {
	struct node *n;
	bool busy;	/* a publish is under way */
	bool stored;	/* some node acknowledged it; the DHT republishes from now on */
};

struct node {
	struct xmd_config cfg;
	struct xm_io *io;
	struct identity id;
	struct xm_env env;
	struct xm_addr self_addr;
	int udp_chan;
	int ctl_chan;
	uint64_t counter;	/* envelope counter, strictly increasing */
	uint64_t started_ms;
	uint64_t started_wall_ms;	/* envelopes timestamped earlier are refused */
	struct node_wire *wire;		/* node_wire.c */
	struct replay_table *replay;
	struct node_stats st;

	struct handshake *hs;
	struct dht *dht;
	struct route *route;
	struct kernel *kern;
	char kernel_status[160];
	struct maps *maps;	/* the eBPF fast path's maps, with the module only */
	char maps_status[96];
	uint64_t *installed;	/* kids with a peer in the module */
	struct prefix_auth *pa; /* which peer holds which overlay prefix */
	unsigned int n_installed;

	struct xm_io_timer timer;
	struct xm_io_timer publish_timer;
	struct node_publish pub[XMD_MAX_SERVICES];
	bool in_tick;
	struct ctl_pending *pending; /* control requests waiting for a lookup */
};

/* node_wire.c: the datagram layer (see there). */
int node_wire_init(struct node *n);
void node_wire_free(struct node *n);
int node_wire_start(struct node *n);
int node_wire_send(struct node *n, enum xm_msg_kind kind, const struct xm_addr *to,
		   const struct xm_node_id *to_id, const uint8_t *body, size_t len);
int node_wire_send_link(struct node *n, enum xm_msg_kind kind, int ifindex, const uint8_t *body,
			size_t len);
/* 1: m and from filled in, a body to hand to its module; 0: consumed or dropped. */
int node_wire_receive(struct node *n, const struct xm_io_dgram *d, struct env_msg *m,
		      struct xm_peer_ref *from);
/* The datagram node_wire_receive() returned is handled. */
void node_wire_done(struct node *n);

/* node_ctl.c: one control request on connection chan. */
void node_ctl_request(struct node *n, int chan, const uint8_t *buf, size_t len);
void node_ctl_free_pending(struct node *n);

#endif
