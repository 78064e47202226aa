// SPDX-License-Identifier: MIT
/**
 * @file aws_sigv4/canonical.hpp
 * @brief The canonical request, the string to sign, the signing key and its thread-safe cache.
 *
 * Part of `authwire/schemes/aws_sigv4.hpp`; include that header.
 */
#pragma once

#include <algorithm>
#include <atomic>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <string>
#include <vector>


#include "../../config.hpp"
#include "../../crypto.hpp"
#include "../../server.hpp"
#include "parse.hpp"

namespace authwire {
inline namespace v1 {
namespace aws_sigv4 {

/// How the canonical URI is made from the path as sent.
enum class path_mode : std::uint8_t {
  automatic,     ///< s3 for service "s3", normalized otherwise
  s3,            ///< the path as sent (already encoded once by the client); no normalization
  normalized,    ///< remove dot segments, collapse '//', then URI-encode the sent path again
  unnormalized,  ///< URI-encode the sent path again, without normalization
};

/// `automatic` resolved for `service`.
constexpr path_mode resolve(path_mode m, std::string_view service) noexcept {
  if (m != path_mode::automatic) return m;
  return service == "s3" ? path_mode::s3 : path_mode::normalized;
}

/// What the canonical request is made of. Views; nothing is copied.
struct canonical_input {
  std::string_view method;
  std::string_view path;            ///< the path as sent (before '?'), origin-form
  std::string_view query;           ///< the query as sent (after '?')
  const header_view* headers = nullptr;
  std::size_t header_count = 0;
  std::string_view signed_headers;  ///< `host;x-amz-date`
  std::string_view payload_hash;    ///< hex, or UNSIGNED-PAYLOAD / STREAMING-...
  path_mode mode = path_mode::normalized;
  bool drop_signature = false;      ///< leave out X-Amz-Signature (presigned)
  bool drop_security_token = false; ///< leave out X-Amz-Security-Token (token added after signing)
};

namespace detail {
/// Removes dot segments and collapses empty segments; keeps a trailing '/'.
inline void normalize_path(std::string& out, std::string_view p) {
  // Segments are views into p; a small stack of their offsets.
  thread_local std::vector<std::string_view> segs;
  segs.clear();
  std::size_t b = 0;
  for (std::size_t i = 0; i <= p.size(); ++i) {
    if (i < p.size() && p[i] != '/') continue;
    const std::string_view s = p.substr(b, i - b);
    if (s.empty() || s == ".") {
    } else if (s == "..") {
      if (!segs.empty()) segs.pop_back();
    } else {
      segs.push_back(s);
    }
    b = i + 1;
  }
  out += '/';
  for (std::size_t k = 0; k < segs.size(); ++k) {
    if (k) out += '/';
    out.append(segs[k]);
  }
  if (!segs.empty() && !p.empty() && p.back() == '/') out += '/';
}

struct query_item {
  std::uint32_t k, kn, v, vn;
};

/**
 * Feeds what is appended to it into a hasher through a small inline buffer: the canonical
 * request is hashed as it is produced (the same bytes), never materialised, with few
 * EVP_DigestUpdate calls. Has the parts of std::string's interface the canonical writers use.
 */
class hash_sink {
 public:
  explicit hash_sink(hasher& h) noexcept : h_(h) {}
  hash_sink(const hash_sink&) = delete;
  hash_sink& operator=(const hash_sink&) = delete;

#if defined(__GNUC__) || defined(__clang__)
  __attribute__((always_inline))
#endif
  void append(const char* p, std::size_t n) noexcept {
    if (n > sizeof buf_ - n_) {
      spill(p, n);
      return;
    }
    std::memcpy(buf_ + n_, p, n);
    n_ += n;
  }
  void append(std::string_view s) noexcept { append(s.data(), s.size()); }
  hash_sink& operator+=(char c) noexcept {
    if (n_ == sizeof buf_) flush();
    buf_[n_++] = c;
    return *this;
  }
  /// Hands the buffered bytes to the hasher; call before the hasher's final().
  void flush() noexcept {
    if (n_) h_.update(std::string_view(buf_, n_));
    n_ = 0;
  }

 private:
  // The rare case of append: the buffer is too full for `n` more bytes.
  void spill(const char* p, std::size_t n) noexcept {
    flush();
    if (n > sizeof buf_ / 2) {
      h_.update(std::string_view(p, n));
      return;
    }
    std::memcpy(buf_, p, n);
    n_ = n;
  }

  hasher& h_;
  std::size_t n_ = 0;
  char buf_[512];
};
}  // namespace detail

/**
 * Appends the canonical URI of `path` to `out`.
 * s3: the path as sent ("/" when empty). normalized / unnormalized: AWS UriEncode of the sent
 * path (every byte but unreserved and '/', so "%20" becomes "%2520"), after removing dot segments
 * and empty segments for `normalized`.
 */
template <class Out>
inline void append_canonical_uri(Out& out, std::string_view path, path_mode mode) {
  if (path.empty()) {
    out += '/';
    return;
  }
  if (mode == path_mode::s3 || mode == path_mode::automatic) {
    out.append(path);
    return;
  }
  if (mode == path_mode::normalized) {
    thread_local std::string tmp;
    tmp.clear();
    detail::normalize_path(tmp, path);
    detail::uri_encode(out, tmp, true);
  } else {
    detail::uri_encode(out, path, true);
  }
}

/**
 * Appends the canonical query string: each key and value percent-decoded and re-encoded per
 * AWS rules (unreserved kept, everything else %XX upper-case), sorted by key then value,
 * `key=` for a bare key, joined with '&'. X-Amz-Signature left out when `drop_signature`.
 */
template <class Out>
inline void append_canonical_query(Out& out, std::string_view query, bool drop_signature,
                                   bool drop_security_token = false) {
  if (query.empty()) return;
  thread_local std::string buf;
  thread_local std::vector<detail::query_item> items;
  buf.clear();
  items.clear();
  detail::for_each_query(query, [&](std::string_view k, std::string_view v, bool, std::size_t) {
    if (drop_signature || drop_security_token) {
      std::string key;
      std::string_view kk = k;
      if (k.find('%') != std::string_view::npos) {
        detail::percent_decode(key, k, true);
        kk = key;
      }
      const int idx = detail::query_name_index(kk);
      if ((drop_signature && idx == 5) || (drop_security_token && idx == 6)) return true;
    }
    detail::query_item it{};
    it.k = static_cast<std::uint32_t>(buf.size());
    detail::requery(buf, k);
    it.kn = static_cast<std::uint32_t>(buf.size() - it.k);
    it.v = static_cast<std::uint32_t>(buf.size());
    detail::requery(buf, v);
    it.vn = static_cast<std::uint32_t>(buf.size() - it.v);
    items.push_back(it);
    return true;
  });
  const std::string_view b = buf;
  std::sort(items.begin(), items.end(), [b](const detail::query_item& x, const detail::query_item& y) {
    const auto xk = b.substr(x.k, x.kn), yk = b.substr(y.k, y.kn);
    if (xk != yk) return xk < yk;
    return b.substr(x.v, x.vn) < b.substr(y.v, y.vn);
  });
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += '&';
    out.append(b.substr(items[i].k, items[i].kn));
    out += '=';
    out.append(b.substr(items[i].v, items[i].vn));
  }
}

/**
 * Appends the canonical headers (`name:value\n` for each signed name; values trimmed, inner
 * whitespace runs folded to one space, repeated headers joined with ',').
 * @return errc::signed_header_absent (offset: the name's position in `signed_headers`) when a
 *         signed header is not in `headers`.
 */
template <class Out>
inline result<void, errc> append_canonical_headers(Out& out, const header_view* headers, std::size_t count,
                                                   std::string_view signed_headers) {
  std::size_t b = 0;
  while (b <= signed_headers.size()) {
    std::size_t i = signed_headers.find(';', b);
    if (i == std::string_view::npos) i = signed_headers.size();
    const std::string_view name = signed_headers.substr(b, i - b);
    out.append(name);
    out += ':';
    bool found = false;
    for (std::size_t h = 0; h < count; ++h) {
      if (!detail::equals_lower(headers[h].name, name)) continue;
      if (found) out += ',';
      found = true;
      detail::append_trimmed(out, headers[h].value);
    }
    if (!found) return {errc::signed_header_absent, b};
    out += '\n';
    b = i + 1;
  }
  return {};
}

namespace detail {
/**
 * The SignedHeaders list split once, and which request header lines each name matches (in
 * request order): what the canonical headers and the "every x-amz-* header is signed" check
 * both need, found in one pass over the headers instead of one per signed name. For at most
 * `max` names and `max` header lines; `build` returns false beyond that (callers fall back to
 * the plain functions).
 */
struct signed_header_index {
  static constexpr std::size_t max = 64;
  std::size_t names = 0;
  std::uint16_t name_at[max], name_len[max];
  std::int16_t first[max];  ///< per name: the first header line with that name, or -1
  std::int16_t next[max];   ///< per header line: the next line with the same name, or -1
  std::int16_t which[max];  ///< per header line: the index of its name in the list, or -1

  /// `list` must have passed check_signed_headers (lower-case, sorted, no empty name).
  bool build(std::string_view list, const header_view* headers, std::size_t count) noexcept {
    if (count > max || list.size() > 0xFFFF) return false;
    names = 0;
    // Names by length (1..31; longer ones share bucket 0), so a header line is compared with
    // the names of its length only.
    std::int8_t by_len[32], chain[max];
    std::memset(by_len, -1, sizeof by_len);
    const char* const l = list.data();
    const std::size_t n = list.size();
    auto add = [&](std::size_t b, std::size_t e) {
      if (names == max) return false;
      const std::size_t len = e - b, bucket = len < 32 ? len : 0;
      name_at[names] = static_cast<std::uint16_t>(b);
      name_len[names] = static_cast<std::uint16_t>(len);
      first[names] = -1;
      chain[names] = by_len[bucket];
      by_len[bucket] = static_cast<std::int8_t>(names);
      ++names;
      return true;
    };
    std::size_t b = 0, i = 0;
#if AUTHWIRE_SSE2
    const __m128i semi = _mm_set1_epi8(';');
    for (; i + 16 <= n; i += 16) {
      auto m = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(l + i)), semi)));
      while (m != 0) {
        const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(m));
        if (!add(b, at)) return false;
        b = at + 1;
        m &= m - 1;
      }
    }
