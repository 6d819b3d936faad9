/* SPDX-License-Identifier: GPL-2.0 */
/*
 * freespace.h - free space summary from the block bitmaps: free extents by
 * size, the largest, and how much free space sits in small pieces.
 */
#ifndef E4D_FREESPACE_H
#define E4D_FREESPACE_H

#include <stdint.h>

struct e4d_ctx;
struct e4d_fs;

#define E4D_FREE_BUCKETS	40	/* bucket k: 2^k <= blocks < 2^(k+1) */
#define E4D_FREE_SMALL		(8u << 20)	/* "small" free extent, bytes */

struct e4d_freespace {
	uint64_t free_blocks;
	uint64_t free_extents;
	uint64_t largest;		/* blocks */
	uint64_t small_blocks;		/* in extents < E4D_FREE_SMALL */
	uint64_t count[E4D_FREE_BUCKETS];
	uint64_t blocks[E4D_FREE_BUCKETS];
	double frag_pct;		/* 100 * small_blocks / free_blocks */
};

/**
 * e4d_freespace_read() - walk the block bitmap of a filesystem
 * @ctx: library context
 * @fs: filesystem with device access
 * @out: summary
 *
 * Return: 0, -EACCES without device access, or another negative errno.
 */
int e4d_freespace_read(const struct e4d_ctx *ctx, struct e4d_fs *fs,
		       struct e4d_freespace *out);

/**
 * e4d_freespace_add() - account one free extent (pure; used by the walk)
 * @fsp: summary to update
 * @len: length of the free extent in blocks
 * @blocksize: block size in bytes
 */
void e4d_freespace_add(struct e4d_freespace *fsp, uint64_t len,
		       unsigned int blocksize);

#endif
