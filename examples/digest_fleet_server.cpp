// SPDX-License-Identifier: MIT
// Example: one member of a server fleet. Digest (RFC 7616) on /private, nonce counts kept in a
// shared Redis (authwire::redis_store), nonces signed with a key shared by every member, so a
// request accepted by one process and replayed to another is refused, and a Redis that cannot
// be reached gives 503 with Retry-After (fail closed).
//
// Environment:
//   AUTHWIRE_REDIS_HOST  Redis host (default 127.0.0.1)
//   AUTHWIRE_REDIS_PORT  Redis port (default 6379)
//   AUTHWIRE_NONCE_KEY   the shared nonce HMAC key (required; at least 32 bytes)
//   AUTHWIRE_SERVER_NAME shown in the response body (default "fleet")
// User "Mufasa", password "Circle of Life", realm "http-auth@example.org" (RFC 7616 3.9.1).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <authwire/adapters/httplib.hpp>
#include <authwire/schemes/digest.hpp>
#include <authwire/stores/redis.hpp>

namespace {
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}
}  // namespace

int main() {
  const std::string key = env_or("AUTHWIRE_NONCE_KEY", "");
  if (key.size() < 32) {
    std::fprintf(stderr, "digest_fleet_server: set AUTHWIRE_NONCE_KEY (at least 32 bytes)\n");
    return 2;
  }
  const std::string name = env_or("AUTHWIRE_SERVER_NAME", "fleet");

  authwire::redis_options ro;
  ro.host = env_or("AUTHWIRE_REDIS_HOST", "127.0.0.1");
  ro.port = std::atoi(env_or("AUTHWIRE_REDIS_PORT", "6379").c_str());
  ro.prefix = authwire::redis_key_prefix("digest_fleet", "http-auth@example.org");
  ro.connect_timeout = std::chrono::milliseconds(200);
  ro.command_timeout = std::chrono::milliseconds(200);
  ro.reconnect_backoff = std::chrono::milliseconds(0);

  authwire::digest::options o;
  o.realm = "http-auth@example.org";
  o.nonce_keys = {key};
  o.store = std::make_shared<authwire::redis_store>(ro);
  auto digest = std::make_shared<authwire::digest::handler>(
      o, [](std::string_view user, std::string_view, authwire::digest::algorithm, std::string& secret) {
        if (user != "Mufasa") return authwire::digest::secret_kind::unknown;
        secret = "Circle of Life";
        return authwire::digest::secret_kind::password;
      });

  httplib::Server svr;
  auto auth = std::make_shared<authwire::authenticator>();
  auth->add(digest);
  svr.set_pre_routing_handler(authwire::httplib_adapter::protect(auth, {"/private"}));
  svr.Get("/private", [name](const httplib::Request&, httplib::Response& res) {
    res.set_content("hello " + authwire::httplib_adapter::identity() + " from " + name + "\n", "text/plain");
  });
  return authwire::httplib_adapter::run_example(svr);
}
