/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.h - collect scanned files and per-filesystem summaries, then print
 * them through libsmartcols as a table, raw rows or JSON.
 */
#ifndef E4D_REPORT_H
#define E4D_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "e4d/freespace.h"
#include "e4d/scan.h"

struct e4d_ctx;
struct e4d_fs;
struct e4d_report;

enum e4d_format {
	E4D_FMT_TABLE,
	E4D_FMT_RAW,
	E4D_FMT_JSON,
};

struct e4d_report_opts {
	enum e4d_format format;
	bool noheadings;
	bool bytes;		/* sizes in bytes, not human units */
	bool all;		/* list files with nothing to gain too */
	size_t top;		/* rows from scans at most; 0 = all */
	const char *columns;	/* "-o" list; NULL = default */
	const char *sort;	/* column name; NULL = by score */
	/* paths the run names: with more than one, each inode is counted
	 * once across them (a single scan or walk has each once already)
	 */
	size_t npaths;
};

/* Per-filesystem totals, as the JSON "filesystem" object carries them. */
struct e4d_fs_summary {
	uint64_t files;		/* examined; errors are counted apart */
	uint64_t fragmented;
	uint64_t unmovable;
	uint64_t errors;
	uint64_t extents;
	uint64_t ideal;
	uint64_t excess;
	uint64_t bytes;
	bool have_free;
	struct e4d_freespace free;
};

/**
 * e4d_summary_add() - count a scanned file into a summary
 * @s: per-filesystem totals
 * @f: the file as the scan gave it
 */
void e4d_summary_add(struct e4d_fs_summary *s, const struct e4d_file *f);

/**
 * e4d_report_columns_check() - check a "-o" column list
 * @list: comma-separated column names (case-insensitive); a leading '+'
 *        adds to the default columns (those already among them are not
 *        repeated)
 * @bad: out, the offending name (points into @list) or NULL
 * @badlen: out, its length
 *
 * Return: 0 when every name is known and named once; -ENOENT for an
 * unknown name, -EEXIST for a name given twice, -EINVAL for an empty list
 * or an empty name.
 */
int e4d_report_columns_check(const char *list, const char **bad,
			     size_t *badlen);

/** e4d_report_list_columns() - print the columns and their meaning */
void e4d_report_list_columns(FILE *out);

/**
 * e4d_report_new() - an empty report
 * @opts: output options (copied)
 * Return: the report or NULL when out of memory.
 */
struct e4d_report *e4d_report_new(const struct e4d_report_opts *opts);

/** e4d_report_free() - release a report and the filesystems it holds */
void e4d_report_free(struct e4d_report *rep);

/**
 * e4d_report_fs() - the report's slot for a filesystem, added when new
 * @rep: report
 * @fs: filesystem; the report takes ownership (closes a duplicate at once)
 *
 * Return: the filesystem now held by the report (may differ from @fs when
 * the same filesystem was added before), or NULL when out of memory.
 */
struct e4d_fs *e4d_report_fs(struct e4d_report *rep, struct e4d_fs *fs);

/**
 * e4d_report_set_free() - attach the free space summary of a filesystem
 */
void e4d_report_set_free(struct e4d_report *rep, const struct e4d_fs *fs,
			 const struct e4d_freespace *free);

/**
 * e4d_report_file() - e4d_file_fn that adds a file to the report
 * @arg: the struct e4d_report
 * @fs: filesystem (must have been added with e4d_report_fs())
 * @f: the file
 *
 * An inode already added (by another command-line path, a hard link) is
 * not counted again; named on the command line, its row is kept.
 *
 * Return: 0 or -ENOMEM.
 */
int e4d_report_file(void *arg, const struct e4d_fs *fs, struct e4d_file *f);

/**
 * e4d_report_listed() - mark the next files added as named by the user:
 * they are always printed, whatever --top says
 */
void e4d_report_listed(struct e4d_report *rep, bool listed);

/**
 * e4d_report_errors() - number of files that could not be examined
 */
uint64_t e4d_report_errors(const struct e4d_report *rep);

/**
 * e4d_report_print() - choose rows, name their inodes, and print
 * @ctx: library context
 * @rep: report
 * @out: stream
 *
 * Return: 0 or a negative errno.
 */
int e4d_report_print(const struct e4d_ctx *ctx, struct e4d_report *rep,
		     FILE *out);

/**
 * e4d_json_safe() - a copy of @s that is valid UTF-8: bytes that are not
 * part of a valid sequence become the text "\xNN"
 * Return: malloc'd string or NULL.
 */
char *e4d_json_safe(const char *s);

/**
 * e4d_ctrl_escape() - a copy of @s whose control characters (below 0x20,
 * and 0x7f) are the text "\xNN", as libsmartcols writes them in table
 * cells: a name with a newline or an escape sequence stays on one line
 * and changes nothing on a terminal
 * Return: malloc'd string or NULL.
 */
char *e4d_ctrl_escape(const char *s);

#endif
