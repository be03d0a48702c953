// SPDX-License-Identifier: GPL-2.0
#include "envelope.h"

#include <string.h>

#include <sodium.h>

#include "envelope.pb-c.h"
#include "sig_domains.h"

static const char *const drop_names[ENV_DROP_MAX] = {
	[ENV_DROP_MALFORMED] = "malformed",
	[ENV_DROP_OVERSIZED] = "oversized",
	[ENV_DROP_BAD_VERSION] = "bad_version",
	[ENV_DROP_UNKNOWN_KIND] = "unknown_kind",
	[ENV_DROP_STALE] = "stale",
	[ENV_DROP_WEAK_ID] = "weak_id",
	[ENV_DROP_REPLAY] = "replay",
	[ENV_DROP_BAD_SIGNATURE] = "bad_signature",
	[ENV_DROP_BUSY] = "busy",
	[ENV_DROP_SELF] = "self",
	[ENV_DROP_BAD_MAC] = "bad_mac",
	[ENV_DROP_RECIPIENT] = "wrong_recipient",
	[ENV_DROP_UNADDRESSED] = "unaddressed",
	[ENV_DROP_BEFORE_START] = "before_start",
	[ENV_DROP_COOKIE] = "cookie",
	[ENV_DROP_RATE] = "rate_limited",
};

const char *env_drop_name(enum env_drop reason)
{
	return reason < ENV_DROP_MAX ? drop_names[reason] : "?";
}

static const char *sig_domain(uint32_t kind)
{
	switch (kind) {
	case XM_MSG_HANDSHAKE:
		return SIG_DOMAIN_ENV_HANDSHAKE;
	case XM_MSG_DHT:
		return SIG_DOMAIN_ENV_DHT;
	case XM_MSG_ROUTE:
		return SIG_DOMAIN_ENV_ROUTE;
	}
	return NULL;
}

/* BLAKE2b-256(domain || id), id all zero when NULL. */
static void domain_key(uint8_t key[32], const char *domain, const struct xm_node_id *id)
{
	static const uint8_t zero[XM_ID_LEN];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)domain, strlen(domain));
	crypto_generichash_update(&st, id ? id->b : zero, XM_ID_LEN);
	crypto_generichash_final(&st, key, 32);
}

void env_mac1_key(uint8_t key[32], const struct xm_node_id *recipient)
{
	domain_key(key, SIG_DOMAIN_MAC1, recipient);
}

void env_cookie_key(uint8_t key[32], const struct xm_node_id *id)
{
	domain_key(key, SIG_DOMAIN_COOKIE, id);
}

void env_keys_init(struct env_keys *k, const struct xm_node_id *self)
{
	env_mac1_key(k->mac1_self, self);
	env_mac1_key(k->mac1_any, NULL);
	env_cookie_key(k->cookie_self, self);
}

static void mac(uint8_t out[ENV_MAC_LEN], const uint8_t *key, size_t key_len, const uint8_t *msg,
		size_t len)
{
	crypto_generichash(out, ENV_MAC_LEN, msg, len, key, key_len);
}

const uint8_t *env_mac1_of(const uint8_t *dgram, size_t len)
{
	return dgram + len - ENV_TRAILER_LEN;
}

void env_put_mac2(uint8_t *dgram, size_t len, const uint8_t cookie[ENV_COOKIE_LEN])
{
	mac(dgram + len - ENV_MAC_LEN, cookie, ENV_COOKIE_LEN, dgram, len - ENV_MAC_LEN);
}

bool env_mac2_ok(const uint8_t *dgram, size_t len, const uint8_t cookie[ENV_COOKIE_LEN])
{
	uint8_t m[ENV_MAC_LEN];

	if (len < ENV_DATAGRAM_MIN)
		return false;
	mac(m, cookie, ENV_COOKIE_LEN, dgram, len - ENV_MAC_LEN);
	return !sodium_memcmp(m, dgram + len - ENV_MAC_LEN, ENV_MAC_LEN);
}

static bool mac1_ok(const uint8_t *dgram, size_t len, const uint8_t key[32])
{
	uint8_t m[ENV_MAC_LEN];

	mac(m, key, 32, dgram, len - ENV_TRAILER_LEN);
	return !sodium_memcmp(m, dgram + len - ENV_TRAILER_LEN, ENV_MAC_LEN);
}

static uint8_t *put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

