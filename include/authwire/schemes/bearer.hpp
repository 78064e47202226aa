// SPDX-License-Identifier: MIT
/**
 * @file schemes/bearer.hpp
 * @brief The Bearer scheme (RFC 6750), with step-up authentication (RFC 9470) and protected
 *        resource metadata (RFC 9728): token extraction from the Authorization header, the
 *        form-encoded body or the URI query, the challenge builder with the character sets
 *        RFC 6750 section 3 allows, and the server-side `bearer::handler` mapping token
 *        checks to 400 / 401 / 403.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <openssl/crypto.h>

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

namespace authwire {
inline namespace v1 {
namespace bearer {

/// Why a Bearer token or challenge was refused, or how a token check ended. Never reused.
enum class errc : std::uint8_t {
  ok = 0,
  not_bearer = 1,              ///< the credentials use another scheme
  malformed_credentials = 2,   ///< the value breaks the RFC 9110 credentials grammar
  missing_token = 3,           ///< `Bearer` with nothing after it
  unexpected_parameters = 4,   ///< `Bearer` followed by auth-params instead of a b64token
  bad_token = 5,               ///< a body or query token that is not a b64token (RFC 6750 section 2.1)
  too_long = 6,                ///< exceeds the configured length
  multiple_methods = 7,        ///< the token came by more than one method (RFC 6750 section 3.1)
  duplicate_access_token = 8,  ///< `access_token` twice in the query or the body
  empty_access_token = 9,      ///< `access_token=` with an empty value
  bad_percent_encoding = 10,   ///< a '%' not followed by two hex digits in the query or body
  bad_realm = 11,              ///< builder: realm with a CTL
  bad_scope = 12,              ///< builder: scope outside %x21 / %x23-5B / %x5D-7E, SP-separated
  bad_error_description = 13,  ///< builder: outside %x20-21 / %x23-5B / %x5D-7E
  bad_error_uri = 14,          ///< builder: not an absolute URI of %x21 / %x23-5B / %x5D-7E
  duplicate_attribute = 15,    ///< builder: an attribute set twice
  bad_acr_values = 16,         ///< builder: acr_values outside the scope character set
  bad_resource_metadata = 17,  ///< builder: resource_metadata not an absolute URI
  bad_attribute = 18,          ///< builder: an extension attribute with a bad name or value
  token_invalid = 19,          ///< the token check said invalid
  token_expired = 20,          ///< the token check said expired
  token_revoked = 21,          ///< the token check said revoked
  insufficient_scope = 22,     ///< the token lacks a required scope
  insufficient_user_authentication = 23,  ///< acr or max_age not met (RFC 9470)
};

/// The enumerator's name as spelled in the source.
constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::not_bearer: return "not_bearer";
    case errc::malformed_credentials: return "malformed_credentials";
    case errc::missing_token: return "missing_token";
    case errc::unexpected_parameters: return "unexpected_parameters";
    case errc::bad_token: return "bad_token";
    case errc::too_long: return "too_long";
    case errc::multiple_methods: return "multiple_methods";
    case errc::duplicate_access_token: return "duplicate_access_token";
    case errc::empty_access_token: return "empty_access_token";
    case errc::bad_percent_encoding: return "bad_percent_encoding";
    case errc::bad_realm: return "bad_realm";
    case errc::bad_scope: return "bad_scope";
    case errc::bad_error_description: return "bad_error_description";
    case errc::bad_error_uri: return "bad_error_uri";
    case errc::duplicate_attribute: return "duplicate_attribute";
    case errc::bad_acr_values: return "bad_acr_values";
    case errc::bad_resource_metadata: return "bad_resource_metadata";
    case errc::bad_attribute: return "bad_attribute";
    case errc::token_invalid: return "token_invalid";
    case errc::token_expired: return "token_expired";
    case errc::token_revoked: return "token_revoked";
    case errc::insufficient_scope: return "insufficient_scope";
    case errc::insufficient_user_authentication: return "insufficient_user_authentication";
  }
  return "unknown";
}

/// A short English description (never includes any input).
constexpr std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::ok: return "no error";
    case errc::not_bearer: return "the credentials are not Bearer credentials";
    case errc::malformed_credentials: return "the credentials value is malformed";
    case errc::missing_token: return "Bearer credentials without a token";
    case errc::unexpected_parameters: return "Bearer credentials carry auth-params instead of a token";
    case errc::bad_token: return "the access token is not a b64token";
    case errc::too_long: return "the access token is too long";
    case errc::multiple_methods: return "the access token was sent by more than one method";
    case errc::duplicate_access_token: return "access_token appears more than once";
    case errc::empty_access_token: return "access_token is empty";
    case errc::bad_percent_encoding: return "bad percent-encoding";
    case errc::bad_realm: return "the realm cannot be sent in a challenge";
    case errc::bad_scope: return "a scope token has a character RFC 6749 section 3.3 does not allow";
    case errc::bad_error_description: return "error_description has a character RFC 6750 section 3 does not allow";
    case errc::bad_error_uri: return "error_uri is not an absolute URI of allowed characters";
    case errc::duplicate_attribute: return "a challenge attribute appears more than once";
    case errc::bad_acr_values: return "acr_values has a character that is not allowed";
    case errc::bad_resource_metadata: return "resource_metadata is not an absolute URI of allowed characters";
    case errc::bad_attribute: return "an extension attribute cannot be sent";
    case errc::token_invalid: return "the access token is invalid";
    case errc::token_expired: return "the access token expired";
    case errc::token_revoked: return "the access token was revoked";
    case errc::insufficient_scope: return "the access token lacks a required scope";
    case errc::insufficient_user_authentication: return "a stronger or more recent user authentication is required";
  }
  return "unknown error";
}

/// The error category "authwire.bearer".
inline const std::error_category& category() noexcept {
  static const authwire::detail::enum_category<errc> c("authwire.bearer");
  return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

/// The `error` attribute values of RFC 6750 section 3.1 and RFC 9470 section 3.
enum class error_code : std::uint8_t {
  none,
  invalid_request,                   ///< 400
  invalid_token,                     ///< 401
  insufficient_scope,                ///< 403
  insufficient_user_authentication,  ///< 401 (RFC 9470)
};

/// The error code as sent in `error="..."` (empty for none).
constexpr std::string_view to_string(error_code e) noexcept {
  switch (e) {
    case error_code::none: return "";
    case error_code::invalid_request: return "invalid_request";
    case error_code::invalid_token: return "invalid_token";
    case error_code::insufficient_scope: return "insufficient_scope";
    case error_code::insufficient_user_authentication: return "insufficient_user_authentication";
  }
  return "";
}

/// The HTTP status an error code goes with (RFC 6750 section 3.1, RFC 9470 section 3).
constexpr int status_of(error_code e) noexcept {
  switch (e) {
    case error_code::none: return 401;
    case error_code::invalid_request: return 400;
    case error_code::invalid_token: return 401;
    case error_code::insufficient_scope: return 403;
    case error_code::insufficient_user_authentication: return 401;
  }
  return 401;
}

/// The error code for a parse or check failure.
constexpr error_code error_code_of(errc e) noexcept {
  switch (e) {
    case errc::ok: return error_code::none;
    case errc::token_invalid:
    case errc::token_expired:
    case errc::token_revoked: return error_code::invalid_token;
    case errc::insufficient_scope: return error_code::insufficient_scope;
    case errc::insufficient_user_authentication: return error_code::insufficient_user_authentication;
    default: return error_code::invalid_request;
  }
}

/// Where a token came from.
enum class token_source : std::uint8_t {
  authorization_header,  ///< RFC 6750 section 2.1
  form_body,             ///< RFC 6750 section 2.2
  uri_query,             ///< RFC 6750 section 2.3
};

/// One received access token. A secret: wiped on destruction, never printed.
class credentials {
 public:
  credentials() = default;
  credentials(std::string token, token_source src) : token_(std::move(token)), source_(src) {}
  credentials(const credentials&) = default;
  credentials(credentials&&) noexcept = default;
  credentials& operator=(const credentials&) = default;
  credentials& operator=(credentials&&) noexcept = default;
  ~credentials() {
    if (!token_.empty()) OPENSSL_cleanse(token_.data(), token_.size());
  }
  /// The token. Compare with constant_time_equal; never log it.
  const std::string& token() const noexcept { return token_; }
  token_source source() const noexcept { return source_; }

 private:
  std::string token_;
  token_source source_ = token_source::authorization_header;
};

/**
 * True when `t` is a b64token.
 * @par Grammar (RFC 6750 section 2.1)
 * @code
 *   b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 * @endcode
 */
