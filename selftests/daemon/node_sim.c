// SPDX-License-Identifier: GPL-2.0
/*
 * Whole xmeshd nodes - envelope, handshake, Kademlia DHT and mesh routing,
 * exactly the code the daemon runs - in the deterministic network and clock
 * simulator behind struct xm_io (userspace/xmeshd/io_sim.h), many in one
 * process. Prints TAP.
 *
 *	node_sim [SEED]
 *	node_sim sweep FIRST COUNT [crash|partition [LOSS_PERMILLE]]
 *
 * Checks: bootstrap from one seed and every node found by a lookup from
 * every other; a published service found everywhere; authenticated
 * sessions between the nodes that talked; lookups with 30% of the nodes
 * down and across lossy links; a restarted node with the same id; routes
 * over a line of nodes on links; and that one seed replays one run exactly
 * while another seed gives another schedule. The sweep form runs COUNT
 * short schedules (loss, and crashes or a partition) from seed FIRST on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "io_sim.h"
#include "log.h"
#include "node.h"
#include "node_world.h"
#include "tap.h"

#define N_NODES WORLD_MAX_NODES

/* --- lookups, run to completion inside the simulation ---------------------- */

struct lookup {
	bool done;
	int error;
	bool found;
	unsigned int hops;
	unsigned int n;
	struct xm_node_id want; /* node lookups: the id expected first */
	struct xm_node_id owner; /* value lookups: the owner expected */
};

static void node_cb(void *arg, const struct dht_result *res)
{
	struct lookup *l = arg;

	l->done = true;
	l->error = res->error;
	l->hops = res->hops;
	l->n = res->n_closest;
	for (unsigned int i = 0; i < res->n_closest; i++)
		if (!xm_node_id_cmp(&res->closest[i].id, &l->want))
			l->found = true;
}

static void value_cb(void *arg, const struct dht_result *res)
{
	struct lookup *l = arg;

	l->done = true;
	l->error = res->error;
	l->hops = res->hops;
	for (unsigned int i = 0; i < res->n_records; i++)
		if (!xm_node_id_cmp(&res->records[i].owner, &l->owner))
			l->found = true;
}

static bool lookup_done(void *arg)
{
	return ((struct lookup *)arg)->done;
}

static unsigned int lookup_retries;

static bool find_node_once(struct world *w, int from, int target)
{
	struct lookup l = { .want = w->id[target].id };

	if (dht_lookup_node(node_dht(w->node[from]), &l.want, node_cb, &l) < 0)
		return false;
	node_kick(w->node[from]);
	xm_sim_run_until(w->sim, lookup_done, &l, 20000);
	return l.done && l.found;
}

/*
 * The DHT reports only nodes that answered this lookup: a lost datagram
 * can leave the target out, so a user (and this test) asks once more.
 */
static bool find_node(struct world *w, int from, int target)
{
	for (int i = 0; i < 3; i++) {
		if (find_node_once(w, from, target))
			return true;
		lookup_retries++;
	}
	return false;
}

static bool find_value_once(struct world *w, int from, const char *name, int owner)
{
	struct lookup l = { .owner = w->id[owner].id };

	if (dht_find_value(node_dht(w->node[from]), name, value_cb, &l) < 0)
		return false;
	node_kick(w->node[from]);
	xm_sim_run_until(w->sim, lookup_done, &l, 20000);
	return l.done && l.found;
}

/* The same for a value: a lookup that missed is asked again, and counted. */
static bool find_value(struct world *w, int from, const char *name, int owner)
{
	for (int i = 0; i < 3; i++) {
		if (find_value_once(w, from, name, owner))
			return true;
		lookup_retries++;
	}
	return false;
}

/* --- the scenarios ------------------------------------------------------- */

static bool everyone_finds_everyone(struct world *w, const bool *down)
{
	for (int i = 0; i < w->n; i++) {
		for (int k = 1; k <= 3; k++) {
			int t = (i + k * 7) % w->n;

			if (t == i || (down && (down[i] || down[t])))
				continue;
			if (!find_node(w, i, t)) {
				printf("# node %d did not find node %d\n", i, t);
				return false;
			}
		}
	}
	return true;
}

