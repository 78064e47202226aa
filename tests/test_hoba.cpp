#include <authwire/schemes/hoba.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <authwire/server.hpp>

namespace hoba = authwire::hoba;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

int run(const std::string& cmd) { return std::system((cmd + " 2>/dev/null").c_str()); }

/// Keys made once per test run by the `openssl` command, in a private temporary directory.
struct keys {
  fs::path dir;
  std::string a_priv, a_pub, b_priv, b_pub, small_priv, small_pub, ec_priv, ec_pub;

  keys() {
    std::string tmpl = (fs::temp_directory_path() / "authwire_hoba_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    dir = tmpl;
    const std::string d = dir.string();
    auto gen = [&](const std::string& name, const std::string& cmd, const std::string& tail) {
      if (run("openssl " + cmd + " -out " + d + "/" + name + ".pem " + tail) != 0 ||
          run("openssl pkey -in " + d + "/" + name + ".pem -pubout -out " + d + "/" + name + ".pub") != 0)
        throw std::runtime_error("openssl failed for " + name);
    };
    gen("a", "genrsa", "2048");
    gen("b", "genrsa", "2048");
    gen("small", "genrsa", "1024");
    gen("ec", "ecparam -name prime256v1 -genkey -noout", "");
    // `openssl rsa -pubout` is the documented way for RSA keys; make sure it agrees.
    REQUIRE(run("openssl rsa -in " + d + "/a.pem -pubout -out " + d + "/a_rsa.pub") == 0);
    a_priv = read_file(dir / "a.pem");
    a_pub = read_file(dir / "a.pub");
    REQUIRE(read_file(dir / "a_rsa.pub") == a_pub);
    b_priv = read_file(dir / "b.pem");
    b_pub = read_file(dir / "b.pub");
    small_priv = read_file(dir / "small.pem");
    small_pub = read_file(dir / "small.pub");
    ec_priv = read_file(dir / "ec.pem");
    ec_pub = read_file(dir / "ec.pub");
  }
  ~keys() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

const keys& K() {
  static keys k;
  return k;
}

authwire::private_key priv(const std::string& pem) {
  auto k = authwire::private_key::from_pem(pem);
  REQUIRE(k);
  return *k;
}
authwire::public_key pub(const std::string& pem) {
  auto k = authwire::public_key::from_pem(pem);
  REQUIRE(k);
  return *k;
}

/// An owning request for request_view.
struct request {
  std::string method = "GET", target = "/", body, scheme = "https";
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<authwire::header_view> views;
  bool has_body = false;

  request& header(std::string n, std::string v) {
    headers.emplace_back(std::move(n), std::move(v));
    return *this;
  }
  authwire::request_view view() {
    views.clear();
    for (auto& h : headers) views.push_back({h.first, h.second});
    authwire::request_view r;
    r.method = method;
    r.target = target;
    r.headers = views.data();
    r.header_count = views.size();
    r.body = body;
    r.has_body = has_body;
    r.origin_scheme = scheme;
    return r;
  }
};

using authwire_test::down_store;

/// A server with a registry of keys, a settable clock and a deterministic random source.
struct server {
  std::int64_t now = 1700000000;
  std::map<std::string, hoba::key_record, std::less<>> db;
  std::shared_ptr<authwire::memory_store> store = std::make_shared<authwire::memory_store>();
  std::shared_ptr<hoba::handler> h;
  authwire::authenticator auth;
  unsigned char counter = 0;

  explicit server(hoba::options o = {}, bool with_store = true) {
    if (o.realm.empty()) o.realm = "example realm";
    o.clock = [this] { return now; };
    o.random = [this](unsigned char* p, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(counter + i);
      ++counter;
    };
    if (with_store && !o.store) o.store = store;
    h = std::make_shared<hoba::handler>(
        o,
        [this](std::string_view kid) -> std::optional<hoba::key_record> {
          auto it = db.find(kid);
          if (it == db.end()) return std::nullopt;
          return it->second;
        },
        [this](const hoba::registration& r) {
          db[r.kid] = hoba::key_record{r.key, r.alg, "user-" + r.kid};
          return hoba::registration_answer{hoba::registration_state::regok, "user-" + r.kid};
        });
    auth.add(h);
  }

  void add(const std::string& kid, const std::string& pub_pem, const std::string& user,
           hoba::signature_algorithm alg = hoba::signature_algorithm::rsa_sha256) {
    db[kid] = hoba::key_record{pub(pub_pem), alg, user};
  }

  /// A fresh challenge from a 401 answer to a request without credentials.
  hoba::challenge_params challenge() {
    request r;
    r.header("Host", "example.org");
    auto d = auth.authenticate(r.view());
    REQUIRE(d.status() == 401);
    REQUIRE(d.challenges().size() == 1);
    auto c = hoba::parse_challenge(d.challenges()[0]);
    REQUIRE(c);
    return *c;
  }
};

std::string sign(const std::string& priv_pem, const std::string& kid, const hoba::challenge_params& c,
                 std::string origin = "https://example.org:443", std::string realm = "\x01",
                 hoba::signature_algorithm alg = hoba::signature_algorithm::rsa_sha256) {
  hoba::sign_params p;
  p.kid = kid;
  p.challenge = c.challenge;
  p.origin = origin;
  if (realm == "\x01") realm = c.realm;
  p.realm = realm;
  p.alg = alg;
  p.nonce = "bm9uY2Utbm9uY2U";
  auto r = hoba::make_result(priv(priv_pem), p);
  REQUIRE(r);
  return *r;
}

authwire::decision send(server& s, const std::string& result, const std::string& host = "example.org") {
  request r;
  r.header("Host", host).header("Authorization", "HOBA result=\"" + result + "\"");
  return s.auth.authenticate(r.view());
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("hoba: HOBA-TBS is six length-prefixed fields (RFC 7486 section 2)", "[hoba][rfc7486]") {
  CHECK(hoba::to_be_signed("n0nce", hoba::signature_algorithm::rsa_sha256, "https://example.org:443", "", "kid",
                           "ch") == "5:n0nce1:023:https://example.org:4430:3:kid2:ch");
  CHECK(hoba::to_be_signed("abcdefghij", hoba::signature_algorithm::rsa_sha1, "http://a:8080", "my realm", "K",
                           "c-_=") == "10:abcdefghij1:113:http://a:80808:my realm1:K4:c-_=");
  std::string s;
  hoba::append_tbs_field(s, std::string(123, 'x'));
  CHECK(s.substr(0, 4) == "123:");
  CHECK(s.size() == 127);
}

TEST_CASE("hoba: origin from scheme and Host", "[hoba][origin]") {
  using hoba::origin_form;
  CHECK(*hoba::make_origin("https", "example.org") == "https://example.org:443");
  CHECK(*hoba::make_origin("http", "example.org") == "http://example.org:80");
  CHECK(*hoba::make_origin("HTTPS", "Example.ORG:8443") == "https://example.org:8443");
  CHECK(*hoba::make_origin("http", "example.org:080") == "http://example.org:80");
  CHECK(*hoba::make_origin("https", "example.org", origin_form::rfc6454) == "https://example.org");
  CHECK(*hoba::make_origin("https", "example.org:443", origin_form::rfc6454) == "https://example.org");
  CHECK(*hoba::make_origin("http", "example.org:8080", origin_form::rfc6454) == "http://example.org:8080");
  CHECK(*hoba::make_origin("http", "[::1]:8080") == "http://[::1]:8080");
  CHECK(*hoba::make_origin("ws", "h:1") == "ws://h:1");

  struct bad_case {
    const char* scheme;
    const char* host;
    hoba::errc code;
    std::size_t offset;
  };
  const bad_case bad[] = {
      {"https", "", hoba::errc::bad_host, 0},
      {"https", "exa mple.org", hoba::errc::bad_host, 3},
      {"https", "example.org:", hoba::errc::bad_host, 12},
      {"https", "example.org:99999", hoba::errc::bad_host, 12},
      {"https", "example.org:44a", hoba::errc::bad_host, 14},
      {"https", "example.org:123456", hoba::errc::bad_host, 17},
      {"https", ":443", hoba::errc::bad_host, 0},
      {"https", "[::1", hoba::errc::bad_host, 4},
      {"https", "[]", hoba::errc::bad_host, 1},
      {"https", "[::1]x", hoba::errc::bad_host, 5},
      {"https", "a/b", hoba::errc::bad_host, 1},
      {"ftp", "example.org", hoba::errc::bad_origin, 0},
      {"", "example.org", hoba::errc::bad_origin, 0},
      {"h%s", "example.org", hoba::errc::bad_origin, 1},
  };
  for (const auto& b : bad) {
    INFO(b.scheme << " " << b.host);
    auto r = hoba::make_origin(b.scheme, b.host);
    REQUIRE_FALSE(r);
    CHECK(r.code() == b.code);
    CHECK(r.offset() == b.offset);
  }
}

TEST_CASE("hoba: parses a HOBA-RES and decodes the signature", "[hoba][parse]") {
  auto r = hoba::parse_result("a2lk.Y2hhbGxlbmdl.bm9uY2U.c2lnbmF0dXJl");
  REQUIRE(r);
  CHECK(r->kid == "a2lk");
  CHECK(r->challenge == "Y2hhbGxlbmdl");
  CHECK(r->nonce == "bm9uY2U");
  CHECK(r->sig_text == "c2lnbmF0dXJl");
  CHECK(r->sig == "signature");
  CHECK(r->kid_offset == 0);
  CHECK(r->challenge_offset == 5);
  CHECK(r->nonce_offset == 18);
  CHECK(r->sig_offset == 26);
  // '=' is a base64urlchar (RFC 7486 section 2): padded parts and a padded signature are accepted.
  auto p = hoba::parse_result("a2lk.Y2g=.bm9uY2U=.c2ln", 10);
  REQUIRE(p);
  CHECK(p->challenge == "Y2g=");
  CHECK(p->kid_offset == 10);
  CHECK(hoba::parse_result("k.c.nonce0.c2lnbg==")->sig == "sign");
}

TEST_CASE("hoba: every malformed HOBA-RES part has its own errc and offset", "[hoba][parse][negative]") {
  struct bad_case {
    std::string in;
    hoba::errc code;
    std::size_t offset;
  };
  const std::string big(1025, 'A');
  const std::vector<bad_case> cases = {
      {"", hoba::errc::empty_kid, 0},
      {".c.nonce0.sig", hoba::errc::empty_kid, 0},
      {"k!d.c.nonce0.c2ln", hoba::errc::bad_kid, 1},
      {"kid", hoba::errc::missing_challenge, 3},
      {"kid..nonce0.c2ln", hoba::errc::empty_challenge, 4},
      {"kid.c+h.nonce0.c2ln", hoba::errc::bad_challenge, 5},
      {"kid.ch", hoba::errc::missing_nonce, 6},
      {"kid.ch..c2ln", hoba::errc::empty_nonce, 7},
      {"kid.ch.non/ce0.c2ln", hoba::errc::bad_nonce, 10},
      {"kid.ch.nonc.c2ln", hoba::errc::nonce_too_short, 7},
      {"kid.ch.nonce0", hoba::errc::missing_signature, 13},
      {"kid.ch.nonce0.", hoba::errc::empty_signature, 14},
      {"kid.ch.nonce0.c2l*", hoba::errc::bad_signature_encoding, 17},
      {"kid.ch.nonce0.c", hoba::errc::bad_signature_encoding, 15},       // 1 char: not a base64 length
      {"kid.ch.nonce0.c2lnbh", hoba::errc::bad_signature_encoding, 19},  // non-zero pad bits
      {"kid.ch.nonce0.c2ln.more", hoba::errc::too_many_parts, 18},
      {big + ".ch.nonce0.c2ln", hoba::errc::part_too_long, 0},
      {"kid." + big + ".nonce0.c2ln", hoba::errc::part_too_long, 4},
      {"kid.ch.nonce0." + big, hoba::errc::part_too_long, 14},
  };
  for (const auto& c : cases) {
    INFO(c.in.substr(0, 40));
    // An exact-size heap copy, so that sanitizers see any over-read.
    std::unique_ptr<char[]> buf(new char[c.in.size() + 1]);
    std::copy(c.in.begin(), c.in.end(), buf.get());
    auto r = hoba::parse_result(std::string_view(buf.get(), c.in.size()));
    REQUIRE_FALSE(r);
    CHECK(hoba::to_string(r.code()) == hoba::to_string(c.code));
    CHECK(r.offset() == c.offset);
  }
}

TEST_CASE("hoba: Authorization value errors carry offsets into the value", "[hoba][parse][negative]") {
  struct bad_case {
    std::string in;
    hoba::errc code;
    std::size_t offset;
  };
  const std::vector<bad_case> cases = {
      {"HOBA result=\"kid.ch.nonce0.c2ln", hoba::errc::bad_syntax, 12},      // unterminated quoted-string
      {"Basic result=\"kid.ch.nonce0.c2ln\"", hoba::errc::not_hoba, 0},
      {"HOBA a2lkLmNoLm5vbmNlMC5jMmxu", hoba::errc::token68_form, 5},
      {"HOBA realm=\"x\"", hoba::errc::missing_result, 14},
      {"HOBA", hoba::errc::missing_result, 4},
      {"HOBA result=\"kid.c\\h.nonce0.c2ln\"", hoba::errc::bad_challenge, 18},  // a quoted-pair
      {"HOBA result=\"\\kid.ch.nonce0.c2ln\"", hoba::errc::bad_kid, 13},
      {"HOBA result=\"kid!.ch.nonce0.c2ln\"", hoba::errc::bad_kid, 16},
      {"HOBA result=kid.ch.nonce0.c2l!", hoba::errc::bad_signature_encoding, 29},  // "!" is a tchar
      {"HOBA result=\"kid.ch.nonce0.c2l!\"", hoba::errc::bad_signature_encoding, 30},
      {"HOBA  x=1, result=\"kid.ch\"", hoba::errc::missing_nonce, 25},
      {"HOBA result=\"kid.ch.nonce0.c2ln\", result=\"x\"", hoba::errc::bad_syntax, 34},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto r = hoba::parse_credentials(c.in);
    REQUIRE_FALSE(r);
    CHECK(hoba::to_string(r.code()) == hoba::to_string(c.code));
    CHECK(r.offset() == c.offset);
  }
  // Unquoted result and unknown params are fine.
  auto ok = hoba::parse_credentials("hoba foo=bar, result=kid.ch.nonce0.c2ln");
  REQUIRE(ok);
  CHECK(ok->kid == "kid");
  CHECK(ok->sig_offset == 35);
}

TEST_CASE("hoba: challenge build -> parse round trip, and the peer example", "[hoba][challenge]") {
  auto v = hoba::build_challenge("Y2hhbGxlbmdl", 600, "my \"realm\"");
  REQUIRE(v);
  CHECK(*v == R"(HOBA challenge="Y2hhbGxlbmdl", max-age=600, realm="my \"realm\"")");
  auto c = hoba::parse_challenge(*v);
  REQUIRE(c);
  CHECK(c->challenge == "Y2hhbGxlbmdl");
  CHECK(c->max_age == 600);
  CHECK(c->realm == "my \"realm\"");
  CHECK(c->has_realm);
  CHECK(*hoba::build_challenge("abc", 5) == R"(HOBA challenge="abc", max-age=5)");
  CHECK_FALSE(hoba::build_challenge("abc", 5, "a\r\nb"));

  // The syntax example in tests/data/hoba/hoba-rfc7486.json (a peer's doc comment, commas added).
  const auto j = nlohmann::json::parse(read_file(fs::path(AUTHWIRE_TEST_DATA) / "hoba" / "hoba-rfc7486.json"));
  const std::string ex = j["challenge"]["syntax_examples_from_peer_code"][0].get<std::string>();
  auto p = hoba::parse_challenge(ex);
  REQUIRE(p);
  CHECK(p->challenge == "MPl_cQSW5Aa40kGGo6haUsm4Kkzs7pQ8t4are0mzD9s=");
  CHECK(p->max_age == 10);
  CHECK(p->realm == "scuma");
  // The registry in the same file.
  for (auto& [num, name] : j["registries_recalled"]["signature_algorithms"].items()) {
    auto a = hoba::algorithm_from_number(static_cast<unsigned>(std::stoul(num)));
    REQUIRE(a);
    CHECK((name == "RSA-SHA256") == (*a == hoba::signature_algorithm::rsa_sha256));
    CHECK((name == "RSA-SHA1") == (*a == hoba::signature_algorithm::rsa_sha1));
  }
  CHECK_FALSE(hoba::algorithm_from_number(2));

  struct bad_case {
    std::string in;
    hoba::errc code;
    std::size_t offset;
  };
  const std::vector<bad_case> cases = {
      {"Basic realm=\"x\"", hoba::errc::not_a_hoba_challenge, 0},
      {"Basic realm=\"x\", HOBA max-age=3", hoba::errc::missing_challenge_param, 17},
      {"HOBA challenge=\"\", max-age=3", hoba::errc::bad_challenge_param, 16},
      {"HOBA challenge=\"ab+c\", max-age=3", hoba::errc::bad_challenge_param, 18},
      {"HOBA challenge=abc", hoba::errc::missing_max_age, 0},
      {"HOBA challenge=abc, max-age=1x", hoba::errc::bad_max_age, 29},
      {"HOBA challenge=abc, max-age=\"\"", hoba::errc::bad_max_age, 29},
      {"HOBA challenge=\"abc", hoba::errc::bad_syntax, 15},
  };
  for (const auto& b : cases) {
    INFO(b.in);
    auto r = hoba::parse_challenge(b.in);
    REQUIRE_FALSE(r);
    CHECK(hoba::to_string(r.code()) == hoba::to_string(b.code));
    CHECK(r.offset() == b.offset);
  }
}

TEST_CASE("hoba: client result round trip (make_result -> parse -> verify)", "[hoba][client]") {
  const auto key = priv(K().a_priv);
  hoba::sign_params p;
  p.kid = "a2lk";
  p.challenge = "Y2hhbGxlbmdl";
  p.origin = "https://example.org:443";
  p.realm = "r";
  p.nonce = "bm9uY2UxMjM";
  auto res = hoba::make_result(key, p);
  REQUIRE(res);
  auto cred = hoba::build_credentials(*res);
  REQUIRE(cred);
  CHECK(cred->rfind("HOBA result=\"a2lk.Y2hhbGxlbmdl.bm9uY2UxMjM.", 0) == 0);
  auto parsed = hoba::parse_credentials(*cred);
  REQUIRE(parsed);
  CHECK(parsed->kid == p.kid);
  CHECK(parsed->challenge == p.challenge);
  CHECK(parsed->nonce == p.nonce);
  CHECK(parsed->sig.size() == 256);
  const auto tbs = hoba::to_be_signed(p.nonce, p.alg, p.origin, p.realm, p.kid, p.challenge);
  CHECK(authwire::verify_signature(pub(K().a_pub), authwire::hash_algorithm::sha256, tbs, parsed->sig));
  CHECK_FALSE(authwire::verify_signature(pub(K().b_pub), authwire::hash_algorithm::sha256, tbs, parsed->sig));

  // A random nonce when none is given: 32 bytes, 43 base64url chars.
  p.nonce = {};
  auto r2 = hoba::make_result(key, p);
  REQUIRE(r2);
  CHECK(hoba::parse_result(*r2)->nonce.size() == 43);

  // Unusable inputs.
  p.kid = "";
  CHECK(hoba::make_result(key, p).code() == hoba::errc::empty_kid);
  p.kid = "k/d";
  CHECK(hoba::make_result(key, p).code() == hoba::errc::bad_kid);
  CHECK(hoba::make_result(key, p).offset() == 1);
  p.kid = "kid";
  p.challenge = "c.h";
  CHECK(hoba::make_result(key, p).code() == hoba::errc::bad_challenge);
  p.challenge = "ch";
  p.nonce = "a.b";
  CHECK(hoba::make_result(key, p).code() == hoba::errc::bad_nonce);
  p.nonce = {};
  CHECK(hoba::make_result(priv(K().ec_priv), p).code() == hoba::errc::sign_failed);
}

TEST_CASE("hoba: login through the authenticator, and the status table", "[hoba][server]") {
  server s;
  s.add("a2lk", K().a_pub, "alice");
  s.add("YmI", K().b_pub, "bob");

  SECTION("no credentials: 401 with a fresh single challenge of 32+ random bytes") {
    auto c = s.challenge();
    CHECK(c.max_age == 600);
    CHECK(c.realm == "example realm");
    std::string raw;
    REQUIRE(authwire::base64url_decode(raw, c.challenge));
    CHECK(raw.size() == 32);
    CHECK(s.challenge().challenge != c.challenge);
  }
  SECTION("a right answer is allowed once; a reuse gets 401 and a fresh challenge") {
    auto c = s.challenge();
    const auto res = sign(K().a_priv, "a2lk", c);
    auto d = send(s, res);
    CHECK(d.status() == 200);
    CHECK(d.identity() == "alice");
    CHECK(d.scheme() == "HOBA");
    CHECK(d.extra_headers().empty());  // sessions are off by default
    auto again = send(s, res);
    CHECK(again.status() == 401);
    CHECK(again.reason() == "unknown_challenge");
    REQUIRE(again.challenges().size() == 1);
    CHECK(hoba::parse_challenge(again.challenges()[0])->challenge != c.challenge);
  }
  SECTION("expired: challenge_expired within the grace period, unknown_challenge after it") {
    auto c = s.challenge();
    const auto res = sign(K().a_priv, "a2lk", c);
    s.now += 600;
    auto c2 = s.challenge();
    CHECK(send(s, res).status() == 200);  // exactly max-age: still valid
    s.now += 1;
    auto d = send(s, sign(K().a_priv, "a2lk", c2));
    CHECK(d.status() == 200);
    auto c3 = s.challenge();
    s.now += 601;
    d = send(s, sign(K().a_priv, "a2lk", c3));
    CHECK(d.status() == 401);
    CHECK(d.reason() == "challenge_expired");
    auto c4 = s.challenge();
    s.now += 600 + 300;
    d = send(s, sign(K().a_priv, "a2lk", c4));
    CHECK(d.status() == 401);
    CHECK(d.reason() == "unknown_challenge");
  }
  SECTION("a challenge this server never issued") {
    hoba::challenge_params c;
    c.challenge = "bm90LWlzc3VlZC1oZXJl";
    c.realm = "example realm";
    auto d = send(s, sign(K().a_priv, "a2lk", c));
    CHECK(d.status() == 401);
    CHECK(d.reason() == "unknown_challenge");
  }
  SECTION("wrong key: signed by bob's key for alice's kid") {
    auto d = send(s, sign(K().b_priv, "a2lk", s.challenge()));
    CHECK(d.status() == 401);
    CHECK(d.reason() == "bad_signature");
    CHECK(d.challenges().size() == 1);
  }
  SECTION("unknown kid") {
    auto d = send(s, sign(K().a_priv, "bm9ib2R5", s.challenge()));
    CHECK(d.status() == 401);
    CHECK(d.reason() == "unknown_kid");
  }
  SECTION("altered origin: signed for another host, or another port, or http") {
    auto d = send(s, sign(K().a_priv, "a2lk", s.challenge(), "https://evil.example:443"));
    CHECK(d.reason() == "bad_signature");
    d = send(s, sign(K().a_priv, "a2lk", s.challenge(), "https://example.org:8443"));
    CHECK(d.reason() == "bad_signature");
    d = send(s, sign(K().a_priv, "a2lk", s.challenge(), "http://example.org:80"));
    CHECK(d.reason() == "bad_signature");
    d = send(s, sign(K().a_priv, "a2lk", s.challenge(), "https://example.org"));  // RFC 6454 form
    CHECK(d.reason() == "bad_signature");
    // The right signature sent to another Host: the server's origin differs.
    d = send(s, sign(K().a_priv, "a2lk", s.challenge()), "other.example");
    CHECK(d.status() == 401);
    CHECK(d.reason() == "bad_signature");
  }
  SECTION("altered realm") {
    auto d = send(s, sign(K().a_priv, "a2lk", s.challenge(), "https://example.org:443", "other realm"));
    CHECK(d.status() == 401);
    CHECK(d.reason() == "bad_signature");
    d = send(s, sign(K().a_priv, "a2lk", s.challenge(), "https://example.org:443", ""));
    CHECK(d.reason() == "bad_signature");
  }
  SECTION("altered kid: alice's result relabelled as bob's kid") {
    auto res = sign(K().a_priv, "a2lk", s.challenge());
    res.replace(0, 4, "YmI");
    auto d = send(s, res);
    CHECK(d.status() == 401);
    CHECK(d.reason() == "bad_signature");
  }
  SECTION("altered nonce or challenge text") {
    auto c = s.challenge();
    auto res = sign(K().a_priv, "a2lk", c);
    const auto nonce_at = res.find("bm9uY2Utbm9uY2U");
    res[nonce_at] = 'c';
    CHECK(send(s, res).reason() == "bad_signature");
  }
  SECTION("truncated signature") {
    for (std::size_t cut : {1u, 128u, 255u}) {
      auto res = sign(K().a_priv, "a2lk", s.challenge());
      const auto dot = res.rfind('.') + 1;
      std::string sig;
      REQUIRE(authwire::base64url_decode(sig, res.substr(dot)));
      sig.resize(sig.size() - cut);  // re-encoded: valid base64url, shorter signature
      auto d = send(s, res.substr(0, dot) + authwire::base64url_encode(sig));
      CHECK(d.status() == 401);
      CHECK(d.reason() == "bad_signature");
    }
  }
  SECTION("malformed result: 400, and the challenge is not used up") {
    auto c = s.challenge();
    auto res = sign(K().a_priv, "a2lk", c);
    auto d = send(s, res + ".x");
    CHECK(d.status() == 400);
    CHECK(d.reason() == "too_many_parts");
    CHECK(send(s, res).status() == 200);
  }
  SECTION("no Host header and no fixed origin: 400 missing_host") {
    auto res = sign(K().a_priv, "a2lk", s.challenge());
    request r;
    r.header("Authorization", "HOBA result=\"" + res + "\"");
    auto d = s.auth.authenticate(r.view());
    CHECK(d.status() == 400);
    CHECK(d.reason() == "missing_host");
    request r2;
    r2.header("Authorization", "HOBA result=\"" + res + "\"").header("Host", "a b");
    CHECK(s.auth.authenticate(r2.view()).reason() == "bad_host");
  }
  SECTION("the precise error and offset through handler::authenticate") {
    auto c = s.challenge();
    const auto res = sign(K().b_priv, "a2lk", c);
    request r;
    r.header("Host", "example.org");
    const std::string value = "HOBA result=\"" + res + "\"";
    auto e = s.h->authenticate(r.view(), value);
    REQUIRE_FALSE(e);
    CHECK(e.code() == hoba::errc::bad_signature);
    CHECK(e.offset() == value.rfind('.') + 1);
    CHECK(e.error_code().category().name() == std::string("authwire.hoba"));
    CHECK(e.error_code().message() == "the signature does not verify");
  }
}

TEST_CASE("hoba: RSA-SHA1 only where enabled, key type and size", "[hoba][server][alg]") {
  SECTION("refused by default") {
    server s;
    s.add("c2hhMQ", K().a_pub, "old", hoba::signature_algorithm::rsa_sha1);
    auto d = send(s, sign(K().a_priv, "c2hhMQ", s.challenge(), "https://example.org:443", "\x01",
                          hoba::signature_algorithm::rsa_sha1));
    CHECK(d.status() == 401);
    CHECK(d.reason() == "algorithm_not_allowed");
  }
  SECTION("accepted when enabled; the alg is part of the signed blob") {
    hoba::options o;
    o.allow_rsa_sha1 = true;
    server s(o);
    s.add("c2hhMQ", K().a_pub, "old", hoba::signature_algorithm::rsa_sha1);
    auto d = send(s, sign(K().a_priv, "c2hhMQ", s.challenge(), "https://example.org:443", "\x01",
                          hoba::signature_algorithm::rsa_sha1));
    CHECK(d.status() == 200);
    CHECK(d.identity() == "old");
    // Signed as RSA-SHA256 for a key registered with RSA-SHA1: the blobs differ ("1:0" vs "1:1").
    d = send(s, sign(K().a_priv, "c2hhMQ", s.challenge()));
    CHECK(d.reason() == "bad_signature");
  }
  SECTION("an EC key or a 1024-bit RSA key registered for an RSA algorithm") {
    server s;
    s.add("ZWM", K().ec_pub, "ec");
    s.add("c21hbGw", K().small_pub, "small");
    auto d = send(s, sign(K().a_priv, "ZWM", s.challenge()));
    CHECK(d.reason() == "key_type_mismatch");
    d = send(s, sign(K().small_priv, "c21hbGw", s.challenge()));
    CHECK(d.reason() == "key_too_small");
    hoba::options o;
    o.min_rsa_bits = 1024;
    server s2(o);
    s2.add("c21hbGw", K().small_pub, "small");
    CHECK(send(s2, sign(K().small_priv, "c21hbGw", s2.challenge())).status() == 200);
  }
}

TEST_CASE("hoba: fixed origin and RFC 6454 origin form", "[hoba][server][origin]") {
  SECTION("fixed origin: the Host header does not matter") {
    hoba::options o;
    o.origin = "https://app.example:443";
    server s(o);
    s.add("a2lk", K().a_pub, "alice");
    CHECK(send(s, sign(K().a_priv, "a2lk", s.challenge(), "https://app.example:443"), "internal:8080").status() ==
          200);
    CHECK(send(s, sign(K().a_priv, "a2lk", s.challenge(), "https://example.org:443")).reason() == "bad_signature");
  }
  SECTION("rfc6454 form") {
    hoba::options o;
    o.form = hoba::origin_form::rfc6454;
    server s(o);
    s.add("a2lk", K().a_pub, "alice");
    CHECK(send(s, sign(K().a_priv, "a2lk", s.challenge(), "https://example.org")).status() == 200);
    CHECK(send(s, sign(K().a_priv, "a2lk", s.challenge(), "https://example.org:443")).reason() == "bad_signature");
  }
}

TEST_CASE("hoba: an unreachable store fails closed with 503", "[hoba][server][store]") {
  hoba::options o;
  o.store = std::make_shared<down_store>();
  server s(o, false);
  s.add("a2lk", K().a_pub, "alice");
  hoba::challenge_params c;
  c.challenge = "Y2hhbGxlbmdl";
  c.realm = "example realm";
  auto d = send(s, sign(K().a_priv, "a2lk", c));
  CHECK(d.status() == 503);
  CHECK(d.reason() == "store_unavailable");
  CHECK(s.h->issue_challenge().code() == hoba::errc::store_unavailable);
  // No challenge can be recorded, so none is offered.
  std::vector<std::string> out;
  request r;
  s.h->challenges(r.view(), out);
  CHECK(out.empty());
}

TEST_CASE("hoba: the TBS matches an independent signer (openssl dgst)", "[hoba][interop]") {
  const fs::path d = K().dir;
  for (auto alg : {hoba::signature_algorithm::rsa_sha256, hoba::signature_algorithm::rsa_sha1}) {
    const bool sha1 = alg == hoba::signature_algorithm::rsa_sha1;
    INFO((sha1 ? "sha1" : "sha256"));
    hoba::options o;
    o.allow_rsa_sha1 = true;
    server s(o);
    s.add("a2lk", K().a_pub, "alice", alg);
    const auto c = s.challenge();
    const std::string nonce = "aW5kZXBlbmRlbnQ";
    // The blob written by hand from RFC 7486 section 2, not by to_be_signed().
    const std::string origin = "https://example.org:443";
    std::ostringstream tbs;
    tbs << nonce.size() << ':' << nonce << "1:" << (sha1 ? '1' : '0') << origin.size() << ':' << origin
        << c.realm.size() << ':' << c.realm << "4:a2lk" << c.challenge.size() << ':' << c.challenge;
    CHECK(tbs.str() == hoba::to_be_signed(nonce, alg, origin, c.realm, "a2lk", c.challenge));
    write_file(d / "tbs.txt", tbs.str());
    REQUIRE(run(std::string("openssl dgst ") + (sha1 ? "-sha1" : "-sha256") + " -sign " + (d / "a.pem").string() +
                " -out " + (d / "tbs.sig").string() + " " + (d / "tbs.txt").string()) == 0);
    const std::string sig = read_file(d / "tbs.sig");
    REQUIRE(sig.size() == 256);
    const std::string res = "a2lk." + c.challenge + "." + nonce + "." + authwire::base64url_encode(sig);
    auto dec = send(s, res);
    CHECK(dec.status() == 200);
    CHECK(dec.identity() == "alice");

    // And the other way: our client's signature verifies with `openssl dgst -verify`.
    hoba::sign_params p;
    p.kid = "a2lk";
    p.challenge = c.challenge;
    p.origin = origin;
    p.realm = c.realm;
    p.nonce = nonce;
    p.alg = alg;
    auto ours = hoba::make_result(priv(K().a_priv), p);
    REQUIRE(ours);
    write_file(d / "ours.sig", hoba::parse_result(*ours)->sig);
    CHECK(run(std::string("openssl dgst ") + (sha1 ? "-sha1" : "-sha256") + " -verify " + (d / "a.pub").string() +
              " -signature " + (d / "ours.sig").string() + " " + (d / "tbs.txt").string() + " >/dev/null") == 0);
  }
}

TEST_CASE("hoba: registration with proof of possession (RFC 7486 section 6.1)", "[hoba][registration]") {
  server s;
  const auto key = priv(K().a_priv);
  const std::string kid = hoba::kid_from_public_key(key.get());
  REQUIRE(kid.size() == 43);
  CHECK(kid == hoba::kid_from_public_key(pub(K().a_pub).get()));
  const std::string pem = hoba::public_pem_of(key);
  CHECK(pem == K().a_pub);

  auto post = [&](const std::string& body, const std::string& authz) {
    request r;
    r.method = "POST";
    r.target = std::string(hoba::well_known_register);
    r.body = body;
    r.has_body = true;
    r.header("Host", "example.org");
    if (!authz.empty()) r.header("Authorization", authz);
    return s.h->handle_registration(r.view());
  };
  const std::string body = hoba::build_registration(pem, kid, "my laptop");

  SECTION("regok, then login with the new key") {
    const auto c = s.challenge();
    auto proof = hoba::build_credentials(sign(K().a_priv, kid, c));
    REQUIRE(proof);
    auto d = post(body, *proof);
    CHECK(d.status() == 200);
    CHECK(d.identity() == "user-" + kid);
    REQUIRE(d.extra_headers().size() == 1);
    CHECK(d.extra_headers()[0] == authwire::header_line{"Hobareg", "regok"});
    auto login = send(s, sign(K().a_priv, kid, s.challenge()));
    CHECK(login.status() == 200);
    CHECK(login.identity() == "user-" + kid);
  }
  SECTION("no proof: 401 with a challenge") {
    auto d = post(body, "");
    CHECK(d.status() == 401);
    CHECK(d.reason() == "missing_proof");
    REQUIRE(d.challenges().size() == 1);
    CHECK(hoba::parse_challenge(d.challenges()[0]));
  }
  SECTION("proof signed by another key, or for another kid") {
    auto d = post(body, *hoba::build_credentials(sign(K().b_priv, kid, s.challenge())));
    CHECK(d.status() == 401);
    CHECK(d.reason() == "bad_signature");
    // A proof made with the right key but labelled with another kid: the signature covers the
    // kid, so it is checked against the form's key and the kids are compared.
    d = post(body, *hoba::build_credentials(sign(K().a_priv, "b3RoZXI", s.challenge())));
    CHECK(d.status() == 401);
    CHECK(d.reason() == "proof_kid_mismatch");
  }
  SECTION("a kid registered with another key is refused; the same key again is fine") {
    s.add(kid, K().b_pub, "bob");
    auto d = post(body, *hoba::build_credentials(sign(K().a_priv, kid, s.challenge())));
    CHECK(d.status() == 403);
    CHECK(d.reason() == "kid_in_use");
    s.add(kid, K().a_pub, "alice");
    d = post(body, *hoba::build_credentials(sign(K().a_priv, kid, s.challenge())));
    CHECK(d.status() == 200);
  }
  SECTION("a proof's challenge is single-use too") {
    auto proof = *hoba::build_credentials(sign(K().a_priv, kid, s.challenge()));
    CHECK(post(body, proof).status() == 200);
    CHECK(post(body, proof).reason() == "unknown_challenge");
  }
  SECTION("reginwork and refused") {
    hoba::options o;
    o.realm = "r";
    o.registration_needs_proof = false;
    int calls = 0;
    hoba::handler h(o, {}, [&](const hoba::registration& r) {
      ++calls;
      CHECK(r.did == "my laptop");
      CHECK(r.kidtype == hoba::kid_type::public_key_hash);
      return hoba::registration_answer{calls == 1 ? hoba::registration_state::reginwork
                                                  : hoba::registration_state::refused,
                                       "u"};
    });
    request r;
    r.body = body;
    r.has_body = true;
    auto d = h.handle_registration(r.view());
    CHECK(d.status() == 200);
    CHECK(d.extra_headers()[0].value == "reginwork");
    d = h.handle_registration(r.view());
    CHECK(d.status() == 403);
    CHECK(d.reason() == "registration_refused");
  }
  SECTION("RSA-SHA1 and weak keys refused at registration") {
    auto d = post(hoba::build_registration(pem, kid, "x", hoba::kid_type::public_key_hash,
                                           hoba::signature_algorithm::rsa_sha1),
                  "");
    CHECK(d.status() == 400);
    CHECK(d.reason() == "algorithm_not_allowed");
    d = post(hoba::build_registration(K().ec_pub, "ZWM", "x"), "");
    CHECK(d.reason() == "key_type_mismatch");
    d = post(hoba::build_registration(K().small_pub, "c21hbGw", "x"), "");
    CHECK(d.reason() == "key_too_small");
  }
}

TEST_CASE("hoba: registration form parser errors and offsets", "[hoba][registration][negative]") {
  const std::string pem = K().a_pub;
  auto ok = hoba::parse_registration(hoba::build_registration(pem, "a2lk", "dev 1", hoba::kid_type::unformatted,
                                                              hoba::signature_algorithm::rsa_sha1));
  REQUIRE(ok);
  CHECK(ok->kid == "a2lk");
  CHECK(ok->did == "dev 1");
  CHECK(ok->kidtype == hoba::kid_type::unformatted);
  CHECK(ok->alg == hoba::signature_algorithm::rsa_sha1);
  CHECK(ok->pub == pem);
  // base64 DER instead of PEM, '+' as space elsewhere, unknown fields ignored.
  std::string der_b64;
  for (auto line = pem.find('\n') + 1; line < pem.size();) {
    auto e = pem.find('\n', line);
    if (pem.compare(line, 5, "-----") != 0) der_b64 += pem.substr(line, e - line);
    line = e + 1;
  }
  std::string enc;
  for (char c : der_b64) enc += c == '+' ? std::string("%2B") : c == '/' ? std::string("%2F") : std::string(1, c);
  auto der = hoba::parse_registration("x=1&pub=" + enc + "&kid=a2lk&did=my+phone");
  REQUIRE(der);
  CHECK(der->did == "my phone");
  CHECK(EVP_PKEY_eq(der->key.get(), ok->key.get()) == 1);

  struct bad_case {
    std::string in;
    hoba::errc code;
    std::size_t offset;
  };
  const std::vector<bad_case> cases = {
      {"kid=a2lk", hoba::errc::missing_pub, 8},
      {"pub=&kid=a2lk", hoba::errc::missing_pub, 13},
      {"pub=abc%2", hoba::errc::bad_form_encoding, 7},
      {"pub=abc%zz", hoba::errc::bad_form_encoding, 7},
      {"p\x01ub=1", hoba::errc::bad_form_encoding, 1},
      {"p%0Aub=1", hoba::errc::missing_pub, 8},  // an unknown (decoded) name is ignored
      {"pub=x&pub=y", hoba::errc::duplicate_field, 6},
      {"pub=AAAA", hoba::errc::missing_kid, 8},
      {"pub=AAAA&kid=", hoba::errc::missing_kid, 13},
      {"pub=AAAA&kid=a/b", hoba::errc::bad_kid, 13},
      {"pub=AAAA&kid=ab", hoba::errc::bad_pub, 4},
      {"pub=%21%21&kid=ab", hoba::errc::bad_pub, 4},
      {"kidtype=3", hoba::errc::bad_kidtype, 8},
      {"kidtype=", hoba::errc::bad_kidtype, 8},
      {"didtype=1", hoba::errc::bad_didtype, 8},
      {"did=a%01b", hoba::errc::bad_did, 4},
      {"did=" + std::string(257, 'd'), hoba::errc::bad_did, 4},
      {"kid=" + std::string(1025, 'k'), hoba::errc::part_too_long, 4},
      {"alg=2", hoba::errc::bad_alg, 4},
      {"alg=x", hoba::errc::bad_alg, 4},
      {std::string(16 * 1024 + 1, 'a'), hoba::errc::bad_form_encoding, 16 * 1024},
  };
  for (const auto& c : cases) {
    INFO(c.in.substr(0, 40));
    auto r = hoba::parse_registration(c.in);
    REQUIRE_FALSE(r);
    CHECK(hoba::to_string(r.code()) == hoba::to_string(c.code));
    CHECK(r.offset() == c.offset);
  }
}

TEST_CASE("hoba: login session cookie and logout", "[hoba][session]") {
  hoba::options o;
  o.session.enabled = true;
  server s(o);
  s.add("a2lk", K().a_pub, "alice");
  auto d = send(s, sign(K().a_priv, "a2lk", s.challenge()));
  REQUIRE(d.status() == 200);
  REQUIRE(d.extra_headers().size() == 1);
  const auto& sc = d.extra_headers()[0];
  CHECK(sc.name == "Set-Cookie");
  CHECK(sc.value.rfind("hoba_session=", 0) == 0);
  CHECK(sc.value.find("; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Strict") != std::string::npos);
  const std::string id = sc.value.substr(13, sc.value.find(';') - 13);
  CHECK(id.size() == 43);

  request r;
  r.header("Host", "example.org").header("Cookie", "theme=dark; hoba_session=" + id);
  auto again = s.auth.authenticate(r.view());
  CHECK(again.status() == 200);
  CHECK(again.identity() == "alice");

  SECTION("expiry") {
    s.now += 3600;
    CHECK(s.auth.authenticate(r.view()).reason() == "unknown_session");
  }
  SECTION("an Authorization header wins over the cookie") {
    request r2 = r;
    r2.header("Authorization", "HOBA result=\"x\"");
    CHECK(s.auth.authenticate(r2.view()).status() == 400);
  }
  SECTION("logout expires the cookie and forgets the session") {
    auto h = s.h->logout(r.view());
    REQUIRE(h.size() == 1);
    CHECK(h[0].name == "Set-Cookie");
    CHECK(h[0].value.rfind("hoba_session=; Path=/; Max-Age=0;", 0) == 0);
    auto after = s.auth.authenticate(r.view());
    CHECK(after.status() == 401);
    CHECK(after.reason() == "unknown_session");
    REQUIRE(after.challenges().size() == 1);
  }
  SECTION("a forged or malformed session id") {
    request f;
    f.header("Cookie", "hoba_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    CHECK(s.auth.authenticate(f.view()).reason() == "unknown_session");
    request g;
    g.header("Cookie", "hoba_session=a;b");
    CHECK(s.auth.authenticate(g.view()).reason() == "unknown_session");
    request bad;
    bad.header("Cookie", "hoba_session=<script>");
    CHECK(s.auth.authenticate(bad.view()).reason() == "no_credentials");
  }
}

TEST_CASE("hoba: getchal and adopted challenges", "[hoba][server]") {
  server s;
  s.add("a2lk", K().a_pub, "alice");
  CHECK(hoba::well_known_register == "/.well-known/hoba/register");
  CHECK(hoba::well_known_getchal == "/.well-known/hoba/getchal");
  auto c = s.h->issue_challenge();
  REQUIRE(c);
  CHECK(c->size() == 43);
  auto params = hoba::parse_challenge(s.h->challenge_value(*c));
  REQUIRE(params);
  CHECK(params->challenge == *c);
  CHECK(send(s, sign(K().a_priv, "a2lk", *params)).status() == 200);
  // A challenge issued by another process of the deployment, adopted here.
  hoba::challenge_params other;
  other.challenge = "ZnJvbS1hbm90aGVyLXByb2Nlc3M";
  other.realm = "example realm";
  CHECK(send(s, sign(K().a_priv, "a2lk", other)).reason() == "unknown_challenge");
  REQUIRE(s.h->adopt_challenge(other.challenge, s.now - 10) == authwire::store_status::ok);
  CHECK(send(s, sign(K().a_priv, "a2lk", other)).status() == 200);
  REQUIRE(s.h->adopt_challenge(other.challenge, s.now - 601) == authwire::store_status::ok);
  CHECK(send(s, sign(K().a_priv, "a2lk", other)).reason() == "challenge_expired");
}

TEST_CASE("hoba: unsafe cookie settings turn sessions off", "[hoba][session]") {
  for (auto bad : {std::string("bad name"), std::string("a;b")}) {
    hoba::options o;
    o.session.enabled = true;
    o.session.cookie_name = bad;
    hoba::handler h(o, {});
    CHECK_FALSE(h.opts().session.enabled);
  }
  hoba::options o;
  o.session.enabled = true;
  o.session.path = "/\r\nX-Evil: 1";
  CHECK_FALSE(hoba::handler(o, {}).opts().session.enabled);
  o.session.path = "/";
  CHECK(hoba::handler(o, {}).opts().session.enabled);
}

TEST_CASE("hoba: client respond() answers a server's 401 end to end", "[hoba][client]") {
  server s;
  s.add("a2lk", K().a_pub, "alice");
  request r;
  r.header("Host", "example.org:443");
  auto d = s.auth.authenticate(r.view());
  REQUIRE(d.status() == 401);
  auto origin = hoba::make_origin("https", "example.org:443");
  REQUIRE(origin);
  auto authz = hoba::respond(d.challenges()[0], priv(K().a_priv), "a2lk", *origin);
  REQUIRE(authz);
  request r2;
  r2.header("Host", "example.org:443").header("Authorization", *authz);
  auto ok = s.auth.authenticate(r2.view());
  CHECK(ok.status() == 200);
  CHECK(ok.identity() == "alice");
  CHECK(hoba::respond("Basic realm=\"x\"", priv(K().a_priv), "a2lk", *origin).code() ==
        hoba::errc::not_a_hoba_challenge);
}

TEST_CASE("hoba: every errc has a name and a description", "[hoba][errc]") {
  int named = 0;
  for (int i = 0; i < 256; ++i) {
    const auto e = static_cast<hoba::errc>(i);
    if (hoba::to_string(e) == "unknown") {
      CHECK(hoba::describe(e) == "unknown error");
      continue;
    }
    ++named;
    CHECK(hoba::describe(e) != "unknown error");
    const std::error_code ec = e;
    CHECK(ec.value() == i);
  }
  CHECK(named == 51);
}
