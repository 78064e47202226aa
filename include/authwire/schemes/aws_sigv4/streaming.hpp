// SPDX-License-Identifier: MIT
/**
 * @file aws_sigv4/streaming.hpp
 * @brief aws-chunked payloads: the chunk-signature chain (signing and incremental verification), trailers and S3's flexible checksums.
 *
 * Part of `authwire/schemes/aws_sigv4.hpp`; include that header.
 */
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "../../codec.hpp"
#include "signing.hpp"

namespace authwire {
inline namespace v1 {
namespace aws_sigv4 {

/// The payload modes of `x-amz-content-sha256`.
enum class payload_mode : std::uint8_t {
  hashed,                    ///< a SHA-256 hex value (or the body's hash)
  not_signed,                ///< UNSIGNED-PAYLOAD
  streaming_signed,          ///< STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  streaming_signed_trailer,  ///< STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  streaming_unsigned_trailer ///< STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

/// True for the aws-chunked modes.
constexpr bool is_streaming(payload_mode m) noexcept {
  return m == payload_mode::streaming_signed || m == payload_mode::streaming_signed_trailer ||
         m == payload_mode::streaming_unsigned_trailer;
}

/**
 * Signs the chunks of a streaming upload (client side): each chunk's signature chains from
 * the previous one, starting at the seed (the request's signature).
 *
 * @par Chunk string to sign (AWS S3 API Reference, "Signature Calculations for the Authorization
 * Header: Transferring Payload in Multiple Chunks")
 * @code
 *   "AWS4-HMAC-SHA256-PAYLOAD" \n amz-date \n scope \n previous-signature \n
 *   hex(sha256("")) \n hex(sha256(chunk-data))
 * @endcode
 */
class chunk_signer {
 public:
  chunk_signer(const digest_bytes& signing_key, std::string amz_date, std::string scope, std::string seed_signature)
      : key_(signing_key), date_(std::move(amz_date)), scope_(std::move(scope)), prev_(std::move(seed_signature)) {}

  /// The signature of the next chunk (an empty `data` is the final chunk).
  std::string next(std::string_view data) {
    thread_local hasher h;
    const hex_digest dh(h.init(hash_algorithm::sha256).update(data).final());
    std::string sig(64, '\0');
    detail::hmac_hex(key_, {"AWS4-HMAC-SHA256-PAYLOAD\n", date_, "\n", scope_, "\n", prev_, "\n", empty_sha256, "\n", dh.view()},
                     sig.data());
    prev_ = sig;
    return sig;
  }
  /// The trailer signature over `canonical_trailers` (`name:value\n` per trailer).
  std::string trailer(std::string_view canonical_trailers) {
    thread_local hasher h;
    const hex_digest dh(h.init(hash_algorithm::sha256).update(canonical_trailers).final());
    std::string sig(64, '\0');
    detail::hmac_hex(key_, {"AWS4-HMAC-SHA256-TRAILER\n", date_, "\n", scope_, "\n", prev_, "\n", dh.view()}, sig.data());
    prev_ = sig;
    return sig;
  }
  /// An aws-chunked body: `hex(size);chunk-signature=sig\r\n data \r\n` per chunk of at most
  /// `chunk_size` bytes, then the final chunk (and trailers with their signature, when given).
  std::string encode(std::string_view data, std::size_t chunk_size,
                     const std::vector<header_line>* trailers = nullptr) {
    std::string out;
    char hexbuf[32];
    auto chunk = [&](std::string_view d) {
      const int n = std::snprintf(hexbuf, sizeof hexbuf, "%zx", d.size());
      out.append(hexbuf, static_cast<std::size_t>(n));
      out += ";chunk-signature=";
      out += next(d);
      out += "\r\n";
      out.append(d);
      if (!d.empty() || !trailers) out += "\r\n";
    };
    for (std::size_t i = 0; i < data.size(); i += chunk_size) chunk(data.substr(i, chunk_size));
    chunk({});
    if (trailers) {
      std::string canon;
      for (auto& t : *trailers) {
        out += t.name + ":" + t.value + "\r\n";
        canon += detail::lower(t.name) + ":" + t.value + "\n";
      }
      out += "x-amz-trailer-signature:" + trailer(canon) + "\r\n\r\n";
    }
    return out;
  }

 private:
  digest_bytes key_;
  std::string date_, scope_, prev_;
};

/// The checksum algorithms of S3's flexible checksums (x-amz-checksum-*).
/// CRC64NVME is CRC-64/NVME (its 8 bytes big-endian, base64), the SDKs' default since 2025.
enum class checksum_algorithm : std::uint8_t { none, crc32, crc32c, sha1, sha256, unsupported, crc64nvme };

namespace detail {
inline checksum_algorithm checksum_from_header(std::string_view lower_name) {
  if (lower_name.substr(0, 15) != "x-amz-checksum-") return checksum_algorithm::none;
  const auto a = lower_name.substr(15);
  if (a == "crc32") return checksum_algorithm::crc32;
  if (a == "crc32c") return checksum_algorithm::crc32c;
  if (a == "crc64nvme") return checksum_algorithm::crc64nvme;
  if (a == "sha1") return checksum_algorithm::sha1;
  if (a == "sha256") return checksum_algorithm::sha256;
  if (a == "algorithm" || a == "type") return checksum_algorithm::none;
  return checksum_algorithm::unsupported;
}

/// Incremental checksum over body data, base64 result as S3 sends it.
class checksum_state {
 public:
  void start(checksum_algorithm a) {
    a_ = a;
    crc_ = 0xFFFFFFFFu;
    crc64_ = ~std::uint64_t{0};
    if (a == checksum_algorithm::sha1) h_.init(hash_algorithm::sha1);
    if (a == checksum_algorithm::sha256) h_.init(hash_algorithm::sha256);
  }
  void update(std::string_view d) {
    switch (a_) {
      case checksum_algorithm::crc32: crc_ = crc_update(crc32_table, crc_, d); break;
      case checksum_algorithm::crc32c: crc_ = crc_update(crc32c_table, crc_, d); break;
      case checksum_algorithm::crc64nvme: crc64_ = crc64nvme_update(crc64_, d); break;
      case checksum_algorithm::sha1:
      case checksum_algorithm::sha256: h_.update(d); break;
      default: break;
    }
  }
  std::string base64() {
    if (a_ == checksum_algorithm::crc32 || a_ == checksum_algorithm::crc32c) {
      const std::uint32_t v = ~crc_;
      const char b[4] = {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xFF),
                         static_cast<char>((v >> 8) & 0xFF), static_cast<char>(v & 0xFF)};
      return base64_encode(std::string_view(b, 4));
    }
    if (a_ == checksum_algorithm::crc64nvme) {
      const std::uint64_t v = ~crc64_;
      char b[8];
      for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (56 - 8 * i)) & 0xFF);
      return base64_encode(std::string_view(b, 8));
    }
    if (a_ == checksum_algorithm::sha1 || a_ == checksum_algorithm::sha256) return base64_encode(h_.final().view());
    return {};
  }
  checksum_algorithm algorithm() const noexcept { return a_; }

 private:
  checksum_algorithm a_ = checksum_algorithm::none;
  std::uint32_t crc_ = 0;
  std::uint64_t crc64_ = 0;
  hasher h_;
};
}  // namespace detail

/// The base64 checksum of `data` as S3 sends it in x-amz-checksum-<alg> (empty for none/unsupported).
inline std::string checksum_base64(checksum_algorithm a, std::string_view data) {
  detail::checksum_state s;
  s.start(a);
  s.update(data);
  return s.base64();
}

/// What a successful verification established; the input of a streaming body verifier.
struct verified_request {
  std::string access_key;
  std::string identity;        ///< the application's identity for the key (access key if none given)
  std::string amz_date;        ///< YYYYMMDDTHHMMSSZ
  std::string scope;           ///< date/region/service/aws4_request
  std::string region, service;
  std::string seed_signature;  ///< the request's signature (the chain's seed)
  digest_bytes signing_key;    ///< secret: never print it
  payload_mode mode = payload_mode::hashed;
  bool presigned = false;
  std::optional<std::uint64_t> decoded_content_length;  ///< x-amz-decoded-content-length
  std::vector<std::string> declared_trailers;           ///< x-amz-trailer names, lower-case
  /// Set when the signed x-amz-content-sha256 is a hash and the request_view had neither the
  /// body nor its hash: the application must compare the body's SHA-256 with it.
  std::string unchecked_payload_hash;
};

/// Limits of a streaming body.
struct streaming_options {
  std::size_t max_chunk_size = 16u * 1024 * 1024;  ///< errc::chunk_too_large
  std::size_t max_line = 4096;                     ///< a chunk header or trailer line
  std::size_t max_trailers = 16;
};

/**
 * Verifies an aws-chunked body incrementally, as it arrives: the chunk-signature chain
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]), or the plain chunks of
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER, then the trailers (signature and checksum).
 *
 * Data is released to the caller only after its chunk's signature is verified. Feed bytes in
 * any split with `feed()`, then call `finish()` at the end of the body. Any error is final.
 * Offsets are byte offsets into the whole body.
 *
 * @code
 *   aws_sigv4::chunked_body_verifier v(verified);
 *   std::string data;
 *   while (read(buf)) if (auto r = v.feed(buf, data); !r) return fail(r.code());
 *   if (auto r = v.finish(); !r) return fail(r.code());
 * @endcode
 */
class chunked_body_verifier {
 public:
  explicit chunked_body_verifier(const verified_request& v, streaming_options o = {})
      : opts_(o),
        mode_(v.mode),
        signer_(v.signing_key, v.amz_date, v.scope, v.seed_signature),
        expected_length_(v.decoded_content_length),
        declared_(v.declared_trailers) {
    prepare_checksums();
  }

