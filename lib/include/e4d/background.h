/* SPDX-License-Identifier: GPL-2.0 */
/*
 * background.h - the bookkeeping of one scheduled run on one filesystem,
 * around the defragmentation itself: policy, lock, resume state before;
 * per-file accounting during; state and metrics after. The CLI's
 * --background loop is then, per filesystem:
 *
 *	e4d_fs_id_get(fs, &id);
 *	ret = e4d_bg_begin(ctx, cfg, fs, &id, time(NULL), &bg, &why);
 *	(1: skipped by policy, log why; -EBUSY: another run has it)
 *	plan the scan; leave out the candidates e4d_bg_is_done() says an
 *	earlier run of this pass has had; order the rest worst first
 *	(e4d_plan_sort(plan, true));
 *	for each candidate, while the budget lasts:
 *		e4d_defrag_file(...);
 *		when finished with it (moved, skipped or failed; not when
 *		stopped short by the budget):
 *		e4d_bg_file_done(&bg, c->ino, res.bytes, res.ext_before,
 *				 res.ext_after);
 *		(-ENOSPC: the record is full, end the pass here)
 *		e4d_bg_checkpoint(ctx, cfg, &bg, time(NULL));
 *	e4d_bg_end(ctx, cfg, &bg, result, exit_code, time(NULL), &prom);
 *	then e4d_prom_from_summary(&prom, ...) and, after every filesystem,
 *	e4d_prom_write(ctx, cfg->prometheus_file, proms, n).
 *
 * A pass is complete when a run finds nothing left that the pass has not
 * had (or the record is full): then passes is counted and the record
 * removed, and the next run starts a new pass with every file.
 */
#ifndef E4D_BACKGROUND_H
#define E4D_BACKGROUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e4d/done.h"
#include "e4d/state.h"

struct e4d_config;
struct e4d_ctx;
struct e4d_fs;
struct e4d_prom_fs;

/* Checkpoints during a run: at most every this many seconds */
#define E4D_BG_CHECKPOINT_SECS	5

struct e4d_bg {
	struct e4d_state st;	/* from the last run, or fresh */
	struct e4d_done done;	/* files this pass has had, all runs */
	size_t done_earlier;	/* how many of them earlier runs had */
	size_t done_saved;	/* how many the record on disk holds */
	int lock_fd;
	uint64_t start;		/* Unix time of e4d_bg_begin() */
	uint64_t saved;		/* Unix time of the last checkpoint */
	uint64_t files;		/* moved by this run */
	uint64_t bytes;
	uint64_t ext_before;	/* of the files moved */
	uint64_t ext_after;
};

/**
 * e4d_bg_begin() - start a scheduled run on a filesystem
 * @ctx: library context
 * @cfg: configuration (state_dir, include_nonrotational)
 * @fs: the filesystem (rotational, readonly for the policy)
 * @id: its identity (e4d_fs_id_get())
 * @now: Unix time
 * @bg: out; valid only when 0 is returned
 * @why: out; with 1, the reason to skip (static text)
 *
 * Applies e4d_policy_skip(), takes the filesystem's lock, loads its state
 * and, when the state was loaded, the done record of its pass. An unusable
 * state file is a warning: the pass starts over, and the done record is
 * not read. An unusable done record is a warning: the pass goes on, with
 * every file.
 *
 * Return: 0 to go on, 1 to skip the filesystem, -EBUSY when another run
 * holds it, or another negative errno (state directory unusable, -ENOMEM).
 */
int e4d_bg_begin(const struct e4d_ctx *ctx, const struct e4d_config *cfg,
		 const struct e4d_fs *fs, const struct e4d_fs_id *id,
		 uint64_t now, struct e4d_bg *bg, const char **why);

/**
 * e4d_bg_is_done() - whether this pass has had a file (in an earlier run
 * or this one)
 * @bg: run
 * @ino: the file's inode
 *
 * Return: true when the done record names @ino.
 */
bool e4d_bg_is_done(struct e4d_bg *bg, uint64_t ino);

/**
 * e4d_bg_file_done() - account a file the run has finished with (moved,
 * skipped or failed), so that no later run of this pass takes it again
 * @bg: run
 * @ino: its inode
 * @bytes: bytes moved (0 when skipped)
 * @ext_before: extents before (ignored when nothing moved)
 * @ext_after: extents after
 *
 * Return: 0; -ENOSPC when the done record is full (E4D_DONE_MAX): the
 * file is accounted but not recorded, and the pass should end here (the
 * run ends with E4D_RUN_OK); -ENOMEM likewise, but the run should stop as
 * failed.
 */
int e4d_bg_file_done(struct e4d_bg *bg, uint64_t ino, uint64_t bytes,
		     uint64_t ext_before, uint64_t ext_after);

/**
 * e4d_bg_file_part() - account the bytes moved in a file the run stopped
 * short in (budget, signal): they count in the state's bytes moved, but
 * the file is not done and the next run takes it up again
 * @bg: run
 * @bytes: bytes moved in it
 */
void e4d_bg_file_part(struct e4d_bg *bg, uint64_t bytes);

/**
 * e4d_bg_checkpoint() - save the run so far, so that a crash or kill -9
 * loses little: the done record, then the state as of a partial run
 * @ctx: library context
 * @cfg: configuration (state_dir)
 * @bg: run
 * @now: Unix time
 *
 * Does nothing unless files were finished since the last checkpoint and
 * E4D_BG_CHECKPOINT_SECS have passed since it (or since the start).
 *
 * Return: 1 when saved, 0 when not due, or a negative errno.
 */
int e4d_bg_checkpoint(const struct e4d_ctx *ctx, const struct e4d_config *cfg,
		      struct e4d_bg *bg, uint64_t now);

/**
 * e4d_bg_end() - finish a run: save the state, release the lock
 * @ctx: library context
 * @cfg: configuration (state_dir)
 * @bg: run from e4d_bg_begin(); unlocked and its record released in
 *      every case
 * @result: E4D_RUN_OK when nothing is left that the pass has not had (the
 *          pass is counted, its done record removed: the next run starts
 *          a new pass), E4D_RUN_PARTIAL when stopped by the budget or a
 *          signal (the done record is saved: the next run goes on with
 *          the files it does not name), E4D_RUN_FAILED on an error
 *          (likewise)
 * @exit_code: the exit status the run will have (0-255)
 * @now: Unix time
 * @prom: out (may be NULL), the run part of the metrics
 *
 * Return: 0 or the negative errno of saving the state.
 */
int e4d_bg_end(const struct e4d_ctx *ctx, const struct e4d_config *cfg,
	       struct e4d_bg *bg, enum e4d_run_result result, int exit_code,
	       uint64_t now, struct e4d_prom_fs *prom);

/**
 * e4d_bg_abort() - finish a run that saves nothing (a dry run): release
 * the lock and the record, leave the state and the record on disk as they
 * were
 * @bg: run from e4d_bg_begin()
 */
void e4d_bg_abort(struct e4d_bg *bg);

/**
 * e4d_bg_mounts() - the mountpoints of every mounted ext4 filesystem, each
 * filesystem once (the first mountpoint of a device), from libmount
 * @ctx: library context
 * @paths: out, malloc'd array of malloc'd strings (e4d_bg_mounts_free())
 * @n: out, how many
 *
 * Return: 0 or a negative errno.
 */
int e4d_bg_mounts(const struct e4d_ctx *ctx, char ***paths, size_t *n);

/** e4d_bg_mounts_free() - release what e4d_bg_mounts() returned */
void e4d_bg_mounts_free(char **paths, size_t n);

#endif
