// SPDX-License-Identifier: GPL-2.0
/*
 * move.c - EXT4_IOC_MOVE_EXT over a window, with pre-read and cache drop.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e4d/e4d.h"
#include "e4d/move.h"
#include "e4d/sys.h"

uint64_t e4d_runs_in(const struct e4d_extents *el, uint64_t start,
		     uint64_t end, uint64_t *blocks)
{
	uint64_t runs = 0, mapped = 0, expected = 0;
	size_t i;

	for (i = 0; i < el->n; i++) {
		const struct e4d_extent *e = &el->v[i];
		uint64_t s = e->lblk > start ? e->lblk : start;
		uint64_t t = e->lblk + e->len < end ? e->lblk + e->len : end;
		uint64_t p;

		if (s >= t)
			continue;
		p = e->pblk + (s - e->lblk);
		if (!runs || p != expected)
			runs++;
		expected = p + (t - s);
		mapped += t - s;
	}
	if (blocks)
		*blocks = mapped;
	return runs;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

struct window {
	const struct e4d_ctx *ctx;
	const struct e4d_move_opts *o;
	struct e4d_move_stats *st;
	int fd, dfd;
	unsigned int bs;
	long psz;
	uint64_t start, end;	/* blocks */
	unsigned char *resident;	/* per page of the window, or NULL */
	size_t npages;
	bool tricks;		/* pre-read and drop */
	size_t nextfirst;	/* o->first[nextfirst] is the next to see */
	uint64_t *done;		/* blocks of o->first moved alone, sorted */
	size_t ndone;
	const struct e4d_extents *donor;	/* as it was before the window */
};

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The pieces of written data to read ahead, and who takes the next. */
struct pieces {
	struct window *w;
	off_t *off;
	size_t *len;
	size_t n;
	size_t next;		/* atomic */
	uint64_t bytes;		/* atomic */
};

static int add_piece(struct pieces *p, size_t *cap, off_t off, size_t len)
{
	if (p->n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		off_t *o = realloc(p->off, c * sizeof(*o));
		size_t *l;

		if (!o)
			return -ENOMEM;
		p->off = o;
		l = realloc(p->len, c * sizeof(*l));
		if (!l)
			return -ENOMEM;
		p->len = l;
		*cap = c;
	}
	p->off[p->n] = off;
	p->len[p->n++] = len;
	return 0;
}

/* Written ranges of [s, t), logically contiguous extents joined, cut in
 * E4D_READ_SIZE pieces.
 */
static int make_pieces(struct pieces *p, const struct e4d_extents *orig,
		       unsigned int bs, uint64_t s, uint64_t t)
{
	size_t pos = 0, cap = 0;
	uint64_t a, b;
	off_t off, endb;

	while (e4d_extents_next_run(orig, &pos, E4D_EXT_UNWRITTEN, s, t,
				    &a, &b))
		for (off = (off_t)a * bs, endb = (off_t)b * bs; off < endb;
		     off += E4D_READ_SIZE)
			if (add_piece(p, &cap, off,
				      min64(E4D_READ_SIZE, endb - off)) < 0)
				return -ENOMEM;
	return 0;
}

static void *read_pieces(void *arg)
{
	struct pieces *p = arg;
	char *buf = malloc(E4D_READ_SIZE);
	size_t k;

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t r;

		k = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		if (k >= p->n)
			break;
		r = p->w->ctx->ops->pread(p->w->fd, buf, p->len[k], p->off[k]);
		if (r > 0)
			__atomic_fetch_add(&p->bytes, r, __ATOMIC_RELAXED);
	}
	free(buf);
	return NULL;
}

/*
 * Read the written data of [s, t) into the page cache, by several threads
 * at once: under POSIX_FADV_RANDOM the kernel reads no more than the
 * device's readahead size per step, so one reader waits on every step.
 */