  /// Consumes `bytes`; appends verified data to `out`. Returns the first error.
  result<void, errc> feed(std::string_view bytes, std::string& out) {
    if (err_.code != errc::ok) return err_;
    if (state_ == state::done) {
      if (!bytes.empty()) return fail(errc::data_after_final_chunk, consumed_);
      return {};
    }
    buf_.append(bytes);
    return run(out);
  }

  /// Call at the end of the body: checks that the encoding is complete.
  result<void, errc> finish() {
    if (err_.code != errc::ok) return err_;
    if (state_ != state::done) {
      if (state_ == state::header && buf_.empty() && chunks_ > 0) return fail(errc::missing_final_chunk, consumed_);
      if (state_ == state::header && buf_.empty()) return fail(errc::missing_final_chunk, consumed_);
      return fail(errc::body_truncated, consumed_ + buf_.size());
    }
    return {};
  }
  /// True once the final chunk (and trailers) were verified.
  bool done() const noexcept { return state_ == state::done; }
  /// Bytes of decoded data released so far.
  std::uint64_t decoded_length() const noexcept { return decoded_; }

 private:
  enum class state : std::uint8_t { header, data, final_crlf, trailers, done };

  result<void, errc> fail(errc e, std::size_t off) {
    err_ = {e, off};
    return err_;
  }
  bool is_signed() const noexcept { return mode_ != payload_mode::streaming_unsigned_trailer; }
  bool has_trailer() const noexcept {
    return mode_ == payload_mode::streaming_signed_trailer || mode_ == payload_mode::streaming_unsigned_trailer;
  }

