# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# A tenant cannot pose as another (IPv4 and IPv6). On node 1, tenant 11
# (10.61.0.0/16, fd61::/32) is bound to ta0, the veth to its own namespace
# xmta, and tenant 12 (10.62.0.0/16, fd62::/32) to the dummy tb0. Tenant 11
# sends from its own sources (they pass) and from tenant 12's (dropped on
# node 1 as drop_spoof, counted for tenant 11, never seen by node 2); this
# host sending with tenant 12's source, not through tb0, is refused too.
# Then the 256-prefix tenant reads back whole and failed updates (a tenant,
# DEV_SET) change nothing. The tenants are removed at the end.

group_tenant_bind() {
	check "tenants 11 and 12 bound to their interfaces on node 1" bind_up
	check "xmeshctl shows the binding" \
		bash -c "ip netns exec xm1 '$XMESHCTL' tenant show xmesh0 11 | grep -q 'ingress: ta0'"
	check "tenant 11 reaches node 2 from its own IPv4 source" \
		ip netns exec xmta ping -c 1 -W 3 -I 10.61.1.1 10.61.2.1
	check "tenant 11 reaches node 2 from its own IPv6 source" \
		ip netns exec xmta ping -c 1 -W 3 -I fd61::1:1 fd61::2:1
	check "tenant 11 with tenant 12's IPv4 source: dropped, counted" bind_spoof 10.62.1.1 10.62.2.1
	check "tenant 11 with tenant 12's IPv6 source: dropped, counted" bind_spoof fd62::1:1 fd62::2:1
	check "this host with bound tenant 12's source: dropped, counted" bind_host_spoof
	check "an ingress interface bound to another tenant is refused" \
		bash -c "! ip netns exec xm1 '$XMESHCTL' tenant set xmesh0 12 ingress ta0 2>/dev/null"
	check "unbinding (ingress none) is read back" bind_unbind_rebind
	check "a tenant with 256 IPv6 prefixes reads back whole" bind_tenant_256
	check "a tenant update that fails changes nothing" bind_update_atomic
	check "a DEV_SET that fails changes nothing" bind_dev_set_atomic
	check "tenants 11, 12, 13 removed" bind_down
}

bind_up() {
	ip netns add xmta || return 1
	NODES="$NODES ta"
	ip link add ta0 netns xm1 type veth peer name eth0 netns xmta || return 1
	n 1 bash -c "set -e
		ip link set ta0 up
		ip addr add 169.254.61.1/32 dev ta0
		ip addr add fe80::61/64 dev ta0 nodad
		ip link add tb0 type dummy
		ip link set tb0 up
		ip route add 10.61.1.0/24 dev ta0
		ip route add 10.62.1.0/24 dev ta0
		ip -6 route add fd61::1:0/112 dev ta0
		ip -6 route add fd62::1:0/112 dev ta0
		ip route add 10.61.2.0/24 dev xmesh0
		ip route add 10.62.2.0/24 dev xmesh0
		ip -6 route add fd61::2:0/112 dev xmesh0
		ip -6 route add fd62::2:0/112 dev xmesh0
		ip addr add 10.62.1.99/32 dev lo" || return 1
	# Tenant 11's namespace also holds tenant 12's addresses: it lies.
	ip netns exec xmta bash -c "set -e
		ip link set lo up
		ip link set eth0 up
		ip addr add 10.61.1.1/32 dev eth0
		ip addr add 10.62.1.1/32 dev eth0
		ip addr add fd61::1:1/128 dev eth0 nodad
		ip addr add fd62::1:1/128 dev eth0 nodad
		ip route add default via 169.254.61.1 dev eth0 onlink
		ip -6 route add default via fe80::61 dev eth0" || return 1
	n 2 bash -c "set -e
		ip addr add 10.61.2.1/32 dev xmesh0
		ip addr add 10.62.2.1/32 dev xmesh0
		ip addr add fd61::2:1/128 dev xmesh0 nodad
		ip addr add fd62::2:1/128 dev xmesh0 nodad
		ip route add 10.61.1.0/24 dev xmesh0
		ip route add 10.62.1.0/24 dev xmesh0
		ip -6 route add fd61::1:0/112 dev xmesh0
		ip -6 route add fd62::1:0/112 dev xmesh0" || return 1
	cfg 1 "route add xmesh0 10.61.2.0/24 node 2" "route add xmesh0 10.62.2.0/24 node 2" \
		"route add xmesh0 fd61::2:0/112 node 2" "route add xmesh0 fd62::2:0/112 node 2" \
		"tenant add xmesh0 11 prefix 10.61.0.0/16 prefix fd61::/32 ingress ta0" \
		"tenant add xmesh0 12 prefix 10.62.0.0/16 prefix fd62::/32 ingress tb0" || return 1
	cfg 2 "route add xmesh0 10.61.1.0/24 node 1" "route add xmesh0 10.62.1.0/24 node 1" \
		"route add xmesh0 fd61::1:0/112 node 1" "route add xmesh0 fd62::1:0/112 node 1" \
		"tenant add xmesh0 11 prefix 10.61.0.0/16 prefix fd61::/32" \
		"tenant add xmesh0 12 prefix 10.62.0.0/16 prefix fd62::/32"
}

