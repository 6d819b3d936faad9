// SPDX-License-Identifier: GPL-2.0
/*
 * inoset.c - open-addressing hash set of inode numbers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e4d/inoset.h"

static size_t slot_of(uint64_t ino, size_t cap)
{
	/* Fibonacci hashing spreads the dense inode numbers */
	return (ino * 0x9e3779b97f4a7c15ull) >> 7 & (cap - 1);
}

static void insert(uint64_t *slot, size_t cap, uint64_t ino)
{
	size_t i = slot_of(ino, cap);

	while (slot[i])
		i = (i + 1) & (cap - 1);
	slot[i] = ino;
}

static int grow(struct e4d_inoset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 64, i;
	uint64_t *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (i = 0; i < set->cap; i++)
		if (set->slot[i])
			insert(slot, cap, set->slot[i]);
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
	return 0;
}

int e4d_inoset_add(struct e4d_inoset *set, uint64_t ino)
{
	size_t i;

	if (!ino) {
		if (set->has_zero)
			return 0;
		set->has_zero = 1;
		return 1;
	}
	if ((set->n + 1) * 4 > set->cap * 3 && grow(set) < 0)
		return -ENOMEM;
	for (i = slot_of(ino, set->cap); set->slot[i];
	     i = (i + 1) & (set->cap - 1))
		if (set->slot[i] == ino)
			return 0;
	set->slot[i] = ino;
	set->n++;
	return 1;
}

void e4d_inoset_clear(struct e4d_inoset *set)
{
	free(set->slot);
	memset(set, 0, sizeof(*set));
}
