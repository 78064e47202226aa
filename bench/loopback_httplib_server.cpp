// SPDX-License-Identifier: MIT
/**
 * @file loopback_httplib_server.cpp
 * @brief The authwire side of bench/loopback.sh: a cpp-httplib server whose pre-routing handler
 *        runs an authwire authenticator with the Digest handler (SHA-256 only, qop=auth, the same
 *        realm, user and password as mhd_digest_server), then answers 200 "ok". With --noauth it
 *        answers 200 "ok" to everything (the baseline). Binds 127.0.0.1 on a free port, prints
 *        `listening http://127.0.0.1:<port>`, serves until SIGTERM, then prints on stderr the
 *        time authenticator::authenticate took per request that carried an Authorization.
 *
 * Usage: loopback_httplib_server [--noauth]
 */
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <authwire/adapters/httplib.hpp>
#include <authwire/schemes/digest.hpp>
#include <authwire/server.hpp>

#include "loopback_stats.hpp"

namespace {
constexpr const char* realm = "bench@authwire";
constexpr const char* user = "bench";
constexpr const char* password = "loopback secret";
}  // namespace

int main(int argc, char** argv) {
  bool noauth = false;
  for (int i = 1; i < argc; ++i) noauth = noauth || std::strcmp(argv[i], "--noauth") == 0;

  authwire::digest::options o;
  o.realm = realm;
  o.algorithms = {authwire::digest::algorithm::sha256};
  o.opaque = "0123456789abcdef";
  auto digest = std::make_shared<authwire::digest::handler>(
      o, [](std::string_view u, std::string_view, authwire::digest::algorithm, std::string& secret) {
        if (u != user) return authwire::digest::secret_kind::unknown;
        secret = password;
        return authwire::digest::secret_kind::password;
      });
  auto auth = std::make_shared<authwire::authenticator>();
  auth->add(digest);
  loopback::histogram check;

  httplib::Server svr;
  svr.set_keep_alive_max_count(1000000);
  svr.set_keep_alive_timeout(30);
  svr.set_tcp_nodelay(true);
  if (!noauth) {
    // authwire::httplib_adapter::protect(auth, {"/"}), with the authenticate() call timed.
    svr.set_pre_routing_handler([auth, &check](const httplib::Request& req, httplib::Response& res) {
      namespace ha = authwire::httplib_adapter;
      ha::request_adapter ra(req, false);
      const bool has = ra.view().header("Authorization").has_value();
      const std::uint64_t t0 = loopback::now_ns();
      authwire::decision d = auth->authenticate(ra.view());
      if (has) check.add(loopback::now_ns() - t0);
      ha::apply(d, res);
      return d.allowed() ? httplib::Server::HandlerResponse::Unhandled : httplib::Server::HandlerResponse::Handled;
    });
  }
  svr.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  const int rc = authwire::httplib_adapter::run_example(svr);
  check.print("check_ns");
  return rc;
}
