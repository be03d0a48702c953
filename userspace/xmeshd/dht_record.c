// SPDX-License-Identifier: GPL-2.0
/*
 * Service records: conversion between the wire form and struct dht_service,
 * owner signatures, and the bounded store of records held for others.
 *
 * The signature covers a canonical byte string built from the parsed
 * fields (record_signed_bytes), never the protobuf encoding, which is not
 * canonical: a record re-encoded by any node still verifies.
 */
#include "dht_record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sig_domains.h"

#define RECORD_SIGN_DOMAIN SIG_DOMAIN_DHT_RECORD

int addr_from_pb(struct xm_addr *a, const ProtobufCBinaryData *ip, uint32_t port)
{
	if (port == 0 || port > 65535)
		return -EINVAL;
	if (ip->len == 4) {
		uint32_t v4;

		memcpy(&v4, ip->data, 4);
		xm_addr_from_v4(a, v4, (uint16_t)port);
		return 0;
	}
	if (ip->len != 16)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	memcpy(&a->ip, ip->data, 16);
	a->port = (uint16_t)port;
	return 0;
}

size_t addr_to_pb(const struct xm_addr *a, uint8_t ip[16])
{
	if (xm_addr_is_v4(a)) {
		memcpy(ip, &a->ip.s6_addr[12], 4);
		return 4;
	}
	memcpy(ip, &a->ip, 16);
	return 16;
}

