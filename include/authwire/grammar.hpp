// SPDX-License-Identifier: MIT
/**
 * @file grammar.hpp
 * @brief The lexical rules of RFC 9110 section 5.6 and the auth-param lists of section 11, as views.
 *
 * @par Grammar (RFC 9110 section 5.6.2, section 5.6.4, section 11.2)
 * @code
 *   token         = 1*tchar
 *   tchar         = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *                   "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 *   quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
 *   qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
 *   quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
 *   token68       = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *   auth-param    = token BWS "=" BWS ( token / quoted-string )
 *   challenge     = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   credentials   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * @endcode
 *
 * The grammar knows no scheme. Parsing never allocates for headers of up to
 * `detail::inline_params` parameters; values are views into the caller's buffer and are
 * unescaped only on request.
 */
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "config.hpp"
#include "error.hpp"
#include "result.hpp"

namespace authwire {
inline namespace v1 {

/**
 * Limits applied while parsing, with safe defaults (Beast's parser limits, not macros).
 * Each limit exceeded gives its own errc.
 */
struct parse_options {
  std::size_t max_header_length = 16 * 1024;  ///< errc::header_too_long (all field lines together)
  std::size_t max_parameters = 64;             ///< per challenge or credentials: errc::too_many_parameters
  std::size_t max_value_length = 4096;         ///< per value or token68: errc::value_too_long
  std::size_t max_challenges = 16;             ///< per header: errc::too_many_challenges
};

namespace detail {

enum char_class : std::uint8_t {
  cc_tchar = 1,     // RFC 9110 section 5.6.2
  cc_token68 = 2,   // RFC 9110 section 11.2, without the trailing "="
  cc_qdtext = 4,    // RFC 9110 section 5.6.4, HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
  cc_qpair = 8,     // what may follow "\": HTAB / SP / VCHAR / obs-text
  cc_ctl = 16,      // %x00-1F / %x7F, HTAB excluded (it is OWS)
};

constexpr std::array<std::uint8_t, 256> make_char_table() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t v = 0;
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    const bool digit = c >= '0' && c <= '9';
    if (alpha || digit) v |= cc_tchar | cc_token68;
    switch (c) {
      case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
      case '^': case '`': case '|':
        v |= cc_tchar;
        break;
      case '+': case '-': case '.': case '_': case '~':
        v |= cc_tchar | cc_token68;
        break;
      case '/':
        v |= cc_token68;
        break;
      default: break;
    }
    if (c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || c >= 0x80)
      v |= cc_qdtext;
    if (c == '\t' || (c >= 0x20 && c <= 0x7E) || c >= 0x80) v |= cc_qpair;
    if ((c < 0x20 && c != '\t') || c == 0x7F) v |= cc_ctl;
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}
inline constexpr auto char_table = make_char_table();

constexpr bool has_class(char c, std::uint8_t cls) noexcept {
  return (char_table[static_cast<unsigned char>(c)] & cls) != 0;
}

/// ASCII-only lower-casing; HTTP names are case-insensitive in ASCII only.
constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

/*
 * Runs of one character class, 16 bytes at a time where SSE2 is there (every x86-64). A SIMD
 * step only skips bytes that certainly belong to the run; the scalar loop after it, on the
 * 256-entry table, is the authority on every byte it sees, so both paths return the same index.
 * Loads never reach past the end of the input: the last partial block is read as the last 16
 * bytes of the input (inputs shorter than 16 bytes are scanned by the scalar loop alone).
 * AUTHWIRE_NO_SIMD selects the scalar loops everywhere (the tests build both).
 */
#if AUTHWIRE_SSE2
/// Bit k set for each byte k of `x` that ends a quoted-string body run: DQUOTE, "\\", DEL and
/// every byte below 0x20 (HTAB too: the scalar loop accepts it).
struct qdtext_stops {
  static unsigned mask(__m128i x) noexcept {
  const __m128i stop =
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                   _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)),
                                _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x)));
  return static_cast<unsigned>(_mm_movemask_epi8(stop));
  }
};
/// The bytes of `x` that end a quoted-string body run besides DQUOTE and the controls: "\\" and DEL.
inline __m128i qdtext_bad_eq(__m128i x) noexcept {
  return _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\\')), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
}
/// True when some byte of a block ends a quoted-string body run other than at a DQUOTE: `lo` is
/// the bytewise minimum of the blocks (a control byte anywhere makes it one), `eq` the OR of
/// their qdtext_bad_eq masks.
inline bool qdtext_bad(__m128i lo, __m128i eq) noexcept {
  const __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(lo, _mm_set1_epi8(0x1F)), lo);
  return _mm_movemask_epi8(_mm_or_si128(ctl, eq)) != 0;
}
/// The index of the lowest set bit of `m` (not 0).
inline std::size_t low_bit(unsigned m) noexcept { return static_cast<unsigned>(__builtin_ctz(m)); }
/// A byte mask of the bytes of `x` in [lo, lo + len), len <= 128: shifted so that the range
/// starts at -128, one signed compare (SSE2 has no unsigned one).
inline __m128i in_range(__m128i x, char lo, int len) noexcept {
  const __m128i y = _mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(-128 - lo)));
  return _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(-128 + len)), y);
}
/// Bit k clear for each byte k of `x` that is an ASCII letter or digit, or one of the bytes that
/// `extra` accepts (a byte mask of the same shape); set otherwise.
inline unsigned alnum_stops(__m128i x, __m128i extra) noexcept {
  const __m128i ok = _mm_or_si128(
      _mm_or_si128(in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 26), in_range(x, '0', 10)), extra);
  return static_cast<unsigned>(_mm_movemask_epi8(ok)) ^ 0xFFFFu;
}
/// Bit k set for each byte k of `x` that is an ASCII letter.
inline unsigned alnum_letters(__m128i x) noexcept {
  return static_cast<unsigned>(_mm_movemask_epi8(in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 26)));
}
/// tchar fast set: letters, digits, "-", ".", "_" (other tchars are left to the scalar loop).
struct token_stops {
  static unsigned mask(__m128i x) noexcept {
    return alnum_stops(x, _mm_or_si128(in_range(x, '-', 2), _mm_cmpeq_epi8(x, _mm_set1_epi8('_'))));
  }
};
/// token68 without "=": letters, digits, "-", ".", "/", "+", "_", "~" (exact).
struct token68_stops {
  static unsigned mask(__m128i x) noexcept {
    return alnum_stops(x, _mm_or_si128(_mm_or_si128(in_range(x, '-', 3), _mm_cmpeq_epi8(x, _mm_set1_epi8('+'))),
                                       _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('_')),
                                                    _mm_cmpeq_epi8(x, _mm_set1_epi8('~')))));
  }
};
/// The first index at or after `i` (< n) whose byte `stops` flags, or the first index the SIMD
/// step cannot vouch for (n, or a position of the last partial block when n < 16).
template <class Stops>
inline std::size_t simd_run(const char* s, std::size_t i, std::size_t n) noexcept {
  for (; i + 16 <= n; i += 16) {
    const unsigned m = Stops::mask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
    if (m != 0) return i + static_cast<std::size_t>(__builtin_ctz(m));
  }
  if (i < n && n >= 16) {
    // Fewer than 16 bytes left: the last 16 bytes of the input, without those before i.
    const unsigned m = Stops::mask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n - 16))) >> (i - (n - 16));
    return m != 0 ? i + static_cast<std::size_t>(__builtin_ctz(m)) : n;
  }
  return i;
}
#endif

