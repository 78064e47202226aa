// SPDX-License-Identifier: MIT
/**
 * @file hoba.hpp
 * @brief HOBA, HTTP Origin-Bound Authentication (RFC 7486): the challenge, the client result,
 *        the to-be-signed blob, signature verification against registered client public keys,
 *        single-use expiring challenges in a `state_store`, the registration flow of section 6
 *        (`Hobareg`), login sessions by cookie and logout; and the client side that signs.
 *
 * @par Grammar (RFC 7486 section 2, section 3)
 * @code
 *   HOBA-TBS  = len ":" nonce
 *               len ":" alg
 *               len ":" origin
 *               len ":" [ realm ]
 *               len ":" kid
 *               len ":" challenge
 *   len       = 1*DIGIT                    ; decimal octet count of what follows the ":"
 *   nonce     = 1*base64urlchars
 *   alg       = 1*2DIGIT                   ; "0" RSA-SHA256, "1" RSA-SHA1 (section 9.3)
 *   origin    = scheme "://" authority ":" port
 *   kid       = 1*base64urlchars
 *   challenge = 1*base64urlchars
 *   HOBA-RES  = kid "." challenge "." nonce "." sig
 *   sig       = 1*base64urlchars
 *   base64urlchars = ALPHA / DIGIT / "-" / "_" / "="
 *
 *   WWW-Authenticate: HOBA challenge="<base64url>", max-age=<seconds>, realm="<realm>"
 *   Authorization:    HOBA result="<HOBA-RES>"
 * @endcode
 *
 * Decisions where RFC 7486 leaves room (each is a documented option or a stated rule):
 * - The algorithm. HOBA-RES does not carry `alg`; only the signed blob does. The server
 *   therefore takes the algorithm registered with the key (`key_record::alg`, set at
 *   registration from the form field `alg`, default 0 = RSA-SHA256) and builds the blob with
 *   it. RSA-SHA1 (1) is refused unless `options::allow_rsa_sha1`.
 * - The origin. The RFC's ABNF writes `scheme "://" authority ":" port`, the port always
 *   present; that is the default (`origin_form::explicit_port`, "https://example.org:443").
 *   `origin_form::rfc6454` omits the default port as RFC 6454 serializes origins
 *   ("https://example.org"). An application behind a proxy sets `options::origin`.
 * - kid, challenge and nonce go into the blob exactly as they travel (their base64url text,
 *   not the decoded bytes); only `sig` is decoded. `=` is accepted in them, as the ABNF's
 *   base64urlchars allows; this library never sends padding.
 * - Registration (section 6.1) must prove possession of the new private key: the POST
 *   carries `Authorization: HOBA result=...` over a challenge this server issued, signed by
 *   the key being registered (`options::registration_needs_proof`, on by default). A kid that
 *   is registered already with another key is refused (errc::kid_in_use, 403). The form's
 *   `pub` may be PEM or base64 / base64url DER SubjectPublicKeyInfo; kidtype 0 ("a hash of the
 *   public key") is not recomputed, since the RFC names no hash (kid_from_public_key() makes
 *   one with SHA-256 for clients).
 * - A challenge is used up by any attempt that reaches the store, right or wrong (a wrong
 *   signature cannot be retried with it); a malformed result (400) does not reach the store.
 *   Expired challenges stay in the store for `expired_grace` seconds after max-age so that a
 *   late answer is told challenge_expired rather than unknown_challenge.
 * - The nonce must have at least `parse_limits::min_nonce_chars` (6) characters, the 32 bits
 *   that section 2 asks UAs to be able to use; set it to 1 to accept any nonce.
 * - The `/.well-known/hoba/` paths other than `register` (getchal, login, logout) are given
 *   as recalled from section 6 and may differ in spelling from the RFC; the handler never
 *   routes by path, the application does.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../challenge.hpp"
#include "../clock.hpp"
#include "../codec.hpp"
#include "../config.hpp"
#include "../credentials.hpp"
#include "../crypto.hpp"
#include "../decision.hpp"
#include "../error.hpp"
#include "../grammar.hpp"
#include "../result.hpp"
#include "../server.hpp"
#include "../store.hpp"

namespace authwire {
inline namespace v1 {
namespace hoba {

/**
 * HOBA's errors and outcomes. Values are never reused. The status a server answers with is
 * given per group (400 malformed, 401 fresh challenge, 403, 503).
 */
enum class errc : std::uint8_t {
  ok = 0,
  // The Authorization value (400).
  bad_syntax = 1,              ///< the value breaks the RFC 9110 credentials grammar
  not_hoba = 2,                ///< the scheme is not HOBA
  token68_form = 3,            ///< HOBA credentials are `result=...`, not a token68
  missing_result = 4,          ///< no `result` auth-param
  empty_kid = 5,               ///< HOBA-RES starts with "." or is empty
  bad_kid = 6,                 ///< a kid byte outside base64urlchars
  missing_challenge = 7,       ///< HOBA-RES has no "." after the kid
  empty_challenge = 8,
  bad_challenge = 9,           ///< a challenge byte outside base64urlchars
  missing_nonce = 10,          ///< no "." after the challenge
  empty_nonce = 11,
  bad_nonce = 12,              ///< a nonce byte outside base64urlchars
  missing_signature = 13,      ///< no "." after the nonce
  empty_signature = 14,
  bad_signature_encoding = 15, ///< sig is not base64url (RFC 4648 section 5)
  too_many_parts = 16,         ///< a fifth "."-separated part
  part_too_long = 17,          ///< a part exceeds options::max_part_length
  nonce_too_short = 18,        ///< fewer than options::min_nonce_chars (32 bits, section 2)
  missing_host = 19,           ///< no single Host header to build the origin from
  bad_host = 20,               ///< the Host header is not host [":" port]
  bad_origin = 21,             ///< a scheme other than http/https with no port, or an empty origin
  // Verification (401 with a fresh challenge; store_unavailable: 503).
  unknown_challenge = 30,      ///< never issued here, already used, or long expired
  challenge_expired = 31,      ///< issued here, but answered after max-age
  unknown_kid = 32,            ///< no key registered under this kid
  algorithm_not_allowed = 33,  ///< RSA-SHA1 while options::allow_rsa_sha1 is false
  unknown_algorithm = 34,      ///< not in the HOBA signature algorithm registry
  key_type_mismatch = 35,      ///< the registered key is not an RSA key
  key_too_small = 36,          ///< fewer bits than options::min_rsa_bits
  bad_signature = 37,          ///< the signature does not verify over the HOBA-TBS
  store_unavailable = 38,      ///< the state store cannot be reached (503, fail closed)
  unknown_session = 39,        ///< the session cookie names no live session
  // The challenge, read by a client.
  not_a_hoba_challenge = 40,   ///< no HOBA challenge in the header
  missing_challenge_param = 41,///< the HOBA challenge lacks `challenge`
  bad_challenge_param = 42,    ///< `challenge` is empty or not base64urlchars
  missing_max_age = 43,        ///< the HOBA challenge lacks `max-age`
  bad_max_age = 44,            ///< `max-age` is not 1*DIGIT
  sign_failed = 45,            ///< the private key could not sign (wrong type for the alg)
  // Registration (section 6.1; 400 unless noted).
  bad_form_encoding = 50,      ///< the body is not application/x-www-form-urlencoded
  duplicate_field = 51,        ///< a form field given twice
  missing_pub = 52,            ///< no `pub` field
  bad_pub = 53,                ///< `pub` holds no public key (PEM or base64 DER SubjectPublicKeyInfo)
  missing_kid = 54,            ///< no `kid` field
  bad_kidtype = 55,            ///< `kidtype` is not 0, 1 or 2 (section 9.4)
  bad_didtype = 56,            ///< `didtype` is not 0 (section 9.5)
  bad_did = 57,                ///< `did` has a control character or is too long
  bad_alg = 58,                ///< `alg` is not a registered algorithm number
  proof_kid_mismatch = 59,     ///< the proof's kid differs from the form's kid (401)
  registration_refused = 60,   ///< the application refused the registration (403)
  missing_proof = 61,          ///< registration without a HOBA Authorization proof (401)
  kid_in_use = 62,             ///< the kid is registered already, with another key (403)
};

