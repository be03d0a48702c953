// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink client on libmnl: socket setup, family resolution,
 * requests with extended ACKs, multi-part dumps and batches.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/netlink.h>

#include "nl_genl.h"

int nl_genl_open(struct nl_genl *g)
{
	int one = 1;
	int err;

	memset(g, 0, sizeof(*g));
	g->rxbuf = malloc(NL_GENL_RXBUF);
	if (!g->rxbuf)
		return -ENOMEM;
	g->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!g->sock) {
		err = -errno;
		goto err_free;
	}
	/* Extended ACKs carry the kernel's reason; capped ACKs keep them small. */
	if (mnl_socket_setsockopt(g->sock, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(g->sock, NETLINK_CAP_ACK, &one, sizeof(one)) < 0) {
		err = -errno;
		goto err_close;
	}
	/* Strict checking of dump requests; older kernels lack it, that is fine. */
	(void)mnl_socket_setsockopt(g->sock, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (mnl_socket_bind(g->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err_close;
	}
	g->portid = mnl_socket_get_portid(g->sock);
	/* Start away from 0 (notifications) and from a previous run's numbers. */
	g->seq = (uint32_t)time(NULL) << 8;
	return 0;

err_close:
	mnl_socket_close(g->sock);
	g->sock = NULL;
err_free:
	free(g->rxbuf);
	g->rxbuf = NULL;
	return err;
}

void nl_genl_close(struct nl_genl *g)
{
	if (g->sock)
		mnl_socket_close(g->sock);
	g->sock = NULL;
	free(g->rxbuf);
	g->rxbuf = NULL;
}

int nl_genl_fd(const struct nl_genl *g)
{
	return mnl_socket_get_fd(g->sock);
}

static uint32_t nl_next_seq(struct nl_genl *g)
{
	if (++g->seq == 0)
		g->seq = 1;
	return g->seq;
}

struct nlmsghdr *nl_genl_msg_start(struct nl_genl *g, void *buf, size_t len, uint16_t family,
				   uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*genl)))
		return NULL;
	memset(buf, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*genl)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = nl_next_seq(g);
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *nl_genl_msg(struct nl_genl *g, uint16_t family, uint8_t cmd, uint8_t version,
			     uint16_t flags)
{
	return nl_genl_msg_start(g, g->txbuf, sizeof(g->txbuf), family, cmd, version, flags);
}

int nl_genl_send_buf(struct nl_genl *g, const void *buf, size_t len)
{
	ssize_t n = mnl_socket_sendto(g->sock, buf, len);

	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
}

int nl_genl_send(struct nl_genl *g, const struct nlmsghdr *nlh)
{
	return nl_genl_send_buf(g, nlh, nlh->nlmsg_len);
}

static void nl_ext_reset(struct nl_genl *g)
{
	memset(&g->ext, 0, sizeof(g->ext));
}

/* The policy of a rejected attribute (kernel 5.10+): its valid range. */
static void nl_ext_policy(struct nl_genl_ext *ext, const struct nlattr *nest)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
	{
		size_t len = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			if (len != sizeof(uint64_t))
				break;
			if (mnl_attr_get_type(a) == NL_POLICY_TYPE_ATTR_MIN_VALUE_U)
				ext->umin = mnl_attr_get_u64(a);
			else
				ext->umax = mnl_attr_get_u64(a);
			ext->has_urange = true;
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			if (len != sizeof(int64_t))
				break;
			if (mnl_attr_get_type(a) == NL_POLICY_TYPE_ATTR_MIN_VALUE_S)
				ext->smin = (int64_t)mnl_attr_get_u64(a);
			else
				ext->smax = (int64_t)mnl_attr_get_u64(a);
			ext->has_srange = true;
			break;
		case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
			if (len == sizeof(uint32_t))
				ext->min_len = mnl_attr_get_u32(a);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
			if (len == sizeof(uint32_t))
				ext->max_len = mnl_attr_get_u32(a);
			break;
		default:
			break;
		}
	}
}

static int nl_ext_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_genl_ext *ext = data;
	size_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG: {
		const char *s = mnl_attr_get_payload(attr);
		size_t n = strnlen(s, len);

		if (n >= sizeof(ext->msg))
			n = sizeof(ext->msg) - 1;
		memcpy(ext->msg, s, n);
		ext->msg[n] = '\0';
		break;
	}
	case NLMSGERR_ATTR_OFFS:
		if (len >= sizeof(uint32_t))
			ext->bad_attr_off = mnl_attr_get_u32(attr);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (len >= sizeof(uint32_t))
			ext->miss_type = mnl_attr_get_u32(attr);
		break;
	case NLMSGERR_ATTR_POLICY:
		nl_ext_policy(ext, attr);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

