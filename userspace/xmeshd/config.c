// SPDX-License-Identifier: GPL-2.0
#include "config.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/xmesh.h>

void config_defaults(struct xmd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->state_dir, XMD_DEFAULT_STATE_DIR);
	strcpy(cfg->ctl_socket, XMD_DEFAULT_CTL_SOCKET);
	xm_addr_from_v4(&cfg->listen, 0, XMD_DEFAULT_PORT);
	cfg->puzzle_bits = XM_ID_PUZZLE_BITS;
	cfg->log_level = LOG_LVL_INFO;
	cfg->kernel = XMD_KERNEL_AUTO;
	strcpy(cfg->ifname, "xmesh0");
	cfg->data_port = XMESH_DEFAULT_PORT;
	cfg->rekey_seconds = 120;
	cfg->rekey_packets = 1ULL << 30;
	cfg->max_sessions = 64;
	cfg->freshness_ms = 30000;
	cfg->hello_interval_ms = 1000;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || *out > max || s[0] == '-')
		return -1;
	return 0;
}

static int copy_str(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		return -1;
	strcpy(dst, src);
	return 0;
}

bool config_prefix_valid(const struct xmd_prefix *p)
{
	unsigned int bits = p->family == 4 ? 32 : 128;

	if ((p->family != 4 && p->family != 6) || p->len > bits)
		return false;
	for (unsigned int i = p->len; i < bits; i++)
		if (p->addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	for (unsigned int i = bits / 8; i < sizeof(p->addr); i++)
		if (p->addr[i])
			return false;
	return true;
}

bool config_prefix_equal(const struct xmd_prefix *a, const struct xmd_prefix *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(a->addr, b->addr, 16);
}

int config_parse_prefix(struct xmd_prefix *p, const char *s)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long long len;

	memset(p, 0, sizeof(*p));
	if (!slash || (size_t)(slash - s) >= sizeof(ip) || parse_uint(slash + 1, 128, &len))
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;
	if (inet_pton(AF_INET, ip, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, ip, p->addr) == 1)
		p->family = 6;
	else
		return -1;
	p->len = (uint8_t)len;
	return config_prefix_valid(p) && p->len ? 0 : -1;
}

void config_prefix_format(const struct xmd_prefix *p, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, p->len);
}

/* A list of prefixes separated by commas or blanks, appended to the allow-list. */
static int parse_allow(struct xmd_config *cfg, const char *value)
{
	char item[INET6_ADDRSTRLEN + 8];
	const char *s = value;
	unsigned int added = 0;

	for (;;) {
		size_t len;

		s += strspn(s, ", \t");
		if (!*s)
			break;
		len = strcspn(s, ", \t");
		if (len >= sizeof(item) || cfg->n_allow == XMD_MAX_ALLOW)
			return -1;
		memcpy(item, s, len);
		item[len] = 0;
		if (config_parse_prefix(&cfg->allow[cfg->n_allow], item))
			return -1;
		cfg->n_allow++;
		added++;
		s += len;
	}
	return added ? 0 : -1;
}

