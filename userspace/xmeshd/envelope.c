// SPDX-License-Identifier: GPL-2.0
#include "envelope.h"

#include <string.h>

#include <sodium.h>

#include "envelope.pb-c.h"

#define SIG_CONTEXT "xmesh-envelope-v1"

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
};

const char *env_drop_name(enum env_drop reason)
{
	return reason < ENV_DROP_MAX ? drop_names[reason] : "?";
}

static uint8_t *put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

int env_signed_bytes(uint8_t *out, size_t cap, uint32_t version, uint32_t kind,
		     const uint8_t pk[XM_PUBKEY_LEN], uint64_t counter, uint64_t ts,
		     const uint8_t *body, size_t body_len)
{
	size_t need = sizeof(SIG_CONTEXT) - 1 + 4 + 4 + XM_PUBKEY_LEN + 8 + 8 + body_len;
	uint8_t *p = out;

	if (need > cap || body_len > XM_MSG_BODY_MAX)
		return -1;
	memcpy(p, SIG_CONTEXT, sizeof(SIG_CONTEXT) - 1);
	p += sizeof(SIG_CONTEXT) - 1;
	p = put_be(p, version, 4);
	p = put_be(p, kind, 4);
	memcpy(p, pk, XM_PUBKEY_LEN);
	p += XM_PUBKEY_LEN;
	p = put_be(p, counter, 8);
	p = put_be(p, ts, 8);
	if (body_len)
		memcpy(p, body, body_len);
	return (int)need;
}

int env_seal(uint8_t *out, size_t cap, uint32_t kind, const uint8_t pk[XM_PUBKEY_LEN],
	     const uint8_t *sk, uint64_t counter, uint64_t ts, const uint8_t *body,
	     size_t body_len)
{
	uint8_t tbs[ENV_DATAGRAM_MAX], sig[XM_SIG_LEN];
	Xmesh__Envelope e = XMESH__ENVELOPE__INIT;
	int n = env_signed_bytes(tbs, sizeof(tbs), ENV_VERSION, kind, pk, counter, ts, body,
				 body_len);

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
	if (xmesh__envelope__get_packed_size(&e) > cap)
		return -1;
	return (int)xmesh__envelope__pack(&e, out);
}

#define DROP(r) (-(int)(r) - 1)

int env_decode(struct env_msg *m, const uint8_t *buf, size_t len, size_t truncated_len)
{
	Xmesh__Envelope *e;
	int ret = 0;

	/* Size first: nothing longer than the largest valid datagram is parsed. */
	if (truncated_len || len > ENV_DATAGRAM_MAX)
		return DROP(ENV_DROP_OVERSIZED);
	e = xmesh__envelope__unpack(NULL, len, buf);
	if (!e)
		return DROP(ENV_DROP_MALFORMED);
	if (e->version != ENV_VERSION) {
		ret = DROP(ENV_DROP_BAD_VERSION);
		goto out;
	}
	if (e->sender_pk.len != XM_PUBKEY_LEN || e->body.len > XM_MSG_BODY_MAX) {
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

static uint32_t pk_hash(const uint8_t pk[XM_PUBKEY_LEN])
{
	uint32_t h;

	/* Keys are uniformly random: their bytes are a fine hash. */
	memcpy(&h, pk, sizeof(h));
	return h % ENV_REPLAY_SENDERS;
}

/*
 * The sender's entry, or a free one, or one idle for longer than the
 * freshness bound (whatever it saw can no longer be replayed: it is stale).
 * Open addressing with a bounded probe. NULL when the table is busy.
 */
static struct replay_entry *replay_slot(struct replay_table *t, const uint8_t *pk,
					const struct env_check *chk)
{
	uint32_t h = pk_hash(pk);
	struct replay_entry *reuse = NULL;

	for (uint32_t i = 0; i < 32; i++) {
		struct replay_entry *r = &t->e[(h + i) % ENV_REPLAY_SENDERS];

		if (r->used && !memcmp(r->pk, pk, XM_PUBKEY_LEN))
			return r;
		if (!reuse && (!r->used || r->last_ms + 2ULL * chk->freshness_ms < chk->now_wall_ms))
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
	     const struct env_check *chk)
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
	age = m->timestamp_ms > chk->now_wall_ms ? m->timestamp_ms - chk->now_wall_ms
						 : chk->now_wall_ms - m->timestamp_ms;
	if (age > chk->freshness_ms)
		return DROP(ENV_DROP_STALE);
	if (!xm_node_id_puzzle_ok(&m->id, chk->puzzle_bits))
		return DROP(ENV_DROP_WEAK_ID);
	r = replay_slot(chk->replay, m->pk, chk);
	if (!r)
		return DROP(ENV_DROP_BUSY);
	if (r->used && !memcmp(r->pk, m->pk, XM_PUBKEY_LEN) && !replay_fresh(r, m->counter))
		return DROP(ENV_DROP_REPLAY);
	n = env_signed_bytes(tbs, sizeof(tbs), m->version, m->kind, m->pk, m->counter,
			     m->timestamp_ms, m->body, m->body_len);
	if (n < 0 || crypto_sign_verify_detached(m->sig, tbs, (unsigned long long)n, m->pk))
		return DROP(ENV_DROP_BAD_SIGNATURE);
	/* Only an authentic datagram moves the window. */
	replay_commit(r, m->pk, m->counter, chk->now_wall_ms);
	return 0;
}
