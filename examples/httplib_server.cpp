// SPDX-License-Identifier: MIT
// Example: a cpp-httplib server protecting /basic and /bearer (work in progress: a fixed
// token scheme stands in until the Basic and Bearer handlers land).
#include <memory>
#include <string>

#include <authwire/adapters/httplib.hpp>

namespace {
class fixed_token final : public authwire::scheme_handler {
 public:
  std::string_view scheme() const noexcept override { return "Token"; }
  void challenges(const authwire::request_view&, std::vector<std::string>& out) override {
    out.push_back(*authwire::challenge_builder("Token").param("realm", "example").str());
  }
  authwire::verdict verify(const authwire::request_view&, std::string_view authorization) override {
    if (authorization == "Token secret") return authwire::verdict::allow("demo");
    return authwire::verdict::make(authwire::verdict_kind::unauthorized, "bad_token");
  }
};
}  // namespace

int main() {
  httplib::Server svr;
  auto auth = std::make_shared<authwire::authenticator>();
  auth->add(std::make_shared<fixed_token>());
  svr.set_pre_routing_handler(authwire::httplib_adapter::protect(auth, {"/basic", "/bearer"}));
  auto hello = [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("hello " + authwire::httplib_adapter::identity() + " target=" + req.target + "\n", "text/plain");
  };
  svr.Get("/basic", hello);
  svr.Get("/bearer", hello);
  svr.Get("/public", hello);
  return authwire::httplib_adapter::run_example(svr);
}
