// SPDX-License-Identifier: GPL-2.0
/*
 * e4defrag2.c - command line: options in, library calls, exit status out.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e4d/ahead.h"
#include "e4d/background.h"
#include "e4d/budget.h"
#include "e4d/config.h"
#include "e4d/defrag.h"
#include "e4d/e4d.h"
#include "e4d/ioprio.h"
#include "e4d/prom.h"
#include "e4d/state.h"
#include "e4d/freespace.h"
#include "e4d/fsinfo.h"
#include "e4d/inoset.h"
#include "e4d/report.h"
#include "e4d/scan.h"
#include "e4d/sys.h"

#define EXIT_SOME_FAILED	1
#define EXIT_USAGE		2
#define EXIT_FATAL		3
#define EXIT_MORE		4	/* stopped early: more to do */
#define EXIT_LOCKED		5	/* another run holds a filesystem */

#define BG_CHUNK		(8ull << 20)	/* bytes per ioctl, background */

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
	OPT_BACKGROUND,
	OPT_CONFIG,
	OPT_MAX_RATE,
	OPT_MIN_AGE,
	OPT_BUSY,
	OPT_STATE_DIR,
	OPT_PROMETHEUS,
	OPT_NONROT,
	OPT_LOG,
	OPT_CHUNK,
};

enum log_to {
	LOGTO_AUTO,
	LOGTO_STDERR,
	LOGTO_SYSLOG,
};

/* Command-line settings that override the configuration file. */
struct overrides {
	bool time_budget, max_rate, min_age, busy, state_dir, prometheus;
	bool nonrot;
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
	bool background;
	bool json;		/* -J: a JSON run summary (defrag modes) */
	uint64_t chunk;		/* bytes per ioctl; 0 = default */
	enum log_to log;
	bool syslog;		/* messages go to syslog */
	const char *config_path;
	struct e4d_config cfg;	/* defaults, file, then command line */
	struct e4d_config ov;	/* command-line values, where set */
	struct overrides set;
	bool threshold_set;
	bool log_set;		/* --log given */
	char report_opt[32];	/* the first option of the report, as given */
	const char *prog;
	struct run *run;	/* the run whose progress line is shown */
};

/* One file of the run, for the JSON summary. */
struct fent {
	char *path;
	uint64_t ino;
	size_t fsidx;
	const char *result;	/* moved, skipped, failed, unfinished */
	const char *reason;
	double score;		/* at the scan */
	uint64_t ext_before, ext_after, bytes;
};

/* One filesystem of a background run. */
struct fsent {
	char *mountpoint, *device;
	dev_t devno;
	char uuid[37];
	int rotational;
	const char *result;	/* ok, partial, failed, skipped, locked,
				 * planned (--dry-run)
				 */
	const char *reason;
	uint64_t candidates, left, earlier, moved, bytes;
	uint64_t pass;		/* the pass this run worked in, from 1 */
	bool have_prom;
	struct e4d_prom_fs prom;
};

/* Totals of a defragmentation run and the progress line. */
struct run {
	struct cli *cli;
	uint64_t moved, failed, bytes, ext_before, ext_after;
	uint64_t skipped[E4D_SKIP_COUNT];
	uint64_t unmovable[16];
	uint64_t plan_files, plan_bytes, plan_extents, plan_ideal;
	uint64_t released, unfinished;
	uint64_t finished;	/* planned files finished with */
	bool expired;		/* the time budget ran out */
	bool locked;		/* a filesystem was held by another run */
	bool fs_failed;		/* a filesystem failed as a whole */
	int last_err;		/* the last file's error, negative errno */
	bool partial;		/* a filesystem was left with more to do */
	bool pass_full;		/* the done record of the pass is full */
	bool scan_cut;		/* the last scan was stopped (signal, budget):
				 * its plan is not the whole of it
				 */
	struct e4d_budget budget;
	struct fent *files;	/* with --json */
	size_t nfiles, capfiles;
	struct fsent *fss;
	size_t nfss;
	struct e4d_bg *bg;	/* background: the current filesystem's run */
	struct e4d_fs_summary sum;	/* background: of the current scan */
	struct e4d_inoset done;	/* inodes handled (hard links once) */
	dev_t done_dev;
	struct e4d_defrag_run dr;	/* the library's, from file to file */
	/* progress */
	bool tty;
	unsigned int bs;
	uint64_t total_blocks, done_blocks;
	struct timespec t0, last;
	size_t printed;
};

static void progress_clear(struct run *r);

static void on_msg(void *arg, enum e4d_level level, const char *msg)
{
	static const int prio[] = {
		[E4D_ERR] = LOG_ERR, [E4D_WARN] = LOG_WARNING,
		[E4D_INFO] = LOG_INFO, [E4D_DEBUG] = LOG_DEBUG,
	};
	const struct cli *cli = arg;
	/* a path with a newline or an escape sequence: one line still */
	char *safe = e4d_ctrl_escape(msg);

	if (safe)
		msg = safe;
	if (cli->syslog) {
		syslog(prio[level], "%s%s", level == E4D_WARN ?
		       "warning: " : "", msg);
	} else {
		/* the library's messages too start a line of their own */
		if (cli->run)
			progress_clear(cli->run);
		fprintf(stderr, "%s: %s%s\n", cli->prog,
			level == E4D_WARN ? "warning: " : "", msg);
	}
	free(safe);
}

/* A line that is always logged, whatever the verbosity (summaries). */
static void notice(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notice(const struct cli *cli, const char *fmt, ...)
{
	char buf[1024], *safe;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	safe = e4d_ctrl_escape(buf);
	if (cli->syslog)
		syslog(LOG_NOTICE, "%s", safe ? safe : buf);
	else
		fprintf(stderr, "%s: %s\n", cli->prog, safe ? safe : buf);
	free(safe);
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
"Usage: %s [options] PATH...\n"
"       %s --background [options] [MOUNTPOINT...]\n"
"\n"
"Report and defragment files on mounted ext4 filesystems. PATH is a file,\n"
"a directory tree, a mountpoint or a block device.\n"
"\n"
"Without -c, the files are defragmented (EXT4_IOC_MOVE_EXT).\n"
"\n"
"Defragmentation options:\n"
"      --threshold N      only files with a score of at least N (0-100)\n"
"      --min-size SIZE    only files of at least SIZE bytes\n"
"      --min-extents N    only files of at least N extents (default 2)\n"
"      --worst-first      highest score first (default: inode order)\n"
"      --dry-run          print the plan and the expected gain, move nothing\n"
"      --window SIZE      bytes moved per donor file (default 1G; in the\n"
"                         background at most a quarter of a run's rate\n"
"                         times its budget)\n"
"      --chunk SIZE       bytes per move call (default 128M; 8M in the\n"
"                         background): how soon a busy file is released\n"
"      --reserve SIZE     free space always left to applications\n"
"                         (default 1%% of the filesystem, at least 4M)\n"
"  -t, --time-budget T    stop after T (seconds, or 90m, 2h, 1d)\n"
"      --max-rate RATE    move at most RATE (MiB/s, or 512K, 1G/s) on average\n"
"      --min-age T        leave files modified within T alone (skipped as\n"
"                         \"recently modified\")\n"
"      --busy=POLICY      files other processes have open: skip (leave\n"
"                         them; release one opened during its move after\n"
"                         the current chunk), yield (as skip, then retry\n"
"                         them once at the end), ignore (move them anyway)\n"
"      --no-prefetch      plain ioctl calls, no page-cache handling\n"
"      --no-progress      no progress line (it is shown on a terminal)\n"
"  -J, --json             a JSON run summary on standard output\n"
"\n"
"Background (scheduled) runs:\n"
"      --background       every filesystem of the configuration (default:\n"
"                         all mounted ext4), worst files first; the next\n"
"                         run goes on with the files this pass has not\n"
"                         had; idle I/O, nice 19. Its defaults: -t 2h,\n"
"                         --max-rate 50, --min-age 1h, --busy=skip,\n"
"                         --threshold 10\n"
"      --config FILE      settings (default " E4D_CONFIG_FILE ")\n"
"      --state-dir DIR    state, done records and locks\n"
"                         (default " E4D_STATE_DIR ")\n"
"      --prometheus FILE  write metrics for node_exporter's textfile\n"
"                         collector (FILE ends in .prom)\n"
"      --include-nonrotational  also SSDs and other non-rotational devices\n"
"      --log=WHERE        auto (standard error under systemd or on a\n"
"                         terminal, else syslog), syslog or stderr\n"
"\n"
"Report options (with -c):\n"
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
"SIZE: bytes, or with K, M, G, T (powers of 1024; 512K, 20MiB). RATE: MiB/s,\n"
"or a SIZE per second. T: seconds, or with s, m, h, d.\n"
"\n"
"Exit status: 0 success (nothing left to do), 1 some paths, files or\n"
"filesystems failed (or interrupted, without --background), 2 usage error,\n"
"3 fatal error, 4 stopped by the time budget (or a signal, in the\n"
"background) with more to do: the next run continues, 5 another run holds\n"
"a filesystem. See e4defrag2(8).\n", prog, prog);
}

