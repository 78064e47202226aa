// SPDX-License-Identifier: MIT
// Fuzz authwire::bearer: parse() of an Authorization value (the token must rebuild as
// `Bearer <token>` and parse back to the same token), and the challenge builder: the
// attributes of every Bearer challenge parse_challenges accepts are fed to
// bearer::challenge_builder; when it accepts them, its output must parse back to one Bearer
// challenge with the same attributes.
#include <authwire/schemes/bearer.hpp>

#include <optional>
#include <string>

#include "fuzz_common.hpp"

namespace {
namespace bearer = authwire::bearer;
using authwire_fuzz::check;

void credentials_round_trip(std::string_view in) {
  auto c = bearer::parse(in);
  if (!c) return;
  check(!c->token().empty() && bearer::is_b64token(c->token()), "accepted token is not a b64token");
  auto built = authwire::credentials_builder("Bearer").token68(c->token()).str();
  check(static_cast<bool>(built), "builder refused a parsed token");
  auto again = bearer::parse(*built);
  check(static_cast<bool>(again), "built credentials do not parse");
  check(again->token() == c->token(), "token");
}

std::optional<bearer::error_code> error_code_named(std::string_view v) {
  for (auto e : {bearer::error_code::invalid_request, bearer::error_code::invalid_token,
                 bearer::error_code::insufficient_scope, bearer::error_code::insufficient_user_authentication})
    if (v == bearer::to_string(e)) return e;
  return std::nullopt;
}

std::optional<std::uint64_t> canonical_number(std::string_view v) {
  if (v.empty() || v.size() > 18 || (v.size() > 1 && v[0] == '0')) return std::nullopt;
  std::uint64_t n = 0;
  for (char ch : v) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return n;
}

void challenge_round_trip(const authwire::challenge_view& c) {
  if (!c.is("Bearer") || c.has_token68) return;
  bearer::challenge_builder b;
  for (const auto& p : c.params) {
    const std::string v = p.value();
    if (!authwire_fuzz::buildable(v)) return;
    if (p.is("realm")) b.realm(v);
    else if (p.is("scope")) b.scope(v);
    else if (p.is("error")) {
      const auto e = error_code_named(v);
      if (!e) return;
      b.error(*e);
    } else if (p.is("error_description")) b.error_description(v);
    else if (p.is("error_uri")) b.error_uri(v);
    else if (p.is("acr_values")) b.acr_values(v);
    else if (p.is("max_age")) {
      const auto n = canonical_number(v);
      if (!n) return;
      b.max_age(*n);
    } else if (p.is("resource_metadata")) b.resource_metadata(v);
    else b.param(p.name, v);
  }
  auto s = b.str();
  if (!s) return;
  auto l = authwire::parse_challenges(*s);
  check(static_cast<bool>(l), "built challenge does not parse");
  check(l->size() == 1, "built challenge is not one challenge");
  const auto& d = (*l)[0];
  check(d.is("Bearer") && !d.has_token68, "built challenge scheme");
  check(d.params.size() == c.params.size(), "attribute count");
  for (const auto& p : c.params) {
    const auto* q = d.param(p.name);
    check(q != nullptr, "attribute lost");
    check(q->value() == p.value(), "attribute value");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  credentials_round_trip(in);
  const auto lines = authwire_fuzz::split_lines(data, size);
  auto l = authwire::parse_challenges(lines.begin(), lines.end());
  if (!l) return 0;
  for (const auto& c : *l) challenge_round_trip(c);
  return 0;
}
