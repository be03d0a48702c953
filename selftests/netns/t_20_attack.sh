# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# On the mesh of t_10: a captured packet replayed and a tampered one are
# dropped and counted; a rekey under load loses nothing and the key-limit
# event fires.

group_attack() {
	check "a replayed packet, a tampered one and one arriving with hop limit 0 are dropped" replay_tamper
	check "rekey under load: no packet lost, old key still decrypts" rekey_under_load
	check "the new key is primary on both ends" \
		bash -c "ip netns exec xm1 '$XMESHCTL' peer show xmesh0 2 | grep -q 'key primary: local index 1021, remote index 2011'"
}

# Capture one encrypted packet 1->2 on the underlay, then send it again
# as is (replay), with its last byte flipped (tamper) and with hop limit 0.
replay_tamper() {
	local cap=/tmp/xm-replay.$$ r0 a0 r1 a1 h0 h1
	capture_1to2 "$cap"
	r0=$(stat 2 drop_replay 1) a0=$(stat 2 drop_auth 1) || return 1
	h0=$(stat 2 drop_hop_limit) || return 1
	n 1 "$XM_RAW" replay "$cap" 10.0.12.2 51822 as-is tamper hop0 || return 1
	sleep 0.5
	r1=$(stat 2 drop_replay 1) a1=$(stat 2 drop_auth 1) || return 1
	h1=$(stat 2 drop_hop_limit) || return 1
	rm -f "$cap"
	echo "drop_replay $r0 -> $r1, drop_auth $a0 -> $a1, drop_hop_limit $h0 -> $h1"
	[ $((r1 - r0)) = 1 ] && [ $((a1 - a0)) = 1 ] && [ $((h1 - h0)) = 1 ]
}

# 1 pings 2 every 20 ms while both install generation-1 keys in the
# secondary slot and swap; the pings must outlast the rekey. Node 1's new
# key raises key-limit after 5 packets: a monitor on node 1 must see it.
rekey_under_load() {
	local out=/tmp/xm-rekey.$$ mon=/tmp/xm-mon.$$ ping_pid mon_pid k1 k2 rc=0
	n 1 "$XMESHCTL" monitor event key-limit count 1 timeout 90 >"$mon" 2>&1 &
	mon_pid=$!
	ip netns exec xm1 ping -c 600 -i 0.02 -W 2 192.168.0.2 >"$out" 2>&1 &
	ping_pid=$!
	sleep 1
	k1="$(key_cmd 1 2 1 secondary) rekey-after 5"
	k2=$(key_cmd 2 1 1 secondary)
	# 2 can decrypt the new key before 1 sends with it, and 1 still
	# decrypts the old one (now secondary) until 2 swaps too.
	cfg 2 "$k2" && cfg 1 "$k1" "key swap xmesh0 2" && cfg 2 "key swap xmesh0 1" || rc=1
	if ! kill -0 "$ping_pid" 2>/dev/null; then
		echo "the pings ended before the rekey did: inconclusive"
		rc=1
	fi
	wait "$ping_pid"
	wait "$mon_pid"
	grep -E "packets|loss" "$out"
	grep -q " 0% packet loss" "$out" || rc=1
	cat "$mon"
	grep -q "^key-limit .*peer 0x0000000000000002" "$mon" || rc=1
	return $rc
}
