// SPDX-License-Identifier: GPL-2.0
/*
 * sys.c - the real syscalls behind struct e4d_sys_ops.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "e4d/sys.h"

static int neg_errno(int ret)
{
	return ret < 0 ? -errno : ret;
}

static int real_fiemap(int fd, struct fiemap *fm)
{
	return neg_errno(ioctl(fd, FS_IOC_FIEMAP, fm));
}

static int real_move_ext(int fd, struct move_extent *me)
{
	return neg_errno(ioctl(fd, EXT4_IOC_MOVE_EXT, me));
}

static int real_fallocate(int fd, int mode, off_t off, off_t len)
{
	return neg_errno(fallocate(fd, mode, off, len));
}

static int real_getflags(int fd, unsigned int *flags)
{
	int f = 0;
	int ret = ioctl(fd, FS_IOC_GETFLAGS, &f);

	if (ret < 0)
		return -errno;
	*flags = (unsigned int)f;
	return 0;
}

static int real_fsync(int fd)
{
	return neg_errno(fsync(fd));
}

static int real_fadvise(int fd, off_t off, off_t len, int advice)
{
	return -posix_fadvise(fd, off, len, advice);
}

static ssize_t real_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	return n < 0 ? -errno : n;
}

const struct e4d_sys_ops e4d_sys_real = {
	.fiemap = real_fiemap,
	.move_ext = real_move_ext,
	.fallocate = real_fallocate,
	.getflags = real_getflags,
	.fsync = real_fsync,
	.fadvise = real_fadvise,
	.pread = real_pread,
};
