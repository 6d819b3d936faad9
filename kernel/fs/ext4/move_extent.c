// SPDX-License-Identifier: LGPL-2.1
/*
 * EXT4_IOC_MOVE_EXT: exchange a file's blocks with a donor file's blocks,
 * keeping the file's data, a multi-block range per journal handle.
 *
 * Copyright (c) 2008,2009 NEC Software Tohoku, Ltd. (original interface)
 * Copyright (c) 2026 the e4defrag2 authors (this implementation)
 *
 * What a step does
 * ----------------
 * The request [orig_blk, orig_blk + len) is walked in steps.  A step is a
 * run of blocks that are mapped in the original file, all written or all
 * unwritten, at most MEXT_STEP_BYTES long and at most MEXT_MAX_PIECES
 * extents in either file.  Holes of the original file are skipped.  For a
 * step, the donor's page cache over the range is dropped, the original
 * file's folios are locked, the mapping of both ranges is looked up again
 * under i_data_sem and compared with the plan (the step is retried if it
 * changed), the extents are swapped, and the original file's folios are
 * pointed at their new blocks and dirtied.  One journal handle covers it all.
 *
 * The data is "copied" through the page cache: before the swap, every
 * folio of a written range is read in from the old blocks; after the swap
 * its buffers are mapped to the new blocks and marked dirty, and the inode
 * is added to the transaction's ordered data, so the transaction that
 * records the swap cannot commit before the data is on the new blocks.
 * Unwritten ranges keep their unwritten state across the swap (see
 * ext4_swap_extents()), so they are swapped without any copy whatever the
 * donor holds.  The donor receives the old blocks marked unwritten.
 *
 * Lock order
 * ----------
 *   i_rwsem of both inodes              (lock_two_nondirectories(), whole call)
 *     -> invalidate_lock of both        (filemap_invalidate_lock_two(), step)
 *       -> journal handle               (ext4_journal_start(), step)
 *         -> folio locks                (original file, ascending index)
 *           -> i_data_sem of both       (by address, second one nested)
 *
 * This is the order of every other ext4 path: punch hole and truncate take
 * i_rwsem, invalidate_lock, then start a handle; ->page_mkwrite takes the
 * invalidate_lock shared before its handle; ->writepages and ->write_begin
 * start the handle before locking folios, and look blocks up (i_data_sem)
 * with the folio locked.  Holding i_rwsem excludes writes, truncate,
 * fallocate, and direct I/O (after inode_dio_wait()); the invalidate_lock
 * excludes page faults that would create or dirty a folio in either file
 * and readahead into the donor, so while a step holds it no folio of the
 * donor range can come back and no mmap write can allocate blocks.  The
 * folio locks exclude writeback and buffered reads of the original range.
 *
 * Only the original file's folios are locked: the donor's page cache for
 * the range is truncated under its invalidate_lock at the start of the step,
 * and with the invalidate_lock and i_rwsem held nobody can bring a donor
 * folio of the range back, so there is nothing of the donor to lock.
 */

#include <linux/fs.h>
#include <linux/fsverity.h>
#include <linux/mm.h>
#include <linux/blkdev.h>
#include <linux/buffer_head.h>
#include <linux/pagemap.h>
#include <linux/quotaops.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "ext4_jbd2.h"
#include "ext4.h"
#include "ext4_extents.h"

/* Longest step, in bytes; also bounds the number of folios locked at once. */
#define MEXT_STEP_BYTES		(8 << 20)
/* Most extents of either file in one step (bounds the work per handle). */
#define MEXT_MAX_PIECES		1024
/* How often a step whose mapping changed under us is planned again. */
#define MEXT_MAX_RETRIES	16

/* One extent of a range, clipped to the range. */
struct mext_piece {
	ext4_lblk_t	lblk;
	ext4_lblk_t	len;
	ext4_fsblk_t	pblk;
	bool		unwritten;
};

/* A mapping of a range: contiguous pieces starting at the range start. */
struct mext_map {
	int			nr;
	ext4_lblk_t		blocks;		/* sum of the pieces' lengths */
	struct mext_piece	p[MEXT_MAX_PIECES];
};

struct mext_ctx {
	struct file	*o_filp;
	struct inode	*orig;
	struct inode	*donor;
	ext4_lblk_t	o_blk;		/* step start, original file */
	ext4_lblk_t	d_blk;		/* step start, donor file */
	ext4_lblk_t	len;		/* step length, blocks */
	ext4_lblk_t	ra_end;		/* readahead issued up to here */
	ext4_lblk_t	c_from;		/* compaction of the call: from here */
	ext4_lblk_t	end;		/* end of the call's range */
	bool		compacted;	/* done by the last step (mext_step()) */
	bool		unwritten;	/* the original range is unwritten */
	bool		swapped;	/* a step swapped blocks, the last ... */
	tid_t		tid;		/* ... in this transaction */
	struct mext_map	plan[2];	/* [0] original, [1] donor */
	struct mext_map	now[2];		/* the same, looked up under locks */
	pgoff_t		first;		/* first folio index of the step */
	unsigned int	nr_folios;
	struct folio	**folios;	/* original file's folios, or NULL */
};

/**
 * ext4_double_down_write_data_sem() - write-lock the i_data_sem of two inodes
 * @first: one inode
 * @second: the other inode
 *
 * The semaphores are taken in address order, the second with the lockdep
 * subclass I_DATA_SEM_OTHER, so that two callers can never deadlock.
 */
void ext4_double_down_write_data_sem(struct inode *first, struct inode *second)
{
	if (first > second)
		swap(first, second);
	down_write(&EXT4_I(first)->i_data_sem);
	down_write_nested(&EXT4_I(second)->i_data_sem, I_DATA_SEM_OTHER);
}

/**
 * ext4_double_up_write_data_sem() - release what
 *	ext4_double_down_write_data_sem() took
 * @orig_inode: one inode
 * @donor_inode: the other inode
 */
void ext4_double_up_write_data_sem(struct inode *orig_inode,
				   struct inode *donor_inode)
{
	up_write(&EXT4_I(orig_inode)->i_data_sem);
	up_write(&EXT4_I(donor_inode)->i_data_sem);
}

