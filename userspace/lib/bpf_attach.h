/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and attaching the xmesh eBPF fast path (bpf/).
 *
 * Programs are loaded from their skeletons with every map pinned under
 * XM_BPF_PIN_DIR: a map already pinned there is reused, so reloading or
 * attaching to one more interface never resets a counter. Attachments are
 * made through netlink (XDP and clsact TC), outlive the process that made
 * them and are found again by program name, so one process may attach and
 * another detach.
 */
#ifndef XM_BPF_ATTACH_H
#define XM_BPF_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

/* The clsact filter the TC programs are attached as, on both hooks. */
#define XM_BPF_TC_HANDLE	0x786d
#define XM_BPF_TC_PRIORITY	0x786d

/* Program names as the kernel reports them. */
#define XM_BPF_XDP_PROG_NAME	"xmesh_xdp_relay"
#define XM_BPF_TC_TX_PROG_NAME	"xmesh_tc_tx"
#define XM_BPF_TC_RX_PROG_NAME	"xmesh_tc_rx"

/*
 * Where the maps are pinned: XM_BPF_PIN_DIR, or $XMESH_BPF_PIN_DIR when it
 * names another directory directly under /sys/fs/bpf/ (tests, or a second
 * instance on one host).
 */
const char *xm_bpf_pin_dir(void);

/* Mounts bpffs on /sys/fs/bpf if needed and creates the pin directory. */
int xm_bpf_fs_prepare(void);

/* Creates every pinned map that is missing (loads both objects once). */
int xm_bpf_maps_prepare(void);

/*
 * XDP relay on an underlay interface, in native (driver) mode unless
 * skb_mode. Replaces an xmesh program already there; refuses (-EBUSY) to
 * replace anyone else's.
 */
int xm_bpf_xdp_attach(int ifindex, bool skb_mode);
/* -ENOENT when no xmesh XDP program is attached there. */
int xm_bpf_xdp_detach(int ifindex);

/* Metering on a tenant-facing interface: ingress (tx) and egress (rx). */
int xm_bpf_tc_attach(int ifindex);
/* -ENOENT when neither direction had an xmesh program. */
int xm_bpf_tc_detach(int ifindex);

struct xm_bpf_ifstate {
	uint32_t xdp_prog_id;		/* 0: none (or not ours) */
	bool xdp_skb_mode;
	uint32_t tc_tx_prog_id;		/* 0: none */
	uint32_t tc_rx_prog_id;
};

int xm_bpf_query(int ifindex, struct xm_bpf_ifstate *st);

#endif /* XM_BPF_ATTACH_H */
