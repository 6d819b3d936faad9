// SPDX-License-Identifier: GPL-2.0
/*
 * atomicfile.c - temp file, fsync, rename, fsync the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

int e4d_read_small(int fd, size_t max, char **buf, size_t *len)
{
	char *b = malloc(max + 1);
	size_t n = 0;
	ssize_t got;
	int ret = 0;

	*buf = NULL;
	*len = 0;
	if (!b)
		return -ENOMEM;
	while (n <= max) {
		got = read(fd, b + n, max + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			break;
		}
		if (!got)
			break;
		n += got;
	}
	if (!ret && n > max)
		ret = -EFBIG;
	if (ret) {
		free(b);
		return ret;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}
