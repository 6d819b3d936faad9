// SPDX-License-Identifier: GPL-2.0
/*
 * e4defrag2.c - command line: options in, library calls, exit status out.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e4d/e4d.h"
#include "e4d/freespace.h"
#include "e4d/fsinfo.h"
#include "e4d/report.h"
#include "e4d/scan.h"

#define EXIT_SOME_FAILED	1
#define EXIT_USAGE		2
#define EXIT_FATAL		3

enum {
	OPT_TOP = 256,
	OPT_SORT,
	OPT_FIEMAP,
};

struct cli {
	struct e4d_ctx ctx;
	struct e4d_report_opts ropts;
	bool check;
	bool fiemap_only;
	const char *prog;
};

static void on_msg(void *arg, enum e4d_level level, const char *msg)
{
	const struct cli *cli = arg;

	fprintf(stderr, "%s: %s%s\n", cli->prog,
		level == E4D_WARN ? "warning: " : "", msg);
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
"Usage: %s [options] PATH...\n"
"\n"
"Report and defragment files on mounted ext4 filesystems. PATH is a file,\n"
"a directory tree, a mountpoint or a block device.\n"
"\n"
"Report options:\n"
"  -c, --check            report fragmentation only, change nothing\n"
"  -J, --json             JSON output\n"
"  -o, --output LIST      columns to print (see -H); +LIST adds to the default\n"
"  -r, --raw              raw output, one row per line\n"
"  -n, --noheadings       no column headings and no summary\n"
"  -b, --bytes            sizes in bytes\n"
"  -a, --all              list files with nothing to gain too\n"
"      --top N            at most N files from tree and filesystem scans\n"
"                         (default 20; 0 = all)\n"
"      --sort COLUMN      order rows by COLUMN (numbers: largest first)\n"
"      --fiemap           use FIEMAP even where the device can be read\n"
"  -H, --list-columns     list the columns and exit\n"
"\n"
"General:\n"
"  -v, --verbose          more messages\n"
"  -h, --help             this help\n"
"  -V, --version          version\n"
"\n"
"Exit status: 0 success, 1 some paths or files failed, 2 usage error,\n"
"3 fatal error. See e4defrag2(8).\n", prog);
}

static int usage_error(const char *prog, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	return EXIT_USAGE;
}

static bool is_whole_fs(const struct e4d_fs *fs, const char *path,
			const struct stat *st)
{
	char *real;
	bool ret;

	if (S_ISBLK(st->st_mode))
		return true;
	if (!fs->mountpoint || !S_ISDIR(st->st_mode))
		return false;
	real = realpath(path, NULL);
	ret = real && !strcmp(real, fs->mountpoint);
	free(real);
	return ret;
}

/* Report on one command-line path; returns 0, 1 (failed) or -errno. */
static int report_path(struct cli *cli, struct e4d_report *rep,
		       const char *path)
{
	struct e4d_freespace free;
	struct e4d_fs *fs;
	struct stat st;
	int ret;

	ret = e4d_fs_open(&cli->ctx, path, &fs);
	if (ret < 0)
		return ret == -ENOMEM ? ret : 1;
	fs = e4d_report_fs(rep, fs);
	if (!fs)
		return -ENOMEM;
	if (stat(path, &st) < 0) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", path, strerror(errno));
		return 1;
	}
	if (fs->e2fs && !cli->fiemap_only &&
	    e4d_freespace_read(&cli->ctx, fs, &free) == 0)
		e4d_report_set_free(rep, fs, &free);
	e4d_report_listed(rep, S_ISREG(st.st_mode));
	if (is_whole_fs(fs, path, &st) && !fs->e2fs && fs->device)
		e4d_msg(&cli->ctx, E4D_INFO, "%s: cannot read %s (%s): walking "
			"the tree with FIEMAP, geometry estimated", path,
			fs->device, strerror(-fs->e2fs_err));
	if (is_whole_fs(fs, path, &st) && fs->e2fs && !cli->fiemap_only) {
		ret = e4d_scan_fs(&cli->ctx, fs, e4d_report_file, rep);
	} else if (S_ISBLK(st.st_mode)) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: cannot read the device",
			path);
		return 1;
	} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
		ret = e4d_scan_path(&cli->ctx, fs, path, e4d_report_file, rep);
	} else {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: not a regular file, directory "
			"or block device", path);
		return 1;
	}
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", path, strerror(-ret));
		return 1;
	}
	return 0;
}

