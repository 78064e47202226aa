// SPDX-License-Identifier: MIT
// Fuzz parse_authentication_info: round trip through authentication_info_builder.
#include <authwire/authentication_info.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto lines = authwire_fuzz::split_lines(data, size);
  auto parsed = authwire::parse_authentication_info(lines.begin(), lines.end());
  if (!parsed) {
    authwire_fuzz::check(parsed.offset() <= size + 2 * lines.size(), "error offset past the input");
    return 0;
  }
  authwire::authentication_info_builder b;
  for (const auto& p : *parsed) {
    const std::string v = p.value();
    if (!authwire_fuzz::buildable(v)) return 0;
    b.param(p.name, v);
  }
  auto s = b.str();
  authwire_fuzz::check(static_cast<bool>(s), "builder refused a parsed list");
  auto again = authwire::parse_authentication_info(*s);
  authwire_fuzz::check(static_cast<bool>(again), "built list does not parse");
  authwire_fuzz::check(again->size() == parsed->size(), "param count");
  for (std::size_t i = 0; i < parsed->size(); ++i) {
    authwire_fuzz::check(parsed->begin()[i].name == again->begin()[i].name, "name");
    authwire_fuzz::check(parsed->begin()[i].value() == again->begin()[i].value(), "value");
  }
  return 0;
}
