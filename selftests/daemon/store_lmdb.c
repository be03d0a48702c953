// SPDX-License-Identifier: GPL-2.0
/*
 * The real IO path: file operations through io_uring (userspace/xmeshd/
 * io_uring.c), the store on LMDB and the log store on a real file
 * (userspace/xmeshd/store/). Prints TAP.
 *
 *	store_lmdb [DIR [KILLS]]
 *
 * Checks: write, sync, read back and size through the ring; LMDB round trip
 * (puts, overwrites, deletes, reads, iteration in key order, a full map
 * failing with ENOSPC and nothing lost); a writer process killed with
 * SIGKILL at random points between and during commits, KILLS times, after
 * which every batch it saw acknowledged is there and no batch is there in
 * part; the log store over io_uring round trip and a torn tail dropped.
 * Prints the measured cost of an LMDB commit on the loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "io.h"
#include "log.h"
#include "store/store.h"
#include "tap.h"

static struct xm_io *io;
static char dir[256];

/* Run the ring until *flag is set (completions set it) or 5 s pass. */
static struct xm_io_timer guard;
static int *watch;

static void stop_if(void *arg)
{
	(void)arg;
	if (*watch)
		xm_uring_stop(io);
	else
		io->ops->timer_set(io, &guard, 1, stop_if, NULL);
}

static void giveup(void *arg)
{
	(void)arg;
	xm_uring_stop(io);
}

static int run_until(int *flag)
{
	struct xm_io_timer limit = { 0 };

	watch = flag;
	io->ops->timer_set(io, &guard, 0, stop_if, NULL);
	io->ops->timer_set(io, &limit, 5000, giveup, NULL);
	xm_uring_run(io);
	io->ops->timer_cancel(io, &guard);
	io->ops->timer_cancel(io, &limit);
	return *flag;
}

static void on_res(void *arg, int res)
{
	int *r = arg;

	*r = res == 0 ? 1 : res > 0 ? res : res; /* 0 becomes 1: "done" */
}

static void uring_files(void)
{
	char path[300];
	uint8_t a[10000], b[10000];
	int f, rw = 0, rs = 0, rr = 0;

	snprintf(path, sizeof(path), "%s/file", dir);
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 13);
	f = io->ops->file_open(io, path, true);
	io->ops->file_write(io, f, 100, a, sizeof(a), on_res, &rw);
	run_until(&rw);
	io->ops->file_sync(io, f, on_res, &rs);
	run_until(&rs);
	memset(b, 0, sizeof(b));
	io->ops->file_read(io, f, 100, b, sizeof(b), on_res, &rr);
	run_until(&rr);
	tap(f >= 0 && rw == (int)sizeof(a) && rs == 1 && rr == (int)sizeof(b) && !memcmp(a, b, sizeof(a)) &&
		    io->ops->file_size(io, f) == 100 + (int64_t)sizeof(a),
	    "io_uring: a write at an offset, an fsync and a read back complete through the ring");
	io->ops->file_close(io, f);
	tap(io->ops->file_open(io, "/nonexistent/dir/x", true) == -ENOENT &&
		    io->ops->file_write(io, f, 0, a, 1, on_res, &rw) == -EBADF,
	    "io_uring: a bad path and a closed file are refused");
}

/* --- LMDB ---------------------------------------------------------------------- */

struct collect {
	char keys[64][16];
	int n;
};

static int collect_key(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
		       size_t vlen)
{
	struct collect *c = arg;

	(void)val;
	(void)vlen;
	if (c->n < 64 && klen < 16) {
		memcpy(c->keys[c->n], key, klen);
		c->keys[c->n][klen] = 0;
	}
	c->n++;
	return 0;
}

static int commit_wait(struct xm_store *st, struct xm_store_batch *b)
{
	int done = 0, err = st->ops->commit(st, b, on_res, &done);

	if (err)
		return err;
	run_until(&done);
	return done == 1 ? 0 : done;
}

