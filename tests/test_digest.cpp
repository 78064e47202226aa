// SPDX-License-Identifier: MIT
// Tests of include/authwire/schemes/digest.hpp: RFC 7616 / RFC 2617 / RFC 2069 vectors,
// libmicrohttpd userhash and userdigest tables, curl's recorded Digest requests, client ->
// server round trips, and the negative cases of the parser and the verifier.
#include <authwire/schemes/digest.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace dg = authwire::digest;
using authwire::header_view;
using authwire::request_view;
using authwire::verdict_kind;
using json = nlohmann::json;

namespace {

json load_json(const std::string& rel) {
  std::ifstream in(std::string(AUTHWIRE_TEST_DATA) + "/" + rel);
  REQUIRE(in.good());
  json j;
  in >> j;
  return j;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A request whose views live as long as this object.
struct test_request {
  std::string method = "GET";
  std::string target = "/dir/index.html";
  std::string body;
  bool has_body = false;
  std::string peer = "127.0.0.1";
  std::string auth;
  std::string host;
  std::vector<header_view> headers;

  request_view view() {
    headers.clear();
    if (!host.empty()) headers.push_back({"Host", host});
    if (!auth.empty()) headers.push_back({"Authorization", auth});
    request_view r;
    r.method = method;
    r.target = target;
    r.headers = headers.data();
    r.header_count = headers.size();
    r.body = body;
    r.has_body = has_body;
    r.peer_address = peer;
    return r;
  }
};

// Accounts: user -> password, and a lookup over them.
struct accounts {
  std::map<std::string, std::string, std::less<>> pw;
  dg::credential_fn lookup() const {
    return [this](std::string_view user, std::string_view, dg::algorithm, std::string& secret) {
      auto it = pw.find(user);
      if (it == pw.end()) return dg::secret_kind::unknown;
      secret = it->second;
      return dg::secret_kind::password;
    };
  }
  dg::userhash_fn by_hash() const {
    return [this](std::string_view uh, std::string_view realm, dg::algorithm a, std::string& user) {
      for (const auto& [u, p] : pw)
        if (dg::userhash(a, u, realm) == uh) {
          user = u;
          return true;
        }
      return false;
    };
  }
};

// A deterministic random source.
authwire::random_fn counter_random(unsigned char seed = 1) {
  auto state = std::make_shared<unsigned char>(seed);
  return [state](unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) p[i] = (*state)++;
  };
}

dg::options base_options(std::int64_t* now) {
  dg::options o;
  o.realm = "http-auth@example.org";
  o.algorithms = {dg::algorithm::sha256, dg::algorithm::md5};
  o.qops = {dg::qop::auth, dg::qop::auth_int};
  o.opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
  o.clock = [now] { return *now; };
  o.random = counter_random();
  o.nonce_keys = {std::string(32, 'k')};
  return o;
}

std::string join(const std::vector<std::string>& v) { return authwire::join_challenges(v.data(), v.data() + v.size()); }

using authwire_test::down_store;

}  // namespace

// ---------------------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------------------

TEST_CASE("digest: RFC and peer vectors reproduce HA1, HA2 and response", "[digest][rfc7616][vectors]") {
  const json j = load_json("digest/vectors.json");
  int checked = 0;
  for (const auto& v : j["vectors"]) {
    if (!v.contains("expected_response")) continue;
    INFO(v["id"].get<std::string>());
    const auto alg = dg::parse_algorithm(v["algorithm"].get<std::string>());
    REQUIRE(alg);
    const std::string user = v["username"], realm = v["realm"], pw = v["password"];
    const std::string h1 = dg::ha1(*alg, user, realm, pw);
    if (!dg::is_session(*alg)) CHECK(h1 == v["expected_HA1"].get<std::string>());
    const bool has_qop = v.contains("qop") && !v["qop"].is_null();
    const dg::qop q = has_qop ? dg::qop::auth : dg::qop::none;
    const std::string nc = has_qop ? v["nc"].get<std::string>() : "";
    const std::string cnonce = v.contains("cnonce") ? v["cnonce"].get<std::string>() : "";
    const std::string resp = dg::compute_response(*alg, q, h1, v["nonce"].get<std::string>(), nc, cnonce,
                                                  v["method"].get<std::string>(), v["uri"].get<std::string>());
    CHECK(resp == v["expected_response"].get<std::string>());
    if (v.contains("expected_userhash")) CHECK(dg::userhash(*alg, user, realm) == v["expected_userhash"]);
    ++checked;
  }
  CHECK(checked == 18);
}

TEST_CASE("digest: RFC 7616 3.9.2 as printed (erratum EID 4897) is not reproduced", "[digest][rfc7616][vectors]") {
  const json j = load_json("digest/vectors.json");
  for (const auto& v : j["vectors"]) {
    if (v["id"] != "rfc7616-3.9.2-AS-PRINTED-IN-RFC (erroneous)") continue;
    const std::string uh = dg::userhash(dg::algorithm::sha512_256, "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org");
    CHECK(uh != v["printed_username_userhash"].get<std::string>());
    CHECK(uh == "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b");
    const std::string h1 = dg::ha1(dg::algorithm::sha512_256, "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org", "Secret, or not?");
    const std::string r = dg::compute_response(dg::algorithm::sha512_256, dg::qop::auth, h1,
                                               "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", "00000001",
                                               "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", "GET", "/doe.json");
    CHECK(r != v["printed_response"].get<std::string>());
    return;
  }
  FAIL("erroneous vector not found");
}

TEST_CASE("digest: libmicrohttpd userhash and userdigest tables", "[digest][vectors]") {
  const json j = load_json("digest/vectors.json");
  int n = 0;
  for (const auto& c : j["libmicrohttpd_userhash"]["cases"]) {
    const auto a = dg::parse_algorithm(c["algorithm"].get<std::string>());
    REQUIRE(a);
    CHECK(dg::userhash(*a, c["username"].get<std::string>(), c["realm"].get<std::string>()) == c["expected_hex"]);
    ++n;
  }
  for (const auto& c : j["libmicrohttpd_userdigest"]["cases"]) {
    const auto a = dg::parse_algorithm(c["algorithm"].get<std::string>());
    REQUIRE(a);
    CHECK(dg::ha1(*a, c["username"].get<std::string>(), c["realm"].get<std::string>(),
                  c["password"].get<std::string>()) == c["expected_hex"]);
    ++n;
  }
  CHECK(n == 42);
}

TEST_CASE("digest: client reproduces the RFC 7616 3.9.1 and 3.9.2 Authorization values", "[digest][rfc7616][client]") {
  const json j = load_json("digest/vectors.json");
  for (const auto& v : j["vectors"]) {
    const std::string id = v["id"];
    if (id != "rfc7616-3.9.1-sha256" && id != "rfc7616-3.9.1-md5" && id != "rfc7616-3.9.2-sha512-256-userhash-CORRECTED")
      continue;
    INFO(id);
    std::vector<std::string> lines;
    if (v.contains("challenge_www_authenticate")) {
      for (const auto& l : v["challenge_www_authenticate"]) lines.push_back(l);
    }
    if (id == "rfc7616-3.9.1-md5") {
      lines = {R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")"};
    }
    std::vector<std::string_view> views(lines.begin(), lines.end());
    auto l = authwire::parse_challenges(views.begin(), views.end());
    REQUIRE(l);
    auto idx = dg::choose_challenge(*l);
    REQUIRE(idx);
    auto ci = dg::read_challenge((*l)[*idx]);
    REQUIRE(ci);
    CHECK(dg::to_string(ci->alg) == v["algorithm"].get<std::string>());
    dg::request_inputs r;
    r.method = "GET";
    const std::string uri = v["uri"], cnonce = v["cnonce"];
    r.uri = uri;
    r.cnonce = cnonce;
    r.nc = 1;
    const std::string user = v["username"], pw = v["password"];
    auto a = dg::build_authorization(*ci, {user, pw, {}}, r);
    REQUIRE(a);
    CHECK(*a == v["expected_authorization"].get<std::string>());
  }
}

// Verifies an Authorization value with a handler that accepts registered challenges.
static authwire::verdict verify_registered(const std::vector<std::string>& challenges, const std::string& auth,
                                           const std::string& method, const std::string& target,
                                           dg::credential_fn lookup, dg::userhash_fn by_hash = {},
                                           std::shared_ptr<authwire::state_store> store = nullptr) {
  std::int64_t now = 1700000000;
  dg::options o;
  o.realm = "unused";
  o.accept_registered_nonces = true;
  o.clock = [&now] { return now; };
  o.store = store;
  dg::handler h(o, std::move(lookup), std::move(by_hash));
  for (const auto& c : challenges) {
    auto r = h.register_challenge(c, now);
    REQUIRE(r);
  }
  test_request tr;
  tr.method = method;
  tr.target = target;
  tr.auth = auth;
  return h.verify(tr.view(), auth);
}

