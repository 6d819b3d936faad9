// SPDX-License-Identifier: GPL-2.0
/*
 * atomicfile.c - temp file, fsync, rename, fsync the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e4d/atomicfile.h"

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

static int open_tmp(int dirfd, const char *tmp)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd;

	fd = openat(dirfd, tmp, flags, 0600);
	if (fd < 0 && errno == EEXIST) {
		/* left by a dead process that had our PID */
		if (unlinkat(dirfd, tmp, 0) && errno != ENOENT)
			return -errno;
		fd = openat(dirfd, tmp, flags, 0600);
	}
	return fd < 0 ? -errno : fd;
}

int e4d_write_atomic(int dirfd, const char *name, const void *buf,
		     size_t len, mode_t mode)
{
	char tmp[256];
	int fd, ret;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	ret = snprintf(tmp, sizeof(tmp), ".%s.tmp.%ld", name, (long)getpid());
	if (ret < 0 || (size_t)ret >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open_tmp(dirfd, tmp);
	if (fd < 0)
		return fd;
	ret = write_all(fd, buf, len);
	if (ret)
		goto out_unlink;
	if (fchmod(fd, mode) || fsync(fd)) {
		ret = -errno;
		goto out_unlink;
	}
	if (close(fd)) {
		fd = -1;
		ret = -errno;
		goto out_unlink;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name)) {
		ret = -errno;
		goto out_unlink;
	}
	if (fsync(dirfd) && errno != EINVAL)
		return -errno;
	return 0;

out_unlink:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return ret;
}
