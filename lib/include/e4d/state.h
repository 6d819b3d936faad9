/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state.h - what a scheduled run leaves for the next one, per filesystem:
 * passes completed, the last run's times, result and bytes moved. One file
 * per filesystem UUID in a state directory (/var/lib/e4defrag2 by
 * default); lock.h keeps runs apart, done.h records which files the
 * current pass has had.
 *
 * The file is a versioned text format, one "key value" per line:
 *
 *	# e4defrag2 state, do not edit
 *	version 2
 *	uuid 0b6a2a8e-6c1c-4b43-9f9c-1a2b3c4d5e6f
 *	blocks_count 262144
 *	...
 *
 * Every key of the version must appear exactly once, in any order; values
 * are unsigned decimal numbers (or a UUID, or a result word). A file is
 * trusted only when it is a regular file with one link, owned by root or
 * the effective user, and not writable by group or others, in a directory
 * of the same kind; anything else is ignored with a warning, and the run
 * starts from the beginning. Saving is atomic (temp file, fsync, rename,
 * fsync of the directory).
 */
#ifndef E4D_STATE_H
#define E4D_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e4d_ctx;
struct e4d_fs;

#define E4D_STATE_DIR		"/var/lib/e4defrag2"
#define E4D_STATE_VERSION	2	/* 1 had a resume inode; 2 has done.h */
#define E4D_STATE_MAX_SIZE	4096

/* Which filesystem a state belongs to; a recreated one differs. */
struct e4d_fs_id {
	char uuid[37];
	uint64_t blocks_count;
	uint64_t inodes_count;
	uint64_t mkfs_time;	/* superblock s_mkfs_time; 0 when unset */
};

enum e4d_run_result {
	E4D_RUN_NONE,		/* no run finished yet */
	E4D_RUN_OK,		/* reached the end of the filesystem */
	E4D_RUN_PARTIAL,	/* stopped by the time budget; resumes */
	E4D_RUN_FAILED,		/* stopped by an error */
};

struct e4d_state {
	struct e4d_fs_id id;
	/*
	 * Whole-filesystem passes completed. The files the current pass
	 * (number passes + 1) has had are in the done record (done.h),
	 * which names this number.
	 */
	uint64_t passes;
	uint64_t last_start;	/* Unix time of the last run's start */
	uint64_t last_end;	/* and of its end */
	enum e4d_run_result last_result;
	uint64_t last_exit;	/* exit code of the last run */
	uint64_t files_moved;	/* by the last run */
	uint64_t bytes_moved;	/* by the last run */
	uint64_t bytes_moved_total;	/* by all runs of this state */
};

/**
 * e4d_uuid_is_valid() - whether @s is a lower-case canonical UUID
 * (8-4-4-4-12 hex digits), safe to use in a file name
 */
bool e4d_uuid_is_valid(const char *s);

/**
 * e4d_fs_id_get() - the identity of an opened filesystem
 * @fs: filesystem from e4d_fs_open(); needs the superblock (fs->e2fs)
 * @id: out
 *
 * Return: 0, -EACCES without device access, -EINVAL without a valid UUID.
 */
int e4d_fs_id_get(const struct e4d_fs *fs, struct e4d_fs_id *id);

/** e4d_fs_id_equal() - whether two identities are the same filesystem */
bool e4d_fs_id_equal(const struct e4d_fs_id *a, const struct e4d_fs_id *b);

/**
 * e4d_state_init() - a fresh state (nothing done yet) for a filesystem
 * @st: out
 * @id: identity of the filesystem
 */
void e4d_state_init(struct e4d_state *st, const struct e4d_fs_id *id);

/** e4d_run_result_name() - "none", "ok", "partial" or "failed" */
const char *e4d_run_result_name(enum e4d_run_result r);

/**
 * e4d_state_format() - the file text of a state
 * @st: state
 * @buf: out, NUL-terminated
 * @len: size of @buf
 *
 * Return: the text length, or -ENOSPC when @buf is too small.
 */
