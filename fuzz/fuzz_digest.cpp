// SPDX-License-Identifier: MIT
// Fuzz authwire::digest::parse (Authorization credentials): what it accepts must rebuild from
// the typed fields with credentials_builder and parse back to the same typed credentials.
#include <authwire/schemes/digest.hpp>

#include <string>

#include "fuzz_common.hpp"

namespace {
namespace digest = authwire::digest;
using authwire::quoting;
using authwire_fuzz::check;

bool has(const authwire::auth_param_view& p) { return digest::credentials::has(p); }

void same_param(const authwire::auth_param_view& a, const authwire::auth_param_view& b, const char* what) {
  check(has(a) == has(b), what);
  if (has(a)) check(a.value() == b.value(), what);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto c = digest::parse(in);
  if (!c) {
    check(c.offset() <= size, "error offset past the input");
    return 0;
  }
  authwire::credentials_builder b("Digest");
  auto quoted = [&](const char* name, const authwire::auth_param_view& p) {
    if (!has(p)) return true;
    const std::string v = p.value();
    if (!authwire_fuzz::buildable(v)) return false;
    b.param(name, v, quoting::always);
    return true;
  };
  if (has(c->username_star)) b.param("username*", c->username_star.raw_value, quoting::never);
  if (!quoted("username", c->username) || !quoted("realm", c->realm) || !quoted("nonce", c->nonce) ||
      !quoted("uri", c->uri) || !quoted("response", c->response) || !quoted("cnonce", c->cnonce) ||
      !quoted("opaque", c->opaque))
    return 0;
  if (has(c->algorithm_param)) b.param("algorithm", digest::to_string(c->algorithm), quoting::never);
  if (has(c->qop_param)) b.param("qop", digest::to_string(c->qop), quoting::never);
  if (has(c->nc_param)) b.param("nc", c->nc_param.raw_value, quoting::never);
  if (has(c->userhash_param)) b.param("userhash", c->userhash ? "true" : "false", quoting::never);
  auto s = std::move(b).str();
  check(static_cast<bool>(s), "builder refused parsed credentials");
  auto d = digest::parse(*s);
  check(static_cast<bool>(d), "rebuilt credentials do not parse");
  same_param(c->username, d->username, "username");
  same_param(c->username_star, d->username_star, "username*");
  same_param(c->realm, d->realm, "realm");
  same_param(c->nonce, d->nonce, "nonce");
  same_param(c->uri, d->uri, "uri");
  same_param(c->response, d->response, "response");
  same_param(c->cnonce, d->cnonce, "cnonce");
  same_param(c->opaque, d->opaque, "opaque");
  check(has(c->nc_param) == has(d->nc_param), "nc presence");
  check(c->algorithm == d->algorithm, "algorithm");
  check(c->qop == d->qop, "qop");
  check(c->nc == d->nc, "nc");
  check(c->userhash == d->userhash, "userhash");
  if (has(c->username_star)) {
    std::string u1, u2;
    const bool ok1 = static_cast<bool>(digest::decode_ext_value(c->username_star.raw_value, u1));
    const bool ok2 = static_cast<bool>(digest::decode_ext_value(d->username_star.raw_value, u2));
    check(ok1 == ok2 && u1 == u2, "username* decoded");
  }
  return 0;
}
