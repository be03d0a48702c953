#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xmeshd driving the real xmesh module, inside the test VM:
#   tools/vm/run -- selftests/daemon/node_vm.sh
# Two network namespaces joined by a veth, an xmesh0 device and one daemon in
# each: the daemons find each other, handshake, and install the device's id
# and port, the peer and its session keys over generic netlink; xmeshctl
# reads them back from the module. Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
XMESHD=$top/userspace/xmeshd/xmeshd
XMESHCTL=$top/userspace/xmeshctl/xmeshctl
PY=/usr/bin/python3
tmp=$(mktemp -d)
tapn=0 failed=0 pids=()

check() {
	tapn=$((tapn + 1))
	if [ "$1" = 0 ]; then echo "ok $tapn $2"; else echo "not ok $tapn $2"; failed=1; fi
}
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del xmvm-a 2>/dev/null
	ip netns del xmvm-b 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "${XMESH_VM:-}" != 1 ] || [ -z "${XMESH_KO:-}" ]; then
	echo "node_vm.sh runs inside the test VM: tools/vm/run -- $0" >&2
	exit 2
fi
lsmod | grep -q '^xmesh ' || insmod "$XMESH_KO" || { check 1 "insmod $XMESH_KO"; exit 1; }

ip netns add xmvm-a
ip netns add xmvm-b
ip link add eth0 netns xmvm-a type veth peer name eth0 netns xmvm-b
for s in a b; do
	ip -n xmvm-$s link set lo up
	ip -n xmvm-$s link set eth0 up
	ip -n xmvm-$s link add xmesh0 type xmesh
	ip -n xmvm-$s link set xmesh0 up
done
ip -n xmvm-a addr add 10.79.0.1/24 dev eth0
ip -n xmvm-b addr add 10.79.0.2/24 dev eth0

ip netns exec xmvm-a "$XMESHD" -s "$tmp/a" -C "$tmp/a.sock" -p 4 -l 10.79.0.1:51831 \
	2>"$tmp/a.log" &
pids+=($!)
ip netns exec xmvm-b "$XMESHD" -s "$tmp/b" -C "$tmp/b.sock" -p 4 -l 10.79.0.2:51831 \
	-S 10.79.0.1:51831 2>"$tmp/b.log" &
pids+=($!)

ctl() { XMESHD_SOCKET=$tmp/$1.sock timeout 10 "$XMESHCTL" "${@:2}"; }
for _ in $(seq 100); do
	s=$(ctl b --json node 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["stats"]["key_installs"])' 2>/dev/null)
	[ "${s:-0}" -ge 1 ] && break
	sleep 0.1
done
ctl a node; ctl b node
ctl a --json node | "$PY" -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if j["kernel"] else 1)'
check $? "the daemon finds the xmesh family and drives the module"
for s in a b; do
	ctl $s --json node | "$PY" -c '
import json,sys
j=json.load(sys.stdin)["stats"]
print("# %s: key_installs=%d kernel_requests=%d kernel_errors=%d" % (sys.argv[1], j["key_installs"], j["kernel_requests"], j["kernel_errors"]))
sys.exit(0 if j["key_installs"] >= 1 and j["kernel_errors"] == 0 else 1)' $s
	check $? "node $s: session keys installed, every netlink request accepted"
done
idb=$(ctl b --json node | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"][:16])')
ip netns exec xmvm-a "$XMESHCTL" show xmesh0
ip netns exec xmvm-a "$XMESHCTL" --json show xmesh0 | grep -qi "\"node_id\":\"\\?\\(0x\\)\\?[0-9a-f]*" 
check $? "the device carries the node id the daemon set"
ip netns exec xmvm-a "$XMESHCTL" peer show xmesh0 2>&1 | tee "$tmp/peers"
grep -qi "$idb\|$((16#$idb))" "$tmp/peers"
check $? "the module lists node b as a peer of node a"
sed 's/^/# a: /' "$tmp/a.log"
sed 's/^/# b: /' "$tmp/b.log"
echo "1..$tapn"
exit $failed
