// SPDX-License-Identifier: GPL-2.0
#include "node_priv.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define NODE_MAX_SLEEP_MS 60000
#define PUBLISH_RETRY_MS 3000

static void publish_all(void *arg);

/* The struct xm_env the protocol modules see: backed by this node's io. */

static uint64_t env_now(void *ctx)
{
	struct node *n = ctx;

	return n->io->ops->now_ms(n->io);
}

static uint64_t env_wall(void *ctx)
{
	struct node *n = ctx;

	return n->io->ops->wall_ms(n->io);
}

static void env_random(void *ctx, void *buf, size_t len)
{
	struct node *n = ctx;

	n->io->ops->random(n->io, buf, len);
}

static int env_send(void *ctx, enum xm_msg_kind kind, const struct xm_addr *to,
		    const struct xm_node_id *to_id, const uint8_t *body, size_t len)
{
	return node_wire_send(ctx, kind, to, to_id, body, len);
}

static int env_send_link(void *ctx, enum xm_msg_kind kind, int ifindex, const uint8_t *body,
			 size_t len)
{
	return node_wire_send_link(ctx, kind, ifindex, body, len);
}

static void env_sign(void *ctx, uint8_t sig[XM_SIG_LEN], const uint8_t *msg, size_t len)
{
	struct node *n = ctx;

	crypto_sign_detached(sig, NULL, msg, len, n->id.sk);
}

