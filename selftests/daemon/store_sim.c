// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's disk, clocks and crashes (userspace/xmeshd/sim/disk.h,
 * io_sim.h) and the log store on them (userspace/xmeshd/store/store.h).
 * Prints TAP.
 *
 *	store_sim [FIRST_SEED [SEEDS]]
 *
 * Checks: the disk model's faults one by one (an unsynced write lost or
 * torn at a sector boundary by a crash, a synced one kept, a corrupted
 * read, ENOSPC writing nothing); then, per seed, a writer that commits
 * batches on its timers while its host crashes and restarts on a seeded
 * schedule under every fault at once: after each restart the store,
 * rebuilt from the disk, must hold exactly the batches up to some point at
 * or after the last one acknowledged (no committed batch lost, no batch in
 * part, no value that was never written, none that failed), and a seed must
 * replay the same run while different seeds hit different faults. Then
 * clocks: drift and offset seen by timers and wall clocks, a step, a
 * crashed host whose timers stay silent, and a whole node whose wall clock
 * steps out of its peers' freshness window and back.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "identity.h"
#include "io_sim.h"
#include "log.h"
#include "node.h"
#include "sim/disk.h"
#include "store/store.h"
#include "tap.h"

/* --- the disk model on its own ---------------------------------------------------- */

static int last_res;
static unsigned int n_done;

static void on_io(void *arg, int res)
{
	(void)arg;
	last_res = res;
	n_done++;
}

/* Run until n more completions (or 1 s). */
static int io_wait(struct xm_sim *sim)
{
	unsigned int want = n_done + 1;

	for (int i = 0; i < 1000 && n_done < want; i++)
		xm_sim_run_for(sim, 1);
	return n_done == want ? last_res : -ETIMEDOUT;
}

static int rd(struct xm_sim *sim, struct xm_io *io, int f, uint64_t off, void *buf, size_t len)
{
	int err = io->ops->file_read(io, f, off, buf, len, on_io, NULL);

	return err ? err : io_wait(sim);
}

static int wr(struct xm_sim *sim, struct xm_io *io, int f, uint64_t off, const void *buf,
	      size_t len)
{
	int err = io->ops->file_write(io, f, off, buf, len, on_io, NULL);

	return err ? err : io_wait(sim);
}

static int sync_file(struct xm_sim *sim, struct xm_io *io, int f)
{
	int err = io->ops->file_sync(io, f, on_io, NULL);

	return err ? err : io_wait(sim);
}

