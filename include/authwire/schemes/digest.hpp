// SPDX-License-Identifier: MIT
/**
 * @file digest.hpp
 * @brief HTTP Digest access authentication (RFC 7616, RFC 8187 `username*`): typed
 *        credentials, the server handler (stateless HMAC nonces, replay tracking through a
 *        `state_store`, `stale=true`, `Authentication-Info`), Apache htdigest files, and the
 *        client (credentials from a challenge, nonce counting, `rspauth` checking).
 *
 * @par Grammar (RFC 7616 section 3.3, section 3.4, section 3.5)
 * @code
 *   challenge   = "Digest" realm [ domain ] nonce [ opaque ] [ stale ] [ algorithm ]
 *                 qop-options [ charset ] [ userhash ]   ; as auth-params, any order
 *   credentials = "Digest" ( username / username* ) realm nonce digest-uri response
 *                 [ algorithm ] [ cnonce ] [ opaque ] [ message-qop ] [ nonce-count ]
 *                 [ userhash ]
 *   algorithm   = "MD5" / "MD5-sess" / "SHA-256" / "SHA-256-sess" / "SHA-512-256" /
 *                 "SHA-512-256-sess" / token
 *   qop-value   = "auth" / "auth-int" / token
 *   nc-value    = 8LHEX
 *   response    = DQUOTE 32LHEX / 64LHEX DQUOTE
 * @endcode
 *
 * Server: `handler` (a `scheme_handler`). Client: `client`, or the free functions
 * `read_challenge`, `choose_challenge`, `build_authorization`, `check_authentication_info`.
 * Secrets are compared in constant time and never appear in any error or reason.
 */
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../authentication_info.hpp"
#include "../challenge.hpp"
#include "../clock.hpp"
#include "../codec.hpp"
#include "../config.hpp"
#include "../credentials.hpp"
#include "../crypto.hpp"
#include "../error.hpp"
#include "../grammar.hpp"
#include "../result.hpp"
#include "../server.hpp"
#include "../store.hpp"

namespace authwire {
inline namespace v1 {
namespace digest {

/**
 * Digest errors. Values are never reused. 1 to 21 and 25 are malformed credentials (400);
 * 22 to 24, 26 to 34 and 41 refuse the credentials (401/407, fresh challenges; stale=true for
 * 31, 33, 34 and 41); 35 is a store that cannot answer (503); 36 to 40 are client-side and
 * file errors.
 */
enum class errc : std::uint8_t {
  ok = 0,
  bad_syntax = 1,                   ///< the generic auth-param grammar failed (offset kept)
  not_digest = 2,                   ///< the scheme is not Digest
  token68_not_allowed = 3,          ///< Digest takes auth-params, not a token68
  duplicate_directive = 4,          ///< a directive occurs twice
  value_too_long = 5,               ///< a value exceeds its limit (parse_limits)
  missing_username = 6,             ///< neither username nor username*
  username_and_username_star = 7,   ///< both username and username* (RFC 7616 section 3.4)
  bad_username_star = 8,            ///< username* is not an RFC 8187 ext-value in UTF-8
  missing_realm = 9,
  missing_nonce = 10,
  missing_uri = 11,
  missing_response = 12,
  bad_response = 13,                ///< response is not hex of the algorithm's output length
  unsupported_algorithm = 14,       ///< an algorithm this library does not know
  unsupported_qop = 15,             ///< a qop other than auth and auth-int
  missing_cnonce = 16,              ///< qop or a -sess algorithm without a (non-empty) cnonce
  missing_nc = 17,                  ///< qop without nc
  bad_nc = 18,                      ///< nc is not exactly 8 hex digits, or is zero
  nc_without_qop = 19,              ///< nc (or cnonce, without -sess) but no qop
  bad_userhash = 20,                ///< userhash is neither true nor false
  username_star_with_userhash = 21, ///< username* cannot be hashed (RFC 7616 section 3.4.4)
  missing_qop = 22,                 ///< the RFC 2069 form (no qop) where it is not enabled
  wrong_realm = 23,                 ///< realm differs from the one offered
  wrong_opaque = 24,                ///< opaque missing or different from the one offered
  uri_mismatch = 25,                ///< uri is not the request-target (RFC 7616 section 3.4.6)
  algorithm_not_offered = 26,       ///< a known algorithm that was not offered (no downgrade)
  qop_not_offered = 27,             ///< a qop that was not offered
  userhash_not_offered = 28,        ///< userhash=true where it was not offered
  auth_int_unavailable = 29,        ///< qop=auth-int but the body is not available
  bad_nonce = 30,                   ///< a nonce this server did not issue (forged, altered, other binding)
  stale_nonce = 31,                 ///< the nonce expired; the response was right (stale=true)
  invalid_response = 32,            ///< wrong password or unknown user (not told apart)
  replayed_nc = 33,                 ///< this nonce count was used already
  nc_too_old = 34,                  ///< the nonce count is below the replay window
  store_unavailable = 35,           ///< the nonce-count store cannot answer: fail closed (503)
  bad_challenge = 36,               ///< client: a Digest challenge without realm or nonce, or malformed
  no_supported_challenge = 37,      ///< client: no Digest challenge with a supported algorithm
  bad_authentication_info = 38,     ///< client: Authentication-Info malformed or not matching the request
  rspauth_mismatch = 39,            ///< client: rspauth is wrong (the server does not know the secret)
  bad_htdigest = 40,                ///< an htdigest line is not user:realm:32 hex digits
  nc_limit = 41,                    ///< nc above options::max_nc: a new nonce is needed (stale=true)
};

/// The enumerator's name as spelled in the source.
constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::bad_syntax: return "bad_syntax";
    case errc::not_digest: return "not_digest";
    case errc::token68_not_allowed: return "token68_not_allowed";
    case errc::duplicate_directive: return "duplicate_directive";
    case errc::value_too_long: return "value_too_long";
    case errc::missing_username: return "missing_username";
    case errc::username_and_username_star: return "username_and_username_star";
    case errc::bad_username_star: return "bad_username_star";
    case errc::missing_realm: return "missing_realm";
    case errc::missing_nonce: return "missing_nonce";
    case errc::missing_uri: return "missing_uri";
    case errc::missing_response: return "missing_response";
    case errc::bad_response: return "bad_response";
    case errc::unsupported_algorithm: return "unsupported_algorithm";
    case errc::unsupported_qop: return "unsupported_qop";
    case errc::missing_cnonce: return "missing_cnonce";
    case errc::missing_nc: return "missing_nc";
    case errc::bad_nc: return "bad_nc";
    case errc::nc_without_qop: return "nc_without_qop";
    case errc::bad_userhash: return "bad_userhash";
    case errc::username_star_with_userhash: return "username_star_with_userhash";
    case errc::missing_qop: return "missing_qop";
    case errc::wrong_realm: return "wrong_realm";
    case errc::wrong_opaque: return "wrong_opaque";
    case errc::uri_mismatch: return "uri_mismatch";
    case errc::algorithm_not_offered: return "algorithm_not_offered";
    case errc::qop_not_offered: return "qop_not_offered";
    case errc::userhash_not_offered: return "userhash_not_offered";
    case errc::auth_int_unavailable: return "auth_int_unavailable";
    case errc::bad_nonce: return "bad_nonce";
    case errc::stale_nonce: return "stale_nonce";
    case errc::invalid_response: return "invalid_response";
    case errc::replayed_nc: return "replayed_nc";
    case errc::nc_too_old: return "nc_too_old";
    case errc::store_unavailable: return "store_unavailable";
    case errc::bad_challenge: return "bad_challenge";
    case errc::no_supported_challenge: return "no_supported_challenge";
    case errc::bad_authentication_info: return "bad_authentication_info";
    case errc::rspauth_mismatch: return "rspauth_mismatch";
    case errc::bad_htdigest: return "bad_htdigest";
    case errc::nc_limit: return "nc_limit";
  }
  return "unknown";
}

/// A one-line English description, with no secret in it.
constexpr std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::ok: return "no error";
    case errc::bad_syntax: return "the Digest credentials do not follow the auth-param grammar";
    case errc::not_digest: return "the credentials are not Digest credentials";
    case errc::token68_not_allowed: return "Digest credentials are auth-params, not a token68";
    case errc::duplicate_directive: return "a Digest directive occurs twice";
    case errc::value_too_long: return "a Digest directive value is too long";
    case errc::missing_username: return "username or username* is required";
    case errc::username_and_username_star: return "username and username* must not both be sent";
    case errc::bad_username_star: return "username* is not a UTF-8 ext-value (RFC 8187)";
    case errc::missing_realm: return "realm is required";
    case errc::missing_nonce: return "nonce is required";
    case errc::missing_uri: return "uri is required";
    case errc::missing_response: return "response is required";
    case errc::bad_response: return "response is not hex of the algorithm's output length";
    case errc::unsupported_algorithm: return "unsupported Digest algorithm";
    case errc::unsupported_qop: return "unsupported qop";
    case errc::missing_cnonce: return "cnonce is required with qop and with -sess algorithms";
    case errc::missing_nc: return "nc is required with qop";
    case errc::bad_nc: return "nc must be 8 hex digits and not zero";
    case errc::nc_without_qop: return "nc and cnonce are only allowed with qop";
    case errc::bad_userhash: return "userhash must be true or false";
    case errc::username_star_with_userhash: return "username* cannot be used with userhash=true";
    case errc::missing_qop: return "qop is required (the RFC 2069 form is not enabled)";
    case errc::wrong_realm: return "the realm is not the one offered";
    case errc::wrong_opaque: return "opaque is not the one offered";
    case errc::uri_mismatch: return "uri does not match the request-target";
    case errc::algorithm_not_offered: return "the algorithm was not offered";
    case errc::qop_not_offered: return "the qop was not offered";
    case errc::userhash_not_offered: return "userhash was not offered";
    case errc::auth_int_unavailable: return "qop=auth-int needs the request body, which is not available";
    case errc::bad_nonce: return "the nonce was not issued by this server";
    case errc::stale_nonce: return "the nonce has expired";
    case errc::invalid_response: return "the credentials are not valid";
    case errc::replayed_nc: return "the nonce count was used before";
    case errc::nc_too_old: return "the nonce count is outside the replay window";
    case errc::store_unavailable: return "the nonce-count store is unavailable";
    case errc::bad_challenge: return "the Digest challenge is malformed or lacks realm or nonce";
    case errc::no_supported_challenge: return "no Digest challenge with a supported algorithm";
    case errc::bad_authentication_info: return "Authentication-Info is malformed or does not match the request";
    case errc::rspauth_mismatch: return "rspauth is wrong";
    case errc::bad_htdigest: return "an htdigest line is not user:realm:HA1";
    case errc::nc_limit: return "the nonce count reached its limit: a new nonce is needed";
  }
  return "unknown error";
}

