// SPDX-License-Identifier: MIT
// Example: a Mutual (RFC 8120) client with cpp-httplib: performs the handshake against a URL,
// verifies the server (vks), then sends more requests in the same session with increasing nc.
//
//   mutual_client http://127.0.0.1:8080/private USER PASSWORD [--requests N] [--algorithm NAME]
//
// Exit status: 0 when every request was authenticated in both directions, 1 when the server
// refused the password (auth-failed), 3 when the server could not prove the password (vks),
// 2 for usage or transport errors. Prints one line per response.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <httplib.h>

#include <authwire/schemes/mutual.hpp>

namespace mu = authwire::mutual;

namespace {

std::string header_lines(const httplib::Response& r, const char* name) {
  std::string all;
  auto range = r.headers.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) {
    if (!all.empty()) all += ", ";
    all += it->second;
  }
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " URL USER PASSWORD [--requests N] [--algorithm NAME]\n";
    return 2;
  }
  const std::string url = argv[1];
  int extra = 2;
  mu::client_options co;
  co.user = argv[2];
  co.password = argv[3];
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "--requests") == 0 && i + 1 < argc) {
      extra = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--algorithm") == 0 && i + 1 < argc) {
      mu::algorithm a{};
      if (!mu::algorithm_from_string(argv[++i], a)) {
        std::cerr << "unknown algorithm " << argv[i] << "\n";
        return 2;
      }
      co.algorithms = {a};
    } else {
      std::cerr << "unknown option " << argv[i] << "\n";
      return 2;
    }
  }
  // http://host:port/path
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return 2;
  const auto path_at = url.find('/', scheme_end + 3);
  const std::string authority = url.substr(scheme_end + 3, path_at - scheme_end - 3);
  const std::string path = path_at == std::string::npos ? "/" : url.substr(path_at);
  co.validation_host = mu::validation_host(url.substr(0, scheme_end), authority);
  co.host = mu::host_name(authority);

  httplib::Client cli(url.substr(0, path_at));
  mu::client c(co);
  std::string authorization;
  int step = 0;
  int done = 0;
  while (step < 8) {
    ++step;
    httplib::Headers h;
    if (!authorization.empty()) h.emplace("Authorization", authorization);
    auto res = cli.Get(path, h);
    if (!res) {
      std::cerr << "transport error\n";
      return 2;
    }
    std::cout << res->status << " " << (authorization.empty() ? "(none)" : authorization.substr(0, 40)) << "\n";
    if (res->status == 401) {
      auto next = c.on_unauthorized(header_lines(*res, "WWW-Authenticate"));
      if (!next) {
        std::cout << "client: " << mu::to_string(next.code()) << "\n";
        return next.code() == mu::errc::auth_failed ? 1 : 2;
      }
      authorization = *next;
      continue;
    }
    if (res->status != 200) return 2;
    auto ok = c.on_authentication_info(header_lines(*res, "Authentication-Info"));
    if (!ok) {
      std::cout << "client: " << mu::to_string(ok.code()) << "\n";
      return 3;
    }
    std::cout << "server verified, nc=" << c.nc() << ": " << res->body;
    if (done++ >= extra) return 0;
    auto a = c.authorize();
    if (!a) return 2;
    authorization = *a;
    step = 0;
  }
  std::cerr << "too many round trips\n";
  return 2;
}