/// The enumerator's name as spelled in the source.
constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::bad_syntax: return "bad_syntax";
    case errc::not_hoba: return "not_hoba";
    case errc::token68_form: return "token68_form";
    case errc::missing_result: return "missing_result";
    case errc::empty_kid: return "empty_kid";
    case errc::bad_kid: return "bad_kid";
    case errc::missing_challenge: return "missing_challenge";
    case errc::empty_challenge: return "empty_challenge";
    case errc::bad_challenge: return "bad_challenge";
    case errc::missing_nonce: return "missing_nonce";
    case errc::empty_nonce: return "empty_nonce";
    case errc::bad_nonce: return "bad_nonce";
    case errc::missing_signature: return "missing_signature";
    case errc::empty_signature: return "empty_signature";
    case errc::bad_signature_encoding: return "bad_signature_encoding";
    case errc::too_many_parts: return "too_many_parts";
    case errc::part_too_long: return "part_too_long";
    case errc::nonce_too_short: return "nonce_too_short";
    case errc::missing_host: return "missing_host";
    case errc::bad_host: return "bad_host";
    case errc::bad_origin: return "bad_origin";
    case errc::unknown_challenge: return "unknown_challenge";
    case errc::challenge_expired: return "challenge_expired";
    case errc::unknown_kid: return "unknown_kid";
    case errc::algorithm_not_allowed: return "algorithm_not_allowed";
    case errc::unknown_algorithm: return "unknown_algorithm";
    case errc::key_type_mismatch: return "key_type_mismatch";
    case errc::key_too_small: return "key_too_small";
    case errc::bad_signature: return "bad_signature";
    case errc::store_unavailable: return "store_unavailable";
    case errc::unknown_session: return "unknown_session";
    case errc::not_a_hoba_challenge: return "not_a_hoba_challenge";
    case errc::missing_challenge_param: return "missing_challenge_param";
    case errc::bad_challenge_param: return "bad_challenge_param";
    case errc::missing_max_age: return "missing_max_age";
    case errc::bad_max_age: return "bad_max_age";
    case errc::sign_failed: return "sign_failed";
    case errc::bad_form_encoding: return "bad_form_encoding";
    case errc::duplicate_field: return "duplicate_field";
    case errc::missing_pub: return "missing_pub";
    case errc::bad_pub: return "bad_pub";
    case errc::missing_kid: return "missing_kid";
    case errc::bad_kidtype: return "bad_kidtype";
    case errc::bad_didtype: return "bad_didtype";
    case errc::bad_did: return "bad_did";
    case errc::bad_alg: return "bad_alg";
    case errc::proof_kid_mismatch: return "proof_kid_mismatch";
    case errc::registration_refused: return "registration_refused";
    case errc::missing_proof: return "missing_proof";
    case errc::kid_in_use: return "kid_in_use";
  }
  return "unknown";
}

/// A short English description, with no secret in it.
constexpr std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::ok: return "no error";
    case errc::bad_syntax: return "the Authorization value breaks the credentials grammar";
    case errc::not_hoba: return "the credentials are not HOBA";
    case errc::token68_form: return "HOBA credentials carry result=..., not a token68";
    case errc::missing_result: return "the HOBA credentials have no result parameter";
    case errc::empty_kid: return "the HOBA result has an empty kid";
    case errc::bad_kid: return "the kid is not base64url";
    case errc::missing_challenge: return "the HOBA result ends after the kid";
    case errc::empty_challenge: return "the HOBA result has an empty challenge";
    case errc::bad_challenge: return "the challenge is not base64url";
    case errc::missing_nonce: return "the HOBA result ends after the challenge";
    case errc::empty_nonce: return "the HOBA result has an empty nonce";
    case errc::bad_nonce: return "the nonce is not base64url";
    case errc::missing_signature: return "the HOBA result ends after the nonce";
    case errc::empty_signature: return "the HOBA result has an empty signature";
    case errc::bad_signature_encoding: return "the signature is not base64url";
    case errc::too_many_parts: return "the HOBA result has more than four parts";
    case errc::part_too_long: return "a part of the HOBA result is too long";
    case errc::nonce_too_short: return "the client nonce is shorter than 32 bits";
    case errc::missing_host: return "no single Host header to build the origin from";
    case errc::bad_host: return "the Host header is not host[:port]";
    case errc::bad_origin: return "the origin cannot be built";
    case errc::unknown_challenge: return "the challenge was not issued here, was used already, or expired";
    case errc::challenge_expired: return "the challenge was answered after max-age";
    case errc::unknown_kid: return "no key is registered under this kid";
    case errc::algorithm_not_allowed: return "the signature algorithm is not allowed here";
    case errc::unknown_algorithm: return "the signature algorithm is not a HOBA algorithm";
    case errc::key_type_mismatch: return "the key does not fit the signature algorithm";
    case errc::key_too_small: return "the RSA key is too small";
    case errc::bad_signature: return "the signature does not verify";
    case errc::store_unavailable: return "the challenge store cannot be reached";
    case errc::unknown_session: return "the session cookie names no live session";
    case errc::not_a_hoba_challenge: return "no HOBA challenge";
    case errc::missing_challenge_param: return "the HOBA challenge has no challenge parameter";
    case errc::bad_challenge_param: return "the challenge parameter is not base64url";
    case errc::missing_max_age: return "the HOBA challenge has no max-age parameter";
    case errc::bad_max_age: return "max-age is not a number of seconds";
    case errc::sign_failed: return "the private key could not sign";
    case errc::bad_form_encoding: return "the registration body is not a valid form";
    case errc::duplicate_field: return "a registration field occurs twice";
    case errc::missing_pub: return "the registration has no pub field";
    case errc::bad_pub: return "the pub field holds no public key";
    case errc::missing_kid: return "the registration has no kid field";
    case errc::bad_kidtype: return "kidtype is not a registered key identifier type";
    case errc::bad_didtype: return "didtype is not a registered device identifier type";
    case errc::bad_did: return "the device identifier cannot be used";
    case errc::bad_alg: return "alg is not a registered HOBA signature algorithm";
    case errc::proof_kid_mismatch: return "the registration proof was signed for another kid";
    case errc::registration_refused: return "the application refused the registration";
    case errc::missing_proof: return "the registration carries no HOBA proof of possession";
    case errc::kid_in_use: return "the kid is registered already with another key";
  }
  return "unknown error";
}