TEST_CASE("digest: server accepts every RFC vector Authorization (registered challenges)", "[digest][rfc7616][server]") {
  const json j = load_json("digest/vectors.json");
  int n = 0;
  json rfc_challenges;  // RFC 7616 3.9.1 sends its SHA-256 and MD5 challenges together
  for (const auto& v : j["vectors"])
    if (v["id"] == "rfc7616-3.9.1-sha256") rfc_challenges = v["challenge_www_authenticate"];
  REQUIRE(rfc_challenges.size() == 2);
  for (const auto& v : j["vectors"]) {
    if (!v.contains("expected_authorization")) continue;
    const std::string id = v["id"];
    INFO(id);
    std::vector<std::string> ch;
    for (const auto& c : v.contains("challenge_www_authenticate") ? v["challenge_www_authenticate"] : rfc_challenges)
      ch.push_back(c);
    accounts acc;
    acc.pw[v["username"].get<std::string>()] = v["password"].get<std::string>();
    auto vd = verify_registered(ch, v["expected_authorization"], v["method"], v["uri"], acc.lookup(), acc.by_hash());
    CHECK(vd.reason == "");
    CHECK(vd.kind == verdict_kind::allow);
    CHECK(vd.identity == v["username"].get<std::string>());
    if (v.contains("alternative_username_star")) {
      // The same response with username* instead of the hashed name (userhash=false then).
      std::string a = v["expected_authorization"];
      const std::string uh = v["expected_userhash"];
      a.replace(a.find("username=\"" + uh + "\""), uh.size() + 11, v["alternative_username_star"].get<std::string>());
      a.replace(a.find(", userhash=true"), 15, "");
      auto vd2 = verify_registered(ch, a, v["method"], v["uri"], acc.lookup());
      CHECK(vd2.reason == "");
      CHECK(vd2.identity == "J\xc3\xa4s\xc3\xb8n Doe");
    }
    ++n;
  }
  CHECK(n == 17);
}

TEST_CASE("digest: server accepts curl's recorded Digest requests", "[digest][curl][server]") {
  const json j = load_json("digest/curl-digest-tests.json");
  int n = 0;
  for (const auto& t : j["tests"]) {
    for (const auto& rq : t["requests"]) {
      if (!rq["verified"].get<bool>()) continue;
      const std::string test = t["test"];
      INFO(test << " " << rq["authorization"].get<std::string>());
      // The challenges of the matching header (Proxy- or WWW-).
      const bool proxy = rq["header_name"] == "Proxy-Authorization";
      std::vector<std::string> ch;
      for (const auto& c : t["challenges"])
        if ((c["header"] == "Proxy-Authenticate") == proxy) ch.push_back(c["value"]);
      const std::string authorization = rq["authorization"];
      auto cred = dg::parse(authorization);
      REQUIRE(cred);
      const std::string realm = cred->realm.value();
      // Only the challenges of this realm (curl 168/335 talk to a proxy and a server).
      std::vector<std::string> mine;
      for (auto& c : ch) {
        auto l = authwire::parse_challenges(c);
        if (!l) {
          // test1437 sends duplicated parameters, which RFC 9110 section 11.2 forbids.
          CHECK(l.code() == authwire::errc::duplicate_parameter);
          continue;
        }
        if ((*l)[0].param("realm")->value() == realm) mine.push_back(c);
      }
      if (mine.empty()) mine.push_back("Digest realm=\"" + std::string(cred->realm.raw_value) + "\", nonce=\"" +
                                       cred->nonce.value() + "\", algorithm=MD5");
      const std::string user_hash = rq["username_for_hash"], pw = rq["password"];
      dg::credential_fn lookup = [&](std::string_view, std::string_view r, dg::algorithm a, std::string& secret) {
        // By HA1: curl test3221 hashes a decoded name but sends it percent-encoded.
        secret = dg::ha1(a, user_hash, r, pw);
        return dg::secret_kind::ha1;
      };
      dg::userhash_fn by_hash = [&](std::string_view, std::string_view, dg::algorithm, std::string& user) {
        user = user_hash;
        return true;
      };
      auto vd = verify_registered(mine, rq["authorization"], rq["method"], rq["digest_uri"], lookup, by_hash);
      CHECK(vd.reason == "");
      CHECK(vd.kind == verdict_kind::allow);
      ++n;
    }
  }
  CHECK(n == 57);
}

TEST_CASE("digest: a registered RFC 2069 nonce is single-use", "[digest][curl][replay]") {
  // curl test1412 sends two requests with one nonce and no qop; the second is a replay here.
  const std::vector<std::string> ch = {R"(Digest realm="gimme all yer s3cr3ts", nonce="11223344")"};
  accounts acc;
  acc.pw["testuser"] = "testpass";
  auto store = std::make_shared<authwire::memory_store>();
  const std::string a1 =
      R"(Digest username="testuser", realm="gimme all yer s3cr3ts", nonce="11223344", uri="/1412", response="0390dbe89e31adca0413d11f91f30e7f")";
  const std::string a2 =
      R"(Digest username="testuser", realm="gimme all yer s3cr3ts", nonce="11223344", uri="/14120001", response="0085df91870374c8bf4e94415e7fbf8e")";
  CHECK(verify_registered(ch, a1, "GET", "/1412", acc.lookup(), {}, store).kind == verdict_kind::allow);
  auto v = verify_registered(ch, a2, "GET", "/14120001", acc.lookup(), {}, store);
  CHECK(v.reason == "replayed_nc");
  REQUIRE_FALSE(v.challenges.empty());
  CHECK(v.challenges[0].find("stale=true") != std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------

TEST_CASE("digest: parses RFC 7616 3.9.1 SHA-256 credentials", "[digest][rfc7616][parse]") {
  const std::string v =
      R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";
  auto c = dg::parse(v);
  REQUIRE(c);
  CHECK(c->username.raw_value == "Mufasa");
  CHECK(c->algorithm == dg::algorithm::sha256);
  CHECK(c->qop == dg::qop::auth);
  CHECK(c->nc == 1);
  CHECK(c->uri.raw_value == "/dir/index.html");
  CHECK(c->opaque.raw_value == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  CHECK_FALSE(c->userhash);
}

TEST_CASE("digest: accepts what real clients send", "[digest][parse]") {
  const std::string resp(32, 'a');
  SECTION("quoted algorithm and qop, lower-case scheme and algorithm, no spaces, nc quoted") {
    const std::string in = std::string("digest username=\"u\",realm=\"r\",nonce=\"n\",uri=\"/\",algorithm=\"md5-SESS\",qop=\"AUTH\","
                       "nc=\"0000000A\",cnonce=\"c\",response=\"" + resp + "\"");
    auto c = dg::parse(in);
    REQUIRE(c);
    CHECK(c->algorithm == dg::algorithm::md5_sess);
    CHECK(c->qop == dg::qop::auth);
    CHECK(c->nc == 10);
  }
  SECTION("userhash quoted") {
    const std::string in = std::string("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"" + resp +
                       "\", userhash=\"TRUE\"");
    auto c = dg::parse(in);
    REQUIRE(c);
    CHECK(c->userhash);
  }
  SECTION("escaped username") {
    const std::string in = std::string(R"(Digest username="\\user\"", realm="r", nonce="n", uri="/", response=")" + resp + "\"");
    auto c = dg::parse(in);
    REQUIRE(c);
    CHECK(c->username.value() == "\\user\"");
  }
  SECTION("username*") {
    const std::string in = std::string("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"r\", nonce=\"n\", uri=\"/\", response=\"" +
                       resp + "\"");
    auto c = dg::parse(in);
    REQUIRE(c);
    std::string u;
    REQUIRE(dg::decode_ext_value(c->username_star.raw_value, u));
    CHECK(u == "J\xc3\xa4s\xc3\xb8n Doe");
  }
}

TEST_CASE("digest: parse errors carry the errc and the offset of the value", "[digest][parse][negative]") {
  const std::string r32(32, 'a'), r64(64, 'b');
  struct row {
    std::string in;
    dg::errc code;
    std::size_t offset;
  };
  // Offsets are those of the directive's value (its opening quote); missing ones: the end.
  const std::string base = R"(Digest username="u", realm="r", nonce="n", uri="/x")";
  const std::vector<row> rows = {
      {"Basic dXNlcjpwYXNz", dg::errc::not_digest, 0},
      {"Digest abc==", dg::errc::token68_not_allowed, 7},
      {R"(Digest username="u", username="v")", dg::errc::duplicate_directive, 21},
      {R"(Digest username="u)", dg::errc::bad_syntax, 16},
      {R"(Digest realm="r", nonce="n", uri="/", response=")" + r32 + "\"", dg::errc::missing_username, 81},
      {R"(Digest username="u", username*=UTF-8''x, realm="r", nonce="n", uri="/", response=")" + r32 + "\"",
       dg::errc::username_and_username_star, 31},
      {R"(Digest username*=ISO-8859-1''x, realm="r", nonce="n", uri="/", response=")" + r32 + "\"",
       dg::errc::bad_username_star, 17},
      {R"(Digest username*=UTF-8''%zz, realm="r", nonce="n", uri="/", response=")" + r32 + "\"",
       dg::errc::bad_username_star, 17},
      {R"(Digest username*="UTF-8''x", realm="r", nonce="n", uri="/", response=")" + r32 + "\"",
       dg::errc::bad_username_star, 17},
      {R"(Digest username="u", nonce="n", uri="/", response=")" + r32 + "\"", dg::errc::missing_realm, 84},
      {R"(Digest username="u", realm="r", uri="/", response=")" + r32 + "\"", dg::errc::missing_nonce, 84},
      {R"(Digest username="u", realm="r", nonce="n", response=")" + r32 + "\"", dg::errc::missing_uri, 86},
      {base, dg::errc::missing_response, base.size()},
      {base + R"(, response="abc")", dg::errc::bad_response, 62},
      {base + R"(, response=")" + std::string(31, 'a') + "g\"", dg::errc::bad_response, 62},
      {base + R"(, algorithm=SHA-256, response=")" + r32 + "\"", dg::errc::bad_response, 81},
      {base + R"(, algorithm=SHA-1, response=")" + r32 + "\"", dg::errc::unsupported_algorithm, 63},
      {base + R"(, qop=auth-conf, nc=00000001, cnonce="c", response=")" + r32 + "\"", dg::errc::unsupported_qop, 57},
      {base + R"(, qop=auth, nc=00000001, response=")" + r32 + "\"", dg::errc::missing_cnonce, 119},
      {base + R"(, qop=auth, cnonce="c", response=")" + r32 + "\"", dg::errc::missing_nc, 118},
      {base + R"(, qop=auth, nc=0001, cnonce="c", response=")" + r32 + "\"", dg::errc::bad_nc, 66},
      {base + R"(, qop=auth, nc=0000000g, cnonce="c", response=")" + r32 + "\"", dg::errc::bad_nc, 66},
      {base + R"(, qop=auth, nc=00000000, cnonce="c", response=")" + r32 + "\"", dg::errc::bad_nc, 66},
      {base + R"(, nc=00000001, response=")" + r32 + "\"", dg::errc::nc_without_qop, 56},
      {base + R"(, cnonce="c", response=")" + r32 + "\"", dg::errc::nc_without_qop, 60},
      {base + R"(, algorithm=MD5-sess, response=")" + r32 + "\"", dg::errc::missing_cnonce, 116},
      {base + R"(, algorithm=MD5-sess, cnonce="", qop=auth, nc=00000001, response=")" + r32 + "\"",
       dg::errc::missing_cnonce, 80},
      {base + R"(, userhash=maybe, response=")" + r32 + "\"", dg::errc::bad_userhash, 62},
      {R"(Digest username*=UTF-8''x, realm="r", nonce="n", uri="/", userhash=true, response=")" + r32 + "\"",
       dg::errc::username_star_with_userhash, 17},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    auto c = dg::parse(r.in);
    REQUIRE_FALSE(c);
    CHECK(dg::to_string(c.code()) == dg::to_string(r.code));
    CHECK(c.offset() == r.offset);
  }
}

