// SPDX-License-Identifier: GPL-2.0
/*
 * done.c - the record of the files a pass of scheduled runs has had.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e4d/done.h"
#include "e4d/e4d.h"
#include "e4d/state.h"

int e4d_done_add(struct e4d_done *d, uint64_t ino)
{
	uint32_t *v;
	size_t cap;

	if (!ino || ino > UINT32_MAX)
		return -ERANGE;
	if (d->n >= E4D_DONE_MAX) {
		if (e4d_done_has(d, ino))
			return 0;
		if (d->n >= E4D_DONE_MAX)
			return -ENOSPC;
	}
	if (d->n == d->cap) {
		cap = d->cap ? d->cap * 2 : 256;
		if (cap > E4D_DONE_MAX)
			cap = E4D_DONE_MAX;
		v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = ino;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and drop duplicates. */
static void sort(struct e4d_done *d)
{
	size_t i, k;

	if (d->nsorted == d->n)
		return;
	qsort(d->v, d->n, sizeof(*d->v), cmp_u32);
	for (i = k = 0; i < d->n; i++)
		if (!k || d->v[i] != d->v[k - 1])
			d->v[k++] = d->v[i];
	d->n = d->nsorted = k;
}

bool e4d_done_has(struct e4d_done *d, uint64_t ino)
{
	uint32_t key;

	if (!ino || ino > UINT32_MAX || !d->n)
		return false;
	sort(d);
	key = ino;
	return bsearch(&key, d->v, d->n, sizeof(*d->v), cmp_u32) != NULL;
}

size_t e4d_done_count(struct e4d_done *d)
{
	sort(d);
	return d->n;
}

