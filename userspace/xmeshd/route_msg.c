// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh routing wire format: protobuf-c does the framing, this file does
 * everything protobuf cannot express (exact byte lengths, ranges, counts).
 */
#include "route_msg.h"

#include <errno.h>
#include <string.h>

#include "env.h"
#include "route.pb-c.h"

/*
 * Worst-case encoded sizes, so a packet can be filled without encoding it
 * twice: tag + length prefix + fields at their largest varint width.
 */
#define HELLO_WIRE_MAX (2 + 6 + 6 + 11 + 11)
#define IHU_WIRE_MAX (2 + 6 + 6 + 11)
#define UPDATE_WIRE_MAX (3 + (2 + XM_PUBKEY_LEN) + 6 + 4 + 6 + (2 + XM_SIG_LEN))
#define REQUEST_WIRE_MAX (2 + (2 + XM_ID_LEN) + 6 + 3)
#define PACKET_BASE_MAX (6 + HELLO_WIRE_MAX + IHU_WIRE_MAX)

bool route_msg_fits(const struct route_msg *m, unsigned int more_updates,
		    unsigned int more_requests)
{
	unsigned int nu = m->n_updates + more_updates;
	unsigned int nr = m->n_requests + more_requests;

	return nu <= ROUTE_MSG_MAX_UPDATES && nr <= ROUTE_MSG_MAX_REQUESTS &&
	       PACKET_BASE_MAX + nu * UPDATE_WIRE_MAX + nr * REQUEST_WIRE_MAX <= XM_MSG_BODY_MAX;
}

void route_sig_msg(uint8_t out[ROUTE_SIG_MSG_LEN], const struct xm_node_id *origin,
		   uint32_t seqno)
{
	size_t tl = sizeof(ROUTE_SIG_TAG) - 1;

	memcpy(out, ROUTE_SIG_TAG, tl);
	memcpy(out + tl, origin->b, XM_ID_LEN);
	out[tl + XM_ID_LEN + 0] = (uint8_t)(seqno >> 24);
	out[tl + XM_ID_LEN + 1] = (uint8_t)(seqno >> 16);
	out[tl + XM_ID_LEN + 2] = (uint8_t)(seqno >> 8);
	out[tl + XM_ID_LEN + 3] = (uint8_t)seqno;
}

static bool interval_ok(uint32_t ms)
{
	return ms >= ROUTE_MSG_INTERVAL_MIN_MS && ms <= ROUTE_MSG_INTERVAL_MAX_MS;
}

static int decode_update(struct route_msg_update *u, const RouteUpdate *pu)
{
	if (pu->origin_pk.len != XM_PUBKEY_LEN || pu->signature.len != XM_SIG_LEN ||
	    pu->metric > ROUTE_METRIC_INF || !interval_ok(pu->interval_ms))
		return -EBADMSG;
	memcpy(u->origin_pk, pu->origin_pk.data, XM_PUBKEY_LEN);
	memcpy(u->sig, pu->signature.data, XM_SIG_LEN);
	u->seqno = pu->seqno;
	u->metric = (uint16_t)pu->metric;
	u->interval_ms = pu->interval_ms;
	return 0;
}

static int decode_request(struct route_msg_request *q, const RouteRequest *pq)
{
	if (pq->hop_count > ROUTE_MSG_HOP_COUNT_MAX)
		return -EBADMSG;
	if (pq->origin.len == 0) {
		/* Only a route request may ask for everything. */
		if (pq->hop_count || pq->seqno)
			return -EBADMSG;
		q->wildcard = true;
	} else if (pq->origin.len == XM_ID_LEN) {
		q->wildcard = false;
		memcpy(q->origin.b, pq->origin.data, XM_ID_LEN);
	} else {
		return -EBADMSG;
	}
	q->seqno = pq->seqno;
	q->hop_count = (uint8_t)pq->hop_count;
	return 0;
}

