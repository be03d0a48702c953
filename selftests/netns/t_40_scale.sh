# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# 100k routes added and dumped in full (a dump of hundreds of messages),
# then the module unloaded while traffic flows.

group_scale() {
	check "100000 routes added, dumped in full, removed" routes_100k
	check "unload the module under traffic" unload_under_traffic
}

routes_100k() {
	local f=/tmp/xm-routes.$$ t0 t1 t2 n0 n1
	awk 'BEGIN { for (i = 0; i < 100000; i++)
		printf "10.%d.%d.%d/32 2\n", 100 + int(i / 65536), int(i / 256) % 256, i % 256 }' >"$f"
	n0=$(ctl 3 route list xmesh0 | wc -l)
	t0=$(date +%s%N)
	ctl 3 route load xmesh0 "$f" || return 1
	t1=$(date +%s%N)
	n1=$(ctl 3 route list xmesh0 | wc -l)
	t2=$(date +%s%N)
	echo "load $(((t1 - t0) / 1000000)) ms, dump $(((t2 - t1) / 1000000)) ms (emulated CPU)"
	[ "$n1" = $((n0 + 100000)) ] || { echo "dump: $n1 routes, want $((n0 + 100000))"; return 1; }
	ctl 3 route list xmesh0 | grep -q "^10.101.134.159/32 node 0x0000000000000002$" ||
		{ echo "last route missing"; return 1; }
	ctl 3 route unload xmesh0 "$f" || return 1
	[ "$(ctl 3 route list xmesh0 | wc -l)" = "$n0" ]
	rm -f "$f"
}

unload_under_traffic() {
	local pid
	n 2 iperf3 -s -D -B 192.168.0.2 >/dev/null 2>&1
	sleep 0.5
	n 1 iperf3 -c 192.168.0.2 -B 192.168.0.1 -u -b 50M -t 30 >/dev/null 2>&1 &
	pid=$!
	sleep 2
	rmmod xmesh || return 1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ ! -d /sys/module/xmesh ]
}
