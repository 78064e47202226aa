#include <authwire/grammar.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include <authwire/challenge.hpp>

using namespace std::literals;
using authwire::errc;

namespace {

// The ABNF of RFC 9110 section 5.6.2 / 5.6.4 / 11.2 / 5.5, written independently of the table.
bool abnf_tchar(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}
bool abnf_token68_char(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::strchr("-._~+/", c) != nullptr;
}
bool abnf_qdtext(int c) {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}
bool abnf_qpair_char(int c) { return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7e) || c >= 0x80; }

}  // namespace

TEST_CASE("grammar: character classes match the RFC 9110 ABNF for all 256 bytes", "[grammar][rfc9110]") {
  for (int c = 0; c < 256; ++c) {
    INFO("byte " << c);
    const char ch = static_cast<char>(c);
    // strchr would find the terminating NUL: guard c == 0.
    CHECK(authwire::is_tchar(ch) == (c != 0 && abnf_tchar(c)));
    CHECK(authwire::detail::has_class(ch, authwire::detail::cc_tchar) == (c != 0 && abnf_tchar(c)));
    CHECK(authwire::detail::has_class(ch, authwire::detail::cc_token68) == (c != 0 && abnf_token68_char(c)));
    CHECK(authwire::detail::has_class(ch, authwire::detail::cc_qdtext) == abnf_qdtext(c));
    CHECK(authwire::detail::has_class(ch, authwire::detail::cc_qpair) == abnf_qpair_char(c));
    CHECK(authwire::detail::has_class(ch, authwire::detail::cc_ctl) == ((c < 0x20 && c != '\t') || c == 0x7f));
    CHECK(authwire::is_token(std::string_view(&ch, 1)) == (c != 0 && abnf_tchar(c)));
  }
}

