// SPDX-License-Identifier: GPL-2.0
#include "kernel.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xmesh.h>

#include "nl_genl.h"

/* Requests whose answer may still come: to name a refused one in the log. */
#define KERNEL_INFLIGHT 64

struct kernel {
	struct xm_io *io;
	struct {
		uint32_t seq;
		uint8_t cmd;
	} sent[KERNEL_INFLIGHT];
	unsigned int sent_next;
	struct nl_genl nl;
	struct nl_genl_family fam;
	int chan;
	char ifname[16];
	kernel_key_limit_fn key_limit;
	void *arg;
	struct kernel_stats st;
};

static int event_peer_cb(const struct nlattr *a, void *data)
{
	uint64_t *kid = data;

	if (mnl_attr_get_type(a) == XMESH_A_PEER_NODE_ID &&
	    !mnl_attr_validate(a, MNL_TYPE_U64))
		*kid = mnl_attr_get_u64(a);
	return MNL_CB_OK;
}

struct event {
	uint32_t kind;
	uint64_t kid;
};

static int event_attr_cb(const struct nlattr *a, void *data)
{
	struct event *ev = data;

	switch (mnl_attr_get_type(a)) {
	case XMESH_A_DEV_EVENT:
		if (!mnl_attr_validate(a, MNL_TYPE_U32))
			ev->kind = mnl_attr_get_u32(a);
		break;
	case XMESH_A_DEV_PEER:
		if (!mnl_attr_validate(a, MNL_TYPE_NESTED))
			mnl_attr_parse_nested(a, event_peer_cb, &ev->kid);
		break;
	}
	return MNL_CB_OK;
}

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case XMESH_CMD_DEV_SET: return "dev-set";
	case XMESH_CMD_PEER_NEW: return "peer-new";
	case XMESH_CMD_PEER_SET: return "peer-set";
	case XMESH_CMD_KEY_NEW: return "key-new";
	case XMESH_CMD_KEY_SWAP: return "key-swap";
	case XMESH_CMD_ROUTE_NEW: return "route-new";
	case XMESH_CMD_ROUTE_DEL: return "route-del";
	case XMESH_CMD_NEXTHOP_NEW: return "nexthop-new";
	case XMESH_CMD_NEXTHOP_DEL: return "nexthop-del";
	default: return "request";
	}
}

static int extack_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static void refused(struct kernel *k, const struct nlmsghdr *nlh, const struct nlmsgerr *e)
{
	const char *why = NULL, *what = "request";

	/* With NETLINK_CAP_ACK the extended ACK attributes follow the header. */
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_parse(nlh, sizeof(*e), extack_cb, &why);
	for (unsigned int i = 0; i < KERNEL_INFLIGHT; i++)
		if (k->sent[i].seq == nlh->nlmsg_seq)
			what = cmd_name(k->sent[i].cmd);
	k->st.errors++;
	log_warn("xmesh module refused %s: %s%s%s", what, strerror(-e->error), why ? ": " : "",
		 why ? why : "");
}

/* Acks of our requests and the module's notifications. */
static void on_netlink(void *arg, int chan, const struct xm_io_dgram *d)
{
	struct kernel *k = arg;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)d->buf;
	int len = (int)d->len;

	(void)chan;
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(*e) && e->error)
				refused(k, nlh, e);
		} else if (nlh->nlmsg_type == k->fam.id) {
			const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
			struct event ev = { 0 };

			if (g->cmd != XMESH_CMD_EVENT_NTF)
				continue;
			k->st.events++;
			mnl_attr_parse(nlh, sizeof(*g), event_attr_cb, &ev);
			/* Past a key's packet or time budget: rekey now. */
			if ((ev.kind == XMESH_EVENT_KEY_LIMIT ||
			     ev.kind == XMESH_EVENT_KEY_EXPIRING) && ev.kid)
				k->key_limit(k->arg, ev.kid);
		}
	}
}

