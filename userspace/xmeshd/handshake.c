// SPDX-License-Identifier: GPL-2.0
#include "handshake.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handshake.pb-c.h"
#include "sig_domains.h"

#define HS_RETRY_MS 1000
#define HS_MAX_TRIES 5
#define HS_BACKOFF_MS 30000
/* The responder of a session rekeys itself when the initiator is this late. */
#define HS_REKEY_GRACE_MS 30000

struct handshake {
	struct hs_config cfg;
	const struct identity *self;
	const struct xm_env *env;
	hs_install_fn install;
	void *arg;
	unsigned int n;
	struct hs_peer *peers; /* cfg.max_peers */
};

static uint64_t now(struct handshake *hs)
{
	return hs->env->now_ms(hs->env->ctx);
}

struct handshake *hs_new(const struct hs_config *cfg, const struct identity *self,
			 const struct xm_env *env, hs_install_fn install, void *arg)
{
	struct handshake *hs = calloc(1, sizeof(*hs));

	if (!hs)
		return NULL;
	hs->cfg = *cfg;
	hs->peers = calloc(cfg->max_peers ? cfg->max_peers : 1, sizeof(*hs->peers));
	if (!hs->peers) {
		free(hs);
		return NULL;
	}
	hs->self = self;
	hs->env = env;
	hs->install = install;
	hs->arg = arg;
	return hs;
}

void hs_free(struct handshake *hs)
{
	if (!hs)
		return;
	sodium_memzero(hs->peers, sizeof(*hs->peers) * (hs->cfg.max_peers ? hs->cfg.max_peers : 1));
	free(hs->peers);
	free(hs);
}

static struct hs_peer *find(struct handshake *hs, const struct xm_node_id *id)
{
	for (unsigned int i = 0; i < hs->n; i++)
		if (!xm_node_id_cmp(&hs->peers[i].id, id))
			return &hs->peers[i];
	return NULL;
}

static struct hs_peer *find_or_add(struct handshake *hs, const struct xm_peer_ref *ref)
{
	struct hs_peer *p = find(hs, &ref->id);

	if (p) {
		p->addr = ref->addr; /* follow the peer's latest endpoint */
		return p;
	}
	if (hs->n >= hs->cfg.max_peers)
		return NULL;
	p = &hs->peers[hs->n++];
	memset(p, 0, sizeof(*p));
	p->id = ref->id;
	memcpy(p->pk, ref->pk, XM_PUBKEY_LEN);
	p->addr = ref->addr;
	return p;
}

static uint32_t new_index(struct handshake *hs)
{
	uint32_t idx = 0;

	while (!idx)
		hs->env->random(hs->env->ctx, &idx, sizeof(idx));
	return idx;
}

static int send_msg(struct handshake *hs, const struct hs_peer *p, const Xmesh__Handshake *m)
{
	uint8_t buf[XM_MSG_BODY_MAX];
	size_t len = xmesh__handshake__get_packed_size(m);

	if (len > sizeof(buf))
		return -1;
	xmesh__handshake__pack(m, buf);
	return hs->env->send(hs->env->ctx, XM_MSG_HANDSHAKE, &p->addr, &p->id, buf, len);
}

/* Our overlay prefixes as protobuf messages, for one outgoing message. */
struct wire_prefixes {
	Xmesh__OverlayPrefix msg[XMD_MAX_PREFIXES];
	Xmesh__OverlayPrefix *ptr[XMD_MAX_PREFIXES];
};

static size_t put_prefixes(const struct handshake *hs, struct wire_prefixes *w)
{
	size_t n = hs->cfg.n_prefixes < XMD_MAX_PREFIXES ? hs->cfg.n_prefixes : XMD_MAX_PREFIXES;

	for (size_t i = 0; i < n; i++) {
		const struct xmd_prefix *p = &hs->cfg.prefixes[i];

		xmesh__overlay_prefix__init(&w->msg[i]);
		w->msg[i].address.data = (uint8_t *)p->addr;
		w->msg[i].address.len = p->family == 4 ? 4 : 16;
		w->msg[i].length = p->len;
		w->ptr[i] = &w->msg[i];
	}
	return n;
}

/*
 * The sender's prefixes from a message: at most XMD_MAX_PREFIXES, each a
 * well-formed prefix, or the whole message is refused.
 */
struct peer_prefixes {
	struct xmd_prefix p[XMD_MAX_PREFIXES];
	unsigned int n;
};

