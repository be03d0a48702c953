// SPDX-License-Identifier: GPL-2.0
/*
 * `xmeshctl monitor [event NAME] [count N] [timeout SEC]`: print the
 * module's events (peer-up, peer-down, endpoint-changed, key-limit,
 * quota-crossed, route-changed, key-expiring; or only those named NAME) as they come,
 * one line each (one JSON object per line with --json), until N events
 * were printed or SEC seconds passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "kobj.h"

static const char *const event_names[] = {
	[XMESH_EVENT_PEER_UP] = "peer-up",
	[XMESH_EVENT_PEER_DOWN] = "peer-down",
	[XMESH_EVENT_ENDPOINT_CHANGED] = "endpoint-changed",
	[XMESH_EVENT_KEY_LIMIT] = "key-limit",
	[XMESH_EVENT_QUOTA_CROSSED] = "quota-crossed",
	[XMESH_EVENT_ROUTE_CHANGED] = "route-changed",
	[XMESH_EVENT_KEY_EXPIRING] = "key-expiring",
};

#define N_EVENT_NAMES (sizeof(event_names) / sizeof(event_names[0]))

/* One event message: text or a JSON line; 1 when filtered out. */
static int print_event(const struct nlmsghdr *nlh, uint32_t only, const struct xmeshctl_opts *o)
{
	const struct nlattr *tb[XMESH_A_DEV_MAX + 1], *nt[XMESH_A_TENANT_MAX + 1];
	uint32_t ev, ifindex;
	const char *name;
	char what[128] = "", pfx[64];
	struct kobj_prefix p;
	uint64_t node = 0;

	if (kobj_parse_top(nlh, tb))
		return -EBADMSG;
	ev = kobj_u32(tb[XMESH_A_DEV_EVENT], 0);
	if (only && ev != only)
		return 1;
	ifindex = kobj_u32(tb[XMESH_A_DEV_IFINDEX], 0);
	name = ev < N_EVENT_NAMES && event_names[ev] ? event_names[ev] : "unknown";
	if (tb[XMESH_A_DEV_PEER]) {
		const struct nlattr *pt[XMESH_A_PEER_MAX + 1];

		if (kobj_parse_nest(tb[XMESH_A_DEV_PEER], pt, XMESH_A_PEER_MAX))
			return -EBADMSG;
		snprintf(what, sizeof(what), "peer 0x%016" PRIx64,
			 kobj_u64(pt[XMESH_A_PEER_NODE_ID], 0));
	} else if (tb[XMESH_A_DEV_TENANT]) {
		if (kobj_parse_nest(tb[XMESH_A_DEV_TENANT], nt, XMESH_A_TENANT_MAX))
			return -EBADMSG;
		snprintf(what, sizeof(what), "tenant %u budget %" PRIu64,
			 kobj_u32(nt[XMESH_A_TENANT_ID], 0),
			 kobj_u64(nt[XMESH_A_TENANT_BUDGET_BYTES], 0));
	} else if (tb[XMESH_A_DEV_ROUTE]) {
		if (kobj_get_prefix(tb[XMESH_A_DEV_ROUTE], &p, &node))
			return -EBADMSG;
		kobj_prefix_text(&p, pfx, sizeof(pfx));
		snprintf(what, sizeof(what), "route %s node 0x%016" PRIx64, pfx, node);
	} else if (tb[XMESH_A_DEV_NEXTHOP]) {
		const struct nlattr *ht[XMESH_A_NEXTHOP_MAX + 1];

		if (kobj_parse_nest(tb[XMESH_A_DEV_NEXTHOP], ht, XMESH_A_NEXTHOP_MAX))
			return -EBADMSG;
		snprintf(what, sizeof(what), "nexthop 0x%016" PRIx64 " via 0x%016" PRIx64,
			 kobj_u64(ht[XMESH_A_NEXTHOP_DST_NODE], 0),
			 kobj_u64(ht[XMESH_A_NEXTHOP_VIA_NODE], 0));
	}
	if (o->json) {
		struct json_writer w;

		json_init(&w, stdout, false);
		json_obj_start(&w);
		json_kv_str(&w, "event", name);
		json_kv_u64(&w, "ifindex", ifindex);
		json_kv_str(&w, "object", what);
		json_obj_end(&w);
		if (json_end(&w))
			return -EIO;
		putchar('\n');
	} else {
		printf("%s ifindex %u %s\n", name, ifindex, what);
	}
	fflush(stdout);
	return 0;
}

