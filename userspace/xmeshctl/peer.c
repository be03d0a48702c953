// SPDX-License-Identifier: GPL-2.0
/*
 * Peers and their session keys in the module: `xmeshctl peer ...` and
 * `xmeshctl key ...`. Keys go in and never come back: listings show a key
 * slot by its receiver indexes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kobj.h"

#define MAX_PEERS (1u << 20)

struct peer_info {
	uint64_t node_id;
	bool has_ep;
	struct kobj_endpoint ep;
	struct {
		bool present;
		uint32_t local_index, remote_index;
		uint64_t rekey_after;
	} slot[2];
	uint64_t stats[KOBJ_NSTATS];
};

struct peer_list {
	struct peer_info *v;
	size_t n, cap;
};

static int parse_keyconf(const struct nlattr *nest, struct peer_info *p)
{
	const struct nlattr *tb[XMESH_A_KEYCONF_MAX + 1];
	uint32_t slot;

	if (kobj_parse_nest(nest, tb, XMESH_A_KEYCONF_MAX))
		return -EBADMSG;
	slot = kobj_u32(tb[XMESH_A_KEYCONF_SLOT], UINT32_MAX);
	if (slot > XMESH_KEY_SLOT_SECONDARY)
		return -EBADMSG;
	p->slot[slot].present = true;
	p->slot[slot].local_index = kobj_u32(tb[XMESH_A_KEYCONF_LOCAL_INDEX], 0);
	p->slot[slot].remote_index = kobj_u32(tb[XMESH_A_KEYCONF_REMOTE_INDEX], 0);
	p->slot[slot].rekey_after = kobj_u64(tb[XMESH_A_KEYCONF_REKEY_AFTER], 0);
	return 0;
}

static int parse_peer(const struct nlattr *nest, struct peer_info *p)
{
	const struct nlattr *tb[XMESH_A_PEER_MAX + 1];
	const struct nlattr *a, *port;

	memset(p, 0, sizeof(*p));
	if (kobj_parse_nest(nest, tb, XMESH_A_PEER_MAX))
		return -EBADMSG;
	p->node_id = kobj_u64(tb[XMESH_A_PEER_NODE_ID], 0);
	if (!p->node_id)
		return -EBADMSG;
	port = tb[XMESH_A_PEER_REMOTE_PORT];
	if (port && !mnl_attr_validate(port, MNL_TYPE_U16)) {
		p->ep.port = ntohs(mnl_attr_get_u16(port));
		if ((a = tb[XMESH_A_PEER_REMOTE_IPV4]) && mnl_attr_get_payload_len(a) == 4) {
			p->ep.family = AF_INET;
			memcpy(p->ep.addr, mnl_attr_get_payload(a), 4);
			p->has_ep = true;
		} else if ((a = tb[XMESH_A_PEER_REMOTE_IPV6]) && mnl_attr_get_payload_len(a) == 16) {
			p->ep.family = AF_INET6;
			memcpy(p->ep.addr, mnl_attr_get_payload(a), 16);
			p->has_ep = true;
		}
	}
	/* keyconf repeats, one per slot: walk the nest for every one. */
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == XMESH_A_PEER_KEYCONF && parse_keyconf(a, p))
			return -EBADMSG;
	}
	return kobj_get_stats(tb[XMESH_A_PEER_STATS], p->stats);
}

static int peer_cb(const struct nlmsghdr *nlh, const struct genlmsghdr *genl, void *data)
{
	const struct nlattr *tb[XMESH_A_DEV_MAX + 1];
	struct peer_list *l = data;
	int err;

	(void)genl;
	if (kobj_parse_top(nlh, tb) || !tb[XMESH_A_DEV_PEER])
		return -EBADMSG;
	err = KOBJ_RESERVE(l, 16, MAX_PEERS);
	if (err)
		return err;
	if (parse_peer(tb[XMESH_A_DEV_PEER], &l->v[l->n]))
		return -EBADMSG;
	l->n++;
	return MNL_CB_OK;
}

