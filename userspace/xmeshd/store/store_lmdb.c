// SPDX-License-Identifier: GPL-2.0
/*
 * The store on LMDB (store.h).
 *
 * How it fits the one io_uring loop: LMDB's write transaction is
 * synchronous (mdb_txn_commit writes the dirty pages, fdatasyncs, writes
 * the meta page and fdatasyncs again), and LMDB has no asynchronous
 * interface. A commit therefore runs inline, on the loop, and its cost is
 * measured (xm_store_stats: commit_us_total, commit_us_max); its callback
 * is then posted through the io's timers (0 ms), so a caller sees the same
 * completion shape as from the log store and never runs inside commit().
 * Reads are served from LMDB's memory map in a reused read transaction.
 * This suits a ledger that commits one batch per block (a few per second);
 * the measured figures are in Documentation/xmeshd.md.
 */
#include "record.h"
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct done {
	struct xm_io_timer t;
	struct lmdb_store *l;
	xm_store_done_fn fn;
	void *arg;
	int err;
	struct done *prev, *next;
};

struct lmdb_store {
	struct xm_store s;
	struct xm_io *io;
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *rtxn; /* reset between reads, renewed for the next */
	struct done *pending;
	struct xm_store_stats st;
};

#define to_lmdb(p) ((struct lmdb_store *)(p))

static int mdb_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
		return -ENOSPC;
	case MDB_BAD_VALSIZE:
		return -EINVAL;
	default:
		return rc > 0 ? -rc : -EIO;
	}
}

static int read_begin(struct lmdb_store *l)
{
	if (l->rtxn)
		return mdb_errno(mdb_txn_renew(l->rtxn));
	return mdb_errno(mdb_txn_begin(l->env, NULL, MDB_RDONLY, &l->rtxn));
}

static int lmdb_get(struct xm_store *s, const void *key, size_t klen, void *val, size_t cap,
		    size_t *vlen)
{
	struct lmdb_store *l = to_lmdb(s);
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key }, v;
	int err;

	if (!klen || klen > XM_STORE_KEY_MAX)
		return -EINVAL;
	err = read_begin(l);
	if (err)
		return err;
	err = mdb_errno(mdb_get(l->rtxn, l->dbi, &k, &v));
	if (!err) {
		memcpy(val, v.mv_data, v.mv_size < cap ? v.mv_size : cap);
		*vlen = v.mv_size;
	}
	mdb_txn_reset(l->rtxn);
	return err;
}

