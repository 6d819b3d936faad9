// SPDX-License-Identifier: GPL-2.0
/*
 * e4defrag2.c - command line: options in, library calls, exit status out.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e4d/defrag.h"
#include "e4d/e4d.h"
#include "e4d/freespace.h"
#include "e4d/fsinfo.h"
#include "e4d/inoset.h"
#include "e4d/report.h"
#include "e4d/scan.h"

#define EXIT_SOME_FAILED	1
#define EXIT_USAGE		2
#define EXIT_FATAL		3

enum {
	OPT_TOP = 256,
	OPT_SORT,
	OPT_FIEMAP,
	OPT_THRESHOLD,
	OPT_MIN_SIZE,
	OPT_MIN_EXTENTS,
	OPT_WORST_FIRST,
	OPT_DRY_RUN,
	OPT_WINDOW,
	OPT_RESERVE,
	OPT_NO_PREFETCH,
	OPT_NO_PROGRESS,
};

/* Set by the signal handler: finish the current chunk, then stop. The one
 * mutable global, as a handler cannot be given an argument.
 */
static volatile sig_atomic_t stop_requested;

struct cli {
	struct e4d_ctx ctx;
	struct e4d_report_opts ropts;
	struct e4d_plan_opts popts;
	struct e4d_defrag_opts dopts;
	bool check;
	bool fiemap_only;
	bool dry_run;
	bool no_progress;
	const char *prog;
};

/* Totals of a defragmentation run and the progress line. */
struct run {
	struct cli *cli;
	uint64_t moved, failed, bytes, ext_before, ext_after;
	uint64_t skipped[E4D_SKIP_COUNT];
	uint64_t unmovable[16];
	uint64_t plan_files, plan_bytes, plan_extents, plan_ideal;
	struct e4d_inoset done;	/* inodes handled (hard links once) */
	dev_t done_dev;
	/* progress */
	bool tty;
	unsigned int bs;
	uint64_t total_blocks, done_blocks;
	struct timespec t0, last;
	size_t printed;
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
"Without -c, the files are defragmented (EXT4_IOC_MOVE_EXT).\n"
"\n"
"Defragmentation options:\n"
"      --threshold N      only files with a score of at least N (0-100)\n"
"      --min-size SIZE    only files of at least SIZE bytes (K, M, G)\n"
"      --min-extents N    only files of at least N extents (default 2)\n"
"      --worst-first      highest score first (default: inode order)\n"
"      --dry-run          print the plan and the expected gain, move nothing\n"
"      --window SIZE      bytes moved per donor file (default 1G)\n"
"      --reserve SIZE     free space always left to applications\n"
"                         (default 1%% of the filesystem, at least 4M)\n"
"      --no-prefetch      plain ioctl calls, no page-cache handling\n"
"      --no-progress      no progress line (it is shown on a terminal)\n"
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
"Exit status: 0 success, 1 some paths or files failed (or interrupted),\n"
"2 usage error, 3 fatal error. See e4defrag2(8).\n", prog);
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

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return -EINVAL;
	if (v > (~0ull >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static void on_signal(int sig)
{
	stop_requested = 1;
	signal(sig, SIG_DFL);	/* a second one ends us at once */
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static double secs_since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - a->tv_sec) + (now.tv_nsec - a->tv_nsec) / 1e9;
}

static const char *human(uint64_t bytes, char *buf, size_t sz)
{
	static const char units[] = "BKMGTP";
	double v = bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u)
		snprintf(buf, sz, "%.1f %ciB", v, units[u]);
	else
		snprintf(buf, sz, "%llu B", (unsigned long long)bytes);
	return buf;
}

static void progress_clear(struct run *r)
{
	if (r->printed) {
		fprintf(stderr, "\r%*s\r", (int)r->printed, "");
		r->printed = 0;
	}
}

/* The progress line on a terminal: bar, percent, rate, ETA. */
static void on_progress(void *arg, uint64_t blocks)
{
	struct run *r = arg;
	char bar[31], rate[32];
	double el, bps, pct, eta;
	int n, i;

	r->done_blocks += blocks;
	if (!r->tty || !r->total_blocks || secs_since(&r->last) < 0.25)
		return;
	clock_gettime(CLOCK_MONOTONIC, &r->last);
	el = secs_since(&r->t0);
	pct = r->done_blocks >= r->total_blocks ? 1.0 :
	      (double)r->done_blocks / r->total_blocks;
	bps = el > 0 ? r->done_blocks * (double)r->bs / el : 0;
	eta = bps > 0 && pct < 1 ? (1 - pct) * el / pct : 0;
	for (i = 0; i < 30; i++)
		bar[i] = i < (int)(pct * 30) ? '#' : '.';
	bar[30] = 0;
	n = fprintf(stderr, "\r[%s] %3.0f%% %s/s ETA %d:%02d ", bar,
		    pct * 100, human(bps, rate, sizeof(rate)),
		    (int)eta / 60, (int)eta % 60);
	if (n > 0 && (size_t)n > r->printed)
		r->printed = n;
}

