// SPDX-License-Identifier: MIT
// Example: a cpp-httplib server protected by the Mutual scheme (RFC 8120 / RFC 8121).
//
//   /private, /private/...  Mutual, iso-kam3-ec-p256-sha256, realm "mutual@example"
//   /p521, /p521/...        Mutual, iso-kam3-ec-p521-sha512, realm "p521@example"
//   /dl2048, /dl2048/...    Mutual, iso-kam3-dl-2048-sha256, realm "dl2048@example"
//   /dl4096, /dl4096/...    Mutual, iso-kam3-dl-4096-sha512, realm "dl4096@example"
//   /public                 open
//
// One algorithm per realm: a 401-INIT carries one Mutual challenge (RFC 8120 section 4.1), and
// section 5 advises against one scope and realm with several algorithms. validation=host, the
// auth-scope is the Host header's host name. Users: alice / "correct horse", "J\xc3\xb6rg" /
// "p\xc3\xa4ss" (UTF-8). Sessions live in an in-process memory_store (5 minutes). curl and
// browsers cannot speak Mutual: use examples/mutual_client.cpp or authwire::mutual::client.
#include <iostream>
#include <memory>
#include <string>

#include <authwire/adapters/httplib.hpp>
#include <authwire/schemes/mutual.hpp>

int main(int argc, char** argv) {
  namespace mu = authwire::mutual;
  namespace ha = authwire::httplib_adapter;
  if (argc > 1) {
    std::cerr << "usage: " << argv[0] << "\n";
    return 2;
  }
  auto lookup = [](std::string_view user, std::string_view) -> std::optional<std::string> {
    if (user == "alice") return std::string("correct horse");
    if (user == "J\xc3\xb6rg") return std::string("p\xc3\xa4ss");
    return std::nullopt;
  };
  auto store = std::make_shared<authwire::memory_store>();
  std::vector<ha::route> routes;
  httplib::Server svr;
  const struct {
    const char* path;
    const char* realm;
    mu::algorithm alg;
  } areas[] = {{"/private", "mutual@example", mu::algorithm::ec_p256_sha256},
               {"/p521", "p521@example", mu::algorithm::ec_p521_sha512},
               {"/dl2048", "dl2048@example", mu::algorithm::dl_2048_sha256},
               {"/dl4096", "dl4096@example", mu::algorithm::dl_4096_sha512}};
  for (const auto& a : areas) {
    mu::server_options o;
    o.realm = a.realm;
    o.algorithms = {a.alg};
    o.session_lifetime = 300;
    o.nc_window = 32;
    auto auth = std::make_shared<authwire::authenticator>();
    auth->add(std::make_shared<mu::handler>(o, lookup, store));  // one store: sids are random
    routes.push_back({a.path, auth});
    const std::string p = a.path;
    for (const std::string& pattern : {p, p + "/.*"})
      svr.Get(pattern, [](const httplib::Request& req, httplib::Response& res) {
        res.set_content("hello " + ha::identity() + " via Mutual at " + req.target + "\n", "text/plain");
      });
  }
  svr.set_pre_routing_handler(ha::protect(routes));
  svr.Get("/public", [](const httplib::Request&, httplib::Response& res) { res.set_content("public\n", "text/plain"); });
  return ha::run_example(svr);
}
