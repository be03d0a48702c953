/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crafting xmesh data packets (Ethernet, IPv4 or IPv6 with options or
 * extension headers, UDP, xmesh header, made-up ciphertext) with valid
 * checksums, for xdp_test and xdp_bench.
 */
#ifndef PKT_BUILD_H
#define PKT_BUILD_H

#include <arpa/inet.h>
#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/xmesh_wire.h>

/* What one crafted packet is made of. */
struct spec {
	bool v6;
	const char *src, *dst;	/* outer addresses */
	uint16_t sport, dport;
	uint8_t hop;
	uint64_t dst_node;
	unsigned int ip4_opt_words;	/* IPv4 options, 4 bytes each */
	const uint8_t *ext;	/* IPv6 extension headers, already chained */
	unsigned int ext_len;
	uint8_t ext_first;	/* nexthdr of the IPv6 header when ext is set */
	unsigned int payload;	/* ciphertext and tag after the header */
	bool no_udp_csum;	/* IPv4 only: checksum 0 */
	const uint8_t *dmac, *smac;	/* NULL: made-up ones */
};

struct pkt {
	uint8_t b[1024];
	unsigned int len, l3, l4;
	bool v6;
};

static inline uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The UDP checksum of p as it stands, with its checksum field taken as 0. */
static inline uint16_t udp_csum(const struct pkt *p)
{
	uint8_t udp[1024];
	unsigned int ulen = p->len - p->l4;
	uint32_t sum = 0;
	uint16_t c;

	memcpy(udp, p->b + p->l4, ulen);
	udp[6] = udp[7] = 0;
	if (p->v6) {
		sum = sum16(p->b + p->l3 + 8, 32, 0);
	} else {
		sum = sum16(p->b + p->l3 + 12, 8, 0);
	}
	sum += IPPROTO_UDP + ulen;
	c = fold(sum16(udp, ulen, sum));
	return c ? c : 0xffff;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void build(struct pkt *p, const struct spec *s)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	unsigned int ulen = 8 + XMESH_WIRE_HDR_LEN + s->payload, i, ihl;
	struct xmesh_wire_hdr xh;
	uint8_t *ip, *udp;
	uint64_t be;

	memset(p, 0, sizeof(*p));
	p->v6 = s->v6;
	memcpy(p->b, s->dmac ? s->dmac : dmac, 6);
	memcpy(p->b + 6, s->smac ? s->smac : smac, 6);
	put16(p->b + 12, s->v6 ? ETH_P_IPV6 : ETH_P_IP);
	p->l3 = 14;
	ip = p->b + p->l3;
	if (s->v6) {
		ip[0] = 0x60;
		put16(ip + 4, s->ext_len + ulen);
		ip[6] = s->ext_len ? s->ext_first : IPPROTO_UDP;
		ip[7] = 64;
		inet_pton(AF_INET6, s->src, ip + 8);
		inet_pton(AF_INET6, s->dst, ip + 24);
		memcpy(ip + 40, s->ext, s->ext_len);
		p->l4 = p->l3 + 40 + s->ext_len;
	} else {
		ihl = 20 + 4 * s->ip4_opt_words;
		ip[0] = 0x40 | ihl / 4;
		put16(ip + 2, ihl + ulen);
		put16(ip + 4, 0x1234);
		put16(ip + 6, 0x4000);	/* DF */
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		inet_pton(AF_INET, s->src, ip + 12);
		inet_pton(AF_INET, s->dst, ip + 16);
		for (i = 20; i < ihl; i++)
			ip[i] = 1;	/* NOP options */
		put16(ip + 10, fold(sum16(ip, ihl, 0)));
		p->l4 = p->l3 + ihl;
	}
	udp = p->b + p->l4;
	put16(udp, s->sport);
	put16(udp + 2, s->dport);
	put16(udp + 4, ulen);

	memset(&xh, 0, sizeof(xh));
	xh.ver_type = xmesh_wire_ver_type(XMESH_WIRE_VERSION, XMESH_WIRE_TYPE_DATA);
	xh.hop_limit = s->hop;
	xh.tenant_id = htonl(7);
	be = htobe64(s->dst_node);
	memcpy(&xh.dst_node, &be, 8);
	xh.rx_index = htonl(0xabcdef);
	be = htobe64(42);
	memcpy(&xh.counter, &be, 8);
	memcpy(udp + 8, &xh, sizeof(xh));
	for (i = 0; i < s->payload; i++)
		udp[8 + XMESH_WIRE_HDR_LEN + i] = (uint8_t)(i * 7 + 3);
	p->len = p->l4 + ulen;
	if (!s->no_udp_csum || s->v6)
		put16(udp + 6, udp_csum(p));
}

#endif
