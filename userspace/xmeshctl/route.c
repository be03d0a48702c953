// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh routes and next hops in the module: `xmeshctl route ...` (overlay
 * prefix -> destination node) and `xmeshctl nexthop ...` (destination node
 * -> peer). `route load` sends a large table as many messages of many
 * routes each, pipelined, and reports the first line the kernel refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kobj.h"

/* Routes per message: each is about 40 bytes, a message at most 8 KiB. */
#define ROUTES_PER_MSG 150
/* Bytes per sendmsg(): below the socket send buffer (about 208 KiB). */
#define BATCH_BYTES (64 * 1024)
#define MAX_ROUTES (1u << 22)

struct route_info {
	struct kobj_prefix p;
	uint64_t node_id;
};

struct route_list {
	struct route_info *v;
	size_t n, cap;
};

static int route_cb(const struct nlmsghdr *nlh, const struct genlmsghdr *genl, void *data)
{
	const struct nlattr *tb[XMESH_A_DEV_MAX + 1];
	struct route_list *l = data;
	int err;

	(void)genl;
	if (kobj_parse_top(nlh, tb) || !tb[XMESH_A_DEV_ROUTE])
		return -EBADMSG;
	err = KOBJ_RESERVE(l, 64, MAX_ROUTES);
	if (err)
		return err;
	if (kobj_get_prefix(tb[XMESH_A_DEV_ROUTE], &l->v[l->n].p, &l->v[l->n].node_id))
		return -EBADMSG;
	l->n++;
	return MNL_CB_OK;
}

static void route_reset(void *data)
{
	((struct route_list *)data)->n = 0;
}

static int route_list(struct ctl_genl *c, const char *dev, const struct xmeshctl_opts *o)
{
	struct route_list l = { NULL, 0, 0 };
	struct json_writer w;
	char buf[64];
	int ret;

	ret = kobj_dump(c, XMESH_CMD_ROUTE_GET, dev, route_cb, route_reset, &l, "route list");
	if (ret)
		goto out;
	kobj_json_begin(&w, o);
	for (size_t i = 0; i < l.n; i++) {
		kobj_prefix_text(&l.v[i].p, buf, sizeof(buf));
		if (!o->json) {
			printf("%s node 0x%016" PRIx64 "\n", buf, l.v[i].node_id);
			continue;
		}
		json_obj_start(&w);
		json_kv_str(&w, "prefix", buf);
		kobj_json_node(&w, "node_id", l.v[i].node_id);
		json_obj_end(&w);
	}
	if (o->json)
		ret = kobj_json_finish(&w);
out:
	free(l.v);
	return ret;
}

/*
 * Lines "PREFIX NODE" (add) or "PREFIX [NODE]" (del: the file that added
 * the routes removes them); '#' starts a comment.
 */
static int route_load(struct ctl_genl *c, const char *dev, const char *path, bool add,
		      const struct xmeshctl_opts *o)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct nl_genl_batch bt;
	struct nlmsghdr *nlh = NULL;
	unsigned long line = 0, in_msg = 0, total = 0;
	unsigned int failed;
	char buf[256];
	int err, ret = XMESHCTL_EXIT_OK;

	if (!f) {
		ctl_err("route load: %s: %s", path, strerror(errno));
		return XMESHCTL_EXIT_USAGE;
	}
	err = nl_genl_batch_init(&bt, &c->nl, BATCH_BYTES);
	if (err) {
		ctl_err("route load: %s", strerror(-err));
		ret = XMESHCTL_EXIT_FAIL;
		goto out_close;
	}
	while (fgets(buf, sizeof(buf), f)) {
		char *tok, *tok2, *save = NULL;
		struct kobj_prefix p;
		uint64_t node = 0;

		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			ctl_err("route load: %s:%lu: line too long", path, line);
			ret = XMESHCTL_EXIT_USAGE;
			goto out;
		}
		buf[strcspn(buf, "#\n")] = '\0';
		tok = strtok_r(buf, " \t", &save);
		if (!tok)
			continue;
		tok2 = strtok_r(NULL, " \t", &save);
		if (kobj_parse_prefix(tok, &p) || (add && !tok2) ||
		    (tok2 && kobj_parse_node(tok2, &node)) || strtok_r(NULL, " \t", &save)) {
			ctl_err("route load: %s:%lu: expected '%s'", path, line,
				add ? "PREFIX NODE" : "PREFIX [NODE]");
			ret = XMESHCTL_EXIT_USAGE;
			goto out;
		}
		if (nlh && in_msg == ROUTES_PER_MSG) {
			nl_genl_batch_commit(&bt);
			nlh = NULL;
		}
		if (!nlh) {
			nlh = nl_genl_batch_msg(&bt, c->fam.id,
						add ? XMESH_CMD_ROUTE_NEW : XMESH_CMD_ROUTE_DEL,
						XMESH_FAMILY_VERSION, 0);
			if (!nlh) {
				err = nl_genl_batch_flush(&bt, &failed);
				if (err)
					goto fail;
				nlh = nl_genl_batch_msg(&bt, c->fam.id,
							add ? XMESH_CMD_ROUTE_NEW :
							      XMESH_CMD_ROUTE_DEL,
							XMESH_FAMILY_VERSION, 0);
			}
			mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, dev);
			in_msg = 0;
		}
		kobj_put_prefix(nlh, XMESH_A_DEV_ROUTE, &p, add ? node : 0);
		in_msg++;
		total++;
	}
	if (nlh)
		nl_genl_batch_commit(&bt);
	err = nl_genl_batch_flush(&bt, &failed);
	if (err)
		goto fail;
	if (!o->json)
		printf("%lu routes %s\n", total, add ? "added" : "removed");
	goto out;
