// SPDX-License-Identifier: MIT
/**
 * @file crypto.hpp
 * @brief Every cryptographic primitive authwire uses, from OpenSSL 3's libcrypto: hashes,
 *        HMAC, random bytes, constant-time comparison, public-key signatures.
 *
 * Digests and the HMAC implementation are fetched once per process (no per-call lookup by
 * name); contexts are reused through thread-local objects. No primitive is written by hand (only the
 * branch-free comparison and the secure wipe below are, which are not primitives).
 */
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>


#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "codec.hpp"
#include "config.hpp"

namespace authwire {
inline namespace v1 {

/// The hash functions the schemes use.
enum class hash_algorithm : std::uint8_t { md5, sha1, sha256, sha512_256, sha512 };

namespace detail {
[[noreturn]] inline void crypto_failure() noexcept { std::abort(); }

inline const char* openssl_name(hash_algorithm a) noexcept {
  switch (a) {
    case hash_algorithm::md5: return "MD5";
    case hash_algorithm::sha1: return "SHA1";
    case hash_algorithm::sha256: return "SHA2-256";
    case hash_algorithm::sha512_256: return "SHA2-512/256";
    case hash_algorithm::sha512: return "SHA2-512";
  }
  return "SHA2-256";
}

// Fetched once per process; the fetched objects live until exit.
inline const EVP_MD* fetched_md(hash_algorithm a) noexcept {
  static const std::array<EVP_MD*, 5> mds = [] {
    std::array<EVP_MD*, 5> m{};
    for (std::size_t i = 0; i < m.size(); ++i)
      m[i] = EVP_MD_fetch(nullptr, openssl_name(static_cast<hash_algorithm>(i)), nullptr);
    return m;
  }();
  const EVP_MD* md = mds[static_cast<std::size_t>(a)];
  if (md == nullptr) crypto_failure();
  return md;
}

inline EVP_MAC* fetched_hmac() noexcept {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) crypto_failure();
  return mac;
}
}  // namespace detail

/// Output size in bytes of `a`.
constexpr std::size_t digest_size(hash_algorithm a) noexcept {
  switch (a) {
    case hash_algorithm::md5: return 16;
    case hash_algorithm::sha1: return 20;
    case hash_algorithm::sha256: return 32;
    case hash_algorithm::sha512_256: return 32;
    case hash_algorithm::sha512: return 64;
  }
  return 0;
}

/// A digest or MAC value held inline (no allocation).
struct digest_bytes {
  std::array<unsigned char, 64> data{};
  std::size_t size = 0;

  std::string_view view() const noexcept { return {reinterpret_cast<const char*>(data.data()), size}; }
  /// Writes 2*size lower-case hex digits to `out`.
  void hex_to(char* out) const noexcept {
    std::size_t i = 0;
#if AUTHWIRE_SSE2
    for (; i + 16 <= size; i += 16) {
      __m128i a, b;
      hex16(i, a, b);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * i), a);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * i + 16), b);
    }
#endif
    for (; i < size; ++i) {
      out[2 * i] = hex_digits[data[i] >> 4];
      out[2 * i + 1] = hex_digits[data[i] & 15];
    }
  }
  /**
   * True when `hex` is exactly the 2*size lower-case hex digits of this value, compared in
   * time that depends only on the sizes (as constant_time_equal; the hex is made in
   * registers and never stored). For checking a hex signature against the computed MAC.
   */
  bool hex_equal(std::string_view hex) const noexcept {
    if (hex.size() != 2 * size) return false;
    std::size_t i = 0;
    std::uint32_t acc = 0;
#if AUTHWIRE_SSE2
    __m128i v = _mm_setzero_si128();
    for (; i + 16 <= size; i += 16) {
      __m128i a, b;
      hex16(i, a, b);
      v = _mm_or_si128(v, _mm_or_si128(_mm_xor_si128(a, _mm_loadu_si128(reinterpret_cast<const __m128i*>(hex.data() + 2 * i))),
                                        _mm_xor_si128(b, _mm_loadu_si128(reinterpret_cast<const __m128i*>(hex.data() + 2 * i + 16)))));
#  if defined(__GNUC__) || defined(__clang__)
      __asm__("" : "+x"(v));
#  endif
    }
    acc = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) ^ 0xFFFF);
