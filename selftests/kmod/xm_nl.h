/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink plumbing of the xmesh kernel selftests (libmnl): one request at a
 * time, with the kernel's extended ack (message, offending attribute,
 * missing attribute) kept for the test to check.
 */
#ifndef XM_NL_H
#define XM_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* Small on purpose: a dump of many devices must come in several parts. */
#define XM_NL_BUF_SIZE 8192

struct xm_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;		/* generic netlink family id, or 0 */
	unsigned int parts;		/* recv() calls of the last request */
	unsigned int msgs;		/* data messages of the last request */
	/* Extended ack of the last failed request. */
	char ext_msg[256];
	bool has_ext_msg;
	bool has_ext_offs;
	uint32_t ext_offs;		/* offset of the bad attribute in the request */
	bool has_ext_miss;
	uint32_t ext_miss_type;		/* type of a missing attribute */
	char tx[XM_NL_BUF_SIZE];
	char rx[XM_NL_BUF_SIZE];
};

/* Called for every data message of a reply; returns MNL_CB_OK/ERROR. */
typedef int (*xm_nl_cb)(const struct nlmsghdr *nlh, void *data);

/* Open a socket of @bus (NETLINK_ROUTE or NETLINK_GENERIC) with extack. */
int xm_nl_open(struct xm_nl *nl, int bus);
void xm_nl_close(struct xm_nl *nl);

/* A request with a fresh sequence number in nl->tx. */
struct nlmsghdr *xm_nl_msg(struct xm_nl *nl, uint16_t type, uint16_t flags);

/*
 * Send @req and read the reply to its end (the ack, or NLMSG_DONE of a
 * dump), calling @cb for each data message. Returns 0 or the -errno the
 * kernel answered; the extended ack is in nl->ext_*.
 */
int xm_nl_talk(struct xm_nl *nl, struct nlmsghdr *req, xm_nl_cb cb, void *data);

/* Generic netlink: resolve @name into nl->family. Returns 0 or -errno. */
int xm_genl_open(struct xm_nl *nl, const char *name);
/* A request of nl->family in nl->tx. */
struct nlmsghdr *xm_genl_msg(struct xm_nl *nl, uint8_t cmd, uint16_t flags);

/* The top-level attributes of a generic netlink message, by type. */
int xm_genl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned int max);

#endif /* XM_NL_H */