static void disk_faults(void)
{
	struct xm_sim_config sc = { .seed = 7 };
	struct xm_sim *sim = xm_sim_new(&sc);
	struct xm_io *io = xm_sim_host_new(sim);
	struct xm_sim_disk_config dc = { .sector = 512, .latency_max_ms = 1, .sync_min_ms = 1,
					 .sync_max_ms = 2 };
	struct xm_sim_disk_stats ds;
	uint8_t a[4096], b[4096], c[4096];
	int f, n, diff, kept_sectors = 0, old_sectors = 0;

	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	f = io->ops->file_open(io, "f", true);
	tap(f >= 0 && wr(sim, io, f, 0, a, sizeof(a)) == (int)sizeof(a) && !sync_file(sim, io, f),
	    "disk: a write and a sync complete");

	/* Unsynced, then a crash that loses every unsynced write. */
	dc.lost_permille = 1000;
	xm_sim_disk_configure(io, &dc);
	wr(sim, io, f, 0, b, sizeof(b));
	n = rd(sim, io, f, 0, c, sizeof(c));
	tap(n == (int)sizeof(c) && !memcmp(c, b, sizeof(c)), "disk: reads see an unsynced write");
	xm_sim_host_crash(io);
	tap(io->ops->file_open(io, "f", false) == -EIO, "disk: a crashed host cannot open files");
	xm_sim_host_restart(io);
	f = io->ops->file_open(io, "f", false);
	n = rd(sim, io, f, 0, c, sizeof(c));
	tap(n == (int)sizeof(c) && !memcmp(c, a, sizeof(c)),
	    "disk: a crash loses the unsynced write; the synced bytes stay");

	/* Synced, then a crash: kept. */
	wr(sim, io, f, 0, b, sizeof(b));
	sync_file(sim, io, f);
	xm_sim_host_crash(io);
	xm_sim_host_restart(io);
	f = io->ops->file_open(io, "f", false);
	n = rd(sim, io, f, 0, c, sizeof(c));
	tap(n == (int)sizeof(c) && !memcmp(c, b, sizeof(c)), "disk: a synced write survives a crash");

	/* Torn: some sectors new, the rest old, never a sector in part. */
	dc.lost_permille = 0;
	dc.torn_permille = 1000;
	xm_sim_disk_configure(io, &dc);
	wr(sim, io, f, 0, a, sizeof(a));
	xm_sim_host_crash(io);
	xm_sim_host_restart(io);
	f = io->ops->file_open(io, "f", false);
	rd(sim, io, f, 0, c, sizeof(c));
	diff = 0;
	for (int s = 0; s < 8; s++) {
		if (!memcmp(c + s * 512, a, 512))
			kept_sectors++;
		else if (!memcmp(c + s * 512, b, 512))
			old_sectors++;
		else
			diff++;
	}
	xm_sim_disk_get_stats(io, &ds);
	tap(!diff && old_sectors >= 1 && kept_sectors + old_sectors == 8 && ds.torn == 1,
	    "disk: a torn write: %d of 8 sectors reached the disk, %d kept the old bytes, none "
	    "in part", kept_sectors, old_sectors);

	/* A corrupted read: one byte off; the medium is intact. */
	dc.torn_permille = 0;
	dc.corrupt_read_permille = 1000;
	xm_sim_disk_configure(io, &dc);
	rd(sim, io, f, 0, b, sizeof(b));
	diff = 0;
	for (size_t i = 0; i < sizeof(b); i++)
		diff += b[i] != c[i];
	dc.corrupt_read_permille = 0;
	xm_sim_disk_configure(io, &dc);
	rd(sim, io, f, 0, a, sizeof(a));
	tap(diff == 1 && !memcmp(a, c, sizeof(a)),
	    "disk: a corrupted read differs in %d byte; the next read is right", diff);

	/* ENOSPC: at random, and at the capacity; nothing written. */
	dc.enospc_permille = 1000;
	xm_sim_disk_configure(io, &dc);
	memset(b, 0x11, sizeof(b));
	n = wr(sim, io, f, 0, b, sizeof(b));
	dc.enospc_permille = 0;
	dc.capacity = 8192;
	xm_sim_disk_configure(io, &dc);
	rd(sim, io, f, 0, a, sizeof(a));
	tap(n == -ENOSPC && !memcmp(a, c, sizeof(a)) &&
		    wr(sim, io, f, 4096, b, sizeof(b)) == (int)sizeof(b) &&
		    wr(sim, io, f, 8192, b, 1) == -ENOSPC && io->ops->file_size(io, f) == 8192,
	    "disk: ENOSPC at random and at the capacity writes nothing");
	xm_sim_free(sim);
}

/*
 * A stale record beyond a torn one must stay dead. The log holds the open
 * marker, an empty batch A (a record as long as a marker) and a batch B
 * putting "x"; A's bytes are then destroyed on the disk. The first
 * recovery stops at A (B is not there) and writes its marker where A
 * was; after a crash right then, the second recovery must not take the
 * old B as the marker's successor: it carries an older generation.
 */
static void on_done(void *arg, int err)
{
	*(int *)arg = err ? err : 1;
}

static bool nonzero(void *arg)
{
	return *(int *)arg != 0;
}

static bool has_x(struct xm_sim *sim, struct xm_io *io, bool *ok)
{
	struct xm_store *st = NULL;
	uint8_t v[8];
	size_t len;
	int ready = 0;
	bool x;

	*ok = !xm_store_log_open(io, "gen.log", on_done, &ready, &st) &&
	      xm_sim_run_until(sim, nonzero, &ready, 2000) && ready == 1;
	x = *ok && !st->ops->get(st, "x", 1, v, sizeof(v), &len);
	if (st) {
		xm_sim_host_crash(io);
		st->ops->drop(st);
		xm_sim_host_restart(io);
	}
	return x;
}

static void stale_generation(void)
{
	struct xm_sim_config sc = { .seed = 5 };
	struct xm_sim *sim = xm_sim_new(&sc);
	struct xm_io *io = xm_sim_host_new(sim);
	struct xm_store_batch empty = { 0 }, b = { 0 };
	struct xm_store *st = NULL;
	uint8_t zero[44] = { 0 };
	int ready = 0, ca = 0, cb = 0, f;
	bool ok1, ok2, first, second;

	xm_store_batch_put(&b, "x", 1, "1", 1);
	xm_store_log_open(io, "gen.log", on_done, &ready, &st);
	xm_sim_run_until(sim, nonzero, &ready, 2000);
	st->ops->commit(st, &empty, on_done, &ca);
	st->ops->commit(st, &b, on_done, &cb);
	xm_sim_run_until(sim, nonzero, &cb, 2000);
	xm_sim_host_crash(io);
	st->ops->drop(st);
	xm_sim_host_restart(io);
	xm_store_batch_release(&b);
	/* A is the second record: the marker's 44 bytes, then A's 44. */
	f = io->ops->file_open(io, "gen.log", false);
	wr(sim, io, f, 44, zero, sizeof(zero));
	sync_file(sim, io, f);
	io->ops->file_close(io, f);
	first = has_x(sim, io, &ok1);
	second = has_x(sim, io, &ok2);
	tap(ca == 1 && cb == 1 && ok1 && ok2 && !first && !second,
	    "a batch beyond a destroyed record is gone, and stays gone after the next restart "
	    "(generations)");
	xm_sim_free(sim);
}

