// SPDX-License-Identifier: MIT
#include <authwire/adapters/httplib.hpp>

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <authwire/schemes/basic.hpp>
#include <authwire/schemes/bearer.hpp>

namespace ha = authwire::httplib_adapter;
using HR = httplib::Server::HandlerResponse;

namespace {
httplib::Request make_request(std::string target, std::vector<std::pair<std::string, std::string>> fields = {}) {
  httplib::Request r;
  r.method = "GET";
  r.target = target;
  r.path = target.substr(0, target.find('?'));
  for (auto& f : fields) r.headers.emplace(f.first, f.second);
  r.remote_addr = "127.0.0.1";
  return r;
}

std::shared_ptr<authwire::authenticator> make_auth(bool proxy = false) {
  authwire::authenticator_options o;
  o.proxy = proxy;
  auto a = std::make_shared<authwire::authenticator>(o);
  authwire::bearer::options bo;
  bo.realm = "api";
  a->add(std::make_shared<authwire::bearer::handler>(bo, [](std::string_view t) {
    return t == "good" ? authwire::bearer::token_info::valid("tok") : authwire::bearer::token_info::invalid();
  }));
  authwire::basic::options ba;
  ba.realm = "site";
  a->add(std::make_shared<authwire::basic::handler>(ba, [](std::string_view u) -> std::optional<std::string> {
    return u == "Aladdin" ? std::optional<std::string>("open sesame") : std::nullopt;
  }));
  return a;
}

std::vector<std::string> field_values(const httplib::Response& res, const std::string& name) {
  std::vector<std::string> out;
  auto range = res.headers.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}
}  // namespace

TEST_CASE("httplib: request_adapter maps target, headers, body and peer", "[httplib][adapter]") {
  auto req = make_request("/a%20b/c?x=%2F&y", {{"Authorization", "Basic x"}, {"authorization", "Bearer y"}, {"Host", "h"}});
  req.body = "payload";
  ha::request_adapter with(req, true);
  const authwire::request_view& v = with.view();
  CHECK(v.method == "GET");
  CHECK(v.target == "/a%20b/c?x=%2F&y");  // as received, not decoded
  CHECK(v.path() == "/a%20b/c");
  CHECK(v.query() == "x=%2F&y");
  CHECK(v.count("Authorization") == 2);
  CHECK(*v.header("host") == "h");
  CHECK(v.has_body);
  CHECK(v.body == "payload");
  CHECK(v.peer_address == "127.0.0.1");
  ha::request_adapter without(req, false);
  CHECK_FALSE(without.view().has_body);
  CHECK(without.view().body.empty());
}

TEST_CASE("httplib: apply writes every challenge as its own field line", "[httplib][adapter]") {
  auto d = authwire::decision::unauthorized("Bearer realm=\"api\"", {"Basic realm=\"site\""});
  d.with_reason("no_credentials");
  httplib::Response res;
  ha::apply(d, res);
  CHECK(res.status == 401);
  CHECK(field_values(res, "WWW-Authenticate") == std::vector<std::string>{"Bearer realm=\"api\"", "Basic realm=\"site\""});
  CHECK(res.get_header_value("Content-Type") == "application/problem+json");
  CHECK(res.body == d.problem_json());
  httplib::Response joined;
  ha::apply(d, joined, true);
  CHECK(field_values(joined, "WWW-Authenticate") == std::vector<std::string>{"Bearer realm=\"api\", Basic realm=\"site\""});
  // Allowed: only the extra headers, status and body untouched.
  auto a = authwire::decision::allow("u", "Digest");
  a.with_authentication_info("rspauth=\"x\"");
  httplib::Response ok;
  ok.status = -1;
  ha::apply(a, ok);
  CHECK(ok.status == -1);
  CHECK(ok.body.empty());
  CHECK(field_values(ok, "Authentication-Info") == std::vector<std::string>{"rspauth=\"x\""});
}

