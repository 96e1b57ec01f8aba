/* SPDX-License-Identifier: BSD-2-Clause */
/* cdbmake.c - write a recipient set as a cdb file (see cdbmake.h) */
#include "autoconf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdbmake.h"
#include "util.h"

#define HEADER 2048
#define OUTBUF (256 * 1024)

/* a hash table slot: the key's hash and where its record starts */
struct slot {
	uint32_t hash;
	uint32_t pos;
};

struct out {
	int fd;
	char *buf;
	size_t used;
	uint64_t pos; /* file offset of buf[used] */
};

/* cdb_hash - the cdb hash: h = 5381, then h = h * 33 ^ byte */
static uint32_t
cdb_hash(const char *p, size_t len)
{
	uint32_t h = 5381;

	for (size_t i = 0; i < len; i++)
		h = (h + (h << 5)) ^ (unsigned char)p[i];
	return h;
}

static void
pack(char *p, uint32_t v)
{
	p[0] = (char)(v & 0xff);
	p[1] = (char)(v >> 8 & 0xff);
	p[2] = (char)(v >> 16 & 0xff);
	p[3] = (char)(v >> 24);
}

static int
flush(struct out *o)
{
	if (write_all(o->fd, o->buf, o->used) < 0)
		return -1;
	o->used = 0;
	return 0;
}

/* reserve - room for LEN bytes (at most OUTBUF) at the end of the output,
 * flushed first if need be; NULL with errno set on an error, EFBIG where
 * the file would reach 4 GiB */
static char *
reserve(struct out *o, size_t len)
{
	char *p;

	if (o->pos + len > UINT32_MAX) {
		errno = EFBIG;
		return NULL;
	}
	if (o->used + len > OUTBUF && flush(o) < 0)
		return NULL;
	p = o->buf + o->used;
	o->used += len;
	o->pos += len;
	return p;
}

/* put - append LEN bytes, however many, through reserve() */
static int
put(struct out *o, const void *p, size_t len)
{
	while (len > 0) {
		size_t n = len < OUTBUF ? len : OUTBUF;
		char *dst = reserve(o, n);

		if (dst == NULL)
			return -1;
		memcpy(dst, p, n);
		p = (const char *)p + n;
		len -= n;
	}
	return 0;
}

/* write_tables - the 256 hash tables from the slots grouped by table
 * (START[t] .. START[t + 1], in record order); fills HEADER */
static int
write_tables(struct out *o, const struct slot *grouped, const size_t *start, char *header)
{
	size_t most = 0;
	struct slot *tab;
	int rc = 0;

	for (unsigned t = 0; t < 256; t++)
		if (start[t + 1] - start[t] > most)
			most = start[t + 1] - start[t];
	if ((tab = malloc(2 * most * sizeof(*tab) + sizeof(*tab))) == NULL)
		return -1;
	for (unsigned t = 0; t < 256 && rc == 0; t++) {
		size_t n = start[t + 1] - start[t], len = 2 * n;

		pack(header + 8 * t, (uint32_t)o->pos);
		pack(header + 8 * t + 4, (uint32_t)len);
		memset(tab, 0, len * sizeof(*tab));
		for (size_t i = start[t]; i < start[t + 1]; i++) {
			size_t k = (grouped[i].hash >> 8) % len;

			while (tab[k].pos != 0)
				if (++k == len)
					k = 0;
			tab[k] = grouped[i];
		}
		for (size_t k = 0; k < len && rc == 0; k++) {
			char *p = reserve(o, 8);

			if (p == NULL) {
				rc = -1;
				break;
			}
			pack(p, tab[k].hash);
			pack(p + 4, tab[k].pos);
		}
	}
	free(tab);
	return rc;
}

int
cdbmake_write(int fd, const struct recipset *set, const char *defval)
{
	size_t n = recipset_size(set), dlen = strlen(defval);
	size_t start[257] = {0};
	struct out o = {.fd = fd};
	struct slot *slots = NULL, *grouped = NULL;
	char header[HEADER];
	int rc = -1, e;

	if ((slots = malloc(n * sizeof(*slots) + 1)) == NULL || (o.buf = malloc(OUTBUF)) == NULL)
		goto out;
	/* The records, in one pass over the keys: each one's hash and
	 * position noted, and counted for its table. */
	memset(header, 0, sizeof(header));
	if (put(&o, header, sizeof(header)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t klen;
		const char *key = recipset_key(set, i, &klen);
		const char *val = recipset_value(set, i);
		size_t vlen = val ? strlen(val) : dlen;
		uint32_t h = cdb_hash(key, klen);
		char *p;

		slots[i] = (struct slot){h, (uint32_t)o.pos};
		start[(h & 0xff) + 1]++;
		if (8 + klen + vlen <= OUTBUF) {
			if ((p = reserve(&o, 8 + klen + vlen)) == NULL)
				goto out;
			pack(p, (uint32_t)klen);
			pack(p + 4, (uint32_t)vlen);
			memcpy(p + 8, key, klen);
			memcpy(p + 8 + klen, val ? val : defval, vlen);
		} else {
			/* a record longer than the buffer */
			char lens[8];

			pack(lens, (uint32_t)klen);
			pack(lens + 4, (uint32_t)vlen);
			if (put(&o, lens, 8) < 0 || put(&o, key, klen) < 0 ||
			    put(&o, val ? val : defval, vlen) < 0)
				goto out;
		}
	}
	/* The slots grouped by table, in record order within each. */
	for (unsigned t = 0; t < 256; t++)
		start[t + 1] += start[t];
	if ((grouped = malloc(n * sizeof(*grouped) + 1)) == NULL)
		goto out;
	{
		size_t next[256];

		memcpy(next, start, sizeof(next));
		for (size_t i = 0; i < n; i++)
			grouped[next[slots[i].hash & 0xff]++] = slots[i];
	}
	free(slots);
	slots = NULL;
	if (write_tables(&o, grouped, start, header) < 0 || flush(&o) < 0)
		goto out;
	/* The header last, where the first put() left room for it. */
	for (size_t done = 0; done < sizeof(header);) {
		ssize_t w = pwrite(fd, header + done, sizeof(header) - done, (off_t)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			goto out;
		}
		done += (size_t)w;
	}
	rc = 0;
out:
	e = errno;
	free(slots);
	free(grouped);
	free(o.buf);
	errno = e;
	return rc;
}
