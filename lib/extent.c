// SPDX-License-Identifier: GPL-2.0
/*
 * extent.c - extent lists and reading them with FIEMAP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e4d/e4d.h"
#include "e4d/extent.h"
#include "e4d/sys.h"

#define FIEMAP_BATCH	512	/* extents per FIEMAP call */

int e4d_extents_add(struct e4d_extents *el, uint64_t lblk, uint64_t pblk,
		    uint64_t len, unsigned int flags)
{
	struct e4d_extent *last;

	if (!len)
		return 0;
	if (el->n) {
		last = &el->v[el->n - 1];
		if (last->flags == flags && last->lblk + last->len == lblk &&
		    last->pblk + last->len == pblk) {
			last->len += len;
			return 0;
		}
	}
	if (el->n == el->cap) {
		size_t cap = el->cap ? el->cap * 2 : 16;
		struct e4d_extent *v = realloc(el->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		el->v = v;
		el->cap = cap;
	}
	el->v[el->n++] = (struct e4d_extent){ lblk, pblk, len, flags };
	return 0;
}

void e4d_extents_reset(struct e4d_extents *el)
{
	el->n = 0;
}

void e4d_extents_free(struct e4d_extents *el)
{
	free(el->v);
	memset(el, 0, sizeof(*el));
}

bool e4d_extents_next_run(const struct e4d_extents *el, size_t *pos,
			  unsigned int skip, uint64_t s, uint64_t t,
			  uint64_t *a, uint64_t *b)
{
	size_t i = *pos;

	while (i < el->n) {
		uint64_t x = el->v[i].lblk, y = x + el->v[i].len;

		if (el->v[i].flags & skip) {
			i++;
			continue;
		}
		for (i++; i < el->n && el->v[i].lblk == y &&
		     !(el->v[i].flags & skip); i++)
			y += el->v[i].len;
		if (x < s)
			x = s;
		if (y > t)
			y = t;
		if (x < y) {
			*pos = i;
			*a = x;
			*b = y;
			return true;
		}
	}
	*pos = i;
	return false;
}

static unsigned int fiemap_flags(uint32_t fe)
{
	unsigned int f = 0;

	if (fe & FIEMAP_EXTENT_UNWRITTEN)
		f |= E4D_EXT_UNWRITTEN;
	if (fe & FIEMAP_EXTENT_DATA_INLINE)
		f |= E4D_EXT_INLINE;
	if (fe & (FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_UNKNOWN))
		f |= E4D_EXT_DELALLOC;
	return f;
}

static int fiemap_range(const struct e4d_ctx *ctx, int fd,
			unsigned int blocksize, int sync, uint64_t start,
			uint64_t end, struct e4d_extents *el)
{
	size_t sz = sizeof(struct fiemap) +
		    FIEMAP_BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = malloc(sz);
	int ret = 0;
	int last = 0;

	if (!fm)
		return -ENOMEM;
	e4d_extents_reset(el);
	while (!last && start < end) {
		uint32_t i;

		memset(fm, 0, sizeof(*fm));
		fm->fm_start = start;
		fm->fm_length = end - start;
		fm->fm_flags = sync ? FIEMAP_FLAG_SYNC : 0;
		fm->fm_extent_count = FIEMAP_BATCH;
		ret = ctx->ops->fiemap(fd, fm);
		if (ret < 0)
			break;
		if (!fm->fm_mapped_extents)
			break;
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *fe = &fm->fm_extents[i];
			uint64_t e = fe->fe_logical + fe->fe_length;

			ret = e4d_extents_add(el, fe->fe_logical / blocksize,
					      fe->fe_physical / blocksize,
					      (e + blocksize - 1) / blocksize -
					      fe->fe_logical / blocksize,
					      fiemap_flags(fe->fe_flags));
			if (ret < 0)
				goto out_free;
			if (fe->fe_flags & FIEMAP_EXTENT_LAST)
				last = 1;
			start = e;
		}
		sync = 0;
	}
out_free:
	free(fm);
	return ret < 0 ? ret : 0;
}

int e4d_fiemap_read(const struct e4d_ctx *ctx, int fd, unsigned int blocksize,
		    int sync, struct e4d_extents *el)
{
	return fiemap_range(ctx, fd, blocksize, sync, 0, FIEMAP_MAX_OFFSET,
			    el);
}

int e4d_fiemap_read_range(const struct e4d_ctx *ctx, int fd,
			  unsigned int blocksize, uint64_t start, uint64_t end,
			  struct e4d_extents *el)
{
	return fiemap_range(ctx, fd, blocksize, 0, start, end, el);
}