  // Consumes n bytes from the front of buf_.
  void drop(std::size_t n) {
    pos_ += n;
    consumed_ += n;
  }
  std::string_view rest() const noexcept { return std::string_view(buf_).substr(pos_); }

  result<void, errc> run(std::string& out) {
    for (;;) {
      const std::string_view r = rest();
      if (state_ == state::header) {
        const auto eol = r.find("\r\n");
        if (eol == std::string_view::npos) {
          if (r.size() > opts_.max_line) return fail(errc::chunk_malformed, consumed_);
          break;
        }
        auto h = parse_header(r.substr(0, eol));
        if (!h) return h;
        drop(eol + 2);
        state_ = state::data;
        continue;
      }
      if (state_ == state::data) {
        if (r.size() < size_ + 2) break;
        const std::string_view d = r.substr(0, size_);
        const bool final_chunk = size_ == 0;
        if (is_signed()) {
          const std::string want = signer_.next(d);
          if (!constant_time_equal(want, sig_)) return fail(errc::chunk_signature_mismatch, header_at_);
        }
        if (final_chunk) {
          if (has_trailer()) {
            state_ = state::trailers;
            continue;  // trailers (or the empty line) follow immediately
          }
          if (r.substr(0, 2) != "\r\n") return fail(errc::chunk_malformed, consumed_);
          drop(2);
          state_ = state::done;
          return check_end();
        }
        if (r.substr(size_, 2) != "\r\n") return fail(errc::chunk_malformed, consumed_ + size_);
        out.append(d);
        for (auto& c : checksums_) c.update(d);
        decoded_ += size_;
        ++chunks_;
        drop(size_ + 2);
        state_ = state::header;
        compact();
        continue;
      }
      if (state_ == state::trailers) {
        const auto eol = r.find("\r\n");
        if (eol == std::string_view::npos) {
          if (r.size() > opts_.max_line) return fail(errc::trailer_malformed, consumed_);
          break;
        }
        const std::string_view line = r.substr(0, eol);
        const std::size_t line_at = consumed_;
        drop(eol + 2);
        if (line.empty()) {
          auto t = check_trailers(line_at);
          if (!t) return t;
          state_ = state::done;
          return check_end();
        }
        auto t = add_trailer(line, line_at);
        if (!t) return t;
        continue;
      }
      break;
    }
    compact();
    return {};
  }

  void compact() {
    if (pos_ > 0 && pos_ >= buf_.size() / 2) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }

  result<void, errc> check_end() {
    if (!rest().empty()) return fail(errc::data_after_final_chunk, consumed_);
    if (expected_length_ && *expected_length_ != decoded_) return fail(errc::decoded_length_mismatch, consumed_);
    return {};
  }

