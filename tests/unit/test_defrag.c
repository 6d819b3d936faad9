// SPDX-License-Identifier: GPL-2.0
/*
 * test_defrag.c - planning (which files, in which order) and the move loop
 * against a fake EXT4_IOC_MOVE_EXT: chunking, partial moves, EBUSY
 * retries, ENOSPC, ENODATA, truncation, the stop flag, pre-read of
 * written data only, and dropping only the pages the move pulled in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "e4d/e4d.h"
#include "e4d/move.h"
#include "e4d/plan.h"
#include "e4d/sys.h"

/* ---- planning ---- */

static struct e4d_file mkfile(uint64_t ino, uint64_t size, uint64_t ext,
			      uint64_t excess, enum e4d_status st)
{
	struct e4d_file f = { .ino = ino, .size = size, .status = st };

	f.score.extents = ext;
	f.score.excess = excess;
	f.score.ideal = ext - excess;
	f.score.blocks = size / 4096;
	f.score.score = ext ? 100.0 * excess / ext : 0;
	return f;
}

static void test_judge(void **state)
{
	struct e4d_plan_opts o = { .min_extents = 2 };
	struct e4d_file f = mkfile(12, 1 << 20, 10, 9, E4D_ST_FRAGMENTED);

	assert_int_equal(e4d_plan_judge(&o, &f), E4D_SKIP_NONE);
	f.status = E4D_ST_UNMOVABLE;
	assert_int_equal(e4d_plan_judge(&o, &f), E4D_SKIP_UNMOVABLE);
	f.status = E4D_ST_ERROR;
	f.err = -EIO;
	assert_int_equal(e4d_plan_judge(&o, &f), E4D_SKIP_UNREADABLE);
	f.err = -EACCES;	/* another user's: skipped, not failed */
	assert_int_equal(e4d_plan_judge(&o, &f), E4D_SKIP_PERM);
	f = mkfile(12, 1 << 20, 1, 0, E4D_ST_OK);
	assert_int_equal(e4d_plan_judge(&o, &f), E4D_SKIP_NOGAIN);
	f = mkfile(12, 1 << 20, 10, 9, E4D_ST_FRAGMENTED);
	o.min_size = 2 << 20;
	assert_int_equal(e4d_plan_judge(&o, &f), E4D_SKIP_SMALL);
	o.min_size = 0;
	o.min_extents = 11;
	assert_int_equal(e4d_plan_judge(&o, &f), E4D_SKIP_FEW);
	o.min_extents = 0;	/* means 2 */
	o.threshold = 95;
	assert_int_equal(e4d_plan_judge(&o, &f), E4D_SKIP_THRESHOLD);
	o.threshold = 90;
	assert_int_equal(e4d_plan_judge(&o, &f), E4D_SKIP_NONE);
}

static void test_plan_order_and_counts(void **state)
{
	struct e4d_plan_opts o = { .min_extents = 2 };
	struct e4d_plan p = { 0 };
	struct e4d_file f;
	enum e4d_skip v;

	f = mkfile(30, 4096 * 10, 10, 5, E4D_ST_FRAGMENTED);
	assert_int_equal(e4d_plan_add(&p, &o, &f, &v), 0);
	f = mkfile(20, 4096 * 10, 10, 9, E4D_ST_FRAGMENTED);
	f.path = "/x/y";
	assert_int_equal(e4d_plan_add(&p, &o, &f, &v), 0);
	f = mkfile(25, 4096, 1, 0, E4D_ST_OK);
	f.path = NULL;
	assert_int_equal(e4d_plan_add(&p, &o, &f, &v), 0);
	assert_int_equal(v, E4D_SKIP_NOGAIN);
	f = mkfile(26, 4096, 3, 2, E4D_ST_UNMOVABLE);
	f.why = E4D_WHY_IMMUTABLE;
	assert_int_equal(e4d_plan_add(&p, &o, &f, &v), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.skipped[E4D_SKIP_NOGAIN], 1);
	assert_int_equal(p.skipped[E4D_SKIP_UNMOVABLE], 1);
	assert_int_equal(p.unmovable[E4D_WHY_IMMUTABLE], 1);
	assert_int_equal(p.extents, 20);
	assert_int_equal(p.ideal, 6);
	e4d_plan_sort(&p, false);
	assert_int_equal(p.v[0].ino, 20);
	assert_string_equal(p.v[0].path, "/x/y");
	assert_null(p.v[1].path);
	e4d_plan_sort(&p, true);	/* worst first: 90 before 50 */
	assert_int_equal(p.v[0].ino, 20);
	p.v[1].score = 99;
	e4d_plan_sort(&p, true);
	assert_int_equal(p.v[0].ino, 30);
	e4d_plan_free(&p);
}

