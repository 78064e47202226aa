// SPDX-License-Identifier: MIT
/**
 * @file adapters/poco.hpp
 * @brief Poco adapter: a `request_view` over a `Poco::Net::HTTPServerRequest`, a `decision`
 *        written into an `HTTPServerResponse`, and `guard_handler` / `guard_factory`, which
 *        wrap an `HTTPRequestHandler` (or a whole factory) so that only authenticated requests
 *        reach it.
 *
 * Include only when the program uses Poco (Debian libpoco-dev, Poco 1.11):
 *
 * @code
 *   Poco::Net::HTTPServer srv(new authwire::poco_adapter::guard_factory(auth, new MyFactory, {"/private"}),
 *                             socket, new Poco::Net::HTTPServerParams);
 * @endcode
 *
 * The body is a stream that only one reader can consume, so the wrapped handler keeps it and
 * the schemes see `has_body == false`; `body_handler` instead reads the body first (up to a
 * limit) and hands it both to the schemes and to the application's function.
 */
#pragma once

#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include "../decision.hpp"
#include "../server.hpp"

namespace authwire {
inline namespace v1 {
namespace poco_adapter {

/**
 * A `request_view` over one Poco request. Poco keeps the request-target as `getURI()` and the
 * headers in a list map (field lines of one name stay in order). Not copyable or movable.
 */
class request_adapter {
 public:
  explicit request_adapter(const Poco::Net::HTTPServerRequest& req, std::string_view body = {}, bool has_body = false)
      : peer_(req.clientAddress().host().toString()) {
    for (const auto& kv : req) headers_.push_back({kv.first, kv.second});
    view_.method = req.getMethod();
    view_.target = req.getURI();
    view_.headers = headers_.data();
    view_.header_count = headers_.size();
    view_.peer_address = peer_;
    view_.body = body;
    view_.has_body = has_body;
    view_.origin_scheme = req.secure() ? "https" : "http";
  }
  request_adapter(const request_adapter&) = delete;
  request_adapter& operator=(const request_adapter&) = delete;

  const request_view& view() const noexcept { return view_; }

 private:
  std::string peer_;
  std::vector<header_view> headers_;
  request_view view_;
};

/// Adds the decision's headers; for a refusal also sends the status and problem body.
inline void apply(const decision& d, Poco::Net::HTTPServerResponse& res, bool one_line = false) {
  for (const auto& h : d.headers(one_line)) res.add(h.name, h.value);
  if (d.allowed()) return;
  res.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(d.status()), std::string(d.status_text()));
  const std::string body = d.problem_json();
  res.setContentType("application/problem+json");
  res.setContentLength(static_cast<std::streamsize>(body.size()));
  res.send() << body;
}

/**
 * Wraps one handler: authenticates (without the body), answers refusals itself, and passes
 * allowed requests to the wrapped handler; `decision_of` gives the handler the decision.
 */
class guard_handler final : public Poco::Net::HTTPRequestHandler {
 public:
  guard_handler(std::shared_ptr<authenticator> auth, Poco::Net::HTTPRequestHandler* next)
      : auth_(std::move(auth)), next_(next) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override {
    decision d = decision::not_found();
    {
      request_adapter ra(req);
      d = auth_->authenticate(ra.view());
    }
    apply(d, res, auth_->options().one_challenge_line);
    if (!d.allowed()) return;
    current() = std::move(d);
    next_->handleRequest(req, res);
  }

  /// The allowing decision of the request this thread is handling.
  static decision& current() {
    static thread_local decision d = decision::not_found();
    return d;
  }

 private:
  std::shared_ptr<authenticator> auth_;
  std::unique_ptr<Poco::Net::HTTPRequestHandler> next_;
};

/**
 * Reads the body (at most `max_body` bytes; more is a 413), authenticates with it, and calls
 * `fn(req, res, decision, body)` when allowed.
 */
class body_handler final : public Poco::Net::HTTPRequestHandler {
 public:
  using function = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&, const decision&,
                                      const std::string&)>;
  body_handler(std::shared_ptr<authenticator> auth, function fn, std::size_t max_body = 1 << 20)
      : auth_(std::move(auth)), fn_(std::move(fn)), max_(max_body) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override {
    std::string body;
    char buf[8192];
    auto& in = req.stream();
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      body.append(buf, static_cast<std::size_t>(in.gcount()));
      if (body.size() > max_) {
        res.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE);
        res.setContentLength(0);
        res.send();
        return;
      }
    }
    decision d = decision::not_found();
    {
      request_adapter ra(req, body, true);
      d = auth_->authenticate(ra.view());
    }
    apply(d, res, auth_->options().one_challenge_line);
    if (d.allowed()) fn_(req, res, d, body);
  }

 private:
  std::shared_ptr<authenticator> auth_;
  function fn_;
  std::size_t max_;
};

/**
 * Wraps a whole factory: requests whose path is one of `prefixes` or below one get their
 * handler wrapped in a `guard_handler`. Takes ownership of `inner`.
 */
class guard_factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  guard_factory(std::shared_ptr<authenticator> auth, Poco::Net::HTTPRequestHandlerFactory* inner,
                std::vector<std::string> prefixes)
      : auth_(std::move(auth)), inner_(inner), prefixes_(std::move(prefixes)) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& req) override {
    Poco::Net::HTTPRequestHandler* h = inner_->createRequestHandler(req);
    const std::string path = Poco::URI(req.getURI()).getPath();
    for (const auto& p : prefixes_)
      if (matches(path, p)) return new guard_handler(auth_, h);
    return h;
  }

 private:
  static bool matches(std::string_view path, std::string_view prefix) noexcept {
    if (prefix.empty() || prefix == "/") return true;
    if (path.substr(0, prefix.size()) != prefix) return false;
    return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
  }
  std::shared_ptr<authenticator> auth_;
  std::unique_ptr<Poco::Net::HTTPRequestHandlerFactory> inner_;
  std::vector<std::string> prefixes_;
};

}  // namespace poco_adapter
}  // namespace v1
}  // namespace authwire