static int parse_monitor_args(int argc, char **argv, const struct xmeshctl_opts *o,
			      uint64_t *count, uint64_t *timeout, uint32_t *only)
{
	for (int i = 1; i < argc; i += 2) {
		uint64_t *v;

		if (!strcmp(argv[i], "event") && i + 1 < argc) {
			for (*only = 1; *only < N_EVENT_NAMES; (*only)++)
				if (!strcmp(argv[i + 1], event_names[*only]))
					break;
			if (*only == N_EVENT_NAMES)
				return ctl_usage_err(o, "monitor: unknown event '%s'", argv[i + 1]);
			continue;
		}
		if (!strcmp(argv[i], "count"))
			v = count;
		else if (!strcmp(argv[i], "timeout"))
			v = timeout;
		else
			return ctl_usage_err(o, "monitor: unknown argument '%s'", argv[i]);
		if (i + 1 >= argc || ctl_parse_dec(argv[i + 1], 1u << 30, v))
			return ctl_usage_err(o, "monitor: bad %s", argv[i]);
	}
	return 0;
}

int cmd_monitor(int argc, char **argv, const struct xmeshctl_opts *o)
{
	uint64_t count = 0, timeout = 0, seen = 0;
	struct timespec start, now;
	uint32_t only = 0;
	struct ctl_genl c;
	char *buf;
	int ret, grp;

	ret = parse_monitor_args(argc, argv, o, &count, &timeout, &only);
	if (ret)
		return ret;
	ret = ctl_genl_open(&c);
	if (ret)
		return ret;
	grp = nl_genl_mcgrp_id(&c.fam, XMESH_MCGRP_EVENTS);
	if (grp < 0 || nl_genl_join(&c.nl, (uint32_t)grp)) {
		ctl_err("monitor: cannot join the \"%s\" group", XMESH_MCGRP_EVENTS);
		ctl_genl_close(&c);
		return XMESHCTL_EXIT_FAIL;
	}
	buf = malloc(NL_GENL_RXBUF);
	if (!buf) {
		ctl_genl_close(&c);
		return XMESHCTL_EXIT_FAIL;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!count || seen < count) {
		struct pollfd pfd = { .fd = nl_genl_fd(&c.nl), .events = POLLIN };
		int wait_ms = -1, n, left;
		ssize_t len;

		if (timeout) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (int)((int64_t)timeout * 1000 -
				     ((now.tv_sec - start.tv_sec) * 1000 +
				      (now.tv_nsec - start.tv_nsec) / 1000000));
			if (left <= 0)
				break;
			wait_ms = left;
		}
		n = poll(&pfd, 1, wait_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len = recv(pfd.fd, buf, NL_GENL_RXBUF, 0);
		if (len < 0) {
			if (errno == ENOBUFS) {
				ctl_err("monitor: events were lost (receive buffer overrun)");
				continue;
			}
			ctl_err("monitor: %s", strerror(errno));
			ret = XMESHCTL_EXIT_FAIL;
			break;
		}
		left = (int)len;
		for (const struct nlmsghdr *nlh = (const void *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type != c.fam.id)
				continue;
			if (print_event(nlh, only, o) == 0)
				seen++;
		}
	}
	free(buf);
	ctl_genl_close(&c);
	return ret;
}
