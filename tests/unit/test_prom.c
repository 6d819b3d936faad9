// SPDX-License-Identifier: GPL-2.0
/*
 * test_prom.c - node_exporter textfile metrics: content, escaping, atomic
 * replacement, and a check by a real parser (python3-prometheus-client).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "e4d/e4d.h"
#include "e4d/prom.h"
#include "e4d/report.h"

#define UUID	"0b6a2a8e-6c1c-4b43-9f9c-1a2b3c4d5e6f"

static void two_fs(struct e4d_prom_fs fs[2])
{
	struct e4d_fs_summary s = { 0 };
	struct e4d_state st = { 0 };

	memset(fs, 0, 2 * sizeof(*fs));
	s.files = 200;
	s.fragmented = 50;
	s.unmovable = 3;
	s.extents = 1000;
	s.ideal = 400;
	s.have_free = true;
	s.free.free_blocks = 1000;
	s.free.free_extents = 12;
	s.free.frag_pct = 25.0;
	fs[0].mountpoint = "/mnt/a \"quoted\" \\ back\nslash";
	fs[0].device = "/dev/loop0";
	fs[0].uuid = UUID;
	e4d_prom_from_summary(&fs[0], &s, 4096);
	st.last_start = 1700000000;
	st.last_end = 1700000090;
	st.last_result = E4D_RUN_PARTIAL;
	st.last_exit = 0;
	st.files_moved = 7;
	st.bytes_moved = 1 << 20;
	st.bytes_moved_total = 3 << 20;
	e4d_prom_from_state(&fs[0], &st);
	fs[0].extents_before = 300;
	fs[0].extents_after = 20;
	/* the second was scanned but never defragmented, no free space */
	fs[1].mountpoint = "/";
	fs[1].device = NULL;
	fs[1].uuid = "11111111-2222-3333-4444-555555555555";
	s.have_free = false;
	s.files = 0;
	s.fragmented = 0;
	e4d_prom_from_summary(&fs[1], &s, 4096);
}

static char *format(const struct e4d_prom_fs *fs, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(e4d_prom_format(f, fs, n), 0);
	fclose(f);
	return buf;
}

static int count(const char *t, const char *what)
{
	int n = 0;

	for (t = strstr(t, what); t; t = strstr(t + 1, what))
		n++;
	return n;
}

#define LBL0 "{mountpoint=\"/mnt/a \\\"quoted\\\" \\\\ back\\nslash\"," \
	     "device=\"/dev/loop0\",uuid=\"" UUID "\"}"
#define LBL1 "{mountpoint=\"/\",device=\"\"," \
	     "uuid=\"11111111-2222-3333-4444-555555555555\"}"

static void test_content(void **state)
{
	struct e4d_prom_fs fs[2];
	char *t;

	two_fs(fs);
	t = format(fs, 2);
	assert_non_null(strstr(t, "# HELP e4defrag2_files_scanned "));
	assert_non_null(strstr(t, "# TYPE e4defrag2_files_scanned gauge\n"
				  "e4defrag2_files_scanned" LBL0 " 200\n"
				  "e4defrag2_files_scanned" LBL1 " 0\n"));
	assert_non_null(strstr(t, "e4defrag2_fragmented_files_ratio" LBL0
				  " 0.25\n"));
	/* no files: a ratio of 0, not NaN */
	assert_non_null(strstr(t, "e4defrag2_fragmented_files_ratio" LBL1
				  " 0\n"));
	assert_non_null(strstr(t, "e4defrag2_free_bytes" LBL0 " 4096000\n"));
	assert_non_null(strstr(t, "e4defrag2_free_space_fragmentation_ratio"
				  LBL0 " 0.25\n"));
	assert_null(strstr(t, "e4defrag2_free_bytes" LBL1));
	assert_non_null(strstr(t, "# TYPE e4defrag2_moved_bytes_total counter\n"
				  "e4defrag2_moved_bytes_total" LBL0
				  " 3145728\n"));
	assert_null(strstr(t, "e4defrag2_moved_bytes_total" LBL1));
	assert_non_null(strstr(t, "e4defrag2_last_run_duration_seconds" LBL0
				  " 90\n"));
	assert_non_null(strstr(t, "e4defrag2_last_run_timestamp_seconds" LBL0
				  " 1700000090\n"));
	assert_non_null(strstr(t, "e4defrag2_extents_before" LBL0 " 300\n"));
	assert_non_null(strstr(t, "e4defrag2_last_run_success" LBL0 " 1\n"));
	assert_non_null(strstr(t, "e4defrag2_last_run_result{mountpoint="));
	assert_non_null(strstr(t, ",result=\"partial\"} 1\n"));
	assert_non_null(strstr(t, ",result=\"ok\"} 0\n"));
	/* each HELP and TYPE once, though two filesystems have samples */
	assert_int_equal(count(t, "# HELP e4defrag2_extents "), 1);
	assert_int_equal(count(t, "# TYPE e4defrag2_extents "), 1);
	assert_int_equal(count(t, "e4defrag2_extents{"), 2);
	assert_int_equal(count(t, "# TYPE e4defrag2_last_run_result "), 1);
	free(t);

	/* nothing at all: an empty file, still valid */
	t = format(fs, 0);
	assert_string_equal(t, "");
	free(t);
}

/* A mount path that is not UTF-8: the label still is (the text \xNN for
 * each byte that is not, as in the JSON), valid UTF-8 is kept.
 */
