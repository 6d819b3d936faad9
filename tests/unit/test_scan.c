// SPDX-License-Identifier: GPL-2.0
/*
 * test_scan.c - what a scanned file is called (classification against the
 * mount options).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "e4d/fsinfo.h"
#include "e4d/scan.h"
#include "e4d/uapi.h"

/* a movable, fragmented file: status from the flags and the mount only */
static enum e4d_why why_with(const struct e4d_fs *fs, unsigned int flags)
{
	struct e4d_file f = { .iflags = FS_EXTENT_FL | flags };

	f.score.extents = 10;
	f.score.excess = 9;
	f.score.score = 90;
	e4d_classify(fs, &f, false);
	return f.why;
}

static void test_dax_mount_options(void **state)
{
	struct e4d_fs fs = { .dax_device = true };

	(void)state;
	e4d_fs_parse_options(&fs, "rw,relatime", "rw,dax=never");
	assert_int_equal(fs.dax, E4D_DAX_NEVER);
	assert_int_equal(why_with(&fs, 0), E4D_WHY_NONE);
	/* the inode flag means nothing under dax=never */
	assert_int_equal(why_with(&fs, FS_DAX_FL), E4D_WHY_NONE);

	e4d_fs_parse_options(&fs, "rw,relatime", "rw,dax=inode");
	assert_int_equal(fs.dax, E4D_DAX_INODE);
	assert_int_equal(why_with(&fs, 0), E4D_WHY_NONE);
	assert_int_equal(why_with(&fs, FS_DAX_FL), E4D_WHY_DAX);
	/* nor on a device without DAX */
	fs.dax_device = false;
	assert_int_equal(why_with(&fs, FS_DAX_FL), E4D_WHY_NONE);
	fs.dax_device = true;

	e4d_fs_parse_options(&fs, "rw", "rw");
	assert_int_equal(fs.dax, E4D_DAX_INODE);
	assert_int_equal(why_with(&fs, 0), E4D_WHY_NONE);

	e4d_fs_parse_options(&fs, "rw", "rw,dax=always");
	assert_int_equal(fs.dax, E4D_DAX_ALWAYS);
	assert_int_equal(why_with(&fs, 0), E4D_WHY_DAX);
	e4d_fs_parse_options(&fs, "rw", "rw,dax");
	assert_int_equal(fs.dax, E4D_DAX_ALWAYS);
	assert_int_equal(why_with(&fs, 0), E4D_WHY_DAX);
	e4d_fs_parse_options(&fs, "rw", "rw,dax,errors=remount-ro");
	assert_int_equal(fs.dax, E4D_DAX_ALWAYS);
}

static void test_other_mount_options(void **state)
{
	struct e4d_fs fs = { 0 };

	(void)state;
	e4d_fs_parse_options(&fs, "ro,relatime", "ro,data=journal");
	assert_true(fs.readonly);
	assert_true(fs.journal_data);
	assert_int_equal(why_with(&fs, 0), E4D_WHY_JOURNAL_DATA);
	e4d_fs_parse_options(&fs, "rw,relatime", "rw,data=ordered");
	assert_false(fs.readonly);
	assert_false(fs.journal_data);
	assert_int_equal(why_with(&fs, 0), E4D_WHY_NONE);
	e4d_fs_parse_options(&fs, NULL, NULL);
	assert_false(fs.readonly);
	assert_int_equal(fs.dax, E4D_DAX_INODE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dax_mount_options),
		cmocka_unit_test(test_other_mount_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
