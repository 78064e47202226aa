// SPDX-License-Identifier: MIT
#include <authwire/server.hpp>

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <authwire/schemes/basic.hpp>
#include <authwire/schemes/bearer.hpp>

using authwire::authenticator;
using authwire::decision_kind;
using authwire::header_view;
using authwire::request_view;
using authwire::verdict;
using authwire::verdict_kind;

namespace {
// A scheme whose verdict the test chooses: "Strong <word>" where word picks the verdict.
class scripted final : public authwire::scheme_handler {
 public:
  std::string_view scheme() const noexcept override { return "Strong"; }
  void challenges(const request_view&, std::vector<std::string>& out) override {
    out.push_back("Strong realm=\"s\", algorithm=a");
    out.push_back("Strong realm=\"s\", algorithm=b");
  }
  verdict verify(const request_view&, std::string_view authorization) override {
    const auto word = authorization.substr(authorization.find(' ') + 1);
    if (word == "ok") {
      auto v = verdict::allow("strong-user");
      v.authentication_info = "rspauth=\"x\"";
      v.headers.push_back({"Set-Cookie", "s=1"});
      return v;
    }
    if (word == "stale") return verdict::make(verdict_kind::unauthorized, "stale_nonce", {"Strong realm=\"s\", stale=true"});
    if (word == "bad") return verdict::make(verdict_kind::bad_request, "bad_thing");
    if (word == "forbid") return verdict::make(verdict_kind::forbidden, "no_access");
    if (word == "hide") return verdict::make(verdict_kind::not_found, "hidden");
    if (word == "down") {
      auto v = verdict::make(verdict_kind::unavailable, "store_unavailable");
      v.retry_after = 7;
      return v;
    }
    return verdict::make(verdict_kind::unauthorized, "wrong");
  }
};

struct req_builder {
  std::vector<std::pair<std::string, std::string>> fields;
  std::string target = "/r";
  std::vector<header_view> hv;
  request_view view() {
    hv.clear();
    for (auto& f : fields) hv.push_back({f.first, f.second});
    request_view v;
    v.method = "GET";
    v.target = target;
    v.headers = hv.data();
    v.header_count = hv.size();
    v.has_body = true;
    return v;
  }
};

authenticator make(bool proxy = false) {
  authwire::authenticator_options o;
  o.proxy = proxy;
  authenticator a(o);
  a.add(std::make_shared<scripted>());
  authwire::bearer::options bo;
  bo.realm = "api";
  bo.allow_query = true;
  a.add(std::make_shared<authwire::bearer::handler>(bo, [](std::string_view t) {
    return t == "good" ? authwire::bearer::token_info::valid("tok-user", {}) : authwire::bearer::token_info::invalid();
  }));
  authwire::basic::options ba;
  ba.realm = "site";
  a.add(std::make_shared<authwire::basic::handler>(ba, [](std::string_view u) -> std::optional<std::string> {
    if (u == "Aladdin") return std::string("open sesame");
    return std::nullopt;
  }));
  return a;
}

const std::vector<std::string> all_plain = {
    "Strong realm=\"s\", algorithm=a",
    "Strong realm=\"s\", algorithm=b",
    "Bearer realm=\"api\"",
    "Basic realm=\"site\", charset=\"UTF-8\"",
};
}  // namespace

TEST_CASE("server: no credentials gives 401 with every challenge, strongest first", "[server]") {
  auto a = make();
  req_builder r;
  auto d = a.authenticate(r.view());
  CHECK(d.kind() == decision_kind::unauthorized);
  CHECK(d.status() == 401);
  CHECK(d.reason() == "no_credentials");
  CHECK(d.challenges() == all_plain);
  auto h = d.headers();
  REQUIRE(h.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(h[i].name == "WWW-Authenticate");
    CHECK(h[i].value == all_plain[i]);
  }
  auto one = d.headers(true);
  REQUIRE(one.size() == 1);
  CHECK(one[0].value ==
        "Strong realm=\"s\", algorithm=a, Strong realm=\"s\", algorithm=b, Bearer realm=\"api\", Basic realm=\"site\", charset=\"UTF-8\"");
  CHECK(a.all_challenges(r.view()) == all_plain);
}

