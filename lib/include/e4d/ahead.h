/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ahead.h - read the next file of a run while the current one moves.
 *
 * Every move starts by reading the file's data (the stock ioctl reads each
 * page it does not find cached, one at a time). For a run of many files,
 * the next file's first batch is read by a thread of its own while the
 * current file moves, so that reading and moving overlap across files.
 * Only a file with none of that range cached is read: the pages are then
 * all ours, the move drops them as it drops its own (opts->ours_below),
 * and e4d_ahead_end() drops whatever a skipped file left.
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
 * @c: the candidate about to be moved
 * @fd: the file, as the mover opened it (checked to be the same inode)
 *
 * Return: blocks [0, n) read ahead, or 0.
 */
uint64_t e4d_ahead_for(struct e4d_ahead *a, const struct e4d_cand *c,
		       int fd);

/**
 * e4d_ahead_end() - wait for the reads, drop the pages read (the move has
 * dropped those it used; a file that was skipped has not), and go idle
 * @a: state
 */
void e4d_ahead_end(struct e4d_ahead *a);

#endif