TEST_CASE("httplib: protect() guards prefixes and sets the identity", "[httplib][adapter]") {
  auto h = ha::protect(make_auth(), {"/private", "/api/"});
  {
    auto req = make_request("/public");
    httplib::Response res;
    CHECK(h(req, res) == HR::Unhandled);
    CHECK(ha::identity().empty());
  }
  {
    auto req = make_request("/privatex");  // not under /private
    httplib::Response res;
    CHECK(h(req, res) == HR::Unhandled);
  }
  {
    auto req = make_request("/private/x");
    httplib::Response res;
    CHECK(h(req, res) == HR::Handled);
    CHECK(res.status == 401);
    CHECK(field_values(res, "WWW-Authenticate").size() == 2);
  }
  {
    auto req = make_request("/private", {{"Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}});
    httplib::Response res;
    CHECK(h(req, res) == HR::Unhandled);
    CHECK(ha::identity() == "Aladdin");
    CHECK(ha::current().scheme() == "Basic");
  }
  {
    auto req = make_request("/api/v1", {{"Authorization", "Bearer bad"}});
    httplib::Response res;
    CHECK(h(req, res) == HR::Handled);
    CHECK(res.status == 401);
    CHECK(field_values(res, "WWW-Authenticate").at(0).find("error=\"invalid_token\"") != std::string::npos);
    CHECK(ha::identity().empty());
  }
}

TEST_CASE("httplib: protect() over routes picks the longest prefix", "[httplib][adapter]") {
  auto basic_only = std::make_shared<authwire::authenticator>();
  basic_only->add(std::make_shared<authwire::basic::handler>(authwire::basic::options{},
                                                             [](std::string_view) -> std::optional<std::string> { return std::nullopt; }));
  auto h = ha::protect(std::vector<ha::route>{{"/", make_auth()}, {"/basic", basic_only}});
  auto req = make_request("/basic/x");
  httplib::Response res;
  CHECK(h(req, res) == HR::Handled);
  CHECK(field_values(res, "WWW-Authenticate") == std::vector<std::string>{"Basic realm=\"authwire\", charset=\"UTF-8\""});
  auto other = make_request("/other");
  httplib::Response res2;
  CHECK(h(other, res2) == HR::Handled);
  CHECK(field_values(res2, "WWW-Authenticate").size() == 2);
}

TEST_CASE("httplib: proxy mode answers 407 with Proxy-Authenticate", "[httplib][adapter][proxy]") {
  auto h = ha::protect(make_auth(true), {"/"});
  auto req = make_request("http://origin.example/x");
  req.path = "http://origin.example/x";
  httplib::Response res;
  CHECK(h(req, res) == HR::Handled);
  CHECK(res.status == 407);
  CHECK(field_values(res, "Proxy-Authenticate").size() == 2);
  CHECK(field_values(res, "WWW-Authenticate").empty());
  auto ok = make_request("/x", {{"Proxy-Authorization", "Bearer good"}});
  httplib::Response res2;
  CHECK(h(ok, res2) == HR::Unhandled);
  CHECK(ha::identity() == "tok");
}

TEST_CASE("httplib: guard() sees the body", "[httplib][adapter]") {
  authwire::bearer::options bo;
  bo.allow_form_body = true;
  auto a = std::make_shared<authwire::authenticator>();
  a->add(std::make_shared<authwire::bearer::handler>(bo, [](std::string_view t) {
    return t == "good" ? authwire::bearer::token_info::valid("form-user") : authwire::bearer::token_info::invalid();
  }));
  std::string seen;
  auto g = ha::guard(a, [&seen](const httplib::Request&, httplib::Response& res, const authwire::decision& d) {
    seen = d.identity();
    res.status = 200;
  });
  auto req = make_request("/form", {{"Content-Type", "application/x-www-form-urlencoded"}});
  req.method = "POST";
  req.body = "access_token=good";
  httplib::Response res;
  g(req, res);
  CHECK(res.status == 200);
  CHECK(seen == "form-user");
  CHECK(ha::identity() == "form-user");
  req.body = "access_token=bad";
  httplib::Response res2;
  seen.clear();
  g(req, res2);
  CHECK(res2.status == 401);
  CHECK(seen.empty());
  // protect() runs before the body is read: the same request has no token there.
  auto p = ha::protect(a, {"/form"});
  req.body = "access_token=good";
  httplib::Response res3;
  CHECK(p(req, res3) == HR::Handled);
  CHECK(res3.status == 401);
}
