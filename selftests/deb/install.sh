#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages on a node, inside the test VM (whose root is a tmpfs
# overlay over the host's, so installing there changes nothing outside it):
#   XMESH_DEB_DIR=build/deb XMESH_VM_ENV=XMESH_DEB_DIR \
#       tools/vm/run --no-module --out DIR -- selftests/deb/install.sh DIR
# dpkg -i installs xmesh-dkms and xmesh; DKMS builds and installs the module
# for this kernel; modprobe loads it with its dependencies; xmeshd starts
# from the unit's own ExecStart line (no systemd in the VM) with the
# packaged conffile and drives the module; xmeshctl, the man pages and the
# completion work from their installed places. Then a ping crosses a
# hand-configured pair of namespaces while tcpdump writes DIR/data.pcap and
# DIR/data.expect records every header value the test chose (checked with
# tshark by tools/check/suites/33-vm-deb). Last, dpkg -r and dpkg --purge
# remove everything: the module is unloaded, DKMS forgets it, no file is
# left. Prints TAP.
set -u
out=${1:?usage: install.sh OUTDIR}
debdir=${XMESH_DEB_DIR:?XMESH_DEB_DIR: the directory of the .deb files}
kver=$(uname -r)
tapn=0 failed=0 daemon=""

check() {
	tapn=$((tapn + 1))
	if [ "$1" = 0 ]; then echo "ok $tapn $2"; else echo "not ok $tapn $2"; failed=1; fi
}
# run WHAT CMD...: run CMD, its output as TAP diagnostics, its status a check.
run() {
	local what=$1 rc o
	shift
	o=$("$@" 2>&1)
	rc=$?
	[ -z "$o" ] || printf '%s\n' "$o" | tail -n 25 | sed 's/^/#   /'
	check $rc "$what"
	return $rc
}
# shellcheck disable=SC2317 # runs from the trap
cleanup() {
	[ -z "$daemon" ] || kill "$daemon" 2>/dev/null
	ip netns del xdeb-a 2>/dev/null
	ip netns del xdeb-b 2>/dev/null
}
trap cleanup EXIT

# The whole test is one function, read by bash before it runs: editing this
# file while a VM runs it cannot change what it does.
# The tree's UAPI headers, whatever the directory the test runs in.
uapi=$(cd "$(dirname "$0")/../../include/uapi/linux" && pwd)