/* every reason has a JSON key of its own: one lower-case word */
static void test_skip_keys(void **state)
{
	int k, j;

	(void)state;
	for (k = 1; k < E4D_SKIP_COUNT; k++) {
		const char *key = e4d_skip_key(k);

		assert_true(key[0] >= 'a' && key[0] <= 'z');
		assert_int_equal(strspn(key, "abcdefghijklmnopqrstuvwxyz_"),
				 strlen(key));
		assert_string_not_equal(e4d_skip_text(k), "");
		for (j = 1; j < k; j++)
			assert_string_not_equal(key, e4d_skip_key(j));
	}
	assert_string_equal(e4d_skip_key(E4D_SKIP_NOGAIN), "no_gain");
	assert_string_equal(e4d_skip_key(E4D_SKIP_COUNT), "unknown");
}

static void test_runs_in(void **state)
{
	struct e4d_extents el = { 0 };
	uint64_t blocks;

	e4d_extents_add(&el, 0, 100, 10, 0);
	e4d_extents_add(&el, 10, 110, 10, E4D_EXT_UNWRITTEN); /* same run */
	e4d_extents_add(&el, 20, 500, 10, 0);
	e4d_extents_add(&el, 40, 510, 10, 0);	/* after a hole, adjacent */
	assert_int_equal(e4d_runs_in(&el, 0, 100, &blocks), 2);
	assert_int_equal(blocks, 40);
	assert_int_equal(e4d_runs_in(&el, 25, 45, &blocks), 1);
	assert_int_equal(blocks, 10);
	assert_int_equal(e4d_runs_in(&el, 30, 40, &blocks), 0);
	e4d_extents_free(&el);
}

/* ---- the move loop ---- */

struct reply {
	int ret;
	uint64_t moved;		/* ~0: all asked for */
};

#define ALL	(~0ull)
#define MAXC	64

static struct {
	struct reply r[MAXC];
	int nr, next;
	struct move_extent calls[MAXC];
	uint64_t read_at_call[MAXC];	/* F.read_bytes at each call */
	int ncalls;
	uint64_t read_bytes;
	uint64_t read_off[MAXC * 8];
	int nreads;
	off_t drop_off[MAXC], drop_len[MAXC];
	int ndrops;
	unsigned char resident[4096];
	int fsyncs, naps, syncs;
	off_t size;
	/* the file's mapping FIEMAP shows now: logical, physical, length */
	uint64_t map[8][3];
	int nmap;
	int fiemap_err;
	volatile sig_atomic_t stop;
	int stop_after;		/* set stop after this many calls; -1 never */
} F;

static int f_move_ext(int fd, struct move_extent *me)
{
	struct reply r = { 0, ALL };

	if (F.ncalls < MAXC) {
		F.calls[F.ncalls] = *me;
		F.read_at_call[F.ncalls] = F.read_bytes;
	}
	F.ncalls++;
	if (F.stop_after >= 0 && F.ncalls >= F.stop_after)
		F.stop = 1;
	if (F.next < F.nr)
		r = F.r[F.next++];
	me->moved_len = r.moved == ALL ? me->len : r.moved;
	return r.ret;
}

static ssize_t f_pread(int fd, void *buf, size_t len, off_t off)
{
	if (F.nreads < MAXC * 8)
		F.read_off[F.nreads++] = off;
	F.read_bytes += len;
	return len;
}

static int f_fadvise(int fd, off_t off, off_t len, int advice)
{
	if (advice == POSIX_FADV_DONTNEED && F.ndrops < MAXC) {
		F.drop_off[F.ndrops] = off;
		F.drop_len[F.ndrops++] = len;
	}
	return 0;
}

static int f_fsync(int fd)
{
	F.fsyncs++;
	return 0;
}

static int f_mincore(int fd, off_t off, size_t len, unsigned char *vec)
{
	size_t n = (len + 4095) / 4096, i;

	for (i = 0; i < n; i++)
		vec[i] = off / 4096 + i < sizeof(F.resident) ?
			 F.resident[off / 4096 + i] : 0;
	return 0;
}

