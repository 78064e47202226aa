// SPDX-License-Identifier: MIT
/**
 * @file aws_sigv4/signing.hpp
 * @brief Client-side signing: the Authorization header form and presigned URLs, with the same canonicalization code the verifier uses.
 *
 * Part of `authwire/schemes/aws_sigv4.hpp`; include that header.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../../decision.hpp"
#include "canonical.hpp"

namespace authwire {
inline namespace v1 {
namespace aws_sigv4 {

/// What to sign with.
struct signing_params {
  std::string_view access_key;
  std::string_view secret;          ///< never printed, never copied into the output
  std::string_view session_token;   ///< optional (X-Amz-Security-Token)
  std::string_view region;
  std::string_view service;
  std::int64_t time = 0;            ///< Unix seconds (X-Amz-Date)
  path_mode mode = path_mode::automatic;
  /// The payload hash to sign; empty: SHA-256 of the body (UNSIGNED-PAYLOAD for a presigned
  /// S3 request).
  std::string_view payload_hash;
  /// Adds `x-amz-content-sha256` (header form; S3 requires it). Automatic for S3.
  std::optional<bool> add_content_sha256;
  bool sign_session_token = true;   ///< false: the token is added after signing (unsigned)
  std::int64_t expires = 3600;      ///< presigned: X-Amz-Expires
  /// Header names (lower-case) never signed. The default follows aws-c-auth.
  std::vector<std::string_view> unsigned_headers = {"authorization", "user-agent", "x-amzn-trace-id", "expect",
                                                    "connection", "transfer-encoding", "proxy-authorization"};
};

/// The outcome of signing. Holds no secret (the signature is a per-request value).
struct signed_request {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string amz_date;
  std::string scope;
  std::string signed_headers;
  /// Header form: the value of `Authorization`.
  std::string authorization;
  /// Headers to add to the request, in order (X-Amz-Date, X-Amz-Security-Token,
  /// x-amz-content-sha256, and Authorization for the header form).
  std::vector<header_line> headers;
  /// Presigned form: the new request-target (path '?' original query '&' X-Amz-*).
  std::string target;
};

namespace detail {
inline bool is_unsigned_name(std::string_view name, const signing_params& p) {
  for (auto u : p.unsigned_headers)
    if (iequals(u, name)) return true;
  return false;
}

inline void split_target(std::string_view target, std::string_view& path, std::string_view& query) {
  // absolute-form: skip scheme://authority
  const auto ss = target.find("://");
  if (ss != std::string_view::npos && target.find('/') > ss) {
    const auto p = target.find('/', ss + 3);
    const auto q = target.find('?', ss + 3);
    const auto start = std::min(p, q);
    target = start == std::string_view::npos ? std::string_view{} : target.substr(start);
  }
  const auto q = target.find('?');
  path = target.substr(0, q);
  query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

inline std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = authwire::detail::ascii_lower(c);
  return r;
}

/// Sorted, de-duplicated lower-case names of `hs` that are to be signed.
inline std::string signed_list(const std::vector<header_view>& hs, const signing_params& p) {
  std::vector<std::string> names;
  for (auto& h : hs)
    if (!is_unsigned_name(h.name, p)) names.push_back(lower(h.name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string s;
  for (auto& n : names) {
    if (!s.empty()) s += ';';
    s += n;
  }
  return s;
}

/// `s` without leading and trailing SP / HTAB (OWS around a field value).
constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline bool has_ctl(std::string_view s) {
  for (char c : s)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) return true;
  return false;
}
}  // namespace detail

/**
 * Signs `req` in the header form: adds X-Amz-Date (replacing one already present),
 * X-Amz-Security-Token, x-amz-content-sha256 (S3), and computes Authorization. Every header of
 * the request is signed except `params.unsigned_headers`; `host` must be present.
 *
 * @return the signed request; errors: signed_headers_missing_host (no Host header),
 *         bad_signed_headers (a header name or value with CR/LF/CTL), bad_credential.
 */
