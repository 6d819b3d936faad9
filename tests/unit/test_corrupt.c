// SPDX-License-Identifier: GPL-2.0
/*
 * test_corrupt.c - the whole-filesystem scan (e4d_scan_fs(),
 * e4d_resolve_paths()) on images whose metadata is damaged: extent trees
 * that loop or overlap or point beyond the filesystem, block maps that
 * loop, directories that are their own ancestors or have bad records, bad
 * group descriptors, bogus sizes and link counts; then a seeded random
 * byte-flip loop over the metadata blocks. The scan must finish, within a
 * bound of time and memory, say which files it could not read and why,
 * and report the intact files as before.
 *
 * Images are made with mke2fs and populated with debugfs (e2fsprogs) in a
 * private directory under /tmp; no root, no mount. E4D_FUZZ_SEED and
 * E4D_FUZZ_ITERS set the random loop's seed and length; the seed is
 * printed, and so is every corruption of an iteration that fails.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <ext2fs/ext2fs.h>

#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/scan.h"
#include "tmpdir.h"

#define SCAN_TIMEOUT	30	/* seconds per scan: a loop is a failure */
#define MAX_FILES	256
#define MAX_MSGS	64

/* what the SIGALRM handler prints: the case or fuzz iteration running */
static char what[1024];

static void on_alarm(int sig)
{
	static const char m[] = "timed out (the scan loops?): ";

	(void)sig;
	if (write(2, m, sizeof(m) - 1) < 0 ||
	    write(2, what, strlen(what)) < 0 || write(2, "\n", 1) < 0)
		_exit(98);
	_exit(98);
}

struct seen {
	uint64_t ino, size, blocks;
	enum e4d_status status;
	int err;
	size_t n;
	uint64_t first_pblk;
};

struct run {
	uint64_t blocks_count, first_data, inodes_count;
	int ret, resolve_ret;
	struct seen v[MAX_FILES];
	char *paths[MAX_FILES];
	int n;
	char *msgs[MAX_MSGS];
	int nmsgs;
};

struct imgs {
	char dir[64];
	char ext[128];		/* ext4, extent-mapped files */
	char map[128];		/* ext4 without extents: block-mapped */
	char work[128];		/* the copy a case damages */
};

/* ---- making and damaging images ---- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/*
 * 16 MiB, 4 KiB blocks, four groups of 1024 blocks. Files: d/small,
 * d/e/big (contiguous), and frag and victim (40 extents each, interleaved:
 * each has a tree of depth 1), plus d/e/mapped, large enough for indirect
 * blocks on the image without extents.
 */
static int make_image(struct imgs *im, const char *img, const char *features)
{
	char cmds[256];
	FILE *f;
	int i;

	snprintf(cmds, sizeof(cmds), "%s/cmds", im->dir);
	f = fopen(cmds, "w");
	if (!f)
		return -1;
	fprintf(f, "mkdir d\nmkdir d/e\nwrite %s/small d/small\n"
		"write %s/big d/e/big\nwrite %s/mapped d/e/mapped\n"
		"write /dev/null frag\nwrite /dev/null victim\n", im->dir,
		im->dir, im->dir);
	for (i = 0; i < 40; i++)
		fprintf(f, "fallocate frag %d %d\nfallocate victim %d %d\n",
			i, i, i, i);
	fclose(f);
	return sh("mke2fs -q -F -t ext4 -b 4096 -g 1024 -N 128 -O %s "
		  "%s 16M >/dev/null 2>&1 && debugfs -w -f %s %s "
		  ">/dev/null 2>&1", features, img, cmds, img);
}

static int imgs_setup(void **state)
{
	struct imgs *im = calloc(1, sizeof(*im));

	if (!im || tmpdir_make(im->dir, sizeof(im->dir), "corrupt"))
		return -1;
	snprintf(im->ext, sizeof(im->ext), "%s/ext.img", im->dir);
	snprintf(im->map, sizeof(im->map), "%s/map.img", im->dir);
	snprintf(im->work, sizeof(im->work), "%s/work.img", im->dir);
	*state = im;
	if (sh("head -c 5000 /dev/urandom >%s/small && "
	       "head -c 300000 /dev/urandom >%s/big && "
	       "head -c 4200000 /dev/urandom >%s/mapped", im->dir, im->dir,
	       im->dir) ||
	    make_image(im, im->ext, "^has_journal") ||
	    make_image(im, im->map, "^has_journal,^extent,^64bit,^flex_bg"))
		return -1;
	return 0;
}