/* Hard links and repeated paths: each inode once per filesystem. */
static bool seen_ino(struct run *r, dev_t dev, uint64_t ino)
{
	if (r->done_dev != dev) {
		e4d_inoset_clear(&r->done);
		r->done_dev = dev;
	}
	return e4d_inoset_add(&r->done, ino) == 0;
}

struct scan_arg {
	struct run *r;
	struct e4d_plan *plan;
};

static int plan_file(void *arg, const struct e4d_fs *fs, struct e4d_file *f)
{
	struct scan_arg *sa = arg;
	struct cli *cli = sa->r->cli;
	enum e4d_skip v;
	int ret;

	ret = e4d_plan_add(sa->plan, &cli->popts, f, &v);
	if (ret < 0)
		return ret;
	if (v == E4D_SKIP_UNMOVABLE && f->path && f->score.excess)
		e4d_msg(&cli->ctx, E4D_INFO, "%s: skipped: unmovable (%s)",
			f->path, e4d_why_text(f->why));
	else if (v != E4D_SKIP_NONE && v != E4D_SKIP_NOGAIN && f->path)
		e4d_msg(&cli->ctx, E4D_DEBUG, "%s: skipped: %s", f->path,
			e4d_skip_text(v));
	return 0;
}

/* Give names to candidates of a whole-filesystem scan. */
static int name_candidates(struct cli *cli, struct e4d_fs *fs,
			   struct e4d_plan *plan)
{
	uint64_t *inos;
	char **paths;
	size_t i;
	int ret;

	if (!plan->n || plan->v[0].path)
		return 0;
	inos = malloc(plan->n * sizeof(*inos));
	paths = calloc(plan->n, sizeof(*paths));
	if (!inos || !paths) {
		ret = -ENOMEM;
		goto out_free;
	}
	e4d_plan_sort(plan, false);
	for (i = 0; i < plan->n; i++)
		inos[i] = plan->v[i].ino;
	ret = e4d_resolve_paths(&cli->ctx, fs, inos, plan->n, paths);
	for (i = 0; !ret && i < plan->n; i++)
		plan->v[i].path = paths[i];
out_free:
	free(inos);
	free(paths);
	return ret;
}

static void print_plan(struct cli *cli, const struct e4d_plan *plan)
{
	char b[32];
	size_t i;

	for (i = 0; i < plan->n; i++) {
		const struct e4d_cand *c = &plan->v[i];

		printf("%s: extents %llu -> %llu, %s, score %.0f\n",
		       c->path ? c->path : "(no name)",
		       (unsigned long long)c->extents,
		       (unsigned long long)c->ideal,
		       human(c->size, b, sizeof(b)), c->score);
	}
}

static void account(struct run *r, const struct e4d_cand *c,
		    const struct e4d_defrag_result *res)
{
	struct cli *cli = r->cli;
	char b[32];

	if (res->err) {
		r->failed++;
		progress_clear(r);
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s: %s", c->path, res->what,
			strerror(-res->err));
	}
	if (res->windows_moved) {
		r->moved++;
		r->bytes += res->bytes;
		r->ext_before += res->ext_before;
		r->ext_after += res->ext_after;
		progress_clear(r);
		e4d_msg(&cli->ctx, E4D_INFO,
			"%s: extents %llu -> %llu (%s)%s%s",
			c->path, (unsigned long long)res->ext_before,
			(unsigned long long)res->ext_after,
			human(res->bytes, b, sizeof(b)),
			res->skip ? ", stopped short: " : "",
			res->skip ? e4d_skip_text(res->skip) : "");
		e4d_msg(&cli->ctx, E4D_DEBUG, "%s: %llu ioctls, %llu retries, "
			"read ahead %llu MiB in %.2f s, ioctl %.2f s, "
			"fsync+writeback %.2f s, dropped %llu MiB", c->path,
			(unsigned long long)res->mv.calls,
			(unsigned long long)res->mv.retries,
			(unsigned long long)(res->mv.prefetched >> 20),
			res->mv.ns_read / 1e9, res->mv.ns_move / 1e9,
			res->mv.ns_sync / 1e9,
			(unsigned long long)(res->mv.dropped >> 20));
	} else if (!res->err) {
		r->skipped[res->skip]++;
		if (res->skip == E4D_SKIP_UNMOVABLE && res->why < 16)
			r->unmovable[res->why]++;
		progress_clear(r);
		e4d_msg(&cli->ctx, E4D_INFO, "%s: skipped: %s%s%s%s", c->path,
			e4d_skip_text(res->skip),
			res->skip == E4D_SKIP_UNMOVABLE ? " (" : "",
			res->skip == E4D_SKIP_UNMOVABLE ?
			e4d_why_text(res->why) : "",
			res->skip == E4D_SKIP_UNMOVABLE ? ")" : "");
	}
	/* blocks of a skipped file never come: count them as done */
	if (r->done_blocks < r->total_blocks && !res->windows_moved)
		on_progress(r, 0);
}

