// SPDX-License-Identifier: GPL-2.0
/*
 * xmeshctl: global options and dispatch to the command groups.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/xmesh.h>

#include "xmeshctl.h"
#include "kobj.h"

/*
 * The command groups. To add one (bpf, node, peers, lookup, services,
 * peer, route, nexthop, tenant, stats, monitor, ...): write
 * `int cmd_NAME(int argc, char **argv, const struct xmeshctl_opts *o)` in
 * its own file (bpf.c for the eBPF maps, daemon.c for the xmeshd control
 * socket, one file per kernel object kind), declare it in xmeshctl.h and
 * add its one-line entry below. The Makefile builds every .c of this
 * folder; nothing else needs to change. A command returns an exit status
 * of enum xmeshctl_exit, writes JSON on stdout when o->json is set, and
 * parses all its arguments before it sends anything.
 */
static const struct xmeshctl_cmd commands[] = {
    {"show", cmd_show, "[DEV]", "show all xmesh devices, or one",
     "Shows each xmesh device: interface name, node id (hexadecimal), UDP\n"
     "listening port, MTU and flags. With --json: an array of objects.\n"},
    {"set", cmd_set, "DEV [listen-port PORT] [node-id ID] [mtu MTU] [flags FLAGS] [fwmark MARK]",
     "change settings of an xmesh device",
     "  listen-port PORT  UDP port of the data plane, 0..65535 (0 = closed)\n"
     "  node-id ID        this node's id: decimal or 0x-hexadecimal, 1..2^64-1\n"
     "  mtu MTU           MTU of the overlay device (the module enforces 1280..65000)\n"
     "  flags FLAGS       comma-separated flags (relay), or none\n"
     "  fwmark MARK       mark of the encapsulated packets on the underlay, 0 = none\n"
     "Settings not given are left as they are. Needs CAP_NET_ADMIN.\n"},
    {"bpf", cmd_bpf,
     "attach xdp DEV [skb] | attach tc DEV TENANT | detach xdp|tc DEV | show [DEV] | stats [tenant "
     "ID]",
     "the eBPF fast path: attach, detach, show, counters",
     "  attach xdp DEV [skb]   XDP relay on an underlay interface (native mode\n"
     "                         unless skb); it relays frames to DEV's MAC and\n"
     "                         addresses as they are now (attach again after\n"
     "                         an address change)\n"
     "  attach tc DEV TENANT   TC meter on a tenant-facing interface, owned by\n"
     "                         TENANT (u32)\n"
     "  detach xdp|tc DEV      remove it (counters are kept)\n"
     "  show [DEV]             interfaces with xmesh programs attached\n"
     "  stats [tenant ID]      XDP verdicts, TC events and per-tenant counters\n"
     "Maps are pinned under /sys/fs/bpf/xmesh/ (see Documentation/bpf.md).\n"
     "Needs root.\n"},
    {"node", cmd_node, "", "this node as xmeshd sees it: id, kernel, counters",
     "Node id, public key, endpoints, whether the xmesh module is driven or the\n"
     "daemon runs as control plane only, and the envelope's drop counters by\n"
     "reason. Talks to xmeshd ($XMESHD_SOCKET or /run/xmesh/xmeshd.sock).\n"},
    {"peers", cmd_peers, "", "nodes xmeshd knows: DHT contacts, neighbours, sessions", NULL},
    {"lookup", cmd_lookup, "KEY", "find a service by name, or a node by its 64-hex-digit id",
     "Runs an iterative Kademlia lookup in xmeshd. Exit status 7 when nothing\n"
     "was found.\n"},
    {"services", cmd_services, "", "service records this node stores", NULL},
    {"routes", cmd_routes, "", "mesh routes selected by xmeshd", NULL},
    {"peer", cmd_peer, "add|set|del|show|list DEV [NODE] [endpoint HOST:PORT]",
     "peers of a device in the module", KOBJ_PEER_HELP},
    {"key", cmd_key, "set|del|swap DEV NODE [SLOT] [SETTINGS...]",
     "session keys of a peer (write-only)", KOBJ_KEY_HELP},
    {"route", cmd_route, "add|del|list|load|unload DEV [PREFIX node NODE | FILE]",
     "overlay prefix -> destination node", KOBJ_ROUTE_HELP},
    {"nexthop", cmd_nexthop, "add|del|list DEV [DST via VIA [metric M]]",
     "destination node -> next-hop peer", KOBJ_NEXTHOP_HELP},
    {"tenant", cmd_tenant,
     "add|set|del|show|list DEV [ID] [prefix P]... [ingress IF]... [rate BPS] [burst B] [budget B]",
     "tenants: prefixes, rate limit, budget", KOBJ_TENANT_HELP},
    {"stats", cmd_stats, "DEV", "counters of a device, its peers and tenants", NULL},
    {"monitor", cmd_monitor, "[event NAME] [count N] [timeout SEC]",
     "print the module's events as they come", NULL},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

__attribute__((format(printf, 1, 0))) static void verr(const char *fmt, va_list ap)
{
	fputs("xmeshctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
}

int ctl_usage_err(const struct xmeshctl_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	if (o->cmd)
		fprintf(stderr, "usage: xmeshctl %s %s\n", o->cmd->name, o->cmd->args);
	return XMESHCTL_EXIT_USAGE;
}

bool ctl_is_help(const char *s)
{
	return !strcmp(s, "-h") || !strcmp(s, "--help") || !strcmp(s, "help");
}

static void print_cmd_help(FILE *f, const struct xmeshctl_cmd *c)
{
	fprintf(f, "usage: xmeshctl [OPTIONS] %s %s\n\n  %s\n", c->name, c->args, c->summary);
	if (c->help)
		fprintf(f, "\n%s", c->help);
}

int ctl_cmd_help(const struct xmeshctl_opts *o)
{
	print_cmd_help(stdout, o->cmd);
	return XMESHCTL_EXIT_OK;
}

static void usage(FILE *f)
{
	fputs("usage: xmeshctl [OPTIONS] COMMAND [ARGS]...\n"
	      "\n"
	      "Configure and inspect xmesh overlay devices and the xmeshd daemon.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json     print JSON on stdout instead of text\n"
	      "  -p, --pretty   indent JSON output (implies --json)\n"
	      "  -h, --help     print this help and exit\n"
	      "  -V, --version  print the version and exit\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s %s\n        %s\n", commands[i].name, commands[i].args,
			commands[i].summary);
	fputs("\n"
	      "`xmeshctl help COMMAND` describes a command.\n"
	      "\n"
	      "Exit status: 0 success, 1 other error, 2 bad usage or value, 3 no such\n"
	      "device, 4 xmesh module not loaded, 5 permission denied, 6 xmeshd not\n"
	      "running, 7 no such object.\n",
	      f);
}

static const struct xmeshctl_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int help_cmd(int argc, char **argv)
{
	const struct xmeshctl_cmd *c;

	if (argc < 2) {
		usage(stdout);
		return XMESHCTL_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c || argc > 2) {
		ctl_err("help: no command '%s' (see xmeshctl --help)", argv[1]);
		return XMESHCTL_EXIT_USAGE;
	}
	print_cmd_help(stdout, c);
	return XMESHCTL_EXIT_OK;
}

/*
 * Operators type the output options after the command too, as in
 * `xmeshctl show xmesh0 --json`: take them from anywhere in the command's
 * arguments. No command argument can be spelled like them.
 */
static int take_output_opts(int argc, char **argv, struct xmeshctl_opts *o)
{
	int n = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			o->json = true;
		} else if (!strcmp(argv[i], "--pretty")) {
			o->json = true;
			o->pretty = true;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	return n;
}

/* Output that did not reach its reader is a failure (e.g. a full disk). */
static int finish(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		ctl_err("writing output: %s", strerror(errno));
		if (ret == XMESHCTL_EXIT_OK)
			ret = XMESHCTL_EXIT_FAIL;
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"pretty", no_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct xmeshctl_opts o = {.json = false};
	int opt;

	opterr = 0;
	/* '+': options end at the command; its own arguments are its business. */
	while ((opt = getopt_long(argc, argv, "+jphV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o.json = true;
			break;
		case 'p':
			o.json = true;
			o.pretty = true;
			break;
		case 'h':
			usage(stdout);
			return finish(XMESHCTL_EXIT_OK);
		case 'V':
			printf("xmeshctl %s (xmesh netlink family version %d)\n", XMESHCTL_VERSION,
			       XMESH_FAMILY_VERSION);
			return finish(XMESHCTL_EXIT_OK);
		default:
			ctl_err("unknown option '%s' (see xmeshctl --help)", argv[optind - 1]);
			return XMESHCTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		ctl_err("no command given");
		usage(stderr);
		return XMESHCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[0], "help"))
		return finish(help_cmd(argc, argv));
	o.cmd = find_cmd(argv[0]);
	if (!o.cmd) {
		ctl_err("unknown command '%s' (see xmeshctl --help)", argv[0]);
		return XMESHCTL_EXIT_USAGE;
	}
	argc = take_output_opts(argc, argv, &o);
	if (argc == 2 && ctl_is_help(argv[1]))
		return finish(ctl_cmd_help(&o));
	return finish(o.cmd->fn(argc, argv, &o));
}
