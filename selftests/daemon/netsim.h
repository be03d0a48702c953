/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netsim: a deterministic in-process network and clock for xmeshd's protocol
 * modules (DHT, mesh routing), driven through struct xm_env.
 *
 * One simulated clock is shared by every node. Each node gets its own
 * Ed25519 identity (derived from the seed, meeting the configured puzzle
 * cost), an address 10.0.x.y:7000, an xm_env and a seeded random stream.
 * A message sent through env->send is delivered after a latency drawn
 * uniformly from [latency_min_ms, latency_max_ms], or lost with probability
 * loss_permille/1000; the receiver sees the sender's true id, public key and
 * address in its struct xm_peer_ref, as the daemon's authenticated envelope
 * would give them. The same seed replays the same run exactly.
 *
 * Typical use:
 *
 *	struct netsim *sim = netsim_new(&(struct netsim_config){ .seed = 1,
 *		.latency_min_ms = 5, .latency_max_ms = 40, .puzzle_bits = 4 });
 *	int n = netsim_add_node(sim);
 *	mod[n] = module_new(netsim_env(sim, n), netsim_node_id(sim, n), ...);
 *	netsim_set_handler(sim, n, &my_handler, mod[n]);
 *	...
 *	netsim_run_for(sim, 60000);
 *
 * The handler's tick is called when the time it last returned has elapsed,
 * and after every delivery to the node (as the daemon's loop would after an
 * event); netsim_poke() asks for a tick after the test called into a module.
 *
 * Not thread-safe; one simulation per thread.
 */
#ifndef NETSIM_H
#define NETSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "xm_node.h"

#define NETSIM_MAX_NODES 1024
#define NETSIM_NO_DEADLINE UINT64_MAX

struct netsim;

struct netsim_config {
	uint64_t seed;
	uint32_t latency_min_ms;
	uint32_t latency_max_ms;
	uint32_t loss_permille;   /* 0..1000 */
	unsigned int puzzle_bits; /* S/Kademlia cost of the generated ids */
};

/* What a node runs: called with the ctx given to netsim_set_handler(). */
struct netsim_handler {
	void (*deliver)(void *ctx, const struct xm_peer_ref *from, enum xm_msg_kind kind,
			const uint8_t *body, size_t len);
	/* Returns ms until the node's next deadline, or NETSIM_NO_DEADLINE. */
	uint64_t (*tick)(void *ctx);
};

struct netsim_stats {
	uint64_t sent;
	uint64_t delivered;
	uint64_t lost;        /* random loss */
	uint64_t unreachable; /* no such address, node down, or cut */
};

struct netsim *netsim_new(const struct netsim_config *cfg);
void netsim_free(struct netsim *sim);

/* Adds a node (up, no handler yet); returns its index or -ENOSPC. */
int netsim_add_node(struct netsim *sim);
int netsim_node_count(const struct netsim *sim);
const struct xm_env *netsim_env(struct netsim *sim, int node);
const struct xm_node_id *netsim_node_id(const struct netsim *sim, int node);
const uint8_t *netsim_node_pk(const struct netsim *sim, int node);
const struct xm_addr *netsim_node_addr(const struct netsim *sim, int node);
/* Its link-local address, the source of what it sends on links or to link-local addresses. */
const struct xm_addr *netsim_node_ll_addr(const struct netsim *sim, int node);
/* Node index listening at @addr (either address), or -1. */
int netsim_node_by_addr(const struct netsim *sim, const struct xm_addr *addr);

/* Installs (or with h == NULL removes) what the node runs; schedules a tick. */
void netsim_set_handler(struct netsim *sim, int node, const struct netsim_handler *h, void *ctx);
/* Asks for a tick of @node at the current time. */
void netsim_poke(struct netsim *sim, int node);

/*
 * A killed node neither sends, receives nor ticks, and messages in flight to
 * or from it are lost. Reviving keeps its identity and address; the test decides
 * whether the module keeps its state (a pause) or is rebuilt (a restart,
 * via netsim_set_handler()).
 */
void netsim_kill(struct netsim *sim, int node);
void netsim_revive(struct netsim *sim, int node);
bool netsim_is_up(const struct netsim *sim, int node);

/* Partitions: nodes in different groups cannot talk. Every node starts in 0. */
void netsim_set_group(struct netsim *sim, int node, int group);
/* Cuts or restores the path between two nodes (both directions). */
void netsim_set_cut(struct netsim *sim, int a, int b, bool cut);
void netsim_set_loss(struct netsim *sim, uint32_t loss_permille);

/*
 * Links for send_link(): a node joins link @link as its interface @ifindex
 * (> 0). A body sent on that ifindex reaches every other up, uncut member;
 * the receiver's xm_peer_ref.ifindex is its own ifindex on the link.
 */
int netsim_link_join(struct netsim *sim, int node, int link, int ifindex);

uint64_t netsim_now(const struct netsim *sim);
/* Processes events until the clock reaches now + @ms. */
void netsim_run_for(struct netsim *sim, uint64_t ms);
/*
 * Processes events until @done returns true (checked after every event) or
 * @max_ms elapse; returns whether @done became true.
 */
bool netsim_run_until(struct netsim *sim, bool (*done)(void *arg), void *arg, uint64_t max_ms);

void netsim_get_stats(const struct netsim *sim, struct netsim_stats *st);
/* Deterministic random numbers for the test itself (not a node's stream). */
uint64_t netsim_rand(struct netsim *sim);

#endif
