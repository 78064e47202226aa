// Unit tests of the Boost.Beast and Poco adapters: request mapping and decision mapping.
#include <authwire/adapters/beast.hpp>
#include <authwire/adapters/poco.hpp>

#include <catch2/catch.hpp>

namespace http = boost::beast::http;

namespace {
// A scheme that accepts "Test ok" and refuses anything else, with a fixed challenge.
class test_scheme final : public authwire::scheme_handler {
 public:
  std::string_view scheme() const noexcept override { return "Test"; }
  void challenges(const authwire::request_view&, std::vector<std::string>& out) override {
    out.push_back(R"(Test realm="r")");
  }
  authwire::verdict verify(const authwire::request_view& req, std::string_view authorization) override {
    last_body = std::string(req.body);
    last_has_body = req.has_body;
    if (authorization == "Test ok") {
      auto v = authwire::verdict::allow("tester");
      v.authentication_info = "x=1";
      return v;
    }
    return authwire::verdict::make(authwire::verdict_kind::unauthorized, "wrong");
  }
  std::string last_body;
  bool last_has_body = false;
};
}  // namespace

TEST_CASE("beast adapter: maps method, target, headers in wire order and the body", "[adapters][beast]") {
  http::request<http::string_body> req{http::verb::post, "/a/b?x=1&y", 11};
  req.insert("Host", "example.org");
  req.insert("X-Dup", "1");
  req.insert("x-dup", "2");
  req.body() = "payload";
  authwire::beast_adapter::request_adapter<http::string_body, http::fields> ra(req, "10.0.0.1");
  const auto& v = ra.view();
  CHECK(v.method == "POST");
  CHECK(v.target == "/a/b?x=1&y");
  CHECK(v.path() == "/a/b");
  CHECK(v.query() == "x=1&y");
  CHECK(v.header("host") == std::optional<std::string_view>("example.org"));
  CHECK(v.count("X-DUP") == 2);
  std::vector<std::string> dups;
  v.for_each("x-dup", [&](std::string_view s) { dups.emplace_back(s); });
  CHECK(dups == std::vector<std::string>{"1", "2"});
  CHECK(v.has_body);
  CHECK(v.body == "payload");
  CHECK(v.peer_address == "10.0.0.1");
}

TEST_CASE("beast adapter: a refusal carries each challenge as its own field line", "[adapters][beast]") {
  authwire::authenticator auth;
  auto s = std::make_shared<test_scheme>();
  auth.add(s);
  http::request<http::string_body> req{http::verb::get, "/", 11};
  auto d = authwire::beast_adapter::check(auth, req);
  REQUIRE(d.status() == 401);
  auto res = authwire::beast_adapter::refusal(d, req);
  CHECK(res.result_int() == 401);
  CHECK(res[http::field::www_authenticate] == R"(Test realm="r")");
  CHECK(res[http::field::content_type] == "application/problem+json");
  CHECK(res.body() == R"({"type":"about:blank","title":"Unauthorized","status":401,"detail":"no_credentials"})");

  req.insert(http::field::authorization, "Test ok");
  req.body() = "b";
  d = authwire::beast_adapter::check(auth, req);
  REQUIRE(d.allowed());
  CHECK(d.identity() == "tester");
  CHECK(s->last_body == "b");
  http::response<http::string_body> ok{http::status::ok, 11};
  authwire::beast_adapter::apply(d, ok);
  CHECK(ok.result_int() == 200);
  CHECK(ok["Authentication-Info"] == "x=1");
}

TEST_CASE("beast adapter: proxy mode answers 407 with Proxy-Authenticate", "[adapters][beast]") {
  authwire::authenticator_options o;
  o.proxy = true;
  authwire::authenticator auth(o);
  auth.add(std::make_shared<test_scheme>());
  http::request<http::string_body> req{http::verb::get, "/", 11};
  req.insert(http::field::authorization, "Test ok");  // the wrong field for a proxy
  auto res = authwire::beast_adapter::refusal(authwire::beast_adapter::check(auth, req), req);
  CHECK(res.result_int() == 407);
  CHECK(res[http::field::proxy_authenticate] == R"(Test realm="r")");
  req.erase(http::field::authorization);
  req.insert(http::field::proxy_authorization, "Test ok");
  CHECK(authwire::beast_adapter::check(auth, req).allowed());
}
// The Poco adapter needs a live HTTPServerRequest; it is exercised end to end by
// tests/e2e/adapters.py against examples/poco_server.
