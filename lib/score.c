// SPDX-License-Identifier: GPL-2.0
/*
 * score.c - fragmentation of one file against a perfect layout.
 */
#include <string.h>

#include "e4d/extent.h"
#include "e4d/score.h"

void e4d_geom_estimate(struct e4d_geom *g, unsigned int blocksize,
		       uint64_t blocks_count)
{
	/* mkfs.ext4 defaults: 8 * blocksize blocks and one 256-byte inode
	 * per 16 KiB in each group, 16 groups per flex group.
	 */
	uint64_t bpg = 8ull * blocksize;
	uint64_t itable = bpg * blocksize / 16384 * 256 / blocksize;

	memset(g, 0, sizeof(*g));
	g->blocksize = blocksize;
	g->first_data_block = blocksize == 1024;
	g->blocks_count = blocks_count;
	g->blocks_per_group = bpg;
	g->groups_per_flex = 16;
	g->region = 16 * (bpg - 2 - itable);
	g->estimated = true;
}

uint64_t e4d_ideal_extents(const struct e4d_geom *g, uint64_t blocks)
{
	uint64_t region = g->region ? g->region : E4D_MAX_EXTENT_LEN;

	return (blocks + region - 1) / region;
}

bool e4d_break_is_unavoidable(const struct e4d_geom *g, uint64_t prev_end,
			      uint64_t next_start)
{
	uint64_t grp, gstart;

	if (!g->blocks_per_group || prev_end < g->first_data_block ||
	    next_start <= prev_end)
		return false;
	grp = (prev_end - g->first_data_block) / g->blocks_per_group;
	gstart = g->first_data_block + grp * g->blocks_per_group;
	if (prev_end != gstart)
		return false;
	if (g->meta_end)
		return grp < g->ngroups && next_start == g->meta_end[grp];
	/* Estimated geometry: give the benefit of the doubt to a gap no
	 * longer than a flex group's bitmaps and inode tables.
	 */
	return next_start - gstart <=
	       (uint64_t)g->groups_per_flex * g->blocks_per_group - g->region +
	       1024;
}

void e4d_score_file(const struct e4d_geom *g, const struct e4d_extents *el,
		    uint64_t size, struct e4d_score *out)
{
	uint64_t expected = 0, next_lblk = 0, size_blocks, f;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < el->n; i++) {
		const struct e4d_extent *e = &el->v[i];

		out->records++;
		out->blocks += e->len;
		if (e->flags & E4D_EXT_UNWRITTEN)
			out->unwritten++;
		if (e->lblk > next_lblk)
			out->holes++;
		/* filefrag's rule: a new extent wherever the physical
		 * position continues the previous one neither densely (right
		 * after it) nor by the logical gap (across a hole, the
		 * physical gap as long as the logical one). Breaks at a hole
		 * are the hole's, counted apart.
		 */
		if (i == 0 || (e->pblk != expected &&
			       e->pblk != expected - next_lblk + e->lblk)) {
			out->extents++;
			if (i && e->lblk == next_lblk &&
			    !e4d_break_is_unavoidable(g, expected, e->pblk))
				out->avoidable++;
		}
		expected = e->pblk + e->len;
		next_lblk = e->lblk + e->len;
	}
	size_blocks = g->blocksize ?
		      (size + g->blocksize - 1) / g->blocksize : 0;
	if (size_blocks > next_lblk)
		out->holes++;
	f = e4d_ideal_extents(g, out->blocks);
	if (f > out->extents)
		f = out->extents;
	out->excess = out->extents - f;
	if (out->excess > out->avoidable)
		out->excess = out->avoidable;
	out->ideal = out->extents - out->excess;
	out->score = out->extents ? 100.0 * out->excess / out->extents : 0;
}
