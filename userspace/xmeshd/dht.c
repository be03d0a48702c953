// SPDX-License-Identifier: GPL-2.0
/*
 * Kademlia discovery (see dht.h and Documentation/dht.md).
 *
 * Routing table: 256 buckets indexed by the log2 XOR distance from our id,
 * each holding up to k contacts in least-recently-seen order plus a reserve
 * of the most recent ones it had no room for; a bucket is allocated when its
 * first contact arrives. Only nodes that talked to us directly
 * (authenticated by the daemon's envelope) enter the table, at most a few
 * per public /24 or /48; contacts learned from replies are merely
 * candidates of a lookup, so one liar cannot fill our table.
 *
 * Lookups follow S/Kademlia: the k closest old contacts (buckets) and the k
 * closest recent ones (reserves) are dealt in turn, round-robin, to d paths,
 * and every node is queried on at most one path, so the paths stay disjoint
 * and a lookup succeeds if any path avoids the liars, even when liars that
 * joined early fill our buckets.
 *
 * Completion callbacks run only from dht_tick(), never from inside an API
 * call or dht_receive(), so a callback may start new work freely.
 */
#include "dht.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sig_domains.h"

#include "dht.pb-c.h"
#include "dht_record.h"

#define DHT_VERSION 1
#define DHT_NBUCKETS (8 * XM_ID_LEN)
#define DHT_REPLACEMENTS DHT_K_MAX /* reserve: direct contacts a full bucket had no room for */
#define DHT_REPLICATE_MAX 64        /* records handed to one newcomer */
#define DHT_MAX_FAILS 2            /* unanswered requests before a contact is dead */
#define DHT_QUESTIONABLE_MS 60000  /* silence after which a contact may be pinged */
#define DHT_PENDING_MAX 1024       /* requests in flight */
#define DHT_SEEDS_MAX 16
#define DHT_PUBLISHED_MAX 32
#define LOOKUP_CANDS_MAX 256       /* candidates of one lookup, all paths */
#define HOUSEKEEPING_MS 1000
/* Unpacking allocates from a fixed arena: a body cannot make us malloc. */
#define DHT_ARENA_SIZE (64 * 1024)

struct contact {
	struct xm_node_id id;
	struct xm_addr addr;
	uint64_t last_seen;
	uint64_t pinged; /* last liveness ping, 0 if none */
	unsigned int fails;
};

struct bucket {
	unsigned int n, nrepl;
	struct contact c[DHT_K_MAX]; /* least recently seen first */
	struct contact repl[DHT_REPLACEMENTS];
};

enum req_type { REQ_PING, REQ_FIND_NODE, REQ_FIND_VALUE, REQ_STORE };

struct request {
	bool used;
	bool id_known; /* false for pings to seeds, whose ids we learn */
	enum req_type type;
	uint64_t txid;
	uint64_t deadline;
	struct xm_node_id to_id;
	struct xm_addr to;
	struct lookup *lk; /* NULL for pings */
	int cand;
	uint32_t offset;   /* FIND_VALUE: the page asked for */
};

enum cand_state { C_NEW, C_INFLIGHT, C_REPLIED, C_FAILED };

struct cand {
	struct xm_node_id id;
	struct xm_addr addr;
	uint8_t path;
	uint8_t state;
	uint8_t hop;
	bool store_sent;
};

enum lookup_kind { LK_NODE, LK_VALUE, LK_PUBLISH, LK_REFRESH };

struct lookup {
	struct lookup *next;
	enum lookup_kind kind;
	bool storing; /* publish: the search is over, STOREs are out */
	bool done;
	struct xm_node_id target;
	struct cand cands[LOOKUP_CANDS_MAX];
	unsigned int ncands;
	bool path_done[DHT_PATHS_MAX];
	unsigned int inflight[DHT_PATHS_MAX];
	struct dht_service records[DHT_LOOKUP_RECORDS_MAX];
	unsigned int nrecords;
	/* Records verified so far: holders send the same ones again. */
	uint8_t verified[DHT_LOOKUP_RECORDS_MAX][RECORD_DIGEST_LEN];
	unsigned int nverified;
	unsigned int hops;
	unsigned int queried, replied, store_pending, stored;
	uint64_t started;
	struct dht_service rec; /* publish: the signed record to store */
	uint8_t sig[XM_SIG_LEN];
	dht_done_fn cb;
	void *arg;
};

struct published {
	bool used;
	struct dht_service svc;
	uint64_t next_republish;
};

struct dht {
	struct dht_config cfg;
	const struct xm_env *env;
	struct xm_node_id self;
	uint8_t self_pk[XM_PUBKEY_LEN];
	struct xm_addr self_addr;
	struct bucket *buckets[DHT_NBUCKETS];
	uint64_t refreshed[DHT_NBUCKETS]; /* last lookup into each bucket's range */
	struct request pending[DHT_PENDING_MAX];
	struct lookup *lookups;
	unsigned int nlookups;
	struct record_store store;
	struct published published[DHT_PUBLISHED_MAX];
	struct xm_addr seeds[DHT_SEEDS_MAX];
	unsigned int nseeds;
	uint64_t next_bootstrap;
	bool need_self_lookup;
	int join_refresh; /* next bucket to refresh after joining, -1 when done */
	uint64_t next_housekeeping;
	struct dht_stats st;
	size_t arena_used;
	uint8_t arena[DHT_ARENA_SIZE] __attribute__((aligned(16)));
};

static uint64_t now_ms(const struct dht *dht)
{
	return dht->env->now_ms(dht->env->ctx);
}

static uint64_t wall_ms(const struct dht *dht)
{
	if (dht->cfg.wall_ms)
		return dht->cfg.wall_ms(dht->env->ctx);
	return now_ms(dht);
}

void dht_config_default(struct dht_config *cfg)
{
	*cfg = (struct dht_config){
		.k = DHT_K_MAX,
		.alpha = 3,
		.paths = 3,
		.puzzle_bits = XM_ID_PUZZLE_BITS,
		.request_timeout_ms = 1000,
		.refresh_ms = 15 * 60 * 1000,
		.bootstrap_retry_ms = 5000,
		.record_ttl_ms = 60 * 60 * 1000,
		.republish_ms = 20 * 60 * 1000,
		.max_ttl_ms = 24 * 60 * 60 * 1000,
		.clock_skew_ms = 60 * 1000,
		.max_records = 4096,
		.max_records_per_owner = 16,
		.max_providers_per_key = 64,
		.max_lookups = 64,
		.subnet_bucket_max = 2,
		.subnet_table_max = 10,
	};
}

void dht_service_key(struct xm_node_id *key, const char *name)
{
	static const char domain[] = SIG_DOMAIN_SERVICE_KEY;
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, XM_ID_LEN);
	crypto_generichash_update(&h, (const uint8_t *)domain, sizeof(domain) - 1);
	crypto_generichash_update(&h, (const uint8_t *)name, strlen(name));
	crypto_generichash_final(&h, key->b, XM_ID_LEN);
}

/* --- protobuf arena ----------------------------------------------------- */

static void *arena_alloc(void *ctx, size_t size)
{
	struct dht *dht = ctx;
	size_t at = (dht->arena_used + 15) & ~(size_t)15;

	if (size > DHT_ARENA_SIZE || at > DHT_ARENA_SIZE - size)
		return NULL;
	dht->arena_used = at + size;
	return dht->arena + at;
}

