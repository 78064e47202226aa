// SPDX-License-Identifier: MIT
/**
 * @file bench_peers.cpp
 * @brief authwire against its peers, in one run and on the same inputs: Poco's
 *        HTTPAuthenticationParams (parse), HTTPBasicCredentials (Basic) and HTTPDigestCredentials
 *        (server-side MD5 verification) against authwire::parse_credentials, authwire::basic::parse
 *        and authwire::digest::handler::verify (MD5 and SHA-256). Prints a table of ratios
 *        (peer time / authwire time) and allocations per operation at the end.
 *
 * cpp-httplib (Debian 0.11.4) is not compared: its Digest helpers (detail::parse_www_authenticate,
 * detail::make_digest_authentication_header) are compiled into libcpp-httplib.so and not exported,
 * so a program cannot call them.
 *
 * Build and run: see bench/README.md, section "Peers, scaling, instruction counts".
 */
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include <authwire/credentials.hpp>
#include <authwire/crypto.hpp>
#include <authwire/schemes/basic.hpp>
#include <authwire/schemes/digest.hpp>

#include <Poco/Net/HTTPAuthenticationParams.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPDigestCredentials.h>
#include <Poco/Net/HTTPRequest.h>

#include "counting_new.hpp"

namespace {

std::size_t allocs() { return g_allocations.load(std::memory_order_relaxed); }

void set_allocs(benchmark::State& state, std::size_t n) {
  state.counters["allocs/op"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kAvgIterations);
}

// RFC 7616 section 3.9.1 Authorization values, and RFC 7617 section 2 Basic.
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
constexpr std::string_view basic_value = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";

constexpr const char* user = "Mufasa";
constexpr const char* password = "Circle of Life";
constexpr const char* realm = "http-auth@example.org";
constexpr const char* uri = "/dir/index.html";

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

void bm_parse_authwire(benchmark::State& state, std::string_view text) {
  if (!authwire::parse_credentials(text)) {
    state.SkipWithError("does not parse");
    return;
  }
  const auto a0 = allocs();
  for (auto _ : state) {
    auto r = authwire::parse_credentials(text);
    benchmark::DoNotOptimize(r);
  }
  set_allocs(state, allocs() - a0);
}

void bm_parse_poco(benchmark::State& state, std::string_view text) {
  const std::string after_scheme(text.substr(text.find(' ') + 1));
  const auto a0 = allocs();
  for (auto _ : state) {
    Poco::Net::HTTPAuthenticationParams p;
    p.fromAuthInfo(after_scheme);
    benchmark::DoNotOptimize(p);
  }
  set_allocs(state, allocs() - a0);
}

void bm_basic_authwire(benchmark::State& state) {
  auto c = authwire::basic::parse(basic_value);
  if (!c || c->user() != "Aladdin") {
    state.SkipWithError("does not parse");
    return;
  }
  const auto a0 = allocs();
  for (auto _ : state) {
    auto r = authwire::basic::parse(basic_value);
    benchmark::DoNotOptimize(r);
  }
  set_allocs(state, allocs() - a0);
}

void bm_basic_poco_request(benchmark::State& state) {
  Poco::Net::HTTPRequest req("GET", uri, "HTTP/1.1");
  req.set("Authorization", std::string(basic_value));
  const auto a0 = allocs();
  for (auto _ : state) {
    Poco::Net::HTTPBasicCredentials c(req);
    benchmark::DoNotOptimize(c);
  }
  set_allocs(state, allocs() - a0);
}

void bm_basic_poco_authinfo(benchmark::State& state) {
  const std::string info(basic_value.substr(6));
  const auto a0 = allocs();
  for (auto _ : state) {
    Poco::Net::HTTPBasicCredentials c(info);
    benchmark::DoNotOptimize(c);
  }
  set_allocs(state, allocs() - a0);
}

// ---------------------------------------------------------------------------------------------
// Digest verification on the server. Each Authorization can be accepted once (nonce count), so
// the loops take headers from a batch of 1024, all with a fresh authwire nonce and nc 1..1024,
// built with authwire's Digest client while the timer is paused. Poco verifies the very same
// headers (it does not look at the nonce, nc, realm or uri: it only recomputes the response).
// ---------------------------------------------------------------------------------------------
constexpr std::size_t batch_size = 1024;

/// What the handler sends on success: the default Authentication-Info with rspauth, one
/// without rspauth (options::send_rspauth), or none (options::send_authentication_info).
/// `stored_ha1`: the default Authentication-Info, but the application stores H(A1) (as
/// htdigest files do, and as RFC 7616 section 5.1 has servers do) instead of the password.
enum class info_mode { rspauth, no_rspauth, none, stored_ha1 };

authwire::digest::handler make_digest_handler(info_mode m) {
  authwire::digest::options o;
  o.realm = realm;
  o.algorithms = {authwire::digest::algorithm::sha256, authwire::digest::algorithm::md5};
  o.send_rspauth = m == info_mode::rspauth || m == info_mode::stored_ha1;
  o.send_authentication_info = m != info_mode::none;
  if (m == info_mode::stored_ha1) {
    // Looked up per request like a password would be; computed once here.
    using authwire::digest::algorithm;
    const std::string md5 = authwire::digest::ha1(algorithm::md5, user, realm, password);
    const std::string sha256 = authwire::digest::ha1(algorithm::sha256, user, realm, password);
    return authwire::digest::handler(
        o, [md5, sha256](std::string_view u, std::string_view, algorithm a, std::string& secret) {
          if (u != user) return authwire::digest::secret_kind::unknown;
          secret = a == algorithm::md5 ? md5 : sha256;
          return authwire::digest::secret_kind::ha1;
        });
  }
  return authwire::digest::handler(
      o, [](std::string_view u, std::string_view, authwire::digest::algorithm, std::string& secret) {
        if (u != user) return authwire::digest::secret_kind::unknown;
        secret = password;
        return authwire::digest::secret_kind::password;
      });
}

authwire::digest::handler& digest_handler(info_mode m = info_mode::rspauth) {
  static authwire::digest::handler h[] = {make_digest_handler(info_mode::rspauth),
                                          make_digest_handler(info_mode::no_rspauth),
                                          make_digest_handler(info_mode::none),
                                          make_digest_handler(info_mode::stored_ha1)};
  return h[static_cast<int>(m)];
}

authwire::request_view make_view(const authwire::header_view* hv) {
  authwire::request_view v;
  v.method = "GET";
  v.target = uri;
  v.headers = hv;
  v.header_count = 1;
  v.peer_address = "127.0.0.1";
  return v;
}

struct batch {
  std::vector<std::string> headers;
  std::vector<std::unique_ptr<Poco::Net::HTTPRequest>> requests;  // the same headers, for Poco
  std::size_t next = batch_size;

