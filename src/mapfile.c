/* SPDX-License-Identifier: BSD-2-Clause */
/* mapfile.c - text and cdb maps, compared and atomically installed */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include "cdbmake.h"
#include "mapfile.h"
#include "util.h"

#define IOBUF (64 * 1024)

/* One file to install: its final path and the temp file on the way. */
struct pending {
	const char *path;
	char *tmp;   /* mkstemp name while it exists, else NULL */
	int fd;      /* open temp file, else -1 */
	int changed; /* content differs from the installed file */
};

/* The text map is produced in pieces, never as a whole in memory. */
struct render {
	const struct recipset *set;
	const char *defval;
	size_t dlen;
	size_t next; /* next key to render */
};

/* render_some - fill BUF (of SIZE >= one line) with whole lines; returns
 * the bytes written, 0 at the end */
static size_t
render_some(struct render *r, char *buf, size_t size)
{
	size_t used = 0, n = recipset_size(r->set);

	while (r->next < n) {
		size_t klen;
		const char *key = recipset_key(r->set, r->next, &klen);
		const char *val = recipset_value(r->set, r->next);
		size_t vlen = val ? strlen(val) : r->dlen;

		if (used + klen + vlen + 2 > size)
			break;
		memcpy(buf + used, key, klen);
		used += klen;
		buf[used++] = ' ';
		memcpy(buf + used, val ? val : r->defval, vlen);
		used += vlen;
		buf[used++] = '\n';
		r->next++;
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

char *
mapfile_cdb_path(const char *output)
{
	size_t len = strlen(output);
	char *p = malloc(len + 5);

	if (p != NULL) {
		memcpy(p, output, len);
		memcpy(p + len, ".cdb", 5);
	}
	return p;
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

/* open_installed - the installed file PATH if it is a regular file of
 * exactly SIZE bytes: its descriptor; -2 if it differs in kind or size
 * (or is missing), -1 on a read error */
static int
open_installed(const char *path, off_t size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? -2 : -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != size) {
		close(fd);
		return -2;
	}
	return fd;
}

/* same_text - does the installed text map hold exactly what SET renders?
 * 1 yes, 0 no, -1 read error */
static int
same_text(const char *path, const struct recipset *set, const char *defval, char *a, char *b)
{
	struct render r = {set, defval, strlen(defval), 0};
	off_t off = 0;
	int fd = open_installed(path, text_size(set, defval)), same = 1;
	size_t n;

	if (fd < 0)
		return fd == -2 ? 0 : -1;
	while (same && (n = render_some(&r, a, IOBUF)) > 0) {
		ssize_t got = read_full(fd, b, n, off);

		if (got < 0) {
			close(fd);
			return -1;
		}
		same = (size_t)got == n && memcmp(a, b, n) == 0;
		off += (off_t)n;
	}
	close(fd);
	return same;
}

int
mapfile_same_text(const char *path, const struct recipset *set, const char *defval)
{
	char *a = malloc(IOBUF), *b = malloc(IOBUF);
	int rc = -1;

	if (a != NULL && b != NULL)
		rc = same_text(path, set, defval, a, b);
	else
		errno = ENOMEM;
	free(a);
	free(b);
	return rc;
}

/* same_file - does installed PATH hold exactly the SIZE bytes of FD? */
static int
same_file(const char *path, int fd, off_t size, char *a, char *b)
{
	int old = open_installed(path, size), same = 1;

	if (old < 0)
		return old == -2 ? 0 : -1;
	for (off_t off = 0; same && off < size; off += IOBUF) {
		size_t want = size - off < IOBUF ? (size_t)(size - off) : IOBUF;
		ssize_t x = read_full(fd, a, want, off), y = read_full(old, b, want, off);

		if (x < 0 || y < 0) {
			close(old);
			return -1;
		}
		same = x == y && memcmp(a, b, (size_t)x) == 0;
	}
	close(old);
	return same;
}

/* cdb_into - write the cdb of SET to FD (at its start); 0 or -1 (errno) */
static int
cdb_into(int fd, const struct recipset *set, const char *defval)
{
	return cdbmake_write(fd, set, defval);
}

/* build_cdb - the cdb of SET in an anonymous memory file (never mapped
 * into our memory), to compare with the installed one; *FD and *SIZE */
static int
build_cdb(const struct recipset *set, const char *defval, int *fd, off_t *size,
	  struct a2r_err *err)
{
	if ((*fd = memfd_create("ad2relay-cdb", MFD_CLOEXEC)) < 0)
		return err_set(err, A2R_ERR_WRITE, "memfd_create: %s", strerror(errno));
	if (cdb_into(*fd, set, defval) < 0 || (*size = lseek(*fd, 0, SEEK_END)) < 0) {
		err_set(err, A2R_ERR_WRITE, "build cdb: %s", strerror(errno));
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

/* Where a temp file's content comes from: the renderer, a file, or (when
 * the text map changed, so the cdb must too) the cdb built in place. */
struct source {
	struct render *text; /* or */
	int fd;
	off_t size;
	const struct recipset *cdb_of; /* or */
	const char *defval;
	char *buf;
};

/* fill - copy the content of SRC into FD */
static int
fill(int fd, struct source *src)
{
	size_t n;

	if (src->cdb_of != NULL)
		return cdb_into(fd, src->cdb_of, src->defval);
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

/* write_temp - put SRC into a new temp file beside P->path with the mode
 * and owner of the file it will replace, and start writing it out; the
 * file stays open for finish_temp() */
static int
write_temp(struct pending *p, struct source *src, struct a2r_err *err)
{
	struct stat st;
	mode_t mode = 0644;

	if (asprintf(&p->tmp, "%s.tmp.XXXXXX", p->path) < 0) {
		p->tmp = NULL;
		return err_nomem(err);
	}
	if ((p->fd = mkstemp(p->tmp)) < 0) {
		int e = errno;
		char *dir = dirname(p->tmp);

		err_set(err, A2R_ERR_WRITE, "create a temp file in %s: %s", dir, strerror(e));
		free(p->tmp);
		p->tmp = NULL;
		return -1;
	}
	if (stat(p->path, &st) == 0) {
		mode = st.st_mode & 07777;
		/* Keep a group owner such as postfix; only root can do this. */
		if (geteuid() == 0 && fchown(p->fd, st.st_uid, st.st_gid) < 0)
			goto fail;
	}
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
	for (size_t i = 0; i < n; i++) {
		if (files[i].fd >= 0)
			close(files[i].fd);
		files[i].fd = -1;
		if (files[i].tmp != NULL)
			unlink(files[i].tmp);
		free(files[i].tmp);
		files[i].tmp = NULL;
	}
}

/* install_files - temp files for what changed, then renames in order */
static int
install_files(struct pending *files, struct source *srcs, size_t n, struct a2r_err *err)
{
	int any = 0;

	for (size_t i = 0; i < n; i++)
		if (files[i].changed && write_temp(&files[i], &srcs[i], err) < 0)
			return -1;
	for (size_t i = 0; i < n; i++)
		if (files[i].changed && finish_temp(&files[i], err) < 0)
			return -1;
	/* Text map first: Postfix warns when it is newer than the cdb. */
	for (size_t i = 0; i < n; i++) {
		if (!files[i].changed)
			continue;
		if (rename(files[i].tmp, files[i].path) < 0)
			return err_set(err, A2R_ERR_WRITE, "rename %s to %s: %s", files[i].tmp,
				       files[i].path, strerror(errno));
		free(files[i].tmp);
		files[i].tmp = NULL;
		any = 1;
	}
	return any ? sync_dir(files[0].path, err) : 0;
}

/* compare - does P's new content (SRC: the text renderer, or the memory
 * file holding the cdb) differ from the installed file?  Sets P->changed */
static int
compare(struct pending *p, struct source *src, const struct recipset *set, const char *defval,
	char *other, struct a2r_err *err)
{
	int same = src->text != NULL ? same_text(p->path, set, defval, src->buf, other)
				     : same_file(p->path, src->fd, src->size, src->buf, other);

	if (same < 0)
		return err_set(err, A2R_ERR_WRITE, "read %s: %s", p->path, strerror(errno));
	p->changed = !same;
	return 0;
}

int
mapfile_install(const char *output, int with_cdb, const struct recipset *set,
		const char *defval, struct mapfile_result *res, struct a2r_err *err)
{
	struct pending files[2] = {{.path = output, .fd = -1}, {.path = NULL, .fd = -1}};
	struct render r = {set, defval, strlen(defval), 0};
	struct source srcs[2] = {{.text = &r, .fd = -1}, {.text = NULL, .fd = -1}};
	char *bufs = malloc(3 * IOBUF), *cdb_path = NULL;
	size_t n = 1;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (bufs == NULL)
		return err_nomem(err);
	srcs[0].buf = bufs;
	srcs[1].buf = bufs + IOBUF;
	if (compare(&files[0], &srcs[0], set, defval, bufs + 2 * IOBUF, err) < 0)
		goto out;
	if (with_cdb) {
		if ((cdb_path = mapfile_cdb_path(output)) == NULL) {
			err_nomem(err);
			goto out;
		}
		files[1].path = cdb_path;
		n = 2;
		if (files[0].changed) {
			/* other records, so another cdb: build it in place */
			files[1].changed = 1;
			srcs[1].cdb_of = set;
			srcs[1].defval = defval;
		} else if (build_cdb(set, defval, &srcs[1].fd, &srcs[1].size, err) < 0 ||
			   compare(&files[1], &srcs[1], set, defval, bufs + 2 * IOBUF, err) < 0) {
			goto out;
		}
	}
	r.next = 0;
	if (install_files(files, srcs, n, err) < 0)
		goto out;
	res->text_changed = files[0].changed;
	res->cdb_changed = files[1].changed;
	rc = 0;
out:
	remove_temps(files, n);
	if (srcs[1].fd >= 0)
		close(srcs[1].fd);
	free(cdb_path);
	free(bufs);
	return rc;
}

/* is_temp_of - NAME is BASE.tmp.XXXXXX or BASE.cdb.tmp.XXXXXX */
static int
is_temp_of(const char *name, const char *base)
{
	size_t blen = strlen(base);

	if (strncmp(name, base, blen) != 0)
		return 0;
	name += blen;
	if (strncmp(name, ".cdb", 4) == 0)
		name += 4;
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