namespace {
bool same_param(const authwire::auth_param_view& a, const authwire::auth_param_view& b) {
  // Same views into the same buffer: same pointers and sizes, offsets and flags.
  return a.name.data() == b.name.data() && a.name.size() == b.name.size() &&
         a.raw_value.data() == b.raw_value.data() && a.raw_value.size() == b.raw_value.size() &&
         a.name_offset == b.name_offset && a.value_offset == b.value_offset && a.quoted == b.quoted &&
         a.has_escapes == b.has_escapes;
}
bool same_slots(const dg::credentials& a, const dg::credentials& b) {
  return same_param(a.username, b.username) && same_param(a.username_star, b.username_star) &&
         same_param(a.realm, b.realm) && same_param(a.nonce, b.nonce) && same_param(a.uri, b.uri) &&
         same_param(a.response, b.response) && same_param(a.cnonce, b.cnonce) && same_param(a.opaque, b.opaque) &&
         same_param(a.nc_param, b.nc_param) && same_param(a.qop_param, b.qop_param) &&
         same_param(a.algorithm_param, b.algorithm_param) && same_param(a.userhash_param, b.userhash_param);
}
}  // namespace

TEST_CASE("digest: the one-pass parser agrees with the generic grammar on every mutation", "[digest][parse]") {
  // detail::parse_fast reads the common shape in one pass and declines everything else; when it
  // accepts, the generic grammar must accept too, with exactly the same views in every slot
  // (the typed checks after it are shared). Inputs: real Authorization values, each byte
  // replaced by interesting bytes, deleted or doubled, and a few limit settings.
  const std::vector<std::string> seeds = {
      R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")",
      "digest username=\"u\",realm=\"r\",nonce=\"n\",uri=\"/\",algorithm=\"md5-SESS\",qop=\"AUTH\",nc=\"0000000A\",cnonce=\"c\",response=\"" +
          std::string(32, 'a') + "\", x-ext=1 ,, y=\"2\"\t,",
      "Digest  username*=UTF-8''J%C3%A4s, Realm = \"r\" , NONCE=\"n\", uri=\"/a b\", response=\"" + std::string(32, 'a') +
          "\", userhash=false",
      "Digest username=\"a\\\"b\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"" + std::string(32, 'a') + "\"",
  };
  const std::string bytes = std::string("\"\\,= \t\x01\x7f\x80\xff;aZ*'") + std::string(1, '\0');
  std::vector<std::string> inputs;
  for (const auto& s : seeds) {
    inputs.push_back(s);
    for (std::size_t i = 0; i < s.size(); ++i) {
      for (char b : bytes) {
        std::string m = s;
        m[i] = b;
        inputs.push_back(m);
      }
      inputs.push_back(s.substr(0, i) + s.substr(i + 1));
      inputs.push_back(s.substr(0, i) + s[i] + s.substr(i));
      inputs.push_back(s.substr(0, i));
    }
    inputs.push_back(s + ", username=\"dup\"");
    inputs.push_back(s + ", e1=1, e2=2, e3=3, e4=4, e5=5, e6=6, e7=7, e8=8, e9=9");
    inputs.push_back(s + ", e1=1, E1=2");
  }
  std::vector<authwire::parse_options> grammars(4);
  grammars[1].max_value_length = 40;
  grammars[2].max_parameters = 5;
  grammars[3].max_header_length = 100;
  std::size_t fast = 0, total = 0;
  for (const auto& g : grammars) {
    dg::parse_limits lim;
    lim.grammar = g;
    for (const auto& in : inputs) {
      INFO(in);
      dg::credentials a, b;
      ++total;
      if (!dg::detail::parse_fast(in, g, a)) continue;
      ++fast;
      const dg::error e = dg::detail::parse_generic(in, lim, b);
      REQUIRE(dg::to_string(e.code) == "ok");
      REQUIRE(same_slots(a, b));
    }
  }
  // The fast path is taken for the ordinary shapes (with the default limits), and declines a
  // good share of the mutations.
  CHECK(fast > inputs.size() / 4);
  CHECK(fast < total);
  for (std::size_t k = 0; k < seeds.size(); ++k) {
    dg::credentials c;
    CHECK(dg::detail::parse_fast(seeds[k], {}, c) == (k != 3));  // seed 3 has a quoted-pair
  }
}

TEST_CASE("digest: the response hex check agrees with hex_value on every byte, in every lane", "[digest][parse]") {
  // detail::all_hex reads 16 bytes at a time where it can: each byte value at each position of
  // a 64-digit response, and in the scalar tail.
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool hex = authwire::hex_value(c) >= 0;
    for (std::size_t len : {64u, 70u}) {
      for (std::size_t pos = 0; pos < len; ++pos) {
        std::string r(len, 'a');
        r[pos] = c;
        INFO(b << " at " << pos << " of " << len);
        REQUIRE(dg::detail::all_hex(r) == hex);
      }
    }
  }
}

TEST_CASE("digest: hex of digests and of responses, 16 bytes at a time and in the tail", "[digest]") {
  // detail::hexbuf::set and detail::hex_decode_checked against crypto.hpp and codec.hpp, for
  // every byte value, at sizes with and without a whole 16-byte block.
  for (std::size_t size : {1u, 15u, 16u, 17u, 32u, 33u, 64u}) {
    for (int start = 0; start < 256; start += 7) {
      authwire::digest_bytes b;
      b.size = size;
      for (std::size_t i = 0; i < size; ++i) b.data[i] = static_cast<unsigned char>((static_cast<std::size_t>(start) + 37 * i) & 0xFF);
      dg::detail::hexbuf h;
      h.set(b);
      INFO(size << " from " << start);
      REQUIRE(std::string(h.view()) == b.hex());
      for (int upper = 0; upper < 2; ++upper) {
        std::string text = b.hex();
        if (upper)
          for (auto& ch : text) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        std::array<unsigned char, 64> got{}, want{};
        dg::detail::hex_decode_checked(text, got.data());
        REQUIRE(authwire::hex_decode(want.data(), text));
        REQUIRE(got == want);
      }
    }
  }
}

TEST_CASE("digest: the parser's name comparisons agree with iequals on every byte", "[digest][parse]") {
  // detail::iequals_lower folds letters with | 0x20; every other byte must match exactly.
  const std::vector<std::string> names = {"nc", "uri", "qop", "realm", "nonce", "cnonce", "opaque", "username",
                                          "response", "userhash", "username*", "algorithm", "MD5", "SHA-256",
                                          "MD5-sess", "SHA-512-256", "SHA-256-sess", "SHA-512-256-sess", "auth",
                                          "auth-int", "true", "false"};
  for (const auto& name : names) {
    for (std::size_t pos = 0; pos < name.size(); ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string m = name;
        m[pos] = static_cast<char>(b);
        INFO(name << " byte " << b << " at " << pos);
        dg::credentials c;
        const auto* slot = dg::detail::slot_for(c, m);
        const bool is_directive = authwire::iequals(m, "nc") || authwire::iequals(m, "uri") || authwire::iequals(m, "qop") ||
                                  authwire::iequals(m, "realm") || authwire::iequals(m, "nonce") ||
                                  authwire::iequals(m, "cnonce") || authwire::iequals(m, "opaque") ||
                                  authwire::iequals(m, "username") || authwire::iequals(m, "response") ||
                                  authwire::iequals(m, "userhash") || authwire::iequals(m, "username*") ||
                                  authwire::iequals(m, "algorithm");
        REQUIRE((slot != nullptr) == is_directive);
        REQUIRE(dg::detail::algorithm_of(m) == dg::parse_algorithm(m));
      }
    }
  }
}

