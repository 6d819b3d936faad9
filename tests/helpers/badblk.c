// SPDX-License-Identifier: GPL-2.0
/*
 * badblk.c - serve a disk image through FUSE as one file, "disk", with
 * unreadable byte ranges: a disk with media errors for a loop device.
 *
 * Usage: badblk IMAGE BADLIST MOUNTPOINT [FUSE options, e.g. -f -s]
 *
 * Reads and writes of MOUNTPOINT/disk go to IMAGE (pread/pwrite; fsync and
 * flush too); a read that overlaps a range listed in BADLIST fails with
 * EIO, and says so on stderr. BADLIST holds one "OFFSET LENGTH" (bytes) a
 * line; it is read again on every read, so that the ranges can be set and
 * cleared while mounted; a missing or empty BADLIST means none.
 * The file is opened with direct_io: no page cache of the FUSE file hides
 * a range that was made bad after it was read.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define DISK_NAME	"disk"
#define DISK_PATH	"/" DISK_NAME

struct badblk {
	int fd;			/* the image */
	const char *badlist;
	unsigned long nbad;	/* reads failed */
};

static struct badblk *bb(void)
{
	return fuse_get_context()->private_data;
}

/* Whether [@off, @off + @len) overlaps a range of the bad list. */
static bool is_bad(const char *badlist, off_t off, size_t len)
{
	unsigned long long s, l;
	bool bad = false;
	char line[128];
	FILE *f;

	f = fopen(badlist, "r");
	if (!f)
		return false;
	while (!bad && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llu %llu", &s, &l) != 2)
			continue;
		bad = (unsigned long long)off < s + l &&
		      s < (unsigned long long)off + len;
	}
	fclose(f);
	return bad;
}

static int bb_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	struct stat ist;

	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, DISK_PATH))
		return -ENOENT;
	if (fstat(bb()->fd, &ist) < 0)
		return -errno;
	st->st_mode = S_IFREG | 0600;
	st->st_nlink = 1;
	st->st_size = ist.st_size;
	st->st_blocks = ist.st_blocks;
	st->st_mtim = ist.st_mtim;
	st->st_ctim = ist.st_ctim;
	return 0;
}

static int bb_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	if (strcmp(path, "/"))
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, DISK_NAME, NULL, 0, 0);
	return 0;
}

static int bb_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, DISK_PATH))
		return -ENOENT;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

static int bb_read(const char *path, char *buf, size_t len, off_t off,
		   struct fuse_file_info *fi)
{
	struct badblk *b = bb();
	size_t done = 0;
	ssize_t n;

	if (is_bad(b->badlist, off, len)) {
		b->nbad++;
		fprintf(stderr, "badblk: read %jd+%zu: EIO (%lu)\n",
			(intmax_t)off, len, b->nbad);
		return -EIO;
	}
	while (done < len) {
		n = pread(b->fd, buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		done += n;
	}
	return done;
}

static int bb_write(const char *path, const char *buf, size_t len, off_t off,
		    struct fuse_file_info *fi)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(bb()->fd, buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += n;
	}
	return done;
}

static int bb_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	int ret = datasync ? fdatasync(bb()->fd) : fsync(bb()->fd);

	return ret < 0 ? -errno : 0;
}

static int bb_flush(const char *path, struct fuse_file_info *fi)
{
	return fdatasync(bb()->fd) < 0 ? -errno : 0;
}

static const struct fuse_operations bb_ops = {
	.getattr	= bb_getattr,
	.readdir	= bb_readdir,
	.open		= bb_open,
	.read		= bb_read,
	.write		= bb_write,
	.fsync		= bb_fsync,
	.flush		= bb_flush,
};

int main(int argc, char **argv)
{
	struct badblk b = { .fd = -1 };
	int ret;

	if (argc < 4) {
		fprintf(stderr, "usage: %s IMAGE BADLIST MOUNTPOINT "
			"[FUSE options]\n", argv[0]);
		return 2;
	}
	b.fd = open(argv[1], O_RDWR);
	if (b.fd < 0) {
		perror(argv[1]);
		return 1;
	}
	b.badlist = argv[2];
	/* fuse_main sees: argv[0] MOUNTPOINT [options] */
	argv[2] = argv[0];
	ret = fuse_main(argc - 2, argv + 2, &bb_ops, &b);
	close(b.fd);
	return ret;
}
