/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz.h - what the libFuzzer harnesses share
 *
 * The sources under test read files by path, so input_file() writes each
 * input to one private file (mode 0600, in a directory made under $TMPDIR
 * on first use, removed at exit) and returns its path.  A harness that
 * finds a broken invariant calls FUZZ_ASSERT, which prints the condition
 * and aborts: libFuzzer then saves the input as a crash.
 */
#ifndef A2R_FUZZ_H
#define A2R_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static char fuzz_dir[4096];
static char fuzz_paths[4][4200]; /* files made under it, to remove at exit */

static inline void
fuzz_cleanup(void)
{
	for (size_t i = 0; i < sizeof(fuzz_paths) / sizeof(fuzz_paths[0]); i++)
		if (fuzz_paths[i][0] != '\0')
			unlink(fuzz_paths[i]);
	if (fuzz_dir[0] != '\0')
		rmdir(fuzz_dir);
}

/* write_file - DATA into PATH (created 0600, truncated); aborts on error */
static inline void
write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		perror(path);
		abort();
	}
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		if (n <= 0) {
			perror(path);
			abort();
		}
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

/* fuzz_tmpdir - the private directory (made on first call) */
static inline const char *
fuzz_tmpdir(void)
{
	if (fuzz_dir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");

		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/a2r-fuzz.XXXXXX",
		         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(fuzz_dir) == NULL) {
			perror(fuzz_dir);
			abort();
		}
		atexit(fuzz_cleanup);
	}
	return fuzz_dir;
}

/* input_named - DATA as the content of file number SLOT (0-3) of the
 * private directory, named NAME; returns its path */
static inline const char *
input_named(unsigned slot, const char *name, const uint8_t *data, size_t size)
{
	if (fuzz_paths[slot][0] == '\0')
		snprintf(fuzz_paths[slot], sizeof(fuzz_paths[slot]), "%s/%s", fuzz_tmpdir(), name);
	write_file(fuzz_paths[slot], data, size);
	return fuzz_paths[slot];
}

/* input_file - DATA as the content of the harness's input file */
static inline const char *
input_file(const uint8_t *data, size_t size)
{
	return input_named(0, "input", data, size);
}

#endif
