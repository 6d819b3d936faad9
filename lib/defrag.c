// SPDX-License-Identifier: GPL-2.0
/*
 * defrag.c - one file: reopen, revalidate, donor per window, move, verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "e4d/ahead.h"
#include "e4d/budget.h"
#include "e4d/defrag.h"
#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/score.h"
#include "e4d/sys.h"
#include "e4d/tree.h"

#define MIB		(1ull << 20)
#define E4D_DONOR_TRIES	4	/* donors tried per window */
#define E4D_NAP_SLICE	(20 * 1000 * 1000ull)	/* ns: rate-limit naps */

struct job {
	const struct e4d_ctx *ctx;
	const struct e4d_fs *fs;
	const struct e4d_cand *c;
	const struct e4d_defrag_opts *o;
	struct e4d_defrag_result *res;
	unsigned int bs;
	int fd;
	bool leased;		/* we hold a write lease on fd */
	uint64_t committed;	/* res->mv.moved at commit_moves() */
	volatile sig_atomic_t halt;	/* stop after the current chunk */
	char *dir;		/* the file's directory */
	struct e4d_extents el;	/* the file */
	bool el_fresh;		/* el was just read: no need to again */
	struct e4d_extents del;	/* the donor */
	struct e4d_extents best;	/* the best donor so far */
	uint64_t ours_below;	/* blocks read ahead for us (e4d/ahead.h) */
	uint64_t dropped_below;	/* [0, n): the moves dropped their pages */
	struct e4d_first_move *first;	/* to move alone first (e4d/tree.h) */
	size_t nfirst;
};

static enum e4d_skip skip_of_open_error(int err)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
		return E4D_SKIP_PERM;
	case -ETXTBSY:
	case -EWOULDBLOCK:
	case -EBUSY:
		return E4D_SKIP_BUSY;
	case -ENOENT:
	case -ELOOP:
	case -ENOTDIR:
		return E4D_SKIP_CHANGED;
	default:
		return E4D_SKIP_NONE;
	}
}

static int fail(struct job *j, int err, const char *what)
{
	j->res->err = err;
	j->res->what = what;
	return 0;
}

/*
 * A write lease: refused (EAGAIN) while another process has the file open;
 * broken when one opens it later. The lease's signal (SIGIO, whose default
 * action ends the process) is not wanted: the lease is polled between
 * chunks instead, so the owner the kernel set for it is cleared again.
 */
static int take_lease(struct job *j)
{
	if (fcntl(j->fd, F_SETLEASE, F_WRLCK) < 0) {
		if (errno == EAGAIN || errno == EBUSY) {
			j->res->skip = E4D_SKIP_BUSY;
			return 1;
		}
		e4d_msg(j->ctx, E4D_DEBUG, "%s: no lease (%s): moved without",
			j->c->path, strerror(errno));
		return 0;
	}
	fcntl(j->fd, F_SETOWN, 0);
	j->leased = true;
	return 0;
}

/*
 * Commit the journal once a file has moved. The stock ioctl does not make
 * fsync() or fdatasync() of the file wait for the transaction of its swaps
 * (ours does), so an overwrite another process made durable with
 * fdatasync() before the journal's next commit (5 s) could be lost in a
 * crash, recovery giving the file its old blocks back (measured on 6.18).
 * fsync() of a directory forces a full commit on ext4 since Linux 5.10,
 * fast commits included: the swaps, and the moved data before them (it is
 * ordered data), so it waits for the writeback of what is still cached.
 * With a lease, done before the lease is given back: until then no other
 * process has the file open. Again for what moved since, if anything did.
 */
static void commit_moves(struct job *j)
{
	const char *dir = j->fs->mountpoint ? j->fs->mountpoint : j->dir;
	int fd, ret;

	if (j->res->mv.moved <= j->committed)
		return;
	j->committed = j->res->mv.moved;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		e4d_msg(j->ctx, E4D_DEBUG, "%s: cannot commit the journal: "
			"%s", dir, strerror(errno));
		return;
	}
	ret = j->ctx->ops->fsync(fd);
	if (ret < 0)
		e4d_msg(j->ctx, E4D_DEBUG, "%s: journal commit: %s", dir,
			strerror(-ret));
	close(fd);
}

void e4d_defrag_run_commit(struct e4d_defrag_run *run)
{
	if (!run || !run->uncommitted)
		return;
	run->commit_ops->fsync(run->commit_fd);
	close(run->commit_fd);
	run->uncommitted = false;
}

