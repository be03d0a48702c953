/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the command groups of the module's data-path objects
 * (peer, key, route, nexthop, tenant, stats, monitor): values in their
 * command-line and netlink forms, requests naming a device, dumps retried
 * when they race with a change, and counters.
 */
#ifndef XMESHCTL_KOBJ_H
#define XMESHCTL_KOBJ_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/xmesh.h>

#include "xmeshctl.h"

#define KOBJ_NSTATS (XMESH_A_STATS_MAX - 1) /* counters; pad excluded */

struct kobj_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t plen;
};

struct kobj_endpoint {
	int family;
	uint8_t addr[16];
	uint16_t port; /* host order */
};

/* "10.1.0.0/16", "fd00::/64"; a bare address is a host prefix. */
int kobj_parse_prefix(const char *s, struct kobj_prefix *p);
void kobj_prefix_text(const struct kobj_prefix *p, char *buf, size_t len);
/* "192.0.2.1:51830", "[2001:db8::1]:51830". */
int kobj_parse_endpoint(const char *s, struct kobj_endpoint *ep);
void kobj_endpoint_text(const struct kobj_endpoint *ep, char *buf, size_t len);
/* A node id: decimal or 0x-hexadecimal, 1..2^64-1. */
int kobj_parse_node(const char *s, uint64_t *id);
/* 64 hexadecimal digits into 32 bytes. */
int kobj_parse_key(const char *s, uint8_t key[32]);
/* "10000000", "10k", "10M", "1G" (x1000); for bytes and bits/s. */
int kobj_parse_size(const char *s, uint64_t *v);

/*
 * A group's command line "GROUP ACTION DEV ...": set act and dev (a valid
 * device name) and return 0, or print the usage error and return its status.
 */
int kobj_action_dev(int argc, char **argv, const struct xmeshctl_opts *o, const char **act,
		    const char **dev);

/* A message of cmd naming device ifname. */
struct nlmsghdr *kobj_msg(struct ctl_genl *c, uint8_t cmd, const char *ifname);
/* Put a route-set nest of type with p's address and length. */
void kobj_put_prefix(struct nlmsghdr *nlh, uint16_t type, const struct kobj_prefix *p,
		     uint64_t node_id);
/* Parse a route-set nest (dst-ipv4/6, prefix-len, node-id). */
int kobj_get_prefix(const struct nlattr *nest, struct kobj_prefix *p, uint64_t *node_id);

/*
 * Send a change request; on failure print "xmeshctl: WHAT: reason" and
 * return the exit status.
 */
int kobj_do(struct ctl_genl *c, struct nlmsghdr *nlh, const char *what);
/* The same for a request whose replies go to cb (a get of one object). */
int kobj_query(struct ctl_genl *c, struct nlmsghdr *nlh, nl_genl_msg_cb cb, void *data,
	       const char *what);
/*
 * Dump cmd of device ifname into cb; reset(data) runs before each try, as
 * a dump that raced with a change (NLM_F_DUMP_INTR) is done again.
 */
int kobj_dump(struct ctl_genl *c, uint8_t cmd, const char *ifname, nl_genl_msg_cb cb,
	      void (*reset)(void *data), void *data, const char *what);

/*
 * Room for one more element in the array *vecp (a pointer to a T *) of *cap
 * elements of size bytes, n of them used: the capacity doubles from first,
 * and -E2BIG past max elements, so a runaway dump cannot eat the memory.
 */
int kobj_reserve(void *vecp, size_t *cap, size_t n, size_t size, size_t first, size_t max);
#define KOBJ_RESERVE(l, first, max) \
	kobj_reserve(&(l)->v, &(l)->cap, (l)->n, sizeof(*(l)->v), (first), (max))

/* Top-level attributes of a reply into tb[XMESH_A_DEV_MAX + 1]. */
int kobj_parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb);
/* Nested attributes into tb[max + 1], unknown (newer) types skipped. */
int kobj_parse_nest(const struct nlattr *nest, const struct nlattr **tb, uint16_t max);
/* The u64/u32 of an attribute whose length was checked, or def when absent. */
uint64_t kobj_u64(const struct nlattr *a, uint64_t def);
uint32_t kobj_u32(const struct nlattr *a, uint32_t def);

