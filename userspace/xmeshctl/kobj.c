// SPDX-License-Identifier: GPL-2.0
/* Helpers of the data-path object groups; see kobj.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kobj.h"

#define DUMP_TRIES 5

const char *const kobj_stat_names[KOBJ_NSTATS] = {
	"rx_packets",	     "rx_bytes",	  "tx_packets",	       "tx_bytes",
	"relay_packets",     "relay_bytes",	  "drop_no_route",     "drop_no_peer",
	"drop_no_key",	     "drop_no_tenant",	  "drop_src_mismatch", "drop_cross_tenant",
	"drop_rate",	     "drop_budget",	  "drop_replay",       "drop_auth",
	"drop_hop_limit",    "drop_malformed",	  "drop_too_big",      "drop_other",
	"drop_spoof",	     "drop_ecn",
};

int kobj_parse_node(const char *s, uint64_t *id)
{
	int err = ctl_parse_u64(s, UINT64_MAX, id);

	if (!err && !*id)
		err = -ERANGE;
	return err;
}

int kobj_parse_prefix(const char *s, struct kobj_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t plen;
	unsigned int max;

	memset(p, 0, sizeof(*p));
	if (alen >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = AF_INET6;
	else
		return -EINVAL;
	max = p->family == AF_INET ? 32 : 128;
	plen = max;
	if (slash && ctl_parse_dec(slash + 1, max, &plen))
		return -EINVAL;
	p->plen = (uint8_t)plen;
	/* Host bits must be zero, as the kernel checks. */
	for (unsigned int bit = p->plen; bit < max; bit++)
		if (p->addr[bit / 8] & (0x80 >> (bit % 8)))
			return -EINVAL;
	return 0;
}

void kobj_prefix_text(const struct kobj_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->plen);
}

int kobj_parse_endpoint(const char *s, struct kobj_endpoint *ep)
{
	char buf[INET6_ADDRSTRLEN];
	const char *colon, *host = s;
	size_t hlen;
	uint64_t port;

	memset(ep, 0, sizeof(*ep));
	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(end - host);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen >= sizeof(buf) || ctl_parse_dec(colon + 1, 65535, &port) || !port)
		return -EINVAL;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (*s != '[' && inet_pton(AF_INET, buf, ep->addr) == 1)
		ep->family = AF_INET;
	else if (*s == '[' && inet_pton(AF_INET6, buf, ep->addr) == 1)
		ep->family = AF_INET6;
	else
		return -EINVAL;
	ep->port = (uint16_t)port;
	return 0;
}

void kobj_endpoint_text(const struct kobj_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(ep->family, ep->addr, a, sizeof(a));
	if (ep->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, ep->port);
	else
		snprintf(buf, len, "%s:%u", a, ep->port);
}

int kobj_parse_key(const char *s, uint8_t key[32])
{
	if (strlen(s) != 64)
		return -EINVAL;
	for (int i = 0; i < 32; i++) {
		unsigned int v = 0;

		for (int j = 0; j < 2; j++) {
			char ch = s[2 * i + j];

			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= (unsigned int)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v |= (unsigned int)(ch - 'a' + 10);
			else if (ch >= 'A' && ch <= 'F')
				v |= (unsigned int)(ch - 'A' + 10);
			else
				return -EINVAL;
		}
		key[i] = (uint8_t)v;
	}
	return 0;
}

int kobj_parse_size(const char *s, uint64_t *v)
{
	char num[32];
	size_t len = strlen(s);
	uint64_t mult = 1;
	int err;

	if (!len || len >= sizeof(num))
		return -EINVAL;
	switch (s[len - 1]) {
	case 'k': case 'K': mult = 1000ULL; len--; break;
	case 'M': mult = 1000000ULL; len--; break;
	case 'G': mult = 1000000000ULL; len--; break;
	default: break;
	}
	memcpy(num, s, len);
	num[len] = '\0';
	err = ctl_parse_dec(num, UINT64_MAX / mult, v);
	if (!err)
		*v *= mult;
	return err;
}