/// The error category "authwire.digest".
inline const std::error_category& category() noexcept {
  static const authwire::detail::enum_category<errc> c("authwire.digest");
  return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

/// A Digest error and its byte offset.
using error = basic_error<errc>;

/// The Digest algorithms of RFC 7616 section 3.3, weakest first.
enum class algorithm : std::uint8_t { md5, md5_sess, sha256, sha256_sess, sha512_256, sha512_256_sess };

/// The name as sent in `algorithm=` ("SHA-512-256-sess").
constexpr std::string_view to_string(algorithm a) noexcept {
  switch (a) {
    case algorithm::md5: return "MD5";
    case algorithm::md5_sess: return "MD5-sess";
    case algorithm::sha256: return "SHA-256";
    case algorithm::sha256_sess: return "SHA-256-sess";
    case algorithm::sha512_256: return "SHA-512-256";
    case algorithm::sha512_256_sess: return "SHA-512-256-sess";
  }
  return "MD5";
}

/// Reads an algorithm name, case-insensitively (RFC 7616 section 3.3 names).
constexpr std::optional<algorithm> parse_algorithm(std::string_view s) noexcept {
  for (std::uint8_t i = 0; i < 6; ++i)
    if (iequals(s, to_string(static_cast<algorithm>(i)))) return static_cast<algorithm>(i);
  return std::nullopt;
}

/// The hash function of `a`.
constexpr hash_algorithm hash_of(algorithm a) noexcept {
  switch (a) {
    case algorithm::md5:
    case algorithm::md5_sess: return hash_algorithm::md5;
    case algorithm::sha256:
    case algorithm::sha256_sess: return hash_algorithm::sha256;
    case algorithm::sha512_256:
    case algorithm::sha512_256_sess: return hash_algorithm::sha512_256;
  }
  return hash_algorithm::md5;
}

/// True for the -sess variants (RFC 7616 section 3.4.2).
constexpr bool is_session(algorithm a) noexcept {
  return a == algorithm::md5_sess || a == algorithm::sha256_sess || a == algorithm::sha512_256_sess;
}

/// Strength rank: higher is stronger (a -sess variant ranks with its hash, just above it).
constexpr int strength(algorithm a) noexcept { return static_cast<int>(a); }

/// Hex digits in a response of algorithm `a`.
constexpr std::size_t hex_length(algorithm a) noexcept { return 2 * digest_size(hash_of(a)); }

/// The quality of protection (RFC 7616 section 3.3); `none` is the RFC 2069 form.
enum class qop : std::uint8_t { none, auth, auth_int };

constexpr std::string_view to_string(qop q) noexcept {
  switch (q) {
    case qop::none: return "";
    case qop::auth: return "auth";
    case qop::auth_int: return "auth-int";
  }
  return "";
}

/// Limits on credentials, beyond the generic grammar's.
struct parse_limits {
  authwire::parse_options grammar{};  ///< header length, parameter count, value length
  std::size_t max_username = 512;     ///< username or username* value, bytes as sent
  std::size_t max_nonce = 1024;
  std::size_t max_cnonce = 256;
  std::size_t max_uri = 4096;
};

/**
 * Digest credentials, typed. Every directive is kept as the `auth_param_view` it was parsed
 * from (empty `name` = absent): views into the Authorization value, which must outlive this.
 * Values are read without copying; `has_escapes` says when quoted-pairs must be removed.
 */
struct credentials {
  auth_param_view username, username_star, realm, nonce, uri, response, cnonce, opaque, nc_param, qop_param,
      algorithm_param, userhash_param;
  digest::algorithm algorithm = digest::algorithm::md5;  ///< MD5 when absent (RFC 7616 section 3.4)
  digest::qop qop = digest::qop::none;
  std::uint32_t nc = 0;   ///< the nonce count as a number (0 without qop)
  bool userhash = false;  ///< userhash=true

  /// True when the directive `p` was present.
  static bool has(const auth_param_view& p) noexcept { return !p.name.empty(); }
};

namespace detail {

/// Calls f(piece) for the pieces of a quoted-string's inside with quoted-pairs removed.
template <class F>
inline void for_each_unescaped(const auth_param_view& p, F&& f) {
  if (!p.has_escapes) {
    f(p.raw_value);
    return;
  }
  const std::string_view r = p.raw_value;
  std::size_t start = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (r[i] == '\\' && i + 1 < r.size()) {
      f(r.substr(start, i - start));
      ++i;
      start = i;
    }
  }
  f(r.substr(start));
}

/// The unescaped value of `p` equals `s` (not constant-time: for public values).
inline bool equals_unescaped(const auth_param_view& p, std::string_view s) noexcept {
  if (!p.has_escapes) return p.raw_value == s;
  std::size_t j = 0;
  bool eq = true;
  for_each_unescaped(p, [&](std::string_view piece) {
    if (!eq) return;
    if (s.size() - j < piece.size() || s.compare(j, piece.size(), piece) != 0) {
      eq = false;
      return;
    }
    j += piece.size();
  });
  return eq && j == s.size();
}

/// Appends the unescaped value of `p` to `out`.
inline void append_unescaped(std::string& out, const auth_param_view& p) {
  for_each_unescaped(p, [&](std::string_view piece) { out.append(piece); });
}

/// Hex text of a digest, inline.
struct hexbuf {
  std::array<char, 128> d{};
  std::size_t n = 0;
  std::string_view view() const noexcept { return {d.data(), n}; }
  /// Lower-case hex of `b`.
  void set(const digest_bytes& b) noexcept {
    b.hex_to(d.data());
    n = 2 * b.size;
  }
};

/// 1 for the bytes a header value cannot carry (what the builders refuse: CTLs, HTAB, DEL).
constexpr std::array<unsigned char, 256> make_not_sendable() {
  std::array<unsigned char, 256> t{};
  for (std::size_t b = 0; b < 256; ++b) t[b] = (b < 0x20 || b == 0x7F) ? 1 : 0;
  return t;
}
inline constexpr auto not_sendable = make_not_sendable();

/// The thread's reused hashing context.
inline hasher& thread_hasher() {
  thread_local hasher h;
  return h;
}

/// The thread's second context: the response prefix kept for rspauth.
inline hasher& thread_prefix_hasher() {
  thread_local hasher h;
  return h;
}

/// Scratch strings reused by the verifier on this thread (no allocation once warm).
struct scratch {
  std::string user;      // unescaped or decoded username, or the user a userhash maps to
  std::string secret;    // the password or HA1 the application returned
  std::string record;    // a registered challenge record
  std::string key;       // store key
};
inline scratch& thread_scratch() {
  thread_local scratch s;
  return s;
}


}  // namespace detail

/**
 * Decodes an RFC 8187 ext-value in UTF-8 (the value of `username*`) into `out` (replacing it).
 *
 * @par Grammar (RFC 8187 section 3.2.1)
 * @code
 *   ext-value   = charset  "'" [ language ] "'" value-chars
 *   charset     = "UTF-8" / mime-charset     ; only UTF-8 is accepted (RFC 7616 section 3.4)
 *   value-chars = *( pct-encoded / attr-char )
 * @endcode
 * @return errc::bad_username_star at the offending byte of `ext` (another charset, a bad
 *   pct-encoding, a character outside attr-char, or a result that is not UTF-8).
 */
inline result<void, errc> decode_ext_value(std::string_view ext, std::string& out) {
  auto r = authwire::decode_ext_value(ext, out);
  if (!r) return {errc::bad_username_star, r.offset()};
  return {};
}

/// Encodes `s` (UTF-8) as an RFC 8187 ext-value: `UTF-8''` and pct-encoded bytes.
inline std::string encode_ext_value(std::string_view s) { return authwire::encode_ext_value(s); }

namespace detail {
constexpr std::array<bool, 256> make_hex_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = hex_value(static_cast<char>(c)) >= 0;
  return t;
}
inline constexpr auto hex_table = make_hex_table();
/// True when every byte of `s` is a hex digit (either case); branch-free per byte.
inline bool all_hex(std::string_view s) noexcept {
  std::size_t i = 0;
  bool ok = true;
#if AUTHWIRE_SSE2
  // 16 bytes at a time: (c | 0x20) in 'a'..'f', or c in '0'..'9' (signed compares: bytes of
  // 0x80 and above are negative and fail both ranges).
  const __m128i lo_case = _mm_set1_epi8(0x20), a1 = _mm_set1_epi8('a' - 1), f1 = _mm_set1_epi8('f' + 1),
                d1 = _mm_set1_epi8('0' - 1), d2 = _mm_set1_epi8('9' + 1);
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i l = _mm_or_si128(x, lo_case);
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(l, a1), _mm_cmplt_epi8(l, f1));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, d1), _mm_cmplt_epi8(x, d2));
    ok &= _mm_movemask_epi8(_mm_or_si128(letter, digit)) == 0xFFFF;
  }
#endif
  for (; i < s.size(); ++i) ok &= hex_table[static_cast<unsigned char>(s[i])];
  return ok;
}

constexpr std::array<std::uint8_t, 256> make_nibble_table() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const int v = hex_value(static_cast<char>(c));
    t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(v < 0 ? 0 : v);
  }
  return t;
}
inline constexpr auto nibble_table = make_nibble_table();
/// Decodes hex that all_hex() accepted (even length) into `out`.
inline void hex_decode_checked(std::string_view hex, unsigned char* out) noexcept {
  std::size_t k = 0;
#if AUTHWIRE_SSE2
  // 32 digits -> 16 bytes. A hex digit's value is its low nibble, plus 9 for a letter (bit 0x40).
  const __m128i mask = _mm_set1_epi8(0x0F), letter = _mm_set1_epi8(0x40), nine = _mm_set1_epi8(9),
                low = _mm_set1_epi16(0x00FF);
  for (; k + 32 <= hex.size(); k += 32) {
    __m128i w[2];
    for (int h = 0; h < 2; ++h) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hex.data() + k + 16 * static_cast<std::size_t>(h)));
      const __m128i v = _mm_add_epi8(_mm_and_si128(x, mask),
                                     _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(x, letter), letter), nine));
      // Per 16-bit lane: the first digit (low byte) is the high nibble.
      w[h] = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(v, low), 4), _mm_srli_epi16(v, 8));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k / 2), _mm_packus_epi16(w[0], w[1]));
  }
#endif
  for (; k + 1 < hex.size(); k += 2)
    out[k / 2] = static_cast<unsigned char>((nibble_table[static_cast<unsigned char>(hex[k])] << 4) |
                                            nibble_table[static_cast<unsigned char>(hex[k + 1])]);
}

inline error map_grammar(const authwire::error& e) noexcept {
  switch (e.code) {
    case authwire::errc::duplicate_parameter: return {errc::duplicate_directive, e.offset};
    case authwire::errc::value_too_long:
    case authwire::errc::header_too_long: return {errc::value_too_long, e.offset};
    default: return {errc::bad_syntax, e.offset};
  }
}

inline bool too_long(const auth_param_view& p, std::size_t max) noexcept {
  return credentials::has(p) && p.raw_value.size() > max;
}
}  // namespace detail

namespace detail {
/// iequals(a, lit) for a lower-case literal, unrolled (exact for any bytes of `a`).
template <std::size_t N>
constexpr bool iequals_lower(std::string_view a, const char (&lit)[N]) noexcept {
  if (a.size() != N - 1) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    // Against a letter, x | 0x20 equals it only for that letter in either case; any other
    // literal byte (digit, '-', '*') must match exactly, as iequals would require.
    const auto l = static_cast<unsigned char>(lit[i]);
    const unsigned fold = (l >= 'a' && l <= 'z') ? 0x20u : 0u;
    diff |= (static_cast<unsigned char>(a[i]) | fold) ^ l;
  }
  return diff == 0;
}

/// parse_algorithm() by length, for the parser.
inline std::optional<algorithm> algorithm_of(std::string_view s) noexcept {
  switch (s.size()) {
    case 3: return iequals_lower(s, "md5") ? std::optional<algorithm>(algorithm::md5) : std::nullopt;
    case 7: return iequals_lower(s, "sha-256") ? std::optional<algorithm>(algorithm::sha256) : std::nullopt;
    case 8: return iequals_lower(s, "md5-sess") ? std::optional<algorithm>(algorithm::md5_sess) : std::nullopt;
    case 11: return iequals_lower(s, "sha-512-256") ? std::optional<algorithm>(algorithm::sha512_256) : std::nullopt;
    case 12: return iequals_lower(s, "sha-256-sess") ? std::optional<algorithm>(algorithm::sha256_sess) : std::nullopt;
    case 16:
      return iequals_lower(s, "sha-512-256-sess") ? std::optional<algorithm>(algorithm::sha512_256_sess) : std::nullopt;
    default: return std::nullopt;
  }
}

/// The slot of `c` for the directive `name` (case-insensitive), or nullptr for an extension.
inline auth_param_view* slot_for(credentials& c, std::string_view name) noexcept {
  // By length, then one distinguishing byte: one case-insensitive comparison per parameter.
  const auto first = static_cast<char>(name.empty() ? 0 : (name[0] | 0x20));
  switch (name.size()) {
    case 2: return iequals_lower(name, "nc") ? &c.nc_param : nullptr;
    case 3:
      return first == 'u' ? (iequals_lower(name, "uri") ? &c.uri : nullptr)
                          : (iequals_lower(name, "qop") ? &c.qop_param : nullptr);
    case 5:
      return first == 'r' ? (iequals_lower(name, "realm") ? &c.realm : nullptr)
                          : (iequals_lower(name, "nonce") ? &c.nonce : nullptr);
    case 6:
      return first == 'c' ? (iequals_lower(name, "cnonce") ? &c.cnonce : nullptr)
                          : (iequals_lower(name, "opaque") ? &c.opaque : nullptr);
    case 8:
      if (first == 'r') return iequals_lower(name, "response") ? &c.response : nullptr;
      if ((name[4] | 0x20) == 'n') return iequals_lower(name, "username") ? &c.username : nullptr;
      return iequals_lower(name, "userhash") ? &c.userhash_param : nullptr;
    case 9:
      return first == 'u' ? (iequals_lower(name, "username*") ? &c.username_star : nullptr)
                          : (iequals_lower(name, "algorithm") ? &c.algorithm_param : nullptr);
    default: return nullptr;
  }
}

