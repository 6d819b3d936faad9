// SPDX-License-Identifier: GPL-2.0
/*
 * test_state.c - resume state files (format, trust, identity, atomic save),
 * the done record of a pass, and the per-filesystem run lock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <ext2fs/ext2fs.h>

#include "e4d/atomicfile.h"
#include "e4d/done.h"
#include "e4d/e4d.h"
#include "e4d/fsinfo.h"
#include "e4d/lock.h"
#include "e4d/state.h"

#define UUID	"0b6a2a8e-6c1c-4b43-9f9c-1a2b3c4d5e6f"

struct fixture {
	char dir[64];
	char path[128];
	struct e4d_ctx ctx;
	char msgs[4096];
	int nmsgs;
	struct e4d_fs_id id;
};

static void collect(void *arg, enum e4d_level level, const char *msg)
{
	struct fixture *f = arg;
	size_t len = strlen(f->msgs);

	snprintf(f->msgs + len, sizeof(f->msgs) - len, "%s\n", msg);
	f->nmsgs++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (tmpdir_make(f->dir, sizeof(f->dir), "state"))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/%s.state", f->dir, UUID);
	e4d_ctx_init(&f->ctx);
	f->ctx.msg = collect;
	f->ctx.msg_arg = f;
	strcpy(f->id.uuid, UUID);
	f->id.blocks_count = 262144;
	f->id.inodes_count = 65536;
	f->id.mkfs_time = 1700000000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (tmpdir_remove(f->dir))
		return -1;
	free(f);
	return 0;
}

static void sample(struct e4d_state *st, const struct e4d_fs_id *id)
{
	e4d_state_init(st, id);
	st->passes = 3;
	st->last_start = 1700001000;
	st->last_end = 1700004600;
	st->last_result = E4D_RUN_PARTIAL;
	st->last_exit = 0;
	st->files_moved = 17;
	st->bytes_moved = 1u << 30;
	st->bytes_moved_total = 5ull << 30;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_uuid(void **state)
{
	assert_true(e4d_uuid_is_valid(UUID));
	assert_false(e4d_uuid_is_valid(""));
	assert_false(e4d_uuid_is_valid("0B6A2A8E-6C1C-4B43-9F9C-1A2B3C4D5E6F"));
	assert_false(e4d_uuid_is_valid("../../../../etc/passwd-xxxxxxxxxxxxx"));
	assert_false(e4d_uuid_is_valid(UUID "0"));
	assert_false(e4d_uuid_is_valid("0b6a2a8e-6c1c-4b43-9f9c-1a2b3c4d5e6"));
	assert_false(e4d_uuid_is_valid("0b6a2a8e06c1c-4b43-9f9c-1a2b3c4d5e6f"));
}

static void test_roundtrip(void **state)
{
	struct e4d_state st, got;
	struct fixture *f = *state;
	const char *why;
	char buf[E4D_STATE_MAX_SIZE];
	int len;

	sample(&st, &f->id);
	len = e4d_state_format(&st, buf, sizeof(buf));
	assert_true(len > 0 && (size_t)len == strlen(buf));
	assert_non_null(strstr(buf, "\nversion 2\n"));
	assert_non_null(strstr(buf, "\nlast_result partial\n"));
	assert_int_equal(e4d_state_parse(buf, &got, &why), 0);
	assert_memory_equal(&st, &got, sizeof(st));
	assert_int_equal(e4d_state_format(&st, buf, 40), -ENOSPC);
}

/* Replace the line starting with @key in @text by @line ("" deletes). */
static void edit(char *text, const char *key, const char *line)
{
	char *p = strstr(text, key), *nl;

	assert_non_null(p);
	nl = strchr(p, '\n') + 1;
	memmove(p + strlen(line), nl, strlen(nl) + 1);
	memcpy(p, line, strlen(line));
}

