/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One xmesh node: the daemon minus main(). It owns the control protocol's
 * UDP channel and envelope, the identity, the handshake, the Kademlia DHT
 * and mesh routing, the link to the kernel module and the local control
 * socket, and runs on any struct xm_io: the io_uring loop in xmeshd, or the
 * simulator, where many nodes share one process.
 */
#ifndef XMESHD_NODE_H
#define XMESHD_NODE_H

#include <stdint.h>

#include "config.h"
#include "dht.h"
#include "envelope.h"
#include "handshake.h"
#include "identity.h"
#include "io.h"
#include "route.h"

struct node;
struct prefix_auth;

/* cfg and id are copied. */
struct node *node_new(const struct xmd_config *cfg, struct xm_io *io, const struct identity *id);
/*
 * Open the UDP channel, the control socket (when cfg->ctl_socket is set),
 * the kernel link (kernel mode auto), then bootstrap and publish. 0 or
 * -errno (logged).
 */
int node_start(struct node *n);
/* Cancels the node's timers and closes its channels. */
void node_free(struct node *n);

/* Counters of the envelope layer. */
struct node_stats {
	uint64_t drops[ENV_DROP_MAX];
	uint64_t rx[4], tx[4]; /* by enum xm_msg_kind */
	uint64_t tx_errors;
	uint64_t route_changes;
	uint64_t key_installs;
	uint64_t prefix_routes; /* overlay prefixes of peers routed in the module */
	/* The datagram layer (node_wire.c). */
	uint64_t rx_bytes, tx_bytes;	/* control datagrams, cookie replies included */
	uint64_t verifies;		/* Ed25519 verifications of envelopes */
	uint64_t cookies_sent, cookies_taken, cookie_resends;
	uint64_t cookies_unmatched;	/* a cookie reply to nothing we keep */
	uint64_t replies_over_budget;	/* to an unproven source: not sent */
	uint64_t counter_store_errors;	/* the counter's mark could not be stored */
};

/* The envelope counter: the next one used, and the end of the reserved block. */
uint64_t node_counter(const struct node *n);
uint64_t node_wire_counter_limit(const struct node *n);

const struct identity *node_identity(const struct node *n);
const struct xm_addr *node_addr(const struct node *n);
void node_get_stats(const struct node *n, struct node_stats *st);
bool node_has_kernel(const struct node *n);
const char *node_kernel_status(const struct node *n);
struct dht *node_dht(struct node *n);
struct route *node_route(struct node *n);
struct handshake *node_handshake(struct node *n);
/* Who holds which overlay prefix, as this node decided (prefix_auth.h). */
struct prefix_auth *node_prefix_auth(struct node *n);

/* Ask the node to run its modules' due work now (after a test called one). */
void node_kick(struct node *n);

#endif
