// SPDX-License-Identifier: MIT
/**
 * @file schemes/mutual.hpp
 * @brief The Mutual authentication scheme (RFC 8120, Experimental) with the KAM3 algorithms of
 *        RFC 8121: the six messages (parse and build), the server's session table and decision
 *        procedure (`mutual::handler`, a `scheme_handler`) and the client procedure
 *        (`mutual::client`).
 *
 * @par Messages (RFC 8120 section 4)
 * @code
 *   401-INIT    WWW-Authenticate: Mutual version=1, algorithm=A, validation=V, [auth-scope="S",]
 *                                 realm="R", reason=initial
 *   401-STALE   the same with reason=stale-session
 *   req-KEX-C1  Authorization: Mutual version=1, algorithm=A, validation=V, [auth-scope="S",]
 *                              realm="R", user="U", kc1=K_c1
 *   401-KEX-S1  WWW-Authenticate: Mutual version=1, algorithm=A, validation=V, [auth-scope="S",]
 *                                 realm="R", sid=<hex>, ks1=K_s1, nc-max=N, nc-window=W,
 *                                 time=T [, path="..."]
 *   req-VFY-C   Authorization: Mutual version=1, algorithm=A, validation=V, [auth-scope="S",]
 *                              realm="R", sid=<hex>, nc=N, vkc=VK_c
 *   200-VFY-S   Authentication-Info: version=1, sid=<hex>, vks=VK_s      (RFC 7615 syntax)
 * @endcode
 * K_c1, K_s1, VK_c and VK_s are "algorithm-determined" (RFC 8121 section 3): base64-fixed-
 * numbers (quoted) for the DL algorithms, hex-fixed-numbers (bare, lower case) for the EC ones.
 *
 * @par Value types (RFC 8120 section 3.2)
 * @code
 *   bare-token           = bare-token-lead-char *bare-token-char
 *   bare-token-lead-char = %x30-39 / %x41-5A / %x61-7A
 *   bare-token-char      = %x30-39 / %x41-5A / %x61-7A / "-" / "_"
 *   extension-token      = "-" bare-token 1*("." bare-token)
 *   extensive-token      = bare-token / extension-token         ; case-insensitive
 *   integer              = "0" / (%x31-39 *DIGIT)                ; no leading zeros
 *   hex-fixed-number     = 1*(2(DIGIT / %x41-46 / %x61-66))
 *   base64-fixed-number  = 1*( ALPHA / DIGIT / "+" / "/" ) 0*2"="
 * @endcode
 * Receivers accept every value quoted or bare. Each parameter occurs at most once; unknown
 * parameters are ignored. In a response `reason`, any `ks#` and `vks` exclude each other and
 * `kc#` / `vkc` are refused; in a request `kc#` and `vkc` exclude each other and `ks#` / `vks`
 * are refused (RFC 8120 section 4). Strings other than `realm` may come as RFC 5987
 * `name*=UTF-8''...` ext-parameters and are sent that way when not ASCII (section 3.1).
 *
 * Source: the RFC text was not at hand; the code follows draft-ietf-httpauth-mutual-11 and
 * draft-ietf-httpauth-mutual-algo-06 (interim text, Nov 2016, in the authors' repository
 * yoiwa/httpauth-mutual), which became RFC 8120 and RFC 8121 in April 2017. Interpretations:
 * - The default auth-scope sent by the server is the request's host name (the "single-host"
 *   type, RFC 8120 section 5); the client accepts the three forms of section 5 and refuses a
 *   wildcard without a dot ("*.com").
 * - The validation host for validation=host is "<scheme>://<host>:<port>" in lower case, port
 *   always written (section 7); for tls-server-end-point / tls-unique it is the channel-binding
 *   octets (RFC 5929) that the application supplies.
 * - Fake sessions (section 11, note 2) run the real key exchange on a random password, so
 *   that neither the 401-KEX-S1 nor its timing tells an unknown user apart.
 * - nc-window is at most 64 (the state_store window); RFC 8120 recommends 128 or more.
 * - Not implemented: the Optional-WWW-Authenticate / Authentication-Control extensions
 *   (RFC 8053) and the application channel-binding values b_1 / b_2 (section 13).
 */
#pragma once

#include <algorithm>
#include <charconv>
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

#include <openssl/crypto.h>

#include "../authentication_info.hpp"
#include "../challenge.hpp"
#include "../clock.hpp"
#include "../codec.hpp"
#include "../config.hpp"
#include "../credentials.hpp"
#include "../crypto.hpp"
#include "../detail/mutual_kam3.hpp"
#include "../error.hpp"
#include "../grammar.hpp"
#include "../result.hpp"
#include "../server.hpp"
#include "../store.hpp"

