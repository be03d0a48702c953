// SPDX-License-Identifier: GPL-2.0
/*
 * The real struct xm_io: one io_uring drives every socket and timer.
 *
 * Each channel keeps one recvmsg (or accept) request in flight and re-arms
 * it when it completes. Sends copy the datagram into a heap slot that lives
 * until its completion. Timers are a list in userspace; one timeout SQE
 * (updated in place with IORING_TIMEOUT_UPDATE) wakes the loop at the
 * earliest deadline. SIGINT/SIGTERM arrive on a signalfd read from the
 * ring, so the loop never busy-waits and never runs a signal handler.
 */
#define _GNU_SOURCE
#include "io.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define MAX_CHANS 256
#define FD_RX_MAX (16 * 1024) /* netlink: acks and event notifications */
#define TIMERS_PER_TURN 1024

enum op_kind { OP_RECV, OP_ACCEPT, OP_SEND, OP_TIMEOUT, OP_IGNORE, OP_SIGNAL };
enum chan_kind { CH_FREE, CH_UDP, CH_FD, CH_LISTEN, CH_CONN };

struct uop {
	enum op_kind kind;
	int chan;
};

struct chan {
	enum chan_kind kind;
	int fd;
	int family; /* AF_INET or AF_INET6 for UDP */
	xm_io_recv_fn fn;
	void *arg;
	bool closing;
	unsigned int inflight;
	struct uop rx_op;
	struct msghdr msg;
	struct iovec iov;
	struct sockaddr_storage from;
	/* Room for the arrival interface and the TTL / hop limit. */
	uint8_t cmsg[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
	uint16_t port; /* UDP: local port, the link multicast group's too */
	uint8_t *buf;
	size_t buf_len;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* listener */
};

struct send_slot {
	struct uop op;
	struct msghdr msg;
	struct iovec iov;
	struct sockaddr_storage to;
	uint8_t cmsg[CMSG_SPACE(sizeof(struct in_pktinfo))];
	uint8_t data[];
};

struct uring_io {
	struct xm_io io;
	struct io_uring ring;
	struct chan chans[MAX_CHANS];
	struct xm_io_timer *timers;
	struct uop tmo_op, ignore_op, sig_op;
	struct __kernel_timespec tmo_ts;
	bool tmo_inflight;
	uint64_t tmo_deadline;
	int sigfd;
	struct signalfd_siginfo siginfo;
	bool stop;
};

#define to_uring(p) ((struct uring_io *)(p))

static uint64_t uring_now_ms(struct xm_io *io)
{
	struct timespec ts;

	(void)io;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t uring_wall_ms(struct xm_io *io)
{
	struct timespec ts;

	(void)io;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void uring_random(struct xm_io *io, void *buf, size_t len)
{
	(void)io;
	randombytes_buf(buf, len);
}

/* An SQE, flushing the submission queue once when it is full. */
static struct io_uring_sqe *get_sqe(struct uring_io *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

static int addr_to_sockaddr(const struct xm_addr *a, int family, struct sockaddr_storage *ss,
			    socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (!xm_addr_is_v4(a))
			return -EAFNOSUPPORT;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, &a->ip.s6_addr[12], 4);
		*sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		sin6->sin6_addr = a->ip;
		*sl = sizeof(*sin6);
	}
	return 0;
}

static void sockaddr_to_addr(const struct sockaddr_storage *ss, struct xm_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		xm_addr_from_v4(a, sin->sin_addr.s_addr, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		a->ip = sin6->sin6_addr;
		a->port = ntohs(sin6->sin6_port);
	}
}

static int chan_alloc(struct uring_io *u, enum chan_kind kind, int fd, size_t buf_len,
		      xm_io_recv_fn fn, void *arg)
{
	for (int i = 0; i < MAX_CHANS; i++) {
		struct chan *c = &u->chans[i];

		if (c->kind != CH_FREE)
			continue;
		memset(c, 0, sizeof(*c));
		c->buf = buf_len ? malloc(buf_len) : NULL;
		if (buf_len && !c->buf)
			return -ENOMEM;
		c->kind = kind;
		c->fd = fd;
		c->fn = fn;
		c->arg = arg;
		c->buf_len = buf_len;
		c->rx_op.chan = i;
		return i;
	}
	return -EMFILE;
}

static void chan_release(struct uring_io *u, int i)
{
	struct chan *c = &u->chans[i];

	if (c->kind == CH_LISTEN && c->path[0])
		unlink(c->path);
	/* An attached fd belongs to whoever attached it. */
	if (c->kind != CH_FD)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

static void post_recv(struct uring_io *u, int i)
{
	struct chan *c = &u->chans[i];
	struct io_uring_sqe *sqe;

	if (c->closing)
		return;
	sqe = get_sqe(u);
	if (!sqe) {
		log_err("io_uring: no SQE to re-arm a receive on channel %d", i);
		return;
	}
	if (c->kind == CH_LISTEN) {
		c->rx_op.kind = OP_ACCEPT;
		io_uring_prep_accept(sqe, c->fd, NULL, NULL, SOCK_CLOEXEC);
	} else {
		c->rx_op.kind = OP_RECV;
		memset(&c->msg, 0, sizeof(c->msg));
		c->iov.iov_base = c->buf;
		c->iov.iov_len = c->buf_len;
		c->msg.msg_iov = &c->iov;
		c->msg.msg_iovlen = 1;
		if (c->kind == CH_UDP) {
			c->msg.msg_name = &c->from;
			c->msg.msg_namelen = sizeof(c->from);
			c->msg.msg_control = c->cmsg;
			c->msg.msg_controllen = sizeof(c->cmsg);
		}
		/* MSG_TRUNC: learn the real length of an oversized datagram. */
		io_uring_prep_recvmsg(sqe, c->fd, &c->msg, MSG_TRUNC);
	}
	io_uring_sqe_set_data(sqe, &c->rx_op);
	c->inflight++;
}

static int uring_udp_open(struct xm_io *io, const struct xm_addr *bind_addr, xm_io_recv_fn fn,
			  void *arg)
{
	struct uring_io *u = to_uring(io);
	int family = xm_addr_is_v4(bind_addr) ? AF_INET : AF_INET6;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, ch, one = 1, ttl = XM_IO_TTL;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr_to_sockaddr(bind_addr, family, &ss, &sl);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	/*
	 * The arrival interface and TTL of each datagram (link-local routing
	 * needs both), and TTL 255 on everything sent (GTSM, RFC 5082): a
	 * neighbour on the link receives it with 255, nothing further away can
	 * forge that.
	 */
	if (family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl));
		/* A dual-stack socket sends IPv4 too: the same TTL there. */
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	}
	ch = chan_alloc(u, CH_UDP, fd, XM_IO_RX_MAX, fn, arg);
	if (ch < 0) {
		close(fd);
		return ch;
	}
	u->chans[ch].family = family;
	sl = sizeof(ss);
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		struct xm_addr local;

		sockaddr_to_addr(&ss, &local);
		u->chans[ch].port = local.port;
	}
	post_recv(u, ch);
	return ch;
}

