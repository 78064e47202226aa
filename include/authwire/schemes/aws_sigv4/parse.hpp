// SPDX-License-Identifier: MIT
/**
 * @file aws_sigv4/parse.hpp
 * @brief Parsing the SigV4 Authorization value (AWS's own grammar, not RFC 9110 auth-params) and the presigned-URL query parameters, with byte offsets in every error.
 *
 * Part of `authwire/schemes/aws_sigv4.hpp`; include that header.
 */
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>


#include "../../config.hpp"
#include "../../grammar.hpp"
#include "../../result.hpp"
#include "detail.hpp"
#include "errc.hpp"

// Keeps a cold path out of its caller (GCC and Clang).
#ifndef AUTHWIRE_SIGV4_NOINLINE
#  if defined(__GNUC__) || defined(__clang__)
#    define AUTHWIRE_SIGV4_NOINLINE inline __attribute__((noinline))
#  else
#    define AUTHWIRE_SIGV4_NOINLINE inline
#  endif
#endif

namespace authwire {
inline namespace v1 {
namespace aws_sigv4 {

/**
 * A parsed credential scope: `access-key/date/region/service/aws4_request`. Views into the
 * parsed text.
 */
struct credential_scope {
  std::string_view access_key;
  std::string_view date;     ///< YYYYMMDD
  std::string_view region;
  std::string_view service;
  std::string_view scope;    ///< `date/region/service/aws4_request`, as it enters the string to sign
};

namespace detail {
// Lower-case tchar: what a SignedHeaders name is made of.
inline constexpr auto lower_tchar = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = is_tchar(static_cast<char>(c)) && !(c >= 'A' && c <= 'Z');
  return t;
}();
constexpr bool is_key_char(char c) noexcept {
  return c > 0x20 && c < 0x7F && c != '/' && c != ',' && c != ';' && c != '=';
}
constexpr bool is_scope_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_' || c == '.';
}
// The two classes as tables (one load per byte).
inline constexpr auto key_char = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = is_key_char(static_cast<char>(c));
  return t;
}();
inline constexpr auto scope_char = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = is_scope_char(static_cast<char>(c));
  return t;
}();
}  // namespace detail

/**
 * Parses a Credential value.
 *
 * @par Grammar (AWS General Reference, "Signature Version 4 signing process")
 * @code
 *   credential = access-key "/" date "/" region "/" service "/aws4_request"
 *   date       = 8DIGIT          ; YYYYMMDD
 * @endcode
 * @param base added to every error offset (the position of `v` in a larger input)
 * @return the scope; errc::bad_credential, bad_scope_date or bad_scope_terminator with an offset.
 */
namespace detail {
/// The offsets of the '/' in `v` when there are exactly four (SSE2 over whole 16-byte blocks).
inline bool four_slashes(std::string_view v, std::size_t* at) noexcept {
  std::size_t found = 0, i = 0;
  const char* const d = v.data();
  const std::size_t n = v.size();
#if AUTHWIRE_SSE2
  const __m128i slash = _mm_set1_epi8('/');
  for (; i + 16 <= n; i += 16) {
    auto m = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d + i)), slash)));
    for (; m != 0; m &= m - 1) {
      if (found == 4) return false;
      at[found++] = i + static_cast<std::size_t>(__builtin_ctz(m));
    }
  }
#endif
  for (; i < n; ++i) {
    if (d[i] != '/') continue;
    if (found == 4) return false;
    at[found++] = i;
  }
  return found == 4;
}
}  // namespace detail

[[nodiscard]] inline result<credential_scope, errc> parse_credential(std::string_view v, std::size_t base = 0) {
  // Fast path: exactly four '/' and every part valid. Anything else takes the general path
  // below, which finds the error and its offset.
  if (std::size_t sl[4]; detail::four_slashes(v, sl)) {
    const char* const d = v.data();
    const std::string_view p0(d, sl[0]), p1(d + sl[0] + 1, sl[1] - sl[0] - 1), p2(d + sl[1] + 1, sl[2] - sl[1] - 1),
        p3(d + sl[2] + 1, sl[3] - sl[2] - 1), p4(d + sl[3] + 1, v.size() - sl[3] - 1);
    if (!p0.empty() && detail::first_not_in(detail::key_char, p0, 0) == p0.size() && detail::valid_yyyymmdd(p1) &&
        !p2.empty() && detail::first_not_in(detail::scope_char, p2, 0) == p2.size() && !p3.empty() &&
        detail::first_not_in(detail::scope_char, p3, 0) == p3.size() && detail::bytes_equal(p4, scope_terminator)) {
      credential_scope s;
      s.access_key = p0;
      s.date = p1;
      s.region = p2;
      s.service = p3;
      s.scope = std::string_view(p1.data(), v.size() - sl[0] - 1);
      return s;
    }
  }
  std::string_view part[5];
  std::size_t start[5] = {};
  std::size_t n = 0, b = 0;
  for (;;) {
    std::size_t i = v.find('/', b);
    if (i == std::string_view::npos) i = v.size();
    if (n == 5) return {errc::bad_scope_terminator, base + start[4]};
    start[n] = b;
    part[n++] = v.substr(b, i - b);
    if (i == v.size()) break;
    b = i + 1;
  }
  if (n < 5) return {errc::bad_credential, base + v.size()};
  if (part[0].empty()) return {errc::bad_credential, base};
  if (const std::size_t bad = detail::first_not_in(detail::key_char, part[0], 0); bad != part[0].size())
    return {errc::bad_credential, base + bad};
  if (!detail::valid_yyyymmdd(part[1])) return {errc::bad_scope_date, base + start[1]};
  for (int k = 2; k <= 3; ++k) {
    if (part[k].empty()) return {errc::bad_credential, base + start[k]};
    if (const std::size_t bad = detail::first_not_in(detail::scope_char, part[k], 0); bad != part[k].size())
      return {errc::bad_credential, base + start[k] + bad};
  }
  if (part[4] != scope_terminator) return {errc::bad_scope_terminator, base + start[4]};
  credential_scope s;
  s.access_key = part[0];
  s.date = part[1];
  s.region = part[2];
  s.service = part[3];
  s.scope = v.substr(start[1]);
  return s;
}

