#include <authwire/result.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <system_error>

#include <authwire/error.hpp>

using authwire::errc;
using authwire::result;

namespace demo {
// A scheme-style enum, as the schemes define them (common.md), to check result<T, E> with E != errc.
enum class errc : std::uint8_t { ok = 0, too_cold = 1, too_hot = 2 };
constexpr std::string_view to_string(errc e) noexcept {
  return e == errc::too_cold ? "too_cold" : e == errc::too_hot ? "too_hot" : "ok";
}
constexpr std::string_view describe(errc e) noexcept {
  return e == errc::too_cold ? "the porridge is too cold" : e == errc::too_hot ? "the porridge is too hot" : "ok";
}
inline const std::error_category& category() noexcept {
  static const authwire::detail::enum_category<errc> c("demo");
  return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }
}  // namespace demo
template <>
struct std::is_error_code_enum<demo::errc> : std::true_type {};

TEST_CASE("result: a value", "[result]") {
  result<std::string> r(std::string("abc"));
  REQUIRE(r);
  CHECK(r.has_value());
  CHECK(r.value() == "abc");
  CHECK(*r == "abc");
  CHECK(r->size() == 3);
  CHECK(r.code() == errc::ok);
  CHECK(r.offset() == 0);
  CHECK(r.error() == authwire::error{});
  CHECK_FALSE(r.error_code());
  std::string moved = std::move(r).value();
  CHECK(moved == "abc");
  const result<int> c(5);
  CHECK(c.value() == 5);
  CHECK(*c == 5);
}

TEST_CASE("result: an error, and value() throws bad_result_access", "[result]") {
  result<int> r(errc::missing_value, 17);
  REQUIRE_FALSE(r);
  CHECK_FALSE(r.has_value());
  CHECK(r.code() == errc::missing_value);
  CHECK(r.offset() == 17);
  CHECK(r.error() == authwire::error{errc::missing_value, 17});
  CHECK(r.error() != authwire::error{errc::missing_value, 16});
  CHECK(r.error() != authwire::error{errc::bad_character, 17});
  CHECK(r.error_code() == errc::missing_value);
  CHECK(r.error_code().category().name() == std::string("authwire"));
  CHECK(r.error_code().message() == "an auth-param has '=' but no value");
  try {
    (void)r.value();
    FAIL("value() did not throw");
  } catch (const authwire::bad_result_access& e) {
    CHECK(e.offset() == 17);
    CHECK(e.code() == errc::missing_value);
    CHECK(std::string(e.what()).find("authwire") != std::string::npos);
  }
  CHECK_THROWS_AS(std::move(r).value(), authwire::bad_result_access);
  const result<int> c(authwire::error{errc::bad_hex, 3});
  CHECK_THROWS_AS(c.value(), authwire::bad_result_access);
  // bad_result_access is a std::system_error.
  CHECK_THROWS_AS(c.value(), std::system_error);
}

TEST_CASE("result: void", "[result]") {
  result<void> ok;
  CHECK(ok);
  CHECK_NOTHROW(ok.value());
  CHECK(ok.code() == errc::ok);
  CHECK_FALSE(ok.error_code());
  result<void> bad(errc::bad_base64, 2);
  CHECK_FALSE(bad);
  CHECK(bad.code() == errc::bad_base64);
  CHECK(bad.offset() == 2);
  CHECK(bad.error_code() == errc::bad_base64);
  CHECK_THROWS_AS(bad.value(), authwire::bad_result_access);
  result<void> from_error = authwire::error{errc::bad_hex, 9};
  CHECK(from_error.error() == authwire::error{errc::bad_hex, 9});
}

TEST_CASE("result: another error enum", "[result]") {
  result<int, demo::errc> r(demo::errc::too_hot, 4);
  CHECK_FALSE(r);
  CHECK(r.code() == demo::errc::too_hot);
  CHECK(r.error_code() == demo::errc::too_hot);
  CHECK(r.error_code().message() == "the porridge is too hot");
  CHECK(r.error_code().category().name() == std::string("demo"));
  try {
    (void)r.value();
    FAIL("value() did not throw");
  } catch (const authwire::bad_result_access& e) {
    CHECK(e.code() == demo::errc::too_hot);
    CHECK(e.offset() == 4);
  }
  result<void, demo::errc> v(demo::errc::too_cold, 1);
  CHECK(v.error() == authwire::basic_error<demo::errc>{demo::errc::too_cold, 1});
}

TEST_CASE("error: every errc has a distinct name and a description", "[result][error]") {
  std::set<std::string_view> names, descriptions;
  for (int i = 0; i <= 25; ++i) {
    const auto e = static_cast<errc>(i);
    INFO("errc " << i);
    CHECK(authwire::to_string(e) != "unknown");
    CHECK(authwire::describe(e) != "unknown error");
    names.insert(authwire::to_string(e));
    descriptions.insert(authwire::describe(e));
    CHECK(std::error_code(e).message() == std::string(authwire::describe(e)));
  }
  CHECK(names.size() == 26);
  CHECK(descriptions.size() == 26);
  CHECK(authwire::to_string(errc::ok) == "ok");
  CHECK(authwire::to_string(errc::unterminated_quoted_string) == "unterminated_quoted_string");
  CHECK(authwire::to_string(static_cast<errc>(200)) == "unknown");
  CHECK(authwire::describe(static_cast<errc>(200)) == "unknown error");
  // errc converts to std::error_code implicitly.
  std::error_code ec = errc::header_too_long;
  CHECK(ec.category() == authwire::grammar_category());
  CHECK(ec.value() == 12);
}
