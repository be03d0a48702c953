// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh routing table: destinations (a hash keyed by node id), the routes
 * each neighbour offers to them, feasibility distances and route selection
 * (RFC 8966 3.5 and 3.6).
 *
 * Loop freedom rests on one rule: a route is selected only if it is feasible,
 * i.e. the (seqno, metric) its neighbour advertised is strictly better than
 * the best (seqno, metric) this node ever advertised for the destination
 * (its feasibility distance). Distances only improve, so along any chain of
 * selected next hops they strictly improve too, and a chain cannot close.
 */
#include "route_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/*
 * Selection hysteresis: another route must be better by m / SWITCH_DIV, and
 * by half a hop_cost, to replace the selected route of metric m.
 */
#define SWITCH_DIV 16

int route_table_init(struct route *r)
{
	uint32_t size = 16;

	while (size < 2 * r->cfg.max_dests)
		size <<= 1;
	r->dests = calloc(r->cfg.max_dests, sizeof(*r->dests));
	r->hash = calloc(size, sizeof(*r->hash));
	if (!r->dests || !r->hash)
		return -ENOMEM;
	r->hash_mask = size - 1;
	/* A keyed hash, so nobody can pick ids that collide in this table. */
	r->env->random(r->env->ctx, r->hash_key, sizeof(r->hash_key));
	return 0;
}

void route_table_free(struct route *r)
{
	if (r->dests)
		for (unsigned int i = 0; i < r->cfg.max_dests; i++)
			free(r->dests[i].routes);
	free(r->dests);
	free(r->hash);
}

static uint32_t home_slot(const struct route *r, const struct xm_node_id *id)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint32_t v;

	crypto_shorthash(h, id->b, XM_ID_LEN, r->hash_key);
	memcpy(&v, h, sizeof(v));
	return v & r->hash_mask;
}

struct route_dest *route_dest_find(const struct route *r, const struct xm_node_id *id)
{
	for (uint32_t i = home_slot(r, id);; i = (i + 1) & r->hash_mask) {
		uint32_t v = r->hash[i];

		if (!v)
			return NULL;
		if (!xm_node_id_cmp(&r->dests[v - 1].id, id))
			return &r->dests[v - 1];
	}
}

struct route_dest *route_dest_add(struct route *r, const struct xm_node_id *id,
				  const uint8_t pk[XM_PUBKEY_LEN])
{
	struct route_dest *d = NULL;
	uint32_t i;

	if (r->ndests >= r->cfg.max_dests)
		return NULL;
	for (unsigned int k = 0; k < r->cfg.max_dests; k++) {
		if (!r->dests[k].used) {
			d = &r->dests[k];
			break;
		}
	}
	if (!d)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->id = *id;
	memcpy(d->pk, pk, XM_PUBKEY_LEN);
	d->sel = ROUTE_NONE;
	d->alt = ROUTE_NONE;
	d->reported.dst = *id;
	d->fd_used = route_now(r);
	for (i = home_slot(r, id); r->hash[i]; i = (i + 1) & r->hash_mask)
		;
	r->hash[i] = (uint32_t)(d - r->dests) + 1;
	r->ndests++;
	return d;
}

/* Removes @d from the hash by backward shifting (no tombstones). */
static void dest_remove(struct route *r, struct route_dest *d)
{
	uint32_t want = (uint32_t)(d - r->dests) + 1, i, j;

	for (i = home_slot(r, &d->id); r->hash[i] != want; i = (i + 1) & r->hash_mask)
		;
	r->hash[i] = 0;
	for (j = (i + 1) & r->hash_mask; r->hash[j]; j = (j + 1) & r->hash_mask) {
		uint32_t k = home_slot(r, &r->dests[r->hash[j] - 1].id);
		/* Move j's entry into the hole i unless its home lies in (i, j]. */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);

		if (stays)
			continue;
		r->hash[i] = r->hash[j];
		r->hash[j] = 0;
		i = j;
	}
	free(d->routes);
	memset(d, 0, sizeof(*d));
	r->ndests--;
}

