// SPDX-License-Identifier: GPL-2.0
/*
 * ctx.c - the library context and its one message funnel.
 */
#include <stdio.h>
#include <string.h>

#include <ext2fs/ext2_err.h>

#include "e4d/e4d.h"
#include "e4d/sys.h"

void e4d_ctx_init(struct e4d_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->ops = &e4d_sys_real;
	/* error_message() names libext2fs' codes only once it knows them
	 * ("Unknown code ext2 26" else); adding the table twice is harmless
	 */
	initialize_ext2_error_table();
}

void e4d_msg(const struct e4d_ctx *ctx, enum e4d_level level,
	     const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!ctx->msg)
		return;
	if ((level == E4D_DEBUG && ctx->verbose < 2) ||
	    (level == E4D_INFO && ctx->verbose < 1))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx->msg(ctx->msg_arg, level, buf);
}
