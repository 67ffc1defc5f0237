// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm authentication helpers: HMAC-SHA256 from the kernel crypto API.
 * The handshake that uses them is described in include/uapi/linux/krg_comm.h
 * and implemented in tcp.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/string.h>

#include "internal.h"

struct crypto_shash *krg_auth_tfm(const u8 *key, size_t len)
{
	struct crypto_shash *tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	int ret;

	if (IS_ERR(tfm))
		return tfm;
	ret = crypto_shash_setkey(tfm, key, len);
	if (ret) {
		crypto_free_shash(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}

/* out = HMAC(tfm's key, a | b | c); any part may be empty. */
int krg_auth_mac(struct crypto_shash *tfm, u8 *out, const void *a, size_t alen,
		 const void *b, size_t blen, const void *c, size_t clen)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int ret;

	desc->tfm = tfm;
	ret = crypto_shash_init(desc);
	if (!ret && alen)
		ret = crypto_shash_update(desc, a, alen);
	if (!ret && blen)
		ret = crypto_shash_update(desc, b, blen);
	if (!ret && clen)
		ret = crypto_shash_update(desc, c, clen);
	if (!ret)
		ret = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return ret;
}

int krg_auth_session_key(u8 *ks, const u8 *nonce_d, const u8 *nonce_a,
			 u32 dialer, u32 acceptor)
{
	static const char label[] = "krg-session";
	u8 buf[2 * KRG_COMM_NONCE_LEN + 8];
	__le32 ids[2] = { cpu_to_le32(dialer), cpu_to_le32(acceptor) };
	int ret;

	memcpy(buf, nonce_d, KRG_COMM_NONCE_LEN);
	memcpy(buf + KRG_COMM_NONCE_LEN, nonce_a, KRG_COMM_NONCE_LEN);
	memcpy(buf + 2 * KRG_COMM_NONCE_LEN, ids, sizeof(ids));
	ret = krg_auth_mac(krg_cfg.key_tfm, ks, label, sizeof(label) - 1,
			   buf, sizeof(buf), NULL, 0);
	memzero_explicit(buf, sizeof(buf));
	return ret;
}

/* Constant time: a peer must not learn how many MAC bytes it got right. */
bool krg_auth_equal(const u8 *a, const u8 *b)
{
	return !crypto_memneq(a, b, KRG_COMM_MAC_LEN);
}
