// SPDX-License-Identifier: GPL-2.0
/* xmesh-specific helpers of the kernel selftests; see xm_dev.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "xm_dev.h"

bool xm_module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/xmesh", &st) == 0;
}

int xm_module_load(void)
{
	const char *ko = getenv("XMESH_KO");
	int fd, err = 0;

	if (xm_module_loaded())
		return 0;
	if (!ko || !*ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		err = -errno;
	close(fd);
	return err;
}

int xm_module_unload(void)
{
	int tries;

	/* A request in flight holds the module for a moment: wait up to 10 s. */
	for (tries = 0; tries < 100; tries++) {
		if (!xm_module_loaded())
			return 0;
		if (syscall(SYS_delete_module, "xmesh", O_NONBLOCK) == 0)
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		usleep(100 * 1000);
	}
	return -EBUSY;
}

int xm_link_add(struct xm_nl *rt, const char *name)
{
	struct nlmsghdr *nlh = xm_nl_msg(rt, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *linkinfo;

	ifi->ifi_family = AF_UNSPEC;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "xmesh");
	mnl_attr_nest_end(nlh, linkinfo);
	return xm_nl_talk(rt, nlh, NULL, NULL);
}

int xm_link_del(struct xm_nl *rt, const char *name)
{
	struct nlmsghdr *nlh = xm_nl_msg(rt, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return xm_nl_talk(rt, nlh, NULL, NULL);
}

int xm_links_add(struct xm_nl *rt, const char *prefix, unsigned int n)
{
	char name[IF_NAMESIZE];
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%u", prefix, i);
		err = xm_link_add(rt, name);
		if (err)
			return err;
	}
	return 0;
}

/* Is this RTM_NEWLINK message about a link of kind "xmesh"? */
static int xm_link_kind_cb(const struct nlmsghdr *nlh, void *data)
{
	int *count = data;
	const struct nlattr *a, *b;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) == IFLA_INFO_KIND &&
			    mnl_attr_validate(b, MNL_TYPE_NUL_STRING) == 0 &&
			    strcmp(mnl_attr_get_str(b), "xmesh") == 0)
				(*count)++;
		}
	}
	return MNL_CB_OK;
}

