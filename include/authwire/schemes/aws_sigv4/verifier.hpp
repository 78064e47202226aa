// SPDX-License-Identifier: MIT
/**
 * @file aws_sigv4/verifier.hpp
 * @brief The reusable server-side verifier (every check a server must make) and the `scheme_handler` of AWS4-HMAC-SHA256.
 *
 * Part of `authwire/schemes/aws_sigv4.hpp`; include that header.
 */
#pragma once

#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../../challenge.hpp"
#include "../../clock.hpp"
#include "streaming.hpp"

namespace authwire {
inline namespace v1 {
namespace aws_sigv4 {

/// What the application knows about an access key.
struct secret_record {
  std::string secret;                        ///< the secret access key
  std::optional<std::string> session_token;  ///< when set, the request must carry exactly this token
  std::string identity;                      ///< the identity to report; empty: the access key
};

/// Looks up an access key; nullopt when unknown. Called once per request.
using secret_lookup = std::function<std::optional<secret_record>(std::string_view access_key)>;

/**
 * Looks up an access key into `out` (a per-thread record the verifier reuses, so assigning
 * to its strings allocates nothing once they have grown); false when unknown. Called once per
 * request, with `out`'s strings empty and no session token. The secret is wiped after use.
 */
using secret_fill = std::function<bool(std::string_view access_key, secret_record& out)>;

/// Options of a verifier, with safe defaults.
struct verifier_options {
  std::vector<std::string> regions;   ///< accepted regions; empty accepts none
  std::vector<std::string> services;  ///< accepted services; empty accepts none
  std::int64_t max_skew = 900;        ///< seconds either way (header form; presigned: not-yet-valid slack)
  path_mode mode = path_mode::automatic;
  bool require_signed_amz_headers = true;    ///< every x-amz-* header present must be signed
  /// X-Amz-Security-Token may be left unsigned (AWS test suite post-sts-header-after); it is
  /// compared with the credential record anyway.
  bool allow_unsigned_security_token = true;
  /// Presigned: the canonical query leaves out X-Amz-Security-Token (services whose clients
  /// add the token after signing, as aws-c-auth's omit_session_token does).
  bool query_token_excluded = false;
  bool allow_presigned = true;
  bool allow_unsigned_payload = true;
  bool allow_streaming = true;
  parse_limits limits;
  std::string realm = "aws";          ///< the challenge's realm
  std::size_t cache_capacity = 64;
};

/**
 * A reusable server-side SigV4 verifier: parses either form, makes every check a server must
 * make, and compares the signature in constant time. Thread-safe (the signing-key cache is
 * shared; scratch buffers are thread-local).
 *
 * The request time: X-Amz-Date; a header-signed request without it uses the Date header, as
 * AWS does ("Handling dates in Signature Version 4"), in the X-Amz-Date format or as an
 * IMF-fixdate with GMT, +0000 or -0000 (what botocore sends); its ISO 8601 basic form enters
 * the string to sign and the scope-date check. Errors: missing_date (neither), bad_date,
 * duplicate_header (two Date lines); X-Amz-Date wins when both are present.
 *
 * Checksums: Content-MD5 and x-amz-checksum-{crc32, crc32c, crc64nvme, sha1, sha256} are
 * compared with the body when signed (other algorithms: unsupported_checksum).
 *
 * The payload: with `x-amz-content-sha256` a hash, the body is checked against it when the
 * request_view has the body (`has_body`) or its hash (`body_sha256_hex`); otherwise the
 * result's `unchecked_payload_hash` is set and the application checks the body as it reads
 * it. Without that header, the body's hash is signed (empty body when not available, so a
 * body that is not there cannot verify). STREAMING-* modes: feed the body to a
 * `chunked_body_verifier` made from the result (the `handler` does it when it has the body).
 */
class verifier {
 public:
  verifier(verifier_options o, secret_lookup lookup, clock_fn clock = system_clock())
      : opts_(std::move(o)), lookup_(std::move(lookup)), clock_(std::move(clock)), cache_(opts_.cache_capacity) {}
  /// The same with a `secret_fill` lookup (no allocation per request for the record).
  verifier(verifier_options o, secret_fill fill, clock_fn clock = system_clock())
      : opts_(std::move(o)), fill_(std::move(fill)), clock_(std::move(clock)), cache_(opts_.cache_capacity) {}

  const verifier_options& options() const noexcept { return opts_; }
  signing_key_cache& cache() noexcept { return cache_; }

  /// Verifies `req`, reading Authorization from its headers.
  result<verified_request, errc> verify(const request_view& req) {
    verified_request v;
    auto r = verify(req, v);
    if (!r) return r.error();
    return v;
  }

  /**
   * Verifies `req` with `authorization` (the whole Authorization value, or empty).
   * @return what was established; or the errc of the first failed check with its offset
   *         (into `authorization`, the query string, or 0 for checks of the request as a whole).
   */
  result<verified_request, errc> verify(const request_view& req, std::string_view authorization) {
    verified_request v;
    auto r = verify(req, authorization, v);
    if (!r) return r.error();
    return v;
  }

  /// Verifies `req`, reading Authorization from its headers, into `out` (see below).
  result<void, errc> verify(const request_view& req, verified_request& out) {
    return verify_impl(req, {}, true, out);
  }

  /**
   * Verifies `req` with `authorization` into `v`: the same checks and errors as the overload
   * returning a `verified_request`, but a caller that reuses `v` (e.g. one per thread)
   * reuses its strings' storage, so a verification allocates nothing. On error `v` is left
   * in an unspecified state.
   */
  result<void, errc> verify(const request_view& req, std::string_view authorization, verified_request& v) {
    return verify_impl(req, authorization, false, v);
  }

 private:
  // The checks of both verify(..., verified_request&) overloads; with `find_authorization`
  // the Authorization line is found in the same pass over the headers as the SigV4 ones.
  result<void, errc> verify_impl(const request_view& req, std::string_view authorization, bool find_authorization,
                                 verified_request& v) {
    // One pass over the headers for the SigV4 ones (and Authorization when asked).
    struct amz_header {
      std::string_view value;
      std::size_t count = 0;
    } h_date, h_token, h_sha, h_decoded, h_trailer, h_plain_date;
    std::size_t n_authorization = 0;
    bool any_digest = false;
    // The x-amz-* header lines (their indices), for the all-signed check below.
    std::uint16_t amz_at[16];
    std::size_t amz_count = 0;
    for (std::size_t i = 0; i < req.header_count; ++i) {
      const std::string_view name = req.headers[i].name;
      if (!has_amz_prefix(name)) {
        if (name.size() == 13) {
          if (find_authorization && detail::equals_lower(name, "authorization") && n_authorization++ == 0)
            authorization = req.headers[i].value;
        } else if (name.size() == 11 && detail::equals_lower(name, "content-md5")) {
          any_digest = true;
        } else if (name.size() == 4 && detail::equals_lower(name, "date") && h_plain_date.count++ == 0) {
          h_plain_date.value = detail::trim_ows(req.headers[i].value);
        }
        continue;
      }
      if (amz_count < 16 && i <= 0xFFFF) amz_at[amz_count] = static_cast<std::uint16_t>(i);
      ++amz_count;
      const std::string_view rest = name.substr(6);
      amz_header* slot = nullptr;
      switch (rest.size()) {
        case 4: slot = detail::equals_lower(rest, "date") ? &h_date : nullptr; break;
        case 7: slot = detail::equals_lower(rest, "trailer") ? &h_trailer : nullptr; break;
        case 14:
          slot = detail::equals_lower(rest, "content-sha256")   ? &h_sha
                 : detail::equals_lower(rest, "security-token") ? &h_token
                                                                : nullptr;
          break;
        case 22: slot = detail::equals_lower(rest, "decoded-content-length") ? &h_decoded : nullptr; break;
        default: break;
      }
      if (!slot && rest.size() > 9 && iequals(rest.substr(0, 9), "checksum-")) any_digest = true;
      if (slot && slot->count++ == 0) slot->value = detail::trim_ows(req.headers[i].value);
    }
    if (n_authorization > 1) return {errc::duplicate_header, 0};

    std::string_view path, query;
    if (!req.target.empty() && req.target[0] == '/') {  // origin-form (the usual case)
      const std::size_t q = req.target.find('?');
      path = req.target.substr(0, q);
      query = q == std::string_view::npos ? std::string_view{} : req.target.substr(q + 1);
    } else {
      detail::split_target(req.target, path, query);
    }
    if (path.empty() && req.target != "*" && req.target.find("://") == std::string_view::npos)
      return {errc::bad_target, 0};
    const bool presigned = has_presigned_parameters(query);
    std::string_view auth = authorization;
    {
      std::size_t i = 0;
      while (i < auth.size() && (auth[i] == ' ' || auth[i] == '\t')) ++i;
      if (i == auth.size()) auth = {};
    }
    if (!auth.empty() && presigned) return {errc::both_forms, 0};
    if (auth.empty() && !presigned) return {errc::missing_credentials, 0};

    v.mode = payload_mode::hashed;
    v.presigned = presigned;
    v.decoded_content_length.reset();
    v.declared_trailers.clear();
    v.unchecked_payload_hash.clear();
    std::string_view signed_headers, signature, amz_date, token;
    credential_scope scope;
    const presigned_params* pq = nullptr;  // presigned form only (a per-thread object, reused)
    // That object would keep the security token until the next presigned request: wiped on
    // every path out of here (its size is kept, the bytes zeroed).
    struct wipe_token {
      const presigned_params* const& p;
      ~wipe_token() {
        if (p) secure_wipe(detail::presigned_scratch().security_token);
      }
    } const wipe_pq{pq};
    bool has_token = false;
    std::int64_t t = 0;
    char date_buf[16];  // the ISO 8601 basic form of a fallback Date header
    if (!presigned) {
      auto a = parse_authorization(auth, opts_.limits);
      if (!a) return a.error();
      scope = a->credential;
      signed_headers = a->signed_headers;
      signature = a->signature;
      if (h_date.count > 1) return {errc::duplicate_header, 0};
      if (h_date.count == 1) {
        amz_date = h_date.value;
        if (!detail::parse_amz_date(amz_date, t)) return {errc::bad_date, 0};
      } else {
        // No X-Amz-Date: AWS takes the time from the Date header (ISO 8601 basic format or an
        // IMF-fixdate); the string to sign and the scope check use its ISO 8601 basic form.
        if (h_plain_date.count == 0) return {errc::missing_date, 0};
        if (h_plain_date.count > 1) return {errc::duplicate_header, 0};
        if (!detail::parse_date_header(h_plain_date.value, t)) return {errc::bad_date, 0};
        detail::format_amz_date_to(t, date_buf);
        amz_date = std::string_view(date_buf, sizeof date_buf);
      }
      if (h_token.count > 1) return {errc::duplicate_header, 0};
      if (h_token.count) {
        has_token = true;
        token = h_token.value;
      }
    } else {
      if (!opts_.allow_presigned) return {errc::unsupported_payload_mode, 0};
      auto p = parse_presigned(query, opts_.limits);
      if (!p) return p.error();
      presigned_params& pq_store = detail::presigned_scratch();
      pq_store = std::move(*p);
      pq = &pq_store;
      auto c = pq->scope();
      if (!c) return {c.code(), pq->credential_offset};
      scope = *c;
      signed_headers = pq->signed_headers;
      signature = pq->signature;
      amz_date = pq->date;
      detail::parse_amz_date(amz_date, t);
      has_token = pq->has_security_token;
      token = pq->security_token;
      if (h_token.count > 0) return {errc::duplicate_header, 0};
    }
    const std::size_t scope_at = presigned ? pq->credential_offset : 0;
    // Scope checks.
    // (scope.date has 8 digits; amz_date 16 bytes, both validated)
    if (scope.date.size() != 8 || amz_date.size() < 8 || std::memcmp(scope.date.data(), amz_date.data(), 8) != 0)
      return {errc::scope_date_mismatch, scope_at};
    if (!contains(opts_.regions, scope.region))
      return {errc::region_not_accepted, scope_at};
    if (!contains(opts_.services, scope.service))
      return {errc::service_not_accepted, scope_at};
    // Time.
    const std::int64_t now = clock_ ? clock_() : 0;
    if (!presigned) {
      if (t > now + opts_.max_skew || t < now - opts_.max_skew) return {errc::request_time_too_skewed, 0};
    } else {
      if (t > now + opts_.max_skew) return {errc::presigned_not_yet_valid, pq->date_offset};
      if (now > t + pq->expires_seconds) return {errc::presigned_expired, pq->date_offset};
    }
    // Access key.
    // Per-thread records, reused (their secrets are wiped below on every path out of here).
    thread_local secret_record filled;
    secret_record* rec = nullptr;
    if (fill_) {
      filled.secret.clear();
      filled.session_token.reset();
      filled.identity.clear();
      if (fill_(scope.access_key, filled)) rec = &filled;
    } else if (lookup_) {
      thread_local std::optional<secret_record> looked_up;
      looked_up = lookup_(scope.access_key);
      if (looked_up) rec = &*looked_up;
    }
    if (!rec) return {errc::unknown_access_key, scope_at};
    // The secret is wiped on every path out of here.
    struct wipe {
      std::string& s;
      ~wipe() { secure_wipe(s); }
    } const wipe_secret{rec->secret};
    if (rec->session_token) {
      if (!has_token || !constant_time_equal(*rec->session_token, token)) return {errc::bad_security_token, 0};
    } else if (has_token) {
      return {errc::bad_security_token, 0};
    }
    // The canonical request up to its payload line, for the usual shape (header lines found
    // by a scan; `lines` marks the signed ones); else the signed names and their lines found
    // once by an index (nullptr beyond its capacity: the plain functions then).
    canonical_input in;
    in.method = req.method;
    in.path = path;
    in.query = query;
    in.headers = req.headers;
    in.header_count = req.header_count;
    in.signed_headers = signed_headers;
    in.mode = opts_.mode != path_mode::automatic ? opts_.mode
              : (scope.service.size() == 2 && scope.service[0] == 's' && scope.service[1] == '3') ? path_mode::s3
                                                                                                 : path_mode::normalized;
    in.drop_signature = presigned;
    in.drop_security_token = presigned && opts_.query_token_excluded;
    char creq[1024];
    std::uint32_t lines = 0;
    char* const head = detail::write_usual_canonical_head(creq, sizeof creq, in, lines);
    detail::signed_header_index sh_index;
    const detail::signed_header_index* const shx =
        !head && sh_index.build(signed_headers, req.headers, req.header_count) ? &sh_index : nullptr;
    // Headers: x-amz-* present must be signed.
    if (opts_.require_signed_amz_headers && amz_count && (head || shx) && amz_count <= 16) {
      for (std::size_t k = 0; k < amz_count; ++k) {
        if (head ? (lines >> amz_at[k] & 1u) != 0 : shx->which[amz_at[k]] >= 0) continue;
        if (opts_.allow_unsigned_security_token && detail::equals_lower(req.headers[amz_at[k]].name, "x-amz-security-token"))
          continue;
        return {errc::unsigned_amz_header, 0};
      }
    } else if (opts_.require_signed_amz_headers && amz_count) {
      const bool indexed = amz_count <= 16;
      for (std::size_t k = 0, n = indexed ? amz_count : req.header_count; k < n; ++k) {
        const std::string_view name = req.headers[indexed ? amz_at[k] : k].name;
        if (!has_amz_prefix(name)) continue;
        if (opts_.allow_unsigned_security_token && detail::equals_lower(name, "x-amz-security-token")) continue;
        if (!list_contains(signed_headers, name)) return {errc::unsigned_amz_header, 0};
      }
    }
    // The payload hash.
    std::string_view payload;
    char body_hex[64];
    bool body_hashed = false;
    auto body_hash = [&]() -> std::string_view {
      if (!req.body_sha256_hex.empty()) return req.body_sha256_hex;
      if (req.body.empty()) return empty_sha256;
      if (!body_hashed) {
        hash(hash_algorithm::sha256, req.body).hex_to(body_hex);
        body_hashed = true;
      }
      return std::string_view(body_hex, 64);
    };
    const std::size_t nsha = h_sha.count;
    if (nsha > 1) return {errc::duplicate_header, 0};
    bool check_body_hash = false;
    if (nsha == 1) {
      payload = h_sha.value;
      if (payload == unsigned_payload) {
        v.mode = payload_mode::not_signed;
      } else if (payload == streaming_payload) {
        v.mode = payload_mode::streaming_signed;
      } else if (payload == streaming_payload_trailer) {
        v.mode = payload_mode::streaming_signed_trailer;
      } else if (payload == streaming_unsigned_payload_trailer) {
        v.mode = payload_mode::streaming_unsigned_trailer;
      } else if (!detail::check_signature_hex(payload, 0)) {
        return {errc::bad_content_sha256, 0};
      } else {
        check_body_hash = true;
      }
      if (v.mode == payload_mode::not_signed && !opts_.allow_unsigned_payload)
        return {errc::unsupported_payload_mode, 0};
      if (is_streaming(v.mode) && (!opts_.allow_streaming || presigned)) return {errc::unsupported_payload_mode, 0};
    } else if (presigned && scope.service == "s3") {
      payload = unsigned_payload;
      v.mode = payload_mode::not_signed;
    } else {
      payload = body_hash();
    }
    // Canonical request (the usual one finished in place; else hashed as it is produced),
    // string to sign, signature.
    thread_local std::string sts;
    in.payload_hash = payload;
    digest_bytes cr;
    if (head && payload.size() <= 64) {
      const char* const e = detail::put_bytes(head, payload.data(), payload.size());
      cr = hash(hash_algorithm::sha256, std::string_view(creq, static_cast<std::size_t>(e - creq)));
    } else if (auto c = hash_canonical_request(in, shx)) {
      cr = *c;
    } else {
      return {errc::signed_header_absent, presigned ? pq->signed_headers_offset : 0};
    }
    // The string to sign: in a stack buffer when it fits (the usual case), else the string.
    char sts_buf[256];
    std::string_view sts_view;
    if (const std::size_t n = algorithm.size() + amz_date.size() + scope.scope.size() + 3 + 2 * cr.size;
        n <= sizeof sts_buf) {
      char* p = detail::put_bytes(sts_buf, algorithm.data(), algorithm.size());
      *p++ = '\n';
      p = detail::put_bytes(p, amz_date.data(), amz_date.size());
      *p++ = '\n';
      p = detail::put_bytes(p, scope.scope.data(), scope.scope.size());
      *p++ = '\n';
      cr.hex_to(p);
      sts_view = std::string_view(sts_buf, n);
    } else {
      build_string_to_sign(sts, amz_date, scope.scope, cr);
      sts_view = sts;
    }
    const digest_bytes key = cache_.get(scope.access_key, rec->secret, scope.date, scope.region, scope.service);
    // Compared in constant time as 64 lower-case hex digits (the signature's hex was
    // validated when parsing, so equal text means equal bytes).
    if (!detail::hmac_raw(key, {sts_view}).hex_equal(signature))
      return {errc::signature_mismatch, presigned ? pq->signature_offset : 0};
    // Body checks (the signature holds; now the body must match what was signed).
    const bool body_known = req.has_body || !req.body_sha256_hex.empty();
    if (check_body_hash && body_known && !constant_time_equal(payload, body_hash()))
      return {errc::payload_hash_mismatch, 0};
    if (check_body_hash && !body_known) v.unchecked_payload_hash.assign(payload);
    if (any_digest && req.has_body && !is_streaming(v.mode)) {
      auto b = check_body_digests(req, signed_headers);
      if (!b) return b.error();
    }
    // Done. (A reused result's strings usually already have the right sizes: then a plain copy.)
    auto put = [](std::string& dst, std::string_view src) {
      if (dst.size() == src.size()) {
        detail::put_bytes(&dst[0], src.data(), src.size());
      } else {
        dst.assign(src.data(), src.size());
      }
    };
    put(v.access_key, scope.access_key);
    put(v.identity, rec->identity.empty() ? scope.access_key : std::string_view(rec->identity));
    put(v.amz_date, amz_date);
    put(v.scope, scope.scope);
    put(v.region, scope.region);
    put(v.service, scope.service);
    put(v.seed_signature, signature);
    v.signing_key = key;
    if (is_streaming(v.mode)) {
      if (h_decoded.count) {
        const std::optional<std::string_view> d = h_decoded.value;
        std::uint64_t len = 0;
        if (d->empty() || d->size() > 19) return {errc::decoded_length_mismatch, 0};
        for (char c : *d) {
          if (!detail::is_digit(c)) return {errc::decoded_length_mismatch, 0};
          len = len * 10 + static_cast<std::uint64_t>(c - '0');
        }
        v.decoded_content_length = len;
      }
      if (h_trailer.count) {
        const std::optional<std::string_view> tr = h_trailer.value;
        std::string_view l = *tr;
        std::size_t b = 0;
        for (std::size_t i = 0; i <= l.size(); ++i) {
          if (i < l.size() && l[i] != ',') continue;
          std::string name;
          detail::append_trimmed(name, l.substr(b, i - b));
          if (!name.empty()) v.declared_trailers.push_back(detail::lower(name));
          b = i + 1;
        }
      }
    }
    return {};
  }

  // True when `list` holds `s` (sizes first, then the bytes).
  static bool contains(const std::vector<std::string>& list, std::string_view s) noexcept {
    for (const std::string& e : list)
      if (detail::bytes_equal(e, s)) return true;
    return false;
  }

  // True when `name` starts with "x-amz-" in any case ((c | 0x20) == 'x' holds for 'x' and 'X' only).
  // Two loads: the letters (bytes 0, 2, 3, 4) OR-ed with 0x20, the '-' (bytes 1, 5) as they are.
  static bool has_amz_prefix(std::string_view n) noexcept {
    if (n.size() < 6) return false;
    std::uint32_t a;
    std::uint16_t b;
    std::memcpy(&a, n.data(), 4);
    std::memcpy(&b, n.data() + 4, 2);
    const std::uint64_t lower_a = a | detail::load4("\x20\x00\x20\x20");
    std::uint16_t mask_b, want_b;
    std::memcpy(&mask_b, "\x20\x00", 2);
    std::memcpy(&want_b, "z-", 2);
    return lower_a == detail::load4("x-am") && static_cast<std::uint16_t>(b | mask_b) == want_b;
  }

  // True when `name` (any case) is an element of the lower-case ';' list.
  static bool list_contains(std::string_view list, std::string_view name) {
    char buf[128 + 8];
    if (name.empty() || name.size() > 128) return false;
    detail::lower_copy(buf, name.data(), name.size());
    const std::string_view n(buf, name.size());
    for (std::size_t at = list.find(n); at != std::string_view::npos; at = list.find(n, at + 1)) {
      const bool starts = at == 0 || list[at - 1] == ';';
      const bool ends = at + n.size() == list.size() || list[at + n.size()] == ';';
      if (starts && ends) return true;
    }
    return false;
  }

  // Content-MD5 and x-amz-checksum-* against the body, when signed.
  static result<void, errc> check_body_digests(const request_view& req, std::string_view signed_headers) {
    if (auto md5 = req.header("content-md5"); md5 && list_contains(signed_headers, "content-md5")) {
      std::string raw;
      if (!base64_decode(raw, *md5) || raw.size() != 16) return {errc::bad_content_md5, 0};
      if (!constant_time_equal(raw, hash(hash_algorithm::md5, req.body).view())) return {errc::content_md5_mismatch, 0};
    }
    for (std::size_t i = 0; i < req.header_count; ++i) {
      const std::string_view raw_name = req.headers[i].name;
      if (raw_name.size() < 15 || !iequals(raw_name.substr(0, 15), "x-amz-checksum-")) continue;
      const std::string name = detail::lower(raw_name);
      const auto a = detail::checksum_from_header(name);
      if (a == checksum_algorithm::none || !list_contains(signed_headers, name)) continue;
      if (a == checksum_algorithm::unsupported) return {errc::unsupported_checksum, 0};
      std::string v;
      detail::append_trimmed(v, req.headers[i].value);
      if (!constant_time_equal(checksum_base64(a, req.body), v)) return {errc::checksum_mismatch, 0};
    }
    return {};
  }

  verifier_options opts_;
  secret_lookup lookup_;
  secret_fill fill_;
  clock_fn clock_;
  signing_key_cache cache_;
};

/**
 * The `scheme_handler` of AWS4-HMAC-SHA256: claims presigned requests, verifies with a
 * `verifier`, verifies an aws-chunked body when the adapter has it, and maps each errc to a
 * verdict: 400 (bad_request), 401 with a challenge (missing signature), 403 (forbidden), with
 * the S3 error code in `verdict.code`.
 *
 * The challenge: `AWS4-HMAC-SHA256 realm="<realm>", region="<first region>", service="<first service>"`.
 */
class handler : public scheme_handler {
 public:
  handler(verifier_options o, secret_lookup lookup, clock_fn clock = system_clock())
      : v_(std::move(o), std::move(lookup), std::move(clock)) {}

  /// Bodies the adapter did not hand over (`has_body` false, no `body_sha256_hex`): with
  /// false (the default) such a request is refused (unsupported_payload_mode) when its signed
  /// payload is an aws-chunked stream or the hash of a non-empty body; with true it is allowed
  /// after the header checks, and the application verifies the body itself (`verifier()`,
  /// `verified_request::unchecked_payload_hash`, `chunked_body_verifier`).
  bool defer_body_checks = false;
  streaming_options streaming;

  std::string_view scheme() const noexcept override { return algorithm; }
  aws_sigv4::verifier& verifier() noexcept { return v_; }

  void challenges(const request_view&, std::vector<std::string>& out) override {
    challenge_builder b(algorithm);
    b.param("realm", v_.options().realm, quoting::always);
    if (!v_.options().regions.empty()) b.param("region", v_.options().regions.front(), quoting::always);
    if (!v_.options().services.empty()) b.param("service", v_.options().services.front(), quoting::always);
    if (auto s = std::move(b).str()) out.push_back(std::move(*s));
  }

  bool has_other_credentials(const request_view& req) const override {
    return has_presigned_parameters(req.query());
  }

  verdict verify(const request_view& req, std::string_view authorization) override {
    // One verified_request per thread, reused (its strings keep their storage); the signing
    // key it holds is wiped on the way out.
    thread_local verified_request tv;
    struct wipe {
      verified_request& v;
      ~wipe() { secure_wipe(v.signing_key.data.data(), v.signing_key.data.size()); }
    } const wipe_key{tv};
    verified_request* const r = &tv;
    if (auto e = v_.verify(req, authorization, tv); !e) return refuse(e.code(), has_presigned_parameters(req.query()));
    if (is_streaming(r->mode)) {
      if (req.has_body) {
        chunked_body_verifier cv(*r, streaming);
        std::string sink;
        auto f = cv.feed(req.body, sink);
        if (f) f = cv.finish();
        if (!f) return refuse(f.code(), false);
      } else if (!defer_body_checks) {
        return refuse(errc::unsupported_payload_mode, false);
      }
    }
    if (!r->unchecked_payload_hash.empty() && !defer_body_checks) {
      // Only an empty body may go unchecked: the empty hash and no body announced.
      const auto cl = req.header("content-length");
      const bool empty_body = r->unchecked_payload_hash == empty_sha256 && !req.header("transfer-encoding") &&
                              (!cl || detail::trim_ows(*cl) == "0");
      if (!empty_body) return refuse(errc::unsupported_payload_mode, false);
    }
    return verdict::allow(r->identity);
  }

  /// The verdict for `e`.
  static verdict refuse(errc e, bool presigned) {
    const int st = http_status(e);
    const verdict_kind k = st == 401 ? verdict_kind::unauthorized
                           : st == 403 ? verdict_kind::forbidden
                                       : verdict_kind::bad_request;
    verdict v = verdict::make(k, std::string(to_string(e)));
    v.code = std::string(s3_code(e, presigned));
    return v;
  }

 private:
  aws_sigv4::verifier v_;
};

}  // namespace aws_sigv4
}  // namespace v1
}  // namespace authwire
