// SPDX-License-Identifier: MIT
/**
 * @file decision.hpp
 * @brief `decision`: what a server answers to one request: allow with an identity, or
 *        400 / 401 / 403 / 404 / 407 / 503 with challenges, `Authentication-Info`, extra
 *        headers and an optional RFC 9457 problem body.
 *
 * The status table is DESIGN.md's. A 401 or 407 without a challenge cannot be built: the
 * factories take the first challenge as a separate argument, and the checked
 * `decision::challenge` returns errc::missing_challenge for an empty list.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "challenge.hpp"
#include "config.hpp"
#include "error.hpp"
#include "result.hpp"

namespace authwire {
inline namespace v1 {

/// The kinds of answer, named after Beast's http::status.
enum class decision_kind : std::uint8_t {
  allow,                          ///< 2xx from the application
  bad_request,                    ///< 400
  unauthorized,                   ///< 401, WWW-Authenticate
  forbidden,                      ///< 403
  not_found,                      ///< 404, to hide a resource
  proxy_authentication_required,  ///< 407, Proxy-Authenticate
  service_unavailable,            ///< 503, with Retry-After (a shared store is unreachable)
};

/// One header field to send.
struct header_line {
  std::string name;
  std::string value;
  friend bool operator==(const header_line& a, const header_line& b) { return a.name == b.name && a.value == b.value; }
};

namespace detail {
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}
}  // namespace detail

/**
 * What the server answers. Build with the static factories; read with the accessors; an
 * adapter maps it to the framework's response.
 */
class decision {
 public:
  /// Let the request through with `identity`, authenticated by `scheme`.
  static decision allow(std::string identity, std::string scheme = {}) {
    decision d(decision_kind::allow);
    d.identity_ = std::move(identity);
    d.scheme_ = std::move(scheme);
    return d;
  }
  /// 401 (or 407 when `proxy`) with at least `first` as challenge.
  static decision unauthorized(std::string first, std::vector<std::string> more = {}, bool proxy = false) {
    decision d(proxy ? decision_kind::proxy_authentication_required : decision_kind::unauthorized);
    d.challenges_.reserve(1 + more.size());
    d.challenges_.push_back(std::move(first));
    for (auto& c : more) d.challenges_.push_back(std::move(c));
    return d;
  }
  /// 401/407 from a list that must not be empty (errc::missing_challenge otherwise).
  [[nodiscard]] static result<decision> challenge(std::vector<std::string> challenges, bool proxy = false) {
    if (challenges.empty()) return authwire::error{errc::missing_challenge, 0};
    decision d(proxy ? decision_kind::proxy_authentication_required : decision_kind::unauthorized);
    d.challenges_ = std::move(challenges);
    return d;
  }
  /// 400; `challenges` may carry e.g. Bearer `error="invalid_request"` (RFC 6750 section 3.1).
  static decision bad_request(std::vector<std::string> challenges = {}, bool proxy = false) {
    decision d(decision_kind::bad_request);
    d.challenges_ = std::move(challenges);
    d.proxy_ = proxy;
    return d;
  }
  /// 403; `challenges` may carry e.g. Bearer `error="insufficient_scope"`.
  static decision forbidden(std::vector<std::string> challenges = {}, bool proxy = false) {
    decision d(decision_kind::forbidden);
    d.challenges_ = std::move(challenges);
    d.proxy_ = proxy;
    return d;
  }
  /// 404: the application hides the resource from an identity that may not see it.
  static decision not_found() { return decision(decision_kind::not_found); }
  /// 503 with `Retry-After: seconds`: the decision could not be made (fail closed).
  static decision service_unavailable(unsigned retry_after_seconds) {
    decision d(decision_kind::service_unavailable);
    d.headers_.push_back({"Retry-After", std::to_string(retry_after_seconds)});
    return d;
  }

  decision_kind kind() const noexcept { return kind_; }
  bool allowed() const noexcept { return kind_ == decision_kind::allow; }
  bool is_proxy() const noexcept { return proxy_ || kind_ == decision_kind::proxy_authentication_required; }