static void arena_free(void *ctx, void *p)
{
	(void)ctx;
	(void)p;
}

/* --- routing table ------------------------------------------------------ */

static struct bucket *bucket_for(struct dht *dht, const struct xm_node_id *id, bool create)
{
	int i = xm_node_id_log2_distance(&dht->self, id);

	if (i < 0)
		return NULL;
	if (!dht->buckets[i] && create)
		dht->buckets[i] = calloc(1, sizeof(struct bucket));
	return dht->buckets[i];
}

static int find_contact(const struct contact *c, unsigned int n, const struct xm_node_id *id)
{
	for (unsigned int i = 0; i < n; i++)
		if (!xm_node_id_cmp(&c[i].id, id))
			return (int)i;
	return -1;
}

static void remove_at(struct contact *c, unsigned int *n, unsigned int i)
{
	memmove(&c[i], &c[i + 1], (*n - i - 1) * sizeof(*c));
	(*n)--;
}

static int send_ping(struct dht *dht, const struct xm_addr *to, const struct xm_node_id *to_id);
static void replicate_to(struct dht *dht, const struct xm_node_id *id, const struct xm_addr *addr);

/*
 * The network a contact's address belongs to, for the diversity bounds: the
 * /24 of a public IPv4 address, the /48 of a public IPv6 one. Loopback,
 * private, shared (CGN), link-local and unique-local addresses are not
 * bounded (false): nodes of one site or one test host legitimately share them.
 */
static bool addr_subnet(const struct xm_addr *a, uint8_t net[6])
{
	const uint8_t *ip = a->ip.s6_addr;

	memset(net, 0, 6);
	if (xm_addr_is_v4(a)) {
		const uint8_t *v4 = ip + 12;

		if (v4[0] == 127 || v4[0] == 10 || v4[0] == 0 ||
		    (v4[0] == 172 && (v4[1] & 0xf0) == 16) || (v4[0] == 192 && v4[1] == 168) ||
		    (v4[0] == 169 && v4[1] == 254) || (v4[0] == 100 && (v4[1] & 0xc0) == 64))
			return false;
		memcpy(net, v4, 3);
		return true;
	}
	if (IN6_IS_ADDR_LOOPBACK(&a->ip) || IN6_IS_ADDR_UNSPECIFIED(&a->ip) ||
	    IN6_IS_ADDR_LINKLOCAL(&a->ip) || (ip[0] & 0xfe) == 0xfc)
		return false;
	memcpy(net, ip, 6);
	return true;
}

static unsigned int count_subnet(const struct contact *c, unsigned int n, const uint8_t net[6],
				 const struct xm_node_id *except)
{
	unsigned int count = 0;
	uint8_t other[6];

	for (unsigned int i = 0; i < n; i++)
		if (xm_node_id_cmp(&c[i].id, except) && addr_subnet(&c[i].addr, other) &&
		    !memcmp(other, net, 6))
			count++;
	return count;
}

/*
 * May a contact at @addr join (or move within) bucket @b? At most
 * subnet_bucket_max contacts of one network per bucket (its reserve
 * included) and subnet_table_max in the whole table, so that nodes run by
 * one operator from one network cannot fill our buckets however early they
 * came.
 */
static bool subnet_room(const struct dht *dht, const struct bucket *b,
			const struct xm_node_id *id, const struct xm_addr *addr)
{
	unsigned int in_table = 0;
	uint8_t net[6];

	if (!dht->cfg.subnet_bucket_max || !addr_subnet(addr, net))
		return true;
	if (count_subnet(b->c, b->n, net, id) + count_subnet(b->repl, b->nrepl, net, id) >=
	    dht->cfg.subnet_bucket_max)
		return false;
	if (!dht->cfg.subnet_table_max)
		return true;
	for (int i = 0; i < DHT_NBUCKETS; i++) {
		const struct bucket *o = dht->buckets[i];

		if (!o)
			continue;
		in_table += count_subnet(o->c, o->n, net, id) +
			    count_subnet(o->repl, o->nrepl, net, id);
		if (in_table >= dht->cfg.subnet_table_max)
			return false;
	}
	return true;
}

/*
 * A node talked to us: it is alive and reachable at @addr. Unless
 * @validated (it proved it receives there), only a contact already known at
 * that address is refreshed: a spoofed source neither enters the table nor
 * moves a contact, nor draws the STOREs of replicate_to().
 */
static void table_seen(struct dht *dht, const struct xm_node_id *id, const struct xm_addr *addr,
		       bool validated)
{
	struct bucket *b = bucket_for(dht, id, true);
	struct contact c = { .id = *id, .addr = *addr, .last_seen = now_ms(dht) };
	bool known;
	int i;

	if (!b)
		return;
	i = find_contact(b->c, b->n, id);
	if (i >= 0 && xm_addr_equal(&b->c[i].addr, addr)) {
		remove_at(b->c, &b->n, (unsigned int)i);
		b->c[b->n++] = c; /* most recently seen last */
		return;
	}
	if (!validated) {
		dht->st.unvalidated++;
		return;
	}
	known = i >= 0 || find_contact(b->repl, b->nrepl, id) >= 0;
	if (!subnet_room(dht, b, id, addr)) {
		dht->st.drop_subnet++;
		return;
	}
	if (i >= 0) { /* moved to another address, which had room */
		remove_at(b->c, &b->n, (unsigned int)i);
		b->c[b->n++] = c;
		return;
	}
	if (!known)
		replicate_to(dht, id, addr);
	if (b->n < dht->cfg.k) {
		i = find_contact(b->repl, b->nrepl, id);
		if (i >= 0)
			remove_at(b->repl, &b->nrepl, (unsigned int)i);
		b->c[b->n++] = c;
		return;
	}
	/* Full: a dead contact makes room, else the newcomer waits in reserve. */
	for (unsigned int j = 0; j < b->n; j++) {
		if (b->c[j].fails >= DHT_MAX_FAILS) {
			i = find_contact(b->repl, b->nrepl, id);
			if (i >= 0)
				remove_at(b->repl, &b->nrepl, (unsigned int)i);
			remove_at(b->c, &b->n, j);
			b->c[b->n++] = c;
			return;
		}
	}
	i = find_contact(b->repl, b->nrepl, id);
	if (i >= 0)
		remove_at(b->repl, &b->nrepl, (unsigned int)i);
	else if (b->nrepl == DHT_REPLACEMENTS)
		remove_at(b->repl, &b->nrepl, 0);
	b->repl[b->nrepl++] = c;
	/*
	 * Kademlia's eviction: ask the least recently seen contact whether it
	 * is still there; if it does not answer (twice) the newcomer takes its
	 * place (table_failed()).
	 */
	if (c.last_seen - b->c[0].last_seen > DHT_QUESTIONABLE_MS &&
	    c.last_seen - b->c[0].pinged > dht->cfg.request_timeout_ms) {
		b->c[0].pinged = c.last_seen;
		send_ping(dht, &b->c[0].addr, &b->c[0].id);
	}
}

/* A request to @id went unanswered. */
static void table_failed(struct dht *dht, const struct xm_node_id *id)
{
	struct bucket *b = bucket_for(dht, id, false);
	int i;

	if (!b)
		return;
	i = find_contact(b->c, b->n, id);
	if (i < 0) {
		/* A reserve contact gets no second chance: others are waiting. */
		i = find_contact(b->repl, b->nrepl, id);
		if (i >= 0)
			remove_at(b->repl, &b->nrepl, (unsigned int)i);
		return;
	}
	if (++b->c[i].fails >= DHT_MAX_FAILS && b->nrepl) {
		remove_at(b->c, &b->n, (unsigned int)i);
		b->c[b->n++] = b->repl[--b->nrepl];
	}
}