static int f_fstat(int fd, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_size = F.size;
	return 0;
}

static int f_fiemap(int fd, struct fiemap *fm)
{
	uint64_t s = fm->fm_start / 4096;
	uint64_t t = (fm->fm_start + fm->fm_length) / 4096;
	uint32_t n = 0;
	int i;

	if (F.fiemap_err)
		return F.fiemap_err;
	for (i = 0; i < F.nmap && n < fm->fm_extent_count; i++) {
		struct fiemap_extent *fe = &fm->fm_extents[n];

		if (F.map[i][0] + F.map[i][2] <= s || F.map[i][0] >= t)
			continue;
		memset(fe, 0, sizeof(*fe));
		fe->fe_logical = F.map[i][0] * 4096;
		fe->fe_physical = F.map[i][1] * 4096;
		fe->fe_length = F.map[i][2] * 4096;
		if (i == F.nmap - 1)
			fe->fe_flags = FIEMAP_EXTENT_LAST;
		n++;
	}
	fm->fm_mapped_extents = n;
	return 0;
}

static int f_sync_range(int fd, off_t off, off_t len)
{
	F.syncs++;
	return 0;
}

static void f_nap(unsigned int usec)
{
	F.naps++;
}

static struct e4d_sys_ops fops = {
	.move_ext = f_move_ext,
	.pread = f_pread,
	.fadvise = f_fadvise,
	.fsync = f_fsync,
	.mincore = f_mincore,
	.fstat = f_fstat,
	.sync_range = f_sync_range,
	.nap = f_nap,
	.fiemap = f_fiemap,
};

static struct e4d_ctx ctx = { .ops = &fops };

static int reset(void **state)
{
	memset(&F, 0, sizeof(F));
	F.stop_after = -1;
	F.size = 1ll << 40;
	return 0;
}

static struct e4d_move_opts mopts(void)
{
	struct e4d_move_opts o = {
		.blocksize = 4096,
		.busy_retries = 3,
		.busy_nap_us = 10,
		.readers = 1,	/* reads in order */
		.stop = &F.stop,
	};
	return o;
}

/* One donor extent of @n blocks at 0, file written over the same. */
static void one(struct e4d_extents *orig, struct e4d_extents *donor,
		uint64_t n)
{
	memset(orig, 0, sizeof(*orig));
	memset(donor, 0, sizeof(*donor));
	e4d_extents_add(orig, 0, 1000, n / 2, 0);
	e4d_extents_add(orig, n / 2, 9000, n - n / 2, 0);
	e4d_extents_add(donor, 0, 50000, n, E4D_EXT_UNWRITTEN);
}

static void test_chunks(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	one(&o, &d, 70000);
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 1 << 20, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 3);	/* 32768 + 32768 + 4464 */
	assert_int_equal(F.calls[0].len, 32768);
	assert_int_equal(F.calls[1].orig_start, 32768);
	assert_int_equal(F.calls[1].donor_start, 32768);
	assert_int_equal(F.calls[2].len, 70000 - 65536);
	assert_int_equal(F.calls[0].donor_fd, 4);
	assert_int_equal(st.moved, 70000);
	assert_int_equal(st.prefetched, 70000ull * 4096);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

/* Under a rate limit, read ahead a batch of a call's size, not 128 MiB. */
static void test_batch(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };
	int i;

	one(&o, &d, 1000);
	mo.chunk = 100;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 1000, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 10);
	assert_int_equal(F.read_at_call[0], 1000 * 4096);	/* all first */
	reset(state);
	mo.batch = 100;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 1000, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 10);
	/* this call's batch and the next one's, read meanwhile */
	for (i = 0; i < 10; i++)
		assert_true(F.read_at_call[i] <= (i + 2) * 100 * 4096ull);
	assert_int_equal(F.read_bytes, 1000 * 4096);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void test_window_clips(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	one(&o, &d, 1000);
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 256, 512, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 1);
	assert_int_equal(F.calls[0].orig_start, 256);
	assert_int_equal(F.calls[0].len, 256);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void map(uint64_t l, uint64_t p, uint64_t n)
{
	F.map[F.nmap][0] = l;
	F.map[F.nmap][1] = p;
	F.map[F.nmap++][2] = n;
}

