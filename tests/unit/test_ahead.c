// SPDX-License-Identifier: GPL-2.0
/*
 * test_ahead.c - reading the next file while the current one moves
 * (e4d/ahead.h), and how the move treats the pages read for it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "e4d/ahead.h"
#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/move.h"
#include "e4d/plan.h"
#include "e4d/sys.h"

#define BS	4096

/* the fake file: one extent over its size; some pages may be cached */
static struct {
	uint64_t ino;
	off_t size;
	unsigned char resident[1024];
	uint64_t read_bytes;
	int nreads;
	off_t drop_off[8], drop_len[8];
	int ndrops;
	int nmoves;
} F;

static int f_fstat(int fd, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0644;
	st->st_dev = 7;
	st->st_ino = F.ino;
	st->st_size = F.size;
	st->st_nlink = 1;
	return 0;
}

static int f_fiemap(int fd, struct fiemap *fm)
{
	struct fiemap_extent *fe = &fm->fm_extents[0];

	fm->fm_mapped_extents = 0;
	if (fm->fm_start >= (uint64_t)F.size || !F.size)
		return 0;
	memset(fe, 0, sizeof(*fe));
	fe->fe_logical = 0;
	fe->fe_physical = 1 << 20;
	fe->fe_length = (F.size + BS - 1) / BS * BS;
	fe->fe_flags = FIEMAP_EXTENT_LAST;
	fm->fm_mapped_extents = 1;
	return 0;
}

static int f_mincore(int fd, off_t off, size_t len, unsigned char *vec)
{
	size_t i, n = (len + BS - 1) / BS;

	for (i = 0; i < n; i++)
		vec[i] = off / BS + i < sizeof(F.resident) ?
			 F.resident[off / BS + i] : 0;
	return 0;
}

static ssize_t f_pread(int fd, void *buf, size_t len, off_t off)
{
	__atomic_fetch_add(&F.read_bytes, len, __ATOMIC_RELAXED);
	__atomic_fetch_add(&F.nreads, 1, __ATOMIC_RELAXED);
	return len;
}

static int f_fadvise(int fd, off_t off, off_t len, int advice)
{
	if (advice == POSIX_FADV_DONTNEED && F.ndrops < 8) {
		F.drop_off[F.ndrops] = off;
		F.drop_len[F.ndrops++] = len;
	}
	return 0;
}

static int f_move_ext(int fd, struct move_extent *me)
{
	F.nmoves++;
	me->moved_len = me->len;
	return 0;
}

static int f_zero(int fd)
{
	return 0;
}

static int f_sync_range(int fd, off_t off, off_t len)
{
	return 0;
}

static struct e4d_sys_ops fops = {
	.fstat = f_fstat,
	.fiemap = f_fiemap,
	.mincore = f_mincore,
	.pread = f_pread,
	.fadvise = f_fadvise,
	.move_ext = f_move_ext,
	.fsync = f_zero,
	.sync_range = f_sync_range,
};

static struct e4d_ctx ctx = { .ops = &fops };
static struct e4d_fs fs = { .devno = 7, .geom = { .blocksize = BS } };
static struct e4d_cand cand = { .ino = 42, .path = "/dev/null" };
static struct e4d_cand other = { .ino = 43, .path = "/dev/null" };

static int reset(void **state)
{
	memset(&F, 0, sizeof(F));
	F.ino = 42;
	F.size = 64 * BS;
	return 0;
}

/* nothing cached: the whole file is read, and dropped at the end */
static void test_reads_uncached(void **state)
{
	struct e4d_fs fs2 = { .devno = 8, .geom = { .blocksize = BS } };
	struct e4d_ahead a;

	F.size = 64 * BS - 100;		/* the tail block is read too */
	e4d_ahead_start(&a, &ctx, &fs, &cand, 1);
	assert_int_equal(e4d_ahead_for(&a, &fs, &cand), 64);
	assert_int_equal(F.read_bytes, 64 * BS);
	assert_int_equal(a.bytes, 64 * BS);
	assert_int_equal(F.ndrops, 0);
	/* another candidate (or none), or another filesystem, gets nothing */
	assert_int_equal(e4d_ahead_for(&a, &fs, &other), 0);
	assert_int_equal(e4d_ahead_for(NULL, &fs, &cand), 0);
	assert_int_equal(e4d_ahead_for(&a, &fs2, &cand), 0);
	/* what the move of another candidate dropped is not this one's */
	e4d_ahead_dropped(&a, &other, 64);
	e4d_ahead_dropped(NULL, &cand, 64);
	e4d_ahead_end(&a);
	assert_int_equal(F.ndrops, 1);
	assert_int_equal(F.drop_off[0], 0);
	assert_int_equal(F.drop_len[0], 64 * BS);
	assert_int_equal(a.fd, -1);
}