bool route_feasible(const struct route_dest *d, uint32_t seqno, uint16_t refmetric)
{
	if (refmetric == ROUTE_METRIC_INF || !d->fd_valid)
		return true;
	return route_seq_newer(seqno, d->fd_seqno) ||
	       (seqno == d->fd_seqno && refmetric < d->fd_metric);
}

uint16_t route_entry_metric(const struct route *r, const struct route_entry *e)
{
	return route_metric_add(e->refmetric, r->neighs[e->neigh].cost);
}

struct route_entry *route_entry_find(struct route_dest *d, unsigned int neigh)
{
	for (unsigned int i = 0; i < d->nroutes; i++)
		if (d->routes[i].neigh == neigh)
			return &d->routes[i];
	return NULL;
}

struct route_entry *route_entry_add(struct route *r, struct route_dest *d, unsigned int neigh)
{
	struct route_entry *e;

	if (r->nroutes >= r->cfg.max_routes || d->nroutes >= r->cfg.max_neighbours)
		return NULL;
	if (d->nroutes == d->cap) {
		unsigned int cap = d->cap ? 2 * d->cap : 2;
		void *p;

		if (cap > r->cfg.max_neighbours)
			cap = r->cfg.max_neighbours;
		p = realloc(d->routes, cap * sizeof(*d->routes));
		if (!p)
			return NULL;
		d->routes = p;
		d->cap = cap;
	}
	e = &d->routes[d->nroutes++];
	memset(e, 0, sizeof(*e));
	e->neigh = (uint16_t)neigh;
	e->refmetric = ROUTE_METRIC_INF;
	r->nroutes++;
	return e;
}

void route_entry_del(struct route *r, struct route_dest *d, struct route_entry *e)
{
	*e = d->routes[--d->nroutes];
	r->nroutes--;
}

static bool entry_usable(const struct route *r, const struct route_dest *d,
			 const struct route_entry *e)
{
	return route_entry_metric(r, e) != ROUTE_METRIC_INF &&
	       route_feasible(d, e->seqno, e->refmetric);
}

/* The usable route with the smallest metric, not through @skip. */
static struct route_entry *best_route(const struct route *r, struct route_dest *d, int skip)
{
	struct route_entry *best = NULL;

	for (unsigned int i = 0; i < d->nroutes; i++) {
		struct route_entry *e = &d->routes[i];

		if (e->neigh == skip || !entry_usable(r, d, e))
			continue;
		if (!best || route_entry_metric(r, e) < route_entry_metric(r, best))
			best = e;
	}
	return best;
}

bool route_dest_starving(const struct route *r, const struct route_dest *d)
{
	if (d->sel != ROUTE_NONE)
		return false;
	for (unsigned int i = 0; i < d->nroutes; i++)
		if (route_entry_metric(r, &d->routes[i]) != ROUTE_METRIC_INF)
			return true; /* routes exist, none is feasible */
	return false;
}

static void fill_change(const struct route *r, struct route_change *c, const struct route_dest *d,
			const struct route_entry *sel, const struct route_entry *alt)
{
	memset(c, 0, sizeof(*c));
	c->dst = d->id;
	if (!sel)
		return;
	c->reachable = true;
	c->metric = route_entry_metric(r, sel);
	c->seqno = sel->seqno;
	c->nh = r->neighs[sel->neigh].id;
	c->nh_addr = r->neighs[sel->neigh].addr;
	c->nh_ifindex = r->neighs[sel->neigh].ifindex;
	if (alt) {
		c->has_alt = true;
		c->alt = r->neighs[alt->neigh].id;
		c->alt_addr = r->neighs[alt->neigh].addr;
		c->alt_ifindex = r->neighs[alt->neigh].ifindex;
	}
}

static bool change_differs(const struct route_change *a, const struct route_change *b)
{
	if (a->reachable != b->reachable)
		return true;
	if (!a->reachable)
		return false;
	return a->metric != b->metric || a->seqno != b->seqno ||
	       xm_node_id_cmp(&a->nh, &b->nh) || a->nh_ifindex != b->nh_ifindex ||
	       !xm_addr_equal(&a->nh_addr, &b->nh_addr) || a->has_alt != b->has_alt ||
	       (a->has_alt && (xm_node_id_cmp(&a->alt, &b->alt) ||
			       a->alt_ifindex != b->alt_ifindex ||
			       !xm_addr_equal(&a->alt_addr, &b->alt_addr)));
}