int env_signed_bytes(uint8_t *out, size_t cap, uint32_t version, uint32_t kind,
		     const uint8_t pk[XM_PUBKEY_LEN], const struct xm_node_id *recipient,
		     uint64_t counter, uint64_t ts, const uint8_t *body, size_t body_len)
{
	const char *domain = sig_domain(kind);
	size_t dl = domain ? strlen(domain) : 0;
	size_t need = dl + 4 + 4 + XM_PUBKEY_LEN + XM_ID_LEN + 8 + 8 + body_len;
	uint8_t *p = out;

	if (!domain || need > cap || body_len > XM_MSG_BODY_MAX)
		return -1;
	memcpy(p, domain, dl);
	p += dl;
	p = put_be(p, version, 4);
	p = put_be(p, kind, 4);
	memcpy(p, pk, XM_PUBKEY_LEN);
	p += XM_PUBKEY_LEN;
	if (recipient)
		memcpy(p, recipient->b, XM_ID_LEN);
	else
		memset(p, 0, XM_ID_LEN);
	p += XM_ID_LEN;
	p = put_be(p, counter, 8);
	p = put_be(p, ts, 8);
	if (body_len)
		memcpy(p, body, body_len);
	return (int)need;
}

int env_seal(uint8_t *out, size_t cap, uint32_t kind, const uint8_t pk[XM_PUBKEY_LEN],
	     const uint8_t *sk, const struct xm_node_id *recipient, uint64_t counter, uint64_t ts,
	     const uint8_t *body, size_t body_len)
{
	uint8_t tbs[ENV_DATAGRAM_MAX], sig[XM_SIG_LEN], key[32];
	Xmesh__Envelope e = XMESH__ENVELOPE__INIT;
	int n = env_signed_bytes(tbs, sizeof(tbs), ENV_VERSION, kind, pk, recipient, counter, ts,
				 body, body_len);
	size_t len;

	if (n < 0)
		return -1;
	crypto_sign_detached(sig, NULL, tbs, (unsigned long long)n, sk);
	e.version = ENV_VERSION;
	e.kind = kind;
	e.sender_pk.data = (uint8_t *)pk;
	e.sender_pk.len = XM_PUBKEY_LEN;
	e.counter = counter;
	e.timestamp_ms = ts;
	e.body.data = (uint8_t *)body;
	e.body.len = body_len;
	e.signature.data = sig;
	e.signature.len = sizeof(sig);
	if (recipient) {
		e.recipient_id.data = (uint8_t *)recipient->b;
		e.recipient_id.len = XM_ID_LEN;
	}
	len = xmesh__envelope__get_packed_size(&e);
	if (1 + len + ENV_TRAILER_LEN > cap || 1 + len + ENV_TRAILER_LEN > ENV_DATAGRAM_MAX)
		return -1;
	out[0] = ENV_DGRAM_ENVELOPE;
	xmesh__envelope__pack(&e, out + 1);
	len += 1;
	env_mac1_key(key, recipient);
	mac(out + len, key, sizeof(key), out, len);
	memset(out + len + ENV_MAC_LEN, 0, ENV_MAC_LEN);
	return (int)(len + ENV_TRAILER_LEN);
}

#define DROP(r) (-(int)(r) - 1)

int env_precheck(const uint8_t *buf, size_t len, size_t truncated_len, const struct env_keys *k,
		 bool *addressed)
{
	if (truncated_len || len > ENV_DATAGRAM_MAX)
		return DROP(ENV_DROP_OVERSIZED);
	if (len == ENV_COOKIE_REPLY_LEN && buf[0] == ENV_DGRAM_COOKIE)
		return ENV_DGRAM_COOKIE;
	if (len < ENV_DATAGRAM_MIN || buf[0] != ENV_DGRAM_ENVELOPE)
		return DROP(ENV_DROP_MALFORMED);
	/* Ours first: the common case costs one BLAKE2b. */
	*addressed = mac1_ok(buf, len, k->mac1_self);
	if (!*addressed && !mac1_ok(buf, len, k->mac1_any))
		return DROP(ENV_DROP_BAD_MAC);
	return ENV_DGRAM_ENVELOPE;
}

int env_cookie_seal(uint8_t out[ENV_COOKIE_REPLY_LEN], const uint8_t key[32],
		    const uint8_t trigger_mac1[ENV_MAC_LEN], const uint8_t cookie[ENV_COOKIE_LEN],
		    const uint8_t nonce[ENV_COOKIE_NONCE_LEN])
{
	out[0] = ENV_DGRAM_COOKIE;
	memcpy(out + 1, nonce, ENV_COOKIE_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + ENV_COOKIE_NONCE_LEN, NULL, cookie,
						   ENV_COOKIE_LEN, trigger_mac1, ENV_MAC_LEN,
						   NULL, nonce, key);
	return ENV_COOKIE_REPLY_LEN;
}

