// SPDX-License-Identifier: MIT
/**
 * @file detail/mutual_kam3.hpp
 * @brief The KAM3 key exchange of RFC 8121 for the Mutual scheme (RFC 8120): the password-based
 *        secret pi, K_c1, K_s1, the session secret z and the verifiers VK_c / VK_s, over the
 *        RFC 3526 MODP groups 14 and 16 and the NIST curves P-256 and P-521.
 *
 * Every primitive comes from OpenSSL's libcrypto (BN_mod_exp, BN_mod_inverse, EC_POINT_mul,
 * EC_POINT_oct2point, PKCS5_PBKDF2_HMAC, EVP digests); only the composition is ours. No
 * deprecated EC_KEY / DH calls are used.
 *
 * @par Formulas (RFC 8121 section 3 and 4, as implemented; see the notes)
 * @code
 *   pi   = INT(PBKDF2(HMAC_H, password, VS(algorithm) | VS(auth-scope) | VS(realm) | VS(user),
 *                     16384, hSize / 8))                 (RFC 8120 section 12.2)
 *   K_c1 = g^S_c1                                   (client, S_c1 random in [1, q-1])
 *   t_1  = INT(H(octet(1) | OCTETS(K_c1)))
 *   K_s1 = (K_c1^t_1 * g^pi)^S_s1                   (server, S_s1 random in [1, q-1])
 *   t_2  = INT(H(octet(2) | OCTETS(K_c1) | OCTETS(K_s1)))
 *   z    = K_s1^((S_c1 + t_2) / (S_c1 * t_1 + pi) mod q)  (client)
 *   z    = (K_c1 * g^t_2)^S_s1                      (server)
 *   VK_s = H(octet(3) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh))
 *   VK_c = H(octet(4) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh))
 * @endcode
 * Both sides reach z = g^(S_s1 * (S_c1 + t_2)). For the EC algorithms the group is written
 * multiplicatively above: "K^e" is the scalar multiplication e*K and "*" the point addition.
 *
 * Source: the text of draft-ietf-httpauth-mutual-algo-06 (interim 06.1, Nov 2016, the authors'
 * repository yoiwa/httpauth-mutual), which became RFC 8121, and draft-ietf-httpauth-mutual-11
 * section 12 for pi, VI, VS, OCTETS, VK_c and VK_s. Notes:
 * - OCTETS of a DL element is its big-endian encoding in the natural length of p (256 / 512
 *   octets). An EC point p travels as the integer P(p) = 2x + (y mod 2) (RFC 8121 section 3.3),
 *   natural length 33 / 66 octets (RFC 8121 appendix B); it is the SEC 1 compressed form with
 *   the prefix folded into the low bit, so OpenSSL's point decompression decodes it.
 *   Received elements must have exactly that length.
 * - VI(i) is the base-128 big-endian encoding with the high bit set on every octet but the
 *   last; VS(s) = VI(length of s in octets) | s (RFC 8120 section 12.1).
 * - Exponents (pi, t_1, t_2) are reduced mod q (the subgroup order, r in the RFC) before use;
 *   g^x depends only on x mod q, so the values are the RFC's.
 * - DL: the RFC asks 1 < K < p-1 of received values; this code also requires K^q = 1.
 * - The password octets are used as given; normalising them (e.g. PRECIS) is the caller's job.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "../config.hpp"
#include "../crypto.hpp"

namespace authwire {
inline namespace v1 {
namespace mutual {

/// The RFC 8121 algorithms.
enum class algorithm : std::uint8_t {
  dl_2048_sha256,  ///< iso-kam3-dl-2048-sha256: RFC 3526 group 14, SHA-256
  dl_4096_sha512,  ///< iso-kam3-dl-4096-sha512: RFC 3526 group 16, SHA-512
  ec_p256_sha256,  ///< iso-kam3-ec-p256-sha256: NIST P-256, SHA-256
  ec_p521_sha512,  ///< iso-kam3-ec-p521-sha512: NIST P-521, SHA-512
};

/// The algorithm's name as sent in the `algorithm` parameter.
constexpr std::string_view to_string(algorithm a) noexcept {
  switch (a) {
    case algorithm::dl_2048_sha256: return "iso-kam3-dl-2048-sha256";
    case algorithm::dl_4096_sha512: return "iso-kam3-dl-4096-sha512";
    case algorithm::ec_p256_sha256: return "iso-kam3-ec-p256-sha256";
    case algorithm::ec_p521_sha512: return "iso-kam3-ec-p521-sha512";
  }
  return "";
}

/// The algorithm named `s` (exact, case-sensitive: algorithm names are tokens compared as
/// octets in RFC 8120), or false.
inline bool algorithm_from_string(std::string_view s, algorithm& out) noexcept {
  for (auto a : {algorithm::dl_2048_sha256, algorithm::dl_4096_sha512, algorithm::ec_p256_sha256,
                 algorithm::ec_p521_sha512})
    if (s == to_string(a)) {
      out = a;
      return true;
    }
  return false;
}

namespace kam3 {

/// nIterPi, the PBKDF2 iteration count for pi (RFC 8121 section 3).
inline constexpr int pbkdf2_iterations = 16384;

namespace detail {

struct bn_free {
  void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
struct ctx_free {
  void operator()(BN_CTX* c) const noexcept { BN_CTX_free(c); }
};
struct point_free {
  void operator()(EC_POINT* p) const noexcept { EC_POINT_clear_free(p); }
};
struct group_free {
  void operator()(EC_GROUP* g) const noexcept { EC_GROUP_free(g); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;
using ctx_ptr = std::unique_ptr<BN_CTX, ctx_free>;
using point_ptr = std::unique_ptr<EC_POINT, point_free>;
using group_ptr = std::unique_ptr<EC_GROUP, group_free>;

inline bn_ptr bn_new() {
  bn_ptr b(BN_new());
  if (!b) authwire::detail::crypto_failure();
  return b;
}

/// Group parameters of one algorithm, created once and then only read.
struct params {
  bool ec = false;
  hash_algorithm hash = hash_algorithm::sha256;
  std::size_t element_size = 0;  // OCTETS(element)
  std::size_t scalar_size = 0;   // octets of q
  std::size_t field_size = 0;    // EC: octets of the field prime
  unsigned long min_scalar = 0;  // DL: S_c1 must exceed log(p)/log(g) = 2048 / 4096 (RFC 8121 appendix B)
  bn_ptr p, q, g;                // DL: modulus, subgroup order (p-1)/2, generator 2; EC: q = order
  group_ptr group;               // EC
};

inline params make_params(algorithm a) {
  params r;
  r.q = bn_new();
  switch (a) {
    case algorithm::dl_2048_sha256:
    case algorithm::dl_4096_sha512: {
      r.hash = a == algorithm::dl_2048_sha256 ? hash_algorithm::sha256 : hash_algorithm::sha512;
      r.p.reset(a == algorithm::dl_2048_sha256 ? BN_get_rfc3526_prime_2048(nullptr) : BN_get_rfc3526_prime_4096(nullptr));
      r.g = bn_new();
      if (!r.p || BN_set_word(r.g.get(), 2) != 1 || BN_rshift1(r.q.get(), r.p.get()) != 1)
        authwire::detail::crypto_failure();
      r.element_size = static_cast<std::size_t>(BN_num_bytes(r.p.get()));
      r.min_scalar = static_cast<unsigned long>(BN_num_bits(r.p.get()));  // g = 2: g^S_c1 > p
      break;
    }
    case algorithm::ec_p256_sha256:
    case algorithm::ec_p521_sha512: {
      r.ec = true;
      r.hash = a == algorithm::ec_p256_sha256 ? hash_algorithm::sha256 : hash_algorithm::sha512;
      r.group.reset(EC_GROUP_new_by_curve_name(a == algorithm::ec_p256_sha256 ? NID_X9_62_prime256v1 : NID_secp521r1));
      if (!r.group || EC_GROUP_get_order(r.group.get(), r.q.get(), nullptr) != 1) authwire::detail::crypto_failure();
      // P(p) = 2x + (y mod 2) needs degree + 1 bits: 257 -> 33 octets, 522 -> 66 octets.
      r.field_size = static_cast<std::size_t>((EC_GROUP_get_degree(r.group.get()) + 7) / 8);
      r.element_size = static_cast<std::size_t>((EC_GROUP_get_degree(r.group.get()) + 1 + 7) / 8);
      break;
    }
  }
  r.scalar_size = static_cast<std::size_t>(BN_num_bytes(r.q.get()));
  return r;
}

inline const params& get(algorithm a) {
  static const params p0 = make_params(algorithm::dl_2048_sha256);
  static const params p1 = make_params(algorithm::dl_4096_sha512);
  static const params p2 = make_params(algorithm::ec_p256_sha256);
  static const params p3 = make_params(algorithm::ec_p521_sha512);
  switch (a) {
    case algorithm::dl_2048_sha256: return p0;
    case algorithm::dl_4096_sha512: return p1;
    case algorithm::ec_p256_sha256: return p2;
    case algorithm::ec_p521_sha512: break;
  }
  return p3;
}

inline bn_ptr bn_from(std::string_view octets) {
  bn_ptr b(BN_bin2bn(reinterpret_cast<const unsigned char*>(octets.data()), static_cast<int>(octets.size()), nullptr));
  if (!b) authwire::detail::crypto_failure();
  return b;
}

inline std::string bn_octets(const BIGNUM* b, std::size_t len) {
  std::string s(len, '\0');
  if (BN_bn2binpad(b, reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(len)) < 0)
    authwire::detail::crypto_failure();
  return s;
}

/// INT(H(octet(tag) | a | b)) mod q.
inline bn_ptr hash_to_scalar(const params& P, unsigned char tag, std::string_view a, std::string_view b, BN_CTX* ctx) {
  hasher h(P.hash);
  const char t = static_cast<char>(tag);
  h.update(std::string_view(&t, 1)).update(a).update(b);
  const digest_bytes d = h.final();
  bn_ptr r = bn_from(d.view());
  if (BN_nnmod(r.get(), r.get(), P.q.get(), ctx) != 1) authwire::detail::crypto_failure();
  return r;
}

/// Decodes and validates a group element: DL 1 < x < p-1 (RFC 8121 section 3.2) and, stricter
/// than the RFC, x^q = 1 (the order-q subgroup, where every honest g^S lies); EC P'(z) exists
/// (RFC 8121 section 3.3) and is not the point at infinity.
inline bool decode_dl(const params& P, std::string_view octets, bn_ptr& out, BN_CTX* ctx) {
  if (octets.size() != P.element_size) return false;
  out = bn_from(octets);
  bn_ptr pm1 = bn_new();
  if (BN_sub(pm1.get(), P.p.get(), BN_value_one()) != 1) authwire::detail::crypto_failure();
  if (BN_cmp(out.get(), BN_value_one()) <= 0 || BN_cmp(out.get(), pm1.get()) >= 0) return false;
  bn_ptr t = bn_new();
  if (BN_mod_exp(t.get(), out.get(), P.q.get(), P.p.get(), ctx) != 1) authwire::detail::crypto_failure();
  return BN_is_one(t.get()) == 1;
}

inline bool decode_ec(const params& P, std::string_view octets, point_ptr& out, BN_CTX* ctx) {
  // P'(z): x = z >> 1, the low bit is y mod 2; that is SEC 1 point decompression, which
  // OpenSSL does (and refuses x >= p or an x with no point).
  if (octets.size() != P.element_size) return false;
  bn_ptr zb = bn_from(octets);
  const bool odd = BN_is_odd(zb.get()) == 1;
  if (BN_rshift1(zb.get(), zb.get()) != 1) authwire::detail::crypto_failure();
  if (BN_num_bytes(zb.get()) > static_cast<int>(P.field_size)) return false;
  std::string comp(1 + P.field_size, '\0');
  comp[0] = odd ? '\x03' : '\x02';
  if (BN_bn2binpad(zb.get(), reinterpret_cast<unsigned char*>(comp.data()) + 1, static_cast<int>(P.field_size)) < 0)
    return false;
  out.reset(EC_POINT_new(P.group.get()));
  if (!out) authwire::detail::crypto_failure();
  if (EC_POINT_oct2point(P.group.get(), out.get(), reinterpret_cast<const unsigned char*>(comp.data()), comp.size(),
                         ctx) != 1)
    return false;
  // The cofactor of P-256 and P-521 is 1: [h] * K != 0_E is "not the point at infinity".
  return EC_POINT_is_on_curve(P.group.get(), out.get(), ctx) == 1 && EC_POINT_is_at_infinity(P.group.get(), out.get()) == 0;
}

/// OCTETS(P(pt)): the integer 2x + (y mod 2) in `element_size` octets.
inline std::string ec_octets(const params& P, const EC_POINT* pt, BN_CTX* ctx) {
  std::string comp(1 + P.field_size, '\0');
  if (EC_POINT_point2oct(P.group.get(), pt, POINT_CONVERSION_COMPRESSED, reinterpret_cast<unsigned char*>(comp.data()),
                         comp.size(), ctx) != comp.size())
    authwire::detail::crypto_failure();
  bn_ptr z = bn_from(std::string_view(comp).substr(1));
  if (BN_lshift1(z.get(), z.get()) != 1 || (comp[0] == '\x03' && BN_add_word(z.get(), 1) != 1))
    authwire::detail::crypto_failure();
  return bn_octets(z.get(), P.element_size);
}

inline ctx_ptr new_ctx() {
  ctx_ptr c(BN_CTX_new());
  if (!c) authwire::detail::crypto_failure();
  return c;
}

/// g^e as OCTETS; e a scalar.
inline std::string pow_g(const params& P, const BIGNUM* e, BN_CTX* ctx) {
  if (!P.ec) {
    bn_ptr r = bn_new();
    if (BN_mod_exp(r.get(), P.g.get(), e, P.p.get(), ctx) != 1) authwire::detail::crypto_failure();
    return bn_octets(r.get(), P.element_size);
  }
  point_ptr r(EC_POINT_new(P.group.get()));
  if (!r || EC_POINT_mul(P.group.get(), r.get(), e, nullptr, nullptr, ctx) != 1) authwire::detail::crypto_failure();
  return ec_octets(P, r.get(), ctx);
}

inline void append_vi(std::string& out, std::uint64_t v) {
  char buf[10];
  std::size_t n = 0;
  do {
    buf[n++] = static_cast<char>(v & 0x7F);
    v >>= 7;
  } while (v != 0);
  while (n > 0) {
    --n;
    out += static_cast<char>(static_cast<unsigned char>(buf[n]) | (n > 0 ? 0x80 : 0));
  }
}

}  // namespace detail

/// VI(i): RFC 8120 section 12 variable-length integer (base 128, big-endian, high bit = more).
inline std::string vi(std::uint64_t v) {
  std::string s;
  detail::append_vi(s, v);
  return s;
}

/// VS(s) = VI(length(s)) | s.
inline std::string vs(std::string_view s) {
  std::string r;
  detail::append_vi(r, s.size());
  r.append(s);
  return r;
}

/// Octets of OCTETS(element) for algorithm `a` (256, 512, 65, 133).
inline std::size_t element_size(algorithm a) { return detail::get(a).element_size; }
/// Octets of a scalar (an exponent): the length of q.
inline std::size_t scalar_size(algorithm a) { return detail::get(a).scalar_size; }
/// The hash function H of algorithm `a`.
inline hash_algorithm hash_of(algorithm a) { return detail::get(a).hash; }
/// Octets of H's output (the length of vkc / vks).
inline std::size_t hash_size(algorithm a) { return digest_size(hash_of(a)); }

/**
 * The password-based secret pi (RFC 8121), as `scalar_size(a)` big-endian octets.
 * Deliberately slow (PBKDF2 with 16384 iterations).
 */
