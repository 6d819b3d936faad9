// SPDX-License-Identifier: GPL-2.0
/*
 * scan.c - whole-filesystem inode scan (libext2fs), FIEMAP for listed
 * files and trees, and the classification shared by both.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <ext2fs/ext2fs.h>
#include <libmount.h>

#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/inoset.h"
#include "e4d/scan.h"
#include "e4d/sys.h"

struct swaps {
	dev_t dev[32];
	ino_t ino[32];
	int n;
};

static const char *const why_tokens[] = {
	[E4D_WHY_NONE] = "",
	[E4D_WHY_INLINE] = "inline-data",
	[E4D_WHY_NOEXTENTS] = "not-extents",
	[E4D_WHY_IMMUTABLE] = "immutable",
	[E4D_WHY_APPEND] = "append-only",
	[E4D_WHY_SWAP] = "swapfile",
	[E4D_WHY_ENCRYPTED] = "encrypted",
	[E4D_WHY_VERITY] = "verity",
	[E4D_WHY_DAX] = "dax",
	[E4D_WHY_JOURNAL_DATA] = "journal-data",
	[E4D_WHY_BIGALLOC] = "bigalloc",
	[E4D_WHY_READONLY] = "read-only",
};

static const char *const why_texts[] = {
	[E4D_WHY_NONE] = "",
	[E4D_WHY_INLINE] = "inline data",
	[E4D_WHY_NOEXTENTS] = "not extent-mapped",
	[E4D_WHY_IMMUTABLE] = "immutable",
	[E4D_WHY_APPEND] = "append-only",
	[E4D_WHY_SWAP] = "active swap file",
	[E4D_WHY_ENCRYPTED] = "encrypted",
	[E4D_WHY_VERITY] = "fs-verity",
	[E4D_WHY_DAX] = "DAX",
	[E4D_WHY_JOURNAL_DATA] = "data=journal",
	[E4D_WHY_BIGALLOC] = "bigalloc filesystem",
	[E4D_WHY_READONLY] = "filesystem mounted read-only",
};

static const char *const status_tokens[] = {
	[E4D_ST_OK] = "ok",
	[E4D_ST_FRAGMENTED] = "fragmented",
	[E4D_ST_UNMOVABLE] = "unmovable",
	[E4D_ST_ERROR] = "error",
};

const char *e4d_why_token(enum e4d_why why)
{
	return why_tokens[why];
}

const char *e4d_why_text(enum e4d_why why)
{
	return why_texts[why];
}

const char *e4d_status_token(enum e4d_status st)
{
	return status_tokens[st];
}

static enum e4d_why why_of(const struct e4d_fs *fs, unsigned int fl,
			   bool is_swap)
{
	if (fl & FS_INLINE_DATA_FL)
		return E4D_WHY_INLINE;
	/* before the mapping: a file whose key is not loaded has no
	 * flags but this one (see map_locked())
	 */
	if (fl & FS_ENCRYPT_FL)
		return E4D_WHY_ENCRYPTED;
	if (!(fl & FS_EXTENT_FL))
		return E4D_WHY_NOEXTENTS;
	if (fl & FS_IMMUTABLE_FL)
		return E4D_WHY_IMMUTABLE;
	if (fl & FS_APPEND_FL)
		return E4D_WHY_APPEND;
	if (is_swap)
		return E4D_WHY_SWAP;
	if (fl & FS_VERITY_FL)
		return E4D_WHY_VERITY;
	/* as ext4_should_enable_dax(): the inode flag counts under
	 * dax=inode on a DAX device only
	 */
	if (fs->dax == E4D_DAX_ALWAYS ||
	    (fs->dax == E4D_DAX_INODE && (fl & FS_DAX_FL) && fs->dax_device))
		return E4D_WHY_DAX;
	if ((fl & FS_JOURNAL_DATA_FL) || fs->journal_data)
		return E4D_WHY_JOURNAL_DATA;
	if (fs->bigalloc)
		return E4D_WHY_BIGALLOC;
	if (fs->readonly)
		return E4D_WHY_READONLY;
	return E4D_WHY_NONE;
}

void e4d_classify(const struct e4d_fs *fs, struct e4d_file *f, bool is_swap)
{
	f->why = why_of(fs, f->iflags, is_swap);
	if (f->why != E4D_WHY_NONE) {
		/* no defragmentation removes anything from it: extents
		 * and ideal stay as measured
		 */
		f->status = E4D_ST_UNMOVABLE;
		f->score.excess = 0;
		f->score.score = 0;
	} else if (f->score.excess)
		f->status = E4D_ST_FRAGMENTED;
	else
		f->status = E4D_ST_OK;
}

/* The active swap files (libmount undoes /proc/swaps' escapes); the
 * kernel has fewer than 32 swap areas (MAX_SWAPFILES).
 */