/* A callback may close the store; the batches queued behind fail quietly. */
struct closer {
	struct xm_store *st;
	int calls;
};

static void close_in_cb(void *arg, int err)
{
	struct closer *c = arg;

	(void)err;
	if (!c->calls++)
		c->st->ops->close(c->st);
}

static void close_from_callback(void)
{
	struct xm_sim_config sc = { .seed = 9 };
	struct xm_sim *sim = xm_sim_new(&sc);
	struct xm_io *io = xm_sim_host_new(sim);
	struct xm_store_batch b = { 0 };
	struct closer c = { 0 };
	int ready = 0, r2 = 0, err;
	uint8_t v[4];
	size_t len;

	xm_store_batch_put(&b, "a", 1, "1", 1);
	xm_store_log_open(io, "close.log", on_done, &ready, &c.st);
	xm_sim_run_until(sim, nonzero, &ready, 2000);
	c.st->ops->commit(c.st, &b, close_in_cb, &c);
	c.st->ops->commit(c.st, &b, close_in_cb, &c);
	xm_sim_run_for(sim, 100);
	xm_store_batch_release(&b);
	c.st = NULL;
	err = xm_store_log_open(io, "close.log", on_done, &r2, &c.st);
	xm_sim_run_until(sim, nonzero, &r2, 2000);
	tap(c.calls == 1 && !err && r2 == 1 && !c.st->ops->get(c.st, "a", 1, v, sizeof(v), &len),
	    "a store closed from a commit callback: the batch acknowledged is there on reopen");
	c.st->ops->close(c.st);
	xm_sim_free(sim);
}

/* --- a writer that crashes: the log store under a seeded fault schedule ------- */

#define N_KEYS 64
#define MAX_BATCHES 8192
#define INFLIGHT 4
#define VAL_MAX 1500

enum bstate { B_NONE, B_ISSUED, B_ACKED, B_FAILED };

struct harness;

struct slot {
	struct harness *h;
	uint32_t i;
};

/* The program on the host: its memory is lost at every crash. */
struct app {
	struct harness *h;
	struct xm_store *st;
	struct xm_io_timer tick;
	bool ready;
	int ready_err;
	unsigned int inflight;
};

/* The test's view, outside the host: survives crashes. */
struct harness {
	struct xm_sim *sim;
	struct xm_io *io;
	struct app *app;
	uint8_t state[MAX_BATCHES];
	struct slot slots[MAX_BATCHES];
	uint32_t next, last_acked;
	uint64_t rng, trace;
	bool bad;
	char why[160];
	unsigned int opens, open_failures, reopens_checked, acks, fails;
};

static void val_of(uint32_t i, uint8_t *v, size_t *len)
{
	*len = (i * 37u) % VAL_MAX + 1;
	for (size_t j = 0; j < *len; j++)
		v[j] = (uint8_t)(i * 31u + j * 7u + (j >> 8));
}

static void key_of(unsigned int k, char out[4])
{
	snprintf(out, 4, "k%02u", k % 100);
}

static int batch_of(uint32_t i, struct xm_store_batch *b)
{
	uint8_t v[VAL_MAX];
	uint64_t le = i;
	char k[4];
	size_t len;
	int err;

	val_of(i, v, &len);
	key_of((i * 7) % N_KEYS, k);
	err = xm_store_batch_put(b, k, 3, v, len);
	if (!err && i % 3 == 0) {
		key_of((i * 13) % N_KEYS, k);
		err = xm_store_batch_del(b, k, 3);
	}
	if (!err)
		err = xm_store_batch_put(b, "last", 4, &le, sizeof(le));
	return err;
}

static void fail(struct harness *h, const char *why)
{
	if (!h->bad)
		snprintf(h->why, sizeof(h->why), "%s", why);
	h->bad = true;
}

static void on_commit(void *arg, int err)
{
	struct slot *s = arg;
	struct harness *h = s->h;
	uint64_t last = 0;
	size_t len;

	h->app->inflight--;
	h->trace = (h->trace ^ ((uint64_t)s->i << 8 | (uint64_t)(err & 0xff))) * 0x100000001b3ULL;
	if (err) {
		h->state[s->i] = B_FAILED;
		h->fails++;
		return;
	}
	if (s->i <= h->last_acked)
		fail(h, "acknowledged out of order");
	h->state[s->i] = B_ACKED;
	h->last_acked = s->i;
	h->acks++;
	/* What a commit acknowledged, reads see (batches of one write land together). */
	if (h->app->st->ops->get(h->app->st, "last", 4, &last, sizeof(last), &len) || last < s->i)
		fail(h, "a read after the acknowledgement does not see the batch");
}

