/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The narrow interface between xmeshd's protocol state machines (Kademlia
 * discovery, mesh routing, handshakes) and the world around them.
 *
 * A protocol module never touches a socket, a clock or a random source: it
 * is handed a struct xm_env. In the daemon the env is backed by the io_uring
 * event loop and libsodium; in tests by a deterministic simulator of network
 * and clock, so thousands of seeded schedules replay exactly.
 *
 * A module's messages travel as the body of the daemon's authenticated
 * envelope: the daemon signs and counts every envelope it sends, and
 * verifies and de-duplicates every envelope before handing the body to a
 * module, with the sender's authenticated node id and public key.
 */
#ifndef XMESHD_ENV_H
#define XMESHD_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xm_node.h"

/* Which module an envelope's body belongs to. */
enum xm_msg_kind {
	XM_MSG_HANDSHAKE = 1,
	XM_MSG_DHT = 2,
	XM_MSG_ROUTE = 3,
};

/* Largest envelope body; bodies are built and parsed within this bound. */
#define XM_MSG_BODY_MAX 1200

struct xm_env {
	void *ctx;
	/* Monotonic milliseconds. */
	uint64_t (*now_ms)(void *ctx);
	void (*random)(void *ctx, void *buf, size_t len);
	/*
	 * Send a body to the node listening at @to whose id is @to_id; 0 or
	 * -errno. The envelope names (and signs) its recipient: only that
	 * node accepts it. @to_id NULL sends it unaddressed, which a receiver
	 * accepts only for a DHT PING (a seed whose id is not known yet) and
	 * for routing messages (docs: Documentation/xmeshd.md).
	 */
	int (*send)(void *ctx, enum xm_msg_kind kind, const struct xm_addr *to,
		    const struct xm_node_id *to_id, const uint8_t *body, size_t len);
	/* Send a body to every neighbour on link @ifindex (link-local multicast). */
	int (*send_link)(void *ctx, enum xm_msg_kind kind, int ifindex, const uint8_t *body,
			 size_t len);
	/* Sign with this node's Ed25519 identity key. */
	void (*sign)(void *ctx, uint8_t sig[XM_SIG_LEN], const uint8_t *msg, size_t len);
	bool (*verify)(void *ctx, const uint8_t pk[XM_PUBKEY_LEN], const uint8_t sig[XM_SIG_LEN],
		       const uint8_t *msg, size_t len);
};

/* The authenticated sender of a received body. */
struct xm_peer_ref {
	struct xm_node_id id;
	uint8_t pk[XM_PUBKEY_LEN];
	struct xm_addr addr; /* where the envelope came from */
	int ifindex;         /* link it arrived on, 0 if unknown */
	bool addressed;      /* the envelope named us as its recipient */
	/*
	 * The sender proved it receives at addr (a valid cookie in mac2). An
	 * unvalidated address may be a spoofed one: it is answered with no
	 * more bytes than it sent, and starts nothing (no STORE, no session).
	 */
	bool validated;
	uint8_t ttl;         /* IP TTL / hop limit it arrived with, 0 if unknown */
};

#endif
