// SPDX-License-Identifier: GPL-2.0
/*
 * fsinfo.c - path -> mount -> device -> geometry and features.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <blkid.h>
#include <ext2fs/ext2fs.h>
#include <libmount.h>

#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/plan.h"
#include "e4d/sys.h"

struct range {
	uint64_t start, end;
};

static bool is_ext_type(const char *type)
{
	return type && (!strcmp(type, "ext4") || !strcmp(type, "ext3") ||
			!strcmp(type, "ext2"));
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void e4d_fs_parse_options(struct e4d_fs *fs, const char *vfs_opts,
			  const char *fs_opts)
{
	char *val = NULL;
	size_t vsz = 0;

	fs->readonly = vfs_opts && mnt_optstr_get_option(vfs_opts, "ro", NULL,
							 NULL) == 0;
	/* the kernel shows data= only when it is not the superblock's
	 * default mount option (e4d_fs_open() reads that)
	 */
	fs->data_mode_set = fs_opts &&
			    mnt_optstr_get_option(fs_opts, "data", &val,
						  &vsz) == 0 && val;
	fs->journal_data = fs->data_mode_set && vsz == 7 &&
			   !strncmp(val, "journal", 7);
	fs->writeback_data = fs->data_mode_set && vsz == 9 &&
			     !strncmp(val, "writeback", 9);
	/* "dax" alone (older kernels) is dax=always; dax=inode is what a
	 * mount without the option does
	 */
	fs->dax = E4D_DAX_INODE;
	val = NULL;
	vsz = 0;
	if (fs_opts && mnt_optstr_get_option(fs_opts, "dax", &val, &vsz) == 0) {
		if (!val || !vsz || (vsz == 6 && !strncmp(val, "always", 6)))
			fs->dax = E4D_DAX_ALWAYS;
		else if (vsz == 5 && !strncmp(val, "never", 5))
			fs->dax = E4D_DAX_NEVER;
	}
}

/* libmount: the mount entry a path lives under, or that a device backs. */
static int find_mount(struct e4d_fs *fs, const char *path,
		      const struct stat *st)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_fs *mfs = NULL;
	struct libmnt_iter *it;
	char *real = NULL;
	int ret = 0;

	if (!tb)
		return -errno ? -errno : -ENOMEM;
	if (S_ISBLK(st->st_mode)) {
		it = mnt_new_iter(MNT_ITER_FORWARD);
		while (it && mnt_table_next_fs(tb, it, &mfs) == 0) {
			if (mnt_fs_get_devno(mfs) == st->st_rdev &&
			    mnt_fs_get_root(mfs) &&
			    !strcmp(mnt_fs_get_root(mfs), "/"))
				break;
			mfs = NULL;
		}
		mnt_free_iter(it);
		fs->devno = st->st_rdev;
		fs->device = xstrdup(path);
	} else {
		real = realpath(path, NULL);
		if (!real) {
			ret = -errno;
			goto out_free;
		}
		/* btrfs and overlayfs give st_dev numbers of their own, so
		 * the mount is found by its mountpoint, not by st_dev
		 */
		mfs = mnt_table_find_mountpoint(tb, real, MNT_ITER_BACKWARD);
		fs->devno = st->st_dev;
		if (mfs && mnt_fs_get_devno(mfs))
			fs->devno = mnt_fs_get_devno(mfs);
	}
	if (mfs) {
		const char *vopt = mnt_fs_get_vfs_options(mfs);
		const char *fopt = mnt_fs_get_fs_options(mfs);
		const char *root = mnt_fs_get_root(mfs);

		fs->mounted = true;
		fs->subtree = root && strcmp(root, "/");
		fs->mountpoint = xstrdup(mnt_fs_get_target(mfs));
		fs->fstype = xstrdup(mnt_fs_get_fstype(mfs));
		if (!fs->device)
			fs->device = xstrdup(mnt_fs_get_srcpath(mfs));
		e4d_fs_parse_options(fs, vopt, fopt);
	}
	/* a source that is not a device node (/dev/root): ask blkid */
	if (fs->device && access(fs->device, F_OK) != 0) {
		free(fs->device);
		fs->device = NULL;
	}
	if (!fs->device && fs->devno)
		fs->device = blkid_devno_to_devname(fs->devno);
out_free:
	free(real);
	mnt_unref_table(tb);
	return ret;
}

