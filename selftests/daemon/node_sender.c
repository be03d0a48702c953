// SPDX-License-Identifier: GPL-2.0
/*
 * A test sender of control-protocol datagrams, good and bad, to check that
 * xmeshd drops and counts what it must while it keeps running.
 *
 *	node_sender ADDR:PORT KIND [PUZZLE_BITS]
 *
 * KIND: valid (one authentic DHT-kind envelope, sent with the cookie the
 * daemon answers its first copy with, as for replay and badsig), malformed (not an
 * envelope), oversized (4000 bytes), unsigned (no signature), badsig (a
 * signature over other bytes), replay (one authentic envelope sent twice),
 * stale (timestamp an hour old), unknown-kind (kind 99), weak-id (a key
 * whose id fails the puzzle), ping (an unaddressed DHT PING from a fresh
 * id, then every reply to it counted for 3 s: prints "sent=BYTES
 * replies=N bytes=BYTES"), badmac (100 authentic envelopes, each with one
 * bit of mac1 flipped), hello (one authentic mesh routing hello, unaddressed
 * and without a cookie, as routing is answered within the reply budget).
 * Exit status 0 when sent.
 *
 * Environment: NODE_SENDER_TTL sets the IP TTL / hop limit it is sent with
 * (default the system's), NODE_SENDER_SRC=ADDR:PORT the source address (bound).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "envelope.h"
#include "envelope.pb-c.h"
#include "identity.h"
#include "route_msg.h"

static void sodium_rnd(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* An envelope with chosen fields; sig NULL leaves it unsigned. */
static size_t build(uint8_t *out, size_t cap, uint32_t kind, const struct identity *id,
		    uint64_t ts, const uint8_t *sig)
{
	static const uint8_t body[] = "node_sender";
	Xmesh__Envelope e = XMESH__ENVELOPE__INIT;
	uint8_t key[32];
	size_t len;

	e.version = ENV_VERSION;
	e.kind = kind;
	e.sender_pk.data = (uint8_t *)id->pk;
	e.sender_pk.len = XM_PUBKEY_LEN;
	e.counter = wall_ms() * 1000 + (uint64_t)(randombytes_uniform(1000));
	e.timestamp_ms = ts;
	e.body.data = (uint8_t *)body;
	e.body.len = sizeof(body) - 1;
	if (sig) {
		e.signature.data = (uint8_t *)sig;
		e.signature.len = XM_SIG_LEN;
	}
	len = xmesh__envelope__get_packed_size(&e);
	if (1 + len + ENV_TRAILER_LEN > cap)
		return 0;
	/* The datagram around it: type, envelope, mac1 (unaddressed), no mac2. */
	out[0] = ENV_DGRAM_ENVELOPE;
	len = 1 + xmesh__envelope__pack(&e, out + 1);
	env_mac1_key(key, NULL);
	crypto_generichash(out + len, ENV_MAC_LEN, out, len, key, sizeof(key));
	memset(out + len + ENV_MAC_LEN, 0, ENV_MAC_LEN);
	return len + ENV_TRAILER_LEN;
}

/*
 * A daemon answers an unproven source with a cookie and no more: send buf
 * once, take the cookie reply (1 s at most) and set mac2 with it. 0 or -1.
 */