static void closest_insert(const struct xm_node_id *target, const struct contact *c,
			   const struct contact **out, unsigned int *n, unsigned int max)
{
	unsigned int at = *n;

	while (at > 0 && xm_node_id_closer(target, &c->id, &out[at - 1]->id))
		at--;
	if (at >= max)
		return;
	if (*n < max)
		(*n)++;
	memmove(&out[at + 1], &out[at], (*n - 1 - at) * sizeof(*out));
	out[at] = c;
}

enum { TABLE_BUCKETS = 1, TABLE_RESERVE = 2, TABLE_ALL = 3 };

/* Up to @max live contacts of @which part of the table closest to @target, nearest first. */
static unsigned int table_closest_of(const struct dht *dht, const struct xm_node_id *target,
				     const struct contact **out, unsigned int max, int which)
{
	unsigned int n = 0;

	for (int i = 0; i < DHT_NBUCKETS; i++) {
		const struct bucket *b = dht->buckets[i];

		if (!b)
			continue;
		for (unsigned int j = 0; (which & TABLE_BUCKETS) && j < b->n; j++)
			if (b->c[j].fails < DHT_MAX_FAILS)
				closest_insert(target, &b->c[j], out, &n, max);
		for (unsigned int j = 0; (which & TABLE_RESERVE) && j < b->nrepl; j++)
			closest_insert(target, &b->repl[j], out, &n, max);
	}
	return n;
}

/*
 * Up to @max live contacts closest to @target, nearest first. The reserve
 * counts too: its contacts talked to us directly as well, and they are the
 * recent ones, where the bucket keeps the old (who may have come early to
 * fill it).
 */
static unsigned int table_closest(const struct dht *dht, const struct xm_node_id *target,
				  const struct contact **out, unsigned int max)
{
	return table_closest_of(dht, target, out, max, TABLE_ALL);
}

static unsigned int table_size(const struct dht *dht)
{
	unsigned int n = 0;

	for (int i = 0; i < DHT_NBUCKETS; i++)
		if (dht->buckets[i])
			n += dht->buckets[i]->n;
	return n;
}

/* Contacts not presumed dead: what lookups can start from. */
static unsigned int table_live(const struct dht *dht)
{
	unsigned int n = 0;

	for (int i = 0; i < DHT_NBUCKETS; i++)
		for (unsigned int j = 0; dht->buckets[i] && j < dht->buckets[i]->n; j++)
			n += dht->buckets[i]->c[j].fails < DHT_MAX_FAILS;
	return n;
}

/* --- sending ------------------------------------------------------------ */

static int send_msg(struct dht *dht, const struct xm_addr *to, const struct xm_node_id *to_id,
		    DhtMsg *m)
{
	uint8_t buf[XM_MSG_BODY_MAX];
	size_t len;
	int err;

	m->version = DHT_VERSION;
	len = dht_msg__get_packed_size(m);
	if (len > sizeof(buf)) {
		dht->st.tx_errors++;
		return -EMSGSIZE;
	}
	dht_msg__pack(m, buf);
	err = dht->env->send(dht->env->ctx, XM_MSG_DHT, to, to_id, buf, len);
	if (err) {
		dht->st.tx_errors++;
		return err;
	}
	dht->st.tx++;
	return 0;
}

static struct request *request_new(struct dht *dht, enum req_type type, const struct xm_addr *to,
				   const struct xm_node_id *to_id)
{
	for (int i = 0; i < DHT_PENDING_MAX; i++) {
		struct request *r = &dht->pending[i];

		if (r->used)
			continue;
		*r = (struct request){ .used = true, .type = type, .to = *to, .cand = -1 };
		if (to_id) {
			r->id_known = true;
			r->to_id = *to_id;
		}
		dht->env->random(dht->env->ctx, &r->txid, sizeof(r->txid));
		r->deadline = now_ms(dht) + dht->cfg.request_timeout_ms;
		return r;
	}
	return NULL;
}

static struct request *request_find(struct dht *dht, uint64_t txid)
{
	for (int i = 0; i < DHT_PENDING_MAX; i++)
		if (dht->pending[i].used && dht->pending[i].txid == txid)
			return &dht->pending[i];
	return NULL;
}

static int send_ping(struct dht *dht, const struct xm_addr *to, const struct xm_node_id *to_id)
{
	DhtMsg m = DHT_MSG__INIT;
	DhtPing ping = DHT_PING__INIT;
	struct request *r = request_new(dht, REQ_PING, to, to_id);
	int err;

	if (!r)
		return -EBUSY;
	m.txid = r->txid;
	m.body_case = DHT_MSG__BODY_PING;
	m.ping = &ping;
	err = send_msg(dht, to, to_id, &m);
	if (err)
		r->used = false;
	else
		dht->st.requests++;
	return err;
}

/* Fills @pb (backed by @store) with contacts; returns how many. */
static size_t contacts_to_pb(const struct contact **c, size_t n, DhtContact *pb,
			     DhtContact **ptrs, uint8_t (*ip)[16])
{
	for (size_t i = 0; i < n; i++) {
		dht_contact__init(&pb[i]);
		pb[i].id.data = (uint8_t *)c[i]->id.b;
		pb[i].id.len = XM_ID_LEN;
		pb[i].ip.data = ip[i];
		pb[i].ip.len = addr_to_pb(&c[i]->addr, ip[i]);
		pb[i].port = c[i]->addr.port;
		ptrs[i] = &pb[i];
	}
	return n;
}

/* --- lookups ------------------------------------------------------------ */

static int cand_cmp_target(const struct lookup *lk, const struct cand *a, const struct cand *b)
{
	if (xm_node_id_closer(&lk->target, &a->id, &b->id))
		return -1;
	return xm_node_id_closer(&lk->target, &b->id, &a->id);
}

/* Indices of @path's candidates (all paths if path < 0), nearest first. */
static unsigned int cands_sorted(const struct lookup *lk, int path, uint16_t *idx)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < lk->ncands; i++) {
		unsigned int at;

		if (path >= 0 && lk->cands[i].path != path)
			continue;
		at = n++;
		while (at > 0 && cand_cmp_target(lk, &lk->cands[i], &lk->cands[idx[at - 1]]) < 0) {
			idx[at] = idx[at - 1];
			at--;
		}
		idx[at] = (uint16_t)i;
	}
	return n;
}

/* Adds a candidate to a path unless some path already has it (disjointness). */
static void lookup_add(struct dht *dht, struct lookup *lk, unsigned int path,
		       const struct xm_node_id *id, const struct xm_addr *addr, unsigned int hop)
{
	struct cand c = { .id = *id, .addr = *addr, .path = (uint8_t)path, .state = C_NEW,
			  .hop = (uint8_t)(hop > 255 ? 255 : hop) };
	int worst = -1;

	if (!xm_node_id_cmp(id, &dht->self))
		return;
	for (unsigned int i = 0; i < lk->ncands; i++)
		if (!xm_node_id_cmp(&lk->cands[i].id, id))
			return;
	if (lk->ncands < LOOKUP_CANDS_MAX) {
		lk->cands[lk->ncands++] = c;
		return;
	}
	/* Full: replace this path's farthest unqueried candidate if farther. */
	for (unsigned int i = 0; i < lk->ncands; i++) {
		const struct cand *o = &lk->cands[i];

		if (o->path != path || o->state != C_NEW)
			continue;
		if (worst < 0 || cand_cmp_target(lk, o, &lk->cands[worst]) > 0)
			worst = (int)i;
	}
	if (worst >= 0 && cand_cmp_target(lk, &c, &lk->cands[worst]) < 0)
		lk->cands[worst] = c;
}

