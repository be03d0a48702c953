// SPDX-License-Identifier: GPL-2.0
/* Key slots, AEAD sealing and opening of packets, and the replay window. */

#include <crypto/aead.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/xmesh.h>
#include <linux/xmesh_wire.h>

#include "keys.h"

#define XMESH_AEAD_ALG	"rfc7539(chacha20,poly1305)"
#define XMESH_NONCE_LEN	12

static struct crypto_aead *aead_new(const u8 *key)
{
	struct crypto_aead *tfm;
	int err;

	/* Synchronous only: packets are sealed inline in xmit and receive. */
	tfm = crypto_alloc_aead(XMESH_AEAD_ALG, 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_aead_setkey(tfm, key, XMESH_KEY_LEN);
	if (!err)
		err = crypto_aead_setauthsize(tfm, XMESH_WIRE_TAG_LEN);
	if (err) {
		crypto_free_aead(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

struct xmesh_keyslot *xmesh_keyslot_new(const u8 *enc_key, const u8 *dec_key,
					u32 local_index, u32 remote_index,
					u64 rekey_after, u32 reject_time,
					u32 rekey_time)
{
	struct xmesh_keyslot *ks;
	int err;

	ks = kzalloc(sizeof(*ks), GFP_KERNEL_ACCOUNT);
	if (!ks)
		return ERR_PTR(-ENOMEM);
	ks->enc = aead_new(enc_key);
	if (IS_ERR(ks->enc)) {
		err = PTR_ERR(ks->enc);
		goto err_free;
	}
	ks->dec = aead_new(dec_key);
	if (IS_ERR(ks->dec)) {
		err = PTR_ERR(ks->dec);
		goto err_enc;
	}
	ks->local_index = local_index;
	ks->remote_index = remote_index;
	ks->rekey_after = rekey_after ?: XMESH_REKEY_AFTER_DEFAULT;
	/* Shorter than the defaults only (the netlink policy caps them too). */
	ks->reject_after_time = min_t(u32, reject_time ?: XMESH_REJECT_AFTER_TIME,
				      XMESH_REJECT_AFTER_TIME);
	ks->rekey_after_time = min_t(u32, rekey_time ?: XMESH_REKEY_AFTER_TIME,
				     XMESH_REKEY_AFTER_TIME);
	ks->rekey_after_time = min(ks->rekey_after_time, ks->reject_after_time);
	ks->reject_at = jiffies + ks->reject_after_time * HZ;
	atomic64_set(&ks->tx_counter, 0);
	spin_lock_init(&ks->replay.lock);
	return ks;

err_enc:
	crypto_free_aead(ks->enc);
err_free:
	kfree(ks);
	return ERR_PTR(err);
}

static void keyslot_free_rcu(struct rcu_head *rcu)
{
	struct xmesh_keyslot *ks = container_of(rcu, struct xmesh_keyslot, rcu);

	/* Frees the transforms and wipes the expanded keys they hold. */
	crypto_free_aead(ks->enc);
	crypto_free_aead(ks->dec);
	kfree_sensitive(ks);
}

void xmesh_keyslot_start(struct xmesh_keyslot *ks,
			 void (*expiring)(struct timer_list *t))
{
	unsigned long rekey_at = ks->reject_at -
		(ks->reject_after_time - ks->rekey_after_time) * HZ;

	timer_setup(&ks->rekey_timer, expiring, 0);
	mod_timer(&ks->rekey_timer, rekey_at);
}

void xmesh_keyslot_free(struct xmesh_keyslot *ks)
{
	if (!ks)
		return;
	/* A slot never started has no timer (function is NULL). */
	if (ks->rekey_timer.function)
		del_timer_sync(&ks->rekey_timer);
	call_rcu(&ks->rcu, keyslot_free_rcu);
}

int xmesh_key_history_init(struct xmesh_key_history *h)
{
	get_random_bytes(&h->secret, sizeof(h->secret));
	h->fp = kvcalloc(XMESH_KEY_HISTORY, sizeof(*h->fp), GFP_KERNEL_ACCOUNT);
	h->next = 0;
	h->count = 0;
	return h->fp ? 0 : -ENOMEM;
}

void xmesh_key_history_free(struct xmesh_key_history *h)
{
	kvfree(h->fp);
	h->fp = NULL;
	memzero_explicit(&h->secret, sizeof(h->secret));
}

static u64 key_fingerprint(const struct xmesh_key_history *h, const u8 *key)
{
	return siphash(key, XMESH_KEY_LEN, &h->secret);
}

bool xmesh_key_history_seen(const struct xmesh_key_history *h, const u8 *key)
{
	u64 fp = key_fingerprint(h, key);
	unsigned int i;

	/* At most XMESH_KEY_HISTORY compares, on KEY_NEW only. */
	for (i = 0; i < h->count; i++)
		if (h->fp[i] == fp)
			return true;
	return false;
}

void xmesh_key_history_add(struct xmesh_key_history *h, const u8 *key)
{
	h->fp[h->next] = key_fingerprint(h, key);
	h->next = (h->next + 1) % XMESH_KEY_HISTORY;
	if (h->count < XMESH_KEY_HISTORY)
		h->count++;
}

bool xmesh_keyslot_next_counter(struct xmesh_keyslot *ks, u64 *counter,
				bool *notify)
{
	u64 c = atomic64_inc_return(&ks->tx_counter) - 1;

	*notify = false;
	if (unlikely(c >= XMESH_REJECT_AFTER_MESSAGES))
		return false;
	if (unlikely(c >= ks->rekey_after) &&
	    !test_and_set_bit(XMESH_KS_LIMIT_NOTIFIED, &ks->flags))
		*notify = true;
	*counter = c;
	return true;
}

bool xmesh_replay_check(struct xmesh_replay *r, u64 counter)
{
	unsigned long word, top_word, i, shift;
	bool fresh = false;

	if (counter >= XMESH_REJECT_AFTER_MESSAGES)
		return false;
	spin_lock_bh(&r->lock);
	counter++;	/* top == 0 means nothing seen yet */
	if (counter + XMESH_REPLAY_WINDOW - BITS_PER_LONG < r->top)
		goto out;	/* left of the window */
	word = counter / BITS_PER_LONG;
	if (counter > r->top) {
		/* Slide: clear the words the window moves over. */
		top_word = r->top / BITS_PER_LONG;
		shift = min_t(unsigned long, word - top_word,
			      XMESH_REPLAY_WORDS);
		for (i = 1; i <= shift; i++)
			r->bits[(top_word + i) % XMESH_REPLAY_WORDS] = 0;
		r->top = counter;
	}
	fresh = !__test_and_set_bit(counter % BITS_PER_LONG,
				    &r->bits[word % XMESH_REPLAY_WORDS]);
out:
	spin_unlock_bh(&r->lock);
	return fresh;
}

int xmesh_aead_crypt(struct crypto_aead *tfm, struct sk_buff *skb, int nsg,
		     u64 counter, unsigned int assoclen, unsigned int cryptlen,
		     bool encrypt)
{
	unsigned int reqsize = sizeof(struct aead_request) +
			       crypto_aead_reqsize(tfm);
	struct aead_request *req;
	struct scatterlist *sg;
	__le64 ctr = cpu_to_le64(counter);
	u8 *iv;
	int err;

	/* One allocation: request, its context, the IV and the sg list. */
	reqsize = ALIGN(reqsize, __alignof__(struct scatterlist));
	req = kmalloc(reqsize + nsg * sizeof(*sg) + XMESH_NONCE_LEN,
		      GFP_ATOMIC);
	if (!req)
		return -ENOMEM;
	sg = (struct scatterlist *)((u8 *)req + reqsize);
	iv = (u8 *)(sg + nsg);

	sg_init_table(sg, nsg);
	err = skb_to_sgvec(skb, sg, 0, assoclen + cryptlen +
			   (encrypt ? XMESH_WIRE_TAG_LEN : 0));
	if (unlikely(err < 0))
		goto out;

	/* Nonce: 32 zero bits, then the counter little-endian (wire-format.md). */
	memset(iv, 0, 4);
	memcpy(iv + 4, &ctr, sizeof(ctr));

	aead_request_set_tfm(req, tfm);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, assoclen);
	aead_request_set_crypt(req, sg, sg, cryptlen, iv);
	err = encrypt ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
out:
	kfree(req);
	return err;
}
