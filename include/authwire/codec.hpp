// SPDX-License-Identifier: MIT
/**
 * @file codec.hpp
 * @brief Strict base64 and base64url (RFC 4648 section 4, section 5), lower-case hex (RFC 4648
 *        section 8), and a strict UTF-8 check (RFC 3629 section 4).
 *
 * Decoders are strict: the exact alphabet, canonical padding (or none, for base64url where
 * asked), zero pad bits, no whitespace. Errors carry the byte offset of the first bad byte.
 */
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config.hpp"
#include "error.hpp"
#include "result.hpp"

namespace authwire {
inline namespace v1 {

namespace detail {
constexpr char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// 0..63 for alphabet bytes, 0xFF otherwise.
constexpr std::array<std::uint8_t, 256> make_b64_table(const char* alphabet) {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
  return t;
}
inline constexpr auto b64_std_table = make_b64_table(b64_std);
inline constexpr auto b64_url_table = make_b64_table(b64_url);

inline void base64_encode_with(std::string& out, std::string_view in, const char* alphabet, bool pad) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t n = in.size(), i = 0;
  out.reserve(out.size() + (n + 2) / 3 * 4);
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
}

// pad: 1 = required, 0 = forbidden, 2 = optional. Writes the decoded bytes to `out`, which must
// hold base64_decoded_max(in.size()) bytes, and returns their number. On error, `out` may hold
// part of the decoded bytes. One pass: each complete quantum is four table lookups whose OR
// tells a stray byte (0xFF) apart; the first bad quantum, the last partial one and the padding
// are then checked in the order the errors are reported in:
//   1. the first byte of the data (all but at most two trailing '=') outside the alphabet;
//   2. with padding forbidden, the first '=';
//   3. a single data character left over: the end of the data;
//   4. with padding required, or present: '=' after a complete quantum (at the first '='),
//      or not exactly 4 - rem of them (at the end);
//   5. non-zero pad bits (RFC 4648 section 3.5): the last data character.
inline result<std::size_t> base64_decode_to_with(unsigned char* out, std::string_view in,
                                                 const std::array<std::uint8_t, 256>& table, int pad) noexcept {
  const char* const s = in.data();
  const std::size_t n = in.size();
  std::size_t data_len = n;
  while (data_len > 0 && s[data_len - 1] == '=' && n - data_len < 2) --data_len;
  const std::size_t pads = n - data_len;
  const std::size_t full = data_len & ~std::size_t{3};
  const auto at = [&](std::size_t i) noexcept -> std::uint32_t { return table[static_cast<unsigned char>(s[i])]; };
  unsigned char* o = out;
  std::size_t i = 0;
  for (; i < full; i += 4) {
    const std::uint32_t a = at(i), b = at(i + 1), c = at(i + 2), d = at(i + 3);
    if ((a | b | c | d) & 0x80) break;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<unsigned char>(v >> 16);
    o[1] = static_cast<unsigned char>(v >> 8);
    o[2] = static_cast<unsigned char>(v);
    o += 3;
  }
  // The bad quantum, if any, and the characters after the complete quanta.
  for (; i < data_len; ++i)
    if (at(i) == 0xFF) return {errc::bad_base64, i};
  if (pads > 0 && pad == 0) return {errc::bad_base64, data_len};
  const std::size_t rem = data_len - full;
  if (rem == 1) return {errc::bad_base64, data_len};
  if (pad == 1 || pads > 0) {
    if (rem == 0 && pads != 0) return {errc::bad_base64, data_len};
    if ((data_len + pads) % 4 != 0) return {errc::bad_base64, n};
  }
  if (rem == 2) {
    const std::uint32_t a = at(full), b = at(full + 1);
    if (b & 0x0F) return {errc::bad_base64, data_len - 1};
    *o++ = static_cast<unsigned char>((a << 2) | (b >> 4));
  } else if (rem == 3) {
    const std::uint32_t a = at(full), b = at(full + 1), c = at(full + 2);
    if (c & 0x03) return {errc::bad_base64, data_len - 1};
    const std::uint32_t v = (a << 10) | (b << 4) | (c >> 2);
    *o++ = static_cast<unsigned char>(v >> 8);
    *o++ = static_cast<unsigned char>(v);
  }
  return static_cast<std::size_t>(o - out);
}

// The std::string form: appends to `out`, which is left as it was on error.
inline result<void> base64_decode_with(std::string& out, std::string_view in,
                                       const std::array<std::uint8_t, 256>& table, int pad) {
  const std::size_t old = out.size();
  out.resize(old + (in.size() + 3) / 4 * 3);
  auto* const p = reinterpret_cast<unsigned char*>(out.data()) + old;
  const auto r = base64_decode_to_with(p, in, table, pad);
  if (!r) {
    for (std::size_t i = old; i < out.size(); ++i) out[i] = '\0';  // no partial output left behind
    out.resize(old);
    return r.error();
  }
  out.resize(old + *r);
  return {};
}
}  // namespace detail

/// base64 (RFC 4648 section 4) with padding, appended to `out`.
inline void base64_encode(std::string& out, std::string_view in) {
  detail::base64_encode_with(out, in, detail::b64_std, true);
}
/// base64 (RFC 4648 section 4) with padding.
[[nodiscard]] inline std::string base64_encode(std::string_view in) {
  std::string s;
  base64_encode(s, in);
  return s;
}
/// base64url (RFC 4648 section 5) without padding, as HOBA (RFC 7486 section 3) and JOSE use it.
[[nodiscard]] inline std::string base64url_encode(std::string_view in, bool pad = false) {
  std::string s;
  detail::base64_encode_with(s, in, detail::b64_url, pad);
  return s;
}

/**
 * Strict base64 (RFC 4648 section 4): the standard alphabet, `=` padding to a multiple of four,
 * zero pad bits, no whitespace. Appends the decoded bytes to `out`.
 * @return errc::bad_base64 at the offset of the first offending byte.
 */
[[nodiscard]] inline result<void> base64_decode(std::string& out, std::string_view in) {
  return detail::base64_decode_with(out, in, detail::b64_std_table, 1);
}

/// How base64url input may be padded.
enum class padding : std::uint8_t { forbidden, required, optional };

namespace detail {
constexpr int padding_mode(padding pad) noexcept {
  return pad == padding::forbidden ? 0 : pad == padding::required ? 1 : 2;
}
}  // namespace detail

/// Strict base64url (RFC 4648 section 5). Appends the decoded bytes to `out`.
[[nodiscard]] inline result<void> base64url_decode(std::string& out, std::string_view in,
                                                   padding pad = padding::forbidden) {
  return detail::base64_decode_with(out, in, detail::b64_url_table, detail::padding_mode(pad));
}

/// The most bytes that `base64_decode_to` or `base64url_decode_to` write for `n` input characters.
constexpr std::size_t base64_decoded_max(std::size_t n) noexcept { return (n + 3) / 4 * 3; }

/**
 * Strict base64 (RFC 4648 section 4) into the caller's buffer, with the rules and error offsets
 * of `base64_decode`. No allocation.
 * @param out at least `base64_decoded_max(in.size())` bytes. On error it may hold part of the
 *        decoded bytes (wipe it if they are secret).
 * @return the number of bytes written, or errc::bad_base64 at the offset of the first offending byte.
 */
[[nodiscard]] inline result<std::size_t> base64_decode_to(unsigned char* out, std::string_view in) noexcept {
  return detail::base64_decode_to_with(out, in, detail::b64_std_table, 1);
}

/// Strict base64url (RFC 4648 section 5) into the caller's buffer; see base64_decode_to.
[[nodiscard]] inline result<std::size_t> base64url_decode_to(unsigned char* out, std::string_view in,
                                                             padding pad = padding::forbidden) noexcept {
  return detail::base64_decode_to_with(out, in, detail::b64_url_table, detail::padding_mode(pad));
}

/// Lower-case hex of `in`, appended to `out`.
inline void hex_encode(std::string& out, std::string_view in) {
  constexpr char digits[] = "0123456789abcdef";
  out.reserve(out.size() + in.size() * 2);
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    out += digits[c >> 4];
    out += digits[c & 15];
  }
}
[[nodiscard]] inline std::string hex_encode(std::string_view in) {
  std::string s;
  hex_encode(s, in);
  return s;
}

