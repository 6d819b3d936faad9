// SPDX-License-Identifier: GPL-2.0
/*
 * test_score.c - scoring on synthetic extent lists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "e4d/extent.h"
#include "e4d/freespace.h"
#include "e4d/score.h"

#define BPG	32768u

/* 4 KiB filesystem of @ngroups groups, flex_bg of 16: metadata (8224
 * blocks) at the start of every 16th group only.
 */
static struct e4d_geom flex_geom(uint64_t ngroups, uint64_t *meta_end)
{
	struct e4d_geom g = {
		.blocksize = 4096,
		.blocks_per_group = BPG,
		.groups_per_flex = 16,
		.blocks_count = ngroups * BPG,
		.ngroups = ngroups,
		.meta_end = meta_end,
		.region = 16 * BPG - 8224,
	};
	uint64_t i;

	for (i = 0; i < ngroups; i++)
		meta_end[i] = i * BPG + (i % 16 ? 0 : 8224);
	return g;
}

static void add(struct e4d_extents *el, uint64_t l, uint64_t p, uint64_t n,
		unsigned int flags)
{
	assert_int_equal(e4d_extents_add(el, l, p, n, flags), 0);
}

static void test_empty_file(void **state)
{
	uint64_t me[16];
	struct e4d_geom g = flex_geom(16, me);
	struct e4d_extents el = { 0 };
	struct e4d_score s;

	e4d_score_file(&g, &el, 0, &s);
	assert_int_equal(s.extents, 0);
	assert_int_equal(s.ideal, 0);
	assert_int_equal(s.holes, 0);
	assert_true(s.score == 0);
	/* a size but no blocks: one hole */
	e4d_score_file(&g, &el, 1 << 20, &s);
	assert_int_equal(s.holes, 1);
	assert_int_equal(s.extents, 0);
}

static void test_contiguous_pieces_merge(void **state)
{
	uint64_t me[16];
	struct e4d_geom g = flex_geom(16, me);
	struct e4d_extents el = { 0 };
	struct e4d_score s;

	/* three records back to back, as a 32768-block split leaves them */
	add(&el, 0, 10000, 100, 0);
	add(&el, 100, 10100, 100, E4D_EXT_UNWRITTEN);
	add(&el, 200, 10200, 100, 0);
	e4d_score_file(&g, &el, 300 * 4096, &s);
	assert_int_equal(s.records, 3);
	assert_int_equal(s.extents, 1);	/* filefrag counts one */
	assert_int_equal(s.unwritten, 1);
	assert_int_equal(s.ideal, 1);
	assert_true(s.score == 0);
	e4d_extents_free(&el);
}

static void test_holes_are_not_fragmentation(void **state)
{
	uint64_t me[16];
	struct e4d_geom g = flex_geom(16, me);
	struct e4d_extents el = { 0 };
	struct e4d_score s;

	add(&el, 10, 20000, 5, 0);	/* hole before */
	add(&el, 100, 20005, 5, 0);	/* hole between, right after */
	add(&el, 200, 50000, 5, 0);	/* hole, somewhere else */
	e4d_score_file(&g, &el, 400 * 4096, &s);
	assert_int_equal(s.holes, 4);	/* before, 2 between, after */
	assert_int_equal(s.extents, 2);
	assert_int_equal(s.avoidable, 0);
	assert_int_equal(s.excess, 0);
	assert_int_equal(s.ideal, 2);
	assert_true(s.score == 0);
	e4d_extents_free(&el);
}

/* filefrag joins two extents across a hole when the physical gap equals
 * the logical one (blocks 0-3 at P and 40-43 at P + 40: "1 extent"), as
 * when they are physically adjacent; any other gap is a new extent
 */
