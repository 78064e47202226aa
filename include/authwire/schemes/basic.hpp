// SPDX-License-Identifier: MIT
/**
 * @file schemes/basic.hpp
 * @brief The Basic scheme (RFC 7617): strict parsing of `Basic <base64(user-id ":" password)>`,
 *        the challenge builder, the client-side credentials builder, a strict UTF-8 check,
 *        constant-time verification, and the server-side `basic::handler`.
 *
 * Password hashes (htpasswd: bcrypt, apr1, SHA-crypt, {SHA}) are verified by
 * `authwire/htpasswd.hpp`, which needs libcrypt and is therefore a separate header and a
 * separate CMake target (`authwire::htpasswd`).
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

#include <openssl/crypto.h>

#include "../challenge.hpp"
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
namespace basic {

/// Why Basic credentials or a Basic challenge were refused. Values are never reused.
enum class errc : std::uint8_t {
  ok = 0,
  not_basic = 1,              ///< the credentials use another scheme
  malformed_credentials = 2,  ///< the value breaks the RFC 9110 credentials grammar
  missing_token68 = 3,        ///< `Basic` with nothing after it
  unexpected_parameters = 4,  ///< `Basic` followed by auth-params instead of a token68
  bad_base64 = 5,             ///< the token68 is not strict RFC 4648 section 4 base64
  missing_colon = 6,          ///< the decoded user-pass has no ':' (RFC 7617 section 2)
  control_in_user = 7,        ///< a control character in the user-id (RFC 7617 section 2)
  control_in_password = 8,    ///< a control character in the password (RFC 7617 section 2)
  invalid_utf8_user = 9,      ///< charset="UTF-8" was announced and the user-id is not UTF-8
  invalid_utf8_password = 10, ///< charset="UTF-8" was announced and the password is not UTF-8
  too_long = 11,              ///< the value exceeds parse_options::max_length
  colon_in_user = 12,         ///< builder: a user-id must not contain ':'
  bad_realm = 13,             ///< builder: the realm cannot be sent (CTL, or not quotable)
  wrong_credentials = 14,     ///< verification: unknown user or wrong password (one code for both)
};

/// The enumerator's name as spelled in the source.
constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::not_basic: return "not_basic";
    case errc::malformed_credentials: return "malformed_credentials";
    case errc::missing_token68: return "missing_token68";
    case errc::unexpected_parameters: return "unexpected_parameters";
    case errc::bad_base64: return "bad_base64";
    case errc::missing_colon: return "missing_colon";
    case errc::control_in_user: return "control_in_user";
    case errc::control_in_password: return "control_in_password";
    case errc::invalid_utf8_user: return "invalid_utf8_user";
    case errc::invalid_utf8_password: return "invalid_utf8_password";
    case errc::too_long: return "too_long";
    case errc::colon_in_user: return "colon_in_user";
    case errc::bad_realm: return "bad_realm";
    case errc::wrong_credentials: return "wrong_credentials";
  }
  return "unknown";
}

/// A short English description (never includes any input).
constexpr std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::ok: return "no error";
    case errc::not_basic: return "the credentials are not Basic credentials";
    case errc::malformed_credentials: return "the credentials value is malformed";
    case errc::missing_token68: return "Basic credentials without the base64 user-pass";
    case errc::unexpected_parameters: return "Basic credentials carry auth-params instead of a token68";
    case errc::bad_base64: return "the user-pass is not strict base64";
    case errc::missing_colon: return "the decoded user-pass has no colon";
    case errc::control_in_user: return "the user-id contains a control character";
    case errc::control_in_password: return "the password contains a control character";
    case errc::invalid_utf8_user: return "the user-id is not valid UTF-8";
    case errc::invalid_utf8_password: return "the password is not valid UTF-8";
    case errc::too_long: return "the credentials are too long";
    case errc::colon_in_user: return "a user-id must not contain a colon";
    case errc::bad_realm: return "the realm cannot be sent in a challenge";
    case errc::wrong_credentials: return "unknown user or wrong password";
  }
  return "unknown error";
}

/// The error category "authwire.basic".
inline const std::error_category& category() noexcept {
  static const authwire::detail::enum_category<errc> c("authwire.basic");
  return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

namespace detail {
// CTL = %x00-1F / %x7F (RFC 5234 B.1); with UTF-8 also the C1 controls U+0080-U+009F
// (RFC 7617 section 2.1 refers to Net-Unicode / PRECIS, which exclude them).
inline std::size_t control_offset(std::string_view s, bool utf8) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return i;
    if (utf8 && c == 0xC2 && i + 1 < s.size()) {
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if (d >= 0x80 && d <= 0x9F) return i;
    }
  }
  return std::string_view::npos;
}
}  // namespace detail

/**
 * Decoded Basic credentials: the user-id and the password. Owns both; the password is
 * wiped on destruction and no formatter or error message of the library ever prints it.
 */
