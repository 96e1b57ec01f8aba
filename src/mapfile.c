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

#include <cdb.h>

#include "mapfile.h"

/* One file to install: its final path and the temp file on the way. */
struct pending {
	const char *path;
	char *tmp;   /* mkstemp name while it exists, else NULL */
	int changed; /* content differs from the installed file */
};

int
mapfile_render(const struct recipset *set, const char *defval, struct strbuf *out,
	       struct a2r_err *err)
{
	size_t dlen = strlen(defval);

	for (size_t i = 0; i < recipset_size(set); i++) {
		size_t klen;
		const char *key = recipset_key(set, i, &klen);
		const char *val = recipset_value(set, i);
		size_t vlen = val ? strlen(val) : dlen;

		if (strbuf_reserve(out, klen + vlen + 2) < 0)
			return err_nomem(err);
		memcpy(out->p + out->len, key, klen);
		out->len += klen;
		out->p[out->len++] = ' ';
		memcpy(out->p + out->len, val ? val : defval, vlen);
		out->len += vlen;
		out->p[out->len++] = '\n';
		out->p[out->len] = '\0';
	}
	return 0;
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

/* same_as_file - 1 if PATH holds exactly LEN bytes DATA, 0 if not or
 * missing, -1 on a read error */
static int
same_as_file(const char *path, const void *data, size_t len)
{
	struct stat st;
	void *map;
	int fd, same;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size != len) {
		close(fd);
		return 0;
	}
	if (len == 0) {
		close(fd);
		return 1;
	}
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	same = memcmp(map, data, len) == 0;
	munmap(map, len);
	return same;
}

/* build_cdb - the cdb of SET in an anonymous memory file; *FD and *SIZE */
static int
build_cdb(const struct recipset *set, const char *defval, int *fd, size_t *size,
	  struct a2r_err *err)
{
	struct cdb_make cdbm;
	size_t dlen = strlen(defval);
	off_t end;

	if ((*fd = memfd_create("ad2relay-cdb", MFD_CLOEXEC)) < 0)
		return err_set(err, A2R_ERR_WRITE, "memfd_create: %s", strerror(errno));
	if (cdb_make_start(&cdbm, *fd) < 0)
		goto fail;
	for (size_t i = 0; i < recipset_size(set); i++) {
		size_t klen;
		const char *key = recipset_key(set, i, &klen);
		const char *val = recipset_value(set, i);

		if (cdb_make_add(&cdbm, key, (unsigned)klen, val ? val : defval,
				 (unsigned)(val ? strlen(val) : dlen)) < 0)
			goto fail;
	}
	if (cdb_make_finish(&cdbm) < 0)
		goto fail;
	if ((end = lseek(*fd, 0, SEEK_END)) < 0)
		goto fail;
	*size = (size_t)end;
	return 0;
fail:
	err_set(err, A2R_ERR_WRITE, "build cdb: %s", strerror(errno));
	close(*fd);
	*fd = -1;
	return -1;
}

/* write_all - write LEN bytes, retrying short writes */
static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* write_temp - put DATA into a new temp file beside P->path, fsync it,
 * and give it the mode and owner of the file it will replace */
static int
write_temp(struct pending *p, const char *data, size_t len, struct a2r_err *err)
{
	struct stat st;
	mode_t mode = 0644;
	int fd;

	if (asprintf(&p->tmp, "%s.tmp.XXXXXX", p->path) < 0) {
		p->tmp = NULL;
		return err_nomem(err);
	}
	if ((fd = mkstemp(p->tmp)) < 0) {
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
		if (geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0)
			goto fail;
	}
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	err_set(err, A2R_ERR_WRITE, "write %s: %s", p->tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
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
		if (files[i].tmp != NULL)
			unlink(files[i].tmp);
		free(files[i].tmp);
		files[i].tmp = NULL;
	}
}

/* compare - note whether DATA differs from the installed P->path */
static int
compare(struct pending *p, const void *data, size_t len, struct a2r_err *err)
{
	int same = same_as_file(p->path, data, len);

	if (same < 0)
		return err_set(err, A2R_ERR_WRITE, "read %s: %s", p->path, strerror(errno));
	p->changed = !same;
	return 0;
}

/* install_files - temp files for what changed, then renames in order */
static int
install_files(struct pending *files, size_t n, const void *const *data, const size_t *len,
	      struct a2r_err *err)
{
	int any = 0;

	for (size_t i = 0; i < n; i++)
		if (files[i].changed && write_temp(&files[i], data[i], len[i], err) < 0)
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

int
mapfile_install(const char *output, int with_cdb, const struct recipset *set,
		const char *defval, struct mapfile_result *res, struct a2r_err *err)
{
	struct strbuf text = {0};
	struct pending files[2] = {{.path = output}, {.path = NULL}};
	const void *data[2] = {NULL, NULL};
	size_t len[2] = {0, 0};
	char *cdb_path = NULL;
	void *cdb_map = MAP_FAILED;
	int cdb_fd = -1, rc = -1;
	size_t n = 1;

	memset(res, 0, sizeof(*res));
	if (mapfile_render(set, defval, &text, err) < 0)
		goto out;
	data[0] = text.p ? text.p : "";
	len[0] = text.len;
	if (compare(&files[0], data[0], len[0], err) < 0)
		goto out;
	if (with_cdb) {
		if ((cdb_path = mapfile_cdb_path(output)) == NULL) {
			err_nomem(err);
			goto out;
		}
		files[1].path = cdb_path;
		if (build_cdb(set, defval, &cdb_fd, &len[1], err) < 0)
			goto out;
		cdb_map = mmap(NULL, len[1], PROT_READ, MAP_SHARED, cdb_fd, 0);
		if (cdb_map == MAP_FAILED) {
			err_set(err, A2R_ERR_WRITE, "map cdb: %s", strerror(errno));
			goto out;
		}
		data[1] = cdb_map;
		if (compare(&files[1], data[1], len[1], err) < 0)
			goto out;
		n = 2;
	}
	if (install_files(files, n, data, len, err) < 0)
		goto out;
	res->text_changed = files[0].changed;
	res->cdb_changed = files[1].changed;
	rc = 0;
out:
	remove_temps(files, n);
	if (cdb_map != MAP_FAILED)
		munmap(cdb_map, len[1]);
	if (cdb_fd >= 0)
		close(cdb_fd);
	free(cdb_path);
	strbuf_free(&text);
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
