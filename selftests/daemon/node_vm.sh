#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xmeshd driving the real xmesh module, inside the test VM:
#   tools/vm/run -- selftests/daemon/node_vm.sh
# Two network namespaces joined by a veth, an xmesh0 device and one daemon in
# each: the daemons find each other, handshake, and install the device's id
# and port, the peer and its session keys over generic netlink; xmeshctl
# reads them back from the module. Each daemon's overlay prefix comes from
# its configuration file and reaches the other in the signed handshake,
# which routes it to its node in the module: a ping crosses the overlay with
# no key or route typed by hand. Prints TAP.
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

# Each node's overlay prefix, and the peers' prefixes it accepts, in its
# configuration file.
# Keys are renewed after REKEY_PACKETS packets, so that the volume rekey
# (the module's key-limit event -> a new handshake) happens under test.
REKEY_PACKETS=40
printf '[overlay]\nprefix = 10.200.1.0/24\nallow_prefixes = 10.200.0.0/16, fd20::/16\n[kernel]\nrekey_packets = %d\n' \
	"$REKEY_PACKETS" >"$tmp/a.conf"
printf '[overlay]\nprefix = 10.200.2.0/24\nprefix = fd20:2::/64\nallow_prefixes = 10.200.0.0/16\n[kernel]\nrekey_packets = %d\n' \
	"$REKEY_PACKETS" >"$tmp/b.conf"
ip netns exec xmvm-a "$XMESHD" -c "$tmp/a.conf" -s "$tmp/a" -C "$tmp/a.sock" -p 4 \
	-l 10.79.0.1:51831 2>"$tmp/a.log" &
pids+=($!)
ip netns exec xmvm-b "$XMESHD" -c "$tmp/b.conf" -s "$tmp/b" -C "$tmp/b.sock" -p 4 \
	-l 10.79.0.2:51831 -S 10.79.0.1:51831 2>"$tmp/b.log" &
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
# Each module holds the other node as a peer at its data endpoint, and the
# indexes of the primary key slots match crosswise (the keys are write-only).
kid() { ctl "$1" --json node | "$PY" -c 'import json,sys; print("0x" + json.load(sys.stdin)["id"][:16])'; }
kida=$(kid a) kidb=$(kid b)
ip netns exec xmvm-a "$XMESHCTL" --json peer show xmesh0 "$kidb" >"$tmp/pa.json"
ip netns exec xmvm-b "$XMESHCTL" --json peer show xmesh0 "$kida" >"$tmp/pb.json"
sed 's/^/# peer of a: /' "$tmp/pa.json"
sed 's/^/# peer of b: /' "$tmp/pb.json"
grep -q "10.79.0.2" "$tmp/pa.json" && grep -q "51830" "$tmp/pa.json" &&
	grep -q "10.79.0.1" "$tmp/pb.json"
check $? "each module lists the other node as a peer at its data endpoint"
"$PY" - "$tmp/pa.json" "$tmp/pb.json" <<'PYEOF'
import json, sys

def slots(path):
    j = json.load(open(path))
    if isinstance(j, list):
        j = j[0]
    found = {}
    def walk(o):
        if isinstance(o, dict):
            if "local_index" in o and "remote_index" in o:
                found[o.get("slot", len(found))] = (o["local_index"], o["remote_index"])
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(j)
    return found

a, b = slots(sys.argv[1]), slots(sys.argv[2])
pa = a.get("primary") or a.get(0)
pb = b.get("primary") or b.get(0)
print("# primary slots: a %s, b %s" % (pa, pb))
sys.exit(0 if pa and pb and pa[0] == pb[1] and pa[1] == pb[0] else 1)
PYEOF
check $? "the primary key slots' receiver indexes match crosswise"

ip netns exec xmvm-a "$XMESHCTL" --json show xmesh0 | grep -qi "\"node_id\":\"$kida\""
check $? "the daemon gave the device its node id ($kida)"

# The module's prefix routes come from the daemons: each node routes the
# other's configured prefixes (and only those) to the other's id.
routes() { ip netns exec "xmvm-$1" "$XMESHCTL" --json route list xmesh0; }
has_routes() { # has_routes NODE KID PREFIX...: exactly these prefixes, to KID
	"$PY" -c '
import json, sys
rs = json.load(sys.stdin)
got = sorted((r["prefix"], r["node_id"]) for r in rs)
want = sorted((p, sys.argv[1]) for p in sys.argv[2:])
print("# routes: %s" % got)
sys.exit(0 if got == want else 1)' "${@:2}" < <(routes "$1")
}
for _ in $(seq 50); do
	has_routes a "$kidb" 10.200.2.0/24 fd20:2::/64 >/dev/null 2>&1 &&
		has_routes b "$kida" 10.200.1.0/24 >/dev/null 2>&1 && break
	sleep 0.1
done
has_routes a "$kidb" 10.200.2.0/24 fd20:2::/64
check $? "node a routes b's configured prefixes to b"
has_routes b "$kida" 10.200.1.0/24
check $? "node b routes a's configured prefix to a"

# Addresses inside the prefixes, and the overlay's supernet on xmesh0 (the
# host's address plan); the module picks the node by the routes above.
ip -n xmvm-a addr add 10.200.1.1/32 dev xmesh0
ip -n xmvm-b addr add 10.200.2.1/32 dev xmesh0
ip -n xmvm-a route add 10.200.0.0/16 dev xmesh0
ip -n xmvm-b route add 10.200.0.0/16 dev xmesh0
ip netns exec xmvm-a ping -c 3 -i 0.2 -W 2 10.200.2.1 | sed 's/^/# /'
check "${PIPESTATUS[0]}" "a ping crosses the overlay with keys and routes the daemons installed"

# Volume rekey: more packets than REKEY_PACKETS make the module raise its
# key-limit event; the daemon answers with a new handshake and installs new
# keys, and traffic goes on under them.
installs() { ctl "$1" --json node | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["stats"]["key_installs"])'; }
ia0=$(installs a) ib0=$(installs b)
ip netns exec xmvm-a ping -q -c $((REKEY_PACKETS + 10)) -i 0.05 -W 2 10.200.2.1 >/dev/null
for _ in $(seq 100); do
	[ "$(installs a)" -gt "$ia0" ] && [ "$(installs b)" -gt "$ib0" ] && break
	sleep 0.1
done
ia1=$(installs a) ib1=$(installs b)
echo "# key installs: a $ia0 -> $ia1, b $ib0 -> $ib1"
grep -h 'reached its limit' "$tmp/a.log" "$tmp/b.log" | head -n 2 | sed 's/^/# /'
[ "$ia1" -gt "$ia0" ] && [ "$ib1" -gt "$ib0" ] && grep -q 'reached its limit' "$tmp/a.log" "$tmp/b.log"
check $? "a key used for $REKEY_PACKETS packets is renewed by a new handshake (volume rekey)"
ip netns exec xmvm-a ping -c 3 -i 0.2 -W 2 10.200.2.1 | sed 's/^/# /'
check "${PIPESTATUS[0]}" "traffic goes on under the renewed keys"

ip netns exec xmvm-b "$XMESHCTL" peer show xmesh0 "$kida" | sed 's/^/# /'
sed 's/^/# a: /' "$tmp/a.log"
sed 's/^/# b: /' "$tmp/b.log"
echo "1..$tapn"
exit $failed
