// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - rows and summaries, printed through libsmartcols.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libsmartcols.h>

#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/inoset.h"
#include "e4d/ioprio.h"
#include "e4d/report.h"

enum {
	COL_PATH, COL_INO, COL_SIZE, COL_BLOCKS, COL_EXTENTS, COL_IDEAL,
	COL_EXCESS, COL_SCORE, COL_HOLES, COL_UNWRITTEN, COL_STATUS,
	COL_REASON, COL_FS, NCOLS
};

struct colinfo {
	const char *name;
	double whint;
	int flags;
	bool number;
	const char *help;
};

static const struct colinfo cols[NCOLS] = {
	[COL_PATH] = { "PATH", 0.5, SCOLS_FL_NOEXTREMES, false,
		       "file path" },
	[COL_INO] = { "INO", 8, SCOLS_FL_RIGHT, true, "inode number" },
	[COL_SIZE] = { "SIZE", 6, SCOLS_FL_RIGHT, true, "file size" },
	[COL_BLOCKS] = { "BLOCKS", 8, SCOLS_FL_RIGHT, true,
			 "mapped blocks (written and unwritten)" },
	[COL_EXTENTS] = { "EXTENTS", 7, SCOLS_FL_RIGHT, true,
			  "extents now (counted as filefrag does)" },
	[COL_IDEAL] = { "IDEAL_EXTENTS", 7, SCOLS_FL_RIGHT, true,
			"extents of the best layout this filesystem allows" },
	[COL_EXCESS] = { "EXCESS", 7, SCOLS_FL_RIGHT, true,
			 "extents a defragmentation would remove" },
	[COL_SCORE] = { "SCORE", 5, SCOLS_FL_RIGHT, true,
			"100 * excess / extents; 0: cannot be improved" },
	[COL_HOLES] = { "HOLES", 5, SCOLS_FL_RIGHT, true,
			"unmapped ranges inside the file size" },
	[COL_UNWRITTEN] = { "UNWRITTEN", 5, SCOLS_FL_RIGHT, true,
			    "unwritten (preallocated) extents" },
	[COL_STATUS] = { "STATUS", 10, 0, false,
			 "ok, fragmented, unmovable or error" },
	[COL_REASON] = { "REASON", 0.2, SCOLS_FL_TRUNC, false,
			 "why the file cannot be moved or examined" },
	[COL_FS] = { "FS", 0.1, SCOLS_FL_TRUNC, false,
		     "mountpoint (or device) of the file's filesystem" },
};

static const int default_table[] = {
	COL_PATH, COL_SIZE, COL_EXTENTS, COL_IDEAL, COL_SCORE, COL_STATUS,
	COL_REASON,
};

static const int default_json[] = {
	COL_PATH, COL_INO, COL_SIZE, COL_BLOCKS, COL_EXTENTS, COL_IDEAL,
	COL_EXCESS, COL_SCORE, COL_HOLES, COL_UNWRITTEN, COL_STATUS,
	COL_REASON, COL_FS,
};

struct row {
	uint64_t ino;
	uint64_t size;
	struct e4d_score score;
	enum e4d_status status;
	enum e4d_why why;
	int err;
	char *path;
	unsigned int fsidx;
	bool listed;
};

struct fsent {
	struct e4d_fs *fs;
	struct e4d_fs_summary sum;
	struct e4d_inoset seen;	/* inodes reported, over all paths */
};

struct e4d_report {
	struct e4d_report_opts opts;
	struct row *rows;
	size_t nrows, caprows;
	struct fsent *fss;
	size_t nfs;
	bool listed;
	int colv[NCOLS];
	size_t ncols;
};

static int col_by_name(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NCOLS; i++)
		if (strlen(cols[i].name) == len &&
		    !strncasecmp(cols[i].name, name, len))
			return i;
	return -1;
}

/*
 * Parse a "-o" list into colv after the *n there already: 0, -ENOENT for
 * an unknown name or -EEXIST for one named twice in @list (*bad set), or
 * -EINVAL for an empty list or name. A column of a "+" list already in
 * colv (a default) is not added again.
 */