namespace authwire {
inline namespace v1 {
namespace mutual {

/// The errors and outcomes of the Mutual scheme. Values are never reused.
enum class errc : std::uint8_t {
  ok = 0,
  syntax = 1,                   ///< the header breaks the RFC 9110 auth-param grammar
  not_mutual = 2,               ///< the scheme is not "Mutual" / no Mutual challenge
  duplicate_parameter = 3,      ///< a parameter occurs twice (RFC 8120 section 4)
  missing_parameter = 4,        ///< a mandatory parameter of this message is absent
  bad_integer = 5,              ///< not an RFC 8120 integer (no leading zeros, 63 bits at most)
  bad_hex = 6,                  ///< not a hex-fixed-number
  bad_base64 = 7,               ///< not a base64-fixed-number
  bad_token = 8,                ///< not an extensive-token
  unsupported_version = 9,      ///< version is not 1
  unknown_algorithm = 10,       ///< an algorithm this library does not implement
  unknown_validation = 11,      ///< a validation method this library does not implement
  conflicting_parameters = 12,  ///< reason / ks# / vks together, or kc# with vkc
  forbidden_parameter = 13,     ///< kc# or vkc in a challenge
  bad_length = 14,              ///< a fixed-number of the wrong length for the algorithm
  unknown_reason = 15,          ///< (not an error for receivers: unknown reasons are kept as text)
  invalid_key = 16,             ///< kc1 / ks1 is not a valid group element
  realm_mismatch = 17,          ///< the credentials name another realm
  unknown_session = 18,         ///< sid unknown or expired: 401-STALE
  nc_replayed = 19,             ///< this nc was used already: 401-STALE
  nc_out_of_window = 20,        ///< nc below the window or above nc-max: 401-STALE
  session_rejected = 21,        ///< the session failed authentication before
  auth_failed = 22,             ///< vkc is wrong (wrong password) or the session is fake
  server_auth_failed = 23,      ///< client: vks is wrong; the server does not know the password
  store_unavailable = 24,       ///< the session store cannot be reached: fail closed
  missing_channel_binding = 25, ///< tls-* validation without a channel binding value
  bad_state = 26,               ///< client: this message was not expected now
  bad_value = 27,               ///< builder: a value that cannot be sent
  parameter_mismatch = 28,      ///< algorithm / validation / auth-scope differ from the session or offer
  missing_vks = 29,             ///< client: a 2xx without Authentication-Info vks
  key_exchange = 30,            ///< not an error: a 401-KEX-S1 was sent (verdict reason)
  no_credentials = 31,          ///< not an error: 401-INIT for a request without Mutual credentials
  bad_ext_value = 32,           ///< an RFC 5987 `name*` value that is not UTF-8''pct-encoded
};

constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::syntax: return "syntax";
    case errc::not_mutual: return "not_mutual";
    case errc::duplicate_parameter: return "duplicate_parameter";
    case errc::missing_parameter: return "missing_parameter";
    case errc::bad_integer: return "bad_integer";
    case errc::bad_hex: return "bad_hex";
    case errc::bad_base64: return "bad_base64";
    case errc::bad_token: return "bad_token";
    case errc::unsupported_version: return "unsupported_version";
    case errc::unknown_algorithm: return "unknown_algorithm";
    case errc::unknown_validation: return "unknown_validation";
    case errc::conflicting_parameters: return "conflicting_parameters";
    case errc::forbidden_parameter: return "forbidden_parameter";
    case errc::bad_length: return "bad_length";
    case errc::unknown_reason: return "unknown_reason";
    case errc::invalid_key: return "invalid_key";
    case errc::realm_mismatch: return "realm_mismatch";
    case errc::unknown_session: return "unknown_session";
    case errc::nc_replayed: return "nc_replayed";
    case errc::nc_out_of_window: return "nc_out_of_window";
    case errc::session_rejected: return "session_rejected";
    case errc::auth_failed: return "auth_failed";
    case errc::server_auth_failed: return "server_auth_failed";
    case errc::store_unavailable: return "store_unavailable";
    case errc::missing_channel_binding: return "missing_channel_binding";
    case errc::bad_state: return "bad_state";
    case errc::bad_value: return "bad_value";
    case errc::parameter_mismatch: return "parameter_mismatch";
    case errc::missing_vks: return "missing_vks";
    case errc::key_exchange: return "key_exchange";
    case errc::no_credentials: return "no_credentials";
    case errc::bad_ext_value: return "bad_ext_value";
  }
  return "unknown";
}

constexpr std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::ok: return "no error";
    case errc::syntax: return "the header breaks the auth-param grammar";
    case errc::not_mutual: return "not a Mutual message";
    case errc::duplicate_parameter: return "a parameter occurs more than once";
    case errc::missing_parameter: return "a mandatory parameter is missing";
    case errc::bad_integer: return "not a valid integer";
    case errc::bad_hex: return "not a valid hex-fixed-number";
    case errc::bad_base64: return "not a valid base64-fixed-number";
    case errc::bad_token: return "not a valid extensive-token";
    case errc::unsupported_version: return "unsupported protocol version";
    case errc::unknown_algorithm: return "unsupported algorithm";
    case errc::unknown_validation: return "unsupported validation method";
    case errc::conflicting_parameters: return "parameters that exclude each other";
    case errc::forbidden_parameter: return "a request parameter in a response";
    case errc::bad_length: return "a value of the wrong length for the algorithm";
    case errc::unknown_reason: return "unknown reason value";
    case errc::invalid_key: return "the key exchange value is not a valid group element";
    case errc::realm_mismatch: return "the realm does not match";
    case errc::unknown_session: return "the session is unknown or expired";
    case errc::nc_replayed: return "the nonce count was used already";
    case errc::nc_out_of_window: return "the nonce count is outside the accepted window";
    case errc::session_rejected: return "the session was rejected earlier";
    case errc::auth_failed: return "authentication failed";
    case errc::server_auth_failed: return "the server could not prove knowledge of the password";
    case errc::store_unavailable: return "the session store is unavailable";
    case errc::missing_channel_binding: return "TLS channel binding required but not available";
    case errc::bad_state: return "message not expected in this state";
    case errc::bad_value: return "a value that cannot be sent";
    case errc::parameter_mismatch: return "algorithm, validation or auth-scope do not match";
    case errc::missing_vks: return "the response carries no server verifier";
    case errc::key_exchange: return "key exchange in progress";
    case errc::no_credentials: return "no Mutual credentials";
    case errc::bad_ext_value: return "an extended (RFC 5987) parameter value is malformed";
  }
  return "unknown error";
}

inline const std::error_category& category() noexcept {
  static const authwire::detail::enum_category<errc> c("authwire.mutual");
  return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

/// The Mutual error type: a code and a byte offset.
using error = basic_error<errc>;

/// The auth-scheme token.
inline constexpr std::string_view scheme_name = "Mutual";

/// The `reason` values of 401-INIT / 401-STALE (RFC 8120 section 4.1).
enum class reason : std::uint8_t {
  initial,
  stale_session,
  auth_failed,
  reauth_needed,
  invalid_parameters,
  internal_error,
  user_unknown,
  invalid_credential,
  authz_failed,
};

constexpr std::string_view to_string(reason r) noexcept {
  switch (r) {
    case reason::initial: return "initial";
    case reason::stale_session: return "stale-session";
    case reason::auth_failed: return "auth-failed";
    case reason::reauth_needed: return "reauth-needed";
    case reason::invalid_parameters: return "invalid-parameters";
    case reason::internal_error: return "internal-error";
    case reason::user_unknown: return "user-unknown";
    case reason::invalid_credential: return "invalid-credential";
    case reason::authz_failed: return "authz-failed";
  }
  return "";
}

/// The reason named `s`, if it is one RFC 8120 defines.
inline std::optional<reason> reason_from_string(std::string_view s) noexcept {
  for (int i = 0; i <= static_cast<int>(reason::authz_failed); ++i)
    if (s == to_string(static_cast<reason>(i))) return static_cast<reason>(i);
  return std::nullopt;
}

/// The validation methods of RFC 8120 section 7.
enum class validation_method : std::uint8_t { host, tls_server_end_point, tls_unique };

constexpr std::string_view to_string(validation_method v) noexcept {
  switch (v) {
    case validation_method::host: return "host";
    case validation_method::tls_server_end_point: return "tls-server-end-point";
    case validation_method::tls_unique: return "tls-unique";
  }
  return "";
}

inline bool validation_from_string(std::string_view s, validation_method& out) noexcept {
  for (auto v : {validation_method::host, validation_method::tls_server_end_point, validation_method::tls_unique})
    if (s == to_string(v)) {
      out = v;
      return true;
    }
  return false;
}

/// The six message kinds of RFC 8120 section 4.
enum class message_kind : std::uint8_t {
  init,     ///< 401-INIT
  stale,    ///< 401-STALE
  kex_s1,   ///< 401-KEX-S1
  vfy_s,    ///< 200-VFY-S (Authentication-Info)
  kex_c1,   ///< req-KEX-C1
  vfy_c,    ///< req-VFY-C
};

constexpr std::string_view to_string(message_kind k) noexcept {
  switch (k) {
    case message_kind::init: return "401-INIT";
    case message_kind::stale: return "401-STALE";
    case message_kind::kex_s1: return "401-KEX-S1";
    case message_kind::vfy_s: return "200-VFY-S";
    case message_kind::kex_c1: return "req-KEX-C1";
    case message_kind::vfy_c: return "req-VFY-C";
  }
  return "";
}

/**
 * One Mutual message, typed. Fixed-numbers are held decoded (octets); `sid` as lower-case hex.
 * Fields not used by `kind` are empty / zero.
 */
struct message {
  message_kind kind = message_kind::init;
  std::uint64_t version = 1;
  algorithm alg = algorithm::ec_p256_sha256;
  validation_method validation = validation_method::host;
  std::optional<std::string> auth_scope;
  std::string realm;
  std::string reason_text;             ///< as received (also unknown values); built from `reason_value`
  std::optional<reason> reason_value;  ///< when reason_text is an RFC 8120 value
  std::string user;
  std::string sid;                     ///< lower-case hex
  std::string kc1, ks1, vkc, vks;      ///< octets
  std::uint64_t nc = 0, nc_max = 0, nc_window = 0, time = 0;
  std::optional<std::string> path;
};

namespace detail {

inline error grammar_error(const authwire::error& e) {
  return {e.code == authwire::errc::duplicate_parameter ? errc::duplicate_parameter : errc::syntax, e.offset};
}

/// Offset of the first byte of the value's content.
inline std::size_t content_offset(const auth_param_view& p) noexcept { return p.value_offset + (p.quoted ? 1u : 0u); }

inline result<std::uint64_t, errc> parse_integer(const auth_param_view& p) {
  const std::string v = p.value();
  const std::size_t at = content_offset(p);
  if (v.empty()) return error{errc::bad_integer, at};
  if (v.size() > 1 && v[0] == '0') return error{errc::bad_integer, at};
  std::uint64_t r = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return error{errc::bad_integer, at + i};
    const auto d = static_cast<std::uint64_t>(v[i] - '0');
    if (r > (UINT64_C(0x7FFFFFFFFFFFFFFF) - d) / 10) return error{errc::bad_integer, at + i};
    r = r * 10 + d;
  }
  return r;
}

inline result<std::string, errc> parse_hex(const auth_param_view& p) {
  const std::string v = p.value();
  const std::size_t at = content_offset(p);
  if (v.empty() || v.size() % 2 != 0) return error{errc::bad_hex, at + v.size()};
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (hex_value(v[i]) < 0) return error{errc::bad_hex, at + i};
    out += (v[i] >= 'A' && v[i] <= 'F') ? static_cast<char>(v[i] - 'A' + 'a') : v[i];
  }
  return out;
}