static bool env_verify(void *ctx, const uint8_t pk[XM_PUBKEY_LEN], const uint8_t sig[XM_SIG_LEN],
		       const uint8_t *msg, size_t len)
{
	(void)ctx;
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

static void on_timer(void *arg);

/* Run every module's due work and sleep until the earliest next deadline. */
static void schedule(struct node *n)
{
	uint64_t d = NODE_MAX_SLEEP_MS, t;

	if (n->in_tick)
		return;
	n->in_tick = true;
	t = dht_tick(n->dht);
	d = t < d ? t : d;
	if (n->route) {
		t = route_tick(n->route);
		d = t < d ? t : d;
	}
	t = hs_tick(n->hs);
	d = t < d ? t : d;
	n->in_tick = false;
	n->io->ops->timer_set(n->io, &n->timer, d, on_timer, n);
}

static void on_timer(void *arg)
{
	schedule(arg);
}

void node_kick(struct node *n)
{
	schedule(n);
}

static void on_udp(void *arg, int chan, const struct xm_io_dgram *d)
{
	struct node *n = arg;
	struct xm_peer_ref from;
	struct env_msg m;

	(void)chan;
	if (node_wire_receive(n, d, &m, &from) != 1)
		return;
	n->st.rx[m.kind & 3]++;
	/*
	 * A node that spoke a module's protocol correctly is worth a session,
	 * once it proved that it receives at its address: no handshake Init
	 * goes to a source that may be spoofed.
	 */
	switch (m.kind) {
	case XM_MSG_HANDSHAKE:
		hs_receive(n->hs, &from, m.body, m.body_len);
		break;
	case XM_MSG_DHT:
		if (!dht_receive(n->dht, &from, m.body, m.body_len))
			hs_contact(n->hs, &from);
		break;
	case XM_MSG_ROUTE:
		if (n->route && !route_receive(n->route, &from, m.body, m.body_len) &&
		    from.validated)
			hs_contact(n->hs, &from);
		break;
	}
	node_wire_done(n);
	schedule(n);
}

static bool installed(struct node *n, uint64_t kid, bool add)
{
	for (unsigned int i = 0; i < n->n_installed; i++)
		if (n->installed[i] == kid)
			return true;
	if (add && n->n_installed < n->cfg.max_sessions)
		n->installed[n->n_installed++] = kid;
	return false;
}

/*
 * A peer with a session is reachable directly. Its next hop says so until
 * mesh routing selects a route to it (which replaces it), and again when
 * routing loses that route.
 */
static void direct_nexthop(struct node *n, const struct xm_node_id *peer)
{
	struct route_change c = { .dst = *peer, .reachable = true, .nh = *peer,
				  .metric = ROUTE_METRIC_INF - 1 };

	if (n->route && route_lookup(n->route, peer, &c))
		return;
	kernel_set_nexthop(n->kern, &c);
}

static bool announces(const struct hs_peer *p, const struct xmd_prefix *q)
{
	for (unsigned int i = 0; i < p->n_prefixes && i < XMD_MAX_PREFIXES; i++)
		if (config_prefix_equal(&p->prefixes[i], q))
			return true;
	return false;
}

/* Peer @id no longer holds @q: nor does the module route it there. */
static void prefix_drop(struct node *n, const struct xm_node_id *id, const struct xmd_prefix *q,
			const char *why)
{
	uint64_t kid = xm_node_kid(id);
	char buf[64];

	config_prefix_format(q, buf, sizeof(buf));
	log_info("overlay prefix %s of node %016llx %s", buf, (unsigned long long)kid, why);
	pa_release(n->pa, id, q);
	if (n->kern && !kernel_set_route(n->kern, q, kid, false) && n->st.prefix_routes)
		n->st.prefix_routes--;
}

/*
 * Make the module route exactly the prefixes peer p announced in its last
 * handshake that it may hold (prefix_auth.h decides): new ones added,
 * withdrawn ones removed.
 */
static void sync_prefixes(struct node *n, const struct hs_peer *p)
{
	struct xmd_prefix held[XMD_MAX_PREFIXES];
	uint64_t kid = xm_node_kid(&p->id);
	unsigned int nh = pa_held(n->pa, &p->id, held, XMD_MAX_PREFIXES);
	char buf[64];

	for (unsigned int i = 0; i < nh && i < XMD_MAX_PREFIXES; i++)
		if (!announces(p, &held[i]))
			prefix_drop(n, &p->id, &held[i], "withdrawn");
	for (unsigned int i = 0; i < p->n_prefixes && i < XMD_MAX_PREFIXES; i++) {
		int ret = pa_claim(n->pa, &p->id, &p->prefixes[i]);

		config_prefix_format(&p->prefixes[i], buf, sizeof(buf));
		if (ret < 0) {
			log_warn("peer %016llx announces overlay prefix %s, which it may not hold: "
				 "not routed", (unsigned long long)kid, buf);
			continue;
		}
		if (ret > 0 || !n->kern)
			continue;
		if (!kernel_set_route(n->kern, &p->prefixes[i], kid, true)) {
			n->st.prefix_routes++;
			log_info("overlay prefix %s routed to node %016llx", buf,
				 (unsigned long long)kid);
		}
	}
}

/* A session ended (no handshake completed in time): its prefixes go. */
static void on_session_end(void *arg, const struct hs_peer *p)
{
	struct node *n = arg;
	struct xmd_prefix held[XMD_MAX_PREFIXES];
	unsigned int nh = pa_held(n->pa, &p->id, held, XMD_MAX_PREFIXES);

	for (unsigned int i = 0; i < nh && i < XMD_MAX_PREFIXES; i++)
		prefix_drop(n, &p->id, &held[i], "released: its session ended");
}

/* A session was established or rekeyed: its keys go to the module. */
static void on_keys(void *arg, const struct hs_peer *p, const struct hs_keys *k)
{
	struct node *n = arg;
	uint64_t kid = xm_node_kid(&p->id);
	bool first;

	if (!n->kern) {
		/* Control plane only: the keys are not used, who holds what still counts. */
		sync_prefixes(n, p);
		return;
	}
	first = !installed(n, kid, true);
	if (!kernel_install_keys(n->kern, p, k, n->cfg.rekey_packets, first))
		n->st.key_installs++;
	sync_prefixes(n, p); /* after the peer exists in the module */
	if (first)
		direct_nexthop(n, &p->id);
	if (n->maps && first) {
		struct xm_addr ep = p->addr;

		ep.port = p->data_port;
		maps_peer(n->maps, &ep, kid);
	}
}

/* The data port of a neighbour: from its handshake, else our own default. */
static uint16_t data_port_of(struct node *n, const struct xm_node_id *id)
{
	for (unsigned int i = 0; i < hs_peer_count(n->hs); i++) {
		const struct hs_peer *p = hs_peer_at(n->hs, i);

		if (!xm_node_id_cmp(&p->id, id) && p->data_port)
			return p->data_port;
	}
	return n->cfg.data_port;
}

static void on_key_limit(void *arg, uint64_t kid)
{
	struct node *n = arg;

	log_info("module: key of peer %016llx reached its limit, rekeying",
		 (unsigned long long)kid);
	hs_rekey_kid(n->hs, kid);
	schedule(n);
}

static void on_route_change(void *arg, const struct route_change *c)
{
	struct node *n = arg;

	n->st.route_changes++;
	if (n->kern) {
		if (!c->reachable && installed(n, xm_node_kid(&c->dst), false))
			direct_nexthop(n, &c->dst);
		else
			kernel_set_nexthop(n->kern, c);
	}
	if (n->maps)
		maps_route(n->maps, c, c->reachable ? data_port_of(n, &c->nh) : 0);
}

static void on_ctl(void *arg, int chan, const struct xm_io_dgram *d)
{
	node_ctl_request(arg, chan, d->buf, d->len);
}

struct node *node_new(const struct xmd_config *cfg, struct xm_io *io, const struct identity *id)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->cfg = *cfg;
	n->io = io;
	n->id = *id;
	n->udp_chan = -1;
	n->ctl_chan = -1;
	n->env = (struct xm_env){
		.ctx = n,
		.now_ms = env_now,
		.random = env_random,
		.send = env_send,
		.send_link = env_send_link,
		.sign = env_sign,
		.verify = env_verify,
	};
	n->replay = calloc(1, sizeof(*n->replay));
	if (n->replay)
		io->ops->random(io, n->replay->key, sizeof(n->replay->key));
	n->installed = calloc(cfg->max_sessions ? cfg->max_sessions : 1, sizeof(uint64_t));
	n->pa = pa_new(cfg->prefixes, cfg->n_prefixes, cfg->allow, cfg->n_allow,
		       (cfg->max_sessions ? cfg->max_sessions : 1) * XMD_MAX_PREFIXES);
	if (!n->replay || !n->installed || !n->pa || node_wire_init(n)) {
		node_free(n);
		return NULL;
	}
	return n;
}

