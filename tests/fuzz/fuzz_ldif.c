/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_ldif.c - the LDIF source (src/ldif_source.c) on arbitrary files
 *
 * The input is the LDIF file.  Every entry the source hands out must be
 * whole: a DN, attribute names of the given length, NULL-terminated value
 * lists; the source must end with ENTRY_DONE or ENTRY_FAIL and an error
 * message, never crash or leak.
 */
#include "autoconf.h"

#include "fuzz.h"
#include "ldif_source.h"

static void
touch_entry(const struct a2r_entry *e)
{
	size_t sum = 0;

	FUZZ_ASSERT(e->dn != NULL);
	sum += strlen(e->dn);
	FUZZ_ASSERT(e->nattrs == 0 || e->attrs != NULL);
	for (size_t i = 0; i < e->nattrs; i++) {
		const struct a2r_attr *a = &e->attrs[i];

		FUZZ_ASSERT(a->name != NULL);
		sum += (unsigned char)a->name[a->namelen > 0 ? a->namelen - 1 : 0];
		for (size_t j = 0; a->vals != NULL && a->vals[j] != NULL; j++) {
			const struct berval *bv = a->vals[j];

			FUZZ_ASSERT(bv->bv_len == 0 || bv->bv_val != NULL);
			if (bv->bv_len > 0)
				sum += (unsigned char)bv->bv_val[bv->bv_len - 1];
		}
	}
	/* keep the reads */
	__asm__ volatile("" : : "r"(sum));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct a2r_err err = {0};
	struct ldif_source *src;
	enum entry_state st;
	unsigned long n = 0;

	if ((src = ldif_source_open(input_file(data, size), &err)) == NULL)
		abort(); /* our own file: opening it must work */
	do {
		struct a2r_entry e = {0};

		st = ldif_source_next(src, &e, &err);
		if (st == ENTRY_NEXT)
			touch_entry(&e);
		FUZZ_ASSERT(++n < 1000000);
	} while (st == ENTRY_NEXT);
	if (st == ENTRY_FAIL)
		FUZZ_ASSERT(err.msg[0] != '\0');
	ldif_source_close(src);
	return 0;
}