static void app_tick(void *arg)
{
	struct app *a = arg;
	struct harness *h = a->h;

	while (a->ready && a->inflight < INFLIGHT && h->next < MAX_BATCHES) {
		struct xm_store_batch b = { 0 };
		uint32_t i = h->next;
		int err = batch_of(i, &b);

		h->slots[i] = (struct slot){ .h = h, .i = i };
		if (!err)
			err = a->st->ops->commit(a->st, &b, on_commit, &h->slots[i]);
		xm_store_batch_release(&b);
		if (err) {
			fail(h, "commit refused a batch");
			break;
		}
		h->state[i] = B_ISSUED;
		h->next++;
		a->inflight++;
	}
	h->io->ops->timer_set(h->io, &a->tick, 2, app_tick, a);
}

struct expect_ctx {
	struct harness *h;
	bool has[N_KEYS];
	uint32_t who[N_KEYS];
	uint32_t last;
	unsigned int seen, k;
	bool ok;
};

static int check_entry(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct expect_ctx *c = arg;
	uint8_t v[VAL_MAX];
	char k[4];
	size_t len;

	/* Keys come in order: k00..k63 that are present, then "last". */
	while (c->k < N_KEYS && !c->has[c->k])
		c->k++;
	if (c->k == N_KEYS) {
		uint64_t last;

		if (klen != 4 || memcmp(key, "last", 4) || vlen != 8)
			return c->ok = false, 1;
		memcpy(&last, val, 8);
		c->ok &= last == c->last;
		c->seen++;
		return 0;
	}
	key_of(c->k, k);
	val_of(c->who[c->k], v, &len);
	if (klen != 3 || memcmp(key, k, 3) || vlen != len || memcmp(val, v, len))
		return c->ok = false, 1;
	c->k++;
	c->seen++;
	return 0;
}

/* The store, rebuilt from the disk, against the batches up to its "last". */
static void check_recovered(struct harness *h, struct xm_store *st)
{
	struct expect_ctx c = { .h = h, .ok = true };
	uint64_t last = 0;
	unsigned int want = 0;
	size_t len;
	int err = st->ops->get(st, "last", 4, &last, sizeof(last), &len);

	if (err && err != -ENOENT) {
		fail(h, "reading the last batch failed");
		return;
	}
	h->trace = (h->trace ^ last) * 0x100000001b3ULL;
	if (last < h->last_acked) {
		snprintf(h->why, sizeof(h->why), "lost committed batches: %llu < %u acknowledged",
			 (unsigned long long)last, h->last_acked);
		h->bad = true;
		return;
	}
	if (last >= h->next || (last && h->state[last] == B_FAILED)) {
		fail(h, "holds a batch never issued or one that failed");
		return;
	}
	/* Batches still unknown at the crash are in up to "last", and gone after. */
	for (uint32_t i = 1; i < h->next; i++) {
		if (h->state[i] == B_ISSUED)
			h->state[i] = i <= last ? B_ACKED : B_FAILED;
		if (i > last || h->state[i] == B_FAILED)
			continue;
		c.has[(i * 7) % N_KEYS] = true;
		c.who[(i * 7) % N_KEYS] = i;
		if (i % 3 == 0)
			c.has[(i * 13) % N_KEYS] = false;
	}
	if (last > h->last_acked)
		h->last_acked = (uint32_t)last;
	c.last = (uint32_t)last;
	for (int k = 0; k < N_KEYS; k++)
		want += c.has[k];
	want += last ? 1 : 0;
	if (st->ops->iterate(st, NULL, 0, check_entry, &c) < 0 || !c.ok || c.seen != want) {
		fail(h, "the recovered contents differ from the batches up to the last one");
		return;
	}
	h->reopens_checked++;
}

static void on_ready(void *arg, int err)
{
	struct app *a = arg;

	a->ready_err = err;
	if (err)
		return;
	check_recovered(a->h, a->st);
	a->ready = true;
	app_tick(a);
}

static bool app_settled(void *arg)
{
	struct app *a = arg;

	return a->ready || a->ready_err;
}

