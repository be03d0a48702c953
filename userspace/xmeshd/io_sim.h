/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A deterministic simulator of network and clock behind struct xm_io.
 *
 * One struct xm_sim is a whole network: one virtual clock and a queue of
 * events (datagram deliveries and timers) processed in time order, ties
 * broken by insertion order. Each simulated host gets its own struct xm_io
 * with an IPv4 address; whole daemon nodes (envelope, handshake, DHT,
 * routing) run on those unchanged. Datagrams take a latency drawn from
 * [latency_min_ms, latency_max_ms], are lost with probability
 * loss_permille/1000, and never cross a partition (hosts in different
 * groups) or reach a host that is down. Each host has its own clock (offset,
 * drift, steps), a disk (sim/disk.h), and can crash and restart (below).
 * Everything random is drawn from streams seeded by the seed, so one seed
 * replays one schedule exactly: the basis for running thousands of seeded
 * schedules.
 *
 * The simulator has no kernel (netlink) and no control socket: tests query
 * nodes directly.
 */
#ifndef XMESHD_IO_SIM_H
#define XMESHD_IO_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "io.h"

struct xm_sim;

struct xm_sim_config {
	uint64_t seed;
	uint32_t latency_min_ms;
	uint32_t latency_max_ms;
	uint32_t loss_permille;
};

struct xm_sim_stats {
	uint64_t sent, delivered, lost, unreachable, timers;
	uint64_t crashes;
};

struct xm_sim *xm_sim_new(const struct xm_sim_config *cfg);
/* Frees the network; every host's node must have been freed first. */
void xm_sim_free(struct xm_sim *sim);

/*
 * A new host with address 10.0.x.y and, on its links, the link-local
 * 169.254.x.y (both derived from its index). It sends from the link-local
 * one on a link and to a link-local address, as the kernel picks sources.
 * Its datagrams arrive with TTL XM_IO_TTL: every host is one hop away.
 */
struct xm_io *xm_sim_host_new(struct xm_sim *sim);
int xm_sim_host_index(struct xm_io *io);
void xm_sim_host_addr(struct xm_io *io, struct xm_addr *addr, uint16_t port);
void xm_sim_host_ll_addr(struct xm_io *io, struct xm_addr *addr, uint16_t port);
/* The TTL its datagrams arrive with: lower for a host routers away. */
void xm_sim_host_set_ttl(struct xm_io *io, uint8_t ttl);
/* Without a link-local address it sends on links from its global one. */
void xm_sim_host_set_link_local(struct xm_io *io, bool on);

/*
 * An attacker's host: the datagrams it sends from now on claim src as their
 * source (NULL: its own address again), as a spoofed UDP source does.
 */
void xm_sim_host_spoof(struct xm_io *io, const struct xm_addr *src);
/* A host that is down neither sends nor receives; its timers still run. */
void xm_sim_host_set_up(struct xm_io *io, bool up);
/* Partition: hosts in different groups cannot exchange datagrams. */
void xm_sim_host_set_group(struct xm_io *io, int group);
/* Put host on link (any id) as interface ifindex, for send_link(). */
int xm_sim_link_attach(struct xm_io *io, int link, int ifindex);
/* Take an interface down (or up again): a cut link. */
void xm_sim_link_set_up(struct xm_io *io, int ifindex, bool up);
void xm_sim_set_loss(struct xm_sim *sim, uint32_t loss_permille);

uint64_t xm_sim_now(const struct xm_sim *sim);
/* Process events until the clock has advanced by ms. */
void xm_sim_run_for(struct xm_sim *sim, uint64_t ms);
/* Until done(arg) (checked after each event) or max_ms; returns done. */
bool xm_sim_run_until(struct xm_sim *sim, bool (*done)(void *arg), void *arg, uint64_t max_ms);
void xm_sim_get_stats(const struct xm_sim *sim, struct xm_sim_stats *st);
/*
 * A digest of everything delivered so far (time, endpoints, bytes): two
 * runs with the same seed must produce the same digest.
 */
uint64_t xm_sim_digest(const struct xm_sim *sim);

/*
 * Clocks. Every host has its own: the monotonic clock (now_ms, timers)
 * runs at 1 + drift_ppm/10^6 of the true rate and never steps or goes back;
 * the wall clock (wall_ms) is the monotonic one plus the host's offset,
 * moved by steps (an NTP step or an operator's date, either way). A
 * timer of d ms fires when the host's own monotonic clock has advanced by
 * d. Setting the clock rebases it: it goes on from its present reading.
 */
#define XM_SIM_DRIFT_MAX_PPM 500000
void xm_sim_host_clock_set(struct xm_io *io, int64_t wall_offset_ms, int32_t drift_ppm);
void xm_sim_host_clock_step(struct xm_io *io, int64_t step_ms);

/*
 * Crash and restart. A crash closes the host's channels (datagrams on
 * their way are dropped), disarms every timer it armed and drops its file
 * operations in flight (none of their callbacks ever runs), and makes its
 * disk (sim/disk.h) lose, keep or tear each unsynced write. The simulator
 * cannot free the memory of the code that ran on the host: the harness
 * drops it (node_free, xm_store_drop) right after the crash, and the host
 * does nothing in between (its sends vanish, it arms no timer, its file
 * operations fail with -EIO). After xm_sim_host_restart the harness
 * builds the host's programs afresh and they rebuild their state from the
 * disk. The clocks go on across the crash.
 */
void xm_sim_host_crash(struct xm_io *io);
void xm_sim_host_restart(struct xm_io *io);
bool xm_sim_host_crashed(struct xm_io *io);

/* For the disk model (sim/disk.c): the host's network, disk and the shared PRNG step. */
struct sim_disk;
struct xm_sim *xm_sim_of(struct xm_io *io);
struct sim_disk *xm_sim_host_disk(struct xm_io *io);
uint64_t xm_sim_splitmix(uint64_t *state);
/* Fold v into the run's digest (xm_sim_digest). */
void xm_sim_mix(struct xm_sim *sim, uint64_t v);

#endif
