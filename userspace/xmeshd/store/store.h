/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Durable key-value storage for the daemon (and the ledger to come).
 *
 * Keys and values are byte strings; keys are ordered by memcmp, a prefix
 * before its extensions (LMDB's default order). Changes are made only in
 * batches: a batch is a list of puts and deletes applied in order, and a
 * commit applies all of a batch or none of it.
 *
 * What a caller may rely on:
 *   - durability: when a commit's callback reports 0, the whole batch is on
 *     stable storage and survives a crash of the process or the host;
 *   - atomicity: after any crash, each batch is either wholly present or
 *     wholly absent, never in part;
 *   - order: batches take effect in the order commit() was called; a batch
 *     present after a crash implies every batch committed before it is;
 *   - a commit that reports an error (-ENOSPC when the disk or the map is
 *     full, -EIO) changed nothing, and the store goes on working;
 *   - a commit whose callback never ran (a crash came first) may be present
 *     or absent after the restart, but whole;
 *   - reads (get, iterate) are synchronous and see every batch whose
 *     callback has run; a batch still in flight may or may not be visible;
 *   - a read never returns bytes that were not committed: the log store
 *     keeps a checksum on every record and re-reads until two reads agree.
 *
 * Two implementations:
 *   store_lmdb.c  LMDB (the daemon's): a commit is one write transaction,
 *                 run inline (LMDB fsyncs inside mdb_txn_commit); its
 *                 callback is posted through the io's timers so it runs on
 *                 the loop like every other completion;
 *   store_log.c   a checksummed append-only log of batches with an index in
 *                 memory, over the io seam's file operations: on io_uring a
 *                 real file, in the simulator the faulty disk of sim/disk.h.
 */
#ifndef XMESHD_STORE_H
#define XMESHD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io.h"

#define XM_STORE_KEY_MAX 511	     /* LMDB's default key size limit */
#define XM_STORE_VAL_MAX (1u << 20)
#define XM_STORE_BATCH_MAX (8u << 20) /* encoded bytes of one batch */

enum xm_store_op { XM_STORE_PUT = 1, XM_STORE_DEL = 2 };

/*
 * A batch under construction: its encoding (store_record.h) grows as ops
 * are added. Zero-initialise, add, commit (which copies it), then release.
 */
struct xm_store_batch {
	uint8_t *buf;
	size_t len, cap;
	uint32_t n_ops;
};

int xm_store_batch_put(struct xm_store_batch *b, const void *key, size_t klen, const void *val,
		       size_t vlen);
int xm_store_batch_del(struct xm_store_batch *b, const void *key, size_t klen);
void xm_store_batch_release(struct xm_store_batch *b);

typedef void (*xm_store_done_fn)(void *arg, int err);
/* Return non-zero to stop. */
typedef int (*xm_store_iter_fn)(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
				size_t vlen);

struct xm_store_stats {
	uint64_t commits, commit_errors, batches, bytes;
	uint64_t commit_us_total, commit_us_max; /* time the loop spent inside commits */
	uint64_t recovered_batches, read_retries, torn_tail_bytes;
};

struct xm_store;

struct xm_store_ops {
	/* 0 and the value (up to cap bytes; *vlen is its full length), or -ENOENT. */
	int (*get)(struct xm_store *s, const void *key, size_t klen, void *val, size_t cap,
		   size_t *vlen);
	/* Every key >= from (flen 0: all), in order. Returns fn's non-zero or 0. */
	int (*iterate)(struct xm_store *s, const void *from, size_t flen, xm_store_iter_fn fn,
		       void *arg);
	/* Copies b; fn(arg, 0) once b is durable, fn(arg, -errno) if nothing of it was applied. */
	int (*commit)(struct xm_store *s, const struct xm_store_batch *b, xm_store_done_fn fn,
		      void *arg);
	void (*get_stats)(struct xm_store *s, struct xm_store_stats *st);
	/* Frees the store once its IO in flight is done; callbacks not yet run never run. */
	void (*close)(struct xm_store *s);
	/*
	 * A simulated crash (xm_sim_host_crash): free the memory now, touch no
	 * IO. Only after the host crashed, whose pending IO never completes.
	 */
	void (*drop)(struct xm_store *s);
};

struct xm_store {
	const struct xm_store_ops *ops;
};

/*
 * LMDB in directory dir (created if absent), with a map of map_bytes
 * (the most the database can hold). Synchronous; 0 or -errno.
 */
int xm_store_lmdb_open(struct xm_io *io, const char *dir, size_t map_bytes, struct xm_store **out);

/*
 * The log store in file path of io. Recovery reads the log through io:
 * ready(arg, 0) when the store may be used, or ready(arg, -errno) (then
 * close it); ready never runs before this returns 0, and not at all when
 * it returns -errno. *out is set on 0 (for close or drop before ready).
 * Callbacks may commit, and may close the store.
 */
#define XM_STORE_LOG_MAX (64u << 20)
int xm_store_log_open(struct xm_io *io, const char *path, xm_store_done_fn ready, void *arg,
		      struct xm_store **out);

#endif