inline result<std::string, errc> parse_b64(const auth_param_view& p, std::size_t expected_len) {
  const std::string v = p.value();
  const std::size_t at = content_offset(p);
  std::string out;
  auto r = base64_decode(out, v);
  if (!r) return error{errc::bad_base64, at + r.offset()};
  if (expected_len != 0 && out.size() != expected_len) return error{errc::bad_length, at};
  return out;
}

inline bool is_bare_token(std::string_view s) noexcept {
  // bare-token = bare-token-lead-char *bare-token-char (RFC 8120 section 3.2.1)
  auto alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (s.empty() || !alnum(s[0])) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '_') return false;
  return true;
}

/// extensive-token = bare-token / extension-token; extension-token = "-" bare-token 1*("." bare-token)
inline bool is_extensive_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  if (s[0] != '-') return is_bare_token(s);
  s.remove_prefix(1);
  std::size_t parts = 0;
  while (true) {
    const auto dot = s.find('.');
    if (!is_bare_token(s.substr(0, dot))) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return parts >= 2;
}

inline std::string lower(std::string_view v) {
  std::string r(v);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return r;
}

/// An extensive-token, lower-cased (tokens are case-insensitive, RFC 8120 section 3.2.1).
inline result<std::string, errc> parse_xtoken(const auth_param_view& p) {
  std::string v = p.value();
  if (!is_extensive_token(v)) return error{errc::bad_token, content_offset(p)};
  return lower(v);
}

/// True for the EC algorithms, whose kc1 / ks1 / vkc / vks are hex-fixed-numbers; the DL ones
/// use base64-fixed-numbers (RFC 8121 section 3).
constexpr bool uses_hex(algorithm a) noexcept {
  return a == algorithm::ec_p256_sha256 || a == algorithm::ec_p521_sha512;
}

/// An algorithm-determined fixed number of exactly `len` octets.
inline result<std::string, errc> parse_fixed(const auth_param_view& p, algorithm a, std::size_t len) {
  if (!uses_hex(a)) return parse_b64(p, len);
  auto h = parse_hex(p);
  if (!h) return h.error();
  if (h->size() != 2 * len) return error{errc::bad_length, content_offset(p)};
  std::string out(len, '\0');
  if (!hex_decode(reinterpret_cast<unsigned char*>(out.data()), *h)) return error{errc::bad_hex, content_offset(p)};
  return out;
}

/// Decodes an RFC 5987 ext-value: charset "'" [ language ] "'" value-chars, charset UTF-8.
inline result<std::string, errc> parse_ext_value(const auth_param_view& p) {
  const std::string v = p.value();
  const std::size_t at = content_offset(p);
  const auto q1 = v.find('\'');
  const auto q2 = q1 == std::string::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string::npos || !iequals(std::string_view(v).substr(0, q1), "UTF-8"))
    return error{errc::bad_ext_value, at};
  std::string out;
  for (std::size_t i = q2 + 1; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '%') {
      if (i + 2 >= v.size()) return error{errc::bad_ext_value, at + i};
      const int hi = hex_value(v[i + 1]), lo = hex_value(v[i + 2]);
      if (hi < 0 || lo < 0) return error{errc::bad_ext_value, at + i};
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
      continue;
    }
    if (!is_attr_char(c)) return error{errc::bad_ext_value, at + i};
    out += c;
  }
  return out;
}

/// A string parameter that may also come as `name*` (RFC 5987, RFC 8120 section 3.1).
/// @return true and the value when present; errc::duplicate_parameter when both forms are.
inline result<bool, errc> string_param(const param_range& ps, std::string_view name, std::string& out) {
  const auth_param_view* plain = ps.find(name);
  std::string star(name);
  star += '*';
  const auth_param_view* ext = ps.find(star);
  if (plain && ext) return error{errc::duplicate_parameter, std::max(plain->name_offset, ext->name_offset)};
  if (plain) {
    out = plain->value();
    return true;
  }
  if (!ext) return false;
  auto v = parse_ext_value(*ext);
  if (!v) return v.error();
  out = std::move(*v);
  return true;
}

/// Adds a string parameter: quoted when printable ASCII, as `name*=UTF-8''...` otherwise
/// (RFC 8120 3.1), so that a value parse_ext_value decoded to a control character (`%0A`) is
/// sent pct-encoded again, never raw (as digest's username*).
inline void add_string(challenge_builder& b, std::string_view name, std::string_view v) {
  bool ascii = true;
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    ascii = ascii && u >= 0x20 && u < 0x7F;
  }
  if (ascii) {
    b.param(name, v, quoting::always);
    return;
  }
  const std::string enc = encode_ext_value(v);
  std::string star(name);
  star += '*';
  b.param(star, enc, quoting::never);
}

/// True for "kc<digits>" / "ks<digits>" (prefix "kc" or "ks").
inline bool is_numbered(std::string_view name, char second) noexcept {
  if (name.size() < 3 || (name[0] != 'k' && name[0] != 'K') || (name[1] != second && name[1] != second - 32))
    return false;
  for (std::size_t i = 2; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  return true;
}

/// The parameters common to every message but 200-VFY-S.
inline result<void, errc> parse_common(const param_range& ps, std::size_t scheme_end, message& m) {
  const auto* ver = ps.find("version");
  const auto* alg = ps.find("algorithm");
  const auto* val = ps.find("validation");
  const auto* realm = ps.find("realm");
  if (!ver || !alg || !val || !realm) return error{errc::missing_parameter, scheme_end};
  auto v = parse_xtoken(*ver);
  if (!v) return v.error();
  if (*v != "1") return error{errc::unsupported_version, content_offset(*ver)};
  m.version = 1;
  auto a = parse_xtoken(*alg);
  if (!a) return a.error();
  if (!algorithm_from_string(*a, m.alg)) return error{errc::unknown_algorithm, content_offset(*alg)};
  auto vv = parse_xtoken(*val);
  if (!vv) return vv.error();
  if (!validation_from_string(*vv, m.validation)) return error{errc::unknown_validation, content_offset(*val)};
  m.realm = realm->value();
  std::string scope;
  auto sc = string_param(ps, "auth-scope", scope);
  if (!sc) return sc.error();
  if (*sc) m.auth_scope = std::move(scope);
  return {};
}

inline std::size_t end_of_scheme(const challenge_view& c) noexcept { return c.scheme_offset + c.scheme.size(); }

}  // namespace detail

