// SPDX-License-Identifier: MIT
/**
 * @file server.hpp
 * @brief The server side: `request_view` (what a framework adapter hands over), the
 *        `scheme_handler` interface each scheme implements, and the `authenticator` that
 *        picks the credentials, dispatches to a scheme and returns a `decision`.
 *
 * Data flow: framework request -> adapter -> request_view -> authenticator -> scheme
 * -> decision -> adapter -> framework response (DESIGN.md).
 */
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config.hpp"
#include "decision.hpp"
#include "grammar.hpp"

namespace authwire {
inline namespace v1 {

/// One received header field line: name and value as received.
struct header_view {
  std::string_view name;
  std::string_view value;
};

/**
 * A read-only view of one request, built by an adapter. Nothing is copied: every view must
 * outlive the request_view. Header lookup is case-insensitive and sees every field line.
 */
struct request_view {
  std::string_view method;          ///< "GET"
  std::string_view target;          ///< the request-target as received (origin-form or absolute-form)
  const header_view* headers = nullptr;
  std::size_t header_count = 0;
  std::string_view body;            ///< the body, when the adapter has it
  bool has_body = false;            ///< false: the body is not available (streamed)
  std::string_view body_sha256_hex; ///< the body's SHA-256 in lower-case hex, when known instead
  std::string_view peer_address;    ///< the client address, for nonce binding
  std::string_view origin_scheme = "http";  ///< "http" or "https", as the server knows it (HOBA origin)

  /// The value of the first field line named `name`, if any.
  std::optional<std::string_view> header(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < header_count; ++i)
      if (iequals(headers[i].name, name)) return headers[i].value;
    return std::nullopt;
  }
  /// The number of field lines named `name`.
  std::size_t count(std::string_view name) const noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < header_count; ++i) n += iequals(headers[i].name, name) ? 1 : 0;
    return n;
  }
  /// Calls `f(value)` for each field line named `name`, in order.
  template <class F>
  void for_each(std::string_view name, F&& f) const {
    for (std::size_t i = 0; i < header_count; ++i)
      if (iequals(headers[i].name, name)) f(headers[i].value);
  }
  /// The path part of the target (before '?').
  std::string_view path() const noexcept { return target.substr(0, target.find('?')); }
  /// The query part of the target (after '?'), without the '?'.
  std::string_view query() const noexcept {
    const auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  }
};

/// How a scheme judged one request.
enum class verdict_kind : std::uint8_t {
  allow,         ///< authenticated and allowed
  bad_request,   ///< 400: credentials malformed
  unauthorized,  ///< 401/407: wrong, expired, stale, unknown; fresh challenges follow
  forbidden,     ///< 403: identity known, access not allowed
  not_found,     ///< 404: hide the resource
  unavailable,   ///< 503: a shared store could not be reached (fail closed)
};

/**
 * A scheme's verdict on one request. `reason` is the scheme's error or outcome code as spelled
 * in its enum ("stale_nonce"); no secret is ever put into any field.
 */
struct verdict {
  verdict_kind kind = verdict_kind::unauthorized;
  std::string identity;
  std::string reason;
  /// This scheme's challenges for this answer (e.g. Digest `stale=true`, Bearer
  /// `error="invalid_token"`). Empty: the scheme's ordinary challenges are used.
  std::vector<std::string> challenges;
  std::string authentication_info;
  std::string code;                  ///< scheme-specific body code, e.g. S3 "SignatureDoesNotMatch"
  std::vector<header_line> headers;  ///< extra headers (Set-Cookie, Retry-After)
  unsigned retry_after = 0;          ///< for `unavailable`

  static verdict allow(std::string identity) {
    verdict v;
    v.kind = verdict_kind::allow;
    v.identity = std::move(identity);
    return v;
  }
  static verdict make(verdict_kind k, std::string reason, std::vector<std::string> challenges = {}) {
    verdict v;
    v.kind = k;
    v.reason = std::move(reason);
    v.challenges = std::move(challenges);
    return v;
  }
};

/**
 * One authentication scheme on the server side. Implementations live in `schemes/`; the
 * application can add its own.
 */
class scheme_handler {
 public:
  virtual ~scheme_handler() = default;
  /// The auth-scheme name, matched case-insensitively ("Digest").
  virtual std::string_view scheme() const noexcept = 0;
  /// Appends the challenges of a fresh 401/407 (several for Digest: one per algorithm).
  virtual void challenges(const request_view& req, std::vector<std::string>& out) = 0;
  /// True when the request carries this scheme's credentials outside the Authorization header
  /// (SigV4 presigned query, Bearer `access_token`).
  virtual bool has_other_credentials(const request_view&) const { return false; }
  /// Verifies the credentials. `authorization` is the whole Authorization (or
  /// Proxy-Authorization) value whose scheme is this one, or empty for other credentials.
  virtual verdict verify(const request_view& req, std::string_view authorization) = 0;
};

/// Options of an authenticator.
struct authenticator_options {
  bool proxy = false;              ///< read Proxy-Authorization, answer 407 / Proxy-Authenticate
  bool one_challenge_line = false; ///< all challenges in one field line instead of one per line
  std::size_t max_authorization_length = 16 * 1024;
};

/// The error codes of the authenticator itself.
enum class auth_reason : std::uint8_t { none, no_credentials, unsupported_scheme, malformed_authorization, duplicate_authorization };

