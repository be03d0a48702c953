// SPDX-License-Identifier: GPL-2.0
/*
 * Bench driver of the eBPF fast path (used by tools/bench/bpf):
 *
 *   xdp_bench time N
 *     In the xdp_test_env.sh namespace: ns per packet of the relay program
 *     on an IPv4 and an IPv6 transit packet, and of the floor (a minimal
 *     XDP_TX program) on the same IPv4 packet. Each is timed as runs of
 *     repeat = 1 (the relay rewrites its packet, so repeat > 1 would time
 *     the wrong branch), N in all, in ROUNDS interleaved rounds so all see
 *     the same machine; a round's figure is the mean of its runs' kernel
 *     durations. Prints the median over rounds of each ("relay_ns V",
 *     "relay6_ns V", "floor_ns V") and of the rounds' relay/floor ratios
 *     ("ratio V").
 *
 *   xdp_bench pps MODE GEN_NS GEN_IF MID_NS MID_IF SINK_NS SINK_IF DST_MAC SRC DST NODE COUNT
 *                 GEN_CPU MID_CPU
 *     Transmits COUNT live frames (BPF_F_TEST_XDP_LIVE_FRAMES, each one's
 *     head rewritten from the template by xmesh_xdp_gen) out of GEN_IF in
 *     netns GEN_NS toward the middle namespace, from CPU GEN_CPU, and
 *     counts what reaches SINK_IF (an XDP counter that drops, so the
 *     receiver's stack costs nothing). With MID_CPU >= 0, MID_IF must have
 *     threaded NAPI on: its NAPI threads are pinned to MID_CPU at SCHED_FIFO
 *     priority, so the transit through the middle has that CPU to itself,
 *     beside the generator. With MID_CPU -1, veth runs the transit in the
 *     softirq of the generating CPU, after each batch it generates. A CPU
 *     of -1 is not pinned.
 *
 *     MODE relay: the frames are xmesh packets for node NODE, relayed by
 *     whatever XDP program the caller attached on MID_IF. MODE stack: the
 *     same frames go to DST by IP forwarding; MID_IF gets an XDP_PASS
 *     program so veth hands the frames to the stack. MODE gen: the sink
 *     sits on MID_IF instead (MID_IF must have no XDP program), which
 *     measures the load the generator offers. Prints "pps V" (received per
 *     second), "offered V" (generated per second), "sent V", "received V".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/xmesh.h>

#include "bpf_maps.h"
#include "pkt_build.h"
#include "xdp_test_env.h"
#include "xmesh_bench.skel.h"
#include "xmesh_xdp.skel.h"

#define ROUNDS 11

static void die(const char *what, int err)
{
	fprintf(stderr, "xdp_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Mean in-kernel duration of n single runs of prog on p. */
