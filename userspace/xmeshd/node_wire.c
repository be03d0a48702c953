// SPDX-License-Identifier: GPL-2.0
/*
 * The datagram layer of a node, between its UDP channel and the envelope
 * (Documentation/xmeshd.md, "Wire format" and "Hostile senders"):
 *
 * - Sending: every envelope names its recipient (when known), carries mac1
 *   under the recipient's id and mac2 under the cookie we hold for that
 *   address, if any. What was sent to an address recently is kept, so a
 *   cookie reply makes us send it again, sealed anew, with mac2.
 * - Receiving, cheapest first: size, type and mac1 (env_precheck), then
 *   mac2 (the sender proved it receives at its address), then under load
 *   (the signature budget of this second spent) a cookie reply instead of
 *   any work for a datagram without mac2, then the per-source rate limit,
 *   then env_open()'s cheap checks; a DHT or handshake datagram without
 *   mac2 gets a cookie reply there, and only a proven one (or routing)
 *   reaches the Ed25519 verify.
 * - Answering: while a datagram from an address without mac2 is handled
 *   (routing only), everything sent back to that address counts against
 *   its size: a reply that would exceed it is replaced by one cookie reply
 *   (smaller than any envelope), so a spoofed source gets no more bytes
 *   than it sent.
 * - The envelope counter: reserved in blocks whose end is stored (synced)
 *   in STATE_DIR before their first counter is used.
 */
#include "node_priv.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Addresses whose recent datagrams and cookie we keep (least recently used goes). */
#define WIRE_DESTS 128
/*
 * Datagrams kept per address for a resend after a cookie reply: more than a
 * node has outstanding to one new peer at once (a DHT lookup burst with its
 * handshake), so none is lost to wait for its module's retransmit.
 */
#define WIRE_KEEP 16
/* A kept datagram older than this is not resent: its module has moved on. */
#define WIRE_RESEND_MS 2000
/* The cookie secret changes this often; the previous one stays valid. */
#define WIRE_SECRET_MS 120000
/* A cookie we received is used this long (less than a secret's life). */
#define WIRE_COOKIE_USE_MS 110000
/* Signature verifications per second before the node counts as loaded. */
#define WIRE_VERIFY_BUDGET 1024
/* Per-source limit: a token bucket per address (ip and port). */
#define WIRE_SOURCES 1024
#define WIRE_SOURCE_PROBE 4
#define WIRE_RATE_PER_S 32
#define WIRE_RATE_BURST 64
/* Envelope counters reserved on disk at a time. */
#define WIRE_COUNTER_BLOCK 65536ULL

struct wire_kept {
	bool used;
	bool resent;
	bool addressed;
	struct xm_node_id to_id;
	uint8_t kind;
	uint16_t len;
	uint64_t sent_ms;
	uint8_t mac1[ENV_MAC_LEN];
	uint8_t body[XM_MSG_BODY_MAX];
};

struct wire_dest {
	bool used;
	bool has_cookie;
	struct xm_addr addr;
	uint64_t last_ms;
	uint64_t cookie_ms;
	uint8_t cookie[ENV_COOKIE_LEN];
	unsigned int next;
	struct wire_kept kept[WIRE_KEEP];
};

struct wire_source {
	bool used;
	struct xm_addr addr;
	uint64_t last_ms;
	uint64_t tokens_milli;
};

struct node_wire {
	struct env_keys keys;
	uint8_t secret[32], prev_secret[32];
	uint64_t secret_ms;
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	struct wire_dest dests[WIRE_DESTS];
	struct wire_source src[WIRE_SOURCES];
	uint64_t window_ms, window_verifies;
	/* The datagram being handled, when its source is not validated. */
	bool budget_on;
	bool budget_cookie_sent;
	bool budget_addressed;
	size_t budget;
	struct xm_addr budget_to;
	uint8_t budget_mac1[ENV_MAC_LEN];
	uint64_t counter_limit;
	bool persist;
	bool resending;
};

static uint64_t now_ms(struct node *n)
{
	return n->io->ops->now_ms(n->io);
}

int node_wire_init(struct node *n)
{
	struct node_wire *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	env_keys_init(&w->keys, &n->id.id);
	n->io->ops->random(n->io, w->secret, sizeof(w->secret));
	n->io->ops->random(n->io, w->prev_secret, sizeof(w->prev_secret));
	n->io->ops->random(n->io, w->hash_key, sizeof(w->hash_key));
	w->secret_ms = now_ms(n);
	w->counter_limit = UINT64_MAX;
	n->wire = w;
	return 0;
}

