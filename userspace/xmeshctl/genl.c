// SPDX-License-Identifier: GPL-2.0
/*
 * xmeshctl's connection to the kernel: the "xmesh" generic netlink family,
 * and the translation of its errors into messages and exit statuses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/xmesh.h>

#include "xmeshctl.h"

int ctl_exit_for_errno(int err)
{
	switch (-err) {
	case ENODEV:
		return XMESHCTL_EXIT_NODEV;
	case EPERM:
	case EACCES:
		return XMESHCTL_EXIT_PERM;
	case EINVAL:
	case ERANGE:
		return XMESHCTL_EXIT_USAGE;
	case ENOENT:
		return XMESHCTL_EXIT_NOTFOUND;
	default:
		return XMESHCTL_EXIT_FAIL;
	}
}

int ctl_genl_open(struct ctl_genl *c)
{
	int err;

	err = nl_genl_open(&c->nl);
	if (err) {
		ctl_err("cannot open a generic netlink socket: %s", strerror(-err));
		return err == -EPERM || err == -EACCES ? XMESHCTL_EXIT_PERM : XMESHCTL_EXIT_FAIL;
	}
	err = nl_genl_resolve(&c->nl, XMESH_FAMILY_NAME, &c->fam);
	if (err == -ENOENT) {
		ctl_err("the xmesh kernel module is not loaded (no generic netlink family \"%s\"); "
			"load it with: modprobe xmesh",
			XMESH_FAMILY_NAME);
		nl_genl_close(&c->nl);
		return XMESHCTL_EXIT_NOMODULE;
	}
	if (err) {
		ctl_err("cannot look up generic netlink family \"%s\": %s", XMESH_FAMILY_NAME,
			nl_genl_strerror(&c->nl, err));
		nl_genl_close(&c->nl);
		return XMESHCTL_EXIT_FAIL;
	}
	return XMESHCTL_EXIT_OK;
}

void ctl_genl_close(struct ctl_genl *c)
{
	nl_genl_close(&c->nl);
}

struct nlmsghdr *ctl_genl_msg(struct ctl_genl *c, uint8_t cmd)
{
	return nl_genl_msg(&c->nl, c->fam.id, cmd, XMESH_FAMILY_VERSION, 0);
}

/* The top-level attribute of req that the kernel's offset points into, or -1. */
static int bad_attr_type(const struct nlmsghdr *req, uint32_t off)
{
	const struct nlattr *a;

	if (!off || off >= req->nlmsg_len)
		return -1;
	mnl_attr_for_each(a, req, GENL_HDRLEN)
	{
		uint32_t start = (uint32_t)((const char *)a - (const char *)req);

		if (off >= start && off < start + a->nla_len)
			return mnl_attr_get_type(a);
	}
	return -1;
}

int ctl_genl_fail(struct ctl_genl *c, int err, const char *what, const struct nlmsghdr *req,
		  const char *(*name_attr)(uint16_t type))
{
	const char *name = NULL;
	int type;

	if (req && name_attr) {
		type = bad_attr_type(req, c->nl.ext.bad_attr_off);
		if (type >= 0)
			name = name_attr((uint16_t)type);
	}
	if (name)
		ctl_err("%s: %s: %s", what, name, nl_genl_strerror(&c->nl, err));
	else
		ctl_err("%s: %s", what, nl_genl_strerror(&c->nl, err));
	if (err == -EPERM || err == -EACCES)
		ctl_err("changing xmesh devices needs CAP_NET_ADMIN (run as root)");
	return ctl_exit_for_errno(err);
}
