// SPDX-License-Identifier: MIT
/**
 * @file aws_sigv4.hpp
 * @brief AWS Signature Version 4 (`AWS4-HMAC-SHA256`): the Authorization grammar AWS defines,
 *        presigned-URL parameters, the canonical request, signing (header form and presigned
 *        URL), a reusable server-side verifier with every check a server must make, the
 *        chunk-signature chain of streaming uploads, and a `scheme_handler`.
 *
 * The Authorization value of SigV4 does not follow RFC 9110's auth-param grammar (`/` and `;`
 * appear unquoted), so it is parsed here with the grammar AWS documents, not with
 * `parse_credentials`.
 *
 * @code
 *   aws_sigv4::verifier_options o;
 *   o.regions = {"us-east-1"};
 *   o.services = {"s3"};
 *   auto h = std::make_shared<aws_sigv4::handler>(o, [](std::string_view akid) {
 *     return akid == "AKID" ? std::optional<aws_sigv4::secret_record>({"SECRET"}) : std::nullopt;
 *   });
 *   authwire::authenticator auth;
 *   auth.add(h);
 * @endcode
 */
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../challenge.hpp"
#include "../clock.hpp"
#include "../codec.hpp"
#include "../config.hpp"
#include "../crypto.hpp"
#include "../error.hpp"
#include "../grammar.hpp"
#include "../result.hpp"
#include "../server.hpp"
#include "aws_sigv4/detail.hpp"

