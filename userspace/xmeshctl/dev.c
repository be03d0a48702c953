// SPDX-License-Identifier: GPL-2.0
/*
 * xmesh devices: `xmeshctl show [DEV]` and `xmeshctl set DEV ...`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include <linux/xmesh.h>

#include "kobj.h"

/* A dump that raced with a change is retried this often, then reported. */
#define DUMP_TRIES 5
/* No netns holds this many xmesh devices; a bound against a runaway dump. */
#define MAX_DEVS (1u << 20)

struct dev_info {
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	bool has_port, has_node_id, has_mtu, has_flags, has_generation, has_fwmark;
	uint16_t listen_port;
	uint64_t node_id;
	uint32_t mtu;
	uint32_t flags;
	uint32_t generation;
	uint32_t fwmark;
};

struct dev_list {
	struct dev_info *v;
	size_t n, cap;
};

static const struct {
	const char *name;
	uint32_t bit;
} dev_flag_names[] = {
    {"relay", XMESH_DEV_FLAGS_RELAY},
};

#define N_DEV_FLAGS (sizeof(dev_flag_names) / sizeof(dev_flag_names[0]))

/* The command-line keyword of a device attribute, for error messages. */
static const char *dev_attr_keyword(uint16_t type)
{
	switch (type) {
	case XMESH_A_DEV_IFINDEX:
	case XMESH_A_DEV_IFNAME:
		return "device";
	case XMESH_A_DEV_LISTEN_PORT:
		return "listen-port";
	case XMESH_A_DEV_NODE_ID:
		return "node-id";
	case XMESH_A_DEV_MTU:
		return "mtu";
	case XMESH_A_DEV_FLAGS:
		return "flags";
	case XMESH_A_DEV_FWMARK:
		return "fwmark";
	default:
		return NULL;
	}
}

static int dev_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	/* Attributes newer than this program are skipped, not refused. */
	if (type <= XMESH_A_DEV_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

/* Parse one device message; every attribute is length-checked first. */
static int dev_parse(const struct nlmsghdr *nlh, struct dev_info *d)
{
	const struct nlattr *tb[XMESH_A_DEV_MAX + 1] = {NULL};
	const struct nlattr *a;

	memset(d, 0, sizeof(*d));
	if (mnl_attr_parse(nlh, GENL_HDRLEN, dev_attr_cb, tb) < 0)
		return -EBADMSG;
	if (!tb[XMESH_A_DEV_IFINDEX] || mnl_attr_validate(tb[XMESH_A_DEV_IFINDEX], MNL_TYPE_U32))
		return -EBADMSG;
	d->ifindex = mnl_attr_get_u32(tb[XMESH_A_DEV_IFINDEX]);
	a = tb[XMESH_A_DEV_IFNAME];
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) ||
	    mnl_attr_get_payload_len(a) > sizeof(d->ifname))
		return -EBADMSG;
	memcpy(d->ifname, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
	if ((a = tb[XMESH_A_DEV_LISTEN_PORT])) {
		if (mnl_attr_validate(a, MNL_TYPE_U16))
			return -EBADMSG;
		d->listen_port = mnl_attr_get_u16(a);
		d->has_port = true;
	}
	if ((a = tb[XMESH_A_DEV_NODE_ID])) {
		if (mnl_attr_validate(a, MNL_TYPE_U64))
			return -EBADMSG;
		d->node_id = mnl_attr_get_u64(a);
		d->has_node_id = true;
	}
	if ((a = tb[XMESH_A_DEV_MTU])) {
		if (mnl_attr_validate(a, MNL_TYPE_U32))
			return -EBADMSG;
		d->mtu = mnl_attr_get_u32(a);
		d->has_mtu = true;
	}
	if ((a = tb[XMESH_A_DEV_FLAGS])) {
		if (mnl_attr_validate(a, MNL_TYPE_U32))
			return -EBADMSG;
		d->flags = mnl_attr_get_u32(a);
		d->has_flags = true;
	}
	if ((a = tb[XMESH_A_DEV_GENERATION])) {
		if (mnl_attr_validate(a, MNL_TYPE_U32))
			return -EBADMSG;
		d->generation = mnl_attr_get_u32(a);
		d->has_generation = true;
	}
	if ((a = tb[XMESH_A_DEV_FWMARK])) {
		if (mnl_attr_validate(a, MNL_TYPE_U32))
			return -EBADMSG;
		d->fwmark = mnl_attr_get_u32(a);
		d->has_fwmark = true;
	}
	return 0;
}

