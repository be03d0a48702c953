// SPDX-License-Identifier: GPL-2.0
/* Tenants in the module: prefixes, rate limit, byte budget, counters. */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kobj.h"

#define MAX_PREFIXES 256
#define MAX_INGRESS 16
#define MAX_TENANTS (1u << 20)
/* A request with 256 IPv6 prefixes (32 bytes each) and 16 interfaces. */
#define TENANT_MSG_BUF (16 * 1024)

struct tenant_info {
	uint32_t id;
	unsigned int nprefixes, ningress;
	struct kobj_prefix prefixes[MAX_PREFIXES];
	uint32_t ingress[MAX_INGRESS];
	uint64_t rate_bps, burst, budget;
	uint64_t stats[KOBJ_NSTATS];
};

struct tenant_list {
	struct tenant_info *v;
	size_t n, cap;
};

static int tenant_cb(const struct nlmsghdr *nlh, const struct genlmsghdr *genl, void *data)
{
	const struct nlattr *tb[XMESH_A_DEV_MAX + 1];
	const struct nlattr *tt[XMESH_A_TENANT_MAX + 1];
	struct tenant_list *l = data;
	const struct nlattr *a;
	struct tenant_info *t;
	int err;

	(void)genl;
	if (kobj_parse_top(nlh, tb) || !tb[XMESH_A_DEV_TENANT] ||
	    kobj_parse_nest(tb[XMESH_A_DEV_TENANT], tt, XMESH_A_TENANT_MAX))
		return -EBADMSG;
	err = KOBJ_RESERVE(l, 8, MAX_TENANTS);
	if (err)
		return err;
	t = &l->v[l->n];
	memset(t, 0, sizeof(*t));
	t->id = kobj_u32(tt[XMESH_A_TENANT_ID], 0);
	t->rate_bps = kobj_u64(tt[XMESH_A_TENANT_RATE_BPS], 0);
	t->burst = kobj_u64(tt[XMESH_A_TENANT_BURST_BYTES], 0);
	t->budget = kobj_u64(tt[XMESH_A_TENANT_BUDGET_BYTES], 0);
	mnl_attr_for_each_nested(a, tb[XMESH_A_DEV_TENANT]) {
		if (mnl_attr_get_type(a) == XMESH_A_TENANT_INGRESS_IFINDEX) {
			if (t->ningress == MAX_INGRESS || mnl_attr_validate(a, MNL_TYPE_U32))
				return -EBADMSG;
			t->ingress[t->ningress++] = mnl_attr_get_u32(a);
			continue;
		}
		if (mnl_attr_get_type(a) != XMESH_A_TENANT_PREFIX)
			continue;
		if (t->nprefixes == MAX_PREFIXES ||
		    kobj_get_prefix(a, &t->prefixes[t->nprefixes], NULL))
			return -EBADMSG;
		t->nprefixes++;
	}
	if (!t->id || kobj_get_stats(tt[XMESH_A_TENANT_STATS], t->stats))
		return -EBADMSG;
	l->n++;
	return MNL_CB_OK;
}

static void tenant_reset(void *data)
{
	((struct tenant_list *)data)->n = 0;
}

/* The interface's name in this netns, or its index if it has none here. */
static const char *ifname_text(uint32_t ifindex, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(ifindex, name))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%" PRIu32, ifindex);
	return buf;
}

static void tenant_print(const struct tenant_info *t, struct json_writer *w, bool json)
{
	char buf[64];

	if (!json) {
		printf("tenant: %u\n  prefixes:", t->id);
		for (unsigned int i = 0; i < t->nprefixes; i++) {
			kobj_prefix_text(&t->prefixes[i], buf, sizeof(buf));
			printf("%s %s", i ? "," : "", buf);
		}
		printf("%s\n", t->nprefixes ? "" : " (none)");
		if (t->ningress) {
			printf("  ingress:");
			for (unsigned int i = 0; i < t->ningress; i++)
				printf("%s %s", i ? "," : "",
				       ifname_text(t->ingress[i], buf, sizeof(buf)));
			printf("\n");
		}
		if (t->rate_bps)
			printf("  rate: %" PRIu64 " bit/s, burst %" PRIu64 " bytes\n", t->rate_bps,
			       t->burst);
		if (t->budget)
			printf("  budget: %" PRIu64 " bytes\n", t->budget);
		kobj_print_stats("  ", t->stats);
		return;
	}
	json_obj_start(w);
	json_kv_u64(w, "id", t->id);
	json_key(w, "prefixes");
	json_arr_start(w);
	for (unsigned int i = 0; i < t->nprefixes; i++) {
		kobj_prefix_text(&t->prefixes[i], buf, sizeof(buf));
		json_str(w, buf);
	}
	json_arr_end(w);
	json_key(w, "ingress");
	json_arr_start(w);
	for (unsigned int i = 0; i < t->ningress; i++)
		json_str(w, ifname_text(t->ingress[i], buf, sizeof(buf)));
	json_arr_end(w);
	json_kv_u64(w, "rate_bps", t->rate_bps);
	json_kv_u64(w, "burst_bytes", t->burst);
	json_kv_u64(w, "budget_bytes", t->budget);
	kobj_json_stats(w, "stats", t->stats);
	json_obj_end(w);
}

