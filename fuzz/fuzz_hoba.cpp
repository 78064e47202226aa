// SPDX-License-Identifier: MIT
// Fuzz the HOBA parsers: parse_result (kid.challenge.nonce.sig), parse_credentials
// (`HOBA result="..."`) and parse_challenge. What they accept must rebuild (the sig
// re-encoded as base64url; build_credentials; build_challenge) and parse back to the same
// parts.
#include <authwire/schemes/hoba.hpp>

#include <string>

#include "fuzz_common.hpp"

namespace {
namespace hoba = authwire::hoba;
using authwire_fuzz::check;

void same(const hoba::result_view& a, const hoba::result_view& b) {
  check(a.kid == b.kid, "kid");
  check(a.challenge == b.challenge, "challenge");
  check(a.nonce == b.nonce, "nonce");
  check(a.sig == b.sig, "sig");
}

void result_round_trip(std::string_view in) {
  auto r = hoba::parse_result(in);
  if (!r) {
    check(r.offset() <= in.size(), "error offset past the input");
    return;
  }
  const std::string built = std::string(r->kid) + "." + std::string(r->challenge) + "." + std::string(r->nonce) +
                            "." + authwire::base64url_encode(r->sig);
  auto again = hoba::parse_result(built);
  if (!again) {
    std::fprintf(stderr, "reparse: %s at %zu\n", std::string(hoba::to_string(again.code())).c_str(), again.offset());
    authwire_fuzz::fail("rebuilt HOBA-RES does not parse");
  }
  same(*r, *again);
}

void credentials_round_trip(std::string_view in) {
  auto r = hoba::parse_credentials(in);
  if (!r) {
    check(r.offset() <= in.size(), "error offset past the input");
    return;
  }
  const std::string res = std::string(r->kid) + "." + std::string(r->challenge) + "." + std::string(r->nonce) +
                          "." + std::string(r->sig_text);
  auto built = hoba::build_credentials(res);
  check(static_cast<bool>(built), "build_credentials refused a parsed result");
  auto again = hoba::parse_credentials(*built);
  check(static_cast<bool>(again), "rebuilt credentials do not parse");
  same(*r, *again);
  check(r->sig_text == again->sig_text, "sig text");
  // The offsets point at the parts in the value parsed.
  check(in.substr(r->kid_offset, r->kid.size()) == r->kid, "kid offset");
  check(in.substr(r->sig_offset, r->sig_text.size()) == r->sig_text, "sig offset");
}

void challenge_round_trip(std::string_view in) {
  auto c = hoba::parse_challenge(in);
  if (!c) return;
  if (!authwire_fuzz::buildable(c->realm)) return;
  auto built = hoba::build_challenge(c->challenge, c->max_age, c->realm);
  check(static_cast<bool>(built), "build_challenge refused a parsed challenge");
  auto again = hoba::parse_challenge(*built);
  check(static_cast<bool>(again), "rebuilt challenge does not parse");
  check(again->challenge == c->challenge, "challenge");
  check(again->max_age == c->max_age, "max-age");
  check(again->realm == c->realm, "realm");
  check(again->has_realm == !c->realm.empty(), "realm presence");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  result_round_trip(in);
  credentials_round_trip(in);
  challenge_round_trip(in);
  return 0;
}