#endif
    for (; i < n; ++i) {
      if (l[i] != ';') continue;
      if (!add(b, i)) return false;
      b = i + 1;
    }
    if (!add(b, n)) return false;
    for (std::size_t h = 0; h < count; ++h) {
      const std::string_view hn = headers[h].name;
      which[h] = -1;
      next[h] = -1;
      for (int k = by_len[hn.size() < 32 ? hn.size() : 0]; k >= 0; k = chain[k]) {
        const auto u = static_cast<std::size_t>(k);
        if (name_len[u] != hn.size() || !equals_lower(hn, std::string_view(l + name_at[u], name_len[u]))) continue;
        which[h] = static_cast<std::int16_t>(k);
        break;
      }
    }
    for (std::size_t h = count; h-- > 0;) {
      if (which[h] < 0) continue;
      const auto k = static_cast<std::size_t>(which[h]);
      next[h] = first[k];
      first[k] = static_cast<std::int16_t>(h);
    }
    return true;
  }
};

/// append_canonical_headers with the matches already found (the same bytes and errors).
template <class Out>
inline result<void, errc> append_indexed_headers(Out& out, const header_view* headers, std::string_view list,
                                                 const signed_header_index& x) {
  for (std::size_t k = 0; k < x.names; ++k) {
    out.append(list.data() + x.name_at[k], x.name_len[k]);
    out += ':';
    int h = x.first[k];
    if (h < 0) return {errc::signed_header_absent, x.name_at[k]};
    append_trimmed(out, headers[h].value);
    for (h = x.next[h]; h >= 0; h = x.next[h]) {
      out += ',';
      append_trimmed(out, headers[h].value);
    }
    out += '\n';
  }
  return {};
}

