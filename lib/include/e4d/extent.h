/* SPDX-License-Identifier: GPL-2.0 */
/*
 * extent.h - a file's block mapping as a list of extents, from FIEMAP or
 * from the on-disk extent tree (libext2fs). Units are filesystem blocks.
 */
#ifndef E4D_EXTENT_H
#define E4D_EXTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e4d_ctx;

#define E4D_EXT_UNWRITTEN	0x1	/* allocated, reads as zeroes */
#define E4D_EXT_INLINE		0x2	/* data lives in the inode */
#define E4D_EXT_DELALLOC	0x4	/* not allocated yet (no pblk) */

struct e4d_extent {
	uint64_t lblk;		/* logical block in the file */
	uint64_t pblk;		/* physical block on the device */
	uint64_t len;		/* blocks */
	unsigned int flags;	/* E4D_EXT_* */
};

struct e4d_extents {
	struct e4d_extent *v;
	size_t n;
	size_t cap;
};

/**
 * e4d_extents_add() - append one extent, merging it into the previous one
 * when both are logically and physically contiguous with the same flags
 * @el: list
 * @lblk: logical start
 * @pblk: physical start
 * @len: length in blocks (0 is ignored)
 * @flags: E4D_EXT_* flags
 *
 * Return: 0 or -ENOMEM.
 */
int e4d_extents_add(struct e4d_extents *el, uint64_t lblk, uint64_t pblk,
		    uint64_t len, unsigned int flags);

/** e4d_extents_reset() - empty the list, keeping its memory */
void e4d_extents_reset(struct e4d_extents *el);

/** e4d_extents_free() - release the list's memory */
void e4d_extents_free(struct e4d_extents *el);

/**
 * e4d_extents_next_run() - the next run of logically contiguous extents,
 * clipped to a range of blocks
 * @el: list, in logical order
 * @pos: cursor into @el; start at 0, the call advances it
 * @skip: extents with any of these E4D_EXT_* flags end a run and are left
 *	out
 * @s: first block of the range
 * @t: end of the range (exclusive)
 * @a: set to the run's first block (at least @s)
 * @b: set to the run's end (at most @t, more than @a)
 *
 * Return: true with [@a, @b) set, or false when no run is left.
 */
bool e4d_extents_next_run(const struct e4d_extents *el, size_t *pos,
			  unsigned int skip, uint64_t s, uint64_t t,
			  uint64_t *a, uint64_t *b);

/**
 * e4d_fiemap_read() - read a whole file's mapping with FIEMAP
 * @ctx: library context (its ops->fiemap is used)
 * @fd: open file
 * @blocksize: filesystem block size in bytes
 * @sync: ask the kernel to flush delayed allocation first
 * @el: list to fill (reset first)
 *
 * Return: 0 or a negative errno.
 */
int e4d_fiemap_read(const struct e4d_ctx *ctx, int fd, unsigned int blocksize,
		    int sync, struct e4d_extents *el);

/**
 * e4d_fiemap_read_range() - read the mapping of bytes [@start, @end) of a
 * file with FIEMAP, as e4d_fiemap_read() does for the whole file
 * @ctx: library context (its ops->fiemap is used)
 * @fd: open file
 * @blocksize: filesystem block size in bytes
 * @start: first byte
 * @end: end of the range (exclusive)
 * @el: list to fill (reset first): the extents that overlap the range
 *
 * Return: 0 or a negative errno.
 */
int e4d_fiemap_read_range(const struct e4d_ctx *ctx, int fd,
			  unsigned int blocksize, uint64_t start, uint64_t end,
			  struct e4d_extents *el);

#endif