static void peer_reset(void *data)
{
	((struct peer_list *)data)->n = 0;
}

static void peer_print(const struct peer_info *p, struct json_writer *w, bool json)
{
	static const char *const slot_names[] = { "primary", "secondary" };
	char ep[INET6_ADDRSTRLEN + 16];

	if (p->has_ep)
		kobj_endpoint_text(&p->ep, ep, sizeof(ep));
	if (!json) {
		printf("peer: 0x%016" PRIx64 "\n", p->node_id);
		printf("  endpoint: %s\n", p->has_ep ? ep : "(none)");
		for (int i = 0; i < 2; i++)
			if (p->slot[i].present)
				printf("  key %s: local index %u, remote index %u\n", slot_names[i],
				       p->slot[i].local_index, p->slot[i].remote_index);
		kobj_print_stats("  ", p->stats);
		return;
	}
	json_obj_start(w);
	kobj_json_node(w, "node_id", p->node_id);
	if (p->has_ep)
		json_kv_str(w, "endpoint", ep);
	else
		json_kv_null(w, "endpoint");
	json_key(w, "keys");
	json_arr_start(w);
	for (int i = 0; i < 2; i++) {
		if (!p->slot[i].present)
			continue;
		json_obj_start(w);
		json_kv_str(w, "slot", slot_names[i]);
		json_kv_u64(w, "local_index", p->slot[i].local_index);
		json_kv_u64(w, "remote_index", p->slot[i].remote_index);
		json_kv_u64(w, "rekey_after", p->slot[i].rekey_after);
		json_obj_end(w);
	}
	json_arr_end(w);
	kobj_json_stats(w, "stats", p->stats);
	json_obj_end(w);
}

int ctl_peer_list(struct ctl_genl *c, const char *dev, const uint64_t *only,
		  const struct xmeshctl_opts *o, struct json_writer *w, bool nested)
{
	struct peer_list l = { NULL, 0, 0 };
	int ret;

	if (only) {
		struct nlmsghdr *nlh = kobj_msg(c, XMESH_CMD_PEER_GET, dev);
		struct nlattr *nest = mnl_attr_nest_start(nlh, XMESH_A_DEV_PEER);

		mnl_attr_put_u64(nlh, XMESH_A_PEER_NODE_ID, *only);
		mnl_attr_nest_end(nlh, nest);
		ret = kobj_query(c, nlh, peer_cb, &l, "peer show");
	} else {
		ret = kobj_dump(c, XMESH_CMD_PEER_GET, dev, peer_cb, peer_reset, &l, "peer list");
	}
	if (ret)
		goto out;
	if (!nested)
		kobj_json_begin(w, o);
	for (size_t i = 0; i < l.n; i++)
		peer_print(&l.v[i], w, o->json);
	if (o->json && !nested)
		ret = kobj_json_finish(w);
out:
	free(l.v);
	return ret;
}

/* One peer in `xmeshctl show`, as `wg show` has it: who, where, keys, transfer. */
static void peer_print_summary(const struct peer_info *p)
{
	static const char *const slot_names[] = { "primary", "secondary" };
	char ep[INET6_ADDRSTRLEN + 16];

	printf("\npeer: 0x%016" PRIx64 "\n", p->node_id);
	if (p->has_ep) {
		kobj_endpoint_text(&p->ep, ep, sizeof(ep));
		printf("  endpoint: %s\n", ep);
	} else {
		printf("  endpoint: (none)\n");
	}
	for (int i = 0; i < 2; i++)
		if (p->slot[i].present)
			printf("  key %s: local index %u, remote index %u\n", slot_names[i],
			       p->slot[i].local_index, p->slot[i].remote_index);
	printf("  transfer: %" PRIu64 " packets (%" PRIu64 " bytes) received, %" PRIu64
	       " packets (%" PRIu64 " bytes) sent\n",
	       p->stats[XMESH_A_STATS_RX_PACKETS - 1], p->stats[XMESH_A_STATS_RX_BYTES - 1],
	       p->stats[XMESH_A_STATS_TX_PACKETS - 1], p->stats[XMESH_A_STATS_TX_BYTES - 1]);
}

