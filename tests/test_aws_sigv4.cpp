// SPDX-License-Identifier: MIT
// Tests of include/authwire/schemes/aws_sigv4.hpp: the AWS SigV4 test suites (aws-c-auth v4
// and botocore) for signing AND verification, the AWS documentation examples (IAM ListUsers,
// signing-key derivation, the S3 chunked upload), parse errors with offsets, and a negative
// test for every server check.
#include <authwire/schemes/aws_sigv4.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace aws = authwire::aws_sigv4;
using authwire::header_view;
using authwire::request_view;
namespace fs = std::filesystem;

namespace {

const std::string data_dir = std::string(AUTHWIRE_TEST_DATA) + "/aws-sigv4";
constexpr std::int64_t t_2015 = 1440938160;  // 2015-08-30T12:36:00Z
const std::string akid = "AKIDEXAMPLE";
const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// A raw HTTP/1.1 request as the suites write it: request line, `Name:value` lines (a line
// starting with SP/HTAB continues the previous value: obs-fold, replaced by SP as RFC 9112
// section 5.2 says), a blank line, the body.
struct raw_request {
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<header_view> views;
  bool has_blank = false;

  request_view view() {
    views.clear();
    for (auto& h : headers) views.push_back({h.first, h.second});
    request_view r;
    r.method = method;
    r.target = target;
    r.headers = views.data();
    r.header_count = views.size();
    r.body = body;
    r.has_body = true;
    return r;
  }
  void set(const std::string& name, const std::string& value) {
    for (auto& h : headers)
      if (authwire::iequals(h.first, name)) {
        h.second = value;
        return;
      }
    headers.emplace_back(name, value);
  }
  void erase(const std::string& name) {
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [&](auto& h) { return authwire::iequals(h.first, name); }),
                  headers.end());
  }
};

raw_request parse_raw(const std::string& text) {
  raw_request r;
  std::size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos >= text.size()) return false;
    auto e = text.find('\n', pos);
    if (e == std::string::npos) e = text.size();
    line = text.substr(pos, e - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = e + 1;
    return true;
  };
  std::string line;
  next_line(line);
  const auto sp = line.find(' ');
  const auto last = line.rfind(" HTTP/");
  r.method = line.substr(0, sp);
  r.target = line.substr(sp + 1, last - sp - 1);
  while (next_line(line)) {
    if (line.empty()) {
      r.has_blank = true;
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += " " + line;
      continue;
    }
    const auto c = line.find(':');
    r.headers.emplace_back(line.substr(0, c), line.substr(c + 1));
  }
  if (r.has_blank && pos < text.size()) r.body = text.substr(pos);
  return r;
}

aws::verifier make_verifier(std::string region, std::string service, std::int64_t now,
                            std::optional<std::string> token = std::nullopt, aws::path_mode mode = aws::path_mode::automatic,
                            std::string key = akid, std::string sec = secret) {
  aws::verifier_options o;
  o.regions = {std::move(region)};
  o.services = {std::move(service)};
  o.mode = mode;
  return aws::verifier(
      o,
      [key, sec, token](std::string_view k) -> std::optional<aws::secret_record> {
        if (k != key) return std::nullopt;
        aws::secret_record r;
        r.secret = sec;
        r.session_token = token;
        return r;
      },
      authwire::fixed_clock(now));
}

