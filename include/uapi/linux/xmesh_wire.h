/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The xmesh data-plane header, carried in UDP between nodes.
 *
 * One definition for every parser of the wire: the kernel module (kmod/)
 * and the eBPF fast path (bpf/) both include this file. The layout is
 * described in Documentation/wire-format.md.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------+-------+---------------+---------------+---------------+
 * |  ver  | type  |   hop limit   |     flags     |   reserved    |
 * +-------+-------+---------------+---------------+---------------+
 * |                          tenant id                            |
 * +---------------------------------------------------------------+
 * |                     destination node id                       |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                        receiver index                         |
 * +---------------------------------------------------------------+
 * |                           reserved                            |
 * +---------------------------------------------------------------+
 * |                      counter (nonce, replay)                  |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |       ciphertext of the inner IP packet and its padding       |
 * |                             ...                               |
 * +---------------------------------------------------------------+
 * |                Poly1305 tag (16 bytes)                        |
 * +---------------------------------------------------------------+
 *
 * All multi-byte fields are big-endian. The whole 32-byte header is the
 * AEAD's associated data, with the hop-limit byte taken as zero: relays
 * decrement it, and everything else they must not change.
 */

#ifndef _UAPI_LINUX_XMESH_WIRE_H
#define _UAPI_LINUX_XMESH_WIRE_H

#include <linux/types.h>

#define XMESH_WIRE_VERSION	1

/* Low nibble of ver_type. */
enum xmesh_wire_type {
	XMESH_WIRE_TYPE_DATA = 1,	/* an encrypted inner IP packet */
	XMESH_WIRE_TYPE_KEEPALIVE = 2,	/* an encrypted empty payload */
};

/*
 * A sender sets the hop limit to at most XMESH_WIRE_HOP_LIMIT_MAX; a packet
 * that arrives with more is dropped (it cannot come from a conforming
 * sender), so no packet is relayed more than XMESH_WIRE_HOP_LIMIT_MAX - 1
 * times.
 */
#define XMESH_WIRE_HOP_LIMIT_MAX	8
#define XMESH_WIRE_HOP_LIMIT_DEFAULT	XMESH_WIRE_HOP_LIMIT_MAX

/* Inner plaintext is padded to a multiple of this before encryption. */
#define XMESH_WIRE_PAD		16
#define XMESH_WIRE_TAG_LEN	16

struct xmesh_wire_hdr {
	__u8	ver_type;	/* version << 4 | type */
	__u8	hop_limit;	/* decremented by each relay, dropped at 0 */
	__u8	flags;		/* none defined yet: sent as 0, rejected if set */
	__u8	reserved0;	/* sent as 0, rejected if set */
	__be32	tenant_id;	/* owner of the inner packet, 0 for keepalives */
	__be64	dst_node;	/* final destination node, in clear for relays */
	__be32	rx_index;	/* receiver's index of the session key */
	__be32	reserved1;	/* sent as 0, rejected if set */
	__be64	counter;	/* AEAD nonce and replay-window position */
} __attribute__((packed));

#define XMESH_WIRE_HDR_LEN	32

/* Bytes the overlay adds to an inner packet, before outer IP and UDP. */
#define XMESH_WIRE_OVERHEAD	(XMESH_WIRE_HDR_LEN + XMESH_WIRE_TAG_LEN)

static __inline__ __u8 xmesh_wire_version(const struct xmesh_wire_hdr *h)
{
	return h->ver_type >> 4;
}

static __inline__ __u8 xmesh_wire_type(const struct xmesh_wire_hdr *h)
{
	return h->ver_type & 0x0f;
}

static __inline__ __u8 xmesh_wire_ver_type(__u8 version, __u8 type)
{
	return (__u8)(version << 4 | (type & 0x0f));
}

#endif /* _UAPI_LINUX_XMESH_WIRE_H */