/*
 * mext_lookup() - the mapping of [@lblk, @lblk + @max) of @inode, from the
 * extent tree (i_data_sem held), as clipped pieces that follow each other
 * without a hole.  With @same_kind, pieces stop where written and unwritten
 * change.  Adjacent pieces that are physically contiguous and of the same
 * kind are merged, so that a concurrent merge or split of extent records
 * outside the range does not look like a change of the mapping.
 *
 * Returns 0 and fills @map (map->blocks is 0 if @lblk is in a hole, and
 * then *@hole is the hole's length, clipped to @max), or a negative errno.
 */
static int mext_lookup(struct inode *inode, ext4_lblk_t lblk, ext4_lblk_t max,
		       bool same_kind, struct mext_map *map, ext4_lblk_t *hole)
{
	struct ext4_ext_path *path = NULL;
	ext4_lblk_t cur = lblk, end = lblk + max;
	int depth = ext_depth(inode), ret = 0;

	map->nr = 0;
	map->blocks = 0;
	*hole = 0;
	while (cur < end) {
		struct ext4_extent *ex = path ? path[depth].p_ext : NULL;
		struct mext_piece *last, pc;
		ext4_lblk_t ee_blk, ee_len, next;

		/*
		 * The previous piece took its extent up to the extent's end,
		 * so the mapping goes on with the next extent of the same
		 * leaf (or a hole before it); the tree is only searched
		 * again where a leaf ends.
		 */
		if (ex && ex < EXT_LAST_EXTENT(path[depth].p_hdr)) {
			path[depth].p_ext = ++ex;
		} else {
			path = ext4_find_extent(inode, cur, path,
						EXT4_EX_NOCACHE);
			if (IS_ERR(path)) {
				ret = PTR_ERR(path);
				path = NULL;
				break;
			}
			ex = path[depth].p_ext;
		}
		ee_blk = ex ? le32_to_cpu(ex->ee_block) : 0;
		ee_len = ex ? ext4_ext_get_actual_len(ex) : 0;
		if (!ex || cur < ee_blk || cur >= ee_blk + ee_len) {
			/* @cur is in a hole: the mapping stops here */
			if (map->nr)
				break;
			if (ex && cur < ee_blk)
				next = ee_blk;
			else
				next = ext4_ext_next_allocated_block(path);
			*hole = min_t(u64, next, end) - cur;
			break;
		}
		pc.lblk = cur;
		pc.len = min(ee_blk + ee_len, end) - cur;
		pc.pblk = ext4_ext_pblock(ex) + (cur - ee_blk);
		pc.unwritten = ext4_ext_is_unwritten(ex);
		last = map->nr ? &map->p[map->nr - 1] : NULL;
		if (last && same_kind && last->unwritten != pc.unwritten)
			break;
		if (last && last->unwritten == pc.unwritten &&
		    last->pblk + last->len == pc.pblk) {
			last->len += pc.len;
		} else {
			if (map->nr == MEXT_MAX_PIECES)
				break;
			map->p[map->nr++] = pc;
		}
		map->blocks += pc.len;
		cur += pc.len;
	}
	ext4_free_ext_path(path);
	return ret;
}

/* Cut @map to its first @len blocks. */
static void mext_map_trim(struct mext_map *map, ext4_lblk_t len)
{
	ext4_lblk_t sum = 0;
	int i;

	for (i = 0; i < map->nr && sum < len; i++) {
		if (sum + map->p[i].len > len)
			map->p[i].len = len - sum;
		sum += map->p[i].len;
	}
	map->nr = i;
	map->blocks = sum;
}

static bool mext_map_equal(const struct mext_map *a, const struct mext_map *b)
{
	int i;

	if (a->nr != b->nr || a->blocks != b->blocks)
		return false;
	for (i = 0; i < a->nr; i++)
		if (a->p[i].lblk != b->p[i].lblk || a->p[i].len != b->p[i].len ||
		    a->p[i].pblk != b->p[i].pblk ||
		    a->p[i].unwritten != b->p[i].unwritten)
			return false;
	return true;
}

/*
 * Physical block that maps logical block @lblk in @map (it must be there).
 * Callers go up through the blocks: the search starts at piece *@hint.
 */
static ext4_fsblk_t mext_map_pblk(const struct mext_map *map, ext4_lblk_t lblk,
				  int *hint)
{
	int i;

	if (*hint >= map->nr || lblk < map->p[*hint].lblk)
		*hint = 0;
	for (i = *hint; i < map->nr; i++) {
		const struct mext_piece *p = &map->p[i];

		if (lblk >= p->lblk && lblk < p->lblk + p->len) {
			*hint = i;
			return p->pblk + (lblk - p->lblk);
		}
	}
	WARN_ON_ONCE(1);
	return 0;
}

/*
 * Plan a step at ctx->o_blk / ctx->d_blk of at most @left blocks.  Sets
 * ctx->len to the step length, or returns with ctx->len == 0 and *@skip set
 * to the length of the hole of the original file at ctx->o_blk.
 */
static int mext_plan(struct mext_ctx *ctx, ext4_lblk_t left, ext4_lblk_t *skip)
{
	struct inode *orig = ctx->orig, *donor = ctx->donor;
	ext4_lblk_t cap = MEXT_STEP_BYTES >> orig->i_blkbits, hole;
	int ret;

	ctx->len = 0;
	*skip = 0;
	/*
	 * i_data_sem is only held for the lookups: the journal handle and
	 * the folio locks come before it in the lock order, and the plan is
	 * checked again under it once they are held (mext_step()).
	 */
	down_read(&EXT4_I(orig)->i_data_sem);
	ret = mext_lookup(orig, ctx->o_blk, min(left, cap), true,
			  &ctx->plan[0], skip);
	up_read(&EXT4_I(orig)->i_data_sem);
	if (ret || !ctx->plan[0].blocks)
		return ret;

	down_read(&EXT4_I(donor)->i_data_sem);
	ret = mext_lookup(donor, ctx->d_blk, ctx->plan[0].blocks, false,
			  &ctx->plan[1], &hole);
	up_read(&EXT4_I(donor)->i_data_sem);
	if (ret)
		return ret;
	if (!ctx->plan[1].blocks)
		return -ENODATA;	/* the donor must have blocks to give */
	mext_map_trim(&ctx->plan[0], ctx->plan[1].blocks);
	ctx->len = ctx->plan[0].blocks;
	ctx->unwritten = ctx->plan[0].p[0].unwritten;
	return 0;
}

