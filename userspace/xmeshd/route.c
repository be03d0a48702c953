// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh routing: message handling and timers (see route.h and
 * Documentation/routing.md). Neighbours and link costs live in
 * route_neigh.c, the table and route selection in route_table.c, the wire
 * format in route_msg.c.
 *
 * Every entry point (route_receive, route_tick, route_add/del_link) ends by
 * flushing the triggered updates it caused, batched into as few packets as
 * fit, sent on every link's multicast.
 */
#include "route_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A packet being filled, for one neighbour or for every link. */
struct route_out {
	struct route *r;
	bool unicast;
	struct xm_addr to;
	struct route_msg m;
};

static const char *const drop_names[ROUTE_DROP__COUNT] = {
	[ROUTE_DROP_MALFORMED] = "malformed",
	[ROUTE_DROP_VERSION] = "version",
	[ROUTE_DROP_BAD_SIG] = "bad_signature",
	[ROUTE_DROP_ID_KEY] = "id_not_bound_to_key",
	[ROUTE_DROP_NO_LINK] = "no_link",
	[ROUTE_DROP_NOT_NEIGH] = "not_neighbour",
	[ROUTE_DROP_TABLE_FULL] = "table_full",
	[ROUTE_DROP_SELF] = "self",
	[ROUTE_DROP_SEQNO_RATE] = "seqno_request_rate",
	[ROUTE_DROP_TTL] = "ttl_below_255",
	[ROUTE_DROP_NOT_LINK_LOCAL] = "not_link_local",
};

const char *route_drop_name(enum route_drop d)
{
	return (unsigned int)d < ROUTE_DROP__COUNT ? drop_names[d] : "?";
}

static void out_init(struct route_out *o, struct route *r, const struct xm_addr *to)
{
	memset(o, 0, sizeof(*o));
	o->r = r;
	o->unicast = to != NULL;
	if (to)
		o->to = *to;
}

static void out_flush(struct route_out *o)
{
	struct route *r = o->r;
	uint8_t buf[XM_MSG_BODY_MAX];
	int len, err;

	if (!o->m.has_hello && !o->m.has_ihu && !o->m.n_updates && !o->m.n_requests)
		return;
	len = route_msg_encode(&o->m, buf, sizeof(buf));
	if (len < 0) {
		r->st.tx_errors++;
	} else if (o->unicast) {
		/* Routing messages stay on a link: unaddressed (env.h). */
		err = r->env->send(r->env->ctx, XM_MSG_ROUTE, &o->to, NULL, buf, (size_t)len);
		r->st.tx_packets++;
		r->st.tx_errors += err < 0;
	} else {
		for (unsigned int i = 0; i < r->cfg.max_links; i++) {
			if (!r->links[i].ifindex)
				continue;
			err = r->env->send_link(r->env->ctx, XM_MSG_ROUTE, r->links[i].ifindex, buf,
						(size_t)len);
			r->st.tx_packets++;
			r->st.tx_errors += err < 0;
		}
	}
	r->st.updates_tx += o->m.n_updates;
	memset(&o->m, 0, sizeof(o->m));
}

static struct route_msg_update *out_update(struct route_out *o)
{
	if (!route_msg_fits(&o->m, 1, 0))
		out_flush(o);
	return &o->m.updates[o->m.n_updates++];
}

static struct route_msg_request *out_request(struct route_out *o)
{
	if (!route_msg_fits(&o->m, 0, 1))
		out_flush(o);
	return &o->m.requests[o->m.n_requests++];
}

static void out_self(struct route_out *o)
{
	struct route *r = o->r;
	struct route_msg_update *u = out_update(o);

	memcpy(u->origin_pk, r->self_pk, XM_PUBKEY_LEN);
	u->seqno = r->seqno;
	u->metric = 0;
	u->interval_ms = r->cfg.update_interval_ms;
	memcpy(u->sig, r->self_sig, XM_SIG_LEN);
}

/*
 * Adds the current route to @d (or its retraction) and records what was
 * advertised; advertising a route is what sets the feasibility distance.
 */