/* One "key = value"; section is "" for command-line options. */
static int set_key(struct xmd_config *cfg, const char *section, const char *key,
		   const char *value)
{
	unsigned long long v;

	if (!strncmp(section, "service ", 8)) {
		const char *name = section + 8;
		struct xmd_service *s = NULL;

		for (unsigned int i = 0; i < cfg->n_services; i++)
			if (!strcmp(cfg->services[i].name, name))
				s = &cfg->services[i];
		if (!s) {
			if (cfg->n_services == XMD_MAX_SERVICES || !*name)
				return -1;
			s = &cfg->services[cfg->n_services++];
			if (copy_str(s->name, sizeof(s->name), name))
				return -1;
		}
		if (!strcmp(key, "endpoint"))
			return xm_addr_parse(&s->endpoint, value);
		if (!strcmp(key, "visibility")) {
			if (strcmp(value, "public") && strcmp(value, "private"))
				return -1;
			s->private = !strcmp(value, "private");
			return 0;
		}
		if (!strcmp(key, "metadata"))
			return copy_str(s->metadata, sizeof(s->metadata), value);
		return -1;
	}
	if (!strcmp(key, "state_dir"))
		return copy_str(cfg->state_dir, sizeof(cfg->state_dir), value);
	if (!strcmp(key, "control_socket"))
		return copy_str(cfg->ctl_socket, sizeof(cfg->ctl_socket), value);
	if (!strcmp(key, "listen"))
		return xm_addr_parse(&cfg->listen, value);
	if (!strcmp(key, "advertise"))
		return xm_addr_parse(&cfg->advertise, value);
	if (!strcmp(key, "puzzle_bits")) {
		if (parse_uint(value, 32, &v))
			return -1;
		cfg->puzzle_bits = (unsigned int)v;
		return 0;
	}
	if (!strcmp(key, "log_level")) {
		cfg->log_level = log_level_parse(value);
		return cfg->log_level < 0 ? -1 : 0;
	}
	if (!strcmp(key, "mode")) {
		if (!strcmp(value, "auto"))
			cfg->kernel = XMD_KERNEL_AUTO;
		else if (!strcmp(value, "off"))
			cfg->kernel = XMD_KERNEL_OFF;
		else
			return -1;
		return 0;
	}
	if (!strcmp(key, "ifname"))
		return copy_str(cfg->ifname, sizeof(cfg->ifname), value);
	if (!strcmp(key, "data_port")) {
		if (parse_uint(value, 65535, &v) || !v)
			return -1;
		cfg->data_port = (uint16_t)v;
		return 0;
	}
	if (!strcmp(key, "rekey_seconds")) {
		if (parse_uint(value, 86400, &v) || !v)
			return -1;
		cfg->rekey_seconds = (unsigned int)v;
		return 0;
	}
	if (!strcmp(key, "rekey_packets")) {
		if (parse_uint(value, 1ULL << 60, &v) || !v)
			return -1;
		cfg->rekey_packets = v;
		return 0;
	}
	if (!strcmp(key, "max_sessions")) {
		if (parse_uint(value, 4096, &v))
			return -1;
		cfg->max_sessions = (unsigned int)v;
		return 0;
	}
	if (!strcmp(key, "freshness_ms")) {
		if (parse_uint(value, 3600000, &v) || v < 1000)
			return -1;
		cfg->freshness_ms = (unsigned int)v;
		return 0;
	}
	if (!strcmp(key, "hello_interval_ms")) {
		if (parse_uint(value, 60000, &v) || v < 100)
			return -1;
		cfg->hello_interval_ms = (unsigned int)v;
		return 0;
	}
	if (!strcmp(key, "link")) {
		if (cfg->n_links == XMD_MAX_LINKS || !*value)
			return -1;
		return copy_str(cfg->links[cfg->n_links++], sizeof(cfg->links[0]), value);
	}
	if (!strcmp(key, "prefix")) {
		if (cfg->n_prefixes == XMD_MAX_PREFIXES)
			return -1;
		if (config_parse_prefix(&cfg->prefixes[cfg->n_prefixes], value))
			return -1;
		for (unsigned int i = 0; i < cfg->n_prefixes; i++)
			if (config_prefix_equal(&cfg->prefixes[i], &cfg->prefixes[cfg->n_prefixes]))
				return -1;
		cfg->n_prefixes++;
		return 0;
	}
	if (!strcmp(key, "allow_prefixes"))
		return parse_allow(cfg, value);
	if (!strcmp(key, "seed")) {
		if (cfg->n_seeds == XMD_MAX_SEEDS)
			return -1;
		if (xm_addr_parse(&cfg->seeds[cfg->n_seeds], value))
			return -1;
		cfg->n_seeds++;
		return 0;
	}
	return -1;
}

struct ini_ctx {
	struct xmd_config *cfg;
	const char *file;
};

static int on_ini_key(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *ctx = user;

	static const char *const sections[] = { "node", "kernel", "discovery", "routing",
						       "overlay" };
	bool known = !strncmp(section, "service ", 8);

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		known |= !strcmp(section, sections[i]);
	if (!known || set_key(ctx->cfg, section, name, value)) {
		log_err("%s: [%s] %s = %s: unknown key or bad value", ctx->file, section, name,
			value);
		return 0;
	}
	return 1;
}