static int take_prefixes(struct peer_prefixes *out, size_t n, Xmesh__OverlayPrefix *const *in)
{
	memset(out, 0, sizeof(*out));
	if (n > XMD_MAX_PREFIXES)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct xmd_prefix *p = &out->p[i];

		if (!in[i] || (in[i]->address.len != 4 && in[i]->address.len != 16) ||
		    in[i]->length > 128)
			return -1;
		p->family = in[i]->address.len == 4 ? 4 : 6;
		p->len = (uint8_t)in[i]->length;
		memcpy(p->addr, in[i]->address.data, in[i]->address.len);
		if (!config_prefix_valid(p))
			return -1;
	}
	out->n = (unsigned int)n;
	return 0;
}

static void send_init(struct handshake *hs, struct hs_peer *p)
{
	struct wire_prefixes wp;
	Xmesh__Handshake m = XMESH__HANDSHAKE__INIT;
	Xmesh__HandshakeInit in = XMESH__HANDSHAKE_INIT__INIT;

	in.ephemeral.data = p->e_pk;
	in.ephemeral.len = sizeof(p->e_pk);
	in.sender_index = p->pending_index;
	in.responder_id.data = p->id.b;
	in.responder_id.len = XM_ID_LEN;
	in.data_port = hs->cfg.data_port;
	in.n_prefixes = put_prefixes(hs, &wp);
	in.prefixes = wp.ptr;
	m.msg_case = XMESH__HANDSHAKE__MSG_INIT;
	m.init = &in;
	p->sent_ms = now(hs);
	p->tries++;
	send_msg(hs, p, &m);
}

static void start(struct handshake *hs, struct hs_peer *p)
{
	hs->env->random(hs->env->ctx, p->e_sk, sizeof(p->e_sk));
	crypto_scalarmult_base(p->e_pk, p->e_sk);
	p->pending_index = new_index(hs);
	/* An established session stays usable while its rekey is under way. */
	if (p->state == HS_ESTABLISHED)
		p->rekeying = true;
	else
		p->state = HS_INIT_SENT;
	p->initiator = true;
	p->tries = 0;
	p->last_try_ms = now(hs);
	send_init(hs, p);
}

void hs_contact(struct handshake *hs, const struct xm_peer_ref *peer)
{
	struct hs_peer *p = find_or_add(hs, peer);

	if (!p || p->state != HS_NONE)
		return;
	/* A peer that did not answer is retried after a back-off only. */
	if (p->last_try_ms && now(hs) - p->last_try_ms < HS_BACKOFF_MS)
		return;
	start(hs, p);
}

int hs_derive(struct hs_keys *k, bool initiator, const uint8_t dh_ee[32], const uint8_t dh_es[32],
	      const uint8_t dh_se[32], const struct xm_node_id *id_i, const struct xm_node_id *id_r,
	      const uint8_t e_i[32], const uint8_t e_r[32], uint32_t idx_i, uint32_t idx_r)
{
	static const char label[] = SIG_DOMAIN_HANDSHAKE;
	crypto_generichash_state st;
	uint8_t h[32], master[crypto_kdf_KEYBYTES], k1[HS_KEY_LEN], k2[HS_KEY_LEN];
	uint8_t idx[8];

	/* Transcript hash: who, which ephemerals, which indexes. */
	for (int i = 0; i < 4; i++) {
		idx[i] = (uint8_t)(idx_i >> (24 - 8 * i));
		idx[4 + i] = (uint8_t)(idx_r >> (24 - 8 * i));
	}
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_generichash_update(&st, id_i->b, XM_ID_LEN);
	crypto_generichash_update(&st, id_r->b, XM_ID_LEN);
	crypto_generichash_update(&st, e_i, 32);
	crypto_generichash_update(&st, e_r, 32);
	crypto_generichash_update(&st, idx, sizeof(idx));
	crypto_generichash_final(&st, h, sizeof(h));

	/* master = BLAKE2b keyed by the transcript over ee || es || se. */
	crypto_generichash_init(&st, h, sizeof(h), sizeof(master));
	crypto_generichash_update(&st, dh_ee, 32);
	crypto_generichash_update(&st, dh_es, 32);
	crypto_generichash_update(&st, dh_se, 32);
	crypto_generichash_final(&st, master, sizeof(master));

	crypto_kdf_derive_from_key(k1, sizeof(k1), 1, "xmesh_kd", master);
	crypto_kdf_derive_from_key(k2, sizeof(k2), 2, "xmesh_kd", master);
	if (initiator) {
		memcpy(k->tx, k1, HS_KEY_LEN);
		memcpy(k->rx, k2, HS_KEY_LEN);
		k->local_index = idx_i;
		k->remote_index = idx_r;
	} else {
		memcpy(k->tx, k2, HS_KEY_LEN);
		memcpy(k->rx, k1, HS_KEY_LEN);
		k->local_index = idx_r;
		k->remote_index = idx_i;
	}
	sodium_memzero(master, sizeof(master));
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	return 0;
}