/* Worst-case credits to swap one piece: two splits in each tree. */
static int mext_unit_credits(struct mext_ctx *ctx)
{
	return 2 * ext4_ext_calc_credits_for_single_extent(ctx->orig, 1, NULL) +
	       2 * ext4_ext_calc_credits_for_single_extent(ctx->donor, 1, NULL);
}

/*
 * Credits to start the step's handle with.  Most swaps modify extent
 * records in leaves the handle already holds, so the sum of worst cases is
 * far too much; it is capped at a quarter of a transaction and the handle
 * is extended between pieces if it ever runs short (mext_swap()).
 */
static int mext_step_credits(struct mext_ctx *ctx)
{
	journal_t *journal = EXT4_SB(ctx->orig->i_sb)->s_journal;
	int unit = mext_unit_credits(ctx);
	int n = ctx->plan[0].nr + ctx->plan[1].nr;
	int credits = unit * n + 2 * EXT4_MAXQUOTAS_TRANS_BLOCKS(ctx->orig->i_sb);

	if (journal)
		credits = min(credits, max(journal->j_max_transaction_buffers / 4,
					   unit));
	return credits;
}

static void mext_unlock_folios(struct mext_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_folios; i++) {
		if (!ctx->folios[i])
			continue;
		folio_unlock(ctx->folios[i]);
		folio_put(ctx->folios[i]);
		ctx->folios[i] = NULL;
	}
	ctx->nr_folios = 0;
}

/*
 * Lock the original file's folios of the step, in ascending index order,
 * waiting for writeback on each.  A written range needs every folio (its
 * data is read in); for an unwritten range only folios already cached
 * matter (their buffers must follow the blocks).
 */
static int mext_lock_folios(struct mext_ctx *ctx)
{
	struct address_space *mapping = ctx->orig->i_mapping;
	unsigned int shift = PAGE_SHIFT - ctx->orig->i_blkbits;
	pgoff_t last = (ctx->o_blk + ctx->len - 1) >> shift;
	unsigned int nofs, i;
	int ret = 0;

	ctx->first = ctx->o_blk >> shift;
	ctx->nr_folios = last - ctx->first + 1;
	nofs = memalloc_nofs_save();
	for (i = 0; i < ctx->nr_folios; i++) {
		struct folio *folio;

		if (ctx->unwritten)
			folio = __filemap_get_folio(mapping, ctx->first + i,
						    FGP_LOCK, 0);
		else
			folio = __filemap_get_folio(mapping, ctx->first + i,
						    FGP_WRITEBEGIN,
						    mapping_gfp_mask(mapping));
		if (IS_ERR(folio)) {
			if (ctx->unwritten && PTR_ERR(folio) == -ENOENT)
				continue;
			ret = PTR_ERR(folio);
			break;
		}
		ctx->folios[i] = folio;
		/* ext4 in 6.12 caches regular files in order-0 folios only */
		if (WARN_ON_ONCE(folio_test_large(folio))) {
			ret = -EINVAL;
			break;
		}
		folio_wait_writeback(folio);
	}
	memalloc_nofs_restore(nofs);
	return ret;
}

/* Block range of folio @i that lies inside the step: [*from, *to). */
static void mext_folio_span(struct mext_ctx *ctx, unsigned int i,
			    ext4_lblk_t *from, ext4_lblk_t *to)
{
	unsigned int shift = PAGE_SHIFT - ctx->orig->i_blkbits;
	ext4_lblk_t fb = (ext4_lblk_t)(ctx->first + i) << shift;

	*from = max(fb, ctx->o_blk);
	*to = min(fb + (1U << shift), ctx->o_blk + ctx->len);
}

/*
 * Bring the data of a written step into the page cache, from the old
 * blocks (known from the plan, revalidated later), reading all missing
 * blocks of the step in one plugged batch before waiting for any.
 */
static int mext_read_folios(struct mext_ctx *ctx)
{
	struct inode *inode = ctx->orig;
	unsigned int bsize = i_blocksize(inode);
	struct blk_plug plug;
	unsigned int i;
	int ret = 0, hint = 0;
	int pass;

	for (pass = 0; pass < 2 && !ret; pass++) {
		if (pass == 0)
			blk_start_plug(&plug);
		for (i = 0; i < ctx->nr_folios; i++) {
			struct folio *folio = ctx->folios[i];
			struct buffer_head *bh, *head;
			ext4_lblk_t from, to, blk;

			mext_folio_span(ctx, i, &from, &to);
			head = folio_buffers(folio);
			if (!head)
				head = create_empty_buffers(folio, bsize, 0);
			if (folio_test_uptodate(folio))
				continue;
			blk = folio_pos(folio) >> inode->i_blkbits;
			bh = head;
			do {
				if (blk < from || blk >= to ||
				    buffer_uptodate(bh))
					continue;
				if (pass == 1) {
					wait_on_buffer(bh);
					if (!buffer_uptodate(bh))
						ret = -EIO;
					continue;
				}
				/*
				 * Not uptodate: read it from the block the
				 * plan says (checked again under i_data_sem
				 * before anything is changed).
				 */
				map_bh(bh, inode->i_sb,
				       mext_map_pblk(&ctx->plan[0], blk,
						     &hint));
				clear_buffer_unwritten(bh);
				clear_buffer_delay(bh);
				lock_buffer(bh);
				if (buffer_uptodate(bh)) {
					unlock_buffer(bh);
					continue;
				}
				ext4_read_bh_nowait(bh, 0, NULL, false);
			} while (blk++, (bh = bh->b_this_page) != head);
			if (ret)
				break;
		}
		if (pass == 0)
			blk_finish_plug(&plug);
	}
	return ret;
}

/*
 * Swap the step's extents piece by piece (a piece is where neither file's
 * mapping changes), keeping the handle supplied with credits.  If the
 * journal cannot extend the handle, the step ends early: what is swapped
 * is complete and consistent.  Returns the number of blocks swapped from
 * the step's start; *@err is set on error.
 */
