/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm authentication (auth.c): HMAC-SHA256 for the handshake and the
 * session key, and the ChaCha20-Poly1305 tag of every frame.
 */
#ifndef _KRG_COMM_AUTH_H
#define _KRG_COMM_AUTH_H

#include <linux/types.h>
#include <crypto/hash.h>
#include <crypto/poly1305.h>

/* A frame tag computed piece by piece (auth.c explains the construction). */
struct comm_tag_ctx {
	struct poly1305_desc_ctx pd;
	size_t len;			/* associated data bytes so far */
};

struct crypto_shash *comm_auth_tfm(const u8 *key, size_t len);
int comm_auth_mac(struct crypto_shash *tfm, u8 *out, const void *a,
		  size_t alen, const void *b, size_t blen, const void *c,
		  size_t clen);
int comm_auth_session_key(u8 *ks, const u8 *nonce_d, const u8 *nonce_a,
			  u32 dialer, u32 acceptor);
bool comm_auth_equal(const u8 *a, const u8 *b);
bool comm_auth_tag_equal(const u8 *a, const u8 *b);

/* The Poly1305 key of (@ks, nonce le32 @sender | le64 @ctr). */
void comm_auth_poly_key(const u8 *ks, u32 sender, u64 ctr, u8 *key);
void comm_auth_tag_init(struct comm_tag_ctx *c, const u8 *ks, u32 sender,
			u64 ctr);
void comm_auth_tag_update(struct comm_tag_ctx *c, const void *p, size_t len);
void comm_auth_tag_final(struct comm_tag_ctx *c, u8 *tag);
/* The general AEAD tag: the associated data so far, then @ct. */
void comm_auth_tag_final_ct(struct comm_tag_ctx *c, const u8 *ct,
			    size_t ct_len, u8 *tag);
void comm_auth_frame_tag(const u8 *ks, u32 sender, u64 ctr, u8 *tag,
			 const void *a, size_t alen, const void *b,
			 size_t blen);

#endif /* _KRG_COMM_AUTH_H */
