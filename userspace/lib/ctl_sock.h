/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local control protocol between xmeshd and xmeshctl: one request
 * datagram (proto/ctl.proto CtlRequest) on a unix SOCK_SEQPACKET socket,
 * answered by one response datagram (CtlResponse). The socket file is mode
 * 0600 and the daemon also checks the peer's credentials: root only.
 */
#ifndef CTL_SOCK_H
#define CTL_SOCK_H

#include <stddef.h>

#include "ctl.pb-c.h"

#define CTLSOCK_VERSION 1
#define CTLSOCK_DEFAULT_PATH "/run/xmesh/xmeshd.sock"
/* Environment variable naming another socket (tests, several daemons). */
#define CTLSOCK_PATH_ENV "XMESHD_SOCKET"
/* Largest request and response datagrams. */
#define CTLSOCK_REQ_MAX 1024
#define CTLSOCK_RESP_MAX (192 * 1024)

/* The socket path to use: $XMESHD_SOCKET, else the default. */
const char *ctlsock_path(void);

/*
 * Send req to the daemon at path and wait up to timeout_ms for its answer.
 * Returns 0 with *resp allocated (free with xmesh__ctl_response__free_unpacked),
 * -ECONNREFUSED / -ENOENT when no daemon listens, -ETIMEDOUT, -EPROTO for an
 * undecodable answer, or another -errno.
 */
int ctlsock_call(const char *path, const Xmesh__CtlRequest *req, int timeout_ms,
		 Xmesh__CtlResponse **resp);

#endif
