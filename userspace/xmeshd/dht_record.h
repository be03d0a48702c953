/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Service records of the DHT: their wire form, signature and bounded store.
 * Internal to dht.c and dht_record.c.
 */
#ifndef XMESHD_DHT_RECORD_H
#define XMESHD_DHT_RECORD_H

#include <sys/types.h>

#include "dht.h"
#include "dht.pb-c.h"

/* Room for the pointers and bytes a DhtRecord built by record_to_pb uses. */
struct record_pb_buf {
	DhtRecord rec;
	DhtEndpoint ep[DHT_ENDPOINTS_MAX];
	DhtEndpoint *epp[DHT_ENDPOINTS_MAX];
	uint8_t ip[DHT_ENDPOINTS_MAX][16];
	char name[DHT_NAME_MAX + 1];
	uint8_t sig[XM_SIG_LEN];
};

/* What checking a record needs to know. */
struct record_policy {
	const struct xm_env *env;
	unsigned int puzzle_bits;
	uint64_t now_wall_ms;
	uint32_t max_ttl_ms;
	uint32_t clock_skew_ms;
};

/* A stored record with the signature that proves it. */
struct stored_record {
	struct xm_node_id key;
	struct dht_service svc;
	uint8_t sig[XM_SIG_LEN];
};

struct record_store {
	struct stored_record *r;
	size_t n, cap;
	uint32_t max_total, max_per_owner, max_per_key;
};

/* Wire endpoint helpers shared with contacts: 4 or 16 address bytes. */
int addr_from_pb(struct xm_addr *a, const ProtobufCBinaryData *ip, uint32_t port);
size_t addr_to_pb(const struct xm_addr *a, uint8_t ip[16]);

bool service_name_ok(const char *name);
/*
 * Parses and checks one wire record: limits, owner id and puzzle, signature,
 * expiry. 0, -EINVAL (malformed), -EKEYREJECTED (signature/owner), -ETIME
 * (expired or from the future).
 */
int record_from_pb(struct dht_service *s, uint8_t sig[XM_SIG_LEN], const DhtRecord *pb,
		   const struct record_policy *pol);
/* record_from_pb() in two steps: everything but the signature, then it. */
int record_parse(struct dht_service *s, uint8_t sig[XM_SIG_LEN], const DhtRecord *pb,
		 const struct record_policy *pol);
bool record_sig_ok(const struct xm_env *env, const struct dht_service *s,
		   const uint8_t sig[XM_SIG_LEN]);
/*
 * A hash of a record's signed bytes and signature: a record whose digest
 * matches one already verified needs no second Ed25519 verify (~40 us).
 */
#define RECORD_DIGEST_LEN 32
void record_digest(const struct dht_service *s, const uint8_t sig[XM_SIG_LEN],
		   uint8_t digest[RECORD_DIGEST_LEN]);
void record_sign(const struct xm_env *env, const struct dht_service *s, uint8_t sig[XM_SIG_LEN]);
void record_to_pb(struct record_pb_buf *b, const struct dht_service *s,
		  const uint8_t sig[XM_SIG_LEN]);

/* 0 stored or replaced, -EALREADY not newer than the stored one, -ENOSPC full. */
int store_put(struct record_store *st, const struct dht_service *s, const uint8_t sig[XM_SIG_LEN]);
/* Drops records expired at @now_wall_ms. */
void store_expire(struct record_store *st, uint64_t now_wall_ms);
/* Index of the @nth record under @key at or after position @from, or -1. */
ssize_t store_next(const struct record_store *st, const struct xm_node_id *key, size_t from);
void store_free(struct record_store *st);

#endif
