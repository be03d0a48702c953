// SPDX-License-Identifier: GPL-2.0
/*
 * Commands answered by xmeshd over its local control socket
 * (lib/ctl_sock.h, proto/ctl.proto): node, peers, lookup, services, routes.
 * The socket is /run/xmesh/xmeshd.sock, or $XMESHD_SOCKET.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ctl_sock.h"
#include "xm_node.h"
#include "xmeshctl.h"

/* A lookup may wait for the DHT's whole iterative search. */
#define CALL_TIMEOUT_MS 15000

static int call(Xmesh__CtlCommand cmd, const char *key, Xmesh__CtlResponse **resp)
{
	Xmesh__CtlRequest req = XMESH__CTL_REQUEST__INIT;
	const char *path = ctlsock_path();
	int err;

	req.version = CTLSOCK_VERSION;
	req.command = cmd;
	req.key = (char *)(key ? key : "");
	err = ctlsock_call(path, &req, CALL_TIMEOUT_MS, resp);
	if (err == -ENOENT || err == -ECONNREFUSED) {
		ctl_err("xmeshd is not running (no control socket at %s)", path);
		return XMESHCTL_EXIT_NODAEMON;
	}
	if (err == -EACCES || err == -EPERM) {
		ctl_err("%s: permission denied (the control socket is root only)", path);
		return XMESHCTL_EXIT_PERM;
	}
	if (err) {
		ctl_err("%s: %s", path, strerror(-err));
		return XMESHCTL_EXIT_FAIL;
	}
	if ((*resp)->error) {
		ctl_err("xmeshd: %s", (*resp)->message && *(*resp)->message ? (*resp)->message
								    : strerror(-(*resp)->error));
		xmesh__ctl_response__free_unpacked(*resp, NULL);
		*resp = NULL;
		return XMESHCTL_EXIT_FAIL;
	}
	return XMESHCTL_EXIT_OK;
}

/* Hexadecimal of a byte field; "" when it is empty. */
static const char *hex(const ProtobufCBinaryData *b, char *buf, size_t len)
{
	if (!b->len || 2 * b->len + 1 > len)
		return "";
	return sodium_bin2hex(buf, len, b->data, b->len);
}

static void json_hex(struct json_writer *w, const char *key, const ProtobufCBinaryData *b)
{
	char buf[2 * 128 + 1];

	json_kv_str(w, key, hex(b, buf, sizeof(buf)));
}

static int json_done(struct json_writer *w)
{
	if (json_end(w)) {
		ctl_err("internal error writing JSON");
		return XMESHCTL_EXIT_FAIL;
	}
	return XMESHCTL_EXIT_OK;
}

static int no_args(int argc, const struct xmeshctl_opts *o)
{
	return argc > 1 ? ctl_usage_err(o, "too many arguments") : 0;
}

static void counters_json(struct json_writer *w, const char *key, Xmesh__CtlCounter **c,
			  size_t n)
{
	json_key(w, key);
	json_obj_start(w);
	for (size_t i = 0; i < n; i++)
		json_kv_u64(w, c[i]->name, c[i]->value);
	json_obj_end(w);
}

int cmd_node(int argc, char **argv, const struct xmeshctl_opts *o)
{
	Xmesh__CtlResponse *r;
	const Xmesh__CtlNode *nd;
	char id[2 * 128 + 1], pk[2 * 128 + 1];
	int ret;

	(void)argv;
	ret = no_args(argc, o);
	if (ret || (ret = call(XMESH__CTL_COMMAND__CTL_NODE, NULL, &r)))
		return ret;
	nd = r->node;
	if (!nd) {
		ctl_err("xmeshd sent no node information");
		xmesh__ctl_response__free_unpacked(r, NULL);
		return XMESHCTL_EXIT_FAIL;
	}
	if (o->json) {
		struct json_writer w;

		json_init(&w, stdout, o->pretty);
		json_obj_start(&w);
		json_hex(&w, "id", &nd->id);
		json_hex(&w, "public_key", &nd->public_key);
		json_kv_str(&w, "listen", nd->listen);
		json_kv_str(&w, "advertise", nd->advertise);
		json_kv_u64(&w, "uptime_ms", nd->uptime_ms);
		json_kv_u64(&w, "puzzle_bits", nd->puzzle_bits);
		json_kv_bool(&w, "kernel", nd->kernel);
		json_kv_str(&w, "kernel_status", nd->kernel_status);
		counters_json(&w, "drops", nd->drops, nd->n_drops);
		counters_json(&w, "stats", nd->stats, nd->n_stats);
		json_obj_end(&w);
		ret = json_done(&w);
	} else {
		printf("node %s\n", hex(&nd->id, id, sizeof(id)));
		printf("  public key   %s\n", hex(&nd->public_key, pk, sizeof(pk)));
		printf("  listen       %s (advertised %s)\n", nd->listen, nd->advertise);
		printf("  uptime       %llu s\n", (unsigned long long)nd->uptime_ms / 1000);
		printf("  id puzzle    %u bits\n", nd->puzzle_bits);
		printf("  kernel       %s\n", nd->kernel_status);
		printf("  dropped     ");
		for (size_t i = 0; i < nd->n_drops; i++)
			printf(" %s=%llu", nd->drops[i]->name,
			       (unsigned long long)nd->drops[i]->value);
		printf("\n  counters    ");
		for (size_t i = 0; i < nd->n_stats; i++)
			printf(" %s=%llu", nd->stats[i]->name,
			       (unsigned long long)nd->stats[i]->value);
		printf("\n");
	}
	xmesh__ctl_response__free_unpacked(r, NULL);
	return ret;
}