static int dev_list_cb(const struct nlmsghdr *nlh, const struct genlmsghdr *genl, void *data)
{
	struct dev_list *l = data;
	int err;

	(void)genl;
	err = KOBJ_RESERVE(l, 8, MAX_DEVS);
	if (err)
		return err;
	err = dev_parse(nlh, &l->v[l->n]);
	if (err)
		return err;
	l->n++;
	return MNL_CB_OK;
}

static int dev_cmp_ifindex(const void *a, const void *b)
{
	const struct dev_info *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/* "relay", "none", unknown bits in hexadecimal: "relay,0x4". */
static void flags_text(uint32_t flags, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if (!flags) {
		snprintf(buf, len, "none");
		return;
	}
	for (size_t i = 0; i < N_DEV_FLAGS; i++) {
		if (!(flags & dev_flag_names[i].bit))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
					dev_flag_names[i].name);
		flags &= ~dev_flag_names[i].bit;
		if (off >= len)
			return;
	}
	if (flags)
		snprintf(buf + off, len - off, "%s0x%" PRIx32, off ? "," : "", flags);
}

static void dev_print_text(const struct dev_info *d, bool first)
{
	char flags[128];

	if (!first)
		putchar('\n');
	printf("interface: %s\n", d->ifname);
	if (d->has_node_id) {
		if (d->node_id)
			printf("  node id: 0x%016" PRIx64 "\n", d->node_id);
		else
			printf("  node id: (none)\n");
	}
	if (d->has_port)
		printf("  listening port: %u\n", d->listen_port);
	if (d->has_mtu)
		printf("  mtu: %u\n", d->mtu);
	if (d->has_flags) {
		flags_text(d->flags, flags, sizeof(flags));
		printf("  flags: %s\n", flags);
	}
	if (d->has_fwmark && d->fwmark)
		printf("  fwmark: 0x%" PRIx32 "\n", d->fwmark);
}

/* The device's own keys; the caller closes the object. */
static void dev_print_json(struct json_writer *w, const struct dev_info *d)
{
	char buf[32];

	json_obj_start(w);
	json_kv_str(w, "ifname", d->ifname);
	json_kv_u64(w, "ifindex", d->ifindex);
	/* Hexadecimal text: JSON numbers lose precision beyond 2^53. */
	if (d->has_node_id && d->node_id) {
		snprintf(buf, sizeof(buf), "0x%016" PRIx64, d->node_id);
		json_kv_str(w, "node_id", buf);
	} else {
		json_kv_null(w, "node_id");
	}
	if (d->has_port)
		json_kv_u64(w, "listen_port", d->listen_port);
	else
		json_kv_null(w, "listen_port");
	if (d->has_mtu)
		json_kv_u64(w, "mtu", d->mtu);
	else
		json_kv_null(w, "mtu");
	json_key(w, "flags");
	json_arr_start(w);
	if (d->has_flags) {
		uint32_t rest = d->flags;

		for (size_t i = 0; i < N_DEV_FLAGS; i++) {
			if (rest & dev_flag_names[i].bit)
				json_str(w, dev_flag_names[i].name);
			rest &= ~dev_flag_names[i].bit;
		}
		if (rest) {
			snprintf(buf, sizeof(buf), "0x%" PRIx32, rest);
			json_str(w, buf);
		}
	}
	json_arr_end(w);
	if (d->has_generation)
		json_kv_u64(w, "generation", d->generation);
	else
		json_kv_null(w, "generation");
	if (d->has_fwmark)
		json_kv_u64(w, "fwmark", d->fwmark);
	else
		json_kv_null(w, "fwmark");
}

/* Each device, then its peers (ctl_peer_show). */
static int dev_print(struct ctl_genl *c, const struct dev_list *l,
		     const struct xmeshctl_opts *o)
{
	struct json_writer w;
	int ret;

	if (!o->json) {
		for (size_t i = 0; i < l->n; i++) {
			dev_print_text(&l->v[i], i == 0);
			ret = ctl_peer_show(c, l->v[i].ifname, o, NULL);
			if (ret)
				return ret;
		}
		return XMESHCTL_EXIT_OK;
	}
	json_init(&w, stdout, o->pretty);
	json_arr_start(&w);
	for (size_t i = 0; i < l->n; i++) {
		dev_print_json(&w, &l->v[i]);
		ret = ctl_peer_show(c, l->v[i].ifname, o, &w);
		if (ret)
			return ret;
		json_obj_end(&w);
	}
	json_arr_end(&w);
	if (json_end(&w)) {
		ctl_err("writing JSON output failed");
		return XMESHCTL_EXIT_FAIL;
	}
	return XMESHCTL_EXIT_OK;
}