/// The std::error_category of hoba::errc ("authwire.hoba").
inline const std::error_category& category() noexcept {
  static const authwire::detail::enum_category<errc> c("authwire.hoba");
  return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

/// HOBA's own result type.
template <class T>
using hoba_result = authwire::result<T, errc>;

/// The HOBA signature algorithms (RFC 7486 section 9.3, IANA "HOBA Signature Algorithms").
enum class signature_algorithm : std::uint8_t {
  rsa_sha256 = 0,  ///< RSASSA-PKCS1-v1_5 with SHA-256; every implementation supports it
  rsa_sha1 = 1,    ///< RSASSA-PKCS1-v1_5 with SHA-1; refused unless enabled
};

/// The algorithm numbered `n`, or nullopt for a number outside the registry.
constexpr std::optional<signature_algorithm> algorithm_from_number(unsigned n) noexcept {
  if (n == 0) return signature_algorithm::rsa_sha256;
  if (n == 1) return signature_algorithm::rsa_sha1;
  return std::nullopt;
}

/// The hash the algorithm signs with.
constexpr hash_algorithm hash_of(signature_algorithm a) noexcept {
  return a == signature_algorithm::rsa_sha1 ? hash_algorithm::sha1 : hash_algorithm::sha256;
}

/// Key identifier types (RFC 7486 section 9.4), the registration field `kidtype`.
enum class kid_type : std::uint8_t { public_key_hash = 0, uri = 1, unformatted = 2 };
/// Device identifier types (RFC 7486 section 9.5), the registration field `didtype`.
enum class did_type : std::uint8_t { unformatted = 0 };

/// The `/.well-known/hoba` paths of RFC 7486 section 6 (register: section 6.1; getchal:
/// a fresh challenge for HOBA-js; login and logout: section 6.3 / 6.5).
inline constexpr std::string_view well_known_register = "/.well-known/hoba/register";
inline constexpr std::string_view well_known_getchal = "/.well-known/hoba/getchal";
inline constexpr std::string_view well_known_login = "/.well-known/hoba/login";
inline constexpr std::string_view well_known_logout = "/.well-known/hoba/logout";
/// The response header of a registration (RFC 7486 section 6.1.1): `Hobareg: regok` or `reginwork`.
inline constexpr std::string_view hobareg_header = "Hobareg";

/// True for a byte of base64urlchars (RFC 7486 section 2): ALPHA / DIGIT / "-" / "_" / "=".
constexpr bool is_base64url_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '=';
}

// ---------------------------------------------------------------------------------------------
// The to-be-signed blob and the origin
// ---------------------------------------------------------------------------------------------

/// Appends one `len ":" value` field of the HOBA-TBS (RFC 7486 section 2).
inline void append_tbs_field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out.append(value);
}

/**
 * The HOBA-TBS blob (RFC 7486 section 2): six length-prefixed fields in the order nonce, alg,
 * origin, realm, kid, challenge. `len` is the decimal octet count; an absent realm is "0:".
 * @code
 *   auto b = authwire::hoba::to_be_signed("n0nce", signature_algorithm::rsa_sha256,
 *                                          "https://example.org:443", "", "kid", "ch");
 *   // b == "5:n0nce1:023:https://example.org:4430:3:kid2:ch"
 * @endcode
 */
inline std::string to_be_signed(std::string_view nonce, signature_algorithm alg, std::string_view origin,
                                std::string_view realm, std::string_view kid, std::string_view challenge) {
  std::string s;
  s.reserve(nonce.size() + origin.size() + realm.size() + kid.size() + challenge.size() + 32);
  append_tbs_field(s, nonce);
  append_tbs_field(s, std::to_string(static_cast<unsigned>(alg)));
  append_tbs_field(s, origin);
  append_tbs_field(s, realm);
  append_tbs_field(s, kid);
  append_tbs_field(s, challenge);
  return s;
}

/// How the origin of the HOBA-TBS is written.
enum class origin_form : std::uint8_t {
  explicit_port,  ///< RFC 7486 section 2 ABNF: scheme "://" host ":" port, always ("http://a.example:80")
  rfc6454,        ///< RFC 6454 section 6.2 serialization: the default port omitted ("http://a.example")
};

/**
 * The origin of a request: `scheme` ("http" or "https", as the server knows it) and the Host
 * header value (`uri-host [ ":" port ]`, RFC 9110 section 7.2). Scheme and host are lower-cased.
 * @return the origin, or errc::bad_host at the offset of the offending byte of `host`,
 *   errc::bad_origin (offset 0) for a scheme that is neither http nor https and has no port.
 */