static int send_find(struct dht *dht, struct lookup *lk, int ci, uint32_t offset)
{
	struct cand *c = &lk->cands[ci];
	DhtMsg m = DHT_MSG__INIT;
	DhtFindNode fn = DHT_FIND_NODE__INIT;
	DhtFindValue fv = DHT_FIND_VALUE__INIT;
	bool value = lk->kind == LK_VALUE;
	struct request *r = request_new(dht, value ? REQ_FIND_VALUE : REQ_FIND_NODE, &c->addr,
					&c->id);
	int err;

	if (!r)
		return -EBUSY;
	r->lk = lk;
	r->cand = ci;
	r->offset = offset;
	m.txid = r->txid;
	if (value) {
		fv.key.data = lk->target.b;
		fv.key.len = XM_ID_LEN;
		fv.offset = offset;
		m.body_case = DHT_MSG__BODY_FIND_VALUE;
		m.find_value = &fv;
	} else {
		fn.target.data = lk->target.b;
		fn.target.len = XM_ID_LEN;
		m.body_case = DHT_MSG__BODY_FIND_NODE;
		m.find_node = &fn;
	}
	err = send_msg(dht, &c->addr, &c->id, &m);
	if (err) {
		r->used = false;
		return err;
	}
	dht->st.requests++;
	lk->queried++;
	return 0;
}

/* STORE of one signed record; the reply is matched to @lk (NULL: nobody waits). */
static int send_record(struct dht *dht, const struct xm_addr *to, const struct xm_node_id *to_id,
		       const struct dht_service *rec, const uint8_t sig[XM_SIG_LEN],
		       struct lookup *lk, int ci)
{
	struct record_pb_buf rb;
	DhtMsg m = DHT_MSG__INIT;
	DhtStore st = DHT_STORE__INIT;
	struct request *r = request_new(dht, REQ_STORE, to, to_id);
	int err;

	if (!r)
		return -EBUSY;
	r->lk = lk;
	r->cand = ci;
	record_to_pb(&rb, rec, sig);
	st.record = &rb.rec;
	m.txid = r->txid;
	m.body_case = DHT_MSG__BODY_STORE;
	m.store = &st;
	err = send_msg(dht, to, to_id, &m);
	if (err) {
		r->used = false;
		return err;
	}
	dht->st.requests++;
	return 0;
}

static int send_store(struct dht *dht, struct lookup *lk, int ci)
{
	struct cand *c = &lk->cands[ci];

	return send_record(dht, &c->addr, &c->id, &lk->rec, lk->sig, lk, ci);
}

/* Are fewer than @k of our live contacts closer to @key than @id? */
static bool among_closest(const struct dht *dht, const struct xm_node_id *key,
			  const struct xm_node_id *id, unsigned int k)
{
	unsigned int closer = xm_node_id_closer(key, &dht->self, id);

	for (int i = 0; i < DHT_NBUCKETS; i++) {
		const struct bucket *b = dht->buckets[i];

		for (unsigned int j = 0; b && j < b->n; j++) {
			closer += b->c[j].fails < DHT_MAX_FAILS &&
				  xm_node_id_closer(key, &b->c[j].id, id);
			if (closer >= k)
				return false;
		}
	}
	return true;
}

/*
 * Kademlia's replication to newcomers: a node we have not known before
 * talked to us; hand it every record we hold whose key it is among the k
 * closest to (as far as we know), so records stay on the k closest nodes as
 * nodes join, without waiting for their owners' next republish.
 */
static void replicate_to(struct dht *dht, const struct xm_node_id *id, const struct xm_addr *addr)
{
	unsigned int sent = 0;

	for (size_t i = 0; i < dht->store.n && sent < DHT_REPLICATE_MAX; i++) {
		const struct stored_record *sr = &dht->store.r[i];

		if (!among_closest(dht, &sr->key, id, dht->cfg.k))
			continue;
		if (send_record(dht, addr, id, &sr->svc, sr->sig, NULL, -1))
			break;
		sent++;
		dht->st.replicated++;
	}
}

/* Publish: the search is over; STORE to the k closest nodes that answered. */
static void lookup_start_storing(struct dht *dht, struct lookup *lk)
{
	uint16_t idx[LOOKUP_CANDS_MAX];
	unsigned int n = cands_sorted(lk, -1, idx), sent = 0;

	lk->storing = true;
	for (unsigned int i = 0; i < n && sent < dht->cfg.k; i++) {
		struct cand *c = &lk->cands[idx[i]];

		if (c->state != C_REPLIED)
			continue;
		if (!send_store(dht, lk, idx[i])) {
			c->store_sent = true;
			lk->store_pending++;
		}
		sent++;
	}
	if (!lk->store_pending)
		lk->done = true;
}

/* Sends what each path may send; marks finished paths and lookups. */
static void lookup_step(struct dht *dht, struct lookup *lk)
{
	bool all_done = true;

	if (lk->done || lk->storing)
		return;
	for (unsigned int p = 0; p < dht->cfg.paths; p++) {
		uint16_t idx[LOOKUP_CANDS_MAX];
		unsigned int n, live = 0;
		bool waiting = false;

		if (lk->path_done[p])
			continue;
		n = cands_sorted(lk, (int)p, idx);
		/* Kademlia's end: the k closest live candidates have all answered. */
		for (unsigned int i = 0; i < n && live < dht->cfg.k; i++) {
			struct cand *c = &lk->cands[idx[i]];

			if (c->state == C_FAILED)
				continue;
			live++;
			if (c->state == C_INFLIGHT) {
				waiting = true;
			} else if (c->state == C_NEW && lk->inflight[p] < dht->cfg.alpha) {
				if (send_find(dht, lk, idx[i], 0)) {
					c->state = C_FAILED;
					live--;
					continue;
				}
				c->state = C_INFLIGHT;
				lk->inflight[p]++;
				waiting = true;
			} else if (c->state == C_NEW) {
				waiting = true;
			}
		}
		if (!waiting)
			lk->path_done[p] = true;
		else
			all_done = false;
	}
	if (!all_done)
		return;
	if (lk->kind == LK_PUBLISH)
		lookup_start_storing(dht, lk);
	else
		lk->done = true;
}

