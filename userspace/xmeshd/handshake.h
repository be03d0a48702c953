/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Session handshake: mutual authentication and X25519 key agreement between
 * two nodes, producing the data path's two ChaCha20-Poly1305 keys and
 * receiver indexes for the pair. Noise IK-like, with libsodium primitives:
 *
 *   I -> R  Init{E_i, idx_i, id_R, data port}          signed by I
 *   R -> I  Response{E_r, idx_r, idx_i, H(E_i), port}   signed by R
 *
 * Both messages travel in the authenticated envelope, which signs them with
 * the sender's Ed25519 identity key and rejects replays. The keys mix three
 * Diffie-Hellman results: ee (forward secrecy), es and se (each side's
 * static identity key converted to X25519, so only the two identities can
 * compute them), keyed by the transcript hash (BLAKE2b). Rekeying runs the
 * same exchange again, on time and when the kernel reports a key's packet
 * limit.
 *
 * Sans-IO like the other protocol modules: it talks through a struct
 * xm_env and reports finished key pairs through a callback.
 */
#ifndef XMESHD_HANDSHAKE_H
#define XMESHD_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "env.h"
#include "identity.h"

#define HS_KEY_LEN 32

struct hs_keys {
	uint32_t local_index;  /* in packets we receive */
	uint32_t remote_index; /* in packets we send */
	uint8_t tx[HS_KEY_LEN];
	uint8_t rx[HS_KEY_LEN];
};

enum hs_state { HS_NONE, HS_INIT_SENT, HS_ESTABLISHED };

struct hs_peer {
	struct xm_node_id id;
	uint8_t pk[XM_PUBKEY_LEN];
	struct xm_addr addr;	/* control endpoint */
	uint16_t data_port;	/* the peer's kernel data port */
	/* Overlay prefixes of its last completed handshake, checked. */
	struct xmd_prefix prefixes[XMD_MAX_PREFIXES];
	unsigned int n_prefixes;
	enum hs_state state;
	bool initiator;		/* we started the current (or pending) exchange */
	bool rekeying;		/* an Init is out while the session stays usable */
	bool established_once;
	uint32_t pending_index;
	uint8_t e_sk[32], e_pk[32];
	unsigned int tries;
	uint64_t sent_ms;
	uint64_t established_ms;
	uint64_t last_try_ms;
	unsigned int handshakes; /* sessions completed, first one included */
};

struct hs_config {
	unsigned int rekey_seconds;
	unsigned int max_peers;
	uint16_t data_port; /* ours */
	const struct xmd_prefix *prefixes; /* ours, announced in every message */
	unsigned int n_prefixes;
	/*
	 * A session ended: no handshake completed for HS_SESSION_END_MS past
	 * its rekey time (the peer is gone or no longer answers). May be NULL.
	 */
	void (*on_end)(void *arg, const struct hs_peer *p);
};

/* How long past its rekey time a session lives without a new handshake. */
#define HS_SESSION_END_MS (2 * 60 * 1000)

/* A session was established or rekeyed: install keys for peer p. */
typedef void (*hs_install_fn)(void *arg, const struct hs_peer *p, const struct hs_keys *k);

struct handshake;

struct handshake *hs_new(const struct hs_config *cfg, const struct identity *self,
			 const struct xm_env *env, hs_install_fn install, void *arg);
void hs_free(struct handshake *hs);

/*
 * An authenticated node was seen (any module's message, or a seed): start
 * a session with it unless one exists or is under way.
 */
void hs_contact(struct handshake *hs, const struct xm_peer_ref *peer);
/* A received handshake body (envelope kind XM_MSG_HANDSHAKE). */
void hs_receive(struct handshake *hs, const struct xm_peer_ref *from, const uint8_t *body,
		size_t len);
/* The kernel says a key reached its limit: rekey the peer with this kid. */
void hs_rekey_kid(struct handshake *hs, uint64_t kid);
/* Retransmissions and rekeys due; returns ms until the next deadline. */
uint64_t hs_tick(struct handshake *hs);

unsigned int hs_peer_count(const struct handshake *hs);
const struct hs_peer *hs_peer_at(const struct handshake *hs, unsigned int i);
unsigned int hs_established_count(const struct handshake *hs);

/* Key schedule, exposed for tests: both sides must derive the same keys. */
int hs_derive(struct hs_keys *k, bool initiator, const uint8_t dh_ee[32], const uint8_t dh_es[32],
	      const uint8_t dh_se[32], const struct xm_node_id *id_i, const struct xm_node_id *id_r,
	      const uint8_t e_i[32], const uint8_t e_r[32], uint32_t idx_i, uint32_t idx_r);

#endif
