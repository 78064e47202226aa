// SPDX-License-Identifier: MIT
/**
 * @file bench_parse.cpp
 * @brief Parse speed of the generic RFC 9110 section 11 parser on real headers, against a floor
 *        (classifying every byte through a 256-entry table) and, when available, Poco's
 *        HTTPAuthenticationParams. Reports ns per header, bytes/s and allocations per parse.
 *
 * Build and run: cmake --preset bench && cmake --build --preset bench && build/bench/bench/bench_parse
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

#include <authwire/challenge.hpp>
#include <authwire/credentials.hpp>
#include <authwire/grammar.hpp>

#if AUTHWIRE_BENCH_POCO
#include <Poco/Net/HTTPAuthenticationParams.h>
#endif

#include "counting_new.hpp"

namespace {

enum class kind { credentials, challenges };

struct input {
  const char* name;
  kind k;
  std::string_view text;
};

// Real headers: RFC 7616 section 3.9.1 (MD5 and SHA-256 Authorization, 325 and 373 bytes),
// curl's test suite (tests/data/test153, test2059, test1229: MD5 with qop, SHA-256 userhash,
// an escaped username), RFC 7617 Basic, RFC 6750 Bearer, and WWW-Authenticate lines with the
// RFC 7616 challenges.
const input corpus[] = {
    {"authz_digest_rfc7616_md5", kind::credentials,
     R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, )"
     R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
     R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
     R"(response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")"},
    {"authz_digest_rfc7616_sha256", kind::credentials,
     R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, )"
     R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
     R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
     R"(response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", )"
     R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")"},
    {"authz_digest_curl_qop", kind::credentials,
     R"(Digest username="testuser", realm="testrealm", nonce="999999", uri="/1530002", cnonce="MTA4MzIr", )"
     R"(nc="00000001", qop="auth", response="25291c357671604a16c0242f56721c07", algorithm=MD5)"},
    {"authz_digest_curl_userhash", kind::credentials,
     R"(Digest username="fddc3bc7b753b73ab0848fd83cb20cbbca971258eb8d20c941dd5e0b010d66be", realm="testrealm", )"
     R"(nonce="1053604144", uri="/2059", response="22d200df1fd02a9d3a7269ef5bbb5bf8f16f184a74907df9b64a3755489c0b42", )"
     R"(algorithm=SHA-256, userhash=true)"},
    {"authz_digest_curl_escaped", kind::credentials,
     R"(Digest username="\\user\"", realm="testrealm", nonce="1053604145", uri="/1229", )"
     R"(response="f2694d426040712584c156d3de72b8d6")"},
    {"authz_basic", kind::credentials, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
    {"authz_bearer", kind::credentials, "Bearer mF_9.B5f-4.1JqM"},
    {"www_3_challenges", kind::challenges,
     R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, )"
     R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", )"
     R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, )"
     R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", )"
     R"(Basic realm="http-auth@example.org", charset="UTF-8")"},
    {"www_digest", kind::challenges,
     R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, )"
     R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")"},
    {"www_newauth_basic", kind::challenges,
     R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")"},
};

void finish(benchmark::State& state, std::string_view text, std::size_t allocs_before) {
  const auto allocs = g_allocations.load(std::memory_order_relaxed) - allocs_before;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
  state.counters["allocs/parse"] =
      benchmark::Counter(static_cast<double>(allocs), benchmark::Counter::kAvgIterations);
  state.counters["bytes"] = static_cast<double>(text.size());
}

void bm_parse(benchmark::State& state, const input* in) {
  const std::string_view text = in->text;
  // Fail loudly rather than time an error path.
  if (in->k == kind::credentials ? !authwire::parse_credentials(text) : !authwire::parse_challenges(text)) {
    state.SkipWithError("the input does not parse");
    return;
  }
  const auto before = g_allocations.load(std::memory_order_relaxed);
  if (in->k == kind::credentials) {
    for (auto _ : state) {
      auto r = authwire::parse_credentials(text);
      benchmark::DoNotOptimize(r);
    }
  } else {
    for (auto _ : state) {
      auto r = authwire::parse_challenges(text);
      benchmark::DoNotOptimize(r);
    }
  }
  finish(state, text, before);
}

/// The floor: one table lookup per byte, summed so that no lookup can be dropped.
void bm_floor(benchmark::State& state, const input* in) {
  const std::string_view text = in->text;
  const auto& table = authwire::detail::char_table;
  const auto before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    const char* p = text.data();
    benchmark::DoNotOptimize(p);  // the compiler cannot know the bytes, nor hoist the loop
    unsigned acc = 0;
    for (std::size_t i = 0; i < text.size(); ++i) acc += table[static_cast<unsigned char>(p[i])];
    benchmark::DoNotOptimize(acc);
  }
  finish(state, text, before);
}

#if AUTHWIRE_BENCH_POCO
/// Poco::Net::HTTPAuthenticationParams::fromAuthInfo on the value after the scheme (Poco parses
/// one challenge or credentials only, so only the single-scheme Digest inputs are timed).
void bm_poco(benchmark::State& state, const input* in) {
  const std::string_view text = in->text;
  const std::string after_scheme(text.substr(text.find(' ') + 1));
  {
    Poco::Net::HTTPAuthenticationParams check;
    check.fromAuthInfo(after_scheme);
    if (!check.has("realm")) {
      state.SkipWithError("Poco did not parse the input");
      return;
    }
  }
  const auto before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    Poco::Net::HTTPAuthenticationParams p;
    p.fromAuthInfo(after_scheme);
    benchmark::DoNotOptimize(p);
  }
  finish(state, text, before);
}
#endif

/// Console output, then a table of ratios to the floor (and to Poco).
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    // With repetitions, the median; otherwise the single run. CPU time: the machines this runs
    // on are shared, and wall time counts the time other processes hold the core.
    for (const auto& r : runs) {
      if (r.error_occurred) continue;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (!median && r.run_type != Run::RT_Iteration) continue;
      const std::string name = r.run_name.str();
      if (!median && ns_.count(name) && medians_.count(name)) continue;
      ns_[name] = r.GetAdjustedCPUTime();  // the default unit is ns
      auto it = r.counters.find("allocs/parse");
      if (it != r.counters.end()) allocs_[name] = it->second.value;
      if (median) medians_[name] = true;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void summary() const {
    std::printf("\nCPU ns per header (median of the repetitions)\n");
    std::printf("%-32s %6s %10s %10s %8s %8s %10s %10s\n", "input", "bytes", "ns/header", "floor ns", "x floor",
                "allocs", "poco ns", "poco/ours");
    for (const auto& in : corpus) {
      const std::string n = in.name;
      const auto p = ns_.find("parse/" + n), f = ns_.find("floor/" + n), q = ns_.find("poco/" + n);
      if (p == ns_.end() || f == ns_.end()) continue;
      std::printf("%-32s %6zu %10.1f %10.1f %8.2f %8.2f", in.name, in.text.size(), p->second, f->second,
                  p->second / f->second, allocs_.at("parse/" + n));
      if (q != ns_.end())
        std::printf(" %10.1f %10.2f  (poco allocs %.1f)", q->second, q->second / p->second, allocs_.at("poco/" + n));
      std::printf("\n");
    }
  }

 private:
  std::map<std::string, double> ns_, allocs_;
  std::map<std::string, bool> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  for (const auto& in : corpus) {
    benchmark::RegisterBenchmark((std::string("parse/") + in.name).c_str(), bm_parse, &in);
    benchmark::RegisterBenchmark((std::string("floor/") + in.name).c_str(), bm_floor, &in);
#if AUTHWIRE_BENCH_POCO
    if (in.k == kind::credentials ? std::string_view(in.name).find("digest") != std::string_view::npos
                                  : std::string_view(in.name) == "www_digest")
      benchmark::RegisterBenchmark((std::string("poco/") + in.name).c_str(), bm_poco, &in);
#endif
  }
  // Defaults: 5 repetitions, aggregates only (median for the summary); flags given win.
  std::vector<char*> args(argv, argv + argc);
  std::string reps = "--benchmark_repetitions=5", aggr = "--benchmark_report_aggregates_only=true";
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