static int uring_link_join(struct xm_io *io, int chan, int ifindex)
{
	struct uring_io *u = to_uring(io);
	struct ip_mreqn mr = { .imr_ifindex = ifindex };
	int zero = 0;

	if (chan < 0 || chan >= MAX_CHANS || u->chans[chan].kind != CH_UDP ||
	    u->chans[chan].family != AF_INET)
		return -EBADF;
	mr.imr_multiaddr.s_addr = htonl(XM_IO_LINK_GROUP);
	/* Our own multicast would come back to us: keep it on the wire only. */
	setsockopt(u->chans[chan].fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
	if (setsockopt(u->chans[chan].fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0 &&
	    errno != EADDRINUSE)
		return -errno;
	return 0;
}

static int uring_udp_local(struct xm_io *io, int chan, struct xm_addr *out)
{
	struct uring_io *u = to_uring(io);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (chan < 0 || chan >= MAX_CHANS || u->chans[chan].kind != CH_UDP)
		return -EBADF;
	if (getsockname(u->chans[chan].fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	sockaddr_to_addr(&ss, out);
	return 0;
}

static int uring_fd_attach(struct xm_io *io, int fd, xm_io_recv_fn fn, void *arg)
{
	struct uring_io *u = to_uring(io);
	int ch = chan_alloc(u, CH_FD, fd, FD_RX_MAX, fn, arg);

	if (ch >= 0)
		post_recv(u, ch);
	return ch;
}

static int uring_unix_listen(struct xm_io *io, const char *path, xm_io_recv_fn fn, void *arg)
{
	struct uring_io *u = to_uring(io);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, ch, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/* The socket file is created 0600: only root (and our user) may connect. */
	old = umask(077);
	err = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (err < 0 || listen(fd, 16) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	ch = chan_alloc(u, CH_LISTEN, fd, 0, fn, arg);
	if (ch < 0) {
		close(fd);
		unlink(path);
		return ch;
	}
	strcpy(u->chans[ch].path, path);
	post_recv(u, ch);
	return ch;
}

static int uring_send(struct xm_io *io, int chan, const struct xm_addr *to, const void *buf,
		      size_t len)
{
	struct uring_io *u = to_uring(io);
	struct io_uring_sqe *sqe;
	struct send_slot *s;
	struct chan *c;
	socklen_t sl = 0;
	int err;

	if (chan < 0 || chan >= MAX_CHANS || u->chans[chan].kind == CH_FREE ||
	    u->chans[chan].kind == CH_LISTEN || u->chans[chan].closing)
		return -EBADF;
	c = &u->chans[chan];
	s = malloc(sizeof(*s) + len);
	if (!s)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	if (to) {
		err = addr_to_sockaddr(to, c->family, &s->to, &sl);
		if (err) {
			free(s);
			return err;
		}
		s->msg.msg_name = &s->to;
		s->msg.msg_namelen = sl;
	}
	memcpy(s->data, buf, len);
	s->iov.iov_base = s->data;
	s->iov.iov_len = len;
	s->msg.msg_iov = &s->iov;
	s->msg.msg_iovlen = 1;
	s->op.kind = OP_SEND;
	s->op.chan = chan;
	sqe = get_sqe(u);
	if (!sqe) {
		free(s);
		return -EBUSY;
	}
	io_uring_prep_sendmsg(sqe, c->fd, &s->msg, 0);
	io_uring_sqe_set_data(sqe, &s->op);
	c->inflight++;
	return 0;
}

static int uring_send_link(struct xm_io *io, int chan, int ifindex, const void *buf, size_t len)
{
	struct uring_io *u = to_uring(io);
	struct xm_addr group;
	struct send_slot *s;
	struct cmsghdr *cm;
	struct in_pktinfo pi = { .ipi_ifindex = ifindex };
	struct io_uring_sqe *sqe;
	socklen_t sl;

	if (chan < 0 || chan >= MAX_CHANS || u->chans[chan].kind != CH_UDP ||
	    u->chans[chan].family != AF_INET || u->chans[chan].closing)
		return -EBADF;
	s = calloc(1, sizeof(*s) + len);
	if (!s)
		return -ENOMEM;
	xm_addr_from_v4(&group, htonl(XM_IO_LINK_GROUP), u->chans[chan].port);
	addr_to_sockaddr(&group, AF_INET, &s->to, &sl);
	memcpy(s->data, buf, len);
	s->iov.iov_base = s->data;
	s->iov.iov_len = len;
	s->msg.msg_name = &s->to;
	s->msg.msg_namelen = sl;
	s->msg.msg_iov = &s->iov;
	s->msg.msg_iovlen = 1;
	/* IP_PKTINFO picks the outgoing interface of this one datagram. */
	s->msg.msg_control = s->cmsg;
	s->msg.msg_controllen = sizeof(s->cmsg);
	cm = CMSG_FIRSTHDR(&s->msg);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	s->op.kind = OP_SEND;
	s->op.chan = chan;
	sqe = get_sqe(u);
	if (!sqe) {
		free(s);
		return -EBUSY;
	}
	io_uring_prep_sendmsg(sqe, u->chans[chan].fd, &s->msg, 0);
	io_uring_sqe_set_data(sqe, &s->op);
	u->chans[chan].inflight++;
	return 0;
}

static void uring_close(struct xm_io *io, int chan)
{
	struct uring_io *u = to_uring(io);
	struct chan *c;
	struct io_uring_sqe *sqe;

	if (chan < 0 || chan >= MAX_CHANS || u->chans[chan].kind == CH_FREE)
		return;
	c = &u->chans[chan];
	if (c->closing)
		return;
	c->closing = true;
	if (!c->inflight) {
		chan_release(u, chan);
		return;
	}
	/* Cancel the pending receive; queued sends still complete. */
	sqe = get_sqe(u);
	if (sqe) {
		io_uring_prep_cancel(sqe, &c->rx_op, 0);
		io_uring_sqe_set_data(sqe, &u->ignore_op);
	}
}

static void timer_unlink(struct uring_io *u, struct xm_io_timer *t)
{
	for (struct xm_io_timer **pp = &u->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
}

static void uring_timer_cancel(struct xm_io *io, struct xm_io_timer *t)
{
	if (t->armed)
		timer_unlink(to_uring(io), t);
	t->armed = false;
	t->gen++;
}

static void uring_timer_set(struct xm_io *io, struct xm_io_timer *t, uint64_t delay_ms,
			    xm_io_timer_fn fn, void *arg)
{
	struct uring_io *u = to_uring(io);

	uring_timer_cancel(io, t);
	t->deadline_ms = uring_now_ms(io) + delay_ms;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
	t->next = u->timers;
	u->timers = t;
}

static const struct xm_io_ops uring_ops = {
	.now_ms = uring_now_ms,
	.wall_ms = uring_wall_ms,
	.random = uring_random,
	.udp_open = uring_udp_open,
	.udp_local = uring_udp_local,
	.fd_attach = uring_fd_attach,
	.unix_listen = uring_unix_listen,
	.send = uring_send,
	.link_join = uring_link_join,
	.send_link = uring_send_link,
	.close = uring_close,
	.timer_set = uring_timer_set,
	.timer_cancel = uring_timer_cancel,
};

/* Run the timers that are due; a bounded number per turn of the loop. */
static void run_timers(struct uring_io *u)
{
	for (int n = 0; n < TIMERS_PER_TURN; n++) {
		uint64_t now = uring_now_ms(&u->io);
		struct xm_io_timer *due = NULL;

		for (struct xm_io_timer *t = u->timers; t; t = t->next)
			if (t->deadline_ms <= now && (!due || t->deadline_ms < due->deadline_ms))
				due = t;
		if (!due)
			return;
		timer_unlink(u, due);
		due->armed = false;
		due->fn(due->arg);
	}
}

/* Make the one timeout SQE fire at the earliest timer deadline. */
static void arm_timeout(struct uring_io *u)
{
	uint64_t earliest = UINT64_MAX, now, delta;
	struct io_uring_sqe *sqe;

	for (struct xm_io_timer *t = u->timers; t; t = t->next)
		if (t->deadline_ms < earliest)
			earliest = t->deadline_ms;
	if (earliest == UINT64_MAX || (u->tmo_inflight && u->tmo_deadline <= earliest))
		return;
	now = uring_now_ms(&u->io);
	delta = earliest > now ? earliest - now : 0;
	u->tmo_ts.tv_sec = (long long)(delta / 1000);
	u->tmo_ts.tv_nsec = (long long)(delta % 1000) * 1000000;
	sqe = get_sqe(u);
	if (!sqe)
		return;
	if (u->tmo_inflight) {
		io_uring_prep_timeout_update(sqe, &u->tmo_ts, (__u64)(uintptr_t)&u->tmo_op, 0);
		io_uring_sqe_set_data(sqe, &u->ignore_op);
	} else {
		io_uring_prep_timeout(sqe, &u->tmo_ts, 0, 0);
		io_uring_sqe_set_data(sqe, &u->tmo_op);
		u->tmo_inflight = true;
	}
	u->tmo_deadline = earliest;
}

static void post_signal_read(struct uring_io *u)
{
	struct io_uring_sqe *sqe = get_sqe(u);

	if (!sqe)
		return;
	io_uring_prep_read(sqe, u->sigfd, &u->siginfo, sizeof(u->siginfo), 0);
	io_uring_sqe_set_data(sqe, &u->sig_op);
}

/* The arrival interface and TTL / hop limit of a datagram, from its cmsgs. */
static void recv_cmsgs(struct msghdr *msg, struct xm_io_dgram *d)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		int v;

		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			d->ifindex = pi.ipi_ifindex;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			d->ifindex = (int)pi.ipi6_ifindex;
		} else if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) ||
			   (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT)) {
			if (cm->cmsg_len < CMSG_LEN(sizeof(v)))
				continue;
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			d->ttl = v > 0 && v <= 255 ? (uint8_t)v : 0;
		}
	}
}

static void on_accept(struct uring_io *u, struct chan *lc, int res)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int ch;

	if (res < 0) {
		if (res != -ECANCELED)
			log_warn("control socket: accept: %s", strerror(-res));
		return;
	}
	/* Root only (and the daemon's own user, for unprivileged tests). */
	if (getsockopt(res, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		log_warn("control socket: refused a client of uid %u", (unsigned int)cred.uid);
		close(res);
		return;
	}
	ch = chan_alloc(u, CH_CONN, res, XM_IO_RX_MAX, lc->fn, lc->arg);
	if (ch < 0) {
		close(res);
		return;
	}
	post_recv(u, ch);
}

static void on_completion(struct uring_io *u, struct io_uring_cqe *cqe)
{
	struct uop *op = io_uring_cqe_get_data(cqe);
	struct chan *c;
	int res = cqe->res;

	if (!op)
		return;
	switch (op->kind) {
	case OP_IGNORE:
		return;
	case OP_TIMEOUT:
		u->tmo_inflight = false;
		return;
	case OP_SIGNAL:
		if (res > 0) {
			log_info("signal %u: stopping", u->siginfo.ssi_signo);
			u->stop = true;
		}
		return;
	case OP_SEND: {
		struct send_slot *s = (struct send_slot *)op;

		c = &u->chans[s->op.chan];
		if (res < 0 && res != -ECANCELED)
			log_debug("send on channel %d: %s", s->op.chan, strerror(-res));
		free(s);
		break;
	}
	case OP_ACCEPT:
		c = &u->chans[op->chan];
		on_accept(u, c, res);
		break;
	case OP_RECV: {
		struct xm_io_dgram d = { 0 };

		c = &u->chans[op->chan];
		if (res < 0 || c->closing) {
			if (res < 0 && res != -ECANCELED && res != -EAGAIN)
				log_debug("receive on channel %d: %s", op->chan, strerror(-res));
			break;
		}
		d.buf = c->buf;
		d.len = (size_t)res;
		if (d.len > c->buf_len) {
			d.truncated_len = d.len;
			d.len = c->buf_len;
		}
		if (c->kind == CH_CONN && d.len == 0) {
			/* The client hung up without a request. */
			c->inflight--;
			uring_close(&u->io, op->chan);
			return;
		}
		if (c->kind == CH_UDP) {
			sockaddr_to_addr(&c->from, &d.from);
			d.has_from = true;
			recv_cmsgs(&c->msg, &d);
		}
		c->fn(c->arg, op->chan, &d);
		break;
	}
	default:
		return;
	}
	c->inflight--;
	if (c->closing) {
		if (!c->inflight)
			chan_release(u, (int)(c - u->chans));
		return;
	}
	/* A connection answers one request; others keep receiving. */
	if ((op->kind == OP_RECV && c->kind != CH_CONN) || op->kind == OP_ACCEPT)
		post_recv(u, (int)(c - u->chans));
}

struct xm_io *xm_uring_new(unsigned int entries)
{
	struct uring_io *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return NULL;
	err = io_uring_queue_init(entries, &u->ring, 0);
	if (err < 0) {
		log_err("io_uring_queue_init: %s", strerror(-err));
		free(u);
		return NULL;
	}
	u->io.ops = &uring_ops;
	u->tmo_op.kind = OP_TIMEOUT;
	u->ignore_op.kind = OP_IGNORE;
	u->sig_op.kind = OP_SIGNAL;
	u->sigfd = -1;
	return &u->io;
}

void xm_uring_free(struct xm_io *io)
{
	struct uring_io *u = to_uring(io);

	if (!io)
		return;
	for (int i = 0; i < MAX_CHANS; i++)
		if (u->chans[i].kind != CH_FREE)
			chan_release(u, i);
	io_uring_queue_exit(&u->ring);
	if (u->sigfd >= 0)
		close(u->sigfd);
	free(u);
}

void xm_uring_stop(struct xm_io *io)
{
	to_uring(io)->stop = true;
}

int xm_uring_run(struct xm_io *io)
{
	struct uring_io *u = to_uring(io);
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	u->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (u->sigfd < 0)
		return -errno;
	post_signal_read(u);

	while (!u->stop) {
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;
		int err;

		run_timers(u);
		if (u->stop)
			break;
		arm_timeout(u);
		err = io_uring_submit_and_wait(&u->ring, 1);
		if (err < 0 && err != -EINTR && err != -ETIME) {
			log_err("io_uring_submit_and_wait: %s", strerror(-err));
			return err;
		}
		io_uring_for_each_cqe(&u->ring, head, cqe) {
			on_completion(u, cqe);
			n++;
		}
		io_uring_cq_advance(&u->ring, n);
	}
	return 0;
}