/// Limits of SigV4 parsing, with safe defaults.
struct parse_limits {
  std::size_t max_signed_headers = 64;     ///< errc::too_many_items
  std::size_t max_query_parameters = 256;  ///< errc::too_many_items
};

/**
 * Checks a SignedHeaders list: lower-case token names separated by ';', strictly ascending,
 * including `host`.
 *
 * @par Grammar
 * @code
 *   signed-headers = name *( ";" name )     ; name: lower-case RFC 9110 token
 * @endcode
 * @return the number of names; errc::bad_signed_headers, signed_headers_not_sorted,
 *         signed_headers_missing_host or too_many_items with an offset (plus `base`).
 */
namespace detail {
#if AUTHWIRE_SSE2
/// The bytes of `x` that are not in [a-z0-9;-] (a mask of 16 bits, one per byte).
AUTHWIRE_SIGV4_INLINE unsigned not_usual_name_bytes(__m128i x) noexcept {
  // Unsigned range checks as min(x - lo, n) == x - lo.
  const __m128i a = _mm_sub_epi8(x, _mm_set1_epi8('a')), d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
  const __m128i ok =
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(a, _mm_set1_epi8(25)), a),
                                _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d)),
                   _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('-')), _mm_cmpeq_epi8(x, _mm_set1_epi8(';'))));
  return ~static_cast<unsigned>(_mm_movemask_epi8(ok)) & 0xFFFFu;
}
#endif

/// True when the name of `n` bytes at `p` sorts strictly before the one of `m` bytes at `q`
/// (byte-wise, what std::string_view's operator< does): eight bytes at a time.
AUTHWIRE_SIGV4_INLINE bool name_less(const char* p, std::size_t n, const char* q, std::size_t m) noexcept {
  const std::size_t k_max = n < m ? n : m;
  std::size_t k = 0;
  for (; k + 8 <= k_max; k += 8) {
    const std::uint64_t x = load8(p + k), y = load8(q + k);
    if (x != y) {
#if defined(__GNUC__) || defined(__clang__)
      return __builtin_bswap64(x) < __builtin_bswap64(y);
#else
      break;
#endif
    }
  }
  for (; k < k_max; ++k)
    if (p[k] != q[k]) return static_cast<unsigned char>(p[k]) < static_cast<unsigned char>(q[k]);
  return n < m;
}

/**
 * The usual SignedHeaders list: names of [a-z0-9-] only, at least 16 bytes in all. Checks it
 * as check_signed_headers does (non-empty names, strictly ascending, host, the limit) and
 * returns the count; 0 for anything else (the general path then decides, with its errors).
 */
inline std::size_t usual_signed_headers(std::string_view v, const parse_limits& lim) noexcept {
#if AUTHWIRE_SSE2
  const char* const d = v.data();
  const std::size_t n = v.size();
  if (n < 16) return 0;
  const __m128i semi = _mm_set1_epi8(';');
  std::size_t count = 0, b = 0, prev_at = 0, prev_n = 0;
  bool host = false;
  auto name = [&](std::size_t e) {  // the name [b, e)
    const std::size_t len = e - b;
    if (len == 0) return false;
    if (count > 0 && !name_less(d + prev_at, prev_n, d + b, len)) return false;
    host = host || (len == 4 && load4(d + b) == load4("host"));
    prev_at = b;
    prev_n = len;
    b = e + 1;
    return ++count <= lim.max_signed_headers;
  };
  std::size_t i = 0;
  for (;; i += 16) {
    const bool last = i + 16 >= n;
    if (last) i = n - 16;  // the last block, overlapping the one before
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + i));
    if (not_usual_name_bytes(x) != 0) return 0;
    auto m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, semi)));
    for (; m != 0; m &= m - 1) {
      const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(m));
      if (at < b) continue;  // seen in the previous block (overlap)
      if (!name(at)) return 0;
    }
    if (last) break;
  }
  if (!name(n) || !host) return 0;
  return count;
#else
  (void)v;
  (void)lim;
  return 0;
#endif
}
}  // namespace detail

[[nodiscard]] inline result<std::size_t, errc> check_signed_headers(std::string_view v, std::size_t base = 0,
                                                                     const parse_limits& lim = {}) {
  if (const std::size_t c = detail::usual_signed_headers(v, lim)) return c;
  std::size_t count = 0, b = 0;
  bool host = false;
  std::size_t prev_at = 0, prev_n = 0;
  const char* const d = v.data();
  for (std::size_t i = 0; i <= v.size(); ++i) {
    i = detail::first_not_in(detail::lower_tchar, v, i);
    if (i < v.size() && d[i] != ';') return {errc::bad_signed_headers, base + i};
    const std::size_t n = i - b;
    if (n == 0) return {errc::bad_signed_headers, base + b};
    if (count > 0) {
      // prev < name, byte-wise (what std::string_view's operator< does), inline.
      std::size_t k = 0;
      const std::size_t m = prev_n < n ? prev_n : n;
      while (k < m && d[prev_at + k] == d[b + k]) ++k;
      const bool less = k < m ? static_cast<unsigned char>(d[prev_at + k]) < static_cast<unsigned char>(d[b + k])
                              : prev_n < n;
      if (!less) return {errc::signed_headers_not_sorted, base + b};
    }
    if (++count > lim.max_signed_headers) return {errc::too_many_items, base + b};
    host = host || (n == 4 && d[b] == 'h' && d[b + 1] == 'o' && d[b + 2] == 's' && d[b + 3] == 't');
    prev_at = b;
    prev_n = n;
    b = i + 1;
  }
  if (!host) return {errc::signed_headers_missing_host, base};
  return count;
}