/* Start the program: open the store (recovery), retrying a failed open. */
static void app_start(struct harness *h)
{
	for (int tries = 0; tries < 50 && !h->bad; tries++) {
		struct app *a = calloc(1, sizeof(*a));
		int err;

		a->h = h;
		h->app = a;
		h->opens++;
		err = xm_store_log_open(h->io, "ledger.log", on_ready, a, &a->st);
		if (!err)
			xm_sim_run_until(h->sim, app_settled, a, 5000);
		if (!err && a->ready)
			return;
		h->open_failures++;
		if (!err)
			a->st->ops->close(a->st);
		free(a);
		h->app = NULL;
		xm_sim_run_for(h->sim, 10);
	}
	fail(h, "the store did not open in 50 tries");
}

/* The host crashes: the program's memory is gone, its pending IO never completes. */
static void app_crash(struct harness *h)
{
	xm_sim_host_crash(h->io);
	if (h->app) {
		h->app->st->ops->drop(h->app->st);
		free(h->app);
		h->app = NULL;
	}
}

struct run_result {
	bool ok;
	char why[160];
	uint64_t digest;
	struct xm_sim_disk_stats ds;
	struct xm_store_stats ss;
	unsigned int acks, fails, checked, open_failures;
};

#define ROUNDS 24

static uint64_t draw(struct harness *h, uint64_t n)
{
	return xm_sim_splitmix(&h->rng) % n;
}

static void run_seed(uint64_t seed, struct run_result *r)
{
	struct xm_sim_config sc = { .seed = seed };
	struct xm_sim_disk_config dc = {
		.sector = 512, .latency_max_ms = 2, .sync_min_ms = 1, .sync_max_ms = 4,
		.lost_permille = 400, .torn_permille = 300, .corrupt_read_permille = 100,
		.enospc_permille = 30,
	};
	struct harness *h = calloc(1, sizeof(*h));

	h->sim = xm_sim_new(&sc);
	h->io = xm_sim_host_new(h->sim);
	h->rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	h->next = 1;
	h->trace = 0xcbf29ce484222325ULL;
	xm_sim_disk_configure(h->io, &dc);
	for (int round = 0; round < ROUNDS && !h->bad; round++) {
		app_start(h);
		xm_sim_run_for(h->sim, 5 + draw(h, 150));
		app_crash(h);
		xm_sim_run_for(h->sim, draw(h, 30));
		xm_sim_host_restart(h->io);
	}
	if (!h->bad)
		app_start(h);
	memset(r, 0, sizeof(*r));
	if (h->app) {
		h->io->ops->timer_cancel(h->io, &h->app->tick);
		h->app->st->ops->get_stats(h->app->st, &r->ss);
		h->app->st->ops->close(h->app->st);
		xm_sim_run_for(h->sim, 100);
		free(h->app);
	}
	xm_sim_disk_get_stats(h->io, &r->ds);
	r->ok = !h->bad && h->reopens_checked == ROUNDS + 1;
	snprintf(r->why, sizeof(r->why), "%s", h->bad ? h->why : "");
	r->digest = xm_sim_digest(h->sim) ^ h->trace;
	r->acks = h->acks;
	r->fails = h->fails;
	r->checked = h->reopens_checked;
	r->open_failures = h->open_failures;
	xm_sim_free(h->sim);
	free(h);
}

static void store_schedules(uint64_t first, unsigned int count)
{
	struct run_result r, r2, tot = { .ok = true };
	unsigned int failed = 0, distinct = 0;
	uint64_t prev_digest = 0, prev_torn = UINT64_MAX;
	bool fault_mix_differs = false;

	for (uint64_t s = first; s < first + count; s++) {
		run_seed(s, &r);
		if (!r.ok) {
			printf("# seed %llu: %s (%u reopens checked)\n", (unsigned long long)s, r.why,
			       r.checked);
			failed++;
		}
		distinct += r.digest != prev_digest;
		if (prev_torn != UINT64_MAX && r.ds.torn != prev_torn)
			fault_mix_differs = true;
		prev_digest = r.digest;
		prev_torn = r.ds.torn;
		tot.acks += r.acks;
		tot.fails += r.fails;
		tot.checked += r.checked;
		tot.open_failures += r.open_failures;
		tot.ds.crashes += r.ds.crashes;
		tot.ds.torn += r.ds.torn;
		tot.ds.unsynced_lost += r.ds.unsynced_lost;
		tot.ds.unsynced_kept += r.ds.unsynced_kept;
		tot.ds.corrupt_reads += r.ds.corrupt_reads;
		tot.ds.enospc += r.ds.enospc;
		tot.ss.read_retries += r.ss.read_retries;
	}
	tap(!failed && tot.checked == count * (ROUNDS + 1),
	    "log store, %u seeds x %d crashes: %u batches acknowledged, %u failed (ENOSPC), "
	    "%u recoveries checked exact; %u seeds failed", count, ROUNDS, tot.acks, tot.fails,
	    tot.checked, failed);
	printf("# faults hit: %llu crashes, %llu unsynced writes lost, %llu kept, %llu torn, "
	       "%llu corrupted reads, %llu ENOSPC, %u failed opens\n",
	       (unsigned long long)tot.ds.crashes, (unsigned long long)tot.ds.unsynced_lost,
	       (unsigned long long)tot.ds.unsynced_kept, (unsigned long long)tot.ds.torn,
	       (unsigned long long)tot.ds.corrupt_reads, (unsigned long long)tot.ds.enospc,
	       tot.open_failures);
	tap(tot.ds.torn && tot.ds.unsynced_lost && tot.ds.unsynced_kept && tot.ds.corrupt_reads &&
		    tot.ds.enospc && tot.fails,
	    "every kind of fault was hit (torn %llu, lost %llu, corrupted reads %llu, ENOSPC %llu)",
	    (unsigned long long)tot.ds.torn, (unsigned long long)tot.ds.unsynced_lost,
	    (unsigned long long)tot.ds.corrupt_reads, (unsigned long long)tot.ds.enospc);

	run_seed(first, &r);
	run_seed(first, &r2);
	tap(r.digest == r2.digest && r.ds.torn == r2.ds.torn &&
		    r.ds.corrupt_reads == r2.ds.corrupt_reads && r.acks == r2.acks,
	    "seed %llu replays exactly (trace %016llx twice)", (unsigned long long)first,
	    (unsigned long long)r.digest);
	tap(distinct == count && fault_mix_differs,
	    "different seeds, different schedules: %u distinct traces of %u, fault counts differ",
	    distinct, count);
}

