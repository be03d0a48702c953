// SPDX-License-Identifier: GPL-2.0
/*
 * Writing and reading the pinned xmesh BPF maps.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_attach.h"
#include "bpf_maps.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const xdp_stat_names[XM_XDP_STAT_MAX] = {
	[XM_XDP_PASS_NOT_XMESH] = "pass_not_xmesh",
	[XM_XDP_PASS_FRAGMENT] = "pass_fragment",
	[XM_XDP_PASS_LOCAL] = "pass_local",
	[XM_XDP_PASS_NO_NEIGH] = "pass_no_neigh",
	[XM_XDP_PASS_FWD_DISABLED] = "pass_fwd_disabled",
	[XM_XDP_PASS_NO_CONFIG] = "pass_no_config",
	[XM_XDP_PASS_NOT_FOR_HOST] = "pass_not_for_host",
	[XM_XDP_TX] = "relay_tx",
	[XM_XDP_REDIRECT] = "relay_redirect",
	[XM_XDP_DROP_MALFORMED] = "drop_malformed",
	[XM_XDP_DROP_BAD_HEADER] = "drop_bad_header",
	[XM_XDP_DROP_UNKNOWN_PEER] = "drop_unknown_peer",
	[XM_XDP_DROP_HOP_LIMIT] = "drop_hop_limit",
	[XM_XDP_DROP_TO_SENDER] = "drop_to_sender",
	[XM_XDP_DROP_NO_ROUTE] = "drop_no_route",
	[XM_XDP_DROP_FAMILY] = "drop_family",
	[XM_XDP_DROP_FIB] = "drop_fib",
	[XM_XDP_DROP_MTU] = "drop_mtu",
	[XM_XDP_ABORTED] = "aborted",
};

static const char *const tc_stat_names[XM_TC_STAT_MAX] = {
	[XM_TC_NO_TENANT] = "no_tenant",
	[XM_TC_STATS_MAP_FULL] = "stats_map_full",
	[XM_TC_NO_STATE] = "state_map_full",
	[XM_TC_CAS_CONTENDED] = "rate_contended_passed",
	[XM_TC_NOT_IP] = "not_ip",
};

const char *xm_bpf_xdp_stat_name(unsigned int stat)
{
	return stat < XM_XDP_STAT_MAX ? xdp_stat_names[stat] : "unknown";
}

const char *xm_bpf_tc_stat_name(unsigned int stat)
{
	return stat < XM_TC_STAT_MAX ? tc_stat_names[stat] : "unknown";
}

static const struct {
	const char *name;
	size_t off;
} map_pins[] = {
	{ "xm_config", offsetof(struct xm_bpf_maps, config) },
	{ "xm_peers", offsetof(struct xm_bpf_maps, peers) },
	{ "xm_routes", offsetof(struct xm_bpf_maps, routes) },
	{ "xm_local_addrs", offsetof(struct xm_bpf_maps, local_addrs) },
	{ "xm_xdp_ifaces", offsetof(struct xm_bpf_maps, xdp_ifaces) },
	{ "xm_xdp_stats", offsetof(struct xm_bpf_maps, xdp_stats) },
	{ "xm_tc_ifaces", offsetof(struct xm_bpf_maps, tc_ifaces) },
	{ "xm_tenant_policy", offsetof(struct xm_bpf_maps, tenant_policy) },
	{ "xm_tenant_state", offsetof(struct xm_bpf_maps, tenant_state) },
	{ "xm_tenant_stats", offsetof(struct xm_bpf_maps, tenant_stats) },
	{ "xm_tc_stats", offsetof(struct xm_bpf_maps, tc_stats) },
};

static int *map_fd(struct xm_bpf_maps *m, size_t i)
{
	return (int *)((char *)m + map_pins[i].off);
}

static int open_pins(struct xm_bpf_maps *m)
{
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map_pins); i++) {
		snprintf(path, sizeof(path), "%s/%s", xm_bpf_pin_dir(), map_pins[i].name);
		*map_fd(m, i) = bpf_obj_get(path);
		if (*map_fd(m, i) < 0)
			return -errno;
	}
	return 0;
}

int xm_bpf_maps_open(struct xm_bpf_maps *m)
{
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(map_pins); i++)
		*map_fd(m, i) = -1;
	err = xm_bpf_fs_prepare();
	if (err)
		return err;
	err = open_pins(m);
	if (err == -ENOENT) {
		xm_bpf_maps_close(m);
		err = xm_bpf_maps_prepare();
		if (!err)
			err = open_pins(m);
	}
	if (err)
		xm_bpf_maps_close(m);
	return err;
}

void xm_bpf_maps_close(struct xm_bpf_maps *m)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map_pins); i++) {
		if (*map_fd(m, i) >= 0)
			close(*map_fd(m, i));
		*map_fd(m, i) = -1;
	}
}

/* libbpf's low-level calls return -1 with errno; ours return -errno. */
static int ret_errno(int ret)
{
	return ret < 0 ? -errno : 0;
}

