#include "../tools/verify_hoba.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include <authwire/server.hpp>

namespace fs = std::filesystem;
namespace hoba = authwire::hoba;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

struct key_files {
  fs::path dir;
  std::string priv, pub;
  key_files() {
    std::string tmpl = (fs::temp_directory_path() / "authwire_hoba_cli_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    dir = tmpl;
    const std::string d = dir.string();
    if (std::system(("openssl genrsa -out " + d + "/k.pem 2048 2>/dev/null").c_str()) != 0 ||
        std::system(("openssl rsa -in " + d + "/k.pem -pubout -out " + d + "/k.pub 2>/dev/null").c_str()) != 0)
      throw std::runtime_error("openssl failed");
    priv = slurp(dir / "k.pem");
    pub = slurp(dir / "k.pub");
  }
  ~key_files() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

authwire::decision run(const nlohmann::json& server, authwire_cli::cli_state& st, const std::string& authz) {
  st.now = server["now"].get<std::int64_t>();
  authwire::authenticator auth;
  auth.add(authwire_cli::make_handler_hoba(server, st));
  std::vector<authwire::header_view> h = {{"Host", "example.org"}};
  if (!authz.empty()) h.push_back({"Authorization", authz});
  authwire::request_view r;
  r.method = "GET";
  r.target = "/";
  r.headers = h.data();
  r.header_count = h.size();
  r.origin_scheme = "https";
  return auth.authenticate(r);
}

}  // namespace

TEST_CASE("hoba cli: issued challenges, keys from the config, replay on a later line", "[hoba][cli]") {
  const key_files k;
  authwire_cli::cli_state st;
  nlohmann::json server = {
      {"now", 1700000000},
      {"realm", "example"},
      {"schemes", {"HOBA"}},
      {"hoba",
       {{"keys", {{{"kid", "a2lk"}, {"alg", 0}, {"public_key_pem", k.pub}, {"user", "alice"}}}},
        {"max_age", 600},
        {"origin", "https://example.org:443"},
        {"issued", {"Y2hhbGxlbmdlLW9uZQ"}}}}};
  const auto key = authwire::private_key::from_pem(k.priv);
  REQUIRE(key);
  hoba::sign_params p;
  p.kid = "a2lk";
  p.challenge = "Y2hhbGxlbmdlLW9uZQ";
  p.origin = "https://example.org:443";
  p.realm = "example";
  auto res = hoba::make_result(*key, p);
  REQUIRE(res);
  const std::string authz = *hoba::build_credentials(*res);

  auto d = run(server, st, authz);
  CHECK(d.status() == 200);
  CHECK(d.identity() == "alice");
  // The same line again: the challenge is used up even though "issued" lists it again.
  server["now"] = 1700000001;
  d = run(server, st, authz);
  CHECK(d.status() == 401);
  CHECK(d.reason() == "unknown_challenge");
  // A challenge the tool itself offered in a 401 answer works on a later line.
  auto c = hoba::parse_challenge(d.challenges().at(0));
  REQUIRE(c);
  p.challenge = c->challenge;
  d = run(server, st, *hoba::build_credentials(*hoba::make_result(*key, p)));
  CHECK(d.status() == 200);
  // Expired: issued at the line's now, answered after max_age.
  server["hoba"]["issued"] = {"c2Vjb25k"};
  d = run(server, st, "");
  CHECK(d.status() == 401);
  server["now"] = 1700000001 + 601;
  p.challenge = "c2Vjb25k";
  d = run(server, st, *hoba::build_credentials(*hoba::make_result(*key, p)));
  CHECK(d.reason() == "challenge_expired");
}

TEST_CASE("hoba cli: bad settings throw, typed reading hides the signature", "[hoba][cli]") {
  authwire_cli::cli_state st;
  nlohmann::json s = {{"now", 1}, {"hoba", {{"keys", {{{"kid", "k"}, {"public_key_pem", "nope"}}}}}}};
  CHECK_THROWS(authwire_cli::make_handler_hoba(s, st));
  s = {{"now", 1}, {"hoba", {{"origin_form", "other"}}}};
  CHECK_THROWS(authwire_cli::make_handler_hoba(s, st));
  s = {{"now", 1}, {"hoba", 5}};
  CHECK_THROWS(authwire_cli::make_handler_hoba(s, st));
  auto t = authwire_cli::typed_hoba(R"(HOBA result="a2lk.Y2g.bm9uY2Uw.c2lnbmF0dXJl")");
  REQUIRE(t);
  CHECK(t->dump() == R"({"kid":"a2lk","challenge":"Y2g","nonce":"bm9uY2Uw","signature_bytes":9})");
  CHECK_FALSE(authwire_cli::typed_hoba("HOBA result=x"));
}
