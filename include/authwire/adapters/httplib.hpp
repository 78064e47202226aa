// SPDX-License-Identifier: MIT
/**
 * @file adapters/httplib.hpp
 * @brief cpp-httplib adapter: maps an `httplib::Request` to a `request_view`, a `decision`
 *        to an `httplib::Response`, protects path prefixes from a pre-routing handler, and
 *        runs the example servers the common way.
 *
 * Include only when the program uses cpp-httplib (Debian libcpp-httplib-dev, 0.11.4):
 *
 * @code
 *   httplib::Server svr;
 *   auto auth = std::make_shared<authwire::authenticator>();
 *   auth->add(std::make_shared<authwire::basic::handler>(opts, lookup));
 *   svr.set_pre_routing_handler(authwire::httplib_adapter::protect(auth, {"/private"}));
 *   svr.Get("/private", [](const httplib::Request&, httplib::Response& res) {
 *     res.set_content("hello " + authwire::httplib_adapter::identity(), "text/plain");
 *   });
 *   return authwire::httplib_adapter::run_example(svr);
 * @endcode
 *
 * Known limitation of cpp-httplib 0.11 (Debian bookworm): it percent-decodes every request
 * header value before any handler sees it ("Basic%20QWxh..." arrives as "Basic QWxh..."), and
 * the bytes as received cannot be recovered. Values that legitimately contain '%' (RFC 8187
 * `username*=UTF-8''J%C3%A4s...` in Digest, `user*` in Mutual) then fail to verify. Use the
 * Beast or Poco adapter where those matter.
 *
 * cpp-httplib calls the pre-routing handler BEFORE it reads the request body, so `protect()`
 * hands the schemes a request without body (`has_body == false`). Schemes that need the body
 * (Digest `qop=auth-int`, Bearer form parameter, SigV4 payload hash) are served by `guard()`,
 * which wraps one route handler and runs after the body has been read.
 */
#pragma once

#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <pthread.h>
#include <signal.h>

#include <httplib.h>

#include "../decision.hpp"
#include "../server.hpp"