constexpr bool is_b64token(std::string_view t) noexcept {
  std::size_t i = 0;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  if (i == 0) return false;
  for (; i < t.size(); ++i)
    if (t[i] != '=') return false;
  return true;
}

/// Options of `bearer::parse` and `bearer::find_token`.
struct parse_options {
  std::size_t max_length = 8192;  ///< the longest Authorization value or token accepted
  bool allow_form_body = false;   ///< accept `access_token` in a form-encoded body (RFC 6750 section 2.2)
  bool allow_query = false;       ///< accept `access_token` in the URI query (RFC 6750 section 2.3)
};

/**
 * Parses one `Authorization` value holding a Bearer token.
 *
 * @par Grammar (RFC 6750 section 2.1)
 * @code
 *   credentials = "Bearer" 1*SP b64token
 * @endcode
 * @return the token, or not_bearer, malformed_credentials, missing_token,
 *         unexpected_parameters, too_long, with a byte offset into `authorization`.
 */
[[nodiscard]] inline result<credentials, errc> parse(std::string_view authorization, const parse_options& opts = {}) {
  using err = basic_error<errc>;
  if (authorization.size() > opts.max_length) return err{errc::too_long, opts.max_length};
  auto c = parse_credentials(authorization);
  if (!c) {
    const auto [scheme, at] = leading_scheme(authorization);
    if (!iequals(scheme, "Bearer")) return err{errc::not_bearer, at};
    return err{errc::malformed_credentials, c.offset()};
  }
  if (!c->is("Bearer")) return err{errc::not_bearer, c->view().scheme_offset};
  if (!c->has_token68()) {
    if (c->params().size() > 0) return err{errc::unexpected_parameters, c->params().begin()->name_offset};
    return err{errc::missing_token, authorization.size()};
  }
  // token68 and b64token are the same grammar (RFC 9110 section 11.2, RFC 6750 section 2.1).
  return credentials(std::string(c->token68()), token_source::authorization_header);
}

