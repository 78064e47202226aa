// SPDX-License-Identifier: MIT
#include <authwire/schemes/basic.hpp>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"
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

namespace {
// basic::parse as it was before its usual-form path and in-place decoding (a plain reference,
// kept only here): the generic grammar, base64 into a string, then the user-pass checks.
struct outcome {
  bool ok = false;
  errc code = errc::ok;
  std::size_t offset = 0;
  std::string user, password;
};
outcome reference_parse(std::string_view a, const basic::parse_options& opts) {
  const auto fail = [](errc e, std::size_t at) {
    outcome o;
    o.code = e;
    o.offset = at;
    return o;
  };
  if (a.size() > opts.max_length) return fail(errc::too_long, opts.max_length);
  auto c = authwire::parse_credentials(a);
  if (!c) {
    const auto [scheme, at] = authwire::leading_scheme(a);
    if (!authwire::iequals(scheme, "Basic")) return fail(errc::not_basic, at);
    return fail(errc::malformed_credentials, c.offset());
  }
  if (!c->is("Basic")) return fail(errc::not_basic, c->view().scheme_offset);
  if (!c->has_token68()) {
    if (c->params().size() > 0) return fail(errc::unexpected_parameters, c->params().begin()->name_offset);
    return fail(errc::missing_token68, a.size());
  }
  const std::string_view t = c->token68();
  std::string up;
  if (auto d = authwire::base64_decode(up, t); !d)
    return fail(errc::bad_base64, static_cast<std::size_t>(t.data() - a.data()) + d.offset());
  const auto colon = up.find(':');
  if (colon == std::string::npos) return fail(errc::missing_colon, up.size());
  const std::string_view user = std::string_view(up).substr(0, colon), pass = std::string_view(up).substr(colon + 1);
  if (auto k = basic::detail::control_offset(user, opts.require_utf8); k != std::string_view::npos)
    return fail(errc::control_in_user, k);
  if (auto k = basic::detail::control_offset(pass, opts.require_utf8); k != std::string_view::npos)
    return fail(errc::control_in_password, colon + 1 + k);
  if (opts.require_utf8) {
    if (auto k = authwire::utf8_error_offset(user); k != std::string_view::npos)
      return fail(errc::invalid_utf8_user, k);
    if (auto k = authwire::utf8_error_offset(pass); k != std::string_view::npos)
      return fail(errc::invalid_utf8_password, colon + 1 + k);
  }
  outcome o;
  o.ok = true;
  o.user = std::string(user);
  o.password = std::string(pass);
  return o;
}

// Checks that basic::parse of `value` (from an exact-size heap copy, so that reads past its end
// are caught) gives what the reference gives: the same user and password, or the same error
// code and offset. Reports the first mismatches (up to 10, counted in `mismatches`) with `what`.
void agrees_with_reference(const std::string& value, bool utf8, std::string_view what, std::size_t& mismatches) {
  basic::parse_options po;
  po.require_utf8 = utf8;
  std::unique_ptr<char[]> buffer;
  const std::string_view exact = exact_copy(value, buffer);
  const auto want = reference_parse(exact, po);
  const auto got = basic::parse(exact, po);
  const bool same = got ? want.ok && got->user() == want.user && got->password() == want.password
                        : !want.ok && got.code() == want.code && got.offset() == want.offset;
  if (!same && ++mismatches <= 10) {
    INFO(what << (utf8 ? " (UTF-8)" : ""));
    INFO("want " << (want.ok ? "ok" : std::string(basic::to_string(want.code)) + "@" + std::to_string(want.offset)));
    INFO("got " << (got ? "ok" : std::string(basic::to_string(got.code())) + "@" + std::to_string(got.offset())));
    FAIL_CHECK("basic::parse differs from the reference");
  }
}

}  // namespace