[[nodiscard]] inline result<signed_request, errc> sign_request(const request_view& req, const signing_params& p) {
  signed_request out;
  if (detail::has_ctl(p.access_key) || p.access_key.empty() || p.access_key.find('/') != std::string_view::npos)
    return {errc::bad_credential, 0};
  if (detail::has_ctl(p.session_token)) return {errc::bad_security_token, 0};
  out.amz_date = detail::format_amz_date(p.time);
  const std::string date = out.amz_date.substr(0, 8);
  out.scope = date + "/" + std::string(p.region) + "/" + std::string(p.service) + "/" + std::string(scope_terminator);
  if (!parse_credential(std::string(p.access_key) + "/" + out.scope)) return {errc::bad_credential, 0};
  const path_mode mode = resolve(p.mode, p.service);
  std::string_view path, query;
  detail::split_target(req.target, path, query);

  std::string payload(p.payload_hash);
  if (payload.empty()) payload = req.body_sha256_hex.empty() ? hash(hash_algorithm::sha256, req.body).hex()
                                                            : std::string(req.body_sha256_hex);
  const bool add_sha = p.add_content_sha256.value_or(p.service == "s3");

  std::vector<header_view> hs;
  for (std::size_t i = 0; i < req.header_count; ++i) {
    const auto& h = req.headers[i];
    if (iequals(h.name, "x-amz-date") || iequals(h.name, "authorization") ||
        (!p.session_token.empty() && iequals(h.name, "x-amz-security-token")) ||
        (add_sha && iequals(h.name, "x-amz-content-sha256")))
      continue;
    if (!is_token(h.name) || detail::has_ctl(h.value)) return {errc::bad_signed_headers, i};
    hs.push_back(h);
  }
  out.headers.push_back({"X-Amz-Date", out.amz_date});
  if (!p.session_token.empty()) out.headers.push_back({"X-Amz-Security-Token", std::string(p.session_token)});
  if (add_sha) out.headers.push_back({"x-amz-content-sha256", payload});
  for (auto& h : out.headers) {
    if (!p.sign_session_token && h.name == "X-Amz-Security-Token") continue;
    hs.push_back({h.name, h.value});
  }
  out.signed_headers = detail::signed_list(hs, p);
  if (!check_signed_headers(out.signed_headers)) return {errc::signed_headers_missing_host, 0};

  canonical_input in;
  in.method = req.method;
  in.path = path;
  in.query = query;
  in.headers = hs.data();
  in.header_count = hs.size();
  in.signed_headers = out.signed_headers;
  in.payload_hash = payload;
  in.mode = mode;
  auto r = build_canonical_request(out.canonical_request, in);
  if (!r) return r.error();
  build_string_to_sign(out.string_to_sign, out.amz_date, out.scope, out.canonical_request);
  const digest_bytes key = derive_signing_key(p.secret, date, p.region, p.service);
  out.signature = compute_signature(key, out.string_to_sign);
  out.authorization = std::string(algorithm) + " Credential=" + std::string(p.access_key) + "/" + out.scope +
                      ", SignedHeaders=" + out.signed_headers + ", Signature=" + out.signature;
  out.headers.push_back({"Authorization", out.authorization});
  return out;
}

/**
 * Signs `req` as a presigned URL: appends X-Amz-Algorithm, -Credential, -Date, -Expires,
 * -SignedHeaders (and -Security-Token) to the query, signs, and appends X-Amz-Signature.
 * The result's `target` is the new request-target. Every header is signed except
 * `params.unsigned_headers`. The payload hash is UNSIGNED-PAYLOAD for S3, else the body's
 * SHA-256, unless `params.payload_hash` says otherwise.
 * @return errors as sign_request, and bad_expires.
 */
[[nodiscard]] inline result<signed_request, errc> presign_request(const request_view& req, const signing_params& p) {
  signed_request out;
  if (p.expires < 1 || p.expires > max_presigned_expires) return {errc::bad_expires, 0};
  if (detail::has_ctl(p.access_key) || p.access_key.empty() || p.access_key.find('/') != std::string_view::npos)
    return {errc::bad_credential, 0};
  out.amz_date = detail::format_amz_date(p.time);
  const std::string date = out.amz_date.substr(0, 8);
  out.scope = date + "/" + std::string(p.region) + "/" + std::string(p.service) + "/" + std::string(scope_terminator);
  if (!parse_credential(std::string(p.access_key) + "/" + out.scope)) return {errc::bad_credential, 0};
  const path_mode mode = resolve(p.mode, p.service);
  std::string_view path, query;
  detail::split_target(req.target, path, query);
  std::string payload(p.payload_hash);
  if (payload.empty()) {
    if (p.service == "s3")
      payload = std::string(unsigned_payload);
    else
      payload = req.body_sha256_hex.empty() ? hash(hash_algorithm::sha256, req.body).hex()
                                            : std::string(req.body_sha256_hex);
  }
  std::vector<header_view> hs;
  for (std::size_t i = 0; i < req.header_count; ++i) {
    const auto& h = req.headers[i];
    if (iequals(h.name, "authorization")) continue;
    if (!is_token(h.name) || detail::has_ctl(h.value)) return {errc::bad_signed_headers, i};
    hs.push_back(h);
  }
  out.signed_headers = detail::signed_list(hs, p);
  if (!check_signed_headers(out.signed_headers)) return {errc::signed_headers_missing_host, 0};

  std::string q(query);
  auto add = [&q](std::string_view k, std::string_view v) {
    if (!q.empty()) q += '&';
    q.append(k);
    q += '=';
    detail::uri_encode(q, v, false);
  };
  add("X-Amz-Algorithm", algorithm);
  add("X-Amz-Credential", std::string(p.access_key) + "/" + out.scope);
  add("X-Amz-Date", out.amz_date);
  add("X-Amz-SignedHeaders", out.signed_headers);
  add("X-Amz-Expires", std::to_string(p.expires));
  std::string unsigned_token;
  if (!p.session_token.empty()) {
    if (p.sign_session_token) {
      add("X-Amz-Security-Token", p.session_token);
    } else {
      unsigned_token = "X-Amz-Security-Token=";
      detail::uri_encode(unsigned_token, p.session_token, false);
    }
  }
  canonical_input in;
  in.method = req.method;
  in.path = path;
  in.query = q;
  in.headers = hs.data();
  in.header_count = hs.size();
  in.signed_headers = out.signed_headers;
  in.payload_hash = payload;
  in.mode = mode;
  auto r = build_canonical_request(out.canonical_request, in);
  if (!r) return r.error();
  build_string_to_sign(out.string_to_sign, out.amz_date, out.scope, out.canonical_request);
  const digest_bytes key = derive_signing_key(p.secret, date, p.region, p.service);
  out.signature = compute_signature(key, out.string_to_sign);
  if (!unsigned_token.empty()) q += "&" + unsigned_token;
  q += "&X-Amz-Signature=" + out.signature;
  out.target = std::string(path.empty() ? std::string_view("/") : path) + "?" + q;
  return out;
}

}  // namespace aws_sigv4
}  // namespace v1
}  // namespace authwire