/// First index at or after `i` whose byte is not of class `cls`, or `n`.
inline std::size_t scalar_run(const char* s, std::size_t i, std::size_t n, std::uint8_t cls) noexcept {
  while (i < n && has_class(s[i], cls)) ++i;
  return i;
}
/// First index at or after `i` whose byte is not qdtext (RFC 9110 section 5.6.4), or `n`.
inline std::size_t skip_qdtext(const char* s, std::size_t i, std::size_t n) noexcept {
#if AUTHWIRE_SSE2
  // A stop right away (escape after escape) costs one table lookup, not a block.
  if (i >= n || !has_class(s[i], cc_qdtext)) return i;
  i = simd_run<qdtext_stops>(s, i, n);
  // From 16 bytes on, every stop the blocks report is a stop of the byte loop too, but HTAB.
  if (n >= 16 && (i >= n || s[i] != '\t')) return i;
#endif
  return scalar_run(s, i, n, cc_qdtext);
}
/// First index at or after `i` whose byte is not a tchar (RFC 9110 section 5.6.2), or `n`.
inline std::size_t skip_tchar(const char* s, std::size_t i, std::size_t n) noexcept {
#if AUTHWIRE_SSE2
  i = simd_run<token_stops>(s, i, n);
  // The usual stops ("=", SP) are no tchar: no table lookup after the loads for them.
  if (i < n && (s[i] == '=' || s[i] == ' ')) return i;
#endif
  return scalar_run(s, i, n, cc_tchar);
}
/// First index at or after `i` whose byte is not a token68 character (without "="), or `n`.
inline std::size_t skip_token68(const char* s, std::size_t i, std::size_t n) noexcept {
#if AUTHWIRE_SSE2
  i = simd_run<token68_stops>(s, i, n);
  if (n >= 16) return i;  // the block mask is exact: every stop it reports is one
#endif
  return scalar_run(s, i, n, cc_token68);
}

}  // namespace detail

/// tchar (RFC 9110 section 5.6.2).
constexpr bool is_tchar(char c) noexcept { return detail::has_class(c, detail::cc_tchar); }

/// True when `s` is a non-empty token (RFC 9110 section 5.6.2).
constexpr bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

/// True when `s` is a token68 (RFC 9110 section 11.2): 1*( ALPHA / DIGIT / -._~+/ ) *"=".
constexpr bool is_token68(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && detail::has_class(s[i], detail::cc_token68)) ++i;
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') ++i;
  return i == s.size();
}

/// Case-insensitive ASCII comparison, as for scheme and parameter names (RFC 9110 section 11.1, section 11.2).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (detail::ascii_lower(a[i]) != detail::ascii_lower(b[i])) return false;
  return true;
}

/**
 * The auth-scheme that starts a credentials or challenge value: the token after leading OWS,
 * and its byte offset. Empty when the value does not start with a token. This is how a server
 * picks the scheme before the scheme parses the rest with its own grammar (SigV4's is not
 * RFC 9110's).
 */
