// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF fast path: `xmeshctl bpf attach|detach|show|stats`.
 *
 * attach/detach put the XDP relay on an underlay interface or the TC meter
 * on a tenant-facing one (and map that interface to its tenant); show lists
 * what is attached where; stats prints the counters of the pinned maps.
 * The maps themselves are the daemon's to write (userspace/lib/bpf_maps.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include <bpf/libbpf.h>

#include "bpf_attach.h"
#include "bpf_maps.h"
#include "xmeshctl.h"

/*
 * libbpf explains a failed load (the verifier's log) at warning level, so
 * attach lets its warnings through. It also relays netlink's extack text of
 * every failed probe ("Parent Qdisc doesn't exists" where no clsact is,
 * "Exclusivity flag on" where one is already): those are expected, and a
 * real failure is reported by the command itself.
 */
static bool libbpf_warnings;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || !libbpf_warnings || strstr(fmt, "Kernel error message"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int bpf_fail(int err, const char *what, const char *ifname)
{
	if (ifname)
		ctl_err("%s %s: %s", what, ifname, strerror(-err));
	else
		ctl_err("%s: %s", what, strerror(-err));
	if (err == -EPERM || err == -EACCES)
		return XMESHCTL_EXIT_PERM;
	if (err == -ENODEV)
		return XMESHCTL_EXIT_NODEV;
	if (err == -ENOENT)
		return XMESHCTL_EXIT_NOTFOUND;
	return XMESHCTL_EXIT_FAIL;
}

static int parse_dev(const struct xmeshctl_opts *o, const char *name, int *ifindex)
{
	if (ctl_check_ifname(name))
		return ctl_usage_err(o, "invalid interface name \"%s\"", name);
	*ifindex = (int)if_nametoindex(name);
	if (!*ifindex) {
		ctl_err("no such interface: %s", name);
		return XMESHCTL_EXIT_NODEV;
	}
	return XMESHCTL_EXIT_OK;
}

/* attach xdp DEV [skb] | attach tc DEV TENANT */
static int do_attach(int argc, char **argv, const struct xmeshctl_opts *o)
{
	struct xm_bpf_maps maps;
	uint64_t tenant;
	int ifindex = 0, ret, err;
	bool xdp, skb = false;

	if (argc < 3)
		return ctl_usage_err(o, "attach: which program and interface?");
	xdp = !strcmp(argv[1], "xdp");
	if (xdp) {
		if (argc > 4 || (argc == 4 && strcmp(argv[3], "skb")))
			return ctl_usage_err(o, "attach xdp DEV [skb]");
		skb = argc == 4;
	} else if (!strcmp(argv[1], "tc")) {
		if (argc != 4)
			return ctl_usage_err(o, "attach tc DEV TENANT");
		err = ctl_parse_u64(argv[3], UINT32_MAX, &tenant);
		if (err)
			return ctl_usage_err(o, "tenant \"%s\": %s", argv[3],
					     ctl_parse_strerror(err));
	} else {
		return ctl_usage_err(o, "attach: unknown program \"%s\" (xdp or tc)", argv[1]);
	}
	ret = parse_dev(o, argv[2], &ifindex);
	if (ret)
		return ret;

	if (xdp) {
		err = xm_bpf_xdp_attach(ifindex, skb);
		if (err == -EBUSY) {
			ctl_err("attach xdp %s: another XDP program is attached; detach it first",
				argv[2]);
			return XMESHCTL_EXIT_FAIL;
		}
		if (err)
			return bpf_fail(err, "attach xdp", argv[2]);
		/* What "addressed to this host" means on this NIC: its MAC, its addresses. */
		err = xm_bpf_maps_open(&maps);
		if (err)
			return bpf_fail(err, "open pinned maps", NULL);
		err = xm_bpf_xdp_iface_learn(&maps, (uint32_t)ifindex);
		xm_bpf_maps_close(&maps);
		return err ? bpf_fail(err, "learn MAC and addresses of", argv[2]) : XMESHCTL_EXIT_OK;
	}

	/* The interface's tenant first: from its first packet it is metered. */
	err = xm_bpf_maps_open(&maps);
	if (err)
		return bpf_fail(err, "open pinned maps", NULL);
	err = xm_bpf_iface_set(&maps, (uint32_t)ifindex, (uint32_t)tenant);
	xm_bpf_maps_close(&maps);
	if (err)
		return bpf_fail(err, "map interface", argv[2]);
	err = xm_bpf_tc_attach(ifindex);
	return err ? bpf_fail(err, "attach tc", argv[2]) : XMESHCTL_EXIT_OK;
}

static int do_detach(int argc, char **argv, const struct xmeshctl_opts *o)
{
	struct xm_bpf_maps maps;
	int ifindex = 0, ret, err;

	if (argc != 3 || (strcmp(argv[1], "xdp") && strcmp(argv[1], "tc")))
		return ctl_usage_err(o, "detach xdp|tc DEV");
	ret = parse_dev(o, argv[2], &ifindex);
	if (ret)
		return ret;
	if (!strcmp(argv[1], "xdp")) {
		err = xm_bpf_xdp_detach(ifindex);
		if (err)
			return bpf_fail(err, "detach xdp", argv[2]);
		if (!xm_bpf_maps_open(&maps)) {
			xm_bpf_xdp_iface_forget(&maps, (uint32_t)ifindex);
			xm_bpf_maps_close(&maps);
		}
		return XMESHCTL_EXIT_OK;
	}
	err = xm_bpf_tc_detach(ifindex);
	if (err)
		return bpf_fail(err, "detach tc", argv[2]);
	/* The tenant's counters stay: only the interface mapping goes. */
	if (!xm_bpf_maps_open(&maps)) {
		xm_bpf_iface_del(&maps, (uint32_t)ifindex);
		xm_bpf_maps_close(&maps);
	}
	return XMESHCTL_EXIT_OK;
}

static void show_one(struct json_writer *w, const char *name, const struct xm_bpf_ifstate *st)
{
	if (w) {
		json_obj_start(w);
		json_kv_str(w, "ifname", name);
		if (st->xdp_prog_id) {
			json_kv_u64(w, "xdp_prog_id", st->xdp_prog_id);
			json_kv_str(w, "xdp_mode", st->xdp_skb_mode ? "skb" : "native");
		}
		if (st->tc_tx_prog_id)
			json_kv_u64(w, "tc_ingress_prog_id", st->tc_tx_prog_id);
		if (st->tc_rx_prog_id)
			json_kv_u64(w, "tc_egress_prog_id", st->tc_rx_prog_id);
		json_obj_end(w);
		return;
	}
	printf("%s:", name);
	if (st->xdp_prog_id)
		printf(" xdp id %" PRIu32 " (%s)", st->xdp_prog_id,
		       st->xdp_skb_mode ? "skb" : "native");
	if (st->tc_tx_prog_id)
		printf(" tc ingress id %" PRIu32, st->tc_tx_prog_id);
	if (st->tc_rx_prog_id)
		printf(" tc egress id %" PRIu32, st->tc_rx_prog_id);
	printf("\n");
}

static bool attached(const struct xm_bpf_ifstate *st)
{
	return st->xdp_prog_id || st->tc_tx_prog_id || st->tc_rx_prog_id;
}

/* show [DEV]: interfaces with an xmesh program (or DEV whatever it has). */
static int do_show(int argc, char **argv, const struct xmeshctl_opts *o)
{
	struct json_writer jw, *w = o->json ? &jw : NULL;
	struct if_nameindex *ifs, *i;
	struct xm_bpf_ifstate st;
	int ifindex = 0, ret, err;

	if (argc > 2)
		return ctl_usage_err(o, "show [DEV]");
	if (argc == 2) {
		ret = parse_dev(o, argv[1], &ifindex);
		if (ret)
			return ret;
		err = xm_bpf_query(ifindex, &st);
		if (err)
			return bpf_fail(err, "query", argv[1]);
		if (w)
			json_init(w, stdout, o->pretty);
		show_one(w, argv[1], &st);
		return w && json_end(w) ? XMESHCTL_EXIT_FAIL : XMESHCTL_EXIT_OK;
	}

	ifs = if_nameindex();
	if (!ifs)
		return bpf_fail(-errno, "list interfaces", NULL);
	if (w) {
		json_init(w, stdout, o->pretty);
		json_arr_start(w);
	}
	for (i = ifs; i->if_index; i++) {
		if (xm_bpf_query((int)i->if_index, &st) || !attached(&st))
			continue;
		show_one(w, i->if_name, &st);
	}
	if_freenameindex(ifs);
	if (w) {
		json_arr_end(w);
		if (json_end(w))
			return XMESHCTL_EXIT_FAIL;
	}
	return XMESHCTL_EXIT_OK;
}

static void stats_tenant(struct json_writer *w, const struct xm_bpf_maps *m, uint32_t tenant,
			 const struct xm_tenant_counters *c)
{
	struct xm_tenant_policy pol;
	bool has_pol = !xm_bpf_policy_get(m, tenant, &pol);
	uint64_t used = 0;
	bool has_used = !xm_bpf_tenant_budget_used(m, tenant, &used);
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "tx_packets", c->tx_packets }, { "tx_bytes", c->tx_bytes },
		{ "rx_packets", c->rx_packets }, { "rx_bytes", c->rx_bytes },
		{ "tx_rate_dropped", c->tx_rate_dropped },
		{ "rx_rate_dropped", c->rx_rate_dropped },
		{ "budget_dropped", c->budget_dropped },
	};
	size_t i;

	if (w) {
		json_obj_start(w);
		json_kv_u64(w, "tenant", tenant);
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			json_kv_u64(w, f[i].name, f[i].v);
		if (has_used)
			json_kv_u64(w, "budget_used", used);
		if (has_pol) {
			json_kv_u64(w, "rate_bytes_per_sec", pol.rate_bytes_per_sec);
			json_kv_u64(w, "burst_bytes", pol.burst_bytes);
			json_kv_u64(w, "budget_bytes", pol.budget_bytes);
		}
		json_obj_end(w);
		return;
	}
	printf("tenant %" PRIu32 ":", tenant);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		printf(" %s %" PRIu64, f[i].name, f[i].v);
	if (has_used)
		printf(" budget_used %" PRIu64, used);
	if (has_pol)
		printf(" rate_bytes_per_sec %" PRIu64 " burst_bytes %" PRIu64
		       " budget_bytes %" PRIu64, (uint64_t)pol.rate_bytes_per_sec,
		       (uint64_t)pol.burst_bytes, (uint64_t)pol.budget_bytes);
	printf("\n");
}

