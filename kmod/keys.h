/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Session key slots. Userspace negotiates the keys and pushes them here; a
 * slot holds one direction-pair of ChaCha20-Poly1305 keys (kernel crypto
 * API, "rfc7539(chacha20,poly1305)"), the receiver indexes that name it on
 * the wire, the send counter and the receive replay window. Key material is
 * write-only: nothing here is ever copied back to userspace.
 */
#ifndef _XMESH_KEYS_H
#define _XMESH_KEYS_H

#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct crypto_aead;
struct sk_buff;
struct xmesh_peer;

/* Counters at or beyond this are never used (nonce exhaustion margin). */
#define XMESH_REJECT_AFTER_MESSAGES	(U64_MAX - XMESH_REPLAY_WINDOW - 1)
#define XMESH_REKEY_AFTER_DEFAULT	BIT_ULL(60)

/* Sliding window of received counters (RFC 6479 style bitmap). */
#define XMESH_REPLAY_WINDOW	2048
#define XMESH_REPLAY_WORDS	(XMESH_REPLAY_WINDOW / BITS_PER_LONG)

struct xmesh_replay {
	spinlock_t lock;	/* orders receivers of the same slot */
	u64 top;		/* highest counter seen, plus one */
	unsigned long bits[XMESH_REPLAY_WORDS];
};

struct xmesh_keyslot {
	struct xmesh_peer *peer;	/* owner; outlives the slot */
	struct crypto_aead *enc;
	struct crypto_aead *dec;
	u32 local_index;		/* rx_index of packets we receive */
	u32 remote_index;		/* rx_index of packets we send */
	u64 rekey_after;
	atomic64_t tx_counter;
	unsigned long flags;		/* XMESH_KS_* bits */
	struct xmesh_replay replay;
	struct rcu_head rcu;
};

enum {
	XMESH_KS_LIMIT_NOTIFIED,	/* key-limit event sent for this slot */
};

struct xmesh_keyslot *xmesh_keyslot_new(const u8 *enc_key, const u8 *dec_key,
					u32 local_index, u32 remote_index,
					u64 rekey_after);
/* Frees the slot after an RCU grace period. */
void xmesh_keyslot_free(struct xmesh_keyslot *ks);

/*
 * Take the next send counter; false once the slot is exhausted. *notify is
 * set exactly once, when the counter first reaches rekey_after.
 */
bool xmesh_keyslot_next_counter(struct xmesh_keyslot *ks, u64 *counter,
				bool *notify);

/* True if counter was not seen before and is inside the window; records it. */
bool xmesh_replay_check(struct xmesh_replay *r, u64 counter);

/*
 * Seal or open in place: the first assoclen bytes of skb are authenticated
 * only, the next cryptlen bytes are encrypted (on open: cryptlen includes
 * the tag). nsg is what skb_cow_data() returned. Returns 0 or -errno
 * (-EBADMSG when authentication fails).
 */
int xmesh_aead_crypt(struct crypto_aead *tfm, struct sk_buff *skb, int nsg,
		     u64 counter, unsigned int assoclen, unsigned int cryptlen,
		     bool encrypt);

#endif /* _XMESH_KEYS_H */
