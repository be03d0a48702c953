/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kademlia discovery of nodes and services (Documentation/dht.md).
 *
 * A sans-IO state machine: it sends and reads the time only through the
 * struct xm_env it is given, and is driven by three calls from its host (the
 * daemon's event loop, or netsim in tests):
 *
 *	dht_receive()	for every authenticated envelope body of kind XM_MSG_DHT;
 *	dht_tick()	when the delay it last returned has elapsed, and after
 *			every dht_receive() or API call: it handles timeouts
 *			and housekeeping and delivers completions;
 *	dht_lookup_node(), dht_find_value(), dht_publish() to start work, whose
 *	completion callbacks run from dht_tick() only.
 *
 * Requests go out at once, from within the call that causes them.
 *
 * Node ids are 256-bit (xm_node.h); ids failing the configured S/Kademlia
 * puzzle are never contacted nor stored. Lookups run over `paths` disjoint
 * paths so a minority of lying nodes cannot hide a record. Service records
 * are signed by their owner; unsigned, forged and expired ones are refused.
 */
#ifndef XMESHD_DHT_H
#define XMESHD_DHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "xm_node.h"

#define DHT_K_MAX 20             /* bucket size and result size, k */
#define DHT_PATHS_MAX 8          /* disjoint lookup paths, d */
#define DHT_NAME_MAX 64          /* service name, bytes */
#define DHT_METADATA_MAX 128     /* opaque service metadata, bytes */
#define DHT_ENDPOINTS_MAX 4      /* endpoints per record */
#define DHT_MSG_CONTACTS_MAX 20  /* contacts per reply */
#define DHT_MSG_RECORDS_MAX 8    /* records per reply page */
#define DHT_LOOKUP_RECORDS_MAX 64 /* distinct providers a find_value returns */

struct dht;

struct dht_config {
	unsigned int k;             /* bucket size, <= DHT_K_MAX (20) */
	unsigned int alpha;         /* requests in flight per path (3) */
	unsigned int paths;         /* disjoint paths per lookup, d (3) */
	unsigned int puzzle_bits;   /* required S/Kademlia cost of every id */
	uint32_t request_timeout_ms; /* one request's deadline (1000) */
	uint32_t refresh_ms;        /* refresh a bucket idle this long (15 min) */
	uint32_t bootstrap_retry_ms; /* re-ping seeds while alone (5 s) */
	uint32_t record_ttl_ms;     /* lifetime of records we sign (1 h) */
	uint32_t republish_ms;      /* re-sign and re-store our records (20 min) */
	uint32_t max_ttl_ms;        /* longest lifetime accepted from others (24 h) */
	uint32_t clock_skew_ms;     /* tolerated wall-clock disagreement (60 s) */
	uint32_t max_records;       /* stored records in total (4096) */
	uint32_t max_records_per_owner; /* stored records one owner may hold (16) */
	uint32_t max_providers_per_key; /* stored providers of one name (64) */
	uint32_t max_lookups;       /* concurrent lookups (64) */
	/*
	 * Address diversity of the routing table: contacts from one public
	 * network (IPv4 /24, IPv6 /48) per bucket (2) and in the whole table
	 * (10); 0 is unbounded. Private, loopback and link-local addresses are
	 * not bounded.
	 */
	uint32_t subnet_bucket_max;
	uint32_t subnet_table_max;
	/*
	 * Wall clock, Unix ms, for record expiry (which must mean the same on
	 * every node); called with the env's ctx. NULL uses env->now_ms, which
	 * is right only where all nodes share one clock (simulation).
	 */
	uint64_t (*wall_ms)(void *env_ctx);
};

/* A provider of a named service, as published and as found. */
struct dht_service {
	char name[DHT_NAME_MAX + 1];
	struct xm_node_id owner;       /* = BLAKE2b-256(owner_pk) */
	uint8_t owner_pk[XM_PUBKEY_LEN];
	struct xm_addr endpoints[DHT_ENDPOINTS_MAX];
	unsigned int n_endpoints;
	bool is_private;
	uint8_t metadata[DHT_METADATA_MAX];
	size_t metadata_len;
	uint64_t issued_ms;            /* wall clock, Unix ms */
	uint64_t expires_ms;
};

struct dht_contact_info {
	struct xm_node_id id;
	struct xm_addr addr;
	uint64_t last_seen_ms;  /* env->now_ms of the last message from it */
	unsigned int fails;     /* consecutive unanswered requests */
	int bucket;             /* log2 XOR distance from us, 0..255 */
};

struct dht_result {
	int error;              /* 0, -ENOENT (no record), -EHOSTUNREACH (no node answered) */
	struct xm_node_id target;
	unsigned int hops;      /* lookup depth of the answer (first answering node = 1) */
	unsigned int queried;   /* requests sent */
	unsigned int replied;
	uint64_t elapsed_ms;
	/* Closest nodes that answered, nearest first (lookup_node, publish). */
	const struct dht_contact_info *closest;
	unsigned int n_closest;
	/* Valid records found (find_value), one per owner. */
	const struct dht_service *records;
	unsigned int n_records;
	unsigned int stored;    /* publish: nodes that acknowledged the STORE */
};

typedef void (*dht_done_fn)(void *arg, const struct dht_result *res);

struct dht_stats {
	uint64_t rx, tx, tx_errors;
	uint64_t requests, replies, timeouts;
	uint64_t drop_malformed;   /* not a DhtMsg, wrong version, bad field length */
	uint64_t drop_puzzle;      /* sender or contact id below the puzzle cost */
	uint64_t drop_unsolicited; /* reply to nothing we asked, or from someone else */
	uint64_t record_bad_sig;   /* unsigned, forged, or owner key/id mismatch */
	uint64_t record_expired;   /* expired, or issued in the future */
	uint64_t record_stale;     /* older than the one stored */
	uint64_t record_full;      /* storage bound reached */
	uint64_t drop_subnet;      /* contact refused: too many from its network */
	uint64_t replicated;       /* records handed to newly joined close nodes */
	uint64_t unvalidated;      /* sender not taken into the table: address not proven */
	uint64_t drop_unaddressed; /* unaddressed, and not a PING */
	uint64_t lookups_started, lookups_ok, lookups_failed;
	uint32_t contacts;         /* in the routing table */
	uint32_t records;          /* stored */
};

void dht_config_default(struct dht_config *cfg);

/*
 * @self_pk is this node's Ed25519 public key (its id is derived from it);
 * @self_addr is where others reach us. Returns NULL on a bad config or
 * out of memory.
 */
struct dht *dht_new(const struct dht_config *cfg, const struct xm_env *env,
		    const uint8_t self_pk[XM_PUBKEY_LEN], const struct xm_addr *self_addr);
/* Frees the DHT; pending callbacks are not called. */
void dht_free(struct dht *dht);

/*
 * One received body from an authenticated sender. 0, DHT_RX_UNVALIDATED, or
 * -errno when the message was dropped or refused (counted in the stats by
 * reason). DHT_RX_UNVALIDATED: handled, but nothing proved that the sender
 * receives at its address (from->validated unset and not a reply to a
 * request we sent there): it did not enter the routing table and must
 * start nothing else (no session).
 *
 * An unaddressed body (from->addressed unset) is accepted only if it is a
 * PING: the first contact with a seed whose id is not known.
 */
#define DHT_RX_UNVALIDATED 1
int dht_receive(struct dht *dht, const struct xm_peer_ref *from, const uint8_t *body, size_t len);
/* Does what is due; returns ms until the next deadline. */
uint64_t dht_tick(struct dht *dht);

/* Seeds to contact whenever the routing table is empty. */
int dht_bootstrap(struct dht *dht, const struct xm_addr *seeds, size_t n);

/* Iterative FIND_NODE for the k nodes closest to @target. */
int dht_lookup_node(struct dht *dht, const struct xm_node_id *target, dht_done_fn cb, void *arg);
/* Iterative FIND_VALUE: every valid provider record of service @name. */
int dht_find_value(struct dht *dht, const char *name, dht_done_fn cb, void *arg);
/*
 * Signs a record for @svc (name, endpoints, is_private, metadata; the owner
 * and times are filled in) and stores it on the k nodes closest to its key,
 * then republishes it every republish_ms until dht_unpublish().
 */
int dht_publish(struct dht *dht, const struct dht_service *svc, dht_done_fn cb, void *arg);
int dht_unpublish(struct dht *dht, const char *name);

/* DHT key of a service name: BLAKE2b-256("xmesh-service-v1" || name). */
void dht_service_key(struct xm_node_id *key, const char *name);

/* Iteration for `xmeshctl peers` and `xmeshctl services`; stop on non-zero. */
int dht_foreach_contact(const struct dht *dht,
			int (*fn)(void *arg, const struct dht_contact_info *c), void *arg);
int dht_foreach_record(const struct dht *dht, int (*fn)(void *arg, const struct dht_service *s),
		       void *arg);
void dht_get_stats(const struct dht *dht, struct dht_stats *st);

#endif