/* Whether the change is worth a triggered update rather than waiting. */
static bool needs_trigger(const struct route_dest *d, const struct route_change *c)
{
	uint16_t diff;

	if (!d->adv_valid)
		return c->reachable;
	if (c->reachable != d->adv_reachable)
		return true;
	if (!c->reachable)
		return false;
	if (c->seqno != d->adv_seqno)
		return true;
	diff = c->metric > d->adv_metric ? c->metric - d->adv_metric : d->adv_metric - c->metric;
	return diff > d->adv_metric / 4;
}

void route_select(struct route *r, struct route_dest *d)
{
	struct route_entry *cur = d->sel != ROUTE_NONE ? route_entry_find(d, d->sel) : NULL;
	struct route_entry *best = best_route(r, d, ROUTE_NONE);
	struct route_entry *alt;
	struct route_change c;

	if (route_now(r) < r->hold_until) {
		d->sel = ROUTE_NONE;
		d->alt = ROUTE_NONE;
		return;
	}
	if (cur && entry_usable(r, d, cur) && best && best != cur) {
		uint16_t m = route_entry_metric(r, cur);
		uint16_t floor = r->cfg.hop_cost / 2;
		uint16_t band = m / SWITCH_DIV > floor ? m / SWITCH_DIV : floor;

		if (route_entry_metric(r, best) + band > m)
			best = cur; /* not better by enough to switch */
	}
	d->sel = best ? best->neigh : ROUTE_NONE;
	alt = best ? best_route(r, d, best->neigh) : NULL;
	d->alt = alt ? alt->neigh : ROUTE_NONE;
	if (best)
		d->fd_used = route_now(r);

	fill_change(r, &c, d, best, alt);
	if (change_differs(&c, &d->reported)) {
		d->reported = c;
		r->st.route_changes++;
		if (r->cfg.on_change)
			r->cfg.on_change(r->cfg.cb_arg, &c);
	}
	if (needs_trigger(d, &c))
		d->pending = true;
	if (route_dest_starving(r, d))
		route_request_seqno(r, d);
}

void route_table_neigh_gone(struct route *r, unsigned int neigh)
{
	for (unsigned int i = 0; i < r->cfg.max_dests; i++) {
		struct route_dest *d = &r->dests[i];
		struct route_entry *e;

		if (!d->used)
			continue;
		e = route_entry_find(d, neigh);
		if (!e)
			continue;
		route_entry_del(r, d, e);
		route_select(r, d);
	}
}

void route_table_neigh_recost(struct route *r, unsigned int neigh)
{
	for (unsigned int i = 0; i < r->cfg.max_dests; i++) {
		struct route_dest *d = &r->dests[i];

		if (d->used && route_entry_find(d, neigh))
			route_select(r, d);
	}
}

void route_table_timers(struct route *r, uint64_t now)
{
	for (unsigned int i = 0; i < r->cfg.max_dests; i++) {
		struct route_dest *d = &r->dests[i];
		bool removed = false;

		if (!d->used)
			continue;
		for (unsigned int k = 0; k < d->nroutes;) {
			if (d->routes[k].expires <= now) {
				route_entry_del(r, d, &d->routes[k]);
				removed = true;
				continue;
			}
			route_arm(r, d->routes[k].expires);
			k++;
		}
		if (removed)
			route_select(r, d);
		if (route_dest_starving(r, d)) {
			if (now >= d->req_next)
				route_request_seqno(r, d);
			route_arm(r, d->req_next);
		}
		if (d->repeat_at)
			route_arm(r, d->repeat_at);
		if (!d->nroutes && !d->pending && !d->repeat_at && d->sel == ROUTE_NONE &&
		    now >= d->retract_until) {
			/* Forget the destination once its distance has aged out. */
			if (now - d->fd_used >= ROUTE_SOURCE_GC_MS)
				dest_remove(r, d);
			else
				route_arm(r, d->fd_used + ROUTE_SOURCE_GC_MS);
		}
	}
}