static void established(struct handshake *hs, struct hs_peer *p, struct hs_keys *k,
			uint16_t data_port, const struct peer_prefixes *pp)
{
	char hex[XM_ID_HEX_LEN];

	p->state = HS_ESTABLISHED;
	p->rekeying = false;
	p->established_ms = now(hs);
	p->data_port = data_port;
	memcpy(p->prefixes, pp->p, sizeof(p->prefixes));
	p->n_prefixes = pp->n;
	p->handshakes++;
	xm_node_id_hex(&p->id, hex);
	log_debug("session with %.16s %s (handshake %u)", hex,
		  p->established_once ? "rekeyed" : "established", p->handshakes);
	p->established_once = true;
	hs->install(hs->arg, p, k);
	sodium_memzero(p->e_sk, sizeof(p->e_sk));
	sodium_memzero(k, sizeof(*k));
}

static void on_init(struct handshake *hs, const struct xm_peer_ref *from,
		    const Xmesh__HandshakeInit *in)
{
	Xmesh__Handshake m = XMESH__HANDSHAKE__INIT;
	Xmesh__HandshakeResponse r = XMESH__HANDSHAKE_RESPONSE__INIT;
	uint8_t e_sk[32], e_pk[32], ee[32], es[32], se[32], ih[32];
	struct peer_prefixes pp;
	struct wire_prefixes wp;
	struct hs_peer *p;
	struct hs_keys k;
	uint32_t idx;

	if (in->ephemeral.len != 32 || in->responder_id.len != XM_ID_LEN || !in->sender_index ||
	    !in->data_port || in->data_port > 65535 ||
	    memcmp(in->responder_id.data, hs->self->id.b, XM_ID_LEN) ||
	    take_prefixes(&pp, in->n_prefixes, in->prefixes))
		return;
	p = find_or_add(hs, from);
	if (!p)
		return;
	/* Both sides started at once: the smaller id's handshake wins. */
	if (p->initiator && (p->state == HS_INIT_SENT || p->rekeying) &&
	    xm_node_id_cmp(&hs->self->id, &from->id) < 0)
		return;

	hs->env->random(hs->env->ctx, e_sk, sizeof(e_sk));
	crypto_scalarmult_base(e_pk, e_sk);
	idx = new_index(hs);
	/* Initiator's names: ee, es = DH(e_i, S_r), se = DH(S_i, e_r). */
	if (crypto_scalarmult(ee, e_sk, in->ephemeral.data) ||
	    crypto_scalarmult(es, hs->self->x_sk, in->ephemeral.data)) {
		sodium_memzero(e_sk, sizeof(e_sk));
		return;
	}
	{
		uint8_t peer_x[32];

		if (crypto_sign_ed25519_pk_to_curve25519(peer_x, from->pk) ||
		    crypto_scalarmult(se, e_sk, peer_x)) {
			sodium_memzero(e_sk, sizeof(e_sk));
			return;
		}
	}
	hs_derive(&k, false, ee, es, se, &from->id, &hs->self->id, in->ephemeral.data, e_pk,
		  in->sender_index, idx);
	crypto_generichash(ih, sizeof(ih), in->ephemeral.data, 32, NULL, 0);

	r.ephemeral.data = e_pk;
	r.ephemeral.len = sizeof(e_pk);
	r.sender_index = idx;
	r.receiver_index = in->sender_index;
	r.init_hash.data = ih;
	r.init_hash.len = sizeof(ih);
	r.data_port = hs->cfg.data_port;
	r.n_prefixes = put_prefixes(hs, &wp);
	r.prefixes = wp.ptr;
	m.msg_case = XMESH__HANDSHAKE__MSG_RESPONSE;
	m.response = &r;
	send_msg(hs, p, &m);

	p->initiator = false;
	p->tries = 0;
	established(hs, p, &k, (uint16_t)in->data_port, &pp);
	sodium_memzero(e_sk, sizeof(e_sk));
	sodium_memzero(ee, sizeof(ee));
	sodium_memzero(es, sizeof(es));
	sodium_memzero(se, sizeof(se));
}

