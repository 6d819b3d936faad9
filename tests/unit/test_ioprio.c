// SPDX-License-Identifier: GPL-2.0
/*
 * test_ioprio.c - idle I/O class and nice 19, and the device policy of
 * scheduled runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/ioprio.h"

static void test_idle(void **state)
{
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct e4d_ctx ctx;
		int bad = 0;

		e4d_ctx_init(&ctx);
		bad |= e4d_ioprio_is_idle();
		bad |= (e4d_ioprio_idle(&ctx) != 0) << 1;
		bad |= !e4d_ioprio_is_idle() << 2;
		errno = 0;
		bad |= (getpriority(PRIO_PROCESS, 0) != 19) << 3;
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_policy(void **state)
{
	struct e4d_policy pol = { .include_nonrotational = false };
	struct e4d_fs fs;
	const char *why;

	memset(&fs, 0, sizeof(fs));
	fs.rotational = 1;
	assert_false(e4d_policy_skip(&fs, &pol, &why));
	assert_null(why);
	fs.rotational = -1;		/* unknown: processed */
	assert_false(e4d_policy_skip(&fs, &pol, &why));
	fs.rotational = 0;
	assert_true(e4d_policy_skip(&fs, &pol, &why));
	assert_non_null(strstr(why, "non-rotational"));
	pol.include_nonrotational = true;
	assert_false(e4d_policy_skip(&fs, &pol, &why));
	fs.readonly = true;		/* never, whatever the policy */
	assert_true(e4d_policy_skip(&fs, &pol, &why));
	assert_string_equal(why, "mounted read-only");
	fs.readonly = false;		/* a copy mounted too: never */
	fs.twin = "/dev/loop9";
	assert_true(e4d_policy_skip(&fs, &pol, &why));
	assert_non_null(strstr(why, "same UUID"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