static void test_parse_strict(void **state)
{
	static const struct {
		const char *key, *line;
		int err;
	} bad[] = {
		{ "version", "", -EINVAL },
		{ "version", "version 1\n", -EPROTO },	/* had next_ino */
		{ "version", "version 3\n", -EPROTO },
		{ "version", "version  2\n", -EINVAL },
		{ "uuid", "", -EINVAL },
		{ "uuid", "uuid 0b6a2a8e\n", -EINVAL },
		{ "passes", "", -EINVAL },
		{ "passes", "passes -1\n", -EINVAL },
		{ "passes", "passes 01\n", -EINVAL },
		{ "passes", "passes 1 \n", -EINVAL },
		{ "passes", "passes 0x1\n", -EINVAL },
		{ "passes", "passes 18446744073709551616\n", -EINVAL },
		{ "passes", "passes 1\npasses 2\n", -EINVAL },
		{ "passes", "passes 1\nextra 2\n", -EINVAL },
		{ "passes", "passes\n", -EINVAL },
		{ "last_exit", "last_exit 256\n", -EINVAL },
		{ "inodes_count", "inodes_count 4294967296\n", -EINVAL },
		{ "passes", "passes 1\nnext_ino 5\n", -EINVAL },
		{ "last_result", "last_result great\n", -EINVAL },
		{ "last_end", "last_end 1\n", -EINVAL },
		{ "bytes_moved ", "bytes_moved 99999999999999\n", -EINVAL },
	};
	struct fixture *f = *state;
	char good[E4D_STATE_MAX_SIZE], text[E4D_STATE_MAX_SIZE];
	struct e4d_state st;
	const char *why;
	size_t i;

	sample(&st, &f->id);
	assert_true(e4d_state_format(&st, good, sizeof(good)) > 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(text, good);
		edit(text, bad[i].key, bad[i].line);
		if (e4d_state_parse(text, &st, &why) != bad[i].err)
			fail_msg("'%s' accepted:\n%s", bad[i].line, text);
		assert_non_null(why);
	}
	/* no final newline */
	strcpy(text, good);
	text[strlen(text) - 1] = '\0';
	assert_int_equal(e4d_state_parse(text, &st, &why), -EINVAL);
	assert_int_equal(e4d_state_parse("", &st, &why), -EINVAL);
}

static void test_save_load(void **state)
{
	struct fixture *f = *state;
	struct e4d_state st, got;
	struct stat sb;
	DIR *d;
	struct dirent *de;
	int n = 0;

	/* nothing saved yet: -ENOENT, a fresh state, no message */
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got),
			 -ENOENT);
	assert_int_equal(got.passes, 0);
	assert_string_equal(got.id.uuid, UUID);
	assert_int_equal(f->nmsgs, 0);

	sample(&st, &f->id);
	assert_int_equal(e4d_state_save(&f->ctx, f->dir, &st), 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got), 0);
	assert_memory_equal(&st, &got, sizeof(st));
	/* saving again replaces it and leaves no temp file */
	st.passes++;
	assert_int_equal(e4d_state_save(&f->ctx, f->dir, &st), 0);
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got), 0);
	assert_int_equal(got.passes, 4);
	d = opendir(f->dir);
	assert_non_null(d);
	for (de = readdir(d); de; de = readdir(d))
		n += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 1);
	assert_int_equal(f->nmsgs, 0);

	/* the state dir is created when missing */
	char sub[128];

	snprintf(sub, sizeof(sub), "%s/new", f->dir);
	assert_int_equal(e4d_state_save(&f->ctx, sub, &st), 0);
	assert_int_equal(e4d_state_load(&f->ctx, sub, &f->id, &got), 0);
}

static void test_identity(void **state)
{
	struct fixture *f = *state;
	struct e4d_state st, got;
	struct e4d_fs_id other;

	sample(&st, &f->id);
	assert_int_equal(e4d_state_save(&f->ctx, f->dir, &st), 0);
	other = f->id;
	other.mkfs_time++;		/* recreated with the same UUID */
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &other, &got),
			 -ESTALE);
	assert_int_equal(got.passes, 0);
	assert_int_equal(got.id.mkfs_time, other.mkfs_time);
	assert_non_null(strstr(f->msgs, "starting over"));
	other = f->id;
	other.blocks_count *= 2;	/* resized */
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &other, &got),
			 -ESTALE);
	/* a state file of another UUID under this UUID's name */
	strcpy(other.uuid, "11111111-2222-3333-4444-555555555555");
	st.id = other;
	char buf[E4D_STATE_MAX_SIZE];

	assert_true(e4d_state_format(&st, buf, sizeof(buf)) > 0);
	write_file(f->path, buf, 0644);
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got),
			 -ESTALE);
}