static void lmdb_round_trip(void)
{
	char path[300];
	struct xm_store *st = NULL;
	struct xm_store_batch b = { 0 };
	struct xm_store_stats ss;
	struct collect c = { 0 };
	char k[16], v[32];
	size_t len;
	int err, ok = 1;

	snprintf(path, sizeof(path), "%s/lmdb", dir);
	err = xm_store_lmdb_open(io, path, 1 << 20, &st);
	tap(!err, "lmdb: open %s", path);
	if (err)
		return;
	for (int i = 9; i >= 0; i--) {
		snprintf(k, sizeof(k), "key%d", i);
		snprintf(v, sizeof(v), "value %d", i);
		xm_store_batch_put(&b, k, strlen(k), v, strlen(v) + 1);
	}
	xm_store_batch_put(&b, "key3", 4, "three", 6); /* later op wins */
	xm_store_batch_del(&b, "key5", 4);
	err = commit_wait(st, &b);
	xm_store_batch_release(&b);
	for (int i = 0; i < 10; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		err |= i == 5 ? 0 : st->ops->get(st, k, strlen(k), v, sizeof(v), &len);
		if (i == 3)
			ok &= !strcmp(v, "three");
		else if (i != 5)
			ok &= atoi(v + 6) == i;
	}
	ok &= st->ops->get(st, "key5", 4, v, sizeof(v), &len) == -ENOENT;
	st->ops->iterate(st, "key4", 4, collect_key, &c);
	ok &= c.n == 5 && !strcmp(c.keys[0], "key4") && !strcmp(c.keys[1], "key6") &&
	      !strcmp(c.keys[4], "key9");
	tap(!err && ok, "lmdb: a batch of puts, an overwrite and a delete; reads and iteration in "
			"key order from a key");

	/* Fill the 1 MiB map: ENOSPC, nothing of that batch, the rest intact. */
	{
		static uint8_t big[200000];
		int n = 0, e = 0;

		while (n < 20) {
			snprintf(k, sizeof(k), "big%02d", n);
			xm_store_batch_put(&b, k, strlen(k), big, sizeof(big));
			xm_store_batch_put(&b, "bigcount", 8, &n, sizeof(n));
			e = commit_wait(st, &b);
			xm_store_batch_release(&b);
			if (e)
				break;
			n++;
		}
		snprintf(k, sizeof(k), "big%02d", n);
		tap(e == -ENOSPC && st->ops->get(st, k, strlen(k), v, 1, &len) == -ENOENT &&
			    !st->ops->get(st, "bigcount", 8, &e, sizeof(e), &len) && e == n - 1 &&
			    !st->ops->get(st, "key9", 4, v, sizeof(v), &len),
		    "lmdb: a full map fails the commit with ENOSPC after %d batches; nothing of it "
		    "applied, nothing before it lost", n);
	}
	st->ops->close(st);

	/* The loop's cost of a small commit, fsyncs included. */
	snprintf(path, sizeof(path), "%s/lmdb-cost", dir);
	if (!xm_store_lmdb_open(io, path, 64 << 20, &st)) {
		for (int i = 0; i < 100; i++) {
			snprintf(k, sizeof(k), "k%d", i);
			xm_store_batch_put(&b, k, strlen(k), v, sizeof(v));
			commit_wait(st, &b);
			xm_store_batch_release(&b);
		}
		st->ops->get_stats(st, &ss);
		printf("# lmdb commit of one small batch on the loop: mean %llu us, max %llu us "
		       "(%llu commits)\n", (unsigned long long)(ss.commit_us_total / ss.commits),
		       (unsigned long long)ss.commit_us_max, (unsigned long long)ss.commits);
		st->ops->close(st);
	}
}

/* --- kill -9 -------------------------------------------------------------------- */

#define KILL_KEYS 8

static int pipe_w = -1;
static uint32_t child_i;
static struct xm_store *child_st;

static void child_commit(void);

static void child_done(void *arg, int err)
{
	(void)arg;
	if (err)
		_exit(3);
	/* Acknowledged: tell the parent before the next batch starts. */
	if (write(pipe_w, &child_i, sizeof(child_i)) != sizeof(child_i))
		_exit(4);
	child_commit();
}

/* Batch i: KILL_KEYS keys b/<j> all holding i, and "last" = i. */
static void child_commit(void)
{
	struct xm_store_batch b = { 0 };
	char k[16];
	uint8_t v[600];

	child_i++;
	memset(v, (int)(child_i & 0xff), sizeof(v));
	memcpy(v, &child_i, sizeof(child_i));
	for (int j = 0; j < KILL_KEYS; j++) {
		snprintf(k, sizeof(k), "b/%d", j);
		xm_store_batch_put(&b, k, strlen(k), v, sizeof(v));
	}
	xm_store_batch_put(&b, "last", 4, &child_i, sizeof(child_i));
	if (child_st->ops->commit(child_st, &b, child_done, NULL))
		_exit(5);
	xm_store_batch_release(&b);
}

static void child(const char *path, uint32_t start)
{
	struct xm_io *cio = xm_uring_new(64);

	if (!cio || xm_store_lmdb_open(cio, path, 64 << 20, &child_st))
		_exit(2);
	child_i = start;
	child_commit();
	xm_uring_run(cio);
	_exit(0);
}

struct check {
	uint32_t last;
	bool ok;
};