/*
 * A file moved without a lease: no other process is kept from it, so its
 * commit cannot wait for anything; but a commit (a journal write and a
 * cache flush) costs more than moving a small file. The files moved
 * within E4D_COMMIT_DELAY share one: it is made once that much time has
 * passed since the first of them (checked after each chunk and file),
 * before a file of another filesystem, and at the end of the run or of
 * each path (e4d_defrag_run_commit()). Data another process made durable
 * with fdatasync() meanwhile (see commit_moves()) is exposed that long.
 */
static void defer_commit(struct job *j)
{
	struct e4d_defrag_run *run = j->o->run;
	const char *dir = j->fs->mountpoint ? j->fs->mountpoint : j->dir;
	int fd;

	if (j->res->mv.moved <= j->committed)
		return;
	if (run->uncommitted && run->commit_dev != j->fs->devno)
		e4d_defrag_run_commit(run);
	if (!run->uncommitted) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			commit_moves(j);	/* says why, in -vv */
			return;
		}
		run->commit_fd = fd;
		run->commit_dev = j->fs->devno;
		run->commit_ops = j->ctx->ops;
		run->commit_since = e4d_clock_monotonic(NULL);
		run->uncommitted = true;
	}
	j->committed = j->res->mv.moved;
}

/* Make the run's shared commit when it is due. */
static void commit_if_due(struct e4d_defrag_run *run)
{
	if (run && run->uncommitted &&
	    e4d_clock_monotonic(NULL) - run->commit_since >= E4D_COMMIT_DELAY)
		e4d_defrag_run_commit(run);
}

static void give_lease_back(struct job *j)
{
	if (j->leased) {
		commit_moves(j);
		fcntl(j->fd, F_SETLEASE, F_UNLCK);
	}
	j->leased = false;
}

/* Whether another process opened the file: then the lease is given back
 * at once, so that its open() returns, and the file is left.
 */
static bool lease_broken(struct job *j)
{
	if (!j->leased || fcntl(j->fd, F_GETLEASE) == F_WRLCK)
		return false;
	give_lease_back(j);
	j->res->released = true;
	e4d_msg(j->ctx, E4D_INFO, "%s: opened by another process: released",
		j->c->path);
	return true;
}

/* Between chunks and windows: whether to stop now, and why (in res). */
static bool must_halt(struct job *j)
{
	if (lease_broken(j))
		j->halt = 1;
	if (j->o->budget && e4d_budget_is_expired(j->o->budget)) {
		j->res->expired = true;
		j->halt = 1;
	}
	if (j->o->stop && *j->o->stop)
		j->halt = 1;
	return j->halt || j->res->released;
}

/* After each ioctl (from e4d_move_window): progress, then the rate limit,
 * slept in slices so that a lease break or a signal is answered at once.
 */
static void chunk_done(void *arg, uint64_t blocks)
{
	struct job *j = arg;
	uint64_t delay, nap;

	if (j->o->progress)
		j->o->progress(j->o->progress_arg, blocks);
	commit_if_due(j->o->run);
	if (!j->o->budget)
		goto out_check;
	delay = e4d_budget_account(j->o->budget, blocks * j->bs);
	while (delay && !must_halt(j)) {
		nap = delay < E4D_NAP_SLICE ? delay : E4D_NAP_SLICE;
		e4d_sleep_ns(nap);
		delay -= nap;
	}
out_check:
	must_halt(j);
}