TEST_CASE("digest: oversized values are refused with their offset", "[digest][parse][negative]") {
  const std::string r32(32, 'a');
  dg::parse_limits lim;
  lim.max_username = 8;
  lim.max_cnonce = 4;
  lim.max_nonce = 6;
  auto c = dg::parse(R"(Digest username="123456789", realm="r", nonce="n", uri="/", response=")" + r32 + "\"", lim);
  REQUIRE_FALSE(c);
  CHECK(c.code() == dg::errc::value_too_long);
  CHECK(c.offset() == 16);
  c = dg::parse(R"(Digest username="u", realm="r", nonce="1234567", uri="/", response=")" + r32 + "\"", lim);
  REQUIRE_FALSE(c);
  CHECK(c.code() == dg::errc::value_too_long);
  CHECK(c.offset() == 38);
  c = dg::parse(R"(Digest username="u", realm="r", nonce="n", uri="/", qop=auth, nc=00000001, cnonce="12345", response=")" +
                    r32 + "\"",
                lim);
  REQUIRE_FALSE(c);
  CHECK(c.code() == dg::errc::value_too_long);
  CHECK(c.offset() == 82);
  // The grammar's own limit.
  lim = {};
  lim.grammar.max_value_length = 10;
  c = dg::parse(R"(Digest username="u", realm="r", nonce="n", uri="/aaaaaaaaaaaaaaaa", response="x")", lim);
  REQUIRE_FALSE(c);
  CHECK(c.code() == dg::errc::value_too_long);
  CHECK(c.offset() == 47);
}

TEST_CASE("digest: error codes have names, descriptions and a category", "[digest]") {
  for (int i = 0; i <= 41; ++i) {
    const auto e = static_cast<dg::errc>(i);
    CHECK(dg::to_string(e) != "unknown");
    CHECK(dg::describe(e) != "unknown error");
  }
  std::error_code ec = dg::errc::stale_nonce;
  CHECK(ec.category().name() == std::string("authwire.digest"));
  CHECK(ec.message() == "the nonce has expired");
}

TEST_CASE("digest: RFC 8187 ext-value round trip and errors", "[digest][rfc8187]") {
  std::string out;
  const std::string name = "J\xc3\xa4s\xc3\xb8n Doe";
  const std::string ext = dg::encode_ext_value(name);
  CHECK(ext == "UTF-8''J%C3%A4s%C3%B8n%20Doe");
  REQUIRE(dg::decode_ext_value(ext, out));
  CHECK(out == name);
  CHECK(dg::decode_ext_value("utf-8'en'abc", out));
  CHECK(out == "abc");
  auto r = dg::decode_ext_value("UTF-8''%C3", out);  // truncated UTF-8
  CHECK(r.code() == dg::errc::bad_username_star);
  r = dg::decode_ext_value("UTF-8''a%4", out);
  CHECK(r.code() == dg::errc::bad_username_star);
  CHECK(r.offset() == 8);
  r = dg::decode_ext_value("UTF-8''a b", out);
  CHECK(r.offset() == 8);
  r = dg::decode_ext_value("UTF-8''%ED%A0%80", out);  // a surrogate
  CHECK(r.code() == dg::errc::bad_username_star);
  r = dg::decode_ext_value("UTF-8", out);
  CHECK(r.code() == dg::errc::bad_username_star);
}

// ---------------------------------------------------------------------------------------
// Server and client
// ---------------------------------------------------------------------------------------

TEST_CASE("digest: challenges, one per algorithm, strongest first, one nonce", "[digest][server]") {
  std::int64_t now = 1700000000;
  auto o = base_options(&now);
  o.algorithms = {dg::algorithm::sha512_256, dg::algorithm::sha256, dg::algorithm::md5};
  o.userhash = true;
  o.domain = {"/a", "/b"};
  accounts acc;
  dg::handler h(o, acc.lookup());
  test_request tr;
  std::vector<std::string> ch;
  h.challenges(tr.view(), ch);
  REQUIRE(ch.size() == 3);
  const std::string joined = join(ch);
  auto l = authwire::parse_challenges(joined);
  REQUIRE(l);
  REQUIRE(l->size() == 3);
  const char* algs[] = {"SHA-512-256", "SHA-256", "MD5"};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto c = (*l)[i];
    CHECK(c.param("algorithm")->raw_value == algs[i]);
    CHECK_FALSE(c.param("algorithm")->quoted);
    CHECK(c.param("realm")->quoted);
    CHECK(c.param("nonce")->quoted);
    CHECK(c.param("opaque")->quoted);
    CHECK(c.param("domain")->raw_value == "/a /b");
    CHECK(c.param("qop")->raw_value == "auth, auth-int");
    CHECK(c.param("charset")->raw_value == "UTF-8");
    CHECK(c.param("userhash")->raw_value == "true");
    CHECK(c.param("stale") == nullptr);
    CHECK(c.param("nonce")->raw_value == (*l)[0].param("nonce")->raw_value);
  }
  CHECK(ch[1] == R"(Digest realm="http-auth@example.org", domain="/a /b", qop="auth, auth-int", algorithm=SHA-256, nonce=")" +
                     std::string((*l)[0].param("nonce")->raw_value) +
                     R"(", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", charset=UTF-8, userhash=true)");
  auto stale = h.stale_challenges(tr.view());
  REQUIRE(stale.size() == 3);
  CHECK(stale[0].find(", stale=true,") != std::string::npos);
}

TEST_CASE("digest: a bad realm or opaque is refused at construction", "[digest][server]") {
  dg::options o;
  o.realm = "a\r\nb";
  CHECK_THROWS_AS(dg::handler(o, {}), std::invalid_argument);
  o.realm = "ok";
  o.opaque = "x\ny";
  CHECK_THROWS_AS(dg::handler(o, {}), std::invalid_argument);
  o.opaque = "";
  o.algorithms.clear();
  CHECK_THROWS_AS(dg::handler(o, {}), std::invalid_argument);
}

namespace {
struct round_trip_env {
  std::int64_t now = 1700000000;
  accounts acc;
  dg::options o;
  std::unique_ptr<dg::handler> h;
  test_request tr;

  explicit round_trip_env(std::vector<dg::algorithm> algs, bool userhash = false) {
    o = base_options(&now);
    o.algorithms = std::move(algs);
    o.userhash = userhash;
    acc.pw["Mufasa"] = "Circle of Life";
    acc.pw["J\xc3\xa4s\xc3\xb8n Doe"] = "Secret, or not?";
    h = std::make_unique<dg::handler>(o, acc.lookup(), acc.by_hash());
  }
  std::string challenge() {
    std::vector<std::string> ch;
    h->challenges(tr.view(), ch);
    return join(ch);
  }
  authwire::verdict send(const std::string& auth) {
    tr.auth = auth;
    return h->verify(tr.view(), auth);
  }
};
}  // namespace

TEST_CASE("digest: client -> server round trips over algorithm x qop x userhash x username*", "[digest][roundtrip]") {
  const dg::algorithm algs[] = {dg::algorithm::md5,    dg::algorithm::md5_sess,   dg::algorithm::sha256,
                                dg::algorithm::sha256_sess, dg::algorithm::sha512_256, dg::algorithm::sha512_256_sess};
  int n = 0;
  for (auto alg : algs)
    for (bool auth_int : {false, true})
      for (bool uh : {false, true})
        for (const char* user : {"Mufasa", "J\xc3\xa4s\xc3\xb8n Doe"}) {
          INFO(dg::to_string(alg) << " auth-int=" << auth_int << " userhash=" << uh << " user=" << user);
          round_trip_env env({alg}, uh);
          env.tr.method = auth_int ? "POST" : "GET";
          env.tr.body = auth_int ? "{\"a\":1}" : "";
          env.tr.has_body = true;
          dg::client c(user, env.acc.pw[user], counter_random(7));
          c.prefer_auth_int(auth_int);
          REQUIRE(c.on_challenges(env.challenge()));
          CHECK(c.challenge().alg == alg);
          for (std::uint32_t i = 1; i <= 3; ++i) {
            auto a = c.authorization(env.tr.method, env.tr.target, env.tr.body, true);
            REQUIRE(a);
            auto cred = dg::parse(*a);
            REQUIRE(cred);
            CHECK(cred->nc == i);
            CHECK(cred->qop == (auth_int ? dg::qop::auth_int : dg::qop::auth));
            CHECK(cred->userhash == uh);
            CHECK(dg::credentials::has(cred->username_star) == (!uh && std::string(user) != "Mufasa"));
            auto v = env.send(*a);
            CHECK(v.reason == "");
            REQUIRE(v.kind == verdict_kind::allow);
            CHECK(v.identity == user);
            CHECK(c.check_authentication_info(v.authentication_info));
            auto info = authwire::parse_authentication_info(v.authentication_info);
            REQUIRE(info);
            CHECK((info->find("rspauth") != nullptr) == !auth_int);
            CHECK(info->find("nc")->raw_value == cred->nc_param.raw_value);
            CHECK(info->find("cnonce")->raw_value == cred->cnonce.raw_value);
          }
          ++n;
        }
  CHECK(n == 48);
}

TEST_CASE("digest: the client picks the strongest of several challenges", "[digest][client]") {
  auto l = authwire::parse_challenges(
      {R"(Basic realm="x")", R"(Digest realm="r", nonce="1", algorithm=MD5, qop="auth")",
       R"(Digest realm="r", nonce="1", algorithm=SHA-512-256, qop="auth")", R"(Digest realm="r", nonce="1", algorithm=SHA-256, qop="auth")",
       R"(Digest realm="r", nonce="1", algorithm=UNKNOWN-9, qop="auth")"});
  REQUIRE(l);
  auto i = dg::choose_challenge(*l);
  REQUIRE(i);
  CHECK(*i == 2);
  auto none = authwire::parse_challenges(R"(Basic realm="x", Digest realm="r", nonce="1", algorithm=SHA3)");
  REQUIRE(none);
  CHECK(dg::choose_challenge(*none).code() == dg::errc::no_supported_challenge);
}