constexpr std::pair<std::string_view, std::size_t> leading_scheme(std::string_view value) noexcept {
  std::size_t i = 0;
  while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
  std::size_t j = i;
  while (j < value.size() && is_tchar(value[j])) ++j;
  return {value.substr(i, j - i), i};
}

/**
 * Removes the quoted-pair escapes from the inside of a quoted-string (no surrounding quotes),
 * appending the result to `out`.
 */
inline void unquote_to(std::string& out, std::string_view inner) {
  out.reserve(out.size() + inner.size());
  for (std::size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '\\' && i + 1 < inner.size()) ++i;
    out += inner[i];
  }
}

/**
 * One auth-param: `token BWS "=" BWS ( token / quoted-string )` (RFC 9110 section 11.2).
 * Views into the parsed input; valid while that buffer lives.
 */
struct auth_param_view {
  std::string_view name;       ///< as written
  std::string_view raw_value;  ///< a token, or the inside of the quoted-string with escapes kept
  std::uint32_t name_offset = 0;   ///< byte offset of the name in the (joined) input
  std::uint32_t value_offset = 0;  ///< byte offset of the value (its opening quote when quoted)
  bool quoted = false;         ///< the value was a quoted-string
  bool has_escapes = false;    ///< the quoted-string contains quoted-pairs

  /// The value with quoted-pairs removed (a copy).
  std::string value() const {
    if (!has_escapes) return std::string(raw_value);
    std::string s;
    unquote_to(s, raw_value);
    return s;
  }
  /// The value without copying, when it has no escapes; check `has_escapes` first.
  std::string_view value_view() const noexcept { return raw_value; }
  /// Case-insensitive name comparison.
  bool is(std::string_view n) const noexcept { return iequals(name, n); }
};

namespace detail {

inline constexpr std::size_t inline_params = 32;
inline constexpr std::size_t inline_challenges = 8;

/// A vector of trivially copyable T that keeps its first N elements inline (no allocation).
template <class T, std::size_t N>
class small_vector {
  static_assert(std::is_trivially_copyable_v<T>, "small_vector holds trivially copyable types");

 public:
  small_vector() = default;
  small_vector(const small_vector& o) { *this = o; }
  small_vector& operator=(const small_vector& o) {
    if (this == &o) return *this;
    size_ = 0;
    reserve(o.size_);
    std::memcpy(static_cast<void*>(data()), o.data(), o.size_ * sizeof(T));
    size_ = o.size_;
    return *this;
  }
  small_vector(small_vector&& o) noexcept { *this = std::move(o); }
  small_vector& operator=(small_vector&& o) noexcept {
    if (this == &o) return *this;
    if (o.heap_) {
      heap_ = std::move(o.heap_);
      cap_ = o.cap_;
    } else {
      heap_.reset();
      cap_ = N;
      std::memcpy(static_cast<void*>(inline_.items), o.inline_.items, o.size_ * sizeof(T));
    }
    size_ = o.size_;
    o.size_ = 0;
    o.cap_ = N;
    return *this;
  }

  void push_back(const T& v) {
    if (size_ == cap_) reserve(cap_ * 2);
    ::new (static_cast<void*>(data() + size_)) T(v);
    ++size_;
  }
  /// Appends a default-constructed element and returns it, to be filled in place (no copy
  /// through a temporary: its narrow stores would be reloaded as wide ones).
  T& emplace_back() {
    if (size_ == cap_) reserve(cap_ * 2);
    T* p = ::new (static_cast<void*>(data() + size_)) T;
    ++size_;
    return *p;
  }
  void reserve(std::size_t n) {
    if (n <= cap_) return;
    std::unique_ptr<T[]> h(new T[n]);
    std::memcpy(static_cast<void*>(h.get()), data(), size_ * sizeof(T));
    heap_ = std::move(h);
    cap_ = n;
  }
  /// Room for `k` more elements without growing: the caller writes data()[size()..size()+k)
  /// and then commits them with grow_by().
  std::size_t spare() const noexcept { return cap_ - size_; }
  void grow_by(std::size_t k) noexcept { size_ += k; }
  T* data() noexcept { return heap_ ? heap_.get() : inline_.items; }
  const T* data() const noexcept { return heap_ ? heap_.get() : inline_.items; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }
  T& back() noexcept { return data()[size_ - 1]; }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size_; }

 private:
  // Uninitialized inline storage: constructing or moving a list never touches the unused
  // slots (a parse result holds about 2 KiB of them; zeroing it cost more than the parse).
  union storage {
    storage() noexcept {}
    T items[N];
  };
  static_assert(std::is_trivially_destructible_v<T>, "small_vector holds trivially destructible types");
  storage inline_;
  std::unique_ptr<T[]> heap_;
  std::size_t size_ = 0;
  std::size_t cap_ = N;
};

}  // namespace detail

/// A read-only range of auth-params, with lookup by name.
class param_range {
 public:
  param_range() = default;
  param_range(const auth_param_view* b, std::size_t n) noexcept : begin_(b), size_(n) {}
  const auth_param_view* begin() const noexcept { return begin_; }
  const auth_param_view* end() const noexcept { return begin_ + size_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const auth_param_view& operator[](std::size_t i) const noexcept { return begin_[i]; }
  /// The parameter named `name` (case-insensitive), or nullptr. Names are unique per list.
  const auth_param_view* find(std::string_view name) const noexcept {
    for (const auto& p : *this)
      if (p.is(name)) return &p;
    return nullptr;
  }

 private:
  const auth_param_view* begin_ = nullptr;
  std::size_t size_ = 0;
};

/**
 * One challenge or credentials value: `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`.
 * Views into the parsed input and into the list that owns the parameters.
 */
struct challenge_view {
  std::string_view scheme;          ///< as written; compare with `is()`
  std::string_view token68;         ///< set when the value is a token68
  param_range params;               ///< empty when token68 is set
  std::uint32_t scheme_offset = 0;  ///< byte offset of the scheme in the (joined) input
  bool has_token68 = false;