static void read_swaps(struct swaps *sw)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *mfs;
	const char *name, *type;
	struct stat st;

	sw->n = 0;
	if (!tb || !it || mnt_table_parse_swaps(tb, NULL) < 0)
		goto out;
	while (sw->n < 32 && mnt_table_next_fs(tb, it, &mfs) == 0) {
		name = mnt_fs_get_source(mfs);
		type = mnt_fs_get_swaptype(mfs);
		if (!name || !type || strcmp(type, "file") ||
		    stat(name, &st) < 0)
			continue;
		sw->dev[sw->n] = st.st_dev;
		sw->ino[sw->n++] = st.st_ino;
	}
out:
	mnt_free_iter(it);
	mnt_unref_table(tb);
}

static bool is_swap(const struct swaps *sw, dev_t dev, uint64_t ino)
{
	int i;

	for (i = 0; i < sw->n; i++)
		if (sw->dev[i] == dev && sw->ino[i] == ino)
			return true;
	return false;
}

/* libext2fs returns errno values for system errors, its own codes else:
 * those of reading are I/O errors, the rest say the metadata is corrupt
 */
static int e2_errno(errcode_t err)
{
	if (err > 0 && err < 256)
		return -(int)err;
	switch (err) {
	case EXT2_ET_NO_MEMORY:
		return -ENOMEM;
	case EXT2_ET_SHORT_READ:
	case EXT2_ET_NEXT_INODE_READ:
	case EXT2_ET_GDESC_READ:
	case EXT2_ET_INODE_TABLE_READ:
	case EXT2_ET_BLOCK_BITMAP_READ:
	case EXT2_ET_INODE_BITMAP_READ:
		return -EIO;
	default:
		return -EUCLEAN;
	}
}

/* ---- whole filesystem, libext2fs ---- */

/* ext4's limit (EXT4_MAX_EXTENT_DEPTH): no deeper tree is valid */
#define MAX_EXTENT_DEPTH	5

/* as the kernel's ext4_sb_block_valid(): after the superblock's block,
 * within the filesystem
 */
static bool blocks_inside(ext2_filsys e2, blk64_t pblk, uint64_t len)
{
	return pblk > e2->super->s_first_data_block &&
	       pblk < ext2fs_blocks_count(e2->super) &&
	       len <= ext2fs_blocks_count(e2->super) - pblk;
}

/*
 * The leaves of an extent tree, in order. A tree ext4 would refuse is
 * -EUCLEAN: too deep, an extent before or overlapping the one before it
 * (also what an index block pointing back up the tree, or twice at the
 * same node, looks like: without this, such a tree is followed through
 * every path, exponentially many), or blocks outside the filesystem.
 */
static int read_extent_tree(ext2_filsys e2, ext2_ino_t ino,
			    struct ext2_inode *inode, struct e4d_extents *el)
{
	ext2_extent_handle_t h;
	struct ext2_extent_info info;
	struct ext2fs_extent ex;
	uint64_t next = 0;
	errcode_t err;
	int op = EXT2_EXTENT_ROOT;
	int ret = 0;

	err = ext2fs_extent_open2(e2, ino, inode, &h);
	if (err)
		return e2_errno(err);
	if (ext2fs_extent_get_info(h, &info) == 0 &&
	    info.max_depth > MAX_EXTENT_DEPTH) {
		ext2fs_extent_free(h);
		return -EUCLEAN;
	}
	for (;;) {
		err = ext2fs_extent_get(h, op, &ex);
		if (err)
			break;
		op = EXT2_EXTENT_NEXT;
		if (!(ex.e_flags & EXT2_EXTENT_FLAGS_LEAF) ||
		    (ex.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT))
			continue;
		if (ex.e_lblk < next || !ex.e_len ||
		    !blocks_inside(e2, ex.e_pblk, ex.e_len)) {
			ret = -EUCLEAN;
			break;
		}
		next = ex.e_lblk + ex.e_len;
		ret = e4d_extents_add(el, ex.e_lblk, ex.e_pblk, ex.e_len,
				      (ex.e_flags & EXT2_EXTENT_FLAGS_UNINIT) ?
				      E4D_EXT_UNWRITTEN : 0);
		if (ret < 0)
			break;
	}
	ext2fs_extent_free(h);
	if (!ret && err && err != EXT2_ET_EXTENT_NO_NEXT &&
	    err != EXT2_ET_EXTENT_NO_DOWN)
		ret = e2_errno(err);
	return ret;
}

struct block_map {
	struct e4d_extents *el;	/* NULL: only checked */
	struct e4d_inoset ind;	/* indirect blocks met */
	int err;
};

