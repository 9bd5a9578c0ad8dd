/* Hypervisor command line parsing: see palisade/cmdline.h. */
#include <string.h>
#include "palisade/cmdline.h"
#include "palisade/format.h"

static const struct {
	const char *value;
	enum selftest_mode mode;
} selftest_values[] = {
	{ "0", SELFTEST_OFF },
	{ "1", SELFTEST_RUN },
	{ "fault-data", SELFTEST_FAULT_DATA },
	{ "fault-undef", SELFTEST_FAULT_UNDEF },
	{ "hang", SELFTEST_HANG },
};

static bool word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

/* A 0x-prefixed hexadecimal or a decimal number, the whole word, no overflow. */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
			return false;
	}
	*out = v;
	return true;
}

int cmdline_parse(const char *cmdline, struct hyp_options *opts, char *err, size_t err_size)
{
	static const char prefix[] = "palisade.";
	struct hyp_options o = { .selftest = SELFTEST_OFF, .manifest = 0 };
	const char *p = cmdline ? cmdline : "";

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t n = (size_t)(p - w);

		if (n < sizeof(prefix) - 1 || memcmp(w, prefix, sizeof(prefix) - 1) != 0)
			continue;
		const char *key = w + sizeof(prefix) - 1;
		const char *eq = memchr(key, '=', n - (sizeof(prefix) - 1));
		if (!eq) {
			fmt_snprintf(err, err_size, "option '%.*s' has no '='", (int)n, w);
			return -1;
		}
		const char *val = eq + 1;
		size_t vlen = (size_t)(p - val);

		if (word_is(key, (size_t)(eq - key), "selftest")) {
			size_t i;

			for (i = 0; i < sizeof(selftest_values) / sizeof(selftest_values[0]); i++)
				if (word_is(val, vlen, selftest_values[i].value))
					break;
			if (i == sizeof(selftest_values) / sizeof(selftest_values[0])) {
				fmt_snprintf(err, err_size, "palisade.selftest: unknown value '%.*s'",
					     (int)vlen, val);
				return -1;
			}
			o.selftest = selftest_values[i].mode;
		} else if (word_is(key, (size_t)(eq - key), "manifest")) {
			if (!parse_u64(val, vlen, &o.manifest) || o.manifest == 0 || (o.manifest & 7)) {
				fmt_snprintf(err, err_size,
					     "palisade.manifest: '%.*s' is not a non-zero 8-byte aligned address",
					     (int)vlen, val);
				return -1;
			}
		} else {
			fmt_snprintf(err, err_size, "unknown option '%.*s'", (int)(eq - w), w);
			return -1;
		}
	}
	*opts = o;
	return 0;
}
