/*
 * Minimal JSON: a writer for the tool's output and reference files, and a strict reader
 * (RFC 8259) for reference files. The reader builds a small tree; it rejects what the
 * RFC rejects plus duplicate object keys, NUL characters in strings and nesting deeper
 * than JSON_MAX_DEPTH.
 */
#ifndef PALISADE_JSON_H
#define PALISADE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- writer: pretty-printed, two-space indent ---- */

#define JSON_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	int depth;
	bool has_items[JSON_MAX_DEPTH + 1];
	bool after_key;
};

void jw_init(struct json_writer *w, FILE *f);
void jw_object(struct json_writer *w);       /* { */
void jw_object_end(struct json_writer *w);   /* } */
void jw_array(struct json_writer *w);        /* [ */
void jw_array_end(struct json_writer *w);    /* ] */
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s);
void jw_hex(struct json_writer *w, const uint8_t *data, size_t n);   /* lower-case hex string */
void jw_hex64(struct json_writer *w, uint64_t v);                    /* "0x..." string */
void jw_uint(struct json_writer *w, uint64_t v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
/* Ends the document with a newline. */
void jw_finish(struct json_writer *w);

/* ---- reader ---- */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
	enum json_type type;
	char *key;                  /* member name, inside an object */
	char *text;                 /* JSON_STRING: decoded UTF-8; JSON_NUMBER: the literal */
	bool boolean;
	size_t count;               /* elements or members */
	struct json_value *child;   /* first element or member */
	struct json_value *next;    /* next sibling */
};

/* Parses 'len' bytes. Returns the tree, or NULL with "line L, column C: reason" in err. */
struct json_value *json_parse(const char *text, size_t len, char *err, size_t err_size);
void json_free(struct json_value *v);
/* An object's member, or NULL. */
const struct json_value *json_get(const struct json_value *obj, const char *key);
const char *json_type_name(enum json_type t);

#endif
