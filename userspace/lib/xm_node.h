/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Node identity and addressing shared by every part of xmeshd and xmeshctl.
 *
 * A node id is BLAKE2b-256 of the node's Ed25519 public key. The id is bound
 * to the key by a cost (S/Kademlia's static crypto puzzle): BLAKE2b-256 of the
 * id must start with XM_ID_PUZZLE_BITS zero bits, so minting many ids (a Sybil
 * attack on the DHT) costs 2^bits key generations each.
 *
 * The kernel and the eBPF maps know a node by the first 8 bytes of its id,
 * read big-endian (xm_node_kid()).
 */
#ifndef XM_NODE_H
#define XM_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define XM_ID_LEN 32
#define XM_PUBKEY_LEN 32
#define XM_SIG_LEN 64
#define XM_ID_HEX_LEN (2 * XM_ID_LEN + 1)

/* Default puzzle cost; tests and simulations may lower it per process. */
#define XM_ID_PUZZLE_BITS 12

struct xm_node_id {
	uint8_t b[XM_ID_LEN];
};

/* A UDP endpoint; IPv4 is held as an IPv4-mapped IPv6 address. */
struct xm_addr {
	struct in6_addr ip;
	uint16_t port; /* host byte order */
};

void xm_node_id_from_pubkey(struct xm_node_id *id, const uint8_t pk[XM_PUBKEY_LEN]);
/* Leading zero bits of BLAKE2b-256(id): the work spent on the id. */
unsigned int xm_node_id_puzzle_bits(const struct xm_node_id *id);
bool xm_node_id_puzzle_ok(const struct xm_node_id *id, unsigned int bits);
/* The 64-bit id the kernel and the eBPF maps use; never 0. */
uint64_t xm_node_kid(const struct xm_node_id *id);

int xm_node_id_cmp(const struct xm_node_id *a, const struct xm_node_id *b);
/* Kademlia: is a closer to target than b (XOR metric)? */
bool xm_node_id_closer(const struct xm_node_id *target, const struct xm_node_id *a,
		       const struct xm_node_id *b);
/* Index of the highest differing bit (0..255), or -1 when equal. */
int xm_node_id_log2_distance(const struct xm_node_id *a, const struct xm_node_id *b);

void xm_node_id_hex(const struct xm_node_id *id, char out[XM_ID_HEX_LEN]);
int xm_node_id_parse_hex(struct xm_node_id *id, const char *hex);

void xm_addr_from_v4(struct xm_addr *a, uint32_t ip_be, uint16_t port);
bool xm_addr_is_v4(const struct xm_addr *a);
bool xm_addr_equal(const struct xm_addr *a, const struct xm_addr *b);
/* "1.2.3.4:5" or "[::1]:5"; returns the length written (< len), or -1. */
int xm_addr_format(const struct xm_addr *a, char *buf, size_t len);
/* Accepts "1.2.3.4:5", "[::1]:5" and "host-literal:port" only (no DNS). */
int xm_addr_parse(struct xm_addr *a, const char *s);

#endif