static void test_partial_moves(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	one(&o, &d, 1000);
	F.r[0] = (struct reply){ -EBUSY, 300 };	/* 300 moved, then busy */
	F.r[1] = (struct reply){ 0, 200 };	/* short but successful */
	F.nr = 2;
	map(0, 50000, 300);			/* what FIEMAP shows then */
	map(300, 1300, 200);
	map(500, 9000, 500);
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), 0);
	/* on to where it stopped; a success is the end of the range (the
	 * stock ioctl leaves holes out of moved_len)
	 */
	assert_int_equal(F.ncalls, 2);
	assert_int_equal(F.calls[1].orig_start, 300);
	assert_int_equal(F.calls[1].len, 700);
	assert_int_equal(st.moved, 500);
	assert_int_equal(st.retries, 1);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

/*
 * The stock ioctl swaps [0, 200), skips a hole punched meanwhile at
 * [200, 300), swaps [300, 400), then finds the rest busy: moved_len is
 * 300, but [300, 400) is done and must not be swapped back.
 */
static void test_busy_after_hole(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	one(&o, &d, 1000);
	F.r[0] = (struct reply){ -EBUSY, 300 };
	F.nr = 1;
	map(0, 50000, 200);
	map(300, 50300, 100);
	map(400, 1400, 100);
	map(500, 9000, 500);
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 2);
	assert_int_equal(F.calls[1].orig_start, 400);
	assert_int_equal(F.calls[1].len, 600);
	/* all of the rest done, or a hole: no call again */
	reset(state);
	F.r[0] = (struct reply){ -EBUSY, 300 };
	F.nr = 1;
	map(0, 50000, 200);
	map(300, 50300, 100);
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 1);
	/* the mapping cannot be read: the rest is left, busy */
	reset(state);
	F.r[0] = (struct reply){ -EBUSY, 300 };
	F.nr = 1;
	F.fiemap_err = -EIO;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), -EBUSY);
	assert_int_equal(F.ncalls, 1);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void test_busy_bounded(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };
	int i;

	one(&o, &d, 100);
	for (i = 0; i < 10; i++)
		F.r[i] = (struct reply){ -EBUSY, 0 };
	F.nr = 10;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), -EBUSY);
	assert_int_equal(F.ncalls, 4);	/* first try + 3 retries */
	assert_int_equal(F.naps, 3);
	assert_int_equal(F.fsyncs, 3);	/* per retry */
	assert_int_equal(F.syncs, 2);	/* before (no fsync), before the drop */
	assert_int_equal(st.moved, 0);
	/* the cache is still cleaned up after a failure */
	assert_true(F.ndrops >= 1);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void test_busy_chunk_left(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };
	int i;

	/* the first chunk stays busy; the second one is still moved */
	one(&o, &d, 40000);
	for (i = 0; i < 4; i++)
		F.r[i] = (struct reply){ -EBUSY, 0 };
	F.nr = 4;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 1 << 20, &mo,
					 &st), -EBUSY);
	assert_int_equal(F.ncalls, 5);
	assert_int_equal(F.calls[4].orig_start, 32768);
	assert_int_equal(st.moved, 40000 - 32768);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void test_enospc(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	one(&o, &d, 100);
	F.r[0] = (struct reply){ -ENOSPC, 40 };
	F.nr = 1;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), -ENOSPC);
	assert_int_equal(F.ncalls, 1);
	assert_int_equal(st.moved, 40);
	assert_int_equal(F.naps, 0);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
	/* failing in the first of two batches: the second, read meanwhile,
	 * is dropped too
	 */
	reset(state);
	one(&o, &d, 40000);
	F.r[0] = (struct reply){ -ENOSPC, 40 };
	F.nr = 1;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 1 << 20, &mo,
					 &st), -ENOSPC);
	assert_int_equal(F.read_bytes, 40000ll * 4096);
	assert_int_equal(F.ndrops, 2);
	assert_int_equal(F.drop_off[0], 32768ll * 4096);	/* the next */
	assert_int_equal(F.drop_len[0], (40000ll - 32768) * 4096);
	assert_int_equal(F.drop_off[1], 0);
	assert_int_equal(F.drop_len[1], 32768ll * 4096);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void test_enodata_and_truncate(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	one(&o, &d, 100);
	F.r[0] = (struct reply){ -ENODATA, 10 };
	F.nr = 1;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), E4D_MOVE_EOD);
	assert_int_equal(st.moved, 10);
	/* EINVAL past a new EOF is the end too; before it, an error */
	reset(state);
	mo.chunk = 50;			/* two calls */
	F.size = 20 * 4096;
	F.r[0] = (struct reply){ 0, 20 };	/* cut at the new EOF */
	F.r[1] = (struct reply){ -EINVAL, 0 };
	F.nr = 2;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), E4D_MOVE_EOD);
	assert_int_equal(F.ncalls, 2);
	assert_int_equal(F.calls[1].orig_start, 50);
	mo.chunk = 0;
	reset(state);
	F.r[0] = (struct reply){ -EINVAL, 0 };
	F.nr = 1;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), -EINVAL);
	/* success with nothing moved (a hole, or cut at EOF): the range is
	 * done, and the window goes on
	 */
	reset(state);
	mo.chunk = 50;
	F.r[0] = (struct reply){ 0, 0 };
	F.nr = 1;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 2);
	assert_int_equal(F.calls[1].orig_start, 50);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void test_stop(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	one(&o, &d, 100000);
	F.stop_after = 1;	/* a signal arrives during the first call */
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 1 << 20, &mo,
					 &st), E4D_MOVE_STOPPED);
	assert_int_equal(F.ncalls, 1);	/* that chunk finished, no more */
	assert_int_equal(st.moved, 32768);
	/* the next batch was read during that call; none after the signal;
	 * the pages of both are dropped
	 */
	assert_int_equal(F.read_bytes, 65536ll * 4096);
	assert_int_equal(F.ndrops, 2);
	assert_int_equal(F.drop_off[0], 0);
	assert_int_equal(F.drop_len[0], 32768ll * 4096);
	assert_int_equal(F.drop_off[1], 32768ll * 4096);
	assert_int_equal(F.drop_len[1], 32768ll * 4096);
	assert_int_equal(st.dropped, 65536ll * 4096);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