  /// Case-insensitive scheme comparison (RFC 9110 section 11.1).
  bool is(std::string_view s) const noexcept { return iequals(scheme, s); }
  const auth_param_view* param(std::string_view name) const noexcept { return params.find(name); }
};

namespace detail {

enum class list_mode : std::uint8_t { challenges, credentials, params };

struct challenge_rec {
  std::string_view scheme;
  std::string_view token68;
  std::uint32_t scheme_offset;
  std::uint32_t first_param;
  std::uint32_t param_count;
  bool has_token68;
};

/// The output of one parse: challenges and the params they point into.
struct parsed_list {
  small_vector<challenge_rec, inline_challenges> challenges;
  small_vector<auth_param_view, inline_params> params;

  challenge_view view(std::size_t i) const noexcept {
    const auto& r = challenges[i];
    return {r.scheme, r.token68, param_range(params.data() + r.first_param, r.param_count), r.scheme_offset,
            r.has_token68};
  }
};

/// The tokenizer state that carries across field lines (a line break acts as ", ").
class list_parser {
 public:
  list_parser(list_mode mode, const parse_options& opts, parsed_list& out) noexcept
      : mode_(mode), opts_(opts), out_(out), state_(mode == list_mode::params ? open : none) {}

  result<void> line(std::string_view sv, std::size_t base) {
    base_ = base;
    const char* const s = sv.data();
    const std::size_t n = sv.size();
    std::size_t i = 0;
    while (true) {
      i = skip_ows(s, i, n);
      if (i >= n) return {};
      const char c = s[i];
      if (c == ',') {
        ++i;
        continue;
      }
      if (state_ == open) {
        const std::size_t f = fast_params(s, n, i);
        if (f != i) {
          i = f;
          continue;
        }
      }
      const std::size_t tok_begin = i;
      std::size_t after_tok = scheme_sp(s, i, n);
      if (after_tok != 0) {
        // The usual "scheme SP x" (see scheme_sp): what the checks below would find.
        i = after_tok + 1;
      } else {
        if (has_class(c, cc_ctl)) return err(errc::control_character, i);
        i = skip_tchar(s, i, n);
        if (i == tok_begin) return err(errc::expected_token, tok_begin);
        after_tok = i;
        const std::string_view tok(s + tok_begin, i - tok_begin);
        const bool sp_follows = i < n && s[i] == ' ';
        i = skip_ows(s, i, n);
        if (i < n && s[i] == '=') {
          i = param_from_name(s, n, tok, tok_begin, i);
          if (i == failed) return err_;
          continue;
        }
        if (mode_ == list_mode::params) return err(errc::expected_equals, i < n ? i : after_tok);
        if (i >= n || s[i] == ',') {
          auto r = start_challenge(tok, tok_begin);
          if (!r) return r;
          // "Scheme , p=v": after 1*SP the #auth-param list may begin with empty elements
          // (RFC 9110 section 5.6.1.2), so the challenge stays open for parameters. Without the
          // SP ("Scheme, p=v") the comma ends a parameter-less challenge. The same holds at the
          // end of a field line, since the lines are read as if joined by ", ".
          state_ = sp_follows ? open : bare;
          continue;
        }
        if (has_class(s[i], cc_ctl)) return err(errc::control_character, i);
        if (!sp_follows) return err(errc::expected_space, after_tok);
        // `1*SP ( token68 / #auth-param )`: HTAB after the SPs may only come before a comma (an
        // empty list element, handled above), never right before the token68 or first auth-param.
        for (std::size_t k = after_tok; k < i; ++k)
          if (s[k] == '\t') return err(errc::bad_character, k);
      }
      const std::string_view tok(s + tok_begin, after_tok - tok_begin);
      auto r = start_challenge(tok, tok_begin);
      if (!r) return r;
      // token68, or the first element of #auth-param. Letters, "=" and DQUOTE cannot start a
      // token68 (its "=" run would end at the DQUOTE), so that usual start skips the probe.
      if (!quoted_param_start(s, i, n)) {
        const std::size_t t_begin = i;
        std::size_t j = skip_token68(s, i, n);
        const bool any = j > t_begin;
        while (any && j < n && s[j] == '=') ++j;
        const std::size_t t_end = j;
        j = skip_ows(s, j, n);
        if (any && (j >= n || s[j] == ',')) {
          if (t_end - t_begin > opts_.max_value_length) return err(errc::value_too_long, t_begin);
          cur_->token68 = std::string_view(s + t_begin, t_end - t_begin);
          cur_->has_token68 = true;
          state_ = t68;
          i = j;
          continue;
        }
      }
      state_ = open;
      {
        const std::size_t f = fast_params(s, n, i);
        if (f != i) {
          i = f;
          continue;
        }
      }
      const std::size_t name_begin = i;
      i = skip_tchar(s, i, n);
      if (i == name_begin) return err(has_class(s[i], cc_ctl) ? errc::control_character : errc::bad_character, i);
      const std::string_view name(s + name_begin, i - name_begin);
      i = skip_ows(s, i, n);
      if (i >= n || s[i] != '=') {
        if (i < n && has_class(s[i], cc_ctl)) return err(errc::control_character, i);
        return err(errc::expected_equals, i);
      }
      i = param_from_name(s, n, name, name_begin, i);
      if (i == failed) return err_;
    }
  }