/* Reopen read-write and make sure it is still the file scanned. */
static int reopen(struct job *j)
{
	unsigned int fl = 0;
	struct stat st;
	int ret;

	ret = e4d_fs_open_cand(j->ctx, j->fs, j->c, O_RDWR, &j->fd, &st);
	if (ret < 0 && j->fd < 0) {
		j->res->skip = skip_of_open_error(ret);
		return j->res->skip ? 1 : fail(j, ret, "open") - 1;
	}
	if (ret < 0)
		return fail(j, ret, "fstat") - 1;
	if (ret || !st.st_nlink) {
		j->res->skip = E4D_SKIP_CHANGED;
		return 1;
	}
	ret = j->ctx->ops->getflags(j->fd, &fl);
	if (!ret && (fl & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
		j->res->skip = E4D_SKIP_UNMOVABLE;
		j->res->why = fl & FS_IMMUTABLE_FL ? E4D_WHY_IMMUTABLE :
			      E4D_WHY_APPEND;
		return 1;
	}
	if (j->o->min_age) {
		int64_t now = j->o->now ? j->o->now : (int64_t)time(NULL);

		if (st.st_mtime > now - (int64_t)j->o->min_age) {
			j->res->skip = E4D_SKIP_RECENT;
			return 1;
		}
	}
	return j->o->lease ? take_lease(j) : 0;
}

static uint64_t avail_bytes(struct job *j)
{
	struct statvfs sv;

	if (statvfs(j->dir, &sv) < 0)
		return 0;
	return (uint64_t)sv.f_bavail * sv.f_frsize;
}

static uint64_t reserve_bytes(struct job *j)
{
	uint64_t r = j->o->reserve;

	if (!r) {
		r = j->fs->geom.blocks_count * j->bs / 100;
		if (r < 4 * MIB)
			r = 4 * MIB;
	}
	return r;
}

static int donor_open(struct job *j)
{
	int fd = j->ctx->ops->tmpfile(j->dir);

	if (fd < 0 && j->fs->mountpoint && fd != -ENOSPC && fd != -EDQUOT)
		fd = j->ctx->ops->tmpfile(j->fs->mountpoint);
	return fd;
}

/* Allocate the donor over the file's mapped ranges in [s, t): logically
 * contiguous extents are one fallocate.
 */
static int donor_alloc(struct job *j, int dfd, uint64_t s, uint64_t t)
{
	size_t pos = 0;
	uint64_t a, b;
	int ret;

	while (e4d_extents_next_run(&j->el, &pos, 0, s, t, &a, &b)) {
		ret = j->ctx->ops->fallocate(dfd, 0, (off_t)a * j->bs,
					     (off_t)(b - a) * j->bs);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void swap_lists(struct e4d_extents *a, struct e4d_extents *b)
{
	struct e4d_extents t = *a;

	*a = *b;
	*b = t;
}

/* Open and allocate one donor; its extents land in j->del.
 * Return: fd, -1 (no space or no permission: res->skip), -2 (res->err).
 */
static int try_donor(struct job *j, uint64_t s, uint64_t t, bool first)
{
	int dfd = donor_open(j), ret;

	if (dfd < 0) {
		if (dfd == -ENOSPC || dfd == -EDQUOT) {
			if (first)
				j->res->skip = E4D_SKIP_NOSPACE;
			return -1;
		}
		if (skip_of_open_error(dfd) == E4D_SKIP_PERM) {
			j->res->skip = E4D_SKIP_PERM;
			return -1;
		}
		return fail(j, dfd, "donor") - 2;
	}
	ret = donor_alloc(j, dfd, s, t);
	if (!ret)
		ret = e4d_fiemap_read(j->ctx, dfd, j->bs, 0, &j->del);
	if (ret == -ENOSPC || ret == -EDQUOT) {
		if (first)
			j->res->skip = E4D_SKIP_NOSPACE;
		close(dfd);
		return -1;
	}
	if (ret < 0) {
		close(dfd);
		return fail(j, ret, "donor fallocate") - 2;
	}
	return dfd;
}

/*
 * A donor for [s, t) whose layout is clearly better than the file's. A
 * donor as good as the filesystem allows is taken at once. Otherwise it is
 * kept allocated and another one tried: the allocator's nearby pieces are
 * taken now, so the next allocation has to look further. The best one is
 * used; the others are released at the end.
 * Return: a donor fd (its extents in j->del); -1 when there is none
 * (res->skip or the freefrag count says why); -2 when the file failed.
 */
static int get_donor(struct job *j, uint64_t s, uint64_t t, uint64_t runs_o,
		     uint64_t blocks)
{
	uint64_t need = blocks * j->bs, runs, best_runs = UINT64_MAX;
	uint64_t ideal = e4d_ideal_extents(&j->fs->geom, blocks);
	int held[E4D_DONOR_TRIES];
	int i, nheld = 0, dfd, best = -1;

	for (i = 0; i < E4D_DONOR_TRIES; i++) {
		if (need + reserve_bytes(j) > avail_bytes(j)) {
			if (!i)
				j->res->skip = E4D_SKIP_NOSPACE;
			break;
		}
		dfd = try_donor(j, s, t, !i);
		if (dfd == -2) {
			best_runs = UINT64_MAX;
			break;
		}
		if (dfd < 0)
			break;
		runs = e4d_runs_in(&j->del, s, t, NULL);
		e4d_msg(j->ctx, E4D_DEBUG, "%s: window %llu+%llu: %llu runs, "
			"donor %d: %llu, ideal %llu", j->c->path,
			(unsigned long long)s, (unsigned long long)(t - s),
			(unsigned long long)runs_o, i,
			(unsigned long long)runs, (unsigned long long)ideal);
		if (runs < best_runs) {
			if (best >= 0)
				held[nheld++] = best;
			best = dfd;
			best_runs = runs;
			swap_lists(&j->del, &j->best);
		} else {
			held[nheld++] = dfd;
		}
		if (best_runs <= ideal)
			break;
		/* blocks freed by earlier moves are reusable only once the
		 * journal commits: a donor's fsync commits it
		 */
		j->ctx->ops->fsync(dfd);
	}
	while (nheld--)
		close(held[nheld]);
	if (best >= 0 && best_runs < runs_o &&
	    (best_runs <= ideal + 1 || best_runs * 5 <= runs_o * 4)) {
		swap_lists(&j->del, &j->best);
		return best;
	}
	if (best >= 0)
		close(best);
	if (j->res->err)
		return -2;
	if (!j->res->skip)
		j->res->windows_freefrag++;
	return -1;
}

/* One window: 0 moved or nothing to do, 1 end of the file, <0 error. */
static int do_window(struct job *j, uint64_t s, uint64_t t,
		     struct e4d_move_opts *mo)
{
	uint64_t blocks, runs_o, before = j->res->mv.moved;
	int dfd, ret;

	if (!j->el_fresh) {
		ret = e4d_fiemap_read(j->ctx, j->fd, j->bs, 1, &j->el);
		if (ret < 0)
			return fail(j, ret, "FIEMAP") - 1;
	}
	j->el_fresh = false;
	runs_o = e4d_runs_in(&j->el, s, t, &blocks);
	if (runs_o <= 1 || runs_o <= e4d_ideal_extents(&j->fs->geom, blocks))
		return 0;
	j->res->windows++;
	/* the blocks the last window gave up are free once this commits */
	if (j->res->windows_moved)
		j->ctx->ops->fsync(j->fd);
	dfd = get_donor(j, s, t, runs_o, blocks);
	if (dfd < -1)
		return -1;
	if (dfd < 0)
		return 0;
	ret = e4d_move_window(j->ctx, j->fd, dfd, &j->el, &j->del, s, t, mo,
			      &j->res->mv);
	/* a window moved to its end dropped the pages read for it */
	if (!mo->no_cache_tricks && s <= j->dropped_below &&
	    (!ret || ret == -EBUSY || ret == -EAGAIN))
		j->dropped_below = t;
	if (j->res->mv.moved > before) {
		j->res->windows_moved++;
		/*
		 * Closing the donor frees the file's old blocks, which a crash
		 * gives back to the file until the swaps commit; data=writeback
		 * lets another allocation reuse and write freed data blocks
		 * at once (the other modes hold them until the commit)
		 */
		if (j->fs->writeback_data)
			commit_moves(j);
	}
	if (ret == E4D_MOVE_STOPPED) {
		j->res->skip = j->res->released ? E4D_SKIP_BUSY :
			       E4D_SKIP_STOPPED;
		ret = 1;
	} else if (ret < 0) {
		if (ret == -EBUSY || ret == -EAGAIN)
			j->res->skip = E4D_SKIP_BUSY;
		else if (ret == -ENOSPC)
			j->res->skip = E4D_SKIP_NOSPACE;
		else
			fail(j, ret, "EXT4_IOC_MOVE_EXT");
		ret = -1;
	}
	close(dfd);
	return ret;
}

static uint64_t window_blocks(struct job *j)
{
	uint64_t w = j->o->window ? j->o->window : E4D_WINDOW_DEFAULT;
	uint64_t avail = avail_bytes(j), reserve = reserve_bytes(j);

	/* a file larger than the free space goes window by window */
	if (avail > reserve && avail - reserve < w)
		w = avail - reserve;
	w &= ~(MIB - 1);
	if (w < MIB)
		w = MIB;
	return w / j->bs;
}

/* Return: 0 or the negative errno of FIEMAP. */
static int measure(struct job *j, uint64_t *extents, uint64_t *ideal,
		   uint64_t size)
{
	struct e4d_score sc;
	int ret;

	/* before: delayed allocations flushed; after the move, the blocks
	 * moved are allocated, and a flush would wait for the writeback that
	 * is meant to overlap the next file (e4d_move_window())
	 */
	ret = e4d_fiemap_read(j->ctx, j->fd, j->bs, !!ideal, &j->el);
	if (ret < 0)
		return ret;
	e4d_score_file(&j->fs->geom, &j->el, size, &sc);
	*extents = sc.extents;
	if (ideal)
		*ideal = sc.ideal;
	return 0;
}

static void run_windows(struct job *j)
{
	struct e4d_move_opts mo = {
		.blocksize = j->bs,
		.busy_retries = j->o->busy_retries,
		.busy_nap_us = 1000,
		.chunk = j->o->chunk,
		.batch = j->o->budget && j->o->budget->rate ? j->o->chunk : 0,
		.no_cache_tricks = j->o->no_cache_tricks,
		.ours_below = j->ours_below,
		.pend = j->o->run ? &j->o->run->pend : NULL,
		.stop = &j->halt,
		.progress = chunk_done,
		.progress_arg = j,
		.first = j->first,
		.nfirst = j->nfirst,
	};
	uint64_t w = window_blocks(j), s, end;
	struct stat st;

	for (s = 0;; s += w) {
		if (j->ctx->ops->fstat(j->fd, &st) < 0 ||
		    s * j->bs >= (uint64_t)st.st_size)
			break;
		if (!st.st_nlink) {	/* deleted meanwhile: let it go */
			j->res->skip = E4D_SKIP_CHANGED;
			break;
		}
		if (must_halt(j)) {
			j->res->skip = j->res->released ? E4D_SKIP_BUSY :
				       E4D_SKIP_STOPPED;
			break;
		}
		/* the window ends at EOF: only the file's pages are looked at */
		end = ((uint64_t)st.st_size + j->bs - 1) / j->bs;
		if (end > s + w)
			end = s + w;
		if (do_window(j, s, end, &mo))
			break;
	}
}

/* Once per filesystem per run, before its first donor. */
static void warm_allocator(struct job *j)
{
	struct e4d_defrag_run *run = j->o->run;

	if (!j->fs->devno || (run && run->warmed == j->fs->devno))
		return;
	if (run)
		run->warmed = j->fs->devno;
	e4d_fs_warm_allocator(j->ctx, j->fs);
}

int e4d_defrag_file(const struct e4d_ctx *ctx, const struct e4d_fs *fs,
		    const struct e4d_cand *c, const struct e4d_defrag_opts *o,
		    struct e4d_defrag_result *res)
{
	struct job j = { .ctx = ctx, .fs = fs, .c = c, .o = o, .res = res,
			 .bs = fs->geom.blocksize, .fd = -1 };
	struct stat st;
	char *tmp;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!c->path) {
		res->skip = E4D_SKIP_NONAME;
		return 0;
	}
	tmp = strdup(c->path);
	if (!tmp)
		return -ENOMEM;
	j.dir = strdup(dirname(tmp));
	free(tmp);
	if (!j.dir)
		return -ENOMEM;
	if (reopen(&j))
		goto out_close;
	ctx->ops->fadvise(j.fd, 0, 0, POSIX_FADV_RANDOM);
	ret = ctx->ops->fstat(j.fd, &st);
	if (ret < 0) {
		fail(&j, ret, "fstat");
		goto out_close;
	}
	ret = measure(&j, &res->ext_before, &res->ideal, st.st_size);
	if (ret < 0) {
		fail(&j, ret, "FIEMAP");
		goto out_close;
	}
	j.el_fresh = true;
	res->ext_after = res->ext_before;
	if (res->ext_before <= res->ideal) {
		res->skip = E4D_SKIP_NOGAIN;
		goto out_close;
	}
	warm_allocator(&j);
	j.ours_below = e4d_ahead_for(o->ahead, fs, c);
	/* after the FIEMAP above flushed delayed allocations to the tree;
	 * without the list (no device access, no memory) the file only ends
	 * up with more tree blocks on a stock kernel
	 */
	e4d_tree_first_moves(fs, c->ino, j.el.n, &j.first, &j.nfirst);
	run_windows(&j);
	e4d_ahead_dropped(o->ahead, c, j.dropped_below);
	res->bytes = res->mv.moved * j.bs;
	if (!ctx->ops->fstat(j.fd, &st))
		measure(&j, &res->ext_after, NULL, st.st_size);
	if (!res->err && !res->windows_moved && !res->skip)
		res->skip = res->windows_freefrag ? E4D_SKIP_FREEFRAG :
			    E4D_SKIP_NOGAIN;
	/* with windows moved, a skip reason says why it stopped short */
out_close:
	if (j.fd >= 0) {
		if (j.leased || !o->run)
			commit_moves(&j);
		else
			defer_commit(&j);
		give_lease_back(&j);
		ctx->ops->fadvise(j.fd, 0, 0, POSIX_FADV_NORMAL);
		close(j.fd);
	}
	commit_if_due(o->run);
	e4d_extents_free(&j.el);
	e4d_extents_free(&j.del);
	e4d_extents_free(&j.best);
	free(j.first);
	free(j.dir);
	return 0;
}

void e4d_defrag_run_end(struct e4d_defrag_run *run)
{
	if (!run)
		return;
	e4d_move_pend_flush(&run->pend);
	e4d_defrag_run_commit(run);
	memset(run, 0, sizeof(*run));
}