static void out_dest(struct route_out *o, struct route_dest *d)
{
	struct route *r = o->r;
	struct route_entry *sel = d->sel != ROUTE_NONE ? route_entry_find(d, d->sel) : NULL;
	struct route_msg_update *u;
	bool fd_changed = false;

	if (!sel && !d->sig_valid)
		return; /* nothing we could sign a retraction with */
	u = out_update(o);
	memcpy(u->origin_pk, d->pk, XM_PUBKEY_LEN);
	u->interval_ms = r->cfg.update_interval_ms;
	if (sel) {
		u->seqno = sel->seqno;
		u->metric = route_entry_metric(r, sel);
		memcpy(u->sig, sel->sig, XM_SIG_LEN);
		if (!d->fd_valid || route_seq_newer(u->seqno, d->fd_seqno) ||
		    (u->seqno == d->fd_seqno && u->metric < d->fd_metric)) {
			d->fd_valid = true;
			d->fd_seqno = u->seqno;
			d->fd_metric = u->metric;
			fd_changed = true;
		}
		d->fd_used = route_now(r);
	} else {
		u->seqno = d->sig_seqno;
		u->metric = ROUTE_METRIC_INF;
		memcpy(u->sig, d->sig, XM_SIG_LEN);
	}
	if (!o->unicast) {
		/*
		 * A retraction, a new route or a new seqno is urgent: one lost
		 * copy would leave neighbours on a stale route until the next
		 * full update, so it goes out once more shortly.
		 */
		if (!d->adv_valid || d->adv_reachable != (sel != NULL) ||
		    d->adv_seqno != u->seqno) {
			d->repeat_at = route_now(r) + r->cfg.hello_interval_ms / 4;
			route_arm(r, d->repeat_at);
		}
		/* And a retraction until the routes it retracts would expire. */
		if (!sel && d->adv_valid && d->adv_reachable)
			d->retract_until = route_now(r) + (uint64_t)r->cfg.update_interval_ms * 7 / 2;
		d->adv_valid = true;
		d->adv_reachable = sel != NULL;
		d->adv_seqno = u->seqno;
		d->adv_metric = u->metric;
	}
	/* A better distance may have made the second route unfeasible. */
	if (fd_changed && d->alt != ROUTE_NONE)
		route_select(r, d);
	if (!o->unicast)
		d->pending = false;
}

/* Every route we have (and recent retractions), to @to or to every link. */
static void send_dump(struct route *r, const struct xm_addr *to)
{
	uint64_t now = route_now(r);
	struct route_out o;

	out_init(&o, r, to);
	out_self(&o);
	if (!to)
		r->self_pending = false;
	for (unsigned int i = 0; i < r->cfg.max_dests; i++) {
		struct route_dest *d = &r->dests[i];

		if (d->used && (d->sel != ROUTE_NONE || now < d->retract_until))
			out_dest(&o, d);
	}
	out_flush(&o);
}

static void flush_pending(struct route *r)
{
	uint64_t now = route_now(r);
	struct route_out o;

	out_init(&o, r, NULL);
	if (r->self_pending) {
		out_self(&o);
		r->self_pending = false;
	}
	if (r->self_repeat_at && now >= r->self_repeat_at) {
		out_self(&o);
		r->self_repeat_at = 0;
	}
	for (unsigned int i = 0; i < r->cfg.max_dests; i++) {
		struct route_dest *d = &r->dests[i];

		if (!d->used)
			continue;
		if (d->repeat_at && now >= d->repeat_at) {
			d->repeat_at = 0;
			d->pending = true;
		}
		if (d->pending)
			out_dest(&o, d);
		d->pending = false;
	}
	out_flush(&o);
}

static void self_sign(struct route *r)
{
	uint8_t msg[ROUTE_SIG_MSG_LEN];

	route_sig_msg(msg, &r->self, r->seqno);
	r->env->sign(r->env->ctx, r->self_sig, msg, sizeof(msg));
}

/* Raises our own seqno to @seqno (signed by us, so anyone can check it). */
static void self_bump(struct route *r, uint32_t seqno)
{
	r->seqno = seqno;
	self_sign(r);
	r->self_pending = true;
	r->self_repeat_at = route_now(r) + r->cfg.hello_interval_ms / 4;
	route_arm(r, r->self_repeat_at);
}

static void send_request(struct route *r, const struct xm_addr *to, const struct xm_node_id *origin,
			 uint32_t seqno, uint8_t hops)
{
	struct route_out o;
	struct route_msg_request *q;

	out_init(&o, r, to);
	q = out_request(&o);
	if (origin)
		q->origin = *origin;
	q->wildcard = origin == NULL;
	q->seqno = seqno;
	q->hop_count = hops;
	out_flush(&o);
}

