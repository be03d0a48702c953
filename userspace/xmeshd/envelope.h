/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The authenticated envelope of the control protocol (proto/envelope.proto).
 *
 * env_open() runs every check a received datagram must pass before its
 * body reaches a module, cheapest first: size, decoding, version, field
 * lengths, kind, freshness, the sender id's puzzle, the replay window, and
 * last the Ed25519 signature. A datagram that fails is dropped and counted
 * by reason.
 */
#ifndef XMESHD_ENVELOPE_H
#define XMESHD_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "xm_node.h"

#define ENV_VERSION 1
/* Largest datagram accepted: a full body plus the envelope's fields. */
#define ENV_DATAGRAM_MAX (XM_MSG_BODY_MAX + 160)
/* Counters this far behind the newest one from a sender are refused. */
#define ENV_REPLAY_WINDOW 1024
/* Senders tracked by the replay table. */
#define ENV_REPLAY_SENDERS 4096

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
	ENV_DROP_MAX
};

const char *env_drop_name(enum env_drop reason);

/* A decoded envelope; body points into the caller's decode buffer. */
struct env_msg {
	uint32_t version;
	uint32_t kind;
	uint8_t pk[XM_PUBKEY_LEN];
	struct xm_node_id id;
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

struct replay_table {
	struct replay_entry e[ENV_REPLAY_SENDERS];
};

/* The bytes the signature covers; returns their length or -1 (too long). */
int env_signed_bytes(uint8_t *out, size_t cap, uint32_t version, uint32_t kind,
		     const uint8_t pk[XM_PUBKEY_LEN], uint64_t counter, uint64_t ts,
		     const uint8_t *body, size_t body_len);

/*
 * Build a datagram in out (cap bytes); sig signs the signed bytes.
 * Returns its length or -1.
 */
int env_seal(uint8_t *out, size_t cap, uint32_t kind, const uint8_t pk[XM_PUBKEY_LEN],
	     const uint8_t *sk, uint64_t counter, uint64_t ts, const uint8_t *body,
	     size_t body_len);

/*
 * Decode and length-check a datagram without authenticating it: the first
 * stage of env_open(), and what the fuzzer drives. 0 or -(enum env_drop)-1.
 */
int env_decode(struct env_msg *m, const uint8_t *buf, size_t len, size_t truncated_len);

struct env_check {
	uint64_t now_wall_ms;
	unsigned int freshness_ms;
	unsigned int puzzle_bits;
	const uint8_t *self_pk; /* our own key: our own datagrams are refused */
	struct replay_table *replay;
};

/*
 * The whole check of a received datagram. Returns 0 with m filled in, or a
 * negative value -(reason)-1 for a dropped datagram.
 */
int env_open(struct env_msg *m, const uint8_t *buf, size_t len, size_t truncated_len,
	     const struct env_check *chk);

#endif
