// SPDX-License-Identifier: GPL-2.0
/*
 * plan.c - choosing the files to defragment, and counting the others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e4d/plan.h"

static const char *const skip_texts[E4D_SKIP_COUNT] = {
	[E4D_SKIP_NONE] = "",
	[E4D_SKIP_NOGAIN] = "nothing to gain",
	[E4D_SKIP_THRESHOLD] = "score below threshold",
	[E4D_SKIP_SMALL] = "smaller than --min-size",
	[E4D_SKIP_FEW] = "fewer extents than --min-extents",
	[E4D_SKIP_UNMOVABLE] = "unmovable",
	[E4D_SKIP_UNREADABLE] = "could not be examined",
	[E4D_SKIP_DUP] = "hard link already handled",
	[E4D_SKIP_NONAME] = "no path found",
	[E4D_SKIP_PERM] = "permission denied",
	[E4D_SKIP_BUSY] = "busy",
	[E4D_SKIP_RECENT] = "recently modified",
	[E4D_SKIP_CHANGED] = "changed or deleted meanwhile",
	[E4D_SKIP_NOSPACE] = "not enough free space",
	[E4D_SKIP_FREEFRAG] = "free space too fragmented to improve it",
	[E4D_SKIP_STOPPED] = "interrupted",
};

/* the same reasons as JSON keys: stable, one word, for machines */
static const char *const skip_keys[E4D_SKIP_COUNT] = {
	[E4D_SKIP_NONE] = "",
	[E4D_SKIP_NOGAIN] = "no_gain",
	[E4D_SKIP_THRESHOLD] = "below_threshold",
	[E4D_SKIP_SMALL] = "too_small",
	[E4D_SKIP_FEW] = "too_few_extents",
	[E4D_SKIP_UNMOVABLE] = "unmovable",
	[E4D_SKIP_UNREADABLE] = "unreadable",
	[E4D_SKIP_DUP] = "hard_link_done",
	[E4D_SKIP_NONAME] = "no_path",
	[E4D_SKIP_PERM] = "permission_denied",
	[E4D_SKIP_BUSY] = "busy",
	[E4D_SKIP_RECENT] = "recently_modified",
	[E4D_SKIP_CHANGED] = "changed",
	[E4D_SKIP_NOSPACE] = "no_space",
	[E4D_SKIP_FREEFRAG] = "free_space_fragmented",
	[E4D_SKIP_STOPPED] = "interrupted",
};

const char *e4d_skip_text(enum e4d_skip s)
{
	return s < E4D_SKIP_COUNT ? skip_texts[s] : "?";
}

const char *e4d_skip_key(enum e4d_skip s)
{
	return s < E4D_SKIP_COUNT ? skip_keys[s] : "unknown";
}

enum e4d_skip e4d_plan_judge(const struct e4d_plan_opts *o,
			     const struct e4d_file *f)
{
	uint64_t min_ext = o->min_extents > 2 ? o->min_extents : 2;

	switch (f->status) {
	case E4D_ST_ERROR:	/* another's file or directory: a skip */
		return f->err == -EACCES || f->err == -EPERM ?
		       E4D_SKIP_PERM : E4D_SKIP_UNREADABLE;
	case E4D_ST_UNMOVABLE:
		return E4D_SKIP_UNMOVABLE;
	case E4D_ST_OK:
		return E4D_SKIP_NOGAIN;
	case E4D_ST_FRAGMENTED:
		break;
	}
	if (!f->score.excess)
		return E4D_SKIP_NOGAIN;
	if (f->size < o->min_size)
		return E4D_SKIP_SMALL;
	if (f->score.extents < min_ext)
		return E4D_SKIP_FEW;
	if (f->score.score < o->threshold)
		return E4D_SKIP_THRESHOLD;
	return E4D_SKIP_NONE;
}

void e4d_plan_count(struct e4d_plan *p, enum e4d_skip s, enum e4d_why why)
{
	p->skipped[s]++;
	if (s == E4D_SKIP_UNMOVABLE && (unsigned int)why < 16)
		p->unmovable[why]++;
}

int e4d_plan_add(struct e4d_plan *p, const struct e4d_plan_opts *o,
		 const struct e4d_file *f, enum e4d_skip *verdict)
{
	enum e4d_skip s = e4d_plan_judge(o, f);
	struct e4d_cand *c;

	if (verdict)
		*verdict = s;
	if (s != E4D_SKIP_NONE) {
		e4d_plan_count(p, s, f->why);
		return 0;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct e4d_cand *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	c = &p->v[p->n];
	memset(c, 0, sizeof(*c));
	if (f->path) {
		c->path = strdup(f->path);
		if (!c->path)
			return -ENOMEM;
	}
	c->ino = f->ino;
	c->size = f->size;
	c->blocks = f->score.blocks;
	c->extents = f->score.extents;
	c->ideal = f->score.ideal;
	c->score = f->score.score;
	p->n++;
	p->bytes += f->size;
	p->extents += c->extents;
	p->ideal += c->ideal;
	return 0;
}

static int cmp_ino(const void *a, const void *b)
{
	const struct e4d_cand *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_worst(const void *a, const void *b)
{
	const struct e4d_cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->extents != y->extents)
		return x->extents > y->extents ? -1 : 1;
	return cmp_ino(a, b);
}

void e4d_plan_sort(struct e4d_plan *p, bool worst_first)
{
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v),
		      worst_first ? cmp_worst : cmp_ino);
}

void e4d_plan_free(struct e4d_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].path);
	free(p->v);
	memset(p, 0, sizeof(*p));
}
