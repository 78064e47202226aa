// SPDX-License-Identifier: MIT
// A consumer of the authwire package: parses a header, builds a challenge, makes a decision.
// Exit status 0 when everything is as expected.
#include <authwire/authwire.hpp>

#include <cstdio>
#include <string>

int main() {
  static_assert(AUTHWIRE_VERSION >= 100, "authwire 0.1 or later");
  int failures = 0;
  auto check = [&failures](bool ok, const char* what) {
    if (!ok) {
      std::printf("FAIL: %s\n", what);
      ++failures;
    }
  };

  auto list = authwire::parse_challenges(R"(Newauth realm="apps", type=1, Basic realm="simple")");
  check(list && list->size() == 2, "two challenges parsed");
  if (list && list->size() == 2) check((*list)[1].param("realm")->value() == "simple", "realm of Basic");

  auto bad = authwire::parse_challenges(R"(Basic realm="x)");
  check(!bad && bad.code() == authwire::errc::unterminated_quoted_string && bad.offset() == 12, "error code and offset");

  auto ch = authwire::challenge_builder("Basic").param("realm", "a \"b\"", authwire::quoting::always).str();
  check(ch && *ch == R"(Basic realm="a \"b\"")", "challenge built");

  const auto d = authwire::decision::unauthorized(ch ? *ch : std::string("Basic"));
  check(d.status() == 401 && d.header_name() == "WWW-Authenticate", "401 decision");

  std::printf("authwire %d: %s\n", AUTHWIRE_VERSION, failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
