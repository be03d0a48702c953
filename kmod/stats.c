// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters: allocation, summing and their netlink form. */

#include <net/netlink.h>

#include "stats.h"

int xmesh_stats_init(struct xmesh_stats *st)
{
	int cpu;

	st->pcpu = alloc_percpu(struct xmesh_pcpu_stats);
	if (!st->pcpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(st->pcpu, cpu)->syncp);
	return 0;
}

void xmesh_stats_free(struct xmesh_stats *st)
{
	free_percpu(st->pcpu);
	st->pcpu = NULL;
}

void xmesh_stats_sum(const struct xmesh_stats *st, u64 out[XMESH_STAT_COUNT])
{
	u64 v[XMESH_STAT_COUNT];
	unsigned int start;
	int cpu, i;

	memset(out, 0, sizeof(u64) * XMESH_STAT_COUNT);
	if (!st->pcpu)
		return;
	for_each_possible_cpu(cpu) {
		const struct xmesh_pcpu_stats *p = per_cpu_ptr(st->pcpu, cpu);

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			memcpy(v, p->v, sizeof(v));
		} while (u64_stats_fetch_retry(&p->syncp, start));
		for (i = 0; i < XMESH_STAT_COUNT; i++)
			out[i] += v[i];
	}
}

/* Put the counters as a nest of u64 attributes (types: xmesh_stat_attr()). */
int xmesh_stats_put(struct sk_buff *msg, int attrtype,
		    const struct xmesh_stats *st)
{
	u64 v[XMESH_STAT_COUNT];
	struct nlattr *nest;
	int i;

	xmesh_stats_sum(st, v);
	nest = nla_nest_start(msg, attrtype);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < XMESH_STAT_COUNT; i++) {
		if (nla_put_u64_64bit(msg, xmesh_stat_attr(i), v[i], XMESH_A_STATS_PAD)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}
