// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh routing neighbours: who is heard on each link, how well in each
 * direction (hello history and IHUs, RFC 8966 3.4), how far (RTT from the
 * hello timestamps the IHUs echo), and what the link costs.
 *
 * The cost is hop_cost scaled by the hello loss in the worse direction, plus
 * the smoothed RTT in ms. It changes only when the newly computed cost moves
 * away from the one in use by more than an eighth, and by more than half a
 * hop_cost (hysteresis), so RTT jitter does not make routes flap.
 */
#include "route_int.h"

#include <string.h>

#define HIST_BITS 16
#define NEIGH_GONE_MISSED 8 /* hellos missed in a row before forgetting one */

static unsigned int neigh_index(const struct route *r, const struct route_neigh *n)
{
	return (unsigned int)(n - r->neighs);
}

struct route_neigh *route_neigh_find(struct route *r, const struct xm_node_id *id, int ifindex)
{
	for (unsigned int i = 0; i < r->cfg.max_neighbours; i++) {
		struct route_neigh *n = &r->neighs[i];

		if (n->used && n->ifindex == ifindex && !xm_node_id_cmp(&n->id, id))
			return n;
	}
	return NULL;
}

static struct route_neigh *neigh_alloc(struct route *r, const struct xm_peer_ref *from)
{
	for (unsigned int i = 0; i < r->cfg.max_neighbours; i++) {
		struct route_neigh *n = &r->neighs[i];

		if (n->used)
			continue;
		memset(n, 0, sizeof(*n));
		n->used = true;
		n->id = from->id;
		n->ifindex = from->ifindex;
		n->txcost = ROUTE_METRIC_INF;
		n->cost = ROUTE_METRIC_INF;
		return n;
	}
	return NULL;
}

uint16_t route_neigh_rxcost(const struct route *r, const struct route_neigh *n)
{
	uint32_t window = n->hist_len, mask, got, cost;

	if (!window || (window >= 2 && !(n->hist & 3)))
		return ROUTE_METRIC_INF; /* the last two hellos are missing */
	mask = window >= HIST_BITS ? 0xffffu : (1u << window) - 1;
	got = (uint32_t)__builtin_popcount(n->hist & mask);
	cost = (uint32_t)r->cfg.hop_cost * window / got;
	return cost >= ROUTE_METRIC_INF ? ROUTE_METRIC_INF - 1 : (uint16_t)cost;
}

static uint16_t neigh_cost_now(const struct route *r, const struct route_neigh *n)
{
	uint16_t rx = route_neigh_rxcost(r, n);
	uint16_t loss = rx > n->txcost ? rx : n->txcost;
	uint32_t rtt = 0;

	if (loss == ROUTE_METRIC_INF)
		return ROUTE_METRIC_INF;
	if (n->rtt_valid) {
		rtt = (n->srtt16 + 8) / 16;
		if (rtt > ROUTE_RTT_COST_MAX)
			rtt = ROUTE_RTT_COST_MAX;
	}
	return route_metric_add(loss, (uint16_t)rtt);
}

void route_neigh_recost(struct route *r, struct route_neigh *n)
{
	uint16_t cand = neigh_cost_now(r, n);
	uint16_t cur = n->cost;

	if (cand == cur)
		return;
	/* No hysteresis while the first RTT samples are still averaged. */
	if (cand != ROUTE_METRIC_INF && cur != ROUTE_METRIC_INF &&
	    n->rtt_samples >= ROUTE_RTT_WARMUP) {
		uint16_t diff = cand > cur ? cand - cur : cur - cand;
		uint16_t band = cur / 8 > r->cfg.hop_cost / 2 ? cur / 8 : r->cfg.hop_cost / 2;

		if (diff <= band)
			return;
	}
	n->cost = cand;
	route_table_neigh_recost(r, neigh_index(r, n));
}

/*
 * Accounts for hello @seqno in the history (bit 0: hello_expect - 1).
 * Returns whether it is the newest hello heard, which restarts the timer
 * that counts the next one as missed.
 */
static bool hist_record(struct route_neigh *n, uint32_t seqno, bool fresh)
{
	int32_t d = (int32_t)(seqno - n->hello_expect);
	unsigned int back;

	if (fresh || d >= HIST_BITS || d <= -HIST_BITS) {
		/* New neighbour, or it restarted its hello numbering. */
		n->hist = 1;
		n->hist_len = 1;
		n->hello_expect = seqno + 1;
		return true;
	}
	if (d < 0) {
		back = (unsigned int)-d;
		if (n->hist & ((1u << (back - 1)) - 1)) {
			/* A late hello, overtaken by a newer one: it was heard. */
			n->hist |= (uint16_t)(1u << (back - 1));
			return false;
		}
		/*
		 * Nothing newer was heard: the misses our timer counted were
		 * never sent. The sender stalled (a paused process, a frozen
		 * VM) or slowed its hellos, and its numbering goes on where it
		 * stopped. Undo them (RFC 8966 A.1) instead of counting every
		 * later hello as a late one: the gap would stay constant and
		 * the link would look dead for as long as it keeps talking.
		 */
		n->hist = (uint16_t)(n->hist >> back);
		n->hist_len = (uint8_t)(n->hist_len > back ? n->hist_len - back : 0);
		n->hello_expect = seqno;
		d = 0;
	}
	n->hist = (uint16_t)(((uint32_t)n->hist << (d + 1)) | 1);
	n->hist_len = (uint8_t)(n->hist_len + d + 1 > HIST_BITS ? HIST_BITS : n->hist_len + d + 1);
	n->hello_expect = seqno + 1;
	return true;
}

