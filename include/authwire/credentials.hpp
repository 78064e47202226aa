// SPDX-License-Identifier: MIT
/**
 * @file credentials.hpp
 * @brief `Authorization` / `Proxy-Authorization`: parse one credentials value into views,
 *        and build one with `credentials_builder`.
 *
 * @par Grammar (RFC 9110 section 11.4, section 11.6.2, section 11.7.2)
 * @code
 *   Authorization = credentials
 *   credentials   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * @endcode
 * It is not a list: a second credentials value after a comma is errc::more_than_one_credentials.
 */
#pragma once

#include <initializer_list>
#include <string_view>

#include "challenge.hpp"
#include "config.hpp"
#include "error.hpp"
#include "grammar.hpp"
#include "result.hpp"

namespace authwire {
inline namespace v1 {

/**
 * One parsed credentials value. Views into the caller's buffer, which must outlive it; the
 * `params()` range points into this object.
 */
class credentials_view {
 public:
  /// The scheme as written; compare with `is()`.
  std::string_view scheme() const noexcept { return data_.challenges[0].scheme; }
  bool is(std::string_view s) const noexcept { return iequals(scheme(), s); }
  bool has_token68() const noexcept { return data_.challenges[0].has_token68; }
  std::string_view token68() const noexcept { return data_.challenges[0].token68; }
  param_range params() const noexcept { return data_.view(0).params; }
  const auth_param_view* param(std::string_view name) const noexcept { return params().find(name); }
  /// The whole value as a challenge_view (same shape).
  challenge_view view() const noexcept { return data_.view(0); }

  /// Internal: the storage the parser fills.
  detail::parsed_list& detail_storage() noexcept { return data_; }

 private:
  detail::parsed_list data_;
};

/**
 * Parses the field lines [first, last) of one `Authorization` / `Proxy-Authorization` header.
 * @return the credentials, or an errc as for parse_challenges, plus more_than_one_credentials.
 * @code
 *   auto c = authwire::parse_credentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
 *   // c->is("basic"), c->token68() == "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
 * @endcode
 */
template <class It>
[[nodiscard]] result<credentials_view> parse_credentials(It first, It last, const parse_options& opts = {}) {
  // Parsed in place: one named result, returned (and so constructed) in the caller's storage.
  result<credentials_view> out{credentials_view{}};
  auto r = detail::parse_lines(first, last, detail::list_mode::credentials, opts, out->detail_storage());
  if (!r) out = r.error();
  return out;
}

/// Parses one `Authorization` / `Proxy-Authorization` field value.
[[nodiscard]] inline result<credentials_view> parse_credentials(std::string_view value, const parse_options& opts = {}) {
  return parse_credentials(&value, &value + 1, opts);
}

/// Builds one credentials value; the same syntax and checks as challenge_builder.
using credentials_builder = challenge_builder;

}  // namespace v1
}  // namespace authwire