/* All xmesh devices of this network namespace, in ifindex order. */
static int dev_dump(struct ctl_genl *c, struct dev_list *l)
{
	struct nlmsghdr *nlh;
	int err = -EINTR;

	for (int i = 0; i < DUMP_TRIES && err == -EINTR; i++) {
		l->n = 0;
		nlh = ctl_genl_msg(c, XMESH_CMD_DEV_GET);
		err = nl_genl_dump(&c->nl, nlh, dev_list_cb, l);
	}
	if (err == -EINTR) {
		ctl_err("show: the device list kept changing during %d dumps", DUMP_TRIES);
		return XMESHCTL_EXIT_FAIL;
	}
	if (err)
		return ctl_genl_fail(c, err, "show", NULL, NULL);
	qsort(l->v, l->n, sizeof(l->v[0]), dev_cmp_ifindex);
	return XMESHCTL_EXIT_OK;
}

static int dev_get(struct ctl_genl *c, const char *ifname, struct dev_list *l)
{
	struct nlmsghdr *nlh;
	char what[IFNAMSIZ + 8];
	int err;

	nlh = kobj_msg(c, XMESH_CMD_DEV_GET, ifname);
	err = nl_genl_request(&c->nl, nlh, dev_list_cb, l);
	snprintf(what, sizeof(what), "show %s", ifname);
	if (err == -ENODEV || err == -ENOENT) {
		/* The kernel says which: "no such device" or "not an xmesh device". */
		ctl_err("%s: %s", what, c->nl.ext.msg[0] ? c->nl.ext.msg : "no such xmesh device");
		return XMESHCTL_EXIT_NODEV;
	}
	if (err)
		return ctl_genl_fail(c, err, what, nlh, dev_attr_keyword);
	if (l->n != 1) {
		ctl_err("%s: the kernel sent %zu devices for one", what, l->n);
		return XMESHCTL_EXIT_FAIL;
	}
	return XMESHCTL_EXIT_OK;
}

int cmd_show(int argc, char **argv, const struct xmeshctl_opts *o)
{
	struct dev_list l = {NULL, 0, 0};
	struct ctl_genl c;
	const char *ifname = NULL;
	int ret;

	if (argc > 2)
		return ctl_usage_err(o, "show: unexpected argument '%s'", argv[2]);
	if (argc == 2) {
		ifname = argv[1];
		if (ctl_check_ifname(ifname))
			return ctl_usage_err(o, "show: invalid device name '%s'", ifname);
	}
	ret = ctl_genl_open(&c);
	if (ret)
		return ret;
	ret = ifname ? dev_get(&c, ifname, &l) : dev_dump(&c, &l);
	if (!ret)
		ret = dev_print(&c, &l, o);
	ctl_genl_close(&c);
	free(l.v);
	return ret;
}

/* What `set` changes; every value is checked before anything is sent. */
struct dev_set {
	const char *ifname;
	bool has_port, has_node_id, has_mtu, has_flags, has_fwmark;
	uint16_t listen_port;
	uint64_t node_id;
	uint32_t mtu;
	uint32_t flags;
	uint32_t fwmark;
};

/* "relay", "none", "relay,..." (names joined by commas). */
static int parse_flags(const char *s, uint32_t *flags)
{
	const char *p = s;

	*flags = 0;
	if (!strcmp(s, "none"))
		return 0;
	if (!*s)
		return -EINVAL;
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i;

		for (i = 0; i < N_DEV_FLAGS; i++)
			if (strlen(dev_flag_names[i].name) == len &&
			    !strncmp(p, dev_flag_names[i].name, len))
				break;
		if (i == N_DEV_FLAGS)
			return -EINVAL;
		*flags |= dev_flag_names[i].bit;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -EINVAL;
	}
	return 0;
}