/* nested: part of `stats` output (its JSON array is already open). */
int ctl_tenant_list(struct ctl_genl *c, const char *dev, const uint32_t *only,
		    const struct xmeshctl_opts *o, struct json_writer *w, bool nested)
{
	struct tenant_list l = { NULL, 0, 0 };
	int ret;

	if (only) {
		struct nlmsghdr *nlh = kobj_msg(c, XMESH_CMD_TENANT_GET, dev);
		struct nlattr *nest = mnl_attr_nest_start(nlh, XMESH_A_DEV_TENANT);

		mnl_attr_put_u32(nlh, XMESH_A_TENANT_ID, *only);
		mnl_attr_nest_end(nlh, nest);
		ret = kobj_query(c, nlh, tenant_cb, &l, "tenant show");
	} else {
		ret = kobj_dump(c, XMESH_CMD_TENANT_GET, dev, tenant_cb, tenant_reset, &l,
				"tenant list");
	}
	if (ret)
		goto out;
	if (!nested)
		kobj_json_begin(w, o);
	for (size_t i = 0; i < l.n; i++)
		tenant_print(&l.v[i], w, o->json);
	if (o->json && !nested)
		ret = kobj_json_finish(w);
out:
	free(l.v);
	return ret;
}

struct tenant_args {
	unsigned int nprefixes, ningress;
	struct kobj_prefix prefixes[MAX_PREFIXES];
	uint32_t ingress[MAX_INGRESS];
	bool has_rate, has_burst, has_budget, has_ingress, ingress_none;
	uint64_t rate, burst, budget;
	char msg[TENANT_MSG_BUF];
};

/* "ingress IFNAME" (repeatable) or "ingress none". */
static int parse_ingress(const char *val, const struct xmeshctl_opts *o, struct tenant_args *a)
{
	unsigned int idx;

	if (!strcmp(val, "none")) {
		if (a->has_ingress)
			return ctl_usage_err(o, "tenant: ingress none must come alone");
		a->has_ingress = a->ingress_none = true;
		return 0;
	}
	if (a->ingress_none)
		return ctl_usage_err(o, "tenant: ingress none must come alone");
	if (a->ningress == MAX_INGRESS)
		return ctl_usage_err(o, "tenant: at most %d ingress interfaces", MAX_INGRESS);
	if (ctl_check_ifname(val) || !(idx = if_nametoindex(val)))
		return ctl_usage_err(o, "tenant: ingress '%s': no such interface", val);
	a->has_ingress = true;
	a->ingress[a->ningress++] = idx;
	return 0;
}

static int parse_tenant_args(int argc, char **argv, const struct xmeshctl_opts *o,
			     struct tenant_args *a)
{
	for (int i = 0; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int err = 0;

		if (!val)
			return ctl_usage_err(o, "tenant: '%s' needs a value", key);
		if (!strcmp(key, "prefix")) {
			if (a->nprefixes == MAX_PREFIXES)
				return ctl_usage_err(o, "tenant: at most %d prefixes", MAX_PREFIXES);
			err = kobj_parse_prefix(val, &a->prefixes[a->nprefixes++]);
		} else if (!strcmp(key, "rate")) {
			err = kobj_parse_size(val, &a->rate), a->has_rate = true;
		} else if (!strcmp(key, "burst")) {
			err = kobj_parse_size(val, &a->burst), a->has_burst = true;
		} else if (!strcmp(key, "budget")) {
			err = kobj_parse_size(val, &a->budget), a->has_budget = true;
		} else if (!strcmp(key, "ingress")) {
			int ret = parse_ingress(val, o, a);

			if (ret)
				return ret;
		} else {
			return ctl_usage_err(o, "tenant: unknown setting '%s'", key);
		}
		if (err)
			return ctl_usage_err(o, "tenant: bad %s '%s'", key, val);
	}
	return 0;
}

