// SPDX-License-Identifier: GPL-2.0
/*
 * test_scan.c - what a scanned file is called (classification against the
 * mount options), and which files a walk of a directory tree reports, on
 * a private directory under /tmp with a fake FIEMAP.
 */
#undef _FORTIFY_SOURCE		/* open() is replaced below */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/scan.h"
#include "e4d/sys.h"
#include "e4d/uapi.h"
#include "tmpdir.h"

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

/* an unmovable file has nothing a defragmentation would remove */
static void test_unmovable_scores_zero(void **state)
{
	struct e4d_fs fs = { 0 };
	struct e4d_file f = { .iflags = FS_EXTENT_FL | FS_IMMUTABLE_FL };

	(void)state;
	f.score.extents = 10;
	f.score.ideal = 1;
	f.score.excess = 9;
	f.score.score = 90;
	e4d_classify(&fs, &f, false);
	assert_int_equal(f.status, E4D_ST_UNMOVABLE);
	assert_int_equal(f.why, E4D_WHY_IMMUTABLE);
	assert_int_equal(f.score.excess, 0);
	assert_true(f.score.score == 0);
	assert_int_equal(f.score.extents, 10);
	assert_int_equal(f.score.ideal, 1);
	/* a movable one keeps them */
	f.iflags = FS_EXTENT_FL;
	f.score.excess = 9;
	f.score.score = 90;
	e4d_classify(&fs, &f, false);
	assert_int_equal(f.status, E4D_ST_FRAGMENTED);
	assert_int_equal(f.score.excess, 9);
	assert_true(f.score.score == 90);
}

/* ---- walking a tree ---- */

/* A file deleted by someone else between the walk's lstat() and its
 * open(): every open() of the library comes here, and one of a path
 * containing this name unlinks it first.
 */
static const char *vanish;

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	if (vanish && strstr(path, vanish))
		unlink(path);
	return syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

struct walk {
	char dir[64];
	bool unlink_other;	/* reporting e/a unlinks e/b, and b a */
	struct e4d_sys_ops ops;
	struct e4d_ctx ctx;
	struct e4d_fs fs;
	char *paths[32];	/* what the callback got, in order */
	enum e4d_status status[32];
	int n;
};

/* no blocks mapped: the walk, not the extents, is under test */
static int fake_fiemap(int fd, struct fiemap *fm)
{
	(void)fd;
	fm->fm_mapped_extents = 0;
	return 0;
}

static int fake_getflags(int fd, unsigned int *flags)
{
	(void)fd;
	*flags = FS_EXTENT_FL;
	return 0;
}

static int collect(void *arg, const struct e4d_fs *fs, struct e4d_file *f)
{
	struct walk *w = arg;

	(void)fs;
	assert_true(w->n < 32);
	if (w->unlink_other && f->path && strstr(f->path, "/e/")) {
		char p[256];

		snprintf(p, sizeof(p), "%s/e/%c", w->dir,
			 f->path[strlen(f->path) - 1] == 'a' ? 'b' : 'a');
		unlink(p);
	}
	w->paths[w->n] = strdup(f->path ? f->path : "");
	w->status[w->n++] = f->status;
	return 0;
}

static void mkfile_at(const struct walk *w, const char *rel)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", w->dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("data", f);
	fclose(f);
}

