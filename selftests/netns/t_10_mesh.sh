# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The three-node mesh of lib.sh: direct tunnels (IPv4 and IPv6 outer, IPv4
# and IPv6 inner), counters, a relayed end-to-end path, failover to the
# second next hop, the hop limit.

group_mesh() {
	check "three nodes, keys and routes configured" mesh_up
	check "1->2 (outer IPv4): ping IPv4 inner" n 1 ping -c 2 -i 0.2 -W 2 192.168.0.2
	check "1->2 (outer IPv4): ping IPv6 inner" n 1 ping -6 -c 2 -i 0.2 -W 2 fd99::2
	check "2->3 (outer IPv6): ping IPv4 inner" n 2 ping -c 2 -i 0.2 -W 2 192.168.0.3
	check "2->3 (outer IPv6): ping IPv6 inner" n 2 ping -6 -c 2 -i 0.2 -W 2 fd99::3
	check "full-size packets (1392 bytes, DF) cross" \
		n 1 ping -c 1 -W 2 -M do -s 1364 192.168.0.2
	check "a packet over the MTU gets ICMP fragmentation needed" too_big
	check "forwarded into xmesh0 over its MTU: the module answers ICMP frag needed" \
		too_big_forwarded 4
	check "forwarded into xmesh0 over its MTU: the module answers ICMPv6 too big" \
		too_big_forwarded 6

	# Exactly 5 echo requests of 128 bytes are counted on both ends.
	expect_eq "sender counts 5 packets to its peer" 5 \
		"$(delta 1 tx_packets 2 n 1 ping -c 5 -i 0.2 -s 100 -W 2 192.168.0.2)"
	expect_eq "receiver counts 640 bytes from its peer" 640 \
		"$(delta 2 rx_bytes 1 n 1 ping -c 5 -i 0.2 -s 100 -W 2 192.168.0.2)"

	n 2 iperf3 -s -1 -D -B 192.168.0.2 >/dev/null 2>&1
	sleep 0.5
	check "TCP 1->2 over IPv4 outer (iperf3)" n 1 iperf3 -c 192.168.0.2 -t 1 -i 0
	n 3 iperf3 -s -1 -D -B fd99::3 >/dev/null 2>&1
	sleep 0.5
	check "TCP 2->3 IPv6 inner over IPv6 outer (iperf3)" n 2 iperf3 -c fd99::3 -t 1 -i 0
	check "the underlay carries no plaintext" no_plaintext

	# 1 -> 3 goes through 2, which holds no key of the 1-3 pair.
	check "node 2 has no key slot with index 1030/3010" no_e2e_key_on_relay
	check "1->3 relayed by 2: ping" n 1 ping -c 2 -i 0.2 -W 2 192.168.0.3
	expect_eq "relay 2 forwarded all 4 packets of 2 pings (both ways)" 4 \
		"$(delta 2 relay_packets "" n 1 ping -c 2 -i 0.2 -W 2 192.168.0.3)"
	check "node 3 decrypted them with its key of node 1" \
		test "$(stat 3 rx_packets 1)" -ge 4
	check "the next hop via 2 is active on node 1" \
		bash -c "ip netns exec xm1 '$XMESHCTL' nexthop list xmesh0 | grep -q '0x0000000000000002 metric 10 active'"

	# Failover: the first next hop goes, the second (direct) takes over.
	check "remove next hop 1->3 via 2" ctl 1 nexthop del xmesh0 3 via 2
	expect_eq "1->3 now direct: relay 2 sees only the replies" 2 \
		"$(delta 2 relay_packets "" n 1 ping -c 2 -i 0.2 -W 2 192.168.0.3)"
	check "remove next hop 3->1 via 2: fully direct" ctl 3 nexthop del xmesh0 1 via 2
	expect_eq "relay 2 sees nothing now" 0 \
		"$(delta 2 relay_packets "" n 1 ping -c 2 -i 0.2 -W 2 192.168.0.3)"

	check "hop limit: a packet looping between two relays is dropped" hop_limit_loop
}

too_big() {
	# A 1500-byte DF packet cannot fit the 1392-byte device: the stack
	# answers locally; then lower the MTU so the xmesh device itself
	# sees a too-big packet forwarded from another interface.
	local out
	out=$(n 1 ping -c 1 -W 2 -M do -s 1472 192.168.0.2 2>&1)
	case "$out" in
	*"message too long"* | *"Message too long"* | *"mtu"*) return 0 ;;
	esac
	echo "$out"
	return 1
}