/* @arg, an option or value as given, goes out with its control characters
 * as \xNN, as in every other message: a newline in it would break the one
 * line, an escape sequence act on the terminal.
 */
static int usage_error(const char *prog, const char *fmt, const char *arg)
{
	char *safe = e4d_ctrl_escape(arg);

	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, safe ? safe : "?");
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	free(safe);
	return EXIT_USAGE;
}

/* Check the column list of -o or --sort: 0, or the usage error's exit
 * status after saying which name is wrong.
 */
static int columns_arg(const char *prog, const char *opt, const char *list)
{
	char msg[128];
	const char *bad;
	size_t badlen;
	int ret = e4d_report_columns_check(list, &bad, &badlen);

	if (!ret)
		return 0;
	if (ret == -EINVAL) {
		snprintf(msg, sizeof(msg), "%s: empty column name", opt);
		return usage_error(prog, "%s", msg);
	}
	snprintf(msg, sizeof(msg), "%s: %s column: '%.*s'", opt,
		 ret == -EEXIST ? "duplicate" : "unknown",
		 (int)(badlen < 60 ? badlen : 60), bad);
	return usage_error(prog, "%s", msg);
}

/* A bad option value: "--OPT 'VALUE': expected WHAT", exit status 2. */
static int bad_value(const char *prog, const char *opt, const char *what,
		     const char *val)
{
	char *safe = e4d_ctrl_escape(val);	/* as in usage_error() */

	fprintf(stderr, "%s: --%s '%s': expected %s\n"
		"Try '%s --help' for more information.\n", prog, opt,
		safe ? safe : "?", what, prog);
	free(safe);
	return EXIT_USAGE;
}

/* Whether @opt is an option of the report only (-c): without -c, the run
 * would defragment, not print what it asks for.
 */
static bool is_report_opt(int opt)
{
	if (opt == OPT_TOP || opt == OPT_SORT)
		return true;
	return opt > 0 && opt < 128 && strchr("ornba", opt);
}

/* The options that override a setting of the configuration file. */
static const struct {
	int opt;
	const char *name;	/* of the option */
	const char *key;	/* in the configuration file */
	size_t set;		/* its flag in struct overrides */
} override_opts[] = {
	{ 't', "time-budget", "time-budget",
	  offsetof(struct overrides, time_budget) },
	{ OPT_MAX_RATE, "max-rate", "max-rate",
	  offsetof(struct overrides, max_rate) },
	{ OPT_MIN_AGE, "min-age", "min-age",
	  offsetof(struct overrides, min_age) },
	{ OPT_BUSY, "busy", "busy", offsetof(struct overrides, busy) },
	{ OPT_STATE_DIR, "state-dir", "state-dir",
	  offsetof(struct overrides, state_dir) },
	{ OPT_PROMETHEUS, "prometheus", "prometheus-file",
	  offsetof(struct overrides, prometheus) },
};
#define N_OVERRIDES	(sizeof(override_opts) / sizeof(override_opts[0]))

/*
 * Option @opt with @val into cli->ov, checked as the configuration file's
 * setting is. Return: 0 taken, -1 not such an option, or an exit status.
 */
static int set_override(struct cli *cli, int opt, const char *val)
{
	const char *expect = "a value";
	size_t i;
	int ret;

	for (i = 0; i < N_OVERRIDES; i++)
		if (override_opts[i].opt == opt)
			break;
	if (i == N_OVERRIDES)
		return -1;
	ret = e4d_config_set(&cli->ov, override_opts[i].key, val, &expect);
	if (ret == -ENOMEM) {
		fprintf(stderr, "%s: out of memory\n", cli->prog);
		return EXIT_FATAL;
	}
	if (ret < 0)
		return bad_value(cli->prog, override_opts[i].name, expect, val);
	*(bool *)((char *)&cli->set + override_opts[i].set) = true;
	return 0;
}

static bool is_whole_fs(const struct e4d_fs *fs, const char *path,
			const struct stat *st)
{
	char *real;
	bool ret;

	if (S_ISBLK(st->st_mode))
		return true;
	/* a bind mount of a directory: its tree is walked, by its paths */
	if (!fs->mountpoint || fs->subtree || !S_ISDIR(st->st_mode))
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
	struct e4d_report *rep;
	int i, ret, status = 0;

	cli->ropts.npaths = npaths;
	rep = e4d_report_new(&cli->ropts);
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

	if (!isdigit((unsigned char)s[0]))	/* no sign, no space */
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
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

/* Columns of the terminal on standard error; 80 when it does not say. */
static unsigned int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_col)
		return 80;
	return ws.ws_col;
}

/* The progress line on a terminal: bar, percent, rate, ETA, as much of
 * it as fits in one line less than the terminal's width (a line that
 * wraps cannot be redrawn in place); the bar goes first.
 */
