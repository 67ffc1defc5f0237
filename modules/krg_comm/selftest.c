// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm known-answer self-tests, WireGuard-style: built only with
 * KRG_SELFTEST=1 (the test bed's debug kernel builds them), run first in
 * module init; if one fails the module refuses to load.
 *
 *  - the frame tag construction (auth.c) against the ChaCha20-Poly1305
 *    vectors of RFC 8439: 2.5.2 (Poly1305), 2.6.2 (Poly1305 key from
 *    ChaCha20), 2.8.2 (the AEAD: our nonce layout, le32 sender | le64
 *    counter, is the RFC's), and one frame of ours (empty plaintext, a
 *    frame as associated data) computed by an independent implementation
 *    (Python's "cryptography" package);
 *  - the frame parser (frame.c): good frames fed in pieces of every size,
 *    then every kind of malformed frame, a bad tag, a replay, a cut stream;
 *  - the wire form of node sets (krg_nodemask.h).
 * There is no kernel-side node-list parser (node lists are parsed in user
 * space by libkrg); node sets are what the kernel parses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <crypto/poly1305.h>

#include "auth.h"
#include "buf.h"
#include "frame.h"
#include "reliable.h"
#include "selftest.h"

/* What modinfo shows of a module built with its self-tests. */
MODULE_INFO(krg_selftest, "frame-tag frame-parser node-set");

/* RFC 8439 2.8.2: key 80..9f, nonce 07000000 4041424344454647. */
static const u8 aead_aad[] = {
	0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
};

static const u8 aead_ct[114] = {
	0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb, 0x7b, 0x86, 0xaf, 0xbc,
	0x53, 0xef, 0x7e, 0xc2, 0xa4, 0xad, 0xed, 0x51, 0x29, 0x6e, 0x08, 0xfe,
	0xa9, 0xe2, 0xb5, 0xa7, 0x36, 0xee, 0x62, 0xd6, 0x3d, 0xbe, 0xa4, 0x5e,
	0x8c, 0xa9, 0x67, 0x12, 0x82, 0xfa, 0xfb, 0x69, 0xda, 0x92, 0x72, 0x8b,
	0x1a, 0x71, 0xde, 0x0a, 0x9e, 0x06, 0x0b, 0x29, 0x05, 0xd6, 0xa5, 0xb6,
	0x7e, 0xcd, 0x3b, 0x36, 0x92, 0xdd, 0xbd, 0x7f, 0x2d, 0x77, 0x8b, 0x8c,
	0x98, 0x03, 0xae, 0xe3, 0x28, 0x09, 0x1b, 0x58, 0xfa, 0xb3, 0x24, 0xe4,
	0xfa, 0xd6, 0x75, 0x94, 0x55, 0x85, 0x80, 0x8b, 0x48, 0x31, 0xd7, 0xbc,
	0x3f, 0xf4, 0xde, 0xf0, 0x8e, 0x4b, 0x7a, 0x9d, 0xe5, 0x76, 0xd2, 0x65,
	0x86, 0xce, 0xc6, 0x4b, 0x61, 0x16,
};

static const u8 aead_tag[POLY1305_DIGEST_SIZE] = {
	0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09, 0xe2, 0x6a,
	0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91,
};

/* RFC 8439 2.6.2: same key, nonce 00000000 0001020304050607. */
static const u8 polykey_out[POLY1305_KEY_SIZE] = {
	0x8a, 0xd5, 0xa0, 0x8b, 0x90, 0x5f, 0x81, 0xcc, 0x81, 0x50, 0x40, 0x27,
	0x4a, 0xb2, 0x94, 0x71, 0xa8, 0x33, 0xb6, 0x37, 0xe3, 0xfd, 0x0d, 0xa5,
	0x08, 0xdb, 0xb8, 0xe2, 0xfd, 0xd1, 0xa6, 0x46,
};

/* RFC 8439 2.5.2. */
static const u8 poly_key[POLY1305_KEY_SIZE] = {
	0x85, 0xd6, 0xbe, 0x78, 0x57, 0x55, 0x6d, 0x33, 0x7f, 0x44, 0x52, 0xfe,
	0x42, 0xd5, 0x06, 0xa8, 0x01, 0x03, 0x80, 0x8a, 0xfb, 0x0d, 0xb2, 0xfd,
	0x4a, 0xbf, 0xf6, 0xaf, 0x41, 0x49, 0xf5, 0x1b,
};

static const char poly_msg[] = "Cryptographic Forum Research Group";

static const u8 poly_tag[POLY1305_DIGEST_SIZE] = {
	0xa8, 0x06, 0x1d, 0xc1, 0x30, 0x51, 0x36, 0xc6,
	0xc2, 0x2b, 0x8b, 0xaf, 0x0c, 0x01, 0x27, 0xa9,
};

/*
 * A PING frame of ours (len 8, ctr 1, ack 5, payload 0x0123456789abcdef)
 * sent by node 7 under key 80..9f: its tag, from an independent
 * implementation (ChaCha20Poly1305(key).encrypt(le32 7 | le64 1, b"",
 * header + payload) in Python's "cryptography").
 */
static const u8 frame_tag[KRG_COMM_TAG_LEN] = {
	0xe8, 0xde, 0x87, 0x26, 0xa4, 0xdf, 0x41, 0x49,
	0x96, 0x91, 0xf8, 0x0b, 0xc1, 0xa4, 0xec, 0x20,
};

#define FRAME_SENDER	7

static void key_80(u8 *k)
{
	int i;

	for (i = 0; i < KRG_COMM_KEY_LEN; i++)
		k[i] = 0x80 + i;
}

static bool check(bool ok, const char *what)
{
	if (!ok)
		pr_err("self-test failed: %s\n", what);
	return ok;
}

static bool test_tag(void)
{
	struct poly1305_desc_ctx pd;
	u8 ks[KRG_COMM_KEY_LEN], out[POLY1305_KEY_SIZE];
	struct comm_tag_ctx c;
	bool ok = true;

	poly1305_init(&pd, poly_key);
	poly1305_update(&pd, poly_msg, strlen(poly_msg));
	poly1305_final(&pd, out);
	ok &= check(!memcmp(out, poly_tag, sizeof(poly_tag)),
		    "RFC 8439 2.5.2 Poly1305");

	key_80(ks);
	comm_auth_poly_key(ks, 0, 0x0706050403020100ULL, out);
	ok &= check(!memcmp(out, polykey_out, sizeof(polykey_out)),
		    "RFC 8439 2.6.2 Poly1305 key generation");

	comm_auth_tag_init(&c, ks, 7, 0x4746454443424140ULL);
	comm_auth_tag_update(&c, aead_aad, 5);		/* in two pieces */
	comm_auth_tag_update(&c, aead_aad + 5, sizeof(aead_aad) - 5);
	comm_auth_tag_final_ct(&c, aead_ct, sizeof(aead_ct), out);
	ok &= check(!memcmp(out, aead_tag, sizeof(aead_tag)),
		    "RFC 8439 2.8.2 AEAD_CHACHA20_POLY1305 tag");
	memzero_explicit(ks, sizeof(ks));
	return ok;
}

/* ---- the frame parser ------------------------------------------------------- */

/* A byte stream in memory, read at most @chunk bytes at a time. */
struct mem_stream {
	const u8 *p;
	size_t len, off, chunk;
	bool fail;		/* the end is a broken connection */
};

static int mem_read(void *ctx, void *buf, size_t len)
{
	struct mem_stream *s = ctx;
	size_t n = min3(len, s->len - s->off, s->chunk);

	if (!n)
		return s->fail ? -ECONNRESET : 0;
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	return n;
}

/* A frame as a sender of ours makes it: header, payload, tag. */
static size_t frame_build(u8 *out, const u8 *ks, u8 type, u64 ctr, u64 seq,
			  const void *payload, u32 len)
{
	struct comm_frame_out f = { .type = type, .len = len, .seq = seq,
				    .ack = 5 };
	struct krg_comm_wire_frame *h = (void *)out;

	comm_frame_fill_header(h, &f, ctr);
	if (len)
		memcpy(out + sizeof(*h), payload, len);
	comm_auth_frame_tag(ks, FRAME_SENDER, ctr, out + sizeof(*h) + len, h,
			    sizeof(*h), payload, len);
	return sizeof(*h) + len + KRG_COMM_TAG_LEN;
}

/* Parses @len bytes at @p, @chunk at a time: how many frames, or -errno. */
static int parse(struct comm_frame_rx *rx, const u8 *ks, const u8 *p,
		 size_t len, size_t chunk, bool fail, u8 *last, size_t last_len)
{
	struct mem_stream s = { .p = p, .len = len, .chunk = chunk, .fail = fail };
	int ret, frames = 0;
	u8 *payload;

	for (;;) {
		payload = NULL;
		ret = comm_frame_rx_step(rx, ks, FRAME_SENDER, mem_read, &s,
					 &payload);
		/*
		 * 0: a short read; a socket would call again when data came
		 * (or, for a broken connection, to learn it).
		 */
		if (!ret && (s.off < s.len || s.fail))
			continue;
		if (ret <= 0)
			break;
		frames++;
		if (last && (!payload || memcmp(payload, last, last_len)))
			ret = -EILSEQ;
		comm_buf_free(payload);
		if (ret < 0)
			break;
	}
	comm_frame_rx_reset(rx);
	return ret < 0 ? ret : frames;
}

#define DATA_LEN	300	/* payload of the DATA frame */

struct bad_frame {
	const char *what;
	size_t off;		/* byte to change in the first frame */
	u8 val;
};

static bool test_parser(void)
{
	static const size_t chunks[] = { 1, 3, 7, 32, 4096 };
	static const struct bad_frame bad[] = {
		{ "version", 4, KRG_COMM_WIRE_VERSION + 1 },
		{ "type", 5, 9 },
		{ "flags", 6, 1 },
		{ "length above the maximum", 3, 0x40 },
		{ "PING of another length", 0, 9 },
		{ "PING with a seq", 16, 1 },
	};
	const __le64 ts = cpu_to_le64(0x0123456789abcdefULL);
	struct comm_frame_rx rx = {};
	u8 ks[KRG_COMM_KEY_LEN];
	size_t len, i, one;
	u8 *buf, *data;
	bool ok = true;
	int ret;

	buf = kmalloc(2048 + DATA_LEN, GFP_KERNEL);
	if (!check(buf, "no memory for the parser self-test"))
		return false;
	data = buf + 2048;
	key_80(ks);
	for (i = 0; i < DATA_LEN; i++)
		data[i] = i * 7;

	/* Our frame's tag is the independent implementation's. */
	one = frame_build(buf, ks, KRG_FRAME_PING, 1, 0, &ts, sizeof(ts));
	ok &= check(!memcmp(buf + one - KRG_COMM_TAG_LEN, frame_tag,
			    KRG_COMM_TAG_LEN), "frame tag of a PING frame");

	/* PING, DATA, ACK, in pieces of every size. */
	len = one;
	len += frame_build(buf + len, ks, KRG_FRAME_DATA, 2, 1, data,
			   DATA_LEN);
	len += frame_build(buf + len, ks, KRG_FRAME_ACK, 3, 0, NULL, 0);
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		comm_frame_rx_init(&rx);
		ok &= check(parse(&rx, ks, buf, len, chunks[i], false, NULL,
				  0) == 3, "three good frames in pieces");
	}
	comm_frame_rx_init(&rx);
	ok &= check(parse(&rx, ks, buf + one, len - one - 48, 64, false, data,
			  DATA_LEN) == -EBADMSG, "a frame out of order");
	comm_frame_rx_init(&rx);
	rx.ctr = 1;
	ok &= check(parse(&rx, ks, buf + one, len - one - 48, 64, false, data,
			  DATA_LEN) == 1, "a DATA frame and its payload");
	comm_frame_rx_init(&rx);
	ok &= check(parse(&rx, ks, buf, one - 1, 5, false, NULL, 0) == 0,
		    "a frame cut short waits for the rest");
	comm_frame_rx_init(&rx);
	ok &= check(parse(&rx, ks, buf, one - 1, 5, true, NULL, 0) ==
		    -ECONNRESET, "a connection lost in a frame");

	/* Malformed headers: refused before anything else is read. */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		len = frame_build(buf, ks, KRG_FRAME_PING, 1, 0, &ts,
				  sizeof(ts));
		buf[bad[i].off] = bad[i].val;
		comm_frame_rx_init(&rx);
		ret = parse(&rx, ks, buf, len, 4096, false, NULL, 0);
		if (!check(ret == -EBADMSG, "malformed header refused"))
			pr_err("self-test: header with a bad %s: %d\n",
			       bad[i].what, ret);
		ok &= ret == -EBADMSG;
	}
	len = frame_build(buf, ks, KRG_FRAME_DATA, 1, 0, data, 16);
	comm_frame_rx_init(&rx);
	ok &= check(parse(&rx, ks, buf, len, 4096, false, NULL, 0) == -EBADMSG,
		    "DATA frame without a seq");
	len = frame_build(buf, ks, KRG_FRAME_DATA, 1, 1, data, 16);
	buf[40] ^= 1;
	comm_frame_rx_init(&rx);
	ok &= check(parse(&rx, ks, buf, len, 4096, false, NULL, 0) ==
		    -EKEYREJECTED, "a payload bit flipped: bad tag");
	len = frame_build(buf, ks, KRG_FRAME_DATA, 1, 1, data, 16);
	ks[0] ^= 1;
	comm_frame_rx_init(&rx);
	ok &= check(parse(&rx, ks, buf, len, 4096, false, NULL, 0) ==
		    -EKEYREJECTED, "another session key: bad tag");
	memzero_explicit(ks, sizeof(ks));
	kfree(buf);
	return ok;
}

