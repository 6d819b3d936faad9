/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fsinfo.h - from any path, mountpoint or device to the ext4 filesystem it
 * lives on: mount (libmount), device, geometry and features (libext2fs,
 * read-only, when the device can be read; estimated otherwise).
 */
#ifndef E4D_FSINFO_H
#define E4D_FSINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "e4d/score.h"

struct e4d_cand;
struct e4d_ctx;
struct stat;
struct struct_ext2_filsys;

/* The dax mount option: which files bypass the page cache. */
enum e4d_dax {
	E4D_DAX_INODE,		/* dax=inode, the default: files with
				 * FS_DAX_FL, when the device supports DAX
				 */
	E4D_DAX_ALWAYS,		/* dax or dax=always: every file */
	E4D_DAX_NEVER,		/* dax=never: none */
};

struct e4d_fs {
	char *mountpoint;	/* NULL when the device is not mounted */
	char *device;		/* block device node */
	char *fstype;		/* ext2, ext3 or ext4 */
	char uuid[37];
	dev_t devno;
	bool mounted;
	bool subtree;		/* the mount shows a directory of the
				 * filesystem, not its root (a bind mount):
				 * no whole-filesystem scan through it
				 */
	bool readonly;		/* mounted read-only */
	char *twin;		/* mounted read-write, whole: the device of
				 * another such mount whose UUID is this
				 * one's (a copy), or NULL; set by
				 * e4d_fs_find_twin()
				 */
	bool twin_checked;
	enum e4d_dax dax;	/* the dax mount option */
	bool dax_device;	/* the device supports DAX (or unknown) */
	bool journal_data;	/* mounted -o data=journal */
	bool writeback_data;	/* mounted -o data=writeback */
	bool data_mode_set;	/* data= given; else the superblock's default */
	/* features; meaningful only when has_super */
	bool has_super;		/* superblock was read */
	bool extents, flex_bg, bigalloc, inline_data, encrypt, verity;
	uint32_t cluster_ratio;
	uint64_t blocks_count;
	uint64_t free_blocks;
	uint64_t inodes_count;
	int rotational;		/* 1, 0, or -1 unknown */
	struct e4d_geom geom;
	uint64_t *meta_end;	/* storage behind geom.meta_end */
	struct struct_ext2_filsys *e2fs;	/* NULL: no device access */
	int e2fs_err;		/* why e2fs is NULL (negative errno) */
};

/**
 * e4d_fs_open() - find and describe the filesystem a path belongs to
 * @ctx: library context; errors are reported through it, naming @path
 * @path: a file, directory, mountpoint, or block device
 * @out: on success, a new filesystem description (e4d_fs_close() it)
 *
 * The device is opened read-only with libext2fs when possible; when it is
 * not (not root), geometry is estimated and fs->e2fs stays NULL.
 *
 * Return: 0, -ENOENT and friends from stat(), -EMEDIUMTYPE when the path
 * is not on ext2/3/4, or another negative errno.
 */
int e4d_fs_open(const struct e4d_ctx *ctx, const char *path,
		struct e4d_fs **out);

/**
 * e4d_fs_parse_options() - what the mount options say: read-only,
 * data=journal, dax
 * @fs: description whose readonly, journal_data and dax are set
 * @vfs_opts: the mount's VFS options ("rw,relatime"), or NULL
 * @fs_opts: the superblock's options ("rw,dax=inode"), or NULL
 */
void e4d_fs_parse_options(struct e4d_fs *fs, const char *vfs_opts,
			  const char *fs_opts);

/** e4d_fs_close() - release a filesystem description (NULL is fine) */
void e4d_fs_close(struct e4d_fs *fs);

/**
 * e4d_fs_uuid_twin() - another mounted ext2/3/4 filesystem (another device)
 * whose UUID is @fs's: a copy of it (an image copied with dd, a snapshot)
 * @fs: filesystem with its UUID (read from the superblock) and device number
 * @dev: on 1, the other one's device
 * @len: size of @dev
 *
 * Return: 1 when there is one, 0 when none, or a negative errno.
 */
int e4d_fs_uuid_twin(const struct e4d_fs *fs, char *dev, size_t len);

/**
 * e4d_fs_find_twin() - set @fs->twin (once) when @fs, mounted read-write
 * and whole, has a copy mounted so too (e4d_fs_uuid_twin())
 * @fs: filesystem with its superblock read
 *
 * Return: 0, or -ENOMEM.
 */
int e4d_fs_find_twin(struct e4d_fs *fs);

/**
 * e4d_fs_flush() - write a mounted filesystem's dirty data out (syncfs),
 * so that what the device shows (allocated blocks, free space) is current
 * @ctx: library context (a failure is a debug message only)
 * @fs: filesystem; nothing is done when it is not mounted
 */
void e4d_fs_flush(const struct e4d_ctx *ctx, const struct e4d_fs *fs);

/**
 * e4d_fs_same() - whether two descriptions are of one filesystem
 * Return: true when both name the same device number.
 */
bool e4d_fs_same(const struct e4d_fs *a, const struct e4d_fs *b);

/**
 * e4d_fs_open_cand() - open a scanned file again by its path, and check
 * that the path still names the inode scanned
 * @ctx: library context (ops->fstat)
 * @fs: the file's filesystem
 * @c: the candidate: path and inode number
 * @access: O_RDONLY or O_RDWR; the file is opened with O_NOATIME where
 *          the caller may (else without), never following a symlink,
 *          never blocking, close-on-exec
 * @fd: out: the file, or -1 when open() failed; left open in every
 *      other case, for the caller to close
 * @st: out: its status, when it could be read
 *
 * Return: 0 when it is the regular file scanned (same device and inode
 * number); 1 when it is not; or a negative errno, from open() when @fd is
 * -1, else from fstat.
 */
int e4d_fs_open_cand(const struct e4d_ctx *ctx, const struct e4d_fs *fs,
		     const struct e4d_cand *c, int access, int *fd,
		     struct stat *st);

/**
 * e4d_fs_warm_allocator() - have the kernel index every group's free space
 * @ctx: library context (debug message)
 * @fs: a mounted filesystem
 *
 * Right after mount, ext4's block allocator knows only the groups it has
 * already looked at and places a large allocation in the first pieces it
 * meets; the rest are indexed by a background prefetch later. Reading
 * /proc/fs/ext4/DEV/mb_groups loads them all now, so that donors land in
 * the largest free extents. Harmless when already loaded.
 *
 * Return: 0, or a negative errno (no such proc file: nothing was done).
 */
int e4d_fs_warm_allocator(const struct e4d_ctx *ctx, const struct e4d_fs *fs);

#endif