static ext4_lblk_t mext_swap(handle_t *handle, struct mext_ctx *ctx, int *err)
{
	const struct mext_map *om = &ctx->now[0], *dm = &ctx->now[1];
	int unit = mext_unit_credits(ctx);
	ext4_lblk_t done = 0;
	int oi = 0, di = 0;

	*err = 0;
	while (done < ctx->len && oi < om->nr && di < dm->nr) {
		ext4_lblk_t oend = om->p[oi].lblk + om->p[oi].len - ctx->o_blk;
		ext4_lblk_t dend = dm->p[di].lblk + dm->p[di].len - ctx->d_blk;
		ext4_lblk_t n = min(oend, dend) - done;
		int swapped;

		if (ext4_handle_valid(handle) &&
		    (jbd2_handle_buffer_credits(handle) < unit ||
		     handle->h_revoke_credits < 2)) {
			*err = ext4_journal_extend(handle, unit, 2);
			if (*err) {
				/* > 0: no room in this transaction */
				if (*err > 0)
					*err = 0;
				break;
			}
		}
		swapped = ext4_swap_extents(handle, ctx->orig, ctx->donor,
					    ctx->o_blk + done,
					    ctx->d_blk + done, n, 1, err);
		done += swapped;
		if (*err)
			break;
		if (WARN_ON_ONCE(swapped != n)) {
			*err = -EUCLEAN;
			break;
		}
		if (oend == done)
			oi++;
		if (dend == done)
			di++;
	}
	return done;
}

/*
 * Point the original file's buffers of the first @swapped blocks of the
 * step at their new blocks (the donor's former blocks).  In a written step
 * the data read before the swap is marked dirty, to be written there.
 * Nothing here can fail: no allocation, no I/O.
 */
static void mext_remap_folios(struct mext_ctx *ctx, ext4_lblk_t swapped)
{
	struct inode *inode = ctx->orig;
	ext4_lblk_t end = ctx->o_blk + swapped;
	unsigned int i;
	int hint = 0;

	for (i = 0; i < ctx->nr_folios; i++) {
		struct folio *folio = ctx->folios[i];
		struct buffer_head *bh, *head;
		ext4_lblk_t from, to, blk;

		if (!folio)
			continue;
		head = folio_buffers(folio);
		if (!head)
			continue;	/* unwritten step, nothing mapped */
		mext_folio_span(ctx, i, &from, &to);
		to = min(to, end);
		blk = folio_pos(folio) >> inode->i_blkbits;
		bh = head;
		do {
			ext4_fsblk_t pblk;

			if (blk < from || blk >= to)
				continue;
			pblk = mext_map_pblk(&ctx->now[1],
					     ctx->d_blk + (blk - ctx->o_blk),
					     &hint);
			if (ctx->unwritten) {
				if (buffer_mapped(bh))
					bh->b_blocknr = pblk;
				continue;
			}
			map_bh(bh, inode->i_sb, pblk);
			clear_buffer_new(bh);
			/*
			 * The range is written: a flag left from an unwritten
			 * or delayed past would keep the data out of the
			 * commit's ordered flush.
			 */
			clear_buffer_unwritten(bh);
			clear_buffer_delay(bh);
			if (folio_test_uptodate(folio))
				set_buffer_uptodate(bh);
			mark_buffer_dirty(bh);
		} while (blk++, (bh = bh->b_this_page) != head);
	}
}

/*
 * Compaction of the original file's extent tree
 * ----------------------------------------------
 * A swap keeps the shape of the original file's tree: a file that had
 * 65,536 extents in 580 leaves still has 580 leaves after the move, each
 * holding an extent or two, and a cold read of the file has to fetch every
 * one of them.  At the end of a call, mext_compact_walk() merges each node
 * of the tree over the moved range with its siblings (same parent) while
 * their entries fit in one block, and pulls a lone child up into the
 * inode, so that the moved file ends with a tree sized for its new
 * extents.  The walk runs in the handle of the call's last step, with its
 * locks (mext_step()), if the handle can grow by the walk's credits, and
 * otherwise or for what is left in handles of its own (mext_compact()).
 *
 * The mapping of the file does not change, only where its extent records
 * are kept, so readers of the mapping are not affected; the tree is only
 * changed under i_data_sem, taken after the journal handle as everywhere.
 * Each merge frees one tree block and is complete within one handle.
 */

/*
 * Credits a compaction handle starts with, in worst-case merges (fewer if
 * the journal is small).  A merge is charged only for the blocks it is
 * the first to dirty in the transaction, and consecutive merges mostly
 * dirty the same node, parent, bitmap and group descriptor, so a handle
 * goes on merging while it has a worst case left: the tree of a GiB moved
 * from 65,536 extents, 580 leaves, is compacted under one handle.
 */
#define MEXT_COMPACT_BATCH	256
/* Most tree positions looked at under one hold of i_data_sem */
#define MEXT_COMPACT_VISITS	4096

/* Journal blocks of a merge: two nodes, bitmap, group, inode, quota. */
static int mext_merge_credits(struct inode *inode)
{
	return 5 + EXT4_MAXQUOTAS_TRANS_BLOCKS(inode->i_sb);
}

static int mext_node_access(handle_t *handle, struct inode *inode,
			    struct ext4_ext_path *node)
{
	struct ext4_iloc iloc;
	int ret;

	if (!node->p_bh) {
		/*
		 * The root, in the inode: its block is read and journaled
		 * now, so that dirtying the inode once the tree is changed
		 * can fail only with the journal (not with a read error).
		 */
		ret = ext4_reserve_inode_write(handle, inode, &iloc);
		if (!ret)
			brelse(iloc.bh);
		return ret;
	}
	return ext4_journal_get_write_access(handle, inode->i_sb, node->p_bh,
					     EXT4_JTR_NONE);
}

static int mext_node_dirty(handle_t *handle, struct inode *inode,
			   struct ext4_ext_path *node)
{
	struct ext4_extent_tail *et;

	if (!node->p_bh)
		return ext4_mark_inode_dirty(handle, inode);
	if (ext4_has_metadata_csum(inode->i_sb)) {
		et = find_ext4_extent_tail(node->p_hdr);
		et->et_checksum =
			cpu_to_le32(ext4_chksum(EXT4_SB(inode->i_sb),
						EXT4_I(inode)->i_csum_seed,
						node->p_hdr,
						EXT4_EXTENT_TAIL_OFFSET(node->p_hdr)));
	}
	return ext4_handle_dirty_metadata(handle, inode, node->p_bh);
}