/// First index at or after `i` whose byte is not qdtext (RFC 9110 section 5.6.4), or `n`.
inline std::size_t skip_qdtext(const char* s, std::size_t i, std::size_t n) noexcept {
#if AUTHWIRE_SSE2
  // 16 bytes at a time: stop at DQUOTE, "\\", DEL or any byte below 0x20 (HTAB included; the
  // scalar loop below takes HTAB and is the authority on every byte it sees).
  const __m128i dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7F),
                ctl = _mm_set1_epi8(0x1F);
  auto stops = [&](std::size_t at) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + at));
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, dq), _mm_cmpeq_epi8(x, bs)),
                                      _mm_or_si128(_mm_cmpeq_epi8(x, del), _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x)));
    return static_cast<unsigned>(_mm_movemask_epi8(stop));
  };
  while (true) {
    if (i + 16 <= n) {
      const unsigned m = stops(i);
      if (m == 0) {
        i += 16;
        continue;
      }
      i += static_cast<std::size_t>(__builtin_ctz(m));
    } else if (i < n && n >= 16) {
      // Fewer than 16 bytes left: the last 16 bytes of the input, without those before i.
      const unsigned m = stops(n - 16) >> (i - (n - 16));
      i = m ? i + static_cast<std::size_t>(__builtin_ctz(m)) : n;
    }
    break;
  }
#endif
  while (i < n && authwire::detail::has_class(s[i], authwire::detail::cc_qdtext)) ++i;
  return i;
}

/**
 * The common shape of Digest credentials, read in one pass straight into `c`: "Digest" (any
 * case), SPs, then `name BWS "=" BWS ( token / quoted-string without quoted-pairs )` elements
 * separated by commas and OWS, within the grammar limits. Returns false for anything else
 * (escapes, a grammar error, a duplicate, more than 8 extension parameters, limits reached):
 * the generic grammar then decides, so the outcome is always the generic one. On true, `c`
 * holds exactly the views the generic parse would have put in its slots.
 */
