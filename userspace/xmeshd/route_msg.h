/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire format of mesh routing (userspace/proto/route.proto): decoding into
 * bounded, validated structures and encoding from them. Nothing else in the
 * routing module touches protobuf-c.
 */
#ifndef XMESHD_ROUTE_MSG_H
#define XMESHD_ROUTE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "route.h"
#include "sig_domains.h"
#include "xm_node.h"

#define ROUTE_MSG_VERSION 1

/*
 * A packet carries at most this many of each; the encoder keeps within
 * XM_MSG_BODY_MAX (route_msg_fits()).
 */
#define ROUTE_MSG_MAX_UPDATES 16
#define ROUTE_MSG_MAX_REQUESTS 32

/*
 * Every interval received (hello, IHU, update) lies in [MIN, MAX]: above,
 * timers computed from them could overflow or keep dead state for hours;
 * below, a neighbour could make this node's timers fire continuously.
 */
#define ROUTE_MSG_INTERVAL_MIN_MS 100u
#define ROUTE_MSG_INTERVAL_MAX_MS (10u * 60 * 1000)
#define ROUTE_MSG_HOP_COUNT_MAX 255

/* What the origin signs: domain tag, origin id, seqno (big-endian). */
#define ROUTE_SIG_TAG SIG_DOMAIN_ROUTE_UPDATE
#define ROUTE_SIG_MSG_LEN (sizeof(ROUTE_SIG_TAG) - 1 + XM_ID_LEN + 4)

struct route_msg_hello {
	uint32_t seqno;
	uint32_t interval_ms;
	uint64_t timestamp;
	uint64_t instance;
};

struct route_msg_ihu {
	uint16_t rxcost;
	uint32_t interval_ms;
	uint64_t echo_timestamp;
	bool held; /* answered late, after a stall: no RTT sample */
};

struct route_msg_update {
	uint8_t origin_pk[XM_PUBKEY_LEN];
	uint32_t seqno;
	uint16_t metric; /* ROUTE_METRIC_INF: retraction */
	uint32_t interval_ms;
	uint8_t sig[XM_SIG_LEN];
};

struct route_msg_request {
	bool wildcard; /* no origin: every destination */
	struct xm_node_id origin;
	uint32_t seqno;
	uint8_t hop_count; /* 0: route request; > 0: seqno request */
};

struct route_msg {
	bool has_hello;
	bool has_ihu;
	struct route_msg_hello hello;
	struct route_msg_ihu ihu;
	unsigned int n_updates;
	unsigned int n_requests;
	struct route_msg_update updates[ROUTE_MSG_MAX_UPDATES];
	struct route_msg_request requests[ROUTE_MSG_MAX_REQUESTS];
};

/*
 * Decodes and validates one body; 0, -EMSGSIZE (too long or too many
 * items), -EBADMSG (does not decode, or a field has a bad length or value)
 * or -EPROTONOSUPPORT (other version).
 */
int route_msg_decode(struct route_msg *m, const uint8_t *buf, size_t len);
/* Encodes @m; returns the length or -EMSGSIZE when it exceeds @cap. */
int route_msg_encode(const struct route_msg *m, uint8_t *buf, size_t cap);
/* Whether one more update (or request) still fits in one body. */
bool route_msg_fits(const struct route_msg *m, unsigned int more_updates,
		    unsigned int more_requests);

void route_sig_msg(uint8_t out[ROUTE_SIG_MSG_LEN], const struct xm_node_id *origin,
		   uint32_t seqno);

#endif
