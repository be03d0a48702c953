/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every domain-separation string of xmeshd, in one place.
 *
 * Each signature, MAC and key derivation the daemon makes or checks starts
 * its input (or keys its hash) with one of these strings, so a signature
 * made for one purpose is never valid for another: an envelope of one kind
 * is not an envelope of another kind, a DHT record is not a routing update,
 * and none of them is an envelope. No two strings here may be equal, and
 * none may be a prefix of another (selftests/daemon/node_wire.c checks).
 */
#ifndef XMESHD_SIG_DOMAINS_H
#define XMESHD_SIG_DOMAINS_H

/* Ed25519 over an envelope (proto/envelope.proto), one per message kind. */
#define SIG_DOMAIN_ENV_HANDSHAKE "xmesh-envelope-v2-handshake"
#define SIG_DOMAIN_ENV_DHT "xmesh-envelope-v2-dht"
#define SIG_DOMAIN_ENV_ROUTE "xmesh-envelope-v2-route"

/* Ed25519 by a service's owner over a DHT record (proto/dht.proto). */
#define SIG_DOMAIN_DHT_RECORD "xmesh-dht-record-v1"

/* Ed25519 by a route's origin over (origin id, seqno) (proto/route.proto). */
#define SIG_DOMAIN_ROUTE_UPDATE "xmesh-route-v1"

/* The handshake's transcript hash, from which its session keys are derived. */
#define SIG_DOMAIN_HANDSHAKE "xmesh-handshake-v1"

/* BLAKE2b keys of an envelope's mac1 and of a cookie reply's encryption. */
#define SIG_DOMAIN_MAC1 "xmesh-mac1-v1"
#define SIG_DOMAIN_COOKIE "xmesh-cookie-v1"

/* DHT key of a service name (a hash domain, not a signature). */
#define SIG_DOMAIN_SERVICE_KEY "xmesh-service-v1"

#endif