static void on_response(struct handshake *hs, const struct xm_peer_ref *from,
			const Xmesh__HandshakeResponse *r)
{
	struct hs_peer *p = find(hs, &from->id);
	uint8_t ee[32], es[32], se[32], ih[32], peer_x[32];
	struct peer_prefixes pp;
	struct hs_keys k;

	if (!p || !p->initiator || !(p->state == HS_INIT_SENT || p->rekeying) ||
	    r->ephemeral.len != 32 || r->init_hash.len != 32 ||
	    r->receiver_index != p->pending_index || !r->sender_index || !r->data_port ||
	    r->data_port > 65535 || take_prefixes(&pp, r->n_prefixes, r->prefixes))
		return;
	crypto_generichash(ih, sizeof(ih), p->e_pk, 32, NULL, 0);
	if (sodium_memcmp(ih, r->init_hash.data, 32))
		return;
	if (crypto_sign_ed25519_pk_to_curve25519(peer_x, p->pk) ||
	    crypto_scalarmult(ee, p->e_sk, r->ephemeral.data) ||
	    crypto_scalarmult(es, p->e_sk, peer_x) ||
	    crypto_scalarmult(se, hs->self->x_sk, r->ephemeral.data))
		return;
	hs_derive(&k, true, ee, es, se, &hs->self->id, &p->id, p->e_pk, r->ephemeral.data,
		  p->pending_index, r->sender_index);
	p->addr = from->addr;
	established(hs, p, &k, (uint16_t)r->data_port, &pp);
	sodium_memzero(ee, sizeof(ee));
	sodium_memzero(es, sizeof(es));
	sodium_memzero(se, sizeof(se));
}

void hs_receive(struct handshake *hs, const struct xm_peer_ref *from, const uint8_t *body,
		size_t len)
{
	Xmesh__Handshake *m = xmesh__handshake__unpack(NULL, len, body);

	if (!m)
		return;
	if (m->msg_case == XMESH__HANDSHAKE__MSG_INIT && m->init)
		on_init(hs, from, m->init);
	else if (m->msg_case == XMESH__HANDSHAKE__MSG_RESPONSE && m->response)
		on_response(hs, from, m->response);
	xmesh__handshake__free_unpacked(m, NULL);
}

void hs_rekey_kid(struct handshake *hs, uint64_t kid)
{
	for (unsigned int i = 0; i < hs->n; i++) {
		struct hs_peer *p = &hs->peers[i];

		if (xm_node_kid(&p->id) == kid && p->state == HS_ESTABLISHED && !p->rekeying)
			start(hs, p);
	}
}

uint64_t hs_tick(struct handshake *hs)
{
	uint64_t t = now(hs), next = UINT64_MAX;
	uint64_t rekey_ms = (uint64_t)hs->cfg.rekey_seconds * 1000;

	for (unsigned int i = 0; i < hs->n; i++) {
		struct hs_peer *p = &hs->peers[i];
		uint64_t due, end = p->established_ms + rekey_ms + HS_SESSION_END_MS;

		if (p->state == HS_ESTABLISHED && t >= end) {
			/* No handshake completed for too long: the session ends. */
			p->state = HS_NONE;
			p->rekeying = false;
			if (hs->cfg.on_end)
				hs->cfg.on_end(hs->arg, p);
			continue;
		}
		if (p->state == HS_INIT_SENT || p->rekeying) {
			due = p->sent_ms + HS_RETRY_MS;
			if (t >= due) {
				if (p->tries >= HS_MAX_TRIES) {
					/* Give up; the next try comes after the back-off. */
					if (p->state == HS_INIT_SENT)
						p->state = HS_NONE;
					p->rekeying = false;
					continue;
				}
				send_init(hs, p);
				due = p->sent_ms + HS_RETRY_MS;
			}
		} else if (p->state == HS_ESTABLISHED) {
			/* The initiator rekeys; the responder only if the initiator does not. */
			due = p->established_ms + rekey_ms + (p->initiator ? 0 : HS_REKEY_GRACE_MS);
			if (p->last_try_ms + HS_BACKOFF_MS > due)
				due = p->last_try_ms + HS_BACKOFF_MS;
			if (t >= due) {
				start(hs, p);
				due = p->sent_ms + HS_RETRY_MS;
			}
		} else {
			continue;
		}
		if (p->state == HS_ESTABLISHED && end < due)
			due = end;
		if (due < next)
			next = due;
	}
	if (next == UINT64_MAX)
		return 60000;
	return next > t ? next - t : 0;
}

unsigned int hs_peer_count(const struct handshake *hs)
{
	return hs->n;
}

const struct hs_peer *hs_peer_at(const struct handshake *hs, unsigned int i)
{
	return i < hs->n ? &hs->peers[i] : NULL;
}

unsigned int hs_established_count(const struct handshake *hs)
{
	unsigned int c = 0;

	for (unsigned int i = 0; i < hs->n; i++)
		c += hs->peers[i].state == HS_ESTABLISHED;
	return c;
}