bool service_name_ok(const char *name)
{
	size_t n = strnlen(name, DHT_NAME_MAX + 1);

	if (n == 0 || n > DHT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return false;
	return true;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

/* The bytes the owner signs: every field, length-prefixed, fixed order. */
static size_t record_signed_bytes(const struct dht_service *s, uint8_t *buf)
{
	size_t name_len = strlen(s->name);
	uint8_t *p = buf;

	memcpy(p, RECORD_SIGN_DOMAIN, sizeof(RECORD_SIGN_DOMAIN));
	p += sizeof(RECORD_SIGN_DOMAIN);
	*p++ = (uint8_t)name_len;
	memcpy(p, s->name, name_len);
	p += name_len;
	memcpy(p, s->owner_pk, XM_PUBKEY_LEN);
	p += XM_PUBKEY_LEN;
	*p++ = (uint8_t)s->n_endpoints;
	for (unsigned int i = 0; i < s->n_endpoints; i++) {
		memcpy(p, &s->endpoints[i].ip, 16);
		p += 16;
		*p++ = (uint8_t)(s->endpoints[i].port >> 8);
		*p++ = (uint8_t)s->endpoints[i].port;
	}
	*p++ = s->is_private;
	*p++ = (uint8_t)s->metadata_len;
	memcpy(p, s->metadata, s->metadata_len);
	p += s->metadata_len;
	p = put_u64(p, s->issued_ms);
	p = put_u64(p, s->expires_ms);
	return (size_t)(p - buf);
}

#define RECORD_SIGNED_MAX                                                                    \
	(sizeof(RECORD_SIGN_DOMAIN) + 1 + DHT_NAME_MAX + XM_PUBKEY_LEN + 1 +                  \
	 DHT_ENDPOINTS_MAX * 18 + 1 + 1 + DHT_METADATA_MAX + 16)

void record_sign(const struct xm_env *env, const struct dht_service *s, uint8_t sig[XM_SIG_LEN])
{
	uint8_t buf[RECORD_SIGNED_MAX];

	env->sign(env->ctx, sig, buf, record_signed_bytes(s, buf));
}

int record_parse(struct dht_service *s, uint8_t sig[XM_SIG_LEN], const DhtRecord *pb,
		 const struct record_policy *pol)
{
	memset(s, 0, sizeof(*s));
	if (!pb->name || !service_name_ok(pb->name) || pb->owner_pk.len != XM_PUBKEY_LEN ||
	    pb->n_endpoints > DHT_ENDPOINTS_MAX || pb->metadata.len > DHT_METADATA_MAX)
		return -EINVAL;
	if (pb->sig.len != XM_SIG_LEN)
		return -EKEYREJECTED; /* unsigned */
	strcpy(s->name, pb->name);
	memcpy(s->owner_pk, pb->owner_pk.data, XM_PUBKEY_LEN);
	for (size_t i = 0; i < pb->n_endpoints; i++) {
		const DhtEndpoint *e = pb->endpoints[i];

		if (!e || addr_from_pb(&s->endpoints[i], &e->ip, e->port))
			return -EINVAL;
	}
	s->n_endpoints = (unsigned int)pb->n_endpoints;
	s->is_private = pb->private_;
	if (pb->metadata.len)
		memcpy(s->metadata, pb->metadata.data, pb->metadata.len);
	s->metadata_len = pb->metadata.len;
	s->issued_ms = pb->issued_ms;
	s->expires_ms = pb->expires_ms;
	memcpy(sig, pb->sig.data, XM_SIG_LEN);

	/* Cheap checks first: a verify costs ~40 us. */
	if (s->expires_ms <= pol->now_wall_ms || s->expires_ms <= s->issued_ms ||
	    s->issued_ms > pol->now_wall_ms + pol->clock_skew_ms ||
	    s->expires_ms - s->issued_ms > pol->max_ttl_ms)
		return -ETIME;
	xm_node_id_from_pubkey(&s->owner, s->owner_pk);
	if (!xm_node_id_puzzle_ok(&s->owner, pol->puzzle_bits))
		return -EKEYREJECTED;
	return 0;
}

bool record_sig_ok(const struct xm_env *env, const struct dht_service *s,
		   const uint8_t sig[XM_SIG_LEN])
{
	uint8_t buf[RECORD_SIGNED_MAX];

	return env->verify(env->ctx, s->owner_pk, sig, buf, record_signed_bytes(s, buf));
}

void record_digest(const struct dht_service *s, const uint8_t sig[XM_SIG_LEN],
		   uint8_t digest[RECORD_DIGEST_LEN])
{
	uint8_t buf[RECORD_SIGNED_MAX];
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, RECORD_DIGEST_LEN);
	crypto_generichash_update(&h, buf, record_signed_bytes(s, buf));
	crypto_generichash_update(&h, sig, XM_SIG_LEN);
	crypto_generichash_final(&h, digest, RECORD_DIGEST_LEN);
}

int record_from_pb(struct dht_service *s, uint8_t sig[XM_SIG_LEN], const DhtRecord *pb,
		   const struct record_policy *pol)
{
	int err = record_parse(s, sig, pb, pol);

	if (!err && !record_sig_ok(pol->env, s, sig))
		err = -EKEYREJECTED;
	return err;
}

void record_to_pb(struct record_pb_buf *b, const struct dht_service *s,
		  const uint8_t sig[XM_SIG_LEN])
{
	dht_record__init(&b->rec);
	strcpy(b->name, s->name);
	b->rec.name = b->name;
	b->rec.owner_pk.data = (uint8_t *)s->owner_pk;
	b->rec.owner_pk.len = XM_PUBKEY_LEN;
	for (unsigned int i = 0; i < s->n_endpoints; i++) {
		dht_endpoint__init(&b->ep[i]);
		b->ep[i].ip.data = b->ip[i];
		b->ep[i].ip.len = addr_to_pb(&s->endpoints[i], b->ip[i]);
		b->ep[i].port = s->endpoints[i].port;
		b->epp[i] = &b->ep[i];
	}
	b->rec.n_endpoints = s->n_endpoints;
	b->rec.endpoints = b->epp;
	b->rec.private_ = s->is_private;
	b->rec.metadata.data = (uint8_t *)s->metadata;
	b->rec.metadata.len = s->metadata_len;
	b->rec.issued_ms = s->issued_ms;
	b->rec.expires_ms = s->expires_ms;
	memcpy(b->sig, sig, XM_SIG_LEN);
	b->rec.sig.data = b->sig;
	b->rec.sig.len = XM_SIG_LEN;
}

int store_put(struct record_store *st, const struct dht_service *s, const uint8_t sig[XM_SIG_LEN])
{
	struct xm_node_id key;
	size_t per_owner = 0, per_key = 0;
	struct stored_record *r;

	dht_service_key(&key, s->name);
	for (size_t i = 0; i < st->n; i++) {
		r = &st->r[i];
		if (!xm_node_id_cmp(&r->svc.owner, &s->owner)) {
			if (!xm_node_id_cmp(&r->key, &key)) {
				/* Same provider of the same name: newer replaces. */
				if (s->issued_ms <= r->svc.issued_ms)
					return -EALREADY;
				r->svc = *s;
				memcpy(r->sig, sig, XM_SIG_LEN);
				return 0;
			}
			per_owner++;
		}
		if (!xm_node_id_cmp(&r->key, &key))
			per_key++;
	}
	if (st->n >= st->max_total || per_owner >= st->max_per_owner ||
	    per_key >= st->max_per_key)
		return -ENOSPC;
	if (st->n == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 16;

		if (cap > st->max_total)
			cap = st->max_total;
		r = realloc(st->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		st->r = r;
		st->cap = cap;
	}
	r = &st->r[st->n++];
	r->key = key;
	r->svc = *s;
	memcpy(r->sig, sig, XM_SIG_LEN);
	return 0;
}

void store_expire(struct record_store *st, uint64_t now_wall_ms)
{
	size_t j = 0;

	for (size_t i = 0; i < st->n; i++)
		if (st->r[i].svc.expires_ms > now_wall_ms)
			st->r[j++] = st->r[i];
	st->n = j;
}

ssize_t store_next(const struct record_store *st, const struct xm_node_id *key, size_t from)
{
	for (size_t i = from; i < st->n; i++)
		if (!xm_node_id_cmp(&st->r[i].key, key))
			return (ssize_t)i;
	return -1;
}

void store_free(struct record_store *st)
{
	free(st->r);
	memset(st, 0, sizeof(*st));
}
