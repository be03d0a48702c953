// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the generic netlink client (userspace/lib/nl_genl.c) against the
 * running kernel's own controller family, nlctrl, which every Linux has:
 * family and group resolution, rejections with extack messages, multi-part
 * dumps, draining after a callback stops, stale replies skipped by sequence
 * number, and batches with a failure in the middle.
 *
 * Prints one line per check, "PASS text" or "FAIL text" (the suite numbers
 * them as TAP), and "FAMILIES n" for the suite to compare with `genl`.
 * Exits 1 if any check failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_genl.h"

static int failures;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	fputs(ok ? "PASS " : "FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failures++;
}

struct count {
	unsigned int n;
	size_t bytes;
	const struct nl_genl *g; /* to count the datagrams that carried messages */
	uint64_t last_datagram;
	unsigned int datagrams;
	unsigned int stop_after; /* 0: never */
	unsigned int n_ids;
	uint16_t ids[64]; /* family ids seen in a family dump */
	bool have_nlctrl;
};

static int count_cb(const struct nlmsghdr *nlh, const struct genlmsghdr *genl, void *data)
{
	struct count *c = data;
	const struct nlattr *a;

	(void)genl;
	c->n++;
	c->bytes += nlh->nlmsg_len;
	if (c->g && c->g->rx_datagrams != c->last_datagram) {
		c->last_datagram = c->g->rx_datagrams;
		c->datagrams++;
	}
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
	{
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING) &&
		    !strcmp(mnl_attr_get_str(a), "nlctrl"))
			c->have_nlctrl = true;
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    !mnl_attr_validate(a, MNL_TYPE_U16) && c->n_ids < 64)
			c->ids[c->n_ids++] = mnl_attr_get_u16(a);
	}
	if (c->stop_after && c->n >= c->stop_after)
		return -ECANCELED;
	return MNL_CB_OK;
}

static int dump_families(struct nl_genl *g, struct count *c)
{
	struct nlmsghdr *nlh = nl_genl_msg(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);

	return nl_genl_dump(g, nlh, count_cb, c);
}

static int dump_policies(struct nl_genl *g, uint16_t family, struct count *c)
{
	struct nlmsghdr *nlh = nl_genl_msg(g, GENL_ID_CTRL, CTRL_CMD_GETPOLICY, 1, 0);

	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, family);
	return nl_genl_dump(g, nlh, count_cb, c);
}

static void test_resolve(struct nl_genl *g)
{
	struct nl_genl_family fam;
	int err;

	err = nl_genl_resolve(g, "nlctrl", &fam);
	check(!err && fam.id == GENL_ID_CTRL, "resolve nlctrl: err %d id %u", err, fam.id);
	check(!err && fam.version >= 1 && !strcmp(fam.name, "nlctrl"), "nlctrl version %u",
	      fam.version);
	err = nl_genl_mcgrp_id(&fam, "notify");
	check(err > 0, "nlctrl multicast group notify has id %d", err);
	check(err > 0 && nl_genl_join(g, (uint32_t)err) == 0, "join nlctrl notify group");
	check(nl_genl_mcgrp_id(&fam, "no-such-group") == -ENOENT, "unknown group is -ENOENT");

	err = nl_genl_resolve(g, "xmtest-absent", &fam);
	check(err == -ENOENT, "absent family is -ENOENT (got %d)", err);
	err = nl_genl_resolve(g, "a-family-name-longer-than-genl-namsiz", &fam);
	check(err == -ENAMETOOLONG, "over-long family name refused before sending (got %d)", err);
}