/* Extended ACK attributes start at off bytes into the payload of nlh. */
static void nl_parse_ext(struct nl_genl *g, const struct nlmsghdr *nlh, size_t off)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= len)
		return;
	(void)mnl_attr_parse_payload((const char *)mnl_nlmsg_get_payload(nlh) + off, len - off,
				     nl_ext_attr_cb, &g->ext);
}

static void nl_req_fail(struct nl_genl_req *req, int err, uint32_t seq)
{
	if (req->err)
		return;
	req->err = err;
	req->err_idx = seq - req->seq_lo;
}

static int nl_handle_error(struct nl_genl *g, struct nl_genl_req *req, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	/* Without NLM_F_CAPPED the request is echoed before the TLVs. */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(e->msg))
			return -EBADMSG;
		off += e->msg.nlmsg_len - sizeof(e->msg);
	}
	/* Keep the message of the first failure, else of a warning. */
	if (!req->err && e->error) {
		nl_ext_reset(g);
		nl_parse_ext(g, nlh, off);
	} else if (!req->err && !g->ext.msg[0]) {
		nl_parse_ext(g, nlh, off);
	}
	if (e->error > 0 || e->error < -4095)
		return -EBADMSG;
	if (e->error)
		nl_req_fail(req, e->error, nlh->nlmsg_seq);
	/* Earlier messages of a batch are only acked when they fail. */
	if (nlh->nlmsg_seq == req->seq_hi)
		req->done = true;
	return 0;
}

static int nl_handle_done(struct nl_genl *g, struct nl_genl_req *req, const struct nlmsghdr *nlh)
{
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err && !req->err) {
			nl_ext_reset(g);
			nl_parse_ext(g, nlh, sizeof(int));
		}
	}
	if (err > 0 || err < -4095)
		return -EBADMSG;
	if (err)
		nl_req_fail(req, err, nlh->nlmsg_seq);
	if (nlh->nlmsg_seq == req->seq_hi)
		req->done = true;
	return 0;
}

static void nl_handle_data(struct nl_genl_req *req, const struct nlmsghdr *nlh)
{
	int ret;

	if (req->cb_done || !req->cb)
		return;
	ret = req->cb(nlh, mnl_nlmsg_get_payload(nlh), req->data);
	if (ret == MNL_CB_OK)
		return;
	/* Stop calling back; the rest of the reply is still read (drained). */
	req->cb_done = true;
	if (ret < 0)
		nl_req_fail(req, ret, nlh->nlmsg_seq);
}

/* One datagram: 0 when parsed, -errno when it is malformed. */
static int nl_req_datagram(struct nl_genl *g, struct nl_genl_req *req, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int remain = (int)len;
	int err;

	if (len > NL_GENL_RXBUF)
		return -EMSGSIZE;
	while (mnl_nlmsg_ok(nlh, remain)) {
		/* Not ours: a notification, or a reply to a request given up on. */
		if (nlh->nlmsg_pid != g->portid || nlh->nlmsg_seq < req->seq_lo ||
		    nlh->nlmsg_seq > req->seq_hi)
			goto next;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			req->intr = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			break;
		case NLMSG_ERROR:
			err = nl_handle_error(g, req, nlh);
			if (err)
				return err;
			break;
		case NLMSG_DONE:
			err = nl_handle_done(g, req, nlh);
			if (err)
				return err;
			break;
		default:
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
				return -EBADMSG;
			nl_handle_data(req, nlh);
			break;
		}
		if (req->done)
			return 0;
	next:
		nlh = mnl_nlmsg_next(nlh, &remain);
	}
	return remain == 0 ? 0 : -EBADMSG;
}

static int nl_req_result(const struct nl_genl_req *req)
{
	if (!req->done)
		return NL_GENL_MORE;
	if (req->err)
		return req->err;
	return req->intr ? -EINTR : 0;
}

void nl_genl_req_init(struct nl_genl_req *req, uint32_t seq, nl_genl_msg_cb cb, void *data)
{
	memset(req, 0, sizeof(*req));
	req->seq_lo = seq;
	req->seq_hi = seq;
	req->cb = cb;
	req->data = data;
}

int nl_genl_process(struct nl_genl *g, struct nl_genl_req *req, const void *buf, size_t len)
{
	int err = nl_req_datagram(g, req, buf, len);

	return err ? err : nl_req_result(req);
}

