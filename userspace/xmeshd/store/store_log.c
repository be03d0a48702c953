// SPDX-License-Identifier: GPL-2.0
/*
 * The log store (store.h): every batch is one checksummed record
 * (record.h) appended to one file through the io seam; the live keys are
 * held in memory in a sorted array, rebuilt from the log at open.
 *
 * Commit: batches queue; when no write is in flight, every queued batch
 * (up to LOG_GROUP_MAX bytes) is framed, written at the log's tail in one
 * write, then synced; only when the sync completes are the batches applied
 * to the index and their callbacks told 0. A failed write (-ENOSPC) fails
 * the batches of that write and leaves the tail where it was: the next
 * write goes to the same place.
 *
 * Recovery: read the whole log, then take records while each is valid and
 * numbered one after the last (sequence + 1, generation not lower). At
 * the first record that fails, the bytes from there on are read again: if
 * two reads agree byte for byte, the disk holds them and they are a torn or
 * stale tail, never committed (a commit returns only after its record was
 * synced, and every record before it with it); if they differ, a read was
 * corrupted, and parsing goes on over the fresh copy. After LOG_READS_MAX
 * reads that never agree, opening fails with -EIO rather than guess. Then
 * an empty marker record of the next generation is written at the end of
 * the valid prefix and synced before the store is ready: whatever follows
 * it on disk is older and can never again be mistaken for a successor.
 *
 * The log is never compacted yet: it grows with every batch, up to
 * XM_STORE_LOG_MAX, after which commits fail with -EFBIG.
 */
#include "record.h"
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LOG_GROUP_MAX (4u << 20)
#define LOG_READS_MAX 32

struct entry {
	uint8_t *key; /* key then value, one allocation */
	uint32_t klen, vlen;
};

struct commit {
	xm_store_done_fn fn;
	void *arg;
	struct commit *next;
	size_t len;
	uint8_t payload[];
};

enum log_state { LOG_RECOVER, LOG_MARK, LOG_READY, LOG_FAILED };

struct log_store {
	struct xm_store s;
	struct xm_io *io;
	int file;
	enum log_state state;
	struct entry *ents;
	size_t n_ents, cap_ents;
	uint64_t gen, seq, tail;
	struct xm_store_stats st;
	xm_store_done_fn ready;
	void *ready_arg;
	/* Recovery: the log as read, a second read of a suspect tail. */
	uint8_t *rbuf, *rbuf2;
	size_t rsize, rpos, suspect;
	unsigned int reads;
	/* Commits: queued, and the group being written and synced. */
	struct commit *queue, **qtail, *group;
	uint8_t *wbuf;
	size_t wlen;
	uint64_t wseq;
	bool busy, closing;
	bool opening; /* inside xm_store_log_open: a failure is returned, not reported */
	int open_err;
};

#define to_log(p) ((struct log_store *)(p))

/* --- the index ------------------------------------------------------------ */

static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

