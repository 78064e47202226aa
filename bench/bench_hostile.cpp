// SPDX-License-Identifier: MIT
/**
 * @file bench_hostile.cpp
 * @brief Linear-time evidence: parse_challenges / parse_credentials on hostile inputs of growing
 *        size (long quoted values and token68, many parameters, many escapes, many challenges,
 *        comma floods), with every limit of parse_options raised so that nothing is refused.
 *        Google Benchmark fits the complexity over the sizes (N = input bytes) and states it
 *        ("_BigO" rows); the summary prints ns per byte at the smallest and largest size, whose
 *        ratio stays near 1 for a linear parser (it would grow with N for a quadratic one).
 *
 * Build and run: see bench/README.md, section "Peers, scaling, instruction counts".
 */
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include <authwire/challenge.hpp>
#include <authwire/credentials.hpp>
#include <authwire/grammar.hpp>

namespace {

authwire::parse_options raised() {
  authwire::parse_options o;
  o.max_header_length = std::size_t{1} << 30;
  o.max_parameters = std::size_t{1} << 30;
  o.max_value_length = std::size_t{1} << 30;
  o.max_challenges = std::size_t{1} << 30;
  return o;
}

enum class what { challenges, credentials };

struct shape {
  const char* name;
  what w;
  std::string (*make)(std::size_t n);
};

std::string quoted_value(std::size_t n) { return "Digest realm=\"" + std::string(n, 'a') + "\""; }
std::string token68(std::size_t n) { return "Bearer " + std::string(n, 'A'); }
std::string many_params(std::size_t n) {
  std::string s = "Digest ";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ", ";
    s += "p" + std::to_string(i) + "=v";
  }
  return s;
}
std::string many_escapes(std::size_t n) {
  std::string s = "Digest realm=\"";
  for (std::size_t i = 0; i < n; ++i) s += "\\\"";
  return s + "\"";
}
std::string many_challenges(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ", ";
    s += "Basic realm=\"x\"";
  }
  return s;
}
// RFC 9110 section 5.6.1: empty list elements are allowed and skipped.
std::string comma_flood_list(std::size_t n) { return std::string(n, ',') + " Basic realm=\"x\""; }
std::string comma_flood_params(std::size_t n) {
  std::string s = "Digest realm=\"x\"";
  for (std::size_t i = 0; i < n; ++i) s += " ,";
  return s + " nonce=\"y\"";
}

const shape shapes[] = {
    {"quoted_value_bytes", what::challenges, quoted_value},
    {"token68_bytes", what::credentials, token68},
    {"params", what::credentials, many_params},
    {"escapes", what::challenges, many_escapes},
    {"challenges", what::challenges, many_challenges},
    {"comma_flood_list", what::challenges, comma_flood_list},
    {"comma_flood_params", what::credentials, comma_flood_params},
};

void bm_hostile(benchmark::State& state, const shape* sh) {
  const std::string text = sh->make(static_cast<std::size_t>(state.range(0)));
  const auto opts = raised();
  const bool ok = sh->w == what::challenges ? static_cast<bool>(authwire::parse_challenges(text, opts))
                                            : static_cast<bool>(authwire::parse_credentials(text, opts));
  if (!ok) {
    state.SkipWithError("the input does not parse");
    return;
  }
  rusage ru0{}, ru1{};
  getrusage(RUSAGE_SELF, &ru0);
  if (sh->w == what::challenges) {
    for (auto _ : state) {
      auto r = authwire::parse_challenges(text, opts);
      benchmark::DoNotOptimize(r);
    }
  } else {
    for (auto _ : state) {
      auto r = authwire::parse_credentials(text, opts);
      benchmark::DoNotOptimize(r);
    }
  }
  getrusage(RUSAGE_SELF, &ru1);
  // Minor page faults per parse: large results come from fresh mmap'd memory each time, whose
  // first touch faults (a cost per page, outside the parser's instructions).
  state.counters["faults/parse"] =
      benchmark::Counter(static_cast<double>(ru1.ru_minflt - ru0.ru_minflt), benchmark::Counter::kAvgIterations);
  state.SetComplexityN(static_cast<std::int64_t>(text.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
  state.counters["bytes"] = static_cast<double>(text.size());
}

/// Console output, then ns per byte at the smallest and the largest size of each shape.
class scaling_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.error_occurred || r.run_type != Run::RT_Iteration) continue;
      const std::string name = r.run_name.function_name;
      auto it = r.counters.find("bytes");
      if (it == r.counters.end()) continue;
      auto& m = per_byte_[name];
      m[it->second.value] = r.GetAdjustedCPUTime() / it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void summary() const {
    std::printf("\nCPU ns per input byte, smallest and largest size (ratio near 1: linear)\n");
    std::printf("%-22s %10s %9s %10s %9s %7s\n", "shape", "bytes", "ns/byte", "bytes", "ns/byte", "ratio");
    for (const auto& [name, m] : per_byte_) {
      if (m.size() < 2) continue;
      const auto lo = m.begin();
      const auto hi = std::prev(m.end());
      std::printf("%-22s %10.0f %9.3f %10.0f %9.3f %7.2f\n", name.c_str(), lo->first, lo->second, hi->first, hi->second,
                  hi->second / lo->second);
    }
  }

 private:
  std::map<std::string, std::map<double, double>> per_byte_;
};

}  // namespace

int main(int argc, char** argv) {
  for (const auto& sh : shapes) {
    auto* b = benchmark::RegisterBenchmark(sh.name, bm_hostile, &sh);
    b->RangeMultiplier(4);
    if (std::string_view(sh.name).find("bytes") != std::string_view::npos)
      b->Range(1 << 10, 1 << 20);  // 1 KiB .. 1 MiB
    else
      b->Range(1 << 10, 1 << 17);  // 1k .. 128k elements
    b->Complexity();               // fitted: the output names the best of O(1), O(N), O(N^2), ...
  }
  std::vector<char*> args(argv, argv + argc);
  std::string min_time = "--benchmark_min_time=0.2";
  bool has_min = false;
  for (int i = 1; i < argc; ++i) has_min = has_min || std::string_view(argv[i]).rfind("--benchmark_min_time", 0) == 0;
  if (!has_min) args.insert(args.begin() + 1, min_time.data());
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  scaling_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  rep.summary();
  benchmark::Shutdown();
  return 0;
}
