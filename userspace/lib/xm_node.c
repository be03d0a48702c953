// SPDX-License-Identifier: GPL-2.0
#include "xm_node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void xm_node_id_from_pubkey(struct xm_node_id *id, const uint8_t pk[XM_PUBKEY_LEN])
{
	crypto_generichash(id->b, sizeof(id->b), pk, XM_PUBKEY_LEN, NULL, 0);
}

unsigned int xm_node_id_puzzle_bits(const struct xm_node_id *id)
{
	uint8_t h[XM_ID_LEN];
	unsigned int bits = 0;

	crypto_generichash(h, sizeof(h), id->b, sizeof(id->b), NULL, 0);
	for (size_t i = 0; i < sizeof(h); i++) {
		if (h[i] == 0) {
			bits += 8;
			continue;
		}
		bits += (unsigned int)__builtin_clz(h[i]) - 24;
		break;
	}
	return bits;
}

bool xm_node_id_puzzle_ok(const struct xm_node_id *id, unsigned int bits)
{
	return xm_node_id_puzzle_bits(id) >= bits;
}

uint64_t xm_node_kid(const struct xm_node_id *id)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | id->b[i];
	/* 0 means "none" in the kernel UAPI; an id hashing to it is remapped. */
	return v ? v : 1;
}

int xm_node_id_cmp(const struct xm_node_id *a, const struct xm_node_id *b)
{
	return memcmp(a->b, b->b, XM_ID_LEN);
}

bool xm_node_id_closer(const struct xm_node_id *target, const struct xm_node_id *a,
		       const struct xm_node_id *b)
{
	for (int i = 0; i < XM_ID_LEN; i++) {
		uint8_t da = a->b[i] ^ target->b[i];
		uint8_t db = b->b[i] ^ target->b[i];

		if (da != db)
			return da < db;
	}
	return false;
}

int xm_node_id_log2_distance(const struct xm_node_id *a, const struct xm_node_id *b)
{
	for (int i = 0; i < XM_ID_LEN; i++) {
		uint8_t d = a->b[i] ^ b->b[i];

		if (d)
			return (XM_ID_LEN - 1 - i) * 8 + (31 - __builtin_clz(d));
	}
	return -1;
}

void xm_node_id_hex(const struct xm_node_id *id, char out[XM_ID_HEX_LEN])
{
	sodium_bin2hex(out, XM_ID_HEX_LEN, id->b, XM_ID_LEN);
}

int xm_node_id_parse_hex(struct xm_node_id *id, const char *hex)
{
	size_t n = 0;
	const char *end;

	if (strlen(hex) != 2 * XM_ID_LEN)
		return -EINVAL;
	if (sodium_hex2bin(id->b, XM_ID_LEN, hex, 2 * XM_ID_LEN, NULL, &n, &end) || n != XM_ID_LEN ||
	    *end)
		return -EINVAL;
	return 0;
}

void xm_addr_from_v4(struct xm_addr *a, uint32_t ip_be, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->ip.s6_addr[10] = 0xff;
	a->ip.s6_addr[11] = 0xff;
	memcpy(&a->ip.s6_addr[12], &ip_be, 4);
	a->port = port;
}

bool xm_addr_is_v4(const struct xm_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(&a->ip);
}

bool xm_addr_equal(const struct xm_addr *a, const struct xm_addr *b)
{
	return a->port == b->port && !memcmp(&a->ip, &b->ip, sizeof(a->ip));
}

int xm_addr_format(const struct xm_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

	if (xm_addr_is_v4(a)) {
		if (!inet_ntop(AF_INET, &a->ip.s6_addr[12], ip, sizeof(ip)))
			return -1;
		n = snprintf(buf, len, "%s:%u", ip, a->port);
	} else {
		if (!inet_ntop(AF_INET6, &a->ip, ip, sizeof(ip)))
			return -1;
		n = snprintf(buf, len, "[%s]:%u", ip, a->port);
	}
	return (n < 0 || (size_t)n >= len) ? -1 : n;
}

int xm_addr_parse(struct xm_addr *a, const char *s)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_s;
	size_t hlen;
	char *end;
	unsigned long port;
	uint32_t v4;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hlen = (size_t)(rb - s - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port_s = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
		if (hlen == 0 || hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port_s = colon + 1;
	}
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (errno || *port_s == '\0' || *end || port == 0 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &v4) == 1) {
		xm_addr_from_v4(a, v4, (uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a->ip) == 1) {
		a->port = (uint16_t)port;
		return 0;
	}
	return -EINVAL;
}
