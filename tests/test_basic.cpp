// SPDX-License-Identifier: MIT
#include <authwire/schemes/basic.hpp>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using authwire::basic::errc;
namespace basic = authwire::basic;

namespace {
// A copy of `s` in a heap buffer of exactly its size: ASan reports any read past the end.
std::string_view exact_copy(std::string_view s, std::unique_ptr<char[]>& buf) {
  buf.reset(new char[s.size() ? s.size() : 1]);
  std::memcpy(buf.get(), s.data(), s.size());
  return {buf.get(), s.size()};
}
nlohmann::json load(const std::string& name) {
  std::ifstream in(std::string(AUTHWIRE_TEST_DATA) + "/basic/" + name);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}
std::string unhex(std::string_view h) {
  std::string out(h.size() / 2, '\0');
  REQUIRE(authwire::hex_decode(reinterpret_cast<unsigned char*>(out.data()), h));
  return out;
}
authwire::request_view no_request() { return {}; }
}  // namespace

TEST_CASE("basic: parses and builds the RFC 7617 section 2 and 2.1 examples", "[basic][rfc7617]") {
  const auto doc = load("basic-rfc7617.json");
  int credentials_cases = 0, challenge_cases = 0;
  for (const auto& c : doc["cases"]) {
    if (c.contains("expected_authorization")) {
      ++credentials_cases;
      const std::string auth = c["expected_authorization"];
      const std::string octets = unhex(c["user_pass_octets_hex"].get<std::string>());
      const auto colon = octets.find(':');
      basic::parse_options po;
      po.require_utf8 = true;
      auto p = basic::parse(auth, po);
      REQUIRE(p);
      CHECK(p->user() == octets.substr(0, colon));
      CHECK(p->password() == octets.substr(colon + 1));
      auto b = basic::authorization(octets.substr(0, colon), octets.substr(colon + 1), true);
      REQUIRE(b);
      CHECK(*b == auth);
    } else {
      ++challenge_cases;
      const std::string expected = c["header_fields"][1][1];
      const bool utf8 = c["expected_parse"]["params"].contains("charset");
      auto ch = basic::challenge(c["expected_parse"]["params"]["realm"].get<std::string>(), utf8);
      REQUIRE(ch);
      CHECK(*ch == expected);
    }
  }
  CHECK(credentials_cases == 2);
  CHECK(challenge_cases == 2);
}

TEST_CASE("basic: the RFC 7617 2.1 ISO-8859-1 mistake is refused under charset=UTF-8", "[basic][rfc7617][utf8]") {
  basic::parse_options po;
  po.require_utf8 = true;
  auto r = basic::parse("Basic dGVzdDoxMjOj", po);  // "test:123" + 0xA3
  REQUIRE_FALSE(r);
  CHECK(r.code() == errc::invalid_utf8_password);
  CHECK(r.offset() == 8);
  po.require_utf8 = false;
  auto l = basic::parse("Basic dGVzdDoxMjOj", po);
  REQUIRE(l);
  CHECK(l->password() == "123\xa3");
}

TEST_CASE("basic: Go net/http BasicAuth cases", "[basic][peer][go]") {
  const auto doc = load("go-net-http-basicauth.json");
  int n = 0;
  for (const auto& c : doc["parse_cases"]) {
    const std::string a = c["authorization"];
    INFO(a);
    auto r = basic::parse(a);
    CHECK(static_cast<bool>(r) == c["expected"]["ok"].get<bool>());
    if (r) {
      CHECK(r->user() == c["expected"]["username"].get<std::string>());
      CHECK(r->password() == c["expected"]["password"].get<std::string>());
    }
    ++n;
  }
  CHECK(n == 10);
  for (const auto& c : doc["roundtrip_cases"]) {
    if (!c.contains("username")) continue;
    auto b = basic::authorization(c["username"].get<std::string>(), c["password"].get<std::string>());
    REQUIRE(b);
    CHECK(*b == c["expected_authorization"].get<std::string>());
  }
}