/* Join extent @b into @a if it continues it logically and physically. */
static bool mext_join(struct ext4_extent *a, struct ext4_extent *b)
{
	unsigned int la = ext4_ext_get_actual_len(a);
	unsigned int lb = ext4_ext_get_actual_len(b);
	bool unwritten = ext4_ext_is_unwritten(a);

	if (unwritten != ext4_ext_is_unwritten(b) ||
	    le32_to_cpu(a->ee_block) + la != le32_to_cpu(b->ee_block) ||
	    ext4_ext_pblock(a) + la != ext4_ext_pblock(b) ||
	    la + lb > (unwritten ? EXT_UNWRITTEN_MAX_LEN : EXT_INIT_MAX_LEN))
		return false;
	a->ee_len = cpu_to_le16(la + lb);
	if (unwritten)
		ext4_ext_mark_unwritten(a);
	return true;
}

/*
 * Merge the right sibling of node @k (1..depth) of @path, under the same
 * parent, into the node, and free the sibling's block.  Entries of index
 * nodes and of leaves are all 12 bytes.  Returns 1 if merged, 0 if there
 * is no such sibling or the entries do not fit, or a negative errno.
 */
static int mext_merge_right(handle_t *handle, struct inode *inode,
			    struct ext4_ext_path *path, int k)
{
	const size_t esize = sizeof(struct ext4_extent);
	struct ext4_ext_path *parent = path + k - 1, *node = path + k;
	struct ext4_extent_header *nh = node->p_hdr, *rh;
	struct ext4_ext_path *rpath;
	struct ext4_extent_idx *ridx;
	struct ext4_extent *ex;
	unsigned int n, r;
	ext4_fsblk_t rblk;
	int ret;

	BUILD_BUG_ON(sizeof(struct ext4_extent_idx) != sizeof(*ex));
	if (parent->p_idx >= EXT_LAST_INDEX(parent->p_hdr))
		return 0;
	ridx = parent->p_idx + 1;
	rblk = ext4_idx_pblock(ridx);
	rpath = ext4_find_extent(inode, le32_to_cpu(ridx->ei_block), NULL,
				 EXT4_EX_NOCACHE);
	if (IS_ERR(rpath))
		return PTR_ERR(rpath);
	ret = 0;
	if (WARN_ON_ONCE(!rpath[k].p_bh || rpath[k].p_bh->b_blocknr != rblk))
		goto out;
	rh = rpath[k].p_hdr;
	n = le16_to_cpu(nh->eh_entries);
	r = le16_to_cpu(rh->eh_entries);
	if (!n || !r || n + r > le16_to_cpu(nh->eh_max) ||
	    nh->eh_depth != rh->eh_depth)
		goto out;

	ret = mext_node_access(handle, inode, node);
	if (!ret)
		ret = mext_node_access(handle, inode, parent);
	if (ret)
		goto out;
	ex = EXT_FIRST_EXTENT(nh) + n;
	memcpy(ex, EXT_FIRST_EXTENT(rh), r * esize);
	/* in a leaf, the extents either side of the seam may be one */
	if (!nh->eh_depth && mext_join(ex - 1, ex)) {
		memmove(ex, ex + 1, (r - 1) * esize);
		r--;
	}
	nh->eh_entries = cpu_to_le16(n + r);
	memmove(ridx, ridx + 1,
		(EXT_LAST_INDEX(parent->p_hdr) - ridx) * sizeof(*ridx));
	le16_add_cpu(&parent->p_hdr->eh_entries, -1);
	ret = mext_node_dirty(handle, inode, node);
	if (!ret)
		ret = mext_node_dirty(handle, inode, parent);
	if (ret)
		goto out;
	ext4_free_ext_path(rpath);
	ext4_free_blocks(handle, inode, NULL, rblk, 1,
			 EXT4_FREE_BLOCKS_METADATA | EXT4_FREE_BLOCKS_FORGET);
	return 1;
out:
	ext4_free_ext_path(rpath);
	return ret;
}

/*
 * Merge node @k (1..depth) of @path into its left sibling under the same
 * parent: the node left of a moved range may have been compacted by an
 * earlier call while this one was still full.  Returns as
 * mext_merge_right().
 */
static int mext_merge_left(handle_t *handle, struct inode *inode,
			   struct ext4_ext_path *path, int k)
{
	struct ext4_ext_path *lpath;
	struct ext4_extent_idx *lidx;
	int ret = 0;

	if (path[k - 1].p_idx <= EXT_FIRST_INDEX(path[k - 1].p_hdr))
		return 0;
	lidx = path[k - 1].p_idx - 1;
	lpath = ext4_find_extent(inode, le32_to_cpu(lidx->ei_block), NULL,
				 EXT4_EX_NOCACHE);
	if (IS_ERR(lpath))
		return PTR_ERR(lpath);
	if (!WARN_ON_ONCE(!lpath[k].p_bh ||
			  lpath[k].p_bh->b_blocknr != ext4_idx_pblock(lidx)))
		ret = mext_merge_right(handle, inode, lpath, k);
	ext4_free_ext_path(lpath);
	return ret;
}

/*
 * If the root holds a single child whose entries fit in the inode, take
 * them into the inode and free the child's block: the tree is one level
 * less deep.  Returns 1 if done, 0 if not possible, or a negative errno.
 */
static int mext_pull_up(handle_t *handle, struct inode *inode,
			struct ext4_ext_path *path)
{
	struct ext4_extent_header *root = path[0].p_hdr, *child;
	unsigned int n;
	ext4_fsblk_t blk;
	int ret;

	if (!ext_depth(inode) || le16_to_cpu(root->eh_entries) != 1)
		return 0;
	child = path[1].p_hdr;
	n = le16_to_cpu(child->eh_entries);
	if (n > le16_to_cpu(root->eh_max))
		return 0;
	blk = path[1].p_bh->b_blocknr;
	ret = mext_node_access(handle, inode, path);
	if (ret)
		return ret;
	memcpy(EXT_FIRST_EXTENT(root), EXT_FIRST_EXTENT(child),
	       n * sizeof(struct ext4_extent));
	root->eh_entries = child->eh_entries;
	root->eh_depth = child->eh_depth;
	ret = ext4_mark_inode_dirty(handle, inode);
	if (ret)
		return ret;
	ext4_free_blocks(handle, inode, NULL, blk, 1,
			 EXT4_FREE_BLOCKS_METADATA | EXT4_FREE_BLOCKS_FORGET);
	return 1;
}