static struct lookup *lookup_new(struct dht *dht, enum lookup_kind kind,
				 const struct xm_node_id *target, dht_done_fn cb, void *arg)
{
	const struct contact *old[DHT_K_MAX], *recent[DHT_K_MAX];
	unsigned int nold, nrecent;
	struct lookup *lk;
	int bucket;

	if (dht->nlookups >= dht->cfg.max_lookups)
		return NULL;
	nold = table_closest_of(dht, target, old, dht->cfg.k, TABLE_BUCKETS);
	nrecent = table_closest_of(dht, target, recent, dht->cfg.k, TABLE_RESERVE);
	if (!nold && !nrecent)
		return NULL;
	lk = calloc(1, sizeof(*lk));
	if (!lk)
		return NULL;
	lk->kind = kind;
	lk->target = *target;
	lk->cb = cb;
	lk->arg = arg;
	lk->started = now_ms(dht);
	lk->hops = UINT32_MAX;
	/*
	 * S/Kademlia: deal the closest known nodes round-robin to the d paths;
	 * the k closest of the buckets (the oldest contacts) alternate with the
	 * k closest of the reserve (the most recent), so that nodes which came
	 * early and filled our buckets cannot be all that a path starts from.
	 */
	for (unsigned int i = 0, dealt = 0; i < nold || i < nrecent; i++) {
		if (i < nold)
			lookup_add(dht, lk, dealt++ % dht->cfg.paths, &old[i]->id, &old[i]->addr,
				   1);
		if (i < nrecent)
			lookup_add(dht, lk, dealt++ % dht->cfg.paths, &recent[i]->id,
				   &recent[i]->addr, 1);
	}
	bucket = xm_node_id_log2_distance(&dht->self, target);
	if (bucket >= 0)
		dht->refreshed[bucket] = lk->started;
	lk->next = dht->lookups;
	dht->lookups = lk;
	dht->nlookups++;
	dht->st.lookups_started++;
	lookup_step(dht, lk);
	return lk;
}

/* Forgets the lookup's requests still in flight; their replies are unsolicited. */
static void lookup_detach(struct dht *dht, struct lookup *lk)
{
	for (int i = 0; i < DHT_PENDING_MAX; i++)
		if (dht->pending[i].used && dht->pending[i].lk == lk)
			dht->pending[i].used = false;
}

static void lookup_finish(struct dht *dht, struct lookup *lk)
{
	struct dht_contact_info closest[DHT_K_MAX];
	struct dht_result res = { .target = lk->target, .queried = lk->queried,
				  .replied = lk->replied, .closest = closest,
				  .records = lk->records, .n_records = lk->nrecords,
				  .stored = lk->stored };
	uint16_t idx[LOOKUP_CANDS_MAX];
	unsigned int n = cands_sorted(lk, -1, idx);

	lookup_detach(dht, lk);
	for (unsigned int i = 0; i < n && res.n_closest < dht->cfg.k; i++) {
		const struct cand *c = &lk->cands[idx[i]];

		if (c->state != C_REPLIED)
			continue;
		if (res.n_closest == 0 && lk->kind != LK_VALUE)
			lk->hops = c->hop;
		closest[res.n_closest++] = (struct dht_contact_info){
			.id = c->id, .addr = c->addr,
			.bucket = xm_node_id_log2_distance(&dht->self, &c->id) };
	}
	if (!lk->replied)
		res.error = -EHOSTUNREACH;
	else if (lk->kind == LK_VALUE && !lk->nrecords)
		res.error = -ENOENT;
	res.hops = lk->hops == UINT32_MAX ? 0 : lk->hops;
	res.elapsed_ms = now_ms(dht) - lk->started;
	if (res.error)
		dht->st.lookups_failed++;
	else
		dht->st.lookups_ok++;
	if (lk->cb)
		lk->cb(lk->arg, &res);
}

/* --- handling requests --------------------------------------------------- */

static int reply_nodes(struct dht *dht, const struct xm_peer_ref *from, uint64_t txid,
		       const DhtFindNode *req)
{
	const struct contact *c[DHT_MSG_CONTACTS_MAX];
	DhtContact pb[DHT_MSG_CONTACTS_MAX];
	DhtContact *ptrs[DHT_MSG_CONTACTS_MAX];
	uint8_t ip[DHT_MSG_CONTACTS_MAX][16];
	DhtMsg m = DHT_MSG__INIT;
	DhtNodes nodes = DHT_NODES__INIT;
	struct xm_node_id target;

	if (req->target.len != XM_ID_LEN)
		return -EINVAL;
	memcpy(target.b, req->target.data, XM_ID_LEN);
	nodes.n_contacts = contacts_to_pb(c, table_closest(dht, &target, c, dht->cfg.k), pb, ptrs,
					  ip);
	nodes.contacts = ptrs;
	m.version = DHT_VERSION;
	m.txid = txid;
	m.body_case = DHT_MSG__BODY_NODES;
	m.nodes = &nodes;
	/* 20 IPv6 contacts fit; the bound is kept whatever the sizes. */
	while (nodes.n_contacts && dht_msg__get_packed_size(&m) > XM_MSG_BODY_MAX)
		nodes.n_contacts--;
	return send_msg(dht, &from->addr, &from->id, &m);
}

static int reply_value(struct dht *dht, const struct xm_peer_ref *from, uint64_t txid,
		       const DhtFindValue *req)
{
	struct record_pb_buf *rb;
	DhtRecord *recp[DHT_MSG_RECORDS_MAX];
	const struct contact *c[DHT_MSG_CONTACTS_MAX];
	DhtContact pb[DHT_MSG_CONTACTS_MAX];
	DhtContact *ptrs[DHT_MSG_CONTACTS_MAX];
	uint8_t ip[DHT_MSG_CONTACTS_MAX][16];
	DhtMsg m = DHT_MSG__INIT;
	DhtValue val = DHT_VALUE__INIT;
	struct xm_node_id key;
	/* send_msg() adds the version field: 2 bytes. */
	size_t skipped = 0, budget = XM_MSG_BODY_MAX - 2;
	ssize_t at = -1;

	if (req->key.len != XM_ID_LEN)
		return -EINVAL;
	memcpy(key.b, req->key.data, XM_ID_LEN);
	/* The request was unpacked into the arena; its free tail holds the reply. */
	rb = arena_alloc(dht, sizeof(*rb) * DHT_MSG_RECORDS_MAX);
	if (!rb)
		return -ENOMEM;
	m.txid = txid;
	m.body_case = DHT_MSG__BODY_VALUE;
	m.value = &val;
	val.records = recp;
	/* Records first, as many as fit; the rest is paged by offset. */
	while ((at = store_next(&dht->store, &key, (size_t)(at + 1))) >= 0) {
		const struct stored_record *sr = &dht->store.r[at];

		if (skipped < req->offset) {
			skipped++;
			continue;
		}
		if (val.n_records == DHT_MSG_RECORDS_MAX) {
			val.next_offset = req->offset + (uint32_t)val.n_records;
			break;
		}
		record_to_pb(&rb[val.n_records], &sr->svc, sr->sig);
		recp[val.n_records] = &rb[val.n_records].rec;
		val.n_records++;
		if (dht_msg__get_packed_size(&m) > budget) {
			val.n_records--;
			val.next_offset = req->offset + (uint32_t)val.n_records;
			break;
		}
	}
	/* First page: closer nodes too, in the room left (other providers may be there). */
	if (req->offset == 0) {
		val.contacts = ptrs;
		val.n_contacts = contacts_to_pb(c, table_closest(dht, &key, c, dht->cfg.k), pb,
						ptrs, ip);
		while (val.n_contacts && dht_msg__get_packed_size(&m) > budget)
			val.n_contacts--;
	}
	return send_msg(dht, &from->addr, &from->id, &m);
}

