/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU u64 counters of the data path, kept for the device, every peer
 * and every tenant, and summed over CPUs only when userspace asks.
 */
#ifndef _XMESH_STATS_H
#define _XMESH_STATS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>
#include <linux/xmesh.h>
#include <net/netlink.h>

struct sk_buff;

/* One index per counter attribute of the "stats" set, in the same order. */
enum xmesh_stat {
	XMESH_STAT_RX_PACKETS,
	XMESH_STAT_RX_BYTES,
	XMESH_STAT_TX_PACKETS,
	XMESH_STAT_TX_BYTES,
	XMESH_STAT_RELAY_PACKETS,
	XMESH_STAT_RELAY_BYTES,
	XMESH_STAT_DROP_NO_ROUTE,
	XMESH_STAT_DROP_NO_PEER,
	XMESH_STAT_DROP_NO_KEY,
	XMESH_STAT_DROP_NO_TENANT,
	XMESH_STAT_DROP_SRC_MISMATCH,
	XMESH_STAT_DROP_CROSS_TENANT,
	XMESH_STAT_DROP_RATE,
	XMESH_STAT_DROP_BUDGET,
	XMESH_STAT_DROP_REPLAY,
	XMESH_STAT_DROP_AUTH,
	XMESH_STAT_DROP_HOP_LIMIT,
	XMESH_STAT_DROP_MALFORMED,
	XMESH_STAT_DROP_TOO_BIG,
	XMESH_STAT_DROP_OTHER,
	XMESH_STAT_DROP_SPOOF,
	XMESH_STAT_DROP_ECN,
	XMESH_STAT_COUNT
};

static_assert((int)XMESH_STAT_COUNT == (int)XMESH_A_STATS_DROP_ECN);

struct xmesh_pcpu_stats {
	u64 v[XMESH_STAT_COUNT];
	struct u64_stats_sync syncp;
};

struct xmesh_stats {
	struct xmesh_pcpu_stats __percpu *pcpu;
};

int xmesh_stats_init(struct xmesh_stats *st);
void xmesh_stats_free(struct xmesh_stats *st);
void xmesh_stats_sum(const struct xmesh_stats *st, u64 out[XMESH_STAT_COUNT]);
/* Room xmesh_stats_put() needs in a message. */
static inline size_t xmesh_stats_size(void)
{
	return nla_total_size(0) +
	       XMESH_STAT_COUNT * nla_total_size_64bit(sizeof(u64));
}

int xmesh_stats_put(struct sk_buff *msg, int attrtype,
		    const struct xmesh_stats *st);

/* Callers run with bottom halves disabled (xmit, UDP receive). */
static inline void xmesh_stats_add(struct xmesh_stats *st, enum xmesh_stat s,
				   u64 n)
{
	struct xmesh_pcpu_stats *p;

	if (!st->pcpu)
		return;
	p = this_cpu_ptr(st->pcpu);
	u64_stats_update_begin(&p->syncp);
	p->v[s] += n;
	u64_stats_update_end(&p->syncp);
}

/* Count one packet of len bytes in the packets/bytes pair starting at s. */
static inline void xmesh_stats_pkt(struct xmesh_stats *st, enum xmesh_stat s,
				   unsigned int len)
{
	struct xmesh_pcpu_stats *p;

	if (!st->pcpu)
		return;
	p = this_cpu_ptr(st->pcpu);
	u64_stats_update_begin(&p->syncp);
	p->v[s]++;
	p->v[s + 1] += len;
	u64_stats_update_end(&p->syncp);
}

#endif /* _XMESH_STATS_H */