namespace detail {
inline constexpr auto lower_hex_table = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = true;
  return t;
}();
/// True when all 64 bytes at `p` are lower-case hex digits (SSE2: four 16-byte checks).
inline bool all_lower_hex64(const char* p) noexcept {
#if AUTHWIRE_SSE2
  // Unsigned (x - '0') <= 9 or (x - 'a') <= 5, via min_epu8 == value.
  const __m128i c0 = _mm_set1_epi8('0'), ca = _mm_set1_epi8('a'), n9 = _mm_set1_epi8(9), n5 = _mm_set1_epi8(5);
  __m128i all = _mm_set1_epi8(-1);
  for (int k = 0; k < 4; ++k) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i d = _mm_sub_epi8(x, c0), a = _mm_sub_epi8(x, ca);
    const __m128i ok = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(d, n9), d), _mm_cmpeq_epi8(_mm_min_epu8(a, n5), a));
    all = _mm_and_si128(all, ok);
  }
  return _mm_movemask_epi8(all) == 0xFFFF;
#else
  std::size_t good = 0;  // a counting loop the compiler vectorises
  for (std::size_t i = 0; i < 64; ++i) {
    const auto u = static_cast<unsigned char>(p[i]);
    good += ((static_cast<unsigned char>(u - '0') < 10u) | (static_cast<unsigned char>(u - 'a') < 6u)) ? 1u : 0u;
  }
  return good == 64;
#endif
}

/// The offset of the first ',', SP or HTAB in `s` at or after `i` (s.size() when none).
inline std::size_t find_value_end(std::string_view s, std::size_t i) noexcept {
  const char* const d = s.data();
#if AUTHWIRE_SSE2
  const __m128i comma = _mm_set1_epi8(','), sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + i));
    const int m = _mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, comma), _mm_cmpeq_epi8(x, sp)), _mm_cmpeq_epi8(x, tab)));
    if (m != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(m)));
  }
#endif
  for (; i < s.size(); ++i)
    if (d[i] == ',' || d[i] == ' ' || d[i] == '\t') return i;
  return s.size();
}

inline result<void, errc> check_signature_hex(std::string_view s, std::size_t base) {
  if (s.size() != 64) return {errc::bad_signature_format, base};
  if (all_lower_hex64(s.data())) return {};
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!is_lower_hex(s[i])) return {errc::bad_signature_format, base + i};
  return {};
}
inline constexpr auto lower_hex_value = [] {
  std::array<unsigned char, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c - 'a' + 10);
  return t;
}();
/// Decodes hex already checked by check_signature_hex (64 lower-case digits) into 32 bytes.
inline void decode_lower_hex(unsigned char* out, std::string_view hex) noexcept {
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out[i / 2] = static_cast<unsigned char>((lower_hex_value[static_cast<unsigned char>(hex[i])] << 4) |
                                            lower_hex_value[static_cast<unsigned char>(hex[i + 1])]);
}
}  // namespace detail

/**
 * A parsed `Authorization: AWS4-HMAC-SHA256 ...` value. Views into the caller's buffer; the
 * `*_offset` members are byte offsets of each component's value.
 */
struct authorization_view {
  credential_scope credential;
  std::string_view credential_text;  ///< the whole Credential value
  std::string_view signed_headers;   ///< `host;x-amz-date`, as sent
  std::string_view signature;        ///< 64 lower-case hex digits
  std::size_t credential_offset = 0, signed_headers_offset = 0, signature_offset = 0;
};

