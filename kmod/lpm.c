// SPDX-License-Identifier: GPL-2.0
/* Longest-prefix match over per-length hash probes; see lpm.h. */

#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/socket.h>

#include "lpm.h"

static const struct rhashtable_params lpm_params = {
	.key_len = sizeof(struct xmesh_prefix),
	.key_offset = offsetof(struct xmesh_lpm_entry, key),
	.head_offset = offsetof(struct xmesh_lpm_entry, hnode),
	.automatic_shrinking = true,
};

static void mask_words(__be32 *addr, unsigned int words, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < words; i++, plen = plen > 32 ? plen - 32 : 0) {
		if (plen >= 32)
			continue;
		addr[i] &= plen ? htonl(~0U << (32 - plen)) : 0;
	}
}

int xmesh_prefix_make(struct xmesh_prefix *p, int family, const void *addr,
		      unsigned int plen)
{
	unsigned int words = family == AF_INET ? 1 : 4;

	memset(p, 0, sizeof(*p));
	if (plen > words * 32)
		return -EINVAL;
	p->family = family;
	p->plen = plen;
	memcpy(p->addr, addr, words * 4);
	mask_words(p->addr, words, plen);
	return memcmp(p->addr, addr, words * 4) ? -EINVAL : 0;
}

int xmesh_lpm_init(struct xmesh_lpm *t, unsigned int max)
{
	memset(t, 0, sizeof(*t));
	t->sorted = RB_ROOT;
	t->max = max;
	return rhashtable_init(&t->ht, &lpm_params);
}

static void lpm_free_entry(void *ptr, void *arg)
{
	kfree(ptr);
}

void xmesh_lpm_destroy(struct xmesh_lpm *t)
{
	rhashtable_free_and_destroy(&t->ht, lpm_free_entry, NULL);
	t->sorted = RB_ROOT;
	t->count = 0;
}

static int prefix_cmp(const struct xmesh_prefix *a, const struct xmesh_prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (r)
		return r;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return 0;
}

struct xmesh_lpm_entry *xmesh_lpm_find(struct xmesh_lpm *t,
				       const struct xmesh_prefix *p)
{
	return rhashtable_lookup_fast(&t->ht, p, lpm_params);
}

static void lens_account(struct xmesh_lpm *t, const struct xmesh_prefix *p,
			 int delta)
{
	bool v6 = p->family == AF_INET6;
	unsigned int *n = &t->len_count[v6][p->plen];

	*n += delta;
	if (*n)
		set_bit(p->plen, v6 ? t->lens6 : t->lens4);
	else
		clear_bit(p->plen, v6 ? t->lens6 : t->lens4);
}

int xmesh_lpm_set(struct xmesh_lpm *t, const struct xmesh_prefix *p,
		  u64 value, bool *created)
{
	struct rb_node **link = &t->sorted.rb_node, *parent = NULL;
	struct xmesh_lpm_entry *e;
	int err;

	e = xmesh_lpm_find(t, p);
	*created = !e;
	if (e) {
		WRITE_ONCE(e->value, value);
		return 0;
	}
	if (t->count >= t->max)
		return -ENOSPC;
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	e->key = *p;
	e->value = value;
	err = rhashtable_insert_fast(&t->ht, &e->hnode, lpm_params);
	if (err) {
		kfree(e);
		return err;
	}
	while (*link) {
		struct xmesh_lpm_entry *cur;

		parent = *link;
		cur = rb_entry(parent, struct xmesh_lpm_entry, rb);
		link = prefix_cmp(p, &cur->key) < 0 ? &parent->rb_left :
						      &parent->rb_right;
	}
	rb_link_node(&e->rb, parent, link);
	rb_insert_color(&e->rb, &t->sorted);
	t->count++;
	lens_account(t, p, 1);
	return 0;
}

static void lpm_unlink(struct xmesh_lpm *t, struct xmesh_lpm_entry *e)
{
	rhashtable_remove_fast(&t->ht, &e->hnode, lpm_params);
	rb_erase(&e->rb, &t->sorted);
	t->count--;
	lens_account(t, &e->key, -1);
	kfree_rcu(e, rcu);
}

int xmesh_lpm_del(struct xmesh_lpm *t, const struct xmesh_prefix *p, u64 *old)
{
	struct xmesh_lpm_entry *e = xmesh_lpm_find(t, p);

	if (!e)
		return -ENOENT;
	if (old)
		*old = e->value;
	lpm_unlink(t, e);
	return 0;
}

unsigned int xmesh_lpm_del_value(struct xmesh_lpm *t, u64 v)
{
	struct rb_node *n = rb_first(&t->sorted);
	unsigned int gone = 0;

	while (n) {
		struct xmesh_lpm_entry *e = rb_entry(n, struct xmesh_lpm_entry, rb);

		n = rb_next(n);
		if (e->value == v) {
			lpm_unlink(t, e);
			gone++;
		}
	}
	return gone;
}

static bool lpm_probe(struct xmesh_lpm *t, struct xmesh_prefix *key,
		      const unsigned long *lens, int maxlen, u64 *value)
{
	__be32 full[4];
	int plen;

	memcpy(full, key->addr, sizeof(full));
	for (plen = maxlen; plen >= 0; plen--) {
		struct xmesh_lpm_entry *e;

		if (!test_bit(plen, lens))
			continue;
		memcpy(key->addr, full, sizeof(full));
		mask_words(key->addr, maxlen / 32, plen);
		key->plen = plen;
		e = rhashtable_lookup(&t->ht, key, lpm_params);
		if (e) {
			*value = READ_ONCE(e->value);
			return true;
		}
	}
	return false;
}

bool xmesh_lpm_lookup4(struct xmesh_lpm *t, __be32 addr, u64 *value)
{
	struct xmesh_prefix key = { .family = AF_INET, .addr = { addr } };

	return lpm_probe(t, &key, t->lens4, 32, value);
}

bool xmesh_lpm_lookup6(struct xmesh_lpm *t, const struct in6_addr *addr,
		       u64 *value)
{
	struct xmesh_prefix key = { .family = AF_INET6 };

	memcpy(key.addr, addr, sizeof(key.addr));
	return lpm_probe(t, &key, t->lens6, 128, value);
}

struct xmesh_lpm_entry *xmesh_lpm_next(struct xmesh_lpm *t,
				       const struct xmesh_prefix *after)
{
	struct rb_node *n = t->sorted.rb_node;
	struct xmesh_lpm_entry *best = NULL;

	if (!after) {
		n = rb_first(&t->sorted);
		return n ? rb_entry(n, struct xmesh_lpm_entry, rb) : NULL;
	}
	while (n) {
		struct xmesh_lpm_entry *e = rb_entry(n, struct xmesh_lpm_entry, rb);

		if (prefix_cmp(&e->key, after) > 0) {
			best = e;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

struct xmesh_lpm_entry *xmesh_lpm_succ(const struct xmesh_lpm_entry *e)
{
	struct rb_node *n = rb_next(&e->rb);

	return n ? rb_entry(n, struct xmesh_lpm_entry, rb) : NULL;
}
