/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_conf.c - the config file parser (src/conf.c) on arbitrary files
 *
 * The input is the config file.  conf_load() and conf_finish() either
 * accept it or fail with A2R_ERR_CONFIG (or INTERNAL) and a message;
 * whatever they accept is consistent enough for conf_free().
 */
#include "autoconf.h"

#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct a2r_config cfg;
	struct a2r_err err = {0};
	const char *path = input_file(data, size);

	if (conf_init(&cfg, &err) < 0)
		abort();
	if (conf_load(&cfg, path, 0, &err) < 0 || conf_finish(&cfg, &err) < 0) {
		FUZZ_ASSERT(err.code == A2R_ERR_CONFIG || err.code == A2R_ERR_INTERNAL);
		FUZZ_ASSERT(err.msg[0] != '\0');
	} else {
		FUZZ_ASSERT(cfg.relay_domains.n > 0);
		for (size_t i = 0; i < cfg.relay_domains.n; i++)
			FUZZ_ASSERT(strpbrk(cfg.relay_domains.v[i], "\n\r") == NULL);
	}
	conf_free(&cfg);
	return 0;
}
