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
# Every request command of the UAPI header (all but the notification) is
# an operation of the family, numbered as in the header.
uapi=$(dirname "$0")/../../include/uapi/linux/xmesh.h
n_ops=$(grep -Ec '^[[:space:]]+XMESH_CMD_[A-Z_]+( = 1)?,$' "$uapi")
n_ops=$((n_ops - $(grep -Ec '^[[:space:]]+XMESH_CMD_[A-Z_]+_NTF,$' "$uapi")))

family_listed() {
	local out i
	out=$("$genl" ctrl get name xmesh) || return 1
	printf '%s\n' "$out"
	grep -q 'Name: xmesh' <<<"$out" &&
		grep -q 'Version: 0x1' <<<"$out" &&
		grep -q 'commands supported' <<<"$out" &&
		grep -q 'name: events' <<<"$out" || return 1
	[ "$n_ops" -ge 19 ] || { echo "# only $n_ops commands found in $uapi"; return 1; }
	for i in $(seq "$n_ops"); do
		grep -q "#$i:  ID-0x$(printf %x "$i") " <<<"$out" ||
			{ echo "# operation $i missing"; return 1; }
	done
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

tap_check "genl ctrl get name xmesh lists the family, all its $n_ops operations and its group" family_listed
"$genl" ctrl get name xmesh | sed 's/^/# /'
tap_check "genl ctrl list includes xmesh" family_in_list
tap_check "ip link add type xmesh; ip -d link shows the kind" link_kind_shown
tap_done