static void on_progress(void *arg, uint64_t blocks)
{
	struct run *r = arg;
	char bar[31], rate[32], text[96];
	double el, bps, pct, eta;
	unsigned int w;
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
	n = snprintf(text, sizeof(text), "%3.0f%% %s/s ETA %d:%02d ",
		     pct * 100, human(bps, rate, sizeof(rate)),
		     (int)eta / 60, (int)eta % 60);
	w = term_width();
	if (n < 0 || (unsigned int)n >= w)
		return;
	if ((unsigned int)n + sizeof(bar) + 2 < w)
		n = fprintf(stderr, "\r[%s] %s", bar, text);
	else
		n = fprintf(stderr, "\r%s", text);
	if (n > 0 && (size_t)n - 1 > r->printed)
		r->printed = n - 1;
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

static bool budget_expired(struct run *r);

/* A signal or the time budget: stop here. */
static bool must_stop(struct run *r)
{
	return stop_requested || budget_expired(r);
}

static int plan_file(void *arg, const struct e4d_fs *fs, struct e4d_file *f)
{
	struct scan_arg *sa = arg;
	struct cli *cli = sa->r->cli;
	enum e4d_skip v;
	int ret;

	/* a signal or the time budget ends the scan too: on a large
	 * filesystem at idle I/O priority it can take minutes
	 */
	if (must_stop(sa->r))
		return -EINTR;
	e4d_summary_add(&sa->r->sum, f);
	ret = e4d_plan_add(sa->plan, &cli->popts, f, &v);
	if (ret < 0)
		return ret;
	/* an unmovable file's excess is 0: a better layout exists when
	 * it has more extents than the ideal
	 */
	if (v == E4D_SKIP_UNMOVABLE && f->path &&
	    f->score.extents > f->score.ideal)
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

static int note_file(struct run *r, const struct e4d_cand *c,
		     const struct e4d_defrag_result *res, const char *result,
		     const char *reason);

/* A candidate's path, or "<inode N>" as the report names a file it has
 * no path for.
 */
static const char *cand_name(const struct e4d_cand *c, char *buf,
			     size_t len)
{
	if (c->path)
		return c->path;
	snprintf(buf, len, "<inode %llu>", (unsigned long long)c->ino);
	return buf;
}

/* --dry-run: the plan, a line per file (extents now and expected, the
 * data to move, the score), or with --json per file in the
 * summary (result "planned", extents_after the count expected).
 * Return: 0 or -ENOMEM.
 */
static int show_plan(struct run *r, const struct e4d_fs *fs,
		     const struct e4d_plan *plan)
{
	struct e4d_defrag_result res = { 0 };
	char b[32], nb[32], *safe;
	size_t i;

	for (i = 0; i < plan->n; i++) {
		const struct e4d_cand *c = &plan->v[i];

		if (r->cli->json) {
			res.ext_before = c->extents;
			res.ext_after = c->ideal;
			res.windows_moved = 1;	/* ext_after is meant */
			if (note_file(r, c, &res, "planned", NULL) < 0)
				return -ENOMEM;
			continue;
		}
		/* one line a file, as in the report's table */
		safe = e4d_ctrl_escape(cand_name(c, nb, sizeof(nb)));
		if (!safe)
			return -ENOMEM;
		printf("%s: extents %llu -> %llu, %s, score %.0f\n", safe,
		       (unsigned long long)c->extents,
		       (unsigned long long)c->ideal,
		       human(c->blocks * fs->geom.blocksize, b, sizeof(b)),
		       c->score);
		free(safe);
	}
	return 0;
}

/* Remember a file for the JSON summary (only with --json). */
static int note_file(struct run *r, const struct e4d_cand *c,
		     const struct e4d_defrag_result *res, const char *result,
		     const char *reason)
{
	struct fent *e;

	if (!r->cli->json)
		return 0;
	if (r->nfiles == r->capfiles) {
		size_t cap = r->capfiles ? r->capfiles * 2 : 64;
		struct fent *v = realloc(r->files, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->files = v;
		r->capfiles = cap;
	}
	e = &r->files[r->nfiles];
	memset(e, 0, sizeof(*e));
	e->path = c->path ? strdup(c->path) : NULL;
	if (c->path && !e->path)
		return -ENOMEM;
	e->ino = c->ino;
	e->score = c->score;
	e->fsidx = r->nfss ? r->nfss - 1 : 0;
	e->result = result;
	e->reason = reason;
	/* a file skipped before it was measured has the scan's count */
	e->ext_before = c->extents;
	e->ext_after = c->extents;
	if (res && res->ext_before) {
		e->ext_before = res->ext_before;
		e->ext_after = res->windows_moved ? res->ext_after :
			       res->ext_before;
	}
	if (res)
		e->bytes = res->bytes;
	r->nfiles++;
	return 0;
}

/*
 * Count and log what happened to one file.
 * Return: 1 when the file was finished with (moved, skipped or failed), 0
 * when it was stopped short by the budget or a signal and is still to do,
 * -ENOMEM.
 */
static int account(struct run *r, const struct e4d_cand *c,
		   const struct e4d_defrag_result *res)
{
	struct cli *cli = r->cli;
	bool unfinished = res->skip == E4D_SKIP_STOPPED && !res->err;
	const char *result, *reason = NULL;
	char b[32], nb[32];
	const char *name = cand_name(c, nb, sizeof(nb));

	if (res->expired)
		r->expired = true;
	if (res->err) {
		r->failed++;
		progress_clear(r);
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s: %s", name, res->what,
			strerror(-res->err));
		result = "failed";
		reason = res->what;
	} else if (unfinished) {
		result = "unfinished";
		reason = res->expired ? "time budget used up" :
			 e4d_skip_text(res->skip);
	} else if (res->windows_moved) {
		result = "moved";
		reason = res->skip ? e4d_skip_text(res->skip) : NULL;
	} else {
		result = "skipped";
		reason = e4d_skip_text(res->skip);
	}
	if (res->released) {
		r->released++;
		reason = "opened by another process";
	}
	if (res->windows_moved) {
		/* a file that failed after a part was moved stopped short */
		bool cut = res->skip || unfinished || res->err;

		r->moved++;
		r->bytes += res->bytes;
		r->ext_before += res->ext_before;
		r->ext_after += res->ext_after;
		progress_clear(r);
		e4d_msg(&cli->ctx, E4D_INFO,
			"%s: extents %llu -> %llu (%s)%s%s%s",
			name, (unsigned long long)res->ext_before,
			(unsigned long long)res->ext_after,
			human(res->bytes, b, sizeof(b)),
			cut ? ", stopped short: " : "", cut ? reason : "",
			cut && res->err && reason == res->what ?
			" failed" : "");
		e4d_msg(&cli->ctx, E4D_DEBUG, "%s: %llu ioctls, %llu retries, "
			"read ahead %llu MiB in %.2f s, ioctl %.2f s, "
			"fsync+writeback %.2f s, dropped %llu MiB", name,
			(unsigned long long)res->mv.calls,
			(unsigned long long)res->mv.retries,
			(unsigned long long)(res->mv.prefetched >> 20),
			res->mv.ns_read / 1e9, res->mv.ns_move / 1e9,
			res->mv.ns_sync / 1e9,
			(unsigned long long)(res->mv.dropped >> 20));
	} else if (unfinished) {
		r->unfinished++;
		e4d_msg(&cli->ctx, E4D_INFO, "%s: not started: %s", name,
			reason);
	} else if (!res->err) {
		r->skipped[res->skip]++;
		if (res->skip == E4D_SKIP_UNMOVABLE && res->why < 16)
			r->unmovable[res->why]++;
		progress_clear(r);
		e4d_msg(&cli->ctx, E4D_INFO, "%s: skipped: %s%s%s%s", name,
			reason,
			res->skip == E4D_SKIP_UNMOVABLE ? " (" : "",
			res->skip == E4D_SKIP_UNMOVABLE ?
			e4d_why_text(res->why) : "",
			res->skip == E4D_SKIP_UNMOVABLE ? ")" : "");
	}
	if (res->windows_moved && unfinished)
		r->unfinished++;
	/* blocks of a skipped file never come: count them as done */
	if (r->done_blocks < r->total_blocks && !res->windows_moved)
		on_progress(r, 0);
	if (note_file(r, c, res, result, reason) < 0)
		return -ENOMEM;
	return !unfinished;
}

static bool budget_expired(struct run *r)
{
	if (r->expired)
		return true;
	if (r->cli->dopts.budget && e4d_budget_is_expired(&r->budget))
		r->expired = true;
	return r->expired;
}

/*
 * A file of a background run is finished with: record it for the pass and
 * save a checkpoint now and then. Return: 0, 1 to stop (the record of the
 * pass is full), -ENOMEM.
 */
static int bg_done(struct run *r, const struct e4d_cand *c,
		   const struct e4d_defrag_result *res)
{
	struct cli *cli = r->cli;
	int ret;

	ret = e4d_bg_file_done(r->bg, c->ino, res->bytes, res->ext_before,
			       res->ext_after);
	if (ret == -ENOSPC) {
		r->pass_full = true;
		return 1;
	}
	if (ret < 0)
		return ret;
	/* a failed checkpoint was reported; the end of the run tries again */
	e4d_bg_checkpoint(&cli->ctx, &cli->cfg, r->bg, time(NULL));
	return 0;
}

/*
 * One candidate. @second: its second try (--busy=yield). @retry (NULL
 * unless --busy=yield, first try): where a busy file's index goes to be
 * tried again at the end.
 * Return: 0 to go on, 1 to stop (budget, signal), or -errno.
 */
static int do_one(struct run *r, const struct e4d_fs *fs,
		  const struct e4d_plan *plan, size_t k, bool second,
		  size_t *retry, size_t *nretry)
{
	struct cli *cli = r->cli;
	const struct e4d_cand *c = &plan->v[k];
	struct e4d_defrag_result res;
	uint64_t start = r->done_blocks;
	int ret;

	r->last_err = 0;
	if (must_stop(r))
		return 1;
	if (!second && seen_ino(r, fs->devno, c->ino)) {
		r->skipped[E4D_SKIP_DUP]++;
		r->finished++;
		return 0;
	}
	cli->dopts.now = time(NULL);
	ret = e4d_defrag_file(&cli->ctx, fs, c, &cli->dopts, &res);
	if (ret < 0)
		return ret;
	r->last_err = res.err;
	if (retry && res.skip == E4D_SKIP_BUSY && !res.windows_moved &&
	    !res.err) {
		retry[(*nretry)++] = k;
		e4d_msg(&cli->ctx, E4D_INFO, "%s: busy: tried again at the end",
			c->path);
		return 0;
	}
	ret = account(r, c, &res);
	if (!ret && r->bg && res.bytes)	/* stopped short in it */
		e4d_bg_file_part(r->bg, res.bytes);
	if (ret <= 0)
		return ret < 0 ? ret : 1;
	r->finished++;
	r->done_blocks = start + c->blocks;
	return r->bg ? bg_done(r, c, &res) : 0;
}

/*
 * After a file failed with EIO or EROFS: whether the filesystem itself
 * fails (shut down, made read-only by an error, its device gone), tried by
 * creating an unnamed file at its mountpoint as a donor is (nothing is
 * left behind). Then none of its other files can be moved either: 0 when
 * it works, else the negative errno.
 */
static int fs_fails(struct run *r, const struct e4d_fs *fs)
{
	int fd;

	if (!fs->mountpoint)
		return 0;
	fd = r->cli->ctx.ops->tmpfile(fs->mountpoint);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return fd == -EIO || fd == -EROFS ? fd : 0;
}

/* Return: 0, 1 when stopped before the end (budget, signal), 2 when the
 * filesystem fails (the rest of the plan left), or -errno.
 */
static int execute_plan(struct run *r, const struct e4d_fs *fs,
			const struct e4d_plan *plan)
{
	struct e4d_ahead slot[2] = { { .fd = -1 }, { .fd = -1 } };
	bool ahead = !r->cli->dopts.no_cache_tricks &&
		     !r->cli->dopts.lease && !r->cli->dopts.budget;
	size_t i, nretry = 0, *retry;
	int ret = 0, err = 0;

	r->bs = fs->geom.blocksize;
	r->cli->dopts.chunk = r->cli->chunk / r->bs;
	r->total_blocks = 0;
	r->done_blocks = 0;
	for (i = 0; i < plan->n; i++)
		r->total_blocks += plan->v[i].blocks;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	retry = NULL;
	if (r->cli->dopts.lease && r->cli->cfg.busy == E4D_BUSY_YIELD) {
		retry = malloc((plan->n + 1) * sizeof(*retry));
		if (!retry)
			return -ENOMEM;
	}
	for (i = 0; i < plan->n && !ret; i++) {
		/* the next file is read while this one moves; not under a
		 * budget or rate (its reads would not be counted) nor a
		 * lease (its open would be another opener)
		 */
		if (ahead && i + 1 < plan->n)
			e4d_ahead_start(&slot[(i + 1) % 2], &r->cli->ctx, fs,
					&plan->v[i + 1], 0);
		r->cli->dopts.ahead = ahead ? &slot[i % 2] : NULL;
		ret = do_one(r, fs, plan, i, false, retry, &nretry);
		if (ahead)
			e4d_ahead_end(&slot[i % 2]);
		if (!ret && (r->last_err == -EIO || r->last_err == -EROFS))
			err = fs_fails(r, fs);
		if (err) {
			progress_clear(r);
			e4d_msg(&r->cli->ctx, E4D_ERR, "%s: stopped: the "
				"filesystem fails (%s): shut down, read-only "
				"or its device failing; %zu files not tried",
				fs->mountpoint, strerror(-err), plan->n - i - 1);
			ret = 2;
		}
	}
	if (ahead)
		e4d_ahead_end(&slot[i % 2]);	/* started, not reached */
	r->cli->dopts.ahead = NULL;
	for (i = 0; i < nretry && !ret; i++)
		ret = do_one(r, fs, plan, retry[i], true, NULL, &nretry);
	free(retry);
	/* the moves of this filesystem committed before what comes next
	 * (a scan may take minutes)
	 */
	e4d_defrag_run_commit(&r->dr);
	progress_clear(r);
	return ret;
}

/* Scan what @path names on @fs and plan it, without naming the inodes of
 * a whole-filesystem scan. Return: 0, 1 (reported), or -ENOMEM.
 */
static int scan_plan(struct run *r, struct e4d_fs *fs, const char *path,
		     struct e4d_plan *plan)
{
	struct cli *cli = r->cli;
	struct scan_arg sa = { r, plan };
	struct stat st;
	size_t k;
	int ret;

	if (stat(path, &st) < 0) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", path, strerror(errno));
		return 1;
	}
	if (!fs->mounted) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: not mounted: only mounted "
			"filesystems can be defragmented", path);
		return 1;
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
		return 1;
	}
	r->scan_cut = ret == -EINTR;
	if (ret == -EINTR)	/* stopped: the plan so far, never complete */
		ret = 0;
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", path, strerror(-ret));
		return 1;
	}
	for (k = 0; k < E4D_SKIP_COUNT; k++)
		r->skipped[k] += plan->skipped[k];
	for (k = 0; k < 16; k++)
		r->unmovable[k] += plan->unmovable[k];
	r->failed += plan->skipped[E4D_SKIP_UNREADABLE];
	r->skipped[E4D_SKIP_UNREADABLE] -= plan->skipped[E4D_SKIP_UNREADABLE];
	return 0;
}

