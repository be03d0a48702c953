# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Network namespaces for the eBPF tests and bench; sourced by
# tools/check/suites/40-bpf and tools/bench/bpf. Every namespace is named
# "$XM_NS_PREFIX-..." and topo_down removes them all, so callers set the
# prefix per run and call topo_down from their EXIT trap.
#
# Relay (three nodes in a row; only M may move packets between A and B):
#
#   A a-m 10.40.1.1 fd00:40:1::1 --- m-a 10.40.1.2 fd00:40:1::2  M
#                                    m-b 10.40.2.2 fd00:40:2::2  M --- b-m 10.40.2.1 fd00:40:2::1  B
#
# Tenant (a tenant's netns T and the host side H of its veth):
#
#   T t0 10.41.0.2 --- h0 10.41.0.1 H   (IPv6 off, static ARP: only the
#                                        test's own packets cross)

XM_NS_PREFIX=${XM_NS_PREFIX:-xm$$}

ns() { echo "$XM_NS_PREFIX-$1"; }

# Runs a command in a netns without remounting /sys (unlike ip netns exec),
# so bpffs pins under /sys/fs/bpf stay visible.
in_ns() {
	local n
	n=$(ns "$1")
	shift
	nsenter --net="/run/netns/$n" "$@"
}

topo_down() {
	local n
	for n in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case "$n" in "$XM_NS_PREFIX"-*) ip netns del "$n" 2>/dev/null ;; esac
	done
}

topo_relay_up() {
	local A M B n d
	A=$(ns A) M=$(ns M) B=$(ns B)
	ip netns add "$A" && ip netns add "$M" && ip netns add "$B" || return 1
	ip -n "$A" link add a-m address 02:40:00:00:01:01 type veth peer name m-a \
		address 02:40:00:00:01:02 netns "$M" || return 1
	ip -n "$M" link add m-b address 02:40:00:00:02:02 type veth peer name b-m \
		address 02:40:00:00:02:01 netns "$B" || return 1
	ip -n "$A" addr add 10.40.1.1/24 dev a-m
	ip -n "$A" addr add fd00:40:1::1/64 dev a-m nodad
	ip -n "$M" addr add 10.40.1.2/24 dev m-a
	ip -n "$M" addr add fd00:40:1::2/64 dev m-a nodad
	ip -n "$M" addr add 10.40.2.2/24 dev m-b
	ip -n "$M" addr add fd00:40:2::2/64 dev m-b nodad
	ip -n "$B" addr add 10.40.2.1/24 dev b-m
	ip -n "$B" addr add fd00:40:2::1/64 dev b-m nodad
	for n in "$A" "$M" "$B"; do
		ip -n "$n" link set lo up
		for d in $(ip -n "$n" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
			ip -n "$n" link set "$d" up
		done
	done
	ip -n "$A" route add 10.40.2.0/24 via 10.40.1.2
	ip -n "$A" route add fd00:40:2::/64 via fd00:40:1::2
	ip -n "$B" route add 10.40.1.0/24 via 10.40.2.2
	ip -n "$B" route add fd00:40:1::/64 via fd00:40:2::2
	# Static neighbours: no resolution races, and bpf_fib_lookup in M
	# finds B at once (it never resolves a neighbour itself).
	ip -n "$A" neigh replace 10.40.1.2 lladdr 02:40:00:00:01:02 dev a-m nud permanent
	ip -n "$A" neigh replace fd00:40:1::2 lladdr 02:40:00:00:01:02 dev a-m nud permanent
	ip -n "$M" neigh replace 10.40.1.1 lladdr 02:40:00:00:01:01 dev m-a nud permanent
	ip -n "$M" neigh replace fd00:40:1::1 lladdr 02:40:00:00:01:01 dev m-a nud permanent
	ip -n "$M" neigh replace 10.40.2.1 lladdr 02:40:00:00:02:01 dev m-b nud permanent
	ip -n "$M" neigh replace fd00:40:2::1 lladdr 02:40:00:00:02:01 dev m-b nud permanent
	ip -n "$B" neigh replace 10.40.2.2 lladdr 02:40:00:00:02:02 dev b-m nud permanent
	ip -n "$B" neigh replace fd00:40:2::2 lladdr 02:40:00:00:02:02 dev b-m nud permanent
}

# bpf_fib_lookup answers FWD_DISABLED unless M forwards, so forwarding is
# on; whatever the stack would forward is counted and dropped by nftables
# instead (the counter is the proof that the stack moved nothing).
topo_relay_stack_blocked() {
	in_ns M sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv6.conf.all.forwarding=1 || return 1
	in_ns M nft -f - <<-'EOF'
	table inet xmtest {
		counter forwarded { }
		chain forward {
			type filter hook forward priority 0; policy drop;
			counter name forwarded drop
		}
	}
	EOF
}

# Packets the stack of M tried to forward (and nftables dropped).
topo_relay_forwarded() {
	in_ns M nft -j list counter inet xmtest forwarded |
		/usr/bin/python3 -c 'import json,sys
for o in json.load(sys.stdin)["nftables"]:
    if "counter" in o: print(o["counter"]["packets"])'
}

topo_tenant_up() {
	local T H n
	T=$(ns T) H=$(ns H)
	ip netns add "$T" && ip netns add "$H" || return 1
	for n in "$T" "$H"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n "$T" link add t0 address 02:41:00:00:00:02 type veth peer name h0 \
		address 02:41:00:00:00:01 netns "$H" || return 1
	ip -n "$T" addr add 10.41.0.2/24 dev t0
	ip -n "$H" addr add 10.41.0.1/24 dev h0
	ip -n "$T" link set lo up
	ip -n "$H" link set lo up
	ip -n "$T" link set t0 up
	ip -n "$H" link set h0 up
	ip -n "$T" neigh replace 10.41.0.1 lladdr 02:41:00:00:00:01 dev t0 nud permanent
	ip -n "$H" neigh replace 10.41.0.2 lladdr 02:41:00:00:00:02 dev h0 nud permanent
}

# Starts "udp_tool.py recv" in a netns; its output goes to FILE. Returns
# once the socket is bound (bounded wait).
recv_start() {
	local where=$1 file=$2 i
	shift 2
	in_ns "$where" /usr/bin/python3 "$XM_BPF_DIR/udp_tool.py" recv "$@" >"$file" 2>&1 &
	for i in $(seq 100); do
		grep -q ready "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Waits (bounded: 20 s) for the receiver writing FILE; prints its count.
recv_count() {
	local file=$1 i
	for i in $(seq 400); do
		grep -q received "$file" 2>/dev/null && break
		sleep 0.05
	done
	awk '/^received/ {print $2}' "$file"
}