TEST_CASE("basic: werkzeug Authorization cases", "[basic][peer][werkzeug]") {
  const auto doc = load("werkzeug-basic-bearer.json");
  int n = 0;
  for (const auto& c : doc["authorization"]) {
    const std::string h = c["header"];
    if (!authwire::iequals(h.substr(0, 5), "basic")) continue;
    INFO(h);
    basic::parse_options po;
    po.require_utf8 = true;  // werkzeug decodes as UTF-8 and rejects what is not
    auto r = basic::parse(h, po);
    CHECK(static_cast<bool>(r) == !c["expected"].is_null());
    if (r) {
      CHECK(r->user() == c["expected"]["username"].get<std::string>());
      CHECK(r->password() == c["expected"]["password"].get<std::string>());
    }
    ++n;
  }
  CHECK(n == 5);
  for (const auto& c : doc["authorization_roundtrip"]) {
    const std::string h = c["header"];
    auto r = basic::parse(h);
    REQUIRE(r);
    auto b = basic::authorization(r->user(), r->password());
    REQUIRE(b);
    CHECK(*b == h);
  }
}

TEST_CASE("basic: every parse error code with its offset", "[basic][negative]") {
  struct row {
    const char* input;
    errc code;
    std::size_t offset;
    bool utf8;
  };
  // Decoded octets are named in the comments.
  const row rows[] = {
      {"Digest username=\"a\"", errc::not_basic, 0, false},
      {"  Bearer abc", errc::not_basic, 2, false},
      {"Basic Aladdin:open sesame", errc::malformed_credentials, 13, false},
      {"Basic", errc::missing_token68, 5, false},
      {"Basic ", errc::missing_token68, 6, false},
      {"Basic realm=\"x\"", errc::unexpected_parameters, 6, false},
      {"Basic foo", errc::bad_base64, 9, false},                // length 3: padding missing
      {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ", errc::bad_base64, 6 + 26, false},  // unpadded
      {"Basic QW-h", errc::bad_base64, 8, false},               // '-' is base64url, not base64
      {"Basic QR==", errc::bad_base64, 7, false},               // non-zero pad bits
      {"Basic QWxhZGRpbg==", errc::missing_colon, 7, false},    // "Aladdin"
      {"Basic YQli", errc::missing_colon, 3, false},            // "a\tb": no colon at all
      {"Basic YQk6Yg==", errc::control_in_user, 1, false},      // "a\t:b"
      {"Basic YTpiDQ==", errc::control_in_password, 3, false},  // "a:b\r"
      {"Basic YTpifw==", errc::control_in_password, 3, false},  // "a:b" DEL
      {"Basic YTpiwoU=", errc::control_in_password, 3, true},   // "a:b" U+0085 (C1) in UTF-8 mode
      {"Basic wDpi", errc::invalid_utf8_user, 0, true},         // 0xC0 ":b" (overlong lead)
      {"Basic YcOoOvA=", errc::invalid_utf8_password, 5, true}, // "a\xc3\xa8:" + 0xF0, truncated at 5
      {"Basic YTrtoIA=", errc::invalid_utf8_password, 3, true}, // "a:" + ED A0 80 (surrogate)
  };
  for (const auto& r : rows) {
    INFO(r.input);
    basic::parse_options po;
    po.require_utf8 = r.utf8;
    std::unique_ptr<char[]> buffer;
    const std::string_view exact = exact_copy(r.input, buffer);
    auto p = basic::parse(exact, po);
    REQUIRE_FALSE(p);
    CHECK(p.code() == r.code);
    CHECK(p.offset() == r.offset);
  }
  basic::parse_options small;
  small.max_length = 10;
  auto t = basic::parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", small);
  REQUIRE_FALSE(t);
  CHECK(t.code() == errc::too_long);
  CHECK(t.offset() == 10);
}

TEST_CASE("basic: error codes have names, descriptions and a category", "[basic]") {
  CHECK(basic::to_string(errc::control_in_password) == "control_in_password");
  CHECK(basic::describe(errc::bad_base64) == "the user-pass is not strict base64");
  std::error_code ec = errc::missing_colon;
  CHECK(std::string(ec.category().name()) == "authwire.basic");
  CHECK(ec.message() == "the decoded user-pass has no colon");
  for (int i = 1; i <= 14; ++i) CHECK(basic::to_string(static_cast<errc>(i)) != "unknown");
}

TEST_CASE("basic: strict UTF-8 validation", "[basic][utf8]") {
  using authwire::utf8_error_offset;
  constexpr auto npos = std::string_view::npos;
  CHECK(utf8_error_offset("") == npos);
  CHECK(utf8_error_offset("plain ascii") == npos);
  CHECK(utf8_error_offset("\xc2\x80") == npos);               // U+0080
  CHECK(utf8_error_offset("\xdf\xbf") == npos);               // U+07FF
  CHECK(utf8_error_offset("\xe0\xa0\x80") == npos);           // U+0800
  CHECK(utf8_error_offset("\xed\x9f\xbf") == npos);           // U+D7FF
  CHECK(utf8_error_offset("\xee\x80\x80") == npos);           // U+E000
  CHECK(utf8_error_offset("\xef\xbf\xbf") == npos);           // U+FFFF
  CHECK(utf8_error_offset("\xf0\x90\x80\x80") == npos);       // U+10000
  CHECK(utf8_error_offset("\xf4\x8f\xbf\xbf") == npos);       // U+10FFFF
  CHECK(utf8_error_offset("ab\x80") == 2);                    // lone continuation
  CHECK(utf8_error_offset("\xc0\xaf") == 0);                  // overlong '/'
  CHECK(utf8_error_offset("\xc1\xbf") == 0);                  // overlong
  CHECK(utf8_error_offset("\xe0\x9f\xbf") == 1);              // overlong 3-byte
  CHECK(utf8_error_offset("\xf0\x8f\xbf\xbf") == 1);          // overlong 4-byte
  CHECK(utf8_error_offset("\xed\xa0\x80") == 1);              // U+D800 surrogate
  CHECK(utf8_error_offset("\xed\xbf\xbf") == 1);              // U+DFFF surrogate
  CHECK(utf8_error_offset("\xf4\x90\x80\x80") == 1);          // U+110000
  CHECK(utf8_error_offset("\xf5\x80\x80\x80") == 0);          // beyond F4
  CHECK(utf8_error_offset("\xff") == 0);
  CHECK(utf8_error_offset("x\xe2\x82") == 3);                 // truncated at the end
  CHECK(utf8_error_offset("\xe2\x28\xa1") == 1);              // bad second byte
  CHECK(utf8_error_offset("\xf0\x90\x28\xbc") == 2);          // bad third byte
  CHECK(authwire::is_valid_utf8("\xe2\x82\xac"));
  static_assert(authwire::is_valid_utf8("abc"), "constexpr");
}

TEST_CASE("basic: challenge builder quotes the realm and refuses CTLs", "[basic][builder]") {
  CHECK(*basic::challenge("WallyWorld") == "Basic realm=\"WallyWorld\"");
  CHECK(*basic::challenge("a\"b\\c") == "Basic realm=\"a\\\"b\\\\c\"");
  CHECK(*basic::challenge("") == "Basic realm=\"\"");
  CHECK(*basic::challenge("x", true) == "Basic realm=\"x\", charset=\"UTF-8\"");
  auto bad = basic::challenge("evil\r\nSet-Cookie: x");
  REQUIRE_FALSE(bad);
  CHECK(bad.code() == errc::bad_realm);
}

TEST_CASE("basic: client builder refuses what a server must refuse", "[basic][builder][negative]") {
  auto c = basic::authorization("a:b", "x");
  REQUIRE_FALSE(c);
  CHECK(c.code() == errc::colon_in_user);
  CHECK(c.offset() == 1);
  auto u = basic::authorization("a\x01", "x");
  REQUIRE_FALSE(u);
  CHECK(u.code() == errc::control_in_user);
  CHECK(u.offset() == 1);
  auto p = basic::authorization("a", "xy\n");
  REQUIRE_FALSE(p);
  CHECK(p.code() == errc::control_in_password);
  CHECK(p.offset() == 2);
  auto v = basic::authorization("\xe9t\xe9", "x", true);
  REQUIRE_FALSE(v);
  CHECK(v.code() == errc::invalid_utf8_user);
  CHECK(v.offset() == 1);  // 0xE9 opens a 3-byte sequence; "t" breaks it
  auto w = basic::authorization("a", "\xed\xa0\x80", true);
  REQUIRE_FALSE(w);
  CHECK(w.code() == errc::invalid_utf8_password);
  CHECK(w.offset() == 1);
}

TEST_CASE("basic: round trips with UTF-8 user names", "[basic][roundtrip][utf8]") {
  const std::pair<std::string, std::string> cases[] = {
      {"J\xc3\xbcrgen", "p\xc3\xa4ss:w\xc3\xb6rd"},        // Juergen with u-umlaut
      {"\xe6\x99\xae\xe9\x80\x9a\xe8\xaf\x9d", "\xe4\xb8\xad\xe6\x96\x87"},
      {"\xf0\x9f\x94\x91user", ""},                          // U+1F511 key emoji
      {"", "only:colons::"},
      {"x", std::string(200, 'p')},
  };
  for (const auto& [u, p] : cases) {
    auto a = basic::authorization(u, p, true);
    REQUIRE(a);
    basic::parse_options po;
    po.require_utf8 = true;
    auto r = basic::parse(*a, po);
    REQUIRE(r);
    CHECK(r->user() == u);
    CHECK(r->password() == p);
    CHECK(basic::verify(*r, u, p));
    CHECK_FALSE(basic::verify(*r, u, p + "x"));
    CHECK_FALSE(basic::verify(*r, u + "x", p));
  }
}

TEST_CASE("basic: handler verdicts", "[basic][handler]") {
  basic::options o;
  o.realm = "WallyWorld";
  auto lookup = [](std::string_view user) -> std::optional<std::string> {
    if (user == "Aladdin") return std::string("open sesame");
    if (user == "J\xc3\xbcrgen") return std::string("\xc2\xa3");
    return std::nullopt;
  };
  basic::handler h(o, lookup);
  const auto req = no_request();
  std::vector<std::string> ch;
  h.challenges(req, ch);
  REQUIRE(ch.size() == 1);
  CHECK(ch[0] == "Basic realm=\"WallyWorld\", charset=\"UTF-8\"");
  CHECK(h.scheme() == "Basic");

  auto ok = h.verify(req, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(ok.kind == authwire::verdict_kind::allow);
  CHECK(ok.identity == "Aladdin");

  auto utf = h.verify(req, *basic::authorization("J\xc3\xbcrgen", "\xc2\xa3", true));
  CHECK(utf.kind == authwire::verdict_kind::allow);
  CHECK(utf.identity == "J\xc3\xbcrgen");

  auto wrong = h.verify(req, *basic::authorization("Aladdin", "open sesamE"));
  CHECK(wrong.kind == authwire::verdict_kind::unauthorized);
  CHECK(wrong.reason == "wrong_credentials");
  CHECK(wrong.identity.empty());

  auto unknown = h.verify(req, *basic::authorization("Nobody", "open sesame"));
  CHECK(unknown.kind == authwire::verdict_kind::unauthorized);
  CHECK(unknown.reason == "wrong_credentials");

  auto bad = h.verify(req, "Basic QWxhZGRpbg==");
  CHECK(bad.kind == authwire::verdict_kind::bad_request);
  CHECK(bad.reason == "missing_colon");

  auto latin1 = h.verify(req, "Basic dGVzdDoxMjOj");
  CHECK(latin1.kind == authwire::verdict_kind::bad_request);
  CHECK(latin1.reason == "invalid_utf8_password");

  // Without charset="UTF-8" the same bytes are only checked for controls.
  basic::options raw = o;
  raw.utf8 = false;
  basic::handler h2(raw, [](std::string_view, std::string_view p) { return p == "123\xa3"; });
  std::vector<std::string> ch2;
  h2.challenges(req, ch2);
  CHECK(ch2 == std::vector<std::string>{"Basic realm=\"WallyWorld\""});
  CHECK(h2.verify(req, "Basic dGVzdDoxMjOj").kind == authwire::verdict_kind::allow);
}

TEST_CASE("basic: a password never appears in a verdict", "[basic][handler][security]") {
  basic::handler h(basic::options{}, [](std::string_view) -> std::optional<std::string> { return std::string("s3cr3t"); });
  const auto req = no_request();
  for (const char* pw : {"s3cr3T", "s3cr3t\x7f"}) {
    auto a = basic::authorization("u", pw);
    const std::string value = a ? *a : "Basic " + authwire::base64_encode(std::string("u:") + pw);
    auto v = h.verify(req, value);
    CHECK(v.kind != authwire::verdict_kind::allow);
    CHECK(v.reason.find("s3cr3") == std::string::npos);
    CHECK(v.identity.find("s3cr3") == std::string::npos);
  }
}
