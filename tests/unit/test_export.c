/* SPDX-License-Identifier: BSD-2-Clause */
/* test_export.c - the naming context of a DN (scope = forest) */
#include "autoconf.h"

#include "unit.h"

#include "export.h"

static void
test_nc_of(void **state)
{
	static const struct {
		const char *dn, *nc;
	} rows[] = {
	    {"CN=A,OU=Staff,DC=corp,DC=example,DC=com", "DC=corp,DC=example,DC=com"},
	    {"cn=a,dc=child,dc=corp,dc=example", "dc=child,dc=corp,dc=example"},
	    {"CN=A, DC=corp,DC=example", "DC=corp,DC=example"},
	    {"DC=corp,DC=example", "DC=corp,DC=example"},
	    /* an escaped comma separates nothing: no DC= RDN there */
	    {"CN=Doe\\,DC=evil,OU=Staff,DC=corp,DC=example", "DC=corp,DC=example"},
	    {"CN=Doe\\\\,DC=real,DC=example", "DC=real,DC=example"},
	    {"CN=DC=x,DC=corp", "DC=corp"},
	    {"CN=ADC=x,DC=corp", "DC=corp"},
	    {"CN=A,OU=B", ""},
	    {"", ""},
	    {"CN=trailing\\", ""},
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++)
		assert_string_equal(export_nc_of(rows[i].dn), rows[i].nc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nc_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
