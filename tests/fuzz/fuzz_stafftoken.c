/* Fuzz target: the reply-address parser. The address comes from a mail's
 * recipient headers, so anyone can put any bytes there; what it accepts
 * must have exactly the documented shape and survive a round trip. Input:
 * "gateway\naddress" when it holds a newline (to fuzz the gateway check
 * too), else an address for a fixed gateway. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "lib/stafftoken.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const guint8 key[] = "fuzz key";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *in = g_strndup((const char *)data, size);
	char *nl = strchr(in, '\n');
	const char *gateway = "complaints@shop.example.com", *addr = in;
	if (nl) {
		*nl = '\0';
		gateway = in;
		addr = nl + 1;
	}
	char *ref = NULL, *token = NULL;
	if (stafftoken_parse(addr, gateway, &ref, &token)) {
		size_t rn = strlen(ref);
		if (!stafftoken_addr_ok(gateway) || rn == 0 || rn > 64 ||
		    (strlen(token) != STAFFTOKEN_LEN && strlen(token) != STAFFTOKEN_REPLY_LEN))
			__builtin_trap();
		for (const char *p = ref; *p; p++)
			if (!g_ascii_isalnum(*p) && *p != '-')
				__builtin_trap();
		for (const char *p = token; *p; p++)
			if (!g_ascii_isdigit(*p) && !(*p >= 'a' && *p <= 'f'))
				__builtin_trap();
		/* rebuilt from its parts it is the same address, up to case */
		char *again = stafftoken_address(gateway, ref, token);
		if (again && g_ascii_strcasecmp(again, addr) != 0)
			__builtin_trap();
		g_free(again);
		(void)stafftoken_check(key, sizeof(key) - 1, ref, token);
		/* a token the address carries verifies for nobody unless we made
		 * it; one we make for this ref verifies and comes back */
		int64_t day = -1;
		if (stafftoken_verify(key, sizeof(key) - 1, ref, gateway, token, &day) &&
		    (day < 0 || day > 0xFFFF))
			__builtin_trap();
		char *mine = stafftoken_mint(key, sizeof(key) - 1, ref, addr, 20000);
		if (!mine || !stafftoken_verify(key, sizeof(key) - 1, ref, addr, mine, &day) ||
		    day != 20000 || stafftoken_verify(key, sizeof(key) - 1, ref, gateway, mine, NULL) !=
		    !g_ascii_strcasecmp(gateway, addr))
			__builtin_trap();
		g_free(mine);
	} else if (ref || token) {
		__builtin_trap();  /* failure leaves nothing to free */
	}
	g_free(ref);
	g_free(token);
	(void)stafftoken_check(key, sizeof(key) - 1, addr, addr);
	(void)stafftoken_verify(key, sizeof(key) - 1, addr, addr, addr, NULL);
	g_free(in);
	return 0;
}
