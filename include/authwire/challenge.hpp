// SPDX-License-Identifier: MIT
/**
 * @file challenge.hpp
 * @brief `WWW-Authenticate` / `Proxy-Authenticate`: parse any number of field lines into one
 *        ordered challenge list, and build challenges that cannot break the header.
 *
 * @par Grammar (RFC 9110 section 11.6.1, section 11.7.1)
 * @code
 *   WWW-Authenticate   = #challenge
 *   Proxy-Authenticate = #challenge
 *   challenge          = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * @endcode
 */
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "config.hpp"
#include "error.hpp"
#include "grammar.hpp"
#include "result.hpp"

namespace authwire {
inline namespace v1 {

/**
 * An ordered list of challenges parsed from one or more field lines. Holds views into the
 * caller's buffers, which must outlive it; the `challenge_view`s it hands out point into the
 * list itself and must not outlive it (or survive a move of it).
 */
class challenge_list {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = challenge_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = challenge_view;
    iterator(const detail::parsed_list* l, std::size_t i) noexcept : l_(l), i_(i) {}
    challenge_view operator*() const noexcept { return l_->view(i_); }
    iterator& operator++() noexcept {
      ++i_;
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator t = *this;
      ++i_;
      return t;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.i_ == b.i_; }
    friend bool operator!=(const iterator& a, const iterator& b) noexcept { return a.i_ != b.i_; }

   private:
    const detail::parsed_list* l_;
    std::size_t i_;
  };

  std::size_t size() const noexcept { return data_.challenges.size(); }
  bool empty() const noexcept { return data_.challenges.empty(); }
  challenge_view operator[](std::size_t i) const noexcept { return data_.view(i); }
  iterator begin() const noexcept { return {&data_, 0}; }
  iterator end() const noexcept { return {&data_, size()}; }

  /// The first challenge of scheme `scheme` (case-insensitive), if any.
  std::optional<challenge_view> find(std::string_view scheme) const noexcept {
    for (std::size_t i = 0; i < size(); ++i)
      if (iequals(data_.challenges[i].scheme, scheme)) return data_.view(i);
    return std::nullopt;
  }

  /// Internal: the storage the parser fills.
  detail::parsed_list& detail_storage() noexcept { return data_; }

 private:
  detail::parsed_list data_;
};

/**
 * Parses the field lines [first, last) of one `WWW-Authenticate` or `Proxy-Authenticate`
 * header (each convertible to `std::string_view`) as one list, exactly as if joined by ", ".
 * Offsets in errors are into that joined text. No allocation for up to 8 challenges and
 * 32 parameters in all.
 *
 * @return the challenges in order, or one of errc::empty_input, bad_character,
 *   control_character, unterminated_quoted_string, missing_value, junk_after_value,
 *   duplicate_parameter, token68_followed_by_more, expected_token, expected_space,
 *   expected_equals, parameter_without_challenge, header_too_long, too_many_parameters,
 *   value_too_long, too_many_challenges.
 *
 * @code
 *   auto r = authwire::parse_challenges(R"(Newauth realm="apps", type=1, Basic realm="simple")");
 *   // r->size() == 2, (*r)[1].param("realm")->value() == "simple"
 * @endcode
 */
template <class It>
[[nodiscard]] result<challenge_list> parse_challenges(It first, It last, const parse_options& opts = {}) {
  // Parsed in place: one named result, returned (and so constructed) in the caller's storage.
  result<challenge_list> out{challenge_list{}};
  auto r = detail::parse_lines(first, last, detail::list_mode::challenges, opts, out->detail_storage());
  if (!r) out = r.error();
  return out;
}

/// Parses one field value of `WWW-Authenticate` / `Proxy-Authenticate`.
[[nodiscard]] inline result<challenge_list> parse_challenges(std::string_view value, const parse_options& opts = {}) {
  return parse_challenges(&value, &value + 1, opts);
}

/// Parses several field lines of one header.
[[nodiscard]] inline result<challenge_list> parse_challenges(std::initializer_list<std::string_view> lines,
                                                             const parse_options& opts = {}) {
  return parse_challenges(lines.begin(), lines.end(), opts);
}

/**
 * Builds one challenge or one credentials value: `scheme [ SP ( token68 / #auth-param ) ]`.
 * Validates as it goes and keeps the first error: a non-token scheme or name
 * (errc::bad_token), a value with CR, LF, NUL, HTAB or another CTL (errc::bad_value), an
 * unquotable value asked for bare (errc::value_must_be_quoted), a bad token68
 * (errc::bad_token68), a second parameter of the same name (errc::duplicate_parameter).
 * The error offset is the index of the offending byte in the value (0 for names).
 *
 * @code
 *   auto c = authwire::challenge_builder("Basic").param("realm", "a \"b\"", authwire::quoting::always).str();
 *   // *c == R"(Basic realm="a \"b\"")"
 * @endcode
 */
class challenge_builder {
 public:
  explicit challenge_builder(std::string_view scheme) {
    if (!is_token(scheme)) {
      w_.fail(errc::bad_token, 0);
      return;
    }
    w_.out.reserve(128);
    w_.out.append(scheme);
  }

  /// Adds `name=value`, quoted per `q`.
  challenge_builder& param(std::string_view name, std::string_view value, quoting q = quoting::as_needed) {
    if (has_token68_) w_.fail(errc::token68_followed_by_more, 0);
    w_.add(name, value, q, " ");
    return *this;
  }

  /// Sets the token68 form (RFC 9110 section 11.2); no parameters may be added then.
  challenge_builder& token68(std::string_view t) {
    if (has_token68_ || w_.count() > 0) w_.fail(errc::token68_followed_by_more, 0);
    if (!w_.ok()) return *this;
    if (!is_token68(t)) {
      // The offset of the first byte that breaks 1*tchar68 *"=" (t.size() for an empty token68).
      std::size_t i = 0;
      while (i < t.size() && detail::has_class(t[i], detail::cc_token68)) ++i;
      if (i > 0)
        while (i < t.size() && t[i] == '=') ++i;
      w_.fail(errc::bad_token68, i);
      return *this;
    }
    w_.out += ' ';
    w_.out.append(t);
    has_token68_ = true;
    return *this;
  }

  /// True while no error has occurred.
  bool ok() const noexcept { return w_.ok(); }
  authwire::error error() const noexcept { return w_.err; }

  /// The built value, or the first error.
  [[nodiscard]] result<std::string> str() const& {
    if (!ok()) return w_.err;
    return w_.out;
  }
  [[nodiscard]] result<std::string> str() && {
    if (!ok()) return w_.err;
    return std::move(w_.out);
  }

 private:
  detail::param_writer w_;
  bool has_token68_ = false;
};

/**
 * Joins built challenges into one field value, separated by ", ". Several challenges in one
 * field line are as valid as one per line (RFC 9110 section 11.6.1); use whichever the peer handles.
 */
inline std::string join_challenges(const std::string* first, const std::string* last) {
  std::string s;
  for (auto it = first; it != last; ++it) {
    if (!s.empty()) s += ", ";
    s += *it;
  }
  return s;
}

}  // namespace v1
}  // namespace authwire
