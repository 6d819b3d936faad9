// SPDX-License-Identifier: GPL-2.0
/*
 * mext_test - runs as /init inside the User-Mode Linux test kernel built by
 * kernel/uml.sh, and tests EXT4_IOC_MOVE_EXT: functional cases, refusals,
 * a concurrency stress, and (e4d_mode=bench) the benchmark.
 *
 * Parameters come from the kernel command line (as environment):
 *   e4d_mode=check|eio|enomem|treeio|bench_prep|bench|bench_read|tool
 *   e4d_seed=N
 *   e4d_stress=SECONDS  e4d_mb=MIB  e4d_file=NAME  e4d_tool=NAME
 *   e4d_paths=P[,P...]  e4d_fi_verbose=0|1|2 (fault injection's reports)
 *   e4d_fa_nth=N (alloc_errors(): only the run failing the Nth allocation)
 * Disks (check): ubda 4 KiB blocks, ubdb 1 KiB blocks + inline_data,
 * ubdc bigalloc, ubdd encrypt+verity, ubde (mounted data=journal).
 *
 * Output: "MEXT PASS <case>" / "MEXT FAIL <case>: why" per case,
 * "MEXT BENCH key=value" numbers, "MEXT DONE" at the end.  The exit code
 * (written to /proc/exitcode) is the number of failures, capped at 100.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <linux/ext4.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/fscrypt.h>
#include <linux/fsverity.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures, passes;
static int mnt(const char *dev, const char *dir, const char *opts);
static void small_file_alloc(const char *dev, bool on);
static int write_str(const char *file, const char *v);
static uint64_t seed;
static const char *env_fi_verbose = "0\n";
static long fa_only;
static const char *env(const char *k, const char *def);

static void report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passes++;
		printf("MEXT PASS %s\n", name);
		return;
	}
	failures++;
	printf("MEXT FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void note(const char *fmt, ...)
{
	va_list ap;

	printf("MEXT NOTE ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void die(const char *what)
{
	printf("MEXT FAIL setup: %s: %s\n", what, strerror(errno));
	failures++;
}

/* ------------------------------------------------------------ helpers */

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s, uint64_t n)
{
	return n ? rng_next(s) % n : 0;
}

static void fill_random(uint64_t *s, unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)rng_next(s);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* EXT4_IOC_MOVE_EXT; returns 0 or errno, *moved set */
static int mext(int ofd, int dfd, uint64_t ostart, uint64_t dstart,
		uint64_t len, uint64_t *moved)
{
	struct move_extent me = {
		.donor_fd = (uint32_t)dfd,
		.orig_start = ostart,
		.donor_start = dstart,
		.len = len,
	};
	int r = ioctl(ofd, EXT4_IOC_MOVE_EXT, &me);

	if (moved)
		*moved = me.moved_len;
	return r ? errno : 0;
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3\n", 2) != 2)
			die("drop_caches");
		close(fd);
	}
}

static int write_all(int fd, const void *buf, size_t n, off_t off)
{
	const char *p = buf;

	while (n) {
		ssize_t w = pwrite(fd, p, n, off);

		if (w <= 0)
			return -1;
		p += w;
		n -= w;
		off += w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n, off_t off)
{
	char *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, off);

		if (r < 0)
			return -1;
		if (r == 0) {
			memset(p, 0, n);	/* past EOF */
			return 0;
		}
		p += r;
		n -= r;
		off += r;
	}
	return 0;
}

