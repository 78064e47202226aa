// SPDX-License-Identifier: MIT
// Boost.Beast example: a small HTTP server whose session calls authwire before dispatching.
// /basic needs Basic credentials (alice / wonderland); /proxy plays a forward proxy that wants
// Proxy-Authorization (407); anything else is public.
// Prints `listening http://127.0.0.1:<port>` once it accepts connections; stops on SIGTERM.
#include <authwire/adapters/beast.hpp>
#include <authwire/schemes/basic.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::shared_ptr<authwire::authenticator> make_auth(bool proxy) {
  authwire::authenticator_options ao;
  ao.proxy = proxy;
  auto auth = std::make_shared<authwire::authenticator>(ao);
  authwire::basic::options bo;
  bo.realm = proxy ? "beast proxy" : "beast example";
  auth->add(std::make_shared<authwire::basic::handler>(bo, [](std::string_view user) -> std::optional<std::string> {
    if (user == "alice") return std::string("wonderland");
    return std::nullopt;
  }));
  return auth;
}

void session(tcp::socket sock, std::shared_ptr<authwire::authenticator> origin,
             std::shared_ptr<authwire::authenticator> proxy) {
  beast::error_code ec;
  beast::flat_buffer buf;
  const std::string peer = sock.remote_endpoint(ec).address().to_string();
  for (;;) {
    http::request<http::string_body> req;
    http::read(sock, buf, req, ec);
    if (ec) break;
    const auto target = authwire::beast_adapter::to_view(req.target());
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.keep_alive(req.keep_alive());
    std::shared_ptr<authwire::authenticator> auth;
    if (target.rfind("/basic", 0) == 0) auth = origin;
    if (target.rfind("/proxy", 0) == 0) auth = proxy;
    if (auth) {
      // The call a Beast session makes before dispatching.
      authwire::decision d = authwire::beast_adapter::check(*auth, req, peer);
      if (!d.allowed()) {
        res = authwire::beast_adapter::refusal(d, req);
      } else {
        authwire::beast_adapter::apply(d, res);
        res.set(http::field::content_type, "text/plain");
        res.body() = "hello " + d.identity() + "\n";
      }
    } else {
      res.set(http::field::content_type, "text/plain");
      res.body() = "public\n";
    }
    res.prepare_payload();
    const bool keep = res.keep_alive();
    http::write(sock, res, ec);
    if (ec || !keep) break;
  }
  sock.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

int main() {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  auto origin = make_auth(false);
  auto proxy = make_auth(true);
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([&](const beast::error_code&, int) {
    beast::error_code ec;
    acceptor.close(ec);
    ioc.stop();
  });
  std::function<void()> accept = [&] {
    acceptor.async_accept([&](beast::error_code ec, tcp::socket sock) {
      if (ec) return;
      std::thread(session, std::move(sock), origin, proxy).detach();
      accept();
    });
  };
  accept();
  std::printf("listening http://127.0.0.1:%u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  ioc.run();
  return 0;
}
