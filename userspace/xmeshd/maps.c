// SPDX-License-Identifier: GPL-2.0
#include "maps.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf_maps.h"
#include "log.h"

struct maps {
	struct xm_bpf_maps m;
	uint64_t errors;
};

/* libbpf's own messages (a verifier log can run long) go to the debug log. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	log_debug("libbpf: %s", line);
	return 0;
}

struct maps *maps_open(uint64_t self_kid, uint16_t data_port, char *status, size_t len)
{
	struct maps *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return NULL;
	libbpf_set_print(libbpf_log);
	err = xm_bpf_maps_open(&m->m);
	if (!err) {
		err = xm_bpf_config_set(&m->m, self_kid, data_port);
		if (err)
			xm_bpf_maps_close(&m->m);
	}
	if (err) {
		snprintf(status, len, "eBPF maps not written: %s", strerror(-err));
		free(m);
		return NULL;
	}
	snprintf(status, len, "eBPF maps under /sys/fs/bpf/xmesh");
	return m;
}

void maps_close(struct maps *m)
{
	if (!m)
		return;
	xm_bpf_maps_close(&m->m);
	free(m);
}

static int count(struct maps *m, int err, const char *what)
{
	if (err) {
		m->errors++;
		log_warn("eBPF maps: %s: %s", what, strerror(-err));
	}
	return err;
}

int maps_peer(struct maps *m, const struct xm_addr *data_ep, uint64_t kid)
{
	return count(m, xm_bpf_peer_set(&m->m, data_ep, kid), "peer");
}

int maps_route(struct maps *m, const struct route_change *c, uint16_t nh_data_port)
{
	struct xm_addr nh;
	int err;

	if (!c->reachable) {
		err = xm_bpf_route_del(&m->m, xm_node_kid(&c->dst));
		return count(m, err == -ENOENT ? 0 : err, "route removal");
	}
	nh = c->nh_addr;
	nh.port = nh_data_port;
	return count(m, xm_bpf_route_set(&m->m, xm_node_kid(&c->dst), &nh), "route");
}

uint64_t maps_errors(const struct maps *m)
{
	return m->errors;
}