/// Appends the canonical request to `out` (a std::string or a hash_sink).
template <class Out>
inline result<void, errc> write_canonical_request(Out& out, const canonical_input& in,
                                                  const signed_header_index* index = nullptr) {
  out.append(in.method);
  out += '\n';
  append_canonical_uri(out, in.path, in.mode);
  out += '\n';
  append_canonical_query(out, in.query, in.drop_signature, in.drop_security_token);
  out += '\n';
  auto r = index ? append_indexed_headers(out, in.headers, in.signed_headers, *index)
                 : append_canonical_headers(out, in.headers, in.header_count, in.signed_headers);
  if (!r) return r;
  out += '\n';
  out.append(in.signed_headers);
  out += '\n';
  out.append(in.payload_hash);
  return {};
}

}  // namespace detail

/**
 * Builds the canonical request into `out` (cleared first).
 *
 * @par Format (AWS General Reference, "Create a canonical request")
 * @code
 *   HTTPMethod \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 * @endcode
 * @return errc::signed_header_absent when a signed header is not present.
 */
inline result<void, errc> build_canonical_request(std::string& out, const canonical_input& in) {
  out.clear();
  return detail::write_canonical_request(out, in);
}

/**
 * The SHA-256 of the canonical request `build_canonical_request` would build (exactly the
 * same bytes): the usual shape written into a stack buffer (detail::write_usual_canonical_head),
 * anything else hashed as it is produced. `index` (optional): the signed-header matches of
 * `in`, already found (see detail::signed_header_index) by a caller whose usual writer
 * declined `in`; with it the general writer is used at once.
 * @return the digest; errc::signed_header_absent when a signed header is not present.
 */
