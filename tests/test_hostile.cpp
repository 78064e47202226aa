// Hostile input against the generic parsers: huge values, huge parameter counts, long escape
// runs, comma floods, and every byte value at every position. Each is either refused by a limit
// with its own errc and offset, or parsed completely. (That the work is linear in the input is
// shown by bench/bench_hostile.cpp over growing sizes, not by timing here.)
#include <authwire/challenge.hpp>
#include <authwire/credentials.hpp>

#include <string>

#include <catch2/catch.hpp>

namespace {
authwire::parse_options unlimited() {
  authwire::parse_options o;
  o.max_header_length = 64u << 20;
  o.max_value_length = 64u << 20;
  o.max_parameters = 1u << 20;
  o.max_challenges = 1u << 20;
  return o;
}
}  // namespace

TEST_CASE("hostile: a 1 MiB header value", "[hostile][grammar]") {
  const std::string value = "Basic realm=\"" + std::string(1u << 20, 'a') + "\"";
  SECTION("refused by the default header length limit, at the limit") {
    auto r = authwire::parse_challenges(value);
    REQUIRE_FALSE(r);
    CHECK(r.code() == authwire::errc::header_too_long);
    CHECK(r.offset() == authwire::parse_options{}.max_header_length);
  }
  SECTION("refused by the value length limit when only the header limit is raised") {
    authwire::parse_options o;
    o.max_header_length = 2u << 20;
    auto r = authwire::parse_challenges(value, o);
    REQUIRE_FALSE(r);
    CHECK(r.code() == authwire::errc::value_too_long);
    CHECK(r.offset() == 12);  // the opening quote
  }
  SECTION("parsed whole with the limits raised") {
    auto r = authwire::parse_challenges(value, unlimited());
    REQUIRE(r);
    CHECK((*r)[0].param("realm")->value().size() == (1u << 20));
  }
  SECTION("a 1 MiB token68 credentials") {
    const std::string cred = "Bearer " + std::string(1u << 20, 'A') + "==";
    auto r = authwire::parse_credentials(cred, unlimited());
    REQUIRE(r);
    CHECK(r->token68().size() == (1u << 20) + 2);
  }
}

TEST_CASE("hostile: 100000 parameters", "[hostile][grammar]") {
  std::string value = "Newauth ";
  std::vector<std::size_t> name_offsets;
  for (int i = 0; i < 100000; ++i) {
    if (i) value += ", ";
    name_offsets.push_back(value.size());
    value += "p" + std::to_string(i) + "=v";
  }
  SECTION("refused by the parameter limit at the first parameter too many") {
    authwire::parse_options o;
    o.max_header_length = value.size();
    auto r = authwire::parse_challenges(value, o);
    REQUIRE_FALSE(r);
    CHECK(r.code() == authwire::errc::too_many_parameters);
    CHECK(r.offset() == name_offsets[o.max_parameters]);
  }
  SECTION("parsed whole with the limits raised") {
    auto r = authwire::parse_challenges(value, unlimited());
    REQUIRE(r);
    REQUIRE((*r)[0].params.size() == 100000);
    CHECK((*r)[0].params[99999].name == "p99999");
  }
  SECTION("a duplicate at the end is still found") {
    const std::string dup = value + ", P5=x";
    auto r = authwire::parse_challenges(dup, unlimited());
    REQUIRE_FALSE(r);
    CHECK(r.code() == authwire::errc::duplicate_parameter);
    CHECK(r.offset() == value.size() + 2);
  }
}

TEST_CASE("hostile: 100000 escaped characters in one quoted-string", "[hostile][grammar]") {
  std::string inner;
  for (int i = 0; i < 100000; ++i) inner += (i % 2) ? "\\\"" : "\\\\";
  const std::string value = "Basic realm=\"" + inner + "\"";
  auto r = authwire::parse_challenges(value, unlimited());
  REQUIRE(r);
  const auto* p = (*r)[0].param("realm");
  REQUIRE(p->has_escapes);
  const std::string v = p->value();
  REQUIRE(v.size() == 100000);
  CHECK(v.substr(0, 4) == "\\\"\\\"");
}

TEST_CASE("hostile: deeply repeated commas", "[hostile][grammar]") {
  const std::string commas(1u << 20, ',');
  SECTION("nothing but commas is an empty list") {
    auto r = authwire::parse_challenges(commas, unlimited());
    REQUIRE_FALSE(r);
    CHECK(r.code() == authwire::errc::empty_input);
    CHECK(r.offset() == commas.size());
  }
  SECTION("empty elements around a challenge and its parameters") {
    const std::string v = commas + "Basic " + commas + "realm=x" + commas + " , " + commas + "Digest" + commas;
    auto r = authwire::parse_challenges(v, unlimited());
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].param("realm")->value() == "x");
    CHECK((*r)[1].scheme == "Digest");
  }
}

TEST_CASE("hostile: every byte value at every position", "[hostile][grammar]") {
  const std::string base = R"(Digest realm="a b", nonce=xyz, qop=auth, Basic realm="r")";
  REQUIRE(authwire::parse_challenges(base));
  for (std::size_t i = 0; i < base.size(); ++i) {
    for (int b = 0; b < 256; ++b) {
      std::string v = base;
      v[i] = static_cast<char>(b);
      auto r = authwire::parse_challenges(v);
      const bool ctl = (b < 0x20 && b != '\t') || b == 0x7F;
      if (ctl) {
        // Every byte before i is the valid original, so the CTL is the first problem.
        INFO("position " << i << " byte " << b);
        REQUIRE_FALSE(r);
        CHECK(r.code() == authwire::errc::control_character);
        CHECK(r.offset() == i);
      } else if (!r) {
        CHECK(r.offset() <= v.size());
      }
      auto c = authwire::parse_credentials(v);
      if (ctl && !c) {
        // Credentials stop at the second challenge: the CTL is found first only before it.
        if (i < base.find(", Basic")) CHECK(c.code() == authwire::errc::control_character);
      }
    }
  }
}