static void mkdir_at(const struct walk *w, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", w->dir, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void symlink_at(const struct walk *w, const char *target,
		       const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", w->dir, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int walk_setup(void **state)
{
	struct walk *w = calloc(1, sizeof(*w));
	struct stat st;

	if (!w || tmpdir_make(w->dir, sizeof(w->dir), "scan") ||
	    stat(w->dir, &st))
		return -1;
	e4d_ctx_init(&w->ctx);
	w->ops = *w->ctx.ops;
	w->ops.fiemap = fake_fiemap;
	w->ops.getflags = fake_getflags;
	w->ctx.ops = &w->ops;
	w->fs.devno = st.st_dev;
	w->fs.geom.blocksize = 4096;
	*state = w;
	return 0;
}

static int walk_teardown(void **state)
{
	struct walk *w = *state;
	int i;

	tmpdir_remove(w->dir);
	for (i = 0; i < w->n; i++)
		free(w->paths[i]);
	free(w);
	return 0;
}

static void walk_reset(struct walk *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		free(w->paths[i]);
	w->n = 0;
}

/* scan DIR/REL; the paths reported, relative to DIR, sorted, one string */
static const char *walk_scan(struct walk *w, const char *rel, int *ret)
{
	static char out[1024];
	char p[256];
	size_t len = strlen(w->dir) + 1;
	int i, j;

	walk_reset(w);
	snprintf(p, sizeof(p), "%s/%s", w->dir, rel);
	*ret = e4d_scan_path(&w->ctx, &w->fs, p, collect, w);
	for (i = 1; i < w->n; i++)	/* insertion sort: a few names */
		for (j = i; j > 0 && strcmp(w->paths[j - 1], w->paths[j]) > 0;
		     j--) {
			char *x = w->paths[j];

			w->paths[j] = w->paths[j - 1];
			w->paths[j - 1] = x;
		}
	out[0] = 0;
	for (i = 0; i < w->n; i++) {
		assert_int_equal(strncmp(w->paths[i], w->dir, len - 1), 0);
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
			 i ? " " : "", w->paths[i] + len);
	}
	return out;
}

/* a symlink named on the command line is followed, under its own name;
 * symlinks inside the tree are not
 */
static void test_walk_symlink_named(void **state)
{
	struct walk *w = *state;
	int ret;

	mkdir_at(w, "d");
	mkfile_at(w, "d/f");
	mkfile_at(w, "d/g");
	symlink_at(w, "../d", "d/loop");
	symlink_at(w, "f", "d/flink");
	symlink_at(w, "d", "link");
	symlink_at(w, "link", "link2");

	assert_string_equal(walk_scan(w, "d", &ret), "d/f d/g");
	assert_int_equal(ret, 0);
	assert_string_equal(walk_scan(w, "link", &ret), "link/f link/g");
	assert_int_equal(ret, 0);
	assert_string_equal(walk_scan(w, "link/", &ret), "link/f link/g");
	assert_string_equal(walk_scan(w, "link2", &ret), "link2/f link2/g");
	/* a symlink to a file was followed before too */
	assert_string_equal(walk_scan(w, "d/flink", &ret), "d/flink");
}

/* a file deleted while the tree is walked is no file and no error */
static void test_walk_file_vanishes(void **state)
{
	struct walk *w = *state;
	int ret, i;

	mkdir_at(w, "d");
	mkfile_at(w, "d/keep");
	mkfile_at(w, "d/vanishing");
	vanish = "vanishing";	/* between lstat() and open() */
	assert_string_equal(walk_scan(w, "d", &ret), "d/keep");
	vanish = NULL;
	assert_int_equal(ret, 0);
	assert_int_equal(w->status[0], E4D_ST_OK);

	/* between readdir() and lstat(): whichever of a and b comes first
	 * deletes the other, which is then not found
	 */
	mkdir_at(w, "e");
	mkfile_at(w, "e/a");
	mkfile_at(w, "e/b");
	w->unlink_other = true;
	walk_scan(w, "e", &ret);
	assert_int_equal(ret, 0);
	w->unlink_other = false;
	for (i = 0; i < w->n; i++)
		assert_int_equal(w->status[i], E4D_ST_OK);
	assert_int_equal(w->n, 1);

	/* a file named on the command line that is gone is an error */
	mkfile_at(w, "named");
	vanish = "named";
	assert_string_equal(walk_scan(w, "named", &ret), "named");
	vanish = NULL;
	assert_int_equal(w->status[0], E4D_ST_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dax_mount_options),
		cmocka_unit_test(test_other_mount_options),
		cmocka_unit_test(test_unmovable_scores_zero),
		cmocka_unit_test_setup_teardown(test_walk_symlink_named,
						walk_setup, walk_teardown),
		cmocka_unit_test_setup_teardown(test_walk_file_vanishes,
						walk_setup, walk_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
