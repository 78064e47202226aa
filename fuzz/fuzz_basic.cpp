// SPDX-License-Identifier: MIT
// Fuzz authwire::basic::parse: credentials it accepts must rebuild with the client builder
// (basic::authorization) and parse back to the same user and password, with and without
// require_utf8.
#include <authwire/schemes/basic.hpp>

#include "fuzz_common.hpp"

namespace {
void round_trip(std::string_view in, bool utf8) {
  authwire::basic::parse_options o;
  o.require_utf8 = utf8;
  auto c = authwire::basic::parse(in, o);
  if (!c) {
    authwire_fuzz::check(c.code() != authwire::basic::errc::ok, "error without a code");
    return;
  }
  auto built = authwire::basic::authorization(c->user(), c->password(), utf8);
  authwire_fuzz::check(static_cast<bool>(built), "builder refused parsed credentials");
  auto again = authwire::basic::parse(*built, o);
  authwire_fuzz::check(static_cast<bool>(again), "built credentials do not parse");
  authwire_fuzz::check(again->user() == c->user(), "user");
  authwire_fuzz::check(again->password() == c->password(), "password");
  auto built2 = authwire::basic::authorization(again->user(), again->password(), utf8);
  authwire_fuzz::check(built2 && *built2 == *built, "builder output not stable");
  // Strict UTF-8 accepts a subset of what the default accepts.
  if (utf8) authwire_fuzz::check(static_cast<bool>(authwire::basic::parse(in)), "utf8 accepts more than default");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  round_trip(in, false);
  round_trip(in, true);
  return 0;
}
