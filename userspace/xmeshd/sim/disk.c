// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated disk (sim/disk.h): per file, the image reads see and the
 * image a crash leaves, plus the list of writes completed since the last
 * sync, each with its own copy of the bytes (a crash decides their fate one
 * by one, sector by sector).
 */
#include "disk.h"
#include "../io_sim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DISK_MAX_FILES 16
#define DISK_MAX_HANDLES 32
#define DISK_PATH_MAX 96
#define DISK_FILE_MAX (256u << 20)

struct pending {
	uint64_t off;
	size_t len;
	struct pending *next;
	uint8_t data[];
};

struct sim_file {
	char path[DISK_PATH_MAX];
	uint8_t *cur, *dur;
	size_t cur_len, dur_len, cur_cap, dur_cap;
	struct pending *pend, **pend_tail;
};

enum op_kind { OP_WRITE, OP_READ, OP_SYNC };

struct disk_op {
	struct xm_io_timer t;
	struct sim_disk *d;
	enum op_kind kind;
	int handle;
	uint64_t off;
	size_t len;
	void *rbuf;
	xm_io_file_fn fn;
	void *arg;
	struct disk_op *prev, *next;
	uint8_t data[];
};

struct sim_disk {
	struct xm_io *io;
	uint64_t rng;
	struct xm_sim_disk_config cfg;
	struct xm_sim_disk_stats stats;
	struct sim_file files[DISK_MAX_FILES];
	int n_files;
	int handle_file[DISK_MAX_HANDLES]; /* -1: free */
	bool handle_closing[DISK_MAX_HANDLES];
	unsigned int handle_inflight[DISK_MAX_HANDLES];
	struct disk_op *ops; /* in flight */
};

static const struct xm_sim_disk_config defaults = {
	.capacity = 1ULL << 30, .sector = 512, .latency_min_ms = 0, .latency_max_ms = 1,
	.sync_min_ms = 1, .sync_max_ms = 3,
};

static uint64_t draw(struct sim_disk *d, uint64_t n)
{
	return n ? xm_sim_splitmix(&d->rng) % n : 0;
}

static bool chance(struct sim_disk *d, uint32_t permille)
{
	return permille && draw(d, 1000) < permille;
}

static void trace(struct sim_disk *d, uint64_t a, uint64_t b)
{
	struct xm_sim *sim = xm_sim_of(d->io);

	xm_sim_mix(sim, xm_sim_now(sim));
	xm_sim_mix(sim, a);
	xm_sim_mix(sim, b);
}

struct sim_disk *sim_disk_new(struct xm_io *io, uint64_t seed)
{
	struct sim_disk *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->io = io;
	d->rng = seed;
	d->cfg = defaults;
	for (int i = 0; i < DISK_MAX_HANDLES; i++)
		d->handle_file[i] = -1;
	return d;
}

static void pending_free(struct sim_file *f)
{
	while (f->pend) {
		struct pending *p = f->pend;

		f->pend = p->next;
		free(p);
	}
	f->pend_tail = &f->pend;
}

static void ops_free(struct sim_disk *d)
{
	while (d->ops) {
		struct disk_op *op = d->ops;

		d->ops = op->next;
		free(op);
	}
}

void sim_disk_free(struct sim_disk *d)
{
	if (!d)
		return;
	ops_free(d);
	for (int i = 0; i < d->n_files; i++) {
		pending_free(&d->files[i]);
		free(d->files[i].cur);
		free(d->files[i].dur);
	}
	free(d);
}

void xm_sim_disk_configure(struct xm_io *io, const struct xm_sim_disk_config *cfg)
{
	struct sim_disk *d = xm_sim_host_disk(io);

	d->cfg = *cfg;
	if (!d->cfg.capacity)
		d->cfg.capacity = defaults.capacity;
	if (!d->cfg.sector)
		d->cfg.sector = defaults.sector;
	if (d->cfg.latency_max_ms < d->cfg.latency_min_ms)
		d->cfg.latency_max_ms = d->cfg.latency_min_ms;
	if (d->cfg.sync_max_ms < d->cfg.sync_min_ms)
		d->cfg.sync_max_ms = d->cfg.sync_min_ms;
}

void xm_sim_disk_get_stats(struct xm_io *io, struct xm_sim_disk_stats *st)
{
	*st = xm_sim_host_disk(io)->stats;
}

/* Grow *buf (capacity *cap) to hold len bytes, zero-filling from *used. */
static int image_reserve(uint8_t **buf, size_t *cap, size_t *used, size_t len)
{
	if (len > *cap) {
		size_t ncap = *cap ? *cap : 4096;
		uint8_t *n;

		while (ncap < len)
			ncap *= 2;
		n = realloc(*buf, ncap);
		if (!n)
			return -ENOMEM;
		*buf = n;
		*cap = ncap;
	}
	if (len > *used) {
		memset(*buf + *used, 0, len - *used);
		*used = len;
	}
	return 0;
}

