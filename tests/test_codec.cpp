#include <authwire/codec.hpp>

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <string_view>

namespace Catch {
template <>
struct StringMaker<authwire::error> {
  static std::string convert(const authwire::error& e) {
    return std::string(authwire::to_string(e.code)) + "@" + std::to_string(e.offset);
  }
};
}  // namespace Catch

using namespace std::literals;
using authwire::errc;
using authwire::error;
using authwire::padding;

namespace {

authwire::result<std::string> b64(std::string_view in) {
  std::string out;
  auto r = authwire::base64_decode(out, in);
  if (!r) return r.error();
  return out;
}
authwire::result<std::string> b64url(std::string_view in, padding p = padding::forbidden) {
  std::string out;
  auto r = authwire::base64url_decode(out, in, p);
  if (!r) return r.error();
  return out;
}

}  // namespace

TEST_CASE("codec: base64 RFC 4648 section 10 test vectors", "[codec][base64][rfc4648]") {
  const std::pair<std::string_view, std::string_view> v[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, enc] : v) {
    CHECK(authwire::base64_encode(plain) == enc);
    auto d = b64(enc);
    REQUIRE(d);
    CHECK(*d == plain);
  }
  // RFC 7617 section 2 (Basic).
  CHECK(authwire::base64_encode("Aladdin:open sesame") == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  // Append form.
  std::string out = "x";
  authwire::base64_encode(out, "f");
  CHECK(out == "xZg==");
  std::string dec = "y";
  REQUIRE(authwire::base64_decode(dec, "Zm8="));
  CHECK(dec == "yfo");
  // All byte values, both alphabets.
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(*b64(authwire::base64_encode(all)) == all);
  CHECK(*b64url(authwire::base64url_encode(all)) == all);
  CHECK(authwire::base64_encode("\xfb\xff") == "+/8=");
  CHECK(authwire::base64url_encode("\xfb\xff") == "-_8");
  CHECK(authwire::base64url_encode("\xfb\xff", true) == "-_8=");
}

TEST_CASE("codec: base64 is strict, with the offset of the offending byte", "[codec][base64][errors]") {
  struct bad {
    std::string_view in;
    std::size_t offset;
  };
  const bad cases[] = {
      // Missing padding: the end, where the '=' should be.
      {"Zg", 2},
      {"Zm8", 3},
      {"Zg=", 3},
      // Too much padding: the first '=' beyond the complete quantum.
      {"Zm9v====", 4},
      {"Zm9v=", 4},
      {"Zg===", 2},  // three '=': only two may pad, the third is data and not in the alphabet
      {"====", 0},  // the data part is "==", whose first byte is not in the alphabet
      // A single character left over cannot hold a byte: reported where the next one is missing.
      {"Zm9vY", 5},
      {"Zm9vY===", 5},  // the third '=' from the end is data
      // Non-canonical pad bits (RFC 4648 section 3.5): the last data character.
      {"Zh==", 1},
      {"Zm9=", 2},
      {"QR==", 1},
      {"QUJ=", 2},
      // Whitespace, line breaks and other bytes are not skipped.
      {" Zm9v", 0},
      {"Zm 9v", 2},
      {"Zm9v\r\n", 4},
      {"Zm9v\n", 4},
      {"Zm\t9v", 2},
      {"Zm9v ", 4},
      // '=' inside the data.
      {"Zg==Zg==", 2},
      {"Z=9v", 1},
      // The base64url alphabet is not base64.
      {"-_8=", 0},
      {"+_8=", 1},
      // Non-ASCII and NUL.
      {"Zm9\xe4", 3},
      {"Zm\0v"sv, 2},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.in);
    std::string out = "keep";
    auto r = authwire::base64_decode(out, c.in);
    REQUIRE_FALSE(r);
    CHECK(r.error() == error{errc::bad_base64, c.offset});
    CHECK(out == "keep");  // nothing appended on error
  }
}

