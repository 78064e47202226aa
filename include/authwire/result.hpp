// SPDX-License-Identifier: MIT
/**
 * @file result.hpp
 * @brief `result<T, E>`: a value, or an error code with the byte offset where the input went
 *        wrong. The return type of every parser and verifier; nothing on the request path throws.
 */
#pragma once

#include <cstddef>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "config.hpp"
#include "error.hpp"

namespace authwire {
inline namespace v1 {

/// An error code of enum `E` and the byte offset into the input where it was found.
template <class E>
struct basic_error {
  E code{};
  std::size_t offset = 0;

  friend constexpr bool operator==(const basic_error& a, const basic_error& b) noexcept {
    return a.code == b.code && a.offset == b.offset;
  }
  friend constexpr bool operator!=(const basic_error& a, const basic_error& b) noexcept { return !(a == b); }
};

/// The grammar's error.
using error = basic_error<errc>;

/// Thrown by `result::value()` on an error (or abort under AUTHWIRE_NO_EXCEPTIONS).
class bad_result_access : public std::system_error {
 public:
  bad_result_access(std::error_code ec, std::size_t offset)
      : std::system_error(ec, "authwire: value() on an error result"), offset_(offset) {}
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

namespace detail {
template <class E>
[[noreturn]] inline void throw_bad_access(const basic_error<E>& e) {
#if AUTHWIRE_NO_EXCEPTIONS
  (void)e;
  std::abort();
#else
  throw bad_result_access(make_error_code(e.code), e.offset);
#endif
}
}  // namespace detail

/**
 * The value of a parse or a verification, or why it failed and where.
 * `E` is an error enum with ADL `make_error_code`, `to_string` and `describe`.
 */
template <class T, class E = errc>
class [[nodiscard]] result {
 public:
  using value_type = T;
  using error_type = basic_error<E>;

  result(const T& v) : v_(std::in_place_index<0>, v) {}                 // NOLINT: implicit by design
  result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}          // NOLINT
  result(error_type e) : v_(std::in_place_index<1>, e) {}              // NOLINT
  result(E code, std::size_t offset) : v_(std::in_place_index<1>, error_type{code, offset}) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    if (!has_value()) detail::throw_bad_access(error());
    return *std::get_if<0>(&v_);
  }
  const T& value() const& {
    if (!has_value()) detail::throw_bad_access(error());
    return *std::get_if<0>(&v_);
  }
  T&& value() && {
    if (!has_value()) detail::throw_bad_access(error());
    return std::move(*std::get_if<0>(&v_));
  }
  T& operator*() & noexcept { return *std::get_if<0>(&v_); }
  const T& operator*() const& noexcept { return *std::get_if<0>(&v_); }
  T* operator->() noexcept { return std::get_if<0>(&v_); }
  const T* operator->() const noexcept { return std::get_if<0>(&v_); }

  /// The error; only meaningful when `!has_value()`.
  error_type error() const noexcept {
    const auto* e = std::get_if<1>(&v_);
    return e ? *e : error_type{};
  }
  E code() const noexcept { return error().code; }
  std::size_t offset() const noexcept { return error().offset; }
  std::error_code error_code() const noexcept { return has_value() ? std::error_code{} : make_error_code(code()); }

 private:
  std::variant<T, error_type> v_;
};

/// `result` with no value: success, or an error and its offset.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  using error_type = basic_error<E>;
  result() noexcept = default;
  result(error_type e) noexcept : err_(e), ok_(false) {}  // NOLINT
  result(E code, std::size_t offset) noexcept : err_{code, offset}, ok_(false) {}

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const {
    if (!ok_) detail::throw_bad_access(err_);
  }
  error_type error() const noexcept { return err_; }
  E code() const noexcept { return err_.code; }
  std::size_t offset() const noexcept { return err_.offset; }
  std::error_code error_code() const noexcept { return ok_ ? std::error_code{} : make_error_code(err_.code); }

 private:
  error_type err_{};
  bool ok_ = true;
};

}  // namespace v1
}  // namespace authwire
