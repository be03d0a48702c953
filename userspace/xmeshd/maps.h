/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's writes to the eBPF fast path's pinned maps
 * (lib/bpf_maps.h): this node's id and data port, the peers whose packets
 * the XDP program accepts, and the relay routes, kept in step with the
 * sessions and the mesh routes the daemon installs in the module. Used only
 * when the module is driven (the XDP relay is part of that data path).
 */
#ifndef XMESHD_MAPS_H
#define XMESHD_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "route.h"
#include "xm_node.h"

struct maps;

/* NULL when the maps cannot be opened; status says why. */
struct maps *maps_open(uint64_t self_kid, uint16_t data_port, char *status, size_t len);
void maps_close(struct maps *m);
/* A peer's data endpoint (its address and data port). */
int maps_peer(struct maps *m, const struct xm_addr *data_ep, uint64_t kid);
/* Relay toward c->dst via the next hop's data endpoint (or remove it). */
int maps_route(struct maps *m, const struct route_change *c, uint16_t nh_data_port);
uint64_t maps_errors(const struct maps *m);

#endif