/* A stop (a signal, a broken lease) during a call that ends busy: no
 * retry, and nothing after it
 */
static void test_stop_when_busy(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	one(&o, &d, 1000);
	F.stop_after = 1;
	F.r[0] = (struct reply){ -EBUSY, 300 };
	F.nr = 1;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), E4D_MOVE_STOPPED);
	assert_int_equal(F.ncalls, 1);
	assert_int_equal(st.moved, 300);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void test_holes_and_unwritten(void **state)
{
	struct e4d_extents o = { 0 }, d = { 0 };
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	/* data 0-255, hole 256-511, unwritten 512-767, data 768-1023 */
	e4d_extents_add(&o, 0, 1000, 256, 0);
	e4d_extents_add(&o, 512, 3000, 256, E4D_EXT_UNWRITTEN);
	e4d_extents_add(&o, 768, 7000, 256, 0);
	/* the donor was fallocated over the mapped ranges only */
	e4d_extents_add(&d, 0, 50000, 256, E4D_EXT_UNWRITTEN);
	e4d_extents_add(&d, 512, 50256, 512, E4D_EXT_UNWRITTEN);
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 2);	/* never over the hole */
	assert_int_equal(F.calls[0].orig_start, 0);
	assert_int_equal(F.calls[0].len, 256);
	assert_int_equal(F.calls[1].orig_start, 512);
	assert_int_equal(F.calls[1].len, 512);
	/* only written data is read ahead: not the hole, not unwritten */
	assert_int_equal(st.prefetched, 512 * 4096);
	assert_int_equal(F.read_off[0], 0);
	assert_int_equal(F.read_off[1], 768 * 4096);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

/* call @i of the fake ioctl asked for [@s, @s + @n) */
#define ASSERT_CALL(i, s, n) do {				\
	assert_int_equal(F.calls[i].orig_start, (s));		\
	assert_int_equal(F.calls[i].len, (n));			\
} while (0)

/*
 * Blocks to move alone (one per full extent-tree leaf) are moved first,
 * one call each, when the donor maps them and they are in the window; the
 * chunks then go around those that moved, and a busy one is left to them.
 */