TEST_CASE("digest: the client follows stale=true and rejects a wrong rspauth", "[digest][client]") {
  round_trip_env env({dg::algorithm::sha256});
  dg::client c("Mufasa", "Circle of Life", counter_random(3));
  REQUIRE(c.on_challenges(env.challenge()));
  auto a = c.authorization("GET", env.tr.target);
  REQUIRE(a);
  REQUIRE(env.send(*a).kind == verdict_kind::allow);
  env.now += env.o.nonce_lifetime + 1;
  a = c.authorization("GET", env.tr.target);
  REQUIRE(a);
  auto v = env.send(*a);
  CHECK(v.reason == "stale_nonce");
  REQUIRE(c.on_challenges(join(v.challenges)));
  CHECK(c.stale());
  CHECK(c.nc() == 0);
  a = c.authorization("GET", env.tr.target);
  REQUIRE(a);
  v = env.send(*a);
  CHECK(v.kind == verdict_kind::allow);
  // A server that does not know the password cannot produce rspauth.
  std::string info = v.authentication_info;
  const auto p = info.find("rspauth=\"") + 9;
  info[p] = info[p] == '0' ? '1' : '0';
  CHECK(c.check_authentication_info(info).code() == dg::errc::rspauth_mismatch);
  CHECK(c.check_authentication_info("qop=auth, rspauth=\"x\", nc=00000009").code() == dg::errc::bad_authentication_info);
  CHECK(c.check_authentication_info("qop=auth, nc=00000001").code() == dg::errc::bad_authentication_info);
}

TEST_CASE("digest: RFC 2069 form only where enabled, and single-use", "[digest][rfc2069]") {
  round_trip_env env({dg::algorithm::md5});
  env.o.qops.clear();
  env.o.allow_rfc2069 = true;
  env.h = std::make_unique<dg::handler>(env.o, env.acc.lookup());
  const std::string ch = env.challenge();
  CHECK(ch.find("qop") == std::string::npos);
  dg::client c("Mufasa", "Circle of Life", counter_random(3));
  REQUIRE(c.on_challenges(ch));
  auto a = c.authorization("GET", env.tr.target);
  REQUIRE(a);
  CHECK(a->find("qop") == std::string::npos);
  CHECK(a->find("cnonce") == std::string::npos);
  CHECK(env.send(*a).kind == verdict_kind::allow);
  CHECK(env.send(*a).reason == "replayed_nc");
  // A server that wants qop refuses the RFC 2069 form.
  round_trip_env strict({dg::algorithm::md5});
  dg::client c2("Mufasa", "Circle of Life", counter_random(3));
  const std::string strict_ch = strict.challenge();
  auto l = authwire::parse_challenges(strict_ch);
  REQUIRE(l);
  auto ci = dg::read_challenge((*l)[0]);
  REQUIRE(ci);
  ci->qop_auth = ci->qop_auth_int = false;
  dg::request_inputs r;
  r.uri = strict.tr.target;
  auto a2 = dg::build_authorization(*ci, {"Mufasa", "Circle of Life", {}}, r);
  REQUIRE(a2);
  auto v = strict.send(*a2);
  CHECK(v.reason == "missing_qop");
  CHECK(v.kind == verdict_kind::unauthorized);
}

namespace {
// Builds an Authorization for env's current challenge, with edits.
struct forge {
  round_trip_env& env;
  dg::challenge_info ci;
  dg::request_inputs r;
  std::string user = "Mufasa", pw = "Circle of Life";
  explicit forge(round_trip_env& e) : env(e) {
    const std::string text = env.challenge();
    auto l = authwire::parse_challenges(text);
    REQUIRE(l);
    auto i = dg::choose_challenge(*l);
    REQUIRE(i);
    auto c = dg::read_challenge((*l)[*i]);
    REQUIRE(c);
    ci = *c;
    r.method = "GET";
    r.uri = env.tr.target;
    r.cnonce = "0a4f113b";
    r.nc = 1;
  }
  std::string build() {
    auto a = dg::build_authorization(ci, {user, pw, {}}, r);
    REQUIRE(a);
    return *a;
  }
};
}  // namespace

TEST_CASE("digest: a response in upper-case hex verifies, a changed digit does not", "[digest][server]") {
  for (auto alg : {dg::algorithm::sha256, dg::algorithm::md5, dg::algorithm::sha512_256}) {
    round_trip_env env({alg});
    forge f(env);
    std::string a = f.build();
    const auto at = a.find("response=\"") + 10;
    const std::size_t len = dg::hex_length(alg);
    for (std::size_t i = at; i < at + len; ++i) a[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(a[i])));
    CHECK(env.send(a).kind == verdict_kind::allow);
    f.r.nc = 2;
    std::string b = f.build();
    b[at + len - 1] = b[at + len - 1] == '0' ? '1' : '0';
    CHECK(env.send(b).reason == "invalid_response");
  }
}

TEST_CASE("digest: a nonce of the right length with a byte outside base64url is refused", "[digest][nonce][negative]") {
  for (char bad : {'.', '=', '+', '/', '*', ' ', '\x80'}) {
    for (std::size_t pos : {0u, 10u, 47u}) {
      round_trip_env env({dg::algorithm::sha256});
      forge f(env);
      REQUIRE(f.ci.nonce.size() == 48);
      f.ci.nonce[pos] = bad;
      INFO(static_cast<int>(bad) << " at " << pos);
      CHECK(env.send(f.build()).reason == "bad_nonce");
    }
  }
}

TEST_CASE("digest: verification refusals, each with its errc", "[digest][server][negative]") {
  round_trip_env env({dg::algorithm::sha256});
  forge f(env);

  SECTION("replayed nc, then a regressed nc below the window") {
    f.r.nc = 1;
    CHECK(env.send(f.build()).kind == verdict_kind::allow);
    auto v = env.send(f.build());
    CHECK(v.reason == "replayed_nc");
    CHECK(v.challenges.at(0).find("stale=true") != std::string::npos);
    f.r.nc = 3;
    CHECK(env.send(f.build()).kind == verdict_kind::allow);
    f.r.nc = 2;  // out of order within the window: accepted once
    CHECK(env.send(f.build()).kind == verdict_kind::allow);
    CHECK(env.send(f.build()).reason == "replayed_nc");
    f.r.nc = 200;
    CHECK(env.send(f.build()).kind == verdict_kind::allow);
    f.r.nc = 100;  // 100 below the highest: outside a 64 window
    CHECK(env.send(f.build()).reason == "nc_too_old");
  }
  SECTION("forged nonce") {
    std::string n = f.ci.nonce;
    n[5] = n[5] == 'A' ? 'B' : 'A';
    f.ci.nonce = n;
    auto v = env.send(f.build());
    CHECK(v.reason == "bad_nonce");
    CHECK(v.kind == verdict_kind::unauthorized);
    CHECK(v.challenges.empty());
    f.ci.nonce = "abc";
    CHECK(env.send(f.build()).reason == "bad_nonce");
  }
  SECTION("expired nonce with the right response: stale=true") {
    env.now += env.o.nonce_lifetime + 1;
    auto v = env.send(f.build());
    CHECK(v.reason == "stale_nonce");
    CHECK(v.kind == verdict_kind::unauthorized);
    REQUIRE(v.challenges.size() == 1);
    CHECK(v.challenges[0].find("stale=true") != std::string::npos);
  }
  SECTION("expired nonce with a wrong response: no stale") {
    env.now += env.o.nonce_lifetime + 1;
    f.pw = "wrong";
    auto v = env.send(f.build());
    CHECK(v.reason == "invalid_response");
    CHECK(v.challenges.empty());
  }
  SECTION("wrong password and unknown user look the same") {
    f.pw = "wrong";
    CHECK(env.send(f.build()).reason == "invalid_response");
    f.user = "nobody";
    auto v = env.send(f.build());
    CHECK(v.reason == "invalid_response");
    CHECK(v.kind == verdict_kind::unauthorized);
  }
  SECTION("wrong realm") {
    f.ci.realm = "other";
    CHECK(env.send(f.build()).reason == "wrong_realm");
  }
  SECTION("wrong uri: 400") {
    f.r.uri = "/dir/other.html";
    auto v = env.send(f.build());
    CHECK(v.reason == "uri_mismatch");
    CHECK(v.kind == verdict_kind::bad_request);
  }
  SECTION("wrong or missing opaque") {
    f.ci.opaque = "nope";
    CHECK(env.send(f.build()).reason == "wrong_opaque");
    f.ci.has_opaque = false;
    CHECK(env.send(f.build()).reason == "wrong_opaque");
  }
  SECTION("unoffered algorithm (no downgrade)") {
    f.ci.alg = dg::algorithm::md5;
    CHECK(env.send(f.build()).reason == "algorithm_not_offered");
    f.ci.alg = dg::algorithm::sha256_sess;
    CHECK(env.send(f.build()).reason == "algorithm_not_offered");
  }
  SECTION("unoffered qop") {
    env.o.qops = {dg::qop::auth};
    env.h = std::make_unique<dg::handler>(env.o, env.acc.lookup());
    forge g(env);
    g.ci.qop_auth = false;
    g.ci.qop_auth_int = true;
    g.r.has_body = true;
    env.tr.has_body = true;
    CHECK(env.send(g.build()).reason == "qop_not_offered");
  }
  SECTION("auth-int without the body") {
    f.ci.qop_auth = false;
    f.r.has_body = true;
    env.tr.has_body = false;
    CHECK(env.send(f.build()).reason == "auth_int_unavailable");
  }
  SECTION("userhash not offered") {
    f.ci.userhash = true;
    CHECK(env.send(f.build()).reason == "userhash_not_offered");
  }
  SECTION("store unavailable: 503, never accepted") {
    env.o.store = std::make_shared<down_store>();
    env.h = std::make_unique<dg::handler>(env.o, env.acc.lookup());
    forge g(env);
    auto v = env.send(g.build());
    CHECK(v.reason == "store_unavailable");
    CHECK(v.kind == verdict_kind::unavailable);
  }
  SECTION("malformed credentials: 400") {
    auto v = env.send("Digest username=\"Mufasa\"");
    CHECK(v.kind == verdict_kind::bad_request);
    CHECK(v.reason == "missing_realm");
  }
}