void node_wire_free(struct node *n)
{
	if (!n->wire)
		return;
	sodium_memzero(n->wire, sizeof(*n->wire));
	free(n->wire);
	n->wire = NULL;
}

int node_wire_start(struct node *n)
{
	struct node_wire *w = n->wire;
	uint64_t mark = 0;

	/* Without a state dir (simulations): counters start at the wall clock in us. */
	n->counter = n->io->ops->wall_ms(n->io) * 1000;
	w->persist = n->cfg.state_dir[0] != 0;
	if (!w->persist)
		return 0;
	if (identity_counter_load(n->cfg.state_dir, &mark))
		return -EIO;
	if (mark > n->counter)
		n->counter = mark;
	w->counter_limit = n->counter; /* the first send reserves a block */
	return 0;
}

static int next_counter(struct node *n, uint64_t *c)
{
	struct node_wire *w = n->wire;

	if (n->counter >= w->counter_limit) {
		uint64_t limit = n->counter + WIRE_COUNTER_BLOCK;

		if (identity_counter_store(n->cfg.state_dir, limit)) {
			n->st.counter_store_errors++;
			return -EIO;
		}
		w->counter_limit = limit;
	}
	*c = ++n->counter;
	return 0;
}

uint64_t node_wire_counter_limit(const struct node *n)
{
	return n->wire->counter_limit;
}

/* --- where we send -------------------------------------------------------- */

static struct wire_dest *dest_find(struct node *n, const struct xm_addr *to, bool create)
{
	struct node_wire *w = n->wire;
	struct wire_dest *lru = NULL;

	for (unsigned int i = 0; i < WIRE_DESTS; i++) {
		struct wire_dest *d = &w->dests[i];

		if (d->used && xm_addr_equal(&d->addr, to))
			return d;
		if (!lru || !d->used || (lru->used && d->last_ms < lru->last_ms))
			lru = d;
	}
	if (!create)
		return NULL;
	memset(lru, 0, sizeof(*lru));
	lru->used = true;
	lru->addr = *to;
	return lru;
}

static bool cookie_fresh(struct node *n, const struct wire_dest *d)
{
	return d->has_cookie && now_ms(n) - d->cookie_ms < WIRE_COOKIE_USE_MS;
}

/* Seal body for to (to_id NULL: unaddressed) with mac2 when we hold a cookie. */
static int seal(struct node *n, enum xm_msg_kind kind, const struct wire_dest *d,
		const struct xm_node_id *to_id, const uint8_t *body, size_t len,
		uint8_t out[ENV_DATAGRAM_MAX])
{
	uint64_t c;
	int dlen;

	if (len > XM_MSG_BODY_MAX)
		return -EMSGSIZE;
	if (next_counter(n, &c))
		return -EIO;
	dlen = env_seal(out, ENV_DATAGRAM_MAX, kind, n->id.pk, n->id.sk, to_id, c,
			n->io->ops->wall_ms(n->io), body, len);
	if (dlen < 0)
		return -EMSGSIZE;
	if (d && cookie_fresh(n, d))
		env_put_mac2(out, (size_t)dlen, d->cookie);
	return dlen;
}

static void send_cookie(struct node *n, const struct xm_addr *to, bool addressed,
			const uint8_t mac1[ENV_MAC_LEN]);

/* The reply budget of an unvalidated source: false if this send exceeds it. */
static bool within_budget(struct node *n, const struct xm_addr *to, size_t dlen)
{
	struct node_wire *w = n->wire;

	if (!w->budget_on || !xm_addr_equal(to, &w->budget_to))
		return true;
	if (dlen <= w->budget) {
		w->budget -= dlen;
		return true;
	}
	n->st.replies_over_budget++;
	if (!w->budget_cookie_sent && w->budget >= ENV_COOKIE_REPLY_LEN) {
		w->budget_cookie_sent = true;
		w->budget -= ENV_COOKIE_REPLY_LEN;
		send_cookie(n, to, w->budget_addressed, w->budget_mac1);
	}
	return false;
}

