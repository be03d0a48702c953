/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink client on libmnl, shared by xmeshctl and xmeshd.
 *
 * One struct nl_genl is one NETLINK_GENERIC socket with extended ACKs
 * (NETLINK_EXT_ACK) and capped ACKs (NETLINK_CAP_ACK: the kernel does not
 * echo our request back in its error replies). Every request carries a fresh
 * sequence number; replies with another sequence number (left over from a
 * request given up on, or a notification) are skipped, never mistaken for
 * the answer.
 *
 * Errors are returned as -errno. When the kernel explained a rejection
 * (extack, NLMSGERR_ATTR_MSG) the text is kept in g->ext.msg until the next
 * request; nl_genl_strerror() formats both for a user.
 *
 * Blocking use (xmeshctl, tests): nl_genl_request() and nl_genl_dump().
 * Event-loop use (xmeshd on io_uring): build a message with
 * nl_genl_msg_start(), send it with nl_genl_send(), start a struct
 * nl_genl_req for its sequence number, and feed every datagram received on
 * nl_genl_fd() to nl_genl_process() until it stops returning NL_GENL_MORE.
 * Large changes are several messages: nl_genl_batch_*() packs many into one
 * sendmsg(), with only failures and the last message acknowledged.
 */
#ifndef NL_GENL_H
#define NL_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

/*
 * Receive buffer: at least the 32 KiB the kernel caps a dump skb at
 * (netlink_dump() sizes it by our last recvmsg() buffer), so no dump
 * message is ever truncated. A truncated datagram is reported as -EMSGSIZE.
 */
#define NL_GENL_RXBUF (64 * 1024)
/* One request message (attributes of one object or one nest of a batch). */
#define NL_GENL_TXBUF	    8192
#define NL_GENL_EXT_MSG_LEN 256
#define NL_GENL_MAX_MCGRPS  16

/* nl_genl_process(): the request is not finished yet, feed more datagrams. */
#define NL_GENL_MORE 1

/* What the kernel said about the last failed (or warned-about) request. */
struct nl_genl_ext {
	char msg[NL_GENL_EXT_MSG_LEN]; /* NLMSGERR_ATTR_MSG, "" when none */
	uint32_t bad_attr_off;	       /* NLMSGERR_ATTR_OFFS, 0 when none */
	uint32_t miss_type;	       /* NLMSGERR_ATTR_MISS_TYPE, 0 when none */
	/* From NLMSGERR_ATTR_POLICY: what the rejected attribute may hold. */
	bool has_urange, has_srange;
	uint64_t umin, umax;	   /* unsigned value range */
	int64_t smin, smax;	   /* signed value range */
	uint32_t min_len, max_len; /* length range, 0 when not given */
};

struct nl_genl_mcgrp {
	char name[GENL_NAMSIZ];
	uint32_t id;
};

/* A generic netlink family as the controller (nlctrl) describes it. */
struct nl_genl_family {
	char name[GENL_NAMSIZ];
	uint16_t id;
	uint32_t version;
	uint32_t hdrsize;
	uint32_t maxattr;
	unsigned int n_mcgrps;
	struct nl_genl_mcgrp mcgrps[NL_GENL_MAX_MCGRPS];
};

struct nl_genl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq; /* last sequence number used */
	struct nl_genl_ext ext;
	uint64_t rx_datagrams; /* statistics: datagrams received */
	char *rxbuf;	       /* NL_GENL_RXBUF bytes */
	char txbuf[NL_GENL_TXBUF];
};

/*
 * Called for every reply message that is not an ACK, error or dump end.
 * genl points at the generic netlink header; attributes start after it
 * (mnl_attr_parse(nlh, sizeof(*genl), ...)). Return MNL_CB_OK to go on,
 * MNL_CB_STOP to stop early, or -errno to fail the request; the remaining
 * replies are then skipped by sequence number.
 */
typedef int (*nl_genl_msg_cb)(const struct nlmsghdr *nlh, const struct genlmsghdr *genl,
			      void *data);

int nl_genl_open(struct nl_genl *g);
void nl_genl_close(struct nl_genl *g);
int nl_genl_fd(const struct nl_genl *g);

/* Look up a family by name: -ENOENT when no such family is registered. */
int nl_genl_resolve(struct nl_genl *g, const char *name, struct nl_genl_family *fam);
/* Id of a multicast group of fam, or -ENOENT. */
int nl_genl_mcgrp_id(const struct nl_genl_family *fam, const char *group);
int nl_genl_join(struct nl_genl *g, uint32_t group_id);

/*
 * Start a message in buf (len bytes, at least NLMSG_HDRLEN + GENL_HDRLEN):
 * netlink header of type family with flags (NLM_F_REQUEST is added), the
 * next sequence number, then the generic netlink header.
 * Attributes are added with mnl_attr_put*_check(nlh, len, ...).
 */
struct nlmsghdr *nl_genl_msg_start(struct nl_genl *g, void *buf, size_t len, uint16_t family,
				   uint8_t cmd, uint8_t version, uint16_t flags);
