/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xmeshd's configuration: an INI file (parsed by libinih) whose every key
 * can be overridden on the command line. Documentation/xmeshd.md lists the
 * keys; config_usage() prints the options.
 */
#ifndef XMESHD_CONFIG_H
#define XMESHD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xm_node.h"

#define XMD_DEFAULT_CONFIG "/etc/xmesh/xmeshd.conf"
#define XMD_DEFAULT_STATE_DIR "/var/lib/xmesh"
#define XMD_DEFAULT_CTL_SOCKET "/run/xmesh/xmeshd.sock"
#define XMD_DEFAULT_PORT 51831 /* control protocol; the kernel's data port is 51830 */
#define XMD_MAX_SEEDS 16
#define XMD_MAX_SERVICES 8
#define XMD_PATH_MAX 108 /* fits a unix socket path */
#define XMD_NAME_MAX 64
#define XMD_META_MAX 128
#define XMD_MAX_LINKS 8
#define XMD_MAX_PREFIXES 8 /* overlay prefixes a node announces */
#define XMD_MAX_ALLOW 32 /* entries of the overlay allow-list */

enum xmd_kernel_mode { XMD_KERNEL_AUTO, XMD_KERNEL_OFF };

/* A service this node publishes in the DHT at start. */
struct xmd_service {
	char name[XMD_NAME_MAX];
	struct xm_addr endpoint;
	bool private;
	char metadata[XMD_META_MAX];
};

/*
 * An overlay prefix (tenant addresses served by a node): IPv4 in the first
 * 4 bytes of addr, or IPv6 in all 16; host bits are zero.
 */
struct xmd_prefix {
	uint8_t family; /* 4 or 6 */
	uint8_t len;	/* prefix length in bits */
	uint8_t addr[16];
};

struct xmd_config {
	char state_dir[XMD_PATH_MAX];
	char ctl_socket[XMD_PATH_MAX];
	struct xm_addr listen;
	struct xm_addr advertise; /* port 0: derived from listen */
	unsigned int puzzle_bits;
	int log_level;

	enum xmd_kernel_mode kernel;
	char ifname[16];
	uint16_t data_port;
	unsigned int rekey_seconds;
	uint64_t rekey_packets;
	unsigned int max_sessions;

	unsigned int freshness_ms;
	/* Interfaces mesh routing runs on (link-local neighbour discovery). */
	char links[XMD_MAX_LINKS][16];
	int link_ifindex[XMD_MAX_LINKS]; /* resolved at start; set directly in simulations */
	unsigned int n_links;
	unsigned int hello_interval_ms; /* mesh routing's hello period */
	struct xm_addr seeds[XMD_MAX_SEEDS];
	unsigned int n_seeds;
	struct xmd_service services[XMD_MAX_SERVICES];
	unsigned int n_services;
	/* This node's overlay prefixes, announced in its signed handshakes. */
	struct xmd_prefix prefixes[XMD_MAX_PREFIXES];
	unsigned int n_prefixes;
	/*
	 * Operator allow-list: peers' prefixes are routed only inside these
	 * (prefix_auth.h). Empty: no peer prefix is routed.
	 */
	struct xmd_prefix allow[XMD_MAX_ALLOW];
	unsigned int n_allow;
};

void config_defaults(struct xmd_config *cfg);
/* Parse file into cfg; returns 0, or -1 with the error logged. */
int config_load(struct xmd_config *cfg, const char *file);
/* The same for a configuration held in a string (name is for messages). */
int config_load_string(struct xmd_config *cfg, const char *text, const char *name);
/*
 * Apply argv: first finds -c/--config (loaded over the defaults), then
 * the overrides. Returns 0, 1 when the program should exit successfully
 * (--help), or -1 on a usage error.
 */
int config_from_args(struct xmd_config *cfg, int argc, char **argv);
void config_usage(const char *prog);

/*
 * "10.77.1.0/24" or "fd77:1::/64"; host bits must be zero and the length
 * not 0 (a default route is never an overlay prefix). 0 or -1.
 */
int config_parse_prefix(struct xmd_prefix *p, const char *s);
/* Check a prefix from the wire: family, length and zero host bits. */
bool config_prefix_valid(const struct xmd_prefix *p);
bool config_prefix_equal(const struct xmd_prefix *a, const struct xmd_prefix *b);
/* Writes "ADDR/LEN" into buf (at least 64 bytes). */
void config_prefix_format(const struct xmd_prefix *p, char *buf, size_t len);

#endif
