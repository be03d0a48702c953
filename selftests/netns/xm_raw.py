#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""Send crafted xmesh data packets in UDP over IPv4 from any source port,
or replay a captured one.

    xm_raw.py SRC SPORT DST DPORT HOP DST_NODE COUNT [SRC SPORT ...]
    xm_raw.py replay PCAP DST DPORT [as-is|tamper|hop0]...

Each group of seven arguments sends COUNT datagrams from SRC:SPORT to
DST:DPORT (a raw socket: the source port may be one a tunnel socket holds)
carrying a well-formed header (version 1, data, hop limit HOP, tenant 0,
destination node DST_NODE, receiver index 1, counter 0) and 64 bytes of
zero "ciphertext" plus a 16-byte tag: what a relay forwards without
decrypting. One process for all of them: every exec costs in the VM.
With replay, the UDP payload of the first IPv4 frame of an Ethernet pcap
(tcpdump -w) goes to DST:DPORT once per variant: as captured (the
default), with its last byte flipped (tamper), with hop limit 0 (hop0).
"""
import socket
import struct
import sys

XMESH_VER_TYPE_DATA = 0x11


def datagram(src, sport, dst, dport, hop, node):
    payload = struct.pack("!BBBBIQIIQ", XMESH_VER_TYPE_DATA, hop, 0, 0, 0,
                          node, 1, 0, 0) + bytes(64 + 16)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    # IP_HDRINCL: the kernel fills in the id and the header checksum.
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp) + len(payload),
                     0, 0, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + udp + payload


VARIANTS = {
    "as-is": lambda p: p,
    "tamper": lambda p: p[:-1] + bytes([p[-1] ^ 1]),
    "hop0": lambda p: p[:1] + b"\x00" + p[2:],
}


def replay(pcap, dst, dport, variants):
    data = open(pcap, "rb").read()
    off = 24
    while off + 16 <= len(data):
        n = struct.unpack_from("<IIII", data, off)[2]
        frame = data[off + 16:off + 16 + n]
        off += 16 + n
        if frame[12:14] == b"\x08\x00":
            ihl = (frame[14] & 15) * 4
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for v in variants or ["as-is"]:
                s.sendto(VARIANTS[v](frame[14 + ihl + 8:]), (dst, int(dport)))
            return
    sys.exit("no IPv4 frame in " + pcap)


def main(argv):
    if len(argv) >= 4 and argv[0] == "replay":
        replay(argv[1], argv[2], argv[3], argv[4:])
        return
    if not argv or len(argv) % 7:
        sys.exit(__doc__)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for i in range(0, len(argv), 7):
        src, sport, dst, dport, hop, node, count = argv[i:i + 7]
        pkt = datagram(src, int(sport), dst, int(dport), int(hop), int(node, 0))
        for _ in range(int(count)):
            s.sendto(pkt, (dst, 0))


if __name__ == "__main__":
    main(sys.argv[1:])