std::vector<fs::path> case_dirs(const fs::path& root) {
  std::vector<fs::path> out;
  for (auto& e : fs::directory_iterator(root))
    if (e.is_directory()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// aws-c-auth v4 suite
// ---------------------------------------------------------------------------------------------

TEST_CASE("aws_sigv4: aws-c-auth v4 suite, signing and verification, header and query forms",
          "[aws_sigv4][vectors][aws-c-auth]") {
  const auto dirs = case_dirs(data_dir + "/aws-c-auth/v4");
  REQUIRE(dirs.size() == 38);
  std::size_t passed = 0;
  for (const auto& dir : dirs) {
    const std::string name = dir.filename().string();
    INFO("case " << name);
    const auto ctx = nlohmann::json::parse(slurp(dir / "context.json"));
    const bool normalize = ctx.at("normalize").get<bool>();
    const bool sign_body = ctx.at("sign_body").get<bool>();
    const bool omit_token = ctx.value("omit_session_token", false);
    const std::string token = ctx.at("credentials").value("token", "");
    const auto mode = normalize ? aws::path_mode::normalized : aws::path_mode::unnormalized;
    REQUIRE(ctx.at("timestamp").get<std::string>() == "2015-08-30T12:36:00Z");

    raw_request req = parse_raw(slurp(dir / "request.txt"));
    aws::signing_params p;
    p.access_key = ctx.at("credentials").at("access_key_id").get_ref<const std::string&>();
    p.secret = ctx.at("credentials").at("secret_access_key").get_ref<const std::string&>();
    p.session_token = token;
    p.region = ctx.at("region").get_ref<const std::string&>();
    p.service = ctx.at("service").get_ref<const std::string&>();
    p.time = t_2015;
    p.mode = mode;
    p.add_content_sha256 = sign_body;
    if (!sign_body) p.payload_hash = aws::empty_sha256;
    p.sign_session_token = !omit_token;
    p.expires = ctx.at("expiration_in_seconds").get<std::int64_t>();

    // Header form: signing.
    {
      auto s = aws::sign_request(req.view(), p);
      REQUIRE(s);
      CHECK(s->canonical_request == slurp(dir / "header-canonical-request.txt"));
      CHECK(s->string_to_sign == slurp(dir / "header-string-to-sign.txt"));
      CHECK(s->signature == slurp(dir / "header-signature.txt"));
      const raw_request expected = parse_raw(slurp(dir / "header-signed-request.txt"));
      std::string want_auth;
      for (auto& h : expected.headers)
        if (h.first == "Authorization") want_auth = h.second;
      CHECK(s->authorization == want_auth);
    }
    // Header form: verification of the suite's signed request.
    {
      raw_request sreq = parse_raw(slurp(dir / "header-signed-request.txt"));
      auto v = make_verifier("us-east-1", "service", t_2015,
                             token.empty() ? std::nullopt : std::optional<std::string>(token), mode);
      auto r = v.verify(sreq.view());
      INFO("header verify: " << aws::to_string(r.code()));
      REQUIRE(r);
      CHECK(r->identity == akid);
      CHECK(r->seed_signature == slurp(dir / "header-signature.txt"));
      // Any change to what was signed is refused.
      sreq.method = sreq.method == "GET" ? "HEAD" : "PUT";
      auto bad = v.verify(sreq.view());
      CHECK(bad.code() == aws::errc::signature_mismatch);
    }
    // Query form: signing.
    {
      auto s = aws::presign_request(req.view(), p);
      REQUIRE(s);
      CHECK(s->canonical_request == slurp(dir / "query-canonical-request.txt"));
      CHECK(s->string_to_sign == slurp(dir / "query-string-to-sign.txt"));
      CHECK(s->signature == slurp(dir / "query-signature.txt"));
      const raw_request expected = parse_raw(slurp(dir / "query-signed-request.txt"));
      CHECK(s->target == expected.target);
    }
    // Query form: verification of the suite's signed request.
    {
      raw_request sreq = parse_raw(slurp(dir / "query-signed-request.txt"));
      aws::verifier_options o;
      o.regions = {"us-east-1"};
      o.services = {"service"};
      o.mode = mode;
      // aws-c-auth's omit_session_token adds X-Amz-Security-Token to the URL after signing, so
      // the canonical query of such a service leaves it out.
      o.query_token_excluded = omit_token;
      aws::verifier v(
          o,
          [&](std::string_view k) -> std::optional<aws::secret_record> {
            if (k != akid) return std::nullopt;
            aws::secret_record r{secret, std::nullopt, {}};
            if (!token.empty()) r.session_token = token;
            return r;
          },
          authwire::fixed_clock(t_2015 + 60));
      auto r = v.verify(sreq.view());
      INFO("query verify: " << aws::to_string(r.code()) << " at " << r.offset());
      REQUIRE(r);
      CHECK(r->presigned);
      // Past X-Amz-Expires: refused.
      aws::verifier late(o, [&](std::string_view) {
        aws::secret_record r2{secret, std::nullopt, {}};
        if (!token.empty()) r2.session_token = token;
        return std::optional<aws::secret_record>(r2);
      }, authwire::fixed_clock(t_2015 + 3601));
      CHECK(late.verify(sreq.view()).code() == aws::errc::presigned_expired);
    }
    ++passed;
  }
  CHECK(passed == 38);
}

// ---------------------------------------------------------------------------------------------
// botocore aws4_testsuite
// ---------------------------------------------------------------------------------------------

TEST_CASE("aws_sigv4: botocore aws4_testsuite, signing and verification", "[aws_sigv4][vectors][botocore]") {
  std::vector<fs::path> dirs;
  for (auto& e : fs::recursive_directory_iterator(data_dir + "/botocore/aws4_testsuite"))
    if (e.is_regular_file() && e.path().extension() == ".req") dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  REQUIRE(dirs.size() == 34);
  std::size_t passed = 0;
  for (const auto& reqfile : dirs) {
    const std::string name = reqfile.stem().string();
    INFO("case " << name);
    auto file = [&](const char* ext) { return slurp(fs::path(reqfile).replace_extension(ext)); };
    const std::string creq = file(".creq");
    std::string token;
    if (auto at = creq.find("\nx-amz-security-token:"); at != std::string::npos) {
      const auto b = at + 22;
      token = creq.substr(b, creq.find('\n', b) - b);
    }
    raw_request req = parse_raw(file(".req"));
    aws::signing_params p;
    p.access_key = akid;
    p.secret = secret;
    p.session_token = token;
    p.region = "us-east-1";
    p.service = "service";
    p.time = t_2015;
    p.mode = aws::path_mode::normalized;
    auto s = aws::sign_request(req.view(), p);
    REQUIRE(s);
    CHECK(s->canonical_request == creq);
    CHECK(s->string_to_sign == file(".sts"));
    CHECK(s->authorization == file(".authz"));

    raw_request sreq = parse_raw(file(".sreq"));
    std::optional<std::string> sreq_token;
    for (auto& h : sreq.headers)
      if (authwire::iequals(h.first, "x-amz-security-token")) sreq_token = h.second;
    auto v = make_verifier("us-east-1", "service", t_2015 - 300, sreq_token, aws::path_mode::normalized);
    std::string sreq_auth;
    for (auto& h : sreq.headers)
      if (h.first == "Authorization") sreq_auth = h.second;
    authwire::result<aws::verified_request, aws::errc> r = v.verify(sreq.view());
    if (authwire::aws_sigv4::detail::lower(sreq_auth) != authwire::aws_sigv4::detail::lower(" " + file(".authz"))) {
      // Known defect of the suite: get-vanilla-with-session-token.sreq carries a signature
      // (5fa00fa3...) that is not the one of its own .authz (07ec1639..., which aws-c-auth's copy
      // of the case also expects). Refusing it is right; the request with the .authz value must pass.
      CHECK(name == "get-vanilla-with-session-token");
      CHECK(r.code() == aws::errc::signature_mismatch);
      sreq.set("Authorization", file(".authz"));
      r = v.verify(sreq.view());
    }
    INFO("verify: " << aws::to_string(r.code()));
    REQUIRE(r);
    // Tamper with the signed date: refused.
    sreq.set("X-Amz-Date", "20150830T123601Z");
    CHECK(v.verify(sreq.view()).code() == aws::errc::signature_mismatch);
    ++passed;
  }
  CHECK(passed == 34);
}

// ---------------------------------------------------------------------------------------------
// AWS documentation examples
// ---------------------------------------------------------------------------------------------

TEST_CASE("aws_sigv4: AWS General Reference signing-key and IAM ListUsers examples", "[aws_sigv4][vectors][aws-docs]") {
  const auto doc = nlohmann::json::parse(slurp(data_dir + "/aws-docs-examples.json"));
  const auto& k = doc.at("cases").at(0);
  CHECK(aws::derive_signing_key(k.at("secret_access_key").get<std::string>(), k.at("date").get<std::string>(),
                                k.at("region").get<std::string>(), k.at("service").get<std::string>())
            .hex() == k.at("expected_signing_key_hex").get<std::string>());

  const auto& c = doc.at("cases").at(1);
  raw_request req = parse_raw(c.at("request").get<std::string>() + "\n");
  REQUIRE(req.target == "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08");
  aws::signing_params p;
  p.access_key = akid;
  p.secret = secret;
  p.region = "us-east-1";
  p.service = "iam";
  p.time = t_2015;
  auto s = aws::sign_request(req.view(), p);
  REQUIRE(s);
  CHECK(s->canonical_request == c.at("expected_canonical_request").get<std::string>());
  CHECK(s->string_to_sign == c.at("expected_string_to_sign").get<std::string>());
  CHECK(s->signature == c.at("expected_signature").get<std::string>());
  CHECK(s->authorization == c.at("expected_authorization").get<std::string>());
  CHECK(aws::derive_signing_key(secret, "20150830", "us-east-1", "iam").hex() ==
        c.at("expected_signing_key_hex").get<std::string>());

  req.headers.emplace_back("Authorization", s->authorization);
  auto v = make_verifier("us-east-1", "iam", t_2015);
  auto r = v.verify(req.view());
  INFO("verify: " << aws::to_string(r.code()) << " at " << r.offset());
  REQUIRE(r);
  CHECK(r->service == "iam");
}

namespace {
struct streaming_fixture {
  nlohmann::json doc = nlohmann::json::parse(slurp(data_dir + "/s3-streaming-example.json"));
  raw_request req;
  std::string body;
  std::int64_t t = 0;
  aws::signed_request seed;

  streaming_fixture() {
    req.method = doc.at("method").get<std::string>();
    req.target = doc.at("target").get<std::string>();
    for (auto& h : doc.at("headers")) req.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
    REQUIRE(aws::detail::parse_amz_date(doc.at("timestamp").get<std::string>(), t));
    aws::signing_params p = params();
    auto s = aws::sign_request(req.view(), p);
    REQUIRE(s);
    seed = *s;
    for (auto& h : seed.headers) req.headers.emplace_back(h.name, h.value);
    aws::chunk_signer cs(key(), seed.amz_date, seed.scope, seed.signature);
    body = cs.encode(std::string(66560, 'a'), 65536);
  }
  aws::signing_params params() const {
    aws::signing_params p;
    p.access_key = doc.at("access_key_id").get_ref<const std::string&>();
    p.secret = doc.at("secret_access_key").get_ref<const std::string&>();
    p.region = "us-east-1";
    p.service = "s3";
    p.time = t;
    p.payload_hash = aws::streaming_payload;
    return p;
  }
  authwire::digest_bytes key() const {
    return aws::derive_signing_key(doc.at("secret_access_key").get<std::string>(), "20130524", "us-east-1", "s3");
  }
  aws::verifier verifier() const {
    return make_verifier("us-east-1", "s3", t, std::nullopt, aws::path_mode::automatic,
                         doc.at("access_key_id").get<std::string>(), doc.at("secret_access_key").get<std::string>());
  }
};

authwire::result<void, aws::errc> run_body(const aws::verified_request& v, std::string_view body, std::size_t step,
                                           std::string& out) {
  aws::chunked_body_verifier cv(v);
  for (std::size_t i = 0; i < body.size(); i += step) {
    auto r = cv.feed(body.substr(i, step), out);
    if (!r) return r;
  }
  return cv.finish();
}
}  // namespace

TEST_CASE("aws_sigv4: S3 chunked upload example (seed and chunk signatures)", "[aws_sigv4][vectors][streaming]") {
  streaming_fixture f;
  CHECK(f.seed.signed_headers == f.doc.at("expected_signed_headers").get<std::string>());
  CHECK(f.seed.signature == f.doc.at("expected_seed_signature").get<std::string>());
  CHECK(f.body.size() == 66824);

  aws::chunk_signer cs(f.key(), f.seed.amz_date, f.seed.scope, f.seed.signature);
  const auto& want = f.doc.at("expected_chunk_signatures");
  CHECK(cs.next(std::string(65536, 'a')) == want.at(0).get<std::string>());
  CHECK(cs.next(std::string(1024, 'a')) == want.at(1).get<std::string>());
  CHECK(cs.next("") == want.at(2).get<std::string>());
  CHECK(cs.trailer("first:1st\nsecond:2nd\nthird:3rd\n") == f.doc.at("expected_trailer_signature").get<std::string>());

  auto v = f.verifier();
  auto r = v.verify(f.req.view());
  REQUIRE(r);
  CHECK(r->mode == aws::payload_mode::streaming_signed);
  REQUIRE(r->decoded_content_length);
  CHECK(*r->decoded_content_length == 66560);
  for (std::size_t step : {std::size_t{1} << 20, std::size_t{7}, std::size_t{4096}, std::size_t{1}}) {
    std::string out;
    auto b = run_body(*r, f.body, step, out);
    INFO("step " << step);
    CHECK(b);
    CHECK(out == std::string(66560, 'a'));
  }
}

TEST_CASE("aws_sigv4: streaming body failures", "[aws_sigv4][streaming][negative]") {
  streaming_fixture f;
  auto v = f.verifier();
  auto r = v.verify(f.req.view());
  REQUIRE(r);
  std::string out;
  const std::size_t c1 = f.body.find("\r\n") + 2;            // data of chunk 1
  const std::size_t h2 = c1 + 65536 + 2;                      // header of chunk 2
  const std::size_t h3 = f.body.find("0;chunk", h2 + 1024);   // final chunk header

  SECTION("tampered chunk data") {
    std::string b = f.body;
    b[c1 + 10] = 'b';
    auto e = run_body(*r, b, 4096, out);
    CHECK(e.code() == aws::errc::chunk_signature_mismatch);
    CHECK(e.offset() == 0);
    CHECK(out.empty());  // nothing released before its signature is checked
  }
  SECTION("tampered chunk signature") {
    std::string b = f.body;
    b[h2 + 20] = b[h2 + 20] == '0' ? '1' : '0';
    auto e = run_body(*r, b, 4096, out);
    CHECK(e.code() == aws::errc::chunk_signature_mismatch);
    CHECK(e.offset() == h2);
    CHECK(out.size() == 65536);
  }
  SECTION("reordered chunks") {
    const std::string b = f.body.substr(h2, h3 - h2) + f.body.substr(0, h2) + f.body.substr(h3);
    CHECK(run_body(*r, b, 4096, out).code() == aws::errc::chunk_signature_mismatch);
  }
  SECTION("missing chunk") {
    const std::string b = f.body.substr(0, h2) + f.body.substr(h3);
    CHECK(run_body(*r, b, 4096, out).code() == aws::errc::chunk_signature_mismatch);
  }
  SECTION("missing final chunk") {
    auto e = run_body(*r, f.body.substr(0, h3), 4096, out);
    CHECK(e.code() == aws::errc::missing_final_chunk);
    CHECK(e.offset() == h3);
  }
  SECTION("truncated inside a chunk") {
    auto e = run_body(*r, f.body.substr(0, h2 + 500), 4096, out);
    CHECK(e.code() == aws::errc::body_truncated);
  }
  SECTION("data after the final chunk") {
    auto e = run_body(*r, f.body + "x", 4096, out);
    CHECK(e.code() == aws::errc::data_after_final_chunk);
    CHECK(e.offset() == f.body.size());
  }
  SECTION("malformed chunk header") {
    std::string b = f.body;
    b[0] = 'x';
    auto e = run_body(*r, b, 4096, out);
    CHECK(e.code() == aws::errc::chunk_malformed);
    CHECK(e.offset() == 0);
  }
  SECTION("chunk larger than the limit") {
    aws::streaming_options o;
    o.max_chunk_size = 1024;
    aws::chunked_body_verifier cv(*r, o);
    CHECK(cv.feed(f.body, out).code() == aws::errc::chunk_too_large);
  }
  SECTION("decoded length differs") {
    aws::verified_request w = *r;
    w.decoded_content_length = 66561;
    CHECK(run_body(w, f.body, 4096, out).code() == aws::errc::decoded_length_mismatch);
  }
  SECTION("the handler verifies a buffered body") {
    aws::verifier_options o;
    o.regions = {"us-east-1"};
    o.services = {"s3"};
    const std::string k = f.doc.at("access_key_id").get<std::string>(), s = f.doc.at("secret_access_key").get<std::string>();
    aws::handler h(o, [k, s](std::string_view a) {
      return a == k ? std::optional<aws::secret_record>(aws::secret_record{s, std::nullopt, "alice"}) : std::nullopt;
    }, authwire::fixed_clock(f.t));
    f.req.body = f.body;
    auto ok = h.verify(f.req.view(), f.seed.authorization);
    CHECK(ok.kind == authwire::verdict_kind::allow);
    CHECK(ok.identity == "alice");
    f.req.body[c1 + 3] = 'z';
    auto bad = h.verify(f.req.view(), f.seed.authorization);
    CHECK(bad.kind == authwire::verdict_kind::forbidden);
    CHECK(bad.code == "SignatureDoesNotMatch");
    CHECK(bad.reason == "chunk_signature_mismatch");
    // No body available and no deferral: refused rather than trusted.
    auto rv = f.req.view();
    rv.has_body = false;
    rv.body = {};
    CHECK(h.verify(rv, f.seed.authorization).reason == "unsupported_payload_mode");
  }
}

TEST_CASE("aws_sigv4: streaming with trailers (signed and unsigned) and checksums", "[aws_sigv4][streaming][trailer]") {
  streaming_fixture f;
  const std::string data(3000, 'q');
  const std::string crc = aws::checksum_base64(aws::checksum_algorithm::crc32c, data);
  const std::string sha = aws::checksum_base64(aws::checksum_algorithm::sha256, data);
  CHECK(aws::checksum_base64(aws::checksum_algorithm::crc32, "123456789") ==
        authwire::base64_encode(std::string("\xCB\xF4\x39\x26", 4)));
  CHECK(aws::checksum_base64(aws::checksum_algorithm::crc32c, "123456789") ==
        authwire::base64_encode(std::string("\xE3\x06\x92\x83", 4)));

  aws::verified_request v;
  v.signing_key = f.key();
  v.amz_date = "20130524T000000Z";
  v.scope = "20130524/us-east-1/s3/aws4_request";
  v.seed_signature = f.doc.at("expected_seed_signature").get<std::string>();
  v.decoded_content_length = data.size();
  std::string out;

  SECTION("signed trailer") {
    v.mode = aws::payload_mode::streaming_signed_trailer;
    v.declared_trailers = {"x-amz-checksum-crc32c"};
    aws::chunk_signer cs(v.signing_key, v.amz_date, v.scope, v.seed_signature);
    std::vector<authwire::header_line> tr = {{"x-amz-checksum-crc32c", crc}};
    const std::string body = cs.encode(data, 1024, &tr);
    CHECK(run_body(v, body, 100, out));
    CHECK(out == data);
    // Wrong checksum, re-signed correctly: the checksum check catches it.
    aws::chunk_signer cs2(v.signing_key, v.amz_date, v.scope, v.seed_signature);
    std::vector<authwire::header_line> bad = {{"x-amz-checksum-crc32c", "AAAAAA=="}};
    out.clear();
    CHECK(run_body(v, cs2.encode(data, 1024, &bad), 100, out).code() == aws::errc::checksum_mismatch);
    // Tampered trailer value: the trailer signature fails.
    std::string b2 = body;
    const auto at = b2.find("x-amz-checksum-crc32c:") + 22;
    b2[at] = b2[at] == 'A' ? 'B' : 'A';
    out.clear();
    CHECK(run_body(v, b2, 100, out).code() == aws::errc::trailer_signature_mismatch);
    // Missing trailer signature.
    std::string b3 = body.substr(0, body.find("x-amz-trailer-signature:")) + "\r\n";
    out.clear();
    CHECK(run_body(v, b3, 100, out).code() == aws::errc::trailer_signature_mismatch);
    // An undeclared trailer.
    std::string b4 = body;
    b4.insert(body.find("x-amz-checksum-crc32c:"), "x-other:1\r\n");
    out.clear();
    CHECK(run_body(v, b4, 100, out).code() == aws::errc::trailer_malformed);
  }
  SECTION("unsigned trailer") {
    v.mode = aws::payload_mode::streaming_unsigned_trailer;
    v.declared_trailers = {"x-amz-checksum-sha256"};
    const std::string body = "bb8\r\n" + data + "\r\n0\r\nx-amz-checksum-sha256:" + sha + "\r\n\r\n";
    CHECK(run_body(v, body, 333, out));
    CHECK(out == data);
    std::string tampered = body;
    tampered[10] = 'z';
    out.clear();
    CHECK(run_body(v, tampered, 333, out).code() == aws::errc::checksum_mismatch);
    out.clear();
    CHECK(run_body(v, body.substr(0, body.size() - 2), 333, out).code() == aws::errc::body_truncated);
    const std::string signed_ext = "bb8;chunk-signature=" + std::string(64, '0') + "\r\n" + data;
    out.clear();
    CHECK(run_body(v, signed_ext, 333, out).code() == aws::errc::chunk_malformed);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing: errors with offsets
// ---------------------------------------------------------------------------------------------

TEST_CASE("aws_sigv4: parses the Authorization header form", "[aws_sigv4][parse]") {
  const std::string v =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, "
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
  auto a = aws::parse_authorization(v);
  REQUIRE(a);
  CHECK(a->credential.access_key == "AKIDEXAMPLE");
  CHECK(a->credential.date == "20150830");
  CHECK(a->credential.region == "us-east-1");
  CHECK(a->credential.service == "iam");
  CHECK(a->credential.scope == "20150830/us-east-1/iam/aws4_request");
  CHECK(a->signed_headers == "content-type;host;x-amz-date");
  CHECK(a->signature_offset == v.find("5d672d"));
  // No space after commas, other order.
  auto b = aws::parse_authorization(
      "AWS4-HMAC-SHA256 Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7,"
      "SignedHeaders=host,Credential=A/20150830/r/s/aws4_request");
  REQUIRE(b);
  CHECK(b->credential.access_key == "A");
}

TEST_CASE("aws_sigv4: Authorization parse errors carry code and offset", "[aws_sigv4][parse][negative]") {
  const std::string cred = "Credential=AKID/20150830/us-east-1/s3/aws4_request";
  const std::string sig = "Signature=" + std::string(64, 'a');
  struct row {
    std::string in;
    aws::errc code;
    std::size_t offset;
  };
  const std::vector<row> rows = {
      {"AWS4-HMAC-SHA1 " + cred, aws::errc::bad_scheme, 0},
      {"aws4-hmac-sha256 " + cred, aws::errc::bad_scheme, 0},
      {"AWS4-HMAC-SHA256", aws::errc::missing_credential, 16},
      {"AWS4-HMAC-SHA256,x", aws::errc::expected_space, 16},
      {"AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host", aws::errc::missing_signature, 87},
      {"AWS4-HMAC-SHA256 " + cred + ", " + sig, aws::errc::missing_signed_headers, 143},
      {"AWS4-HMAC-SHA256 SignedHeaders=host, " + sig, aws::errc::missing_credential, 111},
      {"AWS4-HMAC-SHA256 Foo=bar", aws::errc::unknown_component, 17},
      {"AWS4-HMAC-SHA256 credential=x", aws::errc::unknown_component, 17},
      {"AWS4-HMAC-SHA256 " + cred + ", " + cred, aws::errc::duplicate_component, 69},
      {"AWS4-HMAC-SHA256 Credential", aws::errc::expected_equals, 27},
      {"AWS4-HMAC-SHA256 " + cred + " x", aws::errc::expected_comma, 68},
      {"AWS4-HMAC-SHA256 " + cred + ",", aws::errc::expected_component, 68},
      {"AWS4-HMAC-SHA256 , " + cred, aws::errc::expected_component, 17},
      {"AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/s3", aws::errc::bad_credential, 54},
      {"AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/s3/aws4_request", aws::errc::bad_credential, 28},
      {"AWS4-HMAC-SHA256 Credential=AKID/20151330/us-east-1/s3/aws4_request", aws::errc::bad_scope_date, 33},
      {"AWS4-HMAC-SHA256 Credential=AKID/2015083/us-east-1/s3/aws4_request", aws::errc::bad_scope_date, 33},
      {"AWS4-HMAC-SHA256 Credential=AKID/20150830//s3/aws4_request", aws::errc::bad_credential, 42},
      {"AWS4-HMAC-SHA256 Credential=AKID/20150830/us east/s3/aws4_request", aws::errc::bad_credential, 44},
      {"AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/s3/aws4_requesT", aws::errc::bad_scope_terminator, 55},
      {"AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/s3/aws4_request/x", aws::errc::bad_scope_terminator, 55},
      {"AWS4-HMAC-SHA256 SignedHeaders=Host", aws::errc::bad_signed_headers, 31},
      {"AWS4-HMAC-SHA256 SignedHeaders=host;;x-amz-date", aws::errc::bad_signed_headers, 36},
      {"AWS4-HMAC-SHA256 SignedHeaders=x-amz-date;host", aws::errc::signed_headers_not_sorted, 42},
      {"AWS4-HMAC-SHA256 SignedHeaders=host;host", aws::errc::signed_headers_not_sorted, 36},
      {"AWS4-HMAC-SHA256 SignedHeaders=x-amz-date", aws::errc::signed_headers_missing_host, 31},
      {"AWS4-HMAC-SHA256 Signature=abc", aws::errc::bad_signature_format, 27},
      {"AWS4-HMAC-SHA256 Signature=" + std::string(63, 'a') + "G", aws::errc::bad_signature_format, 90},
      {"AWS4-HMAC-SHA256 Signature=" + std::string(64, 'A'), aws::errc::bad_signature_format, 27},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    auto a = aws::parse_authorization(r.in);
    REQUIRE_FALSE(a);
    CHECK(a.code() == r.code);
    CHECK(a.offset() == r.offset);
  }
  aws::parse_limits lim;
  lim.max_signed_headers = 2;
  auto t = aws::parse_authorization("AWS4-HMAC-SHA256 SignedHeaders=a;b;host", lim);
  CHECK(t.code() == aws::errc::too_many_items);
  CHECK(t.offset() == 35);
}

TEST_CASE("aws_sigv4: presigned query parse errors carry code and offset", "[aws_sigv4][parse][presigned][negative]") {
  const std::string good =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=" +
      std::string(64, 'b');
  auto p = aws::parse_presigned(good);
  REQUIRE(p);
  CHECK(p->credential == "AKID/20150830/us-east-1/s3/aws4_request");
  CHECK(p->expires_seconds == 60);
  CHECK(p->signature_offset == good.find("X-Amz-Signature"));
  struct row {
    std::string in;
    aws::errc code;
    std::size_t offset;
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const std::vector<row> rows = {
      {good + "&X-Amz-Date=20150830T123600Z", aws::errc::duplicate_query_parameter, good.size() + 1},
      {good + "&x-amz-signature=" + std::string(64, 'c'), aws::errc::duplicate_query_parameter, good.size() + 1},
      {replace("X-Amz-Expires=60&", ""), aws::errc::missing_query_parameter, good.size() - 17},
      {replace("X-Amz-Expires=60", "X-Amz-Expires=0"), aws::errc::bad_expires, good.find("X-Amz-Expires")},
      {replace("X-Amz-Expires=60", "X-Amz-Expires=604801"), aws::errc::bad_expires, good.find("X-Amz-Expires")},
      {replace("X-Amz-Expires=60", "X-Amz-Expires=6x"), aws::errc::bad_expires, good.find("X-Amz-Expires")},
      {replace("HMAC-SHA256", "HMAC-SHA1"), aws::errc::bad_algorithm, 0},
      {replace("%2Fs3", "%2s3"), aws::errc::bad_query_encoding, good.find("%2Fs3")},
      {replace("20150830T123600Z", "20150830T123600"), aws::errc::bad_date, good.find("X-Amz-Date")},
      {replace("aws4_request", "aws5_request"), aws::errc::bad_scope_terminator, good.find("X-Amz-Credential")},
      {replace("SignedHeaders=host", "SignedHeaders=x-amz-date"), aws::errc::signed_headers_missing_host,
       good.find("X-Amz-SignedHeaders")},
      {replace(std::string(64, 'b'), "bb"), aws::errc::bad_signature_format, good.find("X-Amz-Signature")},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    auto a = aws::parse_presigned(r.in);
    REQUIRE_FALSE(a);
    CHECK(a.code() == r.code);
    CHECK(a.offset() == r.offset);
  }
  CHECK(aws::has_presigned_parameters("a=1&X-Amz-Algorithm=x"));
  CHECK_FALSE(aws::has_presigned_parameters("a=1&X-Amz-Date=x"));
}

TEST_CASE("aws_sigv4: canonical pieces", "[aws_sigv4][canonical]") {
  std::string out;
  aws::append_canonical_uri(out, "/a b/%2F/../c//d/", aws::path_mode::normalized);
  CHECK(out == "/a%20b/c/d/");
  out.clear();
  aws::append_canonical_uri(out, "/my-object//example//photo.user", aws::path_mode::s3);
  CHECK(out == "/my-object//example//photo.user");
  out.clear();
  aws::append_canonical_uri(out, "/foo%20bar", aws::path_mode::normalized);
  CHECK(out == "/foo%2520bar");  // encoded twice for non-S3 services
  out.clear();
  aws::append_canonical_query(out, "b=2&a=%7e&a=1&c&X-Amz-Signature=x&d=%zz&e=a+b", true);
  CHECK(out == "a=1&a=~&b=2&c=&d=%25zz&e=a%2Bb");
  out.clear();
  const header_view hs[] = {{"Host", " h "}, {"X-A", "  a   b\t c "}, {"x-a", "d"}};
  CHECK(aws::append_canonical_headers(out, hs, 3, "host;x-a"));
  CHECK(out == "host:h\nx-a:a b c,d\n");
  out.clear();
  auto r = aws::append_canonical_headers(out, hs, 3, "host;x-b");
  CHECK(r.code() == aws::errc::signed_header_absent);
  CHECK(r.offset() == 5);
  std::int64_t t = 0;
  CHECK(aws::detail::parse_amz_date("20150830T123600Z", t));
  CHECK(t == t_2015);
  CHECK(aws::detail::format_amz_date(t_2015) == "20150830T123600Z");
  CHECK_FALSE(aws::detail::parse_amz_date("20150230T123600Z", t));
  CHECK_FALSE(aws::detail::parse_amz_date("20150830T243600Z", t));
}

TEST_CASE("aws_sigv4: sign, parse, compare round trip", "[aws_sigv4][roundtrip]") {
  raw_request req;
  req.method = "GET";
  req.target = "/bucket/key?list-type=2&prefix=a%2Fb";
  req.headers = {{"Host", "127.0.0.1:9000"}, {"X-Amz-Meta-Color", "blue"}};
  aws::signing_params p;
  p.access_key = "AKID";
  p.secret = "SECRET";
  p.region = "us-east-1";
  p.service = "s3";
  p.time = t_2015;
  auto s = aws::sign_request(req.view(), p);
  REQUIRE(s);
  auto a = aws::parse_authorization(s->authorization);
  REQUIRE(a);
  CHECK(a->credential.access_key == "AKID");
  CHECK(a->credential.scope == s->scope);
  CHECK(a->signed_headers == s->signed_headers);
  CHECK(a->signed_headers == "host;x-amz-content-sha256;x-amz-date;x-amz-meta-color");
  CHECK(a->signature == s->signature);
  auto pr = aws::presign_request(req.view(), p);
  REQUIRE(pr);
  auto q = aws::parse_presigned(pr->target.substr(pr->target.find('?') + 1));
  REQUIRE(q);
  CHECK(q->signature == pr->signature);
  CHECK(q->signed_headers == "host;x-amz-meta-color");
  // Builders refuse CR/LF.
  req.headers.emplace_back("X-Bad", "a\r\nInjected: 1");
  CHECK(aws::sign_request(req.view(), p).code() == aws::errc::bad_signed_headers);
}

// ---------------------------------------------------------------------------------------------
// Server checks, one negative test each
// ---------------------------------------------------------------------------------------------

namespace {
struct check_fixture {
  raw_request req;
  aws::signing_params p;
  std::string token_store;
  check_fixture() {
    req.method = "PUT";
    req.target = "/bucket/object.txt?x=1";
    req.body = "hello world";
    req.headers = {{"Host", "127.0.0.1"}, {"Content-Type", "text/plain"}};
    p.access_key = "AKID";
    p.secret = "SECRET";
    p.region = "us-east-1";
    p.service = "s3";
    p.time = t_2015;
  }
  // Signs and adds the headers to req.
  aws::signed_request sign() {
    auto s = aws::sign_request(req.view(), p);
    REQUIRE(s);
    for (auto& h : s->headers) req.set(h.name, h.value);
    return *s;
  }
  aws::verifier verifier(std::int64_t now = t_2015, std::optional<std::string> token = std::nullopt) {
    return make_verifier("us-east-1", "s3", now, std::move(token), aws::path_mode::automatic, "AKID", "SECRET");
  }
};
}  // namespace

TEST_CASE("aws_sigv4: verifier checks, each with its own errc", "[aws_sigv4][verify][negative]") {
  check_fixture f;
  SECTION("a good request passes") {
    f.sign();
    auto r = f.verifier().verify(f.req.view());
    REQUIRE(r);
    CHECK(r->identity == "AKID");
    CHECK(r->mode == aws::payload_mode::hashed);
  }
  SECTION("no credentials") { CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::missing_credentials); }
  SECTION("both forms") {
    auto pr = aws::presign_request(f.req.view(), f.p);
    REQUIRE(pr);
    f.sign();
    f.req.target = pr->target;
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::both_forms);
  }
  SECTION("two Authorization headers") {
    auto s = f.sign();
    f.req.headers.emplace_back("Authorization", s.authorization);
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::duplicate_header);
  }
  SECTION("scope date differs from X-Amz-Date day") {
    auto s = f.sign();
    f.req.set("X-Amz-Date", "20150831T000100Z");
    CHECK(f.verifier(t_2015 + 43000).verify(f.req.view()).code() == aws::errc::scope_date_mismatch);
  }
  SECTION("region not accepted") {
    f.p.region = "eu-west-1";
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::region_not_accepted);
  }
  SECTION("service not accepted") {
    f.p.service = "iam";
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::service_not_accepted);
  }
  SECTION("unknown access key") {
    f.p.access_key = "OTHER";
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::unknown_access_key);
  }
  SECTION("wrong secret") {
    f.p.secret = "NOTSECRET";
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::signature_mismatch);
  }
  SECTION("clock skew") {
    f.sign();
    CHECK(f.verifier(t_2015 + 900).verify(f.req.view()));
    CHECK(f.verifier(t_2015 - 900).verify(f.req.view()));
    CHECK(f.verifier(t_2015 + 901).verify(f.req.view()).code() == aws::errc::request_time_too_skewed);
    CHECK(f.verifier(t_2015 - 901).verify(f.req.view()).code() == aws::errc::request_time_too_skewed);
  }
  SECTION("missing and malformed X-Amz-Date") {
    f.sign();
    f.req.set("X-Amz-Date", "2015-08-30T12:36:00Z");
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::bad_date);
    f.req.erase("X-Amz-Date");
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::missing_date);
  }
  SECTION("session token: required, wrong, unexpected") {
    f.sign();
    CHECK(f.verifier(t_2015, std::string("TOKEN")).verify(f.req.view()).code() == aws::errc::bad_security_token);
    f.p.session_token = "WRONG";
    f.sign();
    CHECK(f.verifier(t_2015, std::string("TOKEN")).verify(f.req.view()).code() == aws::errc::bad_security_token);
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::bad_security_token);
    f.p.session_token = "TOKEN";
    f.sign();
    CHECK(f.verifier(t_2015, std::string("TOKEN")).verify(f.req.view()));
  }
  SECTION("an unsigned x-amz-* header") {
    f.sign();
    f.req.headers.emplace_back("x-amz-meta-evil", "1");
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::unsigned_amz_header);
    aws::verifier_options o;
    o.regions = {"us-east-1"};
    o.services = {"s3"};
    o.require_signed_amz_headers = false;
    aws::verifier lax(o, [](std::string_view) { return std::optional<aws::secret_record>({"SECRET", {}, {}}); },
                      authwire::fixed_clock(t_2015));
    CHECK(lax.verify(f.req.view()));
  }
  SECTION("a signed header removed") {
    f.sign();
    f.req.erase("Content-Type");
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::signed_header_absent);
  }
  SECTION("tampered body vs x-amz-content-sha256") {
    f.sign();
    f.req.body = "hello World";
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::payload_hash_mismatch);
    // The body's hash given instead of the body.
    auto rv = f.req.view();
    rv.has_body = false;
    rv.body = {};
    const std::string h = authwire::hash(authwire::hash_algorithm::sha256, "hello World").hex();
    rv.body_sha256_hex = h;
    CHECK(f.verifier().verify(rv).code() == aws::errc::payload_hash_mismatch);
    // Neither: allowed, and the application is told which hash to check.
    rv.body_sha256_hex = {};
    auto r = f.verifier().verify(rv);
    REQUIRE(r);
    CHECK(r->unchecked_payload_hash == authwire::hash(authwire::hash_algorithm::sha256, "hello world").hex());
  }
  SECTION("tampered body without x-amz-content-sha256 (non-S3)") {
    f.p.service = "execute-api";
    f.sign();
    f.req.body = "hello World";
    auto v = make_verifier("us-east-1", "execute-api", t_2015, std::nullopt, aws::path_mode::automatic, "AKID", "SECRET");
    CHECK(v.verify(f.req.view()).code() == aws::errc::signature_mismatch);
  }
  SECTION("bad x-amz-content-sha256") {
    f.p.payload_hash = "nothex";
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::bad_content_sha256);
  }
  SECTION("Content-MD5 signed and wrong") {
    f.req.headers.emplace_back("Content-MD5", authwire::base64_encode(authwire::hash(authwire::hash_algorithm::md5, "other").view()));
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::content_md5_mismatch);
    f.req.set("Content-MD5", authwire::base64_encode(authwire::hash(authwire::hash_algorithm::md5, f.req.body).view()));
    f.sign();
    CHECK(f.verifier().verify(f.req.view()));
    f.req.set("Content-MD5", "xx");
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::bad_content_md5);
  }
  SECTION("x-amz-checksum-sha256 signed and wrong") {
    f.req.headers.emplace_back("x-amz-checksum-sha256", aws::checksum_base64(aws::checksum_algorithm::sha256, "x"));
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::checksum_mismatch);
    f.req.set("x-amz-checksum-sha256", aws::checksum_base64(aws::checksum_algorithm::sha256, f.req.body));
    f.sign();
    CHECK(f.verifier().verify(f.req.view()));
    f.req.erase("x-amz-checksum-sha256");
    f.req.headers.emplace_back("x-amz-checksum-crc32", aws::checksum_base64(aws::checksum_algorithm::crc32, "y"));
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::checksum_mismatch);
  }
  SECTION("UNSIGNED-PAYLOAD") {
    f.p.payload_hash = aws::unsigned_payload;
    f.sign();
    auto r = f.verifier().verify(f.req.view());
    REQUIRE(r);
    CHECK(r->mode == aws::payload_mode::not_signed);
  }
  SECTION("presigned: expiry, not yet valid, tampering") {
    f.p.expires = 60;
    auto pr = aws::presign_request(f.req.view(), f.p);
    REQUIRE(pr);
    f.req.target = pr->target;
    CHECK(f.verifier(t_2015 + 60).verify(f.req.view()));
    CHECK(f.verifier(t_2015 + 61).verify(f.req.view()).code() == aws::errc::presigned_expired);
    CHECK(f.verifier(t_2015 - 901).verify(f.req.view()).code() == aws::errc::presigned_not_yet_valid);
    const std::string good = f.req.target;
    f.req.target = good.substr(0, good.find("x=1")) + "x=2" + good.substr(good.find("x=1") + 3);
    auto bad = f.verifier().verify(f.req.view());
    CHECK(bad.code() == aws::errc::signature_mismatch);
    CHECK(bad.offset() == f.req.target.find("X-Amz-Signature") - f.req.target.find('?') - 1);
    f.req.target = good + "&X-Amz-Expires=60";
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::duplicate_query_parameter);
  }
}