  result<void> finish(std::size_t total) {
    if (mode_ != list_mode::params && out_.challenges.empty()) return err_abs(errc::empty_input, total);
    return {};
  }

 private:
  enum state_t : std::uint8_t { none, bare, open, t68 };
  static constexpr std::size_t failed = ~std::size_t{0};

  error err(errc e, std::size_t i) const noexcept { return {e, base_ + i}; }
  static error err_abs(errc e, std::size_t off) noexcept { return {e, off}; }
  /// Records the error for line() and returns `failed`.
  std::size_t fail(errc e, std::size_t i) noexcept {
    err_ = {e, base_ + i};
    return failed;
  }

  /**
   * The usual start of a challenge or credentials at `i` (not in an Authentication-Info list):
   * 1 to 14 fast-set token bytes, one SP, then a byte that is none of OWS, ",", "=" or a CTL,
   * all in the block at `i`. Returns the index of the SP (the end of the scheme), or 0 when the
   * start is not of that shape or not known from one block. For that shape, the token, the SP
   * and the byte after it pass every check of line() that leads to start_challenge.
   */
  std::size_t scheme_sp(const char* s, std::size_t i, std::size_t n) const noexcept {
#if AUTHWIRE_SSE2
    if (i + 16 > n || mode_ == list_mode::params) return 0;
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    if (state_ == open) {
      // In an open list an element is mostly a parameter the fast path did not take: an "="
      // before the first SP rules the scheme out before the token class is computed.
      const unsigned spm = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8(' '))));
      const unsigned eqm = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8('='))));
      if ((eqm & (spm ^ (spm - 1))) != 0) return 0;
    }
    const unsigned tm = token_stops::mask(b);
    if ((tm & 0x7FFEu) == 0) return 0;  // the SP at 1..14, so the byte after it is in the block
    const std::size_t sp = i + low_bit(tm);
    if (sp == i || s[sp] != ' ') return 0;
    const char x = s[sp + 1];
    if (x == ' ' || x == '\t' || x == ',' || x == '=' || has_class(x, cc_ctl)) return 0;
    return sp;
#else
    (void)s;
    (void)i;
    (void)n;
    return 0;
#endif
  }

  /// True when the bytes from `i` are 1 to 15 ASCII letters, "=" and DQUOTE (then they are no
  /// token68, RFC 9110 section 11.2). False also when that is not known from one block.
  static bool quoted_param_start(const char* s, std::size_t i, std::size_t n) noexcept {
#if AUTHWIRE_SSE2
    if (i + 16 > n) return false;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const unsigned eqm = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('='))));
    if ((eqm & 0x7FFEu) == 0) return false;  // "=" at 1..14: the DQUOTE after it is in the input
    const unsigned before = (eqm - 1) & ~eqm;
    return (eqm & 1u) == 0 && (alnum_letters(x) & before) == before && s[i + low_bit(eqm) + 1] == '"';
#else
    (void)s;
    (void)i;
    (void)n;
    return false;