namespace detail {
// application/x-www-form-urlencoded decoding of one name or value: '+' is SP, %XX a byte.
inline result<void, errc> form_decode(std::string& out, std::string_view s, std::size_t base) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size()) return basic_error<errc>{errc::bad_percent_encoding, base + i};
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return basic_error<errc>{errc::bad_percent_encoding, base + i};
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return {};
}

// Finds `access_token` in a form-encoded string. Sets `found` when present once; the offset
// of errors is `base` + the index into `s`.
inline result<void, errc> find_access_token(std::string_view s, std::size_t base, std::optional<std::string>& found,
                                            std::size_t& found_at) {
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t amp = s.find('&', pos);
    if (amp == std::string_view::npos) amp = s.size();
    const std::string_view pair = s.substr(pos, amp - pos);
    const std::size_t eq = pair.find('=');
    std::string name;
    if (auto r = form_decode(name, pair.substr(0, eq), base + pos); !r) return r;
    if (name == "access_token") {
      if (found) return basic_error<errc>{errc::duplicate_access_token, base + pos};
      std::string value;
      if (eq != std::string_view::npos)
        if (auto r = form_decode(value, pair.substr(eq + 1), base + pos + eq + 1); !r) return r;
      found = std::move(value);
      found_at = base + pos;
    }
    pos = amp + 1;
  }
  return {};
}

inline bool is_form_request(const request_view& req) noexcept {
  if (!req.has_body || req.method == "GET" || req.method == "HEAD") return false;
  const auto ct = req.header("Content-Type");
  if (!ct) return false;
  std::string_view v = *ct;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  const std::string_view type = "application/x-www-form-urlencoded";
  if (v.size() < type.size() || !iequals(v.substr(0, type.size()), type)) return false;
  const std::string_view rest = v.substr(type.size());
  return rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t';
}
}  // namespace detail