static int found_everywhere(struct world *w, const char *name, int owner, const bool *down)
{
	int missing = 0;

	for (int i = 0; i < w->n; i++)
		if (!(down && down[i]) && !find_value(w, i, name, owner))
			missing++;
	return missing;
}

/* One full scenario; returns the simulator's digest of everything delivered. */
static uint64_t scenario(uint64_t seed, bool report)
{
	struct world w;
	bool down[N_NODES] = { 0 };
	int publisher = 5, restarted = 9, sessions_min = N_NODES, ndown = 0, missing;
	struct xm_node_id old_id;
	struct node_stats st;
	uint64_t digest;
	bool ok;

	world_init(&w, seed, N_NODES, 10);
	snprintf(w.cfg[publisher].services[0].name, XMD_NAME_MAX, "db");
	xm_sim_host_addr(w.io[publisher], &w.cfg[publisher].services[0].endpoint, 5432);
	w.cfg[publisher].n_services = 1;
	for (int i = 0; i < N_NODES; i++)
		if (node_up(&w, i))
			tap(false, "node %d starts", i);
	xm_sim_run_for(w.sim, 20000);

	ok = everyone_finds_everyone(&w, NULL);
	if (report)
		tap(ok, "%d nodes bootstrap from one seed and find each other (1%% loss, %u lookups "
			"repeated)", N_NODES, lookup_retries);
	missing = found_everywhere(&w, "db", publisher, NULL);
	if (report)
		tap(!missing, "a service published on one node is found from every node (%d missing)",
		    missing);

	for (int i = 0; i < N_NODES; i++) {
		int s = (int)hs_established_count(node_handshake(w.node[i]));

		sessions_min = s < sessions_min ? s : sessions_min;
	}
	/* Every node talked to the seed, so the seed has a session with all. */
	if (report) {
		tap(hs_established_count(node_handshake(w.node[0])) == N_NODES - 1 &&
			    sessions_min >= 1,
		    "handshakes: the seed has %u sessions, every node at least %d",
		    hs_established_count(node_handshake(w.node[0])), sessions_min);
		node_get_stats(w.node[0], &st);
		tap(st.drops[ENV_DROP_BAD_SIGNATURE] == 0 && st.drops[ENV_DROP_REPLAY] == 0 &&
			    st.drops[ENV_DROP_MALFORMED] == 0,
		    "no honest envelope dropped (bad signature %llu, replay %llu)",
		    (unsigned long long)st.drops[ENV_DROP_BAD_SIGNATURE],
		    (unsigned long long)st.drops[ENV_DROP_REPLAY]);
	}

	/* 30% of the nodes go down (never the publisher). */
	for (int i = 1; i < N_NODES && ndown < N_NODES * 3 / 10; i += 3) {
		if (i == publisher)
			continue;
		down[i] = true;
		xm_sim_host_set_up(w.io[i], false);
		ndown++;
	}
	xm_sim_run_for(w.sim, 5000);
	missing = found_everywhere(&w, "db", publisher, down);
	if (report)
		tap(!missing && everyone_finds_everyone(&w, down),
		    "with %d of %d nodes down, lookups still succeed (%d missing)", ndown, N_NODES,
		    missing);
	for (int i = 0; i < N_NODES; i++) {
		if (down[i]) {
			xm_sim_host_set_up(w.io[i], true);
			down[i] = false;
		}
	}

	/* A restart: the node's state is gone, its identity (key file) is not. */
	old_id = node_identity(w.node[restarted])->id;
	node_free(w.node[restarted]);
	w.node[restarted] = NULL;
	xm_sim_run_for(w.sim, 2000);
	node_up(&w, restarted);
	xm_sim_run_for(w.sim, 10000);
	if (report)
		tap(!xm_node_id_cmp(&node_identity(w.node[restarted])->id, &old_id) &&
			    find_node(&w, 3, restarted) &&
			    find_value(&w, restarted, "db", publisher) &&
			    hs_established_count(node_handshake(w.node[restarted])) >= 1,
		    "a restarted node comes back with the same id, is found, finds, and "
		    "handshakes again");

	digest = xm_sim_digest(w.sim);
	world_free(&w);
	return digest;
}

/*
 * A short schedule for seed sweeps: 8 nodes with some loss; two of them
 * crash and come back 20 s later with their state lost (same identity),
 * or, with partition set, the network is cut in two for 20 s and heals.
 * Afterwards every node must find the service and another node. Returns
 * whether that held.
 */
