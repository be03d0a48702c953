/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's (and xmeshctl's) view of the pinned xmesh BPF maps: open
 * them by pin, write the data path's tables, read the counters.
 *
 * Writers are whole-entry map updates, each atomic for the programs. The
 * tenant counters and bucket state have their own maps that only the
 * programs write: replacing a tenant's policy or interface never loses a
 * count. Every function returns 0 or a negative errno.
 */
#ifndef XM_BPF_MAPS_H
#define XM_BPF_MAPS_H

#include <stdint.h>

#include "xmesh_bpf.h"
#include "xm_node.h"

struct xm_bpf_maps {
	int config;
	int peers;
	int routes;
	int local_addrs;
	int xdp_ifaces;
	int xdp_stats;
	int tc_ifaces;
	int tenant_policy;
	int tenant_state;
	int tenant_stats;
	int tc_stats;
};

/* Opens every pinned map, creating the missing ones first. */
int xm_bpf_maps_open(struct xm_bpf_maps *m);
void xm_bpf_maps_close(struct xm_bpf_maps *m);

/* This node's kid and data port; the XDP program passes all until set. */
int xm_bpf_config_set(const struct xm_bpf_maps *m, uint64_t self_node, uint16_t data_port);

/*
 * A sender the XDP program accepts, by its underlay endpoint: address and
 * port (-EINVAL without a port).
 */
int xm_bpf_peer_set(const struct xm_bpf_maps *m, const struct xm_addr *addr, uint64_t node);
int xm_bpf_peer_del(const struct xm_bpf_maps *m, const struct xm_addr *addr);

/*
 * This host's underlay addresses (port ignored; ifindex for inspection):
 * XDP relays only packets sent to one of them.
 */
int xm_bpf_local_addr_set(const struct xm_bpf_maps *m, const struct xm_addr *addr,
			  uint32_t ifindex);
int xm_bpf_local_addr_del(const struct xm_bpf_maps *m, const struct xm_addr *addr);
/* An XDP NIC's MAC: XDP relays only frames sent to it. */
int xm_bpf_xdp_iface_set(const struct xm_bpf_maps *m, uint32_t ifindex, const uint8_t mac[6]);
int xm_bpf_xdp_iface_del(const struct xm_bpf_maps *m, uint32_t ifindex);
/*
 * Both of the above from a NIC as it is now: its MAC and every address on
 * it; forget removes what learn wrote for that NIC. Addresses added later
 * need xm_bpf_local_addr_set (or another learn).
 */
int xm_bpf_xdp_iface_learn(const struct xm_bpf_maps *m, uint32_t ifindex);
int xm_bpf_xdp_iface_forget(const struct xm_bpf_maps *m, uint32_t ifindex);

/* Packets for dst_node are relayed to next_hop. */
int xm_bpf_route_set(const struct xm_bpf_maps *m, uint64_t dst_node,
		     const struct xm_addr *next_hop);
int xm_bpf_route_del(const struct xm_bpf_maps *m, uint64_t dst_node);

/* A tenant-facing interface and the tenant that owns it. */
int xm_bpf_iface_set(const struct xm_bpf_maps *m, uint32_t ifindex, uint32_t tenant);
int xm_bpf_iface_del(const struct xm_bpf_maps *m, uint32_t ifindex);

int xm_bpf_policy_set(const struct xm_bpf_maps *m, uint32_t tenant,
		      const struct xm_tenant_policy *pol);
/* -ENOENT when the tenant has no policy. */
int xm_bpf_policy_get(const struct xm_bpf_maps *m, uint32_t tenant,
		      struct xm_tenant_policy *pol);
/* Forgets a tenant: policy, state and counters (read them first). */
int xm_bpf_tenant_del(const struct xm_bpf_maps *m, uint32_t tenant);

/* A tenant's counters summed over CPUs; -ENOENT before its first packet. */
int xm_bpf_tenant_stats(const struct xm_bpf_maps *m, uint32_t tenant,
			struct xm_tenant_counters *sum);
/* Bytes charged against the tenant's budget so far. */
int xm_bpf_tenant_budget_used(const struct xm_bpf_maps *m, uint32_t tenant, uint64_t *used);
/*
 * Tenants with counters in ascending-hash order: start with first = 1,
 * then pass the previous tenant; -ENOENT after the last.
 */
int xm_bpf_tenant_next(const struct xm_bpf_maps *m, int first, uint32_t prev, uint32_t *next);

/* The XDP program's verdict counters summed over CPUs. */
int xm_bpf_xdp_stats(const struct xm_bpf_maps *m, struct xm_counter out[XM_XDP_STAT_MAX]);
int xm_bpf_tc_stats(const struct xm_bpf_maps *m, uint64_t out[XM_TC_STAT_MAX]);

/* Stable snake_case names of the counters, for output and metrics. */
const char *xm_bpf_xdp_stat_name(unsigned int stat);
const char *xm_bpf_tc_stat_name(unsigned int stat);

#endif /* XM_BPF_MAPS_H */