/* A stats nest into v[KOBJ_NSTATS]. */
int kobj_get_stats(const struct nlattr *nest, uint64_t *v);
extern const char *const kobj_stat_names[KOBJ_NSTATS];
/* Text: the non-zero counters, "  prefix rx: 3 packets, 252 bytes" style. */
void kobj_print_stats(const char *indent, const uint64_t *v);
void kobj_json_stats(struct json_writer *w, const char *key, const uint64_t *v);
void kobj_json_node(struct json_writer *w, const char *key, uint64_t id);

/* Open a JSON array on stdout when o->json; finish it (and check it). */
int kobj_json_begin(struct json_writer *w, const struct xmeshctl_opts *o);
int kobj_json_finish(struct json_writer *w);

/* Help texts of the groups, for main.c's table. */
#define KOBJ_PEER_HELP                                                                     \
	"  add DEV NODE [endpoint HOST:PORT]  add a peer (HOST: A.B.C.D or [V6])\n"           \
	"  set DEV NODE endpoint HOST:PORT    change its UDP endpoint\n"                       \
	"  del DEV NODE                       remove it, its keys and next hops through it\n" \
	"  show DEV NODE | list DEV           endpoint, key slots (indexes only), counters\n" \
	"NODE: decimal or 0x-hexadecimal. Changes need CAP_NET_ADMIN.\n"
#define KOBJ_KEY_HELP                                                                       \
	"  set DEV NODE primary|secondary local-index N remote-index N\n"                       \
	"      encrypt-key HEX64 decrypt-key HEX64 [rekey-after PACKETS]\n"                      \
	"                      install a ChaCha20-Poly1305 session key in a slot\n"              \
	"  swap DEV NODE       swap the slots atomically (the old key still decrypts)\n"         \
	"  del DEV NODE SLOT   erase a slot\n"                                                   \
	"Keys are normally pushed by xmeshd; the module never returns them.\n"
#define KOBJ_ROUTE_HELP                                                                      \
	"  add DEV PREFIX node NODE   route an overlay prefix to a destination node\n"           \
	"  del DEV PREFIX             remove it\n"                                               \
	"  list DEV                   all routes, in prefix order\n"                             \
	"  load DEV FILE|-            add many: lines 'PREFIX NODE' (sent in batches)\n"          \
	"  unload DEV FILE|-          remove many: lines 'PREFIX [NODE]'\n"
#define KOBJ_NEXTHOP_HELP                                                                    \
	"  add DEV DST via VIA [metric M]  reach node DST through peer VIA (lowest metric wins)\n" \
	"  del DEV DST via VIA             remove it; the next one takes over\n"                  \
	"  list DEV                        all next hops; 'active' marks the one in use\n"
#define KOBJ_TENANT_HELP                                                                     \
	"  add|set DEV ID [prefix P]... [ingress IF|none]... [rate BITS/S] [burst BYTES]\n"        \
	"      [budget BYTES]   prefixes and ingress interfaces replace the tenant's sets;\n"     \
	"      a tenant bound to ingress interfaces sends only from them; sizes take\n"          \
	"      k, M, G (x1000)\n"                                                                \
	"  del DEV ID\n"                                                                           \
	"  show DEV ID | list DEV   prefixes, limits and counters\n"

/* The command groups (peer.c, route.c, tenant.c, stats.c, monitor.c). */
int cmd_peer(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_key(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_route(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_nexthop(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_tenant(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_stats(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_monitor(int argc, char **argv, const struct xmeshctl_opts *o);

/*
 * Print the peers (only: just that one) or tenants of dev; nested: inside
 * a JSON document the caller opened (an array is open in w).
 */
int ctl_peer_list(struct ctl_genl *c, const char *dev, const uint64_t *only,
		  const struct xmeshctl_opts *o, struct json_writer *w, bool nested);
int ctl_tenant_list(struct ctl_genl *c, const char *dev, const uint32_t *only,
		    const struct xmeshctl_opts *o, struct json_writer *w, bool nested);
/*
 * The peers of dev for `xmeshctl show`: text blocks, or (JSON) a "peers"
 * key with its array in the device object open in w.
 */
int ctl_peer_show(struct ctl_genl *c, const char *dev, const struct xmeshctl_opts *o,
		  struct json_writer *w);

#endif /* XMESHCTL_KOBJ_H */