namespace detail {
/// The usual shape, `AWS4-HMAC-SHA256 Credential=<c>,[SP]SignedHeaders=<s>,[SP]Signature=<64 hex>`
/// and nothing else: the offsets of the three values (true), or false for anything else
/// (parse_authorization then takes the general path, which reports any error).
inline bool usual_authorization_shape(std::string_view value, std::size_t& c_at, std::size_t& c_end,
                                      std::size_t& s_at, std::size_t& s_end, std::size_t& g_at) noexcept {
  constexpr std::string_view head = "AWS4-HMAC-SHA256 Credential=";
  constexpr std::string_view sh_name = "SignedHeaders=", sig_name = "Signature=";
  const std::size_t n = value.size();
  const char* const d = value.data();
  if (n < head.size() + 64 || std::memcmp(d, head.data(), head.size()) != 0) return false;
  c_at = head.size();
  c_end = find_value_end(value, c_at);
  if (c_end == n || d[c_end] != ',') return false;
  std::size_t i = c_end + 1 + (c_end + 1 < n && d[c_end + 1] == ' ' ? 1 : 0);
  if (n - i < sh_name.size() || std::memcmp(d + i, sh_name.data(), sh_name.size()) != 0) return false;
  s_at = i + sh_name.size();
  s_end = find_value_end(value, s_at);
  if (s_end == n || d[s_end] != ',') return false;
  i = s_end + 1 + (s_end + 1 < n && d[s_end + 1] == ' ' ? 1 : 0);
  if (n - i != sig_name.size() + 64 || std::memcmp(d + i, sig_name.data(), sig_name.size()) != 0) return false;
  g_at = i + sig_name.size();
  return all_lower_hex64(d + g_at);
}

/// True for 8 digits forming a valid date YYYYMMDD (what valid_yyyymmdd accepts): the month and
/// the day taken from the word directly, the year only for 29 February.
AUTHWIRE_SIGV4_INLINE bool valid_date8(const char* p) noexcept {
  constexpr std::uint64_t highs = 0xF0F0F0F0F0F0F0F0ull, threes = 0x3030303030303030ull;
  const std::uint64_t x = load8(p);  // byte k: the digit at p + k
  if ((x & highs) != threes || ((x + 0x0606060606060606ull) & highs) != threes) return false;
  // MMDD: each byte 10 * itself + the next (no carry: at most 99); byte 0 the month, 2 the day.
  const std::uint64_t md = (x >> 32) & 0x0F0F0F0Full, t = md * 10 + (md >> 8);
  const auto m = static_cast<unsigned>(t & 0xFF), d = static_cast<unsigned>((t >> 16) & 0xFF);
  static constexpr unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m - 1 > 11 || d - 1 >= mdays[m - 1]) return false;
  if (m != 2 || d != 29) return true;
  const auto y = static_cast<unsigned>((x & 15) * 1000 + ((x >> 8) & 15) * 100 + ((x >> 16) & 15) * 10 + ((x >> 24) & 15));
  return leap(y);
}

#if AUTHWIRE_SSE2
/// The bytes of `x` in [A-Za-z0-9._-] or '/' (a mask of 16 bits, one per byte): what the usual
/// credential is made of.
AUTHWIRE_SIGV4_INLINE unsigned scope_or_slash_bytes(__m128i x) noexcept {
  // Range checks as signed compares: x - lo + 0x80 < n + 0x80 - 0x100. Letters: x | 0x20 in
  // a..z; '-' '.' '/' and the digits: x in '-'..'9'.
  const __m128i l = _mm_add_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8(static_cast<char>(0x80 - 'a')));
  const __m128i p = _mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(0x80 - '-')));
  const __m128i ok = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(l, _mm_set1_epi8(static_cast<char>(0x80 + 26))),
                                               _mm_cmplt_epi8(p, _mm_set1_epi8(static_cast<char>(0x80 + 13)))),
                                  _mm_cmpeq_epi8(x, _mm_set1_epi8('_')));
  return static_cast<unsigned>(_mm_movemask_epi8(ok));
}

/// The bytes of `x` in [a-z0-9-] (a mask of 16 bits, one per byte): the usual header name.
AUTHWIRE_SIGV4_INLINE unsigned usual_name_bytes(__m128i x) noexcept {
  const __m128i l = _mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(0x80 - 'a')));
  const __m128i g = _mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(0x80 - '0')));
  const __m128i ok = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(l, _mm_set1_epi8(static_cast<char>(0x80 + 26))),
                                               _mm_cmplt_epi8(g, _mm_set1_epi8(static_cast<char>(0x80 + 10)))),
                                  _mm_cmpeq_epi8(x, _mm_set1_epi8('-')));
  return static_cast<unsigned>(_mm_movemask_epi8(ok));
}

/// For two names with the same first eight bytes: true when the name of `nl` bytes at `b` sorts
/// after the one before it (which starts after the ';' before it, or at `s_at`). Out of line: rare.
AUTHWIRE_SIGV4_NOINLINE bool tied_name_less(const char* d, std::size_t s_at, std::size_t b, std::size_t nl) noexcept {
  std::size_t p = b - 1;
  while (p > s_at && d[p - 1] != ';') --p;
  return name_less(d + p, b - 1 - p, d + b, nl);
}

/**
 * The usual SignedHeaders value at `s_at` in `d` (of `n` bytes), 64 bytes at a time: names of
 * [a-z0-9-] separated by ';' up to the first other byte, which must be ','; each name non-empty
 * and after the one before (their first eight bytes compared at once), one of them "host".
 * Returns the offset of that ',' or 0 (anything else). Every window has 72 bytes (a name's first
 * eight bytes can be read): in a valid value, ",Signature=" and 64 digits follow the list.
 */
AUTHWIRE_SIGV4_NOINLINE std::size_t usual_names_sse2(const char* d, std::size_t n, std::size_t s_at) noexcept {
  constexpr std::uint64_t host8 = 0x686f737400000000ull;  // "host", big-endian, zero-padded
  // The first k bytes of a big-endian head (k = 1..8).
  static constexpr std::uint64_t head_mask[9] = {0,
                                                 0xFF00000000000000ull,
                                                 0xFFFF000000000000ull,
                                                 0xFFFFFF0000000000ull,
                                                 0xFFFFFFFF00000000ull,
                                                 0xFFFFFFFFFF000000ull,
                                                 0xFFFFFFFFFFFF0000ull,
                                                 0xFFFFFFFFFFFFFF00ull,
                                                 ~std::uint64_t{0}};
  const auto load16 = [d](std::size_t at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + at)); };
  std::size_t b = s_at, s_end = 0;
  std::uint64_t prev = 0;   // the head of the name before (0: none; every head is above)
  std::uint64_t after = 1;  // 1 when the byte before the window ends a name (or starts the list)
  bool host = false;
  for (std::size_t w = s_at;; w += 64) {
    if (n - w < 72) return 0;
    std::uint64_t stop = 0, semi = 0;
    for (unsigned k = 0; k < 64; k += 16) {
      const __m128i x = load16(w + k);
      const auto sm = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(';'))));
      stop |= std::uint64_t{usual_name_bytes(x) | sm} << k;
      semi |= std::uint64_t{sm} << k;
    }
    stop = ~stop;
    if (stop != 0) {
      stop &= 0 - stop;  // the first stop ends the last name
      semi = (semi & (stop - 1)) | stop;
    }
    // No empty name: no end right after another (or at the start of the list).
    if ((semi & ((semi << 1) | after)) != 0) return 0;
    after = semi >> 63;
    for (; semi != 0; semi &= semi - 1) {
      const std::size_t at = w + static_cast<unsigned>(__builtin_ctzll(semi)), nl = at - b;  // the name [b, at)
      const std::uint64_t h = __builtin_bswap64(load8(d + b)) & head_mask[nl < 8 ? nl : 8];
      if (__builtin_expect(h <= prev, 0) && !(h == prev && tied_name_less(d, s_at, b, nl))) return 0;
      host |= h == host8;
      prev = h;
      b = at + 1;
    }
    if (stop != 0) {
      s_end = b - 1;
      break;
    }
  }
  if (d[s_end] != ',' || !host) return 0;
  return s_end;
}

