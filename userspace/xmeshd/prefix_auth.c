// SPDX-License-Identifier: GPL-2.0
#include "prefix_auth.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pa_grant {
	struct xm_node_id node;
	struct xmd_prefix p;
};

struct prefix_auth {
	struct xmd_prefix *reserved, *allow;
	unsigned int n_reserved, n_allow;
	struct pa_grant *grants;
	unsigned int n_grants, max_grants;
	uint64_t refused[PA_REFUSE__COUNT];
};

static const char *const refusal_names[PA_REFUSE__COUNT] = {
	[PA_REFUSE_DEFAULT] = "default_route",
	[PA_REFUSE_INVALID] = "invalid",
	[PA_REFUSE_RESERVED] = "overlaps_own",
	[PA_REFUSE_OVERLAP] = "overlaps_other_node",
	[PA_REFUSE_NOT_ALLOWED] = "not_allowed",
	[PA_REFUSE_FULL] = "table_full",
};

const char *pa_refusal_name(enum pa_refusal why)
{
	return why < PA_REFUSE__COUNT ? refusal_names[why] : "?";
}

static struct xmd_prefix *dup_prefixes(const struct xmd_prefix *p, unsigned int n)
{
	struct xmd_prefix *d = calloc(n ? n : 1, sizeof(*d));

	if (d && n)
		memcpy(d, p, n * sizeof(*d));
	return d;
}

struct prefix_auth *pa_new(const struct xmd_prefix *reserved, unsigned int n_reserved,
			   const struct xmd_prefix *allow, unsigned int n_allow,
			   unsigned int max_grants)
{
	struct prefix_auth *pa = calloc(1, sizeof(*pa));

	if (!pa)
		return NULL;
	pa->reserved = dup_prefixes(reserved, n_reserved);
	pa->allow = dup_prefixes(allow, n_allow);
	pa->grants = calloc(max_grants ? max_grants : 1, sizeof(*pa->grants));
	if (!pa->reserved || !pa->allow || !pa->grants) {
		pa_free(pa);
		return NULL;
	}
	pa->n_reserved = n_reserved;
	pa->n_allow = n_allow;
	pa->max_grants = max_grants;
	return pa;
}

void pa_free(struct prefix_auth *pa)
{
	if (!pa)
		return;
	free(pa->reserved);
	free(pa->allow);
	free(pa->grants);
	free(pa);
}

/* Whether the first @bits bits of @a and @b are equal. */
static bool same_bits(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return false;
	return !rest || !((a[whole] ^ b[whole]) & (uint8_t)(0xff00u >> rest));
}

bool pa_overlap(const struct xmd_prefix *a, const struct xmd_prefix *b)
{
	return a->family == b->family &&
	       same_bits(a->addr, b->addr, a->len < b->len ? a->len : b->len);
}

/* Whether @outer contains @inner (equal included). */
static bool contains(const struct xmd_prefix *outer, const struct xmd_prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       same_bits(outer->addr, inner->addr, outer->len);
}

static int find_grant(const struct prefix_auth *pa, const struct xm_node_id *node,
		      const struct xmd_prefix *p)
{
	for (unsigned int i = 0; i < pa->n_grants; i++)
		if (!xm_node_id_cmp(&pa->grants[i].node, node) &&
		    config_prefix_equal(&pa->grants[i].p, p))
			return (int)i;
	return -1;
}

int pa_may_hold(const struct prefix_auth *pa, const struct xm_node_id *node,
		const struct xmd_prefix *p, enum pa_refusal *why)
{
	bool allowed = false;

	/* A hijack is counted as one even when the allow-list would refuse it too. */
	if (!config_prefix_valid(p)) {
		*why = PA_REFUSE_INVALID;
		return -EPERM;
	}
	if (!p->len) {
		*why = PA_REFUSE_DEFAULT;
		return -EPERM;
	}
	for (unsigned int i = 0; i < pa->n_reserved; i++) {
		if (pa_overlap(&pa->reserved[i], p)) {
			*why = PA_REFUSE_RESERVED;
			return -EPERM;
		}
	}
	for (unsigned int i = 0; i < pa->n_grants; i++) {
		if (xm_node_id_cmp(&pa->grants[i].node, node) &&
		    pa_overlap(&pa->grants[i].p, p)) {
			*why = PA_REFUSE_OVERLAP;
			return -EPERM;
		}
	}
	for (unsigned int i = 0; i < pa->n_allow && !allowed; i++)
		allowed = contains(&pa->allow[i], p);
	if (!allowed) {
		*why = PA_REFUSE_NOT_ALLOWED;
		return -EPERM;
	}
	return 0;
}

int pa_claim(struct prefix_auth *pa, const struct xm_node_id *node, const struct xmd_prefix *p)
{
	enum pa_refusal why;

	if (find_grant(pa, node, p) >= 0)
		return 1;
	if (pa_may_hold(pa, node, p, &why)) {
		pa->refused[why]++;
		return -EPERM;
	}
	if (pa->n_grants == pa->max_grants) {
		pa->refused[PA_REFUSE_FULL]++;
		return -EPERM;
	}
	pa->grants[pa->n_grants].node = *node;
	pa->grants[pa->n_grants].p = *p;
	pa->n_grants++;
	return 0;
}

bool pa_holds(const struct prefix_auth *pa, const struct xm_node_id *node,
	      const struct xmd_prefix *p)
{
	return find_grant(pa, node, p) >= 0;
}

void pa_release(struct prefix_auth *pa, const struct xm_node_id *node, const struct xmd_prefix *p)
{
	int i = find_grant(pa, node, p);

	if (i >= 0)
		pa->grants[i] = pa->grants[--pa->n_grants];
}

unsigned int pa_held(const struct prefix_auth *pa, const struct xm_node_id *node,
		     struct xmd_prefix *out, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < pa->n_grants; i++) {
		if (xm_node_id_cmp(&pa->grants[i].node, node))
			continue;
		if (out && n < max)
			out[n] = pa->grants[i].p;
		n++;
	}
	return n;
}

uint64_t pa_refused(const struct prefix_auth *pa, enum pa_refusal why)
{
	return why < PA_REFUSE__COUNT ? pa->refused[why] : 0;
}

unsigned int pa_granted(const struct prefix_auth *pa)
{
	return pa->n_grants;
}
