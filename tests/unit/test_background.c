// SPDX-License-Identifier: GPL-2.0
/*
 * test_background.c - a scheduled run's bookkeeping: policy, lock, resume
 * after a partial run (the done record), checkpoints, a new pass after a
 * complete one, metrics.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "e4d/background.h"
#include "e4d/config.h"
#include "e4d/done.h"
#include "e4d/lock.h"
#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/prom.h"
#include "e4d/state.h"

struct fixture {
	char dir[64];
	struct e4d_ctx ctx;
	struct e4d_config cfg;
	struct e4d_fs fs;
	struct e4d_fs_id id;
	int nwarn;
};

static void count(void *arg, enum e4d_level level, const char *msg)
{
	((struct fixture *)arg)->nwarn++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (tmpdir_make(f->dir, sizeof(f->dir), "bg"))
		return -1;
	e4d_ctx_init(&f->ctx);
	f->ctx.msg = count;
	f->ctx.msg_arg = f;
	if (e4d_config_init(&f->cfg))
		return -1;
	free(f->cfg.state_dir);
	f->cfg.state_dir = strdup(f->dir);
	f->fs.rotational = 1;
	strcpy(f->id.uuid, "0b6a2a8e-6c1c-4b43-9f9c-1a2b3c4d5e6f");
	f->id.blocks_count = 1000;
	f->id.inodes_count = 100;
	f->id.mkfs_time = 42;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (tmpdir_remove(f->dir))
		return -1;
	e4d_config_free(&f->cfg);
	free(f);
	return 0;
}

static void test_policy_and_lock(void **state)
{
	struct fixture *f = *state;
	struct e4d_bg bg, bg2;
	const char *why;

	f->fs.rotational = 0;
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 100,
				      &bg, &why), 1);
	assert_non_null(strstr(why, "non-rotational"));
	f->cfg.include_nonrotational = true;
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 100,
				      &bg, &why), 0);
	assert_null(why);
	assert_int_equal(bg.done_earlier, 0);
	/* a second run on the same filesystem: -EBUSY at once */
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 100,
				      &bg2, &why), -EBUSY);
	assert_int_equal(e4d_bg_end(&f->ctx, &f->cfg, &bg, E4D_RUN_OK, 0, 160,
				    NULL), 0);
	/* released */
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 200,
				      &bg2, &why), 0);
	assert_int_equal(bg2.st.passes, 1);
	assert_int_equal(e4d_bg_end(&f->ctx, &f->cfg, &bg2, E4D_RUN_OK, 0,
				    200, NULL), 0);
	assert_int_equal(f->nwarn, 0);
}

static void test_resume(void **state)
{
	struct fixture *f = *state;
	struct e4d_prom_fs prom = { 0 };
	struct e4d_bg bg;
	const char *why;

	/* run 1: two files moved, one skipped, stopped by the budget */
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 1000,
				      &bg, &why), 0);
	assert_int_equal(bg.done_earlier, 0);
	assert_int_equal(e4d_bg_file_done(&bg, 57, 4096, 10, 1), 0);
	assert_int_equal(e4d_bg_file_done(&bg, 30, 0, 99, 99), 0);
	assert_int_equal(e4d_bg_file_done(&bg, 12, 8192, 20, 2), 0);
	assert_true(e4d_bg_is_done(&bg, 30));
	assert_false(e4d_bg_is_done(&bg, 31));
	assert_int_equal(e4d_bg_end(&f->ctx, &f->cfg, &bg, E4D_RUN_PARTIAL, 4,
				    1090, &prom), 0);
	assert_true(prom.have_run);
	assert_int_equal(prom.files_moved, 2);
	assert_int_equal(prom.bytes_moved, 12288);
	assert_int_equal(prom.bytes_moved_total, 12288);
	assert_int_equal(prom.extents_before, 30);
	assert_int_equal(prom.extents_after, 3);
	assert_int_equal(prom.last_run, 1090);
	assert_true(prom.duration == 90);
	assert_int_equal(prom.result, E4D_RUN_PARTIAL);

	/* run 2 leaves out what run 1 had, fails with nothing done */
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 2000,
				      &bg, &why), 0);
	assert_int_equal(bg.done_earlier, 3);
	assert_true(e4d_bg_is_done(&bg, 12));
	assert_true(e4d_bg_is_done(&bg, 30));
	assert_true(e4d_bg_is_done(&bg, 57));
	assert_false(e4d_bg_is_done(&bg, 13));
	assert_false(e4d_bg_is_done(&bg, 99));
	assert_int_equal(e4d_bg_end(&f->ctx, &f->cfg, &bg, E4D_RUN_FAILED, 3,
				    2001, &prom), 0);
	assert_int_equal(prom.exit_code, 3);
	assert_int_equal(prom.bytes_moved, 0);
	assert_int_equal(prom.bytes_moved_total, 12288);

	/* run 3 still has them, does the last file: the pass is over */
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 3000,
				      &bg, &why), 0);
	assert_int_equal(bg.done_earlier, 3);
	assert_int_equal(e4d_bg_file_done(&bg, 99, 4096, 5, 1), 0);
	assert_int_equal(e4d_bg_end(&f->ctx, &f->cfg, &bg, E4D_RUN_OK, 0,
				    3010, &prom), 0);
	assert_int_equal(prom.bytes_moved_total, 16384);

	/* run 4 starts a new pass with every file */
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 4000,
				      &bg, &why), 0);
	assert_int_equal(bg.done_earlier, 0);
	assert_false(e4d_bg_is_done(&bg, 12));
	assert_int_equal(bg.st.passes, 1);
	assert_int_equal(e4d_bg_file_done(&bg, 7, 0, 0, 0), 0);
	assert_int_equal(e4d_bg_end(&f->ctx, &f->cfg, &bg, E4D_RUN_PARTIAL, 4,
				    4001, NULL), 0);
	assert_int_equal(f->nwarn, 0);
	/* a recreated filesystem: state and record are not taken */
	f->id.mkfs_time++;
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 5000,
				      &bg, &why), 0);
	assert_int_equal(bg.done_earlier, 0);
	assert_false(e4d_bg_is_done(&bg, 7));
	assert_int_equal(bg.st.passes, 0);
	assert_int_equal(f->nwarn, 1);		/* "starting over" */
	assert_int_equal(e4d_bg_end(&f->ctx, &f->cfg, &bg, E4D_RUN_OK, 0,
				    5001, NULL), 0);
}