/* First differing offset, or -1 if the file's first n bytes equal model. */
static long long file_diff(int fd, const unsigned char *model, size_t n)
{
	unsigned char *buf = malloc(n ? n : 1);
	long long bad = -1;
	size_t i;

	if (!buf || read_all(fd, buf, n, 0)) {
		free(buf);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (buf[i] != model[i]) {
			bad = i;
			break;
		}
	free(buf);
	return bad;
}

struct ext {
	uint64_t lblk, pblk, len;	/* in bytes */
	uint32_t flags;
};

/* FIEMAP of the whole file; returns the extent count or -1 */
static int fiemap(int fd, struct ext *out, int max)
{
	size_t sz = sizeof(struct fiemap) + 512 * sizeof(struct fiemap_extent);
	struct fiemap *fm = malloc(sz);
	uint64_t start = 0;
	int n = 0, i, last = 0;

	if (!fm)
		return -1;
	while (!last) {
		memset(fm, 0, sz);
		fm->fm_start = start;
		fm->fm_length = ~0ULL - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = 512;
		if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
			free(fm);
			return -1;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (i = 0; i < (int)fm->fm_mapped_extents; i++) {
			struct fiemap_extent *fe = &fm->fm_extents[i];

			if (out && n < max) {
				out[n].lblk = fe->fe_logical;
				out[n].pblk = fe->fe_physical;
				out[n].len = fe->fe_length;
				out[n].flags = fe->fe_flags;
			}
			n++;
			start = fe->fe_logical + fe->fe_length;
			if (fe->fe_flags & FIEMAP_EXTENT_LAST)
				last = 1;
		}
	}
	free(fm);
	return n;
}

/* Physical byte address of logical byte @off, -1 for a hole. */
static int64_t phys_of(const struct ext *e, int n, uint64_t off)
{
	int i;

	for (i = 0; i < n; i++)
		if (off >= e[i].lblk && off < e[i].lblk + e[i].len)
			return e[i].pblk + (off - e[i].lblk);
	return -1;
}

static uint32_t ext_flags_at(const struct ext *e, int n, uint64_t off)
{
	int i;

	for (i = 0; i < n; i++)
		if (off >= e[i].lblk && off < e[i].lblk + e[i].len)
			return e[i].flags;
	return 0;
}

static int set_flags(int fd, int set, int clear)
{
	int f;

	if (ioctl(fd, FS_IOC_GETFLAGS, &f))
		return errno;
	f = (f | set) & ~clear;
	return ioctl(fd, FS_IOC_SETFLAGS, &f) ? errno : 0;
}

/*
 * Write the first @n bytes of @model to @fd in chunks of @chunk, each
 * followed by a chunk of the filler file, with O_DIRECT so that blocks are
 * allocated in this order.  With mb_stream_req raised (see mnt()) both
 * files allocate from the same locality-group preallocation, so every chunk
 * of @fd becomes its own extent.
 */
static int write_fragmented(int fd, int filler, const unsigned char *model,
			    size_t n, size_t chunk)
{
	char p[64];
	unsigned char *bounce;
	int dfd, ffd = -1, ret = -1;
	size_t off, foff;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	dfd = open(p, O_RDWR | O_DIRECT);
	if (filler >= 0) {
		snprintf(p, sizeof(p), "/proc/self/fd/%d", filler);
		ffd = open(p, O_RDWR | O_DIRECT);
	}
	if (dfd < 0 || (filler >= 0 && ffd < 0) ||
	    posix_memalign((void **)&bounce, 4096, chunk))
		goto out;
	foff = filler >= 0 ? (lseek(filler, 0, SEEK_END) + 4095) & ~4095UL : 0;
	for (off = 0; off + chunk <= n; off += chunk) {
		memcpy(bounce, model + off, chunk);
		if (pwrite(dfd, bounce, chunk, off) != (ssize_t)chunk)
			goto out_free;
		if (ffd >= 0 && pwrite(ffd, bounce, chunk, foff) !=
		    (ssize_t)chunk)
			goto out_free;
		foff += chunk;
	}
	if (off < n && write_all(fd, model + off, n - off, off))
		goto out_free;
	ret = fsync(fd);
out_free:
	free(bounce);
out:
	if (dfd >= 0)
		close(dfd);
	if (ffd >= 0)
		close(ffd);
	return ret;
}

/* ------------------------------------------------------------ functional */

struct fs {
	const char *dir;
	unsigned int bsize;
	const char *tag;
	const char *disk;	/* its block device, in /sys/block */
};

static char *path(const struct fs *f, const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", f->dir, name);
	return buf[i];
}

/*
 * A "move and verify" case.  Layout of orig is given by a small script of
 * byte-range operations; the donor is fallocated over its whole size
 * (except where @donor_hole says).  Checks: return code, moved_len, data
 * (page cache and after drop_caches), that every moved written block of
 * orig now sits where the donor had its block, and that orig's holes and
 * unwritten ranges survived.
 */
enum { OP_WRITE, OP_HOLE, OP_PREALLOC, OP_DIRTY, OP_MMAP };
struct op {
	int kind;
	uint64_t off, len;
};

struct mcase {
	const char *name;
	uint64_t size;		/* bytes */
	const struct op *ops;
	int nops;
	uint64_t ostart, dstart, len;	/* blocks; len 0 = to EOF */
	uint64_t dsize;		/* donor size, 0 = same as orig + dstart */
	uint64_t donor_hole_at;	/* bytes, 0 = none */
	int expect_err;
	int64_t expect_moved;	/* -1: compute len clipped to EOF */
	bool drop_first;	/* drop caches before moving */
	bool read_first;	/* cache orig before moving */
};

/*
 * Lay out @ofd (already @size bytes long) by the script @ops, keeping
 * @model the file's expected contents.  Returns false (errno set) if an
 * operation failed.
 */
static bool build_orig(int ofd, int filler, const struct op *ops, int nops,
		       uint64_t size, uint64_t bs, unsigned char *model,
		       uint64_t *sp)
{
	uint64_t s = *sp;
	bool ok = true;
	int k;

	for (k = 0; k < nops && ok; k++) {
		const struct op *o = &ops[k];
		uint64_t len = o->len ? o->len : size - o->off;

		switch (o->kind) {
		case OP_WRITE:
			fill_random(&s, model + o->off, len);
			ok = !write_fragmented(ofd, filler, model, o->off + len,
					       4 * bs);
			/* this rewrote [0, off + len) from the model */
			break;
		case OP_HOLE:
			memset(model + o->off, 0, len);
			ok = !fallocate(ofd, FALLOC_FL_PUNCH_HOLE |
					FALLOC_FL_KEEP_SIZE, o->off, len);
			break;
		case OP_PREALLOC:
			memset(model + o->off, 0, len);
			ok = !fallocate(ofd, FALLOC_FL_ZERO_RANGE, o->off,
					len) && !fsync(ofd);
			break;
		case OP_DIRTY:	/* buffered write, not synced */
			fill_random(&s, model + o->off, len);
			ok = !write_all(ofd, model + o->off, len, o->off);
			break;
		case OP_MMAP: {	/* dirty through a shared mapping */
			unsigned char *m = mmap(NULL, size, PROT_READ |
						PROT_WRITE, MAP_SHARED, ofd, 0);

			ok = m != MAP_FAILED;
			if (!ok)
				break;
			fill_random(&s, model + o->off, len);
			memcpy(m + o->off, model + o->off, len);
			munmap(m, size);
			break;
		}
		}
	}
	*sp = s;
	return ok;
}

/* Close those of a case's three descriptors that are open (>= 0). */
static void close_open(int a, int b, int c)
{
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (c >= 0)
		close(c);
}

static void run_case(const struct fs *f, const struct mcase *c)
{
	char name[128];
	uint64_t bs = f->bsize, moved = 0, want, size = c->size, i;
	unsigned char *model = calloc(1, size + 1), *buf;
	struct ext *ob = calloc(70000, sizeof(*ob));
	struct ext *db = calloc(70000, sizeof(*db));
	struct ext *oa = calloc(70000, sizeof(*oa));
	int on, dn, an, ofd, dfd, filler, r, k;
	uint64_t dsize;
	uint64_t s = seed ^ (uintptr_t)c->name;
	bool ok = true;

	snprintf(name, sizeof(name), "%s/%s", f->tag, c->name);
	unlink(path(f, "orig"));
	unlink(path(f, "donor"));
	unlink(path(f, "filler"));
	ofd = open(path(f, "orig"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	dfd = open(path(f, "donor"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	filler = open(path(f, "filler"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (ofd < 0 || dfd < 0 || filler < 0 || !model || !ob || !db || !oa) {
		report(false, name, "setup: %s", strerror(errno));
		goto out;
	}
	ok = !ftruncate(ofd, size) &&
	     build_orig(ofd, filler, c->ops, c->nops, size, bs, model, &s);
	if (!ok) {
		report(false, name, "setup of orig failed: %s", strerror(errno));
		goto out;
	}
	dsize = c->dsize ? c->dsize : size + c->dstart * bs;
	if (fallocate(dfd, 0, 0, dsize) ||
	    (c->donor_hole_at && fallocate(dfd, FALLOC_FL_PUNCH_HOLE |
					   FALLOC_FL_KEEP_SIZE,
					   c->donor_hole_at,
					   dsize - c->donor_hole_at))) {
		report(false, name, "donor fallocate: %s", strerror(errno));
		goto out;
	}
	on = fiemap(ofd, ob, 70000);
	dn = fiemap(dfd, db, 70000);
	if (c->drop_first)
		drop_caches();
	if (c->read_first) {
		buf = malloc(size);
		if (buf && read_all(ofd, buf, size, 0))
			ok = false;
		free(buf);
	}

	want = c->len ? c->len : (size + bs - 1) / bs - c->ostart;
	r = mext(ofd, dfd, c->ostart, c->dstart, want, &moved);
	if (c->expect_moved >= 0)
		want = c->expect_moved;
	else if (c->ostart + want > (size + bs - 1) / bs)
		want = (size + bs - 1) / bs - c->ostart;
	if (r != c->expect_err) {
		report(false, name, "ioctl returned %s, expected %s",
		       strerror(r), strerror(c->expect_err));
		goto out;
	}
	if (moved != want) {
		report(false, name, "moved_len %" PRIu64 ", expected %" PRIu64,
		       moved, want);
		goto out;
	}
	if (file_diff(ofd, model, size) >= 0) {
		report(false, name, "data differs at %lld (page cache)",
		       file_diff(ofd, model, size));
		goto out;
	}
	an = fiemap(ofd, oa, 70000);
	drop_caches();
	if (file_diff(ofd, model, size) >= 0) {
		report(false, name, "data differs at %lld (disk)",
		       file_diff(ofd, model, size));
		goto out;
	}
	if (lseek(ofd, 0, SEEK_END) != (off_t)size) {
		report(false, name, "size changed");
		goto out;
	}
	/* every moved block: orig now has the donor's old block; holes and
	 * unwritten ranges of orig stay so */
	for (i = c->ostart; i < c->ostart + moved; i++) {
		int64_t before = phys_of(ob, on, i * bs);
		int64_t after = phys_of(oa, an, i * bs);
		int64_t dold = phys_of(db, dn, (i - c->ostart + c->dstart) * bs);

		if (before < 0 && after >= 0) {
			/* a hole got blocks: only allowed where the test
			 * dirtied the page cache */
			bool dirty = false;

			for (k = 0; k < c->nops; k++)
				if ((c->ops[k].kind == OP_MMAP ||
				     c->ops[k].kind == OP_DIRTY) &&
				    i * bs >= c->ops[k].off &&
				    i * bs < c->ops[k].off + c->ops[k].len)
					dirty = true;
			if (!dirty) {
				report(false, name, "hole at block %" PRIu64
				       " got filled", i);
				goto out;
			}
			continue;
		}
		if (before < 0)
			continue;
		if (after != dold) {
			report(false, name, "block %" PRIu64 ": at %" PRId64
			       ", expected donor's %" PRId64 " (was %" PRId64
			       ")", i, after, dold, before);
			goto out;
		}
		if ((ext_flags_at(ob, on, i * bs) ^ ext_flags_at(oa, an, i * bs))
		    & FIEMAP_EXTENT_UNWRITTEN) {
			report(false, name, "block %" PRIu64
			       ": unwritten state changed", i);
			goto out;
		}
	}
	/* the donor's moved range reads as zeros now (it got the old blocks
	 * marked unwritten) */
	buf = calloc(1, moved * bs + 1);
	if (buf && moved) {
		unsigned char *z = calloc(1, moved * bs);

		read_all(dfd, buf, moved * bs, c->dstart * bs);
		for (i = 0; i < moved; i++) {
			if (phys_of(ob, on, (c->ostart + i) * bs) < 0)
				continue;	/* skipped hole */
			if (z && memcmp(buf + i * bs, z, bs)) {
				ok = false;
				break;
			}
		}
		free(z);
	}
	free(buf);
	if (!ok) {
		report(false, name, "donor range does not read as zeros");
		goto out;
	}
	report(true, name, "");
out:
	close_open(ofd, dfd, filler);
	free(model);
	free(ob);
	free(db);
	free(oa);
}

static void functional(const struct fs *f)
{
	uint64_t b = f->bsize, P = 4096;
	const struct op w_all[] = { { OP_WRITE, 0, 0 } };
	const struct op w_holes[] = { { OP_WRITE, 0, 0 },
		{ OP_HOLE, 8 * P, 3 * P }, { OP_HOLE, 20 * P + b, 2 * b },
		{ OP_HOLE, 0, P } };
	const struct op w_unwr[] = { { OP_WRITE, 0, 0 },
		{ OP_PREALLOC, 4 * P, 6 * P }, { OP_PREALLOC, 30 * P + b, b } };
	const struct op w_dirty[] = { { OP_WRITE, 0, 0 },
		{ OP_DIRTY, 3 * P + 17, 5 * P }, { OP_HOLE, 12 * P, 4 * P },
		{ OP_MMAP, 12 * P + 100, P }, { OP_PREALLOC, 20 * P, 4 * P },
		{ OP_MMAP, 21 * P, 100 } };
	const struct op w_tail[] = { { OP_WRITE, 0, 0 } };
	const struct mcase cases[] = {
		{ "basic", 64 * P, w_all, 1, 0, 0, 0, 0, 0, 0, -1, false, false },
		{ "basic_cold", 64 * P, w_all, 1, 0, 0, 0, 0, 0, 0, -1, true, false },
		{ "basic_cached", 64 * P, w_all, 1, 0, 0, 0, 0, 0, 0, -1, false, true },
		{ "holes", 48 * P, w_holes, 4, 0, 0, 0, 0, 0, 0, -1, true, false },
		{ "unwritten", 48 * P, w_unwr, 3, 0, 0, 0, 0, 0, 0, -1, false, true },
		{ "dirty_mmap", 32 * P, w_dirty, 6, 0, 0, 0, 0, 0, 0, -1, false, false },
		{ "tail", 37 * P + 3 * b + 123, w_tail, 1, 0, 0, 0, 0, 0, 0, -1, false, false },
		{ "middle", 64 * P, w_all, 1, 5 * P / b + 1, 2 * P / b + 1, 33, 0, 0, 0, -1, false, true },
		{ "past_eof_len", 20 * P + 5, w_all, 1, 3, 7 * P / b + 3, 1000000, 0, 0, 0, -1, false, false },
		{ "multi_step", 20 << 20, w_all, 1, 0, 0, 0, 0, 0, 0, -1, true, false },
		{ "donor_short_hole", 32 * P, w_all, 1, 0, 0, 0, 0, 16 * P, ENODATA, 16 * P / b, false, false },
		{ "start_past_eof", 8 * P, w_all, 1, 100 * P / b, 0, 10, 200 * P, 0, EINVAL, 0, false, false },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(f, &cases[i]);
}

/* Move back and forth several times, checking data each time. */
static void pingpong(const struct fs *f)
{
	char name[64];
	size_t size = 4 << 20;
	unsigned char *model = malloc(size);
	int ofd, dfd, filler, k, r = 0;
	uint64_t moved, s = seed + 7;
	long long d = -1;

	snprintf(name, sizeof(name), "%s/pingpong", f->tag);
	ofd = open(path(f, "pp_orig"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	dfd = open(path(f, "pp_donor"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	filler = open(path(f, "pp_filler"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	fill_random(&s, model, size);
	if (ofd < 0 || dfd < 0 || filler < 0 ||
	    write_fragmented(ofd, filler, model, size, 3 * f->bsize) ||
	    fallocate(dfd, 0, 0, size)) {
		report(false, name, "setup: %s", strerror(errno));
		return;
	}
	for (k = 0; k < 6 && !r && d < 0; k++) {
		r = mext(ofd, dfd, 0, 0, size / f->bsize, &moved);
		if (!r && moved != size / f->bsize)
			r = -1;
		d = file_diff(ofd, model, size);
		if (k == 3)
			drop_caches();
	}
	report(!r && d < 0, name, "round %d: rc %d, data differs at %lld",
	       k, r, d);
	close(ofd);
	close(dfd);
	close(filler);
	unlink(path(f, "pp_orig"));
	unlink(path(f, "pp_donor"));
	unlink(path(f, "pp_filler"));
	free(model);
}

/* Blocks of @fd's extent tree: i_blocks less the data (no holes). */
static long long tree_blocks(int fd, uint64_t bs)
{
	struct stat sb;

	if (fstat(fd, &sb))
		return -1;
	return (long long)(sb.st_blocks * 512 / bs) -
	       (long long)((sb.st_size + bs - 1) / bs);
}

/*
 * After a file of one-block extents (a tree of several levels) is moved
 * onto a contiguous donor, in calls of uneven length as a defragmenter
 * makes them, its extent tree must be sized for its new extent records:
 * in the inode for up to 4, one leaf for up to a leaf's worth.
 */
static void compact(const struct fs *f)
{
	char name[64];
	size_t size = 16 << 20;
	uint64_t bs = f->bsize, blocks = size / bs, moved, s = seed + 11;
	uint64_t cut[] = { 0, blocks / 7, blocks / 2 + 3, blocks };
	long long per_leaf = (bs - 12) / 12, before, after, want, d = -1;
	unsigned char *model = malloc(size);
	int ofd, dfd, filler, r = 0, recs, k;

	snprintf(name, sizeof(name), "%s/compact", f->tag);
	ofd = open(path(f, "ct_orig"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	dfd = open(path(f, "ct_donor"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	filler = open(path(f, "ct_filler"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!model || ofd < 0 || dfd < 0 || filler < 0) {
		report(false, name, "setup: %s", strerror(errno));
		goto out;
	}
	fill_random(&s, model, size);
	if (write_fragmented(ofd, filler, model, size, bs) ||
	    fallocate(dfd, 0, 0, size) || fsync(ofd) || fsync(dfd)) {
		report(false, name, "setup: %s", strerror(errno));
		goto out;
	}
	before = tree_blocks(ofd, bs);
	for (k = 0; k < 3 && !r; k++) {
		r = mext(ofd, dfd, cut[k], cut[k], cut[k + 1] - cut[k], &moved);
		if (!r && moved != cut[k + 1] - cut[k])
			r = -1;
	}
	fsync(ofd);
	after = tree_blocks(ofd, bs);
	recs = fiemap(ofd, NULL, 0);
	if (recs <= 4)
		want = 0;
	else if (recs <= per_leaf)
		want = 1;
	else
		want = 2 * ((recs + per_leaf - 1) / per_leaf) + 1;
	drop_caches();
	d = file_diff(ofd, model, size);
	note("%s: tree blocks %lld -> %lld for %d extent records", name,
	     before, after, recs);
	report(!r && d < 0 && before > 1 && after >= 0 && after <= want, name,
	       "rc %d, data differs at %lld, tree blocks %lld -> %lld (at most %lld for %d records)",
	       r, d, before, after, want, recs);
out:
	close_open(ofd, dfd, filler);
	unlink(path(f, "ct_orig"));
	unlink(path(f, "ct_donor"));
	unlink(path(f, "ct_filler"));
	free(model);
}

/*
 * A write that fdatasync() acknowledged after a move survives a crash.  The
 * move changed where the file's data is: its transaction must be committed
 * by that fdatasync(), or recovery maps the file's old blocks again, and
 * the write, made to the new ones, is lost.  The crash is a shutdown that
 * does not flush the log, then a fresh mount (journal recovery); a commit
 * interval of 300 s keeps the journal from committing meanwhile by itself.
 */
static void datasync(void)
{
	const char *name = "4k/fdatasync_after_move";
	const char *o = "/mnt/a/ds_orig", *d = "/mnt/a/ds_donor";
	const char *fl = "/mnt/a/ds_filler";
	size_t size = 1 << 20, bs = 4096;
	unsigned char *model = malloc(size);
	uint32_t how = EXT4_GOING_FLAGS_NOLOGFLUSH;
	int ofd, dfd, filler, r = -1;
	uint64_t moved = 0, s = seed + 13;
	long long diff = -2;

	ofd = open(o, O_RDWR | O_CREAT | O_TRUNC, 0644);
	dfd = open(d, O_RDWR | O_CREAT | O_TRUNC, 0644);
	filler = open(fl, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!model || ofd < 0 || dfd < 0 || filler < 0) {
		report(false, name, "setup: %s", strerror(errno));
		close_open(ofd, dfd, filler);
		free(model);
		return;
	}
	fill_random(&s, model, size);
	if (write_fragmented(ofd, filler, model, size, bs) ||
	    fallocate(dfd, 0, 0, size) || fsync(dfd) ||
	    mount("/dev/ubda", "/mnt/a", "ext4", MS_REMOUNT, "commit=300")) {
		report(false, name, "setup: %s", strerror(errno));
		close_open(ofd, dfd, filler);
		free(model);
		return;
	}
	sync();
	r = mext(ofd, dfd, 0, 0, size / bs, &moved);
	/* a new block 100 in place, acknowledged by fdatasync() */
	fill_random(&s, model + 100 * bs, bs);
	if (!r && (write_all(ofd, model + 100 * bs, bs, 100 * bs) ||
		   fdatasync(ofd)))
		r = errno;
	if (ioctl(ofd, EXT4_IOC_SHUTDOWN, &how) && !r)
		r = errno;
	close_open(ofd, dfd, filler);
	if (umount("/mnt/a") || mnt("/dev/ubda", "/mnt/a", NULL)) {
		report(false, name, "remount: %s", strerror(errno));
		free(model);
		return;
	}
	ofd = open(o, O_RDONLY);
	if (ofd >= 0) {
		diff = file_diff(ofd, model, size);
		close(ofd);
	}
	report(!r && moved == size / bs && diff == -1, name,
	       "rc %d, moved %" PRIu64 ", after the crash the data differs at %lld",
	       r, moved, diff);
	unlink(o);
	unlink(d);
	unlink(fl);
	free(model);
}

/*
 * A linked donor receives the file's old blocks (unwritten) in the move's
 * transaction.  If new data reaches those blocks before that transaction
 * commits (the donor written, or moved again to give another file its
 * blocks), a crash gives the file its old mapping back over that data: the
 * move waits for the commit when the donor is linked.
 */
static void donor_write(int variant)
{
	const char *name = variant ? "4k/donor_reused_before_commit" :
				     "4k/donor_write_before_commit";
	const char *o = "/mnt/a/dw_orig", *d = "/mnt/a/dw_donor";
	const char *fl = "/mnt/a/dw_filler", *x = "/mnt/a/dw_x";
	size_t size = 1 << 20, bs = 4096;
	unsigned char *model = malloc(size), *junk = malloc(size);
	uint32_t how = EXT4_GOING_FLAGS_NOLOGFLUSH;
	int ofd, dfd, filler, xfd = -1, r = -1;
	uint64_t moved = 0, moved2 = 0, s = seed + 17;
	long long diff = -2;

	ofd = open(o, O_RDWR | O_CREAT | O_TRUNC, 0644);
	dfd = open(d, O_RDWR | O_CREAT | O_TRUNC, 0644);
	filler = open(fl, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (variant)
		xfd = open(x, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!model || !junk || ofd < 0 || dfd < 0 || filler < 0 ||
	    (variant && xfd < 0)) {
		report(false, name, "setup: %s", strerror(errno));
		return;
	}
	fill_random(&s, model, size);
	fill_random(&s, junk, size);
	if (write_fragmented(ofd, filler, model, size, bs) ||
	    fallocate(dfd, 0, 0, size) || fsync(dfd) ||
	    (variant && (write_all(xfd, junk, size, 0) || fsync(xfd))) ||
	    mount("/dev/ubda", "/mnt/a", "ext4", MS_REMOUNT, "commit=300")) {
		report(false, name, "setup: %s", strerror(errno));
		return;
	}
	sync();
	r = mext(ofd, dfd, 0, 0, size / bs, &moved);
	if (!r && !variant) {
		/* the donor is written and its data flushed, no commit */
		if (write_all(dfd, junk, size, 0) ||
		    sync_file_range(dfd, 0, size, SYNC_FILE_RANGE_WAIT_BEFORE |
				    SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER))
			r = errno;
	} else if (!r) {
		/* the same donor range gives another file its blocks */
		r = mext(xfd, dfd, 0, 0, size / bs, &moved2);
		if (!r && sync_file_range(xfd, 0, size,
					  SYNC_FILE_RANGE_WAIT_BEFORE |
					  SYNC_FILE_RANGE_WRITE |
					  SYNC_FILE_RANGE_WAIT_AFTER))
			r = errno;
	}
	if (ioctl(ofd, EXT4_IOC_SHUTDOWN, &how) && !r)
		r = errno;
	close_open(ofd, dfd, filler);
	if (xfd >= 0)
		close(xfd);
	if (umount("/mnt/a") || mnt("/dev/ubda", "/mnt/a", NULL)) {
		report(false, name, "remount: %s", strerror(errno));
		return;
	}
	ofd = open(o, O_RDONLY);
	if (ofd >= 0) {
		diff = file_diff(ofd, model, size);
		if (diff >= 0) {
			unsigned char b[16];

			pread(ofd, b, 16, diff & ~4095LL);
			note("%s: orig at %lld: %s donor's data", name, diff,
			     !memcmp(b, junk + (diff & ~4095LL), 16) ?
			     "IS the" : "is not the");
		}
		close(ofd);
	}
	report(!r && moved == size / bs && diff == -1, name,
	       "rc %d, moved %" PRIu64 ", after the crash the file differs at %lld",
	       r, moved, diff);
	unlink(o);
	unlink(d);
	unlink(fl);
	unlink(x);
	free(model);
	free(junk);
}

/* ------------------------------------------------------------ read errors */

/*
 * The device fails the reads of a move: the kernel's fail_make_request
 * fault injection, filtered by task and by disk, fails every bio that this
 * thread submits to the file's disk (after the first @space bytes of them)
 * while the ioctl runs.  The move reads the file's data from this thread
 * (its readahead and its own reads of what is not cached); the journal
 * thread's and the flusher's I/O is not failed.  The move must report the
 * error, and swap nothing it did not read: with the fault removed, every
 * block of the file reads its old data, from the page cache and from the
 * disk; each block stands either where it was (not moved) or on the
 * donor's former block (moved, below moved_len); holes and unwritten
 * ranges stay; the donor reads zeros and got only the file's old blocks,
 * unwritten.  A second move without the fault then moves everything.
 */
#define FI_DIR		"/sys/kernel/debug/fail_make_request/"
#define FI_TIMES	1000000

/* Arm the fault for this thread's bios to @disk, @space bytes from now. */
static int fi_arm(const char *disk, long long space)
{
	char p[64], v[32], times[32];

	snprintf(p, sizeof(p), "/sys/block/%s/make-it-fail", disk);
	snprintf(v, sizeof(v), "%lld\n", space);
	snprintf(times, sizeof(times), "%d\n", FI_TIMES);
	if (write_str(FI_DIR "probability", "100\n") ||
	    write_str(FI_DIR "interval", "1\n") ||
	    write_str(FI_DIR "verbose", "0\n") ||
	    write_str(FI_DIR "task-filter", "Y\n") ||
	    write_str(FI_DIR "times", times) ||
	    write_str(FI_DIR "space", v) ||
	    write_str(p, "1\n") ||
	    write_str("/proc/thread-self/make-it-fail", "1\n"))
		return -1;
	return 0;
}

/* Disarm it; returns how many bios it failed, or -1. */
static long fi_disarm(const char *disk)
{
	char p[64], v[32] = "";
	int fd, bad;

	snprintf(p, sizeof(p), "/sys/block/%s/make-it-fail", disk);
	bad = write_str("/proc/thread-self/make-it-fail", "0\n");
	if (write_str(p, "0\n") || bad)
		return -1;
	fd = open(FI_DIR "times", O_RDONLY);
	if (fd < 0 || read(fd, v, sizeof(v) - 1) <= 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return FI_TIMES - atol(v);
}

/* Pages of the first @size bytes of @fd that are cached and uptodate. */
static long cached_pages(int fd, uint64_t size)
{
	size_t n = (size + 4095) / 4096, i;
	unsigned char *vec = malloc(n);
	void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	long c = -1;

	if (vec && m != MAP_FAILED && !mincore(m, size, vec))
		for (c = 0, i = 0; i < n; i++)
			c += vec[i] & 1;
	if (m != MAP_FAILED)
		munmap(m, size);
	free(vec);
	return c;
}

/* Does @fd's [0, @size) read as zeros? */
static bool reads_zeros(int fd, uint64_t size)
{
	unsigned char *buf = malloc(size);
	bool z = buf && !read_all(fd, buf, size, 0);
	uint64_t i;

	for (i = 0; z && i < size; i++)
		z = !buf[i];
	free(buf);
	return z;
}

/*
 * After a move from block @from (of both files) that reports @moved blocks
 * done: the file's blocks in [@from, @from + @moved) that it had (not
 * holes) sit on the donor's former blocks, and the donor got the file's
 * former blocks, unwritten; every other block of both files below @nblk
 * is where it was.  The file's holes and
 * unwritten state stay.  b*: before the move, a*: after.  Returns true, or
 * false with what is wrong in @why.
 */
static bool blocks_ok(const struct ext *ob, int on, const struct ext *db,
		      int dn, const struct ext *oa, int an, const struct ext *da,
		      int dan, uint64_t from, uint64_t nblk, uint64_t moved,
		      uint64_t bs, char *why, size_t wl)
{
	uint64_t i;

	for (i = 0; i < nblk; i++) {
		uint64_t off = i * bs;
		int64_t o0 = phys_of(ob, on, off), o1 = phys_of(oa, an, off);
		int64_t d0 = phys_of(db, dn, off), d1 = phys_of(da, dan, off);
		bool sw = i >= from && i < from + moved && o0 >= 0;
		uint32_t ou0 = ext_flags_at(ob, on, off), ou1;

		ou1 = ext_flags_at(oa, an, off);
		if (o1 != (sw ? d0 : o0)) {
			snprintf(why, wl, "block %" PRIu64 " of the file at %"
				 PRId64 ", expected %" PRId64 " (%s)", i, o1,
				 sw ? d0 : o0, sw ? "moved: the donor's" :
				 "not moved: its own");
			return false;
		}
		if ((ou0 ^ ou1) & FIEMAP_EXTENT_UNWRITTEN) {
			snprintf(why, wl, "block %" PRIu64
				 ": unwritten state changed", i);
			return false;
		}
		if (d1 != (sw ? o0 : d0)) {
			snprintf(why, wl, "block %" PRIu64 " of the donor at %"
				 PRId64 ", expected %" PRId64, i, d1,
				 sw ? o0 : d0);
			return false;
		}
		if (d1 >= 0 && !(ext_flags_at(da, dan, off) &
				 FIEMAP_EXTENT_UNWRITTEN)) {
			snprintf(why, wl, "block %" PRIu64
				 " of the donor is not unwritten", i);
			return false;
		}
	}
	return true;
}

struct ecase {
	const char *name;
	uint64_t size;		/* bytes */
	const struct op *ops;
	int nops;
	long long space;	/* bytes of the move's bios that succeed */
	bool partial;		/* part of the written data must be moved */
};

/*
 * After a move the fault failed, with the fault off: the kernel still
 * works.  The same move (@nmove blocks from @at) moves everything: the
 * file reads @model after drop_caches, the donor reads zeros, and against
 * the layouts before the faulted move (@e[2], @e[3]), every block of the
 * range is swapped (@e[4], @e[5] get the layouts after).  Reports @name's
 * failure; true when all holds.
 */
static bool move_again(const char *name, int ofd, int dfd, uint64_t at,
		       uint64_t nmove, uint64_t nblk, uint64_t bs,
		       const unsigned char *model, uint64_t size,
		       struct ext *const *e, int *n)
{
	char why[256] = "";
	uint64_t moved = 0;
	long long d;
	int r;

	r = mext(ofd, dfd, at, at, nmove, &moved);
	n[4] = fiemap(ofd, e[4], 70000);
	n[5] = fiemap(dfd, e[5], 70000);
	drop_caches();
	d = file_diff(ofd, model, size);
	if (!r && moved == nmove && d < 0 &&
	    blocks_ok(e[2], n[2], e[3], n[3], e[4], n[4], e[5], n[5], at,
		      nblk, nmove, bs, why, sizeof(why)) &&
	    reads_zeros(dfd, size))
		return true;
	report(false, name, "move without the fault: %s, moved_len %" PRIu64
	       " of %" PRIu64 ", data differs at %lld; %s",
	       r ? strerror(r) : "ok", moved, nmove, d,
	       why[0] ? why : "blocks ok");
	return false;
}

static void eio_case(const struct fs *f, const struct ecase *c)
{
	char name[128], why[256] = "";
	uint64_t bs = f->bsize, size = c->size, nblk = (size + bs - 1) / bs;
	uint64_t s = seed ^ (uintptr_t)c->name, moved = 0, lead;
	unsigned char *model = calloc(1, size + 1);
	struct ext *e[6];	/* orig, donor: before, after, after 2nd */
	int n[6], ofd, dfd, filler, r = -1, k, mnt_fd;
	long injected = -1, cached;
	long long d;

	snprintf(name, sizeof(name), "%s/%s", f->tag, c->name);
	for (k = 0; k < 6; k++)
		e[k] = calloc(70000, sizeof(*e[k]));
	unlink(path(f, "eio_orig"));
	unlink(path(f, "eio_donor"));
	unlink(path(f, "eio_filler"));
	ofd = open(path(f, "eio_orig"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	dfd = open(path(f, "eio_donor"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	filler = open(path(f, "eio_filler"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	mnt_fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	if (ofd < 0 || dfd < 0 || filler < 0 || mnt_fd < 0 || !model ||
	    !e[0] || !e[1] || !e[2] || !e[3] || !e[4] || !e[5] ||
	    ftruncate(ofd, size) ||
	    !build_orig(ofd, filler, c->ops, c->nops, size, bs, model, &s) ||
	    fallocate(dfd, 0, 0, size) || fsync(ofd) || fsync(dfd)) {
		report(false, name, "setup: %s", strerror(errno));
		goto out;
	}
	n[0] = fiemap(ofd, e[0], 70000);
	n[1] = fiemap(dfd, e[1], 70000);
	/*
	 * Nothing but the file's data is left for the move to read or write
	 * while the fault is armed: both files are clean, their extent trees
	 * cached (just written, and walked by FIEMAP), and the journal is
	 * empty (a freeze checkpoints it), so that starting a handle never
	 * has to write it back.  The file's data leaves the page cache.
	 */
	sync();
	if (ioctl(mnt_fd, FIFREEZE, 0) || ioctl(mnt_fd, FITHAW, 0) ||
	    posix_fadvise(ofd, 0, 0, POSIX_FADV_DONTNEED)) {
		report(false, name, "setup: freeze/fadvise: %s",
		       strerror(errno));
		goto out;
	}
	cached = cached_pages(ofd, size);
	if (cached) {
		report(false, name, "setup: %ld pages of the file still cached",
		       cached);
		goto out;
	}
	/* what a move may do without reading: holes, unwritten blocks */
	for (lead = 0; lead < nblk; lead++)
		if (phys_of(e[0], n[0], lead * bs) >= 0 &&
		    !(ext_flags_at(e[0], n[0], lead * bs) &
		      FIEMAP_EXTENT_UNWRITTEN))
			break;

	if (fi_arm(f->disk, c->space)) {
		report(false, name, "cannot arm fail_make_request: %s",
		       strerror(errno));
		fi_disarm(f->disk);
		goto out;
	}
	r = mext(ofd, dfd, 0, 0, nblk, &moved);
	injected = fi_disarm(f->disk);
	note("%s: ioctl %s, moved_len %" PRIu64 " of %" PRIu64
	     " (%" PRIu64 " before the first written block), %ld bios failed",
	     name, r ? strerror(r) : "ok", moved, nblk, lead, injected);
	if (injected <= 0) {
		report(false, name, "no read failed (%ld): the case proves nothing",
		       injected);
		goto out;
	}
	/* first what was lost, then what was misplaced, then reported */
	d = file_diff(ofd, model, size);
	if (d >= 0) {
		report(false, name, "data differs at %lld (page cache)", d);
		goto out;
	}
	drop_caches();
	d = file_diff(ofd, model, size);
	if (d >= 0) {
		report(false, name, "data differs at %lld (disk)", d);
		goto out;
	}
	if (lseek(ofd, 0, SEEK_END) != (off_t)size || !reads_zeros(dfd, size)) {
		report(false, name, "size changed, or the donor does not read as zeros");
		goto out;
	}
	n[2] = fiemap(ofd, e[2], 70000);
	n[3] = fiemap(dfd, e[3], 70000);
	if (!blocks_ok(e[0], n[0], e[1], n[1], e[2], n[2], e[3], n[3], 0,
		       nblk, moved, bs, why, sizeof(why))) {
		report(false, name, "%s (moved_len %" PRIu64 ")", why, moved);
		goto out;
	}
	if (r != EIO) {
		report(false, name, "ioctl returned %s, expected %s",
		       strerror(r), strerror(EIO));
		goto out;
	}
	if (c->partial ? moved <= lead || moved >= nblk : moved != lead) {
		report(false, name, "moved_len %" PRIu64 ", expected %s %"
		       PRIu64, moved, c->partial ? "more than" : "exactly",
		       lead);
		goto out;
	}

	/* the kernel still works: the same move without the fault */
	if (!move_again(name, ofd, dfd, 0, nblk, nblk, bs, model, size, e, n))
		goto out;
	report(true, name, "");
out:
	close_open(ofd, dfd, filler);
	if (mnt_fd >= 0)
		close(mnt_fd);
	unlink(path(f, "eio_orig"));
	unlink(path(f, "eio_donor"));
	unlink(path(f, "eio_filler"));
	for (k = 0; k < 6; k++)
		free(e[k]);
	free(model);
}

static void read_errors(const struct fs *f)
{
	uint64_t P = 4096, M = 1 << 20;
	const struct op w_all[] = { { OP_WRITE, 0, 0 } };
	const struct op w_lead[] = { { OP_WRITE, 0, 0 },
		{ OP_HOLE, 0, 3 * P }, { OP_PREALLOC, 3 * P, 5 * P },
		{ OP_HOLE, 20 * P, 2 * P }, { OP_PREALLOC, 30 * P, 4 * P },
		{ OP_HOLE, 40 * P + f->bsize, f->bsize } };
	const struct op w_mixed[] = { { OP_WRITE, 0, 0 },
		{ OP_HOLE, 2 * M, 64 * P }, { OP_PREALLOC, 5 * M, 3 * P },
		{ OP_HOLE, 14 * M + P, 5 * P }, { OP_PREALLOC, 17 * M, 100 * P } };
	/*
	 * cold: the reads fail from the first bio.  lead_holes_unwritten:
	 * holes and unwritten blocks come first (done without reading),
	 * then the first read fails.  partial: the first 12 MiB of reads
	 * succeed, then they fail: earlier multi-block steps swap, a later
	 * one fails.  The 2 KiB more are left over by the readahead's
	 * larger bios; with 1 KiB blocks they let the move's own read of
	 * the first block of a page succeed, and the rest of it fail.
	 */
	const struct ecase cases[] = {
		{ "eio_cold", 4 * M, w_all, 1, 0, false },
		{ "eio_lead_holes_unwritten", 48 * P, w_lead, 6, 0, false },
		{ "eio_partial", 20 * M, w_mixed, 5, 12 * M + 2048, true },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		eio_case(f, &cases[i]);
}

/* ------------------------------------------------------------ allocation failures */

/*
 * Memory runs out in the middle of a move: the kernel's failslab and
 * fail_page_alloc fault injection fail allocations of this thread only,
 * and only while the ioctl runs.  Two ways:
 *
 *  - sweep: /proc/thread-self/fail-nth makes exactly the Nth allocation
 *    (slab or page, sleeping or not, any order; not __GFP_NOFAIL) of the
 *    ioctl fail, for N = 1, 2, ... until the ioctl no longer makes N
 *    allocations (fail-nth then reads back non-zero).  Every N runs on a
 *    freshly made pair of files on a freshly mounted filesystem, so the
 *    Nth allocation is the same one from run to run (nearly: a slab may
 *    need a new page or not): a walk over every allocation the move makes (its context, readahead, page
 *    cache, buffers, journal handle, extent paths, tree splits and their
 *    block allocations, compaction, ...).  Big cases take N at a stride.
 *  - storm: task-filter=Y, make-it-fail=1 around the ioctl, probability
 *    100 and interval K: every Kth allocation of the ioctl fails, so the
 *    error paths themselves meet failures too.
 *
 * After each run, with the fault off: the ioctl returned 0 (all moved) or
 * -ENOMEM; the file reads its data, from the page cache and from the disk,
 * with its size; the donor reads zeros; every block of both files is where
 * it was or, below moved_len, swapped with the other file's; holes and
 * unwritten ranges stay; ext4 counted no error; the same move without the
 * fault moves everything; and once both files are deleted and the
 * filesystem is mounted again, its free blocks and inodes are what they
 * were before (nothing leaked).  e2fsck checks the images at the end.
 */
#define FSLAB_DIR	"/sys/kernel/debug/failslab/"
#define FPAGE_DIR	"/sys/kernel/debug/fail_page_alloc/"
#define FA_TIMES	1000000

struct acase {
	const char *name;
	uint64_t size;		/* bytes */
	const struct op *ops;
	int nops;
	bool cold;		/* the file's data is dropped before the move */
	const struct op *dirty;	/* then these writes, over written blocks */
	int ndirty;
	int tries;		/* most sweep runs (stride beyond), 0: no sweep */
	int storms;		/* storm runs, intervals from fa_intervals[] */
};

/* Every Kth allocation fails in storm number i */
static const unsigned int fa_intervals[] = { 1, 2, 3, 5, 8, 13, 31, 97 };

static int fa_nth_fd = -1, fa_mif_fd = -1;

/* Common knobs of both fault types; probability 0 = only fail-nth fails. */
static int fa_setup(void)
{
	const char *dirs[] = { FSLAB_DIR, FPAGE_DIR };
	char p[128];
	unsigned int i;

	for (i = 0; i < 2; i++) {
#define FA_SET(k, v) (snprintf(p, sizeof(p), "%s%s", dirs[i], k), \
		      write_str(p, v))
		if (FA_SET("probability", "0\n") ||
		    FA_SET("interval", "1\n") ||
		    FA_SET("times", "-1\n") ||
		    FA_SET("space", "0\n") ||
		    FA_SET("task-filter", "Y\n") ||
		    FA_SET("ignore-gfp-wait", "N\n") ||
		    FA_SET("verbose", env_fi_verbose))
			return -1;
#undef FA_SET
	}
	if (write_str(FPAGE_DIR "ignore-gfp-highmem", "N\n") ||
	    write_str(FPAGE_DIR "min-order", "0\n"))
		return -1;
	/* opened now: an open while the fault is on would allocate */
	if (fa_nth_fd < 0)
		fa_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fa_mif_fd < 0)
		fa_mif_fd = open("/proc/thread-self/make-it-fail", O_RDWR);
	return fa_nth_fd < 0 || fa_mif_fd < 0 ? -1 : 0;
}

static int fa_put(int fd, long v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%ld\n", v);

	return pwrite(fd, b, n, 0) == n ? 0 : -1;
}

static long fa_get(const char *file)
{
	char v[32] = "";
	int fd = open(file, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, v, sizeof(v) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? atol(v) : -1;
}

/* Allocations the last sweep run's ioctl made, if fewer than its N */
static long fa_made;

/*
 * The move with the @nth allocation of the ioctl failing (@nth > 0), or
 * with every @interval-th failing (@nth == 0).  *@hit: whether an
 * allocation failed (sweep), or how many did (storm); -1 if the fault
 * could not be set up or read back.
 */
static int fa_move(int ofd, int dfd, uint64_t nblk, uint64_t *moved,
		   long nth, unsigned int interval, long *hit)
{
	char b[32] = "";
	int r;

	*hit = -1;
	if (nth > 0) {
		if (fa_put(fa_nth_fd, nth))
			return -1;
		r = mext(ofd, dfd, 0, 0, nblk, moved);
		if (pread(fa_nth_fd, b, sizeof(b) - 1, 0) > 0) {
			/* 0 left: the Nth came; else the ioctl made fewer */
			*hit = atol(b) == 0;
			fa_made = nth - atol(b);
		}
		fa_put(fa_nth_fd, 0);
		return r;
	}
	snprintf(b, sizeof(b), "%u\n", interval);
	if (write_str(FSLAB_DIR "interval", b) ||
	    write_str(FPAGE_DIR "interval", b) ||
	    write_str(FSLAB_DIR "times", "1000000\n") ||
	    write_str(FPAGE_DIR "times", "1000000\n") ||
	    write_str(FSLAB_DIR "probability", "100\n") ||
	    write_str(FPAGE_DIR "probability", "100\n") ||
	    fa_put(fa_mif_fd, 1)) {
		write_str(FSLAB_DIR "probability", "0\n");
		write_str(FPAGE_DIR "probability", "0\n");
		return -1;
	}
	r = mext(ofd, dfd, 0, 0, nblk, moved);
	fa_put(fa_mif_fd, 0);
	write_str(FSLAB_DIR "probability", "0\n");
	write_str(FPAGE_DIR "probability", "0\n");
	*hit = 2 * FA_TIMES - fa_get(FSLAB_DIR "times") -
	       fa_get(FPAGE_DIR "times");
	write_str(FSLAB_DIR "times", "-1\n");
	write_str(FPAGE_DIR "times", "-1\n");
	return r;
}

static long errors_count(const struct fs *f)
{
	char p[96];

	snprintf(p, sizeof(p), "/sys/fs/ext4/%s/errors_count", f->disk);
	return fa_get(p);
}

/* Unmount and mount @f again: nothing cached, preallocations released */
static int remount_fs(const struct fs *f, struct statfs *st)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "/dev/%s", f->disk);
	if (umount(f->dir)) {
		printf("MEXT FAIL umount %s: %s\n", f->dir, strerror(errno));
		failures++;
		return -1;
	}
	if (mnt(dev, f->dir, NULL))
		return -1;
	return st && statfs(f->dir, st) ? -1 : 0;
}

struct fa_stats {
	long runs, hit, enomem, ok;
};

/*
 * One run: a fresh pair, the move with the fault (@nth or @interval, see
 * fa_move()), the checks.  Returns false if the case failed (reported);
 * *@reached tells a sweep whether the ioctl made @nth allocations.
 */
static bool fa_run(const struct fs *f, const struct acase *c, long nth,
		   unsigned int interval, const struct statfs *base,
		   struct fa_stats *fs, bool *reached)
{
	char name[160], why[256] = "";
	uint64_t bs = f->bsize, size = c->size, nblk = (size + bs - 1) / bs;
	uint64_t s, moved = 0;
	unsigned char *model = calloc(1, size + 1);
	struct ext *e[6];
	int n[6], ofd, dfd, filler, r = -1, k, mnt_fd = -1;
	static uint64_t runs;
	long hit = -1, errs;
	long long d;
	bool ok = false;
	struct statfs st;

	if (nth)
		snprintf(name, sizeof(name), "%s/%s nth=%ld", f->tag, c->name,
			 nth);
	else
		snprintf(name, sizeof(name), "%s/%s interval=%u", f->tag,
			 c->name, interval);
	/*
	 * New data every run: the blocks a run gets are mostly those the
	 * run before had, and with the same data there a move that left
	 * the file's data on the wrong blocks would read right by chance.
	 */
	s = seed ^ (uintptr_t)c->name ^ (++runs * 0x9e3779b97f4a7c15ULL);
	*reached = false;
	for (k = 0; k < 6; k++)
		e[k] = calloc(70000, sizeof(*e[k]));
	ofd = open(path(f, "fa_orig"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	dfd = open(path(f, "fa_donor"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	filler = open(path(f, "fa_filler"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	mnt_fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	if (ofd < 0 || dfd < 0 || filler < 0 || mnt_fd < 0 || !model ||
	    !e[0] || !e[1] || !e[2] || !e[3] || !e[4] || !e[5] ||
	    ftruncate(ofd, size) ||
	    fallocate(dfd, 0, 0, size) || fsync(dfd) ||
	    !build_orig(ofd, filler, c->ops, c->nops, size, bs, model, &s)) {
		report(false, name, "setup: %s", strerror(errno));
		goto out;
	}
	n[0] = fiemap(ofd, e[0], 70000);
	n[1] = fiemap(dfd, e[1], 70000);
	if (!c->cold && file_diff(ofd, model, size) >= 0) {
		report(false, name, "setup: data differs before the move");
		goto out;
	}
	/* left dirty for the move's write-back; the mapping stays */
	if (c->ndirty &&
	    !build_orig(ofd, -1, c->dirty, c->ndirty, size, bs, model, &s)) {
		report(false, name, "setup: dirty: %s", strerror(errno));
		goto out;
	}
	if (c->cold) {
		/* the same start every run: clean, journal checkpointed */
		sync();
		if (ioctl(mnt_fd, FIFREEZE, 0) || ioctl(mnt_fd, FITHAW, 0) ||
		    posix_fadvise(ofd, 0, 0, POSIX_FADV_DONTNEED)) {
			report(false, name, "setup: freeze/fadvise: %s",
			       strerror(errno));
			goto out;
		}
	}
	errs = errors_count(f);
	r = fa_move(ofd, dfd, nblk, &moved, nth, interval, &hit);
	if (hit < 0) {
		report(false, name, "cannot set up the fault injection");
		goto out;
	}
	fs->runs++;
	*reached = nth ? hit : true;
	if (nth && !hit)
		goto check;	/* the ioctl made fewer allocations: clean run */
	fs->hit += nth ? 1 : hit;
	fs->enomem += r == ENOMEM;
	fs->ok += !r;
check:
	if (r && r != ENOMEM) {
		report(false, name, "ioctl returned %s (moved_len %" PRIu64
		       " of %" PRIu64 "), expected success or %s",
		       strerror(r), moved, nblk, strerror(ENOMEM));
		goto out;
	}
	if (!r && moved != nblk) {
		report(false, name, "ioctl ok but moved_len %" PRIu64 " of %"
		       PRIu64, moved, nblk);
		goto out;
	}
	d = file_diff(ofd, model, size);
	if (d >= 0) {
		report(false, name, "data differs at %lld (page cache; ioctl "
		       "%s, moved_len %" PRIu64 ")", d, r ? strerror(r) : "ok",
		       moved);
		goto out;
	}
	if (lseek(ofd, 0, SEEK_END) != (off_t)size || !reads_zeros(dfd, size)) {
		report(false, name, "size changed, or the donor does not read "
		       "as zeros (ioctl %s, moved_len %" PRIu64 ")",
		       r ? strerror(r) : "ok", moved);
		goto out;
	}
	if (posix_fadvise(ofd, 0, 0, POSIX_FADV_DONTNEED)) {
		report(false, name, "fadvise: %s", strerror(errno));
		goto out;
	}
	drop_caches();
	d = file_diff(ofd, model, size);
	if (d >= 0) {
		report(false, name, "data differs at %lld (disk; ioctl %s, "
		       "moved_len %" PRIu64 ")", d, r ? strerror(r) : "ok",
		       moved);
		goto out;
	}
	n[2] = fiemap(ofd, e[2], 70000);
	n[3] = fiemap(dfd, e[3], 70000);
	if (!blocks_ok(e[0], n[0], e[1], n[1], e[2], n[2], e[3], n[3], 0,
		       nblk, moved, bs, why, sizeof(why))) {
		report(false, name, "%s (ioctl %s, moved_len %" PRIu64 ")",
		       why, r ? strerror(r) : "ok", moved);
		goto out;
	}
	if (errors_count(f) != errs) {
		report(false, name, "ext4 counted %ld errors (ioctl %s, "
		       "moved_len %" PRIu64 ")", errors_count(f) - errs,
		       r ? strerror(r) : "ok", moved);
		goto out;
	}
	/* the kernel still works: the same move without the fault */
	if (!move_again(name, ofd, dfd, 0, nblk, nblk, bs, model, size, e, n))
		goto out;
	ok = true;
out:
	close_open(ofd, dfd, filler);
	if (mnt_fd >= 0)
		close(mnt_fd);
	unlink(path(f, "fa_orig"));
	unlink(path(f, "fa_donor"));
	unlink(path(f, "fa_filler"));
	for (k = 0; k < 6; k++)
		free(e[k]);
	free(model);
	/* nothing leaked: free blocks and inodes as before */
	if (remount_fs(f, &st)) {
		report(false, name, "cannot mount %s again", f->dir);
		return false;
	}
	if (ok && (st.f_bfree != base->f_bfree ||
		   st.f_ffree != base->f_ffree)) {
		report(false, name, "after deleting the files: %lld free "
		       "blocks, %lld free inodes; before: %lld, %lld (ioctl %s,"
		       " moved_len %" PRIu64 ")", (long long)st.f_bfree,
		       (long long)st.f_ffree, (long long)base->f_bfree,
		       (long long)base->f_ffree, r ? strerror(r) : "ok", moved);
		ok = false;
	}
	return ok;
}

static void fa_case(const struct fs *f, const struct acase *c)
{
	char name[128];
	struct fa_stats st = { 0, 0, 0, 0 };
	struct statfs base;
	long nth, total = 0, stride = 1, last_hit = 0, missed;
	bool reached, ok = true;
	unsigned int i;

	snprintf(name, sizeof(name), "%s/%s", f->tag, c->name);
	if (remount_fs(f, &base)) {
		report(false, name, "cannot mount %s again", f->dir);
		return;
	}
	if (c->tries) {
		/*
		 * How many allocations the move makes: a run whose fail-nth
		 * is never reached counts them (and checks the case).
		 */
		ok = fa_run(f, c, FA_TIMES, 0, &base, &st, &reached);
		if (ok && reached) {
			report(false, name, "the move made %d allocations or "
			       "more", FA_TIMES);
			ok = false;
		}
	}
	if (ok && c->tries) {
		total = fa_made;
		if (total > c->tries)
			stride = (total + c->tries - 1) / c->tries;
		/* e4d_fa_nth=N: only that run (with e4d_fi_verbose=2) */
		if (fa_only > 0) {
			ok = fa_run(f, c, fa_only, 0, &base, &st, &reached);
			last_hit = reached ? fa_only : 0;
		}
		/*
		 * The count varies by a few from run to run (a slab may need
		 * a new page or not): the sweep goes on past a run that
		 * did not reach N, up to the count, and 8 runs further (one
		 * at a stride).
		 */
		for (nth = 1, missed = 0; ok && fa_only <= 0 &&
		     missed < (stride > 1 ? 1 : 8); nth += stride) {
			ok = fa_run(f, c, nth, 0, &base, &st, &reached);
			if (reached) {
				last_hit = nth;
				missed = 0;
			} else if (nth > total) {
				missed++;
			}
		}
	}
	for (i = 0; ok && i < (unsigned int)c->storms &&
	     i < sizeof(fa_intervals) / sizeof(fa_intervals[0]); i++)
		ok = fa_run(f, c, 0, fa_intervals[i], &base, &st, &reached);
	note("%s: %ld allocations in a move; %ld runs: sweep up to nth=%ld "
	     "(stride %ld), %ld allocations failed, the ioctl returned "
	     "ENOMEM %ld times and succeeded %ld times (with a failure)",
	     name, total, st.runs, last_hit, stride, st.hit, st.enomem,
	     st.ok);
	if (ok)
		report(true, name, "");
}

static void alloc_errors(const struct fs *f)
{
	uint64_t P = 4096, M = 1 << 20, b = f->bsize;
	const struct op w_mixed[] = { { OP_WRITE, 0, 0 },
		{ OP_HOLE, 0, 2 * P }, { OP_PREALLOC, 6 * P, 5 * P },
		{ OP_HOLE, 20 * P + b, 2 * b },
		{ OP_PREALLOC, 30 * P, 3 * P + b }, { OP_HOLE, 44 * P, P } };
	const struct op dirty[] = { { OP_DIRTY, 3 * P + 17, 3 * P - 17 },
		{ OP_MMAP, 24 * P + 100, P }, { OP_DIRTY, 40 * P + b, b } };
	const struct op w_big[] = { { OP_WRITE, 0, 0 },
		{ OP_HOLE, 2 * M, 64 * P }, { OP_PREALLOC, 5 * M, 3 * P },
		{ OP_HOLE, 8 * M - 2 * P, 5 * P },
		{ OP_PREALLOC, 8 * M + 64 * P, 100 * P } };
	/*
	 * mixed: holes, unwritten ranges and written data in 4-block
	 * extents (1 KiB blocks: partly in the same pages), the data read
	 * by the move (cold) or cached before; the donor is one unwritten
	 * extent, so every swap splits it and its tree grows a leaf in the
	 * middle of the move, and the file's tree shrinks (compaction).
	 * dirty: the same with buffered and mmap writes over written blocks
	 * still dirty, which the move writes back first.  multi_step: 9 MiB, more than one step
	 * (8 MiB or 1024 extents), at a stride.
	 */
	const struct acase cases[] = {
		{ "enomem_mixed", 48 * P, w_mixed, 6, true, NULL, 0, 1000, 8 },
		{ "enomem_cached", 48 * P, w_mixed, 6, false, NULL, 0, 1000, 4 },
		{ "enomem_dirty", 48 * P, w_mixed, 6, false, dirty, 3, 1000, 4 },
		{ "enomem_multi_step", 9 * M, w_big, 5, true, NULL, 0, 10, 3 },
	};
	unsigned int i;

	if (fa_setup()) {
		report(false, f->tag, "cannot set up failslab/fail_page_alloc:"
		       " %s", strerror(errno));
		return;
	}
	/* uml.sh's judge() reads allocation failure reports between these */
	note("alloc_errors %s: begin", f->tag);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fa_case(f, &cases[i]);
	note("alloc_errors %s: end", f->tag);
}

/* ------------------------------------------------------------ tree read errors */

/*
 * The device fails the reads of extent-tree blocks during a move.  After
 * a freeze has checkpointed the journal (nothing pins a tree block then),
 * leaf and index blocks of the file's or the donor's tree (depth 1 and 2)
 * are dropped from the block device's page cache, where ext4 keeps them
 * as buffer heads, while everything else the move needs stays cached:
 * the file's data (read before; one case drops it too), the inode table
 * blocks, the bitmaps, the other nodes (drop_nodes()).  The extent status
 * cache can map blocks without the leaves, but the move looks the trees
 * up itself (ext4_find_extent()), and so does ext4_swap_extents().
 * fail_make_request (read_errors()) then fails every bio of this thread
 * to the disk while the ioctl runs, and the ext4_ext_load_extent trace
 * event, which ext4 emits before it reads a tree block that is not
 * cached, tells which reads those were: every failed bio must be such a
 * read of a dropped node (the cold case: those, and maybe data reads, as
 * our move reads ahead first), all of one file, the one expected, and the
 * data must have stayed cached.
 *
 * Cases, on 4 KiB and 1 KiB blocks: the file's whole tree dropped (depth
 * 1, depth 2: its first read fails, in the first step); the donor's; both
 * trees and the data (cold); the file's leaves of its last eighth (a
 * later step fails, earlier steps swapped); and the leaf after the first
 * full leaf of the file (split_orig) or of the donor (split_donor), with
 * the call ending one block into that full leaf's last extent: the last
 * swap splits the extent there and inserts the rest after it, which reads
 * the next leaf (ext4_ext_insert_extent()) in the middle of the swap,
 * after the call's earlier pieces swapped.
 *
 * Checks, with the fault removed: the ioctl returned -EIO, with moved_len
 * 0 (the first step failed), the blocks before the failing piece
 * (split), or more than 0 and less than the range (later step); the file
 * reads its old data from the page cache and after drop_caches, with its
 * size; the donor reads zeros; every block of both files is where it was
 * or, in the range done, swapped; holes and unwritten ranges stay; ext4
 * counted no error (a failed read of a tree block is returned as -EIO,
 * neither logged nor counted as an error by ext4: the console stays
 * clean); the same move without the fault moves everything; and with both
 * files deleted and the filesystem mounted again, as many blocks and
 * inodes are free as before (nothing leaked).  e2fsck checks the images at
 * the end.
 */
#define TRACE_DIR	"/sys/kernel/tracing/"
#define TREE_MAX_NODES	256

/* A node of an extent tree below the root, as it is on the disk. */
struct tnode {
	uint64_t blk;		/* physical block */
	uint32_t lblk;		/* first logical block (from the index) */
	int depth;		/* 0: a leaf */
	int entries, max;
	uint32_t last_lblk, last_len;	/* a leaf's last extent */
};

/* Read @len bytes at @off of the device @fd (O_DIRECT) into @out. */
static int dev_read(int fd, uint64_t off, void *out, size_t len)
{
	uint64_t start = off & ~4095ULL;
	size_t n = ((off + len + 4095) & ~4095ULL) - start;
	void *buf;
	int r = -1;

	if (posix_memalign(&buf, 4096, n))
		return -1;
	if (pread(fd, buf, n, start) == (ssize_t)n) {
		memcpy(out, (char *)buf + (off - start), len);
		r = 0;
	}
	free(buf);
	return r;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

/*
 * Walk the extent tree of the file @fd on disk (read past the page cache)
 * and list its nodes below the root in @out, depth first, in logical
 * order.  Returns the node count (*@depth: the tree's depth; *@iblk: the
 * block of the inode table holding the inode), or -1.
 */
static int tree_nodes(const struct fs *f, int fd, struct tnode *out, int max,
		      int *depth, uint64_t *iblk)
{
	unsigned char sb[1024], gd[64], node[65536], *h;
	uint64_t bs = f->bsize, stack[TREE_MAX_NODES], itab, ipg, isz, dsz;
	uint32_t slblk[TREE_MAX_NODES];
	int sp = 0, n = 0, dfd, i;
	char dev[32];
	struct stat st;

	snprintf(dev, sizeof(dev), "/dev/%s", f->disk);
	dfd = open(dev, O_RDONLY | O_DIRECT);
	if (dfd < 0 || fstat(fd, &st) || dev_read(dfd, 1024, sb, 1024) ||
	    le16(sb + 56) != 0xef53 || (1024ULL << le32(sb + 24)) != bs)
		goto fail;
	ipg = le32(sb + 40);
	isz = le16(sb + 88);
	dsz = le32(sb + 96) & 0x80 ? le16(sb + 254) : 32;	/* 64bit */
	i = (st.st_ino - 1) / ipg;
	if (dev_read(dfd, (le32(sb + 20) + 1) * bs + i * dsz, gd, dsz))
		goto fail;
	itab = le32(gd + 8) | (dsz >= 64 ? (uint64_t)le32(gd + 40) << 32 : 0);
	*iblk = itab + (st.st_ino - 1) % ipg * isz / bs;
	if (dev_read(dfd, itab * bs + (st.st_ino - 1) % ipg * isz + 40, node,
		     60))
		goto fail;
	h = node;
	*depth = le16(h + 6);
	if (le16(h) != 0xf30a)
		goto fail;
	/* push the root's children, last first */
	for (i = le16(h + 2) - 1; *depth && i >= 0; i--) {
		stack[sp] = le32(h + 12 + 12 * i + 4) |
			    (uint64_t)le16(h + 12 + 12 * i + 8) << 32;
		slblk[sp++] = le32(h + 12 + 12 * i);
	}
	while (sp && n < max) {
		struct tnode *t = &out[n++];

		t->blk = stack[--sp];
		t->lblk = slblk[sp];
		if (dev_read(dfd, t->blk * bs, node, bs) ||
		    le16(node) != 0xf30a)
			goto fail;
		t->entries = le16(node + 2);
		t->max = le16(node + 4);
		t->depth = le16(node + 6);
		t->last_lblk = t->last_len = 0;
		if (!t->depth && t->entries) {
			h = node + 12 * t->entries;
			t->last_lblk = le32(h);
			t->last_len = le16(h + 4);
			if (t->last_len > 32768)	/* unwritten */
				t->last_len -= 32768;
			continue;
		}
		for (i = t->entries - 1; i >= 0; i--) {
			h = node + 12 + 12 * i;
			if (sp == TREE_MAX_NODES)
				goto fail;	/* bigger than needed here */
			stack[sp] = le32(h + 4) | (uint64_t)le16(h + 8) << 32;
			slblk[sp++] = le32(h);
		}
	}
	close(dfd);
	return n;
fail:
	if (dfd >= 0)
		close(dfd);
	return -1;
}

/* Does the page of block @blk hold a block of a node picked? */
static bool page_picked(const struct fs *f, struct tnode *const *t,
			const int *n, bool *const *pick, uint64_t blk)
{
	int k, j;

	for (k = 0; k < 2; k++)
		for (j = 0; j < n[k]; j++)
			if (pick[k][j] && t[k][j].blk * f->bsize / 4096 ==
			    blk * f->bsize / 4096)
				return true;
	return false;
}

/* Read block @blk into the device's page cache, unless that page is picked */
static int warm(const struct fs *f, int fd, struct tnode *const *t,
		const int *n, bool *const *pick, uint64_t blk)
{
	char buf[4096];

	if (page_picked(f, t, n, pick, blk))
		return 0;
	return pread(fd, buf, f->bsize, blk * f->bsize) == f->bsize ? 0 : -1;
}

/*
 * Have ext4 read the extent tree of @fd below logical block @lim: the
 * nodes it walks to map those blocks (all of them: ~0).  ext4 reads a
 * node alone, not the page around it.
 */
static int warm_tree(int fd, uint64_t lim, uint64_t bs)
{
	struct fiemap fm;

	if (!lim)
		return 0;
	if (lim == ~0ULL)
		return ioctl(fd, EXT4_IOC_PRECACHE_EXTENTS);
	/* nothing mapped from the cache: a count of the extents below @lim */
	memset(&fm, 0, sizeof(fm));
	fm.fm_length = lim * bs;
	return ioctl(fd, EXT4_IOC_CLEAR_ES_CACHE) ||
	       ioctl(fd, FS_IOC_FIEMAP, &fm);
}

/*
 * Drop the picked nodes of the trees from the device's page cache, and
 * nothing else that a move reads.  All of ext4's buffer heads of the
 * device go (BLKFLSBUF: posix_fadvise() would leave those held by the
 * CPU's LRU of recently used buffer heads, which a UP kernel's fadvise
 * does not drain); then the block bitmaps and the two inodes' inode
 * table blocks (@iblk) are read back, buffered (ext4 finds them uptodate;
 * a read brings in a whole page, so not those sharing a page with a
 * picked node, with 1 KiB blocks), and ext4 reads the nodes of each file
 * @fds[k] below logical block @lim[k] (the nodes not picked).
 */
static int drop_nodes(const struct fs *f, const int *fds,
		      struct tnode *const *t, const int *n, bool *const *pick,
		      const uint64_t *iblk, const uint64_t *lim)
{
	unsigned char sb[1024], gd[64];
	uint64_t bs = f->bsize, ngroups, g, dsz;
	int fd, k, r = -1;
	char dev[32];

	snprintf(dev, sizeof(dev), "/dev/%s", f->disk);
	fd = open(dev, O_RDONLY);
	if (fd < 0 || pread(fd, sb, 1024, 1024) != 1024 ||
	    ioctl(fd, BLKFLSBUF, 0))
		goto out;
	dsz = le32(sb + 96) & 0x80 ? le16(sb + 254) : 32;
	ngroups = (le32(sb + 4) - le32(sb + 20) + le32(sb + 32) - 1) /
		  le32(sb + 32);
	for (g = 0; g < ngroups; g++)
		if (pread(fd, gd, dsz, (le32(sb + 20) + 1) * bs + g * dsz) !=
		    (ssize_t)dsz || warm(f, fd, t, n, pick, le32(gd) |
			(dsz >= 64 ? (uint64_t)le32(gd + 32) << 32 : 0)))
			goto out;
	for (k = 0; k < 2; k++)
		if (warm(f, fd, t, n, pick, iblk[k]) ||
		    warm_tree(fds[k], lim[k], bs))
			goto out;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* Record the trees' block loads of this thread from now on. */
static int trace_loads_on(void)
{
	char pid[32];
	int fd;

	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	fd = open(TRACE_DIR "trace", O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	close(fd);
	return write_str(TRACE_DIR "set_event_pid", pid) ||
	       write_str(TRACE_DIR "events/ext4/ext4_ext_load_extent/enable",
			 "1\n") ||
	       write_str(TRACE_DIR "tracing_on", "1\n");
}

struct loads {
	long all, picked[2];	/* all; of the picked nodes of each file */
	uint64_t first;		/* block of the first load */
};

/*
 * Stop recording; count the loads, and those of the nodes picked of the
 * file (inode @ino[0], nodes @t[0]) and of the donor (@ino[1], @t[1]).
 */
static int trace_loads_off(const ino_t *ino, struct tnode *const *t,
			   const int *n, bool *const *pick, struct loads *ld)
{
	char line[512];
	unsigned long i_no;
	unsigned long long blk;
	const char *p;
	FILE *tr;
	int k, j;

	write_str(TRACE_DIR "tracing_on", "0\n");
	write_str(TRACE_DIR "events/ext4/ext4_ext_load_extent/enable", "0\n");
	memset(ld, 0, sizeof(*ld));
	tr = fopen(TRACE_DIR "trace", "r");
	if (!tr)
		return -1;
	while (fgets(line, sizeof(line), tr)) {
		p = strstr(line, "ext4_ext_load_extent: ");
		/* 6.12 passes (pblk, _RET_IP_) as (lblk, pblk) */
		if (!p || sscanf(p, "ext4_ext_load_extent: dev %*d,%*d ino %lu"
				 " lblk %llu", &i_no, &blk) != 2)
			continue;
		if (!ld->all++)
			ld->first = blk;
		for (k = 0; k < 2; k++)
			for (j = 0; i_no == ino[k] && j < n[k]; j++)
				ld->picked[k] += pick[k][j] &&
						 t[k][j].blk == blk;
	}
	fclose(tr);
	return 0;
}

/* What a case drops, and where its call ends. */
enum { TD_ORIG, TD_DONOR, TD_COLD, TD_ORIG_END, TD_SPLIT_ORIG,
       TD_SPLIT_DONOR };

struct tcase {
	const char *name;
	int nx4, nx1;		/* the file's 4-block extents: 4k, 1k fs */
	int dchunk;		/* the donor's extents, in blocks */
	int drop;		/* TD_* */
	bool holes;		/* holes and unwritten ranges in the file */
	int depth;		/* the file's tree depth it needs */
};

/*
 * fallocate [0, @size) of @fd in pieces of @chunk bytes, each followed by
 * one of the filler's (as write_fragmented() writes): many unwritten
 * extents.
 */
static int falloc_fragmented(int fd, int filler, uint64_t size,
			     uint64_t chunk)
{
	off_t foff = (lseek(filler, 0, SEEK_END) + 4095) & ~4095L;
	uint64_t off;

	for (off = 0; off < size; off += chunk, foff += chunk)
		if (fallocate(fd, 0, off, size - off < chunk ? size - off :
			      chunk) || fallocate(filler, 0, foff, chunk))
			return -1;
	return fsync(fd) || fsync(filler) ? -1 : 0;
}

/* Is [@a, @b) (bytes) exactly one extent of the list @e? */
static bool is_extent(const struct ext *e, int n, uint64_t a, uint64_t b)
{
	int i;

	for (i = 0; i < n; i++)
		if (e[i].lblk == a && e[i].lblk + e[i].len == b)
			return true;
	return false;
}

/* Pick the nodes of each tree not below @lim[k] (logical blocks). */
static void pick_from(struct tnode *const *t, const int *n, bool *const *pick,
		      const uint64_t *lim)
{
	int k, j;

	for (k = 0; k < 2; k++)
		for (j = 0; j < n[k]; j++)
			pick[k][j] = t[k][j].lblk >= lim[k];
}

/*
 * Pick the nodes a case drops: those of file k (0: the file, 1: the donor)
 * from logical block *@lim[k] on; and the range of its call: from
 * *@start, *@nmove blocks (of both files), expected to report *@want of
 * them moved (-1: more than none and less than all).  @e, @en: the files'
 * mappings.  Returns false with @why if the trees do not have the shape
 * it needs.
 */
static bool tree_pick(const struct tcase *c, struct tnode *const *t,
		      const int *n, const int *depth, bool *const *pick,
		      struct ext *const *e, const int *en, uint64_t bs,
		      uint64_t nblk, uint64_t *lim, uint64_t *start,
		      uint64_t *nmove, int64_t *want, char *why, size_t wl)
{
	int j, x = c->drop == TD_SPLIT_DONOR, i;
	const struct tnode *leaf = NULL;
	uint64_t end, from;

	*start = 0;
	*nmove = nblk;
	*want = c->drop == TD_ORIG_END ? -1 : 0;
	lim[0] = lim[1] = ~0ULL;
	if (depth[0] != c->depth || depth[1] < 1) {
		snprintf(why, wl, "trees of depth %d and %d (donor), expected "
			 "%d and at least 1", depth[0], depth[1], c->depth);
		return false;
	}
	switch (c->drop) {
	case TD_ORIG:
	case TD_DONOR:
	case TD_COLD:
		lim[c->drop == TD_DONOR] = 0;
		if (c->drop == TD_COLD)
			lim[1] = 0;
		pick_from(t, n, pick, lim);
		return true;
	case TD_ORIG_END:	/* the leaves of the file's last eighth */
		lim[0] = nblk * 7 / 8;
		pick_from(t, n, pick, lim);
		return true;
	}
	/*
	 * TD_SPLIT_*: in file x (the file, or the donor) the first leaf is
	 * full, and the call ends one block into its last extent, so that
	 * the last swap splits that extent and inserts an extent after it:
	 * into the next leaf (read now), the leaf being full.  The call
	 * starts at the first extent of the leaf from which on, up to that
	 * last one, every extent of x is exactly an extent of the other
	 * file: no swap before the last one splits an extent of x in the
	 * leaf, or joins two (both would change the leaf's count).  The
	 * nodes of x after the leaf are dropped.
	 */
	for (j = 0; j < n[x] && !leaf; j++)
		if (!t[x][j].depth)
			leaf = &t[x][j];
	if (!leaf || leaf->entries != leaf->max || leaf->last_len < 2 ||
	    leaf + 1 >= t[x] + n[x]) {
		snprintf(why, wl, "no full leaf followed by another");
		return false;
	}
	lim[x] = leaf->last_lblk + 1;
	pick_from(t, n, pick, lim);
	end = (uint64_t)leaf->last_lblk * bs;
	for (i = 0; i < en[x] && e[x][i].lblk != end; i++)
		;
	if (i == en[x]) {
		snprintf(why, wl, "the leaf's last extent is not mapped");
		return false;
	}
	for (from = end; i > 0 && e[x][i - 1].lblk >= leaf->lblk * bs &&
	     e[x][i - 1].lblk + e[x][i - 1].len == from &&
	     is_extent(e[!x], en[!x], e[x][i - 1].lblk, from); i--)
		from = e[x][i - 1].lblk;
	*start = from / bs;
	*nmove = (end - from) / bs + 1;
	*want = (end - from) / bs;
	return true;
}

static void tree_case(const struct fs *f, const struct tcase *c)
{
	char name[128], why[256] = "";
	uint64_t bs = f->bsize, u = 4 * bs, nx = bs == 4096 ? c->nx4 : c->nx1;
	uint64_t size = nx * u, nblk = size / bs, nmove = 0, moved = 0, at;
	uint64_t s = seed ^ (uintptr_t)c->name, npages, iblk[2];
	uint64_t lim[2];
	const struct op ops[] = { { OP_WRITE, 0, 0 },
		{ OP_HOLE, nx / 4 * u, 3 * u },
		{ OP_PREALLOC, nx / 2 * u, 2 * u },
		{ OP_HOLE, (nx * 5 / 8) * u + bs, bs } };
	unsigned char *model = calloc(1, size + 1);
	struct ext *e[6];
	struct tnode *t[2] = { calloc(TREE_MAX_NODES, sizeof(struct tnode)),
			       calloc(TREE_MAX_NODES, sizeof(struct tnode)) };
	bool *pick[2] = { calloc(TREE_MAX_NODES, 1),
			  calloc(TREE_MAX_NODES, 1) };
	int n[6], tn[2], depth[2], fds[2], ofd, dfd, filler, r = -1, k;
	int mnt_fd = -1;
	long injected = -1, cached, errs;
	int64_t want = 0;
	struct loads ld;
	struct statfs base, st;
	struct stat sto, std;
	ino_t ino[2];
	long long d;
	bool ok = false;

	snprintf(name, sizeof(name), "%s/%s", f->tag, c->name);
	for (k = 0; k < 6; k++)
		e[k] = calloc(70000, sizeof(*e[k]));
	if (remount_fs(f, &base)) {
		report(false, name, "cannot mount %s again", f->dir);
		goto out_free;
	}
	ofd = open(path(f, "tree_orig"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	dfd = open(path(f, "tree_donor"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	filler = open(path(f, "tree_filler"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	mnt_fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	if (ofd < 0 || dfd < 0 || filler < 0 || mnt_fd < 0 || !model ||
	    !e[0] || !e[1] || !e[2] || !e[3] || !e[4] || !e[5] || !t[0] ||
	    !t[1] || !pick[0] || !pick[1] || ftruncate(ofd, size) ||
	    !build_orig(ofd, filler, ops, c->holes ? 4 : 1, size, bs, model,
			&s) ||
	    falloc_fragmented(dfd, filler, size, c->dchunk * bs) ||
	    fsync(ofd) || fstat(ofd, &sto) || fstat(dfd, &std)) {
		report(false, name, "setup: %s", strerror(errno));
		goto out;
	}
	ino[0] = sto.st_ino;
	ino[1] = std.st_ino;
	fds[0] = ofd;
	fds[1] = dfd;
	/* the mappings, and the data into the page cache */
	n[0] = fiemap(ofd, e[0], 70000);
	n[1] = fiemap(dfd, e[1], 70000);
	if (file_diff(ofd, model, size) >= 0) {
		report(false, name, "setup: data differs before the move");
		goto out;
	}
	/* clean, the journal checkpointed: nothing holds the tree blocks */
	sync();
	if (ioctl(mnt_fd, FIFREEZE, 0) || ioctl(mnt_fd, FITHAW, 0)) {
		report(false, name, "setup: freeze: %s", strerror(errno));
		goto out;
	}
	tn[0] = tree_nodes(f, ofd, t[0], TREE_MAX_NODES, &depth[0], &iblk[0]);
	tn[1] = tree_nodes(f, dfd, t[1], TREE_MAX_NODES, &depth[1], &iblk[1]);
	if (tn[0] < 0 || tn[1] < 0) {
		report(false, name, "setup: cannot read the extent trees");
		goto out;
	}
	if (!tree_pick(c, t, tn, depth, pick, e, n, bs, nblk, lim, &at,
		       &nmove, &want, why, sizeof(why))) {
		report(false, name, "setup: %s", why);
		goto out;
	}
	if (drop_nodes(f, fds, t, tn, pick, iblk, lim) ||
	    (c->drop == TD_COLD &&
	     posix_fadvise(ofd, 0, 0, POSIX_FADV_DONTNEED))) {
		report(false, name, "setup: fadvise: %s", strerror(errno));
		goto out;
	}
	npages = (size + 4095) / 4096;
	cached = cached_pages(ofd, size);
	if (cached != (c->drop == TD_COLD ? 0 : (long)npages)) {
		report(false, name, "setup: %ld of %" PRIu64 " pages of the "
		       "file cached", cached, npages);
		goto out;
	}
	errs = errors_count(f);
	if (trace_loads_on() || fi_arm(f->disk, 0)) {
		report(false, name, "cannot arm tracing or fail_make_request: "
		       "%s", strerror(errno));
		fi_disarm(f->disk);
		goto out;
	}
	r = mext(ofd, dfd, at, at, nmove, &moved);
	injected = fi_disarm(f->disk);
	cached = cached_pages(ofd, size);
	if (trace_loads_off(ino, t, tn, pick, &ld)) {
		report(false, name, "cannot read the trace");
		goto out;
	}
	note("%s: trees of depth %d and %d (%d and %d nodes); ioctl %s, "
	     "moved_len %" PRIu64 " of %" PRIu64 " from %" PRIu64 "; %ld bios "
	     "failed, %ld tree blocks read (%ld of the file's, %ld of the "
	     "donor's dropped ones), %ld of %" PRIu64 " pages of the file "
	     "cached after", name,
	     depth[0], depth[1], tn[0], tn[1], r ? strerror(r) : "ok", moved,
	     nmove, at, injected, ld.all, ld.picked[0], ld.picked[1], cached,
	     npages);
	/* first what was lost, then what was misplaced, then reported */
	d = file_diff(ofd, model, size);
	if (d >= 0) {
		report(false, name, "data differs at %lld (page cache; ioctl "
		       "%s, moved_len %" PRIu64 ")", d, r ? strerror(r) : "ok",
		       moved);
		goto out;
	}
	drop_caches();
	d = file_diff(ofd, model, size);
	if (d >= 0) {
		report(false, name, "data differs at %lld (disk; ioctl %s, "
		       "moved_len %" PRIu64 ")", d, r ? strerror(r) : "ok",
		       moved);
		goto out;
	}
	if (lseek(ofd, 0, SEEK_END) != (off_t)size || !reads_zeros(dfd, size)) {
		report(false, name, "size changed, or the donor does not read "
		       "as zeros");
		goto out;
	}
	n[2] = fiemap(ofd, e[2], 70000);
	n[3] = fiemap(dfd, e[3], 70000);
	if (!blocks_ok(e[0], n[0], e[1], n[1], e[2], n[2], e[3], n[3], at,
		       nblk, moved, bs, why, sizeof(why))) {
		report(false, name, "%s (ioctl %s, moved_len %" PRIu64 ")",
		       why, r ? strerror(r) : "ok", moved);
		goto out;
	}
	if (errors_count(f) != errs) {
		report(false, name, "ext4 counted %ld errors",
		       errors_count(f) - errs);
		goto out;
	}
	/* the failed reads were the trees' (and, cold, the data's) */
	if (injected <= 0 || !ld.picked[0] + !ld.picked[1] != 1 ||
	    ld.picked[0] + ld.picked[1] != ld.all ||
	    (c->drop == TD_COLD ? injected < ld.all : injected != ld.all) ||
	    (c->drop != TD_COLD && cached != (long)npages)) {
		report(false, name, "%ld bios failed, %ld tree blocks read: "
		       "%ld of the file's, %ld of the donor's dropped ones; "
		       "%ld of %" PRIu64 " pages cached (ioctl %s, moved_len %"
		       PRIu64 ")", injected, ld.all, ld.picked[0],
		       ld.picked[1], cached, npages, r ? strerror(r) : "ok",
		       moved);
		goto out;
	}
	if ((ld.picked[0] ? 0 : 1) != (c->drop == TD_DONOR ||
				       c->drop == TD_SPLIT_DONOR)) {
		report(false, name, "the %s's tree failed first, expected the "
		       "other's", ld.picked[0] ? "file" : "donor");
		goto out;
	}
	if (r != EIO) {
		report(false, name, "ioctl returned %s (moved_len %" PRIu64
		       "), expected %s", strerror(r), moved, strerror(EIO));
		goto out;
	}
	if (want < 0 ? !moved || moved >= nmove : moved != (uint64_t)want) {
		report(false, name, "moved_len %" PRIu64 " of %" PRIu64
		       ", expected %s %" PRId64, moved, nmove, want < 0 ?
		       "more than 0 and less than all, not" : "exactly",
		       want < 0 ? (int64_t)nmove : want);
		goto out;
	}
	/* the kernel still works: the same move without the fault */
	if (!move_again(name, ofd, dfd, at, nmove, nblk, bs, model, size, e, n))
		goto out;
	ok = true;
out:
	close_open(ofd, dfd, filler);
	if (mnt_fd >= 0)
		close(mnt_fd);
	unlink(path(f, "tree_orig"));
	unlink(path(f, "tree_donor"));
	unlink(path(f, "tree_filler"));
	/* nothing leaked: free blocks and inodes as before */
	if (remount_fs(f, &st)) {
		report(false, name, "cannot mount %s again", f->dir);
		ok = false;
	} else if (ok && (st.f_bfree != base.f_bfree ||
			  st.f_ffree != base.f_ffree)) {
		report(false, name, "after deleting the files: %lld free "
		       "blocks, %lld free inodes; before: %lld, %lld",
		       (long long)st.f_bfree, (long long)st.f_ffree,
		       (long long)base.f_bfree, (long long)base.f_ffree);
		ok = false;
	}
	if (ok)
		report(true, name, "");
out_free:
	for (k = 0; k < 6; k++)
		free(e[k]);
	for (k = 0; k < 2; k++) {
		free(t[k]);
		free(pick[k]);
	}
	free(model);
}

static void tree_errors(const struct fs *f)
{
	/*
	 * The file: extents of 4 blocks (a page with 1 KiB blocks), and
	 * some holes and unwritten ranges; the donor: extents of 6 blocks,
	 * so that the swaps split them.  A leaf holds 340 extents (4 KiB
	 * blocks) or 84 (1 KiB), the inode 4: depth 2 from 1361 (337).
	 * orig_end: 24 MiB (4.8 MiB) take three (two) steps, the first
	 * ending at 8 MiB (1024 extents).  split_*: both files of 4-block
	 * extents at the same offsets, so that only the call's end splits
	 * extents; it ends inside the last extent of a full leaf.
	 */
	const struct tcase cases[] = {
		{ "tree_orig_depth1", 100, 60, 6, TD_ORIG, true, 1 },
		{ "tree_orig_depth2", 1500, 400, 6, TD_ORIG, true, 2 },
		{ "tree_donor", 100, 60, 6, TD_DONOR, true, 1 },
		{ "tree_cold", 100, 60, 6, TD_COLD, true, 1 },
		{ "tree_orig_later_step", 1500, 1200, 6, TD_ORIG_END, true, 2 },
		{ "tree_split_orig", 400, 300, 4, TD_SPLIT_ORIG, false, 1 },
		{ "tree_split_donor", 400, 300, 4, TD_SPLIT_DONOR, false, 1 },
	};
	unsigned int i;

	mkdir("/sys/kernel/tracing", 0755);
	if (access(TRACE_DIR "trace", F_OK) &&
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		report(false, f->tag, "cannot mount tracefs: %s",
		       strerror(errno));
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tree_case(f, &cases[i]);
}

/* ------------------------------------------------------------ refusals */

static int mkfile(const char *p, size_t size, int flags)
{
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[4096];

	if (fd < 0)
		return -1;
	memset(buf, 'x', sizeof(buf));
	while (size) {
		size_t n = size < sizeof(buf) ? size : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n)
			return -1;
		size -= n;
	}
	fsync(fd);
	close(fd);
	return open(p, flags);
}

static void expect_refusal(const char *name, int ofd, int dfd, uint64_t os,
			   uint64_t ds, uint64_t len, int want)
{
	uint64_t moved = 12345;
	struct ext before[8], after[8];
	int nb = ofd >= 0 ? fiemap(ofd, before, 8) : -1, na, r;

	r = mext(ofd, dfd, os, ds, len, &moved);
	na = ofd >= 0 ? fiemap(ofd, after, 8) : -1;
	if (r != want) {
		report(false, name, "got %s, expected %s", strerror(r),
		       strerror(want));
		return;
	}
	if (want != EBADF && moved != 0) {
		report(false, name, "moved_len %" PRIu64 " on refusal", moved);
		return;
	}
	if (nb != na || (nb > 0 && nb <= 8 &&
			 memcmp(before, after, nb * sizeof(before[0])))) {
		report(false, name, "the file's extents changed on refusal");
		return;
	}
	report(true, name, "");
}

static void make_swapfile(const char *p, size_t size)
{
	int fd = mkfile(p, size, O_RDWR);
	struct {
		char bootbits[1024];
		uint32_t version, last_page, nr_badpages;
		unsigned char uuid[16];
		char label[16];
		uint32_t padding[117];
		uint32_t badpages[1];
	} hdr;

	if (fd < 0)
		return;
	memset(&hdr, 0, sizeof(hdr));
	hdr.version = 1;
	hdr.last_page = size / 4096 - 1;
	write_all(fd, &hdr, sizeof(hdr), 0);
	write_all(fd, "SWAPSPACE2", 10, 4096 - 10);
	fsync(fd);
	close(fd);
	chmod(p, 0600);
}

static void refusals(void)
{
	int a1, a2, b1, ro, wo, fifo, fd, r, dfd;

	a1 = mkfile("/mnt/a/r1", 64 << 10, O_RDWR);
	a2 = mkfile("/mnt/a/r2", 64 << 10, O_RDWR);
	b1 = mkfile("/mnt/b/r1", 64 << 10, O_RDWR);
	ro = open("/mnt/a/r2", O_RDONLY);
	wo = open("/mnt/a/r1", O_WRONLY);
	if (a1 < 0 || a2 < 0 || b1 < 0 || ro < 0 || wo < 0) {
		die("refusal files");
		return;
	}
	expect_refusal("refuse/exdev", a1, b1, 0, 0, 16, EXDEV);
	expect_refusal("refuse/same_inode", a1, a1, 0, 0, 16, EINVAL);
	expect_refusal("refuse/donor_readonly", a1, ro, 0, 0, 16, EBADF);
	expect_refusal("refuse/orig_writeonly", wo, a2, 0, 0, 16, EBADF);
	expect_refusal("refuse/bad_donor_fd", a1, 999, 0, 0, 16, EBADF);
	mkfifo("/mnt/a/fifo", 0644);
	fifo = open("/mnt/a/fifo", O_RDWR | O_NONBLOCK);
	if (fifo < 0)
		die("fifo");
	else
		expect_refusal("refuse/donor_not_regular", a1, fifo, 0, 0, 16,
			       EINVAL);
	expect_refusal("refuse/overflow_start", a1, a2, 1ULL << 32, 0, 1,
		       EINVAL);
	expect_refusal("refuse/overflow_len", a1, a2, 0, 0, ~0ULL, EINVAL);
	expect_refusal("refuse/overflow_sum", a1, a2, 16, 16,
		       (1ULL << 32) - 17, EINVAL);
	expect_refusal("refuse/len_zero", a1, a2, 0, 0, 0, EINVAL);
	/* 1 KiB blocks: 4 per page; offsets must be congruent */
	fd = mkfile("/mnt/b/r2", 64 << 10, O_RDWR);
	expect_refusal("refuse/unaligned_1k", b1, fd, 1, 2, 8, EINVAL);
	close(fd);

	/* flags set after opening, so that the open itself succeeds */
	r = set_flags(a2, FS_IMMUTABLE_FL, 0);
	expect_refusal("refuse/donor_immutable", a1, a2, 0, 0, 16,
		       r ? -1 : EPERM);
	set_flags(a2, 0, FS_IMMUTABLE_FL);
	r = set_flags(a1, FS_APPEND_FL, 0);
	expect_refusal("refuse/orig_append_only", a1, a2, 0, 0, 16,
		       r ? -1 : EPERM);
	set_flags(a1, 0, FS_APPEND_FL);
	/* (the per-file journal-data flag only counts with nodelalloc, so it
	 * is not a refusal case on this mount; data=journal is, below) */

	/* non-extent file: migrate a small file to indirect blocks */
	fd = mkfile("/mnt/a/indirect", 16 << 10, O_RDWR);
	r = set_flags(fd, 0, FS_EXTENT_FL);
	if (r)
		report(false, "refuse/not_extent_based",
		       "cannot clear the extents flag: %s", strerror(r));
	else
		expect_refusal("refuse/not_extent_based", fd, a2, 0, 0, 4,
			       EOPNOTSUPP);
	close(fd);

	/* inline data (ubdb has inline_data): a 40-byte file */
	fd = mkfile("/mnt/b/inline", 40, O_RDWR);
	dfd = mkfile("/mnt/b/inline_donor", 64 << 10, O_RDWR);
	expect_refusal("refuse/inline_data", fd, dfd, 0, 0, 1, EOPNOTSUPP);
	close(fd);
	close(dfd);

	/* swap file */
	make_swapfile("/mnt/a/swap", 1 << 20);
	if (swapon("/mnt/a/swap", 0)) {
		report(false, "refuse/swapfile", "swapon: %s", strerror(errno));
	} else {
		fd = open("/mnt/a/swap", O_RDWR);
		expect_refusal("refuse/swapfile_orig", fd, a2, 0, 0, 4,
			       ETXTBSY);
		expect_refusal("refuse/swapfile_donor", a1, fd, 0, 0, 4,
			       ETXTBSY);
		close(fd);
		if (swapoff("/mnt/a/swap"))
			die("swapoff");
	}

	/* bigalloc filesystem */
	fd = mkfile("/mnt/c/o", 256 << 10, O_RDWR);
	dfd = mkfile("/mnt/c/d", 256 << 10, O_RDWR);
	expect_refusal("refuse/bigalloc", fd, dfd, 0, 0, 16, EOPNOTSUPP);
	close(fd);
	close(dfd);

	/* data=journal filesystem */
	fd = mkfile("/mnt/j/o", 64 << 10, O_RDWR);
	dfd = mkfile("/mnt/j/d", 64 << 10, O_RDWR);
	expect_refusal("refuse/data_journal_mount", fd, dfd, 0, 0, 16,
		       EOPNOTSUPP);
	close(fd);
	close(dfd);

	/* encrypted file (v2 policy, key added by root) */
	{
		struct {
			struct fscrypt_add_key_arg a;
			unsigned char raw[64];
		} k;
		struct fscrypt_policy_v2 pol;

		memset(&k, 0, sizeof(k));
		k.a.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
		k.a.raw_size = 64;
		memset(k.raw, 0x5a, 64);
		mkdir("/mnt/f/enc", 0755);
		fd = open("/mnt/f/enc", O_RDONLY | O_DIRECTORY);
		memset(&pol, 0, sizeof(pol));
		pol.version = FSCRYPT_POLICY_V2;
		pol.contents_encryption_mode = FSCRYPT_MODE_AES_256_XTS;
		pol.filenames_encryption_mode = FSCRYPT_MODE_AES_256_CTS;
		pol.flags = FSCRYPT_POLICY_FLAGS_PAD_32;
		if (fd < 0 || ioctl(fd, FS_IOC_ADD_ENCRYPTION_KEY, &k)) {
			report(false, "refuse/encrypted", "add key: %s",
			       strerror(errno));
		} else {
			memcpy(pol.master_key_identifier,
			       k.a.key_spec.u.identifier,
			       FSCRYPT_KEY_IDENTIFIER_SIZE);
			if (ioctl(fd, FS_IOC_SET_ENCRYPTION_POLICY, &pol)) {
				report(false, "refuse/encrypted",
				       "set policy: %s", strerror(errno));
			} else {
				int e1 = mkfile("/mnt/f/enc/o", 64 << 10,
						O_RDWR);
				int e2 = mkfile("/mnt/f/plain", 64 << 10,
						O_RDWR);

				expect_refusal("refuse/encrypted", e1, e2, 0,
					       0, 16, EOPNOTSUPP);
				expect_refusal("refuse/encrypted_donor", e2,
					       e1, 0, 0, 16, EOPNOTSUPP);
				close(e1);
				close(e2);
			}
		}
		if (fd >= 0)
			close(fd);
	}

	/* verity: a verity file cannot be opened for writing at all, so the
	 * ioctl can never see one; check that this still holds */
	{
		struct fsverity_enable_arg va;

		fd = mkfile("/mnt/f/verity", 64 << 10, O_RDONLY);
		memset(&va, 0, sizeof(va));
		va.version = 1;
		va.hash_algorithm = FS_VERITY_HASH_ALG_SHA256;
		va.block_size = 4096;
		if (fd < 0 || ioctl(fd, FS_IOC_ENABLE_VERITY, &va)) {
			report(false, "refuse/verity", "enable verity: %s",
			       strerror(errno));
		} else {
			int w = open("/mnt/f/verity", O_RDWR);

			report(w < 0 && errno == EPERM, "refuse/verity",
			       "open O_RDWR of a verity file: %s",
			       w < 0 ? strerror(errno) : "succeeded");
			if (w >= 0)
				close(w);
		}
		if (fd >= 0)
			close(fd);
	}
	note("DAX refusal not testable: UML has no DAX device");
	close(a1);
	close(a2);
	close(b1);
	close(ro);
	close(wo);
	if (fifo >= 0)
		close(fifo);
}

/* ------------------------------------------------------------ stress */

/*
 * One original file, split into regions, each owned by one writer thread
 * that keeps an exact model of its region and checks it while movers move
 * the whole file back and forth between it and two donors.  The last
 * region belongs to the truncating writer, so the file size only ever
 * changes inside it.  At the end everything stops and the whole file is
 * compared with the models, from the page cache and from disk.
 *
 * How it ends does not rely on the guest's timer interrupts (UML has been
 * seen to stop delivering them under load: jiffies then stand still, and
 * so does every sleep): each thread reads the clock itself after every
 * operation (clock_gettime reads the host's clock, interrupts or not) and
 * also stops after a bounded number of operations (STRESS_CAP_*, about
 * four times what good runs do); the first thread to stop stops them all;
 * a thread that sleeps is woken by a signal; and the main thread waits
 * for the threads' ends on a semaphore they post, then polls the clock
 * for its hang watchdog.
 */
#define NR_WRITERS	5
#define NR_STHREADS	(5 + NR_WRITERS)
/* operations per thread and second of stress at most (good runs on the
 * 2-core build machine: movers 1.1-2.2, writers 1.5-7, cross movers
 * 7.5-20, donor reader 61-104) */
#define STRESS_CAP_MOVE		8
#define STRESS_CAP_WRITE	25
#define STRESS_CAP_CROSS	60
#define STRESS_CAP_READ		400

struct stress {
	const struct fs *f;
	int ofd, dfd[2], dio_fd, xfd[2];
	size_t region, size;	/* bytes; size = NR_WRITERS * region */
	unsigned char *model;	/* NR_WRITERS * region bytes */
	size_t tsize;		/* truncating writer: file size */
	volatile int stop;
	double deadline;	/* now_s() at which the threads stop */
	int secs;		/* operation caps are per second of this */
	const char *why;	/* what stopped the threads */
	sem_t done;		/* posted by each thread as it ends */
	unsigned long moves, moved_blocks, ops[NR_WRITERS], busy, xmoves;
	unsigned long reads;
	int errors;
	char err[256];
};

static void stress_end(struct stress *st, const char *why)
{
	__sync_bool_compare_and_swap(&st->why, NULL, why);
	st->stop = 1;
}

static void stress_fail(struct stress *st, const char *fmt, ...)
{
	va_list ap;

	if (__sync_fetch_and_add(&st->errors, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(st->err, sizeof(st->err), fmt, ap);
		va_end(ap);
	}
	stress_end(st, "an error");
}

/*
 * Whether a thread does one more operation: not if the stress is stopped,
 * the deadline has passed, or the thread has done @cap per second of
 * stress already (counted in *@n).
 */
static bool stress_more(struct stress *st, unsigned long *n, unsigned long cap,
			const char *who)
{
	if (st->stop)
		return false;
	if (++*n > cap * st->secs) {
		stress_end(st, who);
		return false;
	}
	if (now_s() >= st->deadline) {
		stress_end(st, "the deadline");
		return false;
	}
	return true;
}

/*
 * Sleep @usec unless the stress stops: SIGUSR1 is blocked in the stress
 * threads except inside this ppoll(), so a wake-up sent after the check of
 * st->stop interrupts the sleep at once instead of waiting for a timer.
 */
static void stress_nap(struct stress *st, long usec)
{
	struct timespec ts = { usec / 1000000, usec % 1000000 * 1000 };
	sigset_t open;

	pthread_sigmask(SIG_BLOCK, NULL, &open);
	sigdelset(&open, SIGUSR1);
	if (!st->stop)
		ppoll(NULL, 0, &ts, &open);
}

static void stress_wake(int sig)
{
	(void)sig;
}

static void *mover(void *arg)
{
	struct stress *st = arg;
	uint64_t s = seed * 31 + 1, bs = st->f->bsize;
	uint64_t nblk = st->size / bs, moved, start, len, dstart;
	uint64_t safe = (NR_WRITERS - 1) * st->region / bs;
	unsigned long n = 0;
	int r, which = 0;

	while (stress_more(st, &n, STRESS_CAP_MOVE, "a mover's op cap")) {
		switch (rnd(&s, 4)) {
		case 0:		/* everything */
			start = 0;
			len = nblk;
			break;
		case 1:		/* block-aligned odd range */
			start = rnd(&s, nblk);
			len = 1 + rnd(&s, nblk - start);
			break;
		default:	/* page-aligned range */
			start = rnd(&s, nblk) & ~(4096 / bs - 1);
			len = 1 + rnd(&s, 3 * 4096 / bs * 64);
			break;
		}
		if (rnd(&s, 8) == 0)
			which ^= 1;
		/* the donors are 1 MiB longer: any congruent offset fits */
		dstart = start + rnd(&s, 256) * (4096 / bs);
		r = mext(st->ofd, st->dfd[which], start, dstart, len, &moved);
		if (r == EBUSY) {
			__sync_fetch_and_add(&st->busy, 1);
			continue;
		}
		/* EINVAL: start at or past EOF, the truncater shrank it */
		if (r == EINVAL && start >= safe)
			continue;
		if (r) {
			stress_fail(st, "move [%" PRIu64 ", +%" PRIu64
				    ") failed: %s (moved %" PRIu64 ")",
				    start, len, strerror(r), moved);
			break;
		}
		if (moved > len || (start + len <= safe && moved != len)) {
			stress_fail(st, "move [%" PRIu64 ", +%" PRIu64
				    "): moved_len %" PRIu64, start, len, moved);
			break;
		}
		__sync_fetch_and_add(&st->moves, 1);
		__sync_fetch_and_add(&st->moved_blocks, moved);
	}
	return NULL;
}

/*
 * Two scratch files moved into each other in both directions at once (and
 * written to): nothing to verify but the locking (AB-BA on every lock).
 */
static void *cross_mover(void *arg)
{
	struct stress *st = arg;
	static int turn;
	int me = __sync_fetch_and_add(&turn, 1) & 1;
	uint64_t s = seed * 77 + me, bs = st->f->bsize, nblk, moved;
	int a = st->xfd[me], b = st->xfd[!me], r;
	unsigned char buf[4096];
	unsigned long n = 0;

	nblk = (4 << 20) / bs;
	while (stress_more(st, &n, STRESS_CAP_CROSS,
			   "a cross mover's op cap")) {
		uint64_t start = rnd(&s, nblk), len = 1 + rnd(&s, 512);

		r = mext(a, b, start, start, len, &moved);
		if (r && r != EBUSY && r != EINVAL && r != ENODATA) {
			stress_fail(st, "cross move: %s", strerror(r));
			break;
		}
		fill_random(&s, buf, sizeof(buf));
		if (write_all(a, buf, 1 + rnd(&s, sizeof(buf)),
			      rnd(&s, 4 << 20)))
			stress_fail(st, "cross write: %s", strerror(errno));
		__sync_fetch_and_add(&st->xmoves, 1);
		stress_nap(st, 5000);	/* leave the CPU to the verified files */
	}
	return NULL;
}

/*
 * Reads the donors while they are being moved into.  (Not through mmap:
 * UML 6.12's flush_tlb_mm() walks the VMAs without mmap_lock, and zapping
 * another thread's mapping of the donor, as the move's page cache
 * truncation does, makes lockdep report "suspicious RCU usage" in
 * arch/um, whatever the filesystem.)
 */
static void *donor_reader(void *arg)
{
	struct stress *st = arg;
	uint64_t s = seed * 55;
	size_t dsz = st->size + (1 << 20);
	unsigned char *buf = malloc(1 << 16);
	unsigned long n = 0;

	while (buf && stress_more(st, &n, STRESS_CAP_READ,
				  "the donor reader's op cap")) {
		int fd = st->dfd[rnd(&s, 2)];
		size_t off = rnd(&s, dsz - (1 << 16));

		if (pread(fd, buf, 1 << 16, off) < 0)
			stress_fail(st, "donor read: %s", strerror(errno));
		__sync_fetch_and_add(&st->reads, 1);
		stress_nap(st, 2000);
	}
	free(buf);
	return NULL;
}

struct wargs {
	struct stress *st;
	int id;
};

static void check_region(struct stress *st, int id, size_t lim, bool mm)
{
	size_t base = id * st->region, i;
	unsigned char *buf = malloc(st->region), *m = NULL;

	if (!buf)
		return;
	if (mm) {
		m = mmap(NULL, st->region, PROT_READ, MAP_SHARED, st->ofd,
			 base);
		if (m == MAP_FAILED) {
			stress_fail(st, "writer %d: mmap: %s", id,
				    strerror(errno));
			free(buf);
			return;
		}
		memcpy(buf, m, lim);
		munmap(m, st->region);
	} else if (read_all(st->ofd, buf, lim, base)) {
		stress_fail(st, "writer %d: read: %s", id, strerror(errno));
		free(buf);
		return;
	}
	for (i = 0; i < lim; i++)
		if (buf[i] != st->model[base + i]) {
			stress_fail(st, "writer %d: byte %zu is %#x, model %#x"
				    " (%s)", id, base + i, buf[i],
				    st->model[base + i], mm ? "mmap" : "read");
			break;
		}
	free(buf);
}

static void *writer(void *arg)
{
	struct wargs *wa = arg;
	struct stress *st = wa->st;
	int id = wa->id;
	bool trunc = id == NR_WRITERS - 1;
	size_t base = id * st->region, R = st->region;
	uint64_t s = seed * 1000 + id;
	unsigned char *buf, *dio;
	unsigned long n = 0;
	size_t off, len;

	buf = malloc(R);
	if (!buf || posix_memalign((void **)&dio, 4096, 1 << 20)) {
		stress_fail(st, "writer %d: out of memory", id);
		free(buf);
		return NULL;
	}
	while (stress_more(st, &n, STRESS_CAP_WRITE, "a writer's op cap")) {
		unsigned char *m = st->model + base;
		size_t lim = trunc ? st->tsize - base : R;

		off = rnd(&s, R);
		len = 1 + rnd(&s, (R - off) < 65536 ? R - off : 65536);
		if (!trunc && len > R - off)
			len = R - off;
		switch (rnd(&s, 10)) {
		case 0:		/* buffered write */
		case 1:
			fill_random(&s, m + off, len);
			if (write_all(st->ofd, m + off, len, base + off))
				stress_fail(st, "pwrite: %s", strerror(errno));
			if (trunc && base + off + len > st->tsize)
				st->tsize = base + off + len;
			break;
		case 2: {	/* mmap write (into holes too) */
			unsigned char *p;

			if (off + len > lim)
				break;
			p = mmap(NULL, R, PROT_READ | PROT_WRITE, MAP_SHARED,
				 st->ofd, base);
			if (p == MAP_FAILED) {
				stress_fail(st, "mmap: %s", strerror(errno));
				break;
			}
			fill_random(&s, m + off, len);
			memcpy(p + off, m + off, len);
			if (rnd(&s, 2))
				msync(p, R, MS_SYNC);
			munmap(p, R);
			break;
		}
		case 3:		/* O_DIRECT write, 4 KiB aligned */
			off &= ~4095UL;
			len = (len + 4095) & ~4095UL;
			if (len > 1 << 20)
				len = 1 << 20;
			if (off + len > R)
				break;
			fill_random(&s, dio, len);
			if (pwrite(st->dio_fd, dio, len, base + off) !=
			    (ssize_t)len) {
				stress_fail(st, "O_DIRECT pwrite: %s",
					    strerror(errno));
				break;
			}
			memcpy(m + off, dio, len);
			if (trunc && base + off + len > st->tsize)
				st->tsize = base + off + len;
			break;
		case 4:		/* punch hole */
			if (off + len > lim)
				len = lim > off ? lim - off : 0;
			if (!len)
				break;
			if (fallocate(st->ofd, FALLOC_FL_PUNCH_HOLE |
				      FALLOC_FL_KEEP_SIZE, base + off, len))
				stress_fail(st, "punch: %s", strerror(errno));
			memset(m + off, 0, len);
			break;
		case 5:		/* zero range or preallocate */
			if (off + len > lim)
				len = lim > off ? lim - off : 0;
			if (!len)
				break;
			if (rnd(&s, 2)) {
				if (fallocate(st->ofd, FALLOC_FL_ZERO_RANGE |
					      FALLOC_FL_KEEP_SIZE, base + off,
					      len))
					stress_fail(st, "zero range: %s",
						    strerror(errno));
				memset(m + off, 0, len);
			} else if (fallocate(st->ofd, FALLOC_FL_KEEP_SIZE,
					     base + off, len)) {
				stress_fail(st, "fallocate: %s",
					    strerror(errno));
			}
			break;
		case 6:
			if (rnd(&s, 2) ? fsync(st->ofd) : fdatasync(st->ofd))
				stress_fail(st, "fsync: %s", strerror(errno));
			break;
		case 7:		/* truncate (own region only) */
			if (!trunc)
				goto verify;
			off = rnd(&s, R + 1);
			if (ftruncate(st->ofd, base + off))
				stress_fail(st, "ftruncate: %s",
					    strerror(errno));
			if (base + off < st->tsize)
				memset(m + off, 0, st->tsize - base - off);
			st->tsize = base + off;
			break;
		default:
verify:
			check_region(st, id, lim, rnd(&s, 2) && lim == R);
			break;
		}
		st->ops[id]++;
	}
	free(buf);
	free(dio);
	return NULL;
}

static void finish(void);

static void sysrq(char c)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, &c, 1) < 0)
			perror("sysrq");
		close(fd);
	}
}

/* Seconds by jiffies (from some origin), which only timer interrupts advance. */
static double jiffies_s(void)
{
	struct tms t;

	return (double)times(&t) / sysconf(_SC_CLK_TCK);
}

struct sthread {
	struct stress *st;
	void *(*fn)(void *);
	void *arg;
	pthread_t t;
	volatile int ended;
};

static void *sthread_main(void *p)
{
	struct sthread *t = p;

	t->fn(t->arg);
	stress_end(t->st, "a thread returned");
	t->ended = 1;
	sem_post(&t->st->done);
	return NULL;
}

/* Wake the threads still sleeping in stress_nap(). */
static void stress_kick(struct sthread *th, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!th[i].ended)
			pthread_kill(th[i].t, SIGUSR1);
}

/*
 * Wait for the stress threads: until the first one stops (each stops by
 * itself at the deadline or its op cap, and then stops all), then for
 * the rest.  A thread that has not ended two minutes after the stop is
 * hung: every task's stack goes to the console, the case fails and the
 * guest powers off (rather than running into the host's timeout with
 * nothing to show).  Once stopped, the wait polls the clock and yields
 * instead of sleeping, so that the watchdog works without timer
 * interrupts too.
 */
static void stress_wait(struct stress *st, struct sthread *th, int n,
			const char *name, double t0)
{
	double t1 = t0, j0 = jiffies_s(), until, kicked = 0;
	struct timespec ts;
	int left = n;

	while (!st->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (!sem_timedwait(&st->done, &ts))
			left--;
		if (now_s() >= st->deadline)
			stress_end(st, "the deadline");
		/* progress, so that a stall shows where it began */
		if (now_s() - t1 >= 30) {
			t1 = now_s();
			note("%s: %.0f s (by jiffies %.0f s), %lu moves, writer "
			     "ops %lu %lu %lu %lu %lu", name, t1 - t0,
			     jiffies_s() - j0, st->moves, st->ops[0], st->ops[1],
			     st->ops[2], st->ops[3], st->ops[4]);
		}
	}
	until = now_s() + 120;
	while (left > 0) {
		if (!sem_trywait(&st->done)) {
			left--;
			continue;
		}
		if (now_s() - kicked >= 1) {
			stress_kick(th, n);
			kicked = now_s();
		}
		if (now_s() >= until) {
			note("%s: a thread did not stop: blocked tasks, then "
			     "all tasks", name);
			fflush(stdout);
			sysrq('w');
			sysrq('t');
			report(false, name,
			       "a stress thread hangs (task dump on the console)");
			finish();
		}
		sched_yield();
	}
	while (n--)
		pthread_join(th[n].t, NULL);
}

static void stress(const struct fs *f, int secs)
{
	struct stress st;
	struct sthread th[NR_STHREADS];
	struct wargs wa[NR_WRITERS];
	struct sigaction sa;
	sigset_t usr1, oldmask;
	char name[64];
	int i, filler;
	long long d;
	double t0, j0;
	uint64_t s = seed;

	snprintf(name, sizeof(name), "%s/stress", f->tag);
	memset(&st, 0, sizeof(st));
	st.f = f;
	st.region = 2 << 20;
	st.size = NR_WRITERS * st.region;
	st.tsize = st.size;
	st.model = malloc(st.size);
	st.ofd = open(path(f, "s_orig"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	st.dio_fd = open(path(f, "s_orig"), O_RDWR | O_DIRECT);
	st.dfd[0] = open(path(f, "s_donor0"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	st.dfd[1] = open(path(f, "s_donor1"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	filler = open(path(f, "s_filler"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	st.xfd[0] = mkfile(path(f, "s_x0"), 4 << 20, O_RDWR);
	st.xfd[1] = mkfile(path(f, "s_x1"), 4 << 20, O_RDWR);
	if (!st.model || st.ofd < 0 || st.dio_fd < 0 || st.dfd[0] < 0 ||
	    st.dfd[1] < 0 || filler < 0 || st.xfd[0] < 0 || st.xfd[1] < 0) {
		report(false, name, "setup: %s", strerror(errno));
		return;
	}
	fill_random(&s, st.model, st.size);
	if (write_fragmented(st.ofd, filler, st.model, st.size,
			     2 * f->bsize) ||
	    fallocate(st.dfd[0], 0, 0, st.size + (1 << 20)) ||
	    fallocate(st.dfd[1], 0, 0, st.size + (1 << 20))) {
		report(false, name, "setup: %s", strerror(errno));
		return;
	}
	note("%s: %d s, seed %" PRIu64 ", %d extents at start", name, secs,
	     seed, fiemap(st.ofd, NULL, 0));
	st.secs = secs;
	sem_init(&st.done, 0, 0);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = stress_wake;
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	/* the threads inherit it blocked; see stress_nap() */
	pthread_sigmask(SIG_BLOCK, &usr1, &oldmask);
	for (i = 0; i < NR_STHREADS; i++) {
		th[i].st = &st;
		th[i].arg = &st;
		th[i].fn = i < 2 ? mover : i < 4 ? cross_mover : donor_reader;
		if (i >= 5) {
			wa[i - 5].st = &st;
			wa[i - 5].id = i - 5;
			th[i].arg = &wa[i - 5];
			th[i].fn = writer;
		}
	}
	j0 = jiffies_s();
	t0 = now_s();
	st.deadline = t0 + secs;
	for (i = 0; i < NR_STHREADS; i++)
		if (pthread_create(&th[i].t, NULL, sthread_main, &th[i])) {
			/* no recovery: the others may run already */
			die("pthread_create");
			finish();
		}
	stress_wait(&st, th, NR_STHREADS, name, t0);
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	sem_destroy(&st.done);
	note("%s: stopped by %s; all threads ended after %.1f s (by jiffies"
	     " %.1f s)", name, st.why, now_s() - t0, jiffies_s() - j0);
	note("%s: %lu moves, %lu blocks moved, %lu EBUSY, %lu cross moves,"
	     " %lu donor reads, writer ops %lu %lu %lu %lu %lu", name,
	     st.moves, st.moved_blocks, st.busy, st.xmoves, st.reads,
	     st.ops[0], st.ops[1], st.ops[2], st.ops[3], st.ops[4]);
	if (st.errors) {
		report(false, name, "%s", st.err);
		goto out;
	}
	report(st.moves >= 5, name, "only %lu moves", st.moves);

	/* quiesced: compare everything, page cache then disk */
	snprintf(name, sizeof(name), "%s/stress_final", f->tag);
	if (lseek(st.ofd, 0, SEEK_END) != (off_t)st.tsize) {
		report(false, name, "size %lld, model %zu",
		       (long long)lseek(st.ofd, 0, SEEK_END), st.tsize);
		goto out;
	}
	d = file_diff(st.ofd, st.model, st.tsize);
	if (d < 0) {
		uint64_t moved;
		int r = mext(st.ofd, st.dfd[0], 0, 0, st.size / f->bsize,
			     &moved);

		if (r)
			report(false, name, "final move: %s", strerror(r));
		fsync(st.ofd);
		drop_caches();
		d = file_diff(st.ofd, st.model, st.tsize);
		report(d < 0, name, "data differs at %lld after drop_caches",
		       d);
	} else {
		report(false, name, "data differs at %lld", d);
	}
out:
	close(st.ofd);
	close(st.dio_fd);
	close(st.dfd[0]);
	close(st.dfd[1]);
	close(filler);
	close(st.xfd[0]);
	close(st.xfd[1]);
	unlink(path(f, "s_x0"));
	unlink(path(f, "s_x1"));
	unlink(path(f, "s_orig"));
	unlink(path(f, "s_donor0"));
	unlink(path(f, "s_donor1"));
	unlink(path(f, "s_filler"));
	free(st.model);
}

/* ------------------------------------------------------------ bench */

/* handles = transactions * handles-per-transaction, from jbd2's info */
static double jbd2_handles(void)
{
	glob_t g;
	double tx = 0, per = 0;
	char line[256];
	FILE *f;

	if (glob("/proc/fs/jbd2/ubda*/info", 0, NULL, &g) || !g.gl_pathc)
		return -1;
	f = fopen(g.gl_pathv[0], "r");
	globfree(&g);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long v;

		/* (sscanf stops at the first literal that differs, so
		 * match the words first) */
		if (strstr(line, " transactions (") &&
		    sscanf(line, "%lu", &v) == 1)
			tx = v;
		if (strstr(line, "handles per transaction") &&
		    sscanf(line, " %lu", &v) == 1)
			per = v;
	}
	fclose(f);
	printf("MEXT NOTE jbd2: %.0f transactions, %.0f handles each\n", tx,
	       per);
	/* the average is rounded down: up to @tx handles are not counted */
	return tx * per;
}

static double jbd2_commits(void)
{
	glob_t g;
	char line[256];
	unsigned long v = 0;
	FILE *f;

	if (glob("/proc/fs/jbd2/ubda*/info", 0, NULL, &g) || !g.gl_pathc)
		return -1;
	f = fopen(g.gl_pathv[0], "r");
	globfree(&g);
	if (f && fgets(line, sizeof(line), f) && sscanf(line, "%lu", &v) != 1)
		v = 0;
	if (f)
		fclose(f);
	return v;
}

static int remount_a(void)
{
	sync();
	if (umount("/mnt/a"))
		return -1;
	return mnt("/dev/ubda", "/mnt/a", NULL);
}

/* Bench data: chunk @k of the file, reproducible from the seed. */
static void bench_chunk(unsigned char *p, size_t n, uint64_t k)
{
	uint64_t s = seed ^ (k * 0x9e3779b97f4a7c15ULL);

	fill_random(&s, p, n);
}

/*
 * Fragment: 16 KiB O_DIRECT chunks alternating with a filler file, both
 * allocating from the locality-group preallocation (see mnt()).
 */
static int bench_fragment(size_t size)
{
	const size_t chunk = 16384;
	unsigned char *b;
	int fd, ffd;
	size_t off;

	fd = open("/mnt/a/frag", O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0644);
	ffd = open("/mnt/a/filler", O_RDWR | O_CREAT | O_TRUNC | O_DIRECT,
		   0644);
	if (fd < 0 || ffd < 0 || posix_memalign((void **)&b, 4096, chunk))
		return -1;
	for (off = 0; off < size; off += chunk) {
		bench_chunk(b, chunk, off / chunk);
		if (pwrite(fd, b, chunk, off) != (ssize_t)chunk ||
		    pwrite(ffd, b, chunk, off) != (ssize_t)chunk)
			return -1;
	}
	free(b);
	fsync(fd);
	close(fd);
	close(ffd);
	return unlink("/mnt/a/filler");
}

/* First differing offset of /mnt/a/frag from the bench data, or -1. */
static long long bench_verify(int fd, size_t size)
{
	const size_t chunk = 16384;
	unsigned char *want = malloc(chunk), *got = malloc(chunk);
	long long bad = -1;
	size_t off;

	for (off = 0; want && got && off < size && bad < 0; off += chunk) {
		bench_chunk(want, chunk, off / chunk);
		if (read_all(fd, got, chunk, off) || memcmp(want, got, chunk))
			bad = off;
	}
	free(want);
	free(got);
	return bad;
}

/*
 * The benchmark, in two kinds of boots on the same image.  bench_prep(),
 * once: on the empty filesystem, first the donor and the copy target are
 * preallocated (contiguous, as a defragmenter's donor would be), then the
 * file is fragmented.  The host keeps that image and boots each timed run
 * (bench_run()) on a fresh copy of it, so every run moves the same file
 * with the same layout, from a cold cache.  cp (read + write + fsync into
 * the preallocated target) and the move (one call over the whole file +
 * fsync) both start from a fresh mount with a cold cache, and both write
 * into preallocated space.
 */
static void bench_prep(int mb)
{
	size_t size = (size_t)mb << 20;
	int ofd, dfd, cfd, next;
	double t0;

	small_file_alloc("/dev/ubda", false);
	dfd = open("/mnt/a/donor", O_RDWR | O_CREAT | O_TRUNC, 0644);
	cfd = open("/mnt/a/copy", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (dfd < 0 || cfd < 0 || fallocate(dfd, 0, 0, size) ||
	    fallocate(cfd, 0, 0, size) || fsync(dfd) || fsync(cfd)) {
		die("bench donor");
		return;
	}
	note("bench: donor has %d extents, copy target %d",
	     fiemap(dfd, NULL, 0), fiemap(cfd, NULL, 0));
	close(dfd);
	close(cfd);

	small_file_alloc("/dev/ubda", true);
	t0 = now_s();
	if (bench_fragment(size)) {
		die("bench fragment");
		return;
	}
	ofd = open("/mnt/a/frag", O_RDWR);
	next = fiemap(ofd, NULL, 0);
	note("bench: wrote %d MiB in %d extents in %.1f s", mb, next,
	     now_s() - t0);
	report(next >= 50000 * mb / 1024, "bench/fragmented",
	       "only %d extents", next);
	close(ofd);
	sync();
}

/*
 * The copy cp wrote into its preallocated (contiguous) target stays on the
 * image: the host boots again to read it and the moved file cold (see
 * bench_read()).
 */
static void bench_copy_stats(void)
{
	int fd = open("/mnt/a/copy", O_RDONLY);

	if (fd < 0) {
		die("bench: copy");
		return;
	}
	printf("MEXT BENCH copy_extents=%d\n", fiemap(fd, NULL, 0));
	printf("MEXT BENCH copy_tree_blocks=%lld\n", tree_blocks(fd, 4096));
	close(fd);
}

/* Read requests completed by /dev/ubda, and sectors read (block stat). */
static void disk_reads(unsigned long long *ios, unsigned long long *sectors)
{
	FILE *f = fopen("/sys/block/ubda/stat", "r");

	*ios = *sectors = 0;
	if (!f || fscanf(f, "%llu %*u %llu", ios, sectors) != 2)
		die("/sys/block/ubda/stat");
	if (f)
		fclose(f);
}

/*
 * A boot of its own for one cold sequential read of /mnt/a/@name (1 MiB
 * reads), mounted read-only: nothing of the file is cached in the guest,
 * and the host dropped its cache of the image file before the boot, so
 * the read, its extent-tree blocks included, comes from the host's disk.
 */
static void bench_read(const char *name)
{
	size_t chunk = 1 << 20, off;
	unsigned char *buf = malloc(chunk);
	unsigned long long ios0, ios1, sec0, sec1;
	struct stat sb;
	char p[64];
	double t0, t;
	int fd;

	mkdir("/mnt/a", 0755);
	if (!buf || mount("/dev/ubda", "/mnt/a", "ext4", MS_RDONLY, NULL)) {
		die("bench read: mount");
		free(buf);
		return;
	}
	snprintf(p, sizeof(p), "/mnt/a/%s", name);
	fd = open(p, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb)) {
		die("bench read: open");
		free(buf);
		return;
	}
	disk_reads(&ios0, &sec0);
	t0 = now_s();
	for (off = 0; off < (size_t)sb.st_size; off += chunk)
		if (read_all(fd, buf, chunk, off))
			break;
	t = now_s() - t0;
	disk_reads(&ios1, &sec1);
	report(off >= (size_t)sb.st_size, "bench/read", "%s: read failed at %zu",
	       name, off);
	printf("MEXT BENCH read_s=%.3f\n", t);
	/* requests the read made of the disk: data, and extent-tree blocks */
	printf("MEXT BENCH read_ios=%llu\n", ios1 - ios0);
	printf("MEXT BENCH read_kib=%llu\n", (sec1 - sec0) / 2);
	printf("MEXT BENCH tree_blocks=%lld\n", tree_blocks(fd, 4096));
	close(fd);
	umount("/mnt/a");
	free(buf);
}

/*
 * e4d_mode=tool: a user's run of a program on the image of
 * tests/bench/uml-defrag.sh, for its numbers: @tool (e4defrag2, e4defrag
 * or cp, from /bin of the guest's root) on each of the comma-separated
 * @paths under the image's root, timed up to the end of the sync that puts
 * its work on the disk. cp copies the path to PATH.copy.
 */
static void tool_run(const char *tool, const char *paths)
{
	char list[256], *p, *save = NULL, prog[64], file[300], copy[310];
	double t0, t;
	int st, fd;
	pid_t pid;

	snprintf(list, sizeof(list), "%s", paths);
	snprintf(prog, sizeof(prog), "/bin/%s", tool);
	for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *argv[4] = { prog, file, NULL, NULL };

		snprintf(file, sizeof(file), "/mnt/a/%s", p);
		snprintf(copy, sizeof(copy), "%s.copy", file);
		if (!strcmp(tool, "e4defrag2")) {
			argv[1] = "--no-progress";
			argv[2] = file;
		} else if (!strcmp(tool, "cp")) {
			argv[2] = copy;
		}
		t0 = now_s();
		pid = fork();
		if (pid == 0) {
			/* e4defrag2's summary goes to the console */
			if (strcmp(tool, "e4defrag2")) {
				fd = open("/dev/null", O_WRONLY);
				if (fd >= 0)
					dup2(fd, 1);
			}
			execv(prog, argv);
			_exit(127);
		}
		st = -1;
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			st = -1;
		sync();
		t = now_s() - t0;
		report(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tool/run",
		       "%s %s: status %#x", tool, file, st);
		printf("MEXT BENCH tool_%s_s=%.3f\n", p, t);
		fd = open(file, O_RDONLY);
		if (fd >= 0) {
			struct stat sb;

			if (!fstat(fd, &sb) && S_ISREG(sb.st_mode))
				printf("MEXT BENCH tool_%s_tree_blocks=%lld\n",
				       p, tree_blocks(fd, 4096));
			close(fd);
		}
	}
}

static void bench_run(int mb)
{
	size_t size = (size_t)mb << 20, chunk = 1 << 20, off;
	unsigned char *buf = malloc(chunk);
	uint64_t moved;
	int ofd, dfd, cfd, next, r;
	double t0, tmove, tioctl, tcp, h0, h1;
	long long d;
	struct stat sb;

	ofd = open("/mnt/a/frag", O_RDONLY);
	if (!buf || ofd < 0 || fstat(ofd, &sb) || sb.st_size != (off_t)size) {
		die("bench: no prepared file of the right size");
		return;
	}
	next = fiemap(ofd, NULL, 0);
	printf("MEXT BENCH extents=%d\n", next);
	report(next >= 50000 * mb / 1024, "bench/fragmented",
	       "only %d extents", next);
	close(ofd);

	/* cp */
	if (remount_a()) {
		die("remount");
		return;
	}
	small_file_alloc("/dev/ubda", false);
	drop_caches();
	ofd = open("/mnt/a/frag", O_RDONLY);
	cfd = open("/mnt/a/copy", O_RDWR);
	t0 = now_s();
	for (off = 0; off < size; off += chunk) {
		if (read_all(ofd, buf, chunk, off) ||
		    write_all(cfd, buf, chunk, off)) {
			die("cp");
			return;
		}
	}
	fsync(cfd);
	tcp = now_s() - t0;
	printf("MEXT BENCH cp_s=%.3f\n", tcp);
	close(ofd);
	close(cfd);

	/* the move */
	if (remount_a()) {
		die("remount");
		return;
	}
	small_file_alloc("/dev/ubda", false);
	drop_caches();
	ofd = open("/mnt/a/frag", O_RDWR);
	dfd = open("/mnt/a/donor", O_RDWR);
	/* commit what the mount did, so that only the move is counted */
	sync();
	h0 = jbd2_handles();
	t0 = now_s();
	r = mext(ofd, dfd, 0, 0, size / 4096, &moved);
	tioctl = now_s() - t0;
	fsync(ofd);
	tmove = now_s() - t0;
	/* jbd2 counts committed transactions only: commit the running one */
	sync();
	h1 = jbd2_handles();
	report(!r && moved == size / 4096, "bench/move", "rc %s moved %" PRIu64,
	       strerror(r), moved);
	printf("MEXT BENCH move_s=%.3f\n", tmove);
	printf("MEXT BENCH move_ioctl_s=%.3f\n", tioctl);
	printf("MEXT BENCH handles_gib=%.0f\n", (h1 - h0) * 1024.0 / mb);
	printf("MEXT BENCH commits_gib=%.0f\n", jbd2_commits() * 1024.0 / mb);
	printf("MEXT BENCH extents_after=%d\n", fiemap(ofd, NULL, 0));
	close(dfd);
	close(ofd);
	unlink("/mnt/a/donor");
	/* FIEMAP again without the extent status cache: on-disk records */
	if (remount_a()) {
		die("remount");
		return;
	}
	ofd = open("/mnt/a/frag", O_RDONLY);
	printf("MEXT BENCH extents_ondisk=%d\n", fiemap(ofd, NULL, 0));
	d = bench_verify(ofd, size);
	report(d < 0, "bench/data", "data differs at %lld", d);
	printf("MEXT BENCH tree_blocks=%lld\n", tree_blocks(ofd, 4096));
	close(ofd);
	bench_copy_stats();
	free(buf);
}

/* ------------------------------------------------------------ main */

static void lockdep_still_on(void)
{
	FILE *f = fopen("/proc/lockdep_stats", "r");
	char line[256];
	bool on = false;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "debug_locks:") && strstr(line, " 1"))
			on = true;
	if (f)
		fclose(f);
	report(on, "lockdep_still_on", "lockdep turned itself off");
}

static void finish(void)
{
	char code[16];
	int fd;

	printf("MEXT DONE passed=%d failed=%d\n", passes, failures);
	fflush(stdout);
	sync();
	fd = open("/proc/exitcode", O_WRONLY);
	if (fd >= 0) {
		snprintf(code, sizeof(code), "%d\n",
			 failures > 100 ? 100 : failures);
		if (write(fd, code, strlen(code)) < 0)
			perror("exitcode");
		close(fd);
	}
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/*
 * Every file counts as "small" for mballoc, so that all allocate from the
 * shared locality-group preallocation in the order the writes come: the
 * way to get files with many extents quickly.
 */
static void small_file_alloc(const char *dev, bool on)
{
	const char *v = on ? "1000000000\n" : "16\n";
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/sys/fs/ext4/%s/mb_stream_req", dev + 5);
	fd = open(p, O_WRONLY);
	if (fd < 0 || write(fd, v, strlen(v)) != (ssize_t)strlen(v))
		die("mb_stream_req");
	if (fd >= 0)
		close(fd);
}

static int mnt(const char *dev, const char *dir, const char *opts)
{
	mkdir(dir, 0755);
	if (mount(dev, dir, "ext4", 0, opts)) {
		printf("MEXT FAIL mount %s: %s\n", dev, strerror(errno));
		failures++;
		return -1;
	}
	small_file_alloc(dev, true);
	return 0;
}

static int write_str(const char *file, const char *v)
{
	int fd = open(file, O_WRONLY), r = -1;

	if (fd >= 0) {
		if (write(fd, v, strlen(v)) == (ssize_t)strlen(v))
			r = 0;
		close(fd);
	}
	return r;
}

static const char *env(const char *k, const char *def)
{
	const char *v = getenv(k);

	return v ? v : def;
}

int main(void)
{
	const char *mode = env("e4d_mode", "check");
	int secs = atoi(env("e4d_stress", "60"));
	int c = open("/dev/console", O_RDWR);
	const struct fs f4 = { "/mnt/a", 4096, "4k", "ubda" };
	const struct fs f1 = { "/mnt/b", 1024, "1k", "ubdb" };
	const struct {
		const char *mode;
		void (*run)(const struct fs *f);
	} groups[] = {
		{ "eio", read_errors },		/* data reads fail */
		{ "enomem", alloc_errors },	/* allocations fail */
		{ "treeio", tree_errors },	/* tree-block reads fail */
	};
	unsigned int i;

	if (c >= 0) {
		dup2(c, 0);
		dup2(c, 1);
		dup2(c, 2);
		if (c > 2)
			close(c);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	/* fault injection's knobs (read_errors()); absent from perf kernels */
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	seed = strtoull(env("e4d_seed", "1"), NULL, 0);
	env_fi_verbose = env("e4d_fi_verbose", "0\n");
	fa_only = atol(env("e4d_fa_nth", "0"));
	printf("MEXT NOTE mode %s seed %" PRIu64 "\n", mode, seed);

	if (!strcmp(mode, "tool")) {
		/* as for the bench (below): UML's GFP_ATOMIC requests */
		if (write_str("/proc/sys/vm/min_free_kbytes", "131072\n"))
			die("min_free_kbytes");
		if (!mnt("/dev/ubda", "/mnt/a", NULL)) {
			/* ext4's allocator as users have it (mnt() tunes it) */
			small_file_alloc("/dev/ubda", false);
			tool_run(env("e4d_tool", "e4defrag2"),
				 env("e4d_paths", "big"));
		}
		umount("/mnt/a");
		finish();
	}
	if (!strcmp(mode, "bench_read")) {
		bench_read(env("e4d_file", "frag"));
		finish();
	}
	if (!strcmp(mode, "bench") || !strcmp(mode, "bench_prep")) {
		int mb = atoi(env("e4d_mb", "1024"));

		/*
		 * The bench fills the page cache at full speed, faster than
		 * kswapd frees memory on this one CPU, and UML's block
		 * driver allocates each request with GFP_ATOMIC: without a
		 * larger reserve that allocation fails now and then with a
		 * warning (the request is retried, nothing is lost), on
		 * either kernel.
		 */
		if (write_str("/proc/sys/vm/min_free_kbytes", "131072\n"))
			die("min_free_kbytes");
		if (!mnt("/dev/ubda", "/mnt/a", NULL)) {
			if (!strcmp(mode, "bench"))
				bench_run(mb);
			else
				bench_prep(mb);
		}
		umount("/mnt/a");
		/* the "perf" bench kernels are built without lockdep */
		if (access("/proc/lockdep_stats", F_OK) == 0)
			lockdep_still_on();
		else
			note("no lockdep in this kernel");
		finish();
	}
	/* one group of cases alone (uml.sh eio|enomem|treeio ours|stock) */
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (strcmp(mode, groups[i].mode))
			continue;
		if (!mnt("/dev/ubda", "/mnt/a", NULL) &&
		    !mnt("/dev/ubdb", "/mnt/b", NULL)) {
			groups[i].run(&f4);
			groups[i].run(&f1);
		}
		umount("/mnt/a");
		umount("/mnt/b");
		lockdep_still_on();
		finish();
	}
	if (mnt("/dev/ubda", "/mnt/a", NULL) ||
	    mnt("/dev/ubdb", "/mnt/b", NULL) ||
	    mnt("/dev/ubdc", "/mnt/c", NULL) ||
	    mnt("/dev/ubdd", "/mnt/f", NULL) ||
	    mnt("/dev/ubde", "/mnt/j", "data=journal"))
		finish();
	functional(&f4);
	functional(&f1);
	pingpong(&f4);
	pingpong(&f1);
	compact(&f4);
	compact(&f1);
	datasync();
	donor_write(0);
	donor_write(1);
	refusals();
	read_errors(&f4);
	read_errors(&f1);
	alloc_errors(&f4);
	alloc_errors(&f1);
	tree_errors(&f4);
	tree_errors(&f1);
	stress(&f4, secs * 2 / 3);
	stress(&f1, secs - secs * 2 / 3);
	umount("/mnt/a");
	umount("/mnt/b");
	umount("/mnt/c");
	umount("/mnt/f");
	umount("/mnt/j");
	lockdep_still_on();
	finish();
	return 0;
}