int config_load(struct xmd_config *cfg, const char *file)
{
	struct ini_ctx ctx = { cfg, file };
	int line = ini_parse(file, on_ini_key, &ctx);

	if (line < 0) {
		log_err("%s: cannot open", file);
		return -1;
	}
	if (line > 0) {
		log_err("%s:%d: invalid configuration", file, line);
		return -1;
	}
	return 0;
}

int config_load_string(struct xmd_config *cfg, const char *text, const char *name)
{
	struct ini_ctx ctx = { cfg, name };
	int line = ini_parse_string(text, on_ini_key, &ctx);

	if (line) {
		log_err("%s:%d: invalid configuration", name, line);
		return -1;
	}
	return 0;
}

void config_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [options]\n"
		"  -c, --config FILE        configuration file (default %s if present)\n"
		"  -s, --state-dir DIR      where the identity key lives\n"
		"  -l, --listen ADDR:PORT   control protocol UDP endpoint\n"
		"  -a, --advertise ADDR:PORT  endpoint announced to other nodes\n"
		"  -S, --seed ADDR:PORT     bootstrap node (repeatable)\n"
		"  -C, --control-socket PATH  local control socket\n"
		"  -p, --puzzle-bits N      identity puzzle cost\n"
		"  -k, --kernel auto|off    install keys in the xmesh module or not\n"
		"  -P, --publish NAME=ADDR:PORT  publish a public service (repeatable)\n"
		"  -L, --link IFNAME        run mesh routing on this interface (repeatable)\n"
		"  -O, --overlay-prefix CIDR  announce this overlay prefix (repeatable)\n"
		"  -A, --allow-prefix CIDR[,CIDR...]  route peers' prefixes inside these\n"
		"  -v, --log-level LEVEL    error, warning, info or debug\n"
		"  -h, --help\n",
		prog, XMD_DEFAULT_CONFIG);
}

static int publish_arg(struct xmd_config *cfg, const char *arg)
{
	char section[8 + XMD_NAME_MAX];
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || (size_t)(eq - arg) >= XMD_NAME_MAX)
		return -1;
	snprintf(section, sizeof(section), "service %.*s", (int)(eq - arg), arg);
	return set_key(cfg, section, "endpoint", eq + 1);
}

int config_from_args(struct xmd_config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "advertise", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 'S' },
		{ "control-socket", required_argument, NULL, 'C' },
		{ "puzzle-bits", required_argument, NULL, 'p' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "publish", required_argument, NULL, 'P' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "link", required_argument, NULL, 'L' },
		{ "overlay-prefix", required_argument, NULL, 'O' },
		{ "allow-prefix", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static const char *const keys[128] = {
		['s'] = "state_dir", ['l'] = "listen", ['a'] = "advertise", ['S'] = "seed",
		['C'] = "control_socket", ['p'] = "puzzle_bits", ['k'] = "mode",
		['v'] = "log_level", ['L'] = "link", ['O'] = "prefix",
		['A'] = "allow_prefixes",
	};
	const char *file = NULL;
	int c;

	/* First pass: the file, so that options override what it says. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:s:l:a:S:C:p:k:P:v:L:O:A:h", opts, NULL)) != -1)
		if (c == 'c')
			file = optarg;
	if (file) {
		if (config_load(cfg, file))
			return -1;
	} else if (!access(XMD_DEFAULT_CONFIG, R_OK)) {
		if (config_load(cfg, XMD_DEFAULT_CONFIG))
			return -1;
	}

	optind = 0; /* GNU getopt: start over, permutation state included */
	opterr = 1;
	while ((c = getopt_long(argc, argv, "c:s:l:a:S:C:p:k:P:v:L:O:A:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			break;
		case 'h':
			config_usage(argv[0]);
			return 1;
		case 'P':
			if (publish_arg(cfg, optarg)) {
				log_err("--publish %s: expected NAME=ADDR:PORT", optarg);
				return -1;
			}
			break;
		case '?':
			config_usage(argv[0]);
			return -1;
		default:
			if (set_key(cfg, "", keys[c], optarg)) {
				const char *name = keys[c];

				for (const struct option *o = opts; o->name; o++)
					if (o->val == c)
						name = o->name;
				log_err("--%s %s: bad value", name, optarg);
				return -1;
			}
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}