inline bool parse_fast(std::string_view value, const authwire::parse_options& g, credentials& c) noexcept {
  using authwire::detail::cc_tchar;
  using authwire::detail::has_class;
  const char* s = value.data();
  const std::size_t n = value.size();
  if (n > g.max_header_length || g.max_challenges == 0 || n > 0xFFFFFFFFu) return false;
  if (n < 8 || !iequals_lower(value.substr(0, 6), "digest") || s[6] != ' ') return false;
  std::size_t i = 7;
  while (i < n && s[i] == ' ') ++i;
  std::array<std::string_view, 8> ext{};  // extension names, for the uniqueness check
  std::size_t n_ext = 0, count = 0;
  auto ows = [&] {
    while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  while (true) {
    const std::size_t name_at = i;
    while (i < n && has_class(s[i], cc_tchar)) ++i;
    if (i == name_at) return false;
    const std::string_view name(s + name_at, i - name_at);
    if (i < n && s[i] != '=') ows();
    if (i >= n || s[i] != '=') return false;
    ++i;
    if (i < n && (s[i] == ' ' || s[i] == '\t')) ows();
    if (i >= n) return false;
    if (count >= g.max_parameters) return false;
    ++count;
    // The directive's slot, written in place; an extension goes to a scratch view.
    auth_param_view scratch;
    auth_param_view* p = slot_for(c, name);
    if (p) {
      if (credentials::has(*p)) return false;  // duplicate
    } else {
      if (n_ext == ext.size()) return false;
      for (std::size_t k = 0; k < n_ext; ++k)
        if (iequals(ext[k], name)) return false;  // duplicate
      ext[n_ext++] = name;
      p = &scratch;
    }
    p->name = name;
    p->name_offset = static_cast<std::uint32_t>(name_at);
    p->value_offset = static_cast<std::uint32_t>(i);
    if (s[i] == '"') {
      const std::size_t v = ++i;
      i = skip_qdtext(s, i, n);
      if (i >= n || s[i] != '"' || i - v > g.max_value_length) return false;
      p->raw_value = std::string_view(s + v, i - v);
      p->quoted = true;
      ++i;
    } else {
      const std::size_t v = i;
      while (i < n && has_class(s[i], cc_tchar)) ++i;
      if (i == v || i - v > g.max_value_length) return false;
      p->raw_value = std::string_view(s + v, i - v);
    }
    if (i >= n) return true;
    if (s[i] != ',') {
      ows();
      if (i >= n) return true;
      if (s[i] != ',') return false;
    }
    while (i < n && (s[i] == ',' || s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= n) return true;
  }
}

/// The generic grammar, then the directives into their slots of `c` (reset first).
inline error parse_generic(std::string_view value, const parse_limits& lim, credentials& c) {
  auto pc = authwire::parse_credentials(value, lim.grammar);
  if (!pc) return detail::map_grammar(pc.error());
  const credentials_view& cv = *pc;
  const challenge_view v = cv.view();
  if (!cv.is("Digest")) return error{errc::not_digest, v.scheme_offset};
  if (cv.has_token68()) {
    const auto at = static_cast<std::size_t>(cv.token68().data() - value.data());
    return error{errc::token68_not_allowed, at};
  }
  c = credentials{};
  for (const auto& p : cv.params())
    if (auth_param_view* slot = slot_for(c, p.name)) *slot = p;
  return error{};
}

/// parse() into a default-constructed `c` (no copy of the result); error{} (code ok) on success.
inline error parse_into(std::string_view value, const parse_limits& lim, credentials& c) {
  // `c` is fresh (default-constructed) in both callers, parse() and check().
  if (!parse_fast(value, lim.grammar, c)) {
    c = credentials{};
    const error ge = parse_generic(value, lim, c);
    if (ge.code != errc::ok) return ge;
  }
  using detail::too_long;
  const auto has = &credentials::has;
  const std::size_t end = value.size();
  if (has(c.username) && has(c.username_star)) {
    const auto& later = c.username.value_offset > c.username_star.value_offset ? c.username : c.username_star;
    return error{errc::username_and_username_star, later.value_offset};
  }
  if (!has(c.username) && !has(c.username_star)) return error{errc::missing_username, end};
  if (too_long(c.username, lim.max_username)) return error{errc::value_too_long, c.username.value_offset};
  if (too_long(c.username_star, lim.max_username)) return error{errc::value_too_long, c.username_star.value_offset};
  if (!has(c.realm)) return error{errc::missing_realm, end};
  if (!has(c.nonce)) return error{errc::missing_nonce, end};
  if (too_long(c.nonce, lim.max_nonce)) return error{errc::value_too_long, c.nonce.value_offset};
  if (!has(c.uri)) return error{errc::missing_uri, end};
  if (too_long(c.uri, lim.max_uri)) return error{errc::value_too_long, c.uri.value_offset};
  if (!has(c.response)) return error{errc::missing_response, end};
  if (too_long(c.cnonce, lim.max_cnonce)) return error{errc::value_too_long, c.cnonce.value_offset};

  if (has(c.algorithm_param)) {
    const auto a = c.algorithm_param.has_escapes ? std::nullopt : algorithm_of(c.algorithm_param.raw_value);
    if (!a) return error{errc::unsupported_algorithm, c.algorithm_param.value_offset};
    c.algorithm = *a;
  }
  if (has(c.qop_param)) {
    const std::string_view q = c.qop_param.raw_value;
    if (iequals_lower(q, "auth")) c.qop = qop::auth;
    else if (iequals_lower(q, "auth-int")) c.qop = qop::auth_int;
    else return error{errc::unsupported_qop, c.qop_param.value_offset};
  }
  if (has(c.userhash_param)) {
    const std::string_view u = c.userhash_param.raw_value;
    if (iequals_lower(u, "true")) c.userhash = true;
    else if (!iequals_lower(u, "false")) return error{errc::bad_userhash, c.userhash_param.value_offset};
  }
  if (has(c.username_star)) {
    if (c.username_star.quoted) return error{errc::bad_username_star, c.username_star.value_offset};
    if (c.userhash) return error{errc::username_star_with_userhash, c.username_star.value_offset};
    // Syntax only here (no allocation); decode_ext_value decodes.
    const std::string_view ext = c.username_star.raw_value;
    const std::size_t q1 = ext.find('\'');
    const std::size_t q2 = q1 == std::string_view::npos ? q1 : ext.find('\'', q1 + 1);
    bool ok = q2 != std::string_view::npos && iequals(ext.substr(0, q1), "UTF-8");
    for (std::size_t i = ok ? q2 + 1 : ext.size(); ok && i < ext.size(); ++i) {
      if (ext[i] == '%') {
        ok = i + 2 < ext.size() && hex_value(ext[i + 1]) >= 0 && hex_value(ext[i + 2]) >= 0;
        i += 2;
      } else {
        ok = is_attr_char(ext[i]);
      }
    }
    if (!ok) return error{errc::bad_username_star, c.username_star.value_offset};
  }
  if (c.qop != qop::none) {
    if (!has(c.cnonce)) return error{errc::missing_cnonce, end};
    if (!has(c.nc_param)) return error{errc::missing_nc, end};
  } else {
    if (has(c.nc_param)) return error{errc::nc_without_qop, c.nc_param.value_offset};
    if (has(c.cnonce) && !is_session(c.algorithm)) return error{errc::nc_without_qop, c.cnonce.value_offset};
  }
  if (is_session(c.algorithm) && !has(c.cnonce)) return error{errc::missing_cnonce, end};
  if (has(c.cnonce) && c.cnonce.raw_value.empty()) return error{errc::missing_cnonce, c.cnonce.value_offset};
  if (has(c.nc_param)) {
    const std::string_view n = c.nc_param.raw_value;
    if (n.size() != 8) return error{errc::bad_nc, c.nc_param.value_offset};
    std::uint32_t count = 0;
    for (char ch : n) {
      const int d = hex_value(ch);
      if (d < 0) return error{errc::bad_nc, c.nc_param.value_offset};
      count = (count << 4) | static_cast<std::uint32_t>(d);
    }
    if (count == 0) return error{errc::bad_nc, c.nc_param.value_offset};
    c.nc = count;
  }
  {
    const std::string_view r = c.response.raw_value;
    if (r.size() != hex_length(c.algorithm) || !all_hex(r)) return error{errc::bad_response, c.response.value_offset};
  }
  return error{};
}
}  // namespace detail

/**
 * Parses one Digest `Authorization` / `Proxy-Authorization` value into typed credentials,
 * without allocating. Accepts what real clients send: the scheme and algorithm in any case,
 * algorithm, qop, nc and userhash quoted or not, no space after commas.
 *
 * @param value the whole field value, scheme included
 * @return the credentials, or an error whose offset is that of the offending directive's
 *   value (its opening quote when quoted); for a missing directive, the end of the value.
 *   Errors: bad_syntax (grammar; grammar offset), not_digest, token68_not_allowed,
 *   duplicate_directive, value_too_long, missing_username, username_and_username_star,
 *   bad_username_star, missing_realm, missing_nonce, missing_uri, missing_response,
 *   bad_response, unsupported_algorithm, unsupported_qop, missing_cnonce, missing_nc, bad_nc,
 *   nc_without_qop, bad_userhash, username_star_with_userhash.
 * @code
 *   auto c = authwire::digest::parse(R"(Digest username="Mufasa", realm="r", nonce="n", uri="/", response="...")");
 * @endcode
 */
[[nodiscard]] inline result<credentials, errc> parse(std::string_view value, const parse_limits& lim = {}) {
  credentials c;
  const error e = detail::parse_into(value, lim, c);
  if (e.code != errc::ok) return e;
  return c;
}

// ---------------------------------------------------------------------------------------
// Hash computations (RFC 7616 section 3.4.1 to section 3.4.3)
// ---------------------------------------------------------------------------------------

/// H(user ":" realm ":" password) in lower-case hex: the HA1 an application should store.
inline std::string ha1(algorithm a, std::string_view user, std::string_view realm, std::string_view password) {
  auto& h = detail::thread_hasher();
  h.init(hash_of(a)).update(user).update(":").update(realm).update(":").update(password);
  return h.final().hex();
}

/// H(user ":" realm) in lower-case hex: the `username` sent with userhash=true (RFC 7616 section 3.4.4).
inline std::string userhash(algorithm a, std::string_view user, std::string_view realm) {
  auto& h = detail::thread_hasher();
  h.init(hash_of(a)).update(user).update(":").update(realm);
  return h.final().hex();
}

namespace detail {

/// The inputs of one response computation, as views (auth_param_views keep escapes).
struct response_inputs {
  algorithm alg = algorithm::md5;
  qop q = qop::none;
  std::string_view method;
  std::string_view nonce, cnonce, nc, qop_text;  // as sent (no escapes), or:
  const auth_param_view* nonce_p = nullptr;      // when set, used (unescaped) instead of `nonce`
  const auth_param_view* cnonce_p = nullptr;
  const auth_param_view* uri_p = nullptr;
  std::string_view uri;
  std::string_view body_hash_hex;  // H(entity-body), for auth-int
};

/// The response inputs of parsed credentials (method and body hash left to the caller).
inline response_inputs inputs_of(const credentials& c) noexcept {
  response_inputs in;
  in.alg = c.algorithm;
  in.q = c.qop;
  in.nonce_p = &c.nonce;
  in.cnonce_p = credentials::has(c.cnonce) ? &c.cnonce : nullptr;
  in.nc = c.nc_param.raw_value;
  in.qop_text = c.qop_param.raw_value;
  in.uri_p = &c.uri;
  return in;
}

/// Collects small pieces into one buffer so that the hash sees few, larger updates.
class buffered_hasher {
 public:
  explicit buffered_hasher(hasher& h) noexcept : h_(h) {}
  buffered_hasher(const buffered_hasher&) = delete;
  buffered_hasher& operator=(const buffered_hasher&) = delete;
  buffered_hasher& update(std::string_view s) noexcept {
    if (s.empty()) return *this;
    if (s.size() > sizeof(buf_) - n_) {
      flush();
      if (s.size() > sizeof(buf_)) {
        h_.update(s);
        return *this;
      }
    }
    std::memcpy(buf_ + n_, s.data(), s.size());
    n_ += s.size();
    return *this;
  }
  digest_bytes final() noexcept {
    flush();
    return h_.final();
  }
  /// The context with everything so far hashed (to copy its state).
  const hasher& flushed() noexcept {
    flush();
    return h_;
  }

 private:
  void flush() noexcept {
    if (n_) h_.update(std::string_view(buf_, n_));
    n_ = 0;
  }
  hasher& h_;
  char buf_[1024];  // not initialized: only the first n_ bytes are read
  std::size_t n_ = 0;
};

template <class Sink>
inline void update_field(Sink& h, const auth_param_view* p, std::string_view plain) {
  if (p) for_each_unescaped(*p, [&](std::string_view piece) { h.update(piece); });
  else h.update(plain);
}

/// Session HA1 for -sess: H(HA1 ":" nonce ":" cnonce); identity otherwise.
inline void session_ha1(hexbuf& ha1, const response_inputs& in) {
  if (!is_session(in.alg)) return;
  buffered_hasher h(thread_hasher().init(hash_of(in.alg)));
  h.update(ha1.view()).update(":");
  update_field(h, in.nonce_p, in.nonce);
  h.update(":");
  update_field(h, in.cnonce_p, in.cnonce);
  ha1.set(h.final());
}

/// H(A2): A2 = method ":" uri [ ":" H(body) ]; for rspauth, method is empty.
inline hexbuf ha2(const response_inputs& in, std::string_view method) {
  buffered_hasher h(thread_hasher().init(hash_of(in.alg)));
  h.update(method).update(":");
  update_field(h, in.uri_p, in.uri);
  if (in.q == qop::auth_int) h.update(":").update(in.body_hash_hex);
  hexbuf r;
  r.set(h.final());
  return r;
}

/**
 * The response digest (bytes): KD(HA1, nonce:nc:cnonce:qop:HA2) or, without qop, KD(HA1, nonce:HA2).
 * With `prefix`, that context is left holding the state after `HA1:nonce:...:qop:` (everything
 * but HA2): rspauth shares this prefix (RFC 7616 section 3.5), so it is hashed once.
 */
inline digest_bytes response_digest(const hexbuf& session_ha1_hex, const hexbuf& ha2_hex, const response_inputs& in,
                                    hasher* prefix = nullptr) {
  buffered_hasher h(thread_hasher().init(hash_of(in.alg)));
  h.update(session_ha1_hex.view()).update(":");
  update_field(h, in.nonce_p, in.nonce);
  h.update(":");
  if (in.q != qop::none) {
    h.update(in.nc).update(":");
    update_field(h, in.cnonce_p, in.cnonce);
    h.update(":").update(in.qop_text).update(":");
  }
  if (prefix) prefix->copy_from(h.flushed());
  h.update(ha2_hex.view());
  return h.final();
}


}  // namespace detail

/**
 * Computes the response for explicit inputs (the RFC 7616 section 3.4.1 formula), in lower-case
 * hex. `ha1_hex` is H(user:realm:password) of the base hash; the -sess derivation is done here.
 * `body_hash_hex` is H(entity-body) for auth-int. `nc` and `qop` are used only when
 * `q != qop::none`. Useful for tests and for applications that compute responses themselves.
 */
inline std::string compute_response(algorithm a, qop q, std::string_view ha1_hex, std::string_view nonce,
                                    std::string_view nc, std::string_view cnonce, std::string_view method,
                                    std::string_view uri, std::string_view body_hash_hex = {}) {
  detail::response_inputs in;
  in.alg = a;
  in.q = q;
  in.nonce = nonce;
  in.cnonce = cnonce;
  in.nc = nc;
  in.qop_text = to_string(q);
  in.uri = uri;
  in.body_hash_hex = body_hash_hex;
  detail::hexbuf h1;
  h1.n = ha1_hex.size() < h1.d.size() ? ha1_hex.size() : h1.d.size();
  std::memcpy(h1.d.data(), ha1_hex.data(), h1.n);
  detail::session_ha1(h1, in);
  const auto h2 = detail::ha2(in, method);
  return detail::response_digest(h1, h2, in).hex();
}

// ---------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------

/// What the application keeps for a user: a password, or H(user:realm:password).
enum class secret_kind : std::uint8_t {
  unknown,   ///< no such user (or no secret for this algorithm and realm)
  password,  ///< `secret` holds the password
  ha1,       ///< `secret` holds H(user:realm:password) in hex, for this algorithm's hash
};

/**
 * The credential source: for `user` in `realm` under algorithm `alg`, write the password or
 * the HA1 into `secret` and say which. For -sess algorithms return the HA1 of the base hash
 * (H(user:realm:password)); the session key is derived here. `secret` is a reused buffer.
 */
using credential_fn =
    std::function<secret_kind(std::string_view user, std::string_view realm, algorithm alg, std::string& secret)>;

/**
 * The userhash source (RFC 7616 section 3.4.4): for the hex `userhash` = H(user:realm) under
 * `alg`, write the user name into `user` and return true, or return false.
 */
using userhash_fn =
    std::function<bool(std::string_view userhash, std::string_view realm, algorithm alg, std::string& user)>;

/**
 * What a stateless nonce is bound to, beyond the realm and its time (libmicrohttpd's
 * MHD_DAUTH_BIND_NONCE_*). Flags; combine them with `|`.
 */
enum class nonce_binding : std::uint8_t {
  none = 0,            ///< any request of the realm
  uri = 1,             ///< the whole request-target of the 401, query included
  client_address = 2,  ///< request_view::peer_address
  method = 4,          ///< the request method
  path = 8,            ///< the request-target without its query
};
constexpr nonce_binding operator|(nonce_binding a, nonce_binding b) noexcept {
  return static_cast<nonce_binding>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
/// True when `set` holds the flag `f`.
constexpr bool has_binding(nonce_binding set, nonce_binding f) noexcept {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(f)) != 0;
}

/// Options of the Digest handler, with safe defaults.
struct options {
  std::string realm;                                                        ///< required
  std::vector<algorithm> algorithms{algorithm::sha256, algorithm::md5};     ///< one challenge each, in this order
  std::vector<qop> qops{qop::auth};                                         ///< auth and/or auth-int
  bool userhash = false;                                                    ///< offer userhash=true
  bool charset_utf8 = true;                                                 ///< send charset=UTF-8
  std::string opaque;                                                       ///< sent and required when not empty
  std::vector<std::string> domain;                                          ///< URIs of the protection space
  std::int64_t nonce_lifetime = 300;                                        ///< seconds
  std::int64_t nextnonce_within = 30;  ///< send nextnonce when the nonce has less than this left
  std::int64_t max_clock_skew = 60;    ///< a nonce from up to this far in the future is accepted
  /// HMAC keys of the stateless nonces: the first signs, all verify (key rotation). Share them
  /// between processes that must accept each other's nonces. Empty: one random key.
  std::vector<std::string> nonce_keys;
  nonce_binding binding = nonce_binding::none;
  bool allow_rfc2069 = false;  ///< accept the RFC 2069 form (no qop; then each nonce is single-use)
  /// Accept nonces registered with handler::register_challenge (replays of captured traffic).
  bool accept_registered_nonces = false;
  unsigned nc_window = 64;               ///< out-of-order nonce counts accepted (1 to 64)
  /// Highest nc accepted per nonce (0: no limit); beyond it the client gets stale=true and a new
  /// nonce (libmicrohttpd's MHD_OPTION_DIGEST_AUTH_DEFAULT_MAX_NC).
  std::uint32_t max_nc = 0;
  /// Send Authentication-Info on accepted requests (verdict::authentication_info). RFC 7616
  /// section 3.5 makes it optional (the server MAY add it); without it a client gets no
  /// nextnonce and no rspauth, and simply receives stale=true when its nonce expires.
  bool send_authentication_info = true;
  /// Put rspauth (the server's proof of knowing the secret, mutual authentication) into it;
  /// false leaves out the two hashes that rspauth costs, keeping qop, cnonce, nc, nextnonce.
  bool send_rspauth = true;
  std::shared_ptr<state_store> store;    ///< nonce counts; null: an in-process memory_store
  clock_fn clock = system_clock();
  random_fn random = system_random();
  parse_limits limits{};
};

/// The outcome of the stateless part of verification (no store, no allocation once warm).
struct check_result {
  errc code = errc::ok;
  std::size_t offset = 0;
  credentials cred;
  std::int64_t issued_at = 0;
  bool registered = false;     ///< the nonce came from register_challenge
  detail::hexbuf session_ha1;  ///< for rspauth
  std::string_view user;       ///< the identity (valid until the next check on this thread)
  /// rspauth (hex) for qop=auth, when verify() asked for it (empty from check()): computed
  /// from the response's own prefix state, only once the response matched.
  detail::hexbuf rspauth;
};

namespace detail {

inline constexpr std::size_t nonce_raw_size = 36;   // 8 time, 12 random, 16 MAC
inline constexpr std::size_t nonce_text_size = 48;  // base64url, no padding
inline constexpr std::size_t nonce_mac_size = 16;

inline void b64url_encode_fixed(const unsigned char* in, std::size_t n, char* out) noexcept {
  for (std::size_t i = 0, o = 0; i + 3 <= n; i += 3, o += 4) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out[o] = authwire::detail::b64_url[(v >> 18) & 63];
    out[o + 1] = authwire::detail::b64_url[(v >> 12) & 63];
    out[o + 2] = authwire::detail::b64_url[(v >> 6) & 63];
    out[o + 3] = authwire::detail::b64_url[v & 63];
  }
}
inline bool b64url_decode_fixed(std::string_view in, unsigned char* out) noexcept {
  if (in.size() % 4) return false;
  unsigned bad = 0;  // the table gives 0..63, or 0xFF for a byte outside the alphabet
  for (std::size_t i = 0, o = 0; i < in.size(); i += 4, o += 3) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const std::uint8_t x = authwire::detail::b64_url_table[static_cast<unsigned char>(in[i + k])];
      bad |= x;
      v = (v << 6) | (x & 63u);
    }
    out[o] = static_cast<unsigned char>(v >> 16);
    out[o + 1] = static_cast<unsigned char>(v >> 8);
    out[o + 2] = static_cast<unsigned char>(v);
  }
  return (bad & 0x80u) == 0;  // `out` holds garbage when false
}

/// A nonce of this handler whose MAC verified (or that this thread issued), and its time.
struct nonce_memo {
  std::array<char, nonce_text_size> text{};
  std::int64_t issued_at = 0;
  bool set = false;
};

/**
 * The thread's keyed HMAC contexts of up to four handlers (the least recently used is rebuilt),
 * and per handler the last few nonces known valid: with nonce_binding::none a nonce's MAC
 * depends on its 48 bytes alone (the key and realm are the handler's), so the same bytes
 * verify the same way, and a client reusing its nonce (nc 2, 3, ...) skips the HMAC. Cleared
 * when the slot goes to another handler.
 */
struct mac_cache {
  struct slot {
    std::uint64_t owner = 0;
    std::uint64_t used = 0;
    std::vector<hmac> macs;
    std::array<nonce_memo, 8> memo{};
    std::size_t memo_next = 0;
  };
  std::array<slot, 4> slots;
  std::uint64_t tick = 0;
};
inline mac_cache& thread_macs() {
  thread_local mac_cache c;
  return c;
}
inline std::uint64_t next_handler_id() {
  static std::atomic<std::uint64_t> id{0};
  return ++id;
}