static int print_contact(void *arg, const struct dht_contact_info *c)
{
	struct world *w = arg;
	int who = -1;

	for (int i = 0; i < w->n; i++)
		if (!xm_node_id_cmp(&w->id[i].id, &c->id))
			who = i;
	printf("#   contact node %d fails %u last seen %llu ms ago\n", who, c->fails,
	       (unsigned long long)(xm_sim_now(w->sim) - c->last_seen_ms));
	return 0;
}

static bool short_schedule(uint64_t seed, bool partition, uint32_t loss)
{
	struct world w;
	bool ok = true;
	int n = 8;

	world_init(&w, seed, n, loss);
	snprintf(w.cfg[2].services[0].name, XMD_NAME_MAX, "db");
	xm_sim_host_addr(w.io[2], &w.cfg[2].services[0].endpoint, 5432);
	w.cfg[2].n_services = 1;
	for (int i = 0; i < n; i++)
		ok &= !node_up(&w, i);
	xm_sim_run_for(w.sim, 5000);
	if (partition) {
		for (int i = 0; i < n; i++)
			xm_sim_host_set_group(w.io[i], i % 2);
		xm_sim_run_for(w.sim, 20000);
		for (int i = 0; i < n; i++)
			xm_sim_host_set_group(w.io[i], 0);
	} else {
		/* A crash: nothing of the node runs or arrives from then on. */
		for (int i = 3; i < n; i += 3) {
			xm_sim_host_crash(w.io[i]);
			node_free(w.node[i]);
			w.node[i] = NULL;
		}
		xm_sim_run_for(w.sim, 20000);
		for (int i = 3; i < n; i += 3) {
			xm_sim_host_restart(w.io[i]);
			ok &= !node_up(&w, i);
		}
	}
	xm_sim_run_for(w.sim, 10000);
	for (int i = 0; i < n && ok; i++) {
		if (i != 2 && !find_value(&w, i, "db", 2)) {
			printf("# seed %llu: node %d did not find the service\n",
			       (unsigned long long)seed, i);
			if (getenv("NODE_SIM_DEBUG"))
				dht_foreach_contact(node_dht(w.node[i]), print_contact, &w);
			ok = false;
		}
		if (!find_node(&w, i, (i + 3) % n)) {
			printf("# seed %llu: node %d did not find node %d\n",
			       (unsigned long long)seed, i, (i + 3) % n);
			if (getenv("NODE_SIM_DEBUG")) {
				dht_foreach_contact(node_dht(w.node[i]), print_contact, &w);
				for (int k = 0; k < n; k++) {
					struct node_stats st;
					struct dht_stats ds;

					node_get_stats(w.node[k], &st);
					dht_get_stats(node_dht(w.node[k]), &ds);
					printf("#   node %d drops:", k);
					for (int d = 0; d < ENV_DROP_MAX; d++)
						printf(" %llu", (unsigned long long)st.drops[d]);
					printf(" dht malformed %llu puzzle %llu unsolicited %llu timeouts %llu\n",
					       (unsigned long long)ds.drop_malformed,
					       (unsigned long long)ds.drop_puzzle,
					       (unsigned long long)ds.drop_unsolicited,
					       (unsigned long long)ds.timeouts);
				}
			}
			ok = false;
		}
	}
	world_free(&w);
	return ok;
}

static int sweep(uint64_t first, unsigned int count, bool partition, uint32_t loss)
{
	unsigned int failed = 0;

	for (uint64_t s = first; s < first + count; s++) {
		if (!short_schedule(s, partition, loss)) {
			printf("# seed %llu failed\n", (unsigned long long)s);
			failed++;
		}
	}
	tap(!failed, "%u seeded schedules (8 nodes, %u.%u%% loss, %s): %u failed, %u lookups "
		     "repeated", count, loss / 10, loss % 10,
	    partition ? "a partition that heals" : "two crash and restart", failed, lookup_retries);
	return failed;
}