/* A name the policy refuses: the kernel must say why and point at it. */
static void test_extack(struct nl_genl *g)
{
	char name[GENL_NAMSIZ + 8];
	struct nlmsghdr *nlh;
	struct nlattr *attr;
	uint32_t off;
	int err;

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	nlh = nl_genl_msg(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	attr = (struct nlattr *)mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	off = (uint32_t)((char *)attr - (char *)nlh);
	err = nl_genl_request(g, nlh, NULL, NULL);
	check(err == -EINVAL || err == -ERANGE, "policy rejection is -EINVAL/-ERANGE (got %d)",
	      err);
	check(g->ext.msg[0] != '\0', "kernel extack message received: \"%s\"", g->ext.msg);
	check(g->ext.bad_attr_off == off, "extack points at the bad attribute (%u, want %u)",
	      g->ext.bad_attr_off, off);
	check(g->ext.max_len == GENL_NAMSIZ - 1, "extack policy: at most %u bytes (want %u)",
	      g->ext.max_len, GENL_NAMSIZ - 1);
	check(strstr(nl_genl_strerror(g, err), g->ext.msg) != NULL,
	      "nl_genl_strerror includes the extack message: \"%s\"", nl_genl_strerror(g, err));

	/* The next request starts clean. */
	err = nl_genl_resolve(g, "nlctrl", &(struct nl_genl_family){.id = 0});
	check(!err && !g->ext.msg[0], "extack message cleared by the next request");
}

/* The event-loop path: the caller receives, nl_genl_process() parses. */
static void test_process(struct nl_genl *g, unsigned int families)
{
	struct count c = {0};
	struct nl_genl_req req;
	struct nlmsghdr *nlh;
	char *buf = malloc(NL_GENL_RXBUF);
	int err = 0, more = 0;

	if (!buf)
		return;
	nlh = nl_genl_msg(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_DUMP);
	nl_genl_req_init(&req, nlh->nlmsg_seq, count_cb, &c);
	err = nl_genl_send(g, nlh);
	for (int i = 0; !err && i < 1000; i++) {
		ssize_t n = recv(nl_genl_fd(g), buf, NL_GENL_RXBUF, 0);

		if (n < 0) {
			err = -errno;
			break;
		}
		err = nl_genl_process(g, &req, buf, (size_t)n);
		if (err != NL_GENL_MORE)
			break;
		more++;
		err = 0;
	}
	check(err == 0 && c.n == families,
	      "nl_genl_process: dump of %u families fed by the caller (err %d, %d x MORE)", c.n,
	      err, more);
	free(buf);
}

static void test_dump(struct nl_genl *g)
{
	struct count c = {0}, c2 = {0};
	struct nl_genl fresh;
	int err;

	err = dump_families(g, &c);
	check(!err && c.n >= 2 && c.have_nlctrl, "dump of families: err %d, %u families", err, c.n);
	printf("FAMILIES %u\n", c.n);
	test_process(g, c.n);

	/*
	 * A dump in many parts: the attribute policies of a family with many
	 * operations. On a socket that has not received yet the kernel builds
	 * the first part in one page, before it knows our buffer size, so a
	 * dump larger than a page arrives in several datagrams, and every one
	 * must be read. Take the first family whose dump is that large.
	 */
	for (unsigned int i = 0; i < c.n_ids; i++) {
		err = nl_genl_open(&fresh);
		if (err)
			break;
		memset(&c2, 0, sizeof(c2));
		c2.g = &fresh;
		err = dump_policies(&fresh, c.ids[i], &c2);
		nl_genl_close(&fresh);
		if (err == -ENODATA) /* a family without policies */
			err = 0;
		if (err || c2.bytes > 8192)
			break;
	}
	if (c2.bytes > 8192 || err)
		check(!err && c2.datagrams >= 2,
		      "multi-part dump: err %d, %u messages, %zu bytes in %u datagrams", err, c2.n,
		      c2.bytes, c2.datagrams);
	else
		printf("SKIP multi-part dump: no family here has a policy dump over 8 KiB\n");
	memset(&c2, 0, sizeof(c2));

	/* A callback that gives up: its error comes back, the dump is drained. */
	c2.stop_after = 1;
	err = dump_families(g, &c2);
	check(err == -ECANCELED && c2.n == 1, "callback error stops the dump (err %d, n %u)", err,
	      c2.n);
	memset(&c2, 0, sizeof(c2));
	err = dump_families(g, &c2);
	check(!err && c2.n == c.n, "next dump after a stopped one is complete (err %d, %u of %u)",
	      err, c2.n, c.n);
}

/* A reply never read (request given up) must not answer the next request. */
static void test_stale(struct nl_genl *g)
{
	struct nl_genl_family fam;
	struct nlmsghdr *nlh;
	int err;

	nlh = nl_genl_msg(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "xmtest-absent");
	err = nl_genl_send(g, nlh);
	check(!err, "send a request and leave its answer unread");
	err = nl_genl_resolve(g, "nlctrl", &fam);
	check(!err && fam.id == GENL_ID_CTRL, "stale -ENOENT skipped, next request answered (%d)",
	      err);
}

static void test_batch(struct nl_genl *g)
{
	const unsigned int n = 100, bad = 37;
	struct nl_genl_batch bt;
	unsigned int base = 0, failed = 0, bad_at = 0, flushes = 0;
	int err, first_err = 0;

	/*
	 * Room for about 40 requests per sendmsg(), so that their replies fit
	 * in the receive buffer (each takes a page there): 100 need three.
	 */
	err = nl_genl_batch_init(&bt, g, NL_GENL_TXBUF + 40 * 32);
	check(!err, "batch init");
	if (err)
		return;
	for (unsigned int i = 0; i <= n; i++) {
		struct nlmsghdr *nlh = NULL;

		if (i < n)
			nlh = nl_genl_batch_msg(&bt, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
		if (!nlh) {
			/* Full (or done): send what we have, as a large change would. */
			unsigned int count = bt.count;

			err = nl_genl_batch_flush(&bt, &failed);
			flushes++;
			if (err && !first_err) {
				first_err = err;
				bad_at = base + failed;
			}
			base += count;
			if (i == n)
				break;
			nlh = nl_genl_batch_msg(&bt, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
		}
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME,
				  i == bad ? "xmtest-absent" : "nlctrl");
		nl_genl_batch_commit(&bt);
	}
	check(flushes >= 3 && base == n, "batch of %u requests sent in %u sendmsg() calls", base,
	      flushes);
	check(first_err == -ENOENT, "batch reports the failed request's error (%d)", first_err);
	check(bad_at == bad, "batch names the failed message (%u, want %u)", bad_at, bad);

	/* A batch without failures completes with one ACK. */
	for (unsigned int i = 0; i < 10; i++) {
		struct nlmsghdr *nlh;

		nlh = nl_genl_batch_msg(&bt, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
		nl_genl_batch_commit(&bt);
	}
	err = nl_genl_batch_flush(&bt, NULL);
	check(!err, "batch of 10 good requests: %d", err);
	nl_genl_batch_free(&bt);

	/* More replies than the receive buffer holds: reported, never a hang. */
	err = nl_genl_batch_init(&bt, g, 64 * 1024);
	for (unsigned int i = 0; !err && i < 1000; i++) {
		struct nlmsghdr *nlh;

		nlh = nl_genl_batch_msg(&bt, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
		if (!nlh)
			break;
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
		nl_genl_batch_commit(&bt);
	}
	for (int round = 0; round < 2; round++) {
		unsigned int count = bt.count;

		err = nl_genl_batch_flush(&bt, NULL);
		check(err == -ENOBUFS, "batch of %u replies overflows: -ENOBUFS (got %d)", count,
		      err);
		/* Same batch again: the overflow must be reported again. */
		for (unsigned int i = 0; i < count; i++) {
			struct nlmsghdr *nlh;

			nlh = nl_genl_batch_msg(&bt, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
			mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
			nl_genl_batch_commit(&bt);
		}
	}
	nl_genl_batch_free(&bt);

	err = nl_genl_resolve(g, "nlctrl", &(struct nl_genl_family){.id = 0});
	check(!err, "socket in sync after batches (%d)", err);
}

int main(void)
{
	struct nl_genl g;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	err = nl_genl_open(&g);
	check(!err, "open generic netlink socket (%d)", err);
	if (err)
		return 1;
	test_resolve(&g);
	test_extack(&g);
	test_dump(&g);
	test_stale(&g);
	test_batch(&g);
	nl_genl_close(&g);
	return failures ? 1 : 0;
}
