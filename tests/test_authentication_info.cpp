#include <authwire/authentication_info.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using authwire::errc;
using authwire::quoting;

namespace {

/// Each line in its own exact-size heap buffer (no terminator): ASan catches over-reads.
struct parsed {
  std::vector<std::unique_ptr<char[]>> bufs;
  std::vector<std::string_view> views;
  std::optional<authwire::result<authwire::param_list>> r;
  const authwire::result<authwire::param_list>& operator*() const { return *r; }
};

std::unique_ptr<parsed> parse(std::vector<std::string_view> lines, const authwire::parse_options& o = {}) {
  auto p = std::make_unique<parsed>();
  for (auto l : lines) {
    std::unique_ptr<char[]> b(new char[l.size()]);
    if (!l.empty()) std::memcpy(b.get(), l.data(), l.size());
    p->views.emplace_back(b.get(), l.size());
    p->bufs.push_back(std::move(b));
  }
  p->r.emplace(authwire::parse_authentication_info(p->views.begin(), p->views.end(), o));
  return p;
}

void expect_error(std::vector<std::string_view> lines, errc code, std::size_t offset,
                  const authwire::parse_options& o = {}) {
  auto p = parse(lines, o);
  INFO("input: " << (lines.empty() ? std::string() : std::string(lines[0])));
  REQUIRE_FALSE(**p);
  CHECK(authwire::to_string((**p).code()) == authwire::to_string(code));
  CHECK((**p).offset() == offset);
}

}  // namespace

TEST_CASE("authentication-info: a Digest Authentication-Info list (RFC 7616 section 3.5)", "[authentication-info][list]") {
  const std::string h =
      R"(qop=auth, rspauth="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", nc=00000001, nextnonce="abc\"d")";
  auto p = parse({h});
  REQUIRE(**p);
  const auto& l = ***p;
  REQUIRE(l.size() == 5);
  CHECK_FALSE(l.empty());
  const char* names[] = {"qop", "rspauth", "cnonce", "nc", "nextnonce"};
  std::size_t i = 0;
  for (const auto& prm : l) CHECK(prm.name == names[i++]);
  CHECK(l.find("RSPAUTH")->value() == "6629fae49393a05397450978507c4ef1");
  CHECK(l.find("nextnonce")->value() == "abc\"d");
  CHECK(l.find("nc")->value_offset == h.find("00000001"));
  CHECK(l.find("missing") == nullptr);
  CHECK(l.params().size() == 5);
}

TEST_CASE("authentication-info: empty lists and empty elements", "[authentication-info][list]") {
  for (auto in : {""sv, " "sv, ","sv, " , ,\t,"sv}) {
    auto p = parse({in});
    REQUIRE(**p);
    CHECK((***p).empty());
  }
  auto p = parse({",a=1,, b = \"2\" ,", "", "c=3"});
  REQUIRE(**p);
  REQUIRE((***p).size() == 3);
  CHECK((***p).find("b")->value() == "2");
  CHECK((***p).find("c")->name_offset == 20);
  auto none = parse({});
  REQUIRE(**none);
  CHECK((***none).empty());
}

TEST_CASE("authentication-info: errors with offsets", "[authentication-info][errors]") {
  // A bare token is not an auth-param.
  expect_error({"a=1, b"}, errc::expected_equals, 6);
  expect_error({"a=1, b c"}, errc::expected_equals, 7);
  expect_error({"Digest qop=auth"}, errc::expected_equals, 7);
  expect_error({"a=1, A=2"}, errc::duplicate_parameter, 5);
  expect_error({"a=1", "A=2"}, errc::duplicate_parameter, 5);
  expect_error({"a="}, errc::missing_value, 2);
  expect_error({"a=\"x"}, errc::unterminated_quoted_string, 2);
  expect_error({"a=x y"}, errc::junk_after_value, 4);
  expect_error({"a=@"}, errc::bad_character, 2);
  expect_error({"\"a\"=1"}, errc::expected_token, 0);
  expect_error({"a=1,\r\n"}, errc::control_character, 4);
  expect_error({"a=\"\x01\""}, errc::control_character, 3);
  authwire::parse_options o;
  o.max_parameters = 2;
  expect_error({"a=1, b=2, c=3"}, errc::too_many_parameters, 10, o);
  o = {};
  o.max_value_length = 2;
  expect_error({"a=abc"}, errc::value_too_long, 2, o);
  o = {};
  o.max_header_length = 4;
  expect_error({"a=12"}, errc::too_many_parameters, 0, [] {
    authwire::parse_options x;
    x.max_parameters = 0;
    return x;
  }());
  expect_error({"a=123"}, errc::header_too_long, 4, o);
}

TEST_CASE("authentication-info: builder", "[authentication-info][builder]") {
  auto v = authwire::authentication_info_builder()
               .param("qop", "auth", quoting::never)
               .param("rspauth", "abc", quoting::always)
               .param("nextnonce", "a \"b\"")
               .str();
  REQUIRE(v);
  CHECK(*v == R"(qop=auth, rspauth="abc", nextnonce="a \"b\"")");
  auto p = parse({*v});
  REQUIRE(**p);
  CHECK((***p).find("nextnonce")->value() == "a \"b\"");
  CHECK(*authwire::authentication_info_builder().str() == "");
  auto dup = authwire::authentication_info_builder().param("a", "1").param("A", "2");
  CHECK(dup.error() == authwire::error{errc::duplicate_parameter, 0});
  CHECK_FALSE(dup.str());
  CHECK(authwire::authentication_info_builder().param("a", "x\ny").error() == authwire::error{errc::bad_value, 1});
  CHECK(authwire::authentication_info_builder().param("a b", "x").error() == authwire::error{errc::bad_token, 0});
  CHECK(authwire::authentication_info_builder().param("a", "x y", quoting::never).error() ==
        authwire::error{errc::value_must_be_quoted, 0});
}

TEST_CASE("authentication-info: seeded random lists round-trip", "[authentication-info][roundtrip]") {
  std::mt19937 rng(42u);
  auto below = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  for (int iter = 0; iter < 2000; ++iter) {
    authwire::authentication_info_builder b;
    std::vector<std::pair<std::string, std::string>> want;
    for (std::size_t i = 0, n = below(10); i < n; ++i) {
      std::string name = "p" + std::to_string(i);
      std::string v;
      for (std::size_t k = 0, m = below(20); k < m; ++k) {
        const auto r = below(6);
        v += r == 0 ? '"' : r == 1 ? '\\' : r == 2 ? ',' : r == 3 ? static_cast<char>(0x80 + below(128))
                                                                  : static_cast<char>(0x20 + below(95));
      }
      b.param(name, v);
      want.emplace_back(name, v);
    }
    auto s = b.str();
    REQUIRE(s);
    INFO(*s);
    auto p = parse({*s});
    REQUIRE(**p);
    REQUIRE((***p).size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      CHECK((***p).params()[i].name == want[i].first);
      CHECK((***p).params()[i].value() == want[i].second);
    }
  }
}
