// SPDX-License-Identifier: MIT
// Fuzz the SigV4 parsers: parse_authorization (header form) and parse_presigned (query form).
// What they accept must rebuild (the signer's own layout: `AWS4-HMAC-SHA256 Credential=...,
// SignedHeaders=..., Signature=...`, and X-Amz-* query parameters URI-encoded as
// presign_request writes them) and parse back to the same fields.
#include <authwire/schemes/aws_sigv4.hpp>

#include <string>

#include "fuzz_common.hpp"

namespace {
namespace sigv4 = authwire::aws_sigv4;
using authwire_fuzz::check;

void same_scope(const sigv4::credential_scope& a, const sigv4::credential_scope& b) {
  check(a.access_key == b.access_key, "access key");
  check(a.date == b.date, "date");
  check(a.region == b.region, "region");
  check(a.service == b.service, "service");
  check(a.scope == b.scope, "scope");
}

// A leading SP sends a value down the general parser (offsets one higher); without it the
// usual shape takes the fast path. Both must agree on every input (the fast path keeps the last
// SignedHeaders list it accepted on this thread, so earlier inputs count too).
void fast_and_general_agree(std::string_view in) {
  const std::string spaced = " " + std::string(in);
  auto g = sigv4::parse_authorization(spaced);
  auto f = sigv4::parse_authorization(in);
  check(static_cast<bool>(f) == static_cast<bool>(g), "fast and general paths disagree");
  if (!f) {
    check(f.code() == g.code() && f.offset() + 1 == g.offset(), "fast and general errors differ");
    return;
  }
  same_scope(f->credential, g->credential);
  check(f->signed_headers == g->signed_headers && f->signature == g->signature, "fast and general fields differ");
  check(f->credential_offset + 1 == g->credential_offset && f->signed_headers_offset + 1 == g->signed_headers_offset &&
            f->signature_offset + 1 == g->signature_offset,
        "fast and general offsets differ");
  // Again: the fast path may now accept the SignedHeaders list it remembers from the first time.
  auto h = sigv4::parse_authorization(in);
  check(static_cast<bool>(h), "second parse differs");
  same_scope(f->credential, h->credential);
  check(f->signed_headers == h->signed_headers && f->signature == h->signature &&
            f->credential_offset == h->credential_offset && f->signed_headers_offset == h->signed_headers_offset &&
            f->signature_offset == h->signature_offset,
        "second parse differs");
}

void authorization_round_trip(std::string_view in) {
  fast_and_general_agree(in);
  auto a = sigv4::parse_authorization(in);
  if (!a) {
    check(a.offset() <= in.size(), "error offset past the input");
    return;
  }
  const std::string built = std::string(sigv4::algorithm) + " Credential=" + std::string(a->credential_text) +
                            ", SignedHeaders=" + std::string(a->signed_headers) +
                            ", Signature=" + std::string(a->signature);
  auto b = sigv4::parse_authorization(built);
  check(static_cast<bool>(b), "rebuilt Authorization does not parse");
  same_scope(a->credential, b->credential);
  check(a->credential_text == b->credential_text, "credential");
  check(a->signed_headers == b->signed_headers, "signed headers");
  check(a->signature == b->signature, "signature");
}

void presigned_round_trip(std::string_view in) {
  auto p = sigv4::parse_presigned(in);
  if (!p) {
    check(p.offset() <= in.size(), "error offset past the input");
    return;
  }
  std::string q;
  auto add = [&q](std::string_view k, std::string_view v) {
    if (!q.empty()) q += '&';
    q.append(k);
    q += '=';
    sigv4::detail::uri_encode(q, v, false);
  };
  add("X-Amz-Algorithm", p->algorithm);
  add("X-Amz-Credential", p->credential);
  add("X-Amz-Date", p->date);
  add("X-Amz-Expires", p->expires);
  add("X-Amz-SignedHeaders", p->signed_headers);
  if (p->has_security_token) add("X-Amz-Security-Token", p->security_token);
  add("X-Amz-Signature", p->signature);
  auto r = sigv4::parse_presigned(q);
  check(static_cast<bool>(r), "rebuilt presigned query does not parse");
  check(p->algorithm == r->algorithm, "algorithm");
  check(p->credential == r->credential, "credential");
  check(p->date == r->date, "date");
  check(p->expires_seconds == r->expires_seconds, "expires");
  check(p->signed_headers == r->signed_headers, "signed headers");
  check(p->signature == r->signature, "signature");
  check(p->has_security_token == r->has_security_token && p->security_token == r->security_token, "token");
  auto s1 = p->scope();
  auto s2 = r->scope();
  check(static_cast<bool>(s1) && static_cast<bool>(s2), "scope of accepted parameters");
  same_scope(*s1, *s2);
  check(sigv4::has_presigned_parameters(in), "accepted query without presigned parameters");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  authorization_round_trip(in);
  presigned_round_trip(in);
  (void)sigv4::parse_credential(in);
  (void)sigv4::check_signed_headers(in);
  return 0;
}