static int run_report(struct cli *cli, char **paths, int npaths)
{
	struct e4d_report *rep = e4d_report_new(&cli->ropts);
	int i, ret, status = 0;

	if (!rep) {
		e4d_msg(&cli->ctx, E4D_ERR, "out of memory");
		return EXIT_FATAL;
	}
	for (i = 0; i < npaths; i++) {
		ret = report_path(cli, rep, paths[i]);
		if (ret < 0) {
			e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", paths[i],
				strerror(-ret));
			e4d_report_free(rep);
			return EXIT_FATAL;
		}
		if (ret)
			status = EXIT_SOME_FAILED;
	}
	ret = e4d_report_print(&cli->ctx, rep, stdout);
	if (ret < 0) {
		e4d_msg(&cli->ctx, E4D_ERR, "report: %s", strerror(-ret));
		status = EXIT_FATAL;
	} else if (e4d_report_errors(rep) && !status) {
		status = EXIT_SOME_FAILED;
	}
	e4d_report_free(rep);
	return status;
}

static int parse_count(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'J' },
		{ "output", required_argument, NULL, 'o' },
		{ "raw", no_argument, NULL, 'r' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "all", no_argument, NULL, 'a' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "fiemap", no_argument, NULL, OPT_FIEMAP },
		{ "list-columns", no_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	const char *bad;
	size_t badlen;
	int c, status;

	cli.prog = "e4defrag2";
	e4d_ctx_init(&cli.ctx);
	cli.ctx.msg = on_msg;
	cli.ctx.msg_arg = &cli;
	cli.ropts.top = 20;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "cJo:rnbaHvhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.check = true;
			break;
		case 'J':
			cli.ropts.format = E4D_FMT_JSON;
			break;
		case 'o':
			if (!e4d_report_columns_ok(optarg, &bad, &badlen)) {
				char name[64];

				snprintf(name, sizeof(name), "%.*s",
					 (int)(badlen < 60 ? badlen : 60), bad);
				return usage_error(cli.prog,
						   "unknown column: '%s'", name);
			}
			cli.ropts.columns = optarg;
			break;
		case 'r':
			cli.ropts.format = E4D_FMT_RAW;
			break;
		case 'n':
			cli.ropts.noheadings = true;
			break;
		case 'b':
			cli.ropts.bytes = true;
			break;
		case 'a':
			cli.ropts.all = true;
			break;
		case OPT_TOP:
			if (parse_count(optarg, &cli.ropts.top) < 0)
				return usage_error(cli.prog,
						   "--top: not a count: '%s'",
						   optarg);
			break;
		case OPT_SORT:
			if (!e4d_report_columns_ok(optarg, &bad, &badlen) ||
			    strchr(optarg, ',') || optarg[0] == '+')
				return usage_error(cli.prog,
						   "--sort: unknown column: '%s'",
						   optarg);
			cli.ropts.sort = optarg;
			break;
		case OPT_FIEMAP:
			cli.fiemap_only = true;
			break;
		case 'H':
			e4d_report_list_columns(stdout);
			return fflush(stdout) || ferror(stdout) ?
			       EXIT_FATAL : 0;
		case 'v':
			cli.ctx.verbose++;
			break;
		case 'h':
			usage(stdout, cli.prog);
			return fflush(stdout) || ferror(stdout) ?
			       EXIT_FATAL : 0;
		case 'V':
			printf("%s %s\n", cli.prog, PACKAGE_VERSION);
			return fflush(stdout) || ferror(stdout) ?
			       EXIT_FATAL : 0;
		default:
			return usage_error(cli.prog, "unknown option or "
					   "missing argument: '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error(cli.prog, "%s", "no PATH given");
	if (!cli.check) {
		fprintf(stderr, "%s: defragmentation is not available in this "
			"version yet; use -c to report\n", cli.prog);
		return EXIT_USAGE;
	}
	status = run_report(&cli, argv + optind, argc - optind);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error on standard output\n",
			cli.prog);
		status = EXIT_FATAL;
	}
	return status;
}