static void keep(struct node *n, struct wire_dest *d, enum xm_msg_kind kind,
		 const struct xm_node_id *to_id, const uint8_t *body, size_t len,
		 const uint8_t *dgram, size_t dlen)
{
	struct wire_kept *k = &d->kept[d->next++ % WIRE_KEEP];

	d->last_ms = now_ms(n);
	k->addressed = to_id != NULL;
	if (to_id)
		k->to_id = *to_id;
	k->used = true;
	k->resent = n->wire->resending; /* a resend is not resent again */
	k->kind = (uint8_t)kind;
	k->len = (uint16_t)len;
	k->sent_ms = d->last_ms;
	memcpy(k->mac1, env_mac1_of(dgram, dlen), ENV_MAC_LEN);
	memcpy(k->body, body, len);
}

/* A datagram's send result, counted by kind and in bytes. */
static int counted_send(struct node *n, enum xm_msg_kind kind, int dlen, int err)
{
	if (err)
		n->st.tx_errors++;
	else
		n->st.tx[kind & 3]++;
	n->st.tx_bytes += (size_t)dlen;
	return err;
}

int node_wire_send(struct node *n, enum xm_msg_kind kind, const struct xm_addr *to,
		   const struct xm_node_id *to_id, const uint8_t *body, size_t len)
{
	uint8_t buf[ENV_DATAGRAM_MAX];
	struct wire_dest *d = dest_find(n, to, true);
	int dlen = seal(n, kind, d, to_id, body, len, buf), err;

	if (dlen < 0)
		return dlen;
	if (!within_budget(n, to, (size_t)dlen))
		return -EAGAIN;
	/*
	 * Kept, with or without mac2: a cookie may be stale (the receiver
	 * restarted and changed its secret), and its new one must match.
	 */
	keep(n, d, kind, to_id, body, len, buf, (size_t)dlen);
	err = n->io->ops->send(n->io, n->udp_chan, to, buf, (size_t)dlen);
	return counted_send(n, kind, dlen, err);
}

int node_wire_send_link(struct node *n, enum xm_msg_kind kind, int ifindex, const uint8_t *body,
			size_t len)
{
	uint8_t buf[ENV_DATAGRAM_MAX];
	int dlen = seal(n, kind, NULL, NULL, body, len, buf), err;

	if (dlen < 0)
		return dlen;
	err = n->io->ops->send_link(n->io, n->udp_chan, ifindex, buf, (size_t)dlen);
	return counted_send(n, kind, dlen, err);
}

/* --- cookies ----------------------------------------------------------------- */

static void rotate_secret(struct node *n)
{
	struct node_wire *w = n->wire;

	if (now_ms(n) - w->secret_ms < WIRE_SECRET_MS)
		return;
	memcpy(w->prev_secret, w->secret, sizeof(w->secret));
	n->io->ops->random(n->io, w->secret, sizeof(w->secret));
	w->secret_ms = now_ms(n);
}

/* The cookie of a source address: BLAKE2b-128 under the secret of its ip and port. */
static void cookie_of(uint8_t cookie[ENV_COOKIE_LEN], const uint8_t secret[32],
		      const struct xm_addr *a)
{
	uint8_t in[sizeof(a->ip) + 2];

	memcpy(in, &a->ip, sizeof(a->ip));
	in[sizeof(a->ip)] = (uint8_t)(a->port >> 8);
	in[sizeof(a->ip) + 1] = (uint8_t)a->port;
	crypto_generichash(cookie, ENV_COOKIE_LEN, in, sizeof(in), secret, 32);
}

static bool mac2_valid(struct node *n, const struct xm_io_dgram *d)
{
	struct node_wire *w = n->wire;
	uint8_t c[ENV_COOKIE_LEN];

	cookie_of(c, w->secret, &d->from);
	if (env_mac2_ok(d->buf, d->len, c))
		return true;
	cookie_of(c, w->prev_secret, &d->from);
	return env_mac2_ok(d->buf, d->len, c);
}

