// SPDX-License-Identifier: MIT
/**
 * @file loopback_client.cpp
 * @brief The load client of bench/loopback.sh. Each connection (one thread, one keep-alive
 *        socket) takes the server's Digest challenge from a first 401, then sends GET / with a
 *        fresh Authorization per request (authwire::digest::build_authorization: the next nc of
 *        that nonce, a new cnonce, the SHA-256 response), so no request is a replay. The nonce
 *        count is shared by all connections that hold the same nonce, as RFC 7616 section 3.4
 *        counts requests per nonce: libmicrohttpd 0.9.75 derives its nonce from the time in
 *        seconds, the method, the URI and the realm, so connections opened in the same second get
 *        the same nonce. Counts from concurrent connections arrive slightly out of order, within
 *        the 64-wide windows both servers keep. In --noauth mode (the baseline servers send no
 *        challenge) it builds the same Authorization from a fixed challenge, so the client does
 *        the same work in every run. Prints `rps <r> ok <n> refused <n> seconds <s>`.
 *
 * Usage: loopback_client --port P [--seconds 5] [--connections 4] [--noauth]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <authwire/challenge.hpp>
#include <authwire/grammar.hpp>
#include <authwire/schemes/digest.hpp>

namespace {

constexpr const char* user = "bench";
constexpr const char* password = "loopback secret";
constexpr std::string_view fixed_challenge =
    R"(Digest realm="bench@authwire", qop="auth", algorithm=SHA-256, )"
    R"(nonce="AAAAAGVTkwAhT9eB2m1mZ3N0YWJsZWJlbmNobm9uY2UwMDAw", opaque="0123456789abcdef")";

/// The nonce count of each nonce, shared by all connections.
std::shared_ptr<std::atomic<std::uint32_t>> counter_for(const std::string& nonce) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<std::atomic<std::uint32_t>>> m;
  std::lock_guard<std::mutex> lock(mu);
  auto& p = m[nonce];
  if (!p) p = std::make_shared<std::atomic<std::uint32_t>>(0);
  return p;
}

/// The Digest state of one connection: the chosen challenge and its shared counter.
struct digest_state {
  authwire::digest::challenge_info ci;
  std::shared_ptr<std::atomic<std::uint32_t>> nc;
  std::uint64_t cnonce_seq = 0;
  std::string cnonce;

  bool adopt(std::string_view www_authenticate) {
    auto l = authwire::parse_challenges(www_authenticate);
    if (!l) return false;
    auto i = authwire::digest::choose_challenge(*l);
    if (!i) return false;
    auto c = authwire::digest::read_challenge((*l)[*i]);
    if (!c) return false;
    ci = std::move(*c);
    nc = counter_for(ci.nonce);
    return true;
  }
  authwire::result<std::string, authwire::digest::errc> authorization(std::uint64_t id) {
    cnonce = "c" + std::to_string(id) + "x" + std::to_string(++cnonce_seq);
    authwire::digest::request_inputs in;
    in.method = "GET";
    in.uri = "/";
    in.cnonce = cnonce;
    in.nc = nc->fetch_add(1) + 1;
    return authwire::digest::build_authorization(ci, {user, password, {}}, in);
  }
};

struct response {
  int status = 0;
  std::string challenges;  // WWW-Authenticate lines joined by ", "
  bool close = false;
};

class connection {
 public:
  explicit connection(int port) : port_(port) {}
  ~connection() { disconnect(); }

  bool connect_once() {
    disconnect();
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      disconnect();
      return false;
    }
    buf_.clear();
    return true;
  }
  void disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool open() const { return fd_ >= 0; }

  /// Sends one request and reads one response; false on a broken connection.
  bool exchange(const std::string& request, response& out) {
    std::size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t k = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (k <= 0) return false;
      sent += static_cast<std::size_t>(k);
    }
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    const std::string_view head(buf_.data(), end);
    out = response{};
    if (head.size() < 12) return false;
    out.status = std::atoi(std::string(head.substr(9, 3)).c_str());
    std::size_t length = 0;
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
      const std::size_t next = head.find("\r\n", pos + 2);
      const std::string_view line = head.substr(pos + 2, (next == std::string_view::npos ? head.size() : next) - pos - 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        const std::string_view name = line.substr(0, colon);
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (authwire::iequals(name, "Content-Length")) length = std::strtoul(std::string(value).c_str(), nullptr, 10);
        if (authwire::iequals(name, "Connection") && authwire::iequals(value, "close")) out.close = true;
        if (authwire::iequals(name, "WWW-Authenticate")) {
          if (!out.challenges.empty()) out.challenges += ", ";
          out.challenges.append(value.data(), value.size());
        }
      }
      pos = next;
    }
    const std::size_t total = end + 4 + length;
    while (buf_.size() < total)
      if (!fill()) return false;
    buf_.erase(0, total);
    if (out.close) disconnect();
    return true;
  }

 private:
  bool fill() {
    char tmp[16384];
    const ssize_t k = ::recv(fd_, tmp, sizeof tmp, 0);
    if (k <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(k));
    return true;
  }

  int port_;
  int fd_ = -1;
  std::string buf_;
};

std::string request_text(int port, const std::string* authorization) {
  std::string r = "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
  if (authorization) r += "Authorization: " + *authorization + "\r\n";
  return r + "\r\n";
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, seconds = 5, connections = 4;
  bool noauth = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--port" && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (a == "--seconds" && i + 1 < argc) seconds = std::atoi(argv[++i]);
    else if (a == "--connections" && i + 1 < argc) connections = std::atoi(argv[++i]);
    else if (a == "--noauth") noauth = true;
  }
  if (port <= 0) {
    std::fprintf(stderr, "usage: loopback_client --port P [--seconds 5] [--connections 4] [--noauth]\n");
    return 2;
  }
  std::atomic<std::uint64_t> ok{0}, refused{0}, errors{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false}, stop{false};

  auto worker = [&](std::uint64_t id) {
    connection c(port);
    digest_state dc;
    bool have = false;
    if (c.connect_once()) {
      if (noauth) {
        have = dc.adopt(fixed_challenge);
      } else {
        response r;
        if (c.exchange(request_text(port, nullptr), r) && r.status == 401) have = dc.adopt(r.challenges);
      }
    }
    ready.fetch_add(1);
    if (!have) {
      errors.fetch_add(1);
      return;
    }
    while (!go.load()) std::this_thread::yield();
    response r;
    std::uint64_t n_ok = 0, n_refused = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      if (!c.open() && !c.connect_once()) break;
      auto a = dc.authorization(id);
      if (!a) break;
      if (!c.exchange(request_text(port, &*a), r)) {
        c.disconnect();
        continue;
      }
      if (r.status == 200) {
        ++n_ok;
      } else {
        ++n_refused;
        if (r.status == 401 && !r.challenges.empty()) (void)dc.adopt(r.challenges);
      }
    }
    ok.fetch_add(n_ok);
    refused.fetch_add(n_refused);
  };

  std::vector<std::thread> ts;
  for (int i = 0; i < connections; ++i) ts.emplace_back(worker, static_cast<std::uint64_t>(i));
  while (ready.load() < connections) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto t0 = std::chrono::steady_clock::now();
  go.store(true);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop.store(true);
  for (auto& t : ts) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("rps %.0f ok %llu refused %llu seconds %.2f\n", static_cast<double>(ok.load()) / s,
              static_cast<unsigned long long>(ok.load()), static_cast<unsigned long long>(refused.load()), s);
  if (errors.load()) std::fprintf(stderr, "%llu connections could not start\n", static_cast<unsigned long long>(errors.load()));
  return ok.load() > 0 && refused.load() == 0 ? 0 : 1;
}
