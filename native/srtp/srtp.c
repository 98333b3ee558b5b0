// SRTP/SRTCP packet cryptography (RFC 3711 AES-CM + HMAC-SHA1-80, RFC 7714 AEAD-AES-128-GCM)
// with OpenSSL from Node's own binary. A context holds the session keys of one direction: its
// cipher contexts are keyed once, so a packet costs only setting the IV, and HMAC starts from
// inner and outer SHA-1 states hashed at keying. Packet indices, replay windows and rollover
// counters stay with the caller (src/protocols/webrtc/srtp/session.ts).

// The low-level SHA-1 calls are deprecated in OpenSSL 3, but HMAC from copied SHA_CTX states
// costs no allocation per packet, where OpenSSL 3.0's EVP_MAC and EVP_MD copies allocate.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CM_TAG = 10, GCM_TAG = 16, SALT = 14, HMAC_BLOCK = 64 };

typedef struct {
  SHA_CTX inner, outer;
} hmac_key;

typedef struct {
  // AES-CTR encrypts and decrypts alike: `dec` is `enc` for AES-CM.
  EVP_CIPHER_CTX *enc, *dec;
  uint8_t salt[SALT];
  hmac_key auth;
} stream_keys;

typedef struct {
  int gcm;
  stream_keys rtp, rtcp;
} srtp_ctx;

typedef struct {
  const uint8_t *data;
  size_t length;
} bytes;

static void put32(uint8_t *at, uint32_t v) {
  at[0] = v >> 24;
  at[1] = v >> 16;
  at[2] = v >> 8;
  at[3] = v;
}

static uint32_t get32(const uint8_t *at) {
  return (uint32_t)at[0] << 24 | (uint32_t)at[1] << 16 | (uint32_t)at[2] << 8 | at[3];
}

static void hmac_key_init(hmac_key *k, const uint8_t *key, size_t length) {
  uint8_t pad[HMAC_BLOCK];
  memset(pad, 0x36, sizeof pad);
  for (size_t i = 0; i < length; i++) pad[i] ^= key[i];
  SHA1_Init(&k->inner);
  SHA1_Update(&k->inner, pad, sizeof pad);
  for (size_t i = 0; i < sizeof pad; i++) pad[i] ^= 0x36 ^ 0x5c;
  SHA1_Init(&k->outer);
  SHA1_Update(&k->outer, pad, sizeof pad);
}

/** HMAC-SHA1 of `a` then `b` (b may be empty), cut to the 80-bit tag. */
static void hmac_tag(const hmac_key *k, const uint8_t *a, size_t alength, const uint8_t *b, size_t blength, uint8_t tag[CM_TAG]) {
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA_CTX c = k->inner;
  SHA1_Update(&c, a, alength);
  if (blength) SHA1_Update(&c, b, blength);
  SHA1_Final(digest, &c);
  c = k->outer;
  SHA1_Update(&c, digest, sizeof digest);
  SHA1_Final(digest, &c);
  memcpy(tag, digest, CM_TAG);
}

/** AES-CM IV (RFC 3711 4.1.1): salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16, index = high:low. */
static void cm_iv(const uint8_t *salt, uint32_t ssrc, uint32_t high, uint32_t low, uint8_t iv[16]) {
  memcpy(iv, salt, SALT);
  iv[14] = iv[15] = 0;
  uint8_t x[10];
  put32(x, ssrc);
  x[4] = high >> 8;
  x[5] = high;
  put32(x + 6, low);
  for (int i = 0; i < 10; i++) iv[4 + i] ^= x[i];
}

/** GCM IV (RFC 7714 8.1, 9.1): 0x0000 || SSRC || high || low, XOR the 12-byte salt. */
static void gcm_iv(const uint8_t *salt, uint32_t ssrc, uint32_t high, uint32_t low, int low16, uint8_t iv[12]) {
  memset(iv, 0, 12);
  put32(iv + 2, ssrc);
  if (low16) {
    put32(iv + 6, high);
    iv[10] = low >> 8;
    iv[11] = low;
  } else {
    put32(iv + 8, low);
  }
  for (int i = 0; i < 12; i++) iv[i] ^= salt[i];
}

static int ctr(EVP_CIPHER_CTX *c, const uint8_t *iv, const uint8_t *in, uint8_t *out, size_t length) {
  int n;
  if (!EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv)) return 0;
  return length == 0 || EVP_EncryptUpdate(c, out, &n, in, (int)length);
}