/*
 * Starvation (RFC 8966 3.8.2.1): routes exist but none is feasible. Ask the
 * neighbours offering them for a seqno newer than our feasibility distance;
 * the request travels towards the origin, whose answer makes them feasible.
 */
void route_request_seqno(struct route *r, struct route_dest *d)
{
	uint64_t now = route_now(r);

	if (now < d->req_next || !d->fd_valid)
		return;
	d->req_next = now + r->cfg.hello_interval_ms / 2;
	route_arm(r, d->req_next);
	for (unsigned int i = 0; i < d->nroutes; i++) {
		struct route_entry *e = &d->routes[i];

		if (route_entry_metric(r, e) == ROUTE_METRIC_INF)
			continue;
		send_request(r, &r->neighs[e->neigh].addr, &d->id, d->fd_seqno + 1,
			     ROUTE_SEQNO_REQ_HOPS);
		r->st.seqno_requests_tx++;
	}
}

/*
 * Checks an update's origin: its id is the hash of the key it carries, a new
 * id carries the puzzle's work, and the origin signed this seqno. Sets @id,
 * and @dp to the destination if known; false with @why when refused.
 */
static bool origin_ok(struct route *r, const struct route_msg_update *u, struct xm_node_id *id,
		      struct route_dest **dp, enum route_drop *why)
{
	struct route_dest *d;
	uint8_t msg[ROUTE_SIG_MSG_LEN];

	xm_node_id_from_pubkey(id, u->origin_pk);
	d = route_dest_find(r, id);
	*dp = d;
	if (!d && r->cfg.id_puzzle_bits && !xm_node_id_puzzle_ok(id, r->cfg.id_puzzle_bits)) {
		*why = ROUTE_DROP_ID_KEY;
		return false;
	}
	/* A repeat of the signature already verified for this seqno. */
	if (d && d->sig_valid && d->sig_seqno == u->seqno && !memcmp(d->sig, u->sig, XM_SIG_LEN))
		return true;
	if (!d && u->seqno == r->seqno && !memcmp(u->sig, r->self_sig, XM_SIG_LEN) &&
	    !xm_node_id_cmp(id, &r->self))
		return true; /* our own current route, echoed */
	route_sig_msg(msg, id, u->seqno);
	r->st.sig_verified++;
	if (!r->env->verify(r->env->ctx, u->origin_pk, u->sig, msg, sizeof(msg))) {
		*why = ROUTE_DROP_BAD_SIG;
		return false;
	}
	if (d && (!d->sig_valid || !route_seq_newer(d->sig_seqno, u->seqno))) {
		d->sig_valid = true;
		d->sig_seqno = u->seqno;
		memcpy(d->sig, u->sig, XM_SIG_LEN);
	}
	return true;
}

static void handle_update(struct route *r, struct route_neigh *n, const struct route_msg_update *u)
{
	uint64_t now = route_now(r);
	unsigned int ni = (unsigned int)(n - r->neighs);
	struct xm_node_id id;
	struct route_dest *d;
	struct route_entry *e;
	enum route_drop why;
	bool was_selected;

	r->st.updates_rx++;
	if (!origin_ok(r, u, &id, &d, &why)) {
		r->st.drops[why]++;
		return;
	}
	if (!xm_node_id_cmp(&id, &r->self)) {
		/* Our own route from an earlier life: continue above its seqno. */
		if (route_seq_newer(u->seqno, r->seqno))
			self_bump(r, u->seqno + 1);
		return;
	}
	if (!d) {
		if (u->metric == ROUTE_METRIC_INF)
			return; /* retraction of something we never had */
		d = route_dest_add(r, &id, u->origin_pk);
		if (!d) {
			r->st.drops[ROUTE_DROP_TABLE_FULL]++;
			return;
		}
		d->sig_valid = true;
		d->sig_seqno = u->seqno;
		memcpy(d->sig, u->sig, XM_SIG_LEN);
	}
	e = route_entry_find(d, ni);
	if (!e) {
		if (u->metric == ROUTE_METRIC_INF)
			return;
		e = route_entry_add(r, d, ni);
		if (!e) {
			r->st.drops[ROUTE_DROP_TABLE_FULL]++;
			return;
		}
	}
	was_selected = d->sel == (int)ni;
	e->seqno = u->seqno;
	e->refmetric = u->metric;
	memcpy(e->sig, u->sig, XM_SIG_LEN);
	e->expires = now + (uint64_t)u->interval_ms * 7 / 2;
	route_arm(r, e->expires);
	route_select(r, d);

	if (u->metric == ROUTE_METRIC_INF && d->sel != ROUTE_NONE && d->sel != (int)ni) {
		/* It lost its route and we have one: tell it at once. */
		struct route_out o;

		out_init(&o, r, &n->addr);
		out_dest(&o, d);
		out_flush(&o);
	} else if (was_selected && d->sel == ROUTE_NONE && u->metric != ROUTE_METRIC_INF &&
		   !route_feasible(d, u->seqno, u->metric)) {
		/* Our next hop's route became unfeasible: ask it for a newer one. */
		route_request_seqno(r, d);
	}
}