  result<void, errc> parse_header(std::string_view line) {
    header_at_ = consumed_;
    std::size_t i = 0;
    std::uint64_t n = 0;
    while (i < line.size() && detail::hex_digit(line[i]) >= 0) {
      n = n * 16 + static_cast<std::uint64_t>(detail::hex_digit(line[i]));
      if (n > opts_.max_chunk_size) return fail(errc::chunk_too_large, consumed_);
      ++i;
    }
    if (i == 0 || i > 16) return fail(errc::chunk_malformed, consumed_ + i);
    size_ = static_cast<std::size_t>(n);
    const std::string_view ext = line.substr(i);
    if (is_signed()) {
      constexpr std::string_view p = ";chunk-signature=";
      if (ext.substr(0, p.size()) != p) return fail(errc::chunk_malformed, consumed_ + i);
      sig_ = ext.substr(p.size());
      if (!detail::check_signature_hex(sig_, 0)) return fail(errc::chunk_malformed, consumed_ + i + p.size());
      sig_store_.assign(sig_);
      sig_ = sig_store_;
    } else if (!ext.empty()) {
      return fail(errc::chunk_malformed, consumed_ + i);
    }
    return {};
  }

  result<void, errc> add_trailer(std::string_view line, std::size_t at) {
    if (trailer_sig_seen_) return fail(errc::trailer_malformed, at);  // nothing after the signature
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(errc::trailer_malformed, at);
    const std::string name = detail::lower(line.substr(0, colon));
    if (!is_token(name)) return fail(errc::trailer_malformed, at);
    std::string value;
    detail::append_trimmed(value, line.substr(colon + 1));
    if (name == "x-amz-trailer-signature") {
      if (!is_signed()) return fail(errc::trailer_malformed, at);
      trailer_sig_ = value;
      trailer_sig_seen_ = true;
      trailer_sig_at_ = at;
      return {};
    }
    if (std::find(declared_.begin(), declared_.end(), name) == declared_.end())
      return fail(errc::trailer_malformed, at);
    for (auto& t : trailers_)
      if (t.name == name) return fail(errc::trailer_malformed, at);
    if (trailers_.size() >= opts_.max_trailers) return fail(errc::trailer_malformed, at);
    trailers_.push_back({name, value});
    canon_ += name + ":" + value + "\n";
    if (trailers_.size() == 1) checksum_at_ = at;
    return {};
  }

  result<void, errc> check_trailers(std::size_t at) {
    for (auto& d : declared_) {
      bool present = false;
      for (auto& t : trailers_) present = present || t.name == d;
      if (!present) return fail(errc::trailer_malformed, at);
    }
    if (is_signed()) {
      if (!trailer_sig_seen_) return fail(errc::trailer_signature_mismatch, at);
      const std::string want = signer_.trailer(canon_);
      if (!constant_time_equal(want, trailer_sig_)) return fail(errc::trailer_signature_mismatch, trailer_sig_at_);
    }
    // Checksum trailers over the decoded data.
    for (auto& t : trailers_) {
      const auto a = detail::checksum_from_header(t.name);
      if (a == checksum_algorithm::none) continue;
      if (a == checksum_algorithm::unsupported) return fail(errc::unsupported_checksum, checksum_at_);
      for (auto& c : checksums_)
        if (c.algorithm() == a && !constant_time_equal(c.base64(), t.value))
          return fail(errc::checksum_mismatch, checksum_at_);
    }
    return {};
  }

  void prepare_checksums() {
    for (auto& d : declared_) {
      const auto a = detail::checksum_from_header(d);
      if (a == checksum_algorithm::none || a == checksum_algorithm::unsupported) continue;
      checksums_.emplace_back();
      checksums_.back().start(a);
    }
  }

 private:
  streaming_options opts_;
  payload_mode mode_;
  chunk_signer signer_;
  std::optional<std::uint64_t> expected_length_;
  std::vector<std::string> declared_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t consumed_ = 0;
  state state_ = state::header;
  std::size_t size_ = 0, header_at_ = 0;
  std::string_view sig_;
  std::string sig_store_;
  std::uint64_t decoded_ = 0;
  std::size_t chunks_ = 0;
  std::vector<header_line> trailers_;
  std::string canon_;
  std::string trailer_sig_;
  bool trailer_sig_seen_ = false;
  std::size_t trailer_sig_at_ = 0, checksum_at_ = 0;
  std::vector<detail::checksum_state> checksums_;
  basic_error<errc> err_{errc::ok, 0};
};

}  // namespace aws_sigv4
}  // namespace v1
}  // namespace authwire
