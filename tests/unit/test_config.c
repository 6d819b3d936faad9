// SPDX-License-Identifier: GPL-2.0
/*
 * test_config.c - /etc/e4defrag2.conf parsing, values and errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <cmocka.h>

#include "e4d/config.h"
#include "e4d/e4d.h"

struct msgs {
	char text[4096];
	int n;
};

static void collect(void *arg, enum e4d_level level, const char *msg)
{
	struct msgs *m = arg;
	size_t len = strlen(m->text);

	snprintf(m->text + len, sizeof(m->text) - len, "%s\n", msg);
	m->n++;
}

static void ctx_setup(struct e4d_ctx *ctx, struct msgs *m)
{
	e4d_ctx_init(ctx);
	memset(m, 0, sizeof(*m));
	ctx->msg = collect;
	ctx->msg_arg = m;
}

/* Parse @text into a fresh config; return the result, messages in @m. */
static int parse(const char *text, struct e4d_config *cfg, struct msgs *m)
{
	struct e4d_ctx ctx;

	ctx_setup(&ctx, m);
	assert_int_equal(e4d_config_init(cfg), 0);
	return e4d_config_parse(&ctx, text, "t.conf", cfg);
}

static void test_defaults(void **state)
{
	struct e4d_config cfg;
	struct msgs m;

	assert_int_equal(parse("", &cfg, &m), 0);
	assert_int_equal(cfg.nfilesystems, 0);
	assert_int_equal(cfg.time_budget, 7200);
	assert_int_equal(cfg.max_rate, 50u << 20);
	assert_int_equal(cfg.min_age, 3600);
	assert_int_equal(cfg.busy, E4D_BUSY_SKIP);
	assert_false(cfg.include_nonrotational);
	assert_true(cfg.threshold == 10.0);
	assert_string_equal(cfg.state_dir, "/var/lib/e4defrag2");
	assert_null(cfg.prometheus_file);
	assert_int_equal(m.n, 0);
	e4d_config_free(&cfg);
}

static void test_every_key(void **state)
{
	static const char text[] =
		"# comment\n"
		"\n"
		"   # indented comment\n"
		"filesystem = /\n"
		"filesystem=/srv/my data\n"
		"\ttime-budget\t=  90m  \n"
		"max-rate = 512K\r\n"
		"min-age = 2d\n"
		"busy = yield\n"
		"include-nonrotational = Yes\n"
		"threshold = 12.5\n"
		"state-dir = /tmp/st\n"
		"prometheus-file = /var/lib/prometheus/node-exporter/e4defrag2.prom";
	struct e4d_config cfg;
	struct msgs m;

	assert_int_equal(parse(text, &cfg, &m), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(cfg.nfilesystems, 2);
	assert_string_equal(cfg.filesystems[0], "/");
	assert_string_equal(cfg.filesystems[1], "/srv/my data");
	assert_int_equal(cfg.time_budget, 90 * 60);
	assert_int_equal(cfg.max_rate, 512 * 1024);
	assert_int_equal(cfg.min_age, 2 * 86400);
	assert_int_equal(cfg.busy, E4D_BUSY_YIELD);
	assert_true(cfg.include_nonrotational);
	assert_true(cfg.threshold == 12.5);
	assert_string_equal(cfg.state_dir, "/tmp/st");
	assert_string_equal(cfg.prometheus_file,
			    "/var/lib/prometheus/node-exporter/e4defrag2.prom");
	e4d_config_free(&cfg);

	assert_int_equal(parse("prometheus-file = /a/x.prom\n"
			       "busy = ignore\nthreshold = 0\n", &cfg, &m), 0);
	assert_int_equal(cfg.busy, E4D_BUSY_IGNORE);
	assert_true(cfg.threshold == 0);
	e4d_config_free(&cfg);
	assert_int_equal(parse("prometheus-file = none\n", &cfg, &m), 0);
	assert_null(cfg.prometheus_file);
	e4d_config_free(&cfg);
}

/* Each bad line alone: -EINVAL and one message naming line 2. */
static void test_errors(void **state)
{
	static const char *const bad[] = {
		"no equals sign",
		"= value without key",
		"unknown-key = 1",
		"Max-Rate = 5",
		"time-budget =",
		"time-budget = 2 h",
		"time-budget = -1",
		"time-budget = 1y",
		"time-budget = 99999999999999999999",
		"time-budget = 999999999999999999d",
		"max-rate = 1.5",
		"max-rate = 5MB/h",
		"max-rate = 0x10",
		"min-age = h",
		"busy = wait",
		"busy = Skip",
		"include-nonrotational = maybe",
		"threshold = 101",
		"threshold = -1",
		"threshold = nan",
		"threshold = 1e1x",
		"threshold = inf",
		"threshold = 0x20",
		"threshold = 1e1",
		"filesystem = relative/path",
		"state-dir = var/lib",
		"prometheus-file = /var/lib/x.txt",
		"prometheus-file = /var/lib/.prom/",
		"prometheus-file = relative.prom",
		"busy = skip\x01",
	};
	struct e4d_config cfg;
	struct msgs m;
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "# ok\n%s\nfilesystem = /\n",
			 bad[i]);
		if (parse(text, &cfg, &m) != -EINVAL || m.n != 1 ||
		    strncmp(m.text, "t.conf:2: ", 10))
			fail_msg("line '%s': %d message(s): %s", bad[i], m.n,
				 m.text);
		e4d_config_free(&cfg);
	}
}