/**
 * Parses one Mutual challenge (401-INIT, 401-STALE or 401-KEX-S1) from a parsed challenge.
 * Offsets are those of the header the challenge was parsed from.
 */
[[nodiscard]] inline result<message, errc> parse_challenge(const challenge_view& c) {
  if (!c.is(scheme_name) || c.has_token68) return error{errc::not_mutual, c.scheme_offset};
  const auto& ps = c.params;
  message m;
  // Exclusions: reason / ks# / vks; no kc# / vkc in a response (RFC 8120 section 4).
  const auth_param_view* first_excl = nullptr;
  for (const auto& p : ps) {
    if (detail::is_numbered(p.name, 'c') || p.is("vkc")) return error{errc::forbidden_parameter, p.name_offset};
    if (p.is("reason") || p.is("vks") || detail::is_numbered(p.name, 's')) {
      if (first_excl) return error{errc::conflicting_parameters, p.name_offset};
      first_excl = &p;
    }
  }
  const std::size_t se = detail::end_of_scheme(c);
  auto r = detail::parse_common(ps, se, m);
  if (!r) return r.error();
  if (const auto* reason_p = ps.find("reason")) {
    auto t = detail::parse_xtoken(*reason_p);
    if (!t) return t.error();
    m.reason_text = *t;
    m.reason_value = reason_from_string(m.reason_text);
    m.kind = m.reason_value == reason::stale_session ? message_kind::stale : message_kind::init;
    return m;
  }
  const auto* ks1 = ps.find("ks1");
  if (!ks1) return error{errc::missing_parameter, se};
  m.kind = message_kind::kex_s1;
  const auto* sid = ps.find("sid");
  const auto* ncmax = ps.find("nc-max");
  const auto* ncw = ps.find("nc-window");
  const auto* tm = ps.find("time");
  if (!sid || !ncmax || !ncw || !tm) return error{errc::missing_parameter, se};
  auto h = detail::parse_hex(*sid);
  if (!h) return h.error();
  m.sid = std::move(*h);
  auto k = detail::parse_fixed(*ks1, m.alg, kam3::element_size(m.alg));
  if (!k) return k.error();
  m.ks1 = std::move(*k);
  auto a = detail::parse_integer(*ncmax);
  if (!a) return a.error();
  auto b = detail::parse_integer(*ncw);
  if (!b) return b.error();
  auto t = detail::parse_integer(*tm);
  if (!t) return t.error();
  m.nc_max = *a;
  m.nc_window = *b;
  m.time = *t;
  std::string path;
  auto pp = detail::string_param(ps, "path", path);
  if (!pp) return pp.error();
  if (*pp) m.path = std::move(path);
  return m;
}

/// Parses a `WWW-Authenticate` value and returns its first Mutual challenge that this library
/// can use (several may be offered, one per algorithm); the first error if none is usable.
[[nodiscard]] inline result<message, errc> parse_challenge(std::string_view www_authenticate,
                                                           const parse_options& opts = {}) {
  auto l = parse_challenges(www_authenticate, opts);
  if (!l) return detail::grammar_error(l.error());
  std::optional<error> first;
  for (const auto& c : *l) {
    if (!c.is(scheme_name)) continue;
    auto m = parse_challenge(c);
    if (m) return m;
    if (!first) first = m.error();
  }
  if (first) return *first;
  return error{errc::not_mutual, 0};
}

/// Parses an `Authorization` value holding req-KEX-C1 or req-VFY-C.
[[nodiscard]] inline result<message, errc> parse_request(std::string_view authorization, const parse_options& opts = {}) {
  auto cr = parse_credentials(authorization, opts);
  if (!cr) return detail::grammar_error(cr.error());
  const challenge_view c = cr->view();
  if (!c.is(scheme_name) || c.has_token68) return error{errc::not_mutual, c.scheme_offset};
  const auto& ps = c.params;
  const auth_param_view* kc = nullptr;
  const auth_param_view* vkc = nullptr;
  for (const auto& p : ps) {
    if (detail::is_numbered(p.name, 's') || p.is("vks")) return error{errc::forbidden_parameter, p.name_offset};
    const bool is_kc = detail::is_numbered(p.name, 'c');
    if (is_kc || p.is("vkc")) {
      if ((is_kc && vkc) || (!is_kc && kc) || (is_kc && kc)) return error{errc::conflicting_parameters, p.name_offset};
      (is_kc ? kc : vkc) = &p;
    }
  }
  message m;
  const std::size_t se = detail::end_of_scheme(c);
  auto r = detail::parse_common(ps, se, m);
  if (!r) return r.error();
  if (kc) {
    if (!kc->is("kc1")) return error{errc::missing_parameter, se};  // a later step of an unknown algorithm
    m.kind = message_kind::kex_c1;
    auto u = detail::string_param(ps, "user", m.user);
    if (!u) return u.error();
    if (!*u) return error{errc::missing_parameter, se};
    auto k = detail::parse_fixed(*kc, m.alg, kam3::element_size(m.alg));
    if (!k) return k.error();
    m.kc1 = std::move(*k);
    return m;
  }
  if (!vkc) return error{errc::missing_parameter, se};
  m.kind = message_kind::vfy_c;
  const auto* sid = ps.find("sid");
  const auto* nc = ps.find("nc");
  if (!sid || !nc) return error{errc::missing_parameter, se};
  auto h = detail::parse_hex(*sid);
  if (!h) return h.error();
  m.sid = std::move(*h);
  auto n = detail::parse_integer(*nc);
  if (!n) return n.error();
  m.nc = *n;
  auto v = detail::parse_fixed(*vkc, m.alg, kam3::hash_size(m.alg));
  if (!v) return v.error();
  m.vkc = std::move(*v);
  return m;
}

/**
 * Parses the `Authentication-Info` of a 200-VFY-S: `sid` and `vks` (its length is checked
 * against `alg`). A leading "Mutual " scheme token is tolerated (see the file notes); offsets
 * are into the value as given.
 */
[[nodiscard]] inline result<message, errc> parse_authentication_info(std::string_view value, algorithm alg,
                                                                     const parse_options& opts = {}) {
  std::size_t skip = 0;
  {
    std::size_t i = 0;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    if (value.size() >= i + 7 && iequals(value.substr(i, 6), scheme_name) && value[i + 6] == ' ') skip = i + 7;
  }
  auto l = authwire::parse_authentication_info(value.substr(skip), opts);
  if (!l) {
    auto e = detail::grammar_error(l.error());
    e.offset += skip;
    return e;
  }
  const auto ps = l->params();
  auto shift = [skip](error e) {
    e.offset += skip;
    return e;
  };
  for (const auto& p : ps)
    if (detail::is_numbered(p.name, 'c') || p.is("vkc")) return shift(error{errc::forbidden_parameter, p.name_offset});
  const auth_param_view* first_excl = nullptr;
  for (const auto& p : ps)
    if (p.is("reason") || p.is("vks") || detail::is_numbered(p.name, 's')) {
      if (first_excl) return shift(error{errc::conflicting_parameters, p.name_offset});
      first_excl = &p;
    }
  message m;
  m.kind = message_kind::vfy_s;
  m.alg = alg;
  const auto* sid = ps.find("sid");
  const auto* vks = ps.find("vks");
  const auto* ver = ps.find("version");
  if (!sid || !vks || !ver) return error{errc::missing_parameter, value.size()};
  auto h = detail::parse_hex(*sid);
  if (!h) return shift(h.error());
  m.sid = std::move(*h);
  auto v = detail::parse_fixed(*vks, alg, kam3::hash_size(alg));
  if (!v) return shift(v.error());
  m.vks = std::move(*v);
  auto n = detail::parse_xtoken(*ver);
  if (!n) return shift(n.error());
  if (*n != "1") return shift(error{errc::unsupported_version, detail::content_offset(*ver)});
  return m;
}