int xm_bpf_config_set(const struct xm_bpf_maps *m, uint64_t self_node, uint16_t data_port)
{
	struct xm_config cfg;
	uint32_t zero = 0;

	if (!data_port)
		return -EINVAL;
	/* cache_gen carries on: the XDP program's cache is keyed by it. */
	if (bpf_map_lookup_elem(m->config, &zero, &cfg))
		return -errno;
	cfg.self_node = self_node;
	cfg.data_port = data_port;
	return ret_errno(bpf_map_update_elem(m->config, &zero, &cfg, BPF_ANY));
}

/*
 * Retires everything the XDP program has cached (next hops, and senders
 * found in xm_peers): called after each xm_peers and xm_routes change, so
 * the next packet sees it. Userspace is the only writer of xm_config, so
 * read-modify-write is safe.
 */
static int cache_retire(const struct xm_bpf_maps *m)
{
	struct xm_config cfg;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(m->config, &zero, &cfg))
		return -errno;
	cfg.cache_gen++;
	return ret_errno(bpf_map_update_elem(m->config, &zero, &cfg, BPF_ANY));
}

/* A peer is an endpoint: without a port it would match nothing. */
static int peer_key(struct xm_peer_key *k, const struct xm_addr *addr)
{
	if (!addr->port)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, &addr->ip, sizeof(k->addr));
	k->port = addr->port;
	return 0;
}

int xm_bpf_peer_set(const struct xm_bpf_maps *m, const struct xm_addr *addr, uint64_t node)
{
	struct xm_peer v = { .node = node };
	struct xm_peer_key k;
	int err;

	err = peer_key(&k, addr);
	if (err)
		return err;
	if (bpf_map_update_elem(m->peers, &k, &v, BPF_ANY))
		return -errno;
	return cache_retire(m);
}

int xm_bpf_peer_del(const struct xm_bpf_maps *m, const struct xm_addr *addr)
{
	struct xm_peer_key k;
	int err;

	err = peer_key(&k, addr);
	if (err)
		return err;
	if (bpf_map_delete_elem(m->peers, &k))
		return -errno;
	return cache_retire(m);
}

int xm_bpf_local_addr_set(const struct xm_bpf_maps *m, const struct xm_addr *addr,
			  uint32_t ifindex)
{
	struct xm_local_addr v = { .ifindex = ifindex };
	struct xm_addr_key k;

	memcpy(k.addr, &addr->ip, sizeof(k.addr));
	if (bpf_map_update_elem(m->local_addrs, &k, &v, BPF_ANY))
		return -errno;
	return cache_retire(m);
}

int xm_bpf_local_addr_del(const struct xm_bpf_maps *m, const struct xm_addr *addr)
{
	struct xm_addr_key k;

	memcpy(k.addr, &addr->ip, sizeof(k.addr));
	if (bpf_map_delete_elem(m->local_addrs, &k))
		return -errno;
	return cache_retire(m);
}

