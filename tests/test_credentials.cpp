#include <authwire/credentials.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using authwire::errc;
using authwire::quoting;

namespace {

using json = nlohmann::ordered_json;

json load_json(const std::string& rel) {
  std::ifstream f(std::string(AUTHWIRE_TEST_DATA) + "/" + rel, std::ios::binary);
  REQUIRE(f);
  return json::parse(f);
}

/// Each line in its own exact-size heap buffer (no terminator): ASan catches over-reads.
struct parsed {
  std::vector<std::unique_ptr<char[]>> bufs;
  std::vector<std::string_view> views;
  std::optional<authwire::result<authwire::credentials_view>> r;
  const authwire::result<authwire::credentials_view>& operator*() const { return *r; }
};

std::unique_ptr<parsed> parse(std::vector<std::string_view> lines, const authwire::parse_options& o = {}) {
  auto p = std::make_unique<parsed>();
  for (auto l : lines) {
    std::unique_ptr<char[]> b(new char[l.size()]);
    if (!l.empty()) std::memcpy(b.get(), l.data(), l.size());
    p->views.emplace_back(b.get(), l.size());
    p->bufs.push_back(std::move(b));
  }
  p->r.emplace(authwire::parse_credentials(p->views.begin(), p->views.end(), o));
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

TEST_CASE("credentials: token68 form", "[credentials][token68]") {
  auto p = parse({"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="});
  REQUIRE(**p);
  const auto& c = ***p;
  CHECK(c.scheme() == "Basic");
  CHECK(c.is("basic"));
  CHECK(c.has_token68());
  CHECK(c.token68() == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(c.params().empty());
  CHECK(c.param("realm") == nullptr);
  CHECK(c.view().token68 == c.token68());
  CHECK(c.view().scheme_offset == 0);
}

TEST_CASE("credentials: a realistic Digest Authorization (RFC 7616 section 3.9.1)", "[credentials][digest]") {
  const std::string h =
      R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, )"
      R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", )"
      R"(qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";
  auto p = parse({h});
  REQUIRE(**p);
  const auto& c = ***p;
  CHECK(c.is("DIGEST"));
  CHECK_FALSE(c.has_token68());
  REQUIRE(c.params().size() == 10);
  const char* names[] = {"username", "realm", "uri", "algorithm", "nonce", "nc", "cnonce", "qop", "response", "opaque"};
  for (std::size_t i = 0; i < 10; ++i) CHECK(c.params()[i].name == names[i]);
  CHECK(c.param("username")->value() == "Mufasa");
  CHECK(c.param("algorithm")->value() == "SHA-256");
  CHECK_FALSE(c.param("algorithm")->quoted);
  CHECK(c.param("nc")->value() == "00000001");
  CHECK(c.param("response")->value() == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  CHECK(c.param("uri")->value_offset == h.find("\"/dir"));
  CHECK(c.param("uri")->name_offset == h.find("uri="));
}

TEST_CASE("credentials: a second credentials after a comma is more_than_one_credentials", "[credentials][errors]") {
  expect_error({"Basic abc, Basic def"}, errc::more_than_one_credentials, 11);
  expect_error({"Basic abc, Bearer"}, errc::more_than_one_credentials, 11);
  expect_error({"Digest a=b, Basic def"}, errc::more_than_one_credentials, 12);
  expect_error({"Digest a=b, c"}, errc::more_than_one_credentials, 12);
  expect_error({"Basic, Bearer"}, errc::more_than_one_credentials, 7);
  // Over several field lines (Authorization is not a list: two fields are two credentials).
  expect_error({"Basic abc", "Bearer def"}, errc::more_than_one_credentials, 11);
  // Empty list elements around the one credentials value are still fine.
  auto p = parse({", Digest a=b, , c=d ,", ""});
  REQUIRE(**p);
  CHECK((***p).params().size() == 2);
  CHECK((***p).view().scheme_offset == 2);
}

TEST_CASE("credentials: the grammar errors with offsets", "[credentials][errors]") {
  expect_error({""}, errc::empty_input, 0);
  expect_error({" , "}, errc::empty_input, 3);
  expect_error({"Basic abc, realm=x"}, errc::token68_followed_by_more, 11);
  expect_error({"Digest a=\"b"}, errc::unterminated_quoted_string, 9);
  expect_error({"Digest a=b, a=c"}, errc::duplicate_parameter, 12);
  expect_error({"Digest A=b, a=c"}, errc::duplicate_parameter, 12);
  expect_error({"Digest a=b c"}, errc::junk_after_value, 11);
  expect_error({"Digest x=1, a="}, errc::missing_value, 14);
  // (`Digest a=` alone is a token68, "a=".)
  CHECK((**parse({"Digest a="})));
  expect_error({"Digest a=b, (c)"}, errc::expected_token, 12);
  expect_error({"Digest\ta=b"}, errc::expected_space, 6);
  expect_error({"Digest a b"}, errc::expected_equals, 9);
  expect_error({"a=b"}, errc::parameter_without_challenge, 0);
  expect_error({"Digest a=<b>"}, errc::bad_character, 9);
  expect_error({"Digest username=\"a\r\nb\""}, errc::control_character, 18);
  expect_error({"Basic abc\0"sv}, errc::control_character, 9);
  authwire::parse_options o;
  o.max_header_length = 8;
  expect_error({"Basic abcd"}, errc::header_too_long, 8, o);
  o = {};
  o.max_parameters = 1;
  expect_error({"Digest a=1, b=2"}, errc::too_many_parameters, 12, o);
  o = {};
  o.max_value_length = 2;
  expect_error({"Basic abc"}, errc::value_too_long, 6, o);
  // max_challenges applies too (0 refuses everything).
  o = {};
  o.max_challenges = 0;
  expect_error({"Basic abc"}, errc::too_many_challenges, 0, o);
}

TEST_CASE("credentials: werkzeug Authorization cases, strict where werkzeug is lenient", "[credentials][peers][werkzeug]") {
  const json doc = load_json("peers/werkzeug.json");
  std::size_t n = 0;
  for (const auto& c : doc.at("authorization")) {
    if (c.at("header").is_null()) continue;  // an absent header is not a parser input
    const std::string h = c.at("header");
    INFO(h);
    ++n;
    if (h.empty()) {
      expect_error({h}, errc::empty_input, 0);
      continue;
    }
    if (h == "Digest foo, bar=, =qux, =") {
      // werkzeug drops what it cannot parse. RFC 9110 section 11.4: after `Digest foo` (a
      // token68) only the end or a new challenge may follow, so `bar=` is refused at 12.
      expect_error({h}, errc::token68_followed_by_more, 12);
      continue;
    }
    auto p = parse({h});
    REQUIRE(**p);
    const auto& cr = ***p;
    const auto& exp = c.at("expected");
    if (exp.is_null()) {
      // `Basic foo` and `Basic /3NlcjpwYXNz`: werkzeug rejects the decoded user-pass (base64
      // padding, UTF-8). That is the Basic scheme's job; the generic grammar sees a token68.
      CHECK(cr.is("Basic"));
      CHECK(cr.has_token68());
      continue;
    }
    CHECK(cr.is(exp.at("type").get<std::string>()));
    if (exp.contains("token")) CHECK(cr.token68() == exp.at("token").get<std::string>());
    if (cr.is("digest")) {
      for (auto it = exp.begin(); it != exp.end(); ++it) {
        if (it.key() == "type") continue;
        REQUIRE(cr.param(it.key()));
        CHECK(cr.param(it.key())->value() == it.value().get<std::string>());
      }
    }
  }
  CHECK(n == 13);
  // Round trips: parse, rebuild with quoting::as_needed, get the same text back.
  for (const auto& c : doc.at("authorization_roundtrip")) {
    const std::string h = c.at("header");
    INFO(h);
    auto p = parse({h});
    REQUIRE(**p);
    authwire::credentials_builder b((***p).scheme());
    if ((***p).has_token68()) b.token68((***p).token68());
    for (const auto& prm : (***p).params()) b.param(prm.name, prm.value());
    auto s = b.str();
    REQUIRE(s);
    CHECK(*s == h);
  }
}

TEST_CASE("credentials: hyperium/headers Authorization cases", "[credentials][peers][headers]") {
  const json doc = load_json("peers/rust-headers-authorization.json");
  std::size_t n = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string kind = c.at("kind");
    if (kind.rfind("decode_", 0) == 0) {
      const std::string h = c.at("header");
      INFO(h);
      auto p = parse({h});
      REQUIRE(**p);
      CHECK((***p).is(kind == "decode_basic" ? "Basic" : "Bearer"));
      CHECK((***p).has_token68());
      if (c.at("expected").contains("token")) CHECK((***p).token68() == c.at("expected").at("token").get<std::string>());
      // 1*SP: any number of spaces before the token68.
      CHECK((***p).token68().find(' ') == std::string_view::npos);
      ++n;
    } else {
      // encode_*: the builder writes the scheme, one SP, the token68.
      const std::string want = c.at("expected_header");
      const auto sp = want.find(' ');
      auto s = authwire::credentials_builder(want.substr(0, sp)).token68(want.substr(sp + 1)).str();
      REQUIRE(s);
      CHECK(*s == want);
    }
  }
  CHECK(n == 7);
}

TEST_CASE("credentials: seeded random credentials round-trip", "[credentials][roundtrip]") {
  std::mt19937 rng(7u);
  auto below = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  const std::string_view tchars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const std::string_view t68 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
  auto token = [&](std::size_t max) {
    std::string s;
    for (std::size_t i = 0, n = 1 + below(max); i < n; ++i) s += tchars[below(tchars.size())];
    return s;
  };
  std::size_t done = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    const std::string scheme = token(12);
    authwire::credentials_builder b(scheme);
    std::optional<std::string> tok;
    std::vector<std::pair<std::string, std::string>> ps;
    if (below(3) == 0) {
      std::string t;
      for (std::size_t i = 0, n = 1 + below(60); i < n; ++i) t += t68[below(t68.size())];
      t.append(below(3), '=');
      tok = t;
      b.token68(t);
    } else {
      for (std::size_t i = 0, n = below(12); i < n; ++i) {
        std::string name = token(10) + std::to_string(i);  // unique: the suffix differs
        std::string v;
        for (std::size_t k = 0, m = below(40); k < m; ++k) {
          const auto r = below(10);
          v += r == 0 ? '"' : r == 1 ? '\\' : r == 2 ? ',' : r == 3 ? '=' : r == 4 ? ' '
             : r == 5 ? static_cast<char>(0x80 + below(128)) : static_cast<char>(0x21 + below(94));
        }
        b.param(name, v, below(2) ? quoting::always : quoting::as_needed);
        ps.emplace_back(name, v);
      }
    }
    auto s = b.str();
    REQUIRE(s);
    auto p = parse({*s});
    INFO(*s);
    REQUIRE(**p);
    const auto& c = ***p;
    CHECK(c.scheme() == scheme);
    CHECK(c.has_token68() == tok.has_value());
    if (tok) CHECK(c.token68() == *tok);
    REQUIRE(c.params().size() == ps.size());
    for (std::size_t i = 0; i < ps.size(); ++i) {
      CHECK(c.params()[i].name == ps[i].first);
      CHECK(c.params()[i].value() == ps[i].second);
    }
    ++done;
  }
  CHECK(done == 3000);
}