namespace detail {

inline result<std::string, errc> finish(const challenge_builder& b) {
  auto s = b.str();
  if (!s) return error{errc::bad_value, s.offset()};
  return std::move(*s);
}

/// An algorithm-determined fixed number: bare lower-case hex (EC) or quoted base64 (DL).
inline void add_fixed(challenge_builder& b, std::string_view name, algorithm a, std::string_view octets) {
  if (uses_hex(a)) {
    b.param(name, hex_encode(octets), quoting::never);
  } else {
    b.param(name, base64_encode(octets), quoting::always);
  }
}

inline void common_params(challenge_builder& b, const message& m) {
  b.param("version", std::to_string(m.version), quoting::never)
      .param("algorithm", to_string(m.alg), quoting::never)
      .param("validation", to_string(m.validation), quoting::never);
  if (m.auth_scope) add_string(b, "auth-scope", *m.auth_scope);
  b.param("realm", m.realm, quoting::always);
}

}  // namespace detail

/**
 * Builds a challenge value (401-INIT, 401-STALE, 401-KEX-S1) from `m`. For init / stale the
 * reason is `reason_value` when set (stale: stale-session), else `reason_text`.
 * @return the value, or errc::bad_state for a request kind, errc::bad_value for unsendable text.
 */
[[nodiscard]] inline result<std::string, errc> build_challenge(const message& m) {
  challenge_builder b(scheme_name);
  detail::common_params(b, m);
  switch (m.kind) {
    case message_kind::init:
    case message_kind::stale: {
      std::string r = m.kind == message_kind::stale ? std::string(to_string(reason::stale_session))
                       : m.reason_value           ? std::string(to_string(*m.reason_value))
                                                  : m.reason_text;
      if (!detail::is_extensive_token(r)) return error{errc::bad_token, 0};
      b.param("reason", r, quoting::never);
      break;
    }
    case message_kind::kex_s1:
      b.param("sid", m.sid, quoting::never);
      detail::add_fixed(b, "ks1", m.alg, m.ks1);
      b.param("nc-max", std::to_string(m.nc_max), quoting::never)
          .param("nc-window", std::to_string(m.nc_window), quoting::never)
          .param("time", std::to_string(m.time), quoting::never);
      if (m.path) detail::add_string(b, "path", *m.path);
      break;
    default: return error{errc::bad_state, 0};
  }
  return detail::finish(b);
}

/// Builds an `Authorization` value (req-KEX-C1 or req-VFY-C) from `m`.
[[nodiscard]] inline result<std::string, errc> build_request(const message& m) {
  credentials_builder b(scheme_name);
  detail::common_params(b, m);
  switch (m.kind) {
    case message_kind::kex_c1:
      detail::add_string(b, "user", m.user);
      detail::add_fixed(b, "kc1", m.alg, m.kc1);
      break;
    case message_kind::vfy_c:
      b.param("sid", m.sid, quoting::never).param("nc", std::to_string(m.nc), quoting::never);
      detail::add_fixed(b, "vkc", m.alg, m.vkc);
      break;
    default: return error{errc::bad_state, 0};
  }
  return detail::finish(b);
}

/// Builds the `Authentication-Info` value of a 200-VFY-S: `version=1, sid=<hex>, vks=<VK_s>`
/// (RFC 8120 section 4.5; RFC 7615 syntax, no scheme token).
[[nodiscard]] inline result<std::string, errc> build_authentication_info(const message& m) {
  authentication_info_builder b;
  b.param("version", "1", quoting::never).param("sid", m.sid, quoting::never);
  if (detail::uses_hex(m.alg)) {
    b.param("vks", hex_encode(m.vks), quoting::never);
  } else {
    b.param("vks", base64_encode(m.vks), quoting::always);
  }
  auto s = b.str();
  if (!s) return error{errc::bad_value, s.offset()};
  return std::move(*s);
}

/**
 * The validation host string for validation=host: "<scheme>://<host>:<port>", lower case, the
 * port always written (80 / 443 when the Host header has none). `host_header` is the Host
 * header value (or the URL's authority).
 */
inline std::string validation_host(std::string_view url_scheme, std::string_view host_header) {
  std::string s;
  for (char c : url_scheme) s += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  s += "://";
  const std::size_t start = s.size();
  for (char c : host_header) s += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  const std::string_view hostpart = std::string_view(s).substr(start);
  const auto close = hostpart.rfind(']');
  const auto colon = hostpart.rfind(':');
  const bool has_port = colon != std::string_view::npos && (close == std::string_view::npos || colon > close);
  if (!has_port) s += s.compare(0, 5, "https") == 0 ? ":443" : ":80";
  return s;
}

/// The host name of a Host header value (no port, lower case): the default auth-scope.
inline std::string host_name(std::string_view host_header) {
  std::string_view h = host_header;
  const auto close = h.rfind(']');
  const auto colon = h.rfind(':');
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) h = h.substr(0, colon);
  std::string s;
  for (char c : h) s += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/// Looks up the password of `user` in `realm`; nullopt for an unknown user.
using password_lookup = std::function<std::optional<std::string>(std::string_view user, std::string_view realm)>;

/// Looks up the stored verifier J(pi) of `user` in `realm` for algorithm `alg` (as made by
/// make_verifier()); nullopt for an unknown user. The server then never holds the password.
using verifier_lookup =
    std::function<std::optional<std::string>(std::string_view user, std::string_view realm, algorithm alg)>;

/**
 * The verifier J(pi) = g^pi (RFC 8121) to store on the server instead of the password, made at
 * registration with the auth-scope and realm the server will send (pi depends on both, RFC 8120
 * section 12.2). One per algorithm offered.
 */
inline std::string make_verifier(algorithm a, std::string_view auth_scope, std::string_view realm, std::string_view user,
                                 std::string_view password) {
  return kam3::verifier_from_pi(a, kam3::password_secret(a, auth_scope, realm, user, password));
}

/// Server settings, with safe defaults.
struct server_options {
  std::string realm;                                            ///< sent in every challenge
  /// Offered algorithms, one 401-INIT challenge each. Keep one per realm: RFC 8120 section 4.1
  /// has one Mutual challenge per 401-INIT and section 5 advises against one scope and realm
  /// with several algorithms.
  std::vector<algorithm> algorithms{algorithm::ec_p256_sha256};
  validation_method validation = validation_method::host;
  std::string auth_scope;       ///< empty: the request's host name (a proxy: set its own, RFC 8120 section 14)
  std::string validation_host;  ///< empty: built from request_view::origin_scheme and Host (a proxy: its own)
  /// tls-server-end-point / tls-unique: the channel binding octets of the request's connection.
  std::function<std::optional<std::string>(const request_view&)> channel_binding;
  std::uint64_t nc_max = 1000000;       ///< highest nc accepted in a session
  unsigned nc_window = 64;              ///< out-of-order window (1 to 64)
  std::int64_t session_lifetime = 3600; ///< seconds a session lives (the `time` parameter)
  std::int64_t kex_lifetime = 300;      ///< seconds a key-exchanging session waits for its req-VFY-C
  std::optional<std::string> path;      ///< the `path` parameter of 401-KEX-S1, if any
  clock_fn clock = system_clock();
  random_fn random = system_random();
};

namespace detail {

/// The session record kept in the store under "mutual:s:<sid>".
struct session_record {
  char state = 'k';  // 'k' key exchanging, 'a' authenticated, 'r' rejected
  bool fake = false;
  algorithm alg = algorithm::ec_p256_sha256;
  std::int64_t issued = 0, expires = 0;
  std::string user, realm, kc1, ks1, z;

