/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan.h - which scanned files to defragment, and in which order. Pure
 * logic: a verdict per file (move it, or skip it and why), the list of
 * candidates, and the reasons files were skipped, counted.
 */
#ifndef E4D_PLAN_H
#define E4D_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e4d/scan.h"

/* Why a file is not (or was not) moved. */
enum e4d_skip {
	E4D_SKIP_NONE,		/* a candidate / moved */
	E4D_SKIP_NOGAIN,	/* already as good as the fs allows */
	E4D_SKIP_THRESHOLD,	/* score below --threshold */
	E4D_SKIP_SMALL,		/* smaller than --min-size */
	E4D_SKIP_FEW,		/* fewer extents than --min-extents */
	E4D_SKIP_UNMOVABLE,	/* the kernel would refuse; see e4d_why */
	E4D_SKIP_UNREADABLE,	/* could not be examined */
	E4D_SKIP_DUP,		/* hard link to a file already handled */
	E4D_SKIP_NONAME,	/* no path found for the inode */
	E4D_SKIP_PERM,		/* cannot be opened read-write */
	E4D_SKIP_BUSY,		/* in use: running program, lease, EBUSY */
	E4D_SKIP_RECENT,	/* modified within --min-age */
	E4D_SKIP_CHANGED,	/* replaced or deleted since the scan */
	E4D_SKIP_NOSPACE,	/* not enough free space for a donor */
	E4D_SKIP_FREEFRAG,	/* free space too fragmented to do better */
	E4D_SKIP_STOPPED,	/* interrupted by a signal */
	E4D_SKIP_COUNT
};

struct e4d_plan_opts {
	double threshold;	/* move only when score >= threshold (>0) */
	uint64_t min_size;	/* bytes */
	uint64_t min_extents;	/* at least this many extents (>= 2) */
	bool worst_first;	/* order by score, else by inode */
};

struct e4d_cand {
	uint64_t ino;
	char *path;		/* malloc'd; NULL until named */
	uint64_t size;
	uint64_t blocks;
	uint64_t extents;
	uint64_t ideal;
	double score;
};

struct e4d_plan {
	struct e4d_cand *v;
	size_t n, cap;
	uint64_t skipped[E4D_SKIP_COUNT];
	uint64_t unmovable[16];		/* by enum e4d_why */
	uint64_t bytes;			/* of the candidates */
	uint64_t extents, ideal;	/* of the candidates */
};

/** e4d_skip_text() - a skip reason in words, e.g. "nothing to gain" */
const char *e4d_skip_text(enum e4d_skip s);
/** e4d_skip_key() - the same reason as a JSON key, e.g. "no_gain" */
const char *e4d_skip_key(enum e4d_skip s);

/**
 * e4d_plan_judge() - whether a scanned file is worth moving
 * @o: plan options
 * @f: the scanned, scored and classified file
 *
 * Return: E4D_SKIP_NONE for a candidate, else the reason to skip it.
 */
enum e4d_skip e4d_plan_judge(const struct e4d_plan_opts *o,
			     const struct e4d_file *f);

/**
 * e4d_plan_add() - judge a file and add it to the plan or count its skip
 * @p: plan
 * @o: plan options
 * @f: scanned file (its path, if any, is copied)
 * @verdict: out, the reason (may be NULL)
 *
 * Return: 0 or -ENOMEM.
 */
int e4d_plan_add(struct e4d_plan *p, const struct e4d_plan_opts *o,
		 const struct e4d_file *f, enum e4d_skip *verdict);

/** e4d_plan_count() - count one skip by reason (and @why if unmovable) */
void e4d_plan_count(struct e4d_plan *p, enum e4d_skip s, enum e4d_why why);

/**
 * e4d_plan_sort() - order the candidates: by inode (the layout order of a
 * whole-filesystem scan), or worst score first, ties by inode
 * @p: plan
 * @worst_first: order by score
 */
void e4d_plan_sort(struct e4d_plan *p, bool worst_first);

/** e4d_plan_free() - release candidates and their paths */
void e4d_plan_free(struct e4d_plan *p);

#endif
