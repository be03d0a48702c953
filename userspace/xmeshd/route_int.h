/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the mesh routing module, shared by route.c (messages and
 * timers), route_neigh.c (neighbours and link costs) and route_table.c
 * (destinations, feasibility, route selection). Not for other modules.
 */
#ifndef XMESHD_ROUTE_INT_H
#define XMESHD_ROUTE_INT_H

#include "route.h"
#include "route_msg.h"

#define ROUTE_NO_DEADLINE UINT64_MAX
#define ROUTE_NONE (-1)

/* RFC 8966 appendix B's defaults, scaled to the hello interval. */
#define ROUTE_SOURCE_GC_MS (180u * 1000)  /* forget a feasibility distance */
#define ROUTE_SEQNO_REQ_HOPS 32           /* how far a seqno request travels */
/*
 * A seqno request raises this node's own seqno by exactly 1, at most once
 * per ROUTE_SEQNO_BUMP_MS from each neighbour and at most once per
 * ROUTE_SEQNO_BUMP_MS / 4 in all: neighbours can move it by no more than
 * 4 per second, far from wrapping the 2^32 space (2^31 to look newer).
 */
#define ROUTE_SEQNO_BUMP_MS 1000u
/* GTSM (RFC 5082): the TTL / hop limit of datagrams from a neighbour on the link. */
#define ROUTE_TTL 255
#define ROUTE_RTT_MAX_MS 60000u           /* larger samples are ignored */
#define ROUTE_RTT_COST_MAX 2048u          /* RTT part of a link cost, in ms */
#define ROUTE_RTT_WARMUP 8                /* first samples, averaged */
#define ROUTE_RTT_GAIN 4                  /* then an EWMA with gain 1/4 */
#define ROUTE_STALL_BURST_MS 250          /* input after a stall counts as held this long */

struct route_link {
	int ifindex; /* 0: free slot */
};

struct route_neigh {
	bool used;
	struct xm_node_id id;
	struct xm_addr addr;
	int ifindex;
	uint64_t instance; /* its hellos' instance: changes when it restarts */
	/* Hello history: bit 0 is the hello numbered hello_expect - 1. */
	uint16_t hist;
	uint8_t hist_len;
	uint32_t hello_expect;
	uint32_t hello_interval;
	uint64_t hello_deadline; /* when the next hello counts as missed */
	/* IHU: how well it hears us, and the RTT sampled from its echoes. */
	uint16_t txcost;
	uint64_t ihu_deadline;
	bool rtt_valid;
	uint8_t rtt_samples; /* up to ROUTE_RTT_WARMUP */
	uint32_t srtt16;     /* smoothed RTT in 1/16 ms */
	uint16_t cost;   /* cost in use, changed with hysteresis */
	uint64_t dump_at; /* earliest answer to its next wildcard request */
	uint64_t bump_at; /* earliest seqno raise its requests may cause */
};

struct route_entry {
	uint16_t neigh; /* index into route.neighs */
	uint16_t refmetric; /* as the neighbour advertised it */
	uint32_t seqno;
	uint64_t expires;
	uint8_t sig[XM_SIG_LEN];
};

struct route_dest {
	bool used;
	struct xm_node_id id;
	uint8_t pk[XM_PUBKEY_LEN];
	/* Feasibility distance: the best (seqno, metric) ever advertised. */
	bool fd_valid;
	uint32_t fd_seqno;
	uint16_t fd_metric;
	uint64_t fd_used; /* last time it guarded a selection or an update */
	/* Last signature that verified, to skip verifying repeats. */
	bool sig_valid;
	uint32_t sig_seqno;
	uint8_t sig[XM_SIG_LEN];
	/* Routes through each neighbour that advertised one. */
	struct route_entry *routes;
	unsigned int nroutes, cap;
	int sel, alt; /* neighbour index of the selected and second route, or ROUTE_NONE */
	struct route_change reported; /* last state given to on_change */
	/* What was last advertised, to decide on triggered updates. */
	bool adv_valid;
	bool adv_reachable;
	uint32_t adv_seqno;
	uint16_t adv_metric;
	bool pending; /* in the next triggered update */
	uint64_t repeat_at; /* an urgent update goes out twice: when again */
	uint64_t retract_until; /* full updates repeat the retraction until */
	/* Seqno requests: ours when starving, and the last one forwarded. */
	uint64_t req_next;
	uint32_t fwd_seqno;
	uint64_t fwd_at;
};

