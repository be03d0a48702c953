// SPDX-License-Identifier: GPL-2.0
/*
 * Genetlink handlers of peers and their key slots. Key material only ever
 * travels into the kernel: replies name a slot by its indexes, never its
 * keys.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "netlink_dp.h"
#include "netlink_gen.h"
#include "event.h"
#include "peer.h"
#include "route.h"

static u64 peer_id(struct nlattr **tb)
{
	return nla_get_u64(tb[XMESH_A_PEER_NODE_ID]);
}

/* Parse the request's peer nest; the node id is required. */
static int parse_peer(struct genl_info *info, struct nlattr **tb)
{
	int err;

	err = xmesh_nl_parse_nest(info->attrs, XMESH_A_DEV_PEER, tb,
				  XMESH_A_PEER_MAX, xmesh_peer_nl_policy,
				  info->extack, "peer");
	if (err)
		return err;
	if (!tb[XMESH_A_PEER_NODE_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[XMESH_A_DEV_PEER],
				    "missing peer node-id");
		return -EINVAL;
	}
	if (tb[XMESH_A_PEER_STATS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_PEER_STATS],
				    "stats are read-only");
		return -EINVAL;
	}
	return 0;
}

/* The endpoint of a request: NULL in *sa when none is given. */
static int parse_endpoint(struct nlattr **tb, struct sockaddr_storage *ss,
			  bool *present, struct netlink_ext_ack *extack)
{
	struct nlattr *v4 = tb[XMESH_A_PEER_REMOTE_IPV4];
	struct nlattr *v6 = tb[XMESH_A_PEER_REMOTE_IPV6];
	struct nlattr *port = tb[XMESH_A_PEER_REMOTE_PORT];

	*present = v4 || v6 || port;
	if (!*present)
		return 0;
	if (!!v4 == !!v6 || !port) {
		NL_SET_ERR_MSG_MOD(extack,
				   "an endpoint is remote-port and exactly one of remote-ipv4, remote-ipv6");
		return -EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	if (v4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = nla_get_in_addr(v4);
		sin->sin_port = nla_get_be16(port);
		if (ipv4_is_multicast(sin->sin_addr.s_addr) ||
		    ipv4_is_zeronet(sin->sin_addr.s_addr) ||
		    ipv4_is_lbcast(sin->sin_addr.s_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, v4,
					    "endpoint is not a unicast address");
			return -EINVAL;
		}
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = nla_get_in6_addr(v6);
		sin6->sin6_port = nla_get_be16(port);
		if (ipv6_addr_type(&sin6->sin6_addr) &
		    (IPV6_ADDR_MULTICAST | IPV6_ADDR_ANY)) {
			NL_SET_ERR_MSG_ATTR(extack, v6,
					    "endpoint is not a unicast address");
			return -EINVAL;
		}
		if (ipv6_addr_type(&sin6->sin6_addr) & IPV6_ADDR_LINKLOCAL) {
			NL_SET_ERR_MSG_ATTR(extack, v6,
					    "link-local endpoints are not supported");
			return -EINVAL;
		}
	}
	return 0;
}

static int set_endpoint(struct xmesh_dp *dp, struct xmesh_peer *peer,
			struct nlattr **tb, struct genl_info *info)
{
	struct sockaddr_storage ss;
	bool present;
	int err;

	err = parse_endpoint(tb, &ss, &present, info->extack);
	if (err || !present)
		return err;
	err = xmesh_peer_set_endpoint(peer, (struct sockaddr *)&ss);
	if (err < 0)
		return err;
	if (err > 0)
		xmesh_event_peer(dp, XMESH_EVENT_ENDPOINT_CHANGED, peer);
	return 0;
}

/* The keepalive interval, if the request gives one (it cannot fail). */
static void set_keepalive(struct xmesh_peer *peer, struct nlattr **tb)
{
	struct nlattr *a = tb[XMESH_A_PEER_KEEPALIVE_INTERVAL];

	if (a)
		xmesh_peer_set_keepalive(peer, nla_get_u16(a));
}

static int reject_keys(struct nlattr **tb, struct netlink_ext_ack *extack)
{
	if (!tb[XMESH_A_PEER_KEYCONF])
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, tb[XMESH_A_PEER_KEYCONF],
			    "keys are installed with KEY_NEW");
	return -EINVAL;
}