#endif
  }

  static std::size_t skip_ows(const char* s, std::size_t i, std::size_t n) noexcept {
    while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
  }

  /// A pre-filter for the uniqueness check: equal names (case-insensitive) get the same bit, so
  /// a name whose bit is not yet set in the challenge's mask cannot be a duplicate. The bit is
  /// 2 * (first byte + last byte) + 3 * length, mod 64: a letter's case (0x20) changes twice
  /// its byte by 64, so it changes nothing; the usual names of each scheme get distinct bits.
  static std::uint64_t name_bit(std::string_view name) noexcept {
    const unsigned f = static_cast<unsigned char>(name.front());
    const unsigned l = static_cast<unsigned char>(name.back());
    return std::uint64_t{1} << ((2u * (f + l) + 3u * static_cast<unsigned>(name.size())) & 63u);
  }

  result<void> start_challenge(std::string_view scheme, std::size_t at) {
    if (mode_ == list_mode::credentials && !out_.challenges.empty())
      return err(errc::more_than_one_credentials, at);
    if (out_.challenges.size() >= opts_.max_challenges) return err(errc::too_many_challenges, at);
    challenge_rec& c = out_.challenges.emplace_back();
    c.scheme = scheme;
    c.token68 = {};
    c.scheme_offset = static_cast<std::uint32_t>(base_ + at);
    c.first_param = static_cast<std::uint32_t>(out_.params.size());
    c.param_count = 0;
    c.has_token68 = false;
    cur_ = &c;
    name_mask_ = 0;
    return {};
  }

  /// End of a run of fast-set token bytes (letters, digits, "-", ".", "_"; at least those) at
  /// or after `i`; a stop short of the run's true end only sends an element to the full path.
  static std::size_t fast_token_end(const char* s, std::size_t i, std::size_t n) noexcept {
#if AUTHWIRE_SSE2
    return simd_run<token_stops>(s, i, n);
#else
    return scalar_run(s, i, n, cc_tchar);
#endif
  }
  static std::size_t fast_qdtext_end(const char* s, std::size_t i, std::size_t n) noexcept {
#if AUTHWIRE_SSE2
    return simd_run<qdtext_stops>(s, i, n);
#else
    return scalar_run(s, i, n, cc_qdtext);
#endif
  }

  /**
   * The common shape of the elements of an open #auth-param list, from `i` (the start of an
   * element): `name=token` or `name="qdtext without quoted-pairs"`, each followed by the end of
   * the line or by "," and at most one SP, within the limits and with a name whose bit is not
   * yet in the challenge's mask. Stops at the first element of any other shape (OWS around "=",
   * escapes, a possible duplicate, an error, a limit) and returns its start: the full path
   * takes it from there, so every outcome, error codes and offsets included, is the full
   * path's. Returns `i` when the first element is not of that shape, `n` when all were.
   */
  std::size_t fast_params(const char* s, std::size_t n, std::size_t i) {
    const std::size_t count = mode_ == list_mode::params ? out_.params.size() : cur_->param_count;
    const std::size_t limit = opts_.max_parameters < hashed_after ? opts_.max_parameters : hashed_after;
    if (count >= limit) return i;
    // Elements this call may add: within the parameter limit, the inline-checked uniqueness
    // range and the list's present capacity (the full path grows it).
    std::size_t budget = limit - count;
    if (budget > out_.params.spare()) budget = out_.params.spare();
    const std::size_t max_value = opts_.max_value_length;
    auth_param_view* const dst = out_.params.data() + out_.params.size();
    // Locals, not members: the stores of each parameter could otherwise alias them.
    std::uint64_t mask = name_mask_;
    const std::size_t base = base_;
    std::size_t added = 0;
    while (added < budget) {
      const std::size_t nb = i;
      std::size_t e, vb, ve, next;
      bool quoted;
#if AUTHWIRE_SSE2
      if (nb + 32 <= n) {
        // The name, "=" and the value from two loads at the element's start. The positions
        // that the next element's start depends on come from the "=" and DQUOTE masks
        // (compare, movemask, count), which do not wait for each other; the class masks
        // only decide, by branches, whether the element takes this path.
        const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + nb));
        const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + nb + 16));
        const unsigned eqm = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x0, _mm_set1_epi8('='))));
        if (eqm == 0) break;  // a name of 16 or more bytes: the full path
        e = nb + static_cast<std::size_t>(__builtin_ctz(eqm));
        if (e == nb) break;
        // The name is the run of fast-set bytes before the first "=". Letters are checked
        // first (three operations instead of the token class's eleven); any other byte in the
        // name takes the token class.
        const unsigned before = (eqm - 1) & ~eqm;
        unsigned tm = 0;
        const bool letters =
            (alnum_letters(x0) & before) == before || ((tm = token_stops::mask(x0)) & before) == 0;
        if (!letters) break;
        quoted = s[e + 1] == '"';
        if (quoted) {
          vb = e + 2;
          const __m128i dq = _mm_set1_epi8('"');
          const unsigned qq = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x0, dq))) |
                              (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x1, dq))) << 16);
          // The opening DQUOTE (at e + 1) is the window's first: a name holds none. The value
          // ends at the next one, and is qdtext when no other stop comes before; a window
          // without any other stop byte needs no closer look.
          const unsigned close = qq & (qq - 1);
          if (close != 0) {
            ve = nb + static_cast<std::size_t>(__builtin_ctz(close));
            if (qdtext_bad(_mm_min_epu8(x0, x1), _mm_or_si128(qdtext_bad_eq(x0), qdtext_bad_eq(x1))) &&
                simd_run<qdtext_stops>(s, vb, n) != ve)
              break;
          } else {
            // Further on, 32 bytes at a time (the last step ends at n): the first DQUOTE, and
            // the stop bytes of all blocks seen, together.
            __m128i lo = _mm_min_epu8(x0, x1);
            __m128i eq = _mm_or_si128(qdtext_bad_eq(x0), qdtext_bad_eq(x1));
            ve = 0;
            for (std::size_t p = nb + 32; p < n; p += 32) {
              const std::size_t at = p + 32 <= n ? p : n - 32;  // n - 32 >= nb
              const __m128i x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + at));
              const __m128i x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + at + 16));
              lo = _mm_min_epu8(lo, _mm_min_epu8(x2, x3));
              eq = _mm_or_si128(eq, _mm_or_si128(qdtext_bad_eq(x2), qdtext_bad_eq(x3)));
              const unsigned q2 = (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x2, dq))) |
                                   (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x3, dq))) << 16)) >>
                                  (p - at);
              if (q2 != 0) {
                ve = p + static_cast<std::size_t>(__builtin_ctz(q2));
                break;
              }
            }
            if (ve == 0 || (qdtext_bad(lo, eq) && simd_run<qdtext_stops>(s, vb, n) != ve)) break;
          }
          next = ve + 1;
        } else {
          vb = e + 1;
          if (tm == 0) tm = token_stops::mask(x0);
          const unsigned r = tm >> (vb - nb);  // vb - nb <= 16
          const unsigned cm = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x0, _mm_set1_epi8(','))));
          if (cm != 0) {
            // The value ends at the first "," (from its own mask) if no other stop comes first.
            ve = nb + static_cast<std::size_t>(__builtin_ctz(cm));
            if (r == 0 || vb + static_cast<std::size_t>(__builtin_ctz(r)) != ve) break;
          } else {
            ve = r != 0 ? vb + static_cast<std::size_t>(__builtin_ctz(r)) : fast_token_end(s, nb + 16, n);
          }
          if (ve == vb) break;
          next = ve;
        }
      } else