/* ---- node sets ---------------------------------------------------------------- */

static bool test_nodemask(void)
{
	static const u8 wire1[] = { 0x01, 0x02 };
	struct krg_nodemask_wire w;
	krg_nodemask_t m, m2;
	bool ok = true;
	u32 n, prev;

	krg_nodemask_zero(&m);
	krg_nodemask_set(&m, 0);
	krg_nodemask_set(&m, 9);
	krg_nodemask_set(&m, 255);
	krg_nodemask_to_wire(&m, &w);
	ok &= check(w.b[0] == 0x01 && w.b[1] == 0x02 && w.b[31] == 0x80 &&
		    !memchr_inv(w.b + 2, 0, 29), "node set wire format");
	krg_nodemask_from_wire(&m2, &w);
	ok &= check(krg_nodemask_equal(&m, &m2) &&
		    krg_nodemask_weight(&m2) == 3, "node set round trip");
	ok &= check(!krg_nodemask_from_bytes(&m2, wire1, sizeof(wire1)) &&
		    krg_nodemask_test(&m2, 0) && krg_nodemask_test(&m2, 9) &&
		    krg_nodemask_weight(&m2) == 2, "short node set");
	ok &= check(krg_nodemask_from_bytes(&m2, w.b,
					    KRG_COMM_NODE_SET_LEN + 1) ==
		    -EINVAL && krg_nodemask_empty(&m2), "node set too long");
	ok &= check(!krg_nodemask_test(&m, KRG_MAX_NODES),
		    "node out of range");
	prev = 0;
	krg_nodemask_for_each(n, &m) {
		ok &= check(n >= prev && krg_nodemask_test(&m, n),
			    "node set iteration");
		prev = n + 1;
	}
	return ok;
}

int comm_selftests(void)
{
	bool ok = true;

	ok &= test_tag();
	ok &= test_parser();
	ok &= test_nodemask();
	if (!ok) {
		pr_err("self-tests: FAIL: not loading\n");
		return -ENOTRECOVERABLE;
	}
	pr_info("self-tests: pass (frame tag: RFC 8439 vectors, frame parser, node sets)\n");
	return 0;
}
