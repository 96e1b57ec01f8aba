/* extract.c - attribute values to candidate addresses */
#include "autoconf.h"

#include <string.h>
#include <strings.h>

#include "extract.h"

/* Attributes whose values carry an Exchange address-type prefix. */
static const char *const typed_attrs[] = {"proxyAddresses", "targetAddress", NULL};

/* extract_is_typed - does NAME hold "TYPE:value" strings? */
int
extract_is_typed(const char *name)
{
	for (size_t i = 0; typed_attrs[i] != NULL; i++)
		if (strcasecmp(name, typed_attrs[i]) == 0)
			return 1;
	return 0;
}

/* extract_value - classify one value */
enum extract_kind
extract_value(const char *name, const char *val, size_t len, const char **addr,
	      size_t *addrlen)
{
	return extract_typed(extract_is_typed(name), val, len, addr, addrlen);
}

/* extract_typed - classify one value of a known kind of attribute */
enum extract_kind
extract_typed(int typed, const char *val, size_t len, const char **addr, size_t *addrlen)
{
	const char *colon;

	if (!typed) {
		*addr = val;
		*addrlen = len;
		return EXTRACT_ADDRESS;
	}
	colon = memchr(val, ':', len);
	if (colon == NULL || colon == val) {
		*addr = val;
		*addrlen = len;
		return EXTRACT_NOTYPE;
	}
	if (colon - val == 4 && strncasecmp(val, "smtp", 4) == 0) {
		*addr = colon + 1;
		*addrlen = len - 5;
		return EXTRACT_ADDRESS;
	}
	*addr = val;
	*addrlen = (size_t)(colon - val);
	return EXTRACT_OTHER;
}