static int block_cb(ext2_filsys e2, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		    blk64_t ref_blk, int ref_offset, void *priv)
{
	struct block_map *m = priv;
	int ret = 0;

	if (!blocks_inside(e2, *blocknr, 1)) {
		ret = -EUCLEAN;
	} else if (blockcnt < 0) {
		/* an indirect block met twice is a loop or a shared
		 * subtree: followed, up to 2^30 blocks from one bad pointer
		 */
		ret = e4d_inoset_add(&m->ind, *blocknr);
		ret = ret == 0 ? -EUCLEAN : ret < 0 ? ret : 0;
	} else if (m->el) {
		ret = e4d_extents_add(m->el, blockcnt, *blocknr, 1, 0);
	}
	m->err = ret < 0 ? ret : 0;
	return m->err ? BLOCK_ABORT : 0;
}

/* The blocks of a file mapped through indirect blocks, into @el unless
 * it is NULL; a map ext4 would refuse is -EUCLEAN.
 */
static int read_block_map(ext2_filsys e2, ext2_ino_t ino,
			  struct e4d_extents *el)
{
	struct block_map m = { .el = el };
	errcode_t err;

	err = ext2fs_block_iterate3(e2, ino, BLOCK_FLAG_READ_ONLY, NULL,
				    block_cb, &m);
	e4d_inoset_clear(&m.ind);
	if (m.err)
		return m.err;
	return err ? e2_errno(err) : 0;
}

static void score_and_classify(const struct e4d_fs *fs, struct e4d_file *f,
			       const struct swaps *sw)
{
	e4d_score_file(&fs->geom, &f->ext, f->size, &f->score);
	if (f->status != E4D_ST_ERROR)
		e4d_classify(fs, f, is_swap(sw, fs->devno, f->ino));
}

/*
 * The filesystem's own regular files: the reserved inodes below
 * s_first_ino, and those the superblock names wherever they are (the
 * journal, quota and orphan files may be ordinary inode numbers, e.g.
 * after tune2fs), and inodes that hold a large extended attribute value
 * (ea_inode) for another inode.
 */
static bool is_internal(const struct ext2_super_block *sb, ext2_ino_t ino,
			const struct ext2_inode *inode)
{
	if (ino < EXT2_FIRST_INO(sb) || (inode->i_flags & EXT4_EA_INODE_FL))
		return true;
	return ino == sb->s_journal_inum || ino == sb->s_usr_quota_inum ||
	       ino == sb->s_grp_quota_inum || ino == sb->s_prj_quota_inum ||
	       ino == sb->s_orphan_file_inum;
}

/* ext2fs_set_inode_callback(): the last group the scan finished */
static errcode_t group_done(ext2_filsys e2, ext2_inode_scan scan,
			    dgrp_t group, void *priv)
{
	*(dgrp_t *)priv = group;
	return 0;
}

/*
 * The inode scan could not go on in the group after *@done (its
 * descriptor points its inode table outside the filesystem, or the table
 * cannot be read): say so, and go on with the next group whose table can
 * be read; *@done becomes the group before it. @level: the message's.
 * Return: 0, or 1 when no group is left.
 */
static int skip_groups(const struct e4d_ctx *ctx, const struct e4d_fs *fs,
		       enum e4d_level level, ext2_inode_scan scan,
		       dgrp_t *done, errcode_t err)
{
	ext2_filsys e2 = (ext2_filsys)fs->e2fs;
	dgrp_t group = *done + 1;

	for (;;) {
		e4d_msg(ctx, level, "%s: inode scan: group %u: %s, its "
			"inodes skipped", fs->device, group,
			error_message(err));
		*done = group;
		if (++group >= e2->group_desc_count)
			return 1;
		err = ext2fs_inode_scan_goto_blockgroup(scan, group);
		if (!err)
			return 0;
	}
}

/* Fill @f from the inode and its block map or extent tree. */
static void read_file(ext2_filsys e2, ext2_ino_t ino,
		      struct ext2_inode *inode, struct e4d_file *f)
{
	int ret;

	f->ino = ino;
	f->size = EXT2_I_SIZE(inode);
	f->nlink = inode->i_links_count;
	f->uid = inode_uid(*inode);
	f->iflags = inode->i_flags;
	f->status = E4D_ST_OK;
	f->err = 0;
	e4d_extents_reset(&f->ext);
	/* negative as a loff_t: the kernel refuses the inode */
	if (f->size > INT64_MAX)
		ret = -EUCLEAN;
	else if (inode->i_flags & EXT4_INLINE_DATA_FL)
		ret = f->size ? e4d_extents_add(&f->ext, 0, 0, 1,
						E4D_EXT_INLINE) : 0;
	else if (inode->i_flags & EXT4_EXTENTS_FL)
		ret = read_extent_tree(e2, ino, inode, &f->ext);
	else
		ret = read_block_map(e2, ino, &f->ext);
	if (ret < 0) {
		/* neither its mapping nor its size count anywhere */
		f->status = E4D_ST_ERROR;
		f->err = ret;
		f->size = 0;
		e4d_extents_reset(&f->ext);
	}
}

