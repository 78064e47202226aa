// SPDX-License-Identifier: MIT
/**
 * @file bench_aws_sigv4.cpp
 * @brief Server-side AWS SigV4 verification of a header-signed S3 GET with a cached signing
 *        key, against the floor of the same run: SHA-256 of the canonical request plus the
 *        HMAC-SHA256 of the string to sign (the two cryptographic steps nobody can skip).
 *        Two ways to call the verifier: `verify(req)` returning a new verified_request with a
 *        `secret_lookup` returning the record (the simple API: its strings are allocated), and
 *        `verify(req, out)` into a reused verified_request with a `secret_fill` lookup (no
 *        allocation). Also: a presigned GET, and a verification whose signing key is derived
 *        every time. Counts global operator new (allocations per verify) and prints the ratios
 *        verify / floor at the end (target: at most 1.5).
 *
 * Build: bench/bench_aws_sigv4.cmake (Google Benchmark, libbenchmark-dev).
 */
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include <authwire/crypto.hpp>
#include <authwire/schemes/aws_sigv4.hpp>

namespace aws = authwire::aws_sigv4;

#include "counting_new.hpp"

namespace {

// Allocations per iteration since `before`, as a benchmark counter.
void count_allocations(benchmark::State& st, std::size_t before) {
  const auto n = g_allocations.load(std::memory_order_relaxed) - before;
  st.counters["allocs/verify"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kAvgIterations);
}

constexpr std::int64_t t0 = 1440938160;  // 2015-08-30T12:36:00Z
const std::string akid = "AKIAIOSFODNN7EXAMPLE";
const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// The S3 GET of the S3 API Reference header-auth example, as a server receives it.
struct s3_get {
  std::vector<std::pair<std::string, std::string>> raw = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"Range", "bytes=0-9"},
      {"User-Agent", "aws-sdk-cpp/1.11 Linux/6.1 x86_64"},
      {"Accept", "*/*"}};
  std::vector<authwire::header_view> hv;
  authwire::request_view req;
  aws::signed_request signed_req;
  std::string target = "/test.txt";

  explicit s3_get(bool presigned) {
    build();
    aws::signing_params p;
    p.access_key = akid;
    p.secret = secret;
    p.region = "us-east-1";
    p.service = "s3";
    p.time = t0;
    if (presigned) {
      auto s = aws::presign_request(req, p);
      signed_req = *s;
      target = s->target;
    } else {
      auto s = aws::sign_request(req, p);
      signed_req = *s;
      for (auto& h : s->headers) raw.emplace_back(h.name, h.value);
    }
    build();
  }
  void build() {
    hv.clear();
    for (auto& h : raw) hv.push_back({h.first, h.second});
    req = authwire::request_view{};
    req.method = "GET";
    req.target = target;
    req.headers = hv.data();
    req.header_count = hv.size();
    req.has_body = true;
  }
};

aws::verifier make_verifier() {
  aws::verifier_options o;
  o.regions = {"us-east-1"};
  o.services = {"s3"};
  return aws::verifier(
      o,
      [](std::string_view k) -> std::optional<aws::secret_record> {
        if (k != akid) return std::nullopt;
        return aws::secret_record{secret, std::nullopt, {}};
      },
      authwire::fixed_clock(t0 + 5));
}

// The same verifier with a secret_fill lookup (assigns into the verifier's reused record).
aws::verifier make_filling_verifier() {
  aws::verifier_options o;
  o.regions = {"us-east-1"};
  o.services = {"s3"};
  return aws::verifier(
      o,
      [](std::string_view k, aws::secret_record& out) {
        if (k != akid) return false;
        out.secret.assign(secret);
        return true;
      },
      authwire::fixed_clock(t0 + 5));
}

void BM_verify_header_s3_get(benchmark::State& st) {
  s3_get g(false);
  auto v = make_verifier();
  if (!v.verify(g.req)) st.SkipWithError("verification failed");
  const auto before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : st) {
    auto r = v.verify(g.req);
    benchmark::DoNotOptimize(r);
  }
  count_allocations(st, before);
  st.counters["cache_hits"] = static_cast<double>(v.cache().hits());
}
BENCHMARK(BM_verify_header_s3_get);

// verify(req, out) into a reused verified_request, secret_fill lookup: no allocation.
void BM_verify_header_s3_get_reused(benchmark::State& st) {
  s3_get g(false);
  auto v = make_filling_verifier();
  aws::verified_request out;
  if (!v.verify(g.req, out)) st.SkipWithError("verification failed");
  const auto before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : st) {
    auto r = v.verify(g.req, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out);
  }
  count_allocations(st, before);
}
BENCHMARK(BM_verify_header_s3_get_reused);

void BM_floor_sha256_creq_plus_hmac_sts(benchmark::State& st) {
  s3_get g(false);
  const std::string creq = g.signed_req.canonical_request;
  const std::string sts = g.signed_req.string_to_sign;
  const auto key = aws::derive_signing_key(secret, "20150830", "us-east-1", "s3");
  authwire::hasher h(authwire::hash_algorithm::sha256);
  authwire::hmac m(authwire::hash_algorithm::sha256, key.view());
  const auto before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : st) {
    auto d = h.init(authwire::hash_algorithm::sha256).update(creq).final();
    benchmark::DoNotOptimize(d);
    auto s = m.reset().update(sts).final();
    benchmark::DoNotOptimize(s);
  }
  count_allocations(st, before);
  st.counters["creq_bytes"] = static_cast<double>(creq.size());
  st.counters["sts_bytes"] = static_cast<double>(sts.size());
}
BENCHMARK(BM_floor_sha256_creq_plus_hmac_sts);

