/* Reference values file: see reference.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "reference.h"

static int load_list(const struct json_value *root, const char *key, size_t *count,
		     uint8_t (**out)[SHA384_LEN], char *err, size_t err_size)
{
	const struct json_value *arr = json_get(root, key), *v;
	size_t i = 0;

	if (!arr) {
		snprintf(err, err_size, "no \"%s\" list", key);
		return -1;
	}
	if (arr->type != JSON_ARRAY) {
		snprintf(err, err_size, "\"%s\" is a %s, not a list", key, json_type_name(arr->type));
		return -1;
	}
	if (arr->count == 0 || arr->count > REFERENCE_MAX_VALUES) {
		snprintf(err, err_size, "\"%s\" has %zu values; 1 to %u are allowed", key,
			 arr->count, REFERENCE_MAX_VALUES);
		return -1;
	}
	*out = calloc(arr->count, SHA384_LEN);
	if (!*out) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	for (v = arr->child; v; v = v->next, i++) {
		if (v->type != JSON_STRING || strlen(v->text) != 2 * SHA384_LEN ||
		    hex_decode(v->text, (*out)[i], SHA384_LEN) != SHA384_LEN) {
			snprintf(err, err_size, "\"%s\"[%zu] is not a SHA-384 value (96 hex digits)",
				 key, i);
			return -1;
		}
	}
	*count = arr->count;
	return 0;
}

int reference_load(const char *path, struct reference *ref, char *err, size_t err_size)
{
	uint8_t *data;
	size_t len;
	struct json_value *root;
	const struct json_value *ver;
	char why[200];
	int rc = -1;

	memset(ref, 0, sizeof(*ref));
	if (file_read(path, REFERENCE_MAX_BYTES, &data, &len, err, err_size))
		return -1;
	root = json_parse((const char *)data, len, why, sizeof(why));
	file_free(data);
	if (!root) {
		snprintf(err, err_size, "%s: not valid JSON: %s", path, why);
		return -1;
	}
	if (root->type != JSON_OBJECT) {
		snprintf(err, err_size, "%s: the reference must be a JSON object", path);
		goto out;
	}
	ver = json_get(root, "version");
	if (!ver || ver->type != JSON_NUMBER || strcmp(ver->text, "1")) {
		snprintf(err, err_size, "%s: \"version\" must be 1", path);
		goto out;
	}
	if (load_list(root, "hyp_measurements", &ref->hyp_count, &ref->hyp, why, sizeof(why)) ||
	    load_list(root, "launch_measurements", &ref->launch_count, &ref->launch, why,
		      sizeof(why))) {
		snprintf(err, err_size, "%s: %s", path, why);
		goto out;
	}
	rc = 0;
out:
	json_free(root);
	if (rc)
		reference_free(ref);
	return rc;
}

void reference_free(struct reference *ref)
{
	free(ref->hyp);
	free(ref->launch);
	memset(ref, 0, sizeof(*ref));
}

static bool has(uint8_t (*list)[SHA384_LEN], size_t n, const uint8_t v[SHA384_LEN])
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(list[i], v, SHA384_LEN))
			return true;
	return false;
}

bool reference_has_hyp(const struct reference *ref, const uint8_t hm[SHA384_LEN])
{
	return has(ref->hyp, ref->hyp_count, hm);
}

bool reference_has_launch(const struct reference *ref, const uint8_t lm[SHA384_LEN])
{
	return has(ref->launch, ref->launch_count, lm);
}
