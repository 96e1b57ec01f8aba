/* SPDX-License-Identifier: BSD-2-Clause */
/* recipset.h - the set of recipient keys that becomes the map
 *
 * Call order: recipset_new(), recipset_add() for every folded key,
 * recipset_sort() once (it drops duplicates), then read entries by index
 * with recipset_key()/recipset_value() in byte order.  After a
 * failed attempt recipset_reset() empties the set for the next one.
 * recipset_free() releases everything.  Strings returned point into the
 * set and live until reset or free.
 *
 * Origins (for the audit trail): recipset_from() before the keys of one
 * entry names where they come from (a DN, or "FILE:LINE" of the static
 * file); recipset_origin() gives it back for a key after sorting.  A key
 * added more than once keeps the origin of its first add.  An origin is
 * stored only when a key of it is, once per entry (its last RDN in the
 * arena, the rest of the DN shared with every entry under the same
 * parent), so a set that never calls recipset_from() pays nothing.
 */
#ifndef A2R_RECIPSET_H
#define A2R_RECIPSET_H

#include <stddef.h>

#include "util.h"

struct recipset;

/* recipset_new - an empty set, or NULL when out of memory */
struct recipset *recipset_new(void);

/* recipset_add - add KEY (LEN bytes, no NUL inside).  VALUE is the map
 * value for this key, or NULL for the configured default; of a key added
 * more than once, the last non-NULL value counts.  Returns 0, or -1 when
 * out of memory.  Not allowed after recipset_sort(). */
int recipset_add(struct recipset *s, const char *key, size_t len, const char *value);

/* recipset_from - keys added from now on come from ORIGIN (a
 * NUL-terminated DN or "FILE:LINE"), until the next call.  The set keeps
 * the pointer until the next new key copies it (or until the next
 * recipset_from()): ORIGIN must live that long.  Not allowed after
 * recipset_sort() (ignored). */
void recipset_from(struct recipset *s, const char *origin);

/* recipset_origin - where key number I (after sorting) came from, into
 * OUT (replacing its contents): 1, 0 when not known (added before any
 * recipset_from()), -1 when out of memory */
int recipset_origin(const struct recipset *s, size_t i, struct strbuf *out);

/* recipset_find - the number of KEY after sorting in *I: 1, or 0 when
 * the set does not hold it (or is not sorted) */
int recipset_find(const struct recipset *s, const char *key, size_t len, size_t *i);

/* recipset_contains - 1 if KEY is in the set (before or after sorting) */
int recipset_contains(const struct recipset *s, const char *key, size_t len);

/* recipset_sort - put the keys in byte order, each once; -1 when out of
 * memory (the set is then unchanged) */
int recipset_sort(struct recipset *s);

/* recipset_size - the number of keys (before sorting: of adds, less the
 * repeats recipset_add() caught at once) */
size_t recipset_size(const struct recipset *s);

/* recipset_key - key number I in sort order; *LEN gets its length */
const char *recipset_key(const struct recipset *s, size_t i, size_t *len);

/* recipset_value - value of key number I, NULL for the default */
const char *recipset_value(const struct recipset *s, size_t i);

/* recipset_reset - remove every key, keep the set usable */
void recipset_reset(struct recipset *s);

void recipset_free(struct recipset *s);

#endif
