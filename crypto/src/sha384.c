/*
 * SHA-384 over caller memory. No heap and no shared state, so no lock: measuring a
 * large image on one CPU must not stall signing on another.
 */
#include <palisade/crypto.h>

#include <string.h>

#include "mbedtls/sha512.h"

/* The caller-visible context must hold Mbed TLS's one, with at least its alignment. */
_Static_assert(sizeof(struct crypto_sha384_ctx) >= sizeof(mbedtls_sha512_context),
	       "struct crypto_sha384_ctx too small for mbedtls_sha512_context");
_Static_assert(_Alignof(struct crypto_sha384_ctx) >= _Alignof(mbedtls_sha512_context),
	       "struct crypto_sha384_ctx under-aligned for mbedtls_sha512_context");

static mbedtls_sha512_context *sha_ctx(struct crypto_sha384_ctx *ctx)
{
	return (mbedtls_sha512_context *)(void *)ctx->opaque;
}

int crypto_sha384(const void *data, size_t len, uint8_t digest[CRYPTO_SHA384_LEN])
{
	struct crypto_sha384_ctx ctx;
	int ret;

	if (!digest || (!data && len))
		return PAL_E_INVALID;
	crypto_sha384_init(&ctx);
	ret = crypto_sha384_update(&ctx, data, len);
	if (ret == PAL_OK)
		ret = crypto_sha384_final(&ctx, digest);
	crypto_wipe(&ctx, sizeof(ctx));
	return ret;
}

int crypto_sha384_init(struct crypto_sha384_ctx *ctx)
{
	if (!ctx)
		return PAL_E_INVALID;
	crypto_wipe(ctx, sizeof(*ctx));
	mbedtls_sha512_init(sha_ctx(ctx));
	if (mbedtls_sha512_starts_ret(sha_ctx(ctx), 1) != 0)
		return PAL_E_CRYPTO;
	return PAL_OK;
}

int crypto_sha384_update(struct crypto_sha384_ctx *ctx, const void *data, size_t len)
{
	if (!ctx || (!data && len))
		return PAL_E_INVALID;
	if (mbedtls_sha512_update_ret(sha_ctx(ctx), data, len) != 0)
		return PAL_E_CRYPTO;
	return PAL_OK;
}

int crypto_sha384_final(struct crypto_sha384_ctx *ctx, uint8_t digest[CRYPTO_SHA384_LEN])
{
	uint8_t out[64];	/* Mbed TLS's finish takes a SHA-512-sized buffer */
	int ret = PAL_OK;

	if (!ctx || !digest)
		return PAL_E_INVALID;
	if (mbedtls_sha512_finish_ret(sha_ctx(ctx), out) != 0)
		ret = PAL_E_CRYPTO;
	else
		memcpy(digest, out, CRYPTO_SHA384_LEN);
	/* The buffered tail of the message may be secret. */
	mbedtls_sha512_free(sha_ctx(ctx));
	crypto_wipe(ctx, sizeof(*ctx));
	crypto_wipe(out, sizeof(out));
	return ret;
}
