// SPDX-License-Identifier: MIT
// Fuzz parse_challenges: whatever it accepts must serialize with challenge_builder and parse
// back to the same challenges (scheme, token68, param names and unescaped values, order).
#include <authwire/challenge.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto lines = authwire_fuzz::split_lines(data, size);
  auto parsed = authwire::parse_challenges(lines.begin(), lines.end());
  if (!parsed) {
    authwire_fuzz::check(parsed.offset() <= size + 2 * lines.size(), "error offset past the input");
    return 0;
  }
  std::vector<std::string> built;
  for (auto c : *parsed) {
    authwire::challenge_builder b(c.scheme);
    if (c.has_token68) b.token68(c.token68);
    for (const auto& p : c.params) {
      const std::string v = p.value();
      if (!authwire_fuzz::buildable(v)) return 0;
      b.param(p.name, v);
    }
    auto s = std::move(b).str();
    authwire_fuzz::check(static_cast<bool>(s), "builder refused a parsed challenge");
    built.push_back(std::move(*s));
  }
  const std::string joined = authwire::join_challenges(built.data(), built.data() + built.size());
  auto again = authwire::parse_challenges(joined);
  authwire_fuzz::check(static_cast<bool>(again), "built challenges do not parse");
  authwire_fuzz::check(again->size() == parsed->size(), "challenge count");
  for (std::size_t i = 0; i < parsed->size(); ++i) authwire_fuzz::same((*parsed)[i], (*again)[i]);
  return 0;
}