/* libblkid: the type of an unmounted device. */
static char *probe_type(const char *device)
{
	blkid_probe pr = blkid_new_probe_from_filename(device);
	const char *type = NULL;
	char *ret = NULL;

	if (!pr)
		return NULL;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	if (blkid_do_safeprobe(pr) == 0 &&
	    blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
		ret = xstrdup(type);
	blkid_free_probe(pr);
	return ret;
}

/* libblkid: the UUID of a device's filesystem, into @out[37]. */
static bool probe_uuid(const char *device, char *out)
{
	blkid_probe pr = blkid_new_probe_from_filename(device);
	const char *uuid = NULL;
	bool ret = false;

	if (!pr)
		return false;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID);
	if (blkid_do_safeprobe(pr) == 0 &&
	    blkid_probe_lookup_value(pr, "UUID", &uuid, NULL) == 0 &&
	    strlen(uuid) == 36) {
		memcpy(out, uuid, 37);
		ret = true;
	}
	blkid_free_probe(pr);
	return ret;
}

int e4d_fs_find_twin(struct e4d_fs *fs)
{
	char twin[PATH_MAX];

	if (fs->twin_checked)
		return 0;
	fs->twin_checked = true;
	if (!fs->mounted || fs->readonly || fs->subtree || !fs->has_super ||
	    e4d_fs_uuid_twin(fs, twin, sizeof(twin)) != 1)
		return 0;
	fs->twin = strdup(twin);
	return fs->twin ? 0 : -ENOMEM;
}

int e4d_fs_uuid_twin(const struct e4d_fs *fs, char *dev, size_t len)
{
	struct libmnt_table *tb;
	struct libmnt_fs *mfs;
	struct libmnt_iter *it;
	char uuid[37];
	int ret = 0;

	if (!fs->uuid[0] || !fs->devno)
		return 0;
	tb = mnt_new_table_from_file("/proc/self/mountinfo");
	if (!tb)
		return -errno ? -errno : -ENOMEM;
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!it) {
		mnt_unref_table(tb);
		return -ENOMEM;
	}
	while (!ret && mnt_table_next_fs(tb, it, &mfs) == 0) {
		const char *type = mnt_fs_get_fstype(mfs);
		const char *src = mnt_fs_get_srcpath(mfs);
		dev_t devno = mnt_fs_get_devno(mfs);
		const char *root = mnt_fs_get_root(mfs);
		const char *vopt = mnt_fs_get_vfs_options(mfs);

		/* one that background runs take: writable, of its root */
		if (!devno || devno == fs->devno || !src || !type ||
		    !is_ext_type(type) || !root || strcmp(root, "/") ||
		    !vopt || !mnt_optstr_get_option(vopt, "ro", NULL, NULL))
			continue;
		if (probe_uuid(src, uuid) && !strcasecmp(uuid, fs->uuid)) {
			snprintf(dev, len, "%s", src);
			ret = 1;
		}
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return ret;
}

/* A number from the device's queue/ in sysfs (a partition's is its
 * disk's), or -1 when unknown.
 */
static int read_queue_attr(dev_t devno, const char *name)
{
	char p[128];
	FILE *f;
	int v = -1;

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/queue/%s",
		 major(devno), minor(devno), name);
	f = fopen(p, "r");
	if (!f) {
		snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../queue/%s",
			 major(devno), minor(devno), name);
		f = fopen(p, "r");
	}
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * read_geometry() adds at most this many ranges per group: the superblock
 * with the old-style descriptors and reserved GDT blocks (every group
 * without sparse_super), a meta_bg descriptor block (first, second and
 * last group of each meta group, which need not be the groups with a
 * superblock backup), the block bitmap, the inode bitmap, the inode table.
 */
#define RANGES_PER_GROUP	5

static void add_range(struct range *r, size_t *n, uint64_t start,
		      uint64_t len)
{
	if (!len)
		return;
	r[(*n)++] = (struct range){ start, start + len };
}

/*
 * Exact geometry: every group's superblock backup, descriptors, bitmaps and
 * inode table as sorted block ranges; meta_end[g] is where the run of
 * metadata beginning at group g's first block ends, region the longest
 * stretch of blocks between two runs of metadata.
 */