/// An offer: what a nonce was issued with (the handler's options, or a registered challenge).
struct offer {
  std::string_view realm, opaque;
  unsigned alg_mask = 0;  // bit per algorithm
  unsigned qop_mask = 0;  // bit 0 auth, bit 1 auth-int
  bool userhash = false;
  bool rfc2069 = false;
  bool has_opaque = false;
};

inline unsigned alg_bit(algorithm a) noexcept { return 1u << static_cast<unsigned>(a); }
inline unsigned qop_bit(qop q) noexcept { return q == qop::auth ? 1u : q == qop::auth_int ? 2u : 0u; }

}  // namespace detail

/**
 * The Digest scheme on the server (RFC 7616). Stateless nonces: base64url of time, 12 random
 * bytes and a truncated HMAC-SHA256 over them, the realm and the binding, under shared keys.
 * Replay: each (nonce, nc) is accepted once through `state_store::use_counter` under the key
 * "digest:nc:" + nonce; a store that cannot answer gives 503, never an accept.
 *
 * Outcomes (verdict.reason is the errc name): malformed -> 400; uri_mismatch -> 400; wrong or
 * unknown -> 401 with fresh challenges; expired nonce with a right response, or a replayed /
 * too old nc with a right response -> 401 with stale=true; store_unavailable -> 503.
 *
 * @code
 *   authwire::digest::options o;
 *   o.realm = "api@example.org";
 *   auto h = std::make_shared<authwire::digest::handler>(o,
 *       [&](std::string_view user, std::string_view, authwire::digest::algorithm, std::string& secret) {
 *         auto it = users.find(std::string(user));
 *         if (it == users.end()) return authwire::digest::secret_kind::unknown;
 *         secret = it->second;
 *         return authwire::digest::secret_kind::password;
 *       });
 * @endcode
 */
class handler final : public scheme_handler {
 public:
  /// @throws std::invalid_argument when the options cannot make a valid challenge (CR/LF in the
  ///   realm, no algorithm, no qop without allow_rfc2069). Construction is not on the request path.
  handler(options o, credential_fn lookup, userhash_fn by_hash = {})
      : o_(std::move(o)), lookup_(std::move(lookup)), by_hash_(std::move(by_hash)), id_(detail::next_handler_id()) {
    if (!o_.store) o_.store = std::make_shared<memory_store>();
    if (!o_.clock) o_.clock = system_clock();
    if (!o_.random) o_.random = system_random();
    if (o_.nonce_keys.empty()) {
      std::string k(32, '\0');
      o_.random(reinterpret_cast<unsigned char*>(k.data()), k.size());
      o_.nonce_keys.push_back(std::move(k));
    }
    if (o_.nc_window == 0) o_.nc_window = 1;
    if (o_.nc_window > 64) o_.nc_window = 64;
    if (o_.nonce_lifetime <= 0) o_.nonce_lifetime = 1;
    if (o_.algorithms.empty()) fail("authwire::digest: no algorithm configured");
    if (o_.qops.empty() && !o_.allow_rfc2069) fail("authwire::digest: no qop configured");
    own_.realm = o_.realm;
    own_.opaque = o_.opaque;
    own_.has_opaque = !o_.opaque.empty();
    for (auto a : o_.algorithms) own_.alg_mask |= detail::alg_bit(a);
    for (auto q : o_.qops) own_.qop_mask |= detail::qop_bit(q);
    own_.userhash = o_.userhash;
    own_.rfc2069 = o_.allow_rfc2069;
    build_templates();
  }

  std::string_view scheme() const noexcept override { return "Digest"; }
  const options& opts() const noexcept { return o_; }

  /// One challenge per configured algorithm, all with one fresh nonce.
  void challenges(const request_view& req, std::vector<std::string>& out) override {
    append_challenges(req, false, out);
  }

  /// The same challenges with stale=true (RFC 7616 section 3.3).
  std::vector<std::string> stale_challenges(const request_view& req) {
    std::vector<std::string> v;
    append_challenges(req, true, v);
    return v;
  }

  /// A fresh nonce for `req` (the nonce in the challenges and in nextnonce).
  std::string make_nonce(const request_view& req) {
    std::array<char, detail::nonce_text_size> n{};
    write_nonce(req, n.data());
    return std::string(n.data(), n.size());
  }

  /**
   * Registers the Digest challenges of a `WWW-Authenticate` value another server sent: their
   * nonces count as issued by this handler at `issued_at`, with that challenge's realm, opaque,
   * algorithm(s), qop(s) and userhash as offered; a challenge without qop offers the RFC 2069
   * form. Used to replay captured traffic (options::accept_registered_nonces must be set).
   * @return bad_challenge for a malformed value or a Digest challenge without nonce or realm,
   *   unsupported_algorithm, store_unavailable.
   */
  result<void, errc> register_challenge(std::string_view www_authenticate, std::int64_t issued_at) {
    auto l = parse_challenges(www_authenticate);
    if (!l) return error{errc::bad_challenge, l.offset()};
    for (const auto& c : *l) {
      if (!c.is("Digest")) continue;
      const auto* n = c.param("nonce");
      const auto* r = c.param("realm");
      if (!n || !r) return error{errc::bad_challenge, c.scheme_offset};
      const auto* a = c.param("algorithm");
      algorithm alg = algorithm::md5;
      if (a) {
        auto pa = parse_algorithm(a->value());
        if (!pa) return error{errc::unsupported_algorithm, a->value_offset};
        alg = *pa;
      }
      unsigned qmask = 0;
      if (const auto* q = c.param("qop")) {
        const std::string qs = q->value();
        std::size_t i = 0;
        while (i < qs.size()) {
          std::size_t j = qs.find(',', i);
          if (j == std::string::npos) j = qs.size();
          std::string_view item = std::string_view(qs).substr(i, j - i);
          while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
          while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
          if (iequals(item, "auth")) qmask |= 1;
          if (iequals(item, "auth-int")) qmask |= 2;
          i = j + 1;
        }
      }
      const auto* uh = c.param("userhash");
      const bool userhash_on = uh && iequals(uh->value(), "true");
      const auto* op = c.param("opaque");
      const std::string nonce = n->value();
      std::string key = "digest:issued:" + nonce;
      std::string old;
      unsigned amask = detail::alg_bit(alg);
      const auto st = o_.store->get(key, old, issued_at);
      if (st == store_status::unavailable) return error{errc::store_unavailable, 0};
      record rec;
      if (st == store_status::ok && read_record(old, rec)) {
        amask |= rec.alg_mask;
        qmask |= rec.qop_mask;
      }
      std::string value = std::to_string(issued_at) + "\n" + std::to_string(amask) + "\n" + std::to_string(qmask) +
                          "\n" + (userhash_on ? "1" : "0") + "\n" + (qmask == 0 ? "1" : "0") + "\n" + (op ? "1" : "0") +
                          "\n" + r->value() + "\n" + (op ? op->value() : std::string());
      if (o_.store->put(key, value, issued_at + 2 * o_.nonce_lifetime + 3600, issued_at) == store_status::unavailable)
        return error{errc::store_unavailable, 0};
    }
    return {};
  }

  /**
   * The stateless part of verification: parse, nonce, offer checks, response. No store access
   * and, once the thread is warm, no allocation. `code` is ok, or the error; stale_nonce means
   * the response was right but the nonce expired.
   */
  check_result check(const request_view& req, std::string_view authorization) {
    check_result out;
    check_into(req, authorization, out);
    return out;  // one named result: returned in place, never copied
  }

  /// check() into `out` (a fresh check_result). With `want_rspauth`, an accepted qop=auth
  /// request also gets `out.rspauth`, hashed from the prefix the response shares with it.
  void check_into(const request_view& req, std::string_view authorization, check_result& out,
                  bool want_rspauth = false) {
    check_at(req, authorization, out, want_rspauth, o_.clock());
  }

 private:
  // check_into() at time `now` (verify() reads the clock once per request).
  void check_at(const request_view& req, std::string_view authorization, check_result& out, bool want_rspauth,
                const std::int64_t now) {
    const error pe = detail::parse_into(authorization, o_.limits, out.cred);
    if (pe.code != errc::ok) {
      out.code = pe.code;
      out.offset = pe.offset;
      return;
    }
    const credentials& c = out.cred;

    // Which server state the nonce belongs to: ours (stateless) or a registered challenge.
    detail::offer off;
    bool have_nonce = false;
    if (!c.nonce.has_escapes && c.nonce.raw_value.size() == detail::nonce_text_size) {
      std::int64_t ts = 0;
      if (verify_nonce(req, c.nonce.raw_value, ts)) {
        off = own_;
        out.issued_at = ts;
        have_nonce = true;
      }
    }
    if (!have_nonce && o_.accept_registered_nonces) {
      auto& s = detail::thread_scratch();
      s.key.assign("digest:issued:");
      detail::append_unescaped(s.key, c.nonce);
      const auto st = o_.store->get(s.key, s.record, now);
      if (st == store_status::unavailable) return fail_with(out, errc::store_unavailable, 0);
      record rec;
      if (st == store_status::ok && read_record(s.record, rec)) {
        off.realm = rec.realm;
        off.opaque = rec.opaque;
        off.alg_mask = rec.alg_mask;
        off.qop_mask = rec.qop_mask;
        off.userhash = rec.userhash;
        off.rfc2069 = rec.rfc2069;
        off.has_opaque = rec.has_opaque;
        out.issued_at = rec.issued_at;
        out.registered = true;
        have_nonce = true;
      }
    }
    if (!have_nonce) return fail_with(out, errc::bad_nonce, c.nonce.value_offset);
    if (out.issued_at > now + o_.max_clock_skew) return fail_with(out, errc::bad_nonce, c.nonce.value_offset);

    // The credentials must take up what was offered, nothing else (no downgrade).
    if (!detail::equals_unescaped(c.realm, off.realm)) return fail_with(out, errc::wrong_realm, c.realm.value_offset);
    if (off.has_opaque) {
      if (!credentials::has(c.opaque) || !detail::equals_unescaped(c.opaque, off.opaque))
        return fail_with(out, errc::wrong_opaque,
                         credentials::has(c.opaque) ? c.opaque.value_offset : authorization.size());
    }
    if (!(off.alg_mask & detail::alg_bit(c.algorithm)))
      return fail_with(out, errc::algorithm_not_offered,
                       credentials::has(c.algorithm_param) ? c.algorithm_param.value_offset : authorization.size());
    if (c.qop == qop::none) {
      if (!off.rfc2069) return fail_with(out, errc::missing_qop, authorization.size());
    } else if (!(off.qop_mask & detail::qop_bit(c.qop))) {
      return fail_with(out, errc::qop_not_offered, c.qop_param.value_offset);
    }
    if (c.userhash && !off.userhash) return fail_with(out, errc::userhash_not_offered, c.userhash_param.value_offset);
    if (!uri_matches(c.uri, req)) return fail_with(out, errc::uri_mismatch, c.uri.value_offset);

    // H(entity-body) for auth-int.
    detail::hexbuf body_hash;
    if (c.qop == qop::auth_int) {
      if (req.has_body) {
        body_hash.set(hash(hash_of(c.algorithm), req.body));
      } else if (hash_of(c.algorithm) == hash_algorithm::sha256 && req.body_sha256_hex.size() == 64) {
        for (std::size_t i = 0; i < 64; ++i) body_hash.d[i] = authwire::detail::ascii_lower(req.body_sha256_hex[i]);
        body_hash.n = 64;
      } else {
        return fail_with(out, errc::auth_int_unavailable, c.qop_param.value_offset);
      }
    }

    // The user, and H(A1). An unknown user costs what a wrong password costs.
    auto& s = detail::thread_scratch();
    s.user.clear();
    bool known = true;
    if (credentials::has(c.username_star)) {
      if (!decode_ext_value(c.username_star.raw_value, s.user))
        return fail_with(out, errc::bad_username_star, c.username_star.value_offset);
    } else if (c.userhash) {
      std::string& uh = s.key;
      uh.clear();
      detail::append_unescaped(uh, c.username);
      known = by_hash_ && by_hash_(uh, off.realm, c.algorithm, s.user);
      if (!known) s.user.clear();
    } else {
      detail::append_unescaped(s.user, c.username);
    }
    secret_kind kind = secret_kind::unknown;
    s.secret.clear();
    if (known && lookup_) kind = lookup_(s.user, off.realm, c.algorithm, s.secret);
    const hash_algorithm ha = hash_of(c.algorithm);
    detail::hexbuf h1;
    bool secret_ok = false;
    auto& h = detail::thread_hasher();
    if (kind == secret_kind::ha1) {
      // Exactly the hex of this algorithm's digest (either case), used in lower case: for a hex
      // digit, | 0x20 lower-cases A-F and leaves 0-9 as they are.
      if (s.secret.size() == 2 * digest_size(ha) && detail::all_hex(s.secret)) {
        for (std::size_t i = 0; i < s.secret.size(); ++i) h1.d[i] = static_cast<char>(s.secret[i] | 0x20);
        h1.n = s.secret.size();
        secret_ok = true;
      }
    } else if (kind == secret_kind::password) {
      detail::buffered_hasher b(h.init(ha));
      b.update(s.user).update(":").update(off.realm).update(":").update(s.secret);
      h1.set(b.final());
      secret_ok = true;
    }
    if (!secret_ok) {
      // Same work as a password: a dummy HA1 that matches no response of any password.
      detail::buffered_hasher b(h.init(ha));
      b.update(s.user).update(":").update(off.realm).update(":\x01 authwire unknown user");
      h1.set(b.final());
    }
    detail::response_inputs in = detail::inputs_of(c);
    in.body_hash_hex = body_hash.view();
    detail::session_ha1(h1, in);
    const auto h2 = detail::ha2(in, req.method);
    const bool rsp = want_rspauth && c.qop == qop::auth;
    hasher* const prefix = rsp ? &detail::thread_prefix_hasher() : nullptr;
    const digest_bytes expected = detail::response_digest(h1, h2, in, prefix);
    std::array<unsigned char, 64> got{};
    detail::hex_decode_checked(c.response.raw_value, got.data());  // all_hex and length checked by parse()
    const bool match = constant_time_equal(expected.view(), std::string_view(reinterpret_cast<const char*>(got.data()),
                                                                              c.response.raw_value.size() / 2));
    const bool stale = now > out.issued_at + o_.nonce_lifetime;
    if (prefix && (!match || !secret_ok || stale)) prefix->init(ha);  // drop the HA1-keyed state
    if (!match || !secret_ok) return fail_with(out, errc::invalid_response, c.response.value_offset);
    out.session_ha1 = h1;
    out.user = s.user;
    if (stale) return fail_with(out, errc::stale_nonce, c.nonce.value_offset);
    if (prefix) {
      // rspauth = KD(HA1, nonce:nc:cnonce:qop:H(":" uri)): the same prefix, another HA2.
      const auto h2r = detail::ha2(in, {});
      out.rspauth.set(prefix->update(h2r.view()).final());
    }
  }


