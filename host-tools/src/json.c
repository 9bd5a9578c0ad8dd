/* Minimal JSON writer and strict reader: see json.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "hex.h"
#include "json.h"

/* ---- writer ---- */

void jw_init(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

static void indent(struct json_writer *w)
{
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Before any value or key: a comma and a new line, unless the value follows its key. */
static void before_item(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->has_items[w->depth])
		fputc(',', w->f);
	w->has_items[w->depth] = true;
	indent(w);
}

static void open_(struct json_writer *w, char c)
{
	before_item(w);
	fputc(c, w->f);
	if (w->depth < JSON_MAX_DEPTH)
		w->depth++;
	w->has_items[w->depth] = false;
}

static void close_(struct json_writer *w, char c)
{
	bool items = w->has_items[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (items)
		indent(w);
	fputc(c, w->f);
}

void jw_object(struct json_writer *w) { open_(w, '{'); }
void jw_object_end(struct json_writer *w) { close_(w, '}'); }
void jw_array(struct json_writer *w) { open_(w, '['); }
void jw_array_end(struct json_writer *w) { close_(w, ']'); }

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void jw_key(struct json_writer *w, const char *key)
{
	before_item(w);
	put_string(w->f, key);
	fputs(": ", w->f);
	w->after_key = true;
}

void jw_string(struct json_writer *w, const char *s)
{
	before_item(w);
	put_string(w->f, s);
}

void jw_hex(struct json_writer *w, const uint8_t *data, size_t n)
{
	before_item(w);
	fputc('"', w->f);
	for (size_t i = 0; i < n; i++)
		fprintf(w->f, "%02x", data[i]);
	fputc('"', w->f);
}

void jw_hex64(struct json_writer *w, uint64_t v)
{
	before_item(w);
	fprintf(w->f, "\"0x%llx\"", (unsigned long long)v);
}

void jw_uint(struct json_writer *w, uint64_t v)
{
	before_item(w);
	fprintf(w->f, "%llu", (unsigned long long)v);
}

void jw_bool(struct json_writer *w, bool v)
{
	before_item(w);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct json_writer *w)
{
	before_item(w);
	fputs("null", w->f);
}

void jw_finish(struct json_writer *w)
{
	fputc('\n', w->f);
}

/* ---- reader: recursive descent, depth-limited ---- */

struct parser {
	const char *s;
	size_t len, pos;
	char *err;
	size_t err_size;
	bool failed;
};

static void perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(struct parser *p, const char *fmt, ...)
{
	size_t line = 1, col = 1;
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = true;
	for (size_t i = 0; i < p->pos && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	n = snprintf(p->err, p->err_size, "line %zu, column %zu: ", line, col);
	if (n < 0 || (size_t)n >= p->err_size)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static int peek(struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static bool literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return false;
	p->pos += n;
	return true;
}

static int hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos + i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	p->pos += 4;
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need;
}

/* At the opening quote; returns a fresh NUL-terminated string. */
static char *parse_string(struct parser *p)
{
	size_t start = ++p->pos, cap = 0;
	char *out, *o;

	/* The decoded form is never longer than the source. */
	while (p->pos < p->len && p->s[p->pos] != '"') {
		if (p->s[p->pos] == '\\')
			p->pos++;
		p->pos++;
	}
	if (p->pos >= p->len) {
		perr(p, "unterminated string");
		return NULL;
	}
	cap = p->pos - start + 1;
	p->pos = start;
	out = o = malloc(cap);
	if (!out) {
		perr(p, "out of memory");
		return NULL;
	}
	for (;;) {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			perr(p, "control character 0x%02x in a string", c);
			goto bad;
		}
		if (c != '\\') {
			size_t n = utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos);

			if (!n) {
				perr(p, "invalid UTF-8 in a string");
				goto bad;
			}
			memcpy(o, p->s + p->pos, n);
			o += n;
			p->pos += n;
			continue;
		}
		p->pos++;
		c = (unsigned char)p->s[p->pos++];
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;

			if (hex4(p, &cp)) {
				perr(p, "bad \\u escape");
				goto bad;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (!literal(p, "\\u") || hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					perr(p, "unpaired UTF-16 surrogate in a \\u escape");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				perr(p, "unpaired UTF-16 surrogate in a \\u escape");
				goto bad;
			}
			if (cp == 0) {
				perr(p, "\\u0000 in a string is not supported");
				goto bad;
			}
			/* A 6- or 12-byte escape decodes to at most 4 bytes. */
			o += put_utf8(o, cp);
			break;
		}
		default:
			p->pos--;
			perr(p, "bad escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
			goto bad;
		}
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static char *parse_number(struct parser *p)
{
	size_t start = p->pos;
	char *out;

#define DIGITS() while (peek(p) >= '0' && peek(p) <= '9') p->pos++
	if (peek(p) == '-')
		p->pos++;
	if (peek(p) == '0') {
		p->pos++;
	} else if (peek(p) >= '1' && peek(p) <= '9') {
		DIGITS();
	} else {
		perr(p, "bad number");
		return NULL;
	}
	if (peek(p) == '.') {
		p->pos++;
		if (!(peek(p) >= '0' && peek(p) <= '9')) {
			perr(p, "bad number: no digit after '.'");
			return NULL;
		}
		DIGITS();
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!(peek(p) >= '0' && peek(p) <= '9')) {
			perr(p, "bad number: no digit in the exponent");
			return NULL;
		}
		DIGITS();
	}
#undef DIGITS
	out = malloc(p->pos - start + 1);
	if (!out) {
		perr(p, "out of memory");
		return NULL;
	}
	memcpy(out, p->s + start, p->pos - start);
	out[p->pos - start] = '\0';
	return out;
}

static struct json_value *parse_value(struct parser *p, int depth);

static struct json_value *parse_container(struct parser *p, struct json_value *v, int depth)
{
	bool object = v->type == JSON_OBJECT;
	char close = object ? '}' : ']';
	struct json_value **tail = &v->child;

	p->pos++;
	skip_ws(p);
	if (peek(p) == close) {
		p->pos++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct json_value *item;

		skip_ws(p);
		if (object) {
			if (peek(p) != '"') {
				perr(p, "expected a string key");
				return NULL;
			}
			if (!(key = parse_string(p)))
				return NULL;
			for (struct json_value *m = v->child; m; m = m->next)
				if (!strcmp(m->key, key)) {
					perr(p, "duplicate key \"%.40s\"", key);
					free(key);
					return NULL;
				}
			skip_ws(p);
			if (peek(p) != ':') {
				perr(p, "expected ':' after a key");
				free(key);
				return NULL;
			}
			p->pos++;
		}
		item = parse_value(p, depth + 1);
		if (!item) {
			free(key);
			return NULL;
		}
		item->key = key;
		*tail = item;
		tail = &item->next;
		v->count++;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == close) {
			p->pos++;
			return v;
		}
		perr(p, "expected ',' or '%c'", close);
		return NULL;
	}
}

static struct json_value *parse_value(struct parser *p, int depth)
{
	struct json_value *v;
	int c;

	if (depth > JSON_MAX_DEPTH) {
		perr(p, "nested deeper than %d levels", JSON_MAX_DEPTH);
		return NULL;
	}
	skip_ws(p);
	c = peek(p);
	v = calloc(1, sizeof(*v));
	if (!v) {
		perr(p, "out of memory");
		return NULL;
	}
	if (c == '{' || c == '[') {
		v->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
		if (!parse_container(p, v, depth))
			goto bad;
	} else if (c == '"') {
		v->type = JSON_STRING;
		if (!(v->text = parse_string(p)))
			goto bad;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		v->type = JSON_NUMBER;
		if (!(v->text = parse_number(p)))
			goto bad;
	} else if (literal(p, "true")) {
		v->type = JSON_BOOL;
		v->boolean = true;
	} else if (literal(p, "false")) {
		v->type = JSON_BOOL;
	} else if (literal(p, "null")) {
		v->type = JSON_NULL;
	} else {
		perr(p, c < 0 ? "unexpected end of input" : "unexpected character");
		goto bad;
	}
	return v;
bad:
	json_free(v);
	return NULL;
}

struct json_value *json_parse(const char *text, size_t len, char *err, size_t err_size)
{
	struct parser p = { .s = text, .len = len, .err = err, .err_size = err_size };
	struct json_value *v;

	if (err_size)
		err[0] = '\0';
	v = parse_value(&p, 1);
	if (!v)
		return NULL;
	skip_ws(&p);
	if (p.pos != len) {
		perr(&p, "unexpected data after the JSON value");
		json_free(v);
		return NULL;
	}
	return v;
}

void json_free(struct json_value *v)
{
	while (v) {
		struct json_value *next = v->next;

		json_free(v->child);
		free(v->key);
		free(v->text);
		free(v);
		v = next;
	}
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (const struct json_value *m = obj->child; m; m = m->next)
		if (!strcmp(m->key, key))
			return m;
	return NULL;
}

const char *json_type_name(enum json_type t)
{
	static const char *names[] = { "null", "boolean", "number", "string", "array", "object" };

	return (unsigned)t < 6 ? names[t] : "?";
}
