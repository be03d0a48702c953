# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# On the mesh of t_10, pair 1-2: a key is installed once per device (a
# re-push, also after del, is refused with the module's reason, and a
# packet captured before it is not accepted after), a key past its
# lifetime neither sends nor receives and raises key-expiring first, and
# an idle session with a keepalive interval sends authenticated keepalives.

group_key_history() {
	check "the same key pushed twice is refused, also after key del" same_key_refused
	check "a packet captured before a re-push is not accepted after it" replay_after_repush
	check "a key past its lifetime is not used and key-expiring comes first" key_lifetime
	check "an idle session sends authenticated keepalives" keepalive_idle
}

# key_pair LABEL [ARGS1 [ARGS2]]: new keys for pair 1-2 in both primary
# slots, with the generation-0 indexes (1020 on node 1, 2010 on node 2),
# and more key set arguments for node 1 and node 2.
key_pair() {
	cfg 1 "$(key_cmd 1 2 0 primary "$1") ${2:-}" &&
		cfg 2 "$(key_cmd 2 1 0 primary "$1") ${3:-}"
}

# refused_key I J LABEL: node I's key set for peer J with LABEL must fail
# with the module's "installed before" reason.
refused_key() {
	local out
	if out=$(cfg "$1" "$(key_cmd "$1" "$2" 0 primary "$3")" 2>&1); then
		echo "node $1 accepted key $3 again"
		return 1
	fi
	[[ $out == *"was installed before on this device"* ]] ||
		{ echo "node $1 refused key $3, but not for its history: $out"; return 1; }
}

same_key_refused() {
	# The secondary slots may hold the generation-0 indexes (t_20).
	ctl 1 key del xmesh0 2 secondary 2>/dev/null
	ctl 2 key del xmesh0 1 secondary 2>/dev/null
	key_pair h0 || return 1
	refused_key 1 2 h0 || return 1
	ctl 1 key del xmesh0 2 primary || return 1
	refused_key 1 2 h0 || return 1
	key_pair h1 && n 1 ping -c 1 -W 2 192.168.0.2 >/dev/null
}

# Capture one encrypted packet 1->2 under keys h1; then node 2 drops its
# key and tries the old one again (refused), and installs a new one with
# the same receiver index: the captured packet is sent after each step and
# never delivered.
replay_after_repush() {
	local cap=/tmp/xm-repush.$$ rx0 rx1 a0 a1 k0 k1 rc=0
	capture_1to2 "$cap"
	rx0=$(stat 2 rx_packets 1) && a0=$(stat 2 drop_auth 1) &&
		k0=$(stat 2 drop_no_key) || return 1
	ctl 2 key del xmesh0 1 primary || return 1
	refused_key 2 1 h1 || rc=1
	n 1 "$XM_RAW" replay "$cap" 10.0.12.2 51822 || rc=1
	ctl 2 key del xmesh0 1 primary 2>/dev/null	# in case h1 was taken
	cfg 2 "$(key_cmd 2 1 0 primary h2)" || rc=1
	n 1 "$XM_RAW" replay "$cap" 10.0.12.2 51822 || rc=1
	sleep 0.5
	rx1=$(stat 2 rx_packets 1) && a1=$(stat 2 drop_auth 1) &&
		k1=$(stat 2 drop_no_key) || return 1
	rm -f "$cap"
	echo "rx_packets $rx0 -> $rx1, drop_no_key $k0 -> $k1, drop_auth $a0 -> $a1"
	[ "$rx1" = "$rx0" ] || { echo "the captured packet was delivered"; rc=1; }
	[ $((k1 - k0)) = 1 ] && [ $((a1 - a0)) = 1 ] || rc=1
	cfg 1 "$(key_cmd 1 2 0 primary h2)" && n 1 ping -c 1 -W 2 192.168.0.2 >/dev/null || rc=1
	return $rc
}

# Node 2's key for 1 lives 20 s (rekey-after-time 4); node 1's the default.
# Before: pings pass. After: 1's pings reach 2 and are dropped there, 2's
# are not sent; key-expiring for peer 1 reached a monitor on node 2.
key_lifetime() {
	local mon=/tmp/xm-expiring.$$ mon_pid t0 e0 e1 rx0 rx1 tx0 tx1 rc=0
	n 2 "$XMESHCTL" monitor event key-expiring count 1 timeout 40 >"$mon" 2>&1 &
	mon_pid=$!
	sleep 1
	t0=$SECONDS
	key_pair h3 "" "reject-after-time 20 rekey-after-time 4" || rc=1
	n 1 ping -c 1 -W 2 192.168.0.2 >/dev/null || { echo "no ping under a live key"; rc=1; }
	[ $((SECONDS - t0)) -lt 19 ] || { echo "too slow to see the key alive: inconclusive"; rc=1; }
	while [ $((SECONDS - t0)) -lt 22 ]; do sleep 1; done
	e0=$(stat 2 drop_key_expired 1) && rx0=$(stat 2 rx_packets 1) &&
		tx0=$(stat 2 tx_packets 1) || return 1
	n 1 ping -c 2 -W 1 192.168.0.2 >/dev/null && { echo "1 -> 2 passed"; rc=1; }
	n 2 ping -c 2 -W 1 192.168.0.1 >/dev/null && { echo "2 -> 1 passed"; rc=1; }
	e1=$(stat 2 drop_key_expired 1) && rx1=$(stat 2 rx_packets 1) &&
		tx1=$(stat 2 tx_packets 1) || return 1
	wait "$mon_pid"
	echo "node 2: drop_key_expired $e0 -> $e1, rx_packets $rx0 -> $rx1, tx_packets $tx0 -> $tx1"
	cat "$mon"
	[ $((e1 - e0)) = 4 ] && [ "$rx1" = "$rx0" ] && [ "$tx1" = "$tx0" ] || rc=1
	grep -q "^key-expiring .*peer 0x0000000000000001" "$mon" || rc=1
	rm -f "$mon"
	key_pair h4 || rc=1
	return $rc
}

# Keepalive every second from 1 to 2 while nothing else is sent.
keepalive_idle() {
	local t0 s0 r0 s1 r1 rc=0
	s0=$(stat 1 tx_keepalives 2) && r0=$(stat 2 rx_keepalives 1) || return 1
	ctl 1 peer set xmesh0 2 keepalive 1 || return 1
	t0=$SECONDS
	while [ $((SECONDS - t0)) -lt 4 ]; do sleep 1; done
	ctl 1 peer set xmesh0 2 keepalive 0 || rc=1
	sleep 0.5
	s1=$(stat 1 tx_keepalives 2) && r1=$(stat 2 rx_keepalives 1) || return 1
	echo "node 1 tx_keepalives $s0 -> $s1, node 2 rx_keepalives $r0 -> $r1"
	[ $((s1 - s0)) -ge 2 ] && [ $((r1 - r0)) = $((s1 - s0)) ] || rc=1
	return $rc
}
