// SPDX-License-Identifier: GPL-2.0
/*
 * The local control socket's requests (proto/ctl.proto): node, peers,
 * lookup, services and routes, answered from the node's state. A lookup
 * answers when the DHT's iterative search finishes.
 */
#include "node_priv.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_sock.h"

/* Upper bounds of the lists in one response datagram. */
#define CTL_MAX_PEERS 512
#define CTL_MAX_ITEMS 512

struct ctl_pending {
	struct ctl_pending *next;
	struct node *n;
	int chan;
	bool node_lookup;
	struct xm_node_id target;
	char key[DHT_NAME_MAX + 1];
};

/* Arena for the strings and byte fields of one response. */
struct arena {
	char *buf;
	size_t used, cap;
};

static void *arena_alloc(struct arena *a, size_t len)
{
	void *p;

	if (a->used + len > a->cap)
		return NULL;
	p = a->buf + a->used;
	a->used += (len + 7) & ~(size_t)7;
	if (a->used > a->cap)
		a->used = a->cap;
	return p;
}

static char *arena_addr(struct arena *a, const struct xm_addr *addr)
{
	char *s = arena_alloc(a, 64);

	if (s && xm_addr_format(addr, s, 64) < 0)
		strcpy(s, "?");
	return s ? s : "";
}

static ProtobufCBinaryData arena_bytes(struct arena *a, const void *p, size_t len)
{
	ProtobufCBinaryData b = { 0, NULL };
	void *d = len ? arena_alloc(a, len) : NULL;

	if (d) {
		memcpy(d, p, len);
		b.data = d;
		b.len = len;
	}
	return b;
}

static void respond(struct node *n, int chan, Xmesh__CtlResponse *r)
{
	size_t len;
	uint8_t *buf;

	r->version = CTLSOCK_VERSION;
	len = xmesh__ctl_response__get_packed_size(r);
	if (len > CTLSOCK_RESP_MAX) {
		Xmesh__CtlResponse e = XMESH__CTL_RESPONSE__INIT;

		e.version = CTLSOCK_VERSION;
		e.error = -EMSGSIZE;
		e.message = "response too large";
		respond(n, chan, &e);
		return;
	}
	buf = malloc(len ? len : 1);
	if (buf) {
		xmesh__ctl_response__pack(r, buf);
		n->io->ops->send(n->io, chan, NULL, buf, len);
		free(buf);
	}
	n->io->ops->close(n->io, chan);
}

static void respond_error(struct node *n, int chan, int err, const char *msg)
{
	Xmesh__CtlResponse r = XMESH__CTL_RESPONSE__INIT;

	r.error = err;
	r.message = (char *)msg;
	respond(n, chan, &r);
}

static Xmesh__CtlCounter *counters(struct arena *a, size_t *count, const char *const *names,
				   const uint64_t *values, size_t nvals)
{
	Xmesh__CtlCounter *c = arena_alloc(a, nvals * sizeof(*c));

	*count = 0;
	if (!c)
		return NULL;
	for (size_t i = 0; i < nvals; i++) {
		xmesh__ctl_counter__init(&c[i]);
		c[i].name = (char *)names[i];
		c[i].value = values[i];
	}
	*count = nvals;
	return c;
}

static int count_one(void *arg, const struct route_neigh_info *ni)
{
	(void)ni;
	(*(unsigned int *)arg)++;
	return 0;
}

static unsigned int count_neighbours(const struct route *r)
{
	unsigned int c = 0;

	route_neigh_foreach(r, count_one, &c);
	return c;
}