int e4d_scan_fs(const struct e4d_ctx *ctx, struct e4d_fs *fs, e4d_file_fn fn,
		void *arg)
{
	ext2_filsys e2 = (ext2_filsys)fs->e2fs;
	struct e4d_file f = { 0 };
	ext2_inode_scan scan;
	struct ext2_inode *inode;
	struct swaps sw;
	int isize, ret = 0;
	dgrp_t done = (dgrp_t)-1;
	ext2_ino_t ino;
	errcode_t err;

	if (!e2)
		return fs->e2fs_err ? fs->e2fs_err : -EACCES;
	e4d_fs_flush(ctx, fs);
	read_swaps(&sw);
	isize = EXT2_INODE_SIZE(e2->super);
	inode = malloc(isize);
	if (!inode)
		return -ENOMEM;
	err = ext2fs_open_inode_scan(e2, 0, &scan);
	if (err) {
		e4d_msg(ctx, E4D_ERR, "%s: inode scan: %s", fs->device,
			error_message(err));
		free(inode);
		return e2_errno(err);
	}
	ext2fs_inode_scan_flags(scan, EXT2_SF_SKIP_MISSING_ITABLE, 0);
	ext2fs_set_inode_callback(scan, group_done, &done);
	for (;;) {
		err = ext2fs_get_next_inode_full(scan, &ino, inode, isize);
		if (err == EXT2_ET_BAD_BLOCK_IN_INODE_TABLE ||
		    err == EXT2_ET_INODE_CSUM_INVALID ||
		    err == EXT2_ET_INODE_IS_GARBAGE)
			continue;
		if (err == EXT2_ET_NO_MEMORY) {
			ret = -ENOMEM;
			break;
		}
		if (err) {
			if (skip_groups(ctx, fs, E4D_WARN, scan, &done, err))
				break;
			continue;
		}
		if (!ino)
			break;
		if (!inode->i_links_count || !LINUX_S_ISREG(inode->i_mode) ||
		    is_internal(e2->super, ino, inode))
			continue;
		read_file(e2, ino, inode, &f);
		score_and_classify(fs, &f, &sw);
		ret = fn(arg, fs, &f);
		if (ret < 0)
			break;
	}
	ext2fs_close_inode_scan(scan);
	e4d_extents_free(&f.ext);
	free(inode);
	return ret < 0 ? ret : 0;
}

/* ---- listed files and trees, FIEMAP ---- */

struct tree {
	const struct e4d_ctx *ctx;
	const struct e4d_fs *fs;
	e4d_file_fn fn;
	void *arg;
	struct swaps sw;
	struct e4d_file f;
	struct e4d_inoset seen;	/* inodes with nlink > 1 already reported */
	uint64_t mnt_id;	/* the top's mount (statx), 0: unknown */
	const char *shown;	/* the symlink named, NULL: none */
	size_t real_len;	/* length of the path it resolves to */
	char *name;		/* shown + what follows the resolved path */
	int ret;
};

static int open_for_map(const char *path)
{
	int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int fd = open(path, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = open(path, flags);
	return fd;
}

/*
 * An encrypted file whose key is not loaded cannot be opened (ENOKEY), so
 * neither mapped nor moved: unmovable, not an error. Its extents are not
 * known. Return: true when @path is such a file.
 */
static bool map_locked(const char *path, struct e4d_file *f)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &stx) < 0 ||
	    !(stx.stx_attributes_mask & STATX_ATTR_ENCRYPTED) ||
	    !(stx.stx_attributes & STATX_ATTR_ENCRYPTED))
		return false;
	f->iflags = FS_ENCRYPT_FL;
	return true;
}

/* Map one regular file (already lstat()ed) and hand it over; one the walk
 * found (not @named) that is gone by the time it is opened was deleted
 * meanwhile: no file, no error.
 */
static int map_one(struct tree *t, const char *path, const struct stat *st,
		   bool named)
{
	struct e4d_file *f = &t->f;
	bool locked = false;
	int fd, ret;

	f->path = path;
	f->ino = st->st_ino;
	f->size = st->st_size;
	f->nlink = st->st_nlink;
	f->uid = st->st_uid;
	f->iflags = 0;
	f->status = E4D_ST_OK;
	f->err = 0;
	e4d_extents_reset(&f->ext);
	fd = open_for_map(path);
	if (fd < 0 && errno == ENOENT && !named)
		return 0;
	if (fd < 0) {
		ret = -errno;
		locked = ret == -ENOKEY && map_locked(path, f);
		if (!locked) {
			f->status = E4D_ST_ERROR;
			f->err = ret;
			e4d_msg(t->ctx, E4D_ERR, "%s: %s", path,
				strerror(-ret));
		}
	} else {
		ret = t->ctx->ops->getflags(fd, &f->iflags);
		if (ret < 0 && ret != -ENOTTY)
			f->err = ret;
		ret = e4d_fiemap_read(t->ctx, fd, t->fs->geom.blocksize, 1,
				      &f->ext);
		if (ret < 0) {
			f->status = E4D_ST_ERROR;
			f->err = ret;
			e4d_msg(t->ctx, E4D_ERR, "%s: FIEMAP: %s", path,
				strerror(-ret));
		}
		close(fd);
	}
	score_and_classify(t->fs, f, &t->sw);
	/* its mapping is not known: no extents, and no hole either */
	if (locked)
		f->score.holes = 0;
	return t->fn(t->arg, t->fs, f);
}