  /// The HTTP status code: 200 when allowed.
  int status() const noexcept {
    switch (kind_) {
      case decision_kind::allow: return 200;
      case decision_kind::bad_request: return 400;
      case decision_kind::unauthorized: return 401;
      case decision_kind::forbidden: return 403;
      case decision_kind::not_found: return 404;
      case decision_kind::proxy_authentication_required: return 407;
      case decision_kind::service_unavailable: return 503;
    }
    return 500;
  }
  /// `WWW-Authenticate`, or `Proxy-Authenticate` for a proxy.
  std::string_view header_name() const noexcept { return is_proxy() ? "Proxy-Authenticate" : "WWW-Authenticate"; }
  /// `Authentication-Info`, or `Proxy-Authentication-Info` for a proxy.
  std::string_view info_header_name() const noexcept {
    return is_proxy() ? "Proxy-Authentication-Info" : "Authentication-Info";
  }
  /// The challenges, one per element, strongest first.
  const std::vector<std::string>& challenges() const noexcept { return challenges_; }

  /// The challenge header values: one per challenge, or all joined into one line.
  std::vector<std::string> header_values(bool one_line = false) const {
    if (!one_line || challenges_.empty()) return challenges_;
    return {join_challenges(challenges_.data(), challenges_.data() + challenges_.size())};
  }

  /// Every authentication header to send with the answer, in order.
  std::vector<header_line> headers(bool one_line = false) const {
    std::vector<header_line> h;
    for (auto& v : header_values(one_line)) h.push_back({std::string(header_name()), std::move(v)});
    if (!authentication_info_.empty()) h.push_back({std::string(info_header_name()), authentication_info_});
    for (const auto& x : headers_) h.push_back(x);
    return h;
  }

  const std::string& identity() const noexcept { return identity_; }
  const std::string& scheme() const noexcept { return scheme_; }
  /// The library's error or outcome code ("stale_nonce"), empty when none. Never a secret.
  const std::string& reason() const noexcept { return reason_; }
  /// A scheme-specific error code for the body, e.g. S3's "SignatureDoesNotMatch".
  const std::string& code() const noexcept { return code_; }
  const std::string& authentication_info() const noexcept { return authentication_info_; }
  const std::vector<header_line>& extra_headers() const noexcept { return headers_; }

  decision& with_scheme(std::string s) {
    scheme_ = std::move(s);
    return *this;
  }
  decision& with_reason(std::string r) {
    reason_ = std::move(r);
    return *this;
  }
  decision& with_code(std::string c) {
    code_ = std::move(c);
    return *this;
  }
  decision& with_authentication_info(std::string v) {
    authentication_info_ = std::move(v);
    return *this;
  }
  decision& with_header(std::string name, std::string value) {
    headers_.push_back({std::move(name), std::move(value)});
    return *this;
  }
  /// Marks the answer as a proxy's, so that an allowed request gets
  /// `Proxy-Authentication-Info` (RFC 9110 section 11.7.3) instead of `Authentication-Info`.
  decision& with_proxy(bool proxy = true) noexcept {
    proxy_ = proxy;
    return *this;
  }
  decision& with_identity(std::string id) {
    identity_ = std::move(id);
    return *this;
  }

  /// A short reason phrase for the status.
  std::string_view status_text() const noexcept {
    switch (kind_) {
      case decision_kind::allow: return "OK";
      case decision_kind::bad_request: return "Bad Request";
      case decision_kind::unauthorized: return "Unauthorized";
      case decision_kind::forbidden: return "Forbidden";
      case decision_kind::not_found: return "Not Found";
      case decision_kind::proxy_authentication_required: return "Proxy Authentication Required";
      case decision_kind::service_unavailable: return "Service Unavailable";
    }
    return "";
  }

  /**
   * An RFC 9457 `application/problem+json` body for a refusal (empty when allowed):
   * `{"type":"about:blank","title":...,"status":...,"detail":...}`. `detail` is the reason
   * code, never a secret.
   */
  std::string problem_json() const {
    if (allowed()) return {};
    std::string s = R"({"type":"about:blank","title":)";
    detail::append_json_string(s, status_text());
    fmt::format_to(std::back_inserter(s), R"(,"status":{})", status());
    if (!reason_.empty()) {
      s += R"(,"detail":)";
      detail::append_json_string(s, reason_);
    }
    s += '}';
    return s;
  }

 private:
  explicit decision(decision_kind k) noexcept : kind_(k) {}

  decision_kind kind_;
  bool proxy_ = false;
  std::vector<std::string> challenges_;
  std::string identity_, scheme_, reason_, code_, authentication_info_;
  std::vector<header_line> headers_;
};

}  // namespace v1
}  // namespace authwire