[[nodiscard]] inline hoba_result<std::string> make_origin(std::string_view scheme, std::string_view host,
                                                          origin_form form = origin_form::explicit_port) {
  std::string sch;
  for (char c : scheme) sch += authwire::detail::ascii_lower(c);
  if (sch.empty()) return basic_error<errc>{errc::bad_origin, 0};
  for (std::size_t i = 0; i < sch.size(); ++i) {
    const char c = sch[i];
    const bool ok = (c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return basic_error<errc>{errc::bad_origin, i};
  }
  if (host.empty()) return basic_error<errc>{errc::bad_host, 0};
  std::size_t i = 0;
  std::string h;
  if (host[0] == '[') {  // IP-literal
    i = 1;
    while (i < host.size() && host[i] != ']') {
      const char c = host[i];
      if (!(hex_value(c) >= 0 || c == ':' || c == '.')) return basic_error<errc>{errc::bad_host, i};
      ++i;
    }
    if (i >= host.size() || i == 1) return basic_error<errc>{errc::bad_host, i};
    ++i;
    for (std::size_t k = 0; k < i; ++k) h += authwire::detail::ascii_lower(host[k]);
  } else {
    while (i < host.size() && host[i] != ':') {
      const char c = host[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
      if (!ok) return basic_error<errc>{errc::bad_host, i};
      h += authwire::detail::ascii_lower(c);
      ++i;
    }
    if (h.empty()) return basic_error<errc>{errc::bad_host, 0};
  }
  std::string port;
  if (i < host.size()) {
    if (host[i] != ':') return basic_error<errc>{errc::bad_host, i};
    ++i;
    const std::size_t p0 = i;
    unsigned long v = 0;
    for (; i < host.size(); ++i) {
      const char c = host[i];
      if (c < '0' || c > '9' || i - p0 >= 5) return basic_error<errc>{errc::bad_host, i};
      v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    if (i == p0 || v > 65535) return basic_error<errc>{errc::bad_host, p0};
    port = std::to_string(v);  // canonical: no leading zeros
  }
  const std::string_view dflt = sch == "http" ? "80" : sch == "https" ? "443" : "";
  if (port.empty()) {
    if (dflt.empty()) return basic_error<errc>{errc::bad_origin, 0};
    port = std::string(dflt);
  }
  std::string o = sch + "://" + h;
  if (!(form == origin_form::rfc6454 && port == dflt)) o += ":" + port;
  return o;
}

// ---------------------------------------------------------------------------------------------
// The client result (Authorization)
// ---------------------------------------------------------------------------------------------

/// Limits of the HOBA-RES parser.
struct parse_limits {
  std::size_t max_part_length = 1024;  ///< per kid, challenge, nonce and sig (chars): errc::part_too_long
  std::size_t min_nonce_chars = 6;     ///< 32 bits of base64url (RFC 7486 section 2): errc::nonce_too_short
};

/**
 * One parsed HOBA-RES. Views into the caller's buffer. `*_offset` are byte offsets into the
 * input that was parsed (the Authorization value for parse_credentials).
 */
struct result_view {
  std::string_view kid;
  std::string_view challenge;
  std::string_view nonce;
  std::string_view sig_text;  ///< sig as received (base64url)
  std::string sig;            ///< sig decoded
  std::size_t kid_offset = 0, challenge_offset = 0, nonce_offset = 0, sig_offset = 0;
};

namespace detail {
// Scans one part [i, end-of-part) of the HOBA-RES `s` (base `base`): returns the end index.
inline hoba_result<std::size_t> scan_part(std::string_view s, std::size_t i, std::size_t base, errc empty, errc bad,
                                          std::size_t max_len) {
  const std::size_t b = i;
  while (i < s.size() && s[i] != '.') {
    if (!is_base64url_char(s[i])) return basic_error<errc>{bad, base + i};
    ++i;
  }
  if (i == b) return basic_error<errc>{empty, base + b};
  if (i - b > max_len) return basic_error<errc>{errc::part_too_long, base + b};
  return i;
}
}  // namespace detail

/**
 * Parses a HOBA-RES `kid "." challenge "." nonce "." sig` (RFC 7486 section 2). `base` is added
 * to every offset (the position of `s` in the header value).
 * @return the parts, or errc::empty_kid / bad_kid, missing_challenge / empty_challenge /
 *   bad_challenge, missing_nonce / empty_nonce / bad_nonce / nonce_too_short, missing_signature /
 *   empty_signature / bad_signature_encoding, too_many_parts, part_too_long, with the offset of
 *   the offending byte (for missing_*: the end of the input; for empty_*: where the part should start).
 */
[[nodiscard]] inline hoba_result<result_view> parse_result(std::string_view s, std::size_t base = 0,
                                                           const parse_limits& lim = {}) {
  result_view r;
  auto k = detail::scan_part(s, 0, base, errc::empty_kid, errc::bad_kid, lim.max_part_length);
  if (!k) return k.error();
  r.kid = s.substr(0, *k);
  r.kid_offset = base;
  if (*k >= s.size()) return basic_error<errc>{errc::missing_challenge, base + s.size()};
  const std::size_t c0 = *k + 1;
  auto c = detail::scan_part(s, c0, base, errc::empty_challenge, errc::bad_challenge, lim.max_part_length);
  if (!c) return c.error();
  r.challenge = s.substr(c0, *c - c0);
  r.challenge_offset = base + c0;
  if (*c >= s.size()) return basic_error<errc>{errc::missing_nonce, base + s.size()};
  const std::size_t n0 = *c + 1;
  auto n = detail::scan_part(s, n0, base, errc::empty_nonce, errc::bad_nonce, lim.max_part_length);
  if (!n) return n.error();
  r.nonce = s.substr(n0, *n - n0);
  r.nonce_offset = base + n0;
  if (r.nonce.size() < lim.min_nonce_chars) return basic_error<errc>{errc::nonce_too_short, base + n0};
  if (*n >= s.size()) return basic_error<errc>{errc::missing_signature, base + s.size()};
  const std::size_t s0 = *n + 1;
  auto g = detail::scan_part(s, s0, base, errc::empty_signature, errc::bad_signature_encoding,
                             lim.max_part_length);
  if (!g) return g.error();
  if (*g < s.size()) return basic_error<errc>{errc::too_many_parts, base + *g};
  r.sig_text = s.substr(s0, *g - s0);
  r.sig_offset = base + s0;
  auto d = base64url_decode(r.sig, r.sig_text, padding::optional);
  if (!d) return basic_error<errc>{errc::bad_signature_encoding, base + s0 + d.offset()};
  return r;
}

/**
 * Parses a whole `Authorization` value `HOBA result="kid.challenge.nonce.sig"` (RFC 7486
 * section 3). Other auth-params are ignored (RFC 9110 section 11.2). Offsets are into `value`.
 * @return the result, or errc::bad_syntax (the grammar's offset), not_hoba, token68_form,
 *   missing_result (offset: end of the value), or an error of parse_result.
 */
[[nodiscard]] inline hoba_result<result_view> parse_credentials(std::string_view value, const parse_limits& lim = {},
                                                                const parse_options& opts = {}) {
  auto c = authwire::parse_credentials(value, opts);
  if (!c) return basic_error<errc>{errc::bad_syntax, c.offset()};
  if (!c->is("HOBA")) return basic_error<errc>{errc::not_hoba, c->view().scheme_offset};
  if (c->has_token68()) {
    const std::size_t at = static_cast<std::size_t>(c->token68().data() - value.data());
    return basic_error<errc>{errc::token68_form, at};
  }
  const auth_param_view* p = c->param("result");
  if (!p) return basic_error<errc>{errc::missing_result, value.size()};
  const std::size_t base = p->value_offset + (p->quoted ? 1u : 0u);
  // The raw text, escapes kept: base64urlchars and "." never need a quoted-pair, so a
  // backslash is reported as a bad byte of the part it is in.
  return parse_result(p->raw_value, base, lim);
}

// ---------------------------------------------------------------------------------------------
// The challenge (WWW-Authenticate)
// ---------------------------------------------------------------------------------------------

/// A HOBA challenge as a client reads it (RFC 7486 section 3).
struct challenge_params {
  std::string challenge;
  std::int64_t max_age = 0;
  std::string realm;
  bool has_realm = false;
};

/**
 * Builds `HOBA challenge="...", max-age=N[, realm="..."]` (RFC 7486 section 3).
 * @return the value, or the builder's authwire::errc (a realm with a CTL: bad_value).
 */
[[nodiscard]] inline result<std::string> build_challenge(std::string_view challenge, std::int64_t max_age,
                                                         std::string_view realm = {}) {
  challenge_builder b("HOBA");
  b.param("challenge", challenge, quoting::always);
  b.param("max-age", std::to_string(max_age < 0 ? 0 : max_age), quoting::never);
  if (!realm.empty()) b.param("realm", realm, quoting::always);
  return std::move(b).str();
}

/**
 * Reads a HOBA challenge: `challenge` (1*base64urlchars) and `max-age` (1*DIGIT) are required,
 * `realm` optional. Offsets are those of the parsed header.
 */
[[nodiscard]] inline hoba_result<challenge_params> parse_challenge(const challenge_view& c) {
  if (!c.is("HOBA")) return basic_error<errc>{errc::not_a_hoba_challenge, c.scheme_offset};
  challenge_params out;
  const auth_param_view* ch = c.param("challenge");
  if (!ch) return basic_error<errc>{errc::missing_challenge_param, c.scheme_offset};
  out.challenge = ch->value();
  const std::size_t cb = ch->value_offset + (ch->quoted ? 1u : 0u);
  if (out.challenge.empty()) return basic_error<errc>{errc::bad_challenge_param, cb};
  for (std::size_t i = 0; i < out.challenge.size(); ++i)
    if (!is_base64url_char(out.challenge[i])) return basic_error<errc>{errc::bad_challenge_param, cb + i};
  const auth_param_view* ma = c.param("max-age");
  if (!ma) return basic_error<errc>{errc::missing_max_age, c.scheme_offset};
  const std::string v = ma->value();
  const std::size_t mb = ma->value_offset + (ma->quoted ? 1u : 0u);
  if (v.empty() || v.size() > 12) return basic_error<errc>{errc::bad_max_age, mb};
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return basic_error<errc>{errc::bad_max_age, mb + i};
    out.max_age = out.max_age * 10 + (v[i] - '0');
  }
  if (const auth_param_view* r = c.param("realm")) {
    out.realm = r->value();
    out.has_realm = true;
  }
  return out;
}

/// Finds and reads the HOBA challenge among the field lines of one WWW-Authenticate header.
[[nodiscard]] inline hoba_result<challenge_params> parse_challenge(std::string_view www_authenticate) {
  auto l = parse_challenges(www_authenticate);
  if (!l) return basic_error<errc>{errc::bad_syntax, l.offset()};
  auto c = l->find("HOBA");
  if (!c) return basic_error<errc>{errc::not_a_hoba_challenge, 0};
  return parse_challenge(*c);
}

// ---------------------------------------------------------------------------------------------
// The client side
// ---------------------------------------------------------------------------------------------

/// What a client signs for one challenge.
struct sign_params {
  std::string_view kid;        ///< base64url key identifier, as registered
  std::string_view challenge;  ///< from the server's challenge
  std::string_view origin;     ///< e.g. make_origin("https", "example.org") -> "https://example.org:443"
  std::string_view realm;      ///< the challenge's realm, or empty
  signature_algorithm alg = signature_algorithm::rsa_sha256;
  std::string_view nonce;      ///< base64url; empty: 32 random bytes from `random`
};

/**
 * Signs and returns the HOBA-RES `kid.challenge.nonce.sig` (RFC 7486 section 2), signing the
 * HOBA-TBS with `key` (RSASSA-PKCS1-v1_5 with the algorithm's hash).
 * @return the result text, or errc::sign_failed, or empty_kid/bad_kid/empty_challenge/bad_challenge/
 *   empty_nonce/bad_nonce for unusable inputs (offset into that input).
 */
[[nodiscard]] inline hoba_result<std::string> make_result(const private_key& key, const sign_params& p,
                                                          const random_fn& random = system_random()) {
  auto check = [](std::string_view s, errc empty, errc bad) -> hoba_result<int> {
    if (s.empty()) return basic_error<errc>{empty, 0};
    for (std::size_t i = 0; i < s.size(); ++i)
      if (!is_base64url_char(s[i])) return basic_error<errc>{bad, i};
    return 0;
  };
  if (auto r = check(p.kid, errc::empty_kid, errc::bad_kid); !r) return r.error();
  if (auto r = check(p.challenge, errc::empty_challenge, errc::bad_challenge); !r) return r.error();
  std::string nonce(p.nonce);
  if (nonce.empty()) {
    std::string raw(32, '\0');
    random(reinterpret_cast<unsigned char*>(raw.data()), raw.size());
    nonce = base64url_encode(raw);
  }
  if (auto r = check(nonce, errc::empty_nonce, errc::bad_nonce); !r) return r.error();
  if (!key.get() || !EVP_PKEY_is_a(key.get(), "RSA")) return basic_error<errc>{errc::sign_failed, 0};
  const std::string tbs = to_be_signed(nonce, p.alg, p.origin, p.realm, p.kid, p.challenge);
  const std::string sig = key.sign(hash_of(p.alg), tbs);
  if (sig.empty()) return basic_error<errc>{errc::sign_failed, 0};
  std::string out;
  out.reserve(p.kid.size() + p.challenge.size() + nonce.size() + sig.size() * 4 / 3 + 8);
  out.append(p.kid).append(".").append(p.challenge).append(".").append(nonce).append(".");
  out += base64url_encode(sig);
  return out;
}

/// The Authorization value `HOBA result="..."` for a HOBA-RES.
[[nodiscard]] inline result<std::string> build_credentials(std::string_view hoba_res) {
  return credentials_builder("HOBA").param("result", hoba_res, quoting::always).str();
}

/**
 * The client's whole step: reads the HOBA challenge from a WWW-Authenticate value, signs it for
 * `origin` and returns the Authorization value.
 */
[[nodiscard]] inline hoba_result<std::string> respond(std::string_view www_authenticate, const private_key& key,
                                                      std::string_view kid, std::string_view origin,
                                                      signature_algorithm alg = signature_algorithm::rsa_sha256,
                                                      const random_fn& random = system_random()) {
  auto ch = parse_challenge(www_authenticate);
  if (!ch) return ch.error();
  sign_params p;
  p.kid = kid;
  p.challenge = ch->challenge;
  p.origin = origin;
  p.realm = ch->realm;
  p.alg = alg;
  auto r = make_result(key, p, random);
  if (!r) return r.error();
  auto c = build_credentials(*r);
  if (!c) return basic_error<errc>{errc::bad_syntax, c.offset()};
  return std::move(*c);
}

/**
 * A key identifier of kidtype 0 ("a hash of the public key", RFC 7486 section 9.4):
 * base64url(SHA-256(DER SubjectPublicKeyInfo)). Empty when the key cannot be encoded.
 */
inline std::string kid_from_public_key(const EVP_PKEY* key) {
  if (!key) return {};
  const int n = i2d_PUBKEY(key, nullptr);
  if (n <= 0) return {};
  std::string der(static_cast<std::size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(key, &p) != n) return {};
  return base64url_encode(hash(hash_algorithm::sha256, der).view());
}

/// The public key of a private key in PEM (`BEGIN PUBLIC KEY`), for a registration's `pub`.
inline std::string public_pem_of(const private_key& key) {
  if (!key.get()) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || !data) return {};
  return std::string(data, static_cast<std::size_t>(len));
}

// ---------------------------------------------------------------------------------------------
// Registration (RFC 7486 section 6.1)
// ---------------------------------------------------------------------------------------------

namespace detail {
// Percent-decodes one form component ("+" is a space); -1 on success, else the bad index.
inline std::ptrdiff_t form_decode(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
        return static_cast<std::ptrdiff_t>(i);
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return static_cast<std::ptrdiff_t>(i);
    } else {
      out += c;
    }
  }
  return -1;
}