TEST_CASE("aws_sigv4: presigned security token wiped from the per-thread parameters", "[aws_sigv4][verify][presigned][secret]") {
  check_fixture f;
  const std::string token = "FwoGZXIvYXdzEXAMPLESESSIONTOKENlongerthanthesmallstringbuffer";
  f.p.session_token = token;
  auto pr = aws::presign_request(f.req.view(), f.p);
  REQUIRE(pr);
  f.req.target = pr->target;
  auto& scratch = aws::detail::presigned_scratch();
  SECTION("after a verified request") {
    CHECK(f.verifier(t_2015, token).verify(f.req.view()));
  }
  SECTION("after a refused one (wrong token)") {
    CHECK(f.verifier(t_2015, std::string("OTHER")).verify(f.req.view()).code() == aws::errc::bad_security_token);
  }
  SECTION("after a refused one (expired)") {
    CHECK(f.verifier(t_2015 + 7 * 86400).verify(f.req.view()).code() == aws::errc::presigned_expired);
  }
  // The bytes are zeroed in place (the size is kept, so this finds a left-over token).
  REQUIRE(scratch.security_token.size() == token.size());
  CHECK(scratch.security_token == std::string(token.size(), '\0'));
}

TEST_CASE("aws_sigv4: a string to sign longer than the verifier's stack buffer", "[aws_sigv4][verify]") {
  // 132: exactly 256 bytes (the buffer), 133: one more.
  for (const std::size_t len : {std::size_t{9}, std::size_t{132}, std::size_t{133}, std::size_t{400}}) {
    check_fixture f;
    const std::string region(len, 'r');  // p.region is a view
    f.p.region = region;
    const auto s = f.sign();
    INFO(len << " " << s.string_to_sign.size());
    CHECK(s.string_to_sign.size() == 124 + len);
    CHECK(make_verifier(region, "s3", t_2015, std::nullopt, aws::path_mode::automatic, "AKID", "SECRET")
              .verify(f.req.view()));
    CHECK(make_verifier(region, "s3", t_2015, std::nullopt, aws::path_mode::automatic, "AKID", "SECRET2")
              .verify(f.req.view())
              .code() == aws::errc::signature_mismatch);
  }
}

