#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""UDP traffic for the eBPF namespace tests and bench (run inside a netns).

  udp_tool.py send ADDR PORT COUNT SIZE [--sport P] [--xmesh NODE]
      COUNT datagrams of SIZE payload bytes; with --xmesh the payload is an
      xmesh data packet for NODE (32-byte header, then SIZE bytes).
  udp_tool.py rawsend IFACE DST_MAC SRC DST PORT COUNT SIZE [--sport P] --xmesh NODE
      the same xmesh packets as whole Ethernet frames on an AF_PACKET
      socket, with complete UDP checksums: a veth leaves a socket's UDP
      checksum partial (offloaded), which a relay cannot forward as is.
  udp_tool.py flood ADDR PORT SECONDS SIZE
      as many datagrams as the socket takes for SECONDS.
  udp_tool.py recv ADDR PORT IDLE MAX_SECONDS [--expect N]
      counts datagrams until N have come, or IDLE seconds pass without one
      after the first, or MAX_SECONDS in all; then prints "received N bytes B".
"""
import argparse
import socket
import struct
import sys
import time

XMESH_VER_TYPE_DATA = 1 << 4 | 1
XMESH_HOP_LIMIT = 8  # XM_HOP_LIMIT_MAX: more is dropped


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def xmesh_packet(node, seq, size):
    hdr = struct.pack("!BBBBIQIIQ", XMESH_VER_TYPE_DATA, XMESH_HOP_LIMIT, 0, 0,
                      7, node, 1, 0, seq)
    return hdr + bytes((seq + i) & 0xff for i in range(size))


def send(a):
    s = socket.socket(family(a.addr), socket.SOCK_DGRAM)
    if a.sport:
        s.bind(("::" if family(a.addr) == socket.AF_INET6 else "0.0.0.0", a.sport))
    plain = bytes(a.size)
    for i in range(a.count):
        data = xmesh_packet(a.xmesh, i, a.size) if a.xmesh is not None else plain
        while True:
            try:
                s.sendto(data, (a.addr, a.port))
                break
            except BlockingIOError:
                time.sleep(0.001)
        # Never outrun a veth queue: the tests count every packet.
        if i % 64 == 63:
            time.sleep(0.002)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(a, seq, src_mac):
    v6 = ":" in a.src
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    src, dst = socket.inet_pton(fam, a.src), socket.inet_pton(fam, a.dst)
    payload = xmesh_packet(a.xmesh, seq, a.size)
    ulen = 8 + len(payload)
    udp = struct.pack("!HHHH", a.sport or a.port, a.port, ulen, 0) + payload
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", ulen, 17)
    else:
        pseudo = src + dst + struct.pack("!xBH", 17, ulen)
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    if v6:
        ip = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + src + dst
        etype = 0x86DD
    else:
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + ulen, seq & 0xFFFF, 0x4000, 64, 17, 0)
        ip = ip + src + dst
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        etype = 0x0800
    dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    return dst_mac + src_mac + struct.pack("!H", etype) + ip + udp


def rawsend(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    src_mac = s.getsockname()[4]
    for i in range(a.count):
        s.send(frame(a, i, src_mac))
        if i % 64 == 63:
            time.sleep(0.002)


def flood(a):
    s = socket.socket(family(a.addr), socket.SOCK_DGRAM)
    data = bytes(a.size)
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        for _ in range(64):
            try:
                s.sendto(data, (a.addr, a.port))
            except OSError:
                pass


def recv(a):
    s = socket.socket(family(a.addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((a.addr, a.port))
    print("ready", flush=True)
    n = nbytes = 0
    end = time.monotonic() + a.max_seconds
    s.settimeout(a.idle)
    while time.monotonic() < end:
        try:
            data = s.recv(65536)
        except socket.timeout:
            if n:
                break
            continue
        n += 1
        nbytes += len(data)
        if a.expect and n >= a.expect:
            break
    print(f"received {n} bytes {nbytes}", flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("addr")
    ps.add_argument("port", type=int)
    ps.add_argument("count", type=int)
    ps.add_argument("size", type=int)
    ps.add_argument("--sport", type=int, default=0)
    ps.add_argument("--xmesh", type=lambda v: int(v, 0), default=None)
    pw = sub.add_parser("rawsend")
    for arg in ("iface", "dst_mac", "src", "dst"):
        pw.add_argument(arg)
    pw.add_argument("port", type=int)
    pw.add_argument("count", type=int)
    pw.add_argument("size", type=int)
    pw.add_argument("--sport", type=int, default=0)
    pw.add_argument("--xmesh", type=lambda v: int(v, 0), required=True)
    pf = sub.add_parser("flood")
    pf.add_argument("addr")
    pf.add_argument("port", type=int)
    pf.add_argument("seconds", type=float)
    pf.add_argument("size", type=int)
    pr = sub.add_parser("recv")
    pr.add_argument("addr")
    pr.add_argument("port", type=int)
    pr.add_argument("idle", type=float)
    pr.add_argument("max_seconds", type=float)
    pr.add_argument("--expect", type=int, default=0)
    a = p.parse_args()
    {"send": send, "rawsend": rawsend, "flood": flood, "recv": recv}[a.cmd](a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