// A public key from PEM, or from base64 / base64url DER SubjectPublicKeyInfo.
inline std::optional<public_key> public_key_from_text(std::string_view text) {
  if (text.find("-----BEGIN") != std::string_view::npos) return public_key::from_pem(text);
  std::string der;
  std::string t;
  for (char c : text)
    if (c != '\r' && c != '\n' && c != ' ') t += c;
  bool url = t.find_first_of("-_") != std::string::npos;
  auto r = url ? base64url_decode(der, t, padding::optional) : base64_decode(der, t);
  if (!r && !url) {
    der.clear();
    r = base64url_decode(der, t, padding::optional);
  }
  if (!r || der.empty()) return std::nullopt;
  const std::string b64 = base64_encode(der);
  std::string pem = "-----BEGIN PUBLIC KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem.append(b64, i, 64).append("\n");
  pem += "-----END PUBLIC KEY-----\n";
  return public_key::from_pem(pem);
}
}  // namespace detail

/// One parsed registration form (RFC 7486 section 6.1).
struct registration {
  public_key key;                    ///< from `pub`
  std::string pub;                   ///< `pub` as sent (PEM or base64 DER)
  std::string kid;                   ///< `kid`, base64url
  kid_type kidtype = kid_type::public_key_hash;
  std::string did;                   ///< `did`, the device identifier (may be empty)
  did_type didtype = did_type::unformatted;
  signature_algorithm alg = signature_algorithm::rsa_sha256;  ///< `alg` (an extension: see the file comment)
};

/// Limits of the registration parser.
struct registration_limits {
  std::size_t max_body = 16 * 1024;
  std::size_t max_kid = 1024;
  std::size_t max_did = 256;
};

/**
 * Parses an `application/x-www-form-urlencoded` registration body with the fields `pub`,
 * `kidtype`, `kid`, `didtype`, `did` (RFC 7486 section 6.1) and `alg` (a number of section 9.3;
 * default 0). Unknown fields are ignored. Offsets are into `body`.
 * @return the registration, or errc::bad_form_encoding, duplicate_field, missing_pub, bad_pub,
 *   missing_kid, bad_kid, part_too_long, bad_kidtype, bad_didtype, bad_did, bad_alg.
 */