#endif
    for (; i < size; ++i) {
      acc |= static_cast<std::uint32_t>(static_cast<unsigned char>(hex[2 * i]) ^ static_cast<unsigned char>(hex_digits[data[i] >> 4])) |
             static_cast<std::uint32_t>(static_cast<unsigned char>(hex[2 * i + 1]) ^ static_cast<unsigned char>(hex_digits[data[i] & 15]));
#if defined(__GNUC__) || defined(__clang__)
      __asm__("" : "+r"(acc));
#endif
    }
    return acc == 0;
  }
  std::string hex() const {
    std::string s(2 * size, '\0');
    hex_to(s.data());
    return s;
  }

 private:
  static constexpr char hex_digits[] = "0123456789abcdef";
#if AUTHWIRE_SSE2
  // The 32 hex digits of data[i..i+16): split into nibbles, interleave (high first), map 0..9
  // to '0'..'9' and 10..15 to 'a'..'f' ('0' + n, plus 39 where n > 9).
  void hex16(std::size_t i, __m128i& a, __m128i& b) const noexcept {
    const __m128i low4 = _mm_set1_epi8(0x0F), nine = _mm_set1_epi8(9);
    const __m128i zero_char = _mm_set1_epi8('0'), gap = _mm_set1_epi8('a' - '0' - 10);
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data.data() + i));
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), low4);
    const __m128i lo = _mm_and_si128(x, low4);
    a = _mm_unpacklo_epi8(hi, lo);
    b = _mm_unpackhi_epi8(hi, lo);
    a = _mm_add_epi8(_mm_add_epi8(a, zero_char), _mm_and_si128(_mm_cmpgt_epi8(a, nine), gap));
    b = _mm_add_epi8(_mm_add_epi8(b, zero_char), _mm_and_si128(_mm_cmpgt_epi8(b, nine), gap));
  }
#endif
};

/// Hex text of a digest held inline: what Digest and SigV4 feed into the next hash.
struct hex_digest {
  std::array<char, 128> data{};
  std::size_t size = 0;
  explicit hex_digest(const digest_bytes& d) noexcept : size(2 * d.size) { d.hex_to(data.data()); }
  std::string_view view() const noexcept { return {data.data(), size}; }
};

/// A reusable message-digest context (EVP_MD_CTX). Not thread-safe; one per thread.
class hasher {
 public:
  hasher() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_) detail::crypto_failure();
  }
  explicit hasher(hash_algorithm a) : hasher() { init(a); }
  hasher(const hasher&) = delete;
  hasher& operator=(const hasher&) = delete;
  hasher(hasher&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}
  hasher& operator=(hasher&& o) noexcept {
    std::swap(ctx_, o.ctx_);
    return *this;
  }
  ~hasher() { EVP_MD_CTX_free(ctx_); }

  hasher& init(hash_algorithm a) noexcept {
    if (EVP_DigestInit_ex2(ctx_, detail::fetched_md(a), nullptr) != 1) detail::crypto_failure();
    return *this;
  }
  hasher& update(std::string_view s) noexcept {
    if (EVP_DigestUpdate(ctx_, s.data(), s.size()) != 1) detail::crypto_failure();
    return *this;
  }
  digest_bytes final() noexcept {
    digest_bytes d;
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_, d.data.data(), &n) != 1) detail::crypto_failure();
    d.size = n;
    return d;
  }
  /// Takes over `o`'s algorithm and the input it has hashed so far (EVP_MD_CTX_copy_ex), so
  /// that a common prefix is hashed once and finished several ways. `o` is unchanged.
  hasher& copy_from(const hasher& o) noexcept {
    if (EVP_MD_CTX_copy_ex(ctx_, o.ctx_) != 1) detail::crypto_failure();
    return *this;
  }

 private:
  EVP_MD_CTX* ctx_;
};

