/* SPDX-License-Identifier: GPL-2.0 */
/*
 * defrag.h - defragment one planned file: reopen and check it, then per
 * window an O_TMPFILE donor fallocated over the file's data, moved into
 * only when its layout is clearly better, then measure the result.
 */
#ifndef E4D_DEFRAG_H
#define E4D_DEFRAG_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "e4d/move.h"
#include "e4d/plan.h"

struct e4d_ahead;
struct e4d_budget;
struct e4d_ctx;
struct e4d_fs;
struct e4d_sys_ops;

#define E4D_WINDOW_DEFAULT	(1ull << 30)	/* bytes per donor */

/*
 * What a run of e4d_defrag_file() calls carries from file to file: zeroed
 * at the start of the run, e4d_defrag_run_end() at its end.
 */
struct e4d_defrag_run {
	dev_t warmed;			/* the allocator's index loaded */
	struct e4d_move_pend pend;	/* a drop left to the next window */
	/*
	 * Moves of files done without a lease, not yet committed: the
	 * journal commit (fsync() of @commit_fd, a directory of the
	 * filesystem @commit_dev) is shared by the files moved within
	 * E4D_COMMIT_DELAY of the first of them (see lib/defrag.c)
	 */
	bool uncommitted;
	int commit_fd;
	dev_t commit_dev;
	uint64_t commit_since;		/* ns, CLOCK_MONOTONIC */
	const struct e4d_sys_ops *commit_ops;
};

/* ns: at most this long between a move without a lease and its commit,
 * or the end of the chunk or file going on then
 */
#define E4D_COMMIT_DELAY	(100 * 1000 * 1000ull)

struct e4d_defrag_opts {
	uint64_t window;	/* bytes per donor; 0 = E4D_WINDOW_DEFAULT */
	uint64_t reserve;	/* free bytes always left to applications;
				 * 0 = 1% of the filesystem, at least 4 MiB
				 */
	unsigned int busy_retries;
	uint64_t chunk;		/* blocks per ioctl; 0 = E4D_MOVE_CHUNK */
	bool no_cache_tricks;	/* plain ioctl (for measurements) */
	/*
	 * Yield to applications: with @lease, a write lease (F_SETLEASE) is
	 * taken on the file before anything is moved; a file another
	 * process has open is then skipped (E4D_SKIP_BUSY), and when one
	 * opens it during the move (the lease breaks) the lease is given
	 * back after the current chunk and the file is left (E4D_SKIP_BUSY,
	 * res->released). Needs ownership of the file or CAP_LEASE; without
	 * them the file is moved without a lease.
	 */
	bool lease;
	uint64_t min_age;	/* skip files modified less than this many
				 * seconds before @now (E4D_SKIP_RECENT)
				 */
	int64_t now;		/* Unix time for @min_age; 0 = time(NULL) */
	/*
	 * Time budget and rate limit (may be NULL): each chunk's bytes are
	 * accounted and the delay that keeps the rate is slept between
	 * chunks (in slices, watching the lease and @stop); once the
	 * deadline passes the file stops after the current chunk
	 * (E4D_SKIP_STOPPED, res->expired).
	 */
	struct e4d_budget *budget;
	/* the file's first batch, read while the one before it moved (may
	 * be NULL; see e4d/ahead.h)
	 */
	struct e4d_ahead *ahead;
	/* the run's state (may be NULL: the allocator's index is loaded
	 * for every file, and no drop is left to the next file)
	 */
	struct e4d_defrag_run *run;
	const volatile sig_atomic_t *stop;
	void (*progress)(void *arg, uint64_t blocks);
	void *progress_arg;
};

struct e4d_defrag_result {
	enum e4d_skip skip;	/* why nothing, or not all, was moved */
	enum e4d_why why;	/* with E4D_SKIP_UNMOVABLE */
	int err;		/* negative errno: the file failed */
	const char *what;	/* with err: the step that failed */
	uint64_t ext_before, ext_after;
	uint64_t ideal;
	uint64_t bytes;		/* moved */
	uint64_t windows;	/* windows with data */
	uint64_t windows_moved;
	uint64_t windows_freefrag;	/* no better donor found */
	bool released;		/* another process opened it: stopped */
	bool expired;		/* the time budget ran out during it */
	struct e4d_move_stats mv;
};

/**
 * e4d_defrag_file() - defragment one file
 * @ctx: library context
 * @fs: the file's filesystem (geometry, mountpoint, device number)
 * @c: the candidate (path and inode number from the scan)
 * @o: options
 * @res: what happened; res->skip says why nothing was moved, res->err
 *       that the file failed
 *
 * The file is reopened read-write and must still be the inode scanned;
 * its extents are read again; a donor is created per window in the
 * file's directory (or at the mountpoint) with O_TMPFILE, so that a crash
 * leaves nothing behind. Holes stay holes, unwritten extents stay
 * unwritten.
 *
 * Return: 0 (see @res), or -ENOMEM.
 */
int e4d_defrag_file(const struct e4d_ctx *ctx, const struct e4d_fs *fs,
		    const struct e4d_cand *c, const struct e4d_defrag_opts *o,
		    struct e4d_defrag_result *res);

/**
 * e4d_defrag_run_commit() - commit the journal for the moves the run has
 * not committed yet, if any (before it turns to other work: a scan)
 * @run: the run's state (may be NULL)
 */
void e4d_defrag_run_commit(struct e4d_defrag_run *run);

/**
 * e4d_defrag_run_end() - finish what a run left for later: wait for the
 * last writeback and drop its pages, commit its moves
 * @run: the run's state (may be NULL); zeroed again
 */
void e4d_defrag_run_end(struct e4d_defrag_run *run);

#endif