int xm_links_count(struct xm_nl *rt)
{
	struct nlmsghdr *nlh = xm_nl_msg(rt, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int count = 0, err;

	ifi->ifi_family = AF_UNSPEC;
	err = xm_nl_talk(rt, nlh, xm_link_kind_cb, &count);
	return err ? err : count;
}

void xm_dev_parse(const struct nlmsghdr *nlh, struct xm_dev *d)
{
	const struct nlattr *tb[XMESH_A_DEV_MAX + 1];

	memset(d, 0, sizeof(*d));
	xm_genl_parse(nlh, tb, XMESH_A_DEV_MAX);
	if (tb[XMESH_A_DEV_IFINDEX] && mnl_attr_validate(tb[XMESH_A_DEV_IFINDEX], MNL_TYPE_U32) == 0) {
		d->ifindex = mnl_attr_get_u32(tb[XMESH_A_DEV_IFINDEX]);
		d->has_ifindex = true;
	}
	if (tb[XMESH_A_DEV_IFNAME] &&
	    mnl_attr_validate(tb[XMESH_A_DEV_IFNAME], MNL_TYPE_NUL_STRING) == 0) {
		snprintf(d->ifname, sizeof(d->ifname), "%s", mnl_attr_get_str(tb[XMESH_A_DEV_IFNAME]));
		d->has_ifname = true;
	}
	if (tb[XMESH_A_DEV_LISTEN_PORT] &&
	    mnl_attr_validate(tb[XMESH_A_DEV_LISTEN_PORT], MNL_TYPE_U16) == 0) {
		d->listen_port = mnl_attr_get_u16(tb[XMESH_A_DEV_LISTEN_PORT]);
		d->has_listen_port = true;
	}
	if (tb[XMESH_A_DEV_NODE_ID] && mnl_attr_validate(tb[XMESH_A_DEV_NODE_ID], MNL_TYPE_U64) == 0) {
		d->node_id = mnl_attr_get_u64(tb[XMESH_A_DEV_NODE_ID]);
		d->has_node_id = true;
	}
	if (tb[XMESH_A_DEV_MTU] && mnl_attr_validate(tb[XMESH_A_DEV_MTU], MNL_TYPE_U32) == 0) {
		d->mtu = mnl_attr_get_u32(tb[XMESH_A_DEV_MTU]);
		d->has_mtu = true;
	}
	if (tb[XMESH_A_DEV_FLAGS] && mnl_attr_validate(tb[XMESH_A_DEV_FLAGS], MNL_TYPE_U32) == 0) {
		d->flags = mnl_attr_get_u32(tb[XMESH_A_DEV_FLAGS]);
		d->has_flags = true;
	}
	if (tb[XMESH_A_DEV_GENERATION] &&
	    mnl_attr_validate(tb[XMESH_A_DEV_GENERATION], MNL_TYPE_U32) == 0) {
		d->generation = mnl_attr_get_u32(tb[XMESH_A_DEV_GENERATION]);
		d->has_generation = true;
	}
}

static int xm_dev_one_cb(const struct nlmsghdr *nlh, void *data)
{
	xm_dev_parse(nlh, data);
	return MNL_CB_OK;
}

int xm_dev_get(struct xm_nl *nl, uint32_t ifindex, const char *ifname, struct xm_dev *d)
{
	struct nlmsghdr *nlh = xm_genl_msg(nl, XMESH_CMD_DEV_GET, 0);
	int err;

	if (ifindex)
		mnl_attr_put_u32(nlh, XMESH_A_DEV_IFINDEX, ifindex);
	else if (ifname)
		mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, ifname);
	memset(d, 0, sizeof(*d));
	err = xm_nl_talk(nl, nlh, xm_dev_one_cb, d);
	if (!err && nl->msgs != 1)
		return -EPROTO;
	return err;
}

int xm_dev_set(struct xm_nl *nl, const struct xm_dev_set *s)
{
	struct nlmsghdr *nlh = xm_genl_msg(nl, XMESH_CMD_DEV_SET, 0);

	if (s->ifindex)
		mnl_attr_put_u32(nlh, XMESH_A_DEV_IFINDEX, s->ifindex);
	if (s->ifname)
		mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, s->ifname);
	if (s->set_listen_port)
		mnl_attr_put_u16(nlh, XMESH_A_DEV_LISTEN_PORT, s->listen_port);
	if (s->set_node_id)
		mnl_attr_put_u64(nlh, XMESH_A_DEV_NODE_ID, s->node_id);
	if (s->set_mtu)
		mnl_attr_put_u32(nlh, XMESH_A_DEV_MTU, s->mtu);
	if (s->set_flags)
		mnl_attr_put_u32(nlh, XMESH_A_DEV_FLAGS, s->flags);
	return xm_nl_talk(nl, nlh, NULL, NULL);
}

struct xm_dump_ctx {
	void (*cb)(const struct xm_dev *d, void *data);
	void *data;
};

static int xm_dev_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xm_dump_ctx *ctx = data;
	struct xm_dev d;

	xm_dev_parse(nlh, &d);
	ctx->cb(&d, ctx->data);
	return MNL_CB_OK;
}

int xm_dev_dump(struct xm_nl *nl, void (*cb)(const struct xm_dev *d, void *data), void *data)
{
	struct nlmsghdr *nlh = xm_genl_msg(nl, XMESH_CMD_DEV_GET, NLM_F_DUMP);
	struct xm_dump_ctx ctx = { .cb = cb, .data = data };

	return xm_nl_talk(nl, nlh, xm_dev_dump_cb, &ctx);
}