struct route {
	struct route_config cfg;
	const struct xm_env *env;
	struct xm_node_id self;
	uint8_t self_pk[XM_PUBKEY_LEN];
	uint32_t seqno;
	uint64_t bump_at; /* earliest seqno raise any request may cause */
	uint8_t self_sig[XM_SIG_LEN];
	bool self_pending;
	uint64_t self_repeat_at;

	struct route_link *links;
	struct route_neigh *neighs;
	struct route_dest *dests;
	unsigned int ndests, nroutes;
	uint32_t *hash; /* dest index + 1, 0 empty; open addressing */
	uint32_t hash_mask;
	uint8_t hash_key[16];

	uint64_t instance;
	/*
	 * When this node last found it had stalled (paused process, frozen
	 * VM): hellos answered just after carry no timestamp to echo, and
	 * echoes of hellos sent before are no RTT samples. 0: never.
	 */
	uint64_t resumed_at;
	uint64_t hold_until; /* no route is selected before (route_new) */
	uint32_t hello_seqno;
	uint64_t next_hello;
	uint64_t next_update;
	uint64_t next_deadline; /* earliest deadline anything armed */
	struct route_stats st;
};

static inline void route_arm(struct route *r, uint64_t at)
{
	if (at < r->next_deadline)
		r->next_deadline = at;
}

static inline uint64_t route_now(const struct route *r)
{
	return r->env->now_ms(r->env->ctx);
}

/* Sequence numbers compare modulo 2^32 (RFC 8966 3.2.1). */
static inline bool route_seq_newer(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline uint16_t route_metric_add(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;

	if (a == ROUTE_METRIC_INF || b == ROUTE_METRIC_INF)
		return ROUTE_METRIC_INF;
	return s >= ROUTE_METRIC_INF ? ROUTE_METRIC_INF - 1 : (uint16_t)s;
}

/* route_neigh.c */
struct route_neigh *route_neigh_find(struct route *r, const struct xm_node_id *id, int ifindex);
struct route_neigh *route_neigh_hello(struct route *r, const struct xm_peer_ref *from,
				      const struct route_msg_hello *h, bool *is_new);
void route_neigh_ihu(struct route *r, struct route_neigh *n, const struct route_msg_ihu *ihu);
uint16_t route_neigh_rxcost(const struct route *r, const struct route_neigh *n);
void route_neigh_timers(struct route *r, uint64_t now);
void route_neigh_remove(struct route *r, struct route_neigh *n);
void route_neigh_recost(struct route *r, struct route_neigh *n);

/* route_table.c */
int route_table_init(struct route *r);
void route_table_free(struct route *r);
struct route_dest *route_dest_find(const struct route *r, const struct xm_node_id *id);
struct route_dest *route_dest_add(struct route *r, const struct xm_node_id *id,
				  const uint8_t pk[XM_PUBKEY_LEN]);
bool route_feasible(const struct route_dest *d, uint32_t seqno, uint16_t refmetric);
uint16_t route_entry_metric(const struct route *r, const struct route_entry *e);
struct route_entry *route_entry_find(struct route_dest *d, unsigned int neigh);
struct route_entry *route_entry_add(struct route *r, struct route_dest *d, unsigned int neigh);
void route_entry_del(struct route *r, struct route_dest *d, struct route_entry *e);
void route_select(struct route *r, struct route_dest *d);
void route_table_neigh_gone(struct route *r, unsigned int neigh);
void route_table_neigh_recost(struct route *r, unsigned int neigh);
void route_table_timers(struct route *r, uint64_t now);
bool route_dest_starving(const struct route *r, const struct route_dest *d);

/* route.c */
void route_request_seqno(struct route *r, struct route_dest *d);

#endif