int xm_bpf_xdp_iface_set(const struct xm_bpf_maps *m, uint32_t ifindex, const uint8_t mac[6])
{
	struct xm_xdp_iface v;

	memset(&v, 0, sizeof(v));
	memcpy(v.mac, mac, sizeof(v.mac));
	if (bpf_map_update_elem(m->xdp_ifaces, &ifindex, &v, BPF_ANY))
		return -errno;
	return cache_retire(m);
}

int xm_bpf_xdp_iface_del(const struct xm_bpf_maps *m, uint32_t ifindex)
{
	if (bpf_map_delete_elem(m->xdp_ifaces, &ifindex))
		return -errno;
	return cache_retire(m);
}

int xm_bpf_route_set(const struct xm_bpf_maps *m, uint64_t dst_node,
		     const struct xm_addr *next_hop)
{
	struct xm_route rt;

	if (!next_hop->port)
		return -EINVAL;
	memset(&rt, 0, sizeof(rt));
	memcpy(rt.addr, &next_hop->ip, sizeof(rt.addr));
	rt.port = next_hop->port;
	if (bpf_map_update_elem(m->routes, &dst_node, &rt, BPF_ANY))
		return -errno;
	return cache_retire(m);
}

int xm_bpf_route_del(const struct xm_bpf_maps *m, uint64_t dst_node)
{
	if (bpf_map_delete_elem(m->routes, &dst_node))
		return -errno;
	return cache_retire(m);
}

/* The interface's MAC, or -errno. */
static int if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd, err = 0;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

int xm_bpf_xdp_iface_learn(const struct xm_bpf_maps *m, uint32_t ifindex)
{
	char name[IF_NAMESIZE];
	struct ifaddrs *ifa, *i;
	struct xm_addr a;
	uint8_t mac[6];
	int err;

	if (!if_indextoname(ifindex, name))
		return -errno;
	err = if_mac(name, mac);
	if (err)
		return err;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i && !err; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, name))
			continue;
		memset(&a, 0, sizeof(a));
		if (i->ifa_addr->sa_family == AF_INET)
			xm_addr_from_v4(&a, ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr, 0);
		else if (i->ifa_addr->sa_family == AF_INET6)
			a.ip = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			continue;
		err = xm_bpf_local_addr_set(m, &a, ifindex);
	}
	freeifaddrs(ifa);
	return err ?: xm_bpf_xdp_iface_set(m, ifindex, mac);
}

int xm_bpf_xdp_iface_forget(const struct xm_bpf_maps *m, uint32_t ifindex)
{
	struct xm_addr_key k, next;
	struct xm_local_addr v;
	int first = 1, err;

	/* Deleting the current key ends the walk: restart after each one. */
	while (!bpf_map_get_next_key(m->local_addrs, first ? NULL : &k, &next)) {
		first = 0;
		k = next;
		if (bpf_map_lookup_elem(m->local_addrs, &k, &v) || v.ifindex != ifindex)
			continue;
		if (bpf_map_delete_elem(m->local_addrs, &k) && errno != ENOENT)
			return -errno;
		first = 1;
	}
	err = xm_bpf_xdp_iface_del(m, ifindex);
	if (err && err != -ENOENT)
		return err;
	return cache_retire(m);
}

int xm_bpf_iface_set(const struct xm_bpf_maps *m, uint32_t ifindex, uint32_t tenant)
{
	struct xm_tc_iface v = { .tenant = tenant };

	return ret_errno(bpf_map_update_elem(m->tc_ifaces, &ifindex, &v, BPF_ANY));
}

int xm_bpf_iface_del(const struct xm_bpf_maps *m, uint32_t ifindex)
{
	return ret_errno(bpf_map_delete_elem(m->tc_ifaces, &ifindex));
}

int xm_bpf_policy_set(const struct xm_bpf_maps *m, uint32_t tenant,
		      const struct xm_tenant_policy *pol)
{
	/* A rate without room for one full-size packet would pass nothing. */
	if (pol->rate_bytes_per_sec && pol->burst_bytes < 1500)
		return -EINVAL;
	return ret_errno(bpf_map_update_elem(m->tenant_policy, &tenant, pol, BPF_ANY));
}

