// SPDX-License-Identifier: GPL-2.0
/*
 * freespace.c - free extents from the block bitmap.
 */
#include <errno.h>
#include <string.h>

#include <ext2fs/ext2fs.h>

#include "e4d/e4d.h"
#include "e4d/freespace.h"
#include "e4d/fsinfo.h"

void e4d_freespace_add(struct e4d_freespace *fsp, uint64_t len,
		       unsigned int blocksize)
{
	int k = 0;

	if (!len)
		return;
	while (k < E4D_FREE_BUCKETS - 1 && (len >> (k + 1)))
		k++;
	fsp->count[k]++;
	fsp->blocks[k] += len;
	fsp->free_extents++;
	fsp->free_blocks += len;
	if (len > fsp->largest)
		fsp->largest = len;
	if (len * blocksize < E4D_FREE_SMALL)
		fsp->small_blocks += len;
	fsp->frag_pct = 100.0 * fsp->small_blocks / fsp->free_blocks;
}

int e4d_freespace_read(const struct e4d_ctx *ctx, struct e4d_fs *fs,
		       struct e4d_freespace *out)
{
	ext2_filsys e2 = (ext2_filsys)fs->e2fs;
	blk64_t pos, end, zero, set;
	errcode_t err;

	memset(out, 0, sizeof(*out));
	if (!e2)
		return -EACCES;
	e4d_fs_flush(ctx, fs);	/* delayed allocations: not free */
	err = ext2fs_read_block_bitmap(e2);
	if (err) {
		e4d_msg(ctx, E4D_WARN, "%s: cannot read block bitmaps: %s",
			fs->device, error_message(err));
		return -EIO;
	}
	pos = e2->super->s_first_data_block;
	end = ext2fs_blocks_count(e2->super) - 1;
	while (pos <= end) {
		if (ext2fs_find_first_zero_block_bitmap2(e2->block_map, pos,
							 end, &zero))
			break;
		if (ext2fs_find_first_set_block_bitmap2(e2->block_map, zero,
							end, &set))
			set = end + 1;
		e4d_freespace_add(out, set - zero, e2->blocksize);
		pos = set;
	}
	ext2fs_free_block_bitmap(e2->block_map);
	e2->block_map = NULL;
	return 0;
}