static int imgs_teardown(void **state)
{
	struct imgs *im = *state;

	tmpdir_remove(im->dir);
	free(im);
	return 0;
}

static void copy_image(const char *from, const char *to)
{
	assert_int_equal(sh("cp %s %s", from, to), 0);
}

static ext2_filsys open_rw(const char *img)
{
	ext2_filsys e2;

	assert_int_equal(ext2fs_open2(img, NULL, EXT2_FLAG_RW |
				      EXT2_FLAG_64BITS, 0, 0, unix_io_manager,
				      &e2), 0);
	return e2;
}

/* a fresh copy of image @from at @work, opened for writing */
static ext2_filsys work_copy(const char *from, const char *work)
{
	copy_image(from, work);
	return open_rw(work);
}

static ext2_ino_t lookup(ext2_filsys e2, const char *path)
{
	ext2_ino_t ino;

	assert_int_equal(ext2fs_namei(e2, EXT2_ROOT_INO, EXT2_ROOT_INO, path,
				      &ino), 0);
	return ino;
}

/* the inode with its checksum made to match again */
static void put_inode(ext2_filsys e2, ext2_ino_t ino, struct ext2_inode *i)
{
	assert_int_equal(ext2fs_write_inode(e2, ino, i), 0);
}

static void put_block(ext2_filsys e2, blk64_t blk, const void *buf)
{
	assert_int_equal(io_channel_write_blk64(e2->io, blk, 1, buf), 0);
}

/* ---- scanning ---- */

static void collect_msg(void *arg, enum e4d_level level, const char *msg)
{
	struct run *r = arg;

	(void)level;
	if (r->nmsgs < MAX_MSGS)
		r->msgs[r->nmsgs++] = strdup(msg);
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* What holds for any file whatever the disk says: a file the scan read
 * has its extents in order, apart, inside the filesystem, and no more of
 * them than the filesystem has blocks; memory never runs out.
 */
static int check_file(void *arg, const struct e4d_fs *fs, struct e4d_file *f)
{
	struct run *r = arg;
	uint64_t next = 0, blocks = 0;
	size_t i;

	(void)fs;
	assert_true(f->ino >= 1 && f->ino <= r->inodes_count);
	assert_int_not_equal(f->err, -ENOMEM);
	if (f->status == E4D_ST_ERROR) {
		assert_true(f->err < 0 && f->err > -4096);
	} else {
		if (f->ext.n > r->blocks_count)
			print_message("# inode %" PRIu64 ": %zu extents, %"
				      PRIu64 " blocks\n", f->ino, f->ext.n,
				      f->score.blocks);
		assert_true(f->ext.n <= r->blocks_count);
		for (i = 0; i < f->ext.n; i++) {
			const struct e4d_extent *e = &f->ext.v[i];

			assert_true(e->lblk >= next);
			assert_true(e->len > 0);
			assert_true(e->pblk > r->first_data ||
				    (e->flags & E4D_EXT_INLINE));
			assert_true(e->pblk + e->len <= r->blocks_count);
			next = e->lblk + e->len;
			blocks += e->len;
		}
		assert_true(blocks <= r->blocks_count);
		assert_true(f->size < (1ull << 63));
	}
	assert_true(r->n < MAX_FILES);
	r->v[r->n++] = (struct seen){
		.ino = f->ino, .size = f->size, .blocks = f->score.blocks,
		.status = f->status, .err = f->err, .n = f->ext.n,
		.first_pblk = f->ext.n ? f->ext.v[0].pblk : 0,
	};
	return 0;
}

static void run_free(struct run *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		free(r->paths[i]);
	for (i = 0; i < r->nmsgs; i++)
		free(r->msgs[i]);
	memset(r, 0, sizeof(*r));
}

/*
 * Scan @img as e4d_fs_open() opens a device (read-only, no cache, checksum
 * errors ignored), then name every file found; within SCAN_TIMEOUT. Return:
 * false when libext2fs cannot open it at all (nothing to scan).
 */
static bool scan_image(const char *img, struct run *r)
{
	struct e4d_fs fs = { .device = (char *)img, .rotational = -1 };
	struct e4d_ctx ctx;
	uint64_t inos[MAX_FILES];
	ext2_filsys e2;
	int i;

	memset(r, 0, sizeof(*r));
	e4d_ctx_init(&ctx);
	ctx.msg = collect_msg;
	ctx.msg_arg = r;
	ctx.verbose = 2;
	if (ext2fs_open2(img, "cache=off", EXT2_FLAG_64BITS |
			 EXT2_FLAG_IGNORE_CSUM_ERRORS, 0, 0, unix_io_manager,
			 &e2))
		return false;
	fs.e2fs = (struct struct_ext2_filsys *)e2;
	fs.has_super = true;
	fs.blocks_count = ext2fs_blocks_count(e2->super);
	e4d_geom_estimate(&fs.geom, e2->blocksize, fs.blocks_count);
	r->blocks_count = fs.blocks_count;
	r->first_data = e2->super->s_first_data_block;
	r->inodes_count = e2->super->s_inodes_count;

	alarm(SCAN_TIMEOUT);
	r->ret = e4d_scan_fs(&ctx, &fs, check_file, r);
	assert_true(r->ret <= 0 && r->ret > -4096);
	/* e4d_resolve_paths() wants them sorted and unique: inode order */
	for (i = 0; i < r->n; i++) {
		inos[i] = r->v[i].ino;
		if (i)
			assert_true(inos[i] > inos[i - 1]);
	}
	r->resolve_ret = e4d_resolve_paths(&ctx, &fs, inos, r->n, r->paths);
	alarm(0);
	/* both fail alike when the scan cannot begin (group 0's table) */
	if (!r->ret)
		assert_int_equal(r->resolve_ret, 0);
	assert_true(r->resolve_ret <= 0 && r->resolve_ret > -4096);
	for (i = 0; i < r->n; i++)
		assert_true(!r->paths[i] || (r->paths[i][0] == '/' &&
					     strlen(r->paths[i]) < PATH_MAX));
	/* one line each, nothing for a terminal to act on */
	for (i = 0; i < r->nmsgs; i++)
		assert_true(r->msgs[i] && printable(r->msgs[i]));
	ext2fs_close_free(&e2);
	return true;
}

static const struct seen *find(const struct run *r, const char *path,
			       char **name)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->paths[i] && !strcmp(r->paths[i], path)) {
			if (name)
				*name = r->paths[i];
			return &r->v[i];
		}
	return NULL;
}

