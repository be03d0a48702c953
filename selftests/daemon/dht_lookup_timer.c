// SPDX-License-Identifier: GPL-2.0
/*
 * Times service lookups on running xmeshd processes, for `make bench`
 * (tools/bench/dht).
 *
 *	dht_lookup_timer KEY ROUNDS SOCKET...
 *
 * Asks each daemon in turn (over its control socket, as `xmeshctl lookup`
 * does) for KEY, ROUNDS times around the list after one untimed warm-up
 * round, and prints the round-trip latency of the lookups that found a
 * record:
 *
 *	dht_lookup_ms_p50: V ms
 *	dht_lookup_ms_p99: V ms
 *
 * The time is the client's, from sending the request to reading the answer,
 * so it includes the control socket on top of the DHT's iterative search.
 * Exits 1 when any lookup failed (their count goes to stderr).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_sock.h"

#define CALL_TIMEOUT_MS 10000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One lookup; its latency in ms, or a negative value when nothing was found. */
static double lookup_once(const char *sock, const char *key)
{
	Xmesh__CtlRequest req = XMESH__CTL_REQUEST__INIT;
	Xmesh__CtlResponse *resp = NULL;
	double t0 = now_ms(), t;
	bool found;
	int err;

	req.version = CTLSOCK_VERSION;
	req.command = XMESH__CTL_COMMAND__CTL_LOOKUP;
	req.key = (char *)key;
	err = ctlsock_call(sock, &req, CALL_TIMEOUT_MS, &resp);
	t = now_ms() - t0;
	if (err) {
		fprintf(stderr, "dht_lookup_timer: %s: %s\n", sock, strerror(-err));
		return -1;
	}
	found = !resp->error && resp->lookup && resp->lookup->found;
	xmesh__ctl_response__free_unpacked(resp, NULL);
	return found ? t : -1;
}

int main(int argc, char **argv)
{
	const char *key;
	int rounds, nsock, n = 0, failed = 0;
	double *ms;

	if (argc < 4 || (rounds = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: dht_lookup_timer KEY ROUNDS SOCKET...\n");
		return 2;
	}
	key = argv[1];
	nsock = argc - 3;
	ms = calloc((size_t)rounds * (size_t)nsock, sizeof(*ms));
	if (!ms)
		return 2;
	for (int s = 0; s < nsock; s++)
		lookup_once(argv[3 + s], key); /* warm-up, untimed */
	for (int r = 0; r < rounds; r++) {
		for (int s = 0; s < nsock; s++) {
			double t = lookup_once(argv[3 + s], key);

			if (t < 0)
				failed++;
			else
				ms[n++] = t;
		}
	}
	if (n) {
		qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
		printf("dht_lookup_ms_p50: %.2f ms\n", ms[n / 2]);
		printf("dht_lookup_ms_p99: %.2f ms\n", ms[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1]);
	}
	if (failed)
		fprintf(stderr, "dht_lookup_timer: %d of %d lookups found nothing\n", failed,
			failed + n);
	free(ms);
	return failed ? 1 : 0;
}
