// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - per-filesystem resume state of scheduled runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>

#include "e4d/atomicfile.h"
#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/state.h"

bool e4d_uuid_is_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' :
		    !((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[36] == '\0';
}

int e4d_fs_id_get(const struct e4d_fs *fs, struct e4d_fs_id *id)
{
	memset(id, 0, sizeof(*id));
	if (!fs->e2fs)
		return -EACCES;
	if (!e4d_uuid_is_valid(fs->uuid))
		return -EINVAL;
	memcpy(id->uuid, fs->uuid, sizeof(id->uuid));
	id->blocks_count = ext2fs_blocks_count(fs->e2fs->super);
	id->inodes_count = fs->e2fs->super->s_inodes_count;
	id->mkfs_time = fs->e2fs->super->s_mkfs_time;
	return 0;
}

bool e4d_fs_id_equal(const struct e4d_fs_id *a, const struct e4d_fs_id *b)
{
	return !strcmp(a->uuid, b->uuid) &&
	       a->blocks_count == b->blocks_count &&
	       a->inodes_count == b->inodes_count &&
	       a->mkfs_time == b->mkfs_time;
}

void e4d_state_init(struct e4d_state *st, const struct e4d_fs_id *id)
{
	memset(st, 0, sizeof(*st));
	st->id = *id;
}

static const char *const result_names[] = {
	[E4D_RUN_NONE] = "none",
	[E4D_RUN_OK] = "ok",
	[E4D_RUN_PARTIAL] = "partial",
	[E4D_RUN_FAILED] = "failed",
};

#define NRESULTS (sizeof(result_names) / sizeof(result_names[0]))

const char *e4d_run_result_name(enum e4d_run_result r)
{
	return (size_t)r < NRESULTS ? result_names[r] : "?";
}

/* The numeric fields, in file order; uuid and last_result are apart. */
static const struct {
	const char *key;
	size_t off;
	uint64_t max;
} num_fields[] = {
#define F(name, max) { #name, offsetof(struct e4d_state, name), max }
	{ "blocks_count", offsetof(struct e4d_state, id.blocks_count),
	  UINT64_MAX },
	{ "inodes_count", offsetof(struct e4d_state, id.inodes_count),
	  UINT32_MAX },
	{ "mkfs_time", offsetof(struct e4d_state, id.mkfs_time),
	  UINT64_MAX },
	F(passes, UINT64_MAX),
	F(last_start, UINT64_MAX),
	F(last_end, UINT64_MAX),
	F(last_exit, 255),
	F(files_moved, UINT64_MAX),
	F(bytes_moved, UINT64_MAX),
	F(bytes_moved_total, UINT64_MAX),
#undef F
};

#define NFIELDS (sizeof(num_fields) / sizeof(num_fields[0]))

static uint64_t *field(struct e4d_state *st, size_t i)
{
	return (uint64_t *)((char *)st + num_fields[i].off);
}

int e4d_state_format(const struct e4d_state *st, char *buf, size_t len)
{
	size_t i, pos;
	int n;

	n = snprintf(buf, len,
		     "# e4defrag2 state, written by e4defrag2; do not edit\n"
		     "version %d\nuuid %s\nlast_result %s\n",
		     E4D_STATE_VERSION, st->id.uuid,
		     e4d_run_result_name(st->last_result));
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	pos = n;
	for (i = 0; i < NFIELDS; i++) {
		n = snprintf(buf + pos, len - pos, "%s %" PRIu64 "\n",
			     num_fields[i].key,
			     *field((struct e4d_state *)st, i));
		if (n < 0 || (size_t)n >= len - pos)
			return -ENOSPC;
		pos += n;
	}
	return pos;
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;		/* empty, or a leading zero */
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Return: the bit of a key in the "seen" mask, or -1 when unknown. */
static int parse_kv(struct e4d_state *st, const char *key, const char *val,
		    const char **why)
{
	size_t i;

	if (!strcmp(key, "uuid")) {
		if (!e4d_uuid_is_valid(val)) {
			*why = "bad uuid";
			return -EINVAL;
		}
		memcpy(st->id.uuid, val, sizeof(st->id.uuid));
		return NFIELDS;
	}
	if (!strcmp(key, "last_result")) {
		for (i = 0; i < NRESULTS; i++) {
			if (!strcmp(val, result_names[i])) {
				st->last_result = i;
				return NFIELDS + 1;
			}
		}
		*why = "bad last_result";
		return -EINVAL;
	}
	for (i = 0; i < NFIELDS; i++) {
		if (strcmp(key, num_fields[i].key))
			continue;
		if (parse_num(val, num_fields[i].max, field(st, i))) {
			*why = "bad number";
			return -EINVAL;
		}
		return i;
	}
	*why = "unknown key";
	return -EINVAL;
}

int e4d_state_parse(const char *text, struct e4d_state *st, const char **why)
{
	const uint32_t all = (1u << (NFIELDS + 2)) - 1;
	uint32_t seen = 0;
	bool have_version = false;
	char line[128], *sp;
	const char *p = text, *nl;
	size_t len;
	int bit;

	memset(st, 0, sizeof(*st));
	*why = NULL;
	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl) {
			*why = "last line not terminated";
			return -EINVAL;
		}
		len = nl - p;
		if (len >= sizeof(line)) {
			*why = "line too long";
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		if (line[0] == '#')
			continue;
		sp = strchr(line, ' ');
		if (!sp || sp == line || !sp[1] || strchr(sp + 1, ' ')) {
			*why = "expected \"key value\"";
			return -EINVAL;
		}
		*sp++ = '\0';
		if (!have_version) {
			uint64_t v;

			if (strcmp(line, "version") ||
			    parse_num(sp, UINT32_MAX, &v)) {
				*why = "no version line first";
				return -EINVAL;
			}
			if (v != E4D_STATE_VERSION) {
				*why = "unknown version";
				return -EPROTO;
			}
			have_version = true;
			continue;
		}
		bit = parse_kv(st, line, sp, why);
		if (bit < 0)
			return bit;
		if (seen & (1u << bit)) {
			*why = "key given twice";
			return -EINVAL;
		}
		seen |= 1u << bit;
	}
	if (!have_version || seen != all) {
		*why = "missing keys";
		return -EINVAL;
	}
	if (st->last_start > st->last_end && st->last_end) {
		*why = "last_end before last_start";
		return -EINVAL;
	}
	if (st->bytes_moved > st->bytes_moved_total) {
		*why = "bytes_moved above bytes_moved_total";
		return -EINVAL;
	}
	return 0;
}

int e4d_state_path(const char *dir, const char *uuid, char *buf, size_t len)
{
	int n;

	if (!e4d_uuid_is_valid(uuid))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s.state", dir, uuid);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Whether a stat belongs to something only root or we could have written */
static const char *untrusted_why(const struct stat *st, bool dir)
{
	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
		return dir ? "not a directory" : "not a regular file";
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "owned by another user";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	if (!dir && st->st_nlink != 1)
		return "has more than one link";
	return NULL;
}

/* Open and check a state directory. Return: fd or negative errno. */
static int open_dir(const struct e4d_ctx *ctx, enum e4d_level level,
		    const char *dir)
{
	const char *why;
	struct stat st;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	why = untrusted_why(&st, true);
	if (why) {
		e4d_msg(ctx, level, "state directory %s: %s; not used",
			dir, why);
		close(fd);
		return -EPERM;
	}
	return fd;
}

int e4d_state_dir_prepare(const struct e4d_ctx *ctx, const char *dir)
{
	int fd;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		e4d_msg(ctx, E4D_ERR, "cannot create state directory %s: %s",
			dir, strerror(errno));
		return -errno;
	}
	fd = open_dir(ctx, E4D_ERR, dir);
	if (fd < 0) {
		if (fd != -EPERM)
			e4d_msg(ctx, E4D_ERR, "state directory %s: %s", dir,
				strerror(-fd));
		return fd;
	}
	close(fd);
	return 0;
}

/* Read a trusted file of size < @size into @buf. Return: 0 or -errno. */
static int read_trusted(const struct e4d_ctx *ctx, int dfd, const char *path,
			const char *name, char *buf, size_t size)
{
	const char *why;
	struct stat st;
	size_t len = 0;
	ssize_t n = 0;
	int fd, ret;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ELOOP) {
			e4d_msg(ctx, E4D_WARN, "%s: a symbolic link; ignored",
				path);
			return -EPERM;
		}
		if (ret != -ENOENT)
			e4d_msg(ctx, E4D_WARN, "%s: %s; ignored", path,
				strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out_close;
	}
	why = untrusted_why(&st, false);
	if (why) {
		e4d_msg(ctx, E4D_WARN, "%s: %s; ignored", path, why);
		ret = -EPERM;
		goto out_close;
	}
	if ((uint64_t)st.st_size >= size) {
		e4d_msg(ctx, E4D_WARN, "%s: too large; ignored", path);
		ret = -EINVAL;
		goto out_close;
	}
	for (;;) {
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (len == size)
			break;
	}
	if (n < 0) {
		ret = -errno;
		e4d_msg(ctx, E4D_WARN, "%s: %s; ignored", path, strerror(-ret));
		goto out_close;
	}
	if (len == size) {
		e4d_msg(ctx, E4D_WARN, "%s: too large; ignored", path);
		ret = -EINVAL;
		goto out_close;
	}
	buf[len] = '\0';
	ret = 0;
	if (strlen(buf) != len) {
		e4d_msg(ctx, E4D_WARN, "%s: contains a NUL byte; ignored",
			path);
		ret = -EINVAL;
	}
out_close:
	close(fd);
	return ret;
}