static struct record_policy record_policy(const struct dht *dht)
{
	return (struct record_policy){ .env = dht->env, .puzzle_bits = dht->cfg.puzzle_bits,
				       .now_wall_ms = wall_ms(dht),
				       .max_ttl_ms = dht->cfg.max_ttl_ms,
				       .clock_skew_ms = dht->cfg.clock_skew_ms };
}

/* Counts a refused record; returns the error. */
static int count_record_error(struct dht *dht, int err)
{
	switch (err) {
	case -EINVAL:
		dht->st.drop_malformed++;
		break;
	case -EKEYREJECTED:
		dht->st.record_bad_sig++;
		break;
	case -ETIME:
		dht->st.record_expired++;
		break;
	case -EALREADY:
		dht->st.record_stale++;
		break;
	default:
		dht->st.record_full++;
		break;
	}
	return err;
}

static int handle_store(struct dht *dht, const struct xm_peer_ref *from, uint64_t txid,
			const DhtStore *req)
{
	struct record_policy pol = record_policy(dht);
	DhtMsg m = DHT_MSG__INIT;
	DhtStoreAck ack = DHT_STORE_ACK__INIT;
	struct dht_service s;
	uint8_t sig[XM_SIG_LEN];
	int err;

	if (!req->record)
		return count_record_error(dht, -EINVAL);
	err = record_from_pb(&s, sig, req->record, &pol);
	if (!err)
		err = store_put(&dht->store, &s, sig);
	if (err == -EALREADY) /* we hold this one or a newer one: not a failure */
		ack.error = 0;
	else
		ack.error = -err;
	m.txid = txid;
	m.body_case = DHT_MSG__BODY_STORE_ACK;
	m.store_ack = &ack;
	send_msg(dht, &from->addr, &from->id, &m);
	return err ? count_record_error(dht, err) : 0;
}

/* --- handling replies ---------------------------------------------------- */

/*
 * Adds the contacts of a reply to the path that asked. A contact of the
 * wrong shape makes the whole message malformed; a contact whose id fails
 * the puzzle is skipped and counted.
 */
static int take_contacts(struct dht *dht, struct lookup *lk, const struct cand *from,
			 DhtContact *const *contacts, size_t n)
{
	if (n > DHT_MSG_CONTACTS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct xm_node_id id;
		struct xm_addr addr;

		if (!contacts[i] || contacts[i]->id.len != XM_ID_LEN ||
		    addr_from_pb(&addr, &contacts[i]->ip, contacts[i]->port))
			return -EINVAL;
		memcpy(id.b, contacts[i]->id.data, XM_ID_LEN);
		if (!xm_node_id_puzzle_ok(&id, dht->cfg.puzzle_bits)) {
			dht->st.drop_puzzle++;
			continue;
		}
		if (lk && !lk->done && !lk->storing)
			lookup_add(dht, lk, from->path, &id, &addr, from->hop + 1u);
	}
	return 0;
}

/* Keeps one record per owner, the newest. */
static void lookup_take_record(struct lookup *lk, const struct dht_service *s)
{
	for (unsigned int i = 0; i < lk->nrecords; i++) {
		if (xm_node_id_cmp(&lk->records[i].owner, &s->owner))
			continue;
		if (s->issued_ms > lk->records[i].issued_ms)
			lk->records[i] = *s;
		return;
	}
	if (lk->nrecords < DHT_LOOKUP_RECORDS_MAX)
		lk->records[lk->nrecords++] = *s;
}

/* Checks a record's signature once per lookup, however many holders send it. */
static bool lookup_verified(struct lookup *lk, const struct dht_service *s,
			    const uint8_t sig[XM_SIG_LEN], const struct xm_env *env)
{
	uint8_t digest[RECORD_DIGEST_LEN];

	record_digest(s, sig, digest);
	for (unsigned int i = 0; i < lk->nverified; i++)
		if (!memcmp(lk->verified[i], digest, RECORD_DIGEST_LEN))
			return true;
	if (!record_sig_ok(env, s, sig))
		return false;
	if (lk->nverified < DHT_LOOKUP_RECORDS_MAX)
		memcpy(lk->verified[lk->nverified++], digest, RECORD_DIGEST_LEN);
	return true;
}

static int handle_value(struct dht *dht, struct request *r, const DhtValue *v)
{
	struct lookup *lk = r->lk;
	struct cand *c = &lk->cands[r->cand];
	struct record_policy pol = record_policy(dht);
	unsigned int valid = 0;
	int err = 0;

	if (v->n_records > DHT_MSG_RECORDS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < v->n_records; i++) {
		struct dht_service s;
		struct xm_node_id key;
		uint8_t sig[XM_SIG_LEN];
		int e;

		if (!v->records[i])
			return -EINVAL;
		e = record_parse(&s, sig, v->records[i], &pol);
		if (!e) {
			dht_service_key(&key, s.name);
			if (xm_node_id_cmp(&key, &lk->target))
				e = -EINVAL; /* a record for another name */
		}
		if (!e && !lookup_verified(lk, &s, sig, pol.env))
			e = -EKEYREJECTED;
		if (e) {
			err = count_record_error(dht, e);
			continue;
		}
		lookup_take_record(lk, &s);
		valid++;
	}
	if (valid && c->hop < lk->hops)
		lk->hops = c->hop;
	if (take_contacts(dht, lk, c, v->contacts, v->n_contacts))
		return -EINVAL;
	/* More providers on this node: ask for the next page, bounded. */
	if (valid && v->next_offset > r->offset &&
	    v->next_offset < dht->cfg.max_providers_per_key &&
	    !send_find(dht, lk, r->cand, v->next_offset))
		return err;
	c->state = C_REPLIED;
	lk->inflight[c->path]--;
	if (valid)
		lk->path_done[c->path] = true; /* this path found the value */
	return err;
}

static int handle_reply(struct dht *dht, struct request *r, const DhtMsg *m)
{
	struct lookup *lk = r->lk;
	struct cand *c = lk ? &lk->cands[r->cand] : NULL;
	int err = 0;

	dht->st.replies++;
	switch (r->type) {
	case REQ_PING:
		if (m->body_case != DHT_MSG__BODY_PONG)
			return -EINVAL;
		if (!r->id_known)
			dht->need_self_lookup = true; /* a seed answered */
		return 0;
	case REQ_FIND_NODE:
		if (m->body_case != DHT_MSG__BODY_NODES)
			return -EINVAL;
		lk->replied++;
		err = take_contacts(dht, lk, c, m->nodes->contacts, m->nodes->n_contacts);
		c->state = C_REPLIED;
		lk->inflight[c->path]--;
		break;
	case REQ_FIND_VALUE:
		if (m->body_case != DHT_MSG__BODY_VALUE)
			return -EINVAL;
		lk->replied++;
		err = handle_value(dht, r, m->value);
		break;
	case REQ_STORE:
		if (m->body_case != DHT_MSG__BODY_STORE_ACK)
			return -EINVAL;
		if (!lk) /* replication to a newcomer: nobody waits */
			return 0;
		lk->store_pending--;
		if (m->store_ack->error == 0)
			lk->stored++;
		if (!lk->store_pending)
			lk->done = true;
		return 0;
	}
	lookup_step(dht, lk);
	return err;
}

/* The request timed out: mark the node as failing and move on. */
static void request_expired(struct dht *dht, struct request *r)
{
	struct lookup *lk = r->lk;

	dht->st.timeouts++;
	if (r->id_known)
		table_failed(dht, &r->to_id);
	if (!lk)
		return;
	if (r->type == REQ_STORE) {
		if (!--lk->store_pending)
			lk->done = true;
		return;
	}
	lk->cands[r->cand].state = C_FAILED;
	lk->inflight[lk->cands[r->cand].path]--;
	lookup_step(dht, lk);
}

