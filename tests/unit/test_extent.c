// SPDX-License-Identifier: GPL-2.0
/*
 * test_extent.c - FIEMAP reading through a fake syscall table, and the
 * JSON-safe string encoding of the report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "e4d/e4d.h"
#include "e4d/extent.h"
#include "e4d/fsinfo.h"
#include "e4d/report.h"
#include "e4d/sys.h"

/* The fake file: extents in bytes, served in batches as the kernel does. */
struct fake_ext {
	uint64_t logical, physical, length;
	uint32_t flags;
};

static const struct fake_ext *fake;
static size_t nfake;
static int fake_err;		/* returned on the call numbered fail_call */
static int fail_call = -1;
static int calls;
static uint32_t last_flags;

static int fake_fiemap(int fd, struct fiemap *fm)
{
	size_t i;
	uint32_t n = 0;

	last_flags = fm->fm_flags;
	if (calls++ == fail_call)
		return fake_err;
	for (i = 0; i < nfake && n < fm->fm_extent_count; i++) {
		struct fiemap_extent *fe = &fm->fm_extents[n];

		if (fake[i].logical + fake[i].length <= fm->fm_start)
			continue;
		memset(fe, 0, sizeof(*fe));
		fe->fe_logical = fake[i].logical;
		fe->fe_physical = fake[i].physical;
		fe->fe_length = fake[i].length;
		fe->fe_flags = fake[i].flags |
			       (i == nfake - 1 ? FIEMAP_EXTENT_LAST : 0);
		n++;
	}
	fm->fm_mapped_extents = n;
	return 0;
}

static struct e4d_sys_ops fake_ops;

static int setup(void **state)
{
	fake_ops = e4d_sys_real;
	fake_ops.fiemap = fake_fiemap;
	calls = 0;
	fail_call = -1;
	return 0;
}

static void test_fiemap_batches_and_flags(void **state)
{
	static struct fake_ext many[1500];
	struct e4d_ctx ctx;
	struct e4d_extents el = { 0 };
	size_t i;

	e4d_ctx_init(&ctx);
	ctx.ops = &fake_ops;
	for (i = 0; i < 1500; i++)	/* 1500 extents: 3 FIEMAP calls */
		many[i] = (struct fake_ext){ i * 8192, 1000000 + i * 16384,
					     8192, i == 7 ?
					     FIEMAP_EXTENT_UNWRITTEN : 0 };
	fake = many;
	nfake = 1500;
	assert_int_equal(e4d_fiemap_read(&ctx, 3, 4096, 1, &el), 0);
	assert_int_equal(el.n, 1500);
	assert_int_equal(calls, 3);
	assert_int_equal(el.v[7].flags, E4D_EXT_UNWRITTEN);
	assert_int_equal(el.v[1499].lblk, 1499 * 2);
	assert_int_equal(el.v[1499].pblk, (1000000 + 1499 * 16384) / 4096);
	assert_int_equal(el.v[1499].len, 2);
	assert_int_equal(last_flags, 0);	/* SYNC only on the first */
	e4d_extents_free(&el);
}

static void test_fiemap_merges_adjacent(void **state)
{
	static const struct fake_ext two[] = {
		{ 0, 4096 * 100, 4096 * 10, 0 },
		{ 4096 * 10, 4096 * 110, 4096 * 5, 0 },	/* continues */
		{ 4096 * 15, 4096 * 115, 4096, FIEMAP_EXTENT_UNWRITTEN },
	};
	struct e4d_ctx ctx;
	struct e4d_extents el = { 0 };

	e4d_ctx_init(&ctx);
	ctx.ops = &fake_ops;
	fake = two;
	nfake = 3;
	assert_int_equal(e4d_fiemap_read(&ctx, 3, 4096, 0, &el), 0);
	assert_int_equal(el.n, 2);
	assert_int_equal(el.v[0].len, 15);
	assert_int_equal(el.v[1].flags, E4D_EXT_UNWRITTEN);
	e4d_extents_free(&el);
}

static void test_fiemap_error_propagates(void **state)
{
	static struct fake_ext many[600];
	struct e4d_ctx ctx;
	struct e4d_extents el = { 0 };
	size_t i;

	e4d_ctx_init(&ctx);
	ctx.ops = &fake_ops;
	for (i = 0; i < 600; i++)
		many[i] = (struct fake_ext){ i * 4096, i * 8192, 4096, 0 };
	fake = many;
	nfake = 600;
	fail_call = 1;
	fake_err = -EIO;
	assert_int_equal(e4d_fiemap_read(&ctx, 3, 4096, 0, &el), -EIO);
	calls = 0;
	fail_call = 0;
	fake_err = -EOPNOTSUPP;
	assert_int_equal(e4d_fiemap_read(&ctx, 3, 4096, 0, &el),
			 -EOPNOTSUPP);
	e4d_extents_free(&el);
}