TEST_CASE("basic: parse against the reference on every one-byte change of usual and unusual values",
          "[basic][differential][negative]") {
  std::vector<std::string> values = {
      "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",  // "Aladdin:open sesame": the usual form
      "basic   YTpi",                         // lower case, several spaces
      "BASIC YTo=",                           // "a:"
      "Basic Og==",                           // ":"
      " Basic YTpi",                          // leading space: the general path
      "Basic YTpi ",                          // trailing space: the general path decodes "YTpi"
      "Basic YTpi\t",
      "Basic YTpi,",
      "Basic YTpi, ",
      "Basic\tYTpi",
      "Basic  \tYTpi",
      "Basic YQk6Yg==",          // "a\t:b"
      "Basic YTpiwoU=",          // "a:b" U+0085
      "Basic wqE6wpU=",          // C2 A1 ":" C2 95
      "Basic wjpi",              // C2 ":b"
      "Basic YcOoOvA=",          // "a\xc3\xa8:" F0
      "Basic YQ==",              // "a": no colon
      "Basic YQo=",              // "a\n": no colon, a control
  };
  // Past the stack buffer (512 decoded bytes): the heap path.
  values.push_back(*basic::authorization("long", std::string(600, 'p')));
  std::size_t compared = 0, mismatches = 0;
  const auto compare = [&](const std::string& v, bool utf8) {
    ++compared;
    agrees_with_reference(v, utf8, "value " + authwire_test::printable(v), mismatches);
  };
  for (const auto& v : values) {
    const bool long_value = v.size() > 100;
    for (const bool utf8 : {false, true}) {
      compare(v, utf8);
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (long_value && i > 40 && i + 40 < v.size()) continue;  // its ends are enough
        std::string m = v;
        for (int b = 0; b < 256; ++b) {
          m[i] = static_cast<char>(b);
          compare(m, utf8);
        }
        std::string del = v;
        del.erase(i, 1);
        compare(del, utf8);
        for (const char ins : {' ', '=', 'A', ','}) {
          std::string in = v;
          in.insert(i, 1, ins);
          compare(in, utf8);
        }
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(compared > 100000);
}

TEST_CASE("basic: the usual form at the generic grammar's limits", "[basic][limits]") {
  basic::parse_options big;
  big.max_length = 64 * 1024;
  // A token68 of exactly 4096 characters (the generic max_value_length) decodes...
  const std::string pass4096(4096 / 4 * 3 - 2, 'x');
  const std::string at_limit = *basic::authorization("u", pass4096);
  REQUIRE(at_limit.size() == 6 + 4096);
  auto ok = basic::parse(at_limit, big);
  REQUIRE(ok);
  CHECK(ok->password() == pass4096);
  // ...one quantum more is too long for the generic grammar, as before.
  const std::string over = *basic::authorization("u", pass4096 + "xyz");
  auto r = basic::parse(over, big);
  REQUIRE_FALSE(r);
  CHECK(r.code() == errc::malformed_credentials);
  CHECK(r.offset() == 6);
  // Spaces that push the value past the generic max_header_length (16 KiB).
  const std::string spaced = "Basic" + std::string(16 * 1024, ' ') + "YTpi";
  auto s = basic::parse(spaced, big);
  REQUIRE_FALSE(s);
  CHECK(s.code() == errc::malformed_credentials);
  CHECK(s.offset() == reference_parse(spaced, big).offset);
  CHECK(basic::parse("Basic" + std::string(100, ' ') + "YTpi", big)->user() == "a");
}

TEST_CASE("basic: a moved-from or assigned-over credentials keeps no password bytes", "[basic][security]") {
  const auto all_zero = [](const std::string& s) {
    // The whole buffer, past the size: a moved-from small string keeps its bytes there.
    for (std::size_t i = 0; i < s.capacity(); ++i)
      if (s.data()[i] != '\0') return false;
    return true;
  };
  auto r = basic::parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  REQUIRE(r);
  basic::credentials a = std::move(*r);
  CHECK(a.password() == "open sesame");
  CHECK(r->password().empty());
  CHECK(all_zero(r->password()));
  basic::credentials b;
  b = std::move(a);
  CHECK(b.password() == "open sesame");
  CHECK(all_zero(a.password()));
  basic::credentials c("u", "short");
  c = b;  // the longer one over the shorter: then a shorter one over it
  CHECK(c.password() == "open sesame");
  c = basic::credentials("u", "pw");
  CHECK(c.password() == "pw");
  CHECK(c.password().data()[3] == '\0');  // "open sesame" is gone from the buffer
  CHECK(c.password().data()[5] == '\0');
}

TEST_CASE("basic: colons and control characters at every position around the 16-byte blocks",
          "[basic][differential][negative]") {
  // The decoded user-pass is scanned 16 bytes at a time where SSE2 is used: every length near a
  // block boundary, with a colon and a control (or a near miss) anywhere, against the reference.
  // Controls, near misses, and bytes that only UTF-8 mode refuses (in any block: it is
  // checked only when some byte is >= 0x80).
  const std::string marks[] = {std::string(1, '\x01'), std::string(1, '\x1f'), "\x7f", "\xc2\x85", "\xc2\xa0",
                               " ", "\xff", "\xe2\x82"};
  std::size_t compared = 0, mismatches = 0;
  for (const std::size_t len : {1u, 2u, 3u, 14u, 15u, 16u, 17u, 18u, 30u, 31u, 32u, 33u, 34u, 47u, 48u, 49u}) {
    for (std::size_t colon = 0; colon <= len; ++colon) {  // == len: no colon
      for (std::size_t at = 0; at <= len; ++at) {           // == len: no control
        for (const auto& mark : marks) {
          std::string up(len, 'x');
          if (at < len) up.replace(at, mark.size(), mark);
          up.resize(len);
          if (colon < len) up[colon] = ':';
          const std::string value = "Basic " + authwire::base64_encode(up);
          for (const bool utf8 : {false, true}) {
            ++compared;
            agrees_with_reference(value, utf8, "user-pass " + authwire_test::printable(up), mismatches);
          }
        }
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(compared > 50000);
}
