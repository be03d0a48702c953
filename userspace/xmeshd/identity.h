/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node's identity: an Ed25519 key pair, made on first start and kept in
 * STATE_DIR/identity.key (mode 0600), and the node id derived from it
 * (xm_node.h), which must pass the S/Kademlia puzzle.
 */
#ifndef XMESHD_IDENTITY_H
#define XMESHD_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "xm_node.h"

#define IDENTITY_FILE "identity.key"

struct identity {
	uint8_t pk[XM_PUBKEY_LEN];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	struct xm_node_id id;
	/* The same key as X25519, for the handshake's static Diffie-Hellman. */
	uint8_t x_pk[crypto_scalarmult_BYTES];
	uint8_t x_sk[crypto_scalarmult_SCALARBYTES];
};

typedef void (*identity_rand_fn)(void *ctx, void *buf, size_t len);

/*
 * Make a key pair whose id passes a puzzle of puzzle_bits, drawing seeds
 * from rnd (the simulator passes its seeded generator). Returns the number
 * of key pairs tried.
 */
unsigned long identity_generate(struct identity *id, unsigned int puzzle_bits,
				identity_rand_fn rnd, void *ctx);
/* Derive the rest of id from a 32-byte Ed25519 seed; -1 if unusable. */
int identity_from_seed(struct identity *id, const uint8_t seed[crypto_sign_SEEDBYTES]);
/*
 * Load state_dir/identity.key, or create it (and state_dir, 0700) when it
 * does not exist. Refuses a key file readable by group or others, and a
 * key whose id does not pass the puzzle. 0 or -1 (logged).
 */
int identity_load_or_create(struct identity *id, const char *state_dir, unsigned int puzzle_bits);
void identity_wipe(struct identity *id);

/*
 * The envelope counter's high-water mark, STATE_DIR/envelope.counter (one
 * decimal number): no counter at or above it has been used. The node
 * reserves counters in blocks, storing the end of a block (synced) before
 * it uses the first counter of it, so a restart continues above every
 * counter it ever sent. load: 0 (mark 0 when there is no file) or -1 (an
 * unreadable or corrupt file, logged). store: 0 or -1 (logged).
 */
#define IDENTITY_COUNTER_FILE "envelope.counter"
int identity_counter_load(const char *state_dir, uint64_t *mark);
int identity_counter_store(const char *state_dir, uint64_t mark);

#endif