static void handle_request(struct route *r, const struct xm_peer_ref *from,
			   struct route_neigh *n, const struct route_msg_request *q)
{
	struct route_dest *d;
	struct route_entry *sel, *fwd = NULL;
	uint64_t now = route_now(r);

	if (q->wildcard) {
		/* A whole table for a small request: at most twice per hello interval. */
		if (now >= n->dump_at) {
			n->dump_at = now + r->cfg.hello_interval_ms / 2;
			send_dump(r, &from->addr);
		}
		return;
	}
	if (!xm_node_id_cmp(&q->origin, &r->self)) {
		/*
		 * By one, whatever was asked (RFC 8966 3.8.1.2), and rate
		 * limited: else a neighbour could wrap the seqno space and
		 * make old updates look new again.
		 */
		if (q->hop_count && route_seq_newer(q->seqno, r->seqno) && now >= r->bump_at &&
		    now >= n->bump_at) {
			r->bump_at = now + ROUTE_SEQNO_BUMP_MS / 4;
			n->bump_at = now + ROUTE_SEQNO_BUMP_MS;
			self_bump(r, r->seqno + 1);
			return;
		}
		if (q->hop_count && route_seq_newer(q->seqno, r->seqno))
			r->st.drops[ROUTE_DROP_SEQNO_RATE]++;
		r->self_pending = true;
		return;
	}
	d = route_dest_find(r, &q->origin);
	if (!d)
		return;
	sel = d->sel != ROUTE_NONE ? route_entry_find(d, d->sel) : NULL;
	if (!q->hop_count || (sel && !route_seq_newer(q->seqno, sel->seqno))) {
		struct route_out o;

		/* A route request, or we already have the seqno asked for. */
		out_init(&o, r, &from->addr);
		out_dest(&o, d);
		out_flush(&o);
		return;
	}
	if (q->hop_count < 2)
		return;
	/* Forward towards the origin, never back to the requester; once per seqno. */
	if (d->fwd_seqno == q->seqno && now < d->fwd_at + r->cfg.hello_interval_ms / 2)
		return;
	if (sel && sel->neigh != n - r->neighs) {
		fwd = sel;
	} else {
		for (unsigned int i = 0; i < d->nroutes; i++) {
			struct route_entry *e = &d->routes[i];

			if (e->neigh == n - r->neighs)
				continue;
			if (route_entry_metric(r, e) == ROUTE_METRIC_INF)
				continue;
			if (!fwd || route_entry_metric(r, e) < route_entry_metric(r, fwd))
				fwd = e;
		}
	}
	if (!fwd)
		return;
	d->fwd_seqno = q->seqno;
	d->fwd_at = now;
	send_request(r, &r->neighs[fwd->neigh].addr, &d->id, q->seqno, q->hop_count - 1);
	r->st.seqno_requests_fwd++;
}

static bool link_known(const struct route *r, int ifindex)
{
	if (ifindex <= 0)
		return false;
	for (unsigned int i = 0; i < r->cfg.max_links; i++)
		if (r->links[i].ifindex == ifindex)
			return true;
	return false;
}

