// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: write and read the pinned xmesh maps through libxmesh's
 * bpf_maps.h, the calls the daemon makes. One command per run:
 *
 *   xm_bpf_maps config SELF_KID PORT
 *   xm_bpf_maps peer IP PORT KID
 *   xm_bpf_maps local-addr IP
 *   xm_bpf_maps route DST_KID IP PORT
 *   xm_bpf_maps iface IFINDEX TENANT
 *   xm_bpf_maps policy TENANT RATE_BYTES_PER_SEC BURST_BYTES BUDGET_BYTES
 *   xm_bpf_maps tenant TENANT        prints the tenant's counters (and
 *                                    read_ns, CLOCK_MONOTONIC of the read)
 *   xm_bpf_maps xdp                  prints every XDP counter
 *   xm_bpf_maps del-tenant TENANT
 *
 * Output is "name value" lines, easy to read from a shell.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf_maps.h"

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || !*s) {
		fprintf(stderr, "xm_bpf_maps: bad number \"%s\"\n", s);
		exit(2);
	}
	return v;
}

static void ip(struct xm_addr *a, const char *s, uint16_t port)
{
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		xm_addr_from_v4(a, v4.s_addr, port);
	} else if (inet_pton(AF_INET6, s, &a->ip) != 1) {
		fprintf(stderr, "xm_bpf_maps: bad address \"%s\"\n", s);
		exit(2);
	}
	a->port = port;
}

static int print_tenant(const struct xm_bpf_maps *m, uint32_t tenant)
{
	struct xm_tenant_counters c;
	uint64_t used = 0;
	int err;

	struct timespec ts;

	err = xm_bpf_tenant_stats(m, tenant, &c);
	/* When the counters were read, for rates: the clock BPF uses. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (err)
		return err;
	xm_bpf_tenant_budget_used(m, tenant, &used);
	printf("tx_packets %llu\ntx_bytes %llu\nrx_packets %llu\nrx_bytes %llu\n"
	       "tx_rate_dropped %llu\nrx_rate_dropped %llu\nbudget_dropped %llu\n"
	       "budget_used %" PRIu64 "\nread_ns %lld\n",
	       c.tx_packets, c.tx_bytes, c.rx_packets, c.rx_bytes, c.tx_rate_dropped,
	       c.rx_rate_dropped, c.budget_dropped, used,
	       (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}

static int print_xdp(const struct xm_bpf_maps *m)
{
	struct xm_counter c[XM_XDP_STAT_MAX];
	unsigned int i;
	int err;

	err = xm_bpf_xdp_stats(m, c);
	if (err)
		return err;
	for (i = 0; i < XM_XDP_STAT_MAX; i++)
		printf("%s %llu %llu\n", xm_bpf_xdp_stat_name(i), c[i].packets, c[i].bytes);
	return 0;
}

int main(int argc, char **argv)
{
	struct xm_tenant_policy pol;
	struct xm_bpf_maps m;
	struct xm_addr a;
	const char *cmd = argc > 1 ? argv[1] : "";
	int err;

	err = xm_bpf_maps_open(&m);
	if (err) {
		fprintf(stderr, "xm_bpf_maps: open maps: %s\n", strerror(-err));
		return 1;
	}
	if (!strcmp(cmd, "config") && argc == 4) {
		err = xm_bpf_config_set(&m, num(argv[2]), (uint16_t)num(argv[3]));
	} else if (!strcmp(cmd, "peer") && argc == 5) {
		ip(&a, argv[2], (uint16_t)num(argv[3]));
		err = xm_bpf_peer_set(&m, &a, num(argv[4]));
	} else if (!strcmp(cmd, "local-addr") && argc == 3) {
		ip(&a, argv[2], 0);
		err = xm_bpf_local_addr_set(&m, &a, 0);
	} else if (!strcmp(cmd, "route") && argc == 5) {
		ip(&a, argv[3], (uint16_t)num(argv[4]));
		err = xm_bpf_route_set(&m, num(argv[2]), &a);
	} else if (!strcmp(cmd, "iface") && argc == 4) {
		err = xm_bpf_iface_set(&m, (uint32_t)num(argv[2]), (uint32_t)num(argv[3]));
	} else if (!strcmp(cmd, "policy") && argc == 6) {
		pol.rate_bytes_per_sec = num(argv[3]);
		pol.burst_bytes = num(argv[4]);
		pol.budget_bytes = num(argv[5]);
		err = xm_bpf_policy_set(&m, (uint32_t)num(argv[2]), &pol);
	} else if (!strcmp(cmd, "tenant") && argc == 3) {
		err = print_tenant(&m, (uint32_t)num(argv[2]));
	} else if (!strcmp(cmd, "xdp") && argc == 2) {
		err = print_xdp(&m);
	} else if (!strcmp(cmd, "del-tenant") && argc == 3) {
		err = xm_bpf_tenant_del(&m, (uint32_t)num(argv[2]));
	} else {
		fprintf(stderr, "xm_bpf_maps: bad usage (see the source's header)\n");
		err = -EINVAL;
	}
	xm_bpf_maps_close(&m);
	if (err) {
		fprintf(stderr, "xm_bpf_maps %s: %s\n", cmd, strerror(-err));
		return 1;
	}
	return 0;
}