 public:
  /// Verifies Digest credentials: check(), then the nonce count, then the verdict.
  verdict verify(const request_view& req, std::string_view authorization) override {
    const std::int64_t now = o_.clock();  // one reading for the whole request
    check_result r;
    check_at(req, authorization, r, o_.send_authentication_info && o_.send_rspauth, now);
    if (r.code == errc::ok) {
      auto& s = detail::thread_scratch();
      s.key.assign("digest:nc:");
      detail::append_unescaped(s.key, r.cred.nonce);
      const std::uint64_t nc = r.cred.qop == qop::none ? 1 : r.cred.nc;
      if (o_.max_nc != 0 && nc > o_.max_nc) return refuse(req, errc::nc_limit);
      const store_status st = o_.store->use_counter(s.key, nc, o_.nc_window, r.issued_at,
                                                    r.issued_at + o_.nonce_lifetime + 1, now);
      switch (st) {
        case store_status::ok: break;
        case store_status::replayed: r.code = errc::replayed_nc; break;
        case store_status::too_old: r.code = errc::nc_too_old; break;
        case store_status::not_found:
        case store_status::unavailable: r.code = errc::store_unavailable; break;
      }
      r.offset = credentials::has(r.cred.nc_param) ? r.cred.nc_param.value_offset : 0;
    }
    if (r.code == errc::ok) {
      verdict v = verdict::allow(std::string(r.user));
      if (o_.send_authentication_info) write_info_at(req, r, v.authentication_info, now);
      return v;
    }
    return refuse(req, r.code);
  }

  /**
   * rspauth for an accepted qop=auth-int request, over the response body (RFC 7616 section
   * 3.5: A2 = ":" uri ":" H(entity-body)); authentication_info() leaves it out because the
   * body is not known then. `r` must come from check() (ok), with the Authorization value it
   * parsed still alive. Empty for other qop values.
   */
  std::string rspauth_auth_int(const check_result& r, std::string_view response_body) const {
    const credentials& c = r.cred;
    if (r.code != errc::ok || c.qop != qop::auth_int) return {};
    detail::hexbuf body;
    body.set(hash(hash_of(c.algorithm), response_body));
    detail::response_inputs in = detail::inputs_of(c);
    in.body_hash_hex = body.view();
    const auto h2 = detail::ha2(in, {});
    return detail::response_digest(r.session_ha1, h2, in).hex();
  }

  /// The verdict for error `e` (status per the table in DESIGN.md).
  verdict refuse(const request_view& req, errc e) {
    const int n = static_cast<int>(e);
    if (e == errc::store_unavailable) {
      verdict v = verdict::make(verdict_kind::unavailable, std::string(to_string(e)));
      v.retry_after = 1;
      return v;
    }
    if ((n >= 1 && n <= 21) || e == errc::uri_mismatch)
      return verdict::make(verdict_kind::bad_request, std::string(to_string(e)));
    if (e == errc::stale_nonce || e == errc::replayed_nc || e == errc::nc_too_old || e == errc::nc_limit)
      return verdict::make(verdict_kind::unauthorized, std::string(to_string(e)), stale_challenges(req));
    return verdict::make(verdict_kind::unauthorized, std::string(to_string(e)));
  }

  /**
   * The Authentication-Info value for an accepted request (RFC 7616 section 3.5): rspauth (qop
   * auth, unless options::send_rspauth is false; for auth-int the response body is not known
   * here, so rspauth is left out), qop, cnonce, nc, and nextnonce when the nonce nears its end.
   * Empty when the cnonce holds a control character (it cannot be sent back in a header).
   */
  std::string authentication_info(const request_view& req, const check_result& r) {
    std::string out;
    write_authentication_info(req, r, out);
    return out;
  }

  /**
   * authentication_info() into `out` (replaced): the same text, written in one pass with one
   * allocation at most. Uses `r.rspauth` when verify() computed it.
   */
  void write_authentication_info(const request_view& req, const check_result& r, std::string& out) {
    write_info_at(req, r, out, o_.clock());
  }

 private:
  void write_info_at(const request_view& req, const check_result& r, std::string& out, const std::int64_t now) {
    const credentials& c = r.cred;
    out.clear();
    detail::hexbuf computed;
    const detail::hexbuf* rsp = nullptr;
    if (o_.send_rspauth && c.qop == qop::auth) {
      if (r.rspauth.n != 0) {
        rsp = &r.rspauth;
      } else {
        const detail::response_inputs in = detail::inputs_of(c);
        const auto h2 = detail::ha2(in, {});
        computed.set(detail::response_digest(r.session_ha1, h2, in));
        rsp = &computed;
      }
    }
    // The cnonce goes back as a quoted-string: DQUOTE and backslash escaped; a control
    // character (HTAB included) cannot be sent, and then nothing is (as the builder refuses it).
    // Without quoted-pairs the value holds no DQUOTE or backslash: one table scan, one copy.
    std::size_t cnonce_len = 0;
    bool bad = false;
    const bool cnonce_plain = !c.cnonce.has_escapes;
    if (c.qop != qop::none) {
      if (cnonce_plain) {
        unsigned any = 0;
        for (const char ch : c.cnonce.raw_value) any |= detail::not_sendable[static_cast<unsigned char>(ch)];
        bad = any != 0;
        cnonce_len = c.cnonce.raw_value.size();
      } else {
        detail::for_each_unescaped(c.cnonce, [&](std::string_view piece) {
          for (const char ch : piece) {
            bad = bad || detail::not_sendable[static_cast<unsigned char>(ch)] != 0;
            cnonce_len += (ch == '"' || ch == '\\') ? 2 : 1;
          }
        });
      }
    }
    const bool next = r.issued_at + o_.nonce_lifetime - now < o_.nextnonce_within;
    if (bad) return;
    const std::string_view q = to_string(c.qop), nc = c.nc_param.raw_value;
    std::size_t size = 0;
    if (rsp) size += 10 + rsp->n;  // rspauth="<hex>"
    if (c.qop != qop::none) size += 2 + 4 + q.size() + 10 + cnonce_len + 1 + 5 + nc.size();  // , qop=, cnonce="", nc=
    if (next) size += 2 + 11 + detail::nonce_text_size + 1;                              // , nextnonce=""
    out.resize(size);  // the one allocation; filled below, then cut to what was written
    char* const begin = &out[0];
    char* p = begin;
    auto put = [&p](std::string_view x) {
      std::memcpy(p, x.data(), x.size());
      p += x.size();
    };
    using namespace std::string_view_literals;
    if (rsp) {
      put("rspauth=\""sv);
      put(rsp->view());
      *p++ = '"';
    }
    if (c.qop != qop::none) {
      if (p != begin) put(", "sv);
      put("qop="sv);
      put(q);
      put(", cnonce=\""sv);
      if (cnonce_plain) {
        put(c.cnonce.raw_value);
      } else {
        detail::for_each_unescaped(c.cnonce, [&](std::string_view piece) {
          for (const char ch : piece) {
            if (ch == '"' || ch == '\\') *p++ = '\\';
            *p++ = ch;
          }
        });
      }
      put("\", nc="sv);
      put(nc);
    }
    if (next) {
      if (p != begin) put(", "sv);
      put("nextnonce=\""sv);
      write_nonce(req, p);
      p += detail::nonce_text_size;
      *p++ = '"';
    }
    out.resize(static_cast<std::size_t>(p - begin));
  }

 private:
  [[noreturn]] static void fail(const char* what) {
#if AUTHWIRE_NO_EXCEPTIONS
    (void)what;
    std::abort();
#else
    throw std::invalid_argument(what);
#endif
  }

  static void fail_with(check_result& out, errc e, std::size_t off) noexcept {
    out.code = e;
    out.offset = off;
  }

  struct record {
    std::int64_t issued_at = 0;
    unsigned alg_mask = 0, qop_mask = 0;
    bool userhash = false, rfc2069 = false, has_opaque = false;
    std::string_view realm, opaque;
  };

  // "issued\nalgmask\nqopmask\nuserhash\nrfc2069\nhas_opaque\nrealm\nopaque"
  static bool read_record(std::string_view s, record& r) {
    std::array<std::string_view, 8> f{};
    std::size_t k = 0, i = 0;
    while (k < 7) {
      const std::size_t j = s.find('\n', i);
      if (j == std::string_view::npos) return false;
      f[k++] = s.substr(i, j - i);
      i = j + 1;
    }
    f[7] = s.substr(i);
    auto num = [](std::string_view x, std::int64_t& v) {
      if (x.empty()) return false;
      bool neg = x.front() == '-';
      if (neg) x.remove_prefix(1);
      std::int64_t t = 0;
      for (char ch : x) {
        if (ch < '0' || ch > '9') return false;
        t = t * 10 + (ch - '0');
      }
      v = neg ? -t : t;
      return true;
    };
    std::int64_t a = 0, q = 0;
    if (!num(f[0], r.issued_at) || !num(f[1], a) || !num(f[2], q)) return false;
    r.alg_mask = static_cast<unsigned>(a);
    r.qop_mask = static_cast<unsigned>(q);
    r.userhash = f[3] == "1";
    r.rfc2069 = f[4] == "1";
    r.has_opaque = f[5] == "1";
    r.realm = f[6];
    r.opaque = f[7];
    return true;
  }

