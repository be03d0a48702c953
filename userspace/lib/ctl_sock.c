// SPDX-License-Identifier: GPL-2.0
#include "ctl_sock.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

const char *ctlsock_path(void)
{
	const char *p = getenv(CTLSOCK_PATH_ENV);

	return p && *p ? p : CTLSOCK_DEFAULT_PATH;
}

int ctlsock_call(const char *path, const Xmesh__CtlRequest *req, int timeout_ms,
		 Xmesh__CtlResponse **resp)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	uint8_t out[CTLSOCK_REQ_MAX];
	struct pollfd pfd;
	uint8_t *in = NULL;
	size_t len;
	ssize_t n;
	int fd, err;

	*resp = NULL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	len = xmesh__ctl_request__get_packed_size(req);
	if (len > sizeof(out))
		return -EMSGSIZE;
	xmesh__ctl_request__pack(req, out);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || send(fd, out, len, 0) < 0) {
		err = -errno;
		goto out;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	n = poll(&pfd, 1, timeout_ms);
	if (n <= 0) {
		err = n == 0 ? -ETIMEDOUT : -errno;
		goto out;
	}
	in = malloc(CTLSOCK_RESP_MAX);
	if (!in) {
		err = -ENOMEM;
		goto out;
	}
	n = recv(fd, in, CTLSOCK_RESP_MAX, MSG_TRUNC);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	if (n == 0 || n > CTLSOCK_RESP_MAX) {
		err = -EPROTO;
		goto out;
	}
	*resp = xmesh__ctl_response__unpack(NULL, (size_t)n, in);
	err = *resp ? 0 : -EPROTO;
out:
	free(in);
	close(fd);
	return err;
}
