/* SPDX-License-Identifier: BSD-2-Clause */
/* entry.h - one directory entry as every source hands it out
 *
 * Sources (ldif_source, search) yield entries one at a time through a
 * three-state call: ENTRY_NEXT (an entry is filled in), ENTRY_DONE (no more
 * entries) or ENTRY_FAIL (the error record says why).  The entry and
 * everything it points to belong to the source and stay valid only until
 * the source's next call.
 */
#ifndef A2R_ENTRY_H
#define A2R_ENTRY_H

#include <stddef.h>

#include <lber.h>

enum entry_state { ENTRY_FAIL = -1, ENTRY_DONE = 0, ENTRY_NEXT = 1 };

struct a2r_attr {
	const char *name;     /* attribute description as the source gave it, */
	size_t namelen;       /* not necessarily NUL-terminated */
	struct berval **vals; /* NULL-terminated */
};

struct a2r_entry {
	const char *dn;
	struct a2r_attr *attrs;
	size_t nattrs;
};

#endif