TEST_CASE("grammar: is_token and is_token68", "[grammar]") {
  CHECK(authwire::is_token("Basic"));
  CHECK(authwire::is_token("!#$%&'*+-.^_`|~09AZaz"));
  CHECK_FALSE(authwire::is_token(""));
  CHECK_FALSE(authwire::is_token("a b"));
  CHECK_FALSE(authwire::is_token("a=b"));
  CHECK_FALSE(authwire::is_token("a/b"));
  CHECK_FALSE(authwire::is_token("\"a\""));
  CHECK_FALSE(authwire::is_token("a\xe4"));
  CHECK_FALSE(authwire::is_token("a\0"sv));
  CHECK(authwire::is_token68("abc"));
  CHECK(authwire::is_token68("a-._~+/Z9"));
  CHECK(authwire::is_token68("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
  CHECK(authwire::is_token68("a====="));
  CHECK_FALSE(authwire::is_token68(""));
  CHECK_FALSE(authwire::is_token68("="));
  CHECK_FALSE(authwire::is_token68("==a"));
  CHECK_FALSE(authwire::is_token68("a=b"));
  CHECK_FALSE(authwire::is_token68("a b"));
  CHECK_FALSE(authwire::is_token68("a!"));  // a tchar but not a token68 char
  CHECK_FALSE(authwire::is_token68("a,"));
  static_assert(authwire::is_token("x"), "constexpr");
  static_assert(authwire::is_token68("x="), "constexpr");
  static_assert(authwire::iequals("aBc", "AbC"), "constexpr");
}

TEST_CASE("grammar: iequals folds ASCII letters only", "[grammar]") {
  CHECK(authwire::iequals("Digest", "dIGEST"));
  CHECK(authwire::iequals("", ""));
  CHECK_FALSE(authwire::iequals("Digest", "Digest "));
  CHECK_FALSE(authwire::iequals("a", "b"));
  // '@' (0x40) and '`' (0x60) differ by 0x20 like letters, but are not letters.
  CHECK_FALSE(authwire::iequals("@", "`"));
  CHECK_FALSE(authwire::iequals("[", "{"));
  CHECK_FALSE(authwire::iequals("\xc4", "\xe4"));
  for (int c = 0; c < 256; ++c) {
    const char a = static_cast<char>(c);
    for (int d = 0; d < 256; ++d) {
      const char b = static_cast<char>(d);
      const bool letters = ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && (c | 0x20) == (d | 0x20);
      if (authwire::iequals(std::string_view(&a, 1), std::string_view(&b, 1)) != (c == d || letters)) {
        FAIL("iequals wrong for bytes " << c << " and " << d);
      }
    }
  }
}

TEST_CASE("grammar: unquote_to and auth_param_view::value", "[grammar][quoted-string]") {
  std::string out = "x";
  authwire::unquote_to(out, R"(a\"b\\c\d)");
  CHECK(out == R"(xa"b\cd)");
  out.clear();
  authwire::unquote_to(out, "");
  CHECK(out.empty());
  authwire::auth_param_view p;
  p.name = "Realm";
  p.raw_value = R"(a\"b)";
  p.quoted = true;
  p.has_escapes = true;
  CHECK(p.value() == "a\"b");
  CHECK(p.value_view() == R"(a\"b)");
  CHECK(p.is("realm"));
  CHECK_FALSE(p.is("realms"));
  p.has_escapes = false;
  p.raw_value = "plain";
  CHECK(p.value() == "plain");
}

TEST_CASE("grammar: the 13 quoted-string unescape cases of scottlamb/http-auth", "[grammar][quoted-string][peers]") {
  std::ifstream f(std::string(AUTHWIRE_TEST_DATA) + "/peers/rust-http-auth.json", std::ios::binary);
  REQUIRE(f);
  const auto doc = nlohmann::json::parse(f);
  const auto& cases = doc.at("param_value_unescape");
  REQUIRE(cases.size() == 13);
  std::size_t ok = 0, bad = 0;
  for (const auto& c : cases) {
    const std::string inner = c.at("escaped");
    INFO("escaped: " << inner);
    // The crate's input is the inside of a quoted-string; wrap it in a parameter. Exact-size
    // heap copy so that ASan sees any over-read.
    const std::string header = "X p=\"" + inner + "\"";
    std::unique_ptr<char[]> buf(new char[header.size()]);
    std::memcpy(buf.get(), header.data(), header.size());
    const auto r = authwire::parse_challenges(std::string_view(buf.get(), header.size()));
    if (c.contains("expected")) {
      ++bad;
      REQUIRE_FALSE(r);
      if (inner == "\\") {
        // `X p="\"`: the backslash escapes the closing quote, so the string never ends.
        CHECK(r.error() == authwire::error{errc::unterminated_quoted_string, 4});
      } else if (inner == "\"") {
        // `X p="""`: an empty quoted-string followed by a stray DQUOTE.
        CHECK(r.error() == authwire::error{errc::junk_after_value, 6});
      } else if (inner == "\n") {
        CHECK(r.error() == authwire::error{errc::control_character, 5});
      } else {
        REQUIRE(inner == "\\\n");
        // LF may not follow a backslash (quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )).
        CHECK(r.error() == authwire::error{errc::control_character, 6});
      }
      continue;
    }
    ++ok;
    REQUIRE(r);
    const auto* p = (*r)[0].param("p");
    REQUIRE(p);
    // Where the corpus gives no unescaped form, it is the input without its backslashes.
    std::string want;
    if (c.contains("unescaped")) {
      want = c.at("unescaped");
    } else {
      for (char ch : inner)
        if (ch != '\\') want += ch;
    }
    CHECK(p->value() == want);
    const std::size_t escapes = c.at("escapes");
    CHECK(p->has_escapes == (escapes > 0));
    CHECK(p->raw_value == inner);
    std::string via;
    authwire::unquote_to(via, p->raw_value);
    CHECK(via == want);
  }
  CHECK(ok == 9);
  CHECK(bad == 4);
}

TEST_CASE("grammar: param_range find is case-insensitive and returns the first", "[grammar]") {
  authwire::auth_param_view ps[3];
  ps[0].name = "realm";
  ps[1].name = "Nonce";
  ps[2].name = "qop";
  authwire::param_range r(ps, 3);
  CHECK(r.size() == 3);
  CHECK_FALSE(r.empty());
  CHECK(r.find("NONCE") == &ps[1]);
  CHECK(r.find("opaque") == nullptr);
  CHECK(authwire::param_range().empty());
  CHECK(authwire::param_range().find("x") == nullptr);
  std::size_t n = 0;
  for (const auto& p : r) n += p.name.size();
  CHECK(n == 13);
}

TEST_CASE("grammar: small_vector keeps N inline, then grows, copies and moves", "[grammar][storage]") {
  authwire::detail::small_vector<int, 4> v;
  CHECK(v.empty());
  for (int i = 0; i < 4; ++i) v.push_back(i);
  const int* inline_data = v.data();
  v.push_back(4);  // spills
  CHECK(v.data() != inline_data);
  for (int i = 5; i < 100; ++i) v.push_back(i);
  REQUIRE(v.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(v[static_cast<std::size_t>(i)] == i);
  CHECK(v.back() == 99);
  auto copy = v;
  CHECK(copy.size() == 100);
  CHECK(copy[99] == 99);
  CHECK(copy.data() != v.data());
  auto moved = std::move(copy);
  CHECK(moved.size() == 100);
  CHECK(copy.size() == 0);  // NOLINT: moved-from is empty by contract
  authwire::detail::small_vector<int, 4> small;
  small.push_back(7);
  moved = small;  // heap -> fewer elements
  CHECK(moved.size() == 1);
  CHECK(moved[0] == 7);
  authwire::detail::small_vector<int, 4> big = v;
  big = std::move(small);  // heap vector takes an inline one
  REQUIRE(big.size() == 1);
  CHECK(big[0] == 7);
  int sum = 0;
  for (int x : v) sum += x;
  CHECK(sum == 4950);
  auto& alias = big;
  big = alias;  // self-assignment keeps the content
  CHECK(big[0] == 7);
}

TEST_CASE("grammar: leading_scheme finds the auth-scheme token and its offset", "[grammar]") {
  using authwire::leading_scheme;
  CHECK(leading_scheme("Digest username=\"x\"") == std::make_pair(std::string_view("Digest"), std::size_t{0}));
  CHECK(leading_scheme(" \tAWS4-HMAC-SHA256 Credential=a/b") ==
        std::make_pair(std::string_view("AWS4-HMAC-SHA256"), std::size_t{2}));
  CHECK(leading_scheme("Basic") == std::make_pair(std::string_view("Basic"), std::size_t{0}));
  CHECK(leading_scheme("") == std::make_pair(std::string_view(), std::size_t{0}));
  CHECK(leading_scheme("  \"quoted\"") == std::make_pair(std::string_view(), std::size_t{2}));
  CHECK(leading_scheme("Bearer/x").first == "Bearer");  // stops at the first non-tchar
}

TEST_CASE("grammar: block scans stop where the byte loops stop, at every offset and length", "[grammar][simd]") {
  // skip_qdtext / skip_tchar / skip_token68 scan 16 bytes at a time where SSE2 is there (the
  // last partial block as the last 16 bytes of the input); the table loops are the reference.
  // Each buffer is exactly n bytes on the heap, so a load past its end trips ASan.
  using authwire::detail::scalar_run;
  const struct {
    std::size_t (*scan)(const char*, std::size_t, std::size_t) noexcept;
    std::uint8_t cls;
    char filler;
  } scanners[] = {{authwire::detail::skip_qdtext, authwire::detail::cc_qdtext, 'a'},
                  {authwire::detail::skip_tchar, authwire::detail::cc_tchar, 'Z'},
                  {authwire::detail::skip_token68, authwire::detail::cc_token68, '9'}};
  std::size_t checked = 0, stopped_early = 0;
  for (const auto& sc : scanners) {
    for (std::size_t n = 0; n <= 40; ++n) {
      std::unique_ptr<char[]> buf(new char[n == 0 ? 1 : n]);
      for (std::size_t pos = 0; pos <= n; ++pos) {  // pos == n: no odd byte
        for (int b = 0; b < 256; ++b) {
          if (pos == n && b > 0) break;
          std::memset(buf.get(), sc.filler, n);
          if (pos < n) buf[pos] = static_cast<char>(b);
          for (std::size_t start : {std::size_t{0}, std::size_t{1}, std::size_t{7}, n > 17 ? n - 17 : 0, n > 3 ? n - 3 : 0, n}) {
            if (start > n) continue;
            const std::size_t want = scalar_run(buf.get(), start, n, sc.cls);
            const std::size_t got = sc.scan(buf.get(), start, n);
            if (got != want) {
              INFO("n " << n << " pos " << pos << " byte " << b << " start " << start);
              CHECK(got == want);
            }
            ++checked;
            stopped_early += want < n ? 1 : 0;
          }
        }
      }
    }
  }
  CHECK(checked > 100000);
  CHECK(stopped_early > 10000);
}

TEST_CASE("grammar: quoted values and tokens across block boundaries parse as the byte loops do", "[grammar][simd]") {
  // A quoted value or token of every length from 0 to 70, then a byte that ends it (or not),
  // at the end of the input or followed by more: the value, error code and offset each time.
  for (std::size_t len = 0; len <= 70; ++len) {
    const std::string body(len, 'v');
    INFO("len " << len);
    {
      const std::string h = "Digest realm=\"" + body + "\"";
      auto r = authwire::parse_challenges(h);
      REQUIRE(r);
      CHECK((*r)[0].params[0].raw_value == body);
      CHECK((*r)[0].params[0].value_offset == 13);
    }
    {
      const std::string h = "Digest realm=\"" + body + "\x7f\", a=b";
      auto r = authwire::parse_challenges(h);
      CHECK(r.code() == errc::control_character);
      CHECK(r.offset() == 14 + len);
    }
    {
      const std::string h = "Digest realm=\"" + body + "\t\xff\\\"x\"";
      auto r = authwire::parse_challenges(h);
      REQUIRE(r);
      CHECK((*r)[0].params[0].raw_value == body + "\t\xff\\\"x");
      CHECK((*r)[0].params[0].has_escapes);
    }
    {
      const std::string h = "Digest realm=\"" + body;  // unterminated
      auto r = authwire::parse_challenges(h);
      CHECK(r.code() == errc::unterminated_quoted_string);
      CHECK(r.offset() == 13);
    }
    if (len > 0) {
      const std::string h = "Digest " + body + "!#=" + body + "~|";
      auto r = authwire::parse_challenges(h);
      REQUIRE(r);
      CHECK((*r)[0].params[0].name == body + "!#");
      CHECK((*r)[0].params[0].raw_value == body + "~|");
      const std::string t = "Bearer " + body + "+/~==";
      auto c = authwire::parse_challenges(t);
      REQUIRE(c);
      CHECK((*c)[0].token68 == body + "+/~==");
      const std::string bad = "Digest " + body + "=" + body + "@";
      auto e = authwire::parse_challenges(bad);
      CHECK(e.code() == errc::junk_after_value);
      CHECK(e.offset() == 8 + 2 * len);
    }
  }
}

TEST_CASE("grammar: elements of every name and value length, clean and with one odd byte", "[grammar][simd]") {
  // Names of 1 to 20 bytes and values of 0 to 40 bytes, quoted and bare, as the second of three
  // parameters (so the element starts at varying distances from the end of the input): each
  // parses to the views and offsets it was built from, and one odd byte inside the value gives
  // the byte loops' outcome.
  for (std::size_t nl = 1; nl <= 20; ++nl) {
    for (std::size_t vl = 0; vl <= 40; ++vl) {
      for (int quoted = 0; quoted < 2; ++quoted) {
        if (!quoted && vl == 0) continue;
        for (std::size_t tail = 0; tail <= 34; tail += 17) {
          const std::string name(nl, 'n'), value(vl, 'v'), last(tail, 't');
          const std::string elem = name + "=" + (quoted ? "\"" + value + "\"" : value);
          const std::string h = "Digest a=b, " + elem + ", z=" + (tail ? last : "1");
          INFO(h);
          auto r = authwire::parse_challenges(h);
          REQUIRE(r);
          const auto& p = (*r)[0].params;
          REQUIRE(p.size() == 3);
          CHECK(p[1].name == name);
          CHECK(p[1].raw_value == value);
          CHECK(p[1].quoted == (quoted == 1));
          CHECK(p[1].name_offset == 12);
          CHECK(p[1].value_offset == 13 + nl);
          CHECK(p[2].name_offset == 12 + elem.size() + 2);
          if (vl == 0) continue;
          const std::size_t at = 13 + nl + static_cast<std::size_t>(quoted) + vl / 2;  // inside the value
          std::string odd = h;
          odd[at] = '\x7f';
          auto e = authwire::parse_challenges(odd);
          CHECK(e.code() == errc::control_character);
          CHECK(e.offset() == at);
          odd[at] = '@';  // qdtext, but not a tchar
          auto f = authwire::parse_challenges(odd);
          if (quoted) {
            REQUIRE(f);
            CHECK((*f)[0].params[1].raw_value.size() == vl);
          } else {
            // a value of one byte becomes empty: no token where the value starts
            CHECK(f.code() == (vl == 1 ? errc::bad_character : errc::junk_after_value));
            CHECK(f.offset() == at);
          }
          if (quoted) {
            odd[at] = '\\';  // a quoted-pair over the next byte
            auto g = authwire::parse_challenges(odd);
            if (at + 1 < 13 + nl + 1 + vl) {
              REQUIRE(g);
              CHECK((*g)[0].params[1].has_escapes);
              CHECK((*g)[0].params[1].raw_value.size() == vl);
            } else {  // escapes the closing quote
              CHECK(!g);
            }
          }
          const std::string twice = "Digest " + elem + ", " + elem;
          auto d = authwire::parse_challenges(twice);
          CHECK(d.code() == errc::duplicate_parameter);
          CHECK(d.offset() == 7 + elem.size() + 2);
        }
      }
    }
  }
}

TEST_CASE("grammar: quoted values up to 140 bytes with stop bytes in the blocks around them", "[grammar][simd]") {
  // The fast path finds a quoted value's end from the DQUOTEs of 32-byte steps (the last one
  // ending at the end of the input) and looks at the other stop bytes of those blocks only when
  // there is one: a stop byte after the value (in the next element) must change nothing, one
  // inside it must give the byte loops' outcome, at every length.
  const std::string odds[] = {"\t", "\\\"", "\\\\", "\x7f", "\x01", "\xff"};
  for (std::size_t len = 0; len <= 140; ++len) {
    const std::string body(len, 'v');
    INFO("len " << len);
    for (const std::string& odd : odds) {
      const bool ctl = odd == "\x7f" || odd == "\x01";
      const std::string next = "b=\"x" + odd + "y\"";
      const std::string h = "Digest realm=\"" + body + "\", " + next + ", c=1";
      auto r = authwire::parse_challenges(h);
      if (ctl) {
        CHECK(r.code() == errc::control_character);
        CHECK(r.offset() == 14 + len + 3 + 4);
        continue;
      }
      REQUIRE(r);
      const auto& p = (*r)[0].params;
      REQUIRE(p.size() == 3);
      CHECK(p[0].raw_value == body);
      CHECK(p[0].value_offset == 13);
      CHECK_FALSE(p[0].has_escapes);
      CHECK(p[1].raw_value == "x" + odd + "y");
      CHECK(p[1].has_escapes == (odd[0] == '\\'));
      CHECK(p[1].name_offset == 17 + len);
      CHECK(p[2].name_offset == 17 + len + next.size() + 2);
    }
    // The value last in the input, and a stop byte inside it at each third position.
    const std::string last = "Digest a=b, realm=\"" + body + "\"";
    auto r = authwire::parse_challenges(last);
    REQUIRE(r);
    CHECK((*r)[0].params[1].raw_value == body);
    for (std::size_t at = 0; at < len; at += 3) {
      std::string bad = last;
      bad[19 + at] = '\x7f';
      auto e = authwire::parse_challenges(bad);
      CHECK(e.code() == errc::control_character);
      CHECK(e.offset() == 19 + at);
      bad[19 + at] = '\\';
      auto q = authwire::parse_challenges(bad);
      if (at + 1 < len) {
        REQUIRE(q);
        CHECK((*q)[0].params[1].has_escapes);
        CHECK((*q)[0].params[1].raw_value == std::string_view(bad).substr(19, len));
      } else {
        CHECK(q.code() == errc::unterminated_quoted_string);
        CHECK(q.offset() == 18);
      }
    }
  }
}

TEST_CASE("grammar: names with digits, '-', '.', '_', a second '=' nearby, and case-folded duplicates", "[grammar][simd]") {
  auto r = authwire::parse_challenges("Digest a1=x,b-2=\"y\",c.3=z,d_4=\"w\",e=f");
  REQUIRE(r);
  const auto& p = (*r)[0].params;
  REQUIRE(p.size() == 5);
  CHECK(p[0].name == "a1");
  CHECK(p[1].name == "b-2");
  CHECK(p[1].raw_value == "y");
  CHECK(p[2].name == "c.3");
  CHECK(p[2].name_offset == 20);
  CHECK(p[3].name == "d_4");
  CHECK(p[4].name_offset == 34);
  CHECK(p[4].value_offset == 36);
  // Names equal but for case are duplicates, wherever the case differs.
  for (const char* twice : {"Digest realm=a, Realm=b", "Digest realm=a, REALM=\"b\"", "Digest realm=a, reAlm=b",
                            "Digest realm=a, realM=b"}) {
    INFO(twice);
    auto d = authwire::parse_challenges(twice);
    CHECK(d.code() == errc::duplicate_parameter);
    CHECK(d.offset() == 16);
  }
  // Names that share the first and last byte and the length are not duplicates.
  auto s = authwire::parse_challenges("Digest abc=1, axc=2, ayc=\"3\", aBC=4");
  CHECK(s.code() == errc::duplicate_parameter);  // aBC is abc
  CHECK(s.offset() == 30);
  auto t = authwire::parse_challenges("Digest abc=1, axc=2, ayc=\"3\", azc=4");
  REQUIRE(t);
  CHECK((*t)[0].params.size() == 4);
}