constexpr std::string_view to_string(auth_reason r) noexcept {
  switch (r) {
    case auth_reason::none: return "";
    case auth_reason::no_credentials: return "no_credentials";
    case auth_reason::unsupported_scheme: return "unsupported_scheme";
    case auth_reason::malformed_authorization: return "malformed_authorization";
    case auth_reason::duplicate_authorization: return "duplicate_authorization";
  }
  return "";
}

/**
 * Tries the schemes the application accepts, in its order of preference (strongest first):
 * finds the credentials the client sent, dispatches to that scheme, and returns a `decision`.
 * With no or unusable credentials it offers every scheme's challenge, strongest first.
 *
 * @code
 *   authwire::authenticator auth;
 *   auth.add(std::make_shared<authwire::basic::handler>(realm, lookup));
 *   authwire::decision d = auth.authenticate(req);
 * @endcode
 */
class authenticator {
 public:
  explicit authenticator(authenticator_options o = {}) : opts_(o) {}

  /// Adds a scheme; earlier schemes are preferred and their challenges come first.
  authenticator& add(std::shared_ptr<scheme_handler> h) {
    handlers_.push_back(std::move(h));
    return *this;
  }
  const authenticator_options& options() const noexcept { return opts_; }
  const std::vector<std::shared_ptr<scheme_handler>>& handlers() const noexcept { return handlers_; }

  /// The field name credentials arrive in.
  std::string_view authorization_name() const noexcept { return opts_.proxy ? "Proxy-Authorization" : "Authorization"; }

  /// Judges one request.
  decision authenticate(const request_view& req) {
    const std::string_view field = authorization_name();
    const std::size_t n = req.count(field);
    if (n > 1) return refuse(req, nullptr, verdict::make(verdict_kind::bad_request, std::string(to_string(auth_reason::duplicate_authorization))));
    if (n == 0) {
      for (auto& h : handlers_)
        if (h->has_other_credentials(req)) return finish(req, h.get(), h->verify(req, {}));
      return refuse(req, nullptr, verdict::make(verdict_kind::unauthorized, std::string(to_string(auth_reason::no_credentials))));
    }
    const std::string_view value = *req.header(field);
    if (value.size() > opts_.max_authorization_length)
      return refuse(req, nullptr, verdict::make(verdict_kind::bad_request, std::string(to_string(auth_reason::malformed_authorization))));
    // The scheme is the leading token; each scheme parses the rest with its own grammar.
    const std::string_view scheme = leading_scheme(value).first;
    if (scheme.empty())
      return refuse(req, nullptr, verdict::make(verdict_kind::bad_request, std::string(to_string(auth_reason::malformed_authorization))));
    for (auto& h : handlers_)
      if (iequals(h->scheme(), scheme)) {
        for (auto& other : handlers_)
          if (other != h && other->has_other_credentials(req))
            return refuse(req, nullptr, verdict::make(verdict_kind::bad_request, "multiple_credentials"));
        return finish(req, h.get(), h->verify(req, value));
      }
    return refuse(req, nullptr, verdict::make(verdict_kind::unauthorized, std::string(to_string(auth_reason::unsupported_scheme))));
  }

  /// Every scheme's fresh challenges, strongest first.
  std::vector<std::string> all_challenges(const request_view& req) {
    std::vector<std::string> out;
    for (auto& h : handlers_) h->challenges(req, out);
    return out;
  }

 private:
  decision finish(const request_view& req, scheme_handler* h, verdict v) {
    if (v.kind == verdict_kind::allow) {
      decision d = decision::allow(std::move(v.identity), std::string(h->scheme()));
      if (opts_.proxy) d.with_proxy();  // Proxy-Authentication-Info (RFC 9110 section 11.7.3)
      if (!v.authentication_info.empty()) d.with_authentication_info(std::move(v.authentication_info));
      for (auto& x : v.headers) d.with_header(std::move(x.name), std::move(x.value));
      return d;
    }
    return refuse(req, h, std::move(v));
  }

  decision refuse(const request_view& req, scheme_handler* h, verdict v) {
    decision d = decision::not_found();
    switch (v.kind) {
      case verdict_kind::allow:  // not reached
      case verdict_kind::unauthorized: {
        // The judging scheme's own challenges replace its ordinary ones, in its place.
        std::vector<std::string> all;
        for (auto& x : handlers_) {
          if (x.get() == h && !v.challenges.empty()) {
            for (auto& c : v.challenges) all.push_back(std::move(c));
          } else {
            x->challenges(req, all);
          }
        }
        if (all.empty()) {
          d = decision::forbidden({}, opts_.proxy);  // no scheme can challenge: nothing to offer
        } else {
          std::string first = std::move(all.front());
          all.erase(all.begin());
          d = decision::unauthorized(std::move(first), std::move(all), opts_.proxy);
        }
        break;
      }
      case verdict_kind::bad_request: d = decision::bad_request(std::move(v.challenges), opts_.proxy); break;
      case verdict_kind::forbidden: d = decision::forbidden(std::move(v.challenges), opts_.proxy); break;
      case verdict_kind::not_found: d = decision::not_found(); break;
      case verdict_kind::unavailable: d = decision::service_unavailable(v.retry_after ? v.retry_after : 1); break;
    }
    if (h) d.with_scheme(std::string(h->scheme()));
    d.with_reason(std::move(v.reason)).with_code(std::move(v.code));
    for (auto& x : v.headers) d.with_header(std::move(x.name), std::move(x.value));
    return d;
  }

  authenticator_options opts_;
  std::vector<std::shared_ptr<scheme_handler>> handlers_;
};

}  // namespace v1
}  // namespace authwire