  void refill(authwire::digest::algorithm alg, bool poco, info_mode m = info_mode::rspauth) {
    authwire::header_view none{};
    const std::string nonce = digest_handler(m).make_nonce(make_view(&none));
    authwire::digest::challenge_info ci;
    ci.realm = realm;
    ci.nonce = nonce;
    ci.alg = alg;
    ci.qop_auth = true;
    headers.clear();
    requests.clear();
    for (std::uint32_t i = 1; i <= batch_size; ++i) {
      authwire::digest::request_inputs in;
      in.method = "GET";
      in.uri = uri;
      in.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
      in.nc = i;
      auto h = authwire::digest::build_authorization(ci, {user, password, {}}, in);
      if (!h) std::abort();
      headers.push_back(std::move(*h));
      if (poco) {
        requests.push_back(std::make_unique<Poco::Net::HTTPRequest>("GET", uri, "HTTP/1.1"));
        requests.back()->set("Authorization", headers.back());
      }
    }
    next = 0;
  }
};

/// Refills `b` when it is used up, with the timer paused and those allocations not counted.
void ensure(benchmark::State& state, batch& b, authwire::digest::algorithm alg, bool poco, std::size_t& excluded,
            info_mode m = info_mode::rspauth) {
  if (b.next < batch_size) return;
  state.PauseTiming();
  const auto a0 = allocs();
  b.refill(alg, poco, m);
  excluded += allocs() - a0;
  state.ResumeTiming();
}

void bm_digest_authwire(benchmark::State& state, authwire::digest::algorithm alg, info_mode m) {
  auto& h = digest_handler(m);
  batch b;
  std::size_t excluded = 0, refused = 0;
  const auto a0 = allocs();
  for (auto _ : state) {
    ensure(state, b, alg, false, excluded, m);
    const std::string& value = b.headers[b.next++];
    const authwire::header_view hv{"Authorization", value};
    const auto v = h.verify(make_view(&hv), value);
    refused += v.kind != authwire::verdict_kind::allow;
    benchmark::DoNotOptimize(v);
  }
  set_allocs(state, allocs() - a0 - excluded);
  if (refused) state.SkipWithError("authwire refused a valid Authorization");
}

/// The stateless part alone (parse, nonce MAC, offer checks, response): no store, no verdict,
/// no Authentication-Info. Shows what verify() adds on top.
void bm_digest_authwire_check(benchmark::State& state, authwire::digest::algorithm alg) {
  auto& h = digest_handler();
  batch b;
  std::size_t excluded = 0, refused = 0;
  const auto a0 = allocs();
  for (auto _ : state) {
    ensure(state, b, alg, false, excluded);
    const std::string& value = b.headers[b.next++];
    const authwire::header_view hv{"Authorization", value};
    const auto r = h.check(make_view(&hv), value);
    refused += r.code != authwire::digest::errc::ok;
    benchmark::DoNotOptimize(r);
  }
  set_allocs(state, allocs() - a0 - excluded);
  if (refused) state.SkipWithError("authwire refused a valid Authorization");
}

/// The crypto floor of an MD5 check: the three MD5 hashes (HA1, HA2, response) with fetched
/// digests and reused contexts, and with `with_hmac` the HMAC-SHA256 of the nonce (authwire's
/// stateless nonce, checked on the first request with each nonce; a client reusing its nonce
/// is matched against the nonces the thread knows valid). Poco / this = the best ratio reachable.
void bm_digest_floor_md5(benchmark::State& state, bool with_hmac) {
  batch b;
  b.refill(authwire::digest::algorithm::md5, false);
  auto c = authwire::digest::parse(b.headers[0]);
  if (!c) std::abort();
  const std::string nonce(c->nonce.raw_value), cnonce(c->cnonce.raw_value), nc(c->nc_param.raw_value);
  std::string raw;
  if (!authwire::base64url_decode(raw, nonce)) std::abort();
  authwire::hasher h;
  authwire::hmac mac(authwire::hash_algorithm::sha256, std::string(32, 'k'));
  const auto md5 = authwire::hash_algorithm::md5;
  const auto a0 = allocs();
  for (auto _ : state) {
    if (with_hmac) {
      mac.reset().update(std::string_view(raw).substr(0, 20)).update(realm);
      auto m = mac.final();
      benchmark::DoNotOptimize(m);
    }
    authwire::hex_digest ha1(h.init(md5).update(user).update(":").update(realm).update(":").update(password).final());
    authwire::hex_digest ha2(h.init(md5).update("GET").update(":").update(uri).final());
    h.init(md5).update(ha1.view()).update(":").update(nonce).update(":").update(nc);
    h.update(":").update(cnonce).update(":auth:").update(ha2.view());
    auto r = h.final();
    benchmark::DoNotOptimize(r);
  }
  set_allocs(state, allocs() - a0);
}

/// The smallest Poco path: credentials made once for the known user, verifyAuthInfo per request
/// (parses the Authorization of the request, recomputes the MD5 response, compares).
void bm_digest_poco_verify(benchmark::State& state) {
  const Poco::Net::HTTPDigestCredentials creds(user, password);
  batch b;
  std::size_t excluded = 0, refused = 0;
  const auto a0 = allocs();
  for (auto _ : state) {
    ensure(state, b, authwire::digest::algorithm::md5, true, excluded);
    const bool ok = creds.verifyAuthInfo(*b.requests[b.next++]);
    refused += !ok;
    benchmark::DoNotOptimize(ok);
  }
  set_allocs(state, allocs() - a0 - excluded);
  if (refused) state.SkipWithError("Poco refused a valid Authorization");
}

/// What a Poco server does per request: parse, take the username, look the password up, make the
/// credentials, verify.
void bm_digest_poco_server(benchmark::State& state) {
  batch b;
  std::size_t excluded = 0, refused = 0;
  const auto a0 = allocs();
  for (auto _ : state) {
    ensure(state, b, authwire::digest::algorithm::md5, true, excluded);
    const auto& req = *b.requests[b.next++];
    const Poco::Net::HTTPAuthenticationParams params(req);
    const std::string& u = params.get("username");
    const bool known = u == user;
    const Poco::Net::HTTPDigestCredentials creds(u, known ? password : "");
    const bool ok = known && creds.verifyAuthParams(req, params);
    refused += !ok;
    benchmark::DoNotOptimize(ok);
  }
  set_allocs(state, allocs() - a0 - excluded);
  if (refused) state.SkipWithError("Poco refused a valid Authorization");
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.error_occurred) continue;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (!median && r.run_type != Run::RT_Iteration) continue;
      const std::string name = r.run_name.str();
      if (!median && medians_.count(name)) continue;
      ns_[name] = r.GetAdjustedCPUTime();
      auto it = r.counters.find("allocs/op");
      if (it != r.counters.end()) allocs_[name] = it->second.value;
      if (median) medians_[name] = true;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void summary() const {
    struct row {
      const char* what;
      const char* peer;
      const char* ours;
      double target;  // peer / ours at least this; 0: no target
    };
    const row rows[] = {
        {"parse Digest MD5 (RFC 7616)", "poco_parse/digest_md5", "authwire_parse/digest_md5", 10},
        {"parse Digest SHA-256 (RFC 7616)", "poco_parse/digest_sha256", "authwire_parse/digest_sha256", 10},
        {"Basic: generic parse (no decode)", "poco_basic/from_request", "authwire_parse/basic", 10},
        {"Basic: basic::parse (decoded)", "poco_basic/from_request", "authwire_basic/parse", 10},
        {"Basic: basic::parse vs authInfo", "poco_basic/from_authinfo", "authwire_basic/parse", 10},
        {"Digest verify MD5 (Poco minimal)", "poco_digest/verifyAuthInfo_md5", "authwire_digest/verify_md5", 3},
        {"Digest verify MD5 (Poco server)", "poco_digest/server_flow_md5", "authwire_digest/verify_md5", 3},
        {"Digest check() MD5 (no store)", "poco_digest/verifyAuthInfo_md5", "authwire_digest/check_md5", 0},
        {"Digest SHA-256 ours vs Poco MD5", "poco_digest/verifyAuthInfo_md5", "authwire_digest/verify_sha256", 0},
        {"Digest verify MD5, no rspauth", "poco_digest/verifyAuthInfo_md5", "authwire_digest/verify_md5_no_rspauth", 3},
        {"Digest verify MD5, no Auth-Info", "poco_digest/verifyAuthInfo_md5", "authwire_digest/verify_md5_no_info", 3},
        {"Digest verify MD5, stored HA1", "poco_digest/verifyAuthInfo_md5", "authwire_digest/verify_md5_stored_ha1", 3},
        {"MD5 floor: nonce HMAC + 3 hashes", "poco_digest/verifyAuthInfo_md5", "floor/md5_hmac_nonce_3_hashes", 0},
        {"MD5 floor: 3 hashes (nonce known)", "poco_digest/verifyAuthInfo_md5", "floor/md5_3_hashes", 0},
    };
    std::printf("\nCPU ns per operation (median of the repetitions); ratio = peer / authwire\n");
    std::printf("%-34s %10s %7s %10s %7s %8s %7s %s\n", "comparison", "peer ns", "allocs", "ours ns", "allocs",
                "ratio", "target", "");
    for (const auto& r : rows) {
      const auto p = ns_.find(r.peer), o = ns_.find(r.ours);
      if (p == ns_.end() || o == ns_.end()) continue;
      const double ratio = p->second / o->second;
      const double oa = allocs_.at(r.ours);
      std::printf("%-34s %10.1f %7.1f %10.1f %7.1f %8.2f", r.what, p->second, allocs_.at(r.peer), o->second, oa, ratio);
      if (r.target > 0) {
        const bool zero_needed = r.target >= 10;
        const bool met = ratio >= r.target && (!zero_needed || oa == 0);
        std::printf(" %6.0fx %s", r.target, met ? "met" : "MISSED");
      }
      std::printf("\n");
    }
    std::printf("cpp-httplib 0.11.4: Digest helpers not exported from libcpp-httplib.so, not compared\n");
  }