/* Sessions are rekeyed on time, the same pair keeping one session. */
static void rekey(uint64_t seed)
{
	struct world w;
	const struct hs_peer *p;
	unsigned int hs01 = 0, hs10 = 0;

	world_init(&w, seed, 2, 0);
	for (int i = 0; i < 2; i++) {
		w.cfg[i].rekey_seconds = 60;
		node_up(&w, i);
	}
	xm_sim_run_for(w.sim, 5000);
	p = hs_peer_at(node_handshake(w.node[1]), 0);
	tap(p && p->state == HS_ESTABLISHED && p->handshakes == 1,
	    "two nodes establish one session (%u handshakes)", p ? p->handshakes : 0);
	/* 10 simulated minutes: about one rekey a minute. */
	xm_sim_run_for(w.sim, 600000);
	p = hs_peer_at(node_handshake(w.node[0]), 0);
	hs01 = p ? p->handshakes : 0;
	p = hs_peer_at(node_handshake(w.node[1]), 0);
	hs10 = p ? p->handshakes : 0;
	tap(hs01 == hs10 && hs01 >= 9 && hs01 <= 12 && p->state == HS_ESTABLISHED,
	    "rekey on time: %u and %u handshakes in 10 minutes at 60 s (9..12 expected)", hs01,
	    hs10);
	world_free(&w);
}

static void determinism(uint64_t seed)
{
	uint64_t a = scenario(seed, false), b = scenario(seed, false), c = scenario(seed + 1, false);

	tap(a == b, "the same seed replays the same run (digest %016llx)", (unsigned long long)a);
	tap(a != c, "another seed gives another schedule (%016llx)", (unsigned long long)c);
}

/* Routing: nodes 0-1-2-3 in a line of links; 0 reaches 3 through 1 and 2. */
static void line_routes(uint64_t seed)
{
	struct world w;
	struct route_change rc;
	bool ok;

	world_init(&w, seed, 4, 0);
	for (int i = 0; i < 4; i++) {
		struct xmd_config *c = &w.cfg[i];

		/* Link k joins node k and k+1; each node's ifindex 1 looks left, 2 right. */
		if (i > 0) {
			xm_sim_link_attach(w.io[i], i - 1, 1);
			c->link_ifindex[c->n_links] = 1;
			snprintf(c->links[c->n_links++], sizeof(c->links[0]), "left");
		}
		if (i < 3) {
			xm_sim_link_attach(w.io[i], i, 2);
			c->link_ifindex[c->n_links] = 2;
			snprintf(c->links[c->n_links++], sizeof(c->links[0]), "right");
		}
		c->n_seeds = 0;
		node_up(&w, i);
	}
	xm_sim_run_for(w.sim, 30000);
	ok = route_lookup(node_route(w.node[0]), &w.id[3].id, &rc) &&
	     !xm_node_id_cmp(&rc.nh, &w.id[1].id);
	tap(ok, "routing on a line of 4 nodes: node 0 reaches node 3 via node 1 (metric %u)",
	    ok ? rc.metric : 0);
	ok = route_lookup(node_route(w.node[3]), &w.id[0].id, &rc) &&
	     !xm_node_id_cmp(&rc.nh, &w.id[2].id);
	tap(ok, "and node 3 reaches node 0 via node 2");
	/* Cut the middle link: the far ends become unreachable. */
	xm_sim_link_set_up(w.io[1], 2, false);
	xm_sim_link_set_up(w.io[2], 1, false);
	xm_sim_run_for(w.sim, 60000);
	tap(!route_lookup(node_route(w.node[0]), &w.id[3].id, &rc),
	    "a cut link retracts the route across it");
	world_free(&w);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;

	if (sodium_init() < 0)
		return 1;
	log_init(LOG_LVL_ERR, NULL);
	/* node_sim sweep FIRST COUNT [crash|partition [LOSS_PERMILLE]]: one verdict. */
	if (argc >= 4 && argc <= 6 && !strcmp(argv[1], "sweep")) {
		sweep(strtoull(argv[2], NULL, 0), (unsigned int)strtoul(argv[3], NULL, 0),
		      argc >= 5 && !strcmp(argv[4], "partition"),
		      argc == 6 ? (uint32_t)strtoul(argv[5], NULL, 0) : 10);
		return tap_done();
	}
	printf("# node_sim seed %llu\n", (unsigned long long)seed);
	scenario(seed, true);
	determinism(seed);
	rekey(seed);
	line_routes(seed);
	return tap_done();
}