static const struct seen *find_ino(const struct run *r, uint64_t ino)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].ino == ino)
			return &r->v[i];
	return NULL;
}

static bool has_msg(const struct run *r, const char *part)
{
	int i;

	for (i = 0; i < r->nmsgs; i++)
		if (strstr(r->msgs[i], part))
			return true;
	return false;
}

static void print_msgs(const struct run *r)
{
	int i;

	for (i = 0; i < r->nmsgs; i++)
		print_message("# message: %s\n", r->msgs[i]);
}

/* @path is reported and named as in the pristine scan @p */
static void assert_same(const struct run *p, const struct run *r,
			const char *path)
{
	const struct seen *a = find(p, path, NULL), *b = find(r, path, NULL);

	if (!b)
		print_message("# %s: not found or not named\n", path);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->ino, b->ino);
	assert_int_equal(b->status, a->status);
	assert_int_equal(b->n, a->n);
	assert_int_equal(b->blocks, a->blocks);
	assert_int_equal(b->first_pblk, a->first_pblk);
	assert_int_equal(b->size, a->size);
}

static void assert_intact(const struct run *p, const struct run *r)
{
	assert_same(p, r, "/d/small");
	assert_same(p, r, "/d/e/big");
	assert_same(p, r, "/frag");
}

/* @ino is an error row saying its metadata is corrupt (EUCLEAN) */
static void assert_corrupt(const struct run *r, ext2_ino_t ino)
{
	const struct seen *s = find_ino(r, ino);

	assert_non_null(s);
	if (s->status != E4D_ST_ERROR)
		print_message("# inode %u: status %d, %zu extents, %" PRIu64
			      " blocks\n", ino, s->status, s->n, s->blocks);
	assert_int_equal(s->status, E4D_ST_ERROR);
	assert_int_equal(s->err, -EUCLEAN);
}

/* Scan the damaged image into @r: it finishes, and @ino is an error
 * saying its metadata is corrupt
 */
static void scan_damaged(const struct imgs *im, struct run *r,
			 ext2_ino_t ino)
{
	assert_true(scan_image(im->work, r));
	print_msgs(r);
	assert_int_equal(r->ret, 0);
	assert_corrupt(r, ino);
}