static double time_runs(int prog, const struct pkt *p, int ifindex, unsigned long n)
{
	struct xdp_md ctx = { .data_end = p->len, .ingress_ifindex = ifindex };
	uint8_t out[sizeof(p->b)];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = p->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	uint64_t total = 0;
	unsigned long i;

	for (i = 0; i < n; i++) {
		opts.data_out = out;
		opts.data_size_out = sizeof(out);
		if (bpf_prog_test_run_opts(prog, &opts))
			die("test run", errno);
		total += opts.duration;
	}
	return (double)total / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int cmd_time(unsigned long n)
{
	struct spec s4 = {
		.src = PEER4, .dst = SELF4, .sport = XMESH_DEFAULT_PORT,
		.dport = XMESH_DEFAULT_PORT, .hop = XM_HOP_LIMIT_MAX, .dst_node = NODE_VIA_UT1,
		.payload = 80, .dmac = (const uint8_t *)MAC_UT0,
	};
	struct spec s6 = {
		.v6 = true, .src = PEER6, .dst = SELF6, .sport = XMESH_DEFAULT_PORT,
		.dport = XMESH_DEFAULT_PORT, .hop = XM_HOP_LIMIT_MAX,
		.dst_node = NODE_VIA_UT1_V6,
		.payload = 80, .dmac = (const uint8_t *)MAC_UT0,
	};
	double relay[ROUNDS], relay6[ROUNDS], floor_ns[ROUNDS], ratio[ROUNDS];
	struct xmesh_bench *bench;
	struct xmesh_xdp *xdp;
	struct xm_bpf_maps m;
	struct in_addr v4;
	struct xm_addr a;
	struct pkt p4, p6;
	int ifindex, relay_fd, floor_fd, err, r;

	ifindex = (int)if_nametoindex("ut0");
	if (!ifindex)
		die("ut0 (run me through xdp_test_env.sh)", ENODEV);
	xdp = xmesh_xdp__open_and_load();
	bench = xmesh_bench__open_and_load();
	if (!xdp || !bench)
		die("load", errno);
	memset(&m, -1, sizeof(m));
	m.config = bpf_map__fd(xdp->maps.xm_config);
	m.peers = bpf_map__fd(xdp->maps.xm_peers);
	m.routes = bpf_map__fd(xdp->maps.xm_routes);
	m.local_addrs = bpf_map__fd(xdp->maps.xm_local_addrs);
	m.xdp_ifaces = bpf_map__fd(xdp->maps.xm_xdp_ifaces);
	err = xm_bpf_config_set(&m, NODE_SELF, XMESH_DEFAULT_PORT);
	/* ut0's MAC and addresses: the frames are addressed to this host. */
	err = err ?: xm_bpf_xdp_iface_learn(&m, (uint32_t)ifindex);
	inet_pton(AF_INET, PEER4, &v4);
	xm_addr_from_v4(&a, v4.s_addr, XMESH_DEFAULT_PORT);
	err = err ?: xm_bpf_peer_set(&m, &a, 1);
	inet_pton(AF_INET, NH_UT1, &v4);
	xm_addr_from_v4(&a, v4.s_addr, NH_PORT);
	err = err ?: xm_bpf_route_set(&m, NODE_VIA_UT1, &a);
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET6, PEER6, &a.ip);
	a.port = XMESH_DEFAULT_PORT;
	err = err ?: xm_bpf_peer_set(&m, &a, 1);
	inet_pton(AF_INET6, NH_UT1_V6, &a.ip);
	a.port = NH_PORT;
	err = err ?: xm_bpf_route_set(&m, NODE_VIA_UT1_V6, &a);
	if (err)
		die("maps", err);

	build(&p4, &s4);
	build(&p6, &s6);
	relay_fd = bpf_program__fd(xdp->progs.xmesh_xdp_relay);
	floor_fd = bpf_program__fd(bench->progs.xmesh_xdp_floor);
	/* Warm caches and the branch predictor, then alternate rounds. */
	time_runs(relay_fd, &p4, ifindex, n / ROUNDS);
	time_runs(relay_fd, &p6, ifindex, n / ROUNDS);
	time_runs(floor_fd, &p4, ifindex, n / ROUNDS);
	for (r = 0; r < ROUNDS; r++) {
		relay[r] = time_runs(relay_fd, &p4, ifindex, n / ROUNDS);
		floor_ns[r] = time_runs(floor_fd, &p4, ifindex, n / ROUNDS);
		relay6[r] = time_runs(relay_fd, &p6, ifindex, n / ROUNDS);
		ratio[r] = relay[r] / floor_ns[r];
	}
	printf("relay_ns %.1f\nrelay6_ns %.1f\nfloor_ns %.1f\nratio %.3f\n",
	       median(relay, ROUNDS), median(relay6, ROUNDS), median(floor_ns, ROUNDS),
	       median(ratio, ROUNDS));
	xmesh_xdp__destroy(xdp);
	xmesh_bench__destroy(bench);
	return 0;
}

static void enter_ns(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path, errno);
	if (setns(fd, CLONE_NEWNET))
		die("setns", errno);
	close(fd);
}

static int ifindex_of(const char *name)
{
	int i = (int)if_nametoindex(name);

	if (!i)
		die(name, ENODEV);
	return i;
}

static uint64_t sink_count(struct xmesh_bench *b)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t v[1024] = { 0 }, sum = 0;
	uint32_t zero = 0;

	if (ncpu <= 0 || ncpu > 1024)
		die("cpus", EINVAL);
	if (bpf_map_lookup_elem(bpf_map__fd(b->maps.xm_sink_packets), &zero, v))
		die("sink counter", errno);
	for (i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static void pin_to(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(pid, sizeof(set), &set))
		die("sched_setaffinity", errno);
}

/*
 * Pins the NAPI threads of ifname ("napi/<ifname>-<napi id>") to cpu; dies
 * if there are none (threaded NAPI off). Names are not per namespace: a
 * device of the same name elsewhere with threaded NAPI would be pinned too.
 */
