/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The authenticated envelope of the control protocol (proto/envelope.proto)
 * and the datagram around it: a type byte, the envelope, mac1 and mac2 (the
 * scheme of WireGuard's messages, docs in Documentation/xmeshd.md).
 *
 * A received datagram passes, cheapest first: size and type, mac1 (a keyed
 * BLAKE2b that only a sender who knows our id can compute: env_precheck()),
 * then in the node the cookie and rate checks that need its state, then
 * env_open(): decoding, version, field lengths, recipient, kind, freshness,
 * start time, the sender id's puzzle, the replay window, and last the
 * Ed25519 signature. A datagram that fails is dropped and counted by reason.
 */
#ifndef XMESHD_ENVELOPE_H
#define XMESHD_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "xm_node.h"

#define ENV_VERSION 2
#define ENV_MAC_LEN 16
#define ENV_TRAILER_LEN (2 * ENV_MAC_LEN)
/* Datagram types: the first byte. */
#define ENV_DGRAM_ENVELOPE 1
#define ENV_DGRAM_COOKIE 2
/* Largest datagram accepted: a full body plus the envelope's fields. */
#define ENV_DATAGRAM_MAX (1 + XM_MSG_BODY_MAX + 200 + ENV_TRAILER_LEN)
/*
 * Smallest envelope datagram considered: type, the sender's key and the two
 * MACs. A cookie reply (57 bytes) is smaller than any.
 */
#define ENV_DATAGRAM_MIN (1 + 2 + XM_PUBKEY_LEN + ENV_TRAILER_LEN)
/* A cookie and its reply: type || nonce[24] || cookie[16] || tag[16]. */
#define ENV_COOKIE_LEN 16
#define ENV_COOKIE_NONCE_LEN 24
#define ENV_COOKIE_REPLY_LEN (1 + ENV_COOKIE_NONCE_LEN + ENV_COOKIE_LEN + 16)
/* Counters this far behind the newest one from a sender are refused. */
#define ENV_REPLAY_WINDOW 1024
/* Senders tracked by the replay table. */
#define ENV_REPLAY_SENDERS 4096
#define ENV_HASH_KEY_LEN 16

enum env_drop {
	ENV_DROP_MALFORMED,
	ENV_DROP_OVERSIZED,
	ENV_DROP_BAD_VERSION,
	ENV_DROP_UNKNOWN_KIND,
	ENV_DROP_STALE,
	ENV_DROP_WEAK_ID,
	ENV_DROP_REPLAY,
	ENV_DROP_BAD_SIGNATURE,
	ENV_DROP_BUSY,
	ENV_DROP_SELF,
	ENV_DROP_BAD_MAC,	/* mac1 wrong: not for us, or forged */
	ENV_DROP_RECIPIENT,	/* addressed to another node */
	ENV_DROP_UNADDRESSED,	/* no recipient, for a kind that must have one */
	ENV_DROP_BEFORE_START,	/* timestamped before this node started */
	ENV_DROP_COOKIE,	/* under load without a valid mac2: answered by a cookie */
	ENV_DROP_RATE,		/* the source's rate limit */
	ENV_DROP_MAX
};

const char *env_drop_name(enum env_drop reason);

/* A decoded envelope; body points into the caller's decode buffer. */
struct env_msg {
	uint32_t version;
	uint32_t kind;
	uint8_t pk[XM_PUBKEY_LEN];
	struct xm_node_id id;
	bool addressed;
	struct xm_node_id recipient; /* when addressed */
	uint64_t counter;
	uint64_t timestamp_ms;
	uint8_t body[XM_MSG_BODY_MAX];
	size_t body_len;
	uint8_t sig[XM_SIG_LEN];
};

/* Per-sender replay windows (sliding bitmap, as IPsec and WireGuard keep). */
struct replay_entry {
	uint8_t pk[XM_PUBKEY_LEN];
	bool used;
	uint64_t top;		/* highest counter accepted */
	uint64_t last_ms;	/* wall time of that message */
	uint64_t bits[ENV_REPLAY_WINDOW / 64];
};

/* Hashed by SipHash-2-4 under a secret key: no sender picks its slot. */
struct replay_table {
	uint8_t key[ENV_HASH_KEY_LEN];
	struct replay_entry e[ENV_REPLAY_SENDERS];
};

/* The BLAKE2b key of mac1 for datagrams to recipient (NULL: unaddressed). */
void env_mac1_key(uint8_t key[32], const struct xm_node_id *recipient);
/* The XChaCha20-Poly1305 key of the cookie replies sent by node id (NULL: unaddressed). */
void env_cookie_key(uint8_t key[32], const struct xm_node_id *id);

/* The bytes the signature covers; returns their length or -1 (too long). */
int env_signed_bytes(uint8_t *out, size_t cap, uint32_t version, uint32_t kind,
		     const uint8_t pk[XM_PUBKEY_LEN], const struct xm_node_id *recipient,
		     uint64_t counter, uint64_t ts, const uint8_t *body, size_t body_len);

/*
 * Build a datagram in out (cap bytes) for recipient (NULL: unaddressed):
 * type, the envelope signed with sk, mac1, and a zero mac2 (env_put_mac2()
 * sets it). Returns its length or -1.
 */
int env_seal(uint8_t *out, size_t cap, uint32_t kind, const uint8_t pk[XM_PUBKEY_LEN],
	     const uint8_t *sk, const struct xm_node_id *recipient, uint64_t counter, uint64_t ts,
	     const uint8_t *body, size_t body_len);

/* mac2 of a sealed datagram under cookie: written, or checked. */
void env_put_mac2(uint8_t *dgram, size_t len, const uint8_t cookie[ENV_COOKIE_LEN]);
bool env_mac2_ok(const uint8_t *dgram, size_t len, const uint8_t cookie[ENV_COOKIE_LEN]);
/* Where a sealed datagram's mac1 is. */
const uint8_t *env_mac1_of(const uint8_t *dgram, size_t len);

/* The keys a receiver checks mac1 against: its own and the unaddressed one. */
struct env_keys {
	uint8_t mac1_self[32];
	uint8_t mac1_any[32];
	uint8_t cookie_self[32];
};

void env_keys_init(struct env_keys *k, const struct xm_node_id *self);

/*
 * The first, cheap stage: size, type and mac1, no decoding. Returns the
 * datagram type (ENV_DGRAM_*) or -(enum env_drop)-1; *addressed says which
 * mac1 key matched (ours, or the unaddressed one). A cookie reply is only
 * size-checked here: env_cookie_open() authenticates it.
 */
int env_precheck(const uint8_t *buf, size_t len, size_t truncated_len, const struct env_keys *k,
		 bool *addressed);

/*
 * A cookie reply answering the datagram whose mac1 is trigger_mac1, sealed
 * with key (env_cookie_key() of the sender's own id). Returns its length.
 */
int env_cookie_seal(uint8_t out[ENV_COOKIE_REPLY_LEN], const uint8_t key[32],
		    const uint8_t trigger_mac1[ENV_MAC_LEN], const uint8_t cookie[ENV_COOKIE_LEN],
		    const uint8_t nonce[ENV_COOKIE_NONCE_LEN]);
/* Opens a cookie reply: 0 with cookie filled in, or -1. What the fuzzer drives. */
int env_cookie_open(uint8_t cookie[ENV_COOKIE_LEN], const uint8_t *buf, size_t len,
		    const uint8_t key[32], const uint8_t trigger_mac1[ENV_MAC_LEN]);

/*
 * Decode and length-check a datagram (type, envelope, trailer) without
 * authenticating it: a stage of env_open(), and what the fuzzer drives.
 * 0 or -(enum env_drop)-1.
 */
int env_decode(struct env_msg *m, const uint8_t *buf, size_t len, size_t truncated_len);

struct env_check {
	uint64_t now_wall_ms;
	uint64_t not_before_ms;	/* envelopes timestamped earlier are refused (our start) */
	unsigned int freshness_ms;
	unsigned int puzzle_bits;
	const uint8_t *self_pk; /* our own key: our own datagrams are refused */
	const struct xm_node_id *self_id; /* the only recipient accepted; NULL: any */
	struct replay_table *replay;
	uint64_t *verifies;	/* counts the signature verifications made, if set */
	bool cheap_only;	/* stop before the signature: ENV_OPEN_UNVERIFIED */
};

/* env_open() with cheap_only: every check but the signature passed. */
#define ENV_OPEN_UNVERIFIED 1

/*
 * The whole check of a received datagram after env_precheck(): addressed is
 * what it returned. Returns 0 with m filled in, or a negative value
 * -(reason)-1 for a dropped datagram (ENV_OPEN_UNVERIFIED: see cheap_only).
 */
int env_open(struct env_msg *m, const uint8_t *buf, size_t len, size_t truncated_len,
	     bool addressed, const struct env_check *chk);

#endif