[[nodiscard]] inline hoba_result<registration> parse_registration(std::string_view body,
                                                                  const registration_limits& lim = {}) {
  if (body.size() > lim.max_body) return basic_error<errc>{errc::bad_form_encoding, lim.max_body};
  registration reg;
  bool have[6] = {false, false, false, false, false, false};
  std::size_t pub_at = 0;
  std::size_t pos = 0;
  auto number = [](std::string_view v, unsigned& out) {
    if (v.empty() || v.size() > 2) return false;
    out = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<unsigned>(c - '0');
    }
    return true;
  };
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    const std::string_view pair = body.substr(pos, amp - pos);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string_view raw_name = pair.substr(0, eq);
      const std::string_view raw_value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      const std::size_t value_at = pos + (eq == std::string_view::npos ? pair.size() : eq + 1);
      std::string name, value;
      if (auto bad = detail::form_decode(name, raw_name); bad >= 0)
        return basic_error<errc>{errc::bad_form_encoding, pos + static_cast<std::size_t>(bad)};
      if (auto bad = detail::form_decode(value, raw_value); bad >= 0)
        return basic_error<errc>{errc::bad_form_encoding, value_at + static_cast<std::size_t>(bad)};
      static constexpr std::string_view names[6] = {"pub", "kidtype", "kid", "didtype", "did", "alg"};
      for (std::size_t f = 0; f < 6; ++f) {
        if (name != names[f]) continue;
        if (have[f]) return basic_error<errc>{errc::duplicate_field, pos};
        have[f] = true;
        unsigned n = 0;
        switch (f) {
          case 0:
            reg.pub = std::move(value);
            pub_at = value_at;
            break;
          case 1:
            if (!number(value, n) || n > 2) return basic_error<errc>{errc::bad_kidtype, value_at};
            reg.kidtype = static_cast<kid_type>(n);
            break;
          case 2:
            if (value.empty()) return basic_error<errc>{errc::missing_kid, value_at};
            if (value.size() > lim.max_kid) return basic_error<errc>{errc::part_too_long, value_at};
            for (std::size_t i = 0; i < value.size(); ++i)
              if (!is_base64url_char(value[i])) return basic_error<errc>{errc::bad_kid, value_at};
            reg.kid = std::move(value);
            break;
          case 3:
            if (!number(value, n) || n != 0) return basic_error<errc>{errc::bad_didtype, value_at};
            reg.didtype = did_type::unformatted;
            break;
          case 4:
            if (value.size() > lim.max_did) return basic_error<errc>{errc::bad_did, value_at};
            for (char c : value)
              if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return basic_error<errc>{errc::bad_did, value_at};
            reg.did = std::move(value);
            break;
          case 5: {
            auto a = number(value, n) ? algorithm_from_number(n) : std::nullopt;
            if (!a) return basic_error<errc>{errc::bad_alg, value_at};
            reg.alg = *a;
            break;
          }
          default: break;
        }
      }
    }
    pos = amp + 1;
  }
  if (!have[0] || reg.pub.empty()) return basic_error<errc>{errc::missing_pub, body.size()};
  if (!have[2]) return basic_error<errc>{errc::missing_kid, body.size()};
  auto k = detail::public_key_from_text(reg.pub);
  if (!k) return basic_error<errc>{errc::bad_pub, pub_at};
  reg.key = std::move(*k);
  return reg;
}

/**
 * Builds a registration body for a client: `pub` (PEM), `kidtype`, `kid`, `didtype`, `did`
 * and, when not RSA-SHA256, `alg`; each value percent-encoded.
 */
inline std::string build_registration(std::string_view pub_pem, std::string_view kid, std::string_view did,
                                      kid_type kt = kid_type::public_key_hash,
                                      signature_algorithm alg = signature_algorithm::rsa_sha256) {
  auto enc = [](std::string& out, std::string_view s) {
    constexpr char digits[] = "0123456789ABCDEF";
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                         c == '_' || c == '.' || c == '~';
      if (plain) {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += digits[c >> 4];
        out += digits[c & 15];
      }
    }
  };
  std::string b = "pub=";
  enc(b, pub_pem);
  b += "&kidtype=" + std::to_string(static_cast<unsigned>(kt)) + "&kid=";
  enc(b, kid);
  b += "&didtype=0&did=";
  enc(b, did);
  if (alg != signature_algorithm::rsa_sha256) b += "&alg=" + std::to_string(static_cast<unsigned>(alg));
  return b;
}

// ---------------------------------------------------------------------------------------------
// The server side
// ---------------------------------------------------------------------------------------------

/// A registered client public key, as the application's key lookup returns it.
struct key_record {
  public_key key;
  signature_algorithm alg = signature_algorithm::rsa_sha256;
  std::string user;  ///< the account; empty: the identity is the kid
};

/// Looks up the key registered under `kid` (the application owns the keys).
using key_lookup_fn = std::function<std::optional<key_record>(std::string_view kid)>;

/// What the application made of a registration (RFC 7486 section 6.1.1 `Hobareg`).
enum class registration_state : std::uint8_t {
  regok,      ///< registered: `Hobareg: regok`
  reginwork,  ///< accepted, not finished (e.g. e-mail confirmation): `Hobareg: reginwork`
  refused,    ///< 403
};

/// The application's answer to a registration.
struct registration_answer {
  registration_state state = registration_state::refused;
  std::string user;  ///< the account the key now belongs to
};

/// Stores a new key. Called only after the form parsed and the proof of possession verified.
using register_fn = std::function<registration_answer(const registration&)>;

/**
 * Login sessions by cookie (RFC 7486 section 6: the server MAY keep a session after login).
 * The cookie name must be a token, and path and same_site free of CTLs and ';'; otherwise the
 * handler turns sessions off rather than write a broken Set-Cookie.
 */
struct session_options {
  bool enabled = false;              ///< issue a cookie after a successful login, and accept it
  std::string cookie_name = "hoba_session";
  std::int64_t lifetime = 3600;      ///< seconds (cookie Max-Age and store expiry)
  bool secure = true;                ///< the `Secure` attribute
  std::string same_site = "Strict";  ///< the `SameSite` attribute; empty: none
  std::string path = "/";
};

/// The options of a HOBA handler.
struct options {
  std::string realm;                 ///< empty: no realm (the HOBA-TBS realm field is then "0:")
  std::int64_t max_age = 600;        ///< challenge lifetime in seconds (`max-age`)
  std::int64_t expired_grace = 300;  ///< kept this long after max-age to answer challenge_expired
  std::string origin;                ///< a fixed origin; empty: origin_scheme + Host of each request
  origin_form form = origin_form::explicit_port;
  bool allow_rsa_sha1 = false;       ///< accept keys registered with alg 1 (RSA-SHA1)
  unsigned min_rsa_bits = 2048;
  std::size_t challenge_bytes = 32;  ///< random bytes per challenge (at least 32)
  parse_limits limits;
  bool registration_needs_proof = true;
  std::shared_ptr<state_store> store;  ///< single-use challenges and sessions; null: a private memory_store
  clock_fn clock = system_clock();
  random_fn random = system_random();
  session_options session;
};

/**
 * The HOBA scheme on the server (RFC 7486): issues single-use challenges, verifies
 * `Authorization: HOBA result=...`, and serves the registration, login session and logout of
 * section 6.
 *
 * Outcomes: malformed credentials or Host -> 400 (verdict bad_request, reason the errc name);
 * unknown, reused or expired challenge, unknown kid, refused algorithm or key, wrong signature
 * -> 401 with a fresh challenge; store unreachable -> 503. The identity is the key's user (or
 * the kid when the record has no user).
 *
 * @code
 *   authwire::hoba::options o;
 *   o.realm = "example";
 *   auto h = std::make_shared<authwire::hoba::handler>(o, [&](std::string_view kid) { return db.find(kid); });
 *   authwire::authenticator auth;
 *   auth.add(h);
 * @endcode
 */