int kobj_action_dev(int argc, char **argv, const struct xmeshctl_opts *o, const char **act,
		    const char **dev)
{
	const char *group = o->cmd->name;

	if (argc < 3)
		return ctl_usage_err(o, "%s: need an action and a device", group);
	*act = argv[1];
	*dev = argv[2];
	if (ctl_check_ifname(*dev))
		return ctl_usage_err(o, "%s: invalid device name '%s'", group, *dev);
	return XMESHCTL_EXIT_OK;
}

struct nlmsghdr *kobj_msg(struct ctl_genl *c, uint8_t cmd, const char *ifname)
{
	struct nlmsghdr *nlh = ctl_genl_msg(c, cmd);

	mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, ifname);
	return nlh;
}

void kobj_put_prefix(struct nlmsghdr *nlh, uint16_t type, const struct kobj_prefix *p,
		     uint64_t node_id)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	if (p->family == AF_INET)
		mnl_attr_put(nlh, XMESH_A_ROUTE_DST_IPV4, 4, p->addr);
	else
		mnl_attr_put(nlh, XMESH_A_ROUTE_DST_IPV6, 16, p->addr);
	mnl_attr_put_u8(nlh, XMESH_A_ROUTE_PREFIX_LEN, p->plen);
	if (node_id)
		mnl_attr_put_u64(nlh, XMESH_A_ROUTE_NODE_ID, node_id);
	mnl_attr_nest_end(nlh, nest);
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = ((const struct nlattr ***)data)[0];
	uint16_t max = (uint16_t)(uintptr_t)((const struct nlattr ***)data)[1];
	uint16_t type = mnl_attr_get_type(a);

	if (type <= max)
		tb[type] = a;
	return MNL_CB_OK;
}

int kobj_parse_nest(const struct nlattr *nest, const struct nlattr **tb, uint16_t max)
{
	const void *data[2] = { tb, (const void *)(uintptr_t)max };

	memset(tb, 0, (max + 1u) * sizeof(*tb));
	return mnl_attr_parse_nested(nest, attr_cb, data) < 0 ? -EBADMSG : 0;
}

int kobj_parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	const void *data[2] = { tb, (const void *)(uintptr_t)XMESH_A_DEV_MAX };

	memset(tb, 0, (XMESH_A_DEV_MAX + 1u) * sizeof(*tb));
	return mnl_attr_parse(nlh, GENL_HDRLEN, attr_cb, data) < 0 ? -EBADMSG : 0;
}

uint64_t kobj_u64(const struct nlattr *a, uint64_t def)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U64))
		return def;
	return mnl_attr_get_u64(a);
}

uint32_t kobj_u32(const struct nlattr *a, uint32_t def)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32))
		return def;
	return mnl_attr_get_u32(a);
}

int kobj_get_prefix(const struct nlattr *nest, struct kobj_prefix *p, uint64_t *node_id)
{
	const struct nlattr *tb[XMESH_A_ROUTE_MAX + 1];
	const struct nlattr *plen;

	memset(p, 0, sizeof(*p));
	if (kobj_parse_nest(nest, tb, XMESH_A_ROUTE_MAX))
		return -EBADMSG;
	plen = tb[XMESH_A_ROUTE_PREFIX_LEN];
	if (!plen || mnl_attr_validate(plen, MNL_TYPE_U8))
		return -EBADMSG;
	p->plen = mnl_attr_get_u8(plen);
	if (tb[XMESH_A_ROUTE_DST_IPV4] && mnl_attr_get_payload_len(tb[XMESH_A_ROUTE_DST_IPV4]) == 4) {
		p->family = AF_INET;
		memcpy(p->addr, mnl_attr_get_payload(tb[XMESH_A_ROUTE_DST_IPV4]), 4);
	} else if (tb[XMESH_A_ROUTE_DST_IPV6] &&
		   mnl_attr_get_payload_len(tb[XMESH_A_ROUTE_DST_IPV6]) == 16) {
		p->family = AF_INET6;
		memcpy(p->addr, mnl_attr_get_payload(tb[XMESH_A_ROUTE_DST_IPV6]), 16);
	} else {
		return -EBADMSG;
	}
	if (p->plen > (p->family == AF_INET ? 32 : 128))
		return -EBADMSG;
	if (node_id)
		*node_id = kobj_u64(tb[XMESH_A_ROUTE_NODE_ID], 0);
	return 0;
}