static void handle_hello(struct route *r, const struct xm_peer_ref *from,
			 const struct route_msg_hello *h, struct route_neigh **np)
{
	struct route_out o;
	bool is_new;
	struct route_neigh *n = route_neigh_hello(r, from, h, &is_new);

	*np = n;
	if (!n) {
		r->st.drops[ROUTE_DROP_TABLE_FULL]++;
		return;
	}
	/*
	 * Answer at once, so the echo measures the path and not our timers.
	 * Just after a stall the hello may have waited in our socket for
	 * seconds: echoing it would make the sender sample that wait as RTT
	 * and keep the link's cost inflated for tens of hellos.
	 */
	out_init(&o, r, &from->addr);
	o.m.has_ihu = true;
	o.m.ihu.rxcost = route_neigh_rxcost(r, n);
	o.m.ihu.interval_ms = h->interval_ms;
	o.m.ihu.echo_timestamp = h->timestamp;
	o.m.ihu.held = r->resumed_at && route_now(r) < r->resumed_at + ROUTE_STALL_BURST_MS;
	if (is_new) {
		/*
		 * A new neighbour: ask for its table and send ours. Whichever
		 * side hears the other first, one of the two arrives at a node
		 * that already knows its sender, and the other follows when
		 * the second side hears the first one's hello.
		 */
		struct route_msg_request *q = out_request(&o);

		q->wildcard = true;
		out_flush(&o);
		send_dump(r, &from->addr);
		return;
	}
	out_flush(&o);
}

/*
 * Unicast replies (IHU, dumps, requests) may arrive without the link they
 * came over; the neighbour they come from tells it.
 */
static int resolve_link(const struct route *r, const struct xm_peer_ref *from)
{
	int found = 0;

	if (from->ifindex)
		return from->ifindex;
	for (unsigned int i = 0; i < r->cfg.max_neighbours; i++) {
		const struct route_neigh *n = &r->neighs[i];

		if (!n->used || xm_node_id_cmp(&n->id, &from->id))
			continue;
		if (xm_addr_equal(&n->addr, &from->addr))
			return n->ifindex;
		found = found ? -1 : n->ifindex;
	}
	return found > 0 ? found : 0;
}

/*
 * A hello more than an interval late means this node did not run: the
 * process was paused or its VM frozen. Whatever arrives now was queued
 * meanwhile (see handle_hello and route_neigh_ihu).
 */
static void check_stall(struct route *r, uint64_t now)
{
	if (now < r->next_hello + r->cfg.hello_interval_ms)
		return;
	if (!r->resumed_at || now >= r->resumed_at + ROUTE_STALL_BURST_MS)
		r->st.stalls++;
	r->resumed_at = now;
}

/* 169.254.0.0/16 (IPv4, as the daemon's addresses are v4-mapped) or fe80::/10. */
static bool link_local(const struct xm_addr *a)
{
	if (xm_addr_is_v4(a))
		return a->ip.s6_addr[12] == 169 && a->ip.s6_addr[13] == 254;
	return a->ip.s6_addr[0] == 0xfe && (a->ip.s6_addr[1] & 0xc0) == 0x80;
}

int route_receive(struct route *r, const struct xm_peer_ref *from_in, const uint8_t *body,
		  size_t len)
{
	struct xm_peer_ref fromv = *from_in, *from = &fromv;
	struct route_msg m;
	struct route_neigh *n;
	int err;

	r->st.rx_packets++;
	check_stall(r, route_now(r));
	if (!xm_node_id_cmp(&from->id, &r->self)) {
		r->st.drops[ROUTE_DROP_SELF]++;
		return -EINVAL;
	}
	/*
	 * Neighbours only, as Babel requires: sent from a link-local address
	 * with TTL 255, which no host beyond the link can forge (GTSM, RFC
	 * 5082). Cheap checks, before the body is even decoded.
	 */
	if (from->ttl != ROUTE_TTL) {
		r->st.drops[ROUTE_DROP_TTL]++;
		return -EPERM;
	}
	if (!link_local(&from->addr)) {
		r->st.drops[ROUTE_DROP_NOT_LINK_LOCAL]++;
		return -EPERM;
	}
	err = route_msg_decode(&m, body, len);
	if (err) {
		r->st.drops[err == -EPROTONOSUPPORT ? ROUTE_DROP_VERSION : ROUTE_DROP_MALFORMED]++;
		return err;
	}
	from->ifindex = resolve_link(r, from);
	if (!link_known(r, from->ifindex)) {
		r->st.drops[ROUTE_DROP_NO_LINK]++;
		return -ENODEV;
	}
	n = route_neigh_find(r, &from->id, from->ifindex);
	if (m.has_hello)
		handle_hello(r, from, &m.hello, &n);
	if (m.has_ihu) {
		if (n)
			route_neigh_ihu(r, n, &m.ihu);
		else
			r->st.drops[ROUTE_DROP_NOT_NEIGH]++;
	}
	if ((m.n_requests || m.n_updates) && !n) {
		/* Routes and requests only from nodes known to hear us. */
		r->st.drops[ROUTE_DROP_NOT_NEIGH]++;
	} else {
		for (unsigned int i = 0; i < m.n_requests; i++)
			handle_request(r, from, n, &m.requests[i]);
		for (unsigned int i = 0; i < m.n_updates; i++)
			handle_update(r, n, &m.updates[i]);
	}
	flush_pending(r);
	return 0;
}