/* The same in g's own transmit buffer. */
struct nlmsghdr *nl_genl_msg(struct nl_genl *g, uint16_t family, uint8_t cmd, uint8_t version,
			     uint16_t flags);

int nl_genl_send(struct nl_genl *g, const struct nlmsghdr *nlh);
int nl_genl_send_buf(struct nl_genl *g, const void *buf, size_t len);

/*
 * The progress of one request (or of a whole batch), kept across datagrams
 * by an event loop that receives them itself. Fields are private.
 */
struct nl_genl_req {
	uint32_t seq_lo, seq_hi; /* sequence numbers that belong to it */
	bool done;		 /* the ACK or DONE of seq_hi arrived */
	bool intr;		 /* a dump part carried NLM_F_DUMP_INTR */
	bool cb_done;		 /* callback stopped or failed: skip the rest */
	int err;		 /* first failure */
	unsigned int err_idx;	 /* its message, seq - seq_lo */
	nl_genl_msg_cb cb;
	void *data;
};

/* Expect the answer to the message with sequence number seq. */
void nl_genl_req_init(struct nl_genl_req *req, uint32_t seq, nl_genl_msg_cb cb, void *data);
/*
 * Process one received datagram for req. Returns NL_GENL_MORE while the
 * request is unfinished, 0 when it completed (ACK or end of dump), -EINTR
 * when a completed dump raced with a change (NLM_F_DUMP_INTR: discard what
 * the callback saw and dump again), or another -errno (kernel rejection:
 * see g->ext). Messages of other requests are skipped: keep one request in
 * flight per socket, and use another socket for multicast events.
 */
int nl_genl_process(struct nl_genl *g, struct nl_genl_req *req, const void *buf, size_t len);

/*
 * Block in recv() until the request seq completes. -ENOBUFS: the receive
 * queue overflowed and answers were lost; queued ones are discarded.
 */
int nl_genl_wait(struct nl_genl *g, uint32_t seq, nl_genl_msg_cb cb, void *data);

/*
 * Send nlh (built with nl_genl_msg*()) with NLM_F_ACK and wait for the
 * kernel's answer; reply messages (a "do" with a reply) go to cb, which
 * may be NULL.
 */
int nl_genl_request(struct nl_genl *g, struct nlmsghdr *nlh, nl_genl_msg_cb cb, void *data);

/*
 * Send nlh as a dump request (NLM_F_DUMP is added) and pass every message
 * of every part to cb. Returns 0, -EINTR when the dump was interrupted
 * (the caller resets its state and retries), or -errno.
 */
int nl_genl_dump(struct nl_genl *g, struct nlmsghdr *nlh, nl_genl_msg_cb cb, void *data);

/*
 * "strerror" of a result: the kernel's extack message with the errno text
 * when there is one, else strerror(-err). Valid until the next call.
 */
const char *nl_genl_strerror(const struct nl_genl *g, int err);

/*
 * Many requests in one sendmsg(): how a large change is split over several
 * messages. The kernel handles the messages in order; nl_genl_batch_flush()
 * reports the first failure and its index. Meant for requests without a
 * reply (new, set, del): every answer of a batch must fit in the socket's
 * receive buffer at once, else the kernel drops answers and the flush fails
 * with -ENOBUFS (the state of the batch is then unknown: dump to learn it).
 */
struct nl_genl_batch {
	struct nl_genl *g;
	char *buf;
	size_t buf_len;
	size_t used;	    /* bytes of committed messages */
	size_t cur;	    /* offset of the message being built */
	size_t last;	    /* offset of the last committed message */
	uint32_t first_seq; /* sequence number of message 0 */
	unsigned int count; /* committed messages */
};

/* buf_len: bytes per sendmsg(), at least NL_GENL_TXBUF. */
int nl_genl_batch_init(struct nl_genl_batch *bt, struct nl_genl *g, size_t buf_len);
void nl_genl_batch_free(struct nl_genl_batch *bt);
/*
 * Start the next message of the batch. Returns NULL when the batch has no
 * room for another NL_GENL_TXBUF-sized message: flush first. The message
 * must not grow beyond NL_GENL_TXBUF bytes (use mnl_attr_put_*_check()).
 */
struct nlmsghdr *nl_genl_batch_msg(struct nl_genl_batch *bt, uint16_t family, uint8_t cmd,
				   uint8_t version, uint16_t flags);
/* Finish the message returned by the last nl_genl_batch_msg(). */
void nl_genl_batch_commit(struct nl_genl_batch *bt);
/*
 * Send the batch and wait until the kernel handled all of it. The kernel
 * tries every message even after one failed (netlink_rcv_skb()); only
 * failures and the last message are acknowledged. Returns 0,
 * or the first error with *failed (if not NULL) set to the index of that
 * message in the batch; g->ext holds the kernel's message for it. The batch
 * is empty afterwards either way.
 */
int nl_genl_batch_flush(struct nl_genl_batch *bt, unsigned int *failed);

#endif /* NL_GENL_H */