/// The value of one hex digit (either case), or -1.
constexpr int hex_value(char c) noexcept {
  return (c >= '0' && c <= '9')   ? c - '0'
         : (c >= 'a' && c <= 'f') ? c - 'a' + 10
         : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                  : -1;
}

/**
 * Decode hex digits (either case) into `out`, which must hold `in.size() / 2` bytes.
 * @return errc::bad_hex at the first non-hex byte, or at the end for an odd length.
 */
[[nodiscard]] inline result<void> hex_decode(unsigned char* out, std::string_view in) noexcept {
  if (in.size() % 2) return {errc::bad_hex, in.size()};
  for (std::size_t i = 0; i < in.size(); i += 2) {
    const int hi = hex_value(in[i]), lo = hex_value(in[i + 1]);
    if (hi < 0) return {errc::bad_hex, i};
    if (lo < 0) return {errc::bad_hex, i + 1};
    out[i / 2] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return {};
}

/**
 * The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629 section 4),
 * or `npos` when all of `s` is valid. Strict: no overlong forms, no surrogates (U+D800 to
 * U+DFFF), nothing above U+10FFFF, no truncated sequence.
 *
 * @par Grammar (RFC 3629 section 4)
 * @code
 *   UTF8-char   = UTF8-1 / UTF8-2 / UTF8-3 / UTF8-4
 *   UTF8-1      = %x00-7F
 *   UTF8-2      = %xC2-DF UTF8-tail
 *   UTF8-3      = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
 *                 %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
 *   UTF8-4      = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
 *                 %xF4 %x80-8F 2( UTF8-tail )
 *   UTF8-tail   = %x80-BF
 * @endcode
 */
constexpr std::size_t utf8_error_offset(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;  // a continuation byte, C0/C1 (overlong) or F5-FF
    }
    for (std::size_t k = 1; k < len; ++k) {
      if (i + k >= n) return i + k;
      const auto t = static_cast<unsigned char>(s[i + k]);
      const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      if (t < l || t > h) return i + k;
    }
    i += len;
  }
  return std::string_view::npos;
}

