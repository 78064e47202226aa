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

// Small helpers of the verification path that GCC would otherwise call out of line.
#if defined(__GNUC__) || defined(__clang__)
#define AUTHWIRE_SIGV4_INLINE inline __attribute__((always_inline))
#else
#define AUTHWIRE_SIGV4_INLINE inline
#endif

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

/// ASCII lower-case of the eight bytes of `x` at once (bytes outside 'A'..'Z' unchanged): the
/// high bit of b + 0x3f is set for b >= 'A', that of b + 0x25 for b > 'Z' (b: the low seven
/// bits, so no carry crosses a byte); bytes with their own high bit set are left alone.
constexpr std::uint64_t lower8(std::uint64_t x) noexcept {
  constexpr std::uint64_t highs = 0x8080808080808080ull, low7 = 0x7f7f7f7f7f7f7f7full;
  const std::uint64_t b = x & low7;
  const std::uint64_t upper = (b + 0x3f3f3f3f3f3f3f3full) & ~(b + 0x2525252525252525ull) & ~x & highs;
  return x | (upper >> 2);
}

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
inline std::uint64_t load4(const char* p) noexcept {
  std::uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}

/// True when `a` and `b` hold the same bytes: sizes first, then eight bytes at a time (the
/// last word overlapping). Not constant-time: for public values only.
AUTHWIRE_SIGV4_INLINE bool bytes_equal(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* const p = a.data();
  const char* const q = b.data();
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (load8(p + i) != load8(q + i)) return false;
    return load8(p + n - 8) == load8(q + n - 8);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != q[i]) return false;
  return true;
}

/// True when `any` equals `lower` (already lower-case) ignoring ASCII case. Eight bytes at a
/// time (the last word overlapping), byte by byte below eight.
AUTHWIRE_SIGV4_INLINE bool equals_lower(std::string_view any, std::string_view lower) noexcept {
  const std::size_t n = any.size();
  if (n != lower.size()) return false;
  const char* const a = any.data();
  const char* const l = lower.data();
  if (n >= 8) {
    // Each word equal as it is (a lower-case name: no lowering) or once lowered.
    std::size_t i = 0;
    for (; i + 8 < n; i += 8) {
      const std::uint64_t x = load8(a + i), y = load8(l + i);
      if (x != y && lower8(x) != y) return false;
    }
    const std::uint64_t x = load8(a + n - 8), y = load8(l + n - 8);
    return x == y || lower8(x) == y;
  }
  if (n >= 4)  // two overlapping 4-byte words (zero-extended: lower8 leaves the zeros alone)
    return lower8(load4(a)) == load4(l) && lower8(load4(a + n - 4)) == load4(l + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (lower_byte[static_cast<unsigned char>(a[i])] != l[i]) return false;
  return true;
}

/// Writes the ASCII lower-case of `n` bytes at `src` to `dst` (which has room for n rounded up
/// to a multiple of 8).
inline void lower_copy(char* dst, const char* src, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t x = lower8(load8(src + i));
    std::memcpy(dst + i, &x, 8);
  }
  for (; i < n; ++i) dst[i] = lower_byte[static_cast<unsigned char>(src[i])];
}

/// The offset of the first byte of `s` at or after `i` that `table` does not accept
/// (s.size() when none): four table loads per step.
inline std::size_t first_not_in(const std::array<bool, 256>& table, std::string_view s, std::size_t i) noexcept {
  const auto* d = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (; i + 4 <= n; i += 4)
    if ((static_cast<unsigned>(table[d[i]]) & static_cast<unsigned>(table[d[i + 1]]) &
         static_cast<unsigned>(table[d[i + 2]]) & static_cast<unsigned>(table[d[i + 3]])) == 0)
      break;
  while (i < n && table[d[i]]) ++i;
  return i;
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
#if AUTHWIRE_SSE2
  // 16 bytes at a time: x <= 0x20 (unsigned) exactly when min(x, 0x20) == x.
  const __m128i sp = _mm_set1_epi8(0x20);
  for (; i + 16 <= v.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v.data() + i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, sp), x)) != 0) return true;
  }
#endif
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

