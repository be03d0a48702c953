// SPDX-License-Identifier: GPL-2.0
/*
 * `xmeshctl stats DEV`: the counters of a device, of each of its peers and
 * of each tenant: packets and bytes each way, relayed, drops by reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kobj.h"

static int dev_stats_cb(const struct nlmsghdr *nlh, const struct genlmsghdr *genl, void *data)
{
	const struct nlattr *tb[XMESH_A_DEV_MAX + 1];

	(void)genl;
	if (kobj_parse_top(nlh, tb) || kobj_get_stats(tb[XMESH_A_DEV_STATS], data))
		return -EBADMSG;
	return MNL_CB_OK;
}

int cmd_stats(int argc, char **argv, const struct xmeshctl_opts *o)
{
	uint64_t v[KOBJ_NSTATS];
	struct json_writer w;
	struct ctl_genl c;
	const char *dev;
	int ret;

	if (argc != 2)
		return ctl_usage_err(o, "stats: need exactly one device");
	dev = argv[1];
	if (ctl_check_ifname(dev))
		return ctl_usage_err(o, "stats: invalid device name '%s'", dev);
	ret = ctl_genl_open(&c);
	if (ret)
		return ret;
	ret = kobj_query(&c, kobj_msg(&c, XMESH_CMD_DEV_GET, dev), dev_stats_cb, v, "stats");
	if (ret)
		goto out;
	if (o->json) {
		json_init(&w, stdout, o->pretty);
		json_obj_start(&w);
		json_kv_str(&w, "ifname", dev);
		kobj_json_stats(&w, "device", v);
		json_key(&w, "peers");
		json_arr_start(&w);
	} else {
		printf("interface: %s\n", dev);
		kobj_print_stats("  ", v);
		putchar('\n');
	}
	ret = ctl_peer_list(&c, dev, NULL, o, &w, true);
	if (ret)
		goto out;
	if (o->json) {
		json_arr_end(&w);
		json_key(&w, "tenants");
		json_arr_start(&w);
	} else {
		putchar('\n');
	}
	ret = ctl_tenant_list(&c, dev, NULL, o, &w, true);
	if (ret)
		goto out;
	if (o->json) {
		json_arr_end(&w);
		json_obj_end(&w);
		if (json_end(&w)) {
			ctl_err("writing JSON output failed");
			ret = XMESHCTL_EXIT_FAIL;
		}
	}
out:
	ctl_genl_close(&c);
	return ret;
}
