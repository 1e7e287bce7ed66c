/* fuzz_imapresp - server bytes into the IMAP response parser, in slices
 * chosen by the first input byte. */
#include <stddef.h>
#include <stdint.h>

#include "intake/imapresp.h"

static int on_fetch(const struct imapresp_fetch *f, void *ud)
{
	size_t *sum = ud;
	for (size_t i = 0; f->body && i < f->body_len; i++)
		*sum += (unsigned char)f->body[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0, step;
	if (size < 1)
		return 0;
	step = (size_t)data[0] % 64 + 1;
	struct imapresp *p = imapresp_new(4096, 1024, 2048);
	imapresp_set_fetch_cb(p, on_fetch, &sum);
	for (size_t i = 1; i < size; i += step)
		imapresp_feed(p, (const char *)data + i,
			      size - i < step ? size - i : step);
	(void)imapresp_idle(p);
	(void)imapresp_has_capability(p, "MOVE");
	imapresp_free(&p);
	return 0;
}
