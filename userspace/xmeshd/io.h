/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one narrow interface through which xmeshd does all of its IO.
 *
 * Everything the daemon does with the outside world - UDP datagrams, the
 * netlink socket, the local control socket, timers, clocks and randomness -
 * goes through a struct xm_io. Two implementations exist:
 *
 *   io_uring.c  the real one: one io_uring, completion driven, no threads;
 *   io_sim.c    a deterministic simulator of network and clock, seeded, with
 *               message delay, loss and partitions, in which many daemon
 *               nodes run inside one process.
 *
 * The model is completion based (as TigerBeetle's IO): a channel is opened
 * with a receive callback that the IO layer calls for every datagram that
 * arrives on it; sends are fire-and-forget (the buffer is copied); timers
 * call back once when due. Callbacks run on the loop, never concurrently.
 */
#ifndef XMESHD_IO_H
#define XMESHD_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xm_node.h"

struct xm_io;

/* A received datagram. */
struct xm_io_dgram {
	const uint8_t *buf;
	size_t len;
	/* The real length when it was longer than the receive buffer, else 0. */
	size_t truncated_len;
	bool has_from;	    /* UDP channels only: */
	struct xm_addr from; /* the sender's endpoint */
	int ifindex;	    /* the interface it arrived on, 0 if unknown */
	/*
	 * The IPv4 TTL or IPv6 hop limit it arrived with, 0 if unknown. Every
	 * UDP channel sends with XM_IO_TTL, so a datagram from a neighbour on
	 * the link arrives with 255 and one from further away with less
	 * (GTSM, RFC 5082).
	 */
	uint8_t ttl;
};

typedef void (*xm_io_recv_fn)(void *arg, int chan, const struct xm_io_dgram *d);
typedef void (*xm_io_timer_fn)(void *arg);

/* The TTL / hop limit of every datagram a UDP channel sends, unicast and multicast. */
#define XM_IO_TTL 255
/* Largest datagram a UDP or control channel receives; longer ones arrive truncated. */
#define XM_IO_RX_MAX 2048
/* The link-local multicast group of the control protocol (RFC 5771 local block). */
#define XM_IO_LINK_GROUP 0xe0000078u /* 224.0.0.120 */

/* A one-shot timer; owned by its user, armed and disarmed through the io. */
struct xm_io_timer {
	uint64_t deadline_ms;
	xm_io_timer_fn fn;
	void *arg;
	bool armed;
	uint64_t gen;	     /* bumped on every (re)arm and cancel */
	struct xm_io_timer *next; /* io_uring.c's timer list */
};

struct xm_io_ops {
	/* Monotonic milliseconds. */
	uint64_t (*now_ms)(struct xm_io *io);
	/* Wall clock milliseconds since the epoch (message freshness). */
	uint64_t (*wall_ms)(struct xm_io *io);
	void (*random)(struct xm_io *io, void *buf, size_t len);

	/* UDP socket bound to bind (port 0: any); returns a channel or -errno. */
	int (*udp_open)(struct xm_io *io, const struct xm_addr *bind, xm_io_recv_fn fn, void *arg);
	/* The local endpoint of a UDP channel (the port chosen for port 0). */
	int (*udp_local)(struct xm_io *io, int chan, struct xm_addr *out);
	/*
	 * Drive an already open datagram socket (netlink) from the loop; the
	 * caller still owns fd and closes it after close(chan).
	 */
	int (*fd_attach)(struct xm_io *io, int fd, xm_io_recv_fn fn, void *arg);
	/*
	 * Listen on a unix SOCK_SEQPACKET socket at path for local control
	 * requests. Every request is delivered to fn on a fresh connection
	 * channel, to be answered with send(chan, NULL, ...) and close(chan).
	 * Only root and the daemon's own user may connect.
	 */
	int (*unix_listen)(struct xm_io *io, const char *path, xm_io_recv_fn fn, void *arg);

	/* Send a datagram; to is NULL on connected channels. 0 or -errno. */
	int (*send)(struct xm_io *io, int chan, const struct xm_addr *to, const void *buf,
		    size_t len);
	/*
	 * Link-local multicast on a UDP channel: join the xmesh group on
	 * interface ifindex, and send to every node on it.
	 */
	int (*link_join)(struct xm_io *io, int chan, int ifindex);
	int (*send_link)(struct xm_io *io, int chan, int ifindex, const void *buf, size_t len);
	/* Close a channel once its queued sends are done. */
	void (*close)(struct xm_io *io, int chan);

	/* (Re)arm t to call fn(arg) delay_ms from now; cancel disarms it. */
	void (*timer_set)(struct xm_io *io, struct xm_io_timer *t, uint64_t delay_ms,
			  xm_io_timer_fn fn, void *arg);
	void (*timer_cancel)(struct xm_io *io, struct xm_io_timer *t);
};

struct xm_io {
	const struct xm_io_ops *ops;
};

static inline uint64_t xm_io_now(struct xm_io *io)
{
	return io->ops->now_ms(io);
}

/* The real implementation (io_uring.c). */
struct xm_io *xm_uring_new(unsigned int entries);
void xm_uring_free(struct xm_io *io);
/* Run completions until xm_uring_stop() or a fatal error (-errno). */
int xm_uring_run(struct xm_io *io);
void xm_uring_stop(struct xm_io *io);

#endif
