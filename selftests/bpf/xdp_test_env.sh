#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The network namespace xdp_test runs in (constants in xdp_test_env.h).
#   xdp_test_env.sh run NETNS PROGRAM [ARGS...]
# builds NETNS, runs PROGRAM inside it and always removes NETNS.
set -eu

ns=$1
shift
[ "${1:-}" = "--" ] && shift

cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT

ip netns add "$ns"
x() { ip -n "$ns" "$@"; }
x link set lo up
x link add ut0 type veth peer name ut1
x link set ut0 address 02:00:00:00:10:01
x link set ut1 address 02:00:00:00:11:01
x addr add 10.10.0.1/24 dev ut0
x addr add 10.10.1.1/24 dev ut1
x addr add fd00:10::1/64 dev ut0 nodad
x addr add fd00:11::1/64 dev ut1 nodad
x link set ut0 up
x link set ut1 up
x neigh replace 10.10.1.2 lladdr 02:00:00:00:11:02 dev ut1 nud permanent
x neigh replace fd00:11::2 lladdr 02:00:00:00:11:02 dev ut1 nud permanent
x neigh replace 10.10.0.3 lladdr 02:00:00:00:10:03 dev ut0 nud permanent
x route add 10.10.3.0/24 via 10.10.1.2 dev ut1 mtu lock 100
ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.forwarding=1 \
	net.ipv6.conf.all.forwarding=1 net.ipv4.conf.ut0.forwarding=1

ip netns exec "$ns" "$@"