int dht_receive(struct dht *dht, const struct xm_peer_ref *from, const uint8_t *body, size_t len)
{
	ProtobufCAllocator alloc = { .alloc = arena_alloc, .free = arena_free, .allocator_data = dht };
	struct request *r, req;
	bool valid = from->validated;
	DhtMsg *m;
	int err = 0;

	dht->st.rx++;
	if (len > XM_MSG_BODY_MAX) {
		dht->st.drop_malformed++;
		return -EMSGSIZE;
	}
	if (!xm_node_id_cmp(&from->id, &dht->self)) {
		dht->st.drop_unsolicited++;
		return -EINVAL;
	}
	if (!xm_node_id_puzzle_ok(&from->id, dht->cfg.puzzle_bits)) {
		dht->st.drop_puzzle++;
		return -EACCES;
	}
	dht->arena_used = 0;
	m = dht_msg__unpack(&alloc, len, body);
	if (!m || m->version != DHT_VERSION) {
		dht->st.drop_malformed++;
		return -EBADMSG;
	}
	if (!from->addressed && m->body_case != DHT_MSG__BODY_PING) {
		dht->st.drop_unaddressed++;
		return -EDESTADDRREQ;
	}
	switch (m->body_case) {
	case DHT_MSG__BODY_PING: {
		DhtMsg reply = DHT_MSG__INIT;
		DhtPong pong = DHT_PONG__INIT;

		table_seen(dht, &from->id, &from->addr, valid);
		reply.txid = m->txid;
		reply.body_case = DHT_MSG__BODY_PONG;
		reply.pong = &pong;
		send_msg(dht, &from->addr, &from->id, &reply);
		return valid ? 0 : DHT_RX_UNVALIDATED;
	}
	case DHT_MSG__BODY_FIND_NODE:
		err = reply_nodes(dht, from, m->txid, m->find_node);
		break;
	case DHT_MSG__BODY_FIND_VALUE:
		err = reply_value(dht, from, m->txid, m->find_value);
		break;
	case DHT_MSG__BODY_STORE:
		table_seen(dht, &from->id, &from->addr, valid);
		err = handle_store(dht, from, m->txid, m->store);
		return err ? err : valid ? 0 : DHT_RX_UNVALIDATED;
	case DHT_MSG__BODY_PONG:
	case DHT_MSG__BODY_NODES:
	case DHT_MSG__BODY_VALUE:
	case DHT_MSG__BODY_STORE_ACK:
		r = request_find(dht, m->txid);
		if (!r || (r->id_known && xm_node_id_cmp(&r->to_id, &from->id))) {
			dht->st.drop_unsolicited++;
			return -ENOENT;
		}
		/* Its slot is free from now on: what follows may send and reuse it. */
		req = *r;
		r->used = false;
		/* It answered what we sent to this address: it receives there. */
		valid = valid || xm_addr_equal(&req.to, &from->addr);
		table_seen(dht, &from->id, &from->addr, valid);
		err = handle_reply(dht, &req, m);
		break;
	default:
		dht->st.drop_malformed++;
		return -EBADMSG;
	}
	if (err == -EINVAL) {
		dht->st.drop_malformed++;
		return -EBADMSG;
	}
	if (!err && (m->body_case == DHT_MSG__BODY_FIND_NODE ||
		     m->body_case == DHT_MSG__BODY_FIND_VALUE))
		table_seen(dht, &from->id, &from->addr, valid);
	return err ? err : valid ? 0 : DHT_RX_UNVALIDATED;
}

/* --- periodic work -------------------------------------------------------- */

static int start_publish(struct dht *dht, struct published *p, dht_done_fn cb, void *arg)
{
	uint64_t wall = wall_ms(dht);
	struct xm_node_id key;
	struct lookup *lk;

	/* Each version must be newer than the last, even within one ms. */
	p->svc.issued_ms = wall > p->svc.issued_ms ? wall : p->svc.issued_ms + 1;
	p->svc.expires_ms = p->svc.issued_ms + dht->cfg.record_ttl_ms;
	p->next_republish = now_ms(dht) + dht->cfg.republish_ms;
	dht_service_key(&key, p->svc.name);
	lk = lookup_new(dht, LK_PUBLISH, &key, cb, arg);
	if (!lk)
		return -EAGAIN;
	lk->rec = p->svc;
	record_sign(dht->env, &lk->rec, lk->sig);
	/* The owner always serves its own record too. */
	store_put(&dht->store, &lk->rec, lk->sig);
	return 0;
}

/* A random id in bucket @i's range: our bits above i, bit i flipped, random below. */
static void random_id_in_bucket(struct dht *dht, int i, struct xm_node_id *id)
{
	int byte = XM_ID_LEN - 1 - i / 8;
	uint8_t bit = (uint8_t)(1u << (i % 8));
	uint8_t low = (uint8_t)(bit - 1);
	struct xm_node_id r;

	dht->env->random(dht->env->ctx, r.b, sizeof(r.b));
	*id = dht->self;
	id->b[byte] = (uint8_t)(((dht->self.b[byte] ^ bit) & ~low) | (r.b[byte] & low));
	for (int j = byte + 1; j < XM_ID_LEN; j++)
		id->b[j] = r.b[j];
}

static void housekeeping(struct dht *dht, uint64_t now)
{
	int lowest = -1;

	store_expire(&dht->store, wall_ms(dht));
	/* Alone, or every contact presumed dead: start over from the seeds. */
	if (dht->nseeds && !table_live(dht) && now >= dht->next_bootstrap) {
		for (unsigned int i = 0; i < dht->nseeds; i++)
			send_ping(dht, &dht->seeds[i], NULL);
		dht->next_bootstrap = now + dht->cfg.bootstrap_retry_ms;
	}
	for (int i = 0; i < DHT_PUBLISHED_MAX; i++) {
		struct published *p = &dht->published[i];

		if (p->used && now >= p->next_republish && start_publish(dht, p, NULL, NULL))
			p->next_republish = now + HOUSEKEEPING_MS; /* retry soon */
	}
	/* Refresh idle buckets from the nearest non-empty one outwards; one a round. */
	for (int i = 0; i < DHT_NBUCKETS && lowest < 0; i++)
		if (dht->buckets[i] && dht->buckets[i]->n)
			lowest = i;
	/*
	 * After joining, every bucket from there outwards, idle or not: the
	 * self lookup only met our neighbours, and nodes that greeted us
	 * unasked may be all we know of the far ranges.
	 */
	if (dht->join_refresh >= 0) {
		int i = lowest > dht->join_refresh ? lowest : dht->join_refresh;

		dht->join_refresh = i + 1 < DHT_NBUCKETS && lowest >= 0 ? i + 1 : -1;
		if (lowest >= 0) {
			struct xm_node_id target;

			random_id_in_bucket(dht, i, &target);
			dht->refreshed[i] = now;
			lookup_new(dht, LK_REFRESH, &target, NULL, NULL);
		}
		return;
	}
	for (int i = lowest < 0 ? DHT_NBUCKETS : lowest; i < DHT_NBUCKETS; i++) {
		struct xm_node_id target;

		if (now - dht->refreshed[i] < dht->cfg.refresh_ms)
			continue;
		random_id_in_bucket(dht, i, &target);
		dht->refreshed[i] = now; /* also when the lookup could not start */
		lookup_new(dht, LK_REFRESH, &target, NULL, NULL);
		break;
	}
}