class credentials {
 public:
  credentials() = default;
  credentials(std::string user, std::string password) : user_(std::move(user)), password_(std::move(password)) {}
  credentials(const credentials&) = default;
  credentials(credentials&&) noexcept = default;
  credentials& operator=(const credentials&) = default;
  credentials& operator=(credentials&&) noexcept = default;
  ~credentials() {
    if (!password_.empty()) OPENSSL_cleanse(password_.data(), password_.size());
  }

  /// The user-id as decoded.
  const std::string& user() const noexcept { return user_; }
  /// The password as decoded. A secret: compare it with constant_time_equal, never log it.
  const std::string& password() const noexcept { return password_; }

 private:
  std::string user_;
  std::string password_;
};

/// Options of `basic::parse`.
struct parse_options {
  /// Require well-formed UTF-8 in user-id and password (the server announced charset="UTF-8").
  bool require_utf8 = false;
  /// The longest Authorization value accepted.
  std::size_t max_length = 4096;
};

/**
 * Parses one `Authorization` (or `Proxy-Authorization`) value holding Basic credentials.
 * The scheme is matched case-insensitively; the token68 must be strict base64 (standard
 * alphabet, exact padding, zero pad bits, no whitespace); the decoded octets are split at
 * the first ':'; control characters are refused; with `require_utf8`, so is malformed UTF-8.
 *
 * @par Grammar (RFC 7617 section 2, RFC 9110 section 11.4)
 * @code
 *   credentials = "Basic" 1*SP token68
 *   user-pass   = user-id ":" password
 *   user-id     = *( %x20-39 / %x3B-7E / obs-text )   ; no CTL, no ":"
 *   password    = *( %x20-7E / obs-text )             ; no CTL
 * @endcode
 *
 * @return the decoded credentials, or an error whose offset is a byte index:
 *   - into `authorization` for not_basic, malformed_credentials, missing_token68,
 *     unexpected_parameters, bad_base64 and too_long;
 *   - into the decoded user-pass octets for missing_colon (its length),
 *     control_in_user / control_in_password and invalid_utf8_user / invalid_utf8_password.
 *
 * @code
 *   auto c = authwire::basic::parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
 *   // c->user() == "Aladdin", c->password() == "open sesame"
 * @endcode
 */
