# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# 100k routes added and dumped in full (a dump of hundreds of messages),
# dumps racing with changes, then the module unloaded while traffic flows.

# check runs each test in a subshell: what the steps share is in files.
routes_file=/tmp/xm-routes.$$

group_scale() {
	check "100000 routes added, dumped in full" routes_100k
	echo "# $(cat "$routes_file.time" 2>/dev/null)"
	check "a route dump that races with a change is marked NLM_F_DUMP_INTR" \
		n 3 /usr/bin/python3 -S "$top/selftests/netns/dump_intr.py" xmesh0 "$XMESHCTL"
	check "xmeshctl route list during a change: one full, consistent listing" \
		dump_during_change
	check "100000 routes removed" routes_100k_unload
	check "unload the module under traffic" unload_under_traffic
}

routes_100k() {
	local f=$routes_file t0 t1 t2 n0 n1
	awk 'BEGIN { for (i = 0; i < 100000; i++)
		printf "10.%d.%d.%d/32 2\n", 100 + int(i / 65536), int(i / 256) % 256, i % 256 }' >"$f"
	n0=$(ctl 3 route list xmesh0 | wc -l)
	t0=$(date +%s%N)
	ctl 3 route load xmesh0 "$f" || return 1
	t1=$(date +%s%N)
	n1=$(ctl 3 route list xmesh0 | wc -l)
	t2=$(date +%s%N)
	echo "100k routes: load $(((t1 - t0) / 1000000)) ms, dump $(((t2 - t1) / 1000000)) ms" \
		"(xmeshctl, emulated CPU)" | tee "$f.time"
	[ "$n1" = $((n0 + 100000)) ] || { echo "dump: $n1 routes, want $((n0 + 100000))"; return 1; }
	ctl 3 route list xmesh0 | grep -q "^10.101.134.159/32 node 0x0000000000000002$" ||
		{ echo "last route missing"; return 1; }
	echo "$n0" >"$f.n0"
}

# A listing taken while a route is added: the dump it started may be
# interrupted (xmeshctl then dumps again), but what it prints is one
# whole table, with or without the new route, nothing repeated or lost.
dump_during_change() {
	local out=/tmp/xm-list.$$ n pid n0
	n0=$(cat "$routes_file.n0") || return 1
	ctl 3 route list xmesh0 >"$out" &
	pid=$!
	sleep 0.3
	ctl 3 route add xmesh0 10.250.0.2/32 node 2 || return 1
	wait "$pid" || return 1
	n=$(wc -l <"$out")
	ctl 3 route del xmesh0 10.250.0.2/32 || return 1
	case $n in
	$((n0 + 100000)) | $((n0 + 100001))) ;;
	*) echo "listed $n routes, want $((n0 + 100000)) or one more"; return 1 ;;
	esac
	[ "$(sort -u "$out" | wc -l)" = "$n" ] || { echo "routes repeated"; return 1; }
	rm -f "$out"
}

routes_100k_unload() {
	local f=$routes_file
	ctl 3 route unload xmesh0 "$f" || return 1
	[ "$(ctl 3 route list xmesh0 | wc -l)" = "$(cat "$f.n0")" ] || return 1
	rm -f "$f" "$f.n0" "$f.time"
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