static int take_cookie(int fd, const struct sockaddr *sa, socklen_t sl, uint8_t *buf,
		       size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t rx[256], key[32], cookie[ENV_COOKIE_LEN];
	ssize_t r;

	if (sendto(fd, buf, len, 0, sa, sl) < 0 || poll(&pfd, 1, 1000) != 1)
		return -1;
	r = recv(fd, rx, sizeof(rx), 0);
	env_cookie_key(key, NULL); /* our envelopes are unaddressed */
	if (r <= 0 || env_cookie_open(cookie, rx, (size_t)r, key, env_mac1_of(buf, len)))
		return -1;
	env_put_mac2(buf, len, cookie);
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t buf[4096], sig[XM_SIG_LEN];
	unsigned int bits = argc > 3 ? (unsigned int)atoi(argv[3]) : XM_ID_PUZZLE_BITS;
	const char *kind;
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr *sa;
	socklen_t sl;
	struct identity id;
	struct xm_addr to;
	size_t len = 0;
	int fd, copies = 1;

	if (argc < 3 || xm_addr_parse(&to, argv[1])) {
		fprintf(stderr, "usage: node_sender ADDR:PORT KIND [PUZZLE_BITS]\n");
		return 2;
	}
	kind = argv[2];
	if (sodium_init() < 0)
		return 1;
	if (!strcmp(kind, "weak-id")) {
		/* A key whose id fails even a 1-bit-harder puzzle than required. */
		do
			identity_generate(&id, 0, sodium_rnd, NULL);
		while (xm_node_id_puzzle_ok(&id.id, bits));
	} else {
		identity_generate(&id, bits, sodium_rnd, NULL);
	}

	if (!strcmp(kind, "ping")) {
		/* DhtMsg { version 1, txid 5, ping {} } */
		static const uint8_t ping[] = { 0x08, 0x01, 0x10, 0x05, 0x1a, 0x00 };
		int n = env_seal(buf, sizeof(buf), XM_MSG_DHT, id.pk, id.sk, NULL, 1, wall_ms(),
				 ping, sizeof(ping));

		len = n > 0 ? (size_t)n : 0;
	} else if (!strcmp(kind, "badmac")) {
		int n = env_seal(buf, sizeof(buf), XM_MSG_DHT, id.pk, id.sk, NULL, 1, wall_ms(),
				 (const uint8_t *)"node_sender", 11);

		len = n > 0 ? (size_t)n : 0;
		copies = 100;
	} else if (!strcmp(kind, "valid") || !strcmp(kind, "replay") || !strcmp(kind, "weak-id")) {
		int n = env_seal(buf, sizeof(buf), XM_MSG_DHT, id.pk, id.sk, NULL,
				 wall_ms() * 1000, wall_ms(), (const uint8_t *)"node_sender", 11);

		len = n > 0 ? (size_t)n : 0;
		copies = !strcmp(kind, "replay") ? 2 : 1;
	} else if (!strcmp(kind, "hello")) {
		struct route_msg m = { .has_hello = true };
		uint8_t body[XM_MSG_BODY_MAX];
		int blen, n;

		m.hello.seqno = 1;
		m.hello.interval_ms = 1000;
		m.hello.timestamp = wall_ms();
		randombytes_buf(&m.hello.instance, sizeof(m.hello.instance));
		blen = route_msg_encode(&m, body, sizeof(body));
		n = blen < 0 ? -1 : env_seal(buf, sizeof(buf), XM_MSG_ROUTE, id.pk, id.sk, NULL,
					     wall_ms() * 1000, wall_ms(), body, (size_t)blen);
		len = n > 0 ? (size_t)n : 0;
	} else if (!strcmp(kind, "malformed")) {
		/* A length-delimited field (body) that claims more bytes than follow. */
		static const uint8_t bad[] = { 0x08, 0x01, 0x32, 0x7f, 'x', 'y' };

		memcpy(buf, bad, sizeof(bad));
		len = sizeof(bad);
	} else if (!strcmp(kind, "oversized")) {
		len = build(buf, sizeof(buf), XM_MSG_DHT, &id, wall_ms(), NULL);
		memset(buf + len, 0, 4000 - len);
		len = 4000;
	} else if (!strcmp(kind, "unsigned")) {
		len = build(buf, sizeof(buf), XM_MSG_DHT, &id, wall_ms(), NULL);
	} else if (!strcmp(kind, "badsig")) {
		crypto_sign_detached(sig, NULL, (const uint8_t *)"other bytes", 11, id.sk);
		len = build(buf, sizeof(buf), XM_MSG_DHT, &id, wall_ms(), sig);
	} else if (!strcmp(kind, "stale")) {
		uint8_t tbs[ENV_DATAGRAM_MAX];
		uint64_t ts = wall_ms() - 3600 * 1000;
		int n = env_signed_bytes(tbs, sizeof(tbs), ENV_VERSION, XM_MSG_DHT, id.pk, NULL,
					 wall_ms() * 1000, ts, (const uint8_t *)"node_sender", 11);

		crypto_sign_detached(sig, NULL, tbs, (unsigned long long)n, id.sk);
		len = build(buf, sizeof(buf), XM_MSG_DHT, &id, ts, sig);
	} else if (!strcmp(kind, "unknown-kind")) {
		memset(sig, 0, sizeof(sig));
		len = build(buf, sizeof(buf), 99, &id, wall_ms(), sig);
	} else {
		fprintf(stderr, "node_sender: unknown kind %s\n", kind);
		return 2;
	}
	if (!len) {
		fprintf(stderr, "node_sender: could not build %s\n", kind);
		return 1;
	}

	if (xm_addr_is_v4(&to)) {
		memcpy(&sin.sin_addr, &to.ip.s6_addr[12], 4);
		sin.sin_port = htons(to.port);
		sa = (struct sockaddr *)&sin;
		sl = sizeof(sin);
	} else {
		sin6.sin6_addr = to.ip;
		sin6.sin6_port = htons(to.port);
		sa = (struct sockaddr *)&sin6;
		sl = sizeof(sin6);
	}
	fd = socket(sa->sa_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return 1;
	if (getenv("NODE_SENDER_TTL")) {
		int ttl = atoi(getenv("NODE_SENDER_TTL"));

		if (setsockopt(fd, sa->sa_family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			       sa->sa_family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS, &ttl,
			       sizeof(ttl)) < 0) {
			perror("node_sender: TTL");
			close(fd);
			return 1;
		}
	}
	if (getenv("NODE_SENDER_SRC")) {
		struct xm_addr src;
		struct sockaddr_in6 b6 = { .sin6_family = AF_INET6 };
		struct sockaddr_in b4 = { .sin_family = AF_INET };
		int rc;

		if (xm_addr_parse(&src, getenv("NODE_SENDER_SRC"))) {
			fprintf(stderr, "node_sender: bad NODE_SENDER_SRC\n");
			close(fd);
			return 2;
		}
		if (sa->sa_family == AF_INET) {
			memcpy(&b4.sin_addr, &src.ip.s6_addr[12], 4);
			rc = bind(fd, (struct sockaddr *)&b4, sizeof(b4));
		} else {
			b6.sin6_addr = src.ip;
			rc = bind(fd, (struct sockaddr *)&b6, sizeof(b6));
		}
		if (rc < 0) {
			perror("node_sender: bind");
			close(fd);
			return 1;
		}
	}
	/* What must reach the signature check first proves our address. */
	if ((!strcmp(kind, "valid") || !strcmp(kind, "replay") || !strcmp(kind, "badsig")) &&
	    take_cookie(fd, sa, sl, buf, len)) {
		fprintf(stderr, "node_sender: no cookie reply for %s\n", kind);
		close(fd);
		return 1;
	}
	for (int i = 0; i < copies; i++) {
		if (!strcmp(kind, "badmac"))
			buf[len - ENV_TRAILER_LEN + i % ENV_MAC_LEN] ^= 1; /* on, off, on... */
		if (sendto(fd, buf, len, 0, sa, sl) < 0) {
			perror("node_sender: sendto");
			close(fd);
			return 1;
		}
		if (!strcmp(kind, "badmac"))
			buf[len - ENV_TRAILER_LEN + i % ENV_MAC_LEN] ^= 1;
		usleep(copies > 2 ? 1000 : 20000);
	}
	if (!strcmp(kind, "ping")) {
		/* Everything that comes back to this address within 3 s. */
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t end = wall_ms() + 3000, replies = 0, bytes = 0;
		uint8_t rx[4096];

		while (wall_ms() < end) {
			if (poll(&pfd, 1, (int)(end - wall_ms())) <= 0)
				continue;
			ssize_t r = recv(fd, rx, sizeof(rx), 0);

			if (r > 0) {
				replies++;
				bytes += (uint64_t)r;
			}
		}
		printf("sent=%zu replies=%llu bytes=%llu\n", len, (unsigned long long)replies,
		       (unsigned long long)bytes);
	}
	close(fd);
	return 0;
}