/* nftw() says a directory or inode could not be read, not why: ask again */
static int why_unreadable(const char *path, int type)
{
	struct stat st;
	DIR *d;

	if (type == FTW_NS)
		return lstat(path, &st) < 0 ? -errno : -EIO;
	d = opendir(path);
	if (!d)
		return -errno;
	closedir(d);
	return -EIO;
}

static struct tree *walk_tree;	/* nftw() has no user argument */

/* statx()'s mount ID of @path (not followed), 0 when unknown. */
static uint64_t mount_id(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID,
		  &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

/* The name to give a file the walk found: under the symlink named when
 * the walk started from what it resolves to. NULL when out of memory.
 */
static const char *shown_path(struct tree *t, const char *path)
{
	if (!t->shown)
		return path;
	free(t->name);
	if (asprintf(&t->name, "%s%s", t->shown, path + t->real_len) < 0)
		t->name = NULL;
	return t->name;
}

static int walk_cb(const char *wpath, const struct stat *st, int type,
		   struct FTW *ftw)
{
	struct tree *t = walk_tree;
	const char *path = shown_path(t, wpath);
	int ret = 0;

	if (!path) {
		t->ret = -ENOMEM;
		return FTW_STOP;
	}
	if (type == FTW_DNR || type == FTW_NS) {
		int err = why_unreadable(path, type);

		/* deleted between readdir() and lstat() or opendir() */
		if (err == -ENOENT)
			return FTW_CONTINUE;
		e4d_msg(t->ctx, E4D_ERR, "%s: cannot read %s: %s", path,
			type == FTW_DNR ? "directory" : "attributes",
			strerror(-err));
		t->f.path = path;
		e4d_extents_reset(&t->f.ext);
		memset(&t->f.score, 0, sizeof(t->f.score));
		t->f.ino = type == FTW_DNR ? st->st_ino : 0;
		t->f.size = 0;
		t->f.status = E4D_ST_ERROR;
		t->f.why = E4D_WHY_NONE;
		t->f.err = err;
		ret = t->fn(t->arg, t->fs, &t->f);
	} else if (type == FTW_D && ftw->level > 0 && t->mnt_id &&
		   mount_id(wpath) != t->mnt_id) {
		/* a mount point: FTW_MOUNT compares st_dev only, which a
		 * bind mount of the same filesystem shares
		 */
		return FTW_SKIP_SUBTREE;
	} else if (type == FTW_F && S_ISREG(st->st_mode) &&
		   st->st_dev == t->fs->devno) {
		if (st->st_nlink > 1 && e4d_inoset_add(&t->seen,
							st->st_ino) == 0)
			return FTW_CONTINUE;
		ret = map_one(t, path, st, false);
	}
	if (ret < 0) {
		t->ret = ret;
		return FTW_STOP;
	}
	return FTW_CONTINUE;
}

/*
 * When @path names a symlink (trailing slashes aside), *real is what it
 * resolves to, for the walk, and t->shown the name to give its files
 * instead. Return: 0 or a negative errno.
 */
static int follow_top(struct tree *t, const char *path, char **top,
		      char **real)
{
	size_t len = strlen(path);
	struct stat lst;

	while (len > 1 && path[len - 1] == '/')
		len--;
	*top = strndup(path, len);
	if (!*top)
		return -ENOMEM;
	if (lstat(*top, &lst) < 0 || !S_ISLNK(lst.st_mode))
		return 0;
	*real = realpath(*top, NULL);
	if (!*real)
		return -errno;
	t->shown = *top;
	/* "/" resolved: its files are "/x", shown as "link/x" */
	t->real_len = strcmp(*real, "/") ? strlen(*real) : 0;
	return 0;
}

int e4d_scan_path(const struct e4d_ctx *ctx, const struct e4d_fs *fs,
		  const char *path, e4d_file_fn fn, void *arg)
{
	struct tree t = { .ctx = ctx, .fs = fs, .fn = fn, .arg = arg };
	char *real = NULL, *top = NULL;
	struct stat st;
	int ret;

	if (stat(path, &st) < 0)
		return -errno;
	read_swaps(&t.sw);
	if (S_ISDIR(st.st_mode)) {
		/* a symlink named by the user is followed (nftw() would
		 * report it as a link and walk nothing, with or without a
		 * trailing slash), the walk keeps its name; symlinks inside
		 * the tree are not followed
		 */
		t.ret = follow_top(&t, path, &top, &real);
		if (t.ret < 0)
			goto out_free;
		t.mnt_id = mount_id(real ? real : path);
		walk_tree = &t;
		ret = nftw(real ? real : path, walk_cb, 64,
			   FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
		walk_tree = NULL;
		if (ret < 0)
			t.ret = -errno;
	} else if (S_ISREG(st.st_mode)) {
		t.ret = map_one(&t, path, &st, true);
	} else {
		t.ret = -EINVAL;
	}
out_free:
	e4d_extents_free(&t.f.ext);
	e4d_inoset_clear(&t.seen);
	free(t.name);
	free(real);
	free(top);
	return t.ret;
}

/* ---- inode numbers back to names ---- */

struct dirname {
	uint64_t ino;		/* a directory */
	uint64_t parent;
	char *name;
	bool confirmed;		/* the directory's ".." names parent */
};

struct dotdot {
	uint64_t dir, parent;
};

struct resolve {
	const uint64_t *inos;
	size_t n;
	char **names;		/* per target: name in its parent */
	uint64_t *parents;
	size_t found;
	struct dirname *dirs;
	size_t ndirs, capdirs;
	struct dotdot *dotdots;	/* what each directory's ".." says */
	size_t ndotdots, capdotdots;
	ext2_ino_t cur;		/* directory being read */
	size_t bad_dirs;	/* directories that could not be read */
	int err;
};

static long find_ino(const uint64_t *v, size_t n, uint64_t ino)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] == ino)
			return mid;
		if (v[mid] < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Grow *@v (of *@cap elements of @size) to hold @n + 1; 0 or -ENOMEM */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 256;
	void *nv;

	if (n < *cap)
		return 0;
	nv = realloc(*v, c * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

static int dirent_cb(ext2_ino_t dir, int entry, struct ext2_dir_entry *de,
		     int offset, int blocksize, char *buf, void *priv)
{
	struct resolve *r = priv;
	int len = ext2fs_dirent_name_len(de);
	long k;

	if (de->inode && len == 2 && de->name[0] == '.' &&
	    de->name[1] == '.') {
		if (grow((void **)&r->dotdots, &r->capdotdots, r->ndotdots,
			 sizeof(*r->dotdots)))
			goto out_nomem;
		r->dotdots[r->ndotdots++] = (struct dotdot){ r->cur,
							     de->inode };
		return 0;
	}
	if (!de->inode || (len == 1 && de->name[0] == '.'))
		return 0;
	if (ext2fs_dirent_file_type(de) == EXT2_FT_DIR) {
		if (grow((void **)&r->dirs, &r->capdirs, r->ndirs,
			 sizeof(*r->dirs)))
			goto out_nomem;
		r->dirs[r->ndirs].ino = de->inode;
		r->dirs[r->ndirs].confirmed = false;
		r->dirs[r->ndirs].parent = r->cur;
		r->dirs[r->ndirs].name = strndup(de->name, len);
		if (!r->dirs[r->ndirs++].name)
			goto out_nomem;
		return 0;
	}
	k = find_ino(r->inos, r->n, de->inode);
	if (k < 0 || r->names[k])
		return 0;
	r->names[k] = strndup(de->name, len);
	if (!r->names[k])
		goto out_nomem;
	r->parents[k] = r->cur;
	r->found++;
	return 0;
out_nomem:
	r->err = -ENOMEM;
	return DIRENT_ABORT;
}

static int cmp_dirname(const void *a, const void *b)
{
	const struct dirname *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* by inode, the entry that ".." confirms first */
static int cmp_dirname_confirmed(const void *a, const void *b)
{
	const struct dirname *x = a, *y = b;
	int c = cmp_dirname(a, b);

	return c ? c : (int)y->confirmed - (int)x->confirmed;
}

static int cmp_dotdot(const void *a, const void *b)
{
	const struct dotdot *x = a, *y = b;

	return x->dir < y->dir ? -1 : x->dir > y->dir;
}

/*
 * A directory named in two places (a damaged directory: ext4 has no hard
 * links to directories) would make a path through the wrong one, maybe
 * one that loops back into the directory itself: the entry in the
 * directory that the directory's own ".." names comes first.
 */
static void sort_dirs(struct resolve *r)
{
	struct dotdot *dd;
	size_t i;

	if (r->ndotdots)
		qsort(r->dotdots, r->ndotdots, sizeof(*r->dotdots),
		      cmp_dotdot);
	for (i = 0; r->ndotdots && i < r->ndirs; i++) {
		struct dotdot key = { .dir = r->dirs[i].ino };

		dd = bsearch(&key, r->dotdots, r->ndotdots, sizeof(key),
			     cmp_dotdot);
		r->dirs[i].confirmed = dd && dd->parent == r->dirs[i].parent;
	}
	if (r->ndirs)
		qsort(r->dirs, r->ndirs, sizeof(*r->dirs),
		      cmp_dirname_confirmed);
}

/* The entry of directory @ino, the confirmed one when there are more */
static struct dirname *find_dir(struct resolve *r, uint64_t ino)
{
	struct dirname key = { .ino = ino }, *d;

	if (!r->ndirs)
		return NULL;
	d = bsearch(&key, r->dirs, r->ndirs, sizeof(key), cmp_dirname);
	while (d && d > r->dirs && d[-1].ino == ino)
		d--;
	return d;
}

/*
 * Path of directory @ino below the filesystem root, "" for the root: built
 * from its end, name by name up to the root. -ENAMETOOLONG when it does
 * not fit in @sz (or the parents loop: a damaged directory).
 */
static int dir_path(struct resolve *r, uint64_t ino, char *buf, size_t sz)
{
	size_t pos = sz - 1, len;
	struct dirname *d;

	buf[pos] = 0;
	while (ino != EXT2_ROOT_INO) {
		d = find_dir(r, ino);
		if (!d)
			return -ENOENT;
		len = strlen(d->name);
		if (pos < len + 1)
			return -ENAMETOOLONG;
		pos -= len;
		memcpy(buf + pos, d->name, len);
		buf[--pos] = '/';
		ino = d->parent;
	}
	memmove(buf, buf + pos, sz - pos);
	return 0;
}

/* The name directory @dfd shows for inode @ino (malloc'd), or NULL. */
static char *shown_name(int dfd, uint64_t ino)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	char *name = NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (!name && (de = readdir(d)))
		if (de->d_ino == ino && strcmp(de->d_name, ".") &&
		    strcmp(de->d_name, ".."))
			name = strdup(de->d_name);
	closedir(d);
	return name;
}

/*
 * The path of inode @ino in directory @parent found again through the
 * mounted tree, directory by directory from the root, by inode number:
 * for names the disk has but the mounted tree does not show (the
 * directory is encrypted and its key is not loaded: the kernel shows
 * another encoding of the name on disk; or it was renamed since). Every
 * step is checked to stay on the filesystem (another one mounted over a
 * directory hides what is below). NULL when not found.
 */
static char *mounted_path(struct resolve *r, const struct e4d_fs *fs,
			  uint64_t parent, uint64_t ino)
{
	uint64_t *chain = NULL, *v, x;
	size_t depth = 0, i;
	struct dirname *d;
	char *path = NULL, *name = NULL, *p;
	int fd = -1, nfd;
	struct stat st;

	for (x = parent; x != EXT2_ROOT_INO; x = d->parent) {
		d = find_dir(r, x);
		v = d && depth < PATH_MAX / 2 ?
		    realloc(chain, (depth + 1) * sizeof(*chain)) : NULL;
		if (!v)
			goto out;
		chain = v;
		chain[depth++] = x;
	}
	fd = open(fs->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	path = strdup(strcmp(fs->mountpoint, "/") ? fs->mountpoint : "");
	if (fd < 0 || !path)
		goto out;
	for (i = depth + 1; i-- > 0;) {
		name = shown_name(fd, i ? chain[i - 1] : ino);
		if (!name || asprintf(&p, "%s/%s", path, name) < 0)
			goto out;
		free(path);
		path = p;
		if (!i)
			break;
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		close(fd);
		fd = nfd;
		free(name);
		name = NULL;
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != fs->devno ||
		    st.st_ino != chain[i - 1])
			goto out;
	}
	if (strlen(path) < PATH_MAX && lstat(path, &st) == 0 &&
	    st.st_dev == fs->devno && st.st_ino == ino) {
		close(fd);
		free(name);
		free(chain);
		return path;
	}
out:
	if (fd >= 0)
		close(fd);
	free(name);
	free(path);
	free(chain);
	return NULL;
}

/*
 * The entries of directory @ino into @r. Its block map or extent tree is
 * checked first (@scratch holds the extents): libext2fs follows a loop in
 * it as far as it goes, through as many directory blocks.
 */
static void read_dir(const struct e4d_ctx *ctx, const struct e4d_fs *fs,
		     ext2_ino_t ino, struct ext2_inode *inode,
		     struct resolve *r, struct e4d_extents *scratch)
{
	ext2_filsys e2 = (ext2_filsys)fs->e2fs;
	errcode_t err;
	int ret = 0;

	e4d_extents_reset(scratch);
	if (inode->i_flags & EXT4_INLINE_DATA_FL)
		ret = 0;
	else if (inode->i_flags & EXT4_EXTENTS_FL)
		ret = read_extent_tree(e2, ino, inode, scratch);
	else
		ret = read_block_map(e2, ino, NULL);
	if (ret == -ENOMEM) {
		r->err = ret;
		return;
	}
	if (!ret) {
		r->cur = ino;
		err = ext2fs_dir_iterate2(e2, ino, 0, NULL, dirent_cb, r);
		ret = err ? e2_errno(err) : 0;
	}
	if (ret < 0) {
		r->bad_dirs++;
		e4d_msg(ctx, E4D_DEBUG, "%s: directory inode %u: %s",
			fs->device, ino, strerror(-ret));
	}
}

int e4d_resolve_paths(const struct e4d_ctx *ctx, struct e4d_fs *fs,
		      const uint64_t *inos, size_t n, char **paths)
{
	ext2_filsys e2 = (ext2_filsys)fs->e2fs;
	struct resolve r = { .inos = inos, .n = n };
	struct ext2_inode inode;
	struct e4d_extents scratch = { 0 };
	dgrp_t done = (dgrp_t)-1;
	ext2_inode_scan scan;
	const char *mnt = fs->mountpoint && strcmp(fs->mountpoint, "/") ?
			  fs->mountpoint : "";
	char *buf = NULL;
	ext2_ino_t ino;
	errcode_t err;
	size_t k, hidden = 0;
	struct stat st;

	memset(paths, 0, n * sizeof(*paths));
	if (!e2)
		return -EACCES;
	r.names = calloc(n ? n : 1, sizeof(char *));
	r.parents = calloc(n ? n : 1, sizeof(uint64_t));
	buf = malloc(PATH_MAX * 2);
	if (!r.names || !r.parents || !buf) {
		r.err = -ENOMEM;
		goto out_free;
	}
	err = ext2fs_open_inode_scan(e2, 0, &scan);
	if (err) {
		r.err = e2_errno(err);
		goto out_free;
	}
	ext2fs_inode_scan_flags(scan, EXT2_SF_SKIP_MISSING_ITABLE, 0);
	ext2fs_set_inode_callback(scan, group_done, &done);
	while (!r.err) {
		err = ext2fs_get_next_inode(scan, &ino, &inode);
		if (err == EXT2_ET_BAD_BLOCK_IN_INODE_TABLE ||
		    err == EXT2_ET_INODE_CSUM_INVALID ||
		    err == EXT2_ET_INODE_IS_GARBAGE)
			continue;
		if (err == EXT2_ET_NO_MEMORY) {
			r.err = -ENOMEM;
			break;
		}
		/* e4d_scan_fs() said so already */
		if (err && skip_groups(ctx, fs, E4D_DEBUG, scan, &done, err))
			break;
		if (err)
			continue;
		if (!ino)
			break;
		if (!LINUX_S_ISDIR(inode.i_mode) || !inode.i_links_count)
			continue;
		read_dir(ctx, fs, ino, &inode, &r, &scratch);
	}
	ext2fs_close_inode_scan(scan);
	e4d_extents_free(&scratch);
	if (r.err)
		goto out_free;
	if (r.bad_dirs)
		e4d_msg(ctx, E4D_WARN, "%s: %zu director%s could not be read "
			"(corrupt, or changing): their files are shown by "
			"inode number", fs->device, r.bad_dirs,
			r.bad_dirs == 1 ? "y" : "ies");
	sort_dirs(&r);
	for (k = 0; k < n; k++) {
		/* a path that does not fit PATH_MAX cannot be opened: no
		 * name (skipped as such, not failed)
		 */
		if (!r.names[k] || dir_path(&r, r.parents[k], buf,
					    PATH_MAX) < 0 ||
		    strlen(mnt) + strlen(buf) + 1 + strlen(r.names[k]) >=
		    PATH_MAX)
			continue;
		if (asprintf(&paths[k], "%s%s/%s", mnt, buf, r.names[k]) < 0)
			paths[k] = NULL;
		/* another filesystem mounted over a directory on the way
		 * hides the file: that path is another file, or none
		 */
		if (paths[k] && fs->mountpoint &&
		    (lstat(paths[k], &st) < 0 || st.st_dev != fs->devno ||
		     st.st_ino != inos[k])) {
			free(paths[k]);
			paths[k] = mounted_path(&r, fs, r.parents[k], inos[k]);
			if (!paths[k])
				hidden++;
		}
	}
	e4d_msg(ctx, E4D_DEBUG, "%s: named %zu of %zu inodes (%zu of the names "
		"not reachable)", fs->device, r.found, n, hidden);
out_free:
	for (k = 0; r.names && k < n; k++)
		free(r.names[k]);
	for (k = 0; k < r.ndirs; k++)
		free(r.dirs[k].name);
	free(r.dirs);
	free(r.dotdots);
	free(r.names);
	free(r.parents);
	free(buf);
	return r.err;
}