int xmesh_nl_peer_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[XMESH_A_PEER_MAX + 1];
	struct sockaddr_storage ss;
	struct xmesh_peer *peer;
	struct xmesh_dp *dp;
	bool present;
	int err;

	err = parse_peer(info, tb) ?: reject_keys(tb, info->extack) ?:
	      parse_endpoint(tb, &ss, &present, info->extack);
	if (err)
		return err;
	dp = xmesh_nl_dp_lock(genl_info_net(info), info->attrs, info->extack,
			      &err);
	if (!dp)
		return err;
	if (peer_id(tb) == xmesh_dp_node_id(dp)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_PEER_NODE_ID],
				    "a node is not its own peer");
		err = -EINVAL;
		goto out;
	}
	peer = xmesh_peer_create(dp, peer_id(tb));
	if (IS_ERR(peer)) {
		err = PTR_ERR(peer);
		if (err == -EBUSY) {
			err = -EEXIST;
			NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_PEER_NODE_ID],
					    "peer exists");
		} else {
			NL_SET_ERR_MSG_MOD(info->extack, "cannot add peer");
		}
		goto out;
	}
	err = set_endpoint(dp, peer, tb, info);
	if (err) {
		NL_SET_ERR_MSG_MOD(info->extack, "cannot set endpoint");
		xmesh_peer_remove(peer);
		goto out;
	}
	set_keepalive(peer, tb);
out:
	xmesh_nl_dp_unlock(dp);
	return err;
}

/* Lock the data path and find the request's peer. */
static struct xmesh_dp *lock_peer(struct genl_info *info, struct nlattr **tb,
				  struct xmesh_peer **peer, int *err)
{
	struct xmesh_dp *dp;

	*err = parse_peer(info, tb);
	if (*err)
		return NULL;
	dp = xmesh_nl_dp_lock(genl_info_net(info), info->attrs, info->extack,
			      err);
	if (!dp)
		return NULL;
	*peer = xmesh_peer_lookup(dp, peer_id(tb));
	if (!*peer) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_PEER_NODE_ID],
				    "no such peer");
		*err = -ENOENT;
		xmesh_nl_dp_unlock(dp);
		return NULL;
	}
	return dp;
}

int xmesh_nl_peer_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[XMESH_A_PEER_MAX + 1];
	struct xmesh_peer *peer;
	struct xmesh_dp *dp;
	int err;

	dp = lock_peer(info, tb, &peer, &err);
	if (!dp)
		return err;
	err = reject_keys(tb, info->extack) ?: set_endpoint(dp, peer, tb, info);
	if (!err)
		set_keepalive(peer, tb);
	xmesh_nl_dp_unlock(dp);
	return err;
}

int xmesh_nl_peer_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[XMESH_A_PEER_MAX + 1];
	struct xmesh_peer *peer;
	struct xmesh_dp *dp;
	int err;

	dp = lock_peer(info, tb, &peer, &err);
	if (!dp)
		return err;
	xmesh_nexthop_remove_via(dp, peer->node_id);
	xmesh_peer_remove(peer);
	xmesh_nl_dp_unlock(dp);
	return 0;
}