static int parse_set_args(int argc, char **argv, const struct xmeshctl_opts *o, struct dev_set *s)
{
	uint64_t v;
	int err;

	if (argc < 2)
		return ctl_usage_err(o, "set: no device given");
	s->ifname = argv[1];
	if (ctl_check_ifname(s->ifname))
		return ctl_usage_err(o, "set: invalid device name '%s'", s->ifname);
	if (argc == 2)
		return ctl_usage_err(o, "set %s: nothing to set", s->ifname);
	for (int i = 2; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool *seen;

		if (!strcmp(key, "listen-port"))
			seen = &s->has_port;
		else if (!strcmp(key, "node-id"))
			seen = &s->has_node_id;
		else if (!strcmp(key, "mtu"))
			seen = &s->has_mtu;
		else if (!strcmp(key, "flags"))
			seen = &s->has_flags;
		else if (!strcmp(key, "fwmark"))
			seen = &s->has_fwmark;
		else
			return ctl_usage_err(o, "set %s: unknown setting '%s'", s->ifname, key);
		if (*seen)
			return ctl_usage_err(o, "set %s: %s given twice", s->ifname, key);
		*seen = true;
		if (!val)
			return ctl_usage_err(o, "set %s: %s needs a value", s->ifname, key);

		if (seen == &s->has_port) {
			err = ctl_parse_dec(val, UINT16_MAX, &v);
			if (err)
				return ctl_usage_err(o, "set %s: listen-port '%s': %s (0..65535)",
						     s->ifname, val, ctl_parse_strerror(err));
			s->listen_port = (uint16_t)v;
		} else if (seen == &s->has_node_id) {
			err = ctl_parse_u64(val, UINT64_MAX, &v);
			if (!err && v == 0)
				err = -ERANGE;
			if (err)
				return ctl_usage_err(o,
						     "set %s: node-id '%s': %s "
						     "(decimal or 0x-hexadecimal, 1..2^64-1)",
						     s->ifname, val, ctl_parse_strerror(err));
			s->node_id = v;
		} else if (seen == &s->has_mtu) {
			err = ctl_parse_dec(val, UINT32_MAX, &v);
			if (err)
				return ctl_usage_err(o, "set %s: mtu '%s': %s", s->ifname, val,
						     ctl_parse_strerror(err));
			s->mtu = (uint32_t)v;
		} else if (seen == &s->has_fwmark) {
			err = ctl_parse_u64(val, UINT32_MAX, &v);
			if (err)
				return ctl_usage_err(o,
						     "set %s: fwmark '%s': %s "
						     "(decimal or 0x-hexadecimal, 0..2^32-1; 0 = none)",
						     s->ifname, val, ctl_parse_strerror(err));
			s->fwmark = (uint32_t)v;
		} else {
			if (parse_flags(val, &s->flags))
				return ctl_usage_err(o,
						     "set %s: flags '%s': not a flag list "
						     "(relay, or none)",
						     s->ifname, val);
		}
	}
	return XMESHCTL_EXIT_OK;
}

int cmd_set(int argc, char **argv, const struct xmeshctl_opts *o)
{
	struct dev_set s = {NULL};
	struct ctl_genl c;
	struct nlmsghdr *nlh;
	char what[IFNAMSIZ + 8];
	int ret, err;

	ret = parse_set_args(argc, argv, o, &s);
	if (ret)
		return ret;
	ret = ctl_genl_open(&c);
	if (ret)
		return ret;
	nlh = kobj_msg(&c, XMESH_CMD_DEV_SET, s.ifname);
	if (s.has_port)
		mnl_attr_put_u16(nlh, XMESH_A_DEV_LISTEN_PORT, s.listen_port);
	if (s.has_node_id)
		mnl_attr_put_u64(nlh, XMESH_A_DEV_NODE_ID, s.node_id);
	if (s.has_mtu)
		mnl_attr_put_u32(nlh, XMESH_A_DEV_MTU, s.mtu);
	if (s.has_flags)
		mnl_attr_put_u32(nlh, XMESH_A_DEV_FLAGS, s.flags);
	if (s.has_fwmark)
		mnl_attr_put_u32(nlh, XMESH_A_DEV_FWMARK, s.fwmark);
	err = nl_genl_request(&c.nl, nlh, NULL, NULL);
	snprintf(what, sizeof(what), "set %s", s.ifname);
	if (err == -ENODEV || err == -ENOENT) {
		ctl_err("%s: %s", what, c.nl.ext.msg[0] ? c.nl.ext.msg : "no such xmesh device");
		ret = XMESHCTL_EXIT_NODEV;
	} else if (err) {
		ret = ctl_genl_fail(&c, err, what, nlh, dev_attr_keyword);
	}
	ctl_genl_close(&c);
	return ret;
}