#endif
      {
        e = fast_token_end(s, nb, n);
        if (e == nb || e + 1 >= n || s[e] != '=') break;
        vb = e + 1;
        quoted = s[vb] == '"';
        if (quoted) {
          ++vb;
          ve = fast_qdtext_end(s, vb, n);
          if (ve >= n || s[ve] != '"') break;
          next = ve + 1;
        } else {
          ve = fast_token_end(s, vb, n);
          if (ve == vb) break;
          next = ve;
        }
      }
      const std::size_t v = e + 1;
      if ((next < n && s[next] != ',') || ve - vb > max_value) break;
      const std::string_view name(s + nb, e - nb);
      const std::uint64_t bit = name_bit(name);
      if (mask & bit) break;
      mask |= bit;
      auth_param_view& p = *::new (static_cast<void*>(dst + added)) auth_param_view;
      p.name = name;
      p.raw_value = std::string_view(s + vb, ve - vb);
      p.name_offset = static_cast<std::uint32_t>(base + nb);
      p.value_offset = static_cast<std::uint32_t>(base + v);
      p.quoted = quoted;
      p.has_escapes = false;
      ++added;
      i = next;
      if (i >= n) break;
      ++i;  // ","
      if (i < n && s[i] == ' ') ++i;
    }
    name_mask_ = mask;
    out_.params.grow_by(added);
    if (mode_ != list_mode::params) cur_->param_count += static_cast<std::uint32_t>(added);
    return i;
  }

  // `name` at name_at, '=' at eq. Parses the value; returns the index after the element, or
  // `failed` with the error in err_.
  std::size_t param_from_name(const char* s, std::size_t n, std::string_view name, std::size_t name_at,
                              std::size_t eq) {
    if (state_ != open) {
      return fail(state_ == t68 ? errc::token68_followed_by_more : errc::parameter_without_challenge, name_at);
    }
    std::size_t i = skip_ows(s, eq + 1, n);
    if (i >= n || s[i] == ',') return fail(errc::missing_value, i);
    const std::size_t value_at = i;
    std::string_view raw;
    bool quoted = false, esc = false;
    if (s[i] == '"') {
      const std::size_t open_q = i++;
      const std::size_t v_begin = i;
      while (true) {
        // qdtext excludes DQUOTE and "\\": run over plain text, then look at the stop byte.
        i = skip_qdtext(s, i, n);
        if (i >= n) return fail(errc::unterminated_quoted_string, open_q);
        const char c = s[i];
        if (c == '"') break;
        if (c == '\\') {
          if (i + 1 >= n) return fail(errc::unterminated_quoted_string, open_q);
          if (!has_class(s[i + 1], cc_qpair)) return fail(errc::control_character, i + 1);
          esc = true;
          i += 2;
          continue;
        }
        return fail(errc::control_character, i);  // neither qdtext, DQUOTE nor "\\"
      }
      if (i - v_begin > opts_.max_value_length) return fail(errc::value_too_long, open_q);
      raw = std::string_view(s + v_begin, i - v_begin);
      quoted = true;
      ++i;
    } else {
      const std::size_t v_begin = i;
      i = skip_tchar(s, i, n);
      if (i == v_begin) return fail(has_class(s[i], cc_ctl) ? errc::control_character : errc::bad_character, i);
      if (i - v_begin > opts_.max_value_length) return fail(errc::value_too_long, v_begin);
      raw = std::string_view(s + v_begin, i - v_begin);
    }
    if (i < n && s[i] != ',') {
      i = skip_ows(s, i, n);
      if (i < n && s[i] != ',')
        return fail(has_class(s[i], cc_ctl) ? errc::control_character : errc::junk_after_value, i);
    }
    // Attach to the current challenge (or the plain list): count limit and uniqueness.
    std::size_t first = 0, count = out_.params.size();
    if (mode_ != list_mode::params) {
      first = cur_->first_param;
      count = cur_->param_count;
    }
    if (count >= opts_.max_parameters) return fail(errc::too_many_parameters, name_at);
    if (count < hashed_after) {
      const std::uint64_t bit = name_bit(name);
      if (name_mask_ & bit) {
        const auth_param_view* ps = out_.params.data();
        for (std::size_t k = first; k < first + count; ++k)
          if (iequals(ps[k].name, name)) return fail(errc::duplicate_parameter, name_at);
      }
      name_mask_ |= bit;
    } else {
      // Many parameters (only with raised limits): a case-insensitive hash set keeps the
      // uniqueness check linear. It allocates, which ordinary headers never reach.
      if (!names_ || names_first_ != first) {
        names_ = std::make_unique<name_set>();
        names_first_ = first;
        const auth_param_view* ps = out_.params.data();
        for (std::size_t k = first; k < first + count; ++k) names_->insert(ps[k].name);
      }
      if (!names_->insert(name).second) return fail(errc::duplicate_parameter, name_at);
    }
    auth_param_view& p = out_.params.emplace_back();
    p.name = name;
    p.raw_value = raw;
    p.name_offset = static_cast<std::uint32_t>(base_ + name_at);
    p.value_offset = static_cast<std::uint32_t>(base_ + value_at);
    p.quoted = quoted;
    p.has_escapes = esc;
    if (mode_ != list_mode::params) ++cur_->param_count;
    return i;
  }

  struct ci_hash {
    std::size_t operator()(std::string_view v) const noexcept {
      std::size_t h = 14695981039346656037ull;
      for (char c : v) h = (h ^ static_cast<unsigned char>(ascii_lower(c))) * 1099511628211ull;
      return h;
    }
  };
  struct ci_equal {
    bool operator()(std::string_view a, std::string_view b) const noexcept { return iequals(a, b); }
  };
  using name_set = std::unordered_set<std::string_view, ci_hash, ci_equal>;
  // At inline_params, so that every header the parser keeps inline is also checked without
  // allocating (the quadratic scan is at most 496 comparisons, and the name mask skips most).
  static constexpr std::size_t hashed_after = inline_params;

  std::unique_ptr<name_set> names_;
  std::size_t names_first_ = 0;
  list_mode mode_;
  const parse_options& opts_;
  parsed_list& out_;
  state_t state_;
  challenge_rec* cur_ = nullptr;  ///< the open challenge (its record), when mode_ is not params
  std::uint64_t name_mask_ = 0;   ///< name_bit() of the current challenge's (or list's) names
  std::size_t base_ = 0;
  error err_{};
};