/*
 * A publish that reached no node is retried: at start the routing table
 * may still be empty. Once stored, the DHT republishes the record itself.
 */
static void publish_done(void *arg, const struct dht_result *res)
{
	struct node_publish *p = arg;
	struct node *n = p->n;

	p->busy = false;
	p->stored = !res->error && res->stored;
	if (!p->stored && !n->publish_timer.armed)
		n->io->ops->timer_set(n->io, &n->publish_timer, PUBLISH_RETRY_MS, publish_all, n);
}

static void publish_all(void *arg)
{
	struct node *n = arg;

	for (unsigned int i = 0; i < n->cfg.n_services; i++) {
		const struct xmd_service *s = &n->cfg.services[i];
		struct node_publish *p = &n->pub[i];
		struct dht_service svc = { 0 };

		if (p->busy || p->stored)
			continue;
		snprintf(svc.name, sizeof(svc.name), "%s", s->name);
		svc.endpoints[0] = s->endpoint;
		svc.n_endpoints = 1;
		svc.is_private = s->private;
		svc.metadata_len = strlen(s->metadata);
		memcpy(svc.metadata, s->metadata, svc.metadata_len);
		p->n = n;
		p->busy = true;
		if (dht_publish(n->dht, &svc, publish_done, p) < 0) {
			p->busy = false;
			if (!n->publish_timer.armed)
				n->io->ops->timer_set(n->io, &n->publish_timer, PUBLISH_RETRY_MS,
						      publish_all, n);
		}
	}
	schedule(n);
}

