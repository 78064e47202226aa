// SPDX-License-Identifier: MIT
// Helpers shared by the fuzz targets: split the input into field lines, and compare two parses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <authwire/grammar.hpp>

namespace authwire_fuzz {

/// Every '\n' in the input starts a new field line.
inline std::vector<std::string_view> split_lines(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string_view> lines;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t start = 0;
  while (true) {
    const std::size_t nl = in.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(in.substr(start));
      break;
    }
    lines.push_back(in.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

/// Aborts with a message: the fuzzer records the input as a crash.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "round-trip mismatch: %s\n", what);
  std::abort();
}

inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

/// Builders refuse HTAB by policy (it is legal in a quoted-string but never needed); such a
/// value cannot round-trip through them.
inline bool buildable(std::string_view v) { return v.find('\t') == std::string_view::npos; }

/// Compares two challenge/credentials views: scheme as written, token68, params (names as
/// written, unescaped values), in order.
inline void same(const authwire::challenge_view& a, const authwire::challenge_view& b) {
  check(a.scheme == b.scheme, "scheme");
  check(a.has_token68 == b.has_token68, "token68 presence");
  check(a.token68 == b.token68, "token68");
  check(a.params.size() == b.params.size(), "param count");
  for (std::size_t i = 0; i < a.params.size(); ++i) {
    check(a.params[i].name == b.params[i].name, "param name");
    check(a.params[i].value() == b.params[i].value(), "param value");
  }
}

}  // namespace authwire_fuzz