/* The first entry whose key is >= key. */
static size_t lower_bound(const struct log_store *l, const uint8_t *key, size_t klen)
{
	size_t lo = 0, hi = l->n_ents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(l->ents[mid].key, l->ents[mid].klen, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int index_apply(void *arg, int kind, const uint8_t *key, size_t klen, const uint8_t *val,
		       size_t vlen)
{
	struct log_store *l = arg;
	size_t i = lower_bound(l, key, klen);
	bool found = i < l->n_ents && !key_cmp(l->ents[i].key, l->ents[i].klen, key, klen);
	uint8_t *kv;

	if (kind == XM_STORE_DEL) {
		if (found) {
			free(l->ents[i].key);
			memmove(&l->ents[i], &l->ents[i + 1], (l->n_ents - i - 1) * sizeof(l->ents[0]));
			l->n_ents--;
		}
		return 0;
	}
	kv = malloc(klen + vlen);
	if (!kv)
		return -ENOMEM;
	memcpy(kv, key, klen);
	if (vlen)
		memcpy(kv + klen, val, vlen);
	if (found) {
		free(l->ents[i].key);
	} else {
		if (l->n_ents == l->cap_ents) {
			size_t cap = l->cap_ents ? 2 * l->cap_ents : 64;
			struct entry *e = realloc(l->ents, cap * sizeof(*e));

			if (!e) {
				free(kv);
				return -ENOMEM;
			}
			l->ents = e;
			l->cap_ents = cap;
		}
		memmove(&l->ents[i + 1], &l->ents[i], (l->n_ents - i) * sizeof(l->ents[0]));
		l->n_ents++;
	}
	l->ents[i] = (struct entry){ .key = kv, .klen = (uint32_t)klen, .vlen = (uint32_t)vlen };
	return 0;
}

static int log_get(struct xm_store *s, const void *key, size_t klen, void *val, size_t cap,
		   size_t *vlen)
{
	struct log_store *l = to_log(s);
	size_t i = lower_bound(l, key, klen);
	const struct entry *e;

	if (l->state != LOG_READY)
		return -EAGAIN;
	if (i == l->n_ents || key_cmp(l->ents[i].key, l->ents[i].klen, key, klen))
		return -ENOENT;
	e = &l->ents[i];
	memcpy(val, e->key + e->klen, e->vlen < cap ? e->vlen : cap);
	*vlen = e->vlen;
	return 0;
}

static int log_iterate(struct xm_store *s, const void *from, size_t flen, xm_store_iter_fn fn,
		       void *arg)
{
	struct log_store *l = to_log(s);

	if (l->state != LOG_READY)
		return -EAGAIN;
	for (size_t i = flen ? lower_bound(l, from, flen) : 0; i < l->n_ents; i++) {
		const struct entry *e = &l->ents[i];
		int r = fn(arg, e->key, e->klen, e->key + e->klen, e->vlen);

		if (r)
			return r;
	}
	return 0;
}

/* --- freeing ---------------------------------------------------------------- */

static void commits_free(struct commit *c)
{
	while (c) {
		struct commit *n = c->next;

		free(c);
		c = n;
	}
}

static void log_free(struct log_store *l)
{
	for (size_t i = 0; i < l->n_ents; i++)
		free(l->ents[i].key);
	free(l->ents);
	free(l->rbuf);
	free(l->rbuf2);
	free(l->wbuf);
	commits_free(l->queue);
	commits_free(l->group);
	free(l);
}

/* After an IO completion: a close asked for meanwhile takes effect. */
static bool closed_after_io(struct log_store *l)
{
	l->busy = false;
	if (!l->closing)
		return false;
	if (l->file >= 0)
		l->io->ops->file_close(l->io, l->file);
	log_free(l);
	return true;
}

static void log_close(struct xm_store *s)
{
	struct log_store *l = to_log(s);

	l->closing = true;
	if (!l->busy) {
		l->busy = true;
		closed_after_io(l);
	}
}

static void log_drop(struct xm_store *s)
{
	log_free(to_log(s));
}

static void log_stats(struct xm_store *s, struct xm_store_stats *st)
{
	*st = to_log(s)->st;
}

/* --- commits ------------------------------------------------------------------ */

static void group_done(struct log_store *l, int err);

static void on_sync(void *arg, int res)
{
	struct log_store *l = arg;

	if (closed_after_io(l))
		return;
	group_done(l, res);
}

static void on_write(void *arg, int res)
{
	struct log_store *l = arg;
	int err;

	if (closed_after_io(l))
		return;
	if (res != (int)l->wlen) {
		group_done(l, res < 0 ? res : -EIO);
		return;
	}
	err = l->io->ops->file_sync(l->io, l->file, on_sync, l);
	if (err) {
		group_done(l, err);
		return;
	}
	l->busy = true;
}

static void kick(struct log_store *l);

/* The group's write and sync are over: apply it and tell its callers. */
static void group_done(struct log_store *l, int err)
{
	struct commit *g = l->group;

	l->group = NULL;
	/* Callers' callbacks run with the store busy: a close from one waits for them. */
	l->busy = true;
	if (l->state == LOG_MARK) {
		free(l->wbuf);
		l->wbuf = NULL;
		if (err) {
			l->state = LOG_FAILED;
		} else {
			l->state = LOG_READY;
			l->tail += l->wlen;
			l->seq = l->wseq;
		}
		l->ready(l->ready_arg, err);
	} else if (!err) {
		l->tail += l->wlen;
		l->seq = l->wseq;
		for (struct commit *c = g; c; c = c->next) {
			/* Validated when queued; only memory can fail here. */
			if (xm_batch_walk(c->payload, c->len, index_apply, l))
				l->state = LOG_FAILED;
			l->st.batches++;
			l->st.bytes += c->len;
		}
		l->st.commits++;
	} else {
		l->st.commit_errors++;
	}
	while (g) {
		struct commit *n = g->next;

		if (g->fn)
			g->fn(g->arg, err);
		free(g);
		g = n;
	}
	if (closed_after_io(l))
		return;
	kick(l);
}

/* Write every queued batch (up to LOG_GROUP_MAX bytes) in one record run. */
static void kick(struct log_store *l)
{
	struct commit **pp = &l->queue;
	size_t len = 0, off = 0;
	uint64_t seq = l->seq;
	int err;

	if (l->busy || !l->queue || l->state != LOG_READY)
		return;
	while (*pp && (!len || len + xm_rec_size((*pp)->len) <= LOG_GROUP_MAX)) {
		len += xm_rec_size((*pp)->len);
		pp = &(*pp)->next;
	}
	l->group = l->queue;
	l->queue = *pp;
	*pp = NULL;
	if (!l->queue)
		l->qtail = &l->queue;
	free(l->wbuf);
	l->wbuf = malloc(len);
	err = l->wbuf ? 0 : -ENOMEM;
	if (!err && l->tail + len > XM_STORE_LOG_MAX)
		err = -EFBIG;
	for (struct commit *c = l->group; !err && c; c = c->next) {
		xm_rec_encode(l->wbuf + off, l->gen, ++seq, c->payload, (uint32_t)c->len);
		off += xm_rec_size(c->len);
	}
	l->wlen = len;
	l->wseq = seq;
	if (!err)
		err = l->io->ops->file_write(l->io, l->file, l->tail, l->wbuf, len, on_write, l);
	if (err) {
		group_done(l, err);
		return;
	}
	l->busy = true;
}

static int log_commit(struct xm_store *s, const struct xm_store_batch *b, xm_store_done_fn fn,
		      void *arg)
{
	static const uint8_t empty[4];
	struct log_store *l = to_log(s);
	const uint8_t *p = b->len ? b->buf : empty;
	size_t len = b->len ? b->len : sizeof(empty);
	struct commit *c;

	if (l->state != LOG_READY)
		return l->state == LOG_FAILED ? -EIO : -EAGAIN;
	if (xm_batch_walk(p, len, NULL, NULL))
		return -EINVAL;
	c = malloc(sizeof(*c) + len);
	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->arg = arg;
	c->next = NULL;
	c->len = len;
	memcpy(c->payload, p, len);
	*l->qtail = c;
	l->qtail = &c->next;
	kick(l);
	return 0;
}

/* --- recovery ------------------------------------------------------------------ */

static void recover_fail(struct log_store *l, int err)
{
	l->state = LOG_FAILED;
	if (l->opening) {
		l->open_err = err;
		return;
	}
	l->busy = true;
	l->ready(l->ready_arg, err);
	closed_after_io(l);
}

/* The valid prefix ends at rpos: mark a new generation there. */
static void write_marker(struct log_store *l)
{
	static const uint8_t empty[4];
	int err;

	free(l->rbuf);
	free(l->rbuf2);
	l->rbuf = l->rbuf2 = NULL;
	l->st.torn_tail_bytes += l->rsize - l->rpos;
	l->tail = l->rpos;
	l->gen++;
	l->state = LOG_MARK;
	l->wlen = xm_rec_size(sizeof(empty));
	l->wseq = l->seq + 1;
	l->wbuf = malloc(l->wlen);
	if (!l->wbuf) {
		recover_fail(l, -ENOMEM);
		return;
	}
	xm_rec_encode(l->wbuf, l->gen, l->wseq, empty, sizeof(empty));
	err = l->io->ops->file_write(l->io, l->file, l->tail, l->wbuf, l->wlen, on_write, l);
	if (err) {
		recover_fail(l, err);
		return;
	}
	l->busy = true;
}

static void read_more(struct log_store *l);

/* Take valid records from rpos on; at the first bad one, read its bytes again. */
static void parse(struct log_store *l)
{
	while (l->rpos < l->rsize) {
		struct xm_rec r;
		long n = xm_rec_parse(l->rbuf + l->rpos, l->rsize - l->rpos, &r);

		if (n < 0 || r.seq != l->seq + 1 || r.gen < l->gen)
			break;
		if (xm_batch_walk(r.payload, r.len, index_apply, l)) {
			recover_fail(l, -ENOMEM);
			return;
		}
		l->rpos += (size_t)n;
		l->seq = r.seq;
		l->gen = r.gen;
		l->st.recovered_batches++;
		l->reads = 0;
	}
	if (l->rpos == l->rsize) {
		write_marker(l);
		return;
	}
	/* A suspect: a torn tail on the disk, or a corrupted read of good bytes. */
	l->suspect = l->rpos;
	if (++l->reads > LOG_READS_MAX) {
		recover_fail(l, -EIO);
		return;
	}
	l->st.read_retries++;
	read_more(l);
}

static void on_read(void *arg, int res);

/* Read the suspect tail again into rbuf2 (or the whole log into rbuf at first). */
static void read_more(struct log_store *l)
{
	uint8_t *dst = l->suspect == SIZE_MAX ? l->rbuf : l->rbuf2;
	size_t from = l->suspect == SIZE_MAX ? l->rpos : l->suspect;
	int err = l->io->ops->file_read(l->io, l->file, from, dst + from, l->rsize - from, on_read,
					l);

	if (err) {
		recover_fail(l, err);
		return;
	}
	l->busy = true;
}

static void on_read(void *arg, int res)
{
	struct log_store *l = arg;
	size_t from;

	if (closed_after_io(l))
		return;
	if (res < 0) {
		recover_fail(l, res);
		return;
	}
	if (l->suspect == SIZE_MAX) {
		/* The first read of the whole log, in as many reads as it takes. */
		l->rpos += (size_t)res;
		if (res > 0 && l->rpos < l->rsize) {
			read_more(l);
			return;
		}
		l->rsize = l->rpos;
		l->rpos = 0;
		parse(l);
		return;
	}
	from = l->suspect;
	if ((size_t)res != l->rsize - from) {
		recover_fail(l, -EIO);
		return;
	}
	if (!memcmp(l->rbuf + from, l->rbuf2 + from, l->rsize - from)) {
		/* Two reads agree: these are the disk's bytes, not a read fault. */
		write_marker(l);
		return;
	}
	memcpy(l->rbuf + from, l->rbuf2 + from, l->rsize - from);
	parse(l);
}

static const struct xm_store_ops log_ops = {
	.get = log_get,
	.iterate = log_iterate,
	.commit = log_commit,
	.get_stats = log_stats,
	.close = log_close,
	.drop = log_drop,
};

int xm_store_log_open(struct xm_io *io, const char *path, xm_store_done_fn ready, void *arg,
		      struct xm_store **out)
{
	struct log_store *l;
	int64_t size;

	if (!io->ops->file_open)
		return -EOPNOTSUPP;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->s.ops = &log_ops;
	l->io = io;
	l->qtail = &l->queue;
	l->ready = ready;
	l->ready_arg = arg;
	l->suspect = SIZE_MAX;
	l->file = io->ops->file_open(io, path, true);
	if (l->file < 0) {
		int err = l->file;

		free(l);
		return err;
	}
	size = io->ops->file_size(io, l->file);
	if (size < 0 || size > (int64_t)XM_STORE_LOG_MAX) {
		io->ops->file_close(io, l->file);
		free(l);
		return size < 0 ? (int)size : -EFBIG;
	}
	l->rsize = (size_t)size;
	l->rbuf = malloc(l->rsize + 1);
	l->rbuf2 = malloc(l->rsize + 1);
	if (!l->rbuf || !l->rbuf2) {
		io->ops->file_close(io, l->file);
		log_free(l);
		return -ENOMEM;
	}
	l->opening = true;
	if (!l->rsize)
		parse(l);
	else
		read_more(l);
	l->opening = false;
	if (l->open_err) {
		int err = l->open_err;

		io->ops->file_close(io, l->file);
		log_free(l);
		return err;
	}
	*out = &l->s;
	return 0;
}