int kobj_query(struct ctl_genl *c, struct nlmsghdr *nlh, nl_genl_msg_cb cb, void *data,
	       const char *what)
{
	int err = nl_genl_request(&c->nl, nlh, cb, data);

	return err ? ctl_genl_fail(c, err, what, NULL, NULL) : XMESHCTL_EXIT_OK;
}

int kobj_do(struct ctl_genl *c, struct nlmsghdr *nlh, const char *what)
{
	return kobj_query(c, nlh, NULL, NULL, what);
}

int kobj_reserve(void *vecp, size_t *cap, size_t n, size_t size, size_t first, size_t max)
{
	size_t ncap;
	void *v;

	if (n < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : first;
	if (ncap > max)
		return -E2BIG;
	/* vecp points to a T *: copied as bytes, so any T will do. */
	memcpy(&v, vecp, sizeof(v));
	v = realloc(v, ncap * size);
	if (!v)
		return -ENOMEM;
	memcpy(vecp, &v, sizeof(v));
	*cap = ncap;
	return 0;
}

int kobj_dump(struct ctl_genl *c, uint8_t cmd, const char *ifname, nl_genl_msg_cb cb,
	      void (*reset)(void *data), void *data, const char *what)
{
	int err = -EINTR;

	for (int i = 0; i < DUMP_TRIES && err == -EINTR; i++) {
		reset(data);
		err = nl_genl_dump(&c->nl, kobj_msg(c, cmd, ifname), cb, data);
	}
	if (err == -EINTR) {
		ctl_err("%s: the table kept changing during %d dumps", what, DUMP_TRIES);
		return XMESHCTL_EXIT_FAIL;
	}
	return err ? ctl_genl_fail(c, err, what, NULL, NULL) : XMESHCTL_EXIT_OK;
}

int kobj_get_stats(const struct nlattr *nest, uint64_t *v)
{
	const struct nlattr *tb[XMESH_A_STATS_MAX + 1];

	memset(v, 0, KOBJ_NSTATS * sizeof(*v));
	if (!nest)
		return 0;
	if (kobj_parse_nest(nest, tb, XMESH_A_STATS_MAX))
		return -EBADMSG;
	for (int i = 0; i < KOBJ_NSTATS; i++)
		v[i] = kobj_u64(tb[i + 1], 0);
	return 0;
}

void kobj_print_stats(const char *indent, const uint64_t *v)
{
	printf("%stransfer: %" PRIu64 " packets, %" PRIu64 " bytes received; %" PRIu64
	       " packets, %" PRIu64 " bytes sent\n",
	       indent, v[0], v[1], v[2], v[3]);
	if (v[4] || v[5])
		printf("%srelayed: %" PRIu64 " packets, %" PRIu64 " bytes\n", indent, v[4], v[5]);
	for (int i = 6; i < KOBJ_NSTATS; i++)
		if (v[i])
			printf("%s%s: %" PRIu64 "\n", indent, kobj_stat_names[i], v[i]);
}

void kobj_json_stats(struct json_writer *w, const char *key, const uint64_t *v)
{
	json_key(w, key);
	json_obj_start(w);
	for (int i = 0; i < KOBJ_NSTATS; i++)
		json_kv_u64(w, kobj_stat_names[i], v[i]);
	json_obj_end(w);
}

void kobj_json_node(struct json_writer *w, const char *key, uint64_t id)
{
	char buf[24];

	/* Hexadecimal text: JSON numbers lose precision beyond 2^53. */
	snprintf(buf, sizeof(buf), "0x%016" PRIx64, id);
	json_kv_str(w, key, buf);
}

int kobj_json_begin(struct json_writer *w, const struct xmeshctl_opts *o)
{
	if (!o->json)
		return 0;
	json_init(w, stdout, o->pretty);
	json_arr_start(w);
	return 0;
}

int kobj_json_finish(struct json_writer *w)
{
	json_arr_end(w);
	if (json_end(w)) {
		ctl_err("writing JSON output failed");
		return XMESHCTL_EXIT_FAIL;
	}
	return XMESHCTL_EXIT_OK;
}
