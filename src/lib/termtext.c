/* termtext - customer text laid out for a terminal or a fixed-width mail:
 * columns counted as a terminal shows them, cuts that end in an ellipsis,
 * controls defused. See termtext.h. */
#include "lib/termtext.h"

/* next_char - decode the character at *p and step past it: *shown is what
 * to print (the character itself, or '?' for an invalid byte and for
 * controls that would steer the terminal rather than show: C0, DEL, C1
 * and the bidirectional overrides that reorder a line), *cols its width. */
static void next_char(const char **p, gunichar *shown, unsigned *cols)
{
	gunichar c = g_utf8_get_char_validated(*p, -1);
	if (c == (gunichar)-1 || c == (gunichar)-2) {
		(*p)++;
		*shown = '?';
		*cols = 1;
		return;
	}
	*p = g_utf8_next_char(*p);
	if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069)) {
		*shown = '?';
		*cols = 1;
	} else {
		*shown = c;
		*cols = g_unichar_iszerowidth(c) ? 0 : g_unichar_iswide(c) ? 2 : 1;
	}
}

unsigned termtext_width(const char *s)
{
	unsigned w = 0, cols;
	gunichar c;
	for (const char *p = s ? s : ""; *p;) {
		next_char(&p, &c, &cols);
		w += cols;
	}
	return w;
}

unsigned termtext_cut(GString *out, const char *s, unsigned width)
{
	if (!s || !width)
		return 0;
	/* a cut keeps one column for the ellipsis */
	unsigned room = termtext_width(s) <= width ? width : width - 1;
	unsigned used = 0, cols;
	gunichar c;
	const char *p = s;
	while (*p) {
		const char *at = p;
		next_char(&p, &c, &cols);
		if (used + cols > room) {
			p = at;
			break;
		}
		g_string_append_unichar(out, c);
		used += cols;
	}
	if (*p) {
		g_string_append(out, "…");
		used++;
	}
	return used;
}