TEST_CASE("aws_sigv4: handler answers with statuses, S3 codes and a challenge", "[aws_sigv4][handler]") {
  check_fixture f;
  aws::verifier_options o;
  o.regions = {"us-east-1"};
  o.services = {"s3"};
  o.realm = "test";
  auto h = std::make_shared<aws::handler>(
      o, [](std::string_view k) { return k == "AKID" ? std::optional<aws::secret_record>({"SECRET", {}, "bob"}) : std::nullopt; },
      authwire::fixed_clock(t_2015));
  authwire::authenticator auth;
  auth.add(h);

  auto d0 = auth.authenticate(f.req.view());
  CHECK(d0.status() == 401);
  REQUIRE(d0.challenges().size() == 1);
  CHECK(d0.challenges()[0] == R"(AWS4-HMAC-SHA256 realm="test", region="us-east-1", service="s3")");

  f.sign();
  auto d1 = auth.authenticate(f.req.view());
  CHECK(d1.status() == 200);
  CHECK(d1.identity() == "bob");

  f.req.set("Content-Type", "text/html");
  auto d2 = auth.authenticate(f.req.view());
  CHECK(d2.status() == 403);
  CHECK(d2.code() == "SignatureDoesNotMatch");
  CHECK(d2.reason() == "signature_mismatch");

  f.p.access_key = "NOPE";
  f.sign();
  auto d3 = auth.authenticate(f.req.view());
  CHECK(d3.status() == 403);
  CHECK(d3.code() == "InvalidAccessKeyId");

  f.p.access_key = "AKID";
  f.p.time = t_2015 - 3600;
  f.sign();
  auto d4 = auth.authenticate(f.req.view());
  CHECK(d4.status() == 403);
  CHECK(d4.code() == "RequestTimeTooSkewed");

  f.req.set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/s3/aws4_request");
  auto d5 = auth.authenticate(f.req.view());
  CHECK(d5.status() == 400);
  CHECK(d5.code() == "AuthorizationHeaderMalformed");

  // Presigned: claimed through has_other_credentials.
  f.req.erase("Authorization");
  f.req.erase("X-Amz-Date");
  f.req.erase("x-amz-content-sha256");
  f.p.time = t_2015 - 7200;
  f.p.expires = 60;
  auto pr = aws::presign_request(f.req.view(), f.p);
  REQUIRE(pr);
  f.req.target = pr->target;
  auto d6 = auth.authenticate(f.req.view());
  CHECK(d6.status() == 403);
  CHECK(d6.code() == "AccessDenied");
  CHECK(d6.reason() == "presigned_expired");
  f.req.target = pr->target.substr(0, pr->target.find("X-Amz-Expires")) + "X-Amz-Expires=0" +
                 pr->target.substr(pr->target.find("&X-Amz-Signature"));
  auto d7 = auth.authenticate(f.req.view());
  CHECK(d7.status() == 400);
  CHECK(d7.code() == "AuthorizationQueryParametersError");

  // An adapter without the body (pre-routing): an empty signed body passes, a signed
  // non-empty one is refused unless the application checks the body itself.
  {
    check_fixture g;
    g.req.body.clear();
    g.req.method = "GET";
    g.sign();
    auto rv = g.req.view();
    rv.has_body = false;
    CHECK(h->verify(rv, *rv.header("Authorization")).kind == authwire::verdict_kind::allow);
    check_fixture p2;
    p2.sign();
    auto pv = p2.req.view();
    pv.has_body = false;
    pv.body = {};
    auto refused = h->verify(pv, *pv.header("Authorization"));
    CHECK(refused.reason == "unsupported_payload_mode");
    h->defer_body_checks = true;
    CHECK(h->verify(pv, *pv.header("Authorization")).kind == authwire::verdict_kind::allow);
    h->defer_body_checks = false;
  }

  CHECK(aws::http_status(aws::errc::missing_credentials) == 401);
  CHECK(aws::make_error_code(aws::errc::signature_mismatch).message() == "the signature does not match");
  std::error_code ec = aws::errc::bad_scheme;
  CHECK(ec.category().name() == std::string("authwire.aws_sigv4"));
}

