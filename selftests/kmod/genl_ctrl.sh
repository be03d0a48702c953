#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module as the standard tools see it: iproute2's genl lists the
# "xmesh" family and its operations, ip link creates and shows the link
# kind. Runs in the test VM with xmesh.ko loaded.
set -u
# shellcheck source=selftests/kmod/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

genl=$(command -v genl || echo /usr/sbin/genl)

# iproute2 prints an operation's capabilities only for families of
# version >= 2 (it mistakes the family's version for the controller's), so
# the flags of each operation are checked by family_test instead.
family_listed() {
	local out
	out=$("$genl" ctrl get name xmesh) || return 1
	printf '%s\n' "$out"
	grep -q 'Name: xmesh' <<<"$out" &&
		grep -q 'Version: 0x1' <<<"$out" &&
		grep -q 'commands supported' <<<"$out" &&
		grep -q '#1:  ID-0x1 ' <<<"$out" &&	# DEV_GET
		grep -q '#2:  ID-0x2 ' <<<"$out" &&	# DEV_SET
		grep -q 'name: events' <<<"$out"
}

family_in_list() {
	"$genl" ctrl list | grep -q 'Name: xmesh'
}

link_kind_shown() {
	ip link add xmgenl0 type xmesh || return 1
	local out rc=0
	out=$(ip -d link show dev xmgenl0) || rc=1
	ip link del xmgenl0 || rc=1
	printf '%s\n' "$out"
	# The kind is printed after the first line (which has the name).
	[ "$rc" = 0 ] && sed 1d <<<"$out" | grep -qw xmesh
}

tap_check "genl ctrl get name xmesh lists the family, its two operations and group" family_listed
"$genl" ctrl get name xmesh | sed 's/^/# /'
tap_check "genl ctrl list includes xmesh" family_in_list
tap_check "ip link add type xmesh; ip -d link shows the kind" link_kind_shown
tap_done
