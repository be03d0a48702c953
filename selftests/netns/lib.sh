# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the xmesh data-path tests: network namespaces joined by veth
# underlay links, one xmesh0 device per namespace, keys and routes set
# through xmeshctl, and a TAP counter. Sourced by selftests/netns/run.
#
# Node i lives in namespace xm$i with underlay addresses 10.0.$l.$i and
# fd00:$l::$i on the link l it shares with a neighbour, and overlay
# addresses 192.168.0.$i/24 and fd99::$i/64 on xmesh0 (node id i, UDP port
# 51820 + i).

XMESHCTL=${XMESHCTL:-$top/userspace/xmeshctl/xmeshctl}
export XM_RAW=$top/selftests/netns/xm_raw.py
NODES=""

tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $*"
	keys_refresh_due
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n $*"
	keys_refresh_due
}

# check DESC CMD...: one TAP line for the command's status; its output is
# shown only when it fails.
check() {
	local desc=$1 out t0=$SECONDS
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
		[ $((SECONDS - t0)) -lt 5 ] || echo "# ($((SECONDS - t0)) s)"
	else
		not_ok "$desc"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/# /'
	fi
}

# check_not DESC CMD...: passes when the command fails.
check_not() {
	local desc=$1
	shift
	if "$@" >/dev/null 2>&1; then
		not_ok "$desc"
	else
		ok "$desc"
	fi
}

n() { # n I CMD...: run in node I's namespace
	local i=$1
	shift
	ip netns exec "xm$i" "$@"
}

ctl() { # ctl I ARGS...: xmeshctl in node I
	local i=$1
	shift
	ip netns exec "xm$i" "$XMESHCTL" "$@"
}