static void do_node(struct node *n, int chan, struct arena *a)
{
	Xmesh__CtlResponse r = XMESH__CTL_RESPONSE__INIT;
	Xmesh__CtlNode nd = XMESH__CTL_NODE__INIT;
	static const char *const stat_names[] = {
		"rx_handshake", "rx_dht", "rx_route", "tx_handshake", "tx_dht", "tx_route",
		"tx_errors", "peers", "sessions", "key_installs", "dht_contacts",
		"dht_records", "dht_lookups_ok", "dht_lookups_failed", "route_neighbours",
		"route_changes", "kernel_requests", "kernel_errors", "prefix_routes",
		"rx_bytes", "tx_bytes", "verifies", "cookies_sent", "cookies_taken",
		"cookie_resends", "replies_over_budget", "envelope_counter",
		"counter_store_errors", "cookies_unmatched",
		"prefixes_granted",
		/* prefix_auth.h's refusals, in enum pa_refusal's order */
		"prefix_refused_default_route", "prefix_refused_invalid",
		"prefix_refused_overlaps_own", "prefix_refused_overlaps_other_node",
		"prefix_refused_not_allowed", "prefix_refused_table_full",
	};
	/* The envelope's drops, then routing's ("route_" and its name). */
	const char *drop_names[ENV_DROP_MAX + ROUTE_DROP__COUNT];
	uint64_t drop_vals[ENV_DROP_MAX + ROUTE_DROP__COUNT] = { 0 };
	struct route_stats rs = { 0 };
	Xmesh__CtlCounter *drops, *stats, **dp, **sp;
	uint64_t vals[sizeof(stat_names) / sizeof(stat_names[0])] = { 0 };
	struct dht_stats ds;
	struct kernel_stats ks = { 0 };
	size_t nd_drops, nd_stats;
	unsigned int v = 0;

	for (int i = 0; i < ENV_DROP_MAX; i++) {
		drop_names[i] = env_drop_name((enum env_drop)i);
		drop_vals[i] = n->st.drops[i];
	}
	if (n->route)
		route_get_stats(n->route, &rs);
	for (int i = 0; i < ROUTE_DROP__COUNT; i++) {
		const char *rn = route_drop_name((enum route_drop)i);
		char *name = arena_alloc(a, strlen(rn) + sizeof("route_"));

		if (name)
			sprintf(name, "route_%s", rn);
		drop_names[ENV_DROP_MAX + i] = name ? name : rn;
		drop_vals[ENV_DROP_MAX + i] = rs.drops[i];
	}
	dht_get_stats(n->dht, &ds);
	if (n->kern)
		kernel_get_stats(n->kern, &ks);
	vals[v++] = n->st.rx[XM_MSG_HANDSHAKE];
	vals[v++] = n->st.rx[XM_MSG_DHT];
	vals[v++] = n->st.rx[XM_MSG_ROUTE];
	vals[v++] = n->st.tx[XM_MSG_HANDSHAKE];
	vals[v++] = n->st.tx[XM_MSG_DHT];
	vals[v++] = n->st.tx[XM_MSG_ROUTE];
	vals[v++] = n->st.tx_errors;
	vals[v++] = hs_peer_count(n->hs);
	vals[v++] = hs_established_count(n->hs);
	vals[v++] = n->st.key_installs;
	vals[v++] = ds.contacts;
	vals[v++] = ds.records;
	vals[v++] = ds.lookups_ok;
	vals[v++] = ds.lookups_failed;
	vals[v++] = n->route ? count_neighbours(n->route) : 0;
	vals[v++] = n->st.route_changes;
	vals[v++] = ks.requests;
	vals[v++] = ks.errors;
	vals[v++] = n->st.prefix_routes;
	vals[v++] = n->st.rx_bytes;
	vals[v++] = n->st.tx_bytes;
	vals[v++] = n->st.verifies;
	vals[v++] = n->st.cookies_sent;
	vals[v++] = n->st.cookies_taken;
	vals[v++] = n->st.cookie_resends;
	vals[v++] = n->st.replies_over_budget;
	vals[v++] = n->counter;
	vals[v++] = n->st.counter_store_errors;
	vals[v++] = n->st.cookies_unmatched;
	vals[v++] = pa_granted(n->pa);
	_Static_assert(PA_REFUSE__COUNT == 6, "one prefix_refused_* name per refusal");
	for (int i = 0; i < PA_REFUSE__COUNT; i++)
		vals[v++] = pa_refused(n->pa, (enum pa_refusal)i);

	drops = counters(a, &nd_drops, drop_names, drop_vals, ENV_DROP_MAX + ROUTE_DROP__COUNT);
	stats = counters(a, &nd_stats, stat_names, vals, v);
	dp = arena_alloc(a, nd_drops * sizeof(*dp));
	sp = arena_alloc(a, nd_stats * sizeof(*sp));
	if (!dp || !sp) {
		respond_error(n, chan, -ENOMEM, "out of memory");
		return;
	}
	for (size_t i = 0; i < nd_drops; i++)
		dp[i] = &drops[i];
	for (size_t i = 0; i < nd_stats; i++)
		sp[i] = &stats[i];
	nd.id = arena_bytes(a, n->id.id.b, XM_ID_LEN);
	nd.public_key = arena_bytes(a, n->id.pk, XM_PUBKEY_LEN);
	nd.listen = arena_addr(a, &n->cfg.listen);
	nd.advertise = arena_addr(a, &n->self_addr);
	nd.uptime_ms = n->io->ops->now_ms(n->io) - n->started_ms;
	nd.puzzle_bits = n->cfg.puzzle_bits;
	nd.kernel = n->kern != NULL;
	nd.kernel_status = n->kernel_status;
	nd.n_drops = nd_drops;
	nd.drops = dp;
	nd.n_stats = nd_stats;
	nd.stats = sp;
	r.node = &nd;
	respond(n, chan, &r);
}