static void test_hole_gap_as_allocated(void **state)
{
	uint64_t me[16];
	struct e4d_geom g = flex_geom(16, me);
	struct e4d_extents el = { 0 };
	struct e4d_score s;

	add(&el, 0, 16385, 4, 0);
	add(&el, 40, 16425, 4, 0);	/* the gap of the hole */
	e4d_score_file(&g, &el, 1024 * 4096, &s);
	assert_int_equal(s.extents, 1);
	assert_int_equal(s.holes, 2);
	assert_int_equal(s.ideal, 1);
	add(&el, 50, 16435, 4, 0);	/* again */
	add(&el, 60, 16439, 4, 0);	/* right after the last */
	add(&el, 70, 16454, 4, 0);	/* neither: one more */
	add(&el, 90, 16474, 4, 0);	/* the hole's gap from there */
	e4d_score_file(&g, &el, 1024 * 4096, &s);
	assert_int_equal(s.extents, 2);
	assert_int_equal(s.excess, 0);
	e4d_extents_reset(&el);
	add(&el, 0, 16385, 4, 0);
	add(&el, 40, 16426, 4, 0);	/* one off: a new extent */
	e4d_score_file(&g, &el, 1024 * 4096, &s);
	assert_int_equal(s.extents, 2);
	e4d_extents_free(&el);
}

static void test_unwritten_apart_is_fragmentation(void **state)
{
	uint64_t me[16];
	struct e4d_geom g = flex_geom(16, me);
	struct e4d_extents el = { 0 };
	struct e4d_score s;

	add(&el, 0, 20000, 50, 0);
	add(&el, 50, 90000, 50, E4D_EXT_UNWRITTEN);
	e4d_score_file(&g, &el, 100 * 4096, &s);
	assert_int_equal(s.extents, 2);
	assert_int_equal(s.unwritten, 1);
	assert_int_equal(s.excess, 1);
	assert_int_equal(s.ideal, 1);
	assert_true(s.score == 50.0);
	e4d_extents_free(&el);
}

static void test_group_boundary_metadata(void **state)
{
	uint64_t me[32];
	struct e4d_geom g = flex_geom(32, me);
	struct e4d_extents el = { 0 };
	struct e4d_score s;
	uint64_t flex1 = 16 * BPG;	/* group 16 starts a flex group */

	/* data runs up to group 16 and resumes right after its metadata */
	add(&el, 0, flex1 - 100, 100, 0);
	add(&el, 100, flex1 + 8224, 100, 0);
	e4d_score_file(&g, &el, 200 * 4096, &s);
	assert_int_equal(s.extents, 2);
	assert_int_equal(s.avoidable, 0);
	assert_true(s.score == 0);

	/* one block further: not explained by metadata */
	e4d_extents_reset(&el);
	add(&el, 0, flex1 - 100, 100, 0);
	add(&el, 100, flex1 + 8225, 100, 0);
	e4d_score_file(&g, &el, 200 * 4096, &s);
	assert_int_equal(s.avoidable, 1);
	assert_int_equal(s.excess, 1);
	assert_true(s.score == 50.0);

	/* a group with no metadata is no excuse */
	e4d_extents_reset(&el);
	add(&el, 0, 3 * BPG - 100, 100, 0);
	add(&el, 100, 3 * BPG + 10, 100, 0);
	e4d_score_file(&g, &el, 200 * 4096, &s);
	assert_int_equal(s.excess, 1);
	e4d_extents_free(&el);
}

/* A perfect 1 TiB file: laid out from the first data block, stepping only
 * over flex metadata, in records of at most 32768 blocks.
 */