namespace detail {
/// Copies `n` bytes from `s` to `p` inline (no call for the short runs of a canonical
/// request: overlapping 16-, 8- or 4-byte moves); returns p + n.
AUTHWIRE_SIGV4_INLINE char* put_bytes(char* p, const char* s, std::size_t n) noexcept {
#if AUTHWIRE_SSE2
  if (n >= 16) {
    for (std::size_t i = 0; i + 16 < n; i += 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + n - 16),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n - 16)));
    return p + n;
  }
#else
  if (n >= 16) {
    std::memcpy(p, s, n);
    return p + n;
  }
#endif
  if (n >= 8) {
    const std::uint64_t a = load8(s), b = load8(s + n - 8);
    std::memcpy(p, &a, 8);
    std::memcpy(p + n - 8, &b, 8);
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, s, 4);
    std::memcpy(&b, s + n - 4, 4);
    std::memcpy(p, &a, 4);
    std::memcpy(p + n - 4, &b, 4);
  } else {
    for (std::size_t i = 0; i < n; ++i) p[i] = s[i];
  }
  return p + n;
}

/// Copies the `n` bytes at `s` to `p` (which has room for them) and returns true when none is
/// at or below SP (nothing to trim or fold); the check rides on the copy's loads. When it
/// returns false the bytes at `p` are to be overwritten.
AUTHWIRE_SIGV4_INLINE bool copy_if_no_space(char* p, const char* s, std::size_t n) noexcept {
#if AUTHWIRE_SSE2
  if (n >= 16) {
    const __m128i sp = _mm_set1_epi8(0x20);
    __m128i low = _mm_setzero_si128();  // x <= 0x20 (unsigned) exactly when min(x, 0x20) == x
    for (std::size_t i = 0; i + 16 < n; i += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      low = _mm_or_si128(low, _mm_cmpeq_epi8(_mm_min_epu8(x, sp), x));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), x);
    }
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n - 16));
    low = _mm_or_si128(low, _mm_cmpeq_epi8(_mm_min_epu8(x, sp), x));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + n - 16), x);
    return _mm_movemask_epi8(low) == 0;
  }