static int execute_plan(struct run *r, const struct e4d_fs *fs,
			const struct e4d_plan *plan)
{
	struct cli *cli = r->cli;
	struct e4d_defrag_result res;
	size_t i;
	int ret;

	r->bs = fs->geom.blocksize;
	r->total_blocks = 0;
	r->done_blocks = 0;
	for (i = 0; i < plan->n; i++)
		r->total_blocks += plan->v[i].blocks;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	for (i = 0; i < plan->n; i++) {
		const struct e4d_cand *c = &plan->v[i];
		uint64_t start = r->done_blocks;

		if (stop_requested) {
			r->skipped[E4D_SKIP_STOPPED]++;
			continue;
		}
		if (seen_ino(r, fs->devno, c->ino)) {
			r->skipped[E4D_SKIP_DUP]++;
			continue;
		}
		ret = e4d_defrag_file(&cli->ctx, fs, c, &cli->dopts, &res);
		if (ret < 0)
			return ret;
		account(r, c, &res);
		r->done_blocks = start + c->blocks;
	}
	progress_clear(r);
	return 0;
}

/* Scan one command-line path, plan, then defragment or print the plan. */
static int defrag_path(struct run *r, const char *path)
{
	struct cli *cli = r->cli;
	struct e4d_plan plan = { 0 };
	struct scan_arg sa = { r, &plan };
	struct e4d_fs *fs;
	struct stat st;
	size_t k;
	int ret;

	ret = e4d_fs_open(&cli->ctx, path, &fs);
	if (ret < 0)
		return ret == -ENOMEM ? ret : 1;
	if (stat(path, &st) < 0) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", path, strerror(errno));
		ret = 1;
		goto out_close;
	}
	if (!fs->mounted) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: not mounted: only mounted "
			"filesystems can be defragmented", path);
		ret = 1;
		goto out_close;
	}
	if (is_whole_fs(fs, path, &st) && fs->e2fs && !cli->fiemap_only) {
		ret = e4d_scan_fs(&cli->ctx, fs, plan_file, &sa);
	} else if (S_ISBLK(st.st_mode)) {
		ret = e4d_scan_path(&cli->ctx, fs, fs->mountpoint, plan_file,
				    &sa);
	} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
		ret = e4d_scan_path(&cli->ctx, fs, path, plan_file, &sa);
	} else {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: not a regular file, directory "
			"or block device", path);
		ret = 1;
		goto out_close;
	}
	if (!ret)
		ret = name_candidates(cli, fs, &plan);
	if (ret == -ENOMEM)
		goto out_close;
	if (ret < 0) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", path, strerror(-ret));
		ret = 1;
		goto out_close;
	}
	e4d_plan_sort(&plan, cli->popts.worst_first);
	for (k = 0; k < E4D_SKIP_COUNT; k++)
		r->skipped[k] += plan.skipped[k];
	for (k = 0; k < 16; k++)
		r->unmovable[k] += plan.unmovable[k];
	r->failed += plan.skipped[E4D_SKIP_UNREADABLE];
	r->skipped[E4D_SKIP_UNREADABLE] -= plan.skipped[E4D_SKIP_UNREADABLE];
	r->plan_files += plan.n;
	r->plan_bytes += plan.bytes;
	r->plan_extents += plan.extents;
	r->plan_ideal += plan.ideal;
	if (cli->dry_run)
		print_plan(cli, &plan);
	else
		ret = execute_plan(r, fs, &plan);
out_close:
	e4d_plan_free(&plan);
	e4d_fs_close(fs);
	return ret;
}

static void print_skips(const struct run *r)
{
	const char *sep = "";
	uint64_t n = 0;
	int k, w;

	for (k = 1; k < E4D_SKIP_COUNT; k++)
		n += r->skipped[k];
	printf("files skipped:  %llu", (unsigned long long)n);
	for (k = 1; k < E4D_SKIP_COUNT; k++) {
		if (!r->skipped[k])
			continue;
		printf("%s%s: %llu", *sep ? sep : " (", e4d_skip_text(k),
		       (unsigned long long)r->skipped[k]);
		sep = ", ";
		if (k != E4D_SKIP_UNMOVABLE)
			continue;
		for (w = 1; w < 16; w++)
			if (r->unmovable[w])
				printf(" [%s %llu]", e4d_why_token(w),
				       (unsigned long long)r->unmovable[w]);
	}
	printf("%s\n", *sep ? ")" : "");
}