int e4d_state_read_file(const struct e4d_ctx *ctx, const char *dir,
			const char *name, size_t max, char **text)
{
	char path[4096];
	int dfd, ret;

	*text = NULL;
	if (strchr(name, '/') || snprintf(path, sizeof(path), "%s/%s", dir,
					  name) >= (int)sizeof(path))
		return -EINVAL;
	*text = malloc(max + 1);
	if (!*text)
		return -ENOMEM;
	dfd = open_dir(ctx, E4D_WARN, dir);
	if (dfd < 0) {
		ret = dfd;
		goto out_free;
	}
	ret = read_trusted(ctx, dfd, path, name, *text, max + 1);
	close(dfd);
	if (!ret)
		return 0;
out_free:
	free(*text);
	*text = NULL;
	return ret;
}

int e4d_state_write_file(const struct e4d_ctx *ctx, const char *dir,
			 const char *name, const char *buf, size_t len)
{
	int dfd, ret;

	ret = e4d_state_dir_prepare(ctx, dir);
	if (ret)
		return ret;
	dfd = open_dir(ctx, E4D_ERR, dir);
	if (dfd < 0)
		return dfd;
	ret = e4d_write_atomic(dfd, name, buf, len, 0644);
	if (ret)
		e4d_msg(ctx, E4D_ERR, "cannot write %s/%s: %s", dir, name,
			strerror(-ret));
	close(dfd);
	return ret;
}