int cmd_peers(int argc, char **argv, const struct xmeshctl_opts *o)
{
	Xmesh__CtlResponse *r;
	char id[2 * 128 + 1];
	int ret;

	(void)argv;
	ret = no_args(argc, o);
	if (ret || (ret = call(XMESH__CTL_COMMAND__CTL_PEERS, NULL, &r)))
		return ret;
	if (o->json) {
		struct json_writer w;

		json_init(&w, stdout, o->pretty);
		json_arr_start(&w);
		for (size_t i = 0; i < r->n_peers; i++) {
			const Xmesh__CtlPeer *p = r->peers[i];

			json_obj_start(&w);
			json_hex(&w, "id", &p->id);
			json_kv_str(&w, "address", p->address);
			json_kv_str(&w, "session", p->session);
			json_kv_u64(&w, "handshakes", p->handshakes);
			json_kv_u64(&w, "session_age_ms", p->session_age_ms);
			json_kv_u64(&w, "last_seen_ms", p->last_seen_ms);
			json_kv_bool(&w, "in_dht", p->in_dht);
			json_kv_bool(&w, "neighbour", p->neighbour);
			json_kv_u64(&w, "rtt_ms", p->rtt_ms);
			json_kv_u64(&w, "data_port", p->data_port);
			json_obj_end(&w);
		}
		json_arr_end(&w);
		ret = json_done(&w);
	} else {
		printf("%-16s %-22s %-12s %4s %3s %5s\n", "ID", "ADDRESS", "SESSION", "HS", "DHT",
		       "NEIGH");
		for (size_t i = 0; i < r->n_peers; i++) {
			const Xmesh__CtlPeer *p = r->peers[i];

			printf("%-16.16s %-22s %-12s %4u %3s %5s\n", hex(&p->id, id, sizeof(id)),
			       p->address, p->session, p->handshakes, p->in_dht ? "yes" : "no",
			       p->neighbour ? "yes" : "no");
		}
	}
	xmesh__ctl_response__free_unpacked(r, NULL);
	return ret;
}

static void service_json(struct json_writer *w, const Xmesh__CtlService *s)
{
	json_obj_start(w);
	json_kv_str(w, "name", s->name);
	json_hex(w, "owner", &s->owner);
	json_key(w, "endpoints");
	json_arr_start(w);
	for (size_t k = 0; k < s->n_endpoints; k++)
		json_str(w, s->endpoints[k]);
	json_arr_end(w);
	json_kv_bool(w, "private", s->is_private);
	json_key(w, "metadata");
	json_strn(w, (const char *)s->metadata.data, s->metadata.len);
	json_kv_u64(w, "expires_ms", s->expires_ms);
	json_obj_end(w);
}

static void service_text(const Xmesh__CtlService *s)
{
	char owner[2 * 128 + 1];

	printf("%-24s owner %.16s %s", s->name, hex(&s->owner, owner, sizeof(owner)),
	       s->is_private ? "private" : "public");
	for (size_t k = 0; k < s->n_endpoints; k++)
		printf(" %s", s->endpoints[k]);
	printf("\n");
}