static void test_duplicates_and_all_errors(void **state)
{
	struct e4d_config cfg;
	struct msgs m;

	assert_int_equal(parse("busy = skip\nbusy = yield\n", &cfg, &m),
			 -EINVAL);
	assert_string_equal(m.text, "t.conf:2: 'busy' given twice\n");
	e4d_config_free(&cfg);
	/* every bad line is reported, with its number */
	assert_int_equal(parse("a = 1\nbusy = skip\n\nthreshold = x\n",
			       &cfg, &m), -EINVAL);
	assert_int_equal(m.n, 2);
	assert_non_null(strstr(m.text, "t.conf:1: unknown key 'a'"));
	assert_non_null(strstr(m.text,
			       "t.conf:4: bad threshold 'x': expected a number from 0 to 100"));
	e4d_config_free(&cfg);
}

static void test_value_parsers(void **state)
{
	uint64_t v;
	bool b;

	assert_int_equal(e4d_parse_duration("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(e4d_parse_duration("45s", &v), 0);
	assert_int_equal(v, 45);
	assert_int_equal(e4d_parse_duration("3h", &v), 0);
	assert_int_equal(v, 10800);
	assert_int_equal(e4d_parse_duration("", &v), -EINVAL);
	assert_int_equal(e4d_parse_duration("s", &v), -EINVAL);
	assert_int_equal(e4d_parse_duration("1hh", &v), -EINVAL);
	assert_int_equal(e4d_parse_duration("+1", &v), -EINVAL);
	assert_int_equal(e4d_parse_rate("50", &v), 0);
	assert_int_equal(v, 50ull << 20);
	assert_int_equal(e4d_parse_rate("1G", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(e4d_parse_rate("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(e4d_parse_rate("20000000000000G", &v), -EINVAL);
	/* one grammar for sizes and rates: unit letter in either case,
	 * optionally B or iB, and /s for rates
	 */
	assert_int_equal(e4d_parse_rate("5m", &v), 0);
	assert_int_equal(v, 5ull << 20);
	assert_int_equal(e4d_parse_rate("512k", &v), 0);
	assert_int_equal(v, 512ull << 10);
	assert_int_equal(e4d_parse_rate("20MiB", &v), 0);
	assert_int_equal(v, 20ull << 20);
	assert_int_equal(e4d_parse_rate("1G/s", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(e4d_parse_rate("/s", &v), -EINVAL);
	assert_int_equal(e4d_parse_rate("5/s", &v), 0);
	assert_int_equal(v, 5ull << 20);
	assert_int_equal(e4d_parse_rate("5MiBs", &v), -EINVAL);
	assert_int_equal(e4d_parse_rate("5X", &v), -EINVAL);
	assert_int_equal(e4d_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(e4d_parse_size("3TB", &v), 0);
	assert_int_equal(v, 3ull << 40);
	assert_int_equal(e4d_parse_size("1g", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(e4d_parse_size("8kib", &v), 0);
	assert_int_equal(v, 8ull << 10);
	assert_int_equal(e4d_parse_size("8B", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(e4d_parse_size("8BB", &v), -EINVAL);
	assert_int_equal(e4d_parse_size("8KiBB", &v), -EINVAL);
	assert_int_equal(e4d_parse_size("8K ", &v), -EINVAL);
	assert_int_equal(e4d_parse_size("-1", &v), -EINVAL);
	assert_int_equal(e4d_parse_size("", &v), -EINVAL);
	assert_int_equal(e4d_parse_size("K", &v), -EINVAL);
	assert_int_equal(e4d_parse_size("16777216T", &v), -EINVAL);
	assert_int_equal(e4d_parse_size("16777215T", &v), 0);
	assert_int_equal(e4d_parse_duration("2H", &v), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(e4d_parse_duration("90M", &v), 0);
	assert_int_equal(v, 5400);
	assert_int_equal(e4d_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(e4d_parse_bool("TRUE", &b), 0);
	assert_true(b);
	assert_int_equal(e4d_parse_bool("", &b), -EINVAL);
	assert_string_equal(e4d_busy_name(E4D_BUSY_YIELD), "yield");
}

/* one setting by its key, as the command-line overrides use it */
static void test_set_one(void **state)
{
	struct e4d_config cfg;
	const char *expect = NULL;

	(void)state;
	assert_int_equal(e4d_config_init(&cfg), 0);
	assert_int_equal(e4d_config_set(&cfg, "time-budget", "90m", &expect),
			 0);
	assert_int_equal(cfg.time_budget, 5400);
	assert_int_equal(e4d_config_set(&cfg, "busy", "yield", &expect), 0);
	assert_int_equal(cfg.busy, E4D_BUSY_YIELD);
	assert_int_equal(e4d_config_set(&cfg, "prometheus-file", "/x/y.prom",
					&expect), 0);
	assert_string_equal(cfg.prometheus_file, "/x/y.prom");
	assert_int_equal(e4d_config_set(&cfg, "prometheus-file", "none",
					&expect), 0);
	assert_null(cfg.prometheus_file);
	assert_null(expect);
	/* bad values say what was expected, and change nothing */
	assert_int_equal(e4d_config_set(&cfg, "max-rate", "fast", &expect),
			 -EINVAL);
	assert_non_null(strstr(expect, "MiB/s"));
	assert_int_equal(cfg.max_rate, 50ull << 20);
	expect = NULL;
	assert_int_equal(e4d_config_set(&cfg, "state-dir", "", &expect),
			 -EINVAL);
	assert_string_equal(expect, "an absolute path");
	assert_int_equal(e4d_config_set(&cfg, "prometheus-file", "/x/y.txt",
					&expect), -EINVAL);
	/* a command-line value with a control character names no file */
	assert_int_equal(e4d_config_set(&cfg, "prometheus-file", "/x\n.prom",
					&expect), -EINVAL);
	assert_int_equal(e4d_config_set(&cfg, "state-dir", "/var/\033[2J",
					&expect), -EINVAL);
	assert_int_equal(e4d_config_set(&cfg, "filesystem", "/mnt\t",
					&expect), -EINVAL);
	assert_int_equal(e4d_config_set(&cfg, "no-such-key", "1", &expect),
			 -ENOENT);
	e4d_config_free(&cfg);
}

static void test_load(void **state)
{
	char dir[] = "/tmp/e4d-cfg.XXXXXX", path[64];
	struct e4d_config cfg;
	struct e4d_ctx ctx;
	struct msgs m;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/e4defrag2.conf", dir);
	ctx_setup(&ctx, &m);
	assert_int_equal(e4d_config_init(&cfg), 0);
	assert_int_equal(e4d_config_load(&ctx, path, &cfg), -ENOENT);
	assert_int_equal(m.n, 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("max-rate = 7\nmin-age = bad\n", f);
	fclose(f);
	assert_int_equal(e4d_config_load(&ctx, path, &cfg), -EINVAL);
	assert_non_null(strstr(m.text, "e4defrag2.conf:2: bad min-age"));
	e4d_config_free(&cfg);
	/* a NUL byte is refused, not silently truncated */
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("busy = skip\n\0x = 1\n", 1, 19, f);
	fclose(f);
	assert_int_equal(e4d_config_init(&cfg), 0);
	assert_int_equal(e4d_config_load(&ctx, path, &cfg), -EINVAL);
	e4d_config_free(&cfg);
	/* a directory is not a config file */
	assert_int_equal(e4d_config_init(&cfg), 0);
	assert_int_equal(e4d_config_load(&ctx, dir, &cfg), -EINVAL);
	e4d_config_free(&cfg);
	/* too large */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 7000; i++)
		fputs("# padding\n", f);
	fclose(f);
	assert_int_equal(e4d_config_init(&cfg), 0);
	assert_int_equal(e4d_config_load(&ctx, path, &cfg), -EFBIG);
	e4d_config_free(&cfg);
	/* the shipped file parses and changes nothing (run from the top) */
	assert_int_equal(e4d_config_init(&cfg), 0);
	m.n = 0;
	assert_int_equal(e4d_config_load(&ctx, 
			 "misc/e4defrag2/e4defrag2.conf", &cfg), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(cfg.time_budget, 7200);
	e4d_config_free(&cfg);
	unlink(path);
	rmdir(dir);
}

/* Two configurations hold the same settings. */
static void assert_config_equal(const struct e4d_config *a,
				const struct e4d_config *b)
{
	size_t i;

	assert_int_equal(a->nfilesystems, b->nfilesystems);
	for (i = 0; i < a->nfilesystems; i++)
		assert_string_equal(a->filesystems[i], b->filesystems[i]);
	assert_int_equal(a->time_budget, b->time_budget);
	assert_int_equal(a->max_rate, b->max_rate);
	assert_int_equal(a->min_age, b->min_age);
	assert_int_equal(a->busy, b->busy);
	assert_int_equal(a->include_nonrotational, b->include_nonrotational);
	assert_true(a->threshold == b->threshold);
	assert_string_equal(a->state_dir, b->state_dir);
	if (a->prometheus_file || b->prometheus_file) {
		assert_non_null(a->prometheus_file);
		assert_non_null(b->prometheus_file);
		assert_string_equal(a->prometheus_file, b->prometheus_file);
	}
}

/*
 * The shipped file says "every setting below is shown commented out, with
 * its default": each "#key = value" line of it (the "filesystem" lines,
 * examples of a key without a default, aside), taken as a setting, changes
 * nothing. Run from the top of the tree.
 */
static void test_shipped_defaults(void **state)
{
	struct e4d_config dflt, cfg;
	char line[512], text[4096] = "";
	struct msgs m;
	int n = 0;
	FILE *f = fopen("misc/e4defrag2/e4defrag2.conf", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '#' || !strchr(line, '=') ||
		    !strchr("abcdefghijklmnopqrstuvwxyz", line[1]) ||
		    !strncmp(line + 1, "filesystem ", 11))
			continue;
		assert_true(strlen(text) + strlen(line) < sizeof(text));
		strcat(text, line + 1);
		n++;
	}
	fclose(f);
	assert_int_equal(n, 8);		/* every key but "filesystem" */
	assert_int_equal(e4d_config_init(&dflt), 0);
	assert_int_equal(parse(text, &cfg, &m), 0);
	assert_int_equal(m.n, 0);
	assert_config_equal(&cfg, &dflt);
	e4d_config_free(&cfg);
	e4d_config_free(&dflt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_duplicates_and_all_errors),
		cmocka_unit_test(test_value_parsers),
		cmocka_unit_test(test_set_one),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_shipped_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