/* ---- cases ---- */

static void test_pristine(void **state)
{
	struct imgs *im = *state;
	struct run r;

	snprintf(what, sizeof(what), "pristine image");
	assert_true(scan_image(im->ext, &r));
	assert_int_equal(r.ret, 0);
	assert_non_null(find(&r, "/d/small", NULL));
	assert_non_null(find(&r, "/d/e/big", NULL));
	assert_int_equal(find(&r, "/frag", NULL)->n, 40);
	assert_int_equal(find(&r, "/victim", NULL)->n, 40);
	assert_int_equal(find(&r, "/frag", NULL)->status, E4D_ST_FRAGMENTED);
	run_free(&r);
	assert_true(scan_image(im->map, &r));
	assert_int_equal(r.ret, 0);
	assert_int_equal(find(&r, "/d/e/mapped", NULL)->status,
			 E4D_ST_UNMOVABLE);
	run_free(&r);
}

/* victim's leaf block of its depth-1 tree */
static blk64_t victim_leaf(ext2_filsys e2, ext2_ino_t ino)
{
	ext2_extent_handle_t h;
	struct ext2fs_extent ex;

	assert_int_equal(ext2fs_extent_open(e2, ino, &h), 0);
	assert_int_equal(ext2fs_extent_get(h, EXT2_EXTENT_ROOT, &ex), 0);
	assert_false(ex.e_flags & EXT2_EXTENT_FLAGS_LEAF);
	ext2fs_extent_free(h);
	return ex.e_pblk;
}

static void set_root_depth(ext2_filsys e2, ext2_ino_t ino, int depth)
{
	struct ext2_inode inode;
	struct ext3_extent_header *eh;

	assert_int_equal(ext2fs_read_inode(e2, ino, &inode), 0);
	eh = (struct ext3_extent_header *)inode.i_block;
	eh->eh_depth = ext2fs_cpu_to_le16(depth);
	put_inode(e2, ino, &inode);
}

/*
 * An index block whose entries all point back at itself, below a root
 * that says the tree is 5 levels deep (the most ext4 allows): followed
 * naively, 4 * 340^3 index blocks and 340^4 extents.
 */
static void test_extent_index_loop(void **state)
{
	struct imgs *im = *state;
	struct ext3_extent_header *eh;
	struct ext3_extent_idx *ix;
	struct run p, r;
	ext2_filsys e2;
	ext2_ino_t ino;
	blk64_t leaf;
	char *buf;
	int i, max;

	snprintf(what, sizeof(what), "extent index block pointing at itself");
	assert_true(scan_image(im->ext, &p));
	e2 = work_copy(im->ext, im->work);
	ino = lookup(e2, "victim");
	leaf = victim_leaf(e2, ino);
	buf = calloc(1, e2->blocksize);
	assert_non_null(buf);
	max = (e2->blocksize - sizeof(*eh)) / sizeof(*ix);
	eh = (struct ext3_extent_header *)buf;
	eh->eh_magic = ext2fs_cpu_to_le16(EXT3_EXT_MAGIC);
	eh->eh_entries = ext2fs_cpu_to_le16(max);
	eh->eh_max = ext2fs_cpu_to_le16(max);
	eh->eh_depth = ext2fs_cpu_to_le16(1);
	ix = (struct ext3_extent_idx *)(eh + 1);
	for (i = 0; i < max; i++) {
		ix[i].ei_block = ext2fs_cpu_to_le32(i * 8);
		ix[i].ei_leaf = ext2fs_cpu_to_le32(leaf);
	}
	put_block(e2, leaf, buf);
	set_root_depth(e2, ino, 5);
	free(buf);
	ext2fs_close_free(&e2);

	scan_damaged(im, &r, ino);
	assert_intact(&p, &r);
	run_free(&r);

	/* each node at its right depth, but an index block whose entries
	 * all point at the same leaf: the leaf is read once per entry
	 * (libext2fs checks depths, not this)
	 */
	snprintf(what, sizeof(what), "extent index entries sharing a leaf");
	e2 = work_copy(im->ext, im->work);
	buf = calloc(1, e2->blocksize);
	assert_non_null(buf);
	eh = (struct ext3_extent_header *)buf;
	eh->eh_magic = ext2fs_cpu_to_le16(EXT3_EXT_MAGIC);
	eh->eh_entries = ext2fs_cpu_to_le16(max);
	eh->eh_max = ext2fs_cpu_to_le16(max);
	eh->eh_depth = ext2fs_cpu_to_le16(1);
	ix = (struct ext3_extent_idx *)(eh + 1);
	for (i = 0; i < max; i++) {
		ix[i].ei_block = ext2fs_cpu_to_le32(i * 64);
		ix[i].ei_leaf = ext2fs_cpu_to_le32(leaf);
	}
	/* a free block becomes the index block below the root */
	put_block(e2, ext2fs_blocks_count(e2->super) - 20, buf);
	{
		struct ext2_inode inode;
		struct ext3_extent_idx *root;

		assert_int_equal(ext2fs_read_inode(e2, ino, &inode), 0);
		eh = (struct ext3_extent_header *)inode.i_block;
		eh->eh_depth = ext2fs_cpu_to_le16(2);
		root = (struct ext3_extent_idx *)(eh + 1);
		root->ei_leaf = ext2fs_cpu_to_le32(
			ext2fs_blocks_count(e2->super) - 20);
		put_inode(e2, ino, &inode);
	}
	free(buf);
	ext2fs_close_free(&e2);
	scan_damaged(im, &r, ino);
	assert_intact(&p, &r);
	run_free(&r);
	run_free(&p);
}