TEST_CASE("aws_sigv4: signing-key cache is keyed by secret too", "[aws_sigv4][cache]") {
  aws::signing_key_cache c(2);
  const auto k1 = c.get("A", "s1", "20150830", "us-east-1", "s3");
  const auto k2 = c.get("A", "s1", "20150830", "us-east-1", "s3");
  CHECK(k1.hex() == k2.hex());
  CHECK(c.hits() == 1);
  const auto k3 = c.get("A", "s2", "20150830", "us-east-1", "s3");
  CHECK(k3.hex() != k1.hex());
  CHECK(k3.hex() == aws::derive_signing_key("s2", "20150830", "us-east-1", "s3").hex());
  c.get("B", "s1", "20150830", "us-east-1", "s3");  // evicts the least recently used
  CHECK(c.misses() == 3);
  // The thread's last entry: the old secret again after a rotation, then the new one.
  CHECK(c.get("A", "s2", "20150830", "us-east-1", "s3").hex() == k3.hex());
  CHECK(c.get("A", "s1", "20150830", "us-east-1", "s3").hex() == k1.hex());
  CHECK(c.get("A", "s1", "20150830", "us-east-2", "s3").hex() ==
        aws::derive_signing_key("s1", "20150830", "us-east-2", "s3").hex());
  CHECK(c.get("A", "s1", "20150830", "us-east-1", "s3").hex() == k1.hex());
}

TEST_CASE("aws_sigv4: signing-key caches share no entries, threads get the right keys", "[aws_sigv4][cache]") {
  aws::signing_key_cache c1(4), c2(4);
  c1.get("A", "s1", "20150830", "us-east-1", "s3");
  c1.get("A", "s1", "20150830", "us-east-1", "s3");
  CHECK(c1.hits() == 1);
  c2.get("A", "s1", "20150830", "us-east-1", "s3");  // this thread's last entry is c1's
  CHECK(c2.misses() == 1);
  CHECK(c2.hits() == 0);
  {
    aws::signing_key_cache c3(4);  // a cache made and gone: its entry cannot serve another
    c3.get("B", "s9", "20150830", "us-east-1", "s3");
  }
  aws::signing_key_cache c4(4);
  c4.get("B", "s9", "20150830", "us-east-1", "s3");
  CHECK(c4.misses() == 1);
  // Threads rotating between two secrets of one key id, on one shared cache (capacity 1).
  aws::signing_key_cache shared(1);
  const std::string want[2] = {aws::derive_signing_key("s1", "20150830", "us-east-1", "s3").hex(),
                               aws::derive_signing_key("s2", "20150830", "us-east-1", "s3").hex()};
  std::atomic<int> wrong{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const int k = (i / (t + 1)) % 2;
        if (shared.get("A", k ? "s2" : "s1", "20150830", "us-east-1", "s3").hex() != want[k]) ++wrong;
      }
    });
  for (auto& th : ts) th.join();
  CHECK(wrong == 0);
  CHECK(shared.hits() + shared.misses() == 800);
}

TEST_CASE("aws_sigv4: one verifier shared by several threads", "[aws_sigv4][threads]") {
  check_fixture f;
  f.sign();
  auto v = f.verifier();
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      raw_request mine = f.req;  // each thread its own copy of the request
      if (t % 2) mine.set("Content-Type", "text/html");
      for (int i = 0; i < 200; ++i) {
        auto r = v.verify(mine.view());
        (r ? ok : bad) += 1;
        if (!r && r.code() != aws::errc::signature_mismatch) bad += 1000;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(ok == 400);
  CHECK(bad == 400);
  CHECK(v.cache().misses() == 1);
}

TEST_CASE("aws_sigv4: more refusals (limits, checksums, payload modes)", "[aws_sigv4][verify][negative]") {
  check_fixture f;
  SECTION("an unsupported checksum algorithm, signed") {
    f.req.headers.emplace_back("x-amz-checksum-xxhash64", "AAAAAAAAAAA=");
    f.sign();
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::unsupported_checksum);
  }
  SECTION("too many query parameters in a presigned URL") {
    std::string q;
    for (int i = 0; i < 300; ++i) q += "p" + std::to_string(i) + "=1&";
    auto r = aws::parse_presigned(q + "X-Amz-Algorithm=AWS4-HMAC-SHA256");
    CHECK(r.code() == aws::errc::too_many_items);
    CHECK(r.offset() == q.find("p256="));
  }
  SECTION("UNSIGNED-PAYLOAD refused by options") {
    f.p.payload_hash = aws::unsigned_payload;
    f.sign();
    aws::verifier_options o;
    o.regions = {"us-east-1"};
    o.services = {"s3"};
    o.allow_unsigned_payload = false;
    aws::verifier strict(o, [](std::string_view) { return std::optional<aws::secret_record>({"SECRET", {}, {}}); },
                         authwire::fixed_clock(t_2015));
    CHECK(strict.verify(f.req.view()).code() == aws::errc::unsupported_payload_mode);
  }
  SECTION("streaming payload in a presigned URL") {
    f.p.payload_hash = aws::streaming_payload;
    f.req.headers.emplace_back("x-amz-content-sha256", std::string(aws::streaming_payload));
    auto pr = aws::presign_request(f.req.view(), f.p);
    REQUIRE(pr);
    f.req.target = pr->target;
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::unsupported_payload_mode);
  }
  SECTION("a bad request-target") {
    f.sign();
    f.req.target = "?x=1";
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::bad_target);
  }
  SECTION("X-Amz-Date twice") {
    f.sign();
    f.req.headers.emplace_back("X-Amz-Date", "20150830T123600Z");
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::duplicate_header);
  }
  SECTION("every errc has a name, a description, a status and a code") {
    for (int e = 0; e <= static_cast<int>(aws::errc::bad_content_md5); ++e) {
      const auto c = static_cast<aws::errc>(e);
      CHECK(aws::to_string(c) != "unknown");
      CHECK(aws::describe(c) != "unknown error");
      const int st = aws::http_status(c);
      CHECK((st == 200 || st == 400 || st == 401 || st == 403));
      CHECK((e == 0) == aws::s3_code(c).empty());
    }
  }
}

TEST_CASE("aws_sigv4: verify into a reused result with a secret_fill lookup equals the value API",
          "[aws_sigv4][verify][reuse]") {
  const auto dirs = case_dirs(data_dir + "/aws-c-auth/v4");
  REQUIRE(dirs.size() == 38);
  aws::verified_request out;  // reused by every case, so stale fields would show
  std::size_t compared = 0;
  for (const auto& dir : dirs) {
    INFO("case " << dir.filename().string());
    const auto ctx = nlohmann::json::parse(slurp(dir / "context.json"));
    const std::string token = ctx.at("credentials").value("token", "");
    const auto mode = ctx.at("normalize").get<bool>() ? aws::path_mode::normalized : aws::path_mode::unnormalized;
    raw_request sreq = parse_raw(slurp(dir / "header-signed-request.txt"));
    auto by_value = make_verifier("us-east-1", "service", t_2015,
                                  token.empty() ? std::nullopt : std::optional<std::string>(token), mode);
    aws::verifier_options o = by_value.options();
    std::size_t fills = 0;
    aws::verifier filling(
        o,
        [&](std::string_view k, aws::secret_record& r) {
          ++fills;
          CHECK(r.secret.empty());
          CHECK(!r.session_token);
          if (k != akid) return false;
          r.secret = secret;
          if (!token.empty()) r.session_token = token;
          r.identity = "id-" + std::string(k);
          return true;
        },
        authwire::fixed_clock(t_2015));
    const auto want = by_value.verify(sreq.view());
    const auto got = filling.verify(sreq.view(), out);
    REQUIRE(want);
    REQUIRE(got);
    CHECK(fills == 1);
    CHECK(out.identity == "id-" + akid);
    CHECK(out.access_key == want->access_key);
    CHECK(out.amz_date == want->amz_date);
    CHECK(out.scope == want->scope);
    CHECK(out.region == want->region);
    CHECK(out.service == want->service);
    CHECK(out.seed_signature == want->seed_signature);
    CHECK(out.signing_key.view() == want->signing_key.view());
    CHECK(out.mode == want->mode);
    CHECK(out.presigned == want->presigned);
    CHECK(out.unchecked_payload_hash == want->unchecked_payload_hash);
    CHECK(out.declared_trailers == want->declared_trailers);
    CHECK(out.decoded_content_length == want->decoded_content_length);
    // A change to what was signed: the same errc either way.
    sreq.method = sreq.method == "GET" ? "HEAD" : "PUT";
    CHECK(filling.verify(sreq.view(), out).code() == aws::errc::signature_mismatch);
    CHECK(by_value.verify(sreq.view()).code() == aws::errc::signature_mismatch);
    ++compared;
  }
  CHECK(compared == 38);
}

TEST_CASE("aws_sigv4: hash_canonical_request hashes exactly the built canonical request", "[aws_sigv4][canonical]") {
  const authwire::header_view hs[] = {{"Host", "example.com"},
                                      {"X-Amz-Date", "20150830T123600Z"},
                                      {"X-A", "  a \t  b  "},
                                      {"x-a", "c"}};
  aws::canonical_input in;
  in.method = "GET";
  in.path = "/a b/../c//d/";
  in.query = "b=2&a=%7e&a=1&c&X-Amz-Signature=x";
  in.headers = hs;
  in.header_count = 4;
  in.signed_headers = "host;x-a;x-amz-date";
  in.payload_hash = aws::empty_sha256;
  for (const auto m : {aws::path_mode::s3, aws::path_mode::normalized, aws::path_mode::unnormalized}) {
    in.mode = m;
    for (const bool drop : {false, true}) {
      in.drop_signature = drop;
      std::string built;
      REQUIRE(aws::build_canonical_request(built, in));
      const auto h = aws::hash_canonical_request(in);
      REQUIRE(h);
      CHECK(h->view() == authwire::hash(authwire::hash_algorithm::sha256, built).view());
    }
  }
  // Longer than the sink's buffer.
  const std::string long_value(700, 'v');
  const authwire::header_view hl[] = {{"Host", "example.com"}, {"Long", long_value}};
  in.headers = hl;
  in.header_count = 2;
  in.signed_headers = "host;long";
  std::string built;
  REQUIRE(aws::build_canonical_request(built, in));
  REQUIRE(built.size() > 700);
  CHECK(aws::hash_canonical_request(in)->view() == authwire::hash(authwire::hash_algorithm::sha256, built).view());
  // A signed header that is absent: the same errc and offset as the builder.
  in.signed_headers = "host;long;x-none";
  const auto b = aws::build_canonical_request(built, in);
  const auto hh = aws::hash_canonical_request(in);
  REQUIRE(!b);
  REQUIRE(!hh);
  CHECK(hh.code() == b.code());
  CHECK(hh.offset() == b.offset());
}

TEST_CASE("aws_sigv4: X-Amz-Date and scope dates parsed 8 digits at a time match a byte-wise reference", "[aws_sigv4][date]") {
  // The reference: the byte-wise parser the SWAR one replaced.
  auto ref = [](const std::string& s, std::int64_t& out) {
    if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
    for (std::size_t i = 0; i < 15; ++i)
      if (i != 8 && (s[i] < '0' || s[i] > '9')) return false;
    auto num = [&](std::size_t at, std::size_t n) {
      unsigned v = 0;
      for (std::size_t i = 0; i < n; ++i) v = v * 10 + static_cast<unsigned>(s[at + i] - '0');
      return v;
    };
    const unsigned y = num(0, 4), m = num(4, 2), d = num(6, 2), hh = num(9, 2), mi = num(11, 2), ss = num(13, 2);
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap ? 1u : 0u)) return false;
    if (hh > 23 || mi > 59 || ss > 60) return false;
    out = aws::detail::days_from_civil(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss;
    return true;
  };
  std::size_t accepted = 0, compared = 0;
  for (const std::string good : {"20150830T123600Z", "20000229T235960Z", "19991231T000000Z", "21000228T095909Z"})
    for (std::size_t i = 0; i <= good.size(); ++i)
      for (const char c : {'0', '1', '2', '3', '5', '6', '9', '/', ':', 'T', 'Z', ' ', '\xb0', 'a'}) {
        std::string m = good;
        if (i < good.size()) m[i] = c; else m += c;
        std::int64_t a = -1, b = -1;
        const bool ra = aws::detail::parse_amz_date(m, a), rb = ref(m, b);
        INFO(m);
        CHECK(ra == rb);
        if (ra && rb) {
          CHECK(a == b);
          ++accepted;
        }
        CHECK(aws::detail::valid_yyyymmdd(m.substr(0, 8)) == ref(m.substr(0, 8) + "T000000Z", b));
        ++compared;
      }
  CHECK(accepted > 50);
  CHECK(compared > 200);
  std::int64_t t = 0;
  REQUIRE(aws::detail::parse_amz_date("20150830T123600Z", t));
  CHECK(t == 1440938160);
}