static void print_summary(const struct run *r, double secs)
{
	char b[32];

	if (r->cli->dry_run) {
		printf("plan: %llu files, %s, extents %llu -> %llu expected\n",
		       (unsigned long long)r->plan_files,
		       human(r->plan_bytes, b, sizeof(b)),
		       (unsigned long long)r->plan_extents,
		       (unsigned long long)r->plan_ideal);
		print_skips(r);
		return;
	}
	printf("files moved:    %llu\n", (unsigned long long)r->moved);
	print_skips(r);
	printf("files failed:   %llu\n", (unsigned long long)r->failed);
	printf("bytes moved:    %llu (%s) in %.1f s\n",
	       (unsigned long long)r->bytes, human(r->bytes, b, sizeof(b)),
	       secs);
	printf("extents:        %llu -> %llu (files moved)\n",
	       (unsigned long long)r->ext_before,
	       (unsigned long long)r->ext_after);
	if (stop_requested)
		printf("interrupted\n");
}

static int run_defrag(struct cli *cli, char **paths, int npaths)
{
	struct run r = { .cli = cli };
	struct timespec t0;
	int i, ret, status = 0;

	r.tty = !cli->no_progress && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &r.last);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cli->dopts.stop = &stop_requested;
	cli->dopts.progress = on_progress;
	cli->dopts.progress_arg = &r;
	if (!cli->dry_run)
		catch_signals();
	for (i = 0; i < npaths && !stop_requested; i++) {
		ret = defrag_path(&r, paths[i]);
		if (ret < 0) {
			progress_clear(&r);
			e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", paths[i],
				strerror(-ret));
			e4d_inoset_clear(&r.done);
			return EXIT_FATAL;
		}
		if (ret)
			status = EXIT_SOME_FAILED;
	}
	print_summary(&r, secs_since(&t0));
	if (r.failed || stop_requested)
		status = EXIT_SOME_FAILED;
	e4d_inoset_clear(&r.done);
	return status;
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
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "min-size", required_argument, NULL, OPT_MIN_SIZE },
		{ "min-extents", required_argument, NULL, OPT_MIN_EXTENTS },
		{ "worst-first", no_argument, NULL, OPT_WORST_FIRST },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "reserve", required_argument, NULL, OPT_RESERVE },
		{ "no-prefetch", no_argument, NULL, OPT_NO_PREFETCH },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "list-columns", no_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	const char *bad;
	size_t badlen;
	size_t count;
	char *end;
	int c, status;

	cli.prog = "e4defrag2";
	e4d_ctx_init(&cli.ctx);
	cli.ctx.msg = on_msg;
	cli.ctx.msg_arg = &cli;
	cli.ropts.top = 20;
	cli.popts.min_extents = 2;
	cli.dopts.busy_retries = 8;
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
		case OPT_THRESHOLD:
			errno = 0;
			cli.popts.threshold = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    cli.popts.threshold < 0 ||
			    cli.popts.threshold > 100)
				return usage_error(cli.prog, "--threshold: not "
						   "a score 0-100: '%s'",
						   optarg);
			break;
		case OPT_MIN_SIZE:
			if (parse_size(optarg, &cli.popts.min_size) < 0)
				return usage_error(cli.prog, "--min-size: not "
						   "a size: '%s'", optarg);
			break;
		case OPT_MIN_EXTENTS:
			if (parse_count(optarg, &count) < 0)
				return usage_error(cli.prog, "--min-extents: "
						   "not a count: '%s'", optarg);
			cli.popts.min_extents = count;
			break;
		case OPT_WORST_FIRST:
			cli.popts.worst_first = true;
			break;
		case OPT_DRY_RUN:
			cli.dry_run = true;
			break;
		case OPT_WINDOW:
			if (parse_size(optarg, &cli.dopts.window) < 0 ||
			    cli.dopts.window < (1u << 20))
				return usage_error(cli.prog, "--window: not a "
						   "size of at least 1M: '%s'",
						   optarg);
			break;
		case OPT_RESERVE:
			if (parse_size(optarg, &cli.dopts.reserve) < 0)
				return usage_error(cli.prog, "--reserve: not "
						   "a size: '%s'", optarg);
			break;
		case OPT_NO_PREFETCH:
			cli.dopts.no_cache_tricks = true;
			break;
		case OPT_NO_PROGRESS:
			cli.no_progress = true;
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
	if (cli.check)
		status = run_report(&cli, argv + optind, argc - optind);
	else
		status = run_defrag(&cli, argv + optind, argc - optind);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error on standard output\n",
			cli.prog);
		status = EXIT_FATAL;
	}
	return status;
}
