// SPDX-License-Identifier: MIT
// The `authwire verify` plug-in of Digest: a new handler per input line, nonces signed with the
// run's key and nonce counts in the run's store (cli_state), exactly as one long-running server.
#include "../tools/verify_digest.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <authwire/server.hpp>

namespace dg = authwire::digest;

namespace {

struct line_result {
  authwire::decision d;
  std::vector<std::string> www;
  std::string info;
};

line_result run(const nlohmann::json& server, authwire_cli::cli_state& st, const std::string& authz,
                const std::string& target = "/dir/index.html", const std::string& method = "GET") {
  st.now = server["now"].get<std::int64_t>();
  authwire::authenticator auth;
  auth.add(authwire_cli::make_handler_digest(server, st));
  std::vector<authwire::header_view> h = {{"Host", "example.org"}};
  if (!authz.empty()) h.push_back({"Authorization", authz});
  authwire::request_view r;
  r.method = method;
  r.target = target;
  r.headers = h.data();
  r.header_count = h.size();
  line_result out{auth.authenticate(r), {}, {}};
  for (const auto& x : out.d.headers()) {
    if (x.name == "WWW-Authenticate") out.www.push_back(x.value);
    if (x.name == "Authentication-Info") out.info = x.value;
  }
  return out;
}

const char* const rfc_challenge =
    R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";
const char* const rfc_authorization =
    R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";

nlohmann::json server_json(std::int64_t now) {
  return nlohmann::json{{"now", now},
                        {"realm", "http-auth@example.org"},
                        {"schemes", {"Digest"}},
                        {"accounts", {{{"user", "Mufasa"}, {"password", "Circle of Life"}}}},
                        {"digest",
                         {{"algorithms", {"SHA-256", "MD5"}},
                          {"qop", {"auth", "auth-int"}},
                          {"opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"},
                          {"nonce_lifetime", 300}}}};
}

}  // namespace

TEST_CASE("digest cli: a captured RFC 7616 3.9.1 exchange replays once", "[digest][cli]") {
  authwire_cli::cli_state st;
  auto s = server_json(1700000000);
  s["digest"]["issued"] = {rfc_challenge};
  auto l1 = run(s, st, rfc_authorization);
  CHECK(l1.d.status() == 200);
  CHECK(l1.d.identity() == "Mufasa");
  // rspauth = KD(HA1, nonce:nc:cnonce:qop:H(":" uri)).
  const std::string ha1 = dg::ha1(dg::algorithm::sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
  const std::string rspauth = dg::compute_response(dg::algorithm::sha256, dg::qop::auth, ha1,
                                                   "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                                                   "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "", "/dir/index.html");
  CHECK(l1.info.find("rspauth=\"" + rspauth + "\", qop=auth, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", nc=00000001") == 0);
  // The same request on a later line: a replay.
  s["now"] = 1700000001;
  auto l2 = run(s, st, rfc_authorization);
  CHECK(l2.d.status() == 401);
  CHECK(l2.d.reason() == "replayed_nc");
  REQUIRE(l2.www.size() == 2);
  CHECK(l2.www[0].find("stale=true") != std::string::npos);
  // A wrong password for the same captured nonce and a new nc.
  s["accounts"][0]["password"] = "Circle Of Life";
  std::string a3 = rfc_authorization;
  a3.replace(a3.find("nc=00000001"), 11, "nc=00000002");
  auto l3 = run(s, st, a3);
  CHECK(l3.d.reason() == "invalid_response");
}

TEST_CASE("digest cli: own nonces across lines, then stale", "[digest][cli]") {
  authwire_cli::cli_state st;
  auto s = server_json(1700000000);
  auto l0 = run(s, st, "");
  REQUIRE(l0.d.status() == 401);
  REQUIRE(l0.www.size() == 2);
  CHECK(l0.www[0].find("algorithm=SHA-256") != std::string::npos);
  dg::client c("Mufasa", "Circle of Life");
  REQUIRE(c.on_challenges(l0.www[0] + ", " + l0.www[1]));
  auto a = c.authorization("GET", "/dir/index.html");
  REQUIRE(a);
  s["now"] = 1700000010;
  auto l1 = run(s, st, *a);
  CHECK(l1.d.status() == 200);
  CHECK(c.check_authentication_info(l1.info));
  s["now"] = 1700000400;
  a = c.authorization("GET", "/dir/index.html");
  REQUIRE(a);
  auto l2 = run(s, st, *a);
  CHECK(l2.d.status() == 401);
  CHECK(l2.d.reason() == "stale_nonce");
  // A nonce that this run did not issue.
  authwire_cli::cli_state other;
  auto l3 = run(s, other, *a);
  CHECK(l3.d.reason() == "bad_nonce");
}

TEST_CASE("digest cli: curl's RFC 2069 request with a query, and a proxy", "[digest][cli][curl]") {
  authwire_cli::cli_state st;
  nlohmann::json s = {{"now", 1700000000},
                      {"realm", "testrealm"},
                      {"schemes", {"Digest"}},
                      {"accounts", {{{"user", "testuser"}, {"password", "testpass"}}}},
                      {"digest", {{"issued", {R"(Digest realm="testrealm", nonce="1")"}}}}};
  auto l = run(s, st,
               R"(Digest username="testuser", realm="testrealm", nonce="1", uri="/2076?query", response="5758bd3bbde7f33236e6ccd278eb59af")",
               "/2076?query");
  CHECK(l.d.status() == 200);
  CHECK(l.d.identity() == "testuser");
}

TEST_CASE("digest cli: bad settings are refused", "[digest][cli]") {
  authwire_cli::cli_state st;
  auto s = server_json(1);
  s["digest"]["algorithms"] = {"SHA-1"};
  CHECK_THROWS(authwire_cli::make_handler_digest(s, st));
  s = server_json(1);
  s["digest"]["issued"] = {"Digest realm=\"x\""};
  CHECK_THROWS(authwire_cli::make_handler_digest(s, st));
}

TEST_CASE("digest cli: typed reading", "[digest][cli]") {
  auto t = authwire_cli::typed_digest(rfc_authorization);
  REQUIRE(t);
  CHECK(t->dump() ==
        R"({"username":"Mufasa","realm":"http-auth@example.org","nonce":"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v","uri":"/dir/index.html","response":"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1","algorithm":"SHA-256","qop":"auth","nc":1,"cnonce":"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ","opaque":"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS","userhash":false})");
  auto u = authwire_cli::typed_digest(
      "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"r\", nonce=\"n\", uri=\"/\", response=\"" +
      std::string(32, 'a') + "\"");
  REQUIRE(u);
  CHECK((*u)["username*"] == "J\xc3\xa4s\xc3\xb8n Doe");
  CHECK_FALSE(authwire_cli::typed_digest("Digest username=\"x\""));
}
