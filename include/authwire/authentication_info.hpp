// SPDX-License-Identifier: MIT
/**
 * @file authentication_info.hpp
 * @brief `Authentication-Info` / `Proxy-Authentication-Info`: a list of auth-params.
 *
 * @par Grammar (RFC 9110 section 11.6.3, section 11.7.3)
 * @code
 *   Authentication-Info = #auth-param
 * @endcode
 */
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "config.hpp"
#include "error.hpp"
#include "grammar.hpp"
#include "result.hpp"

namespace authwire {
inline namespace v1 {

/// A parsed list of auth-params; views into the caller's buffer, which must outlive it.
class param_list {
 public:
  param_range params() const noexcept { return {data_.params.data(), data_.params.size()}; }
  std::size_t size() const noexcept { return data_.params.size(); }
  bool empty() const noexcept { return data_.params.empty(); }
  const auth_param_view* begin() const noexcept { return data_.params.begin(); }
  const auth_param_view* end() const noexcept { return data_.params.end(); }
  const auth_param_view* find(std::string_view name) const noexcept { return params().find(name); }

  /// Internal: the storage the parser fills.
  detail::parsed_list& detail_storage() noexcept { return data_; }

 private:
  detail::parsed_list data_;
};

/**
 * Parses the field lines [first, last) of one `Authentication-Info` header. An empty list is
 * valid. Errors as for parse_challenges; a bare token is errc::expected_equals.
 */
template <class It>
[[nodiscard]] result<param_list> parse_authentication_info(It first, It last, const parse_options& opts = {}) {
  param_list l;
  auto r = detail::parse_lines(first, last, detail::list_mode::params, opts, l.detail_storage());
  if (!r) return r.error();
  return l;
}

[[nodiscard]] inline result<param_list> parse_authentication_info(std::string_view value,
                                                                  const parse_options& opts = {}) {
  return parse_authentication_info(&value, &value + 1, opts);
}

/**
 * Builds an `Authentication-Info` value: `name=value, name=value`, with the checks of
 * challenge_builder.
 * @code
 *   auto v = authwire::authentication_info_builder().param("qop", "auth", authwire::quoting::never).str();
 * @endcode
 */
class authentication_info_builder {
 public:
  authentication_info_builder& param(std::string_view name, std::string_view value, quoting q = quoting::as_needed) {
    w_.add(name, value, q, "");
    return *this;
  }
  bool ok() const noexcept { return w_.ok(); }
  authwire::error error() const noexcept { return w_.err; }
  [[nodiscard]] result<std::string> str() const& {
    if (!ok()) return w_.err;
    return w_.out;
  }

 private:
  detail::param_writer w_;
};

}  // namespace v1
}  // namespace authwire