/*
 * Our receive queue overflowed, so replies were dropped, maybe the ACK we
 * wait for. Throw away what is queued: that also clears the socket's
 * congestion state, without which the next overflow would go unreported.
 */
static void nl_drain(struct nl_genl *g)
{
	for (int i = 0; i < 4096; i++)
		if (recv(nl_genl_fd(g), g->rxbuf, NL_GENL_RXBUF, MSG_DONTWAIT) < 0 &&
		    errno != EINTR && errno != ENOBUFS)
			break;
}

static int nl_req_run(struct nl_genl *g, struct nl_genl_req *req)
{
	while (!req->done) {
		ssize_t n = mnl_socket_recvfrom(g->sock, g->rxbuf, NL_GENL_RXBUF);
		int err;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				nl_drain(g);
				return -ENOBUFS;
			}
			/* libmnl reports a truncated datagram (MSG_TRUNC) as ENOSPC. */
			return errno == ENOSPC ? -EMSGSIZE : -errno;
		}
		g->rx_datagrams++;
		err = nl_req_datagram(g, req, g->rxbuf, (size_t)n);
		if (err)
			return err;
	}
	return nl_req_result(req);
}

int nl_genl_wait(struct nl_genl *g, uint32_t seq, nl_genl_msg_cb cb, void *data)
{
	struct nl_genl_req req;

	nl_genl_req_init(&req, seq, cb, data);
	return nl_req_run(g, &req);
}

int nl_genl_request(struct nl_genl *g, struct nlmsghdr *nlh, nl_genl_msg_cb cb, void *data)
{
	int err;

	nl_ext_reset(g);
	nlh->nlmsg_flags |= NLM_F_ACK;
	err = nl_genl_send(g, nlh);
	if (err)
		return err;
	return nl_genl_wait(g, nlh->nlmsg_seq, cb, data);
}

int nl_genl_dump(struct nl_genl *g, struct nlmsghdr *nlh, nl_genl_msg_cb cb, void *data)
{
	int err;

	nl_ext_reset(g);
	nlh->nlmsg_flags |= NLM_F_DUMP;
	err = nl_genl_send(g, nlh);
	if (err)
		return err;
	return nl_genl_wait(g, nlh->nlmsg_seq, cb, data);
}

const char *nl_genl_strerror(const struct nl_genl *g, int err)
{
	static char buf[NL_GENL_EXT_MSG_LEN + 128];
	const struct nl_genl_ext *ext = g ? &g->ext : NULL;
	char valid[80] = "";

	if (err >= 0)
		err = -EINVAL;
	if (!ext || !ext->msg[0])
		return strerror(-err);
	/* What the policy allows, when the kernel sent it along. */
	if (ext->has_urange)
		snprintf(valid, sizeof(valid), ", valid range %" PRIu64 "..%" PRIu64, ext->umin,
			 ext->umax);
	else if (ext->has_srange)
		snprintf(valid, sizeof(valid), ", valid range %" PRId64 "..%" PRId64, ext->smin,
			 ext->smax);
	else if (ext->max_len)
		snprintf(valid, sizeof(valid), ", at most %" PRIu32 " bytes", ext->max_len);
	snprintf(buf, sizeof(buf), "%s%s (%s)", ext->msg, valid, strerror(-err));
	return buf;
}

/* Family resolution through the controller (nlctrl). */

static int nl_mcgrp_cb(const struct nlattr *grp, struct nl_genl_family *fam)
{
	const struct nlattr *a;
	struct nl_genl_mcgrp m = {.id = 0};
	bool have_id = false, have_name = false;

	mnl_attr_for_each_nested(a, grp)
	{
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			m.id = mnl_attr_get_u32(a);
			have_id = true;
			break;
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
			    mnl_attr_get_payload_len(a) > sizeof(m.name))
				return -EBADMSG;
			memcpy(m.name, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
			have_name = true;
			break;
		default:
			break;
		}
	}
	if (!have_id || !have_name)
		return -EBADMSG;
	/* More groups than we keep: the family is not one we know; drop extras. */
	if (fam->n_mcgrps < NL_GENL_MAX_MCGRPS)
		fam->mcgrps[fam->n_mcgrps++] = m;
	return 0;
}