#endif
  // Some byte below 0x21: (x - 0x21 in every byte) & ~x & 0x80 in every byte is non-zero.
  // 8 bytes at a time, then the last 8 (overlapping).
  if (n >= 8) {
    constexpr std::uint64_t k21 = 0x2121212121212121ull, highs = 0x8080808080808080ull;
    std::uint64_t low = 0;
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      const std::uint64_t a = load8(s + i);
      std::memcpy(p + i, &a, 8);
      low |= (a - k21) & ~a;
    }
    const std::uint64_t b = load8(s + n - 8);
    std::memcpy(p + n - 8, &b, 8);
    return ((low | ((b - k21) & ~b)) & highs) == 0;
  }
  if (n >= 4) {
    constexpr std::uint32_t k21 = 0x21212121u, highs = 0x80808080u;
    std::uint32_t a, b;
    std::memcpy(&a, s, 4);
    std::memcpy(&b, s + n - 4, 4);
    std::memcpy(p, &a, 4);
    std::memcpy(p + n - 4, &b, 4);
    return (((a - k21) & ~a) | ((b - k21) & ~b)) & highs ? false : true;
  }
  bool clean = true;
  for (std::size_t i = 0; i < n; ++i) {
    p[i] = s[i];
    clean = clean && static_cast<unsigned char>(s[i]) > 0x20;
  }
  return clean;
}

/// A write pointer with the parts of std::string's interface append_trimmed uses (the
/// caller has made sure there is room).
struct pointer_sink {
  char* p;
  void append(const char* s, std::size_t n) noexcept { p = put_bytes(p, s, n); }
  void append(std::string_view s) noexcept { append(s.data(), s.size()); }
  pointer_sink& operator+=(char c) noexcept {
    *p++ = c;
    return *this;
  }
};

/// The index of the lowest set bit of `m` (not 0).
inline std::size_t lowest_bit(std::uint64_t m) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return static_cast<std::size_t>(__builtin_ctzll(m));
#else
  std::size_t i = 0;
  while ((m >> i & 1u) == 0) ++i;
  return i;
#endif
}

/**
 * The canonical request of the usual shape (no query string, the path as sent: s3 mode or
 * an empty path; at most 32 header lines and 16 signed names) up to and including the line
 * of signed headers, written into `buf` through a local write pointer; each signed name's
 * lines are found by a scan of the header lines of its length (for so few, cheaper than an
 * index). Returns the end of the bytes, with bit h of `signed_lines` set for every header
 * line h that was written; or nullptr when the request is not of that shape, the bytes and a
 * payload hash of 64 bytes may not fit in `cap`, or a signed header is absent (the general
 * writer then produces the bytes or the error). The bytes, followed by the payload hash, are
 * exactly those of write_canonical_request.
 */
