# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The data-path commands on the mesh of t_10: bad requests are refused
# with the right errno (xmeshctl exit status) and the kernel's extack
# message; no reply carries key material; unprivileged changes are refused.

# refused DESC STATUS MESSAGE ARGS...: xmeshctl ARGS in node 1 fails with
# exit status STATUS and prints MESSAGE (the kernel's extack text).
refused() {
	local desc=$1 want=$2 msg=$3 out rc
	shift 3
	out=$(ctl 1 "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -qF -- "$msg" <<<"$out"; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "# want status $want and '$msg', got $rc: $out"
	fi
}

group_netlink() {
	refused "peer add of an existing peer: EEXIST" 1 "peer exists" \
		peer add xmesh0 2
	refused "peer set of an unknown peer: ENOENT" 7 "no such peer" \
		peer set xmesh0 77 endpoint 10.0.12.2:1
	refused "a node is not its own peer: EINVAL" 2 "not its own peer" \
		peer add xmesh0 1
	refused "key for an unknown peer: ENOENT" 7 "no such peer" \
		key swap xmesh0 77
	refused "a local index used by another peer's key: EEXIST" 1 "local-index used by another key" \
		key set xmesh0 3 secondary local-index 1020 remote-index 9 \
		encrypt-key "$(printf '%064d' 1)" decrypt-key "$(printf '%064d' 2)"
	refused "route del of an absent route: ENOENT" 7 "no such route" \
		route del xmesh0 10.9.9.0/24
	refused "next hop del of an absent next hop: ENOENT" 7 "no such next hop" \
		nexthop del xmesh0 3 via 77
	check "prefixes with host bits set are refused before sending" \
		bash -c "! ip netns exec xm1 '$XMESHCTL' route add xmesh0 10.1.1.1/24 node 2 2>/dev/null"
	key 1-2-0
	check "no reply carries key material" no_key_in "$key_hex"
	check "changes need CAP_NET_ADMIN" bash -c "! ip netns exec xm1 setpriv --reuid=65534 \
		--regid=65534 --clear-groups '$XMESHCTL' route add xmesh0 10.9.0.0/16 node 2 2>/dev/null"
}

no_key_in() {
	local out
	out=$(ctl 1 --json peer list xmesh0; ctl 1 --json stats xmesh0) || return 1
	! grep -qi "$1" <<<"$out" || { echo "key seen in a reply"; return 1; }
	grep -q '"local_index":1020' <<<"$out"
}