static void test_not_utf8(void **state)
{
	struct e4d_prom_fs fs[2];
	char *t;

	two_fs(fs);
	fs[1].mountpoint = "/mnt/\xff\xc3\xa9t\xc3";
	t = format(fs, 2);
	assert_non_null(strstr(t, "e4defrag2_files_scanned{mountpoint="
				  "\"/mnt/\\\\xff\xc3\xa9t\\\\xc3\","));
	assert_null(strstr(t, "\xff"));
	free(t);
}

static char *slurp(const char *path)
{
	char *buf = calloc(1, 1 << 16);
	FILE *f = fopen(path, "r");

	assert_non_null(buf);
	assert_non_null(f);
	assert_true(fread(buf, 1, (1 << 16) - 1, f) > 0);
	fclose(f);
	return buf;
}

/*
 * A run that did not get to a filesystem (locked, no time left) keeps the
 * samples the file had for it, under each metric's one HELP and TYPE; a
 * filesystem the run does not name at all is dropped.
 */
static void test_keep(void **state)
{
	char dir[] = "/tmp/e4d-prom.XXXXXX", path[64];
	struct e4d_prom_fs fs[2], now[2];
	struct e4d_ctx ctx;
	char *t;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/e4defrag2.prom", dir);
	e4d_ctx_init(&ctx);
	two_fs(fs);
	assert_int_equal(e4d_prom_write(&ctx, path, fs, 2), 0);

	/* the first measured again, the second (mountpoint "/") kept */
	now[0] = fs[0];
	now[0].files = 999;
	memset(&now[1], 0, sizeof(now[1]));
	now[1].mountpoint = "/";
	now[1].keep = true;
	assert_int_equal(e4d_prom_write(&ctx, path, now, 2), 0);
	t = slurp(path);
	assert_non_null(strstr(t, "# TYPE e4defrag2_files_scanned gauge\n"
				  "e4defrag2_files_scanned" LBL0 " 999\n"
				  "e4defrag2_files_scanned" LBL1 " 0\n"));
	assert_int_equal(count(t, "# HELP e4defrag2_files_scanned "), 1);
	assert_int_equal(count(t, "e4defrag2_files_scanned{"), 2);
	assert_int_equal(count(t, "e4defrag2_extents{"), 2);
	free(t);

	/* the other way round: the escaped mountpoint is matched */
	now[0] = fs[1];
	memset(&now[1], 0, sizeof(now[1]));
	now[1].mountpoint = fs[0].mountpoint;
	now[1].keep = true;
	assert_int_equal(e4d_prom_write(&ctx, path, now, 2), 0);
	t = slurp(path);
	assert_non_null(strstr(t, "e4defrag2_files_scanned" LBL1 " 0\n"
				  "e4defrag2_files_scanned" LBL0 " 999\n"));
	assert_non_null(strstr(t, "e4defrag2_moved_bytes_total" LBL0
				  " 3145728\n"));
	assert_int_equal(count(t, ",result=\"partial\"} 1\n"), 1);
	assert_int_equal(count(t, "# TYPE e4defrag2_last_run_result "), 1);
	free(t);

	/* not named: dropped */
	assert_int_equal(e4d_prom_write(&ctx, path, fs + 1, 1), 0);
	t = slurp(path);
	assert_null(strstr(t, "quoted"));
	assert_int_equal(count(t, "e4defrag2_files_scanned{"), 1);
	free(t);
	unlink(path);
	rmdir(dir);
}

/* The file parses with prometheus_client; print what it understood. */
static const char pyscript[] =
	"import sys\n"
	"from prometheus_client.parser import text_string_to_metric_families\n"
	"text = open(sys.argv[1]).read()\n"
	"for fam in text_string_to_metric_families(text):\n"
	"    for s in fam.samples:\n"
	"        print(fam.type, s.name, repr(s.labels['mountpoint']),\n"
	"              s.labels.get('result', '-'), repr(s.value))\n";

static void test_parser(void **state)
{
	char dir[] = "/tmp/e4d-prom.XXXXXX", path[64], cmd[512], line[512];
	char out[16384] = "";
	struct e4d_prom_fs fs[2];
	struct e4d_ctx ctx;
	struct stat st;
	FILE *p;
	int rc;

	if (system("/usr/bin/python3 -c 'import prometheus_client.parser' "
		   ">/dev/null 2>&1")) {
		/* Debian's python3-prometheus-client (tests/install-deps.sh
		 * installs it); not a pyenv or venv python3 first in PATH */
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/e4defrag2.prom", dir);
	e4d_ctx_init(&ctx);
	two_fs(fs);
	assert_int_equal(e4d_prom_write(&ctx, path, fs, 2), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c \"$(cat <<'EOF'\n%sEOF\n)\" %s",
		 pyscript, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		strncat(out, line, sizeof(out) - strlen(out) - 1);
	rc = pclose(p);
	if (rc)
		fail_msg("parser failed (%d):\n%s", rc, out);
	/* the escaped label came back exactly */
	assert_non_null(strstr(out, "gauge e4defrag2_files_scanned "
				    "'/mnt/a \"quoted\" \\\\ back\\nslash' "
				    "- 200.0\n"));
	assert_non_null(strstr(out, "gauge e4defrag2_files_scanned '/' - "
				    "0.0\n"));
	assert_non_null(strstr(out, "counter e4defrag2_moved_bytes_total "));
	assert_non_null(strstr(out, "gauge e4defrag2_last_run_result "
				    "'/mnt/a \"quoted\" \\\\ back\\nslash' "
				    "partial 1.0\n"));
	assert_non_null(strstr(out, "gauge e4defrag2_free_space_fragmentation"
				    "_ratio "));
	/* a directory that does not exist: an error, reported */
	assert_int_equal(e4d_prom_write(&ctx, "/nonexistent/dir/x.prom", fs,
					2), -ENOENT);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