class handler final : public scheme_handler {
 public:
  handler(options o, key_lookup_fn lookup, register_fn on_register = {})
      : opts_(std::move(o)), lookup_(std::move(lookup)), on_register_(std::move(on_register)) {
    if (!opts_.store) opts_.store = std::make_shared<memory_store>();
    if (!opts_.clock) opts_.clock = system_clock();
    if (!opts_.random) opts_.random = system_random();
    if (opts_.challenge_bytes < 32) opts_.challenge_bytes = 32;
    if (opts_.max_age < 1) opts_.max_age = 1;
    if (opts_.expired_grace < 1) opts_.expired_grace = 1;
    auto clean = [](std::string_view v) {
      for (char c : v)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == ';') return false;
      return true;
    };
    if (!is_token(opts_.session.cookie_name) || !clean(opts_.session.path) || !clean(opts_.session.same_site))
      opts_.session.enabled = false;
  }

  const options& opts() const noexcept { return opts_; }
  std::string_view scheme() const noexcept override { return "HOBA"; }

  /**
   * Issues a fresh challenge: 32+ random bytes, base64url, recorded in the store as issued now.
   * @return the challenge value, or errc::store_unavailable.
   */
  hoba_result<std::string> issue_challenge() {
    std::string raw(opts_.challenge_bytes, '\0');
    opts_.random(reinterpret_cast<unsigned char*>(raw.data()), raw.size());
    std::string c = base64url_encode(raw);
    const std::int64_t now = opts_.clock();
    if (opts_.store->put(challenge_key(c), std::to_string(now), now + opts_.max_age + opts_.expired_grace, now) !=
        store_status::ok)
      return basic_error<errc>{errc::store_unavailable, 0};
    return c;
  }

  /**
   * Records `challenge` as issued at `issued_at` (for challenges sent by another process of
   * the same deployment, or replayed traffic). Each challenge should be adopted once.
   */
  store_status adopt_challenge(std::string_view challenge, std::int64_t issued_at) {
    const std::int64_t now = opts_.clock();
    return opts_.store->put(challenge_key(challenge), std::to_string(issued_at),
                            issued_at + opts_.max_age + opts_.expired_grace, now);
  }

  /// The challenge header value for a challenge issued by issue_challenge().
  std::string challenge_value(std::string_view challenge) const {
    auto v = build_challenge(challenge, opts_.max_age, opts_.realm);
    return v ? std::move(*v) : std::string();
  }

  /// Appends one fresh HOBA challenge. If the store cannot record it, nothing is appended.
  void challenges(const request_view&, std::vector<std::string>& out) override {
    auto c = issue_challenge();
    if (!c) return;
    std::string v = challenge_value(*c);
    if (!v.empty()) out.push_back(std::move(v));
  }

  /// True when sessions are on, no Authorization is present and the session cookie is.
  bool has_other_credentials(const request_view& req) const override {
    if (!opts_.session.enabled) return false;
    if (req.count("Authorization") || req.count("Proxy-Authorization")) return false;
    return !session_cookie(req).empty();
  }

  /// Verifies `HOBA result=...`, or the session cookie when `authorization` is empty.
  verdict verify(const request_view& req, std::string_view authorization) override {
    if (authorization.empty()) return verify_session(req);
    return check(req, authorization);
  }

  /**
   * Verifies a HOBA result and reports the error code with its offset (no verdict mapping):
   * for applications and tests that want the precise failure. `override_key`, when set, is used
   * instead of the key lookup (registration proofs).
   */
  hoba_result<std::string> authenticate(const request_view& req, std::string_view authorization,
                                        const key_record* override_key = nullptr) {
    errc code = errc::ok;
    std::size_t offset = 0;
    std::string identity;
    verify_core(req, authorization, override_key, code, offset, identity, nullptr);
    if (code != errc::ok) return basic_error<errc>{code, offset};
    return identity;
  }

  /**
   * Handles a registration POST (RFC 7486 section 6.1): parses the form in `req.body`, checks
   * the proof of possession (a HOBA Authorization signed by the new key for its kid, unless
   * `registration_needs_proof` is off), then asks the application to store the key.
   * @return 200 with `Hobareg: regok` or `reginwork` (and the session cookie when sessions are
   *   on); 400 for a malformed form or a refused algorithm or key; 401 with a fresh challenge
   *   for a missing or wrong proof; 403 when refused or when the kid belongs to another key
   *   (kid_in_use); 503 when the store is unreachable.
   */
  decision handle_registration(const request_view& req) {
    auto fail = [&](verdict_kind k, errc e) -> decision {
      decision d = decision::not_found();
      switch (k) {
        case verdict_kind::bad_request: d = decision::bad_request(); break;
        case verdict_kind::unavailable: d = decision::service_unavailable(1); break;
        case verdict_kind::forbidden: d = decision::forbidden(); break;
        default: {
          std::vector<std::string> ch;
          challenges(req, ch);
          if (ch.empty()) {
            d = decision::service_unavailable(1);
          } else {
            std::string first = std::move(ch.front());
            ch.erase(ch.begin());
            d = decision::unauthorized(std::move(first), std::move(ch));
          }
        }
      }
      d.with_scheme("HOBA").with_reason(std::string(to_string(e)));
      return d;
    };
    if (!req.has_body) return fail(verdict_kind::bad_request, errc::bad_form_encoding);
    auto reg = parse_registration(req.body);
    if (!reg) return fail(verdict_kind::bad_request, reg.code());
    if (reg->alg == signature_algorithm::rsa_sha1 && !opts_.allow_rsa_sha1)
      return fail(verdict_kind::bad_request, errc::algorithm_not_allowed);
    if (auto kc = check_key(reg->key); kc != errc::ok) return fail(verdict_kind::bad_request, kc);
    // A kid belongs to one key: registering another key under a known kid would take the
    // account over. The same key again is accepted (a repeated registration).
    if (lookup_) {
      if (auto existing = lookup_(reg->kid); existing && EVP_PKEY_eq(existing->key.get(), reg->key.get()) != 1)
        return fail(verdict_kind::forbidden, errc::kid_in_use);
    }
    if (opts_.registration_needs_proof) {
      const auto authz = req.header("Authorization");
      if (!authz || req.count("Authorization") != 1) return fail(verdict_kind::unauthorized, errc::missing_proof);
      key_record rec{reg->key, reg->alg, {}};
      errc code = errc::ok;
      std::size_t off = 0;
      std::string id;
      std::string proof_kid;
      verify_core(req, *authz, &rec, code, off, id, &proof_kid);
      if (code == errc::ok && proof_kid != reg->kid) code = errc::proof_kid_mismatch;
      if (code != errc::ok) return fail(kind_of(code), code);
    }
    if (!on_register_) return fail(verdict_kind::forbidden, errc::registration_refused);
    const registration_answer a = on_register_(*reg);
    if (a.state == registration_state::refused) return fail(verdict_kind::forbidden, errc::registration_refused);
    decision d = decision::allow(a.user.empty() ? reg->kid : a.user, "HOBA");
    d.with_header(std::string(hobareg_header), a.state == registration_state::regok ? "regok" : "reginwork");
    if (a.state == registration_state::regok && opts_.session.enabled) {
      auto c = start_session(a.user.empty() ? reg->kid : a.user);
      if (c) d.with_header("Set-Cookie", std::move(*c));
    }
    return d;
  }

  /**
   * Starts a login session for `identity`: a random id recorded in the store for
   * session.lifetime seconds. @return the `Set-Cookie` value, or errc::store_unavailable.
   */
  hoba_result<std::string> start_session(std::string_view identity) {
    std::string raw(32, '\0');
    opts_.random(reinterpret_cast<unsigned char*>(raw.data()), raw.size());
    const std::string id = base64url_encode(raw);
    const std::int64_t now = opts_.clock();
    if (opts_.store->put(session_key(id), identity, now + opts_.session.lifetime, now) != store_status::ok)
      return basic_error<errc>{errc::store_unavailable, 0};
    return cookie_value(id, opts_.session.lifetime);
  }

  /**
   * Logs out (RFC 7486 section 6.5): forgets the session named by the request's cookie and
   * returns the headers that expire the cookie (`Set-Cookie: ...; Max-Age=0`).
   */
  std::vector<header_line> logout(const request_view& req) {
    const std::string id = session_cookie(req);
    if (!id.empty()) (void)opts_.store->erase(session_key(id));
    return {{"Set-Cookie", cookie_value("", 0)}};
  }

  /// The origin this handler signs against for `req` (fixed, or origin_scheme + Host).
  hoba_result<std::string> origin_of(const request_view& req) const {
    if (!opts_.origin.empty()) return opts_.origin;
    if (req.count("Host") != 1) return basic_error<errc>{errc::missing_host, 0};
    return make_origin(req.origin_scheme, *req.header("Host"), opts_.form);
  }

 private:
  static std::string challenge_key(std::string_view c) { return "hoba:ch:" + std::string(c); }
  static std::string session_key(std::string_view id) { return "hoba:sess:" + std::string(id); }

  static verdict_kind kind_of(errc e) noexcept {
    const auto v = static_cast<unsigned>(e);
    if (e == errc::store_unavailable) return verdict_kind::unavailable;
    if (e == errc::registration_refused || e == errc::kid_in_use) return verdict_kind::forbidden;
    if (v < 30 || (v >= 50 && v <= 58)) return verdict_kind::bad_request;
    return verdict_kind::unauthorized;
  }

  std::string cookie_value(std::string_view id, std::int64_t max_age) const {
    std::string s = opts_.session.cookie_name + "=" + std::string(id);
    if (!opts_.session.path.empty()) s += "; Path=" + opts_.session.path;
    s += "; Max-Age=" + std::to_string(max_age) + "; HttpOnly";
    if (opts_.session.secure) s += "; Secure";
    if (!opts_.session.same_site.empty()) s += "; SameSite=" + opts_.session.same_site;
    return s;
  }

  // The value of our cookie in the Cookie header(s), if it is a plausible session id.
  std::string session_cookie(const request_view& req) const {
    std::string found;
    req.for_each("Cookie", [&](std::string_view v) {
      std::size_t i = 0;
      while (i < v.size() && found.empty()) {
        while (i < v.size() && (v[i] == ' ' || v[i] == ';')) ++i;
        std::size_t e = v.find(';', i);
        if (e == std::string_view::npos) e = v.size();
        const std::string_view pair = v.substr(i, e - i);
        const std::size_t eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == opts_.session.cookie_name) {
          const std::string_view val = pair.substr(eq + 1);
          bool ok = !val.empty() && val.size() <= 128;
          for (char c : val) ok = ok && is_base64url_char(c);
          if (ok) found = std::string(val);
        }
        i = e;
      }
    });
    return found;
  }

  verdict verify_session(const request_view& req) {
    const std::string id = session_cookie(req);
    if (id.empty()) return verdict::make(verdict_kind::unauthorized, std::string(to_string(errc::unknown_session)));
    std::string user;
    const store_status s = opts_.store->get(session_key(id), user, opts_.clock());
    if (s == store_status::unavailable)
      return verdict::make(verdict_kind::unavailable, std::string(to_string(errc::store_unavailable)));
    if (s != store_status::ok) return verdict::make(verdict_kind::unauthorized, std::string(to_string(errc::unknown_session)));
    return verdict::allow(std::move(user));
  }

  errc check_key(const public_key& k) const {
    if (!k.get() || !EVP_PKEY_is_a(k.get(), "RSA")) return errc::key_type_mismatch;
    if (EVP_PKEY_get_bits(k.get()) < static_cast<int>(opts_.min_rsa_bits)) return errc::key_too_small;
    return errc::ok;
  }

  verdict check(const request_view& req, std::string_view authorization) {
    errc code = errc::ok;
    std::size_t offset = 0;
    std::string identity;
    verify_core(req, authorization, nullptr, code, offset, identity, nullptr);
    if (code != errc::ok) {
      verdict v = verdict::make(kind_of(code), std::string(to_string(code)));
      if (v.kind == verdict_kind::unavailable) v.retry_after = 1;
      return v;
    }
    verdict v = verdict::allow(identity);
    if (opts_.session.enabled) {
      auto c = start_session(identity);
      if (c) v.headers.push_back({"Set-Cookie", std::move(*c)});
    }
    return v;
  }

  void verify_core(const request_view& req, std::string_view authorization, const key_record* override_key,
                   errc& code, std::size_t& offset, std::string& identity, std::string* kid_out) {
    auto fail = [&](errc e, std::size_t off) {
      code = e;
      offset = off;
    };
    auto res = parse_credentials(authorization, opts_.limits);
    if (!res) return fail(res.code(), res.offset());
    if (kid_out) *kid_out = std::string(res->kid);
    auto origin = origin_of(req);
    if (!origin) return fail(origin.code(), origin.offset());
    // The challenge is used up by any attempt, right or wrong.
    std::string issued;
    const std::int64_t now = opts_.clock();
    const store_status st = opts_.store->take(challenge_key(res->challenge), issued, now);
    if (st == store_status::unavailable) return fail(errc::store_unavailable, 0);
    if (st != store_status::ok) return fail(errc::unknown_challenge, res->challenge_offset);
    std::int64_t issued_at = 0;
    for (char c : issued) issued_at = issued_at * 10 + (c >= '0' && c <= '9' ? c - '0' : 0);
    if (now > issued_at + opts_.max_age) return fail(errc::challenge_expired, res->challenge_offset);
    std::optional<key_record> looked_up;
    const key_record* rec = override_key;
    if (!rec) {
      if (lookup_) looked_up = lookup_(res->kid);
      if (!looked_up) return fail(errc::unknown_kid, res->kid_offset);
      rec = &*looked_up;
    }
    const auto alg_number = static_cast<unsigned>(rec->alg);
    if (!algorithm_from_number(alg_number)) return fail(errc::unknown_algorithm, 0);
    if (rec->alg == signature_algorithm::rsa_sha1 && !opts_.allow_rsa_sha1)
      return fail(errc::algorithm_not_allowed, 0);
    if (auto kc = check_key(rec->key); kc != errc::ok) return fail(kc, res->kid_offset);
    const std::string tbs = to_be_signed(res->nonce, rec->alg, *origin, opts_.realm, res->kid, res->challenge);
    if (!verify_signature(rec->key, hash_of(rec->alg), tbs, res->sig)) return fail(errc::bad_signature, res->sig_offset);
    identity = rec->user.empty() ? std::string(res->kid) : rec->user;
  }

  options opts_;
  key_lookup_fn lookup_;
  register_fn on_register_;
};

}  // namespace hoba
}  // namespace v1
}  // namespace authwire

template <>
struct std::is_error_code_enum<authwire::hoba::errc> : std::true_type {};
