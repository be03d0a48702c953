/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xmeshctl: one CLI for the xmesh kernel module (generic netlink family
 * "xmesh") and the xmeshd daemon (its local control socket).
 *
 * A command group is one function cmd_NAME() in its own file, listed in the
 * table of main.c. It gets the arguments after its name (argv[0] is the
 * group name) and returns the process exit status: one of enum xmeshctl_exit.
 */
#ifndef XMESHCTL_H
#define XMESHCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "json_writer.h"
#include "nl_genl.h"

#define XMESHCTL_VERSION "0.1.0"

/*
 * Exit statuses, one per failure class; scripts and tests rely on them, so
 * never renumber (Documentation/xmeshctl.md lists them).
 */
enum xmeshctl_exit {
	XMESHCTL_EXIT_OK = 0,
	XMESHCTL_EXIT_FAIL = 1,	    /* any other error */
	XMESHCTL_EXIT_USAGE = 2,    /* bad usage or a bad value (ours or the kernel's verdict) */
	XMESHCTL_EXIT_NODEV = 3,    /* no such (xmesh) device */
	XMESHCTL_EXIT_NOMODULE = 4, /* generic netlink family "xmesh" absent */
	XMESHCTL_EXIT_PERM = 5,	    /* permission denied (needs CAP_NET_ADMIN / root) */
	XMESHCTL_EXIT_NODAEMON = 6, /* xmeshd control socket not reachable */
	XMESHCTL_EXIT_NOTFOUND = 7, /* no such object (peer, route, tenant, key) */
};

struct xmeshctl_cmd;

struct xmeshctl_opts {
	bool json;			/* --json: JSON on stdout */
	bool pretty;			/* --pretty: indented JSON */
	const struct xmeshctl_cmd *cmd; /* the command being run */
};

typedef int (*xmeshctl_cmd_fn)(int argc, char **argv, const struct xmeshctl_opts *o);

struct xmeshctl_cmd {
	const char *name;
	xmeshctl_cmd_fn fn;
	const char *args;    /* synopsis after the name, "" for none */
	const char *summary; /* one line for the command list */
	const char *help;    /* longer text for `xmeshctl help NAME`, or NULL */
};

/* Command groups (one file each). */
int cmd_show(int argc, char **argv, const struct xmeshctl_opts *o); /* dev.c */
int cmd_set(int argc, char **argv, const struct xmeshctl_opts *o);  /* dev.c */
/* The xmeshd daemon over its control socket (daemon.c). */
int cmd_node(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_peers(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_lookup(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_services(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_routes(int argc, char **argv, const struct xmeshctl_opts *o);
int cmd_bpf(int argc, char **argv, const struct xmeshctl_opts *o); /* bpf.c */

/* Messages (main.c): "xmeshctl: ..." on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error of o->cmd: message, its synopsis; returns XMESHCTL_EXIT_USAGE. */
int ctl_usage_err(const struct xmeshctl_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Is s "-h", "--help" or "help"? */
bool ctl_is_help(const char *s);
/* Print o->cmd's help on stdout; returns XMESHCTL_EXIT_OK. */
int ctl_cmd_help(const struct xmeshctl_opts *o);

/* Value parsers (parse.c): 0, or -EINVAL (syntax) / -ERANGE (range). */
/* Decimal, or hexadecimal with 0x; no sign, no spaces; at most max. */
int ctl_parse_u64(const char *s, uint64_t max, uint64_t *v);
/* Decimal only, at most max. */
int ctl_parse_dec(const char *s, uint64_t max, uint64_t *v);
/* A valid interface name: 1..15 bytes, no '/', ':' or white space, not . or .. */
int ctl_check_ifname(const char *s);
/* Text of a parse error for "KEYWORD VALUE". */
const char *ctl_parse_strerror(int err);

/* The xmesh family over generic netlink (genl.c). */
struct ctl_genl {
	struct nl_genl nl;
	struct nl_genl_family fam;
};

/* Open the socket and resolve "xmesh"; on failure prints why and returns the exit status. */
int ctl_genl_open(struct ctl_genl *c);
void ctl_genl_close(struct ctl_genl *c);
/* A message of the xmesh family in the socket's transmit buffer. */
struct nlmsghdr *ctl_genl_msg(struct ctl_genl *c, uint8_t cmd);
/*
 * Report a failed request on stderr as "xmeshctl: WHAT: reason" (the
 * kernel's extack message when there is one, and the attribute it points at
 * when name_attr can name it) and return the exit status for err.
 */
int ctl_genl_fail(struct ctl_genl *c, int err, const char *what, const struct nlmsghdr *req,
		  const char *(*name_attr)(uint16_t type));
/* The exit status for a -errno from the kernel. */
int ctl_exit_for_errno(int err);

#endif /* XMESHCTL_H */