namespace authwire {
inline namespace v1 {
namespace httplib_adapter {

/**
 * A `request_view` over one `httplib::Request`, with the storage its header array needs.
 * The request must outlive it; it is neither copyable nor movable (the view points into it).
 */
class request_adapter {
 public:
  /**
   * @param req the framework request
   * @param with_body true when `req.body` holds the whole body (route handlers), false in a
   *        pre-routing handler, where cpp-httplib has not read it yet
   */
  explicit request_adapter(const httplib::Request& req, bool with_body = true) {
    headers_.reserve(req.headers.size());
    for (const auto& kv : req.headers) headers_.push_back({kv.first, kv.second});
    view_.method = req.method;
    if (!req.target.empty()) {
      view_.target = req.target;  // the request-target exactly as received
    } else {
      // Older cpp-httplib: rebuild path?query (decoded, so only an approximation).
      target_ = req.path;
      bool first = true;
      for (const auto& p : req.params) {
        target_ += first ? '?' : '&';
        first = false;
        target_ += p.first;
        target_ += '=';
        target_ += p.second;
      }
      view_.target = target_;
    }
    view_.headers = headers_.data();
    view_.header_count = headers_.size();
    view_.has_body = with_body;
    if (with_body) view_.body = req.body;
    view_.peer_address = req.remote_addr;
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    view_.origin_scheme = req.ssl ? "https" : "http";
#endif
  }
  request_adapter(const request_adapter&) = delete;
  request_adapter& operator=(const request_adapter&) = delete;

  /// The view to hand to an `authenticator`.
  const request_view& view() const noexcept { return view_; }
  operator const request_view&() const noexcept { return view_; }  // NOLINT: implicit on purpose

 private:
  std::vector<header_view> headers_;
  std::string target_;
  request_view view_;
};

/**
 * Writes a refusal into `res`: status, every authentication header as its own field line
 * (`WWW-Authenticate` several times, never merged), and an RFC 9457 problem body with
 * content type `application/problem+json`. For an allowed decision only the headers
 * (`Authentication-Info`, extra headers) are added; status and body are left to the route.
 *
 * @param one_line true: all challenges joined into one field line
 */
inline void apply(const decision& d, httplib::Response& res, bool one_line = false) {
  for (auto& h : d.headers(one_line)) res.headers.emplace(std::move(h.name), std::move(h.value));
  if (d.allowed()) return;
  res.status = d.status();
  res.set_content(d.problem_json(), "application/problem+json");
}

namespace detail {
inline decision& current_decision() {
  static thread_local decision d = decision::not_found();
  return d;
}
inline bool path_matches(std::string_view path, std::string_view prefix) noexcept {
  if (prefix.empty() || prefix == "/") return true;
  if (path.substr(0, prefix.size()) != prefix) return false;
  // "/basic" protects "/basic" and "/basic/x", not "/basicx"
  return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
}
}  // namespace detail

/**
 * The identity that `protect()` or `guard()` authenticated for the request being handled on
 * this thread (cpp-httplib runs pre-routing and routing of one request on one thread).
 * Empty when the request was not authenticated.
 */
inline const std::string& identity() { return detail::current_decision().identity(); }
/// The whole allowing decision of the current request (scheme, identity), see `identity()`.
inline const decision& current() { return detail::current_decision(); }

/// Options of `protect()` and `guard()`.
struct protect_options {
  bool one_challenge_line = false;  ///< all challenges in one field line
};

/**
 * A pre-routing handler for `svr.set_pre_routing_handler(...)` that runs `auth` on every
 * request whose path is one of `prefixes` or below one (`"/basic"` covers `"/basic/x"`, not
 * `"/basicx"`; `"/"` covers everything). A refused request is answered at once (Handled);
 * an allowed one goes on to routing with `identity()` set. The body is not available here
 * (see the file comment); in proxy mode (`authenticator_options::proxy`) the answers are
 * 407 with `Proxy-Authenticate`.
 */
inline httplib::Server::HandlerWithResponse protect(std::shared_ptr<authenticator> auth, std::vector<std::string> prefixes,
                                                    protect_options opts = {}) {
  return [auth = std::move(auth), prefixes = std::move(prefixes), opts](const httplib::Request& req,
                                                                        httplib::Response& res) {
    detail::current_decision() = decision::not_found();
    bool match = false;
    for (const auto& p : prefixes) match = match || detail::path_matches(req.path, p);
    if (!match) return httplib::Server::HandlerResponse::Unhandled;
    request_adapter ra(req, false);
    decision d = auth->authenticate(ra.view());
    apply(d, res, opts.one_challenge_line || auth->options().one_challenge_line);
    if (!d.allowed()) return httplib::Server::HandlerResponse::Handled;
    detail::current_decision() = std::move(d);
    return httplib::Server::HandlerResponse::Unhandled;
  };
}

/// One protected path prefix and the authenticator that guards it.
struct route {
  std::string prefix;
  std::shared_ptr<authenticator> auth;
};

/**
 * A pre-routing handler for several protected areas: the route with the longest matching
 * prefix judges the request (`"/api"` with Bearer, `"/admin"` with Digest, ...). Requests
 * under no prefix go on unauthenticated.
 */
inline httplib::Server::HandlerWithResponse protect(std::vector<route> routes, protect_options opts = {}) {
  return [routes = std::move(routes), opts](const httplib::Request& req, httplib::Response& res) {
    detail::current_decision() = decision::not_found();
    const route* best = nullptr;
    for (const auto& r : routes)
      if (detail::path_matches(req.path, r.prefix) && (!best || r.prefix.size() > best->prefix.size())) best = &r;
    if (!best || !best->auth) return httplib::Server::HandlerResponse::Unhandled;
    request_adapter ra(req, false);
    decision d = best->auth->authenticate(ra.view());
    apply(d, res, opts.one_challenge_line || best->auth->options().one_challenge_line);
    if (!d.allowed()) return httplib::Server::HandlerResponse::Handled;
    detail::current_decision() = std::move(d);
    return httplib::Server::HandlerResponse::Unhandled;
  };
}

/**
 * Wraps one route handler: authenticates with the body available, answers refusals itself,
 * and calls `next(req, res, decision)` when allowed (`identity()` is set too).
 */
inline httplib::Server::Handler guard(std::shared_ptr<authenticator> auth,
                                      std::function<void(const httplib::Request&, httplib::Response&, const decision&)> next,
                                      protect_options opts = {}) {
  return [auth = std::move(auth), next = std::move(next), opts](const httplib::Request& req, httplib::Response& res) {
    request_adapter ra(req, true);
    decision d = auth->authenticate(ra.view());
    apply(d, res, opts.one_challenge_line || auth->options().one_challenge_line);
    if (!d.allowed()) return;
    detail::current_decision() = d;
    next(req, res, d);
  };
}

/**
 * Runs an example server the common way: binds 127.0.0.1 on a free port, prints exactly one
 * line `listening http://127.0.0.1:<port>` (flushed) once connections are accepted, and
 * serves until SIGTERM or SIGINT. Call it from `main` before starting other threads (it
 * blocks both signals in the calling thread so that every later thread inherits the mask).
 *
 * @return the process exit status: 0 after a signal, 1 when binding failed
 */
inline int run_example(httplib::Server& svr, const char* host = "127.0.0.1") {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  const int port = svr.bind_to_any_port(host);
  if (port <= 0) {
    std::fprintf(stderr, "cannot bind %s\n", host);
    return 1;
  }
  std::thread watcher([&svr, set] {
    int sig = 0;
    sigwait(&set, &sig);
    svr.stop();
  });
  std::printf("listening http://%s:%d\n", host, port);
  std::fflush(stdout);
  svr.listen_after_bind();
  // listen_after_bind also returns when the socket fails: make sure the watcher ends.
  if (watcher.joinable()) {
    pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
  }
  return 0;
}

}  // namespace httplib_adapter
}  // namespace v1
}  // namespace authwire
