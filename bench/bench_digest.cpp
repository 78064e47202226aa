// SPDX-License-Identifier: MIT
/**
 * @file bench_digest.cpp
 * @brief Server-side Digest (RFC 7616) verification of one SHA-256 request (parse, nonce
 *        check, response) against the floor of the same run: the three SHA-256 hashes (HA1 from
 *        the password, HA2, response) and the HMAC-SHA256 of the nonce, with fetched digests and
 *        reused contexts, which no verifier can skip. Also: the nonce-count store step, the
 *        whole handler verify (verdict and Authentication-Info), and one challenge with its
 *        fresh nonce. Counts operator new per iteration (targets: verify 0, challenge 1) and
 *        prints the ratio verify / floor at the end (target: at most 1.5).
 *
 * Build: bench/bench_digest.cmake (Google Benchmark, libbenchmark-dev).
 */
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include <authwire/crypto.hpp>
#include <authwire/schemes/digest.hpp>

#include "counting_new.hpp"

namespace dg = authwire::digest;

namespace {

constexpr std::int64_t t0 = 1700000000;
const std::string realm = "http-auth@example.org";
const std::string user = "Mufasa";
const std::string password = "Circle of Life";

struct fixture {
  std::int64_t now = t0;
  std::unique_ptr<dg::handler> h;
  std::string authorization;
  std::vector<authwire::header_view> hv;
  authwire::request_view req;
  std::string target = "/dir/index.html";