/* Checkpoints: only when due, and what a kill -9 then leaves is resumed. */
static void test_checkpoint(void **state)
{
	struct fixture *f = *state;
	struct e4d_state st;
	struct e4d_bg bg;
	const char *why;
	char path[128];

	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 1000,
				      &bg, &why), 0);
	/* nothing finished: nothing to save */
	assert_int_equal(e4d_bg_checkpoint(&f->ctx, &f->cfg, &bg, 2000), 0);
	assert_int_equal(e4d_bg_file_done(&bg, 5, 4096, 9, 1), 0);
	/* too soon */
	assert_int_equal(e4d_bg_checkpoint(&f->ctx, &f->cfg, &bg,
					   1000 + E4D_BG_CHECKPOINT_SECS - 1),
			 0);
	assert_int_equal(e4d_bg_checkpoint(&f->ctx, &f->cfg, &bg,
					   1000 + E4D_BG_CHECKPOINT_SECS), 1);
	assert_int_equal(e4d_bg_file_done(&bg, 6, 4096, 9, 1), 0);
	assert_int_equal(e4d_bg_checkpoint(&f->ctx, &f->cfg, &bg,
					   1001 + E4D_BG_CHECKPOINT_SECS), 0);
	/* the state on disk is that of a partial run */
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &st), 0);
	assert_int_equal(st.last_result, E4D_RUN_PARTIAL);
	assert_int_equal(st.files_moved, 1);
	assert_int_equal(st.bytes_moved_total, 4096);
	/* killed here: the lock goes with the process, the record stays */
	e4d_unlock_fs(bg.lock_fd);
	e4d_done_clear(&bg.done);
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 3000,
				      &bg, &why), 0);
	assert_int_equal(bg.done_earlier, 1);
	assert_true(e4d_bg_is_done(&bg, 5));
	assert_false(e4d_bg_is_done(&bg, 6));	/* after the checkpoint */
	/* a full record ends the pass */
	while (e4d_bg_file_done(&bg, bg.done.n + 10, 0, 0, 0) == 0)
		;
	assert_int_equal(e4d_done_count(&bg.done), E4D_DONE_MAX);
	assert_int_equal(e4d_bg_file_done(&bg, 7, 0, 0, 0), -ENOSPC);
	assert_int_equal(e4d_bg_end(&f->ctx, &f->cfg, &bg, E4D_RUN_OK, 0,
				    3100, NULL), 0);
	snprintf(path, sizeof(path), "%s/%s.done", f->dir, f->id.uuid);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &st), 0);
	assert_int_equal(st.passes, 1);
	assert_int_equal(f->nwarn, 0);
}

static void test_bad_state_dir(void **state)
{
	struct fixture *f = *state;
	struct e4d_bg bg;
	const char *why;

	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(e4d_bg_begin(&f->ctx, &f->cfg, &f->fs, &f->id, 1,
				      &bg, &why), -EPERM);
	assert_int_equal(bg.lock_fd, -1);
	assert_int_equal(chmod(f->dir, 0755), 0);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_policy_and_lock),
		T(test_resume),
		T(test_bad_state_dir),
		T(test_checkpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
