/* SPDX-License-Identifier: GPL-2.0 */
/*
 * e4d.h - the library context: message callback, syscall table, options
 * that every module shares. No module keeps state anywhere else.
 */
#ifndef E4D_E4D_H
#define E4D_E4D_H

#include <stdarg.h>
#include <stdbool.h>

struct e4d_sys_ops;

enum e4d_level {
	E4D_ERR,
	E4D_WARN,
	E4D_INFO,
	E4D_DEBUG,
};

/* Where every message of the library goes: the CLI prints or logs it. */
typedef void (*e4d_msg_fn)(void *arg, enum e4d_level level, const char *msg);

struct e4d_ctx {
	const struct e4d_sys_ops *ops;	/* syscalls; tests swap in fakes */
	e4d_msg_fn msg;			/* NULL: messages are dropped */
	void *msg_arg;
	int verbose;			/* 0 quiet, 1 -v, 2 debug */
};

/**
 * e4d_ctx_init() - fill a context with the real syscalls and no output
 * @ctx: context to initialise
 */
void e4d_ctx_init(struct e4d_ctx *ctx);

/**
 * e4d_msg() - send one formatted message through the context's callback
 * @ctx: library context
 * @level: severity; E4D_INFO is dropped unless ctx->verbose > 0,
 *         E4D_DEBUG unless ctx->verbose > 1
 * @fmt: printf-style format, no trailing newline
 */
void e4d_msg(const struct e4d_ctx *ctx, enum e4d_level level,
	     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