/*
 * Add the candidates left in @plan (the background drops those done by
 * earlier runs after the scan counted them) to the run's plan totals; the
 * bytes are the data the moves copy (holes stay holes), not the sizes.
 */
static void plan_totals(struct run *r, const struct e4d_fs *fs,
			const struct e4d_plan *plan)
{
	size_t i;

	r->plan_files += plan->n;
	for (i = 0; i < plan->n; i++) {
		r->plan_bytes += plan->v[i].blocks * fs->geom.blocksize;
		r->plan_extents += plan->v[i].extents;
		r->plan_ideal += plan->v[i].ideal;
	}
}

/* Scan one command-line path, plan, then defragment or print the plan.
 * Return: 0, 1 (failed), 4 (stopped with more to do), -ENOMEM.
 */
static int defrag_path(struct run *r, const char *path)
{
	struct cli *cli = r->cli;
	struct e4d_plan plan = { 0 };
	struct e4d_fs *fs;
	int ret;

	ret = e4d_fs_open(&cli->ctx, path, &fs);
	if (ret < 0)
		return ret == -ENOMEM ? ret : 1;
	ret = scan_plan(r, fs, path, &plan);
	if (!ret && !must_stop(r))
		ret = name_candidates(cli, fs, &plan);
	if (ret == -ENOMEM || ret == 1)
		goto out_close;
	if (ret < 0) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", path, strerror(-ret));
		ret = 1;
		goto out_close;
	}
	e4d_plan_sort(&plan, cli->popts.worst_first);
	plan_totals(r, fs, &plan);
	if (cli->dry_run)
		ret = show_plan(r, fs, &plan);
	else
		ret = execute_plan(r, fs, &plan);
	if (ret == 2) {		/* the filesystem fails */
		ret = 1;
		goto out_close;
	}
	if (!ret && r->scan_cut)
		notice(cli, "%s: scan stopped early: %s", path,
		       stop_requested ? "interrupted" : "time budget used up");
	if (ret == 1 || (!ret && r->scan_cut))
		ret = EXIT_MORE;
out_close:
	e4d_plan_free(&plan);
	e4d_fs_close(fs);
	return ret;
}

/* Leave out what earlier runs of this pass have had. */
static void bg_drop_done(struct e4d_bg *bg, struct e4d_plan *plan)
{
	size_t i, k = 0;

	for (i = 0; i < plan->n; i++) {
		struct e4d_cand *c = &plan->v[i];

		if (e4d_bg_is_done(bg, c->ino)) {
			free(c->path);
			continue;
		}
		plan->v[k++] = *c;
	}
	plan->n = k;
}

static struct fsent *fsent_new(struct run *r)
{
	struct fsent *v = realloc(r->fss, (r->nfss + 1) * sizeof(*v));

	if (!v)
		return NULL;
	r->fss = v;
	memset(&v[r->nfss], 0, sizeof(*v));
	v[r->nfss].result = "failed";
	v[r->nfss].rotational = -1;
	return &v[r->nfss++];
}

static const char *rot_text(int rot)
{
	return rot > 0 ? "rotational" : rot == 0 ? "non-rotational" :
	       "unknown (counted as rotational)";
}

