/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Longest-prefix match of IPv4 and IPv6 addresses to a u64 value: the route
 * table maps overlay prefixes to destination nodes, the tenant table maps
 * them to tenant ids.
 *
 * Lookups run under RCU in the data path: one hash probe per prefix length
 * in use, longest first. Writers hold the owner's configuration mutex and
 * also keep every entry in an rbtree ordered by prefix, so a netlink dump
 * resumes after the last prefix it sent however the table changed meanwhile.
 */
#ifndef _XMESH_LPM_H
#define _XMESH_LPM_H

#include <linux/in6.h>
#include <linux/rbtree.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

/* A prefix with its host bits zero. IPv4 lives in addr[0]. */
struct xmesh_prefix {
	u8 family;		/* AF_INET or AF_INET6 */
	u8 plen;
	u8 pad[2];
	__be32 addr[4];
};

struct xmesh_lpm_entry {
	struct rhash_head hnode;
	struct rb_node rb;
	struct xmesh_prefix key;
	u64 value;
	struct rcu_head rcu;
};

struct xmesh_lpm {
	struct rhashtable ht;
	struct rb_root sorted;
	unsigned int count;
	unsigned int max;
	/* Entries per prefix length (writer side) and which are non-empty. */
	unsigned int len_count[2][129];
	DECLARE_BITMAP(lens4, 33);
	DECLARE_BITMAP(lens6, 129);
};

int xmesh_lpm_init(struct xmesh_lpm *t, unsigned int max);
/* Frees every entry; no reader may still be inside (after synchronize_net). */
void xmesh_lpm_destroy(struct xmesh_lpm *t);

/* Set the prefix's value; *created tells whether it is new. */
int xmesh_lpm_set(struct xmesh_lpm *t, const struct xmesh_prefix *p,
		  u64 value, bool *created);
/* Remove the prefix; -ENOENT if absent. *old gets its value. */
int xmesh_lpm_del(struct xmesh_lpm *t, const struct xmesh_prefix *p, u64 *old);
struct xmesh_lpm_entry *xmesh_lpm_find(struct xmesh_lpm *t,
				       const struct xmesh_prefix *p);
/* Remove every entry whose value is v; returns how many went. */
unsigned int xmesh_lpm_del_value(struct xmesh_lpm *t, u64 v);

/*
 * Data path: the value of the longest prefix holding addr (4 or 16 bytes,
 * network order), under rcu_read_lock(). Returns false when none does.
 */
bool xmesh_lpm_lookup4(struct xmesh_lpm *t, __be32 addr, u64 *value);
bool xmesh_lpm_lookup6(struct xmesh_lpm *t, const struct in6_addr *addr,
		       u64 *value);

/* Dump order: the first entry after @after, or the first of all if NULL. */
struct xmesh_lpm_entry *xmesh_lpm_next(struct xmesh_lpm *t,
				       const struct xmesh_prefix *after);

/*
 * The entry after @e in dump order, or NULL: one step, not a search from
 * the root. The caller holds the writers' mutex from finding @e on.
 */
struct xmesh_lpm_entry *xmesh_lpm_succ(const struct xmesh_lpm_entry *e);

/* Build a prefix; -EINVAL when plen is too long or host bits are set. */
int xmesh_prefix_make(struct xmesh_prefix *p, int family, const void *addr,
		      unsigned int plen);

#endif /* _XMESH_LPM_H */