uint64_t dht_tick(struct dht *dht)
{
	uint64_t now = now_ms(dht), next;
	struct lookup **pp;

	for (int i = 0; i < DHT_PENDING_MAX; i++) {
		struct request *r = &dht->pending[i];

		if (r->used && now >= r->deadline) {
			struct request expired = *r;

			r->used = false;
			request_expired(dht, &expired);
		}
	}
	if (dht->need_self_lookup && lookup_new(dht, LK_REFRESH, &dht->self, NULL, NULL)) {
		dht->need_self_lookup = false;
		dht->join_refresh = 0; /* Kademlia's join: then refresh every bucket */
	}
	if (now >= dht->next_housekeeping) {
		housekeeping(dht, now);
		dht->next_housekeeping = now + HOUSEKEEPING_MS;
	}
	/* Completions last, so callbacks see a consistent DHT and may call in. */
	pp = &dht->lookups;
	while (*pp) {
		struct lookup *lk = *pp;

		if (!lk->done) {
			pp = &lk->next;
			continue;
		}
		*pp = lk->next;
		dht->nlookups--;
		lookup_finish(dht, lk);
		free(lk);
	}
	next = dht->next_housekeeping;
	for (int i = 0; i < DHT_PENDING_MAX; i++)
		if (dht->pending[i].used && dht->pending[i].deadline < next)
			next = dht->pending[i].deadline;
	now = now_ms(dht);
	return next > now ? next - now : 0;
}

/* --- API ---------------------------------------------------------------- */

struct dht *dht_new(const struct dht_config *cfg, const struct xm_env *env,
		    const uint8_t self_pk[XM_PUBKEY_LEN], const struct xm_addr *self_addr)
{
	struct dht *dht;

	if (!cfg->k || cfg->k > DHT_K_MAX || !cfg->alpha || !cfg->paths ||
	    cfg->paths > DHT_PATHS_MAX || !cfg->request_timeout_ms || !cfg->record_ttl_ms ||
	    cfg->record_ttl_ms > cfg->max_ttl_ms || !cfg->republish_ms ||
	    !cfg->max_records || !cfg->max_lookups)
		return NULL;
	dht = calloc(1, sizeof(*dht));
	if (!dht)
		return NULL;
	dht->cfg = *cfg;
	dht->env = env;
	memcpy(dht->self_pk, self_pk, XM_PUBKEY_LEN);
	xm_node_id_from_pubkey(&dht->self, self_pk);
	dht->self_addr = *self_addr;
	dht->store.max_total = cfg->max_records;
	dht->store.max_per_owner = cfg->max_records_per_owner;
	dht->store.max_per_key = cfg->max_providers_per_key;
	dht->next_housekeeping = now_ms(dht);
	dht->join_refresh = -1;
	for (int i = 0; i < DHT_NBUCKETS; i++)
		dht->refreshed[i] = dht->next_housekeeping;
	return dht;
}

void dht_free(struct dht *dht)
{
	if (!dht)
		return;
	while (dht->lookups) {
		struct lookup *lk = dht->lookups;

		dht->lookups = lk->next;
		free(lk);
	}
	for (int i = 0; i < DHT_NBUCKETS; i++)
		free(dht->buckets[i]);
	store_free(&dht->store);
	free(dht);
}

int dht_bootstrap(struct dht *dht, const struct xm_addr *seeds, size_t n)
{
	dht->nseeds = 0;
	for (size_t i = 0; i < n && dht->nseeds < DHT_SEEDS_MAX; i++)
		if (!xm_addr_equal(&seeds[i], &dht->self_addr))
			dht->seeds[dht->nseeds++] = seeds[i];
	dht->next_bootstrap = now_ms(dht);
	dht->next_housekeeping = now_ms(dht);
	return n > DHT_SEEDS_MAX ? -E2BIG : 0;
}

int dht_lookup_node(struct dht *dht, const struct xm_node_id *target, dht_done_fn cb, void *arg)
{
	if (!table_live(dht))
		return -ENETUNREACH;
	return lookup_new(dht, LK_NODE, target, cb, arg) ? 0 : -EAGAIN;
}

int dht_find_value(struct dht *dht, const char *name, dht_done_fn cb, void *arg)
{
	struct xm_node_id key;

	if (!service_name_ok(name))
		return -EINVAL;
	if (!table_live(dht))
		return -ENETUNREACH;
	dht_service_key(&key, name);
	return lookup_new(dht, LK_VALUE, &key, cb, arg) ? 0 : -EAGAIN;
}

int dht_publish(struct dht *dht, const struct dht_service *svc, dht_done_fn cb, void *arg)
{
	struct published *p = NULL;
	uint64_t last_issued;

	if (!service_name_ok(svc->name) || svc->n_endpoints > DHT_ENDPOINTS_MAX ||
	    svc->metadata_len > DHT_METADATA_MAX)
		return -EINVAL;
	if (!table_live(dht))
		return -ENETUNREACH;
	for (int i = 0; i < DHT_PUBLISHED_MAX && !p; i++)
		if (dht->published[i].used && !strcmp(dht->published[i].svc.name, svc->name))
			p = &dht->published[i];
	for (int i = 0; i < DHT_PUBLISHED_MAX && !p; i++)
		if (!dht->published[i].used)
			p = &dht->published[i];
	if (!p)
		return -ENOSPC;
	last_issued = p->used ? p->svc.issued_ms : 0;
	p->used = true;
	p->svc = *svc;
	p->svc.owner = dht->self;
	memcpy(p->svc.owner_pk, dht->self_pk, XM_PUBKEY_LEN);
	p->svc.issued_ms = last_issued;
	return start_publish(dht, p, cb, arg);
}

int dht_unpublish(struct dht *dht, const char *name)
{
	for (int i = 0; i < DHT_PUBLISHED_MAX; i++) {
		if (dht->published[i].used && !strcmp(dht->published[i].svc.name, name)) {
			dht->published[i].used = false;
			return 0;
		}
	}
	return -ENOENT;
}

int dht_foreach_contact(const struct dht *dht,
			int (*fn)(void *arg, const struct dht_contact_info *c), void *arg)
{
	for (int i = 0; i < DHT_NBUCKETS; i++) {
		const struct bucket *b = dht->buckets[i];

		for (unsigned int j = 0; b && j < b->n; j++) {
			struct dht_contact_info ci = { .id = b->c[j].id, .addr = b->c[j].addr,
						       .last_seen_ms = b->c[j].last_seen,
						       .fails = b->c[j].fails, .bucket = i };
			int err = fn(arg, &ci);

			if (err)
				return err;
		}
	}
	return 0;
}

int dht_foreach_record(const struct dht *dht, int (*fn)(void *arg, const struct dht_service *s),
		       void *arg)
{
	for (size_t i = 0; i < dht->store.n; i++) {
		int err = fn(arg, &dht->store.r[i].svc);

		if (err)
			return err;
	}
	return 0;
}

void dht_get_stats(const struct dht *dht, struct dht_stats *st)
{
	*st = dht->st;
	st->contacts = table_size(dht);
	st->records = (uint32_t)dht->store.n;
}
