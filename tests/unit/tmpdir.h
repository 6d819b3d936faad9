/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tmpdir.h - a private directory under /tmp for a unit test's files,
 * made in a fixture's setup and removed with everything in it.
 */
#ifndef E4D_TEST_TMPDIR_H
#define E4D_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* tmpdir_make() - /tmp/e4d-NAME.XXXXXX, mode 0755, into dir[size] */
static inline int tmpdir_make(char *dir, size_t size, const char *name)
{
	if ((size_t)snprintf(dir, size, "/tmp/e4d-%s.XXXXXX", name) >= size)
		return -1;
	if (!mkdtemp(dir) || chmod(dir, 0755))
		return -1;
	return 0;
}

static inline int tmpdir_unlink(const char *path, const struct stat *st,
				int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* tmpdir_remove() - the directory and all below it (no symlinks followed) */
static inline int tmpdir_remove(const char *dir)
{
	return nftw(dir, tmpdir_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