/// One-shot hash through a thread-local reused context.
inline digest_bytes hash(hash_algorithm a, std::string_view s) noexcept {
  thread_local hasher h;
  return h.init(a).update(s).final();
}

/// A keyed HMAC context (EVP_MAC "HMAC"), reusable for many messages under one key.
class hmac {
 public:
  hmac() : ctx_(EVP_MAC_CTX_new(detail::fetched_hmac())) {
    if (!ctx_) detail::crypto_failure();
  }
  hmac(hash_algorithm a, std::string_view key) : hmac() { init(a, key); }
  hmac(const hmac& o) : ctx_(EVP_MAC_CTX_dup(o.ctx_)) {
    if (!ctx_) detail::crypto_failure();
  }
  hmac& operator=(const hmac& o) {
    hmac t(o);
    std::swap(ctx_, t.ctx_);
    return *this;
  }
  hmac(hmac&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}
  hmac& operator=(hmac&& o) noexcept {
    std::swap(ctx_, o.ctx_);
    return *this;
  }
  ~hmac() { EVP_MAC_CTX_free(ctx_); }

  /// Sets the digest and the key, and starts a message.
  hmac& init(hash_algorithm a, std::string_view key) noexcept {
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 const_cast<char*>(detail::openssl_name(a)), 0);
    params[1] = OSSL_PARAM_construct_end();
    // A zero-length key is valid HMAC; OpenSSL wants a non-null pointer for it.
    static const unsigned char empty = 0;
    const auto* k = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
    if (EVP_MAC_init(ctx_, k, key.size(), params) != 1) detail::crypto_failure();
    return *this;
  }
  /// Starts a new message under the same key.
  hmac& reset() noexcept {
    if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1) detail::crypto_failure();
    return *this;
  }
  hmac& update(std::string_view s) noexcept {
    if (EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(s.data()), s.size()) != 1)
      detail::crypto_failure();
    return *this;
  }
  digest_bytes final() noexcept {
    digest_bytes d;
    std::size_t n = 0;
    if (EVP_MAC_final(ctx_, d.data.data(), &n, d.data.size()) != 1) detail::crypto_failure();
    d.size = n;
    return d;
  }

 private:
  EVP_MAC_CTX* ctx_;
};

/// One-shot HMAC-SHA256 through a thread-local reused context.
inline digest_bytes hmac_sha256(std::string_view key, std::string_view msg) noexcept {
  thread_local hmac h;
  return h.init(hash_algorithm::sha256, key).update(msg).final();
}

/**
 * Compares two secrets in time that depends only on their lengths: the XOR of every 16-byte
 * block (with SSE2), 8-byte word, then of the remaining bytes is OR-ed into one accumulator, with no branch on the
 * data, and only the final accumulator is tested. An empty asm statement makes the
 * accumulator opaque to the optimiser on every step, so it cannot turn the loop into an early
 * exit; compilers without GNU asm use OpenSSL's CRYPTO_memcmp. Unequal lengths return false
 * at once (lengths are not secret).
 */
inline bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
#if defined(__GNUC__) || defined(__clang__)
  const char* const p = a.data();
  const char* const q = b.data();
  const std::size_t n = a.size();
  std::uint64_t acc = 0;
  std::size_t i = 0;
#if AUTHWIRE_SSE2
  // 16 bytes per step into a vector accumulator (opaque to the optimiser the same way),
  // folded into `acc` once.
  if (n >= 16) {
    __m128i v = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
      v = _mm_or_si128(v, _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)),
                                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + i))));
      __asm__("" : "+x"(v));
    }
    acc = static_cast<std::uint64_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) ^ 0xFFFF);
  }
#endif
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, p + i, 8);
    std::memcpy(&y, q + i, 8);
    acc |= x ^ y;
    __asm__("" : "+r"(acc));
  }
  for (; i < n; ++i) {
    acc |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i]) ^ static_cast<unsigned char>(q[i]));
    __asm__("" : "+r"(acc));
  }
  return acc == 0;
