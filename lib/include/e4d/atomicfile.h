/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atomicfile.h - replace a small file so that readers see the old or the
 * new content, never a mix, and a crash leaves one of them on disk.
 */
#ifndef E4D_ATOMICFILE_H
#define E4D_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/**
 * e4d_write_atomic() - write a whole file atomically
 * @dirfd: directory holding the file (an fd opened O_DIRECTORY)
 * @name: file name within it (no '/')
 * @buf: content
 * @len: bytes of @buf
 * @mode: permissions of the new file (the umask does not apply)
 *
 * Writes ".NAME.tmp.PID" in the same directory, fsyncs it, renames it over
 * @name and fsyncs the directory. The temp file is removed on failure; its
 * name does not end in @name's suffix, so collectors reading "*.prom" never
 * see it.
 *
 * Return: 0 or a negative errno.
 */
int e4d_write_atomic(int dirfd, const char *name, const void *buf,
		     size_t len, mode_t mode);

/**
 * e4d_read_small() - read a whole small file
 * @fd: open file, read from its current offset to its end
 * @max: most bytes accepted
 * @buf: out, the content (malloc'd, @max + 1 bytes, NUL after the content)
 * @len: out, bytes read
 *
 * Return: 0; -EFBIG when the file holds more than @max bytes, -ENOMEM, or
 * the negative errno of read(). *@buf is NULL unless 0 is returned.
 */
int e4d_read_small(int fd, size_t max, char **buf, size_t *len);

#endif
