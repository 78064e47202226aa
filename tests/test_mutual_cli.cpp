// SPDX-License-Identifier: MIT
// The `authwire verify` plug-in of Mutual: a new handler per input line, sessions kept across
// lines in the run's shared store (cli_state), exactly as one long-running server.
#include "../tools/verify_mutual.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <authwire/server.hpp>

namespace mu = authwire::mutual;

namespace {

struct line_result {
  authwire::decision d;
  std::string www, info;
};

line_result run(const nlohmann::json& server, authwire_cli::cli_state& st, const std::string& authz) {
  st.now = server["now"].get<std::int64_t>();
  authwire::authenticator auth;
  auth.add(authwire_cli::make_handler_mutual(server, st));
  std::vector<authwire::header_view> h = {{"Host", "example.org"}};
  if (!authz.empty()) h.push_back({"Authorization", authz});
  authwire::request_view r;
  r.method = "GET";
  r.target = "/";
  r.headers = h.data();
  r.header_count = h.size();
  line_result out{auth.authenticate(r), {}, {}};
  for (const auto& x : out.d.headers()) {
    if (x.name == "WWW-Authenticate" && out.www.empty()) out.www = x.value;
    if (x.name == "Authentication-Info") out.info = x.value;
  }
  return out;
}

nlohmann::json server_json(std::int64_t now) {
  return nlohmann::json{{"now", now},
                        {"realm", "cli realm"},
                        {"schemes", {"Mutual"}},
                        {"accounts", {{{"user", "alice"}, {"password", "pw1"}}}},
                        {"mutual", {{"algorithms", {"iso-kam3-ec-p256-sha256", "iso-kam3-dl-2048-sha256"}},
                                    {"nc_window", 4},
                                    {"session_lifetime", 600}}}};
}

}  // namespace

TEST_CASE("mutual cli: a handshake spread over input lines", "[mutual][cli]") {
  authwire_cli::cli_state st;
  auto l0 = run(server_json(1000), st, "");
  REQUIRE(l0.d.status() == 401);
  CHECK(l0.www.find("Mutual version=1, algorithm=iso-kam3-ec-p256-sha256") == 0);
  CHECK(l0.d.headers().size() == 2);  // one 401-INIT per algorithm
  mu::client_options co;
  co.user = "alice";
  co.password = "pw1";
  co.validation_host = "http://example.org:80";
  co.host = "example.org";
  mu::client c(co);
  auto kex = c.on_unauthorized(l0.www);
  REQUIRE(kex);
  auto l1 = run(server_json(1001), st, *kex);
  REQUIRE(l1.d.status() == 401);
  CHECK(l1.d.reason() == "key_exchange");
  auto vfy = c.on_unauthorized(l1.www);
  REQUIRE(vfy);
  auto l2 = run(server_json(1002), st, *vfy);
  REQUIRE(l2.d.status() == 200);
  CHECK(l2.d.identity() == "alice");
  REQUIRE(c.on_authentication_info(l2.info));
  // The next nc passes on a later line.
  auto a = c.authorize();
  REQUIRE(a);
  CHECK(run(server_json(1003), st, *a).d.status() == 200);
  // A replay on a later line is caught, and the session is discarded (RFC 8120 section 6).
  auto l4 = run(server_json(1004), st, *vfy);
  CHECK(l4.d.status() == 401);
  CHECK(l4.d.reason() == "nc_replayed");
  CHECK(l4.www.find("reason=stale-session") != std::string::npos);
  auto b = c.authorize();
  REQUIRE(b);
  CHECK(run(server_json(1005), st, *b).d.reason() == "unknown_session");
  // A new session; after the session lifetime it is stale.
  mu::client c2(co);
  auto k2 = c2.on_unauthorized(l0.www);
  REQUIRE(k2);
  auto v2 = c2.on_unauthorized(run(server_json(1006), st, *k2).www);
  REQUIRE(v2);
  auto l7 = run(server_json(1007), st, *v2);
  CHECK(l7.d.status() == 200);
  REQUIRE(c2.on_authentication_info(l7.info));
  auto n2 = c2.authorize();
  REQUIRE(n2);
  CHECK(run(server_json(1006 + 601), st, *n2).d.reason() == "unknown_session");
}

TEST_CASE("mutual cli: typed reading and bad settings", "[mutual][cli]") {
  auto t = authwire_cli::typed_mutual(
      "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, realm=\"r\", sid=0a, nc=3, vkc=" +
      std::string(64, '0'));
  REQUIRE(t);
  CHECK((*t)["message"] == "req-VFY-C");
  CHECK((*t)["nc"] == 3);
  CHECK((*t)["vkc_bytes"] == 32);
  CHECK(!authwire_cli::typed_mutual("Mutual version=1"));
  authwire_cli::cli_state st;
  auto s = server_json(1);
  s["mutual"]["algorithms"] = {"iso-kam3-ec-p384-sha384"};
  CHECK_THROWS_AS(authwire_cli::make_handler_mutual(s, st), std::runtime_error);
  s = server_json(1);
  s["mutual"]["validation"] = "dns";
  CHECK_THROWS_AS(authwire_cli::make_handler_mutual(s, st), std::runtime_error);
}
