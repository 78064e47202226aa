// SPDX-License-Identifier: MIT
// Tests of tools/cli_json.hpp, the byte/JSON rules of the `authwire` tool. The tool itself is
// tested end to end by tests/cli/run_cases.py (registered in tests/test_cli.cmake).
#include "cli_json.hpp"

#include <string>

#include <catch2/catch.hpp>

using authwire_cli::ojson;

TEST_CASE("cli: is_utf8 accepts well-formed UTF-8 and refuses the rest", "[cli][utf8]") {
  CHECK(authwire::is_valid_utf8(""));
  CHECK(authwire::is_valid_utf8("plain ASCII"));
  CHECK(authwire::is_valid_utf8("caf\xc3\xa9"));                // U+00E9
  CHECK(authwire::is_valid_utf8("\xe2\x82\xac"));               // U+20AC
  CHECK(authwire::is_valid_utf8("\xf0\x9f\x98\x80"));           // U+1F600
  CHECK(authwire::is_valid_utf8("\xf4\x8f\xbf\xbf"));           // U+10FFFF
  CHECK_FALSE(authwire::is_valid_utf8("J\xe4ger"));             // ISO-8859-1
  CHECK_FALSE(authwire::is_valid_utf8("\xc3"));                 // truncated
  CHECK_FALSE(authwire::is_valid_utf8("\xc0\xaf"));             // overlong
  CHECK_FALSE(authwire::is_valid_utf8("\xe0\x80\xaf"));         // overlong, 3 bytes
  CHECK_FALSE(authwire::is_valid_utf8("\xed\xa0\x80"));         // surrogate U+D800
  CHECK_FALSE(authwire::is_valid_utf8("\xf4\x90\x80\x80"));     // above U+10FFFF
  CHECK_FALSE(authwire::is_valid_utf8("\xe2\x82"));             // truncated at the end
  CHECK_FALSE(authwire::is_valid_utf8("\xe2\x28\xa1"));         // bad continuation
  CHECK_FALSE(authwire::is_valid_utf8("\x80"));                 // lone continuation
  CHECK_FALSE(authwire::is_valid_utf8("\xff"));
}

TEST_CASE("cli: bytes to JSON and back, b64 for what is not UTF-8", "[cli][b64]") {
  const std::string latin = "J\xe4ger";
  const ojson j = authwire_cli::bytes_to_json(latin);
  REQUIRE(j.is_object());
  CHECK(j.dump() == R"({"b64":"SuRnZXI="})");
  std::string back;
  REQUIRE(authwire_cli::json_to_bytes(j, back));
  CHECK(back == latin);

  CHECK(authwire_cli::bytes_to_json("caf\xc3\xa9").dump() == "\"caf\xc3\xa9\"");
  REQUIRE(authwire_cli::json_to_bytes(ojson("abc"), back));
  CHECK(back == "abc");
}

TEST_CASE("cli: json_to_bytes refuses other shapes and loose base64", "[cli][b64]") {
  std::string out;
  CHECK_FALSE(authwire_cli::json_to_bytes(ojson(1), out));
  CHECK_FALSE(authwire_cli::json_to_bytes(ojson::array({"a"}), out));
  CHECK_FALSE(authwire_cli::json_to_bytes(ojson::parse(R"({"b64":"SuRnZXI"})"), out));  // no padding
  CHECK_FALSE(authwire_cli::json_to_bytes(ojson::parse(R"({"b64":"Su Rn"})"), out));
  CHECK_FALSE(authwire_cli::json_to_bytes(ojson::parse(R"({"b64":"SuRnZXI=","x":1})"), out));
  CHECK_FALSE(authwire_cli::json_to_bytes(ojson::parse(R"({"b64":5})"), out));
}

TEST_CASE("cli: dump_line keeps output valid JSON, key order as inserted", "[cli][json]") {
  ojson o = ojson::object();
  o["z"] = std::string("\xe4");
  o["a"] = ojson::array({std::string("ok"), std::string("\xff\xfe")});
  CHECK(authwire_cli::dump_line(o) == R"({"z":{"b64":"5A=="},"a":["ok",{"b64":"//4="}]})");
}

TEST_CASE("cli: error objects spell the library code and offset", "[cli][json]") {
  const ojson e = authwire_cli::error_object(authwire::error{authwire::errc::unterminated_quoted_string, 14});
  CHECK(e.dump() == R"({"code":"unterminated_quoted_string","offset":14,"message":"a quoted-string is not closed"})");
  CHECK(authwire_cli::error_object("bad_input", std::nullopt, "m").dump() ==
        R"({"code":"bad_input","offset":null,"message":"m"})");
}

TEST_CASE("cli: challenge_to_json gives params or token68, never both", "[cli][json]") {
  auto r = authwire::parse_challenges(R"(Newauth abc==, Basic realm="a\"b", Negotiate)");
  REQUIRE(r);
  CHECK(authwire_cli::challenge_to_json((*r)[0]).dump() == R"({"scheme":"Newauth","token68":"abc=="})");
  CHECK(authwire_cli::challenge_to_json((*r)[1]).dump() == R"({"scheme":"Basic","params":[["realm","a\"b"]]})");
  CHECK(authwire_cli::challenge_to_json((*r)[2]).dump() == R"({"scheme":"Negotiate","params":[]})");
}
