// SPDX-License-Identifier: MIT
// Fuzz the SigV4 canonicalizer and signer. Input: line 1 the method, line 2 the
// request-target, then `name: value` header lines up to an empty line, then the body.
//  - canonical query: never crashes, only unreserved bytes, %XX (upper-case), '=' and '&',
//    and canonicalizing a canonical query gives it back;
//  - canonical URI in every path mode: never crashes; path normalization is idempotent and
//    normalized / unnormalized URIs hold only unreserved bytes, '/' and %XX;
//  - sign_request and presign_request with a fixed key and clock, then the verifier with the
//    same key and clock: every request the signer signs must verify, and must not once one
//    digit of its signature is changed.
#include <authwire/schemes/aws_sigv4.hpp>

#include <string>
#include <vector>

#include "fuzz_common.hpp"

namespace {
namespace sigv4 = authwire::aws_sigv4;
using authwire_fuzz::check;

constexpr std::int64_t now = 1440938160;  // 20150830T123600Z
constexpr std::string_view access_key = "AKIDEXAMPLE";
constexpr std::string_view secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view token = "session-token/with+odd=chars";

bool hex_upper(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// Only unreserved bytes, %XX with upper-case hex, and the bytes in `extra`.
bool canonical_chars(std::string_view s, std::string_view extra) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (sigv4::detail::is_unreserved(c) || extra.find(c) != std::string_view::npos) continue;
    if (c == '%' && i + 2 < s.size() && hex_upper(s[i + 1]) && hex_upper(s[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

void canonical_checks(std::string_view path, std::string_view query) {
  std::string q1, q2;
  sigv4::append_canonical_query(q1, query, false);
  check(canonical_chars(q1, "=&"), "canonical query has a byte outside its alphabet");
  sigv4::append_canonical_query(q2, q1, false);
  check(q1 == q2, "canonical query is not idempotent");
  std::string d1;
  sigv4::append_canonical_query(d1, query, true, true);
  check(d1.size() <= q1.size(), "dropping parameters made the query longer");

  std::string n1, n2;
  sigv4::detail::normalize_path(n1, path);
  sigv4::detail::normalize_path(n2, n1);
  check(n1 == n2, "path normalization is not idempotent");
  check(n1.find("//") == std::string::npos, "normalized path has an empty segment");
  for (auto mode : {sigv4::path_mode::automatic, sigv4::path_mode::s3, sigv4::path_mode::normalized,
                    sigv4::path_mode::unnormalized}) {
    std::string u;
    sigv4::append_canonical_uri(u, path, mode);
    check(!u.empty(), "empty canonical URI");
    if (mode == sigv4::path_mode::normalized || mode == sigv4::path_mode::unnormalized)
      check(canonical_chars(u, "/"), "canonical URI has a byte outside its alphabet");
    if (mode == sigv4::path_mode::normalized) {
      std::string again;
      sigv4::append_canonical_uri(again, n1, sigv4::path_mode::unnormalized);
      check(u == again, "normalized URI differs from the encoding of the normalized path");
    }
  }
}

bool visible_ascii(std::string_view s) {
  for (char c : s)
    if (c < 0x21 || c > 0x7E) return false;
  return true;
}

bool has_ctl(std::string_view s) {
  for (char c : s)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) return true;
  return false;
}

// True when the query names a presigned parameter (raw or percent-decoded).
bool names_amz_parameter(std::string_view query) {
  bool found = false;
  sigv4::detail::for_each_query(query, [&](std::string_view k, std::string_view, bool, std::size_t) {
    std::string key;
    sigv4::detail::percent_decode(key, k, true);
    if (sigv4::detail::query_name_index(k) >= 0 || sigv4::detail::query_name_index(key) >= 0) found = true;
    return !found;
  });
  return found;
}

void sign_and_verify(std::string_view method, std::string_view target, const std::vector<authwire::header_view>& hs,
                     std::string_view body, std::string_view service, bool with_token, bool presign) {
  authwire::request_view req;
  req.method = method;
  req.target = target;
  req.headers = hs.data();
  req.header_count = hs.size();
  req.body = body;
  req.has_body = true;
  sigv4::signing_params p;
  p.access_key = access_key;
  p.secret = secret;
  p.region = "us-east-1";
  p.service = service;
  p.time = now;
  if (with_token) p.session_token = token;
  auto s = presign ? sigv4::presign_request(req, p) : sigv4::sign_request(req, p);
  check(static_cast<bool>(s), "the signer refused a request");

  std::vector<authwire::header_view> vh = hs;
  std::string vt(target);
  if (presign) {
    vt = s->target;
  } else {
    for (const auto& h : s->headers) vh.push_back({h.name, h.value});
  }
  authwire::request_view v = req;
  v.target = vt;
  v.headers = vh.data();
  v.header_count = vh.size();
  sigv4::verifier_options o;
  o.regions = {"us-east-1"};
  o.services = {std::string(service)};
  sigv4::verifier ver(
      o,
      [with_token](std::string_view akid) -> std::optional<sigv4::secret_record> {
        if (akid != access_key) return std::nullopt;
        sigv4::secret_record r;
        r.secret = std::string(secret);
        if (with_token) r.session_token = std::string(token);
        return r;
      },
      authwire::fixed_clock(now));
  // The allocation-free lookup and the out-parameter form must agree with it.
  sigv4::verifier fill_ver(
      o,
      [with_token](std::string_view akid, sigv4::secret_record& rec) {
        if (akid != access_key) return false;
        rec.secret.assign(secret);
        if (with_token) rec.session_token = std::string(token);
        return true;
      },
      authwire::fixed_clock(now));
  sigv4::verified_request fv;
  auto fr = fill_ver.verify(v, fv);
  auto r = ver.verify(v);
  check(static_cast<bool>(fr) == static_cast<bool>(r), "secret_fill and secret_lookup verifiers disagree");
  if (!r) {
    std::fprintf(stderr, "verify: %s at %zu\n", std::string(sigv4::to_string(r.code())).c_str(), r.offset());
    authwire_fuzz::fail(presign ? "a presigned request did not verify" : "a signed request did not verify");
  }
  check(r->access_key == access_key, "verified access key");
  check(r->presigned == presign, "verified form");
  check(fv.access_key == r->access_key && fv.scope == r->scope && fv.seed_signature == r->seed_signature &&
            fv.presigned == r->presigned && fv.mode == r->mode,
        "secret_fill verifier result differs");

  // The same request with one signature digit changed must not verify.
  std::string tampered = presign ? vt : std::string(s->authorization);
  char& last = tampered.back();
  last = last == '0' ? '1' : '0';
  std::vector<authwire::header_view> th = vh;
  if (presign) {
    v.target = tampered;
  } else {
    for (auto& h : th)
      if (h.name == "Authorization") h.value = tampered;
    v.headers = th.data();
  }
  auto t = ver.verify(v);
  check(!t && t.code() == sigv4::errc::signature_mismatch, "a tampered signature verified");
  auto ft = fill_ver.verify(v, fv);
  check(!ft && ft.code() == sigv4::errc::signature_mismatch, "a tampered signature verified (secret_fill)");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto lines = authwire_fuzz::split_lines(data, size);
  const std::string_view method_line = lines[0];
  const std::string_view target = lines.size() > 1 ? lines[1] : std::string_view{};
  std::string_view path, query;
  sigv4::detail::split_target(target, path, query);
  canonical_checks(path, query);

  // The request for the signer: a visible-ASCII origin-form target, headers the verifier
  // would not check against the body, and no X-Amz-* parameter already in the query.
  if (target.empty() || target[0] != '/' || !visible_ascii(target) || names_amz_parameter(query)) return 0;
  std::size_t query_items = 0;
  sigv4::detail::for_each_query(query, [&](std::string_view, std::string_view, bool, std::size_t) {
    ++query_items;
    return true;
  });
  if (query_items > 200) return 0;
  const std::string_view method = authwire::is_token(method_line) ? method_line : std::string_view("GET");
  std::vector<authwire::header_view> hs;
  hs.push_back({"Host", "example.amazonaws.com"});
  std::size_t i = 2;
  for (; i < lines.size() && !lines[i].empty(); ++i) {
    const std::string_view l = lines[i];
    const auto colon = l.find(':');
    if (colon == std::string_view::npos) return 0;
    const std::string_view name = l.substr(0, colon), value = l.substr(colon + 1);
    if (!authwire::is_token(name) || has_ctl(value)) return 0;
    if (authwire::iequals(name, "host") || authwire::iequals(name, "authorization") ||
        authwire::iequals(name, "content-md5") || (name.size() >= 6 && authwire::iequals(name.substr(0, 6), "x-amz-")))
      return 0;
    hs.push_back({name, value});
  }
  if (hs.size() > 40) return 0;
  std::string_view body;
  if (i + 1 < lines.size()) {
    const auto* start = lines[i].data() + 1;
    body = std::string_view(start, static_cast<std::size_t>(reinterpret_cast<const char*>(data) + size - start));
  }
  static constexpr std::string_view services[] = {"s3", "execute-api", "iam"};
  const std::string_view service = services[size % 3];
  const bool with_token = (size / 3) % 2 == 1;
  sign_and_verify(method, target, hs, body, service, with_token, false);
  sign_and_verify(method, target, hs, body, service, with_token, true);
  return 0;
}
