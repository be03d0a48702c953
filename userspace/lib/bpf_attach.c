// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the xmesh BPF objects with pinned maps and attaching them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "bpf_attach.h"
#include "xmesh_bpf.h"
#include "xmesh_tc.skel.h"
#include "xmesh_xdp.skel.h"

#define BPF_FS_ROOT "/sys/fs/bpf"
#define BPF_FS_MAGIC_NUMBER 0xcafe4a11

const char *xm_bpf_pin_dir(void)
{
	static const char root[] = BPF_FS_ROOT "/";
	const char *env = getenv("XMESH_BPF_PIN_DIR");
	const char *name;

	if (!env || strncmp(env, root, sizeof(root) - 1))
		return XM_BPF_PIN_DIR;
	name = env + sizeof(root) - 1;
	if (!*name || strlen(name) > 64 || strchr(name, '/') || name[0] == '.')
		return XM_BPF_PIN_DIR;
	return env;
}

int xm_bpf_fs_prepare(void)
{
	struct statfs st;

	if (statfs(BPF_FS_ROOT, &st) < 0)
		return -errno;
	if ((unsigned long)st.f_type != BPF_FS_MAGIC_NUMBER &&
	    mount("bpf", BPF_FS_ROOT, "bpf", 0, "mode=0700") < 0)
		return -errno;
	if (mkdir(xm_bpf_pin_dir(), 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Every map of obj is pinned as <pin dir>/<map name>, or reused. */
static int pin_maps(struct bpf_object *obj)
{
	struct bpf_map *map;
	char path[128];
	int err;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", xm_bpf_pin_dir(),
			     bpf_map__name(map)) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

static struct xmesh_xdp *xdp_load(void)
{
	struct xmesh_xdp *skel;
	int err;

	err = xm_bpf_fs_prepare();
	if (err) {
		errno = -err;
		return NULL;
	}
	skel = xmesh_xdp__open();
	if (!skel)
		return NULL;
	err = pin_maps(skel->obj);
	if (!err)
		err = xmesh_xdp__load(skel);
	if (err) {
		xmesh_xdp__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

static struct xmesh_tc *tc_load(void)
{
	struct xmesh_tc *skel;
	int err;

	err = xm_bpf_fs_prepare();
	if (err) {
		errno = -err;
		return NULL;
	}
	skel = xmesh_tc__open();
	if (!skel)
		return NULL;
	err = pin_maps(skel->obj);
	if (!err)
		err = xmesh_tc__load(skel);
	if (err) {
		xmesh_tc__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

int xm_bpf_maps_prepare(void)
{
	struct xmesh_xdp *xdp;
	struct xmesh_tc *tc;

	xdp = xdp_load();
	if (!xdp)
		return -errno;
	xmesh_xdp__destroy(xdp);
	tc = tc_load();
	if (!tc)
		return -errno;
	xmesh_tc__destroy(tc);
	return 0;
}

/* Does the program with this id carry this name? */
static bool prog_is(uint32_t id, const char *name)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	bool ret = false;
	int fd;

	if (!id)
		return false;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		ret = !strncmp(info.name, name, sizeof(info.name));
	close(fd);
	return ret;
}

/* The XDP program attached to ifindex, whatever its mode; 0 for none. */
static int xdp_current(int ifindex, uint32_t *id, bool *skb_mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	*id = q.prog_id;
	*skb_mode = q.attach_mode == XDP_ATTACHED_SKB;
	return 0;
}

int xm_bpf_xdp_attach(int ifindex, bool skb_mode)
{
	uint32_t flags = skb_mode ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	struct xmesh_xdp *skel;
	uint32_t cur;
	bool cur_skb;
	int err;

	err = xdp_current(ifindex, &cur, &cur_skb);
	if (err)
		return err;
	if (cur && !prog_is(cur, XM_BPF_XDP_PROG_NAME))
		return -EBUSY;
	/* A program in the other mode must go first: the kernel refuses both. */
	if (cur && cur_skb != skb_mode) {
		err = bpf_xdp_detach(ifindex, cur_skb ? XDP_FLAGS_SKB_MODE :
				     XDP_FLAGS_DRV_MODE, NULL);
		if (err)
			return err;
	}

	skel = xdp_load();
	if (!skel)
		return -errno;
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.xmesh_xdp_relay),
			     flags, NULL);
	xmesh_xdp__destroy(skel);
	return err;
}

int xm_bpf_xdp_detach(int ifindex)
{
	uint32_t cur;
	bool skb;
	int err;

	err = xdp_current(ifindex, &cur, &skb);
	if (err)
		return err;
	if (!prog_is(cur, XM_BPF_XDP_PROG_NAME))
		return -ENOENT;
	return bpf_xdp_detach(ifindex, skb ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
			      NULL);
}

static void tc_hook(struct bpf_tc_hook *hook, int ifindex, enum bpf_tc_attach_point at)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = at;
}

static int tc_attach_one(int ifindex, enum bpf_tc_attach_point at, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XM_BPF_TC_HANDLE,
		    .priority = XM_BPF_TC_PRIORITY, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	struct bpf_tc_hook hook;

	tc_hook(&hook, ifindex, at);
	return bpf_tc_attach(&hook, &opts);
}

int xm_bpf_tc_attach(int ifindex)
{
	struct bpf_tc_hook hook;
	struct xmesh_tc *skel;
	int err;

	/* One clsact qdisc carries both hooks; it may already be there. */
	tc_hook(&hook, ifindex, BPF_TC_INGRESS | BPF_TC_EGRESS);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;

	skel = tc_load();
	if (!skel)
		return -errno;
	err = tc_attach_one(ifindex, BPF_TC_INGRESS, bpf_program__fd(skel->progs.xmesh_tc_tx));
	if (!err) {
		err = tc_attach_one(ifindex, BPF_TC_EGRESS,
				    bpf_program__fd(skel->progs.xmesh_tc_rx));
		if (err)
			xm_bpf_tc_detach(ifindex);
	}
	xmesh_tc__destroy(skel);
	return err;
}

/* Our filter's program id on one hook, 0 when there is none. */
static uint32_t tc_current(int ifindex, enum bpf_tc_attach_point at)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XM_BPF_TC_HANDLE,
		    .priority = XM_BPF_TC_PRIORITY);
	struct bpf_tc_hook hook;

	tc_hook(&hook, ifindex, at);
	if (bpf_tc_query(&hook, &opts))
		return 0;
	return opts.prog_id;
}

static int tc_detach_one(int ifindex, enum bpf_tc_attach_point at)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XM_BPF_TC_HANDLE,
		    .priority = XM_BPF_TC_PRIORITY);
	struct bpf_tc_hook hook;

	if (!tc_current(ifindex, at))
		return -ENOENT;
	tc_hook(&hook, ifindex, at);
	return bpf_tc_detach(&hook, &opts);
}

int xm_bpf_tc_detach(int ifindex)
{
	int in, eg;

	/* The clsact qdisc stays: other filters may share it. */
	in = tc_detach_one(ifindex, BPF_TC_INGRESS);
	eg = tc_detach_one(ifindex, BPF_TC_EGRESS);
	if (in && in != -ENOENT)
		return in;
	if (eg && eg != -ENOENT)
		return eg;
	return in && eg ? -ENOENT : 0;
}

int xm_bpf_query(int ifindex, struct xm_bpf_ifstate *st)
{
	uint32_t id;
	bool skb;
	int err;

	memset(st, 0, sizeof(*st));
	err = xdp_current(ifindex, &id, &skb);
	if (err)
		return err;
	if (prog_is(id, XM_BPF_XDP_PROG_NAME)) {
		st->xdp_prog_id = id;
		st->xdp_skb_mode = skb;
	}
	st->tc_tx_prog_id = tc_current(ifindex, BPF_TC_INGRESS);
	st->tc_rx_prog_id = tc_current(ifindex, BPF_TC_EGRESS);
	return 0;
}