TEST_CASE("server: an unknown scheme gets the configured challenges", "[server]") {
  auto a = make();
  req_builder r;
  r.fields = {{"Authorization", "Negotiate YII="}};
  auto d = a.authenticate(r.view());
  CHECK(d.status() == 401);
  CHECK(d.reason() == "unsupported_scheme");
  CHECK(d.challenges() == all_plain);
}

TEST_CASE("server: malformed and duplicate Authorization give 400", "[server][negative]") {
  auto a = make();
  req_builder dup;
  dup.fields = {{"Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}, {"authorization", "Bearer good"}};
  auto d = a.authenticate(dup.view());
  CHECK(d.status() == 400);
  CHECK(d.reason() == "duplicate_authorization");
  req_builder empty;
  empty.fields = {{"Authorization", "  "}};
  auto e = a.authenticate(empty.view());
  CHECK(e.status() == 400);
  CHECK(e.reason() == "malformed_authorization");
  req_builder huge;
  huge.fields = {{"Authorization", "Bearer " + std::string(20000, 'a')}};
  auto hg = a.authenticate(huge.view());
  CHECK(hg.status() == 400);
  CHECK(hg.reason() == "malformed_authorization");
  req_builder basic_bad;
  basic_bad.fields = {{"Authorization", "Basic QWxhZGRpbg=="}};
  auto bb = a.authenticate(basic_bad.view());
  CHECK(bb.status() == 400);
  CHECK(bb.reason() == "missing_colon");
  CHECK(bb.scheme() == "Basic");
  CHECK(bb.challenges().empty());
  // Bearer in the header plus a Basic... no: Basic in the header plus a query token.
  req_builder mixed;
  mixed.target = "/r?access_token=good";
  mixed.fields = {{"Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}};
  auto m = a.authenticate(mixed.view());
  CHECK(m.status() == 400);
  CHECK(m.reason() == "multiple_credentials");
}

TEST_CASE("server: allowed requests carry identity, scheme and Authentication-Info", "[server]") {
  auto a = make();
  req_builder b;
  b.fields = {{"Authorization", "basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}};
  auto d = a.authenticate(b.view());
  CHECK(d.allowed());
  CHECK(d.status() == 200);
  CHECK(d.identity() == "Aladdin");
  CHECK(d.scheme() == "Basic");
  CHECK(d.headers().empty());
  req_builder s;
  s.fields = {{"Authorization", "Strong ok"}};
  auto ds = a.authenticate(s.view());
  CHECK(ds.allowed());
  CHECK(ds.identity() == "strong-user");
  const std::vector<authwire::header_line> expect = {{"Authentication-Info", "rspauth=\"x\""}, {"Set-Cookie", "s=1"}};
  CHECK(ds.headers() == expect);
  CHECK(ds.problem_json().empty());
  req_builder q;
  q.target = "/r?access_token=good";
  auto dq = a.authenticate(q.view());
  CHECK(dq.allowed());
  CHECK(dq.identity() == "tok-user");
  CHECK(dq.scheme() == "Bearer");
}

TEST_CASE("server: a handler's own challenges replace its default one in place", "[server]") {
  auto a = make();
  req_builder s;
  s.fields = {{"Authorization", "Strong stale"}};
  auto d = a.authenticate(s.view());
  CHECK(d.status() == 401);
  CHECK(d.reason() == "stale_nonce");
  CHECK(d.scheme() == "Strong");
  const std::vector<std::string> expect = {"Strong realm=\"s\", stale=true", "Bearer realm=\"api\"",
                                           "Basic realm=\"site\", charset=\"UTF-8\""};
  CHECK(d.challenges() == expect);
  req_builder t;
  t.fields = {{"Authorization", "Bearer wrong"}};
  auto dt = a.authenticate(t.view());
  CHECK(dt.status() == 401);
  CHECK(dt.reason() == "token_invalid");
  const std::vector<std::string> expect_t = {
      "Strong realm=\"s\", algorithm=a", "Strong realm=\"s\", algorithm=b",
      "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"the access token is invalid\"",
      "Basic realm=\"site\", charset=\"UTF-8\""};
  CHECK(dt.challenges() == expect_t);
  // Without own challenges: the plain set.
  req_builder w;
  w.fields = {{"Authorization", "Strong nope"}};
  CHECK(a.authenticate(w.view()).challenges() == all_plain);
  req_builder wb;
  wb.fields = {{"Authorization", "Basic QWxhZGRpbjpPUEVOIHNFU0FNRQ=="}};
  auto dwb = a.authenticate(wb.view());
  CHECK(dwb.reason() == "wrong_credentials");
  CHECK(dwb.challenges() == all_plain);
}

TEST_CASE("server: the other verdicts map to 400, 403, 404 and 503", "[server]") {
  auto a = make();
  auto run = [&a](const char* v) {
    req_builder r;
    r.fields = {{"Authorization", v}};
    return a.authenticate(r.view());
  };
  auto bad = run("Strong bad");
  CHECK(bad.status() == 400);
  CHECK(bad.reason() == "bad_thing");
  auto forbid = run("Strong forbid");
  CHECK(forbid.status() == 403);
  CHECK(forbid.kind() == decision_kind::forbidden);
  auto hide = run("Strong hide");
  CHECK(hide.status() == 404);
  CHECK(hide.headers().empty());
  auto down = run("Strong down");
  CHECK(down.status() == 503);
  CHECK(down.headers() == std::vector<authwire::header_line>{{"Retry-After", "7"}});
}

TEST_CASE("server: proxy mode reads Proxy-Authorization and answers 407", "[server][proxy]") {
  auto a = make(true);
  CHECK(a.authorization_name() == "Proxy-Authorization");
  req_builder none;
  none.fields = {{"Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}};  // not for the proxy
  auto d = a.authenticate(none.view());
  CHECK(d.status() == 407);
  CHECK(d.kind() == decision_kind::proxy_authentication_required);
  CHECK(d.header_name() == "Proxy-Authenticate");
  REQUIRE(d.headers().size() == 4);
  for (const auto& h : d.headers()) CHECK(h.name == "Proxy-Authenticate");
  req_builder good;
  good.fields = {{"Proxy-Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}};
  CHECK(a.authenticate(good.view()).identity() == "Aladdin");
  req_builder s;
  s.fields = {{"Proxy-Authorization", "Strong ok"}};
  auto ds = a.authenticate(s.view());
  CHECK(ds.allowed());
  CHECK(ds.headers().at(0).name == "Proxy-Authentication-Info");  // RFC 9110 section 11.7.3
  req_builder bad;
  bad.fields = {{"Proxy-Authorization", "Bearer a b"}};
  auto db = a.authenticate(bad.view());
  CHECK(db.status() == 400);
  CHECK(db.header_name() == "Proxy-Authenticate");
  CHECK(db.headers().at(0).name == "Proxy-Authenticate");
}

TEST_CASE("server: an authenticator with no scheme refuses with 403", "[server]") {
  authenticator a;
  req_builder r;
  auto d = a.authenticate(r.view());
  CHECK(d.status() == 403);
  CHECK(d.challenges().empty());
}

TEST_CASE("server: request_view lookups", "[server]") {
  req_builder r;
  r.target = "/a/b?x=1&y";
  r.fields = {{"X-A", "1"}, {"x-a", "2"}, {"Other", "3"}};
  auto v = r.view();
  CHECK(v.path() == "/a/b");
  CHECK(v.query() == "x=1&y");
  CHECK(v.count("X-a") == 2);
  CHECK(*v.header("x-A") == "1");
  CHECK_FALSE(v.header("none"));
  std::string all;
  v.for_each("X-A", [&](std::string_view s) { all += s; });
  CHECK(all == "12");
  r.target = "/nq";
  CHECK(r.view().query().empty());
}
