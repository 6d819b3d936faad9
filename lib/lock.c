// SPDX-License-Identifier: GPL-2.0
/*
 * lock.c - one run at a time per filesystem (flock on DIR/UUID.lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e4d/e4d.h"
#include "e4d/lock.h"
#include "e4d/state.h"

int e4d_lock_fs(const struct e4d_ctx *ctx, const char *dir, const char *uuid,
		int *fd)
{
	char path[4096], pid[32];
	struct stat st;
	int lfd, ret, n;

	*fd = -1;
	if (!e4d_uuid_is_valid(uuid))
		return -EINVAL;
	n = snprintf(path, sizeof(path), "%s/%s.lock", dir, uuid);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	ret = e4d_state_dir_prepare(ctx, dir);
	if (ret)
		return ret;
	lfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
		   O_CLOEXEC, 0644);
	if (lfd < 0) {
		ret = -errno;
		e4d_msg(ctx, E4D_ERR, "cannot open lock %s: %s", path,
			strerror(-ret));
		return ret == -ELOOP ? -EPERM : ret;
	}
	if (fstat(lfd, &st)) {
		ret = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		e4d_msg(ctx, E4D_ERR, "lock %s: not a regular file of root",
			path);
		ret = -EPERM;
		goto out_close;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (ret != -EBUSY)
			e4d_msg(ctx, E4D_ERR, "cannot lock %s: %s", path,
				strerror(-ret));
		goto out_close;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(lfd, 0) || pwrite(lfd, pid, n, 0) != n)
		e4d_msg(ctx, E4D_DEBUG, "lock %s: cannot record the PID",
			path);
	*fd = lfd;
	return 0;

out_close:
	close(lfd);
	return ret;
}

void e4d_unlock_fs(int fd)
{
	if (fd >= 0)
		close(fd);
}
