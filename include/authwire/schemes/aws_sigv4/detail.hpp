// SPDX-License-Identifier: MIT
/**
 * @file aws_sigv4/detail.hpp
 * @brief Internals of AWS Signature Version 4: character classes, percent-encoding, the
 *        X-Amz-Date format, whitespace folding and the CRC checksums of S3's flexible
 *        checksums. Not API.
 */
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "../../config.hpp"
#include "../../grammar.hpp"

namespace authwire {
inline namespace v1 {
namespace aws_sigv4 {
namespace detail {

// unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"   (RFC 3986 section 2.3; AWS UriEncode)
constexpr bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_lower_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f'); }
constexpr bool is_space(char c) noexcept {
  return static_cast<unsigned char>(c) <= 0x20 &&
         (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f');
}
constexpr int hex_digit(char c) noexcept {
  return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

inline constexpr char upper_hex[] = "0123456789ABCDEF";

/// ASCII lower-case of every byte, as a table (one load per byte).
inline constexpr auto lower_byte = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return t;
}();

/// True when `any` equals `lower` (already lower-case) ignoring ASCII case.
inline bool equals_lower(std::string_view any, std::string_view lower) noexcept {
  if (any.size() != lower.size()) return false;
  for (std::size_t i = 0; i < any.size(); ++i)
    if (lower_byte[static_cast<unsigned char>(any[i])] != lower[i]) return false;
  return true;
}

/// AWS UriEncode: unreserved bytes kept, '/' kept when `keep_slash`, every other byte %XX.
/// `Out`: std::string or any sink with append(string_view), append(const char*, n) and += char.
template <class Out>
inline void uri_encode(Out& out, std::string_view s, bool keep_slash) {
  for (char c : s) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += upper_hex[u >> 4];
      out += upper_hex[u & 15];
    }
  }
}

/// Percent-decodes `s` into `out`. `+` stays `+`. Returns the offset of the first bad `%`
/// escape, or npos. With `lenient`, a bad escape is kept as a literal '%'.
inline std::size_t percent_decode(std::string& out, std::string_view s, bool lenient) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      const int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        if (!lenient) return i;
        out += '%';
        continue;
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return std::string_view::npos;
}

/// Decodes then re-encodes one query key or value per AWS rules (a bad escape is a literal '%').
template <class Out>
inline void requery(Out& out, std::string_view s) {
  // Fast path: nothing to change when every byte is unreserved.
  bool plain = true;
  for (char c : s)
    if (!is_unreserved(c)) {
      plain = false;
      break;
    }
  if (plain) {
    out.append(s);
    return;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = hex_digit(s[i + 1]);
      const int lo = hex_digit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    }
    if (is_unreserved(c)) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += upper_hex[u >> 4];
      out += upper_hex[u & 15];
    }
  }
}

/// True when a byte of `v` is at or below SP (0x20). Eight bytes at a time: for a word x,
/// (x - 0x21 in every byte) & ~x & 0x80 in every byte is non-zero exactly when some byte is
/// below 0x21 ("hasless", Bit Twiddling Hacks).
inline bool has_byte_at_or_below_sp(std::string_view v) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  std::size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, v.data() + i, 8);
    if ((x - ones * 0x21u) & ~x & highs) return true;
  }
  for (; i < v.size(); ++i)
    if (static_cast<unsigned char>(v[i]) <= 0x20) return true;
  return false;
}

/// Appends `v` with leading and trailing whitespace removed and inner runs folded to one SP.
template <class Out>
inline void append_trimmed(Out& out, std::string_view v) {
  // Fast path: no byte at or below SP (no whitespace at all), nothing to trim or fold.
  if (!has_byte_at_or_below_sp(v)) {
    out.append(v.data(), v.size());
    return;
  }
  std::size_t i = 0, n = v.size();
  while (i < n && is_space(v[i])) ++i;
  while (n > i && is_space(v[n - 1])) --n;
  // No whitespace other than single SPs inside.
  bool simple = true;
  for (std::size_t k = i; k < n && simple; ++k)
    if (is_space(v[k]) && (v[k] != ' ' || is_space(v[k + 1]))) simple = false;
  if (simple) {
    out.append(v.data() + i, n - i);
    return;
  }
  bool in_space = false;
  for (; i < n; ++i) {
    if (is_space(v[i])) {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += v[i];
  }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

constexpr bool leap(unsigned y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned digits(std::string_view s, std::size_t at, std::size_t n) noexcept {
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v * 10 + static_cast<unsigned>(s[at + i] - '0');
  return v;
}

/// True for 8 digits forming a valid date YYYYMMDD.
constexpr bool valid_yyyymmdd(std::string_view s) noexcept {
  if (s.size() != 8) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  const unsigned y = digits(s, 0, 4), m = digits(s, 4, 2), d = digits(s, 6, 2);
  constexpr unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const unsigned md = mdays[m - 1] + (m == 2 && leap(y) ? 1u : 0u);
  return d <= md;
}

/// Parses `YYYYMMDDTHHMMSSZ` (ISO 8601 basic format, UTC) into Unix seconds; false if malformed.
constexpr bool parse_amz_date(std::string_view s, std::int64_t& out) noexcept {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
  if (!valid_yyyymmdd(s.substr(0, 8))) return false;
  for (std::size_t i = 9; i < 15; ++i)
    if (!is_digit(s[i])) return false;
  const unsigned hh = digits(s, 9, 2), mi = digits(s, 11, 2), ss = digits(s, 13, 2);
  if (hh > 23 || mi > 59 || ss > 60) return false;
  const std::int64_t days = days_from_civil(digits(s, 0, 4), digits(s, 4, 2), digits(s, 6, 2));
  out = days * 86400 + hh * 3600 + mi * 60 + ss;
  return true;
}

/// Formats Unix seconds as `YYYYMMDDTHHMMSSZ` (years 1970..9999).
inline std::string format_amz_date(std::int64_t t) {
  std::int64_t days = t / 86400, rem = t % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // civil_from_days (H. Hinnant)
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[17];
  auto put = [&buf](std::size_t at, std::int64_t v, std::size_t n) {
    for (std::size_t i = n; i-- > 0;) {
      buf[at + i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, y, 4);
  put(4, m, 2);
  put(6, d, 2);
  buf[8] = 'T';
  put(9, rem / 3600, 2);
  put(11, rem / 60 % 60, 2);
  put(13, rem % 60, 2);
  buf[15] = 'Z';
  buf[16] = '\0';
  return std::string(buf, 16);
}

/// A reflected CRC-32 table for `poly` (CRC-32: 0xEDB88320; CRC-32C: 0x82F63B78). A checksum,
/// not a cryptographic primitive.
constexpr std::array<std::uint32_t, 256> crc_table(std::uint32_t poly) {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (poly ^ (c >> 1)) : (c >> 1);
    t[i] = c;
  }
  return t;
}
inline constexpr auto crc32_table = crc_table(0xEDB88320u);
inline constexpr auto crc32c_table = crc_table(0x82F63B78u);

/// Continues a CRC over `s`; start with state 0xFFFFFFFF and finish with `~state`.
inline std::uint32_t crc_update(const std::array<std::uint32_t, 256>& t, std::uint32_t c, std::string_view s) noexcept {
  for (char ch : s) c = t[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  return c;
}

}  // namespace detail
}  // namespace aws_sigv4
}  // namespace v1
}  // namespace authwire
