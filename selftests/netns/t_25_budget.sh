# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The byte budget holds exactly under concurrent senders: two flood pings
# of 1000-byte packets, pinned to the two vCPUs, against a budget of
# 100500 bytes for tenant 21 (192.168.0.0/24 on nodes 1 and 2). Exactly
# 100 packets (100000 bytes) go: used + len <= budget, never more, and the
# refused 60 are counted as budget drops and not charged.

group_budget() {
	check "tenant 21 on nodes 1 and 2" \
		bash -c "ip netns exec xm1 '$XMESHCTL' tenant add xmesh0 21 prefix 192.168.0.0/24 &&
			 ip netns exec xm2 '$XMESHCTL' tenant add xmesh0 21 prefix 192.168.0.0/24"
	check "budget 100500 B, two CPUs sending 1000-B packets: exactly 100000 B go" budget_exact
	check "tenant 21 removed" \
		bash -c "ip netns exec xm1 '$XMESHCTL' tenant del xmesh0 21 &&
			 ip netns exec xm2 '$XMESHCTL' tenant del xmesh0 21"
}

budget_exact() {
	local t0 d0 t1 d1 p1 p2
	t0=$(stat 1 tx_bytes tenant:21) d0=$(stat 1 drop_budget tenant:21) || return 1
	ctl 1 tenant set xmesh0 21 budget 100500 || return 1
	n 1 taskset -c 0 ping -f -c 80 -s 972 -W 1 192.168.0.2 >/dev/null 2>&1 &
	p1=$!
	n 1 taskset -c 1 ping -f -c 80 -s 972 -W 1 192.168.0.2 >/dev/null 2>&1 &
	p2=$!
	wait "$p1" "$p2"
	t1=$(stat 1 tx_bytes tenant:21) d1=$(stat 1 drop_budget tenant:21) || return 1
	echo "sent $((t1 - t0)) bytes (budget 100500), $((d1 - d0)) budget drops"
	[ $((t1 - t0)) = 100000 ] && [ $((d1 - d0)) = 60 ]
}