fail:
	ret = ctl_genl_fail(c, err, add ? "route load" : "route unload", NULL, NULL);
out:
	nl_genl_batch_free(&bt);
out_close:
	if (f != stdin)
		fclose(f);
	return ret;
}

int cmd_route(int argc, char **argv, const struct xmeshctl_opts *o)
{
	const char *act, *dev;
	struct kobj_prefix p;
	struct nlmsghdr *nlh;
	struct ctl_genl c;
	uint64_t node = 0;
	int ret;

	ret = kobj_action_dev(argc, argv, o, &act, &dev);
	if (ret)
		return ret;
	if (!strcmp(act, "add") || !strcmp(act, "del")) {
		bool add = !strcmp(act, "add");

		if (argc < 4 || kobj_parse_prefix(argv[3], &p))
			return ctl_usage_err(o, "route %s: need a prefix (A.B.C.D/LEN or V6/LEN, "
						"host bits zero)", act);
		if (add && (argc != 6 || strcmp(argv[4], "node") || kobj_parse_node(argv[5], &node)))
			return ctl_usage_err(o, "route add: need 'node NODE-ID' after the prefix");
		if (!add && argc != 4)
			return ctl_usage_err(o, "route del: unexpected argument '%s'", argv[4]);
	} else if (!strcmp(act, "load") || !strcmp(act, "unload")) {
		if (argc != 4)
			return ctl_usage_err(o, "route %s: need a file ('-' for stdin)", act);
	} else if (!strcmp(act, "list")) {
		if (argc != 3)
			return ctl_usage_err(o, "route list: unexpected argument '%s'", argv[3]);
	} else {
		return ctl_usage_err(o, "route: unknown action '%s'", act);
	}
	ret = ctl_genl_open(&c);
	if (ret)
		return ret;
	if (!strcmp(act, "list")) {
		ret = route_list(&c, dev, o);
	} else if (!strcmp(act, "load") || !strcmp(act, "unload")) {
		ret = route_load(&c, dev, argv[3], !strcmp(act, "load"), o);
	} else {
		nlh = kobj_msg(&c, node ? XMESH_CMD_ROUTE_NEW : XMESH_CMD_ROUTE_DEL, dev);
		kobj_put_prefix(nlh, XMESH_A_DEV_ROUTE, &p, node);
		ret = kobj_do(&c, nlh, node ? "route add" : "route del");
	}
	ctl_genl_close(&c);
	return ret;
}

struct nh_info {
	uint64_t dst, via;
	uint32_t metric;
	bool active;
};

struct nh_list {
	struct nh_info *v;
	size_t n, cap;
};

