// SPDX-License-Identifier: MIT
// Fuzz parse_credentials: what it accepts must rebuild with credentials_builder and parse back
// to the same value.
#include <authwire/credentials.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto lines = authwire_fuzz::split_lines(data, size);
  auto parsed = authwire::parse_credentials(lines.begin(), lines.end());
  if (!parsed) {
    authwire_fuzz::check(parsed.offset() <= size + 2 * lines.size(), "error offset past the input");
    return 0;
  }
  authwire::credentials_builder b(parsed->scheme());
  if (parsed->has_token68()) b.token68(parsed->token68());
  for (const auto& p : parsed->params()) {
    const std::string v = p.value();
    if (!authwire_fuzz::buildable(v)) return 0;
    b.param(p.name, v);
  }
  auto s = std::move(b).str();
  authwire_fuzz::check(static_cast<bool>(s), "builder refused parsed credentials");
  auto again = authwire::parse_credentials(*s);
  authwire_fuzz::check(static_cast<bool>(again), "built credentials do not parse");
  authwire_fuzz::same(parsed->view(), again->view());
  return 0;
}
