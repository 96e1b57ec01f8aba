/* SPDX-License-Identifier: BSD-2-Clause */
/* recipset.h - the set of recipient keys that becomes the map
 *
 * Call order: recipset_new(), recipset_add() for every folded key,
 * recipset_sort() once (it drops duplicates), then read entries by index
 * with recipset_key()/recipset_value() in byte order.  After a
 * failed attempt recipset_reset() empties the set for the next one.
 * recipset_free() releases everything.  Strings returned point into the
 * set and live until reset or free.
 */
#ifndef A2R_RECIPSET_H
#define A2R_RECIPSET_H

#include <stddef.h>

struct recipset;

/* recipset_new - an empty set, or NULL when out of memory */
struct recipset *recipset_new(void);

/* recipset_add - add KEY (LEN bytes, no NUL inside).  VALUE is the map
 * value for this key, or NULL for the configured default; of a key added
 * more than once, the last non-NULL value counts.  Returns 0, or -1 when
 * out of memory.  Not allowed after recipset_sort(). */
int recipset_add(struct recipset *s, const char *key, size_t len, const char *value);

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
