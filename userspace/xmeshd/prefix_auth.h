/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who may hold which overlay prefix: the one place the daemon decides
 * whether a node's announced prefix is routed to it.
 *
 * A prefix announced by a session peer (signed handshake: authenticated,
 * not yet authorized) is granted only when
 *   - it is not a default route (0.0.0.0/0, ::/0),
 *   - an operator allow-list entry contains it (allow_prefixes; empty by
 *     default, so only this node's own prefixes are routed at all), and
 *   - it overlaps (contains or is contained in) no prefix reserved for this
 *     node or its tenants and no prefix another node holds.
 * The first node granted a prefix holds it until it withdraws it or its
 * session ends (pa_release_node()). Every refusal is counted by reason.
 *
 * pa_may_hold() is the question the ledger answers later ("may node N hold
 * prefix P?"); until then the rules above answer it.
 */
#ifndef XMESHD_PREFIX_AUTH_H
#define XMESHD_PREFIX_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "xm_node.h"

enum pa_refusal {
	PA_REFUSE_DEFAULT,     /* 0.0.0.0/0 or ::/0 */
	PA_REFUSE_INVALID,     /* bad family, length or host bits */
	PA_REFUSE_RESERVED,    /* overlaps this node's or a tenant's prefix */
	PA_REFUSE_OVERLAP,     /* overlaps a prefix another node holds */
	PA_REFUSE_NOT_ALLOWED, /* no allow-list entry contains it */
	PA_REFUSE_FULL,        /* the table of granted prefixes is full */
	PA_REFUSE__COUNT
};

struct prefix_auth;

/*
 * @reserved: this node's (and its tenants') prefixes; @allow: the operator
 * allow-list; @max_grants: how many prefixes peers may hold in all.
 */
struct prefix_auth *pa_new(const struct xmd_prefix *reserved, unsigned int n_reserved,
			   const struct xmd_prefix *allow, unsigned int n_allow,
			   unsigned int max_grants);
void pa_free(struct prefix_auth *pa);

/* Whether @a and @b share any address (one contains the other). */
bool pa_overlap(const struct xmd_prefix *a, const struct xmd_prefix *b);

/* May @node hold @p? 0, or the refusal. Changes nothing, counts nothing. */
int pa_may_hold(const struct prefix_auth *pa, const struct xm_node_id *node,
		const struct xmd_prefix *p, enum pa_refusal *why);
/*
 * Grants @p to @node if it may hold it: 0 (granted now), 1 (it held it
 * already) or -EPERM with the refusal counted.
 */
int pa_claim(struct prefix_auth *pa, const struct xm_node_id *node, const struct xmd_prefix *p);
/* Whether @node holds @p. */
bool pa_holds(const struct prefix_auth *pa, const struct xm_node_id *node,
	      const struct xmd_prefix *p);
/* @node gives up @p. */
void pa_release(struct prefix_auth *pa, const struct xm_node_id *node, const struct xmd_prefix *p);
/*
 * The prefixes @node holds, at most @max into @out (may be NULL to count).
 * Returns how many it holds.
 */
unsigned int pa_held(const struct prefix_auth *pa, const struct xm_node_id *node,
		     struct xmd_prefix *out, unsigned int max);

/* Refusals so far, by reason; prefixes granted now. */
uint64_t pa_refused(const struct prefix_auth *pa, enum pa_refusal why);
unsigned int pa_granted(const struct prefix_auth *pa);
const char *pa_refusal_name(enum pa_refusal why);

#endif