static void test_perfect_1tib_file(void **state)
{
	uint64_t ngroups = 8192 + 512, blocks = 1ull << 28; /* 1 TiB */
	uint64_t *me = calloc(ngroups, sizeof(*me));
	struct e4d_geom g;
	struct e4d_extents el = { 0 };
	struct e4d_score s;
	uint64_t l = 0, p, grp = 0;

	assert_non_null(me);
	g = flex_geom(ngroups, me);
	p = me[0];
	while (l < blocks) {
		uint64_t flex_end = (grp / 16 + 1) * 16 * BPG;
		uint64_t n = flex_end - p;

		if (n > E4D_MAX_EXTENT_LEN)
			n = E4D_MAX_EXTENT_LEN;
		if (n > blocks - l)
			n = blocks - l;
		add(&el, l, p, n, 0);
		l += n;
		p += n;
		if (p == flex_end) {
			grp = p / BPG;
			p = me[grp];
		}
	}
	e4d_score_file(&g, &el, blocks * 4096, &s);
	assert_int_equal(s.blocks, blocks);
	/* one run per flex group's data area, as the ideal says */
	assert_int_equal(s.extents, (blocks + g.region - 1) / g.region);
	assert_int_equal(s.avoidable, 0);
	assert_int_equal(s.excess, 0);
	assert_true(s.score == 0);
	assert_int_equal(s.ideal, s.extents);
	assert_int_equal(e4d_ideal_extents(&g, blocks),
			 (blocks + g.region - 1) / g.region);
	e4d_extents_free(&el);
	free(me);
}

static void test_badly_fragmented(void **state)
{
	uint64_t me[64];
	struct e4d_geom g = flex_geom(64, me);
	struct e4d_extents el = { 0 };
	struct e4d_score s;
	uint64_t i;

	for (i = 0; i < 1000; i++)	/* 1000 pieces, every other block */
		add(&el, i * 16, 20000 + i * 32, 16, 0);
	e4d_score_file(&g, &el, 16000 * 4096, &s);
	assert_int_equal(s.extents, 1000);
	assert_int_equal(s.ideal, 1);
	assert_int_equal(s.excess, 999);
	assert_true(s.score > 99.8 && s.score < 100);
	e4d_extents_free(&el);
}

static void test_estimated_geometry(void **state)
{
	struct e4d_geom g;

	e4d_geom_estimate(&g, 4096, 1 << 20);
	assert_true(g.estimated);
	assert_int_equal(g.blocks_per_group, 32768);
	assert_int_equal(g.region, 16 * (32768 - 2 - 512));
	assert_int_equal(e4d_ideal_extents(&g, 0), 0);
	assert_int_equal(e4d_ideal_extents(&g, 1), 1);
	assert_int_equal(e4d_ideal_extents(&g, g.region + 1), 2);
	/* a break at a group start over a flex group's worth of metadata */
	assert_true(e4d_break_is_unavoidable(&g, 16 * 32768,
					     16 * 32768 + 8224));
	assert_false(e4d_break_is_unavoidable(&g, 16 * 32768 - 1,
					      16 * 32768 + 8224));
	e4d_geom_estimate(&g, 1024, 0);
	assert_int_equal(g.first_data_block, 1);
	assert_int_equal(g.blocks_per_group, 8192);
}

static void test_freespace_histogram(void **state)
{
	struct e4d_freespace f = { 0 };

	e4d_freespace_add(&f, 1, 4096);
	e4d_freespace_add(&f, 3, 4096);
	e4d_freespace_add(&f, 4096, 4096);	/* 16 MiB */
	e4d_freespace_add(&f, 0, 4096);		/* ignored */
	assert_int_equal(f.free_extents, 3);
	assert_int_equal(f.free_blocks, 4100);
	assert_int_equal(f.largest, 4096);
	assert_int_equal(f.count[0], 1);
	assert_int_equal(f.count[1], 1);
	assert_int_equal(f.count[12], 1);
	assert_int_equal(f.small_blocks, 4);
	assert_true(f.frag_pct > 0.09 && f.frag_pct < 0.1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_contiguous_pieces_merge),
		cmocka_unit_test(test_holes_are_not_fragmentation),
		cmocka_unit_test(test_hole_gap_as_allocated),
		cmocka_unit_test(test_unwritten_apart_is_fragmentation),
		cmocka_unit_test(test_group_boundary_metadata),
		cmocka_unit_test(test_perfect_1tib_file),
		cmocka_unit_test(test_badly_fragmented),
		cmocka_unit_test(test_estimated_geometry),
		cmocka_unit_test(test_freespace_histogram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