/* --- clocks and crashes --------------------------------------------------------- */

struct fired {
	struct xm_sim *sim;
	struct xm_io *io;
	uint64_t at_true, at_local, at_wall;
	int n;
};

static void on_fire(void *arg)
{
	struct fired *f = arg;

	f->at_true = xm_sim_now(f->sim);
	f->at_local = f->io->ops->now_ms(f->io);
	f->at_wall = f->io->ops->wall_ms(f->io);
	f->n++;
}

static void clocks(void)
{
	struct xm_sim_config sc = { .seed = 3 };
	struct xm_sim *sim = xm_sim_new(&sc);
	struct xm_io *fast = xm_sim_host_new(sim), *slow = xm_sim_host_new(sim);
	struct xm_io *ref = xm_sim_host_new(sim);
	struct xm_io_timer t1 = { 0 }, t2 = { 0 }, t3 = { 0 };
	struct fired f1 = { sim, fast, 0, 0, 0, 0 }, f2 = { sim, slow, 0, 0, 0, 0 };
	struct fired f3 = { sim, ref, 0, 0, 0, 0 };
	uint64_t t0 = xm_sim_now(sim), l0, w0, wr0;
	int64_t skew;

	xm_sim_host_clock_set(fast, 60000, 100000); /* 60 s ahead, 10% fast */
	xm_sim_host_clock_set(slow, -2000, -50000); /* 2 s behind, 5% slow */
	skew = (int64_t)(fast->ops->wall_ms(fast) - ref->ops->wall_ms(ref));
	tap(skew == 60000 && (int64_t)(ref->ops->wall_ms(ref) - slow->ops->wall_ms(slow)) == 2000,
	    "clock offsets: one host's wall clock 60000 ms ahead (%lld), another 2000 behind",
	    (long long)skew);
	l0 = fast->ops->now_ms(fast);
	fast->ops->timer_set(fast, &t1, 10000, on_fire, &f1);
	slow->ops->timer_set(slow, &t2, 10000, on_fire, &f2);
	ref->ops->timer_set(ref, &t3, 10000, on_fire, &f3);
	xm_sim_run_for(sim, 20000);
	tap(f1.n == 1 && f1.at_true - t0 == 9091 && f1.at_local - l0 == 10000 &&
		    f2.n == 1 && f2.at_true - t0 == 10527 && f3.at_true - t0 == 10000,
	    "clock drift: a 10 s timer fires after %llu ms true time at +100000 ppm, %llu at "
	    "-50000 ppm, %llu at 0", (unsigned long long)(f1.at_true - t0),
	    (unsigned long long)(f2.at_true - t0), (unsigned long long)(f3.at_true - t0));

	/* A step moves the wall clock only: monotonic time and timers go on. */
	l0 = ref->ops->now_ms(ref);
	w0 = ref->ops->wall_ms(ref);
	wr0 = fast->ops->wall_ms(fast);
	ref->ops->timer_set(ref, &t3, 1000, on_fire, &f3);
	xm_sim_host_clock_step(ref, -30000);
	xm_sim_run_for(sim, 2000);
	tap(f3.n == 2 && f3.at_local - l0 == 1000 && w0 - f3.at_wall == 29000 &&
		    fast->ops->wall_ms(fast) - wr0 == 2200,
	    "a clock step of -30 s: the wall clock goes back, the timer still fires after 1000 ms");

	/* A crashed host runs no timers, before or after its restart. */
	ref->ops->timer_set(ref, &t3, 500, on_fire, &f3);
	xm_sim_host_crash(ref);
	ref->ops->timer_set(ref, &t1, 100, on_fire, &f3);
	xm_sim_run_for(sim, 2000);
	xm_sim_host_restart(ref);
	xm_sim_run_for(sim, 2000);
	tap(f3.n == 2 && !t3.armed && !t1.armed,
	    "a crashed host's timers never fire, not even after its restart");
	xm_sim_free(sim);
}

