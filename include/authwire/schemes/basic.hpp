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
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

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

class credentials;
namespace detail {
struct credentials_access;
}  // namespace detail

/**
 * Decoded Basic credentials: the user-id and the password. Owns both; the password is
 * wiped on destruction, when it is moved from or assigned over, and no formatter or error
 * message of the library ever prints it.
 */
class credentials {
 public:
  credentials() = default;
  credentials(std::string user, std::string password) : user_(std::move(user)), password_(std::move(password)) {
    wipe_buffer(password);  // the parameter's own buffer may still hold the bytes (small strings)
  }
  credentials(const credentials&) = default;
  credentials(credentials&& o) noexcept : user_(std::move(o.user_)), password_(std::move(o.password_)) {
    if (!password_.empty()) wipe_buffer(o.password_);
  }
  credentials& operator=(const credentials& o) {
    if (this != &o) {
      wipe_buffer(password_);
      user_ = o.user_;
      password_ = o.password_;
    }
    return *this;
  }
  credentials& operator=(credentials&& o) noexcept {
    if (this != &o) {
      wipe_buffer(password_);
      user_ = std::move(o.user_);
      password_ = std::move(o.password_);
      wipe_buffer(o.password_);
    }
    return *this;
  }
  ~credentials() { secure_wipe(password_.data(), password_.size()); }

  /// The user-id as decoded.
  const std::string& user() const noexcept { return user_; }
  /// The password as decoded. A secret: compare it with constant_time_equal, never log it.
  const std::string& password() const noexcept { return password_; }

 private:
  friend struct detail::credentials_access;

  // Wipes all of `s`'s buffer (its capacity, not only its size) and leaves it empty. A moved-
  // from small string keeps its old bytes in its inline buffer, behind a size of zero.
  static void wipe_buffer(std::string& s) noexcept {
    s.resize(s.capacity());  // never allocates; makes every byte of the buffer part of the string
    secure_wipe(s);
    s.clear();
  }

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
[[nodiscard]] inline result<credentials, errc> parse(std::string_view authorization, const parse_options& opts = {});

namespace detail {
struct credentials_access {
  static void assign(credentials& c, std::string_view user, std::string_view password) {
    // clear + append: the same as assign into the empty strings of a new credentials, and
    // cheaper (libstdc++'s assign goes through the general _M_replace).
    c.user_.clear();
    c.user_.append(user.data(), user.size());
    c.password_.clear();
    c.password_.append(password.data(), password.size());
  }
};

/// Decoded user-pass up to this size is kept on the stack while it is checked; longer on the heap.
inline constexpr std::size_t stack_user_pass = 512;

/// The first ':' of the decoded user-pass and its first control character (CTL; with `utf8`,
/// also a C1 control, as control_offset); npos when there is none.
struct user_pass_marks {
  std::size_t colon = std::string_view::npos;
  std::size_t control = std::string_view::npos;
  bool non_ascii = false;  ///< a byte >= 0x80 (found at least when `utf8`; only when no control was found)
};

/// Readable bytes that must follow the decoded user-pass for scan_user_pass (it loads whole
/// 16-byte blocks and ignores what lies past the end).
inline constexpr std::size_t user_pass_slack = 16;

/// One pass over the decoded octets `p[0, n)`, which must be followed by user_pass_slack
/// readable bytes. Stops at the first control character: the colon, when it comes later, is
/// then found by memchr (a missing colon is reported before a control).
inline user_pass_marks scan_user_pass(const unsigned char* p, std::size_t n, bool utf8) noexcept {
  user_pass_marks m;
#if AUTHWIRE_SSE2
  const __m128i ctl_max = _mm_set1_epi8(0x1F), del = _mm_set1_epi8(0x7F), colon = _mm_set1_epi8(':');
  const __m128i c1_lead = _mm_set1_epi8(static_cast<char>(0xC2));
  unsigned high = 0;
  for (std::size_t i = 0; i < n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const unsigned valid = n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u;
    // CTL: x <= 0x1F (unsigned: min(x, 0x1F) == x) or x == 0x7F.
    const __m128i ctl_v = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, ctl_max), x), _mm_cmpeq_epi8(x, del));
    unsigned ctl = static_cast<unsigned>(_mm_movemask_epi8(ctl_v)) & valid;
    if (utf8) {
      high |= static_cast<unsigned>(_mm_movemask_epi8(x)) & valid;
      // A C1 control in UTF-8: C2 followed by 80-9F.
      for (unsigned lead = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, c1_lead))) & valid; lead != 0;
           lead &= lead - 1) {
        const auto k = static_cast<unsigned>(__builtin_ctz(lead));
        const std::size_t j = i + k;
        if (j + 1 < n && p[j + 1] >= 0x80 && p[j + 1] <= 0x9F) {
          ctl |= 1u << k;
          break;
        }
      }
    }
    const unsigned col = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, colon))) & valid;
    if (col != 0 && m.colon == std::string_view::npos) m.colon = i + static_cast<unsigned>(__builtin_ctz(col));
    if (ctl != 0) {
      m.control = i + static_cast<unsigned>(__builtin_ctz(ctl));
      break;
    }
  }
  m.non_ascii = high != 0;
#else
  unsigned high = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned c = p[i];
    high |= c;
    if (c < 0x20 || c == 0x7F || (utf8 && c == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)) {
      m.control = i;
      break;
    }
    if (c == ':' && m.colon == std::string_view::npos) m.colon = i;
  }
  m.non_ascii = (high & 0x80) != 0;
