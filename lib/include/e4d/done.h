/* SPDX-License-Identifier: GPL-2.0 */
/*
 * done.h - the files a pass of scheduled runs has had: a set of inode
 * numbers per filesystem, kept across runs in "DIR/UUID.done" next to the
 * state (state.h). A pass takes the candidates worst first; the scores
 * change under the moves, so no cursor in that order can say what is left.
 * Each run leaves out what the record names instead, and the pass ends
 * when nothing is left.
 *
 * The file is text, one value a line, in this order:
 *
 *	# e4defrag2: files done in the current pass; do not edit
 *	version 1
 *	uuid 0b6a2a8e-6c1c-4b43-9f9c-1a2b3c4d5e6f
 *	blocks_count 262144
 *	inodes_count 65536
 *	mkfs_time 1700000000
 *	pass 3
 *	count 2
 *	12
 *	57
 *
 * "pass" is the state's passes completed (the record is of the pass after
 * them); the inodes follow in ascending order, each once, within
 * 1..inodes_count, exactly "count" of them. The file is trusted under the
 * rules of the state file (e4d_state_read_file()) and only when it names
 * the same filesystem and pass; anything else is ignored with a warning.
 * It holds at most E4D_DONE_MAX inodes: a pass that reaches it ends there.
 */
#ifndef E4D_DONE_H
#define E4D_DONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e4d/state.h"

struct e4d_ctx;

#define E4D_DONE_VERSION	1
#define E4D_DONE_MAX		(1u << 20)	/* inodes in one record */
#define E4D_DONE_HEADER_MAX	512
/* the largest file: the header, then up to 10 digits and '\n' an inode */
#define E4D_DONE_MAX_SIZE	(E4D_DONE_HEADER_MAX + 11 * (size_t)E4D_DONE_MAX)

struct e4d_done {
	uint32_t *v;		/* inode numbers */
	size_t n, cap;
	size_t nsorted;		/* v[0..nsorted) ascending, no duplicates */
};

/**
 * e4d_done_add() - add an inode to the record
 * @d: record (zero-initialised to start empty)
 * @ino: inode number, 1..UINT32_MAX
 *
 * Return: 0 (also when it was there already), -ENOSPC when the record
 * holds E4D_DONE_MAX inodes, -ERANGE for an impossible inode, -ENOMEM.
 */
int e4d_done_add(struct e4d_done *d, uint64_t ino);

/**
 * e4d_done_has() - whether the record names an inode
 * @d: record; sorted first when inodes were added since (hence not const)
 * @ino: inode number
 *
 * Return: true when @ino is in the record.
 */
bool e4d_done_has(struct e4d_done *d, uint64_t ino);

/** e4d_done_count() - how many inodes the record holds */
size_t e4d_done_count(struct e4d_done *d);

/** e4d_done_clear() - empty the record and release its memory */
void e4d_done_clear(struct e4d_done *d);

/**
 * e4d_done_format() - the file text of a record
 * @d: record (sorted by this call)
 * @id: the filesystem
 * @pass: passes completed before the one recorded
 * @text: out, malloc'd and NUL-terminated
 * @len: out, its length
 *
 * Return: 0 or -ENOMEM.
 */
int e4d_done_format(struct e4d_done *d, const struct e4d_fs_id *id,
		    uint64_t pass, char **text, size_t *len);

/**
 * e4d_done_parse() - strict parse of a record's text
 * @text: NUL-terminated
 * @id: out, the filesystem it names
 * @pass: out, the passes completed it names
 * @d: out, the inodes (empty on error; e4d_done_clear() in every case)
 * @why: out, on error a static description of the first problem
 *
 * Return: 0, -EINVAL for anything malformed, -EPROTO for an unknown
 * version, -ENOMEM.
 */
int e4d_done_parse(const char *text, struct e4d_fs_id *id, uint64_t *pass,
		   struct e4d_done *d, const char **why);

/**
 * e4d_done_name() - "UUID.done"
 * @uuid: validated UUID
 * @buf: out
 * @len: size of @buf (at least 42)
 *
 * Return: 0, -EINVAL for a bad UUID or a short @buf.
 */
int e4d_done_name(const char *uuid, char *buf, size_t len);

/**
 * e4d_done_load() - the record of the current pass of a filesystem
 * @ctx: library context; every reason to ignore the file is a warning
 * @dir: state directory
 * @id: identity of the filesystem now
 * @pass: the state's passes completed
 * @d: out; the saved record, or empty on any error
 *
 * Return: 0 when loaded; -ENOENT when there is none (no message); -EPERM
 * for an untrusted file, -EINVAL or -EPROTO for a malformed one, -ESTALE
 * when it is of another filesystem or pass, or another negative errno.
 */
int e4d_done_load(const struct e4d_ctx *ctx, const char *dir,
		  const struct e4d_fs_id *id, uint64_t pass,
		  struct e4d_done *d);

/**
 * e4d_done_save() - write the record of a pass atomically
 * @ctx: library context
 * @dir: state directory
 * @id: the filesystem
 * @pass: the state's passes completed
 * @d: record (sorted by this call)
 *
 * Return: 0 or a negative errno.
 */
int e4d_done_save(const struct e4d_ctx *ctx, const char *dir,
		  const struct e4d_fs_id *id, uint64_t pass,
		  struct e4d_done *d);

/**
 * e4d_done_remove() - remove a filesystem's record (its pass is over)
 * @ctx: library context
 * @dir: state directory
 * @uuid: validated UUID
 *
 * Return: 0 (also when there was none) or a negative errno.
 */
int e4d_done_remove(const struct e4d_ctx *ctx, const char *dir,
		    const char *uuid);

#endif
