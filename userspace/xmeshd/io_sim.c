// SPDX-License-Identifier: GPL-2.0
#include "io_sim.h"
#include "sim/disk.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_HOSTS 4096
#define SIM_MAX_IFS 8
/* Wall clock of the simulation's start: fixed, so runs replay. */
#define SIM_EPOCH_MS 1767225600000ULL
/* The clock starts away from 0, which code may use as "never". */
#define SIM_START_MS 1000000ULL

struct sim_host;

struct sim_chan {
	struct sim_host *host;
	uint16_t port;
	xm_io_recv_fn fn;
	void *arg;
	bool open;
	bool joined[SIM_MAX_IFS];
};

struct sim_if {
	int link; /* -1: none */
	int ifindex;
	bool up;
};

struct sim_host {
	struct xm_io io;
	struct xm_sim *sim;
	int index;
	uint32_t ip; /* host byte order */
	uint32_t ll_ip; /* link-local 169.254.x.y, host byte order; 0: none */
	uint8_t ttl; /* what its datagrams arrive with (XM_IO_TTL: from the link) */
	bool up;
	int group;
	uint64_t rng;
	struct sim_if ifs[SIM_MAX_IFS];
	/* The host's clock (xm_sim_host_clock_set()): drift on both, offset and steps on wall. */
	int32_t drift_ppm;
	uint64_t clk_base_true, clk_base_local; /* local monotonic = base_local at base_true */
	int64_t wall_offset_ms;
	bool crashed;
	struct sim_disk *disk;
	bool spoof;		/* its datagrams claim spoof_src as their source */
	struct xm_addr spoof_src;
};

enum ev_kind { EV_DELIVER, EV_TIMER };

struct sim_msg {
	int chan; /* destination */
	int src_host; /* the host that sent it, whatever source it claims */
	struct xm_addr from;
	int ifindex;
	uint8_t ttl;
	size_t len;
	uint8_t data[];
};

struct sim_event {
	uint64_t time;
	uint64_t seq;
	enum ev_kind kind;
	union {
		struct sim_msg *msg;
		size_t slot; /* EV_TIMER: index in timer_slots */
	};
};

struct xm_sim {
	struct xm_sim_config cfg;
	uint64_t now;
	uint64_t seq;
	uint64_t rng;
	uint64_t digest;
	struct xm_sim_stats stats;
	struct sim_host *hosts[SIM_MAX_HOSTS];
	int n_hosts;
	struct sim_chan *chans;
	size_t n_chans, cap_chans;
	struct sim_event *heap;
	size_t n_heap, cap_heap;
	/* A timer's heap entry points here; cancel clears the slot. */
	struct xm_io_timer **timer_slots;
	size_t n_slots, cap_slots;
	size_t *free_slots;
	size_t n_free;
	struct sim_host **slot_host; /* the host that armed each timer slot */
};

#define to_host(p) ((struct sim_host *)(p))

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
	return a->time != b->time ? a->time < b->time : a->seq < b->seq;
}

static int heap_push(struct xm_sim *sim, struct sim_event ev)
{
	size_t i;

	if (sim->n_heap == sim->cap_heap) {
		size_t cap = sim->cap_heap ? 2 * sim->cap_heap : 1024;
		struct sim_event *h = realloc(sim->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		sim->heap = h;
		sim->cap_heap = cap;
	}
	ev.seq = sim->seq++;
	i = sim->n_heap++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!ev_before(&ev, &sim->heap[parent]))
			break;
		sim->heap[i] = sim->heap[parent];
		i = parent;
	}
	sim->heap[i] = ev;
	return 0;
}

static struct sim_event heap_pop(struct xm_sim *sim)
{
	struct sim_event top = sim->heap[0], last = sim->heap[--sim->n_heap];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct sim_event *best = &last;

		if (l < sim->n_heap && ev_before(&sim->heap[l], best)) {
			m = l;
			best = &sim->heap[l];
		}
		if (r < sim->n_heap && ev_before(&sim->heap[r], best))
			m = r;
		if (m == i)
			break;
		sim->heap[i] = sim->heap[m];
		i = m;
	}
	if (sim->n_heap)
		sim->heap[i] = last;
	return top;
}

/* The host's monotonic clock after dt ms of true time since its base. */
static uint64_t local_after(const struct sim_host *h, uint64_t dt)
{
	int64_t skew = (int64_t)dt * h->drift_ppm;

	/* Floor division: the clock never runs backwards. */
	skew = skew >= 0 ? skew / 1000000 : -((-skew + 999999) / 1000000);
	return h->clk_base_local + dt + (uint64_t)skew;
}