TEST_CASE("digest: uri and request-target in origin-form and absolute-form", "[digest][server]") {
  round_trip_env env({dg::algorithm::sha256});
  env.tr.target = "http://example.org/dir/index.html";
  forge f(env);
  CHECK(env.send(f.build()).kind == verdict_kind::allow);
  // A proxy request: curl --proxy-digest sends the origin-form (curl test 258).
  f.r.uri = "/dir/index.html";
  f.r.nc = 2;
  CHECK(env.send(f.build()).kind == verdict_kind::allow);
  f.r.uri = "/dir/other.html";
  f.r.nc = 3;
  CHECK(env.send(f.build()).reason == "uri_mismatch");
  f.r.uri = "/dir/index.html?x";
  f.r.nc = 4;
  CHECK(env.send(f.build()).reason == "uri_mismatch");
  // Origin-form target, absolute-form uri: its authority must be the Host.
  env.tr.target = "/dir/index.html";
  env.tr.host = "example.org";
  f.r.uri = "http://example.org/dir/index.html";
  f.r.nc = 5;
  CHECK(env.send(f.build()).kind == verdict_kind::allow);
  env.tr.host = "evil.example";
  f.r.nc = 6;
  CHECK(env.send(f.build()).reason == "uri_mismatch");
  env.tr.host.clear();
  f.r.nc = 7;
  CHECK(env.send(f.build()).reason == "uri_mismatch");
}

TEST_CASE("digest: nonces survive key rotation and several processes", "[digest][nonce]") {
  std::int64_t now = 1700000000;
  auto o = base_options(&now);
  o.algorithms = {dg::algorithm::sha256};
  accounts acc;
  acc.pw["Mufasa"] = "Circle of Life";
  o.nonce_keys = {"key-one-key-one-key-one-key-one!"};
  dg::handler a(o, acc.lookup());
  test_request tr;
  std::vector<std::string> ch;
  a.challenges(tr.view(), ch);
  dg::client c("Mufasa", "Circle of Life", counter_random(9));
  REQUIRE(c.on_challenges(join(ch)));
  auto auth = c.authorization("GET", tr.target);
  REQUIRE(auth);
  // Another process with the same key, its own store.
  o.store = nullptr;
  dg::handler b(o, acc.lookup());
  CHECK(b.verify(tr.view(), *auth).kind == verdict_kind::allow);
  // After rotation: the old key still verifies.
  o.nonce_keys = {"key-two-key-two-key-two-key-two!", "key-one-key-one-key-one-key-one!"};
  dg::handler rotated(o, acc.lookup());
  CHECK(rotated.verify(tr.view(), *auth).kind == verdict_kind::allow);
  // Once dropped, it does not.
  o.nonce_keys = {"key-two-key-two-key-two-key-two!"};
  dg::handler dropped(o, acc.lookup());
  CHECK(dropped.verify(tr.view(), *auth).reason == "bad_nonce");
  // A different realm with the same key does not accept it either.
  o.nonce_keys = {"key-one-key-one-key-one-key-one!"};
  o.realm = "other realm";
  dg::handler other(o, acc.lookup());
  auto p = dg::parse(*auth);
  REQUIRE(p);
  CHECK(other.check(tr.view(), *auth).code == dg::errc::bad_nonce);
}

TEST_CASE("digest: nonce binding to the URI and to the client address", "[digest][nonce]") {
  for (auto bind : {dg::nonce_binding::uri, dg::nonce_binding::client_address}) {
    round_trip_env env({dg::algorithm::sha256});
    env.o.binding = bind;
    env.h = std::make_unique<dg::handler>(env.o, env.acc.lookup());
    forge f(env);
    CHECK(env.send(f.build()).kind == verdict_kind::allow);
    if (bind == dg::nonce_binding::uri) {
      env.tr.target = "/elsewhere";
      f.r.uri = "/elsewhere";
    } else {
      env.tr.peer = "10.0.0.9";
    }
    f.r.nc = 2;
    CHECK(env.send(f.build()).reason == "bad_nonce");
  }
}

TEST_CASE("digest: nonce bound to method and path together", "[digest][nonce]") {
  round_trip_env env({dg::algorithm::sha256});
  env.o.binding = dg::nonce_binding::method | dg::nonce_binding::path;
  env.tr.target = "/a?x=1";
  env.h = std::make_unique<dg::handler>(env.o, env.acc.lookup());
  forge f(env);
  CHECK(env.send(f.build()).kind == verdict_kind::allow);
  // Another query on the same path: still bound correctly.
  env.tr.target = "/a?x=2";
  f.r.uri = "/a?x=2";
  f.r.nc = 2;
  CHECK(env.send(f.build()).kind == verdict_kind::allow);
  // Another method: refused.
  env.tr.method = "POST";
  f.r.method = "POST";
  f.r.nc = 3;
  CHECK(env.send(f.build()).reason == "bad_nonce");
}

TEST_CASE("digest: max_nc asks for a new nonce with stale=true", "[digest][nonce]") {
  round_trip_env env({dg::algorithm::sha256});
  env.o.max_nc = 2;
  env.h = std::make_unique<dg::handler>(env.o, env.acc.lookup());
  forge f(env);
  CHECK(env.send(f.build()).kind == verdict_kind::allow);
  f.r.nc = 2;
  CHECK(env.send(f.build()).kind == verdict_kind::allow);
  f.r.nc = 3;
  auto v = env.send(f.build());
  CHECK(v.reason == "nc_limit");
  REQUIRE_FALSE(v.challenges.empty());
  CHECK(v.challenges[0].find("stale=true") != std::string::npos);
}

TEST_CASE("digest: nextnonce when the nonce nears its end; a future nonce is refused", "[digest][nonce]") {
  round_trip_env env({dg::algorithm::sha256});
  forge f(env);
  auto v = env.send(f.build());
  REQUIRE(v.kind == verdict_kind::allow);
  CHECK(v.authentication_info.find("nextnonce") == std::string::npos);
  env.now += env.o.nonce_lifetime - 5;
  f.r.nc = 2;
  v = env.send(f.build());
  REQUIRE(v.kind == verdict_kind::allow);
  auto info = authwire::parse_authentication_info(v.authentication_info);
  REQUIRE(info);
  REQUIRE(info->find("nextnonce"));
  // The nextnonce is a valid nonce of this server.
  f.ci.nonce = info->find("nextnonce")->value();
  f.r.nc = 1;
  CHECK(env.send(f.build()).kind == verdict_kind::allow);
  // Issued far in the future (a clock moved back): refused.
  env.now -= 1000;
  f.r.nc = 2;
  CHECK(env.send(f.build()).reason == "bad_nonce");
}

TEST_CASE("digest: stored HA1 per algorithm and realm", "[digest][server]") {
  std::int64_t now = 1700000000;
  auto o = base_options(&now);
  o.algorithms = {dg::algorithm::sha512_256_sess, dg::algorithm::sha256, dg::algorithm::md5_sess};
  std::map<std::pair<dg::algorithm, std::string>, std::string> store;
  for (auto a : o.algorithms) store[{a, "Mufasa"}] = dg::ha1(a, "Mufasa", o.realm, "Circle of Life");
  dg::credential_fn lookup = [&](std::string_view user, std::string_view realm, dg::algorithm a, std::string& secret) {
    CHECK(realm == o.realm);
    auto it = store.find({a, std::string(user)});
    if (it == store.end()) return dg::secret_kind::unknown;
    secret = it->second;
    for (auto& ch : secret) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));  // either case
    return dg::secret_kind::ha1;
  };
  dg::handler h(o, lookup);
  test_request tr;
  std::vector<std::string> ch;
  h.challenges(tr.view(), ch);
  const std::string joined = join(ch);
  auto l = authwire::parse_challenges(joined);
  REQUIRE(l);
  for (std::size_t i = 0; i < l->size(); ++i) {
    auto ci = dg::read_challenge((*l)[i]);
    REQUIRE(ci);
    dg::request_inputs r;
    r.uri = tr.target;
    r.cnonce = "abc";
    r.nc = static_cast<std::uint32_t>(i + 1);  // one nonce for all three challenges
    auto a = dg::build_authorization(*ci, {"Mufasa", "Circle of Life", {}}, r);
    REQUIRE(a);
    auto v = h.verify(tr.view(), *a);
    CHECK(v.reason == "");
    CHECK(v.kind == verdict_kind::allow);
  }
  // A malformed HA1 from the application counts as no secret.
  store[{dg::algorithm::sha256, "Mufasa"}] = "zz";
  auto ci = dg::read_challenge((*l)[1]);
  dg::request_inputs r;
  r.uri = tr.target;
  r.cnonce = "abd";
  r.nc = 9;
  auto a = dg::build_authorization(*ci, {"Mufasa", "Circle of Life", {}}, r);
  CHECK(h.verify(tr.view(), *a).reason == "invalid_response");
  // The right HA1 with one byte made non-hex (every position: the 16-byte lanes and the
  // tail), one digit more or less, or the MD5 HA1 for SHA-256: no secret either.
  const std::string good = dg::ha1(dg::algorithm::sha256, "Mufasa", o.realm, "Circle of Life");
  std::vector<std::string> bad = {good + "0", good.substr(1), dg::ha1(dg::algorithm::md5, "Mufasa", o.realm, "Circle of Life")};
  for (std::size_t i = 0; i < good.size(); ++i)
    for (char x : {'g', 'G', '/', ':', '@', '`', ' ', '\x80', '\xe6'}) {
      std::string b = good;
      b[i] = x;
      bad.push_back(b);
    }
  for (const auto& b : bad) {
    store[{dg::algorithm::sha256, "Mufasa"}] = b;
    r.nc++;
    a = dg::build_authorization(*ci, {"Mufasa", "Circle of Life", {}}, r);
    REQUIRE(a);
    CHECK(h.verify(tr.view(), *a).reason == "invalid_response");
  }
  store[{dg::algorithm::sha256, "Mufasa"}] = good;
  r.nc++;
  a = dg::build_authorization(*ci, {"Mufasa", "Circle of Life", {}}, r);
  CHECK(h.verify(tr.view(), *a).kind == verdict_kind::allow);
}