inline std::string password_secret(algorithm a, std::string_view auth_scope, std::string_view realm,
                                   std::string_view user, std::string_view password) {
  const auto& P = detail::get(a);
  std::string salt = vs(to_string(a));
  salt += vs(auth_scope);
  salt += vs(realm);
  salt += vs(user);
  unsigned char out[64];
  const auto hlen = digest_size(P.hash);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        pbkdf2_iterations, authwire::detail::fetched_md(P.hash), static_cast<int>(hlen), out) != 1)
    authwire::detail::crypto_failure();
  auto ctx = detail::new_ctx();
  detail::bn_ptr pi(BN_bin2bn(out, static_cast<int>(hlen), nullptr));
  OPENSSL_cleanse(out, sizeof out);
  if (!pi || BN_nnmod(pi.get(), pi.get(), P.q.get(), ctx.get()) != 1) authwire::detail::crypto_failure();
  return detail::bn_octets(pi.get(), P.scalar_size);
}

/// A random scalar in [1, q-1] as `scalar_size(a)` octets, drawn from `rnd` (64 extra bits,
/// reduced mod q-1, plus one: the bias is below 2^-64).
inline std::string random_scalar(algorithm a, const random_fn& rnd) {
  const auto& P = detail::get(a);
  auto ctx = detail::new_ctx();
  detail::bn_ptr qm1 = detail::bn_new();
  if (BN_sub(qm1.get(), P.q.get(), BN_value_one()) != 1) authwire::detail::crypto_failure();
  std::string buf(P.scalar_size + 8, '\0');
  while (true) {
    rnd(reinterpret_cast<unsigned char*>(buf.data()), buf.size());
    detail::bn_ptr x = detail::bn_from(buf);
    OPENSSL_cleanse(buf.data(), buf.size());
    if (BN_nnmod(x.get(), x.get(), qm1.get(), ctx.get()) != 1 || BN_add(x.get(), x.get(), BN_value_one()) != 1)
      authwire::detail::crypto_failure();
    // DL: S_c1 > log(p)/log(g) (RFC 8121 section 3.2), so that g^S_c1 wraps around p; a
    // smaller draw has probability about 2^-2036: draw again.
    if (P.min_scalar != 0 && BN_num_bits(x.get()) <= 32 && BN_get_word(x.get()) <= P.min_scalar) continue;
    return detail::bn_octets(x.get(), P.scalar_size);
  }
}