#else
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
#endif
}

/**
 * Overwrites `n` bytes at `p` with zeros in a way the compiler may not remove as a dead store
 * (a secret about to be released or reused): memset followed by a compiler barrier that
 * claims to read the memory (GCC, Clang), else OPENSSL_cleanse.
 */
inline void secure_wipe(void* p, std::size_t n) noexcept {
  if (n == 0) return;
#if defined(__GNUC__) || defined(__clang__)
  std::memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
#else
  OPENSSL_cleanse(p, n);
#endif
}

/// Wipes the bytes of `s` (its size; the capacity beyond is not touched), see above.
inline void secure_wipe(std::string& s) noexcept { secure_wipe(s.data(), s.size()); }

/// A source of random bytes; injectable so that tests are exact.
using random_fn = std::function<void(unsigned char*, std::size_t)>;

/// Fills `out` from OpenSSL's CSPRNG (RAND_bytes); aborts if it cannot.
inline void random_bytes(unsigned char* out, std::size_t n) noexcept {
  while (n > 0) {
    const int chunk = n > 1u << 20 ? 1 << 20 : static_cast<int>(n);
    if (RAND_bytes(out, chunk) != 1) detail::crypto_failure();
    out += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
}

/// The default random source: OpenSSL's CSPRNG.
inline random_fn system_random() { return [](unsigned char* p, std::size_t n) { random_bytes(p, n); }; }

/// A public key (RSA or EC) loaded from PEM (SubjectPublicKeyInfo, `BEGIN PUBLIC KEY`).
class public_key {
 public:
  public_key() = default;
  /// @return the key, or nullopt when `pem` holds no public key.
  static std::optional<public_key> from_pem(std::string_view pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    if (!bio) return std::nullopt;
    EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!k) return std::nullopt;
    public_key p;
    p.key_.reset(k, deleter{});
    return p;
  }
  EVP_PKEY* get() const noexcept { return key_.get(); }
  explicit operator bool() const noexcept { return static_cast<bool>(key_); }

 private:
  struct deleter {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
  };
  std::shared_ptr<EVP_PKEY> key_{nullptr, deleter{}};
  friend class private_key;
};

/**
 * Verifies `sig` over `data` with `key`: RSASSA-PKCS1-v1_5 for RSA keys, ECDSA (DER) for EC.
 * @return true only for a valid signature.
 */
inline bool verify_signature(const public_key& key, hash_algorithm a, std::string_view data,
                             std::string_view sig) noexcept {
  if (!key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx) return false;
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, EVP_MD_get0_name(detail::fetched_md(a)), nullptr, nullptr,
                              key.get(), nullptr) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

/// A private key (RSA or EC) loaded from PEM, for clients and tests.
class private_key {
 public:
  static std::optional<private_key> from_pem(std::string_view pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    if (!bio) return std::nullopt;
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (!k) return std::nullopt;
    private_key p;
    p.key_.reset(k, [](EVP_PKEY* x) { EVP_PKEY_free(x); });
    return p;
  }
  EVP_PKEY* get() const noexcept { return key_.get(); }

  /// Signs `data`: RSASSA-PKCS1-v1_5 for RSA keys, ECDSA (DER) for EC. Empty on failure.
  std::string sign(hash_algorithm a, std::string_view data) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || !key_) return {};
    if (EVP_DigestSignInit_ex(ctx.get(), nullptr, EVP_MD_get0_name(detail::fetched_md(a)), nullptr, nullptr,
                              key_.get(), nullptr) != 1)
      return {};
    std::size_t n = 0;
    const auto* d = reinterpret_cast<const unsigned char*>(data.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &n, d, data.size()) != 1) return {};
    std::string sig(n, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n, d, data.size()) != 1) return {};
    sig.resize(n);
    return sig;
  }

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace v1
}  // namespace authwire
