// SPDX-License-Identifier: GPL-2.0
/*
 * test_state.c - resume state files (format, trust, identity, atomic save)
 * and the per-filesystem run lock.
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

#include <ext2fs/ext2fs.h>

#include "e4d/atomicfile.h"
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
	strcpy(f->dir, "/tmp/e4d-state.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	chmod(f->dir, 0755);
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
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

static void sample(struct e4d_state *st, const struct e4d_fs_id *id)
{
	e4d_state_init(st, id);
	st->next_ino = 12345;
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
	assert_non_null(strstr(buf, "\nversion 1\n"));
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
		{ "version", "version 2\n", -EPROTO },
		{ "version", "version  1\n", -EINVAL },
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
		{ "next_ino", "next_ino 4294967297\n", -EINVAL },
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
	assert_int_equal(got.next_ino, 0);
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
	assert_int_equal(got.next_ino, 0);
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
	assert_int_equal(got.next_ino, 0);
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

	write_file(f->path, "version 1\ngarbage\n", 0644);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