/* a leaf of victim rewritten with extents @ex (lblk, pblk, len triples) */
static void rewrite_leaf(struct imgs *im, ext2_ino_t *inop,
			 const uint32_t (*ex)[3], int n)
{
	struct ext3_extent_header *eh;
	struct ext3_extent *e;
	ext2_filsys e2;
	blk64_t leaf;
	char *buf;
	int i;

	e2 = work_copy(im->ext, im->work);
	*inop = lookup(e2, "victim");
	leaf = victim_leaf(e2, *inop);
	buf = calloc(1, e2->blocksize);
	assert_non_null(buf);
	assert_int_equal(io_channel_read_blk64(e2->io, leaf, 1, buf), 0);
	eh = (struct ext3_extent_header *)buf;
	eh->eh_entries = ext2fs_cpu_to_le16(n);
	e = (struct ext3_extent *)(eh + 1);
	for (i = 0; i < n; i++) {
		e[i].ee_block = ext2fs_cpu_to_le32(ex[i][0]);
		e[i].ee_start = ext2fs_cpu_to_le32(ex[i][1]);
		e[i].ee_start_hi = 0;
		e[i].ee_len = ext2fs_cpu_to_le16(ex[i][2]);
	}
	/* the checksum is ignored as the tool ignores it */
	put_block(e2, leaf, buf);
	free(buf);
	ext2fs_close_free(&e2);
}

/* extents that overlap, go backwards, or lie beyond the filesystem */
static void test_extent_bad_entries(void **state)
{
	static const uint32_t overlap[][3] = {
		{ 0, 300, 8 }, { 4, 400, 8 },
	};
	static const uint32_t backwards[][3] = {
		{ 100, 300, 8 }, { 0, 400, 8 },
	};
	static const uint32_t beyond[][3] = {
		{ 0, 300, 8 }, { 8, 4090, 100 }, { 200, 0x7fffffff, 1 },
	};
	static const uint32_t zero_block[][3] = {
		{ 0, 0, 8 },
	};
	static const struct {
		const char *name;
		const uint32_t (*ex)[3];
		int n;
	} cases[] = {
		{ "overlapping extents", overlap, 2 },
		{ "extents out of order", backwards, 2 },
		{ "extents beyond the filesystem", beyond, 3 },
		{ "an extent at block 0", zero_block, 1 },
	};
	struct imgs *im = *state;
	struct run p, r;
	ext2_ino_t ino;
	size_t k;

	assert_true(scan_image(im->ext, &p));
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		snprintf(what, sizeof(what), "%s", cases[k].name);
		print_message("# %s\n", cases[k].name);
		rewrite_leaf(im, &ino, cases[k].ex, cases[k].n);
		scan_damaged(im, &r, ino);
		assert_intact(&p, &r);
		run_free(&r);
	}
	run_free(&p);
}

/*
 * A block-mapped file whose triple-indirect block lists itself 1024 times:
 * followed naively, 2^30 data blocks and a million block reads.
 */