struct kernel *kernel_open(struct xm_io *io, const char *ifname, kernel_key_limit_fn fn,
			   void *arg, char *status, size_t status_len)
{
	struct kernel *k = calloc(1, sizeof(*k));
	int err, grp;

	if (!k) {
		snprintf(status, status_len, "out of memory");
		return NULL;
	}
	err = nl_genl_open(&k->nl);
	if (err) {
		snprintf(status, status_len, "control plane only: no generic netlink socket: %s",
			 strerror(-err));
		free(k);
		return NULL;
	}
	/* Once, at start, before the loop runs: a blocking lookup is fine. */
	err = nl_genl_resolve(&k->nl, XMESH_FAMILY_NAME, &k->fam);
	if (err) {
		snprintf(status, status_len,
			 err == -ENOENT ? "control plane only: xmesh module not loaded "
					  "(generic netlink family \"xmesh\" absent)"
					: "control plane only: resolving family \"xmesh\": %s",
			 strerror(-err));
		goto fail;
	}
	grp = nl_genl_mcgrp_id(&k->fam, XMESH_MCGRP_EVENTS);
	if (grp >= 0)
		nl_genl_join(&k->nl, (uint32_t)grp);
	k->io = io;
	k->key_limit = fn;
	k->arg = arg;
	snprintf(k->ifname, sizeof(k->ifname), "%s", ifname);
	k->chan = io->ops->fd_attach(io, nl_genl_fd(&k->nl), on_netlink, k);
	if (k->chan < 0) {
		snprintf(status, status_len, "control plane only: netlink channel: %s",
			 strerror(-k->chan));
		goto fail;
	}
	snprintf(status, status_len, "xmesh module: family %u, device %s", k->fam.id, k->ifname);
	return k;
fail:
	nl_genl_close(&k->nl);
	free(k);
	return NULL;
}

void kernel_close(struct kernel *k)
{
	if (!k)
		return;
	k->io->ops->close(k->io, k->chan);
	nl_genl_close(&k->nl);
	free(k);
}

static struct nlmsghdr *msg(struct kernel *k, char *buf, size_t len, uint8_t cmd)
{
	struct nlmsghdr *nlh = nl_genl_msg_start(&k->nl, buf, len, k->fam.id, cmd,
						 XMESH_FAMILY_VERSION, NLM_F_ACK);

	if (nlh)
		mnl_attr_put_strz(nlh, XMESH_A_DEV_IFNAME, k->ifname);
	return nlh;
}

static int submit(struct kernel *k, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	int err = k->io->ops->send(k->io, k->chan, NULL, nlh, nlh->nlmsg_len);

	k->sent[k->sent_next].seq = nlh->nlmsg_seq;
	k->sent[k->sent_next].cmd = g->cmd;
	k->sent_next = (k->sent_next + 1) % KERNEL_INFLIGHT;
	k->st.requests++;
	if (err)
		k->st.errors++;
	return err;
}

static void put_peer_endpoint(struct nlmsghdr *nlh, const struct hs_peer *p)
{
	if (xm_addr_is_v4(&p->addr)) {
		uint32_t ip;

		memcpy(&ip, &p->addr.ip.s6_addr[12], 4);
		mnl_attr_put_u32(nlh, XMESH_A_PEER_REMOTE_IPV4, ip);
	} else {
		mnl_attr_put(nlh, XMESH_A_PEER_REMOTE_IPV6, 16, &p->addr.ip);
	}
	mnl_attr_put_u16(nlh, XMESH_A_PEER_REMOTE_PORT, htons(p->data_port));
}

int kernel_set_device(struct kernel *k, uint64_t self_kid, uint16_t data_port)
{
	char buf[NL_GENL_TXBUF];
	struct nlmsghdr *nlh = msg(k, buf, sizeof(buf), XMESH_CMD_DEV_SET);

	mnl_attr_put_u64(nlh, XMESH_A_DEV_NODE_ID, self_kid);
	mnl_attr_put_u16(nlh, XMESH_A_DEV_LISTEN_PORT, data_port);
	return submit(k, nlh);
}

