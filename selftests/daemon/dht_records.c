// SPDX-License-Identifier: GPL-2.0
/*
 * The DHT's gatekeeping, message by message: which service records a node
 * accepts (signed by their owner, unexpired, owner id meeting the puzzle),
 * its storage bounds, paging of many providers, and the drop counters for
 * malformed input. Bodies are built here and handed to dht_receive() as the
 * daemon would after checking the envelope. Prints TAP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dht.h"
#include "dht.pb-c.h"
#include "dht_record.h"
#include "netsim.h"
#include "tap.h"

#define PUZZLE_BITS 4
#define OWNERS 16


static struct netsim *sim;

static struct xm_peer_ref peer(int i)
{
	struct xm_peer_ref r = { .id = *netsim_node_id(sim, i), .addr = *netsim_node_addr(sim, i),
				 .addressed = true, .validated = true };

	memcpy(r.pk, netsim_node_pk(sim, i), XM_PUBKEY_LEN);
	return r;
}

static struct dht_service svc_of(int owner, const char *name, int64_t issued_delta, uint64_t ttl)
{
	struct dht_service s = { .n_endpoints = 1, .metadata_len = 3 };

	snprintf(s.name, sizeof(s.name), "%s", name);
	memcpy(s.owner_pk, netsim_node_pk(sim, owner), XM_PUBKEY_LEN);
	xm_node_id_from_pubkey(&s.owner, s.owner_pk);
	s.endpoints[0] = *netsim_node_addr(sim, owner);
	memcpy(s.metadata, "v=1", 3);
	s.issued_ms = (uint64_t)((int64_t)netsim_now(sim) + issued_delta);
	s.expires_ms = s.issued_ms + ttl;
	return s;
}

enum mangle { M_NONE, M_UNSIGNED, M_TAMPER };

/* Sends a STORE of @s signed by @signer from @from to @d; dht_receive()'s result. */
static int store(struct dht *d, int from, const struct dht_service *s, int signer, enum mangle how)
{
	struct record_pb_buf rb;
	uint8_t sig[XM_SIG_LEN], buf[XM_MSG_BODY_MAX];
	DhtMsg m = DHT_MSG__INIT;
	DhtStore st = DHT_STORE__INIT;
	struct xm_peer_ref ref = peer(from);
	uint8_t meta = 'X';

	record_sign(netsim_env(sim, signer), s, sig);
	record_to_pb(&rb, s, sig);
	if (how == M_UNSIGNED)
		rb.rec.sig.len = 0;
	if (how == M_TAMPER) {
		rb.rec.metadata.data = &meta;
		rb.rec.metadata.len = 1;
	}
	st.record = &rb.rec;
	m.version = 1;
	m.txid = 42;
	m.body_case = DHT_MSG__BODY_STORE;
	m.store = &st;
	return dht_receive(d, &ref, buf, dht_msg__pack(&m, buf));
}

static uint32_t nrecords(struct dht *d)
{
	struct dht_stats st;

	dht_get_stats(d, &st);
	return st.records;
}

static struct dht *new_dht(int node, const struct dht_config *cfg)
{
	struct dht *d = dht_new(cfg, netsim_env(sim, node), netsim_node_pk(sim, node),
				netsim_node_addr(sim, node));

	if (!d)
		exit(2);
	return d;
}

static void test_acceptance(void)
{
	struct dht_config cfg;
	struct dht *d;
	struct dht_stats st;
	struct dht_service s;
	int err;

	dht_config_default(&cfg);
	cfg.puzzle_bits = PUZZLE_BITS;
	d = new_dht(0, &cfg);

	s = svc_of(1, "api.example", 0, 60000);
	err = store(d, 1, &s, 1, M_NONE);
	tap(err == 0 && nrecords(d) == 1, "a record signed by its owner is stored (%d)", err);

	s = svc_of(2, "api.example", 0, 60000);
	err = store(d, 2, &s, 2, M_UNSIGNED);
	tap(err == -EKEYREJECTED && nrecords(d) == 1, "an unsigned record is refused (%d)", err);
	err = store(d, 3, &s, 3, M_NONE);
	tap(err == -EKEYREJECTED && nrecords(d) == 1,
	    "a record signed by another key than its owner's is refused (%d)", err);
	err = store(d, 2, &s, 2, M_TAMPER);
	tap(err == -EKEYREJECTED && nrecords(d) == 1,
	    "a record altered after signing is refused (%d)", err);

	s = svc_of(2, "api.example", -120000, 60000);
	err = store(d, 2, &s, 2, M_NONE);
	tap(err == -ETIME && nrecords(d) == 1, "an expired record is refused (%d)", err);
	s = svc_of(2, "api.example", (int64_t)cfg.clock_skew_ms + 1000, 60000);
	err = store(d, 2, &s, 2, M_NONE);
	tap(err == -ETIME && nrecords(d) == 1, "a record issued in the future is refused (%d)", err);
	s = svc_of(2, "api.example", 0, (uint64_t)cfg.max_ttl_ms + 1);
	err = store(d, 2, &s, 2, M_NONE);
	tap(err == -ETIME && nrecords(d) == 1, "a record living longer than max_ttl is refused (%d)",
	    err);

	/* Same owner and name: only a newer version replaces. */
	s = svc_of(1, "api.example", -1000, 60000);
	err = store(d, 1, &s, 1, M_NONE);
	tap(err == -EALREADY && nrecords(d) == 1, "an older version of a stored record is refused (%d)",
	    err);
	s = svc_of(1, "api.example", 1000, 60000);
	err = store(d, 1, &s, 1, M_NONE);
	tap(err == 0 && nrecords(d) == 1, "a newer version replaces the stored one (%d)", err);

	dht_get_stats(d, &st);
	tap(st.record_bad_sig == 3 && st.record_expired == 3 && st.record_stale == 1,
	    "refusals are counted by reason (bad_sig %llu expired %llu stale %llu)",
	    (unsigned long long)st.record_bad_sig, (unsigned long long)st.record_expired,
	    (unsigned long long)st.record_stale);
	dht_free(d);
}