/* The peers table merges what the DHT, the handshake and routing know. */
struct peer_table {
	struct node *n;
	struct arena *a;
	Xmesh__CtlPeer *p;
	size_t count;
};

static Xmesh__CtlPeer *peer_get(struct peer_table *t, const struct xm_node_id *id)
{
	Xmesh__CtlPeer *p;

	for (size_t i = 0; i < t->count; i++)
		if (t->p[i].id.len == XM_ID_LEN && !memcmp(t->p[i].id.data, id->b, XM_ID_LEN))
			return &t->p[i];
	if (t->count == CTL_MAX_PEERS)
		return NULL;
	p = &t->p[t->count++];
	xmesh__ctl_peer__init(p);
	p->id = arena_bytes(t->a, id->b, XM_ID_LEN);
	p->session = "none";
	return p;
}

static int peer_from_dht(void *arg, const struct dht_contact_info *c)
{
	struct peer_table *t = arg;
	Xmesh__CtlPeer *p = peer_get(t, &c->id);
	uint64_t now = t->n->io->ops->now_ms(t->n->io);

	if (!p)
		return 1;
	p->in_dht = true;
	p->address = arena_addr(t->a, &c->addr);
	p->last_seen_ms = now > c->last_seen_ms ? now - c->last_seen_ms : 0;
	return 0;
}

static int peer_from_route(void *arg, const struct route_neigh_info *ni)
{
	struct peer_table *t = arg;
	Xmesh__CtlPeer *p = peer_get(t, &ni->id);

	if (!p)
		return 1;
	p->neighbour = true;
	p->rtt_ms = ni->rtt_ms;
	if (!p->address)
		p->address = arena_addr(t->a, &ni->addr);
	return 0;
}

static void do_peers(struct node *n, int chan, struct arena *a)
{
	Xmesh__CtlResponse r = XMESH__CTL_RESPONSE__INIT;
	struct peer_table t = { .n = n, .a = a };
	uint64_t now = n->io->ops->now_ms(n->io);
	Xmesh__CtlPeer **pp;

	t.p = arena_alloc(a, CTL_MAX_PEERS * sizeof(*t.p));
	if (!t.p) {
		respond_error(n, chan, -ENOMEM, "out of memory");
		return;
	}
	dht_foreach_contact(n->dht, peer_from_dht, &t);
	if (n->route)
		route_neigh_foreach(n->route, peer_from_route, &t);
	for (unsigned int i = 0; i < hs_peer_count(n->hs); i++) {
		const struct hs_peer *h = hs_peer_at(n->hs, i);
		Xmesh__CtlPeer *p = peer_get(&t, &h->id);

		if (!p)
			break;
		p->session = h->state == HS_ESTABLISHED ? "established"
			     : h->state == HS_INIT_SENT ? "handshaking" : "none";
		p->handshakes = h->handshakes;
		p->session_age_ms = h->state == HS_ESTABLISHED ? now - h->established_ms : 0;
		p->data_port = h->data_port;
		if (!p->address)
			p->address = arena_addr(a, &h->addr);
	}
	pp = arena_alloc(a, t.count * sizeof(*pp));
	if (t.count && !pp) {
		respond_error(n, chan, -ENOMEM, "out of memory");
		return;
	}
	for (size_t i = 0; i < t.count; i++) {
		if (!t.p[i].address)
			t.p[i].address = "";
		pp[i] = &t.p[i];
	}
	r.n_peers = t.count;
	r.peers = pp;
	r.truncated = t.count == CTL_MAX_PEERS;
	respond(n, chan, &r);
}

static bool service_to_pb(struct arena *a, Xmesh__CtlService *o, const struct dht_service *s)
{
	char **eps = arena_alloc(a, (s->n_endpoints ? s->n_endpoints : 1) * sizeof(*eps));
	char *name = arena_alloc(a, strlen(s->name) + 1);

	if (!eps || !name)
		return false;
	xmesh__ctl_service__init(o);
	strcpy(name, s->name);
	o->name = name;
	o->owner = arena_bytes(a, s->owner.b, XM_ID_LEN);
	for (unsigned int i = 0; i < s->n_endpoints && i < DHT_ENDPOINTS_MAX; i++)
		eps[i] = arena_addr(a, &s->endpoints[i]);
	o->n_endpoints = s->n_endpoints;
	o->endpoints = eps;
	o->is_private = s->is_private;
	o->metadata = arena_bytes(a, s->metadata, s->metadata_len);
	o->expires_ms = s->expires_ms;
	return true;
}

