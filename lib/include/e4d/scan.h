/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scan.h - find regular files and their extents: a whole filesystem
 * through libext2fs in inode-table order (no directory walk), or listed
 * files and trees through FIEMAP (any user). Each file found is scored and
 * classified, then handed to a callback.
 */
#ifndef E4D_SCAN_H
#define E4D_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e4d/extent.h"
#include "e4d/score.h"

struct e4d_ctx;
struct e4d_fs;

enum e4d_status {
	E4D_ST_OK,		/* nothing to gain */
	E4D_ST_FRAGMENTED,	/* a better layout exists */
	E4D_ST_UNMOVABLE,	/* the kernel would refuse to move it */
	E4D_ST_ERROR,		/* could not be examined */
};

/* Why a file cannot be moved by EXT4_IOC_MOVE_EXT. */
enum e4d_why {
	E4D_WHY_NONE,
	E4D_WHY_INLINE,		/* inline data */
	E4D_WHY_NOEXTENTS,	/* block-mapped (ext3 style) */
	E4D_WHY_IMMUTABLE,
	E4D_WHY_APPEND,
	E4D_WHY_SWAP,
	E4D_WHY_ENCRYPTED,
	E4D_WHY_VERITY,
	E4D_WHY_DAX,
	E4D_WHY_JOURNAL_DATA,	/* data=journal mount or inode flag */
	E4D_WHY_BIGALLOC,
	E4D_WHY_READONLY,	/* filesystem mounted read-only */
};

struct e4d_file {
	uint64_t ino;
	uint64_t size;		/* i_size in bytes */
	uint32_t nlink;
	uint32_t uid;
	unsigned int iflags;	/* FS_*_FL bits (same values as ext4's) */
	const char *path;	/* NULL when found by the inode scan */
	struct e4d_extents ext;	/* valid during the callback only */
	struct e4d_score score;
	enum e4d_status status;
	enum e4d_why why;
	int err;		/* negative errno when status is ERROR */
};

/* Called for every file; a negative return stops the scan with it. */
typedef int (*e4d_file_fn)(void *arg, const struct e4d_fs *fs,
			   struct e4d_file *f);

/**
 * e4d_why_token() - short machine-readable name of a reason
 * Return: e.g. "inline-data"; "" for E4D_WHY_NONE.
 */
const char *e4d_why_token(enum e4d_why why);

/**
 * e4d_why_text() - the reason in words, e.g. "inline data"
 */
const char *e4d_why_text(enum e4d_why why);

/** e4d_status_token() - "ok", "fragmented", "unmovable" or "error" */
const char *e4d_status_token(enum e4d_status st);

/**
 * e4d_classify() - set status and reason of a file from its flags, the
 * filesystem and its score; an unmovable file's excess and score become 0
 * (nothing can be removed), its extents and ideal stay
 * @fs: the file's filesystem
 * @f: file with iflags, ext and score filled in
 * @is_swap: the file is an active swap file
 */
void e4d_classify(const struct e4d_fs *fs, struct e4d_file *f, bool is_swap);

/**
 * e4d_scan_fs() - every regular file of a filesystem, in inode-table order
 * @ctx: library context
 * @fs: filesystem opened with device access (fs->e2fs set)
 * @fn: callback per file
 * @arg: callback argument
 *
 * Return: 0, -EACCES when the device cannot be read (use e4d_scan_tree()),
 * the callback's negative return, or another negative errno.
 */
int e4d_scan_fs(const struct e4d_ctx *ctx, struct e4d_fs *fs, e4d_file_fn fn,
		void *arg);

/**
 * e4d_scan_path() - one file or a directory tree through FIEMAP
 * @ctx: library context
 * @fs: the filesystem @path is on
 * @path: a regular file, or a directory walked without crossing mounts
 * @fn: callback per file; files that cannot be read come with status
 *      E4D_ST_ERROR and err set
 * @arg: callback argument
 *
 * Hard-linked files are reported once.
 *
 * Return: 0, the callback's negative return, or a negative errno for @path
 * itself.
 */
int e4d_scan_path(const struct e4d_ctx *ctx, const struct e4d_fs *fs,
		  const char *path, e4d_file_fn fn, void *arg);

/**
 * e4d_resolve_paths() - names for inodes found by e4d_scan_fs()
 * @ctx: library context
 * @fs: filesystem with device access
 * @inos: inode numbers, sorted ascending, no duplicates
 * @n: number of inodes
 * @paths: out, n strings (malloc'd; NULL for an inode with no name found),
 *         prefixed with the mountpoint when mounted; a name on disk the
 *         mounted tree does not show (encrypted, key not loaded; renamed)
 *         is looked up there by inode number; a name that does not lead
 *         to the inode there (another filesystem mounted over a directory
 *         on its way) is NULL too
 *
 * One pass over the directories; the first name of a hard-linked file wins.
 *
 * Return: 0 or a negative errno.
 */
int e4d_resolve_paths(const struct e4d_ctx *ctx, struct e4d_fs *fs,
		      const uint64_t *inos, size_t n, char **paths);

#endif
