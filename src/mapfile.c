/* SPDX-License-Identifier: BSD-2-Clause */
/* mapfile.c - text and cdb maps, compared and atomically installed */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include "mapfile.h"
#include "mapread.h"
#include "safefile.h"
#include "util.h"

#define IOBUF (64 * 1024)

/* One file to install: its final path and the temp file on the way. */
struct pending {
	const char *path;
	char *tmp;   /* mkstemp name while it exists, else NULL */
	int fd;      /* open temp file, else -1 */
	int changed; /* content differs from the installed file */
	int side;    /* not a map (mapfile_side) */
};

/* The temp files of the install in progress, for mapfile_abort() in a
 * signal handler.  The names are made, freed and renamed only with the
 * stop signals blocked (hold_signals), so a handler never sees one half
 * made or freed, and never runs between the two renames. */
static struct pending *volatile live;
static volatile sig_atomic_t nlive, installed;

/* The text map is produced in pieces, never as a whole in memory. */
struct render {
	const struct recipset *set;
	const char *defval;
	size_t dlen;
	size_t next; /* next key to render */
	size_t off;  /* bytes of it already rendered */
};

/* put_part - bytes [FROM, FROM + N) of the line "KEY VAL\n" into DST */
static void
put_part(char *dst, const char *key, size_t klen, const char *val, size_t vlen, size_t from,
         size_t n)
{
	const char *seg[4] = {key, " ", val, "\n"};
	size_t len[4] = {klen, 1, vlen, 1};

	for (int i = 0; i < 4 && n > 0; i++) {
		size_t k;

		if (from >= len[i]) {
			from -= len[i];
			continue;
		}
		k = len[i] - from < n ? len[i] - from : n;
		memcpy(dst, seg[i] + from, k);
		dst += k;
		n -= k;
		from = 0;
	}
}

/* render_some - fill BUF (of SIZE bytes) with the next bytes of the map:
 * whole lines, but a line that does not fit (a long value) is split over
 * buffers; returns the bytes written, 0 at the end */
static size_t
render_some(struct render *r, char *buf, size_t size)
{
	size_t used = 0, n = recipset_size(r->set);

	while (r->next < n && used < size) {
		size_t klen, take;
		const char *key = recipset_key(r->set, r->next, &klen);
		const char *val = recipset_value(r->set, r->next);
		size_t vlen = val ? strlen(val) : r->dlen;

		if (val == NULL)
			val = r->defval;
		if (r->off == 0 && used + klen + vlen + 2 <= size) {
			memcpy(buf + used, key, klen);
			used += klen;
			buf[used++] = ' ';
			memcpy(buf + used, val, vlen);
			used += vlen;
			buf[used++] = '\n';
			r->next++;
			continue;
		}
		take = klen + vlen + 2 - r->off;
		if (take > size - used)
			take = size - used;
		put_part(buf + used, key, klen, val, vlen, r->off, take);
		used += take;
		if ((r->off += take) == klen + vlen + 2) {
			r->off = 0;
			r->next++;
		}
	}
	return used;
}

/* text_size - the size of the rendered text map */
static off_t
text_size(const struct recipset *set, const char *defval)
{
	size_t dlen = strlen(defval);
	off_t total = 0;

	for (size_t i = 0; i < recipset_size(set); i++) {
		size_t klen;
		const char *val = recipset_value(set, i);

		recipset_key(set, i, &klen);
		total += (off_t)(klen + (val ? strlen(val) : dlen) + 2);
	}
	return total;
}

/* beside - OUTPUT with SUFFIX, in a new string */
static char *
beside(const char *output, const char *suffix)
{
	size_t len = strlen(output), slen = strlen(suffix);
	char *p = malloc(len + slen + 1);

	if (p != NULL) {
		memcpy(p, output, len);
		memcpy(p + len, suffix, slen + 1);
	}
	return p;
}

char *
mapfile_cdb_path(const char *output)
{
	return beside(output, ".cdb");
}

char *
mapfile_origins_path(const char *output)
{
	return beside(output, ".origins");
}