[[nodiscard]] inline result<credentials, errc> parse(std::string_view authorization, const parse_options& opts = {}) {
  using err = basic_error<errc>;
  if (authorization.size() > opts.max_length) return err{errc::too_long, opts.max_length};
  auto c = parse_credentials(authorization);
  if (!c) {
    // Tell "another scheme" apart from "broken": a broken value that starts with Basic is ours.
    const auto [scheme, at] = leading_scheme(authorization);
    if (!iequals(scheme, "Basic")) return err{errc::not_basic, at};
    return err{errc::malformed_credentials, c.offset()};
  }
  if (!c->is("Basic")) return err{errc::not_basic, c->view().scheme_offset};
  if (!c->has_token68()) {
    if (c->params().size() > 0) return err{errc::unexpected_parameters, c->params().begin()->name_offset};
    return err{errc::missing_token68, authorization.size()};
  }
  const std::string_view t = c->token68();
  const auto t_off = static_cast<std::size_t>(t.data() - authorization.data());
  std::string user_pass;
  if (auto d = base64_decode(user_pass, t); !d) return err{errc::bad_base64, t_off + d.offset()};
  credentials out;
  const auto colon = user_pass.find(':');
  if (colon == std::string::npos) {
    OPENSSL_cleanse(user_pass.data(), user_pass.size());
    return err{errc::missing_colon, user_pass.size()};
  }
  const std::string_view up = user_pass;
  const std::string_view user = up.substr(0, colon), pass = up.substr(colon + 1);
  std::optional<err> failure;
  if (auto k = detail::control_offset(user, opts.require_utf8); k != std::string_view::npos) {
    failure = err{errc::control_in_user, k};
  } else if (auto p = detail::control_offset(pass, opts.require_utf8); p != std::string_view::npos) {
    failure = err{errc::control_in_password, colon + 1 + p};
  } else if (opts.require_utf8) {
    if (auto u = utf8_error_offset(user); u != std::string_view::npos)
      failure = err{errc::invalid_utf8_user, u};
    else if (auto q = utf8_error_offset(pass); q != std::string_view::npos)
      failure = err{errc::invalid_utf8_password, colon + 1 + q};
  }
  if (!failure) out = credentials(std::string(user), std::string(pass));
  OPENSSL_cleanse(user_pass.data(), user_pass.size());
  if (failure) return *failure;
  return out;
}

/**
 * Builds a Basic challenge: `Basic realm="..."` and, when `utf8`, `, charset="UTF-8"`.
 * The realm is always a quoted-string (RFC 7617 section 2 requires realm).
 *
 * @par Grammar (RFC 7617 section 2 and 2.1)
 * @code
 *   challenge = "Basic" 1*SP "realm" "=" quoted-string [ "," "charset" "=" "UTF-8" ]
 * @endcode
 * @return the challenge, or errc::bad_realm (offset into the realm) for a realm holding a CTL.
 */
[[nodiscard]] inline result<std::string, errc> challenge(std::string_view realm, bool utf8 = false) {
  challenge_builder b("Basic");
  b.param("realm", realm, quoting::always);
  if (utf8) b.param("charset", "UTF-8", quoting::always);
  auto s = b.str();
  if (!s) return basic_error<errc>{errc::bad_realm, s.offset()};
  return std::move(*s);
}

/**
 * Client side: builds the `Authorization` value `Basic base64(user ":" password)`.
 * @return errc::colon_in_user / control_in_user / control_in_password (offset into the user
 *         or the password), invalid_utf8_user / invalid_utf8_password when `utf8` is asked.
 */
[[nodiscard]] inline result<std::string, errc> authorization(std::string_view user, std::string_view password,
                                                             bool utf8 = false) {
  using err = basic_error<errc>;
  if (auto k = user.find(':'); k != std::string_view::npos) return err{errc::colon_in_user, k};
  if (auto k = detail::control_offset(user, utf8); k != std::string_view::npos) return err{errc::control_in_user, k};
  if (auto k = detail::control_offset(password, utf8); k != std::string_view::npos)
    return err{errc::control_in_password, k};
  if (utf8) {
    if (auto k = utf8_error_offset(user); k != std::string_view::npos) return err{errc::invalid_utf8_user, k};
    if (auto k = utf8_error_offset(password); k != std::string_view::npos) return err{errc::invalid_utf8_password, k};
  }
  std::string up;
  up.reserve(user.size() + 1 + password.size());
  up.append(user).append(1, ':').append(password);
  std::string out = "Basic ";
  base64_encode(out, up);
  OPENSSL_cleanse(up.data(), up.size());
  return out;
}

/**
 * Compares a received password with the expected one in constant time. Both are hashed with
 * SHA-256 first, so the time depends on neither the content nor which one is longer.
 */