/**
 * Finds the access token of a request: the Authorization value given (whole, may be empty),
 * and, when the options allow them, `access_token` in a form-encoded body (method not GET,
 * `Content-Type: application/x-www-form-urlencoded`) and in the URI query.
 *
 * @return nullopt when no method carries a token; the token; or multiple_methods,
 *   duplicate_access_token, empty_access_token, bad_percent_encoding, bad_token (offsets into
 *   the query or the body), or an error of `parse` for the header.
 */
[[nodiscard]] inline result<std::optional<credentials>, errc> find_token(const request_view& req,
                                                                         std::string_view authorization,
                                                                         const parse_options& opts = {}) {
  using err = basic_error<errc>;
  std::optional<std::string> q, b;
  std::size_t q_at = 0, b_at = 0;
  if (opts.allow_query)
    if (auto r = detail::find_access_token(req.query(), 0, q, q_at); !r) return r.error();
  if (opts.allow_form_body && detail::is_form_request(req))
    if (auto r = detail::find_access_token(req.body, 0, b, b_at); !r) return r.error();
  const int methods = (authorization.empty() ? 0 : 1) + (q ? 1 : 0) + (b ? 1 : 0);
  std::optional<credentials> out;
  if (methods > 1) return err{errc::multiple_methods, 0};
  if (!authorization.empty()) {
    auto p = parse(authorization, opts);
    if (!p) return p.error();
    out = std::move(*p);
    return out;
  }
  std::optional<std::string>& v = q ? q : b;
  if (!v) return out;
  const std::size_t at = q ? q_at : b_at;
  const token_source src = q ? token_source::uri_query : token_source::form_body;
  if (v->empty()) return err{errc::empty_access_token, at};
  if (v->size() > opts.max_length) return err{errc::too_long, at};
  if (!is_b64token(*v)) {
    OPENSSL_cleanse(v->data(), v->size());
    return err{errc::bad_token, at};
  }
  out = credentials(std::move(*v), src);
  return out;
}