int ctl_peer_show(struct ctl_genl *c, const char *dev, const struct xmeshctl_opts *o,
		  struct json_writer *w)
{
	struct peer_list l = { NULL, 0, 0 };
	int ret;

	ret = kobj_dump(c, XMESH_CMD_PEER_GET, dev, peer_cb, peer_reset, &l, "show");
	if (ret)
		goto out;
	if (o->json) {
		json_key(w, "peers");
		json_arr_start(w);
	}
	for (size_t i = 0; i < l.n; i++) {
		if (o->json)
			peer_print(&l.v[i], w, true);
		else
			peer_print_summary(&l.v[i]);
	}
	if (o->json)
		json_arr_end(w);
out:
	free(l.v);
	return ret;
}

/* add/set: [endpoint HOST:PORT] [keepalive SECONDS]; set needs one. */
static int peer_change(struct ctl_genl *c, uint8_t cmd, const char *dev, uint64_t id,
		       int argc, char **argv, const struct xmeshctl_opts *o)
{
	struct kobj_endpoint ep = { .family = 0 };
	uint64_t keepalive = UINT64_MAX;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	for (int i = 0; i < argc; i += 2) {
		if (i + 1 < argc && !strcmp(argv[i], "keepalive")) {
			if (ctl_parse_u64(argv[i + 1], 3600, &keepalive))
				return ctl_usage_err(o, "peer: bad keepalive '%s' (0..3600 s)",
						     argv[i + 1]);
			continue;
		}
		if (strcmp(argv[i], "endpoint") || i + 1 >= argc)
			return ctl_usage_err(o, "peer: expected 'endpoint HOST:PORT' or "
						"'keepalive SECONDS', got '%s'", argv[i]);
		if (kobj_parse_endpoint(argv[i + 1], &ep))
			return ctl_usage_err(o, "peer: bad endpoint '%s' (A.B.C.D:PORT or [V6]:PORT)",
					     argv[i + 1]);
	}
	if (cmd == XMESH_CMD_PEER_SET && !ep.family && keepalive == UINT64_MAX)
		return ctl_usage_err(o, "peer set: nothing to set");
	nlh = kobj_msg(c, cmd, dev);
	nest = mnl_attr_nest_start(nlh, XMESH_A_DEV_PEER);
	mnl_attr_put_u64(nlh, XMESH_A_PEER_NODE_ID, id);
	if (ep.family == AF_INET)
		mnl_attr_put(nlh, XMESH_A_PEER_REMOTE_IPV4, 4, ep.addr);
	else if (ep.family == AF_INET6)
		mnl_attr_put(nlh, XMESH_A_PEER_REMOTE_IPV6, 16, ep.addr);
	if (ep.family)
		mnl_attr_put_u16(nlh, XMESH_A_PEER_REMOTE_PORT, htons(ep.port));
	if (keepalive != UINT64_MAX)
		mnl_attr_put_u16(nlh, XMESH_A_PEER_KEEPALIVE_INTERVAL, (uint16_t)keepalive);
	mnl_attr_nest_end(nlh, nest);
	return kobj_do(c, nlh, cmd == XMESH_CMD_PEER_NEW ? "peer add" : "peer set");
}