TEST_CASE("digest: auth-int rspauth over the response body", "[digest][server][client]") {
  round_trip_env env({dg::algorithm::sha512_256_sess});
  env.tr.method = "PUT";
  env.tr.body = "request body";
  env.tr.has_body = true;
  dg::client c("Mufasa", "Circle of Life", counter_random(11));
  c.prefer_auth_int(true);
  REQUIRE(c.on_challenges(env.challenge()));
  auto a = c.authorization("PUT", env.tr.target, env.tr.body, true);
  REQUIRE(a);
  env.tr.auth = *a;
  auto r = env.h->check(env.tr.view(), *a);
  REQUIRE(r.code == dg::errc::ok);
  CHECK(r.cred.qop == dg::qop::auth_int);
  const std::string rsp = env.h->rspauth_auth_int(r, "response body");
  REQUIRE(rsp.size() == 64);
  const std::string info = "rspauth=\"" + rsp + "\", qop=auth-int, cnonce=\"" + r.cred.cnonce.value() + "\", nc=00000001";
  CHECK(c.check_authentication_info(info, std::string_view("response body")));
  CHECK(c.check_authentication_info(info, std::string_view("another body")).code() == dg::errc::rspauth_mismatch);
  CHECK(c.check_authentication_info(info));  // the body is not at hand: rspauth not checked
  CHECK(c.check_authentication_info("qop=auth-int, nc=00000001", std::string_view("response body")).code() ==
        dg::errc::bad_authentication_info);
}

namespace {
// The Authentication-Info the generic builder makes from independently computed values (the
// reference for the handler's one-pass writer): rspauth from compute_response with an empty
// method (A2 = ":" uri), then qop, cnonce, nc and, when given, nextnonce.
std::string reference_info(dg::algorithm alg, dg::qop q, const std::string& nonce, const std::string& nc,
                           const std::string& cnonce, const std::string& uri, bool rspauth, const std::string& next) {
  authwire::authentication_info_builder b;
  if (rspauth && q == dg::qop::auth) {
    const std::string ha1 = dg::ha1(alg, "Mufasa", "http-auth@example.org", "Circle of Life");
    b.param("rspauth", dg::compute_response(alg, q, ha1, nonce, nc, cnonce, "", uri), authwire::quoting::always);
  }
  b.param("qop", dg::to_string(q), authwire::quoting::never);
  b.param("cnonce", cnonce, authwire::quoting::always);
  b.param("nc", nc, authwire::quoting::never);
  if (!next.empty()) b.param("nextnonce", next, authwire::quoting::always);
  auto s = b.str();
  return s ? *s : std::string();
}

// A quoted-string holding `v` (DQUOTE and backslash as quoted-pairs).
std::string quote(const std::string& v) {
  std::string o = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\') o += '\\';
    o += ch;
  }
  return o + "\"";
}
}  // namespace

TEST_CASE("digest: Authentication-Info equals the generic builder's, over cnonce shapes and options",
          "[digest][server][authinfo]") {
  const std::string cnonces[] = {"0a4f113b", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "a\"b", "back\\slash\\",
                                 "tab\there", "obs\xe9text", "\ttabs\t", std::string(256, 'c')};
  int n = 0, empty = 0;
  for (auto alg : {dg::algorithm::md5, dg::algorithm::sha256, dg::algorithm::sha512_256_sess})
    for (auto q : {dg::qop::auth, dg::qop::auth_int})
      for (const auto& cnonce : cnonces)
        for (bool rspauth : {true, false})
          for (bool next : {false, true}) {
            INFO(dg::to_string(alg) << " qop=" << dg::to_string(q) << " cnonce=" << cnonce << " rspauth=" << rspauth
                                    << " next=" << next);
            round_trip_env env({alg});
            env.o.send_rspauth = rspauth;
            env.h = std::make_unique<dg::handler>(env.o, env.acc.lookup());
            env.tr.method = "POST";
            env.tr.body = "x";
            env.tr.has_body = true;
            forge f(env);
            f.r.method = "POST";
            f.r.cnonce = "PLACEHOLDER";
            f.r.body = env.tr.body;
            f.r.has_body = true;
            f.r.prefer_auth_int = q == dg::qop::auth_int;
            std::string a = f.build();
            // The real cnonce (possibly with quoted-pairs and an HTAB, which the client
            // builder refuses) and the response over it.
            const std::string nc = "00000001";
            const std::string body_hash = q == dg::qop::auth_int ? authwire::hash(dg::hash_of(alg), "x").hex() : "";
            const std::string ha1 = dg::ha1(alg, "Mufasa", "http-auth@example.org", "Circle of Life");
            const std::string resp =
                dg::compute_response(alg, q, ha1, f.ci.nonce, nc, cnonce, "POST", env.tr.target, body_hash);
            const std::size_t cp = a.find("cnonce=\"PLACEHOLDER\"");
            REQUIRE(cp != std::string::npos);
            a.replace(cp + 7, 13, quote(cnonce));
            const std::size_t rp = a.find("response=\"") + 10;
            a.replace(rp, resp.size(), resp);
            if (next) env.now += env.o.nonce_lifetime - 5;
            env.tr.auth = a;
            const auto r = env.h->check(env.tr.view(), a);
            REQUIRE(r.code == dg::errc::ok);
            REQUIRE(r.cred.qop == q);
            CHECK(r.rspauth.n == 0);  // check() leaves rspauth to authentication_info()
            if (!next) CHECK(env.h->authentication_info(env.tr.view(), r) ==
                             reference_info(alg, q, f.ci.nonce, nc, cnonce, env.tr.target, rspauth, ""));
            const auto v = env.send(a);
            REQUIRE(v.kind == verdict_kind::allow);
            std::string nn;
            if (next && !v.authentication_info.empty()) {
              auto info = authwire::parse_authentication_info(v.authentication_info);
              REQUIRE(info);
              REQUIRE(info->find("nextnonce"));
              nn = info->find("nextnonce")->value();
              CHECK(nn.size() == 48);
            }
            const std::string want = reference_info(alg, q, f.ci.nonce, nc, cnonce, env.tr.target, rspauth, nn);
            CHECK(v.authentication_info == want);
            empty += want.empty();
            ++n;
          }
  CHECK(n == 3 * 2 * 8 * 2 * 2);
  CHECK(empty == 3 * 2 * 2 * 2 * 2);  // the cnonces with HTAB: nothing can be sent back
}

TEST_CASE("digest: send_authentication_info = false sends none, and the request is still accepted once",
          "[digest][server][authinfo]") {
  round_trip_env env({dg::algorithm::sha256});
  env.o.send_authentication_info = false;
  env.h = std::make_unique<dg::handler>(env.o, env.acc.lookup());
  forge f(env);
  const std::string a = f.build();
  env.now += env.o.nonce_lifetime - 5;  // nextnonce would be due
  auto v = env.send(a);
  REQUIRE(v.kind == verdict_kind::allow);
  CHECK(v.identity == "Mufasa");
  CHECK(v.authentication_info.empty());
  CHECK(env.send(a).reason == "replayed_nc");
  f.pw = "wrong";
  f.r.nc = 2;
  CHECK(env.send(f.build()).reason == "invalid_response");
}

TEST_CASE("digest: auth-int with the body's SHA-256 instead of the body", "[digest][server]") {
  round_trip_env env({dg::algorithm::sha256});
  forge f(env);
  f.ci.qop_auth = false;
  f.r.method = "POST";
  f.r.body = "hello";
  f.r.has_body = true;
  env.tr.method = "POST";
  const std::string a = f.build();
  const std::string sha = authwire::hash(authwire::hash_algorithm::sha256, "hello").hex();
  test_request& tr = env.tr;
  tr.auth = a;
  auto rv = tr.view();
  rv.has_body = false;
  rv.body_sha256_hex = sha;
  CHECK(env.h->verify(rv, a).kind == verdict_kind::allow);
  // The body changed in transit.
  f.r.nc = 2;
  const std::string a2 = f.build();
  tr.body = "HELLO";
  tr.has_body = true;
  CHECK(env.send(a2).reason == "invalid_response");
}