static void send_cookie(struct node *n, const struct xm_addr *to, bool addressed,
			const uint8_t mac1[ENV_MAC_LEN])
{
	struct node_wire *w = n->wire;
	uint8_t out[ENV_COOKIE_REPLY_LEN], cookie[ENV_COOKIE_LEN], nonce[ENV_COOKIE_NONCE_LEN];
	uint8_t key[32];

	cookie_of(cookie, w->secret, to);
	n->io->ops->random(n->io, nonce, sizeof(nonce));
	/* An unaddressed sender does not know our id: the key of no id. */
	if (addressed)
		memcpy(key, w->keys.cookie_self, sizeof(key));
	else
		env_cookie_key(key, NULL);
	env_cookie_seal(out, key, mac1, cookie, nonce);
	if (!n->io->ops->send(n->io, n->udp_chan, to, out, sizeof(out))) {
		n->st.cookies_sent++;
		n->st.tx_bytes += sizeof(out);
	}
}

/* A cookie reply from an address we sent to: take it and resend what it refused. */
static void take_cookie(struct node *n, const struct xm_io_dgram *dg)
{
	struct wire_dest *d = dest_find(n, &dg->from, false);
	uint8_t key[32], cookie[ENV_COOKIE_LEN];
	struct wire_kept *k = NULL, again;
	struct xm_node_id to_id;
	bool addressed;

	if (!d) {
		n->st.cookies_unmatched++;
		return;
	}
	for (unsigned int i = 0; i < WIRE_KEEP && !k; i++) {
		if (!d->kept[i].used)
			continue;
		/* Sealed under the key of the node we sent that datagram to. */
		env_cookie_key(key, d->kept[i].addressed ? &d->kept[i].to_id : NULL);
		if (!env_cookie_open(cookie, dg->buf, dg->len, key, d->kept[i].mac1))
			k = &d->kept[i];
	}
	if (!k) {
		n->st.cookies_unmatched++;
		return;
	}
	n->st.cookies_taken++;
	memcpy(d->cookie, cookie, sizeof(cookie));
	d->has_cookie = true;
	d->cookie_ms = now_ms(n);
	/* The datagram it answers was refused: once more, sealed anew, with mac2. */
	if (k->resent || now_ms(n) - k->sent_ms > WIRE_RESEND_MS)
		return;
	k->used = false;
	again = *k;
	to_id = k->to_id;
	addressed = k->addressed;
	n->st.cookie_resends++;
	n->wire->resending = true;
	node_wire_send(n, (enum xm_msg_kind)again.kind, &dg->from, addressed ? &to_id : NULL,
		       again.body, again.len);
	n->wire->resending = false;
}

/* --- guards ------------------------------------------------------------------ */

static bool under_load(struct node *n)
{
	struct node_wire *w = n->wire;

	if (now_ms(n) - w->window_ms >= 1000) {
		w->window_ms = now_ms(n);
		w->window_verifies = 0;
	}
	return w->window_verifies >= WIRE_VERIFY_BUDGET;
}

static uint32_t source_hash(const struct node_wire *w, const struct xm_addr *a)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint32_t v;

	crypto_shorthash(h, (const uint8_t *)a, sizeof(a->ip) + sizeof(a->port), w->hash_key);
	memcpy(&v, h, sizeof(v));
	return v;
}

/*
 * A token bucket per source address, in a table hashed with a secret key;
 * a new source takes the least recently active entry of its probe window.
 */
static bool source_allowed(struct node *n, const struct xm_addr *a)
{
	struct node_wire *w = n->wire;
	uint32_t h = source_hash(w, a);
	struct wire_source *s = NULL, *lru = NULL;
	uint64_t now = now_ms(n), max = WIRE_RATE_BURST * 1000ULL;

	for (unsigned int i = 0; i < WIRE_SOURCE_PROBE && !s; i++) {
		struct wire_source *e = &w->src[(h + i) % WIRE_SOURCES];

		if (e->used && xm_addr_equal(&e->addr, a))
			s = e;
		else if (!lru || !e->used || (lru->used && e->last_ms < lru->last_ms))
			lru = e;
	}
	if (!s) {
		s = lru;
		*s = (struct wire_source){ .used = true, .addr = *a, .last_ms = now,
					   .tokens_milli = max };
	}
	s->tokens_milli += (now - s->last_ms) * WIRE_RATE_PER_S;
	if (s->tokens_milli > max)
		s->tokens_milli = max;
	s->last_ms = now;
	if (s->tokens_milli < 1000)
		return false;
	s->tokens_milli -= 1000;
	return true;
}