/* Scan, plan and defragment one filesystem of a background run. */
static int bg_run_fs(struct run *r, struct fsent *e, struct e4d_fs *fs,
		     struct e4d_bg *bg)
{
	struct cli *cli = r->cli;
	struct e4d_plan plan = { 0 };
	struct e4d_freespace free;
	int ret;

	memset(&r->sum, 0, sizeof(r->sum));
	r->bg = bg;
	ret = scan_plan(r, fs, fs->mountpoint, &plan);
	if (ret)
		goto out_free;
	e->candidates = plan.n;
	e->earlier = bg->done_earlier;
	bg_drop_done(bg, &plan);
	e->left = plan.n;
	if (!must_stop(r))
		ret = name_candidates(cli, fs, &plan);
	if (ret < 0) {
		if (ret != -ENOMEM) {
			e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", fs->mountpoint,
				strerror(-ret));
			ret = 1;
		}
		goto out_free;
	}
	/* worst first: the scores change under the moves, the record not */
	e4d_plan_sort(&plan, true);
	plan_totals(r, fs, &plan);
	notice(cli, "%s: pass %llu: %llu files done by earlier runs of it; "
	       "%llu candidates, %llu of them left", fs->mountpoint,
	       (unsigned long long)e->pass, (unsigned long long)e->earlier,
	       (unsigned long long)e->candidates,
	       (unsigned long long)e->left);
	r->pass_full = false;
	ret = cli->dry_run ? show_plan(r, fs, &plan) :
			     execute_plan(r, fs, &plan);
	if (ret < 0)
		goto out_free;
	if (ret == 2) {		/* the filesystem fails */
		e->reason = "the filesystem fails";
		ret = 1;
		goto out_free;
	}
	if (r->pass_full) {
		notice(cli, "%s: the record of this pass holds %u files, its "
		       "most: the pass ends here", fs->mountpoint,
		       E4D_DONE_MAX);
		ret = 0;
	}
	/* a scan cut short is no pass done, and its counts are partial */
	if (r->scan_cut && !ret)
		ret = 1;
	if (e4d_freespace_read(&cli->ctx, fs, &free) == 0) {
		r->sum.have_free = true;
		r->sum.free = free;
	}
	if (!r->scan_cut)
		e4d_prom_from_summary(&e->prom, &r->sum, fs->geom.blocksize);
	ret = ret ? 2 : 0;
out_free:
	r->bg = NULL;
	e4d_plan_free(&plan);
	return ret;
}

/*
 * Whether @path names what a background run can take whole: a block device,
 * a filesystem that is not mounted (refused later, with its own reason), or
 * the directory a mount shows (a bind mount of a directory is skipped later).
 */
static bool names_fs_root(const struct e4d_fs *fs, const char *path)
{
	struct stat st;
	char *real;
	bool ret;

	if (!fs->mountpoint || stat(path, &st) || S_ISBLK(st.st_mode))
		return true;
	if (!S_ISDIR(st.st_mode))
		return false;
	real = realpath(path, NULL);
	ret = !real || !strcmp(real, fs->mountpoint);
	free(real);
	return ret;
}

/* Return: 0 or -ENOMEM; how it went is in the fsent and the run. */
static int bg_fs(struct run *r, const char *path)
{
	static const char *const results[] = {
		[E4D_RUN_OK] = "ok", [E4D_RUN_PARTIAL] = "partial",
		[E4D_RUN_FAILED] = "failed",
	};
	struct cli *cli = r->cli;
	uint64_t moved = r->moved, bytes = r->bytes;
	enum e4d_run_result result;
	struct e4d_fs_id id;
	struct e4d_bg bg;
	struct e4d_fs *fs;
	struct fsent *e;
	const char *why;
	int ret, code;
	size_t i;

	e = fsent_new(r);
	if (!e)
		return -ENOMEM;
	ret = e4d_fs_open(&cli->ctx, path, &fs);
	if (ret < 0) {
		e->mountpoint = strdup(path);
		e->reason = "not an ext4 filesystem that can be opened";
		r->fs_failed = true;
		return ret == -ENOMEM ? ret : 0;
	}
	if (!names_fs_root(fs, path)) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: not a mountpoint: background "
			"runs take whole filesystems (this one is mounted on "
			"%s)", path, fs->mountpoint);
		e->mountpoint = strdup(path);
		e->reason = "not a mountpoint";
		r->fs_failed = true;
		ret = e->mountpoint ? 0 : -ENOMEM;
		goto out_close;
	}
	/* a bind mount is skipped below, and takes no filesystem's place;
	 * nor does a read-only mount, which another mount may make writable
	 */
	for (i = 0; fs->devno && !fs->subtree && i + 1 < r->nfss; i++) {
		if (r->fss[i].devno != fs->devno)
			continue;
		/* named twice (two paths, or a path and the config file) */
		notice(cli, "%s: the filesystem of %s again: done once",
		       path, r->fss[i].mountpoint);
		r->nfss--;
		goto out_close;
	}
	e->devno = fs->subtree || fs->readonly ? 0 : fs->devno;
	e->mountpoint = strdup(fs->mountpoint ? fs->mountpoint : path);
	e->device = fs->device ? strdup(fs->device) : NULL;
	memcpy(e->uuid, fs->uuid, sizeof(e->uuid));
	e->rotational = fs->rotational;
	if (!e->mountpoint || (fs->device && !e->device)) {
		ret = -ENOMEM;
		goto out_close;
	}
	e->prom.mountpoint = e->mountpoint;
	e->prom.device = e->device;
	e->prom.uuid = e->uuid;
	notice(cli, "%s (%s): %s storage", e->mountpoint,
	       e->device ? e->device : "?", rot_text(fs->rotational));
	if (!fs->mounted || !fs->mountpoint) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: not mounted", path);
		e->reason = "not mounted";
		r->fs_failed = true;
		goto out_close;
	}
	ret = e4d_fs_id_get(fs, &id);
	if (ret) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: cannot read the superblock "
			"(%s): background runs need read access to the device",
			e->mountpoint, strerror(-ret));
		e->reason = "no access to the device";
		r->fs_failed = true;
		ret = 0;
		goto out_close;
	}
	ret = e4d_fs_find_twin(fs);	/* a copy mounted too: skipped */
	if (ret)
		goto out_close;
	ret = e4d_bg_begin(&cli->ctx, &cli->cfg, fs, &id, time(NULL), &bg,
			   &why);
	if (ret == 1) {
		if (fs->twin)
			notice(cli, "%s: %s, also mounted, has its UUID %s",
			       e->mountpoint, fs->twin, e->uuid);
		notice(cli, "%s: skipped: %s", e->mountpoint, why);
		e->result = "skipped";
		e->reason = why;
		ret = 0;
		goto out_close;
	}
	if (ret == -EBUSY) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: another e4defrag2 run is "
			"working on this filesystem (lock %s/%s.lock is held); "
			"nothing done", e->mountpoint, cli->cfg.state_dir,
			e->uuid);
		e->result = "locked";
		e->reason = "another run holds the lock";
		r->locked = true;
		ret = 0;
		goto out_close;
	}
	if (ret < 0) {
		e4d_msg(&cli->ctx, E4D_ERR, "%s: cannot start: %s",
			e->mountpoint, strerror(-ret));
		e->reason = "state directory unusable";
		r->fs_failed = true;
		ret = 0;
		goto out_close;
	}
	e->pass = bg.st.passes + 1;
	ret = bg_run_fs(r, e, fs, &bg);
	if (cli->dry_run && ret >= 0) {
		/* a dry run leaves the state and the record as they were */
		e4d_bg_abort(&bg);
		e->result = ret == 1 ? "failed" : "planned";
		r->fs_failed |= ret == 1;
		ret = 0;
		goto out_close;
	}
	if (ret == -ENOMEM) {
		if (cli->dry_run)	/* it changes nothing, even then */
			e4d_bg_abort(&bg);
		else
			e4d_bg_end(&cli->ctx, &cli->cfg, &bg, E4D_RUN_FAILED,
				   EXIT_FATAL, time(NULL), NULL);
		goto out_close;
	}
	result = ret == 1 ? E4D_RUN_FAILED : ret == 2 ? E4D_RUN_PARTIAL :
		 E4D_RUN_OK;
	code = result == E4D_RUN_OK ? 0 : result == E4D_RUN_PARTIAL ?
	       EXIT_MORE : EXIT_SOME_FAILED;
	if (result == E4D_RUN_FAILED)
		r->fs_failed = true;
	if (e4d_bg_end(&cli->ctx, &cli->cfg, &bg, result, code, time(NULL),
		       &e->prom))
		r->fs_failed = true;
	e->have_prom = true;
	e->result = results[result];
	if (result == E4D_RUN_PARTIAL)
		r->partial = true;
	e->moved = r->moved - moved;
	e->bytes = r->bytes - bytes;
	notice(cli, "%s: %s: %llu files moved, %llu bytes%s", e->mountpoint,
	       e->result, (unsigned long long)e->moved,
	       (unsigned long long)e->bytes, result == E4D_RUN_PARTIAL ?
	       "; the next run continues here" : "");
	ret = 0;