inline char* write_usual_canonical_head(char* buf, std::size_t cap, const canonical_input& in,
                                        std::uint32_t& signed_lines) noexcept {
  constexpr std::size_t max_lines = 32, max_names = 16, payload_room = 64;
  if (!in.query.empty() || !(in.path.empty() || in.mode == path_mode::s3 || in.mode == path_mode::automatic) ||
      in.header_count > max_lines)
    return nullptr;
  // The header lines by name length (lines of 255 bytes or more are never candidates: such
  // a signed name sends the request to the general writer), and the room the canonical
  // headers can take at most (each signed name with ':' and '\n', every value, a ',' per
  // line), so that one check up front covers every write.
  unsigned char lens[32] = {};
  std::size_t values = 0;
  for (std::size_t h = 0; h < in.header_count; ++h) {
    const std::size_t n = in.headers[h].name.size();
    lens[h] = static_cast<unsigned char>(n < 255 ? n : 255);
    values += in.headers[h].value.size();
  }
  const char* const list = in.signed_headers.data();
  const std::size_t list_size = in.signed_headers.size();
  const std::size_t need = in.method.size() + (in.path.empty() ? 1 : in.path.size()) + 3 + (3 * list_size + 3) +
                           values + in.header_count + list_size + 2 + payload_room;
  if (list_size > cap || values > cap || need > cap) return nullptr;
  char* p = put_bytes(buf, in.method.data(), in.method.size());
  *p++ = '\n';
  if (in.path.empty()) {
    *p++ = '/';
  } else {
    p = put_bytes(p, in.path.data(), in.path.size());
  }
  *p++ = '\n';
  *p++ = '\n';  // the empty canonical query string
  const std::uint32_t all = in.header_count == 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << in.header_count) - 1;
  std::uint32_t lines = 0;
  // The ';' of a list of 16 to 64 bytes as a bit mask (SSE2); else found byte by byte.
  std::uint64_t semis = 0;
  bool masked = false;
#if AUTHWIRE_SSE2
  if (list_size >= 16 && list_size <= 64) {
    const __m128i semi = _mm_set1_epi8(';');
    auto block = [&](std::size_t at) {
      semis |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(
                   _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(list + at)), semi))))
               << at;
    };
    for (std::size_t at = 0; at + 16 <= list_size; at += 16) block(at);
    block(list_size - 16);  // the last bytes (overlapping: the same bits again)
    masked = true;
  }
#endif
  std::size_t names = 0;
  for (std::size_t b = 0; b <= list_size;) {
    std::size_t e = b;
    if (masked) {
      const std::uint64_t rest = b < 64 ? semis >> b : 0;
      e = rest != 0 ? b + lowest_bit(rest) : list_size;
    } else {
      while (e < list_size && list[e] != ';') ++e;
    }
    const std::string_view name(list + b, e - b);
    if (++names > max_names || name.size() >= 255) return nullptr;
    p = put_bytes(p, name.data(), name.size());
    *p++ = ':';
    // The lines whose names have this length, in order.
    std::uint32_t same = 0;
#if AUTHWIRE_SSE2
    const __m128i len = _mm_set1_epi8(static_cast<char>(name.size()));
    same = static_cast<std::uint32_t>(
               _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(lens)), len))) |
           static_cast<std::uint32_t>(
               _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(lens + 16)), len)))
               << 16;
#else
    for (std::size_t h = 0; h < in.header_count; ++h) same |= std::uint32_t{lens[h] == name.size()} << h;
#endif
    bool more = false;
    for (same &= all; same != 0; same &= same - 1) {
      const std::size_t h = lowest_bit(same);
      if (!equals_lower(in.headers[h].name, name)) continue;
      const std::string_view v = in.headers[h].value;
      if (more) *p++ = ',';
      more = true;
      lines |= std::uint32_t{1} << h;
      if (copy_if_no_space(p, v.data(), v.size())) {
        p += v.size();
      } else {
        pointer_sink o{p};
        append_trimmed(o, v);
        p = o.p;
      }
    }
    if (!more) return nullptr;
    *p++ = '\n';
    b = e + 1;
  }
  *p++ = '\n';
  p = put_bytes(p, list, list_size);
  *p++ = '\n';
  signed_lines = lines;
  return p;
}
}  // namespace detail

inline result<digest_bytes, errc> hash_canonical_request(const canonical_input& in,
                                                         const detail::signed_header_index* index = nullptr) {
  thread_local hasher h;
  h.init(hash_algorithm::sha256);
  if (!index && in.payload_hash.size() <= 64) {
    char buf[1024];
    std::uint32_t lines;
    if (char* e = detail::write_usual_canonical_head(buf, sizeof buf, in, lines)) {
      e = detail::put_bytes(e, in.payload_hash.data(), in.payload_hash.size());
      return h.update(std::string_view(buf, static_cast<std::size_t>(e - buf))).final();
    }
  }
  detail::hash_sink sink(h);
  auto r = detail::write_canonical_request(sink, in, index);
  if (!r) return r.error();
  sink.flush();
  return h.final();
}