/**
 * The last SignedHeaders list of at most 64 bytes that usual_names_sse2 accepted on this thread
 * (requests from one client sign the same list): a list of the same bytes followed by ',' is
 * accepted again without its checks. Only its text is kept (no secret).
 */
struct names_memo {
  alignas(16) char text[64];
  std::uint64_t mask;  // one bit per byte of the list
  std::size_t len;     // 0: none

  /// s_at + len when the `len` bytes at `d + s_at` are the list and a ',' follows; else 0.
  /// `d + s_at` has 72 readable bytes (the caller checked the value's length).
  AUTHWIRE_SIGV4_INLINE std::size_t hit(const char* d, std::size_t s_at) const noexcept {
    if (len == 0 || d[s_at + len] != ',') return 0;
    const auto same = [&](unsigned k) {
      return std::uint64_t{static_cast<unsigned>(
                 _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d + s_at + k)),
                                                  _mm_load_si128(reinterpret_cast<const __m128i*>(text + k)))))}
             << k;
    };
    const std::uint64_t eq = (same(0) | same(16)) | (same(32) | same(48));
    return (eq | ~mask) == ~std::uint64_t{0} ? s_at + len : 0;
  }
  /// Keeps the list [s_at, s_end) when it has at most 64 bytes (and 64 readable from s_at).
  AUTHWIRE_SIGV4_INLINE void keep(const char* d, std::size_t s_at, std::size_t s_end) noexcept {
    const std::size_t k = s_end - s_at;
    if (k > 64) return;
    std::memcpy(text, d + s_at, 64);
    mask = k == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << k) - 1;
    len = k;
  }
};

/// This thread's names_memo.
inline names_memo& last_names() noexcept {
  thread_local names_memo m{};
  return m;
}

/// Where the parts of the usual header form lie (offsets into the value).
struct usual_offsets {
  std::size_t slash0, slash2, slash3, c_end, s_at, s_end, g_at;
};

/**
 * The usual header form, each component classified 16 bytes at a time (SSE2):
 * `AWS4-HMAC-SHA256 Credential=<c>,[SP]SignedHeaders=<s>,[SP]Signature=<64 lower hex>` where
 * the credential is made of [A-Za-z0-9._-] and '/' only (an access key of up to 63 bytes, a
 * scope of up to 62), and the signed headers are made of [a-z0-9-] and ';' only. True when the
 * value is of that shape and valid (what the general path accepts, with the same views); false
 * for anything else, valid or not (the caller then takes the other paths, which also give the
 * errors).
 */