static void rnd(void *ctx, void *buf, size_t len)
{
	struct xm_io *io = ctx;

	io->ops->random(io, buf, len);
}

/*
 * A node's own timers follow its clock: two nodes rekeying every 60 s make
 * about 10 handshakes in 10 minutes; with one host's clock 25% fast, its
 * timers fire every 48 s of true time and it drives about 12 (its wall
 * clock gains 150 s meanwhile: the freshness window is opened for that).
 */
static unsigned int rekeys_in_10_min(int32_t drift_ppm)
{
	struct xm_sim_config sc = { .seed = 13, .latency_min_ms = 1, .latency_max_ms = 5 };
	struct xm_sim *sim = xm_sim_new(&sc);
	struct xm_io *io[2];
	struct node *n[2];
	struct identity id[2];
	struct xmd_config cfg[2];
	const struct hs_peer *p;
	unsigned int before, after;

	for (int i = 0; i < 2; i++) {
		io[i] = xm_sim_host_new(sim);
		config_defaults(&cfg[i]);
		cfg[i].ctl_socket[0] = 0;
		cfg[i].state_dir[0] = 0; /* no counter mark on disk */
		cfg[i].kernel = XMD_KERNEL_OFF;
		cfg[i].puzzle_bits = 4;
		cfg[i].rekey_seconds = 60;
		/* The drift takes the wall clock 150 s away too: keep that fresh. */
		cfg[i].freshness_ms = 3600000;
		xm_sim_host_addr(io[i], &cfg[i].listen, 51831);
		if (i)
			xm_sim_host_addr(io[0], &cfg[i].seeds[cfg[i].n_seeds++], 51831);
		identity_generate(&id[i], 4, rnd, io[i]);
	}
	xm_sim_host_clock_set(io[1], 0, drift_ppm);
	for (int i = 0; i < 2; i++) {
		n[i] = node_new(&cfg[i], io[i], &id[i]);
		node_start(n[i]);
	}
	xm_sim_run_for(sim, 5000);
	p = hs_peer_at(node_handshake(n[0]), 0);
	before = p ? p->handshakes : 0;
	xm_sim_run_for(sim, 600000);
	p = hs_peer_at(node_handshake(n[0]), 0);
	after = p ? p->handshakes : 0;
	for (int i = 0; i < 2; i++)
		node_free(n[i]);
	xm_sim_free(sim);
	return after - before;
}

static void node_timers_follow_clock(void)
{
	unsigned int base = rekeys_in_10_min(0), fast = rekeys_in_10_min(250000);

	tap(base >= 9 && base <= 11 && fast >= 12 && fast <= 13,
	    "a node's rekey timer follows its host's clock: %u handshakes in 10 min, %u with one "
	    "clock 25%% fast", base, fast);
}

static void lookup_done(void *arg, const struct dht_result *res)
{
	(void)res;
	(*(int *)arg)++;
}

/* Node from looks up node target's id: datagrams both ways. */
static void lookup(struct xm_sim *sim, struct node *from, const struct identity *target)
{
	int done = 0;

	if (!dht_lookup_node(node_dht(from), &target->id, lookup_done, &done))
		node_kick(from);
	xm_sim_run_for(sim, 5000);
}

/* Whole nodes: one crashes (no timers, no datagrams), one's wall clock steps away. */
#define PORT 51831