# A 32-byte key in hex, the same for the same label (tests are
# repeatable); plain bash, as every process costs in the emulated VM.
key_hex=""
key() {
	local label=$1 seed=5381 i part
	for ((i = 0; i < ${#label}; i++)); do
		printf -v part '%d' "'${label:i:1}"
		seed=$(((seed * 33 + part) & 0xffffffff))
	done
	key_hex=""
	for ((i = 0; i < 8; i++)); do
		seed=$(((seed * 1103515245 + 12345 + i) & 0xffffffff))
		printf -v part '%08x' "$seed"
		key_hex+=$part
	done
}

# cfg I CMD...: run several xmeshctl commands (one per argument, words
# split) in node I's namespace, in one process tree; stops at the first
# failure.
cfg() {
	local i=$1 c script="set -e"
	shift
	for c in "$@"; do
		script+=$'\n'"\"$XMESHCTL\" $c"
	done
	ip netns exec "xm$i" bash -c "$script"
}

node_add() { # node_add I
	local i=$1
	ip netns add "xm$i"
	NODES="$NODES $i"
	ip netns exec "xm$i" bash -c "set -e
		ip link set lo up
		sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
		ip link add xmesh0 type xmesh
		\"$XMESHCTL\" set xmesh0 listen-port $((51820 + i)) node-id $i flags relay
		ip addr add 192.168.0.$i/24 dev xmesh0
		ip addr add fd99::$i/64 dev xmesh0 nodad
		ip link set xmesh0 up"
}

link_add() { # link_add I J: veth between nodes I and J, link number IJ
	local i=$1 j=$2 l=$1$2
	ip link add "v$i-$j" netns "xm$i" type veth peer name "v$j-$i" netns "xm$j"
	ip netns exec "xm$i" bash -c "ip addr add 10.0.$l.$i/24 dev v$i-$j
		ip addr add fd00:$l::$i/64 dev v$i-$j nodad; ip link set v$i-$j up"
	ip netns exec "xm$j" bash -c "ip addr add 10.0.$l.$j/24 dev v$j-$i
		ip addr add fd00:$l::$j/64 dev v$j-$i nodad; ip link set v$j-$i up"
}

# key_cmd I J [GEN] [SLOT] [LABEL]: the xmeshctl arguments that give node I
# its session key with node J (generation GEN, both directions derive from
# it; the keys from LABEL instead when given: the module takes a key once)
key_cmd() {
	local i=$1 j=$2 g=${3:-0} slot=${4:-primary} l=${5:-${3:-0}} enc
	key "$i-$j-$l"
	enc=$key_hex
	key "$j-$i-$l"
	echo "key set xmesh0 $j $slot local-index $((i * 1000 + j * 10 + g))" \
		"remote-index $((j * 1000 + i * 10 + g)) encrypt-key $enc decrypt-key $key_hex"
}

route_cmds() { # route_cmds J: routes of node J's overlay host addresses
	echo "route add xmesh0 192.168.0.$1/32 node $1"
	echo "route add xmesh0 fd99::$1/128 node $1"
}

# A direct, keyed pair over link IJ, outer IPv4 (or IPv6 with 6).
pair_up() { # pair_up I J [4|6]
	local i=$1 j=$2 fam=${3:-4} l=$1$2 epi epj
	if [ "$fam" = 6 ]; then
		epi="[fd00:$l::$i]:$((51820 + i))" epj="[fd00:$l::$j]:$((51820 + j))"
	else
		epi="10.0.$l.$i:$((51820 + i))" epj="10.0.$l.$j:$((51820 + j))"
	fi
	mapfile -t ri < <(route_cmds "$j")
	mapfile -t rj < <(route_cmds "$i")
	cfg "$i" "peer add xmesh0 $j endpoint $epj" "$(key_cmd "$i" "$j")" "${ri[@]}" &&
	cfg "$j" "peer add xmesh0 $i endpoint $epi" "$(key_cmd "$j" "$i")" "${rj[@]}"
}

# stat I NAME [PEER | tenant:ID]: a counter of node I's device, of one of
# its peers or of a tenant (first match in the one-line JSON; no python,
# which takes seconds to start in the emulated VM).
stat() {
	local i=$1 name=$2 who=${3:-} json
	case "$who" in
	"") json=$(ctl "$i" --json stats xmesh0) ;;
	tenant:*) json=$(ctl "$i" --json tenant show xmesh0 "${who#tenant:}") ;;
	*) json=$(ctl "$i" --json peer show xmesh0 "$who") ;;
	esac || return 1
	if [[ $json =~ \"$name\":([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo "stat: no $name in: $json" >&2
		return 1
	fi
}

nodes_cleanup() {
	local i
	for i in $NODES; do
		ip netns pids "xm$i" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "xm$i" 2>/dev/null
	done
	NODES=""
}

# The test mesh: three nodes, a full triangle of underlay links.
#   1 --(IPv4 outer)-- 2 --(IPv6 outer)-- 3, and a direct link 1 -- 3.
# Session keys: pairs 1-2, 2-3 and the end-to-end pair 1-3 (node 2 holds no
# key of 1-3). Nodes 1 and 3 reach each other through the relay 2 (metric
# 10) or, as a second next hop, directly (metric 20).
mesh_up() {
	local i
	for i in 1 2 3; do
		node_add "$i"
	done
	link_add 1 2
	link_add 2 3
	link_add 1 3
	mapfile -t r1 < <(route_cmds 2; route_cmds 3)
	mapfile -t r2 < <(route_cmds 1; route_cmds 3)
	mapfile -t r3 < <(route_cmds 1; route_cmds 2)
	cfg 1 "peer add xmesh0 2 endpoint 10.0.12.2:51822" "$(key_cmd 1 2)" \
		"peer add xmesh0 3 endpoint 10.0.13.3:51823" "$(key_cmd 1 3)" \
		"nexthop add xmesh0 3 via 2 metric 10" "nexthop add xmesh0 3 via 3 metric 20" \
		"${r1[@]}" &&
	cfg 2 "peer add xmesh0 1 endpoint 10.0.12.1:51821" "$(key_cmd 2 1)" \
		"peer add xmesh0 3 endpoint [fd00:23::3]:51823" "$(key_cmd 2 3)" \
		"${r2[@]}" &&
	cfg 3 "peer add xmesh0 2 endpoint [fd00:23::2]:51822" "$(key_cmd 3 2)" \
		"peer add xmesh0 1 endpoint 10.0.13.1:51821" "$(key_cmd 3 1)" \
		"nexthop add xmesh0 1 via 2 metric 10" "nexthop add xmesh0 1 via 1 metric 20" \
		"${r3[@]}"
}

# A counter before and after: delta I NAME WHO CMD... prints the increase.
delta() {
	local i=$1 name=$2 who=$3 a b
	shift 3
	a=$(stat "$i" "$name" "$who") || return 1
	"$@" >/dev/null 2>&1
	b=$(stat "$i" "$name" "$who") || return 1
	echo $((b - a))
}

# expect_eq DESC WANT GOT
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "# want $2, got $3"
	fi
}

# expect_ge DESC MIN GOT
expect_ge() {
	if [[ $3 =~ ^[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "# want at least $2, got $3"
	fi
}

# Keys live 180 s at most (the module's reject-after-time) and a key is
# installed once, while a group runs for minutes under emulation. So, as
# xmeshd would, the tests renew the keys of pairs 1-2, 1-3 and 2-3 between
# two checks once keys_at (when the mesh was first seen keyed, or renewed
# last) is 90 s old:
# new keys (labels from the clock: never the same twice) in each primary
# slot, under the indexes the slot has now, so that what a test installed
# and checks stays in place (a pair without a primary key is left alone).
# Between checks no packet is in flight.
keys_at=""
keys_refresh_due() {
	case "$keys_at" in
	off) return 0 ;;
	"") [ -e /run/netns/xm3 ] && keys_at=$SECONDS; return 0 ;;
	esac
	[ $((SECONDS - keys_at)) -ge 90 ] || return 0
	keys_at=$SECONDS
	if ! keys_refresh; then
		echo "# keys_refresh failed: no more renewals; later tests may find keys expired"
		keys_at=off
	fi
}

keys_refresh() {
	local i j json script l=r$EPOCHREALTIME re
	for i in 1 2 3; do
		json=$(ctl "$i" --json peer list xmesh0) || return 1
		script=""
		for j in 1 2 3; do
			[ "$i" = "$j" ] && continue
			# The primary slot's indexes: {"slot":"primary","local_index":L,"remote_index":R
			re="\"node_id\":\"0x0*$j\"[^}]*\"slot\":\"primary\",\"local_index\":([0-9]+),\"remote_index\":([0-9]+)"
			[[ $json =~ $re ]] || continue
			key "$i-$j-$l"
			script+="\"$XMESHCTL\" key set xmesh0 $j primary local-index ${BASH_REMATCH[1]}"
			script+=" remote-index ${BASH_REMATCH[2]} encrypt-key $key_hex"
			key "$j-$i-$l"
			script+=" decrypt-key $key_hex || exit 1"$'\n'
		done
		ip netns exec "xm$i" bash -c "$script" || return 1
	done
}

# capture_1to2 FILE: one encrypted packet 1->2 on node 2's underlay link
# into FILE (pcap). tcpdump may take seconds to start in an emulated guest:
# ping until it has captured its packet (it exits then), at most 20 times.
capture_1to2() {
	local pid
	n 2 timeout 8 tcpdump -i v2-1 -w "$1" -U -c 1 \
		"udp and src host 10.0.12.1 and dst port 51822" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 20); do
		kill -0 "$pid" 2>/dev/null || break
		n 1 ping -c 1 -W 1 192.168.0.2 >/dev/null
		sleep 0.3
	done
	wait "$pid"
}