static void test_fiemap_empty_file(void **state)
{
	struct e4d_ctx ctx;
	struct e4d_extents el = { 0 };

	e4d_ctx_init(&ctx);
	ctx.ops = &fake_ops;
	nfake = 0;
	assert_int_equal(e4d_fiemap_read(&ctx, 3, 1024, 0, &el), 0);
	assert_int_equal(el.n, 0);
	e4d_extents_free(&el);
}

/* Runs: logically contiguous extents joined whatever their physical place,
 * extents with a skipped flag left out and ending a run, clipped to [s, t).
 */
static void test_next_run(void **state)
{
	struct e4d_extents el = { 0 };
	uint64_t a, b;
	size_t pos = 0;

	(void)state;
	/* [0,4) [4,6) joined; [6,8) unwritten; [8,10); gap; [20,30) */
	assert_int_equal(e4d_extents_add(&el, 0, 100, 4, 0), 0);
	assert_int_equal(e4d_extents_add(&el, 4, 500, 2, 0), 0);
	assert_int_equal(e4d_extents_add(&el, 6, 502, 2, E4D_EXT_UNWRITTEN), 0);
	assert_int_equal(e4d_extents_add(&el, 8, 504, 2, 0), 0);
	assert_int_equal(e4d_extents_add(&el, 20, 900, 10, 0), 0);

	/* everything mapped, unclipped */
	assert_true(e4d_extents_next_run(&el, &pos, 0, 0, 100, &a, &b));
	assert_int_equal(a, 0);
	assert_int_equal(b, 10);
	assert_true(e4d_extents_next_run(&el, &pos, 0, 0, 100, &a, &b));
	assert_int_equal(a, 20);
	assert_int_equal(b, 30);
	assert_false(e4d_extents_next_run(&el, &pos, 0, 0, 100, &a, &b));
	assert_false(e4d_extents_next_run(&el, &pos, 0, 0, 100, &a, &b));

	/* written only, clipped to [2, 25) */
	pos = 0;
	assert_true(e4d_extents_next_run(&el, &pos, E4D_EXT_UNWRITTEN, 2, 25,
					 &a, &b));
	assert_int_equal(a, 2);
	assert_int_equal(b, 6);
	assert_true(e4d_extents_next_run(&el, &pos, E4D_EXT_UNWRITTEN, 2, 25,
					 &a, &b));
	assert_int_equal(a, 8);
	assert_int_equal(b, 10);
	assert_true(e4d_extents_next_run(&el, &pos, E4D_EXT_UNWRITTEN, 2, 25,
					 &a, &b));
	assert_int_equal(a, 20);
	assert_int_equal(b, 25);
	assert_false(e4d_extents_next_run(&el, &pos, E4D_EXT_UNWRITTEN, 2, 25,
					  &a, &b));

	/* a range inside the gap, and an empty list */
	pos = 0;
	assert_false(e4d_extents_next_run(&el, &pos, 0, 10, 20, &a, &b));
	e4d_extents_free(&el);
	pos = 0;
	assert_false(e4d_extents_next_run(&el, &pos, 0, 0, 100, &a, &b));
}

static void test_json_safe(void **state)
{
	char *s;

	s = e4d_json_safe("plain/ascii");
	assert_string_equal(s, "plain/ascii");
	free(s);
	s = e4d_json_safe("caf\xc3\xa9 \xe2\x82\xac");	/* valid UTF-8 */
	assert_string_equal(s, "caf\xc3\xa9 \xe2\x82\xac");
	free(s);
	s = e4d_json_safe("bad\xff\xc3(end");	/* invalid bytes */
	assert_string_equal(s, "bad\\xff\\xc3(end");
	free(s);
	s = e4d_json_safe("\xed\xa0\x80");	/* a surrogate */
	assert_string_equal(s, "\\xed\\xa0\\x80");
	free(s);
}

static void test_ctrl_escape(void **state)
{
	char *s = e4d_ctrl_escape("/m\nx\x1b[1m\t\x7f\xc3\xa9\\ok");

	(void)state;
	assert_non_null(s);
	assert_string_equal(s, "/m\\x0ax\\x1b[1m\\x09\\x7f\xc3\xa9\\ok");
	free(s);
}