/* read_full - read LEN bytes at OFF (fewer only at end of file) */
static ssize_t
read_full(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* open_installed - the installed file PATH if it is of exactly SIZE
 * bytes: its descriptor; -2 if its size differs (or it is missing), -1
 * with ERR set if it cannot be read or is not a regular file (a symlink or
 * FIFO planted there is neither followed nor waited on, nor replaced) */
static int
open_installed(const char *path, off_t size, struct a2r_err *err)
{
	struct stat st;
	int fd = safefile_open(path, "read", SAFEFILE_MISSING_OK, A2R_ERR_WRITE, &st, err);

	if (fd >= 0 && st.st_size != size) {
		close(fd);
		return -2;
	}
	return fd;
}

/* same_text - does the installed text map hold exactly what SET renders?
 * 1 yes, 0 no, -1 read error */
static int
same_text(const char *path, const struct recipset *set, const char *defval, char *a, char *b,
          struct a2r_err *err)
{
	struct render r = {set, defval, strlen(defval), 0, 0};
	off_t off = 0;
	int fd = open_installed(path, text_size(set, defval), err), same = 1;
	size_t n;

	if (fd < 0)
		return fd == -2 ? 0 : -1;
	while (same && (n = render_some(&r, a, IOBUF)) > 0) {
		ssize_t got = read_full(fd, b, n, off);

		if (got < 0) {
			err_set(err, A2R_ERR_WRITE, "read %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		same = (size_t)got == n && memcmp(a, b, n) == 0;
		off += (off_t)n;
	}
	close(fd);
	return same;
}

/* same_file - does installed PATH hold exactly the SIZE bytes of FD? */
static int
same_file(const char *path, int fd, off_t size, char *a, char *b, struct a2r_err *err)
{
	int old = open_installed(path, size, err), same = 1;

	if (old < 0)
		return old == -2 ? 0 : -1;
	for (off_t off = 0; same && off < size; off += IOBUF) {
		size_t want = size - off < IOBUF ? (size_t)(size - off) : IOBUF;
		ssize_t x = read_full(fd, a, want, off), y = read_full(old, b, want, off);

		if (x < 0 || y < 0) {
			err_set(err, A2R_ERR_WRITE, "read %s: %s", path, strerror(errno));
			close(old);
			return -1;
		}
		same = x == y && memcmp(a, b, (size_t)x) == 0;
	}
	close(old);
	return same;
}

/* Where a temp file's content comes from: the renderer, a file, or (when
 * the text map changed, so the cdb must too) the cdb built in place. */
struct source {
	struct render *text; /* or */
	int fd;
	off_t size;
	const struct recipset *cdb_of; /* or */
	const char *defval;
	const struct mapfile_side *side; /* or */
	char *buf;
};

/* fill - copy the content of SRC into FD */
static int
fill(int fd, struct source *src)
{
	size_t n;

	if (src->side != NULL)
		return src->side->fill(fd, src->side->ctx);
	if (src->cdb_of != NULL)
		return mapread_write_cdb(fd, src->cdb_of, src->defval);
	if (src->text != NULL) {
		while ((n = render_some(src->text, src->buf, IOBUF)) > 0)
			if (write_all(fd, src->buf, n) < 0)
				return -1;
		return 0;
	}
	for (off_t off = 0; off < src->size;) {
		ssize_t got = read_full(src->fd, src->buf, IOBUF, off);

		if (got <= 0 || write_all(fd, src->buf, (size_t)got) < 0)
			return -1;
		off += got;
	}
	return 0;
}

/* old_mode - the permission bits (never setuid, setgid or sticky) and
 * group of the regular file P->path will replace; 0644 and our group if
 * there is none.  Anything else there (a symlink, a FIFO) is refused: it
 * is not a map we installed, and its target's mode is not ours to copy. */
static int
old_mode(const struct pending *p, mode_t *mode, gid_t *gid, struct a2r_err *err)
{
	struct stat st;

	*mode = 0644;
	*gid = getegid();
	if (lstat(p->path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(err, A2R_ERR_WRITE, "%s: %s", p->path, strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return err_set(err, A2R_ERR_WRITE, "%s: is a symbolic link (not replaced)",
		               p->path);
	if (!S_ISREG(st.st_mode))
		return err_set(err, A2R_ERR_WRITE, "%s: is %s, not a regular file (not replaced)",
		               p->path, safefile_kind(st.st_mode));
	*mode = st.st_mode & 0777;
	*gid = st.st_gid;
	return 0;
}

/* write_temp - put SRC into a new temp file beside P->path, owned by us
 * with the group and permission bits of the file it will replace (see
 * old_mode()), and start writing it out; the file stays open for
 * finish_temp() */
static int
write_temp(struct pending *p, struct source *src, struct a2r_err *err)
{
	mode_t mode;
	gid_t gid;
	sigset_t old;
	char *tmp;

	if (old_mode(p, &mode, &gid, err) < 0)
		return -1;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", p->path) < 0)
		return err_nomem(err);
	hold_signals(&old);
	if ((p->fd = mkstemp(tmp)) >= 0)
		p->tmp = tmp;
	release_signals(&old);
	if (p->fd < 0) {
		int e = errno;
		char *dir = dirname(tmp);

		err_set(err, A2R_ERR_WRITE, "create a temp file in %s: %s", dir, strerror(e));
		free(tmp);
		return -1;
	}
	/* Keep a group owner such as postfix; only root can give any group. */
	if (gid != getegid() && geteuid() == 0 && fchown(p->fd, (uid_t)-1, gid) < 0)
		goto fail;
	if (fchmod(p->fd, mode) < 0 || fill(p->fd, src) < 0)
		goto fail;
	/* Let the disk work while the next file is built; fsync waits later. */
	sync_file_range(p->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
fail:
	return err_set(err, A2R_ERR_WRITE, "write %s: %s", p->tmp, strerror(errno));
}

/* finish_temp - make the temp file durable and close it */
static int
finish_temp(struct pending *p, struct a2r_err *err)
{
	int fd = p->fd;

	p->fd = -1;
	if (fsync(fd) < 0) {
		int e = errno;

		close(fd);
		errno = e;
	} else if (close(fd) == 0) {
		return 0;
	}
	return err_set(err, A2R_ERR_WRITE, "write %s: %s", p->tmp, strerror(errno));
}

/* sync_dir - fsync the directory holding PATH so the renames are durable */
static int
sync_dir(const char *path, struct a2r_err *err)
{
	char *copy = strdup(path);
	const char *dir;
	int fd, rc = 0;

	if (copy == NULL)
		return err_nomem(err);
	dir = dirname(copy);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) < 0)
		rc = err_set(err, A2R_ERR_WRITE, "fsync directory %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

/* remove_temps - on failure, leave no temp file behind */
static void
remove_temps(struct pending *files, size_t n)
{
	sigset_t old;

	hold_signals(&old);
	for (size_t i = 0; i < n; i++) {
		if (files[i].fd >= 0)
			close(files[i].fd);
		files[i].fd = -1;
		if (files[i].tmp != NULL)
			unlink(files[i].tmp);
		free(files[i].tmp);
		files[i].tmp = NULL;
	}
	release_signals(&old);
}

/* rename_all - the renames, text map first: Postfix warns when the text
 * map is newer than the cdb.  SIGHUP, SIGINT and SIGTERM wait until both
 * are done (or one failed), so a stopped run leaves the old pair or the
 * new pair, never a new text map beside an old cdb. */
static int
rename_all(struct pending *files, size_t n, struct a2r_err *err)
{
	sigset_t old;
	int rc = 0;

	hold_signals(&old);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!files[i].changed)
			continue;
		if (rename(files[i].tmp, files[i].path) < 0) {
			rc = err_set(err, A2R_ERR_WRITE, "rename %s to %s: %s", files[i].tmp,
			             files[i].path, strerror(errno));
			break;
		}
		free(files[i].tmp);
		files[i].tmp = NULL;
		if (!files[i].side)
			installed = 1;
	}
	release_signals(&old);
	return rc;
}

/* install_files - temp files for what changed, then renames in order:
 * the side file (FILES[2], if SIDE) first, then the maps */
static int
install_files(struct pending *files, struct source *srcs, size_t n, const struct mapfile_side *side,
              struct a2r_err *err)
{
	int any = 0;

	for (size_t i = 0; i < n; i++)
		any |= files[i].changed;
	if (side != NULL) {
		files[2].changed = any;
		n = 3;
	}
	for (size_t i = 0; i < n; i++)
		if (files[i].changed && write_temp(&files[i], &srcs[i], err) < 0)
			return -1;
	for (size_t i = 0; i < n; i++)
		if (files[i].changed && finish_temp(&files[i], err) < 0)
			return -1;
	if (!any)
		return 0;
	if (side != NULL && side->before_rename != NULL && side->before_rename(side->ctx, err) < 0)
		return -1;
	/* A side file renamed and the maps not (a stop, a failed rename) names
	 * entries of addresses that are not installed: harmless, where the
	 * other way round an address removed could not be traced. */
	if (side != NULL && rename_all(files + 2, 1, err) < 0)
		return -1;
	if (rename_all(files, n > 2 ? 2 : n, err) < 0)
		return -1;
	return sync_dir(files[0].path, err);
}

/* compare - does P's new content (SRC: the text renderer, or the memory
 * file holding the cdb) differ from the installed file?  Sets P->changed;
 * KNOWN (1 same, 0 not, -1 unknown) spares reading the file again */
static int
compare(struct pending *p, struct source *src, const struct recipset *set, const char *defval,
        char *other, int known, struct a2r_err *err)
{
	int same = known;

	if (same < 0)
		same = src->text != NULL
		           ? same_text(p->path, set, defval, src->buf, other, err)
		           : same_file(p->path, src->fd, src->size, src->buf, other, err);
	if (same < 0)
		return -1;
	p->changed = !same;
	return 0;
}

int
mapfile_install(const char *output, int with_cdb, const struct recipset *set, const char *defval,
                const struct mapfile_known *known, struct mapfile_result *res, struct a2r_err *err)
{
	return mapfile_install_with(output, with_cdb, set, defval, known, NULL, res, err);
}

int
mapfile_install_with(const char *output, int with_cdb, const struct recipset *set,
                     const char *defval, const struct mapfile_known *known,
                     const struct mapfile_side *side, struct mapfile_result *res,
                     struct a2r_err *err)
{
	struct mapfile_known unknown = {-1, -1};
	struct pending files[3] = {{.path = output, .fd = -1},
	                           {.path = NULL, .fd = -1},
	                           {.path = side ? side->path : NULL, .fd = -1, .side = 1}};
	struct render r = {set, defval, strlen(defval), 0, 0};
	struct source srcs[3] = {
	    {.text = &r, .fd = -1}, {.text = NULL, .fd = -1}, {.side = side, .fd = -1}};
	char *bufs = malloc(3 * IOBUF), *cdb_path = NULL;
	size_t n = 1;
	int rc = -1;
	sigset_t old;

	memset(res, 0, sizeof(*res));
	if (bufs == NULL)
		return err_nomem(err);
	hold_signals(&old);
	live = files;
	nlive = 3;
	release_signals(&old);
	srcs[0].buf = bufs;
	srcs[1].buf = bufs + IOBUF;
	if (known == NULL)
		known = &unknown;
	if (compare(&files[0], &srcs[0], set, defval, bufs + 2 * IOBUF, known->text_same, err) < 0)
		goto out;
	if (with_cdb) {
		if ((cdb_path = mapfile_cdb_path(output)) == NULL) {
			err_nomem(err);
			goto out;
		}
		files[1].path = cdb_path;
		n = 2;
		if (files[0].changed || known->cdb_same == 0) {
			/* a new text map takes a new cdb (Postfix warns of a cdb
			 * older than its text), and so does another cdb: build it
			 * in place */
			files[1].changed = 1;
			srcs[1].cdb_of = set;
			srcs[1].defval = defval;
		} else if (known->cdb_same < 0 &&
		           ((srcs[1].fd = mapread_cdb_of(set, defval, &srcs[1].size, err)) < 0 ||
		            compare(&files[1], &srcs[1], set, defval, bufs + 2 * IOBUF, -1, err) <
		                0)) {
			goto out;
		}
	}
	r.next = r.off = 0;
	if (install_files(files, srcs, n, side, err) < 0)
		goto out;
	res->text_changed = files[0].changed;
	res->cdb_changed = files[1].changed;
	rc = 0;
out:
	remove_temps(files, 3);
	hold_signals(&old);
	live = NULL;
	nlive = 0;
	release_signals(&old);
	if (srcs[1].fd >= 0)
		close(srcs[1].fd);
	free(cdb_path);
	free(bufs);
	return rc;
}

int
mapfile_abort(void)
{
	struct pending *files = live;

	for (sig_atomic_t i = 0; files != NULL && i < nlive; i++)
		if (files[i].tmp != NULL)
			unlink(files[i].tmp);
	return installed;
}

/* is_temp_of - NAME is BASE.tmp.XXXXXX, BASE.cdb.tmp.XXXXXX or
 * BASE.origins.tmp.XXXXXX */
static int
is_temp_of(const char *name, const char *base)
{
	size_t blen = strlen(base);

	if (strncmp(name, base, blen) != 0)
		return 0;
	name += blen;
	if (strncmp(name, ".cdb", 4) == 0)
		name += 4;
	else if (strncmp(name, ".origins", 8) == 0)
		name += 8;
	return strncmp(name, ".tmp.", 5) == 0 && strlen(name + 5) == 6;
}

unsigned
mapfile_clean_stale(const char *output)
{
	char *dcopy = strdup(output), *bcopy = strdup(output);
	const char *dir, *base;
	struct dirent *de;
	unsigned removed = 0;
	DIR *d;
	int dfd;

	if (dcopy == NULL || bcopy == NULL || (d = opendir(dir = dirname(dcopy))) == NULL) {
		free(dcopy);
		free(bcopy);
		return 0;
	}
	base = basename(bcopy);
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL)
		if (is_temp_of(de->d_name, base) && unlinkat(dfd, de->d_name, 0) == 0)
			removed++;
	(void)dir;
	closedir(d);
	free(dcopy);
	free(bcopy);
	return removed;
}