/* First logical block of the node right of @path's leaf, or EXT_MAX_BLOCKS */
static ext4_lblk_t mext_next_node(struct ext4_ext_path *path, int depth)
{
	int k;

	for (k = depth - 1; k >= 0; k--)
		if (path[k].p_idx < EXT_LAST_INDEX(path[k].p_hdr))
			return le32_to_cpu(path[k].p_idx[1].ei_block);
	return EXT_MAX_BLOCKS;
}

/*
 * One position of the walk: merge the nodes on the path to @*cur with
 * their siblings, deepest first, then pull up; when nothing merges, go on
 * to the next leaf.  Returns 1 after a merge, 0 after moving on, or a negative errno.
 */
static int mext_compact_at(handle_t *handle, struct inode *inode,
			   ext4_lblk_t *cur)
{
	struct ext4_ext_path *path;
	ext4_lblk_t next;
	int depth, k, ret = 0;

	path = ext4_find_extent(inode, *cur, NULL, EXT4_EX_NOCACHE);
	if (IS_ERR(path))
		return PTR_ERR(path);
	depth = ext_depth(inode);
	for (k = depth; k >= 1 && !ret; k--) {
		ret = mext_merge_left(handle, inode, path, k);
		if (!ret)
			ret = mext_merge_right(handle, inode, path, k);
	}
	if (!ret && depth)
		ret = mext_pull_up(handle, inode, path);
	if (!ret) {
		next = mext_next_node(path, depth);
		*cur = next > *cur ? next : EXT_MAX_BLOCKS;
	}
	ext4_free_ext_path(path);
	return ret;
}

/*
 * mext_compact_walk() - merge the nodes of @inode's extent tree from
 * *@cur up to @to with their neighbours while they fit (see above), under
 * @handle and the write-locked i_data_sem, for as long as the handle has a
 * worst case of credits left.  *@cur is where the walk stopped (@to or
 * beyond when it is complete).
 */