/* An owner whose id does not meet the puzzle: a key pair made here. */
struct cheap_owner {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
};

static void cheap_sign(void *ctx, uint8_t sig[XM_SIG_LEN], const uint8_t *msg, size_t len)
{
	crypto_sign_detached(sig, NULL, msg, len, ((struct cheap_owner *)ctx)->sk);
}

static void test_puzzle(void)
{
	struct dht_config cfg;
	struct dht *d;
	struct cheap_owner o;
	struct xm_node_id id;
	struct xm_env env = *netsim_env(sim, 0);
	struct record_pb_buf rb;
	struct dht_service s = svc_of(1, "cheap.example", 0, 60000), parsed;
	uint8_t sig[XM_SIG_LEN], buf[XM_MSG_BODY_MAX];
	struct record_policy pol;
	int err, e2;

	dht_config_default(&cfg);
	cfg.puzzle_bits = PUZZLE_BITS;
	d = new_dht(0, &cfg);
	do {
		crypto_sign_keypair(o.pk, o.sk);
		xm_node_id_from_pubkey(&id, o.pk);
	} while (xm_node_id_puzzle_ok(&id, PUZZLE_BITS));
	memcpy(s.owner_pk, o.pk, XM_PUBKEY_LEN);
	env.ctx = &o;
	env.sign = cheap_sign;
	record_sign(&env, &s, sig);
	record_to_pb(&rb, &s, sig);
	pol = (struct record_policy){ .env = netsim_env(sim, 0), .puzzle_bits = PUZZLE_BITS,
				      .now_wall_ms = netsim_now(sim), .max_ttl_ms = cfg.max_ttl_ms,
				      .clock_skew_ms = cfg.clock_skew_ms };
	err = record_from_pb(&parsed, sig, &rb.rec, &pol);
	pol.puzzle_bits = 0;
	e2 = record_from_pb(&parsed, sig, &rb.rec, &pol);
	tap(err == -EKEYREJECTED && e2 == 0,
	    "a correctly signed record whose owner id fails the puzzle is refused (%d, %d without puzzle)",
	    err, e2);

	/* A sender whose own id fails the puzzle is not heard at all. */
	{
		struct xm_peer_ref ref = peer(1);
		DhtMsg m = DHT_MSG__INIT;
		DhtPing ping = DHT_PING__INIT;
		size_t len;

		ref.id = id;
		m.version = 1;
		m.body_case = DHT_MSG__BODY_PING;
		m.ping = &ping;
		len = dht_msg__pack(&m, buf);
		err = dht_receive(d, &ref, buf, len);
		tap(err == -EACCES, "a message from an id failing the puzzle is dropped (%d)", err);
	}
	dht_free(d);
}

