// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c - node_exporter textfile-collector metrics, written atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e4d/atomicfile.h"
#include "e4d/e4d.h"
#include "e4d/prom.h"
#include "e4d/report.h"

void e4d_prom_from_summary(struct e4d_prom_fs *p,
			   const struct e4d_fs_summary *s,
			   unsigned int blocksize)
{
	p->have_scan = true;
	p->files = s->files;
	p->fragmented = s->fragmented;
	p->unmovable = s->unmovable;
	p->extents = s->extents;
	p->ideal = s->ideal;
	p->have_free = s->have_free;
	p->free_bytes = s->free.free_blocks * blocksize;
	p->free_extents = s->free.free_extents;
	p->free_frag_ratio = s->free.frag_pct / 100.0;
}

void e4d_prom_from_state(struct e4d_prom_fs *p, const struct e4d_state *st)
{
	p->have_run = st->last_result != E4D_RUN_NONE;
	p->files_moved = st->files_moved;
	p->bytes_moved = st->bytes_moved;
	p->bytes_moved_total = st->bytes_moved_total;
	p->last_run = st->last_end;
	p->duration = st->last_end >= st->last_start ?
		      (double)(st->last_end - st->last_start) : 0;
	p->result = st->last_result;
	p->exit_code = st->last_exit;
}

enum part { P_SCAN, P_FREE, P_RUN };
enum kind { K_U64, K_DBL, K_INT, K_RATIO, K_SUCCESS };

static const struct metric {
	const char *name;
	const char *type;
	const char *help;
	enum part part;
	enum kind kind;
	size_t off;
} metrics[] = {
#define M(n, t, h, p, k, f) { "e4defrag2_" n, t, h, p, k, \
			      offsetof(struct e4d_prom_fs, f) }
	M("files_scanned", "gauge", "Files examined by the last scan.",
	  P_SCAN, K_U64, files),
	M("files_fragmented", "gauge",
	  "Files with more extents than the filesystem layout needs.",
	  P_SCAN, K_U64, fragmented),
	M("files_unmovable", "gauge",
	  "Files the kernel would refuse to move.", P_SCAN, K_U64, unmovable),
	M("fragmented_files_ratio", "gauge",
	  "Fragmented files / files scanned (0..1).", P_SCAN, K_RATIO,
	  fragmented),
	M("extents", "gauge", "Extents of all files scanned.",
	  P_SCAN, K_U64, extents),
	M("ideal_extents", "gauge",
	  "Extents the files scanned would need at best.",
	  P_SCAN, K_U64, ideal),
	M("free_space_fragmentation_ratio", "gauge",
	  "Share of free space in free extents under 8 MiB (0..1).",
	  P_FREE, K_DBL, free_frag_ratio),
	M("free_bytes", "gauge", "Free space.", P_FREE, K_U64, free_bytes),
	M("free_extents", "gauge", "Free extents.",
	  P_FREE, K_U64, free_extents),
	M("extents_before", "gauge",
	  "Extents of the files the last run moved, before.",
	  P_RUN, K_U64, extents_before),
	M("extents_after", "gauge",
	  "Extents of the files the last run moved, after.",
	  P_RUN, K_U64, extents_after),
	M("moved_files", "gauge", "Files defragmented by the last run.",
	  P_RUN, K_U64, files_moved),
	M("moved_bytes", "gauge", "Bytes moved by the last run.",
	  P_RUN, K_U64, bytes_moved),
	M("moved_bytes_total", "counter",
	  "Bytes moved by all runs since the state file began.",
	  P_RUN, K_U64, bytes_moved_total),
	M("last_run_timestamp_seconds", "gauge",
	  "Unix time the last run ended.", P_RUN, K_U64, last_run),
	M("last_run_duration_seconds", "gauge",
	  "Wall-clock length of the last run.", P_RUN, K_DBL, duration),
	M("last_run_exit_code", "gauge", "Exit status of the last run.",
	  P_RUN, K_INT, exit_code),
	M("last_run_success", "gauge",
	  "1 when the last run exited 0, else 0.", P_RUN, K_SUCCESS,
	  exit_code),
#undef M
};

