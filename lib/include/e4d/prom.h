/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prom.h - metrics for node_exporter's textfile collector: one file
 * (e.g. /var/lib/prometheus/node-exporter/e4defrag2.prom) holding every
 * filesystem of a run, each labelled {mountpoint, device, uuid}, replaced
 * atomically so the collector never reads half a file.
 *
 * Metrics (all gauges except the _total counter):
 *   e4defrag2_files_scanned, e4defrag2_files_fragmented,
 *   e4defrag2_files_unmovable, e4defrag2_fragmented_files_ratio (0..1),
 *   e4defrag2_extents, e4defrag2_ideal_extents,
 *   e4defrag2_free_space_fragmentation_ratio (0..1; share of free space in
 *   extents under 8 MiB), e4defrag2_free_bytes, e4defrag2_free_extents,
 *   e4defrag2_extents_before, e4defrag2_extents_after (of the files the
 *   last run moved), e4defrag2_moved_files, e4defrag2_moved_bytes (last
 *   run), e4defrag2_moved_bytes_total (counter, all runs),
 *   e4defrag2_last_run_timestamp_seconds, e4defrag2_last_run_duration_seconds,
 *   e4defrag2_last_run_exit_code, e4defrag2_last_run_success (1/0),
 *   e4defrag2_last_run_result{result="ok|partial|failed"} (1 for the
 *   result of the last run).
 * Ratios follow Prometheus' base-unit rule; 100 times them is the
 * percentage "e4defrag2 -c" prints.
 */
#ifndef E4D_PROM_H
#define E4D_PROM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "e4d/state.h"

struct e4d_ctx;
struct e4d_fs_summary;

/* One filesystem's numbers; plain data, filled by the caller. */
struct e4d_prom_fs {
	const char *mountpoint;	/* labels; NULL is written as "" */
	const char *device;
	const char *uuid;
	/* from the scan (e4d_prom_from_summary() fills these) */
	bool have_scan;
	uint64_t files;
	uint64_t fragmented;
	uint64_t unmovable;
	uint64_t extents;
	uint64_t ideal;
	bool have_free;		/* free space was read */
	uint64_t free_bytes;
	uint64_t free_extents;
	double free_frag_ratio;	/* 0..1 */
	/* from the defragmentation run */
	bool have_run;
	uint64_t extents_before;
	uint64_t extents_after;
	uint64_t files_moved;
	uint64_t bytes_moved;
	uint64_t bytes_moved_total;
	uint64_t last_run;	/* Unix time of the run's end */
	double duration;	/* seconds */
	enum e4d_run_result result;
	int exit_code;
	/* not measured by this run (another run held it, the time budget
	 * left none): e4d_prom_write() keeps the samples the file being
	 * replaced has for this mountpoint; only mountpoint is needed
	 */
	bool keep;
};

/**
 * e4d_prom_from_summary() - copy the scan numbers of a report summary
 * @p: metrics of one filesystem; the scan part is overwritten
 * @s: per-filesystem summary of the report
 * @blocksize: block size, to turn free blocks into bytes
 */
void e4d_prom_from_summary(struct e4d_prom_fs *p,
			   const struct e4d_fs_summary *s,
			   unsigned int blocksize);

/**
 * e4d_prom_from_state() - copy the last run of a saved state
 * @p: metrics of one filesystem; the run part is overwritten
 * @st: state after the run (e4d_state_save()d or about to be)
 *
 * Leaves extents_before/after at 0; the engine fills them.
 */
void e4d_prom_from_state(struct e4d_prom_fs *p, const struct e4d_state *st);

/**
 * e4d_prom_format() - write the metrics text
 * @out: stream
 * @fs: filesystems
 * @n: how many
 *
 * Each metric gets its HELP and TYPE lines once, then one sample per
 * filesystem that has the data (scan numbers only when have_scan, run
 * numbers only when have_run). Label values are escaped (\\, \", \n).
 *
 * Return: 0 or -EIO when the stream failed.
 */
int e4d_prom_format(FILE *out, const struct e4d_prom_fs *fs, size_t n);

#define E4D_PROM_MAX_SIZE	(16u << 20)	/* bytes of a file read back */

/**
 * e4d_prom_write() - replace a metrics file atomically
 * @ctx: library context; failures are reported through it
 * @path: file, normally ending in ".prom" in the collector's directory
 * @fs: filesystems
 * @n: how many
 *
 * The samples the file had for the mountpoints of entries marked keep are
 * kept, each under its metric (a file that cannot be read, or is larger
 * than E4D_PROM_MAX_SIZE, has none to keep). Those of filesystems @fs does
 * not name are dropped.
 *
 * Return: 0 or a negative errno.
 */
int e4d_prom_write(const struct e4d_ctx *ctx, const char *path,
		   const struct e4d_prom_fs *fs, size_t n);

#endif
