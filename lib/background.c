// SPDX-License-Identifier: GPL-2.0
/*
 * background.c - policy, lock and resume state around a scheduled run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <libmount.h>

#include "e4d/background.h"
#include "e4d/config.h"
#include "e4d/done.h"
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
	    ret != -EPROTO && ret != -ESTALE)
		goto out_unlock;
	/* a record is only as good as the state naming its pass */
	if (!ret) {
		ret = e4d_done_load(ctx, cfg->state_dir, id, bg->st.passes,
				    &bg->done);
		if (ret == -ENOMEM)
			goto out_unlock;
	}
	bg->done_earlier = e4d_done_count(&bg->done);
	bg->done_saved = bg->done_earlier;
	bg->start = now;
	bg->saved = now;
	return 0;
out_unlock:
	e4d_done_clear(&bg->done);
	e4d_unlock_fs(bg->lock_fd);
	bg->lock_fd = -1;
	return ret;
}

bool e4d_bg_is_done(struct e4d_bg *bg, uint64_t ino)
{
	return e4d_done_has(&bg->done, ino);
}

int e4d_bg_file_done(struct e4d_bg *bg, uint64_t ino, uint64_t bytes,
		     uint64_t ext_before, uint64_t ext_after)
{
	if (bytes) {
		bg->files++;
		bg->bytes += bytes;
		bg->ext_before += ext_before;
		bg->ext_after += ext_after;
	}
	return e4d_done_add(&bg->done, ino);
}

void e4d_bg_file_part(struct e4d_bg *bg, uint64_t bytes)
{
	bg->bytes += bytes;
}

/* The state as a run ending now with @result would leave it. */
static void run_state(const struct e4d_bg *bg, enum e4d_run_result result,
		      int exit_code, uint64_t now, struct e4d_state *st)
{
	*st = bg->st;
	if (result == E4D_RUN_OK)
		st->passes++;
	st->last_start = bg->start;
	st->last_end = now > bg->start ? now : bg->start;
	st->last_result = result;
	st->last_exit = exit_code < 0 || exit_code > 255 ? 255 : exit_code;
	st->files_moved = bg->files;
	st->bytes_moved = bg->bytes;
	st->bytes_moved_total += bg->bytes;
	if (st->bytes_moved_total < bg->bytes)
		st->bytes_moved_total = bg->bytes;	/* wrapped: restart */
}

/* The record first, then the state: both name the same pass. */
static int save_partial(const struct e4d_ctx *ctx,
			const struct e4d_config *cfg, struct e4d_bg *bg,
			const struct e4d_state *st)
{
	int ret;

	ret = e4d_done_save(ctx, cfg->state_dir, &bg->st.id, bg->st.passes,
			    &bg->done);
	if (ret)
		return ret;
	bg->done_saved = e4d_done_count(&bg->done);
	return e4d_state_save(ctx, cfg->state_dir, st);
}

int e4d_bg_checkpoint(const struct e4d_ctx *ctx, const struct e4d_config *cfg,
		      struct e4d_bg *bg, uint64_t now)
{
	struct e4d_state st;
	int ret;

	if (now < bg->saved + E4D_BG_CHECKPOINT_SECS ||
	    e4d_done_count(&bg->done) == bg->done_saved)
		return 0;
	bg->saved = now;
	run_state(bg, E4D_RUN_PARTIAL, 4, now, &st);
	ret = save_partial(ctx, cfg, bg, &st);
	return ret ? ret : 1;
}

int e4d_bg_end(const struct e4d_ctx *ctx, const struct e4d_config *cfg,
	       struct e4d_bg *bg, enum e4d_run_result result, int exit_code,
	       uint64_t now, struct e4d_prom_fs *prom)
{
	struct e4d_state st;
	int ret;

	run_state(bg, result, exit_code, now, &st);
	if (result == E4D_RUN_OK) {
		/* the state counts the pass first: a record left behind by
		 * a crash in between names a pass that is over
		 */
		ret = e4d_state_save(ctx, cfg->state_dir, &st);
		if (!ret)
			ret = e4d_done_remove(ctx, cfg->state_dir,
					      st.id.uuid);
	} else {
		ret = save_partial(ctx, cfg, bg, &st);
	}
	bg->st = st;
	e4d_done_clear(&bg->done);
	e4d_unlock_fs(bg->lock_fd);
	bg->lock_fd = -1;
	if (prom) {
		e4d_prom_from_state(prom, &st);
		prom->extents_before = bg->ext_before;
		prom->extents_after = bg->ext_after;
	}
	return ret;
}

void e4d_bg_abort(struct e4d_bg *bg)
{
	e4d_done_clear(&bg->done);
	e4d_unlock_fs(bg->lock_fd);
	bg->lock_fd = -1;
}

void e4d_bg_mounts_free(char **paths, size_t n)
{
	while (n--)
		free(paths[n]);
	free(paths);
}

/* The index of the path on device @dev, or -1. */
static ssize_t have_dev(char **paths, size_t n, dev_t dev)
{
	struct stat st;

	while (n--)
		if (!stat(paths[n], &st) && st.st_dev == dev)
			return n;
	return -1;
}

static bool is_ro_mount(const char *path)
{
	struct statvfs sv;

	return !statvfs(path, &sv) && (sv.f_flag & ST_RDONLY);
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
		const char *root = mnt_fs_get_root(mfs);
		const char *vopt = mnt_fs_get_vfs_options(mfs);
		ssize_t at;

		/* a bind mount of a directory is no whole filesystem */
		if (!target || strcmp(mnt_fs_get_fstype(mfs) ?: "", "ext4") ||
		    (root && strcmp(root, "/")))
			continue;
		at = have_dev(v, cnt, mnt_fs_get_devno(mfs));
		if (at >= 0) {
			/* mounted again: a read-write mount is preferred to
			 * a read-only one, which the policy skips
			 */
			if (vopt && !mnt_optstr_get_option(vopt, "ro", NULL,
							   NULL))
				continue;
			if (!is_ro_mount(v[at]))
				continue;
			free(v[at]);
			v[at] = strdup(target);
			if (!v[at]) {
				ret = -ENOMEM;
				goto out_free;
			}
			continue;
		}
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
