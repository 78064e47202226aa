// SPDX-License-Identifier: MIT
/**
 * @file adapters/beast.hpp
 * @brief Boost.Beast adapter: a `request_view` over an `http::request`, a `decision` written
 *        into an `http::response`, and `check()`, the function a session calls before it
 *        dispatches a request.
 *
 * Include only when the program uses Boost.Beast (Debian libboost-dev, Boost 1.74):
 *
 * @code
 *   // in the session, once the request has been read:
 *   authwire::decision d = authwire::beast_adapter::check(*auth, req, peer);
 *   if (!d.allowed()) return send(authwire::beast_adapter::refusal(d, req));
 *   http::response<http::string_body> res{http::status::ok, req.version()};
 *   authwire::beast_adapter::apply(d, res);  // Authentication-Info, extra headers
 * @endcode
 *
 * Beast reads the whole message for `http::string_body`, so the body is handed to the schemes
 * (Digest `auth-int`, SigV4 payload hash); for other body types `has_body` is false.
 */
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/beast/http.hpp>

#include "../decision.hpp"
#include "../server.hpp"

namespace authwire {
inline namespace v1 {
namespace beast_adapter {

namespace http = boost::beast::http;

inline std::string_view to_view(boost::beast::string_view s) noexcept { return {s.data(), s.size()}; }

/**
 * A `request_view` over one Beast request, holding the header array the view points into.
 * The request must outlive it; not copyable or movable.
 */
template <class Body, class Fields>
class request_adapter {
 public:
  /// @param peer the client address as text, when known (nonce binding)
  explicit request_adapter(const http::request<Body, Fields>& req, std::string_view peer = {}) {
    for (const auto& f : req) headers_.push_back({to_view(f.name_string()), to_view(f.value())});
    view_.method = to_view(req.method_string());
    view_.target = to_view(req.target());
    view_.headers = headers_.data();
    view_.header_count = headers_.size();
    view_.peer_address = peer;
    if constexpr (std::is_same_v<Body, http::string_body>) {
      view_.body = req.body();
      view_.has_body = true;
    }
  }
  request_adapter(const request_adapter&) = delete;
  request_adapter& operator=(const request_adapter&) = delete;

  const request_view& view() const noexcept { return view_; }

 private:
  std::vector<header_view> headers_;
  request_view view_;
};

/// Runs `auth` on `req`: the function a session calls before dispatching.
template <class Body, class Fields>
decision check(authenticator& auth, const http::request<Body, Fields>& req, std::string_view peer = {}) {
  request_adapter<Body, Fields> ra(req, peer);
  return auth.authenticate(ra.view());
}

/**
 * Adds the decision's headers to `res` (each challenge its own field line unless `one_line`);
 * for a refusal also sets the status and, for `http::string_body`, an RFC 9457 problem body.
 */
template <class Body, class Fields>
void apply(const decision& d, http::response<Body, Fields>& res, bool one_line = false) {
  for (const auto& h : d.headers(one_line)) res.insert(h.name, h.value);
  if (d.allowed()) return;
  res.result(static_cast<unsigned>(d.status()));
  if constexpr (std::is_same_v<Body, http::string_body>) {
    res.set(http::field::content_type, "application/problem+json");
    res.body() = d.problem_json();
    res.prepare_payload();
  }
}

/// The complete refusal response for `req` (same HTTP version and keep-alive).
template <class Body, class Fields>
http::response<http::string_body> refusal(const decision& d, const http::request<Body, Fields>& req,
                                          bool one_line = false) {
  http::response<http::string_body> res{http::status::unauthorized, req.version()};
  res.keep_alive(req.keep_alive());
  apply(d, res, one_line);
  return res;
}

}  // namespace beast_adapter
}  // namespace v1
}  // namespace authwire