out_close:
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
	if (r->released)
		printf("released:       %llu (opened by another process)\n",
		       (unsigned long long)r->released);
	if (r->expired)
		printf("time budget used up: %llu files left for the next run\n",
		       (unsigned long long)(r->plan_files - r->finished));
	if (stop_requested)
		printf("interrupted\n");
}

/* A JSON string: valid UTF-8, escaped; null for NULL. */
static void json_str(FILE *out, const char *s)
{
	char *safe;
	const unsigned char *p;

	if (!s) {
		fputs("null", out);
		return;
	}
	safe = e4d_json_safe(s);
	putc('"', out);
	for (p = (const unsigned char *)(safe ? safe : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			putc(*p, out);
	}
	putc('"', out);
	free(safe);
}

static const char *exit_name(int status)
{
	switch (status) {
	case 0:
		return "done";
	case EXIT_SOME_FAILED:
		return "failed";
	case EXIT_MORE:
		return "more-to-do";
	case EXIT_LOCKED:
		return "locked";
	default:
		return "fatal";
	}
}

static void json_summary(const struct run *r, double secs, int status)
{
	const char *sep = "";
	uint64_t skipped = 0;
	size_t i;
	int k;

	for (k = 1; k < E4D_SKIP_COUNT; k++)
		skipped += r->skipped[k];
	printf("{\n   \"mode\": \"%s\",\n   \"exit_code\": %d,\n"
	       "   \"result\": \"%s\",\n   \"seconds\": %.3f,\n",
	       r->cli->background ? "background" : "defrag", status,
	       exit_name(status), secs);
	printf("   \"files_planned\": %llu,\n   \"files_moved\": %llu,\n"
	       "   \"files_skipped\": %llu,\n   \"files_failed\": %llu,\n"
	       "   \"files_unfinished\": %llu,\n   \"files_released\": %llu,\n"
	       "   \"bytes_moved\": %llu,\n   \"extents_before\": %llu,\n"
	       "   \"extents_after\": %llu,\n   \"time_budget_expired\": %s,\n",
	       (unsigned long long)r->plan_files,
	       (unsigned long long)r->moved, (unsigned long long)skipped,
	       (unsigned long long)r->failed,
	       (unsigned long long)r->unfinished,
	       (unsigned long long)r->released,
	       (unsigned long long)r->bytes,
	       (unsigned long long)r->ext_before,
	       (unsigned long long)r->ext_after,
	       r->expired ? "true" : "false");
	printf("   \"skipped\": {");
	for (k = 1; k < E4D_SKIP_COUNT; k++) {
		if (!r->skipped[k])
			continue;
		printf("%s\"%s\": %llu", sep, e4d_skip_key(k),
		       (unsigned long long)r->skipped[k]);
		sep = ", ";
	}
	printf("},\n   \"filesystems\": [");
	for (i = 0; i < r->nfss; i++) {
		const struct fsent *e = &r->fss[i];

		printf("%s\n      {\"mountpoint\": ", i ? "," : "");
		json_str(stdout, e->mountpoint);
		printf(", \"device\": ");
		json_str(stdout, e->device);
		printf(", \"uuid\": ");
		json_str(stdout, e->uuid[0] ? e->uuid : NULL);
		printf(", \"rotational\": %s, \"result\": \"%s\", "
		       "\"reason\": ", e->rotational < 0 ? "null" :
		       e->rotational ? "true" : "false", e->result);
		json_str(stdout, e->reason);
		printf(", \"pass\": %llu, \"done_earlier\": %llu, "
		       "\"candidates\": %llu, \"left\": %llu, "
		       "\"files_moved\": %llu, \"bytes_moved\": %llu}",
		       (unsigned long long)e->pass,
		       (unsigned long long)e->earlier,
		       (unsigned long long)e->candidates,
		       (unsigned long long)e->left,
		       (unsigned long long)e->moved,
		       (unsigned long long)e->bytes);
	}
	printf("%s],\n   \"files\": [", r->nfss ? "\n   " : "");
	for (i = 0; i < r->nfiles; i++) {
		const struct fent *f = &r->files[i];

		printf("%s\n      {\"path\": ", i ? "," : "");
		json_str(stdout, f->path);
		printf(", \"ino\": %llu, \"score\": %.1f, \"result\": \"%s\", "
		       "\"reason\": ", (unsigned long long)f->ino, f->score,
		       f->result);
		json_str(stdout, f->reason);
		printf(", \"extents_before\": %llu, \"extents_after\": %llu, "
		       "\"bytes_moved\": %llu}",
		       (unsigned long long)f->ext_before,
		       (unsigned long long)f->ext_after,
		       (unsigned long long)f->bytes);
	}
	printf("%s]\n}\n", r->nfiles ? "\n   " : "");
}

static void run_free(struct run *r)
{
	size_t i;

	e4d_defrag_run_end(&r->dr);	/* the last file's writeback */
	if (r->cli) {
		r->cli->dopts.run = NULL;
		r->cli->run = NULL;
	}
	for (i = 0; i < r->nfiles; i++)
		free(r->files[i].path);
	free(r->files);
	for (i = 0; i < r->nfss; i++) {
		free(r->fss[i].mountpoint);
		free(r->fss[i].device);
	}
	free(r->fss);
	e4d_inoset_clear(&r->done);
}

/* Options shared by both defragmenting modes. */
static void run_start(struct run *r, struct cli *cli)
{
	r->cli = cli;
	clock_gettime(CLOCK_MONOTONIC, &r->last);
	cli->dopts.run = &r->dr;
	cli->dopts.stop = &stop_requested;
	cli->dopts.progress = on_progress;
	cli->dopts.progress_arg = r;
	cli->dopts.lease = cli->cfg.busy != E4D_BUSY_IGNORE;
	cli->dopts.min_age = cli->cfg.min_age;
	/* rate-limited: chunks of about a quarter second of the rate, so
	 * the pace is even and the last chunk cannot overshoot by much
	 */
	if (cli->cfg.max_rate && !cli->chunk) {
		cli->chunk = (cli->cfg.max_rate / 4) & ~((1ull << 20) - 1);
		if (cli->chunk < (1ull << 20))
			cli->chunk = 1ull << 20;
	}
	if (cli->cfg.time_budget || cli->cfg.max_rate) {
		e4d_budget_init(&r->budget, NULL, NULL, cli->cfg.time_budget,
				cli->cfg.max_rate);
		cli->dopts.budget = &r->budget;
	}
	if (cli->dopts.lease)	/* the lease's signal is not wanted */
		signal(SIGIO, SIG_IGN);
	if (!cli->dry_run)
		catch_signals();
}

static int run_defrag(struct cli *cli, char **paths, int npaths)
{
	struct run r = { 0 };
	struct timespec t0;
	int i, ret, status = 0;
	bool more = false;

	run_start(&r, cli);
	r.tty = !cli->no_progress && isatty(STDERR_FILENO);
	if (r.tty)
		cli->run = &r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < npaths && !stop_requested && !r.expired; i++) {
		ret = defrag_path(&r, paths[i]);
		if (ret < 0) {
			progress_clear(&r);
			e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", paths[i],
				strerror(-ret));
			run_free(&r);
			return EXIT_FATAL;
		}
		if (ret == EXIT_MORE)
			more = true;
		else if (ret)
			status = EXIT_SOME_FAILED;
	}
	if (i < npaths)
		more = true;	/* paths the budget left no time for */
	if (r.failed || stop_requested)
		status = EXIT_SOME_FAILED;
	else if (!status && more)
		status = EXIT_MORE;
	if (cli->json)
		json_summary(&r, secs_since(&t0), status);
	else
		print_summary(&r, secs_since(&t0));
	run_free(&r);
	return status;
}