/** GCM over aad (two parts) and `length` bytes; seals (tag written) or opens (tag checked). */
static int gcm(EVP_CIPHER_CTX *c, int seal, const uint8_t *iv, bytes aad1, bytes aad2, const uint8_t *in, uint8_t *out, size_t length, uint8_t *tag) {
  int n;
  if (!EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, seal)) return 0;
  if (!EVP_CipherUpdate(c, NULL, &n, aad1.data, (int)aad1.length)) return 0;
  if (aad2.length && !EVP_CipherUpdate(c, NULL, &n, aad2.data, (int)aad2.length)) return 0;
  if (length && !EVP_CipherUpdate(c, out, &n, in, (int)length)) return 0;
  if (!seal && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag)) return 0;
  if (!EVP_CipherFinal_ex(c, out + length, &n)) {
    // A forged packet: leave nothing on the thread's OpenSSL error queue for node:crypto to find.
    ERR_clear_error();
    return 0;
  }
  return !seal || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG, tag);
}

// ---- Node-API glue ----

#define CHECK(call)                                              \
  do {                                                           \
    if ((call) != napi_ok) {                                     \
      napi_throw_error(env, NULL, "srtp: bad arguments");        \
      return NULL;                                               \
    }                                                            \
  } while (0)

static napi_value fail(napi_env env, const char *message) {
  ERR_clear_error();
  napi_throw_error(env, NULL, message);
  return NULL;
}

static napi_value boolean(napi_env env, int value) {
  napi_value v;
  napi_get_boolean(env, value, &v);
  return v;
}

static int buffer_arg(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  return napi_get_buffer_info(env, value, (void **)data, length) == napi_ok;
}

static void free_keys(stream_keys *k) {
  if (k->dec != k->enc) EVP_CIPHER_CTX_free(k->dec);
  EVP_CIPHER_CTX_free(k->enc);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  srtp_ctx *ctx = data;
  free_keys(&ctx->rtp);
  free_keys(&ctx->rtcp);
  free(ctx);
}

static int init_keys(napi_env env, stream_keys *k, int gcm, napi_value key, napi_value salt, napi_value auth) {
  uint8_t *key_data, *salt_data, *auth_data;
  size_t key_length, salt_length, auth_length;
  if (!buffer_arg(env, key, &key_data, &key_length) || !buffer_arg(env, salt, &salt_data, &salt_length) ||
      !buffer_arg(env, auth, &auth_data, &auth_length))
    return 0;
  if (key_length != 16 || salt_length != (gcm ? 12u : 14u) || auth_length > HMAC_BLOCK) return 0;
  memcpy(k->salt, salt_data, salt_length);
  hmac_key_init(&k->auth, auth_data, auth_length);
  const EVP_CIPHER *cipher = gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr();
  k->enc = EVP_CIPHER_CTX_new();
  k->dec = gcm ? EVP_CIPHER_CTX_new() : k->enc;
  return k->enc && k->dec && EVP_EncryptInit_ex(k->enc, cipher, NULL, key_data, NULL) &&
         (!gcm || EVP_DecryptInit_ex(k->dec, cipher, NULL, key_data, NULL));
}

/** create(gcm, rtpKey, rtpSalt, rtpAuth, rtcpKey, rtcpSalt, rtcpAuth): a context (external). */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7], result;
  bool gcm;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 7) return fail(env, "srtp: create takes 7 arguments");
  CHECK(napi_get_value_bool(env, argv[0], &gcm));
  srtp_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return fail(env, "srtp: out of memory");
  ctx->gcm = gcm;
  if (!init_keys(env, &ctx->rtp, gcm, argv[1], argv[2], argv[3]) || !init_keys(env, &ctx->rtcp, gcm, argv[4], argv[5], argv[6])) {
    finalize(env, ctx, NULL);
    return fail(env, "srtp: bad session keys");
  }
  if (napi_create_external(env, ctx, finalize, NULL, &result) != napi_ok) {
    finalize(env, ctx, NULL);
    return fail(env, "srtp: cannot create the context");
  }
  return result;
}

/** The arguments every packet call takes: (ctx, packet, n, index, out[, flag]). */
typedef struct {
  srtp_ctx *ctx;
  uint8_t *in, *out;
  size_t in_length, out_length;
  uint32_t n, index;
  bool flag;
} packet_args;