/* the move dropped the pages: not again; dropped in part: the rest */
static void test_moved_not_dropped_again(void **state)
{
	struct e4d_ahead a;

	e4d_ahead_start(&a, &ctx, &fs, &cand, 1);
	assert_int_equal(e4d_ahead_for(&a, &fs, &cand), 64);
	e4d_ahead_dropped(&a, &cand, 64);
	e4d_ahead_end(&a);
	assert_int_equal(F.ndrops, 0);
	assert_int_equal(a.fd, -1);

	e4d_ahead_start(&a, &ctx, &fs, &cand, 1);
	assert_int_equal(e4d_ahead_for(&a, &fs, &cand), 64);
	e4d_ahead_dropped(&a, &cand, 16);	/* its first window only */
	e4d_ahead_end(&a);
	assert_int_equal(F.ndrops, 1);
	assert_int_equal(F.drop_off[0], 16 * BS);
	assert_int_equal(F.drop_len[0], 48 * BS);
}

/* the file is left alone: nothing read, nothing dropped */
static void expect_untouched(void)
{
	struct e4d_ahead a;

	e4d_ahead_start(&a, &ctx, &fs, &cand, 1);
	assert_int_equal(e4d_ahead_for(&a, &fs, &cand), 0);
	assert_int_equal(F.nreads, 0);
	e4d_ahead_end(&a);
	assert_int_equal(F.ndrops, 0);
}

/* one page cached by an application */
static void test_leaves_cached_alone(void **state)
{
	F.resident[40] = 1;
	expect_untouched();
}

/* no longer the inode scanned */
static void test_other_inode(void **state)
{
	F.ino = 99;
	expect_untouched();
}

/* a large file: no more than the move's first batch */
static void test_first_batch_only(void **state)
{
	struct e4d_ahead a;

	F.size = (off_t)3 * E4D_MOVE_CHUNK * BS;
	e4d_ahead_start(&a, &ctx, &fs, &cand, 4);
	assert_int_equal(e4d_ahead_for(&a, &fs, &cand), E4D_MOVE_CHUNK);
	assert_int_equal(F.read_bytes, (uint64_t)E4D_MOVE_CHUNK * BS);
	e4d_ahead_end(&a);
}

/*
 * The move of a file read ahead: its pages are not the application's, so
 * none is dropped before the move nor read back after it; they are
 * dropped after the move like the move's own. Pages beyond ours_below
 * that are cached stay the application's.
 */
static void test_move_treats_them_as_ours(void **state)
{
	struct e4d_move_opts mo = { .blocksize = BS, .readers = 1,
				    .ours_below = 48 };
	struct e4d_move_stats st = { 0 };
	struct e4d_extents o = { 0 }, d = { 0 };
	int i;

	e4d_extents_add(&o, 0, 1000, 32, 0);
	e4d_extents_add(&o, 32, 9000, 32, 0);
	e4d_extents_add(&d, 0, 50000, 64, E4D_EXT_UNWRITTEN);
	for (i = 0; i < 48; i++)	/* read ahead */
		F.resident[i] = 1;
	F.resident[60] = 1;		/* the application's */
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 64, &mo,
					 &st), 0);
	assert_int_equal(F.nmoves, 1);
	/* before: the window dropped for page 60 (one call); after: 0-59
	 * and 61-63 dropped, page 60 read back
	 */
	assert_int_equal(F.ndrops, 3);
	assert_int_equal(F.drop_off[1], 0);
	assert_int_equal(F.drop_len[1], 60 * BS);
	assert_int_equal(F.drop_off[2], 61 * BS);
	assert_int_equal(F.drop_len[2], 3 * BS);
	/* with no application page: nothing dropped before the move */
	reset(state);
	for (i = 0; i < 48; i++)
		F.resident[i] = 1;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 64, &mo,
					 &st), 0);
	assert_int_equal(F.ndrops, 1);
	assert_int_equal(F.drop_off[0], 0);
	assert_int_equal(F.drop_len[0], 64 * BS);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reads_uncached, reset),
		cmocka_unit_test_setup(test_moved_not_dropped_again, reset),
		cmocka_unit_test_setup(test_leaves_cached_alone, reset),
		cmocka_unit_test_setup(test_other_inode, reset),
		cmocka_unit_test_setup(test_first_batch_only, reset),
		cmocka_unit_test_setup(test_move_treats_them_as_ours, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
