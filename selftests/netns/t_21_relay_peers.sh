# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# On the mesh of t_10, relay 2 forwards only for its peers: crafted data
# packets from a source that is no peer's endpoint (address and port), with
# a hop limit above the maximum, or that would go back to the peer they
# came from, are dropped and counted, while a peer's packets are relayed in
# the same run; and a source over its relay rate is cut at its burst.

group_relay_peers() {
	check "relay 2 forwards a peer's packets, not a stranger's, within the hop cap, never back" \
		relay_only_peers
	check "relay 2 forwards at most a burst for a source over its rate" relay_rate
}

# Node 2's device counters into RC, one xmeshctl call: relay_packets
# drop_not_peer drop_hop_limit drop_relay_loop drop_relay_rate.
RC=()
relay_counters() {
	local json name
	RC=()
	json=$(ctl 2 --json stats xmesh0) || return 1
	for name in relay_packets drop_not_peer drop_hop_limit drop_relay_loop drop_relay_rate; do
		[[ $json =~ \"$name\":([0-9]+) ]] || { echo "no $name in $json"; return 1; }
		RC+=("${BASH_REMATCH[1]}")
	done
}

relay_only_peers() {
	local a b rc=0
	# A real peer's traffic: 1 reaches 3 through relay 2 again (t_10's
	# failover left the direct link alone), both ways.
	ctl 1 nexthop add xmesh0 3 via 2 metric 10 && ctl 3 nexthop add xmesh0 1 via 2 metric 10 ||
		return 1
	relay_counters || return 1
	a=("${RC[@]}")
	n 1 ping -c 3 -W 2 192.168.0.3 >/dev/null || { echo "1 cannot ping 3"; rc=1; }
	relay_counters || return 1
	b=("${RC[@]}")
	ctl 1 nexthop del xmesh0 3 via 2 && ctl 3 nexthop del xmesh0 1 via 2 || rc=1
	echo "peer traffic: relay_packets ${a[0]} -> ${b[0]}"
	[ $((b[0] - a[0])) -ge 6 ] || { echo "1<->3 was not relayed by 2"; rc=1; }

	# From node 1's address: port 40000 is no endpoint (2 packets), node
	# 1's endpoint 10.0.12.1:51821 with hop limit 8 to node 3 (relayed: 1),
	# with hop limit 9 (above the cap: 1), toward node 1 itself (back to
	# the peer it came from: 1); 10.0.12.99 is nobody's address (2 packets).
	relay_counters || return 1
	a=("${RC[@]}")
	n 1 "$XM_RAW" \
		10.0.12.1 40000 10.0.12.2 51822 8 3 2 \
		10.0.12.1 51821 10.0.12.2 51822 8 3 1 \
		10.0.12.1 51821 10.0.12.2 51822 9 3 1 \
		10.0.12.1 51821 10.0.12.2 51822 8 1 1 \
		10.0.12.99 51821 10.0.12.2 51822 8 3 2 || return 1
	sleep 0.5
	relay_counters || return 1
	b=("${RC[@]}")
	echo "relay_packets ${a[0]} -> ${b[0]}, drop_not_peer ${a[1]} -> ${b[1]}," \
		"drop_hop_limit ${a[2]} -> ${b[2]}, drop_relay_loop ${a[3]} -> ${b[3]}"
	[ $((b[0] - a[0])) = 1 ] || { echo "want exactly 1 relayed"; rc=1; }
	[ $((b[1] - a[1])) = 4 ] || { echo "want 4 counted drop_not_peer"; rc=1; }
	[ $((b[2] - a[2])) = 1 ] || { echo "want 1 counted drop_hop_limit"; rc=1; }
	[ $((b[3] - a[3])) = 1 ] || { echo "want 1 counted drop_relay_loop"; rc=1; }
	return $rc
}

# With relay_pps 1 (burst 16), 100 packets from peer 1's endpoint sent at
# once: at most 16 (and a token per second elapsed) are relayed, the rest
# counted; every one is one or the other.
relay_rate() {
	local a b pps=/sys/module/xmesh/parameters/relay_pps old relayed dropped t0 rc=0
	old=$(cat "$pps") || return 1
	echo 1 >"$pps"
	relay_counters || rc=1
	a=("${RC[@]}")
	t0=$SECONDS
	n 1 "$XM_RAW" 10.0.12.1 51821 10.0.12.2 51822 8 3 100 || rc=1
	sleep 0.5
	relay_counters || rc=1
	b=("${RC[@]}")
	echo "$old" >"$pps"
	[ "$rc" = 0 ] || return 1
	relayed=$((b[0] - a[0])) dropped=$((b[4] - a[4]))
	echo "relayed $relayed, drop_relay_rate $dropped, in $((SECONDS - t0 + 1)) s at most"
	[ $((relayed + dropped)) = 100 ] || { echo "want 100 in all"; rc=1; }
	if [ "$relayed" -lt 1 ] || [ "$relayed" -gt $((16 + SECONDS - t0 + 1)) ]; then
		echo "want 1..$((16 + SECONDS - t0 + 1)) relayed"
		rc=1
	fi
	return $rc
}