  std::string serialize() const {
    std::string s;
    s += state;
    s += fake ? '1' : '0';
    s += static_cast<char>('0' + static_cast<int>(alg));
    s += '|' + std::to_string(issued) + '|' + std::to_string(expires) + '|';
    s += hex_encode(user) + '|' + hex_encode(realm) + '|' + hex_encode(kc1) + '|' + hex_encode(ks1) + '|' + hex_encode(z);
    return s;
  }

  static bool unhex(std::string_view h, std::string& out) {
    if (h.size() % 2) return false;
    out.assign(h.size() / 2, '\0');
    return static_cast<bool>(hex_decode(reinterpret_cast<unsigned char*>(out.data()), h));
  }

  static std::optional<session_record> parse(std::string_view s) {
    session_record r;
    if (s.size() < 4 || s[3] != '|') return std::nullopt;
    r.state = s[0];
    r.fake = s[1] == '1';
    const int a = s[2] - '0';
    if (a < 0 || a > 3) return std::nullopt;
    r.alg = static_cast<algorithm>(a);
    std::vector<std::string_view> f;
    std::size_t i = 4;
    while (true) {
      const auto j = s.find('|', i);
      f.push_back(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
      if (j == std::string_view::npos) break;
      i = j + 1;
    }
    if (f.size() != 7) return std::nullopt;
    if (std::from_chars(f[0].data(), f[0].data() + f[0].size(), r.issued).ec != std::errc() ||
        std::from_chars(f[1].data(), f[1].data() + f[1].size(), r.expires).ec != std::errc())
      return std::nullopt;
    if (!unhex(f[2], r.user) || !unhex(f[3], r.realm) || !unhex(f[4], r.kc1) || !unhex(f[5], r.ks1) ||
        !unhex(f[6], r.z))
      return std::nullopt;
    return r;
  }
};

}  // namespace detail

/**
 * The server side of Mutual: the decision procedure of RFC 8120 section 11 over a
 * `state_store` (keys "mutual:s:<sid>" for the session table, "mutual:nc:<sid>" for the nc
 * window). Sessions for unknown users are fake: they answer a 401-KEX-S1 of the same shape
 * (a random K_s1) and fail at req-VFY-C exactly like a wrong password, so user names cannot be
 * probed. A store that is unavailable gives a 503 verdict.
 */
class handler final : public scheme_handler {
 public:
  /// A server that knows the passwords (it derives pi per key exchange: 16384 PBKDF2 rounds).
  handler(server_options opts, password_lookup lookup, std::shared_ptr<state_store> store = nullptr)
      : handler(std::move(opts), std::move(store)) {
    lookup_ = std::move(lookup);
  }

  /// A server that stores only verifiers J(pi) (see make_verifier()).
  handler(server_options opts, verifier_lookup lookup, std::shared_ptr<state_store> store = nullptr)
      : handler(std::move(opts), std::move(store)) {
    vlookup_ = std::move(lookup);
  }

  std::string_view scheme() const noexcept override { return scheme_name; }
  const server_options& options() const noexcept { return opts_; }

  /// 401-INIT (reason=initial), one challenge per offered algorithm.
  void challenges(const request_view& req, std::vector<std::string>& out) override { init_challenges(req, reason::initial, out); }

  verdict verify(const request_view& req, std::string_view authorization) override {
    auto pm = parse_request(authorization);
    if (!pm) return refuse(req, reason::invalid_parameters, pm.code());
    const message& m = *pm;
    if (m.realm != opts_.realm) return refuse(req, reason::initial, errc::realm_mismatch);
    if (std::find(opts_.algorithms.begin(), opts_.algorithms.end(), m.alg) == opts_.algorithms.end() ||
        m.validation != opts_.validation || m.auth_scope.value_or(auth_scope(req)) != auth_scope(req))
      return refuse(req, reason::invalid_parameters, errc::parameter_mismatch);
    return m.kind == message_kind::kex_c1 ? key_exchange(req, m) : verify_client(req, m);
  }

 private:
  handler(server_options opts, std::shared_ptr<state_store> store) : opts_(std::move(opts)), store_(std::move(store)) {
    if (!store_) store_ = std::make_shared<memory_store>();
    if (opts_.algorithms.empty()) opts_.algorithms.push_back(algorithm::ec_p256_sha256);
    if (opts_.nc_window == 0) opts_.nc_window = 1;
    if (opts_.nc_window > 64) opts_.nc_window = 64;
    if (opts_.nc_max == 0) opts_.nc_max = 1;
    if (!opts_.clock) opts_.clock = system_clock();
    if (!opts_.random) opts_.random = system_random();
  }

  std::string auth_scope(const request_view& req) const {
    if (!opts_.auth_scope.empty()) return opts_.auth_scope;
    return host_name(req.header("Host").value_or(""));
  }

  std::optional<std::string> vh(const request_view& req) const {
    if (opts_.validation != validation_method::host) {
      if (!opts_.channel_binding) return std::nullopt;
      return opts_.channel_binding(req);
    }
    if (!opts_.validation_host.empty()) return opts_.validation_host;
    return validation_host(req.origin_scheme, req.header("Host").value_or(""));
  }

  message base(const request_view& req, algorithm a) const {
    message m;
    m.alg = a;
    m.validation = opts_.validation;
    m.auth_scope = auth_scope(req);
    m.realm = opts_.realm;
    return m;
  }

  void init_challenges(const request_view& req, reason r, std::vector<std::string>& out) const {
    for (auto a : opts_.algorithms) {
      message m = base(req, a);
      m.kind = r == reason::stale_session ? message_kind::stale : message_kind::init;
      m.reason_value = r;
      auto s = build_challenge(m);
      if (s) out.push_back(std::move(*s));
    }
  }

  verdict refuse(const request_view& req, reason r, errc why) const {
    verdict v = verdict::make(verdict_kind::unauthorized, std::string(to_string(why)));
    init_challenges(req, r, v.challenges);
    return v;
  }

  static verdict unavailable() {
    verdict v = verdict::make(verdict_kind::unavailable, std::string(to_string(errc::store_unavailable)));
    v.retry_after = 1;
    return v;
  }

