/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ahead.h - read the next file of a run while the current one moves.
 *
 * Every move starts by reading the file's data (the stock ioctl reads each
 * page it does not find cached, one at a time). For a run of many files,
 * the next file's first batch is read by a thread of its own while the
 * current file moves, so that reading and moving overlap across files.
 * Only a file with none of that range cached is read: the pages are then
 * all ours, the move drops them as it drops its own (opts->ours_below)
 * and says so (e4d_ahead_dropped()), and e4d_ahead_end() drops whatever
 * a file skipped, or not moved to the end of the range, left.
 */
#ifndef E4D_AHEAD_H
#define E4D_AHEAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct e4d_cand;
struct e4d_ctx;
struct e4d_fs;

struct e4d_ahead {
	const struct e4d_ctx *ctx;
	const struct e4d_fs *fs;
	const struct e4d_cand *c;	/* the file read, or NULL */
	unsigned int readers;
	pthread_t th;
	bool running;
	int fd;
	uint64_t blocks;	/* [0, blocks) read, all of it ours */
	uint64_t dropped;	/* [0, dropped) dropped by the move */
	uint64_t bytes;		/* bytes read */
};

/**
 * e4d_ahead_start() - start reading a candidate's first batch
 * @a: state, idle (zeroed, or after e4d_ahead_end())
 * @ctx: library context
 * @fs: the candidate's filesystem
 * @c: the candidate
 * @readers: parallel reads; 0 = E4D_READERS
 *
 * Nothing is read when the file is no longer the inode scanned, or has
 * any page of the range cached.
 */
void e4d_ahead_start(struct e4d_ahead *a, const struct e4d_ctx *ctx,
		     const struct e4d_fs *fs, const struct e4d_cand *c,
		     unsigned int readers);

/**
 * e4d_ahead_for() - wait for the reads, and say how many blocks at the
 * start of @c's file are ours
 * @a: state (may be NULL)
 * @fs: @c's filesystem
 * @c: the candidate about to be moved, its file reopened by the mover and
 *     checked to be the inode scanned (e4d_fs_open_cand()), as the file
 *     read here was
 *
 * Return: blocks [0, n) read ahead, or 0.
 */
uint64_t e4d_ahead_for(struct e4d_ahead *a, const struct e4d_fs *fs,
		       const struct e4d_cand *c);

/**
 * e4d_ahead_dropped() - note that the move of @c's file dropped the pages
 * of its blocks [0, @end) (see e4d_move_window())
 * @a: state (may be NULL)
 * @c: the candidate moved
 * @end: block after the range dropped
 */
void e4d_ahead_dropped(struct e4d_ahead *a, const struct e4d_cand *c,
		       uint64_t end);

/**
 * e4d_ahead_end() - wait for the reads, drop the pages read that the move
 * did not drop (all of them for a file that was skipped), and go idle
 * @a: state
 */
void e4d_ahead_end(struct e4d_ahead *a);

#endif
