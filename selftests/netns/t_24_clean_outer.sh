# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The outer packet starts clean (on the mesh of t_10): it carries the
# device's fwmark and not the inner packet's mark; the inner ECN field is
# copied to the outer header (RFC 6040 normal mode), IPv4 and IPv6 outer;
# on receive, a CE-marked outer marks an ECT inner CE and drops a not-ECT
# inner (drop_ecn). Counted with nftables counters on the underlay.

group_clean_outer() {
	check "outer packets carry the fwmark, not the inner mark" outer_fwmark
	check "inner ECN copied to the outer IPv4 header (ECT(1), ECT(0), CE)" \
		outer_ecn_encap 1 2 192.168.0.2 "ip saddr 10.0.12.1 udp dport 51822" ip
	check "inner ECN copied to the outer IPv6 header (ECT(1), ECT(0), CE)" \
		outer_ecn_encap 2 3 fd99::3 "ip6 saddr fd00:23::2 udp dport 51823" ip6
	check "CE outside: an ECT(0) inner packet arrives CE" outer_ecn_decap_ce
	check "CE outside: a not-ECT inner packet is dropped (drop_ecn)" outer_ecn_decap_drop
}

# outer_nft_count I TABLE COMMENT: the packets of the rule with that comment.
outer_nft_count() {
	local out
	out=$(n "$1" nft list table "$2") || return 1
	if [[ $out =~ counter\ packets\ ([0-9]+)\ bytes\ [0-9]+\ comment\ \"$3\" ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo "outer_nft_count: no rule $3 in: $out" >&2
		return 1
	fi
}

outer_fwmark() {
	local j m61 m99
	ctl 1 set xmesh0 fwmark 0x61 || return 1
	j=$(ctl 1 --json show xmesh0) || return 1
	[[ $j == *'"fwmark":97'* ]] || { echo "fwmark not read back: $j"; return 1; }
	n 1 nft -f - <<'NFT' || return 1
table ip xmfw {
	chain out {
		type filter hook output priority 0;
		meta mark 0x61 udp dport 51822 counter comment "m61"
		meta mark 0x99 udp dport 51822 counter comment "m99"
	}
}
NFT
	n 1 ping -c 3 -i 0.2 -W 2 -m 153 192.168.0.2 >/dev/null
	m61=$(outer_nft_count 1 xmfw m61) m99=$(outer_nft_count 1 xmfw m99) || return 1
	n 1 nft delete table ip xmfw
	ctl 1 set xmesh0 fwmark 0 || return 1
	echo "outer packets with mark 0x61: $m61, with the inner 0x99: $m99"
	[ "$m61" = 3 ] && [ "$m99" = 0 ]
}

# outer_ecn_encap I J DST MATCH FAM: node I pings DST twice with each of the
# ECN values 1, 2, 3; node J counts the outer packets from I by ECN.
outer_ecn_encap() {
	local i=$1 j=$2 dst=$3 match=$4 fam=$5 c1 c2 c3 c0
	n "$j" nft -f - <<NFT || return 1
table inet xmecn {
	chain pre {
		type filter hook prerouting priority -300;
		$match $fam ecn not-ect counter comment "e0"
		$match $fam ecn ect1 counter comment "e1"
		$match $fam ecn ect0 counter comment "e2"
		$match $fam ecn ce counter comment "e3"
	}
}
NFT
	n "$i" ping -c 2 -i 0.2 -W 2 -Q 1 "$dst" >/dev/null
	n "$i" ping -c 2 -i 0.2 -W 2 -Q 2 "$dst" >/dev/null
	n "$i" ping -c 2 -i 0.2 -W 2 -Q 3 "$dst" >/dev/null
	c0=$(outer_nft_count "$j" "inet xmecn" e0) c1=$(outer_nft_count "$j" "inet xmecn" e1) &&
		c2=$(outer_nft_count "$j" "inet xmecn" e2) && c3=$(outer_nft_count "$j" "inet xmecn" e3)
	n "$j" nft delete table inet xmecn
	echo "outer not-ECT $c0, ECT(1) $c1, ECT(0) $c2, CE $c3 (want 0 2 2 2)"
	[ "$c0" = 0 ] && [ "$c1" = 2 ] && [ "$c2" = 2 ] && [ "$c3" = 2 ]
}

# Node 1 marks its outer packets to node 2 CE (a congested underlay).
outer_ce_underlay() {
	n 1 nft -f - <<'NFT'
table ip xmce {
	chain out {
		type filter hook output priority 0;
		ip daddr 10.0.12.2 udp dport 51822 ip ecn set ce
	}
}
NFT
}

outer_ecn_decap_ce() {
	local c
	outer_ce_underlay || return 1
	n 2 nft -f - <<'NFT' || return 1
table ip xmin {
	chain in {
		type filter hook input priority 0;
		iifname "xmesh0" ip saddr 192.168.0.1 ip ecn ce counter comment "ce"
	}
}
NFT
	n 1 ping -c 3 -i 0.2 -W 2 -Q 2 192.168.0.2 >/dev/null
	c=$(outer_nft_count 2 "ip xmin" ce)
	n 2 nft delete table ip xmin
	n 1 nft delete table ip xmce
	echo "inner packets arriving CE: $c (want 3)"
	[ "$c" = 3 ]
}

outer_ecn_decap_drop() {
	local d0 d1 ok=0
	outer_ce_underlay || return 1
	d0=$(stat 2 drop_ecn 1)
	n 1 ping -c 3 -i 0.2 -W 1 -Q 0 192.168.0.2 >/dev/null 2>&1 || ok=1
	d1=$(stat 2 drop_ecn 1)
	n 1 nft delete table ip xmce
	echo "drop_ecn +$((d1 - d0)) (want 3); ping failed: $ok"
	[ $((d1 - d0)) = 3 ] && [ "$ok" = 1 ]
}