int env_cookie_open(uint8_t cookie[ENV_COOKIE_LEN], const uint8_t *buf, size_t len,
		    const uint8_t key[32], const uint8_t trigger_mac1[ENV_MAC_LEN])
{
	if (len != ENV_COOKIE_REPLY_LEN || buf[0] != ENV_DGRAM_COOKIE)
		return -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(
		       cookie, NULL, NULL, buf + 1 + ENV_COOKIE_NONCE_LEN,
		       ENV_COOKIE_LEN + 16, trigger_mac1, ENV_MAC_LEN, buf + 1, key)
		       ? -1
		       : 0;
}


int env_decode(struct env_msg *m, const uint8_t *buf, size_t len, size_t truncated_len)
{
	Xmesh__Envelope *e;
	int ret = 0;

	/* Size first: nothing longer than the largest valid datagram is parsed. */
	if (truncated_len || len > ENV_DATAGRAM_MAX)
		return DROP(ENV_DROP_OVERSIZED);
	if (len < ENV_DATAGRAM_MIN || buf[0] != ENV_DGRAM_ENVELOPE)
		return DROP(ENV_DROP_MALFORMED);
	e = xmesh__envelope__unpack(NULL, len - 1 - ENV_TRAILER_LEN, buf + 1);
	if (!e)
		return DROP(ENV_DROP_MALFORMED);
	if (e->version != ENV_VERSION) {
		ret = DROP(ENV_DROP_BAD_VERSION);
		goto out;
	}
	if (e->sender_pk.len != XM_PUBKEY_LEN || e->body.len > XM_MSG_BODY_MAX ||
	    (e->recipient_id.len && e->recipient_id.len != XM_ID_LEN)) {
		ret = DROP(ENV_DROP_MALFORMED);
		goto out;
	}
	/* Unsigned (or not signed with Ed25519): refused as such. */
	if (e->signature.len != XM_SIG_LEN) {
		ret = DROP(ENV_DROP_BAD_SIGNATURE);
		goto out;
	}
	if (e->kind != XM_MSG_HANDSHAKE && e->kind != XM_MSG_DHT && e->kind != XM_MSG_ROUTE) {
		ret = DROP(ENV_DROP_UNKNOWN_KIND);
		goto out;
	}
	m->version = e->version;
	m->kind = e->kind;
	memcpy(m->pk, e->sender_pk.data, XM_PUBKEY_LEN);
	xm_node_id_from_pubkey(&m->id, m->pk);
	m->addressed = e->recipient_id.len == XM_ID_LEN;
	if (m->addressed)
		memcpy(m->recipient.b, e->recipient_id.data, XM_ID_LEN);
	m->counter = e->counter;
	m->timestamp_ms = e->timestamp_ms;
	/* An empty bytes field decodes as NULL: nothing to copy. */
	if (e->body.len)
		memcpy(m->body, e->body.data, e->body.len);
	m->body_len = e->body.len;
	memcpy(m->sig, e->signature.data, XM_SIG_LEN);
out:
	xmesh__envelope__free_unpacked(e, NULL);
	return ret;
}

/*
 * SipHash-2-4 under the table's secret key: a sender cannot choose keys
 * that crowd one probe sequence (ids are cheap to grind otherwise).
 */
static uint32_t pk_hash(const struct replay_table *t, const uint8_t pk[XM_PUBKEY_LEN])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, pk, XM_PUBKEY_LEN, t->key);
	memcpy(&v, h, sizeof(v));
	return (uint32_t)(v % ENV_REPLAY_SENDERS);
}

/*
 * An entry idle for longer than twice the freshness bound protects nothing:
 * every envelope it saw is now refused as stale by its timestamp.
 */
static bool replay_expired(const struct replay_entry *r, const struct env_check *chk)
{
	return r->last_ms + 2ULL * chk->freshness_ms < chk->now_wall_ms;
}

/*
 * The sender's entry, or a free one, or one idle for longer than the
 * freshness bound (whatever it saw can no longer be replayed: it is stale).
 * Open addressing with a bounded probe. NULL when the table is busy.
 */
static struct replay_entry *replay_slot(struct replay_table *t, const uint8_t *pk,
					const struct env_check *chk)
{
	uint32_t h = pk_hash(t, pk);
	struct replay_entry *reuse = NULL;

	for (uint32_t i = 0; i < 32; i++) {
		struct replay_entry *r = &t->e[(h + i) % ENV_REPLAY_SENDERS];

		if (r->used && !memcmp(r->pk, pk, XM_PUBKEY_LEN)) {
			/* Stale: it expires instead of blocking the sender. */
			if (replay_expired(r, chk))
				r->used = false;
			return r;
		}
		if (!reuse && (!r->used || replay_expired(r, chk)))
			reuse = r;
	}
	return reuse;
}