  explicit fixture(std::vector<dg::algorithm> algs = {dg::algorithm::sha256}) {
    dg::options o;
    o.realm = realm;
    o.algorithms = std::move(algs);
    o.qops = {dg::qop::auth};
    o.opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
    o.nonce_keys = {std::string(32, 'k')};
    o.clock = [this] { return now; };
    h = std::make_unique<dg::handler>(o, [](std::string_view u, std::string_view, dg::algorithm, std::string& secret) {
      if (u != user) return dg::secret_kind::unknown;
      secret.assign(password);
      return dg::secret_kind::password;
    });
    req.method = "GET";
    req.target = target;
    std::vector<std::string> ch;
    h->challenges(req, ch);
    dg::client c(user, password);
    if (!c.on_challenges(ch[0])) std::abort();
    auto a = c.authorization("GET", target);
    if (!a) std::abort();
    authorization = *a;
    hv = {{"Host", "example.org"}, {"User-Agent", "curl/7.88.1"}, {"Accept", "*/*"}, {"Authorization", authorization}};
    req.headers = hv.data();
    req.header_count = hv.size();
  }
};

void BM_digest_verify_sha256(benchmark::State& state) {
  fixture f;
  if (f.h->check(f.req, f.authorization).code != dg::errc::ok) std::abort();
  const auto before = g_allocations.load();
  for (auto _ : state) {
    auto r = f.h->check(f.req, f.authorization);
    benchmark::DoNotOptimize(r.code);
  }
  state.counters["allocs/iter"] =
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_digest_verify_sha256);

// check() when the nonce is new to the thread: 16 Authorization values on 16 nonces, in turn,
// more than the handler remembers per thread (8), so every check computes the nonce HMAC (the
// first request on each nonce; BM_digest_verify_sha256 is a client reusing its nonce).
void BM_digest_verify_sha256_new_nonce(benchmark::State& state) {
  fixture f;
  std::vector<std::string> values;
  for (int i = 0; i < 16; ++i) {
    std::vector<std::string> ch;
    f.h->challenges(f.req, ch);
    dg::client c(user, password);
    if (!c.on_challenges(ch[0])) std::abort();
    auto a = c.authorization("GET", f.target);
    if (!a) std::abort();
    values.push_back(std::move(*a));
  }
  for (const auto& v : values)
    if (f.h->check(f.req, v).code != dg::errc::ok) std::abort();
  std::size_t i = 0;
  const auto before = g_allocations.load();
  for (auto _ : state) {
    auto r = f.h->check(f.req, values[i]);
    i = (i + 1) & 15;
    benchmark::DoNotOptimize(r.code);
  }
  state.counters["allocs/iter"] =
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_digest_verify_sha256_new_nonce);

// Parts of the verification: the generic grammar alone, and the typed Digest parse.
void BM_digest_part_grammar(benchmark::State& state) {
  fixture f;
  for (auto _ : state) {
    auto r = authwire::parse_credentials(f.authorization);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_digest_part_grammar);

void BM_digest_part_parse(benchmark::State& state) {
  fixture f;
  for (auto _ : state) {
    auto r = dg::parse(f.authorization);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_digest_part_parse);

// The floor: what verification cannot avoid, with fetched digests and reused contexts.
void BM_digest_floor_sha256(benchmark::State& state) {
  fixture f;
  auto c = dg::parse(f.authorization);
  if (!c) std::abort();
  const std::string nonce(c->nonce.raw_value), cnonce(c->cnonce.raw_value), nc(c->nc_param.raw_value);
  std::string raw;
  if (!authwire::base64url_decode(raw, nonce)) std::abort();
  authwire::hasher h;
  authwire::hmac mac(authwire::hash_algorithm::sha256, std::string(32, 'k'));
  const auto before = g_allocations.load();
  for (auto _ : state) {
    mac.reset().update(std::string_view(raw).substr(0, 20)).update(realm);
    auto m = mac.final();
    benchmark::DoNotOptimize(m);
    authwire::hex_digest ha1(h.init(authwire::hash_algorithm::sha256).update(user).update(":").update(realm).update(":").update(password).final());
    authwire::hex_digest ha2(h.init(authwire::hash_algorithm::sha256).update("GET").update(":").update(f.target).final());
    h.init(authwire::hash_algorithm::sha256).update(ha1.view()).update(":").update(nonce).update(":").update(nc);
    h.update(":").update(cnonce).update(":auth:").update(ha2.view());
    auto r = h.final();
    benchmark::DoNotOptimize(r);
  }
  state.counters["allocs/iter"] =
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_digest_floor_sha256);

// The replay step: one use_counter on the in-process store (a new nc every time).
void BM_digest_nc_store(benchmark::State& state) {
  authwire::memory_store s;
  std::uint64_t nc = 0;
  const auto before = g_allocations.load();
  for (auto _ : state) {
    auto st = s.use_counter("digest:nc:AAAAAGsEQL9AvZ-ro57Gbig3V6XO4tGOhhY7FEa4fJYUadWb", ++nc, 64, t0, t0 + 300, t0);
    benchmark::DoNotOptimize(st);
  }
  state.counters["allocs/iter"] =
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_digest_nc_store);

// The whole handler: check, store, verdict, Authentication-Info. Each Authorization can be
// accepted once (nonce count), so batches of 1024 values with nc 1..1024 on a fresh nonce are
// built by the client while the timer is paused (once per batch, not per verify; those
// allocations are not counted). `mode`: 0 default (rspauth), 1 send_rspauth = false,
// 2 send_authentication_info = false.
void BM_digest_handler_verify(benchmark::State& state) {
  const int mode = static_cast<int>(state.range(0));
  fixture f;
  if (mode != 0) {
    dg::options o = f.h->opts();
    o.send_rspauth = mode != 1;
    o.send_authentication_info = mode != 2;
    f.h = std::make_unique<dg::handler>(o, [](std::string_view u, std::string_view, dg::algorithm, std::string& secret) {
      if (u != user) return dg::secret_kind::unknown;
      secret.assign(password);
      return dg::secret_kind::password;
    });
  }
  constexpr std::size_t batch = 1024;
  std::vector<std::string> values;
  values.reserve(batch);
  std::size_t next = batch, allocs = 0;
  auto refill = [&] {
    values.clear();
    std::vector<std::string> ch;
    f.h->challenges(f.req, ch);
    dg::client c(user, password);
    if (!c.on_challenges(ch[0])) std::abort();
    for (std::size_t i = 0; i < batch; ++i) {
      auto a = c.authorization("GET", f.target);
      if (!a) std::abort();
      values.push_back(std::move(*a));
    }
    next = 0;
  };
  refill();
  if (f.h->verify(f.req, values[next++]).kind != authwire::verdict_kind::allow) std::abort();  // warm-up
  for (auto _ : state) {
    if (next == batch) {
      state.PauseTiming();
      refill();
      state.ResumeTiming();
    }
    const auto a0 = g_allocations.load(std::memory_order_relaxed);
    auto v = f.h->verify(f.req, values[next++]);
    if (v.kind != authwire::verdict_kind::allow) state.SkipWithError("refused");
    benchmark::DoNotOptimize(v);
    allocs += g_allocations.load(std::memory_order_relaxed) - a0;
  }
  state.counters["allocs/iter"] = static_cast<double>(allocs) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_digest_handler_verify)->Arg(0)->Arg(1)->Arg(2);

// One challenge with its fresh nonce (one algorithm configured).
void BM_digest_challenge(benchmark::State& state) {
  fixture f;
  std::vector<std::string> out;
  out.reserve(4);
  f.h->challenges(f.req, out);
  out.clear();
  const auto before = g_allocations.load();
  for (auto _ : state) {
    f.h->challenges(f.req, out);
    benchmark::DoNotOptimize(out.data());
    out.clear();
  }
  state.counters["allocs/iter"] =
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_digest_challenge);

// Collects CPU time per benchmark to print the verify / floor ratio.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.error_occurred || r.iterations <= 0) continue;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      ns[r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args)] = r.GetAdjustedCPUTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  const auto v = rep.ns.find("BM_digest_verify_sha256"), fl = rep.ns.find("BM_digest_floor_sha256");
  if (v != rep.ns.end() && fl != rep.ns.end() && fl->second > 0)
    std::printf("verify / floor = %.2f (target <= 1.5)\n", v->second / fl->second);
  const auto vn = rep.ns.find("BM_digest_verify_sha256_new_nonce");
  if (vn != rep.ns.end() && fl != rep.ns.end() && fl->second > 0)
    std::printf("verify on a nonce new to the thread / floor = %.2f\n", vn->second / fl->second);
  const char* modes[] = {"with rspauth", "send_rspauth = false", "send_authentication_info = false"};
  for (int m = 0; m < 3; ++m) {
    const auto w = rep.ns.find("BM_digest_handler_verify/" + std::to_string(m));
    if (w != rep.ns.end() && fl != rep.ns.end() && fl->second > 0)
      std::printf("whole handler verify (store, verdict, Authentication-Info %s) / floor = %.2f\n", modes[m],
                  w->second / fl->second);
  }
  benchmark::Shutdown();
  return 0;
}
