/* File input and output: see fileio.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "fileio.h"

int file_read(const char *path, size_t max, uint8_t **data, size_t *len, char *err,
	      size_t err_size)
{
	size_t cap = 4096, n = 0;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*data = NULL;
	*len = 0;
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(cap + 1);
	for (;;) {
		ssize_t r;

		if (!buf) {
			snprintf(err, err_size, "%s: out of memory", path);
			close(fd);
			return -1;
		}
		if (n == cap) {
			/* Grow, wiping the old copy: the file may be a secret. */
			size_t ncap = cap * 2;
			uint8_t *nb = malloc(ncap + 1);

			if (nb)
				memcpy(nb, buf, n);
			OPENSSL_cleanse(buf, cap);
			free(buf);
			buf = nb;
			cap = ncap;
			continue;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, err_size, "%s: %s", path, strerror(errno));
			file_free_secret(buf, cap);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			snprintf(err, err_size, "%s: larger than %zu bytes", path, max);
			file_free_secret(buf, cap);
			close(fd);
			return -1;
		}
	}
	close(fd);
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

void file_free(uint8_t *data)
{
	free(data);
}

void file_free_secret(uint8_t *data, size_t len)
{
	if (data)
		OPENSSL_cleanse(data, len);
	free(data);
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int file_write_new(const char *path, const void *data, size_t len, mode_t mode, char *err,
		   size_t err_size)
{
	/* Restrictive umask while the file exists with its first mode; fchmod sets it exactly. */
	mode_t old = umask(0077);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0600);

	umask(old);
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (refusing to overwrite)" : "");
		return -1;
	}
	if (fchmod(fd, mode) || write_all(fd, data, len) || fsync(fd)) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd)) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int file_write_replace(const char *path, const void *data, size_t len, char *err,
		       size_t err_size)
{
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	mode_t old;
	int fd;

	if (!tmp) {
		snprintf(err, err_size, "%s: out of memory", path);
		return -1;
	}
	snprintf(tmp, n, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	old = umask(0);
	umask(old);
	int bad = fchmod(fd, 0644 & ~old) || write_all(fd, data, len) || fsync(fd);

	if (close(fd))
		bad = 1;
	if (bad) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
