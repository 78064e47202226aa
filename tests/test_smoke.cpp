#include <authwire/authwire.hpp>

#include <catch2/catch.hpp>

TEST_CASE("smoke: the RFC 9110 section 11.6.1 example parses", "[grammar][rfc9110]") {
  auto r = authwire::parse_challenges(R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")");
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].param("title")->value() == "Login to \"apps\"");
  CHECK((*r)[1].is("basic"));
}