static int parse_columns(const char *list, int *colv, size_t *n,
			 const char **bad, size_t *badlen)
{
	const char *p = list;
	unsigned int named = 0;		/* bits: the columns of @list */
	size_t i;

	if (*p == '+')
		p++;
	else if (!*p)
		return -EINVAL;
	while (*p) {
		size_t len = strcspn(p, ",");
		int c = col_by_name(p, len);
		bool dup = false;

		*bad = p;
		*badlen = len;
		if (!len)
			return -EINVAL;
		if (c < 0)
			return -ENOENT;
		if (named & (1u << c))
			return -EEXIST;
		named |= 1u << c;
		for (i = 0; i < *n; i++)
			dup |= colv[i] == c;
		if (!dup && *n < NCOLS)
			colv[(*n)++] = c;
		p += len;
		if (*p == ',' && !*++p)
			return -EINVAL;		/* "PATH," */
	}
	return 0;
}

int e4d_report_columns_check(const char *list, const char **bad,
			     size_t *badlen)
{
	int colv[NCOLS];
	size_t n = 0;

	*bad = NULL;
	*badlen = 0;
	return parse_columns(list, colv, &n, bad, badlen);
}

void e4d_report_list_columns(FILE *out)
{
	int i;

	for (i = 0; i < NCOLS; i++)
		fprintf(out, "%14s  %s\n", cols[i].name, cols[i].help);
}

struct e4d_report *e4d_report_new(const struct e4d_report_opts *opts)
{
	struct e4d_report *rep = calloc(1, sizeof(*rep));
	const int *def;
	size_t ndef, i;
	const char *bad;
	size_t badlen;

	if (!rep)
		return NULL;
	rep->opts = *opts;
	if (opts->format == E4D_FMT_JSON) {
		def = default_json;
		ndef = sizeof(default_json) / sizeof(*def);
	} else {
		def = default_table;
		ndef = sizeof(default_table) / sizeof(*def);
	}
	if (!opts->columns || opts->columns[0] == '+')
		for (i = 0; i < ndef; i++)
			rep->colv[rep->ncols++] = def[i];
	if (opts->columns)
		parse_columns(opts->columns, rep->colv, &rep->ncols, &bad,
			      &badlen);
	return rep;
}

void e4d_report_free(struct e4d_report *rep)
{
	size_t i;

	if (!rep)
		return;
	for (i = 0; i < rep->nrows; i++)
		free(rep->rows[i].path);
	for (i = 0; i < rep->nfs; i++) {
		e4d_fs_close(rep->fss[i].fs);
		e4d_inoset_clear(&rep->fss[i].seen);
	}
	free(rep->rows);
	free(rep->fss);
	free(rep);
}

static long fs_index(const struct e4d_report *rep, const struct e4d_fs *fs)
{
	size_t i;

	for (i = 0; i < rep->nfs; i++)
		if (e4d_fs_same(rep->fss[i].fs, fs))
			return i;
	return -1;
}

struct e4d_fs *e4d_report_fs(struct e4d_report *rep, struct e4d_fs *fs)
{
	long k = fs_index(rep, fs);
	struct fsent *v;

	if (k >= 0) {
		struct e4d_fs *kept = rep->fss[k].fs, tmp;

		if (kept == fs)
			return fs;
		/* met first through a bind mount of a directory: the mount
		 * of its root describes it better, and names every file.
		 * The contents are swapped: the rows keep their pointer.
		 */
		if (kept->subtree && fs->mounted && !fs->subtree) {
			tmp = *kept;
			*kept = *fs;
			*fs = tmp;
		}
		e4d_fs_close(fs);
		/* what a background run would do is in the summary */
		return e4d_fs_find_twin(kept) ? NULL : kept;
	}
	if (e4d_fs_find_twin(fs)) {
		e4d_fs_close(fs);
		return NULL;
	}
	v = realloc(rep->fss, (rep->nfs + 1) * sizeof(*v));
	if (!v) {
		e4d_fs_close(fs);
		return NULL;
	}
	rep->fss = v;
	memset(&v[rep->nfs], 0, sizeof(*v));
	v[rep->nfs++].fs = fs;
	return fs;
}

