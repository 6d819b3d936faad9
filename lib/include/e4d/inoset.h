/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inoset.h - a set of inode numbers (open addressing), for "each inode
 * once" over hard links and repeated command-line paths.
 */
#ifndef E4D_INOSET_H
#define E4D_INOSET_H

#include <stddef.h>
#include <stdint.h>

struct e4d_inoset {
	uint64_t *slot;		/* 0 = empty; inode 0 is kept in has_zero */
	size_t cap;		/* a power of two, or 0 */
	size_t n;
	int has_zero;
};

/**
 * e4d_inoset_add() - add an inode number
 * @set: set (zero-initialised to start empty)
 * @ino: inode number
 *
 * Return: 1 when @ino was new, 0 when it was there already, -ENOMEM.
 */
int e4d_inoset_add(struct e4d_inoset *set, uint64_t ino);

/** e4d_inoset_clear() - empty the set and release its memory */
void e4d_inoset_clear(struct e4d_inoset *set);

#endif