int kernel_install_keys(struct kernel *k, const struct hs_peer *p, const struct hs_keys *keys,
			uint64_t rekey_packets, bool first)
{
	char buf[NL_GENL_TXBUF];
	uint64_t kid = xm_node_kid(&p->id);
	struct nlattr *peer, *kc;
	struct nlmsghdr *nlh;
	int err;

	/* The peer and where its data packets go. */
	nlh = msg(k, buf, sizeof(buf), first ? XMESH_CMD_PEER_NEW : XMESH_CMD_PEER_SET);
	peer = mnl_attr_nest_start(nlh, XMESH_A_DEV_PEER);
	mnl_attr_put_u64(nlh, XMESH_A_PEER_NODE_ID, kid);
	put_peer_endpoint(nlh, p);
	mnl_attr_nest_end(nlh, peer);
	err = submit(k, nlh);

	/* The new keys into the secondary slot, then made primary at once. */
	nlh = msg(k, buf, sizeof(buf), XMESH_CMD_KEY_NEW);
	peer = mnl_attr_nest_start(nlh, XMESH_A_DEV_PEER);
	mnl_attr_put_u64(nlh, XMESH_A_PEER_NODE_ID, kid);
	kc = mnl_attr_nest_start(nlh, XMESH_A_PEER_KEYCONF);
	mnl_attr_put_u32(nlh, XMESH_A_KEYCONF_SLOT, XMESH_KEY_SLOT_SECONDARY);
	mnl_attr_put_u32(nlh, XMESH_A_KEYCONF_LOCAL_INDEX, keys->local_index);
	mnl_attr_put_u32(nlh, XMESH_A_KEYCONF_REMOTE_INDEX, keys->remote_index);
	mnl_attr_put(nlh, XMESH_A_KEYCONF_ENCRYPT_KEY, HS_KEY_LEN, keys->tx);
	mnl_attr_put(nlh, XMESH_A_KEYCONF_DECRYPT_KEY, HS_KEY_LEN, keys->rx);
	mnl_attr_put_u64(nlh, XMESH_A_KEYCONF_REKEY_AFTER, rekey_packets);
	mnl_attr_nest_end(nlh, kc);
	mnl_attr_nest_end(nlh, peer);
	err = err ? err : submit(k, nlh);
	/* Key bytes do not linger in a stack buffer. */
	memset(buf, 0, sizeof(buf));

	nlh = msg(k, buf, sizeof(buf), XMESH_CMD_KEY_SWAP);
	peer = mnl_attr_nest_start(nlh, XMESH_A_DEV_PEER);
	mnl_attr_put_u64(nlh, XMESH_A_PEER_NODE_ID, kid);
	mnl_attr_nest_end(nlh, peer);
	return err ? err : submit(k, nlh);
}

int kernel_set_route(struct kernel *k, const struct xmd_prefix *p, uint64_t kid, bool add)
{
	char buf[NL_GENL_TXBUF];
	struct nlmsghdr *nlh;
	struct nlattr *r;

	nlh = msg(k, buf, sizeof(buf), add ? XMESH_CMD_ROUTE_NEW : XMESH_CMD_ROUTE_DEL);
	r = mnl_attr_nest_start(nlh, XMESH_A_DEV_ROUTE);
	if (p->family == 4) {
		uint32_t ip;

		memcpy(&ip, p->addr, 4); /* already network order */
		mnl_attr_put_u32(nlh, XMESH_A_ROUTE_DST_IPV4, ip);
	} else {
		mnl_attr_put(nlh, XMESH_A_ROUTE_DST_IPV6, 16, p->addr);
	}
	mnl_attr_put_u8(nlh, XMESH_A_ROUTE_PREFIX_LEN, p->len);
	if (add)
		mnl_attr_put_u64(nlh, XMESH_A_ROUTE_NODE_ID, kid);
	mnl_attr_nest_end(nlh, r);
	return submit(k, nlh);
}

int kernel_set_nexthop(struct kernel *k, const struct route_change *c)
{
	char buf[NL_GENL_TXBUF];
	struct nlmsghdr *nlh;
	struct nlattr *nh;

	nlh = msg(k, buf, sizeof(buf), c->reachable ? XMESH_CMD_NEXTHOP_NEW : XMESH_CMD_NEXTHOP_DEL);
	nh = mnl_attr_nest_start(nlh, XMESH_A_DEV_NEXTHOP);
	mnl_attr_put_u64(nlh, XMESH_A_NEXTHOP_DST_NODE, xm_node_kid(&c->dst));
	if (c->reachable) {
		mnl_attr_put_u64(nlh, XMESH_A_NEXTHOP_VIA_NODE, xm_node_kid(&c->nh));
		mnl_attr_put_u32(nlh, XMESH_A_NEXTHOP_METRIC, c->metric);
	}
	mnl_attr_nest_end(nlh, nh);
	return submit(k, nlh);
}

void kernel_get_stats(const struct kernel *k, struct kernel_stats *st)
{
	*st = k->st;
}
