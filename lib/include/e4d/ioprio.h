/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioprio.h - being a good background citizen: idle I/O class and lowest
 * CPU priority, and which filesystems a scheduled run leaves alone.
 */
#ifndef E4D_IOPRIO_H
#define E4D_IOPRIO_H

#include <stdbool.h>

struct e4d_ctx;
struct e4d_fs;

/**
 * e4d_ioprio_idle() - move the calling process to the idle I/O class
 * (ioprio_set IOPRIO_CLASS_IDLE: disk time only when nobody else wants it;
 * honoured by the BFQ scheduler, ignored by "none"/mq-deadline) and to
 * nice 19
 * @ctx: library context; failures are warnings, the run goes on
 *
 * Return: 0, or the negative errno of the first call that failed.
 */
int e4d_ioprio_idle(const struct e4d_ctx *ctx);

/**
 * e4d_ioprio_is_idle() - whether the calling process is in the idle class
 * Return: true when ioprio_get says IOPRIO_CLASS_IDLE.
 */
bool e4d_ioprio_is_idle(void);

/* What a scheduled run processes. */
struct e4d_policy {
	bool include_nonrotational;	/* SSDs and other non-rotational */
};

/**
 * e4d_policy_skip() - whether a scheduled run should leave a filesystem
 * @fs: filesystem (fs->rotational: 1, 0, or -1 when unknown)
 * @pol: policy from the configuration
 * @reason: out, when skipping, a static text for the log
 *
 * Non-rotational devices are skipped unless the policy includes them:
 * fragmentation costs little there and rewriting costs flash wear. Unknown
 * rotation counts as rotational. Read-only mounts are always skipped.
 *
 * Return: true to skip.
 */
bool e4d_policy_skip(const struct e4d_fs *fs, const struct e4d_policy *pol,
		     const char **reason);

#endif
