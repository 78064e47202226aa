// SPDX-License-Identifier: MIT
/**
 * @file error.hpp
 * @brief `authwire::errc`, the error codes of the grammar and the header models, usable as
 *        `std::error_code`; and the machinery every scheme uses for its own error enum.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "config.hpp"

namespace authwire {
inline namespace v1 {

/**
 * Errors of the RFC 9110 grammar, the header models and their builders.
 * Values are never reused. Each scheme has its own enum in its own namespace.
 */
enum class errc : std::uint8_t {
  ok = 0,
  empty_input = 1,                  ///< nothing but OWS and commas where a value is required
  bad_character = 2,                ///< a byte the grammar does not allow at this place
  control_character = 3,            ///< CR, LF, NUL, DEL or another CTL (RFC 9110 section 5.5)
  unterminated_quoted_string = 4,   ///< a quoted-string with no closing DQUOTE
  missing_value = 5,                ///< auth-param name and `=` with no token or quoted-string
  junk_after_value = 6,             ///< a value followed by something other than OWS and a comma
  duplicate_parameter = 7,          ///< the same auth-param name twice in one challenge (RFC 9110 section 11.2)
  token68_followed_by_more = 8,     ///< token68 followed by anything but the end or a new challenge
  expected_token = 9,               ///< a scheme or parameter name is missing
  expected_space = 10,              ///< scheme followed by something other than SP, a comma or the end
  more_than_one_credentials = 11,   ///< Authorization holds one credentials value, not a list
  header_too_long = 12,             ///< exceeds parse_options::max_header_length
  too_many_parameters = 13,         ///< exceeds parse_options::max_parameters
  value_too_long = 14,              ///< exceeds parse_options::max_value_length
  too_many_challenges = 15,         ///< exceeds parse_options::max_challenges
  bad_token = 16,                   ///< builder: a scheme or name that is not a token
  bad_token68 = 17,                 ///< builder: a value that is not token68
  bad_value = 18,                   ///< builder: a value that cannot be sent (CTL, or unquotable)
  value_must_be_quoted = 19,        ///< builder: asked for no quotes but the value is not a token
  missing_challenge = 20,           ///< a 401 or 407 decision needs at least one challenge
  unsupported_scheme = 21,          ///< the scheme is not one this program handles
  bad_base64 = 22,                  ///< not strict RFC 4648 base64 / base64url
  bad_hex = 23,                     ///< not hex digits of the expected length
  parameter_without_challenge = 24, ///< an auth-param where no challenge with parameters is open
  expected_equals = 25,             ///< an auth-param name not followed by `=`
};

/// The enumerator's name as spelled in the source ("unterminated_quoted_string").
constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::empty_input: return "empty_input";
    case errc::bad_character: return "bad_character";
    case errc::control_character: return "control_character";
    case errc::unterminated_quoted_string: return "unterminated_quoted_string";
    case errc::missing_value: return "missing_value";
    case errc::junk_after_value: return "junk_after_value";
    case errc::duplicate_parameter: return "duplicate_parameter";
    case errc::token68_followed_by_more: return "token68_followed_by_more";
    case errc::expected_token: return "expected_token";
    case errc::expected_space: return "expected_space";
    case errc::more_than_one_credentials: return "more_than_one_credentials";
    case errc::header_too_long: return "header_too_long";
    case errc::too_many_parameters: return "too_many_parameters";
    case errc::value_too_long: return "value_too_long";
    case errc::too_many_challenges: return "too_many_challenges";
    case errc::bad_token: return "bad_token";
    case errc::bad_token68: return "bad_token68";
    case errc::bad_value: return "bad_value";
    case errc::value_must_be_quoted: return "value_must_be_quoted";
    case errc::missing_challenge: return "missing_challenge";
    case errc::unsupported_scheme: return "unsupported_scheme";
    case errc::bad_base64: return "bad_base64";
    case errc::bad_hex: return "bad_hex";
    case errc::parameter_without_challenge: return "parameter_without_challenge";
    case errc::expected_equals: return "expected_equals";
  }
  return "unknown";
}

/// A one-line English description, with no secret in it.
constexpr std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::ok: return "no error";
    case errc::empty_input: return "the header value is empty";
    case errc::bad_character: return "a character that the grammar does not allow here";
    case errc::control_character: return "a control character (CR, LF, NUL, DEL or another CTL)";
    case errc::unterminated_quoted_string: return "a quoted-string is not closed";
    case errc::missing_value: return "an auth-param has '=' but no value";
    case errc::junk_after_value: return "unexpected text after a value";
    case errc::duplicate_parameter: return "a parameter name occurs twice in one challenge";
    case errc::token68_followed_by_more: return "token68 is followed by more text";
    case errc::expected_token: return "a token was expected";
    case errc::expected_space: return "the scheme must be followed by a space";
    case errc::more_than_one_credentials: return "Authorization holds exactly one credentials value";
    case errc::header_too_long: return "the header value exceeds the configured length limit";
    case errc::too_many_parameters: return "too many parameters";
    case errc::value_too_long: return "a value exceeds the configured length limit";
    case errc::too_many_challenges: return "too many challenges";
    case errc::bad_token: return "not a token";
    case errc::bad_token68: return "not a token68";
    case errc::bad_value: return "the value cannot be sent in a header";
    case errc::value_must_be_quoted: return "the value is not a token and must be quoted";
    case errc::missing_challenge: return "a 401 or 407 answer needs at least one challenge";
    case errc::unsupported_scheme: return "unsupported authentication scheme";
    case errc::bad_base64: return "invalid base64";
    case errc::bad_hex: return "invalid hex";
    case errc::parameter_without_challenge: return "an auth-param that belongs to no challenge (a bare scheme takes none)";
    case errc::expected_equals: return "an auth-param name must be followed by '='";
  }
  return "unknown error";
}

namespace detail {
/// One std::error_category per error enum E; E needs ADL `to_string(E)` and `describe(E)`.
template <class E>
class enum_category final : public std::error_category {
 public:
  explicit enum_category(const char* name) noexcept : name_(name) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int ev) const override { return std::string(describe(static_cast<E>(ev))); }

 private:
  const char* name_;
};
}  // namespace detail

/// The category of authwire::errc.
inline const std::error_category& grammar_category() noexcept {
  static const detail::enum_category<errc> cat("authwire");
  return cat;
}

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), grammar_category()};
}

}  // namespace v1
}  // namespace authwire

template <>
struct std::is_error_code_enum<authwire::errc> : std::true_type {};
