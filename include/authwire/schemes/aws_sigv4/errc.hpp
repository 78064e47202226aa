// SPDX-License-Identifier: MIT
/**
 * @file aws_sigv4/errc.hpp
 * @brief The error codes of AWS SigV4 (`aws_sigv4::errc`), their HTTP statuses and S3 error codes, and the protocol's constants.
 *
 * Part of `authwire/schemes/aws_sigv4.hpp`; include that header.
 */
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

#include "../../config.hpp"
#include "../../error.hpp"

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
  missing_date = 24,                ///< no X-Amz-Date (header form: and no Date either)
  bad_date = 25,                    ///< X-Amz-Date is not YYYYMMDDTHHMMSSZ (or the fallback Date is neither that nor an IMF-fixdate)
  duplicate_header = 26,            ///< X-Amz-Date, x-amz-content-sha256, the token (or a fallback Date) sent twice
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
    case errc::missing_date: return "X-Amz-Date (or, for the header form, Date) is missing";
    case errc::bad_date: return "X-Amz-Date is not YYYYMMDDTHHMMSSZ (a fallback Date: not that or an IMF-fixdate)";
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

}  // namespace aws_sigv4
}  // namespace v1
}  // namespace authwire

template <>
struct std::is_error_code_enum<authwire::aws_sigv4::errc> : std::true_type {};
