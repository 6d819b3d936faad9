/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree.h - where to start moving a file so that the stock ioctl does not
 * split its full extent-tree leaves twice.
 *
 * The stock EXT4_IOC_MOVE_EXT swaps one page at a time, so with 4 KiB
 * blocks it cuts every extent it moves block by block: each cut needs a
 * free entry in the extent's leaf until the moved block merges with its
 * moved neighbour. Moving forward, the first cut in a full leaf (340
 * entries in a 4 KiB block) splits it after the leaf's first extent, and
 * the next cut splits the rest after its first: three leaves for one,
 * which are never merged again, and a cold read of the file pays one
 * more disk read per leaf (measured: 194 leaves of a GiB of 65,536
 * extents became 580). When one block of the leaf's second extent moves
 * first, alone, the leaf splits once, there, into two parts with room:
 * two leaves for one, the fewest the stock ioctl allows.
 */
#ifndef E4D_TREE_H
#define E4D_TREE_H

#include <stddef.h>
#include <stdint.h>

struct e4d_fs;

/* A block to move alone, and where its leaf begins */
struct e4d_first_move {
	uint64_t leaf;		/* the leaf's first logical block */
	uint64_t blk;		/* the block to move alone */
};

/**
 * e4d_tree_first_moves() - the blocks of a file to move alone, first
 * @fs: the file's filesystem; needs device access (fs->e2fs)
 * @ino: the file's inode
 * @nextents: its extents as FIEMAP reports them: with fewer than a full
 *            leaf holds, there is none, and nothing is read
 * @out: set to a malloc'd array in logical order, one entry per full leaf
 *       (the first block of its first extent after the first one that is
 *       longer than a block); NULL when there is none
 * @n: set to the number of entries
 *
 * The tree is read as the kernel has it now: libext2fs reads the device
 * through its page cache, where ext4 keeps its metadata; this handle's
 * own caches are dropped first. A leaf with two free entries or more,
 * or a tree held in the inode, needs nothing.
 *
 * Return: 0 (also when the device cannot be read: none), or -ENOMEM.
 */
int e4d_tree_first_moves(const struct e4d_fs *fs, uint64_t ino,
			 uint64_t nextents, struct e4d_first_move **out,
			 size_t *n);

#endif
