// SPDX-License-Identifier: MIT
// Fuzz the Digest client side: every Digest challenge that digest::read_challenge accepts
// must rebuild with challenge_builder and read back to the same challenge_info; and the
// Authorization value that digest::build_authorization makes for it (fixed user, password and
// cnonce) must be accepted by the server-side digest::parse with the challenge's realm, nonce,
// opaque, algorithm and the chosen qop.
#include <authwire/schemes/digest.hpp>

#include <string>

#include "fuzz_common.hpp"

namespace {
namespace digest = authwire::digest;
using authwire::quoting;
using authwire_fuzz::check;

void same(const digest::challenge_info& a, const digest::challenge_info& b) {
  check(a.realm == b.realm, "realm");
  check(a.nonce == b.nonce, "nonce");
  check(a.has_opaque == b.has_opaque && a.opaque == b.opaque, "opaque");
  check(a.domain == b.domain, "domain");
  check(a.alg == b.alg, "algorithm");
  check(a.stale == b.stale, "stale");
  check(a.userhash == b.userhash, "userhash");
  check(a.charset_utf8 == b.charset_utf8, "charset");
  check(a.qop_auth == b.qop_auth && a.qop_auth_int == b.qop_auth_int, "qop");
}

void challenge_round_trip(const digest::challenge_info& ci) {
  for (const std::string* v : {&ci.realm, &ci.nonce, &ci.opaque, &ci.domain})
    if (!authwire_fuzz::buildable(*v)) return;
  authwire::challenge_builder b("Digest");
  b.param("realm", ci.realm, quoting::always);
  if (!ci.domain.empty()) b.param("domain", ci.domain, quoting::always);
  b.param("nonce", ci.nonce, quoting::always);
  if (ci.has_opaque) b.param("opaque", ci.opaque, quoting::always);
  if (ci.stale) b.param("stale", "true", quoting::never);
  b.param("algorithm", digest::to_string(ci.alg), quoting::never);
  if (ci.qop_auth || ci.qop_auth_int)
    b.param("qop", ci.qop_auth && ci.qop_auth_int ? "auth, auth-int" : ci.qop_auth ? "auth" : "auth-int",
            quoting::always);
  if (ci.charset_utf8) b.param("charset", "UTF-8", quoting::never);
  if (ci.userhash) b.param("userhash", "true", quoting::never);
  auto s = std::move(b).str();
  check(static_cast<bool>(s), "builder refused a parsed challenge");
  auto l = authwire::parse_challenges(*s);
  check(static_cast<bool>(l) && l->size() == 1, "built challenge does not parse");
  auto again = digest::read_challenge((*l)[0]);
  check(static_cast<bool>(again), "built challenge not read back");
  same(ci, *again);
}

void client_round_trip(const digest::challenge_info& ci) {
  const digest::parse_limits lim;
  // max_nonce bounds the nonce as sent (escaped), so count the backslashes the builder adds.
  std::size_t sent = ci.nonce.size();
  for (char ch : ci.nonce) sent += ch == '"' || ch == '\\';
  if (sent > lim.max_nonce) return;
  digest::user_credentials u;
  u.user = "Mufasa";
  u.password = "Circle of Life";
  digest::request_inputs r;
  r.method = "GET";
  r.uri = "/dir/index.html";
  r.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  r.body = "body";
  r.has_body = true;
  r.nc = 1;
  auto v = digest::build_authorization(ci, u, r);
  if (!v) {
    // Only values the builders refuse by policy (HTAB) may stop it.
    check(!authwire_fuzz::buildable(ci.realm) || !authwire_fuzz::buildable(ci.nonce) ||
              !authwire_fuzz::buildable(ci.opaque),
          "build_authorization refused a readable challenge");
    return;
  }
  auto c = digest::parse(*v);
  check(static_cast<bool>(c), "the client's Authorization does not parse");
  check(c->realm.value() == ci.realm, "realm");
  check(c->nonce.value() == ci.nonce, "nonce");
  check(digest::credentials::has(c->opaque) == ci.has_opaque, "opaque presence");
  if (ci.has_opaque) check(c->opaque.value() == ci.opaque, "opaque");
  check(c->algorithm == ci.alg, "algorithm");
  check(c->qop == digest::detail::pick_qop(ci, r), "qop");
  check(c->userhash == ci.userhash, "userhash");
  check(c->uri.value() == r.uri, "uri");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto lines = authwire_fuzz::split_lines(data, size);
  auto l = authwire::parse_challenges(lines.begin(), lines.end());
  if (!l) return 0;
  for (const auto& c : *l) {
    auto ci = digest::read_challenge(c);
    if (!ci) continue;
    challenge_round_trip(*ci);
    client_round_trip(*ci);
  }
  (void)digest::choose_challenge(*l);
  return 0;
}
