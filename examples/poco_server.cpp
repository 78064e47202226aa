// SPDX-License-Identifier: MIT
// Poco example: an HTTPServer whose factory is wrapped by authwire's guard_factory, so every
// handler under /basic only sees authenticated requests (Basic: alice / wonderland), and a
// body_handler under /upload that hands the body to the schemes too.
// Prints `listening http://127.0.0.1:<port>` once it accepts connections; stops on SIGTERM.
#include <authwire/adapters/poco.hpp>
#include <authwire/schemes/basic.hpp>

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>

namespace net = Poco::Net;

namespace {

class hello_handler final : public net::HTTPRequestHandler {
 public:
  void handleRequest(net::HTTPServerRequest& req, net::HTTPServerResponse& res) override {
    const std::string who = authwire::poco_adapter::guard_handler::current().identity();
    const std::string body = who.empty() ? "public\n" : "hello " + who + "\n";
    (void)req;
    res.setContentType("text/plain");
    res.setContentLength(static_cast<std::streamsize>(body.size()));
    res.send() << body;
  }
};

class app_factory final : public net::HTTPRequestHandlerFactory {
 public:
  explicit app_factory(std::shared_ptr<authwire::authenticator> auth) : auth_(std::move(auth)) {}
  net::HTTPRequestHandler* createRequestHandler(const net::HTTPServerRequest& req) override {
    if (req.getURI().rfind("/upload", 0) == 0)
      return new authwire::poco_adapter::body_handler(
          auth_, [](net::HTTPServerRequest&, net::HTTPServerResponse& res, const authwire::decision& d,
                    const std::string& body) {
            const std::string out = d.identity() + " uploaded " + std::to_string(body.size()) + " bytes\n";
            res.setContentType("text/plain");
            res.setContentLength(static_cast<std::streamsize>(out.size()));
            res.send() << out;
          });
    return new hello_handler;
  }

 private:
  std::shared_ptr<authwire::authenticator> auth_;
};

}  // namespace

int main() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto auth = std::make_shared<authwire::authenticator>();
  authwire::basic::options bo;
  bo.realm = "poco example";
  auth->add(std::make_shared<authwire::basic::handler>(bo, [](std::string_view user) -> std::optional<std::string> {
    if (user == "alice") return std::string("wonderland");
    return std::nullopt;
  }));

  net::ServerSocket socket(net::SocketAddress("127.0.0.1", 0));
  net::HTTPServer srv(new authwire::poco_adapter::guard_factory(auth, new app_factory(auth), {"/basic"}), socket,
                      new net::HTTPServerParams);
  srv.start();
  std::printf("listening http://127.0.0.1:%u\n", static_cast<unsigned>(socket.address().port()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  srv.stop();
  return 0;
}