static void send_hellos(struct route *r, uint64_t now)
{
	struct route_out o;

	out_init(&o, r, NULL);
	o.m.has_hello = true;
	o.m.hello.seqno = r->hello_seqno++;
	o.m.hello.interval_ms = r->cfg.hello_interval_ms;
	o.m.hello.timestamp = now;
	o.m.hello.instance = r->instance;
	out_flush(&o);
}

uint64_t route_tick(struct route *r)
{
	uint64_t now = route_now(r);

	check_stall(r, now);
	if (now >= r->next_deadline) {
		r->next_deadline = ROUTE_NO_DEADLINE;
		if (now >= r->next_hello) {
			send_hellos(r, now);
			r->next_hello = now + r->cfg.hello_interval_ms;
		}
		if (now >= r->next_update) {
			send_dump(r, NULL);
			r->next_update = now + r->cfg.update_interval_ms;
		}
		if (r->hold_until && now >= r->hold_until) {
			r->hold_until = 0;
			for (unsigned int i = 0; i < r->cfg.max_dests; i++)
				if (r->dests[i].used)
					route_select(r, &r->dests[i]);
		}
		if (r->hold_until)
			route_arm(r, r->hold_until);
		if (r->self_repeat_at)
			route_arm(r, r->self_repeat_at);
		route_arm(r, r->next_hello);
		route_arm(r, r->next_update);
		route_neigh_timers(r, now);
		route_table_timers(r, now);
		flush_pending(r);
	}
	return r->next_deadline > now ? r->next_deadline - now : 0;
}

int route_add_link(struct route *r, int ifindex)
{
	struct route_link *free_slot = NULL;

	if (ifindex <= 0)
		return -EINVAL;
	for (unsigned int i = 0; i < r->cfg.max_links; i++) {
		if (r->links[i].ifindex == ifindex)
			return -EEXIST;
		if (!r->links[i].ifindex && !free_slot)
			free_slot = &r->links[i];
	}
	if (!free_slot)
		return -ENOSPC;
	free_slot->ifindex = ifindex;
	/* Say hello on the new link now rather than at the next interval. */
	r->next_hello = route_now(r);
	route_arm(r, r->next_hello);
	return 0;
}

int route_del_link(struct route *r, int ifindex)
{
	for (unsigned int i = 0; i < r->cfg.max_links; i++) {
		if (r->links[i].ifindex != ifindex || ifindex <= 0)
			continue;
		for (unsigned int k = 0; k < r->cfg.max_neighbours; k++)
			if (r->neighs[k].used && r->neighs[k].ifindex == ifindex)
				route_neigh_remove(r, &r->neighs[k]);
		r->links[i].ifindex = 0;
		flush_pending(r);
		return 0;
	}
	return -ENOENT;
}