int e4d_state_format(const struct e4d_state *st, char *buf, size_t len);

/**
 * e4d_state_parse() - strict parse of a state file's text
 * @text: NUL-terminated
 * @st: out (undefined on error)
 * @why: out, on error a static description of the first problem
 *
 * Return: 0, or -EINVAL for anything malformed, -EPROTO for a version this
 * program does not know.
 */
int e4d_state_parse(const char *text, struct e4d_state *st, const char **why);

/**
 * e4d_state_path() - "DIR/UUID.state"
 * @dir: state directory
 * @uuid: validated UUID
 * @buf: out
 * @len: size of @buf
 *
 * Return: 0, -EINVAL for a bad UUID, -ENAMETOOLONG.
 */
int e4d_state_path(const char *dir, const char *uuid, char *buf, size_t len);

/**
 * e4d_state_load() - the state of a filesystem from the last run
 * @ctx: library context; every reason to ignore a file is a warning
 * @dir: state directory
 * @id: identity of the filesystem now
 * @st: out; always valid: the saved state, or a fresh one on any error
 *
 * Return: 0 when the saved state was loaded; -ENOENT when there is none
 * (no message); -EPERM for an untrusted file or directory, -EINVAL or
 * -EPROTO for a malformed one, -ESTALE when it belongs to a different
 * (recreated or resized) filesystem, or another negative errno.
 */
int e4d_state_load(const struct e4d_ctx *ctx, const char *dir,
		   const struct e4d_fs_id *id, struct e4d_state *st);

/**
 * e4d_state_save() - write a filesystem's state atomically
 * @ctx: library context
 * @dir: state directory; created (0755) when missing, parents must exist
 * @st: state to save
 *
 * Return: 0 or a negative errno (-EPERM for an untrusted directory).
 */
int e4d_state_save(const struct e4d_ctx *ctx, const char *dir,
		   const struct e4d_state *st);

/**
 * e4d_state_read_file() - read a file of the state directory, if trusted
 * @ctx: library context; every reason to refuse the file is a warning
 * @dir: state directory (must be trusted too)
 * @name: file name within it
 * @max: largest size accepted, in bytes
 * @text: out, malloc'd and NUL-terminated (NULL on error)
 *
 * The trust rules of the state file: a regular file (not a symbolic link,
 * not a FIFO), one link, owned by root or the effective user, not writable
 * by group or others, no NUL byte.
 *
 * Return: 0; -ENOENT when there is none (no message); -EPERM when
 * untrusted, -EINVAL when too large or binary, -ENOMEM, or another
 * negative errno.
 */
int e4d_state_read_file(const struct e4d_ctx *ctx, const char *dir,
			const char *name, size_t max, char **text);

/**
 * e4d_state_write_file() - replace a file of the state directory
 * atomically (mode 0644), creating the directory when missing
 * @ctx: library context; failures are reported as errors
 * @dir: state directory
 * @name: file name within it
 * @buf: content
 * @len: its length
 *
 * Return: 0 or a negative errno (-EPERM for an untrusted directory).
 */
int e4d_state_write_file(const struct e4d_ctx *ctx, const char *dir,
			 const char *name, const char *buf, size_t len);

/**
 * e4d_state_remove_file() - remove a file of the state directory, if there
 * @ctx: library context
 * @dir: state directory
 * @name: file name within it
 *
 * Return: 0 (also when there was none) or a negative errno.
 */
int e4d_state_remove_file(const struct e4d_ctx *ctx, const char *dir,
			  const char *name);

/**
 * e4d_state_dir_prepare() - create the state directory when missing and
 * check that it is trusted (a directory owned by root or the effective
 * user, not writable by group or others)
 * @ctx: library context; says why a directory is refused
 * @dir: path
 *
 * Return: 0, -EPERM when untrusted, or another negative errno.
 */
int e4d_state_dir_prepare(const struct e4d_ctx *ctx, const char *dir);

#endif