TEST_CASE("aws_sigv4: hash_canonical_request with a signed-header index (the general writer)", "[aws_sigv4][canonical]") {
  // Values of every length 0..80 (the inline copies), with and without whitespace to fold,
  // repeated lines, with and without a query, long requests, and an absent signed header;
  // each also without the index (the usual writer where it takes the request).
  std::size_t compared = 0;
  for (std::size_t len = 0; len <= 80; ++len)
    for (const int shape : {0, 1, 2, 3, 4, 5}) {
      std::string v(len, 'v');
      for (std::size_t i = 0; i < len; ++i) v[i] = static_cast<char>('a' + (i * 7) % 26);
      if (shape == 1 && len > 2) v[len / 2] = ' ', v[0] = '\t';
      if (shape == 2 && len > 3) v[1] = ' ', v[2] = ' ';
      if (shape == 3 && len > 0) v[len - 1] = ' ';                    // a trailing space only
      if (shape == 4 && len > 0) v[len - 1] = '\x80', v[0] = '\x7f';  // high bytes: nothing to fold
      if (shape == 5 && len > 1) v[len - 2] = '\t', v[len - 1] = 'x';
      const std::string big(len * 20, 'b');
      const authwire::header_view hs[] = {{"Host", "example.com"}, {"X-Amz-Date", "20150830T123600Z"},
                                          {"X-V", v},            {"Other", "o"},
                                          {"x-v", "second"},     {"Big", big}};
      for (const std::string_view query : {std::string_view{}, std::string_view{"a=1"}})
        for (const std::string_view sh : {std::string_view{"host;x-amz-date;x-v"}, std::string_view{"big;host;x-v"},
                                          std::string_view{"host;x-none"}}) {
          aws::canonical_input in;
          in.method = "GET";
          in.path = len % 2 ? "/obj/a b" : "";
          in.query = query;
          in.headers = hs;
          in.header_count = 6;
          in.signed_headers = sh;
          in.payload_hash = aws::empty_sha256;
          in.mode = aws::path_mode::s3;
          aws::detail::signed_header_index x;
          REQUIRE(x.build(sh, hs, 6));
          std::string built;
          const auto b = aws::build_canonical_request(built, in);
          for (const aws::detail::signed_header_index* index : {&x, static_cast<decltype(&x)>(nullptr)}) {
            const auto h = aws::hash_canonical_request(in, index);
            INFO(len << " " << shape << " " << query << " " << sh << (index ? " indexed" : ""));
            REQUIRE(static_cast<bool>(b) == static_cast<bool>(h));
            ++compared;
            if (!b) {
              CHECK(h.code() == b.code());
              CHECK(h.offset() == b.offset());
              continue;
            }
            CHECK(h->view() == authwire::hash(authwire::hash_algorithm::sha256, built).view());
          }
        }
    }
  CHECK(compared == 81 * 6 * 2 * 3 * 2);
}

// ---------------------------------------------------------------------------------------------
// The Date header as the request time (no X-Amz-Date)
// ---------------------------------------------------------------------------------------------

TEST_CASE("aws_sigv4: the Date header parser (ISO 8601 basic and IMF-fixdate)", "[aws_sigv4][date]") {
  std::int64_t t = 0;
  CHECK(aws::detail::parse_date_header("20150830T123600Z", t));
  CHECK(t == t_2015);
  t = 0;
  CHECK(aws::detail::parse_date_header("Sun, 30 Aug 2015 12:36:00 GMT", t));
  CHECK(t == t_2015);
  t = 0;
  CHECK(aws::detail::parse_date_header("Sun, 30 Aug 2015 12:36:00 -0000", t));
  CHECK(t == t_2015);
  CHECK(aws::detail::parse_date_header("Sun, 30 Aug 2015 12:36:00 +0000", t));
  CHECK(aws::detail::parse_date_header("Thu, 01 Jan 1970 00:00:00 GMT", t));
  CHECK(t == 0);
  CHECK(aws::detail::parse_date_header("Tue, 29 Feb 2000 23:59:59 GMT", t));
  CHECK(t == 951868799);
  // RFC 9110 section 5.6.7 example.
  CHECK(aws::detail::parse_date_header("Sun, 06 Nov 1994 08:49:37 GMT", t));
  CHECK(t == 784111777);
  char buf[16];
  aws::detail::format_amz_date_to(784111777, buf);
  CHECK(std::string(buf, 16) == "19941106T084937Z");
  for (const char* bad : {"", "Mon, 30 Aug 2015 12:36:00 GMT",    // wrong day name
                          "Sun, 30 Aug 2015 12:36:00 UTC",        // zone
                          "Sun, 30 Aug 2015 12:36:00 +0100",      // not UTC
                          "Sunday, 30-Aug-15 12:36:00 GMT",       // RFC 850
                          "Sun Aug 30 12:36:00 2015",             // asctime
                          "Sun, 30 Aug 2015 12:36:00  GMT", "Sun, 31 Sep 2015 12:36:00 GMT",
                          "Sun, 30 Agu 2015 12:36:00 GMT", "Sun, 30 Aug 2015 24:36:00 GMT",
                          "Sun, 30 Aug 2015 12:60:00 GMT", "Sun, 3O Aug 2015 12:36:00 GMT",
                          "Thu, 29 Feb 2001 00:00:00 GMT", "2015-08-30T12:36:00Z", "20150830T123600"})
    CHECK_FALSE(aws::detail::parse_date_header(bad, t));
}

TEST_CASE("aws_sigv4: botocore requests signed with a Date header and no X-Amz-Date verify",
          "[aws_sigv4][date][vectors][botocore]") {
  const auto doc = nlohmann::json::parse(slurp(data_dir + "/botocore-date-header.json"));
  const std::int64_t t = doc.at("time").get<std::int64_t>();
  REQUIRE(doc.at("cases").size() == 2);
  for (const auto& c : doc.at("cases")) {
    const std::string service = c.at("service").get<std::string>();
    INFO(service);
    raw_request r;
    r.method = c.at("method").get<std::string>();
    r.target = c.at("target").get<std::string>();
    for (const auto& h : c.at("headers")) r.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
    auto v = make_verifier("us-east-1", service, t);
    auto ok = v.verify(r.view());
    REQUIRE(ok);
    CHECK(ok->amz_date == "20150830T123600Z");
    CHECK(ok->scope == "20150830/us-east-1/" + service + "/aws4_request");
    // The Date value is signed: a changed value fails (same instant, other spelling).
    r.set("Date", "Sun, 30 Aug 2015 12:36:00 GMT");
    CHECK(v.verify(r.view()).code() == aws::errc::signature_mismatch);
    // Another instant: the string to sign changes too.
    r.set("Date", "Sun, 30 Aug 2015 12:36:01 -0000");
    CHECK(v.verify(r.view()).code() == aws::errc::signature_mismatch);
    // Skew is judged on the Date time.
    r.set("Date", "Sun, 30 Aug 2015 12:36:00 -0000");
    CHECK(make_verifier("us-east-1", service, t + 901).verify(r.view()).code() == aws::errc::request_time_too_skewed);
    // reused-result path agrees
    aws::verified_request out;
    CHECK(v.verify(r.view(), out));
    CHECK(out.amz_date == "20150830T123600Z");
  }
}

TEST_CASE("aws_sigv4: Date header fallback, precedence and errors", "[aws_sigv4][date][verify][negative]") {
  check_fixture f;
  // Sign without X-Amz-Date in SignedHeaders, then move the time to a Date header.
  f.p.unsigned_headers.push_back("x-amz-date");
  SECTION("ISO 8601 basic Date, X-Amz-Date removed") {
    f.req.headers.emplace_back("Date", "20150830T123600Z");
    f.sign();
    f.req.erase("X-Amz-Date");
    auto r = f.verifier().verify(f.req.view());
    REQUIRE(r);
    CHECK(r->amz_date == "20150830T123600Z");
    // A wrong time in Date: the string to sign differs.
    f.req.set("Date", "20150830T123601Z");
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::signature_mismatch);
  }
  SECTION("X-Amz-Date wins over Date") {
    f.p.unsigned_headers.pop_back();  // X-Amz-Date signed, as every x-amz-* header must be
    f.req.headers.emplace_back("Date", "not a date at all");
    f.sign();
    CHECK(f.verifier().verify(f.req.view()));
  }
  SECTION("neither X-Amz-Date nor Date: missing_date at 0") {
    f.sign();
    f.req.erase("X-Amz-Date");
    auto r = f.verifier().verify(f.req.view());
    CHECK(r.code() == aws::errc::missing_date);
    CHECK(r.offset() == 0);
  }
  SECTION("a malformed Date: bad_date at 0") {
    f.req.headers.emplace_back("Date", "Sun, 30 Aug 2015 12:36:00 CEST");
    f.sign();
    f.req.erase("X-Amz-Date");
    auto r = f.verifier().verify(f.req.view());
    CHECK(r.code() == aws::errc::bad_date);
    CHECK(r.offset() == 0);
  }
  SECTION("two Date headers: duplicate_header at 0") {
    f.req.headers.emplace_back("Date", "20150830T123600Z");
    f.sign();
    f.req.erase("X-Amz-Date");
    f.req.headers.emplace_back("date", "20150830T123600Z");
    auto r = f.verifier().verify(f.req.view());
    CHECK(r.code() == aws::errc::duplicate_header);
    CHECK(r.offset() == 0);
  }
  SECTION("Date day differs from the scope date: scope_date_mismatch") {
    f.req.headers.emplace_back("Date", "Mon, 31 Aug 2015 00:01:00 GMT");
    f.sign();
    f.req.erase("X-Amz-Date");
    CHECK(f.verifier(t_2015 + 43000).verify(f.req.view()).code() == aws::errc::scope_date_mismatch);
  }
  SECTION("Date skewed: request_time_too_skewed") {
    f.req.headers.emplace_back("Date", "Sun, 30 Aug 2015 12:36:00 GMT");
    f.sign();
    f.req.erase("X-Amz-Date");
    CHECK(f.verifier(t_2015 + 900).verify(f.req.view()));
    CHECK(f.verifier(t_2015 - 901).verify(f.req.view()).code() == aws::errc::request_time_too_skewed);
  }
  SECTION("presigned requests ignore Date (X-Amz-Date is a required parameter)") {
    f.req.headers.emplace_back("Date", "garbage");
    auto pr = aws::presign_request(f.req.view(), f.p);
    REQUIRE(pr);
    f.req.target = pr->target;
    CHECK(f.verifier().verify(f.req.view()));
  }
}

// ---------------------------------------------------------------------------------------------
// x-amz-checksum-crc64nvme
// ---------------------------------------------------------------------------------------------

namespace {
std::string be64_base64(std::uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (56 - 8 * i)) & 0xFF);
  return authwire::base64_encode(std::string_view(b, 8));
}
}  // namespace

TEST_CASE("aws_sigv4: CRC-64/NVME checksum values", "[aws_sigv4][checksum][crc64nvme]") {
  const auto crc = aws::checksum_algorithm::crc64nvme;
  // The CRC catalogue check value.
  CHECK(aws::checksum_base64(crc, "123456789") == be64_base64(0xAE8B14860A799888ull));
  CHECK(be64_base64(0xAE8B14860A799888ull) == "rosUhgp5mIg=");
  // aws-checksums / aws-crt test vectors: 32 zero bytes, bytes 0x00..0x1F.
  CHECK(aws::checksum_base64(crc, std::string(32, '\0')) == be64_base64(0xCF3473434D4ECF3Bull));
  std::string seq;
  for (int i = 0; i < 32; ++i) seq += static_cast<char>(i);
  CHECK(aws::checksum_base64(crc, seq) == be64_base64(0xB9D9D4A8492CBD7Full));
  // NVM Express NVM Command Set Specification 1.0d, section 5.2.1.3.5 (and Linux crypto/testmgr.h).
  CHECK(aws::checksum_base64(crc, std::string(4096, '\0')) == be64_base64(0x6482D367EB22B64Eull));
  CHECK(aws::checksum_base64(crc, std::string(4096, '\xff')) == be64_base64(0xC0DDBA7302ECA3ACull));
  // aws-sdk-go-v2 service/internal/checksum tests: "hello world" -> x-amz-checksum-crc64nvme.
  CHECK(aws::checksum_base64(crc, "hello world") == "jSnVw/bqjr4=");
  CHECK(aws::checksum_base64(crc, "") == "AAAAAAAAAAA=");
  // Incremental equals one shot.
  aws::detail::checksum_state s;
  s.start(crc);
  s.update("1234");
  s.update("");
  s.update("56789");
  CHECK(s.base64() == "rosUhgp5mIg=");
  CHECK(aws::detail::checksum_from_header("x-amz-checksum-crc64nvme") == crc);
}

