// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - /etc/e4defrag2.conf: strict "key = value" lines.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e4d/atomicfile.h"
#include "e4d/config.h"
#include "e4d/e4d.h"
#include "e4d/state.h"

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = s[i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* the scale of a unit letter: K, M, G, T (either case) are powers of 1024 */
static int size_shift(char c)
{
	switch (tolower((unsigned char)c)) {
	case 'k':
		return 10;
	case 'm':
		return 20;
	case 'g':
		return 30;
	case 't':
		return 40;
	}
	return -1;
}

/*
 * A number, then optionally a unit letter, then optionally "B" or "iB"
 * (either case) after it: "512K", "20MiB", "1g", "3TB"; or "4096B".  A bare number
 * is scaled by @dflt_shift.  @len bounds @s.
 */
static int parse_size_len(const char *s, size_t len, int dflt_shift,
			  uint64_t *out)
{
	size_t n = 0;
	int shift = dflt_shift;
	uint64_t v;

	while (n < len && isdigit((unsigned char)s[n]))
		n++;
	if (parse_u64(s, n, &v))
		return -EINVAL;
	if (n < len) {
		const char *u = s + n + 1;
		size_t rest = len - n - 1;

		shift = size_shift(s[n]);
		if ((s[n] == 'B' || s[n] == 'b') && !rest)
			shift = 0;	/* "4096B" */
		if (shift < 0)
			return -EINVAL;
		if (rest && !(rest == 1 && (*u == 'B' || *u == 'b')) &&
		    !(rest == 2 && !strncasecmp(u, "iB", 2)))
			return -EINVAL;
	}
	if (v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int e4d_parse_size(const char *s, uint64_t *bytes)
{
	return parse_size_len(s, strlen(s), 0, bytes);
}

int e4d_parse_duration(const char *s, uint64_t *sec)
{
	size_t len = strlen(s);
	uint64_t v, m = 1;

	if (len && !isdigit((unsigned char)s[len - 1])) {
		switch (tolower((unsigned char)s[len - 1])) {
		case 's':
			m = 1;
			break;
		case 'm':
			m = 60;
			break;
		case 'h':
			m = 3600;
			break;
		case 'd':
			m = 86400;
			break;
		default:
			return -EINVAL;
		}
		len--;
	}
	if (parse_u64(s, len, &v))
		return -EINVAL;
	if (v && m > UINT64_MAX / v)
		return -EINVAL;
	*sec = v * m;
	return 0;
}

int e4d_parse_rate(const char *s, uint64_t *bytes_per_sec)
{
	size_t len = strlen(s);

	if (len > 2 && !strcmp(s + len - 2, "/s"))
		len -= 2;
	return parse_size_len(s, len, 20, bytes_per_sec);
}

int e4d_parse_bool(const char *s, bool *val)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*val = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*val = false;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const busy_names[] = {
	[E4D_BUSY_SKIP] = "skip",
	[E4D_BUSY_YIELD] = "yield",
	[E4D_BUSY_IGNORE] = "ignore",
};

int e4d_parse_busy(const char *s, enum e4d_busy *busy)
{
	size_t i;

	for (i = 0; i < sizeof(busy_names) / sizeof(busy_names[0]); i++) {
		if (!strcmp(s, busy_names[i])) {
			*busy = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *e4d_busy_name(enum e4d_busy busy)
{
	if ((size_t)busy >= sizeof(busy_names) / sizeof(busy_names[0]))
		return "?";
	return busy_names[busy];
}

int e4d_config_init(struct e4d_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->time_budget = 2 * 3600;
	cfg->max_rate = 50ull << 20;
	cfg->min_age = 3600;
	cfg->busy = E4D_BUSY_SKIP;
	cfg->threshold = 10.0;
	cfg->state_dir = strdup(E4D_STATE_DIR);
	return cfg->state_dir ? 0 : -ENOMEM;
}

void e4d_config_free(struct e4d_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nfilesystems; i++)
		free(cfg->filesystems[i]);
	free(cfg->filesystems);
	free(cfg->state_dir);
	free(cfg->prometheus_file);
	memset(cfg, 0, sizeof(*cfg));
}

/* absolute, and without control characters (the file's lines are checked
 * for them; this also covers the command line's values)
 */
static bool path_is_ok(const char *v)
{
	const unsigned char *c;

	for (c = (const unsigned char *)v; *c; c++)
		if (iscntrl(*c))
			return false;
	return v[0] == '/' && strlen(v) < PATH_MAX;
}

static int set_path(char **dst, const char *v)
{
	char *p = strdup(v);

	if (!p)
		return -ENOMEM;
	free(*dst);
	*dst = p;
	return 0;
}

static int add_fs(struct e4d_config *cfg, const char *v)
{
	char **n, *p;

	p = strdup(v);
	if (!p)
		return -ENOMEM;
	n = realloc(cfg->filesystems, (cfg->nfilesystems + 1) * sizeof(*n));
	if (!n) {
		free(p);
		return -ENOMEM;
	}
	n[cfg->nfilesystems++] = p;
	cfg->filesystems = n;
	return 0;
}

int e4d_parse_threshold(const char *v, double *out)
{
	char *end;
	double d;

	/* decimal digits and a point only: no sign, space, hex or exponent */
	if (!isdigit((unsigned char)v[0]) ||
	    v[strspn(v, "0123456789.")] != '\0')
		return -EINVAL;
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || !isfinite(d) || d < 0 || d > 100)
		return -EINVAL;
	*out = d;
	return 0;
}

enum key_id {
	K_FILESYSTEM, K_TIME_BUDGET, K_MAX_RATE, K_MIN_AGE, K_BUSY,
	K_NONROT, K_THRESHOLD, K_STATE_DIR, K_PROMETHEUS, K_NR
};

static const char *const key_names[K_NR] = {
	[K_FILESYSTEM] = "filesystem",
	[K_TIME_BUDGET] = "time-budget",
	[K_MAX_RATE] = "max-rate",
	[K_MIN_AGE] = "min-age",
	[K_BUSY] = "busy",
	[K_NONROT] = "include-nonrotational",
	[K_THRESHOLD] = "threshold",
	[K_STATE_DIR] = "state-dir",
	[K_PROMETHEUS] = "prometheus-file",
};

static const char *const key_expect[K_NR] = {
	[K_FILESYSTEM] = "an absolute path",
	[K_TIME_BUDGET] = "a duration such as 90m, 2h or 0",
	[K_MAX_RATE] = "MiB/s, or a number with K, M or G, or 0",
	[K_MIN_AGE] = "a duration such as 30m, 1d or 0",
	[K_BUSY] = "skip, yield or ignore",
	[K_NONROT] = "yes or no",
	[K_THRESHOLD] = "a number from 0 to 100",
	[K_STATE_DIR] = "an absolute path",
	[K_PROMETHEUS] = "an absolute path ending in .prom, or none",
};

/* Return: 0, -EINVAL (bad value) or -ENOMEM. */
static int apply(struct e4d_config *cfg, enum key_id k, const char *v)
{
	size_t len = strlen(v);

	switch (k) {
	case K_FILESYSTEM:
		return path_is_ok(v) ? add_fs(cfg, v) : -EINVAL;
	case K_TIME_BUDGET:
		return e4d_parse_duration(v, &cfg->time_budget);
	case K_MAX_RATE:
		return e4d_parse_rate(v, &cfg->max_rate);
	case K_MIN_AGE:
		return e4d_parse_duration(v, &cfg->min_age);
	case K_BUSY:
		return e4d_parse_busy(v, &cfg->busy);
	case K_NONROT:
		return e4d_parse_bool(v, &cfg->include_nonrotational);
	case K_THRESHOLD:
		return e4d_parse_threshold(v, &cfg->threshold);
	case K_STATE_DIR:
		return path_is_ok(v) ? set_path(&cfg->state_dir, v) : -EINVAL;
	case K_PROMETHEUS:
		if (!strcmp(v, "none")) {
			free(cfg->prometheus_file);
			cfg->prometheus_file = NULL;
			return 0;
		}
		if (!path_is_ok(v) || len < 6 || strcmp(v + len - 5, ".prom") ||
		    v[len - 6] == '/')
			return -EINVAL;
		return set_path(&cfg->prometheus_file, v);
	case K_NR:
		break;
	}
	return -EINVAL;
}

static enum key_id key_id(const char *key)
{
	enum key_id k;

	for (k = 0; k < K_NR; k++)
		if (!strcmp(key, key_names[k]))
			break;
	return k;
}

int e4d_config_set(struct e4d_config *cfg, const char *key,
		   const char *value, const char **expect)
{
	enum key_id k = key_id(key);
	int ret;

	if (k == K_NR)
		return -ENOENT;
	ret = *value ? apply(cfg, k, value) : -EINVAL;
	if (ret == -EINVAL)
		*expect = key_expect[k];
	return ret;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Parse one line (without its newline) in place. Return 0/-EINVAL/-ENOMEM */
static int parse_line(const struct e4d_ctx *ctx, char *line, const char *name,
		      unsigned int lineno, struct e4d_config *cfg,
		      unsigned int *seen)
{
	char *key, *eq, *v, *end;
	size_t i;
	int ret;

	for (i = 0; line[i]; i++) {
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t' &&
		    line[i] != '\r') {
			e4d_msg(ctx, E4D_ERR, "%s:%u: control character",
				name, lineno);
			return -EINVAL;
		}
	}
	key = line;
	while (is_blank(*key))
		key++;
	if (!*key || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (!eq) {
		e4d_msg(ctx, E4D_ERR, "%s:%u: expected \"key = value\"",
			name, lineno);
		return -EINVAL;
	}
	end = eq;
	while (end > key && is_blank(end[-1]))
		end--;
	*end = '\0';
	v = eq + 1;
	while (is_blank(*v))
		v++;
	end = v + strlen(v);
	while (end > v && is_blank(end[-1]))
		end--;
	*end = '\0';

	i = key_id(key);
	if (i == K_NR) {
		e4d_msg(ctx, E4D_ERR, "%s:%u: unknown key '%s'",
			name, lineno, key);
		return -EINVAL;
	}
	if (i != K_FILESYSTEM && (*seen & (1u << i))) {
		e4d_msg(ctx, E4D_ERR, "%s:%u: '%s' given twice",
			name, lineno, key);
		return -EINVAL;
	}
	*seen |= 1u << i;
	if (!*v) {
		e4d_msg(ctx, E4D_ERR, "%s:%u: '%s' has no value, expected %s",
			name, lineno, key, key_expect[i]);
		return -EINVAL;
	}
	ret = apply(cfg, i, v);
	if (ret == -EINVAL)
		e4d_msg(ctx, E4D_ERR, "%s:%u: bad %s '%s': expected %s",
			name, lineno, key, v, key_expect[i]);
	return ret;
}

int e4d_config_parse(const struct e4d_ctx *ctx, const char *text,
		     const char *name, struct e4d_config *cfg)
{
	unsigned int lineno = 0, seen = 0;
	char *copy, *line, *next;
	int ret = 0, r;

	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else if (!*line)
			break;
		lineno++;
		r = parse_line(ctx, line, name, lineno, cfg, &seen);
		if (r == -ENOMEM) {
			ret = r;
			break;
		}
		if (r && !ret)
			ret = r;
	}
	free(copy);
	return ret;
}

int e4d_config_load(const struct e4d_ctx *ctx, const char *path,
		    struct e4d_config *cfg)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		e4d_msg(ctx, E4D_ERR, "%s: not a regular file", path);
		ret = -EINVAL;
		goto out_close;
	}
	if (st.st_size > E4D_CONFIG_MAX_SIZE) {
		e4d_msg(ctx, E4D_ERR, "%s: larger than %u bytes", path,
			E4D_CONFIG_MAX_SIZE);
		ret = -EFBIG;
		goto out_close;
	}
	ret = e4d_read_small(fd, E4D_CONFIG_MAX_SIZE, &buf, &len);
	if (ret == -EFBIG)
		e4d_msg(ctx, E4D_ERR, "%s: larger than %u bytes", path,
			E4D_CONFIG_MAX_SIZE);
	if (ret)
		goto out_close;
	if (memchr(buf, '\0', len)) {
		e4d_msg(ctx, E4D_ERR, "%s: contains a NUL byte", path);
		ret = -EINVAL;
		goto out_free;
	}
	ret = e4d_config_parse(ctx, buf, path, cfg);
out_free:
	free(buf);
out_close:
	close(fd);
	return ret;
}