#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

/* A label value: UTF-8 (Prometheus refuses a file with anything else; a
 * byte that is not is the text \xNN, as in the JSON), then escaped.
 */
static void put_label(FILE *out, const char *name, const char *v, bool comma)
{
	char *safe = v ? e4d_json_safe(v) : NULL;
	const char *p = safe ? safe : v;

	fprintf(out, "%s%s=\"", comma ? "," : "", name);
	for (; p && *p; p++) {
		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '"')
			fputs("\\\"", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (!safe && (unsigned char)*p >= 0x80)
			fputc('?', out);	/* out of memory */
		else
			fputc(*p, out);
	}
	fputc('"', out);
	free(safe);
}

static void put_labels(FILE *out, const struct e4d_prom_fs *p)
{
	fputc('{', out);
	put_label(out, "mountpoint", p->mountpoint, false);
	put_label(out, "device", p->device, true);
	put_label(out, "uuid", p->uuid, true);
}

static bool has_part(const struct e4d_prom_fs *p, enum part part)
{
	switch (part) {
	case P_SCAN:
		return p->have_scan;
	case P_FREE:
		return p->have_free;
	case P_RUN:
		return p->have_run;
	}
	return false;
}

static void put_value(FILE *out, const struct metric *m,
		      const struct e4d_prom_fs *p)
{
	const void *f = (const char *)p + m->off;

	switch (m->kind) {
	case K_U64:
		fprintf(out, "%" PRIu64 "\n", *(const uint64_t *)f);
		break;
	case K_DBL:
		fprintf(out, "%.17g\n", *(const double *)f);
		break;
	case K_INT:
		fprintf(out, "%d\n", *(const int *)f);
		break;
	case K_RATIO:
		fprintf(out, "%.17g\n", p->files ?
			(double)*(const uint64_t *)f / p->files : 0.0);
		break;
	case K_SUCCESS:
		fprintf(out, "%d\n", *(const int *)f == 0);
		break;
	}
}

/* Sample lines of the file being replaced, kept (e4d_prom_fs.keep). */
struct kept {
	char *buf;		/* the file, lines NUL-terminated in place */
	char **line;
	size_t n;
};

/* Whether sample @line is of metric @name. */
static bool sample_of(const char *line, const char *name)
{
	size_t len = strlen(name);

	return !strncmp(line, name, len) && line[len] == '{';
}

static bool kept_has(const struct kept *k, const char *name)
{
	size_t i;

	for (i = 0; k && i < k->n; i++)
		if (sample_of(k->line[i], name))
			return true;
	return false;
}

static void put_kept(FILE *out, const struct kept *k, const char *name)
{
	size_t i;

	for (i = 0; k && i < k->n; i++)
		if (sample_of(k->line[i], name))
			fprintf(out, "%s\n", k->line[i]);
}

static void put_results(FILE *out, const struct e4d_prom_fs *fs, size_t n,
			const struct kept *k)
{
	static const enum e4d_run_result res[] = {
		E4D_RUN_OK, E4D_RUN_PARTIAL, E4D_RUN_FAILED,
	};
	bool any = false;
	size_t i, r;

	for (i = 0; i < n; i++)
		any |= fs[i].have_run;
	if (!any && !kept_has(k, "e4defrag2_last_run_result"))
		return;
	fputs("# HELP e4defrag2_last_run_result Result of the last run: 1 for the one it had.\n"
	      "# TYPE e4defrag2_last_run_result gauge\n", out);
	for (i = 0; i < n; i++) {
		if (!fs[i].have_run)
			continue;
		for (r = 0; r < sizeof(res) / sizeof(res[0]); r++) {
			fputs("e4defrag2_last_run_result", out);
			put_labels(out, &fs[i]);
			put_label(out, "result", e4d_run_result_name(res[r]),
				  true);
			fprintf(out, "} %d\n", fs[i].result == res[r]);
		}
	}
	put_kept(out, k, "e4defrag2_last_run_result");
}