namespace detail {
// scope-token = 1*NQCHAR without SP: %x21 / %x23-5B / %x5D-7E (RFC 6749 section 3.3)
constexpr bool is_nqchar_nosp(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}
// Space-separated list of 1*( %x21 / %x23-5B / %x5D-7E ); npos when valid.
constexpr std::size_t token_list_error(std::string_view s) noexcept {
  if (s.empty()) return 0;
  bool after_sp = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ') {
      if (after_sp) return i;  // leading or double SP: an empty scope-token
      after_sp = true;
    } else if (!is_nqchar_nosp(s[i])) {
      return i;
    } else {
      after_sp = false;
    }
  }
  return after_sp ? s.size() - 1 : std::string_view::npos;
}
// error / error_description: %x20-21 / %x23-5B / %x5D-7E
constexpr std::size_t description_error(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] != ' ' && !is_nqchar_nosp(s[i])) return i;
  return std::string_view::npos;
}
// An absolute URI (RFC 3986 section 4.3: scheme ":" ...) of %x21 / %x23-5B / %x5D-7E.
constexpr std::size_t uri_error(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!is_nqchar_nosp(s[i])) return i;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (s.empty() || !alpha(s[0])) return 0;
  std::size_t i = 1;
  while (i < s.size() && (alpha(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.')) ++i;
  if (i >= s.size() || s[i] != ':') return i;
  return std::string_view::npos;
}
}  // namespace detail

/**
 * Builds a Bearer challenge. Attributes come out in a fixed order: realm, scope, error,
 * error_description, error_uri, acr_values, max_age, resource_metadata, then extension
 * attributes in the order added. Every value is a quoted-string. Each attribute may be set
 * once (RFC 6750 section 3: "MUST NOT appear more than once").
 *
 * @par Grammar (RFC 6750 section 3, RFC 6749 section 3.3, RFC 9470 section 3, RFC 9728 section 5.1)
 * @code
 *   scope             = scope-token *( SP scope-token )
 *   scope-token       = 1*( %x21 / %x23-5B / %x5D-7E )
 *   error             = 1*( %x20-21 / %x23-5B / %x5D-7E )
 *   error_description = 1*( %x20-21 / %x23-5B / %x5D-7E )
 *   error_uri         = absolute URI of 1*( %x21 / %x23-5B / %x5D-7E )
 *   acr_values        = space-separated ACR values (scope-token characters)
 *   max_age           = 1*DIGIT                     ; seconds
 *   resource_metadata = absolute URI                ; RFC 9728 section 5.1
 * @endcode
 *
 * @code
 *   auto c = authwire::bearer::challenge_builder()
 *                .realm("example").error(authwire::bearer::error_code::invalid_token)
 *                .error_description("The access token expired").str();
 *   // Bearer realm="example", error="invalid_token", error_description="The access token expired"
 * @endcode
 */
class challenge_builder {
 public:
  challenge_builder& realm(std::string_view v) { return set(realm_, v, errc::ok); }
  /// The scope as one space-separated string.
  challenge_builder& scope(std::string_view v) { return set(scope_, v, errc::bad_scope); }
  /// The scope from separate scope-tokens.
  challenge_builder& scope(const std::vector<std::string>& tokens) { return set(scope_, join(tokens), errc::bad_scope); }
  challenge_builder& error(error_code e) {
    if (e == error_code::none) return *this;
    return set(error_, to_string(e), errc::ok);
  }
  challenge_builder& error_description(std::string_view v) { return set(description_, v, errc::bad_error_description); }
  challenge_builder& error_uri(std::string_view v) { return set(uri_, v, errc::bad_error_uri); }
  challenge_builder& acr_values(std::string_view v) { return set(acr_, v, errc::bad_acr_values); }
  challenge_builder& acr_values(const std::vector<std::string>& v) { return set(acr_, join(v), errc::bad_acr_values); }
  challenge_builder& max_age(std::uint64_t seconds) { return set(max_age_, std::to_string(seconds), errc::ok); }
  challenge_builder& resource_metadata(std::string_view v) { return set(metadata_, v, errc::bad_resource_metadata); }
  /// An extension attribute (a token name, any value without CTLs), quoted.
  challenge_builder& param(std::string_view name, std::string_view value) {
    for (const auto& [n, v] : extra_)
      if (iequals(n, name)) return fail(errc::duplicate_attribute, 0);
    for (std::string_view known : {"realm", "scope", "error", "error_description", "error_uri", "acr_values", "max_age",
                                   "resource_metadata"})
      if (iequals(known, name)) return fail(errc::duplicate_attribute, 0);
    extra_.emplace_back(std::string(name), std::string(value));
    return *this;
  }

  /// The challenge, or the first error: the errc of the attribute and an offset into its value.
  [[nodiscard]] result<std::string, errc> str() const {
    if (err_.code != errc::ok) return err_;
    if (scope_)
      if (auto k = detail::token_list_error(*scope_); k != std::string_view::npos) return basic_error<errc>{errc::bad_scope, k};
    if (description_)
      if (auto k = detail::description_error(*description_); k != std::string_view::npos || description_->empty())
        return basic_error<errc>{errc::bad_error_description, description_->empty() ? 0 : k};
    if (uri_)
      if (auto k = detail::uri_error(*uri_); k != std::string_view::npos) return basic_error<errc>{errc::bad_error_uri, k};
    if (acr_)
      if (auto k = detail::token_list_error(*acr_); k != std::string_view::npos)
        return basic_error<errc>{errc::bad_acr_values, k};
    if (metadata_)
      if (auto k = detail::uri_error(*metadata_); k != std::string_view::npos)
        return basic_error<errc>{errc::bad_resource_metadata, k};
    authwire::challenge_builder b("Bearer");
    const std::pair<const char*, const std::optional<std::string>*> fixed[] = {
        {"realm", &realm_},          {"scope", &scope_},       {"error", &error_},     {"error_description", &description_},
        {"error_uri", &uri_},        {"acr_values", &acr_},    {"max_age", &max_age_}, {"resource_metadata", &metadata_}};
    for (const auto& [name, value] : fixed) {
      if (!*value) continue;
      b.param(name, **value, quoting::always);
      if (!b.ok()) {
        auto s = b.str();
        return basic_error<errc>{std::string_view(name) == "realm" ? errc::bad_realm : errc::bad_attribute, s.offset()};
      }
    }
    for (const auto& [name, value] : extra_) {
      b.param(name, value, quoting::always);
      if (!b.ok()) return basic_error<errc>{errc::bad_attribute, b.str().offset()};
    }
    auto s = b.str();
    if (!s) return basic_error<errc>{errc::bad_attribute, s.offset()};
    return std::move(*s);
  }

 private:
  challenge_builder& fail(errc e, std::size_t off) {
    if (err_.code == errc::ok) err_ = {e, off};
    return *this;
  }
  challenge_builder& set(std::optional<std::string>& slot, std::string_view v, errc) {
    if (slot) return fail(errc::duplicate_attribute, 0);
    slot = std::string(v);
    return *this;
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& t : v) {
      if (!s.empty()) s += ' ';
      s += t;
    }
    return s;
  }

  basic_error<errc> err_{errc::ok, 0};
  std::optional<std::string> realm_, scope_, error_, description_, uri_, acr_, max_age_, metadata_;
  std::vector<std::pair<std::string, std::string>> extra_;
};

