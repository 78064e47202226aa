// SPDX-License-Identifier: MIT
// Example: HOBA (RFC 7486) on a cpp-httplib server, with the registration, login session and
// logout of RFC 7486 section 6.
//
//   GET  /.well-known/hoba/getchal   a fresh challenge (body and WWW-Authenticate), for HOBA-js
//   POST /.well-known/hoba/register  form pub, kidtype, kid, didtype, did[, alg], with
//                                    `Authorization: HOBA result=...` signed by the new key
//                                    -> 200 `Hobareg: regok` and a session cookie
//   GET  /private, /.well-known/hoba/login
//                                    HOBA-protected: `Authorization: HOBA result=...` or the
//                                    session cookie
//   POST /.well-known/hoba/logout    forgets the session, expires the cookie
//
// Keys live in memory for the life of the process. The origin is built from the request
// (http + Host, the port always written out: "http://127.0.0.1:<port>").
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <authwire/adapters/httplib.hpp>
#include <authwire/schemes/hoba.hpp>

namespace {

/// The application's key registry (the library never stores keys itself).
class key_registry {
 public:
  std::optional<authwire::hoba::key_record> find(std::string_view kid) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = keys_.find(kid);
    if (it == keys_.end()) return std::nullopt;
    return it->second;
  }
  authwire::hoba::registration_answer add(const authwire::hoba::registration& r) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string user = r.did.empty() ? r.kid : r.did;
    keys_[r.kid] = authwire::hoba::key_record{r.key, r.alg, user};
    return {authwire::hoba::registration_state::regok, user};
  }

 private:
  std::mutex mu_;
  std::map<std::string, authwire::hoba::key_record, std::less<>> keys_;
};

}  // namespace

int main() {
  namespace hoba = authwire::hoba;
  namespace ha = authwire::httplib_adapter;
  auto registry = std::make_shared<key_registry>();

  hoba::options o;
  o.realm = "hoba example";
  o.max_age = 120;
  o.session.enabled = true;
  o.session.secure = false;  // plain http on 127.0.0.1
  auto h = std::make_shared<hoba::handler>(
      o, [registry](std::string_view kid) { return registry->find(kid); },
      [registry](const hoba::registration& r) { return registry->add(r); });
  auto auth = std::make_shared<authwire::authenticator>();
  auth->add(h);

  httplib::Server svr;
  svr.set_pre_routing_handler(ha::protect(auth, {"/private", std::string(hoba::well_known_login)}));
  auto hello = [](const httplib::Request&, httplib::Response& res) {
    res.set_content("hello " + ha::identity() + "\n", "text/plain");
  };
  svr.Get("/private", hello);
  svr.Get(std::string(hoba::well_known_login), hello);

  svr.Get(std::string(hoba::well_known_getchal), [h](const httplib::Request&, httplib::Response& res) {
    auto c = h->issue_challenge();
    if (!c) {
      ha::apply(authwire::decision::service_unavailable(1).with_reason(std::string(hoba::to_string(c.code()))), res);
      return;
    }
    res.set_header("WWW-Authenticate", h->challenge_value(*c));
    res.set_header("Cache-Control", "no-store");
    res.set_content(*c + "\n", "text/plain");
  });

  svr.Post(std::string(hoba::well_known_register), [h](const httplib::Request& req, httplib::Response& res) {
    ha::request_adapter ra(req, true);
    const authwire::decision d = h->handle_registration(ra.view());
    ha::apply(d, res);
    if (d.allowed()) res.set_content("registered " + d.identity() + "\n", "text/plain");
  });

  svr.Post(std::string(hoba::well_known_logout), [h](const httplib::Request& req, httplib::Response& res) {
    ha::request_adapter ra(req, true);
    for (auto& x : h->logout(ra.view())) res.set_header(x.name, x.value);
    res.set_content("logged out\n", "text/plain");
  });

  return ha::run_example(svr);
}
