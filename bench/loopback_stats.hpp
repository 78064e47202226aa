// SPDX-License-Identifier: MIT
/**
 * @file loopback_stats.hpp
 * @brief A lock-free histogram of the time one authentication check takes inside the loopback
 *        servers (bench/loopback.sh), printed on exit as count, mean, median and p90 in ns.
 */
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace loopback {

inline std::uint64_t now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

/// 25 ns buckets up to 200 us, one overflow bucket.
class histogram {
 public:
  static constexpr std::uint64_t width = 25;
  static constexpr std::size_t buckets = 8000;

  void add(std::uint64_t ns) noexcept {
    const std::size_t b = ns / width < buckets ? static_cast<std::size_t>(ns / width) : buckets;
    h_[b].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(ns, std::memory_order_relaxed);
    n_.fetch_add(1, std::memory_order_relaxed);
  }

  /// "check_ns count=N mean=X median=Y p90=Z" on stderr.
  void print(const char* what) const {
    const std::uint64_t n = n_.load();
    std::uint64_t acc = 0, median = 0, p90 = 0;
    bool have_median = false, have_p90 = false;
    for (std::size_t b = 0; b <= buckets && n; ++b) {
      acc += h_[b].load();
      if (!have_median && 2 * acc >= n) {
        median = b * width + width / 2;
        have_median = true;
      }
      if (!have_p90 && 10 * acc >= 9 * n) {
        p90 = b * width + width / 2;
        have_p90 = true;
      }
    }
    std::fprintf(stderr, "%s count=%llu mean=%.0f median=%llu p90=%llu\n", what, static_cast<unsigned long long>(n),
                 n ? static_cast<double>(sum_.load()) / static_cast<double>(n) : 0.0,
                 static_cast<unsigned long long>(median), static_cast<unsigned long long>(p90));
  }

 private:
  std::array<std::atomic<std::uint64_t>, buckets + 1> h_{};
  std::atomic<std::uint64_t> sum_{0}, n_{0};
};

}  // namespace loopback
