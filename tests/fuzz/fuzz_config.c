/* Fuzz target: the configuration loader (typed keys, line map, durations,
 * sizes) over arbitrary file contents. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <glib.h>

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		g_snprintf(path, sizeof(path), "/tmp/fuzz_config.%d.conf", (int)getpid());
	if (size > 65536)
		return 0;
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg = config_load(path, errors);
	if (cfg) {
		char *dump = config_dump(cfg);
		g_free(dump);
		config_free(&cfg);
	}
	g_ptr_array_unref(errors);
	return 0;
}