static int lmdb_iterate(struct xm_store *s, const void *from, size_t flen, xm_store_iter_fn fn,
			void *arg)
{
	struct lmdb_store *l = to_lmdb(s);
	MDB_val k = { .mv_size = flen, .mv_data = (void *)from }, v;
	MDB_cursor *cur;
	int rc, r = 0;

	if (flen > XM_STORE_KEY_MAX)
		return -EINVAL;
	rc = read_begin(l);
	if (rc)
		return rc;
	rc = mdb_cursor_open(l->rtxn, l->dbi, &cur);
	if (rc) {
		mdb_txn_reset(l->rtxn);
		return mdb_errno(rc);
	}
	rc = mdb_cursor_get(cur, &k, &v, flen ? MDB_SET_RANGE : MDB_FIRST);
	while (!rc && !r) {
		r = fn(arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
		if (!r)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	mdb_txn_reset(l->rtxn);
	if (r)
		return r;
	return rc == MDB_NOTFOUND ? 0 : mdb_errno(rc);
}

struct apply_ctx {
	MDB_txn *txn;
	MDB_dbi dbi;
};

static int apply_op(void *arg, int kind, const uint8_t *key, size_t klen, const uint8_t *val,
		    size_t vlen)
{
	struct apply_ctx *c = arg;
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };
	MDB_val v = { .mv_size = vlen, .mv_data = (void *)val };
	int rc;

	if (kind == XM_STORE_PUT)
		return mdb_errno(mdb_put(c->txn, c->dbi, &k, &v, 0));
	rc = mdb_del(c->txn, c->dbi, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : mdb_errno(rc);
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void done_fire(void *arg)
{
	struct done *d = arg;
	struct lmdb_store *l = d->l;

	if (d->prev)
		d->prev->next = d->next;
	else
		l->pending = d->next;
	if (d->next)
		d->next->prev = d->prev;
	if (d->fn)
		d->fn(d->arg, d->err);
	free(d);
}

static int lmdb_commit(struct xm_store *s, const struct xm_store_batch *b, xm_store_done_fn fn,
		       void *arg)
{
	static const uint8_t empty[4];
	struct lmdb_store *l = to_lmdb(s);
	const uint8_t *p = b->len ? b->buf : empty;
	size_t len = b->len ? b->len : sizeof(empty);
	struct apply_ctx c = { .dbi = l->dbi };
	uint64_t t0 = mono_us(), dt;
	struct done *d;
	int err;

	if (xm_batch_walk(p, len, NULL, NULL))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	err = mdb_errno(mdb_txn_begin(l->env, NULL, 0, &c.txn));
	if (!err) {
		err = xm_batch_walk(p, len, apply_op, &c);
		/* All or nothing: a failed op aborts the whole transaction. */
		if (err)
			mdb_txn_abort(c.txn);
		else
			err = mdb_errno(mdb_txn_commit(c.txn));
	}
	dt = mono_us() - t0;
	l->st.commit_us_total += dt;
	if (dt > l->st.commit_us_max)
		l->st.commit_us_max = dt;
	if (err) {
		l->st.commit_errors++;
	} else {
		l->st.commits++;
		l->st.batches++;
		l->st.bytes += len;
	}
	d->l = l;
	d->fn = fn;
	d->arg = arg;
	d->err = err;
	d->next = l->pending;
	if (l->pending)
		l->pending->prev = d;
	l->pending = d;
	l->io->ops->timer_set(l->io, &d->t, 0, done_fire, d);
	return 0;
}

static void lmdb_stats(struct xm_store *s, struct xm_store_stats *st)
{
	*st = to_lmdb(s)->st;
}

static void lmdb_close(struct xm_store *s)
{
	struct lmdb_store *l = to_lmdb(s);

	/* Commits are already durable; only their callbacks are dropped. */
	while (l->pending) {
		struct done *d = l->pending;

		l->pending = d->next;
		l->io->ops->timer_cancel(l->io, &d->t);
		free(d);
	}
	if (l->rtxn)
		mdb_txn_abort(l->rtxn);
	mdb_env_close(l->env);
	free(l);
}

static const struct xm_store_ops lmdb_ops = {
	.get = lmdb_get,
	.iterate = lmdb_iterate,
	.commit = lmdb_commit,
	.get_stats = lmdb_stats,
	.close = lmdb_close,
	.drop = lmdb_close,
};

int xm_store_lmdb_open(struct xm_io *io, const char *dir, size_t map_bytes, struct xm_store **out)
{
	struct lmdb_store *l = calloc(1, sizeof(*l));
	MDB_txn *txn;
	int err;

	if (!l)
		return -ENOMEM;
	l->s.ops = &lmdb_ops;
	l->io = io;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		free(l);
		return err;
	}
	err = mdb_errno(mdb_env_create(&l->env));
	if (err) {
		free(l);
		return err;
	}
	err = mdb_errno(mdb_env_set_mapsize(l->env, map_bytes));
	/* MDB_NOTLS: read transactions belong to this object, not to a thread. */
	if (!err)
		err = mdb_errno(mdb_env_open(l->env, dir, MDB_NOTLS, 0600));
	/*
	 * A process killed inside a read transaction leaves its slot in the
	 * reader table, and its snapshot keeps old pages from reuse: clear the
	 * slots of dead processes at every open.
	 */
	if (!err)
		err = mdb_errno(mdb_reader_check(l->env, NULL));
	if (!err)
		err = mdb_errno(mdb_txn_begin(l->env, NULL, 0, &txn));
	if (!err) {
		err = mdb_errno(mdb_dbi_open(txn, NULL, 0, &l->dbi));
		if (err)
			mdb_txn_abort(txn);
		else
			err = mdb_errno(mdb_txn_commit(txn));
	}
	if (err) {
		mdb_env_close(l->env);
		free(l);
		return err;
	}
	*out = &l->s;
	return 0;
}