static void test_columns(void **state)
{
	const char *bad;
	size_t len;

	assert_int_equal(e4d_report_columns_check("PATH,extents,Score", &bad,
						  &len), 0);
	assert_int_equal(e4d_report_columns_check("+INO", &bad, &len), 0);
	/* a default column added again is not repeated, not an error */
	assert_int_equal(e4d_report_columns_check("+PATH", &bad, &len), 0);
	assert_int_equal(e4d_report_columns_check("PATH,NOPE,SIZE", &bad,
						  &len), -ENOENT);
	assert_int_equal(len, 4);
	assert_memory_equal(bad, "NOPE", 4);
	/* nothing named: no table at all, or an empty JSON object */
	assert_int_equal(e4d_report_columns_check("", &bad, &len), -EINVAL);
	assert_int_equal(e4d_report_columns_check("PATH,,SIZE", &bad, &len),
			 -EINVAL);
	assert_int_equal(e4d_report_columns_check("PATH,", &bad, &len),
			 -EINVAL);
	assert_int_equal(e4d_report_columns_check(",PATH", &bad, &len),
			 -EINVAL);
	/* a column twice: duplicate JSON keys */
	assert_int_equal(e4d_report_columns_check("PATH,SIZE,path", &bad,
						  &len), -EEXIST);
	assert_int_equal(len, 4);
	assert_memory_equal(bad, "path", 4);
	assert_int_equal(e4d_report_columns_check("+INO,ino", &bad, &len),
			 -EEXIST);
}

static size_t count_of(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s++;
	}
	return n;
}

/* one inode reached by two command-line paths is one row and one file */
static void test_report_each_inode_once(void **state)
{
	struct e4d_report_opts o = { .format = E4D_FMT_JSON, .npaths = 2 };
	struct e4d_report *rep = e4d_report_new(&o);
	struct e4d_fs *fs = calloc(1, sizeof(*fs));
	struct e4d_file f = { .ino = 12, .size = 8192, .path = "/m/a",
			      .status = E4D_ST_FRAGMENTED };
	struct e4d_ctx ctx;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	e4d_ctx_init(&ctx);
	assert_non_null(rep);
	assert_non_null(fs);
	fs->devno = 7;
	fs->mountpoint = strdup("/m");
	fs->geom.blocksize = 4096;
	fs = e4d_report_fs(rep, fs);
	f.score.extents = 2;
	f.score.ideal = 1;
	f.score.excess = 1;
	f.score.score = 50;
	assert_int_equal(e4d_report_file(rep, fs, &f), 0);	/* /m */
	f.ino = 13;
	f.path = "/m/b";
	f.status = E4D_ST_OK;
	f.score.excess = 0;
	f.score.score = 0;
	assert_int_equal(e4d_report_file(rep, fs, &f), 0);	/* no row */
	f.ino = 12;
	f.path = "/m/a";
	f.status = E4D_ST_FRAGMENTED;
	assert_int_equal(e4d_report_file(rep, fs, &f), 0);	/* /m again */
	e4d_report_listed(rep, true);
	f.ino = 13;			/* /m/b named: its row is printed */
	f.path = "/m/b";
	f.status = E4D_ST_OK;
	assert_int_equal(e4d_report_file(rep, fs, &f), 0);
	f.ino = 12;
	f.path = "/m/a";
	assert_int_equal(e4d_report_file(rep, fs, &f), 0);

	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(e4d_report_print(&ctx, rep, out), 0);
	fclose(out);
	assert_int_equal(count_of(buf, "\"path\": \"/m/a\""), 1);
	assert_int_equal(count_of(buf, "\"path\": \"/m/b\""), 1);
	assert_int_equal(count_of(buf, "\"files\": 2,"), 2);
	assert_int_equal(count_of(buf, "\"fragmented_files\": 1,"), 2);
	assert_int_equal(count_of(buf, "\"excess_extents\": 1,"), 2);
	free(buf);
	e4d_report_free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fiemap_batches_and_flags, setup),
		cmocka_unit_test_setup(test_fiemap_merges_adjacent, setup),
		cmocka_unit_test_setup(test_fiemap_error_propagates, setup),
		cmocka_unit_test_setup(test_fiemap_empty_file, setup),
		cmocka_unit_test(test_next_run),
		cmocka_unit_test(test_json_safe),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_ctrl_escape),
		cmocka_unit_test(test_report_each_inode_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