# bind_spoof SRC DST: from xmta, 3 pings with tenant 12's source; node 1 drops
# all 3 as drop_spoof for tenant 11, node 2 receives none for tenant 12.
bind_spoof() {
	local s0 r0 s1 r1
	s0=$(stat 1 drop_spoof tenant:11) r0=$(stat 2 rx_packets tenant:12) || return 1
	ip netns exec xmta ping -c 3 -i 0.2 -W 1 -I "$1" "$2" >/dev/null 2>&1
	s1=$(stat 1 drop_spoof tenant:11) r1=$(stat 2 rx_packets tenant:12) || return 1
	echo "drop_spoof +$((s1 - s0)) for tenant 11; node 2 tenant 12 rx +$((r1 - r0))"
	[ $((s1 - s0)) = 3 ] && [ $((r1 - r0)) = 0 ]
}

# Node 1 itself sends with 10.62.1.99 (tenant 12's, bound to tb0): refused
# and counted on the device, not charged to tenant 12.
bind_host_spoof() {
	local d0 d1 t0 t1
	d0=$(stat 1 drop_spoof) t0=$(stat 1 tx_packets tenant:12) || return 1
	n 1 ping -c 2 -i 0.2 -W 1 -I 10.62.1.99 10.62.2.1 >/dev/null 2>&1
	d1=$(stat 1 drop_spoof) t1=$(stat 1 tx_packets tenant:12) || return 1
	echo "device drop_spoof +$((d1 - d0)); tenant 12 tx +$((t1 - t0))"
	[ $((d1 - d0)) = 2 ] && [ $((t1 - t0)) = 0 ]
}

bind_unbind_rebind() {
	local j
	ctl 1 tenant set xmesh0 12 ingress none || return 1
	j=$(ctl 1 --json tenant show xmesh0 12) || return 1
	[[ $j == *'"ingress":[]'* ]] || { echo "after unbind: $j"; return 1; }
	ctl 1 tenant set xmesh0 12 ingress tb0 || return 1
	j=$(ctl 1 --json tenant show xmesh0 12) || return 1
	[[ $j == *'"ingress":["tb0"]'* ]] || { echo "after rebind: $j"; return 1; }
}

# fd63:0:0:N::/64 for N = 0..255, as one request; show and list (a dump)
# both return all 256.
bind_tenant_256() {
	local args="" i show list
	for ((i = 0; i < 256; i++)); do
		printf -v p 'fd63:0:0:%x::/64' "$i"
		args+=" prefix $p"
	done
	# shellcheck disable=SC2086
	ctl 1 tenant add xmesh0 13 $args || return 1
	show=$(ctl 1 --json tenant show xmesh0 13) || return 1
	list=$(ctl 1 --json tenant list xmesh0) || return 1
	echo "show: $(grep -o 'fd63:' <<<"$show" | grep -c .) prefixes;" \
		"list: $(grep -o 'fd63:' <<<"$list" | grep -c .)"
	[ "$(grep -o 'fd63:' <<<"$show" | grep -c .)" = 256 ] &&
		[ "$(grep -o 'fd63:' <<<"$list" | grep -c .)" = 256 ] &&
		[[ $show == *'"fd63::ff:0:0:0/64"'* || $show == *'"fd63:0:0:ff::/64"'* ]]
}

# A set with a new ingress interface (tc0), a new prefix (10.99/16), a
# budget and a prefix of tenant 12 (refused): tenant 11 reads back as
# before, and tc0 stays free to bind.
bind_update_atomic() {
	local before after
	n 1 ip link add tc0 type dummy || return 1
	before=$(ctl 1 --json tenant show xmesh0 11 | sed 's/"stats".*//')
	ctl 1 tenant set xmesh0 11 prefix 10.61.0.0/16 prefix 10.99.0.0/16 \
		prefix 10.62.0.0/16 ingress ta0 ingress tc0 budget 5000 2>/dev/null &&
		{ echo "the request was not refused"; n 1 ip link del tc0; return 1; }
	after=$(ctl 1 --json tenant show xmesh0 11 | sed 's/"stats".*//')
	ctl 1 tenant set xmesh0 12 ingress tb0 ingress tc0 || { n 1 ip link del tc0; return 1; }
	ctl 1 tenant set xmesh0 12 ingress tb0
	n 1 ip link del tc0
	[ "$before" = "$after" ] || { echo "before: $before"; echo "after:  $after"; return 1; }
}

# mtu 1300 and a listen port a plain UDP socket holds: the bind fails, and
# the MTU did not change (it is the one other step that can fail).
bind_dev_set_atomic() {
	local before after pid refused=0
	n 1 python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 51890))
time.sleep(60)' &
	pid=$!
	for _ in $(seq 50); do
		[ "$(n 1 ss -Huln 'sport = :51890' | grep -c .)" -ge 1 ] && break
		sleep 0.2
	done
	before=$(ctl 1 --json show xmesh0 | sed 's/"peers".*//')
	ctl 1 set xmesh0 mtu 1300 listen-port 51890 2>/dev/null || refused=1
	after=$(ctl 1 --json show xmesh0 | sed 's/"peers".*//')
	kill "$pid"
	wait "$pid" 2>/dev/null
	[ "$refused" = 1 ] || { echo "the request was not refused"; return 1; }
	[ "$before" = "$after" ] || { echo "before: $before"; echo "after:  $after"; return 1; }
}

# Every deletion is tried, so that a failure above leaves no tenant behind
# for the groups after this one.
bind_down() {
	local i t left
	for i in 1 2; do
		for t in 11 12 13; do
			ctl "$i" tenant del xmesh0 "$t" >/dev/null 2>&1
		done
	done
	n 1 ip link del tb0
	n 1 ip addr del 10.62.1.99/32 dev lo
	ip netns del xmta
	left=$(ctl 1 tenant list xmesh0; ctl 2 tenant list xmesh0) || return 1
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}