static void config_defaults(struct route_config *c)
{
	if (!c->hello_interval_ms)
		c->hello_interval_ms = 1000;
	if (c->hello_interval_ms < ROUTE_MSG_INTERVAL_MIN_MS)
		c->hello_interval_ms = ROUTE_MSG_INTERVAL_MIN_MS;
	if (c->hello_interval_ms > ROUTE_MSG_INTERVAL_MAX_MS)
		c->hello_interval_ms = ROUTE_MSG_INTERVAL_MAX_MS;
	if (!c->update_interval_ms)
		c->update_interval_ms = 4 * c->hello_interval_ms;
	if (c->update_interval_ms < ROUTE_MSG_INTERVAL_MIN_MS)
		c->update_interval_ms = ROUTE_MSG_INTERVAL_MIN_MS;
	if (c->update_interval_ms > ROUTE_MSG_INTERVAL_MAX_MS)
		c->update_interval_ms = ROUTE_MSG_INTERVAL_MAX_MS;
	if (!c->hop_cost)
		c->hop_cost = 16;
	if (!c->max_links)
		c->max_links = 16;
	if (!c->max_neighbours)
		c->max_neighbours = 64;
	if (c->max_neighbours > UINT16_MAX)
		c->max_neighbours = UINT16_MAX;
	if (!c->max_dests)
		c->max_dests = 4096;
	if (c->max_dests > (1u << 24))
		c->max_dests = 1u << 24;
	if (!c->max_routes)
		c->max_routes = 16384;
}

struct route *route_new(const struct route_config *cfg, const struct xm_env *env,
			const struct xm_node_id *self, const uint8_t self_pk[XM_PUBKEY_LEN])
{
	struct route *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = *cfg;
	config_defaults(&r->cfg);
	r->env = env;
	r->self = *self;
	memcpy(r->self_pk, self_pk, XM_PUBKEY_LEN);
	r->links = calloc(r->cfg.max_links, sizeof(*r->links));
	r->neighs = calloc(r->cfg.max_neighbours, sizeof(*r->neighs));
	if (!r->links || !r->neighs || route_table_init(r)) {
		route_free(r);
		return NULL;
	}
	/*
	 * A restarted node starts again from 0; its old routes still in the
	 * network carry a higher seqno signed by itself, and it continues above
	 * it as soon as one reaches it (handle_update) or a neighbour asks.
	 */
	r->seqno = 0;
	self_sign(r);
	r->env->random(r->env->ctx, &r->instance, sizeof(r->instance));
	r->next_deadline = route_now(r);
	/*
	 * Listen for a hello interval before selecting anything: a neighbour
	 * may still hold routes through our previous life, and must hear our
	 * new instance (and drop them) before we could pick one of them.
	 */
	r->hold_until = r->next_deadline + r->cfg.hello_interval_ms;
	r->next_hello = r->next_deadline;
	r->next_update = r->next_deadline + r->cfg.hello_interval_ms;
	return r;
}

void route_free(struct route *r)
{
	if (!r)
		return;
	route_table_free(r);
	free(r->neighs);
	free(r->links);
	free(r);
}

bool route_lookup(const struct route *r, const struct xm_node_id *dst, struct route_change *out)
{
	const struct route_dest *d = route_dest_find(r, dst);

	if (!d || !d->reported.reachable)
		return false;
	*out = d->reported;
	return true;
}

int route_foreach(const struct route *r, int (*fn)(void *arg, const struct route_info *ri),
		  void *arg)
{
	for (unsigned int i = 0; i < r->cfg.max_dests; i++) {
		const struct route_dest *d = &r->dests[i];
		struct route_info ri;
		int ret;

		if (!d->used)
			continue;
		ri.sel = d->reported;
		ri.nroutes = d->nroutes;
		ri.fd_valid = d->fd_valid;
		ri.fd_seqno = d->fd_seqno;
		ri.fd_metric = d->fd_metric;
		ret = fn(arg, &ri);
		if (ret)
			return ret;
	}
	return 0;
}

int route_neigh_foreach(const struct route *r,
			int (*fn)(void *arg, const struct route_neigh_info *ni), void *arg)
{
	for (unsigned int i = 0; i < r->cfg.max_neighbours; i++) {
		const struct route_neigh *n = &r->neighs[i];
		struct route_neigh_info ni;
		int ret;

		if (!n->used)
			continue;
		ni.id = n->id;
		ni.addr = n->addr;
		ni.ifindex = n->ifindex;
		ni.cost = n->cost;
		ni.rtt_ms = n->rtt_valid ? (n->srtt16 + 8) / 16 : 0;
		ni.rxcost = route_neigh_rxcost(r, n);
		ni.txcost = n->txcost;
		ret = fn(arg, &ni);
		if (ret)
			return ret;
	}
	return 0;
}

void route_get_stats(const struct route *r, struct route_stats *st)
{
	*st = r->st;
}

uint32_t route_self_seqno(const struct route *r)
{
	return r->seqno;
}