static void kills(unsigned int n_kills)
{
	char path[300];
	uint32_t last = 0, acked = 0, max_acked_seen = 0;
	unsigned int bad = 0, total_acks = 0;
	uint64_t rng;

	randombytes_buf(&rng, sizeof(rng));
	snprintf(path, sizeof(path), "%s/lmdb-kill", dir);
	for (unsigned int r = 0; r < n_kills; r++) {
		struct xm_store *st;
		struct timespec ts;
		int fds[2];
		pid_t pid;
		uint32_t v;
		ssize_t got;
		size_t len;
		int status;
		uint64_t delay_us = 5000 + (rng = rng * 6364136223846793005ULL + 1) % 150000;

		if (pipe(fds))
			break;
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			pipe_w = fds[1];
			child(path, last);
		}
		close(fds[1]);
		acked = last;
		/* Every other round, the kill comes after a first acknowledgement. */
		if (r % 2) {
			struct pollfd pfd = { .fd = fds[0], .events = POLLIN };

			if (poll(&pfd, 1, 5000) == 1 && read(fds[0], &v, sizeof(v)) == sizeof(v)) {
				acked = v;
				total_acks++;
			}
		}
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(delay_us * 1000);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		/* Every acknowledgement written before the kill is in the pipe. */
		while ((got = read(fds[0], &v, sizeof(v))) == sizeof(v)) {
			acked = v;
			total_acks++;
		}
		close(fds[0]);
		if (!WIFSIGNALED(status)) {
			printf("# writer exited %d before the kill\n", WEXITSTATUS(status));
			bad++;
			continue;
		}
		if (xm_store_lmdb_open(io, path, 64 << 20, &st)) {
			bad++;
			continue;
		}
		last = 0;
		st->ops->get(st, "last", 4, &last, sizeof(last), &len);
		/* The newest batch is whole: every key holds its number. */
		for (int j = 0; j < KILL_KEYS && last; j++) {
			uint8_t buf[600];
			char k[16];
			uint32_t w;

			snprintf(k, sizeof(k), "b/%d", j);
			if (st->ops->get(st, k, strlen(k), buf, sizeof(buf), &len) || len != 600) {
				bad++;
				break;
			}
			memcpy(&w, buf, sizeof(w));
			if (w != last || buf[599] != (uint8_t)(last & 0xff)) {
				printf("# kill %u: key %s holds batch %u, last is %u\n", r, k, w, last);
				bad++;
				break;
			}
		}
		if (last < acked) {
			printf("# kill %u: last batch %u, but %u was acknowledged\n", r, last, acked);
			bad++;
		}
		max_acked_seen = acked > max_acked_seen ? acked : max_acked_seen;
		st->ops->close(st);
	}
	tap(!bad && total_acks > 0,
	    "lmdb: a writer killed with SIGKILL %u times at random points: every acknowledged "
	    "batch there, none in part (%u batches acknowledged, last %u)", n_kills, total_acks,
	    last);
}

/* --- the log store over io_uring ----------------------------------------------- */

static void log_over_uring(void)
{
	char path[300];
	struct xm_store *st = NULL;
	struct xm_store_batch b = { 0 };
	struct xm_store_stats ss;
	int ready = 0, fd, err = 0;
	char v[16];
	size_t len;

	snprintf(path, sizeof(path), "%s/ledger.log", dir);
	xm_store_log_open(io, path, on_res, &ready, &st);
	run_until(&ready);
	for (int i = 0; i < 20 && ready == 1; i++) {
		char k[8];

		snprintf(k, sizeof(k), "k%d", i);
		xm_store_batch_put(&b, k, strlen(k), "v", 2);
		err |= commit_wait(st, &b);
		xm_store_batch_release(&b);
	}
	st->ops->close(st);
	/* A torn tail: half a record of garbage after the last one. */
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd >= 0) {
		if (write(fd, "XMR1garbage-garbage-garbage", 27) != 27)
			err = -EIO;
		close(fd);
	}
	ready = 0;
	st = NULL;
	xm_store_log_open(io, path, on_res, &ready, &st);
	run_until(&ready);
	st->ops->get_stats(st, &ss);
	tap(ready == 1 && !err && !st->ops->get(st, "k19", 3, v, sizeof(v), &len) &&
		    ss.recovered_batches == 21 && ss.torn_tail_bytes == 27,
	    "log store over io_uring: 20 batches survive a reopen, a torn tail of 27 bytes is "
	    "dropped (%llu records)", (unsigned long long)ss.recovered_batches);
	st->ops->close(st);
}

int main(int argc, char **argv)
{
	unsigned int n_kills = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 20;

	if (sodium_init() < 0)
		return 1;
	log_init(LOG_LVL_ERR, NULL);
	snprintf(dir, sizeof(dir), "%s", argc > 1 ? argv[1] : "/tmp/store_lmdb.XXXXXX");
	if (argc <= 1 && !mkdtemp(dir))
		return 1;
	mkdir(dir, 0700);
	io = xm_uring_new(256);
	if (!io) {
		printf("ok 1 io_uring # SKIP no io_uring here\n1..1\n");
		return 0;
	}
	uring_files();
	lmdb_round_trip();
	kills(n_kills);
	log_over_uring();
	xm_uring_free(io);
	return tap_done();
}