static void prefetch(struct window *w, const struct e4d_extents *orig,
		     uint64_t s, uint64_t t)
{
	unsigned int nr = w->o->readers ? w->o->readers : E4D_READERS;
	struct pieces p = { .w = w };
	pthread_t th[E4D_READERS_MAX];
	unsigned int i, started = 0;

	if (nr > E4D_READERS_MAX)
		nr = E4D_READERS_MAX;
	if (make_pieces(&p, orig, w->bs, s, t) == 0 && p.n) {
		if (nr > p.n)
			nr = p.n;
		for (i = 1; i < nr; i++)
			if (!pthread_create(&th[started], NULL, read_pieces,
					    &p))
				started++;
		read_pieces(&p);
		for (i = 0; i < started; i++)
			pthread_join(th[i], NULL);
	}
	w->st->prefetched += p.bytes;
	free(p.off);
	free(p.len);
}

static bool is_busy(int err)
{
	return err == -EBUSY || err == -EAGAIN;
}

/* The donor's extent that maps block @b, or NULL. */
static const struct e4d_extent *donor_find(const struct e4d_extents *donor,
					   uint64_t b)
{
	size_t lo = 0, hi = donor->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct e4d_extent *e = &donor->v[mid];

		if (b < e->lblk)
			hi = mid;
		else if (b >= e->lblk + e->len)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

static bool donor_has(const struct e4d_extents *donor, uint64_t b)
{
	return donor_find(donor, b) != NULL;
}

/*
 * After a call that stopped part way (EBUSY): in *@p, the first block of
 * [s, t) still to move. The stock ioctl counts in moved_len only the
 * blocks it swapped, not the holes it skipped (ours counts both), so
 * s + moved_len can fall short of where it stopped, and a call from there
 * would swap blocks back. A block is done when it is a hole or has the
 * donor's block already. Return: 0, or -1 when the mapping cannot be read
 * (the rest is then left as it is: never swapped back).
 */
static int resume_at(struct window *w, uint64_t s, uint64_t t, uint64_t *p)
{
	struct e4d_extents now = { 0 };
	size_t i;

	if (e4d_fiemap_read_range(w->ctx, w->fd, w->bs, s * w->bs,
				  t * w->bs, &now) < 0) {
		e4d_extents_free(&now);
		return -1;
	}
	*p = t;
	for (i = 0; i < now.n && *p == t; i++) {
		const struct e4d_extent *e = &now.v[i];
		uint64_t b = e->lblk > s ? e->lblk : s;	/* holes: done */

		for (; b < e->lblk + e->len && b < t; b++) {
			const struct e4d_extent *d = donor_find(w->donor, b);

			if ((e->flags & E4D_EXT_DELALLOC) || !d ||
			    d->pblk + (b - d->lblk) != e->pblk + (b - e->lblk)) {
				*p = b;
				break;
			}
		}
	}
	e4d_extents_free(&now);
	return 0;
}

/*
 * One chunk [s, s + n): returns 0, E4D_MOVE_EOD, E4D_MOVE_STOPPED (busy
 * when a stop came: no retry) or -errno.
 */
static int move_chunk(struct window *w, uint64_t s, uint64_t n)
{
	const struct e4d_move_opts *o = w->o;
	unsigned int tries = 0, nap = o->busy_nap_us;
	struct stat st;
	uint64_t t0;
	int ret;

	while (n) {
		struct move_extent me = {
			.donor_fd = (__u32)w->dfd,
			.orig_start = s,
			.donor_start = s,
			.len = n,
		};
		uint64_t moved;

		t0 = now_ns();
		ret = w->ctx->ops->move_ext(w->fd, &me);
		w->st->ns_move += now_ns() - t0;
		w->st->calls++;
		moved = me.moved_len < n ? me.moved_len : n;
		w->st->moved += moved;
		if (moved && o->progress)
			o->progress(o->progress_arg, moved);
		s += moved;
		n -= moved;
		/* done: every block of the range (cut at EOF) was moved or
		 * is a hole; the stock ioctl's moved_len leaves holes out
		 */
		if (!ret)
			return 0;
		if (is_busy(ret) && o->stop && *o->stop)
			return E4D_MOVE_STOPPED;	/* no retry */
		if (is_busy(ret) && tries < o->busy_retries) {
			/* dirty or mapped pages (mmap writers) pin folios:
			 * write them back, give the writer a moment
			 */
			tries++;
			w->st->retries++;
			w->ctx->ops->fsync(w->fd);
			w->ctx->ops->nap(nap);
			nap = nap ? nap * 2 : 0;
			if (moved) {
				uint64_t p;

				if (resume_at(w, s, s + n, &p) < 0)
					return ret;
				n -= p - s;
				s = p;
			}
			continue;
		}
		if (ret == -ENODATA)
			return E4D_MOVE_EOD;
		if (ret == -EINVAL && !w->ctx->ops->fstat(w->fd, &st) &&
		    (uint64_t)st.st_size <= s * w->bs)
			return E4D_MOVE_EOD;	/* truncated below us */
		return ret;
	}
	return 0;
}

/*
 * Write back and drop the pages of blocks [s, t) that were not cached
 * before we started: the applications' pages stay, ours go.
 */
static void drop_ours(struct window *w, uint64_t s, uint64_t t)
{
	off_t base = (off_t)w->start * w->bs;
	off_t from = (off_t)s * w->bs, to = (off_t)t * w->bs;
	size_t i, j, pe;

	uint64_t t0 = now_ns();

	w->ctx->ops->sync_range(w->fd, from, to - from);
	w->st->ns_sync += now_ns() - t0;
	if (!w->resident) {
		w->ctx->ops->fadvise(w->fd, from, to - from,
				     POSIX_FADV_DONTNEED);
		w->st->dropped += to - from;
		return;
	}
	i = (from - base) / w->psz;
	pe = (to - base + w->psz - 1) / w->psz;
	if (pe > w->npages)
		pe = w->npages;
	while (i < pe) {
		if (w->resident[i] & 1) {
			i++;
			continue;
		}
		for (j = i; j < pe && !(w->resident[j] & 1); j++)
			;
		w->ctx->ops->fadvise(w->fd, base + (off_t)i * w->psz,
				     (off_t)(j - i) * w->psz,
				     POSIX_FADV_DONTNEED);
		w->st->dropped += (j - i) * w->psz;
		i = j;
	}
}

/* Before: note what is cached, then drop it (large folios make the stock
 * ioctl commit per block); the pages are read back as single-page folios.
 */
static void cache_before(struct window *w)
{
	off_t base = (off_t)w->start * w->bs;
	off_t len = (off_t)(w->end - w->start) * w->bs;
	bool any = false;
	uint64_t t0;
	size_t i;

	w->npages = (len + w->psz - 1) / w->psz;
	w->resident = calloc(w->npages ? w->npages : 1, 1);
	if (w->resident &&
	    w->ctx->ops->mincore(w->fd, base, len, w->resident) < 0) {
		free(w->resident);
		w->resident = NULL;
	}
	/* the pages read ahead for this file are not the application's */
	for (i = 0; w->resident && i < w->npages &&
	     base + (off_t)i * w->psz <
	     (off_t)(w->o->ours_below * w->bs); i++)
		w->resident[i] = 0;
	for (i = 0; w->resident && i < w->npages && !any; i++)
		any = w->resident[i] & 1;
	/* written back, not fsync()ed: that would flush the device's
	 * cache, per file
	 */
	t0 = now_ns();
	w->ctx->ops->sync_range(w->fd, base, len);
	w->st->ns_sync += now_ns() - t0;
	if (any || !w->resident)
		w->ctx->ops->fadvise(w->fd, base, len, POSIX_FADV_DONTNEED);
}

/*
 * After: read back the pages the application had cached that the moves
 * did not bring back (blocks already in place, busy ranges, a truncate).
 */
static void cache_after(struct window *w)
{
	off_t base = (off_t)w->start * w->bs;
	size_t i, j, max = E4D_READ_SIZE / w->psz;
	unsigned char *now;
	char *buf;

	if (!w->resident || !w->npages)
		return;
	now = calloc(w->npages, 1);
	buf = malloc(E4D_READ_SIZE);
	if (!now || !buf ||
	    w->ctx->ops->mincore(w->fd, base, w->npages * w->psz, now) < 0)
		goto out;
	/* exactly the pages asked for: no readahead around them */
	w->ctx->ops->fadvise(w->fd, base, w->npages * w->psz,
			     POSIX_FADV_RANDOM);
	for (i = 0; i < w->npages; i = j) {
		/* [i, j): cached before, gone now; one read per run */
		for (j = i; j < w->npages && j - i < max &&
		     (w->resident[j] & 1) && !(now[j] & 1); j++)
			;
		if (j == i) {
			j++;
			continue;
		}
		if (w->ctx->ops->pread(w->fd, buf, (j - i) * w->psz,
				       base + (off_t)i * w->psz) <= 0)
			break;
	}
	w->ctx->ops->fadvise(w->fd, base, w->npages * w->psz,
			     POSIX_FADV_NORMAL);
out:
	free(buf);
	free(now);
}

/*
 * The last batch of a window that held none of the application's pages:
 * its writeback was started; waiting for it and dropping the pages are
 * left to the next window of any file (after its first batch), or to
 * e4d_move_pend_flush() at the end of the run, so that the write overlaps
 * the next file's reading and moving.
 */
void e4d_move_pend_flush(struct e4d_move_pend *p)
{
	if (!p || !p->ops)
		return;
	p->ops->sync_range(p->fd, p->off, p->len);
	p->ops->fadvise(p->fd, p->off, p->len, POSIX_FADV_DONTNEED);
	close(p->fd);
	p->ops = NULL;
}

/* Leave [s, t) to e4d_move_pend_flush(); false: drop it now instead. */
static bool defer_drop(struct window *w, uint64_t s, uint64_t t)
{
	struct e4d_move_pend *p = w->o->pend;
	off_t base = (off_t)w->start * w->bs;
	off_t from = (off_t)s * w->bs, to = (off_t)t * w->bs;
	size_t i, pe;
	int fd;

	if (!p)
		return false;
	if (w->resident) {
		pe = (to - base + w->psz - 1) / w->psz;
		for (i = (from - base) / w->psz; i < pe && i < w->npages; i++)
			if (w->resident[i] & 1)
				return false;
	}
	e4d_move_pend_flush(p);
	fd = fcntl(w->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return false;
	p->ops = w->ctx->ops;
	p->fd = fd;
	p->off = from;
	p->len = to - from;
	w->st->dropped += to - from;
	return true;
}

struct chunk {
	uint64_t s, n;
};

/* The donor's extents in the window, cut in calls of at most @max. */
static int plan_chunks(struct window *w, const struct e4d_extents *donor,
		       uint64_t max, struct chunk **out, size_t *nout)
{
	struct chunk *v = NULL;
	size_t n = 0, cap = 0, i;

	for (i = 0; i < donor->n; i++) {
		const struct e4d_extent *d = &donor->v[i];
		uint64_t s = d->lblk > w->start ? d->lblk : w->start;
		uint64_t t = min64(d->lblk + d->len, w->end);

		for (; s < t; s += min64(max, t - s)) {
			if (n == cap) {
				struct chunk *nv;

				cap = cap ? cap * 2 : 16;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[n++] = (struct chunk){ s, min64(max, t - s) };
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

/* The read-ahead of the next chunk runs while the ioctl does this one. */
struct reader {
	pthread_t th;
	struct window *w;
	const struct e4d_extents *orig;
	uint64_t s, t;
	bool running;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t t0 = now_ns();

	prefetch(r->w, r->orig, r->s, r->t);
	r->w->st->ns_read += now_ns() - t0;
	return NULL;
}

static void reader_start(struct reader *r, uint64_t s, uint64_t t)
{
	r->s = s;
	r->t = t;
	r->running = !pthread_create(&r->th, NULL, reader_main, r);
	if (!r->running)
		reader_main(r);		/* no thread: read it now */
}

static void reader_join(struct reader *r)
{
	if (r->running)
		pthread_join(r->th, NULL);
	r->running = false;
}

/* Chunks [i, end) whose span stays within @max blocks: one batch of
 * read-ahead and drop, so that small donor extents do not mean small reads.
 */
static size_t batch_end(const struct chunk *c, size_t n, size_t i,
			uint64_t max)
{
	size_t k = i + 1;

	while (k < n && c[k].s + c[k].n - c[i].s <= max)
		k++;
	return k;
}

/*
 * The blocks of o->first whose leaves begin in the window before @upto,
 * each moved alone (tree.h says why), once: w->done lists those that
 * moved, for the chunks to go around. A busy block is left to the chunks.
 */
static int first_moves(struct window *w, const struct e4d_extents *donor,
		       uint64_t upto)
{
	const struct e4d_move_opts *o = w->o;
	uint64_t before;
	int ret;

	for (; w->nextfirst < o->nfirst; w->nextfirst++) {
		const struct e4d_first_move *f = &o->first[w->nextfirst];

		if (f->leaf >= upto)
			break;
		if (f->leaf < w->start || f->blk >= w->end ||
		    !donor_has(donor, f->blk))
			continue;
		if (o->stop && *o->stop)
			return E4D_MOVE_STOPPED;
		if (!w->done) {
			w->done = calloc(o->nfirst - w->nextfirst,
					 sizeof(*w->done));
			if (!w->done)
				return 0;	/* then none: only slower */
		}
		before = w->st->moved;
		ret = move_chunk(w, f->blk, 1);
		if (ret == E4D_MOVE_EOD)
			return 0;	/* the chunks find it too */
		if (ret && !is_busy(ret))
			return ret;
		if (!ret && w->st->moved > before)
			w->done[w->ndone++] = f->blk;
	}
	return 0;
}

/* Chunk [s, s + n) in calls around the blocks already moved alone. */
static int move_around(struct window *w, uint64_t s, uint64_t n)
{
	uint64_t t = s + n;
	size_t lo = 0, hi = w->ndone;
	int ret, busy = 0;

	while (lo < hi) {	/* the first block moved alone at or after s */
		size_t mid = lo + (hi - lo) / 2;

		if (w->done[mid] < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; s < t; lo++) {
		uint64_t e = lo < w->ndone && w->done[lo] < t ? w->done[lo] : t;

		if (w->o->stop && *w->o->stop)
			return E4D_MOVE_STOPPED;
		if (e > s) {
			ret = move_chunk(w, s, e - s);
			if (is_busy(ret))
				busy = ret;
			else if (ret)
				return ret;
		}
		s = e + 1;
	}
	return busy;
}

static int move_batch(struct window *w, const struct chunk *c, size_t i,
		      size_t k, int *busy)
{
	int ret;

	for (; i < k; i++) {
		if (w->o->stop && *w->o->stop)
			return E4D_MOVE_STOPPED;
		ret = move_around(w, c[i].s, c[i].n);
		if (is_busy(ret))
			*busy = ret;	/* leave it, go on */
		else if (ret)
			return ret;
	}
	return 0;
}

static int move_all(struct window *w, const struct e4d_extents *orig,
		    const struct e4d_extents *donor)
{
	const struct e4d_move_opts *o = w->o;
	uint64_t max = o->chunk && o->chunk < E4D_MOVE_CHUNK ?
		       o->chunk : E4D_MOVE_CHUNK;
	uint64_t bmax = o->batch && o->batch < E4D_MOVE_CHUNK ?
			o->batch : E4D_MOVE_CHUNK;
	struct reader rd = { .w = w, .orig = orig };
	uint64_t ps = 0, pt = 0;	/* the batch written back meanwhile */
	struct chunk *c;
	int ret, busy = 0;
	bool async, ahead;
	size_t i, k, nk = 0, n;

	ret = plan_chunks(w, donor, max, &c, &n);
	if (ret < 0)
		return ret;
	/* a batch's writeback runs while the next batch moves; its pages
	 * are dropped after that
	 */
	async = w->tricks && w->ctx->ops->start_writeback;
	for (i = 0; i < n && !ret; i = k) {
		k = batch_end(c, n, i, bmax);
		if (w->tricks && !i) {
			reader_start(&rd, c[0].s, c[k - 1].s + c[k - 1].n);
			reader_join(&rd);
		}
		/* the next batch, unless a signal already stops the run */
		ahead = w->tricks && k < n && !(o->stop && *o->stop);
		if (ahead) {
			nk = batch_end(c, n, k, bmax);
			reader_start(&rd, c[k].s, c[nk - 1].s + c[nk - 1].n);
		}
		ret = first_moves(w, donor, c[k - 1].s + c[k - 1].n);
		if (!ret)
			ret = move_batch(w, c, i, k, &busy);
		reader_join(&rd);
		/* stopped or failed: the next batch was read for nothing */
		if (ret && ahead)
			drop_ours(w, c[k].s, c[nk - 1].s + c[nk - 1].n);
		if (!i)
			e4d_move_pend_flush(o->pend);	/* the previous window's */
		if (async) {
			w->ctx->ops->start_writeback(w->fd,
				(off_t)c[i].s * w->bs,
				(off_t)(c[k - 1].s + c[k - 1].n - c[i].s) *
				w->bs);
			if (pt > ps)
				drop_ours(w, ps, pt);
			ps = c[i].s;
			pt = c[k - 1].s + c[k - 1].n;
		} else if (w->tricks) {
			drop_ours(w, c[i].s, c[k - 1].s + c[k - 1].n);
		}
	}
	e4d_move_pend_flush(o->pend);	/* when there was no batch */
	if (pt > ps && !defer_drop(w, ps, pt))
		drop_ours(w, ps, pt);
	free(c);
	return ret ? ret : busy;
}

uint64_t e4d_read_ahead(const struct e4d_ctx *ctx, int fd,
			const struct e4d_extents *orig, unsigned int bs,
			unsigned int readers, uint64_t end, uint64_t *bytes)
{
	struct e4d_move_opts o = { .blocksize = bs, .readers = readers };
	struct e4d_move_stats st = { 0 };
	struct window w = {
		.ctx = ctx, .o = &o, .st = &st, .fd = fd, .bs = bs,
		.psz = sysconf(_SC_PAGESIZE), .end = end,
	};
	size_t i, n = ((off_t)end * bs + w.psz - 1) / w.psz;
	unsigned char *vec = calloc(n ? n : 1, 1);
	bool any = !vec;

	*bytes = 0;
	if (vec && ctx->ops->mincore(fd, 0, n * w.psz, vec) < 0)
		any = true;
	for (i = 0; !any && i < n; i++)
		any = vec[i] & 1;
	free(vec);
	if (any || !end)
		return 0;
	prefetch(&w, orig, 0, end);
	*bytes = st.prefetched;
	return end;
}

int e4d_move_window(const struct e4d_ctx *ctx, int fd, int dfd,
		    const struct e4d_extents *orig,
		    const struct e4d_extents *donor, uint64_t start,
		    uint64_t end, const struct e4d_move_opts *o,
		    struct e4d_move_stats *st)
{
	struct window w = {
		.ctx = ctx, .o = o, .st = st, .fd = fd, .dfd = dfd,
		.bs = o->blocksize, .psz = sysconf(_SC_PAGESIZE),
		.start = start, .end = end, .donor = donor,
	};
	int ret;

	w.tricks = !o->no_cache_tricks;
	if (w.tricks)
		cache_before(&w);
	ret = move_all(&w, orig, donor);
	if (w.tricks)
		cache_after(&w);
	free(w.resident);
	free(w.done);
	return ret;
}