static int format(FILE *out, const struct e4d_prom_fs *fs, size_t n,
		  const struct kept *k)
{
	size_t i, m;
	bool any;

	for (m = 0; m < NMETRICS; m++) {
		any = kept_has(k, metrics[m].name);
		for (i = 0; i < n; i++)
			any |= has_part(&fs[i], metrics[m].part);
		if (!any)
			continue;
		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", metrics[m].name,
			metrics[m].help, metrics[m].name, metrics[m].type);
		for (i = 0; i < n; i++) {
			if (!has_part(&fs[i], metrics[m].part))
				continue;
			fputs(metrics[m].name, out);
			put_labels(out, &fs[i]);
			fputs("} ", out);
			put_value(out, &metrics[m], &fs[i]);
		}
		put_kept(out, k, metrics[m].name);
	}
	put_results(out, fs, n, k);
	return ferror(out) ? -EIO : 0;
}

int e4d_prom_format(FILE *out, const struct e4d_prom_fs *fs, size_t n)
{
	return format(out, fs, n, NULL);
}

/* The label text "mountpoint=\"...\"," a sample of @p's starts with. */
static char *mountpoint_prefix(const struct e4d_prom_fs *p)
{
	char *want = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&want, &len);

	if (!mem)
		return NULL;
	put_label(mem, "mountpoint", p->mountpoint, false);
	fputc(',', mem);
	if (fclose(mem)) {
		free(want);
		return NULL;
	}
	return want;
}

/* The samples of the file at @path that @fs keeps, if any. */
static int read_kept(const char *path, const struct e4d_prom_fs *fs,
		     size_t n, struct kept *k)
{
	char **want, *p, *nl, *brace, **nv;
	size_t len, i, nwant = 0;
	int fd, ret;

	memset(k, 0, sizeof(*k));
	want = calloc(n + 1, sizeof(*want));
	if (!want)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!fs[i].keep)
			continue;
		want[nwant] = mountpoint_prefix(&fs[i]);
		if (!want[nwant++]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = 0;
	fd = nwant ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
				O_NONBLOCK) : -1;
	if (fd < 0)
		goto out;	/* nothing to keep */
	ret = e4d_read_small(fd, E4D_PROM_MAX_SIZE, &k->buf, &len);
	close(fd);
	if (ret != -ENOMEM)
		ret = 0;	/* too large or unreadable: nothing kept */
	for (p = k->buf; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;	/* a line cut short is not a sample */
		*nl = '\0';
		brace = strchr(p, '{');
		if (*p == '#' || !brace)
			continue;
		for (i = 0; i < nwant; i++)
			if (!strncmp(brace + 1, want[i], strlen(want[i])))
				break;
		if (i == nwant)
			continue;
		nv = realloc(k->line, (k->n + 1) * sizeof(*nv));
		if (!nv) {
			ret = -ENOMEM;
			break;
		}
		k->line = nv;
		k->line[k->n++] = p;
	}
out:
	for (i = 0; i < nwant; i++)
		free(want[i]);
	free(want);
	return ret;
}

int e4d_prom_write(const struct e4d_ctx *ctx, const char *path,
		   const struct e4d_prom_fs *fs, size_t n)
{
	char *buf = NULL, *dcopy = NULL, *bcopy = NULL;
	struct kept k;
	size_t len = 0;
	FILE *mem;
	int dfd, ret;

	ret = read_kept(path, fs, n, &k);
	if (ret)
		goto out_free;
	mem = open_memstream(&buf, &len);
	if (!mem) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = format(mem, fs, n, &k);
	if (fclose(mem) && !ret)
		ret = -ENOMEM;
	if (ret)
		goto out_free;
	dcopy = strdup(path);
	bcopy = strdup(path);
	if (!dcopy || !bcopy) {
		ret = -ENOMEM;
		goto out_free;
	}
	dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		goto out_msg;
	}
	ret = e4d_write_atomic(dfd, basename(bcopy), buf, len, 0644);
	close(dfd);
out_msg:
	if (ret)
		e4d_msg(ctx, E4D_ERR, "cannot write metrics to %s: %s", path,
			strerror(-ret));
out_free:
	free(k.line);
	free(k.buf);
	free(bcopy);
	free(dcopy);
	free(buf);
	return ret;
}
