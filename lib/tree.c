// SPDX-License-Identifier: GPL-2.0
/*
 * tree.c - the blocks to move alone first, one per full extent-tree leaf
 * (see tree.h for why).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <ext2fs/ext2fs.h>

#include "e4d/fsinfo.h"
#include "e4d/tree.h"

static int push(struct e4d_first_move **v, size_t *n, size_t *cap,
		uint64_t leaf, uint64_t blk)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct e4d_first_move *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[*n].leaf = leaf;
	(*v)[(*n)++].blk = blk;
	return 0;
}

int e4d_tree_first_moves(const struct e4d_fs *fs, uint64_t ino,
			 uint64_t nextents, struct e4d_first_move **out,
			 size_t *n)
{
	ext2_filsys e2 = (ext2_filsys)fs->e2fs;
	ext2_extent_handle_t h;
	struct ext2_extent_info info;
	struct ext2fs_extent ex;
	uint64_t leaf = 0;
	size_t cap = 0;
	bool want = false;
	errcode_t err;
	int op, ret = 0;

	*out = NULL;
	*n = 0;
	/* a leaf block holds a 12-byte header and 12-byte entries */
	if (!e2 || !ino || ino > e2->super->s_inodes_count ||
	    nextents + 1 < (e2->blocksize - 12) / 12)
		return 0;
	/* what the kernel has now, not what this handle read before: the
	 * device is read without a block cache (e4d_fs_open()), and the
	 * inode cache goes
	 */
	if (e2->icache) {
		ext2fs_free_inode_cache(e2->icache);
		e2->icache = NULL;
	}
	if (ext2fs_extent_open(e2, (ext2_ino_t)ino, &h))
		return 0;
	for (op = EXT2_EXTENT_ROOT;; op = EXT2_EXTENT_NEXT_LEAF) {
		err = ext2fs_extent_get(h, op, &ex);
		if (err || ext2fs_extent_get_info(h, &info))
			break;
		if (!info.max_depth)
			break;		/* the tree is in the inode */
		if (info.curr_level != info.max_depth)
			continue;
		if (info.curr_entry == 1) {	/* a leaf begins */
			leaf = ex.e_lblk;
			want = info.num_entries + 2 > info.max_entries;
		} else if (want && ex.e_len > 1) {
			ret = push(out, n, &cap, leaf, ex.e_lblk);
			if (ret)
				break;
			want = false;
		}
	}
	ext2fs_extent_free(h);
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}