/* stats [tenant ID] */
static int do_stats(int argc, char **argv, const struct xmeshctl_opts *o)
{
	struct json_writer jw, *w = o->json ? &jw : NULL;
	struct xm_counter xdp[XM_XDP_STAT_MAX];
	struct xm_tenant_counters c;
	uint64_t tc[XM_TC_STAT_MAX], one = 0;
	struct xm_bpf_maps maps;
	bool only = false;
	uint32_t t = 0;
	unsigned int i;
	int err;

	if (argc == 3 && !strcmp(argv[1], "tenant")) {
		err = ctl_parse_u64(argv[2], UINT32_MAX, &one);
		if (err)
			return ctl_usage_err(o, "tenant \"%s\": %s", argv[2],
					     ctl_parse_strerror(err));
		only = true;
	} else if (argc != 1) {
		return ctl_usage_err(o, "stats [tenant ID]");
	}

	err = xm_bpf_maps_open(&maps);
	if (err)
		return bpf_fail(err, "open pinned maps", NULL);
	if (only) {
		err = xm_bpf_tenant_stats(&maps, (uint32_t)one, &c);
		if (err) {
			xm_bpf_maps_close(&maps);
			if (err != -ENOENT)
				return bpf_fail(err, "tenant counters", argv[2]);
			ctl_err("tenant %s: no counters (no packet metered yet)", argv[2]);
			return XMESHCTL_EXIT_NOTFOUND;
		}
		if (w)
			json_init(w, stdout, o->pretty);
		stats_tenant(w, &maps, (uint32_t)one, &c);
		xm_bpf_maps_close(&maps);
		return w && json_end(w) ? XMESHCTL_EXIT_FAIL : XMESHCTL_EXIT_OK;
	}

	err = xm_bpf_xdp_stats(&maps, xdp);
	if (!err)
		err = xm_bpf_tc_stats(&maps, tc);
	if (err) {
		xm_bpf_maps_close(&maps);
		return bpf_fail(err, "read counters", NULL);
	}
	if (w) {
		json_init(w, stdout, o->pretty);
		json_obj_start(w);
		json_key(w, "xdp");
		json_obj_start(w);
		for (i = 0; i < XM_XDP_STAT_MAX; i++) {
			json_key(w, xm_bpf_xdp_stat_name(i));
			json_obj_start(w);
			json_kv_u64(w, "packets", xdp[i].packets);
			json_kv_u64(w, "bytes", xdp[i].bytes);
			json_obj_end(w);
		}
		json_obj_end(w);
		json_key(w, "tc");
		json_obj_start(w);
		for (i = 0; i < XM_TC_STAT_MAX; i++)
			json_kv_u64(w, xm_bpf_tc_stat_name(i), tc[i]);
		json_obj_end(w);
		json_key(w, "tenants");
		json_arr_start(w);
	} else {
		printf("xdp:\n");
		for (i = 0; i < XM_XDP_STAT_MAX; i++)
			printf("  %-18s packets %" PRIu64 " bytes %" PRIu64 "\n",
			       xm_bpf_xdp_stat_name(i), (uint64_t)xdp[i].packets,
			       (uint64_t)xdp[i].bytes);
		printf("tc:\n");
		for (i = 0; i < XM_TC_STAT_MAX; i++)
			printf("  %-18s %" PRIu64 "\n", xm_bpf_tc_stat_name(i), tc[i]);
	}
	/* Bounded by the map size even if entries churn under us. */
	for (i = 0; i < XM_BPF_MAX_TENANTS &&
	     !xm_bpf_tenant_next(&maps, i == 0, t, &t); i++) {
		if (!xm_bpf_tenant_stats(&maps, t, &c))
			stats_tenant(w, &maps, t, &c);
	}
	xm_bpf_maps_close(&maps);
	if (w) {
		json_arr_end(w);
		json_obj_end(w);
		if (json_end(w))
			return XMESHCTL_EXIT_FAIL;
	}
	return XMESHCTL_EXIT_OK;
}

int cmd_bpf(int argc, char **argv, const struct xmeshctl_opts *o)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (argc < 2 || ctl_is_help(sub))
		return argc < 2 ? ctl_usage_err(o, "bpf: which command?") : ctl_cmd_help(o);
	libbpf_set_print(libbpf_print);
	libbpf_warnings = !strcmp(sub, "attach");
	if (!strcmp(sub, "attach"))
		return do_attach(argc - 1, argv + 1, o);
	if (!strcmp(sub, "detach"))
		return do_detach(argc - 1, argv + 1, o);
	if (!strcmp(sub, "show"))
		return do_show(argc - 1, argv + 1, o);
	if (!strcmp(sub, "stats"))
		return do_stats(argc - 1, argv + 1, o);
	return ctl_usage_err(o, "bpf: unknown command \"%s\"", sub);
}
