/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uapi.h - the one place the kernel ABI of EXT4_IOC_MOVE_EXT comes from.
 *
 * <linux/ext4.h> exists from Linux 6.6's uapi headers on; Debian 12 ships
 * 6.1's, which lack it. Only then is the structure declared here, to the
 * letter of include/uapi/linux/ext4.h, so there is exactly one copy.
 */
#ifndef E4D_UAPI_H
#define E4D_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/fs.h>

#ifdef HAVE_LINUX_EXT4_H
#include <linux/ext4.h>
#else
struct move_extent {
	__u32 reserved;		/* should be zero */
	__u32 donor_fd;		/* donor file descriptor */
	__u64 orig_start;	/* logical start offset in block for orig */
	__u64 donor_start;	/* logical start offset in block for donor */
	__u64 len;		/* block length to be moved */
	__u64 moved_len;	/* moved block length */
};
#define EXT4_IOC_MOVE_EXT	_IOWR('f', 15, struct move_extent)
#endif

/* inode flags of FS_IOC_GETFLAGS that linux-libc-dev 6.1 may lack */
#ifndef FS_DAX_FL
#define FS_DAX_FL		0x02000000
#endif
#ifndef FS_VERITY_FL
#define FS_VERITY_FL		0x00100000
#endif
#ifndef FS_INLINE_DATA_FL
#define FS_INLINE_DATA_FL	0x10000000
#endif
#ifndef FS_ENCRYPT_FL
#define FS_ENCRYPT_FL		0x00000800
#endif

#endif
