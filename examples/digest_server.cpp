// SPDX-License-Identifier: MIT
// Example: HTTP Digest (RFC 7616) with cpp-httplib. GET /private is protected from the
// pre-routing hook (no body needed); POST /upload is guarded inside its route, where the body
// is available, so qop=auth-int works there. GET / is public.
//
// Options (all optional):
//   --algorithms=SHA-256,MD5   one challenge per algorithm, in this order
//   --qop=auth,auth-int        the qop values offered
//   --userhash                 offer userhash=true
//   --opaque=VALUE             send and require this opaque value
//   --lifetime=SECONDS         nonce lifetime (default 300)
//   --rfc2069                  also accept the RFC 2069 form (no qop)
//   --proxy                    act as a proxy: 407 and Proxy-Authenticate
// Users: "Mufasa" / "Circle of Life", "testuser" / "testpass", and "J\xc3\xa4s\xc3\xb8n Doe" /
// "Secret, or not?" (UTF-8), realm "http-auth@example.org" (RFC 7616 section 3.9.1).
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <authwire/adapters/httplib.hpp>
#include <authwire/schemes/digest.hpp>

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  namespace dg = authwire::digest;
  dg::options o;
  o.realm = "http-auth@example.org";
  bool proxy = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string_view name) { return a.substr(name.size()); };
    if (a.rfind("--algorithms=", 0) == 0) {
      o.algorithms.clear();
      for (const auto& n : split(value("--algorithms="))) {
        const auto alg = dg::parse_algorithm(n);
        if (!alg) {
          std::fprintf(stderr, "digest_server: unknown algorithm %s\n", n.c_str());
          return 2;
        }
        o.algorithms.push_back(*alg);
      }
    } else if (a.rfind("--qop=", 0) == 0) {
      o.qops.clear();
      for (const auto& q : split(value("--qop="))) {
        if (q == "auth") o.qops.push_back(dg::qop::auth);
        else if (q == "auth-int") o.qops.push_back(dg::qop::auth_int);
        else {
          std::fprintf(stderr, "digest_server: unknown qop %s\n", q.c_str());
          return 2;
        }
      }
    } else if (a == "--userhash") {
      o.userhash = true;
    } else if (a.rfind("--opaque=", 0) == 0) {
      o.opaque = value("--opaque=");
    } else if (a.rfind("--lifetime=", 0) == 0) {
      o.nonce_lifetime = std::atoll(value("--lifetime=").c_str());
    } else if (a == "--rfc2069") {
      o.allow_rfc2069 = true;
    } else if (a == "--proxy") {
      proxy = true;
    } else {
      std::fprintf(stderr, "digest_server: unknown option %s\n", a.c_str());
      return 2;
    }
  }

  // The application's users. A real one would keep HA1 values (dg::ha1) per algorithm.
  static const std::map<std::string, std::string, std::less<>> users = {
      {"Mufasa", "Circle of Life"}, {"testuser", "testpass"}, {"J\xc3\xa4s\xc3\xb8n Doe", "Secret, or not?"}};
  dg::credential_fn lookup = [](std::string_view user, std::string_view, dg::algorithm, std::string& secret) {
    const auto it = users.find(user);
    if (it == users.end()) return dg::secret_kind::unknown;
    secret = it->second;
    return dg::secret_kind::password;
  };
  dg::userhash_fn by_hash = [](std::string_view uh, std::string_view realm, dg::algorithm alg, std::string& user) {
    for (const auto& u : users)
      if (dg::userhash(alg, u.first, realm) == uh) {
        user = u.first;
        return true;
      }
    return false;
  };

  authwire::authenticator_options ao;
  ao.proxy = proxy;
  auto auth = std::make_shared<authwire::authenticator>(ao);
  auth->add(std::make_shared<dg::handler>(o, lookup, by_hash));

  httplib::Server svr;
  if (proxy) {
    // A proxy sees absolute-form targets ("http://host/path"): everything is protected.
    svr.set_pre_routing_handler(authwire::httplib_adapter::protect(auth, {"/"}));
    svr.Get(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("proxied for " + authwire::httplib_adapter::identity() + "\n", "text/plain");
    });
    return authwire::httplib_adapter::run_example(svr);
  }
  svr.set_pre_routing_handler(authwire::httplib_adapter::protect(auth, {"/private"}));
  svr.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content("public\n", "text/plain"); });
  svr.Get("/private", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("hello " + authwire::httplib_adapter::identity() + "\n", "text/plain");
  });
  svr.Post("/upload", authwire::httplib_adapter::guard(
                          auth, [](const httplib::Request& req, httplib::Response& res, const authwire::decision& d) {
                            res.set_content("stored " + std::to_string(req.body.size()) + " bytes for " + d.identity() +
                                                "\n",
                                            "text/plain");
                          }));
  return authwire::httplib_adapter::run_example(svr);
}