static bool bit_test(const struct replay_entry *r, uint64_t c)
{
	uint64_t i = c % ENV_REPLAY_WINDOW;

	return r->bits[i / 64] >> (i % 64) & 1;
}

static void bit_set(struct replay_entry *r, uint64_t c)
{
	uint64_t i = c % ENV_REPLAY_WINDOW;

	r->bits[i / 64] |= 1ULL << (i % 64);
}

static void bit_clear(struct replay_entry *r, uint64_t c)
{
	uint64_t i = c % ENV_REPLAY_WINDOW;

	r->bits[i / 64] &= ~(1ULL << (i % 64));
}

/* Is counter c new for this sender? (no change) */
static bool replay_fresh(const struct replay_entry *r, uint64_t c)
{
	if (!r->used || c > r->top)
		return true;
	if (r->top - c >= ENV_REPLAY_WINDOW)
		return false;
	return !bit_test(r, c);
}

static void replay_commit(struct replay_entry *r, const uint8_t *pk, uint64_t c, uint64_t now)
{
	if (!r->used || memcmp(r->pk, pk, XM_PUBKEY_LEN)) {
		memset(r, 0, sizeof(*r));
		memcpy(r->pk, pk, XM_PUBKEY_LEN);
		r->used = true;
		r->top = c;
	} else if (c > r->top) {
		/* Slide the window: forget the counters that fall out of it. */
		uint64_t shift = c - r->top;

		if (shift >= ENV_REPLAY_WINDOW)
			memset(r->bits, 0, sizeof(r->bits));
		else
			for (uint64_t k = r->top + 1; k <= c; k++)
				bit_clear(r, k);
		r->top = c;
	}
	bit_set(r, c);
	r->last_ms = now;
}

int env_open(struct env_msg *m, const uint8_t *buf, size_t len, size_t truncated_len,
	     bool addressed, const struct env_check *chk)
{
	uint8_t tbs[ENV_DATAGRAM_MAX];
	struct replay_entry *r;
	uint64_t age;
	int n, ret;

	ret = env_decode(m, buf, len, truncated_len);
	if (ret)
		return ret;
	if (chk->self_pk && !memcmp(chk->self_pk, m->pk, XM_PUBKEY_LEN))
		return DROP(ENV_DROP_SELF);
	/* mac1 was checked under the key the recipient field must match. */
	if (m->addressed != addressed ||
	    (addressed && chk->self_id && xm_node_id_cmp(&m->recipient, chk->self_id)))
		return DROP(ENV_DROP_RECIPIENT);
	/* What cannot be addressed: a first PING (DHT) and messages to a link. */
	if (!m->addressed && m->kind == XM_MSG_HANDSHAKE)
		return DROP(ENV_DROP_UNADDRESSED);
	age = m->timestamp_ms > chk->now_wall_ms ? m->timestamp_ms - chk->now_wall_ms
						 : chk->now_wall_ms - m->timestamp_ms;
	if (age > chk->freshness_ms)
		return DROP(ENV_DROP_STALE);
	/* A recorded envelope from before our restart: the replay table forgot it. */
	if (m->timestamp_ms < chk->not_before_ms)
		return DROP(ENV_DROP_BEFORE_START);
	if (!xm_node_id_puzzle_ok(&m->id, chk->puzzle_bits))
		return DROP(ENV_DROP_WEAK_ID);
	r = replay_slot(chk->replay, m->pk, chk);
	if (!r)
		return DROP(ENV_DROP_BUSY);
	if (r->used && !memcmp(r->pk, m->pk, XM_PUBKEY_LEN) && !replay_fresh(r, m->counter))
		return DROP(ENV_DROP_REPLAY);
	if (chk->cheap_only)
		return ENV_OPEN_UNVERIFIED;
	n = env_signed_bytes(tbs, sizeof(tbs), m->version, m->kind, m->pk,
			     m->addressed ? &m->recipient : NULL, m->counter, m->timestamp_ms,
			     m->body, m->body_len);
	if (chk->verifies)
		(*chk->verifies)++;
	if (n < 0 || crypto_sign_verify_detached(m->sig, tbs, (unsigned long long)n, m->pk))
		return DROP(ENV_DROP_BAD_SIGNATURE);
	/* Only an authentic datagram moves the window. */
	replay_commit(r, m->pk, m->counter, chk->now_wall_ms);
	return 0;
}