static void test_untrusted(void **state)
{
	struct fixture *f = *state;
	struct e4d_state st, got;
	char buf[E4D_STATE_MAX_SIZE], other[160];

	sample(&st, &f->id);
	assert_true(e4d_state_format(&st, buf, sizeof(buf)) > 0);

	write_file(f->path, buf, 0644);
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got), 0);

	write_file(f->path, buf, 0666);		/* world-writable */
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got),
			 -EPERM);
	assert_int_equal(got.passes, 0);
	assert_non_null(strstr(f->msgs, "writable by group or others"));

	write_file(f->path, buf, 0664);		/* group-writable */
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got),
			 -EPERM);

	write_file(f->path, buf, 0644);		/* a second link */
	snprintf(other, sizeof(other), "%s/link", f->dir);
	assert_int_equal(link(f->path, other), 0);
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got),
			 -EPERM);
	assert_non_null(strstr(f->msgs, "more than one link"));

	unlink(f->path);			/* a symlink */
	assert_int_equal(symlink(other, f->path), 0);
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got),
			 -EPERM);
	assert_non_null(strstr(f->msgs, "symbolic link"));
	unlink(f->path);
	unlink(other);

	assert_int_equal(mkfifo(f->path, 0600), 0);	/* must not block */
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got),
			 -EPERM);
	unlink(f->path);

	write_file(f->path, "version 2\ngarbage\n", 0644);
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got),
			 -EINVAL);
	assert_non_null(strstr(f->msgs, "; ignored"));

	write_file(f->path, buf, 0644);		/* untrusted directory */
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id, &got),
			 -EPERM);
	assert_int_equal(e4d_state_save(&f->ctx, f->dir, &st), -EPERM);
	assert_int_equal(chmod(f->dir, 0755), 0);

	if (geteuid() == 0) {			/* owned by someone else */
		assert_int_equal(chown(f->path, 12345, 12345), 0);
		assert_int_equal(e4d_state_load(&f->ctx, f->dir, &f->id,
						&got), -EPERM);
		assert_non_null(strstr(f->msgs, "owned by another user"));
	}
}

