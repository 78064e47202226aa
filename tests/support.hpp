// Helpers shared by the test files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <authwire/store.hpp>

namespace authwire_test {

/// `s` with every byte outside 0x20..0x7E written as a backslash, x and two hex digits (for INFO messages).
inline std::string printable(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F) {
      out += ch;
    } else {
      constexpr char digits[] = "0123456789abcdef";
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

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
