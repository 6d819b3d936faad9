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
 *	plan the scan, order the candidates by e4d_rank() (highest first),
 *	then inode; leave out those e4d_bg_is_done() says an earlier run of
 *	this pass has had;
 *	for each candidate, while the budget lasts:
 *		e4d_defrag_file(...);
 *		e4d_bg_file_done(&bg, rank, c->ino, res.bytes, res.ext_before,
 *				 res.ext_after);
 *	e4d_bg_end(ctx, cfg, &bg, result, exit_code, time(NULL), &prom);
 *	then e4d_prom_from_summary(&prom, ...) and, after every filesystem,
 *	e4d_prom_write(ctx, cfg->prometheus_file, proms, n).
 */
#ifndef E4D_BACKGROUND_H
#define E4D_BACKGROUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e4d/state.h"

struct e4d_config;
struct e4d_ctx;
struct e4d_fs;
struct e4d_prom_fs;

struct e4d_bg {
	struct e4d_state st;	/* from the last run, or fresh */
	int lock_fd;
	uint64_t start;		/* Unix time of e4d_bg_begin() */
	uint64_t files;		/* moved by this run */
	uint64_t bytes;
	uint64_t ext_before;	/* of the files moved */
	uint64_t ext_after;
	uint64_t last_rank;	/* 1 + rank of the last file finished; 0 = none */
	uint64_t last_ino;	/* and its inode */
};

/**
 * e4d_rank() - the order key of a candidate in a scheduled run
 * @score: the file's score, 0-100
 *
 * Return: the score times 10, rounded, within 0..E4D_RANK_MAX. Coarse on
 * purpose: a file nobody touched gets the same rank in the next run.
 */
unsigned int e4d_rank(double score);

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
 * Applies e4d_policy_skip(), takes the filesystem's lock and loads its
 * state (an unusable state file is a warning: the run starts over).
 *
 * Return: 0 to go on, 1 to skip the filesystem, -EBUSY when another run
 * holds it, or another negative errno (state directory unusable).
 */
int e4d_bg_begin(const struct e4d_ctx *ctx, const struct e4d_config *cfg,
		 const struct e4d_fs *fs, const struct e4d_fs_id *id,
		 uint64_t now, struct e4d_bg *bg, const char **why);

/**
 * e4d_bg_resume_ino() - first inode this run should consider within the
 * rank it resumes in (e4d_bg_resume_rank())
 * @bg: run
 *
 * Return: the inode after the last one the previous (partial) run
 * finished, or 0 to start at the beginning.
 */
uint64_t e4d_bg_resume_ino(const struct e4d_bg *bg);

/**
 * e4d_bg_resume_rank() - where in the order this run resumes
 * @bg: run
 *
 * Return: 0 at the beginning of a pass, else 1 + the rank of the last file
 * the previous run finished.
 */
uint64_t e4d_bg_resume_rank(const struct e4d_bg *bg);

/**
 * e4d_bg_is_done() - whether an earlier run of this pass went past a file
 * @bg: run
 * @rank: the file's e4d_rank()
 * @ino: its inode
 *
 * Return: true when (@rank, @ino) comes before the resume point in the
 * order of a run (rank from high to low, then inode from low to high).
 */
bool e4d_bg_is_done(const struct e4d_bg *bg, unsigned int rank, uint64_t ino);

/**
 * e4d_bg_file_done() - account a file the run has finished with
 * @bg: run
 * @rank: its e4d_rank()
 * @ino: its inode; files must come in the order of a run
 * @bytes: bytes moved (0 when skipped)
 * @ext_before: extents before (ignored when nothing moved)
 * @ext_after: extents after
 */
void e4d_bg_file_done(struct e4d_bg *bg, unsigned int rank, uint64_t ino,
		      uint64_t bytes,
		      uint64_t ext_before, uint64_t ext_after);

/**
 * e4d_bg_end() - finish a run: save the state, release the lock
 * @ctx: library context
 * @cfg: configuration (state_dir)
 * @bg: run from e4d_bg_begin(); unlocked in every case
 * @result: E4D_RUN_OK when the whole filesystem was gone through (the next
 *          run starts a new pass), E4D_RUN_PARTIAL when stopped by the
 *          budget or a signal (the next run resumes after the last inode
 *          finished), E4D_RUN_FAILED on an error (resumes likewise)
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