static int read_geometry(struct e4d_fs *fs)
{
	ext2_filsys e2 = (ext2_filsys)fs->e2fs;
	struct e4d_geom *g = &fs->geom;
	dgrp_t ngroups = e2->group_desc_count, grp;
	struct range *r;
	size_t n = 0, m = 0, k;
	uint64_t prev_end;

	r = calloc((size_t)ngroups * RANGES_PER_GROUP, sizeof(*r));
	fs->meta_end = calloc(ngroups, sizeof(uint64_t));
	if (!r || !fs->meta_end) {
		free(r);
		return -ENOMEM;
	}
	for (grp = 0; grp < ngroups; grp++) {
		blk64_t super = 0, old_desc = 0, new_desc = 0;
		blk_t used = 0;
		uint64_t gstart = ext2fs_group_first_block2(e2, grp);

		ext2fs_super_and_bgd_loc2(e2, grp, &super, &old_desc,
					  &new_desc, &used);
		if (super || grp == 0)
			add_range(r, &n, gstart, used);
		if (new_desc)
			add_range(r, &n, new_desc, 1);
		add_range(r, &n, ext2fs_block_bitmap_loc(e2, grp), 1);
		add_range(r, &n, ext2fs_inode_bitmap_loc(e2, grp), 1);
		add_range(r, &n, ext2fs_inode_table_loc(e2, grp),
			  e2->inode_blocks_per_group);
	}
	qsort(r, n, sizeof(*r), cmp_range);
	for (k = 0; k < n; k++) {	/* merge touching ranges */
		if (m && r[k].start <= r[m - 1].end) {
			if (r[k].end > r[m - 1].end)
				r[m - 1].end = r[k].end;
		} else {
			r[m++] = r[k];
		}
	}
	g->region = 0;
	prev_end = e2->super->s_first_data_block;
	for (k = 0; k <= m; k++) {
		uint64_t next = k < m ? r[k].start : fs->blocks_count;

		if (next > prev_end && next - prev_end > g->region)
			g->region = next - prev_end;
		if (k < m)
			prev_end = r[k].end;
	}
	for (grp = 0, k = 0; grp < ngroups; grp++) {
		uint64_t gstart = ext2fs_group_first_block2(e2, grp);

		while (k < m && r[k].end <= gstart)
			k++;
		fs->meta_end[grp] = (k < m && r[k].start <= gstart) ?
				    r[k].end : gstart;
	}
	free(r);
	g->meta_end = fs->meta_end;
	g->ngroups = ngroups;
	return 0;
}

static void format_uuid(const unsigned char *u, char *out)
{
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		o += sprintf(out + o, "%02x", u[i]);
	}
}

static int open_device(const struct e4d_ctx *ctx, struct e4d_fs *fs)
{
	ext2_filsys e2 = NULL;
	struct ext2_super_block *sb;
	errcode_t err;

	/* the filesystem is mounted and changing: its blocks are read from
	 * the device's page cache each time, never from a cache of our own
	 * (the extent trees of e4d_tree_first_moves() change under us)
	 */
	err = ext2fs_open2(fs->device, "cache=off", EXT2_FLAG_64BITS |
			   EXT2_FLAG_IGNORE_CSUM_ERRORS, 0, 0,
			   unix_io_manager, &e2);
	if (err) {
		/* libext2fs returns errno values for I/O, its own codes else */
		fs->e2fs_err = err < 256 ? -(int)err : -EIO;
		e4d_msg(ctx, E4D_DEBUG, "%s: cannot read the device: %s",
			fs->device, error_message(err));
		return fs->e2fs_err;
	}
	fs->e2fs = (struct struct_ext2_filsys *)e2;
	sb = e2->super;
	fs->has_super = true;
	if (!fs->data_mode_set) {
		fs->journal_data = (sb->s_default_mount_opts &
				    EXT3_DEFM_JMODE) == EXT3_DEFM_JMODE_DATA;
		fs->writeback_data = (sb->s_default_mount_opts &
				      EXT3_DEFM_JMODE) == EXT3_DEFM_JMODE_WBACK;
	}
	fs->extents = ext2fs_has_feature_extents(sb);
	fs->flex_bg = ext2fs_has_feature_flex_bg(sb);
	fs->bigalloc = ext2fs_has_feature_bigalloc(sb);
	fs->inline_data = ext2fs_has_feature_inline_data(sb);
	fs->encrypt = ext2fs_has_feature_encrypt(sb);
	fs->verity = ext2fs_has_feature_verity(sb);
	fs->cluster_ratio = EXT2FS_CLUSTER_RATIO(e2);
	fs->blocks_count = ext2fs_blocks_count(sb);
	fs->free_blocks = ext2fs_free_blocks_count(sb);
	fs->inodes_count = sb->s_inodes_count;
	format_uuid(sb->s_uuid, fs->uuid);

	memset(&fs->geom, 0, sizeof(fs->geom));
	fs->geom.blocksize = e2->blocksize;
	fs->geom.first_data_block = sb->s_first_data_block;
	fs->geom.blocks_count = fs->blocks_count;
	fs->geom.blocks_per_group = sb->s_blocks_per_group;
	fs->geom.groups_per_flex = fs->flex_bg ?
				   1u << sb->s_log_groups_per_flex : 1;
	return read_geometry(fs);
}

int e4d_fs_open(const struct e4d_ctx *ctx, const char *path,
		struct e4d_fs **out)
{
	struct e4d_fs *fs;
	struct statfs sfs;
	struct stat st;
	int ret;