  // "http://host:port/p?q" -> {"host:port", "/p?q"}; false when not absolute-form.
  static bool split_absolute(std::string_view t, std::string_view& authority, std::string_view& rest) noexcept {
    const std::size_t colon = t.find("://");
    if (colon == std::string_view::npos || colon == 0) return false;
    for (std::size_t i = 0; i < colon; ++i) {
      const char ch = t[i];
      const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (i > 0 && ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.'));
      if (!ok) return false;
    }
    const std::size_t a = colon + 3;
    std::size_t e = t.find_first_of("/?", a);
    if (e == std::string_view::npos) e = t.size();
    authority = t.substr(a, e - a);
    rest = t.substr(e);
    return true;
  }

  /**
   * The uri directive names the request-target (RFC 7616 section 3.4.6): equal to it, byte for
   * byte. Two readings that real clients need: the target in absolute-form (a proxy request)
   * and uri its origin-form (curl --proxy-digest sends the path), or uri in absolute-form whose
   * authority is the Host header and whose path and query are the origin-form target.
   */
  static bool uri_matches(const auth_param_view& uri, const request_view& req) noexcept {
    if (detail::equals_unescaped(uri, req.target)) return true;
    if (uri.has_escapes) return false;
    std::string_view auth, rest;
    if (split_absolute(req.target, auth, rest)) {
      if (rest.empty()) rest = "/";
      if (rest.front() == '?') return false;
      return uri.raw_value == rest;
    }
    if (split_absolute(uri.raw_value, auth, rest)) {
      if (rest.empty()) rest = "/";
      const auto host = req.header("Host");
      return host && iequals(*host, auth) && rest == req.target;
    }
    return false;
  }

  // The pieces a nonce is bound to, each tagged and length-prefixed in the MAC input.
  struct binding_pieces {
    std::array<std::string_view, 4> v{};
    std::array<char, 4> tag{};
    std::size_t n = 0;
  };
  binding_pieces binding_data(const request_view& req) const noexcept {
    binding_pieces b;
    auto add = [&](nonce_binding f, char t, std::string_view x) {
      if (!has_binding(o_.binding, f)) return;
      b.v[b.n] = x;
      b.tag[b.n] = t;
      ++b.n;
    };
    add(nonce_binding::uri, 'u', req.target);
    add(nonce_binding::client_address, 'a', req.peer_address);
    add(nonce_binding::method, 'm', req.method);
    add(nonce_binding::path, 'p', req.path());
    return b;
  }

  // This handler's slot in the thread's cache (taking over the least recently used one).
  detail::mac_cache::slot& slot() {
    auto& c = detail::thread_macs();
    detail::mac_cache::slot* s = nullptr;
    for (auto& x : c.slots)
      if (x.owner == id_) s = &x;
    if (!s) {
      s = &c.slots[0];
      for (auto& x : c.slots)
        if (x.used < s->used) s = &x;
      s->macs.clear();
      s->macs.reserve(o_.nonce_keys.size());
      for (const auto& k : o_.nonce_keys) s->macs.emplace_back(hash_algorithm::sha256, k);
      s->memo = {};  // another handler's nonces
      s->memo_next = 0;
      s->owner = id_;
    }
    s->used = ++c.tick;
    return *s;
  }

  hmac& mac(std::size_t key_index) { return slot().macs[key_index].reset(); }

  // With nonce_binding::none: the nonce is one this thread already knows valid for this handler.
  bool remembered(const char* text, std::int64_t& issued_at) {
    if (o_.binding != nonce_binding::none) return false;
    for (const auto& m : slot().memo)
      if (m.set && std::memcmp(m.text.data(), text, detail::nonce_text_size) == 0) {
        issued_at = m.issued_at;
        return true;
      }
    return false;
  }
  void remember(const char* text, std::int64_t issued_at) {
    if (o_.binding != nonce_binding::none) return;
    auto& s = slot();
    auto& m = s.memo[s.memo_next];
    s.memo_next = (s.memo_next + 1) % s.memo.size();
    std::memcpy(m.text.data(), text, detail::nonce_text_size);
    m.issued_at = issued_at;
    m.set = true;
  }

  digest_bytes nonce_mac(std::size_t key_index, const unsigned char* head, const binding_pieces& bind) {
    hmac& m = mac(key_index);
    constexpr std::string_view label = "adn1";  // domain separation (short: fewer SHA-256 blocks)
    char buf[768];
    std::size_t n = 0;
    auto put = [&](const void* p, std::size_t len) {
      if (len > sizeof(buf) - n) {  // long values: flush and stream them
        m.update(std::string_view(buf, n));
        n = 0;
        if (len > sizeof(buf)) {
          m.update(std::string_view(static_cast<const char*>(p), len));
          return;
        }
      }
      std::memcpy(buf + n, p, len);
      n += len;
    };
    auto put_len = [&](std::size_t len) {
      const auto l = static_cast<std::uint32_t>(len);
      const unsigned char b4[4] = {static_cast<unsigned char>(l >> 24), static_cast<unsigned char>(l >> 16),
                                   static_cast<unsigned char>(l >> 8), static_cast<unsigned char>(l)};
      put(b4, 4);
    };
    put(label.data(), label.size());
    put(head, 20);
    put_len(o_.realm.size());
    put(o_.realm.data(), o_.realm.size());
    for (std::size_t i = 0; i < bind.n; ++i) {
      put(&bind.tag[i], 1);
      put_len(bind.v[i].size());
      put(bind.v[i].data(), bind.v[i].size());
    }
    m.update(std::string_view(buf, n));
    return m.final();
  }

  void write_nonce(const request_view& req, char* out) {
    std::array<unsigned char, detail::nonce_raw_size> raw{};
    const auto t = static_cast<std::uint64_t>(o_.clock());
    for (int i = 0; i < 8; ++i) raw[static_cast<std::size_t>(i)] = static_cast<unsigned char>(t >> (56 - 8 * i));
    o_.random(raw.data() + 8, 12);
    const digest_bytes d = nonce_mac(0, raw.data(), binding_data(req));
    std::memcpy(raw.data() + 20, d.data.data(), detail::nonce_mac_size);
    detail::b64url_encode_fixed(raw.data(), raw.size(), out);
    remember(out, static_cast<std::int64_t>(t));
  }

  bool verify_nonce(const request_view& req, std::string_view text, std::int64_t& issued_at) {
    if (text.size() != detail::nonce_text_size) return false;
    if (remembered(text.data(), issued_at)) return true;
    std::array<unsigned char, detail::nonce_raw_size> raw{};
    if (!detail::b64url_decode_fixed(text, raw.data())) return false;
    const std::string_view got(reinterpret_cast<const char*>(raw.data() + 20), detail::nonce_mac_size);
    const binding_pieces bind = binding_data(req);
    bool ok = false;
    for (std::size_t k = 0; k < o_.nonce_keys.size() && !ok; ++k) {
      const digest_bytes d = nonce_mac(k, raw.data(), bind);
      ok = constant_time_equal(got, std::string_view(reinterpret_cast<const char*>(d.data.data()), detail::nonce_mac_size));
    }
    if (!ok) return false;
    std::uint64_t t = 0;
    for (std::size_t i = 0; i < 8; ++i) t = (t << 8) | raw[i];
    issued_at = static_cast<std::int64_t>(t);
    remember(text.data(), issued_at);
    return true;
  }

  void build_templates() {
    std::string qops;
    for (auto q : o_.qops) {
      if (!qops.empty()) qops += ", ";
      qops += to_string(q);
    }
    std::string dom;
    for (const auto& d : o_.domain) {
      if (!dom.empty()) dom += ' ';
      dom += d;
    }
    for (auto a : o_.algorithms) {
      challenge_builder b("Digest");
      b.param("realm", o_.realm, quoting::always);
      if (!dom.empty()) b.param("domain", dom, quoting::always);
      if (!qops.empty()) b.param("qop", qops, quoting::always);
      b.param("algorithm", to_string(a), quoting::never);
      b.param("nonce", "x", quoting::always);
      auto p = std::move(b).str();
      if (!p) fail("authwire::digest: the realm, domain or qop cannot be sent in a header");
      std::string pre = std::move(*p);
      pre.resize(pre.size() - 2);  // drop `x"`: the prefix ends with `nonce="`
      prefixes_.push_back(std::move(pre));
    }
    for (std::size_t stale = 0; stale < 2; ++stale) {
      challenge_builder b("Digest");
      b.param("nonce", "x", quoting::always);
      if (stale) b.param("stale", "true", quoting::never);
      if (!o_.opaque.empty()) b.param("opaque", o_.opaque, quoting::always);
      if (o_.charset_utf8) b.param("charset", "UTF-8", quoting::never);
      if (o_.userhash) b.param("userhash", "true", quoting::never);
      auto p = std::move(b).str();
      if (!p) fail("authwire::digest: the opaque value cannot be sent in a header");
      // "Digest nonce="x"<rest>": keep `"` + rest.
      suffixes_[stale] = p->substr(std::string_view("Digest nonce=\"x").size());
    }
  }

  void append_challenges(const request_view& req, bool stale, std::vector<std::string>& out) {
    std::array<char, detail::nonce_text_size> n{};
    write_nonce(req, n.data());
    const std::string_view nonce(n.data(), n.size());
    const std::string& suf = suffixes_[stale ? 1 : 0];
    for (const auto& pre : prefixes_) {
      std::string s;
      s.reserve(pre.size() + nonce.size() + suf.size());
      s.append(pre).append(nonce).append(suf);
      out.push_back(std::move(s));
    }
  }

  options o_;
  credential_fn lookup_;
  userhash_fn by_hash_;
  std::uint64_t id_;
  detail::offer own_;
  std::vector<std::string> prefixes_;
  std::array<std::string, 2> suffixes_;
};

/**
 * Builds one Digest challenge into `out` with exactly one allocation: `prefix` (from a
 * template made by challenge_builder), the nonce, and the suffix. Exposed for benchmarks.
 */
inline void append_one_challenge(std::string& out, std::string_view prefix, std::string_view nonce,
                                 std::string_view suffix) {
  out.reserve(prefix.size() + nonce.size() + suffix.size());
  out.append(prefix).append(nonce).append(suffix);
}

// ---------------------------------------------------------------------------------------
// Apache htdigest files
// ---------------------------------------------------------------------------------------

/**
 * An Apache htdigest file: lines `user:realm:HA1`, HA1 = MD5(user:realm:password) in hex
 * (what `htdigest` writes). Serves as a credential_fn for MD5 and MD5-sess.
 */
class htdigest {
 public:
  struct entry {
    std::string user, realm, ha1;
  };

  /**
   * Parses the contents of a file. Empty lines are skipped; CRLF is accepted.
   * @return the file, or bad_htdigest with the byte offset of the bad line.
   */
  static result<htdigest, errc> parse(std::string_view text) {
    htdigest f;
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t j = text.find('\n', i);
      if (j == std::string_view::npos) j = text.size();
      std::string_view line = text.substr(i, j - i);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) {
        // The user name cannot hold ':'; the realm can (htdigest writes it as given), so the
        // HA1 is after the last ':'.
        const std::size_t a = line.find(':');
        const std::size_t b = line.rfind(':');
        if (a == std::string_view::npos || a == b || line.size() - b - 1 != 32) return error{errc::bad_htdigest, i};
        entry e{std::string(line.substr(0, a)), std::string(line.substr(a + 1, b - a - 1)),
                std::string(line.substr(b + 1))};
        for (char& ch : e.ha1) {
          if (hex_value(ch) < 0) return error{errc::bad_htdigest, i};
          ch = authwire::detail::ascii_lower(ch);
        }
        f.entries_.push_back(std::move(e));
      }
      i = j + 1;
    }
    return f;
  }

  /// Reads and parses a file; nullopt when it cannot be read.
  static std::optional<result<htdigest, errc>> load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str());
  }

  const std::vector<entry>& entries() const noexcept { return entries_; }

  /// The HA1 of `user` in `realm`, if present.
  std::optional<std::string_view> find(std::string_view user, std::string_view realm) const noexcept {
    for (const auto& e : entries_)
      if (e.user == user && e.realm == realm) return std::string_view(e.ha1);
    return std::nullopt;
  }

  /// A credential_fn over this file (MD5 and MD5-sess only; other algorithms: unknown). The
  /// file must outlive it.
  credential_fn lookup() const {
    return [this](std::string_view user, std::string_view realm, algorithm alg, std::string& secret) {
      if (hash_of(alg) != hash_algorithm::md5) return secret_kind::unknown;
      const auto h = find(user, realm);
      if (!h) return secret_kind::unknown;
      secret.assign(h->data(), h->size());
      return secret_kind::ha1;
    };
  }

 private:
  std::vector<entry> entries_;
};

// ---------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------

/// One Digest challenge as a client keeps it (owning copies of the values).
struct challenge_info {
  std::string realm, nonce, opaque, domain;
  algorithm alg = algorithm::md5;
  bool has_opaque = false;
  bool stale = false;
  bool userhash = false;
  bool charset_utf8 = false;
  bool qop_auth = false;      ///< qop offers auth
  bool qop_auth_int = false;  ///< qop offers auth-int (neither: the RFC 2069 form)
};

/**
 * Reads one Digest challenge (from parse_challenges).
 * @return bad_challenge (not Digest, token68, no realm or nonce; offset of the scheme),
 *   unsupported_algorithm (offset of its value).
 */