int node_start(struct node *n)
{
	struct dht_config dcfg;
	struct hs_config hcfg = {
		.rekey_seconds = n->cfg.rekey_seconds,
		.max_peers = n->cfg.max_sessions,
		.data_port = n->cfg.data_port,
		.prefixes = n->cfg.prefixes,
		.n_prefixes = n->cfg.n_prefixes,
		.on_end = on_session_end,
	};
	struct route_config rcfg = {
		.id_puzzle_bits = n->cfg.puzzle_bits,
		.hello_interval_ms = n->cfg.hello_interval_ms,
		.on_change = on_route_change,
		.cb_arg = n,
	};
	char id_hex[XM_ID_HEX_LEN], a[64];
	int err;

	n->started_ms = n->io->ops->now_ms(n->io);
	n->started_wall_ms = n->io->ops->wall_ms(n->io);
	/* Counters stay increasing across restarts: above the mark stored in state_dir. */
	err = node_wire_start(n);
	if (err) {
		log_err("%s/%s: cannot read the envelope counter's mark", n->cfg.state_dir,
			IDENTITY_COUNTER_FILE);
		return err;
	}

	n->udp_chan = n->io->ops->udp_open(n->io, &n->cfg.listen, on_udp, n);
	if (n->udp_chan < 0) {
		xm_addr_format(&n->cfg.listen, a, sizeof(a));
		log_err("cannot listen on %s: %s", a, strerror(-n->udp_chan));
		return n->udp_chan;
	}
	n->io->ops->udp_local(n->io, n->udp_chan, &n->self_addr);
	if (n->cfg.advertise.port)
		n->self_addr = n->cfg.advertise;

	n->hs = hs_new(&hcfg, &n->id, &n->env, on_keys, n);
	dht_config_default(&dcfg);
	dcfg.puzzle_bits = n->cfg.puzzle_bits;
	dcfg.wall_ms = env_wall;
	n->dht = dht_new(&dcfg, &n->env, n->id.pk, &n->self_addr);
	if (!n->hs || !n->dht) {
		log_err("out of memory");
		return -ENOMEM;
	}
	if (n->cfg.n_links) {
		n->route = route_new(&rcfg, &n->env, &n->id.id, n->id.pk);
		if (!n->route)
			return -ENOMEM;
		for (unsigned int i = 0; i < n->cfg.n_links; i++) {
			int ifindex = n->cfg.link_ifindex[i];

			err = n->io->ops->link_join(n->io, n->udp_chan, ifindex);
			if (!err)
				err = route_add_link(n->route, ifindex);
			if (err)
				log_warn("routing on link %s (ifindex %d): %s", n->cfg.links[i],
					 ifindex, strerror(-err));
		}
	}

	if (n->cfg.kernel == XMD_KERNEL_AUTO) {
		n->kern = kernel_open(n->io, n->cfg.ifname, on_key_limit, n, n->kernel_status,
				      sizeof(n->kernel_status));
	} else {
		snprintf(n->kernel_status, sizeof(n->kernel_status),
			 "control plane only: kernel mode off in the configuration");
	}
	log_msg(n->kern ? LOG_LVL_INFO : LOG_LVL_WARN, "%s", n->kernel_status);
	if (n->kern)
		kernel_set_device(n->kern, xm_node_kid(&n->id.id), n->cfg.data_port);
	/* The eBPF relay is part of the module's data path: written with it only. */
	if (n->kern) {
		n->maps = maps_open(xm_node_kid(&n->id.id), n->cfg.data_port, n->maps_status,
				    sizeof(n->maps_status));
		log_msg(n->maps ? LOG_LVL_INFO : LOG_LVL_WARN, "%s", n->maps_status);
	} else {
		snprintf(n->maps_status, sizeof(n->maps_status),
			 "eBPF maps not written: control plane only");
	}

	if (n->cfg.ctl_socket[0]) {
		n->ctl_chan = n->io->ops->unix_listen(n->io, n->cfg.ctl_socket, on_ctl, n);
		if (n->ctl_chan < 0 && n->ctl_chan != -EOPNOTSUPP) {
			log_err("control socket %s: %s", n->cfg.ctl_socket,
				strerror(-n->ctl_chan));
			return n->ctl_chan;
		}
	}

	xm_node_id_hex(&n->id.id, id_hex);
	xm_addr_format(&n->self_addr, a, sizeof(a));
	log_info("node %s listening on %s (puzzle %u bits)", id_hex, a, n->cfg.puzzle_bits);

	if (n->cfg.n_seeds)
		dht_bootstrap(n->dht, n->cfg.seeds, n->cfg.n_seeds);
	if (n->cfg.n_services)
		n->io->ops->timer_set(n->io, &n->publish_timer, PUBLISH_RETRY_MS, publish_all, n);
	schedule(n);
	return 0;
}

void node_free(struct node *n)
{
	if (!n)
		return;
	n->io->ops->timer_cancel(n->io, &n->timer);
	n->io->ops->timer_cancel(n->io, &n->publish_timer);
	node_ctl_free_pending(n);
	if (n->ctl_chan >= 0)
		n->io->ops->close(n->io, n->ctl_chan);
	if (n->udp_chan >= 0)
		n->io->ops->close(n->io, n->udp_chan);
	maps_close(n->maps);
	kernel_close(n->kern);
	route_free(n->route);
	dht_free(n->dht);
	hs_free(n->hs);
	free(n->replay);
	node_wire_free(n);
	free(n->installed);
	pa_free(n->pa);
	identity_wipe(&n->id);
	free(n);
}

const struct identity *node_identity(const struct node *n)
{
	return &n->id;
}

uint64_t node_counter(const struct node *n)
{
	return n->counter;
}

const struct xm_addr *node_addr(const struct node *n)
{
	return &n->self_addr;
}

void node_get_stats(const struct node *n, struct node_stats *st)
{
	*st = n->st;
}

bool node_has_kernel(const struct node *n)
{
	return n->kern != NULL;
}

const char *node_kernel_status(const struct node *n)
{
	return n->kernel_status;
}

struct dht *node_dht(struct node *n)
{
	return n->dht;
}

struct route *node_route(struct node *n)
{
	return n->route;
}

struct handshake *node_handshake(struct node *n)
{
	return n->hs;
}

struct prefix_auth *node_prefix_auth(struct node *n)
{
	return n->pa;
}