int cmd_peer(int argc, char **argv, const struct xmeshctl_opts *o)
{
	const char *act, *dev;
	struct json_writer w;
	struct ctl_genl c;
	uint64_t id = 0;
	int ret;

	ret = kobj_action_dev(argc, argv, o, &act, &dev);
	if (ret)
		return ret;
	if (strcmp(act, "list")) {
		if (argc < 4 || kobj_parse_node(argv[3], &id))
			return ctl_usage_err(o, "peer %s: need a node id (1..2^64-1)", act);
	} else if (argc > 3) {
		return ctl_usage_err(o, "peer list: unexpected argument '%s'", argv[3]);
	}
	if (strcmp(act, "add") && strcmp(act, "set") && strcmp(act, "del") &&
	    strcmp(act, "list") && strcmp(act, "show"))
		return ctl_usage_err(o, "peer: unknown action '%s'", act);
	if ((!strcmp(act, "del") || !strcmp(act, "show")) && argc > 4)
		return ctl_usage_err(o, "peer %s: unexpected argument '%s'", act, argv[4]);
	ret = ctl_genl_open(&c);
	if (ret)
		return ret;
	if (!strcmp(act, "list") || !strcmp(act, "show")) {
		ret = ctl_peer_list(&c, dev, strcmp(act, "list") ? &id : NULL, o, &w, false);
	} else if (!strcmp(act, "del")) {
		struct nlmsghdr *nlh = kobj_msg(&c, XMESH_CMD_PEER_DEL, dev);
		struct nlattr *nest = mnl_attr_nest_start(nlh, XMESH_A_DEV_PEER);

		mnl_attr_put_u64(nlh, XMESH_A_PEER_NODE_ID, id);
		mnl_attr_nest_end(nlh, nest);
		ret = kobj_do(&c, nlh, "peer del");
	} else {
		ret = peer_change(&c, !strcmp(act, "add") ? XMESH_CMD_PEER_NEW : XMESH_CMD_PEER_SET,
				  dev, id, argc - 4, argv + 4, o);
	}
	ctl_genl_close(&c);
	return ret;
}

static int parse_slot(const char *s, uint32_t *slot)
{
	if (!strcmp(s, "primary"))
		*slot = XMESH_KEY_SLOT_PRIMARY;
	else if (!strcmp(s, "secondary"))
		*slot = XMESH_KEY_SLOT_SECONDARY;
	else
		return -EINVAL;
	return 0;
}

struct key_args {
	uint32_t slot;
	uint64_t local_index, remote_index, rekey_after, reject_time, rekey_time;
	uint8_t enc[32], dec[32];
	bool has_enc, has_dec;
};

static int parse_key_args(int argc, char **argv, const struct xmeshctl_opts *o,
			  struct key_args *k)
{
	for (int i = 0; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int err = 0;

		if (!val)
			return ctl_usage_err(o, "key set: '%s' needs a value", key);
		if (!strcmp(key, "local-index"))
			err = ctl_parse_u64(val, UINT32_MAX, &k->local_index);
		else if (!strcmp(key, "remote-index"))
			err = ctl_parse_u64(val, UINT32_MAX, &k->remote_index);
		else if (!strcmp(key, "rekey-after"))
			err = ctl_parse_u64(val, UINT64_MAX, &k->rekey_after);
		else if (!strcmp(key, "reject-after-time"))
			err = ctl_parse_u64(val, UINT32_MAX, &k->reject_time);
		else if (!strcmp(key, "rekey-after-time"))
			err = ctl_parse_u64(val, UINT32_MAX, &k->rekey_time);
		else if (!strcmp(key, "encrypt-key"))
			err = kobj_parse_key(val, k->enc), k->has_enc = true;
		else if (!strcmp(key, "decrypt-key"))
			err = kobj_parse_key(val, k->dec), k->has_dec = true;
		else
			return ctl_usage_err(o, "key set: unknown setting '%s'", key);
		if (err)
			return ctl_usage_err(o, "key set: bad %s '%s'", key, val);
	}
	if (!k->local_index || !k->remote_index || !k->has_enc || !k->has_dec)
		return ctl_usage_err(o, "key set: need local-index, remote-index (1..2^32-1), "
					"encrypt-key and decrypt-key (64 hex digits)");
	return 0;
}

