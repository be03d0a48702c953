/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mesh routing: a loop-free distance-vector protocol after Babel (RFC 8966)
 * with updates signed by their origin. Documentation/routing.md has the
 * design; this is the module's sans-IO interface (all IO goes through the
 * struct xm_env given to route_new()).
 *
 * The daemon calls route_receive() for every XM_MSG_ROUTE body and
 * route_tick() when the delay it last returned has elapsed (and may call it
 * earlier, and must call it again after route_receive() or route_add_link(),
 * which may set an earlier deadline). Every change of the route selected for
 * a destination is reported through route_config.on_change, which the daemon
 * turns into the kernel's next hops and the eBPF maps; it is called from
 * inside those functions and must not call back into the module.
 */
#ifndef XMESHD_ROUTE_H
#define XMESHD_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "xm_node.h"

#define ROUTE_METRIC_INF 0xffffu

/* What the selected route to a destination now is. */
struct route_change {
	struct xm_node_id dst;
	bool reachable; /* false: no route any more, the rest is unset */
	uint16_t metric;
	uint32_t seqno;
	struct xm_node_id nh; /* next hop */
	struct xm_addr nh_addr;
	int nh_ifindex;
	bool has_alt; /* a second, feasible next hop for fast failover */
	struct xm_node_id alt;
	struct xm_addr alt_addr;
	int alt_ifindex;
};

struct route_config {
	/* Zero picks the default noted beside each field. */
	uint32_t hello_interval_ms;  /* 1000 */
	uint32_t update_interval_ms; /* 4 x hello interval */
	uint16_t hop_cost;           /* 16: cost of a perfect link, added to its RTT in ms */
	unsigned int max_links;      /* 16 */
	unsigned int max_neighbours; /* 64 */
	unsigned int max_dests;      /* 4096 */
	unsigned int max_routes;     /* 16384, over all destinations */
	/* S/Kademlia puzzle an origin's id must meet (0: not checked). */
	unsigned int id_puzzle_bits;
	void (*on_change)(void *arg, const struct route_change *c);
	void *cb_arg;
};

/* Why received input was dropped; counted in route_stats.drops[]. */
enum route_drop {
	ROUTE_DROP_MALFORMED,  /* does not decode, bad length or range */
	ROUTE_DROP_VERSION,    /* unknown protocol version */
	ROUTE_DROP_BAD_SIG,    /* origin signature does not verify */
	ROUTE_DROP_ID_KEY,     /* origin id is not bound to the key (hash, puzzle) */
	ROUTE_DROP_NO_LINK,    /* arrived on a link routing does not run on */
	ROUTE_DROP_NOT_NEIGH,  /* update/request from a node not (yet) a neighbour */
	ROUTE_DROP_TABLE_FULL, /* neighbour, destination or route table full */
	ROUTE_DROP_SELF,       /* claims to come from this node */
	ROUTE_DROP_SEQNO_RATE, /* seqno request over its rate: answered, seqno not raised */
	ROUTE_DROP_TTL,        /* arrived with a TTL / hop limit below 255: not from the link */
	ROUTE_DROP_NOT_LINK_LOCAL, /* source not link-local (169.254/16, fe80::/10) */
	ROUTE_DROP__COUNT
};

struct route_stats {
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t tx_errors;
	uint64_t updates_rx;
	uint64_t updates_tx;
	uint64_t sig_verified; /* signatures checked (cache misses) */
	uint64_t seqno_requests_tx;
	uint64_t seqno_requests_fwd;
	uint64_t route_changes;
	uint64_t stalls; /* times this node found its own clock had jumped */
	uint64_t drops[ROUTE_DROP__COUNT];
};

/* One destination for route_foreach(). */
struct route_info {
	struct route_change sel;
	unsigned int nroutes; /* routes known to it, feasible or not */
	bool fd_valid;        /* feasibility distance (RFC 8966 3.5.1) */
	uint32_t fd_seqno;
	uint16_t fd_metric;
};

struct route_neigh_info {
	struct xm_node_id id;
	struct xm_addr addr;
	int ifindex;
	uint16_t cost;    /* link cost in use, ROUTE_METRIC_INF when down */
	uint32_t rtt_ms;  /* smoothed round-trip time, 0 before the first sample */
	uint16_t rxcost;  /* how well we hear its hellos */
	uint16_t txcost;  /* how well it hears ours (from its IHU) */
};

struct route;

struct route *route_new(const struct route_config *cfg, const struct xm_env *env,
			const struct xm_node_id *self, const uint8_t self_pk[XM_PUBKEY_LEN]);
void route_free(struct route *r);

/* Runs routing on link @ifindex (hellos on its link-local multicast). */
int route_add_link(struct route *r, int ifindex);
/* Stops it there; neighbours on it and their routes go at once. */
int route_del_link(struct route *r, int ifindex);

/*
 * One XM_MSG_ROUTE body from an authenticated sender. 0 when it decoded and
 * came over a link routing runs on (single updates in it may still have
 * been refused, see route_stats.drops); -EINVAL from ourselves, -EMSGSIZE,
 * -EBADMSG or -EPROTONOSUPPORT when it does not decode, -ENODEV when its
 * link is unknown.
 */
int route_receive(struct route *r, const struct xm_peer_ref *from, const uint8_t *body,
		  size_t len);
/* Runs what is due; returns ms until the next deadline. */
uint64_t route_tick(struct route *r);

/* Looks up the selected route to @dst; false when unreachable. */
bool route_lookup(const struct route *r, const struct xm_node_id *dst, struct route_change *out);
/* Calls @fn for every known destination; stops when @fn returns non-zero. */
int route_foreach(const struct route *r, int (*fn)(void *arg, const struct route_info *ri),
		  void *arg);
int route_neigh_foreach(const struct route *r,
			int (*fn)(void *arg, const struct route_neigh_info *ni), void *arg);
void route_get_stats(const struct route *r, struct route_stats *st);
uint32_t route_self_seqno(const struct route *r);
const char *route_drop_name(enum route_drop d);

#endif