[[nodiscard]] inline result<challenge_info, errc> read_challenge(const challenge_view& c) {
  if (!c.is("Digest") || c.has_token68) return error{errc::bad_challenge, c.scheme_offset};
  const auto* r = c.param("realm");
  const auto* n = c.param("nonce");
  if (!r || !n) return error{errc::bad_challenge, c.scheme_offset};
  challenge_info ci;
  ci.realm = r->value();
  ci.nonce = n->value();
  if (const auto* a = c.param("algorithm")) {
    const auto pa = parse_algorithm(a->value());
    if (!pa) return error{errc::unsupported_algorithm, a->value_offset};
    ci.alg = *pa;
  }
  if (const auto* o = c.param("opaque")) {
    ci.opaque = o->value();
    ci.has_opaque = true;
  }
  if (const auto* d = c.param("domain")) ci.domain = d->value();
  if (const auto* s = c.param("stale")) ci.stale = iequals(s->value(), "true");
  if (const auto* u = c.param("userhash")) ci.userhash = iequals(u->value(), "true");
  if (const auto* cs = c.param("charset")) ci.charset_utf8 = iequals(cs->value(), "UTF-8");
  if (const auto* q = c.param("qop")) {
    const std::string qs = q->value();
    std::size_t i = 0;
    while (i <= qs.size()) {
      std::size_t j = qs.find(',', i);
      if (j == std::string::npos) j = qs.size();
      std::string_view item = std::string_view(qs).substr(i, j - i);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (iequals(item, "auth")) ci.qop_auth = true;
      if (iequals(item, "auth-int")) ci.qop_auth_int = true;
      i = j + 1;
    }
  }
  return ci;
}

/**
 * The index of the strongest Digest challenge with a supported algorithm (RFC 7616 section 3.7:
 * the client uses the first one it supports when the server lists the strongest first; on equal
 * strength the earlier one wins).
 * @return no_supported_challenge when there is none.
 */
[[nodiscard]] inline result<std::size_t, errc> choose_challenge(const challenge_list& l) {
  std::optional<std::size_t> best;
  int best_rank = -1;
  for (std::size_t i = 0; i < l.size(); ++i) {
    auto ci = read_challenge(l[i]);
    if (!ci) continue;
    if (strength(ci->alg) > best_rank) {
      best_rank = strength(ci->alg);
      best = i;
    }
  }
  if (!best) return error{errc::no_supported_challenge, 0};
  return *best;
}

/// The request-dependent inputs of one Authorization value.
struct request_inputs {
  std::string_view method = "GET";
  std::string_view uri = "/";   ///< the request-target, exactly as it will be sent
  std::string_view body;        ///< for auth-int
  bool has_body = false;
  std::string_view cnonce;      ///< required with qop and with -sess
  std::uint32_t nc = 1;
  bool prefer_auth_int = false; ///< use auth-int when offered (it needs the body)
  /// check_authentication_info with auth-int: the response body that rspauth covers.
  std::string_view response_body;
  bool has_response_body = false;
};

/// The user's secret for the client: a password, or the HA1 for the challenge's hash.
struct user_credentials {
  std::string_view user;      ///< UTF-8
  std::string_view password;
  std::string_view ha1;       ///< used instead of the password when not empty
};

namespace detail {
inline bool needs_username_star(std::string_view user) noexcept {
  for (char c : user) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || u < 0x20 || u == 0x7F) return true;
  }
  return false;
}
inline qop pick_qop(const challenge_info& ci, const request_inputs& r) noexcept {
  if (ci.qop_auth_int && (r.prefer_auth_int || !ci.qop_auth) && r.has_body) return qop::auth_int;
  if (ci.qop_auth) return qop::auth;
  if (ci.qop_auth_int) return qop::auth_int;
  return qop::none;
}
}  // namespace detail

/**
 * Builds a Digest Authorization value for the challenge `ci` (RFC 7616 section 3.4): every
 * algorithm, qop auth / auth-int / none (RFC 2069 form when the challenge has no qop),
 * userhash when offered, and username* (RFC 8187) when the name is not ASCII and not hashed.
 * @return the value, or bad_challenge when qop or -sess needs a cnonce that was not given,
 *   auth_int_unavailable when only auth-int is offered and no body was given.
 */
[[nodiscard]] inline result<std::string, errc> build_authorization(const challenge_info& ci, const user_credentials& u,
                                                                   const request_inputs& r) {
  const qop q = detail::pick_qop(ci, r);
  if (q == qop::auth_int && !r.has_body) return error{errc::auth_int_unavailable, 0};
  if ((q != qop::none || is_session(ci.alg)) && r.cnonce.empty()) return error{errc::missing_cnonce, 0};
  std::string base_ha1 = u.ha1.empty() ? ha1(ci.alg, u.user, ci.realm, u.password) : std::string(u.ha1);
  for (char& ch : base_ha1) ch = authwire::detail::ascii_lower(ch);
  std::array<char, 9> ncbuf{};
  constexpr char digits[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) ncbuf[static_cast<std::size_t>(i)] = digits[(r.nc >> (28 - 4 * i)) & 15];
  const std::string_view nc(ncbuf.data(), 8);
  std::string body_hash;
  if (q == qop::auth_int) body_hash = hash(hash_of(ci.alg), r.body).hex();
  const std::string resp =
      compute_response(ci.alg, q, base_ha1, ci.nonce, nc, r.cnonce, r.method, r.uri, body_hash);

  credentials_builder b("Digest");
  if (ci.userhash) {
    b.param("username", userhash(ci.alg, u.user, ci.realm), quoting::always);
  } else if (detail::needs_username_star(u.user)) {
    b.param("username*", encode_ext_value(u.user), quoting::never);
  } else {
    b.param("username", u.user, quoting::always);
  }
  b.param("realm", ci.realm, quoting::always);
  b.param("uri", r.uri, quoting::always);
  b.param("algorithm", to_string(ci.alg), quoting::never);
  b.param("nonce", ci.nonce, quoting::always);
  if (q != qop::none) b.param("nc", nc, quoting::never);
  if (q != qop::none || is_session(ci.alg)) b.param("cnonce", r.cnonce, quoting::always);
  if (q != qop::none) b.param("qop", to_string(q), quoting::never);
  b.param("response", resp, quoting::always);
  if (ci.has_opaque) b.param("opaque", ci.opaque, quoting::always);
  if (ci.userhash) b.param("userhash", "true", quoting::never);
  auto s = std::move(b).str();
  if (!s) return error{errc::bad_challenge, s.offset()};
  return std::move(*s);
}

/**
 * Checks an Authentication-Info value against the request it answers (RFC 7616 section 3.5):
 * rspauth in constant time, and qop, cnonce and nc when present. For auth-int, rspauth covers
 * the response body: it is checked when `r.has_response_body`, and may be absent otherwise
 * (servers cannot always send it). Without qop (RFC 2069) rspauth is not defined. `nextnonce`,
 * when present, is written to `nextnonce`.
 * @return bad_authentication_info (malformed, or qop/cnonce/nc differ), rspauth_mismatch.
 */
[[nodiscard]] inline result<void, errc> check_authentication_info(std::string_view value, const challenge_info& ci,
                                                                  const user_credentials& u, const request_inputs& r,
                                                                  std::string* nextnonce = nullptr) {
  auto l = parse_authentication_info(value);
  if (!l) return error{errc::bad_authentication_info, l.offset()};
  const qop q = detail::pick_qop(ci, r);
  std::array<char, 9> ncbuf{};
  constexpr char digits[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) ncbuf[static_cast<std::size_t>(i)] = digits[(r.nc >> (28 - 4 * i)) & 15];
  const std::string_view nc(ncbuf.data(), 8);
  if (const auto* p = l->find("qop"); p && !iequals(p->value(), to_string(q)))
    return error{errc::bad_authentication_info, p->value_offset};
  if (const auto* p = l->find("cnonce"); p && p->value() != r.cnonce)
    return error{errc::bad_authentication_info, p->value_offset};
  if (const auto* p = l->find("nc"); p && !iequals(p->value(), nc))
    return error{errc::bad_authentication_info, p->value_offset};
  const auto* rsp = l->find("rspauth");
  const bool check_int = q == qop::auth_int && r.has_response_body;
  if (!rsp) {
    if (q == qop::auth || check_int) return error{errc::bad_authentication_info, value.size()};
  } else if (q == qop::auth || check_int) {
    std::string base_ha1 = u.ha1.empty() ? ha1(ci.alg, u.user, ci.realm, u.password) : std::string(u.ha1);
    for (char& ch : base_ha1) ch = authwire::detail::ascii_lower(ch);
    const std::string body_hash = check_int ? hash(hash_of(ci.alg), r.response_body).hex() : std::string();
    const std::string expect = compute_response(ci.alg, q, base_ha1, ci.nonce, nc, r.cnonce, {}, r.uri, body_hash);
    std::string got = rsp->value();
    for (char& ch : got) ch = authwire::detail::ascii_lower(ch);
    if (!constant_time_equal(expect, got)) return error{errc::rspauth_mismatch, rsp->value_offset};
  }
  if (nextnonce) {
    if (const auto* p = l->find("nextnonce")) *nextnonce = p->value();
  }
  return {};
}

/**
 * A Digest client for one user: keeps the chosen challenge, counts nc per nonce, draws
 * cnonces from the random source, follows stale=true and nextnonce, checks rspauth.
 *
 * @code
 *   authwire::digest::client c("Mufasa", "Circle of Life");
 *   c.on_challenges(www_authenticate_value);            // from the 401
 *   auto h = c.authorization("GET", "/dir/index.html"); // Authorization value
 *   c.check_authentication_info(auth_info_value);       // from the 200
 * @endcode
 */
class client {
 public:
  client(std::string user, std::string password, random_fn rnd = system_random())
      : user_(std::move(user)), password_(std::move(password)), random_(std::move(rnd)) {
    if (!random_) random_ = system_random();
  }

  /// Use auth-int when the server offers it (needs the body on each request).
  void prefer_auth_int(bool on) noexcept { prefer_auth_int_ = on; }

  /**
   * Takes the challenges of a 401/407 (one or more field lines joined) and picks the strongest
   * supported Digest challenge. Resets nc for a new nonce.
   * @return bad_challenge (unparseable), no_supported_challenge.
   */
  result<void, errc> on_challenges(std::string_view www_authenticate) {
    auto l = parse_challenges(www_authenticate);
    if (!l) return error{errc::bad_challenge, l.offset()};
    return on_challenges(*l);
  }
  result<void, errc> on_challenges(const challenge_list& l) {
    auto i = choose_challenge(l);
    if (!i) return i.error();
    auto ci = read_challenge(l[*i]);
    if (!ci) return ci.error();
    if (!have_ || ci->nonce != ci_.nonce) nc_ = 0;
    ci_ = std::move(*ci);
    have_ = true;
    return {};
  }

  /// True when the last challenge said stale=true: retry with the same credentials.
  bool stale() const noexcept { return have_ && ci_.stale; }
  bool has_challenge() const noexcept { return have_; }
  const challenge_info& challenge() const noexcept { return ci_; }
  std::uint32_t nc() const noexcept { return nc_; }

  /// The Authorization value for the next request (nc + 1, a fresh cnonce).
  result<std::string, errc> authorization(std::string_view method, std::string_view uri, std::string_view body = {},
                                          bool has_body = false) {
    if (!have_) return error{errc::bad_challenge, 0};
    std::array<unsigned char, 16> rnd{};
    random_(rnd.data(), rnd.size());
    last_cnonce_ = hex_encode(std::string_view(reinterpret_cast<const char*>(rnd.data()), rnd.size()));
    last_.method = method;
    last_uri_.assign(uri.data(), uri.size());
    last_.uri = last_uri_;
    last_.body = body;
    last_.has_body = has_body;
    last_.cnonce = last_cnonce_;
    last_.nc = ++nc_;
    last_.prefer_auth_int = prefer_auth_int_;
    return build_authorization(ci_, {user_, password_, {}}, last_);
  }

  /**
   * Checks the Authentication-Info of the answer to the last request; adopts nextnonce. With
   * auth-int, pass the response body to check the rspauth that covers it.
   */
  result<void, errc> check_authentication_info(std::string_view value,
                                               std::optional<std::string_view> response_body = std::nullopt) {
    if (!have_) return error{errc::bad_authentication_info, 0};
    std::string next;
    request_inputs ri = last_;
    if (response_body) {
      ri.response_body = *response_body;
      ri.has_response_body = true;
    }
    auto r = digest::check_authentication_info(value, ci_, {user_, password_, {}}, ri, &next);
    if (!r) return r;
    if (!next.empty() && next != ci_.nonce) {
      ci_.nonce = std::move(next);
      nc_ = 0;
    }
    return {};
  }

 private:
  std::string user_, password_;
  random_fn random_;
  challenge_info ci_;
  bool have_ = false;
  bool prefer_auth_int_ = false;
  std::uint32_t nc_ = 0;
  std::string last_cnonce_, last_uri_;
  request_inputs last_;
};

}  // namespace digest
}  // namespace v1
}  // namespace authwire

template <>
struct std::is_error_code_enum<authwire::digest::errc> : std::true_type {};