/// The outcome of the application's token check.
enum class token_status : std::uint8_t { valid, invalid, expired, revoked };

/// What the application knows about a token.
struct token_info {
  token_status status = token_status::invalid;
  std::string subject;              ///< the identity (becomes the decision's identity)
  std::vector<std::string> scopes;  ///< the granted scopes
  std::string acr;                  ///< the authentication context class of the user's login (RFC 9470)
  std::optional<std::int64_t> auth_time;  ///< Unix seconds of the user's login (RFC 9470 max_age)

  static token_info valid(std::string subject, std::vector<std::string> scopes = {}) {
    token_info t;
    t.status = token_status::valid;
    t.subject = std::move(subject);
    t.scopes = std::move(scopes);
    return t;
  }
  static token_info invalid() { return {}; }
  static token_info expired() {
    token_info t;
    t.status = token_status::expired;
    return t;
  }
  static token_info revoked() {
    token_info t;
    t.status = token_status::revoked;
    return t;
  }
};

/// The application's token check: introspection, a JWT library, a database.
using token_validator = std::function<token_info(std::string_view token)>;

/// What a resource needs from a token (RFC 6750 scope, RFC 9470 acr and max_age).
struct requirements {
  std::vector<std::string> scopes;      ///< every one must be granted
  std::vector<std::string> acr_values;  ///< one must match the token's acr; empty: any
  std::optional<std::int64_t> max_age;  ///< the longest time since auth_time, in seconds
  std::int64_t max_clock_skew = 60;     ///< how far in the future an auth_time may lie
};

/**
 * Judges a token check's answer against what the resource needs, at time `now`.
 * @return errc::ok; token_invalid, token_expired or token_revoked (from `info.status`);
 *         insufficient_scope (a scope missing); insufficient_user_authentication (acr not
 *         among `acr_values`, or auth_time missing, too old or in the future beyond the skew).
 */
inline errc verify(const token_info& info, const requirements& need, std::int64_t now) noexcept {
  switch (info.status) {
    case token_status::valid: break;
    case token_status::invalid: return errc::token_invalid;
    case token_status::expired: return errc::token_expired;
    case token_status::revoked: return errc::token_revoked;
  }
  for (const auto& s : need.scopes) {
    bool have = false;
    for (const auto& g : info.scopes) have = have || g == s;
    if (!have) return errc::insufficient_scope;
  }
  bool acr_ok = need.acr_values.empty();
  for (const auto& a : need.acr_values) acr_ok = acr_ok || a == info.acr;
  if (!acr_ok) return errc::insufficient_user_authentication;
  if (need.max_age) {
    if (!info.auth_time || now - *info.auth_time > *need.max_age || *info.auth_time > now + need.max_clock_skew)
      return errc::insufficient_user_authentication;
  }
  return errc::ok;
}

/// Options of `bearer::handler`.
struct options {
  std::string realm = "authwire";            ///< sent in every challenge
  std::vector<std::string> required_scopes;  ///< every one is needed (403 insufficient_scope otherwise)
  /// Per-request scopes instead of `required_scopes`, when set.
  std::function<std::vector<std::string>(const request_view&)> required_scopes_for;
  std::vector<std::string> acr_values;       ///< acceptable acr values, most preferred first; empty: any
  std::optional<std::int64_t> max_age;       ///< the longest time since auth_time, in seconds (RFC 9470)
  std::string resource_metadata;             ///< RFC 9728 metadata URL, added to every challenge when set
  bool allow_form_body = false;              ///< RFC 6750 section 2.2
  bool allow_query = false;                  ///< RFC 6750 section 2.3 (leaks tokens into logs: avoid)
  bool error_descriptions = true;            ///< add error_description to error challenges
  std::size_t max_length = 8192;             ///< longest Authorization value / token
  clock_fn clock = system_clock();           ///< for max_age
};

