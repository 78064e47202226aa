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

// pad: 1 = required, 0 = forbidden, 2 = optional.
inline result<void> base64_decode_with(std::string& out, std::string_view in,
                                       const std::array<std::uint8_t, 256>& table, int pad) {
  std::size_t n = in.size();
  std::size_t data_len = n;
  while (data_len > 0 && in[data_len - 1] == '=' && n - data_len < 2) --data_len;
  const std::size_t pads = n - data_len;
  // Alphabet first, so that a stray byte (whitespace, '=' inside the data, the other alphabet's
  // characters) is reported where it is, even when the length is also wrong.
  for (std::size_t i = 0; i < data_len; ++i)
    if (table[static_cast<unsigned char>(in[i])] == 0xFF) return {errc::bad_base64, i};
  if (pads > 0 && pad == 0) return {errc::bad_base64, data_len};
  const std::size_t rem = data_len % 4;
  if (rem == 1) return {errc::bad_base64, n == data_len ? n : data_len};
  if (pad == 1 || pads > 0) {
    // Padding, when present, must complete the last quantum exactly: none after a complete
    // quantum (reported at the first '='), otherwise exactly 4 - rem (reported at the end).
    if (rem == 0 && pads != 0) return {errc::bad_base64, data_len};
    if ((data_len + pads) % 4 != 0) return {errc::bad_base64, n};
  }
  // Non-zero pad bits in the last character (RFC 4648 section 3.5): checked before anything is
  // appended, so that `out` is untouched on every error.
  if (rem != 0) {
    const std::uint8_t last = table[static_cast<unsigned char>(in[data_len - 1])];
    if (last & (rem == 2 ? 0x0F : 0x03)) return {errc::bad_base64, data_len - 1};
  }
  out.reserve(out.size() + data_len / 4 * 3 + 2);
  std::uint32_t acc = 0;
  std::size_t i = 0;
  for (; i < data_len; ++i) {
    acc = (acc << 6) | table[static_cast<unsigned char>(in[i])];
    if ((i & 3) == 3) {
      out += static_cast<char>((acc >> 16) & 0xFF);
      out += static_cast<char>((acc >> 8) & 0xFF);
      out += static_cast<char>(acc & 0xFF);
      acc = 0;
    }
  }
  if (rem == 2) {
    out += static_cast<char>((acc >> 4) & 0xFF);
  } else if (rem == 3) {
    out += static_cast<char>((acc >> 10) & 0xFF);
    out += static_cast<char>((acc >> 2) & 0xFF);
  }
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

/// Strict base64url (RFC 4648 section 5). Appends the decoded bytes to `out`.
[[nodiscard]] inline result<void> base64url_decode(std::string& out, std::string_view in,
                                                   padding pad = padding::forbidden) {
  const int p = pad == padding::forbidden ? 0 : pad == padding::required ? 1 : 2;
  return detail::base64_decode_with(out, in, detail::b64_url_table, p);
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