TEST_CASE("codec: base64url with the three padding modes", "[codec][base64url]") {
  // forbidden (the default: HOBA, JOSE)
  CHECK(*b64url("-_8") == "\xfb\xff");
  CHECK(*b64url("") == "");
  CHECK(b64url("-_8=").error() == error{errc::bad_base64, 3});
  CHECK(b64url("Zg==").error() == error{errc::bad_base64, 2});
  CHECK(*b64url("Zg") == "f");
  // required
  CHECK(*b64url("-_8=", padding::required) == "\xfb\xff");
  CHECK(b64url("-_8", padding::required).error() == error{errc::bad_base64, 3});
  CHECK(b64url("Zg=", padding::required).error() == error{errc::bad_base64, 3});
  CHECK(*b64url("Zm9v", padding::required) == "foo");
  // optional: either none, or exactly the right amount
  CHECK(*b64url("-_8", padding::optional) == "\xfb\xff");
  CHECK(*b64url("-_8=", padding::optional) == "\xfb\xff");
  CHECK(*b64url("Zg", padding::optional) == "f");
  CHECK(*b64url("Zg==", padding::optional) == "f");
  CHECK(b64url("Zg=", padding::optional).error() == error{errc::bad_base64, 3});
  CHECK(b64url("Zm9v=", padding::optional).error() == error{errc::bad_base64, 4});
  // In every mode: the standard alphabet's + and / are refused, pad bits must be zero.
  for (auto p : {padding::forbidden, padding::required, padding::optional}) {
    CHECK(b64url("+/8=", p).error() == error{errc::bad_base64, 0});
    CHECK(b64url("-/8=", p).error() == error{errc::bad_base64, 1});
    CHECK(b64url("-_9", p == padding::required ? padding::optional : p).error() == error{errc::bad_base64, 2});
    CHECK(b64url("Z", p).error().code == errc::bad_base64);
  }
}

TEST_CASE("codec: seeded random base64 and base64url round trips", "[codec][roundtrip]") {
  std::mt19937 rng(4648u);
  for (int i = 0; i < 2000; ++i) {
    std::string s(std::uniform_int_distribution<std::size_t>(0, 70)(rng), '\0');
    for (auto& c : s) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    CHECK(*b64(authwire::base64_encode(s)) == s);
    CHECK(*b64url(authwire::base64url_encode(s)) == s);
    CHECK(*b64url(authwire::base64url_encode(s, true), padding::required) == s);
    CHECK(*b64url(authwire::base64url_encode(s), padding::optional) == s);
    CHECK(authwire::hex_encode(s).size() == 2 * s.size());
    std::string back(s.size(), '\0');
    REQUIRE(authwire::hex_decode(reinterpret_cast<unsigned char*>(back.data()), authwire::hex_encode(s)));
    CHECK(back == s);
  }
}

TEST_CASE("codec: hex", "[codec][hex]") {
  CHECK(authwire::hex_encode("") == "");
  CHECK(authwire::hex_encode("\x00\x01\x7f\x80\xff"sv) == "00017f80ff");
  std::string out = "x";
  authwire::hex_encode(out, "\xab");
  CHECK(out == "xab");
  unsigned char buf[4] = {};
  REQUIRE(authwire::hex_decode(buf, "00aBFf"));
  CHECK(buf[0] == 0x00);
  CHECK(buf[1] == 0xab);
  CHECK(buf[2] == 0xff);
  CHECK(authwire::hex_decode(buf, "abc").error() == error{errc::bad_hex, 3});
  CHECK(authwire::hex_decode(buf, "g0").error() == error{errc::bad_hex, 0});
  CHECK(authwire::hex_decode(buf, "0g").error() == error{errc::bad_hex, 1});
  CHECK(authwire::hex_decode(buf, "00 1").error() == error{errc::bad_hex, 2});
  CHECK(authwire::hex_decode(buf, "0x").error() == error{errc::bad_hex, 1});
  CHECK(authwire::hex_decode(buf, ""));
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const int want = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                     : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    CHECK(authwire::hex_value(ch) == want);
  }
  static_assert(authwire::hex_value('f') == 15, "constexpr");
}

TEST_CASE("codec: RFC 8187 ext-value decode and encode", "[codec][rfc8187]") {
  std::string out;
  CHECK(authwire::encode_ext_value("J\xc3\xa4s\xc3\xb8n Doe") == "UTF-8''J%C3%A4s%C3%B8n%20Doe");
  REQUIRE(authwire::decode_ext_value("UTF-8''J%C3%A4s%C3%B8n%20Doe", out));
  CHECK(out == "J\xc3\xa4s\xc3\xb8n Doe");
  REQUIRE(authwire::decode_ext_value("utf-8'en-GB'a%0Ab", out));
  CHECK(out == "a\nb");  // decoded bytes may be CTLs: callers decide (builders re-encode them)
  struct bad {
    const char* in;
    std::size_t offset;
  };
  for (const auto& b : {bad{"UTF-8", 0}, bad{"UTF-8'x", 0}, bad{"latin1''a", 0}, bad{"UTF-8'e n'a", 7},
                        bad{"UTF-8''a%4", 8}, bad{"UTF-8''a%zz", 8}, bad{"UTF-8''a b", 8},
                        bad{"UTF-8''%ED%A0%80", 7}, bad{"UTF-8''%C3", 7}}) {
    INFO(b.in);
    auto r = authwire::decode_ext_value(b.in, out);
    REQUIRE_FALSE(r);
    CHECK(r.code() == authwire::errc::bad_value);
    CHECK(r.offset() == b.offset);
  }
}