/// True when `octets` is a valid group element of algorithm `a` (see the header notes).
inline bool valid_element(algorithm a, std::string_view octets) {
  const auto& P = detail::get(a);
  auto ctx = detail::new_ctx();
  if (P.ec) {
    detail::point_ptr pt;
    return detail::decode_ec(P, octets, pt, ctx.get());
  }
  detail::bn_ptr x;
  return detail::decode_dl(P, octets, x, ctx.get());
}

/// K_c1 = g^S_c1 (client).
inline std::string client_kc1(algorithm a, std::string_view s_c1) {
  const auto& P = detail::get(a);
  auto ctx = detail::new_ctx();
  detail::bn_ptr s = detail::bn_from(s_c1);
  BN_set_flags(s.get(), BN_FLG_CONSTTIME);
  return detail::pow_g(P, s.get(), ctx.get());
}

/// A random element g^r: the K_s1 of a fake session (RFC 8120 section 11, note 2).
inline std::string fake_ks1(algorithm a, const random_fn& rnd) { return client_kc1(a, random_scalar(a, rnd)); }

/**
 * J(pi) = g^pi (RFC 8121 sections 3.2 and 3.3): what a server may store instead of the password
 * ("augmented" PAKE: pi cannot be computed back from it). `pi` as from password_secret().
 */