static int packet_args_get(napi_env env, napi_callback_info info, size_t count, packet_args *a) {
  size_t argc = 6;
  napi_value argv[6];
  void *ctx;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count) return 0;
  if (napi_get_value_external(env, argv[0], &ctx) != napi_ok || !buffer_arg(env, argv[1], &a->in, &a->in_length) ||
      napi_get_value_uint32(env, argv[2], &a->n) != napi_ok || napi_get_value_uint32(env, argv[3], &a->index) != napi_ok ||
      !buffer_arg(env, argv[4], &a->out, &a->out_length))
    return 0;
  if (count == 6 && napi_get_value_bool(env, argv[5], &a->flag) != napi_ok) return 0;
  a->ctx = ctx;
  return 1;
}

/**
 * protectRtp(ctx, packet, headerLength, roc, out): SRTP of `packet` into `out`, which holds its
 * length plus the tag (10 bytes for AES-CM, 16 for GCM).
 */
static napi_value protect_rtp(napi_env env, napi_callback_info info) {
  packet_args a;
  if (!packet_args_get(env, info, 5, &a)) return fail(env, "srtp: protectRtp(ctx, packet, headerLength, roc, out)");
  size_t header = a.n, tag = a.ctx->gcm ? GCM_TAG : CM_TAG;
  if (header < 12 || header > a.in_length || a.out_length < a.in_length + tag) return fail(env, "srtp: protectRtp lengths");
  uint32_t ssrc = get32(a.in + 8), sequence = (uint32_t)a.in[2] << 8 | a.in[3];
  size_t body = a.in_length - header;
  memmove(a.out, a.in, header);
  uint8_t iv[16], roc[4];
  const stream_keys *k = &a.ctx->rtp;
  if (a.ctx->gcm) {
    gcm_iv(k->salt, ssrc, a.index, sequence, 1, iv);
    bytes aad = {a.out, header}, none = {NULL, 0};
    if (!gcm(k->enc, 1, iv, aad, none, a.in + header, a.out + header, body, a.out + a.in_length)) return fail(env, "srtp: GCM failed");
    return NULL;
  }
  cm_iv(k->salt, ssrc, a.index >> 16, a.index << 16 | sequence, iv);
  if (!ctr(k->enc, iv, a.in + header, a.out + header, body)) return fail(env, "srtp: AES-CM failed");
  put32(roc, a.index);
  hmac_tag(&k->auth, a.out, a.in_length, roc, 4, a.out + a.in_length);
  return NULL;
}

/**
 * unprotectRtp(ctx, packet, headerLength, roc, out): true and the RTP packet in `out` (packet
 * length less the tag) when the tag matches; false (nothing trusted in `out`) when not.
 */
static napi_value unprotect_rtp(napi_env env, napi_callback_info info) {
  packet_args a;
  if (!packet_args_get(env, info, 5, &a)) return fail(env, "srtp: unprotectRtp(ctx, packet, headerLength, roc, out)");
  size_t header = a.n, tag = a.ctx->gcm ? GCM_TAG : CM_TAG;
  if (header < 12 || header + tag > a.in_length || a.out_length < a.in_length - tag) return fail(env, "srtp: unprotectRtp lengths");
  uint32_t ssrc = get32(a.in + 8), sequence = (uint32_t)a.in[2] << 8 | a.in[3];
  size_t end = a.in_length - tag, body = end - header;
  uint8_t iv[16], roc[4], expected[CM_TAG];
  const stream_keys *k = &a.ctx->rtp;
  if (a.ctx->gcm) {
    gcm_iv(k->salt, ssrc, a.index, sequence, 1, iv);
    bytes aad = {a.in, header}, none = {NULL, 0};
    int ok = gcm(k->dec, 0, iv, aad, none, a.in + header, a.out + header, body, a.in + end);
    memmove(a.out, a.in, header);
    return boolean(env, ok);
  }
  put32(roc, a.index);
  hmac_tag(&k->auth, a.in, end, roc, 4, expected);
  if (CRYPTO_memcmp(expected, a.in + end, CM_TAG) != 0) return boolean(env, 0);
  cm_iv(k->salt, ssrc, a.index >> 16, a.index << 16 | sequence, iv);
  if (!ctr(k->dec, iv, a.in + header, a.out + header, body)) return fail(env, "srtp: AES-CM failed");
  memmove(a.out, a.in, header);
  return boolean(env, 1);
}

/**
 * protectRtcp(ctx, packet, ssrc, index, out): SRTCP of `packet` (encrypted, E flag set) into `out`,
 * which holds its length plus 4 (E and index) plus the tag.
 */