  verdict key_exchange(const request_view& req, const message& m) {
    if (!kam3::valid_element(m.alg, m.kc1)) return refuse(req, reason::invalid_parameters, errc::invalid_key);
    const std::int64_t now = opts_.clock();
    detail::session_record rec;
    rec.alg = m.alg;
    rec.user = m.user;
    rec.realm = m.realm;
    rec.kc1 = m.kc1;
    rec.issued = now;
    rec.expires = now + opts_.kex_lifetime;
    const std::string scope = auth_scope(req);
    std::string j;  // J(pi) = g^pi
    if (vlookup_) {
      auto v = vlookup_(m.user, m.realm, m.alg);
      if (v) {
        j = std::move(*v);
      } else {
        rec.fake = true;  // RFC 8120 section 11, note 2: a random J, the same work below
        j = kam3::fake_ks1(m.alg, opts_.random);
      }
    } else {
      std::optional<std::string> pw = lookup_ ? lookup_(m.user, m.realm) : std::nullopt;
      if (!pw) {
        // A fake session (RFC 8120 section 11, note 2): the same work on a random password, so
        // that neither the 401-KEX-S1 (a K_s1 of the same distribution) nor the time it takes
        // tells an unknown user from a known one. The session can never authenticate.
        rec.fake = true;
        std::string dummy(16, '\0');
        opts_.random(reinterpret_cast<unsigned char*>(dummy.data()), dummy.size());
        pw = std::move(dummy);
      }
      std::string pi = kam3::password_secret(m.alg, scope, m.realm, m.user, *pw);
      OPENSSL_cleanse(pw->data(), pw->size());
      j = kam3::verifier_from_pi(m.alg, pi);
      OPENSSL_cleanse(pi.data(), pi.size());
    }
    const std::string s_s1 = kam3::random_scalar(m.alg, opts_.random);
    if (!kam3::server_exchange_verifier(m.alg, m.kc1, j, s_s1, rec.ks1, rec.z))
      return refuse(req, kam3::valid_element(m.alg, j) ? reason::invalid_parameters : reason::internal_error,
                    errc::invalid_key);
    std::string sid_raw(16, '\0');
    opts_.random(reinterpret_cast<unsigned char*>(sid_raw.data()), sid_raw.size());
    const std::string sid = hex_encode(sid_raw);
    if (store_->put("mutual:s:" + sid, rec.serialize(), rec.expires, now) != store_status::ok) return unavailable();
    message out = base(req, m.alg);
    out.kind = message_kind::kex_s1;
    out.sid = sid;
    out.ks1 = rec.ks1;
    out.nc_max = opts_.nc_max;
    out.nc_window = opts_.nc_window;
    out.time = static_cast<std::uint64_t>(opts_.session_lifetime);
    out.path = opts_.path;
    auto s = build_challenge(out);
    if (!s) return refuse(req, reason::internal_error, s.code());
    return verdict::make(verdict_kind::unauthorized, std::string(to_string(errc::key_exchange)), {std::move(*s)});
  }

  verdict stale(const request_view& req, algorithm a, errc why) const {
    verdict v = verdict::make(verdict_kind::unauthorized, std::string(to_string(why)));
    message m = base(req, a);
    m.kind = message_kind::stale;
    auto s = build_challenge(m);
    if (s) v.challenges.push_back(std::move(*s));
    return v;
  }

  /// 401-STALE, the session becoming "inactive" (forgotten): a duplicate nc MUST discard the
  /// session, an nc out of range MAY (RFC 8120 section 6 and section 11).
  verdict drop(const request_view& req, const message& m, errc why) {
    if (store_->erase("mutual:s:" + m.sid) == store_status::unavailable) return unavailable();
    store_->erase("mutual:nc:" + m.sid);
    return stale(req, m.alg, why);
  }

  verdict verify_client(const request_view& req, const message& m) {
    const std::int64_t now = opts_.clock();
    const std::string key = "mutual:s:" + m.sid;
    std::string raw;
    const auto st = store_->get(key, raw, now);
    if (st == store_status::unavailable) return unavailable();
    if (st != store_status::ok) return stale(req, m.alg, errc::unknown_session);
    auto rec = detail::session_record::parse(raw);
    if (!rec) return stale(req, m.alg, errc::unknown_session);
    if (rec->alg != m.alg || rec->realm != m.realm) return refuse(req, reason::invalid_parameters, errc::parameter_mismatch);
    if (rec->state == 'r') return refuse(req, reason::auth_failed, errc::session_rejected);
    const auto v = vh(req);
    if (!v) return refuse(req, reason::internal_error, errc::missing_channel_binding);
    const std::string expect = kam3::verifier_value(m.alg, kam3::verifier::client, rec->kc1, rec->ks1, rec->z, m.nc, *v);
    const bool ok = constant_time_equal(expect, m.vkc) && !rec->fake;
    if (!ok) {
      if (rec->state == 'k') {
        rec->state = 'r';
        if (store_->put(key, rec->serialize(), rec->expires, now) == store_status::unavailable) return unavailable();
      }
      return refuse(req, reason::auth_failed, errc::auth_failed);
    }
    // Only a request that proves the session key may make it inactive.
    if (m.nc < 1 || m.nc > opts_.nc_max) return drop(req, m, errc::nc_out_of_window);
    if (rec->state == 'k') {
      rec->state = 'a';
      rec->expires = rec->issued + opts_.session_lifetime;
      if (store_->put(key, rec->serialize(), rec->expires, now) == store_status::unavailable) return unavailable();
    }
    const auto u = store_->use_counter("mutual:nc:" + m.sid, m.nc, opts_.nc_window, rec->issued, rec->expires, now);
    if (u == store_status::unavailable) return unavailable();
    if (u == store_status::replayed) return drop(req, m, errc::nc_replayed);
    if (u != store_status::ok) return drop(req, m, errc::nc_out_of_window);
    message out;
    out.kind = message_kind::vfy_s;
    out.alg = m.alg;
    out.sid = m.sid;
    out.vks = kam3::verifier_value(m.alg, kam3::verifier::server, rec->kc1, rec->ks1, rec->z, m.nc, *v);
    auto info = build_authentication_info(out);
    if (!info) return refuse(req, reason::internal_error, info.code());
    verdict ok_v = verdict::allow(rec->user);
    ok_v.authentication_info = std::move(*info);
    return ok_v;
  }

  server_options opts_;
  password_lookup lookup_;
  verifier_lookup vlookup_;
  std::shared_ptr<state_store> store_;
};

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/// Client settings.
struct client_options {
  std::string user;
  std::string password;
  /// For validation=host: "<scheme>://<host>:<port>" of the URL (see validation_host()).
  std::string validation_host;
  /// For tls-server-end-point / tls-unique: the channel binding octets of the connection.
  std::optional<std::string> channel_binding;
  /// The URL's host name: the default auth-scope when a challenge has none, and the host the
  /// challenge's auth-scope must cover (empty: not checked).
  std::string host;
  /// Algorithms the client accepts, preferred first; empty: all four, EC first.
  std::vector<algorithm> algorithms;
  random_fn random = system_random();
};

/**
 * The client procedure of RFC 8120 section 10 for one protection space:
 *
 * @code
 *   mutual::client c(opts);
 *   // 401 with WWW-Authenticate: ...     -> Authorization for the retry (req-KEX-C1)
 *   auto a1 = c.on_unauthorized(www_authenticate);
 *   // 401-KEX-S1                          -> req-VFY-C (nc=1)
 *   auto a2 = c.on_unauthorized(www_authenticate2);
 *   // 200 with Authentication-Info        -> the server is verified, or server_auth_failed
 *   auto ok = c.on_authentication_info(authentication_info);
 *   // later requests in the same session  -> req-VFY-C with the next nc
 *   auto a3 = c.authorize();
 * @endcode
 */
class client {
 public:
  explicit client(client_options o) : opts_(std::move(o)) {
    if (opts_.algorithms.empty())
      opts_.algorithms = {algorithm::ec_p256_sha256, algorithm::ec_p521_sha512, algorithm::dl_2048_sha256,
                          algorithm::dl_4096_sha512};
    if (!opts_.random) opts_.random = system_random();
  }

  /// The session is established and the server verified.
  bool authenticated() const noexcept { return state_ == st::authenticated; }
  /// The current session id (hex), or empty.
  std::string_view sid() const noexcept { return sid_; }
  /// The nc of the last req-VFY-C built.
  std::uint64_t nc() const noexcept { return nc_; }
  /// The `reason` of the last 401-INIT / 401-STALE handled ("auth-failed", "reauth-needed", ...).
  std::string_view last_reason() const noexcept { return last_reason_; }

