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
 * With --time-check it also runs digest::handler::check (the stateless part: parse, nonce MAC,
 * offer checks, response; no replay store, no verdict, no Authentication-Info) before each
 * authenticate() and prints its time as `stateless_ns` (that run's rps is not comparable).
 *
 * --no-rspauth sends Authentication-Info without rspauth (options::send_rspauth = false);
 * --no-info sends none (options::send_authentication_info = false), as libmicrohttpd.
 *
 * Usage: loopback_httplib_server [--noauth | --time-check] [--no-rspauth | --no-info]
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
  bool noauth = false, time_check = false, no_rspauth = false, no_info = false;
  for (int i = 1; i < argc; ++i) {
    noauth = noauth || std::strcmp(argv[i], "--noauth") == 0;
    time_check = time_check || std::strcmp(argv[i], "--time-check") == 0;
    no_rspauth = no_rspauth || std::strcmp(argv[i], "--no-rspauth") == 0;
    no_info = no_info || std::strcmp(argv[i], "--no-info") == 0;
  }

  authwire::digest::options o;
  o.realm = realm;
  o.algorithms = {authwire::digest::algorithm::sha256};
  o.opaque = "0123456789abcdef";
  o.send_rspauth = !no_rspauth;
  o.send_authentication_info = !no_info;
  auto digest = std::make_shared<authwire::digest::handler>(
      o, [](std::string_view u, std::string_view, authwire::digest::algorithm, std::string& secret) {
        if (u != user) return authwire::digest::secret_kind::unknown;
        secret = password;
        return authwire::digest::secret_kind::password;
      });
  auto auth = std::make_shared<authwire::authenticator>();
  auth->add(digest);
  loopback::histogram check, stateless;

  httplib::Server svr;
  svr.set_keep_alive_max_count(1000000);
  svr.set_keep_alive_timeout(30);
  svr.set_tcp_nodelay(true);
  if (!noauth) {
    // authwire::httplib_adapter::protect(auth, {"/"}), with the authenticate() call timed.
    svr.set_pre_routing_handler([auth, digest, time_check, &check, &stateless](const httplib::Request& req,
                                                                                 httplib::Response& res) {
      namespace ha = authwire::httplib_adapter;
      ha::request_adapter ra(req, false);
      const auto value = ra.view().header("Authorization");
      const bool has = value.has_value();
      if (time_check && has) {
        const std::uint64_t s0 = loopback::now_ns();
        const auto r = digest->check(ra.view(), *value);
        stateless.add(loopback::now_ns() - s0);
        if (r.code != authwire::digest::errc::ok) std::fprintf(stderr, "check refused\n");
      }
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
  if (time_check) stateless.print("stateless_ns");
  return rc;
}