/// Builds the string to sign from the canonical request's SHA-256 (see below).
inline void build_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                                 const digest_bytes& canonical_request_sha256) {
  // One resize, then the parts copied in place.
  out.resize(algorithm.size() + 1 + amz_date.size() + 1 + scope.size() + 1 + 2 * canonical_request_sha256.size);
  char* p = out.data();
  for (const std::string_view part : {algorithm, amz_date, scope}) {
    std::memcpy(p, part.data(), part.size());
    p += part.size();
    *p++ = '\n';
  }
  canonical_request_sha256.hex_to(p);
}

/// Builds the string to sign: `AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n<hex sha256(canonical)>`.
inline void build_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request) {
  thread_local hasher h;
  build_string_to_sign(out, amz_date, scope, h.init(hash_algorithm::sha256).update(canonical_request).final());
}

/**
 * Derives the signing key: HMAC chain over "AWS4"+secret, date, region, service, "aws4_request".
 * The result is a secret: never print it.
 */
inline digest_bytes derive_signing_key(std::string_view secret, std::string_view date, std::string_view region,
                                       std::string_view service) {
  std::string k;
  k.reserve(4 + secret.size());
  k.append("AWS4").append(secret);
  digest_bytes d = hmac_sha256(k, date);
  secure_wipe(k);
  d = hmac_sha256(d.view(), region);
  d = hmac_sha256(d.view(), service);
  return hmac_sha256(d.view(), scope_terminator);
}

/**
 * A small thread-safe cache of signing keys per (access key, secret, date, region, service).
 * The secret is part of the key (compared in constant time), so a rotated secret never
 * meets a stale signing key. Bounded; the least recently used entry is replaced.
 *
 * Each thread also keeps the last entry it used (of the last cache it used, told apart by
 * an id no other cache ever gets), checked the same way before the shared entries and
 * without the lock: a thread verifying requests of one access key takes no lock. That copy
 * of the secret and key is wiped when it is replaced and when the thread ends.
 */
class signing_key_cache {
 public:
  explicit signing_key_cache(std::size_t capacity = 64) : capacity_(capacity ? capacity : 1), id_(next_id()) {}
  signing_key_cache(const signing_key_cache&) = delete;
  signing_key_cache& operator=(const signing_key_cache&) = delete;

