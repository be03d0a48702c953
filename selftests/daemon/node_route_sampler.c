// SPDX-License-Identifier: GPL-2.0
/*
 * Samples the route tables of several running xmeshd daemons (over their
 * control sockets) as fast as they answer, and checks each snapshot:
 * following next hops from any node toward any destination must never
 * revisit a node (a forwarding loop). Exits when the tables match the
 * expected topology, or after a timeout. Prints one line:
 *
 *	samples=N loops=L converged_ms=T
 *
 *	node_route_sampler TIMEOUT_MS EDGES SOCK1 SOCK2 ... SOCKn
 *
 * EDGES lists the links still up, as "1-2,2-3,..." (1-based, in SOCK
 * order). Converged means: every node routes to every node connected to it
 * in EDGES along a path of EDGES links, and has no route to the others.
 * Exit status: 0 converged with no loop seen, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_sock.h"
#include "xm_node.h"

#define MAX_NODES 16

static int n;
static const char *socks[MAX_NODES];
static uint8_t ids[MAX_NODES][XM_ID_LEN];
static bool edge[MAX_NODES][MAX_NODES];
/* nh[s][d]: index of the next hop of node s toward node d; -1 none, -2 unknown node. */
static int nh[MAX_NODES][MAX_NODES];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int request(int i, Xmesh__CtlCommand cmd, Xmesh__CtlResponse **r)
{
	Xmesh__CtlRequest req = XMESH__CTL_REQUEST__INIT;

	req.version = CTLSOCK_VERSION;
	req.command = cmd;
	req.key = "";
	return ctlsock_call(socks[i], &req, 2000, r);
}

static int index_of(const ProtobufCBinaryData *id)
{
	if (id->len != XM_ID_LEN)
		return -2;
	for (int i = 0; i < n; i++)
		if (!memcmp(ids[i], id->data, XM_ID_LEN))
			return i;
	return -2;
}

static int snapshot(void)
{
	for (int s = 0; s < n; s++) {
		Xmesh__CtlResponse *r;

		for (int d = 0; d < n; d++)
			nh[s][d] = -1;
		if (request(s, XMESH__CTL_COMMAND__CTL_ROUTES, &r))
			return -1;
		for (size_t k = 0; k < r->n_routes; k++) {
			int d = index_of(&r->routes[k]->dst);

			if (d >= 0 && r->routes[k]->reachable)
				nh[s][d] = index_of(&r->routes[k]->next_hop);
		}
		xmesh__ctl_response__free_unpacked(r, NULL);
	}
	return 0;
}

static bool connected(int a, int b)
{
	bool seen[MAX_NODES] = { 0 };
	int queue[MAX_NODES], head = 0, tail = 0;

	seen[a] = true;
	queue[tail++] = a;
	while (head < tail) {
		int x = queue[head++];

		if (x == b)
			return true;
		for (int y = 0; y < n; y++) {
			if (edge[x][y] && !seen[y]) {
				seen[y] = true;
				queue[tail++] = y;
			}
		}
	}
	return false;
}

/* Returns true when the snapshot has a loop; *good when it matches EDGES. */
static bool examine(bool *good)
{
	bool loop = false;

	*good = true;
	for (int d = 0; d < n; d++) {
		for (int s = 0; s < n; s++) {
			bool seen[MAX_NODES] = { 0 };
			bool want = connected(s, d);
			int x = s;

			if (s == d)
				continue;
			if (!want) {
				if (nh[s][d] != -1)
					*good = false;
				continue;
			}
			while (x != d) {
				int y = nh[x][d];

				if (seen[x]) {
					fprintf(stderr, "loop toward node %d through node %d\n", d + 1,
						x + 1);
					loop = true;
					*good = false;
					break;
				}
				seen[x] = true;
				if (y < 0 || !edge[x][y]) {
					*good = false;
					break;
				}
				x = y;
			}
		}
	}
	return loop;
}

int main(int argc, char **argv)
{
	unsigned long samples = 0, loops = 0;
	uint64_t t0, timeout;
	long converged = -1;
	char *e, *save = NULL;

	if (argc < 4 || argc - 3 > MAX_NODES) {
		fprintf(stderr, "usage: node_route_sampler TIMEOUT_MS EDGES SOCK...\n");
		return 2;
	}
	timeout = strtoull(argv[1], NULL, 10);
	n = argc - 3;
	for (int i = 0; i < n; i++) {
		Xmesh__CtlResponse *r;

		socks[i] = argv[3 + i];
		if (request(i, XMESH__CTL_COMMAND__CTL_NODE, &r) || !r->node ||
		    r->node->id.len != XM_ID_LEN) {
			fprintf(stderr, "node_route_sampler: %s does not answer\n", socks[i]);
			return 1;
		}
		memcpy(ids[i], r->node->id.data, XM_ID_LEN);
		xmesh__ctl_response__free_unpacked(r, NULL);
	}
	for (e = strtok_r(argv[2], ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		int a, b;

		if (sscanf(e, "%d-%d", &a, &b) != 2 || a < 1 || b < 1 || a > n || b > n) {
			fprintf(stderr, "node_route_sampler: bad edge '%s'\n", e);
			return 2;
		}
		edge[a - 1][b - 1] = edge[b - 1][a - 1] = true;
	}

	t0 = now_ms();
	while (now_ms() - t0 < timeout) {
		bool good;

		if (snapshot())
			continue;
		samples++;
		if (examine(&good))
			loops++;
		if (good) {
			converged = (long)(now_ms() - t0);
			break;
		}
		usleep(2000); /* leave the daemons some of the two cores */
	}
	printf("samples=%lu loops=%lu converged_ms=%ld\n", samples, loops, converged);
	return converged >= 0 && !loops ? 0 : 1;
}