int cmd_lookup(int argc, char **argv, const struct xmeshctl_opts *o)
{
	Xmesh__CtlResponse *r;
	const Xmesh__CtlLookup *lk;
	char id[2 * 128 + 1];
	int ret;

	if (argc != 2)
		return ctl_usage_err(o, argc < 2 ? "lookup needs a KEY" : "too many arguments");
	if (!*argv[1] || strlen(argv[1]) > 64)
		return ctl_usage_err(o, "KEY must be 1..64 bytes");
	ret = call(XMESH__CTL_COMMAND__CTL_LOOKUP, argv[1], &r);
	if (ret)
		return ret;
	lk = r->lookup;
	if (!lk) {
		xmesh__ctl_response__free_unpacked(r, NULL);
		ctl_err("xmeshd sent no lookup result");
		return XMESHCTL_EXIT_FAIL;
	}
	if (o->json) {
		struct json_writer w;

		json_init(&w, stdout, o->pretty);
		json_obj_start(&w);
		json_kv_str(&w, "key", lk->key);
		json_kv_bool(&w, "found", lk->found);
		json_kv_s64(&w, "error", lk->error);
		json_kv_u64(&w, "hops", lk->hops);
		json_kv_u64(&w, "queried", lk->queried);
		json_kv_u64(&w, "elapsed_ms", lk->elapsed_ms);
		json_key(&w, "records");
		json_arr_start(&w);
		for (size_t i = 0; i < lk->n_records; i++)
			service_json(&w, lk->records[i]);
		json_arr_end(&w);
		json_key(&w, "nodes");
		json_arr_start(&w);
		for (size_t i = 0; i < lk->n_nodes; i++) {
			json_obj_start(&w);
			json_hex(&w, "id", &lk->nodes[i]->id);
			json_kv_str(&w, "address", lk->nodes[i]->address);
			json_obj_end(&w);
		}
		json_arr_end(&w);
		json_obj_end(&w);
		ret = json_done(&w);
	} else {
		printf("%s: %s after %u hops, %u queries, %llu ms\n", lk->key,
		       lk->found ? "found" : "not found", lk->hops, lk->queried,
		       (unsigned long long)lk->elapsed_ms);
		for (size_t i = 0; i < lk->n_records; i++)
			service_text(lk->records[i]);
		for (size_t i = 0; i < lk->n_nodes && !lk->n_records; i++)
			printf("  %s %s\n", hex(&lk->nodes[i]->id, id, sizeof(id)),
			       lk->nodes[i]->address);
	}
	if (!ret && !lk->found)
		ret = XMESHCTL_EXIT_NOTFOUND;
	xmesh__ctl_response__free_unpacked(r, NULL);
	return ret;
}

int cmd_services(int argc, char **argv, const struct xmeshctl_opts *o)
{
	Xmesh__CtlResponse *r;
	int ret;

	(void)argv;
	ret = no_args(argc, o);
	if (ret || (ret = call(XMESH__CTL_COMMAND__CTL_SERVICES, NULL, &r)))
		return ret;
	if (o->json) {
		struct json_writer w;

		json_init(&w, stdout, o->pretty);
		json_arr_start(&w);
		for (size_t i = 0; i < r->n_services; i++)
			service_json(&w, r->services[i]);
		json_arr_end(&w);
		ret = json_done(&w);
	} else {
		for (size_t i = 0; i < r->n_services; i++)
			service_text(r->services[i]);
	}
	xmesh__ctl_response__free_unpacked(r, NULL);
	return ret;
}

int cmd_routes(int argc, char **argv, const struct xmeshctl_opts *o)
{
	Xmesh__CtlResponse *r;
	char dst[2 * 128 + 1], nh[2 * 128 + 1], alt[2 * 128 + 1];
	int ret;

	(void)argv;
	ret = no_args(argc, o);
	if (ret || (ret = call(XMESH__CTL_COMMAND__CTL_ROUTES, NULL, &r)))
		return ret;
	if (o->json) {
		struct json_writer w;

		json_init(&w, stdout, o->pretty);
		json_arr_start(&w);
		for (size_t i = 0; i < r->n_routes; i++) {
			const Xmesh__CtlRoute *rt = r->routes[i];

			json_obj_start(&w);
			json_hex(&w, "dst", &rt->dst);
			json_kv_bool(&w, "reachable", rt->reachable);
			json_kv_u64(&w, "metric", rt->metric);
			json_kv_u64(&w, "seqno", rt->seqno);
			json_hex(&w, "next_hop", &rt->next_hop);
			json_kv_str(&w, "next_hop_address", rt->next_hop_address);
			json_hex(&w, "alternate", &rt->alternate);
			json_obj_end(&w);
		}
		json_arr_end(&w);
		ret = json_done(&w);
	} else {
		printf("%-16s %-16s %6s %-16s\n", "DESTINATION", "NEXT HOP", "METRIC", "ALTERNATE");
		for (size_t i = 0; i < r->n_routes; i++) {
			const Xmesh__CtlRoute *rt = r->routes[i];

			if (!rt->reachable) {
				printf("%-16.16s unreachable\n", hex(&rt->dst, dst, sizeof(dst)));
				continue;
			}
			printf("%-16.16s %-16.16s %6u %-16.16s\n", hex(&rt->dst, dst, sizeof(dst)),
			       hex(&rt->next_hop, nh, sizeof(nh)), rt->metric,
			       hex(&rt->alternate, alt, sizeof(alt)));
		}
	}
	xmesh__ctl_response__free_unpacked(r, NULL);
	return ret;
}