/* The configuration file, then the command line over it. */
static int load_config(struct cli *cli)
{
	const char *path = cli->config_path ? cli->config_path :
			   E4D_CONFIG_FILE;
	struct e4d_config *c = &cli->cfg;
	int ret;

	ret = e4d_config_load(&cli->ctx, path, c);
	if (ret == -ENOENT && !cli->config_path)
		ret = 0;
	else if (ret == -ENOENT)
		e4d_msg(&cli->ctx, E4D_ERR, "%s: no such file", path);
	else if (ret && ret != -EINVAL && ret != -EFBIG)	/* reported */
		e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", path, strerror(-ret));
	if (ret)
		return ret;
	if (cli->set.time_budget)
		c->time_budget = cli->ov.time_budget;
	if (cli->set.max_rate)
		c->max_rate = cli->ov.max_rate;
	if (cli->set.min_age)
		c->min_age = cli->ov.min_age;
	if (cli->set.busy)
		c->busy = cli->ov.busy;
	if (cli->set.nonrot)
		c->include_nonrotational = true;
	if (cli->set.state_dir) {
		free(c->state_dir);
		c->state_dir = strdup(cli->ov.state_dir);
	}
	if (cli->set.prometheus) {	/* "none" leaves it NULL */
		free(c->prometheus_file);
		c->prometheus_file = cli->ov.prometheus_file ?
				     strdup(cli->ov.prometheus_file) : NULL;
		if (cli->ov.prometheus_file && !c->prometheus_file)
			return -ENOMEM;
	}
	if (cli->set.state_dir && !c->state_dir)
		return -ENOMEM;
	if (!cli->threshold_set)
		cli->popts.threshold = c->threshold;
	return 0;
}

static void start_logging(struct cli *cli)
{
	enum log_to to = cli->log;

	/* the journal, or a person at a terminal, reads standard error */
	if (to == LOGTO_AUTO)
		to = getenv("JOURNAL_STREAM") || isatty(STDERR_FILENO) ?
		     LOGTO_STDERR : LOGTO_SYSLOG;
	if (to == LOGTO_SYSLOG) {
		openlog("e4defrag2", LOG_PID, LOG_DAEMON);
		cli->syslog = true;
	}
}

static bool prom_named(const struct e4d_prom_fs *v, size_t n,
		       const char *mountpoint)
{
	while (n--)
		if (!strcmp(v[n].mountpoint, mountpoint))
			return true;
	return false;
}

static int write_metrics(struct run *r)
{
	struct cli *cli = r->cli;
	struct e4d_prom_fs *v;
	size_t i, n = 0;
	int ret;

	v = calloc(r->nfss + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->nfss; i++) {
		struct fsent *e = &r->fss[i];

		if (!e->have_prom)
			continue;
		v[n] = e->prom;
		/* again: r->fss may have moved since (realloc) */
		v[n].mountpoint = e->mountpoint;
		v[n].device = e->device;
		v[n++].uuid = e->uuid;
	}
	/* filesystems this run did not get to (locked, no time left) keep
	 * the samples the last run that did wrote
	 */
	for (i = 0; i < r->nfss; i++) {
		struct fsent *e = &r->fss[i];

		if (!e->have_prom && e->mountpoint && e->result &&
		    (!strcmp(e->result, "locked") ||
		     !strcmp(e->result, "partial")) &&
		    !prom_named(v, n, e->mountpoint)) {
			v[n].mountpoint = e->mountpoint;
			v[n++].keep = true;
		}
	}
	ret = e4d_prom_write(&cli->ctx, cli->cfg.prometheus_file, v, n);
	free(v);
	return ret;
}

/*
 * A file a run leaves unfinished is the first of the next run again (worst
 * first), and that run moves its windows from the start: those already
 * moved are left alone (they have the fewest extents they can), the one
 * that was cut short is moved again whole. So a window must fit in a run
 * several times over, or a run whose budget and rate move less than a
 * window would start that window over each time and never get past it.
 */
static void bg_window(struct cli *cli)
{
	uint64_t w;

	if (cli->dopts.window || !cli->cfg.max_rate || !cli->cfg.time_budget)
		return;
	w = cli->cfg.max_rate * cli->cfg.time_budget / 4;
	if (w < E4D_WINDOW_DEFAULT)
		cli->dopts.window = w < (1ull << 20) ? 1ull << 20 :
				    w & ~((1ull << 20) - 1);
}

static int run_background(struct cli *cli, char **paths, int npaths)
{
	struct run r = { 0 };
	struct timespec t0;
	char **mounts = NULL;
	size_t i, n = 0;
	bool user_chunk;
	int ret, status;

	start_logging(cli);
	ret = load_config(cli);
	if (ret)
		return EXIT_FATAL;
	user_chunk = cli->chunk != 0;
	run_start(&r, cli);	/* sizes the calls to a rate limit */
	bg_window(cli);
	if (!user_chunk && (!cli->chunk || cli->chunk > BG_CHUNK))
		cli->chunk = BG_CHUNK;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e4d_ioprio_idle(&cli->ctx);
	if (npaths) {
		mounts = paths;
		n = npaths;
	} else if (cli->cfg.nfilesystems) {
		mounts = cli->cfg.filesystems;
		n = cli->cfg.nfilesystems;
	} else {
		ret = e4d_bg_mounts(&cli->ctx, &mounts, &n);
		if (ret)
			return EXIT_FATAL;
		if (!n)
			notice(cli, "no mounted ext4 filesystem");
	}
	for (i = 0; i < n && !stop_requested && !r.expired; i++) {
		ret = bg_fs(&r, mounts[i]);
		if (ret < 0) {
			e4d_msg(&cli->ctx, E4D_ERR, "%s: %s", mounts[i],
				strerror(-ret));
			status = EXIT_FATAL;
			goto out_free;
		}
	}
	/* filesystems the budget left no time for */
	for (; i < n; i++) {
		struct fsent *e = fsent_new(&r);

		if (!e || !(e->mountpoint = strdup(mounts[i]))) {
			status = EXIT_FATAL;
			goto out_free;
		}
		e->result = "partial";
		e->reason = stop_requested ? "not started: interrupted" :
			    "not started: time budget used up";
		r.partial = true;
	}
	/* a dry run changes nothing, the metrics file included */
	if (cli->cfg.prometheus_file && !cli->dry_run && write_metrics(&r))
		r.fs_failed = true;
	if (r.failed || r.fs_failed)
		status = EXIT_SOME_FAILED;
	else if (r.locked)
		status = EXIT_LOCKED;
	else if (r.partial)
		status = EXIT_MORE;
	else
		status = 0;
	notice(cli, "background run: %llu files moved, %llu bytes, %llu "
	       "failed, in %.1f s; exit %d (%s)",
	       (unsigned long long)r.moved, (unsigned long long)r.bytes,
	       (unsigned long long)r.failed, secs_since(&t0), status,
	       exit_name(status));
	if (cli->json)
		json_summary(&r, secs_since(&t0), status);
out_free:
	if (!npaths && !cli->cfg.nfilesystems)
		e4d_bg_mounts_free(mounts, n);
	run_free(&r);
	return status;
}

/* Flush standard output: @status, or EXIT_FATAL after saying that it could
 * not be written (a full disk, a closed pipe under SIGPIPE ignored).
 */