AUTHWIRE_SIGV4_INLINE bool usual_authorization_sse2(const char* d, std::size_t n, const parse_limits& lim,
                                                    usual_offsets& o) noexcept {
  constexpr std::size_t c_at = 28;  // "AWS4-HMAC-SHA256 Credential="
  // The shortest: a credential of 27 bytes, ",SignedHeaders=host,Signature=" and 64 digits.
  if (n < c_at + 27 + 30 + 64) return false;
  const auto load16 = [d](std::size_t at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + at)); };
  {
    const __m128i e = _mm_and_si128(
        _mm_cmpeq_epi8(load16(0), _mm_loadu_si128(reinterpret_cast<const __m128i*>("AWS4-HMAC-SHA256"))),
        _mm_cmpeq_epi8(load16(12), _mm_loadu_si128(reinterpret_cast<const __m128i*>("A256 Credential="))));
    if (_mm_movemask_epi8(e) != 0xFFFF) return false;
  }
  // The credential, 64 bytes at once: it ends at the first byte outside [A-Za-z0-9._-/], which
  // must be ','. When it is longer, the 64 bytes from its first '/' (an access key of up to 63
  // bytes, a scope of up to 62): a valid value has 94 bytes after the credential, so 120 from
  // its first '/'.
  std::size_t cw = c_at;  // where the 64 bytes start (n >= c_at + 121)
  std::uint64_t ok = 0, slash = 0;
  for (bool again = true;; again = false) {
    ok = slash = 0;
    for (unsigned k = 0; k < 64; k += 16) {
      const __m128i x = load16(cw + k);
      ok |= std::uint64_t{scope_or_slash_bytes(x)} << k;
      slash |= std::uint64_t{static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('/'))))} << k;
    }
    if (~ok != 0) break;
    if (!again || slash == 0) return false;
    cw += static_cast<std::size_t>(__builtin_ctzll(slash));
    if (n - cw < 120) return false;
  }
  const auto len = static_cast<unsigned>(__builtin_ctzll(~ok));  // the credential's end, from cw
  const std::size_t c_end = cw + len;
  if (d[c_end] != ',') return false;
  // key "/" 8DIGIT "/" region "/" service "/aws4_request": the first '/' after a non-empty key,
  // one 9 bytes later, one 13 bytes before the end, and exactly one between (non-empty parts).
  slash &= (std::uint64_t{1} << len) - 1;
  if (slash == 0) return false;
  const auto s0 = static_cast<unsigned>(__builtin_ctzll(slash));
  if (cw + s0 == c_at || s0 + 26 > len) return false;
  const std::uint64_t fixed = (std::uint64_t{1} << s0) | (std::uint64_t{1} << (s0 + 9)) | (std::uint64_t{1} << (len - 13));
  const std::uint64_t mid = slash ^ fixed;  // the region/service '/', alone
  if ((slash & fixed) != fixed || mid == 0 || (mid & (mid - 1)) != 0) return false;
  const auto s2 = static_cast<unsigned>(__builtin_ctzll(mid));
  if (s2 <= s0 + 10 || s2 >= len - 14 || load8(d + c_end - 12) != load8("aws4_req") ||
      load4(d + c_end - 4) != load4("uest") || !valid_date8(d + cw + s0 + 1))
    return false;
  // ",[SP]SignedHeaders=" and at least 72 bytes (what the names need; a valid value has at least
  // "host,Signature=" and 64 digits: 79).
  std::size_t i = c_end + 1 + (d[c_end + 1] == ' ' ? 1 : 0);
  if (n - i < 14 + 72 || load8(d + i) != load8("SignedHe") || load8(d + i + 6) != load8("Headers="))
    return false;
  const std::size_t s_at = i + 14;
  // The names (out of line: the loop over them keeps its registers), unless they are those of
  // the last list this thread accepted (byte for byte, then ','): the same checks would pass.
  names_memo& memo = last_names();
  std::size_t s_end = memo.hit(d, s_at);
  if (s_end == 0) {
    s_end = usual_names_sse2(d, n, s_at);
    if (s_end == 0) return false;
    memo.keep(d, s_at, s_end);
  }
  // The names are at most (length + 1) / 2: counted only when that is above the limit.
  if ((s_end - s_at + 1) / 2 > lim.max_signed_headers &&
      static_cast<std::size_t>(std::count(d + s_at, d + s_end, ';')) >= lim.max_signed_headers)
    return false;
  // ",[SP]Signature=" and 64 lower-case hex digits, the end of the value.
  i = s_end + 1 + (d[s_end + 1] == ' ' ? 1 : 0);
  if (n - i != 10 + 64 || load8(d + i) != load8("Signatur") || load8(d + i + 2) != load8("gnature="))
    return false;
  {
    // 64 lower-case hex digits: x - '0' or x - 'a', biased by 0x80, below 10 or 6 (signed).
    const __m128i c0 = _mm_set1_epi8(static_cast<char>(0x80 - '0')), ca = _mm_set1_epi8(static_cast<char>(0x80 - 'a'));
    const __m128i l10 = _mm_set1_epi8(static_cast<char>(0x80 + 10)), l6 = _mm_set1_epi8(static_cast<char>(0x80 + 6));
    const auto hex = [&](std::size_t at) {
      const __m128i x = load16(at);
      return _mm_or_si128(_mm_cmplt_epi8(_mm_add_epi8(x, c0), l10), _mm_cmplt_epi8(_mm_add_epi8(x, ca), l6));
    };
    const __m128i all = _mm_and_si128(_mm_and_si128(hex(i + 10), hex(i + 26)), _mm_and_si128(hex(i + 42), hex(i + 58)));
    if (_mm_movemask_epi8(all) != 0xFFFF) return false;
  }
  o = usual_offsets{cw + s0, cw + s2, c_end - 13, c_end, s_at, s_end, i + 10};
  return true;
}
#endif
}  // namespace detail