static void test_bounds(void)
{
	struct dht_config cfg;
	struct dht *d;
	char name[32];
	int ok = 0, full = 0;

	dht_config_default(&cfg);
	cfg.puzzle_bits = PUZZLE_BITS;
	cfg.max_records = 20;
	cfg.max_records_per_owner = 8;
	cfg.max_providers_per_key = 3;
	d = new_dht(0, &cfg);

	for (int i = 0; i < 12; i++) {
		struct dht_service s;

		snprintf(name, sizeof(name), "n%d.example", i);
		s = svc_of(1, name, 0, 60000);
		store(d, 1, &s, 1, M_NONE) ? full++ : ok++;
	}
	tap(ok == 8 && full == 4 && nrecords(d) == 8,
	    "one owner holds at most max_records_per_owner records (%d stored, %d refused)", ok, full);

	ok = full = 0;
	for (int o = 2; o < 8; o++) {
		struct dht_service s = svc_of(o, "popular.example", 0, 60000);

		store(d, o, &s, o, M_NONE) ? full++ : ok++;
	}
	tap(ok == 3 && full == 3, "one name holds at most max_providers_per_key providers (%d, %d)",
	    ok, full);

	ok = full = 0;
	for (int o = 2; o < OWNERS; o++) {
		struct dht_service s;

		snprintf(name, sizeof(name), "x%d.example", o);
		s = svc_of(o, name, 0, 60000);
		store(d, o, &s, o, M_NONE) ? full++ : ok++;
	}
	tap(nrecords(d) == 20 && ok == 9 && full == 5,
	    "the store never holds more than max_records (%u held, %d refused)", nrecords(d), full);
	netsim_run_for(sim, 61000);
	dht_tick(d);
	tap(nrecords(d) == 0, "records are dropped when they expire (%u left)", nrecords(d));
	dht_free(d);
}

static void test_malformed(void)
{
	struct dht_config cfg;
	struct dht *d;
	struct xm_peer_ref ref = peer(1);
	uint8_t buf[XM_MSG_BODY_MAX + 1];
	DhtMsg m = DHT_MSG__INIT;
	DhtFindNode fn = DHT_FIND_NODE__INIT;
	DhtNodes nodes = DHT_NODES__INIT;
	struct dht_stats st;
	int e[6];

	dht_config_default(&cfg);
	cfg.puzzle_bits = PUZZLE_BITS;
	d = new_dht(0, &cfg);
	memset(buf, 0xff, sizeof(buf));
	e[0] = dht_receive(d, &ref, buf, 64);                 /* garbage */
	e[1] = dht_receive(d, &ref, buf, XM_MSG_BODY_MAX + 1); /* oversized */
	m.version = 2;
	m.body_case = DHT_MSG__BODY_FIND_NODE;
	fn.target.data = buf;
	fn.target.len = XM_ID_LEN;
	m.find_node = &fn;
	e[2] = dht_receive(d, &ref, buf + 100, dht_msg__pack(&m, buf + 100)); /* version */
	m.version = 1;
	fn.target.len = XM_ID_LEN - 1;
	e[3] = dht_receive(d, &ref, buf + 100, dht_msg__pack(&m, buf + 100)); /* short id */
	m.body_case = DHT_MSG__BODY_NODES;
	m.nodes = &nodes;
	m.txid = 7;
	e[4] = dht_receive(d, &ref, buf + 100, dht_msg__pack(&m, buf + 100)); /* unsolicited */
	e[5] = dht_receive(d, &ref, buf, 0);                   /* empty: no body */
	dht_get_stats(d, &st);
	tap(e[0] == -EBADMSG && e[1] == -EMSGSIZE && e[2] == -EBADMSG && e[3] == -EBADMSG &&
		    e[4] == -ENOENT && e[5] == -EBADMSG && st.drop_malformed == 5 &&
		    st.drop_unsolicited == 1 && st.contacts == 0,
	    "malformed, oversized, wrong-version and unsolicited bodies are dropped and counted (%d %d %d %d %d %d)",
	    e[0], e[1], e[2], e[3], e[4], e[5]);
	dht_free(d);
}

struct found {
	bool done;
	int error;
	unsigned int n;
};

static void on_found(void *arg, const struct dht_result *res)
{
	struct found *f = arg;

	f->done = true;
	f->error = res->error;
	f->n = res->n_records;
}

static bool found_done(void *arg)
{
	return ((struct found *)arg)->done;
}

static void deliver(void *ctx, const struct xm_peer_ref *from, enum xm_msg_kind kind,
		    const uint8_t *body, size_t len)
{
	if (kind == XM_MSG_DHT)
		dht_receive(ctx, from, body, len);
}

static uint64_t tick(void *ctx)
{
	return dht_tick(ctx);
}

static const struct netsim_handler handler = { .deliver = deliver, .tick = tick };