static uint64_t sim_now_ms(struct xm_io *io)
{
	struct sim_host *h = to_host(io);

	return local_after(h, h->sim->now - h->clk_base_true);
}

static uint64_t sim_wall_ms(struct xm_io *io)
{
	return SIM_EPOCH_MS + (uint64_t)((int64_t)sim_now_ms(io) + to_host(io)->wall_offset_ms);
}

/* True ms until the host's monotonic clock has advanced by delay_ms. */
static uint64_t true_delay(const struct sim_host *h, uint64_t delay_ms)
{
	uint64_t dt0 = h->sim->now - h->clk_base_true, start = local_after(h, dt0), dt;

	if (!h->drift_ppm)
		return delay_ms;
	dt = delay_ms * 1000000 / (uint64_t)(1000000 + h->drift_ppm);
	while (dt && local_after(h, dt0 + dt - 1) >= start + delay_ms)
		dt--;
	while (local_after(h, dt0 + dt) < start + delay_ms)
		dt++;
	return dt;
}

static void sim_random(struct xm_io *io, void *buf, size_t len)
{
	struct sim_host *h = to_host(io);
	uint8_t *p = buf;

	while (len) {
		uint64_t v = splitmix64(&h->rng);
		size_t n = len < sizeof(v) ? len : sizeof(v);

		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}

static int sim_udp_open(struct xm_io *io, const struct xm_addr *bind, xm_io_recv_fn fn,
			void *arg)
{
	struct sim_host *h = to_host(io);
	struct xm_sim *sim = h->sim;
	uint16_t port = bind->port;

	if (!port)
		port = (uint16_t)(40000 + sim->n_chans % 20000);
	for (size_t i = 0; i < sim->n_chans; i++)
		if (sim->chans[i].open && sim->chans[i].host == h && sim->chans[i].port == port)
			return -EADDRINUSE;
	if (sim->n_chans == sim->cap_chans) {
		size_t cap = sim->cap_chans ? 2 * sim->cap_chans : 64;
		struct sim_chan *c = realloc(sim->chans, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		sim->chans = c;
		sim->cap_chans = cap;
	}
	memset(&sim->chans[sim->n_chans], 0, sizeof(sim->chans[0]));
	sim->chans[sim->n_chans] = (struct sim_chan){ .host = h, .port = port, .fn = fn,
						      .arg = arg, .open = true };
	return (int)sim->n_chans++;
}

static struct sim_chan *chan_of(struct sim_host *h, int chan)
{
	if (chan < 0 || (size_t)chan >= h->sim->n_chans || !h->sim->chans[chan].open ||
	    h->sim->chans[chan].host != h)
		return NULL;
	return &h->sim->chans[chan];
}

static int sim_udp_local(struct xm_io *io, int chan, struct xm_addr *out)
{
	struct sim_chan *c = chan_of(to_host(io), chan);

	if (!c)
		return -EBADF;
	xm_sim_host_addr(io, out, c->port);
	return 0;
}

static int sim_fd_attach(struct xm_io *io, int fd, xm_io_recv_fn fn, void *arg)
{
	(void)io, (void)fd, (void)fn, (void)arg;
	return -EOPNOTSUPP;
}

static int sim_unix_listen(struct xm_io *io, const char *path, xm_io_recv_fn fn, void *arg)
{
	(void)io, (void)path, (void)fn, (void)arg;
	return -EOPNOTSUPP;
}

static bool reachable(const struct sim_host *a, const struct sim_host *b)
{
	return a->up && b->up && a->group == b->group;
}

/* Queue one datagram for channel dst unless it is lost. */
/* Host @h's link-local address when it has one and @ll asks for it, else its global one. */
static void host_addr(const struct sim_host *h, bool ll, uint16_t port, struct xm_addr *out)
{
	xm_addr_from_v4(out, htonl(ll && h->ll_ip ? h->ll_ip : h->ip), port);
}

/* Whether @a is one of host @h's addresses on @port. */
static bool host_has_addr(const struct sim_host *h, const struct xm_addr *a, uint16_t port)
{
	struct xm_addr x;

	host_addr(h, false, port, &x);
	if (xm_addr_equal(&x, a))
		return true;
	host_addr(h, true, port, &x);
	return h->ll_ip && xm_addr_equal(&x, a);
}

static bool addr_is_ll(const struct xm_addr *a)
{
	return xm_addr_is_v4(a) && a->ip.s6_addr[12] == 169 && a->ip.s6_addr[13] == 254;
}

/*
 * From its link-local address when it sends on a link or to a link-local
 * address (as the kernel picks the source), else from its global one.
 */
static void transmit(struct sim_host *h, const struct sim_chan *src, int dst, int dst_ifindex,
		     bool ll, const void *buf, size_t len)
{
	struct xm_sim *sim = h->sim;
	uint32_t span = sim->cfg.latency_max_ms - sim->cfg.latency_min_ms;
	struct sim_msg *m;
	uint64_t delay;

	sim->stats.sent++;
	if (sim->cfg.loss_permille && splitmix64(&sim->rng) % 1000 < sim->cfg.loss_permille) {
		sim->stats.lost++;
		return;
	}
	delay = sim->cfg.latency_min_ms + (span ? splitmix64(&sim->rng) % (span + 1) : 0);
	m = malloc(sizeof(*m) + len);
	if (!m) {
		sim->stats.lost++;
		return;
	}
	m->chan = dst;
	m->src_host = h->index;
	if (h->spoof)
		m->from = h->spoof_src;
	else
		host_addr(h, ll, src->port, &m->from);
	m->ifindex = dst_ifindex;
	m->ttl = h->ttl;
	m->len = len;
	memcpy(m->data, buf, len);
	if (heap_push(sim, (struct sim_event){ .time = sim->now + delay, .kind = EV_DELIVER,
					       .msg = m }))
		free(m);
}

static int sim_send(struct xm_io *io, int chan, const struct xm_addr *to, const void *buf,
		    size_t len)
{
	struct sim_host *h = to_host(io);
	struct xm_sim *sim = h->sim;
	struct sim_chan *c = chan_of(h, chan);

	if (!c || !to)
		return -EBADF;
	if (len > 65507)
		return -EMSGSIZE;
	for (size_t i = 0; i < sim->n_chans; i++) {
		struct sim_chan *d = &sim->chans[i];

		if (!d->open || d->port != to->port || !host_has_addr(d->host, to, d->port))
			continue;
		if (!reachable(h, d->host)) {
			sim->stats.unreachable++;
			return 0; /* UDP: the sender does not learn of it */
		}
		transmit(h, c, (int)i, 0, addr_is_ll(to), buf, len);
		return 0;
	}
	sim->stats.unreachable++;
	return 0;
}

static struct sim_if *if_of(struct sim_host *h, int ifindex)
{
	for (int i = 0; i < SIM_MAX_IFS; i++)
		if (h->ifs[i].link >= 0 && h->ifs[i].ifindex == ifindex)
			return &h->ifs[i];
	return NULL;
}

static int sim_link_join(struct xm_io *io, int chan, int ifindex)
{
	struct sim_host *h = to_host(io);
	struct sim_chan *c = chan_of(h, chan);
	struct sim_if *ifp = if_of(h, ifindex);

	if (!c || !ifp)
		return -ENODEV;
	c->joined[ifp - h->ifs] = true;
	return 0;
}

static int sim_send_link(struct xm_io *io, int chan, int ifindex, const void *buf, size_t len)
{
	struct sim_host *h = to_host(io);
	struct xm_sim *sim = h->sim;
	struct sim_chan *c = chan_of(h, chan);
	struct sim_if *ifp = if_of(h, ifindex);

	if (!c || !ifp)
		return -ENODEV;
	if (!ifp->up)
		return -ENETDOWN;
	/* Every other host on the link hears it, on the same port. */
	for (size_t i = 0; i < sim->n_chans; i++) {
		struct sim_chan *d = &sim->chans[i];

		if (!d->open || d->host == h || d->port != c->port)
			continue;
		for (int k = 0; k < SIM_MAX_IFS; k++) {
			struct sim_if *dif = &d->host->ifs[k];

			if (dif->link != ifp->link || !dif->up || !d->joined[k])
				continue;
			if (reachable(h, d->host))
				transmit(h, c, (int)i, dif->ifindex, true, buf, len);
		}
	}
	return 0;
}

static void sim_close(struct xm_io *io, int chan)
{
	struct sim_chan *c = chan_of(to_host(io), chan);

	if (c)
		c->open = false;
}

static void sim_timer_cancel(struct xm_io *io, struct xm_io_timer *t)
{
	struct xm_sim *sim = to_host(io)->sim;

	if (t->armed && t->gen < sim->n_slots && sim->timer_slots[t->gen] == t)
		sim->timer_slots[t->gen] = NULL;
	t->armed = false;
}

static void sim_timer_set(struct xm_io *io, struct xm_io_timer *t, uint64_t delay_ms,
			  xm_io_timer_fn fn, void *arg)
{
	struct xm_sim *sim = to_host(io)->sim;
	size_t slot;

	sim_timer_cancel(io, t);
	if (to_host(io)->crashed)
		return; /* a crashed host runs nothing */
	if (sim->n_free) {
		slot = sim->free_slots[--sim->n_free];
	} else {
		if (sim->n_slots == sim->cap_slots) {
			size_t cap = sim->cap_slots ? 2 * sim->cap_slots : 256;
			struct xm_io_timer **s = realloc(sim->timer_slots, cap * sizeof(*s));
			struct sim_host **h;
			size_t *f;

			if (!s)
				return;
			sim->timer_slots = s;
			f = realloc(sim->free_slots, cap * sizeof(*f));
			if (!f)
				return;
			sim->free_slots = f;
			h = realloc(sim->slot_host, cap * sizeof(*h));
			if (!h)
				return;
			sim->slot_host = h;
			sim->cap_slots = cap;
		}
		slot = sim->n_slots++;
	}
	sim->timer_slots[slot] = t;
	sim->slot_host[slot] = to_host(io);
	t->gen = slot;
	t->deadline_ms = sim_now_ms(io) + delay_ms;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
	if (heap_push(sim, (struct sim_event){ .time = sim->now + true_delay(to_host(io), delay_ms),
					       .kind = EV_TIMER, .slot = slot })) {
		sim->timer_slots[slot] = NULL;
		sim->free_slots[sim->n_free++] = slot;
		t->armed = false;
	}
}

static const struct xm_io_ops sim_ops = {
	.now_ms = sim_now_ms,
	.wall_ms = sim_wall_ms,
	.random = sim_random,
	.udp_open = sim_udp_open,
	.udp_local = sim_udp_local,
	.fd_attach = sim_fd_attach,
	.unix_listen = sim_unix_listen,
	.send = sim_send,
	.link_join = sim_link_join,
	.send_link = sim_send_link,
	.close = sim_close,
	.timer_set = sim_timer_set,
	.timer_cancel = sim_timer_cancel,
	.file_open = sim_disk_file_open,
	.file_size = sim_disk_file_size,
	.file_write = sim_disk_file_write,
	.file_read = sim_disk_file_read,
	.file_sync = sim_disk_file_sync,
	.file_close = sim_disk_file_close,
};

struct xm_sim *xm_sim_new(const struct xm_sim_config *cfg)
{
	struct xm_sim *sim = calloc(1, sizeof(*sim));

	if (!sim)
		return NULL;
	sim->cfg = *cfg;
	if (sim->cfg.latency_max_ms < sim->cfg.latency_min_ms)
		sim->cfg.latency_max_ms = sim->cfg.latency_min_ms;
	sim->now = SIM_START_MS;
	sim->rng = cfg->seed;
	sim->digest = 0xcbf29ce484222325ULL;
	return sim;
}

void xm_sim_free(struct xm_sim *sim)
{
	if (!sim)
		return;
	for (size_t i = 0; i < sim->n_heap; i++)
		if (sim->heap[i].kind == EV_DELIVER)
			free(sim->heap[i].msg);
	for (int i = 0; i < sim->n_hosts; i++) {
		sim_disk_free(sim->hosts[i]->disk);
		free(sim->hosts[i]);
	}
	free(sim->heap);
	free(sim->chans);
	free(sim->timer_slots);
	free(sim->free_slots);
	free(sim->slot_host);
	free(sim);
}

struct xm_io *xm_sim_host_new(struct xm_sim *sim)
{
	struct sim_host *h;

	if (sim->n_hosts == SIM_MAX_HOSTS)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->io.ops = &sim_ops;
	h->sim = sim;
	h->index = sim->n_hosts;
	/* 10.0.0.0/8, skipping .0 and .255 host parts. */
	h->ip = 0x0a000000u | (uint32_t)(h->index / 250) << 8 | (uint32_t)(h->index % 250 + 1);
	xm_sim_host_set_link_local(&h->io, true);
	h->ttl = XM_IO_TTL;
	h->up = true;
	h->rng = sim->cfg.seed ^ (0x5851f42d4c957f2dULL * (uint64_t)(h->index + 1));
	for (int i = 0; i < SIM_MAX_IFS; i++)
		h->ifs[i].link = -1;
	h->clk_base_true = h->clk_base_local = sim->now;
	h->disk = sim_disk_new(&h->io, sim->cfg.seed ^ (0x2545f4914f6cdd1dULL * (uint64_t)(h->index + 1)));
	if (!h->disk) {
		free(h);
		return NULL;
	}
	sim->hosts[sim->n_hosts++] = h;
	return &h->io;
}

int xm_sim_host_index(struct xm_io *io)
{
	return to_host(io)->index;
}

void xm_sim_host_addr(struct xm_io *io, struct xm_addr *addr, uint16_t port)
{
	xm_addr_from_v4(addr, htonl(to_host(io)->ip), port);
}

void xm_sim_host_spoof(struct xm_io *io, const struct xm_addr *src)
{
	struct sim_host *h = to_host(io);

	h->spoof = src != NULL;
	if (src)
		h->spoof_src = *src;
}

void xm_sim_host_ll_addr(struct xm_io *io, struct xm_addr *addr, uint16_t port)
{
	host_addr(to_host(io), true, port, addr);
}

void xm_sim_host_set_ttl(struct xm_io *io, uint8_t ttl)
{
	to_host(io)->ttl = ttl;
}

void xm_sim_host_set_link_local(struct xm_io *io, bool on)
{
	struct sim_host *h = to_host(io);

	/* 169.254.x.y with the x.y of its global address. */
	h->ll_ip = on ? 0xa9fe0000u | (h->ip & 0xffff) : 0;
}

void xm_sim_host_set_up(struct xm_io *io, bool up)
{
	if (!to_host(io)->crashed)
		to_host(io)->up = up;
}

void xm_sim_host_set_group(struct xm_io *io, int group)
{
	to_host(io)->group = group;
}

int xm_sim_link_attach(struct xm_io *io, int link, int ifindex)
{
	struct sim_host *h = to_host(io);

	if (link < 0 || ifindex <= 0 || if_of(h, ifindex))
		return -EINVAL;
	for (int i = 0; i < SIM_MAX_IFS; i++) {
		if (h->ifs[i].link < 0) {
			h->ifs[i] = (struct sim_if){ .link = link, .ifindex = ifindex, .up = true };
			return 0;
		}
	}
	return -ENOSPC;
}

void xm_sim_link_set_up(struct xm_io *io, int ifindex, bool up)
{
	struct sim_if *ifp = if_of(to_host(io), ifindex);

	if (ifp)
		ifp->up = up;
}

void xm_sim_set_loss(struct xm_sim *sim, uint32_t loss_permille)
{
	sim->cfg.loss_permille = loss_permille;
}

uint64_t xm_sim_now(const struct xm_sim *sim)
{
	return sim->now;
}

static void mix(struct xm_sim *sim, uint64_t v)
{
	/* FNV-1a over 64-bit words: cheap, order sensitive. */
	sim->digest = (sim->digest ^ v) * 0x100000001b3ULL;
}

static void deliver(struct xm_sim *sim, struct sim_msg *m)
{
	struct sim_chan *c = &sim->chans[m->chan];
	struct xm_io_dgram d = { .buf = m->data, .len = m->len, .has_from = true,
				 .from = m->from, .ifindex = m->ifindex, .ttl = m->ttl };
	struct sim_host *src = sim->hosts[m->src_host];
	/* A partition or a crash while the datagram was on its way. */
	if (!c->open || !src || !reachable(src, c->host)) {
		sim->stats.unreachable++;
		return;
	}
	if (m->ifindex) {
		struct sim_if *ifp = if_of(c->host, m->ifindex);

		if (!ifp || !ifp->up) {
			sim->stats.unreachable++;
			return;
		}
	}
	if (d.len > XM_IO_RX_MAX) {
		d.truncated_len = d.len;
		d.len = XM_IO_RX_MAX;
	}
	sim->stats.delivered++;
	mix(sim, sim->now);
	mix(sim, (uint64_t)m->chan);
	mix(sim, m->len);
	for (size_t i = 0; i < m->len; i += 8) {
		uint64_t w = 0;

		memcpy(&w, m->data + i, m->len - i < 8 ? m->len - i : 8);
		mix(sim, w);
	}
	c->fn(c->arg, m->chan, &d);
}

/* Process one event due at or before until; false when there is none. */
static bool step(struct xm_sim *sim, uint64_t until)
{
	struct sim_event ev;

	if (!sim->n_heap || sim->heap[0].time > until)
		return false;
	ev = heap_pop(sim);
	if (ev.time > sim->now)
		sim->now = ev.time;
	if (ev.kind == EV_DELIVER) {
		deliver(sim, ev.msg);
		free(ev.msg);
	} else {
		struct xm_io_timer *t = sim->timer_slots[ev.slot];

		sim->timer_slots[ev.slot] = NULL;
		sim->free_slots[sim->n_free++] = ev.slot;
		if (t && t->armed) {
			t->armed = false;
			sim->stats.timers++;
			t->fn(t->arg);
		}
	}
	return true;
}

void xm_sim_run_for(struct xm_sim *sim, uint64_t ms)
{
	uint64_t until = sim->now + ms;

	while (step(sim, until))
		;
	sim->now = until;
}

bool xm_sim_run_until(struct xm_sim *sim, bool (*done)(void *arg), void *arg, uint64_t max_ms)
{
	uint64_t until = sim->now + max_ms;

	if (done(arg))
		return true;
	while (step(sim, until))
		if (done(arg))
			return true;
	sim->now = until;
	return done(arg);
}

void xm_sim_get_stats(const struct xm_sim *sim, struct xm_sim_stats *st)
{
	*st = sim->stats;
}

uint64_t xm_sim_digest(const struct xm_sim *sim)
{
	return sim->digest;
}

uint64_t xm_sim_splitmix(uint64_t *state)
{
	return splitmix64(state);
}

void xm_sim_mix(struct xm_sim *sim, uint64_t v)
{
	mix(sim, v);
}

struct xm_sim *xm_sim_of(struct xm_io *io)
{
	return to_host(io)->sim;
}

struct sim_disk *xm_sim_host_disk(struct xm_io *io)
{
	return to_host(io)->disk;
}

bool xm_sim_host_crashed(struct xm_io *io)
{
	return to_host(io)->crashed;
}

void xm_sim_host_clock_set(struct xm_io *io, int64_t wall_offset_ms, int32_t drift_ppm)
{
	struct sim_host *h = to_host(io);

	if (drift_ppm < -XM_SIM_DRIFT_MAX_PPM)
		drift_ppm = -XM_SIM_DRIFT_MAX_PPM;
	if (drift_ppm > XM_SIM_DRIFT_MAX_PPM)
		drift_ppm = XM_SIM_DRIFT_MAX_PPM;
	/* Rebase: the monotonic clock goes on from where it is, at the new rate. */
	h->clk_base_local = sim_now_ms(io);
	h->clk_base_true = h->sim->now;
	h->drift_ppm = drift_ppm;
	h->wall_offset_ms = wall_offset_ms;
}

void xm_sim_host_clock_step(struct xm_io *io, int64_t step_ms)
{
	to_host(io)->wall_offset_ms += step_ms;
	mix(to_host(io)->sim, (uint64_t)step_ms);
}

void xm_sim_host_crash(struct xm_io *io)
{
	struct sim_host *h = to_host(io);
	struct xm_sim *sim = h->sim;

	if (h->crashed)
		return;
	h->crashed = true;
	h->up = false;
	for (size_t i = 0; i < sim->n_chans; i++)
		if (sim->chans[i].host == h)
			sim->chans[i].open = false;
	/* Its timers never fire; their heap entries find an empty slot. */
	for (size_t i = 0; i < sim->n_slots; i++) {
		if (sim->timer_slots[i] && sim->slot_host[i] == h) {
			sim->timer_slots[i]->armed = false;
			sim->timer_slots[i] = NULL;
		}
	}
	sim_disk_crash(h->disk);
	sim->stats.crashes++;
	mix(sim, sim->now);
	mix(sim, 0xc4a54ULL + (uint64_t)h->index);
}

void xm_sim_host_restart(struct xm_io *io)
{
	struct sim_host *h = to_host(io);

	if (!h->crashed)
		return;
	h->crashed = false;
	h->up = true;
	mix(h->sim, h->sim->now);
	mix(h->sim, 0x5e57a27ULL + (uint64_t)h->index);
}
