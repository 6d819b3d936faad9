// SPDX-License-Identifier: GPL-2.0
/*
 * ioprio.c - idle I/O priority and the scheduled run's device policy.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/ioprio.h"

/* <linux/ioprio.h> only has these from Linux 6.x uapi on; glibc has none */
#define E4D_IOPRIO_CLASS_SHIFT	13
#define E4D_IOPRIO_CLASS_IDLE	3
#define E4D_IOPRIO_WHO_PROCESS	1

int e4d_ioprio_idle(const struct e4d_ctx *ctx)
{
	int ret = 0;

	if (syscall(SYS_ioprio_set, E4D_IOPRIO_WHO_PROCESS, 0,
		    E4D_IOPRIO_CLASS_IDLE << E4D_IOPRIO_CLASS_SHIFT)) {
		ret = -errno;
		e4d_msg(ctx, E4D_WARN, "cannot set idle I/O priority: %s",
			strerror(errno));
	}
	if (setpriority(PRIO_PROCESS, 0, 19)) {
		if (!ret)
			ret = -errno;
		e4d_msg(ctx, E4D_WARN, "cannot set nice 19: %s",
			strerror(errno));
	}
	return ret;
}

bool e4d_ioprio_is_idle(void)
{
	long p = syscall(SYS_ioprio_get, E4D_IOPRIO_WHO_PROCESS, 0);

	return p >= 0 && (p >> E4D_IOPRIO_CLASS_SHIFT) == E4D_IOPRIO_CLASS_IDLE;
}

bool e4d_policy_skip(const struct e4d_fs *fs, const struct e4d_policy *pol,
		     const char **reason)
{
	*reason = NULL;
	if (fs->readonly)
		*reason = "mounted read-only";
	else if (fs->subtree)
		*reason = "a bind mount of a directory (background runs take "
			  "whole filesystems: name a mount of its root)";
	else if (fs->twin)
		*reason = "another mounted filesystem has the same UUID (a "
			  "copy?), and background state is kept by UUID: give "
			  "one a new UUID (tune2fs -U random)";
	else if (fs->rotational == 0 && !pol->include_nonrotational)
		*reason = "non-rotational device (set include-nonrotational = yes to process it)";
	return *reason != NULL;
}