	*out = NULL;
	if (stat(path, &st) < 0) {
		ret = -errno;
		e4d_msg(ctx, E4D_ERR, "%s: %s", path, strerror(-ret));
		return ret;
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->rotational = -1;
	ret = find_mount(fs, path, &st);
	if (ret < 0) {
		e4d_msg(ctx, E4D_ERR, "%s: cannot find its mount: %s", path,
			strerror(-ret));
		goto out_close;
	}
	if (!fs->mounted && S_ISBLK(st.st_mode))
		fs->fstype = probe_type(path);
	if (!fs->mounted && !S_ISBLK(st.st_mode)) {
		ret = -ENOENT;
		e4d_msg(ctx, E4D_ERR, "%s: no mount found for this path", path);
		goto out_close;
	}
	if (!is_ext_type(fs->fstype)) {
		ret = -EMEDIUMTYPE;
		e4d_msg(ctx, E4D_ERR, "%s: not an ext4 filesystem (%s)", path,
			fs->fstype ? fs->fstype : "unknown type");
		goto out_close;
	}
	fs->rotational = read_queue_attr(fs->devno, "rotational");
	/* unknown: the inode flag is trusted */
	fs->dax_device = read_queue_attr(fs->devno, "dax") != 0;
	if (fs->device && open_device(ctx, fs) == 0) {
		*out = fs;
		return 0;
	}
	if (!fs->mounted) {
		ret = fs->e2fs_err ? fs->e2fs_err : -ENODEV;
		e4d_msg(ctx, E4D_ERR, "%s: cannot read the filesystem: %s",
			path, strerror(-ret));
		goto out_close;
	}
	/* no device access: what statfs says, the rest estimated */
	if (statfs(fs->mountpoint, &sfs) < 0) {
		ret = -errno;
		e4d_msg(ctx, E4D_ERR, "%s: %s", fs->mountpoint, strerror(-ret));
		goto out_close;
	}
	e4d_geom_estimate(&fs->geom, sfs.f_bsize, sfs.f_blocks);
	fs->blocks_count = sfs.f_blocks;
	fs->free_blocks = sfs.f_bfree;
	fs->inodes_count = sfs.f_files;
	*out = fs;
	return 0;
out_close:
	e4d_fs_close(fs);
	return ret;
}

void e4d_fs_close(struct e4d_fs *fs)
{
	if (!fs)
		return;
	if (fs->e2fs)
		ext2fs_close_free((ext2_filsys *)&fs->e2fs);
	free(fs->mountpoint);
	free(fs->device);
	free(fs->fstype);
	free(fs->twin);
	free(fs->meta_end);
	free(fs);
}

/*
 * The device shows what ext4 has allocated, and delayed allocation leaves
 * recently written data unallocated for up to half a minute: a file just
 * copied would show no blocks, and its blocks would count as free. Write
 * the filesystem's dirty data out, as FIEMAP_FLAG_SYNC does for one file.
 */
void e4d_fs_flush(const struct e4d_ctx *ctx, const struct e4d_fs *fs)
{
	int fd;

	if (!fs->mounted || !fs->mountpoint)
		return;
	fd = open(fs->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd))
		e4d_msg(ctx, E4D_DEBUG, "%s: syncfs: %s", fs->mountpoint,
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

bool e4d_fs_same(const struct e4d_fs *a, const struct e4d_fs *b)
{
	return a->devno == b->devno;
}

int e4d_fs_open_cand(const struct e4d_ctx *ctx, const struct e4d_fs *fs,
		     const struct e4d_cand *c, int access, int *fd,
		     struct stat *st)
{
	int flags = access | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int ret;

	*fd = open(c->path, flags | O_NOATIME);
	if (*fd < 0 && errno == EPERM)	/* O_NOATIME: owner or CAP_FOWNER */
		*fd = open(c->path, flags);
	if (*fd < 0)
		return -errno;
	ret = ctx->ops->fstat(*fd, st);
	if (ret < 0)
		return ret;
	return S_ISREG(st->st_mode) && st->st_dev == fs->devno &&
	       st->st_ino == c->ino ? 0 : 1;
}

int e4d_fs_warm_allocator(const struct e4d_ctx *ctx, const struct e4d_fs *fs)
{
	char p[PATH_MAX + 64], link[PATH_MAX], buf[1 << 16];
	const char *name;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", major(fs->devno),
		 minor(fs->devno));
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	name = strrchr(link, '/');
	name = name ? name + 1 : link;
	snprintf(p, sizeof(p), "/proc/fs/ext4/%s/mb_groups", name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, sizeof(buf));
	while (n > 0 || (n < 0 && errno == EINTR));
	n = n < 0 ? -errno : 0;
	close(fd);
	e4d_msg(ctx, E4D_DEBUG, "%s: allocator's group index loaded from %s",
		fs->mountpoint ? fs->mountpoint : fs->device, p);
	return n;
}
