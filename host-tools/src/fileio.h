/*
 * Whole-file input and output with explicit limits and modes. Secrets (keys, the UDS)
 * go through file_write_new with mode 0600: created exclusively (O_EXCL, O_NOFOLLOW),
 * never overwriting, removed again if writing fails.
 */
#ifndef PALISADE_FILEIO_H
#define PALISADE_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reads the whole of 'path' (a file or a pipe) when it holds at most 'max' bytes.
 * Returns 0 with a fresh buffer in *data (NUL-terminated one byte past *len; free with
 * file_free, or file_free_secret for secrets), or -1 with "PATH: reason" in err.
 */
int file_read(const char *path, size_t max, uint8_t **data, size_t *len, char *err,
	      size_t err_size);
void file_free(uint8_t *data);
void file_free_secret(uint8_t *data, size_t len);

/*
 * Creates 'path', which must not exist, with exactly 'mode' (umask does not widen or
 * narrow it), writes 'len' bytes and syncs them. Returns 0, or -1 with a reason in err
 * (and no file left behind).
 */
int file_write_new(const char *path, const void *data, size_t len, mode_t mode, char *err,
		   size_t err_size);

/*
 * Writes 'path' whole, replacing an existing file atomically (a temporary file in the
 * same directory, then rename). New files get mode 0644 minus the umask.
 */
int file_write_replace(const char *path, const void *data, size_t len, char *err,
		       size_t err_size);

#endif