static void test_blockmap_loop(void **state)
{
	struct imgs *im = *state;
	struct ext2_inode inode;
	struct run p, r;
	ext2_filsys e2;
	ext2_ino_t ino;
	uint32_t *buf;
	blk64_t blk;
	unsigned int i;

	snprintf(what, sizeof(what), "triple-indirect block listing itself");
	assert_true(scan_image(im->map, &p));
	e2 = work_copy(im->map, im->work);
	ino = lookup(e2, "d/e/mapped");
	assert_int_equal(ext2fs_read_inode(e2, ino, &inode), 0);
	assert_int_equal(inode.i_block[EXT2_TIND_BLOCK], 0);
	blk = ext2fs_blocks_count(e2->super) - 16;	/* a free block */
	buf = calloc(1, e2->blocksize);
	assert_non_null(buf);
	for (i = 0; i < e2->blocksize / 4; i++)
		buf[i] = ext2fs_cpu_to_le32(blk);
	put_block(e2, blk, buf);
	inode.i_block[EXT2_TIND_BLOCK] = blk;
	put_inode(e2, ino, &inode);
	free(buf);
	ext2fs_close_free(&e2);

	scan_damaged(im, &r, ino);
	assert_same(&p, &r, "/d/small");
	assert_same(&p, &r, "/frag");
	run_free(&r);

	/* and a direct block beyond the end of the filesystem */
	snprintf(what, sizeof(what), "direct block beyond the filesystem");
	e2 = work_copy(im->map, im->work);
	assert_int_equal(ext2fs_read_inode(e2, ino, &inode), 0);
	inode.i_block[3] = ext2fs_blocks_count(e2->super) + 5;
	put_inode(e2, ino, &inode);
	ext2fs_close_free(&e2);
	scan_damaged(im, &r, ino);
	assert_same(&p, &r, "/d/small");
	run_free(&r);
	run_free(&p);
}

/* sizes and link counts the inode table cannot mean */
static void test_inode_fields(void **state)
{
	struct imgs *im = *state;
	struct ext2_inode inode;
	struct run p, r;
	ext2_filsys e2;
	ext2_ino_t ino, big;

	snprintf(what, sizeof(what), "huge i_size, lying link counts");
	assert_true(scan_image(im->ext, &p));
	e2 = work_copy(im->ext, im->work);
	ino = lookup(e2, "victim");
	assert_int_equal(ext2fs_read_inode(e2, ino, &inode), 0);
	inode.i_size = 0xffffffff;
	inode.i_size_high = 0xffffffff;
	put_inode(e2, ino, &inode);
	big = lookup(e2, "d/e/big");
	assert_int_equal(ext2fs_read_inode(e2, big, &inode), 0);
	inode.i_links_count = 65000;
	put_inode(e2, big, &inode);
	ext2fs_close_free(&e2);

	/* a size the kernel refuses (negative as a loff_t) is no size */
	scan_damaged(im, &r, ino);
	assert_intact(&p, &r);
	run_free(&r);
	run_free(&p);
}

/* a directory entry: @name in directory @dir for inode @ino */
static void link_dir(ext2_filsys e2, ext2_ino_t dir, const char *name,
		     ext2_ino_t ino)
{
	assert_int_equal(ext2fs_link(e2, dir, name, ino, EXT2_FT_DIR), 0);
}

/*
 * d/e/up and d/e/up2 name d again (so d is its own ancestor through
 * them), and d/e/self names e: names are still found through the entries
 * that ".." confirms, and building them does not loop.
 */
static void test_dir_loop(void **state)
{
	struct imgs *im = *state;
	struct run p, r;
	ext2_filsys e2;
	ext2_ino_t d, e;

	snprintf(what, sizeof(what), "directory that is its own ancestor");
	assert_true(scan_image(im->ext, &p));
	e2 = work_copy(im->ext, im->work);
	d = lookup(e2, "d");
	e = lookup(e2, "d/e");
	link_dir(e2, e, "up", d);
	link_dir(e2, e, "up2", d);
	link_dir(e2, e, "self", e);
	link_dir(e2, d, "self", d);
	ext2fs_close_free(&e2);

	assert_true(scan_image(im->work, &r));
	print_msgs(&r);
	assert_int_equal(r.ret, 0);
	assert_intact(&p, &r);
	run_free(&r);
	run_free(&p);
}

/* a record length that runs past the block: that directory is skipped,
 * with a message; the others are still read
 */