# A host behind node 1 (namespace xm5, link 15) sends a 1500-byte DF
# packet toward node 2. Node 1's route to node 2 claims MTU 1500, so its
# forwarding path lets the packet through to xmesh0 (MTU 1392), where
# the module itself must answer: ICMP fragmentation needed (ICMPv6 packet
# too big) carrying 1392, which the host learns as its path MTU.
too_big_forwarded() {
	local fam=$1 dst=192.168.0.2 gw=10.0.15.1 lock="" size=1472 out before after
	if [ "$fam" = 6 ]; then
		dst=fd99::2 gw=fd00:15::1 lock=lock size=1452
	fi
	if [ ! -e /run/netns/xm5 ]; then
		ip netns add xm5 && NODES="$NODES 5" && n 5 ip link set lo up &&
			link_add 1 5 || return 1
	fi
	n 5 ip -"$fam" route replace default via "$gw" || return 1
	n 1 ip -"$fam" route replace "$dst" dev xmesh0 mtu $lock 1500 || return 1
	before=$(stat 1 drop_too_big) || return 1
	out=$(n 5 ping -"$fam" -c 1 -W 2 -M do -s "$size" "$dst" 2>&1)
	after=$(stat 1 drop_too_big) || return 1
	n 1 ip -"$fam" route del "$dst" dev xmesh0
	[ $((after - before)) = 1 ] ||
		{ echo "drop_too_big on node 1: $before -> $after"; echo "$out"; return 1; }
	grep -Eqi "frag needed.*mtu = 1392|packet too big: mtu=1392" <<<"$out" ||
		{ echo "no ICMP error with mtu 1392 at the sender:"; echo "$out"; return 1; }
	out=$(n 5 ip -"$fam" route get "$dst")
	grep -q "mtu 1392" <<<"$out" ||
		{ echo "the sender did not learn the path MTU:"; echo "$out"; return 1; }
}

no_e2e_key_on_relay() {
	local out
	out=$(ctl 2 peer list xmesh0) || return 1
	! grep -qE "index (1030|3010)" <<<"$out" || { echo "$out"; return 1; }
	grep -q "local index 2010" <<<"$out"
}

# A UDP payload with a marker crosses the tunnel 1->2; tcpdump on the
# underlay must capture packets but never the marker.
no_plaintext() {
	local cap=/tmp/xm-cap.$$ marker=XMESHPLAINTEXTMARKER pid
	n 2 timeout 8 tcpdump -i v2-1 -w "$cap" -U -c 4 udp >/dev/null 2>&1 &
	pid=$!
	sleep 1
	n 1 bash -c "for i in 1 2 3 4; do echo $marker$marker >/dev/udp/192.168.0.2/7777; done"
	wait "$pid"
	[ -s "$cap" ] || { echo "nothing captured"; return 1; }
	if grep -aq "$marker" "$cap"; then
		echo "marker seen in clear on the underlay"
		return 1
	fi
	rm -f "$cap"
}

# Nodes 1 and 2 both relay for a node 9 that does not exist, each to the
# other. Node 1 holds a key "for 9", so it can send; the packet bounces
# until its hop limit is spent and is dropped and counted.
hop_limit_loop() {
	local before after
	# A cycle 2 -> 3 -> 1 -> 2 (a relay never sends a packet back to
	# the peer it came from, so a two-relay loop ends at once).
	cfg 1 "peer add xmesh0 9" "$(key_cmd 1 9)" "route add xmesh0 192.168.0.9/32 node 9" \
		"nexthop add xmesh0 9 via 2" || return 1
	cfg 2 "nexthop add xmesh0 9 via 3" && cfg 3 "nexthop add xmesh0 9 via 1" || return 1
	before=$(( $(stat 1 drop_hop_limit) + $(stat 2 drop_hop_limit) + $(stat 3 drop_hop_limit) ))
	n 1 ping -c 1 -W 1 192.168.0.9 >/dev/null 2>&1
	after=$(( $(stat 1 drop_hop_limit) + $(stat 2 drop_hop_limit) + $(stat 3 drop_hop_limit) ))
	[ $((after - before)) = 1 ] || { echo "hop-limit drops: $before -> $after"; return 1; }
}
