#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xmeshctl against the real module: what `set` writes, `show` and
# `show --json` read back (and the kernel confirms through sysfs), and every
# failure class ends in its own exit status with a message on stderr
# (userspace/xmeshctl/xmeshctl.h: 2 bad value, 3 no such device, 4 module
# not loaded, 5 permission denied). Runs in the test VM with xmesh.ko
# loaded; unloads it at the end.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=selftests/kmod/lib/tap.sh
. "$here/lib/tap.sh"

ctl=$top/userspace/xmeshctl/xmeshctl
# -S: no site module, a few hundred fewer file opens over 9p per start.
py=(/usr/bin/python3 -S)

cleanup() {
	ip link del xmctl0 2>/dev/null
	ip link del xmctl1 2>/dev/null
}
trap cleanup EXIT

if [ ! -x "$ctl" ]; then
	tap_skip "xmeshctl tests" "$ctl not built"
	tap_done
	exit
fi

as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all -- "$@"
}

# The JSON of one device, checked field by field.
json_matches() {
	local dev=$1 port=$2 node=$3 mtu=$4 flags=$5
	"$ctl" --json show "$dev" | "${py[@]}" -c '
import json, sys
want = {"ifname": sys.argv[1], "listen_port": int(sys.argv[2]),
        "node_id": sys.argv[3], "mtu": int(sys.argv[4]),
        "flags": [f for f in sys.argv[5].split(",") if f]}
devs = json.load(sys.stdin)
assert isinstance(devs, list) and len(devs) == 1, devs
got = {k: devs[0].get(k) for k in want}
assert got == want, (got, want)
assert isinstance(devs[0]["ifindex"], int) and devs[0]["ifindex"] > 0, devs[0]
' "$dev" "$port" "$node" "$mtu" "$flags"
}

text_matches() {
	local out
	out=$("$ctl" show xmctl0) || return 1
	printf '%s\n' "$out"
	grep -qx 'interface: xmctl0' <<<"$out" &&
		grep -qx '  node id: 0x00000000000abcde' <<<"$out" &&
		grep -qx '  listening port: 51830' <<<"$out" &&
		grep -qx '  mtu: 1420' <<<"$out" &&
		grep -qx '  flags: relay' <<<"$out"
}

show_all_lists_both() {
	"$ctl" --json show | "${py[@]}" -c '
import json, sys
names = sorted(d["ifname"] for d in json.load(sys.stdin))
assert "xmctl0" in names and "xmctl1" in names, names
'
}

# show lists each peer as `wg show` does: endpoint, key slots by their
# receiver indexes (never the key), transfer counters.
show_lists_peers() {
	local enc=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	local dec=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210 out
	"$ctl" peer add xmctl0 0x42 endpoint 192.0.2.7:51999 &&
		"$ctl" key set xmctl0 0x42 primary local-index 4201 remote-index 4202 \
			encrypt-key $enc decrypt-key $dec || return 1
	out=$("$ctl" show xmctl0) || return 1
	printf '%s\n' "$out"
	grep -qx 'peer: 0x0000000000000042' <<<"$out" &&
		grep -qx '  endpoint: 192.0.2.7:51999' <<<"$out" &&
		grep -qx '  key primary: local index 4201, remote index 4202' <<<"$out" &&
		grep -qx '  transfer: 0 packets (0 bytes) received, 0 packets (0 bytes) sent' \
			<<<"$out" || return 1
	out=$("$ctl" --json show xmctl0) || return 1
	! grep -qi -e "${enc:0:16}" -e "${dec:0:16}" <<<"$out" || { echo "key material shown"; return 1; }
	"${py[@]}" -c '
import json, sys
dev = json.loads(sys.argv[1])[0]
assert dev["listen_port"] == 51830, dev
peers = dev["peers"]
assert [p["node_id"] for p in peers] == ["0x0000000000000042"], peers
assert peers[0]["endpoint"] == "192.0.2.7:51999", peers
keys = peers[0]["keys"]
assert [(k["slot"], k["local_index"], k["remote_index"]) for k in keys] == \
    [("primary", 4201, 4202)], keys
assert peers[0]["stats"]["tx_packets"] == 0, peers
' "$out" && "$ctl" peer del xmctl0 0x42
}

sysfs_mtu_is() {
	[ "$(cat "/sys/class/net/$1/mtu")" = "$2" ]
}

ip link add xmctl0 type xmesh
ip link add xmctl1 type xmesh

tap_status 0 "xmeshctl set xmctl0 listen-port node-id mtu flags" \
	"$ctl" set xmctl0 listen-port 51830 node-id 0xabcde mtu 1420 flags relay
tap_check "xmeshctl show prints what was set" text_matches
"$ctl" show xmctl0 | sed 's/^/# /'
tap_check "xmeshctl --json show round-trips every attribute" \
	json_matches xmctl0 51830 0x00000000000abcde 1420 relay
tap_check "the kernel applied the MTU (sysfs)" sysfs_mtu_is xmctl0 1420
tap_status 0 "xmeshctl set xmctl0 flags none mtu 1500" "$ctl" set xmctl0 flags none mtu 1500
tap_check "... and show --json reads that back" \
	json_matches xmctl0 51830 0x00000000000abcde 1500 ""
tap_check "xmeshctl show without a device lists every xmesh device" show_all_lists_both
tap_status 5 "show as nobody: exit 5 (reading needs CAP_NET_ADMIN too)" as_nobody "$ctl" show xmctl0
tap_check "xmeshctl show lists peers with key indexes, never keys" show_lists_peers

tap_status 3 "show of a missing device: exit 3" "$ctl" show xmnosuch0
tap_status 3 "set of a missing device: exit 3" "$ctl" set xmnosuch0 node-id 1
tap_status 3 "set of a non-xmesh device (lo): exit 3" "$ctl" set lo node-id 1
tap_status 2 "mtu below the minimum: exit 2" "$ctl" set xmctl0 mtu 1279
tap_status 2 "mtu above the maximum: exit 2" "$ctl" set xmctl0 mtu 65001
tap_status 2 "node-id 0: exit 2" "$ctl" set xmctl0 node-id 0
tap_status 2 "listen-port out of range: exit 2" "$ctl" set xmctl0 listen-port 65536
tap_status 2 "unknown flag: exit 2" "$ctl" set xmctl0 flags bogus
tap_status 2 "not a number: exit 2" "$ctl" set xmctl0 mtu lots
tap_status 1 "listen port used by another device: exit 1" "$ctl" set xmctl1 listen-port 51830
tap_status 5 "set as nobody: exit 5 (permission denied)" as_nobody "$ctl" set xmctl0 node-id 2
tap_check "nothing changed by the refused requests" \
	json_matches xmctl0 51830 0x00000000000abcde 1500 ""

cleanup
rmmod xmesh
tap_status 4 "show with the module unloaded: exit 4" "$ctl" show
tap_status 4 "set with the module unloaded: exit 4" "$ctl" set xmctl0 node-id 1
insmod "$XMESH_KO"
tap_done
