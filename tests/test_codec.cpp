#include <authwire/codec.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

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

namespace {
// The decoder as it was before base64_decode_to (a plain reference, kept only here): validate
// everything first, then decode one character at a time. pad: 1 required, 0 forbidden, 2 optional.
authwire::result<std::string> reference_decode(std::string_view in, const std::string_view alphabet, int pad) {
  const auto value = [&](char c) { return alphabet.find(c); };
  const std::size_t n = in.size();
  std::size_t data_len = n;
  while (data_len > 0 && in[data_len - 1] == '=' && n - data_len < 2) --data_len;
  const std::size_t pads = n - data_len;
  for (std::size_t i = 0; i < data_len; ++i)
    if (value(in[i]) == std::string_view::npos) return error{errc::bad_base64, i};
  if (pads > 0 && pad == 0) return error{errc::bad_base64, data_len};
  const std::size_t rem = data_len % 4;
  if (rem == 1) return error{errc::bad_base64, data_len};
  if (pad == 1 || pads > 0) {
    if (rem == 0 && pads != 0) return error{errc::bad_base64, data_len};
    if ((data_len + pads) % 4 != 0) return error{errc::bad_base64, n};
  }
  if (rem != 0 && (value(in[data_len - 1]) & (rem == 2 ? 0x0F : 0x03))) return error{errc::bad_base64, data_len - 1};
  std::string out;
  std::uint32_t acc = 0;
  for (std::size_t i = 0; i < data_len; ++i) {
    acc = (acc << 6) | static_cast<std::uint32_t>(value(in[i]));
    if ((i & 3) == 3) {
      out += static_cast<char>((acc >> 16) & 0xFF);
      out += static_cast<char>((acc >> 8) & 0xFF);
      out += static_cast<char>(acc & 0xFF);
      acc = 0;
    }
  }
  if (rem == 2) out += static_cast<char>((acc >> 4) & 0xFF);
  if (rem == 3) {
    out += static_cast<char>((acc >> 10) & 0xFF);
    out += static_cast<char>((acc >> 2) & 0xFF);
  }
  return out;
}

}  // namespace

TEST_CASE("codec: base64_decode_to and base64_decode against the reference decoder on every one-byte change",
          "[codec][base64][differential]") {
  constexpr std::string_view std_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  constexpr std::string_view url_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // Valid encodings of 0..14 bytes (every padding length, several quanta), both alphabets.
  std::mt19937 rng(7617u);
  std::vector<std::string> plains;
  for (std::size_t len = 0; len <= 14; ++len) {
    for (int k = 0; k < 2; ++k) {
      std::string s(len, '\0');
      for (auto& c : s) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
      plains.push_back(s);
    }
  }
  plains.emplace_back("Aladdin:open sesame");
  plains.emplace_back("\xfb\xff\xbf");

  std::size_t compared = 0, mismatches = 0;
  const auto compare = [&](std::string_view in, int mode, bool url) {
    const auto want = reference_decode(in, url ? url_alphabet : std_alphabet, mode);
    // Into an exactly sized heap buffer: ASan reports any write past base64_decoded_max.
    const std::size_t room = authwire::base64_decoded_max(in.size());
    std::unique_ptr<unsigned char[]> buf(new unsigned char[room ? room : 1]);
    const padding p = mode == 0 ? padding::forbidden : mode == 1 ? padding::required : padding::optional;
    const auto got = url ? authwire::base64url_decode_to(buf.get(), in, p) : authwire::base64_decode_to(buf.get(), in);
    std::string appended = "keep";
    const auto got_s = url ? authwire::base64url_decode(appended, in, p) : authwire::base64_decode(appended, in);
    ++compared;
    bool same = want.has_value() == got.has_value() && want.has_value() == got_s.has_value();
    if (same && want) {
      same = *got <= room && std::string_view(reinterpret_cast<const char*>(buf.get()), *got) == *want &&
             appended == "keep" + *want;
    } else if (same) {
      same = got.error() == want.error() && got_s.error() == want.error() && appended == "keep";
    }
    if (!same && ++mismatches <= 10) {
      INFO("input " << authwire_test::printable(in) << (url ? " base64url, padding mode " : " base64, padding mode ") << mode);
      INFO("want " << (want ? "ok " + authwire_test::printable(*want) : std::string(authwire::to_string(want.code())) + "@" +
                                                             std::to_string(want.offset())));
      INFO("got " << (got ? "ok " + std::to_string(*got) + " bytes"
                          : std::string(authwire::to_string(got.code())) + "@" + std::to_string(got.offset())));
      FAIL_CHECK("base64_decode_to differs from the reference");
    }
  };
  for (const auto& plain : plains) {
    struct form {
      std::string text;
      int mode;
      bool url;
    };
    const form forms[] = {
        {authwire::base64_encode(plain), 1, false},
        {authwire::base64url_encode(plain), 0, true},
        {authwire::base64url_encode(plain, true), 1, true},
        {authwire::base64url_encode(plain), 2, true},
        {authwire::base64url_encode(plain, true), 2, true},
    };
    for (const auto& f : forms) {
      compare(f.text, f.mode, f.url);
      for (std::size_t i = 0; i < f.text.size(); ++i) {
        std::string m = f.text;
        for (int b = 0; b < 256; ++b) {  // every byte value at every position
          m[i] = static_cast<char>(b);
          compare(m, f.mode, f.url);
        }
        std::string del = f.text;  // and every byte deleted
        del.erase(i, 1);
        compare(del, f.mode, f.url);
      }
      for (std::size_t i = 0; i <= f.text.size(); ++i) {  // and '=' or 'A' inserted anywhere
        for (const char ins : {'=', 'A'}) {
          std::string m = f.text;
          m.insert(i, 1, ins);
          compare(m, f.mode, f.url);
        }
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(compared > 100000);
}

TEST_CASE("codec: base64_decode_to writes to the caller's buffer", "[codec][base64]") {
  unsigned char buf[21];
  CHECK(authwire::base64_decoded_max(28) == 21);
  CHECK(authwire::base64_decoded_max(0) == 0);
  CHECK(authwire::base64_decoded_max(2) == 3);
  auto r = authwire::base64_decode_to(buf, "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  REQUIRE(r);
  CHECK(std::string_view(reinterpret_cast<const char*>(buf), *r) == "Aladdin:open sesame");
  CHECK(*authwire::base64_decode_to(buf, "") == 0);
  CHECK(authwire::base64_decode_to(buf, "QWxh ZGRp").error() == error{errc::bad_base64, 4});
  auto u = authwire::base64url_decode_to(buf, "-_8");
  REQUIRE(u);
  CHECK(std::string_view(reinterpret_cast<const char*>(buf), *u) == "\xfb\xff");
  CHECK(authwire::base64url_decode_to(buf, "-_8=", padding::forbidden).error() == error{errc::bad_base64, 3});
}