static int nh_cb(const struct nlmsghdr *nlh, const struct genlmsghdr *genl, void *data)
{
	const struct nlattr *tb[XMESH_A_DEV_MAX + 1];
	const struct nlattr *nt[XMESH_A_NEXTHOP_MAX + 1];
	struct nh_list *l = data;
	struct nh_info *h;
	int err;

	(void)genl;
	if (kobj_parse_top(nlh, tb) || !tb[XMESH_A_DEV_NEXTHOP] ||
	    kobj_parse_nest(tb[XMESH_A_DEV_NEXTHOP], nt, XMESH_A_NEXTHOP_MAX))
		return -EBADMSG;
	err = KOBJ_RESERVE(l, 16, MAX_ROUTES);
	if (err)
		return err;
	h = &l->v[l->n++];
	h->dst = kobj_u64(nt[XMESH_A_NEXTHOP_DST_NODE], 0);
	h->via = kobj_u64(nt[XMESH_A_NEXTHOP_VIA_NODE], 0);
	h->metric = kobj_u32(nt[XMESH_A_NEXTHOP_METRIC], 0);
	h->active = nt[XMESH_A_NEXTHOP_ACTIVE] != NULL;
	return h->dst && h->via ? MNL_CB_OK : -EBADMSG;
}

static void nh_reset(void *data)
{
	((struct nh_list *)data)->n = 0;
}

static int nh_list(struct ctl_genl *c, const char *dev, const struct xmeshctl_opts *o)
{
	struct nh_list l = { NULL, 0, 0 };
	struct json_writer w;
	int ret;

	ret = kobj_dump(c, XMESH_CMD_NEXTHOP_GET, dev, nh_cb, nh_reset, &l, "nexthop list");
	if (ret)
		goto out;
	kobj_json_begin(&w, o);
	for (size_t i = 0; i < l.n; i++) {
		if (!o->json) {
			printf("0x%016" PRIx64 " via 0x%016" PRIx64 " metric %u%s\n", l.v[i].dst,
			       l.v[i].via, l.v[i].metric, l.v[i].active ? " active" : "");
			continue;
		}
		json_obj_start(&w);
		kobj_json_node(&w, "dst_node", l.v[i].dst);
		kobj_json_node(&w, "via_node", l.v[i].via);
		json_kv_u64(&w, "metric", l.v[i].metric);
		json_kv_bool(&w, "active", l.v[i].active);
		json_obj_end(&w);
	}
	if (o->json)
		ret = kobj_json_finish(&w);
out:
	free(l.v);
	return ret;
}

int cmd_nexthop(int argc, char **argv, const struct xmeshctl_opts *o)
{
	const char *act, *dev;
	uint64_t dst, via, metric = 0;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct ctl_genl c;
	bool add;
	int ret;

	ret = kobj_action_dev(argc, argv, o, &act, &dev);
	if (ret)
		return ret;
	if (!strcmp(act, "list")) {
		if (argc != 3)
			return ctl_usage_err(o, "nexthop list: unexpected argument '%s'", argv[3]);
		ret = ctl_genl_open(&c);
		if (ret)
			return ret;
		ret = nh_list(&c, dev, o);
		ctl_genl_close(&c);
		return ret;
	}
	add = !strcmp(act, "add");
	if (!add && strcmp(act, "del"))
		return ctl_usage_err(o, "nexthop: unknown action '%s'", act);
	if (argc < 6 || kobj_parse_node(argv[3], &dst) || strcmp(argv[4], "via") ||
	    kobj_parse_node(argv[5], &via))
		return ctl_usage_err(o, "nexthop %s: need 'DST-NODE via VIA-NODE'", act);
	if (add && argc == 8 && !strcmp(argv[6], "metric")) {
		if (ctl_parse_dec(argv[7], UINT32_MAX, &metric))
			return ctl_usage_err(o, "nexthop add: bad metric '%s'", argv[7]);
	} else if (argc != 6) {
		return ctl_usage_err(o, "nexthop %s: unexpected argument '%s'", act, argv[6]);
	}
	ret = ctl_genl_open(&c);
	if (ret)
		return ret;
	nlh = kobj_msg(&c, add ? XMESH_CMD_NEXTHOP_NEW : XMESH_CMD_NEXTHOP_DEL, dev);
	nest = mnl_attr_nest_start(nlh, XMESH_A_DEV_NEXTHOP);
	mnl_attr_put_u64(nlh, XMESH_A_NEXTHOP_DST_NODE, dst);
	mnl_attr_put_u64(nlh, XMESH_A_NEXTHOP_VIA_NODE, via);
	if (add)
		mnl_attr_put_u32(nlh, XMESH_A_NEXTHOP_METRIC, (uint32_t)metric);
	mnl_attr_nest_end(nlh, nest);
	ret = kobj_do(&c, nlh, add ? "nexthop add" : "nexthop del");
	ctl_genl_close(&c);
	return ret;
}