  /// The signing key, derived on a miss.
  digest_bytes get(std::string_view access_key, std::string_view secret, std::string_view date,
                   std::string_view region, std::string_view service) {
    local_entry& l = local();
    if (l.owner == id_ && detail::bytes_equal(l.date, date) && detail::bytes_equal(l.region, region) &&
        detail::bytes_equal(l.service, service) && detail::bytes_equal(l.access_key, access_key) &&
        constant_time_equal(l.secret, secret)) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return l.key;
    }
    digest_bytes key;
    {
      // A miss derives under the lock: two threads missing the same entry at once derive
      // it once (misses() counts derivations). Misses are rare; hits rarely get here.
      std::lock_guard<std::mutex> lock(m_);
      ++tick_;
      bool found = false;
      for (auto& e : entries_) {
        if (detail::bytes_equal(e.date, date) && detail::bytes_equal(e.region, region) &&
            detail::bytes_equal(e.service, service) && detail::bytes_equal(e.access_key, access_key) &&
            constant_time_equal(e.secret, secret)) {
          e.used = tick_;
          hits_.fetch_add(1, std::memory_order_relaxed);
          key = e.key;
          found = true;
          break;
        }
      }
      if (!found) {
        key = derive_signing_key(secret, date, region, service);
        ++misses_;
        entry ne{std::string(access_key), std::string(secret), std::string(date), std::string(region),
                 std::string(service), key, ++tick_};
        if (entries_.size() < capacity_) {
          entries_.push_back(std::move(ne));
        } else {
          auto victim = std::min_element(entries_.begin(), entries_.end(),
                                         [](const entry& a, const entry& b) { return a.used < b.used; });
          secure_wipe(victim->secret);
          *victim = std::move(ne);
        }
      }
    }
    l.set(id_, access_key, secret, date, region, service, key);
    return key;
  }
  std::size_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::size_t misses() const {
    std::lock_guard<std::mutex> lock(m_);
    return misses_;
  }
  ~signing_key_cache() {
    for (auto& e : entries_) secure_wipe(e.secret);
    // This thread's copy, unless the thread's objects are gone already (other threads'
    // copies can no longer match: ids are never reused).
    if (local_state() == 1) {
      local_entry& l = local();
      if (l.owner == id_) l.wipe();
    }
  }

 private:
  struct entry {
    std::string access_key, secret, date, region, service;
    digest_bytes key;
    std::uint64_t used;
  };
  // A thread's last entry; `owner` is the id of its cache (0: none).
  struct local_entry {
    std::uint64_t owner = 0;
    std::string access_key, secret, date, region, service;
    digest_bytes key;
    void set(std::uint64_t id, std::string_view a, std::string_view s, std::string_view d, std::string_view r,
             std::string_view v, const digest_bytes& k) {
      wipe();
      access_key.assign(a.data(), a.size());
      secret.assign(s.data(), s.size());
      date.assign(d.data(), d.size());
      region.assign(r.data(), r.size());
      service.assign(v.data(), v.size());
      key = k;
      owner = id;
    }
    void wipe() noexcept {
      owner = 0;
      secure_wipe(secret);
      secure_wipe(key.data.data(), key.data.size());
    }
    local_entry() noexcept { local_state() = 1; }
    ~local_entry() {
      wipe();
      local_state() = 2;
    }
  };
  // 0: this thread's local_entry not made yet, 1: alive, 2: destroyed (thread exit).
  static unsigned char& local_state() noexcept {
    thread_local unsigned char state = 0;
    return state;
  }
  static local_entry& local() noexcept {
    thread_local local_entry l;
    return l;
  }
  static std::uint64_t next_id() noexcept {
    static std::atomic<std::uint64_t> n{0};
    return n.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  mutable std::mutex m_;
  std::vector<entry> entries_;
  std::size_t capacity_;
  std::uint64_t id_;
  std::uint64_t tick_ = 0;
  std::atomic<std::size_t> hits_{0};
  std::size_t misses_ = 0;
};

namespace detail {
/// HMAC-SHA256 under `key` of the concatenation of `parts` (hmac_hex: as 64 hex chars into
/// `out`). A thread-local context keyed once per distinct key (no per-call digest lookup on a hit).
inline digest_bytes hmac_raw(const digest_bytes& key, std::initializer_list<std::string_view> parts) {
  struct keyed {
    hmac ctx;
    digest_bytes key;
    bool ready = false;
  };
  thread_local keyed k;
  if (k.ready && bytes_equal(k.key.view(), key.view())) {
    k.ctx.reset();
  } else {
    k.ctx.init(hash_algorithm::sha256, key.view());
    k.key = key;
    k.ready = true;
  }
  for (auto p : parts) k.ctx.update(p);
  return k.ctx.final();
}
inline void hmac_hex(const digest_bytes& key, std::initializer_list<std::string_view> parts, char* out) {
  hmac_raw(key, parts).hex_to(out);
}
}  // namespace detail

/// The hex signature of `string_to_sign` under `signing_key`.
inline std::string compute_signature(const digest_bytes& signing_key, std::string_view string_to_sign) {
  std::string s(64, '\0');
  detail::hmac_hex(signing_key, {string_to_sign}, s.data());
  return s;
}

}  // namespace aws_sigv4
}  // namespace v1
}  // namespace authwire
