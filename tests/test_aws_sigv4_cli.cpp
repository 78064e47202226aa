// SPDX-License-Identifier: MIT
// The `authwire verify` plug-in of AWS SigV4 (tools/verify_aws_sigv4.hpp): settings from the
// line's "server.aws" object, the clock from the line's "now", statuses and S3 codes.
#include "../tools/verify_aws_sigv4.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <authwire/server.hpp>

namespace aws = authwire::aws_sigv4;

namespace {

constexpr std::int64_t t0 = 1440938160;  // 2015-08-30T12:36:00Z

nlohmann::json server(std::int64_t now) {
  auto j = nlohmann::json::parse(R"({
    "realm": "cli",
    "schemes": ["AWS4-HMAC-SHA256"],
    "aws": {"credentials": [{"access_key": "AKIDEXAMPLE", "secret": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                             "identity": "alice"}],
            "region": "us-east-1", "service": "s3", "max_skew": 60}
  })");
  j["now"] = now;
  return j;
}

authwire::decision run(const nlohmann::json& srv, authwire_cli::cli_state& st, std::vector<authwire::header_view> h,
                       std::string_view target = "/bucket/key") {
  st.now = srv["now"].get<std::int64_t>();
  authwire::authenticator auth;
  auth.add(authwire_cli::make_handler_aws_sigv4(srv, st));
  authwire::request_view r;
  r.method = "GET";
  r.target = target;
  r.headers = h.data();
  r.header_count = h.size();
  r.has_body = true;
  return auth.authenticate(r);
}

}  // namespace

TEST_CASE("aws_sigv4 cli: settings, clock and answers", "[aws_sigv4][cli]") {
  authwire_cli::cli_state st;
  std::vector<authwire::header_view> h = {{"Host", "example.org"}};
  authwire::request_view r;
  r.method = "GET";
  r.target = "/bucket/key";
  r.headers = h.data();
  r.header_count = h.size();
  aws::signing_params p;
  p.access_key = "AKIDEXAMPLE";
  p.secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  p.region = "us-east-1";
  p.service = "s3";
  p.time = t0;
  auto s = aws::sign_request(r, p);
  REQUIRE(s);
  for (auto& x : s->headers) h.push_back({x.name, x.value});

  auto ok = run(server(t0 + 30), st, h);
  CHECK(ok.status() == 200);
  CHECK(ok.identity() == "alice");

  auto skew = run(server(t0 + 61), st, h);
  CHECK(skew.status() == 403);
  CHECK(skew.reason() == "request_time_too_skewed");
  CHECK(skew.code() == "RequestTimeTooSkewed");

  auto none = run(server(t0), st, {{"Host", "example.org"}});
  CHECK(none.status() == 401);
  REQUIRE(none.challenges().size() == 1);
  CHECK(none.challenges()[0] == R"(AWS4-HMAC-SHA256 realm="cli", region="us-east-1", service="s3")");

  auto typed = authwire_cli::typed_aws_sigv4(s->authorization);
  REQUIRE(typed);
  CHECK((*typed)["access_key"] == "AKIDEXAMPLE");
  CHECK((*typed)["signed_headers"].size() == 3);
  CHECK_FALSE(typed->contains("signature"));

  nlohmann::json bad = server(t0);
  bad["aws"]["path_mode"] = "weird";
  CHECK_THROWS(authwire_cli::make_handler_aws_sigv4(bad, st));
}