static void test_lock(void **state)
{
	struct fixture *f = *state;
	int fd1, fd2, status;
	pid_t pid;

	assert_int_equal(e4d_lock_fs(&f->ctx, f->dir, UUID, &fd1), 0);
	assert_true(fd1 >= 0);
	/* a second open file description is refused at once */
	assert_int_equal(e4d_lock_fs(&f->ctx, f->dir, UUID, &fd2), -EBUSY);
	assert_int_equal(fd2, -1);
	/* so is another process */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(e4d_lock_fs(&f->ctx, f->dir, UUID, &fd2) == -EBUSY ?
		      0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* another filesystem is independent */
	assert_int_equal(e4d_lock_fs(&f->ctx, f->dir,
				     "11111111-2222-3333-4444-555555555555",
				     &fd2), 0);
	e4d_unlock_fs(fd2);
	e4d_unlock_fs(fd1);
	assert_int_equal(e4d_lock_fs(&f->ctx, f->dir, UUID, &fd2), 0);
	e4d_unlock_fs(fd2);
	e4d_unlock_fs(-1);
	/* bad UUIDs never become paths */
	assert_int_equal(e4d_lock_fs(&f->ctx, f->dir, "../x", &fd2), -EINVAL);
}

static void test_atomic_write(void **state)
{
	struct fixture *f = *state;
	char buf[16] = { 0 }, tmp[128];
	int dfd, fd;

	dfd = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	/* a stale temp file of a dead process with our PID is replaced */
	snprintf(tmp, sizeof(tmp), "%s/.x.prom.tmp.%ld", f->dir,
		 (long)getpid());
	write_file(tmp, "stale", 0600);
	assert_int_equal(e4d_write_atomic(dfd, "x.prom", "new\n", 4, 0640), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	fd = openat(dfd, "x.prom", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "new\n");
	close(fd);
	assert_int_equal(e4d_write_atomic(dfd, "a/b", "", 0, 0644), -EINVAL);
	assert_int_equal(e4d_write_atomic(dfd, "", "", 0, 0644), -EINVAL);
	close(dfd);
}

/* mkfs an image at a fixed time, read its identity through libext2fs */
static int image_id(struct fixture *f, const char *size, const char *time,
		    struct e4d_fs_id *id)
{
	char img[128], cmd[512];
	struct e4d_fs fs;
	ext2_filsys e2;
	int ret;

	snprintf(img, sizeof(img), "%s/img", f->dir);
	snprintf(cmd, sizeof(cmd), "rm -f %s && E2FSPROGS_FAKE_TIME=%s "
		 "mkfs.ext4 -q -F -U %s %s %s >/dev/null 2>&1",
		 img, time, UUID, img, size);
	if (system(cmd))
		return -1;
	if (ext2fs_open(img, 0, 0, 0, unix_io_manager, &e2))
		return -1;
	memset(&fs, 0, sizeof(fs));
	strcpy(fs.uuid, UUID);
	fs.e2fs = (struct struct_ext2_filsys *)e2;
	ret = e4d_fs_id_get(&fs, id);
	ext2fs_close_free(&e2);
	return ret;
}

static void test_fs_id(void **state)
{
	struct fixture *f = *state;
	struct e4d_fs_id a, b;
	struct e4d_fs fs;

	if (system("command -v mkfs.ext4 >/dev/null 2>&1"))
		skip();
	assert_int_equal(image_id(f, "8M", "1600000000", &a), 0);
	assert_string_equal(a.uuid, UUID);
	assert_int_equal(a.mkfs_time, 1600000000);
	assert_int_equal(a.blocks_count, 8192);	/* 1 KiB blocks at 8 MiB */
	assert_true(a.inodes_count > 0);
	/* recreated with the same UUID and size: only the time differs */
	assert_int_equal(image_id(f, "8M", "1600000100", &b), 0);
	assert_int_equal(b.blocks_count, a.blocks_count);
	assert_int_equal(b.mkfs_time, 1600000100);
	/* without device access there is no identity */
	memset(&fs, 0, sizeof(fs));
	strcpy(fs.uuid, UUID);
	assert_int_equal(e4d_fs_id_get(&fs, &a), -EACCES);
}

/* The done record of a pass: inodes in any order, each once. */
static void test_done_roundtrip(void **state)
{
	static const uint64_t in[] = { 57, 12, 4000, 12, 1, 65536 };
	struct fixture *f = *state;
	struct e4d_done d = { 0 }, got = { 0 };
	struct e4d_fs_id id;
	uint64_t pass;
	const char *why;
	char *text;
	size_t i, len;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_int_equal(e4d_done_add(&d, in[i]), 0);
	assert_int_equal(e4d_done_add(&d, 0), -ERANGE);
	assert_int_equal(e4d_done_add(&d, 1ull << 32), -ERANGE);
	assert_true(e4d_done_has(&d, 12));
	assert_true(e4d_done_has(&d, 65536));
	assert_false(e4d_done_has(&d, 13));
	assert_false(e4d_done_has(&d, 0));
	assert_int_equal(e4d_done_count(&d), 5);
	assert_int_equal(e4d_done_format(&d, &f->id, 3, &text, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_non_null(strstr(text, "\nversion 1\n"));
	assert_non_null(strstr(text, "\npass 3\ncount 5\n1\n12\n57\n4000\n"
				     "65536\n"));
	assert_int_equal(e4d_done_parse(text, &id, &pass, &got, &why), 0);
	assert_true(e4d_fs_id_equal(&id, &f->id));
	assert_int_equal(pass, 3);
	assert_int_equal(got.n, 5);
	assert_memory_equal(got.v, d.v, 5 * sizeof(*d.v));
	assert_true(e4d_done_has(&got, 4000));
	/* what was parsed grows like the rest */
	assert_int_equal(e4d_done_add(&got, 2), 0);
	assert_true(e4d_done_has(&got, 2));
	assert_int_equal(e4d_done_count(&got), 6);
	free(text);
	/* empty */
	e4d_done_clear(&d);
	assert_int_equal(e4d_done_format(&d, &f->id, 0, &text, &len), 0);
	assert_int_equal(e4d_done_parse(text, &id, &pass, &got, &why), 0);
	assert_int_equal(got.n, 0);
	free(text);
	e4d_done_clear(&got);
}

static void test_done_parse_strict(void **state)
{
	static const struct {
		const char *key, *line;
		int err;
	} bad[] = {
		{ "version", "", -EINVAL },
		{ "version", "version 2\n", -EPROTO },
		{ "version", "version 01\n", -EINVAL },
		{ "uuid", "uuid 0B6A2A8E-6C1C-4B43-9F9C-1A2B3C4D5E6F\n",
		  -EINVAL },
		{ "uuid", "uuid x\n", -EINVAL },
		{ "blocks_count", "", -EINVAL },
		{ "inodes_count", "inodes_count 4294967296\n", -EINVAL },
		{ "inodes_count", "inodes_count 50\n", -EINVAL },	/* 57 */
		{ "mkfs_time", "mkfs_time -1\n", -EINVAL },
		{ "pass ", "pass 01\n", -EINVAL },
		{ "pass ", "pass  1\n", -EINVAL },
		{ "pass ", "pass 1 \n", -EINVAL },
		{ "pass ", "", -EINVAL },
		{ "\ncount 3\n", "\ncount 4\n", -EINVAL },	/* more */
		{ "\ncount 3\n", "\ncount 2\n", -EINVAL },	/* fewer */
		{ "\ncount 3\n", "\ncount 1048577\n", -EINVAL },
		{ "\n12\n", "\n12\n12\n", -EINVAL },	/* twice */
		{ "\n12\n", "\n58\n", -EINVAL },	/* descending */
		{ "\n12\n", "\n0\n", -EINVAL },
		{ "\n12\n", "\n012\n", -EINVAL },
		{ "\n12\n", "\n12 \n", -EINVAL },
		{ "\n12\n", "\n1x\n", -EINVAL },
		{ "\n12\n", "\n\n", -EINVAL },
		{ "\n57\n", "\n57\n# no\n", -EINVAL },
	};
	struct fixture *f = *state;
	struct e4d_done d = { 0 };
	struct e4d_fs_id id;
	uint64_t pass;
	const char *why;
	char *good, text[1024];
	size_t i, len;

	assert_int_equal(e4d_done_add(&d, 12), 0);
	assert_int_equal(e4d_done_add(&d, 30), 0);
	assert_int_equal(e4d_done_add(&d, 57), 0);
	assert_int_equal(e4d_done_format(&d, &f->id, 1, &good, &len), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(text, good);
		if (bad[i].key[0] == '\n') {	/* exactly this text */
			char *p = strstr(text, bad[i].key);

			assert_non_null(p);
			memmove(p + strlen(bad[i].line),
				p + strlen(bad[i].key),
				strlen(p + strlen(bad[i].key)) + 1);
			memcpy(p, bad[i].line, strlen(bad[i].line));
		} else {
			edit(text, bad[i].key, bad[i].line);
		}
		if (e4d_done_parse(text, &id, &pass, &d, &why) != bad[i].err)
			fail_msg("'%s' accepted:\n%s", bad[i].line, text);
		assert_non_null(why);
		assert_int_equal(d.n, 0);
	}
	strcpy(text, good);
	text[strlen(text) - 1] = '\0';		/* no final newline */
	assert_int_equal(e4d_done_parse(text, &id, &pass, &d, &why), -EINVAL);
	assert_int_equal(e4d_done_parse("", &id, &pass, &d, &why), -EINVAL);
	assert_int_equal(e4d_done_parse("# x", &id, &pass, &d, &why),
			 -EINVAL);
	free(good);
	e4d_done_clear(&d);
}

/* Trust, identity and pass of a saved record; its size bound. */
static void test_done_load(void **state)
{
	struct fixture *f = *state;
	struct e4d_done d = { 0 }, got = { 0 };
	struct e4d_fs_id other;
	char path[128], link2[160];
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.done", f->dir, UUID);
	/* none: -ENOENT, no message */
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 0, &got),
			 -ENOENT);
	assert_int_equal(f->nmsgs, 0);
	assert_int_equal(e4d_done_add(&d, 99), 0);
	assert_int_equal(e4d_done_add(&d, 7), 0);
	assert_int_equal(e4d_done_save(&f->ctx, f->dir, &f->id, 4, &d), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 4, &got), 0);
	assert_int_equal(e4d_done_count(&got), 2);
	assert_true(e4d_done_has(&got, 7));
	assert_int_equal(f->nmsgs, 0);

	/* another pass, another filesystem: warned, empty */
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 5, &got),
			 -ESTALE);
	assert_int_equal(got.n, 0);
	assert_non_null(strstr(f->msgs, "not of the current pass"));
	other = f->id;
	other.mkfs_time++;
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &other, 4, &got),
			 -ESTALE);
	assert_non_null(strstr(f->msgs, "of another filesystem"));

	/* the trust rules of the state file */
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 4, &got),
			 -EPERM);
	assert_int_equal(chmod(path, 0644), 0);
	snprintf(link2, sizeof(link2), "%s/link", f->dir);
	assert_int_equal(link(path, link2), 0);
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 4, &got),
			 -EPERM);
	assert_non_null(strstr(f->msgs, "more than one link"));
	unlink(path);
	assert_int_equal(symlink(link2, path), 0);
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 4, &got),
			 -EPERM);
	unlink(path);
	assert_int_equal(rename(link2, path), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 12345, 12345), 0);
		assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 4,
					       &got), -EPERM);
		assert_int_equal(chown(path, 0, 0), 0);
	}
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 4, &got), 0);
	write_file(path, "version 1\n", 0644);
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 4, &got),
			 -EINVAL);
	assert_non_null(strstr(f->msgs, "; ignored"));
	/* larger than a full record could be: not even read */
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, E4D_DONE_MAX_SIZE + 1), 0);
	close(fd);
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &f->id, 4, &got),
			 -EINVAL);
	assert_non_null(strstr(f->msgs, "too large"));

	/* a full record fits the bound and loads again */
	e4d_done_clear(&d);
	while (e4d_done_add(&d, d.n + 1) == 0)
		;
	assert_int_equal(e4d_done_count(&d), E4D_DONE_MAX);
	assert_int_equal(e4d_done_add(&d, E4D_DONE_MAX + 1), -ENOSPC);
	assert_int_equal(e4d_done_add(&d, 5), 0);	/* there already */
	other = f->id;
	other.inodes_count = UINT32_MAX;
	assert_int_equal(e4d_done_save(&f->ctx, f->dir, &other, 0, &d), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size <= (off_t)E4D_DONE_MAX_SIZE);
	assert_int_equal(e4d_done_load(&f->ctx, f->dir, &other, 0, &got), 0);
	assert_int_equal(e4d_done_count(&got), E4D_DONE_MAX);

	assert_int_equal(e4d_done_remove(&f->ctx, f->dir, UUID), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(e4d_done_remove(&f->ctx, f->dir, UUID), 0);
	assert_int_equal(e4d_done_remove(&f->ctx, f->dir, "../x"), -EINVAL);
	e4d_done_clear(&d);
	e4d_done_clear(&got);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid),
		T(test_roundtrip),
		T(test_parse_strict),
		T(test_save_load),
		T(test_identity),
		T(test_untrusted),
		T(test_lock),
		T(test_atomic_write),
		T(test_fs_id),
		T(test_done_roundtrip),
		T(test_done_parse_strict),
		T(test_done_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