namespace detail {
/// parse_authorization without the SSE2 fast path (out of line: the fast path keeps its registers).
AUTHWIRE_SIGV4_NOINLINE result<authorization_view, errc> parse_authorization_general(std::string_view value,
                                                                                     const parse_limits& lim) {
  // The usual shape first; the view is built in one aggregate initialisation (no zeroing).
  if (std::size_t c_at, c_end, s_at, s_end, g_at;
      detail::usual_authorization_shape(value, c_at, c_end, s_at, s_end, g_at)) {
    const std::string_view cred(value.data() + c_at, c_end - c_at), sh(value.data() + s_at, s_end - s_at);
    if (auto c = parse_credential(cred, c_at); c && check_signed_headers(sh, s_at, lim))
      return authorization_view{*c, cred, sh, std::string_view(value.data() + g_at, 64), c_at, s_at, g_at};
  }
  std::size_t i = 0;
  const std::size_t n = value.size();
  auto ows = [&] {
    while (i < n && (value[i] == ' ' || value[i] == '\t')) ++i;
  };
  ows();
  const std::size_t s0 = i;
  while (i < n && is_tchar(value[i])) ++i;
  if (value.substr(s0, i - s0) != algorithm) return {errc::bad_scheme, s0};
  if (i == n) return {errc::missing_credential, n};
  if (value[i] != ' ' && value[i] != '\t') return {errc::expected_space, i};
  ows();
  authorization_view a;
  bool seen[3] = {false, false, false};
  if (i == n) return {errc::missing_credential, n};
  for (;;) {
    const std::size_t name_at = i;
    // The three names, each followed by '=' (a fast path), or else a scan of the letters.
    int which = -1;
    const std::string_view rest = value.substr(i);
    if (rest.size() > 10 && rest[10] == '=' && rest.substr(0, 10) == "Credential") {
      which = 0;
      i += 10;
    } else if (rest.size() > 13 && rest[13] == '=' && rest.substr(0, 13) == "SignedHeaders") {
      which = 1;
      i += 13;
    } else if (rest.size() > 9 && rest[9] == '=' && rest.substr(0, 9) == "Signature") {
      which = 2;
      i += 9;
    } else {
      while (i < n && ((value[i] >= 'A' && value[i] <= 'Z') || (value[i] >= 'a' && value[i] <= 'z'))) ++i;
      const std::string_view name = value.substr(name_at, i - name_at);
      if (name.empty()) return {errc::expected_component, name_at};
      which = name == "Credential" ? 0 : name == "SignedHeaders" ? 1 : name == "Signature" ? 2 : -1;
    }
    if (which < 0) return {errc::unknown_component, name_at};
    if (seen[which]) return {errc::duplicate_component, name_at};
    seen[which] = true;
    if (i == n || value[i] != '=') return {errc::expected_equals, i};
    ++i;
    const std::size_t v_at = i;
    // The value ends at ',' SP or HTAB. Fast path for the signature: 64 lower-case hex digits
    // (none of them an end) followed by an end.
    auto is_end = [](char c) { return c == ',' || c == ' ' || c == '\t'; };
    bool signature_checked = false;
    if (which == 2 && n - v_at >= 64 && (n - v_at == 64 || is_end(value[v_at + 64])) &&
        detail::check_signature_hex(value.substr(v_at, 64), v_at)) {
      i = v_at + 64;
      signature_checked = true;
    } else {
      i = detail::find_value_end(value, v_at);
    }
    const std::string_view v = value.substr(v_at, i - v_at);
    if (which == 0) {
      auto c = parse_credential(v, v_at);
      if (!c) return c.error();
      a.credential = *c;
      a.credential_text = v;
      a.credential_offset = v_at;
    } else if (which == 1) {
      auto c = check_signed_headers(v, v_at, lim);
      if (!c) return c.error();
      a.signed_headers = v;
      a.signed_headers_offset = v_at;
    } else {
      auto c = signature_checked ? result<void, errc>{} : detail::check_signature_hex(v, v_at);
      if (!c) return c.error();
      a.signature = v;
      a.signature_offset = v_at;
    }
    ows();
    if (i == n) break;
    if (value[i] != ',') return {errc::expected_comma, i};
    ++i;
    ows();
    if (i == n) return {errc::expected_component, n};
  }
  if (!seen[0]) return {errc::missing_credential, n};
  if (!seen[1]) return {errc::missing_signed_headers, n};
  if (!seen[2]) return {errc::missing_signature, n};
  return a;
}
}  // namespace detail

/**
 * Parses an Authorization value of the SigV4 header form, with the grammar AWS defines.
 *
 * @par Grammar (AWS General Reference, "Add the signature to the HTTP request")
 * @code
 *   authorization = "AWS4-HMAC-SHA256" 1*SP component *( OWS "," OWS component ) OWS
 *   component     = "Credential=" credential
 *                 / "SignedHeaders=" signed-headers
 *                 / "Signature=" 64LOWERHEX
 * @endcode
 * Each component exactly once, in any order. Leading OWS is skipped. The usual form (the one
 * AWS SDKs send) is checked 16 bytes at a time where SSE2 is available, with the same result.
 * @return the view; on error an errc and the byte offset into `value`.
 */
[[nodiscard]] inline result<authorization_view, errc> parse_authorization(std::string_view value,
                                                                          const parse_limits& lim = {}) {
#if AUTHWIRE_SSE2
  // The usual shape and content, one SSE2 pass per component.
  if (detail::usual_offsets o; detail::usual_authorization_sse2(value.data(), value.size(), lim, o)) {
    const char* const d = value.data();
    constexpr std::size_t c_at = 28;
    return authorization_view{
        credential_scope{std::string_view(d + c_at, o.slash0 - c_at), std::string_view(d + o.slash0 + 1, 8),
                         std::string_view(d + o.slash0 + 10, o.slash2 - o.slash0 - 10),
                         std::string_view(d + o.slash2 + 1, o.slash3 - o.slash2 - 1),
                         std::string_view(d + o.slash0 + 1, o.c_end - o.slash0 - 1)},
        std::string_view(d + c_at, o.c_end - c_at),
        std::string_view(d + o.s_at, o.s_end - o.s_at),
        std::string_view(d + o.g_at, 64),
        c_at,
        o.s_at,
        o.g_at};
  }
#endif
  return detail::parse_authorization_general(value, lim);
}

/**
 * The authentication parameters of a presigned URL, percent-decoded. Offsets are into the
 * query string (after '?') and point at the `key=value` element.
 */
struct presigned_params {
  std::string algorithm, credential, date, expires, signed_headers, signature, security_token;
  bool has_security_token = false;
  std::int64_t expires_seconds = 0;
  std::size_t credential_offset = 0, date_offset = 0, signed_headers_offset = 0, signature_offset = 0;
  /// The credential scope (views into `credential`; valid while this object is unchanged).
  result<credential_scope, errc> scope() const { return parse_credential(credential, 0); }
};