static int nl_family_cb(const struct nlmsghdr *nlh, const struct genlmsghdr *genl, void *data)
{
	struct nl_genl_family *fam = data;
	const struct nlattr *a, *grp;
	int err;

	(void)genl;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
	{
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			fam->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_FAMILY_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
			    mnl_attr_get_payload_len(a) > sizeof(fam->name))
				return -EBADMSG;
			memcpy(fam->name, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
			break;
		case CTRL_ATTR_VERSION:
		case CTRL_ATTR_HDRSIZE:
		case CTRL_ATTR_MAXATTR:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			if (mnl_attr_get_type(a) == CTRL_ATTR_VERSION)
				fam->version = mnl_attr_get_u32(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_HDRSIZE)
				fam->hdrsize = mnl_attr_get_u32(a);
			else
				fam->maxattr = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				return -EBADMSG;
			mnl_attr_for_each_nested(grp, a)
			{
				err = nl_mcgrp_cb(grp, fam);
				if (err)
					return err;
			}
			break;
		default:
			break;
		}
	}
	return MNL_CB_OK;
}

int nl_genl_resolve(struct nl_genl *g, const char *name, struct nl_genl_family *fam)
{
	struct nlmsghdr *nlh;
	int err;

	memset(fam, 0, sizeof(*fam));
	if (strlen(name) >= GENL_NAMSIZ)
		return -ENAMETOOLONG;
	nlh = nl_genl_msg(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	err = nl_genl_request(g, nlh, nl_family_cb, fam);
	if (err)
		return err;
	/* An ACK without a reply, or a reply without an id: not a family. */
	if (!fam->id || strcmp(fam->name, name) != 0)
		return -EBADMSG;
	return 0;
}

int nl_genl_mcgrp_id(const struct nl_genl_family *fam, const char *group)
{
	for (unsigned int i = 0; i < fam->n_mcgrps; i++)
		if (!strcmp(fam->mcgrps[i].name, group))
			return (int)fam->mcgrps[i].id;
	return -ENOENT;
}

int nl_genl_join(struct nl_genl *g, uint32_t group_id)
{
	int id = (int)group_id;

	if (mnl_socket_setsockopt(g->sock, NETLINK_ADD_MEMBERSHIP, &id, sizeof(id)) < 0)
		return -errno;
	return 0;
}

/* Batches: many requests in one sendmsg(), one ACK each. */

int nl_genl_batch_init(struct nl_genl_batch *bt, struct nl_genl *g, size_t buf_len)
{
	memset(bt, 0, sizeof(*bt));
	if (buf_len < NL_GENL_TXBUF)
		return -EINVAL;
	bt->buf = malloc(buf_len);
	if (!bt->buf)
		return -ENOMEM;
	bt->g = g;
	bt->buf_len = buf_len;
	return 0;
}

void nl_genl_batch_free(struct nl_genl_batch *bt)
{
	free(bt->buf);
	bt->buf = NULL;
}

struct nlmsghdr *nl_genl_batch_msg(struct nl_genl_batch *bt, uint16_t family, uint8_t cmd,
				   uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh;

	if (bt->buf_len - bt->used < NL_GENL_TXBUF)
		return NULL;
	/* Keep the batch's sequence numbers consecutive: never wrap inside. */
	if (bt->count == 0 && bt->g->seq > UINT32_MAX - bt->buf_len / NLMSG_HDRLEN)
		bt->g->seq = 0;
	bt->cur = bt->used;
	/* Only failures are acked, and the last message (see flush). */
	nlh = nl_genl_msg_start(bt->g, bt->buf + bt->cur, NL_GENL_TXBUF, family, cmd, version,
				flags & ~NLM_F_ACK);
	if (nlh && bt->count == 0)
		bt->first_seq = nlh->nlmsg_seq;
	return nlh;
}

void nl_genl_batch_commit(struct nl_genl_batch *bt)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(bt->buf + bt->cur);

	bt->last = bt->cur;
	bt->used = bt->cur + MNL_ALIGN(nlh->nlmsg_len);
	bt->count++;
}

int nl_genl_batch_flush(struct nl_genl_batch *bt, unsigned int *failed)
{
	struct nl_genl_req req = {
	    .seq_lo = bt->first_seq,
	    .seq_hi = bt->first_seq + bt->count - 1,
	};
	int err;

	if (!bt->count)
		return 0;
	nl_ext_reset(bt->g);
	/*
	 * Acking only failures and the last message keeps the ACKs of a large
	 * batch from overrunning our receive buffer; they arrive in order, so
	 * the last ACK comes after every failure.
	 */
	((struct nlmsghdr *)(bt->buf + bt->last))->nlmsg_flags |= NLM_F_ACK;
	err = nl_genl_send_buf(bt->g, bt->buf, bt->used);
	if (!err)
		err = nl_req_run(bt->g, &req);
	if (err && failed)
		*failed = req.err ? req.err_idx : 0;
	bt->used = 0;
	bt->cur = 0;
	bt->last = 0;
	bt->count = 0;
	return err;
}