static uint64_t disk_used(const struct sim_disk *d)
{
	uint64_t n = 0;

	for (int i = 0; i < d->n_files; i++)
		n += d->files[i].cur_len > d->files[i].dur_len ? d->files[i].cur_len :
								 d->files[i].dur_len;
	return n;
}

/* A crash: every unsynced write is lost, kept, or torn sector by sector. */
static void file_crash(struct sim_disk *d, struct sim_file *f)
{
	uint32_t sec = d->cfg.sector;

	for (struct pending *p = f->pend; p; p = p->next) {
		uint64_t r = draw(d, 1000), first, last;
		bool torn = false;

		if (r < d->cfg.lost_permille) {
			d->stats.unsynced_lost++;
			trace(d, 0x105e, p->off);
			continue;
		}
		torn = r < d->cfg.lost_permille + d->cfg.torn_permille;
		first = p->off / sec;
		last = (p->off + p->len - 1) / sec;
		if (torn && first == last)
			torn = false; /* one sector is written whole or not at all */
		if (torn) {
			d->stats.torn++;
			trace(d, 0x7042, p->off);
		} else {
			d->stats.unsynced_kept++;
			trace(d, 0x6ee9, p->off);
		}
		for (uint64_t s = first; s <= last; s++) {
			uint64_t a = s * sec > p->off ? s * sec : p->off;
			uint64_t b = (s + 1) * sec < p->off + p->len ? (s + 1) * sec : p->off + p->len;

			/* Torn: the last sector never arrives, each other one by a coin. */
			if (torn && (s == last || draw(d, 2)))
				continue;
			if (image_reserve(&f->dur, &f->dur_cap, &f->dur_len, b))
				continue;
			memcpy(f->dur + a, p->data + (a - p->off), b - a);
		}
	}
	pending_free(f);
	/* What reads see again is what the disk holds. */
	if (!image_reserve(&f->cur, &f->cur_cap, &f->cur_len, f->dur_len)) {
		if (f->dur_len)
			memcpy(f->cur, f->dur, f->dur_len);
		f->cur_len = f->dur_len;
	}
}

void sim_disk_crash(struct sim_disk *d)
{
	/* The host's timers were disarmed: these callbacks never run. */
	ops_free(d);
	for (int i = 0; i < DISK_MAX_HANDLES; i++) {
		d->handle_file[i] = -1;
		d->handle_closing[i] = false;
		d->handle_inflight[i] = 0;
	}
	for (int i = 0; i < d->n_files; i++)
		file_crash(d, &d->files[i]);
	d->stats.crashes++;
}

static struct sim_disk *disk_of(struct xm_io *io)
{
	return xm_sim_host_crashed(io) ? NULL : xm_sim_host_disk(io);
}

static struct sim_file *file_of(struct sim_disk *d, int h)
{
	if (!d || h < 0 || h >= DISK_MAX_HANDLES || d->handle_file[h] < 0 || d->handle_closing[h])
		return NULL;
	return &d->files[d->handle_file[h]];
}

int sim_disk_file_open(struct xm_io *io, const char *path, bool create)
{
	struct sim_disk *d = disk_of(io);
	int fi = -1;

	if (!d)
		return -EIO;
	if (strlen(path) >= DISK_PATH_MAX)
		return -ENAMETOOLONG;
	for (int i = 0; i < d->n_files; i++)
		if (!strcmp(d->files[i].path, path))
			fi = i;
	if (fi < 0) {
		if (!create)
			return -ENOENT;
		if (d->n_files == DISK_MAX_FILES)
			return -ENOSPC;
		fi = d->n_files++;
		memset(&d->files[fi], 0, sizeof(d->files[fi]));
		strcpy(d->files[fi].path, path);
		d->files[fi].pend_tail = &d->files[fi].pend;
	}
	for (int h = 0; h < DISK_MAX_HANDLES; h++) {
		if (d->handle_file[h] < 0) {
			d->handle_file[h] = fi;
			d->handle_closing[h] = false;
			d->handle_inflight[h] = 0;
			return h;
		}
	}
	return -EMFILE;
}

int64_t sim_disk_file_size(struct xm_io *io, int file)
{
	struct sim_file *f = file_of(disk_of(io), file);

	return f ? (int64_t)f->cur_len : -EBADF;
}

static void handle_release_if_done(struct sim_disk *d, int h)
{
	if (d->handle_closing[h] && !d->handle_inflight[h]) {
		d->handle_file[h] = -1;
		d->handle_closing[h] = false;
	}
}

void sim_disk_file_close(struct xm_io *io, int file)
{
	struct sim_disk *d = disk_of(io);

	if (!file_of(d, file))
		return;
	d->handle_closing[file] = true;
	handle_release_if_done(d, file);
}

