// SPDX-License-Identifier: MIT
// The demo server: every scheme authwire implements, on one cpp-httplib server.
//
//   /basic      Basic (RFC 7617)            Aladdin / "open sesame"
//   /bearer     Bearer (RFC 6750)           token mF_9.B5f-4.1JqM (scope read); "expired" is expired
//   /digest     Digest (RFC 7616)           Mufasa / "Circle of Life"; SHA-256 then MD5, qop=auth
//   /aws/...    AWS SigV4 (s3, us-east-1)   AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
//   /hoba       HOBA (RFC 7486)             keys registered at /.well-known/hoba/register
//   /mutual     Mutual (RFC 8120/8121)      alice / "correct horse"
//   /any        one authenticator with all of the header schemes above, strongest first
//   /public     open
//
// Each protected prefix has its own authenticator (an application protects each resource with
// the schemes it wants); /any shows one authenticator offering every challenge. Test values
// only: none of them is a secret. Prints `listening http://127.0.0.1:<port>`; stops on SIGTERM.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <authwire/adapters/httplib.hpp>
#include <authwire/schemes/aws_sigv4.hpp>
#include <authwire/schemes/basic.hpp>
#include <authwire/schemes/bearer.hpp>
#include <authwire/schemes/digest.hpp>
#include <authwire/schemes/hoba.hpp>
#include <authwire/schemes/mutual.hpp>

namespace {

namespace ha = authwire::httplib_adapter;

// The application's HOBA key registry (the library never stores keys itself).
class hoba_keys {
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

std::shared_ptr<authwire::authenticator> only(std::shared_ptr<authwire::scheme_handler> h) {
  auto a = std::make_shared<authwire::authenticator>();
  a->add(std::move(h));
  return a;
}

}  // namespace

int main() {
  namespace dg = authwire::digest;
  namespace aws = authwire::aws_sigv4;
  namespace hoba = authwire::hoba;
  namespace mu = authwire::mutual;

  authwire::basic::options bo;
  bo.realm = "demo";
  auto basic = std::make_shared<authwire::basic::handler>(bo, [](std::string_view user) -> std::optional<std::string> {
    if (user == "Aladdin") return std::string("open sesame");
    return std::nullopt;
  });

  authwire::bearer::options to;
  to.realm = "demo";
  to.required_scopes = {"read"};
  auto bearer = std::make_shared<authwire::bearer::handler>(to, [](std::string_view token) {
    using authwire::bearer::token_info;
    if (token == "mF_9.B5f-4.1JqM") return token_info::valid("alice", {"read"});
    if (token == "expired") return token_info::expired();
    return token_info::invalid();
  });

  dg::options dopt;
  dopt.realm = "demo";
  dopt.algorithms = {dg::algorithm::sha256, dg::algorithm::md5};
  auto digest = std::make_shared<dg::handler>(
      dopt, [](std::string_view user, std::string_view, dg::algorithm, std::string& secret) {
        if (user != "Mufasa") return dg::secret_kind::unknown;
        secret = "Circle of Life";
        return dg::secret_kind::password;
      });

  aws::verifier_options ao;
  ao.regions = {"us-east-1"};
  ao.services = {"s3"};
  ao.realm = "demo";
  auto sigv4 = std::make_shared<aws::handler>(ao, [](std::string_view key) -> std::optional<aws::secret_record> {
    if (key == "AKIDEXAMPLE") return aws::secret_record{"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::nullopt, "alice"};
    return std::nullopt;
  });

  auto registry = std::make_shared<hoba_keys>();
  hoba::options hopt;
  hopt.realm = "demo";
  auto hoba_h = std::make_shared<hoba::handler>(
      hopt, [registry](std::string_view kid) { return registry->find(kid); },
      [registry](const hoba::registration& r) { return registry->add(r); });

  mu::server_options mopt;
  mopt.realm = "demo";
  mopt.algorithms = {mu::algorithm::ec_p256_sha256};
  auto mutual = std::make_shared<mu::handler>(mopt, [](std::string_view user, std::string_view) -> std::optional<std::string> {
    if (user == "alice") return std::string("correct horse");
    return std::nullopt;
  });

  auto any = std::make_shared<authwire::authenticator>();
  any->add(mutual).add(digest).add(bearer).add(basic);

  httplib::Server svr;
  // The longest matching prefix picks the authenticator.
  svr.set_pre_routing_handler(ha::protect(std::vector<ha::route>{{"/basic", only(basic)},
                                                                 {"/bearer", only(bearer)},
                                                                 {"/digest", only(digest)},
                                                                 {"/hoba", only(hoba_h)},
                                                                 {"/mutual", only(mutual)},
                                                                 {"/any", any}}));
  auto hello = [](const httplib::Request& req, httplib::Response& res) {
    const auto& d = ha::current();
    res.set_content("hello " + d.identity() + " via " + d.scheme() + " at " + req.path + "\n", "text/plain");
  };
  for (const char* p : {"/basic", "/bearer", "/digest", "/hoba", "/mutual", "/any"}) svr.Get(p, hello);
  svr.Get("/public", [](const httplib::Request&, httplib::Response& res) { res.set_content("public\n", "text/plain"); });

  // SigV4 covers the payload hash, so it runs where the body has been read.
  auto aws_auth = only(sigv4);
  auto aws_route = ha::guard(aws_auth, [](const httplib::Request& req, httplib::Response& res, const authwire::decision& d) {
    res.set_content("hello " + d.identity() + " via AWS4-HMAC-SHA256 at " + req.path + " (" +
                        std::to_string(req.body.size()) + " bytes)\n",
                    "text/plain");
  });
  svr.Get("/aws/.*", aws_route);
  svr.Put("/aws/.*", aws_route);

  // HOBA registration (RFC 7486 section 6.1.1) and the challenge endpoint for HOBA-js clients.
  svr.Get(std::string(hoba::well_known_getchal), [hoba_h](const httplib::Request&, httplib::Response& res) {
    auto c = hoba_h->issue_challenge();
    if (!c) return ha::apply(authwire::decision::service_unavailable(1), res);
    res.set_header("WWW-Authenticate", hoba_h->challenge_value(*c));
    res.set_content(*c + "\n", "text/plain");
  });
  svr.Post(std::string(hoba::well_known_register), [hoba_h](const httplib::Request& req, httplib::Response& res) {
    ha::request_adapter ra(req, true);
    const authwire::decision d = hoba_h->handle_registration(ra.view());
    ha::apply(d, res);
    if (d.allowed()) res.set_content("registered " + d.identity() + "\n", "text/plain");
  });
  return ha::run_example(svr);
}
