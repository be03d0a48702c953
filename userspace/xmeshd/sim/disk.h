/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator's disk: one per simulated host (io_sim.c), behind the file
 * operations of struct xm_io. Files are named by path in the host's own
 * namespace. Each file has two images: what reads see (every completed
 * write) and what survives a crash (what the last completed sync covered).
 * Every operation completes after a latency drawn from the disk's own
 * seeded stream, through the host's timers, so a crash drops it.
 *
 * Faults, each drawn from that stream (a seed replays them exactly):
 *   - a crash resolves every write not yet synced: lost, kept, or torn at
 *     sector boundaries (some of its sectors reach the disk, the others
 *     keep what was there before);
 *   - a read returns one byte flipped (the medium keeps the right data:
 *     a read of the same bytes again may come back right);
 *   - a write fails with -ENOSPC and writes nothing, at random or when the
 *     files would outgrow the capacity.
 * Syncs never fail. What the store layer must do about all of this is in
 * store/store.h.
 */
#ifndef XMESHD_SIM_DISK_H
#define XMESHD_SIM_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "../io.h"

struct xm_sim_disk_config {
	uint64_t capacity;	   /* bytes over all files; 0: 1 GiB */
	uint32_t sector;	   /* tearing granularity; 0: 512 */
	uint32_t latency_min_ms; /* reads and writes */
	uint32_t latency_max_ms;
	uint32_t sync_min_ms;
	uint32_t sync_max_ms;
	/* Per unsynced write at a crash (the rest are kept whole). */
	uint32_t lost_permille;
	uint32_t torn_permille;
	uint32_t corrupt_read_permille; /* per read */
	uint32_t enospc_permille;	/* per write */
};

struct xm_sim_disk_stats {
	uint64_t writes, reads, syncs, bytes_written;
	uint64_t crashes, unsynced_lost, unsynced_kept, torn, corrupt_reads, enospc;
};

/* Defaults: no faults, 0-1 ms per read or write, 1-3 ms per sync. */
void xm_sim_disk_configure(struct xm_io *io, const struct xm_sim_disk_config *cfg);
void xm_sim_disk_get_stats(struct xm_io *io, struct xm_sim_disk_stats *st);

/* For io_sim.c. */
struct sim_disk *sim_disk_new(struct xm_io *io, uint64_t seed);
void sim_disk_free(struct sim_disk *d);
void sim_disk_crash(struct sim_disk *d);
int sim_disk_file_open(struct xm_io *io, const char *path, bool create);
int64_t sim_disk_file_size(struct xm_io *io, int file);
int sim_disk_file_write(struct xm_io *io, int file, uint64_t off, const void *buf, size_t len,
			xm_io_file_fn fn, void *arg);
int sim_disk_file_read(struct xm_io *io, int file, uint64_t off, void *buf, size_t len,
		       xm_io_file_fn fn, void *arg);
int sim_disk_file_sync(struct xm_io *io, int file, xm_io_file_fn fn, void *arg);
void sim_disk_file_close(struct xm_io *io, int file);

#endif
