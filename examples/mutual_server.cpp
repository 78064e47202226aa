// SPDX-License-Identifier: MIT
// Example: a cpp-httplib server protected by the Mutual scheme (RFC 8120 / RFC 8121).
//
//   /private, /private/...  Mutual, realm "mutual@example", algorithms P-256, P-521, DL-2048
//                           (--dl4096 adds iso-kam3-dl-4096-sha512), validation=host
//   /public                 open
//
// Users: alice / "correct horse", "J\xc3\xb6rg" / "p\xc3\xa4ss" (UTF-8). Sessions live in an
// in-process memory_store (5 minutes). curl and browsers cannot speak Mutual: use
// examples/mutual_client.cpp or authwire::mutual::client.
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include <authwire/adapters/httplib.hpp>
#include <authwire/schemes/mutual.hpp>

int main(int argc, char** argv) {
  namespace mu = authwire::mutual;
  mu::server_options o;
  o.realm = "mutual@example";
  o.algorithms = {mu::algorithm::ec_p256_sha256, mu::algorithm::ec_p521_sha512, mu::algorithm::dl_2048_sha256};
  o.session_lifetime = 300;
  o.nc_window = 32;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dl4096") == 0) {
      o.algorithms.push_back(mu::algorithm::dl_4096_sha512);
    } else {
      std::cerr << "usage: " << argv[0] << " [--dl4096]\n";
      return 2;
    }
  }
  auto mutual = std::make_shared<mu::handler>(o, [](std::string_view user, std::string_view) -> std::optional<std::string> {
    if (user == "alice") return std::string("correct horse");
    if (user == "J\xc3\xb6rg") return std::string("p\xc3\xa4ss");
    return std::nullopt;
  });
  auto auth = std::make_shared<authwire::authenticator>();
  auth->add(mutual);

  httplib::Server svr;
  namespace ha = authwire::httplib_adapter;
  svr.set_pre_routing_handler(ha::protect(auth, {"/private"}));
  for (const char* path : {"/private", "/private/.*"})
    svr.Get(path, [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("hello " + ha::identity() + " via Mutual at " + req.target + "\n", "text/plain");
    });
  svr.Get("/public", [](const httplib::Request&, httplib::Response& res) { res.set_content("public\n", "text/plain"); });
  return ha::run_example(svr);
}