TEST_CASE("aws_sigv4: x-amz-checksum-crc64nvme header and trailer are checked", "[aws_sigv4][checksum][crc64nvme][negative]") {
  SECTION("header, signed") {
    check_fixture f;
    f.req.headers.emplace_back("x-amz-checksum-crc64nvme", "jSnVw/bqjr4=");  // "hello world"
    f.sign();
    CHECK(f.verifier().verify(f.req.view()));
    f.req.set("x-amz-checksum-crc64nvme", aws::checksum_base64(aws::checksum_algorithm::crc64nvme, "hello World"));
    f.sign();
    auto r = f.verifier().verify(f.req.view());
    CHECK(r.code() == aws::errc::checksum_mismatch);
    CHECK(r.offset() == 0);
    CHECK(aws::s3_code(aws::errc::checksum_mismatch) == "BadDigest");
  }
  SECTION("signed trailer") {
    streaming_fixture f;
    const std::string data(2500, 'n');
    aws::verified_request v;
    v.signing_key = f.key();
    v.amz_date = "20130524T000000Z";
    v.scope = "20130524/us-east-1/s3/aws4_request";
    v.seed_signature = f.doc.at("expected_seed_signature").get<std::string>();
    v.decoded_content_length = data.size();
    v.mode = aws::payload_mode::streaming_signed_trailer;
    v.declared_trailers = {"x-amz-checksum-crc64nvme"};
    std::string out;
    aws::chunk_signer cs(v.signing_key, v.amz_date, v.scope, v.seed_signature);
    std::vector<authwire::header_line> tr = {
        {"x-amz-checksum-crc64nvme", aws::checksum_base64(aws::checksum_algorithm::crc64nvme, data)}};
    CHECK(run_body(v, cs.encode(data, 1000, &tr), 77, out));
    CHECK(out == data);
    aws::chunk_signer cs2(v.signing_key, v.amz_date, v.scope, v.seed_signature);
    std::vector<authwire::header_line> bad = {{"x-amz-checksum-crc64nvme", "AAAAAAAAAAA="}};
    out.clear();
    const std::string body = cs2.encode(data, 1000, &bad);
    auto r = run_body(v, body, 77, out);
    CHECK(r.code() == aws::errc::checksum_mismatch);
    CHECK(r.offset() == body.find("x-amz-checksum-crc64nvme:"));
  }
}

TEST_CASE("aws_sigv4: signed-header matching with long names, repeated lines and more lines than the index holds",
          "[aws_sigv4][verify][canonical]") {
  for (const std::size_t extra : {std::size_t{0}, std::size_t{3}, std::size_t{70}}) {
    INFO(extra);
    check_fixture f;
    // A name of 40 bytes (past the by-length buckets) and one of exactly 31; a repeated line.
    f.req.headers.emplace_back("X-Custom-Header-With-A-Rather-Long-Name1", "a  b");
    f.req.headers.emplace_back("x-custom-header-thirty-one-byte", "v1");
    f.req.headers.emplace_back("X-Custom-Header-Thirty-One-Byte", " v2 ");
    // Filler lines, not signed (a signed list is limited to 64 names), so that the request
    // has more lines than the matching index holds when extra is 70.
    std::vector<std::string> filler;
    for (std::size_t i = 0; i < extra; ++i) filler.push_back("x-filler-" + std::to_string(i));
    for (const auto& n : filler) {
      f.req.headers.emplace_back(n, "1");
      f.p.unsigned_headers.push_back(n);
    }
    f.sign();
    auto ok = f.verifier().verify(f.req.view());
    REQUIRE(ok);
    aws::verified_request out;
    CHECK(f.verifier().verify(f.req.view(), out));
    // The canonical request the verifier hashes is the one the signer built.
    auto s = aws::sign_request(f.req.view(), f.p);
    REQUIRE(s);
    CHECK(s->canonical_request.find("x-custom-header-thirty-one-byte:v1,v2\n") != std::string::npos);
    CHECK(s->canonical_request.find("x-custom-header-with-a-rather-long-name1:a b\n") != std::string::npos);
    // An unsigned x-amz-* line is caught on both paths.
    f.req.headers.emplace_back("x-amz-meta-late", "1");
    auto r = f.verifier().verify(f.req.view());
    CHECK(r.code() == aws::errc::unsigned_amz_header);
    CHECK(r.offset() == 0);
    f.req.headers.pop_back();
    // A changed value of a repeated line breaks the signature.
    f.req.set("x-custom-header-thirty-one-byte", "v3");
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::signature_mismatch);
    // A signed line removed: signed_header_absent.
    f.req.erase("x-custom-header-thirty-one-byte");
    CHECK(f.verifier().verify(f.req.view()).code() == aws::errc::signed_header_absent);
  }
}

namespace {
// parse_authorization of `in` (the usual form takes the SSE2 fast path where there is one) and
// of " " + in (always the general path, offsets one higher) agree: same success, same views,
// or the same error at the same place. Returns whether `in` parsed.
bool fast_and_general_agree(const std::string& in, const aws::parse_limits& lim = {}) {
  INFO(in);
  const auto fast = aws::parse_authorization(in, lim);
  const std::string spaced = " " + in;
  const auto general = aws::parse_authorization(spaced, lim);
  REQUIRE(static_cast<bool>(fast) == static_cast<bool>(general));
  if (!fast) {
    CHECK(fast.code() == general.code());
    CHECK(fast.offset() + 1 == general.offset());
    return false;
  }
  CHECK(fast->credential_text == general->credential_text);
  CHECK(fast->credential.access_key == general->credential.access_key);
  CHECK(fast->credential.date == general->credential.date);
  CHECK(fast->credential.region == general->credential.region);
  CHECK(fast->credential.service == general->credential.service);
  CHECK(fast->credential.scope == general->credential.scope);
  CHECK(fast->signed_headers == general->signed_headers);
  CHECK(fast->signature == general->signature);
  CHECK(fast->credential_offset + 1 == general->credential_offset);
  CHECK(fast->signed_headers_offset + 1 == general->signed_headers_offset);
  CHECK(fast->signature_offset + 1 == general->signature_offset);
  // The views point into `in` itself.
  CHECK(fast->credential_text.data() == in.data() + fast->credential_offset);
  CHECK(fast->signed_headers.data() == in.data() + fast->signed_headers_offset);
  CHECK(fast->signature.data() == in.data() + fast->signature_offset);
  return true;
}

std::string usual_authorization(const std::string& credential, const std::string& signed_headers,
                                const std::string& sep = ", ") {
  return "AWS4-HMAC-SHA256 Credential=" + credential + sep + "SignedHeaders=" + signed_headers + sep +
         "Signature=" + std::string(64, 'b');
}
}  // namespace

TEST_CASE("aws_sigv4: the usual-shape Authorization fast path agrees with the general parser",
          "[aws_sigv4][parse][negative]") {
  // A leading SP sends a value down the general path (offsets one higher); without it the
  // usual shape takes the fast path. Every single-byte mutation of good values must give the
  // same view or the same error.
  const std::string sig(64, 'a');
  const std::vector<std::string> goods = {
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" + sig};
  std::size_t compared = 0;
  for (const auto& good : goods) {
    std::vector<std::string> inputs = {good};
    for (std::size_t i = 0; i < good.size(); ++i) {
      for (const char c : {',', ' ', '/', 'A', ';', '=', 'x', '\t', '0'}) {
        std::string m = good;
        m[i] = c;
        inputs.push_back(m);
      }
      inputs.push_back(good.substr(0, i) + good.substr(i + 1));
    }
    for (const auto& in : inputs) {
      fast_and_general_agree(in);
      ++compared;
    }
  }
  CHECK(compared > 2000);
  // parse_credential: what its four-slash fast path accepts is exactly what the parts say
  // (errors come from the general path, tested with their offsets above).
  std::size_t accepted = 0, refused = 0;
  for (const std::string cred : {"AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request", "AKID/20150830/x/s3/aws4_request",
                                 "A/20150830/us-east-1/s3/aws4_request"})
  for (std::size_t i = 0; i < cred.size(); ++i)
    for (const char c : {'/', 'x', '1', '-', '.', '_', ',', ';', '=', ' ', '\x7f', '\x80', '~', '!', '\x21', '\x20'}) {
      std::string m = cred;
      m[i] = c;
      const auto r = aws::parse_credential(m, 5);
      INFO(m);
      if (!r) {
        ++refused;
        continue;
      }
      ++accepted;
      for (const char k : r->access_key) CHECK(aws::detail::is_key_char(k));
      const auto s1 = m.find('/'), s2 = m.find('/', s1 + 1), s3 = m.find('/', s2 + 1), s4 = m.find('/', s3 + 1);
      REQUIRE(s4 != std::string::npos);
      CHECK(m.find('/', s4 + 1) == std::string::npos);
      CHECK(r->access_key == m.substr(0, s1));
      CHECK(r->date == m.substr(s1 + 1, s2 - s1 - 1));
      CHECK(r->region == m.substr(s2 + 1, s3 - s2 - 1));
      CHECK(r->service == m.substr(s3 + 1, s4 - s3 - 1));
      CHECK(r->scope == m.substr(s1 + 1));
      CHECK(m.substr(s4 + 1) == "aws4_request");
    }
  CHECK(accepted > 100);
  CHECK(refused > 100);
}

TEST_CASE("aws_sigv4: check_signed_headers accepts exactly what a naive reference accepts", "[aws_sigv4][parse]") {
  auto reference = [](const std::string& v, std::size_t limit) -> std::size_t {
    std::vector<std::string> names;
    std::size_t b = 0;
    for (std::size_t i = 0; i <= v.size(); ++i)
      if (i == v.size() || v[i] == ';') {
        names.push_back(v.substr(b, i - b));
        b = i + 1;
      }
    bool host = false;
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (names[k].empty()) return 0;
      for (char c : names[k])
        if (!authwire::is_tchar(c) || (c >= 'A' && c <= 'Z')) return 0;
      if (k > 0 && !(names[k - 1] < names[k])) return 0;
      host = host || names[k] == "host";
    }
    if (!host || names.size() > limit) return 0;
    return names.size();
  };
  const std::vector<std::string> goods = {"host", "content-type;host;x-amz-date",
                                          "accept;host;range;x-amz-content-sha256;x-amz-date;x-amz-meta-a-long-name1",
                                          "a;b;c;d;e;f;g;h;host;i;j;k;l;m;n;o;p;q;r;s;t;u;v;w;x;y;z",
                                          // long shared prefixes (the 8-byte order compare), exactly 16 bytes
                                          "host;x-amz-meta-aaaaaaaa1;x-amz-meta-aaaaaaaa2;x-amz-meta-aaaaaaaa20",
                                          "host;x-amz-date", "a;host;x-amz-d;z", "host;x-amz-content-sha256;x-amz-date"};
  std::size_t accepted = 0;
  for (const auto& good : goods)
    for (std::size_t i = 0; i <= good.size(); ++i)
      for (const char c : {';', 'a', 'z', 'H', '_', ' ', '\0', 'h', 'x', '-', '0', '9', '\x80', '`', '{', '/'}) {
        std::string m = good;
        if (i < good.size()) m[i] = c; else m += c;
        for (const std::size_t limit : {std::size_t{64}, std::size_t{3}}) {
          aws::parse_limits lim;
          lim.max_signed_headers = limit;
          const auto r = aws::check_signed_headers(m, 0, lim);
          const std::size_t want = reference(m, limit);
          INFO(m << " limit " << limit);
          CHECK(static_cast<bool>(r) == (want != 0));
          if (r) {
            CHECK(*r == want);
            ++accepted;
          }
        }
      }
  CHECK(accepted > 20);
}