static int flush_stdout(const char *prog, int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error on standard output\n", prog);
		return EXIT_FATAL;
	}
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
		{ "background", no_argument, NULL, OPT_BACKGROUND },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "time-budget", required_argument, NULL, 't' },
		{ "max-rate", required_argument, NULL, OPT_MAX_RATE },
		{ "min-age", required_argument, NULL, OPT_MIN_AGE },
		{ "busy", required_argument, NULL, OPT_BUSY },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
		{ "include-nonrotational", no_argument, NULL, OPT_NONROT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "chunk", required_argument, NULL, OPT_CHUNK },
		{ "list-columns", no_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* static: what it holds stays reachable on the early usage-error
	 * returns below, which leave the freeing to exit
	 */
	static struct cli cli;
	size_t count;
	int c, status, longidx;

	cli.prog = "e4defrag2";
	e4d_ctx_init(&cli.ctx);
	cli.ctx.msg = on_msg;
	cli.ctx.msg_arg = &cli;
	cli.ropts.top = 20;
	cli.popts.min_extents = 2;
	cli.dopts.busy_retries = 8;
	if (e4d_config_init(&cli.cfg) || e4d_config_init(&cli.ov)) {
		fprintf(stderr, "%s: out of memory\n", cli.prog);
		return EXIT_FATAL;
	}
	opterr = 0;
	for (;;) {
		longidx = -1;	/* getopt_long() sets it for long options */
		c = getopt_long(argc, argv, ":cJo:rnbaHvhVt:", longopts,
				&longidx);
		if (c == -1)
			break;
		status = set_override(&cli, c, optarg);
		if (status > 0)
			return status;
		if (!status)
			continue;
		if (!cli.report_opt[0] && is_report_opt(c)) {
			if (longidx >= 0)
				snprintf(cli.report_opt, sizeof(cli.report_opt),
					 "--%s", longopts[longidx].name);
			else
				snprintf(cli.report_opt, sizeof(cli.report_opt),
					 "-%c", c);
		}
		switch (c) {
		case 'c':
			cli.check = true;
			break;
		case 'J':
			cli.ropts.format = E4D_FMT_JSON;
			cli.json = true;
			break;
		case 'o':
			status = columns_arg(cli.prog, "--output", optarg);
			if (status)
				return status;
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
				return bad_value(cli.prog, "top",
						 "a count", optarg);
			break;
		case OPT_SORT:
			if (strchr(optarg, ',') || optarg[0] == '+')
				return usage_error(cli.prog, "--sort: one "
						   "column only: '%s'", optarg);
			status = columns_arg(cli.prog, "--sort", optarg);
			if (status)
				return status;
			cli.ropts.sort = optarg;
			break;
		case OPT_FIEMAP:
			cli.fiemap_only = true;
			break;
		case OPT_THRESHOLD:
			if (e4d_parse_threshold(optarg,
						&cli.popts.threshold) < 0)
				return bad_value(cli.prog, "threshold",
						 "a score 0-100", optarg);
			cli.threshold_set = true;
			break;
		case OPT_MIN_SIZE:
			if (e4d_parse_size(optarg, &cli.popts.min_size) < 0)
				return bad_value(cli.prog, "min-size",
						 "a size", optarg);
			break;
		case OPT_MIN_EXTENTS:
			if (parse_count(optarg, &count) < 0)
				return bad_value(cli.prog, "min-extents",
						 "a count", optarg);
			cli.popts.min_extents = count;
			break;
		case OPT_WORST_FIRST:
			cli.popts.worst_first = true;
			break;
		case OPT_DRY_RUN:
			cli.dry_run = true;
			break;
		case OPT_WINDOW:
			if (e4d_parse_size(optarg, &cli.dopts.window) < 0 ||
			    cli.dopts.window < (1u << 20))
				return bad_value(cli.prog, "window",
						 "a size of at least 1M",
						 optarg);
			break;
		case OPT_RESERVE:
			if (e4d_parse_size(optarg, &cli.dopts.reserve) < 0)
				return bad_value(cli.prog, "reserve",
						 "a size", optarg);
			break;
		case OPT_NO_PREFETCH:
			cli.dopts.no_cache_tricks = true;
			break;
		case OPT_NO_PROGRESS:
			cli.no_progress = true;
			break;
		case OPT_BACKGROUND:
			cli.background = true;
			break;
		case OPT_CONFIG:
			cli.config_path = optarg;
			break;
		case OPT_NONROT:
			cli.set.nonrot = true;
			break;
		case OPT_LOG:
			cli.log_set = true;
			if (!strcmp(optarg, "auto"))
				cli.log = LOGTO_AUTO;
			else if (!strcmp(optarg, "syslog"))
				cli.log = LOGTO_SYSLOG;
			else if (!strcmp(optarg, "stderr"))
				cli.log = LOGTO_STDERR;
			else
				return bad_value(cli.prog, "log",
						 "auto, syslog or stderr",
						 optarg);
			break;
		case OPT_CHUNK:
			if (e4d_parse_size(optarg, &cli.chunk) < 0 ||
			    cli.chunk < (64u << 10))
				return bad_value(cli.prog, "chunk",
						 "a size of at least 64K",
						 optarg);
			break;
		case 'H':
			e4d_report_list_columns(stdout);
			return flush_stdout(cli.prog, 0);
		case 'v':
			cli.ctx.verbose++;
			break;
		case 'h':
			usage(stdout, cli.prog);
			return flush_stdout(cli.prog, 0);
		case 'V':
			printf("%s %s\n", cli.prog, PACKAGE_VERSION);
			return flush_stdout(cli.prog, 0);
		case ':':	/* the option is the argument before */
			return usage_error(cli.prog, "missing argument: '%s'",
					   argv[optind - 1]);
		default:
			/* "--json=1": a long option given an argument it
			 * takes none of
			 */
			if (!strncmp(argv[optind - 1], "--", 2) &&
			    strchr(argv[optind - 1], '='))
				return usage_error(cli.prog, "unknown option, "
						   "or one that takes no "
						   "argument: '%s'",
						   argv[optind - 1]);
			/* an unknown short option is in optopt, and the
			 * argument holding it may still be to come ("-xc")
			 */
			if (optopt > 0 && optopt < 128 && isgraph(optopt)) {
				char o[3] = { '-', (char)optopt, 0 };

				return usage_error(cli.prog, "unknown option: "
						   "'%s'", o);
			}
			return usage_error(cli.prog, "unknown option: '%s'",
					   argv[optind - 1]);
		}
	}
	if (cli.background && cli.check)
		return usage_error(cli.prog, "%s", "--background and -c "
				   "cannot be combined");
	if (!cli.background && (cli.config_path || cli.set.state_dir ||
				cli.set.prometheus || cli.set.nonrot ||
				cli.log_set))
		return usage_error(cli.prog, "%s needs --background",
				   cli.config_path ? "--config" :
				   cli.set.state_dir ? "--state-dir" :
				   cli.set.prometheus ? "--prometheus" :
				   cli.set.nonrot ? "--include-nonrotational" :
				   "--log");
	/* forgetting -c must not make a report's command line defragment */
	if (!cli.check && cli.report_opt[0])
		return usage_error(cli.prog, "%s needs -c", cli.report_opt);
	if (optind >= argc && !cli.background)
		return usage_error(cli.prog, "%s", "no PATH given");
	if (cli.background) {
		status = run_background(&cli, argv + optind, argc - optind);
	} else if (cli.check) {
		status = run_report(&cli, argv + optind, argc - optind);
	} else {
		/* without --background, none of the background defaults
		 * apply (cli.cfg has them: e4d_config_init())
		 */
		cli.cfg.time_budget = 0;
		cli.cfg.max_rate = 0;
		cli.cfg.min_age = 0;
		cli.cfg.busy = E4D_BUSY_IGNORE;
		if (cli.set.time_budget)
			cli.cfg.time_budget = cli.ov.time_budget;
		if (cli.set.max_rate)
			cli.cfg.max_rate = cli.ov.max_rate;
		if (cli.set.min_age)
			cli.cfg.min_age = cli.ov.min_age;
		if (cli.set.busy)
			cli.cfg.busy = cli.ov.busy;
		status = run_defrag(&cli, argv + optind, argc - optind);
	}
	e4d_config_free(&cli.cfg);
	e4d_config_free(&cli.ov);
	return flush_stdout(cli.prog, status);
}
