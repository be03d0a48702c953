// SPDX-License-Identifier: GPL-2.0
/* Netlink plumbing of the xmesh kernel selftests; see xm_nl.h. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xm_nl.h"

int xm_nl_open(struct xm_nl *nl, int bus)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(bus);
	if (!nl->sock)
		return -errno;
	/* The ack carries the kernel's reason, not a copy of our request. */
	if (mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID)) {
		int err = -errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void xm_nl_close(struct xm_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *xm_nl_msg(struct xm_nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->tx);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

struct nlmsghdr *xm_genl_msg(struct xm_nl *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = xm_nl_msg(nl, nl->family, flags);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

static void xm_nl_clear_ext(struct xm_nl *nl)
{
	nl->ext_msg[0] = '\0';
	nl->has_ext_msg = false;
	nl->has_ext_offs = false;
	nl->has_ext_miss = false;
}

/* The TLVs after struct nlmsgerr (and the echoed request, if not capped). */
static void xm_nl_parse_ext(struct xm_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *attr;	/* the name mnl_attr_for_each_payload uses */

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each_payload((const void *)((const char *)e + off),
				  mnl_nlmsg_get_payload_len(nlh) - off) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				break;
			snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s", mnl_attr_get_str(attr));
			nl->has_ext_msg = true;
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				break;
			nl->ext_offs = mnl_attr_get_u32(attr);
			nl->has_ext_offs = true;
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				break;
			nl->ext_miss_type = mnl_attr_get_u32(attr);
			nl->has_ext_miss = true;
			break;
		}
	}
}

int xm_nl_talk(struct xm_nl *nl, struct nlmsghdr *req, xm_nl_cb cb, void *data)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	xm_nl_clear_ext(nl);
	nl->parts = 0;
	nl->msgs = 0;
	/* A dump ends with NLMSG_DONE; anything else with an ack. */
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->rx;
		int len = (int)n;

		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPROTO;
		nl->parts++;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq || nlh->nlmsg_pid != nl->portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
					return -EBADMSG;
				xm_nl_parse_ext(nl, nlh);
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *err = mnl_nlmsg_get_payload(nlh);

				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(*err) && *err)
					return *err;
				return 0;
			}
			nl->msgs++;
			if (cb && cb(nlh, data) != MNL_CB_OK)
				return -EPROTO;
		}
		if (len != 0)
			return -EBADMSG;
	}
}

struct xm_genl_family_reply {
	uint16_t id;
};

static int xm_genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xm_genl_family_reply *r = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			r->id = mnl_attr_get_u16(a);
	}
	return MNL_CB_OK;
}

int xm_genl_open(struct xm_nl *nl, const char *name)
{
	struct xm_genl_family_reply r = { 0 };
	struct nlmsghdr *nlh;
	int err;

	err = xm_nl_open(nl, NETLINK_GENERIC);
	if (err)
		return err;
	nl->family = GENL_ID_CTRL;
	nlh = xm_genl_msg(nl, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	err = xm_nl_talk(nl, nlh, xm_genl_family_cb, &r);
	if (!err && !r.id)
		err = -EPROTO;
	nl->family = err ? 0 : r.id;
	return err;
}

int xm_genl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned int max)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		uint16_t type = mnl_attr_get_type(a);

		if (type <= max)
			tb[type] = a;
	}
	return 0;
}