static napi_value protect_rtcp(napi_env env, napi_callback_info info) {
  packet_args a;
  if (!packet_args_get(env, info, 5, &a)) return fail(env, "srtp: protectRtcp(ctx, packet, ssrc, index, out)");
  size_t tag = a.ctx->gcm ? GCM_TAG : CM_TAG;
  if (a.in_length < 8 || a.out_length < a.in_length + 4 + tag) return fail(env, "srtp: protectRtcp lengths");
  size_t body = a.in_length - 8;
  uint8_t iv[16], trailer[4];
  put32(trailer, 0x80000000u | a.index);
  memmove(a.out, a.in, 8);
  const stream_keys *k = &a.ctx->rtcp;
  if (a.ctx->gcm) {
    // Header, ciphertext, tag, then E+index; the AAD is the header and E+index.
    gcm_iv(k->salt, a.n, 0, a.index, 0, iv);
    bytes header = {a.out, 8}, index = {trailer, 4};
    if (!gcm(k->enc, 1, iv, header, index, a.in + 8, a.out + 8, body, a.out + a.in_length)) return fail(env, "srtp: GCM failed");
    memcpy(a.out + a.in_length + GCM_TAG, trailer, 4);
    return NULL;
  }
  cm_iv(k->salt, a.n, 0, a.index, iv);
  if (!ctr(k->enc, iv, a.in + 8, a.out + 8, body)) return fail(env, "srtp: AES-CM failed");
  memcpy(a.out + a.in_length, trailer, 4);
  hmac_tag(&k->auth, a.out, a.in_length + 4, NULL, 0, a.out + a.in_length + 4);
  return NULL;
}

/**
 * unprotectRtcp(ctx, packet, ssrc, index, out, encrypted): true and the RTCP packet in `out`
 * (packet length less tag and E+index) when the tag matches.
 */
static napi_value unprotect_rtcp(napi_env env, napi_callback_info info) {
  packet_args a;
  if (!packet_args_get(env, info, 6, &a)) return fail(env, "srtp: unprotectRtcp(ctx, packet, ssrc, index, out, encrypted)");
  size_t tag = a.ctx->gcm ? GCM_TAG : CM_TAG;
  if (a.in_length < 8 + 4 + tag || a.out_length < a.in_length - 4 - tag) return fail(env, "srtp: unprotectRtcp lengths");
  size_t end = a.in_length - 4 - tag;
  uint8_t iv[16];
  const stream_keys *k = &a.ctx->rtcp;
  if (a.ctx->gcm) {
    bytes trailer = {a.in + a.in_length - 4, 4};
    gcm_iv(k->salt, a.n, 0, a.index, 0, iv);
    int ok;
    if (a.flag) {
      bytes header = {a.in, 8};
      ok = gcm(k->dec, 0, iv, header, trailer, a.in + 8, a.out + 8, end - 8, a.in + end);
    } else {
      // Unencrypted SRTCP (RFC 7714 9.2): the whole RTCP packet is authenticated data.
      bytes rtcp = {a.in, end};
      ok = gcm(k->dec, 0, iv, rtcp, trailer, NULL, a.out + 8, 0, a.in + end);
      if (ok) memmove(a.out + 8, a.in + 8, end - 8);
    }
    memmove(a.out, a.in, 8);
    return boolean(env, ok);
  }
  uint8_t expected[CM_TAG];
  hmac_tag(&k->auth, a.in, end + 4, NULL, 0, expected);
  if (CRYPTO_memcmp(expected, a.in + end + 4, CM_TAG) != 0) return boolean(env, 0);
  if (a.flag) {
    cm_iv(k->salt, a.n, 0, a.index, iv);
    if (!ctr(k->dec, iv, a.in + 8, a.out + 8, end - 8)) return fail(env, "srtp: AES-CM failed");
  } else {
    memmove(a.out + 8, a.in + 8, end - 8);
  }
  memmove(a.out, a.in, 8);
  return boolean(env, 1);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"protectRtp", NULL, protect_rtp, NULL, NULL, NULL, napi_default, NULL},
      {"unprotectRtp", NULL, unprotect_rtp, NULL, NULL, NULL, napi_default, NULL},
      {"protectRtcp", NULL, protect_rtcp, NULL, NULL, NULL, napi_default, NULL},
      {"unprotectRtcp", NULL, unprotect_rtcp, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods) != napi_ok) return NULL;
  return exports;
}