#endif
  if (m.control != std::string_view::npos && m.colon == std::string_view::npos) {
    const void* q = std::memchr(p + m.control, ':', n - m.control);
    if (q) m.colon = static_cast<std::size_t>(static_cast<const unsigned char*>(q) - p);
  }
  return m;
}

/// Splits and checks the decoded user-pass `up`; puts the credentials (written in place) or
/// the error into `out`.
inline void take_user_pass(std::string_view up, const parse_options& opts, result<credentials, errc>& out) {
  using err = basic_error<errc>;
  const auto m = scan_user_pass(reinterpret_cast<const unsigned char*>(up.data()), up.size(), opts.require_utf8);
  if (m.colon == std::string_view::npos) {
    out = err{errc::missing_colon, up.size()};
  } else if (m.control != std::string_view::npos) {
    out = err{m.control < m.colon ? errc::control_in_user : errc::control_in_password, m.control};
  } else {
    const std::string_view user = up.substr(0, m.colon), pass = up.substr(m.colon + 1);
    if (opts.require_utf8 && m.non_ascii) {  // ASCII is UTF-8
      if (auto u = utf8_error_offset(user); u != std::string_view::npos) {
        out = err{errc::invalid_utf8_user, u};
        return;
      }
      if (auto q = utf8_error_offset(pass); q != std::string_view::npos) {
        out = err{errc::invalid_utf8_password, m.colon + 1 + q};
        return;
      }
    }
    if (!out) out = credentials{};  // a first, failed decode of the usual form left an error
    credentials_access::assign(*out, user, pass);
  }
}

/// Decodes the token68 `t` (at `t_off` in the value) and takes the user-pass. The decoded
/// octets are wiped before it returns. False when `t` is not strict base64 (`out` then holds
/// bad_base64).
inline bool decode_user_pass(std::string_view t, std::size_t t_off, const parse_options& opts,
                             result<credentials, errc>& out) {
  unsigned char stack[stack_user_pass + user_pass_slack];
  std::unique_ptr<unsigned char[]> heap;
  const std::size_t room = base64_decoded_max(t.size());
  unsigned char* buf = stack;
  if (room > stack_user_pass) {
    heap.reset(new unsigned char[room + user_pass_slack]);
    buf = heap.get();
  }
  const auto d = base64_decode_to(buf, t);
  if (!d) {
    secure_wipe(buf, room);  // part of the octets may have been decoded
    out = basic_error<errc>{errc::bad_base64, t_off + d.offset()};
    return false;
  }
  std::memset(buf + *d, 0, user_pass_slack);  // defined bytes after the end for the block loads
  take_user_pass(std::string_view(reinterpret_cast<const char*>(buf), *d), opts, out);
  secure_wipe(buf, *d);
  return true;
}

/// Where the token68 starts when `value` has the usual form `Basic` 1*SP token68, with the
/// scheme at 0 and within the generic grammar's default limits, or 0. For such a value the
/// generic parser takes all that follows the spaces as the token68 whenever that is strict
/// base64 (whose bytes are all token68 bytes), so decoding it first gives the same result.
inline std::size_t usual_token68_start(std::string_view value) noexcept {
  const authwire::parse_options limits{};
  const std::size_t n = value.size();
  if (n < 7 || n > limits.max_header_length) return 0;
  const char* s = value.data();
  // "Basic " with the letters in either case: OR 0x20 maps only 'B' and 'b' to 'b', and so on.
  if ((s[0] | 0x20) != 'b' || (s[1] | 0x20) != 'a' || (s[2] | 0x20) != 's' || (s[3] | 0x20) != 'i' ||
      (s[4] | 0x20) != 'c' || s[5] != ' ')
    return 0;
  std::size_t i = 6;
  while (i < n && s[i] == ' ') ++i;
  if (i == n || n - i > limits.max_value_length) return 0;
  return i;
}

inline void parse_into(std::string_view authorization, const parse_options& opts, result<credentials, errc>& out) {
  using err = basic_error<errc>;
  if (authorization.size() > opts.max_length) {
    out = err{errc::too_long, opts.max_length};
    return;
  }
  // The usual form first; anything it does not decode goes the general way, which reports
  // the error exactly.
  if (const std::size_t t = usual_token68_start(authorization); t != 0) {
    if (decode_user_pass(authorization.substr(t), t, opts, out)) return;
  }
  auto c = parse_credentials(authorization);
  if (!c) {
    // Tell "another scheme" apart from "broken": a broken value that starts with Basic is ours.
    const auto [scheme, at] = leading_scheme(authorization);
    if (!iequals(scheme, "Basic")) {
      out = err{errc::not_basic, at};
    } else {
      out = err{errc::malformed_credentials, c.offset()};
    }
    return;
  }
  if (!c->is("Basic")) {
    out = err{errc::not_basic, c->view().scheme_offset};
    return;
  }
  if (!c->has_token68()) {
    if (c->params().size() > 0) {
      out = err{errc::unexpected_parameters, c->params().begin()->name_offset};
    } else {
      out = err{errc::missing_token68, authorization.size()};
    }
    return;
  }
  const std::string_view t = c->token68();
  decode_user_pass(t, static_cast<std::size_t>(t.data() - authorization.data()), opts, out);
}
}  // namespace detail

inline result<credentials, errc> parse(std::string_view authorization, const parse_options& opts) {
  // Filled in place: the credentials are written once, into the caller's result.
  result<credentials, errc> out{credentials{}};
  detail::parse_into(authorization, opts, out);
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
  secure_wipe(up);
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