// The same two steps through the one-shot helpers (hash(), hmac_sha256(): the HMAC is keyed on
// every call), for comparison: the floor above keys its HMAC once, as the verifier does.
void BM_floor_oneshot_helpers(benchmark::State& st) {
  s3_get g(false);
  const std::string creq = g.signed_req.canonical_request;
  const std::string sts = g.signed_req.string_to_sign;
  const auto key = aws::derive_signing_key(secret, "20150830", "us-east-1", "s3");
  for (auto _ : st) {
    auto d = authwire::hash(authwire::hash_algorithm::sha256, creq);
    benchmark::DoNotOptimize(d);
    auto s = authwire::hmac_sha256(key.view(), sts);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_floor_oneshot_helpers);

void BM_verify_presigned_s3_get(benchmark::State& st) {
  s3_get g(true);
  auto v = make_verifier();
  if (!v.verify(g.req)) st.SkipWithError("verification failed");
  const auto before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : st) {
    auto r = v.verify(g.req);
    benchmark::DoNotOptimize(r);
  }
  count_allocations(st, before);
}
BENCHMARK(BM_verify_presigned_s3_get);

void BM_verify_header_s3_get_key_derived_each_time(benchmark::State& st) {
  s3_get g(false);
  auto v = make_verifier();
  for (auto _ : st) {
    st.PauseTiming();
    aws::verifier fresh = make_verifier();  // empty cache
    st.ResumeTiming();
    auto r = fresh.verify(g.req);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_verify_header_s3_get_key_derived_each_time);

void BM_sign_header_s3_get(benchmark::State& st) {
  s3_get g(false);
  aws::signing_params p;
  p.access_key = akid;
  p.secret = secret;
  p.region = "us-east-1";
  p.service = "s3";
  p.time = t0;
  for (auto _ : st) {
    auto s = aws::sign_request(g.req, p);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_sign_header_s3_get);

// Collects the mean real time per benchmark to print the verify / floor ratio.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.error_occurred || r.iterations <= 0) continue;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      ns[r.run_name.function_name] = r.GetAdjustedCPUTime();  // the median when repeated
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

// Instruction counts: `bench_aws_sigv4 --cg <verify|reused|floor> N` runs N operations inside
// sigv4_cg_measure (after one warm-up call), for
//   valgrind --tool=callgrind --toggle-collect='sigv4_cg_measure*' bench_aws_sigv4 --cg reused 1000
// (Ir of the run / N = instructions per operation; exact, unlike times on a loaded machine).
__attribute__((noinline)) void sigv4_cg_measure(int mode, long n, aws::verifier& v,
                                                aws::verifier& filling, const s3_get& g) {
  static aws::verified_request out;
  static authwire::hasher h(authwire::hash_algorithm::sha256);
  static const auto key = aws::derive_signing_key(secret, "20150830", "us-east-1", "s3");
  static authwire::hmac m(authwire::hash_algorithm::sha256, key.view());
  for (long i = 0; i < n; ++i) {
    if (mode == 2) {
      auto d = h.init(authwire::hash_algorithm::sha256).update(g.signed_req.canonical_request).final();
      benchmark::DoNotOptimize(d);
      auto s = m.reset().update(g.signed_req.string_to_sign).final();
      benchmark::DoNotOptimize(s);
    } else if (mode == 1) {
      if (!filling.verify(g.req, out)) std::abort();
    } else {
      auto r = v.verify(g.req);
      if (!r) std::abort();
      benchmark::DoNotOptimize(r);
    }
  }
}

int run_cg(const std::string& mode, long n) {
  s3_get g(false);
  auto v = make_verifier();
  auto filling = make_filling_verifier();
  const int m = mode == "floor" ? 2 : mode == "reused" ? 1 : 0;
  sigv4_cg_measure(m, 1, v, filling, g);
  const auto before = g_allocations.load(std::memory_order_relaxed);
  sigv4_cg_measure(m, n, v, filling, g);
  const auto allocs = g_allocations.load(std::memory_order_relaxed) - before;
  std::printf("%s: %ld operations, %.2f allocations each\n", mode.c_str(), n, static_cast<double>(allocs) / static_cast<double>(n));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--cg") return run_cg(argv[2], std::atol(argv[3]));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  const auto f = rep.ns.find("BM_floor_sha256_creq_plus_hmac_sts");
  for (const char* name : {"BM_verify_header_s3_get", "BM_verify_header_s3_get_reused"}) {
    const auto v = rep.ns.find(name);
    if (v != rep.ns.end() && f != rep.ns.end() && f->second > 0)
      std::printf("%s / floor (CPU time) = %.2f (target <= 1.50)\n", name, v->second / f->second);
  }
  benchmark::Shutdown();
  return 0;
}