void e4d_done_clear(struct e4d_done *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int e4d_done_format(struct e4d_done *d, const struct e4d_fs_id *id,
		    uint64_t pass, char **text, size_t *len)
{
	size_t i, size, pos;
	char *buf;
	int n;

	sort(d);
	size = E4D_DONE_HEADER_MAX + 11 * d->n + 1;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	n = snprintf(buf, E4D_DONE_HEADER_MAX,
		     "# e4defrag2: files done in the current pass, written by e4defrag2; do not edit\n"
		     "version %d\nuuid %s\nblocks_count %" PRIu64 "\n"
		     "inodes_count %" PRIu64 "\nmkfs_time %" PRIu64 "\n"
		     "pass %" PRIu64 "\ncount %zu\n", E4D_DONE_VERSION,
		     id->uuid, id->blocks_count, id->inodes_count,
		     id->mkfs_time, pass, d->n);
	if (n < 0 || n >= E4D_DONE_HEADER_MAX) {
		free(buf);
		return -ENOMEM;		/* cannot happen: bounded fields */
	}
	pos = n;
	for (i = 0; i < d->n; i++)
		pos += snprintf(buf + pos, size - pos, "%" PRIu32 "\n",
				d->v[i]);
	*text = buf;
	*len = pos;
	return 0;
}

/* A decimal number without sign, leading zero or overflow, up to @max. */
static int parse_num(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The next line of @*p ("key value" when @key, else a bare number). */
static int next_num(const char **p, const char *key, uint64_t max,
		    uint64_t *out)
{
	const char *s = *p, *nl = strchr(s, '\n');
	size_t klen = key ? strlen(key) : 0;

	if (!nl)
		return -EINVAL;
	*p = nl + 1;
	if (key) {
		if (strncmp(s, key, klen) || s[klen] != ' ')
			return -EINVAL;
		s += klen + 1;
	}
	return parse_num(s, nl - s, max, out);
}

int e4d_done_parse(const char *text, struct e4d_fs_id *id, uint64_t *pass,
		   struct e4d_done *d, const char **why)
{
	const char *p = text, *nl;
	uint64_t v, count, i, prev = 0;
	int ret;

	memset(id, 0, sizeof(*id));
	*pass = 0;
	e4d_done_clear(d);
	*why = NULL;
	while (*p == '#') {
		nl = strchr(p, '\n');
		if (!nl)
			goto bad_line;
		p = nl + 1;
	}
	if (next_num(&p, "version", UINT32_MAX, &v)) {
		*why = "no version line first";
		return -EINVAL;
	}
	if (v != E4D_DONE_VERSION) {
		*why = "unknown version";
		return -EPROTO;
	}
	nl = strchr(p, '\n');
	if (strncmp(p, "uuid ", 5) || !nl || nl - p != 5 + 36) {
		*why = "bad uuid";
		return -EINVAL;
	}
	memcpy(id->uuid, p + 5, 36);
	id->uuid[36] = '\0';
	if (!e4d_uuid_is_valid(id->uuid)) {
		*why = "bad uuid";
		return -EINVAL;
	}
	p = nl + 1;
	if (next_num(&p, "blocks_count", UINT64_MAX, &id->blocks_count) ||
	    next_num(&p, "inodes_count", UINT32_MAX, &id->inodes_count) ||
	    next_num(&p, "mkfs_time", UINT64_MAX, &id->mkfs_time) ||
	    next_num(&p, "pass", UINT64_MAX, pass) ||
	    next_num(&p, "count", E4D_DONE_MAX, &count)) {
		*why = "bad or missing header line";
		return -EINVAL;
	}
	if (count > id->inodes_count) {
		*why = "more inodes than the filesystem has";
		return -EINVAL;
	}
	d->v = malloc((count ? count : 1) * sizeof(*d->v));
	if (!d->v)
		return -ENOMEM;
	d->cap = count ? count : 1;
	for (i = 0; i < count; i++) {
		if (!*p) {
			*why = "fewer inodes than counted";
			goto out_invalid;
		}
		if (next_num(&p, NULL, id->inodes_count, &v) || !v) {
			*why = "bad inode number";
			goto out_invalid;
		}
		if (v <= prev) {
			*why = "inodes not in ascending order";
			goto out_invalid;
		}
		d->v[d->n++] = v;
		prev = v;
	}
	d->nsorted = d->n;
	if (*p) {
		*why = "more inodes than counted";
		goto out_invalid;
	}
	return 0;
bad_line:
	*why = "last line not terminated";
	return -EINVAL;
out_invalid:
	ret = -EINVAL;
	e4d_done_clear(d);
	return ret;
}

int e4d_done_name(const char *uuid, char *buf, size_t len)
{
	if (!e4d_uuid_is_valid(uuid))
		return -EINVAL;
	return snprintf(buf, len, "%s.done", uuid) >= (int)len ? -EINVAL : 0;
}

int e4d_done_load(const struct e4d_ctx *ctx, const char *dir,
		  const struct e4d_fs_id *id, uint64_t pass,
		  struct e4d_done *d)
{
	struct e4d_fs_id got;
	char name[64], *text;
	const char *why;
	uint64_t got_pass;
	int ret;

	e4d_done_clear(d);
	ret = e4d_done_name(id->uuid, name, sizeof(name));
	if (ret)
		return ret;
	ret = e4d_state_read_file(ctx, dir, name, E4D_DONE_MAX_SIZE, &text);
	if (ret)
		return ret;
	ret = e4d_done_parse(text, &got, &got_pass, d, &why);
	free(text);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		e4d_msg(ctx, E4D_WARN, "%s/%s: %s; ignored", dir, name, why);
		return ret;
	}
	if (!e4d_fs_id_equal(&got, id)) {
		e4d_msg(ctx, E4D_WARN, "%s/%s: of another filesystem; ignored",
			dir, name);
		ret = -ESTALE;
	} else if (got_pass != pass) {
		e4d_msg(ctx, E4D_WARN, "%s/%s: of pass %" PRIu64 ", not of "
			"the current pass %" PRIu64 "; ignored", dir, name,
			got_pass + 1, pass + 1);
		ret = -ESTALE;
	}
	if (ret)
		e4d_done_clear(d);
	return ret;
}

int e4d_done_save(const struct e4d_ctx *ctx, const char *dir,
		  const struct e4d_fs_id *id, uint64_t pass,
		  struct e4d_done *d)
{
	char name[64], *text;
	size_t len;
	int ret;

	ret = e4d_done_name(id->uuid, name, sizeof(name));
	if (ret)
		return ret;
	ret = e4d_done_format(d, id, pass, &text, &len);
	if (ret)
		return ret;
	ret = e4d_state_write_file(ctx, dir, name, text, len);
	free(text);
	return ret;
}

int e4d_done_remove(const struct e4d_ctx *ctx, const char *dir,
		    const char *uuid)
{
	char name[64];
	int ret;

	ret = e4d_done_name(uuid, name, sizeof(name));
	if (ret)
		return ret;
	return e4d_state_remove_file(ctx, dir, name);
}
