// SPDX-License-Identifier: MIT
/**
 * @file bench_aws_sigv4.cpp
 * @brief Server-side AWS SigV4 verification of a header-signed S3 GET with a cached signing
 *        key, against the floor of the same run: SHA-256 of the canonical request plus the
 *        HMAC-SHA256 of the string to sign (the two cryptographic steps nobody can skip).
 *        Also: a presigned GET, and a verification whose signing key is derived every time.
 *        Prints the ratio verify / floor at the end (target: at most 1.5).
 *
 * Build: bench/bench_aws_sigv4.cmake (Google Benchmark, libbenchmark-dev).
 */
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include <authwire/crypto.hpp>
#include <authwire/schemes/aws_sigv4.hpp>

namespace aws = authwire::aws_sigv4;

namespace {

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

void BM_verify_header_s3_get(benchmark::State& st) {
  s3_get g(false);
  auto v = make_verifier();
  if (!v.verify(g.req)) st.SkipWithError("verification failed");
  for (auto _ : st) {
    auto r = v.verify(g.req);
    benchmark::DoNotOptimize(r);
  }
  st.counters["cache_hits"] = static_cast<double>(v.cache().hits());
}
BENCHMARK(BM_verify_header_s3_get);

void BM_floor_sha256_creq_plus_hmac_sts(benchmark::State& st) {
  s3_get g(false);
  const std::string creq = g.signed_req.canonical_request;
  const std::string sts = g.signed_req.string_to_sign;
  const auto key = aws::derive_signing_key(secret, "20150830", "us-east-1", "s3");
  authwire::hasher h(authwire::hash_algorithm::sha256);
  authwire::hmac m(authwire::hash_algorithm::sha256, key.view());
  for (auto _ : st) {
    auto d = h.init(authwire::hash_algorithm::sha256).update(creq).final();
    benchmark::DoNotOptimize(d);
    auto s = m.reset().update(sts).final();
    benchmark::DoNotOptimize(s);
  }
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
  for (auto _ : st) {
    auto r = v.verify(g.req);
    benchmark::DoNotOptimize(r);
  }
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

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  const auto v = rep.ns.find("BM_verify_header_s3_get");
  const auto f = rep.ns.find("BM_floor_sha256_creq_plus_hmac_sts");
  if (v != rep.ns.end() && f != rep.ns.end() && f->second > 0)
    std::printf("verify / floor (CPU time) = %.2f (target <= 1.50)\n", v->second / f->second);
  benchmark::Shutdown();
  return 0;
}
