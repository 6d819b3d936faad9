// SPDX-License-Identifier: GPL-2.0
/*
 * ahead.c - read the next file of a run while the current one moves.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "e4d/ahead.h"
#include "e4d/e4d.h"
#include "e4d/extent.h"
#include "e4d/fsinfo.h"
#include "e4d/move.h"
#include "e4d/plan.h"
#include "e4d/sys.h"

static void *ahead_main(void *arg)
{
	struct e4d_ahead *a = arg;
	const struct e4d_sys_ops *ops = a->ctx->ops;
	unsigned int bs = a->fs->geom.blocksize;
	struct e4d_extents el = { 0 };
	struct stat st;
	uint64_t end;

	if (e4d_fs_open_cand(a->ctx, a->fs, a->c, O_RDONLY, &a->fd, &st))
		return NULL;
	if (e4d_fiemap_read(a->ctx, a->fd, bs, 0, &el) < 0)
		goto out;
	end = ((uint64_t)st.st_size + bs - 1) / bs;
	if (end > E4D_MOVE_CHUNK)
		end = E4D_MOVE_CHUNK;	/* the move's first batch at most */
	/* one page per folio, as the move reads its own (see move.c) */
	ops->fadvise(a->fd, 0, 0, POSIX_FADV_RANDOM);
	a->blocks = e4d_read_ahead(a->ctx, a->fd, &el, bs, a->readers, end,
				   &a->bytes);
out:
	e4d_extents_free(&el);
	return NULL;
}

void e4d_ahead_start(struct e4d_ahead *a, const struct e4d_ctx *ctx,
		     const struct e4d_fs *fs, const struct e4d_cand *c,
		     unsigned int readers)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	if (!c->path)
		return;
	a->ctx = ctx;
	a->fs = fs;
	a->c = c;
	a->readers = readers;
	a->running = !pthread_create(&a->th, NULL, ahead_main, a);
	if (!a->running)
		a->c = NULL;	/* no thread: the move reads it itself */
}

static void ahead_join(struct e4d_ahead *a)
{
	if (a->running)
		pthread_join(a->th, NULL);
	a->running = false;
}

uint64_t e4d_ahead_for(struct e4d_ahead *a, const struct e4d_fs *fs,
		       const struct e4d_cand *c)
{
	if (!a || a->c != c || a->fs->devno != fs->devno)
		return 0;
	ahead_join(a);
	return a->blocks;
}

void e4d_ahead_dropped(struct e4d_ahead *a, const struct e4d_cand *c,
		       uint64_t end)
{
	if (a && a->c == c && end > a->dropped)
		a->dropped = end;
}

void e4d_ahead_end(struct e4d_ahead *a)
{
	unsigned int bs;

	ahead_join(a);
	if (a->fd >= 0) {
		bs = a->fs->geom.blocksize;
		if (a->dropped < a->blocks)	/* not moved, or not all */
			a->ctx->ops->fadvise(a->fd, (off_t)a->dropped * bs,
					     (off_t)(a->blocks - a->dropped) *
					     bs, POSIX_FADV_DONTNEED);
		close(a->fd);
	}
	memset(a, 0, sizeof(*a));
	a->fd = -1;
}