static void pin_napi_threads(const char *ifname, int cpu)
{
	char prefix[32], path[300], comm[32];
	struct dirent *d;
	int found = 0;
	DIR *proc;
	FILE *f;

	snprintf(prefix, sizeof(prefix), "napi/%s-", ifname);
	proc = opendir("/proc");
	if (!proc)
		die("/proc", errno);
	while ((d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, prefix, strlen(prefix))) {
			struct sched_param sp = { .sched_priority = 50 };

			pin_to(atoi(d->d_name), cpu);
			if (sched_setscheduler(atoi(d->d_name), SCHED_FIFO, &sp))
				die("SCHED_FIFO", errno);
			found++;
		}
		fclose(f);
	}
	closedir(proc);
	if (!found)
		die("no NAPI thread (threaded NAPI off?)", ENOENT);
}

static int cmd_pps(char **argv)
{
	const char *mode = argv[0], *gen_ns = argv[1], *gen_if = argv[2];
	const char *mid_ns = argv[3], *mid_if = argv[4];
	const char *sink_ns = argv[5], *sink_if = argv[6];
	unsigned long count = strtoul(argv[11], NULL, 0);
	int gen_cpu = atoi(argv[12]), mid_cpu = atoi(argv[13]);
	bool relay = !strcmp(mode, "relay"), gen = !strcmp(mode, "gen");
	uint8_t dmac[6], smac[6] = { 0x02, 0, 0, 0, 0xaa, 0x01 };
	struct spec s = {
		.src = argv[8], .dst = argv[9], .sport = XMESH_DEFAULT_PORT,
		.dport = XMESH_DEFAULT_PORT, .hop = XM_HOP_LIMIT_MAX,
		.dst_node = strtoull(argv[10], NULL, 0), .payload = 64,
		.dmac = dmac, .smac = smac,
	};
	struct xmesh_bench *b;
	int mid_idx = 0, sink_idx, gen_idx, err;
	uint64_t before, after;
	double t0, t1;
	struct pkt p;

	if (sscanf(argv[7], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2],
		   &dmac[3], &dmac[4], &dmac[5]) != 6)
		die("DST_MAC", EINVAL);
	build(&p, &s);
	b = xmesh_bench__open_and_load();
	if (!b)
		die("load", errno);
	if (p.len < sizeof(b->bss->gen_head))
		die("frame shorter than the generator's head", EINVAL);
	memcpy(b->bss->gen_head, p.b, sizeof(b->bss->gen_head));

	/* The generator alone: the sink is the first hop. */
	if (gen) {
		sink_ns = mid_ns;
		sink_if = mid_if;
	} else if (!relay) {
		enter_ns(mid_ns);
		mid_idx = ifindex_of(mid_if);
		err = bpf_xdp_attach(mid_idx, bpf_program__fd(b->progs.xmesh_xdp_pass),
				     XDP_FLAGS_DRV_MODE, NULL);
		if (err)
			die("attach pass", err);
	}
	enter_ns(sink_ns);
	sink_idx = ifindex_of(sink_if);
	err = bpf_xdp_attach(sink_idx, bpf_program__fd(b->progs.xmesh_xdp_sink),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		die("attach sink", err);
	/* Attaching and detaching XDP on a veth recreates its NAPI threads. */
	if (mid_cpu >= 0)
		pin_napi_threads(mid_if, mid_cpu);
	if (gen_cpu >= 0)
		pin_to(0, gen_cpu);
	enter_ns(gen_ns);
	gen_idx = ifindex_of(gen_if);
	{
		struct xdp_md ctx = { .data_end = p.len, .ingress_ifindex = gen_idx };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p.b, .data_size_in = p.len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = count,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		before = sink_count(b);
		t0 = now_s();
		err = bpf_prog_test_run_opts(bpf_program__fd(b->progs.xmesh_xdp_gen), &opts);
		t1 = now_s();
		if (err)
			die("live frames", errno);
	}
	/* Let the last frames through the rings. */
	usleep(100000);
	after = sink_count(b);
	printf("pps %.0f\noffered %.0f\nsent %lu\nreceived %llu\n",
	       (after - before) / (t1 - t0), count / (t1 - t0), count,
	       (unsigned long long)(after - before));

	enter_ns(sink_ns);
	bpf_xdp_detach(sink_idx, XDP_FLAGS_DRV_MODE, NULL);
	if (mid_idx) {
		enter_ns(mid_ns);
		bpf_xdp_detach(mid_idx, XDP_FLAGS_DRV_MODE, NULL);
	}
	xmesh_bench__destroy(b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "time"))
		return cmd_time(strtoul(argv[2], NULL, 0));
	if (argc == 16 && !strcmp(argv[1], "pps"))
		return cmd_pps(argv + 2);
	fprintf(stderr, "usage: see the header of selftests/bpf/xdp_bench.c\n");
	return 2;
}