static int put_keyslot(struct sk_buff *msg, struct xmesh_keyslot *ks,
		       unsigned int slot)
{
	struct nlattr *nest;

	if (!ks)
		return 0;
	nest = nla_nest_start(msg, XMESH_A_PEER_KEYCONF);
	if (!nest)
		return -EMSGSIZE;
	/* The indexes name the slot; the keys stay in the kernel. */
	if (nla_put_u32(msg, XMESH_A_KEYCONF_SLOT, slot) ||
	    nla_put_u32(msg, XMESH_A_KEYCONF_LOCAL_INDEX, ks->local_index) ||
	    nla_put_u32(msg, XMESH_A_KEYCONF_REMOTE_INDEX, ks->remote_index) ||
	    nla_put_u64_64bit(msg, XMESH_A_KEYCONF_REKEY_AFTER,
			      ks->rekey_after, XMESH_A_KEYCONF_PAD) ||
	    nla_put_u32(msg, XMESH_A_KEYCONF_REJECT_AFTER_TIME,
			ks->reject_after_time) ||
	    nla_put_u32(msg, XMESH_A_KEYCONF_REKEY_AFTER_TIME,
			ks->rekey_after_time)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int put_endpoint(struct sk_buff *msg, const struct xmesh_endpoint *ep)
{
	if (!ep)
		return 0;
	if (ep->sa.sa_family == AF_INET)
		return nla_put_in_addr(msg, XMESH_A_PEER_REMOTE_IPV4,
				       ep->sin.sin_addr.s_addr) ?:
		       nla_put_be16(msg, XMESH_A_PEER_REMOTE_PORT,
				    ep->sin.sin_port);
	return nla_put_in6_addr(msg, XMESH_A_PEER_REMOTE_IPV6,
				&ep->sin6.sin6_addr) ?:
	       nla_put_be16(msg, XMESH_A_PEER_REMOTE_PORT, ep->sin6.sin6_port);
}

/* The peer attributes of a reply, under dp->lock. */
static int fill_peer(struct sk_buff *msg, struct xmesh_dp *dp,
		     struct xmesh_peer *peer)
{
	struct nlattr *nest;
	unsigned int i;
	int err;

	lockdep_assert_held(&dp->lock);
	if (nla_put_u32(msg, XMESH_A_DEV_IFINDEX, dp->dev->ifindex))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, XMESH_A_DEV_PEER);
	if (!nest)
		return -EMSGSIZE;
	err = nla_put_u64_64bit(msg, XMESH_A_PEER_NODE_ID, peer->node_id,
				XMESH_A_PEER_PAD);
	if (!err)
		err = put_endpoint(msg, rcu_dereference_protected(peer->ep, true));
	if (!err && peer->keepalive_interval)
		err = nla_put_u16(msg, XMESH_A_PEER_KEEPALIVE_INTERVAL,
				  peer->keepalive_interval);
	/* The slots change under dp->lock only, which the caller holds. */
	for (i = 0; !err && i < ARRAY_SIZE(peer->slot); i++)
		err = put_keyslot(msg, rcu_dereference_protected(peer->slot[i], true), i);
	if (!err)
		err = xmesh_stats_put(msg, XMESH_A_PEER_STATS, &peer->stats);
	if (err) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int xmesh_nl_peer_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[XMESH_A_PEER_MAX + 1];
	struct xmesh_peer *peer;
	struct xmesh_dp *dp;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	dp = lock_peer(info, tb, &peer, &err);
	if (!dp)
		goto err_free;
	hdr = genlmsg_put_reply(msg, info, &xmesh_nl_family, 0,
				XMESH_CMD_PEER_GET);
	err = hdr ? fill_peer(msg, dp, peer) : -EMSGSIZE;
	xmesh_nl_dp_unlock(dp);
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

/* cb->args: [0] a peer was sent, [1] the node id of the last one. */
int xmesh_nl_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long start = cb->args[0] ? cb->args[1] + 1 : 0;
	struct xmesh_peer *peer;
	struct xmesh_dp *dp;
	unsigned long id;
	int err = 0;

	if (cb->args[0] && cb->args[1] == ULONG_MAX)
		return 0;	/* the last possible id was sent */
	dp = xmesh_nl_dump_lock(skb, cb, &err);
	if (!dp)
		return err;
	xa_for_each_start(&dp->peers, id, peer, start) {
		void *hdr = xmesh_nl_dump_put(skb, cb, XMESH_CMD_PEER_GET);

		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = fill_peer(skb, dp, peer);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = 1;
		cb->args[1] = id;
	}
	xmesh_nl_dp_unlock(dp);
	return xmesh_nl_dump_end(skb, err);
}

static int parse_keyconf(struct genl_info *info, struct nlattr **tb,
			 struct nlattr **kc, bool need_keys)
{
	static const int required[] = {
		XMESH_A_KEYCONF_LOCAL_INDEX, XMESH_A_KEYCONF_REMOTE_INDEX,
		XMESH_A_KEYCONF_ENCRYPT_KEY, XMESH_A_KEYCONF_DECRYPT_KEY,
	};
	unsigned int i;
	int err;

	err = xmesh_nl_parse_nest(tb, XMESH_A_PEER_KEYCONF, kc,
				  XMESH_A_KEYCONF_MAX, xmesh_keyconf_nl_policy,
				  info->extack, "keyconf");
	if (err)
		return err;
	if (!kc[XMESH_A_KEYCONF_SLOT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[XMESH_A_PEER_KEYCONF],
				    "missing keyconf slot");
		return -EINVAL;
	}
	for (i = 0; need_keys && i < ARRAY_SIZE(required); i++) {
		if (!kc[required[i]]) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[XMESH_A_PEER_KEYCONF],
					    "keyconf needs local-index, remote-index, encrypt-key and decrypt-key");
			NL_SET_ERR_ATTR_MISS(info->extack,
					     tb[XMESH_A_PEER_KEYCONF],
					     required[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * A key is used once: a key this device held before (as encrypt or decrypt
 * key, in any peer) would restart its nonces and its replay window, and one
 * key for both directions would seal under the same nonces at both ends.
 */
static int check_fresh_keys(struct xmesh_dp *dp, struct nlattr **kc,
			    struct netlink_ext_ack *extack)
{
	const u8 *enc = nla_data(kc[XMESH_A_KEYCONF_ENCRYPT_KEY]);
	const u8 *dec = nla_data(kc[XMESH_A_KEYCONF_DECRYPT_KEY]);

	if (!memcmp(enc, dec, XMESH_KEY_LEN)) {
		NL_SET_ERR_MSG_ATTR(extack, kc[XMESH_A_KEYCONF_DECRYPT_KEY],
				    "encrypt-key and decrypt-key are the same key");
		return -EINVAL;
	}
	if (xmesh_key_history_seen(&dp->key_history, enc)) {
		NL_SET_ERR_MSG_ATTR(extack, kc[XMESH_A_KEYCONF_ENCRYPT_KEY],
				    "encrypt-key was installed before on this device: a key is used once");
		return -EEXIST;
	}
	if (xmesh_key_history_seen(&dp->key_history, dec)) {
		NL_SET_ERR_MSG_ATTR(extack, kc[XMESH_A_KEYCONF_DECRYPT_KEY],
				    "decrypt-key was installed before on this device: a key is used once");
		return -EEXIST;
	}
	return 0;
}

static u32 nla_get_u32_or(const struct nlattr *a, u32 def)
{
	return a ? nla_get_u32(a) : def;
}

int xmesh_nl_key_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *kc[XMESH_A_KEYCONF_MAX + 1];
	struct nlattr *tb[XMESH_A_PEER_MAX + 1];
	struct xmesh_keyslot *ks;
	struct xmesh_peer *peer;
	struct xmesh_dp *dp;
	u64 rekey = 0;
	int err;

	dp = lock_peer(info, tb, &peer, &err);
	if (!dp)
		return err;
	err = parse_keyconf(info, tb, kc, true);
	if (err)
		goto out;
	err = check_fresh_keys(dp, kc, info->extack);
	if (err)
		goto out;
	if (kc[XMESH_A_KEYCONF_REKEY_AFTER])
		rekey = nla_get_u64(kc[XMESH_A_KEYCONF_REKEY_AFTER]);
	ks = xmesh_keyslot_new(nla_data(kc[XMESH_A_KEYCONF_ENCRYPT_KEY]),
			       nla_data(kc[XMESH_A_KEYCONF_DECRYPT_KEY]),
			       nla_get_u32(kc[XMESH_A_KEYCONF_LOCAL_INDEX]),
			       nla_get_u32(kc[XMESH_A_KEYCONF_REMOTE_INDEX]),
			       rekey,
			       nla_get_u32_or(kc[XMESH_A_KEYCONF_REJECT_AFTER_TIME], 0),
			       nla_get_u32_or(kc[XMESH_A_KEYCONF_REKEY_AFTER_TIME], 0));
	if (IS_ERR(ks)) {
		err = PTR_ERR(ks);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "cannot set up the ChaCha20-Poly1305 transform");
		goto out;
	}
	err = xmesh_peer_key_install(peer, nla_get_u32(kc[XMESH_A_KEYCONF_SLOT]),
				     ks);
	if (err) {
		/* Never published: free it now. */
		xmesh_keyslot_free(ks);
		if (err == -EBUSY) {
			err = -EEXIST;
			NL_SET_ERR_MSG_ATTR(info->extack,
					    kc[XMESH_A_KEYCONF_LOCAL_INDEX],
					    "local-index used by another key");
		} else {
			NL_SET_ERR_MSG_MOD(info->extack, "cannot install key");
		}
		goto out;
	}
	xmesh_key_history_add(&dp->key_history,
			      nla_data(kc[XMESH_A_KEYCONF_ENCRYPT_KEY]));
	xmesh_key_history_add(&dp->key_history,
			      nla_data(kc[XMESH_A_KEYCONF_DECRYPT_KEY]));
out:
	xmesh_nl_dp_unlock(dp);
	return err;
}

int xmesh_nl_key_swap_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[XMESH_A_PEER_MAX + 1];
	struct xmesh_peer *peer;
	struct xmesh_dp *dp;
	int err;

	dp = lock_peer(info, tb, &peer, &err);
	if (!dp)
		return err;
	xmesh_peer_key_swap(peer);
	xmesh_nl_dp_unlock(dp);
	return 0;
}

int xmesh_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *kc[XMESH_A_KEYCONF_MAX + 1];
	struct nlattr *tb[XMESH_A_PEER_MAX + 1];
	struct xmesh_peer *peer;
	struct xmesh_dp *dp;
	int err;

	dp = lock_peer(info, tb, &peer, &err);
	if (!dp)
		return err;
	err = parse_keyconf(info, tb, kc, false);
	if (!err) {
		err = xmesh_peer_key_del(peer,
					 nla_get_u32(kc[XMESH_A_KEYCONF_SLOT]));
		if (err)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    kc[XMESH_A_KEYCONF_SLOT],
					    "key slot is empty");
	}
	xmesh_nl_dp_unlock(dp);
	return err;
}