void e4d_report_set_free(struct e4d_report *rep, const struct e4d_fs *fs,
			 const struct e4d_freespace *free)
{
	long k = fs_index(rep, fs);

	if (k < 0)
		return;
	rep->fss[k].sum.have_free = true;
	rep->fss[k].sum.free = *free;
}

void e4d_report_listed(struct e4d_report *rep, bool listed)
{
	rep->listed = listed;
}

uint64_t e4d_report_errors(const struct e4d_report *rep)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < rep->nfs; i++)
		n += rep->fss[i].sum.errors;
	return n;
}

static int add_row(struct e4d_report *rep, long k, const struct e4d_file *f)
{
	struct row *r;

	if (rep->nrows == rep->caprows) {
		size_t cap = rep->caprows ? rep->caprows * 2 : 256;
		struct row *v = realloc(rep->rows, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rep->rows = v;
		rep->caprows = cap;
	}
	r = &rep->rows[rep->nrows];
	memset(r, 0, sizeof(*r));
	if (f->path) {
		r->path = strdup(f->path);
		if (!r->path)
			return -ENOMEM;
	}
	r->ino = f->ino;
	r->size = f->size;
	r->score = f->score;
	r->status = f->status;
	r->why = f->why;
	r->err = f->err;
	r->fsidx = k;
	r->listed = rep->listed;
	rep->nrows++;
	return 0;
}

/* A file reported before, now named on the command line: always printed. */
static int list_again(struct e4d_report *rep, long k, const struct e4d_file *f)
{
	size_t i;

	for (i = 0; i < rep->nrows; i++) {
		if (rep->rows[i].fsidx == k && rep->rows[i].ino == f->ino) {
			rep->rows[i].listed = true;
			return 0;
		}
	}
	return add_row(rep, k, f);	/* not kept the first time */
}

void e4d_summary_add(struct e4d_fs_summary *s, const struct e4d_file *f)
{
	s->files += f->status != E4D_ST_ERROR;
	s->fragmented += f->status == E4D_ST_FRAGMENTED;
	s->unmovable += f->status == E4D_ST_UNMOVABLE;
	s->errors += f->status == E4D_ST_ERROR;
	s->extents += f->score.extents;
	s->ideal += f->score.ideal;
	s->excess += f->score.excess;
	s->bytes += f->size;
}

int e4d_report_file(void *arg, const struct e4d_fs *fs, struct e4d_file *f)
{
	struct e4d_report *rep = arg;
	long k = fs_index(rep, fs);
	int ret;

	if (k < 0)
		return -EINVAL;
	/* each inode once, however many paths lead to it (overlapping
	 * command-line paths, hard links); 0 is a path without attributes
	 */
	if (f->ino && rep->opts.npaths > 1) {
		ret = e4d_inoset_add(&rep->fss[k].seen, f->ino);
		if (ret < 0)
			return ret;
		if (!ret)
			return rep->listed ? list_again(rep, k, f) : 0;
	}
	e4d_summary_add(&rep->fss[k].sum, f);
	/* keep only rows that may be printed */
	if (!rep->listed && !rep->opts.all && f->status == E4D_ST_OK)
		return 0;
	return add_row(rep, k, f);
}

/* ---- choosing and ordering rows ---- */

static double num_value(const struct row *r, int col)
{
	switch (col) {
	case COL_INO: return r->ino;
	case COL_SIZE: return r->size;
	case COL_BLOCKS: return r->score.blocks;
	case COL_EXTENTS: return r->score.extents;
	case COL_IDEAL: return r->score.ideal;
	case COL_EXCESS: return r->score.excess;
	case COL_SCORE: return r->score.score;
	case COL_HOLES: return r->score.holes;
	case COL_UNWRITTEN: return r->score.unwritten;
	default: return 0;
	}
}

static const char *text_value(const struct e4d_report *rep,
			      const struct row *r, int col)
{
	const struct e4d_fs *fs = rep->fss[r->fsidx].fs;

	switch (col) {
	case COL_PATH: return r->path ? r->path : "";
	case COL_STATUS: return e4d_status_token(r->status);
	case COL_REASON:
		return r->status == E4D_ST_ERROR ? strerror(-r->err) :
		       e4d_why_text(r->why);
	case COL_FS: return fs->mountpoint ? fs->mountpoint : fs->device;
	default: return "";
	}
}

struct sort_by {
	const struct e4d_report *rep;
	int col;		/* -1: worst first */
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct row *x = a, *y = b;
	const struct sort_by *by = arg;
	int col = by->col;
	double vx, vy;
	int c;

	if (col >= 0 && !cols[col].number) {
		c = strcmp(text_value(by->rep, x, col),
			   text_value(by->rep, y, col));
		if (c)
			return c;
	} else if (col >= 0) {
		vx = num_value(x, col);
		vy = num_value(y, col);
		if (vx != vy)
			return vx < vy ? 1 : -1;
	}
	/* worst first: score, then what would be gained, then size */
	if (x->score.score != y->score.score)
		return x->score.score < y->score.score ? 1 : -1;
	if (x->score.excess != y->score.excess)
		return x->score.excess < y->score.excess ? 1 : -1;
	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static bool row_wanted(const struct e4d_report *rep, const struct row *r)
{
	return r->listed || r->status == E4D_ST_ERROR || rep->opts.all ||
	       r->status != E4D_ST_OK;
}

/* Sort, then keep listed and error rows and the first --top others. */
static void choose_rows(struct e4d_report *rep)
{
	size_t i, n = 0, others = 0;
	struct sort_by by = { .rep = rep, .col = -1 };

	if (rep->opts.sort)
		by.col = col_by_name(rep->opts.sort, strlen(rep->opts.sort));
	if (rep->nrows)
		qsort_r(rep->rows, rep->nrows, sizeof(*rep->rows), cmp_rows,
			&by);
	for (i = 0; i < rep->nrows; i++) {
		struct row *r = &rep->rows[i];
		bool keep = row_wanted(rep, r);

		if (keep && !r->listed && r->status != E4D_ST_ERROR) {
			keep = !rep->opts.top || others < rep->opts.top;
			others += keep;
		}
		if (keep)
			rep->rows[n++] = *r;
		else
			free(r->path);
	}
	rep->nrows = n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Name the inodes of rows found by the inode scan, per filesystem. */
static int name_rows(const struct e4d_ctx *ctx, struct e4d_report *rep)
{
	size_t f, i, n;
	int ret = 0;

	for (f = 0; f < rep->nfs && !ret; f++) {
		uint64_t *inos = malloc((rep->nrows + 1) * sizeof(*inos));
		char **paths = NULL;
		size_t m = 0;

		if (!inos)
			return -ENOMEM;
		for (i = 0, n = 0; i < rep->nrows; i++)
			if (rep->rows[i].fsidx == f && !rep->rows[i].path)
				inos[n++] = rep->rows[i].ino;
		qsort(inos, n, sizeof(*inos), cmp_u64);
		for (i = 0; i < n; i++)
			if (!m || inos[m - 1] != inos[i])
				inos[m++] = inos[i];
		if (m) {
			paths = calloc(m, sizeof(*paths));
			ret = paths ? e4d_resolve_paths(ctx, rep->fss[f].fs,
							inos, m, paths) :
				      -ENOMEM;
		}
		for (i = 0; !ret && m && i < rep->nrows; i++) {
			struct row *r = &rep->rows[i];
			const uint64_t *p;

			if (r->fsidx != f || r->path)
				continue;
			p = bsearch(&r->ino, inos, m, sizeof(*inos), cmp_u64);
			if (p && paths[p - inos])
				r->path = strdup(paths[p - inos]);
			else if (asprintf(&r->path, "<inode %" PRIu64 ">",
					  r->ino) < 0)
				r->path = NULL;
		}
		for (i = 0; paths && i < m; i++)
			free(paths[i]);
		free(paths);
		free(inos);
	}
	return ret;
}

/* ---- printing ---- */

static void human_size(uint64_t v, char *buf, size_t sz)
{
	static const char units[] = "BKMGTPE";
	double d = v;
	int u = 0;

	while (d >= 1024 && u < 6) {
		d /= 1024;
		u++;
	}
	if (!u || d >= 10 || d == (uint64_t)d)
		snprintf(buf, sz, "%.0f%c", d, units[u]);
	else
		snprintf(buf, sz, "%.1f%c", d, units[u]);
	if (!u)
		snprintf(buf, sz, "%" PRIu64 "B", v);
}

static char *cell(const struct e4d_report *rep, const struct row *r, int col,
		  char *buf, size_t sz)
{
	const char *t;

	if (col == COL_SIZE && !rep->opts.bytes &&
	    rep->opts.format == E4D_FMT_TABLE) {
		human_size(r->size, buf, sz);
		return buf;
	}
	if (col == COL_SCORE) {
		snprintf(buf, sz, "%.1f", r->score.score);
		return buf;
	}
	if (cols[col].number) {
		snprintf(buf, sz, "%.0f", num_value(r, col));
		return buf;
	}
	t = text_value(rep, r, col);
	snprintf(buf, sz, "%s", t);
	return buf;
}

static int fill_table(struct e4d_report *rep, struct libscols_table *tb)
{
	char buf[64];
	size_t i, c;

	for (c = 0; c < rep->ncols; c++) {
		const struct colinfo *ci = &cols[rep->colv[c]];
		struct libscols_column *cl;

		cl = scols_table_new_column(tb, ci->name, ci->whint, ci->flags);
		if (!cl)
			return -ENOMEM;
		if (ci->number)
			scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
	}
	for (i = 0; i < rep->nrows; i++) {
		const struct row *r = &rep->rows[i];
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			return -ENOMEM;
		for (c = 0; c < rep->ncols; c++) {
			int col = rep->colv[c];
			char *data;

			if (col == COL_PATH || col == COL_FS ||
			    col == COL_REASON) {
				const char *t = text_value(rep, r, col);

				data = rep->opts.format == E4D_FMT_JSON ?
				       e4d_json_safe(t) : strdup(t);
			} else {
				data = strdup(cell(rep, r, col, buf,
						   sizeof(buf)));
			}
			if (!data || scols_line_refer_data(ln, c, data)) {
				free(data);
				return -ENOMEM;
			}
		}
	}
	return 0;
}

static void json_str(FILE *out, const char *s)
{
	char *safe = s ? e4d_json_safe(s) : NULL;
	const unsigned char *p;

	if (!safe) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (p = (const unsigned char *)safe; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
	free(safe);
}

static void json_summary(FILE *out, const struct e4d_fs *fs,
			 const struct e4d_fs_summary *s, const char *ind)
{
	bool first;
	int k;

	fprintf(out, "{\n%s   \"mountpoint\": ", ind);
	json_str(out, fs ? fs->mountpoint : NULL);
	fprintf(out, ",\n%s   \"device\": ", ind);
	json_str(out, fs ? fs->device : NULL);
	fprintf(out, ",\n%s   \"uuid\": ", ind);
	json_str(out, fs && fs->has_super ? fs->uuid : NULL);
	if (fs) {
		struct e4d_policy pol = { .include_nonrotational = false };
		const char *why;

		/* what a background run with the default policy would do */
		if (!e4d_policy_skip(fs, &pol, &why))
			why = NULL;
		fprintf(out, ",\n%s   \"blocksize\": %u,\n"
			"%s   \"rotational\": %s,\n"
			"%s   \"background\": \"%s%s\",\n"
			"%s   \"geometry\": \"%s\"", ind, fs->geom.blocksize,
			ind, fs->rotational < 0 ? "null" :
			fs->rotational ? "true" : "false", ind,
			why ? "skipped: " : "yes", why ? why : "", ind,
			fs->geom.estimated ? "estimated" : "read");
	}
	fprintf(out, ",\n%s   \"files\": %" PRIu64
		",\n%s   \"fragmented_files\": %" PRIu64
		",\n%s   \"fragmentation_pct\": %.2f"
		",\n%s   \"unmovable_files\": %" PRIu64
		",\n%s   \"errors\": %" PRIu64
		",\n%s   \"extents\": %" PRIu64
		",\n%s   \"ideal_extents\": %" PRIu64
		",\n%s   \"excess_extents\": %" PRIu64
		",\n%s   \"bytes\": %" PRIu64,
		ind, s->files, ind, s->fragmented, ind,
		s->files ? 100.0 * s->fragmented / s->files : 0.0,
		ind, s->unmovable, ind, s->errors, ind, s->extents, ind,
		s->ideal, ind, s->excess, ind, s->bytes);
	fprintf(out, ",\n%s   \"free_space\": ", ind);
	if (!s->have_free) {
		fputs("null", out);
	} else {
		unsigned int bs = fs ? fs->geom.blocksize : 1;

		fprintf(out, "{\n%s      \"free_bytes\": %" PRIu64
			",\n%s      \"free_extents\": %" PRIu64
			",\n%s      \"largest_free_bytes\": %" PRIu64
			",\n%s      \"free_frag_pct\": %.2f"
			",\n%s      \"histogram\": [", ind,
			s->free.free_blocks * bs, ind, s->free.free_extents,
			ind, s->free.largest * bs, ind, s->free.frag_pct, ind);
		for (k = 0, first = true; k < E4D_FREE_BUCKETS; k++) {
			if (!s->free.count[k])
				continue;
			fprintf(out, "%s\n%s         {\"min_bytes\": %" PRIu64
				", \"extents\": %" PRIu64 ", \"bytes\": %"
				PRIu64 "}", first ? "" : ",", ind,
				((uint64_t)1 << k) * bs, s->free.count[k],
				s->free.blocks[k] * bs);
			first = false;
		}
		fprintf(out, "\n%s      ]\n%s   }", ind, ind);
	}
	fprintf(out, "\n%s}", ind);
}

static void total_summary(const struct e4d_report *rep,
			  struct e4d_fs_summary *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < rep->nfs; i++) {
		const struct e4d_fs_summary *s = &rep->fss[i].sum;

		t->files += s->files;
		t->fragmented += s->fragmented;
		t->unmovable += s->unmovable;
		t->errors += s->errors;
		t->extents += s->extents;
		t->ideal += s->ideal;
		t->excess += s->excess;
		t->bytes += s->bytes;
	}
}

/* @sep: a blank line first, after the table or another summary */
static void text_summary(FILE *out, const struct fsent *e, bool sep)
{
	const struct e4d_fs_summary *s = &e->sum;
	const struct e4d_fs *fs = e->fs;
	char a[32], b[32];
	char *mnt = e4d_ctrl_escape(fs->mountpoint ? fs->mountpoint :
				    "not mounted");
	char *dev = e4d_ctrl_escape(fs->device ? fs->device : "?");

	fprintf(out, "%s%s (%s, %s, %u-byte blocks%s):\n", sep ? "\n" : "",
		mnt ? mnt : "?", dev ? dev : "?",
		fs->fstype ? fs->fstype : "?", fs->geom.blocksize,
		fs->rotational == 0 ? ", non-rotational" :
		fs->rotational == 1 ? ", rotational" : "");
	free(mnt);
	free(dev);
	if (fs->readonly)
		fprintf(out, "  mounted read-only: scheduled runs "
			"(--background) leave it alone\n");
	else if (fs->rotational == 0)
		fprintf(out, "  non-rotational storage: scheduled runs "
			"(--background) leave it alone unless "
			"include-nonrotational = yes\n");
	fprintf(out, "  files %" PRIu64 ", fragmented %" PRIu64
		" (%.1f%%), unmovable %" PRIu64 ", errors %" PRIu64 "\n",
		s->files, s->fragmented,
		s->files ? 100.0 * s->fragmented / s->files : 0.0,
		s->unmovable, s->errors);
	fprintf(out, "  extents %" PRIu64 ", ideal %" PRIu64
		", removable %" PRIu64 "\n", s->extents, s->ideal, s->excess);
	if (s->have_free) {
		human_size(s->free.free_blocks * fs->geom.blocksize, a,
			   sizeof(a));
		human_size(s->free.largest * fs->geom.blocksize, b, sizeof(b));
		fprintf(out, "  free space %s in %" PRIu64
			" extents, largest %s, %.1f%% in extents under 8M\n",
			a, s->free.free_extents, b, s->free.frag_pct);
	}
}

/* libsmartcols prints {"files": [...]}; we wrap it with the summaries. */
static int print_json(struct e4d_report *rep, struct libscols_table *tb,
		      FILE *out)
{
	struct e4d_fs_summary tot;
	char *buf = NULL, *body, *end;
	size_t len = 0, i;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem)
		return -ENOMEM;
	scols_table_set_stream(tb, mem);
	scols_print_table(tb);
	fclose(mem);
	body = buf ? strchr(buf, '\n') : NULL;
	end = buf ? strrchr(buf, '}') : NULL;
	if (!body || !end || end < body) {
		free(buf);
		return -EIO;
	}
	*end = 0;
	/* an empty table comes as "[", a blank line, "]" */
	if (!scols_table_get_nlines(tb))
		body = "\n   \"files\": []\n";
	fputs("{\n   \"filesystem\": ", out);
	if (rep->nfs == 1) {
		json_summary(out, rep->fss[0].fs, &rep->fss[0].sum, "   ");
	} else {
		total_summary(rep, &tot);
		json_summary(out, NULL, &tot, "   ");
	}
	fputs(",\n   \"filesystems\": [", out);
	for (i = 0; i < rep->nfs; i++) {
		fputs(i ? ",\n      " : "\n      ", out);
		json_summary(out, rep->fss[i].fs, &rep->fss[i].sum, "      ");
	}
	fprintf(out, "\n   ],%s}\n", body);
	free(buf);
	return 0;
}

int e4d_report_print(const struct e4d_ctx *ctx, struct e4d_report *rep,
		     FILE *out)
{
	struct libscols_table *tb;
	size_t i;
	int ret;

	/* sorting by name needs the names of all rows, else only of those
	 * that are printed
	 */
	if (rep->opts.sort && col_by_name(rep->opts.sort,
					  strlen(rep->opts.sort)) == COL_PATH) {
		ret = name_rows(ctx, rep);
		if (ret < 0)
			return ret;
	}
	choose_rows(rep);
	ret = name_rows(ctx, rep);
	if (ret < 0)
		return ret;
	tb = scols_new_table();
	if (!tb)
		return -ENOMEM;
	scols_table_set_name(tb, "files");
	scols_table_enable_raw(tb, rep->opts.format == E4D_FMT_RAW);
	scols_table_enable_json(tb, rep->opts.format == E4D_FMT_JSON);
	scols_table_enable_noheadings(tb, rep->opts.noheadings);
	scols_table_set_stream(tb, out);
	ret = fill_table(rep, tb);
	if (ret < 0)
		goto out_unref;
	if (rep->opts.format == E4D_FMT_JSON) {
		ret = print_json(rep, tb, out);
		goto out_unref;
	}
	if (rep->nrows)
		scols_print_table(tb);
	if (rep->opts.format == E4D_FMT_TABLE && !rep->opts.noheadings)
		for (i = 0; i < rep->nfs; i++)
			text_summary(out, &rep->fss[i], rep->nrows || i);
out_unref:
	scols_unref_table(tb);
	return ret;
}

/* Length of the valid UTF-8 sequence at p, or 0. */
static int utf8_len(const unsigned char *p)
{
	int n, i;

	if (*p < 0x80)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((*p == 0xe0 && p[1] < 0xa0) ||
		       (*p == 0xed && p[1] >= 0xa0)))
		return 0;	/* overlong or surrogate */
	if (n == 4 && ((*p == 0xf0 && p[1] < 0x90) ||
		       (*p == 0xf4 && p[1] >= 0x90)))
		return 0;
	return n;
}

/*
 * A copy of @s with the bytes @keep_len() does not keep (it returns how
 * many bytes from there to copy as they are, 0 for one to escape) written
 * as the text \xNN.
 */
static char *escape(const char *s, int (*keep_len)(const unsigned char *))
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) * 4 + 1), *o = out;

	if (!out)
		return NULL;
	while (*p) {
		int n = keep_len(p);

		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			o += sprintf(o, "\\x%02x", *p++);
		}
	}
	*o = 0;
	return out;
}

char *e4d_json_safe(const char *s)
{
	return escape(s, utf8_len);
}

static int not_ctrl(const unsigned char *p)
{
	return *p >= 0x20 && *p != 0x7f;
}

char *e4d_ctrl_escape(const char *s)
{
	return escape(s, not_ctrl);
}