/*
 * Did we send to this address in the last WIRE_RESEND_MS? Then a DHT
 * datagram from it may be a reply, which the DHT proves itself (it echoes
 * our random txid): it is verified without a cookie round trip, still
 * unproven, so the reply budget and the rate limit apply and nothing is
 * started from it unless the DHT finds it answers us. (A handshake always
 * takes the cookie first: it changes state before it answers.)
 */
static bool awaited(struct node *n, const struct xm_addr *from)
{
	const struct wire_dest *d = dest_find(n, from, false);

	return d && now_ms(n) - d->last_ms <= WIRE_RESEND_MS;
}

/* --- receiving --------------------------------------------------------------- */

static int drop(struct node *n, const struct xm_io_dgram *d, enum env_drop why)
{
	char a[64];

	n->st.drops[why]++;
	xm_addr_format(&d->from, a, sizeof(a));
	log_debug("dropped a datagram from %s: %s", a, env_drop_name(why));
	return 0;
}

int node_wire_receive(struct node *n, const struct xm_io_dgram *d, struct env_msg *m,
		      struct xm_peer_ref *from)
{
	struct node_wire *w = n->wire;
	struct env_check chk = {
		.now_wall_ms = n->io->ops->wall_ms(n->io),
		.not_before_ms = n->started_wall_ms,
		.freshness_ms = n->cfg.freshness_ms,
		.puzzle_bits = n->cfg.puzzle_bits,
		.self_pk = n->id.pk,
		.self_id = &n->id.id,
		.replay = n->replay,
		.verifies = &n->st.verifies,
	};
	bool addressed = false, validated, loaded;
	uint64_t verifies;
	int ret;

	n->st.rx_bytes += d->len;
	ret = env_precheck(d->buf, d->len, d->truncated_len, &w->keys, &addressed);
	if (ret < 0)
		return drop(n, d, (enum env_drop)(-ret - 1));
	if (ret == ENV_DGRAM_COOKIE) {
		take_cookie(n, d);
		return 0;
	}
	rotate_secret(n);
	validated = mac2_valid(n, d);
	loaded = under_load(n);
	if (loaded && !validated) {
		send_cookie(n, &d->from, addressed, env_mac1_of(d->buf, d->len));
		return drop(n, d, ENV_DROP_COOKIE);
	}
	if ((loaded || !validated) && !source_allowed(n, &d->from))
		return drop(n, d, ENV_DROP_RATE);
	/*
	 * No costly work for an unproven source: once the cheap checks pass,
	 * a DHT or handshake datagram without a valid mac2 gets a cookie (its
	 * sender resends it with mac2, one round trip, then holds the cookie
	 * for 110 s), so every contact and session starts from a proven
	 * address and no reply is ever larger than what drew it. Routing
	 * stays on its links (route*.c): it is answered within the budget.
	 */
	if (!validated) {
		chk.cheap_only = true;
		ret = env_open(m, d->buf, d->len, d->truncated_len, addressed, &chk);
		if (ret < 0)
			return drop(n, d, (enum env_drop)(-ret - 1));
		if (m->kind == XM_MSG_HANDSHAKE ||
		    (m->kind == XM_MSG_DHT && !awaited(n, &d->from))) {
			send_cookie(n, &d->from, addressed, env_mac1_of(d->buf, d->len));
			return drop(n, d, ENV_DROP_COOKIE);
		}
		chk.cheap_only = false;
	}
	verifies = n->st.verifies;
	ret = env_open(m, d->buf, d->len, d->truncated_len, addressed, &chk);
	w->window_verifies += n->st.verifies - verifies;
	if (ret)
		return drop(n, d, (enum env_drop)(-ret - 1));
	memset(from, 0, sizeof(*from));
	from->id = m->id;
	memcpy(from->pk, m->pk, XM_PUBKEY_LEN);
	from->addr = d->from;
	from->ifindex = d->ifindex;
	from->ttl = d->ttl;
	from->addressed = m->addressed;
	from->validated = validated;
	/* Until node_wire_done(): what goes back to an unproven source is bounded. */
	w->budget_on = !validated;
	w->budget = d->len;
	w->budget_to = d->from;
	w->budget_cookie_sent = false;
	w->budget_addressed = addressed;
	memcpy(w->budget_mac1, env_mac1_of(d->buf, d->len), ENV_MAC_LEN);
	return 1;
}

void node_wire_done(struct node *n)
{
	n->wire->budget_on = false;
}