struct svc_list {
	struct arena *a;
	Xmesh__CtlService *s;
	Xmesh__CtlService **sp;
	size_t count;
	bool truncated;
};

static int svc_add(void *arg, const struct dht_service *s)
{
	struct svc_list *l = arg;

	if (l->count == CTL_MAX_ITEMS || !service_to_pb(l->a, &l->s[l->count], s)) {
		l->truncated = true;
		return 1;
	}
	l->sp[l->count] = &l->s[l->count];
	l->count++;
	return 0;
}

static void do_services(struct node *n, int chan, struct arena *a)
{
	Xmesh__CtlResponse r = XMESH__CTL_RESPONSE__INIT;
	struct svc_list l = { .a = a };

	l.s = arena_alloc(a, CTL_MAX_ITEMS * sizeof(*l.s));
	l.sp = arena_alloc(a, CTL_MAX_ITEMS * sizeof(*l.sp));
	if (!l.s || !l.sp) {
		respond_error(n, chan, -ENOMEM, "out of memory");
		return;
	}
	/* The records this node stores for the DHT (its own included). */
	dht_foreach_record(n->dht, svc_add, &l);
	r.n_services = l.count;
	r.services = l.sp;
	r.truncated = l.truncated;
	respond(n, chan, &r);
}

struct route_list {
	struct arena *a;
	Xmesh__CtlRoute *r;
	Xmesh__CtlRoute **rp;
	size_t count;
	bool truncated;
};

static int route_add(void *arg, const struct route_info *ri)
{
	struct route_list *l = arg;
	Xmesh__CtlRoute *o;

	if (l->count == CTL_MAX_ITEMS) {
		l->truncated = true;
		return 1;
	}
	o = &l->r[l->count];
	xmesh__ctl_route__init(o);
	o->dst = arena_bytes(l->a, ri->sel.dst.b, XM_ID_LEN);
	o->reachable = ri->sel.reachable;
	if (ri->sel.reachable) {
		o->metric = ri->sel.metric;
		o->seqno = ri->sel.seqno;
		o->next_hop = arena_bytes(l->a, ri->sel.nh.b, XM_ID_LEN);
		o->next_hop_address = arena_addr(l->a, &ri->sel.nh_addr);
		if (ri->sel.has_alt)
			o->alternate = arena_bytes(l->a, ri->sel.alt.b, XM_ID_LEN);
	} else {
		o->next_hop_address = "";
	}
	l->rp[l->count++] = o;
	return 0;
}

static void do_routes(struct node *n, int chan, struct arena *a)
{
	Xmesh__CtlResponse r = XMESH__CTL_RESPONSE__INIT;
	struct route_list l = { .a = a };

	l.r = arena_alloc(a, CTL_MAX_ITEMS * sizeof(*l.r));
	l.rp = arena_alloc(a, CTL_MAX_ITEMS * sizeof(*l.rp));
	if (!l.r || !l.rp) {
		respond_error(n, chan, -ENOMEM, "out of memory");
		return;
	}
	if (n->route)
		route_foreach(n->route, route_add, &l);
	r.n_routes = l.count;
	r.routes = l.rp;
	r.truncated = l.truncated;
	respond(n, chan, &r);
}

static void pending_unlink(struct node *n, struct ctl_pending *p)
{
	for (struct ctl_pending **pp = &n->pending; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			return;
		}
	}
}

#define ARENA_SIZE (CTLSOCK_RESP_MAX * 2)