static void test_first_moves(void **state)
{
	struct e4d_extents o = { 0 }, d = { 0 };
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };
	/* 100: hole in the donor; 700: busy; 5000: outside the window */
	static const struct e4d_first_move first[] = {
		{ 5, 10 }, { 90, 100 }, { 290, 300 }, { 500, 511 },
		{ 505, 512 }, { 650, 700 }, { 4500, 5000 },
	};

	e4d_extents_add(&o, 0, 1000, 1024, 0);
	e4d_extents_add(&d, 0, 50000, 64, E4D_EXT_UNWRITTEN);
	e4d_extents_add(&d, 256, 50256, 768, E4D_EXT_UNWRITTEN);
	mo.first = first;
	mo.nfirst = 7;
	mo.busy_retries = 0;
	for (F.nr = 0; F.nr < 4; F.nr++)
		F.r[F.nr] = (struct reply){ 0, ALL };
	F.r[F.nr++] = (struct reply){ -EBUSY, 0 };	/* the call for 700 */
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 4096, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 5 + 5);
	ASSERT_CALL(0, 10, 1);
	assert_int_equal(F.calls[1].orig_start, 300);
	assert_int_equal(F.calls[2].orig_start, 511);
	assert_int_equal(F.calls[3].orig_start, 512);
	assert_int_equal(F.calls[3].donor_start, 512);
	assert_int_equal(F.calls[4].orig_start, 700);
	/* then [0, 64) around 10, [256, 1024) around 300, 511 and 512 */
	ASSERT_CALL(5, 0, 10);
	ASSERT_CALL(6, 11, 53);
	ASSERT_CALL(7, 256, 44);
	ASSERT_CALL(8, 301, 210);
	ASSERT_CALL(9, 513, 1024 - 513);	/* 700 in it */
	assert_int_equal(st.moved, 64 + 768);	/* each block once */
	/* a window further on: only those whose leaves begin in it */
	reset(state);
	memset(&st, 0, sizeof(st));
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 600, 4096, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 3);	/* 700 alone, then [600, 1024) */
	assert_int_equal(F.calls[0].orig_start, 700);
	ASSERT_CALL(1, 600, 100);
	ASSERT_CALL(2, 701, 1024 - 701);
	assert_int_equal(st.moved, 1024 - 600);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

/* Each block moved alone just before the batch where its leaf begins. */
static void test_first_moves_per_batch(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };
	static const struct e4d_first_move first[] = {
		{ 100, 104 }, { 32000, 32800 }, { 40000, 40010 },
	};

	one(&o, &d, 70000);	/* batches: 32768 + 32768 + 4464 */
	mo.first = first;
	mo.nfirst = 3;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 1 << 20, &mo,
					 &st), 0);
	assert_int_equal(F.ncalls, 9);
	/* the first batch: 104, and 32800 (its leaf begins here) */
	assert_int_equal(F.calls[0].orig_start, 104);
	ASSERT_CALL(1, 32800, 1);
	ASSERT_CALL(2, 0, 104);
	ASSERT_CALL(3, 105, 32768 - 105);
	/* the second: 40010 alone, then around it and 32800 */
	ASSERT_CALL(4, 40010, 1);
	ASSERT_CALL(5, 32768, 32);
	ASSERT_CALL(6, 32801, 40010 - 32801);
	ASSERT_CALL(7, 40011, 65536 - 40011);
	assert_int_equal(F.calls[8].orig_start, 65536);
	assert_int_equal(st.moved, 70000);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void test_drop_only_ours(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };
	int i;

	one(&o, &d, 64);
	for (i = 16; i < 32; i++)	/* the application's pages */
		F.resident[i] = 1;
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 64, &mo,
					 &st), 0);
	/* before: written back (not fsync()ed: no cache flush per file),
	 * one DONTNEED of the window (large folios); after: written back,
	 * then only pages 0-15 and 32-63 dropped
	 */
	assert_int_equal(F.ndrops, 3);
	assert_int_equal(F.drop_off[0], 0);
	assert_int_equal(F.drop_len[0], 64 * 4096);
	assert_int_equal(F.drop_off[1], 0);
	assert_int_equal(F.drop_len[1], 16 * 4096);
	assert_int_equal(F.drop_off[2], 32 * 4096);
	assert_int_equal(F.drop_len[2], 32 * 4096);
	assert_int_equal(F.fsyncs, 0);
	assert_int_equal(F.syncs, 2);	/* before; before the drop */
	assert_int_equal(st.dropped, 48 * 4096);
	/* nothing cached before: nothing to drop before */
	reset(state);
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 64, &mo,
					 &st), 0);
	assert_int_equal(F.ndrops, 1);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static int f_start_writeback(int fd, off_t off, off_t len)
{
	return 0;
}

