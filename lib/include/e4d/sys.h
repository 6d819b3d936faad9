/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sys.h - every syscall the library makes on a file goes through this table,
 * so unit tests can inject fakes and errors (EBUSY, ENOSPC, short moves).
 * Each op returns 0 (or a byte count where noted) or a negative errno.
 */
#ifndef E4D_SYS_H
#define E4D_SYS_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <linux/fiemap.h>
#include "e4d/uapi.h"

struct e4d_sys_ops {
	int (*fiemap)(int fd, struct fiemap *fm);
	int (*move_ext)(int fd, struct move_extent *me);
	int (*fallocate)(int fd, int mode, off_t off, off_t len);
	int (*getflags)(int fd, unsigned int *flags);
	int (*fsync)(int fd);
	int (*fadvise)(int fd, off_t off, off_t len, int advice);
	/* returns the number of bytes read (0 at EOF) or -errno */
	ssize_t (*pread)(int fd, void *buf, size_t len, off_t off);
	/* an unnamed file (O_TMPFILE, mode 0600) in directory @dir: fd */
	int (*tmpfile)(const char *dir);
	/* page residency of [off, off + len) of a file, one byte a page */
	int (*mincore)(int fd, off_t off, size_t len, unsigned char *vec);
	int (*fstat)(int fd, struct stat *st);
	/* write back [off, off + len) and wait (sync_file_range) */
	int (*sync_range)(int fd, off_t off, off_t len);
	/* sleep @usec microseconds (a bounded back-off; tests make it 0) */
	void (*nap)(unsigned int usec);
	/* start writing back [off, off + len), do not wait; NULL: none */
	int (*start_writeback)(int fd, off_t off, off_t len);
};

extern const struct e4d_sys_ops e4d_sys_real;

#endif
