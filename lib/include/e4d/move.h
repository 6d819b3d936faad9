/* SPDX-License-Identifier: GPL-2.0 */
/*
 * move.h - the swap itself: EXT4_IOC_MOVE_EXT over one window of a file,
 * a donor extent (at most 32768 blocks) per call, with the page-cache
 * handling that makes the stock per-page ioctl fast: single-page folios
 * read ahead under POSIX_FADV_RANDOM (by a helper thread, one chunk ahead
 * of the ioctl), and after each chunk only the pages this pulled in
 * written back and dropped.
 */
#ifndef E4D_MOVE_H
#define E4D_MOVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "e4d/extent.h"
#include "e4d/tree.h"

struct e4d_ctx;
struct e4d_sys_ops;

#define E4D_MOVE_CHUNK		32768u	/* blocks per ioctl at most */
#define E4D_READ_SIZE		(1u << 20)	/* pre-read size */
#define E4D_READERS		8	/* reads in flight by default */
#define E4D_READERS_MAX		32

/* e4d_move_window() results besides 0 and -errno */
#define E4D_MOVE_EOD		1	/* no data left (truncated) */
#define E4D_MOVE_STOPPED	2	/* *stop was set */

/*
 * A drop left for later: a window's last batch, whose writeback overlaps
 * what comes next (e4d_move_window()). Zeroed: none.
 */
struct e4d_move_pend {
	const struct e4d_sys_ops *ops;	/* NULL: none */
	int fd;			/* a duplicate of the file's */
	off_t off, len;
};

struct e4d_move_opts {
	unsigned int blocksize;
	uint64_t chunk;			/* blocks per call; 0 = default */
	/* blocks read ahead (and moved) at a time; 0 = E4D_MOVE_CHUNK.
	 * Under a rate limit a call's worth, so that what is read ahead
	 * is never much more than what the rate lets move
	 */
	uint64_t batch;
	unsigned int busy_retries;	/* EBUSY/EAGAIN retries per call */
	unsigned int busy_nap_us;	/* first back-off, doubled each time */
	unsigned int readers;		/* parallel pre-reads; 0 = default */
	bool no_cache_tricks;		/* plain ioctl: no pre-read, no drop */
	/* blocks [0, ours_below) were read by e4d_read_ahead() with none
	 * of them cached before: their pages are not the application's
	 */
	uint64_t ours_below;
	/* where a window's last drop waits for the next window (of any
	 * file) or e4d_move_pend_flush(); NULL: every drop is done at once
	 */
	struct e4d_move_pend *pend;
	/* blocks moved alone, one call each, before the rest of their
	 * leaf: one per full leaf of the file's extent tree, in logical
	 * order (e4d_tree_first_moves(); may be NULL). Each is moved just
	 * before the batch where its leaf begins, once that batch is read
	 * ahead; the rest is then moved around them
	 */
	const struct e4d_first_move *first;
	size_t nfirst;
	const volatile sig_atomic_t *stop;	/* checked between calls */
	/* called after each call with the blocks it moved */
	void (*progress)(void *arg, uint64_t blocks);
	void *progress_arg;
};

struct e4d_move_stats {
	uint64_t moved;		/* blocks the kernel reported moved */
	uint64_t calls;		/* ioctls */
	uint64_t retries;	/* EBUSY/EAGAIN retries */
	uint64_t prefetched;	/* bytes pre-read */
	uint64_t dropped;	/* bytes of cache dropped afterwards */
	uint64_t ns_read;	/* time spent reading ahead */
	uint64_t ns_move;	/* time spent in the ioctl */
	uint64_t ns_sync;	/* time spent in fsync before and after */
};

/**
 * e4d_move_window() - move the file's blocks in [@start, @end) into the
 * donor's, which sit at the same logical offsets
 * @ctx: library context (ops: move_ext, pread, fadvise, fsync, mincore,
 *       fstat, nap)
 * @fd: the file, open read-write
 * @dfd: the donor, open read-write, fallocated over the file's data
 * @orig: the file's extents (only its written ranges are pre-read)
 * @donor: the donor's extents; only ranges the donor maps are moved
 * @start: first block of the window (page-aligned)
 * @end: block after the window
 * @o: options
 * @st: statistics, added to
 *
 * Return: 0 when the window was moved, E4D_MOVE_EOD when the file ended
 * before it (truncated meanwhile), E4D_MOVE_STOPPED when *o->stop was
 * set, or a negative errno (-ENOSPC, ...); blocks moved before an error
 * stay moved and are counted in @st. A chunk still busy after the retries
 * (each after an fsync and a growing nap) is left as it is and the next
 * one tried; -EBUSY is then returned at the end. With the cache tricks,
 * a window that returns 0, -EBUSY or -EAGAIN has dropped the pages of
 * the file's data it read and those below @o->ours_below (the last
 * batch's drop may be left in @o->pend).
 */
int e4d_move_window(const struct e4d_ctx *ctx, int fd, int dfd,
		    const struct e4d_extents *orig,
		    const struct e4d_extents *donor, uint64_t start,
		    uint64_t end, const struct e4d_move_opts *o,
		    struct e4d_move_stats *st);

/**
 * e4d_runs_in() - physically contiguous runs of a mapping within
 * [@start, @end), counted as filefrag counts extents
 * @el: extents sorted by logical block
 * @start: first logical block
 * @end: block after the range
 * @blocks: out (may be NULL), blocks mapped in the range
 *
 * Return: the number of runs.
 */
/**
 * e4d_read_ahead() - read the written data of blocks [0, @end) of a file
 * into the page cache, when none of it is cached yet
 * @ctx: library context (ops->mincore, ops->pread)
 * @fd: the file, open for reading
 * @orig: its extents
 * @bs: block size
 * @readers: parallel reads; 0 = E4D_READERS
 * @end: end of the range, in blocks
 * @bytes: set to the bytes read
 *
 * For the next file of a run, while the current one moves: its moves then
 * find the data in memory. What was cached before belongs to applications
 * and is never counted as ours, so a file with any page of the range
 * cached is left alone.
 *
 * Return: @end when the range was read, 0 when it was left alone.
 */
uint64_t e4d_read_ahead(const struct e4d_ctx *ctx, int fd,
			const struct e4d_extents *orig, unsigned int bs,
			unsigned int readers, uint64_t end, uint64_t *bytes);

uint64_t e4d_runs_in(const struct e4d_extents *el, uint64_t start,
		     uint64_t end, uint64_t *blocks);

/**
 * e4d_move_pend_flush() - wait for the writeback of the drop left for
 * later, if any, and drop its pages
 * @p: the drop left (may be NULL); none is left after
 */
void e4d_move_pend_flush(struct e4d_move_pend *p);

#endif