static void test_dir_bad_rec_len(void **state)
{
	struct imgs *im = *state;
	struct run p, r;
	ext2_filsys e2;
	ext2_ino_t e, big;
	blk64_t blk = 0;
	char *buf, name[64];
	struct ext2_dir_entry *de;

	snprintf(what, sizeof(what), "directory record length too long");
	assert_true(scan_image(im->ext, &p));
	e2 = work_copy(im->ext, im->work);
	e = lookup(e2, "d/e");
	big = lookup(e2, "d/e/big");
	assert_int_equal(ext2fs_bmap2(e2, e, NULL, NULL, 0, 0, NULL, &blk), 0);
	buf = malloc(e2->blocksize);
	assert_non_null(buf);
	assert_int_equal(io_channel_read_blk64(e2->io, blk, 1, buf), 0);
	de = (struct ext2_dir_entry *)buf;		/* "." */
	de->rec_len = ext2fs_cpu_to_le16(e2->blocksize + 12);
	put_block(e2, blk, buf);
	free(buf);
	ext2fs_close_free(&e2);

	assert_true(scan_image(im->work, &r));
	print_msgs(&r);
	assert_int_equal(r.ret, 0);
	assert_same(&p, &r, "/d/small");
	assert_same(&p, &r, "/frag");
	/* big is still scanned, but has no name now */
	assert_non_null(find_ino(&r, big));
	assert_null(find(&r, "/d/e/big", NULL));
	snprintf(name, sizeof(name), "directory inode %u", e);
	if (!has_msg(&r, name))
		print_message("# no message names %s\n", name);
	assert_true(has_msg(&r, name));
	run_free(&r);
	run_free(&p);
}

/* group 2's inode table placed beyond the end of the filesystem: its
 * inodes are skipped with a message, the other groups' are scanned
 */
static void test_gdesc_bad_itable(void **state)
{
	struct imgs *im = *state;
	struct run p, r;
	ext2_filsys e2;

	snprintf(what, sizeof(what), "group descriptor with a bad inode table");
	assert_true(scan_image(im->ext, &p));
	e2 = work_copy(im->ext, im->work);
	assert_true(e2->group_desc_count > 2);
	ext2fs_inode_table_loc_set(e2, 2, ext2fs_blocks_count(e2->super) +
				   1000);
	ext2fs_group_desc_csum_set(e2, 2);
	ext2fs_mark_super_dirty(e2);
	ext2fs_close_free(&e2);

	if (!scan_image(im->work, &r))
		skip();		/* libext2fs refuses it: nothing scanned */
	print_msgs(&r);
	if (r.ret)
		print_message("# scan: %s\n", strerror(-r.ret));
	assert_int_equal(r.ret, 0);
	assert_intact(&p, &r);
	assert_true(has_msg(&r, "group 2"));
	run_free(&r);
	run_free(&p);
}

/* ---- random damage ---- */

struct blocks {
	blk64_t *v;
	size_t n, cap;
};

static void add_block(struct blocks *b, blk64_t blk)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->v[i] == blk)
			return;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = realloc(b->v, b->cap * sizeof(*b->v));
		assert_non_null(b->v);
	}
	b->v[b->n++] = blk;
}

struct meta_arg {
	struct blocks *b;
	bool dir;
};

static int meta_cb(ext2_filsys e2, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		   blk64_t ref_blk, int ref_offset, void *priv)
{
	struct meta_arg *m = priv;

	(void)e2;
	(void)ref_blk;
	(void)ref_offset;
	if (blockcnt < 0 || m->dir)
		add_block(m->b, *blocknr);
	return 0;
}

/*
 * The blocks worth damaging: group descriptors, the inode table blocks
 * that hold inodes in use, extent tree and indirect blocks, directory
 * blocks.
 */
static void metadata_blocks(const char *img, struct blocks *b)
{
	ext2_filsys e2;
	ext2_inode_scan scan;
	struct ext2_inode inode;
	struct meta_arg m = { .b = b };
	ext2_ino_t ino;
	blk64_t blk;
	unsigned int per_block;
	dgrp_t g;

	assert_int_equal(ext2fs_open2(img, NULL, EXT2_FLAG_64BITS, 0, 0,
				      unix_io_manager, &e2), 0);
	for (blk = 1; blk <= e2->desc_blocks; blk++)
		add_block(b, e2->super->s_first_data_block + blk);
	per_block = e2->blocksize / EXT2_INODE_SIZE(e2->super);
	assert_int_equal(ext2fs_open_inode_scan(e2, 0, &scan), 0);
	while (!ext2fs_get_next_inode(scan, &ino, &inode) && ino) {
		if (!inode.i_links_count)
			continue;
		g = ext2fs_group_of_ino(e2, ino);
		add_block(b, ext2fs_inode_table_loc(e2, g) +
			  (ino - 1) % e2->super->s_inodes_per_group /
			  per_block);
		if (!ext2fs_inode_has_valid_blocks2(e2, &inode))
			continue;
		m.dir = LINUX_S_ISDIR(inode.i_mode);
		ext2fs_block_iterate3(e2, ino, BLOCK_FLAG_READ_ONLY, NULL,
				      meta_cb, &m);
	}
	ext2fs_close_inode_scan(scan);
	ext2fs_close_free(&e2);
}