/**
 * The server side of Bearer, for an `authenticator`. Status table (RFC 6750 section 3.1,
 * RFC 9470 section 3): no token -> 401 `Bearer realm=...` without error; malformed or several
 * methods -> 400 `error="invalid_request"`; invalid, expired or revoked -> 401
 * `error="invalid_token"`; a required scope missing -> 403 `error="insufficient_scope"` with
 * `scope`; acr or max_age not met -> 401 `error="insufficient_user_authentication"` with
 * `acr_values` / `max_age`. The verdict reason is the errc name.
 */
class handler final : public scheme_handler {
 public:
  handler(options o, token_validator check) : opts_(std::move(o)), check_(std::move(check)) {
    plain_ = base().str();
  }

  std::string_view scheme() const noexcept override { return "Bearer"; }
  void challenges(const request_view&, std::vector<std::string>& out) override {
    if (plain_) out.push_back(*plain_);
  }
  bool has_other_credentials(const request_view& req) const override {
    std::optional<std::string> t;
    std::size_t at = 0;
    if (opts_.allow_query) {
      auto r = detail::find_access_token(req.query(), 0, t, at);
      if (!r || t) return true;
    }
    if (opts_.allow_form_body && detail::is_form_request(req)) {
      auto r = detail::find_access_token(req.body, 0, t, at);
      if (!r || t) return true;
    }
    return false;
  }

  verdict verify(const request_view& req, std::string_view authorization) override {
    parse_options po;
    po.allow_form_body = opts_.allow_form_body;
    po.allow_query = opts_.allow_query;
    po.max_length = opts_.max_length;
    auto t = find_token(req, authorization, po);
    if (!t) return refuse(t.code());
    if (!*t) return verdict::make(verdict_kind::unauthorized, "missing_token");
    const token_info info = check_ ? check_((*t)->token()) : token_info::invalid();
    requirements need;
    need.scopes = opts_.required_scopes_for ? opts_.required_scopes_for(req) : opts_.required_scopes;
    need.acr_values = opts_.acr_values;
    need.max_age = opts_.max_age;
    const errc e = bearer::verify(info, need, opts_.clock ? opts_.clock() : 0);
    if (e != errc::ok) return refuse(e, &need.scopes);
    return verdict::allow(info.subject);
  }

  const options& config() const noexcept { return opts_; }

 private:
  challenge_builder base() const {
    challenge_builder b;
    b.realm(opts_.realm);
    if (!opts_.resource_metadata.empty()) b.resource_metadata(opts_.resource_metadata);
    return b;
  }

  verdict refuse(errc e, const std::vector<std::string>* scopes = nullptr) const {
    const error_code ec = error_code_of(e);
    challenge_builder b = base();
    b.error(ec);
    if (opts_.error_descriptions) b.error_description(describe(e));
    if (ec == error_code::insufficient_scope && scopes && !scopes->empty()) b.scope(*scopes);
    if (ec == error_code::insufficient_user_authentication) {
      if (!opts_.acr_values.empty()) b.acr_values(opts_.acr_values);
      if (opts_.max_age && *opts_.max_age >= 0) b.max_age(static_cast<std::uint64_t>(*opts_.max_age));
    }
    std::vector<std::string> ch;
    if (auto s = b.str()) ch.push_back(std::move(*s));
    const verdict_kind k = ec == error_code::invalid_request      ? verdict_kind::bad_request
                           : ec == error_code::insufficient_scope ? verdict_kind::forbidden
                                                                  : verdict_kind::unauthorized;
    return verdict::make(k, std::string(to_string(e)), std::move(ch));
  }

  options opts_;
  token_validator check_;
  result<std::string, errc> plain_{basic_error<errc>{errc::bad_realm, 0}};
};

}  // namespace bearer
}  // namespace v1
}  // namespace authwire

template <>
struct std::is_error_code_enum<authwire::bearer::errc> : std::true_type {};