int e4d_state_remove_file(const struct e4d_ctx *ctx, const char *dir,
			  const char *name)
{
	int dfd, ret = 0;

	dfd = open_dir(ctx, E4D_ERR, dir);
	if (dfd < 0)
		return dfd;
	if (unlinkat(dfd, name, 0) && errno != ENOENT) {
		ret = -errno;
		e4d_msg(ctx, E4D_ERR, "cannot remove %s/%s: %s", dir, name,
			strerror(-ret));
	} else if (fsync(dfd) && errno != EINVAL) {
		ret = -errno;
	}
	close(dfd);
	return ret;
}

int e4d_state_load(const struct e4d_ctx *ctx, const char *dir,
		   const struct e4d_fs_id *id, struct e4d_state *st)
{
	char path[4096], *buf;
	struct e4d_state got;
	const char *why;
	int ret;

	e4d_state_init(st, id);
	ret = e4d_state_path(dir, id->uuid, path, sizeof(path));
	if (ret)
		return ret;
	ret = e4d_state_read_file(ctx, dir, strrchr(path, '/') + 1,
				  E4D_STATE_MAX_SIZE, &buf);
	if (ret)
		return ret;
	ret = e4d_state_parse(buf, &got, &why);
	free(buf);
	if (ret) {
		e4d_msg(ctx, E4D_WARN, "%s: %s; ignored", path, why);
		return ret;
	}
	if (!e4d_fs_id_equal(&got.id, id)) {
		e4d_msg(ctx, E4D_WARN,
			"%s: of an earlier filesystem with this UUID (size or creation time differ); starting over",
			path);
		return -ESTALE;
	}
	*st = got;
	return 0;
}

int e4d_state_save(const struct e4d_ctx *ctx, const char *dir,
		   const struct e4d_state *st)
{
	char path[4096], buf[E4D_STATE_MAX_SIZE];
	int len, ret;

	ret = e4d_state_path(dir, st->id.uuid, path, sizeof(path));
	if (ret)
		return ret;
	len = e4d_state_format(st, buf, sizeof(buf));
	if (len < 0)
		return len;
	return e4d_state_write_file(ctx, dir, strrchr(path, '/') + 1, buf,
				    len);
}
