// SPDX-License-Identifier: MIT
/**
 * @file clock.hpp
 * @brief The injectable clock: Unix seconds, so that tests and replays are exact.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "config.hpp"

namespace authwire {
inline namespace v1 {

/// Returns the current time as Unix seconds.
using clock_fn = std::function<std::int64_t()>;

/// The default clock: std::chrono::system_clock.
inline clock_fn system_clock() {
  return [] {
    return static_cast<std::int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  };
}

/// A clock that always answers `t` (tests, replays of captured traffic).
inline clock_fn fixed_clock(std::int64_t t) {
  return [t] { return t; };
}

}  // namespace v1
}  // namespace authwire