/* Removes the envelope counter's mark and its directory. */
static void remove_counter_mark(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, IDENTITY_COUNTER_FILE);
	unlink(path);
	rmdir(dir);
}
static void nodes(void)
{
	struct xm_sim_config sc = { .seed = 11, .latency_min_ms = 1, .latency_max_ms = 5 };
	struct xm_sim *sim = xm_sim_new(&sc);
	struct xm_io *io[3];
	struct node *n[3];
	struct identity id[3];
	struct xmd_config cfg[3];
	struct node_stats ns0, ns1, a, b, c;
	/* Node 2 restarts: its envelope counter's mark lives in a real directory. */
	char dir[] = "/tmp/store_sim.XXXXXX";

	if (!mkdtemp(dir)) {
		tap(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < 3; i++) {
		io[i] = xm_sim_host_new(sim);
		config_defaults(&cfg[i]);
		cfg[i].ctl_socket[0] = 0;
		if (i == 2)
			snprintf(cfg[i].state_dir, sizeof(cfg[i].state_dir), "%s", dir);
		else
			cfg[i].state_dir[0] = 0; /* no counter mark on disk */
		cfg[i].kernel = XMD_KERNEL_OFF;
		cfg[i].puzzle_bits = 4;
		xm_sim_host_addr(io[i], &cfg[i].listen, PORT);
		if (i)
			xm_sim_host_addr(io[0], &cfg[i].seeds[cfg[i].n_seeds++], PORT);
		identity_generate(&id[i], 4, rnd, io[i]);
		n[i] = node_new(&cfg[i], io[i], &id[i]);
		node_start(n[i]);
	}
	xm_sim_run_for(sim, 10000);

	/*
	 * Node 2 crashes. Its memory is kept for a look (a real crash frees
	 * it): in 120 s it sends nothing (no timer of it runs) and receives
	 * nothing, where it sent and received in the 120 s before.
	 */
	node_get_stats(n[2], &a);
	xm_sim_run_for(sim, 120000);
	node_get_stats(n[2], &b);
	xm_sim_host_crash(io[2]);
	xm_sim_run_for(sim, 120000);
	node_get_stats(n[2], &c);
	tap(b.tx[0] + b.tx[1] + b.tx[2] + b.tx[3] > a.tx[0] + a.tx[1] + a.tx[2] + a.tx[3] &&
		    b.rx[0] + b.rx[1] + b.rx[2] + b.rx[3] > a.rx[0] + a.rx[1] + a.rx[2] + a.rx[3] &&
		    !memcmp(&b, &c, sizeof(b)),
	    "a crashed node runs no timer and receives nothing (sent %llu, received %llu in the "
	    "120 s before; nothing after)",
	    (unsigned long long)(b.tx[0] + b.tx[1] + b.tx[2] + b.tx[3] - a.tx[0] - a.tx[1] -
				 a.tx[2] - a.tx[3]),
	    (unsigned long long)(b.rx[0] + b.rx[1] + b.rx[2] + b.rx[3] - a.rx[0] - a.rx[1] -
				 a.rx[2] - a.rx[3]));
	node_free(n[2]);
	xm_sim_host_restart(io[2]);
	n[2] = node_new(&cfg[2], io[2], &id[2]);
	node_start(n[2]);
	xm_sim_run_for(sim, 30000);
	node_get_stats(n[2], &c);
	tap(c.rx[0] + c.rx[1] + c.rx[2] + c.rx[3] > 0 &&
		    hs_established_count(node_handshake(n[2])) >= 1,
	    "restarted, the node talks again (%u sessions)",
	    hs_established_count(node_handshake(n[2])));

	/* Node 1's wall clock steps 10 minutes ahead: its peers drop its envelopes as stale. */
	node_get_stats(n[0], &ns0);
	xm_sim_host_clock_step(io[1], 600000);
	lookup(sim, n[1], &id[2]);
	node_get_stats(n[0], &ns1);
	tap(ns1.drops[ENV_DROP_STALE] > ns0.drops[ENV_DROP_STALE],
	    "a node whose wall clock steps 10 min ahead: its peer drops %llu envelopes as stale",
	    (unsigned long long)(ns1.drops[ENV_DROP_STALE] - ns0.drops[ENV_DROP_STALE]));
	xm_sim_host_clock_step(io[1], -600000);
	node_get_stats(n[0], &ns0);
	lookup(sim, n[1], &id[2]);
	node_get_stats(n[0], &ns1);
	tap(ns1.drops[ENV_DROP_STALE] == ns0.drops[ENV_DROP_STALE] &&
		    ns1.rx[0] + ns1.rx[1] + ns1.rx[2] + ns1.rx[3] >
			    ns0.rx[0] + ns0.rx[1] + ns0.rx[2] + ns0.rx[3],
	    "stepped back, its envelopes are accepted again");
	for (int i = 0; i < 3; i++)
		node_free(n[i]);
	xm_sim_free(sim);
	remove_counter_mark(dir);
}

int main(int argc, char **argv)
{
	uint64_t first = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	unsigned int count = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 40;

	if (sodium_init() < 0)
		return 1;
	log_init(LOG_LVL_ERR, NULL);
	disk_faults();
	stale_generation();
	close_from_callback();
	store_schedules(first, count);
	clocks();
	nodes();
	node_timers_follow_clock();
	return tap_done();
}
