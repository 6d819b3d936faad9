/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.h - /etc/e4defrag2.conf, the settings of scheduled background
 * runs, and the parsers of the values it shares with the command line
 * (durations, rates, booleans).
 *
 * The format: one "key = value" per line; blank lines and lines whose first
 * non-blank character is '#' are ignored; no trailing comments (a '#' inside
 * a value is part of it). Keys are listed in misc/e4defrag2/e4defrag2.conf.
 * Every error names the file and line; an unknown key, a key given twice
 * (except "filesystem"), or a bad value fails the whole file.
 */
#ifndef E4D_CONFIG_H
#define E4D_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e4d_ctx;

#define E4D_CONFIG_FILE		"/etc/e4defrag2.conf"
#define E4D_CONFIG_MAX_SIZE	(64u << 10)

/* What to do with a file that another process has open for writing. */
enum e4d_busy {
	E4D_BUSY_SKIP,		/* leave it for the next run */
	E4D_BUSY_YIELD,		/* stop moving it when another opens it */
	E4D_BUSY_IGNORE,	/* move it anyway (the kernel keeps it safe) */
};

struct e4d_config {
	char **filesystems;	/* mountpoints; none: all mounted ext4 */
	size_t nfilesystems;
	uint64_t time_budget;	/* seconds per run; 0 = unlimited */
	uint64_t max_rate;	/* bytes per second; 0 = unlimited */
	uint64_t min_age;	/* seconds since last modification */
	enum e4d_busy busy;
	bool include_nonrotational;
	double threshold;	/* smallest file SCORE (0-100) worth moving */
	char *state_dir;	/* absolute path */
	char *prometheus_file;	/* absolute, ends in .prom; NULL: none */
};

/**
 * e4d_config_init() - the defaults: all mounted ext4, 2 h budget, 50 MiB/s,
 * min-age 1 h, busy = skip, rotational devices only, threshold 10, state
 * in /var/lib/e4defrag2, no metrics file
 * @cfg: configuration to fill (call e4d_config_free() later)
 *
 * Return: 0 or -ENOMEM.
 */
int e4d_config_init(struct e4d_config *cfg);

/** e4d_config_free() - release what a configuration holds */
void e4d_config_free(struct e4d_config *cfg);

/**
 * e4d_config_parse() - apply the settings of a configuration text
 * @ctx: library context; each error goes through it as "NAME:LINE: ..."
 * @text: the whole text, NUL-terminated
 * @name: file name used in messages
 * @cfg: initialised configuration, updated in place
 *
 * Every line is checked even after an error, so all errors are reported.
 * On error @cfg may be partly updated: free it and do not use it.
 *
 * Return: 0, -EINVAL on any syntax or value error, or -ENOMEM.
 */
int e4d_config_parse(const struct e4d_ctx *ctx, const char *text,
		     const char *name, struct e4d_config *cfg);

/**
 * e4d_config_set() - apply one setting, named by its configuration key
 * @cfg: initialised configuration, updated in place
 * @key: a key of the configuration file ("time-budget", "busy", ...)
 * @value: its value, as the file would give it
 * @expect: with -EINVAL, set to what the value should look like
 *
 * For the command-line options that override the file.
 *
 * Return: 0, -EINVAL (bad value), -ENOENT (no such key) or -ENOMEM.
 */
int e4d_config_set(struct e4d_config *cfg, const char *key,
		   const char *value, const char **expect);

/**
 * e4d_config_load() - read and parse a configuration file
 * @ctx: library context
 * @path: file to read
 * @cfg: initialised configuration, updated in place
 *
 * A missing file is not reported: the caller decides whether the default
 * configuration will do. Files larger than E4D_CONFIG_MAX_SIZE, or that
 * are not regular files, are refused.
 *
 * Return: 0, -ENOENT, -EINVAL, -EFBIG, or another negative errno.
 */
int e4d_config_load(const struct e4d_ctx *ctx, const char *path,
		    struct e4d_config *cfg);

/**
 * e4d_parse_size() - "4096", "512K", "20MiB", "1g", "3TB"
 * @s: text; a bare number is bytes; K, M, G, T (either case, optionally
 *     followed by "B" or "iB") are powers of 1024
 * @bytes: out
 *
 * Return: 0 or -EINVAL (also on overflow).
 */
int e4d_parse_size(const char *s, uint64_t *bytes);

/**
 * e4d_parse_duration() - "90", "90s", "15m", "2h", "7d" or "0"
 * @s: text; a bare number is seconds; the unit letter may be upper case
 * @sec: out, seconds
 *
 * Return: 0 or -EINVAL (also on overflow).
 */
int e4d_parse_duration(const char *s, uint64_t *sec);

/**
 * e4d_parse_rate() - "50" (MiB/s), "512K", "20MiB", "1G/s", "0"
 * @s: text; a bare number is MiB per second; otherwise a size as
 *     e4d_parse_size() takes it, per second, optionally followed by "/s"
 * @bytes_per_sec: out; 0 means unlimited
 *
 * Return: 0 or -EINVAL (also on overflow).
 */
int e4d_parse_rate(const char *s, uint64_t *bytes_per_sec);

/**
 * e4d_parse_threshold() - a score from 0 to 100: "10", "2.5"
 * @s: text: decimal digits, at most one point
 * @out: out
 *
 * Return: 0 or -EINVAL.
 */
int e4d_parse_threshold(const char *s, double *out);

/**
 * e4d_parse_bool() - yes/no, true/false, on/off, 1/0 (case-insensitive)
 * @s: text
 * @val: out
 *
 * Return: 0 or -EINVAL.
 */
int e4d_parse_bool(const char *s, bool *val);

/**
 * e4d_parse_busy() - "skip", "yield" or "ignore"
 * @s: text
 * @busy: out
 *
 * Return: 0 or -EINVAL.
 */
int e4d_parse_busy(const char *s, enum e4d_busy *busy);

/** e4d_busy_name() - the config word of a busy policy */
const char *e4d_busy_name(enum e4d_busy busy);

#endif