TEST_CASE("aws_sigv4: the SSE2 fast path of parse_authorization agrees with the general parser on more shapes",
          "[aws_sigv4][parse][negative]") {
  const std::string key20 = "AKIAIOSFODNN7EXAMPLE";
  const std::vector<std::string> creds = {
      key20 + "/20150830/us-east-1/s3/aws4_request",
      "A/20150830/r/s/aws4_request",                                      // the shortest (27 bytes)
      key20 + "/20160229/ap-southeast-2/execute-api/aws4_request",        // 16+ byte region, long service
      std::string(28, 'K') + "/20150830/us-east-1/s3/aws4_request",        // 63 bytes: one 64-byte window
      std::string(29, 'K') + "/20150830/us-east-1/s3/aws4_request",        // 64 bytes: two windows
      std::string(30, 'K') + "/20150830/us-east-1/s3/aws4_request",        // 65 bytes
      std::string(90, 'Z') + "/20150830/us-east-1/s3/aws4_request",        // access key of 64+ bytes
      "AKID+x~!/20150830/us-east-1/s3/aws4_request",                       // key bytes outside the scope class
      "akid_Key.1-2/20150830/US-East_1.x/S3-x_y.z/aws4_request",           // the whole scope class
      key20 + "/20000229/us-east-1/s3/aws4_request",                       // leap days
      key20 + "/19000228/us-east-1/s3/aws4_request"};
  const std::vector<std::string> lists = {
      "host;range;x-amz-content-sha256;x-amz-date",
      "host",
      "host;x-amz-date",                                                     // 15 bytes
      "host;x-amz-datex",                                                    // 16
      "host;x-amz-datexy",                                                   // 17
      "a-b-c-d1;host;x-amz-date;zzzzzzz",                                    // 8-byte names, 32 bytes
      "a-b-c-d1;host;x-amz-date;zzzzzz",                                     // 31
      "a-b-c-d1;host;x-amz-date;zzzzzzzz",                                   // 33
      "abcdefgh;abcdefgh0;abcdefgh00;abcdefghabcdefgh;abcdefghabcdefgh1;host",  // shared 8 and 16 byte heads
      "0;1;9;a;b;host;x-amz-a;x-amz-b;x-amz-meta-0;x-amz-meta-1;x-amz-meta-10;x-amz-meta-2;x-amz-meta-3;"
      "x-amz-meta-4;x-amz-meta-5;x-amz-meta-6;x-amz-meta-7;x-amz-meta-8;x-amz-meta-9;z",  // many, > 128 bytes
      "content-md5;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token",
      "host;x_amz_date",                                                     // '_' (tchar, not usual)
      "host;x-amz-date!"};
  std::size_t accepted = 0, compared = 0;
  for (const auto& c : creds)
    for (const auto& l : lists)
      for (const std::string sep : {", ", ","}) {
        const std::string good = usual_authorization(c, l, sep);
        REQUIRE(fast_and_general_agree(good));
        ++accepted;
        // Every single-byte change, deletion and insertion in the credential and the list.
        const std::size_t from = std::string("AWS4-HMAC-SHA256 Credential=").size();
        const std::size_t to = good.size() - 64;
        for (std::size_t i = from - 2; i < to; ++i) {
          for (const char ch : {'/', ',', ';', ' ', 'A', 'a', 'h', '0', '2', '-', '_', '=', '\0', '\x80', '{'}) {
            std::string m = good;
            m[i] = ch;
            accepted += fast_and_general_agree(m) ? 1 : 0;
            m = good;
            m.insert(i, 1, ch);
            accepted += fast_and_general_agree(m) ? 1 : 0;
            compared += 2;
          }
          accepted += fast_and_general_agree(good.substr(0, i) + good.substr(i + 1)) ? 1 : 0;
          ++compared;
        }
      }
  CHECK(compared > 100000);
  CHECK(accepted > 5000);
  // The limit on the number of names: the fast path leaves the error to the general one.
  aws::parse_limits lim;
  lim.max_signed_headers = 3;
  CHECK(fast_and_general_agree(usual_authorization(creds[0], "a;b;host"), lim));
  CHECK_FALSE(fast_and_general_agree(usual_authorization(creds[0], "a;b;c;host"), lim));
  CHECK(aws::parse_authorization(usual_authorization(creds[0], "a;b;c;host"), lim).code() == aws::errc::too_many_items);
  CHECK(aws::parse_authorization(usual_authorization(creds[0], "a;b;c;host"), lim).offset() == 28 + 55 + 2 + 14 + 6);
#if AUTHWIRE_SSE2
  // The usual values do take the fast path (it is what the benchmark measures).
  for (const auto& c : {creds[0], creds[1], creds[2], creds[3], creds[4], creds[5], creds[8], creds[9]})
    for (const auto& l : {lists[0], lists[1], lists[8], lists[9], lists[10]}) {
      const std::string v = usual_authorization(c, l);
      aws::detail::usual_offsets o{};
      INFO(v);
      CHECK(aws::detail::usual_authorization_sse2(v.data(), v.size(), aws::parse_limits{}, o));
    }
  // Not the usual content: the other paths (which accept them).
  for (const auto& c : {creds[6], creds[7]}) {
    const std::string v = usual_authorization(c, lists[0]);
    aws::detail::usual_offsets o{};
    INFO(v);
    CHECK_FALSE(aws::detail::usual_authorization_sse2(v.data(), v.size(), aws::parse_limits{}, o));
    CHECK(aws::parse_authorization(v));
  }
#endif
}

TEST_CASE("aws_sigv4: the credential date check agrees with valid_yyyymmdd", "[aws_sigv4][date]") {
  std::size_t valid = 0;
  for (const char* year : {"2015", "2016", "1900", "2000", "2400", "0000", "9999", "2100"})
    for (int md = 0; md <= 9999; ++md) {
      const std::string digits = std::to_string(10000 + md);  // "1MMDD"
      const std::string s = year + digits.substr(1);
      INFO(s);
      const bool want = aws::detail::valid_yyyymmdd(s);
      REQUIRE(aws::detail::valid_date8(s.data()) == want);
      valid += want ? 1 : 0;
    }
  CHECK(valid == 8 * 365 + 4);  // 2016, 2000, 2400 and 0000 are leap years
  // A non-digit anywhere.
  const std::string good = "20150830";
  for (std::size_t i = 0; i < 8; ++i)
    for (const char c : {'/', ':', ' ', 'a', '\0', '\xb0', '\x39', '\x30'}) {
      std::string m = good;
      m[i] = c;
      INFO(m);
      CHECK(aws::detail::valid_date8(m.data()) == aws::detail::valid_yyyymmdd(m));
    }
}

TEST_CASE("aws_sigv4: the remembered SignedHeaders list changes no result", "[aws_sigv4][parse][negative]") {
  // The SSE2 path accepts the last accepted list of this thread again when the same bytes are
  // followed by ','. Each value below is parsed after another one whose list is almost the same.
  const std::string cred = "AKIAIOSFODNN7EXAMPLE/20150830/us-east-1/s3/aws4_request";
  const std::string l = "accept;host;range;x-amz-content-sha256;x-amz-date";
  const std::string l64 = "host;x-amz-content-sha256;x-amz-date;x-amz-meta-aaaaaaaaaaaaaaaa";  // 64 bytes
  const std::string l65 = l64 + "b";
  REQUIRE(l64.size() == 64);
  std::vector<std::string> lists = {l, l64, l65, "host", "host;x-amz-date", l.substr(0, l.size() - 1)};
  for (std::size_t i = 0; i < l.size(); ++i) {
    std::string m = l;
    m[i] = m[i] == ';' ? 'a' : ';';
    lists.push_back(m);
    lists.push_back(l.substr(0, i));
    lists.push_back(l + l.substr(i));
  }
  std::size_t accepted = 0;
  for (const auto& first : lists)
    for (const auto& second : lists)
      for (const std::string sep : {", ", ","}) {
        const std::string a = usual_authorization(cred, first, sep), b = usual_authorization(cred, second, sep);
        accepted += fast_and_general_agree(a) ? 1 : 0;
        accepted += fast_and_general_agree(b) ? 1 : 0;
        accepted += fast_and_general_agree(b) ? 1 : 0;  // b right after itself
      }
  CHECK(accepted > 100);
  // A remembered list still counts against the limit.
  const std::string four = usual_authorization(cred, "a;b;c;host");
  REQUIRE(aws::parse_authorization(four));
  aws::parse_limits lim;
  lim.max_signed_headers = 3;
  const auto r = aws::parse_authorization(four, lim);
  REQUIRE_FALSE(r);
  CHECK(r.code() == aws::errc::too_many_items);
  CHECK(r.offset() == 28 + 55 + 2 + 14 + 6);
  CHECK_FALSE(fast_and_general_agree(four, lim));
  // A value ending right after the remembered list (no room for the signature) is refused.
  const std::string cut = "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + l + ",";
  CHECK_FALSE(fast_and_general_agree(cut));
  CHECK_FALSE(fast_and_general_agree(cut + "Signature=" + std::string(63, 'a')));
  CHECK(fast_and_general_agree(cut + "Signature=" + std::string(64, 'a')));
  // Every thread has its own.
  std::thread t([&] {
    CHECK(fast_and_general_agree(usual_authorization(cred, "host;x-amz-date")));
    CHECK(fast_and_general_agree(usual_authorization(cred, l)));
  });
  t.join();
  CHECK(fast_and_general_agree(usual_authorization(cred, l)));
#if AUTHWIRE_SSE2
  // The lists kept: those of at most 64 bytes that the fast path accepted last.
  CHECK(aws::detail::last_names().len == l.size());
  CHECK(fast_and_general_agree(usual_authorization(cred, l65)));
  CHECK(aws::detail::last_names().len == l.size());
  CHECK(fast_and_general_agree(usual_authorization(cred, l64)));
  CHECK(aws::detail::last_names().len == 64);
  CHECK_FALSE(fast_and_general_agree(usual_authorization(cred, "host;host")));
  CHECK(aws::detail::last_names().len == 64);
  std::thread u([&] { CHECK(aws::detail::last_names().len == 0); });
  u.join();
#endif
}

TEST_CASE("aws_sigv4: the usual canonical writer agrees with build_canonical_request and marks the signed lines",
          "[aws_sigv4][canonical]") {
  // Pseudo-random requests (fixed seed): 0..40 header lines (the writer takes at most 32),
  // names in both cases and of lengths 1..300 (255 and more are the general writer's),
  // repeated lines, values with whitespace to fold, signed lists of 1..20 names (the writer
  // takes at most 16) from 1 to 400 bytes (the ';' mask covers 16..64), absent names.
  const std::string long_name(300, 'l'), name_255(255, 'm'), name_254(254, 'n');
  const std::vector<std::string> pool = {"Host", "host", "X-Amz-Date", "x-amz-date", "Range", "A", "a", "x-v", "X-V",
                                         "x-amz-content-sha256", "content-type", "x-custom-header-thirty-one-byte",
                                         long_name, name_255, name_254, "b", "c-d"};
  const std::vector<std::string> values = {"", "v", "  a \t b  ", "examplebucket.s3.amazonaws.com", "20150830T123600Z",
                                           std::string(70, 'x'), "x y", "\t", "0123456789abcdef"};
  std::uint32_t seed = 12345;
  auto next = [&](std::uint32_t n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
  };
  std::size_t usual = 0, general = 0, absent = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::vector<header_view> hs(next(41));
    for (auto& h : hs) h = {pool[next(static_cast<std::uint32_t>(pool.size()))], values[next(static_cast<std::uint32_t>(values.size()))]};
    std::vector<std::string> names;
    for (std::size_t k = 0, n = 1 + next(20); k < n; ++k) {
      std::string l = pool[next(static_cast<std::uint32_t>(pool.size()))];
      for (char& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (next(8) == 0) l = "x-none";
      names.push_back(l);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ";") + n;
    aws::canonical_input in;
    in.method = "GET";
    in.path = next(2) ? "/obj" : "";
    in.headers = hs.data();
    in.header_count = hs.size();
    in.signed_headers = list;
    in.payload_hash = aws::empty_sha256;
    in.mode = aws::path_mode::s3;
    INFO("trial " << trial << " lines " << hs.size() << " list " << list);
    std::string built;
    const auto b = aws::build_canonical_request(built, in);
    const auto h = aws::hash_canonical_request(in);
    REQUIRE(static_cast<bool>(b) == static_cast<bool>(h));
    if (!b) {
      ++absent;
      CHECK(h.code() == b.code());
      CHECK(h.offset() == b.offset());
    } else {
      CHECK(h->view() == authwire::hash(authwire::hash_algorithm::sha256, built).view());
    }
    char buf[1024];
    std::uint32_t lines = 0;
    const char* e = aws::detail::write_usual_canonical_head(buf, sizeof buf, in, lines);
    if (!e) {
      ++general;
      continue;
    }
    ++usual;
    REQUIRE(b);
    CHECK(std::string(buf, static_cast<std::size_t>(e - buf)) + std::string(aws::empty_sha256) == built);
    for (std::size_t k = 0; k < hs.size(); ++k) {
      std::string l(hs[k].name);
      for (char& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      CHECK(((lines >> k) & 1u) == (std::find(names.begin(), names.end(), l) != names.end() ? 1u : 0u));
    }
  }
  CHECK(usual > 100);
  CHECK(general > 300);
  CHECK(absent > 300);
}
