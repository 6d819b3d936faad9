/* SPDX-License-Identifier: GPL-2.0 */
/*
 * score.h - how fragmented a file is, against what a perfect layout of the
 * same data on the same filesystem could achieve. Pure functions.
 *
 * "Extents" are counted the way filefrag counts them: a new extent starts
 * wherever the next mapped block is neither physically adjacent to the
 * previous one nor, after a hole, as far from it physically as logically. A perfect layout still needs a break where the data must step over
 * filesystem metadata (bitmaps and inode tables at the start of a group, or
 * of a flex group, and backup superblocks); such breaks are unavoidable.
 */
#ifndef E4D_SCORE_H
#define E4D_SCORE_H

#include <stdbool.h>
#include <stdint.h>

struct e4d_extents;

#define E4D_MAX_EXTENT_LEN	32768u	/* ext4's longest initialised extent */

/*
 * Geometry the score needs. meta_end[g] is the first block after the
 * metadata that sits at the start of group g (== the group's first block
 * when it starts with data); NULL when unknown (no access to the device),
 * then only the estimate from region is used.
 */
struct e4d_geom {
	unsigned int blocksize;
	uint64_t first_data_block;
	uint64_t blocks_count;
	uint32_t blocks_per_group;
	uint32_t groups_per_flex;	/* 1 without flex_bg */
	uint64_t region;		/* longest data run between metadata */
	uint64_t ngroups;
	const uint64_t *meta_end;	/* ngroups entries, or NULL */
	bool estimated;			/* geometry guessed, not read */
};

struct e4d_score {
	uint64_t extents;	/* physically contiguous runs (filefrag's) */
	uint64_t records;	/* mapping entries, as FIEMAP / the tree has */
	uint64_t ideal;		/* extents a perfect layout needs */
	uint64_t blocks;	/* mapped blocks, written and unwritten */
	uint64_t unwritten;	/* unwritten (preallocated) extents */
	uint64_t holes;		/* unmapped ranges inside i_size */
	uint64_t avoidable;	/* breaks that a better layout removes */
	uint64_t excess;	/* min(extents - ideal, avoidable) */
	double score;		/* 100 * excess / extents; 0 = cannot improve */
};

/**
 * e4d_geom_estimate() - geometry for a filesystem whose metadata cannot be
 * read: mkfs.ext4's defaults for the block size
 * @g: geometry to fill
 * @blocksize: block size in bytes
 * @blocks_count: size of the filesystem in blocks (0 if unknown)
 */
void e4d_geom_estimate(struct e4d_geom *g, unsigned int blocksize,
		       uint64_t blocks_count);

/**
 * e4d_ideal_extents() - extents a perfect layout of @blocks blocks needs
 * @g: filesystem geometry
 * @blocks: mapped blocks of the file
 *
 * Return: ceil(@blocks / region) for a non-empty file, 0 for an empty one.
 */
uint64_t e4d_ideal_extents(const struct e4d_geom *g, uint64_t blocks);

/**
 * e4d_break_is_unavoidable() - whether a layout break from @prev_end to
 * @next_start only steps over metadata at the start of a group
 * @g: filesystem geometry
 * @prev_end: first physical block after the previous extent
 * @next_start: first physical block of the next extent
 *
 * Return: true when no layout could have joined the two runs.
 */
bool e4d_break_is_unavoidable(const struct e4d_geom *g, uint64_t prev_end,
			      uint64_t next_start);

/**
 * e4d_score_file() - score one file's mapping
 * @g: filesystem geometry
 * @el: the file's extents, sorted by logical block
 * @size: i_size in bytes (for holes at the end)
 * @out: result
 */
void e4d_score_file(const struct e4d_geom *g, const struct e4d_extents *el,
		    uint64_t size, struct e4d_score *out);

#endif