inline bool password_equal(std::string_view received, std::string_view expected) noexcept {
  const auto a = hash(hash_algorithm::sha256, received);
  const auto b = hash(hash_algorithm::sha256, expected);
  return constant_time_equal(a.view(), b.view());
}

/**
 * Verifies `c` against the expected user and password: both compared in constant time.
 * @return true when both match.
 */
inline bool verify(const credentials& c, std::string_view user, std::string_view password) noexcept {
  const bool u = password_equal(c.user(), user);
  const bool p = password_equal(c.password(), password);
  return u & p;
}

/// The application's plain-password source: the password of `user`, or nullopt when unknown.
using password_lookup = std::function<std::optional<std::string>(std::string_view user)>;

/**
 * The application's own check: true when `password` is right for `user`. It must cost the
 * same for an unknown user as for a wrong password (`htpasswd::file::checker()` does).
 */
using credential_check = std::function<bool(std::string_view user, std::string_view password)>;

/// Options of `basic::handler`.
struct options {
  std::string realm = "authwire";  ///< the protection space, sent in every challenge
  /// Announce charset="UTF-8" (RFC 7617 section 2.1) and refuse user-pass that is not UTF-8.
  bool utf8 = true;
  std::size_t max_length = 4096;  ///< the longest Authorization value accepted
};

/**
 * The server side of Basic, for an `authenticator`. Either a plain-password lookup (compared
 * in constant time; an unknown user is compared against a dummy password so that it costs
 * the same) or an application check (htpasswd hashes) decides.
 *
 * Verdicts: malformed credentials -> bad_request (400) with the errc name as reason; unknown
 * user or wrong password -> unauthorized (401/407) with reason "wrong_credentials" and the
 * ordinary challenge; right -> allow with the user-id as identity.
 */
class handler final : public scheme_handler {
 public:
  /// With plain passwords from `lookup`.
  handler(options o, password_lookup lookup) : opts_(std::move(o)) {
    auto dummy = std::make_shared<std::string>(32, '\0');
    random_bytes(reinterpret_cast<unsigned char*>(dummy->data()), dummy->size());
    check_ = [lookup = std::move(lookup), dummy](std::string_view user, std::string_view password) {
      const auto expected = lookup ? lookup(user) : std::nullopt;
      const bool ok = password_equal(password, expected ? std::string_view(*expected) : std::string_view(*dummy));
      return ok && expected.has_value();
    };
    build_challenge();
  }
  /// With an application check (for example `htpasswd::file::checker()`).
  handler(options o, credential_check check) : opts_(std::move(o)), check_(std::move(check)) { build_challenge(); }

  std::string_view scheme() const noexcept override { return "Basic"; }
  void challenges(const request_view&, std::vector<std::string>& out) override {
    if (!challenge_.empty()) out.push_back(challenge_);
  }
  verdict verify(const request_view&, std::string_view authorization) override {
    parse_options po;
    po.require_utf8 = opts_.utf8;
    po.max_length = opts_.max_length;
    auto c = parse(authorization, po);
    if (!c) return verdict::make(verdict_kind::bad_request, std::string(to_string(c.code())));
    if (!check_ || !check_(c->user(), c->password()))
      return verdict::make(verdict_kind::unauthorized, std::string(to_string(errc::wrong_credentials)));
    return verdict::allow(c->user());
  }

  const options& config() const noexcept { return opts_; }
  /// The challenge this handler sends (empty when the realm could not be encoded).
  const std::string& default_challenge() const noexcept { return challenge_; }

 private:
  void build_challenge() {
    auto c = challenge(opts_.realm, opts_.utf8);
    if (c) challenge_ = std::move(*c);
  }

  options opts_;
  credential_check check_;
  std::string challenge_;
};

}  // namespace basic
}  // namespace v1
}  // namespace authwire

template <>
struct std::is_error_code_enum<authwire::basic::errc> : std::true_type {};
