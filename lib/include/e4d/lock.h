/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lock.h - one run at a time per filesystem: a flock(2) on "UUID.lock" in
 * the state directory, taken without waiting.
 */
#ifndef E4D_LOCK_H
#define E4D_LOCK_H

struct e4d_ctx;

/**
 * e4d_lock_fs() - take the run lock of a filesystem without waiting
 * @ctx: library context
 * @dir: state directory (e4d_state_dir_prepare() is called)
 * @uuid: the filesystem's UUID
 * @fd: out, the lock; pass it to e4d_unlock_fs()
 *
 * flock(2) on "DIR/UUID.lock": held until e4d_unlock_fs() or the process
 * ends, even by a crash. The lock file keeps the holder's PID for people.
 *
 * Return: 0, -EBUSY when another run holds it, -EPERM for an untrusted
 * directory or lock file, or another negative errno.
 */
int e4d_lock_fs(const struct e4d_ctx *ctx, const char *dir, const char *uuid,
		int *fd);

/** e4d_unlock_fs() - release a lock from e4d_lock_fs() (-1 is fine) */
void e4d_unlock_fs(int fd);

#endif
