// SPDX-License-Identifier: GPL-2.0
/*
 * move.c - EXT4_IOC_MOVE_EXT over a window, with pre-read and cache drop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
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
	char *buf;
};

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Read the written data of [s, t) in E4D_READ_SIZE pieces. */
static void prefetch(struct window *w, const struct e4d_extents *orig,
		     uint64_t s, uint64_t t)
{
	size_t i;

	for (i = 0; i < orig->n; i++) {
		const struct e4d_extent *e = &orig->v[i];
		uint64_t a = e->lblk > s ? e->lblk : s;
		uint64_t b = min64(e->lblk + e->len, t);
		off_t off, endb;

		if (a >= b || (e->flags & E4D_EXT_UNWRITTEN))
			continue;
		off = (off_t)a * w->bs;
		endb = (off_t)b * w->bs;
		while (off < endb) {
			size_t n = min64(E4D_READ_SIZE, endb - off);
			ssize_t r = w->ctx->ops->pread(w->fd, w->buf, n, off);

			if (r <= 0)
				return;
			w->st->prefetched += r;
			off += r;
		}
	}
}

static bool is_busy(int err)
{
	return err == -EBUSY || err == -EAGAIN;
}

/* One chunk [s, s + n): returns 0, E4D_MOVE_EOD or -errno. */
static int move_chunk(struct window *w, uint64_t s, uint64_t n)
{
	const struct e4d_move_opts *o = w->o;
	unsigned int tries = 0, nap = o->busy_nap_us;
	struct stat st;
	int ret;

	while (n) {
		struct move_extent me = {
			.donor_fd = (__u32)w->dfd,
			.orig_start = s,
			.donor_start = s,
			.len = n,
		};
		uint64_t moved;

		ret = w->ctx->ops->move_ext(w->fd, &me);
		w->st->calls++;
		moved = me.moved_len < n ? me.moved_len : n;
		w->st->moved += moved;
		if (moved && o->progress)
			o->progress(o->progress_arg, moved);
		s += moved;
		n -= moved;
		if (!ret) {
			if (!moved && n)
				return E4D_MOVE_EOD;	/* cut at EOF */
			continue;
		}
		if (is_busy(ret) && tries < o->busy_retries) {
			/* dirty or mapped pages (mmap writers) pin folios:
			 * write them back, give the writer a moment
			 */
			tries++;
			w->st->retries++;
			w->ctx->ops->fsync(w->fd);
			w->ctx->ops->nap(nap);
			nap = nap ? nap * 2 : 0;
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

/* Drop the window's pages that were not cached before we started. */
static void drop_ours(struct window *w)
{
	off_t base = (off_t)w->start * w->bs;
	size_t i = 0, j;

	if (!w->resident) {
		w->ctx->ops->fadvise(w->fd, base,
				     (off_t)(w->end - w->start) * w->bs,
				     POSIX_FADV_DONTNEED);
		w->st->dropped += (w->end - w->start) * w->bs;
		return;
	}
	while (i < w->npages) {
		if (w->resident[i] & 1) {
			i++;
			continue;
		}
		for (j = i; j < w->npages && !(w->resident[j] & 1); j++)
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
	size_t i;

	w->npages = (len + w->psz - 1) / w->psz;
	w->resident = calloc(w->npages ? w->npages : 1, 1);
	if (w->resident &&
	    w->ctx->ops->mincore(w->fd, base, len, w->resident) < 0) {
		free(w->resident);
		w->resident = NULL;
	}
	for (i = 0; w->resident && i < w->npages && !any; i++)
		any = w->resident[i] & 1;
	w->ctx->ops->fsync(w->fd);
	if (any || !w->resident)
		w->ctx->ops->fadvise(w->fd, base, len, POSIX_FADV_DONTNEED);
}

static int move_all(struct window *w, const struct e4d_extents *orig,
		    const struct e4d_extents *donor)
{
	const struct e4d_move_opts *o = w->o;
	uint64_t chunk = o->chunk && o->chunk < E4D_MOVE_CHUNK ?
			 o->chunk : E4D_MOVE_CHUNK;
	int ret, busy = 0;
	size_t i;

	for (i = 0; i < donor->n; i++) {
		const struct e4d_extent *d = &donor->v[i];
		uint64_t s = d->lblk > w->start ? d->lblk : w->start;
		uint64_t t = min64(d->lblk + d->len, w->end);

		while (s < t) {
			uint64_t n = min64(chunk, t - s);

			if (o->stop && *o->stop)
				return E4D_MOVE_STOPPED;
			if (w->buf)
				prefetch(w, orig, s, s + n);
			ret = move_chunk(w, s, n);
			if (is_busy(ret))
				busy = ret;	/* leave it, go on */
			else if (ret)
				return ret;
			s += n;
		}
	}
	return busy;
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
		.start = start, .end = end,
	};
	int ret;

	if (!o->no_cache_tricks) {
		w.buf = malloc(E4D_READ_SIZE);
		if (!w.buf)
			return -ENOMEM;
		cache_before(&w);
	}
	ret = move_all(&w, orig, donor);
	if (!o->no_cache_tricks) {
		ctx->ops->fsync(fd);
		drop_ours(&w);
	}
	free(w.resident);
	free(w.buf);
	return ret;
}