inline std::string verifier_from_pi(algorithm a, std::string_view pi) { return client_kc1(a, pi); }

/**
 * The server's step from the stored J(pi): from a received K_c1 and S_s1, computes
 * K_s1 = (J * K_c1^t_1)^S_s1 and z = (K_c1 * g^t_2)^S_s1 (both as OCTETS). False when K_c1 or J
 * is not a valid element or a degenerate value results (the exchange is then refused,
 * RFC 8121 section 3.2).
 */
inline bool server_exchange_verifier(algorithm a, std::string_view kc1, std::string_view j, std::string_view s_s1,
                                     std::string& ks1_out, std::string& z_out) {
  const auto& P = detail::get(a);
  auto ctx = detail::new_ctx();
  detail::bn_ptr t1 = detail::hash_to_scalar(P, 1, kc1, {}, ctx.get());
  detail::bn_ptr s = detail::bn_from(s_s1);
  BN_set_flags(s.get(), BN_FLG_CONSTTIME);
  if (BN_is_zero(t1.get())) return false;
  if (!P.ec) {
    detail::bn_ptr k, jb;
    if (!detail::decode_dl(P, kc1, k, ctx.get()) || !detail::decode_dl(P, j, jb, ctx.get())) return false;
    detail::bn_ptr x = detail::bn_new(), y = detail::bn_new(), r = detail::bn_new();
    // base = J * K_c1^t_1 mod p
    if (BN_mod_exp(x.get(), k.get(), t1.get(), P.p.get(), ctx.get()) != 1 ||
        BN_mod_mul(x.get(), x.get(), jb.get(), P.p.get(), ctx.get()) != 1)
      authwire::detail::crypto_failure();
    if (BN_is_one(x.get())) return false;
    if (BN_mod_exp(r.get(), x.get(), s.get(), P.p.get(), ctx.get()) != 1) authwire::detail::crypto_failure();
    ks1_out = detail::bn_octets(r.get(), P.element_size);
    detail::bn_ptr t2 = detail::hash_to_scalar(P, 2, kc1, ks1_out, ctx.get());
    // z = (K_c1 * g^t_2)^S_s1
    if (BN_mod_exp(y.get(), P.g.get(), t2.get(), P.p.get(), ctx.get()) != 1 ||
        BN_mod_mul(x.get(), k.get(), y.get(), P.p.get(), ctx.get()) != 1)
      authwire::detail::crypto_failure();
    if (BN_is_one(x.get())) return false;
    if (BN_mod_exp(r.get(), x.get(), s.get(), P.p.get(), ctx.get()) != 1) authwire::detail::crypto_failure();
    z_out = detail::bn_octets(r.get(), P.element_size);
    return true;
  }
  detail::point_ptr k, jp;
  if (!detail::decode_ec(P, kc1, k, ctx.get()) || !detail::decode_ec(P, j, jp, ctx.get())) return false;
  const EC_GROUP* G = P.group.get();
  detail::point_ptr base(EC_POINT_new(G)), r(EC_POINT_new(G));
  if (!base || !r) authwire::detail::crypto_failure();
  // base = J + [t_1] * K_c1
  if (EC_POINT_mul(G, base.get(), nullptr, k.get(), t1.get(), ctx.get()) != 1 ||
      EC_POINT_add(G, base.get(), base.get(), jp.get(), ctx.get()) != 1)
    authwire::detail::crypto_failure();
  if (EC_POINT_is_at_infinity(G, base.get())) return false;
  if (EC_POINT_mul(G, r.get(), nullptr, base.get(), s.get(), ctx.get()) != 1) authwire::detail::crypto_failure();
  ks1_out = detail::ec_octets(P, r.get(), ctx.get());
  detail::bn_ptr t2 = detail::hash_to_scalar(P, 2, kc1, ks1_out, ctx.get());
  // z = [S_s1] * (K_c1 + [t_2] * G)
  detail::point_ptr sum(EC_POINT_new(G));
  if (!sum || EC_POINT_mul(G, sum.get(), t2.get(), k.get(), BN_value_one(), ctx.get()) != 1)
    authwire::detail::crypto_failure();
  if (EC_POINT_is_at_infinity(G, sum.get())) return false;
  if (EC_POINT_mul(G, r.get(), nullptr, sum.get(), s.get(), ctx.get()) != 1) authwire::detail::crypto_failure();
  z_out = detail::ec_octets(P, r.get(), ctx.get());
  return true;
}