TEST_CASE("digest: authenticator integration: 401 with every challenge, 407 for a proxy", "[digest][server]") {
  std::int64_t now = 1700000000;
  auto o = base_options(&now);
  accounts acc;
  acc.pw["Mufasa"] = "Circle of Life";
  for (bool proxy : {false, true}) {
    authwire::authenticator_options ao;
    ao.proxy = proxy;
    authwire::authenticator auth(ao);
    auth.add(std::make_shared<dg::handler>(o, acc.lookup()));
    test_request tr;
    auto d = auth.authenticate(tr.view());
    CHECK(d.status() == (proxy ? 407 : 401));
    auto hs = d.headers();
    std::vector<std::string> vals;
    for (const auto& hl : hs)
      if (hl.name == (proxy ? "Proxy-Authenticate" : "WWW-Authenticate")) vals.push_back(hl.value);
    REQUIRE(vals.size() == 2);
    CHECK(vals[0].find("algorithm=SHA-256") != std::string::npos);
    CHECK(vals[1].find("algorithm=MD5") != std::string::npos);
    dg::client c("Mufasa", "Circle of Life", counter_random(5));
    REQUIRE(c.on_challenges(join(vals)));
    auto a = c.authorization("GET", tr.target);
    REQUIRE(a);
    tr.headers.clear();
    auto rv = tr.view();
    std::vector<header_view> hv = {{proxy ? "Proxy-Authorization" : "Authorization", *a}};
    rv.headers = hv.data();
    rv.header_count = hv.size();
    auto ok = auth.authenticate(rv);
    CHECK(ok.status() == 200);
    CHECK(ok.identity() == "Mufasa");
    // The same again: a replay.
    auto again = auth.authenticate(rv);
    CHECK(again.status() == (proxy ? 407 : 401));
    CHECK(again.reason() == "replayed_nc");
  }
}

// ---------------------------------------------------------------------------------------
// htdigest
// ---------------------------------------------------------------------------------------

TEST_CASE("digest: Apache htdigest file (written by htdigest 2.4)", "[digest][htdigest]") {
  auto f = dg::htdigest::load(std::string(AUTHWIRE_TEST_DATA) + "/digest/htdigest.txt");
  REQUIRE(f);
  REQUIRE(*f);
  const dg::htdigest& ht = **f;
  CHECK(ht.entries().size() == 4);
  CHECK(*ht.find("Mufasa", "testrealm@host.com") == "939e7578ed9e3c518a452acee763bce9");
  CHECK(*ht.find("alice", "realm with: colon") == dg::ha1(dg::algorithm::md5, "alice", "realm with: colon", "a:b c"));
  CHECK_FALSE(ht.find("Mufasa", "testrealm"));

  // The RFC 2617 3.5 request verifies against the file's HA1.
  const std::vector<std::string> ch = {
      R"(Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41")"};
  const std::string a =
      R"(Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41")";
  auto v = verify_registered(ch, a, "GET", "/dir/index.html", ht.lookup());
  CHECK(v.kind == verdict_kind::allow);
  CHECK(v.identity == "Mufasa");

  auto bad = dg::htdigest::parse("ok:realm:939e7578ed9e3c518a452acee763bce9\nbroken line\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.code() == dg::errc::bad_htdigest);
  CHECK(bad.offset() == 42);
  bad = dg::htdigest::parse("u:r:939e7578ed9e3c518a452acee763bceX\n");
  CHECK(bad.code() == dg::errc::bad_htdigest);
  CHECK(dg::htdigest::parse("u:r:939e7578ed9e3c518a452acee763bce9\r\n\r\n"));
}

TEST_CASE("digest: a file written now by Apache's htdigest verifies", "[digest][htdigest]") {
  if (std::system("command -v htdigest >/dev/null 2>&1") != 0) {
    WARN("htdigest (apache2-utils) is not installed: skipped");
    return;
  }
  const std::string path = std::string(AUTHWIRE_BINARY_DIR) + "/test_digest_htdigest.txt";
  std::remove(path.c_str());
  const std::string cmd = "printf 'p4ss w0rd\\np4ss w0rd\\n' | htdigest -c '" + path + "' 'Live Realm' carol >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto f = dg::htdigest::parse(read_file(path));
  REQUIRE(f);
  REQUIRE(f->entries().size() == 1);
  CHECK(f->entries()[0].ha1 == dg::ha1(dg::algorithm::md5, "carol", "Live Realm", "p4ss w0rd"));
  std::int64_t now = 1700000000;
  dg::options o;
  o.realm = "Live Realm";
  o.algorithms = {dg::algorithm::md5_sess, dg::algorithm::md5};
  o.clock = [&now] { return now; };
  dg::handler h(o, f->lookup());
  test_request tr;
  std::vector<std::string> ch;
  h.challenges(tr.view(), ch);
  dg::client c("carol", "p4ss w0rd");
  REQUIRE(c.on_challenges(join(ch)));
  auto a = c.authorization("GET", tr.target);
  REQUIRE(a);
  CHECK(h.verify(tr.view(), *a).identity == "carol");
  std::remove(path.c_str());
}

TEST_CASE("digest: one handler verifies from several threads at once", "[digest][server][threads]") {
  std::atomic<std::int64_t> now{1700000000};
  dg::options o;
  o.realm = "threads";
  o.algorithms = {dg::algorithm::sha256, dg::algorithm::md5};
  o.clock = [&now] { return now.load(); };
  accounts acc;
  acc.pw["Mufasa"] = "Circle of Life";
  dg::handler h(o, acc.lookup());
  std::atomic<int> allowed{0}, refused{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      test_request tr;
      tr.target = "/t/" + std::to_string(t);
      std::vector<std::string> ch;
      h.challenges(tr.view(), ch);
      dg::client c("Mufasa", "Circle of Life", counter_random(static_cast<unsigned char>(t * 50)));
      if (!c.on_challenges(join(ch))) return;
      for (int i = 0; i < 50; ++i) {
        auto a = c.authorization("GET", tr.target);
        if (!a) return;
        tr.auth = *a;
        const auto v = h.verify(tr.view(), *a);
        (v.kind == verdict_kind::allow ? allowed : refused)++;
        // Replaying the same value must always fail, whichever thread sees it.
        if (h.verify(tr.view(), *a).kind == verdict_kind::allow) refused += 1000;
      }
    });
  for (auto& t : ts) t.join();
  CHECK(allowed == 200);
  CHECK(refused == 0);
}

TEST_CASE("digest: a nonce known valid on this thread is matched byte for byte, per handler", "[digest][nonce]") {
  // Five handlers with their own keys on one thread (four cache slots): A's accepted nonce is
  // remembered in A's slot; once E has taken that slot, E must not accept A's nonce.
  std::vector<std::unique_ptr<round_trip_env>> envs;
  for (int i = 0; i < 5; ++i) {
    envs.push_back(std::make_unique<round_trip_env>(std::vector<dg::algorithm>{dg::algorithm::sha256}));
    envs.back()->o.nonce_keys = {std::string(32, static_cast<char>('p' + i))};
    envs.back()->h = std::make_unique<dg::handler>(envs.back()->o, envs.back()->acc.lookup());
  }
  (void)envs[0]->challenge();  // another nonce first: A's nonce is not the memo's first entry
  forge fa(*envs[0]);
  CHECK(envs[0]->send(fa.build()).kind == verdict_kind::allow);
  fa.r.nc = 2;
  CHECK(envs[0]->send(fa.build()).kind == verdict_kind::allow);  // the remembered nonce
  // Every one-character change of A's nonce (to another base64url character) is refused.
  const std::string nonce = fa.ci.nonce;
  REQUIRE(nonce.size() == 48);
  for (std::size_t i = 0; i < nonce.size(); ++i) {
    fa.ci.nonce = nonce;
    fa.ci.nonce[i] = nonce[i] == 'A' ? 'B' : 'A';
    fa.r.nc = static_cast<std::uint32_t>(3 + i);
    INFO("position " << i);
    CHECK(envs[0]->send(fa.build()).reason == "bad_nonce");
  }
  fa.ci.nonce = nonce;
  for (std::size_t i = 1; i < envs.size(); ++i) {
    forge f(*envs[i]);  // each issues a challenge: handler i takes a slot
    CHECK(envs[i]->send(f.build()).kind == verdict_kind::allow);
  }
  auto& e = *envs[4];
  e.tr.auth.clear();
  fa.r.nc = 100;
  CHECK(e.h->check(e.tr.view(), fa.build()).code == dg::errc::bad_nonce);
  // A still accepts it (its slot is rebuilt: the MAC is computed again).
  CHECK(envs[0]->send(fa.build()).kind == verdict_kind::allow);
}

TEST_CASE("digest: several handlers on one thread keep their own nonce keys", "[digest][nonce]") {
  std::vector<std::unique_ptr<round_trip_env>> envs;
  for (int i = 0; i < 6; ++i) {
    envs.push_back(std::make_unique<round_trip_env>(std::vector<dg::algorithm>{dg::algorithm::sha256}));
    envs.back()->o.nonce_keys = {std::string(32, static_cast<char>('a' + i))};
    envs.back()->h = std::make_unique<dg::handler>(envs.back()->o, envs.back()->acc.lookup());
  }
  std::vector<std::unique_ptr<forge>> forges;
  for (auto& e : envs) forges.push_back(std::make_unique<forge>(*e));
  for (std::uint32_t round = 1; round <= 3; ++round)
    for (std::size_t i = 0; i < envs.size(); ++i) {
      forges[i]->r.nc = round;
      CHECK(envs[i]->send(forges[i]->build()).kind == verdict_kind::allow);
      // Handler i's nonce is not valid for handler (i + 1) (another key).
      auto& other = *envs[(i + 1) % envs.size()];
      other.tr.auth.clear();
      CHECK(other.h->check(other.tr.view(), forges[i]->build()).code == dg::errc::bad_nonce);
    }
}
