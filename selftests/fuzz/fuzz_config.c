// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: xmeshd's configuration file (xmeshd/config.c over
 * libinih): any text must be accepted or refused with a message, never
 * overflow a field.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xmd_config cfg;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	log_init(LOG_LVL_ERR - 1, NULL); /* quiet */
	config_defaults(&cfg);
	config_load_string(&cfg, text, "fuzz");
	if (cfg.n_seeds > XMD_MAX_SEEDS || cfg.n_services > XMD_MAX_SERVICES ||
	    cfg.n_links > XMD_MAX_LINKS || memchr(cfg.state_dir, 0, sizeof(cfg.state_dir)) == NULL)
		abort();
	free(text);
	return 0;
}