namespace authwire {
inline namespace v1 {
namespace aws_sigv4 {

/// The algorithm name: the auth-scheme of the header form and `X-Amz-Algorithm`.
inline constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
/// The last element of a credential scope.
inline constexpr std::string_view scope_terminator = "aws4_request";
/// `x-amz-content-sha256` values with a meaning of their own.
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view streaming_payload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view streaming_payload_trailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view streaming_unsigned_payload_trailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
/// SHA-256 of the empty string, hex.
inline constexpr std::string_view empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The longest `X-Amz-Expires` AWS allows (7 days).
inline constexpr std::int64_t max_presigned_expires = 604800;

/**
 * Errors of SigV4 parsing, verification and streaming. Values are never reused.
 * `http_status()` and `s3_code()` map each to the answer S3 gives.
 */
enum class errc : std::uint8_t {
  ok = 0,
  // The Authorization value (offsets into it).
  bad_scheme = 1,                   ///< the scheme is not exactly AWS4-HMAC-SHA256
  expected_space = 2,               ///< the scheme is not followed by a space
  expected_component = 3,           ///< a component name (Credential, SignedHeaders, Signature) is missing
  unknown_component = 4,            ///< a component other than the three AWS defines
  duplicate_component = 5,          ///< a component given twice
  expected_equals = 6,              ///< a component name not followed by '='
  expected_comma = 7,               ///< a component value followed by something other than ','
  missing_credential = 8,           ///< no Credential= (offset: end of value)
  missing_signed_headers = 9,       ///< no SignedHeaders= (offset: end of value)
  missing_signature = 10,           ///< no Signature= (offset: end of value)
  bad_credential = 11,              ///< not access-key/date/region/service/aws4_request
  bad_scope_date = 12,              ///< the scope date is not a valid YYYYMMDD
  bad_scope_terminator = 13,        ///< the scope does not end with aws4_request
  bad_signed_headers = 14,          ///< an empty, upper-case or non-token name in SignedHeaders
  signed_headers_not_sorted = 15,   ///< SignedHeaders not strictly ascending (or a name twice)
  signed_headers_missing_host = 16, ///< SignedHeaders does not include host
  bad_signature_format = 17,        ///< the signature is not 64 lower-case hex digits
  // Presigned URL (offsets into the query string, after '?').
  bad_query_encoding = 18,          ///< a bad %XX escape in an X-Amz-* parameter
  duplicate_query_parameter = 19,   ///< an X-Amz-* authentication parameter given twice
  missing_query_parameter = 20,     ///< a required X-Amz-* parameter is missing
  bad_algorithm = 21,               ///< X-Amz-Algorithm is not AWS4-HMAC-SHA256
  bad_expires = 22,                 ///< X-Amz-Expires not an integer 1..604800
  both_forms = 23,                  ///< an Authorization header and presigned parameters together
  // The request.
  missing_date = 24,                ///< no X-Amz-Date
  bad_date = 25,                    ///< X-Amz-Date is not YYYYMMDDTHHMMSSZ
  duplicate_header = 26,            ///< X-Amz-Date, x-amz-content-sha256 or the token sent twice
  signed_header_absent = 27,        ///< a header named in SignedHeaders is not in the request
  bad_content_sha256 = 28,          ///< x-amz-content-sha256 is neither a hash nor a known mode
  bad_target = 29,                  ///< the request-target has no usable path
  // Server checks.
  scope_date_mismatch = 30,         ///< the credential scope date is not the X-Amz-Date day
  region_not_accepted = 31,         ///< the scope's region is not one the application accepts
  service_not_accepted = 32,        ///< the scope's service is not one the application accepts
  unknown_access_key = 33,          ///< the access key is unknown
  bad_security_token = 34,          ///< the session token is missing, unexpected or wrong
  request_time_too_skewed = 35,     ///< X-Amz-Date too far from the server clock
  presigned_expired = 36,           ///< X-Amz-Date + X-Amz-Expires is in the past
  presigned_not_yet_valid = 37,     ///< X-Amz-Date is in the future
  unsigned_amz_header = 38,         ///< an x-amz-* header is present but not signed
  content_md5_mismatch = 39,        ///< Content-MD5 does not match the body
  checksum_mismatch = 40,           ///< an x-amz-checksum-* value does not match the body
  payload_hash_mismatch = 41,       ///< x-amz-content-sha256 does not match the body
  signature_mismatch = 42,          ///< the signature is wrong
  missing_credentials = 43,         ///< no signature at all (answered with a challenge)
  unsupported_payload_mode = 44,    ///< a payload mode the options refuse, or streaming without a body
  // Streaming bodies (offsets into the body).
  chunk_malformed = 45,             ///< a chunk header or its CRLF is malformed
  chunk_too_large = 46,             ///< a chunk exceeds the configured limit
  chunk_signature_mismatch = 47,    ///< a chunk signature is wrong (tampered, reordered, missing chunk)
  body_truncated = 48,              ///< the body ended inside a chunk or a trailer
  missing_final_chunk = 49,         ///< the body ended without the zero-length final chunk
  trailer_malformed = 50,           ///< a trailer line is malformed or undeclared
  trailer_signature_mismatch = 51,  ///< x-amz-trailer-signature is wrong or missing
  decoded_length_mismatch = 52,     ///< x-amz-decoded-content-length differs from the data
  data_after_final_chunk = 53,      ///< bytes after the end of the chunked body
  unsupported_checksum = 54,        ///< a checksum algorithm this library does not compute
  too_many_items = 55,              ///< more signed headers or query parameters than the limits allow
  bad_content_md5 = 56,             ///< Content-MD5 is not base64 of 16 bytes
};

/// The enumerator's name as spelled in the source.
constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::bad_scheme: return "bad_scheme";
    case errc::expected_space: return "expected_space";
    case errc::expected_component: return "expected_component";
    case errc::unknown_component: return "unknown_component";
    case errc::duplicate_component: return "duplicate_component";
    case errc::expected_equals: return "expected_equals";
    case errc::expected_comma: return "expected_comma";
    case errc::missing_credential: return "missing_credential";
    case errc::missing_signed_headers: return "missing_signed_headers";
    case errc::missing_signature: return "missing_signature";
    case errc::bad_credential: return "bad_credential";
    case errc::bad_scope_date: return "bad_scope_date";
    case errc::bad_scope_terminator: return "bad_scope_terminator";
    case errc::bad_signed_headers: return "bad_signed_headers";
    case errc::signed_headers_not_sorted: return "signed_headers_not_sorted";
    case errc::signed_headers_missing_host: return "signed_headers_missing_host";
    case errc::bad_signature_format: return "bad_signature_format";
    case errc::bad_query_encoding: return "bad_query_encoding";
    case errc::duplicate_query_parameter: return "duplicate_query_parameter";
    case errc::missing_query_parameter: return "missing_query_parameter";
    case errc::bad_algorithm: return "bad_algorithm";
    case errc::bad_expires: return "bad_expires";
    case errc::both_forms: return "both_forms";
    case errc::missing_date: return "missing_date";
    case errc::bad_date: return "bad_date";
    case errc::duplicate_header: return "duplicate_header";
    case errc::signed_header_absent: return "signed_header_absent";
    case errc::bad_content_sha256: return "bad_content_sha256";
    case errc::bad_target: return "bad_target";
    case errc::scope_date_mismatch: return "scope_date_mismatch";
    case errc::region_not_accepted: return "region_not_accepted";
    case errc::service_not_accepted: return "service_not_accepted";
    case errc::unknown_access_key: return "unknown_access_key";
    case errc::bad_security_token: return "bad_security_token";
    case errc::request_time_too_skewed: return "request_time_too_skewed";
    case errc::presigned_expired: return "presigned_expired";
    case errc::presigned_not_yet_valid: return "presigned_not_yet_valid";
    case errc::unsigned_amz_header: return "unsigned_amz_header";
    case errc::content_md5_mismatch: return "content_md5_mismatch";
    case errc::checksum_mismatch: return "checksum_mismatch";
    case errc::payload_hash_mismatch: return "payload_hash_mismatch";
    case errc::signature_mismatch: return "signature_mismatch";
    case errc::missing_credentials: return "missing_credentials";
    case errc::unsupported_payload_mode: return "unsupported_payload_mode";
    case errc::chunk_malformed: return "chunk_malformed";
    case errc::chunk_too_large: return "chunk_too_large";
    case errc::chunk_signature_mismatch: return "chunk_signature_mismatch";
    case errc::body_truncated: return "body_truncated";
    case errc::missing_final_chunk: return "missing_final_chunk";
    case errc::trailer_malformed: return "trailer_malformed";
    case errc::trailer_signature_mismatch: return "trailer_signature_mismatch";
    case errc::decoded_length_mismatch: return "decoded_length_mismatch";
    case errc::data_after_final_chunk: return "data_after_final_chunk";
    case errc::unsupported_checksum: return "unsupported_checksum";
    case errc::too_many_items: return "too_many_items";
    case errc::bad_content_md5: return "bad_content_md5";
  }
  return "unknown";
}

/// A one-line English description, with no secret in it.
constexpr std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::ok: return "no error";
    case errc::bad_scheme: return "the algorithm is not AWS4-HMAC-SHA256";
    case errc::expected_space: return "the algorithm must be followed by a space";
    case errc::expected_component: return "Credential, SignedHeaders or Signature expected";
    case errc::unknown_component: return "an unknown Authorization component";
    case errc::duplicate_component: return "an Authorization component given twice";
    case errc::expected_equals: return "a component name must be followed by '='";
    case errc::expected_comma: return "components are separated by ','";
    case errc::missing_credential: return "Credential is missing";
    case errc::missing_signed_headers: return "SignedHeaders is missing";
    case errc::missing_signature: return "Signature is missing";
    case errc::bad_credential: return "Credential is not access-key/date/region/service/aws4_request";
    case errc::bad_scope_date: return "the credential scope date is not a valid YYYYMMDD";
    case errc::bad_scope_terminator: return "the credential scope must end with aws4_request";
    case errc::bad_signed_headers: return "SignedHeaders holds an empty or non-lower-case name";
    case errc::signed_headers_not_sorted: return "SignedHeaders is not sorted or repeats a name";
    case errc::signed_headers_missing_host: return "SignedHeaders must include host";
    case errc::bad_signature_format: return "the signature is not 64 lower-case hex digits";
    case errc::bad_query_encoding: return "a bad percent-escape in the query";
    case errc::duplicate_query_parameter: return "an X-Amz-* query parameter given twice";
    case errc::missing_query_parameter: return "a required X-Amz-* query parameter is missing";
    case errc::bad_algorithm: return "X-Amz-Algorithm is not AWS4-HMAC-SHA256";
    case errc::bad_expires: return "X-Amz-Expires must be an integer from 1 to 604800";
    case errc::both_forms: return "only one of the Authorization header and a presigned query may be used";
    case errc::missing_date: return "X-Amz-Date is missing";
    case errc::bad_date: return "X-Amz-Date is not YYYYMMDDTHHMMSSZ";
    case errc::duplicate_header: return "a SigV4 header is given more than once";
    case errc::signed_header_absent: return "a signed header is not present in the request";
    case errc::bad_content_sha256: return "x-amz-content-sha256 is not a SHA-256 hex value or a known mode";
    case errc::bad_target: return "the request-target has no path";
    case errc::scope_date_mismatch: return "the credential scope date is not the day of X-Amz-Date";
    case errc::region_not_accepted: return "the credential scope region is not accepted here";
    case errc::service_not_accepted: return "the credential scope service is not accepted here";
    case errc::unknown_access_key: return "the access key is not known";
    case errc::bad_security_token: return "the security token is missing or invalid";
    case errc::request_time_too_skewed: return "the request time is too far from the server time";
    case errc::presigned_expired: return "the presigned request has expired";
    case errc::presigned_not_yet_valid: return "the presigned request is not yet valid";
    case errc::unsigned_amz_header: return "an x-amz-* header is present but not signed";
    case errc::content_md5_mismatch: return "Content-MD5 does not match the body";
    case errc::checksum_mismatch: return "an x-amz-checksum value does not match the body";
    case errc::payload_hash_mismatch: return "x-amz-content-sha256 does not match the body";
    case errc::signature_mismatch: return "the signature does not match";
    case errc::missing_credentials: return "the request is not signed";
    case errc::unsupported_payload_mode: return "this payload mode is not accepted";
    case errc::chunk_malformed: return "a malformed chunk";
    case errc::chunk_too_large: return "a chunk exceeds the size limit";
    case errc::chunk_signature_mismatch: return "a chunk signature does not match";
    case errc::body_truncated: return "the body ended before the chunked encoding did";
    case errc::missing_final_chunk: return "the final zero-length chunk is missing";
    case errc::trailer_malformed: return "a malformed or undeclared trailer";
    case errc::trailer_signature_mismatch: return "the trailer signature does not match";
    case errc::decoded_length_mismatch: return "x-amz-decoded-content-length does not match the data";
    case errc::data_after_final_chunk: return "data after the final chunk";
    case errc::unsupported_checksum: return "an unsupported checksum algorithm";
    case errc::too_many_items: return "too many signed headers or query parameters";
    case errc::bad_content_md5: return "Content-MD5 is not base64 of 16 bytes";
  }
  return "unknown error";
}

