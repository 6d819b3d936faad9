// SPDX-License-Identifier: GPL-2.0
/*
 * background.c - policy, lock and resume state around a scheduled run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libmount.h>

#include "e4d/background.h"
#include "e4d/config.h"
#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/ioprio.h"
#include "e4d/lock.h"
#include "e4d/prom.h"
#include "e4d/state.h"

int e4d_bg_begin(const struct e4d_ctx *ctx, const struct e4d_config *cfg,
		 const struct e4d_fs *fs, const struct e4d_fs_id *id,
		 uint64_t now, struct e4d_bg *bg, const char **why)
{
	struct e4d_policy pol = {
		.include_nonrotational = cfg->include_nonrotational,
	};
	int ret;

	memset(bg, 0, sizeof(*bg));
	bg->lock_fd = -1;
	*why = NULL;
	if (e4d_policy_skip(fs, &pol, why))
		return 1;
	ret = e4d_lock_fs(ctx, cfg->state_dir, id->uuid, &bg->lock_fd);
	if (ret)
		return ret;
	ret = e4d_state_load(ctx, cfg->state_dir, id, &bg->st);
	if (ret && ret != -ENOENT && ret != -EPERM && ret != -EINVAL &&
	    ret != -EPROTO && ret != -ESTALE) {
		e4d_unlock_fs(bg->lock_fd);
		bg->lock_fd = -1;
		return ret;
	}
	bg->start = now;
	return 0;
}

unsigned int e4d_rank(double score)
{
	if (!(score > 0))
		return 0;
	if (score >= E4D_RANK_MAX / 10)
		return E4D_RANK_MAX;
	return (unsigned int)(score * 10 + 0.5);
}

uint64_t e4d_bg_resume_ino(const struct e4d_bg *bg)
{
	return bg->st.next_ino;
}

uint64_t e4d_bg_resume_rank(const struct e4d_bg *bg)
{
	return bg->st.next_rank;
}

bool e4d_bg_is_done(const struct e4d_bg *bg, unsigned int rank, uint64_t ino)
{
	uint64_t r = bg->st.next_rank;

	if (!r)
		return false;
	return rank + 1 > r || (rank + 1 == r && ino < bg->st.next_ino);
}

void e4d_bg_file_done(struct e4d_bg *bg, unsigned int rank, uint64_t ino,
		      uint64_t bytes, uint64_t ext_before, uint64_t ext_after)
{
	bg->last_rank = (uint64_t)rank + 1;
	bg->last_ino = ino;
	if (!bytes)
		return;
	bg->files++;
	bg->bytes += bytes;
	bg->ext_before += ext_before;
	bg->ext_after += ext_after;
}

int e4d_bg_end(const struct e4d_ctx *ctx, const struct e4d_config *cfg,
	       struct e4d_bg *bg, enum e4d_run_result result, int exit_code,
	       uint64_t now, struct e4d_prom_fs *prom)
{
	struct e4d_state *st = &bg->st;
	int ret;

	if (result == E4D_RUN_OK) {
		st->next_rank = 0;
		st->next_ino = 0;
		st->passes++;
	} else if (bg->last_rank) {
		st->next_rank = bg->last_rank;
		st->next_ino = bg->last_ino + 1;
	}
	st->last_start = bg->start;
	st->last_end = now > bg->start ? now : bg->start;
	st->last_result = result;
	st->last_exit = exit_code < 0 || exit_code > 255 ? 255 : exit_code;
	st->files_moved = bg->files;
	st->bytes_moved = bg->bytes;
	st->bytes_moved_total += bg->bytes;
	if (st->bytes_moved_total < bg->bytes)
		st->bytes_moved_total = bg->bytes;	/* wrapped: restart */
	ret = e4d_state_save(ctx, cfg->state_dir, st);
	e4d_unlock_fs(bg->lock_fd);
	bg->lock_fd = -1;
	if (prom) {
		e4d_prom_from_state(prom, st);
		prom->extents_before = bg->ext_before;
		prom->extents_after = bg->ext_after;
	}
	return ret;
}

void e4d_bg_mounts_free(char **paths, size_t n)
{
	while (n--)
		free(paths[n]);
	free(paths);
}

static bool have_dev(char **paths, size_t n, dev_t dev)
{
	struct stat st;

	while (n--)
		if (!stat(paths[n], &st) && st.st_dev == dev)
			return true;
	return false;
}

int e4d_bg_mounts(const struct e4d_ctx *ctx, char ***paths, size_t *n)
{
	struct libmnt_table *tb;
	struct libmnt_iter *it;
	struct libmnt_fs *mfs;
	char **v = NULL, **nv;
	size_t cnt = 0;
	int ret = 0;

	*paths = NULL;
	*n = 0;
	tb = mnt_new_table_from_file("/proc/self/mountinfo");
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!tb || !it) {
		e4d_msg(ctx, E4D_ERR, "cannot read /proc/self/mountinfo");
		ret = -ENOMEM;
		goto out_free;
	}
	while (mnt_table_next_fs(tb, it, &mfs) == 0) {
		const char *target = mnt_fs_get_target(mfs);

		if (!target || strcmp(mnt_fs_get_fstype(mfs) ?: "", "ext4") ||
		    have_dev(v, cnt, mnt_fs_get_devno(mfs)))
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			ret = -ENOMEM;
			goto out_free;
		}
		v = nv;
		v[cnt] = strdup(target);
		if (!v[cnt]) {
			ret = -ENOMEM;
			goto out_free;
		}
		cnt++;
	}
	*paths = v;
	*n = cnt;
	v = NULL;
	cnt = 0;
out_free:
	e4d_bg_mounts_free(v, cnt);
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return ret;
}