int xm_bpf_policy_get(const struct xm_bpf_maps *m, uint32_t tenant,
		      struct xm_tenant_policy *pol)
{
	return ret_errno(bpf_map_lookup_elem(m->tenant_policy, &tenant, pol));
}

int xm_bpf_tenant_del(const struct xm_bpf_maps *m, uint32_t tenant)
{
	int fds[] = { m->tenant_policy, m->tenant_state, m->tenant_stats };
	int found = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		if (!bpf_map_delete_elem(fds[i], &tenant))
			found = 1;
		else if (errno != ENOENT)
			return -errno;
	}
	return found ? 0 : -ENOENT;
}

/* Per-CPU values are read as one array, one slot per possible CPU. */
static void *percpu_read(int fd, const void *key, size_t value_size, int *ncpu, int *err)
{
	void *vals;

	*ncpu = libbpf_num_possible_cpus();
	if (*ncpu <= 0) {
		*err = *ncpu ? *ncpu : -EINVAL;
		return NULL;
	}
	/* The kernel rounds each per-CPU value up to 8 bytes. */
	vals = calloc(*ncpu, (value_size + 7) & ~(size_t)7);
	if (!vals) {
		*err = -ENOMEM;
		return NULL;
	}
	if (bpf_map_lookup_elem(fd, key, vals)) {
		*err = -errno;
		free(vals);
		return NULL;
	}
	*err = 0;
	return vals;
}

int xm_bpf_tenant_stats(const struct xm_bpf_maps *m, uint32_t tenant,
			struct xm_tenant_counters *sum)
{
	struct xm_tenant_counters *v;
	int ncpu, err, i;

	v = percpu_read(m->tenant_stats, &tenant, sizeof(*v), &ncpu, &err);
	if (!v)
		return err;
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < ncpu; i++) {
		sum->tx_packets += v[i].tx_packets;
		sum->tx_bytes += v[i].tx_bytes;
		sum->rx_packets += v[i].rx_packets;
		sum->rx_bytes += v[i].rx_bytes;
		sum->tx_rate_dropped += v[i].tx_rate_dropped;
		sum->rx_rate_dropped += v[i].rx_rate_dropped;
		sum->budget_dropped += v[i].budget_dropped;
	}
	free(v);
	return 0;
}

int xm_bpf_tenant_budget_used(const struct xm_bpf_maps *m, uint32_t tenant, uint64_t *used)
{
	struct xm_tenant_state st;

	if (bpf_map_lookup_elem(m->tenant_state, &tenant, &st))
		return -errno;
	*used = st.budget_used;
	return 0;
}

int xm_bpf_tenant_next(const struct xm_bpf_maps *m, int first, uint32_t prev, uint32_t *next)
{
	return ret_errno(bpf_map_get_next_key(m->tenant_stats, first ? NULL : &prev, next));
}

int xm_bpf_xdp_stats(const struct xm_bpf_maps *m, struct xm_counter out[XM_XDP_STAT_MAX])
{
	struct xm_counter *v;
	uint32_t k;
	int ncpu, err, i;

	for (k = 0; k < XM_XDP_STAT_MAX; k++) {
		v = percpu_read(m->xdp_stats, &k, sizeof(*v), &ncpu, &err);
		if (!v)
			return err;
		out[k].packets = 0;
		out[k].bytes = 0;
		for (i = 0; i < ncpu; i++) {
			out[k].packets += v[i].packets;
			out[k].bytes += v[i].bytes;
		}
		free(v);
	}
	return 0;
}

int xm_bpf_tc_stats(const struct xm_bpf_maps *m, uint64_t out[XM_TC_STAT_MAX])
{
	uint64_t *v;
	uint32_t k;
	int ncpu, err, i;

	for (k = 0; k < XM_TC_STAT_MAX; k++) {
		v = percpu_read(m->tc_stats, &k, sizeof(*v), &ncpu, &err);
		if (!v)
			return err;
		out[k] = 0;
		for (i = 0; i < ncpu; i++)
			out[k] += v[i];
		free(v);
	}
	return 0;
}
