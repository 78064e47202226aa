// SPDX-License-Identifier: MIT
// Fuzz the Mutual message parsers: parse_challenge (401-INIT, 401-STALE, 401-KEX-S1),
// parse_request (req-KEX-C1, req-VFY-C) and parse_authentication_info (200-VFY-S, for each
// algorithm). What they accept must rebuild with the matching builder and parse back to the
// same typed message.
#include <authwire/schemes/mutual.hpp>

#include <string>

#include "fuzz_common.hpp"

namespace {
namespace mutual = authwire::mutual;
using authwire_fuzz::check;

void same(const mutual::message& a, const mutual::message& b) {
  check(a.kind == b.kind, "kind");
  check(a.version == b.version, "version");
  check(a.alg == b.alg, "algorithm");
  check(a.kind == mutual::message_kind::vfy_s || a.validation == b.validation, "validation");
  check(a.auth_scope == b.auth_scope, "auth-scope");
  check(a.realm == b.realm, "realm");
  check(a.reason_value == b.reason_value, "reason");
  if (!a.reason_value) check(a.reason_text == b.reason_text, "reason text");
  check(a.user == b.user, "user");
  check(a.sid == b.sid, "sid");
  check(a.kc1 == b.kc1 && a.ks1 == b.ks1 && a.vkc == b.vkc && a.vks == b.vks, "fixed numbers");
  check(a.nc == b.nc && a.nc_max == b.nc_max && a.nc_window == b.nc_window && a.time == b.time, "numbers");
  check(a.path == b.path, "path");
}

// The realm is always a quoted-string, which the builders refuse with HTAB by policy; user,
// auth-scope and path take the `name*` form for anything but printable ASCII, so they always
// round-trip.
bool buildable(const mutual::message& m) { return authwire_fuzz::buildable(m.realm); }

// The name* form pct-encodes (up to 3 bytes per byte), so a rebuilt value may pass the default
// value-length limit that the original met: the rebuilt messages are parsed with room for that.
authwire::parse_options wide() {
  authwire::parse_options o;
  o.max_header_length = o.max_value_length = 1u << 20;
  return o;
}

void report(const char* what, mutual::errc e, std::size_t off) {
  std::fprintf(stderr, "%s: %s at %zu\n", what, std::string(mutual::to_string(e)).c_str(), off);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto m = mutual::parse_challenge(in); m && buildable(*m)) {
    auto s = mutual::build_challenge(*m);
    if (!s) report("build_challenge", s.code(), s.offset());
    check(static_cast<bool>(s), "build_challenge refused a parsed challenge");
    auto again = mutual::parse_challenge(*s, wide());
    if (!again) report("parse_challenge", again.code(), again.offset());
    check(static_cast<bool>(again), "rebuilt challenge does not parse");
    same(*m, *again);
  }
  if (auto m = mutual::parse_request(in); m && buildable(*m)) {
    auto s = mutual::build_request(*m);
    if (!s) report("build_request", s.code(), s.offset());
    check(static_cast<bool>(s), "build_request refused a parsed request");
    auto again = mutual::parse_request(*s, wide());
    if (!again) report("parse_request", again.code(), again.offset());
    check(static_cast<bool>(again), "rebuilt request does not parse");
    same(*m, *again);
  }
  for (auto alg : {mutual::algorithm::dl_2048_sha256, mutual::algorithm::dl_4096_sha512,
                   mutual::algorithm::ec_p256_sha256, mutual::algorithm::ec_p521_sha512}) {
    auto m = mutual::parse_authentication_info(in, alg);
    if (!m) {
      check(m.offset() <= size, "error offset past the input");
      continue;
    }
    auto s = mutual::build_authentication_info(*m);
    if (!s) report("build_authentication_info", s.code(), s.offset());
    check(static_cast<bool>(s), "build_authentication_info refused a parsed 200-VFY-S");
    auto again = mutual::parse_authentication_info(*s, alg, wide());
    if (!again) report("parse_authentication_info", again.code(), again.offset());
    check(static_cast<bool>(again), "rebuilt 200-VFY-S does not parse");
    same(*m, *again);
  }
  return 0;
}
