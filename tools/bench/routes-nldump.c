// SPDX-License-Identifier: GPL-2.0
/*
 * routes-nldump xmesh DEV | fib: one netlink route dump read to NLMSG_DONE,
 * timed in-process (no process start-up); prints "ENTRIES DATAGRAMS MS".
 * Built by tools/bench/routes into build/bench/routes-nldump.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define XMESH_CMD_ROUTE_GET 12 /* include/uapi/linux/xmesh.h */
#define XMESH_A_DEV_IFNAME 2

static char buf[1 << 20];

static int put_attr(char *p, int type, const void *data, int len)
{
	struct nlattr *a = (struct nlattr *)p;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy(p + NLA_HDRLEN, data, len);
	return NLA_ALIGN(a->nla_len);
}

static int request(int fd, int type, int flags, const void *body, int len)
{
	char msg[256];
	struct nlmsghdr *h = (struct nlmsghdr *)msg;

	memset(msg, 0, sizeof(msg));
	h->nlmsg_len = NLMSG_HDRLEN + len;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = 1;
	memcpy(msg + NLMSG_HDRLEN, body, len);
	return send(fd, msg, h->nlmsg_len, 0) < 0 ? -1 : 0;
}

static int genl_family(int fd, const char *name)
{
	char body[64] = { 0 };
	struct genlmsghdr *g = (struct genlmsghdr *)body;
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlattr *a;
	int len, off;

	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	len = GENL_HDRLEN + put_attr(body + GENL_HDRLEN, CTRL_ATTR_FAMILY_NAME,
				     name, strlen(name) + 1);
	if (request(fd, GENL_ID_CTRL, 0, body, len) < 0)
		return -1;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < (int)NLMSG_HDRLEN || h->nlmsg_type != GENL_ID_CTRL)
		return -1;
	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= (int)h->nlmsg_len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (struct nlattr *)(buf + off);
		if (a->nla_len < NLA_HDRLEN)
			return -1;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(unsigned short *)(buf + off + NLA_HDRLEN);
	}
	return -1;
}

int main(int argc, char **argv)
{
	long entries = 0, datagrams = 0;
	struct timespec t0, t1;
	char body[64] = { 0 };
	int fd, type, len;

	if (argc == 3 && !strcmp(argv[1], "xmesh")) {
		struct genlmsghdr *g = (struct genlmsghdr *)body;

		fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
		type = genl_family(fd, "xmesh");
		if (type < 0) {
			fprintf(stderr, "routes-nldump: no xmesh genetlink family\n");
			return 1;
		}
		g->cmd = XMESH_CMD_ROUTE_GET;
		g->version = 1;
		len = GENL_HDRLEN + put_attr(body + GENL_HDRLEN, XMESH_A_DEV_IFNAME,
					     argv[2], strlen(argv[2]) + 1);
	} else if (argc == 2 && !strcmp(argv[1], "fib")) {
		struct rtmsg *r = (struct rtmsg *)body;

		fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
		type = RTM_GETROUTE;
		r->rtm_family = AF_INET;
		len = sizeof(*r);
	} else {
		fprintf(stderr, "usage: routes-nldump xmesh DEV | fib\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (request(fd, type, NLM_F_DUMP, body, len) < 0) {
		perror("routes-nldump: send");
		return 1;
	}
	for (;;) {
		struct nlmsghdr *h;
		int n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			perror("routes-nldump: recv");
			return 1;
		}
		datagrams++;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				fprintf(stderr, "routes-nldump: the dump failed\n");
				return 1;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				goto done;
			entries++;
		}
	}
done:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld %ld %ld\n", entries, datagrams,
	       (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	close(fd);
	return 0;
}