static int decode_packet(struct route_msg *m, const RoutePacket *p)
{
	int err;

	if (p->version != ROUTE_MSG_VERSION)
		return -EPROTONOSUPPORT;
	if (p->n_updates > ROUTE_MSG_MAX_UPDATES || p->n_requests > ROUTE_MSG_MAX_REQUESTS)
		return -EMSGSIZE;
	if (p->hello) {
		if (!interval_ok(p->hello->interval_ms))
			return -EBADMSG;
		m->has_hello = true;
		m->hello.seqno = p->hello->seqno;
		m->hello.interval_ms = p->hello->interval_ms;
		m->hello.timestamp = p->hello->timestamp;
		m->hello.instance = p->hello->instance;
	}
	if (p->ihu) {
		if (!interval_ok(p->ihu->interval_ms) || p->ihu->rxcost > ROUTE_METRIC_INF)
			return -EBADMSG;
		m->has_ihu = true;
		m->ihu.rxcost = (uint16_t)p->ihu->rxcost;
		m->ihu.interval_ms = p->ihu->interval_ms;
		m->ihu.echo_timestamp = p->ihu->echo_timestamp;
		m->ihu.held = p->ihu->held;
	}
	for (size_t i = 0; i < p->n_updates; i++) {
		err = decode_update(&m->updates[i], p->updates[i]);
		if (err)
			return err;
	}
	m->n_updates = (unsigned int)p->n_updates;
	for (size_t i = 0; i < p->n_requests; i++) {
		err = decode_request(&m->requests[i], p->requests[i]);
		if (err)
			return err;
	}
	m->n_requests = (unsigned int)p->n_requests;
	return 0;
}

int route_msg_decode(struct route_msg *m, const uint8_t *buf, size_t len)
{
	RoutePacket *p;
	int err;

	memset(m, 0, sizeof(*m));
	if (len > XM_MSG_BODY_MAX)
		return -EMSGSIZE;
	/* protobuf-c checks every length against the buffer. */
	p = route_packet__unpack(NULL, len, buf);
	if (!p)
		return -EBADMSG;
	err = decode_packet(m, p);
	route_packet__free_unpacked(p, NULL);
	if (err)
		memset(m, 0, sizeof(*m));
	return err;
}

int route_msg_encode(const struct route_msg *m, uint8_t *buf, size_t cap)
{
	RouteUpdate upd[ROUTE_MSG_MAX_UPDATES], *updp[ROUTE_MSG_MAX_UPDATES];
	RouteRequest req[ROUTE_MSG_MAX_REQUESTS], *reqp[ROUTE_MSG_MAX_REQUESTS];
	RoutePacket p = ROUTE_PACKET__INIT;
	RouteHello hello = ROUTE_HELLO__INIT;
	RouteIhu ihu = ROUTE_IHU__INIT;
	size_t len;

	if (m->n_updates > ROUTE_MSG_MAX_UPDATES || m->n_requests > ROUTE_MSG_MAX_REQUESTS)
		return -EMSGSIZE;
	p.version = ROUTE_MSG_VERSION;
	if (m->has_hello) {
		hello.seqno = m->hello.seqno;
		hello.interval_ms = m->hello.interval_ms;
		hello.timestamp = m->hello.timestamp;
		hello.instance = m->hello.instance;
		p.hello = &hello;
	}
	if (m->has_ihu) {
		ihu.rxcost = m->ihu.rxcost;
		ihu.interval_ms = m->ihu.interval_ms;
		ihu.echo_timestamp = m->ihu.echo_timestamp;
		ihu.held = m->ihu.held;
		p.ihu = &ihu;
	}
	for (unsigned int i = 0; i < m->n_updates; i++) {
		const struct route_msg_update *u = &m->updates[i];

		route_update__init(&upd[i]);
		/* protobuf-c's binary fields are not const; it only reads them here. */
		upd[i].origin_pk.data = (uint8_t *)u->origin_pk;
		upd[i].origin_pk.len = XM_PUBKEY_LEN;
		upd[i].signature.data = (uint8_t *)u->sig;
		upd[i].signature.len = XM_SIG_LEN;
		upd[i].seqno = u->seqno;
		upd[i].metric = u->metric;
		upd[i].interval_ms = u->interval_ms;
		updp[i] = &upd[i];
	}
	p.n_updates = m->n_updates;
	p.updates = updp;
	for (unsigned int i = 0; i < m->n_requests; i++) {
		const struct route_msg_request *q = &m->requests[i];

		route_request__init(&req[i]);
		if (!q->wildcard) {
			req[i].origin.data = (uint8_t *)q->origin.b;
			req[i].origin.len = XM_ID_LEN;
		}
		req[i].seqno = q->seqno;
		req[i].hop_count = q->hop_count;
		reqp[i] = &req[i];
	}
	p.n_requests = m->n_requests;
	p.requests = reqp;

	len = route_packet__get_packed_size(&p);
	if (len > cap)
		return -EMSGSIZE;
	return (int)route_packet__pack(&p, buf);
}