  /**
   * Handles the `WWW-Authenticate` of a 401 and returns the `Authorization` value to retry with.
   * @return req-KEX-C1 for a 401-INIT / 401-STALE, req-VFY-C for a 401-KEX-S1; errc::auth_failed
   *   when the server answers reason=auth-failed to our verifier (wrong password or user),
   *   errc::invalid_key for a bad ks1, errc::not_mutual when nothing usable is offered.
   */
  [[nodiscard]] result<std::string, errc> on_unauthorized(std::string_view www_authenticate) {
    auto l = parse_challenges(www_authenticate);
    if (!l) return detail::grammar_error(l.error());
    std::optional<message> kex, init;
    std::optional<error> first_err;
    std::size_t best = opts_.algorithms.size();
    for (const auto& c : *l) {
      if (!c.is(scheme_name)) continue;
      auto m = parse_challenge(c);
      if (!m) {
        if (!first_err) first_err = m.error();
        continue;
      }
      if (m->kind == message_kind::kex_s1) {
        if (!kex) kex = std::move(*m);
        continue;
      }
      const auto it = std::find(opts_.algorithms.begin(), opts_.algorithms.end(), m->alg);
      const auto rank = static_cast<std::size_t>(it - opts_.algorithms.begin());
      if (rank < best) {
        best = rank;
        init = std::move(*m);
      }
    }
    if (kex) return on_kex_s1(*kex);
    if (!init) return first_err ? *first_err : error{errc::not_mutual, 0};
    last_reason_ = init->reason_text;
    // RFC 8120 section 10: a 401-INIT for the same realm in answer to req-KEX-C1 or req-VFY-C
    // means the credentials were not accepted (step 13): no retry. A 401-STALE starts a new
    // key exchange (step 9); a 401-INIT for another realm starts over (step 6).
    const bool same_realm = state_ != st::idle && init->realm == tmpl_.realm && init->alg == alg_;
    if (init->kind == message_kind::init && same_realm) {
      reset();
      return error{errc::auth_failed, 0};
    }
    return start(*init);
  }

  /**
   * Checks the `Authentication-Info` of a successful response against the req-VFY-C sent last.
   * @return ok, or errc::server_auth_failed (vks wrong: the server does not know the
   *   password; the session is dropped), errc::missing_vks, errc::bad_state.
   */
  [[nodiscard]] result<void, errc> on_authentication_info(std::string_view value) {
    if (state_ != st::verifying && state_ != st::authenticated) return error{errc::bad_state, 0};
    if (value.empty()) {
      reset();
      return error{errc::missing_vks, 0};
    }
    auto m = parse_authentication_info(value, alg_);
    if (!m) {
      reset();
      return m.error();
    }
    if (m->sid != sid_) {
      reset();
      return error{errc::server_auth_failed, 0};
    }
    const std::string expect = kam3::verifier_value(alg_, kam3::verifier::server, kc1_, ks1_, z_, nc_, vh_);
    if (!constant_time_equal(expect, m->vks)) {
      reset();
      return error{errc::server_auth_failed, 0};
    }
    state_ = st::authenticated;
    return {};
  }

  /// req-VFY-C for the next request of an authenticated session (nc + 1), or errc::bad_state.
  [[nodiscard]] result<std::string, errc> authorize() {
    if (state_ != st::authenticated) return error{errc::bad_state, 0};
    if (nc_max_ != 0 && nc_ >= nc_max_) {
      reset();
      return error{errc::nc_out_of_window, 0};
    }
    return vfy(nc_ + 1);
  }

  /// Forgets the session.
  void reset() {
    state_ = st::idle;
    sid_.clear();
    z_.clear();
    s_c1_.clear();
    nc_ = 0;
  }

 private:
  enum class st : std::uint8_t { idle, exchanging, verifying, authenticated };

  result<std::string, errc> start(const message& init) {
    reset();
    if (std::find(opts_.algorithms.begin(), opts_.algorithms.end(), init.alg) == opts_.algorithms.end())
      return error{errc::unknown_algorithm, 0};
    if (init.validation == validation_method::host) {
      vh_ = opts_.validation_host;
    } else {
      if (!opts_.channel_binding) return error{errc::missing_channel_binding, 0};
      vh_ = *opts_.channel_binding;
    }
    const std::string scope = init.auth_scope ? *init.auth_scope : opts_.host;
    if (!scope_covers(scope)) return error{errc::parameter_mismatch, 0};
    alg_ = init.alg;
    tmpl_ = init;
    pi_ = kam3::password_secret(alg_, scope, init.realm, opts_.user, opts_.password);
    s_c1_ = kam3::random_scalar(alg_, opts_.random);
    kc1_ = kam3::client_kc1(alg_, s_c1_);
    message m = tmpl_;
    m.kind = message_kind::kex_c1;
    m.user = opts_.user;
    m.kc1 = kc1_;
    auto s = build_request(m);
    if (!s) return s.error();
    state_ = st::exchanging;
    return s;
  }

  /**
   * True when `scope` covers the server this client talks to (RFC 8120 section 5): a
   * single-server scope "<scheme>://<host>[:<port>]" (default port omitted) equal to the URL's
   * origin, a single-host scope equal to the host, or a wildcard "*.<domain>" whose domain is
   * the host or a parent of it; a domain without a dot ("*.com") is refused. No host known:
   * not checked.
   */
  bool scope_covers(std::string_view scope) const {
    const std::string_view host = opts_.host;
    if (host.empty()) return true;
    if (scope.find("://") != std::string_view::npos) {
      // The origin: validation_host without a default port.
      std::string origin = opts_.validation_host;
      for (const char* dflt : {"http://", "https://"}) {
        const std::string suffix = std::string(dflt)[4] == 's' ? ":443" : ":80";
        if (origin.rfind(dflt, 0) == 0 && origin.size() > suffix.size() &&
            origin.compare(origin.size() - suffix.size(), suffix.size(), suffix) == 0)
          origin.resize(origin.size() - suffix.size());
      }
      return iequals(scope, origin);
    }
    if (scope.size() > 2 && scope[0] == '*' && scope[1] == '.') {
      const std::string_view dom = scope.substr(2);
      if (dom.find('.') == std::string_view::npos) return false;
      if (iequals(dom, host)) return true;
      return host.size() > dom.size() + 1 && host[host.size() - dom.size() - 1] == '.' &&
             iequals(host.substr(host.size() - dom.size()), dom);
    }
    return iequals(scope, host);
  }

  result<std::string, errc> on_kex_s1(const message& k) {
    if (state_ != st::exchanging) return error{errc::bad_state, 0};
    if (k.alg != alg_ || k.realm != tmpl_.realm) return error{errc::parameter_mismatch, 0};
    if (!kam3::client_exchange(alg_, kc1_, k.ks1, s_c1_, pi_, z_)) {
      reset();
      return error{errc::invalid_key, 0};
    }
    ks1_ = k.ks1;
    sid_ = k.sid;
    nc_max_ = k.nc_max;
    state_ = st::verifying;
    return vfy(1);
  }

  result<std::string, errc> vfy(std::uint64_t nc) {
    message m = tmpl_;
    m.kind = message_kind::vfy_c;
    m.sid = sid_;
    m.nc = nc;
    m.vkc = kam3::verifier_value(alg_, kam3::verifier::client, kc1_, ks1_, z_, nc, vh_);
    auto s = build_request(m);
    if (!s) return s.error();
    nc_ = nc;
    return s;
  }

  client_options opts_;
  st state_ = st::idle;
  algorithm alg_ = algorithm::ec_p256_sha256;
  message tmpl_;
  std::string vh_, pi_, s_c1_, kc1_, ks1_, z_, sid_;
  std::uint64_t nc_ = 0, nc_max_ = 0;
  std::string last_reason_;
};

}  // namespace mutual
}  // namespace v1
}  // namespace authwire

template <>
struct std::is_error_code_enum<authwire::mutual::errc> : std::true_type {};
