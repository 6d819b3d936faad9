// SPDX-License-Identifier: GPL-2.0
/*
 * sys.c - the real syscalls behind struct e4d_sys_ops.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

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

static int real_tmpfile(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

static int real_mincore(int fd, off_t off, size_t len, unsigned char *vec)
{
	long psz = sysconf(_SC_PAGESIZE);
	off_t start = off & ~((off_t)psz - 1);
	size_t maplen = len + (off - start);
	void *p;
	int ret;

	if (!len)
		return 0;
	p = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fd, start);
	if (p == MAP_FAILED)
		return -errno;
	ret = neg_errno(mincore(p, maplen, vec));
	munmap(p, maplen);
	return ret;
}

static int real_fstat(int fd, struct stat *st)
{
	return neg_errno(fstat(fd, st));
}

static int real_sync_range(int fd, off_t off, off_t len)
{
	return neg_errno(sync_file_range(fd, off, len,
					 SYNC_FILE_RANGE_WAIT_BEFORE |
					 SYNC_FILE_RANGE_WRITE |
					 SYNC_FILE_RANGE_WAIT_AFTER));
}

static int real_start_writeback(int fd, off_t off, off_t len)
{
	return neg_errno(sync_file_range(fd, off, len,
					 SYNC_FILE_RANGE_WRITE));
}

static void real_nap(unsigned int usec)
{
	struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

const struct e4d_sys_ops e4d_sys_real = {
	.fiemap = real_fiemap,
	.move_ext = real_move_ext,
	.fallocate = real_fallocate,
	.getflags = real_getflags,
	.fsync = real_fsync,
	.fadvise = real_fadvise,
	.pread = real_pread,
	.tmpfile = real_tmpfile,
	.mincore = real_mincore,
	.fstat = real_fstat,
	.sync_range = real_sync_range,
	.nap = real_nap,
	.start_writeback = real_start_writeback,
};