/// The value of the 8 ASCII digits at `p` into `out` (false when a byte is not a digit):
/// eight bytes at a time (the high nibble of each byte 3, and still 3 after adding 6; then
/// the digits combined pairwise by three multiplies).
AUTHWIRE_SIGV4_INLINE bool digits8(const char* p, std::uint32_t& out) noexcept {
  constexpr std::uint64_t highs = 0xF0F0F0F0F0F0F0F0ull, threes = 0x3030303030303030ull;
  const std::uint64_t x = load8(p);
  if ((x & highs) != threes || ((x + 0x0606060606060606ull) & highs) != threes) return false;
  std::uint64_t v = x & 0x0F0F0F0F0F0F0F0Full;  // byte 0 is the first (most significant) digit
  v = (v * 2561) >> 8;                              // pairs: 10 * first + second
  v = ((v & 0x00FF00FF00FF00FFull) * 6553601) >> 16;  // fours
  v = ((v & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32;  // eight
  out = static_cast<std::uint32_t>(v);
  return true;
}

/// True for a valid date YYYYMMDD given as its 8-digit value.
inline bool valid_ymd(std::uint32_t n) noexcept {
  const unsigned y = n / 10000, m = n / 100 % 100, d = n % 100;
  constexpr unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const unsigned md = mdays[m - 1] + (m == 2 && leap(y) ? 1u : 0u);
  return d <= md;
}

/// True for 8 digits forming a valid date YYYYMMDD.
inline bool valid_yyyymmdd(std::string_view s) noexcept {
  std::uint32_t n = 0;
  return s.size() == 8 && digits8(s.data(), n) && valid_ymd(n);
}

/// Parses `YYYYMMDDTHHMMSSZ` (ISO 8601 basic format, UTC) into Unix seconds; false if malformed.
inline bool parse_amz_date(std::string_view s, std::int64_t& out) noexcept {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
  std::uint32_t n = 0, t = 0;
  if (!digits8(s.data(), n) || !valid_ymd(n)) return false;
  // "THHMMSSZ" with the T and the Z read as '0': the value is HHMMSS * 10.
  char hms[8];
  std::memcpy(hms, s.data() + 8, 8);
  hms[0] = '0';
  hms[7] = '0';
  if (!digits8(hms, t)) return false;
  const unsigned hh = t / 100000, mi = t / 1000 % 100, ss = t / 10 % 100;
  if (hh > 23 || mi > 59 || ss > 60) return false;
  const std::int64_t days = days_from_civil(n / 10000, n / 100 % 100, n % 100);
  out = days * 86400 + hh * 3600 + mi * 60 + ss;
  return true;
}

/**
 * Parses the fallback `Date` header of a header-signed request into Unix seconds (AWS uses it
 * when X-Amz-Date is absent; AWS General Reference, "Handling dates in Signature Version 4").
 * Accepted: the ISO 8601 basic format of X-Amz-Date (what the S3 documentation asks for and
 * MinIO accepts), and an HTTP-date in the IMF-fixdate form of RFC 9110 section 5.6.7
 * (`Sun, 06 Nov 1994 08:49:37 GMT`) with the zone `GMT`, `+0000` or `-0000` (botocore sends
 * email.utils.formatdate's `-0000`). The day name must match the date. False if malformed.
 */
inline bool parse_date_header(std::string_view s, std::int64_t& out) noexcept {
  if (parse_amz_date(s, out)) return true;
  // "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes) or "... +0000" / "... -0000" (31 bytes).
  if (s.size() != 29 && s.size() != 31) return false;
  const std::string_view zone = s.substr(26);
  if (zone != "GMT" && zone != "+0000" && zone != "-0000") return false;
  if (s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
      s[25] != ' ')
    return false;
  constexpr std::string_view days = "ThuFriSatSunMonTueWed";  // 1970-01-01 was a Thursday
  constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  unsigned m = 0;
  while (m < 12 && months.substr(3 * m, 3) != s.substr(8, 3)) ++m;
  if (m == 12) return false;
  constexpr std::size_t digit_at[] = {5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24};
  for (const std::size_t i : digit_at)
    if (!is_digit(s[i])) return false;
  const unsigned y = digits(s, 12, 4), d = digits(s, 5, 2);
  constexpr unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d < 1 || d > mdays[m] + (m == 1 && leap(y) ? 1u : 0u)) return false;
  const unsigned hh = digits(s, 17, 2), mi = digits(s, 20, 2), ss = digits(s, 23, 2);
  if (hh > 23 || mi > 59 || ss > 60) return false;
  const std::int64_t n = days_from_civil(y, m + 1, d);
  const auto wd = static_cast<std::size_t>(((n % 7) + 7) % 7);
  if (days.substr(3 * wd, 3) != s.substr(0, 3)) return false;
  out = n * 86400 + hh * 3600 + mi * 60 + ss;
  return true;
}

/// Writes Unix seconds as `YYYYMMDDTHHMMSSZ` (16 bytes, years 1970..9999) to `buf`.
inline void format_amz_date_to(std::int64_t t, char* buf) noexcept {
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
  auto put = [buf](std::size_t at, std::int64_t v, std::size_t n) {
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
}

/// Formats Unix seconds as `YYYYMMDDTHHMMSSZ` (years 1970..9999).
inline std::string format_amz_date(std::int64_t t) {
  std::string s(16, '\0');
  format_amz_date_to(t, s.data());
  return s;
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

/// The reflected CRC-64/NVME table (poly 0xAD93D23594C93659, reflected 0x9A6C9329AC4BC9B5;
/// init and xorout all ones; check("123456789") = 0xAE8B14860A799888): S3's CRC64NVME.
inline constexpr auto crc64nvme_table = [] {
  std::array<std::uint64_t, 256> t{};
  for (std::uint64_t i = 0; i < 256; ++i) {
    std::uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (0x9A6C9329AC4BC9B5ull ^ (c >> 1)) : (c >> 1);
    t[i] = c;
  }
  return t;
}();

/// Continues a CRC-64/NVME over `s`; start with ~0 and finish with `~state`.
inline std::uint64_t crc64nvme_update(std::uint64_t c, std::string_view s) noexcept {
  for (char ch : s) c = crc64nvme_table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  return c;
}

}  // namespace detail
}  // namespace aws_sigv4
}  // namespace v1
}  // namespace authwire
