// SPDX-License-Identifier: MIT
/**
 * @file cg_ops.cpp
 * @brief Callgrind driver: runs one inner operation of the benchmarks N times inside the
 *        non-inlined function cg_measure(), so that `valgrind --tool=callgrind
 *        --toggle-collect=cg_measure` counts exactly those N operations (inputs are built and one
 *        warm-up operation runs before, outside the collected region). bench/callgrind.sh divides
 *        the instruction count by N.
 *
 * Usage: cg_ops <op> <iterations> [size]     (cg_ops --list names the operations)
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <authwire/challenge.hpp>
#include <authwire/credentials.hpp>
#include <authwire/schemes/basic.hpp>
#include <authwire/schemes/digest.hpp>

#if AUTHWIRE_CG_POCO
#include <Poco/Net/HTTPAuthenticationParams.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPDigestCredentials.h>
#include <Poco/Net/HTTPRequest.h>
#endif

namespace {

constexpr std::string_view digest_md5 =
    R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
    R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
    R"(response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";
constexpr std::string_view digest_sha256 =
    R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
    R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
    R"(response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", )"
    R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";
constexpr std::string_view www_3 =
    R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", )"
    R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", )"
    R"(Basic realm="http-auth@example.org", charset="UTF-8")";
constexpr std::string_view basic_value = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";

constexpr const char* user = "Mufasa";
constexpr const char* password = "Circle of Life";
constexpr const char* realm = "http-auth@example.org";
constexpr const char* uri = "/dir/index.html";

volatile std::size_t sink = 0;

authwire::parse_options raised() {
  authwire::parse_options o;
  o.max_header_length = o.max_parameters = o.max_value_length = o.max_challenges = std::size_t{1} << 30;
  return o;
}

// The hostile shapes of bench_hostile.cpp.
std::string many_params(std::size_t n) {
  std::string s = "Digest ";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ", ";
    s += "p" + std::to_string(i) + "=v";
  }
  return s;
}
std::string many_challenges(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ", ";
    s += "Basic realm=\"x\"";
  }
  return s;
}
std::string many_escapes(std::size_t n) {
  std::string s = "Digest realm=\"";
  for (std::size_t i = 0; i < n; ++i) s += "\\\"";
  return s + "\"";
}

std::string quoted_value(std::size_t n) { return "Digest realm=\"" + std::string(n, 'a') + "\""; }
std::string token68(std::size_t n) { return "Bearer " + std::string(n, 'A'); }
std::string comma_flood_list(std::size_t n) { return std::string(n, ',') + " Basic realm=\"x\""; }
std::string comma_flood_params(std::size_t n) {
  std::string s = "Digest realm=\"x\"";
  for (std::size_t i = 0; i < n; ++i) s += " ,";
  return s + " nonce=\"y\"";
}

/// The hostile input `op` of `size` elements, and whether it is credentials (else challenges).
bool hostile(std::string_view op, std::size_t size, std::string& text) {
  if (op == "hostile_params") text = many_params(size);
  else if (op == "hostile_token68") text = token68(size);
  else if (op == "hostile_comma_params") text = comma_flood_params(size);
  else if (op == "hostile_challenges") text = many_challenges(size);
  else if (op == "hostile_escapes") text = many_escapes(size);
  else if (op == "hostile_quoted_value") text = quoted_value(size);
  else if (op == "hostile_comma_list") text = comma_flood_list(size);
  return op == "hostile_params" || op == "hostile_token68" || op == "hostile_comma_params";
}

/// mode 0: default (Authentication-Info with rspauth); 1: send_rspauth = false;
/// 2: send_authentication_info = false; 3: the application returns HA1 instead of the password;
/// 4: the same as 0, but the values go round 16 nonces, more than the handler remembers per
/// thread (8): every check computes the nonce HMAC, as on the first request with a nonce.
authwire::digest::handler make_digest_handler(int mode) {
  authwire::digest::options o;
  o.realm = realm;
  o.algorithms = {authwire::digest::algorithm::sha256, authwire::digest::algorithm::md5};
  o.clock = authwire::fixed_clock(1700000000);
  o.nonce_keys = {std::string(32, 'k')};  // one key: every mode accepts the same nonces
  o.send_rspauth = mode != 1;
  o.send_authentication_info = mode != 2;
  const bool ha1 = mode == 3;
  return authwire::digest::handler(
      o, [ha1](std::string_view u, std::string_view r, authwire::digest::algorithm a, std::string& secret) {
        if (u != user) return authwire::digest::secret_kind::unknown;
        if (!ha1) {
          secret = password;
          return authwire::digest::secret_kind::password;
        }
        thread_local std::string cached[2];  // what an htdigest-like store holds, per algorithm
        std::string& c = cached[a == authwire::digest::algorithm::md5 ? 0 : 1];
        if (c.empty()) c = authwire::digest::ha1(a, u, r, password);
        secret = c;
        return authwire::digest::secret_kind::ha1;
      });
}

authwire::digest::handler& digest_handler(int mode = 0) {
  static authwire::digest::handler h[] = {make_digest_handler(0), make_digest_handler(1), make_digest_handler(2),
                                          make_digest_handler(3), make_digest_handler(4)};
  return h[mode];
}

authwire::request_view make_view(const authwire::header_view* hv) {
  authwire::request_view v;
  v.method = "GET";
  v.target = uri;
  v.headers = hv;
  v.header_count = hv ? 1 : 0;
  v.peer_address = "127.0.0.1";
  return v;
}

/// n Authorization values on one fresh nonce, nc 1..n.
std::vector<std::string> digest_headers(authwire::digest::algorithm alg, std::size_t n, int mode = 0) {
  std::vector<std::string> nonces(mode == 4 ? 16 : 1);
  for (auto& x : nonces) x = digest_handler(mode).make_nonce(make_view(nullptr));
  authwire::digest::challenge_info ci;
  ci.realm = realm;
  ci.alg = alg;
  ci.qop_auth = true;
  std::vector<std::string> v;
  for (std::uint32_t i = 1; i <= n; ++i) {
    ci.nonce = nonces[(i - 1) % nonces.size()];
    authwire::digest::request_inputs in;
    in.uri = uri;
    in.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    in.nc = static_cast<std::uint32_t>((i - 1) / nonces.size() + 1);
    auto h = authwire::digest::build_authorization(ci, {user, password, {}}, in);
    if (!h) std::abort();
    v.push_back(std::move(*h));
  }
  return v;
}

}  // namespace

/// The collected region: exactly `n` calls of `op`.
extern "C" __attribute__((noinline)) void cg_measure(const std::function<void(std::size_t)>& op, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) op(i);
}

int main(int argc, char** argv) {
  const char* names =
      "noop parse_digest_md5 parse_digest_sha256 parse_challenges_3 parse_basic basic_parse "
      "digest_check_md5 digest_check_sha256 digest_verify_md5 digest_verify_sha256 "
      "digest_verify_md5_norspauth digest_verify_sha256_norspauth digest_verify_md5_noinfo digest_verify_sha256_noinfo "
      "digest_check_md5_ha1 digest_check_sha256_ha1 digest_check_sha256_newnonce "
      "hostile_params hostile_challenges hostile_escapes hostile_quoted_value hostile_token68 hostile_comma_list "
      "hostile_comma_params"
#if AUTHWIRE_CG_POCO
      " poco_parse_digest_md5 poco_basic poco_verify_md5"
#endif
      ;
  if (argc >= 2 && std::strcmp(argv[1], "--list") == 0) {
    std::printf("%s\n", names);
    return 0;
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: cg_ops <op> <iterations> [size]\nops: %s\n", names);
    return 2;
  }
  const std::string_view op = argv[1];
  const std::size_t n = std::strtoul(argv[2], nullptr, 10);
  const std::size_t size = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 1024;
  std::function<void(std::size_t)> f;

  // Inputs kept alive for the whole run.
  std::vector<std::string> headers;
  std::string text;
  const auto opts = raised();
#if AUTHWIRE_CG_POCO
  std::vector<std::unique_ptr<Poco::Net::HTTPRequest>> requests;
  std::unique_ptr<Poco::Net::HTTPDigestCredentials> creds;
  std::string info;
#endif

  auto parse_c = [](std::string_view t) {
    return [t](std::size_t) {
      auto r = authwire::parse_credentials(t);
      sink = sink + (r ? 1 : 0);
    };
  };
  if (op == "noop") {
    f = [](std::size_t i) { sink = sink + i; };
  } else if (op == "parse_digest_md5") {
    f = parse_c(digest_md5);
  } else if (op == "parse_digest_sha256") {
    f = parse_c(digest_sha256);
  } else if (op == "parse_basic") {
    f = parse_c(basic_value);
  } else if (op == "parse_challenges_3") {
    f = [](std::size_t) {
      auto r = authwire::parse_challenges(www_3);
      sink = sink + (r ? r->size() : 0);
    };
  } else if (op == "basic_parse") {
    f = [](std::size_t) {
      auto r = authwire::basic::parse(basic_value);
      sink = sink + (r ? r->user().size() : 0);
    };
  } else if (op.rfind("digest_", 0) == 0) {
    const bool md5 = op.find("md5") != std::string_view::npos;
    const bool verify = op.find("verify") != std::string_view::npos;
    const int mode = op.find("norspauth") != std::string_view::npos ? 1
                     : op.find("noinfo") != std::string_view::npos ? 2
                     : op.find("_ha1") != std::string_view::npos   ? 3
                     : op.find("newnonce") != std::string_view::npos ? 4
                                                                   : 0;
    headers = digest_headers(md5 ? authwire::digest::algorithm::md5 : authwire::digest::algorithm::sha256, n + 1, mode);
    f = [&headers, verify, mode](std::size_t i) {
      const std::string& value = headers[i + 1];
      const authwire::header_view hv{"Authorization", value};
      if (verify) {
        const auto v = digest_handler(mode).verify(make_view(&hv), value);
        if (v.kind != authwire::verdict_kind::allow) std::abort();
      } else {
        const auto r = digest_handler(mode).check(make_view(&hv), value);
        if (r.code != authwire::digest::errc::ok) std::abort();
      }
    };
    // warm-up on header 0 (nc 1): thread-local buffers, hash contexts, the store entry
    const authwire::header_view hv{"Authorization", headers[0]};
    if (digest_handler(mode).verify(make_view(&hv), headers[0]).kind != authwire::verdict_kind::allow) std::abort();
  } else if (op.rfind("hostile_", 0) == 0) {
    const bool cred = hostile(op, size, text);
    if (text.empty()) {
      std::fprintf(stderr, "unknown op %s\n", argv[1]);
      return 2;
    }
    f = [&text, &opts, cred](std::size_t) {
      if (cred) {
        auto r = authwire::parse_credentials(text, opts);
        if (!r) std::abort();
      } else {
        auto r = authwire::parse_challenges(text, opts);
        if (!r) std::abort();
      }
    };
    std::printf("bytes %zu\n", text.size());
#if AUTHWIRE_CG_POCO
  } else if (op == "poco_parse_digest_md5") {
    info = std::string(digest_md5.substr(7));
    f = [&info](std::size_t) {
      Poco::Net::HTTPAuthenticationParams p;
      p.fromAuthInfo(info);
      sink = sink + p.size();
    };
  } else if (op == "poco_basic") {
    requests.push_back(std::make_unique<Poco::Net::HTTPRequest>("GET", uri, "HTTP/1.1"));
    requests.back()->set("Authorization", std::string(basic_value));
    f = [&requests](std::size_t) {
      Poco::Net::HTTPBasicCredentials c(*requests[0]);
      sink = sink + c.getUsername().size();
    };
  } else if (op == "poco_verify_md5") {
    headers = digest_headers(authwire::digest::algorithm::md5, n + 1);
    for (const auto& h : headers) {
      requests.push_back(std::make_unique<Poco::Net::HTTPRequest>("GET", uri, "HTTP/1.1"));
      requests.back()->set("Authorization", h);
    }
    creds = std::make_unique<Poco::Net::HTTPDigestCredentials>(user, password);
    f = [&requests, &creds](std::size_t i) {
      if (!creds->verifyAuthInfo(*requests[i + 1])) std::abort();
    };
#endif
  } else {
    std::fprintf(stderr, "unknown op %s\n", argv[1]);
    return 2;
  }
  if (op.rfind("digest_", 0) != 0) f(0);  // warm-up
  cg_measure(f, n);
  return 0;
}