 private:
  std::map<std::string, double> ns_, allocs_;
  std::map<std::string, bool> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  using authwire::digest::algorithm;
  benchmark::RegisterBenchmark("authwire_parse/digest_md5", bm_parse_authwire, digest_md5);
  benchmark::RegisterBenchmark("poco_parse/digest_md5", bm_parse_poco, digest_md5);
  benchmark::RegisterBenchmark("authwire_parse/digest_sha256", bm_parse_authwire, digest_sha256);
  benchmark::RegisterBenchmark("poco_parse/digest_sha256", bm_parse_poco, digest_sha256);
  benchmark::RegisterBenchmark("authwire_parse/basic", bm_parse_authwire, basic_value);
  benchmark::RegisterBenchmark("authwire_basic/parse", bm_basic_authwire);
  benchmark::RegisterBenchmark("poco_basic/from_request", bm_basic_poco_request);
  benchmark::RegisterBenchmark("poco_basic/from_authinfo", bm_basic_poco_authinfo);
  benchmark::RegisterBenchmark("authwire_digest/verify_md5", bm_digest_authwire, algorithm::md5, info_mode::rspauth);
  benchmark::RegisterBenchmark("authwire_digest/verify_sha256", bm_digest_authwire, algorithm::sha256,
                               info_mode::rspauth);
  benchmark::RegisterBenchmark("authwire_digest/verify_md5_no_rspauth", bm_digest_authwire, algorithm::md5,
                               info_mode::no_rspauth);
  benchmark::RegisterBenchmark("authwire_digest/verify_md5_no_info", bm_digest_authwire, algorithm::md5,
                               info_mode::none);
  benchmark::RegisterBenchmark("authwire_digest/verify_md5_stored_ha1", bm_digest_authwire, algorithm::md5,
                               info_mode::stored_ha1);
  benchmark::RegisterBenchmark("floor/md5_hmac_nonce_3_hashes", bm_digest_floor_md5, true);
  benchmark::RegisterBenchmark("floor/md5_3_hashes", bm_digest_floor_md5, false);
  benchmark::RegisterBenchmark("authwire_digest/check_md5", bm_digest_authwire_check, algorithm::md5);
  benchmark::RegisterBenchmark("authwire_digest/check_sha256", bm_digest_authwire_check, algorithm::sha256);
  benchmark::RegisterBenchmark("poco_digest/verifyAuthInfo_md5", bm_digest_poco_verify);
  benchmark::RegisterBenchmark("poco_digest/server_flow_md5", bm_digest_poco_server);

  // Defaults: 3 repetitions, aggregates only (the summary uses the medians); flags given win.
  std::vector<char*> args(argv, argv + argc);
  std::string reps = "--benchmark_repetitions=3", aggr = "--benchmark_report_aggregates_only=true";
  bool has_reps = false;
  for (int i = 1; i < argc; ++i) has_reps = has_reps || std::string_view(argv[i]).rfind("--benchmark_repetitions", 0) == 0;
  if (!has_reps) {
    args.insert(args.begin() + 1, reps.data());
    args.insert(args.begin() + 2, aggr.data());
  }
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  rep.summary();
  benchmark::Shutdown();
  return 0;
}
