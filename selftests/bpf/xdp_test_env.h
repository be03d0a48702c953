/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The namespace xdp_test_env.sh builds for xdp_test: keep the two in step.
 *
 *   ut0 10.10.0.1/24 fd00:10::1/64  (packets "arrive" here)
 *   ut1 10.10.1.1/24 fd00:11::1/64  (a second NIC: redirect target)
 */
#ifndef XDP_TEST_ENV_H
#define XDP_TEST_ENV_H

#define SELF4		"10.10.0.1"
#define PEER4		"10.10.0.2"
#define UNKNOWN4	"10.10.0.9"
#define SELF6		"fd00:10::1"
#define PEER6		"fd00:10::2"
#define UNKNOWN6	"fd00:10::9"

/* Next hops: neighbours with permanent entries, or a failure of the fib. */
#define NH_UT1		"10.10.1.2"	/* on ut1, MAC_NH_UT1 */
#define NH_UT0		"10.10.0.3"	/* on ut0, MAC_NH_UT0 */
#define NH_UT1_V6	"fd00:11::2"	/* on ut1, MAC_NH_UT1 */
#define NH_NO_NEIGH	"10.10.1.3"	/* on ut1, no neighbour entry */
#define NH_UNREACHABLE	"10.99.0.1"	/* no route */
#define NH_SMALL_MTU	"10.10.3.1"	/* route via NH_UT1 with mtu 100 */
#define NH_PORT		51831

#define MAC_UT0		"\x02\x00\x00\x00\x10\x01"	/* ut0's own */
#define MAC_NH_UT1	"\x02\x00\x00\x00\x11\x02"
#define MAC_NH_UT0	"\x02\x00\x00\x00\x10\x03"

#define NODE_SELF		0x1111000000000001ULL
#define NODE_VIA_UT1		0x2222000000000002ULL
#define NODE_VIA_UT0		0x3333000000000003ULL
#define NODE_NO_NEIGH		0x4444000000000004ULL
#define NODE_UNREACHABLE	0x5555000000000005ULL
#define NODE_SMALL_MTU		0x6666000000000006ULL
#define NODE_VIA_UT1_V6		0x7777000000000007ULL
#define NODE_WRONG_FAMILY	0x8888000000000008ULL
#define NODE_BACK_TO_PEER	0x9999000000000009ULL	/* routed via PEER4 */
#define NODE_BACK_TO_PEER6	0xaaaa00000000000aULL	/* routed via PEER6 */
#define NODE_VIA_PEER_NAT	0xbbbb00000000000bULL	/* PEER4, another port */

#endif