static int read_file(const char *path, char **data, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return -1;
	*len = st.st_size;
	*data = malloc(*len);
	if (!*data || read(fd, *data, *len) != (ssize_t)*len) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

/*
 * Each iteration damages 1 to 4 metadata blocks of a fresh copy, 1 to 16
 * bytes each (a random byte, a flipped bit, or a small or huge 16/32-bit
 * value), then scans it.
 */
static void fuzz_image(const char *img, const char *work, const char *label,
		       unsigned long seed, unsigned long iters)
{
	struct blocks b = { 0 };
	char *orig = NULL, *data;
	size_t len = 0, w;
	unsigned long it;
	unsigned int bs = 4096, nopen = 0;

	metadata_blocks(img, &b);
	assert_true(b.n > 8);
	assert_int_equal(read_file(img, &orig, &len), 0);
	data = malloc(len);
	assert_non_null(data);
	srandom(seed);
	for (it = 0; it < iters; it++) {
		int nblk = 1 + random() % 4, k;
		struct run r;

		memcpy(data, orig, len);
		w = snprintf(what, sizeof(what),
			     "%s: seed %lu, iteration %lu:", label, seed, it);
		for (k = 0; k < nblk; k++) {
			blk64_t blk = b.v[random() % b.n];
			int nbytes = 1 + random() % 16, j;

			for (j = 0; j < nbytes; j++) {
				size_t off = blk * bs + random() % bs;
				unsigned int kind = random() % 4;
				uint32_t v = random();

				if (off + 4 > len)
					continue;
				if (kind == 0)
					data[off] = v;
				else if (kind == 1)
					data[off] ^= 1 << (v % 8);
				else if (kind == 2)
					data[off] = v % 4, data[off + 1] = 0;
				else
					memset(data + off, 0xff, 4);
				if (w < sizeof(what) - 32)
					w += snprintf(what + w,
						      sizeof(what) - w,
						      " %zu/%u", off, kind);
			}
		}
		write_file(work, data, len);
		if (!scan_image(work, &r)) {
			nopen++;
			continue;
		}
		run_free(&r);
	}
	print_message("# %s: %lu iterations, %u images libext2fs would not "
		      "open\n", label, iters, nopen);
	free(b.v);
	free(orig);
	free(data);
}

static void test_fuzz(void **state)
{
	struct imgs *im = *state;
	unsigned long seed = env_ul("E4D_FUZZ_SEED", 1);
	unsigned long iters = env_ul("E4D_FUZZ_ITERS", 300);

	print_message("# fuzz: E4D_FUZZ_SEED=%lu E4D_FUZZ_ITERS=%lu\n", seed,
		      iters);
	fuzz_image(im->ext, im->work, "extents", seed, iters);
	fuzz_image(im->map, im->work, "block maps", seed, iters);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pristine),
		cmocka_unit_test(test_extent_index_loop),
		cmocka_unit_test(test_extent_bad_entries),
		cmocka_unit_test(test_blockmap_loop),
		cmocka_unit_test(test_inode_fields),
		cmocka_unit_test(test_dir_loop),
		cmocka_unit_test(test_dir_bad_rec_len),
		cmocka_unit_test(test_gdesc_bad_itable),
		cmocka_unit_test(test_fuzz),
	};
#ifndef __SANITIZE_ADDRESS__
	/* a scan whose memory grows without bound fails (ENOMEM) instead of
	 * taking the machine's; the sanitizers reserve too much for this
	 */
	struct rlimit rl = { 1ul << 30, 1ul << 30 };

	setrlimit(RLIMIT_AS, &rl);
#endif
	signal(SIGALRM, on_alarm);
	return cmocka_run_group_tests(tests, imgs_setup, imgs_teardown);
}