/**
 * The server's step from pi: server_exchange_verifier() with J = g^pi. False when K_c1 is not a
 * valid element or a degenerate value results.
 */
inline bool server_exchange(algorithm a, std::string_view kc1, std::string_view pi, std::string_view s_s1,
                            std::string& ks1_out, std::string& z_out) {
  return server_exchange_verifier(a, kc1, verifier_from_pi(a, pi), s_s1, ks1_out, z_out);
}

/**
 * The client's step: from K_c1, the received K_s1, S_c1 and pi, computes z. False when K_s1 is
 * not a valid element or the exponent is not invertible.
 */
inline bool client_exchange(algorithm a, std::string_view kc1, std::string_view ks1, std::string_view s_c1,
                            std::string_view pi, std::string& z_out) {
  const auto& P = detail::get(a);
  auto ctx = detail::new_ctx();
  detail::bn_ptr t1 = detail::hash_to_scalar(P, 1, kc1, {}, ctx.get());
  detail::bn_ptr t2 = detail::hash_to_scalar(P, 2, kc1, ks1, ctx.get());
  detail::bn_ptr s = detail::bn_from(s_c1);
  detail::bn_ptr pib = detail::bn_from(pi);
  // e = (S_c1 + t_2) / (S_c1 * t_1 + pi) mod q
  detail::bn_ptr num = detail::bn_new(), den = detail::bn_new(), e = detail::bn_new();
  if (BN_mod_add(num.get(), s.get(), t2.get(), P.q.get(), ctx.get()) != 1 ||
      BN_mod_mul(den.get(), s.get(), t1.get(), P.q.get(), ctx.get()) != 1 ||
      BN_mod_add(den.get(), den.get(), pib.get(), P.q.get(), ctx.get()) != 1)
    authwire::detail::crypto_failure();
  if (BN_is_zero(den.get()) || BN_is_zero(num.get())) return false;
  if (BN_mod_inverse(den.get(), den.get(), P.q.get(), ctx.get()) == nullptr) return false;
  if (BN_mod_mul(e.get(), num.get(), den.get(), P.q.get(), ctx.get()) != 1) authwire::detail::crypto_failure();
  BN_set_flags(e.get(), BN_FLG_CONSTTIME);
  if (!P.ec) {
    detail::bn_ptr k;
    if (!detail::decode_dl(P, ks1, k, ctx.get())) return false;
    detail::bn_ptr r = detail::bn_new();
    if (BN_mod_exp(r.get(), k.get(), e.get(), P.p.get(), ctx.get()) != 1) authwire::detail::crypto_failure();
    z_out = detail::bn_octets(r.get(), P.element_size);
    return true;
  }
  detail::point_ptr k;
  if (!detail::decode_ec(P, ks1, k, ctx.get())) return false;
  detail::point_ptr r(EC_POINT_new(P.group.get()));
  if (!r || EC_POINT_mul(P.group.get(), r.get(), nullptr, k.get(), e.get(), ctx.get()) != 1)
    authwire::detail::crypto_failure();
  z_out = detail::ec_octets(P, r.get(), ctx.get());
  return true;
}

/// Which verifier: VK_s (tag 3, sent by the server as vks) or VK_c (tag 4, sent as vkc).
enum class verifier : unsigned char { server = 3, client = 4 };

/// VK = H(octet(tag) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh)).
inline std::string verifier_value(algorithm a, verifier which, std::string_view kc1, std::string_view ks1,
                                  std::string_view z, std::uint64_t nc, std::string_view vh) {
  hasher h(hash_of(a));
  const char t = static_cast<char>(which);
  std::string tail = vi(nc);
  tail += vs(vh);
  h.update(std::string_view(&t, 1)).update(kc1).update(ks1).update(z).update(tail);
  return std::string(h.final().view());
}

}  // namespace kam3
}  // namespace mutual
}  // namespace v1
}  // namespace authwire