static void lookup_done(void *arg, const struct dht_result *res)
{
	struct ctl_pending *p = arg;
	struct node *n = p->n;
	Xmesh__CtlResponse r = XMESH__CTL_RESPONSE__INIT;
	Xmesh__CtlLookup lk = XMESH__CTL_LOOKUP__INIT;
	struct arena a = { .cap = ARENA_SIZE };
	Xmesh__CtlService *svc = NULL, **svcp = NULL;
	Xmesh__CtlPeer *nodes = NULL, **nodesp = NULL;

	pending_unlink(n, p);
	a.buf = malloc(a.cap);
	if (!a.buf) {
		respond_error(n, p->chan, -ENOMEM, "out of memory");
		free(p);
		return;
	}
	lk.key = p->key;
	lk.error = res->error;
	lk.hops = res->hops;
	lk.elapsed_ms = res->elapsed_ms;
	lk.queried = res->queried;
	if (res->n_records) {
		svc = arena_alloc(&a, res->n_records * sizeof(*svc));
		svcp = arena_alloc(&a, res->n_records * sizeof(*svcp));
		for (unsigned int i = 0; svc && svcp && i < res->n_records; i++) {
			if (!service_to_pb(&a, &svc[i], &res->records[i]))
				break;
			svcp[lk.n_records++] = &svc[i];
		}
		lk.records = svcp;
	}
	if (res->n_closest) {
		nodes = arena_alloc(&a, res->n_closest * sizeof(*nodes));
		nodesp = arena_alloc(&a, res->n_closest * sizeof(*nodesp));
		for (unsigned int i = 0; nodes && nodesp && i < res->n_closest; i++) {
			const struct dht_contact_info *c = &res->closest[i];

			xmesh__ctl_peer__init(&nodes[i]);
			nodes[i].id = arena_bytes(&a, c->id.b, XM_ID_LEN);
			nodes[i].address = arena_addr(&a, &c->addr);
			nodes[i].session = "";
			nodesp[lk.n_nodes++] = &nodes[i];
			if (p->node_lookup && !xm_node_id_cmp(&c->id, &p->target))
				lk.found = true;
		}
		lk.nodes = nodesp;
	}
	if (!p->node_lookup)
		lk.found = lk.n_records > 0;
	r.lookup = &lk;
	respond(n, p->chan, &r);
	free(a.buf);
	free(p);
}

static void do_lookup(struct node *n, int chan, const char *key)
{
	struct ctl_pending *p = calloc(1, sizeof(*p));
	int err;

	if (!p) {
		respond_error(n, chan, -ENOMEM, "out of memory");
		return;
	}
	p->n = n;
	p->chan = chan;
	snprintf(p->key, sizeof(p->key), "%s", key);
	/* 64 hex digits name a node; anything else is a service name. */
	p->node_lookup = strlen(key) == 2 * XM_ID_LEN && !xm_node_id_parse_hex(&p->target, key);
	p->next = n->pending;
	n->pending = p;
	if (p->node_lookup)
		err = dht_lookup_node(n->dht, &p->target, lookup_done, p);
	else
		err = dht_find_value(n->dht, key, lookup_done, p);
	if (err < 0) {
		pending_unlink(n, p);
		free(p);
		respond_error(n, chan, err, strerror(-err));
		return;
	}
	node_kick(n);
}

void node_ctl_free_pending(struct node *n)
{
	while (n->pending) {
		struct ctl_pending *p = n->pending;

		n->pending = p->next;
		free(p);
	}
}

void node_ctl_request(struct node *n, int chan, const uint8_t *buf, size_t len)
{
	Xmesh__CtlRequest *req = xmesh__ctl_request__unpack(NULL, len, buf);
	struct arena a = { .cap = ARENA_SIZE };

	if (!req) {
		respond_error(n, chan, -EPROTO, "undecodable request");
		return;
	}
	if (req->version != CTLSOCK_VERSION) {
		respond_error(n, chan, -EPROTONOSUPPORT, "unsupported control protocol version");
		goto out;
	}
	if (req->command == XMESH__CTL_COMMAND__CTL_LOOKUP) {
		if (!req->key || !*req->key || strlen(req->key) > DHT_NAME_MAX)
			respond_error(n, chan, -EINVAL, "lookup needs a key of 1..64 bytes");
		else
			do_lookup(n, chan, req->key);
		goto out;
	}
	a.buf = malloc(a.cap);
	if (!a.buf) {
		respond_error(n, chan, -ENOMEM, "out of memory");
		goto out;
	}
	switch (req->command) {
	case XMESH__CTL_COMMAND__CTL_NODE:
		do_node(n, chan, &a);
		break;
	case XMESH__CTL_COMMAND__CTL_PEERS:
		do_peers(n, chan, &a);
		break;
	case XMESH__CTL_COMMAND__CTL_SERVICES:
		do_services(n, chan, &a);
		break;
	case XMESH__CTL_COMMAND__CTL_ROUTES:
		do_routes(n, chan, &a);
		break;
	default:
		respond_error(n, chan, -EOPNOTSUPP, "unknown command");
	}
	free(a.buf);
out:
	xmesh__ctl_request__free_unpacked(req, NULL);
}