/// Parses field lines [first, last) of string_views as one header (joined by ", ").
template <class It>
result<void> parse_lines(It first, It last, list_mode mode, const parse_options& opts, parsed_list& out) {
  std::size_t total = 0;
  bool any = false;
  for (It it = first; it != last; ++it) {
    total += (any ? 2 : 0) + std::string_view(*it).size();
    any = true;
  }
  if (total > opts.max_header_length) return error{errc::header_too_long, opts.max_header_length};
  list_parser p(mode, opts, out);
  std::size_t base = 0;
  any = false;
  for (It it = first; it != last; ++it) {
    if (any) base += 2;
    any = true;
    const std::string_view line(*it);
    auto r = p.line(line, base);
    if (!r) return r;
    base += line.size();
  }
  return p.finish(total);
}

}  // namespace detail

/// How a builder writes a parameter value.
enum class quoting : std::uint8_t {
  as_needed,  ///< a token bare, anything else as a quoted-string
  always,     ///< always a quoted-string (e.g. `realm`, RFC 9110 section 11.5)
  never,      ///< always a token (e.g. Digest `algorithm`, `nc`); errc::value_must_be_quoted otherwise
};

namespace detail {
/// Appends `name=value` to `out` per `q`. Refuses CTLs (HTAB included) and non-token names.
inline result<void> append_param(std::string& out, std::string_view name, std::string_view value, quoting q) {
  if (!is_token(name)) return error{errc::bad_token, 0};
  for (std::size_t i = 0; i < value.size(); ++i)
    if (has_class(value[i], cc_ctl) || value[i] == '\t') return error{errc::bad_value, i};
  const bool tok = is_token(value);
  if (q == quoting::never && !tok) return error{errc::value_must_be_quoted, 0};
  out.append(name);
  out += '=';
  if (q == quoting::never || (q == quoting::as_needed && tok)) {
    out.append(value);
    return {};
  }
  out += '"';
  // In runs: everything up to the next DQUOTE or "\\" at once, then the escape.
  std::size_t run = 0;
  for (std::size_t k = 0; k < value.size(); ++k) {
    if (value[k] == '"' || value[k] == '\\') {
      out.append(value.data() + run, k - run);
      out += '\\';
      run = k;
    }
  }
  out.append(value.data() + run, value.size() - run);
  out += '"';
  return {};
}

/// Writes a comma-separated auth-param list after a prefix, each name at most once; keeps the
/// first error. Shared by the challenge, credentials and Authentication-Info builders.
class param_writer {
 public:
  std::string out;
  error err{};
  std::size_t count() const noexcept { return names_.size(); }
  bool ok() const noexcept { return err.code == errc::ok; }
  void fail(errc e, std::size_t off) noexcept {
    if (ok()) err = {e, off};
  }

  /// Adds `name=value`, preceded by `first_sep` for the first parameter and ", " after it.
  void add(std::string_view name, std::string_view value, quoting q, std::string_view first_sep) {
    if (!ok()) return;
    for (const auto& n : names_)
      if (iequals(std::string_view(out).substr(n.at, n.len), name)) return fail(errc::duplicate_parameter, 0);
    const std::size_t mark = out.size();
    out += names_.empty() ? first_sep : std::string_view(", ");
    const std::size_t at = out.size();
    auto r = append_param(out, name, value, q);
    if (!r) {
      out.resize(mark);
      return fail(r.code(), r.offset());
    }
    names_.push_back({static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(name.size())});
  }

 private:
  struct name_span {
    std::uint32_t at, len;
  };
  small_vector<name_span, 16> names_;
};
}  // namespace detail

}  // namespace v1
}  // namespace authwire
