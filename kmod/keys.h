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
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>

struct crypto_aead;
struct sk_buff;
struct xmesh_peer;

/* Counters at or beyond this are never used (nonce exhaustion margin). */
#define XMESH_REJECT_AFTER_MESSAGES	(U64_MAX - XMESH_REPLAY_WINDOW - 1)
#define XMESH_REKEY_AFTER_DEFAULT	BIT_ULL(60)

/*
 * Lifetime of a key by time, from its installation (WireGuard's
 * REJECT_AFTER_TIME and REKEY_AFTER_TIME): past the first it is neither used
 * to send nor accepted on receive; at the second a key-expiring event asks
 * the daemon to rekey. KEY_NEW may shorten both, never lengthen them.
 */
#define XMESH_REJECT_AFTER_TIME		180	/* seconds */
#define XMESH_REKEY_AFTER_TIME		120	/* seconds */

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
	unsigned long reject_at;	/* jiffies: past it, the key is dead */
	u32 reject_after_time;		/* seconds, as installed */
	u32 rekey_after_time;		/* seconds, as installed */
	struct timer_list rekey_timer;	/* key-expiring event */
	struct xmesh_replay replay;
	struct rcu_head rcu;
};

enum {
	XMESH_KS_LIMIT_NOTIFIED,	/* key-limit event sent for this slot */
};

/* reject_time and rekey_time in seconds; 0 takes the default. */
struct xmesh_keyslot *xmesh_keyslot_new(const u8 *enc_key, const u8 *dec_key,
					u32 local_index, u32 remote_index,
					u64 rekey_after, u32 reject_time,
					u32 rekey_time);
/* Installed in a peer (ks->peer set): arm the key-expiring timer. */
void xmesh_keyslot_start(struct xmesh_keyslot *ks,
			 void (*expiring)(struct timer_list *t));
/* Stops its timer (process context) and frees the slot after RCU. */
void xmesh_keyslot_free(struct xmesh_keyslot *ks);

/* Past its lifetime by time: not used to send, not accepted on receive. */
static inline bool xmesh_keyslot_expired(const struct xmesh_keyslot *ks)
{
	return time_after_eq(jiffies, READ_ONCE(ks->reject_at));
}

/*
 * Keys a device has held: a keyed fingerprint (SipHash under a per-device
 * random secret) of every encrypt and decrypt key it installed, so that no
 * key is installed twice (its nonces and replay window would start over).
 * A FIFO of XMESH_KEY_HISTORY fingerprints: the oldest is forgotten first
 * (Documentation/datapath.md says why that is acceptable). Under dp->lock.
 */
#define XMESH_KEY_HISTORY	16384

struct xmesh_key_history {
	siphash_key_t secret;
	u64 *fp;
	unsigned int next;	/* where the next fingerprint goes */
	unsigned int count;	/* fingerprints held, at most the size */
};

int xmesh_key_history_init(struct xmesh_key_history *h);
void xmesh_key_history_free(struct xmesh_key_history *h);
bool xmesh_key_history_seen(const struct xmesh_key_history *h, const u8 *key);
void xmesh_key_history_add(struct xmesh_key_history *h, const u8 *key);

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
