#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""A route dump that races with a change is marked NLM_F_DUMP_INTR.

    dump_intr.py DEV XMESHCTL

Dumps DEV's routes (a dump of many parts) reading one part at a time;
after the first parts it adds a route with xmeshctl, then reads on. No
message read before the change may be marked, and the first one the
kernel built after it must be: the module gives every part the device
generation, the core marks a message whose part's generation differs from
the previous part's. Removes the route again.
Raw netlink, no pyroute2: the test VM has only the standard library.
"""
import socket
import struct
import subprocess
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLM_F_DUMP_INTR = 0x10
NLMSG_ERROR = 2
NLMSG_DONE = 3
XMESH_CMD_ROUTE_GET = 12   # include/uapi/linux/xmesh.h
XMESH_A_DEV_IFNAME = 2
EXTRA = "10.250.0.1/32"


def attr(atype, payload):
    a = struct.pack("=HH", 4 + len(payload), atype) + payload
    return a + b"\0" * (-len(a) % 4)


def request(sock, family, cmd, flags, attrs, seq):
    body = struct.pack("=BBH", cmd, 1, 0) + attrs
    sock.send(struct.pack("=IHHII", 16 + len(body), family, flags, seq, 0) + body)


def messages(buf):
    """(type, flags, payload) of each netlink message in one datagram."""
    off = 0
    while off + 16 <= len(buf):
        length, mtype, flags, _, _ = struct.unpack_from("=IHHII", buf, off)
        if length < 16 or off + length > len(buf):
            raise SystemExit("truncated netlink message")
        yield mtype, flags, buf[off + 16:off + length]
        off += (length + 3) & ~3


def family_id(sock):
    request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_REQUEST,
            attr(CTRL_ATTR_FAMILY_NAME, b"xmesh\0"), 1)
    for mtype, _, payload in messages(sock.recv(65536)):
        if mtype == NLMSG_ERROR:
            raise SystemExit("no xmesh genetlink family")
        off = 4
        while off + 4 <= len(payload):
            alen, atype = struct.unpack_from("=HH", payload, off)
            if atype == CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from("=H", payload, off + 4)[0]
            off += (alen + 3) & ~3
    raise SystemExit("no family id in the reply")


def main():
    dev, xmeshctl = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    # A small receive buffer keeps the kernel at most a part or two ahead.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    family = family_id(sock)
    request(sock, family, XMESH_CMD_ROUTE_GET, NLM_F_REQUEST | NLM_F_DUMP,
            attr(XMESH_A_DEV_IFNAME, dev.encode() + b"\0"), 2)
    parts = before = before_intr = after = after_intr = 0
    changed = done_intr = False
    while True:
        buf = sock.recv(1 << 20)
        parts += 1
        done = False
        for mtype, flags, _ in messages(buf):
            if mtype == NLMSG_ERROR:
                raise SystemExit("the dump failed")
            intr = bool(flags & NLM_F_DUMP_INTR)
            if mtype == NLMSG_DONE:
                done, done_intr = True, intr
            elif changed:
                after, after_intr = after + 1, after_intr + intr
            else:
                before, before_intr = before + 1, before_intr + intr
        if done:
            break
        if parts == 2:
            subprocess.run([xmeshctl, "route", "add", dev, EXTRA, "node", "2"], check=True)
            changed = True
    subprocess.run([xmeshctl, "route", "del", dev, EXTRA], check=True)
    print(f"{parts} parts; before the change {before} routes ({before_intr} marked),"
          f" after {after} ({after_intr} marked), done marked: {done_intr}")
    if parts < 10 or before_intr or not after_intr:
        raise SystemExit("want: >= 10 parts, nothing marked before the change,"
                         " a message after it marked NLM_F_DUMP_INTR")


if __name__ == "__main__":
    main()