int cmd_key(int argc, char **argv, const struct xmeshctl_opts *o)
{
	struct key_args k = { .slot = 0 };
	struct nlattr *nest, *kc;
	struct nlmsghdr *nlh;
	const char *act, *dev;
	struct ctl_genl c;
	uint64_t id;
	uint8_t cmd;
	int ret;

	if (argc < 4)
		return ctl_usage_err(o, "key: need an action, a device and a node id");
	ret = kobj_action_dev(argc, argv, o, &act, &dev);
	if (ret)
		return ret;
	if (kobj_parse_node(argv[3], &id))
		return ctl_usage_err(o, "key: bad node id '%s'", argv[3]);
	if (!strcmp(act, "swap")) {
		if (argc > 4)
			return ctl_usage_err(o, "key swap: unexpected argument '%s'", argv[4]);
		cmd = XMESH_CMD_KEY_SWAP;
	} else if (!strcmp(act, "set") || !strcmp(act, "del")) {
		if (argc < 5 || parse_slot(argv[4], &k.slot))
			return ctl_usage_err(o, "key %s: need a slot: primary or secondary", act);
		if (!strcmp(act, "set")) {
			ret = parse_key_args(argc - 5, argv + 5, o, &k);
			if (ret)
				return ret;
			cmd = XMESH_CMD_KEY_NEW;
		} else {
			if (argc > 5)
				return ctl_usage_err(o, "key del: unexpected argument '%s'", argv[5]);
			cmd = XMESH_CMD_KEY_DEL;
		}
	} else {
		return ctl_usage_err(o, "key: unknown action '%s'", act);
	}
	ret = ctl_genl_open(&c);
	if (ret)
		return ret;
	nlh = kobj_msg(&c, cmd, dev);
	nest = mnl_attr_nest_start(nlh, XMESH_A_DEV_PEER);
	mnl_attr_put_u64(nlh, XMESH_A_PEER_NODE_ID, id);
	if (cmd != XMESH_CMD_KEY_SWAP) {
		kc = mnl_attr_nest_start(nlh, XMESH_A_PEER_KEYCONF);
		mnl_attr_put_u32(nlh, XMESH_A_KEYCONF_SLOT, k.slot);
		if (cmd == XMESH_CMD_KEY_NEW) {
			mnl_attr_put_u32(nlh, XMESH_A_KEYCONF_LOCAL_INDEX, (uint32_t)k.local_index);
			mnl_attr_put_u32(nlh, XMESH_A_KEYCONF_REMOTE_INDEX, (uint32_t)k.remote_index);
			mnl_attr_put(nlh, XMESH_A_KEYCONF_ENCRYPT_KEY, 32, k.enc);
			mnl_attr_put(nlh, XMESH_A_KEYCONF_DECRYPT_KEY, 32, k.dec);
			if (k.rekey_after)
				mnl_attr_put_u64(nlh, XMESH_A_KEYCONF_REKEY_AFTER, k.rekey_after);
			/* Range checked by the module, which says why in its extack. */
			if (k.reject_time)
				mnl_attr_put_u32(nlh, XMESH_A_KEYCONF_REJECT_AFTER_TIME,
						 (uint32_t)k.reject_time);
			if (k.rekey_time)
				mnl_attr_put_u32(nlh, XMESH_A_KEYCONF_REKEY_AFTER_TIME,
						 (uint32_t)k.rekey_time);
		}
		mnl_attr_nest_end(nlh, kc);
	}
	mnl_attr_nest_end(nlh, nest);
	ret = kobj_do(&c, nlh, cmd == XMESH_CMD_KEY_NEW ? "key set" :
			       cmd == XMESH_CMD_KEY_DEL ? "key del" : "key swap");
	/* The request held key material: wipe the transmit buffer. */
	explicit_bzero(c.nl.txbuf, sizeof(c.nl.txbuf));
	explicit_bzero(&k, sizeof(k));
	ctl_genl_close(&c);
	return ret;
}