int cmd_tenant(int argc, char **argv, const struct xmeshctl_opts *o)
{
	struct tenant_args *a = NULL;
	const char *act, *dev;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct json_writer w;
	struct ctl_genl c;
	uint64_t id = 0;
	uint8_t cmd;
	int ret;

	ret = kobj_action_dev(argc, argv, o, &act, &dev);
	if (ret)
		return ret;
	if (!strcmp(act, "list")) {
		if (argc != 3)
			return ctl_usage_err(o, "tenant list: unexpected argument '%s'", argv[3]);
		ret = ctl_genl_open(&c);
		if (ret)
			return ret;
		ret = ctl_tenant_list(&c, dev, NULL, o, &w, false);
		ctl_genl_close(&c);
		return ret;
	}
	if (!strcmp(act, "show")) {
		uint32_t tid;

		if (argc != 4 || ctl_parse_dec(argv[3], UINT32_MAX, &id) || !id)
			return ctl_usage_err(o, "tenant show: need a tenant id (1..2^32-1)");
		tid = (uint32_t)id;
		ret = ctl_genl_open(&c);
		if (ret)
			return ret;
		ret = ctl_tenant_list(&c, dev, &tid, o, &w, false);
		ctl_genl_close(&c);
		return ret;
	}
	if (!strcmp(act, "add"))
		cmd = XMESH_CMD_TENANT_NEW;
	else if (!strcmp(act, "set"))
		cmd = XMESH_CMD_TENANT_SET;
	else if (!strcmp(act, "del"))
		cmd = XMESH_CMD_TENANT_DEL;
	else
		return ctl_usage_err(o, "tenant: unknown action '%s'", act);
	if (argc < 4 || ctl_parse_dec(argv[3], UINT32_MAX, &id) || !id)
		return ctl_usage_err(o, "tenant %s: need a tenant id (1..2^32-1)", act);
	if (cmd == XMESH_CMD_TENANT_DEL && argc > 4)
		return ctl_usage_err(o, "tenant del: unexpected argument '%s'", argv[4]);
	a = calloc(1, sizeof(*a));
	if (!a)
		return XMESHCTL_EXIT_FAIL;
	ret = parse_tenant_args(argc - 4, argv + 4, o, a);
	if (ret)
		goto out;
	ret = ctl_genl_open(&c);
	if (ret)
		goto out;
	/* Beyond the socket's request buffer: 256 IPv6 prefixes take 8 KiB. */
	nlh = nl_genl_msg_start(&c.nl, a->msg, sizeof(a->msg), c.fam.id, cmd,
				XMESH_FAMILY_VERSION, 0);
	mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, dev);
	nest = mnl_attr_nest_start(nlh, XMESH_A_DEV_TENANT);
	mnl_attr_put_u32(nlh, XMESH_A_TENANT_ID, (uint32_t)id);
	for (unsigned int i = 0; i < a->nprefixes; i++)
		kobj_put_prefix(nlh, XMESH_A_TENANT_PREFIX, &a->prefixes[i], 0);
	if (a->ingress_none)
		mnl_attr_put_u32(nlh, XMESH_A_TENANT_INGRESS_IFINDEX, 0);
	for (unsigned int i = 0; i < a->ningress; i++)
		mnl_attr_put_u32(nlh, XMESH_A_TENANT_INGRESS_IFINDEX, a->ingress[i]);
	if (a->has_rate)
		mnl_attr_put_u64(nlh, XMESH_A_TENANT_RATE_BPS, a->rate);
	if (a->has_burst)
		mnl_attr_put_u64(nlh, XMESH_A_TENANT_BURST_BYTES, a->burst);
	if (a->has_budget)
		mnl_attr_put_u64(nlh, XMESH_A_TENANT_BUDGET_BYTES, a->budget);
	mnl_attr_nest_end(nlh, nest);
	ret = kobj_do(&c, nlh, cmd == XMESH_CMD_TENANT_NEW ? "tenant add" :
			       cmd == XMESH_CMD_TENANT_SET ? "tenant set" : "tenant del");
	ctl_genl_close(&c);
out:
	free(a);
	return ret;
}
