# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Tenants on nodes 1 and 2 of the mesh: isolation (neither reach nor spoof
# another tenant), a byte budget within one MTU with its event, a rate limit
# within 10%. Tenant 1 owns 192.168.1.0/24, tenant 2 192.168.2.0/24, and
# tenant 3 the 192.168.0.0/24 and fd99::/64 of the earlier groups.

group_tenant() {
	check "tenants 1, 2, 3 on nodes 1 and 2" tenants_up
	check "tenant 1 reaches tenant 1" n 1 ping -c 1 -W 2 -I 192.168.1.1 192.168.1.2
	expect_eq "tenant 1 cannot reach tenant 2 (drop counted)" 1 \
		"$(delta 1 drop_cross_tenant tenant:1 n 1 ping -c 1 -W 1 -I 192.168.1.1 192.168.2.2)"
	check "a node claiming tenant 2's address for tenant 1 is caught" spoof
	check "budget: sending stops within one MTU of it, event raised" budget
	check "rate limit: 1 Mbit/s holds within 10%" rate_limit
}

tenants_up() {
	local i j
	for i in 1 2; do
		j=$((3 - i))
		n "$i" bash -c "ip addr add 192.168.1.$i/32 dev xmesh0 &&
			ip addr add 192.168.2.$i/32 dev xmesh0 &&
			ip route add 192.168.1.0/24 dev xmesh0 &&
			ip route add 192.168.2.0/24 dev xmesh0" || return 1
		cfg "$i" "route add xmesh0 192.168.1.$j/32 node $j" \
			"route add xmesh0 192.168.2.$j/32 node $j" \
			"tenant add xmesh0 1 prefix 192.168.1.0/24" \
			"tenant add xmesh0 2 prefix 192.168.2.0/24" \
			"tenant add xmesh0 3 prefix 192.168.0.0/24 prefix fd99::/64" || return 1
	done
}

# Node 1 (misconfigured or malicious) gives tenant 1 the address
# 192.168.2.1 of tenant 2 and sends from it: node 2 drops the packet.
spoof() {
	local d
	cfg 1 "tenant set xmesh0 1 prefix 192.168.1.0/24 prefix 192.168.2.1/32" || return 1
	d=$(delta 2 drop_src_mismatch tenant:1 n 1 ping -c 1 -W 1 -I 192.168.2.1 192.168.1.2)
	cfg 1 "tenant set xmesh0 1 prefix 192.168.1.0/24" || return 1
	echo "drop_src_mismatch +$d"
	[ "$d" = 1 ]
}

# 20000 bytes for tenant 1, then 1000-byte packets: 20 go, the rest are
# dropped; the quota-crossed event reaches a monitor.
budget() {
	local mon=/tmp/xm-quota.$$ pid t0 t1 d0 d1
	n 1 "$XMESHCTL" monitor event quota-crossed count 1 timeout 40 >"$mon" 2>&1 &
	pid=$!
	t0=$(stat 1 tx_bytes tenant:1) d0=$(stat 1 drop_budget tenant:1) || return 1
	ctl 1 tenant set xmesh0 1 budget 20000 || return 1
	n 1 ping -c 25 -i 0.05 -s 972 -W 1 -I 192.168.1.1 192.168.1.2 >/dev/null 2>&1
	wait "$pid"
	t1=$(stat 1 tx_bytes tenant:1) d1=$(stat 1 drop_budget tenant:1) || return 1
	echo "sent $((t1 - t0)) bytes, $((d1 - d0)) dropped; events: $(cat "$mon")"
	[ $((t1 - t0)) -ge 20000 ] && [ $((t1 - t0)) -le $((20000 + 1392)) ] &&
		[ $((d1 - d0)) -ge 1 ] && grep -q "^quota-crossed .*tenant 1 budget 20000" "$mon"
}

# Tenant 2 at 1 Mbit/s offered 3 Mbit/s of UDP for 4 s: what passes is
# 125000 bytes/s, within 10%, plus the burst. The burst is one second at
# rate: the emulated sender stalls now and then and catches up in bursts,
# and a stall shorter than the burst costs it nothing.
rate_limit() {
	local t0 t1 want got
	ctl 1 tenant set xmesh0 2 rate 1M burst 125000 || return 1
	n 2 iperf3 -s -1 -D -B 192.168.2.2 >/dev/null 2>&1
	sleep 0.5
	t0=$(stat 1 tx_bytes tenant:2) || return 1
	n 1 iperf3 -c 192.168.2.2 -B 192.168.2.1 -u -b 3M -l 1000 -t 4 -i 0 >/dev/null 2>&1
	t1=$(stat 1 tx_bytes tenant:2) || return 1
	got=$((t1 - t0 - 125000)) want=$((125000 * 4))
	echo "passed $got bytes beyond the burst, want $want +-10%;" \
		"drops: $(stat 1 drop_rate tenant:2)"
	[ "$got" -ge $((want * 9 / 10)) ] && [ "$got" -le $((want * 11 / 10)) ]
}