static int do_write(struct sim_disk *d, struct sim_file *f, struct disk_op *op)
{
	struct pending *p;
	uint64_t end = op->off + op->len, grow = end > f->cur_len ? end - f->cur_len : 0;

	if (end > DISK_FILE_MAX)
		return -EFBIG;
	if (chance(d, d->cfg.enospc_permille) || disk_used(d) + grow > d->cfg.capacity) {
		d->stats.enospc++;
		return -ENOSPC;
	}
	p = malloc(sizeof(*p) + op->len);
	if (!p || image_reserve(&f->cur, &f->cur_cap, &f->cur_len, end)) {
		free(p);
		return -ENOMEM;
	}
	memcpy(f->cur + op->off, op->data, op->len);
	p->off = op->off;
	p->len = op->len;
	p->next = NULL;
	memcpy(p->data, op->data, op->len);
	*f->pend_tail = p;
	f->pend_tail = &p->next;
	d->stats.bytes_written += op->len;
	return (int)op->len;
}

static int do_read(struct sim_disk *d, struct sim_file *f, struct disk_op *op)
{
	size_t n;

	if (op->off >= f->cur_len)
		return 0;
	n = f->cur_len - op->off < op->len ? f->cur_len - op->off : op->len;
	memcpy(op->rbuf, f->cur + op->off, n);
	if (n && chance(d, d->cfg.corrupt_read_permille)) {
		size_t at = draw(d, n);

		((uint8_t *)op->rbuf)[at] ^= (uint8_t)(1u << draw(d, 8));
		d->stats.corrupt_reads++;
		trace(d, 0xc022, op->off + at);
	}
	return (int)n;
}

static int do_sync(struct sim_file *f)
{
	if (image_reserve(&f->dur, &f->dur_cap, &f->dur_len, f->cur_len))
		return -ENOMEM;
	if (f->cur_len)
		memcpy(f->dur, f->cur, f->cur_len);
	f->dur_len = f->cur_len;
	pending_free(f);
	return 0;
}

static void op_done(void *arg)
{
	struct disk_op *op = arg;
	struct sim_disk *d = op->d;
	struct sim_file *f = &d->files[d->handle_file[op->handle]];
	int res;

	if (op->prev)
		op->prev->next = op->next;
	else
		d->ops = op->next;
	if (op->next)
		op->next->prev = op->prev;
	switch (op->kind) {
	case OP_WRITE:
		res = do_write(d, f, op);
		break;
	case OP_READ:
		res = do_read(d, f, op);
		break;
	default:
		res = do_sync(f);
		break;
	}
	trace(d, op->kind, (uint64_t)(int64_t)res);
	d->handle_inflight[op->handle]--;
	handle_release_if_done(d, op->handle);
	if (op->fn)
		op->fn(op->arg, res);
	free(op);
}

static int submit(struct xm_io *io, int file, enum op_kind kind, uint64_t off, const void *wbuf,
		  void *rbuf, size_t len, xm_io_file_fn fn, void *arg)
{
	struct sim_disk *d = disk_of(io);
	struct disk_op *op;
	uint32_t lo, hi;

	if (!d)
		return -EIO;
	if (!file_of(d, file))
		return -EBADF;
	if (len > DISK_FILE_MAX || off > DISK_FILE_MAX)
		return -EFBIG;
	op = calloc(1, sizeof(*op) + (wbuf ? len : 0));
	if (!op)
		return -ENOMEM;
	op->d = d;
	op->kind = kind;
	op->handle = file;
	op->off = off;
	op->len = len;
	op->rbuf = rbuf;
	op->fn = fn;
	op->arg = arg;
	if (wbuf)
		memcpy(op->data, wbuf, len);
	op->next = d->ops;
	if (d->ops)
		d->ops->prev = op;
	d->ops = op;
	d->handle_inflight[file]++;
	lo = kind == OP_SYNC ? d->cfg.sync_min_ms : d->cfg.latency_min_ms;
	hi = kind == OP_SYNC ? d->cfg.sync_max_ms : d->cfg.latency_max_ms;
	io->ops->timer_set(io, &op->t, lo + draw(d, (uint64_t)(hi - lo) + 1), op_done, op);
	if (kind == OP_WRITE)
		d->stats.writes++;
	else if (kind == OP_READ)
		d->stats.reads++;
	else
		d->stats.syncs++;
	return 0;
}

int sim_disk_file_write(struct xm_io *io, int file, uint64_t off, const void *buf, size_t len,
			xm_io_file_fn fn, void *arg)
{
	return submit(io, file, OP_WRITE, off, buf, NULL, len, fn, arg);
}

int sim_disk_file_read(struct xm_io *io, int file, uint64_t off, void *buf, size_t len,
		       xm_io_file_fn fn, void *arg)
{
	return submit(io, file, OP_READ, off, NULL, buf, len, fn, arg);
}

int sim_disk_file_sync(struct xm_io *io, int file, xm_io_file_fn fn, void *arg)
{
	return submit(io, file, OP_SYNC, 0, NULL, NULL, 0, fn, arg);
}
