// SPDX-License-Identifier: MIT
#include <authwire/decision.hpp>

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using authwire::decision;
using authwire::decision_kind;
using authwire::header_line;

TEST_CASE("decision: status codes, names and texts", "[decision]") {
  CHECK(decision::allow("u").status() == 200);
  CHECK(decision::allow("u").status_text() == "OK");
  CHECK(decision::unauthorized("Basic realm=\"x\"").status() == 401);
  CHECK(decision::unauthorized("Basic realm=\"x\"").status_text() == "Unauthorized");
  CHECK(decision::unauthorized("Basic realm=\"x\"", {}, true).status() == 407);
  CHECK(decision::unauthorized("Basic realm=\"x\"", {}, true).status_text() == "Proxy Authentication Required");
  CHECK(decision::bad_request().status() == 400);
  CHECK(decision::forbidden().status() == 403);
  CHECK(decision::not_found().status() == 404);
  CHECK(decision::not_found().status_text() == "Not Found");
  CHECK(decision::service_unavailable(5).status() == 503);
  CHECK(decision::service_unavailable(5).status_text() == "Service Unavailable");
}

TEST_CASE("decision: header names for origin servers and proxies", "[decision]") {
  auto o = decision::unauthorized("A");
  CHECK(o.header_name() == "WWW-Authenticate");
  CHECK(o.info_header_name() == "Authentication-Info");
  CHECK_FALSE(o.is_proxy());
  auto p = decision::unauthorized("A", {"B"}, true);
  CHECK(p.header_name() == "Proxy-Authenticate");
  CHECK(p.info_header_name() == "Proxy-Authentication-Info");
  CHECK(p.is_proxy());
  CHECK(p.headers() == std::vector<header_line>{{"Proxy-Authenticate", "A"}, {"Proxy-Authenticate", "B"}});
  auto b = decision::bad_request({"Bearer error=\"invalid_request\""}, true);
  CHECK(b.header_name() == "Proxy-Authenticate");
  CHECK(decision::forbidden({}, false).header_name() == "WWW-Authenticate");
}

TEST_CASE("decision: challenges come first, one line per challenge or joined", "[decision]") {
  auto d = decision::unauthorized("Digest realm=\"x\", nonce=\"n\"", {"Basic realm=\"x\""});
  d.with_header("X-Extra", "1");
  CHECK(d.headers() == std::vector<header_line>{{"WWW-Authenticate", "Digest realm=\"x\", nonce=\"n\""},
                                                {"WWW-Authenticate", "Basic realm=\"x\""},
                                                {"X-Extra", "1"}});
  auto one = d.headers(true);
  REQUIRE(one.size() == 2);
  CHECK(one[0] == header_line{"WWW-Authenticate", "Digest realm=\"x\", nonce=\"n\", Basic realm=\"x\""});
  CHECK(d.header_values(false).size() == 2);
}

TEST_CASE("decision: a 401 needs a challenge", "[decision][negative]") {
  auto e = decision::challenge({});
  REQUIRE_FALSE(e);
  CHECK(e.code() == authwire::errc::missing_challenge);
  CHECK(e.offset() == 0);
  auto ok = decision::challenge({"Basic realm=\"r\""}, true);
  REQUIRE(ok);
  CHECK(ok->status() == 407);
}

TEST_CASE("decision: Authentication-Info on an allowed answer", "[decision]") {
  auto d = decision::allow("Mufasa", "Digest");
  d.with_authentication_info("rspauth=\"abc\", qop=auth");
  CHECK(d.allowed());
  CHECK(d.identity() == "Mufasa");
  CHECK(d.scheme() == "Digest");
  CHECK(d.authentication_info() == "rspauth=\"abc\", qop=auth");
  CHECK(d.headers() == std::vector<header_line>{{"Authentication-Info", "rspauth=\"abc\", qop=auth"}});
  CHECK(d.problem_json().empty());
}

TEST_CASE("decision: 404 and 503", "[decision]") {
  auto n = decision::not_found();
  CHECK(n.kind() == decision_kind::not_found);
  CHECK(n.headers().empty());
  CHECK(n.problem_json() == R"({"type":"about:blank","title":"Not Found","status":404})");
  auto s = decision::service_unavailable(30);
  CHECK(s.headers() == std::vector<header_line>{{"Retry-After", "30"}});
  CHECK(s.extra_headers().size() == 1);
  s.with_reason("store_unavailable");
  CHECK(s.problem_json() ==
        R"({"type":"about:blank","title":"Service Unavailable","status":503,"detail":"store_unavailable"})");
}

TEST_CASE("decision: problem_json escapes the reason", "[decision]") {
  auto d = decision::unauthorized("Basic realm=\"x\"");
  d.with_reason(std::string("a\"b\\c\nd\x01") + "\x7f");
  CHECK(d.problem_json() ==
        R"({"type":"about:blank","title":"Unauthorized","status":401,"detail":"a\"b\\c\nd\u0001\u007f"})");
  d.with_code("SignatureDoesNotMatch").with_identity("x").with_scheme("Basic");
  CHECK(d.code() == "SignatureDoesNotMatch");
  CHECK(d.identity() == "x");
  CHECK(d.scheme() == "Basic");
  CHECK(d.reason().size() == 9);
}