static int mext_compact_walk(handle_t *handle, struct inode *inode,
			     ext4_lblk_t *cur, ext4_lblk_t to)
{
	int unit = mext_merge_credits(inode);
	int revoke = ext4_free_metadata_revoke_credits(inode->i_sb, 1);
	int visits, ret;

	for (visits = 0; *cur < to && visits < MEXT_COMPACT_VISITS; visits++) {
		if (ext4_handle_valid(handle) &&
		    (jbd2_handle_buffer_credits(handle) < unit ||
		     handle->h_revoke_credits < revoke))
			break;
		ret = mext_compact_at(handle, inode, cur);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The credits a walk is started with: MEXT_COMPACT_BATCH worst-case
 * merges, fewer if the journal is small.  Every merge revokes its freed
 * block, but a journal block holds hundreds of revoke records, so those
 * are reserved plentifully.
 */
static int mext_compact_credits(struct inode *inode, int *revoke)
{
	journal_t *journal = EXT4_SB(inode->i_sb)->s_journal;
	int unit = mext_merge_credits(inode), batch = MEXT_COMPACT_BATCH;

	if (journal)
		batch = clamp(journal->j_max_transaction_buffers / 4 / unit, 1,
			      MEXT_COMPACT_BATCH);
	*revoke = 4 * batch * ext4_free_metadata_revoke_credits(inode->i_sb, 1);
	return batch * unit;
}

/*
 * mext_compact() - compact @inode's extent tree from @from up to @to in
 * handles of its own.  Called with i_rwsem held and nothing else.
 */
static int mext_compact(struct inode *inode, ext4_lblk_t from, ext4_lblk_t to)
{
	ext4_lblk_t cur = from;
	handle_t *handle;
	int ret = 0, ret2, credits, revoke;

	credits = mext_compact_credits(inode, &revoke);
	while (cur < to && !ret) {
		if (!ext_depth(inode))
			break;	/* racy peek; nothing to merge in the inode */
		handle = ext4_journal_start_with_revoke(inode,
							EXT4_HT_MOVE_EXTENTS,
							credits, revoke);
		if (IS_ERR(handle))
			return PTR_ERR(handle);
		down_write(&EXT4_I(inode)->i_data_sem);
		ret = mext_compact_walk(handle, inode, &cur, to);
		up_write(&EXT4_I(inode)->i_data_sem);
		ret2 = ext4_journal_stop(handle);
		if (!ret)
			ret = ret2;
		cond_resched();
	}
	return ret;
}

/*
 * One step: see the comment at the top of the file.  Returns the number of
 * blocks moved (0 with *@err == -EAGAIN if the mapping changed since it was
 * planned).
 */
static ext4_lblk_t mext_step(struct mext_ctx *ctx, int *err)
{
	struct inode *orig = ctx->orig, *donor = ctx->donor;
	unsigned int bits = orig->i_blkbits;
	ext4_lblk_t swapped = 0, hole;
	handle_t *handle;
	int ret, stop;

	/*
	 * Nothing of the donor's range may stay cached: after the swap it
	 * is backed by the original file's old blocks, marked unwritten.
	 */
	truncate_pagecache_range(donor, (loff_t)ctx->d_blk << bits,
				 ((loff_t)(ctx->d_blk + ctx->len) << bits) - 1);

	handle = ext4_journal_start_with_revoke(orig, EXT4_HT_MOVE_EXTENTS,
						mext_step_credits(ctx), 4);
	if (IS_ERR(handle)) {
		*err = PTR_ERR(handle);
		return 0;
	}
	ret = mext_lock_folios(ctx);
	if (!ret && !ctx->unwritten)
		ret = mext_read_folios(ctx);
	if (ret)
		goto out_unlock_folios;

	ext4_double_down_write_data_sem(orig, donor);
	ret = mext_lookup(orig, ctx->o_blk, ctx->len, true, &ctx->now[0],
			  &hole);
	if (!ret)
		ret = mext_lookup(donor, ctx->d_blk, ctx->len, false,
				  &ctx->now[1], &hole);
	if (ret)
		goto out_up_data_sem;
	if (!mext_map_equal(&ctx->plan[0], &ctx->now[0]) ||
	    !mext_map_equal(&ctx->plan[1], &ctx->now[1])) {
		ret = -EAGAIN;
		goto out_up_data_sem;
	}

	swapped = mext_swap(handle, ctx, &ret);
	/*
	 * Whatever was swapped, also on error, is made whole here, before
	 * any lock is dropped: its buffers follow the blocks and the data
	 * read from the old blocks is dirtied for the new ones.
	 */
	mext_remap_folios(ctx, swapped);
	if (swapped) {
		/*
		 * fsync() and fdatasync() of either file wait for this
		 * transaction: the swap changed where their data is, which a
		 * leaf block alone (no inode dirtied) would not tell them.  A
		 * fast commit does not record swaps: the next is a full one.
		 */
		ext4_update_inode_fsync_trans(handle, orig, 1);
		ext4_update_inode_fsync_trans(handle, donor, 1);
		ext4_fc_mark_ineligible(orig->i_sb, EXT4_FC_REASON_SWAP_BOOT,
					handle);
		if (ext4_handle_valid(handle)) {
			ctx->swapped = true;
			ctx->tid = handle->h_transaction->t_tid;
		}
	}
	if (swapped && !ctx->unwritten) {
		int ret2 = ext4_jbd2_inode_add_write(handle, orig,
				(loff_t)ctx->o_blk << bits,
				(loff_t)swapped << bits);
		if (!ret)
			ret = ret2;
	}
	/*
	 * The step that ends the call compacts the tree over the whole call
	 * under its own handle and locks, if the journal lets the handle
	 * grow by a compaction's credits: no handle of its own for it.
	 */
	if (!ret && ctx->o_blk + swapped == ctx->end) {
		ext4_lblk_t cur = ctx->c_from;
		int credits, revoke;

		credits = mext_compact_credits(orig, &revoke);
		if (!ext_depth(orig)) {
			ctx->compacted = true;	/* all in the inode */
		} else if (!ext4_journal_extend(handle, credits, revoke)) {
			ret = mext_compact_walk(handle, orig, &cur, ctx->end);
			ctx->compacted = !ret && cur >= ctx->end;
			/* the move is done; the call's end tries again */
			if (ret == -ENOMEM)
				ret = 0;
		}
	}

	/*
	 * The step is complete: the mapping and the page cache agree again,
	 * so the locks go, innermost first; a retry after -EAGAIN must drop
	 * them all too, to take them again in order.
	 */
out_up_data_sem:
	ext4_double_up_write_data_sem(orig, donor);
out_unlock_folios:
	mext_unlock_folios(ctx);
	stop = ext4_journal_stop(handle);
	*err = ret ? ret : stop;
	return swapped;
}

/*
 * mext_check() - refuse what cannot be moved, before doing anything.  Called
 * with both i_rwsem held.  *@len is cut to both files' ends.
 */
static int mext_check(struct inode *orig, struct inode *donor, __u64 o_start,
		      __u64 d_start, __u64 *len)
{
	unsigned int blkbits = orig->i_blkbits;
	__u64 mask = (PAGE_SIZE >> blkbits) - 1;
	__u64 o_eof, d_eof;

	if (ext4_should_journal_data(orig) || ext4_should_journal_data(donor)) {
		ext4_msg(orig->i_sb, KERN_ERR,
			 "Online defrag not supported with data journaling");
		return -EOPNOTSUPP;
	}
	if (IS_ENCRYPTED(orig) || IS_ENCRYPTED(donor)) {
		ext4_msg(orig->i_sb, KERN_ERR,
			 "Online defrag not supported for encrypted files");
		return -EOPNOTSUPP;
	}
	if (ext4_has_feature_bigalloc(orig->i_sb) || IS_DAX(orig) ||
	    IS_DAX(donor) || IS_VERITY(orig) || IS_VERITY(donor))
		return -EOPNOTSUPP;
	if (donor->i_mode & (S_ISUID | S_ISGID))
		return -EINVAL;
	if (IS_IMMUTABLE(orig) || IS_APPEND(orig) ||
	    IS_IMMUTABLE(donor) || IS_APPEND(donor))
		return -EPERM;
	if (IS_SWAPFILE(orig) || IS_SWAPFILE(donor))
		return -ETXTBSY;
	if (ext4_is_quota_file(orig) || ext4_is_quota_file(donor))
		return -EOPNOTSUPP;
	if (ext4_has_inline_data(orig) || ext4_has_inline_data(donor) ||
	    !ext4_test_inode_flag(orig, EXT4_INODE_EXTENTS) ||
	    !ext4_test_inode_flag(donor, EXT4_INODE_EXTENTS))
		return -EOPNOTSUPP;
	if (!orig->i_size || !donor->i_size)
		return -EINVAL;
	/* Both ranges must sit at the same offset within a page */
	if ((o_start & mask) != (d_start & mask))
		return -EINVAL;
	if (o_start >= EXT_MAX_BLOCKS || d_start >= EXT_MAX_BLOCKS ||
	    *len > EXT_MAX_BLOCKS || o_start + *len >= EXT_MAX_BLOCKS ||
	    d_start + *len >= EXT_MAX_BLOCKS)
		return -EINVAL;

	o_eof = (i_size_read(orig) + (1 << blkbits) - 1) >> blkbits;
	d_eof = (i_size_read(donor) + (1 << blkbits) - 1) >> blkbits;
	*len = min(*len, o_eof > o_start ? o_eof - o_start : 0);
	*len = min(*len, d_eof > d_start ? d_eof - d_start : 0);
	if (!*len)
		return -EINVAL;
	return 0;
}

/*
 * Start reading the original file's data up to two steps ahead, so that
 * the reads of the next step overlap the work on this one.  Called with
 * only i_rwsem held: readahead takes the invalidate_lock and folio locks
 * itself.  Cached folios are skipped; for holes it just zeroes folios.
 */
static void mext_readahead(struct mext_ctx *ctx, ext4_lblk_t end)
{
	struct inode *inode = ctx->orig;
	unsigned int shift = PAGE_SHIFT - inode->i_blkbits;
	ext4_lblk_t step = MEXT_STEP_BYTES >> inode->i_blkbits;
	ext4_lblk_t from = max(ctx->o_blk, ctx->ra_end);
	ext4_lblk_t to = min_t(u64, end, (u64)ctx->o_blk + 2 * step);
	DEFINE_READAHEAD(ractl, ctx->o_filp, &ctx->o_filp->f_ra,
			 inode->i_mapping, from >> shift);

	/* in batches of a step, not a few blocks at a time */
	if (from >= to || (to - from < step && to != end))
		return;
	page_cache_ra_unbounded(&ractl,
				((to - 1) >> shift) - (from >> shift) + 1, 0);
	ctx->ra_end = to;
}

static int mext_flush(struct inode *inode, __u64 blk, __u64 len)
{
	loff_t start = blk << inode->i_blkbits;
	loff_t end = ((blk + len) << inode->i_blkbits) - 1;

	return filemap_write_and_wait_range(inode->i_mapping, start, end);
}

/**
 * ext4_move_extents() - exchange the blocks of a range of a file with the
 *	blocks of a donor file, keeping the file's data
 * @o_filp: the file whose blocks are replaced (open for reading and writing)
 * @d_filp: the donor file (open for writing)
 * @orig_blk: first block of the range in @o_filp
 * @donor_blk: first block of the range in @d_filp
 * @len: number of blocks
 * @moved_len: out: how many blocks of the range, from @orig_blk, are done:
 *	moved, or skipped because they are a hole in @o_filp.  Exact also on
 *	error, so that a caller can continue at @orig_blk + *@moved_len.
 *
 * After the call the range of @o_filp holds the same data on what were the
 * donor's blocks; the donor's range holds the file's former blocks, marked
 * unwritten.  Holes in @o_filp's range are skipped; the donor must have
 * blocks wherever @o_filp has.  @o_filp's extent tree over the range is
 * then compacted (mext_compact()).
 *
 * Return: 0 on success or a negative errno: -EINVAL, -EPERM, -ETXTBSY,
 * -EOPNOTSUPP for a refused request (nothing done); -ENODATA if the donor
 * lacks blocks; -EBUSY if the range kept changing under us; -ENOSPC,
 * -ENOMEM, -EIO from the work itself.
 */
int ext4_move_extents(struct file *o_filp, struct file *d_filp, __u64 orig_blk,
		      __u64 donor_blk, __u64 len, __u64 *moved_len)
{
	struct inode *orig = file_inode(o_filp);
	struct inode *donor = file_inode(d_filp);
	struct super_block *sb = orig->i_sb;
	struct mext_ctx *ctx;
	ext4_lblk_t end;
	int retries = 0, enospc = 0, ret;

	*moved_len = 0;
	if (sb != donor->i_sb)
		return -EXDEV;
	if (orig == donor)
		return -EINVAL;
	if (!S_ISREG(orig->i_mode) || !S_ISREG(donor->i_mode))
		return -EINVAL;

	ctx = kvzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->folios = kvcalloc(MEXT_STEP_BYTES / PAGE_SIZE + 1,
			       sizeof(*ctx->folios), GFP_KERNEL);
	if (!ctx->folios) {
		kvfree(ctx);
		return -ENOMEM;
	}
	ctx->o_filp = o_filp;
	ctx->orig = orig;
	ctx->donor = donor;

	/* Excludes writes, truncate, fallocate and direct I/O on both */
	lock_two_nondirectories(orig, donor);
	ret = mext_check(orig, donor, orig_blk, donor_blk, &len);
	if (ret)
		goto out_unlock;
	inode_dio_wait(orig);
	inode_dio_wait(donor);

	/* Give delayed allocations in both ranges their blocks first */
	ret = mext_flush(orig, orig_blk, len);
	if (!ret)
		ret = mext_flush(donor, donor_blk, len);
	if (ret)
		goto out_unlock;

	ctx->o_blk = orig_blk;
	ctx->d_blk = donor_blk;
	end = orig_blk + len;
	ctx->end = end;
	/* from the node left of the range: it may take what is moved */
	ctx->c_from = orig_blk ? orig_blk - 1 : 0;
	while (ctx->o_blk < end) {
		ext4_lblk_t skip = 0, done = 0;

		mext_readahead(ctx, end);
		/*
		 * The invalidate_lock is held for one step only, so that page
		 * faults on the files wait for one step, not for the call.
		 */
		filemap_invalidate_lock_two(orig->i_mapping, donor->i_mapping);
		ret = mext_plan(ctx, end - ctx->o_blk, &skip);
		if (!ret && ctx->len)
			done = mext_step(ctx, &ret);
		filemap_invalidate_unlock_two(orig->i_mapping,
					      donor->i_mapping);
		done += skip;
		ctx->o_blk += done;
		ctx->d_blk += done;
		*moved_len += done;
		if (ret == -EAGAIN) {
			/* the mapping changed before we held the locks */
			if (++retries <= MEXT_MAX_RETRIES)
				continue;
			ret = -EBUSY;
			break;
		}
		if (ret == -ENOSPC && ext4_should_retry_alloc(sb, &enospc))
			continue;
		if (WARN_ON_ONCE(!ret && !done))
			ret = -EUCLEAN;		/* no progress: never loop */
		if (ret)
			break;
		retries = 0;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}

	if (*moved_len) {
		int ret2;

		/*
		 * Under i_data_sem, as mballoc wants: no allocation (the
		 * writeback of pages outside the range) may be using them.
		 */
		ext4_double_down_write_data_sem(orig, donor);
		ext4_discard_preallocations(orig);
		ext4_discard_preallocations(donor);
		ext4_double_up_write_data_sem(orig, donor);
		/*
		 * What the last step did not compact (the call ended early,
		 * in a hole, or that handle could not grow).  Compaction is
		 * an optimisation: a lack of memory is no error of the move.
		 */
		if (!ctx->compacted)
			ret2 = mext_compact(orig, ctx->c_from,
					    orig_blk + *moved_len);
		else
			ret2 = 0;
		if (!ret && ret2 && ret2 != -ENOMEM)
			ret = ret2;
	}
	/*
	 * The donor holds the file's old blocks now, and the file gets them
	 * back if the transaction of the swaps is lost in a crash: until it
	 * commits, nothing may write them.  Whoever else can reach the donor
	 * could (a linked donor written or moved again), and so could any
	 * allocation once the donor is freed in data=writeback mode, where
	 * freed data blocks are not held until the commit.  An unlinked
	 * donor in the other modes (e4defrag2's O_TMPFILE) needs no wait.
	 */
	if (ctx->swapped &&
	    (donor->i_nlink || ext4_should_writeback_data(donor))) {
		int ret3 = jbd2_complete_transaction(EXT4_SB(sb)->s_journal,
						     ctx->tid);

		if (!ret)
			ret = ret3;
	}
	/* Dropped last: the call is over */
out_unlock:
	unlock_two_nondirectories(orig, donor);
	kvfree(ctx->folios);
	kvfree(ctx);
	return ret;
}