/* Many providers of one name: the asker pages through all of them. */
static void test_paging(void)
{
	struct dht_config cfg;
	struct dht *holder, *asker;
	struct found f = { 0 };
	int stored = 0, err;

	dht_config_default(&cfg);
	cfg.puzzle_bits = PUZZLE_BITS;
	holder = new_dht(0, &cfg);
	asker = new_dht(OWNERS + 1, &cfg);
	netsim_set_handler(sim, 0, &handler, holder);
	netsim_set_handler(sim, OWNERS + 1, &handler, asker);
	for (int o = 1; o <= OWNERS; o++) {
		struct dht_service s = svc_of(o, "many.example", 0, 600000);

		s.metadata_len = DHT_METADATA_MAX; /* large records: few per page */
		stored += !store(holder, o, &s, o, M_NONE);
	}
	dht_bootstrap(asker, netsim_node_addr(sim, 0), 1);
	netsim_run_for(sim, 2000);
	err = dht_find_value(asker, "many.example", on_found, &f);
	netsim_poke(sim, OWNERS + 1);
	netsim_run_until(sim, found_done, &f, 30000);
	tap(!err && f.done && f.error == 0 && stored == OWNERS && f.n == OWNERS,
	    "a lookup pages through all %d providers of a name (%u found)", stored, f.n);
	netsim_set_handler(sim, 0, NULL, NULL);
	netsim_set_handler(sim, OWNERS + 1, NULL, NULL);
	dht_free(holder);
	dht_free(asker);
}

static int ping_from(struct dht *d, int from)
{
	struct xm_peer_ref ref = peer(from);
	uint8_t buf[16];
	DhtMsg m = DHT_MSG__INIT;
	DhtPing ping = DHT_PING__INIT;

	m.version = 1;
	m.txid = 1;
	m.body_case = DHT_MSG__BODY_PING;
	m.ping = &ping;
	return dht_receive(d, &ref, buf, dht_msg__pack(&m, buf));
}

struct find_contact {
	struct xm_node_id id;
	bool found;
};

static int has_contact(void *arg, const struct dht_contact_info *c)
{
	struct find_contact *f = arg;

	if (!xm_node_id_cmp(&f->id, &c->id))
		f->found = true;
	return 0;
}

static bool in_table(struct dht *d, int node)
{
	struct find_contact f = { .id = *netsim_node_id(sim, node) };

	dht_foreach_contact(d, has_contact, &f);
	return f.found;
}

/*
 * Kademlia's eviction: a full bucket keeps its contacts while they answer;
 * a newcomer makes us ping the least recently seen, and replaces it when it
 * stays silent. The nodes here have no handler: they never answer.
 */
static void test_eviction(void)
{
	struct dht_config cfg;
	struct dht *d;
	int far[DHT_K_MAX + 3], nfar = 0, oldest, late1, late2;
	struct dht_stats st;
	bool kept;

	dht_config_default(&cfg);
	cfg.puzzle_bits = PUZZLE_BITS;
	d = new_dht(0, &cfg);
	netsim_set_handler(sim, 0, &handler, d);
	/* Nodes in bucket 255 (the other half of the id space) until it overflows. */
	for (int i = OWNERS + 2; i < netsim_node_count(sim) && nfar < DHT_K_MAX + 3; i++)
		if (xm_node_id_log2_distance(netsim_node_id(sim, 0), netsim_node_id(sim, i)) == 255)
			far[nfar++] = i;
	if (nfar < DHT_K_MAX + 3) {
		tap(false, "not enough nodes for the eviction test (%d)", nfar);
		return;
	}
	oldest = far[0];
	late1 = far[DHT_K_MAX];
	late2 = far[DHT_K_MAX + 1];
	for (int i = 0; i < DHT_K_MAX; i++)
		ping_from(d, far[i]);
	netsim_run_for(sim, 1000);
	/* A newcomer while everyone is fresh waits in reserve, no ping. */
	ping_from(d, late1);
	dht_get_stats(d, &st);
	kept = in_table(d, oldest) && !in_table(d, late1) && st.requests == 0;
	/* After a silence, newcomers make it ping the oldest; twice unanswered, it goes. */
	netsim_run_for(sim, 61000);
	ping_from(d, late1);
	netsim_poke(sim, 0);
	netsim_run_for(sim, 2000);
	ping_from(d, late2);
	netsim_poke(sim, 0);
	netsim_run_for(sim, 2000);
	dht_get_stats(d, &st);
	tap(kept && !in_table(d, oldest) && in_table(d, late2) && st.contacts == DHT_K_MAX &&
		    st.timeouts == 2,
	    "a full bucket keeps its contacts, pings the oldest for a newcomer, and evicts it when silent (%llu pings unanswered)",
	    (unsigned long long)st.timeouts);
	netsim_set_handler(sim, 0, NULL, NULL);
	dht_free(d);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	sim = netsim_new(&(struct netsim_config){ .seed = 7, .latency_min_ms = 1,
						   .latency_max_ms = 5, .puzzle_bits = PUZZLE_BITS });
	if (!sim)
		return 2;
	for (int i = 0; i < 96; i++)
		netsim_add_node(sim);
	netsim_run_for(sim, 1000000); /* wall clock well past 0 */
	printf("TAP version 13\n");
	test_acceptance();
	test_puzzle();
	test_bounds();
	test_malformed();
	test_paging();
	test_eviction();
	netsim_free(sim);
	return tap_done();
}