namespace detail {
/// The per-thread presigned_params the verifier parses into (reused; the verifier wipes its
/// security token before returning). Not API.
inline presigned_params& presigned_scratch() noexcept {
  thread_local presigned_params p;
  return p;
}

// The seven X-Amz-* parameters; index into presigned_params fields.
inline constexpr std::string_view query_names[] = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                                                   "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
                                                   "X-Amz-Security-Token"};
inline int query_name_index(std::string_view key) noexcept {
  // Keys are compared after decoding; the names need no escapes, so compare raw first.
  for (int k = 0; k < 7; ++k)
    if (iequals(key, query_names[k])) return k;
  return -1;
}

/// Calls f(key_raw, value_raw, has_equals, element_offset) for every non-empty '&' element.
template <class F>
inline bool for_each_query(std::string_view q, F&& f) {
  std::size_t b = 0;
  for (std::size_t i = 0; i <= q.size(); ++i) {
    if (i < q.size() && q[i] != '&') continue;
    const std::string_view el = q.substr(b, i - b);
    if (!el.empty()) {
      const auto eq = el.find('=');
      if (eq == std::string_view::npos) {
        if (!f(el, std::string_view{}, false, b)) return false;
      } else {
        if (!f(el.substr(0, eq), el.substr(eq + 1), true, b)) return false;
      }
    }
    b = i + 1;
  }
  return true;
}
}  // namespace detail

/// True when the query carries presigned-URL parameters (X-Amz-Algorithm, -Credential or -Signature).
inline bool has_presigned_parameters(std::string_view query) {
  bool found = false;
  detail::for_each_query(query, [&](std::string_view k, std::string_view, bool, std::size_t) {
    const int idx = detail::query_name_index(k);
    if (idx == 0 || idx == 1 || idx == 5) found = true;
    return !found;
  });
  return found;
}

/**
 * Parses the presigned-URL parameters of a query string (without the '?').
 *
 * @par Grammar (AWS S3 API Reference, "Authenticating Requests: Using Query Parameters")
 * @code
 *   X-Amz-Algorithm=AWS4-HMAC-SHA256 & X-Amz-Credential=<credential> & X-Amz-Date=<YYYYMMDDTHHMMSSZ>
 *   & X-Amz-Expires=1*DIGIT (1..604800) & X-Amz-SignedHeaders=<signed-headers>
 *   & X-Amz-Signature=64LOWERHEX [ & X-Amz-Security-Token=<token> ]
 * @endcode
 * Each parameter at most once (names compared case-insensitively); other parameters are left alone.
 * @return the parameters; errors: duplicate_query_parameter, bad_query_encoding,
 *         missing_query_parameter (offset: end), bad_algorithm, bad_expires, bad_credential...,
 *         bad_signed_headers..., bad_signature_format, bad_date, too_many_items.
 */
[[nodiscard]] inline result<presigned_params, errc> parse_presigned(std::string_view query,
                                                                    const parse_limits& lim = {}) {
  presigned_params p;
  std::string* fields[7] = {&p.algorithm, &p.credential, &p.date, &p.expires, &p.signed_headers, &p.signature,
                            &p.security_token};
  bool seen[7] = {};
  std::size_t at[7] = {};
  std::size_t count = 0;
  basic_error<errc> err{errc::ok, 0};
  detail::for_each_query(query, [&](std::string_view k, std::string_view v, bool, std::size_t off) {
    if (++count > lim.max_query_parameters) {
      err = {errc::too_many_items, off};
      return false;
    }
    std::string key;
    if (k.find('%') != std::string_view::npos) {
      if (detail::percent_decode(key, k, false) != std::string_view::npos) {
        // An undecodable key cannot be an X-Amz-* name; leave it to the canonical query.
        return true;
      }
      k = key;
    }
    const int idx = detail::query_name_index(k);
    if (idx < 0) return true;
    if (seen[idx]) {
      err = {errc::duplicate_query_parameter, off};
      return false;
    }
    seen[idx] = true;
    at[idx] = off;
    const std::size_t bad = detail::percent_decode(*fields[idx], v, false);
    if (bad != std::string_view::npos) {
      err = {errc::bad_query_encoding, static_cast<std::size_t>(v.data() - query.data()) + bad};
      return false;
    }
    return true;
  });
  if (err.code != errc::ok) return err;
  for (int k = 0; k < 6; ++k)
    if (!seen[k]) return {errc::missing_query_parameter, query.size()};
  p.has_security_token = seen[6];
  if (p.algorithm != algorithm) return {errc::bad_algorithm, at[0]};
  {
    auto c = parse_credential(p.credential, 0);
    if (!c) return {c.code(), at[1]};
  }
  std::int64_t t = 0;
  if (!detail::parse_amz_date(p.date, t)) return {errc::bad_date, at[2]};
  if (p.expires.empty() || p.expires.size() > 7) return {errc::bad_expires, at[3]};
  std::int64_t e = 0;
  for (char c : p.expires) {
    if (!detail::is_digit(c)) return {errc::bad_expires, at[3]};
    e = e * 10 + (c - '0');
  }
  if (e < 1 || e > max_presigned_expires) return {errc::bad_expires, at[3]};
  p.expires_seconds = e;
  {
    auto c = check_signed_headers(p.signed_headers, 0, lim);
    if (!c) return {c.code(), at[4]};
  }
  {
    auto c = detail::check_signature_hex(p.signature, 0);
    if (!c) return {c.code(), at[5]};
  }
  p.credential_offset = at[1];
  p.date_offset = at[2];
  p.signed_headers_offset = at[4];
  p.signature_offset = at[5];
  return p;
}

}  // namespace aws_sigv4
}  // namespace v1
}  // namespace authwire