/*
 * With writeback started per batch, a window's last drop is left in the
 * run's pend: done by the next window after its first batch, or by
 * e4d_move_pend_flush(); without a pend, at once.
 */
static void test_drop_left_to_next(void **state)
{
	struct e4d_sys_ops wops = fops;
	struct e4d_ctx wctx = { .ops = &wops };
	struct e4d_move_pend pend = { 0 };
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };
	int fd = open("/dev/null", O_RDONLY);

	assert_true(fd >= 0);
	wops.start_writeback = f_start_writeback;
	mo.pend = &pend;
	one(&o, &d, 64);
	assert_int_equal(e4d_move_window(&wctx, fd, 4, &o, &d, 0, 64, &mo,
					 &st), 0);
	assert_int_equal(F.ndrops, 0);
	assert_non_null(pend.ops);
	assert_int_equal(pend.off, 0);
	assert_int_equal(pend.len, 64 * 4096);
	assert_int_equal(st.dropped, 64 * 4096);
	/* the next window: the previous drop after its first batch */
	assert_int_equal(e4d_move_window(&wctx, fd, 4, &o, &d, 32, 64, &mo,
					 &st), 0);
	assert_int_equal(F.ndrops, 1);
	assert_int_equal(F.drop_off[0], 0);
	assert_int_equal(F.drop_len[0], 64 * 4096);
	assert_int_equal(pend.off, 32 * 4096);
	assert_int_equal(F.syncs, 3);	/* each window's before, the drop */
	e4d_move_pend_flush(&pend);
	assert_null(pend.ops);
	assert_int_equal(F.ndrops, 2);
	assert_int_equal(F.drop_off[1], 32 * 4096);
	assert_int_equal(F.drop_len[1], 32 * 4096);
	assert_int_equal(F.syncs, 4);
	e4d_move_pend_flush(&pend);	/* nothing left */
	assert_int_equal(F.ndrops, 2);
	/* no pend: dropped at once */
	mo.pend = NULL;
	assert_int_equal(e4d_move_window(&wctx, fd, 4, &o, &d, 0, 64, &mo,
					 &st), 0);
	assert_int_equal(F.ndrops, 3);
	assert_int_equal(F.drop_len[2], 64 * 4096);
	close(fd);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

static void test_no_cache_tricks(void **state)
{
	struct e4d_extents o, d;
	struct e4d_move_opts mo = mopts();
	struct e4d_move_stats st = { 0 };

	mo.no_cache_tricks = true;
	one(&o, &d, 64);
	assert_int_equal(e4d_move_window(&ctx, 3, 4, &o, &d, 0, 64, &mo,
					 &st), 0);
	assert_int_equal(F.ndrops, 0);
	assert_int_equal(F.read_bytes, 0);
	assert_int_equal(F.ncalls, 1);
	e4d_extents_free(&o);
	e4d_extents_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_plan_order_and_counts),
		cmocka_unit_test(test_skip_keys),
		cmocka_unit_test(test_runs_in),
		cmocka_unit_test_setup(test_chunks, reset),
		cmocka_unit_test_setup(test_window_clips, reset),
		cmocka_unit_test_setup(test_batch, reset),
		cmocka_unit_test_setup(test_partial_moves, reset),
		cmocka_unit_test_setup(test_busy_after_hole, reset),
		cmocka_unit_test_setup(test_busy_bounded, reset),
		cmocka_unit_test_setup(test_busy_chunk_left, reset),
		cmocka_unit_test_setup(test_enospc, reset),
		cmocka_unit_test_setup(test_enodata_and_truncate, reset),
		cmocka_unit_test_setup(test_stop, reset),
		cmocka_unit_test_setup(test_stop_when_busy, reset),
		cmocka_unit_test_setup(test_holes_and_unwritten, reset),
		cmocka_unit_test_setup(test_first_moves, reset),
		cmocka_unit_test_setup(test_first_moves_per_batch, reset),
		cmocka_unit_test_setup(test_drop_only_ours, reset),
		cmocka_unit_test_setup(test_drop_left_to_next, reset),
		cmocka_unit_test_setup(test_no_cache_tricks, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