/// True when `s` is well-formed UTF-8 (see utf8_error_offset).
constexpr bool is_valid_utf8(std::string_view s) noexcept { return utf8_error_offset(s) == std::string_view::npos; }


/// attr-char (RFC 8187 section 3.2.1): ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" /
/// "." / "^" / "_" / "`" / "|" / "~".
constexpr bool is_attr_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '!' || c == '#' ||
         c == '$' || c == '&' || c == '+' || c == '-' || c == '.' || c == '^' || c == '_' || c == '`' || c == '|' ||
         c == '~';
}

/**
 * Decodes an RFC 8187 ext-value into `out` (cleared first). Only UTF-8 is accepted, and the
 * decoded bytes must be well-formed UTF-8.
 *
 * @par Grammar (RFC 8187 section 3.2.1)
 * @code
 *   ext-value     = charset  "'" [ language ] "'" value-chars
 *   charset       = "UTF-8" / mime-charset
 *   value-chars   = *( pct-encoded / attr-char )
 *   pct-encoded   = "%" HEXDIG HEXDIG
 * @endcode
 * @return errc::bad_value at 0 when there is no `charset'language'` prefix or the charset is not
 *   UTF-8, at the offending byte for a bad language tag, escape or character, and at the start
 *   of value-chars when the decoded bytes are not UTF-8.
 */
[[nodiscard]] inline result<void> decode_ext_value(std::string_view ext, std::string& out) {
  out.clear();
  const std::size_t q1 = ext.find('\'');
  const std::size_t q2 = q1 == std::string_view::npos ? q1 : ext.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return {errc::bad_value, 0};
  {
    constexpr std::string_view utf8 = "utf-8";
    bool same = q1 == utf8.size();
    for (std::size_t i = 0; same && i < q1; ++i)
      same = (ext[i] >= 'A' && ext[i] <= 'Z' ? static_cast<char>(ext[i] + 32) : ext[i]) == utf8[i];
    if (!same) return {errc::bad_value, 0};
  }
  for (std::size_t i = q1 + 1; i < q2; ++i) {
    const char c = ext[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return {errc::bad_value, i};
  }
  for (std::size_t i = q2 + 1; i < ext.size(); ++i) {
    const char c = ext[i];
    if (c == '%') {
      if (i + 2 >= ext.size()) return {errc::bad_value, i};
      const int hi = hex_value(ext[i + 1]), lo = hex_value(ext[i + 2]);
      if (hi < 0 || lo < 0) return {errc::bad_value, i};
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (is_attr_char(c)) {
      out += c;
    } else {
      return {errc::bad_value, i};
    }
  }
  if (!is_valid_utf8(out)) return {errc::bad_value, q2 + 1};
  return {};
}

/// Encodes `s` (UTF-8) as an RFC 8187 ext-value: `UTF-8''` and pct-encoded bytes.
inline std::string encode_ext_value(std::string_view s) {
  constexpr char digits[] = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (char c : s) {
    if (is_attr_char(c)) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += digits[u >> 4];
      out += digits[u & 15];
    }
  }
  return out;
}

}  // namespace v1
}  // namespace authwire
