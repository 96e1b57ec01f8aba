/* plan.c - installed map versus new set, and the safety guards */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>

#include "plan.h"

/* map_file - map PATH read-only; *EXISTS = 0 and *LEN = 0 if missing */
static int
map_file(const char *path, void **data, size_t *len, int *exists, struct a2r_err *err)
{
	struct stat st;
	int fd;

	*data = NULL;
	*len = 0;
	*exists = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(err, A2R_ERR_WRITE, "read %s: %s", path, strerror(errno));
	}
	*exists = 1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_set(err, A2R_ERR_WRITE, "stat %s: %s", path, strerror(errno));
	}
	*len = (size_t)st.st_size;
	if (*len > 0 && (*data = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		*data = NULL;
		close(fd);
		return err_set(err, A2R_ERR_WRITE, "read %s: %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}

/* add_line - one "key value" line of a text map into S */
static int
add_line(struct recipset *s, const char *p, size_t len)
{
	size_t klen, vstart;
	char value[1024];

	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len == 0 || p[0] == '#' || p[0] == ' ' || p[0] == '\t')
		return 0;
	for (klen = 0; klen < len && p[klen] != ' ' && p[klen] != '\t'; klen++)
		;
	for (vstart = klen; vstart < len && (p[vstart] == ' ' || p[vstart] == '\t'); vstart++)
		;
	if (len - vstart >= sizeof(value))
		return -1;
	memcpy(value, p + vstart, len - vstart);
	value[len - vstart] = '\0';
	return recipset_add(s, p, klen, value) < 0 ? -1 : 0;
}

int
plan_read_text(const char *path, struct recipset **out, int *exists, struct a2r_err *err)
{
	void *data;
	size_t len;
	const char *p, *end;

	if ((*out = recipset_new()) == NULL)
		return err_nomem(err);
	if (map_file(path, &data, &len, exists, err) < 0)
		return -1;
	for (p = data, end = p + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (add_line(*out, p, n) < 0) {
			munmap(data, len);
			return err_set(err, A2R_ERR_WRITE, "read %s: a line is too long", path);
		}
		p += n + 1;
	}
	if (data != NULL)
		munmap(data, len);
	recipset_sort(*out);
	return 0;
}

int
plan_read_cdb(const char *path, struct recipset **out, int *exists, struct a2r_err *err)
{
	struct cdb cdb;
	unsigned pos;
	int fd, rc = 0;

	if ((*out = recipset_new()) == NULL)
		return err_nomem(err);
	*exists = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(err, A2R_ERR_WRITE, "read %s: %s", path, strerror(errno));
	}
	*exists = 1;
	if (cdb_init(&cdb, fd) < 0) {
		close(fd);
		return err_set(err, A2R_ERR_WRITE, "read %s: not a cdb file", path);
	}
	cdb_seqinit(&pos, &cdb);
	while (rc == 0 && cdb_seqnext(&pos, &cdb) > 0) {
		char value[1024];
		unsigned vlen = cdb_datalen(&cdb);
		const char *key = cdb_get(&cdb, cdb_keylen(&cdb), cdb_keypos(&cdb));
		const char *val = cdb_get(&cdb, vlen, cdb_datapos(&cdb));

		if (key == NULL || val == NULL || vlen >= sizeof(value)) {
			rc = err_set(err, A2R_ERR_WRITE, "read %s: damaged cdb record", path);
			break;
		}
		memcpy(value, val, vlen);
		value[vlen] = '\0';
		if (recipset_add(*out, key, cdb_keylen(&cdb), value) < 0)
			rc = err_nomem(err);
	}
	cdb_free(&cdb);
	close(fd);
	if (rc == 0)
		recipset_sort(*out);
	return rc;
}

/* value_of - a key's value, the default when it has none of its own */
static const char *
value_of(const struct recipset *s, size_t i, const char *defval)
{
	const char *v = recipset_value(s, i);

	return v ? v : defval;
}

void
plan_diff(const struct recipset *old, const struct recipset *new, const char *defval,
	  struct plan *p, plan_diff_fn *fn, void *ctx)
{
	size_t i = 0, j = 0, no = recipset_size(old), nn = recipset_size(new);

	p->old_count = no;
	p->new_count = nn;
	p->added = p->removed = p->changed = 0;
	while (i < no || j < nn) {
		int c;

		if (i == no)
			c = 1;
		else if (j == nn)
			c = -1;
		else
			c = strcmp(recipset_key(old, i, NULL), recipset_key(new, j, NULL));
		if (c < 0) {
			p->removed++;
			if (fn)
				fn(ctx, '-', recipset_key(old, i, NULL));
			i++;
		} else if (c > 0) {
			p->added++;
			if (fn)
				fn(ctx, '+', recipset_key(new, j, NULL));
			j++;
		} else {
			if (strcmp(value_of(old, i, defval), value_of(new, j, defval)) != 0) {
				p->changed++;
				if (fn)
					fn(ctx, '~', recipset_key(new, j, NULL));
			}
			i++, j++;
		}
	}
}

int
plan_guard(const struct a2r_config *cfg, const struct plan *p, const struct recipset *new,
	   int force, struct a2r_err *err)
{
	for (size_t i = 0; i < cfg->require.n; i++)
		if (!recipset_contains(new, cfg->require.v[i], strlen(cfg->require.v[i])))
			return err_set(err, A2R_ERR_GUARD,
				       "refusing to install: required address %s is missing from "
				       "the new map (see require; --force does not override this)",
				       cfg->require.v[i]);
	if (force)
		return 0;
	if (p->new_count == 0)
		return err_set(err, A2R_ERR_GUARD,
			       "refusing to install an empty map: the directory yielded no "
			       "addresses (use --force to install it anyway)");
	/* removed / old > max_shrink / 100, in integers */
	if (p->old_count > 0 && p->removed * 100 > (size_t)cfg->max_shrink * p->old_count)
		return err_set(err, A2R_ERR_GUARD,
			       "refusing to install: the new map lost %zu of %zu entries (%.1f%%), "
			       "more than max_shrink = %ld%% (check the directory, or use --force)",
			       p->removed, p->old_count, 100.0 * (double)p->removed / (double)p->old_count,
			       cfg->max_shrink);
	return 0;
}