struct route_neigh *route_neigh_hello(struct route *r, const struct xm_peer_ref *from,
				      const struct route_msg_hello *h, bool *is_new)
{
	struct route_neigh *n = route_neigh_find(r, &from->id, from->ifindex);
	uint64_t now = route_now(r);

	*is_new = false;
	if (n && n->instance != h->instance) {
		/* It restarted: what it advertised before is void. */
		route_neigh_remove(r, n);
		n = NULL;
	}
	if (!n) {
		n = neigh_alloc(r, from);
		if (!n)
			return NULL;
		n->instance = h->instance;
		*is_new = true;
	}
	n->addr = from->addr;
	n->hello_interval = h->interval_ms;
	if (hist_record(n, h->seqno, *is_new)) {
		n->hello_deadline = now + (uint64_t)h->interval_ms * 3 / 2;
		route_arm(r, n->hello_deadline);
	}
	route_neigh_recost(r, n);
	return n;
}

void route_neigh_ihu(struct route *r, struct route_neigh *n, const struct route_msg_ihu *ihu)
{
	uint64_t now = route_now(r);

	n->txcost = ihu->rxcost;
	/* IHUs answer our hellos, so they come once per hello interval of ours. */
	n->ihu_deadline = now + (uint64_t)r->cfg.hello_interval_ms * 7 / 2;
	route_arm(r, n->ihu_deadline);
	/*
	 * A hello answered late, after the neighbour stalled, is no sample;
	 * nor is one of ours sent before our own stall: its answer waited in
	 * our socket.
	 */
	if (!ihu->held && ihu->echo_timestamp >= r->resumed_at &&
	    ihu->echo_timestamp <= now && now - ihu->echo_timestamp <= ROUTE_RTT_MAX_MS) {
		int64_t sample16 = (int64_t)(now - ihu->echo_timestamp) * 16;
		int64_t gain;

		/*
		 * The mean of the first samples, so that no early sample
		 * anchors the cost, then an EWMA with gain 1/ROUTE_RTT_GAIN:
		 * one sample comes per hello, so it follows a change within
		 * a few hellos, and the cost's hysteresis absorbs the jitter.
		 */
		if (n->rtt_samples < ROUTE_RTT_WARMUP)
			n->rtt_samples++;
		gain = n->rtt_samples < ROUTE_RTT_WARMUP ? n->rtt_samples : ROUTE_RTT_GAIN;
		n->srtt16 = (uint32_t)((int64_t)n->srtt16 + (sample16 - (int64_t)n->srtt16) / gain);
		n->rtt_valid = true;
	}
	route_neigh_recost(r, n);
}

void route_neigh_remove(struct route *r, struct route_neigh *n)
{
	route_table_neigh_gone(r, neigh_index(r, n));
	memset(n, 0, sizeof(*n));
}

void route_neigh_timers(struct route *r, uint64_t now)
{
	for (unsigned int i = 0; i < r->cfg.max_neighbours; i++) {
		struct route_neigh *n = &r->neighs[i];
		bool changed = false;

		if (!n->used)
			continue;
		/* Count missed hellos, at most a history's worth per call. */
		for (int k = 0; k < HIST_BITS && now >= n->hello_deadline; k++) {
			n->hist = (uint16_t)(n->hist << 1);
			if (n->hist_len < HIST_BITS)
				n->hist_len++;
			n->hello_expect++;
			n->hello_deadline += n->hello_interval;
			changed = true;
		}
		if (now >= n->hello_deadline)
			n->hello_deadline = now + n->hello_interval;
		if (n->hist_len >= NEIGH_GONE_MISSED &&
		    !(n->hist & ((1u << NEIGH_GONE_MISSED) - 1))) {
			route_neigh_remove(r, n);
			continue;
		}
		if (n->ihu_deadline && now >= n->ihu_deadline) {
			n->txcost = ROUTE_METRIC_INF;
			n->ihu_deadline = 0;
			changed = true;
		}
		if (changed)
			route_neigh_recost(r, n);
		route_arm(r, n->hello_deadline);
		if (n->ihu_deadline)
			route_arm(r, n->ihu_deadline);
	}
}
