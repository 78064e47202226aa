// Helpers shared by the test files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <authwire/store.hpp>

namespace authwire_test {

/// A state store that cannot be reached: every operation answers `unavailable`, so the schemes
/// must fail closed (503), never accept.
class down_store final : public authwire::state_store {
 public:
  authwire::store_status use_counter(std::string_view, std::uint64_t, unsigned, std::int64_t, std::int64_t,
                                     std::int64_t) override {
    return authwire::store_status::unavailable;
  }
  authwire::store_status put(std::string_view, std::string_view, std::int64_t, std::int64_t) override {
    return authwire::store_status::unavailable;
  }
  authwire::store_status get(std::string_view, std::string&, std::int64_t) override {
    return authwire::store_status::unavailable;
  }
  authwire::store_status take(std::string_view, std::string&, std::int64_t) override {
    return authwire::store_status::unavailable;
  }
  authwire::store_status erase(std::string_view) override { return authwire::store_status::unavailable; }
};

}  // namespace authwire_test