main() {
	if [ "${XMESH_VM:-}" != 1 ]; then
		echo "install.sh runs inside the test VM: tools/vm/run -- $0" >&2
		exit 2
	fi
	mkdir -p "$out"
	dkms_deb=$(ls "$debdir"/xmesh-dkms_*_all.deb 2>/dev/null | head -n 1)
	deb=$(ls "$debdir"/xmesh_*_*.deb 2>/dev/null | head -n 1)
	if [ -z "$dkms_deb" ] || [ -z "$deb" ]; then
		echo "not ok 1 the packages are in $debdir (make deb)"
		exit 1
	fi
	ver=$(dpkg-deb -f "$dkms_deb" Version)

	# 1. Install. DKMS builds the module in xmesh-dkms's postinst.
	start=$(date +%s)
	# Its output goes to the console as it comes (DKMS compiling under
	# emulation is the slow part of this test).
	DEBIAN_FRONTEND=noninteractive dpkg -i "$dkms_deb" "$deb" 2>&1 | sed -u 's/^/#   dpkg: /'
	check "${PIPESTATUS[0]}" "dpkg -i xmesh-dkms and xmesh (DKMS builds the module for $kver)"
	echo "# dpkg -i took $(($(date +%s) - start)) s"
	st=$(dkms status xmesh 2>&1)
	echo "# dkms status: $st"
	grep -Eq "^xmesh/$ver, $kver, [^:]*: installed" <<<"$st"
	check $? "DKMS has xmesh $ver installed for $kver"
	path=$(modinfo -n xmesh 2>/dev/null)
	echo "# modinfo -n xmesh: $path"
	case "$path" in "/lib/modules/$kver/updates/dkms/xmesh.ko"*) rc=0 ;; *) rc=1 ;; esac
	check $rc "depmod knows the DKMS-built module"

	# 2. modprobe resolves the dependencies (udp_tunnel, ip6_udp_tunnel).
	for m in udp_tunnel ip6_udp_tunnel; do
		[ ! -d /sys/module/$m ] || echo "# $m is already loaded (built in?)"
	done
	run "modprobe xmesh" modprobe xmesh
	[ -d /sys/module/xmesh ] && [ -d /sys/module/udp_tunnel ] &&
		[ "$(cat /sys/module/xmesh/version 2>/dev/null)" = "$ver" ]
	check $? "xmesh $ver is loaded, and udp_tunnel with it"

	# 3. The installed files.
	cf=$(dpkg-query -W -f='${Conffiles}' xmesh)
	grep -q '^ /etc/xmesh/xmeshd.conf [0-9a-f]*$' <<<"$cf"
	check $? "/etc/xmesh/xmeshd.conf is a conffile"
	m=0
	for p in xmeshctl.8 xmeshd.8 xmeshd.conf.5; do
		f=$(man -w "${p%.*}" 2>/dev/null | grep -c "/usr/share/man/man${p##*.}/$p.gz")
		[ "$f" = 1 ] || { echo "#   man -w ${p%.*}: not the packaged page"; m=1; }
	done
	check $m "man finds xmeshctl(8), xmeshd(8), xmeshd.conf(5)"
	ls /usr/lib/xmesh/bpf/xmesh_xdp.bpf.o /usr/lib/xmesh/bpf/xmesh_tc.bpf.o \
		/usr/share/xmesh/wireshark/xmesh.lua >/dev/null
	check $? "the eBPF objects and the dissector are installed"

	# 4. xmeshd from the unit's ExecStart line, as systemd would run it:
	# RuntimeDirectory=/StateDirectory= (0700) and UMask=0077 done by hand.
	unit=/lib/systemd/system/xmeshd.service
	execstart=$(sed -n 's/^ExecStart=//p' "$unit")
	echo "# ExecStart: $execstart"
	ip link add xmesh0 type xmesh && ip link set xmesh0 up
	mkdir -p /run/xmesh /var/lib/xmesh && chmod 0700 /run/xmesh /var/lib/xmesh
	# shellcheck disable=SC2086 # the unit's command line, split as systemd does here
	(umask 0077 && exec $execstart) 2>"$out/xmeshd.log" &
	daemon=$!
	rc=1
	for _ in $(seq 300); do
		if xmeshctl --json node >"$out/node.json" 2>/dev/null; then rc=0; break; fi
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.2
	done
	[ $rc = 0 ] || sed 's/^/#   xmeshd: /' "$out/xmeshd.log"
	check $rc "xmeshd runs from the unit's ExecStart and answers xmeshctl node on /run/xmesh/xmeshd.sock"
	grep -q '"kernel":true' "$out/node.json"
	check $? "xmeshd drives the module"
	id=$(sed -n 's/.*"id":"\([0-9a-f]\{16\}\).*/\1/p' "$out/node.json")
	rc=1
	for _ in $(seq 50); do
		xmeshctl show >"$out/show.txt" 2>&1 && grep -q "node id: 0x$id" "$out/show.txt" && { rc=0; break; }
		sleep 0.2
	done
	sed 's/^/#   /' "$out/show.txt"
	check $rc "xmeshctl show: xmesh0 carries the node id xmeshd gave it (0x$id)"
	[ "$(stat -c %a /var/lib/xmesh/identity.key 2>/dev/null)" = 600 ]
	check $? "the identity key is in /var/lib/xmesh, mode 0600"

	# 5. The installed completion offers the xmesh devices, and only them.
	got=$(bash --norc --noprofile -c '
		source /usr/share/bash-completion/completions/xmeshctl
		COMP_WORDS=(xmeshctl show ""); COMP_CWORD=2
		_xmeshctl; printf "%s " "${COMPREPLY[@]}"')
	echo "# 'xmeshctl show ' completes to: $got"
	[ "$got" = "xmesh0 " ]
	check $? "the completion offers the xmesh device xmesh0, and not lo"
	kill "$daemon"
	wait "$daemon" 2>/dev/null
	daemon=""
	ip link del xmesh0

	# 6. A ping over a hand-configured pair, captured for the dissector test.
	# Every header value is chosen here: node ids, receiver indexes, tenant.
	ida=0x1111222233334444 idb=0x5555666677778888 ta=7 ia=101 ib=202
	ka=$(printf '%064x' 1) kb=$(printf '%064x' 2)
	ip netns add xdeb-a && ip netns add xdeb-b &&
		ip link add eth0 netns xdeb-a type veth peer name eth0 netns xdeb-b
	for s in a b; do
		ip netns exec xdeb-$s sh -c "ip link set lo up && ip link set eth0 up &&
			ip link add xmesh0 type xmesh &&
			sysctl -qw net.ipv6.conf.xmesh0.disable_ipv6=1"
	done
	ip -n xdeb-a addr add 10.90.0.1/24 dev eth0
	ip -n xdeb-b addr add 10.90.0.2/24 dev eth0
	pair() { # pair SELF PEER MYID PEERID PEERIP MYIDX PEERIDX ENC DEC MYNET PEERNET
		ip netns exec "xdeb-$1" sh -c "set -e
			xmeshctl set xmesh0 listen-port 51830 node-id $3
			xmeshctl peer add xmesh0 $4 endpoint $5:51830
			xmeshctl key set xmesh0 $4 primary local-index $6 remote-index $7 \
				encrypt-key $8 decrypt-key $9
			xmeshctl route add xmesh0 ${11} node $4
			xmeshctl tenant add xmesh0 $ta prefix 10.70.0.0/16
			ip addr add ${10%.0/24}.1/32 dev xmesh0
			ip link set xmesh0 up
			ip route add 10.70.0.0/16 dev xmesh0"
	}
	pair a b $ida $idb 10.90.0.2 $ia $ib "$ka" "$kb" 10.70.1.0/24 10.70.2.0/24 &&
		pair b a $idb $ida 10.90.0.1 $ib $ia "$kb" "$ka" 10.70.2.0/24 10.70.1.0/24
	check $? "a keyed pair of namespaces, configured by hand"
	ip netns exec xdeb-a tcpdump -Z root -i eth0 -U -n -w "$out/data.pcap" udp port 51830 2>"$out/tcpdump.log" &
	tcpd=$!
	for _ in $(seq 50); do grep -q listening "$out/tcpdump.log" && break; sleep 0.1; done
	npings=3
	ip netns exec xdeb-a ping -c $npings -i 0.3 -W 5 -I 10.70.1.1 10.70.2.1 | sed 's/^/#   /'
	check "${PIPESTATUS[0]}" "tenant $ta pings across the pair"
	sleep 1
	kill -INT $tcpd
	wait $tcpd 2>/dev/null
	# What tools/check/suites/33-vm-deb expects of each packet: direction
	# (outer source), then every header field. Fresh keys count from 0; a
	# sender starts the hop limit at the UAPI's default.
	local hop
	hop=$(sed -n 's/^#define XMESH_WIRE_HOP_LIMIT_MAX[[:space:]]*\([0-9]*\).*/\1/p' \
		"$uapi/xmesh_wire.h")
	{
		for ((c = 0; c < npings; c++)); do
			echo "10.90.0.1 1 1 ${hop:-?} 0x00 0x00 $ta $idb $ib 0x00000000 $c"
			echo "10.90.0.2 1 1 ${hop:-?} 0x00 0x00 $ta $ida $ia 0x00000000 $c"
		done
	} | LC_ALL=C sort >"$out/data.expect"
	ip netns del xdeb-a
	ip netns del xdeb-b

	# 7. Remove, then purge.
	run "dpkg -r xmesh xmesh-dkms" env DEBIAN_FRONTEND=noninteractive dpkg -r xmesh xmesh-dkms
	rc=1
	for _ in $(seq 50); do [ -d /sys/module/xmesh ] || { rc=0; break; }; sleep 0.2; done
	check $rc "removing xmesh-dkms unloaded the module"
	st=$(dkms status xmesh 2>&1)
	[ -z "$st" ] || echo "#   dkms status: $st"
	check "$([ -z "$st" ] && echo 0 || echo 1)" "DKMS forgot xmesh (dkms status is empty)"
	left=$(ls -d /usr/sbin/xmeshd /usr/sbin/xmeshctl /usr/src/xmesh-* /var/lib/dkms/xmesh \
		/lib/modules/"$kver"/updates/dkms/xmesh.ko* /usr/lib/xmesh \
		/usr/share/bash-completion/completions/xmeshctl /lib/systemd/system/xmeshd.service \
		/usr/share/man/man8/xmeshctl.8.gz 2>/dev/null)
	[ -z "$left" ] || echo "#   left: $left"
	modinfo xmesh >/dev/null 2>&1 && { echo "#   modinfo still finds xmesh"; left="$left modinfo"; }
	check "$([ -z "$left" ] && echo 0 || echo 1)" "no program, source, module or unit is left"
	[ -f /etc/xmesh/xmeshd.conf ]
	check $? "the conffile stays after dpkg -r"
	run "dpkg --purge xmesh xmesh-dkms" env DEBIAN_FRONTEND=noninteractive dpkg --purge xmesh xmesh-dkms
	left=$(ls -d /etc/xmesh /var/lib/xmesh 2>/dev/null)
	[ -z "$left" ] || echo "#   left: $left"
	dpkg -l xmesh xmesh-dkms 2>/dev/null | grep -E '^[a-z][a-z] +xmesh' | sed 's/^/#   /'
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' xmesh xmesh-dkms 2>/dev/null)
	check "$([ -z "$left" ] && [ -z "${st// /}" ] && echo 0 || echo 1)" \
		"after purge: no /etc/xmesh, no /var/lib/xmesh, dpkg knows neither package"
	exit $failed
}

main "$@"