/// The std::error_category of aws_sigv4::errc ("authwire.aws_sigv4").
inline const std::error_category& category() noexcept {
  static const authwire::detail::enum_category<errc> c("authwire.aws_sigv4");
  return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

/// True for errors of the request's form: 400 with AuthorizationHeaderMalformed or
/// AuthorizationQueryParametersError.
constexpr bool is_malformed(errc e) noexcept {
  return (e >= errc::bad_scheme && e <= errc::bad_expires) || e == errc::missing_date || e == errc::bad_date ||
         e == errc::duplicate_header || e == errc::scope_date_mismatch || e == errc::region_not_accepted ||
         e == errc::service_not_accepted || e == errc::too_many_items;
}

/// The HTTP status S3 answers for `e` (200 for ok).
constexpr int http_status(errc e) noexcept {
  switch (e) {
    case errc::ok: return 200;
    case errc::missing_credentials: return 401;
    case errc::unknown_access_key:
    case errc::request_time_too_skewed:
    case errc::presigned_expired:
    case errc::presigned_not_yet_valid:
    case errc::unsigned_amz_header:
    case errc::signed_header_absent:
    case errc::signature_mismatch:
    case errc::chunk_signature_mismatch:
    case errc::trailer_signature_mismatch:
    case errc::bad_security_token: return 403;
    default: return 400;
  }
}

/**
 * The S3-style error code for `e` (what an adapter puts in S3's XML error body).
 * @param presigned true when the request used the presigned query form
 */
constexpr std::string_view s3_code(errc e, bool presigned = false) noexcept {
  if (is_malformed(e)) return presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed";
  switch (e) {
    case errc::ok: return "";
    case errc::both_forms: return "InvalidArgument";
    case errc::bad_target: return "InvalidURI";
    case errc::unknown_access_key: return "InvalidAccessKeyId";
    case errc::bad_security_token: return "InvalidToken";
    case errc::request_time_too_skewed: return "RequestTimeTooSkewed";
    case errc::presigned_expired:
    case errc::presigned_not_yet_valid:
    case errc::unsigned_amz_header: return "AccessDenied";
    case errc::content_md5_mismatch:
    case errc::checksum_mismatch: return "BadDigest";
    case errc::bad_content_md5: return "InvalidDigest";
    case errc::payload_hash_mismatch: return "XAmzContentSHA256Mismatch";
    case errc::bad_content_sha256: return "InvalidArgument";
    case errc::signed_header_absent:
    case errc::signature_mismatch:
    case errc::chunk_signature_mismatch:
    case errc::trailer_signature_mismatch: return "SignatureDoesNotMatch";
    case errc::missing_credentials: return "MissingSecurityHeader";
    case errc::body_truncated:
    case errc::missing_final_chunk:
    case errc::decoded_length_mismatch: return "IncompleteBody";
    default: return "InvalidRequest";
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

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
[[nodiscard]] inline result<credential_scope, errc> parse_credential(std::string_view v, std::size_t base = 0) {
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
  for (std::size_t i = 0; i < part[0].size(); ++i)
    if (!detail::is_key_char(part[0][i])) return {errc::bad_credential, base + i};
  if (!detail::valid_yyyymmdd(part[1])) return {errc::bad_scope_date, base + start[1]};
  for (int k = 2; k <= 3; ++k) {
    if (part[k].empty()) return {errc::bad_credential, base + start[k]};
    for (std::size_t i = 0; i < part[k].size(); ++i)
      if (!detail::is_scope_char(part[k][i])) return {errc::bad_credential, base + start[k] + i};
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
[[nodiscard]] inline result<std::size_t, errc> check_signed_headers(std::string_view v, std::size_t base = 0,
                                                                     const parse_limits& lim = {}) {
  std::size_t count = 0, b = 0;
  bool host = false;
  std::string_view prev;
  for (std::size_t i = 0; i <= v.size(); ++i) {
    if (i < v.size() && v[i] != ';') {
      if (!detail::lower_tchar[static_cast<unsigned char>(v[i])]) return {errc::bad_signed_headers, base + i};
      continue;
    }
    const std::string_view name = v.substr(b, i - b);
    if (name.empty()) return {errc::bad_signed_headers, base + b};
    if (count > 0 && !(prev < name)) return {errc::signed_headers_not_sorted, base + b};
    if (++count > lim.max_signed_headers) return {errc::too_many_items, base + b};
    host = host || name == "host";
    prev = name;
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
inline result<void, errc> check_signature_hex(std::string_view s, std::size_t base) {
  if (s.size() != 64) return {errc::bad_signature_format, base};
  bool ok = true;
  for (char c : s) ok &= lower_hex_table[static_cast<unsigned char>(c)];
  if (ok) return {};
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!is_lower_hex(s[i])) return {errc::bad_signature_format, base + i};
  return {};
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
 * Each component exactly once, in any order. Leading OWS is skipped.
 * @return the view; on error an errc and the byte offset into `value`.
 */
[[nodiscard]] inline result<authorization_view, errc> parse_authorization(std::string_view value,
                                                                          const parse_limits& lim = {}) {
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
    while (i < n && ((value[i] >= 'A' && value[i] <= 'Z') || (value[i] >= 'a' && value[i] <= 'z'))) ++i;
    const std::string_view name = value.substr(name_at, i - name_at);
    if (name.empty()) return {errc::expected_component, name_at};
    int which = name == "Credential" ? 0 : name == "SignedHeaders" ? 1 : name == "Signature" ? 2 : -1;
    if (which < 0) return {errc::unknown_component, name_at};
    if (seen[which]) return {errc::duplicate_component, name_at};
    seen[which] = true;
    if (i == n || value[i] != '=') return {errc::expected_equals, i};
    ++i;
    const std::size_t v_at = i;
    // The value ends at ',' SP or HTAB (memchr-based scans; values are short).
    i = std::min({value.find(',', v_at), value.find(' ', v_at), value.find('\t', v_at), n});
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
      auto c = detail::check_signature_hex(v, v_at);
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

// ---------------------------------------------------------------------------------------------
// Canonical request
// ---------------------------------------------------------------------------------------------

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
}  // namespace detail

/**
 * Appends the canonical URI of `path` to `out`.
 * s3: the path as sent ("/" when empty). normalized / unnormalized: AWS UriEncode of the sent
 * path (every byte but unreserved and '/', so "%20" becomes "%2520"), after removing dot segments
 * and empty segments for `normalized`.
 */
inline void append_canonical_uri(std::string& out, std::string_view path, path_mode mode) {
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
inline void append_canonical_query(std::string& out, std::string_view query, bool drop_signature,
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
inline result<void, errc> append_canonical_headers(std::string& out, const header_view* headers, std::size_t count,
                                                   std::string_view signed_headers) {
  std::size_t b = 0;
  for (std::size_t i = 0; i <= signed_headers.size(); ++i) {
    if (i < signed_headers.size() && signed_headers[i] != ';') continue;
    const std::string_view name = signed_headers.substr(b, i - b);
    out.append(name);
    out += ':';
    bool found = false;
    for (std::size_t h = 0; h < count; ++h) {
      const std::string_view hn = headers[h].name;
      if (hn.size() != name.size() || authwire::detail::ascii_lower(hn[0]) != name[0] || !iequals(hn, name)) continue;
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
  out.append(in.method);
  out += '\n';
  append_canonical_uri(out, in.path, in.mode);
  out += '\n';
  append_canonical_query(out, in.query, in.drop_signature, in.drop_security_token);
  out += '\n';
  auto r = append_canonical_headers(out, in.headers, in.header_count, in.signed_headers);
  if (!r) return r;
  out += '\n';
  out.append(in.signed_headers);
  out += '\n';
  out.append(in.payload_hash);
  return {};
}

/// Builds the string to sign: `AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n<hex sha256(canonical)>`.
inline void build_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request) {
  thread_local hasher h;
  const hex_digest hx(h.init(hash_algorithm::sha256).update(canonical_request).final());
  out.clear();
  out.append(algorithm);
  out += '\n';
  out.append(amz_date);
  out += '\n';
  out.append(scope);
  out += '\n';
  out.append(hx.view());
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
  OPENSSL_cleanse(k.data(), k.size());
  d = hmac_sha256(d.view(), region);
  d = hmac_sha256(d.view(), service);
  return hmac_sha256(d.view(), scope_terminator);
}

/**
 * A small thread-safe cache of signing keys per (access key, secret, date, region, service).
 * The secret is part of the key (compared in constant time), so a rotated secret never
 * meets a stale signing key. Bounded; the least recently used entry is replaced.
 */
class signing_key_cache {
 public:
  explicit signing_key_cache(std::size_t capacity = 64) : capacity_(capacity ? capacity : 1) {}

  /// The signing key, derived on a miss.
  digest_bytes get(std::string_view access_key, std::string_view secret, std::string_view date,
                   std::string_view region, std::string_view service) {
    {
      std::lock_guard<std::mutex> lock(m_);
      ++tick_;
      for (auto& e : entries_) {
        if (e.date == date && e.region == region && e.service == service && e.access_key == access_key &&
            constant_time_equal(e.secret, secret)) {
          e.used = tick_;
          ++hits_;
          return e.key;
        }
      }
    }
    const digest_bytes key = derive_signing_key(secret, date, region, service);
    std::lock_guard<std::mutex> lock(m_);
    ++misses_;
    entry ne{std::string(access_key), std::string(secret), std::string(date), std::string(region),
             std::string(service), key, ++tick_};
    if (entries_.size() < capacity_) {
      entries_.push_back(std::move(ne));
    } else {
      auto victim = std::min_element(entries_.begin(), entries_.end(),
                                     [](const entry& a, const entry& b) { return a.used < b.used; });
      OPENSSL_cleanse(victim->secret.data(), victim->secret.size());
      *victim = std::move(ne);
    }
    return key;
  }
  std::size_t hits() const {
    std::lock_guard<std::mutex> lock(m_);
    return hits_;
  }
  std::size_t misses() const {
    std::lock_guard<std::mutex> lock(m_);
    return misses_;
  }
  ~signing_key_cache() {
    for (auto& e : entries_) OPENSSL_cleanse(e.secret.data(), e.secret.size());
  }

 private:
  struct entry {
    std::string access_key, secret, date, region, service;
    digest_bytes key;
    std::uint64_t used;
  };
  mutable std::mutex m_;
  std::vector<entry> entries_;
  std::size_t capacity_;
  std::uint64_t tick_ = 0;
  std::size_t hits_ = 0, misses_ = 0;
};

namespace detail {
/// HMAC-SHA256 under `key` of the concatenation of `parts`, hex into `out` (64 chars). A
/// thread-local context keyed once per distinct key (no per-call digest lookup on a hit).
inline void hmac_hex(const digest_bytes& key, std::initializer_list<std::string_view> parts, char* out) {
  struct keyed {
    hmac ctx;
    digest_bytes key;
    bool ready = false;
  };
  thread_local keyed k;
  if (k.ready && k.key.size == key.size && std::memcmp(k.key.data.data(), key.data.data(), key.size) == 0) {
    k.ctx.reset();
  } else {
    k.ctx.init(hash_algorithm::sha256, key.view());
    k.key = key;
    k.ready = true;
  }
  for (auto p : parts) k.ctx.update(p);
  k.ctx.final().hex_to(out);
}
}  // namespace detail

/// The hex signature of `string_to_sign` under `signing_key`.
inline std::string compute_signature(const digest_bytes& signing_key, std::string_view string_to_sign) {
  std::string s(64, '\0');
  detail::hmac_hex(signing_key, {string_to_sign}, s.data());
  return s;
}

// ---------------------------------------------------------------------------------------------
// Signing (client side)
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Streaming payloads
// ---------------------------------------------------------------------------------------------

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
enum class checksum_algorithm : std::uint8_t { none, crc32, crc32c, sha1, sha256, unsupported };

namespace detail {
inline checksum_algorithm checksum_from_header(std::string_view lower_name) {
  if (lower_name.substr(0, 15) != "x-amz-checksum-") return checksum_algorithm::none;
  const auto a = lower_name.substr(15);
  if (a == "crc32") return checksum_algorithm::crc32;
  if (a == "crc32c") return checksum_algorithm::crc32c;
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
    if (a == checksum_algorithm::sha1) h_.init(hash_algorithm::sha1);
    if (a == checksum_algorithm::sha256) h_.init(hash_algorithm::sha256);
  }
  void update(std::string_view d) {
    switch (a_) {
      case checksum_algorithm::crc32: crc_ = crc_update(crc32_table, crc_, d); break;
      case checksum_algorithm::crc32c: crc_ = crc_update(crc32c_table, crc_, d); break;
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
    if (a_ == checksum_algorithm::sha1 || a_ == checksum_algorithm::sha256) return base64_encode(h_.final().view());
    return {};
  }
  checksum_algorithm algorithm() const noexcept { return a_; }

 private:
  checksum_algorithm a_ = checksum_algorithm::none;
  std::uint32_t crc_ = 0;
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

// ---------------------------------------------------------------------------------------------
// Verification (server side)
// ---------------------------------------------------------------------------------------------

/// What the application knows about an access key.
struct secret_record {
  std::string secret;                        ///< the secret access key
  std::optional<std::string> session_token;  ///< when set, the request must carry exactly this token
  std::string identity;                      ///< the identity to report; empty: the access key
};

/// Looks up an access key; nullopt when unknown. Called once per request.
using secret_lookup = std::function<std::optional<secret_record>(std::string_view access_key)>;

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
 */
class verifier {
 public:
  verifier(verifier_options o, secret_lookup lookup, clock_fn clock = system_clock())
      : opts_(std::move(o)), lookup_(std::move(lookup)), clock_(std::move(clock)), cache_(opts_.cache_capacity) {}

  const verifier_options& options() const noexcept { return opts_; }
  signing_key_cache& cache() noexcept { return cache_; }

  /// Verifies `req`, reading Authorization from its headers.
  result<verified_request, errc> verify(const request_view& req) {
    const std::size_t n = req.count("Authorization");
    if (n > 1) return {errc::duplicate_header, 0};
    return verify(req, n ? *req.header("Authorization") : std::string_view{});
  }

  /**
   * Verifies `req` with `authorization` (the whole Authorization value, or empty).
   * @return what was established; or the errc of the first failed check with its offset
   *         (into `authorization`, the query string, or 0 for checks of the request as a whole).
   */
  result<verified_request, errc> verify(const request_view& req, std::string_view authorization) {
    std::string_view path, query;
    detail::split_target(req.target, path, query);
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

    // One pass over the headers for the SigV4 ones.
    struct amz_header {
      std::string_view value;
      std::size_t count = 0;
    } h_date, h_token, h_sha, h_decoded, h_trailer;
    bool any_amz = false, any_digest = false;
    for (std::size_t i = 0; i < req.header_count; ++i) {
      const std::string_view name = req.headers[i].name;
      if (name.size() == 11 && iequals(name, "content-md5")) any_digest = true;
      if (name.size() < 6 || !iequals(name.substr(0, 6), "x-amz-")) continue;
      any_amz = true;
      if (name.size() > 15 && iequals(name.substr(6, 9), "checksum-")) any_digest = true;
      const std::string_view rest = name.substr(6);
      amz_header* slot = iequals(rest, "date")                     ? &h_date
                         : iequals(rest, "content-sha256")         ? &h_sha
                         : iequals(rest, "security-token")         ? &h_token
                         : iequals(rest, "decoded-content-length") ? &h_decoded
                         : iequals(rest, "trailer")                ? &h_trailer
                                                                   : nullptr;
      if (slot && slot->count++ == 0) slot->value = detail::trim_ows(req.headers[i].value);
    }

    verified_request v;
    v.presigned = presigned;
    std::string_view signed_headers, signature, amz_date, token;
    credential_scope scope;
    presigned_params pq;
    bool has_token = false;
    std::int64_t t = 0;
    if (!presigned) {
      auto a = parse_authorization(auth, opts_.limits);
      if (!a) return a.error();
      scope = a->credential;
      signed_headers = a->signed_headers;
      signature = a->signature;
      if (h_date.count == 0) return {errc::missing_date, 0};
      if (h_date.count > 1) return {errc::duplicate_header, 0};
      amz_date = h_date.value;
      if (!detail::parse_amz_date(amz_date, t)) return {errc::bad_date, 0};
      if (h_token.count > 1) return {errc::duplicate_header, 0};
      if (h_token.count) {
        has_token = true;
        token = h_token.value;
      }
    } else {
      if (!opts_.allow_presigned) return {errc::unsupported_payload_mode, 0};
      auto p = parse_presigned(query, opts_.limits);
      if (!p) return p.error();
      pq = std::move(*p);
      auto c = pq.scope();
      if (!c) return {c.code(), pq.credential_offset};
      scope = *c;
      signed_headers = pq.signed_headers;
      signature = pq.signature;
      amz_date = pq.date;
      detail::parse_amz_date(amz_date, t);
      has_token = pq.has_security_token;
      token = pq.security_token;
      if (h_token.count > 0) return {errc::duplicate_header, 0};
    }
    const std::size_t scope_at = presigned ? pq.credential_offset : 0;
    // Scope checks.
    if (scope.date != amz_date.substr(0, 8)) return {errc::scope_date_mismatch, scope_at};
    if (std::find(opts_.regions.begin(), opts_.regions.end(), scope.region) == opts_.regions.end())
      return {errc::region_not_accepted, scope_at};
    if (std::find(opts_.services.begin(), opts_.services.end(), scope.service) == opts_.services.end())
      return {errc::service_not_accepted, scope_at};
    // Time.
    const std::int64_t now = clock_ ? clock_() : 0;
    if (!presigned) {
      if (t > now + opts_.max_skew || t < now - opts_.max_skew) return {errc::request_time_too_skewed, 0};
    } else {
      if (t > now + opts_.max_skew) return {errc::presigned_not_yet_valid, pq.date_offset};
      if (now > t + pq.expires_seconds) return {errc::presigned_expired, pq.date_offset};
    }
    // Access key.
    std::optional<secret_record> rec = lookup_ ? lookup_(scope.access_key) : std::nullopt;
    if (!rec) return {errc::unknown_access_key, scope_at};
    if (rec->session_token) {
      if (!has_token || !constant_time_equal(*rec->session_token, token)) return {errc::bad_security_token, 0};
    } else if (has_token) {
      return {errc::bad_security_token, 0};
    }
    // Headers: x-amz-* present must be signed.
    if (opts_.require_signed_amz_headers && any_amz) {
      for (std::size_t i = 0; i < req.header_count; ++i) {
        const std::string_view name = req.headers[i].name;
        if (name.size() < 6 || !iequals(name.substr(0, 6), "x-amz-")) continue;
        if (opts_.allow_unsigned_security_token && iequals(name, "x-amz-security-token")) continue;
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
    // Canonical request, string to sign, signature.
    thread_local std::string creq, sts;
    canonical_input in;
    in.method = req.method;
    in.path = path;
    in.query = query;
    in.headers = req.headers;
    in.header_count = req.header_count;
    in.signed_headers = signed_headers;
    in.payload_hash = payload;
    in.mode = resolve(opts_.mode, scope.service);
    in.drop_signature = presigned;
    in.drop_security_token = presigned && opts_.query_token_excluded;
    auto cr = build_canonical_request(creq, in);
    if (!cr) return {errc::signed_header_absent, presigned ? pq.signed_headers_offset : 0};
    build_string_to_sign(sts, amz_date, scope.scope, creq);
    const digest_bytes key = cache_.get(scope.access_key, rec->secret, scope.date, scope.region, scope.service);
    OPENSSL_cleanse(rec->secret.data(), rec->secret.size());
    char want[64];
    detail::hmac_hex(key, {sts}, want);
    if (!constant_time_equal(std::string_view(want, 64), signature))
      return {errc::signature_mismatch, presigned ? pq.signature_offset : 0};
    // Body checks (the signature holds; now the body must match what was signed).
    const bool body_known = req.has_body || !req.body_sha256_hex.empty();
    if (check_body_hash && body_known && !constant_time_equal(payload, body_hash()))
      return {errc::payload_hash_mismatch, 0};
    if (any_digest && req.has_body && !is_streaming(v.mode)) {
      auto b = check_body_digests(req, signed_headers);
      if (!b) return b.error();
    }
    // Done.
    v.access_key.assign(scope.access_key);
    v.identity = rec->identity.empty() ? v.access_key : rec->identity;
    v.amz_date.assign(amz_date);
    v.scope.assign(scope.scope);
    v.region.assign(scope.region);
    v.service.assign(scope.service);
    v.seed_signature.assign(signature);
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
    return v;
  }

 private:
  // True when `name` (any case) is an element of the lower-case ';' list.
  static bool list_contains(std::string_view list, std::string_view name) {
    char buf[128];
    if (name.empty() || name.size() > sizeof buf) return false;
    for (std::size_t i = 0; i < name.size(); ++i) buf[i] = authwire::detail::ascii_lower(name[i]);
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

  /// Streaming bodies the adapter did not buffer: allow after the seed signature, leaving
  /// the chunk chain to the application (`verifier()` + chunked_body_verifier). Off by default.
  bool defer_streaming_body = false;
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
    auto r = v_.verify(req, authorization);
    if (!r) return refuse(r.code(), has_presigned_parameters(req.query()));
    if (is_streaming(r->mode)) {
      if (req.has_body) {
        chunked_body_verifier cv(*r, streaming);
        std::string sink;
        auto f = cv.feed(req.body, sink);
        if (f) f = cv.finish();
        if (!f) return refuse(f.code(), false);
      } else if (!defer_streaming_body) {
        return refuse(errc::unsupported_payload_mode, false);
      }
    }
    return verdict::allow(std::move(r->identity));
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

template <>
struct std::is_error_code_enum<authwire::aws_sigv4::errc> : std::true_type {};
